// The cyclic collector (spec §3: GC-C*, GC-A*, GC-T*, GC-R1), driven through `Runtime`.
import { describe, expect, it } from 'vitest';
import { foldPlain } from '../evolve.js';
import type { FrameId, GcStarted, Holder, MemEvent, ObjectId } from '../events.js';
import { checkInvariants } from '../invariants.js';
import { emptyHeap, listMembers, NOT_TRACKED, PERMANENT_GENERATION } from '../state.js';
import { DEBUG_COLLECTABLE, DEBUG_LEAK, DEBUG_SAVEALL, DEBUG_STATS, traverse } from './gc.js';
import { Runtime, type ObjectSpec, type RuntimeHooks } from './runtime.js';
import { LIST_OBJECT_SIZE, intSize, strSize, tupleSize } from './sizes.js';

const intSpec = (v: number): ObjectSpec => ({ pyType: 'int', kind: 'int', size: intSize(BigInt(v)), repr: String(v) });
const strSpec = (s: string): ObjectSpec => ({ pyType: 'str', kind: 'str', size: strSize(s), repr: `'${s}'` });
const listSpec: ObjectSpec = { pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' };
const dictSpec: ObjectSpec = { pyType: 'dict', kind: 'dict', size: 64, repr: '{}' };
const tupleSpec = (n: number): ObjectSpec => ({ pyType: 'tuple', kind: 'tuple', size: tupleSize(n), repr: '(...)' });

const varOf = (frame: FrameId, name: string): Holder => ({ kind: 'frame', frame, name });
const slotOf = (owner: ObjectId, slot: string): Holder => ({ kind: 'object', owner, slot });
const itemOf = (owner: ObjectId): Holder => slotOf(owner, 'item');
const keep: Holder = { kind: 'root', name: 'keep' };

function setup(): { rt: Runtime; frame: FrameId } {
  const rt = new Runtime({ record: true });
  return { rt, frame: rt.enterFrame('<module>') };
}

function eventsOf(rt: Runtime): MemEvent[] {
  if (rt.log === undefined) throw new Error('the runtime does not record its events');
  return rt.log;
}

const isTracked = (rt: Runtime, id: ObjectId): boolean => rt.object(id).gen !== NOT_TRACKED;

describe('finding cycles', () => {
  it('collects two lists that only refer to each other', () => {
    const { rt, frame } = setup();
    const a = rt.allocate(listSpec, varOf(frame, 'a'));
    const b = rt.allocate(listSpec, varOf(frame, 'b'));
    rt.incref(b, itemOf(a));
    rt.incref(a, itemOf(b));
    rt.decref(a, varOf(frame, 'a'));
    rt.decref(b, varOf(frame, 'b'));
    expect(rt.isAlive(a) && rt.isAlive(b)).toBe(true); // refcounting alone cannot free them

    expect(rt.collect()).toBe(2);
    expect(rt.isAlive(a)).toBe(false);
    expect(rt.isAlive(b)).toBe(false);
    expect(eventsOf(rt).find((e) => e.type === 'GcUnreachableFound')).toMatchObject({ ids: [a, b] });
    expect(rt.state.gc.stats[2]).toEqual({ collections: 1, collected: 2, uncollectable: 0 });
    expect(rt.state.gc.lists.map((l) => l.length)).toEqual([0, 0, 0, 0, 0]);
    checkInvariants(rt.state);
  });

  it('does not count the atoms freed by the cascade (GC-R1)', () => {
    const { rt, frame } = setup();
    const a = rt.allocate(listSpec, varOf(frame, 'a'));
    const b = rt.allocate(listSpec, itemOf(a));
    const n = rt.allocate(intSpec(1000), itemOf(a));
    rt.incref(a, itemOf(b));
    rt.decref(a, varOf(frame, 'a'));
    expect(rt.collect()).toBe(2);
    expect(rt.isAlive(n)).toBe(false);
    expect(rt.state.live).toBe(0);
  });

  it('collects a tuple–list cycle although tuples have no tp_clear', () => {
    const { rt, frame } = setup();
    const l = rt.allocate(listSpec, varOf(frame, 'l'));
    const t = rt.allocate(tupleSpec(1), varOf(frame, 't'));
    rt.incref(l, itemOf(t));
    rt.incref(t, itemOf(l));
    rt.decref(l, varOf(frame, 'l'));
    rt.decref(t, varOf(frame, 't'));
    expect(rt.collect()).toBe(2);
    expect(rt.state.live).toBe(0);
  });

  it('never frees what a frame variable reaches', () => {
    const { rt, frame } = setup();
    const a = rt.allocate(listSpec, varOf(frame, 'a'));
    const b = rt.allocate(listSpec, itemOf(a));
    rt.incref(a, itemOf(b));
    rt.incref(b, itemOf(b)); // a self-cycle inside the reachable cycle
    for (const g of [0, 1, 2, 2] as const) expect(rt.collect(g)).toBe(0);
    expect(rt.isAlive(a) && rt.isAlive(b)).toBe(true);
    expect(listMembers(rt.state, 2)).toEqual([a, b]);
    expect(eventsOf(rt).some((e) => e.type === 'ObjectFreed')).toBe(false);
    // Dropping the frame's reference makes the same structure garbage.
    rt.decref(a, varOf(frame, 'a'));
    expect(rt.collect()).toBe(2);
  });

  it('leaves garbage in an older generation to the collections that reach it', () => {
    const { rt, frame } = setup();
    const a = rt.allocate(listSpec, varOf(frame, 'a'));
    const b = rt.allocate(listSpec, itemOf(a));
    rt.incref(a, itemOf(b));
    rt.collect(0); // both survive into generation 1
    rt.decref(a, varOf(frame, 'a'));
    expect(rt.collect(0)).toBe(0);
    expect(rt.isAlive(a) && rt.isAlive(b)).toBe(true);
    expect(listMembers(rt.state, 1)).toEqual([a, b]);
    expect(rt.collect(1)).toBe(2);
    expect(rt.state.live).toBe(0);
  });
});

describe('counts and thresholds', () => {
  it('updates the counts as measured for collect(0), (0), (1), (2) (GC-C5)', () => {
    const { rt, frame } = setup();
    for (let i = 0; i < 3; i++) rt.allocate(listSpec, varOf(frame, `l${i}`));
    expect(rt.state.gc.counts).toEqual([3, 0, 0]); // GC-C1
    rt.collect(0);
    expect(rt.state.gc.counts).toEqual([0, 1, 0]);
    rt.collect(0);
    expect(rt.state.gc.counts).toEqual([0, 2, 0]);
    rt.collect(1);
    expect(rt.state.gc.counts).toEqual([0, 0, 1]);
    rt.collect(2);
    expect(rt.state.gc.counts).toEqual([0, 0, 0]);
  });

  it('counts GC allocations, not atoms, and uncounts GC frees (GC-C1, GC-C2)', () => {
    const { rt, frame } = setup();
    rt.allocate(intSpec(1000), varOf(frame, 'n'));
    rt.allocate(dictSpec, varOf(frame, 'd')); // an untracked dict counts
    const l = rt.allocate(tupleSpec(25), varOf(frame, 'l')); // no free list parks a 25-tuple (FL-1)
    expect(rt.state.gc.counts[0]).toBe(2);
    rt.decref(l, varOf(frame, 'l'));
    expect(rt.state.gc.counts[0]).toBe(1);
  });

  it('collects generation 0 inside the 701st GC allocation (GC-C3)', () => {
    const { rt } = setup();
    expect(rt.state.gc.thresholds).toEqual([700, 10, 10]);
    const ids: ObjectId[] = [];
    for (let i = 0; i < 700; i++) ids.push(rt.allocate(listSpec, keep));
    const started = (): GcStarted[] => eventsOf(rt).filter((e): e is GcStarted => e.type === 'GcStarted');
    expect(started()).toEqual([]);
    expect(rt.state.gc.counts).toEqual([700, 0, 0]);

    const last = rt.allocate(listSpec, keep);
    expect(started()).toEqual([{ type: 'GcStarted', generation: 0, reason: 'automatic' }]);
    // The new object was not tracked during the collection, and is not counted after it.
    expect(rt.state.gc.counts).toEqual([0, 1, 0]);
    expect(listMembers(rt.state, 0)).toEqual([last]);
    expect(listMembers(rt.state, 1)).toEqual(ids);
    const log = eventsOf(rt);
    const at = (e: (x: MemEvent) => boolean): number => log.findIndex(e);
    expect(at((e) => e.type === 'GcFinished')).toBeLessThan(at((e) => e.type === 'ObjectTracked' && e.id === last));
  });

  it('collects generation 1 after 11 collections of generation 0 (GC-C4, GC-C7)', () => {
    const rt = new Runtime();
    const generations: number[] = [];
    const sub = rt.events$.subscribe((e) => {
      if (e.type === 'GcStarted') generations.push(e.generation);
    });
    for (let i = 0; i < 12 * 701; i++) rt.allocate(listSpec, keep);
    sub.unsubscribe();
    expect(generations).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(rt.state.gc.counts).toEqual([0, 0, 1]);
    // GC-C6: every tracked object survived the gen-1 collection; the last allocation was not tracked yet.
    expect(rt.state.gc.longLivedPending).toBe(12 * 701 - 1);
  });

  it('does not collect automatically when disabled or with threshold 0 (GC-C3)', () => {
    for (const configure of [(rt: Runtime) => rt.setEnabled(false), (rt: Runtime) => rt.setThresholds([0, 10, 10])]) {
      const rt = new Runtime();
      configure(rt);
      for (let i = 0; i < 800; i++) rt.allocate(listSpec, keep);
      expect(rt.state.gc.counts).toEqual([800, 0, 0]);
      expect(rt.collect(0)).toBe(0); // a manual collection still runs (GC-R3)
      expect(rt.state.gc.counts).toEqual([0, 1, 0]);
    }
  });
});

describe('generation order', () => {
  it('moves an object found through a later one behind it (GC-A6)', () => {
    const { rt, frame } = setup();
    rt.setEnabled(false);
    // b = ['b']; a = ['a', b]; c = ['c']; del b
    const b = rt.allocate(listSpec, varOf(frame, 'b'));
    rt.allocate(strSpec('b'), itemOf(b));
    const a = rt.allocate(listSpec, varOf(frame, 'a'));
    rt.allocate(strSpec('a'), itemOf(a));
    rt.incref(b, itemOf(a));
    const c = rt.allocate(listSpec, varOf(frame, 'c'));
    rt.allocate(strSpec('c'), itemOf(c));
    rt.decref(b, varOf(frame, 'b'));

    expect(listMembers(rt.state, 0)).toEqual([b, a, c]);
    expect(rt.collect(0)).toBe(0);
    expect(listMembers(rt.state, 1)).toEqual([a, c, b]);
    expect(eventsOf(rt).find((e) => e.type === 'GcUnreachableFound')).toEqual({
      type: 'GcUnreachableFound',
      generation: 0,
      ids: [],
      revived: [b],
    });
  });

  it('merges the younger generations behind generation 2 in a full collection (GC-A3)', () => {
    const { rt, frame } = setup();
    const x = rt.allocate(listSpec, varOf(frame, 'X'));
    rt.collect(0);
    const y = rt.allocate(listSpec, varOf(frame, 'Y'));
    expect([listMembers(rt.state, 0), listMembers(rt.state, 1)]).toEqual([[y], [x]]);
    rt.collect();
    expect(listMembers(rt.state, 2)).toEqual([y, x]);
  });

  it('visits a list’s items last to first and a dict’s entries value then key (GC-M7)', () => {
    const { rt, frame } = setup();
    const l = rt.allocate(listSpec, varOf(frame, 'l'));
    const items = [1001, 1002, 1003].map((v) => rt.allocate(intSpec(v), itemOf(l)));
    expect(traverse(rt.object(l))).toEqual([...items].reverse());
    const d = rt.allocate(dictSpec, varOf(frame, 'd'));
    const k1 = rt.allocate(strSpec('a'), slotOf(d, 'key'));
    const v1 = rt.allocate(intSpec(1), slotOf(d, 'value'));
    const k2 = rt.allocate(intSpec(2), slotOf(d, 'key'));
    const v2 = rt.allocate(strSpec('b'), slotOf(d, 'value'));
    expect(traverse(rt.object(d))).toEqual([v1, k1, v2, k2]);
  });
});

describe('untracking (GC-T3, GC-T5)', () => {
  it('untracks a tuple of atoms in any collection, but not a tuple holding a container', () => {
    const { rt, frame } = setup();
    const atoms = rt.allocate(tupleSpec(2), varOf(frame, 't'));
    rt.allocate(intSpec(1000), itemOf(atoms));
    rt.allocate(strSpec('a'), itemOf(atoms));
    const holdsList = rt.allocate(tupleSpec(1), varOf(frame, 'u'));
    rt.allocate(listSpec, itemOf(holdsList));
    const holdsDict = rt.allocate(tupleSpec(1), varOf(frame, 'v'));
    const d = rt.allocate(dictSpec, itemOf(holdsDict));
    expect([atoms, holdsList, holdsDict].map((id) => isTracked(rt, id))).toEqual([true, true, true]);
    expect(isTracked(rt, d)).toBe(false);

    rt.collect(0);
    expect(isTracked(rt, atoms)).toBe(false);
    expect(isTracked(rt, holdsList)).toBe(true);
    expect(isTracked(rt, holdsDict)).toBe(true); // a dict may be tracked, even an untracked one
    checkInvariants(rt.state);
  });

  it('needs two collections for ((x, 2), 3)', () => {
    const { rt, frame } = setup();
    const inner = rt.allocate(tupleSpec(2), { kind: 'stack', frame });
    rt.allocate(intSpec(5), itemOf(inner));
    rt.allocate(intSpec(2), itemOf(inner));
    const t3 = rt.allocate(tupleSpec(2), varOf(frame, 't3'));
    rt.move(inner, { kind: 'stack', frame }, itemOf(t3));
    rt.allocate(intSpec(3), itemOf(t3));

    rt.collect();
    expect([isTracked(rt, t3), isTracked(rt, inner)]).toEqual([true, false]);
    rt.collect();
    expect(isTracked(rt, t3)).toBe(false);
  });

  it('untracks a dict holding only atoms in a full collection only', () => {
    const { rt, frame } = setup();
    // t = (x, 'a'); d = {}; d['k'] = []; d['k'] = 1
    const t = rt.allocate(tupleSpec(2), varOf(frame, 't'));
    rt.allocate(intSpec(5), itemOf(t));
    rt.allocate(strSpec('a'), itemOf(t));
    const d = rt.allocate(dictSpec, varOf(frame, 'd'));
    rt.allocate(strSpec('k'), slotOf(d, 'key'));
    const l = rt.allocate(listSpec, slotOf(d, 'value'));
    rt.track(d); // MAINTAIN_TRACKING: the value may be tracked (GC-T4)
    rt.allocate(intSpec(1), { kind: 'object', owner: d, slot: 'value', at: 1 });
    rt.decref(l, slotOf(d, 'value'));
    expect(rt.isAlive(l)).toBe(false);
    expect([isTracked(rt, t), isTracked(rt, d)]).toEqual([true, true]);

    rt.collect(0);
    expect([isTracked(rt, t), isTracked(rt, d)]).toEqual([false, true]);
    rt.collect(1);
    expect(isTracked(rt, d)).toBe(true);
    rt.collect();
    expect([isTracked(rt, t), isTracked(rt, d)]).toEqual([false, false]);
    expect(rt.isAlive(d)).toBe(true);
  });

  it('keeps a dict tracked while it holds a container', () => {
    const { rt, frame } = setup();
    const d = rt.allocate(dictSpec, varOf(frame, 'd'));
    rt.allocate(strSpec('k'), slotOf(d, 'key'));
    rt.allocate(listSpec, slotOf(d, 'value'));
    rt.track(d);
    rt.collect();
    expect(isTracked(rt, d)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------
// A small Python world for the rules that run Python code: instances whose class
// defines `__del__`, weakref callbacks and gc.callbacks as closures. Every event is
// followed by checkInvariants, and the state must be the fold of the log.

class World {
  readonly rt: Runtime;
  readonly frame: FrameId;
  /** What the Python code of the scenario "printed", in order. */
  readonly log: string[] = [];
  readonly failures: string[] = [];
  private readonly dels = new Map<ObjectId, (self: ObjectId) => void>();
  private readonly calls = new Map<ObjectId, (weakref: ObjectId) => void>();

  constructor(hooks: Partial<RuntimeHooks> = {}) {
    this.rt = new Runtime({
      record: true,
      hooks: {
        hasFinalizer: (id) => this.dels.has(id),
        runFinalizer: (id) => this.dels.get(id)?.(id),
        runWeakrefCallback: (callback, weakref) => this.calls.get(callback)?.(weakref),
        ...hooks,
      },
    });
    this.rt.events$.subscribe((event) => {
      try {
        checkInvariants(this.rt.state);
      } catch (error) {
        this.failures.push(`after ${JSON.stringify(event)}: ${String(error)}`);
      }
    });
    this.frame = this.rt.enterFrame('<module>');
  }

  v(name: string): Holder {
    return varOf(this.frame, name);
  }

  list(holder: Holder): ObjectId {
    return this.rt.allocate(listSpec, holder);
  }

  /** An instance of a class named `D`; with `del`, the class defines `__del__`. */
  obj(holder: Holder, del?: (self: ObjectId) => void): ObjectId {
    const id = this.rt.allocate(instanceSpec, holder);
    if (del !== undefined) this.dels.set(id, del);
    return id;
  }

  /** A function object (a lambda); `body` runs when it is called as a weakref callback. */
  func(holder: Holder, body: (weakref: ObjectId) => void): ObjectId {
    const id = this.rt.allocate(functionSpec, holder);
    this.calls.set(id, body);
    return id;
  }

  set(owner: ObjectId, attr: string, value: ObjectId): void {
    this.rt.incref(value, slotOf(owner, `.${attr}`));
  }

  /** `a.o = b; b.o = a` */
  pair(a: ObjectId, b: ObjectId): void {
    this.set(a, 'o', b);
    this.set(b, 'o', a);
  }

  del(name: string): void {
    const id = this.rt.state.frames[this.frame]?.vars[name];
    if (id === undefined) throw new Error(`${name} is not bound`);
    this.rt.decref(id, this.v(name));
  }

  events(): MemEvent[] {
    return eventsOf(this.rt);
  }

  /** No invariant broke after any event, and the state is the fold of the log. */
  expectSound(): void {
    expect(this.failures).toEqual([]);
    expect(foldPlain(emptyHeap(), this.events())).toStrictEqual(this.rt.state);
  }
}

const instanceSpec: ObjectSpec = { pyType: 'D', kind: 'instance', size: 56, repr: '<D object>' };
const functionSpec: ObjectSpec = { pyType: 'function', kind: 'function', size: 152, repr: '<lambda>' };

describe('finalizers (GC-A11, GC-A12, PEP 442)', () => {
  it('collects a `__del__` 2-cycle: 2, after running both finalizers in list order', () => {
    const w = new World();
    const a = w.obj(w.v('a'), () => w.log.push('del a'));
    const b = w.obj(w.v('b'), () => w.log.push('del b'));
    w.pair(a, b);
    w.del('a');
    w.del('b');
    expect(w.rt.collect()).toBe(2);
    expect(w.log).toEqual(['del a', 'del b']);
    expect(w.rt.isAlive(a) || w.rt.isAlive(b)).toBe(false);
    expect(w.rt.state.gc.stats[2]).toEqual({ collections: 1, collected: 2, uncollectable: 0 });
    w.expectSound();
  });

  it('resurrects the R(a) cycle and collects the R(c) one: 2, then 2 without running `__del__` again (§3.5)', () => {
    const w = new World();
    const saved = w.list(w.v('saved'));
    const R = (name: string): ObjectId =>
      w.obj(w.v(name), (self) => {
        w.log.push(`del ${name}`);
        if (name === 'a') w.rt.incref(self, itemOf(saved)); // saved.append(self)
      });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(R) as [ObjectId, ObjectId, ObjectId, ObjectId];
    w.pair(a, b);
    w.pair(c, d);
    for (const name of ['a', 'b', 'c', 'd']) w.del(name);

    expect(w.rt.collect()).toBe(2);
    expect(w.log).toEqual(['del a', 'del b', 'del c', 'del d']);
    expect(w.events().find((e) => e.type === 'GcResurrected')).toEqual({ type: 'GcResurrected', ids: [a, b] });
    expect([a, b].map((id) => w.rt.isAlive(id))).toEqual([true, true]); // everything a reaches survives
    expect([c, d].map((id) => w.rt.isAlive(id))).toEqual([false, false]);
    expect(listMembers(w.rt.state, 2)).toEqual([saved, a, b]);
    expect([a, b].map((id) => w.rt.object(id).finalized)).toEqual([true, true]);

    w.rt.decref(a, itemOf(saved)); // saved.clear()
    expect(w.rt.collect()).toBe(2);
    expect(w.log).toHaveLength(4); // at most once per object
    expect(w.rt.isAlive(a) || w.rt.isAlive(b)).toBe(false);
    w.expectSound();
  });

  it('keeps a resurrecting self-cycle (0), then frees it once released, without a second `__del__`', () => {
    const w = new World();
    let runs = 0;
    const a = w.obj(w.v('a'), (self) => {
      runs += 1;
      w.rt.incref(self, { kind: 'root', name: 'saved' });
    });
    w.set(a, 'self', a);
    w.del('a');
    expect(w.rt.collect(0)).toBe(0);
    expect(w.rt.object(a).gen).toBe(1); // resurrected objects join the older generation
    w.rt.decref(a, { kind: 'root', name: 'saved' });
    expect(w.rt.collect()).toBe(1);
    expect(runs).toBe(1);
    w.expectSound();
  });

  it('lets a finalizer break its own cycle: the cascade frees both, and nothing is left to count (0)', () => {
    const w = new World();
    const b = w.obj(w.v('b'), () => w.log.push('del b'));
    const a = w.obj(w.v('a'), (self) => {
      w.log.push('del a');
      w.rt.decref(b, slotOf(self, '.o')); // del self.o
    });
    w.pair(a, b);
    w.del('a');
    w.del('b');
    expect(listMembers(w.rt.state, 0)).toEqual([b, a]);
    // b is first in the list, so its __del__ runs first and a's then frees b by refcount.
    expect(w.rt.collect()).toBe(0);
    expect(w.log).toEqual(['del b', 'del a']);
    expect(w.rt.isAlive(a) || w.rt.isAlive(b)).toBe(false);
    w.expectSound();
  });

  it('runs `__del__` from the dealloc of an object a finalizer frees, if it has not run', () => {
    const w = new World();
    const a = w.obj(w.v('a'), (self) => {
      w.log.push('del a');
      w.rt.decref(b, slotOf(self, '.o'));
    });
    const b = w.obj(w.v('b'), () => w.log.push('del b'));
    w.pair(a, b);
    w.del('a');
    w.del('b');
    expect(w.rt.collect()).toBe(0);
    expect(w.log).toEqual(['del a', 'del b']);
    expect(w.events().filter((e) => e.type === 'GcFinalizerRun')).toHaveLength(2);
    w.expectSound();
  });
});

describe('weak references in a collection (GC-A10)', () => {
  it('clears a weakref to garbage and calls its callback before any `__del__`: 2', () => {
    const w = new World();
    const a = w.obj(w.v('a'), () => w.log.push('del'));
    const b = w.obj(w.v('b'), () => w.log.push('del'));
    w.pair(a, b);
    const cb = w.func({ kind: 'stack', frame: w.frame }, () => w.log.push('cb'));
    const r = w.rt.newWeakref(a, cb, w.v('r'));
    w.rt.decref(cb, { kind: 'stack', frame: w.frame });
    w.del('a');
    w.del('b');
    expect(w.rt.collect()).toBe(2);
    expect(w.log).toEqual(['cb', 'del', 'del']);
    expect(w.rt.weakrefReferent(r)).toBeUndefined();
    expect(w.rt.isAlive(r) && w.rt.isAlive(cb)).toBe(true);
    const types = w.events().map((e) => e.type);
    expect(types.indexOf('GcWeakrefCleared')).toBeLessThan(types.indexOf('WeakrefCallbackRun'));
    expect(types.indexOf('WeakrefCallbackRun')).toBeLessThan(types.indexOf('GcFinalizerRun'));
    w.expectSound();
  });

  it('has every weakref to garbage cleared when `__del__` runs', () => {
    const w = new World();
    const seen: (ObjectId | undefined)[] = [];
    const a = w.obj(w.v('a'), () => seen.push(w.rt.weakrefReferent(r)));
    const b = w.obj(w.v('b'));
    w.pair(a, b);
    const r = w.rt.newWeakref(b, undefined, w.v('r'));
    w.del('a');
    w.del('b');
    expect(w.rt.collect()).toBe(2);
    expect(seen).toEqual([undefined]);
    w.expectSound();
  });

  it('does not call the callback of a weakref inside the cycle: 4 (a, b, the weakref, the lambda)', () => {
    const w = new World();
    const a = w.obj(w.v('a'));
    const b = w.obj(w.v('b'));
    w.pair(a, b);
    const cb = w.func({ kind: 'stack', frame: w.frame }, () => w.log.push('cb'));
    const r = w.rt.newWeakref(b, cb, slotOf(a, '.w')); // a.w = weakref.ref(b, lambda r: ...)
    w.rt.decref(cb, { kind: 'stack', frame: w.frame });
    w.del('a');
    w.del('b');
    expect(w.rt.collect()).toBe(4);
    expect(w.log).toEqual([]);
    expect(w.events().filter((e) => e.type === 'GcWeakrefCleared')).toEqual([
      { type: 'GcWeakrefCleared', weakref: r, referent: b, callback: false },
    ]);
    expect(w.rt.state.live).toBe(0);
    w.expectSound();
  });

  it('counts a weakref that dies right after its callback: 3', () => {
    const w = new World();
    const holder = w.list(w.v('holder'));
    const a = w.obj(w.v('a'));
    const b = w.obj(w.v('b'));
    w.pair(a, b);
    const cb = w.func({ kind: 'stack', frame: w.frame }, (wr) => {
      w.log.push('cb');
      w.rt.decref(wr, itemOf(holder)); // holder.clear()
    });
    const r = w.rt.newWeakref(a, cb, itemOf(holder));
    w.rt.decref(cb, { kind: 'stack', frame: w.frame });
    w.del('a');
    w.del('b');
    expect(w.rt.collect()).toBe(3);
    expect(w.log).toEqual(['cb']);
    expect(w.rt.isAlive(r) || w.rt.isAlive(cb)).toBe(false);
    w.expectSound();
  });

  it('moves a weakref whose callback ran to the generation after the one collected', () => {
    const w = new World();
    const cb = w.func(w.v('cb'), () => w.log.push('cb'));
    let first = true;
    const keep: Holder = { kind: 'root', name: 'keep' };
    const y = w.obj(w.v('y'), (self) => {
      if (first) w.rt.incref(self, keep); // keep.append(self), the first time only
      first = false;
    });
    const r = w.rt.newWeakref(y, cb, w.v('r'));
    w.rt.collect(); // y, r, cb in generation 2
    w.del('y'); // __del__ resurrects y: re-tracked at the tail of generation 0, its weakref kept
    expect([w.rt.object(y).gen, w.rt.object(r).gen]).toEqual([0, 2]);
    expect(w.rt.weakrefReferent(r)).toBe(y);
    w.set(y, 'self', y);
    w.rt.decref(y, keep); // keep.clear(): y is a self-cycle in generation 0
    expect(w.rt.collect(0)).toBe(1);
    expect(w.log).toEqual(['cb']);
    expect(w.rt.object(r).gen).toBe(1); // gc_list_move(wr, old) after the callback
    expect(w.rt.weakrefReferent(r)).toBeUndefined();
    w.expectSound();
  });
});

describe('DEBUG_SAVEALL (GC-A13)', () => {
  it('appends every unreachable object to gc.garbage and counts them: list self-cycle + instance 2-cycle -> 3', () => {
    const saved: ObjectId[] = [];
    let garbage = 0 as ObjectId;
    const w = new World({
      saveGarbage: (id) => {
        w.rt.incref(id, itemOf(garbage)); // gc.garbage.append(op)
        saved.push(id);
      },
    });
    garbage = w.list({ kind: 'root', name: 'gc.garbage' });
    w.rt.setDebug(DEBUG_SAVEALL);
    const l = w.list(w.v('l'));
    w.rt.incref(l, itemOf(l));
    const a = w.obj(w.v('a'));
    const b = w.obj(w.v('b'));
    w.pair(a, b);
    for (const name of ['l', 'a', 'b']) w.del(name);
    expect(w.rt.collect()).toBe(3);
    expect(saved).toEqual([l, a, b]);
    expect(w.rt.state.gc.stats[2].collected).toBe(3);
    expect(listMembers(w.rt.state, 2)).toEqual([garbage, l, a, b]);
    expect(w.rt.collect()).toBe(0); // gc.garbage holds them now
    w.expectSound();
  });

  it('holds saved garbage from the root gc.garbage when the interpreter has no saveGarbage hook', () => {
    const w = new World();
    w.rt.setDebug(DEBUG_LEAK);
    const l = w.list(w.v('l'));
    w.rt.incref(l, itemOf(l));
    w.del('l');
    expect(w.rt.collect()).toBe(1);
    expect(w.rt.state.roots['gc.garbage']).toEqual([l]);
    w.expectSound();
  });
});

describe('gc.callbacks (GC-M3) and the re-entrancy guard (GC-R2)', () => {
  it('calls each callback with start, then stop and what was found', () => {
    const calls: string[] = [];
    let callbacks: ObjectId[] = [];
    const w: World = new World({
      gcCallbacks: () => callbacks,
      runGcCallback: (cb, phase, info) => {
        calls.push(`${cb} ${phase} ${JSON.stringify(info)}`);
        if (phase === 'start') expect(w.rt.collect()).toBe(0); // gc.collect() inside: already collecting
      },
    });
    callbacks = [w.func(w.v('f'), () => undefined), w.func(w.v('g'), () => undefined)];
    const [f, g] = callbacks as [ObjectId, ObjectId];
    const a = w.list(w.v('a'));
    w.rt.incref(a, itemOf(a));
    w.del('a');
    expect(w.rt.collect(1)).toBe(1);
    expect(calls).toEqual([
      `${f} start {"generation":1,"collected":0,"uncollectable":0}`,
      `${g} start {"generation":1,"collected":0,"uncollectable":0}`,
      `${f} stop {"generation":1,"collected":1,"uncollectable":0}`,
      `${g} stop {"generation":1,"collected":1,"uncollectable":0}`,
    ]);
    const runs = w.events().filter((e) => e.type === 'GcCallbackRun');
    expect(runs.map((e) => `${e.callback} ${e.phase}`)).toEqual([`${f} start`, `${g} start`, `${f} stop`, `${g} stop`]);
    expect(w.rt.state.gc.stats[1].collections).toBe(1); // the nested gc.collect() did nothing
    w.expectSound();
  });

  it('runs the callbacks around automatic collections, and allocations in them trigger nothing', () => {
    const phases: string[] = [];
    let callbacks: ObjectId[] = [];
    const w: World = new World({
      gcCallbacks: () => callbacks,
      runGcCallback: (_cb, phase, info) => {
        phases.push(`${phase} ${info.generation}`);
        for (let i = 0; i < 20; i++) w.rt.allocate(listSpec, keep); // over threshold 0 meanwhile
      },
    });
    callbacks = [w.func(w.v('f'), () => undefined)];
    w.rt.setThresholds([10, 10, 10]);
    expect(w.rt.state.gc.counts[0]).toBe(1); // the function
    for (let i = 0; i < 10; i++) w.rt.allocate(listSpec, keep); // the 10th triggers (11 > 10)
    expect(phases).toEqual(['start 0', 'stop 0']);
    expect(w.events().filter((e) => e.type === 'GcStarted')).toHaveLength(1);
    expect(w.rt.state.gc.counts[0]).toBe(20); // the stop callback's lists, counted but not collected
    expect(w.rt.collecting).toBe(false);
    w.expectSound();
  });
});

describe('debug output (GC-D1, GC-D2)', () => {
  it('prints the DEBUG_STATS lines around a collection and each collectable object', () => {
    const lines: string[] = [];
    const w = new World({ debugOutput: (line) => lines.push(line) });
    w.list(w.v('kept'));
    w.rt.collect(0);
    const a = w.list(w.v('a'));
    const d = w.obj(w.v('d'));
    w.rt.incref(d, itemOf(a));
    w.set(d, 'l', a);
    w.del('a');
    w.del('d');
    w.rt.setDebug(DEBUG_STATS | DEBUG_COLLECTABLE);
    const [ha, hd] = [a, d].map((id) => `0x${w.rt.object(id).addr.toString(16)}`);
    expect(w.rt.collect()).toBe(2);
    expect(lines).toEqual([
      'gc: collecting generation 2...',
      'gc: objects in each generation: 2 1 0',
      'gc: objects in permanent generation: 0',
      `gc: collectable <list ${ha}>`,
      `gc: collectable <D ${hd}>`,
      'gc: done, 2 unreachable, 0 uncollectable, 0.0000s elapsed',
    ]);
    expect(ha).toMatch(/^0x7f[0-9a-f]+$/);
    w.expectSound();
  });

  it('prints nothing without debug flags', () => {
    const lines: string[] = [];
    const w = new World({ debugOutput: (line) => lines.push(line) });
    const a = w.list(w.v('a'));
    w.rt.incref(a, itemOf(a));
    w.del('a');
    w.rt.collect();
    expect(lines).toEqual([]);
  });
});

describe('freeze and unfreeze (GC-M9)', () => {
  it('moves everything tracked to the permanent generation, zeroes the counts, and back to generation 2', () => {
    const w = new World();
    const x = w.list(w.v('x'));
    w.rt.collect(0); // x in generation 1
    const y = w.list(w.v('y'));
    w.rt.collect(); // y, x in generation 2
    const z = w.list(w.v('z'));
    w.rt.collect(0); // z in generation 1
    const u = w.list(w.v('u'));
    expect(w.rt.state.gc.counts).toEqual([1, 1, 0]);
    w.rt.freeze();
    expect(listMembers(w.rt.state, PERMANENT_GENERATION)).toEqual([u, z, y, x]); // 0, 1, 2 in that order
    expect(w.rt.state.gc.counts).toEqual([0, 0, 0]);
    expect(w.rt.state.gc.lists.slice(0, 3).map((l) => l.length)).toEqual([0, 0, 0]);
    expect(w.events().at(-1)).toEqual({ type: 'GcFrozen', count: 4 });
    // A frozen cycle is never collected.
    w.rt.incref(u, itemOf(u));
    w.del('u');
    expect(w.rt.collect()).toBe(0);
    expect(w.rt.isAlive(u)).toBe(true);
    const v = w.list(w.v('v'));
    w.rt.unfreeze();
    expect(listMembers(w.rt.state, 2)).toEqual([u, z, y, x]); // v is still in generation 0
    expect(listMembers(w.rt.state, 0)).toEqual([v]);
    expect(w.rt.state.gc.counts).toEqual([1, 0, 0]); // unfreeze leaves the counts alone
    expect(w.rt.collect()).toBe(1);
    expect(w.rt.isAlive(u)).toBe(false);
    w.expectSound();
  });
});

describe('the 25 % rule and the collection rhythm (GC-C4..C7)', () => {
  /** GC-C1..C6 written down again as a plain model, for a program that keeps everything it allocates. */
  function expectedRhythm(
    thresholds: readonly [number, number, number],
    start: { readonly tracked: number },
    allocations: number,
  ): { generations: number[]; skipped: number } {
    const counts = [0, 0, 0];
    const sizes = [0, 0, start.tracked];
    let pending = 0;
    let total = start.tracked;
    let skipped = 0;
    const generations: number[] = [];
    for (let i = 0; i < allocations; i++) {
      counts[0] = (counts[0] ?? 0) + 1;
      if ((counts[0] ?? 0) > thresholds[0]) {
        for (const g of [2, 1, 0] as const) {
          if ((counts[g] ?? 0) <= thresholds[g]) continue;
          if (g === 2 && pending < Math.floor(total / 4)) {
            skipped += 1;
            continue;
          }
          generations.push(g);
          if (g < 2) counts[g + 1] = (counts[g + 1] ?? 0) + 1;
          for (let j = 0; j <= g; j++) counts[j] = 0;
          let young = 0;
          for (let j = 0; j <= g; j++) {
            young += sizes[j] ?? 0;
            sizes[j] = 0;
          }
          if (g === 1) pending += young;
          if (g === 2) {
            pending = 0;
            total = young;
          }
          const older = Math.min(g + 1, 2);
          sizes[older] = (sizes[older] ?? 0) + young;
          break;
        }
      }
      sizes[0] = (sizes[0] ?? 0) + 1; // tracked after the collection it triggered
    }
    return { generations, skipped };
  }

  it('skips full collections until long_lived_pending reaches a quarter of long_lived_total', () => {
    const rt = new Runtime();
    rt.setEnabled(false);
    for (let i = 0; i < 5000; i++) rt.allocate(listSpec, keep);
    rt.collect(); // long_lived_total = 5000
    expect([rt.state.gc.longLivedTotal, rt.state.gc.longLivedPending]).toEqual([5000, 0]);
    rt.setEnabled(true);
    rt.setThresholds([50, 3, 2]);
    const generations: number[] = [];
    const sub = rt.events$.subscribe((e) => {
      if (e.type === 'GcStarted') generations.push(e.generation);
    });
    for (let i = 0; i < 6000; i++) rt.allocate(listSpec, keep);
    sub.unsubscribe();
    const expected = expectedRhythm([50, 3, 2], { tracked: 5000 }, 6000);
    expect(expected.skipped).toBeGreaterThan(0); // the rule did hold full collections back
    expect(generations).toEqual(expected.generations);
    expect(generations.filter((g) => g === 2).length).toBeGreaterThan(0);
    const firstFull = generations.indexOf(2);
    // count[2] passed its threshold after the 3rd generation-1 collection, yet the first full
    // collection waited until 5000 / 4 objects had survived generation-1 collections.
    expect(generations.slice(0, firstFull).filter((g) => g === 1).length).toBeGreaterThan(3);
  });

  it('repeats 11 generation-0 collections, then one of generation 1 (GC-C7)', () => {
    const rt = new Runtime();
    const generations: number[] = [];
    rt.events$.subscribe((e) => {
      if (e.type === 'GcStarted') generations.push(e.generation);
    });
    for (let i = 0; i < 24 * 701; i++) rt.allocate(listSpec, keep);
    const rhythm = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(generations).toEqual([...rhythm, ...rhythm]);
    expect(generations).toEqual(expectedRhythm([700, 10, 10], { tracked: 0 }, 24 * 701).generations);
  });
});

describe('untracking in the same collection (GC-T3 before GC-T5)', () => {
  it('untracks a dict whose only value is a tuple untracked just before', () => {
    const { rt, frame } = setup();
    const d = rt.allocate(dictSpec, varOf(frame, 'd'));
    rt.allocate(strSpec('k'), slotOf(d, 'key'));
    const t = rt.allocate(tupleSpec(2), slotOf(d, 'value'));
    rt.allocate(intSpec(1000), itemOf(t));
    rt.allocate(intSpec(1001), itemOf(t));
    rt.track(d); // {'k': (x, y)}: a tracked tuple may be tracked
    rt.collect(1);
    expect([isTracked(rt, t), isTracked(rt, d)]).toEqual([false, true]); // dicts only in full collections
    rt.collect();
    expect(isTracked(rt, d)).toBe(false);
    checkInvariants(rt.state);
  });
});
