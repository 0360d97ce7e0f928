/*
 * Fold throughput
 * ===============
 * How fast the heap state can be rebuilt from events, three ways, over one event
 * stream from the synthetic program (syntheticProgram.ts):
 *
 *   fold/plain            foldPlain(emptyHeap(), events): applyEvent on a plain mutable
 *                         object. Nothing can fold faster; it is the reference.
 *   fold/immer-batched    evolveAll per batch of BATCH events, one `produce` each, i.e. an
 *                         immutable checkpoint every BATCH events (what `checkpoints`
 *                         in core/src/stream.ts does).
 *   fold/immer-per-event  evolve per event, one `produce` each (what `heap$` does), over a
 *                         prefix only because it is slow; its reference is foldPlain over
 *                         the same prefix, so both see the same heap sizes.
 *
 * All cases are timed side by side in one process (measure.ts): one warm-up round, then
 * the median of `runs` rounds. Then the final states are compared by `hashState` with
 * the runtime's own working state; any difference is a Defect (applyEvent must behave
 * the same on a draft and on a plain object).
 */
import {
  Defect,
  emptyHeap,
  evolve,
  evolveAll,
  foldPlain,
  hashState,
  type HeapState,
  type MemEvent,
} from '@pymemsim/core';
import { measurement, type Benchmark, type Measurement } from '../benchmark.js';
import { perSecond, timeSideBySide } from '../measure.js';
import { DEFAULT_SEED, runSyntheticProgram } from '../syntheticProgram.js';

export interface FoldOptions {
  /** Events in the stream (at least; the last statement is completed). Default 200,000. */
  readonly events?: number;
  /** Events folded one `produce` at a time. Default 20,000. */
  readonly perEventPrefix?: number;
  /** Events per `produce` in the batched fold. Default 1,000. */
  readonly batch?: number;
  /** Timed rounds; the median is reported. Default 5. */
  readonly runs?: number;
  readonly seed?: number;
}

export function foldBenchmark(options: FoldOptions = {}): Benchmark {
  return {
    name: 'fold',
    run: () => Promise.resolve(measureFold(options)),
  };
}

export const fold = foldBenchmark();

export function measureFold(options: FoldOptions = {}): Measurement[] {
  const batch = options.batch ?? 1_000;
  const program = runSyntheticProgram({ events: options.events ?? 200_000, seed: options.seed ?? DEFAULT_SEED });
  const events = program.events;
  const prefix = events.slice(0, Math.min(options.perEventPrefix ?? 20_000, events.length));
  const batches: MemEvent[][] = [];
  for (let i = 0; i < events.length; i += batch) batches.push(events.slice(i, i + batch));

  const [plain, batched, plainPrefix, perEvent] = timeSideBySide<HeapState>(
    [
      { name: 'plain', prepare: () => () => foldPlain(emptyHeap(), events) },
      {
        name: 'immer-batched',
        prepare: () => () => batches.reduce<HeapState>((state, b) => evolveAll(state, b), emptyHeap()),
      },
      { name: 'plain prefix', prepare: () => () => foldPlain(emptyHeap(), prefix) },
      { name: 'immer-per-event', prepare: () => () => prefix.reduce<HeapState>(evolve, emptyHeap()) },
    ],
    { runs: options.runs ?? 5 },
  );
  if (plain === undefined || batched === undefined || plainPrefix === undefined || perEvent === undefined) {
    throw new Defect('timeSideBySide returned fewer timings than cases');
  }

  // The folds must agree with each other and with the runtime that emitted the events.
  const expected = hashState(program.state);
  expectHash('foldPlain over the whole stream', plain.result, expected);
  expectHash(`evolveAll in batches of ${batch}`, batched.result, expected);
  expectHash(`evolve per event over ${prefix.length} events`, perEvent.result, hashState(plainPrefix.result));

  const limit = perSecond(events.length, plain.medianMs);
  const prefixLimit = perSecond(prefix.length, plainPrefix.medianMs);
  const live = program.state.live;
  return [
    measurement({
      name: 'fold/plain',
      unit: 'events/s',
      value: limit,
      reference: limit,
      referenceKind: 'plain-object limit',
      note: `foldPlain over ${events.length} events (${program.statements} statements, ${live} live objects at the end); the reference itself`,
    }),
    measurement({
      name: 'fold/immer-batched',
      unit: 'events/s',
      value: perSecond(events.length, batched.medianMs),
      reference: limit,
      referenceKind: 'plain-object limit',
      note: `evolveAll, one produce per ${batch} events (${batches.length} checkpoints)`,
    }),
    measurement({
      name: 'fold/immer-per-event',
      unit: 'events/s',
      value: perSecond(prefix.length, perEvent.medianMs),
      reference: prefixLimit,
      referenceKind: 'plain-object limit',
      note: `evolve, one produce per event, over the first ${prefix.length} events; reference: foldPlain over the same prefix`,
    }),
  ];
}

function expectHash(what: string, state: HeapState, expected: string): void {
  const actual = hashState(state);
  if (actual !== expected) {
    throw new Defect(`fold mismatch: ${what} ended in a state hashing to ${actual}, expected ${expected}`);
  }
}
