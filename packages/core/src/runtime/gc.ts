/*
 * The cyclic garbage collector
 * ============================
 * Reference cycles never reach a count of zero. CPython's generational collector finds
 * them by subtracting the references the objects of one generation hold to each other:
 * what is left is the number of references from outside; whatever is not reachable
 * from an object with outside references is cyclic garbage. Finalizers (`__del__`, PEP
 * 442) run once per object and may resurrect; weak references to garbage are cleared
 * and their callbacks run first; then `tp_clear` breaks the cycles and reference
 * counting frees them. Survivors move to the next generation.
 *
 * Source: Modules/gcmodule.c (3.11): gc_collect_main, deduce_unreachable, update_refs,
 * subtract_refs, move_unreachable, visit_reachable, untrack_tuples, untrack_dicts,
 * handle_weakrefs, finalize_garbage, handle_resurrected_objects, delete_garbage,
 * gc_collect_generations, gc_collect_with_callback, invoke_gc_callback, gc_collect_impl,
 * gc_freeze_impl, gc_unfreeze_impl, debug_cycle, show_stats_each_generations;
 * Objects/tupleobject.c _PyTuple_MaybeUntrack; Objects/dictobject.c _PyDict_MaybeUntrack.
 *
 * Read first: `collectMain`, whose body is the algorithm as numbered steps (GC-A1..A17);
 * then `deduceUnreachable`.
 *
 * Vocabulary:
 *   young        the list of the generation collected, the younger ones merged in (GC-A3).
 *   old          the next older generation (young itself for generation 2): where
 *                survivors, resurrected objects and weakrefs whose callbacks ran go.
 *   gc_refs      per-object scratch count: refcount minus references from inside the set
 *                examined (`Scratch.refs`, CPython keeps it in `_gc_prev`).
 *   COLLECTING   scratch flag: in the set examined and not yet scanned by move_unreachable.
 *   tentatively unreachable
 *                scratch flag: gc_refs was 0 when scanned; moved back to young's tail if a
 *                reachable object turns out to refer to it (GC-A6).
 *   unreachable  state list UNREACHABLE_LIST (4): the garbage of the running collection.
 *   collecting   `rt.collecting`, the re-entrancy guard (gcstate->collecting): set from
 *                the first `gc.callbacks` call to the last; no automatic collection starts
 *                and `gc.collect()` returns 0 meanwhile (GC-R2).
 *
 * Picture: one collection of generation 1 (thresholds and counts are GC-C1..C7):
 *
 *   gen0 ─┐ merge (GcStarted)                      survivors ──────────────> gen2 (old)
 *   gen1 ─┴─> young ── update/subtract/move ──┬──> (GcSurvivorsPromoted)
 *                                             └──> unreachable (list 4) ── weakrefs cleared,
 *                     callbacks, __del__ ── resurrected ──> gen2; the rest: tp_clear, freed
 *
 * Every step is an event (GcStarted, GcUnreachableFound, ObjectUntracked,
 * GcSurvivorsPromoted, GcWeakrefCleared, WeakrefCallbackRun, GcFinalizerRun,
 * GcResurrected, GcObjectCleared, GcObjectsMoved, GcFinished, GcCallbackRun), so a
 * trace shows a pass step by step; the fold replays the list moves without re-running
 * the algorithm.
 *
 * Invariants: outside a collection the unreachable list is empty and
 * `state.gc.collecting` is -1; an object is in at most one list; the scratch flags are
 * all clear between collections.
 *
 * Worked example (§3.5, two `R` cycles, R('a').__del__ saves itself):
 *   unreachable = [a, b, c, d]; `__del__` runs on a, b, c, d (a is saved: resurrected);
 *   handle_resurrected: a has an outside reference, b is reached from a -> both move to
 *   old (GcResurrected [a, b]); c, d are cleared and freed: gc.collect() returns 2.
 *   After `saved.clear()` the next collection finds a, b again, runs no `__del__` (both
 *   FINALIZED) and returns 2.
 *
 * Simplifications: no legacy (tp_del) finalizers, so nothing is uncollectable (n = 0)
 * and GC-A9/A15 are empty; `tp_clear` does not shrink the `getsizeof` of a cleared list or dict (it dies
 * right after); the elapsed time of DEBUG_STATS is always 0.0000s (deterministic);
 * a weakref whose callback is pending stays in its generation list instead of moving to
 * a temporary list (only `gc.get_objects()` called from such a callback could tell).
 */
