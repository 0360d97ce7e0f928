/*
 * Functions, methods, descriptors and the small built-in types
 * ===========================================================
 * function (its attributes, and binding to an instance as a bound method), method,
 * builtin_function_or_method, the descriptor types of built-in types' members, cell,
 * code, property, staticmethod, classmethod, super, module, NoneType, NotImplementedType,
 * ellipsis, range and slice, and the members of `object` and `type`.
 *
 * Source: Objects/funcobject.c, classobject.c (method_richcompare, method_hash),
 * methodobject.c, descrobject.c (property_descr_get/set, property_copy), cellobject.c,
 * codeobject.c, typeobject.c (super_init, super_getattro, object_* and type_* members),
 * moduleobject.c (module_getattro, module_repr), rangeobject.c, sliceobject.c.
 */
import { FIXED_SIZES, liveObjects, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember, PyValue, ValueOf } from '../vm/values.js';
import { methods } from './list.js';
import { seqIndex, sliceIndexList, sliceIndices } from './sequence.js';
import { bestBase, objectInit, objectNewNative, objectRepr } from './type.js';
import { reduceMembers } from './reduce.js';

const getset = (
  get: (vm: VM, self: ObjectId) => ObjectId,
  set?: (vm: VM, self: ObjectId, v: ObjectId | undefined) => void,
): NativeMember => ({
  k: 'getset',
  get: (vmu, self) => get(vmu as VM, self),
  ...(set === undefined ? {} : { set: (vmu, self, v) => set(vmu as VM, self, v) }),
});

const addr = (vm: VM, id: ObjectId): string => `0x${vm.rt.object(id).addr.toString(16)}`;
const identityHash = (vm: VM, id: ObjectId): bigint => {
  // _Py_HashPointer: the address rotated right by 4 bits.
  const a = BigInt(vm.rt.object(id).addr);
  const h = ((a >> 4n) | (a << 60n)) & ((1n << 64n) - 1n);
  const s = h >= 1n << 63n ? h - (1n << 64n) : h;
  return s === -1n ? -2n : s;
};

// ---------------------------------------------------------------------------------
// object

const objectSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => objectNewNative(vm, [type, ...args], kwnames, out),
  init: objectInit,
  repr: objectRepr,
  str: (vm, self) => vm.reprText(self),
  hash: identityHash,
  compare: (_vm, a, b, op) => {
    if (op === '==') return a === b ? true : undefined;
    if (op === '!=') {
      // object_richcompare: the inverse of __eq__ when __eq__ is defined.
      return undefined;
    }
    return undefined;
  },
};

const objectMembers: Record<string, NativeMember> = {
  __class__: getset(
    (vm, self) => vm.ret(vm.typeOf(self), C_TEMP),
    (vm, self, v) => {
      if (v === undefined || vm.value(v).t !== 'type') throw vm.typeError('__class__ must be set to a class');
      const old = vm.typeOf(self);
      const ov = vm.typeValue(old);
      const nv = vm.typeValue(v);
      if (!ov.heap || !nv.heap || ov.layout !== nv.layout) {
        throw vm.typeError(`__class__ assignment only supported for mutable types or ModuleType subclasses`);
      }
      vm.value(self).type = v;
      vm.rt.increfRef(v, self, '__class__');
      vm.rt.decrefRef(old, self, '__class__');
    },
  ),
  __ne__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const other = args[1] as ObjectId;
      const eq = vm.lookupType(vm.typeOf(self), '__eq__');
      if (eq === undefined) return vm.notImplemented(out);
      const r = vm.callUnbound(eq, self, [other], C_TEMP);
      if (r === vm.notImplementedId) {
        vm.rt.move(r, C_TEMP, out);
        return r;
      }
      try {
        return vm.bool(!vm.truthy(r), out);
      } finally {
        vm.rt.decref(r, C_TEMP);
      }
    },
  },
  ...methods({
    __setattr__: (vm, args, _kw, out) => {
      const [self, name, value] = args as [ObjectId, ObjectId, ObjectId];
      vm.genericSetAttr(self, vm.as(name, 'str').v, value);
      return vm.none(out);
    },
    __delattr__: (vm, args, _kw, out) => {
      const [self, name] = args as [ObjectId, ObjectId];
      vm.genericSetAttr(self, vm.as(name, 'str').v, undefined);
      return vm.none(out);
    },
    __getattribute__: (vm, args, _kw, out) => {
      const [self, name] = args as [ObjectId, ObjectId];
      const nv = vm.value(name);
      if (nv.t !== 'str') throw vm.typeError(`attribute name must be string, not '${vm.typeName(name)}'`);
      return vm.genericGetAttr(self, nv.v, out);
    },
    __format__: (vm, args, _kw, out) => {
      const spec = vm.as(args[1] as ObjectId, 'str').v;
      if (spec !== '')
        throw vm.typeError(`unsupported format string passed to ${vm.typeName(args[0] as ObjectId)}.__format__`);
      return vm.str(args[0] as ObjectId, out);
    },
    ...reduceMembers,
    __sizeof__: (vm, args, _kw, out) =>
      vm.newInt(
        BigInt(vm.rt.object(args[0] as ObjectId).alloc - (vm.rt.object(args[0] as ObjectId).gcType ? 16 : 0)),
        out,
      ),
    __dir__: (vm, args, _kw, out) =>
      vm.newList(
        vm.dirOf(args[0] as ObjectId).map((n) => vm.newStr(n, C_TEMP)),
        out,
        C_TEMP,
      ),
    __getstate__: (vm, args, _kw, out) => vm.ret(vm.instanceDict(args[0] as ObjectId) ?? vm.statics.none, out),
  }),
  // object___init_subclass__ is METH_NOARGS: class keywords nobody consumed are an error.
  __init_subclass__: {
    k: 'classmethod',
    fn: (vm, args, kw, out) => {
      if (kw !== undefined && kw.length > 0)
        throw vm.typeError(`${vm.typeValue(args[0] as ObjectId).name}.__init_subclass__() takes no keyword arguments`);
      if (args.length > 1)
        throw vm.typeError(
          `${vm.typeValue(args[0] as ObjectId).name}.__init_subclass__() takes no arguments (${args.length - 1} given)`,
        );
      return vm.none(out);
    },
  },
  __subclasshook__: { k: 'classmethod', fn: (vm, _args, _kw, out) => vm.notImplemented(out) },
};

// ---------------------------------------------------------------------------------
// type

/** Built-in layouts whose objects are not GC containers (their tp_free is PyObject_Free). */
const NON_GC_LAYOUTS = new Set(['object', 'int', 'bool', 'float', 'complex', 'str', 'bytes', 'range', 'slice']);

/**
 * type_set_bases: `C.__bases__ = (B,)` on a heap type. The new bases must keep the
 * instance layout (compatible_for_assignment) and make no cycle; the type then holds the
 * given tuple, its new solid base, and a recomputed MRO (mro_internal).
 */
function setBases(vm: VM, self: ObjectId, v: ObjectId | undefined): void {
  const tv = vm.typeValue(self);
  if (!tv.heap) throw vm.typeError(`cannot set '__bases__' attribute of immutable type '${tv.name}'`);
  if (v === undefined) throw vm.typeError(`cannot delete '__bases__' attribute of immutable type '${tv.name}'`);
  if (vm.value(v).t !== 'tuple')
    throw vm.typeError(`can only assign tuple to ${tv.name}.__bases__, not ${vm.typeName(v)}`);
  const bases = vm.as(v, 'tuple').items;
  if (bases.length === 0) throw vm.typeError(`can only assign non-empty tuple to ${tv.name}.__bases__, not ()`);
  for (const b of bases) {
    if (vm.value(b).t !== 'type')
      throw vm.typeError(`${tv.name}.__bases__ must be tuple of classes, not '${vm.typeName(b)}'`);
    if (vm.isSubtype(b, self)) throw vm.typeError('a __bases__ item causes an inheritance cycle');
  }
  // compatible_for_assignment(type->tp_base, best_base(new_bases)): the same tp_free
  // (heap types and GC containers free through PyObject_GC_Del, the rest through
  // PyObject_Free), then the same solid layout and __slots__.
  const refs = vm.rt.object(self).refs;
  const oldBase = refs.find((r) => r?.slot === '__base__')?.to ?? vm.T.object;
  const newBase = bestBase(vm, bases);
  const gcFree = (t: ObjectId): boolean => {
    const x = vm.typeValue(t);
    return x.heap || !NON_GC_LAYOUTS.has(x.layout);
  };
  const name = (t: ObjectId): string => vm.typeValue(t).name;
  if (gcFree(newBase) !== gcFree(oldBase))
    throw vm.typeError(`__bases__ assignment: '${name(newBase)}' deallocator differs from '${name(oldBase)}'`);
  const layout = (t: ObjectId): string => {
    const x = vm.typeValue(t);
    return `${x.layout}:${(x.slotNames ?? []).join(',')}`;
  };
  if (layout(newBase) !== layout(oldBase))
    throw vm.typeError(`__bases__ assignment: '${name(newBase)}' object layout differs from '${name(oldBase)}'`);
  const mro = vm.computeMro(self, bases);
  tv.bases = [...bases];
  tv.mro = mro;
  replaceFuncRef(vm, self, '__bases__', v);
  replaceFuncRef(vm, self, '__base__', newBase);
  const mroTuple = vm.newTuple(mro, C_TEMP);
  try {
    replaceFuncRef(vm, self, '__mro__', mroTuple);
  } finally {
    vm.rt.decref(mroTuple, C_TEMP);
  }
  vm.typeModified(self);
}

