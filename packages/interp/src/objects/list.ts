/*
 * list and tuple
 * ==============
 * Their items are references held in slot `item`, in order (a list releases them last to
 * first, RC-13). A list's item array is a separate buffer whose capacity follows
 * list_resize (OBJ-8a) and list_preallocate_exact (OBJ-8c), so `sys.getsizeof` and the
 * pymalloc blocks follow CPython's; a tuple's items are inline.
 *
 * Source: Objects/listobject.c (3.11: list_resize, list_extend, list_ass_slice, listsort,
 * list_repr, list_richcompare, the methods), Objects/tupleobject.c (tuplerepr, tuplehash,
 * tuple_richcompare, tuple_new), Objects/iterobject.c (seqiter).
 */
import { subtypeExtraBytes } from './type.js';
import {
  LIST_OBJECT_SIZE,
  listPreallocateExact,
  listResize,
  listSize,
  tupleSize,
  type Holder,
  type ObjectId,
  forgetRefIndex,
  liveRefs,
} from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import { MAX_ITEMS, checkItems, raiseLimit, type Limit } from '../limits.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { CompareOp, TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { argRange, clampIndex, noArgs, oneArg, seqIndex, sliceIndexList, sliceIndices } from './sequence.js';

declare module '../vm/vm.js' {
  interface VM {
    /** LIST_APPEND / _PyList_AppendTakeRef: the reference moves from `from`. */
    listAppendMove(list: ObjectId, value: ObjectId, from: Holder): void;
    /** list.append(v): a new reference. */
    listAppend(list: ObjectId, value: ObjectId): void;
    /** list_extend. */
    listExtend(list: ObjectId, iterable: ObjectId): void;
    /** LIST_EXTEND of `[*x]`: a non-iterable gets "Value after * must be an iterable". */
    listExtendForStar(list: ObjectId, iterable: ObjectId): void;
    /** CALL_FUNCTION_EX's conversion of `*x` to a tuple. */
    tupleForStarArgs(obj: ObjectId, func: ObjectId, out: Holder): ObjectId;
    /** A list's capacity changed: getsizeof and the item array follow. */
    setListCapacity(list: ObjectId, allocated: number): void;
    /** _PyObject_HasLen: the type has sq_length or mp_length. */
    hasLen(obj: ObjectId): boolean;
    /** PyObject_LengthHint. */
    lengthHint(obj: ObjectId, dflt: number): number;
    /** Repr of a sequence of items between brackets, with Py_ReprEnter's `...` for recursion. */
    seqRepr(obj: ObjectId, items: readonly ObjectId[], open: string, close: string, one?: string): string;
    /**
     * Py_ReprEnter: true when `obj`'s repr is already under way (the caller prints `...`);
     * otherwise `obj` joins the thread state's `Py_Repr` list until reprLeave.
     */
    reprEnter(obj: ObjectId): boolean;
    /** Py_ReprLeave: `obj` leaves the `Py_Repr` list. */
    reprLeave(obj: ObjectId): void;
    /** repr(PySequence_List(obj)): the list CPython's container reprs build and print. */
    reprAsList(obj: ObjectId): string;
    /** UNPACK_SEQUENCE / UNPACK_EX: pushes the items (new references) in reverse order. */
    unpackSequence(seq: ObjectId, before: number, after: number, stack: ObjectId[], sh: Holder): void;
  }
}

const P = VM.prototype;

P.setListCapacity = function (this: VM, list, allocated) {
  const v = this.value(list) as { allocated: number };
  v.allocated = allocated;
  // A subclass's instance keeps its extra bytes (the dict and weakref pointers) as it grows.
  const type = this.typeOf(list);
  const extra = type === this.T.list ? 0 : subtypeExtraBytes(this, type, 'list');
  this.rt.resize(list, listSize(allocated) + extra);
  this.rt.setBuffer(list, 'items', 8 * allocated);
};

function resize(vm: VM, list: ObjectId, items: ObjectId[], allocated: number, n: number): void {
  const next = listResize(allocated, items.length, n);
  if (next !== allocated) vm.setListCapacity(list, next);
}

P.listAppendMove = function (this: VM, list, value, from) {
  const v = this.as(list, 'list');
  if (v.items.length >= MAX_ITEMS) this.checkSize(v.items.length + 1, 'list');
  resize(this, list, v.items, v.allocated, v.items.length + 1);
  v.items.push(value);
  this.rt.moveToRef(value, from, list, 'item');
};

P.listAppend = function (this: VM, list, value) {
  const v = this.as(list, 'list');
  if (v.items.length >= MAX_ITEMS) this.checkSize(v.items.length + 1, 'list');
  resize(this, list, v.items, v.allocated, v.items.length + 1);
  v.items.push(value);
  this.rt.increfRef(value, list, 'item');
};

