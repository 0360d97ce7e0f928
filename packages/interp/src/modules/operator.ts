/*
 * _operator
 * =========
 * The C half of Lib/operator.py: `from _operator import *` replaces every pure-Python
 * function of operator.py by a builtin function, and its itemgetter, attrgetter and
 * methodcaller classes by C types. So `import operator` (which collections, functools,
 * copy, dataclasses ... do) leaves builtin functions and three heap types, not some
 * 60 Python functions and three classes.
 *
 * The functions are the abstract object protocol with a name: operator.add(a, b) is
 * PyNumber_Add, operator.lt(a, b) is PyObject_RichCompare(a, b, Py_LT), operator.iadd
 * is PyNumber_InPlaceAdd, and so on; they allocate only what the operation does.
 *
 * The three types are GC-tracked, with 3.11's struct sizes are 3.11's (itemgetter 48 bytes, attrgetter and
 * methodcaller 40, plus the GC header):
 *   itemgetter    nitems, item (the one key, or the tuple of keys), index, vectorcall
 *   attrgetter    nattr, attr: a tuple with one entry per name, an interned str or, for
 *                 a dotted name, a tuple of interned strs
 *   methodcaller  name (interned), args (a tuple), kwds (the keyword dict, or NULL)
 *
 * Source: Modules/_operator.c (3.11).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { npos } from '../vm/native.js';
import type { BinaryOp, CompareOp, TypeSlots } from '../vm/typeSlots.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { pyStrRepr } from '../format.js';
import { BUILTIN_FUNCTIONS } from './builtins.js';
import { checkPositional, kwargsDict, methO, noKeywords } from './args.js';
import { cdata, newCObject } from './cobject.js';

const binary =
  (name: string, op: BinaryOp, inplace: boolean): Native =>
  (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, name, args, kwnames, 2, 2) as [ObjectId, ObjectId];
    return vm.binaryOp(op, a, b, inplace, out);
  };

const compare =
  (name: string, op: CompareOp): Native =>
  (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, name, args, kwnames, 2, 2) as [ObjectId, ObjectId];
    return vm.richCompare(a, b, op, out);
  };

const unary =
  (name: string, f: (vm: VM, a: ObjectId, out: Holder) => ObjectId): Native =>
  (vm, args, kwnames, out) =>
    f(vm, methO(vm, `_operator.${name}`, args, kwnames), out);

/** PySequence_Check: the type has sq_item (a __getitem__) and is not a dict. */
function isSequence(vm: VM, a: ObjectId): boolean {
  if (vm.isInstanceOf(a, vm.T.dict)) return false;
  return vm.lookupType(vm.typeOf(a), '__getitem__') !== undefined;
}

/** PySequence_Concat / PySequence_InPlaceConcat. */
const concat =
  (name: string, inplace: boolean): Native =>
  (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, name, args, kwnames, 2, 2) as [ObjectId, ObjectId];
    if (!isSequence(vm, a)) throw vm.typeError(`'${vm.typeName(a)}' object can't be concatenated`);
    return vm.binaryOp('+', a, b, inplace, out);
  };

/** _PySequence_IterSearch: PY_ITERSEARCH_COUNT or PY_ITERSEARCH_INDEX. */
function iterSearch(vm: VM, seq: ObjectId, item: ObjectId, index: boolean): number {
  const it = vm.getIter(seq, C_TEMP);
  let n = 0;
  try {
    for (;;) {
      const x = vm.iterNext(it, C_TEMP);
      if (x === undefined) break;
      let eq: boolean;
      try {
        eq = x === item || vm.richCompareBool(x, item, '==');
      } finally {
        vm.rt.decref(x, C_TEMP);
      }
      if (eq) {
        if (index) return n;
        n++;
      } else if (index) n++;
    }
  } finally {
    vm.rt.decref(it, C_TEMP);
  }
  if (index) throw vm.pyErr('ValueError', 'sequence.index(x): x not in sequence');
  return n;
}

const isAscii = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 0x80);

