/*
 * The cyclic garbage collector
 * ============================
 * Reference cycles never reach a count of zero. CPython's generational collector finds
 * them by subtracting the references the objects of one generation hold to each other:
 * what is left is the number of references from outside; whatever is not reachable
 * from an object with outside references is cyclic garbage.
 *
 * Source: Modules/gcmodule.c (3.11): gc_collect_main, update_refs, subtract_refs,
 * move_unreachable, visit_reachable, untrack_tuples, untrack_dicts, finalize_garbage,
 * handle_resurrected_objects, delete_garbage, gc_collect_generations.
 *
 * Read first: `collectGeneration`, whose body is the algorithm as numbered steps
 * (GC-A1..GC-A17 of the spec).
 *
 * Vocabulary:
 *   young        the list of the generation collected, with the younger ones merged in (GC-A3).
 *   gcRefs       per-object scratch count: refcount minus references from inside `young`.
 *   unreachable  tentatively unreachable objects; moved back to young's tail when a
 *                reachable object is found to refer to them (GC-A6).
 *
 * Every step is an event (GcStarted, GcUnreachableFound, GcFinalizerRun, GcResurrected,
 * GcObjectCleared, GcSurvivorsPromoted, GcObjectsMoved, GcFinished), so a trace shows a
 * pass step by step; the fold replays the list moves without re-running the algorithm.
 *
 * Simplifications: no legacy (tp_del) finalizers; weak references are handled through
 * the `handleWeakrefs` hook supplied by the interpreter.
 */
import type { Holder, ObjectId } from '../events.js';
import { NOT_TRACKED, UNREACHABLE_LIST, listMembers, type HeapObject, type HeapState } from '../state.js';
import { kindInfo } from './kinds.js';
import type { Runtime } from './runtime.js';

export interface GcHooks {
  /** GC-A10: clear weak references to the unreachable objects, run callbacks; returns `num_freed`. */
  handleWeakrefs?(unreachable: readonly ObjectId[]): number;
  /** GC-M3: call every `gc.callbacks` entry with the phase and info. */
  runCallbacks?(phase: 'start' | 'stop', info: { generation: number; collected: number; uncollectable: number }): void;
  /** GC-A13 with DEBUG_SAVEALL: append the object to `gc.garbage`. */
  saveGarbage?(id: ObjectId): void;
}

export const DEBUG_SAVEALL = 32;

/** GC-C4 `gc_collect_generations`: the oldest generation over its threshold, with the 25 % rule for gen 2. */
export function collectGenerations(rt: Runtime): number {
  const gc = rt.state.gc;
  for (const g of [2, 1, 0] as const) {
    if (gc.counts[g] > gc.thresholds[g]) {
      if (g === 2 && gc.longLivedPending < Math.floor(gc.longLivedTotal / 4)) continue;
      return collectGeneration(rt, g, 'automatic');
    }
  }
  return 0;
}

/** The referents `tp_traverse` visits, in its order (GC-M7). */
export function traverse(obj: HeapObject): ObjectId[] {
  const refs = obj.refs;
  switch (kindInfo(obj.kind).release) {
    case 'reverse': {
      const out: ObjectId[] = [];
      for (let i = refs.length - 1; i >= 0; i--) {
        const r = refs[i];
        if (r !== undefined) out.push(r.to);
      }
      return out;
    }
    case 'classLast': {
      const out: ObjectId[] = [];
      let cls: ObjectId | undefined;
      for (const r of refs) {
        if (r.slot === '__class__') cls = r.to;
        else out.push(r.to);
      }
      if (cls !== undefined) out.push(cls);
      return out;
    }
    case 'forward': {
      if (obj.kind !== 'dict') return refs.map((r) => r.to);
      // dict_traverse: per entry the value, then the key.
      const out: ObjectId[] = [];
      let key: ObjectId | undefined;
      for (const r of refs) {
        if (r.slot === 'key') key = r.to;
        else {
          out.push(r.to);
          if (key !== undefined) out.push(key);
          key = undefined;
        }
      }
      if (key !== undefined) out.push(key);
      return out;
    }
  }
}

