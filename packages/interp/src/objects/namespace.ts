/*
 * types.SimpleNamespace
 * =====================
 * An object whose attributes are its keyword arguments, kept in a dict object made with
 * it (ns_dict, held in slot `__dict__`): 40 bytes, GC-tracked from creation. It is the
 * type of `sys.implementation`, which is how Lib/types.py finds it
 * (`SimpleNamespace = type(sys.implementation)`).
 *
 * Source: Objects/namespaceobject.c (3.11: namespace_new, namespace_init, namespace_repr,
 * namespace_richcompare, namespace_reduce).
 */
import { type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import { npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';

/** sizeof(_PyNamespaceObject) plus the GC header. */
const NAMESPACE_SIZE = 40;

function nsDict(vm: VM, self: ObjectId): ObjectId {
  const d = vm.value(self).dict;
  if (d === undefined) throw vm.typeError('uninitialized namespace');
  return d;
}

const namespaceSlots: TypeSlots = {
  new: (vm, type, _args, _kwnames, out) => {
    const ns = vm.allocFor(type, 'types.SimpleNamespace', 'method', NAMESPACE_SIZE, { t: 'object', type }, out);
    const d = vm.newDict(C_TEMP);
    vm.value(ns).dict = d;
    vm.rt.moveToRef(d, C_TEMP, ns, '__dict__');
    return ns;
  },
  init: (vm, self, args, kwnames) => {
    if (npos(args, kwnames) > 0) throw vm.typeError('no positional arguments expected');
    const d = nsDict(vm, self);
    kwnames?.forEach((k, i) => vm.dictSetStr(d, k, args[args.length - kwnames.length + i] as ObjectId, C_TEMP, 'copy'));
  },
  repr: (vm, self) => {
    const type = vm.typeOf(self);
    const name = type === vm.typeByName.get('types.SimpleNamespace') ? 'namespace' : vm.typeValue(type).name;
    if (vm.reprEnter(self)) return `${name}(...)`;
    try {
      // namespace_repr: a list of "key=value" pieces, over PyDict_Keys of the namespace.
      const pieces = vm.newList([], C_TEMP);
      const keys = vm.newList(
        vm.dictEntries(nsDict(vm, self)).map((e) => e.key),
        C_TEMP,
      );
      const parts: string[] = [];
      try {
        for (const k of vm.as(keys, 'list').items) {
          const kv = vm.value(k);
          const v = vm.dictGet(nsDict(vm, self), k);
          if (kv.t === 'str' && v !== undefined) {
            const piece = vm.newStr(`${kv.v}=${vm.reprText(v)}`, C_TEMP);
            vm.listAppend(pieces, piece);
            vm.rt.decref(piece, C_TEMP);
            parts.push(vm.strText(piece));
          }
        }
      } finally {
        vm.rt.decref(keys, C_TEMP);
        vm.rt.decref(pieces, C_TEMP);
      }
      return `${name}(${parts.join(', ')})`;
    } finally {
      vm.reprLeave(self);
    }
  },
  unhashable: true,
  compare: (vm, a, b, op) => {
    const ns = vm.typeByName.get('types.SimpleNamespace') as ObjectId;
    if ((op !== '==' && op !== '!=') || !vm.isInstanceOf(b, ns)) return undefined;
    return vm.richCompareBool(nsDict(vm, a), nsDict(vm, b), op);
  },
};

export function defineNamespaceType(vm: VM): ObjectId {
  return vm.defineType({
    name: 'SimpleNamespace',
    module: 'types',
    base: vm.T.object,
    slots: namespaceSlots,
    hasDict: true,
    members: {
      __dict__: vm.instanceGetset('__dict__'),
      __reduce__: {
        k: 'method',
        fn: (vm2, args, _kw, out: Holder) => {
          const self = args[0] as ObjectId;
          const empty = vm2.newTuple([], C_TEMP);
          const d = vm2.ret(nsDict(vm2, self), C_TEMP);
          return vm2.newTuple([vm2.ret(vm2.typeOf(self), C_TEMP), empty, d], out, C_TEMP);
        },
      },
    },
  });
}

/** A new SimpleNamespace with `attrs` (references moved from C_TEMP). */
export function newNamespace(vm: VM, attrs: readonly [string, ObjectId][], out: Holder): ObjectId {
  const type = vm.typeByName.get('types.SimpleNamespace') as ObjectId;
  const ns = namespaceSlots.new?.(vm, type, [], undefined, out) as ObjectId;
  const d = nsDict(vm, ns);
  for (const [k, v] of attrs) vm.dictSetStr(d, k, v, C_TEMP, 'move');
  return ns;
}
