/*
 * Iterators
 * =========
 * The iterators of the built-in containers (each holds its container in slot `it_seq`
 * until it is exhausted, then lets go of it, as CPython's do), the sequence iterator
 * over `__getitem__`, `iter(callable, sentinel)`, and the built-in iterator types
 * enumerate, zip, map, filter and reversed (each holding what it iterates).
 *
 * Source: Objects/listobject.c (listiter_next, listreviter_next), tupleobject.c,
 * unicodeobject.c (unicodeiter), dictobject.c (dictiter_iternextkey/value/item: the
 * "dictionary changed size during iteration" check), setobject.c (setiter_iternext),
 * rangeobject.c (rangeiter_next), iterobject.c (seqiter, calliter), enumobject.c
 * (enum_next, reversed_next), bltinmodule.c (zip_next, map_next, filter_next).
 */
import { type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { IteratorValue, NativeMember } from '../vm/values.js';

declare module '../vm/vm.js' {
  interface VM {
    /** A new iterator of built-in kind `kind` over `seq` (held in `it_seq`). */
    newIterator(kind: string, seq: ObjectId, out: Holder, extra?: Partial<IteratorValue>): ObjectId;
  }
}

const P = VM.prototype;

/** Size and GC-ness of each iterator type (sys.getsizeof in 3.11). */
const ITERATOR_TYPES: Record<string, { size: number; gc: boolean }> = {
  list_iterator: { size: 48, gc: true },
  list_reverseiterator: { size: 48, gc: true },
  tuple_iterator: { size: 48, gc: true },
  str_ascii_iterator: { size: 48, gc: true },
  str_iterator: { size: 48, gc: true },
  dict_keyiterator: { size: 72, gc: true },
  dict_valueiterator: { size: 72, gc: true },
  dict_itemiterator: { size: 72, gc: true },
  dict_reversekeyiterator: { size: 72, gc: true },
  set_iterator: { size: 64, gc: true },
  range_iterator: { size: 48, gc: false },
  longrange_iterator: { size: 56, gc: false },
  iterator: { size: 48, gc: true },
  callable_iterator: { size: 48, gc: true },
  bytes_iterator: { size: 48, gc: true },
  enumerate: { size: 64, gc: true },
  zip: { size: 64, gc: true },
  map: { size: 56, gc: true },
  filter: { size: 56, gc: true },
  reversed: { size: 48, gc: true },
};

P.newIterator = function (this: VM, kind, seq, out, extra) {
  const info = ITERATOR_TYPES[kind] ?? { size: 48, gc: true };
  const value: IteratorValue = {
    t: 'iterator',
    type: this.typeByName.get(kind) as ObjectId,
    kind,
    seq,
    index: 0,
    ...extra,
  };
  const it = this.alloc(kind, info.gc ? 'method' : 'object', info.size, value, out);
  this.rt.increfRef(seq, it, 'it_seq');
  return it;
};

/** The iterator is exhausted: it lets go of its sequence (it_seq = NULL). */
function exhaust(vm: VM, it: ObjectId, v: IteratorValue): undefined {
  const seq = v.seq;
  if (seq !== undefined) {
    v.seq = undefined;
    vm.rt.decrefRef(seq, it, 'it_seq');
  }
  return undefined;
}

function iterValue(vm: VM, it: ObjectId): IteratorValue {
  return vm.value(it) as IteratorValue;
}

const selfIter = (vm: VM, self: ObjectId, out: Holder): ObjectId => vm.ret(self, out);

function lengthHintOf(vm: VM, it: ObjectId): number {
  const v = iterValue(vm, it);
  if (v.seq === undefined) return 0;
  const sv = vm.value(v.seq);
  switch (v.kind) {
    case 'list_iterator':
    case 'tuple_iterator':
      return Math.max(0, (sv as { items: ObjectId[] }).items.length - v.index);
    case 'list_reverseiterator':
      return v.index + 1;
    case 'str_ascii_iterator':
    case 'str_iterator':
      return Math.max(0, [...(sv as { v: string }).v].length - v.index);
    default:
      return 0;
  }
}

const hintMember: NativeMember = {
  k: 'method',
  fn: (vm, args, _kw, out) => vm.newInt(BigInt(lengthHintOf(vm, args[0] as ObjectId)), out),
};

/** rangeiter_len / longrangeiter_len: the items left. */
const rangeHintMember: NativeMember = {
  k: 'method',
  fn: (vm, args, _kw, out) => vm.newInt(iterValue(vm, args[0] as ObjectId).left ?? 0n, out),
};

function seqNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  if (v.seq === undefined) return undefined;
  const sv = vm.value(v.seq);
  switch (v.kind) {
    case 'list_iterator':
    case 'tuple_iterator': {
      const items = (sv as { items: ObjectId[] }).items;
      if (v.index < items.length) return vm.ret(items[v.index++] as ObjectId, out);
      return exhaust(vm, it, v);
    }
    case 'list_reverseiterator': {
      const items = (sv as { items: ObjectId[] }).items;
      if (v.index >= 0 && v.index < items.length) return vm.ret(items[v.index--] as ObjectId, out);
      return exhaust(vm, it, v);
    }
    case 'str_ascii_iterator':
    case 'str_iterator': {
      const chars = (v.items as unknown as string[] | undefined) ?? [...(sv as { v: string }).v];
      (v as { items?: unknown }).items = chars;
      if (v.index < chars.length) return vm.newStr(chars[v.index++] as string, out);
      return exhaust(vm, it, v);
    }
    case 'bytes_iterator': {
      const b = (sv as { v: Uint8Array }).v;
      if (v.index < b.length) return vm.newInt(BigInt(b[v.index++] as number), out);
      return exhaust(vm, it, v);
    }
    default:
      return exhaust(vm, it, v);
  }
}

function dictNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  if (v.seq === undefined) return undefined;
  const store = vm.dictStore(v.seq);
  if (store.entries.size !== v.size) {
    v.size = -1;
    throw vm.pyErr('RuntimeError', 'dictionary changed size during iteration');
  }
  // Entries in insertion order; the iterator walks a snapshot of the order taken when the
  // dict last changed (a change of size raises above, as CPython does).
  if (v.version !== store.version || v.items === undefined) {
    const order = [...store.entries.values()];
    const done = v.index;
    v.items = order.map((e) => e.key);
    v.version = store.version;
    v.index = done;
  }
  const keys = v.items;
  if (v.index >= keys.length) return exhaust(vm, it, v);
  const key = keys[v.index++] as ObjectId;
  const value = vm.dictGet(v.seq, key) as ObjectId;
  switch (v.kind) {
    case 'dict_keyiterator':
    case 'dict_reversekeyiterator':
      return vm.ret(key, out);
    case 'dict_valueiterator':
      return vm.ret(value, out);
    default: {
      const pair = [vm.ret(key, C_TEMP), vm.ret(value, C_TEMP)];
      return vm.newTuple(pair, out, C_TEMP);
    }
  }
}

function setNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  if (v.seq === undefined) return undefined;
  // setiter_iternext: the next active slot from the position reached.
  const sv = vm.value(v.seq);
  if (sv.t !== 'set') return exhaust(vm, it, v);
  const table = sv.store.table;
  if (table.used !== v.size) {
    v.size = -1;
    throw vm.pyErr('RuntimeError', 'Set changed size during iteration');
  }
  const i = table.next(v.index);
  if (i < 0) return exhaust(vm, it, v);
  v.index = i + 1;
  return vm.ret(table.keyAt(i) as ObjectId, out);
}

function rangeNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  if ((v.left ?? 0n) <= 0n) return undefined;
  const cur = v.next as bigint;
  v.next = cur + (v.step as bigint);
  v.left = (v.left as bigint) - 1n;
  return vm.newInt(cur, out);
}

/** seqiter_next: __getitem__(0), (1) ... until IndexError or StopIteration. */
function seqIterNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  if (v.seq === undefined) return undefined;
  const i = vm.newInt(BigInt(v.index), C_TEMP);
  try {
    const r = vm.getItem(v.seq, i, out);
    v.index += 1;
    return r;
  } catch (e) {
    if (vm.raised(e, 'IndexError') || vm.raised(e, 'StopIteration')) {
      vm.clearRaise(e);
      return exhaust(vm, it, v);
    }
    throw e;
  } finally {
    vm.rt.decref(i, C_TEMP);
  }
}

function callIterNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  const fn = v.seq;
  const sentinel = v.inner?.[0];
  if (fn === undefined || sentinel === undefined) return undefined;
  let r: ObjectId;
  try {
    r = vm.call(fn, [], undefined, out);
  } catch (e) {
    if (vm.raised(e, 'StopIteration')) {
      vm.clearRaise(e);
      exhaust(vm, it, v);
      return undefined;
    }
    throw e;
  }
  if (vm.richCompareBool(r, sentinel, '==')) {
    vm.rt.decref(r, out);
    exhaust(vm, it, v);
    v.inner = [];
    vm.rt.decrefRef(sentinel, it, 'sentinel');
    return undefined;
  }
  return r;
}

function enumerateNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  const inner = v.inner?.[0];
  if (inner === undefined) return undefined;
  const x = vm.iterNext(inner, C_TEMP);
  if (x === undefined) return undefined;
  const n = vm.newInt(v.count as bigint, C_TEMP);
  v.count = (v.count as bigint) + 1n;
  return vm.newTuple([n, x], out, C_TEMP);
}

function zipNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  const inner = v.inner ?? [];
  if (inner.length === 0) return undefined;
  const items: ObjectId[] = [];
  for (let k = 0; k < inner.length; k++) {
    const x = vm.iterNext(inner[k] as ObjectId, C_TEMP);
    if (x === undefined) {
      for (const y of items) vm.rt.decref(y, C_TEMP);
      if (v.index === 1 && k > 0) {
        throw vm.pyErr(
          'ValueError',
          `zip() argument ${k + 1} is shorter than argument${k === 1 ? '' : 's'} 1${k === 1 ? '' : `-${k}`}`,
        );
      }
      if (v.index === 1 && k === 0) {
        for (let j = 1; j < inner.length; j++) {
          const y = vm.iterNext(inner[j] as ObjectId, C_TEMP);
          if (y !== undefined) {
            vm.rt.decref(y, C_TEMP);
            throw vm.pyErr(
              'ValueError',
              `zip() argument ${j + 1} is longer than argument${j === 1 ? '' : 's'} 1${j === 1 ? '' : `-${j}`}`,
            );
          }
        }
      }
      return undefined;
    }
    items.push(x);
  }
  return vm.newTuple(items, out, C_TEMP);
}

function mapNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  const inner = v.inner ?? [];
  const items: ObjectId[] = [];
  for (const i of inner) {
    const x = vm.iterNext(i, C_TEMP);
    if (x === undefined) {
      for (const y of items) vm.rt.decref(y, C_TEMP);
      return undefined;
    }
    items.push(x);
  }
  try {
    return vm.call(v.fn as ObjectId, items, undefined, out);
  } finally {
    for (const y of items) vm.rt.decref(y, C_TEMP);
  }
}

function filterNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  const inner = v.inner?.[0];
  if (inner === undefined) return undefined;
  for (;;) {
    const x = vm.iterNext(inner, out);
    if (x === undefined) return undefined;
    let keep: boolean;
    try {
      if (v.fn === undefined || v.fn === vm.statics.none) keep = vm.truthy(x);
      else {
        const r = vm.call(v.fn, [x], undefined, C_TEMP);
        try {
          keep = vm.truthy(r);
        } finally {
          vm.rt.decref(r, C_TEMP);
        }
      }
    } catch (e) {
      vm.rt.decref(x, out);
      throw e;
    }
    if (keep) return x;
    vm.rt.decref(x, out);
  }
}

function reversedNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const v = iterValue(vm, it);
  if (v.seq === undefined || v.index < 0) return exhaust(vm, it, v);
  const i = vm.newInt(BigInt(v.index), C_TEMP);
  try {
    const r = vm.getItem(v.seq, i, out);
    v.index -= 1;
    return r;
  } catch (e) {
    if (vm.raised(e, 'IndexError') || vm.raised(e, 'StopIteration')) {
      vm.clearRaise(e);
      return exhaust(vm, it, v);
    }
    throw e;
  } finally {
    vm.rt.decref(i, C_TEMP);
  }
}