P.hasLen = function (this: VM, obj) {
  const v = this.value(obj);
  const tv = this.typeValue(v.type);
  if (!tv.heap) return tv.slots.len !== undefined;
  return this.lookupType(v.type, '__len__') !== undefined;
};

P.lengthHint = function (this: VM, obj, dflt) {
  const v = this.value(obj);
  const tv = this.typeValue(v.type);
  if (!tv.heap && tv.slots.len !== undefined) return tv.slots.len(this, obj);
  if (tv.heap && this.lookupType(v.type, '__len__') !== undefined) return this.len(obj);
  const hint = this.lookupType(v.type, '__length_hint__');
  if (hint === undefined) return dflt;
  const r = this.callUnbound(hint, obj, [], C_TEMP);
  try {
    if (r === this.notImplementedId) return dflt;
    const n = this.index(r);
    if (n < 0n) throw this.pyErr('ValueError', '__length_hint__() should return >= 0');
    return Number(n);
  } finally {
    this.rt.decref(r, C_TEMP);
  }
};

P.listExtend = function (this: VM, list, iterable) {
  const v = this.as(list, 'list');
  const src = this.value(iterable);
  if (
    (src.t === 'list' && src.type === this.T.list) ||
    (src.t === 'tuple' && src.type === this.T.tuple) ||
    iterable === list
  ) {
    const items = [...(src as { items: ObjectId[] }).items];
    const n = items.length;
    if (n === 0) return;
    const m = v.items.length;
    this.checkSize(m + n, 'list');
    if (v.allocated === 0) this.setListCapacity(list, listPreallocateExact(n));
    else resize(this, list, v.items, v.allocated, m + n);
    for (const o of items) {
      v.items.push(o);
      this.rt.increfRef(o, list, 'item');
    }
    return;
  }
  const it = this.getIter(iterable, C_TEMP);
  try {
    const n = this.lengthHint(iterable, 8);
    const m = v.items.length;
    this.checkSize(m + n, 'list');
    resize(this, list, v.items, v.allocated, m + n);
    for (let x = this.iterNext(it, C_TEMP); x !== undefined; x = this.iterNext(it, C_TEMP)) {
      if (v.items.length >= MAX_ITEMS) {
        this.rt.decref(x, C_TEMP);
        this.checkSize(v.items.length + 1, 'list');
      }
      if (v.items.length >= v.allocated) resize(this, list, v.items, v.allocated, v.items.length + 1);
      v.items.push(x);
      this.rt.moveToRef(x, C_TEMP, list, 'item');
    }
    if (v.items.length < v.allocated) resize(this, list, v.items, v.allocated, v.items.length);
  } finally {
    this.rt.decref(it, C_TEMP);
  }
};

P.listExtendForStar = function (this: VM, list, iterable) {
  try {
    this.listExtend(list, iterable);
  } catch (e) {
    if (this.raised(e, 'TypeError') && !this.hasAttr(iterable, '__iter__') && !this.hasAttr(iterable, '__getitem__')) {
      this.clearRaise(e);
      throw this.typeError(`Value after * must be an iterable, not ${this.typeName(iterable)}`);
    }
    throw e;
  }
};

P.tupleForStarArgs = function (this: VM, obj, func, out) {
  let items: ObjectId[];
  try {
    items = this.iterateToArray(obj, C_TEMP);
  } catch (e) {
    if (this.raised(e, 'TypeError') && !this.hasAttr(obj, '__iter__') && !this.hasAttr(obj, '__getitem__')) {
      this.clearRaise(e);
      throw this.typeError(
        `${this.funcDescription(func)} argument after * must be an iterable, not ${this.typeName(obj)}`,
      );
    }
    throw e;
  }
  return this.newTuple(items, out, C_TEMP);
};

P.seqRepr = function (this: VM, obj, items, open, close, one) {
  if (items.length === 0) return open + close;
  if (this.reprEnter(obj)) return `${open}...${close}`;
  try {
    let s = open;
    for (let i = 0; i < items.length; i++) {
      if (i > 0) s += ', ';
      s += this.reprText(items[i] as ObjectId);
    }
    if (one !== undefined && items.length === 1) s += one;
    return s + close;
  } finally {
    this.reprLeave(obj);
  }
};

/** What holds the thread state's dict (PyThreadState.dict). */
const THREAD_STATE: Holder = { kind: 'root', name: 'thread state' };
/** The `Py_Repr` list of each VM's thread state, made on the first container repr. */
const reprLists = new WeakMap<VM, ObjectId>();

/**
 * Py_ReprEnter (object.c). The list of objects whose repr is under way lives in the
 * thread state's dict under the key `Py_Repr`; both are made on the first call
 * (PyThreadState_GetDict makes the dict), so the first repr of a container in a run
 * allocates two GC objects, as CPython's does. Each repr appends the container (a
 * reference, and the list's item array grows from empty) and Py_ReprLeave removes it.
 */
