/*
 * object.__reduce_ex__, __reduce__ and __getstate__
 * ================================================
 * What copy and pickle ask of an object that does not say how to copy itself:
 * `__reduce_ex__(protocol)` calls a class's own `__reduce__` when it overrides object's;
 * otherwise, for protocol 2 and up, it answers
 *
 *   (copyreg.__newobj__, (cls, *args), state, listitems, dictitems)
 *
 * where args come from `__getnewargs_ex__`/`__getnewargs__`, state from `__getstate__`
 * (the instance dict, or None when empty; with `__slots__` values, `(dict, slots)`), and
 * the iterators give a list's items and a dict's (key, value) pairs. Protocols 0 and 1
 * are copyreg._reduce_ex's.
 *
 * Source: Objects/typeobject.c (3.11: object___reduce_ex___impl, _common_reduce,
 * reduce_newobj, _PyObject_GetNewArguments, object_getstate_default, _PyObject_GetState,
 * _PyObject_GetItemsIter).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';

declare module '../vm/vm.js' {
  interface VM {
    /** object.__reduce_ex__(protocol). */
    reduceEx(obj: ObjectId, protocol: number, out: Holder): ObjectId;
    /** object.__getstate__(): the instance dict (or None), with the __slots__ values. */
    objectGetState(obj: ObjectId, required: boolean, out: Holder): ObjectId;
  }
}

const P = VM.prototype;

/** The slot names of a class and its bases (copyreg._slotnames). */
function slotNames(vm: VM, type: ObjectId): string[] {
  const names: string[] = [];
  for (const t of vm.typeValue(type).mro) {
    for (const n of vm.typeValue(t).slotNames ?? []) {
      const mangled = n.startsWith('__') && !n.endsWith('__') ? `_${vm.typeValue(t).name.replace(/^_+/, '')}${n}` : n;
      if (!names.includes(mangled)) names.push(mangled);
    }
  }
  return names;
}

P.objectGetState = function (this: VM, obj, required, out) {
  const type = this.typeOf(obj);
  // Required state of an object whose C struct holds more than object's (a built-in base
  // with fields of its own) that no __reduce__ describes: it cannot be pickled.
  if (required && this.builtinBase(type) !== this.T.object) {
    throw this.typeError(`cannot pickle '${this.typeName(obj)}' object`);
  }
  const v = this.value(obj);
  const hasAttrs = v.dict !== undefined ? this.dictSize(v.dict) > 0 : (v.attrs?.size ?? 0) > 0;
  const names = slotNames(this, type);
  let state = hasAttrs ? this.ret(this.instanceDict(obj) as ObjectId, C_TEMP) : this.none(C_TEMP);
  if (names.length > 0) {
    const slots = this.newDict(C_TEMP);
    try {
      for (const n of names) {
        const val = this.getAttrOpt(obj, n, C_TEMP);
        if (val !== undefined) this.dictSetStr(slots, n, val, C_TEMP, 'move');
      }
      if (this.dictSize(slots) > 0) state = this.newTuple([state, this.ret(slots, C_TEMP)], C_TEMP, C_TEMP);
    } finally {
      this.rt.decref(slots, C_TEMP);
    }
  }
  this.rt.move(state, C_TEMP, out);
  return state;
};

/** _PyObject_GetNewArguments: (args, kwargs) from __getnewargs_ex__ or __getnewargs__. */
function newArguments(vm: VM, obj: ObjectId): { args: ObjectId | undefined; kwargs: ObjectId | undefined } {
  const ex = vm.lookupSpecial(obj, '__getnewargs_ex__', C_TEMP);
  if (ex !== undefined) {
    let r: ObjectId;
    try {
      r = vm.call(ex, [], undefined, C_TEMP);
    } finally {
      vm.rt.decref(ex, C_TEMP);
    }
    const rv = vm.value(r);
    if (rv.t !== 'tuple') {
      const tn = vm.typeName(r);
      vm.rt.decref(r, C_TEMP);
      throw vm.typeError(`__getnewargs_ex__ should return a tuple, not '${tn}'`);
    }
    if (rv.items.length !== 2) {
      vm.rt.decref(r, C_TEMP);
      throw vm.pyErr('ValueError', `__getnewargs_ex__ should return a tuple of length 2, not ${rv.items.length}`);
    }
    const [a, k] = rv.items as [ObjectId, ObjectId];
    vm.rt.incref(a, C_TEMP);
    vm.rt.incref(k, C_TEMP);
    vm.rt.decref(r, C_TEMP);
    return { args: a, kwargs: k };
  }
  const plain = vm.lookupSpecial(obj, '__getnewargs__', C_TEMP);
  if (plain === undefined) return { args: undefined, kwargs: undefined };
  let r: ObjectId;
  try {
    r = vm.call(plain, [], undefined, C_TEMP);
  } finally {
    vm.rt.decref(plain, C_TEMP);
  }
  if (vm.value(r).t !== 'tuple') {
    const tn = vm.typeName(r);
    vm.rt.decref(r, C_TEMP);
    throw vm.typeError(`__getnewargs__ should return a tuple, not '${tn}'`);
  }
  return { args: r, kwargs: undefined };
}