const typeMembers: Record<string, NativeMember> = {
  __name__: getset(
    (vm, self) => vm.newStr(vm.typeValue(self).name, C_TEMP),
    (vm, self, v) => {
      if (v === undefined || vm.value(v).t !== 'str') throw vm.typeError('can only assign string to __name__');
      vm.typeValue(self).name = vm.as(v, 'str').v;
    },
  ),
  __qualname__: getset(
    (vm, self) => vm.newStr(vm.typeValue(self).qualname, C_TEMP),
    (vm, self, v) => {
      if (v === undefined || vm.value(v).t !== 'str') throw vm.typeError('can only assign string to __qualname__');
      vm.typeValue(self).qualname = vm.as(v, 'str').v;
    },
  ),
  __module__: getset(
    (vm, self) => {
      const tv = vm.typeValue(self);
      if (tv.heap) {
        const m = vm.dictGetStr(tv.dict, '__module__');
        if (m === undefined) throw vm.pyErr('AttributeError', '__module__');
        return vm.ret(m, C_TEMP);
      }
      return vm.internStr(tv.module, C_TEMP);
    },
    (vm, self, v) => {
      const tv = vm.typeValue(self);
      if (!tv.heap || v === undefined)
        throw vm.typeError(`cannot set '__module__' attribute of immutable type '${tv.name}'`);
      vm.dictSetStr(tv.dict, '__module__', v, C_TEMP, 'copy');
      tv.module = vm.value(v).t === 'str' ? vm.as(v, 'str').v : tv.module;
    },
  ),
  __mro__: getset((vm, self) => {
    const refs = vm.rt.object(self).refs.find((r) => r?.slot === '__mro__');
    if (refs !== undefined) return vm.ret(refs.to, C_TEMP);
    return vm.newTuple(vm.typeValue(self).mro, C_TEMP);
  }),
  __bases__: getset(
    (vm, self) => {
      const refs = vm.rt.object(self).refs.find((r) => r?.slot === '__bases__');
      if (refs !== undefined) return vm.ret(refs.to, C_TEMP);
      return vm.newTuple(vm.typeValue(self).bases, C_TEMP);
    },
    (vm, self, v) => setBases(vm, self, v),
  ),
  __base__: getset((vm, self) => {
    const b = vm.typeValue(self).bases[0];
    return vm.ret(b ?? vm.statics.none, C_TEMP);
  }),
  __dict__: getset((vm, self) => vm.newMappingProxy(vm.staticTypeDict(self), C_TEMP)),
  __doc__: getset(
    (vm, self) => {
      const tv = vm.typeValue(self);
      const d = tv.heap || tv.dictMade ? vm.dictGetStr(tv.dict, '__doc__') : undefined;
      return vm.ret(d ?? vm.statics.none, C_TEMP);
    },
    // type_set_doc: a class's __doc__ is an entry of its dict (check_set_special_type_attr first).
    (vm, self, v) => {
      const tv = vm.typeValue(self);
      if (!tv.heap) throw vm.typeError(`cannot set '__doc__' attribute of immutable type '${tv.name}'`);
      if (v === undefined) throw vm.typeError(`cannot delete '__doc__' attribute of immutable type '${tv.name}'`);
      vm.dictSetStr(tv.dict, '__doc__', v, C_TEMP, 'copy');
    },
  ),
  __abstractmethods__: getset(
    (vm, self) => {
      const tv = vm.typeValue(self);
      const v = tv.heap ? vm.dictGetStr(tv.dict, '__abstractmethods__') : undefined;
      if (v === undefined) throw vm.pyErr('AttributeError', '__abstractmethods__');
      return vm.ret(v, C_TEMP);
    },
    (vm, self, v) => {
      const tv = vm.typeValue(self);
      if (v === undefined) vm.dictDelStr(tv.dict, '__abstractmethods__');
      else vm.dictSetStr(tv.dict, '__abstractmethods__', v, C_TEMP, 'copy');
    },
  ),
  ...methods({
    mro: (vm, args, _kw, out) => vm.newList(vm.typeValue(args[0] as ObjectId).mro, out),
    __subclasses__: (vm, args, _kw, out) => vm.newList(vm.subclassesOf(args[0] as ObjectId), out),
    __instancecheck__: (vm, args, _kw, out) => vm.bool(vm.isInstanceOf(args[1] as ObjectId, args[0] as ObjectId), out),
    __subclasscheck__: (vm, args, _kw, out) => vm.bool(vm.isSubtype(args[1] as ObjectId, args[0] as ObjectId), out),
    __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(vm.rt.object(args[0] as ObjectId).size - 16), out),
    __dir__: (vm, args, _kw, out) =>
      vm.newList(
        vm.dirOf(args[0] as ObjectId).map((n) => vm.newStr(n, C_TEMP)),
        out,
        C_TEMP,
      ),
  }),
  __prepare__: { k: 'classmethod', fn: (vm, _args, _kw, out) => vm.newDict(out) },
};

const typeSlots: TypeSlots = {
  new: (vm, meta, args, kwnames, out) => {
    const n = npos(args, kwnames);
    if (n === 1 && meta === vm.T.type) return vm.ret(vm.typeOf(args[0] as ObjectId), out);
    if (n !== 3) throw vm.typeError('type() takes 1 or 3 arguments');
    const [name, bases, ns] = args as [ObjectId, ObjectId, ObjectId];
    if (vm.value(name).t !== 'str')
      throw vm.typeError(`type.__new__() argument 1 must be str, not ${vm.typeName(name)}`);
    if (vm.value(bases).t !== 'tuple')
      throw vm.typeError(`type.__new__() argument 2 must be tuple, not ${vm.typeName(bases)}`);
    if (vm.value(ns).t !== 'dict') throw vm.typeError(`type.__new__() argument 3 must be dict, not ${vm.typeName(ns)}`);
    // The most derived metaclass of the bases (_PyType_CalculateMetaclass): type(name,
    // (Base,), ns) with a Base whose metaclass has its own __new__ is that __new__'s call.
    let winner = meta;
    for (const b of vm.as(bases, 'tuple').items) {
      const bt = vm.typeOf(b);
      if (vm.isSubtype(winner, bt)) continue;
      if (vm.isSubtype(bt, winner)) {
        winner = bt;
        continue;
      }
      throw vm.typeError(
        'metaclass conflict: the metaclass of a derived class must be a (non-strict) subclass of the metaclasses of all its bases',
      );
    }
    if (winner !== meta && vm.lookupType(winner, '__new__') !== vm.lookupType(vm.T.type, '__new__')) {
      const f = vm.getAttr(winner, '__new__', C_TEMP);
      try {
        return vm.call(f, [winner, ...args], kwnames, out);
      } finally {
        vm.rt.decref(f, C_TEMP);
      }
    }
    const names = kwnames ?? [];
    const kw = { values: args.slice(n), names };
    return vm.newHeapType(winner, vm.as(name, 'str').v, vm.as(bases, 'tuple').items, ns, out, kw);
  },
  init: () => undefined,
  call: (vm, self, args, kwnames, out) => vm.typeCall(self, args, kwnames, out),
  repr: (vm, self) => {
    const tv = vm.typeValue(self);
    const mod = tv.heap ? vm.typeModuleName(self) : tv.module;
    return mod === 'builtins' || mod === '' ? `<class '${tv.qualname}'>` : `<class '${mod}.${tv.qualname}'>`;
  },
  hash: identityHash,
  getattr: (vm, self, name, out) => vm.typeGetAttr(self, name, out),
  setattr: (vm, self, name, value) => {
    const tv = vm.typeValue(self);
    if (!tv.heap) throw vm.typeError(`cannot set '${name}' attribute of immutable type '${tv.name}'`);
    const meta = vm.lookupType(vm.typeOf(self), name);
    if (meta !== undefined && vm.isDataDescr(meta)) {
      vm.descrSet(meta, self, value);
      return;
    }
    if (value === undefined) {
      if (!vm.dictDelStr(tv.dict, name))
        throw vm.pyErr('AttributeError', `type object '${tv.name}' has no attribute '${name}'`);
    } else vm.dictSetStr(tv.dict, name, value, C_TEMP, 'copy');
    vm.typeModified(self);
  },
  number: {
    '|': (vm, a, b, out) => vm.unionType(a, b, out),
  },
};