P.reprEnter = function (this: VM, obj) {
  let list = reprLists.get(this);
  if (list === undefined) {
    const dict = this.newDict(THREAD_STATE);
    list = this.newList([], C_TEMP);
    // &_Py_ID(Py_Repr): a string of the runtime's static identifiers, never freed.
    const key = this.staticId('Py_Repr', C_TEMP);
    this.dictSet(dict, key, list, C_TEMP, 'move');
    reprLists.set(this, list);
  }
  const items = listItems(this, list);
  for (let i = items.length - 1; i >= 0; i--) if (items[i] === obj) return true;
  this.listAppend(list, obj);
  return false;
};

P.reprAsList = function (this: VM, obj) {
  const list = this.newList([], C_TEMP);
  try {
    this.listExtend(list, obj);
    return this.reprText(list);
  } finally {
    this.rt.decref(list, C_TEMP);
  }
};

P.reprLeave = function (this: VM, obj) {
  const list = reprLists.get(this);
  if (list === undefined) return;
  const items = listItems(this, list);
  for (let i = items.length - 1; i >= 0; i--) {
    if (items[i] === obj) {
      listDeleteRange(this, list, i, i + 1);
      return;
    }
  }
};

P.unpackSequence = function (this: VM, seq, before, after, stack, sh) {
  const v = this.value(seq);
  if (after < 0 && ((v.t === 'tuple' && v.type === this.T.tuple) || (v.t === 'list' && v.type === this.T.list))) {
    const items = v.items;
    if (items.length === before) {
      for (let i = items.length - 1; i >= 0; i--) {
        const x = items[i] as ObjectId;
        this.rt.incref(x, sh);
        stack.push(x);
      }
      return;
    }
  }
  // unpack_iterable
  let it: ObjectId;
  try {
    it = this.getIter(seq, C_TEMP);
  } catch (e) {
    if (this.raised(e, 'TypeError') && !this.isIterableType(seq)) {
      this.clearRaise(e);
      throw this.typeError(`cannot unpack non-iterable ${this.typeName(seq)} object`);
    }
    throw e;
  }
  const got: ObjectId[] = [];
  try {
    for (let i = 0; i < before; i++) {
      const x = this.iterNext(it, sh);
      if (x === undefined) {
        if (after < 0) throw this.pyErr('ValueError', `not enough values to unpack (expected ${before}, got ${i})`);
        throw this.pyErr('ValueError', `not enough values to unpack (expected at least ${before + after}, got ${i})`);
      }
      got.push(x);
    }
    if (after < 0) {
      const extra = this.iterNext(it, C_TEMP);
      if (extra !== undefined) {
        this.rt.decref(extra, C_TEMP);
        const n = v.t === 'tuple' || v.t === 'list' ? v.items.length : v.t === 'dict' ? this.dictSize(seq) : -1;
        if (n >= 0) throw this.pyErr('ValueError', `too many values to unpack (expected ${before}, got ${n})`);
        throw this.pyErr('ValueError', `too many values to unpack (expected ${before})`);
      }
      for (let i = got.length - 1; i >= 0; i--) stack.push(got[i] as ObjectId);
      return;
    }
    const rest = this.newList([], C_TEMP);
    try {
      this.listExtend(rest, it);
    } catch (e) {
      this.rt.decref(rest, C_TEMP);
      throw e;
    }
    const rv = this.as(rest, 'list');
    if (rv.items.length < after) {
      this.rt.decref(rest, C_TEMP);
      throw this.pyErr(
        'ValueError',
        `not enough values to unpack (expected at least ${before + after}, got ${before + rv.items.length})`,
      );
    }
    // The last `after` items come off the list onto the stack.
    const first = rv.items.length - after;
    const tail = rv.items.splice(first, after);
    for (let i = tail.length - 1; i >= 0; i--) {
      this.rt.move(tail[i] as ObjectId, { kind: 'object', owner: rest, slot: 'item', at: first + i }, sh);
      stack.push(tail[i] as ObjectId);
    }
    this.rt.move(rest, C_TEMP, sh);
    stack.push(rest);
    for (let i = got.length - 1; i >= 0; i--) stack.push(got[i] as ObjectId);
  } catch (e) {
    for (const x of got) if (!stack.includes(x)) this.rt.decref(x, sh);
    throw e;
  } finally {
    this.rt.decref(it, C_TEMP);
  }
};

declare module '../vm/vm.js' {
  interface VM {
    isIterableType(obj: ObjectId): boolean;
  }
}

P.isIterableType = function (this: VM, obj) {
  const v = this.value(obj);
  const tv = this.typeValue(v.type);
  if (!tv.heap) return tv.slots.iter !== undefined || (tv.slots.getitem !== undefined && v.t !== 'dict');
  return this.lookupType(v.type, '__iter__') !== undefined || this.lookupType(v.type, '__getitem__') !== undefined;
};

