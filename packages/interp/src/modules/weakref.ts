/*
 * _weakref: weak references and proxies
 * =====================================
 * `weakref.ref` objects are core weak references (core's runtime/weakref.ts keeps each
 * referent's list, clears them when it dies and runs the callbacks); this module is their
 * Python surface: calling a ref, its repr, hash (computed from the referent once, then
 * kept), equality through the referents, `__callback__`.
 *
 * `ref` can be subclassed from Python (Lib/weakref.py's KeyedRef:
 * `class KeyedRef(ref): __slots__ = "key",` with its own `__new__` and `__init__`): an
 * instance is still a core weak reference, never reused as the basic ref, larger by its
 * slots, holding its class.
 *
 * `weakref.proxy(x)` makes a ProxyType (a CallableProxyType when x is callable): a weak
 * reference through which attribute access, operators, len, iteration, subscripts and
 * calls reach x, raising ReferenceError once x is gone. Proxies are unhashable.
 *
 * Source: Objects/weakrefobject.c (3.11: weakref___new__, weakref___init__,
 * weakref_vectorcall, weakref_hash, weakref_repr, weakref_richcompare,
 * PyWeakref_NewProxy, the proxy_* functions), Modules/_weakref.c.
 */
import { weakrefCallback, weakrefReferent, weakrefsTo, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import type { BinaryOp, TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { classGetItem } from '../objects/genericalias.js';
import { subtypeExtraBytes } from '../objects/type.js';

const REF_SIZE = 80;

/** tp_name: a class statement's type by its name, a static type by its dotted name. */
export function tpName(vm: VM, type: ObjectId): string {
  const tv = vm.typeValue(type);
  if (tv.heap || tv.module === 'builtins') return tv.name;
  return `${tv.module}.${tv.name}`;
}

/** Types whose instances can be weakly referenced (tp_weaklistoffset != 0). */
export function weakrefable(vm: VM, obj: ObjectId): boolean {
  const v = vm.value(obj);
  const tv = vm.typeValue(v.type);
  if (tv.heap) return tv.hasWeakref || vm.typeValue(vm.builtinBase(v.type)).hasWeakref;
  return tv.hasWeakref;
}

const isProxyType = (vm: VM, type: ObjectId): boolean =>
  type === vm.typeByName.get('weakref.ProxyType') || type === vm.typeByName.get('weakref.CallableProxyType');

/** PyWeakref_Check: a ref (or an instance of a subclass) or a proxy. */
export function isWeakrefObject(vm: VM, obj: ObjectId): boolean {
  return vm.value(obj).t === 'weakref';
}

function checkReferent(vm: VM, referent: ObjectId): void {
  if (!weakrefable(vm, referent)) {
    throw vm.typeError(`cannot create weak reference to '${tpName(vm, vm.typeOf(referent))}' object`);
  }
}

/** The `__slots__` of the class statements along a type's MRO. */
function slotCount(vm: VM, type: ObjectId): number {
  let n = 0;
  for (const t of vm.typeValue(type).mro) n += vm.typeValue(t).slotNames?.length ?? 0;
  return n;
}

/** weakref___new__ for `type` (ref or a subclass of it). */
function newRef(vm: VM, type: ObjectId, referent: ObjectId, callback: ObjectId | undefined, out: Holder): ObjectId {
  checkReferent(vm, referent);
  const cb = callback === undefined || callback === vm.statics.none ? undefined : callback;
  if (type === vm.T.weakref) {
    const wr = vm.rt.newWeakref(referent, cb, out);
    if (!vm.values.has(wr)) vm.values.set(wr, { t: 'weakref', type, callback: cb });
    return wr;
  }
  const tv = vm.typeValue(type);
  const size = REF_SIZE + 8 * slotCount(vm, type) + subtypeExtraBytes(vm, type, 'weakref');
  const wr = vm.rt.newWeakref(referent, cb, out, { flavor: 'subclass', pyType: tv.name, size });
  vm.values.set(wr, { t: 'weakref', type, callback: cb, attrs: new Map() });
  vm.rt.increfRef(type, wr, '__class__');
  return wr;
}

/** parse_weakref_init_args: (ob[, callback]), no keywords. */
function refArgs(
  vm: VM,
  funcname: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
): [ObjectId, ObjectId | undefined] {
  if (kwnames !== undefined) throw vm.typeError('ref() takes no keyword arguments');
  if (args.length < 1) throw vm.typeError(`${funcname} expected at least 1 argument, got ${args.length}`);
  if (args.length > 2) throw vm.typeError(`${funcname} expected at most 2 arguments, got ${args.length}`);
  return [args[0] as ObjectId, args[1]];
}

function refRepr(vm: VM, self: ObjectId): string {
  const at = `0x${vm.rt.object(self).addr.toString(16)}`;
  const r = weakrefReferent(vm.rt.state, self);
  if (r === undefined) return `<weakref at ${at}; dead>`;
  const to = `'${tpName(vm, vm.typeOf(r))}' at 0x${vm.rt.object(r).addr.toString(16)}`;
  const name = vm.getAttrOpt(r, '__name__', C_TEMP);
  if (name === undefined) return `<weakref at ${at}; to ${to}>`;
  try {
    const nv = vm.value(name);
    return nv.t === 'str' ? `<weakref at ${at}; to ${to} (${nv.v})>` : `<weakref at ${at}; to ${to}>`;
  } finally {
    vm.rt.decref(name, C_TEMP);
  }
}

const refSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const [ob, cb] = refArgs(vm, '__new__', args, kwnames);
    return newRef(vm, type, ob, cb, out);
  },
  init: (vm, _self, args, kwnames) => {
    refArgs(vm, '__init__', args, kwnames);
  },
  call: (vm, self, args, kwnames, out) => {
    if (args.length > 0 || kwnames !== undefined) {
      if (kwnames !== undefined) throw vm.typeError('weakref() takes no keyword arguments');
      throw vm.typeError(`weakref() takes exactly 0 positional arguments (${args.length} given)`);
    }
    return vm.ret(weakrefReferent(vm.rt.state, self) ?? vm.statics.none, out);
  },
  repr: refRepr,
  hash: (vm, self) => {
    const v = vm.value(self) as { ext?: unknown };
    if (typeof v.ext === 'bigint') return v.ext;
    const r = weakrefReferent(vm.rt.state, self);
    if (r === undefined) throw vm.typeError('weak object has gone away');
    const h = vm.hash(r);
    v.ext = h;
    return h;
  },
  compare: (vm, a, b, op) => {
    if ((op !== '==' && op !== '!=') || !isWeakrefObject(vm, b) || isProxyType(vm, vm.typeOf(b))) return undefined;
    const ra = weakrefReferent(vm.rt.state, a);
    const rb = weakrefReferent(vm.rt.state, b);
    if (ra === undefined || rb === undefined) return op === '==' ? a === b : a !== b;
    return vm.richCompareBool(ra, rb, op);
  },
};