declare module '../vm/vm.js' {
  interface VM {
    genericGetAttr(obj: ObjectId, name: string, out: Holder): ObjectId;
    genericSetAttr(obj: ObjectId, name: string, value: ObjectId | undefined): void;
    typeGetAttr(type: ObjectId, name: string, out: Holder): ObjectId | undefined;
    typeModuleName(type: ObjectId): string;
    subclassesOf(type: ObjectId): ObjectId[];
    dirOf(obj: ObjectId): string[];
    unionType(a: ObjectId, b: ObjectId, out: Holder): ObjectId | undefined;
  }
}

const P = VM.prototype;

P.typeModuleName = function (this: VM, type) {
  const tv = this.typeValue(type);
  const m = tv.heap ? this.dictGetStr(tv.dict, '__module__') : undefined;
  return m !== undefined && this.value(m).t === 'str' ? this.as(m, 'str').v : tv.module;
};

P.typeGetAttr = function (this: VM, type, name, out) {
  const meta = this.typeOf(type);
  const metaAttr = this.lookupType(meta, name);
  if (metaAttr !== undefined && this.hasDescrGet(metaAttr) && this.isDataDescr(metaAttr)) {
    return this.descrGet(metaAttr, type, meta, out);
  }
  const attr = this.lookupType(type, name);
  if (attr !== undefined) {
    if (this.hasDescrGet(attr)) return this.descrGet(attr, undefined, type, out);
    return this.ret(attr, out);
  }
  if (metaAttr !== undefined) {
    if (this.hasDescrGet(metaAttr)) return this.descrGet(metaAttr, type, meta, out);
    return this.ret(metaAttr, out);
  }
  return undefined;
};

P.subclassesOf = function (this: VM, type) {
  const out: ObjectId[] = [];
  for (const o of liveObjects(this.rt.state)) {
    const v = this.values.get(o.id);
    if (v !== undefined && v.t === 'type' && v.bases.includes(type)) out.push(o.id);
  }
  return out;
};

P.dirOf = function (this: VM, obj) {
  const names = new Set<string>();
  const v = this.value(obj);
  const addType = (t: ObjectId): void => {
    for (const c of this.typeValue(t).mro) {
      const tv = this.typeValue(c);
      if (tv.heap || tv.dictMade) for (const e of this.dictEntries(tv.dict)) names.add(this.as(e.key, 'str').v);
      for (const n of tv.natives?.keys() ?? []) names.add(n);
    }
  };
  if (v.t === 'type') addType(obj);
  else if (v.t === 'module') {
    for (const e of this.dictEntries(v.dict)) names.add(this.as(e.key, 'str').v);
    return [...names].sort();
  } else {
    const d = v.dict;
    if (d !== undefined) for (const e of this.dictEntries(d)) names.add(this.as(e.key, 'str').v);
    for (const k of v.attrs?.keys() ?? []) names.add(k);
    addType(v.type);
  }
  return [...names].sort();
};

P.unionType = function (this: VM, a, b, out) {
  return this.newUnion(a, b, out);
};

declare module '../vm/vm.js' {
  interface VM {
    importModuleByName(name: string): ObjectId;
  }
}

// ---------------------------------------------------------------------------------
// function and method

const fnv = (vm: VM, id: ObjectId): ValueOf<'function'> => vm.as(id, 'function');

/** A reference held in `slot` replaced in place (func_set_*; a type's __bases__, __base__, __mro__). */
function replaceFuncRef(vm: VM, fn: ObjectId, slot: string, value: ObjectId | undefined): void {
  const refs = vm.rt.object(fn).refs;
  const at = refs.findIndex((r) => r?.slot === slot);
  const old = at >= 0 ? (refs[at] as { to: ObjectId }).to : undefined;
  if (value !== undefined) vm.rt.increfRef(value, fn, slot, at >= 0 ? at : undefined);
  if (old !== undefined) vm.rt.decrefRef(old, fn, slot, at >= 0 && value !== undefined ? at + 1 : undefined);
}

const funcRef = (vm: VM, fn: ObjectId, slot: string): ObjectId | undefined =>
  vm.rt.object(fn).refs.find((r) => r?.slot === slot)?.to;

const functionMembers: Record<string, NativeMember> = {
  __name__: getset(
    (vm, self) => vm.ret(funcRef(vm, self, '__name__') as ObjectId, C_TEMP),
    (vm, self, v) => {
      if (v === undefined || vm.value(v).t !== 'str') throw vm.typeError('__name__ must be set to a string object');
      fnv(vm, self).name = vm.as(v, 'str').v;
      replaceFuncRef(vm, self, '__name__', v);
    },
  ),
  __qualname__: getset(
    (vm, self) => vm.ret(funcRef(vm, self, '__qualname__') as ObjectId, C_TEMP),
    (vm, self, v) => {
      if (v === undefined || vm.value(v).t !== 'str') throw vm.typeError('__qualname__ must be set to a string object');
      fnv(vm, self).qualname = vm.as(v, 'str').v;
      replaceFuncRef(vm, self, '__qualname__', v);
    },
  ),
  __code__: getset(
    (vm, self) => vm.ret(fnv(vm, self).code, C_TEMP),
    (vm, self, v) => {
      if (v === undefined || vm.value(v).t !== 'code') throw vm.typeError('__code__ must be set to a code object');
      const f = fnv(vm, self);
      f.code = v;
      f.co = vm.as(v, 'code').co;
      replaceFuncRef(vm, self, '__code__', v);
    },
  ),
  __defaults__: getset(
    (vm, self) => vm.ret(fnv(vm, self).defaults ?? vm.statics.none, C_TEMP),
    (vm, self, v) => {
      const val = v === undefined || v === vm.statics.none ? undefined : v;
      if (val !== undefined && vm.value(val).t !== 'tuple')
        throw vm.typeError('__defaults__ must be set to a tuple object');
      fnv(vm, self).defaults = val;
      replaceFuncRef(vm, self, '__defaults__', val);
    },
  ),
  __kwdefaults__: getset(
    (vm, self) => vm.ret(fnv(vm, self).kwdefaults ?? vm.statics.none, C_TEMP),
    (vm, self, v) => {
      const val = v === undefined || v === vm.statics.none ? undefined : v;
      fnv(vm, self).kwdefaults = val;
      replaceFuncRef(vm, self, '__kwdefaults__', val);
    },
  ),
  __closure__: getset((vm, self) => vm.ret(fnv(vm, self).closure ?? vm.statics.none, C_TEMP)),
  __globals__: getset((vm, self) => vm.ret(fnv(vm, self).globals, C_TEMP)),
  __builtins__: getset((vm, self) => vm.ret(fnv(vm, self).builtins, C_TEMP)),
  __module__: getset(
    (vm, self) => vm.ret(funcRef(vm, self, '__module__') ?? vm.statics.none, C_TEMP),
    (vm, self, v) => replaceFuncRef(vm, self, '__module__', v),
  ),
  __doc__: getset(
    (vm, self) => vm.ret(funcRef(vm, self, '__doc__') ?? vm.statics.none, C_TEMP),
    (vm, self, v) => replaceFuncRef(vm, self, '__doc__', v ?? vm.statics.none),
  ),
  __dict__: getset(
    (vm, self) => vm.ret(vm.functionDict(self), C_TEMP),
    (vm, self, v) => {
      if (v === undefined || vm.value(v).t !== 'dict') throw vm.typeError('__dict__ must be set to a dictionary');
      fnv(vm, self).dict = v;
      replaceFuncRef(vm, self, '__dict__', v);
    },
  ),
  __annotations__: getset(
    (vm, self) => {
      const f = fnv(vm, self);
      if (f.annotations === undefined) {
        const d = vm.newDict(C_TEMP);
        f.annotations = d;
        vm.rt.moveToRef(d, C_TEMP, self, '__annotations__');
        return vm.ret(d, C_TEMP);
      }
      const av = vm.value(f.annotations);
      if (av.t === 'tuple') {
        // MAKE_FUNCTION's annotations tuple (name, value, ...) becomes a dict on first ask.
        const d = vm.newDict(C_TEMP);
        for (let i = 0; i + 1 < av.items.length; i += 2)
          vm.dictSet(d, av.items[i] as ObjectId, av.items[i + 1] as ObjectId, C_TEMP, 'copy');
        const old = f.annotations;
        f.annotations = d;
        vm.rt.moveToRef(d, C_TEMP, self, '__annotations__');
        vm.rt.decrefRef(old, self, '__annotations__');
      }
      return vm.ret(f.annotations, C_TEMP);
    },
    (vm, self, v) => {
      const f = fnv(vm, self);
      f.annotations = v;
      replaceFuncRef(vm, self, '__annotations__', v);
    },
  ),
};