/** Lexicographic comparison of two item arrays (list_richcompare / tuplerichcompare). */
export function compareSeqs(vm: VM, a: readonly ObjectId[], b: readonly ObjectId[], op: CompareOp): boolean {
  if (a.length !== b.length && (op === '==' || op === '!=')) return op === '!=';
  let i = 0;
  for (; i < a.length && i < b.length; i++) {
    const x = a[i] as ObjectId;
    const y = b[i] as ObjectId;
    if (!vm.richCompareBool(x, y, '==')) break;
  }
  if (i >= a.length || i >= b.length) {
    const la = a.length;
    const lb = b.length;
    switch (op) {
      case '<':
        return la < lb;
      case '<=':
        return la <= lb;
      case '==':
        return la === lb;
      case '!=':
        return la !== lb;
      case '>':
        return la > lb;
      case '>=':
        return la >= lb;
    }
  }
  if (op === '==') return false;
  if (op === '!=') return true;
  return vm.richCompareBool(a[i] as ObjectId, b[i] as ObjectId, op);
}

// ---------------------------------------------------------------------------------
// list

const listItems = (vm: VM, id: ObjectId): ObjectId[] => vm.as(id, 'list').items;

/** Remove items [lo, hi) of a list: released last to first after the array shrank (list_ass_slice). */
function listDeleteRange(vm: VM, list: ObjectId, lo: number, hi: number): void {
  const v = vm.as(list, 'list');
  const oldLen = v.items.length;
  const removed = v.items.splice(lo, hi - lo);
  const n = v.items.length;
  if (n === 0) vm.setListCapacity(list, 0);
  else if (n !== oldLen) {
    const next = listResize(v.allocated, oldLen, n);
    if (next !== v.allocated) vm.setListCapacity(list, next);
  }
  for (let k = removed.length - 1; k >= 0; k--) vm.rt.decrefRef(removed[k] as ObjectId, list, 'item', lo + k);
}

/** list.clear / _list_clear: the item array goes, then the items, last to first. */
/** PyList_Insert (ins1): a new reference to `x` at `where` (clamped as list.insert does). */
function listInsert(vm: VM, list: ObjectId, where: number, x: ObjectId): void {
  const v = vm.as(list, 'list');
  const n = v.items.length;
  let at = where;
  if (at < 0) at = Math.max(0, at + n);
  if (at > n) at = n;
  resizeFor(vm, list, n + 1);
  v.items.splice(at, 0, x);
  vm.rt.increfRef(x, list, 'item', at);
}

/** After items were rearranged in place (sort, heapq): the item references follow their new order. */
function listReorderRefs(vm: VM, list: ObjectId): void {
  const refs = vm.rt.object(list).refs;
  const others = liveRefs(refs).filter((r) => r.slot !== 'item');
  refs.length = 0;
  for (const id of vm.as(list, 'list').items) refs.push({ slot: 'item', to: id });
  refs.push(...others);
  forgetRefIndex(refs); // rewritten here, not through core's reference lists
}

function listClear(vm: VM, list: ObjectId): void {
  const v = vm.as(list, 'list');
  const items = v.items.splice(0);
  if (v.allocated !== 0) vm.setListCapacity(list, 0);
  for (let k = items.length - 1; k >= 0; k--) vm.rt.decrefRef(items[k] as ObjectId, list, 'item', k);
}