import { Defect } from '../errors.js';
import { refAtPosition, refCount } from '../refList.js';
import type { Holder, ObjectId } from '../events.js';
import {
  NO_OBJECT,
  NOT_TRACKED,
  UNREACHABLE_LIST,
  type GcListIndex,
  type HeapObject,
  type HeapState,
} from '../state.js';
import { kindInfo } from './kinds.js';
import type { Runtime } from './runtime.js';
import { runWeakrefCallback, weakrefCallback, type WeakrefHooks } from './weakref.js';

/** `gc.DEBUG_*` flags (GC-M4). */
export const DEBUG_STATS = 1;
export const DEBUG_COLLECTABLE = 2;
export const DEBUG_UNCOLLECTABLE = 4;
export const DEBUG_SAVEALL = 32;
export const DEBUG_LEAK = DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE | DEBUG_SAVEALL;

export type Generation = 0 | 1 | 2;

/** The `info` dict passed to `gc.callbacks` entries (GC-M3). */
export interface GcCallbackInfo {
  readonly generation: Generation;
  readonly collected: number;
  readonly uncollectable: number;
}

/** What the interpreter supplies to the collector (all optional). */
export interface GcHooks extends WeakrefHooks {
  /** GC-M3: the callables in `gc.callbacks` now, in order (asked again before each call). */
  gcCallbacks?(): readonly ObjectId[];
  /**
   * GC-M3: call `callback(phase, info)`. CPython builds one info dict per phase, shared by
   * the callbacks; exceptions are reported as unraisable. The runtime holds `callback`.
   */
  runGcCallback?(callback: ObjectId, phase: 'start' | 'stop', info: GcCallbackInfo): void;
  /**
   * GC-A13 with DEBUG_SAVEALL: `gc.garbage.append(id)`. Without this hook the object is
   * held by the interpreter root `gc.garbage`.
   */
  saveGarbage?(id: ObjectId): void;
  /** GC-D1, GC-D2: one line for stderr, without its newline. */
  debugOutput?(line: string): void;
}

/** The collector's temporary references (Py_INCREF in finalize_garbage, delete_garbage ...). */
const GC_TEMP: Holder = { kind: 'root', name: 'gc' };
/** Where DEBUG_SAVEALL puts garbage when the interpreter has no `saveGarbage` hook. */
export const GC_GARBAGE_ROOT: Holder = { kind: 'root', name: 'gc.garbage' };

// ---------------------------------------------------------------------------------
// The gc module's operations.

/** `gc.collect(generation)` (gc_collect_impl): m + n (GC-R1), or 0 when already collecting (GC-R2). */
export function gcCollect(rt: Runtime, generation: Generation = 2): number {
  if (rt.collecting) return 0;
  return withCollecting(rt, () => collectWithCallback(rt, generation, 'manual'));
}

/**
 * GC-C4 `gc_collect_generations`, run by the allocation that pushed count[0] over its
 * threshold (GC-C3): the oldest generation over its threshold, except that generation 2
 * also needs long_lived_pending >= long_lived_total / 4.
 */
export function collectGenerations(rt: Runtime): number {
  const gc = rt.state.gc;
  for (const g of [2, 1, 0] as const) {
    if (gc.counts[g] > gc.thresholds[g]) {
      if (g === 2 && gc.longLivedPending < Math.floor(gc.longLivedTotal / 4)) continue;
      return withCollecting(rt, () => collectWithCallback(rt, g, 'automatic'));
    }
  }
  return 0;
}

