/*
 * Built-in operations
 * ===================
 * Iteration, subscripts, operators, comparisons, str()/repr(), the built-in functions,
 * the methods of list/dict/set/str/tuple, comprehensions, and the `gc`, `sys` and
 * `weakref` modules backed by the runtime. Installed on `Interpreter.prototype`.
 *
 * Reference rules (spec §2.2): a C function's arguments are borrowed from the caller
 * (released by the caller after the call); what a container stores it increfs; every
 * result is a new reference owned by `holder`.
 *
 * Source: Objects/listobject.c, dictobject.c, setobject.c, unicodeobject.c,
 * tupleobject.c, abstract.c, object.c (PyObject_RichCompare, PyObject_Str),
 * Python/bltinmodule.c, Modules/gcmodule.c (the module functions), Python/sysmodule.c,
 * Modules/_weakref.c and Objects/weakrefobject.c.
 */
import {
  FIXED_SIZES,
  bytesSize,
  dictSize,
  listResize,
  listPreallocateExact,
  getReferents,
  getReferrers,
  getObjects,
  getFreezeCount,
  type Holder,
  type ObjectId,
} from '@pymemsim/core';
import type { Comprehension, Expr } from './ast.js';
import { Interpreter, OBJECT_SLOTS, PyRaise } from './interpreter.js';
import { pyStrRepr } from './format.js';
import type {
  ClassValue,
  DictValue,
  FunctionValue,
  IteratorValue,
  PropertyValue,
  PyValue,
  SetValue,
} from './values.js';
import * as objects from './objects/index.js';

type Scope = Parameters<Interpreter['comprehension']>[1];
const P = Interpreter.prototype;
const C_TEMP: Holder = { kind: 'root', name: 'c-temp' };

const ITER_SIZE = 48;

// =================================================================================
// Iteration.

/** An iterator over a sequence it holds (it_seq). */
function seqIter(
  interp: Interpreter,
  obj: ObjectId,
  holder: Holder,
  kind: IteratorValue['kind'],
  pyType: string,
  gc: boolean,
): ObjectId {
  const it = interp.internals.alloc(
    pyType,
    gc ? 'method' : 'object',
    ITER_SIZE,
    { t: 'iterator', seq: obj, kind, index: 0 },
    holder,
  );
  interp.rt.incref(obj, { kind: 'object', owner: it, slot: 'it_seq' });
  return it;
}

P.getIter = function (this: Interpreter, obj: ObjectId, holder: Holder): ObjectId {
  const raw = this.value(obj);
  if (raw.t === 'instance') {
    const iter = this.lookupClassAttr(raw.cls, '__iter__');
    if (iter !== undefined) return this.callObject(iter, [obj], [], holder, undefined);
  }
  // A container subclass without __iter__ iterates as its container.
  const v = this.builtinView(obj, raw);
  const alloc = this.internals.alloc;
  switch (v.t) {
    case 'list':
      return seqIter(this, obj, holder, 'list', 'list_iterator', true);
    case 'tuple':
      return seqIter(this, obj, holder, 'tuple', 'tuple_iterator', true);
    case 'str':
      return seqIter(this, obj, holder, 'str', 'str_ascii_iterator', false);
    case 'dict':
      return seqIter(this, obj, holder, 'dict', 'dict_keyiterator', true);
    case 'set': {
      const it = seqIter(this, obj, holder, 'set', 'set_iterator', true);
      (this.value(it) as IteratorValue).used = v.store.table.used;
      return it;
    }
    case 'range': {
      const left = rangeLen(v.start, v.stop, v.step);
      return alloc(
        'range_iterator',
        'object',
        48,
        { t: 'iterator', seq: undefined, kind: 'range', index: 0, next: v.start, step: v.step, left },
        holder,
      );
    }
    case 'iterator':
      return this.ret(obj, holder);
    default:
      break;
  }
  throw this.typeError(`'${this.typeName(obj)}' object is not iterable`);
};

/** FOR_ITER: the next item as a new reference owned by `holder`, or undefined when exhausted. */
/** An exhausted iterator lets go of its sequence (it_seq = NULL); next() then gives undefined. */
function exhaustIterator(interp: Interpreter, it: ObjectId, v: IteratorValue): undefined {
  if (v.seq !== undefined && interp.rt.object(it).refs.some((r) => r.slot === 'it_seq')) {
    const seq = v.seq;
    v.seq = undefined;
    interp.rt.decref(seq, { kind: 'object', owner: it, slot: 'it_seq' });
  }
  return undefined;
}

P.iterNext = function (this: Interpreter, it: ObjectId, holder: Holder): ObjectId | undefined {
  const v = this.value(it);
  if (v.t === 'instance') {
    const next = this.lookupClassAttr(v.cls, '__next__');
    if (next === undefined) throw this.typeError(`'${this.typeName(it)}' object is not an iterator`);
    try {
      return this.callObject(next, [it], [], holder, undefined);
    } catch (e) {
      if (e instanceof PyRaise && this.classOf(e.exc).name === 'StopIteration') {
        this.rt.decref(e.exc, { kind: 'root', name: 'raised' });
        return undefined;
      }
      throw e;
    }
  }
  if (v.t !== 'iterator') throw this.typeError(`'${this.typeName(it)}' object is not an iterator`);
  switch (v.kind) {
    case 'list':
    case 'tuple':
    case 'snapshot': {
      // A snapshot iterator (dict views, reversed() of a non-sequence) walks a tuple it holds.
      if (v.seq === undefined) return undefined;
      const items = (this.builtinView(v.seq) as { items: ObjectId[] }).items;
      const item = items[v.index];
      if (item === undefined) return exhaustIterator(this, it, v);
      v.index += 1;
      return this.ret(item, holder);
    }
    case 'str': {
      if (v.seq === undefined) return undefined;
      const chars = [...(this.value(v.seq) as { v: string }).v];
      const ch = chars[v.index];
      if (ch === undefined) return exhaustIterator(this, it, v);
      v.index += 1;
      return this.charStr(ch, holder);
    }
    case 'dict': {
      if (v.seq === undefined) return undefined;
      const entries = [...this.internals.dictStore(v.seq).entries.values()];
      const e = entries[v.index];
      if (e === undefined) return exhaustIterator(this, it, v);
      v.index += 1;
      return this.ret(e.key, holder);
    }
    case 'set': {
      // setiter_iternext: from si_pos to the next active slot; a change of size is an error.
      if (v.seq === undefined) return undefined;
      const table = this.setTable(v.seq);
      if (v.used !== table.used) {
        v.used = -1;
        throw this.pyErr('RuntimeError', 'Set changed size during iteration');
      }
      const slot = table.next(v.index);
      if (slot < 0) return exhaustIterator(this, it, v);
      v.index = slot + 1;
      return this.ret(table.keyAt(slot) as ObjectId, holder);
    }
    case 'range': {
      if ((v.left ?? 0n) <= 0n) return undefined;
      const cur = v.next ?? 0n;
      v.next = cur + (v.step ?? 1n);
      v.left = (v.left ?? 0n) - 1n;
      return this.newInt(cur, holder);
    }
    case 'enumerate': {
      const inner = v.inner?.[0];
      if (inner === undefined) return undefined;
      const item = this.iterNext(inner, C_TEMP);
      if (item === undefined) return undefined;
      const n = this.newInt(v.count ?? 0n, C_TEMP);
      v.count = (v.count ?? 0n) + 1n;
      return this.newTuple([n, item], holder, C_TEMP);
    }
    case 'zip': {
      const got: ObjectId[] = [];
      for (const inner of v.inner ?? []) {
        const item = this.iterNext(inner, C_TEMP);
        if (item === undefined) {
          for (const g of got) this.rt.decref(g, C_TEMP);
          return undefined;
        }
        got.push(item);
      }
      if (got.length === 0) return undefined;
      return this.newTuple(got, holder, C_TEMP);
    }
    case 'map': {
      // map_next: the next item of every iterator, in order (none when one is exhausted), then func(*items).
      if (v.fn === undefined) return undefined;
      const got: ObjectId[] = [];
      for (const inner of v.inner ?? []) {
        const item = this.iterNext(inner, C_TEMP);
        if (item === undefined) {
          for (const g of got) this.rt.decref(g, C_TEMP);
          return undefined;
        }
        got.push(item);
      }
      try {
        return this.callObject(v.fn, got, [], holder, undefined);
      } finally {
        for (const g of got) this.rt.decref(g, C_TEMP);
      }
    }
    case 'reversed': {
      if (v.seq === undefined) return undefined;
      const items = (this.builtinView(v.seq) as { items: ObjectId[] }).items;
      const idx = items.length - 1 - v.index;
      const item = items[idx];
      if (item === undefined || idx < 0) return exhaustIterator(this, it, v);
      v.index += 1;
      return this.ret(item, holder);
    }
  }
};

/** All items of an iterable as new references owned by `holder`. */
P.iterateToArray = function (this: Interpreter, obj: ObjectId, holder: Holder): ObjectId[] {
  const v = this.value(obj);
  if (v.t === 'list' || v.t === 'tuple') return v.items.map((i) => this.ret(i, holder));
  const it = this.getIter(obj, C_TEMP);
  const out: ObjectId[] = [];
  try {
    for (let x = this.iterNext(it, holder); x !== undefined; x = this.iterNext(it, holder)) out.push(x);
  } catch (e) {
    for (const o of out) this.rt.decref(o, holder);
    throw e;
  } finally {
    this.rt.decref(it, C_TEMP);
  }
  return out;
};

const rangeLen = (start: bigint, stop: bigint, step: bigint): bigint => {
  if (step > 0n) return stop > start ? (stop - start + step - 1n) / step : 0n;
  return start > stop ? (start - stop - step - 1n) / -step : 0n;
};

// =================================================================================
// Subscripts.

function indexOf(interp: Interpreter, key: ObjectId, len: number, what: string): number {
  const kv = interp.value(key);
  if (kv.t !== 'int' && kv.t !== 'bool')
    throw interp.typeError(`${what} indices must be integers or slices, not ${interp.typeName(key)}`);
  let i = Number(kv.t === 'bool' ? (kv.v ? 1 : 0) : kv.v);
  if (i < 0) i += len;
  return i;
}

