// The gc module's readers (gcApi.ts, spec GC-M1..M9) over states built through `Runtime`.
import { describe, expect, it } from 'vitest';
import type { FrameId, Holder, ObjectId } from '../events.js';
import { Runtime, type ObjectSpec } from './runtime.js';
import { DEBUG_STATS } from './gc.js';
import {
  getCount,
  getDebug,
  getFreezeCount,
  getObjects,
  getReferents,
  getReferrers,
  getStats,
  getThreshold,
  isEnabled,
  isFinalized,
  isTracked,
  referentsOf,
} from './gcApi.js';
import { LIST_OBJECT_SIZE, intSize, strSize } from './sizes.js';

const intSpec = (v: number): ObjectSpec => ({ pyType: 'int', kind: 'int', size: intSize(BigInt(v)), repr: String(v) });
const strSpec = (s: string): ObjectSpec => ({ pyType: 'str', kind: 'str', size: strSize(s), repr: `'${s}'` });
const listSpec: ObjectSpec = { pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' };
const dictSpec: ObjectSpec = { pyType: 'dict', kind: 'dict', size: 64, repr: '{}' };
const classSpec: ObjectSpec = { pyType: 'type', kind: 'class', size: 1688, repr: "<class 'A'>" };
const instanceSpec: ObjectSpec = { pyType: 'A', kind: 'instance', size: 56, repr: '<A object>' };

function setup(): { rt: Runtime; frame: FrameId; v: (name: string) => Holder } {
  const rt = new Runtime();
  const frame = rt.enterFrame('<module>');
  return { rt, frame, v: (name) => ({ kind: 'frame', frame, name }) };
}
const slotOf = (owner: ObjectId, slot: string): Holder => ({ kind: 'object', owner, slot });
const itemOf = (owner: ObjectId): Holder => slotOf(owner, 'item');

describe('gc.get_referents (GC-M7)', () => {
  it('visits list items last to first: [1, "a", [2]] -> [[2], "a", 1]', () => {
    const { rt, v } = setup();
    const l = rt.allocate(listSpec, v('l'));
    const one = rt.allocate(intSpec(1), itemOf(l));
    const a = rt.allocate(strSpec('a'), itemOf(l));
    const inner = rt.allocate(listSpec, itemOf(l));
    rt.allocate(intSpec(2), itemOf(inner));
    expect(getReferents(rt.state, [l])).toEqual([inner, a, one]);
  });

  it('visits a dict value then key per entry, and only values for str keys', () => {
    const { rt, v } = setup();
    // {'a': 1, 2: 'b'} -> [1, 'a', 'b', 2]
    const d = rt.allocate(dictSpec, v('d'));
    const ka = rt.allocate(strSpec('a'), slotOf(d, 'key'));
    const v1 = rt.allocate(intSpec(1), slotOf(d, '["a"]'));
    const k2 = rt.allocate(intSpec(2), slotOf(d, 'key'));
    const vb = rt.allocate(strSpec('b'), slotOf(d, '[2]'));
    expect(getReferents(rt.state, [d])).toEqual([v1, ka, vb, k2]);
    // {'a': 1, 'b': [2]} -> [1, [2]]
    const e = rt.allocate(dictSpec, v('e'));
    rt.allocate(strSpec('a'), slotOf(e, 'key'));
    const e1 = rt.allocate(intSpec(1), slotOf(e, '["a"]'));
    rt.allocate(strSpec('b'), slotOf(e, 'key'));
    const e2 = rt.allocate(listSpec, slotOf(e, '["b"]'));
    expect(getReferents(rt.state, [e])).toEqual([e1, e2]);
    // A caller that knows the table is general (a non-str key was deleted) says so.
    expect(referentsOf(rt.state, rt.object(e), { isUnicodeTable: () => false })).toHaveLength(4);
  });

  it('visits an instance’s attribute values, then its class: [5, [1], <class A>]', () => {
    const { rt, v } = setup();
    const A = rt.allocate(classSpec, v('A'));
    const x = rt.allocate(instanceSpec, v('x'));
    rt.incref(A, slotOf(x, '__class__'));
    const five = rt.allocate(intSpec(5), slotOf(x, '.a'));
    const l = rt.allocate(listSpec, slotOf(x, '.b'));
    expect(getReferents(rt.state, [x])).toEqual([five, l, A]);
  });

  it('contributes nothing for non-GC arguments and concatenates in argument order', () => {
    const { rt, v } = setup();
    const n = rt.allocate(intSpec(1000), v('n'));
    const l = rt.allocate(listSpec, v('l'));
    const m = rt.allocate(listSpec, v('m'));
    rt.incref(n, itemOf(l));
    rt.incref(l, itemOf(m));
    expect(getReferents(rt.state, [n, m, l])).toEqual([l, n]);
  });

  it('visits a weakref’s callback, never its referent', () => {
    const { rt, v } = setup();
    const x = rt.allocate(instanceSpec, v('x'));
    const cb = rt.allocate({ pyType: 'function', kind: 'function', size: 152, repr: 'cb' }, v('cb'));
    const r = rt.newWeakref(x, cb, v('r'));
    expect(getReferents(rt.state, [r])).toEqual([cb]);
    expect(getReferrers(rt.state, [x])).toEqual([]);
  });
});

describe('gc.get_referrers (GC-M8)', () => {
  it('lists each tracked referrer once, generation 0 to 2 in list order, minus the excluded', () => {
    const { rt, v } = setup();
    const x = rt.allocate(listSpec, v('x'));
    const old = rt.allocate(listSpec, v('old'));
    rt.incref(x, itemOf(old));
    rt.collect(); // old (and x) in generation 2
    const twice = rt.allocate(listSpec, v('twice'));
    rt.incref(x, itemOf(twice));
    rt.incref(x, itemOf(twice));
    const untracked = rt.allocate(dictSpec, v('d')); // a dict of atoms is not tracked (GC-T4)
    rt.allocate(strSpec('k'), slotOf(untracked, 'key'));
    rt.incref(x, slotOf(untracked, '["k"]'));
    const args = rt.allocate({ pyType: 'tuple', kind: 'tuple', size: 48, repr: '(x,)' }, v('args'));
    rt.incref(x, itemOf(args));
    expect(getReferrers(rt.state, [x])).toEqual([twice, args, old]);
    expect(getReferrers(rt.state, [x], [args])).toEqual([twice, old]);
    rt.freeze();
    expect(getReferrers(rt.state, [x])).toEqual([]); // frozen objects are not scanned
  });

  it('does not see a str key of a str-keyed dict, but sees it in a mixed table', () => {
    const { rt, v } = setup();
    const k = rt.allocate(strSpec('k'), v('k'));
    const d = rt.allocate(dictSpec, v('d'));
    rt.incref(k, slotOf(d, 'key'));
    rt.allocate(listSpec, slotOf(d, '["k"]'));
    rt.track(d);
    expect(getReferrers(rt.state, [k])).toEqual([]);
    rt.allocate(intSpec(7), slotOf(d, 'key'));
    rt.allocate(listSpec, slotOf(d, '[7]'));
    expect(getReferrers(rt.state, [k])).toEqual([d]);
  });
});

describe('gc.get_objects (GC-M6)', () => {
  it('lists generation 2 as Y before X after a full collection (GC-A3)', () => {
    const { rt, v } = setup();
    const x = rt.allocate(listSpec, v('X'));
    rt.collect(0);
    const y = rt.allocate(listSpec, v('Y'));
    expect([getObjects(rt.state, 0), getObjects(rt.state, 1)]).toEqual([[y], [x]]);
    rt.collect();
    expect(getObjects(rt.state, 2)).toEqual([y, x]);
    const z = rt.allocate(listSpec, v('Z'));
    expect(getObjects(rt.state)).toEqual([z, y, x]); // 0, 1, 2
    expect(getObjects(rt.state, undefined, [y])).toEqual([z, x]); // the result list is skipped
  });

  it('shows move_unreachable’s reordering: ["b", "a", "c"] then ["a", "c", "b"] (GC-A6)', () => {
    const { rt, v } = setup();
    rt.setEnabled(false);
    const b = rt.allocate(listSpec, v('b'));
    rt.allocate(strSpec('b'), itemOf(b));
    const a = rt.allocate(listSpec, v('a'));
    rt.allocate(strSpec('a'), itemOf(a));
    rt.incref(b, itemOf(a));
    const c = rt.allocate(listSpec, v('c'));
    rt.allocate(strSpec('c'), itemOf(c));
    rt.decref(b, v('b'));
    expect(getObjects(rt.state, 0)).toEqual([b, a, c]);
    rt.collect(0);
    expect(getObjects(rt.state, 1)).toEqual([a, c, b]);
  });

  it('excludes frozen objects; gc.get_freeze_count counts them (GC-M9)', () => {
    const { rt, v } = setup();
    rt.allocate(listSpec, v('a'));
    rt.allocate(listSpec, v('b'));
    rt.freeze();
    expect(getObjects(rt.state)).toEqual([]);
    expect(getFreezeCount(rt.state)).toBe(2);
    rt.unfreeze();
    expect(getObjects(rt.state, 2)).toHaveLength(2);
    expect(getFreezeCount(rt.state)).toBe(0);
  });
});

describe('gc.is_tracked, gc.is_finalized (GC-M5)', () => {
  it('reports tracking: atoms never, lists always, dicts lazily, frozen objects still', () => {
    const { rt, v } = setup();
    const n = rt.allocate(intSpec(1000), v('n'));
    const l = rt.allocate(listSpec, v('l'));
    const d = rt.allocate(dictSpec, v('d'));
    expect([n, l, d].map((id) => isTracked(rt.state, id))).toEqual([false, true, false]);
    rt.freeze();
    expect(isTracked(rt.state, l)).toBe(true);
    rt.decref(l, v('l'));
    expect(isTracked(rt.state, l)).toBe(false); // freed
  });

  it('reports the FINALIZED bit of GC objects only', () => {
    const rt: Runtime = new Runtime({
      hooks: { hasFinalizer: () => true, runFinalizer: (id) => rt.incref(id, { kind: 'root', name: 'saved' }) },
    });
    const frame = rt.enterFrame('<module>');
    const x = rt.allocate(instanceSpec, { kind: 'frame', frame, name: 'x' });
    const n = rt.allocate(intSpec(1000), { kind: 'frame', frame, name: 'n' });
    expect(isFinalized(rt.state, x)).toBe(false);
    rt.decref(x, { kind: 'frame', frame, name: 'x' }); // __del__ resurrects it
    expect([isFinalized(rt.state, x), isFinalized(rt.state, n)]).toEqual([true, false]);
  });
});

describe('gc.get_count, get_threshold, isenabled, get_debug, get_stats (GC-M1, M2, M4, M10)', () => {
  it('reads the configuration and accumulates statistics per generation collected', () => {
    const { rt, v } = setup();
    expect([getCount(rt.state), getThreshold(rt.state), isEnabled(rt.state), getDebug(rt.state)]).toEqual([
      [0, 0, 0],
      [700, 10, 10],
      true,
      0,
    ]);
    rt.setThresholds([100, 5, 5]);
    rt.setEnabled(false);
    rt.setDebug(DEBUG_STATS);
    expect([getThreshold(rt.state), isEnabled(rt.state), getDebug(rt.state)]).toEqual([[100, 5, 5], false, 1]);
    rt.setDebug(0);
    const cycle = (): void => {
      const a = rt.allocate(listSpec, v('a'));
      rt.incref(a, itemOf(a));
      rt.decref(a, v('a'));
    };
    cycle();
    expect(getCount(rt.state)).toEqual([1, 0, 0]);
    rt.collect(0);
    cycle();
    cycle();
    rt.collect(1);
    rt.collect();
    expect(getStats(rt.state)).toEqual([
      { collections: 1, collected: 1, uncollectable: 0 },
      { collections: 1, collected: 2, uncollectable: 0 },
      { collections: 1, collected: 0, uncollectable: 0 },
    ]);
    const stats = getStats(rt.state);
    (stats[0] as { collections: number }).collections = 99; // a copy
    expect(rt.state.gc.stats[0].collections).toBe(1);
  });
});
