/*
 * types.GenericAlias and types.UnionType
 * ======================================
 * `list[int]` (PEP 585) is a GenericAlias: it holds its origin and its argument tuple
 * (80 bytes, GC-tracked), forwards attribute reads other than its own to the origin,
 * calls the origin when called, and substitutes type variables when subscripted.
 * `int | str` (PEP 604) is a UnionType holding the flattened, de-duplicated argument tuple
 * (48 bytes); `isinstance` and `issubclass` accept it.
 *
 * Built-in types get `__class_getitem__` (Py_GenericAlias) from `classGetItem`; the C
 * modules' types use it too (deque, defaultdict, partial ...).
 *
 * Source: Objects/genericaliasobject.c (3.11: ga_new, ga_repr, ga_getattro, ga_call,
 * ga_richcompare, ga_hash, ga_mro_entries, ga_getitem, _Py_subs_parameters,
 * _Py_make_parameters), Objects/unionobject.c (_Py_union_type_or, make_union, dedup_and_flatten_args,
 * union_repr, union_richcompare, union_hash, is_unionable).
 *
 * Simplifications: `*tuple[int]` (starred aliases, PEP 646) and the parameter
 * substitution of ParamSpec arguments are not simulated.
 */
import { type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';

const GENERIC_ALIAS_SIZE = 80;
const UNION_SIZE = 48;

interface AliasData {
  readonly origin: ObjectId;
  readonly args: ObjectId;
  /** __parameters__, computed when first asked for (held in slot `parameters`). */
  parameters: ObjectId | undefined;
}

const data = (vm: VM, self: ObjectId): AliasData => (vm.value(self) as { data: AliasData }).data;

const argItems = (vm: VM, d: AliasData): ObjectId[] => vm.as(d.args, 'tuple').items;

/** Attributes a GenericAlias answers itself; every other name is read from the origin. */
const OWN_ATTRS = new Set([
  '__class__',
  '__origin__',
  '__args__',
  '__unpacked__',
  '__parameters__',
  '__typing_unpacked_tuple_args__',
  '__mro_entries__',
  '__reduce_ex__',
  '__reduce__',
  '__copy__',
  '__deepcopy__',
]);

declare module '../vm/vm.js' {
  interface VM {
    /** Py_GenericAlias(origin, args): a new `origin[args]`. */
    newGenericAlias(origin: ObjectId, args: ObjectId, out: Holder): ObjectId;
  }
}

function newAlias(vm: VM, type: ObjectId, origin: ObjectId, args: ObjectId, out: Holder): ObjectId {
  const argsTuple =
    vm.value(args).t === 'tuple' ? vm.ret(args, C_TEMP) : vm.newTuple([vm.ret(args, C_TEMP)], C_TEMP, C_TEMP);
  const ga = vm.allocFor(
    type,
    'types.GenericAlias',
    'method',
    GENERIC_ALIAS_SIZE,
    { t: 'native', type, data: { origin, args: argsTuple, parameters: undefined } satisfies AliasData },
    out,
  );
  vm.rt.increfRef(origin, ga, 'origin');
  vm.rt.moveToRef(argsTuple, C_TEMP, ga, 'args');
  return ga;
}

/** ga_repr_item: a type by its qualified name, `...`, or the repr. */
function reprItem(vm: VM, p: ObjectId): string {
  if (p === vm.ellipsisId) return '...';
  const v = vm.value(p);
  if (v.t === 'type') {
    if (vm.typeOf(p) === vm.typeByName.get('types.GenericAlias')) return vm.reprText(p);
    const mod = v.heap ? vm.typeModuleName(p) : v.module;
    return mod === 'builtins' ? v.qualname : `${mod}.${v.qualname}`;
  }
  return vm.reprText(p);
}

const gaRepr = (vm: VM, self: ObjectId): string => {
  const d = data(vm, self);
  const items = argItems(vm, d);
  const args = items.length === 0 ? '()' : items.map((a) => reprItem(vm, a)).join(', ');
  return `${reprItem(vm, d.origin)}[${args}]`;
};

/** An object that can stand as a type parameter (TypeVar, ParamSpec ...): it has __typing_subst__. */
function isTypeVarLike(vm: VM, obj: ObjectId): boolean {
  if (vm.value(obj).t === 'type') return false;
  return vm.lookupType(vm.typeOf(obj), '__typing_subst__') !== undefined;
}

/** _Py_make_parameters: the type variables of the arguments, in order, without repeats. */
function makeParameters(vm: VM, args: readonly ObjectId[]): ObjectId[] {
  const params: ObjectId[] = [];
  const add = (p: ObjectId): void => {
    if (!params.includes(p)) params.push(p);
  };
  for (const a of args) {
    if (isTypeVarLike(vm, a)) {
      add(a);
      continue;
    }
    if (vm.value(a).t === 'type') continue;
    const sub = vm.getAttrOpt(a, '__parameters__', C_TEMP);
    if (sub === undefined) continue;
    try {
      const sv = vm.value(sub);
      if (sv.t === 'tuple') for (const p of sv.items) add(p);
    } finally {
      vm.rt.decref(sub, C_TEMP);
    }
  }
  return params;
}

function parametersOf(vm: VM, self: ObjectId): ObjectId {
  const d = data(vm, self);
  if (d.parameters === undefined) {
    const t = vm.newTuple(makeParameters(vm, argItems(vm, d)), C_TEMP);
    d.parameters = t;
    vm.rt.moveToRef(t, C_TEMP, self, 'parameters');
  }
  return d.parameters;
}

/** _Py_subs_parameters: the arguments with each parameter replaced by its argument. */
function substitute(vm: VM, self: ObjectId, item: ObjectId, out: Holder): ObjectId {
  const d = data(vm, self);
  const params = vm.as(parametersOf(vm, self), 'tuple').items;
  if (params.length === 0) throw vm.typeError(`${gaRepr(vm, self)} is not a generic class`);
  const iv = vm.value(item);
  const given = iv.t === 'tuple' ? iv.items : [item];
  if (given.length !== params.length) {
    throw vm.typeError(
      `Too ${given.length > params.length ? 'many' : 'few'} arguments for ${gaRepr(vm, self)}; actual ${given.length}, expected ${params.length}`,
    );
  }
  const subst = new Map<ObjectId, ObjectId>();
  const held: ObjectId[] = [];
  try {
    params.forEach((p, i) => {
      const s = vm.callMethod(p, '__typing_subst__', [given[i] as ObjectId], C_TEMP);
      held.push(s);
      subst.set(p, s);
    });
    const newArgs: ObjectId[] = [];
    for (const a of argItems(vm, d)) {
      const direct = subst.get(a);
      if (direct !== undefined) {
        newArgs.push(vm.ret(direct, C_TEMP));
        continue;
      }
      const sub = vm.value(a).t === 'type' ? undefined : vm.getAttrOpt(a, '__parameters__', C_TEMP);
      const subItems = sub !== undefined && vm.value(sub).t === 'tuple' ? vm.as(sub, 'tuple').items : [];
      if (sub !== undefined) vm.rt.decref(sub, C_TEMP);
      if (subItems.length === 0) {
        newArgs.push(vm.ret(a, C_TEMP));
        continue;
      }
      const inner = vm.newTuple(
        subItems.map((p) => vm.ret(subst.get(p) ?? p, C_TEMP)),
        C_TEMP,
        C_TEMP,
      );
      try {
        newArgs.push(vm.getItem(a, inner, C_TEMP));
      } finally {
        vm.rt.decref(inner, C_TEMP);
      }
    }
    const t = vm.newTuple(newArgs, C_TEMP, C_TEMP);
    try {
      return newAlias(vm, vm.typeOf(self), d.origin, t, out);
    } finally {
      vm.rt.decref(t, C_TEMP);
    }
  } finally {
    for (const s of held) vm.rt.decref(s, C_TEMP);
  }
}

function unionOr(vm: VM, a: ObjectId, b: ObjectId, out: Holder): ObjectId | undefined {
  if (!isUnionable(vm, a) || !isUnionable(vm, b)) return undefined;
  return makeUnion(vm, [a, b], out);
}

const gaSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    if (kwnames !== undefined) throw vm.typeError('GenericAlias() takes no keyword arguments');
    if (args.length !== 2) throw vm.typeError(`GenericAlias expected 2 arguments, got ${args.length}`);
    return newAlias(vm, type, args[0] as ObjectId, args[1] as ObjectId, out);
  },
  repr: gaRepr,
  hash: (vm, self) => {
    const d = data(vm, self);
    return vm.hash(d.origin) ^ vm.hash(d.args);
  },
  compare: (vm, a, b, op) => {
    const ga = vm.typeByName.get('types.GenericAlias') as ObjectId;
    if ((op !== '==' && op !== '!=') || !vm.isInstanceOf(b, ga)) return undefined;
    const da = data(vm, a);
    const db = data(vm, b);
    const eq = vm.richCompareBool(da.origin, db.origin, '==') && vm.richCompareBool(da.args, db.args, '==');
    return op === '==' ? eq : !eq;
  },
  call: (vm, self, args, kwnames, out) => {
    const obj = vm.call(data(vm, self).origin, args, kwnames, out);
    // The instance records its alias when it can (__orig_class__).
    try {
      vm.setAttr(obj, '__orig_class__', self);
    } catch (e) {
      if (vm.raised(e, 'AttributeError') || vm.raised(e, 'TypeError')) vm.clearRaise(e);
      else {
        vm.rt.decref(obj, out);
        throw e;
      }
    }
    return obj;
  },
  // ga_getattro: every name but the alias's own is read from the origin.
  getattr: (vm, self, name, out) =>
    OWN_ATTRS.has(name) ? vm.genericGetAttr(self, name, out) : vm.getAttr(data(vm, self).origin, name, out),
  getitem: (vm, self, key, out) => substitute(vm, self, key, out),
  number: { '|': unionOr },
};

