// Weak references (weakref.ts): creation and reuse, wr_list order, clearing and callbacks
// at refcount death (RC-14 step 3) and at a weakref's own death. The collector's side
// (GC-A10) is in gc.test.ts.
import { describe, expect, it } from 'vitest';
import { foldPlain } from '../evolve.js';
import type { FrameId, Holder, MemEvent, ObjectId } from '../events.js';
import { checkInvariants } from '../invariants.js';
import { emptyHeap } from '../state.js';
import { Runtime, type ObjectSpec, type RuntimeHooks } from './runtime.js';
import { LIST_OBJECT_SIZE } from './sizes.js';
import { WEAKREF_TYPE_NAME, weakrefCallback, weakrefCount, weakrefsTo } from './weakref.js';

const listSpec: ObjectSpec = { pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' };
const instanceSpec: ObjectSpec = { pyType: 'D', kind: 'instance', size: 56, repr: '<D object>' };
const functionSpec: ObjectSpec = { pyType: 'function', kind: 'function', size: 152, repr: '<lambda>' };

/** A module frame, `__del__` and callbacks as closures, invariants after every event. */
class World {
  readonly rt: Runtime;
  readonly frame: FrameId;
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
    return { kind: 'frame', frame: this.frame, name };
  }

  obj(holder: Holder, del?: (self: ObjectId) => void): ObjectId {
    const id = this.rt.allocate(instanceSpec, holder);
    if (del !== undefined) this.dels.set(id, del);
    return id;
  }

  func(holder: Holder, body: (weakref: ObjectId) => void): ObjectId {
    const id = this.rt.allocate(functionSpec, holder);
    this.calls.set(id, body);
    return id;
  }

  /** `weakref.ref(x, lambda wr: log(label))` with the lambda held only by the weakref. */
  refWithLambda(referent: ObjectId, holder: Holder, body: (weakref: ObjectId) => void): ObjectId {
    const stack: Holder = { kind: 'stack', frame: this.frame };
    const cb = this.func(stack, body);
    const r = this.rt.newWeakref(referent, cb, holder);
    this.rt.decref(cb, stack);
    return r;
  }

  del(name: string): void {
    const id = this.rt.state.frames[this.frame]?.vars[name];
    if (id === undefined) throw new Error(`${name} is not bound`);
    this.rt.decref(id, this.v(name));
  }

  events(): MemEvent[] {
    return this.rt.log ?? [];
  }

  expectSound(): void {
    expect(this.failures).toEqual([]);
    expect(foldPlain(emptyHeap(), this.events())).toStrictEqual(this.rt.state);
  }
}

describe('weakref.ref()', () => {
  it('makes an 80-byte tracked weakref that does not own its referent', () => {
    const w = new World();
    const x = w.obj(w.v('x'));
    const r = w.rt.newWeakref(x, undefined, w.v('r'));
    expect(w.rt.refcount(x)).toBe(1);
    expect(w.rt.object(r)).toMatchObject({ pyType: WEAKREF_TYPE_NAME, kind: 'weakref', size: 80, gen: 0 });
    expect(w.rt.weakrefReferent(r)).toBe(x);
    expect(w.events().at(-1)).toEqual({ type: 'WeakrefCreated', weakref: r, referent: x, at: 0 });
    w.expectSound();
  });

  it('returns the existing callback-less ref, with a new reference (conformance 039)', () => {
    const w = new World();
    const x = w.obj(w.v('x'));
    const r1 = w.rt.newWeakref(x, undefined, w.v('r1'));
    const r2 = w.rt.newWeakref(x, undefined, w.v('r2'));
    expect(r2).toBe(r1);
    expect(w.rt.refcount(r1)).toBe(2);
    expect(w.events().filter((e) => e.type === 'WeakrefCreated')).toHaveLength(1);
    expect(weakrefCount(w.rt.state, x)).toBe(1);
    w.expectSound();
  });

  it('makes a new weakref for each callback, and keeps wr_list as basic ref first, then newest first', () => {
    const w = new World();
    const x = w.obj(w.v('x'));
    const cb = w.func(w.v('cb'), () => undefined);
    const r1 = w.rt.newWeakref(x, cb, w.v('r1'));
    const basic = w.rt.newWeakref(x, undefined, w.v('r0'));
    const r2 = w.rt.newWeakref(x, cb, w.v('r2'));
    expect(new Set([r1, basic, r2]).size).toBe(3);
    expect(weakrefsTo(w.rt.state, x)).toEqual([basic, r2, r1]);
    expect(w.rt.refcount(cb)).toBe(3); // the variable and two weakrefs
    expect(weakrefCallback(w.rt.state, r1)).toBe(cb);
    expect(weakrefCallback(w.rt.state, basic)).toBeUndefined();
    // A basic ref made after refs with callbacks still goes to the head.
    const y = w.obj(w.v('y'));
    const s1 = w.rt.newWeakref(y, cb, w.v('s1'));
    const s0 = w.rt.newWeakref(y, undefined, w.v('s0'));
    expect(weakrefsTo(w.rt.state, y)).toEqual([s0, s1]);
    w.expectSound();
  });
});

