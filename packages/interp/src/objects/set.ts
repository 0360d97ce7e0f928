/*
 * set and frozenset
 * =================
 * Items are references held in slot `item`, placed in CPython's hash table (setTable.ts:
 * slots by hash, linear probes then perturbed probing, dummies, growth as set_add_entry
 * does), so iteration, repr, pop() and sys.getsizeof follow CPython's table: a set of ints
 * prints {1, 3} whichever was added first. The object's size and its table block follow the
 * table's size (OBJ-12).
 *
 * Source: Objects/setobject.c (3.11): set_add_entry, set_discard_key, set_update_internal,
 * set_merge, set_intersection, set_difference, set_symmetric_difference_update,
 * set_richcompare, set_repr, set_pop, setiter_iternext, the methods and operators.
 *
 * Simplifications: str and bytes hash with the PYTHONHASHSEED=0 key (hash.ts), so sets of
 * strs have the order of `PYTHONHASHSEED=0 python3`; objects hashed by address use the
 * simulation's addresses.
 */
import { SET_OBJECT_SIZE, setSize, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import type { BinaryOp, TypeSlots } from '../vm/typeSlots.js';
import type { SetStore } from '../vm/values.js';
import { keyError } from './dictType.js';
import { methods } from './list.js';
import { noArgs, oneArg } from './sequence.js';
import { MAX_ITEMS } from '../limits.js';
import { SetTable } from './setTable.js';

declare module '../vm/vm.js' {
  interface VM {
    newSet(holder: Holder, frozen: boolean, type?: ObjectId): ObjectId;
    /** set.add: a new reference (false when the item was there already). */
    setAdd(set: ObjectId, item: ObjectId): boolean;
    setDiscard(set: ObjectId, item: ObjectId): boolean;
    setUpdate(set: ObjectId, iterable: ObjectId): void;
    /** The items in iteration order (the table's slot order). */
    setOrder(set: ObjectId): ObjectId[];
  }
}

const P = VM.prototype;

function store(vm: VM, set: ObjectId): SetStore {
  const v = vm.value(set);
  if (v.t !== 'set') throw new Error(`object #${set} is not a set`);
  return v.store;
}

const tableOf = (vm: VM, set: ObjectId): SetTable<ObjectId> => store(vm, set).table;

/** PyObject_RichCompareBool(startkey, key, Py_EQ) for keys of equal hash. */
const eqOf =
  (vm: VM) =>
  (stored: ObjectId, key: ObjectId): boolean =>
    vm.richCompareBool(stored, key, '==');

P.newSet = function (this: VM, holder, frozen, type) {
  const t = type ?? (frozen ? this.T.frozenset : this.T.set);
  const s: SetStore = { table: new SetTable<ObjectId>() };
  const name = frozen ? 'frozenset' : 'set';
  return this.allocFor(t, name, name, setSize(8), { t: 'set', type: t, store: s, frozen }, holder, {
    alloc: SET_OBJECT_SIZE,
  });
};

/** The object's size and table block after the table may have been rebuilt at another size. */
function syncSize(vm: VM, set: ObjectId, before: number): void {
  const size = tableOf(vm, set).size;
  if (size === before) return;
  vm.rt.resize(set, setSize(size));
  vm.rt.setBuffer(set, 'table', size > 8 ? 16 * size : 0);
}

/** set_add_entry with a known hash: true when the key went in (the set takes a reference). */
function addEntry(vm: VM, set: ObjectId, item: ObjectId, hash: bigint): boolean {
  const t = tableOf(vm, set);
  const before = t.size;
  if (t.used >= MAX_ITEMS) vm.checkSize(t.used + 1, 'set');
  const r = t.add(item, hash, eqOf(vm));
  if (r.slot < 0) return false;
  vm.rt.increfRef(item, set, 'item');
  if (r.resized) syncSize(vm, set, before);
  return true;
}

P.setAdd = function (this: VM, set, item) {
  return addEntry(this, set, item, this.hash(item));
};

function discardEntry(vm: VM, set: ObjectId, item: ObjectId, hash: bigint): boolean {
  const r = tableOf(vm, set).discard(item, hash, eqOf(vm));
  if (r === undefined) return false;
  vm.rt.decrefRef(r.key, set, 'item');
  return true;
}

P.setDiscard = function (this: VM, set, item) {
  return discardEntry(this, set, item, this.hash(item));
};

/** set_update_internal: a set by set_merge, a dict's keys with one resize up front, else item by item. */
P.setUpdate = function (this: VM, set, iterable) {
  const iv = this.value(iterable);
  const t = tableOf(this, set);
  if (iv.t === 'set') {
    const before = t.size;
    const added = t.merge(iv.store.table, eqOf(this));
    for (const x of added) this.rt.increfRef(x, set, 'item');
    syncSize(this, set, before);
    return;
  }
  if (iv.t === 'dict' && iv.type === this.T.dict) {
    const entries = this.dictEntries(iterable);
    const before = t.size;
    if ((t.fill + entries.length) * 5 >= t.mask * 3) t.resize((t.used + entries.length) * 2);
    syncSize(this, set, before);
    for (const e of entries) this.setAdd(set, e.key);
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
  return tableOf(this, set).activeKeys();
};

function setClear(vm: VM, set: ObjectId): void {
  const t = tableOf(vm, set);
  const before = t.size;
  const items = t.clear();
  syncSize(vm, set, before);
  for (const x of items) vm.rt.decrefRef(x, set, 'item');
}

const isSet = (vm: VM, id: ObjectId): boolean => vm.value(id).t === 'set';

/** make_new_set_basetype: an empty set or frozenset of a's base kind. */
function newLike(vm: VM, a: ObjectId, holder: Holder): ObjectId {
  return vm.newSet(holder, (vm.value(a) as { frozen: boolean }).frozen);
}

/** set_copy: a new set of a's base kind, filled by set_merge. */
function copyOf(vm: VM, a: ObjectId, out: Holder): ObjectId {
  const r = newLike(vm, a, out);
  vm.setUpdate(r, a);
  return r;
}

/** Run `fill` on a new temporary, handing it to `out` when it succeeds. */
function building(vm: VM, r: ObjectId, out: Holder, fill: (r: ObjectId) => void): ObjectId {
  try {
    fill(r);
  } catch (e) {
    vm.rt.decref(r, C_TEMP);
    throw e;
  }
  vm.rt.move(r, C_TEMP, out);
  return r;
}

/** set_contains_entry. */
const containsEntry = (vm: VM, set: ObjectId, item: ObjectId, hash: bigint): boolean =>
  tableOf(vm, set).lookup(item, hash, eqOf(vm)) >= 0;

const has = (vm: VM, set: ObjectId, item: ObjectId): boolean => containsEntry(vm, set, item, vm.hash(item));

/** Each item of an iterable (a borrowed reference for the call). */
function forEachItem(vm: VM, iterable: ObjectId, f: (x: ObjectId) => boolean | void): void {
  const it = vm.getIter(iterable, C_TEMP);
  try {
    for (let x = vm.iterNext(it, C_TEMP); x !== undefined; x = vm.iterNext(it, C_TEMP)) {
      try {
        if (f(x) === false) return;
      } finally {
        vm.rt.decref(x, C_TEMP);
      }
    }
  } finally {
    vm.rt.decref(it, C_TEMP);
  }
}

/** The active entries of a set in slot order (set_next), as [key, hash] pairs. */
function entriesOf(vm: VM, set: ObjectId): [ObjectId, bigint][] {
  const t = tableOf(vm, set);
  const keys = t.activeKeys();
  const hashes = t.activeHashes();
  return keys.map((k, i) => [k, hashes[i] as bigint]);
}

/** set_intersection. */
function intersection(vm: VM, so: ObjectId, other: ObjectId, out: Holder): ObjectId {
  if (so === other) return copyOf(vm, so, out);
  return building(vm, newLike(vm, so, C_TEMP), out, (r) => {
    if (isSet(vm, other)) {
      let [a, b] = [so, other];
      if (tableOf(vm, b).used > tableOf(vm, a).used) [a, b] = [b, a];
      for (const [k, h] of entriesOf(vm, b)) if (containsEntry(vm, a, k, h)) addEntry(vm, r, k, h);
      return;
    }
    forEachItem(vm, other, (x) => {
      const h = vm.hash(x);
      if (containsEntry(vm, so, x, h)) addEntry(vm, r, x, h);
    });
  });
}

/** set_difference_update_internal: discard other's items, then resize away many dummies. */
function differenceUpdate(vm: VM, so: ObjectId, other: ObjectId): void {
  if (so === other) {
    setClear(vm, so);
    return;
  }
  if (isSet(vm, other)) for (const [k, h] of entriesOf(vm, other)) discardEntry(vm, so, k, h);
  else
    forEachItem(vm, other, (x) => {
      vm.setDiscard(so, x);
    });
  const t = tableOf(vm, so);
  if (t.fill - t.used <= Math.floor(t.mask / 4)) return;
  const before = t.size;
  t.resize(t.used > 50000 ? t.used * 2 : t.used * 4);
  syncSize(vm, so, before);
}

/** set_difference: a copy then differenceUpdate, or the items of so not in other. */
function difference(vm: VM, so: ObjectId, other: ObjectId, out: Holder): ObjectId {
  const ov = vm.value(other);
  const otherSize =
    ov.t === 'set' ? tableOf(vm, other).used : ov.t === 'dict' && ov.type === vm.T.dict ? vm.dictSize(other) : -1;
  if (otherSize < 0 || tableOf(vm, so).used >> 2 > otherSize)
    return building(vm, copyOf(vm, so, C_TEMP), out, (r) => differenceUpdate(vm, r, other));
  return building(vm, newLike(vm, so, C_TEMP), out, (r) => {
    for (const [k, h] of entriesOf(vm, so)) {
      const present = ov.t === 'set' ? containsEntry(vm, other, k, h) : vm.dictGet(other, k) !== undefined;
      if (!present) addEntry(vm, r, k, h);
    }
  });
}

/** set_symmetric_difference_update: each of other's items discarded from so, or added when absent. */
function symmetricDifferenceUpdate(vm: VM, so: ObjectId, other: ObjectId): void {
  if (so === other) {
    setClear(vm, so);
    return;
  }
  const ov = vm.value(other);
  if (ov.t === 'dict' && ov.type === vm.T.dict) {
    for (const e of vm.dictEntries(other)) {
      const h = vm.hash(e.key);
      if (!discardEntry(vm, so, e.key, h)) addEntry(vm, so, e.key, h);
    }
    return;
  }
  const otherset = isSet(vm, other) ? vm.ret(other, C_TEMP) : newLike(vm, so, C_TEMP);
  try {
    if (otherset !== other) vm.setUpdate(otherset, other);
    for (const [k, h] of entriesOf(vm, otherset)) if (!discardEntry(vm, so, k, h)) addEntry(vm, so, k, h);
  } finally {
    vm.rt.decref(otherset, C_TEMP);
  }
}

/** set_symmetric_difference: a new set of so's kind from other, updated with so. */
function symmetricDifference(vm: VM, so: ObjectId, other: ObjectId, out: Holder): ObjectId {
  return building(vm, newLike(vm, so, C_TEMP), out, (r) => {
    vm.setUpdate(r, other);
    symmetricDifferenceUpdate(vm, r, so);
  });
}

/** set_swap_bodies: so takes tmp's table (and its references), tmp so's. */
function swapBodies(vm: VM, so: ObjectId, tmp: ObjectId): void {
  const a = store(vm, so);
  const b = store(vm, tmp);
  const [ta, tb] = [a.table, b.table];
  const [sa, sb] = [ta.size, tb.size];
  a.table = tb;
  b.table = ta;
  const ref = (owner: ObjectId): Holder => ({ kind: 'object', owner, slot: 'item' });
  for (const x of tb.activeKeys()) vm.rt.move(x, ref(tmp), ref(so));
  for (const x of ta.activeKeys()) vm.rt.move(x, ref(so), ref(tmp));
  syncSize(vm, so, sa);
  syncSize(vm, tmp, sb);
}

/** set_intersection_multi: so itself intersected with each argument in turn (a copy when none). */
function intersectionMulti(vm: VM, so: ObjectId, others: readonly ObjectId[], out: Holder): ObjectId {
  if (others.length === 0) return copyOf(vm, so, out);
  let result = vm.ret(so, C_TEMP);
  try {
    for (const o of others) {
      const next = intersection(vm, result, o, C_TEMP);
      vm.rt.decref(result, C_TEMP);
      result = next;
    }
  } catch (e) {
    vm.rt.decref(result, C_TEMP);
    throw e;
  }
  vm.rt.move(result, C_TEMP, out);
  return result;
}

function intersectionUpdate(vm: VM, so: ObjectId, others: readonly ObjectId[]): void {
  const tmp = intersectionMulti(vm, so, others, C_TEMP);
  try {
    if (tmp !== so) swapBodies(vm, so, tmp);
  } finally {
    vm.rt.decref(tmp, C_TEMP);
  }
}

/** set_issubset (a non-set argument becomes a set first). */
function subset(vm: VM, a: ObjectId, b: ObjectId): boolean {
  if (!isSet(vm, b)) {
    const tmp = vm.newSet(C_TEMP, false);
    try {
      vm.setUpdate(tmp, b);
      return subset(vm, a, tmp);
    } finally {
      vm.rt.decref(tmp, C_TEMP);
    }
  }
  if (tableOf(vm, a).used > tableOf(vm, b).used) return false;
  return entriesOf(vm, a).every(([k, h]) => containsEntry(vm, b, k, h));
}

/** set_issuperset: a set argument is a subset test; another iterable is checked item by item. */
function superset(vm: VM, a: ObjectId, b: ObjectId): boolean {
  if (isSet(vm, b)) return subset(vm, b, a);
  let all = true;
  forEachItem(vm, b, (x) => (all = has(vm, a, x)));
  return all;
}

/** set_isdisjoint. */
function disjoint(vm: VM, so: ObjectId, other: ObjectId): boolean {
  if (so === other) return tableOf(vm, so).used === 0;
  const ov = vm.value(other);
  if (ov.t === 'set' && (ov.type === vm.T.set || ov.type === vm.T.frozenset)) {
    let [a, b] = [so, other];
    if (tableOf(vm, b).used > tableOf(vm, a).used) [a, b] = [b, a];
    return !entriesOf(vm, b).some(([k, h]) => containsEntry(vm, a, k, h));
  }
  let none = true;
  forEachItem(vm, other, (x) => (none = !has(vm, so, x)));
  return none;
}

function setOp(op: BinaryOp): (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined {
  return (vm, a, b, out) => {
    if (!isSet(vm, a) || !isSet(vm, b)) return undefined;
    switch (op) {
      case '|':
        return building(vm, copyOf(vm, a, C_TEMP), out, (r) => vm.setUpdate(r, b));
      case '&':
        return intersection(vm, a, b, out);
      case '-':
        return difference(vm, a, b, out);
      default:
        return symmetricDifference(vm, a, b, out);
    }
  };
}

function setInplace(op: BinaryOp): (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined {
  return (vm, a, b, out) => {
    if (!isSet(vm, b)) return undefined;
    switch (op) {
      case '|':
        vm.setUpdate(a, b);
        break;
      case '&':
        intersectionUpdate(vm, a, [b]);
        break;
      case '-':
        differenceUpdate(vm, a, b);
        break;
      default:
        symmetricDifferenceUpdate(vm, a, b);
        break;
    }
    return vm.ret(a, out);
  };
}

/** set_repr: Py_ReprEnter comes before the empty check (an empty set's repr enters too). */
function setRepr(vm: VM, self: ObjectId): string {
  const items = vm.setOrder(self);
  const name = vm.typeName(self);
  const frozen = (vm.value(self) as { frozen: boolean }).frozen;
  if (vm.reprEnter(self)) return `${name}(...)`;
  try {
    if (items.length === 0) return `${name}()`;
    // The repr of PySequence_List(set), its brackets replaced by braces.
    const inner = `{${vm.reprAsList(self).slice(1, -1)}}`;
    return frozen || name !== 'set' ? `${name}(${inner})` : inner;
  } finally {
    vm.reprLeave(self);
  }
}

const common: TypeSlots = {
  repr: setRepr,
  compare: (vm, a, b, op) => {
    if (!isSet(vm, b)) return undefined;
    const na = tableOf(vm, a).used;
    const nb = tableOf(vm, b).used;
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
        return superset(vm, a, b);
      case '>':
        return na > nb && superset(vm, a, b);
    }
  },
  iter: (vm, self, out) => vm.newIterator('set_iterator', self, out, { size: tableOf(vm, self).used }),
  len: (vm, self) => tableOf(vm, self).used,
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
    if (tableOf(vm, self).used > 0) setClear(vm, self);
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
    const r = tableOf(vm, s).pop();
    if (r === undefined) throw vm.pyErr('KeyError', 'pop from an empty set');
    vm.rt.move(r.key, { kind: 'object', owner: s, slot: 'item' }, out);
    return r.key;
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
  intersection_update: (vm, args, _kw, out) => {
    intersectionUpdate(vm, args[0] as ObjectId, args.slice(1));
    return vm.none(out);
  },
  difference_update: (vm, args, _kw, out) => {
    for (const o of args.slice(1)) differenceUpdate(vm, args[0] as ObjectId, o);
    return vm.none(out);
  },
  symmetric_difference_update: (vm, args, kw, out) => {
    symmetricDifferenceUpdate(vm, args[0] as ObjectId, oneArg(vm, 'set.symmetric_difference_update', args, kw));
    return vm.none(out);
  },
};

const commonMethods: Record<string, Native> = {
  copy: (vm, args, kw, out) => {
    noArgs(vm, 'set.copy', args, kw);
    const a = args[0] as ObjectId;
    if (vm.typeOf(a) === vm.T.frozenset) return vm.ret(a, out);
    return copyOf(vm, a, out);
  },
  union: (vm, args, _kw, out) => {
    const so = args[0] as ObjectId;
    return building(vm, copyOf(vm, so, C_TEMP), out, (r) => {
      for (const o of args.slice(1)) if (o !== so) vm.setUpdate(r, o);
    });
  },
  intersection: (vm, args, _kw, out) => intersectionMulti(vm, args[0] as ObjectId, args.slice(1), out),
  difference: (vm, args, _kw, out) => {
    const so = args[0] as ObjectId;
    if (args.length === 1) return copyOf(vm, so, out);
    return building(vm, difference(vm, so, args[1] as ObjectId, C_TEMP), out, (r) => {
      for (const o of args.slice(2)) differenceUpdate(vm, r, o);
    });
  },
  symmetric_difference: (vm, args, kw, out) =>
    symmetricDifference(vm, args[0] as ObjectId, oneArg(vm, 'set.symmetric_difference', args, kw), out),
  issubset: (vm, args, kw, out) => vm.bool(subset(vm, args[0] as ObjectId, oneArg(vm, 'set.issubset', args, kw)), out),
  issuperset: (vm, args, kw, out) =>
    vm.bool(superset(vm, args[0] as ObjectId, oneArg(vm, 'set.issuperset', args, kw)), out),
  isdisjoint: (vm, args, kw, out) =>
    vm.bool(disjoint(vm, args[0] as ObjectId, oneArg(vm, 'set.isdisjoint', args, kw)), out),
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
