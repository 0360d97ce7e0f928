/*
 * The dict type: its slots, methods and views
 * ===========================================
 * dict's Python surface over the store of dict.ts: `d[k]` (with `__missing__` for
 * subclasses), `in`, iteration, `==`, repr, the methods, and the view objects of
 * keys(), values() and items(), which hold the dict (slot `mapping`).
 *
 * Source: Objects/dictobject.c (3.11): dict_subscript, dict_ass_sub, dict_repr,
 * dict_richcompare, dict_new/dict_init/dict_vectorcall, the methods, dictview_*.
 */
import { type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { argRange, noArgs, oneArg } from './sequence.js';
import { methods } from './list.js';
import { subtypeExtraBytes } from './type.js';

/** dict_repr: Py_ReprEnter comes before the empty check (an empty dict's repr enters too). */
function dictRepr(vm: VM, self: ObjectId): string {
  if (vm.reprEnter(self)) return '{...}';
  try {
    const entries = vm.dictEntries(self);
    if (entries.length === 0) return '{}';
    const parts: string[] = [];
    for (const e of entries) parts.push(`${vm.reprText(e.key)}: ${vm.reprText(e.value)}`);
    return `{${parts.join(', ')}}`;
  } finally {
    vm.reprLeave(self);
  }
}

/** KeyError(key): the key itself is the argument. */
export function keyError(vm: VM, key: ObjectId): ReturnType<VM['pyErr']> {
  return vm.raiseNew(vm.typeByName.get('KeyError') as ObjectId, [vm.ret(key, C_TEMP)], C_TEMP);
}

function dictGetItem(vm: VM, self: ObjectId, key: ObjectId, out: Holder): ObjectId {
  const v = vm.dictGet(self, key);
  if (v !== undefined) return vm.ret(v, out);
  // A subclass's (or C subtype's: defaultdict) __missing__.
  if (vm.typeOf(self) !== vm.T.dict) {
    const missing = vm.lookupType(vm.typeOf(self), '__missing__');
    if (missing !== undefined) return vm.callUnbound(missing, self, [key], out);
  }
  throw keyError(vm, key);
}

function newDictOf(vm: VM, type: ObjectId, out: Holder): ObjectId {
  if (type === vm.T.dict) return vm.newDict(out, 0, true);
  // A subclass instance: a dict of its type, holding its type.
  const d = vm.newDict(C_TEMP, 0, true, type, subtypeExtraBytes(vm, type, 'dict'));
  vm.value(d).attrs = new Map();
  vm.rt.increfRef(type, d, '__class__');
  vm.dictStore(d).refBase = 1;
  vm.rt.move(d, C_TEMP, out);
  return d;
}

const dictSlots: TypeSlots = {
  vectorcall: true,
  new: (vm, type, _args, _kw, out) => newDictOf(vm, type, out),
  init: (vm, self, args, kwnames) => {
    const n = npos(args, kwnames);
    if (n > 1) throw vm.typeError(`dict expected at most 1 argument, got ${n}`);
    if (n === 1) vm.dictUpdate(self, args[0] as ObjectId, true);
    if (kwnames !== undefined) {
      kwnames.forEach((k, i) => vm.dictSetStr(self, k, args[n + i] as ObjectId, C_TEMP, 'copy'));
    }
  },
  repr: dictRepr,
  unhashable: true,
  compare: (vm, a, b, op) => {
    if (vm.value(b).t !== 'dict' || (op !== '==' && op !== '!=')) return undefined;
    const ea = vm.dictEntries(a);
    let eq = ea.length === vm.dictSize(b);
    if (eq) {
      for (const e of ea) {
        const other = vm.dictGet(b, e.key);
        if (other === undefined || !vm.richCompareBool(e.value, other, '==')) {
          eq = false;
          break;
        }
      }
    }
    return op === '==' ? eq : !eq;
  },
  iter: (vm, self, out) => vm.newIterator('dict_keyiterator', self, out, { size: vm.dictSize(self) }),
  len: (vm, self) => vm.dictSize(self),
  getitem: dictGetItem,
  setitem: (vm, self, key, value) => {
    if (value === undefined) {
      if (!vm.dictDel(self, key)) throw keyError(vm, key);
    } else vm.dictSet(self, key, value, C_TEMP, 'copy');
  },
  contains: (vm, self, key) => vm.dictGet(self, key) !== undefined,
  number: {
    '|': (vm, a, b, out) => {
      if (vm.value(a).t !== 'dict' || vm.value(b).t !== 'dict') return undefined;
      const d = vm.newDict(C_TEMP);
      vm.dictUpdate(d, a);
      vm.dictUpdate(d, b);
      vm.rt.move(d, C_TEMP, out);
      return d;
    },
  },
  inplace: {
    '|': (vm, a, b, out) => {
      vm.dictUpdate(a, b, true);
      return vm.ret(a, out);
    },
  },
};

function view(vm: VM, kind: string, dict: ObjectId, out: Holder): ObjectId {
  const v = vm.alloc(
    kind,
    'method',
    40,
    { t: 'mappingproxy', type: vm.typeByName.get(kind) as ObjectId, mapping: dict },
    out,
  );
  vm.rt.increfRef(dict, v, 'mapping');
  return v;
}

const dictMethods: Record<string, Native> = {
  get: (vm, args, kw, out) => {
    const a = argRange(vm, 'get', args, kw, 1, 2);
    const v = vm.dictGet(args[0] as ObjectId, a[0] as ObjectId);
    return vm.ret(v ?? a[1] ?? vm.statics.none, out);
  },
  setdefault: (vm, args, kw, out) => {
    const a = argRange(vm, 'setdefault', args, kw, 1, 2);
    const d = args[0] as ObjectId;
    const v = vm.dictGet(d, a[0] as ObjectId);
    if (v !== undefined) return vm.ret(v, out);
    const dflt = a[1] ?? vm.statics.none;
    vm.dictSet(d, a[0] as ObjectId, dflt, C_TEMP, 'copy');
    return vm.ret(dflt, out);
  },
  pop: (vm, args, kw, out) => {
    const a = argRange(vm, 'pop', args, kw, 1, 2);
    const d = args[0] as ObjectId;
    const v = vm.dictGet(d, a[0] as ObjectId);
    if (v === undefined) {
      if (a[1] !== undefined) return vm.ret(a[1], out);
      throw keyError(vm, a[0] as ObjectId);
    }
    vm.rt.incref(v, out);
    vm.dictDel(d, a[0] as ObjectId);
    return v;
  },
  popitem: (vm, args, kw, out) => {
    noArgs(vm, 'dict.popitem', args, kw);
    const d = args[0] as ObjectId;
    const entries = vm.dictEntries(d);
    const last = entries.at(-1);
    if (last === undefined) throw vm.pyErr('KeyError', 'popitem(): dictionary is empty');
    const k = vm.ret(last.key, C_TEMP);
    const v = vm.ret(last.value, C_TEMP);
    vm.dictDel(d, last.key);
    return vm.newTuple([k, v], out, C_TEMP);
  },
  keys: (vm, args, kw, out) => {
    noArgs(vm, 'dict.keys', args, kw);
    return view(vm, 'dict_keys', args[0] as ObjectId, out);
  },
  values: (vm, args, kw, out) => {
    noArgs(vm, 'dict.values', args, kw);
    return view(vm, 'dict_values', args[0] as ObjectId, out);
  },
  items: (vm, args, kw, out) => {
    noArgs(vm, 'dict.items', args, kw);
    return view(vm, 'dict_items', args[0] as ObjectId, out);
  },
  update: (vm, args, kwnames, out) => {
    const d = args[0] as ObjectId;
    const n = npos(args, kwnames);
    if (n > 2) throw vm.typeError(`update expected at most 1 argument, got ${n - 1}`);
    if (n === 2) vm.dictUpdate(d, args[1] as ObjectId, true);
    kwnames?.forEach((k, i) => vm.dictSetStr(d, k, args[n + i] as ObjectId, C_TEMP, 'copy'));
    return vm.none(out);
  },
  clear: (vm, args, kw, out) => {
    noArgs(vm, 'dict.clear', args, kw);
    vm.dictClear(args[0] as ObjectId);
    return vm.none(out);
  },
  copy: (vm, args, kw, out) => {
    noArgs(vm, 'dict.copy', args, kw);
    const src = args[0] as ObjectId;
    const d = vm.newDict(C_TEMP, vm.dictSize(src));
    vm.dictUpdate(d, src);
    vm.rt.move(d, C_TEMP, out);
    return d;
  },
  __reversed__: (vm, args, _kw, out) => {
    const d = args[0] as ObjectId;
    const it = vm.newIterator('dict_reversekeyiterator', d, out, { size: vm.dictSize(d) });
    const iv = vm.value(it) as { items?: ObjectId[]; version?: number };
    iv.items = vm
      .dictEntries(d)
      .map((e) => e.key)
      .reverse();
    iv.version = vm.dictStore(d).version;
    return it;
  },
  __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(vm.rt.object(args[0] as ObjectId).size - 16), out),
};