/** `gc.freeze()` (GC-M9). */
export function freeze(rt: Runtime): void {
  const lists = rt.state.gc.lists;
  rt.emit({ type: 'GcFrozen', count: lists[0].length + lists[1].length + lists[2].length });
}

/** `gc.unfreeze()` (GC-M9). */
export function unfreeze(rt: Runtime): void {
  rt.emit({ type: 'GcUnfrozen', count: rt.state.gc.lists[3].length });
}

function withCollecting(rt: Runtime, run: () => number): number {
  rt.collecting = true;
  try {
    return run();
  } finally {
    rt.collecting = false;
  }
}

/** gc_collect_with_callback: `start` callbacks, the collection, `stop` callbacks. */
function collectWithCallback(rt: Runtime, g: Generation, reason: 'automatic' | 'manual'): number {
  invokeGcCallbacks(rt, 'start', { generation: g, collected: 0, uncollectable: 0 });
  const { collected, uncollectable } = collectMain(rt, g, reason);
  invokeGcCallbacks(rt, 'stop', { generation: g, collected, uncollectable });
  return collected + uncollectable;
}

/** invoke_gc_callback: each entry of `gc.callbacks`, held while it runs. */
function invokeGcCallbacks(rt: Runtime, phase: 'start' | 'stop', info: GcCallbackInfo): void {
  if (rt.hooks.gcCallbacks === undefined) return;
  for (let i = 0; ; i++) {
    const callback = rt.hooks.gcCallbacks()[i];
    if (callback === undefined) return;
    rt.incref(callback, GC_TEMP);
    rt.emit({ type: 'GcCallbackRun', phase, callback });
    rt.hooks.runGcCallback?.(callback, phase, info);
    rt.decref(callback, GC_TEMP);
  }
}

// ---------------------------------------------------------------------------------
// One collection.

/** `gc_collect_main(generation)`: returns m (collected) and n (uncollectable). */
function collectMain(
  rt: Runtime,
  g: Generation,
  reason: 'automatic' | 'manual',
): { collected: number; uncollectable: number } {
  const state = rt.state;
  const gc = state.gc;
  const old: Generation = g < 2 ? ((g + 1) as Generation) : 2;
  const debug = gc.debug;
  const print = (line: string): void => rt.hooks.debugOutput?.(line);

  // GC-A1: DEBUG_STATS start lines, before the counts change and the lists merge.
  if ((debug & DEBUG_STATS) !== 0) {
    print(`gc: collecting generation ${g}...`);
    print(`gc: objects in each generation: ${gc.lists[0].length} ${gc.lists[1].length} ${gc.lists[2].length}`);
    print(`gc: objects in permanent generation: ${gc.lists[3].length}`);
  }

  // GC-A2, GC-A3: counts (GC-C5), then the younger generations merged onto young's tail.
  rt.emit({ type: 'GcStarted', generation: g, reason });

  // GC-A4..A6: update_refs, subtract_refs, move_unreachable.
  const found = deduceUnreachable(state, g, scratchOf(rt));
  const { unreachable, revived, survivors } = found;
  rt.emit({
    type: 'GcUnreachableFound',
    generation: g,
    ids: unreachable,
    ...(revived.length > 0 ? { revived } : {}),
  });

  // GC-A7: untrack_tuples over the survivors, head to tail (GC-T3).
  for (const obj of survivors) {
    if (isExact(obj, 'tuple') && obj.gen !== NOT_TRACKED && holdsNothingTrackable(state, obj)) {
      rt.emit({ type: 'ObjectUntracked', id: obj.id });
    }
  }
  // GC-A8: promotion. A full collection first untracks the dicts holding nothing
  // trackable (GC-T5) and keeps its survivors; GC-C6 is applied by the event.
  if (g === 2) {
    for (const obj of survivors) {
      if (isExact(obj, 'dict') && obj.gen !== NOT_TRACKED && holdsNothingTrackable(state, obj)) {
        rt.emit({ type: 'ObjectUntracked', id: obj.id });
      }
    }
  }
  rt.emit({ type: 'GcSurvivorsPromoted', from: g, to: old, count: gc.lists[g].length });

  // GC-A9: legacy (tp_del) finalizers are not modelled: nothing is uncollectable.
  const n = 0;

  // GC-D1: DEBUG_COLLECTABLE, in list order, before weakref handling.
  if ((debug & DEBUG_COLLECTABLE) !== 0) {
    for (const id of unreachable) print(`gc: collectable ${describe(rt.object(id))}`);
  }

  // GC-A10: weak references to garbage cleared, then the callbacks that are due.
  const weakrefs = handleWeakrefs(rt, unreachable, old);

  // GC-A11: finalize_garbage, in list order, each object at most once (PEP 442).
  const finalized = found.mayFinalize && finalizeGarbage(rt, unreachable);

  // GC-A12: handle_resurrected_objects. Without Python code having run since
  // move_unreachable, nothing can have changed, so the second pass is skipped.
  if (finalized || weakrefs.called) {
    const { survivors } = deduceUnreachable(state, UNREACHABLE_LIST, scratchOf(rt));
    if (survivors.length > 0) rt.emit({ type: 'GcResurrected', ids: survivors.map((obj) => obj.id) });
  }

  // GC-A13: delete_garbage. m counts final_unreachable before clearing, plus the
  // weakrefs that died right after their callback.
  const m = gc.lists[UNREACHABLE_LIST].length + weakrefs.numFreed;
  deleteGarbage(rt, old);

  // GC-A14: DEBUG_UNCOLLECTABLE would list the uncollectable objects (none); the done line.
  if ((debug & DEBUG_STATS) !== 0) print(`gc: done, ${m + n} unreachable, ${n} uncollectable, 0.0000s elapsed`);

  // GC-A15: nothing to do (no legacy finalizers). GC-A16: a full collection empties the
  // free lists (freelists.ts). GC-A17: statistics.
  if (g === 2) rt.clearFreeLists(); // GC-A16, FL-3 (freelists.ts)
  rt.emit({ type: 'GcFinished', generation: g, collected: m, uncollectable: n });
  return { collected: m, uncollectable: n };
}