const functions: Record<string, Native> = {
  truth: unary('truth', (vm, a, out) => vm.bool(vm.truthy(a), out)),
  not_: unary('not_', (vm, a, out) => vm.bool(!vm.truthy(a), out)),
  index: unary('index', (vm, a, out) => vm.newInt(vm.index(a), out)),
  neg: unary('neg', (vm, a, out) => vm.unaryOp('-', a, out)),
  pos: unary('pos', (vm, a, out) => vm.unaryOp('+', a, out)),
  inv: unary('inv', (vm, a, out) => vm.unaryOp('~', a, out)),
  invert: unary('invert', (vm, a, out) => vm.unaryOp('~', a, out)),
  abs: unary('abs', (vm, a, out) => (BUILTIN_FUNCTIONS['abs'] as Native)(vm, [a], undefined, out)),
  contains: (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, 'contains', args, kwnames, 2, 2) as [ObjectId, ObjectId];
    return vm.bool(vm.contains(a, b), out);
  },
  indexOf: (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, 'indexOf', args, kwnames, 2, 2) as [ObjectId, ObjectId];
    return vm.newInt(BigInt(iterSearch(vm, a, b, true)), out);
  },
  countOf: (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, 'countOf', args, kwnames, 2, 2) as [ObjectId, ObjectId];
    return vm.newInt(BigInt(iterSearch(vm, a, b, false)), out);
  },
  is_: (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, 'is_', args, kwnames, 2, 2);
    return vm.bool(a === b, out);
  },
  is_not: (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, 'is_not', args, kwnames, 2, 2);
    return vm.bool(a !== b, out);
  },
  getitem: (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, 'getitem', args, kwnames, 2, 2) as [ObjectId, ObjectId];
    return vm.getItem(a, b, out);
  },
  setitem: (vm, args, kwnames, out) => {
    const [a, b, c] = checkPositional(vm, 'setitem', args, kwnames, 3, 3) as [ObjectId, ObjectId, ObjectId];
    vm.setItem(a, b, c);
    return vm.none(out);
  },
  delitem: (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, 'delitem', args, kwnames, 2, 2) as [ObjectId, ObjectId];
    vm.delItem(a, b);
    return vm.none(out);
  },
  concat: concat('concat', false),
  iconcat: concat('iconcat', true),
  length_hint: (vm, args, kwnames, out) => {
    const [obj, dflt] = checkPositional(vm, 'length_hint', args, kwnames, 1, 2) as [ObjectId, ObjectId | undefined];
    let d = 0;
    if (dflt !== undefined) {
      if (!vm.hasIndex(dflt)) throw vm.typeError(`'${vm.typeName(dflt)}' object cannot be interpreted as an integer`);
      d = Number(vm.index(dflt));
    }
    return vm.newInt(BigInt(vm.lengthHint(obj, d)), out);
  },
  call: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    if (n < 1) throw vm.typeError('call() missing required argument');
    return vm.call(args[0] as ObjectId, args.slice(1), kwnames, out);
  },
  _compare_digest: (vm, args, kwnames, out) => {
    const [a, b] = checkPositional(vm, '_compare_digest', args, kwnames, 2, 2) as [ObjectId, ObjectId];
    const va = vm.value(a);
    const vb = vm.value(b);
    if (va.t === 'str' && vb.t === 'str') {
      if (!isAscii(va.v) || !isAscii(vb.v))
        throw vm.typeError('comparing strings with non-ASCII characters is not supported');
      return vm.bool(va.v === vb.v, out);
    }
    const bytesOf = (v: typeof va): Uint8Array | undefined =>
      v.t === 'bytes' ? v.v : v.t === 'bytearray' ? v.v.subarray(0, v.len) : undefined;
    const ba = bytesOf(va);
    const bb = bytesOf(vb);
    if (ba === undefined || bb === undefined)
      throw vm.typeError(
        `unsupported operand types(s) or combination of types: '${vm.typeName(a)}' and '${vm.typeName(b)}'`,
      );
    return vm.bool(ba.length === bb.length && ba.every((x, i) => x === bb[i]), out);
  },
};

const COMPARES: [string, CompareOp][] = [
  ['lt', '<'],
  ['le', '<='],
  ['eq', '=='],
  ['ne', '!='],
  ['gt', '>'],
  ['ge', '>='],
];
for (const [name, op] of COMPARES) functions[name] = compare(name, op);

const BINARIES: [string, BinaryOp][] = [
  ['add', '+'],
  ['sub', '-'],
  ['mul', '*'],
  ['matmul', '@'],
  ['floordiv', '//'],
  ['truediv', '/'],
  ['mod', '%'],
  ['lshift', '<<'],
  ['rshift', '>>'],
  ['and_', '&'],
  ['xor', '^'],
  ['or_', '|'],
  ['pow', '**'],
];
for (const [name, op] of BINARIES) {
  functions[name] = binary(name, op, false);
  const iname = `i${name.replace(/_$/, '')}`;
  functions[iname] = binary(iname, op, true);
}

