/*
 * The abstract object protocols
 * =============================
 * What the instructions ask of any object: repr and str, hash, rich comparison with
 * CPython's reflected-operand rules, truth, length, subscripts, iteration, containment,
 * the number operators with their reflected and in-place forms and the sequence
 * fallbacks, format(), and calling an object that is not a function. A built-in type
 * answers through its slots; a class statement's type through the special method found
 * on it (a Python function, or a built-in base's member).
 *
 * Source: Objects/object.c (PyObject_Repr, PyObject_Str, PyObject_RichCompare,
 * do_richcompare, PyObject_IsTrue, PyObject_Hash, PyObject_Format), Objects/abstract.c
 * (binary_op1, binary_iop1, PyNumber_Add's sq_concat fallback, sequence_repeat,
 * PyObject_GetItem, PyObject_SetItem, PyObject_GetIter, PyIter_Next, PySequence_Contains,
 * _PySequence_IterSearch, PyObject_Length, PyNumber_Index), Objects/typeobject.c (the
 * slot_* functions, vectorcall_maybe, method_is_overloaded), Objects/call.c
 * (_PyObject_MakeTpCall).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, PyRaise, VM } from './vm.js';
import type { BinaryOp, CompareOp } from './typeSlots.js';
import type { TypeValue } from './values.js';

declare module './vm.js' {
  interface VM {
    repr(obj: ObjectId, out: Holder): ObjectId;
    str(obj: ObjectId, out: Holder): ObjectId;
    ascii(obj: ObjectId, out: Holder): ObjectId;
    /** repr(obj) as text (the str object made and released). */
    reprText(obj: ObjectId): string;
    strText(obj: ObjectId): string;
    hash(obj: ObjectId): bigint;
    /** The object's type has an `__eq__` other than object's identity (a dict compares such keys with ==). */
    hasCustomEq(obj: ObjectId): boolean;
    richCompare(a: ObjectId, b: ObjectId, op: CompareOp, out: Holder): ObjectId;
    richCompareBool(a: ObjectId, b: ObjectId, op: CompareOp): boolean;
    truthy(obj: ObjectId): boolean;
    len(obj: ObjectId): number;
    getItem(obj: ObjectId, key: ObjectId, out: Holder): ObjectId;
    setItem(obj: ObjectId, key: ObjectId, value: ObjectId): void;
    delItem(obj: ObjectId, key: ObjectId): void;
    getIter(obj: ObjectId, out: Holder): ObjectId;
    /** PyIter_Next: the next item, or undefined when exhausted. */
    iterNext(it: ObjectId, out: Holder): ObjectId | undefined;
    /** tp_iternext itself: undefined when exhausted, a StopIteration it raises propagates (next()). */
    iterNextRaw(it: ObjectId, out: Holder): ObjectId | undefined;
    /** Every item of an iterable, as new references owned by `holder`. */
    iterateToArray(obj: ObjectId, holder: Holder, checked?: boolean): ObjectId[];
    contains(container: ObjectId, item: ObjectId): boolean;
    binaryOp(op: BinaryOp, a: ObjectId, b: ObjectId, inplace: boolean, out: Holder): ObjectId;
    unaryOp(op: '-' | '+' | '~', a: ObjectId, out: Holder): ObjectId;
    /** PyNumber_Index. */
    index(obj: ObjectId): bigint;
    hasIndex(obj: ObjectId): boolean;
    format(obj: ObjectId, spec: ObjectId | undefined, out: Holder): ObjectId;
    /** Call an object that is neither a function, a method nor a builtin: a type, `__call__`. */
    callSlot(
      callable: ObjectId,
      args: readonly ObjectId[],
      kwnames: readonly string[] | undefined,
      out: Holder,
    ): ObjectId;
    /** Catch a PyRaise: its exception (and traceback) released, as PyErr_Clear. */
    clearRaise(e: PyRaise): void;
    /** The exception raised is an instance of the built-in class `name`. */
    raised(e: unknown, name: string): e is PyRaise;
  }
}

const P = VM.prototype;

