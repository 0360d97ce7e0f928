/*
 * Replaying a trace
 * =================
 * Replay is a fold: the events of a trace applied in order to an empty heap with the one
 * transition (`applyEvent`, core), never re-running allocator or collector policy. The
 * hash of the result is compared with the footer's `finalHash`, the hash of the state
 * the recording run ended with: equal hashes mean the trace reproduces that run.
 *
 * Read first: replayTrace().
 *
 * A trace without a footer (an unfinished run) replays, but has nothing to compare
 * with: `ok` is false and `expected` undefined.
 */
import { UserError, applyEvent, emptyHeap, hashState, type HeapState } from '@pymemsim/core';
import type { TraceContents } from './reader.js';

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
    // Events passed the schema check, so applyEvent accepts their shapes; an exception
    // here means events that no run could have produced: the trace's fault, not ours.
    try {
      applyEvent(state, event);
    } catch (error) {
      throw new UserError(
        'TRACE_CORRUPT',
        `event ${seq} (${event.type}) cannot be replayed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    seq += 1;
  }
  const actual = hashState(state);
  const expected = contents.footer?.finalHash;
  return { ok: expected === actual, events: seq, expected, actual, state };
}
