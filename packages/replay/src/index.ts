/*
 * @pymemsim/replay: the .pmt trace format (README.md describes it byte by byte), its
 * writer and reader, and replay of a trace as a fold of its events.
 */
export {
  CREATED_BY,
  END_MAGIC,
  FORMAT_VERSION,
  MAGIC,
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
export { DEFAULT_CHUNK_SIZE, TraceEncoder, encodeTrace, type EncoderOptions } from './encoder.js';
export { TraceWriter, record, recordTo, type WriterOptions } from './writer.js';
export { events$, readFooter, readTrace, type ReadOptions, type Recovery, type TraceContents } from './reader.js';
export { FIRST_SCHEMA, upcast } from './upcast.js';
export { replayTrace, type ReplayResult } from './replay.js';
