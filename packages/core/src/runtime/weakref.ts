/*
 * Weak references
 * ===============
 * `weakref.ref(x, callback)` makes an object (80 bytes, GC-tracked) that refers to `x`
 * without owning a reference to it; it owns a reference to its callback. When `x` dies
 * the weakref is cleared (it then reads as None) and its callback, if any, is called with
 * the weakref. `x` can die two ways, with two orders:
 *
 *   refcount death (RC-14 step 3)   in x's dealloc, after `__del__`, before x releases
 *                                   what it holds: every weakref to x is cleared, then the
 *                                   callbacks run, newest weakref first
 *                                   (PyObject_ClearWeakRefs, here `clearWeakrefsAtDealloc`);
 *   cyclic garbage (GC-A10)         the collector clears every weakref to any garbage
 *                                   before any callback or `__del__` runs, and calls only
 *                                   the callbacks of weakrefs that are not garbage
 *                                   themselves (handle_weakrefs, in gc.ts).
 *
 * Source: Objects/weakrefobject.c (weakref___new__, get_basic_refs, insert_head,
 * insert_after, clear_weakref, _PyWeakref_ClearRef, PyObject_ClearWeakRefs,
 * handle_callback, weakref_dealloc); Modules/gcmodule.c handle_weakrefs.
 *
 * Read first: `newWeakref`, then `clearWeakrefsAtDealloc`.
 *
 * Vocabulary:
 *   referent   the object a weakref refers to; NO_OBJECT once the weakref is cleared.
 *   wr_list    the referent's list of its (uncleared) weakrefs, `state.weakrefs.list[x]`.
 *   basic ref  a `weakref.ref(x)` without callback; there is at most one, at the head of
 *              the list, and `weakref.ref(x)` without callback returns it again (with a
 *              new reference) instead of making another (spec conformance case 039).
 *   callback   held by the weakref as the reference in slot `__callback__` (so
 *              tp_traverse visits it, and the collector sees it); never the referent.
 *
 * Picture: the order of x's wr_list, which is the order callbacks run at refcount death:
 *
 *   wr_list(x) = [ basic ref ] -> [ newest with callback ] -> ... -> [ oldest with callback ]
 *                  insert_head     insert_after(basic ref), or insert_head without one
 *
 * States of a weakref: live (referent set, in the referent's wr_list) -> cleared
 * (WeakrefCleared or GcWeakrefCleared: referent NO_OBJECT, out of the list) -> freed
 * (ObjectFreed drops its table entry). A weakref dealloc'd while live is cleared first.
 *
 * Invariants (checkInvariants, invariants.ts):
 *   - `referent[w] === r !== NO_OBJECT` iff `w` is in `list[r]`, exactly once;
 *   - every weakref in the table and every listed referent is alive;
 *   - lists are never empty (an emptied list is deleted).
 *
 * Worked example (the spec's RC-14 measurement): `a = A(); r = weakref.ref(a, cb); del a`
 * where A defines `__del__`:
 *   RefDecremented a -> DeallocStarted a, ObjectUntracked a, GcFinalizerRun a (`__del__`),
 *   RefMoved cb (r.__callback__ -> root weakref_callback), WeakrefCleared r,
 *   WeakrefCallbackRun r cb (`cb(r)`), RefDecremented cb, ... ObjectFreed a.
 * Hence `['__del__', 'weakref callback']`; in a collection the callback comes first.
 *
 * Three flavours share the list (`WeakrefSpec.flavor`): an exact `weakref.ref`, an
 * instance of a subclass of `ref` (KeyedRef: never reused, inserted after the basic ref
 * and basic proxy), and a proxy (`weakref.proxy(x)`: a callback-less one is reused, as the
 * basic proxy right after the basic ref). What kind of weakref a list entry is, is read
 * from its pyType (get_basic_refs checks the exact types).
 *
 * Simplifications: whether a type supports weak references (a list does not) is the
 * interpreter's check. With
 * several weakrefs, PyObject_ClearWeakRefs keeps them and their callbacks in a temporary
 * tuple; that tuple is not allocated here, its references are held by the root
 * `weakref_callback` and released in the tuple's order (last item first).
 */
import { Defect } from '../errors.js';
import type { Holder, ObjectId } from '../events.js';
import { NO_OBJECT, type HeapState } from '../state.js';
import { FIXED_SIZES } from './sizes.js';
import type { Runtime } from './runtime.js';

/** `tp_name` of `weakref.ref` objects in 3.11 (gh-79512): what DEBUG_COLLECTABLE prints. */
export const WEAKREF_TYPE_NAME = 'weakref.ReferenceType';
/** `tp_name` of the proxy types. */
export const PROXY_TYPE_NAMES: readonly string[] = ['weakref.ProxyType', 'weakref.CallableProxyType'];

