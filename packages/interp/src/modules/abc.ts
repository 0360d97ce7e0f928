/*
 * _abc
 * ====
 * The C accelerator of Lib/abc.py's ABCMeta. Every abstract class gets an `_abc_data`
 * object (`cls._abc_impl`, 64 bytes, GC-tracked) holding up to three sets made on first
 * use: the registry of virtual subclasses, the cache of known subclasses and the negative
 * cache. Each set holds weak references to classes, each weak reference with a callback
 * (a built-in method `_destroy` bound to a weak reference to the set) that drops the entry
 * when the class dies. `isinstance` and `issubclass` against an ABC reach
 * `_abc_instancecheck` / `_abc_subclasscheck` through ABCMeta's `__instancecheck__` and
 * `__subclasscheck__`: caches first, then `__subclasshook__`, the MRO, the registry and
 * the subclasses, caching the answer. Registering a class invalidates every negative cache
 * (the module's invalidation counter, `get_cache_token()`).
 *
 * `_abc_init` also computes `__abstractmethods__` (a frozenset of the names whose values
 * have a true `__isabstractmethod__`, own or inherited and not overridden); object.__new__
 * refuses to instantiate a class whose set is not empty.
 *
 * Source: Modules/_abc.c (3.11: _abc__abc_init, compute_abstract_methods, _add_to_weak_set,
 * _in_weak_set, _destroy, _abc__abc_register, _abc__abc_instancecheck,
 * _abc__abc_subclasscheck, subclasscheck_check_registry, _abc__get_dump,
 * _abc__reset_registry, _abc__reset_caches, _abc_get_cache_token).
 */