function listSetItem(vm: VM, list: ObjectId, key: ObjectId, value: ObjectId | undefined): void {
  const v = vm.as(list, 'list');
  if (vm.value(key).t === 'slice') {
    const { start, step, n } = sliceIndices(vm, key, v.items.length);
    if (value === undefined) {
      if (step === 1) {
        if (n === v.items.length && n > 0) listClear(vm, list);
        else if (n > 0) listDeleteRange(vm, list, start, start + n);
        return;
      }
      const idx = sliceIndexList(vm, key, v.items.length).sort((a, b) => b - a);
      for (const i of idx) listDeleteRange(vm, list, i, i + 1);
      return;
    }
    const repl = vm.iterateToArray(value, C_TEMP);
    if (step === 1) {
      const lo = n > 0 ? start : Math.max(0, Math.min(start, v.items.length));
      const oldLen = v.items.length;
      const removed = v.items.splice(lo, n, ...repl);
      const len = v.items.length;
      if (len === 0) vm.setListCapacity(list, 0);
      else if (len !== oldLen) {
        const next = listResize(v.allocated, oldLen, len);
        if (next !== v.allocated) vm.setListCapacity(list, next);
      }
      for (let k = 0; k < repl.length; k++) vm.rt.moveToRef(repl[k] as ObjectId, C_TEMP, list, 'item', lo + k);
      for (let k = removed.length - 1; k >= 0; k--)
        vm.rt.decrefRef(removed[k] as ObjectId, list, 'item', lo + repl.length + k);
      return;
    }
    const idx = sliceIndexList(vm, key, v.items.length);
    if (repl.length !== idx.length) {
      for (const r of repl) vm.rt.decref(r, C_TEMP);
      throw vm.pyErr(
        'ValueError',
        `attempt to assign sequence of size ${repl.length} to extended slice of size ${idx.length}`,
      );
    }
    idx.forEach((i, k) => {
      const old = v.items[i] as ObjectId;
      v.items[i] = repl[k] as ObjectId;
      vm.rt.moveToRef(repl[k] as ObjectId, C_TEMP, list, 'item', i);
      vm.rt.decrefRef(old, list, 'item', i + 1);
    });
    return;
  }
  const i = seqIndex(vm, key, v.items.length, 'list');
  if (i === undefined) throw vm.pyErr('IndexError', `list assignment index out of range`);
  if (value === undefined) {
    listDeleteRange(vm, list, i, i + 1);
    return;
  }
  const old = v.items[i] as ObjectId;
  v.items[i] = value;
  vm.rt.increfRef(value, list, 'item', i);
  vm.rt.decrefRef(old, list, 'item', i + 1);
}

function listGetItem(vm: VM, list: ObjectId, key: ObjectId, out: Holder): ObjectId {
  const items = listItems(vm, list);
  if (vm.value(key).t === 'slice') {
    const idx = sliceIndexList(vm, key, items.length);
    return vm.newList(
      idx.map((i) => items[i] as ObjectId),
      out,
    );
  }
  const i = seqIndex(vm, key, items.length, 'list');
  if (i === undefined) throw vm.pyErr('IndexError', 'list index out of range');
  return vm.ret(items[i] as ObjectId, out);
}

function newListOf(vm: VM, type: ObjectId, out: Holder): ObjectId {
  if (type === vm.T.list) return vm.newList([], out, undefined, 0, true);
  return vm.allocFor(type, 'list', 'list', LIST_OBJECT_SIZE, { t: 'list', type, items: [], allocated: 0 }, out, {
    alloc: LIST_OBJECT_SIZE,
  });
}

const listSlots: TypeSlots = {
  vectorcall: true,
  new: (vm, type, _args, _kw, out) => newListOf(vm, type, out),
  init: (vm, self, args, kwnames) => {
    if (kwnames !== undefined) throw vm.typeError('list() takes no keyword arguments');
    if (args.length > 1) throw vm.typeError(`list expected at most 1 argument, got ${args.length}`);
    if (listItems(vm, self).length > 0) listClear(vm, self);
    if (args.length === 1) {
      const src = args[0] as ObjectId;
      // list___init___impl: a sized iterable's length preallocates the array exactly.
      if (vm.hasLen(src)) {
        const n = vm.len(src);
        if (n > 0 && vm.as(self, 'list').allocated === 0) vm.setListCapacity(self, listPreallocateExact(n));
      }
      vm.listExtend(self, src);
    }
  },
  repr: (vm, self) => vm.seqRepr(self, listItems(vm, self), '[', ']'),
  unhashable: true,
  compare: (vm, a, b, op) => {
    if (vm.value(b).t !== 'list') return undefined;
    return compareSeqs(vm, [...listItems(vm, a)], [...listItems(vm, b)], op);
  },
  iter: (vm, self, out) => vm.newIterator('list_iterator', self, out),
  len: (vm, self) => listItems(vm, self).length,
  getitem: listGetItem,
  setitem: listSetItem,
  contains: (vm, self, item) => {
    const items = listItems(vm, self);
    for (let i = 0; i < items.length; i++) if (vm.richCompareBool(items[i] as ObjectId, item, '==')) return true;
    return false;
  },
  concat: (vm, a, b, out) => {
    const bv = vm.value(b);
    if (bv.t !== 'list') throw vm.typeError(`can only concatenate list (not "${vm.typeName(b)}") to list`);
    return vm.newList([...listItems(vm, a), ...bv.items], out);
  },
  repeat: (vm, seq, n, out) => {
    const items = listItems(vm, seq);
    vm.checkSize(n < 0n ? 0n : BigInt(items.length) * n, 'list');
    const count = n < 0n ? 0 : Number(n);
    const res: ObjectId[] = [];
    for (let k = 0; k < count; k++) res.push(...items);
    return vm.newList(res, out);
  },
  inplace: {
    '+': (vm, a, b, out) => {
      vm.listExtend(a, b);
      return vm.ret(a, out);
    },
    '*': (vm, a, b, out) => {
      if (!vm.hasIndex(b)) return undefined;
      const n = vm.index(b);
      const items = [...listItems(vm, a)];
      if (n <= 0n) listClear(vm, a);
      else for (let k = 1n; k < n; k++) for (const x of items) vm.listAppend(a, x);
      return vm.ret(a, out);
    },
  },
};