function sliceBounds(interp: Interpreter, sl: ObjectId, len: number): number[] {
  const v = interp.value(sl) as { start: ObjectId; stop: ObjectId; step: ObjectId };
  const num = (id: ObjectId): number | undefined => {
    const x = interp.value(id);
    if (x.t === 'none') return undefined;
    if (x.t === 'int') return Number(x.v);
    throw interp.typeError('slice indices must be integers or None or have an __index__ method');
  };
  const step = num(v.step) ?? 1;
  if (step === 0) throw interp.pyErr('ValueError', 'slice step cannot be zero');
  const clamp = (x: number | undefined, dflt: number): number => {
    if (x === undefined) return dflt;
    if (x < 0) x += len;
    if (step > 0) return Math.min(Math.max(x, 0), len);
    return Math.min(Math.max(x, -1), len - 1);
  };
  const start = clamp(num(v.start), step > 0 ? 0 : len - 1);
  const stop = clamp(num(v.stop), step > 0 ? len : -1);
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

P.getItem = function (
  this: Interpreter,
  obj: ObjectId,
  key: ObjectId,
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  const raw = this.value(obj);
  if (raw.t === 'instance') {
    const gi = this.lookupClassAttr(raw.cls, '__getitem__');
    if (gi !== undefined) return this.callObject(gi, [obj, key], [], holder, scope);
  }
  const v = this.builtinView(obj, raw);
  const isSlice = this.values.get(key)?.t === 'slice';
  switch (v.t) {
    case 'list':
    case 'tuple': {
      if (isSlice) {
        const idx = sliceBounds(this, key, v.items.length);
        // A whole exact tuple is itself; a subclass's slice is a new tuple.
        if (raw.t === 'tuple' && idx.length === v.items.length && idx.every((x, k) => x === k))
          return this.ret(obj, holder);
        const items = v.items;
        const picked: ObjectId[] = [];
        for (const i of idx) picked.push(items[i] as ObjectId);
        return v.t === 'list' ? this.newList(picked, holder) : this.newTuple(picked, holder);
      }
      const i = indexOf(this, key, v.items.length, v.t);
      const item = v.items[i];
      if (item === undefined || i < 0) throw this.pyErr('IndexError', `${v.t} index out of range`);
      return this.ret(item, holder);
    }
    case 'str': {
      const chars = [...v.v];
      if (isSlice) {
        const idx = sliceBounds(this, key, chars.length);
        if (idx.length === chars.length && idx.every((x, k) => x === k)) return this.ret(obj, holder);
        let text = '';
        for (const i of idx) text += chars[i] ?? '';
        return [...text].length === 1 ? this.charStr(text, holder) : this.newStr(text, holder);
      }
      const i = indexOf(this, key, chars.length, 'string');
      const ch = chars[i];
      if (ch === undefined || i < 0) throw this.pyErr('IndexError', 'string index out of range');
      return this.charStr(ch, holder);
    }
    case 'dict': {
      const e = this.internals.dictStore(obj).entries.get(this.hashKey(key));
      if (e === undefined) {
        // dict_subscript: a subclass's __missing__(key), else KeyError(key).
        if (raw.t === 'instance') {
          const missing = this.lookupClassAttr(raw.cls, '__missing__');
          if (missing !== undefined) return this.callObject(missing, [obj, key], [], holder, scope);
        }
        throw raiseWithArgs(this, 'KeyError', [key]);
      }
      return this.ret(e.value, holder);
    }
    case 'range': {
      if (isSlice) return rangeSlice(this, v, key, holder);
      const n = Number(rangeLen(v.start, v.stop, v.step));
      const i = indexOf(this, key, n, 'range');
      if (i < 0 || i >= n) throw this.pyErr('IndexError', 'range object index out of range');
      return this.newInt(v.start + BigInt(i) * v.step, holder);
    }
    default:
      break;
  }
  throw this.typeError(`'${this.typeName(obj)}' object is not subscriptable`);
};

/**
 * _PySlice_GetLongIndices: a slice's start, stop and step against a sequence of
 * `length`, in arbitrary precision: None for the defaults, negative indices counted
 * from the end, then clamped (to [0, length] going forward, [-1, length - 1] going back).
 */
function sliceIndicesBig(interp: Interpreter, sl: ObjectId, length: bigint): [bigint, bigint, bigint] {
  const v = interp.value(sl) as { start: ObjectId; stop: ObjectId; step: ObjectId };
  const part = (id: ObjectId): bigint | undefined => {
    const x = interp.value(id);
    if (x.t === 'none') return undefined;
    if (x.t === 'int') return x.v;
    if (x.t === 'bool') return x.v ? 1n : 0n;
    throw interp.typeError('slice indices must be integers or None or have an __index__ method');
  };
  const step = part(v.step) ?? 1n;
  if (step === 0n) throw interp.pyErr('ValueError', 'slice step cannot be zero');
  const lower = step < 0n ? -1n : 0n;
  const upper = step < 0n ? length - 1n : length;
  const clamp = (x: bigint | undefined, dflt: bigint): bigint => {
    if (x === undefined) return dflt;
    if (x < 0n) {
      x += length;
      return x < lower ? lower : x;
    }
    return x > upper ? upper : x;
  };
  return [clamp(part(v.start), step < 0n ? upper : lower), clamp(part(v.stop), step < 0n ? lower : upper), step];
}

/** range_subscript with a slice (compute_slice): a new range over the selected items. */
function rangeSlice(
  interp: Interpreter,
  r: { start: bigint; stop: bigint; step: bigint },
  sl: ObjectId,
  holder: Holder,
): ObjectId {
  const [start, stop, step] = sliceIndicesBig(interp, sl, rangeLen(r.start, r.stop, r.step));
  return interp.internals.alloc(
    'range',
    'range',
    FIXED_SIZES.range,
    { t: 'range', start: r.start + start * r.step, stop: r.start + stop * r.step, step: step * r.step },
    holder,
  );
}

function raiseWithArgs(interp: Interpreter, type: string, args: ObjectId[]): PyRaise {
  const cls = interp.types.get(type) as ObjectId;
  for (const a of args) interp.rt.incref(a, C_TEMP);
  const exc = interp.instantiate(cls, args, [], C_TEMP, undefined);
  for (const a of args) interp.rt.decref(a, C_TEMP);
  interp.rt.move(exc, C_TEMP, { kind: 'root', name: 'raised' });
  return new PyRaise(exc);
}

P.setItem = function (
  this: Interpreter,
  obj: ObjectId,
  key: ObjectId,
  val: ObjectId,
  from: Holder,
  scope: Scope | undefined,
): void {
  const raw = this.value(obj);
  if (raw.t === 'instance') {
    const si = this.lookupClassAttr(raw.cls, '__setitem__');
    if (si !== undefined) {
      this.rt.decref(this.callObject(si, [obj, key, val], [], C_TEMP, scope), C_TEMP);
      return;
    }
  }
  const v = this.builtinView(obj, raw);
  if (v.t === 'list') {
    if (this.values.get(key)?.t === 'slice') {
      // list_ass_slice (step 1): the new items in, the old ones out, the array resized once.
      const idx = sliceBounds(this, key, v.items.length);
      const repl = this.iterateToArray(val, C_TEMP);
      const sv = this.value(key) as { start: ObjectId };
      const startValue = this.value(sv.start);
      const lo =
        idx[0] ??
        Math.min(
          v.items.length,
          Math.max(
            0,
            startValue.t === 'int'
              ? Number(startValue.v < 0n ? BigInt(v.items.length) + startValue.v : startValue.v)
              : 0,
          ),
        );
      const oldLen = v.items.length;
      const removed = v.items.splice(lo, idx.length, ...repl);
      const n = v.items.length;
      if (n === 0) this.setListCapacity(obj, 0);
      else if (n !== oldLen) this.setListCapacity(obj, listResize(v.allocated, oldLen, n));
      for (let k = 0; k < repl.length; k++)
        this.rt.move(repl[k] as ObjectId, C_TEMP, { kind: 'object', owner: obj, slot: 'item', at: lo + k });
      for (let k = removed.length - 1; k >= 0; k--)
        this.rt.decref(removed[k] as ObjectId, { kind: 'object', owner: obj, slot: 'item', at: lo + repl.length + k });
      return;
    }
    const i = indexOf(this, key, v.items.length, 'list');
    const old = v.items[i];
    if (old === undefined || i < 0) throw this.pyErr('IndexError', 'list assignment index out of range');
    v.items[i] = val;
    this.rt.incref(val, { kind: 'object', owner: obj, slot: 'item', at: i });
    this.rt.decref(old, { kind: 'object', owner: obj, slot: 'item', at: i + 1 });
    return;
  }
  if (v.t === 'dict') {
    this.dictSet(obj, key, val, from, 'copy');
    return;
  }
  throw this.typeError(`'${this.typeName(obj)}' object does not support item assignment`);
};

P.delItem = function (this: Interpreter, obj: ObjectId, key: ObjectId, scope: Scope | undefined): void {
  const raw = this.value(obj);
  if (raw.t === 'instance') {
    const di = this.lookupClassAttr(raw.cls, '__delitem__');
    if (di !== undefined) {
      this.rt.decref(this.callObject(di, [obj, key], [], C_TEMP, scope), C_TEMP);
      return;
    }
  }
  const v = this.builtinView(obj, raw);
  if (v.t === 'list') {
    const idxs =
      this.values.get(key)?.t === 'slice'
        ? sliceBounds(this, key, v.items.length)
        : [indexOf(this, key, v.items.length, 'list')];
    if (idxs.length > 0 && idxs.length === v.items.length && this.values.get(key)?.t === 'slice') {
      // Deleting every item is _list_clear: the item array goes.
      this.callBuiltinMethod(obj, 'clear', [], [], C_TEMP, scope);
      this.rt.decref(this.statics.none, C_TEMP);
      return;
    }
    for (const i of [...idxs].sort((a, b) => b - a)) {
      const old = v.items[i];
      if (old === undefined || i < 0) throw this.pyErr('IndexError', 'list assignment index out of range');
      v.items.splice(i, 1);
      this.rt.decref(old, { kind: 'object', owner: obj, slot: 'item', at: i });
    }
    shrinkList(this, obj, v);
    return;
  }
  if (v.t === 'dict') {
    if (!this.dictDel(obj, this.hashKey(key))) throw raiseWithArgs(this, 'KeyError', [key]);
    return;
  }
  throw this.typeError(`'${this.typeName(obj)}' object does not support item deletion`);
};

function shrinkList(interp: Interpreter, obj: ObjectId, v: { items: ObjectId[]; allocated: number }): void {
  const n = v.items.length;
  const next = listResize(v.allocated, n + 1, n);
  if (next !== v.allocated) interp.setListCapacity(obj, next);
}

// =================================================================================
// Lists.

P.listAppend = function (this: Interpreter, list: ObjectId, val: ObjectId, from: Holder, how: 'move' | 'copy'): void {
  const v = this.builtinView(list) as { items: ObjectId[]; allocated: number };
  const n = v.items.length + 1;
  const next = listResize(v.allocated, v.items.length, n);
  if (next !== v.allocated) this.setListCapacity(list, next);
  v.items.push(val);
  if (how === 'move') this.rt.move(val, from, { kind: 'object', owner: list, slot: 'item' });
  else this.rt.incref(val, { kind: 'object', owner: list, slot: 'item' });
};

P.listExtend = function (this: Interpreter, list: ObjectId, iterable: ObjectId, _holder: Holder): void {
  const v = this.builtinView(list) as { items: ObjectId[]; allocated: number };
  const src = this.value(iterable);
  const items = this.iterateToArray(iterable, C_TEMP);
  if (items.length === 0) return;
  const sized =
    src.t === 'list' ||
    src.t === 'tuple' ||
    src.t === 'range' ||
    src.t === 'dict' ||
    src.t === 'set' ||
    src.t === 'str';
  if (v.allocated === 0 && v.items.length === 0 && sized) {
    v.allocated = listPreallocateExact(items.length);
  } else {
    const n = v.items.length + items.length;
    if (sized) {
      const next = listResize(v.allocated, v.items.length, n);
      v.allocated = next;
    } else {
      for (let k = v.items.length + 1; k <= n; k++) v.allocated = listResize(v.allocated, k - 1, k);
    }
  }
  this.setListCapacity(list, v.allocated);
  for (const i of items) {
    v.items.push(i);
    this.rt.move(i, C_TEMP, { kind: 'object', owner: list, slot: 'item' });
  }
};

P.dictUpdate = function (this: Interpreter, dict: ObjectId, other: ObjectId): void {
  const ov = this.value(other);
  if (ov.t === 'dict') {
    for (const e of [...ov.store.entries.values()]) this.dictSet(dict, e.key, e.value, C_TEMP, 'copy');
    return;
  }
  for (const pair of this.iterateToArray(other, C_TEMP)) {
    const [k, v] = this.iterateToArray(pair, C_TEMP);
    if (k === undefined || v === undefined)
      throw this.pyErr('ValueError', 'dictionary update sequence element has wrong length');
    this.dictSet(dict, k, v, C_TEMP, 'move');
    this.rt.decref(pair, C_TEMP);
  }
};

// =================================================================================
// Comprehensions (RC-5: a function object and a frame per evaluation in 3.11).

P.comprehension = function (this: Interpreter, e, scope): ObjectId {
  const stack = scope.stack;
  if (e.k === 'GeneratorExp') throw this.pyErr('NotImplementedError', 'generator expressions are not simulated');
  const fn = this.internals.makeFunctionForComprehension(e, scope);
  const first = e.gens[0] as Comprehension;
  let it: ObjectId;
  try {
    const seq = this.internals.evalExpr(first.iter, scope);
    it = this.getIter(seq, stack);
    this.rt.decref(seq, stack);
  } catch (err) {
    this.rt.decref(fn, stack);
    throw err;
  }
  return this.internals.callFunctionMove(fn, [it], stack, scope);
};

P.runComprehension = function (this: Interpreter, e: Expr, scope: Scope): ObjectId {
  const stack = scope.stack;
  if (e.k !== 'ListComp' && e.k !== 'SetComp' && e.k !== 'DictComp') throw new Error('not a comprehension');
  const result =
    e.k === 'ListComp' ? this.newList([], stack) : e.k === 'SetComp' ? this.newSet(stack, false) : this.newDict(stack);
  const loop = (level: number, it: ObjectId): void => {
    const gen = e.gens[level] as Comprehension;
    for (;;) {
      const item = this.iterNext(it, stack);
      if (item === undefined) return;
      this.internals.assign(gen.target, item, scope);
      let ok = true;
      for (const cond of gen.ifs) {
        if (!this.truthyConsume(this.internals.evalExpr(cond, scope), scope)) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      if (level + 1 < e.gens.length) {
        const next = e.gens[level + 1] as Comprehension;
        const seq = this.internals.evalExpr(next.iter, scope);
        const inner = this.getIter(seq, stack);
        this.rt.decref(seq, stack);
        try {
          loop(level + 1, inner);
        } finally {
          this.rt.decref(inner, stack);
        }
        continue;
      }
      if (e.k === 'ListComp') this.listAppend(result, this.internals.evalExpr(e.elt, scope), stack, 'move');
      else if (e.k === 'SetComp') this.setAdd(result, this.internals.evalExpr(e.elt, scope), stack);
      else {
        const k = this.internals.evalExpr(e.key, scope);
        const v = this.internals.evalExpr(e.value, scope);
        // MAP_ADD (_PyDict_SetItem_Take2): the dict takes both references.
        this.dictSet(result, k, v, stack, 'move');
      }
    }
  };
  const it = this.rt.state.frames[scope.frame]?.vars['.0'];
  if (it === undefined) throw new Error('comprehension without its iterator');
  loop(0, it);
  return result;
};

// =================================================================================
// Truth, str, repr, format.

P.truthy = function (this: Interpreter, id: ObjectId, scope: Scope | undefined): boolean {
  const raw = this.value(id);
  // A container subclass without __bool__ or __len__ is true when its container is not empty.
  const v =
    raw.t === 'instance' &&
    raw.base !== undefined &&
    this.lookupClassAttr(raw.cls, '__bool__') === undefined &&
    this.lookupClassAttr(raw.cls, '__len__') === undefined
      ? raw.base
      : raw;
  switch (v.t) {
    case 'none':
      return false;
    case 'bool':
      return v.v;
    case 'int':
      return v.v !== 0n;
    case 'float':
      return v.v !== 0;
    case 'str':
      return v.v.length > 0;
    case 'bytes':
      return v.v.length > 0;
    case 'list':
    case 'tuple':
      return v.items.length > 0;
    case 'dict':
      return v.store.entries.size > 0;
    case 'set':
      return v.store.table.used > 0;
    case 'range':
      return rangeLen(v.start, v.stop, v.step) > 0n;
    case 'instance': {
      for (const m of ['__bool__', '__len__']) {
        const f = this.lookupClassAttr(v.cls, m);
        if (f === undefined) continue;
        const r = this.callObject(f, [id], [], C_TEMP, scope);
        const rv = this.value(r);
        this.rt.decref(r, C_TEMP);
        if (rv.t === 'bool') return rv.v;
        if (rv.t === 'int') return rv.v !== 0n;
      }
      return true;
    }
    default:
      return true;
  }
};

P.str = function (this: Interpreter, id: ObjectId): string {
  const v = this.value(id);
  if (v.t === 'str') return v.v;
  if (v.t === 'instance') {
    const f = this.lookupClassAttr(v.cls, '__str__');
    if (f !== undefined) return callText(this, f, id, '__str__');
    if (this.classOf(id).isException) return this.excMessage(id);
  }
  return this.repr(id);
};

function callText(interp: Interpreter, f: ObjectId, id: ObjectId, what: string): string {
  const r = interp.callObject(f, [id], [], C_TEMP, undefined);
  const rv = interp.value(r);
  interp.rt.decref(r, C_TEMP);
  if (rv.t !== 'str') throw interp.typeError(`${what} returned non-string (type ${rv.t})`);
  return rv.v;
}

const reprDepth = new Set<ObjectId>();

P.repr = function (this: Interpreter, id: ObjectId): string {
  const raw = this.value(id);
  if (raw.t === 'instance') {
    const f = this.lookupClassAttr(raw.cls, '__repr__');
    if (f !== undefined) return callText(this, f, id, '__repr__');
  }
  // A container subclass without __repr__ shows as its container (a set subclass names its type).
  const v = this.builtinView(id, raw);
  const addr = (): string => `0x${this.rt.object(id).addr.toString(16)}`;
  const nested = (items: readonly ObjectId[], open: string, close: string, one = false): string => {
    if (reprDepth.has(id)) return `${open}...${close}`;
    reprDepth.add(id);
    try {
      const inner = items.map((i) => this.repr(i)).join(', ');
      return `${open}${inner}${one && items.length === 1 ? ',' : ''}${close}`;
    } finally {
      reprDepth.delete(id);
    }
  };
  switch (v.t) {
    case 'none':
      return 'None';
    case 'ellipsis':
      return 'Ellipsis';
    case 'notimplemented':
      return 'NotImplemented';
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'int':
      return v.v.toString();
    case 'float':
      return objects.floatRepr(v.v);
    case 'str':
      return pyStrRepr(v.v);
    case 'bytes':
      return `b${pyStrRepr([...v.v].map((b) => String.fromCharCode(b)).join(''))}`;
    case 'list':
      return nested(v.items, '[', ']');
    case 'tuple':
      return nested(v.items, '(', ')', true);
    case 'dict': {
      if (reprDepth.has(id)) return '{...}';
      reprDepth.add(id);
      try {
        return `{${[...v.store.entries.values()].map((e) => `${this.repr(e.key)}: ${this.repr(e.value)}`).join(', ')}}`;
      } finally {
        reprDepth.delete(id);
      }
    }
    case 'set': {
      // set_repr: the elements in slot order; `set(...)` when the set is already being shown.
      const name = this.typeName(id);
      const items = v.store.table.activeKeys();
      if (items.length === 0) return `${name}()`;
      if (reprDepth.has(id)) return `${name}(...)`;
      const body = nested(items, '{', '}');
      return name !== 'set' ? `${name}(${body})` : body;
    }
    case 'range':
      return v.step === 1n ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
    case 'slice':
      return `slice(${this.repr(v.start)}, ${this.repr(v.stop)}, ${this.repr(v.step)})`;
    case 'function':
      return `<function ${v.qualname} at ${addr()}>`;
    case 'code':
      return `<code object ${v.name} at ${addr()}>`;
    case 'cell':
      return `<cell at ${addr()}: ${v.content === undefined ? 'empty' : `${this.typeName(v.content)} object at 0x${this.rt.object(v.content).addr.toString(16)}`}>`;
    case 'class':
      return v.builtin !== undefined ? `<class '${v.name}'>` : `<class '__main__.${v.qualname}'>`;
    case 'instance': {
      const cv = this.value(v.cls) as ClassValue;
      if (cv.isException) {
        const args = (this.value(this.ownAttr(v, 'args') as ObjectId) as { items: ObjectId[] }).items;
        return `${cv.name}(${args.map((a) => this.repr(a)).join(', ')})`;
      }
      return `<__main__.${cv.qualname} object at ${addr()}>`;
    }
    case 'method':
      return `<bound method ${(this.value(v.func) as FunctionValue).qualname} of ${this.repr(v.self)}>`;
    case 'builtin': {
      // A method taken from a built-in type is a method descriptor (a slot wrapper for a dunder).
      const typed = /^(object|list|tuple|dict|set|frozenset|str|int|float|bytes|property)\.(.+)$/.exec(v.name);
      if (v.self === undefined && typed !== null) {
        const [, kind, method] = typed as unknown as [string, string, string];
        const what = method.startsWith('__') ? 'slot wrapper' : 'method';
        if (method === '__new__') return `<built-in method __new__ of type object at ${addr()}>`;
        return `<${what} '${method}' of '${kind}' objects>`;
      }
      return v.self === undefined
        ? `<built-in function ${v.name.replace(/^.*\./, '')}>`
        : `<built-in method ${v.name.replace(/^.*\./, '')} of ${this.typeName(v.self)} object at 0x${this.rt.object(v.self).addr.toString(16)}>`;
    }
    case 'module':
      return v.name === '__main__' ? "<module '__main__'>" : `<module '${v.name}' (built-in)>`;
    case 'iterator':
      return `<${this.typeName(id)} object at ${addr()}>`;
    case 'weakref': {
      const ref = this.weakrefTarget(id);
      return ref === undefined
        ? `<weakref at ${addr()}; dead>`
        : `<weakref at ${addr()}; to '${this.typeName(ref)}' at 0x${this.rt.object(ref).addr.toString(16)}>`;
    }
    default:
      return `<${this.typeName(id)} object at ${addr()}>`;
  }
};

/** Run a pure object algorithm; its PyError becomes the Python exception it stands for. */
function objectOp<T>(interp: Interpreter, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof objects.PyError) throw interp.pyErr(e.pyType, e.message);
    throw e;
  }
}

/** ascii(): repr with its non-ASCII characters escaped. */
function asciiText(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 128) out += ch;
    else if (c < 0x100) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return out;
}

/**
 * PyObject_Format(obj, spec): a class's `__format__`, else the built-in types' own
 * (objects/formatSpec.ts), else object.__format__ (str(obj) for an empty spec, a
 * TypeError otherwise).
 */
P.formatSpec = function (this: Interpreter, id: ObjectId, spec: string): string {
  const raw = this.value(id);
  if (raw.t === 'instance') {
    const f = this.lookupClassAttr(raw.cls, '__format__');
    if (f !== undefined) {
      const s = this.newStr(spec, C_TEMP);
      try {
        const r = this.callObject(f, [id, s], [], C_TEMP, undefined);
        const rv = this.value(r);
        this.rt.decref(r, C_TEMP);
        if (rv.t !== 'str') throw this.typeError(`__format__ must return a str, not ${this.typeName(r)}`);
        return rv.v;
      } finally {
        this.rt.decref(s, C_TEMP);
      }
    }
  }
  const v = this.builtinView(id, raw);
  const typeName = this.typeName(id);
  return objectOp(this, () => {
    switch (v.t) {
      case 'str':
        return objects.formatStr(v.v, spec, typeName);
      case 'int':
        return spec === '' && raw.t !== 'int' ? this.str(id) : objects.formatInt(v.v, spec, typeName);
      case 'bool':
        return spec === '' ? this.str(id) : objects.formatInt(v.v ? 1n : 0n, spec, typeName);
      case 'float':
        return spec === '' ? this.str(id) : objects.formatFloat(v.v, spec, typeName);
      default:
        if (spec !== '')
          throw new objects.PyError('TypeError', `unsupported format string passed to ${typeName}.__format__`);
        return this.str(id);
    }
  });
};

P.formatStrSpec = function (this: Interpreter, text: string, spec: string): string {
  return objectOp(this, () => objects.formatStr(text, spec));
};

P.ascii = function (this: Interpreter, id: ObjectId): string {
  return asciiText(this.repr(id));
};

/** bytes as latin-1 text (one character a byte). */
function latin1Text(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i += 8192) out += String.fromCharCode(...b.subarray(i, i + 8192));
  return out;
}

