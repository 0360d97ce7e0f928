/*
 * set and frozenset
 * =================
 * Items are references held in slot `item`; the table geometry follows setobject.c's
 * set_add_entry growth (OBJ-12), so `sys.getsizeof` and the table block follow CPython's.
 *
 * Source: Objects/setobject.c (3.11): set_add_entry, set_discard_key, set_update_internal,
 * set_richcompare, set_repr, the methods and operators.
 *
 * Simplifications: iteration follows insertion order, not the hash table's slot order.
 */
import { SET_OBJECT_SIZE, setGrow, setSize, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import type { BinaryOp, TypeSlots } from '../vm/typeSlots.js';
import type { SetStore } from '../vm/values.js';
import { keyError } from './dictType.js';
import { methods } from './list.js';
import { noArgs, oneArg } from './sequence.js';
import { MAX_ITEMS } from '../limits.js';

declare module '../vm/vm.js' {
  interface VM {
    newSet(holder: Holder, frozen: boolean, type?: ObjectId): ObjectId;
    /** set.add: a new reference (false when the item was there already). */
    setAdd(set: ObjectId, item: ObjectId): boolean;
    setDiscard(set: ObjectId, item: ObjectId): boolean;
    setUpdate(set: ObjectId, iterable: ObjectId): void;
    /** The items in iteration order. */
    setOrder(set: ObjectId): ObjectId[];
  }
}

const P = VM.prototype;

function store(vm: VM, set: ObjectId): SetStore {
  const v = vm.value(set);
  if (v.t !== 'set') throw new Error(`object #${set} is not a set`);
  return v.store;
}

P.newSet = function (this: VM, holder, frozen, type) {
  const t = type ?? (frozen ? this.T.frozenset : this.T.set);
  const s: SetStore = { entries: new Map(), table: 8, fill: 0 };
  const name = frozen ? 'frozenset' : 'set';
  return this.allocFor(t, name, name, setSize(8), { t: 'set', type: t, store: s, frozen }, holder, {
    alloc: SET_OBJECT_SIZE,
  });
};

function setTable(vm: VM, set: ObjectId, table: number): void {
  vm.rt.resize(set, setSize(table));
  vm.rt.setBuffer(set, 'table', table > 8 ? 16 * table : 0);
}

P.setAdd = function (this: VM, set, item) {
  const s = store(this, set);
  const hk = this.lookupKey(item);
  if (s.entries.has(hk)) return false;
  if (s.entries.size >= MAX_ITEMS) this.checkSize(s.entries.size + 1, 'set');
  s.entries.set(hk, item);
  s.fill += 1;
  this.rt.increfRef(item, set, 'item');
  const grown = setGrow(s.table, s.fill, s.entries.size);
  if (grown !== s.table) {
    s.table = grown;
    s.fill = s.entries.size;
    setTable(this, set, grown);
  }
  return true;
};

P.setDiscard = function (this: VM, set, item) {
  const s = store(this, set);
  const hk = this.lookupKey(item);
  const held = s.entries.get(hk);
  if (held === undefined) return false;
  s.entries.delete(hk);
  this.rt.decrefRef(held, set, 'item');
  return true;
};

P.setUpdate = function (this: VM, set, iterable) {
  const iv = this.value(iterable);
  if (iv.t === 'set') {
    for (const x of [...iv.store.entries.values()]) this.setAdd(set, x);
    return;
  }
  if (iv.t === 'dict') {
    for (const e of this.dictEntries(iterable)) this.setAdd(set, e.key);
    return;
  }
  const it = this.getIter(iterable, C_TEMP);
  try {
    for (let x = this.iterNext(it, C_TEMP); x !== undefined; x = this.iterNext(it, C_TEMP)) {
      try {
        this.setAdd(set, x);
      } finally {
        this.rt.decref(x, C_TEMP);
      }
    }
  } finally {
    this.rt.decref(it, C_TEMP);
  }
};

P.setOrder = function (this: VM, set) {
  return [...store(this, set).entries.values()];
};

function setClear(vm: VM, set: ObjectId): void {
  const s = store(vm, set);
  const items = [...s.entries.values()];
  s.entries.clear();
  s.fill = 0;
  if (s.table !== 8) {
    s.table = 8;
    setTable(vm, set, 8);
  }
  for (const x of items) vm.rt.decrefRef(x, set, 'item');
}

const isSet = (vm: VM, id: ObjectId): boolean => vm.value(id).t === 'set';

/** A new set (of a's kind) holding `items` (new references). */
function makeLike(vm: VM, a: ObjectId, items: readonly ObjectId[], out: Holder): ObjectId {
  const frozen = (vm.value(a) as { frozen: boolean }).frozen;
  const s = vm.newSet(C_TEMP, frozen);
  for (const x of items) vm.setAdd(s, x);
  vm.rt.move(s, C_TEMP, out);
  return s;
}

const has = (vm: VM, set: ObjectId, item: ObjectId): boolean => store(vm, set).entries.has(vm.lookupKey(item));

function setOp(op: BinaryOp): (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined {
  return (vm, a, b, out) => {
    if (!isSet(vm, a) || !isSet(vm, b)) return undefined;
    const ia = vm.setOrder(a);
    const ib = vm.setOrder(b);
    switch (op) {
      case '|':
        return makeLike(vm, a, [...ia, ...ib], out);
      case '&':
        return makeLike(
          vm,
          a,
          ia.filter((x) => has(vm, b, x)),
          out,
        );
      case '-':
        return makeLike(
          vm,
          a,
          ia.filter((x) => !has(vm, b, x)),
          out,
        );
      default:
        return makeLike(vm, a, [...ia.filter((x) => !has(vm, b, x)), ...ib.filter((x) => !has(vm, a, x))], out);
    }
  };
}

function setInplace(op: BinaryOp): (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined {
  return (vm, a, b, out) => {
    if (!isSet(vm, b)) return undefined;
    const ib = vm.setOrder(b);
    switch (op) {
      case '|':
        for (const x of ib) vm.setAdd(a, x);
        break;
      case '&':
        for (const x of vm.setOrder(a)) if (!has(vm, b, x)) vm.setDiscard(a, x);
        break;
      case '-':
        for (const x of ib) vm.setDiscard(a, x);
        break;
      default:
        for (const x of ib) if (!vm.setDiscard(a, x)) vm.setAdd(a, x);
        break;
    }
    return vm.ret(a, out);
  };
}

const reprBusy = new Set<ObjectId>();

function setRepr(vm: VM, self: ObjectId): string {
  const items = vm.setOrder(self);
  const name = vm.typeName(self);
  const frozen = (vm.value(self) as { frozen: boolean }).frozen;
  if (items.length === 0) return `${name}()`;
  if (reprBusy.has(self)) return `${name}(...)`;
  reprBusy.add(self);
  try {
    const inner = `{${items.map((x) => vm.reprText(x)).join(', ')}}`;
    return frozen || name !== 'set' ? `${name}(${inner})` : inner;
  } finally {
    reprBusy.delete(self);
  }
}

function subset(vm: VM, a: ObjectId, b: ObjectId): boolean {
  const ia = vm.setOrder(a);
  if (ia.length > vm.setOrder(b).length) return false;
  return ia.every((x) => has(vm, b, x));
}

const common: TypeSlots = {
  repr: setRepr,
  compare: (vm, a, b, op) => {
    if (!isSet(vm, b)) return undefined;
    const na = vm.setOrder(a).length;
    const nb = vm.setOrder(b).length;
    switch (op) {
      case '==':
        return na === nb && subset(vm, a, b);
      case '!=':
        return !(na === nb && subset(vm, a, b));
      case '<=':
        return subset(vm, a, b);
      case '<':
        return na < nb && subset(vm, a, b);
      case '>=':
        return subset(vm, b, a);
      case '>':
        return na > nb && subset(vm, b, a);
    }
  },
  iter: (vm, self, out) => vm.newIterator('set_iterator', self, out, { size: vm.setOrder(self).length }),
  len: (vm, self) => store(vm, self).entries.size,
  contains: (vm, self, item) => {
    try {
      return has(vm, self, item);
    } catch (e) {
      // An unhashable set is looked up as a frozenset (set_contains).
      if (vm.raised(e, 'TypeError') && vm.value(item).t === 'set') {
        vm.clearRaise(e);
        const f = vm.newSet(C_TEMP, true);
        for (const x of vm.setOrder(item)) vm.setAdd(f, x);
        try {
          return has(vm, self, f);
        } finally {
          vm.rt.decref(f, C_TEMP);
        }
      }
      throw e;
    }
  },
  number: { '|': setOp('|'), '&': setOp('&'), '-': setOp('-'), '^': setOp('^') },
};

function fromIterable(
  vm: VM,
  type: ObjectId,
  frozen: boolean,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  const name = frozen ? 'frozenset' : 'set';
  if (kwnames !== undefined && vm.typeValue(type).heap === false)
    throw vm.typeError(`${name}() takes no keyword arguments`);
  if (args.length > 1) throw vm.typeError(`${name} expected at most 1 argument, got ${args.length}`);
  if (frozen && type === vm.T.frozenset && args.length === 1) {
    const a = args[0] as ObjectId;
    const av = vm.value(a);
    if (av.t === 'set' && av.frozen && av.type === vm.T.frozenset) return vm.ret(a, out);
  }
  const s = vm.newSet(C_TEMP, frozen, type);
  try {
    if (frozen && args.length === 1) vm.setUpdate(s, args[0] as ObjectId);
  } catch (e) {
    vm.rt.decref(s, C_TEMP);
    throw e;
  }
  vm.rt.move(s, C_TEMP, out);
  return s;
}

const setSlots: TypeSlots = {
  ...common,
  vectorcall: true,
  new: (vm, type, args, kwnames, out) => fromIterable(vm, type, false, [], kwnames, out) ?? args,
  init: (vm, self, args, kwnames) => {
    if (kwnames !== undefined) throw vm.typeError('set() takes no keyword arguments');
    if (args.length > 1) throw vm.typeError(`set expected at most 1 argument, got ${args.length}`);
    if (store(vm, self).entries.size > 0) setClear(vm, self);
    if (args.length === 1) vm.setUpdate(self, args[0] as ObjectId);
  },
  unhashable: true,
  inplace: { '|': setInplace('|'), '&': setInplace('&'), '-': setInplace('-'), '^': setInplace('^') },
};

/** frozenset's hash (setobject.c frozenset_hash). */
function frozensetHash(vm: VM, self: ObjectId): bigint {
  const M = (1n << 64n) - 1n;
  const shuffle = (h: bigint): bigint => ((h ^ 89869747n ^ ((h << 16n) & M)) * 3644798167n) & M;
  let hash = 0n;
  for (const x of vm.setOrder(self)) {
    let h = vm.hash(x);
    if (h < 0n) h += 1n << 64n;
    hash ^= shuffle(h);
  }
  const n = BigInt(vm.setOrder(self).length);
  hash ^= ((n + 1n) * 1927868237n) & M;
  hash ^= (hash >> 11n) ^ (hash >> 25n);
  hash = (hash * 69069n + 907133923n) & M;
  if (hash === M) hash = 590923713n;
  return hash >= 1n << 63n ? hash - (1n << 64n) : hash;
}

const frozensetSlots: TypeSlots = {
  ...common,
  vectorcall: true,
  new: (vm, type, args, kwnames, out) => fromIterable(vm, type, true, args, kwnames, out),
  hash: frozensetHash,
};

function others(vm: VM, args: readonly ObjectId[]): ObjectId[] {
  // Each argument as a set (a temporary when it is another iterable).
  return args.slice(1).map((a) => {
    if (isSet(vm, a)) return vm.ret(a, C_TEMP);
    const s = vm.newSet(C_TEMP, false);
    vm.setUpdate(s, a);
    return s;
  });
}

function withOthers<T>(vm: VM, args: readonly ObjectId[], f: (sets: ObjectId[]) => T): T {
  const sets = others(vm, args);
  try {
    return f(sets);
  } finally {
    for (const s of sets) vm.rt.decref(s, C_TEMP);
  }
}

const setMethods: Record<string, Native> = {
  add: (vm, args, kw, out) => {
    vm.setAdd(args[0] as ObjectId, oneArg(vm, 'set.add', args, kw));
    return vm.none(out);
  },
  discard: (vm, args, kw, out) => {
    vm.setDiscard(args[0] as ObjectId, oneArg(vm, 'set.discard', args, kw));
    return vm.none(out);
  },
  remove: (vm, args, kw, out) => {
    const x = oneArg(vm, 'set.remove', args, kw);
    if (!vm.setDiscard(args[0] as ObjectId, x)) throw keyError(vm, x);
    return vm.none(out);
  },
  pop: (vm, args, kw, out) => {
    noArgs(vm, 'set.pop', args, kw);
    const s = args[0] as ObjectId;
    const first = vm.setOrder(s)[0];
    if (first === undefined) throw vm.pyErr('KeyError', 'pop from an empty set');
    vm.rt.incref(first, out);
    vm.setDiscard(s, first);
    return first;
  },
  clear: (vm, args, kw, out) => {
    noArgs(vm, 'set.clear', args, kw);
    setClear(vm, args[0] as ObjectId);
    return vm.none(out);
  },
  update: (vm, args, _kw, out) => {
    for (const a of args.slice(1)) vm.setUpdate(args[0] as ObjectId, a);
    return vm.none(out);
  },
  intersection_update: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) => {
      const s = args[0] as ObjectId;
      for (const x of vm.setOrder(s)) if (!sets.every((o) => has(vm, o, x))) vm.setDiscard(s, x);
      return vm.none(out);
    }),
  difference_update: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) => {
      for (const o of sets) for (const x of vm.setOrder(o)) vm.setDiscard(args[0] as ObjectId, x);
      return vm.none(out);
    }),
  symmetric_difference_update: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) => {
      const s = args[0] as ObjectId;
      for (const x of vm.setOrder(sets[0] as ObjectId)) if (!vm.setDiscard(s, x)) vm.setAdd(s, x);
      return vm.none(out);
    }),
};

