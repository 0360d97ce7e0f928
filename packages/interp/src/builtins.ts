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
import { Interpreter, PyRaise } from './interpreter.js';
import { formatFloat, pyStrRepr } from './format.js';
import type { ClassValue, FunctionValue, IteratorValue, PyValue } from './values.js';
import {
  MAX_ITEMS,
  bitLength,
  checkDecimalDigits,
  checkItems,
  checkMul,
  checkPow,
  checkShift,
  checkStrLength,
  intToDecimal,
  raiseLimit,
  type Limit,
} from './limits.js';

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
  const v = this.value(obj);
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
    case 'set':
      return seqIter(this, obj, holder, 'set', 'set_iterator', true);
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
    case 'instance': {
      const iter = this.lookupClassAttr(v.cls, '__iter__');
      if (iter !== undefined) return this.callObject(iter, [obj], [], holder, undefined);
      break;
    }
    default:
      break;
  }
  throw this.typeError(`'${this.typeName(obj)}' object is not iterable`);
};

/** FOR_ITER: the next item as a new reference owned by `holder`, or undefined when exhausted. */
/** An exhausted iterator lets go of its sequence (it_seq = NULL); next() then gives undefined. */
function exhaustIterator(interp: Interpreter, it: ObjectId, v: IteratorValue): undefined {
  if (v.seq !== undefined && interp.rt.object(it).refs.some((r) => r?.slot === 'it_seq')) {
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
      const items = (this.value(v.seq) as { items: ObjectId[] }).items;
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
      if (v.seq === undefined) return undefined;
      const entries = [...(this.value(v.seq) as { store: { entries: Map<string, ObjectId> } }).store.entries.values()];
      const e = entries[v.index];
      if (e === undefined) return exhaustIterator(this, it, v);
      v.index += 1;
      return this.ret(e, holder);
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
      const inner = v.inner?.[0];
      if (inner === undefined || v.fn === undefined) return undefined;
      const item = this.iterNext(inner, C_TEMP);
      if (item === undefined) return undefined;
      try {
        return this.callObject(v.fn, [item], [], holder, undefined);
      } finally {
        this.rt.decref(item, C_TEMP);
      }
    }
    case 'reversed': {
      if (v.seq === undefined) return undefined;
      const items = (this.value(v.seq) as { items: ObjectId[] }).items;
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
  if (v.t === 'range') limit(this, checkItems(rangeLen(v.start, v.stop, v.step), 'list'));
  const it = this.getIter(obj, C_TEMP);
  const out: ObjectId[] = [];
  try {
    for (let x = this.iterNext(it, holder); x !== undefined; x = this.iterNext(it, holder)) {
      if (out.length >= MAX_ITEMS) limit(this, checkItems(out.length + 1, 'list'));
      out.push(x);
    }
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
  const v = this.value(obj);
  const isSlice = this.values.get(key)?.t === 'slice';
  switch (v.t) {
    case 'list':
    case 'tuple': {
      if (isSlice) {
        const idx = sliceBounds(this, key, v.items.length);
        if (v.t === 'tuple' && idx.length === v.items.length && idx.every((x, k) => x === k))
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
      // KeyError(key): the key itself is the argument.
      if (e === undefined) throw raiseWithArgs(this, 'KeyError', [key]);
      return this.ret(e.value, holder);
    }
    case 'range': {
      const n = Number(rangeLen(v.start, v.stop, v.step));
      const i = indexOf(this, key, n, 'range');
      if (i < 0 || i >= n) throw this.pyErr('IndexError', 'range object index out of range');
      return this.newInt(v.start + BigInt(i) * v.step, holder);
    }
    case 'instance': {
      const gi = this.lookupClassAttr(v.cls, '__getitem__');
      if (gi !== undefined) return this.callObject(gi, [obj, key], [], holder, scope);
      break;
    }
    default:
      break;
  }
  throw this.typeError(`'${this.typeName(obj)}' object is not subscriptable`);
};

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
  const v = this.value(obj);
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
  if (v.t === 'instance') {
    const si = this.lookupClassAttr(v.cls, '__setitem__');
    if (si !== undefined) {
      this.rt.decref(this.callObject(si, [obj, key, val], [], C_TEMP, scope), C_TEMP);
      return;
    }
  }
  throw this.typeError(`'${this.typeName(obj)}' object does not support item assignment`);
};

P.delItem = function (this: Interpreter, obj: ObjectId, key: ObjectId, scope: Scope | undefined): void {
  const v = this.value(obj);
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
  if (v.t === 'instance') {
    const di = this.lookupClassAttr(v.cls, '__delitem__');
    if (di !== undefined) {
      this.rt.decref(this.callObject(di, [obj, key], [], C_TEMP, scope), C_TEMP);
      return;
    }
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
  const v = this.value(list) as { items: ObjectId[]; allocated: number };
  const n = v.items.length + 1;
  if (n > MAX_ITEMS) limit(this, checkItems(n, 'list'));
  const next = listResize(v.allocated, v.items.length, n);
  if (next !== v.allocated) this.setListCapacity(list, next);
  v.items.push(val);
  if (how === 'move') this.rt.move(val, from, { kind: 'object', owner: list, slot: 'item' });
  else this.rt.incref(val, { kind: 'object', owner: list, slot: 'item' });
};

P.listExtend = function (this: Interpreter, list: ObjectId, iterable: ObjectId, _holder: Holder): void {
  const v = this.value(list) as { items: ObjectId[]; allocated: number };
  const src = this.value(iterable);
  const items = this.iterateToArray(iterable, C_TEMP);
  if (items.length === 0) return;
  if (v.items.length + items.length > MAX_ITEMS) {
    for (const i of items) this.rt.decref(i, C_TEMP);
    limit(this, checkItems(v.items.length + items.length, 'list'));
  }
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
        // MAP_ADD: _PyDict_SetItem_Take2 takes both references (a key already there is dropped).
        const k = this.internals.evalExpr(e.key, scope);
        const v = this.internals.evalExpr(e.value, scope);
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
  const v = this.value(id);
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
      return v.store.entries.size > 0;
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
  const v = this.value(id);
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
      return intToDecimal(v.v, (type, message) => this.pyErr(type, message));
    case 'float':
      return formatFloat(v.v);
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
      const items = [...v.store.entries.values()];
      if (items.length === 0) return v.frozen ? 'frozenset()' : 'set()';
      const body = nested(items, '{', '}');
      return v.frozen ? `frozenset(${body})` : body;
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
      const f = this.lookupClassAttr(v.cls, '__repr__');
      if (f !== undefined) return callText(this, f, id, '__repr__');
      const cv = this.value(v.cls) as ClassValue;
      if (cv.isException) {
        const args = (this.value(v.attrs.get('args') as ObjectId) as { items: ObjectId[] }).items;
        return `${cv.name}(${args.map((a) => this.repr(a)).join(', ')})`;
      }
      return `<__main__.${cv.qualname} object at ${addr()}>`;
    }
    case 'method':
      return `<bound method ${(this.value(v.func) as FunctionValue).qualname} of ${this.repr(v.self)}>`;
    case 'builtin':
      return v.self === undefined
        ? `<built-in function ${v.name.replace(/^.*\./, '')}>`
        : `<built-in method ${v.name.replace(/^.*\./, '')} of ${this.typeName(v.self)} object at 0x${this.rt.object(v.self).addr.toString(16)}>`;
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

P.formatSpec = function (this: Interpreter, id: ObjectId, spec: string): string {
  const v = this.value(id);
  const m = /^(?:(.)?([<>^=]))?([+\- ])?(#)?(0)?(\d+)?(,)?(?:\.(\d+))?([sdfegx%])?$/.exec(spec);
  if (m === null)
    throw this.pyErr('ValueError', `Invalid format specifier '${spec}' for object of type '${this.typeName(id)}'`);
  const [, fill = ' ', align, , , zero, width, comma, precision, type] = m;
  let text: string;
  if (v.t === 'float' || type === 'f' || type === '%' || type === 'e') {
    const num = v.t === 'float' ? v.v : v.t === 'int' ? Number(v.v) : NaN;
    const p = precision === undefined ? 6 : Number(precision);
    if (type === 'f') text = num.toFixed(p);
    else if (type === '%') text = `${(num * 100).toFixed(p)}%`;
    else if (type === 'e') text = num.toExponential(p).replace(/e([+-])(\d)$/, 'e$10$2');
    else text = precision !== undefined ? String(Number(num.toPrecision(Number(precision)))) : this.str(id);
  } else if (v.t === 'int' && type === 'x') text = v.v.toString(16);
  else text = this.str(id);
  if (comma !== undefined) text = text.replace(/^(-?\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
  const w = width === undefined ? 0 : Number(width);
  if (text.length >= w) return text;
  const pad = (n: number): string => (zero !== undefined && align === undefined ? '0' : fill).repeat(n);
  const a = align ?? (zero !== undefined ? '=' : v.t === 'int' || v.t === 'float' ? '>' : '<');
  const gap = w - text.length;
  if (a === '<') return text + pad(gap);
  if (a === '^') return pad(Math.floor(gap / 2)) + text + pad(Math.ceil(gap / 2));
  if (a === '=' && (text.startsWith('-') || text.startsWith('+'))) return text[0] + pad(gap) + text.slice(1);
  return pad(gap) + text;
};

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
  const av = this.value(a);
  const bv = this.value(b);
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
  switch (op) {
    case '+':
      if (av.t === 'str' && bv.t === 'str') {
        limit(this, checkStrLength(av.v.length + bv.v.length, 'str'));
        return this.newStr(av.v + bv.v, holder);
      }
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
        const sv = this.value(seq);
        const big = count < 0n ? 0n : count;
        if (sv.t === 'str') limit(this, checkStrLength(BigInt(sv.v.length) * big, 'str', true));
        if (sv.t === 'list' || sv.t === 'tuple') limit(this, checkItems(BigInt(sv.items.length) * big, sv.t));
        const n = Number(big);
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
      if (av.t === 'str') return this.newStr(percentFormat(this, av.v, b), holder);
      break;
    case '|':
    case '&':
    case '-':
    case '^':
      if (av.t === 'set' && bv.t === 'set') {
        const ka = av.store.entries;
        const kb = bv.store.entries;
        const pick: ObjectId[] = [];
        if (op === '|') pick.push(...ka.values(), ...[...kb].filter(([k]) => !ka.has(k)).map(([, x]) => x));
        if (op === '&') pick.push(...[...ka].filter(([k]) => kb.has(k)).map(([, x]) => x));
        if (op === '-') pick.push(...[...ka].filter(([k]) => !kb.has(k)).map(([, x]) => x));
        if (op === '^')
          pick.push(
            ...[...ka].filter(([k]) => !kb.has(k)).map(([, x]) => x),
            ...[...kb].filter(([k]) => !ka.has(k)).map(([, x]) => x),
          );
        const s = this.newSet(holder, av.frozen);
        for (const x of pick) this.setAdd(s, x, undefined);
        return s;
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

function numericOp(interp: Interpreter, op: string, a: bigint | number, b: bigint | number, holder: Holder): ObjectId {
  const bothInt = typeof a === 'bigint' && typeof b === 'bigint';
  if (bothInt) {
    const x = a;
    const y = b;
    switch (op) {
      case '+':
        return interp.newInt(x + y, holder);
      case '-':
        return interp.newInt(x - y, holder);
      case '*':
        limit(interp, checkMul(x, y));
        return interp.newInt(x * y, holder);
      case '//':
        if (y === 0n) throw interp.pyErr('ZeroDivisionError', 'integer division or modulo by zero');
        return interp.newInt(floorDiv(x, y), holder);
      case '%':
        if (y === 0n) throw interp.pyErr('ZeroDivisionError', 'integer division or modulo by zero');
        return interp.newInt(x - floorDiv(x, y) * y, holder);
      case '**':
        if (y < 0n) return interp.newFloat(Number(x) ** Number(y), holder);
        limit(interp, checkPow(x, y));
        return interp.newInt(x ** y, holder);
      case '/':
        if (y === 0n) throw interp.pyErr('ZeroDivisionError', 'division by zero');
        return interp.newFloat(Number(x) / Number(y), holder);
      case '&':
        return interp.newInt(x & y, holder);
      case '|':
        return interp.newInt(x | y, holder);
      case '^':
        return interp.newInt(x ^ y, holder);
      case '<<':
        if (y < 0n) throw interp.pyErr('ValueError', 'negative shift count');
        limit(interp, checkShift(x, y));
        return interp.newInt(x << y, holder);
      case '>>':
        if (y < 0n) throw interp.pyErr('ValueError', 'negative shift count');
        // A count past the int's length leaves its sign (BigInt would refuse a huge count).
        return interp.newInt(y > BigInt(bitLength(x)) ? (x < 0n ? -1n : 0n) : x >> y, holder);
      default:
        break;
    }
  }
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case '+':
      return interp.newFloat(x + y, holder);
    case '-':
      return interp.newFloat(x - y, holder);
    case '*':
      return interp.newFloat(x * y, holder);
    case '/':
      if (y === 0) throw interp.pyErr('ZeroDivisionError', 'float division by zero');
      return interp.newFloat(x / y, holder);
    case '//':
      if (y === 0) throw interp.pyErr('ZeroDivisionError', 'float floor division by zero');
      return interp.newFloat(Math.floor(x / y), holder);
    case '%':
      if (y === 0) throw interp.pyErr('ZeroDivisionError', 'float modulo');
      return interp.newFloat(x - Math.floor(x / y) * y, holder);
    case '**':
      return interp.newFloat(x ** y, holder);
    default:
      throw interp.typeError(`unsupported operand type(s) for ${op}: 'float' and 'float'`);
  }
}

const floorDiv = (x: bigint, y: bigint): bigint => {
  const q = x / y;
  return x % y !== 0n && x < 0n !== y < 0n ? q - 1n : q;
};

function percentFormat(interp: Interpreter, fmt: string, arg: ObjectId): string {
  const av = interp.value(arg);
  const args = av.t === 'tuple' ? av.items : [arg];
  let i = 0;
  return fmt.replace(/%(\d*)(?:\.(\d+))?([sdrf%])/g, (_m, width: string, prec: string | undefined, c: string) => {
    if (c === '%') return '%';
    const a = args[i++];
    if (a === undefined) throw interp.typeError('not enough arguments for format string');
    let s: string;
    if (c === 'r') s = interp.repr(a);
    else if (c === 'd') s = String(num(interp.value(a)) ?? interp.str(a)).replace(/\..*$/, '');
    else if (c === 'f') s = Number(num(interp.value(a)) ?? 0).toFixed(prec === undefined ? 6 : Number(prec));
    else s = interp.str(a);
    return width === '' ? s : s.padStart(Number(width));
  });
}

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
// Comparisons.

export function pyEquals(interp: Interpreter, a: ObjectId, b: ObjectId, scope?: Scope): boolean {
  if (a === b) {
    const v = interp.value(a);
    return !(v.t === 'float' && Number.isNaN(v.v));
  }
  const av = interp.value(a);
  const bv = interp.value(b);
  const na = num(av);
  const nb = num(bv);
  if (na !== undefined && nb !== undefined) return typeof na === typeof nb ? na === nb : Number(na) === Number(nb);
  if (av.t === 'weakref' || bv.t === 'weakref') {
    // weakref.__eq__: referents compared while both are alive, else identity.
    if (av.t !== 'weakref' || bv.t !== 'weakref') return false;
    const ra = interp.weakrefTarget(a);
    const rb = interp.weakrefTarget(b);
    return ra !== undefined && rb !== undefined ? pyEquals(interp, ra, rb, scope) : false;
  }
  for (const [x, xv, y] of [
    [a, av, b],
    [b, bv, a],
  ] as const) {
    if (xv.t === 'instance') {
      const f = interp.lookupClassAttr(xv.cls, '__eq__');
      if (f !== undefined) {
        const r = interp.callObject(f, [x, y], [], C_TEMP, scope);
        const rv = interp.value(r);
        interp.rt.decref(r, C_TEMP);
        if (rv.t !== 'notimplemented') return interp.truthy(r, scope) || (rv.t === 'bool' && rv.v);
      }
    }
  }
  if (av.t !== bv.t) return false;
  switch (av.t) {
    case 'str':
      return av.v === (bv as { v: string }).v;
    case 'bytes':
      return av.v.join() === (bv as { v: Uint8Array }).v.join();
    case 'list':
    case 'tuple': {
      const bi = (bv as { items: ObjectId[] }).items;
      return av.items.length === bi.length && av.items.every((x, i) => pyEquals(interp, x, bi[i] as ObjectId, scope));
    }
    case 'dict': {
      const be = (bv as { store: { entries: Map<string, { value: ObjectId }> } }).store.entries;
      if (av.store.entries.size !== be.size) return false;
      for (const [k, e] of av.store.entries) {
        const o = be.get(k);
        if (o === undefined || !pyEquals(interp, e.value, o.value, scope)) return false;
      }
      return true;
    }
    case 'set': {
      const be = (bv as { store: { entries: Map<string, ObjectId> } }).store.entries;
      return av.store.entries.size === be.size && [...av.store.entries.keys()].every((k) => be.has(k));
    }
    case 'range':
      return String(av.start) === String((bv as { start: bigint }).start);
    default:
      return false;
  }
}

function pyLess(interp: Interpreter, a: ObjectId, b: ObjectId, op: string, scope?: Scope): boolean {
  const av = interp.value(a);
  const bv = interp.value(b);
  const na = num(av);
  const nb = num(bv);
  if (na !== undefined && nb !== undefined)
    return Number(na) < Number(nb) || (typeof na === 'bigint' && typeof nb === 'bigint' && na < nb);
  if (av.t === 'str' && bv.t === 'str') return av.v < bv.v;
  if ((av.t === 'list' && bv.t === 'list') || (av.t === 'tuple' && bv.t === 'tuple')) {
    const bi = (bv as { items: ObjectId[] }).items;
    for (let i = 0; i < Math.min(av.items.length, bi.length); i++) {
      const x = av.items[i] as ObjectId;
      const y = bi[i] as ObjectId;
      if (!pyEquals(interp, x, y, scope)) return pyLess(interp, x, y, op, scope);
    }
    return av.items.length < bi.length;
  }
  if (av.t === 'instance') {
    const f = interp.lookupClassAttr(av.cls, '__lt__');
    if (f !== undefined) {
      const r = interp.callObject(f, [a, b], [], C_TEMP, scope);
      const t = interp.truthy(r, scope);
      interp.rt.decref(r, C_TEMP);
      return t;
    }
  }
  throw interp.typeError(
    `'${op}' not supported between instances of '${interp.typeName(a)}' and '${interp.typeName(b)}'`,
  );
}

function contains(interp: Interpreter, container: ObjectId, item: ObjectId, scope?: Scope): boolean {
  const cv = interp.value(container);
  switch (cv.t) {
    case 'list':
    case 'tuple':
      return cv.items.some((x) => pyEquals(interp, x, item, scope));
    case 'dict':
      return cv.store.entries.has(interp.hashKey(item));
    case 'set':
      return cv.store.entries.has(interp.hashKey(item));
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
      const f = interp.lookupClassAttr(cv.cls, '__contains__');
      if (f !== undefined) {
        const r = interp.callObject(f, [container, item], [], C_TEMP, scope);
        const t = interp.truthy(r, scope);
        interp.rt.decref(r, C_TEMP);
        return t;
      }
      const items = interp.iterateToArray(container, C_TEMP);
      const found = items.some((x) => pyEquals(interp, x, item, scope));
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
    case '==':
      return this.bool(pyEquals(this, a, b, scope), holder);
    case '!=':
      return this.bool(!pyEquals(this, a, b, scope), holder);
    case '<':
      return this.bool(pyLess(this, a, b, op, scope), holder);
    case '>':
      return this.bool(pyLess(this, b, a, op, scope), holder);
    case '<=':
      return this.bool(!pyLess(this, b, a, op, scope), holder);
    case '>=':
      return this.bool(!pyLess(this, a, b, op, scope), holder);
    case 'in':
      return this.bool(contains(this, b, a, scope), holder);
    case 'not in':
      return this.bool(!contains(this, b, a, scope), holder);
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
  return callBuiltinImpl.call(this, name, self, args, kwargs, holder, scope);
};

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
    void kind;
    return this.callBuiltinMethod(self, method, args, kwargs, holder, scope);
  }
  const short = shortName(name);
  switch (name) {
    case 'builtins.print': {
      const sep = kwArg(kwargs, 'sep');
      const end = kwArg(kwargs, 'end');
      const sepText = sep === undefined || this.value(sep).t === 'none' ? ' ' : this.str(sep);
      const endText = end === undefined || this.value(end).t === 'none' ? '\n' : this.str(end);
      this.internals.writeOut(args.map((a) => this.str(a)).join(sepText) + endText);
      return this.none(holder);
    }
    case 'builtins.len': {
      argN(this, 'len', args, 1);
      const v = this.value(args[0] as ObjectId);
      const n =
        v.t === 'str'
          ? [...v.v].length
          : v.t === 'list' || v.t === 'tuple'
            ? v.items.length
            : v.t === 'dict' || v.t === 'set'
              ? v.store.entries.size
              : v.t === 'bytes'
                ? v.v.length
                : v.t === 'range'
                  ? Number(rangeLen(v.start, v.stop, v.step))
                  : undefined;
      if (n !== undefined) return this.newInt(BigInt(n), holder);
      if (v.t === 'instance') {
        const f = this.lookupClassAttr(v.cls, '__len__');
        if (f !== undefined) return this.callObject(f, [args[0] as ObjectId], [], holder, scope);
      }
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
    case 'builtins.hash': {
      const k = this.hashKey(args[0] as ObjectId);
      const v = this.value(args[0] as ObjectId);
      return this.newInt(v.t === 'int' ? v.v : BigInt(k.length), holder);
    }
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
      const q = this.binaryOp('//', args[0] as ObjectId, args[1] as ObjectId, C_TEMP, false, scope);
      const r = this.binaryOp('%', args[0] as ObjectId, args[1] as ObjectId, C_TEMP, false, scope);
      return this.newTuple([q, r], holder, C_TEMP);
    }
    case 'builtins.round': {
      const n = num(this.value(args[0] as ObjectId));
      if (args.length > 1) {
        const d = Number(num(this.value(args[1] as ObjectId)) ?? 0);
        return this.newFloat(Number(Number(n).toFixed(d)), holder);
      }
      const x = Number(n);
      const r = Math.round(x);
      const even = Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
      return this.newInt(BigInt(even), holder);
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
        const better = short === 'min' ? pyLess(this, k, bestKey, '<', scope) : pyLess(this, bestKey, k, '<', scope);
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
      const p = this.internals.alloc(
        'property',
        'method',
        FIXED_SIZES.property,
        { t: 'property', fget: args[0] },
        holder,
      );
      if (args[0] !== undefined) this.rt.incref(args[0], { kind: 'object', owner: p, slot: 'fget' });
      return p;
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
      if (name === 'weakref.ref') return this.newWeakref(args, holder);
      if (name.startsWith('type.')) return construct(this, name.slice(5), args, kwargs, holder, scope);
      throw this.pyErr('NotImplementedError', `${name} is not simulated`);
  }
};

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
  const v = interp.value(list) as { items: ObjectId[] };
  const keys = new Map<ObjectId, ObjectId>();
  if (key !== undefined && interp.value(key).t !== 'none')
    for (const x of v.items) keys.set(x, interp.callObject(key, [x], [], C_TEMP, scope));
  const k = (x: ObjectId): ObjectId => keys.get(x) ?? x;
  const sorted = [...v.items].sort((a, b) =>
    pyLess(interp, k(a), k(b), '<', scope) ? -1 : pyLess(interp, k(b), k(a), '<', scope) ? 1 : 0,
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
        checkDecimalDigits(t.replace(/^[+-]/, '').length, (type, message) => interp.pyErr(type, message));
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
      const s = interp.newSet(holder, type === 'frozenset');
      if (a0 !== undefined) for (const x of interp.iterateToArray(a0, C_TEMP)) interp.setAdd(s, x, C_TEMP);
      return s;
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

function gcFunction(
  interp: Interpreter,
  name: string,
  args: ObjectId[],
  _kwargs: [string, ObjectId][],
  holder: Holder,
): ObjectId {
  const rt = interp.rt;
  const state = rt.state;
  const intArg = (i: number): number => Number(num(interp.value(args[i] as ObjectId)) ?? 0);
  const tuple = (xs: readonly number[]): ObjectId =>
    interp.newTuple(
      xs.map((x) => interp.newInt(BigInt(x), C_TEMP)),
      holder,
      C_TEMP,
    );
  switch (name) {
    case 'collect': {
      const g = args.length > 0 ? intArg(0) : 2;
      if (g < 0 || g > 2) throw interp.pyErr('ValueError', 'invalid generation');
      return interp.newInt(BigInt(rt.collect(g as 0 | 1 | 2)), holder);
    }
    case 'get_count':
      return tuple(state.gc.counts);
    case 'get_threshold':
      return tuple(state.gc.thresholds);
    case 'set_threshold': {
      if (args.length === 0) throw interp.typeError('set_threshold() takes at least 1 argument (0 given)');
      const t = [...state.gc.thresholds] as [number, number, number];
      args.slice(0, 3).forEach((_, i) => (t[i] = intArg(i)));
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
      rt.emit({ type: 'GcConfigChanged', debug: intArg(0) });
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
      return interp.newList(getReferents(state, args), holder);
    case 'get_referrers':
      return interp.newList(getReferrers(state, args, packedArgs === undefined ? [] : [packedArgs]), holder);
    case 'get_objects': {
      const g = args.length > 0 && interp.value(args[0] as ObjectId).t !== 'none' ? intArg(0) : undefined;
      if (g !== undefined && (g < 0 || g > 2))
        throw interp.pyErr(
          'ValueError',
          `generation parameter must be less than the number of available generations (3)`,
        );
      return interp.newList(getObjects(state, g as 0 | 1 | 2 | undefined), holder);
    }
    case 'freeze':
      rt.freeze();
      return interp.none(holder);
    case 'unfreeze':
      rt.unfreeze();
      return interp.none(holder);
    case 'get_freeze_count':
      return interp.newInt(BigInt(getFreezeCount(state)), holder);
    default: {
      const fn = (rt as unknown as Record<string, unknown>)[
        name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())
      ];
      if (typeof fn === 'function') {
        const r = (fn as (this: unknown) => unknown).call(rt);
        return typeof r === 'number' ? interp.newInt(BigInt(r), holder) : interp.none(holder);
      }
      throw interp.pyErr('NotImplementedError', `gc.${name} is not simulated in this build`);
    }
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

P.callBuiltinMethod = function (this: Interpreter, self, name, args, kwargs, holder, scope): ObjectId {
  const v = this.value(self);
  switch (v.t) {
    case 'list':
      return listMethod(this, self, v, name, args, kwargs, holder, scope);
    case 'dict':
      return dictMethod(this, self, v, name, args, holder, scope);
    case 'set':
      return setMethod(this, self, v, name, args, holder);
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
      if (name === '__init__') {
        // BaseException.__init__ sets args; object.__init__ does nothing.
        if (this.classOf(self).isException) {
          const t = this.newTuple(args, C_TEMP);
          this.setAttrRaw(self, 'args', t, C_TEMP, 'move');
        }
        return this.none(holder);
      }
      throw noAttribute(this, self, name);
    default:
      throw noAttribute(this, self, name);
  }
};

function seqIndexCount(
  interp: Interpreter,
  items: ObjectId[],
  name: string,
  x: ObjectId,
  holder: Holder,
  what: string,
): ObjectId {
  if (name === 'count') return interp.newInt(BigInt(items.filter((i) => pyEquals(interp, i, x)).length), holder);
  const i = items.findIndex((it) => pyEquals(interp, it, x));
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
      const i = v.items.findIndex((x) => pyEquals(interp, x, args[0] as ObjectId, scope));
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
  holder: Holder,
  scope: Scope | undefined,
): ObjectId {
  const entries = v.store.entries;
  switch (name) {
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
  v: { store: { entries: Map<string, ObjectId> }; frozen: boolean },
  name: string,
  args: ObjectId[],
  holder: Holder,
): ObjectId {
  switch (name) {
    case 'add':
      interp.setAdd(self, args[0] as ObjectId, undefined);
      return interp.none(holder);
    case 'discard':
      interp.setDiscard(self, args[0] as ObjectId);
      return interp.none(holder);
    case 'remove':
      if (!interp.setDiscard(self, args[0] as ObjectId)) throw raiseWithArgs(interp, 'KeyError', [args[0] as ObjectId]);
      return interp.none(holder);
    case 'pop': {
      const first = [...v.store.entries.values()][0];
      if (first === undefined) throw interp.pyErr('KeyError', 'pop from an empty set');
      const r = interp.ret(first, holder);
      interp.setDiscard(self, first);
      return r;
    }
    case 'clear': {
      // set_clear_internal: back to the 8-slot table inside the object, items released in table order.
      const items = [...v.store.entries.values()];
      v.store.entries.clear();
      (v.store as unknown as { table: number; fill: number }).table = 8;
      (v.store as unknown as { table: number; fill: number }).fill = 0;
      interp.setSetTable(self, 8);
      for (const x of items) interp.rt.decref(x, { kind: 'object', owner: self, slot: 'item' });
      return interp.none(holder);
    }
    case 'update':
      for (const x of interp.iterateToArray(args[0] as ObjectId, C_TEMP)) interp.setAdd(self, x, C_TEMP);
      return interp.none(holder);
    case 'union':
      return interp.binaryOp('|', self, args[0] as ObjectId, holder, false, undefined);
    case 'intersection':
      return interp.binaryOp('&', self, args[0] as ObjectId, holder, false, undefined);
    case 'difference':
      return interp.binaryOp('-', self, args[0] as ObjectId, holder, false, undefined);
    case 'issubset':
    case 'issuperset': {
      const other = interp.value(args[0] as ObjectId) as { store: { entries: Map<string, ObjectId> } };
      const [a, b] =
        name === 'issubset' ? [v.store.entries, other.store.entries] : [other.store.entries, v.store.entries];
      return interp.bool(
        [...a.keys()].every((k) => b.has(k)),
        holder,
      );
    }
    case 'copy': {
      const s = interp.newSet(holder, v.frozen);
      for (const x of v.store.entries.values()) interp.setAdd(s, x, undefined);
      return s;
    }
    default:
      throw interp.pyErr('AttributeError', `'set' object has no attribute '${name}'`);
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
      const out = s.replace(
        /\{\{|\}\}|\{([^{}!:]*)(?:!([rs]))?(?::([^{}]*))?\}/g,
        (m, field: string | undefined, conv: string | undefined, spec: string | undefined) => {
          if (m === '{{') return '{';
          if (m === '}}') return '}';
          const idx = field === undefined || field === '' ? auto++ : Number(field);
          const a = args[idx];
          if (a === undefined)
            throw interp.pyErr('IndexError', `Replacement index ${idx} out of range for positional args tuple`);
          if (conv === 'r') return interp.repr(a);
          return spec ? interp.formatSpec(a, spec) : interp.str(a);
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

/** Go on, or raise what a resource limit becomes (limits.ts): CPython's exception, or the run's stop. */
function limit(interp: Interpreter, found: Limit | undefined): void {
  if (found !== undefined) raiseLimit(found, (type, message) => interp.pyErr(type, message));
}