const REFLECTED: Record<CompareOp, CompareOp> = { '<': '>', '<=': '>=', '==': '==', '!=': '!=', '>': '<', '>=': '<=' };
const COMPARE_NAMES: Record<CompareOp, string> = {
  '<': '__lt__',
  '<=': '__le__',
  '==': '__eq__',
  '!=': '__ne__',
  '>': '__gt__',
  '>=': '__ge__',
};
const NUMBER_NAMES: Record<BinaryOp, [string, string, string]> = {
  '+': ['__add__', '__radd__', '__iadd__'],
  '-': ['__sub__', '__rsub__', '__isub__'],
  '*': ['__mul__', '__rmul__', '__imul__'],
  '/': ['__truediv__', '__rtruediv__', '__itruediv__'],
  '//': ['__floordiv__', '__rfloordiv__', '__ifloordiv__'],
  '%': ['__mod__', '__rmod__', '__imod__'],
  '**': ['__pow__', '__rpow__', '__ipow__'],
  '<<': ['__lshift__', '__rlshift__', '__ilshift__'],
  '>>': ['__rshift__', '__rrshift__', '__irshift__'],
  '&': ['__and__', '__rand__', '__iand__'],
  '|': ['__or__', '__ror__', '__ior__'],
  '^': ['__xor__', '__rxor__', '__ixor__'],
  '@': ['__matmul__', '__rmatmul__', '__imatmul__'],
};

/** tp_name: what CPython's messages call a type (`list`, `Point`, `collections.deque`). */
const tpName = (tv: TypeValue): string => (tv.heap || tv.module === 'builtins' ? tv.name : `${tv.module}.${tv.name}`);

P.clearRaise = function (this: VM, e: PyRaise) {
  if (e.tb !== undefined) this.rt.decref(e.tb, { kind: 'root', name: 'raised' });
  e.tb = undefined;
  this.rt.decref(e.exc, { kind: 'root', name: 'raised' });
};

P.raised = function (this: VM, e: unknown, name: string): e is PyRaise {
  return e instanceof PyRaise && this.isInstanceOf(e.exc, this.typeByName.get(name) as ObjectId);
};

/** Call the special method `name` found on type(obj) with obj first; undefined when the type has none. */
function callSpecial(
  vm: VM,
  obj: ObjectId,
  name: string,
  args: readonly ObjectId[],
  out: Holder,
): ObjectId | undefined {
  const f = vm.lookupType(vm.typeOf(obj), name);
  if (f === undefined) return undefined;
  return vm.callUnbound(f, obj, args, out);
}

function expectStr(vm: VM, r: ObjectId, what: string): void {
  const v = vm.value(r);
  if (v.t !== 'str') {
    const tn = vm.typeName(r);
    vm.rt.decref(r, C_TEMP);
    throw vm.typeError(`${what} returned non-string (type ${tn})`);
  }
}

P.repr = function (this: VM, obj, out) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  this.enterRecursive(' while getting the repr of an object');
  try {
    if (!tv.heap) {
      const repr = tv.slots.repr;
      return this.newStr(repr !== undefined ? repr(this, obj) : `<${tpName(tv)} object>`, out);
    }
    const r = callSpecial(this, obj, '__repr__', [], C_TEMP) as ObjectId;
    expectStr(this, r, '__repr__');
    this.rt.move(r, C_TEMP, out);
    return r;
  } finally {
    this.leaveRecursive();
  }
};

P.str = function (this: VM, obj, out) {
  const v = this.value(obj);
  if (v.t === 'str' && v.type === this.T.str) return this.ret(obj, out);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    const str = tv.slots.str ?? tv.slots.repr;
    if (str === undefined) return this.repr(obj, out);
    this.enterRecursive(' while getting the str of an object');
    try {
      return this.newStr(str(this, obj), out);
    } finally {
      this.leaveRecursive();
    }
  }
  const r = callSpecial(this, obj, '__str__', [], C_TEMP) as ObjectId;
  expectStr(this, r, '__str__');
  this.rt.move(r, C_TEMP, out);
  return r;
};

P.ascii = function (this: VM, obj, out) {
  const r = this.repr(obj, C_TEMP);
  const s = this.as(r, 'str').v;
  let ascii = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 128) ascii += ch;
    else if (c < 256) ascii += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 65536) ascii += `\\u${c.toString(16).padStart(4, '0')}`;
    else ascii += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  if (ascii === s) {
    this.rt.move(r, C_TEMP, out);
    return r;
  }
  this.rt.decref(r, C_TEMP);
  return this.newStr(ascii, out);
};