const gaMembers: Record<string, NativeMember> = {
  __origin__: { k: 'getset', get: (vm, self) => (vm as VM).ret(data(vm as VM, self).origin, C_TEMP) },
  __args__: { k: 'getset', get: (vm, self) => (vm as VM).ret(data(vm as VM, self).args, C_TEMP) },
  __parameters__: { k: 'getset', get: (vm, self) => (vm as VM).ret(parametersOf(vm as VM, self), C_TEMP) },
  __unpacked__: { k: 'getset', get: (vm) => (vm as VM).bool(false, C_TEMP) },
  __mro_entries__: {
    k: 'method',
    fn: (vm, args, _kw, out) => vm.newTuple([vm.ret(data(vm, args[0] as ObjectId).origin, C_TEMP)], out, C_TEMP),
  },
  __instancecheck__: {
    k: 'method',
    fn: (vm) => {
      throw vm.typeError('isinstance() argument 2 cannot be a parameterized generic');
    },
  },
  __subclasscheck__: {
    k: 'method',
    fn: (vm) => {
      throw vm.typeError('issubclass() argument 2 cannot be a parameterized generic');
    },
  },
  __reduce__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const d = data(vm, self);
      const inner = vm.newTuple([vm.ret(d.origin, C_TEMP), vm.ret(d.args, C_TEMP)], C_TEMP, C_TEMP);
      return vm.newTuple([vm.ret(vm.typeOf(self), C_TEMP), inner], out, C_TEMP);
    },
  },
  __dir__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const names = new Set([...vm.dirOf(data(vm, args[0] as ObjectId).origin), ...OWN_ATTRS]);
      return vm.newList(
        [...names].sort().map((n) => vm.newStr(n, C_TEMP)),
        out,
        C_TEMP,
      );
    },
  },
};