/** `_PyObject_GC_MAY_BE_TRACKED`: a GC object that is not an exact tuple, or a tracked tuple. */
function mayBeTracked(state: HeapState, id: ObjectId): boolean {
  const obj = state.objects[id];
  if (obj === undefined || !obj.gcType) return false;
  if (obj.kind === 'tuple' && obj.pyType === 'tuple') return obj.gen !== NOT_TRACKED;
  return true;
}

/** GC-A4..A6: split `young` into what is reachable from outside and the unreachable rest. */
function deduceUnreachable(
  state: HeapState,
  young: readonly ObjectId[],
): { unreachable: ObjectId[]; revived: ObjectId[]; survivors: ObjectId[] } {
  // update_refs: gc_refs = refcount; every member is COLLECTING.
  const gcRefs = new Map<ObjectId, number>();
  for (const id of young) gcRefs.set(id, state.objects[id]?.refcount ?? 0);
  // subtract_refs: references from inside young do not count.
  for (const id of young) {
    const obj = state.objects[id];
    if (obj === undefined) continue;
    for (const to of traverse(obj)) {
      const n = gcRefs.get(to);
      if (n !== undefined) gcRefs.set(to, n - 1);
    }
  }
  // move_unreachable: one cursor over young; revived objects go to its tail.
  const order = [...young];
  const collecting = new Set(young);
  const tentative = new Set<ObjectId>();
  const revived: ObjectId[] = [];
  for (let i = 0; i < order.length; i++) {
    const id = order[i] as ObjectId;
    if ((gcRefs.get(id) ?? 0) > 0) {
      const obj = state.objects[id];
      if (obj !== undefined) {
        for (const to of traverse(obj)) {
          if (!collecting.has(to)) continue;
          if (tentative.has(to)) {
            tentative.delete(to);
            order.push(to);
            revived.push(to);
            gcRefs.set(to, 1);
          } else if (gcRefs.get(to) === 0) gcRefs.set(to, 1);
        }
      }
      collecting.delete(id);
    } else {
      tentative.add(id);
    }
  }
  // Objects enter `unreachable` only in the first pass over young, so in young's order.
  const unreachable = young.filter((id) => tentative.has(id));
  return { unreachable, revived, survivors: survivorsInListOrder(young, revived, tentative) };
}

/** Survivors after move_unreachable: never-tentative objects in order, then the revived ones. */
function survivorsInListOrder(
  young: readonly ObjectId[],
  revived: readonly ObjectId[],
  tentative: ReadonlySet<ObjectId>,
): ObjectId[] {
  const revivedSet = new Set(revived);
  const out = young.filter((id) => !tentative.has(id) && !revivedSet.has(id));
  for (const id of revived) out.push(id);
  return out;
}

/** Objects of `set` still referenced from outside it, and everything they reach inside it (GC-A12). */
function externallyReachable(state: HeapState, set: readonly ObjectId[]): ObjectId[] {
  const members = new Set(set);
  const gcRefs = new Map<ObjectId, number>();
  for (const id of set) gcRefs.set(id, state.objects[id]?.refcount ?? 0);
  for (const id of set) {
    const obj = state.objects[id];
    if (obj === undefined) continue;
    for (const to of traverse(obj)) {
      const n = gcRefs.get(to);
      if (n !== undefined) gcRefs.set(to, n - 1);
    }
  }
  const alive = new Set<ObjectId>();
  const work = set.filter((id) => (gcRefs.get(id) ?? 0) > 0);
  for (let id = work.pop(); id !== undefined; id = work.pop()) {
    if (alive.has(id)) continue;
    alive.add(id);
    const obj = state.objects[id];
    if (obj === undefined) continue;
    for (const to of traverse(obj)) if (members.has(to) && !alive.has(to)) work.push(to);
  }
  return set.filter((id) => alive.has(id));
}

/** Which references `tp_clear` drops (GC-A13); tuples and bound methods have no tp_clear. */
function clearKeeps(obj: HeapObject): ((slot: string) => boolean) | 'none' {
  switch (obj.kind) {
    case 'tuple':
    case 'method':
      return 'none';
    case 'instance':
    case 'slotted':
    case 'exception':
      return (slot) => slot === '__class__';
    case 'function':
      return (slot) => slot === '__code__' || slot === '__name__' || slot === '__qualname__';
    default:
      return () => false;
  }
}

