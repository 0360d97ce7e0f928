// Laws of the fold (STYLE.md §5): whichever way a runtime's events are folded (one Immer
// `produce` per event, one per batch, on a plain object, through stream checkpoints),
// the result is the runtime's own state; and invariants hold after every event.
import fc from 'fast-check';
import { from, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { evolve, evolveAll, foldPlain } from './evolve.js';
import type { FrameId, Holder, MemEvent, ObjectId } from './events.js';
import { hashState } from './hash.js';
import { checkInvariants } from './invariants.js';
import { emptyHeap, type HeapState } from './state.js';
import { checkpoints, heap, type Checkpoint } from './stream.js';
import { Runtime, type ObjectSpec } from './runtime/runtime.js';
import { LIST_OBJECT_SIZE, intSize } from './runtime/sizes.js';

/** fast-check prints the seed of a failure; `FC_SEED=<seed>` replays it. */
function fcParams<T>(): fc.Parameters<T> {
  const seed = process.env['FC_SEED'];
  return seed === undefined ? {} : { seed: Number(seed) };
}

// ---------------------------------------------------------------------------------
// Random programs: operations on the variables of one module frame.

const NAMES = ['a', 'b', 'c', 'd'] as const;
type Name = (typeof NAMES)[number];

type Op =
  | { readonly op: 'list'; readonly name: Name }
  | { readonly op: 'int'; readonly name: Name; readonly value: number }
  | { readonly op: 'link'; readonly from: Name; readonly to: Name }
  | { readonly op: 'unlink'; readonly name: Name; readonly index: number }
  | { readonly op: 'rebind'; readonly name: Name; readonly from: Name }
  | { readonly op: 'del'; readonly name: Name }
  | { readonly op: 'collect'; readonly generation: 0 | 1 | 2 }
  | { readonly op: 'threshold'; readonly threshold: number };

const name = fc.constantFrom(...NAMES);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('list' as const), name }), weight: 4 },
  {
    arbitrary: fc.record({ op: fc.constant('int' as const), name, value: fc.integer({ min: 257, max: 2 ** 40 }) }),
    weight: 2,
  },
  { arbitrary: fc.record({ op: fc.constant('link' as const), from: name, to: name }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('unlink' as const), name, index: fc.nat(20) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('rebind' as const), name, from: name }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('del' as const), name }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('collect' as const), generation: fc.constantFrom(0, 1, 2) }), weight: 1 },
  // Low thresholds make allocations trigger automatic collections (GC-C3, GC-C4).
  {
    arbitrary: fc.record({ op: fc.constant('threshold' as const), threshold: fc.integer({ min: 0, max: 6 }) }),
    weight: 1,
  },
);
const programArb = fc.record({ ops: fc.array(opArb, { maxLength: 80, size: 'max' }), exit: fc.boolean() });