const refMembers: Record<string, NativeMember> = {
  __callback__: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      return vm.ret(weakrefCallback(vm.rt.state, self) ?? vm.statics.none, C_TEMP);
    },
  },
  __class_getitem__: classGetItem,
};

// ---------------------------------------------------------------------------------
// Proxies

/** UNWRAP: a proxy's referent (ReferenceError once dead); any other object itself. */
function unwrap(vm: VM, o: ObjectId): ObjectId {
  if (!isProxyType(vm, vm.typeOf(o))) return o;
  const r = weakrefReferent(vm.rt.state, o);
  if (r === undefined) throw vm.pyErr('ReferenceError', 'weakly-referenced object no longer exists');
  return r;
}

const BINARY_OPS: readonly BinaryOp[] = ['+', '-', '*', '/', '//', '%', '**', '<<', '>>', '&', '|', '^', '@'];

function proxySlots(callable: boolean): TypeSlots {
  const number: NonNullable<TypeSlots['number']> = {};
  const inplace: NonNullable<TypeSlots['inplace']> = {};
  for (const op of BINARY_OPS) {
    number[op] = (vm, a, b, out) => vm.binaryOp(op, unwrap(vm, a), unwrap(vm, b), false, out);
    inplace[op] = (vm, a, b, out) => vm.binaryOp(op, unwrap(vm, a), unwrap(vm, b), true, out);
  }
  const slots: TypeSlots = {
    repr: (vm, self) => {
      const r = weakrefReferent(vm.rt.state, self);
      const type = r === undefined ? vm.T.NoneType : vm.typeOf(r);
      const at = r === undefined ? vm.rt.object(vm.statics.none).addr : vm.rt.object(r).addr;
      return `<weakproxy at 0x${vm.rt.object(self).addr.toString(16)} to ${tpName(vm, type)} at 0x${at.toString(16)}>`;
    },
    str: (vm, self) => vm.strText(unwrap(vm, self)),
    unhashable: true,
    compare: (vm, a, b, op) => vm.richCompareBool(unwrap(vm, a), unwrap(vm, b), op),
    bool: (vm, self) => vm.truthy(unwrap(vm, self)),
    len: (vm, self) => vm.len(unwrap(vm, self)),
    getitem: (vm, self, key, out) => vm.getItem(unwrap(vm, self), key, out),
    setitem: (vm, self, key, value) => {
      if (value === undefined) vm.delItem(unwrap(vm, self), key);
      else vm.setItem(unwrap(vm, self), key, value);
    },
    contains: (vm, self, item) => vm.contains(unwrap(vm, self), item),
    iter: (vm, self, out) => vm.getIter(unwrap(vm, self), out),
    next: (vm, self, out) => {
      const r = unwrap(vm, self);
      if (!vm.isIterator(r))
        throw vm.typeError(`Weakref proxy referenced a non-iterator '${tpName(vm, vm.typeOf(r))}' object`);
      return vm.iterNextRaw(r, out);
    },
    getattr: (vm, self, name, out) => vm.getAttr(unwrap(vm, self), name, out),
    setattr: (vm, self, name, value) => {
      if (value === undefined) vm.delAttr(unwrap(vm, self), name);
      else vm.setAttr(unwrap(vm, self), name, value);
    },
    number,
    inplace,
    unary: {
      '-': (vm, a, out) => vm.unaryOp('-', unwrap(vm, a), out),
      '+': (vm, a, out) => vm.unaryOp('+', unwrap(vm, a), out),
      '~': (vm, a, out) => vm.unaryOp('~', unwrap(vm, a), out),
    },
    index: (vm, self) => vm.index(unwrap(vm, self)),
  };
  if (callable) {
    slots.call = (vm, self, args, kwnames, out) => vm.call(unwrap(vm, self), args, kwnames, out);
  }
  return slots;
}

