/*
 * Attributes
 * ==========
 * Looking names up on types and objects as CPython 3.11 does: `_PyType_Lookup` along the
 * method resolution order (cached per type until a type namespace changes, like type
 * version tags), `PyObject_GenericGetAttr` with data descriptors first, then the
 * instance's own attributes, then other descriptors and class attributes;
 * `type_getattro` with the metatype's data descriptors first; `module_getattro` with a
 * module `__getattr__`; `super_getattro`; the `__getattr__` hook; `_PyObject_GetMethod`
 * (LOAD_METHOD: a method found on the type is returned unbound, with no bound-method
 * object made); `_PyObject_LookupSpecial`; and the generic setattr and delattr.
 *
 * Instance attributes live in 3.11's managed values (`attrs`, insertion-ordered, each a
 * reference in slot `.name`) until a program asks for `__dict__`, which then becomes a
 * dict object holding them (OBJ-13); `__slots__` values are member descriptors' slots.
 *
 * Source: Objects/object.c (PyObject_GenericGetAttr, _PyObject_GenericSetAttrWithDict,
 * _PyObject_GetMethod), Objects/typeobject.c (_PyType_Lookup, type_getattro,
 * type_setattro, slot_tp_getattr_hook, super_getattro, _PyObject_LookupSpecial),
 * Objects/moduleobject.c (module_getattro), Objects/dictobject.c (_PyObject_InitializeDict,
 * init_inline_values, make_dict_from_instance_attributes).
 */
import { positionOfSlot, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, PyRaise, VM } from './vm.js';
import type { PyValue, TypeCache, TypeValue } from './values.js';

declare module './vm.js' {
  interface VM {
    /** _PyType_Lookup: the attribute `name` along type's MRO (borrowed), or undefined. */
    lookupType(type: ObjectId, name: string): ObjectId | undefined;
    /** A type namespace changed: cached lookups are stale. */
    typeModified(type: ObjectId): void;
    /** PyObject_GetAttr: a new reference owned by `out`; AttributeError when absent. */
    getAttr(obj: ObjectId, name: string, out: Holder): ObjectId;
    /** getattr without raising AttributeError: undefined when absent. */
    getAttrOpt(obj: ObjectId, name: string, out: Holder): ObjectId | undefined;
    hasAttr(obj: ObjectId, name: string): boolean;
    setAttr(obj: ObjectId, name: string, value: ObjectId): void;
    delAttr(obj: ObjectId, name: string): void;
    /** _PyObject_GetMethod: sets `methodFound` when the result is an unbound method to call with obj. */
    loadMethod(obj: ObjectId, name: string, out: Holder): ObjectId;
    methodFound: boolean;
    /** _PyObject_LookupSpecial: the bound special method (new reference), or undefined. */
    lookupSpecial(obj: ObjectId, name: string, out: Holder): ObjectId | undefined;
    /** obj.name(*args): a new reference owned by `out`. */
    callMethod(obj: ObjectId, name: string, args: readonly ObjectId[], out: Holder): ObjectId;
    /** The descriptor's tp_descr_get: `descr.__get__(obj, type)`. */
    descrGet(descr: ObjectId, obj: ObjectId | undefined, type: ObjectId, out: Holder): ObjectId;
    /** The descriptor has a tp_descr_get / tp_descr_set. */
    hasDescrGet(descr: ObjectId): boolean;
    isDataDescr(descr: ObjectId): boolean;
    /** The instance's own attribute (managed values or __dict__), borrowed. */
    instanceAttr(obj: ObjectId, name: string): ObjectId | undefined;
    /** Store an instance attribute, the reference moving from `from` ('move') or new ('copy'). */
    setInstanceAttr(obj: ObjectId, name: string, value: ObjectId, from: Holder, how: 'move' | 'copy'): void;
    /** Delete an instance attribute; false when absent. */
    delInstanceAttr(obj: ObjectId, name: string): boolean;
    /** obj.__dict__, materialised from managed values on first ask; undefined when obj has none. */
    instanceDict(obj: ObjectId): ObjectId | undefined;
    attributeError(obj: ObjectId, name: string): PyRaise;
  }
}