// ---------------------------------------------------------------------------------
// types.UnionType

/** is_unionable: None, a type, a GenericAlias or a UnionType. */
function isUnionable(vm: VM, obj: ObjectId): boolean {
  if (obj === vm.statics.none) return true;
  const v = vm.value(obj);
  if (v.t === 'type') return true;
  const t = vm.typeOf(obj);
  return t === vm.typeByName.get('types.GenericAlias') || t === vm.typeByName.get('types.UnionType');
}

/** make_union over dedup_and_flatten_args: one argument stands alone. */
function makeUnion(vm: VM, parts: readonly ObjectId[], out: Holder): ObjectId {
  const unionType = vm.typeByName.get('types.UnionType') as ObjectId;
  const flat: ObjectId[] = [];
  for (const p of parts) {
    if (vm.typeOf(p) === unionType) flat.push(...vm.as(unionArgs(vm, p), 'tuple').items);
    else flat.push(p === vm.statics.none ? vm.T.NoneType : p);
  }
  const args: ObjectId[] = [];
  for (const a of flat) {
    const dup = args.some((b) => {
      const isAlias = (x: ObjectId): boolean => vm.typeOf(x) === vm.typeByName.get('types.GenericAlias');
      return isAlias(a) && isAlias(b) ? vm.richCompareBool(a, b, '==') : a === b;
    });
    if (!dup) args.push(a);
  }
  if (args.length === 1) return vm.ret(args[0] as ObjectId, out);
  const t = vm.newTuple(args, C_TEMP);
  const u = vm.alloc('types.UnionType', 'method', UNION_SIZE, { t: 'native', type: unionType, data: t }, out);
  vm.rt.moveToRef(t, C_TEMP, u, 'args');
  return u;
}