/** A proxy's special method that calls the referent's. */
const forward =
  (name: string): Native =>
  (vm, args, _kw, out) =>
    vm.callMethod(unwrap(vm, args[0] as ObjectId), name, args.slice(1), out);

const proxyMembers: Record<string, NativeMember> = {
  __bytes__: { k: 'method', fn: forward('__bytes__') },
  __reversed__: { k: 'method', fn: forward('__reversed__') },
  __int__: {
    k: 'method',
    fn: (vm, args, _kw, out) => vm.call(vm.T.int, [unwrap(vm, args[0] as ObjectId)], undefined, out),
  },
  __float__: {
    k: 'method',
    fn: (vm, args, _kw, out) => vm.call(vm.T.float, [unwrap(vm, args[0] as ObjectId)], undefined, out),
  },
  __abs__: {
    k: 'method',
    fn: (vm, args, _kw, out) =>
      vm.call(vm.dictGetStr(vm.builtinsDict, 'abs') as ObjectId, [unwrap(vm, args[0] as ObjectId)], undefined, out),
  },
};

/** PyWeakref_NewProxy. */
function newProxy(vm: VM, referent: ObjectId, callback: ObjectId | undefined, out: Holder): ObjectId {
  checkReferent(vm, referent);
  const cb = callback === undefined || callback === vm.statics.none ? undefined : callback;
  const name = vm.isCallable(referent) ? 'CallableProxyType' : 'ProxyType';
  const type = vm.typeByName.get(`weakref.${name}`) as ObjectId;
  const p = vm.rt.newWeakref(referent, cb, out, { flavor: 'proxy', pyType: `weakref.${name}`, size: REF_SIZE });
  if (!vm.values.has(p)) vm.values.set(p, { t: 'weakref', type, callback: cb });
  return p;
}