const P = VM.prototype;

/** The slot name of an instance attribute: `.name`, made once per name. */
const ATTR_SLOTS = new Map<string, string>();
export function attrSlot(s: string): string {
  let k = ATTR_SLOTS.get(s);
  if (k === undefined) {
    k = `.${s}`;
    if (s.length <= 64 && ATTR_SLOTS.size < 1 << 16) ATTR_SLOTS.set(s, k);
  }
  return k;
}

/** A name cached as absent from the MRO (object ids start at 1). */
const NOT_FOUND = 0 as ObjectId;

/** Bumped by every change of a type namespace: lookups cached before are stale. */
let typeEpoch = 0;

P.typeModified = function (this: VM, type: ObjectId) {
  typeEpoch += 1;
  const tv = this.values.get(type);
  if (tv !== undefined && tv.t === 'type') tv.version += 1;
};

/** The type's lookup cache for the current epoch. */
function cacheOf(tv: TypeValue): TypeCache {
  let c = tv.cache;
  if (c === undefined || c.epoch !== typeEpoch) {
    c = { epoch: typeEpoch, names: new Map() };
    tv.cache = c;
  }
  return c;
}

P.lookupType = function (this: VM, type, name) {
  const c = cacheOf(this.values.get(type) as TypeValue);
  // One map read per lookup: an absent name is cached as NOT_FOUND (no object has id 0).
  const found = c.names.get(name);
  if (found !== undefined) return found === NOT_FOUND ? undefined : found;
  const r = lookupUncached(this, type, name);
  c.names.set(name, r ?? NOT_FOUND);
  return r;
};

/** A heap type's special attribute method (`__getattribute__` ...) when Python defines it, else null. */
function pythonSpecial(
  vm: VM,
  type: ObjectId,
  tv: TypeValue,
  which: 'getattribute' | 'getattrHook' | 'setattr' | 'delattr',
): ObjectId | null {
  const c = cacheOf(tv);
  // Each field read by its own name: a read keyed by `which` would be a generic keyed load.
  const known =
    which === 'getattribute'
      ? c.getattribute
      : which === 'getattrHook'
        ? c.getattrHook
        : which === 'setattr'
          ? c.setattr
          : c.delattr;
  if (known !== undefined) return known;
  let r: ObjectId | null;
  if (which === 'getattrHook') r = vm.lookupType(type, '__getattr__') ?? null;
  else {
    const name = which === 'getattribute' ? '__getattribute__' : which === 'setattr' ? '__setattr__' : '__delattr__';
    const f = vm.lookupType(type, name);
    // object's slot, or type's for the instances of a metaclass: the generic path.
    r = f !== undefined && !vm.isNativeOf(f, vm.T.object) && !vm.isNativeOf(f, vm.T.type) ? f : null;
  }
  if (which === 'getattribute') c.getattribute = r;
  else if (which === 'getattrHook') c.getattrHook = r;
  else if (which === 'setattr') c.setattr = r;
  else c.delattr = r;
  return r;
}

function lookupUncached(vm: VM, type: ObjectId, name: string): ObjectId | undefined {
  const tv = vm.value(type) as TypeValue;
  for (const t of tv.mro) {
    const v = vm.value(t) as TypeValue;
    if (v.heap || v.dictMade) {
      const found = vm.dictGetStr(v.dict, name);
      if (found !== undefined) return found;
      if (v.heap) continue;
    }
    const native = vm.nativeMember(t, name);
    if (native !== undefined) return native;
  }
  return undefined;
}

P.attributeError = function (this: VM, obj, name) {
  const v = this.value(obj);
  if (v.t === 'type') return this.pyErr('AttributeError', `type object '${v.name}' has no attribute '${name}'`);
  if (v.t === 'module') return this.pyErr('AttributeError', `module '${v.name}' has no attribute '${name}'`);
  return this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
};