const fromkeys: NativeMember = {
  k: 'classmethod',
  fn: (vm, args, kw, out) => {
    const a = argRange(vm, 'fromkeys', args, kw, 1, 2);
    const cls = args[0] as ObjectId;
    const d = vm.call(cls, [], undefined, C_TEMP);
    try {
      const value = a[1] ?? vm.statics.none;
      for (const k of vm.iterateToArray(a[0] as ObjectId, C_TEMP)) {
        try {
          vm.setItem(d, k, value);
        } finally {
          vm.rt.decref(k, C_TEMP);
        }
      }
    } catch (e) {
      vm.rt.decref(d, C_TEMP);
      throw e;
    }
    vm.rt.move(d, C_TEMP, out);
    return d;
  },
};

// ---------------------------------------------------------------------------------
// Views

const mappingOf = (vm: VM, viewId: ObjectId): ObjectId => vm.as(viewId, 'mappingproxy').mapping;

function viewItems(vm: VM, viewId: ObjectId, kind: string): ObjectId[] {
  const d = mappingOf(vm, viewId);
  const entries = vm.dictEntries(d);
  if (kind === 'dict_keys') return entries.map((e) => e.key);
  return entries.map((e) => e.value);
}

/** A set made of what a keys or items view (or any iterable) yields. */
function toSet(vm: VM, obj: ObjectId): ObjectId {
  const s = vm.newSet(C_TEMP, false);
  try {
    for (const x of vm.iterateToArray(obj, C_TEMP)) {
      try {
        vm.setAdd(s, x);
      } finally {
        vm.rt.decref(x, C_TEMP);
      }
    }
  } catch (e) {
    vm.rt.decref(s, C_TEMP);
    throw e;
  }
  return s;
}