function lt(vm: VM, a: ObjectId, b: ObjectId): boolean {
  return vm.richCompareBool(a, b, '<');
}

const listMethods: Record<string, Native> = {
  append: (vm, args, kw, out) => {
    vm.listAppend(args[0] as ObjectId, oneArg(vm, 'list.append', args, kw));
    return vm.none(out);
  },
  extend: (vm, args, kw, out) => {
    vm.listExtend(args[0] as ObjectId, oneArg(vm, 'list.extend', args, kw));
    return vm.none(out);
  },
  insert: (vm, args, kw, out) => {
    const [i, x] = argRange(vm, 'insert', args, kw, 2, 2) as [ObjectId, ObjectId];
    listInsert(vm, args[0] as ObjectId, Number(vm.index(i)), x);
    return vm.none(out);
  },
  pop: (vm, args, kw, out) => {
    const a = argRange(vm, 'pop', args, kw, 0, 1);
    const list = args[0] as ObjectId;
    const v = vm.as(list, 'list');
    if (v.items.length === 0) throw vm.pyErr('IndexError', 'pop from empty list');
    let i = a.length > 0 ? Number(vm.index(a[0] as ObjectId)) : v.items.length - 1;
    if (i < 0) i += v.items.length;
    if (i < 0 || i >= v.items.length) throw vm.pyErr('IndexError', 'pop index out of range');
    const item = v.items[i] as ObjectId;
    const oldLen = v.items.length;
    v.items.splice(i, 1);
    vm.rt.move(item, { kind: 'object', owner: list, slot: 'item', at: i }, out);
    const next = listResize(v.allocated, oldLen, v.items.length);
    if (next !== v.allocated) vm.setListCapacity(list, next);
    return item;
  },
  remove: (vm, args, kw, out) => {
    const x = oneArg(vm, 'list.remove', args, kw);
    const list = args[0] as ObjectId;
    const items = listItems(vm, list);
    for (let i = 0; i < items.length; i++) {
      if (vm.richCompareBool(items[i] as ObjectId, x, '==')) {
        listDeleteRange(vm, list, i, i + 1);
        return vm.none(out);
      }
    }
    throw vm.pyErr('ValueError', 'list.remove(x): x not in list');
  },
  clear: (vm, args, kw, out) => {
    noArgs(vm, 'list.clear', args, kw);
    listClear(vm, args[0] as ObjectId);
    return vm.none(out);
  },
  copy: (vm, args, kw, out) => {
    noArgs(vm, 'list.copy', args, kw);
    return vm.newList([...listItems(vm, args[0] as ObjectId)], out);
  },
  index: (vm, args, kw, out) => {
    const a = argRange(vm, 'index', args, kw, 1, 3);
    const items = listItems(vm, args[0] as ObjectId);
    const start = clampIndex(vm, a[1], items.length, 0);
    const stop = clampIndex(vm, a[2], items.length, items.length);
    for (let i = start; i < stop && i < items.length; i++) {
      if (vm.richCompareBool(items[i] as ObjectId, a[0] as ObjectId, '==')) return vm.newInt(BigInt(i), out);
    }
    throw vm.pyErr('ValueError', `${vm.reprText(a[0] as ObjectId)} is not in list`);
  },
  count: (vm, args, kw, out) => {
    const x = oneArg(vm, 'list.count', args, kw);
    let n = 0;
    for (const item of [...listItems(vm, args[0] as ObjectId)]) if (vm.richCompareBool(item, x, '==')) n++;
    return vm.newInt(BigInt(n), out);
  },
  reverse: (vm, args, kw, out) => {
    noArgs(vm, 'list.reverse', args, kw);
    const list = args[0] as ObjectId;
    const v = vm.as(list, 'list');
    v.items.reverse();
    vm.rt.object(list).refs.reverse();
    return vm.none(out);
  },
  sort: (vm, args, kwnames, out) => {
    if (npos(args, kwnames) > 1) throw vm.typeError('sort() takes no positional arguments');
    const list = args[0] as ObjectId;
    const key = kwarg(args, kwnames, 'key');
    const rev = kwarg(args, kwnames, 'reverse');
    for (const k of kwnames ?? []) {
      if (k !== 'key' && k !== 'reverse') throw vm.typeError(`'${k}' is an invalid keyword argument for sort()`);
    }
    vm.sortList(
      list,
      key !== undefined && key !== vm.statics.none ? key : undefined,
      rev !== undefined && vm.truthy(rev),
    );
    return vm.none(out);
  },
  // list___reversed___impl: the iterator starts at the last item.
  __reversed__: (vm, args, _kw, out) =>
    vm.newIterator('list_reverseiterator', args[0] as ObjectId, out, {
      index: vm.as(args[0] as ObjectId, 'list').items.length - 1,
    }),
  __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(40 + 8 * vm.as(args[0] as ObjectId, 'list').allocated), out),
};