const commonMethods: Record<string, Native> = {
  copy: (vm, args, kw, out) => {
    noArgs(vm, 'set.copy', args, kw);
    const a = args[0] as ObjectId;
    if (vm.typeOf(a) === vm.T.frozenset) return vm.ret(a, out);
    return makeLike(vm, a, vm.setOrder(a), out);
  },
  union: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) =>
      makeLike(
        vm,
        args[0] as ObjectId,
        [...vm.setOrder(args[0] as ObjectId), ...sets.flatMap((s) => vm.setOrder(s))],
        out,
      ),
    ),
  intersection: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) =>
      makeLike(
        vm,
        args[0] as ObjectId,
        vm.setOrder(args[0] as ObjectId).filter((x) => sets.every((o) => has(vm, o, x))),
        out,
      ),
    ),
  difference: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) =>
      makeLike(
        vm,
        args[0] as ObjectId,
        vm.setOrder(args[0] as ObjectId).filter((x) => !sets.some((o) => has(vm, o, x))),
        out,
      ),
    ),
  symmetric_difference: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) => {
      const a = args[0] as ObjectId;
      const b = sets[0] as ObjectId;
      return makeLike(
        vm,
        a,
        [...vm.setOrder(a).filter((x) => !has(vm, b, x)), ...vm.setOrder(b).filter((x) => !has(vm, a, x))],
        out,
      );
    }),
  issubset: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) => vm.bool(subset(vm, args[0] as ObjectId, sets[0] as ObjectId), out)),
  issuperset: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) => vm.bool(subset(vm, sets[0] as ObjectId, args[0] as ObjectId), out)),
  isdisjoint: (vm, args, _kw, out) =>
    withOthers(vm, args, (sets) =>
      vm.bool(!vm.setOrder(args[0] as ObjectId).some((x) => has(vm, sets[0] as ObjectId, x)), out),
    ),
  __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(vm.rt.object(args[0] as ObjectId).size - 16), out),
};

export function defineSetTypes(vm: VM): void {
  vm.T.set = vm.defineType({
    name: 'set',
    base: vm.T.object,
    layout: 'set',
    slots: setSlots,
    members: methods({ ...commonMethods, ...setMethods }),
  });
  vm.T.frozenset = vm.defineType({
    name: 'frozenset',
    base: vm.T.object,
    layout: 'set',
    slots: frozensetSlots,
    members: methods(commonMethods),
  });
}