function viewSetOp(op: '&' | '|' | '-' | '^'): (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined {
  return (vm, a, b, out) => {
    let left = a;
    let right = b;
    const av = vm.value(a);
    if (av.t !== 'mappingproxy' || vm.typeName(a) === 'dict_values') {
      // The view is the right operand (reflected).
      left = a;
      right = b;
    }
    const s = toSet(vm, left);
    try {
      const r = vm.binaryOp(op, s, right, true, out);
      return r;
    } finally {
      vm.rt.decref(s, C_TEMP);
    }
  };
}

function viewSlots(kind: string): TypeSlots {
  const slots: TypeSlots = {
    len: (vm, self) => vm.dictSize(mappingOf(vm, self)),
    iter: (vm, self, out) => {
      const d = mappingOf(vm, self);
      const itKind =
        kind === 'dict_keys' ? 'dict_keyiterator' : kind === 'dict_values' ? 'dict_valueiterator' : 'dict_itemiterator';
      return vm.newIterator(itKind, d, out, { size: vm.dictSize(d) });
    },
    // dictview_repr: Py_ReprEnter, then the repr of PySequence_List(view).
    repr: (vm, self) => {
      if (vm.reprEnter(self)) return '...';
      try {
        return `${kind}(${vm.reprAsList(self)})`;
      } finally {
        vm.reprLeave(self);
      }
    },
    contains: (vm, self, item) => {
      const d = mappingOf(vm, self);
      if (kind === 'dict_keys') return vm.dictGet(d, item) !== undefined;
      if (kind === 'dict_items') {
        const iv = vm.value(item);
        if (iv.t !== 'tuple' || iv.items.length !== 2) return false;
        const v = vm.dictGet(d, iv.items[0] as ObjectId);
        return v !== undefined && vm.richCompareBool(v, iv.items[1] as ObjectId, '==');
      }
      for (const v of viewItems(vm, self, kind)) if (vm.richCompareBool(v, item, '==')) return true;
      return false;
    },
  };
  if (kind !== 'dict_values') {
    slots.number = { '&': viewSetOp('&'), '|': viewSetOp('|'), '-': viewSetOp('-'), '^': viewSetOp('^') };
    slots.compare = (vm, a, b, op) => {
      const bv = vm.value(b);
      if (bv.t !== 'set' && bv.t !== 'mappingproxy') return undefined;
      const sa = toSet(vm, a);
      const sb = bv.t === 'set' ? vm.ret(b, C_TEMP) : toSet(vm, b);
      try {
        return vm.richCompareBool(sa, sb, op);
      } finally {
        vm.rt.decref(sa, C_TEMP);
        vm.rt.decref(sb, C_TEMP);
      }
    };
  }
  return slots;
}

const viewMembers: Record<string, NativeMember> = {
  mapping: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      return vm.newMappingProxy(mappingOf(vm, self), C_TEMP);
    },
  },
  __reversed__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const d = mappingOf(vm, args[0] as ObjectId);
      const it = vm.newIterator('dict_reversekeyiterator', d, out, { size: vm.dictSize(d) });
      const iv = vm.value(it) as { items?: ObjectId[]; version?: number };
      iv.items = vm
        .dictEntries(d)
        .map((e) => e.key)
        .reverse();
      iv.version = vm.dictStore(d).version;
      return it;
    },
  },
};