function resizeFor(vm: VM, list: ObjectId, n: number): void {
  const v = vm.as(list, 'list');
  resize(vm, list, v.items, v.allocated, n);
}

declare module '../vm/vm.js' {
  interface VM {
    /** listsort: stable, by `<` (of the keys when `key` is given). */
    sortList(list: ObjectId, key: ObjectId | undefined, reverse: boolean): void;
    /**
     * A container of `n` items: go on, or what the resource limit becomes (limits.ts):
     * CPython's MemoryError past the simulated machine's memory, else the run's stop.
     */
    checkSize(n: number | bigint, what: string): void;
    /** Go on (undefined), or raise what a resource limit becomes (limits.ts). */
    checkLimit(found: Limit | undefined): void;
  }
}

P.checkSize = function (this: VM, n, what) {
  if (n > MAX_ITEMS) this.checkLimit(checkItems(n, what));
};

P.checkLimit = function (this: VM, found) {
  if (found !== undefined) raiseLimit(found, (type, message) => this.pyErr(type, message));
};

P.sortList = function (this: VM, list, key, reverse) {
  const v = this.as(list, 'list');
  // During the sort the list is empty (CPython detects changes made by key or __lt__).
  const items = v.items.splice(0);
  let keys: ObjectId[] | undefined;
  try {
    if (key !== undefined) {
      keys = [];
      for (const x of items) keys.push(this.call(key, [x], undefined, C_TEMP));
    }
    const order = items.map((_, i) => i);
    const k = keys ?? items;
    if (reverse) order.reverse();
    order.sort((i, j) => {
      const a = k[i] as ObjectId;
      const b = k[j] as ObjectId;
      if (reverse) return lt(this, b, a) ? -1 : lt(this, a, b) ? 1 : 0;
      return lt(this, a, b) ? -1 : lt(this, b, a) ? 1 : 0;
    });
    if (reverse) {
      // Reverse stability: equal items keep their original order.
      const groups: number[][] = [];
      for (const i of order) {
        const last = groups.at(-1);
        if (
          last !== undefined &&
          !lt(this, k[last[0] as number] as ObjectId, k[i] as ObjectId) &&
          !lt(this, k[i] as ObjectId, k[last[0] as number] as ObjectId)
        )
          last.push(i);
        else groups.push([i]);
      }
      order.length = 0;
      for (const g of groups) order.push(...g.sort((a, b) => a - b));
    }
    const modified = v.items.length > 0;
    const sorted = order.map((i) => items[i] as ObjectId);
    v.items.push(...sorted);
    // The references follow their items' new order.
    listReorderRefs(this, list);
    if (modified) throw this.pyErr('ValueError', 'list modified during sort');
  } catch (e) {
    if (v.items.length === 0) v.items.push(...items);
    throw e;
  } finally {
    if (keys !== undefined) for (const x of keys) this.rt.decref(x, C_TEMP);
  }
};

// ---------------------------------------------------------------------------------
// tuple

const tupleItems = (vm: VM, id: ObjectId): ObjectId[] => vm.as(id, 'tuple').items;

/** tuplehash (3.11, xxHash-based). */
export function tupleHash(vm: VM, items: readonly ObjectId[]): bigint {
  const P1 = 11400714785074694791n;
  const P2 = 14029467366897019727n;
  const P5 = 2870177450012600261n;
  const M = (1n << 64n) - 1n;
  let acc = P5;
  for (const item of items) {
    let lane = vm.hash(item);
    if (lane < 0n) lane += 1n << 64n;
    acc = (acc + lane * P2) & M;
    acc = ((acc << 31n) | (acc >> 33n)) & M;
    acc = (acc * P1) & M;
  }
  acc = (acc + (BigInt(items.length) ^ (P5 ^ 3527539n))) & M;
  if (acc === M) return 1546275796n;
  return acc >= 1n << 63n ? acc - (1n << 64n) : acc;
}

function newTupleOf(vm: VM, type: ObjectId, items: ObjectId[], out: Holder): ObjectId {
  if (type === vm.T.tuple) return vm.newTuple(items, out, C_TEMP);
  const t = vm.allocFor(type, 'tuple', 'tuple', tupleSize(items.length), { t: 'tuple', type, items: [...items] }, out);
  for (const x of items) vm.rt.moveToRef(x, C_TEMP, t, 'item');
  return t;
}

