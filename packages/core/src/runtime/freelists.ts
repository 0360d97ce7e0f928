/*
 * Per-type free lists (3.11)
 * ==========================
 * Some types keep the memory of their dead objects to skip the allocator next time:
 * a dealloc parks the object's block on its type's free list (while there is room),
 * and the next creation of that type takes the most recently parked block back. A
 * parked block stays "in use" for pymalloc (FL-1); taking one does not go through the
 * GC allocator, so it does not count in gc count[0] (FL-2, GC-C1), and parking does
 * not uncount (GC-C2). A full collection empties every list (GC-A16, FL-3).
 *
 * Source: Objects/floatobject.c (PyFloat_FromDouble, float_dealloc,
 * _PyFloat_ClearFreeList), tupleobject.c (tuple_alloc, maybe_freelist_pop,
 * maybe_freelist_push, maybe_freelist_clear), listobject.c (PyList_New,
 * list_dealloc, _PyList_ClearFreeList), dictobject.c (new_dict, dict_dealloc,
 * new_keys_object, free_keys_object, _PyDict_ClearFreeList), Modules/gcmodule.c
 * (clear_freelists).
 *
 * Read first: freelistForNew(), freelistForDead(), then clearFreeLists().
 *
 *   list         holds                                  cap   taken by              parked by
 *   float        24-byte float objects                  100   PyFloat_FromDouble    float_dealloc (exact float)
 *   tuple1..20   whole n-tuple blocks (GC header incl.) 2000  tuple_alloc, n < 20   tupledealloc (exact, 1..20)
 *   list         56-byte list objects (no item array)    80   PyList_New            list_dealloc (exact list)
 *   dict         64-byte dict objects                    80   new_dict              dict_dealloc (exact dict)
 *   dictkeys     120-byte size-8 str-keys tables         80   new_keys_object       free_keys_object
 *
 * Invariants: a list never holds more than its capacity; every parked block is a
 * block in use that no live object or buffer owns (checked by checkMemoryInvariants
 * and the pymalloc property tests).
 *
 * Worked example (FL-2, GC-C2 measured): creating 200 empty lists and dropping them
 * parks 80 and frees 120 (count[0] goes down by 120); creating 200 again takes the 80
 * parked ones first, last parked first (count[0] goes up by 120 only).
 *
 * Simplifications: 20-tuples are parked but never taken back, as in 3.11.7
 * (maybe_freelist_pop tests `size < PyTuple_MAXSAVESIZE` while maybe_freelist_push
 * accepts index < 20: measured, `30 free 20-sized PyTupleObjects` after 30 creations);
 * the async-generator and context free lists are not modelled.
 */
import type { HeapObject } from '../state.js';
import {
  DICT_KEYS_MINSIZE_UNICODE_BYTES,
  FREELISTS,
  FREELIST_CLEAR_ORDER,
  MAX_TUPLE_FREELIST_SIZE,
  type MemoryState,
} from '../memory.js';
import { tupleSize } from './sizes.js';
import { free } from './pymalloc.js';
import type { Runtime } from './runtime.js';

/** `tuple1` ... `tuple20` by length (made once: a tuple's every allocation and dealloc asks). */
const TUPLE_LISTS: readonly string[] = Array.from({ length: MAX_TUPLE_FREELIST_SIZE + 1 }, (_, n) => `tuple${n}`);

/** The tuple length for a tuple of `bytes` (OBJ-7: 40 + 8n). */
const tupleLength = (bytes: number): number => (bytes - tupleSize(0)) / 8;

/** What a new object's type takes from (the spec's exact Python type decides, as `Py*_CheckExact`). */
export function freelistForNew(pyType: string, kind: string, bytes: number, items?: number): string | undefined {
  if (pyType !== kind) return undefined; // subclasses are allocated by tp_alloc
  switch (kind) {
    case 'float':
      return 'float';
    case 'list':
      return 'list';
    case 'dict':
      return 'dict';
    case 'tuple': {
      const n = items ?? tupleLength(bytes);
      // maybe_freelist_pop: 1 <= n < PyTuple_MAXSAVESIZE (20 is pushed, never popped in 3.11).
      return Number.isInteger(n) && n >= 1 && n < MAX_TUPLE_FREELIST_SIZE ? TUPLE_LISTS[n] : undefined;
    }
    default:
      return undefined;
  }
}

/** Where a dead object's block may be parked (its type's dealloc), before the capacity check. */
export function freelistForDead(obj: HeapObject): string | undefined {
  if (obj.pyType !== obj.kind) return undefined;
  switch (obj.kind) {
    case 'float':
      return 'float';
    case 'list':
      return 'list';
    case 'dict':
      return 'dict';
    case 'tuple': {
      const n = tupleLength(obj.alloc);
      return Number.isInteger(n) && n >= 1 && n <= MAX_TUPLE_FREELIST_SIZE ? TUPLE_LISTS[n] : undefined;
    }
    default:
      return undefined;
  }
}

/** A dict keys table that the keys free list serves: size 8, str keys only (DK_IS_UNICODE). */
export const isFreelistKeysTable = (name: string, bytes: number): boolean =>
  name === 'keys' && bytes === DICT_KEYS_MINSIZE_UNICODE_BYTES;

export const hasRoom = (mem: MemoryState, list: string): boolean =>
  (mem.freelists[list]?.length ?? 0) < (FREELISTS[list]?.capacity ?? 0);

/** The block on top of a list, if any. */
export const topOf = (mem: MemoryState, list: string): number | undefined => {
  const stack = mem.freelists[list];
  return stack === undefined ? undefined : stack[stack.length - 1];
};

/**
 * `clear_freelists` (GC-A16, FL-3): tuples 1..20, float, list, dict, then dict keys;
 * each list releases its blocks top first (PyObject_GC_Del or PyObject_Free).
 */
export function clearFreeLists(rt: Runtime): void {
  const mem = rt.state.memory;
  for (const list of FREELIST_CLEAR_ORDER) {
    const stack = mem.freelists[list];
    if (stack === undefined || stack.length === 0) continue;
    const blocks = [...stack];
    const bytes = FREELISTS[list]?.bytes ?? 0;
    rt.emit({ type: 'FreelistCleared', list });
    for (let i = blocks.length - 1; i >= 0; i--) free(rt, blocks[i] as number, bytes);
  }
}