P.reprText = function (this: VM, obj) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap && tv.slots.repr !== undefined) {
    this.enterRecursive(' while getting the repr of an object');
    try {
      return tv.slots.repr(this, obj);
    } finally {
      this.leaveRecursive();
    }
  }
  const r = this.repr(obj, C_TEMP);
  const s = this.as(r, 'str').v;
  this.rt.decref(r, C_TEMP);
  return s;
};

P.strText = function (this: VM, obj) {
  const v = this.value(obj);
  if (v.t === 'str') return v.v;
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap && (tv.slots.str ?? tv.slots.repr) !== undefined)
    return (tv.slots.str ?? tv.slots.repr)?.(this, obj) ?? '';
  const r = this.str(obj, C_TEMP);
  const s = this.as(r, 'str').v;
  this.rt.decref(r, C_TEMP);
  return s;
};

/** Python's hash of a Python int result (reduced modulo 2**61 - 1; -1 becomes -2). */
const MODULUS = (1n << 61n) - 1n;
export function reduceHash(h: bigint): bigint {
  let r = h >= 0n ? h % MODULUS : -(-h % MODULUS);
  if (r === -1n) r = -2n;
  return r;
}

P.hash = function (this: VM, obj) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    if (tv.slots.hash !== undefined && tv.slots.unhashable !== true) return tv.slots.hash(this, obj);
    throw this.typeError(`unhashable type: '${tpName(tv)}'`);
  }
  const f = this.lookupType(v.type, '__hash__');
  if (f === undefined || f === this.statics.none) throw this.typeError(`unhashable type: '${tpName(tv)}'`);
  const r = this.callUnbound(f, obj, [], C_TEMP);
  const rv = this.value(r);
  this.rt.decref(r, C_TEMP);
  // slot_tp_hash: a result that fits a Py_ssize_t is the hash (-1 becomes -2); a larger
  // int is hashed as an int.
  if (rv.t === 'int') {
    if (rv.v >= -(1n << 63n) && rv.v < 1n << 63n) return rv.v === -1n ? -2n : rv.v;
    return reduceHash(rv.v);
  }
  if (rv.t === 'bool') return rv.v ? 1n : 0n;
  throw this.typeError('__hash__ method should return an integer');
};

P.hasCustomEq = function (this: VM, obj) {
  // Anything but object's identity __eq__: a class's own, or a built-in type's
  // comparison (a weakref equals another to the same referent, a str subclass a str).
  const eq = this.lookupType(this.typeOf(obj), '__eq__');
  return eq !== undefined && !this.isNativeOf(eq, this.T.object);
};

/** One direction of a comparison: true/false, an object, or undefined for NotImplemented. */
function tryCompare(vm: VM, a: ObjectId, b: ObjectId, op: CompareOp, out: Holder): ObjectId | undefined {
  const tv = vm.value(vm.typeOf(a)) as TypeValue;
  if (!tv.heap) {
    const cmp = tv.slots.compare;
    if (cmp === undefined) return undefined;
    const r = cmp(vm, a, b, op);
    return r === undefined ? undefined : vm.bool(r, out);
  }
  const r = callSpecial(vm, a, COMPARE_NAMES[op], [b], out);
  if (r === undefined) return undefined;
  if (r === vm.notImplementedId) {
    vm.rt.decref(r, out);
    return undefined;
  }
  return r;
}

P.richCompare = function (this: VM, a, b, op, out) {
  this.enterRecursive(' in comparison');
  try {
    const ta = this.typeOf(a);
    const tb = this.typeOf(b);
    let checkedReverse = false;
    if (ta !== tb && this.isSubtype(tb, ta)) {
      checkedReverse = true;
      const r = tryCompare(this, b, a, REFLECTED[op], out);
      if (r !== undefined) return r;
    }
    const r = tryCompare(this, a, b, op, out);
    if (r !== undefined) return r;
    if (!checkedReverse) {
      const r2 = tryCompare(this, b, a, REFLECTED[op], out);
      if (r2 !== undefined) return r2;
    }
    if (op === '==') return this.bool(a === b, out);
    if (op === '!=') return this.bool(a !== b, out);
    throw this.typeError(
      `'${op}' not supported between instances of '${tpName(this.typeValue(ta))}' and '${tpName(this.typeValue(tb))}'`,
    );
  } finally {
    this.leaveRecursive();
  }
};

