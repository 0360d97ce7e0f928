// The cyclic collector (spec §3: GC-C*, GC-A*, GC-T*, GC-R1), driven through `Runtime`.
import { describe, expect, it } from 'vitest';
import type { FrameId, GcStarted, Holder, MemEvent, ObjectId } from '../events.js';
import { checkInvariants } from '../invariants.js';
import { listMembers, NOT_TRACKED } from '../state.js';
import { traverse } from './gc.js';
import { Runtime, type ObjectSpec } from './runtime.js';
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
    const l = rt.allocate(listSpec, varOf(frame, 'l'));
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