P.hasDescrGet = function (this: VM, descr) {
  const v = this.value(descr);
  switch (v.t) {
    case 'function':
    case 'property':
    case 'staticmethod':
    case 'classmethod':
      return true;
    case 'descriptor':
      return true;
    default: {
      const tv = this.typeValue(v.type);
      if (!tv.heap) return tv.slots.descrGet !== undefined;
      return this.lookupType(v.type, '__get__') !== undefined;
    }
  }
};

P.isDataDescr = function (this: VM, descr) {
  const v = this.value(descr);
  switch (v.t) {
    case 'property':
      return true;
    case 'descriptor':
      return v.kind === 'getset' || v.kind === 'member';
    case 'function':
    case 'staticmethod':
    case 'classmethod':
      return false;
    default: {
      const tv = this.typeValue(v.type);
      if (!tv.heap) return tv.slots.descrSet !== undefined;
      return this.lookupType(v.type, '__set__') !== undefined || this.lookupType(v.type, '__delete__') !== undefined;
    }
  }
};

P.descrGet = function (this: VM, descr, obj, type, out) {
  const v = this.value(descr);
  switch (v.t) {
    case 'function':
      if (obj === undefined || obj === this.statics.none) return this.ret(descr, out);
      return this.newMethod(descr, obj, out);
    case 'staticmethod':
      if (v.func === undefined) throw this.pyErr('RuntimeError', 'uninitialized staticmethod object');
      return this.ret(v.func, out);
    case 'classmethod':
      if (v.func === undefined) throw this.pyErr('RuntimeError', 'uninitialized classmethod object');
      return this.newMethod(v.func, type, out);
    case 'property':
      if (obj === undefined) return this.ret(descr, out);
      if (v.fget === undefined) {
        throw this.pyErr(
          'AttributeError',
          `property ${this.propertyName(descr)}of '${this.typeName(obj)}' object has no getter`,
        );
      }
      return this.call(v.fget, [obj], undefined, out);
    case 'descriptor':
      return this.nativeDescrGet(descr, obj, type, out);
    default: {
      const tv = this.typeValue(v.type);
      if (!tv.heap && tv.slots.descrGet !== undefined) return tv.slots.descrGet(this, descr, obj, type, out);
      const get = this.lookupType(v.type, '__get__');
      if (get === undefined) return this.ret(descr, out);
      return this.callUnbound(get, descr, [obj ?? this.statics.none, type], out);
    }
  }
};

/** The instance's attribute namespace: managed values, or the materialised __dict__. */
P.instanceAttr = function (this: VM, obj, name) {
  const v = this.values.get(obj);
  if (v === undefined) return undefined;
  if (v.dict !== undefined) return this.mappingGetStr(v.dict, name);
  return v.attrs?.get(name);
};

P.getAttrOpt = function (this: VM, obj, name, out) {
  try {
    // _PyObject_LookupAttr: the AttributeError is dropped, so it is not augmented.
    return getAttrRaw.call(this, obj, name, out);
  } catch (e) {
    if (e instanceof PyRaise && this.isInstanceOf(e.exc, this.typeByName.get('AttributeError') as ObjectId)) {
      this.clearRaise(e);
      return undefined;
    }
    throw e;
  }
};

P.hasAttr = function (this: VM, obj, name) {
  const r = this.getAttrOpt(obj, name, C_TEMP);
  if (r === undefined) return false;
  this.rt.decref(r, C_TEMP);
  return true;
};