/** The printf host over simulated objects (objects/printf.ts asks it what it needs of an argument). */
function printfHost(interp: Interpreter, temps: ObjectId[]): objects.PrintfHost<ObjectId> {
  return {
    tupleItems: (v) => {
      const b = interp.builtinView(v);
      return b.t === 'tuple' ? b.items : undefined;
    },
    isMapping: (v) => {
      const x = interp.value(v);
      if (x.t === 'instance') return x.base !== undefined || interp.lookupClassAttr(x.cls, '__getitem__') !== undefined;
      return x.t === 'dict' || x.t === 'list' || x.t === 'tuple' || x.t === 'str' || x.t === 'bytes' || x.t === 'range';
    },
    isStr: (v) => interp.value(v).t === 'str',
    isBytes: (v) => interp.value(v).t === 'bytes',
    getItem: (m, key, bytesKey) => {
      const k = bytesKey
        ? interp.internals.alloc('bytes', 'bytes', bytesSize(key.length), { t: 'bytes', v: latin1Bytes(key) }, C_TEMP)
        : interp.newStr(key, C_TEMP);
      try {
        const item = interp.getItem(m, k, C_TEMP, undefined);
        temps.push(item);
        return item;
      } finally {
        interp.rt.decref(k, C_TEMP);
      }
    },
    longValue: (v) => {
      const x = interp.value(v);
      return x.t === 'int' ? x.v : x.t === 'bool' ? (x.v ? 1n : 0n) : undefined;
    },
    number: (v) => {
      const x = interp.value(v);
      if (x.t === 'int') return { kind: 'int', value: x.v };
      if (x.t === 'bool') return { kind: 'int', value: x.v ? 1n : 0n };
      if (x.t === 'float') return { kind: 'float', value: x.v };
      if (x.t === 'instance') {
        for (const [dunder, kind] of [
          ['__index__', 'int'],
          ['__int__', 'int'],
          ['__float__', 'float'],
        ] as const) {
          const f = interp.lookupClassAttr(x.cls, dunder);
          if (f === undefined) continue;
          const r = interp.callObject(f, [v], [], C_TEMP, undefined);
          const rv = interp.value(r);
          interp.rt.decref(r, C_TEMP);
          if (kind === 'int' && rv.t === 'int') return { kind, value: rv.v };
          if (kind === 'float' && rv.t === 'float') return { kind, value: rv.v };
        }
      }
      return undefined;
    },
    strValue: (v) => {
      const x = interp.value(v);
      return x.t === 'str' ? x.v : undefined;
    },
    bytesValue: (v) => {
      const x = interp.value(v);
      return x.t === 'bytes' ? latin1Text(x.v) : undefined;
    },
    str: (v) => interp.str(v),
    repr: (v) => interp.repr(v),
    ascii: (v) => asciiText(interp.repr(v)),
    typeName: (v) => interp.typeName(v),
  };
}

const latin1Bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** `fmt % args` for a str or bytes (PyUnicode_Format, _PyBytes_FormatEx): the new object. */
function percentFormat(
  interp: Interpreter,
  fmt: PyValue & { t: 'str' | 'bytes' },
  args: ObjectId,
  holder: Holder,
): ObjectId {
  const temps: ObjectId[] = [];
  try {
    const host = printfHost(interp, temps);
    if (fmt.t === 'str')
      return interp.newStr(
        objectOp(interp, () => objects.percentFormat(host, fmt.v, args)),
        holder,
      );
    const text = objectOp(interp, () => objects.percentFormat(host, latin1Text(fmt.v), args, true));
    return interp.internals.alloc(
      'bytes',
      'bytes',
      bytesSize(text.length),
      { t: 'bytes', v: latin1Bytes(text) },
      holder,
    );
  } finally {
    for (const t of temps) interp.rt.decref(t, C_TEMP);
  }
}

// =================================================================================
// Operators.

function num(v: PyValue): bigint | number | undefined {
  if (v.t === 'int') return v.v;
  if (v.t === 'bool') return v.v ? 1n : 0n;
  if (v.t === 'float') return v.v;
  return undefined;
}

const OP_DUNDER: Record<string, [string, string]> = {
  '+': ['__add__', '__radd__'],
  '-': ['__sub__', '__rsub__'],
  '*': ['__mul__', '__rmul__'],
  '/': ['__truediv__', '__rtruediv__'],
  '//': ['__floordiv__', '__rfloordiv__'],
  '%': ['__mod__', '__rmod__'],
  '**': ['__pow__', '__rpow__'],
  '&': ['__and__', '__rand__'],
  '|': ['__or__', '__ror__'],
  '^': ['__xor__', '__rxor__'],
  '<<': ['__lshift__', '__rlshift__'],
  '>>': ['__rshift__', '__rrshift__'],
  '@': ['__matmul__', '__rmatmul__'],
};

/** The TypeError of a binary operator no operand supports. */
function unsupportedOperands(interp: Interpreter, op: string, inplace: boolean, a: ObjectId, b: ObjectId): PyRaise {
  return interp.typeError(
    `unsupported operand type(s) for ${op}${inplace ? '=' : ''}: '${interp.typeName(a)}' and '${interp.typeName(b)}'`,
  );
}

P.binaryOp = function (this: Interpreter, op, a, b, holder, inplace, scope): ObjectId {
  let av = this.value(a);
  let bv = this.value(b);
  const na = num(av);
  const nb = num(bv);
  if (na !== undefined && nb !== undefined) return numericOp(this, op, na, nb, holder);
  // User classes first (__add__, then the reflected __radd__).
  for (const [self, other, idx] of [
    [a, b, 0],
    [b, a, 1],
  ] as const) {
    const sv = this.value(self);
    const dunder = OP_DUNDER[op];
    if (sv.t !== 'instance' || dunder === undefined) continue;
    if (inplace && idx === 0) {
      const f = this.lookupClassAttr(sv.cls, dunder[0].replace('__', '__i'));
      if (f !== undefined) return this.callObject(f, [self, other], [], holder, scope);
    }
    const f = this.lookupClassAttr(sv.cls, dunder[idx]);
    if (f !== undefined) {
      const r = this.callObject(f, [self, other], [], holder, scope);
      if (this.value(r).t !== 'notimplemented') return r;
      this.rt.decref(r, holder);
    }
  }
  // The containers' own operators (a subclass without the dunder acts as its container).
  av = this.builtinView(a, av);
  bv = this.builtinView(b, bv);
  switch (op) {
    case '+':
      if (av.t === 'str' && bv.t === 'str') return this.newStr(av.v + bv.v, holder);
      if (av.t === 'list' && bv.t === 'list') {
        if (inplace) {
          this.listExtend(a, b, holder);
          return this.ret(a, holder);
        }
        return this.newList([...av.items, ...bv.items], holder);
      }
      if (av.t === 'tuple' && bv.t === 'tuple') return this.newTuple([...av.items, ...bv.items], holder);
      break;
    case '*': {
      const [seq, count] = nb !== undefined ? [a, nb] : na !== undefined ? [b, na] : [undefined, undefined];
      if (seq !== undefined && count !== undefined && typeof count === 'bigint') {
        const sv = this.builtinView(seq);
        const n = Math.max(0, Number(count));
        if (sv.t === 'str') return this.newStr(sv.v.repeat(n), holder);
        if (sv.t === 'list' || sv.t === 'tuple') {
          const items: ObjectId[] = [];
          for (let i = 0; i < n; i++) items.push(...sv.items);
          return sv.t === 'list' ? this.newList(items, holder) : this.newTuple(items, holder);
        }
      }
      break;
    }
    case '%':
      if (av.t === 'str' || av.t === 'bytes') return percentFormat(this, av, b, holder);
      break;
    case '|':
    case '&':
    case '-':
    case '^':
      if (av.t === 'set' && bv.t === 'set') {
        const r = setBinaryOp(this, op, a, b, holder, inplace);
        if (r !== undefined) return r;
      }
      if (op === '|' && av.t === 'dict' && bv.t === 'dict') {
        const d = this.newDict(holder);
        this.dictUpdate(d, a);
        this.dictUpdate(d, b);
        return d;
      }
      break;
    default:
      break;
  }
  throw unsupportedOperands(this, op, inplace, a, b);
};

/** int or float operands of an arithmetic operator (int_* and float_* of longobject.c and floatobject.c). */
function numericOp(interp: Interpreter, op: string, a: bigint | number, b: bigint | number, holder: Holder): ObjectId {
  return objectOp(interp, () => numericOpImpl(interp, op, a, b, holder));
}

function numericOpImpl(
  interp: Interpreter,
  op: string,
  a: bigint | number,
  b: bigint | number,
  holder: Holder,
): ObjectId {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const x = a;
    const y = b;
    switch (op) {
      case '+':
        return interp.newInt(x + y, holder);
      case '-':
        return interp.newInt(x - y, holder);
      case '*':
        return interp.newInt(x * y, holder);
      case '//':
        if (y === 0n) throw interp.pyErr('ZeroDivisionError', 'integer division or modulo by zero');
        return interp.newInt(floorDiv(x, y), holder);
      case '%':
        if (y === 0n) throw interp.pyErr('ZeroDivisionError', 'integer modulo by zero');
        return interp.newInt(x - floorDiv(x, y) * y, holder);
      case '**':
        // long_pow: a negative exponent makes it float_pow of the two converted.
        if (y < 0n) return interp.newFloat(objects.floatPow(objects.intToFloat(x), objects.intToFloat(y)), holder);
        return interp.newInt(x ** y, holder);
      case '/':
        return interp.newFloat(objects.intTrueDiv(x, y), holder);
      case '&':
        return interp.newInt(x & y, holder);
      case '|':
        return interp.newInt(x | y, holder);
      case '^':
        return interp.newInt(x ^ y, holder);
      case '<<':
      case '>>':
        if (y < 0n) throw interp.pyErr('ValueError', 'negative shift count');
        return interp.newInt(op === '<<' ? x << y : x >> y, holder);
      default:
        break;
    }
  }
  // A float operand: the int converts first (PyLong_AsDouble: OverflowError when too large).
  const x = typeof a === 'bigint' ? objects.intToFloat(a) : a;
  const y = typeof b === 'bigint' ? objects.intToFloat(b) : b;
  switch (op) {
    case '+':
      return interp.newFloat(x + y, holder);
    case '-':
      return interp.newFloat(x - y, holder);
    case '*':
      return interp.newFloat(x * y, holder);
    case '/':
      return interp.newFloat(objects.floatTrueDiv(x, y), holder);
    case '//':
      return interp.newFloat(objects.floatFloorDiv(x, y), holder);
    case '%':
      return interp.newFloat(objects.floatRem(x, y), holder);
    case '**':
      return interp.newFloat(objects.floatPow(x, y), holder);
    default:
      throw interp.typeError(
        `unsupported operand type(s) for ${op}: '${typeof a === 'bigint' ? 'int' : 'float'}' and '${typeof b === 'bigint' ? 'int' : 'float'}'`,
      );
  }
}

const floorDiv = (x: bigint, y: bigint): bigint => {
  const q = x / y;
  return x % y !== 0n && x < 0n !== y < 0n ? q - 1n : q;
};

P.unaryOp = function (this: Interpreter, op, a, holder, scope): ObjectId {
  const v = this.value(a);
  if (op === 'not') return this.bool(!this.truthy(a, scope), holder);
  const n = num(v);
  if (n !== undefined) {
    if (op === '-') return typeof n === 'bigint' ? this.newInt(-n, holder) : this.newFloat(-n, holder);
    if (op === '+') return typeof n === 'bigint' ? this.newInt(n, holder) : this.newFloat(n, holder);
    if (op === '~' && typeof n === 'bigint') return this.newInt(~n, holder);
  }
  if (v.t === 'instance') {
    const name = op === '-' ? '__neg__' : op === '+' ? '__pos__' : '__invert__';
    const f = this.lookupClassAttr(v.cls, name);
    if (f !== undefined) return this.callObject(f, [a], [], holder, scope);
  }
  throw this.typeError(`bad operand type for unary ${op}: '${this.typeName(a)}'`);
};

// =================================================================================
// Sets (Objects/setobject.c): every operation on the table, so the result's slots,
// and so its order, are CPython's.

const setView = (interp: Interpreter, id: ObjectId): SetValue | undefined => {
  const v = interp.builtinView(id);
  return v.t === 'set' ? v : undefined;
};

/** The element references of a set, re-filed in slot order after `added` joined (new references). */
function adoptSetKeys(interp: Interpreter, set: ObjectId, added: readonly ObjectId[], sizeBefore: number): void {
  const table = interp.setTable(set);
  if (added.length > 0) {
    (interp.builtinView(set) as SetValue).store.hash = undefined;
    for (const k of added) interp.rt.incref(k, { kind: 'object', owner: set, slot: 'item' });
    interp.refileSet(set);
  }
  if (table.size !== sizeBefore) interp.setSetTable(set, table.size);
}

/** set_table_resize from C code (an update's one big resize, a difference's cleanup). */
function resizeSet(interp: Interpreter, set: ObjectId, minused: number): void {
  const table = interp.setTable(set);
  const before = table.size;
  if (!table.resize(minused)) return;
  interp.refileSet(set);
  if (table.size !== before) interp.setSetTable(set, table.size);
}

/** set_merge: `other` is a set or frozenset. */
function setMerge(interp: Interpreter, set: ObjectId, other: ObjectId): void {
  const table = interp.setTable(set);
  const before = table.size;
  const added = table.merge(interp.setTable(other), interp.keyEq);
  adoptSetKeys(interp, set, added, before);
}

/** set_update_internal: a set merges; a dict adds its keys after one resize; anything else is iterated. */
function setUpdateInternal(interp: Interpreter, set: ObjectId, other: ObjectId): void {
  if (setView(interp, other) !== undefined) {
    setMerge(interp, set, other);
    return;
  }
  const ov = interp.value(other);
  if (ov.t === 'dict') {
    const table = interp.setTable(set);
    const n = ov.store.entries.size;
    if ((table.fill + n) * 5 >= table.mask * 3) resizeSet(interp, set, (table.used + n) * 2);
    for (const e of [...ov.store.entries.values()]) interp.setAdd(set, e.key, undefined);
    return;
  }
  const it = interp.getIter(other, C_TEMP);
  try {
    for (let x = interp.iterNext(it, C_TEMP); x !== undefined; x = interp.iterNext(it, C_TEMP))
      interp.setAdd(set, x, C_TEMP);
  } finally {
    interp.rt.decref(it, C_TEMP);
  }
}

P.setUpdateFrom = function (this: Interpreter, set: ObjectId, other: ObjectId): void {
  setUpdateInternal(this, set, other);
};

/** make_new_set: a new set (or frozenset) filled from `iterable`. */
function makeSet(interp: Interpreter, frozen: boolean, holder: Holder, iterable?: ObjectId): ObjectId {
  const s = interp.newSet(holder, frozen);
  if (iterable === undefined) return s;
  try {
    setUpdateInternal(interp, s, iterable);
  } catch (e) {
    interp.rt.decref(s, holder);
    throw e;
  }
  return s;
}

/** set_copy: make_new_set_basetype(type(so), so). */
const setCopy = (interp: Interpreter, so: ObjectId, holder: Holder): ObjectId =>
  makeSet(interp, (setView(interp, so) as SetValue).frozen, holder, so);

/** set_contains_key / set_contains: a set key is looked up as the frozenset of its items. */
function setContains(interp: Interpreter, set: ObjectId, key: ObjectId): boolean {
  const table = interp.setTable(set);
  let hash: bigint;
  try {
    hash = interp.pyHash(key);
  } catch (e) {
    const kv = interp.value(key);
    if (!(e instanceof PyRaise) || kv.t !== 'set' || interp.classOf(e.exc).name !== 'TypeError') throw e;
    interp.rt.decref(e.exc, { kind: 'root', name: 'raised' });
    const tmp = makeSet(interp, true, C_TEMP, key);
    try {
      return setContains(interp, set, tmp);
    } finally {
      interp.rt.decref(tmp, C_TEMP);
    }
  }
  return table.lookup(key, hash, interp.keyEq) >= 0;
}

/** set_discard_key with set_discard's frozenset retry: true when found. */
function setDiscardKey(interp: Interpreter, set: ObjectId, key: ObjectId): boolean {
  try {
    return interp.setDiscard(set, key);
  } catch (e) {
    const kv = interp.value(key);
    if (!(e instanceof PyRaise) || kv.t !== 'set' || interp.classOf(e.exc).name !== 'TypeError') throw e;
    interp.rt.decref(e.exc, { kind: 'root', name: 'raised' });
    const tmp = makeSet(interp, true, C_TEMP, key);
    try {
      return interp.setDiscard(set, tmp);
    } finally {
      interp.rt.decref(tmp, C_TEMP);
    }
  }
}

/** The (key, hash) pairs of a set in slot order (set_next). */
function setEntries(interp: Interpreter, set: ObjectId): [ObjectId, bigint][] {
  const t = interp.setTable(set);
  const out: [ObjectId, bigint][] = [];
  for (let i = t.next(0); i >= 0; i = t.next(i + 1)) out.push([t.keyAt(i) as ObjectId, t.hashAt(i)]);
  return out;
}

/** set_add_entry with a known hash (the key borrowed: a new reference when added). */
function setAddEntry(interp: Interpreter, set: ObjectId, key: ObjectId, hash: bigint): void {
  const table = interp.setTable(set);
  const before = table.size;
  const { slot, resized } = table.add(key, hash, interp.keyEq);
  if (slot < 0) return;
  (interp.builtinView(set) as SetValue).store.hash = undefined;
  interp.rt.incref(key, { kind: 'object', owner: set, slot: 'item', ...(resized ? {} : { at: table.rank(slot) }) });
  if (resized) interp.refileSet(set);
  if (table.size !== before) interp.setSetTable(set, table.size);
}

/** set_discard_entry with a known hash. */
function setDiscardEntry(interp: Interpreter, set: ObjectId, key: ObjectId, hash: bigint): boolean {
  const table = interp.setTable(set);
  const gone = table.discard(key, hash, interp.keyEq);
  if (gone === undefined) return false;
  (interp.builtinView(set) as SetValue).store.hash = undefined;
  interp.rt.decref(gone.key, { kind: 'object', owner: set, slot: 'item', at: table.rank(gone.slot) });
  return true;
}

/** set_intersection. */
function setIntersection(interp: Interpreter, so: ObjectId, other: ObjectId, holder: Holder): ObjectId {
  if (so === other) return setCopy(interp, so, holder);
  const result = makeSet(interp, (setView(interp, so) as SetValue).frozen, holder);
  try {
    if (setView(interp, other) !== undefined) {
      let big = so;
      let small = other;
      if (interp.setTable(other).used > interp.setTable(so).used) [big, small] = [other, so];
      const bt = interp.setTable(big);
      for (const [key, hash] of setEntries(interp, small)) {
        if (bt.lookup(key, hash, interp.keyEq) >= 0) setAddEntry(interp, result, key, hash);
      }
      return result;
    }
    const it = interp.getIter(other, C_TEMP);
    try {
      const st = interp.setTable(so);
      for (let key = interp.iterNext(it, C_TEMP); key !== undefined; key = interp.iterNext(it, C_TEMP)) {
        try {
          const hash = interp.pyHash(key);
          if (st.lookup(key, hash, interp.keyEq) >= 0) {
            setAddEntry(interp, result, key, hash);
            if (interp.setTable(result).used >= st.used) break;
          }
        } finally {
          interp.rt.decref(key, C_TEMP);
        }
      }
    } finally {
      interp.rt.decref(it, C_TEMP);
    }
    return result;
  } catch (e) {
    interp.rt.decref(result, holder);
    throw e;
  }
}