P.richCompareBool = function (this: VM, a, b, op) {
  if (a === b) {
    if (op === '==') return true;
    if (op === '!=') return false;
  }
  const r = this.richCompare(a, b, op, C_TEMP);
  if (r === this.statics.true || r === this.statics.false) {
    this.rt.decref(r, C_TEMP);
    return r === this.statics.true;
  }
  try {
    return this.truthy(r);
  } finally {
    this.rt.decref(r, C_TEMP);
  }
};

P.truthy = function (this: VM, obj) {
  if (obj === this.statics.true) return true;
  if (obj === this.statics.false || obj === this.statics.none) return false;
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    if (tv.slots.bool !== undefined) return tv.slots.bool(this, obj);
    if (tv.slots.len !== undefined) return tv.slots.len(this, obj) > 0;
    return true;
  }
  const b = this.lookupType(v.type, '__bool__');
  if (b !== undefined) {
    const r = this.callUnbound(b, obj, [], C_TEMP);
    const rv = this.value(r);
    this.rt.decref(r, C_TEMP);
    if (rv.t !== 'bool') throw this.typeError(`__bool__ should return bool, returned ${this.typeValue(rv.type).name}`);
    return rv.v;
  }
  if (this.lookupType(v.type, '__len__') !== undefined) return this.len(obj) > 0;
  return true;
};

P.len = function (this: VM, obj) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    if (tv.slots.len !== undefined) return tv.slots.len(this, obj);
    throw this.typeError(`object of type '${tpName(tv)}' has no len()`);
  }
  const r = callSpecial(this, obj, '__len__', [], C_TEMP);
  if (r === undefined) throw this.typeError(`object of type '${tpName(tv)}' has no len()`);
  let n: bigint;
  try {
    n = this.index(r);
  } finally {
    this.rt.decref(r, C_TEMP);
  }
  if (n < 0n) throw this.pyErr('ValueError', '__len__() should return >= 0');
  if (n > BigInt(Number.MAX_SAFE_INTEGER))
    throw this.pyErr('OverflowError', "cannot fit 'int' into an index-sized integer");
  return Number(n);
};

P.getItem = function (this: VM, obj, key, out) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap && tv.slots.getitem !== undefined) return tv.slots.getitem(this, obj, key, out);
  if (tv.heap) {
    const r = callSpecial(this, obj, '__getitem__', [key], out);
    if (r !== undefined) return r;
  }
  if (v.t === 'type') {
    // PyObject_GetItem: `type[X]` is a generic alias (type has no __class_getitem__).
    if (obj === this.T.type) return this.newGenericAlias(obj, key, out);
    // type[...]: __class_getitem__ (PEP 560).
    const cg = this.lookupType(obj, '__class_getitem__');
    if (cg !== undefined) {
      const bound = this.descrGet(cg, undefined, obj, C_TEMP);
      try {
        return this.call(bound, [key], undefined, out);
      } finally {
        this.rt.decref(bound, C_TEMP);
      }
    }
    throw this.typeError(`type '${v.name}' is not subscriptable`);
  }
  throw this.typeError(`'${tpName(tv)}' object is not subscriptable`);
};

P.setItem = function (this: VM, obj, key, value) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap && tv.slots.setitem !== undefined) {
    tv.slots.setitem(this, obj, key, value);
    return;
  }
  if (tv.heap) {
    const r = callSpecial(this, obj, '__setitem__', [key, value], C_TEMP);
    if (r !== undefined) {
      this.rt.decref(r, C_TEMP);
      return;
    }
  }
  throw this.typeError(`'${tpName(tv)}' object does not support item assignment`);
};

P.delItem = function (this: VM, obj, key) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap && tv.slots.setitem !== undefined) {
    tv.slots.setitem(this, obj, key, undefined);
    return;
  }
  if (tv.heap) {
    const r = callSpecial(this, obj, '__delitem__', [key], C_TEMP);
    if (r !== undefined) {
      this.rt.decref(r, C_TEMP);
      return;
    }
  }
  throw this.typeError(`'${tpName(tv)}' object doesn't support item deletion`);
};