/** tp_getattro without PyObject_GetAttr's augmenting of the AttributeError. */
function getAttrRaw(this: VM, obj: ObjectId, name: string, out: Holder): ObjectId {
  const v = this.value(obj);
  const type = v.type;
  const tv = this.value(type) as TypeValue;
  if (tv.heap) {
    // slot_tp_getattr_hook: __getattribute__ (when overridden), then __getattr__ on AttributeError.
    const getattribute = pythonSpecial(this, type, tv, 'getattribute');
    const custom = getattribute !== null;
    const hook = pythonSpecial(this, type, tv, 'getattrHook') ?? undefined;
    // The inherited tp_getattro: type_getattro for a class whose metaclass is a class statement's.
    const base = (): ObjectId => {
      if (v.t !== 'type') return genericGetAttr(this, obj, v, type, name, out);
      const r = this.typeGetAttr(obj, name, out);
      if (r === undefined) throw this.attributeError(obj, name);
      return r;
    };
    if (!custom && hook === undefined) return base();
    const n = this.internStr(name, C_TEMP);
    try {
      if (!custom) {
        try {
          return base();
        } catch (e) {
          if (!(e instanceof PyRaise) || !this.isInstanceOf(e.exc, this.typeByName.get('AttributeError') as ObjectId))
            throw e;
          this.clearRaise(e);
        }
      } else {
        try {
          return this.callUnbound(getattribute, obj, [n], out);
        } catch (e) {
          if (
            hook === undefined ||
            !(e instanceof PyRaise) ||
            !this.isInstanceOf(e.exc, this.typeByName.get('AttributeError') as ObjectId)
          )
            throw e;
          this.clearRaise(e);
        }
      }
      return this.callUnbound(hook as ObjectId, obj, [n], out);
    } finally {
      this.rt.decref(n, C_TEMP);
    }
  }
  if (tv.slots.getattr !== undefined) {
    const r = tv.slots.getattr(this, obj, name, out);
    if (r === undefined) throw this.attributeError(obj, name);
    return r;
  }
  return genericGetAttr(this, obj, v, type, name, out);
}

/**
 * set_attribute_error_context: an AttributeError leaving PyObject_GetAttr or
 * _PyObject_GetMethod gets the attribute's `name` and the `obj` (references), unless it
 * has either already, so that printing it can suggest a close name.
 */
function setAttributeErrorContext(vm: VM, e: unknown, obj: ObjectId, name: string): void {
  if (!(e instanceof PyRaise)) return;
  const ae = vm.typeByName.get('AttributeError') as ObjectId;
  if (!vm.isSubtype(vm.typeOf(e.exc), ae)) return;
  const has = (n: string): boolean => {
    const x = vm.instanceAttr(e.exc, n);
    return x !== undefined && x !== vm.statics.none;
  };
  if (has('name') || has('obj')) return;
  vm.setInstanceAttr(e.exc, 'name', vm.internStr(name, C_TEMP), C_TEMP, 'move');
  vm.setInstanceAttr(e.exc, 'obj', obj, C_TEMP, 'copy');
}

P.getAttr = function (this: VM, obj, name, out) {
  try {
    return getAttrRaw.call(this, obj, name, out);
  } catch (e) {
    setAttributeErrorContext(this, e, obj, name);
    throw e;
  }
};

/** PyObject_GenericGetAttr. */
function genericGetAttr(vm: VM, obj: ObjectId, v: PyValue, type: ObjectId, name: string, out: Holder): ObjectId {
  const descr = vm.lookupType(type, name);
  let hasGet = false;
  if (descr !== undefined) {
    hasGet = vm.hasDescrGet(descr);
    if (hasGet && vm.isDataDescr(descr)) return vm.descrGet(descr, obj, type, out);
  }
  if (v.dict !== undefined || v.attrs !== undefined) {
    const own = v.dict !== undefined ? vm.mappingGetStr(v.dict, name) : v.attrs?.get(name);
    if (own !== undefined) return vm.ret(own, out);
  }
  if (descr !== undefined) {
    if (hasGet) return vm.descrGet(descr, obj, type, out);
    return vm.ret(descr, out);
  }
  throw vm.attributeError(obj, name);
}