declare module '../vm/vm.js' {
  interface VM {
    /** A function's __dict__ (made on first ask). */
    functionDict(fn: ObjectId): ObjectId;
  }
}

P.functionDict = function (this: VM, fn) {
  const f = fnv(this, fn);
  if (f.dict === undefined) {
    const d = this.newDict(C_TEMP);
    f.dict = d;
    this.rt.moveToRef(d, C_TEMP, fn, '__dict__');
    if (this.rt.object(d).gen < 0) this.rt.track(d);
  }
  return f.dict;
};

const functionSlots: TypeSlots = {
  call: (vm, self, args, kwnames, out) => vm.callFunction(self, args, kwnames, out),
  repr: (vm, self) => `<function ${fnv(vm, self).qualname} at ${addr(vm, self)}>`,
  hash: identityHash,
  descrGet: (vm, descr, obj, _type, out) => (obj === undefined ? vm.ret(descr, out) : vm.newMethod(descr, obj, out)),
  getattr: (vm, self, name, out) => {
    const f = fnv(vm, self);
    const descr = vm.lookupType(vm.T.function, name);
    if (descr !== undefined && vm.isDataDescr(descr)) return vm.descrGet(descr, self, vm.T.function, out);
    if (f.dict !== undefined) {
      const v = vm.dictGetStr(f.dict, name);
      if (v !== undefined) return vm.ret(v, out);
    }
    if (descr !== undefined)
      return vm.hasDescrGet(descr) ? vm.descrGet(descr, self, vm.T.function, out) : vm.ret(descr, out);
    return undefined;
  },
  setattr: (vm, self, name, value) => {
    const descr = vm.lookupType(vm.T.function, name);
    if (descr !== undefined && vm.isDataDescr(descr)) {
      vm.descrSet(descr, self, value);
      return;
    }
    const d = vm.functionDict(self);
    if (value === undefined) {
      if (!vm.dictDelStr(d, name)) throw vm.pyErr('AttributeError', `'function' object has no attribute '${name}'`);
    } else vm.dictSetStr(d, name, value, C_TEMP, 'copy');
  },
};

const mv = (vm: VM, id: ObjectId): ValueOf<'method'> => vm.as(id, 'method');

const methodSlots: TypeSlots = {
  // method_new (types.MethodType(func, instance)): exactly two positional arguments.
  new: (vm, _type, args, kwnames, out) => {
    if (kwnames !== undefined && kwnames.length > 0) throw vm.typeError('method() takes no keyword arguments');
    if (args.length !== 2) throw vm.typeError(`method expected 2 arguments, got ${args.length}`);
    const [func, self] = args as [ObjectId, ObjectId];
    if (!vm.isCallable(func)) throw vm.typeError('first argument must be callable');
    if (self === vm.statics.none) throw vm.typeError('instance must not be None');
    return vm.newMethod(func, self, out);
  },
  call: (vm, self, args, kwnames, out) => {
    const m = mv(vm, self);
    return vm.call(m.func, [m.self, ...args], kwnames, out);
  },
  repr: (vm, self) => {
    const m = mv(vm, self);
    const fv = vm.value(m.func);
    const name = fv.t === 'function' ? fv.qualname : vm.strText(vm.getAttr(m.func, '__qualname__', C_TEMP));
    return `<bound method ${name} of ${vm.reprText(m.self)}>`;
  },
  hash: (vm, self) => {
    const m = mv(vm, self);
    // method_hash: the pointer hash of self, xor the function's hash.
    const a = identityHash(vm, m.self);
    const b = vm.hash(m.func);
    const h = BigInt.asIntN(64, a ^ b);
    return h === -1n ? -2n : h;
  },
  compare: (vm, a, b, op) => {
    if ((op !== '==' && op !== '!=') || vm.value(b).t !== 'method') return undefined;
    const x = mv(vm, a);
    const y = mv(vm, b);
    const eq = x.func === y.func && x.self === y.self;
    return op === '==' ? eq : !eq;
  },
  getattr: (vm, self, name, out) => {
    const m = mv(vm, self);
    const descr = vm.lookupType(vm.T.method, name);
    if (descr !== undefined)
      return vm.hasDescrGet(descr) ? vm.descrGet(descr, self, vm.T.method, out) : vm.ret(descr, out);
    return vm.getAttrOpt(m.func, name, out);
  },
  descrGet: (vm, descr, _obj, _type, out) => vm.ret(descr, out),
};

const methodMembers: Record<string, NativeMember> = {
  __func__: getset((vm, self) => vm.ret(mv(vm, self).func, C_TEMP)),
  __self__: getset((vm, self) => vm.ret(mv(vm, self).self, C_TEMP)),
  __doc__: getset((vm, self) => vm.getAttr(mv(vm, self).func, '__doc__', C_TEMP)),
};

const bv = (vm: VM, id: ObjectId): ValueOf<'builtin'> => vm.as(id, 'builtin');

const builtinSlots: TypeSlots = {
  call: (vm, self, args, kwnames, out) => {
    const b = bv(vm, self);
    return b.self === undefined ? b.fn(vm, args, kwnames, out) : b.fn(vm, [b.self, ...args], kwnames, out);
  },
  repr: (vm, self) => {
    const b = bv(vm, self);
    if (b.self === undefined || vm.value(b.self).t === 'module') return `<built-in function ${b.name}>`;
    return `<built-in method ${b.name} of ${vm.typeName(b.self)} object at ${addr(vm, b.self)}>`;
  },
  hash: identityHash,
  compare: (vm, a, b, op) => {
    if ((op !== '==' && op !== '!=') || vm.value(b).t !== 'builtin') return undefined;
    const x = bv(vm, a);
    const y = bv(vm, b);
    const eq = x.fn === y.fn && x.self === y.self;
    return op === '==' ? eq : !eq;
  },
};

const builtinMembers: Record<string, NativeMember> = {
  __name__: getset((vm, self) => vm.newStr(bv(vm, self).name, C_TEMP)),
  __qualname__: getset((vm, self) => vm.newStr(bv(vm, self).qualname, C_TEMP)),
  __self__: getset((vm, self) => vm.ret(bv(vm, self).self ?? vm.statics.none, C_TEMP)),
  __module__: getset((vm, self) => {
    const m = bv(vm, self).module;
    return m === undefined ? vm.none(C_TEMP) : vm.newStr(m, C_TEMP);
  }),
  __doc__: getset((vm) => vm.none(C_TEMP)),
  __text_signature__: getset((vm) => vm.none(C_TEMP)),
};

const dv = (vm: VM, id: ObjectId): ValueOf<'descriptor'> => vm.as(id, 'descriptor');

function descriptorCall(
  vm: VM,
  self: ObjectId,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  const d = dv(vm, self);
  const m = d.member;
  if (m === undefined || (m.k !== 'method' && m.k !== 'classmethod'))
    throw vm.typeError(`'${vm.typeName(self)}' object is not callable`);
  if (m.k === 'method') {
    const first = args[0];
    if (first === undefined)
      throw vm.typeError(`unbound method ${vm.typeValue(d.owner).name}.${d.name}() needs an argument`);
    if (!vm.isInstanceOf(first, d.owner)) {
      throw vm.typeError(
        `descriptor '${d.name}' for '${vm.typeValue(d.owner).name}' objects doesn't apply to a '${vm.typeName(first)}' object`,
      );
    }
  }
  return m.fn(vm, args, kwnames, out);
}