/** `gc_collect_main(generation)`; returns m + n (GC-R1). */
export function collectGeneration(rt: Runtime, generation: 0 | 1 | 2, reason: 'automatic' | 'manual'): number {
  const state = rt.state;
  const g = generation;
  const older = Math.min(g + 1, 2) as 0 | 1 | 2;
  rt.hooks.runCallbacks?.('start', { generation: g, collected: 0, uncollectable: 0 });

  // GC-A2, GC-A3: counts, then the younger generations merged onto the tail of young.
  rt.emit({ type: 'GcStarted', generation: g, reason });
  const young = listMembers(state, g);

  // GC-A4..A6: update_refs, subtract_refs, move_unreachable.
  const { unreachable, revived, survivors } = deduceUnreachable(state, young);
  rt.emit({ type: 'GcUnreachableFound', generation: g, ids: unreachable, ...(revived.length > 0 ? { revived } : {}) });

  // GC-A7: untrack_tuples over the survivors, head to tail (GC-T3).
  for (const id of survivors) {
    const obj = state.objects[id];
    if (obj === undefined || obj.kind !== 'tuple' || obj.pyType !== 'tuple') continue;
    if (obj.refs.every((r) => !mayBeTracked(state, r.to))) rt.emit({ type: 'ObjectUntracked', id });
  }
  // GC-A8: promotion; a full collection first untracks dicts holding nothing trackable (GC-T5).
  if (g === 2) {
    for (const id of survivors) {
      const obj = state.objects[id];
      if (obj === undefined || obj.kind !== 'dict' || obj.pyType !== 'dict' || obj.gen === NOT_TRACKED) continue;
      if (obj.refs.every((r) => !mayBeTracked(state, r.to))) rt.emit({ type: 'ObjectUntracked', id });
    }
  }
  rt.emit({ type: 'GcSurvivorsPromoted', from: g, to: older, count: state.gc.lists[g].length });

  // GC-A10: weak references to the garbage are cleared and callbacks run before any finalizer.
  const numFreed = rt.hooks.handleWeakrefs?.(unreachable) ?? 0;

  // GC-A11: finalize_garbage, in list order, each object at most once (PEP 442).
  let finalized = false;
  for (const id of listMembers(state, UNREACHABLE_LIST)) {
    const obj = state.objects[id];
    if (obj === undefined || obj.finalized || !rt.hooks.hasFinalizer(id)) continue;
    finalized = true;
    const temp: Holder = { kind: 'root', name: 'gc' };
    rt.emit({ type: 'RefIncremented', id, holder: temp });
    rt.emit({ type: 'GcFinalizerRun', id });
    rt.hooks.runFinalizer(id);
    rt.decref(id, temp);
  }

  // GC-A12: handle_resurrected_objects: what a finalizer made reachable survives.
  if (finalized) {
    const resurrected = externallyReachable(state, listMembers(state, UNREACHABLE_LIST));
    if (resurrected.length > 0) rt.emit({ type: 'GcResurrected', ids: resurrected });
  }

  // GC-A13: delete_garbage, head first; tp_clear breaks the cycles and refcounting frees them.
  const finalUnreachable = listMembers(state, UNREACHABLE_LIST);
  const m = finalUnreachable.length + numFreed;
  const saveAll = (state.gc.debug & DEBUG_SAVEALL) !== 0;
  for (let head = state.gc.lists[UNREACHABLE_LIST].head; head !== 0; head = state.gc.lists[UNREACHABLE_LIST].head) {
    const id = head as ObjectId;
    const obj = rt.object(id);
    if (saveAll) {
      rt.hooks.saveGarbage?.(id);
    } else {
      const keeps = clearKeeps(obj);
      if (keeps !== 'none') {
        const temp: Holder = { kind: 'root', name: 'gc' };
        rt.emit({ type: 'GcObjectCleared', id });
        rt.incref(id, temp);
        rt.releaseAll(id, kindInfo(obj.kind).release === 'reverse' ? 'reverse' : 'forward', keeps);
        rt.decref(id, temp);
      }
    }
    if (state.gc.lists[UNREACHABLE_LIST].head === id) rt.emit({ type: 'GcObjectsMoved', ids: [id], to: older });
  }

  // GC-A17: statistics, and the value returned.
  rt.emit({ type: 'GcFinished', generation: g, collected: m, uncollectable: 0 });
  rt.hooks.runCallbacks?.('stop', { generation: g, collected: m, uncollectable: 0 });
  return m;
}