P.loadMethod = function (this: VM, obj, name, out) {
  try {
    return loadMethodRaw.call(this, obj, name, out);
  } catch (e) {
    setAttributeErrorContext(this, e, obj, name);
    throw e;
  }
};

function loadMethodRaw(this: VM, obj: ObjectId, name: string, out: Holder): ObjectId {
  this.methodFound = false;
  const v = this.value(obj);
  const type = v.type;
  const tv = this.value(type) as TypeValue;
  if (v.t === 'type') return this.getAttr(obj, name, out);
  const generic = tv.heap
    ? pythonSpecial(this, type, tv, 'getattrHook') === null && pythonSpecial(this, type, tv, 'getattribute') === null
    : tv.slots.getattr === undefined;
  if (!generic) return getAttrRaw.call(this, obj, name, out);
  const descr = this.lookupType(type, name);
  let hasGet = false;
  let isMethod = false;
  if (descr !== undefined) {
    const dv = this.value(descr);
    if (dv.t === 'function' || (dv.t === 'descriptor' && dv.kind === 'method')) isMethod = true;
    else {
      hasGet = this.hasDescrGet(descr);
      if (hasGet && this.isDataDescr(descr)) return this.descrGet(descr, obj, type, out);
    }
  }
  if (v.dict !== undefined || v.attrs !== undefined) {
    const own = v.dict !== undefined ? this.mappingGetStr(v.dict, name) : v.attrs?.get(name);
    if (own !== undefined) return this.ret(own, out);
  }
  if (isMethod) {
    this.methodFound = true;
    return this.ret(descr as ObjectId, out);
  }
  if (descr !== undefined) {
    if (hasGet) return this.descrGet(descr, obj, type, out);
    return this.ret(descr, out);
  }
  throw this.attributeError(obj, name);
}

P.methodFound = false;

P.lookupSpecial = function (this: VM, obj, name, out) {
  const type = this.typeOf(obj);
  const descr = this.lookupType(type, name);
  if (descr === undefined) return undefined;
  if (this.hasDescrGet(descr)) return this.descrGet(descr, obj, type, out);
  return this.ret(descr, out);
};

P.callMethod = function (this: VM, obj, name, args, out) {
  const meth = this.loadMethod(obj, name, C_TEMP);
  const found = this.methodFound;
  try {
    return found ? this.call(meth, [obj, ...args], undefined, out) : this.call(meth, args, undefined, out);
  } finally {
    this.rt.decref(meth, C_TEMP);
  }
};

P.setAttr = function (this: VM, obj, name, value) {
  const v = this.value(obj);
  const type = v.type;
  const tv = this.value(type) as TypeValue;
  if (tv.heap) {
    const setattr = pythonSpecial(this, type, tv, 'setattr');
    if (setattr !== null) {
      const n = this.internStr(name, C_TEMP);
      try {
        this.rt.decref(this.callUnbound(setattr, obj, [n, value], C_TEMP), C_TEMP);
      } finally {
        this.rt.decref(n, C_TEMP);
      }
      return;
    }
  }
  if (tv.slots.setattr !== undefined) {
    tv.slots.setattr(this, obj, name, value);
    return;
  }
  genericSetAttr(this, obj, v, type, name, value);
};

P.delAttr = function (this: VM, obj, name) {
  const v = this.value(obj);
  const type = v.type;
  const tv = this.value(type) as TypeValue;
  if (tv.heap) {
    const delattr = pythonSpecial(this, type, tv, 'delattr');
    if (delattr !== null) {
      const n = this.internStr(name, C_TEMP);
      try {
        this.rt.decref(this.callUnbound(delattr, obj, [n], C_TEMP), C_TEMP);
      } finally {
        this.rt.decref(n, C_TEMP);
      }
      return;
    }
  }
  if (tv.slots.setattr !== undefined) {
    tv.slots.setattr(this, obj, name, undefined);
    return;
  }
  genericSetAttr(this, obj, v, type, name, undefined);
};