function descriptorSlots(kind: string): TypeSlots {
  const slots: TypeSlots = {
    repr: (vm, self) => {
      const d = dv(vm, self);
      const owner = vm.typeValue(d.owner).name;
      if (kind === 'method' || kind === 'classmethod') return `<method '${d.name}' of '${owner}' objects>`;
      if (kind === 'getset') return `<attribute '${d.name}' of '${owner}' objects>`;
      return `<member '${d.name}' of '${owner}' objects>`;
    },
    hash: identityHash,
    descrGet: (vm, descr, obj, type, out) => vm.nativeDescrGet(descr, obj, type, out),
  };
  if (kind === 'method' || kind === 'classmethod') slots.call = descriptorCall;
  if (kind === 'getset' || kind === 'member')
    slots.descrSet = (vm, descr, obj, value) => vm.nativeDescrSet(descr, obj, value);
  return slots;
}

const descriptorMembers: Record<string, NativeMember> = {
  __name__: getset((vm, self) => vm.newStr(dv(vm, self).name, C_TEMP)),
  __qualname__: getset((vm, self) =>
    vm.newStr(`${vm.typeValue(dv(vm, self).owner).name}.${dv(vm, self).name}`, C_TEMP),
  ),
  __objclass__: getset((vm, self) => vm.ret(dv(vm, self).owner, C_TEMP)),
  __doc__: getset((vm) => vm.none(C_TEMP)),
};

// ---------------------------------------------------------------------------------
// cell, code, property, staticmethod, classmethod

const cellMembers: Record<string, NativeMember> = {
  cell_contents: getset(
    (vm, self) => {
      const c = vm.as(self, 'cell').content;
      if (c === undefined) throw vm.pyErr('ValueError', 'Cell is empty');
      return vm.ret(c, C_TEMP);
    },
    (vm, self, v) => {
      if (v !== undefined) vm.rt.incref(v, C_TEMP);
      vm.cellSet(self, v, C_TEMP);
    },
  ),
};

const codeValue = (vm: VM, id: ObjectId): ValueOf<'code'> => vm.as(id, 'code');
const codeRef = (vm: VM, id: ObjectId, slot: string): ObjectId =>
  vm.rt.object(id).refs.find((r) => r?.slot === slot)?.to as ObjectId;

const codeMembers: Record<string, NativeMember> = {
  co_name: getset((vm, self) => vm.ret(codeRef(vm, self, 'co_name'), C_TEMP)),
  co_qualname: getset((vm, self) => vm.ret(codeRef(vm, self, 'co_qualname'), C_TEMP)),
  co_filename: getset((vm, self) => vm.ret(codeRef(vm, self, 'co_filename'), C_TEMP)),
  co_consts: getset((vm, self) => vm.ret(codeRef(vm, self, 'co_consts'), C_TEMP)),
  co_names: getset((vm, self) => vm.ret(codeRef(vm, self, 'co_names'), C_TEMP)),
  co_firstlineno: getset((vm, self) => vm.newInt(BigInt(codeValue(vm, self).co.co.firstlineno), C_TEMP)),
  co_argcount: getset((vm, self) => vm.newInt(BigInt(codeValue(vm, self).co.co.argcount), C_TEMP)),
  co_posonlyargcount: getset((vm, self) => vm.newInt(BigInt(codeValue(vm, self).co.co.posonlyargcount), C_TEMP)),
  co_kwonlyargcount: getset((vm, self) => vm.newInt(BigInt(codeValue(vm, self).co.co.kwonlyargcount), C_TEMP)),
  co_flags: getset((vm, self) => vm.newInt(BigInt(codeValue(vm, self).co.co.flags), C_TEMP)),
  co_stacksize: getset((vm, self) => vm.newInt(BigInt(codeValue(vm, self).co.co.stacksize), C_TEMP)),
  co_nlocals: getset((vm, self) => {
    const co = codeValue(vm, self).co.co;
    return vm.newInt(BigInt(co.localspluskinds.filter((k) => (k & 0x20) !== 0).length), C_TEMP);
  }),
  co_varnames: getset((vm, self) => {
    const co = codeValue(vm, self).co.co;
    return vm.newTuple(
      co.localsplusnames
        .filter((_, i) => ((co.localspluskinds[i] ?? 0) & 0x20) !== 0)
        .map((n) => vm.internStr(n, C_TEMP)),
      C_TEMP,
      C_TEMP,
    );
  }),
  co_cellvars: getset((vm, self) => {
    const co = codeValue(vm, self).co.co;
    return vm.newTuple(
      co.localsplusnames
        .filter((_, i) => ((co.localspluskinds[i] ?? 0) & 0x40) !== 0)
        .map((n) => vm.internStr(n, C_TEMP)),
      C_TEMP,
      C_TEMP,
    );
  }),
  co_freevars: getset((vm, self) => {
    const co = codeValue(vm, self).co.co;
    return vm.newTuple(
      co.localsplusnames
        .filter((_, i) => ((co.localspluskinds[i] ?? 0) & 0x80) !== 0)
        .map((n) => vm.internStr(n, C_TEMP)),
      C_TEMP,
      C_TEMP,
    );
  }),
  co_code: getset((vm, self) => vm.newBytes(codeValue(vm, self).co.co.code, C_TEMP)),
  co_linetable: getset((vm, self) => vm.ret(codeRef(vm, self, 'co_linetable'), C_TEMP)),
  co_exceptiontable: getset((vm, self) => vm.ret(codeRef(vm, self, 'co_exceptiontable'), C_TEMP)),
  ...methods({
    replace: (vm, args, _kw, out) => vm.ret(args[0] as ObjectId, out),
  }),
};

const pv = (vm: VM, id: ObjectId): ValueOf<'property'> => vm.as(id, 'property');

function newProperty(
  vm: VM,
  type: ObjectId,
  fget: ObjectId | undefined,
  fset: ObjectId | undefined,
  fdel: ObjectId | undefined,
  doc: ObjectId | undefined,
  out: Holder,
): ObjectId {
  const none = vm.statics.none;
  const norm = (x: ObjectId | undefined): ObjectId | undefined => (x === none ? undefined : x);
  const v: PyValue = { t: 'property', type, fget: norm(fget), fset: norm(fset), fdel: norm(fdel), doc: norm(doc) };
  const p = vm.allocFor(type, 'property', 'function', FIXED_SIZES.property, v, out);
  for (const [x, slot] of [
    [v.fget, 'fget'],
    [v.fset, 'fset'],
    [v.fdel, 'fdel'],
    [v.doc, '__doc__'],
  ] as const) {
    if (x !== undefined) vm.rt.increfRef(x, p, slot);
  }
  return p;
}

const propertySlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const arg = (i: number, name: string): ObjectId | undefined => (n > i ? args[i] : kwarg(args, kwnames, name));
    return newProperty(vm, type, arg(0, 'fget'), arg(1, 'fset'), arg(2, 'fdel'), arg(3, 'doc'), out);
  },
  init: () => undefined,
  descrGet: (vm, descr, obj, type, out) => vm.descrGet(descr, obj, type, out),
  descrSet: (vm, descr, obj, value) => vm.descrSet(descr, obj, value),
};

function propertyCopy(which: 'fget' | 'fset' | 'fdel'): Native {
  return (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const f = args[1] as ObjectId;
    const p = pv(vm, self);
    const copy = newProperty(
      vm,
      vm.typeOf(self),
      which === 'fget' ? f : p.fget,
      which === 'fset' ? f : p.fset,
      which === 'fdel' ? f : p.fdel,
      p.doc,
      out,
    );
    if (p.name !== undefined) setPropName(vm, copy, p.name);
    return copy;
  };
}

/** property_set_name / property_copy: the property holds its name. */
function setPropName(vm: VM, prop: ObjectId, name: ObjectId): void {
  const p = pv(vm, prop);
  const old = p.name;
  vm.rt.increfRef(name, prop, 'prop_name');
  p.name = name;
  if (old !== undefined) vm.rt.decrefRef(old, prop, 'prop_name');
}