/** What kind of weak reference object to make (default: an exact `weakref.ref`). */
export interface WeakrefSpec {
  /** 'ref': an exact weakref.ref; 'subclass': an instance of a subclass of ref; 'proxy': a proxy. */
  readonly flavor: 'ref' | 'subclass' | 'proxy';
  /** The new object's type name and size (a subclass's instances are larger). */
  readonly pyType?: string;
  readonly size?: number;
}
/** The slot of a weakref's reference to its callback. */
export const CALLBACK_SLOT = '__callback__';
/** Who holds the weakrefs and callbacks of PyObject_ClearWeakRefs while the callbacks run. */
const CALLBACK_TEMP: Holder = { kind: 'root', name: 'weakref_callback' };

/** What the interpreter supplies for weak references. */
export interface WeakrefHooks {
  /**
   * Call `callback(weakref)` (Python code; an exception is reported as unraisable and
   * swallowed). The weakref is already cleared. Both the refcount and the collector path
   * call it; the runtime holds the references needed while it runs.
   */
  runWeakrefCallback?(callback: ObjectId, weakref: ObjectId): void;
}

// ---------------------------------------------------------------------------------
// Readers.

/** Whether `id` is a weak reference object made by `newWeakref` (cleared or not). */
export const isWeakref = (state: HeapState, id: ObjectId): boolean =>
  state.weakrefs !== undefined && Object.hasOwn(state.weakrefs.referent, id);

/** `wr()`: the referent, or undefined once the weakref is cleared (or for a non-weakref). */
export function weakrefReferent(state: HeapState, weakref: ObjectId): ObjectId | undefined {
  const table = state.weakrefs;
  if (table === undefined || !Object.hasOwn(table.referent, weakref)) return undefined;
  const r = table.referent[weakref];
  return r === undefined || r === NO_OBJECT ? undefined : (r as ObjectId);
}

/** The weakref's callback (`wr.__callback__`), while it holds one. */
export function weakrefCallback(state: HeapState, weakref: ObjectId): ObjectId | undefined {
  const obj = state.objects[weakref];
  if (obj === undefined) return undefined;
  for (const r of obj.refs) if (r !== undefined && r.slot === CALLBACK_SLOT) return r.to;
  return undefined;
}

/** `weakref.getweakrefs(x)`: the uncleared weakrefs to `x`, in wr_list order. */
export function weakrefsTo(state: HeapState, referent: ObjectId): readonly ObjectId[] {
  const table = state.weakrefs;
  if (table === undefined || !Object.hasOwn(table.list, referent)) return [];
  return table.list[referent] ?? [];
}

/** `weakref.getweakrefcount(x)`. */
export const weakrefCount = (state: HeapState, referent: ObjectId): number => weakrefsTo(state, referent).length;

// ---------------------------------------------------------------------------------
// Deciders.

/**
 * `weakref.ref(referent, callback)` (weakref___new__), a subclass's `__new__`, or
 * `weakref.proxy(referent, callback)` (PyWeakref_NewProxy), by `spec.flavor`. Without a
 * callback, an exact ref returns an existing basic ref, a proxy an existing basic proxy,
 * with a new reference owned by `holder`; otherwise a new weakref object is allocated (a
 * GC allocation, which may trigger a collection: the caller holds `referent` and
 * `callback`, its arguments, while this runs), takes a reference to the callback and is
 * inserted into the referent's wr_list: a basic ref at the head, a basic proxy after the
 * basic ref, anything else after the basic proxy or ref. Pass `undefined` for `None`.
 */
export function newWeakref(
  rt: Runtime,
  referent: ObjectId,
  callback: ObjectId | undefined,
  holder: Holder,
  spec: WeakrefSpec = { flavor: 'ref' },
): ObjectId {
  rt.object(referent); // must be alive
  if (callback === undefined && spec.flavor !== 'subclass') {
    const basic = basicRefs(rt.state, referent);
    const reuse = spec.flavor === 'ref' ? basic.ref : basic.proxy;
    if (reuse !== undefined) {
      rt.incref(reuse, holder);
      return reuse;
    }
  }
  const pyType = spec.pyType ?? WEAKREF_TYPE_NAME;
  const id = rt.allocate(
    {
      pyType,
      kind: 'weakref',
      size: spec.size ?? FIXED_SIZES.weakref,
      repr: spec.flavor === 'proxy' ? '<weakproxy>' : '<weakref>',
    },
    holder,
  );
  if (!rt.isAlive(referent)) throw new Defect(`weakref referent #${referent} died while its weakref was allocated`);
  if (callback !== undefined) rt.incref(callback, { kind: 'object', owner: id, slot: CALLBACK_SLOT });
  // The allocation may have run a collection: the basic refs are looked up again.
  const { ref, proxy } = basicRefs(rt.state, referent);
  let prev: ObjectId | undefined;
  if (spec.flavor === 'ref' && callback === undefined) prev = undefined;
  else if (spec.flavor === 'proxy' && callback === undefined) prev = ref;
  else prev = proxy ?? ref;
  const at = prev === undefined ? 0 : weakrefsTo(rt.state, referent).indexOf(prev) + 1;
  rt.emit({ type: 'WeakrefCreated', weakref: id, referent, at });
  return id;
}