/** `<TYPENAME 0xADDRESS>` as debug_cycle prints it (`%p`). */
const describe = (obj: HeapObject): string => `<${obj.pyType} 0x${obj.addr.toString(16)}>`;

const isExact = (obj: HeapObject, type: 'tuple' | 'dict'): boolean => obj.kind === type && obj.pyType === type;

/** No item (tuple) or key/value (dict) may be tracked: _PyTuple_MaybeUntrack, _PyDict_MaybeUntrack. */
function holdsNothingTrackable(state: HeapState, obj: HeapObject): boolean {
  for (const r of obj.refs) if (r !== undefined && mayBeTracked(state, r.to)) return false;
  return true;
}

/** `_PyObject_GC_MAY_BE_TRACKED`: a GC object that is not an exact tuple, or a tracked tuple. */
export function mayBeTracked(state: HeapState, id: ObjectId): boolean {
  const obj = state.objects[id];
  if (obj === undefined || !obj.gcType) return false;
  if (isExact(obj, 'tuple')) return obj.gen !== NOT_TRACKED;
  return true;
}

// ---------------------------------------------------------------------------------
// GC-A10: handle_weakrefs.

/**
 * Clear every weakref to an unreachable object (and every unreachable weakref) before
 * any Python code runs; then call the callbacks of the cleared weakrefs that are not
 * garbage themselves, each held by a temporary reference: if it is still alive after
 * its callback it moves to `old`, else it counts in num_freed.
 */