/** A new built-in iterator object holding `inner` objects in numbered slots. */
function newCompound(
  vm: VM,
  type: ObjectId,
  kind: string,
  inner: readonly ObjectId[],
  out: Holder,
  extra: Partial<IteratorValue>,
  from: Holder,
): ObjectId {
  const info = ITERATOR_TYPES[kind] ?? { size: 48, gc: true };
  const it = vm.allocFor(
    type,
    kind,
    'method',
    info.size,
    { t: 'iterator', type, kind, seq: undefined, index: 0, inner: [...inner], ...extra },
    out,
  );
  for (const x of inner) vm.rt.moveToRef(x, from, it, 'iter');
  if (extra.fn !== undefined) vm.rt.increfRef(extra.fn, it, 'func');
  return it;
}

const iterTypeSlots = (next: (vm: VM, it: ObjectId, out: Holder) => ObjectId | undefined): TypeSlots => ({
  iter: selfIter,
  next,
});

const noKwargs = (vm: VM, name: string, kwnames: readonly string[] | undefined): void => {
  if (kwnames !== undefined) throw vm.typeError(`${name}() takes no keyword arguments`);
};

const enumerateSlots: TypeSlots = {
  ...iterTypeSlots(enumerateNext),
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const iterable = n > 0 ? args[0] : kwarg(args, kwnames, 'iterable');
    const start = n > 1 ? args[1] : kwarg(args, kwnames, 'start');
    if (iterable === undefined) throw vm.typeError("enumerate() missing required argument 'iterable' (pos 1)");
    const count = start === undefined ? 0n : vm.index(start);
    const it = vm.getIter(iterable, C_TEMP);
    return newCompound(vm, type, 'enumerate', [it], out, { count }, C_TEMP);
  },
};

const zipSlots: TypeSlots = {
  ...iterTypeSlots(zipNext),
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const strict = kwarg(args, kwnames, 'strict');
    for (const k of kwnames ?? [])
      if (k !== 'strict') throw vm.typeError(`zip() got an unexpected keyword argument '${k}'`);
    const iters: ObjectId[] = [];
    try {
      for (let i = 0; i < n; i++) iters.push(vm.getIter(args[i] as ObjectId, C_TEMP));
    } catch (e) {
      for (const x of iters) vm.rt.decref(x, C_TEMP);
      throw e;
    }
    return newCompound(
      vm,
      type,
      'zip',
      iters,
      out,
      { index: strict !== undefined && vm.truthy(strict) ? 1 : 0 },
      C_TEMP,
    );
  },
};

const mapSlots: TypeSlots = {
  ...iterTypeSlots(mapNext),
  new: (vm, type, args, kwnames, out) => {
    noKwargs(vm, 'map', kwnames);
    if (args.length < 2) throw vm.typeError('map() must have at least two arguments.');
    const iters: ObjectId[] = [];
    try {
      for (let i = 1; i < args.length; i++) iters.push(vm.getIter(args[i] as ObjectId, C_TEMP));
    } catch (e) {
      for (const x of iters) vm.rt.decref(x, C_TEMP);
      throw e;
    }
    return newCompound(vm, type, 'map', iters, out, { fn: args[0] as ObjectId }, C_TEMP);
  },
};

const filterSlots: TypeSlots = {
  ...iterTypeSlots(filterNext),
  new: (vm, type, args, kwnames, out) => {
    noKwargs(vm, 'filter', kwnames);
    if (args.length !== 2) throw vm.typeError(`filter expected 2 arguments, got ${args.length}`);
    const it = vm.getIter(args[1] as ObjectId, C_TEMP);
    return newCompound(vm, type, 'filter', [it], out, { fn: args[0] as ObjectId }, C_TEMP);
  },
};