describe('refcount death of the referent (RC-14 step 3)', () => {
  it('runs `__del__`, then clears the weakref and calls its callback', () => {
    const w = new World();
    const a = w.obj(w.v('a'), () => w.log.push('__del__'));
    const r = w.refWithLambda(a, w.v('r'), () => w.log.push('weakref callback'));
    w.del('a');
    expect(w.log).toEqual(['__del__', 'weakref callback']);
    expect(w.rt.weakrefReferent(r)).toBeUndefined();
    expect(w.rt.isAlive(r)).toBe(true);
    expect(weakrefCallback(w.rt.state, r)).toBeUndefined(); // the callback was taken from it ...
    expect(w.rt.object(r).refs).toEqual([]);
    expect(w.rt.state.live).toBe(1); // ... and freed after the call: only the weakref is left
    w.expectSound();
  });

  it('emits the worked example of weakref.ts', () => {
    const w = new World();
    const a = w.obj(w.v('a'), () => undefined);
    const cb = w.func(w.v('cb'), () => undefined);
    const r = w.rt.newWeakref(a, cb, w.v('r'));
    const from = w.events().length;
    w.del('a');
    const temp: Holder = { kind: 'root', name: 'weakref_callback' };
    expect(w.events().slice(from, from + 10)).toEqual([
      { type: 'RefDecremented', id: a, holder: w.v('a') },
      { type: 'DeallocStarted', id: a },
      { type: 'ObjectUntracked', id: a },
      { type: 'ObjectTracked', id: a },
      { type: 'RefIncremented', id: a, holder: { kind: 'root', name: 'finalizer' } },
      { type: 'GcFinalizerRun', id: a },
      { type: 'RefDecremented', id: a, holder: { kind: 'root', name: 'finalizer' } },
      { type: 'ObjectUntracked', id: a },
      { type: 'RefMoved', id: cb, from: { kind: 'object', owner: r, slot: '__callback__' }, to: temp },
      { type: 'WeakrefCleared', weakref: r, referent: a },
    ]);
    expect(w.events().slice(from + 10, from + 12)).toEqual([
      { type: 'WeakrefCallbackRun', weakref: r, callback: cb },
      { type: 'RefDecremented', id: cb, holder: temp },
    ]);
    // ... then what a releases, then its memory.
    const freed = w.events().findIndex((e) => e.type === 'ObjectFreed' && e.id === a);
    expect(freed).toBeGreaterThan(from + 11);
    w.expectSound();
  });

  it('clears every weakref before the first callback, then calls them newest first', () => {
    const w = new World();
    const x = w.obj(w.v('x'));
    const seen: string[] = [];
    const refs: ObjectId[] = [];
    const body = (label: string) => (wr: ObjectId) =>
      seen.push(
        `${label}(${wr === refs[Number(label[1]) - 1] ? 'own' : '?'}) ${refs.map((r) => String(w.rt.weakrefReferent(r) ?? 'None')).join(',')}`,
      );
    refs.push(w.refWithLambda(x, w.v('r1'), body('c1')));
    refs.push(w.refWithLambda(x, w.v('r2'), body('c2')));
    refs.push(w.rt.newWeakref(x, undefined, w.v('r3')));
    w.del('x');
    expect(seen).toEqual(['c2(own) None,None,None', 'c1(own) None,None,None']);
    const clearing = w.events().filter((e) => e.type === 'WeakrefCleared' || e.type === 'WeakrefCallbackRun');
    expect(clearing.map((e) => `${e.type} ${e.weakref}`)).toEqual([
      `WeakrefCleared ${refs[2]}`,
      `WeakrefCleared ${refs[1]}`,
      `WeakrefCleared ${refs[0]}`,
      `WeakrefCallbackRun ${refs[1]}`,
      `WeakrefCallbackRun ${refs[0]}`,
    ]);
    // The lambdas were held only by their weakrefs, then by the temporary tuple: now gone.
    expect(w.rt.state.live).toBe(3);
    expect(refs.map((r) => w.rt.refcount(r))).toEqual([1, 1, 1]);
    w.expectSound();
  });

  it('keeps the weakrefs of an object its `__del__` resurrects', () => {
    const w = new World();
    const keep: Holder = { kind: 'root', name: 'keep' };
    const a = w.obj(w.v('a'), (self) => w.rt.incref(self, keep));
    const r = w.refWithLambda(a, w.v('r'), () => w.log.push('cb'));
    w.del('a');
    expect(w.rt.isAlive(a)).toBe(true);
    expect(w.rt.weakrefReferent(r)).toBe(a);
    expect(w.log).toEqual([]);
    w.rt.decref(a, keep); // __del__ does not run twice; now the weakref goes
    expect(w.log).toEqual(['cb']);
    w.expectSound();
  });

  it('does not call the callback when there is none, and leaves objects without weakrefs alone', () => {
    const w = new World();
    const x = w.obj(w.v('x'));
    const r = w.rt.newWeakref(x, undefined, w.v('r'));
    w.obj(w.v('y'));
    w.del('y');
    w.del('x');
    expect(w.events().filter((e) => e.type === 'WeakrefCallbackRun')).toEqual([]);
    expect(w.rt.weakrefReferent(r)).toBeUndefined();
    w.expectSound();
  });
});

