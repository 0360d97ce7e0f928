// Reference counting driven through `Runtime` directly (spec §2: RC-1, RC-2, RC-13,
// RC-14, RC-15, frames at return), with the state checked against its own event log.
import { describe, expect, it } from 'vitest';
import { Defect } from '../errors.js';
import { foldPlain } from '../evolve.js';
import type { FrameId, Holder, MemEvent, ObjectId } from '../events.js';
import { checkInvariants } from '../invariants.js';
import { emptyHeap, NOT_TRACKED } from '../state.js';
import { Runtime, TRASH_UNWIND_LEVEL, type ObjectSpec } from './runtime.js';
import { FIXED_SIZES, LIST_OBJECT_SIZE, intSize } from './sizes.js';

// ---------------------------------------------------------------------------------
// Helpers.

const intSpec = (v: number): ObjectSpec => ({ pyType: 'int', kind: 'int', size: intSize(BigInt(v)), repr: String(v) });
const listSpec: ObjectSpec = { pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' };
const dictSpec: ObjectSpec = { pyType: 'dict', kind: 'dict', size: 64, repr: '{}' };
const classSpec: ObjectSpec = { pyType: 'type', kind: 'class', size: FIXED_SIZES.class, repr: "<class 'C'>" };
const instanceSpec = (repr: string): ObjectSpec => ({
  pyType: 'D',
  kind: 'instance',
  size: FIXED_SIZES.instance,
  repr,
});

const varOf = (frame: FrameId, name: string): Holder => ({ kind: 'frame', frame, name });
const stackOf = (frame: FrameId): Holder => ({ kind: 'stack', frame });
const slotOf = (owner: ObjectId, slot: string): Holder => ({ kind: 'object', owner, slot });
const itemOf = (owner: ObjectId): Holder => slotOf(owner, 'item');

function setup(): { rt: Runtime; frame: FrameId } {
  const rt = new Runtime({ record: true });
  return { rt, frame: rt.enterFrame('<module>') };
}

function logOf(rt: Runtime): MemEvent[] {
  if (rt.log === undefined) throw new Error('the runtime does not record its events');
  return rt.log;
}

/** Ids of the objects freed since log position `from`, in order. */
function freedSince(rt: Runtime, from: number): ObjectId[] {
  return logOf(rt)
    .slice(from)
    .flatMap((e) => (e.type === 'ObjectFreed' ? [e.id] : []));
}

/** Labels of the objects freed while running `action`, ignoring objects without a label. */
function freedDuring(rt: Runtime, labels: ReadonlyMap<ObjectId, string>, action: () => void): string[] {
  const from = logOf(rt).length;
  action();
  return freedSince(rt, from).flatMap((id) => {
    const label = labels.get(id);
    return label === undefined ? [] : [label];
  });
}

/** `STORE_FAST name`: the stack's reference moves into the slot, then the old value is dropped. */
function storeFast(rt: Runtime, frame: FrameId, name: string, id: ObjectId): void {
  const slot = varOf(frame, name);
  const f = rt.state.frames[frame];
  const old = f !== undefined && Object.hasOwn(f.vars, name) ? f.vars[name] : undefined;
  rt.move(id, stackOf(frame), slot);
  if (old !== undefined) rt.decref(old, slot);
}

function thrownBy(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------

describe('reference counts (RC-1, RC-2)', () => {
  it('starts a new object at one reference, owned by its creator', () => {
    const { rt, frame } = setup();
    const x = rt.allocate(intSpec(1000), varOf(frame, 'x'));
    expect(rt.refcount(x)).toBe(1);
    expect(rt.state.frames[frame]?.vars).toEqual({ x });
  });

  it('frees an object exactly when its count reaches zero', () => {
    const { rt, frame } = setup();
    const x = rt.allocate(intSpec(1000), varOf(frame, 'x'));
    const addr = rt.object(x).addr;
    rt.incref(x, stackOf(frame));
    rt.incref(x, varOf(frame, 'y'));
    expect(rt.refcount(x)).toBe(3);

    const before = logOf(rt).length;
    rt.decref(x, stackOf(frame));
    rt.decref(x, varOf(frame, 'x'));
    expect(rt.isAlive(x)).toBe(true);
    expect(rt.refcount(x)).toBe(1);
    expect(freedSince(rt, before)).toEqual([]);

    rt.decref(x, varOf(frame, 'y'));
    expect(rt.isAlive(x)).toBe(false);
    expect(logOf(rt).slice(-4)).toEqual([
      { type: 'RefDecremented', id: x, holder: varOf(frame, 'y') },
      { type: 'DeallocStarted', id: x },
      { type: 'ObjectFreed', id: x, to: 'allocator' },
      { type: 'BlockFreed', addr, size: 28, owner: x }, // an int has no pre-header: its block is at id(x)
    ]);
    expect(rt.state.live).toBe(0);
  });

  it('frees a container before returning from the decref, children first (RC-2)', () => {
    const { rt, frame } = setup();
    const l = rt.allocate(listSpec, varOf(frame, 'l'));
    const item = rt.allocate(intSpec(1000), itemOf(l));
    rt.incref(item, varOf(frame, 'keep'));
    const from = logOf(rt).length;
    rt.decref(l, varOf(frame, 'l'));
    expect(freedSince(rt, from)).toEqual([l]);
    expect(rt.refcount(item)).toBe(1); // the list's reference was dropped, the frame's is left
  });

  it('keeps an object held by a container alive after its name is deleted', () => {
    const { rt, frame } = setup();
    const l = rt.allocate(listSpec, varOf(frame, 'l'));
    const x = rt.allocate(intSpec(1000), varOf(frame, 'x'));
    rt.incref(x, itemOf(l));
    rt.decref(x, varOf(frame, 'x'));
    expect(rt.isAlive(x)).toBe(true);
    rt.decref(l, varOf(frame, 'l'));
    expect(rt.isAlive(x)).toBe(false);
  });

  it('moves a reference without changing the count', () => {
    const { rt, frame } = setup();
    const x = rt.allocate(intSpec(1000), stackOf(frame));
    rt.move(x, stackOf(frame), varOf(frame, 'x'));
    expect(rt.refcount(x)).toBe(1);
    expect(rt.state.frames[frame]?.stack).toEqual([]);
    expect(rt.state.frames[frame]?.vars).toEqual({ x });
  });

  it('throws a Defect on a decref below zero', () => {
    const bogus: Holder = { kind: 'root', name: 'bogus' };
    // During its dealloc the object is still in the heap with a count of zero.
    // A weakref callback runs inside the list's dealloc (RC-14 step 3) and drops it once more.
    const rt: Runtime = new Runtime({ hooks: { runWeakrefCallback: () => rt.decref(l, bogus) } });
    const frame = rt.enterFrame('<module>');
    const l = rt.allocate(listSpec, varOf(frame, 'l'));
    const callback = rt.allocate(listSpec, varOf(frame, 'callback'));
    rt.newWeakref(l, callback, varOf(frame, 'r'));
    const error = thrownBy(() => rt.decref(l, varOf(frame, 'l')));
    expect(error).toBeInstanceOf(Defect);
    expect(String(error)).toMatch(/negative refcount on #\d+ \(list\)/);
  });

  it('throws a Defect on a decref of a freed object', () => {
    const { rt, frame } = setup();
    const x = rt.allocate(intSpec(1000), varOf(frame, 'x'));
    rt.decref(x, varOf(frame, 'x'));
    const error = thrownBy(() => rt.decref(x, varOf(frame, 'x')));
    expect(error).toBeInstanceOf(Defect);
    expect(String(error)).toMatch(/decref of freed object/);
  });
});

describe('order of release (RC-13)', () => {
  it('releases list items from the last to the first', () => {
    const { rt, frame } = setup();
    const labels = new Map<ObjectId, string>();
    const l = rt.allocate(listSpec, varOf(frame, 'l'));
    labels.set(l, 'list');
    for (const i of [1, 2, 3]) labels.set(rt.allocate(instanceSpec(`D(${i})`), itemOf(l)), `D(${i})`);
    expect(freedDuring(rt, labels, () => rt.decref(l, varOf(frame, 'l')))).toEqual(['D(3)', 'D(2)', 'D(1)', 'list']);
  });

  it('releases [D1, [D2, D3], D4] as 4, 3, 2, 1', () => {
    const { rt, frame } = setup();
    const labels = new Map<ObjectId, string>();
    const outer = rt.allocate(listSpec, varOf(frame, 'l'));
    labels.set(rt.allocate(instanceSpec('D1'), itemOf(outer)), '1');
    const inner = rt.allocate(listSpec, itemOf(outer));
    labels.set(rt.allocate(instanceSpec('D2'), itemOf(inner)), '2');
    labels.set(rt.allocate(instanceSpec('D3'), itemOf(inner)), '3');
    labels.set(rt.allocate(instanceSpec('D4'), itemOf(outer)), '4');
    expect(freedDuring(rt, labels, () => rt.decref(outer, varOf(frame, 'l')))).toEqual(['4', '3', '2', '1']);
  });

  it('releases a dict in insertion order, key then value', () => {
    const { rt, frame } = setup();
    const labels = new Map<ObjectId, string>();
    const d = rt.allocate(dictSpec, varOf(frame, 'd'));
    labels.set(d, 'dict');
    for (const [k, v] of [
      [1, 2],
      [3, 4],
    ] as const) {
      labels.set(rt.allocate(instanceSpec(`D(${k})`), slotOf(d, 'key')), `D(${k})`);
      labels.set(rt.allocate(instanceSpec(`D(${v})`), slotOf(d, 'value')), `D(${v})`);
    }
    expect(freedDuring(rt, labels, () => rt.decref(d, varOf(frame, 'd')))).toEqual([
      'D(1)',
      'D(2)',
      'D(3)',
      'D(4)',
      'dict',
    ]);
  });

  it('releases an instance’s attributes in order, then its class', () => {
    const { rt, frame } = setup();
    const C = rt.allocate(classSpec, varOf(frame, 'C'));
    const x = rt.allocate(instanceSpec('<C object>'), stackOf(frame));
    rt.incref(C, slotOf(x, '__class__'));
    const labels = new Map<ObjectId, string>();
    for (const name of ['a', 'b', 'c']) labels.set(rt.allocate(intSpec(1000), slotOf(x, `.${name}`)), name);
    rt.move(x, stackOf(frame), varOf(frame, 'x'));

    const from = logOf(rt).length;
    expect(freedDuring(rt, labels, () => rt.decref(x, varOf(frame, 'x')))).toEqual(['a', 'b', 'c']);
    // RC-14: attributes in order, then the instance's memory, then the class reference.
    const steps = logOf(rt)
      .slice(from)
      .flatMap((e) => {
        if (e.type === 'RefDecremented' && e.holder.kind === 'object') return [e.holder.slot];
        if (e.type === 'RefDecremented' && e.id === C) return ['class'];
        if (e.type === 'ObjectFreed' && e.id === x) return ['freed'];
        return [];
      });
    expect(steps).toEqual(['.a', '.b', '.c', 'freed', 'class']);
    expect(rt.isAlive(x)).toBe(false);
    expect(rt.refcount(C)).toBe(1); // still bound to C
  });

  it('releases the class last even when its reference is not the first one', () => {
    const { rt, frame } = setup();
    const x = rt.allocate(instanceSpec('<C object>'), varOf(frame, 'x'));
    const labels = new Map<ObjectId, string>();
    labels.set(rt.allocate(intSpec(1000), slotOf(x, '.a')), 'a');
    labels.set(rt.allocate(classSpec, slotOf(x, '__class__')), 'class');
    labels.set(rt.allocate(intSpec(1001), slotOf(x, '.b')), 'b');
    expect(freedDuring(rt, labels, () => rt.decref(x, varOf(frame, 'x')))).toEqual(['a', 'b', 'class']);
  });
});

describe('trashcan (RC-15)', () => {
  /** `x = [D(0), [D(1), [D(2), ...]]]`, `depth` lists deep; returns the D ids by index. */
  function nested(rt: Runtime, frame: FrameId, depth: number): Map<ObjectId, string> {
    const labels = new Map<ObjectId, string>();
    let list = rt.allocate(listSpec, varOf(frame, 'x'));
    for (let i = 0; i < depth; i++) {
      labels.set(rt.allocate(instanceSpec(`D(${i})`), itemOf(list)), String(i));
      if (i < depth - 1) list = rt.allocate(listSpec, itemOf(list));
    }
    return labels;
  }
  const range = (from: number, to: number): string[] => {
    const step = from <= to ? 1 : -1;
    return Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => String(from + i * step));
  };

  it('unwinds at 50 nesting levels', () => {
    expect(TRASH_UNWIND_LEVEL).toBe(50);
  });

  it('frees shallow nesting innermost first', () => {
    const { rt, frame } = setup();
    const labels = nested(rt, frame, 40);
    expect(freedDuring(rt, labels, () => rt.decref(firstVar(rt, frame), varOf(frame, 'x')))).toEqual(range(39, 0));
  });

  it('frees 120 nested lists in the measured order 48…0, 49, 97…50, 98, 119…99', () => {
    const { rt, frame } = setup();
    const labels = nested(rt, frame, 120);
    const order = freedDuring(rt, labels, () => rt.decref(firstVar(rt, frame), varOf(frame, 'x')));
    expect(order).toEqual([...range(48, 0), '49', ...range(97, 50), '98', ...range(119, 99)]);
    expect(rt.state.live).toBe(0);
    checkInvariants(rt.state);
  });

  function firstVar(rt: Runtime, frame: FrameId): ObjectId {
    const id = rt.state.frames[frame]?.vars['x'];
    if (id === undefined) throw new Error('x is not bound');
    return id;
  }
});

describe('frames', () => {
  it('releases the slots at exit in binding order', () => {
    const { rt, frame } = setup();
    const labels = new Map<ObjectId, string>();
    for (const name of ['c', 'a', 'b']) labels.set(rt.allocate(intSpec(1000), varOf(frame, name)), name);
    expect(freedDuring(rt, labels, () => rt.exitFrame(frame))).toEqual(['c', 'a', 'b']);
    expect(logOf(rt).at(-1)).toEqual({ type: 'FrameExited', frame });
    expect(rt.state.frames).toEqual({});
    expect(rt.state.currentFrame).toBe(0);
  });

  it('keeps a rebound slot in its first-binding position', () => {
    const { rt, frame } = setup();
    const labels = new Map<ObjectId, string>();
    labels.set(rt.allocate(intSpec(1), varOf(frame, 'a')), 'a1');
    labels.set(rt.allocate(intSpec(2), varOf(frame, 'b')), 'b');
    const a2 = rt.allocate(intSpec(3), stackOf(frame));
    labels.set(a2, 'a2');
    expect(freedDuring(rt, labels, () => storeFast(rt, frame, 'a', a2))).toEqual(['a1']);
    expect(freedDuring(rt, labels, () => rt.exitFrame(frame))).toEqual(['a2', 'b']);
  });

  it('releases in the given slot order (co_varnames) before unnamed slots', () => {
    const { rt, frame } = setup();
    const labels = new Map<ObjectId, string>();
    for (const name of ['z', 'b', 'a']) labels.set(rt.allocate(intSpec(1000), varOf(frame, name)), name);
    expect(freedDuring(rt, labels, () => rt.exitFrame(frame, ['a', 'unbound', 'b']))).toEqual(['a', 'b', 'z']);
  });

  it('treats names of Object.prototype members as ordinary slots', () => {
    const { rt, frame } = setup();
    const labels = new Map<ObjectId, string>();
    for (const name of ['constructor', 'toString']) labels.set(rt.allocate(intSpec(1000), varOf(frame, name)), name);
    expect(rt.state.frames[frame]?.varOrder).toEqual(['constructor', 'toString']);
    checkInvariants(rt.state);
    expect(freedDuring(rt, labels, () => rt.exitFrame(frame, ['valueOf', 'toString']))).toEqual([
      'toString',
      'constructor',
    ]);
    expect(rt.state.live).toBe(0);
  });

  it('keeps x bound through `x = x` (store, then drop the old value)', () => {
    const { rt, frame } = setup();
    const x = rt.allocate(listSpec, varOf(frame, 'x'));
    rt.incref(x, stackOf(frame)); // LOAD_FAST x
    storeFast(rt, frame, 'x', x); // STORE_FAST x
    expect(rt.refcount(x)).toBe(1);
    expect(rt.state.frames[frame]?.vars).toEqual({ x });
    checkInvariants(rt.state);
    expect(freedSince(rt, 0)).toEqual([]);
    rt.exitFrame(frame);
    expect(rt.isAlive(x)).toBe(false);
  });

  it('links a new frame to its parent and returns to it', () => {
    const { rt, frame } = setup();
    const inner = rt.enterFrame('f');
    expect(rt.state.frames[inner]?.parent).toBe(frame);
    expect(rt.state.currentFrame).toBe(inner);
    rt.exitFrame(inner);
    expect(rt.state.currentFrame).toBe(frame);
  });
});

describe('the runtime and its events', () => {
  /** A program touching every part of the runtime: containers, rebinding, trashcan, cycles, frames. */
  function program(rt: Runtime): void {
    const frame = rt.enterFrame('<module>');
    const l = rt.allocate(listSpec, varOf(frame, 'l'));
    for (let i = 0; i < 3; i++) rt.allocate(intSpec(1000 + i), itemOf(l));
    const d = rt.allocate(dictSpec, varOf(frame, 'd'));
    rt.allocate({ pyType: 'str', kind: 'str', size: 50, repr: "'k'" }, slotOf(d, 'key'));
    rt.incref(l, slotOf(d, 'value'));
    rt.track(d);
    const C = rt.allocate(classSpec, varOf(frame, 'C'));
    const x = rt.allocate(instanceSpec('<C object>'), varOf(frame, 'x'));
    rt.incref(C, slotOf(x, '__class__'));
    rt.incref(x, slotOf(x, '.self')); // a self-cycle
    // x = x, then x = [] (store, then drop the old value)
    rt.incref(x, stackOf(frame));
    storeFast(rt, frame, 'x', x);
    storeFast(rt, frame, 'x', rt.allocate(listSpec, stackOf(frame)));
    // deep nesting through the trashcan
    let deep = rt.allocate(listSpec, varOf(frame, 'deep'));
    for (let i = 0; i < 60; i++) deep = rt.allocate(listSpec, itemOf(deep));
    const top = rt.state.frames[frame]?.vars['deep'];
    if (top !== undefined) rt.decref(top, varOf(frame, 'deep'));
    rt.collect(0);
    rt.decref(l, varOf(frame, 'l'));
    const inner = rt.enterFrame('f');
    rt.incref(d, varOf(inner, 'arg'));
    rt.allocate(intSpec(5000), stackOf(inner));
    rt.exitFrame(inner);
    rt.collect();
    rt.exitFrame(frame);
    rt.collect();
  }

  it('holds every invariant after every event', () => {
    const rt = new Runtime({ record: true });
    const failures: string[] = [];
    let checked = 0;
    const sub = rt.events$.subscribe((event) => {
      checked += 1;
      try {
        checkInvariants(rt.state);
      } catch (error) {
        failures.push(`after event ${checked} ${JSON.stringify(event)}: ${String(error)}`);
      }
    });
    program(rt);
    sub.unsubscribe();
    expect(failures).toEqual([]);
    expect(checked).toBe(logOf(rt).length);
    expect(rt.state.live).toBe(0); // the self-cycle went with the last collection
  });

  it('is the fold of its own log', () => {
    const rt = new Runtime({ record: true });
    program(rt);
    const log = logOf(rt);
    expect(log.length).toBeGreaterThan(100);
    expect(foldPlain(emptyHeap(), log)).toStrictEqual(rt.state);
    // ... and at a point where objects, frames and generation lists are not empty.
    const half = new Runtime({ record: true });
    const frame = half.enterFrame('<module>');
    const l = half.allocate(listSpec, varOf(frame, 'l'));
    half.incref(l, itemOf(l));
    half.allocate(intSpec(1000), varOf(frame, 'n'));
    expect(half.object(l).gen).not.toBe(NOT_TRACKED);
    expect(foldPlain(emptyHeap(), logOf(half))).toStrictEqual(half.state);
  });

  it('publishes every event it applies, in order', () => {
    const rt = new Runtime({ record: true });
    const seen: MemEvent[] = [];
    const sub = rt.events$.subscribe((e) => seen.push(e));
    program(rt);
    sub.unsubscribe();
    expect(seen).toEqual(logOf(rt));
    expect(rt.state.seq).toBe(seen.length);
  });
});