const reversedSlots: TypeSlots = {
  ...iterTypeSlots(reversedNext),
  new: (vm, type, args, kwnames, out) => {
    noKwargs(vm, 'reversed', kwnames);
    if (args.length !== 1) throw vm.typeError(`reversed expected 1 argument, got ${args.length}`);
    const seq = args[0] as ObjectId;
    const rev = vm.lookupSpecial(seq, '__reversed__', C_TEMP);
    if (rev !== undefined && rev !== vm.statics.none) {
      try {
        return vm.call(rev, [], undefined, out);
      } finally {
        vm.rt.decref(rev, C_TEMP);
      }
    }
    if (rev !== undefined) vm.rt.decref(rev, C_TEMP);
    if (!vm.hasAttr(seq, '__getitem__') || vm.value(seq).t === 'dict') {
      throw vm.typeError(`'${vm.typeName(seq)}' object is not reversible`);
    }
    const n = vm.len(seq);
    const it = vm.allocFor(
      type,
      'reversed',
      'method',
      48,
      { t: 'iterator', type, kind: 'reversed', seq, index: n - 1 },
      out,
    );
    vm.rt.increfRef(seq, it, 'it_seq');
    return it;
  },
};

export function defineIteratorTypes(vm: VM): void {
  const obj = vm.T.object;
  const hint = { __length_hint__: hintMember };
  for (const kind of ['list_iterator', 'tuple_iterator', 'str_ascii_iterator', 'str_iterator', 'bytes_iterator']) {
    vm.defineType({ name: kind, base: obj, baseType: false, slots: iterTypeSlots(seqNext), members: hint });
  }
  vm.defineType({
    name: 'list_reverseiterator',
    base: obj,
    baseType: false,
    slots: iterTypeSlots(seqNext),
    members: hint,
  });
  for (const kind of ['dict_keyiterator', 'dict_valueiterator', 'dict_itemiterator', 'dict_reversekeyiterator']) {
    vm.defineType({ name: kind, base: obj, baseType: false, slots: iterTypeSlots(dictNext) });
  }
  vm.defineType({ name: 'set_iterator', base: obj, baseType: false, slots: iterTypeSlots(setNext) });
  for (const name of ['range_iterator', 'longrange_iterator']) {
    vm.defineType({
      name,
      base: obj,
      baseType: false,
      slots: iterTypeSlots(rangeNext),
      members: { __length_hint__: rangeHintMember },
    });
  }
  vm.defineType({ name: 'iterator', base: obj, baseType: false, slots: iterTypeSlots(seqIterNext) });
  vm.defineType({ name: 'callable_iterator', base: obj, baseType: false, slots: iterTypeSlots(callIterNext) });
  vm.defineType({ name: 'enumerate', base: obj, slots: enumerateSlots });
  vm.defineType({ name: 'zip', base: obj, slots: zipSlots });
  vm.defineType({ name: 'map', base: obj, slots: mapSlots });
  vm.defineType({ name: 'filter', base: obj, slots: filterSlots });
  vm.defineType({ name: 'reversed', base: obj, slots: reversedSlots });
}

declare module '../vm/vm.js' {
  interface VM {
    /** iter(callable, sentinel). */
    newCallIter(fn: ObjectId, sentinel: ObjectId, out: Holder): ObjectId;
    /** A range iterator from start by step, `count` items. */
    newRangeIter(start: bigint, step: bigint, count: bigint, out: Holder): ObjectId;
  }
}

P.newSeqIter = function (this: VM, obj, out) {
  return this.newIterator('iterator', obj, out);
};

P.newCallIter = function (this: VM, fn, sentinel, out) {
  const it = this.newIterator('callable_iterator', fn, out, { inner: [sentinel] });
  this.rt.increfRef(sentinel, it, 'sentinel');
  return it;
};

P.newRangeIter = function (this: VM, start, step, count, out) {
  const small = start >= -(1n << 63n) && start + step * count < 1n << 63n && count < 1n << 63n;
  const kind = small ? 'range_iterator' : 'longrange_iterator';
  const info = ITERATOR_TYPES[kind] as { size: number };
  return this.alloc(
    kind,
    'object',
    info.size,
    {
      t: 'iterator',
      type: this.typeByName.get(kind) as ObjectId,
      kind,
      seq: undefined,
      index: 0,
      next: start,
      step,
      left: count,
    },
    out,
  );
};

export type { Native };