/** get_basic_refs: the head of the referent's list when it is an exact ref without callback, then a callback-less proxy. */
function basicRefs(state: HeapState, referent: ObjectId): { ref: ObjectId | undefined; proxy: ObjectId | undefined } {
  const list = weakrefsTo(state, referent);
  let i = 0;
  let ref: ObjectId | undefined;
  let proxy: ObjectId | undefined;
  const head = list[0];
  if (head !== undefined && weakrefCallback(state, head) === undefined) {
    if (state.objects[head]?.pyType === WEAKREF_TYPE_NAME) {
      ref = head;
      i = 1;
    }
    const next = list[i];
    if (
      next !== undefined &&
      weakrefCallback(state, next) === undefined &&
      PROXY_TYPE_NAMES.includes(state.objects[next]?.pyType ?? '')
    )
      proxy = next;
  }
  return { ref, proxy };
}

/**
 * RC-14 step 3, run by every dealloc after untracking (and `__del__`), before the object
 * releases what it holds:
 *   Case 1. the object is a live weakref (weakref_dealloc -> clear_weakref): it leaves
 *           its referent's list; its callback is released with its other references.
 *   Case 2. the object has weakrefs (PyObject_ClearWeakRefs): all are cleared, then the
 *           callbacks are called in list order; with one weakref, its callback is taken
 *           from it and released after the call; with several, every weakref still
 *           referenced gets a temporary reference and gives up its callback, and those
 *           references are released after all the calls, the last weakref's first.
 */
export function clearWeakrefsAtDealloc(rt: Runtime, id: ObjectId): void {
  const table = rt.state.weakrefs;
  if (table === undefined) return;
  // Case 1.
  const referent = Object.hasOwn(table.referent, id) ? table.referent[id] : undefined;
  if (referent !== undefined && referent !== NO_OBJECT) {
    rt.emit({ type: 'WeakrefCleared', weakref: id, referent: referent as ObjectId });
  }
  // Case 2.
  const list = weakrefsTo(rt.state, id);
  if (list.length === 0) return;
  const wrs = [...list];
  const slotOf = (wr: ObjectId): Holder => ({ kind: 'object', owner: wr, slot: CALLBACK_SLOT });
  if (wrs.length === 1) {
    const wr = wrs[0] as ObjectId;
    const cb = weakrefCallback(rt.state, wr);
    if (cb !== undefined) rt.move(cb, slotOf(wr), CALLBACK_TEMP);
    rt.emit({ type: 'WeakrefCleared', weakref: wr, referent: id });
    if (cb === undefined) return;
    if (rt.object(wr).refcount > 0) runWeakrefCallback(rt, wr, cb);
    rt.decref(cb, CALLBACK_TEMP);
    return;
  }
  const held: { wr: ObjectId; cb: ObjectId | undefined }[] = [];
  for (const wr of wrs) {
    const cb = weakrefCallback(rt.state, wr);
    if (rt.object(wr).refcount > 0) {
      rt.incref(wr, CALLBACK_TEMP);
      if (cb !== undefined) rt.move(cb, slotOf(wr), CALLBACK_TEMP);
      held.push({ wr, cb });
    } else if (cb !== undefined) {
      rt.decref(cb, slotOf(wr));
    }
    rt.emit({ type: 'WeakrefCleared', weakref: wr, referent: id });
  }
  for (const { wr, cb } of held) if (cb !== undefined) runWeakrefCallback(rt, wr, cb);
  for (let i = held.length - 1; i >= 0; i--) {
    const { wr, cb } = held[i] as { wr: ObjectId; cb: ObjectId | undefined };
    if (cb !== undefined) rt.decref(cb, CALLBACK_TEMP);
    rt.decref(wr, CALLBACK_TEMP);
  }
}

/** handle_callback: `callback(weakref)`, recorded first. */
export function runWeakrefCallback(rt: Runtime, weakref: ObjectId, callback: ObjectId): void {
  rt.emit({ type: 'WeakrefCallbackRun', weakref, callback });
  rt.hooks.runWeakrefCallback?.(callback, weakref);
}