const unionArgs = (vm: VM, u: ObjectId): ObjectId => (vm.value(u) as { data: ObjectId }).data;

const unionSlots: TypeSlots = {
  repr: (vm, self) =>
    vm
      .as(unionArgs(vm, self), 'tuple')
      .items.map((a) => (a === vm.T.NoneType ? 'None' : reprItem(vm, a)))
      .join(' | '),
  hash: (vm, self) => {
    // hash(frozenset(args)): set hashing is order-independent.
    const fs = vm.call(vm.T.frozenset, [unionArgs(vm, self)], undefined, C_TEMP);
    try {
      return vm.hash(fs);
    } finally {
      vm.rt.decref(fs, C_TEMP);
    }
  },
  compare: (vm, a, b, op) => {
    const unionType = vm.typeByName.get('types.UnionType') as ObjectId;
    if ((op !== '==' && op !== '!=') || vm.typeOf(b) !== unionType) return undefined;
    const sa = vm.call(vm.T.frozenset, [unionArgs(vm, a)], undefined, C_TEMP);
    const sb = vm.call(vm.T.frozenset, [unionArgs(vm, b)], undefined, C_TEMP);
    try {
      return vm.richCompareBool(sa, sb, op);
    } finally {
      vm.rt.decref(sa, C_TEMP);
      vm.rt.decref(sb, C_TEMP);
    }
  },
  number: { '|': unionOr },
};

function unionCheck(which: 'isinstance' | 'issubclass'): Native {
  return (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const x = args[1] as ObjectId;
    for (const a of vm.as(unionArgs(vm, self), 'tuple').items) {
      if (vm.typeOf(a) === vm.typeByName.get('types.GenericAlias'))
        throw vm.typeError(`${which}() argument 2 cannot be a parameterized generic`);
    }
    const r =
      which === 'isinstance'
        ? vm.objectIsInstance(x, unionArgs(vm, self))
        : vm.objectIsSubclass(x, unionArgs(vm, self));
    return vm.bool(r, out);
  };
}

const unionMembers: Record<string, NativeMember> = {
  __args__: { k: 'getset', get: (vm, self) => (vm as VM).ret(unionArgs(vm as VM, self), C_TEMP) },
  __parameters__: {
    k: 'getset',
    get: (vm, self) =>
      (vm as VM).newTuple(makeParameters(vm as VM, (vm as VM).as(unionArgs(vm as VM, self), 'tuple').items), C_TEMP),
  },
  __instancecheck__: { k: 'method', fn: unionCheck('isinstance') },
  __subclasscheck__: { k: 'method', fn: unionCheck('issubclass') },
};

/** Py_GenericAlias as a class method: `cls[item]`. */
export const classGetItem: NativeMember = {
  k: 'classmethod',
  fn: (vm, args, _kw, out) => vm.newGenericAlias(args[0] as ObjectId, args[1] as ObjectId, out),
};

/** The built-in types that are generic (PEP 585) in 3.11. */
const GENERIC_BUILTINS = ['list', 'tuple', 'dict', 'set', 'frozenset', 'enumerate', 'BaseExceptionGroup'];

export function defineGenericAliasTypes(vm: VM): void {
  const ga = vm.defineType({
    name: 'GenericAlias',
    module: 'types',
    base: vm.T.object,
    baseType: true,
    slots: gaSlots,
    members: gaMembers,
  });
  vm.typeValue(ga).hasWeakref = true;
  vm.defineType({
    name: 'UnionType',
    module: 'types',
    base: vm.T.object,
    baseType: false,
    slots: unionSlots,
    members: unionMembers,
  });
  for (const name of GENERIC_BUILTINS) {
    const t = vm.typeByName.get(name);
    if (t === undefined) continue;
    const tv = vm.typeValue(t);
    tv.natives?.set('__class_getitem__', classGetItem);
    tv.nativeObjects?.delete('__class_getitem__');
  }
}

declare module '../vm/vm.js' {
  interface VM {
    /** `a | b` of types (PEP 604): a new UnionType, or undefined for NotImplemented. */
    newUnion(a: ObjectId, b: ObjectId, out: Holder): ObjectId | undefined;
  }
}

VM.prototype.newGenericAlias = function (this: VM, origin, args, out) {
  return newAlias(this, this.typeByName.get('types.GenericAlias') as ObjectId, origin, args, out);
};

VM.prototype.newUnion = function (this: VM, a, b, out) {
  return unionOr(this, a, b, out);
};
