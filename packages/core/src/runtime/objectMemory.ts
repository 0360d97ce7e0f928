/*
 * Object memory: which allocator each allocation goes through
 * ============================================================
 * Every simulated allocation goes where CPython 3.11 sends it (PM-12, PM-13): an
 * object's own block (its GC header and managed-dict pre-header included) comes from
 * its type's free list or from PyObject_Malloc; a separate buffer (a list's item array,
 * a dict's keys table, a set's table beyond 8 slots, an instance's values array) from
 * PyMem_Malloc or PyObject_Malloc, which share pymalloc's pools in this build; both fall
 * through to the system allocator for 0 or > 512 bytes. Static objects (None, small
 * ints, static types...) are in the binary and take no memory.
 *
 * Source: Modules/gcmodule.c (gc_alloc, PyObject_GC_Del), Objects/object.c
 * (_PyObject_New), listobject.c (list_resize, list_dealloc), dictobject.c
 * (new_keys_object, dictresize, free_keys_object, dict_dealloc), setobject.c
 * (set_table_resize, set_dealloc), typeobject.c (_PyType_PreHeaderSize, subtype_dealloc).
 *
 * Read first: placeObject(), releaseObjectMemory(), setBuffer().
 *
 * Vocabulary:
 *   block     what the allocator hands out; `id(x)` is the block address plus the
 *             pre-header: 16 for a GC type (PyGC_Head), 32 for an instance of an
 *             ordinary class (values and dict pointers, then PyGC_Head; OBJ-3).
 *   buffer    a named block owned by an object, set with setBuffer(owner, name, bytes):
 *             the first call allocates, a new size resizes, 0 frees.
 *
 *   buffer   resized by                                  CPython
 *   items    realloc, PM-10 (kept if n <= s, 4n > 3s)     list_resize: PyMem_Realloc
 *   keys     new block, then the old one freed            dictresize: new_keys_object, free_keys_object
 *   table    new block, then the old one freed            set_table_resize: PyMem_NEW, PyMem_Free
 *   values   new block, then the old one freed            (3.11 never resizes a values array)
 *
 * Invariants: a buffer's owner is alive; an object's buffers are released in its
 * dealloc after what it holds and before its own block (list_dealloc frees the item
 * array, then parks or frees the list).
 *
 * Worked example: `l = []; l.append(1)` allocates the 56-byte list (block +16 is id(l))
 * and then `items` of 32 bytes (capacity 4); appending a 5th item grows it to 64
 * bytes: a 32-byte block cannot hold 64, so a new block is taken and the old freed;
 * popping back to 1 item shrinks the capacity to 4 (32 bytes): 32 <= 64 but
 * 4 * 32 <= 3 * 64, so that is a new block too.
 *
 * Simplifications: a dict keys table of a presized dict is allocated after the dict
 * object (CPython builds it first); a list emptied by list_resize(0) frees its array
 * (CPython reallocates it to 0 bytes, a system block invisible to pymalloc's report).
 */
import { Defect } from '../errors.js';
import type { ObjectId } from '../events.js';
import { getBuffer, isStaticAddress, staticAddress, type BufferState } from '../memory.js';
import type { HeapObject } from '../state.js';
import { freelistForDead, freelistForNew, hasRoom, isFreelistKeysTable, topOf } from './freelists.js';
import { free, freeBlock, mallocFor, realloc } from './pymalloc.js';
import type { ObjectSpec, Runtime } from './runtime.js';
import { GC_HEADER, MANAGED_DICT_PREHEADER } from './sizes.js';

/** Buffers CPython resizes with PyMem_Realloc (the others get a new block, then the old is freed). */
export const REALLOCATED_BUFFERS: ReadonlySet<string> = new Set(['items']);

/** `_PyType_PreHeaderSize`: bytes of the block before the PyObject (what id() points at). */
export const preHeaderSize = (kind: string, gc: boolean): number =>
  (gc ? GC_HEADER : 0) + (kind === 'instance' ? MANAGED_DICT_PREHEADER : 0);

/** The block an object occupies (its address minus the pre-header). */
export const blockOf = (obj: HeapObject): number => obj.addr - preHeaderSize(obj.kind, obj.gcType);

/** Static objects: explicitly, or (by default) those given a `base` count (RC-8, RC-9). */
export const isStaticSpec = (spec: ObjectSpec): boolean => spec.static ?? spec.base !== undefined;