const tupleSlots: TypeSlots = {
  vectorcall: true,
  new: (vm, type, args, kwnames, out) => {
    if (kwnames !== undefined && type === vm.T.tuple) throw vm.typeError('tuple() takes no keyword arguments');
    const n = npos(args, kwnames);
    if (n > 1) throw vm.typeError(`tuple expected at most 1 argument, got ${n}`);
    if (n === 0) return newTupleOf(vm, type, [], out);
    const src = args[0] as ObjectId;
    const sv = vm.value(src);
    if (type === vm.T.tuple && sv.t === 'tuple' && sv.type === vm.T.tuple) return vm.ret(src, out);
    return newTupleOf(vm, type, vm.iterateToArray(src, C_TEMP), out);
  },
  repr: (vm, self) => vm.seqRepr(self, tupleItems(vm, self), '(', ')', ','),
  hash: (vm, self) => tupleHash(vm, tupleItems(vm, self)),
  compare: (vm, a, b, op) => {
    if (vm.value(b).t !== 'tuple') return undefined;
    return compareSeqs(vm, tupleItems(vm, a), tupleItems(vm, b), op);
  },
  iter: (vm, self, out) => vm.newIterator('tuple_iterator', self, out),
  len: (vm, self) => tupleItems(vm, self).length,
  getitem: (vm, self, key, out) => {
    const items = tupleItems(vm, self);
    if (vm.value(key).t === 'slice') {
      const idx = sliceIndexList(vm, key, items.length);
      if (idx.length === items.length && idx.every((x, k) => x === k) && vm.typeOf(self) === vm.T.tuple)
        return vm.ret(self, out);
      return vm.newTuple(
        idx.map((i) => items[i] as ObjectId),
        out,
      );
    }
    const i = seqIndex(vm, key, items.length, 'tuple');
    if (i === undefined) throw vm.pyErr('IndexError', 'tuple index out of range');
    return vm.ret(items[i] as ObjectId, out);
  },
  contains: (vm, self, item) => {
    for (const x of tupleItems(vm, self)) if (vm.richCompareBool(x, item, '==')) return true;
    return false;
  },
  concat: (vm, a, b, out) => {
    const bv = vm.value(b);
    if (bv.t !== 'tuple') throw vm.typeError(`can only concatenate tuple (not "${vm.typeName(b)}") to tuple`);
    if (bv.items.length === 0 && vm.typeOf(a) === vm.T.tuple) return vm.ret(a, out);
    return vm.newTuple([...tupleItems(vm, a), ...bv.items], out);
  },
  repeat: (vm, seq, n, out) => {
    const items = tupleItems(vm, seq);
    if (n === 1n && vm.typeOf(seq) === vm.T.tuple) return vm.ret(seq, out);
    vm.checkSize(n < 0n ? 0n : BigInt(items.length) * n, 'tuple');
    const count = n < 0n ? 0 : Number(n);
    const res: ObjectId[] = [];
    for (let k = 0; k < count; k++) res.push(...items);
    return vm.newTuple(res, out);
  },
};

const tupleMethods: Record<string, Native> = {
  index: (vm, args, kw, out) => {
    const a = argRange(vm, 'index', args, kw, 1, 3);
    const items = tupleItems(vm, args[0] as ObjectId);
    const start = clampIndex(vm, a[1], items.length, 0);
    const stop = clampIndex(vm, a[2], items.length, items.length);
    for (let i = start; i < stop; i++)
      if (vm.richCompareBool(items[i] as ObjectId, a[0] as ObjectId, '==')) return vm.newInt(BigInt(i), out);
    throw vm.pyErr('ValueError', 'tuple.index(x): x not in tuple');
  },
  count: (vm, args, kw, out) => {
    const x = oneArg(vm, 'tuple.count', args, kw);
    let n = 0;
    for (const item of tupleItems(vm, args[0] as ObjectId)) if (vm.richCompareBool(item, x, '==')) n++;
    return vm.newInt(BigInt(n), out);
  },
  __getnewargs__: (vm, args, _kw, out) => {
    const t = vm.newTuple(tupleItems(vm, args[0] as ObjectId), C_TEMP);
    return vm.newTuple([t], out, C_TEMP);
  },
};

const methods = (m: Record<string, Native>): Record<string, NativeMember> =>
  Object.fromEntries(Object.entries(m).map(([k, fn]) => [k, { k: 'method', fn }]));

export function defineListTypes(vm: VM): void {
  vm.T.list = vm.defineType({
    name: 'list',
    base: vm.T.object,
    layout: 'list',
    slots: listSlots,
    members: methods(listMethods),
  });
  vm.T.tuple = vm.defineType({
    name: 'tuple',
    base: vm.T.object,
    layout: 'tuple',
    slots: tupleSlots,
    members: methods(tupleMethods),
  });
}

export { listClear, listDeleteRange, listInsert, listReorderRefs, listSize as listSizeOf, methods };