/** set_difference_update_internal. */
function setDifferenceUpdate(interp: Interpreter, so: ObjectId, other: ObjectId): void {
  if (so === other) {
    setClear(interp, so);
    return;
  }
  if (setView(interp, other) !== undefined) {
    // When the other set is more than 8 times larger, only the intersection matters.
    const tmp =
      interp.setTable(other).used >> 3 > interp.setTable(so).used
        ? setIntersection(interp, so, other, C_TEMP)
        : interp.ret(other, C_TEMP);
    try {
      for (const [key, hash] of setEntries(interp, tmp)) setDiscardEntry(interp, so, key, hash);
    } finally {
      interp.rt.decref(tmp, C_TEMP);
    }
  } else {
    const it = interp.getIter(other, C_TEMP);
    try {
      for (let key = interp.iterNext(it, C_TEMP); key !== undefined; key = interp.iterNext(it, C_TEMP)) {
        try {
          setDiscardKey(interp, so, key);
        } finally {
          interp.rt.decref(key, C_TEMP);
        }
      }
    } finally {
      interp.rt.decref(it, C_TEMP);
    }
  }
  // More than a quarter dummies: resized away.
  const t = interp.setTable(so);
  if (t.fill - t.used <= Math.floor(t.mask / 4)) return;
  resizeSet(interp, so, t.used > 50000 ? t.used * 2 : t.used * 4);
}

/** set_difference. */
function setDifference(interp: Interpreter, so: ObjectId, other: ObjectId, holder: Holder): ObjectId {
  const ov = interp.value(other);
  const otherSet = setView(interp, other);
  const otherSize = otherSet !== undefined ? otherSet.store.table.used : ov.t === 'dict' ? ov.store.entries.size : -1;
  if (otherSize < 0 || interp.setTable(so).used >> 2 > otherSize) {
    const result = setCopy(interp, so, holder);
    try {
      setDifferenceUpdate(interp, result, other);
    } catch (e) {
      interp.rt.decref(result, holder);
      throw e;
    }
    return result;
  }
  const result = makeSet(interp, (setView(interp, so) as SetValue).frozen, holder);
  for (const [key, hash] of setEntries(interp, so)) {
    const found =
      otherSet !== undefined
        ? otherSet.store.table.lookup(key, hash, interp.keyEq) >= 0
        : (ov as DictValue).store.entries.has(interp.hashKey(key));
    if (!found) setAddEntry(interp, result, key, hash);
  }
  return result;
}

/** set_symmetric_difference_update: each element of `other` is discarded from `so`, or added when absent. */
function setSymmetricDifferenceUpdate(interp: Interpreter, so: ObjectId, other: ObjectId): void {
  if (so === other) {
    setClear(interp, so);
    return;
  }
  const ov = interp.value(other);
  if (ov.t === 'dict') {
    for (const e of [...ov.store.entries.values()]) {
      const hash = interp.pyHash(e.key);
      if (!setDiscardEntry(interp, so, e.key, hash)) setAddEntry(interp, so, e.key, hash);
    }
    return;
  }
  const otherset =
    setView(interp, other) !== undefined ? interp.ret(other, C_TEMP) : makeSet(interp, false, C_TEMP, other);
  try {
    for (const [key, hash] of setEntries(interp, otherset)) {
      if (!setDiscardEntry(interp, so, key, hash)) setAddEntry(interp, so, key, hash);
    }
  } finally {
    interp.rt.decref(otherset, C_TEMP);
  }
}

/** set_symmetric_difference: a copy of `other` (of so's base type), updated with so. */
function setSymmetricDifference(interp: Interpreter, so: ObjectId, other: ObjectId, holder: Holder): ObjectId {
  const result = makeSet(interp, (setView(interp, so) as SetValue).frozen, holder, other);
  try {
    setSymmetricDifferenceUpdate(interp, result, so);
  } catch (e) {
    interp.rt.decref(result, holder);
    throw e;
  }
  return result;
}

/** set_issubset. */
function setIsSubset(interp: Interpreter, so: ObjectId, other: ObjectId): boolean {
  if (setView(interp, other) === undefined) {
    const tmp = makeSet(interp, false, C_TEMP, other);
    try {
      return setIsSubset(interp, so, tmp);
    } finally {
      interp.rt.decref(tmp, C_TEMP);
    }
  }
  const ot = interp.setTable(other);
  if (interp.setTable(so).used > ot.used) return false;
  for (const [key, hash] of setEntries(interp, so)) if (ot.lookup(key, hash, interp.keyEq) < 0) return false;
  return true;
}

/** set_issuperset. */
function setIsSuperset(interp: Interpreter, so: ObjectId, other: ObjectId): boolean {
  if (setView(interp, other) !== undefined) return setIsSubset(interp, other, so);
  const it = interp.getIter(other, C_TEMP);
  try {
    for (let key = interp.iterNext(it, C_TEMP); key !== undefined; key = interp.iterNext(it, C_TEMP)) {
      const found = setContains(interp, so, key);
      interp.rt.decref(key, C_TEMP);
      if (!found) return false;
    }
  } finally {
    interp.rt.decref(it, C_TEMP);
  }
  return true;
}

/** set_richcompare (both operands are sets or frozensets). */
function setRichCompare(interp: Interpreter, a: ObjectId, b: ObjectId, op: CompareOp): boolean {
  const na = interp.setTable(a).used;
  const nb = interp.setTable(b).used;
  switch (op) {
    case '==':
    case '!=': {
      let eq: boolean;
      if (na !== nb) eq = false;
      else {
        const ha = (setView(interp, a) as SetValue).store.hash;
        const hb = (setView(interp, b) as SetValue).store.hash;
        eq = ha !== undefined && hb !== undefined && ha !== hb ? false : setIsSubset(interp, a, b);
      }
      return op === '==' ? eq : !eq;
    }
    case '<=':
      return setIsSubset(interp, a, b);
    case '>=':
      return setIsSuperset(interp, a, b);
    case '<':
      return na < nb && setIsSubset(interp, a, b);
    case '>':
      return na > nb && setIsSuperset(interp, a, b);
  }
}

/** set_clear_internal: back to the 8 slots inside the object; the elements released in slot order. */
function setClear(interp: Interpreter, set: ObjectId): void {
  const store = (interp.builtinView(set) as SetValue).store;
  const keys = store.table.clear();
  store.hash = undefined;
  interp.setSetTable(set, 8);
  for (const k of keys) interp.rt.decref(k, { kind: 'object', owner: set, slot: 'item', at: 0 });
}

/** The set operators (set_or, set_and, set_sub, set_xor and the in-place ones); undefined: NotImplemented. */
function setBinaryOp(
  interp: Interpreter,
  op: string,
  a: ObjectId,
  b: ObjectId,
  holder: Holder,
  inplace: boolean,
): ObjectId | undefined {
  const av = setView(interp, a);
  if (av === undefined || setView(interp, b) === undefined) return undefined;
  if (inplace && !av.frozen) {
    // set_ior, set_iand, set_isub, set_ixor: the left set itself, updated.
    if (op === '|') setUpdateInternal(interp, a, b);
    else if (op === '-') setDifferenceUpdate(interp, a, b);
    else if (op === '^') setSymmetricDifferenceUpdate(interp, a, b);
    else {
      const tmp = setIntersection(interp, a, b, C_TEMP);
      swapSetBodies(interp, a, tmp);
      interp.rt.decref(tmp, C_TEMP);
    }
    return interp.ret(a, holder);
  }
  switch (op) {
    case '|': {
      const result = setCopy(interp, a, holder);
      if (a !== b) setUpdateInternal(interp, result, b);
      return result;
    }
    case '&':
      return setIntersection(interp, a, b, holder);
    case '-':
      return setDifference(interp, a, b, holder);
    case '^':
      return setSymmetricDifference(interp, a, b, holder);
    default:
      return undefined;
  }
}

/** set_swap_bodies: `a` takes `b`'s table and elements, `b` gets `a`'s. */
function swapSetBodies(interp: Interpreter, a: ObjectId, b: ObjectId): void {
  const sa = (interp.builtinView(a) as SetValue).store;
  const sb = (interp.builtinView(b) as SetValue).store;
  const ka = sa.table.activeKeys();
  const kb = sb.table.activeKeys();
  for (const k of ka) interp.rt.move(k, { kind: 'object', owner: a, slot: 'item' }, C_TEMP);
  for (const k of kb)
    interp.rt.move(k, { kind: 'object', owner: b, slot: 'item' }, { kind: 'object', owner: a, slot: 'item' });
  for (const k of ka) interp.rt.move(k, C_TEMP, { kind: 'object', owner: b, slot: 'item' });
  [sa.table, sb.table] = [sb.table, sa.table];
  sa.hash = undefined;
  sb.hash = undefined;
  interp.setSetTable(a, sa.table.size);
  interp.setSetTable(b, sb.table.size);
}

// =================================================================================
// Comparisons (Objects/object.c do_richcompare, PyObject_RichCompareBool).

type CompareOp = '<' | '<=' | '==' | '!=' | '>' | '>=';
const SWAPPED: Record<CompareOp, CompareOp> = { '<': '>', '<=': '>=', '==': '==', '!=': '!=', '>': '<', '>=': '<=' };
const RICH_DUNDER: Record<CompareOp, string> = {
  '<': '__lt__',
  '<=': '__le__',
  '==': '__eq__',
  '!=': '__ne__',
  '>': '__gt__',
  '>=': '__ge__',
};

/** Is `sub` a proper subtype of `sup` (PyType_IsSubtype with sub != sup)? */
function isProperSubtype(interp: Interpreter, sub: ObjectId, sup: ObjectId): boolean {
  return sub !== sup && (interp.value(sub) as ClassValue).mro.includes(sup);
}