function handleWeakrefs(
  rt: Runtime,
  unreachable: readonly ObjectId[],
  old: Generation,
): { numFreed: number; called: boolean } {
  const state = rt.state;
  const table = state.weakrefs;
  if (table === undefined) return { numFreed: 0, called: false };
  const toCall: ObjectId[] = [];
  for (const op of unreachable) {
    // A weakref that is garbage is cleared: its callback must never run.
    const own = Object.hasOwn(table.referent, op) ? table.referent[op] : undefined;
    if (own !== undefined && own !== NO_OBJECT) {
      rt.emit({ type: 'GcWeakrefCleared', weakref: op, referent: own as ObjectId, callback: false });
    }
    const list = Object.hasOwn(table.list, op) ? table.list[op] : undefined;
    if (list === undefined) continue;
    for (const wr of [...list]) {
      const due = weakrefCallback(state, wr) !== undefined && rt.object(wr).gen !== UNREACHABLE_LIST;
      rt.emit({ type: 'GcWeakrefCleared', weakref: wr, referent: op, callback: due });
      if (due) {
        rt.incref(wr, GC_TEMP);
        toCall.push(wr);
      }
    }
  }
  let numFreed = 0;
  for (const wr of toCall) {
    const callback = weakrefCallback(state, wr);
    if (callback !== undefined) runWeakrefCallback(rt, wr, callback);
    rt.decref(wr, GC_TEMP);
    if (rt.isAlive(wr)) rt.emit({ type: 'GcObjectsMoved', ids: [wr], to: old });
    else numFreed += 1;
  }
  return { numFreed, called: toCall.length > 0 };
}

// ---------------------------------------------------------------------------------
// GC-A11: finalize_garbage.

/**
 * `__del__` of every unreachable object that has one and has not run it, in list order.
 * An object that left the unreachable list meanwhile (freed by a finalizer breaking its
 * cycle, or resurrected by its own dealloc) is skipped. Returns whether any ran.
 */
function finalizeGarbage(rt: Runtime, unreachable: readonly ObjectId[]): boolean {
  let ran = false;
  const objects = rt.state.objects;
  for (const id of unreachable) {
    const obj = objects[id]; // undefined once freed (ids are never reused)
    if (obj === undefined || obj.gen !== UNREACHABLE_LIST || obj.finalized || !mayHaveFinalizer(obj.kind)) continue;
    if (!rt.hooks.hasFinalizer(id)) continue;
    ran = true;
    rt.incref(id, GC_TEMP);
    rt.emit({ type: 'GcFinalizerRun', id });
    rt.hooks.runFinalizer(id);
    rt.decref(id, GC_TEMP);
  }
  return ran;
}

/** Instances (the kinds whose dealloc is subtype_dealloc) are the ones whose type may define `__del__`. */
let lastKind = '';
let lastMayHaveFinalizer = false;
function mayHaveFinalizer(kind: string): boolean {
  if (kind !== lastKind) {
    lastKind = kind;
    lastMayHaveFinalizer = kindInfo(kind).finalizer;
  }
  return lastMayHaveFinalizer;
}

// ---------------------------------------------------------------------------------
// GC-A13: delete_garbage.

/**
 * Repeatedly take the head of the unreachable list: with DEBUG_SAVEALL append it to
 * `gc.garbage`, else `tp_clear` it under a temporary reference (the refcount cascade
 * frees the cycle). If it is still the head afterwards, it lives on in `old`.
 */
function deleteGarbage(rt: Runtime, old: Generation): void {
  const state = rt.state;
  const list = state.gc.lists[UNREACHABLE_LIST];
  const saveAll = (state.gc.debug & DEBUG_SAVEALL) !== 0;
  for (let head = list.head; head !== NO_OBJECT; head = list.head) {
    const id = head as ObjectId;
    const obj = rt.object(id);
    if (saveAll) {
      if (rt.hooks.saveGarbage !== undefined) rt.hooks.saveGarbage(id);
      else rt.incref(id, GC_GARBAGE_ROOT);
    } else {
      const keeps = clearKeeps(obj);
      if (keeps !== 'none') {
        rt.gcObjectCleared(id);
        rt.incref(id, GC_TEMP);
        const reverse = kindInfo(obj.kind).release === 'reverse';
        if (keeps === keepNothing) clearAll(rt, obj, reverse);
        else rt.releaseAll(id, reverse ? 'reverse' : 'forward', keeps);
        rt.decref(id, GC_TEMP);
      }
    }
    if (list.head === id) rt.emit({ type: 'GcObjectsMoved', ids: [id], to: old });
  }
}