const propertyMembers: Record<string, NativeMember> = {
  __set_name__: {
    k: 'method',
    fn: (vm, args, kwnames, out) => {
      if (kwnames !== undefined) throw vm.typeError('__set_name__() takes no keyword arguments');
      if (args.length !== 3)
        throw vm.typeError(`__set_name__() takes 2 positional arguments but ${args.length - 1} were given`);
      setPropName(vm, args[0] as ObjectId, args[2] as ObjectId);
      return vm.none(out);
    },
  },
  fget: getset((vm, self) => vm.ret(pv(vm, self).fget ?? vm.statics.none, C_TEMP)),
  fset: getset((vm, self) => vm.ret(pv(vm, self).fset ?? vm.statics.none, C_TEMP)),
  fdel: getset((vm, self) => vm.ret(pv(vm, self).fdel ?? vm.statics.none, C_TEMP)),
  __doc__: getset((vm, self) => {
    const p = pv(vm, self);
    if (p.doc !== undefined) return vm.ret(p.doc, C_TEMP);
    if (p.fget !== undefined) return vm.getAttrOpt(p.fget, '__doc__', C_TEMP) ?? vm.none(C_TEMP);
    return vm.none(C_TEMP);
  }),
  __isabstractmethod__: getset((vm, self) => {
    const p = pv(vm, self);
    for (const f of [p.fget, p.fset, p.fdel]) {
      if (f === undefined) continue;
      const r = vm.getAttrOpt(f, '__isabstractmethod__', C_TEMP);
      if (r !== undefined) {
        const t = vm.truthy(r);
        vm.rt.decref(r, C_TEMP);
        if (t) return vm.bool(true, C_TEMP);
      }
    }
    return vm.bool(false, C_TEMP);
  }),
  ...methods({ getter: propertyCopy('fget'), setter: propertyCopy('fset'), deleter: propertyCopy('fdel') }),
};

const wrapperOf = (vm: VM, id: ObjectId): ObjectId | undefined => (vm.value(id) as { func: ObjectId | undefined }).func;

function wrapperSlots(kind: 'staticmethod' | 'classmethod'): TypeSlots {
  return {
    new: (vm, type, args, _kw, out) => {
      if (args.length !== 1) throw vm.typeError(`${kind} expected 1 argument, got ${args.length}`);
      const f = args[0] as ObjectId;
      const w = vm.allocFor(type, kind, 'function', 48, { t: kind, type, func: f }, out);
      vm.rt.increfRef(f, w, '__func__');
      return w;
    },
    init: () => undefined,
    descrGet: (vm, descr, obj, type, out) => vm.descrGet(descr, obj, type, out),
    ...(kind === 'staticmethod'
      ? {
          call: (vm: VM, self: ObjectId, args: readonly ObjectId[], kw: readonly string[] | undefined, out: Holder) =>
            vm.call(wrapperOf(vm, self) as ObjectId, args, kw, out),
        }
      : {}),
    repr: (vm, self) => `<${kind}(${vm.reprText(wrapperOf(vm, self) ?? vm.statics.none)})>`,
  };
}

const wrapperMembers: Record<string, NativeMember> = {
  __func__: getset((vm, self) => vm.ret(wrapperOf(vm, self) ?? vm.statics.none, C_TEMP)),
  __wrapped__: getset((vm, self) => vm.ret(wrapperOf(vm, self) ?? vm.statics.none, C_TEMP)),
  __isabstractmethod__: getset((vm, self) => {
    const f = wrapperOf(vm, self);
    const r = f === undefined ? undefined : vm.getAttrOpt(f, '__isabstractmethod__', C_TEMP);
    if (r === undefined) return vm.bool(false, C_TEMP);
    return r;
  }),
  __dict__: getset((vm, self) => vm.ret(vm.instanceDict(self) ?? vm.newDict(C_TEMP), C_TEMP)),
};

// ---------------------------------------------------------------------------------
// super

const sv = (vm: VM, id: ObjectId): ValueOf<'super'> => vm.as(id, 'super');

/** super() with no arguments: __class__ and the first argument of the calling frame. */
function superArgs(vm: VM): [ObjectId, ObjectId] {
  const frame = vm.frame;
  if (frame === undefined) throw vm.pyErr('RuntimeError', 'super(): no current frame');
  const code = frame.code;
  if (code.co.argcount === 0 && (code.co.flags & 0x04) === 0) throw vm.pyErr('RuntimeError', 'super(): no arguments');
  let first = frame.localsplus[0];
  if (first !== undefined && (code.localspluskinds[0] ?? 0) & 0x40) first = vm.as(first, 'cell').content;
  if (first === undefined) throw vm.pyErr('RuntimeError', 'super(): arg[0] deleted');
  const i = code.localsplusnames.indexOf('__class__');
  if (i < 0 || (code.localspluskinds[i] ?? 0) !== 0x80)
    throw vm.pyErr('RuntimeError', 'super(): __class__ cell not found');
  const cell = frame.localsplus[i];
  const cls = cell === undefined ? undefined : vm.as(cell, 'cell').content;
  if (cls === undefined) throw vm.pyErr('RuntimeError', 'super(): empty __class__ cell');
  if (vm.value(cls).t !== 'type') throw vm.pyErr('RuntimeError', 'super(): __class__ is not a type');
  return [cls, first];
}

function superCheck(vm: VM, type: ObjectId, obj: ObjectId): ObjectId {
  if (vm.value(obj).t === 'type' && vm.isSubtype(obj, type)) return obj;
  if (vm.isInstanceOf(obj, type)) return vm.typeOf(obj);
  throw vm.typeError('super(type, obj): obj must be an instance or subtype of type');
}

const superSlots: TypeSlots = {
  vectorcall: true,
  new: (vm, type, args, _kw, out) => {
    let cls: ObjectId;
    let obj: ObjectId | undefined;
    if (args.length === 0) [cls, obj] = superArgs(vm);
    else {
      cls = args[0] as ObjectId;
      if (vm.value(cls).t !== 'type') throw vm.typeError(`super() argument 1 must be a type, not ${vm.typeName(cls)}`);
      obj = args[1] === vm.statics.none ? undefined : args[1];
    }
    const objType = obj === undefined ? undefined : superCheck(vm, cls, obj);
    const s = vm.allocFor(type, 'super', 'method', 48, { t: 'super', type, cls, obj, objType }, out);
    vm.rt.increfRef(cls, s, '__thisclass__');
    if (obj !== undefined) vm.rt.increfRef(obj, s, '__self__');
    if (objType !== undefined) vm.rt.increfRef(objType, s, '__self_class__');
    return s;
  },
  init: () => undefined,
  repr: (vm, self) => {
    const s = sv(vm, self);
    const cls = vm.typeValue(s.cls).name;
    if (s.objType === undefined) return `<super: <class '${cls}'>, NULL>`;
    return `<super: <class '${cls}'>, <${vm.typeValue(s.objType).name} object>>`;
  },
  getattr: (vm, self, name, out) => {
    const s = sv(vm, self);
    if (s.objType !== undefined && name !== '__class__') {
      const mro = vm.typeValue(s.objType).mro;
      const i = mro.indexOf(s.cls);
      const found = vm.superLookup(mro, i + 1, name);
      if (found !== undefined) {
        if (!vm.hasDescrGet(found)) return vm.ret(found, out);
        const obj = s.obj === s.objType ? undefined : s.obj;
        return vm.descrGet(found, obj, s.objType, out);
      }
    }
    const descr = vm.lookupType(vm.T.super, name);
    if (descr !== undefined)
      return vm.hasDescrGet(descr) ? vm.descrGet(descr, self, vm.T.super, out) : vm.ret(descr, out);
    return undefined;
  },
  descrGet: (vm, descr, obj, _type, out) => {
    const s = sv(vm, descr);
    if (obj === undefined || s.obj !== undefined) return vm.ret(descr, out);
    return vm.call(vm.T.super, [s.cls, obj], undefined, out);
  },
};

const superMembers: Record<string, NativeMember> = {
  __thisclass__: getset((vm, self) => vm.ret(sv(vm, self).cls, C_TEMP)),
  __self__: getset((vm, self) => vm.ret(sv(vm, self).obj ?? vm.statics.none, C_TEMP)),
  __self_class__: getset((vm, self) => vm.ret(sv(vm, self).objType ?? vm.statics.none, C_TEMP)),
};

// ---------------------------------------------------------------------------------
// module