const listSpec: ObjectSpec = { pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' };

/** Runs a program on a recording runtime; every event is checked against the invariants. */
function run(ops: readonly Op[], exit: boolean): { rt: Runtime; log: MemEvent[]; failures: string[] } {
  const rt = new Runtime({ record: true });
  const failures: string[] = [];
  rt.events$.subscribe((event) => {
    try {
      checkInvariants(rt.state);
    } catch (error) {
      failures.push(`${JSON.stringify(event)}: ${String(error)}`);
    }
  });
  const frame: FrameId = rt.enterFrame('<module>');
  const stack: Holder = { kind: 'stack', frame };
  const slot = (n: Name): Holder => ({ kind: 'frame', frame, name: n });
  const lookup = (n: Name): ObjectId | undefined => {
    const vars = rt.state.frames[frame]?.vars;
    return vars !== undefined && Object.hasOwn(vars, n) ? vars[n] : undefined;
  };
  // STORE_FAST: the stack's reference moves into the slot, then the old value is dropped.
  const store = (n: Name, id: ObjectId): void => {
    const old = lookup(n);
    rt.move(id, stack, slot(n));
    if (old !== undefined) rt.decref(old, slot(n));
  };

  for (const op of ops) {
    switch (op.op) {
      case 'list':
        store(op.name, rt.allocate(listSpec, stack));
        break;
      case 'int':
        store(
          op.name,
          rt.allocate({ pyType: 'int', kind: 'int', size: intSize(BigInt(op.value)), repr: String(op.value) }, stack),
        );
        break;
      case 'link': {
        const owner = lookup(op.from);
        const to = lookup(op.to);
        if (owner !== undefined && to !== undefined && rt.object(owner).kind === 'list') {
          rt.incref(to, { kind: 'object', owner, slot: 'item' });
        }
        break;
      }
      case 'unlink': {
        const owner = lookup(op.name);
        if (owner === undefined) break;
        const refs = rt.object(owner).refs;
        if (refs.length === 0) break;
        const at = op.index % refs.length;
        const ref = refs[at];
        if (ref !== undefined) rt.decref(ref.to, { kind: 'object', owner, slot: ref.slot, at });
        break;
      }
      case 'rebind': {
        const value = lookup(op.from);
        if (value === undefined) break;
        rt.incref(value, stack); // LOAD_FAST
        store(op.name, value);
        break;
      }
      case 'del': {
        const value = lookup(op.name);
        if (value !== undefined) rt.decref(value, slot(op.name));
        break;
      }
      case 'collect':
        rt.collect(op.generation);
        break;
      case 'threshold':
        rt.setThresholds([op.threshold, 2, 2]);
        break;
    }
  }
  if (exit) {
    rt.exitFrame(frame);
    rt.collect();
  }
  if (rt.log === undefined) throw new Error('the runtime does not record its events');
  return { rt, log: rt.log, failures };
}

/** A plain, unfrozen copy, comparable with `toStrictEqual` whatever produced it. */
const plain = (state: HeapState): unknown => JSON.parse(JSON.stringify(state)) as unknown;

/** The last value a synchronous observable emits. */
function lastOf<T>(source: Observable<T>): T | undefined {
  let last: T | undefined;
  source.subscribe((value) => {
    last = value;
  });
  return last;
}

// ---------------------------------------------------------------------------------

describe('folding the events of a runtime', () => {
  it('holds the invariants after every event of a random program', () => {
    fc.assert(
      fc.property(programArb, ({ ops, exit }) => {
        const { rt, failures } = run(ops, exit);
        expect(failures).toEqual([]);
        // Without finalizers, leaving the frame and collecting frees everything (RC-2, GC).
        if (exit) expect(rt.state.live).toBe(0);
      }),
      fcParams(),
    );
  });

  it('gives the runtime’s state with evolve, evolveAll and foldPlain', () => {
    fc.assert(
      fc.property(programArb, ({ ops, exit }) => {
        const { rt, log } = run(ops, exit);
        const perEvent = log.reduce(evolve, emptyHeap());
        const batched = evolveAll(emptyHeap(), log);
        const folded = foldPlain(emptyHeap(), log);
        const expected = plain(rt.state);
        expect(plain(perEvent)).toStrictEqual(expected);
        expect(plain(batched)).toStrictEqual(expected);
        expect(plain(folded)).toStrictEqual(expected);
        const hash = hashState(rt.state);
        expect([hashState(perEvent), hashState(batched), hashState(folded)]).toEqual([hash, hash, hash]);
        expect(folded.seq).toBe(log.length);
      }),
      fcParams(),
    );
  });

  it('ends at the runtime’s state through checkpoints of any size', () => {
    fc.assert(
      fc.property(programArb, fc.integer({ min: 1, max: 40 }), ({ ops, exit }, k) => {
        const { rt, log } = run(ops, exit);
        const expected = plain(rt.state);
        for (const every of [1, 3, k, log.length + 1]) {
          const last = lastOf<Checkpoint>(from(log).pipe(checkpoints(emptyHeap(), every)));
          expect(last?.seq).toBe(log.length);
          expect(last === undefined ? undefined : plain(last.state)).toStrictEqual(expected);
        }
        const watched = lastOf(from(log).pipe(heap(emptyHeap())));
        expect(watched === undefined ? undefined : hashState(watched)).toBe(hashState(rt.state));
      }),
      fcParams(),
    );
  });

  it('resumes from any checkpoint to the same state as folding from the start', () => {
    fc.assert(
      fc.property(programArb, fc.integer({ min: 1, max: 40 }), ({ ops, exit }, every) => {
        const { rt, log } = run(ops, exit);
        const hash = hashState(rt.state);
        const all: Checkpoint[] = []; // asserted outside the subscriber: RxJS reports a throw there asynchronously
        from(log)
          .pipe(checkpoints(emptyHeap(), every))
          .subscribe((c) => all.push(c));
        expect(all.length).toBe(Math.ceil(log.length / every));
        for (const c of all) {
          expect(c.seq === log.length || c.seq % every === 0).toBe(true);
          expect(hashState(c.state)).toBe(hashState(foldPlain(emptyHeap(), log.slice(0, c.seq))));
          const resumed = foldPlain(structuredClone(c.state), log.slice(c.seq));
          expect(hashState(resumed)).toBe(hash);
        }
      }),
      { numRuns: 40, ...fcParams() },
    );
  });

  it('leaves the states of earlier checkpoints unchanged (structural sharing, no mutation)', () => {
    const { log } = run(
      [
        { op: 'list', name: 'a' },
        { op: 'list', name: 'b' },
        { op: 'link', from: 'a', to: 'b' },
        { op: 'link', from: 'b', to: 'a' },
        { op: 'del', name: 'a' },
        { op: 'del', name: 'b' },
        { op: 'collect', generation: 2 },
      ],
      false,
    );
    const all: Checkpoint[] = [];
    from(log)
      .pipe(checkpoints(emptyHeap(), 2))
      .subscribe((c) => all.push(c));
    const hashes = all.map((c) => hashState(c.state));
    expect(all.map((c) => hashState(foldPlain(emptyHeap(), log.slice(0, c.seq))))).toEqual(hashes);
    expect(Object.isFrozen(all[0]?.state)).toBe(true);
  });
});

describe('a program exercising every collector step', () => {
  it('folds to the same state as the runtime', () => {
    const { rt, log, failures } = run(
      [
        { op: 'threshold', threshold: 3 },
        ...NAMES.map((n): Op => ({ op: 'list', name: n })),
        { op: 'link', from: 'a', to: 'b' },
        { op: 'link', from: 'b', to: 'a' },
        { op: 'link', from: 'c', to: 'c' },
        { op: 'link', from: 'd', to: 'a' },
        { op: 'del', name: 'a' },
        { op: 'del', name: 'b' },
        { op: 'rebind', name: 'c', from: 'c' },
        { op: 'del', name: 'c' },
        { op: 'list', name: 'a' },
        { op: 'list', name: 'b' },
        { op: 'del', name: 'd' },
        { op: 'collect', generation: 2 },
      ],
      false,
    );
    expect(failures).toEqual([]);
    const types = new Set(log.map((e) => e.type));
    for (const t of [
      'GcStarted',
      'GcUnreachableFound',
      'GcObjectCleared',
      'GcSurvivorsPromoted',
      'GcFinished',
    ] as const) {
      expect(types).toContain(t);
    }
    expect(log.some((e) => e.type === 'GcStarted' && e.reason === 'automatic')).toBe(true);
    expect(rt.state.gc.stats.reduce((n, s) => n + s.collected, 0)).toBe(3); // a-b cycle, c self-cycle
    expect(plain(evolveAll(emptyHeap(), log))).toStrictEqual(plain(rt.state));
  });
});