P.getIter = function (this: VM, obj, out) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    if (tv.slots.iter !== undefined) return tv.slots.iter(this, obj, out);
    if (tv.slots.getitem !== undefined && v.t !== 'dict') return this.newSeqIter(obj, out);
    throw this.typeError(`'${tpName(tv)}' object is not iterable`);
  }
  const iterFn = this.lookupType(v.type, '__iter__');
  if (iterFn === this.statics.none) throw this.typeError(`'${tpName(tv)}' object is not iterable`);
  if (iterFn !== undefined) {
    const it = this.callUnbound(iterFn, obj, [], out);
    if (!this.isIterator(it)) {
      const tn = this.typeName(it);
      this.rt.decref(it, out);
      throw this.typeError(`iter() returned non-iterator of type '${tn}'`);
    }
    return it;
  }
  if (this.lookupType(v.type, '__getitem__') !== undefined) return this.newSeqIter(obj, out);
  throw this.typeError(`'${tpName(tv)}' object is not iterable`);
};

declare module './vm.js' {
  interface VM {
    isIterator(obj: ObjectId): boolean;
    /** An iterator calling __getitem__ with 0, 1, 2 ... until IndexError (PySeqIter_New). */
    newSeqIter(obj: ObjectId, out: Holder): ObjectId;
  }
}

P.isIterator = function (this: VM, obj) {
  const v = this.value(obj);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) return tv.slots.next !== undefined;
  return this.lookupType(v.type, '__next__') !== undefined;
};

P.iterNext = function (this: VM, it, out) {
  const v = this.value(it);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    const next = tv.slots.next;
    if (next === undefined) throw this.typeError(`'${tpName(tv)}' object is not an iterator`);
    // PyIter_Next: a StopIteration raised by tp_iternext (a generator's return value) is cleared.
    try {
      return next(this, it, out);
    } catch (e) {
      if (this.raised(e, 'StopIteration')) {
        this.clearRaise(e);
        return undefined;
      }
      throw e;
    }
  }
  const next = this.lookupType(v.type, '__next__');
  if (next === undefined) throw this.typeError(`'${tpName(tv)}' object is not an iterator`);
  try {
    return this.callUnbound(next, it, [], out);
  } catch (e) {
    if (this.raised(e, 'StopIteration')) {
      this.clearRaise(e);
      return undefined;
    }
    throw e;
  }
};

P.iterNextRaw = function (this: VM, it, out) {
  const v = this.value(it);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    const next = tv.slots.next;
    if (next === undefined) throw this.typeError(`'${tpName(tv)}' object is not an iterator`);
    return next(this, it, out);
  }
  const next = this.lookupType(v.type, '__next__');
  if (next === undefined) throw this.typeError(`'${tpName(tv)}' object is not an iterator`);
  return this.callUnbound(next, it, [], out);
};

P.iterateToArray = function (this: VM, obj, holder) {
  const it = this.getIter(obj, C_TEMP);
  const out: ObjectId[] = [];
  try {
    for (let x = this.iterNext(it, holder); x !== undefined; x = this.iterNext(it, holder)) out.push(x);
  } catch (e) {
    for (const x of out) this.rt.decref(x, holder);
    throw e;
  } finally {
    this.rt.decref(it, C_TEMP);
  }
  return out;
};

P.contains = function (this: VM, container, item) {
  const v = this.value(container);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap && tv.slots.contains !== undefined) return tv.slots.contains(this, container, item);
  if (tv.heap) {
    const r = callSpecial(this, container, '__contains__', [item], C_TEMP);
    if (r !== undefined) {
      try {
        return this.truthy(r);
      } finally {
        this.rt.decref(r, C_TEMP);
      }
    }
  }
  // _PySequence_IterSearch
  let it: ObjectId;
  try {
    it = this.getIter(container, C_TEMP);
  } catch (e) {
    if (this.raised(e, 'TypeError')) {
      this.clearRaise(e);
      throw this.typeError(`argument of type '${tpName(tv)}' is not iterable`);
    }
    throw e;
  }
  try {
    for (let x = this.iterNext(it, C_TEMP); x !== undefined; x = this.iterNext(it, C_TEMP)) {
      let eq: boolean;
      try {
        eq = this.richCompareBool(x, item, '==');
      } finally {
        this.rt.decref(x, C_TEMP);
      }
      if (eq) return true;
    }
    return false;
  } finally {
    this.rt.decref(it, C_TEMP);
  }
};

