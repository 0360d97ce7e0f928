/*
 * @pymemsim/replay: the .pmt trace format (README.md describes it byte by byte), its
 * writer and reader, replay of a trace as a fold of its events, the timeline (time
 * travel), views of a heap for inspection, and the comparison of two traces.
 */
export {
  CREATED_BY,
  END_MAGIC,
  FORMAT_VERSION,
  HEADER_CRC_FORMAT,
  MAGIC,
  READABLE_FORMATS,
  RECORD_HEADER_SIZE,
  TAG_CHECKPOINT,
  TAG_EVENTS,
  TAG_FOOTER,
  traceHeader,
  type CheckpointIndexEntry,
  type CheckpointRecord,
  type ChunkIndexEntry,
  type EventChunk,
  type Footer,
  type TraceHeader,
} from './format.js';
export { MSGPACK_OPTIONS, crc32 } from './codec.js';
export {
  DEFAULT_CHECKPOINT_BUDGET,
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_CHUNK_SIZE,
  TraceEncoder,
  encodeTrace,
  type EncoderOptions,
} from './encoder.js';
export { TraceWriter, record, recordTo, type TraceSink, type WriterOptions } from './writer.js';
export {
  checkpointState,
  chunkEvents,
  events$,
  indexTrace,
  readFooter,
  readTrace,
  type CheckpointRef,
  type ChunkRef,
  type ReadOptions,
  type Recovery,
  type TraceContents,
  type TraceIndex,
} from './reader.js';
export { FIRST_SCHEMA, upcast } from './upcast.js';
export { fileSource, memorySource, type ByteSource } from './source.js';
export { Malformed, toMemEvent } from './eventSchema.js';
export { replayTrace, replayIndex, replayIndexRecovering, type ReplayResult } from './replay.js';
export { UserCodeEnd } from './userCode.js';
export { Timeline, type Occurrence, type Progress, type TimelineOptions } from './timeline.js';
export { dumpLine, eventObjectIds, formatEvent, formatValue, isHolder, type ObjectRole } from './dump.js';
export { SnapshotTable, deepFreeze, materialize, restore, share, thaw } from './snapshot.js';
export {
  formatChain,
  formatRoot,
  frameViews,
  framesOf,
  generationOf,
  linksOf,
  liveObjectIds,
  lookupVariable,
  dictKeyOf,
  mainGlobals,
  objectLabel,
  objectView,
  programObjects,
  interpreterRef,
  refLabels,
  referrerChains,
  referrers,
  shortRepr,
  slotLabel,
  type Chain,
  type FrameView,
  type Link,
  type ObjectView,
  type ProgramWalk,
  type Referrers,
  type RootHolder,
} from './heapView.js';
export {
  holderWords,
  linkExpression,
  objectNames,
  objectWords,
  resolveExpression,
  stateContext,
  variables,
  type HolderContext,
} from './names.js';
export { pyStr, pythonRepr } from './reprs.js';
export { equalIgnoring, eventPair, firstDivergence, stateDifferences, type Difference } from './diff.js';