/** tp_clear that drops everything, in the type's release order (what releaseAll does, without a filter). */
function clearAll(rt: Runtime, obj: HeapObject, reverse: boolean): void {
  const refs = obj.refs;
  const id = obj.id;
  if (reverse) {
    for (let at = refCount(refs) - 1; at >= 0; at = refCount(refs) - 1) {
      const ref = refAtPosition(refs, at) as { slot: string; to: ObjectId };
      rt.decref(ref.to, { kind: 'object', owner: id, slot: ref.slot, at });
    }
  } else {
    for (let ref = refAtPosition(refs, 0); ref !== undefined; ref = refAtPosition(refs, 0)) {
      rt.decref(ref.to, { kind: 'object', owner: id, slot: ref.slot, at: 0 });
    }
  }
}

const keepClass = (slot: string): boolean => slot === '__class__';
const keepFunctionCode = (slot: string): boolean =>
  slot === '__code__' || slot === '__name__' || slot === '__qualname__';
const keepNothing = (): boolean => false;

/**
 * Which references `tp_clear` keeps: tuples and bound methods have no tp_clear;
 * subtype_clear keeps the class; func_clear keeps code, name and qualname; list_clear,
 * dict_tp_clear, set_clear, cell_clear, gc_clear (weakref: its callback) drop all.
 */
function clearKeeps(obj: HeapObject): ((slot: string) => boolean) | 'none' {
  switch (obj.kind) {
    case 'tuple':
    case 'method':
      return 'none';
    case 'instance':
    case 'slotted':
    case 'exception':
      return keepClass;
    case 'function':
      return keepFunctionCode;
    default:
      return keepNothing;
  }
}

// ---------------------------------------------------------------------------------
// GC-A4..A6: deduce_unreachable.

const COLLECTING = 1;
const TENTATIVELY_UNREACHABLE = 2;

/**
 * How move_unreachable visits a member's references (tp_traverse order, GC-M7): its
 * copied references last to first (lists, tuples) or first to last (most other kinds),
 * or, for the kinds whose order is not one of those (dicts: value, then key; instances:
 * the class last), through `visitReferents` on the object itself.
 */
const VISIT_EDGES_REVERSE = 0;
const VISIT_EDGES_FORWARD = 1;
const VISIT_OBJECT = 2;

function visitOrder(kind: string): number {
  const release = kindInfo(kind).release;
  if (release === 'reverse') return VISIT_EDGES_REVERSE;
  return release === 'forward' && kind !== 'dict' ? VISIT_EDGES_FORWARD : VISIT_OBJECT;
}

/**
 * Scratch of a collection: by object id, gc_refs, the COLLECTING / tentatively
 * unreachable flags (what CPython keeps in `_gc_prev` and the low bit of `_gc_next`)
 * and the member's position in the list examined; by position, the member's id, the
 * end of its references in `edges` and its visit order; and `edges`, the targets of the
 * members' references, member after member, in the order held.
 *
 * Not heap state: the flags are all clear between collections, and the rest is only read
 * where the flags say it was written. One per runtime, grown as ids and lists grow (and
 * never shrunk), so a collection costs time in proportion to what it examines.
 */
class Scratch {
  refs = new Int32Array(0);
  flags = new Uint8Array(0);
  position = new Int32Array(0);
  ids = new Int32Array(0);
  ends = new Int32Array(0);
  order = new Uint8Array(0);
  edges = new Int32Array(0);

  /** Room for ids up to `maxId` and for `members` members. */
  fit(maxId: number, members: number): void {
    if (maxId >= this.flags.length) {
      const size = Math.max(maxId + 1, 2 * this.flags.length, 1024);
      this.refs = new Int32Array(size);
      this.flags = new Uint8Array(size);
      this.position = new Int32Array(size);
    }
    if (members > this.ids.length) {
      const size = Math.max(members, 2 * this.ids.length, 1024);
      this.ids = new Int32Array(size);
      this.ends = new Int32Array(size);
      this.order = new Uint8Array(size);
    }
    // A first guess of one reference per member (containers hold some) saves regrowing
    // `edges` a dozen times in the first large collection.
    if (members > this.edges.length) this.edges = new Int32Array(Math.max(members, 2 * this.edges.length));
  }