const modv = (vm: VM, id: ObjectId): ValueOf<'module'> => vm.as(id, 'module');

const moduleSlots: TypeSlots = {
  new: (vm, type, args, _kw, out) => vm.newModule(vm.as(args[0] as ObjectId, 'str').v, out, type),
  init: (vm, self, args) => {
    const d = modv(vm, self).dict;
    if (args[0] !== undefined) vm.dictSetStr(d, '__name__', args[0], C_TEMP, 'copy');
    vm.dictSetStr(d, '__doc__', args[1] ?? vm.statics.none, C_TEMP, 'copy');
  },
  repr: (vm, self) => {
    const m = modv(vm, self);
    const file = vm.dictGetStr(m.dict, '__file__');
    if (file !== undefined && vm.value(file).t === 'str') return `<module '${m.name}' from '${vm.as(file, 'str').v}'>`;
    return `<module '${m.name}' (built-in)>`;
  },
  getattr: (vm, self, name, out) => {
    const m = modv(vm, self);
    const descr = vm.lookupType(vm.typeOf(self), name);
    if (descr !== undefined && vm.isDataDescr(descr)) return vm.descrGet(descr, self, vm.typeOf(self), out);
    const v = vm.dictGetStr(m.dict, name);
    if (v !== undefined) return vm.ret(v, out);
    if (descr !== undefined)
      return vm.hasDescrGet(descr) ? vm.descrGet(descr, self, vm.typeOf(self), out) : vm.ret(descr, out);
    const hook = vm.dictGetStr(m.dict, '__getattr__');
    if (hook !== undefined) {
      const n = vm.newStr(name, C_TEMP);
      try {
        return vm.call(hook, [n], undefined, out);
      } finally {
        vm.rt.decref(n, C_TEMP);
      }
    }
    return undefined;
  },
  setattr: (vm, self, name, value) => {
    const descr = vm.lookupType(vm.typeOf(self), name);
    if (descr !== undefined && vm.isDataDescr(descr)) {
      vm.descrSet(descr, self, value);
      return;
    }
    const d = modv(vm, self).dict;
    if (value === undefined) {
      if (!vm.dictDelStr(d, name))
        throw vm.pyErr('AttributeError', `module '${modv(vm, self).name}' has no attribute '${name}'`);
    } else vm.dictSetStr(d, name, value, C_TEMP, 'copy');
  },
};

declare module '../vm/vm.js' {
  interface VM {
    /** A new module object with its dict (`__name__` set), owned by `out`. */
    newModule(name: string, out: Holder, type?: ObjectId): ObjectId;
  }
}

P.newModule = function (this: VM, name, out, type) {
  const t = type ?? this.T.module;
  const m = this.allocFor(
    t,
    'module',
    'module',
    FIXED_SIZES.module,
    { t: 'module', type: t, name, dict: 0 as ObjectId },
    out,
  );
  const d = this.newDict(C_TEMP);
  modv(this, m).dict = d;
  this.rt.moveToRef(d, C_TEMP, m, '__dict__');
  if (this.rt.object(d).gen < 0) this.rt.track(d);
  for (const [k, v] of [
    ['__name__', this.internStr(name, C_TEMP)],
    ['__doc__', this.none(C_TEMP)],
    ['__package__', this.none(C_TEMP)],
    ['__loader__', this.none(C_TEMP)],
    ['__spec__', this.none(C_TEMP)],
  ] as const) {
    this.dictSetStr(d, k, v, C_TEMP, 'move');
  }
  return m;
};

const moduleMembers: Record<string, NativeMember> = {
  __dict__: getset((vm, self) => vm.ret(modv(vm, self).dict, C_TEMP)),
};

// ---------------------------------------------------------------------------------
// None, NotImplemented, Ellipsis

const singletonSlots = (text: string, truth?: boolean): TypeSlots => ({
  repr: () => text,
  hash: identityHash,
  ...(truth === undefined ? {} : { bool: () => truth }),
  new: (vm, type, args, _kw, out) => {
    if (args.length > 0) throw vm.typeError(`${vm.typeValue(type).name} takes no arguments`);
    return vm.ret(
      text === 'None' ? vm.statics.none : text === 'NotImplemented' ? vm.notImplementedId : vm.ellipsisId,
      out,
    );
  },
});

// ---------------------------------------------------------------------------------
// range and slice

const rv = (vm: VM, id: ObjectId): ValueOf<'range'> => vm.as(id, 'range');
export const rangeLen = (start: bigint, stop: bigint, step: bigint): bigint => {
  if (step > 0n) return start < stop ? (stop - start - 1n) / step + 1n : 0n;
  return start > stop ? (start - stop - 1n) / -step + 1n : 0n;
};

function newRange(vm: VM, start: bigint, stop: bigint, step: bigint, out: Holder): ObjectId {
  return vm.alloc('range', 'range', 48, { t: 'range', type: vm.T.range, start, stop, step }, out);
}

const rangeSlots: TypeSlots = {
  vectorcall: true,
  new: (vm, _type, args, kwnames, out) => {
    if (kwnames !== undefined) throw vm.typeError('range() takes no keyword arguments');
    if (args.length === 0) throw vm.typeError('range expected at least 1 argument, got 0');
    if (args.length > 3) throw vm.typeError(`range expected at most 3 arguments, got ${args.length}`);
    const nums = args.map((a) => vm.index(a));
    const [start, stop, step] =
      nums.length === 1 ? [0n, nums[0] as bigint, 1n] : [nums[0] as bigint, nums[1] as bigint, nums[2] ?? 1n];
    if (step === 0n) throw vm.pyErr('ValueError', 'range() arg 3 must not be zero');
    return newRange(vm, start, stop, step, out);
  },
  repr: (vm, self) => {
    const r = rv(vm, self);
    return r.step === 1n ? `range(${r.start}, ${r.stop})` : `range(${r.start}, ${r.stop}, ${r.step})`;
  },
  hash: (vm, self) => {
    const r = rv(vm, self);
    const n = rangeLen(r.start, r.stop, r.step);
    const items: ObjectId[] = [
      vm.newInt(n, C_TEMP),
      n === 0n ? vm.none(C_TEMP) : vm.newInt(r.start, C_TEMP),
      n <= 1n ? vm.none(C_TEMP) : vm.newInt(r.step, C_TEMP),
    ];
    const t = vm.newTuple(items, C_TEMP, C_TEMP);
    try {
      return vm.hash(t);
    } finally {
      vm.rt.decref(t, C_TEMP);
    }
  },
  compare: (vm, a, b, op) => {
    if ((op !== '==' && op !== '!=') || vm.value(b).t !== 'range') return undefined;
    const x = rv(vm, a);
    const y = rv(vm, b);
    const nx = rangeLen(x.start, x.stop, x.step);
    const ny = rangeLen(y.start, y.stop, y.step);
    const eq = nx === ny && (nx === 0n || (x.start === y.start && (nx === 1n || x.step === y.step)));
    return op === '==' ? eq : !eq;
  },
  iter: (vm, self, out) => {
    const r = rv(vm, self);
    return vm.newRangeIter(r.start, r.step, rangeLen(r.start, r.stop, r.step), out);
  },
  len: (vm, self) => {
    const r = rv(vm, self);
    const n = rangeLen(r.start, r.stop, r.step);
    if (n > BigInt(Number.MAX_SAFE_INTEGER))
      throw vm.pyErr('OverflowError', 'Python int too large to convert to C ssize_t');
    return Number(n);
  },
  bool: (vm, self) => {
    const r = rv(vm, self);
    return rangeLen(r.start, r.stop, r.step) > 0n;
  },
  getitem: (vm, self, key, out) => {
    const r = rv(vm, self);
    const n = Number(rangeLen(r.start, r.stop, r.step));
    if (vm.value(key).t === 'slice') {
      // compute_slice: the slice's clamped indices mapped through the range.
      const { start, stop, step } = sliceIndices(vm, key, n);
      const at = (i: number): bigint => r.start + BigInt(i) * r.step;
      return newRange(vm, at(start), at(stop), r.step * BigInt(step), out);
    }
    const i = seqIndex(vm, key, n, 'range object');
    if (i === undefined) throw vm.pyErr('IndexError', 'range object index out of range');
    return vm.newInt(r.start + BigInt(i) * r.step, out);
  },
  contains: (vm, self, item) => {
    const r = rv(vm, self);
    const iv = vm.value(item);
    if (iv.t === 'int' || iv.t === 'bool') {
      const x = iv.t === 'bool' ? (iv.v ? 1n : 0n) : iv.v;
      if (r.step > 0n ? x < r.start || x >= r.stop : x > r.start || x <= r.stop) return false;
      return (x - r.start) % r.step === 0n;
    }
    const n = Number(rangeLen(r.start, r.stop, r.step));
    for (let i = 0; i < n; i++) {
      const v = vm.newInt(r.start + BigInt(i) * r.step, C_TEMP);
      try {
        if (vm.richCompareBool(v, item, '==')) return true;
      } finally {
        vm.rt.decref(v, C_TEMP);
      }
    }
    return false;
  },
};