/** reduce_newobj: (copyreg.__newobj__, (cls, *args), state, listitems, dictitems). */
function reduceNewobj(vm: VM, obj: ObjectId, out: Holder): ObjectId {
  const type = vm.typeOf(obj);
  if (vm.lookupType(type, '__new__') === undefined) throw vm.typeError(`cannot pickle '${vm.typeName(obj)}' object`);
  const { args, kwargs } = newArguments(vm, obj);
  const held: ObjectId[] = [];
  if (args !== undefined) held.push(args);
  if (kwargs !== undefined) held.push(kwargs);
  const copyreg = vm.importModuleByName('copyreg');
  held.push(copyreg);
  try {
    const parts: ObjectId[] = [];
    if (kwargs === undefined || vm.dictSize(kwargs) === 0) {
      parts.push(vm.getAttr(copyreg, '__newobj__', C_TEMP));
      const items = args === undefined ? [] : vm.as(args, 'tuple').items;
      parts.push(vm.newTuple([type, ...items], C_TEMP));
    } else {
      parts.push(vm.getAttr(copyreg, '__newobj_ex__', C_TEMP));
      parts.push(vm.newTuple([type, args ?? vm.statics.emptyTuple, kwargs], C_TEMP));
    }
    const v = vm.value(obj);
    const getstate = vm.lookupSpecial(obj, '__getstate__', C_TEMP);
    let state: ObjectId;
    if (getstate === undefined) state = vm.objectGetState(obj, false, C_TEMP);
    else {
      try {
        const native = vm.lookupType(type, '__getstate__');
        const required = !(args !== undefined || v.t === 'list' || v.t === 'dict');
        state =
          native !== undefined && vm.isNativeOf(native, vm.T.object)
            ? vm.objectGetState(obj, required, C_TEMP)
            : vm.call(getstate, [], undefined, C_TEMP);
      } finally {
        vm.rt.decref(getstate, C_TEMP);
      }
    }
    parts.push(state);
    parts.push(v.t === 'list' ? vm.getIter(obj, C_TEMP) : vm.none(C_TEMP));
    if (v.t === 'dict') {
      const items = vm.callMethod(obj, 'items', [], C_TEMP);
      try {
        parts.push(vm.getIter(items, C_TEMP));
      } finally {
        vm.rt.decref(items, C_TEMP);
      }
    } else parts.push(vm.none(C_TEMP));
    return vm.newTuple(parts, out, C_TEMP);
  } finally {
    for (const h of held) vm.rt.decref(h, C_TEMP);
  }
}

/** _common_reduce. */
function commonReduce(vm: VM, obj: ObjectId, protocol: number, out: Holder): ObjectId {
  if (protocol >= 2) return reduceNewobj(vm, obj, out);
  const copyreg = vm.importModuleByName('copyreg');
  try {
    const p = vm.newInt(BigInt(protocol), C_TEMP);
    try {
      return vm.callMethod(copyreg, '_reduce_ex', [obj, p], out);
    } finally {
      vm.rt.decref(p, C_TEMP);
    }
  } finally {
    vm.rt.decref(copyreg, C_TEMP);
  }
}

P.reduceEx = function (this: VM, obj, protocol, out) {
  const reduce = this.lookupType(this.typeOf(obj), '__reduce__');
  if (reduce !== undefined && !this.isNativeOf(reduce, this.T.object)) {
    const bound = this.getAttr(obj, '__reduce__', C_TEMP);
    try {
      return this.call(bound, [], undefined, out);
    } finally {
      this.rt.decref(bound, C_TEMP);
    }
  }
  return commonReduce(this, obj, protocol, out);
};

/** The members object gets: __reduce_ex__, __reduce__, __getstate__. */
export const reduceMembers: Record<string, Native> = {
  __reduce_ex__: (vm, args, _kw, out) => {
    if (args.length !== 2) throw vm.typeError(`__reduce_ex__() takes exactly one argument (${args.length - 1} given)`);
    return vm.reduceEx(args[0] as ObjectId, Number(vm.index(args[1] as ObjectId)), out);
  },
  __reduce__: (vm, args, _kw, out) => commonReduce(vm, args[0] as ObjectId, 0, out),
  __getstate__: (vm, args, _kw, out) => vm.objectGetState(args[0] as ObjectId, false, out),
};
