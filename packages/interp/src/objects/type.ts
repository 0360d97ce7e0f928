/*
 * type and object
 * ===============
 * Type objects: the static built-in types (their members made into descriptor objects
 * only when first looked up, as if PyType_Ready had made them at start-up: static,
 * uncounted), the heap types a class statement makes (type_new: the type object, its
 * namespace dict, `__bases__` and `__mro__` tuples, the `__dict__` and `__weakref__`
 * getset descriptors, shared keys for instances), calling a type (type_call: tp_new, then
 * tp_init), and `object`'s own members (object_new, object_init, the default repr, hash,
 * comparison and attribute methods).
 *
 * Source: Objects/typeobject.c (3.11): type_new and its helpers, PyType_Ready,
 * mro_implementation (C3), type_call, object_new, object_init, object_repr,
 * object_richcompare, type_repr, type_getattro; Objects/descrobject.c (method, class
 * method, getset and member descriptors; their tp_descr_get).
 *
 * Simplifications: a heap type's slots are not copied into a slot table; the protocol
 * functions look the special method up on the type (typeobject.c's slot_* functions do
 * the same lookup). `tp_subclasses` bookkeeping and `__init_subclass__`'s super object
 * are not simulated.
 */
import { FIXED_SIZES, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, PyRaise, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { npos } from '../vm/native.js';
import type { TypeSlots, CompareOp } from '../vm/typeSlots.js';
import type { NativeMember, PyValue, TypeValue } from '../vm/values.js';

export interface StaticTypeSpec {
  readonly name: string;
  /** `__module__` when not builtins. */
  readonly module?: string;
  readonly base?: ObjectId;
  readonly bases?: readonly ObjectId[];
  readonly layout?: string;
  readonly slots?: TypeSlots;
  readonly members?: Record<string, NativeMember>;
  /** Can be subclassed from Python (Py_TPFLAGS_BASETYPE). */
  readonly baseType?: boolean;
  readonly isException?: boolean;
  readonly hasDict?: boolean;
}

declare module '../vm/vm.js' {
  interface VM {
    /** A static built-in type. */
    defineType(spec: StaticTypeSpec, id?: ObjectId): ObjectId;
    /** The descriptor object of a static type's own member `name` (made on first ask), or undefined. */
    nativeMember(type: ObjectId, name: string): ObjectId | undefined;
    nativeDescrGet(descr: ObjectId, obj: ObjectId | undefined, type: ObjectId, out: Holder): ObjectId;
    nativeDescrSet(descr: ObjectId, obj: ObjectId, value: ObjectId | undefined): void;
    /** A static type's namespace as a dict object (made on first ask). */
    staticTypeDict(type: ObjectId): ObjectId;
    /** type(name, bases, ns): a new heap type owned by `out`. */
    /** type.__new__: `kw` are the class keywords (`class A(B, x=1)`), passed on to `__init_subclass__`. */
    newHeapType(
      meta: ObjectId,
      name: string,
      bases: readonly ObjectId[],
      ns: ObjectId,
      out: Holder,
      kw?: { readonly values: readonly ObjectId[]; readonly names: readonly string[] },
    ): ObjectId;
    /** type_call. */
    typeCall(type: ObjectId, args: readonly ObjectId[], kwnames: readonly string[] | undefined, out: Holder): ObjectId;
    /** object_new for a heap type: an instance with managed values, holding its type. */
    newInstance(type: ObjectId, out: Holder): ObjectId;
    /** A value for a new instance of `type` (a heap subtype of a built-in, or the built-in itself). */
    allocFor(
      type: ObjectId,
      staticName: string,
      kind: string,
      size: number,
      value: PyValue,
      out: Holder,
      opts?: { alloc?: number; track?: boolean },
    ): ObjectId;
    computeMro(type: ObjectId, bases: readonly ObjectId[]): ObjectId[];
    /** The solid built-in base of a type (the one whose layout instances have). */
    builtinBase(type: ObjectId): ObjectId;
  }
}

const P = VM.prototype;

/** Special-method names made from slots (slot wrappers), with how to call the slot. */
export function slotMembers(slots: TypeSlots): Record<string, NativeMember> {
  const m: Record<string, NativeMember> = {};
  const method = (fn: Native): NativeMember => ({ k: 'method', fn });
  if (slots.repr) {
    const repr = slots.repr;
    m.__repr__ = method((vm, a, _k, out) => vm.newStr(repr(vm, a[0] as ObjectId), out));
  }
  if (slots.str) {
    const str = slots.str;
    m.__str__ = method((vm, a, _k, out) => vm.newStr(str(vm, a[0] as ObjectId), out));
  }
  if (slots.hash && slots.unhashable !== true) {
    const hash = slots.hash;
    m.__hash__ = method((vm, a, _k, out) => vm.newInt(hash(vm, a[0] as ObjectId), out));
  }
  // tp_hash = PyObject_HashNotImplemented: the type's __hash__ is None.
  if (slots.unhashable === true) m.__hash__ = { k: 'value', make: (vm) => (vm as VM).statics.none };
  if (slots.compare) {
    const compare = slots.compare;
    const names: [string, CompareOp][] = [
      ['__lt__', '<'],
      ['__le__', '<='],
      ['__eq__', '=='],
      ['__ne__', '!='],
      ['__gt__', '>'],
      ['__ge__', '>='],
    ];
    for (const [name, op] of names) {
      m[name] = method((vm, a, _k, out) => {
        vm.checkArgs(name, a, 2, 2);
        const r = compare(vm, a[0] as ObjectId, a[1] as ObjectId, op);
        return r === undefined ? vm.notImplemented(out) : vm.bool(r, out);
      });
    }
  }
  if (slots.iter) {
    const iter = slots.iter;
    m.__iter__ = method((vm, a, _k, out) => iter(vm, a[0] as ObjectId, out));
  }
  if (slots.next) {
    const next = slots.next;
    m.__next__ = method((vm, a, _k, out) => {
      const r = next(vm, a[0] as ObjectId, out);
      if (r === undefined) throw vm.pyErr('StopIteration');
      return r;
    });
  }
  if (slots.len) {
    const len = slots.len;
    m.__len__ = method((vm, a, _k, out) => vm.newInt(BigInt(len(vm, a[0] as ObjectId)), out));
  }
  if (slots.getitem) {
    const getitem = slots.getitem;
    m.__getitem__ = method((vm, a, _k, out) => {
      vm.checkArgs('__getitem__', a, 2, 2);
      return getitem(vm, a[0] as ObjectId, a[1] as ObjectId, out);
    });
  }
  if (slots.setitem) {
    const setitem = slots.setitem;
    m.__setitem__ = method((vm, a, _k, out) => {
      vm.checkArgs('__setitem__', a, 3, 3);
      setitem(vm, a[0] as ObjectId, a[1] as ObjectId, a[2]);
      return vm.none(out);
    });
    m.__delitem__ = method((vm, a, _k, out) => {
      vm.checkArgs('__delitem__', a, 2, 2);
      setitem(vm, a[0] as ObjectId, a[1] as ObjectId, undefined);
      return vm.none(out);
    });
  }
  if (slots.contains) {
    const contains = slots.contains;
    m.__contains__ = method((vm, a, _k, out) => vm.bool(contains(vm, a[0] as ObjectId, a[1] as ObjectId), out));
  }
  if (slots.bool) {
    const bool = slots.bool;
    m.__bool__ = method((vm, a, _k, out) => vm.bool(bool(vm, a[0] as ObjectId), out));
  }
  if (slots.index) {
    const index = slots.index;
    m.__index__ = method((vm, a, _k, out) => vm.newInt(index(vm, a[0] as ObjectId), out));
  }
  if (slots.int) {
    const int = slots.int;
    m.__int__ = method((vm, a, _k, out) => vm.newInt(int(vm, a[0] as ObjectId), out));
  }
  if (slots.float) {
    const float = slots.float;
    m.__float__ = method((vm, a, _k, out) => vm.newFloat(float(vm, a[0] as ObjectId), out));
  }
  if (slots.call) {
    const call = slots.call;
    m.__call__ = method((vm, a, k, out) => call(vm, a[0] as ObjectId, a.slice(1), k, out));
  }
  if (slots.descrGet) {
    const get = slots.descrGet;
    m.__get__ = method((vm, a, _k, out) => {
      const obj = a[1];
      const type = a[2] ?? (obj !== undefined ? vm.typeOf(obj) : vm.statics.none);
      return get(vm, a[0] as ObjectId, obj === vm.statics.none ? undefined : obj, type, out);
    });
  }
  if (slots.descrSet) {
    const set = slots.descrSet;
    m.__set__ = method((vm, a, _k, out) => {
      set(vm, a[0] as ObjectId, a[1] as ObjectId, a[2]);
      return vm.none(out);
    });
    m.__delete__ = method((vm, a, _k, out) => {
      set(vm, a[0] as ObjectId, a[1] as ObjectId, undefined);
      return vm.none(out);
    });
  }
  const NUMBER_NAMES: Record<string, [string, string, string]> = {
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
  for (const [op, fn] of Object.entries(slots.number ?? {})) {
    const names = NUMBER_NAMES[op];
    if (names === undefined || fn === undefined) continue;
    m[names[0]] = method((vm, a, _k, out) => fn(vm, a[0] as ObjectId, a[1] as ObjectId, out) ?? vm.notImplemented(out));
    m[names[1]] = method((vm, a, _k, out) => fn(vm, a[1] as ObjectId, a[0] as ObjectId, out) ?? vm.notImplemented(out));
  }
  for (const [op, fn] of Object.entries(slots.inplace ?? {})) {
    const names = NUMBER_NAMES[op];
    if (names === undefined || fn === undefined) continue;
    m[names[2]] = method((vm, a, _k, out) => fn(vm, a[0] as ObjectId, a[1] as ObjectId, out) ?? vm.notImplemented(out));
  }
  if (slots.concat && !slots.number?.['+']) {
    const concat = slots.concat;
    m.__add__ = method((vm, a, _k, out) => concat(vm, a[0] as ObjectId, a[1] as ObjectId, out));
  }
  if (slots.repeat && !slots.number?.['*']) {
    const repeat = slots.repeat;
    const rep: Native = (vm, a, _k, out) => {
      const n = a[1] as ObjectId;
      if (!vm.hasIndex(n)) return vm.notImplemented(out);
      return repeat(vm, a[0] as ObjectId, vm.index(n), out);
    };
    m.__mul__ = method(rep);
    m.__rmul__ = method(rep);
  }
  for (const [op, fn] of Object.entries(slots.unary ?? {})) {
    const name = op === '-' ? '__neg__' : op === '+' ? '__pos__' : '__invert__';
    if (fn !== undefined) m[name] = method((vm, a, _k, out) => fn(vm, a[0] as ObjectId, out));
  }
  if (slots.init) {
    const init = slots.init;
    m.__init__ = method((vm, a, k, out) => {
      init(vm, a[0] as ObjectId, a.slice(1), k);
      return vm.none(out);
    });
  }
  if (slots.new) {
    const make = slots.new;
    m.__new__ = {
      k: 'staticmethod',
      fn: (vm, a, k, out) => {
        const type = a[0];
        if (type === undefined || vm.value(type).t !== 'type') {
          throw vm.typeError(
            `__new__(X): X is not a type object (${type === undefined ? 'NoneType' : vm.typeName(type)})`,
          );
        }
        return make(vm, type, a.slice(1), k, out);
      },
    };
  }
  return m;
}

P.defineType = function (this: VM, spec, id) {
  const bases = spec.bases ?? (spec.base !== undefined ? [spec.base] : []);
  const baseSlots = bases.length > 0 ? (this.value(bases[0] as ObjectId) as TypeValue).slots : {};
  const slots: TypeSlots = { ...baseSlots, ...(spec.slots ?? {}) };
  const own = { ...slotMembers(spec.slots ?? {}), ...(spec.members ?? {}) };
  const baseLayout = bases.length > 0 ? (this.value(bases[0] as ObjectId) as TypeValue).layout : 'object';
  const tv: TypeValue = {
    t: 'type',
    type: this.T.type ?? (0 as ObjectId),
    name: spec.name,
    qualname: spec.name,
    module: spec.module ?? 'builtins',
    bases: [...bases],
    mro: [],
    dict: 0 as ObjectId,
    dictMade: false,
    heap: false,
    layout: spec.layout ?? baseLayout,
    slots,
    natives: new Map(Object.entries(own)),
    nativeObjects: new Map(),
    slotNames: undefined,
    hasDict: spec.hasDict ?? false,
    hasWeakref: false,
    baseType: spec.baseType ?? true,
    isException: spec.isException ?? (bases.length > 0 && (this.value(bases[0] as ObjectId) as TypeValue).isException),
    version: 0,
    sharedKeys: undefined,
  };
  const type = id ?? this.staticObject('type', 'builtin', tv, 'static types', spec.name);
  if (id !== undefined) this.values.set(id, tv);
  tv.mro = [type];
  for (const b of bases) for (const m of (this.value(b) as TypeValue).mro) if (!tv.mro.includes(m)) tv.mro.push(m);
  this.typeByName.set(spec.module !== undefined ? `${spec.module}.${spec.name}` : spec.name, type);
  return type;
};

P.nativeMember = function (this: VM, type, name) {
  const tv = this.value(type) as TypeValue;
  const made = tv.nativeObjects?.get(name);
  if (made !== undefined) return made;
  const member = tv.natives?.get(name);
  if (member === undefined) return undefined;
  let id: ObjectId;
  const qual = `${tv.name}.${name}`;
  switch (member.k) {
    case 'method':
      id = this.staticObject(
        'method_descriptor',
        'builtin',
        { t: 'descriptor', type: this.T.method_descriptor, kind: 'method', name, owner: type, member },
        'static descriptors',
        qual,
      );
      break;
    case 'classmethod':
      id = this.staticObject(
        'classmethod_descriptor',
        'builtin',
        { t: 'descriptor', type: this.T.classmethod_descriptor, kind: 'classmethod', name, owner: type, member },
        'static descriptors',
        qual,
      );
      break;
    case 'staticmethod':
      id = this.staticObject(
        'builtin_function_or_method',
        'builtin',
        {
          t: 'builtin',
          type: this.T.builtin_function_or_method,
          name,
          qualname: qual,
          fn: member.fn,
          self: undefined,
          owner: type,
        },
        'static descriptors',
        qual,
      );
      // A static method is wrapped in a staticmethod object in the type's dict.
      id = this.staticObject(
        'staticmethod',
        'builtin',
        { t: 'staticmethod', type: this.T.staticmethod, func: id },
        'static descriptors',
        qual,
      );
      break;
    case 'getset':
      id = this.staticObject(
        'getset_descriptor',
        'builtin',
        { t: 'descriptor', type: this.T.getset_descriptor, kind: 'getset', name, owner: type, member },
        'static descriptors',
        qual,
      );
      break;
    case 'value':
      id = member.make(this);
      break;
  }
  tv.nativeObjects?.set(name, id);
  return id;
};

P.nativeDescrGet = function (this: VM, descr, obj, type, out) {
  const d = this.as(descr, 'descriptor');
  const member = d.member;
  switch (d.kind) {
    case 'method': {
      if (obj === undefined) return this.ret(descr, out);
      if (!this.isInstanceOf(obj, d.owner)) {
        throw this.typeError(
          `descriptor '${d.name}' for '${this.typeValue(d.owner).name}' objects doesn't apply to a '${this.typeName(obj)}' object`,
        );
      }
      if (member?.k !== 'method') throw new Error('method descriptor without a method');
      return this.newBuiltinMethod(d.name, `${this.typeValue(d.owner).name}.${d.name}`, member.fn, obj, out);
    }
    case 'classmethod': {
      if (member?.k !== 'classmethod') throw new Error('classmethod descriptor without a method');
      const cls = obj === undefined ? type : this.typeOf(obj);
      return this.newBuiltinMethod(d.name, `${this.typeValue(d.owner).name}.${d.name}`, member.fn, cls, out);
    }
    case 'getset': {
      if (obj === undefined) return this.ret(descr, out);
      if (member?.k !== 'getset') throw new Error('getset descriptor without a getter');
      const r = member.get(this, obj);
      this.rt.move(r, C_TEMP, out);
      return r;
    }
    case 'member': {
      if (obj === undefined) return this.ret(descr, out);
      const v = this.values.get(obj);
      const val = v?.attrs?.get(d.name);
      if (val === undefined)
        throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${d.name}'`);
      return this.ret(val, out);
    }
    default:
      return this.ret(descr, out);
  }
};

P.nativeDescrSet = function (this: VM, descr, obj, value) {
  const d = this.as(descr, 'descriptor');
  if (d.kind === 'member') {
    if (!this.isInstanceOf(obj, d.owner)) {
      throw this.typeError(
        `descriptor '${d.name}' for '${this.typeValue(d.owner).name}' objects doesn't apply to a '${this.typeName(obj)}' object`,
      );
    }
    if (value === undefined) {
      if (!this.delInstanceAttr(obj, d.name))
        throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${d.name}'`);
    } else this.setInstanceAttr(obj, d.name, value, C_TEMP, 'copy');
    return;
  }
  const member = d.member;
  if (d.kind !== 'getset' || member?.k !== 'getset' || member.set === undefined) {
    throw this.pyErr(
      'AttributeError',
      `attribute '${d.name}' of '${this.typeValue(d.owner).name}' objects is not writable`,
    );
  }
  member.set(this, obj, value);
};

P.staticTypeDict = function (this: VM, type) {
  const tv = this.value(type) as TypeValue;
  if (tv.heap || tv.dictMade) return tv.dict;
  const d = this.newDict({ kind: 'root', name: 'static type dicts' });
  for (const name of tv.natives?.keys() ?? []) {
    const m = this.nativeMember(type, name);
    if (m !== undefined) this.dictSetStr(d, name, m, C_TEMP, 'copy');
  }
  if (this.dictGetStr(d, '__doc__') === undefined) this.dictSetStr(d, '__doc__', this.statics.none, C_TEMP, 'copy');
  tv.dict = d;
  tv.dictMade = true;
  this.dictStore(d).ofType = type;
  return d;
};

P.builtinBase = function (this: VM, type) {
  for (const t of this.typeValue(type).mro) if (!this.typeValue(t).heap) return t;
  return this.T.object;
};

/** C3 linearisation (mro_implementation). */
P.computeMro = function (this: VM, type, bases) {
  if (bases.length === 0) return [type];
  if (bases.length === 1) return [type, ...this.typeValue(bases[0] as ObjectId).mro];
  const seqs = bases.map((b) => [...this.typeValue(b).mro]);
  seqs.push([...bases]);
  const out: ObjectId[] = [type];
  for (;;) {
    const nonEmpty = seqs.filter((s) => s.length > 0);
    if (nonEmpty.length === 0) return out;
    const cand = nonEmpty.map((s) => s[0] as ObjectId).find((c) => !nonEmpty.some((o) => o.indexOf(c) > 0));
    if (cand === undefined) {
      const names = [...new Set(nonEmpty.map((s) => this.typeValue(s[0] as ObjectId).name))];
      throw this.typeError(`Cannot create a consistent method resolution order (MRO) for bases ${names.join(', ')}`);
    }
    out.push(cand);
    for (const s of seqs) if (s[0] === cand) s.shift();
  }
};

/** The solid base of a class statement's bases (best_base): the one with the most specific layout. */
export function bestBase(vm: VM, bases: readonly ObjectId[]): ObjectId {
  let best = bases[0] as ObjectId;
  let bestLayout = vm.builtinBase(best);
  for (const b of bases.slice(1)) {
    const layout = vm.builtinBase(b);
    if (layout === bestLayout || vm.isSubtype(bestLayout, layout)) continue;
    if (vm.isSubtype(layout, bestLayout)) {
      best = b;
      bestLayout = layout;
      continue;
    }
    // Built-in types with the same instance layout (OSError and ValueError) do not conflict.
    if (vm.typeValue(layout).layout === vm.typeValue(bestLayout).layout) continue;
    throw vm.typeError('multiple bases have instance lay-out conflict');
  }
  return best;
}

P.newHeapType = function (this: VM, meta, name, basesIn, ns, out, kw) {
  const bases = basesIn.length > 0 ? [...basesIn] : [this.T.object];
  for (const b of bases) {
    const bv = this.values.get(b);
    if (bv === undefined || bv.t !== 'type') throw this.typeError('bases must be types');
    if (!bv.baseType) throw this.typeError(`type '${bv.name}' is not an acceptable base type`);
  }
  const base = bestBase(this, bases);
  const baseTv = this.typeValue(base);
  // __slots__
  const slotsObj = this.dictGetStr(ns, '__slots__');
  let slotNames: string[] | undefined;
  if (slotsObj !== undefined) {
    const sv = this.value(slotsObj);
    const items = sv.t === 'str' ? [slotsObj] : this.iterateToArray(slotsObj, C_TEMP);
    slotNames = items.map((x) => {
      const s = this.value(x);
      if (s.t !== 'str') throw this.typeError(`__slots__ items must be strings, not '${this.typeName(x)}'`);
      return s.v;
    });
    if (sv.t !== 'str') for (const x of items) this.rt.decref(x, C_TEMP);
  }
  const inheritsDict = bases.some((b) => this.typeValue(b).hasDict);
  const addDict = slotNames === undefined ? !inheritsDict : slotNames.includes('__dict__') && !inheritsDict;
  const addWeakref =
    (slotNames === undefined || slotNames.includes('__weakref__')) && !bases.some((b) => this.typeValue(b).hasWeakref);
  const qualObj = this.dictGetStr(ns, '__qualname__');
  const qualname = qualObj !== undefined && this.value(qualObj).t === 'str' ? this.as(qualObj, 'str').v : name;
  const tv: TypeValue = {
    t: 'type',
    type: meta,
    name,
    qualname,
    module: '',
    bases,
    mro: [],
    dict: 0 as ObjectId,
    dictMade: true,
    heap: true,
    layout: baseTv.layout,
    slots: baseTv.slots,
    natives: undefined,
    nativeObjects: undefined,
    slotNames: slotNames?.filter((s) => s !== '__dict__' && s !== '__weakref__'),
    hasDict: addDict || inheritsDict,
    hasWeakref: addWeakref || bases.some((b) => this.typeValue(b).hasWeakref),
    baseType: true,
    isException: bases.some((b) => this.typeValue(b).isException),
    version: 0,
    sharedKeys: undefined,
  };
  const size = tv.hasDict && !baseTv.isException && baseTv.layout === 'object' ? FIXED_SIZES.class : 920;
  // type_repr: `<class 'module.Qualname'>`, the module from the namespace's __module__.
  const nsModule = this.dictGetStr(ns, '__module__');
  const reprModule =
    nsModule !== undefined && this.value(nsModule).t === 'str' ? this.as(nsModule, 'str').v : 'builtins';
  const reprName = reprModule === 'builtins' ? qualname : `${reprModule}.${qualname}`;
  const cls = this.alloc('type', 'class', size, tv, C_TEMP, { repr: `<class '${reprName}'>` });
  try {
    // tp_bases, tp_base
    const basesTuple = this.newTuple(bases, C_TEMP);
    this.rt.moveToRef(basesTuple, C_TEMP, cls, '__bases__');
    this.rt.increfRef(base, cls, '__base__');
    // The namespace: a copy of the class body's (PyDict_Copy), without __qualname__ and __classcell__.
    const dict = this.newDict(C_TEMP);
    for (const e of this.dictEntries(ns)) this.dictSet(dict, e.key, e.value, C_TEMP, 'copy');
    this.rt.moveToRef(dict, C_TEMP, cls, '__dict__');
    tv.dict = dict;
    this.dictStore(dict).ofType = cls;
    const modObj = this.dictGetStr(dict, '__module__');
    tv.module = modObj !== undefined && this.value(modObj).t === 'str' ? this.as(modObj, 'str').v : 'builtins';
    if (qualObj !== undefined) this.dictDelStr(dict, '__qualname__');
    const classcell = this.dictGetStr(dict, '__classcell__');
    if (classcell !== undefined) {
      this.rt.incref(classcell, C_TEMP);
      this.dictDelStr(dict, '__classcell__');
    }
    // __new__ is a static method; __init_subclass__ and __class_getitem__ class methods.
    for (const [n, kind] of [
      ['__new__', 'staticmethod'],
      ['__init_subclass__', 'classmethod'],
      ['__class_getitem__', 'classmethod'],
    ] as const) {
      const f = this.dictGetStr(dict, n);
      if (f !== undefined && this.value(f).t === 'function') {
        const w = this.newWrapper(kind, f, C_TEMP);
        this.dictSetStr(dict, n, w, C_TEMP, 'move');
      }
    }
    // Member descriptors for __slots__.
    for (const s of tv.slotNames ?? []) {
      const d = this.alloc(
        'member_descriptor',
        'method',
        64,
        { t: 'descriptor', type: this.T.member_descriptor, kind: 'member', name: s, owner: cls },
        C_TEMP,
      );
      this.rt.increfRef(cls, d, '__objclass__');
      this.dictSetStr(dict, s, d, C_TEMP, 'move');
    }
    tv.mro = this.computeMro(cls, bases);
    const mroTuple = this.newTuple(tv.mro, C_TEMP);
    this.rt.moveToRef(mroTuple, C_TEMP, cls, '__mro__');
    // PyType_Ready's add_getset: __dict__ and __weakref__ when this type adds them.
    const getsets: string[] = [];
    if (addDict && !tv.isException) getsets.push('__dict__');
    if (addWeakref && !tv.isException) getsets.push('__weakref__');
    for (const g of getsets) {
      if (this.dictGetStr(dict, g) !== undefined) continue;
      const d = this.alloc(
        'getset_descriptor',
        'method',
        72,
        {
          t: 'descriptor',
          type: this.T.getset_descriptor,
          kind: 'getset',
          name: g,
          owner: cls,
          member: this.instanceGetset(g),
        },
        C_TEMP,
      );
      this.rt.increfRef(cls, d, '__objclass__');
      this.dictSetStr(dict, g, d, C_TEMP, 'move');
    }
    if (this.dictGetStr(dict, '__doc__') === undefined)
      this.dictSetStr(dict, '__doc__', this.statics.none, C_TEMP, 'copy');
    if (classcell !== undefined) {
      this.cellSet(classcell, this.ret(cls, C_TEMP), C_TEMP);
      this.rt.decref(classcell, C_TEMP);
    }
    this.typeModified(cls);
    // __set_name__ on the namespace's values, then the base's __init_subclass__.
    for (const e of this.dictEntries(dict)) {
      const setName = this.lookupSpecial(e.value, '__set_name__', C_TEMP);
      if (setName === undefined) continue;
      try {
        this.rt.decref(this.call(setName, [cls, e.key], undefined, C_TEMP), C_TEMP);
      } finally {
        this.rt.decref(setName, C_TEMP);
      }
    }
    const initSubclass = this.superLookup(tv.mro, 1, '__init_subclass__');
    const hasKw = kw !== undefined && kw.names.length > 0;
    if (initSubclass !== undefined && (hasKw || !this.isNativeOf(initSubclass, this.T.object))) {
      const bound = this.descrGet(initSubclass, undefined, cls, C_TEMP);
      try {
        const names = hasKw ? kw.names : undefined;
        this.rt.decref(this.call(bound, hasKw ? kw.values : [], names, C_TEMP), C_TEMP);
      } finally {
        this.rt.decref(bound, C_TEMP);
      }
    }
  } catch (e) {
    this.rt.decref(cls, C_TEMP);
    throw e;
  }
  this.rt.move(cls, C_TEMP, out);
  return cls;
};

declare module '../vm/vm.js' {
  interface VM {
    /** The attribute `name` on the MRO from position `start` (super's lookup), borrowed. */
    superLookup(mro: readonly ObjectId[], start: number, name: string): ObjectId | undefined;
    /** The getset members `__dict__` and `__weakref__` of heap-type instances. */
    instanceGetset(name: string): NativeMember;
    newWrapper(kind: 'staticmethod' | 'classmethod', func: ObjectId, out: Holder): ObjectId;
    newBuiltinMethod(name: string, qualname: string, fn: Native, self: ObjectId, out: Holder): ObjectId;
    newMethod(func: ObjectId, self: ObjectId, out: Holder): ObjectId;
    /** Check a native's argument count (CPython's wording for wrappers). */
    checkArgs(name: string, args: readonly ObjectId[], min: number, max: number): void;
  }
}

P.superLookup = function (this: VM, mro, start, name) {
  for (let i = start; i < mro.length; i++) {
    const t = mro[i] as ObjectId;
    const tv = this.typeValue(t);
    if (tv.heap || tv.dictMade) {
      const v = this.dictGetStr(tv.dict, name);
      if (v !== undefined) return v;
      if (tv.heap) continue;
    }
    const n = this.nativeMember(t, name);
    if (n !== undefined) return n;
  }
  return undefined;
};

P.instanceGetset = function (this: VM, name) {
  if (name === '__weakref__') {
    return {
      k: 'getset',
      get: (vmu, self) => {
        const vm = vmu as VM;
        const refs = vm.weakrefsOf(self);
        return vm.ret(refs.length > 0 ? (refs[0] as ObjectId) : vm.statics.none, C_TEMP);
      },
    };
  }
  return {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      const d = vm.instanceDict(self);
      if (d === undefined) throw vm.attributeError(self, '__dict__');
      return vm.ret(d, C_TEMP);
    },
    set: (vmu, self, value) => {
      const vm = vmu as VM;
      if (value === undefined || vm.value(value).t !== 'dict') {
        throw vm.typeError(
          `__dict__ must be set to a dictionary, not a '${value === undefined ? 'NoneType' : vm.typeName(value)}'`,
        );
      }
      const v = vm.value(self);
      const old = vm.instanceDict(self);
      v.dict = value;
      vm.rt.increfRef(value, self, '__dict__');
      if (old !== undefined) vm.rt.decrefRef(old, self, '__dict__');
    },
  };
};

P.newWrapper = function (this: VM, kind, func, out) {
  const w = this.alloc(
    kind,
    'function',
    48,
    { t: kind, type: kind === 'staticmethod' ? this.T.staticmethod : this.T.classmethod, func },
    out,
  );
  this.rt.increfRef(func, w, '__func__');
  return w;
};

P.newBuiltinMethod = function (this: VM, name, qualname, fn, self, out) {
  const m = this.alloc(
    'builtin_function_or_method',
    'method',
    FIXED_SIZES.builtinMethod,
    { t: 'builtin', type: this.T.builtin_function_or_method, name, qualname, fn, self },
    out,
  );
  this.rt.increfRef(self, m, '__self__');
  return m;
};

P.newMethod = function (this: VM, func, self, out) {
  const m = this.alloc('method', 'method', FIXED_SIZES.method, { t: 'method', type: this.T.method, func, self }, out);
  this.rt.increfRef(func, m, '__func__');
  this.rt.increfRef(self, m, '__self__');
  return m;
};

P.checkArgs = function (this: VM, name, args, min, max) {
  const n = args.length - 1;
  if (n >= min - 1 && n <= max - 1) return;
  if (min === max) throw this.typeError(`expected ${min - 1} argument${min - 1 === 1 ? '' : 's'}, got ${n}`);
  throw this.typeError(`${name} expected at most ${max - 1} arguments, got ${n}`);
};

P.newInstance = function (this: VM, type, out) {
  const tv = this.typeValue(type);
  if (tv.slotNames !== undefined && !tv.hasDict) {
    const nslots = countSlots(this, type);
    const size = 32 + 8 * nslots + (tv.hasWeakref ? 8 : 0);
    const id = this.alloc(tv.name, 'slotted', size, { t: 'object', type, attrs: new Map() }, out);
    this.rt.increfRef(type, id, '__class__');
    return id;
  }
  const id = this.alloc(tv.name, 'instance', FIXED_SIZES.instance, { t: 'object', type, attrs: new Map() }, out);
  // OBJ-13 init_inline_values: the class's shared keys lose one spare slot per new
  // instance (while more than one is left); the values array holds the usable size.
  const keys = this.sharedKeys(type);
  if (keys.usable > 1) keys.usable -= 1;
  const k = keys.names.size + keys.usable;
  this.rt.setBuffer(id, 'values', (((k + 2 + 7) >> 3) << 3) + 8 * k);
  this.rt.increfRef(type, id, '__class__');
  return id;
};

function countSlots(vm: VM, type: ObjectId): number {
  let n = 0;
  for (const t of vm.typeValue(type).mro) n += vm.typeValue(t).slotNames?.length ?? 0;
  return n;
}

/**
 * What a class statement's type adds to its built-in base's instance size: a GC header
 * for a non-GC base, the managed dict's pre-header (a dict pointer at the end for a
 * tuple; nothing counted for int, str and bytes, whose __sizeof__ ignores it), a
 * __weakref__ slot when the base has none.
 */
export function subtypeExtraBytes(vm: VM, type: ObjectId, kind: string): number {
  const tv = vm.typeValue(type);
  const base = vm.typeValue(vm.builtinBase(type));
  const varSized = base.layout === 'tuple' || base.layout === 'int' || base.layout === 'str' || base.layout === 'bytes';
  const dictBytes = tv.hasDict && !base.hasDict ? (base.layout === 'tuple' ? 8 : varSized ? 0 : 16) : 0;
  const weakrefBytes = tv.hasWeakref && !base.hasWeakref && !varSized ? 8 : 0;
  const gcHeader = kind === 'int' || kind === 'str' || kind === 'float' ? 16 : 0;
  return dictBytes + weakrefBytes + gcHeader;
}

P.allocFor = function (this: VM, type, staticName, kind, size, value, out, opts) {
  const tv = this.typeValue(type);
  if (!tv.heap) return this.alloc(staticName, kind, size, value, out, opts);
  value.attrs = new Map();
  const id = this.alloc(tv.name, 'instance', size + subtypeExtraBytes(this, type, kind), value, out, opts);
  this.rt.increfRef(type, id, '__class__');
  return id;
};

P.typeCall = function (this: VM, type, args, kwnames, out) {
  const tv = this.typeValue(type);
  const nargs = npos(args, kwnames);
  if (type === this.T.type && nargs === 1 && kwnames === undefined)
    return this.ret(this.typeOf(args[0] as ObjectId), out);
  // tp_new
  let obj: ObjectId;
  const newDescr = this.lookupType(type, '__new__');
  if (newDescr === undefined) throw this.typeError(`cannot create '${tv.name}' instances`);
  const nv = this.value(newDescr);
  if (nv.t === 'staticmethod' && nv.func !== undefined && this.value(nv.func).t === 'builtin') {
    obj = this.call(nv.func, [type, ...args], kwnames, C_TEMP);
  } else {
    const f = nv.t === 'staticmethod' && nv.func !== undefined ? nv.func : newDescr;
    obj = this.call(f, [type, ...args], kwnames, C_TEMP);
  }
  // tp_init, when the object is an instance of the type.
  if (!this.isInstanceOf(obj, type)) {
    this.rt.move(obj, C_TEMP, out);
    return obj;
  }
  const objType = this.typeOf(obj);
  const init = this.lookupType(objType, '__init__');
  if (init !== undefined) {
    try {
      const r = this.callUnbound(init, obj, args, C_TEMP, kwnames);
      const isNone = r === this.statics.none;
      if (!isNone) {
        const tn = this.typeName(r);
        this.rt.decref(r, C_TEMP);
        throw this.typeError(`__init__() should return None, not '${tn}'`);
      }
      this.rt.decref(r, C_TEMP);
    } catch (e) {
      this.rt.decref(obj, C_TEMP);
      throw e;
    }
  }
  this.rt.move(obj, C_TEMP, out);
  return obj;
};

/** excess_args of object_new / object_init. */
const excess = (args: readonly ObjectId[]): boolean => args.length > 1;

export function objectNewNative(
  vm: VM,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  const type = args[0] as ObjectId;
  const tv = vm.typeValue(type);
  if (excess(args) || kwnames !== undefined) {
    const newOverridden = !vm.isNativeOf(vm.lookupType(type, '__new__'), vm.T.object);
    const initOverridden = !vm.isNativeOf(vm.lookupType(type, '__init__'), vm.T.object);
    if (newOverridden) throw vm.typeError('object.__new__() takes exactly one argument (the type to instantiate)');
    if (!initOverridden) throw vm.typeError(`${tv.name}() takes no arguments`);
  }
  if (!tv.heap) {
    if (type !== vm.T.object) throw vm.typeError(`object.__new__(${tv.name}) is not safe, use ${tv.name}.__new__()`);
    return vm.alloc('object', 'object', FIXED_SIZES.object, { t: 'object', type }, out);
  }
  if (tv.layout !== 'object') {
    throw vm.typeError(
      `object.__new__(${tv.name}) is not safe, use ${vm.typeValue(vm.builtinBase(type)).name}.__new__()`,
    );
  }
  // Py_TPFLAGS_IS_ABSTRACT: the class's own __abstractmethods__ is not empty.
  const abstract = vm.dictGetStr(tv.dict, '__abstractmethods__');
  if (abstract !== undefined && vm.truthy(abstract)) {
    const names = vm.iterateToArray(abstract, C_TEMP);
    const texts = names.map((n) => vm.strText(n)).sort();
    for (const n of names) vm.rt.decref(n, C_TEMP);
    throw vm.typeError(
      `Can't instantiate abstract class ${tv.name} with abstract method${texts.length > 1 ? 's' : ''} ${texts.join(', ')}`,
    );
  }
  return vm.newInstance(type, out);
}

export function objectInit(
  vm: VM,
  self: ObjectId,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
): void {
  if (args.length === 0 && kwnames === undefined) return;
  const type = vm.typeOf(self);
  const initOverridden = !vm.isNativeOf(vm.lookupType(type, '__init__'), vm.T.object);
  if (initOverridden) throw vm.typeError('object.__init__() takes exactly one argument (the instance to initialize)');
  const newOverridden = !vm.isNativeOf(vm.lookupType(type, '__new__'), vm.T.object);
  if (!newOverridden) throw vm.typeError(`${vm.typeName(self)}() takes no arguments`);
}

/** object_repr: `<module.Qualname object at 0x...>`. */
export function objectRepr(vm: VM, self: ObjectId): string {
  const tv = vm.typeValue(vm.typeOf(self));
  const mod = tv.module;
  const name = mod !== 'builtins' && mod !== '' ? `${mod}.${tv.qualname}` : tv.qualname;
  return `<${name} object at 0x${vm.rt.object(self).addr.toString(16)}>`;
}

export { PyRaise };
