/*
 * Replaying a trace
 * =================
 * Replay is a fold: the events of a trace applied in order to an empty heap with the one
 * transition (`applyEvent`, core), never re-running allocator or collector policy. The
 * hash of the result is compared with the footer's `finalHash`, the hash of the state
 * the recording run ended with: equal hashes mean the trace reproduces that run.
 *
 * Read first: replayTrace(), and replayIndex() for a trace too long to hold its events
 * in memory (it decodes one chunk at a time, into scratch events: chunkCodec.ts).
 *
 * A trace without a footer (an unfinished run) replays, but has nothing to compare
 * with: `ok` is false and `expected` undefined.
 */
import {
  UserError,
  applyEvent,
  checkInterrupt,
  emptyHeap,
  hashState,
  type HeapState,
  type MemEvent,
} from '@pymemsim/core';
import { NotApplied, foldScratchEvents } from './chunkCodec.js';
import { Malformed } from './malformed.js';
import { corruptRecord, type Recovery, type TraceContents, type TraceIndex } from './reader.js';

export interface ReplayResult {
  /** The replayed state hashes to the footer's finalHash. */
  readonly ok: boolean;
  /** Events replayed. */
  readonly events: number;
  /** The footer's finalHash (undefined without a footer). */
  readonly expected: string | undefined;
  /** hashState of the replayed state. */
  readonly actual: string;
  /** The replayed state (plain, mutable, owned by the caller). */
  readonly state: HeapState;
}

export function replayTrace(
  contents: Pick<TraceContents, 'events' | 'footer'> & { readonly header?: { readonly schema: number } },
): ReplayResult {
  // The state records the schema of the events folded into it (part of its hash).
  const state = emptyHeap(contents.header?.schema);
  let seq = 0;
  for (const event of contents.events) {
    applyOrReport(state, event, seq);
    seq += 1;
  }
  return result(state, seq, contents.footer?.finalHash);
}

/**
 * replayTrace over an index (indexTrace): one chunk decoded at a time, so a trace of any
 * length replays in the memory of one chunk and one state. `progress` sees the events
 * done after each chunk.
 */
export function replayIndex(index: TraceIndex, progress?: (done: number, total: number) => void): ReplayResult {
  const state = emptyHeap(index.header.schema);
  const bad = foldChunks(index, index.chunks.length, state, progress);
  if (bad !== undefined) throw bad.error;
  return result(state, index.events, index.footer?.finalHash);
}

/**
 * replayIndex, but a chunk whose body does not decode (its CRC was right: only a crafted
 * file has one) ends the replay before it, as readTrace recovers a damaged trace: the
 * result is the replay of the chunks before it (no footer to compare with), and
 * `recovered` says what was lost. Otherwise `recovered` is the index's own.
 */
export function replayIndexRecovering(
  index: TraceIndex,
  progress?: (done: number, total: number) => void,
): { result: ReplayResult; recovered: Recovery | undefined } {
  let state = emptyHeap(index.header.schema);
  const bad = foldChunks(index, index.chunks.length, state, progress);
  if (bad === undefined)
    return { result: result(state, index.events, index.footer?.finalHash), recovered: index.recovered };
  // The failing chunk may have applied part of its events: fold the chunks before it again.
  state = emptyHeap(index.header.schema);
  foldChunks(index, bad.chunk, state);
  const before = index.chunks[bad.chunk - 1];
  const events = before === undefined ? 0 : before.first + before.count;
  const at = index.chunks[bad.chunk]?.offset ?? 0;
  const size = index.source?.size;
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  return {
    result: result(state, events, undefined),
    recovered: {
      message:
        `${bad.error.message}; recovered ${plural(events, 'event')} in ${plural(bad.chunk, 'complete chunk')}` +
        (size === undefined ? '' : `; bytes ${at} to ${size - 1} are ignored, with any events in them`),
      lostFromOffset: at,
    },
  };
}

/** Fold the first `count` chunks into `state`; a chunk whose body does not decode stops it (returned). */
function foldChunks(
  index: TraceIndex,
  count: number,
  state: HeapState,
  progress?: (done: number, total: number) => void,
): { chunk: number; error: UserError } | undefined {
  for (let i = 0; i < count; i++) {
    const chunk = index.chunks[i];
    if (chunk === undefined) break;
    checkInterrupt();
    if (chunk.events !== undefined) {
      chunk.events.forEach((event, k) => applyOrReport(state, event, chunk.first + k));
    } else {
      try {
        foldScratchEvents(chunk.payload, index.header.schema, state);
      } catch (error) {
        if (error instanceof Malformed)
          return { chunk: i, error: corruptRecord(index.name, chunk.offset, 'event chunk', error) };
        if (error instanceof NotApplied) throw cannotReplay(error.type, error.seq, error.cause);
        throw error;
      }
    }
    progress?.(chunk.first + chunk.count, index.events);
  }
  return undefined;
}

function applyOrReport(state: HeapState, event: MemEvent, seq: number): void {
  // Events passed the schema check, so applyEvent accepts their shapes; an exception
  // here means events that no run could have produced: the trace's fault, not ours.
  try {
    applyEvent(state, event);
  } catch (error) {
    throw cannotReplay(event.type, seq, error);
  }
}

function cannotReplay(type: string, seq: number, error: unknown): UserError {
  return new UserError(
    'TRACE_CORRUPT',
    `event ${seq} (${type}) cannot be replayed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}

function result(state: HeapState, events: number, expected: string | undefined): ReplayResult {
  const actual = hashState(state);
  return { ok: expected === actual, events, expected, actual, state };
}