/** _PyObject_GenericSetAttrWithDict: a data descriptor's __set__, else the instance's namespace. */
function genericSetAttr(
  vm: VM,
  obj: ObjectId,
  v: PyValue,
  type: ObjectId,
  name: string,
  value: ObjectId | undefined,
): void {
  const descr = vm.lookupType(type, name);
  if (descr !== undefined && vm.isDataDescr(descr)) {
    vm.descrSet(descr, obj, value);
    return;
  }
  const tv = vm.value(type) as TypeValue;
  if (v.dict === undefined && v.attrs === undefined && !tv.hasDict) {
    if (descr === undefined) {
      throw vm.pyErr('AttributeError', `'${tv.name}' object has no attribute '${name}'`);
    }
    throw vm.pyErr('AttributeError', `'${tv.name}' object attribute '${name}' is read-only`);
  }
  if (value === undefined) {
    if (!vm.delInstanceAttr(obj, name)) throw vm.attributeError(obj, name);
    return;
  }
  vm.setInstanceAttr(obj, name, value, C_TEMP, 'copy');
}

P.setInstanceAttr = function (this: VM, obj, name, value, from, how) {
  const v = this.value(obj);
  if (v.dict !== undefined) {
    this.mappingSetStr(v.dict, name, value);
    if (how === 'move') this.rt.decref(value, from);
    return;
  }
  const attrs = (v.attrs ??= new Map());
  const slot = attrSlot(name);
  const old = attrs.get(name);
  attrs.set(name, value);
  if (old === undefined) {
    // A new attribute name joins the class's shared keys while they have room.
    const keys = this.sharedKeys(v.type);
    if (!keys.names.has(name) && keys.usable > 0) {
      keys.names.add(name);
      keys.usable -= 1;
    }
    if (how === 'move') this.rt.moveToRef(value, from, obj, slot);
    else this.rt.increfRef(value, obj, slot);
    return;
  }
  // The new value takes the old one's place, so the instance releases its attributes in order.
  const at = refIndex(this, obj, slot, old);
  if (how === 'move') this.rt.moveToRef(value, from, obj, slot, at < 0 ? undefined : at);
  else this.rt.increfRef(value, obj, slot, at < 0 ? undefined : at);
  this.rt.decrefRef(old, obj, slot, at < 0 ? undefined : at + 1);
};

P.delInstanceAttr = function (this: VM, obj, name) {
  const v = this.value(obj);
  if (v.dict !== undefined) return this.mappingDelStr(v.dict, name);
  const old = v.attrs?.get(name);
  if (old === undefined) return false;
  v.attrs?.delete(name);
  this.rt.decrefRef(old, obj, attrSlot(name));
  return true;
};

/** The position (among the references present) where `owner` holds `id` in `slot` (the last such reference), or -1. */
function refIndex(vm: VM, owner: ObjectId, slot: string, id: ObjectId): number {
  const refs = vm.rt.object(owner).refs;
  for (let i = refs.length - 1; i >= 0; i--) {
    const r = refs[i];
    if (r !== undefined && r.to === id && r.slot === slot) return positionOfSlot(refs, i);
  }
  return -1;
}

P.instanceDict = function (this: VM, obj) {
  const v = this.value(obj);
  if (v.dict !== undefined) return v.dict;
  if (v.attrs === undefined && !this.typeValue(v.type).hasDict) return undefined;
  // make_dict_from_instance_attributes: the managed values move into a new dict object.
  const d = this.newDict(C_TEMP);
  const attrs = v.attrs;
  if (attrs !== undefined) {
    for (const [k, val] of attrs) this.dictSetStr(d, k, val, C_TEMP, 'copy');
    for (const [k, val] of [...attrs]) {
      attrs.delete(k);
      this.rt.decrefRef(val, obj, attrSlot(k));
    }
  }
  delete v.attrs;
  v.dict = d;
  this.rt.moveToRef(d, C_TEMP, obj, '__dict__');
  if (this.rt.object(d).gen < 0) this.rt.track(d);
  return d;
};