describe('death of the weakref itself', () => {
  it('leaves the referent’s list and releases its callback; the referent’s death then calls nothing', () => {
    const w = new World();
    const x = w.obj(w.v('x'));
    const r = w.refWithLambda(x, w.v('r'), () => w.log.push('cb'));
    const cb = weakrefCallback(w.rt.state, r) as ObjectId;
    w.del('r');
    expect(w.rt.isAlive(r) || w.rt.isAlive(cb)).toBe(false);
    expect(weakrefsTo(w.rt.state, x)).toEqual([]);
    expect(w.events().find((e) => e.type === 'WeakrefCleared')).toEqual({
      type: 'WeakrefCleared',
      weakref: r,
      referent: x,
    });
    w.del('x');
    expect(w.log).toEqual([]);
    expect(w.rt.state.live).toBe(0);
    expect(w.rt.state.weakrefs).toEqual({ referent: {}, list: {} });
    w.expectSound();
  });

  it('is collected with its callback when they form a cycle; the referent lives on', () => {
    const w = new World();
    const x = w.obj(w.v('x'));
    const cbList = w.rt.allocate(listSpec, w.v('cb')); // a callable list, for the shape of the cycle
    const r = w.rt.newWeakref(x, cbList, w.v('r'));
    w.rt.incref(r, { kind: 'object', owner: cbList, slot: 'item' });
    w.del('r');
    w.del('cb');
    expect(w.rt.collect()).toBe(2);
    expect(w.rt.isAlive(x)).toBe(true);
    expect(weakrefsTo(w.rt.state, x)).toEqual([]);
    expect(w.events().find((e) => e.type === 'GcWeakrefCleared')).toEqual({
      type: 'GcWeakrefCleared',
      weakref: r,
      referent: x,
      callback: false,
    });
    w.expectSound();
  });
});

describe('states without weak references', () => {
  it('have no weakref table, so their hashes do not change', () => {
    const w = new World();
    w.obj(w.v('x'));
    w.del('x');
    expect('weakrefs' in w.rt.state).toBe(false);
  });
});
