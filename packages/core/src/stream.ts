/*
 * Streams
 * =======
 * Events flow on an RxJS stream. `heap$` is the Immer reduction of it: one immutable
 * state per event. Checkpoints are Immer snapshots taken every `every` events with one
 * `produce` per batch, structurally sharing everything that did not change, so the
 * history of a long run stays cheap.
 */
import { bufferCount, map, pipe, scan, type Observable, type OperatorFunction } from 'rxjs';
import { evolve, evolveAll } from './evolve.js';
import type { MemEvent } from './events.js';
import type { HeapState } from './state.js';

export type Checkpoint = { readonly seq: number; readonly state: HeapState };

/** The state after each event (one `produce` per event: for watching, not for hot paths). */
export const heap = (start: HeapState): OperatorFunction<MemEvent, HeapState> => scan(evolve, start);

export const heap$ = (events$: Observable<MemEvent>, start: HeapState): Observable<HeapState> =>
  events$.pipe(heap(start));

/** Immutable checkpoints: one Immer snapshot per `every` events (the last one may be shorter). */
export const checkpoints = (start: HeapState, every: number): OperatorFunction<MemEvent, Checkpoint> =>
  pipe(
    bufferCount(every),
    scan(
      (prev: Checkpoint, batch: MemEvent[]) => ({ seq: prev.seq + batch.length, state: evolveAll(prev.state, batch) }),
      { seq: start.seq, state: start },
    ),
  );

/** Batches of events folded with one `produce` each, emitting only the resulting states. */
export const batchedStates = (start: HeapState, every: number): OperatorFunction<MemEvent, HeapState> =>
  pipe(
    checkpoints(start, every),
    map((c) => c.state),
  );
