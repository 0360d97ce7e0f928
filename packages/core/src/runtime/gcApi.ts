/*
 * The gc module's readers
 * =======================
 * What `gc.get_count()`, `gc.get_threshold()`, `gc.isenabled()`, `gc.get_debug()`,
 * `gc.get_stats()`, `gc.is_tracked()`, `gc.is_finalized()`, `gc.get_objects()`,
 * `gc.get_referents()`, `gc.get_referrers()` and `gc.get_freeze_count()` report, as pure
 * functions of a heap state. The operations that change state (`collect`, `freeze`,
 * `set_threshold` ...) are Runtime methods (runtime.ts, gc.ts).
 *
 * Source: Modules/gcmodule.c (3.11): gc_get_count_impl, gc_get_threshold_impl,
 * gc_get_stats_impl, gc_is_tracked, gc_is_finalized, gc_get_objects_impl, append_objects,
 * gc_get_referents, gc_get_referrers, gc_referrers_for, gc_get_freeze_count_impl;
 * tp_traverse of list, tuple, dict (dict_traverse), instances (subtype_traverse).
 *
 * Read first: `referentsOf` (the traversal order everything else uses).
 *
 * Traversal order (GC-M7), what `get_referents` lists:
 *
 *   list, tuple        items last to first          [1, 'a', [2]]  -> [[2], 'a', 1]
 *   dict               per entry value, then key     {'a': 1, 2: 'b'} -> [1, 'a', 'b', 2]
 *   dict, str keys     values only                   {'a': 1, 'b': [2]} -> [1, [2]]
 *   instance           attribute values, then class  [5, [1], <class A>]
 *   weakref            its callback (never its referent)
 *   other containers   in the order their references are held
 *
 * Whether a dict's table holds only str keys (`DK_IS_UNICODE`) depends on its history in
 * CPython (a table stays general after its last non-str key is deleted); by default it is
 * decided from the keys now present (all of type `str`), and a caller that knows better
 * passes `isUnicodeTable`.
 *
 * Simplifications: the interpreter raises the Python errors (ValueError for a generation
 * outside 0..2) before calling these; `exclude` stands for the objects CPython skips
 * itself (the result list, the argument tuple of get_referrers).
 */
import type { ObjectId } from '../events.js';
import {
  NO_OBJECT,
  NOT_TRACKED,
  PERMANENT_GENERATION,
  type GcGenerationStats,
  type HeapObject,
  type HeapState,
} from '../state.js';
import { visitReferents, type Generation } from './gc.js';

export interface TraverseOptions {
  /** The dict's table is a str-keys table (DK_IS_UNICODE): its traverse visits values only. */
  readonly isUnicodeTable?: (dict: HeapObject) => boolean;
}

/** A dict table is unicode when every key now present is an exact `str`. */
export function hasOnlyStrKeys(state: HeapState, dict: HeapObject): boolean {
  for (const r of dict.refs) {
    if (r !== undefined && r.slot === 'key' && state.objects[r.to]?.pyType !== 'str') return false;
  }
  return true;
}

/** The objects `tp_traverse` of `obj` visits, in its order (GC-M7). Non-GC objects visit nothing. */
export function referentsOf(state: HeapState, obj: HeapObject, options: TraverseOptions = {}): ObjectId[] {
  const out: ObjectId[] = [];
  if (!obj.gcType) return out;
  const skipKeys =
    obj.kind === 'dict' && (options.isUnicodeTable ? options.isUnicodeTable(obj) : hasOnlyStrKeys(state, obj));
  visitReferents(obj, (to) => out.push(to), skipKeys);
  return out;
}

/** `gc.get_referents(*objs)`: the referents of each GC argument, in argument then traversal order. */
export function getReferents(state: HeapState, ids: readonly ObjectId[], options: TraverseOptions = {}): ObjectId[] {
  const out: ObjectId[] = [];
  for (const id of ids) {
    const obj = state.objects[id];
    if (obj !== undefined) out.push(...referentsOf(state, obj, options));
  }
  return out;
}

/**
 * `gc.get_referrers(*objs)`: the tracked objects of generations 0, 1, 2 (list order;
 * neither frozen objects nor untracked containers) whose traverse visits one of `ids`,
 * each once. `exclude`: objects to skip (CPython skips the argument tuple and the result).
 */
export function getReferrers(
  state: HeapState,
  ids: readonly ObjectId[],
  exclude: readonly ObjectId[] = [],
  options: TraverseOptions = {},
): ObjectId[] {
  const wanted = new Set<number>(ids);
  const skip = new Set<number>(exclude);
  const out: ObjectId[] = [];
  for (let g = 0; g < 3; g++) {
    for (let cur = state.gc.lists[g as Generation].head; cur !== NO_OBJECT;) {
      const obj = state.objects[cur];
      if (obj === undefined) break;
      if (!skip.has(cur) && referentsOf(state, obj, options).some((to) => wanted.has(to))) out.push(obj.id);
      cur = obj.gcNext;
    }
  }
  return out;
}

/**
 * `gc.get_objects(generation=None)`: the tracked objects of one generation, or of 0, 1
 * and 2 in that order, in list order; frozen objects are not included (GC-M6).
 */
export function getObjects(state: HeapState, generation?: Generation, exclude: readonly ObjectId[] = []): ObjectId[] {
  const skip = new Set<number>(exclude);
  const out: ObjectId[] = [];
  for (const g of generation === undefined ? ([0, 1, 2] as const) : [generation]) {
    for (let cur = state.gc.lists[g].head; cur !== NO_OBJECT;) {
      const obj = state.objects[cur];
      if (obj === undefined) break;
      if (!skip.has(cur)) out.push(obj.id);
      cur = obj.gcNext;
    }
  }
  return out;
}

/** `gc.is_tracked(o)`: a GC object linked into a generation (the permanent one included). */
export function isTracked(state: HeapState, id: ObjectId): boolean {
  const obj = state.objects[id];
  return obj !== undefined && obj.gcType && obj.gen !== NOT_TRACKED;
}

/** `gc.is_finalized(o)`: the PEP 442 FINALIZED bit of a GC object (False for non-GC objects). */
export function isFinalized(state: HeapState, id: ObjectId): boolean {
  const obj = state.objects[id];
  return obj !== undefined && obj.gcType && obj.finalized;
}

/** `gc.get_count()` (GC-M1). */
export const getCount = (state: HeapState): [number, number, number] => [...state.gc.counts];

/** `gc.get_threshold()` (GC-M1). */
export const getThreshold = (state: HeapState): [number, number, number] => [...state.gc.thresholds];

/** `gc.isenabled()` (GC-M10). */
export const isEnabled = (state: HeapState): boolean => state.gc.enabled;

/** `gc.get_debug()` (GC-M4). */
export const getDebug = (state: HeapState): number => state.gc.debug;

/** `gc.get_stats()`: per generation, what its collections found so far (GC-M2, GC-A17). */
export const getStats = (state: HeapState): GcGenerationStats[] => state.gc.stats.map((s) => ({ ...s }));

/** `gc.get_freeze_count()`: the size of the permanent generation (GC-M9). */
export const getFreezeCount = (state: HeapState): number => state.gc.lists[PERMANENT_GENERATION].length;