/** One direction of a binary operator: the result, or undefined for NotImplemented. */
function tryNumber(
  vm: VM,
  op: BinaryOp,
  self: ObjectId,
  other: ObjectId,
  reflected: boolean,
  out: Holder,
): ObjectId | undefined {
  const tv = vm.value(vm.typeOf(self)) as TypeValue;
  if (!tv.heap) {
    const fn = tv.slots.number?.[op];
    if (fn === undefined) return undefined;
    // A built-in slot takes the operands in their original order and checks both.
    return reflected ? fn(vm, other, self, out) : fn(vm, self, other, out);
  }
  const names = NUMBER_NAMES[op];
  const r = callSpecial(vm, self, reflected ? names[1] : names[0], [other], out);
  if (r === undefined) return undefined;
  if (r === vm.notImplementedId) {
    vm.rt.decref(r, out);
    return undefined;
  }
  return r;
}

/** The operator method `name` of `type`, or undefined (method_is_overloaded compares these). */
function opMethod(vm: VM, type: ObjectId, op: BinaryOp, reflected: boolean): unknown {
  const tv = vm.value(type) as TypeValue;
  if (!tv.heap) return tv.slots.number?.[op];
  return vm.lookupType(type, NUMBER_NAMES[op][reflected ? 1 : 0]);
}

P.binaryOp = function (this: VM, op, a, b, inplace, out) {
  const ta = this.typeOf(a);
  const tb = this.typeOf(b);
  const tva = this.value(ta) as TypeValue;
  if (inplace) {
    // binary_iop1: the in-place slot first.
    if (!tva.heap) {
      const fn = tva.slots.inplace?.[op];
      if (fn !== undefined) {
        const r = fn(this, a, b, out);
        if (r !== undefined) return r;
      }
    } else {
      const r = callSpecial(this, a, NUMBER_NAMES[op][2], [b], out);
      if (r !== undefined) {
        if (r !== this.notImplementedId) return r;
        this.rt.decref(r, out);
      }
    }
  }
  // binary_op1
  let skipReflected = ta === tb;
  if (ta !== tb && this.isSubtype(tb, ta) && opMethod(this, tb, op, true) !== opMethod(this, ta, op, true)) {
    const r = tryNumber(this, op, b, a, true, out);
    if (r !== undefined) return r;
    skipReflected = true;
  }
  const r = tryNumber(this, op, a, b, false, out);
  if (r !== undefined) return r;
  if (!skipReflected) {
    const r2 = tryNumber(this, op, b, a, true, out);
    if (r2 !== undefined) return r2;
  }
  // The sequence fallbacks: concatenation and repetition.
  if (op === '+') {
    const concat = (this.value(ta) as TypeValue).slots.concat;
    if (concat !== undefined && !tva.heap) return concat(this, a, b, out);
    if (tva.heap) {
      const base = this.typeValue(this.builtinBase(ta)).slots.concat;
      if (base !== undefined) return base(this, a, b, out);
    }
  }
  if (op === '*') {
    const ra = this.typeValue(this.builtinBase(ta)).slots.repeat;
    const rb = this.typeValue(this.builtinBase(tb)).slots.repeat;
    if (ra !== undefined) {
      if (!this.hasIndex(b)) throw this.typeError(`can't multiply sequence by non-int of type '${this.typeName(b)}'`);
      return ra(this, a, this.index(b), out);
    }
    if (rb !== undefined) {
      if (!this.hasIndex(a)) throw this.typeError(`can't multiply sequence by non-int of type '${this.typeName(a)}'`);
      return rb(this, b, this.index(a), out);
    }
  }
  const sym = inplace ? `${op}=` : op;
  const shown = op === '**' && !inplace ? '** or pow()' : sym;
  throw this.typeError(
    `unsupported operand type(s) for ${shown}: '${tpName(tva)}' and '${tpName(this.typeValue(tb))}'`,
  );
};

P.unaryOp = function (this: VM, op, a, out) {
  const v = this.value(a);
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    const fn = tv.slots.unary?.[op];
    if (fn !== undefined) return fn(this, a, out);
  } else {
    const r = callSpecial(this, a, op === '-' ? '__neg__' : op === '+' ? '__pos__' : '__invert__', [], out);
    if (r !== undefined) return r;
  }
  throw this.typeError(`bad operand type for unary ${op}: '${tpName(tv)}'`);
};