  /** `edges` with room for `needed` entries, the first `used` kept. */
  growEdges(used: number, needed: number): Int32Array {
    const grown = new Int32Array(Math.max(needed, 2 * this.edges.length, 4096));
    grown.set(this.edges.subarray(0, used));
    this.edges = grown;
    return grown;
  }
}

const scratches = new WeakMap<Runtime, Scratch>();

function scratchOf(rt: Runtime): Scratch {
  let s = scratches.get(rt);
  if (s === undefined) {
    s = new Scratch();
    scratches.set(rt, s);
  }
  return s;
}

interface Deduced {
  /**
   * The garbage, in list order (objects enter it only during the first pass over `base`):
   * ids, which later steps look up (an id is never reused, so a freed one reads undefined).
   */
  readonly unreachable: ObjectId[];
  /** Objects first found tentatively unreachable, then moved back to the tail, in that order. */
  readonly revived: ObjectId[];
  /** `base` after move_unreachable: never-tentative objects in order, then the revived ones. */
  readonly survivors: HeapObject[];
  /** Some member is an instance, whose class may define `__del__`. */
  readonly mayFinalize: boolean;
}

/**
 * deduce_unreachable(base): which objects of the list `list` (head to tail) are
 * reachable from outside it. Also used by handle_resurrected_objects with the
 * unreachable list. Reads the state only; the caller emits what it found.
 *
 * The heap objects are read once, by update_refs, which also copies the targets of
 * their references into `scratch.edges`: subtract_refs and move_unreachable then read
 * typed arrays only (on a large heap each pass over the objects themselves is mostly
 * cache misses), except for the members whose visit order needs the object.
 */
function deduceUnreachable(state: HeapState, list: GcListIndex, scratch: Scratch): Deduced {
  const objects = state.objects;
  const size = state.gc.lists[list].length;
  scratch.fit(state.allocated, size);
  const { refs, flags, position, ids, ends, order } = scratch;
  let edges: Int32Array = scratch.edges;

  // update_refs, while walking the list: gc_refs = refcount; every member is COLLECTING.
  // Member i's references are edges[ends[i - 1] .. ends[i]) (from 0 for the first).
  let n = 0;
  let e = 0;
  let mayFinalize = false;
  for (let cur = state.gc.lists[list].head; cur !== NO_OBJECT;) {
    const obj = objects[cur];
    if (obj === undefined || n >= size) throw new Defect(`gc list ${list} is broken at #${cur}`);
    ids[n] = cur;
    position[cur] = n;
    refs[cur] = obj.refcount;
    flags[cur] = COLLECTING;
    const out = obj.refs;
    const count = out.length;
    if (e + count > edges.length) edges = scratch.growEdges(e, e + count);
    for (let j = 0; j < count; j++) {
      const r = out[j];
      if (r !== undefined) edges[e++] = r.to;
    }
    ends[n] = e;
    const kind = obj.kind;
    order[n] = visitOrder(kind);
    if (!mayFinalize && mayHaveFinalizer(kind)) mayFinalize = true;
    n += 1;
    cur = obj.gcNext;
  }
  if (n !== size) throw new Defect(`gc list ${list} has ${n} members, not ${size}`);

  // subtract_refs: references from inside the set do not count. Visiting every held
  // reference is tp_traverse as far as GC objects go (only keys that are strs are skipped
  // by a str-keyed dict's traverse, and strs are never members).
  for (let k = 0; k < e; k++) {
    const to = edges[k] as number;
    if ((flags[to] as number) & COLLECTING) refs[to] = (refs[to] as number) - 1;
  }

  // move_unreachable: one cursor over base; revived objects are appended to its tail.
  // Invariant: everything left of the cursor is reachable and no longer COLLECTING.
  const survivors: HeapObject[] = [];
  const revived: ObjectId[] = [];
  const visitReachable = (to: ObjectId): void => {
    const f = flags[to] as number;
    if ((f & COLLECTING) === 0) return; // outside the set, or already scanned
    if ((f & TENTATIVELY_UNREACHABLE) !== 0) {
      flags[to] = COLLECTING;
      refs[to] = 1;
      revived.push(to);
    } else if (refs[to] === 0) {
      refs[to] = 1;
    }
  };
  // visit_reachable over member i's referents, in tp_traverse order.
  const visitMember = (i: number): void => {
    const from = i === 0 ? 0 : (ends[i - 1] as number);
    const to = ends[i] as number;
    if (from === to) return;
    switch (order[i]) {
      case VISIT_EDGES_REVERSE:
        for (let k = to - 1; k >= from; k--) visitReachable(edges[k] as ObjectId);
        return;
      case VISIT_EDGES_FORWARD:
        for (let k = from; k < to; k++) visitReachable(edges[k] as ObjectId);
        return;
      default:
        visitReferents(objects[ids[i] as number] as HeapObject, visitReachable);
    }
  };
  let tentative = 0;
  for (let i = 0; i < size; i++) {
    const id = ids[i] as number;
    if ((refs[id] as number) > 0) {
      survivors.push(objects[id] as HeapObject);
      visitMember(i);
      flags[id] = 0;
    } else {
      flags[id] = COLLECTING | TENTATIVELY_UNREACHABLE;
      tentative += 1;
    }
  }
  for (let r = 0; r < revived.length; r++) {
    const id = revived[r] as ObjectId;
    survivors.push(objects[id] as HeapObject);
    visitMember(position[id] as number);
    flags[id] = 0;
  }

  // Objects entered `unreachable` in base order and the revived ones left it.
  const unreachable = new Array<ObjectId>(tentative - revived.length);
  let k = 0;
  for (let i = 0; i < size; i++) {
    const id = ids[i] as number;
    if ((flags[id] as number) & TENTATIVELY_UNREACHABLE) unreachable[k++] = id as ObjectId;
    flags[id] = 0;
  }
  return { unreachable, revived, survivors, mayFinalize };
}

