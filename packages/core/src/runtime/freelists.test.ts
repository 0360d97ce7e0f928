// Free lists, given/when/then (spec §5, FL-1..FL-5, GC-C1, GC-C2, GC-A16).
import { describe, expect, it } from 'vitest';
import type { FrameId, Holder, MemEvent, ObjectId } from '../events.js';
import { checkInvariants } from '../invariants.js';
import { DICT_KEYS_MINSIZE_UNICODE_BYTES, FREELISTS, type MemoryState } from '../memory.js';
import { NOT_TRACKED } from '../state.js';
import { sizeClassUsage } from '../views/mallocStats.js';
import { Runtime, type ObjectSpec } from './runtime.js';
import {
  DICT_OBJECT_SIZE,
  FLOAT_SIZE,
  LIST_OBJECT_SIZE,
  SET_OBJECT_SIZE,
  intSize,
  strSize,
  tupleSize,
} from './sizes.js';

const floatSpec: ObjectSpec = { pyType: 'float', kind: 'float', size: FLOAT_SIZE, repr: '1.5' };
const listSpec: ObjectSpec = { pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' };
const dictSpec: ObjectSpec = { pyType: 'dict', kind: 'dict', size: DICT_OBJECT_SIZE, repr: '{}' };
const tupleSpec = (n: number): ObjectSpec => ({
  pyType: 'tuple',
  kind: 'tuple',
  size: tupleSize(n),
  items: n,
  repr: 't',
});

function setup(): { rt: Runtime; frame: FrameId; keep: Holder } {
  const rt = new Runtime({ record: true });
  const frame = rt.enterFrame('<module>');
  return { rt, frame, keep: { kind: 'stack', frame } };
}
const mem = (rt: Runtime): MemoryState => rt.state.memory;
const parked = (rt: Runtime, list: string): number => mem(rt).freelists[list]?.length ?? 0;
/** Allocate n objects held on the stack, then drop them all, newest first (like `del` of a list's items). */
function churn(rt: Runtime, keep: Holder, spec: ObjectSpec, n: number): void {
  const ids = Array.from({ length: n }, () => rt.allocate(spec, keep));
  for (const id of ids.reverse()) rt.decref(id, keep);
}
function since(rt: Runtime, action: () => void): MemEvent[] {
  const from = rt.log?.length ?? 0;
  action();
  checkInvariants(rt.state);
  return (rt.log ?? []).slice(from);
}
const inUse = (rt: Runtime, sizeClass: number): number => sizeClassUsage(rt.state)[sizeClass]?.inUse ?? 0;

describe('FL-1: a parked object keeps its block', () => {
  it('parks an exact list: ObjectFreed to the free list, its block stays in use, uncounted by nobody', () => {
    const { rt, keep } = setup();
    const l = rt.allocate(listSpec, keep);
    const block = rt.object(l).addr - 16;
    const count = rt.state.gc.counts[0];
    const events = since(rt, () => rt.decref(l, keep));
    expect(events.slice(-2)).toEqual([
      { type: 'ObjectFreed', id: l, to: 'freelist' },
      { type: 'FreelistPushed', list: 'list', addr: block, owner: l },
    ]);
    expect(inUse(rt, 3)).toBe(1);
    expect(rt.state.gc.counts[0]).toBe(count); // GC-C2: parking does not uncount
    expect(mem(rt).freelists['list']).toEqual([block]);
  });

  it('frees the item array before parking the list (list_dealloc)', () => {
    const { rt, keep } = setup();
    const l = rt.allocate(listSpec, keep);
    rt.setBuffer(l, 'items', 32);
    const types = since(rt, () => rt.decref(l, keep)).map((e) => e.type);
    expect(types.indexOf('BlockFreed')).toBeLessThan(types.indexOf('ObjectFreed'));
    expect(types.at(-1)).toBe('FreelistPushed');
    expect(mem(rt).buffers[l]).toBeUndefined();
  });
});

describe('FL-2: taking from a free list', () => {
  it('pops the most recently parked block, counts nothing, and tracks a list again', () => {
    const { rt, keep } = setup();
    const a = rt.allocate(listSpec, keep);
    const b = rt.allocate(listSpec, keep);
    const [addrA, addrB] = [rt.object(a).addr, rt.object(b).addr];
    rt.decref(a, keep);
    rt.decref(b, keep);
    const count = rt.state.gc.counts[0];
    const events = since(rt, () => rt.allocate(listSpec, keep));
    expect(events[0]).toEqual({ type: 'FreelistPopped', list: 'list', addr: addrB - 16, owner: b + 1 });
    expect(events[1]).toMatchObject({ type: 'ObjectAllocated', addr: addrB, fromFreelist: true });
    expect(events.at(-1)).toEqual({ type: 'ObjectTracked', id: b + 1 });
    expect(rt.state.gc.counts[0]).toBe(count); // GC-C1: not counted
    expect(rt.allocate(listSpec, keep)).toBe(b + 2);
    expect(rt.object((b + 2) as ObjectId).addr).toBe(addrA);
  });

  it('matches the measured counts: 200 lists dropped uncount 120, made again count 120 (GC-C2)', () => {
    const { rt, keep } = setup();
    const ids = Array.from({ length: 200 }, () => rt.allocate(listSpec, keep));
    const before = rt.state.gc.counts[0];
    for (const id of ids.reverse()) rt.decref(id, keep);
    expect(before - rt.state.gc.counts[0]).toBe(120);
    expect(parked(rt, 'list')).toBe(80);
    const low = rt.state.gc.counts[0];
    Array.from({ length: 200 }, () => rt.allocate(listSpec, keep));
    expect(rt.state.gc.counts[0] - low).toBe(120);
  });

  it('does not take from a free list for tp_alloc (`fromFreelist: false`) or a subclass', () => {
    const { rt, keep } = setup();
    churn(rt, keep, listSpec, 1);
    const events = since(rt, () => rt.allocate({ ...listSpec, fromFreelist: false }, keep));
    expect(events.map((e) => e.type)).not.toContain('FreelistPopped');
    churn(rt, keep, floatSpec, 1);
    expect(parked(rt, 'float')).toBe(1);
    rt.allocate({ ...floatSpec, pyType: 'MyFloat' }, keep);
    expect(parked(rt, 'float')).toBe(1);
  });

  it('never takes back a 20-tuple, as 3.11.7 does (pushed for index < 20, popped for size < 20)', () => {
    const { rt, keep } = setup();
    churn(rt, keep, tupleSpec(20), 30);
    expect(parked(rt, 'tuple20')).toBe(30);
    churn(rt, keep, tupleSpec(20), 30);
    expect(parked(rt, 'tuple20')).toBe(60);
    churn(rt, keep, tupleSpec(19), 30);
    expect(parked(rt, 'tuple19')).toBe(30);
  });
});

describe('FL-3: a full collection empties the free lists (GC-A16)', () => {
  it('gc.collect(0) and (1) keep them; gc.collect(2) releases every parked block, top first', () => {
    const { rt, keep } = setup();
    churn(rt, keep, floatSpec, 3);
    churn(rt, keep, tupleSpec(1), 2);
    rt.collect(0);
    rt.collect(1);
    expect([parked(rt, 'float'), parked(rt, 'tuple1')]).toEqual([3, 2]);
    const floats = [...(mem(rt).freelists['float'] ?? [])];
    const tuples = [...(mem(rt).freelists['tuple1'] ?? [])];
    const events = since(rt, () => rt.collect(2));
    const memory = events.filter((e) => e.type === 'FreelistCleared' || e.type === 'BlockFreed');
    // clear_freelists: tuples first, then floats; each list from its top.
    expect(memory.map((e) => (e.type === 'FreelistCleared' ? e.list : e.type === 'BlockFreed' ? e.addr : 0))).toEqual([
      'tuple1',
      ...tuples.reverse(),
      'float',
      ...floats.reverse(),
    ]);
    expect(events.findIndex((e) => e.type === 'FreelistCleared')).toBeLessThan(
      events.findIndex((e) => e.type === 'GcFinished'),
    );
    expect(Object.values(mem(rt).freelists).every((l) => l.length === 0)).toBe(true);
    expect(inUse(rt, 1)).toBe(0);
  });

  it('uncounts parked GC objects as PyObject_GC_Del does (count[0] never below 0)', () => {
    const { rt, keep } = setup();
    churn(rt, keep, listSpec, 5);
    churn(rt, keep, floatSpec, 5);
    expect(rt.state.gc.counts[0]).toBe(5); // the 5 parked lists still count (GC-C2)
    // Given the events of clear_freelists outside a collection (a collection resets count[0] first):
    rt.emit({ type: 'FreelistCleared', list: 'float' });
    expect(rt.state.gc.counts[0]).toBe(5); // floats are not GC objects
    rt.emit({ type: 'FreelistCleared', list: 'list' });
    rt.emit({ type: 'FreelistCleared', list: 'list' });
    expect(rt.state.gc.counts[0]).toBe(0);
  });
});

describe('FL-4: capacities', () => {
  it('keeps 100 floats, 80 lists, 80 dicts and 2000 1-tuples of 500 / 3000 freed, as the report shows', () => {
    const { rt, keep } = setup();
    churn(rt, keep, floatSpec, 500);
    churn(rt, keep, listSpec, 500);
    churn(rt, keep, dictSpec, 500);
    churn(rt, keep, tupleSpec(1), 3000);
    const report = rt.debugMallocStats();
    expect(report).toContain('         100 free PyFloatObjects * 24 bytes each =                2,400\n');
    expect(report).toContain('           80 free PyListObjects * 40 bytes each =                3,200\n');
    expect(report).toContain('           80 free PyDictObjects * 48 bytes each =                3,840\n');
    expect(report).toContain('2000 free 1-sized PyTupleObjects * 32 bytes each =               64,000\n');
    expect(FREELISTS['float']?.capacity).toBe(100);
  });
});

describe('FL-5: no free list', () => {
  it.each([
    ['int', { pyType: 'int', kind: 'int', size: intSize(1000n), repr: '1000' }],
    ['str', { pyType: 'str', kind: 'str', size: strSize('abc'), repr: "'abc'" }],
    ['set', { pyType: 'set', kind: 'set', size: SET_OBJECT_SIZE, repr: 'set()' }],
    ['instance', { pyType: 'C', kind: 'instance', size: 56, repr: 'C()' }],
    ['cell', { pyType: 'cell', kind: 'cell', size: 40, repr: 'cell' }],
    ['bound method', { pyType: 'method', kind: 'method', size: 64, repr: 'm' }],
    ['21-tuple', tupleSpec(21)],
  ] as [string, ObjectSpec][])('a dead %s goes back to the allocator', (_name, spec) => {
    const { rt, keep } = setup();
    const id = rt.allocate(spec, keep);
    const events = since(rt, () => rt.decref(id, keep));
    expect(events).toContainEqual({ type: 'ObjectFreed', id, to: 'allocator' });
    expect(events.map((e) => e.type)).not.toContain('FreelistPushed');
  });
});

describe('the dict keys free list', () => {
  it('parks size-8 str-keys tables (120 bytes) and gives them to the next new one', () => {
    const { rt, keep } = setup();
    const d = rt.allocate(dictSpec, keep);
    rt.setBuffer(d, 'keys', DICT_KEYS_MINSIZE_UNICODE_BYTES);
    const table = mem(rt).buffers[d]?.['keys']?.addr;
    // dictresize: the new table first, then the old one is parked.
    const types = since(rt, () => rt.setBuffer(d, 'keys', 208)).map((e) => e.type);
    expect(types.filter((t) => t !== 'PoolInitialized')).toEqual(['BlockAllocated', 'FreelistPushed']);
    expect(mem(rt).freelists['dictkeys']).toEqual([table]);
    const e = rt.allocate(dictSpec, keep);
    expect(since(rt, () => rt.setBuffer(e, 'keys', DICT_KEYS_MINSIZE_UNICODE_BYTES))).toEqual([
      { type: 'FreelistPopped', list: 'dictkeys', addr: table, owner: e, buffer: 'keys' },
    ]);
  });

  it('frees int-keys tables (160 bytes) and tables of a dying dict only when the list is full', () => {
    const { rt, keep } = setup();
    const d = rt.allocate(dictSpec, keep);
    rt.setBuffer(d, 'keys', 160);
    const types = since(rt, () => rt.decref(d, keep)).map((e) => e.type);
    expect(types).toContain('BlockFreed');
    expect(parked(rt, 'dictkeys')).toBe(0);
    expect(types.at(-1)).toBe('FreelistPushed'); // the dict object itself
    expect(rt.state.objects[d]?.gen ?? NOT_TRACKED).toBe(NOT_TRACKED);
  });
});