/** The outcome of a three-way comparison for `op` (NaN: unordered, every op but != is false). */
function cmpResult(c: number, op: CompareOp): boolean {
  if (Number.isNaN(c)) return op === '!=';
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '==':
      return c === 0;
    case '!=':
      return c !== 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

/** Code-point order of two strs (JavaScript compares UTF-16 units). */
function compareStr(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (an astral character) sorts after every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** Three-way comparison of two numbers as CPython compares them: exactly, NaN unordered. */
function compareNum(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) || Number.isNaN(b) ? NaN : a - b;
  if (typeof a === 'bigint') return objects.compareIntFloat(a, b as number);
  return -objects.compareIntFloat(b as bigint, a);
}

/**
 * The built-in types' tp_richcompare: a bool result, or undefined for NotImplemented.
 * `a` and `b` are the values (a subclass instance's built-in part included).
 */
function builtinRichCompare(
  interp: Interpreter,
  a: ObjectId,
  av: PyValue,
  b: ObjectId,
  bv: PyValue,
  op: CompareOp,
): boolean | undefined {
  const na = num(av);
  const nb = num(bv);
  if (na !== undefined && nb !== undefined) return cmpResult(compareNum(na, nb), op);
  switch (av.t) {
    case 'str':
      return bv.t === 'str' ? cmpResult(compareStr(av.v, bv.v), op) : undefined;
    case 'bytes': {
      if (bv.t !== 'bytes') return undefined;
      const n = Math.min(av.v.length, bv.v.length);
      let c = 0;
      for (let i = 0; i < n && c === 0; i++) c = (av.v[i] as number) - (bv.v[i] as number);
      return cmpResult(c !== 0 ? c : av.v.length - bv.v.length, op);
    }
    case 'list':
    case 'tuple': {
      // list_richcompare: the first index where the items differ (RichCompareBool, so
      // identical items are equal), then the lengths or that pair of items.
      if (bv.t !== av.t) return undefined;
      const x = av.items;
      const y = bv.items;
      if (x.length !== y.length && (op === '==' || op === '!=')) return op === '!=';
      let i = 0;
      while (i < x.length && i < y.length && interp.richEq(x[i] as ObjectId, y[i] as ObjectId)) i++;
      if (i >= x.length || i >= y.length) return cmpResult(x.length - y.length, op);
      if (op === '==') return false;
      if (op === '!=') return true;
      return interp.richCompareBool(x[i] as ObjectId, y[i] as ObjectId, op);
    }
    case 'dict': {
      if (bv.t !== 'dict' || (op !== '==' && op !== '!=')) return undefined;
      const ea = av.store.entries;
      const eb = bv.store.entries;
      let same = ea.size === eb.size;
      if (same) {
        for (const [k, e] of ea) {
          const o = eb.get(k);
          if (o === undefined || !interp.richEq(e.value, o.value)) {
            same = false;
            break;
          }
        }
      }
      return op === '==' ? same : !same;
    }
    case 'set':
      return bv.t === 'set' ? setRichCompare(interp, a, b, op) : undefined;
    case 'range': {
      if (bv.t !== 'range' || (op !== '==' && op !== '!=')) return undefined;
      // range_equals: same length, then (unless empty) same start, then (unless one item) same step.
      const len = rangeLen(av.start, av.stop, av.step);
      let same = len === rangeLen(bv.start, bv.stop, bv.step);
      if (same && len > 0n) same = av.start === bv.start && (len === 1n || av.step === bv.step);
      return op === '==' ? same : !same;
    }
    case 'method': {
      // method_richcompare: the same __self__ (by identity) and equal __func__.
      if (bv.t !== 'method' || (op !== '==' && op !== '!=')) return undefined;
      const same = av.self === bv.self && interp.richEq(av.func, bv.func);
      return op === '==' ? same : !same;
    }
    case 'builtin': {
      // meth_richcompare: the same C function bound to the same object.
      if (bv.t !== 'builtin' || (op !== '==' && op !== '!=')) return undefined;
      const same = av.self === bv.self && av.name === bv.name;
      return op === '==' ? same : !same;
    }
    case 'weakref': {
      // weakref_richcompare: the referents compared while both live, else identity.
      if (bv.t !== 'weakref' || (op !== '==' && op !== '!=')) return undefined;
      const ra = interp.weakrefTarget(a);
      const rb = interp.weakrefTarget(b);
      if (ra === undefined || rb === undefined) return op === '==' ? a === b : a !== b;
      interp.rt.incref(ra, C_TEMP);
      interp.rt.incref(rb, C_TEMP);
      try {
        return interp.richCompareBool(ra, rb, op);
      } finally {
        interp.rt.decref(ra, C_TEMP);
        interp.rt.decref(rb, C_TEMP);
      }
    }
    default:
      // object_richcompare: identity for ==; != is not ==; no order.
      if (op === '==') return a === b ? true : undefined;
      if (op === '!=') return a === b ? false : undefined;
      return undefined;
  }
}

/**
 * A type's tp_richcompare on (self, other): the result object (a new reference owned
 * by C_TEMP), or undefined for NotImplemented. A class with the dunder calls it
 * (slot_tp_richcompare); otherwise its built-in base (or object) decides. object's
 * `__ne__` inverts a user `__eq__`.
 */
function slotRichCompare(interp: Interpreter, self: ObjectId, other: ObjectId, op: CompareOp): ObjectId | undefined {
  const sv = interp.value(self);
  if (sv.t === 'instance') {
    const f = interp.lookupClassAttr(sv.cls, RICH_DUNDER[op]);
    if (f !== undefined && interp.values.get(f)?.t !== 'none') {
      const r = interp.callObject(f, [self, other], [], C_TEMP, undefined);
      if (interp.value(r).t !== 'notimplemented') return r;
      interp.rt.decref(r, C_TEMP);
      return undefined;
    }
    if (op === '!=' && interp.lookupClassAttr(sv.cls, '__eq__') !== undefined) {
      const r = slotRichCompare(interp, self, other, '==');
      if (r === undefined) return undefined;
      let t: boolean;
      try {
        t = interp.truthy(r, undefined);
      } finally {
        interp.rt.decref(r, C_TEMP);
      }
      return interp.bool(!t, C_TEMP);
    }
  }
  const ov = interp.value(other);
  const res = builtinRichCompare(interp, self, interp.builtinView(self, sv), other, interp.builtinView(other, ov), op);
  return res === undefined ? undefined : interp.bool(res, C_TEMP);
}

/**
 * PyObject_RichCompare (do_richcompare): a subclass's reflected method first when the
 * right operand's type is a proper subtype of the left's; then the left operand's
 * method; then, if not tried yet, the right operand's reflected method (each at most
 * once, so `__lt__` written as `not (a > b)` cannot recurse through the other
 * operand); then identity for == and !=, and a TypeError for an order.
 * Returns a new reference owned by `holder`.
 */
function richCompare(interp: Interpreter, a: ObjectId, b: ObjectId, op: CompareOp, holder: Holder): ObjectId {
  // PyObject_RichCompare counts as a level of recursion. Comparisons of ints, floats and
  // strs are specialized in 3.11 (COMPARE_OP_*_JUMP) and skip the check: only one that
  // may call a class's method is counted.
  if (interp.values.get(a)?.t !== 'instance' && interp.values.get(b)?.t !== 'instance')
    return doRichCompare(interp, a, b, op, holder);
  interp.enterRecursiveCall(' in comparison');
  try {
    return doRichCompare(interp, a, b, op, holder);
  } finally {
    interp.leaveRecursiveCall();
  }
}

function doRichCompare(interp: Interpreter, a: ObjectId, b: ObjectId, op: CompareOp, holder: Holder): ObjectId {
  const ta = interp.typeOf(a);
  const tb = interp.typeOf(b);
  let checkedReverse = false;
  let r: ObjectId | undefined;
  if (isProperSubtype(interp, tb, ta) && interp.values.get(b)?.t === 'instance') {
    checkedReverse = true;
    r = slotRichCompare(interp, b, a, SWAPPED[op]);
  }
  r ??= slotRichCompare(interp, a, b, op);
  if (r === undefined && !checkedReverse) r = slotRichCompare(interp, b, a, SWAPPED[op]);
  if (r !== undefined) {
    interp.rt.move(r, C_TEMP, holder);
    return r;
  }
  if (op === '==') return interp.bool(a === b, holder);
  if (op === '!=') return interp.bool(a !== b, holder);
  throw interp.typeError(
    `'${op}' not supported between instances of '${interp.typeName(a)}' and '${interp.typeName(b)}'`,
  );
}

P.richCompareBool = function (this: Interpreter, a: ObjectId, b: ObjectId, op: CompareOp): boolean {
  // Identity implies equality (for containers: [nan] == [nan]).
  if (a === b && (op === '==' || op === '!=')) return op === '==';
  const r = richCompare(this, a, b, op, C_TEMP);
  try {
    return this.truthy(r, undefined);
  } finally {
    this.rt.decref(r, C_TEMP);
  }
};

P.richEq = function (this: Interpreter, a: ObjectId, b: ObjectId): boolean {
  return this.richCompareBool(a, b, '==');
};

/** PySequence_Contains: __contains__, the built-in containment, or iteration with RichCompareBool. */
function contains(interp: Interpreter, container: ObjectId, item: ObjectId, scope?: Scope): boolean {
  const raw = interp.value(container);
  if (raw.t === 'instance') {
    const f = interp.lookupClassAttr(raw.cls, '__contains__');
    if (f !== undefined) {
      const r = interp.callObject(f, [container, item], [], C_TEMP, scope);
      const t = interp.truthy(r, scope);
      interp.rt.decref(r, C_TEMP);
      return t;
    }
  }
  const cv = interp.builtinView(container, raw);
  switch (cv.t) {
    case 'list':
    case 'tuple':
      return cv.items.some((x) => interp.richEq(x, item));
    case 'dict':
      return cv.store.entries.has(interp.hashKey(item));
    case 'set':
      return setContains(interp, container, item);
    case 'str': {
      const iv = interp.value(item);
      if (iv.t !== 'str')
        throw interp.typeError(`'in <string>' requires string as left operand, not ${interp.typeName(item)}`);
      return cv.v.includes(iv.v);
    }
    case 'range': {
      const n = num(interp.value(item));
      if (typeof n !== 'bigint') return false;
      const len = rangeLen(cv.start, cv.stop, cv.step);
      if (len === 0n) return false;
      const off = n - cv.start;
      return off % cv.step === 0n && off / cv.step >= 0n && off / cv.step < len;
    }
    case 'instance': {
      const items = interp.iterateToArray(container, C_TEMP);
      const found = items.some((x) => interp.richEq(x, item));
      for (const x of items) interp.rt.decref(x, C_TEMP);
      return found;
    }
    default:
      throw interp.typeError(`argument of type '${interp.typeName(container)}' is not iterable`);
  }
}

P.compare = function (this: Interpreter, op, a, b, holder, scope): ObjectId {
  switch (op) {
    case 'is':
      return this.bool(a === b, holder);
    case 'is not':
      return this.bool(a !== b, holder);
    case 'in':
      return this.bool(contains(this, b, a, scope), holder);
    case 'not in':
      return this.bool(!contains(this, b, a, scope), holder);
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return richCompare(this, a, b, op, holder);
    default:
      throw this.typeError(`unknown comparison ${op}`);
  }
};

P.isInstance = function (this: Interpreter, obj: ObjectId, cls: ObjectId): boolean {
  const cv = this.values.get(cls);
  if (cv?.t === 'tuple') return cv.items.some((c) => this.isInstance(obj, c));
  if (cv?.t !== 'class') throw this.typeError('isinstance() arg 2 must be a type, a tuple of types, or a union');
  const t = this.typeOf(obj);
  if (cv.builtin === 'object') return true;
  if (cv.builtin === 'int' && this.value(obj).t === 'bool') return true;
  return (this.value(t) as ClassValue).mro.includes(cls);
};

// =================================================================================
// Built-in functions and modules.

function argN(interp: Interpreter, name: string, args: ObjectId[], min: number, max = min): void {
  if (args.length >= min && args.length <= max) return;
  if (min === max) {
    const what = min === 1 ? 'exactly one argument' : `exactly ${min} arguments`;
    throw interp.typeError(`${name}() takes ${what} (${args.length} given)`);
  }
  throw interp.typeError(`${name} expected at most ${max} arguments, got ${args.length}`);
}

/**
 * C functions declared METH_VARARGS in 3.11 (not converted to vectorcall): the call
 * packs the arguments into a tuple (a GC allocation, or a tuple from the free list),
 * which dies after the call.
 */
const METH_VARARGS = new Set(['gc.set_threshold', 'gc.get_referrers', 'gc.get_referents']);
/** The argument tuple of the METH_VARARGS call running now (gc.get_referrers skips it, as gc_referrers_for does). */
let packedArgs: ObjectId | undefined;

P.callBuiltin = function (this: Interpreter, name, self, args, kwargs, holder, scope): ObjectId {
  if (self === undefined && METH_VARARGS.has(name) && args.length > 0) {
    const packed = this.newTuple(args, C_TEMP);
    const outer = packedArgs;
    packedArgs = packed;
    try {
      return callBuiltinImpl.call(this, name, self, args, kwargs, holder, scope);
    } finally {
      packedArgs = outer;
      this.rt.decref(packed, C_TEMP);
    }
  }
  if (self === undefined && MAKE_TP_CALL.has(name) && args.length > 0) {
    // No vectorcall: _PyObject_MakeTpCall packs the arguments into a tuple for tp_call.
    const packed = this.newTuple(args, C_TEMP);
    try {
      return callBuiltinImpl.call(this, name, self, args, kwargs, holder, scope);
    } finally {
      this.rt.decref(packed, C_TEMP);
    }
  }
  return callBuiltinImpl.call(this, name, self, args, kwargs, holder, scope);
};

/**
 * Built-in types that 3.11 calls through tp_call (they have no vectorcall): the call
 * packs its positional arguments into a tuple, as a class's call does (instantiate).
 */
const MAKE_TP_CALL = new Set([
  'type.int',
  'type.str',
  'type.bytes',
  'type.slice',
  'type.object',
  'builtins.property',
  'builtins.staticmethod',
  'builtins.classmethod',
  'weakref.ref',
]);

/** `builtins.min` -> `min`: the name without its module, made once per builtin (asked on every call). */
const SHORT_NAMES = new Map<string, string>();
function shortName(name: string): string {
  let s = SHORT_NAMES.get(name);
  if (s === undefined) {
    s = name.replace(/^[a-z_]+\./, '');
    SHORT_NAMES.set(name, s);
  }
  return s;
}

/** The keyword argument `k` of a builtin call, if given. */
function kwArg(kwargs: readonly [string, ObjectId][], k: string): ObjectId | undefined {
  for (const [n, v] of kwargs) if (n === k) return v;
  return undefined;
}

const callBuiltinImpl = function (
  this: Interpreter,
  name: string,
  self: ObjectId | undefined,
  args: ObjectId[],
  kwargs: [string, ObjectId][],
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  if (self !== undefined) {
    const [kind, method] = name.split('.') as [string, string];
    return this.callBuiltinMethod(self, method, args, kwargs, holder, scope, kind);
  }
  const unbound = /^(object|list|tuple|dict|set|frozenset|str|int|float|bytes|property|exception)\.(.+)$/.exec(name);
  if (unbound !== null) {
    // A method taken from the type (list.append, object.__setattr__, tuple.__new__ ...).
    const kind = unbound[1] as string;
    const method = unbound[2] as string;
    if (method === '__new__') return typeNewBuiltin(this, kind, args, kwargs, holder);
    const first = args[0];
    if (first === undefined) throw this.typeError(`unbound method ${kind}.${method}() needs an argument`);
    return this.callBuiltinMethod(first, method, args.slice(1), kwargs, holder, scope, kind);
  }
  const short = shortName(name);
  switch (name) {
    case 'builtins.print':
      return print(this, args, kwargs, holder, scope);
    case 'builtins.len': {
      argN(this, 'len', args, 1);
      const raw = this.value(args[0] as ObjectId);
      if (raw.t === 'instance') {
        const f = this.lookupClassAttr(raw.cls, '__len__');
        if (f !== undefined) return this.callObject(f, [args[0] as ObjectId], [], holder, scope);
      }
      const v = this.builtinView(args[0] as ObjectId, raw);
      const n =
        v.t === 'str'
          ? [...v.v].length
          : v.t === 'list' || v.t === 'tuple'
            ? v.items.length
            : v.t === 'dict'
              ? v.store.entries.size
              : v.t === 'set'
                ? v.store.table.used
                : v.t === 'bytes'
                  ? v.v.length
                  : v.t === 'range'
                    ? Number(rangeLen(v.start, v.stop, v.step))
                    : undefined;
      if (n !== undefined) return this.newInt(BigInt(n), holder);
      throw this.typeError(`object of type '${this.typeName(args[0] as ObjectId)}' has no len()`);
    }
    case 'builtins.id':
      argN(this, 'id', args, 1);
      return this.newInt(BigInt(this.rt.object(args[0] as ObjectId).addr), holder);
    case 'builtins.repr':
      argN(this, 'repr', args, 1);
      return this.newStr(this.repr(args[0] as ObjectId), holder);
    case 'builtins.isinstance':
      argN(this, 'isinstance', args, 2);
      return this.bool(this.isInstance(args[0] as ObjectId, args[1] as ObjectId), holder);
    case 'builtins.issubclass': {
      argN(this, 'issubclass', args, 2);
      const c = this.value(args[0] as ObjectId) as ClassValue;
      return this.bool(
        c.mro.includes(args[1] as ObjectId) || (this.value(args[1] as ObjectId) as ClassValue).builtin === 'object',
        holder,
      );
    }
    case 'builtins.hash':
      argN(this, 'hash', args, 1);
      return this.newInt(this.pyHash(args[0] as ObjectId), holder);
    case 'builtins.callable': {
      const v = this.value(args[0] as ObjectId);
      return this.bool(
        ['function', 'method', 'builtin', 'class'].includes(v.t) ||
          (v.t === 'instance' && this.lookupClassAttr(v.cls, '__call__') !== undefined),
        holder,
      );
    }
    case 'builtins.chr':
      return this.charStr(String.fromCodePoint(Number(num(this.value(args[0] as ObjectId)) ?? 0)), holder);
    case 'builtins.ord':
      return this.newInt(BigInt(this.str(args[0] as ObjectId).codePointAt(0) ?? 0), holder);
    case 'builtins.abs': {
      const n = num(this.value(args[0] as ObjectId));
      if (n === undefined) throw this.typeError(`bad operand type for abs(): '${this.typeName(args[0] as ObjectId)}'`);
      return typeof n === 'bigint' ? this.newInt(n < 0n ? -n : n, holder) : this.newFloat(Math.abs(n), holder);
    }
    case 'builtins.divmod': {
      argN(this, 'divmod', args, 2);
      const na = num(this.value(args[0] as ObjectId));
      const nb = num(this.value(args[1] as ObjectId));
      if (typeof na === 'bigint' && typeof nb === 'bigint') {
        // long_divmod.
        if (nb === 0n) throw this.pyErr('ZeroDivisionError', 'integer division or modulo by zero');
        const q = floorDiv(na, nb);
        return this.newTuple([this.newInt(q, C_TEMP), this.newInt(na - q * nb, C_TEMP)], holder, C_TEMP);
      }
      if (na !== undefined && nb !== undefined) {
        // float_divmod.
        const [q, r] = objectOp(this, () =>
          objects.floatDivmod(
            typeof na === 'bigint' ? objects.intToFloat(na) : na,
            typeof nb === 'bigint' ? objects.intToFloat(nb) : nb,
          ),
        );
        return this.newTuple([this.newFloat(q, C_TEMP), this.newFloat(r, C_TEMP)], holder, C_TEMP);
      }
      const q = this.binaryOp('//', args[0] as ObjectId, args[1] as ObjectId, C_TEMP, false, scope);
      const r = this.binaryOp('%', args[0] as ObjectId, args[1] as ObjectId, C_TEMP, false, scope);
      return this.newTuple([q, r], holder, C_TEMP);
    }
    case 'builtins.round':
      return roundBuiltin(this, args, kwargs, holder, scope);
    case 'builtins.pow': {
      argN(this, 'pow', args, 2, 3);
      const [base, exp, mod] = args as [ObjectId, ObjectId, ObjectId | undefined];
      if (mod === undefined || this.value(mod).t === 'none')
        return this.binaryOp('**', base, exp, holder, false, scope);
      const [b, e, m] = [base, exp, mod].map((x) => num(this.value(x)));
      if (typeof b !== 'bigint' || typeof e !== 'bigint' || typeof m !== 'bigint')
        throw this.typeError('pow() 3rd argument not allowed unless all arguments are integers');
      if (m === 0n) throw this.pyErr('ValueError', 'pow() 3rd argument cannot be 0');
      const am = m < 0n ? -m : m;
      let x = ((b % am) + am) % am;
      let k = e;
      if (e < 0n) {
        // A negative exponent: the modular inverse of the base, raised to -e.
        let [r0, r1, s0, s1] = [x, am, 1n, 0n];
        while (r1 !== 0n) {
          const q = r0 / r1;
          [r0, r1] = [r1, r0 - q * r1];
          [s0, s1] = [s1, s0 - q * s1];
        }
        if (r0 !== 1n) throw this.pyErr('ValueError', 'base is not invertible for the given modulus');
        x = ((s0 % am) + am) % am;
        k = -e;
      }
      let result = am === 1n ? 0n : 1n;
      for (; k > 0n; k >>= 1n) {
        if ((k & 1n) === 1n) result = (result * x) % am;
        x = (x * x) % am;
      }
      // The result has the sign of the modulus.
      if (m < 0n && result > 0n) result += m;
      return this.newInt(result, holder);
    }
    case 'builtins.format': {
      argN(this, 'format', args, 1, 2);
      const spec = args[1];
      if (spec !== undefined && this.value(spec).t !== 'str')
        throw this.typeError(`format() argument 2 must be str, not ${this.typeName(spec)}`);
      const text = this.formatSpec(args[0] as ObjectId, spec === undefined ? '' : this.str(spec));
      return this.newStr(text, holder);
    }
    case 'builtins.sum': {
      let acc = args.length > 1 ? this.ret(args[1] as ObjectId, C_TEMP) : this.newInt(0n, C_TEMP);
      for (const x of this.iterateToArray(args[0] as ObjectId, C_TEMP)) {
        const next = this.binaryOp('+', acc, x, C_TEMP, false, scope);
        this.rt.decref(acc, C_TEMP);
        this.rt.decref(x, C_TEMP);
        acc = next;
      }
      this.rt.move(acc, C_TEMP, holder);
      return acc;
    }
    case 'builtins.min':
    case 'builtins.max': {
      const items =
        args.length === 1 ? this.iterateToArray(args[0] as ObjectId, C_TEMP) : args.map((a) => this.ret(a, C_TEMP));
      const key = kwArg(kwargs, 'key');
      const dflt = kwArg(kwargs, 'default');
      if (items.length === 0) {
        if (dflt !== undefined) return this.ret(dflt, holder);
        throw this.pyErr('ValueError', `${short}() arg is an empty sequence`);
      }
      const keyOf = (x: ObjectId): ObjectId =>
        key === undefined ? this.ret(x, C_TEMP) : this.callObject(key, [x], [], C_TEMP, scope);
      let best = items[0] as ObjectId;
      let bestKey = keyOf(best);
      for (const x of items.slice(1)) {
        const k = keyOf(x);
        // min_max: PyObject_RichCompareBool(item, best, Py_LT) for min, Py_GT for max.
        const better = this.richCompareBool(k, bestKey, short === 'min' ? '<' : '>');
        if (better) {
          this.rt.decref(bestKey, C_TEMP);
          best = x;
          bestKey = k;
        } else this.rt.decref(k, C_TEMP);
      }
      this.rt.decref(bestKey, C_TEMP);
      const r = this.ret(best, holder);
      for (const x of items) this.rt.decref(x, C_TEMP);
      return r;
    }
    case 'builtins.sorted': {
      const items = this.iterateToArray(args[0] as ObjectId, C_TEMP);
      const l = this.newList(items, holder, C_TEMP);
      sortList(this, l, kwArg(kwargs, 'key'), kwArg(kwargs, 'reverse'), scope);
      return l;
    }
    case 'builtins.reversed': {
      const v = this.value(args[0] as ObjectId);
      if (v.t !== 'list' && v.t !== 'tuple') {
        const items = this.iterateToArray(args[0] as ObjectId, C_TEMP);
        const t = this.newTuple(items.reverse(), C_TEMP, C_TEMP);
        const it = this.internals.alloc(
          'list_reverseiterator',
          'method',
          ITER_SIZE,
          { t: 'iterator', seq: t, kind: 'snapshot', index: 0 },
          holder,
        );
        this.rt.move(t, C_TEMP, { kind: 'object', owner: it, slot: 'it_seq' });
        return it;
      }
      const it = this.internals.alloc(
        v.t === 'list' ? 'list_reverseiterator' : 'reversed',
        'method',
        ITER_SIZE,
        { t: 'iterator', seq: args[0] as ObjectId, kind: 'reversed', index: 0 },
        holder,
      );
      this.rt.incref(args[0] as ObjectId, { kind: 'object', owner: it, slot: 'it_seq' });
      return it;
    }
    case 'builtins.enumerate':
    case 'builtins.zip':
    case 'builtins.map': {
      const kind = short as 'enumerate' | 'zip' | 'map';
      if (kind === 'map' && args.length < 2) throw this.typeError('map() must have at least two arguments.');
      const sources = kind === 'map' ? args.slice(1) : kind === 'enumerate' ? args.slice(0, 1) : args;
      const inner = sources.map((s) => this.getIter(s, C_TEMP));
      const start = kind === 'enumerate' && args[1] !== undefined ? (num(this.value(args[1])) as bigint) : 0n;
      const v: IteratorValue = {
        t: 'iterator',
        seq: undefined,
        kind,
        index: 0,
        inner,
        count: start,
        ...(kind === 'map' ? { fn: args[0] as ObjectId } : {}),
      };
      const it = this.internals.alloc(kind, 'method', 56, v, holder);
      for (const i of inner) this.rt.move(i, C_TEMP, { kind: 'object', owner: it, slot: 'iterator' });
      if (kind === 'map') this.rt.incref(args[0] as ObjectId, { kind: 'object', owner: it, slot: 'func' });
      return it;
    }
    case 'builtins.iter':
      return this.getIter(args[0] as ObjectId, holder);
    case 'builtins.next': {
      const r = this.iterNext(args[0] as ObjectId, holder);
      if (r !== undefined) return r;
      if (args[1] !== undefined) return this.ret(args[1], holder);
      throw this.pyErr('StopIteration', undefined);
    }
    case 'builtins.any':
    case 'builtins.all': {
      const items = this.iterateToArray(args[0] as ObjectId, C_TEMP);
      let result = short === 'all';
      for (const x of items) {
        if (this.truthy(x, scope) === (short === 'any')) {
          result = short === 'any';
          break;
        }
      }
      for (const x of items) this.rt.decref(x, C_TEMP);
      return this.bool(result, holder);
    }
    case 'builtins.hasattr':
    case 'builtins.getattr': {
      const attr = this.str(args[1] as ObjectId);
      try {
        const r = this.getAttr(args[0] as ObjectId, attr, holder, scope);
        if (short === 'hasattr') {
          this.rt.decref(r, holder);
          return this.bool(true, holder);
        }
        return r;
      } catch (e) {
        if (!(e instanceof PyRaise) || this.classOf(e.exc).name !== 'AttributeError') throw e;
        if (short === 'hasattr') {
          this.rt.decref(e.exc, { kind: 'root', name: 'raised' });
          return this.bool(false, holder);
        }
        if (args[2] !== undefined) {
          this.rt.decref(e.exc, { kind: 'root', name: 'raised' });
          return this.ret(args[2], holder);
        }
        throw e;
      }
    }
    case 'builtins.setattr': {
      // ID-5: setattr interns the attribute name.
      const name = this.str(args[1] as ObjectId);
      const interned = this.internStr(name, C_TEMP);
      this.rt.decref(interned, C_TEMP);
      this.setAttr(args[0] as ObjectId, name, args[2] as ObjectId, C_TEMP, 'copy', scope);
      return this.none(holder);
    }
    case 'builtins.delattr':
      this.delAttr(args[0] as ObjectId, this.str(args[1] as ObjectId), scope);
      return this.none(holder);
    case 'builtins.vars':
      return this.getAttr(args[0] as ObjectId, '__dict__', holder, scope);
    case 'builtins.super':
      return superObject(this, args, holder, scope);
    case 'builtins.property': {
      // property(fget=None, fset=None, fdel=None, doc=None).
      const names = ['fget', 'fset', 'fdel', 'doc'] as const;
      if (args.length > 4) throw this.typeError(`property() takes at most 4 arguments (${args.length} given)`);
      const given: (ObjectId | undefined)[] = [...args];
      for (const [k, v] of kwargs) {
        const at = (names as readonly string[]).indexOf(k);
        if (at < 0) throw this.typeError(`property() got an unexpected keyword argument '${k}'`);
        given[at] = v;
      }
      return newProperty(this, given, undefined, holder);
    }
    case 'builtins.staticmethod':
    case 'builtins.classmethod': {
      const p = this.internals.alloc(
        short,
        'method',
        48,
        { t: short as 'staticmethod', func: args[0] as ObjectId },
        holder,
      );
      this.rt.incref(args[0] as ObjectId, { kind: 'object', owner: p, slot: '__func__' });
      return p;
    }
    // ---- sys
    case 'sys.getrefcount':
      argN(this, 'getrefcount', args, 1);
      return this.newInt(BigInt(this.rt.refcount(args[0] as ObjectId)), holder);
    case 'sys.getsizeof':
      argN(this, 'getsizeof', args, 1, 2);
      return this.newInt(BigInt(this.rt.object(args[0] as ObjectId).size), holder);
    case 'sys.getrecursionlimit':
      return this.newInt(1000n, holder);
    case 'sys.intern': {
      const v = this.value(args[0] as ObjectId);
      if (v.t !== 'str')
        throw this.typeError(`intern() argument must be str, not ${this.typeName(args[0] as ObjectId)}`);
      const existing = this.internals.interned.get(v.v);
      if (existing !== undefined) return this.ret(existing, holder);
      this.internals.interned.set(v.v, args[0] as ObjectId);
      return this.ret(args[0] as ObjectId, holder);
    }
    case 'sys._debugmallocstats': {
      const stats = (this.rt as unknown as { debugMallocStats?: () => string }).debugMallocStats;
      if (stats === undefined)
        throw this.pyErr('NotImplementedError', 'sys._debugmallocstats is not simulated in this build');
      this.internals.writeErr(stats.call(this.rt));
      return this.none(holder);
    }
    default:
      if (name.startsWith('gc.')) return gcFunction(this, short, args, kwargs, holder);
      if (name === 'weakref.ref') return this.newWeakref(args, holder, kwargs);
      if (name.startsWith('type.')) return construct(this, name.slice(5), args, kwargs, holder, scope);
      throw this.pyErr('NotImplementedError', `${name} is not simulated`);
  }
};

/**
 * builtin_print: `sep` and `end` must be None or str; without `file` (or with None) the
 * text goes to stdout. With a file, each piece is written by its own call, as
 * PyFile_WriteObject does: `file.write` looked up (a new bound method each time), the
 * piece made a str (PyObject_Str: a str is passed as it is), the method called, the
 * result dropped. The separator and end given as None are the cached one-character
 * strings " " and "\n" (PyFile_WriteString). `flush=True` then calls `file.flush()`.
 */
function print(
  interp: Interpreter,
  args: readonly ObjectId[],
  kwargs: readonly [string, ObjectId][],
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  const named: Record<string, ObjectId | undefined> = {
    sep: undefined,
    end: undefined,
    file: undefined,
    flush: undefined,
  };
  for (const [k, v] of kwargs) {
    if (!(k in named)) throw interp.typeError(`'${k}' is an invalid keyword argument for print()`);
    named[k] = v;
  }
  const text = (k: 'sep' | 'end'): ObjectId | undefined => {
    const v = named[k];
    if (v === undefined || interp.value(v).t === 'none') return undefined;
    if (interp.value(v).t !== 'str') throw interp.typeError(`${k} must be None or a string, not ${interp.typeName(v)}`);
    return v;
  };
  const sep = text('sep');
  const end = text('end');
  const file = named.file;
  const flush = named.flush !== undefined && interp.truthy(named.flush, scope);
  if (file === undefined || interp.value(file).t === 'none') {
    const sepText = sep === undefined ? ' ' : interp.str(sep);
    const endText = end === undefined ? '\n' : interp.str(end);
    interp.internals.writeOut(args.map((a) => interp.str(a)).join(sepText) + endText);
    return interp.none(holder);
  }
  const write = (piece: ObjectId | string): void => {
    const writer = interp.getAttr(file, 'write', C_TEMP, scope);
    try {
      const value =
        typeof piece === 'string'
          ? interp.charStr(piece, C_TEMP)
          : interp.value(piece).t === 'str'
            ? interp.ret(piece, C_TEMP)
            : interp.newStr(interp.str(piece), C_TEMP);
      try {
        interp.rt.decref(interp.callObject(writer, [value], [], C_TEMP, scope), C_TEMP);
      } finally {
        interp.rt.decref(value, C_TEMP);
      }
    } finally {
      interp.rt.decref(writer, C_TEMP);
    }
  };
  args.forEach((a, i) => {
    if (i > 0) write(sep ?? ' ');
    write(a);
  });
  write(end ?? '\n');
  if (flush) {
    const f = interp.getAttr(file, 'flush', C_TEMP, scope);
    try {
      interp.rt.decref(interp.callObject(f, [], [], C_TEMP, scope), C_TEMP);
    } finally {
      interp.rt.decref(f, C_TEMP);
    }
  }
  return interp.none(holder);
}

/**
 * `object.__new__(cls)`, `tuple.__new__(cls, iterable)` ...: a new instance of `cls`,
 * which must be a subtype of the type (tp_new_wrapper's checks).
 */
function typeNewBuiltin(
  interp: Interpreter,
  kind: string,
  args: ObjectId[],
  kwargs: [string, ObjectId][],
  holder: Holder,
): ObjectId {
  const cls = args[0];
  if (cls === undefined) throw interp.typeError(`${kind}.__new__(): not enough arguments`);
  const cv = interp.values.get(cls);
  if (cv?.t !== 'class') throw interp.typeError(`${kind}.__new__(X): X is not a type object (${interp.typeName(cls)})`);
  const base = interp.types.get(kind);
  if (base !== undefined && !cv.mro.includes(base))
    throw interp.typeError(`${kind}.__new__(${cv.name}): ${cv.name} is not a subtype of ${kind}`);
  if (cv.builtin !== undefined)
    return interp.callBuiltin(`type.${cv.builtin}`, undefined, args.slice(1), kwargs, holder, undefined);
  if (kind === 'object') {
    if (cv.isException) {
      const t = interp.newTuple(args.slice(1), C_TEMP);
      const exc = interp.exceptionNew(cls, t, holder);
      interp.rt.decref(t, C_TEMP);
      return exc;
    }
    return interp.newInstance(cls, holder);
  }
  return interp.newContainerInstance(cls, kind === 'tuple' || kind === 'frozenset' ? args[1] : undefined, holder);
}

/**
 * builtin_round: round(x) is x.__round__() (an int for a float, half to even); with
 * ndigits, a float rounds by correct decimal rounding (objects/floatOps.ts) and an int
 * to a multiple of 10**-ndigits, half to even.
 */
function roundBuiltin(
  interp: Interpreter,
  args: ObjectId[],
  kwargs: [string, ObjectId][],
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  const x = args[0] ?? kwArg(kwargs, 'number');
  if (x === undefined) throw interp.typeError("round() missing required argument 'number' (pos 1)");
  const nd = args[1] ?? kwArg(kwargs, 'ndigits');
  const v = interp.value(x);
  const given = nd !== undefined && interp.value(nd).t !== 'none';
  if (v.t === 'instance') {
    const f = interp.lookupClassAttr(v.cls, '__round__');
    if (f !== undefined) return interp.callObject(f, given ? [x, nd] : [x], [], holder, scope);
    throw interp.typeError(`type ${interp.typeName(x)} doesn't define __round__ method`);
  }
  const n = num(v);
  if (n === undefined) throw interp.typeError(`type ${interp.typeName(x)} doesn't define __round__ method`);
  if (!given) {
    if (typeof n === 'bigint') return interp.newInt(n, holder);
    return interp.newInt(
      objectOp(interp, () => objects.floatRoundToInt(n)),
      holder,
    );
  }
  const dv = interp.value(nd);
  if (dv.t !== 'int' && dv.t !== 'bool')
    throw interp.typeError(`'${interp.typeName(nd)}' object cannot be interpreted as an integer`);
  const digits = dv.t === 'int' ? dv.v : dv.v ? 1n : 0n;
  if (typeof n === 'number') {
    const d = digits > 10000n ? 10000 : digits < -10000n ? -10000 : Number(digits);
    return interp.newFloat(
      objectOp(interp, () => objects.floatRound(n, d)),
      holder,
    );
  }
  // long_round: half to even at 10**-ndigits.
  if (digits >= 0n) return interp.newInt(n, holder);
  const p = 10n ** -digits;
  const q = floorDiv(n, p);
  const r = n - q * p;
  const up = 2n * r > p || (2n * r === p && (q & 1n) === 1n);
  return interp.newInt((up ? q + 1n : q) * p, holder);
}

/**
 * A property object (property_init): each accessor given and not None is held in its
 * slot; so is the doc. `name` is kept by copies (property_copy), else set when a class
 * holding the property is created.
 */
function newProperty(
  interp: Interpreter,
  given: readonly (ObjectId | undefined)[],
  name: ObjectId | undefined,
  holder: Holder,
): ObjectId {
  const field = (i: number): ObjectId | undefined => {
    const x = given[i];
    return x === undefined || interp.value(x).t === 'none' ? undefined : x;
  };
  const value: PropertyValue = { t: 'property', fget: field(0), fset: field(1), fdel: field(2), doc: field(3), name };
  const p = interp.internals.alloc('property', 'method', FIXED_SIZES.property, value, holder);
  for (const slot of ['fget', 'fset', 'fdel', 'doc', 'name'] as const) {
    const x = value[slot];
    if (x !== undefined) interp.rt.incref(x, { kind: 'object', owner: p, slot });
  }
  return p;
}

/** property.getter/setter/deleter (property_copy): a new property with one accessor replaced. */
function propertyMethod(
  interp: Interpreter,
  self: ObjectId,
  v: PropertyValue,
  name: string,
  args: ObjectId[],
  holder: Holder,
): ObjectId {
  const which = name === 'getter' ? 0 : name === 'setter' ? 1 : name === 'deleter' ? 2 : -1;
  if (which < 0) throw noAttribute(interp, self, name);
  argN(interp, `${name}`, args, 1);
  const fields: (ObjectId | undefined)[] = [v.fget, v.fset, v.fdel, v.doc];
  fields[which] = args[0];
  return newProperty(interp, fields, v.name, holder);
}

/** `super()` / `super(cls, obj)`: zero arguments read the `__class__` cell and the first argument of the calling frame. */
function superObject(interp: Interpreter, args: ObjectId[], holder: Holder, scope: Scope | undefined): ObjectId {
  let cls = args[0];
  let obj = args[1];
  if (args.length === 0) {
    if (scope === undefined) throw interp.pyErr('RuntimeError', 'super(): no arguments');
    const frame = interp.rt.state.frames[scope.frame];
    const cell = frame?.vars['(cell __class__)'];
    cls = cell === undefined ? undefined : (interp.value(cell) as { content: ObjectId | undefined }).content;
    if (cls === undefined) throw interp.pyErr('RuntimeError', 'super(): __class__ cell not found');
    const first = scope.info.varnames[0];
    obj = first === undefined ? undefined : frame?.vars[first];
    if (obj === undefined && first !== undefined) {
      const c = frame?.vars[`(cell ${first})`];
      obj = c === undefined ? undefined : (interp.value(c) as { content: ObjectId | undefined }).content;
    }
    if (obj === undefined) throw interp.pyErr('RuntimeError', 'super(): no arguments');
  }
  if (cls === undefined || obj === undefined) throw interp.typeError('super() argument 1 must be a type');
  const sup = interp.internals.alloc('super', 'method', 48, { t: 'super', cls, obj }, holder);
  interp.rt.incref(cls, { kind: 'object', owner: sup, slot: '__thisclass__' });
  interp.rt.incref(obj, { kind: 'object', owner: sup, slot: '__self__' });
  return sup;
}

function sortList(
  interp: Interpreter,
  list: ObjectId,
  key: ObjectId | undefined,
  reverse: ObjectId | undefined,
  scope: Scope | undefined,
): void {
  const v = interp.builtinView(list) as { items: ObjectId[] };
  const keys = new Map<ObjectId, ObjectId>();
  if (key !== undefined && interp.value(key).t !== 'none')
    for (const x of v.items) keys.set(x, interp.callObject(key, [x], [], C_TEMP, scope));
  const k = (x: ObjectId): ObjectId => keys.get(x) ?? x;
  const sorted = [...v.items].sort((a, b) =>
    interp.richCompareBool(k(a), k(b), '<') ? -1 : interp.richCompareBool(k(b), k(a), '<') ? 1 : 0,
  );
  if (reverse !== undefined && interp.truthy(reverse, scope)) sorted.reverse();
  for (const kk of keys.values()) interp.rt.decref(kk, C_TEMP);
  // The list's item references are the same objects in a new order: re-file them.
  const items = v.items;
  for (let i = items.length - 1; i >= 0; i--)
    interp.rt.move(items[i] as ObjectId, { kind: 'object', owner: list, slot: 'item', at: i }, C_TEMP);
  v.items = sorted;
  for (const x of sorted) interp.rt.move(x, C_TEMP, { kind: 'object', owner: list, slot: 'item' });
}

/** Calling a built-in type: int(), str(), list(), dict(), set(), tuple(), object() ... */
function construct(
  interp: Interpreter,
  type: string,
  args: ObjectId[],
  kwargs: [string, ObjectId][],
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  const a0 = args[0];
  switch (type) {
    case 'object':
      return interp.internals.alloc(
        'object',
        'object',
        FIXED_SIZES.object,
        { t: 'instance', cls: interp.types.get('object') as ObjectId, attrs: new Map(), dict: undefined },
        holder,
      );
    case 'int': {
      if (a0 === undefined) return interp.newInt(0n, holder);
      const v = interp.value(a0);
      if (v.t === 'int') return interp.ret(a0, holder);
      if (v.t === 'bool') return interp.newInt(v.v ? 1n : 0n, holder);
      if (v.t === 'float') return interp.newInt(BigInt(Math.trunc(v.v)), holder);
      if (v.t === 'str') {
        const t = v.v.trim().replaceAll('_', '');
        if (!/^[+-]?\d+$/.test(t))
          throw interp.pyErr('ValueError', `invalid literal for int() with base 10: ${pyStrRepr(v.v)}`);
        return interp.newInt(BigInt(t), holder);
      }
      throw interp.typeError(
        `int() argument must be a string, a bytes-like object or a real number, not '${interp.typeName(a0)}'`,
      );
    }
    case 'float': {
      if (a0 === undefined) return interp.newFloat(0, holder);
      const v = interp.value(a0);
      const n = num(v);
      if (n !== undefined) return interp.newFloat(Number(n), holder);
      if (v.t === 'str') {
        const t = v.v.trim().toLowerCase();
        const x = t === 'inf' || t === '+inf' ? Infinity : t === '-inf' ? -Infinity : t === 'nan' ? NaN : Number(t);
        if (Number.isNaN(x) && t !== 'nan')
          throw interp.pyErr('ValueError', `could not convert string to float: ${pyStrRepr(v.v)}`);
        return interp.newFloat(x, holder);
      }
      throw interp.typeError(`float() argument must be a string or a real number, not '${interp.typeName(a0)}'`);
    }
    case 'str':
      return a0 === undefined
        ? interp.newStr('', holder)
        : interp.value(a0).t === 'str'
          ? interp.ret(a0, holder)
          : interp.newStr(interp.str(a0), holder);
    case 'bool':
      return interp.bool(a0 !== undefined && interp.truthy(a0, scope), holder);
    case 'list': {
      const l = interp.newList([], holder, undefined, 0, true);
      if (a0 !== undefined) interp.listExtend(l, a0, holder);
      return l;
    }
    case 'tuple': {
      if (a0 === undefined) return interp.newTuple([], holder);
      if (interp.value(a0).t === 'tuple') return interp.ret(a0, holder);
      return interp.newTuple(interp.iterateToArray(a0, C_TEMP), holder, C_TEMP);
    }
    case 'dict': {
      const d = interp.newDict(holder, a0 === undefined ? kwargs.length : 0, true);
      if (a0 !== undefined) interp.dictUpdate(d, a0);
      for (const [k, v] of kwargs) interp.dictSetStr(d, k, v, C_TEMP, 'copy');
      return d;
    }
    case 'set':
    case 'frozenset': {
      if (kwargs.length > 0) throw interp.typeError(`${type}() takes no keyword arguments`);
      if (args.length > 1) throw interp.typeError(`${type} expected at most 1 argument, got ${args.length}`);
      // frozenset(f) of an exact frozenset is f itself.
      if (type === 'frozenset' && a0 !== undefined) {
        const av = interp.value(a0);
        if (av.t === 'set' && av.frozen) return interp.ret(a0, holder);
      }
      return makeSet(interp, type === 'frozenset', holder, a0);
    }
    case 'range': {
      const ns = args.map((x) => {
        const n = num(interp.value(x));
        if (typeof n !== 'bigint')
          throw interp.typeError(`'${interp.typeName(x)}' object cannot be interpreted as an integer`);
        return n;
      });
      const [start, stop, step] =
        ns.length === 1 ? [0n, ns[0] as bigint, 1n] : [ns[0] as bigint, ns[1] as bigint, ns[2] ?? 1n];
      if (step === 0n) throw interp.pyErr('ValueError', 'range() arg 3 must not be zero');
      return interp.internals.alloc('range', 'range', FIXED_SIZES.range, { t: 'range', start, stop, step }, holder);
    }
    case 'type': {
      if (args.length === 1) return interp.ret(interp.typeOf(a0 as ObjectId), holder);
      throw interp.pyErr('NotImplementedError', 'type(name, bases, dict) is not simulated');
    }
    default:
      throw interp.typeError(`cannot create '${type}' instances`);
  }
}

// ---- gc module (GC-M*)

/**
 * How each gc function takes its arguments in 3.11 (Modules/gcmodule.c and its Argument
 * Clinic file): METH_NOARGS, METH_O, METH_VARARGS (PyArg_ParseTuple), or Clinic with
 * named parameters; each convention has its own error messages.
 */
const GC_SIGNATURES: Record<string, { kind: 'noargs' | 'o' | 'varargs' | 'clinic'; names?: readonly string[] }> = {
  enable: { kind: 'noargs' },
  disable: { kind: 'noargs' },
  isenabled: { kind: 'noargs' },
  get_debug: { kind: 'noargs' },
  get_count: { kind: 'noargs' },
  get_threshold: { kind: 'noargs' },
  get_stats: { kind: 'noargs' },
  freeze: { kind: 'noargs' },
  unfreeze: { kind: 'noargs' },
  get_freeze_count: { kind: 'noargs' },
  set_debug: { kind: 'o' },
  is_tracked: { kind: 'o' },
  is_finalized: { kind: 'o' },
  set_threshold: { kind: 'varargs' },
  get_referrers: { kind: 'varargs' },
  get_referents: { kind: 'varargs' },
  collect: { kind: 'clinic', names: ['generation'] },
  get_objects: { kind: 'clinic', names: ['generation'] },
};

/** The arguments of a gc call by position, keywords placed by name; the convention's TypeErrors. */
function gcArguments(
  interp: Interpreter,
  name: string,
  args: readonly ObjectId[],
  kwargs: readonly [string, ObjectId][],
): (ObjectId | undefined)[] {
  const sig = GC_SIGNATURES[name];
  if (sig === undefined) return [...args];
  const n = args.length;
  switch (sig.kind) {
    case 'noargs':
      if (kwargs.length > 0) throw interp.typeError(`gc.${name}() takes no keyword arguments`);
      if (n > 0) throw interp.typeError(`gc.${name}() takes no arguments (${n} given)`);
      return [];
    case 'o':
      if (kwargs.length > 0) throw interp.typeError(`gc.${name}() takes no keyword arguments`);
      if (n !== 1) throw interp.typeError(`gc.${name}() takes exactly one argument (${n} given)`);
      return [...args];
    case 'varargs':
      if (kwargs.length > 0) throw interp.typeError(`${name}() takes no keyword arguments`);
      return [...args];
    case 'clinic': {
      const names = sig.names ?? [];
      if (n > names.length) {
        const most = names.length;
        throw interp.typeError(`${name}() takes at most ${most} argument${most === 1 ? '' : 's'} (${n} given)`);
      }
      const out: (ObjectId | undefined)[] = [...args];
      for (const [k, v] of kwargs) {
        const at = names.indexOf(k);
        if (at < 0) throw interp.typeError(`'${k}' is an invalid keyword argument for ${name}()`);
        if (at < n) throw interp.typeError(`argument for ${name}() given by name ('${k}') and position (${at + 1})`);
        out[at] = v;
      }
      return out;
    }
  }
}

/**
 * The integer value of an argument taken as a C integer (PyNumber_Index): an int or a
 * bool; anything else is the TypeError CPython raises ("'float' object cannot be
 * interpreted as an integer"), with `notInt` replacing that message when given.
 */
function indexArg(interp: Interpreter, id: ObjectId, notInt?: string): bigint {
  const v = interp.value(id);
  if (v.t === 'int') return v.v;
  if (v.t === 'bool') return v.v ? 1n : 0n;
  throw interp.typeError(notInt ?? `'${interp.typeName(id)}' object cannot be interpreted as an integer`);
}

/** A C `int` argument (`i` format / Clinic `int`): its range is checked as _PyLong_AsInt does. */
function cIntArg(interp: Interpreter, id: ObjectId, varargs = false): number {
  const v = indexArg(interp, id);
  if (v > 2147483647n || v < -2147483648n) {
    // PyArg_ParseTuple's `i` says which side overflowed; Clinic's converter does not.
    if (varargs)
      throw interp.pyErr(
        'OverflowError',
        v > 0n ? 'signed integer is greater than maximum' : 'signed integer is less than minimum',
      );
    throw interp.pyErr('OverflowError', 'Python int too large to convert to C int');
  }
  return Number(v);
}

function gcFunction(
  interp: Interpreter,
  name: string,
  given: ObjectId[],
  kwargs: [string, ObjectId][],
  holder: Holder,
): ObjectId {
  const rt = interp.rt;
  const state = rt.state;
  const args = gcArguments(interp, name, given, kwargs);
  const tuple = (xs: readonly number[]): ObjectId =>
    interp.newTuple(
      xs.map((x) => interp.newInt(BigInt(x), C_TEMP)),
      holder,
      C_TEMP,
    );
  switch (name) {
    case 'collect': {
      const a = args[0];
      const g = a === undefined ? 2 : cIntArg(interp, a);
      if (g < 0 || g > 2) throw interp.pyErr('ValueError', 'invalid generation');
      return interp.newInt(BigInt(rt.collect(g as 0 | 1 | 2)), holder);
    }
    case 'get_count':
      return tuple(state.gc.counts);
    case 'get_threshold':
      return tuple(state.gc.thresholds);
    case 'set_threshold': {
      // PyArg_ParseTuple(args, "i|ii:set_threshold", ...).
      if (args.length === 0) throw interp.typeError('set_threshold() takes at least 1 argument (0 given)');
      if (args.length > 3) throw interp.typeError(`set_threshold() takes at most 3 arguments (${args.length} given)`);
      const t = [...state.gc.thresholds] as [number, number, number];
      args.forEach((a, i) => (t[i] = cIntArg(interp, a as ObjectId, true)));
      rt.setThresholds(t);
      return interp.none(holder);
    }
    case 'isenabled':
      return interp.bool(state.gc.enabled, holder);
    case 'enable':
    case 'disable':
      rt.setEnabled(name === 'enable');
      return interp.none(holder);
    case 'is_tracked':
      return interp.bool(rt.object(args[0] as ObjectId).gen >= 0 && rt.object(args[0] as ObjectId).gen <= 3, holder);
    case 'is_finalized':
      return interp.bool(rt.object(args[0] as ObjectId).finalized, holder);
    case 'get_debug':
      return interp.newInt(BigInt(state.gc.debug), holder);
    case 'set_debug':
      rt.emit({ type: 'GcConfigChanged', debug: cIntArg(interp, args[0] as ObjectId) });
      return interp.none(holder);
    case 'get_stats': {
      const dicts = state.gc.stats.map((s) => {
        const d = interp.newDict(C_TEMP);
        for (const [k, v] of [
          ['collections', s.collections],
          ['collected', s.collected],
          ['uncollectable', s.uncollectable],
        ] as const) {
          interp.dictSetStr(d, k, interp.newInt(BigInt(v), C_TEMP), C_TEMP, 'move');
        }
        return d;
      });
      return interp.newList(dicts, holder, C_TEMP);
    }
    case 'get_referents':
      return interp.newList(getReferents(state, given), holder);
    case 'get_referrers':
      return interp.newList(getReferrers(state, given, packedArgs === undefined ? [] : [packedArgs]), holder);
    case 'get_objects': {
      // generation: Py_ssize_t(accept={int, NoneType}) = None; -1 (the C default) means all.
      const a = args[0];
      let g = -1n;
      if (a !== undefined && interp.value(a).t !== 'none') {
        g = indexArg(interp, a, `argument should be integer or None, not '${interp.typeName(a)}'`);
        if (g >= 2n ** 63n || g < -(2n ** 63n))
          throw interp.pyErr('OverflowError', "cannot fit 'int' into an index-sized integer");
      }
      if (g !== -1n) {
        if (g >= 3n)
          throw interp.pyErr(
            'ValueError',
            'generation parameter must be less than the number of available generations (3)',
          );
        if (g < 0n) throw interp.pyErr('ValueError', 'generation parameter cannot be negative');
      }
      return interp.newList(getObjects(state, g === -1n ? undefined : (Number(g) as 0 | 1 | 2)), holder);
    }
    case 'freeze':
      rt.freeze();
      return interp.none(holder);
    case 'unfreeze':
      rt.unfreeze();
      return interp.none(holder);
    case 'get_freeze_count':
      return interp.newInt(BigInt(getFreezeCount(state)), holder);
    default:
      throw interp.pyErr('NotImplementedError', `gc.${name} is not simulated in this build`);
  }
}

// Weak reference targets (weakrefs.ts fills these in).
declare module './interpreter.js' {
  interface Interpreter {
    weakrefTarget(id: ObjectId): ObjectId | undefined;
  }
}

// =================================================================================
// Methods of built-in types.

/** AttributeError: the object has no such method. */
function noAttribute(interp: Interpreter, self: ObjectId, name: string): PyRaise {
  return interp.pyErr('AttributeError', `'${interp.typeName(self)}' object has no attribute '${name}'`);
}

P.callBuiltinMethod = function (this: Interpreter, self, name, args, kwargs, holder, scope, kind): ObjectId {
  // object's slot wrappers (object.__setattr__(self, ...), super().__hash__() ...).
  if (kind === 'object') return objectSlot(this, self, name, args, kwargs, holder, scope);
  if (
    kind === 'exception' ||
    (kind === undefined &&
      name === '__init__' &&
      this.value(self).t === 'instance' &&
      this.builtinView(self).t === 'instance')
  ) {
    // BaseException.__init__ sets args; object.__init__ does nothing.
    if (this.classOf(self).isException) {
      const t = this.newTuple(args, C_TEMP);
      this.setAttrRaw(self, 'args', t, C_TEMP, 'move');
    }
    return this.none(holder);
  }
  const v = this.builtinView(self);
  if (
    kind !== undefined &&
    kind !== (v.t === 'set' && v.frozen ? 'frozenset' : v.t) &&
    !(kind === 'set' && v.t === 'set')
  )
    throw this.typeError(
      `descriptor '${name}' for '${kind}' objects doesn't apply to a '${this.typeName(self)}' object`,
    );
  switch (v.t) {
    case 'list':
      return listMethod(this, self, v, name, args, kwargs, holder, scope);
    case 'dict':
      return dictMethod(this, self, v, name, args, kwargs, holder, scope);
    case 'set':
      return setMethod(this, self, v, name, args, holder);
    case 'property':
      return propertyMethod(this, self, v, name, args, holder);
    case 'range': {
      // range.index / range.count: arithmetic for ints, a scan for anything else.
      argN(this, `range.${name}`, args, 1);
      const x = args[0] as ObjectId;
      const xv = this.value(x);
      const n = rangeLen(v.start, v.stop, v.step);
      const at = (i: bigint): bigint | undefined => {
        if (xv.t !== 'int' && xv.t !== 'bool') return undefined;
        const off = (xv.t === 'int' ? xv.v : xv.v ? 1n : 0n) - v.start;
        return off % v.step === 0n && off / v.step >= 0n && off / v.step < i ? off / v.step : undefined;
      };
      const pos = at(n);
      if (name === 'count') return this.newInt(pos === undefined ? 0n : 1n, holder);
      if (name === 'index') {
        if (pos === undefined) throw this.pyErr('ValueError', `${this.repr(x)} is not in range`);
        return this.newInt(pos, holder);
      }
      throw noAttribute(this, self, name);
    }
    case 'tuple':
      if (name === 'index' || name === 'count')
        return seqIndexCount(this, v.items, name, args[0] as ObjectId, holder, 'tuple');
      throw noAttribute(this, self, name);
    case 'str':
      return strMethod(this, v.v, name, args, holder);
    case 'int':
      if (name === 'bit_length')
        return this.newInt(BigInt((v.v < 0n ? -v.v : v.v).toString(2).replace(/^0$/, '').length), holder);
      throw noAttribute(this, self, name);
    case 'float':
      if (name === 'is_integer') return this.bool(Number.isInteger(v.v), holder);
      throw noAttribute(this, self, name);
    case 'bytes':
      if (name === 'decode') return this.newStr(new TextDecoder().decode(v.v), holder);
      throw noAttribute(this, self, name);
    case 'instance':
      if (name === 'with_traceback') return this.ret(self, holder);
      if (OBJECT_SLOTS.includes(name)) return objectSlot(this, self, name, args, kwargs, holder, scope);
      throw noAttribute(this, self, name);
    default:
      if (OBJECT_SLOTS.includes(name)) return objectSlot(this, self, name, args, kwargs, holder, scope);
      throw noAttribute(this, self, name);
  }
};

/**
 * object's slot wrappers called on `self`: __init__ (nothing), __new__, __hash__ (the
 * address), __eq__ (identity, else NotImplemented), __ne__ (the type's == inverted),
 * the orders (NotImplemented), __repr__ (the default form), __str__ (the type's
 * repr), __setattr__/__delattr__/__getattribute__ (PyObject_Generic*: properties and
 * the instance's own attributes, never the class's __setattr__), __format__.
 */
function objectSlot(
  interp: Interpreter,
  self: ObjectId,
  name: string,
  args: ObjectId[],
  _kwargs: [string, ObjectId][],
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  const arg = (i: number): ObjectId => {
    const a = args[i];
    if (a === undefined) throw interp.typeError(`expected ${i + 1} argument${i === 0 ? '' : 's'}, got ${args.length}`);
    return a;
  };
  switch (name) {
    case '__init__':
      return interp.none(holder);
    case '__hash__':
      return interp.newInt(objects.hashPointer(interp.rt.object(self).addr), holder);
    case '__eq__':
      return self === arg(0) ? interp.bool(true, holder) : interp.ret(interp.notImplemented, holder);
    case '__ne__': {
      const r = slotRichCompare(interp, self, arg(0), '==');
      if (r === undefined) return interp.ret(interp.notImplemented, holder);
      const t = interp.truthy(r, scope);
      interp.rt.decref(r, C_TEMP);
      return interp.bool(!t, holder);
    }
    case '__lt__':
    case '__le__':
    case '__gt__':
    case '__ge__':
      return interp.ret(interp.notImplemented, holder);
    case '__repr__': {
      const cls = interp.classOf(self);
      const mod = cls.builtin !== undefined ? 'builtins' : '__main__';
      return interp.newStr(
        `<${mod === 'builtins' ? '' : `${mod}.`}${cls.qualname} object at 0x${interp.rt.object(self).addr.toString(16)}>`,
        holder,
      );
    }
    case '__str__':
      return interp.newStr(interp.repr(self), holder);
    case '__setattr__':
      interp.setAttr(self, interp.str(arg(0)), arg(1), C_TEMP, 'copy', scope, true);
      return interp.none(holder);
    case '__delattr__':
      interp.delAttr(self, interp.str(arg(0)), scope, true);
      return interp.none(holder);
    case '__getattribute__':
      return interp.getAttr(self, interp.str(arg(0)), holder, scope);
    case '__format__':
      return interp.newStr(interp.formatSpec(self, interp.str(arg(0))), holder);
    default:
      throw noAttribute(interp, self, name);
  }
}

function seqIndexCount(
  interp: Interpreter,
  items: ObjectId[],
  name: string,
  x: ObjectId,
  holder: Holder,
  what: string,
): ObjectId {
  if (name === 'count') return interp.newInt(BigInt(items.filter((i) => interp.richEq(i, x)).length), holder);
  const i = items.findIndex((it) => interp.richEq(it, x));
  if (i < 0) throw interp.pyErr('ValueError', `${what}.index(x): x not in ${what}`);
  return interp.newInt(BigInt(i), holder);
}

/** A list's reference to its item at `at`. */
const itemHolder = (self: ObjectId, at: number): Holder => ({ kind: 'object', owner: self, slot: 'item', at });

function listMethod(
  interp: Interpreter,
  self: ObjectId,
  v: { items: ObjectId[]; allocated: number },
  name: string,
  args: ObjectId[],
  kwargs: [string, ObjectId][],
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  switch (name) {
    case '__init__': {
      // list___init___impl: emptied, then extended from the iterable.
      if (args.length > 1) throw interp.typeError(`list expected at most 1 argument, got ${args.length}`);
      if (v.items.length > 0) interp.rt.decref(listMethod(interp, self, v, 'clear', [], [], C_TEMP, scope), C_TEMP);
      if (args[0] !== undefined) interp.listExtend(self, args[0], holder);
      return interp.none(holder);
    }
    case 'append':
      argN(interp, 'list.append', args, 1);
      interp.listAppend(self, args[0] as ObjectId, C_TEMP, 'copy');
      return interp.none(holder);
    case 'extend':
      interp.listExtend(self, args[0] as ObjectId, holder);
      return interp.none(holder);
    case 'insert': {
      let i = Number(num(interp.value(args[0] as ObjectId)) ?? 0);
      const n = v.items.length;
      if (i < 0) i = Math.max(0, i + n);
      i = Math.min(i, n);
      const next = listResize(v.allocated, n, n + 1);
      if (next !== v.allocated) interp.setListCapacity(self, next);
      v.items.splice(i, 0, args[1] as ObjectId);
      interp.rt.incref(args[1] as ObjectId, itemHolder(self, i));
      return interp.none(holder);
    }
    case 'pop': {
      if (v.items.length === 0) throw interp.pyErr('IndexError', 'pop from empty list');
      let i = args.length > 0 ? Number(num(interp.value(args[0] as ObjectId)) ?? 0) : v.items.length - 1;
      if (i < 0) i += v.items.length;
      const x = v.items[i];
      if (x === undefined || i < 0) throw interp.pyErr('IndexError', 'pop index out of range');
      v.items.splice(i, 1);
      // The list's reference becomes the result.
      interp.rt.move(x, itemHolder(self, i), holder);
      shrinkList(interp, self, v);
      return x;
    }
    case 'remove': {
      const i = v.items.findIndex((x) => interp.richEq(x, args[0] as ObjectId));
      if (i < 0) throw interp.pyErr('ValueError', 'list.remove(x): x not in list');
      const x = v.items[i] as ObjectId;
      v.items.splice(i, 1);
      interp.rt.decref(x, itemHolder(self, i));
      shrinkList(interp, self, v);
      return interp.none(holder);
    }
    case 'clear': {
      const items = v.items;
      v.items = [];
      interp.setListCapacity(self, 0);
      for (let i = items.length - 1; i >= 0; i--) interp.rt.decref(items[i] as ObjectId, itemHolder(self, i));
      return interp.none(holder);
    }
    case 'index':
    case 'count':
      return seqIndexCount(interp, v.items, name, args[0] as ObjectId, holder, 'list');
    case 'reverse': {
      const items = [...v.items];
      for (let i = items.length - 1; i >= 0; i--) interp.rt.move(items[i] as ObjectId, itemHolder(self, i), C_TEMP);
      v.items = items.reverse();
      for (const x of v.items) interp.rt.move(x, C_TEMP, { kind: 'object', owner: self, slot: 'item' });
      return interp.none(holder);
    }
    case 'sort':
      sortList(interp, self, kwargs.find(([k]) => k === 'key')?.[1], kwargs.find(([k]) => k === 'reverse')?.[1], scope);
      return interp.none(holder);
    case 'copy':
      return interp.newList(v.items, holder);
    default:
      throw interp.pyErr('AttributeError', `'list' object has no attribute '${name}'`);
  }
}

/** A dict view, modelled as a snapshot tuple (what iterating it yields) held by a view object. */
function dictView(
  interp: Interpreter,
  self: ObjectId,
  entries: Map<string, { key: ObjectId; value: ObjectId }>,
  pick: 'key' | 'value',
  pyType: string,
  holder: Holder,
): ObjectId {
  const items: ObjectId[] = [];
  for (const e of entries.values()) items.push(e[pick]);
  return snapshotView(interp, self, interp.newTuple(items, C_TEMP), pyType, holder);
}

/** A view object holding the snapshot tuple `t` (a new reference of C_TEMP's, moved in) and its dict. */
function snapshotView(interp: Interpreter, self: ObjectId, t: ObjectId, pyType: string, holder: Holder): ObjectId {
  const it = interp.internals.alloc(
    pyType,
    'method',
    40,
    { t: 'iterator', seq: t, kind: 'snapshot', index: 0 },
    holder,
  );
  interp.rt.move(t, C_TEMP, { kind: 'object', owner: it, slot: 'it_seq' });
  interp.rt.incref(self, { kind: 'object', owner: it, slot: 'mapping' });
  return it;
}

function dictMethod(
  interp: Interpreter,
  self: ObjectId,
  v: { store: { entries: Map<string, { key: ObjectId; value: ObjectId }> } },
  name: string,
  args: ObjectId[],
  kwargs: [string, ObjectId][],
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  const entries = v.store.entries;
  switch (name) {
    case '__init__':
      // dict_init: update from the one positional argument, then from the keywords.
      if (args.length > 1) throw interp.typeError(`dict expected at most 1 argument, got ${args.length}`);
      if (args[0] !== undefined) interp.dictUpdate(self, args[0]);
      for (const [k, x] of kwargs) interp.dictSetStr(self, k, x, C_TEMP, 'copy');
      return interp.none(holder);
    case 'get': {
      const e = entries.get(interp.hashKey(args[0] as ObjectId));
      if (e !== undefined) return interp.ret(e.value, holder);
      return args[1] !== undefined ? interp.ret(args[1], holder) : interp.none(holder);
    }
    case 'keys':
      return dictView(interp, self, entries, 'key', 'dict_keys', holder);
    case 'values':
      return dictView(interp, self, entries, 'value', 'dict_values', holder);
    case 'items': {
      const pairs: ObjectId[] = [];
      for (const e of entries.values()) pairs.push(interp.newTuple([e.key, e.value], C_TEMP));
      return snapshotView(interp, self, interp.newTuple(pairs, C_TEMP, C_TEMP), 'dict_items', holder);
    }
    case 'pop': {
      const hk = interp.hashKey(args[0] as ObjectId);
      const e = entries.get(hk);
      if (e === undefined) {
        if (args[1] !== undefined) return interp.ret(args[1], holder);
        throw raiseWithArgs(interp, 'KeyError', [args[0] as ObjectId]);
      }
      const val = interp.ret(e.value, holder);
      interp.dictDel(self, hk);
      return val;
    }
    case 'popitem': {
      const last = [...entries.entries()].at(-1);
      if (last === undefined)
        throw raiseWithArgs(interp, 'KeyError', [interp.newStr('popitem(): dictionary is empty', C_TEMP)]);
      const [hk, e] = last;
      const t = interp.newTuple([e.key, e.value], holder);
      interp.dictDel(self, hk);
      return t;
    }
    case 'setdefault': {
      const e = entries.get(interp.hashKey(args[0] as ObjectId));
      if (e !== undefined) return interp.ret(e.value, holder);
      const dflt = args[1] ?? interp.statics.none;
      interp.dictSet(self, args[0] as ObjectId, dflt, C_TEMP, 'copy');
      return interp.ret(dflt, holder);
    }
    case 'update':
      if (args[0] !== undefined) interp.dictUpdate(self, args[0]);
      return interp.none(holder);
    case 'clear':
      interp.dictClear(self);
      return interp.none(holder);
    case 'copy': {
      const d = interp.newDict(holder);
      interp.dictUpdate(d, self);
      void scope;
      return d;
    }
    default:
      throw interp.pyErr('AttributeError', `'dict' object has no attribute '${name}'`);
  }
}

function setMethod(
  interp: Interpreter,
  self: ObjectId,
  v: SetValue,
  name: string,
  args: ObjectId[],
  holder: Holder,
): ObjectId {
  const arg = (): ObjectId => {
    argN(interp, name, args, 1);
    return args[0] as ObjectId;
  };
  switch (name) {
    case 'add':
      interp.setAdd(self, arg(), undefined);
      return interp.none(holder);
    case 'discard':
      setDiscardKey(interp, self, arg());
      return interp.none(holder);
    case 'remove':
      if (!setDiscardKey(interp, self, arg())) throw raiseWithArgs(interp, 'KeyError', [args[0] as ObjectId]);
      return interp.none(holder);
    case 'pop': {
      // set_pop: from the finger on; the set's reference becomes the result.
      const table = v.store.table;
      const got = table.pop();
      if (got === undefined) throw interp.pyErr('KeyError', 'pop from an empty set');
      v.store.hash = undefined;
      interp.rt.move(got.key, { kind: 'object', owner: self, slot: 'item', at: table.rank(got.slot) }, holder);
      return got.key;
    }
    case 'clear':
      setClear(interp, self);
      return interp.none(holder);
    case 'update':
      for (const a of args) setUpdateInternal(interp, self, a);
      return interp.none(holder);
    case 'difference_update':
      for (const a of args) setDifferenceUpdate(interp, self, a);
      return interp.none(holder);
    case 'intersection_update':
    case 'symmetric_difference_update': {
      if (name === 'symmetric_difference_update') {
        setSymmetricDifferenceUpdate(interp, self, arg());
        return interp.none(holder);
      }
      let tmp = interp.ret(self, C_TEMP);
      for (const a of args) {
        const next = setIntersection(interp, tmp, a, C_TEMP);
        interp.rt.decref(tmp, C_TEMP);
        tmp = next;
      }
      if (tmp !== self) swapSetBodies(interp, self, tmp);
      interp.rt.decref(tmp, C_TEMP);
      return interp.none(holder);
    }
    case 'union': {
      const result = setCopy(interp, self, holder);
      for (const a of args) if (a !== self) setUpdateInternal(interp, result, a);
      return result;
    }
    case 'intersection': {
      if (args.length === 0) return setCopy(interp, self, holder);
      let result = interp.ret(self, C_TEMP);
      for (const a of args) {
        const next = setIntersection(interp, result, a, C_TEMP);
        interp.rt.decref(result, C_TEMP);
        result = next;
      }
      interp.rt.move(result, C_TEMP, holder);
      return result;
    }
    case 'difference': {
      if (args.length === 0) return setCopy(interp, self, holder);
      const result = setDifference(interp, self, args[0] as ObjectId, holder);
      for (const a of args.slice(1)) setDifferenceUpdate(interp, result, a);
      return result;
    }
    case 'symmetric_difference':
      return setSymmetricDifference(interp, self, arg(), holder);
    case 'issubset':
      return interp.bool(setIsSubset(interp, self, arg()), holder);
    case 'issuperset':
      return interp.bool(setIsSuperset(interp, self, arg()), holder);
    case 'isdisjoint': {
      const other = arg();
      if (other === self) return interp.bool(v.store.table.used === 0, holder);
      const items = interp.iterateToArray(other, C_TEMP);
      try {
        return interp.bool(!items.some((x) => setContains(interp, self, x)), holder);
      } finally {
        for (const x of items) interp.rt.decref(x, C_TEMP);
      }
    }
    case 'copy':
      // frozenset.copy() of an exact frozenset is the frozenset itself.
      if (v.frozen && interp.value(self).t === 'set') return interp.ret(self, holder);
      return setCopy(interp, self, holder);
    case '__init__':
      // set_init: cleared, then updated from the iterable.
      if (args.length > 1) throw interp.typeError(`set expected at most 1 argument, got ${args.length}`);
      if (v.store.table.fill > 0) setClear(interp, self);
      if (args[0] !== undefined) setUpdateInternal(interp, self, args[0]);
      return interp.none(holder);
    default:
      throw interp.pyErr('AttributeError', `'${interp.typeName(self)}' object has no attribute '${name}'`);
  }
}

function strMethod(interp: Interpreter, s: string, name: string, args: ObjectId[], holder: Holder): ObjectId {
  const sArg = (i: number): string => interp.str(args[i] as ObjectId);
  const strs = (xs: string[]): ObjectId =>
    interp.newList(
      xs.map((x) => interp.newStr(x, C_TEMP)),
      holder,
      C_TEMP,
    );
  switch (name) {
    case 'join': {
      const items = interp.iterateToArray(args[0] as ObjectId, C_TEMP);
      const parts = items.map((i) => {
        const iv = interp.value(i);
        if (iv.t !== 'str')
          throw interp.typeError(`sequence item 0: expected str instance, ${interp.typeName(i)} found`);
        return iv.v;
      });
      for (const i of items) interp.rt.decref(i, C_TEMP);
      return interp.newStr(parts.join(s), holder);
    }
    case 'split':
      if (args.length === 0 || interp.value(args[0] as ObjectId).t === 'none')
        return strs(s.split(/\s+/).filter((x) => x !== ''));
      return strs(s.split(sArg(0)));
    case 'splitlines':
      return strs(s.split(/\r?\n/).filter((x, i, a) => i < a.length - 1 || x !== ''));
    case 'strip':
      return interp.newStr(args.length ? trimChars(s, sArg(0), true, true) : s.trim(), holder);
    case 'lstrip':
      return interp.newStr(args.length ? trimChars(s, sArg(0), true, false) : s.trimStart(), holder);
    case 'rstrip':
      return interp.newStr(args.length ? trimChars(s, sArg(0), false, true) : s.trimEnd(), holder);
    case 'upper':
      return interp.newStr(s.toUpperCase(), holder);
    case 'lower':
      return interp.newStr(s.toLowerCase(), holder);
    case 'title':
      return interp.newStr(
        s.replace(/\w\S*/g, (w) => w[0]?.toUpperCase() + w.slice(1).toLowerCase()),
        holder,
      );
    case 'capitalize':
      return interp.newStr(s.slice(0, 1).toUpperCase() + s.slice(1).toLowerCase(), holder);
    case 'startswith':
      return interp.bool(s.startsWith(sArg(0)), holder);
    case 'endswith':
      return interp.bool(s.endsWith(sArg(0)), holder);
    case 'replace':
      return interp.newStr(s.split(sArg(0)).join(sArg(1)), holder);
    case 'find':
      return interp.newInt(BigInt(s.indexOf(sArg(0))), holder);
    case 'index': {
      const i = s.indexOf(sArg(0));
      if (i < 0) throw interp.pyErr('ValueError', 'substring not found');
      return interp.newInt(BigInt(i), holder);
    }
    case 'count':
      return interp.newInt(BigInt(s.split(sArg(0)).length - 1), holder);
    case 'isdigit':
      return interp.bool(/^\d+$/.test(s), holder);
    case 'isalpha':
      return interp.bool(/^\p{L}+$/u.test(s), holder);
    case 'center':
    case 'ljust':
    case 'rjust': {
      const w = Number(num(interp.value(args[0] as ObjectId)) ?? 0);
      const fill = args[1] !== undefined ? sArg(1) : ' ';
      const gap = Math.max(0, w - [...s].length);
      if (name === 'ljust') return interp.newStr(s + fill.repeat(gap), holder);
      if (name === 'rjust') return interp.newStr(fill.repeat(gap) + s, holder);
      const left = Math.floor(gap / 2) + (gap % 2 === 1 && w % 2 === 1 ? 1 : 0);
      return interp.newStr(fill.repeat(left) + s + fill.repeat(gap - left), holder);
    }
    case 'zfill': {
      const w = Number(num(interp.value(args[0] as ObjectId)) ?? 0);
      const neg = s.startsWith('-');
      const body = neg ? s.slice(1) : s;
      return interp.newStr((neg ? '-' : '') + body.padStart(w - (neg ? 1 : 0), '0'), holder);
    }
    case 'format': {
      let auto = 0;
      let manual = false;
      const out = s.replace(
        /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}/g,
        (m, field: string | undefined, conv: string | undefined, spec: string | undefined) => {
          if (m === '{{') return '{';
          if (m === '}}') return '}';
          const automatic = field === undefined || field === '';
          if (automatic && manual)
            throw interp.pyErr(
              'ValueError',
              'cannot switch from manual field specification to automatic field numbering',
            );
          if (!automatic && auto > 0)
            throw interp.pyErr(
              'ValueError',
              'cannot switch from automatic field numbering to manual field specification',
            );
          if (!automatic) manual = true;
          const idx = automatic ? auto++ : Number(field);
          const a = args[idx];
          if (a === undefined)
            throw interp.pyErr('IndexError', `Replacement index ${idx} out of range for positional args tuple`);
          // The conversion first, then format() with the spec.
          if (conv !== undefined) {
            const text = conv === 'r' ? interp.repr(a) : conv === 'a' ? interp.ascii(a) : interp.str(a);
            return spec ? interp.formatStrSpec(text, spec) : text;
          }
          return interp.formatSpec(a, spec ?? '');
        },
      );
      return interp.newStr(out, holder);
    }
    case 'encode':
      return interp.internals.alloc(
        'bytes',
        'bytes',
        33 + new TextEncoder().encode(s).length,
        { t: 'bytes', v: new TextEncoder().encode(s) },
        holder,
      );
    case 'partition':
    case 'rpartition': {
      const sep = sArg(0);
      const i = name === 'partition' ? s.indexOf(sep) : s.lastIndexOf(sep);
      const parts =
        i < 0 ? (name === 'partition' ? [s, '', ''] : ['', '', s]) : [s.slice(0, i), sep, s.slice(i + sep.length)];
      return interp.newTuple(
        parts.map((p) => interp.newStr(p, C_TEMP)),
        holder,
        C_TEMP,
      );
    }
    default:
      throw interp.pyErr('AttributeError', `'str' object has no attribute '${name}'`);
  }
}

function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  while (left && a < b && chars.includes(s[a] as string)) a++;
  while (right && b > a && chars.includes(s[b - 1] as string)) b--;
  return s.slice(a, b);
}

export { dictSize };