import { weakrefReferent, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import type { TypeValue } from '../vm/values.js';
import { cdata, newCObject } from './cobject.js';

/** Py_TPFLAGS_SEQUENCE and Py_TPFLAGS_MAPPING. */
const TPFLAGS_SEQUENCE = 1n << 5n;
const TPFLAGS_MAPPING = 1n << 6n;

interface AbcData {
  registry: ObjectId | undefined;
  cache: ObjectId | undefined;
  negative_cache: ObjectId | undefined;
  negativeVersion: bigint;
}

/** The module state's invalidation counter, per VM. */
const counters = new WeakMap<VM, bigint>();
const counter = (vm: VM): bigint => counters.get(vm) ?? 0n;

/** _get_impl: cls._abc_impl, which must be an _abc_data. */
function impl(vm: VM, self: ObjectId): { id: ObjectId; data: AbcData } {
  const id = vm.getAttr(self, '_abc_impl', C_TEMP);
  vm.rt.decref(id, C_TEMP);
  if (vm.typeOf(id) !== vm.typeByName.get('_abc._abc_data')) throw vm.typeError('_abc_impl is set to a wrong type');
  return { id, data: cdata<AbcData>(vm, id) };
}

/** _destroy(setweakref, objweakref): the dead class's weak reference leaves the set. */
const destroy: Native = (vm, args, _kw, out) => {
  const [setRef, objRef] = args as [ObjectId, ObjectId];
  const set = weakrefReferent(vm.rt.state, setRef);
  if (set !== undefined) {
    vm.rt.incref(set, C_TEMP);
    try {
      vm.setDiscard(set, objRef);
    } finally {
      vm.rt.decref(set, C_TEMP);
    }
  }
  return vm.none(out);
};

/** _add_to_weak_set: a weak reference to `obj` (with the `_destroy` callback) in the set, made on first use. */
function addToWeakSet(
  vm: VM,
  owner: ObjectId,
  data: AbcData,
  field: 'registry' | 'cache' | 'negative_cache',
  obj: ObjectId,
): void {
  if (data[field] === undefined) {
    const s = vm.newSet(C_TEMP, false);
    data[field] = s;
    vm.rt.moveToRef(s, C_TEMP, owner, field);
  }
  const set = data[field];
  const wr = vm.call(vm.T.weakref, [set], undefined, C_TEMP);
  let cb: ObjectId;
  try {
    cb = vm.newBuiltinMethod('_destroy', '_destroy', destroy, wr, C_TEMP);
  } finally {
    vm.rt.decref(wr, C_TEMP);
  }
  let ref: ObjectId;
  try {
    ref = vm.call(vm.T.weakref, [obj, cb], undefined, C_TEMP);
  } finally {
    vm.rt.decref(cb, C_TEMP);
  }
  try {
    vm.setAdd(set, ref);
  } finally {
    vm.rt.decref(ref, C_TEMP);
  }
}

/** _in_weak_set: a weak reference to `obj` is in the set (no weak reference possible: no). */
function inWeakSet(vm: VM, set: ObjectId | undefined, obj: ObjectId): boolean {
  if (set === undefined || vm.setOrder(set).length === 0) return false;
  let ref: ObjectId;
  try {
    ref = vm.call(vm.T.weakref, [obj], undefined, C_TEMP);
  } catch (e) {
    if (vm.raised(e, 'TypeError')) {
      vm.clearRaise(e);
      return false;
    }
    throw e;
  }
  try {
    return vm.contains(set, ref);
  } finally {
    vm.rt.decref(ref, C_TEMP);
  }
}

/** set_collection_flag_recursive: a registered class (and its subclasses) matches as a sequence or mapping. */
function setCollectionFlag(vm: VM, type: ObjectId, flag: 'sequence' | 'mapping'): void {
  const tv = vm.typeValue(type) as TypeValue & { matchFlag?: 'sequence' | 'mapping' };
  if (!tv.heap || tv.matchFlag !== undefined) return;
  tv.matchFlag = flag;
  for (const sub of vm.subclassesOf(type)) setCollectionFlag(vm, sub, flag);
}

/** _PyObject_IsAbstract: getattr(obj, '__isabstractmethod__', False) is true. */
function isAbstract(vm: VM, obj: ObjectId): boolean {
  const r = vm.getAttrOpt(obj, '__isabstractmethod__', C_TEMP);
  if (r === undefined) return false;
  try {
    return vm.truthy(r);
  } finally {
    vm.rt.decref(r, C_TEMP);
  }
}

/** compute_abstract_methods: the names abstract in the class or inherited and still abstract. */
function computeAbstractMethods(vm: VM, self: ObjectId): void {
  const abstracts = vm.newSet(C_TEMP, true);
  try {
    const ns = vm.getAttr(self, '__dict__', C_TEMP);
    try {
      const items = vm.callMethod(ns, 'items', [], C_TEMP);
      try {
        for (const item of vm.iterateToArray(items, C_TEMP)) {
          try {
            const [key, value] = vm.as(item, 'tuple').items as [ObjectId, ObjectId];
            if (isAbstract(vm, value)) vm.setAdd(abstracts, key);
          } finally {
            vm.rt.decref(item, C_TEMP);
          }
        }
      } finally {
        vm.rt.decref(items, C_TEMP);
      }
    } finally {
      vm.rt.decref(ns, C_TEMP);
    }
    const bases = vm.getAttr(self, '__bases__', C_TEMP);
    try {
      if (vm.value(bases).t !== 'tuple') throw vm.typeError('__bases__ is not tuple');
      for (const base of [...vm.as(bases, 'tuple').items]) {
        const baseAbstracts = vm.getAttrOpt(base, '__abstractmethods__', C_TEMP);
        if (baseAbstracts === undefined) continue;
        let keys: ObjectId[];
        try {
          keys = vm.iterateToArray(baseAbstracts, C_TEMP);
        } finally {
          vm.rt.decref(baseAbstracts, C_TEMP);
        }
        for (const key of keys) {
          try {
            const value = vm.value(key).t === 'str' ? vm.getAttrOpt(self, vm.as(key, 'str').v, C_TEMP) : undefined;
            if (value === undefined) continue;
            try {
              if (isAbstract(vm, value)) vm.setAdd(abstracts, key);
            } finally {
              vm.rt.decref(value, C_TEMP);
            }
          } finally {
            vm.rt.decref(key, C_TEMP);
          }
        }
      }
    } finally {
      vm.rt.decref(bases, C_TEMP);
    }
    vm.setAttr(self, '__abstractmethods__', abstracts);
  } finally {
    vm.rt.decref(abstracts, C_TEMP);
  }
}

function newAbcData(vm: VM, out: Holder): ObjectId {
  return newCObject<AbcData>(
    vm,
    vm.typeByName.get('_abc._abc_data') as ObjectId,
    '_abc._abc_data',
    64,
    { registry: undefined, cache: undefined, negative_cache: undefined, negativeVersion: counter(vm) },
    [],
    out,
    { holdsType: true },
  );
}

const oneArg = (vm: VM, name: string, args: readonly ObjectId[], n: number): void => {
  if (args.length !== n) throw vm.typeError(`${name} expected ${n} argument${n === 1 ? '' : 's'}, got ${args.length}`);
};

/** The bool the Python code asked: `obj.method(arg)` made true or false. */
function callBool(vm: VM, obj: ObjectId, method: string, arg: ObjectId): boolean {
  const r = vm.callMethod(obj, method, [arg], C_TEMP);
  try {
    return vm.truthy(r);
  } finally {
    vm.rt.decref(r, C_TEMP);
  }
}

function subclassCheck(vm: VM, self: ObjectId, subclass: ObjectId): boolean {
  if (vm.value(subclass).t !== 'type') throw vm.typeError('issubclass() arg 1 must be a class');
  const { id, data } = impl(vm, self);
  // 1. The cache.
  if (inWeakSet(vm, data.cache, subclass)) return true;
  // 2. The negative cache, invalidated by a registration since.
  const now = counter(vm);
  if (data.negativeVersion < now) {
    if (data.negative_cache !== undefined) setClear(vm, data.negative_cache);
    data.negativeVersion = now;
  } else if (inWeakSet(vm, data.negative_cache, subclass)) return false;
  // 3. The subclass hook.
  const ok = vm.callMethod(self, '__subclasshook__', [subclass], C_TEMP);
  try {
    if (ok === vm.statics.true) {
      addToWeakSet(vm, id, data, 'cache', subclass);
      return true;
    }
    if (ok === vm.statics.false) {
      addToWeakSet(vm, id, data, 'negative_cache', subclass);
      return false;
    }
    if (ok !== vm.notImplementedId)
      throw vm.pyErr('AssertionError', '__subclasshook__ must return either False, True, or NotImplemented');
  } finally {
    vm.rt.decref(ok, C_TEMP);
  }
  // 4. A direct subclass.
  if (vm.typeValue(subclass).mro.includes(self)) {
    addToWeakSet(vm, id, data, 'cache', subclass);
    return true;
  }
  // 5. A subclass of a registered class.
  if (inWeakSet(vm, data.registry, subclass)) return true;
  if (data.registry !== undefined) {
    const copy = [...vm.setOrder(data.registry)];
    for (const r of copy) vm.rt.incref(r, C_TEMP);
    try {
      for (const r of copy) {
        if (vm.value(r).t !== 'weakref') throw vm.typeError('not a weakref');
        const rkey = weakrefReferent(vm.rt.state, r);
        if (rkey === undefined) continue;
        vm.rt.incref(rkey, C_TEMP);
        let hit: boolean;
        try {
          hit = vm.objectIsSubclass(subclass, rkey);
        } finally {
          vm.rt.decref(rkey, C_TEMP);
        }
        if (hit) {
          addToWeakSet(vm, id, data, 'cache', subclass);
          return true;
        }
      }
    } finally {
      for (const r of copy) vm.rt.decref(r, C_TEMP);
    }
  }
  // 6. A subclass of a subclass.
  const subclasses = vm.callMethod(self, '__subclasses__', [], C_TEMP);
  try {
    if (vm.value(subclasses).t !== 'list') throw vm.typeError('__subclasses__() must return a list');
    for (const scls of [...vm.as(subclasses, 'list').items]) {
      vm.rt.incref(scls, C_TEMP);
      let hit: boolean;
      try {
        hit = vm.objectIsSubclass(subclass, scls);
      } finally {
        vm.rt.decref(scls, C_TEMP);
      }
      if (hit) {
        addToWeakSet(vm, id, data, 'cache', subclass);
        return true;
      }
    }
  } finally {
    vm.rt.decref(subclasses, C_TEMP);
  }
  addToWeakSet(vm, id, data, 'negative_cache', subclass);
  return false;
}

/** PySet_Clear. */
function setClear(vm: VM, set: ObjectId): void {
  vm.rt.decref(vm.callMethod(set, 'clear', [], C_TEMP), C_TEMP);
}

const setCopy = (vm: VM, s: ObjectId | undefined): ObjectId => {
  const copy = vm.newSet(C_TEMP, false);
  if (s !== undefined) for (const x of vm.setOrder(s)) vm.setAdd(copy, x);
  return copy;
};

const abcFunctions: Record<string, Native> = {
  get_cache_token: (vm, _args, _kw, out) => vm.newInt(counter(vm), out),
  _abc_init: (vm, args, _kw, out) => {
    oneArg(vm, '_abc_init', args, 1);
    const self = args[0] as ObjectId;
    computeAbstractMethods(vm, self);
    const data = newAbcData(vm, C_TEMP);
    try {
      vm.setAttr(self, '_abc_impl', data);
    } finally {
      vm.rt.decref(data, C_TEMP);
    }
    const sv = vm.value(self);
    if (sv.t === 'type' && sv.heap) {
      const flags = vm.dictGetStr(sv.dict, '__abc_tpflags__');
      if (flags !== undefined) {
        const fv = vm.value(flags);
        if (fv.t === 'int' && fv.type === vm.T.int) {
          const both = TPFLAGS_SEQUENCE | TPFLAGS_MAPPING;
          if ((fv.v & both) === both)
            throw vm.typeError('__abc_tpflags__ cannot be both Py_TPFLAGS_SEQUENCE and Py_TPFLAGS_MAPPING');
          const tv = sv as TypeValue & { matchFlag?: 'sequence' | 'mapping' };
          if ((fv.v & TPFLAGS_SEQUENCE) !== 0n) tv.matchFlag = 'sequence';
          else if ((fv.v & TPFLAGS_MAPPING) !== 0n) tv.matchFlag = 'mapping';
        }
        vm.dictDelStr(sv.dict, '__abc_tpflags__');
        vm.typeModified(self);
      }
    }
    return vm.none(out);
  },
  _abc_register: (vm, args, _kw, out) => {
    oneArg(vm, '_abc_register', args, 2);
    const [self, subclass] = args as [ObjectId, ObjectId];
    if (vm.value(subclass).t !== 'type') throw vm.typeError('Can only register classes');
    if (vm.objectIsSubclass(subclass, self)) return vm.ret(subclass, out);
    if (vm.objectIsSubclass(self, subclass)) throw vm.pyErr('RuntimeError', 'Refusing to create an inheritance cycle');
    const { id, data } = impl(vm, self);
    addToWeakSet(vm, id, data, 'registry', subclass);
    counters.set(vm, counter(vm) + 1n);
    const flag = (vm.value(self) as TypeValue & { matchFlag?: 'sequence' | 'mapping' }).matchFlag;
    if (flag !== undefined) setCollectionFlag(vm, subclass, flag);
    return vm.ret(subclass, out);
  },
  _abc_instancecheck: (vm, args, _kw, out) => {
    oneArg(vm, '_abc_instancecheck', args, 2);
    const [self, instance] = args as [ObjectId, ObjectId];
    const { data } = impl(vm, self);
    const subclass = vm.getAttr(instance, '__class__', C_TEMP);
    try {
      if (inWeakSet(vm, data.cache, subclass)) return vm.bool(true, out);
      const subtype = vm.typeOf(instance);
      if (subtype === subclass) {
        if (data.negativeVersion === counter(vm) && inWeakSet(vm, data.negative_cache, subclass))
          return vm.bool(false, out);
        return vm.callMethod(self, '__subclasscheck__', [subclass], out);
      }
      if (callBool(vm, self, '__subclasscheck__', subclass)) return vm.bool(true, out);
      return vm.callMethod(self, '__subclasscheck__', [subtype], out);
    } finally {
      vm.rt.decref(subclass, C_TEMP);
    }
  },
  _abc_subclasscheck: (vm, args, _kw, out) => {
    oneArg(vm, '_abc_subclasscheck', args, 2);
    return vm.bool(subclassCheck(vm, args[0] as ObjectId, args[1] as ObjectId), out);
  },
  _get_dump: (vm, args, _kw, out) => {
    oneArg(vm, '_get_dump', args, 1);
    const { data } = impl(vm, args[0] as ObjectId);
    return vm.newTuple(
      [
        setCopy(vm, data.registry),
        setCopy(vm, data.cache),
        setCopy(vm, data.negative_cache),
        vm.newInt(data.negativeVersion, C_TEMP),
      ],
      out,
      C_TEMP,
    );
  },
  _reset_registry: (vm, args, _kw, out) => {
    oneArg(vm, '_reset_registry', args, 1);
    const { data } = impl(vm, args[0] as ObjectId);
    if (data.registry !== undefined) setClear(vm, data.registry);
    return vm.none(out);
  },
  _reset_caches: (vm, args, _kw, out) => {
    oneArg(vm, '_reset_caches', args, 1);
    const { data } = impl(vm, args[0] as ObjectId);
    if (data.cache !== undefined) setClear(vm, data.cache);
    if (data.negative_cache !== undefined) setClear(vm, data.negative_cache);
    return vm.none(out);
  },
};

registerBuiltinModule('_abc', (vm, _module, dict) => {
  vm.defineType({ name: '_abc_data', module: '_abc', base: vm.T.object, baseType: false });
  vm.addFunctions(dict, '_abc', abcFunctions);
});