/**
 * Whether the last `placeObject` took its block from a free list (read right after the
 * call: returned this way rather than in a result object, one fewer allocation per object).
 */
export let placedFromFreelist = false;

/**
 * Where a new object's memory comes from (Case 1 static, Case 2 free list, Case 3 the
 * allocator); emits the memory events and returns the object's address (and sets
 * `placedFromFreelist`). Runs before its ObjectAllocated.
 */
export function placeObject(rt: Runtime, spec: ObjectSpec, id: ObjectId, gc: boolean): number {
  placedFromFreelist = false;
  // Case 1.
  if (isStaticSpec(spec)) return staticAddress(id);
  const kind = spec.kind;
  const pre = preHeaderSize(kind, gc);
  const bytes = spec.alloc ?? spec.size;
  // Case 2 (FL-2): `fromFreelist: false` is tp_alloc (`list()`, `dict()`), which skips the list.
  const list = spec.fromFreelist === false ? undefined : freelistForNew(spec.pyType, kind, bytes, spec.items);
  const top = list === undefined ? undefined : topOf(rt.state.memory, list);
  if (list !== undefined && top !== undefined) {
    rt.freelist('FreelistPopped', list, top, id);
    placedFromFreelist = true;
    return top + pre;
  }
  // Case 3: PyObject_Malloc (GC types through gc_alloc: pre-header included).
  return mallocFor(rt, bytes, id, undefined) + pre;
}

/**
 * The end of a dealloc: the object's buffers are released, then the object (ObjectFreed)
 * and its block, which is parked on its type's free list while there is room, else freed.
 */
export function releaseObjectMemory(rt: Runtime, obj: HeapObject): void {
  const id = obj.id;
  const bufs = rt.state.memory.buffers[id];
  if (bufs !== undefined) for (const name of Object.keys(bufs)) setBuffer(rt, id, name, 0);
  if (isStaticAddress(obj.addr)) {
    rt.objectFreed(id, 'static');
    return;
  }
  const block = blockOf(obj);
  const list = freelistForDead(obj);
  if (list !== undefined && hasRoom(rt.state.memory, list)) {
    rt.objectFreed(id, 'freelist');
    rt.freelist('FreelistPushed', list, block, id);
    return;
  }
  rt.objectFreed(id, 'allocator');
  freeBlock(rt, block, obj.alloc, id, undefined);
}

/** Allocate, resize (bytes > 0) or free (bytes 0) the buffer `name` of a live object. */
export function setBuffer(rt: Runtime, owner: ObjectId, name: string, bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new Defect(`buffer ${name} of #${owner}: ${bytes} is not a byte count`);
  const old = getBuffer(rt.state.memory, owner, name);
  if (old === undefined) {
    if (bytes > 0) allocateBuffer(rt, owner, name, bytes);
    return;
  }
  if (bytes === 0) {
    releaseBuffer(rt, owner, name, old);
    return;
  }
  if (bytes === old.size) return;
  if (REALLOCATED_BUFFERS.has(name)) {
    realloc(rt, old.addr, old.size, bytes, { owner, buffer: name });
    return;
  }
  const previous = { addr: old.addr, size: old.size };
  allocateBuffer(rt, owner, name, bytes);
  releaseBuffer(rt, owner, name, previous);
}

function allocateBuffer(rt: Runtime, owner: ObjectId, name: string, bytes: number): void {
  // new_keys_object: a size-8 str-keys table comes from the keys free list first.
  if (isFreelistKeysTable(name, bytes)) {
    const top = topOf(rt.state.memory, 'dictkeys');
    if (top !== undefined) {
      rt.freelist('FreelistPopped', 'dictkeys', top, owner, name);
      return;
    }
  }
  mallocFor(rt, bytes, owner, name);
}

function releaseBuffer(rt: Runtime, owner: ObjectId, name: string, buf: Readonly<BufferState>): void {
  // free_keys_object: a size-8 str-keys table is parked while the keys free list has room.
  if (isFreelistKeysTable(name, buf.size) && hasRoom(rt.state.memory, 'dictkeys')) {
    rt.freelist('FreelistPushed', 'dictkeys', buf.addr, owner, name);
    return;
  }
  free(rt, buf.addr, buf.size, { owner, buffer: name });
}