declare module '../vm/vm.js' {
  interface VM {
    newMappingProxy(mapping: ObjectId, out: Holder): ObjectId;
  }
}

VM.prototype.newMappingProxy = function (this: VM, mapping, out) {
  const p = this.alloc(
    'mappingproxy',
    'method',
    40,
    { t: 'mappingproxy', type: this.typeByName.get('mappingproxy') as ObjectId, mapping },
    out,
  );
  this.rt.increfRef(mapping, p, 'mapping');
  return p;
};

const proxySlots: TypeSlots = {
  // mappingproxy_new: any mapping but a list or tuple.
  new: (vm, _type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const mapping = n > 0 ? args[0] : kwarg(args, kwnames, 'mapping');
    if (mapping === undefined) throw vm.typeError("mappingproxy() missing required argument 'mapping' (pos 1)");
    const mv = vm.value(mapping);
    if (mv.t === 'list' || mv.t === 'tuple' || (mv.t !== 'dict' && !vm.hasAttr(mapping, '__getitem__'))) {
      throw vm.typeError(`mappingproxy() argument must be a mapping, not ${vm.typeName(mapping)}`);
    }
    return vm.newMappingProxy(mapping, out);
  },
  getitem: (vm, self, key, out) => vm.getItem(mappingOf(vm, self), key, out),
  len: (vm, self) => vm.len(mappingOf(vm, self)),
  iter: (vm, self, out) => vm.getIter(mappingOf(vm, self), out),
  contains: (vm, self, key) => vm.contains(mappingOf(vm, self), key),
  repr: (vm, self) => `mappingproxy(${vm.reprText(mappingOf(vm, self))})`,
  number: {
    '|': (vm, a, b, out) => {
      const left = vm.value(a).t === 'mappingproxy' ? mappingOf(vm, a) : a;
      const right = vm.value(b).t === 'mappingproxy' ? mappingOf(vm, b) : b;
      return vm.binaryOp('|', left, right, false, out);
    },
  },
};

const proxyMethods: Record<string, Native> = {
  get: (vm, args, _kw, out) => vm.callMethod(mappingOf(vm, args[0] as ObjectId), 'get', args.slice(1), out),
  keys: (vm, args, _kw, out) => vm.callMethod(mappingOf(vm, args[0] as ObjectId), 'keys', [], out),
  values: (vm, args, _kw, out) => vm.callMethod(mappingOf(vm, args[0] as ObjectId), 'values', [], out),
  items: (vm, args, _kw, out) => vm.callMethod(mappingOf(vm, args[0] as ObjectId), 'items', [], out),
  copy: (vm, args, _kw, out) => vm.callMethod(mappingOf(vm, args[0] as ObjectId), 'copy', [], out),
};

export function defineDictTypes(vm: VM): void {
  vm.T.dict = vm.defineType({
    name: 'dict',
    base: vm.T.object,
    layout: 'dict',
    slots: dictSlots,
    members: { ...methods(dictMethods), fromkeys },
  });
  for (const kind of ['dict_keys', 'dict_values', 'dict_items']) {
    vm.defineType({ name: kind, base: vm.T.object, baseType: false, slots: viewSlots(kind), members: viewMembers });
  }
  vm.T.mappingproxy = vm.defineType({
    name: 'mappingproxy',
    base: vm.T.object,
    baseType: false,
    slots: proxySlots,
    members: methods(proxyMethods),
  });
  void oneArg;
  void kwarg;
}