declare module './vm.js' {
  interface VM {
    /** The shared-keys geometry of a class (3.11 starts with 30 usable entries). */
    sharedKeys(type: ObjectId): { names: Set<string>; usable: number };
    /** `descr` is the native member of built-in type `owner` (object.__setattr__ ...). */
    isNativeOf(descr: ObjectId | undefined, owner: ObjectId): boolean;
    /** Call `func` found on a type with `self` first (slot_* calls: no bound method made). */
    callUnbound(
      func: ObjectId,
      self: ObjectId,
      args: readonly ObjectId[],
      out: Holder,
      kwnames?: readonly string[],
    ): ObjectId;
    descrSet(descr: ObjectId, obj: ObjectId, value: ObjectId | undefined): void;
    /** The Python-visible name of a property for its error messages ("'x' " or ""). */
    propertyName(descr: ObjectId): string;
  }
}

P.sharedKeys = function (this: VM, type) {
  const tv = this.typeValue(type);
  return (tv.sharedKeys ??= { names: new Set(), usable: 30 });
};

P.isNativeOf = function (this: VM, descr, owner) {
  if (descr === undefined) return true;
  const v = this.value(descr);
  if (v.t === 'descriptor') return v.owner === owner;
  if (v.t === 'staticmethod' && v.func !== undefined) {
    const f = this.value(v.func);
    return f.t === 'builtin' && f.owner === owner;
  }
  return false;
};

P.callUnbound = function (this: VM, func, self, args, out, kwnames) {
  const v = this.value(func);
  if (v.t === 'function' || (v.t === 'descriptor' && v.kind === 'method'))
    return this.call(func, [self, ...args], kwnames, out);
  const bound = this.descrGet(func, self, this.typeOf(self), C_TEMP);
  try {
    return this.call(bound, args, kwnames, out);
  } finally {
    this.rt.decref(bound, C_TEMP);
  }
};

P.descrSet = function (this: VM, descr, obj, value) {
  const v = this.value(descr);
  if (v.t === 'property') {
    const f = value === undefined ? v.fdel : v.fset;
    if (f === undefined) {
      throw this.pyErr(
        'AttributeError',
        `property ${this.propertyName(descr)}of '${this.typeName(obj)}' object has no ${value === undefined ? 'deleter' : 'setter'}`,
      );
    }
    const r =
      value === undefined ? this.call(f, [obj], undefined, C_TEMP) : this.call(f, [obj, value], undefined, C_TEMP);
    this.rt.decref(r, C_TEMP);
    return;
  }
  if (v.t === 'descriptor') {
    this.nativeDescrSet(descr, obj, value);
    return;
  }
  const tv = this.typeValue(v.type);
  if (!tv.heap && tv.slots.descrSet !== undefined) {
    tv.slots.descrSet(this, descr, obj, value);
    return;
  }
  const name = value === undefined ? '__delete__' : '__set__';
  const f = this.lookupType(v.type, name);
  if (f === undefined) throw this.pyErr('AttributeError', name);
  const r =
    value === undefined ? this.callUnbound(f, descr, [obj], C_TEMP) : this.callUnbound(f, descr, [obj, value], C_TEMP);
  this.rt.decref(r, C_TEMP);
};

P.propertyName = function (this: VM, descr) {
  const v = this.value(descr);
  if (v.t !== 'property' || v.name === undefined) return '';
  return `${this.reprText(v.name)} `;
};

P.genericGetAttr = function (this: VM, obj, name, out) {
  const v = this.value(obj);
  return genericGetAttr(this, obj, v, v.type, name, out);
};

P.genericSetAttr = function (this: VM, obj, name, value) {
  const v = this.value(obj);
  genericSetAttr(this, obj, v, v.type, name, value);
};