// ---------------------------------------------------------------------------------
// tp_traverse.

/**
 * Call `visit` on each object `tp_traverse` visits, in its order (GC-M7): list and tuple
 * items last to first; dict entries value then key (values only when `skipKeys`, a table
 * of str keys); an instance's attributes then its class; everything else in the order
 * held (a weakref: its callback, never its referent).
 */
export function visitReferents(obj: HeapObject, visit: (to: ObjectId) => void, skipKeys = false): void {
  const refs = obj.refs;
  switch (kindInfo(obj.kind).release) {
    case 'reverse':
      for (let i = refs.length - 1; i >= 0; i--) {
        const r = refs[i];
        if (r !== undefined) visit(r.to);
      }
      return;
    case 'classLast': {
      let cls: ObjectId | undefined;
      for (const r of refs) {
        if (r === undefined) continue;
        if (r.slot === '__class__') cls = r.to;
        else visit(r.to);
      }
      if (cls !== undefined) visit(cls);
      return;
    }
    case 'forward': {
      if (obj.kind !== 'dict') {
        for (const r of refs) if (r !== undefined) visit(r.to);
        return;
      }
      // dict_traverse: per entry the value, then the key.
      let key: ObjectId | undefined;
      for (const r of refs) {
        if (r === undefined) continue;
        if (r.slot === 'key') {
          if (key !== undefined && !skipKeys) visit(key);
          key = r.to;
        } else {
          visit(r.to);
          if (key !== undefined && !skipKeys) visit(key);
          key = undefined;
        }
      }
      if (key !== undefined && !skipKeys) visit(key);
      return;
    }
  }
}

/** The referents `tp_traverse` visits, in its order (GC-M7; gcApi.ts has the str-key rule). */
export function traverse(obj: HeapObject): ObjectId[] {
  const out: ObjectId[] = [];
  visitReferents(obj, (to) => out.push(to));
  return out;
}