// ---------------------------------------------------------------------------------
// The module.

function one(vm: VM, name: string, args: readonly ObjectId[], kwnames: readonly string[] | undefined): ObjectId {
  if (kwnames !== undefined) throw vm.typeError(`${name}() takes no keyword arguments`);
  if (args.length !== 1) throw vm.typeError(`${name}() takes exactly one argument (${args.length} given)`);
  return args[0] as ObjectId;
}

const weakrefFunctions: Record<string, Native> = {
  getweakrefcount: (vm, args, kw, out) =>
    vm.newInt(BigInt(weakrefsTo(vm.rt.state, one(vm, 'getweakrefcount', args, kw)).length), out),
  getweakrefs: (vm, args, kw, out) => vm.newList(weakrefsTo(vm.rt.state, one(vm, 'getweakrefs', args, kw)), out),
  proxy: (vm, args, kwnames, out) => {
    if (kwnames !== undefined) throw vm.typeError('proxy() takes no keyword arguments');
    if (args.length < 1 || args.length > 2)
      throw vm.typeError(
        `proxy expected ${args.length < 1 ? 'at least 1 argument' : 'at most 2 arguments'}, got ${args.length}`,
      );
    return newProxy(vm, args[0] as ObjectId, args[1], out);
  },
  _remove_dead_weakref: (vm, args, kwnames, out) => {
    if (kwnames !== undefined || args.length !== 2)
      throw vm.typeError(`_remove_dead_weakref expected 2 arguments, got ${args.length}`);
    const [d, key] = args as [ObjectId, ObjectId];
    if (vm.value(d).t !== 'dict')
      throw vm.typeError(`_remove_dead_weakref() argument 1 must be dict, not ${vm.typeName(d)}`);
    const v = vm.dictGet(d, key);
    if (v === undefined) return vm.none(out);
    if (!isWeakrefObject(vm, v)) throw vm.typeError('not a weakref');
    if (weakrefReferent(vm.rt.state, v) === undefined) vm.dictDel(d, key);
    return vm.none(out);
  },
};

/** The weakref types and the _weakref module (made at start-up, as CPython imports it then). */
export function defineWeakrefModule(vm: VM): void {
  vm.T.weakref = vm.defineType({
    name: 'ReferenceType',
    module: 'weakref',
    base: vm.T.object,
    slots: refSlots,
    members: refMembers,
  });
  vm.typeByName.set('weakref', vm.T.weakref);
  for (const [name, callable] of [
    ['ProxyType', false],
    ['CallableProxyType', true],
  ] as const) {
    vm.defineType({
      name,
      module: 'weakref',
      base: vm.T.object,
      baseType: false,
      slots: proxySlots(callable),
      members: proxyMembers,
    });
  }
  vm.defineModule('_weakref', weakrefFunctions, (vm2, dict) => {
    for (const [name, t] of [
      ['ref', vm2.T.weakref],
      ['ReferenceType', vm2.T.weakref],
      ['ProxyType', vm2.typeByName.get('weakref.ProxyType') as ObjectId],
      ['CallableProxyType', vm2.typeByName.get('weakref.CallableProxyType') as ObjectId],
    ] as const) {
      vm2.dictSetStr(dict, name, t, C_TEMP, 'copy');
    }
  });
}