// ---------------------------------------------------------------------------------
// itemgetter, attrgetter, methodcaller

interface ItemgetterData {
  nitems: number;
  item: ObjectId | undefined;
}
interface AttrgetterData {
  nattrs: number;
  attr: ObjectId | undefined;
}
interface MethodcallerData {
  name: ObjectId | undefined;
  args: ObjectId | undefined;
  kwds: ObjectId | undefined;
}

/** Py_ReprEnter / Py_ReprLeave for the three reprs. */
/** The reprs of itemgetter, attrgetter and methodcaller, inside Py_ReprEnter / Py_ReprLeave. */
function guardedRepr(vm: VM, self: ObjectId, f: () => string): string {
  if (vm.reprEnter(self)) return `operator.${vm.typeName(self)}(...)`;
  try {
    return f();
  } finally {
    vm.reprLeave(self);
  }
}

/** A tuple of what `fetch` gives for each of `keys` (itemgetter and attrgetter of several). */
function tupleOf(vm: VM, keys: readonly ObjectId[], fetch: (k: ObjectId) => ObjectId, out: Holder): ObjectId {
  const got: ObjectId[] = [];
  try {
    for (const k of keys) got.push(fetch(k));
    return vm.newTuple(got, out, C_TEMP);
  } catch (e) {
    for (const g of got) vm.rt.decref(g, C_TEMP);
    throw e;
  }
}

const itemgetterSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    noKeywords(vm, 'itemgetter', kwnames);
    const n = args.length;
    if (n < 1) throw vm.typeError('itemgetter expected 1 argument, got 0');
    const item = n === 1 ? (args[0] as ObjectId) : vm.newTuple(args, C_TEMP);
    try {
      return newCObject<ItemgetterData>(vm, type, 'operator.itemgetter', 64, { nitems: n, item }, ['item'], out, {
        holdsType: true,
      });
    } finally {
      if (n > 1) vm.rt.decref(item, C_TEMP);
    }
  },
  call: (vm, self, args, kwnames, out) => {
    noKeywords(vm, 'itemgetter', kwnames);
    if (args.length !== 1) throw vm.typeError(`itemgetter expected 1 argument, got ${args.length}`);
    const obj = args[0] as ObjectId;
    const d = cdata<ItemgetterData>(vm, self);
    const item = d.item as ObjectId;
    if (d.nitems === 1) return vm.getItem(obj, item, out);
    return tupleOf(vm, vm.as(item, 'tuple').items, (k) => vm.getItem(obj, k, C_TEMP), out);
  },
  repr: (vm, self) =>
    guardedRepr(vm, self, () => {
      const d = cdata<ItemgetterData>(vm, self);
      const item = d.item as ObjectId;
      const shown = d.nitems === 1 ? vm.reprText(item) : vm.reprText(item).slice(1, -1);
      return `operator.itemgetter(${shown})`;
    }),
};

/** dotted_getattr: follow each part of a dotted name. */
function dottedGetattr(vm: VM, obj: ObjectId, attr: ObjectId, out: Holder): ObjectId {
  const v = vm.value(attr);
  if (v.t === 'str') return vm.getAttr(obj, v.v, out);
  let cur = obj;
  vm.rt.incref(cur, C_TEMP);
  for (const part of vm.as(attr, 'tuple').items) {
    try {
      const next = vm.getAttr(cur, vm.strText(part), C_TEMP);
      vm.rt.decref(cur, C_TEMP);
      cur = next;
    } catch (e) {
      vm.rt.decref(cur, C_TEMP);
      throw e;
    }
  }
  vm.rt.incref(cur, out);
  vm.rt.decref(cur, C_TEMP);
  return cur;
}

const attrgetterSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    noKeywords(vm, 'attrgetter', kwnames);
    const n = args.length;
    if (n < 1) throw vm.typeError('attrgetter expected 1 argument, got 0');
    const entries: ObjectId[] = [];
    try {
      for (const a of args) {
        const v = vm.value(a);
        if (v.t !== 'str') throw vm.typeError('attribute name must be a string');
        const parts = v.v.split('.');
        if (parts.length === 1) entries.push(vm.internStr(v.v, C_TEMP));
        else {
          const interned = parts.map((p) => vm.internStr(p, C_TEMP));
          entries.push(vm.newTuple(interned, C_TEMP, C_TEMP));
        }
      }
      const attr = vm.newTuple(entries.splice(0), C_TEMP, C_TEMP);
      try {
        return newCObject<AttrgetterData>(vm, type, 'operator.attrgetter', 56, { nattrs: n, attr }, ['attr'], out, {
          holdsType: true,
        });
      } finally {
        vm.rt.decref(attr, C_TEMP);
      }
    } finally {
      for (const e of entries) vm.rt.decref(e, C_TEMP);
    }
  },
  call: (vm, self, args, kwnames, out) => {
    noKeywords(vm, 'attrgetter', kwnames);
    if (args.length !== 1) throw vm.typeError(`attrgetter expected 1 argument, got ${args.length}`);
    const obj = args[0] as ObjectId;
    const d = cdata<AttrgetterData>(vm, self);
    const attrs = vm.as(d.attr as ObjectId, 'tuple').items;
    if (d.nattrs === 1) return dottedGetattr(vm, obj, attrs[0] as ObjectId, out);
    return tupleOf(vm, attrs, (a) => dottedGetattr(vm, obj, a, C_TEMP), out);
  },
  repr: (vm, self) =>
    guardedRepr(vm, self, () => {
      const d = cdata<AttrgetterData>(vm, self);
      const names = vm.as(d.attr as ObjectId, 'tuple').items.map((a) => {
        const v = vm.value(a);
        const text =
          v.t === 'str'
            ? v.v
            : vm
                .as(a, 'tuple')
                .items.map((p) => vm.strText(p))
                .join('.');
        return pyStrRepr(text);
      });
      return `operator.attrgetter(${names.join(', ')})`;
    }),
};

const methodcallerSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    if (n < 1) throw vm.typeError('methodcaller needs at least one argument, the method name');
    const nameV = vm.value(args[0] as ObjectId);
    if (nameV.t !== 'str') throw vm.typeError('method name must be a string');
    const name = vm.internStr(nameV.v, C_TEMP);
    const rest = vm.newTuple(args.slice(1, n), C_TEMP);
    const kwds = kwargsDict(vm, args, kwnames, C_TEMP);
    try {
      return newCObject<MethodcallerData>(
        vm,
        type,
        'operator.methodcaller',
        56,
        { name, args: rest, kwds },
        ['name', 'args', 'kwds'],
        out,
        { holdsType: true },
      );
    } finally {
      if (kwds !== undefined) vm.rt.decref(kwds, C_TEMP);
      vm.rt.decref(rest, C_TEMP);
      vm.rt.decref(name, C_TEMP);
    }
  },
  call: (vm, self, args, kwnames, out) => {
    noKeywords(vm, 'methodcaller', kwnames);
    if (args.length !== 1) throw vm.typeError(`methodcaller expected 1 argument, got ${args.length}`);
    const d = cdata<MethodcallerData>(vm, self);
    const method = vm.getAttr(args[0] as ObjectId, vm.strText(d.name as ObjectId), C_TEMP);
    try {
      if (d.kwds === undefined) return vm.callTuple(method, d.args as ObjectId, undefined, out);
      return vm.callTuple(method, d.args as ObjectId, d.kwds, out);
    } finally {
      vm.rt.decref(method, C_TEMP);
    }
  },
  repr: (vm, self) =>
    guardedRepr(vm, self, () => {
      const d = cdata<MethodcallerData>(vm, self);
      const parts = [vm.reprText(d.name as ObjectId)];
      for (const a of vm.as(d.args as ObjectId, 'tuple').items) parts.push(vm.reprText(a));
      if (d.kwds !== undefined)
        for (const e of vm.dictEntries(d.kwds)) parts.push(`${vm.strText(e.key)}=${vm.reprText(e.value)}`);
      return `operator.methodcaller(${parts.join(', ')})`;
    }),
};

registerBuiltinModule('_operator', (vm, _module, dict) => {
  vm.addFunctions(dict, '_operator', functions);
  for (const [name, slots] of [
    ['itemgetter', itemgetterSlots],
    ['attrgetter', attrgetterSlots],
    ['methodcaller', methodcallerSlots],
  ] as const) {
    const t = vm.defineType({ name, module: 'operator', base: vm.T.object, baseType: false, slots });
    vm.dictSetStr(dict, name, t, C_TEMP, 'copy');
  }
});
