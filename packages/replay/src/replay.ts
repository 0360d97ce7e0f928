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
import { UserError, applyEvent, emptyHeap, hashState, type HeapState, type MemEvent } from '@pymemsim/core';
import { NotApplied, foldScratchEvents } from './chunkCodec.js';
import { Malformed } from './malformed.js';
import { corruptRecord, type TraceContents, type TraceIndex } from './reader.js';

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

export function replayTrace(contents: Pick<TraceContents, 'events' | 'footer'>): ReplayResult {
  const state = emptyHeap();
  let seq = 0;
  for (const event of contents.events) {
    applyOrReport(state, event, seq);
    seq += 1;
  }
  return result(state, seq, contents.footer?.finalHash);
}

/**
 * replayTrace over an index (indexTrace): one chunk decoded at a time, so a trace of any
 * length replays in the memory of its bytes and one state. `progress` sees the events
 * done after each chunk.
 */
export function replayIndex(index: TraceIndex, progress?: (done: number, total: number) => void): ReplayResult {
  const state = emptyHeap();
  for (const chunk of index.chunks) {
    if (chunk.events !== undefined) {
      chunk.events.forEach((event, k) => applyOrReport(state, event, chunk.first + k));
    } else {
      try {
        foldScratchEvents(chunk.payload, index.header.schema, state);
      } catch (error) {
        if (error instanceof Malformed) throw corruptRecord(index.name, chunk.offset, 'event chunk', error);
        if (error instanceof NotApplied) throw cannotReplay(error.type, error.seq, error.cause);
        throw error;
      }
    }
    progress?.(chunk.first + chunk.count, index.events);
  }
  return result(state, index.events, index.footer?.finalHash);
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