const rangeMembers: Record<string, NativeMember> = {
  start: getset((vm, self) => vm.newInt(rv(vm, self).start, C_TEMP)),
  stop: getset((vm, self) => vm.newInt(rv(vm, self).stop, C_TEMP)),
  step: getset((vm, self) => vm.newInt(rv(vm, self).step, C_TEMP)),
  ...methods({
    index: (vm, args, _kw, out) => {
      const r = rv(vm, args[0] as ObjectId);
      const x = vm.value(args[1] as ObjectId);
      if (x.t === 'int') {
        const n = rangeLen(r.start, r.stop, r.step);
        const k = (x.v - r.start) / r.step;
        if ((x.v - r.start) % r.step === 0n && k >= 0n && k < n) return vm.newInt(k, out);
      }
      throw vm.pyErr('ValueError', `${vm.reprText(args[1] as ObjectId)} is not in range`);
    },
    count: (vm, args, _kw, out) =>
      vm.newInt(rangeSlots.contains?.(vm, args[0] as ObjectId, args[1] as ObjectId) ? 1n : 0n, out),
    __reversed__: (vm, args, _kw, out) => {
      const r = rv(vm, args[0] as ObjectId);
      const n = rangeLen(r.start, r.stop, r.step);
      return vm.newRangeIter(r.start + (n - 1n) * r.step, -r.step, n, out);
    },
  }),
};

declare module '../vm/vm.js' {
  interface VM {
    newSlice(start: ObjectId, stop: ObjectId, step: ObjectId, out: Holder): ObjectId;
  }
}

P.newSlice = function (this: VM, start, stop, step, out) {
  const s = this.alloc('slice', 'method', 56, { t: 'slice', type: this.T.slice, start, stop, step }, out);
  this.rt.increfRef(start, s, 'start');
  this.rt.increfRef(stop, s, 'stop');
  this.rt.increfRef(step, s, 'step');
  return s;
};

const slv = (vm: VM, id: ObjectId): ValueOf<'slice'> => vm.as(id, 'slice');

const sliceSlots: TypeSlots = {
  new: (vm, _type, args, _kw, out) => {
    const none = vm.statics.none;
    if (args.length === 0 || args.length > 3)
      throw vm.typeError(`slice expected at least 1 argument, got ${args.length}`);
    if (args.length === 1) return vm.newSlice(none, args[0] as ObjectId, none, out);
    return vm.newSlice(args[0] as ObjectId, args[1] as ObjectId, args[2] ?? none, out);
  },
  repr: (vm, self) => {
    const s = slv(vm, self);
    return `slice(${vm.reprText(s.start)}, ${vm.reprText(s.stop)}, ${vm.reprText(s.step)})`;
  },
  unhashable: true,
  compare: (vm, a, b, op) => {
    if (vm.value(b).t !== 'slice') return undefined;
    const x = slv(vm, a);
    const y = slv(vm, b);
    const ta = vm.newTuple([x.start, x.stop, x.step], C_TEMP);
    const tb = vm.newTuple([y.start, y.stop, y.step], C_TEMP);
    try {
      return vm.richCompareBool(ta, tb, op);
    } finally {
      vm.rt.decref(ta, C_TEMP);
      vm.rt.decref(tb, C_TEMP);
    }
  },
};

const sliceMembers: Record<string, NativeMember> = {
  start: getset((vm, self) => vm.ret(slv(vm, self).start, C_TEMP)),
  stop: getset((vm, self) => vm.ret(slv(vm, self).stop, C_TEMP)),
  step: getset((vm, self) => vm.ret(slv(vm, self).step, C_TEMP)),
  ...methods({
    indices: (vm, args, _kw, out) => {
      const n = Number(vm.index(args[1] as ObjectId));
      const { start, stop, step } = sliceIndices(vm, args[0] as ObjectId, n);
      return vm.newTuple(
        [vm.newInt(BigInt(start), C_TEMP), vm.newInt(BigInt(stop), C_TEMP), vm.newInt(BigInt(step), C_TEMP)],
        out,
        C_TEMP,
      );
    },
  }),
};

export function defineCoreTypes(vm: VM): void {
  const o = vm.T.object;
  vm.T.NoneType = vm.defineType({ name: 'NoneType', base: o, baseType: false, slots: singletonSlots('None', false) });
  vm.T.NotImplementedType = vm.defineType({
    name: 'NotImplementedType',
    base: o,
    baseType: false,
    slots: singletonSlots('NotImplemented'),
  });
  vm.T.ellipsis = vm.defineType({ name: 'ellipsis', base: o, baseType: false, slots: singletonSlots('Ellipsis') });
  vm.T.function = vm.defineType({
    name: 'function',
    base: o,
    baseType: false,
    slots: functionSlots,
    members: functionMembers,
  });
  vm.T.method = vm.defineType({ name: 'method', base: o, baseType: false, slots: methodSlots, members: methodMembers });
  vm.T.builtin_function_or_method = vm.defineType({
    name: 'builtin_function_or_method',
    base: o,
    baseType: false,
    slots: builtinSlots,
    members: builtinMembers,
  });
  vm.T.method_descriptor = vm.defineType({
    name: 'method_descriptor',
    base: o,
    baseType: false,
    slots: descriptorSlots('method'),
    members: descriptorMembers,
  });
  vm.T.classmethod_descriptor = vm.defineType({
    name: 'classmethod_descriptor',
    base: o,
    baseType: false,
    slots: descriptorSlots('classmethod'),
    members: descriptorMembers,
  });
  vm.T.getset_descriptor = vm.defineType({
    name: 'getset_descriptor',
    base: o,
    baseType: false,
    slots: descriptorSlots('getset'),
    members: descriptorMembers,
  });
  vm.T.member_descriptor = vm.defineType({
    name: 'member_descriptor',
    base: o,
    baseType: false,
    slots: descriptorSlots('member'),
    members: descriptorMembers,
  });
  vm.T.wrapper_descriptor = vm.defineType({
    name: 'wrapper_descriptor',
    base: o,
    baseType: false,
    slots: descriptorSlots('method'),
    members: descriptorMembers,
  });
  vm.T.cell = vm.defineType({
    name: 'cell',
    base: o,
    baseType: false,
    slots: { hash: identityHash },
    members: cellMembers,
  });
  vm.T.code = vm.defineType({
    name: 'code',
    base: o,
    baseType: false,
    slots: {
      hash: identityHash,
      repr: (vm2, self) =>
        `<code object ${codeValue(vm2, self).co.co.name} at ${addr(vm2, self)}, file "${codeValue(vm2, self).co.co.filename}", line ${codeValue(vm2, self).co.co.firstlineno}>`,
    },
    members: codeMembers,
  });
  vm.T.property = vm.defineType({ name: 'property', base: o, slots: propertySlots, members: propertyMembers });
  vm.T.staticmethod = vm.defineType({
    name: 'staticmethod',
    base: o,
    slots: wrapperSlots('staticmethod'),
    members: wrapperMembers,
    hasDict: true,
  });
  vm.T.classmethod = vm.defineType({
    name: 'classmethod',
    base: o,
    slots: wrapperSlots('classmethod'),
    members: wrapperMembers,
    hasDict: true,
  });
  vm.T.super = vm.defineType({ name: 'super', base: o, slots: superSlots, members: superMembers });
  vm.T.module = vm.defineType({ name: 'module', base: o, slots: moduleSlots, members: moduleMembers, hasDict: true });
  vm.T.range = vm.defineType({ name: 'range', base: o, baseType: false, slots: rangeSlots, members: rangeMembers });
  vm.T.slice = vm.defineType({ name: 'slice', base: o, baseType: false, slots: sliceSlots, members: sliceMembers });
}

export { objectSlots, objectMembers, typeSlots, typeMembers, identityHash, sliceIndexList };