P.hasIndex = function (this: VM, obj) {
  const v = this.value(obj);
  if (v.t === 'int' || v.t === 'bool') return true;
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) return tv.slots.index !== undefined;
  return this.lookupType(v.type, '__index__') !== undefined;
};

P.index = function (this: VM, obj) {
  const v = this.value(obj);
  if (v.t === 'int') return v.v;
  if (v.t === 'bool') return v.v ? 1n : 0n;
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    if (tv.slots.index !== undefined) return tv.slots.index(this, obj);
  } else {
    const r = callSpecial(this, obj, '__index__', [], C_TEMP);
    if (r !== undefined) {
      const rv = this.value(r);
      this.rt.decref(r, C_TEMP);
      if (rv.t === 'int') return rv.v;
      if (rv.t === 'bool') return rv.v ? 1n : 0n;
      throw this.typeError(`__index__ returned non-int (type ${this.typeValue(rv.type).name})`);
    }
  }
  throw this.typeError(`'${tpName(tv)}' object cannot be interpreted as an integer`);
};

P.format = function (this: VM, obj, spec, out) {
  const specText = spec === undefined ? '' : this.as(spec, 'str').v;
  const v = this.value(obj);
  if (specText === '') {
    if (v.t === 'str' && v.type === this.T.str) return this.ret(obj, out);
    if (v.t === 'int' && v.type === this.T.int) return this.str(obj, out);
  }
  const f = this.lookupType(v.type, '__format__');
  if (f === undefined) throw this.typeError(`Type ${this.typeName(obj)} doesn't define __format__`);
  const specObj = spec ?? this.statics.emptyStr;
  const r = this.callUnbound(f, obj, [specObj], C_TEMP);
  if (this.value(r).t !== 'str') {
    const tn = this.typeName(r);
    this.rt.decref(r, C_TEMP);
    throw this.typeError(`__format__ must return a str, not ${tn}`);
  }
  this.rt.move(r, C_TEMP, out);
  return r;
};

P.callSlot = function (this: VM, callable, args, kwnames, out) {
  const v = this.value(callable);
  if (v.t === 'type') {
    const tv = v;
    const meta = tv.type;
    if (meta !== this.T.type && this.typeValue(meta).heap) {
      // A metaclass with __call__.
      const mc = this.lookupType(meta, '__call__');
      if (mc !== undefined && !this.isNativeOf(mc, this.T.type))
        return this.callUnbound(mc, callable, args, out, kwnames);
    }
    if (tv.slots.vectorcall === true && !tv.heap) return this.typeCall(callable, args, kwnames, out);
    return this.withArgsTuple(args, kwnames, () => this.typeCall(callable, args, kwnames, out));
  }
  const tv = this.value(v.type) as TypeValue;
  if (!tv.heap) {
    if (tv.slots.call !== undefined) return tv.slots.call(this, callable, args, kwnames, out);
    throw this.typeError(`'${tpName(tv)}' object is not callable`);
  }
  const c = this.lookupType(v.type, '__call__');
  if (c === undefined) throw this.typeError(`'${tpName(tv)}' object is not callable`);
  return this.withArgsTuple(args, kwnames, () => this.callUnbound(c, callable, args, out, kwnames));
};

declare module './vm.js' {
  interface VM {
    /**
     * _PyObject_MakeTpCall: the positional arguments in a new tuple (and keyword arguments
     * in a new dict) for the call's duration; released after it.
     */
    withArgsTuple<T>(args: readonly ObjectId[], kwnames: readonly string[] | undefined, f: () => T): T;
  }
}

P.withArgsTuple = function <T>(
  this: VM,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  f: () => T,
): T {
  this.enterRecursive(' while calling a Python object');
  const nkw = kwnames === undefined ? 0 : kwnames.length;
  const t = this.newTuple(args.slice(0, args.length - nkw), C_TEMP);
  let d: ObjectId | undefined;
  if (kwnames !== undefined && nkw > 0) {
    d = this.newDict(C_TEMP);
    for (let i = 0; i < nkw; i++)
      this.dictSetStr(d, kwnames[i] as string, args[args.length - nkw + i] as ObjectId, C_TEMP, 'copy');
  }
  try {
    return f();
  } finally {
    this.leaveRecursive();
    if (d !== undefined) this.rt.decref(d, C_TEMP);
    this.rt.decref(t, C_TEMP);
  }
};
