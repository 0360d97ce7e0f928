/*
 * itertools
 * =========
 * Every iterator type of CPython's C itertools module. Each object holds what it iterates
 * as CPython's struct does (an iterator over its argument, a saved list, a pool tuple, a
 * result tuple), with CPython's `sys.getsizeof` and GC-tracked from creation, so what it
 * keeps alive is what CPython's keeps alive:
 *
 *   chain(a, b)      holds iter((a, b)): the argument tuple, so a and b, until exhausted
 *   cycle(x)         holds iter(x) and its saved list; after the first lap only the list
 *   repeat(o, n)     holds o even after the last repetition
 *   groupby(it)      holds the current key and value; each _grouper holds its groupby
 *   tee(it, n)       n _tee objects sharing _tee_dataobject links of 57 values each
 *   product, combinations, combinations_with_replacement, permutations
 *                    hold their pool tuple(s), an index array (counted in getsizeof) and
 *                    the result tuple, which they update in place when no one else
 *                    holds it (refcount 1), so a loop that drops each result sees one
 *                    tuple object throughout, as in CPython; zip_longest does the same.
 *
 * Source: Modules/itertoolsmodule.c (3.11).
 *
 * Simplifications: pickling support (__reduce__, __setstate__) is not simulated.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { classGetItem } from '../objects/genericalias.js';
import { cdata, clearField, newCObject, parseArgs, setField, ssizeArg } from './cobject.js';

const MODULE = 'itertools';
const PY_SSIZE_T_MAX = 9223372036854775807n;

const typeOf = (vm: VM, name: string): ObjectId => vm.typeByName.get(`${MODULE}.${name}`) as ObjectId;

const selfIter = (vm: VM, self: ObjectId, out: Holder): ObjectId => vm.ret(self, out);

/** A type of this module: an iterator (tp_iter returns self) with `next` as tp_iternext. */
function iterType(
  vm: VM,
  name: string,
  next: (vm: VM, self: ObjectId, out: Holder) => ObjectId | undefined,
  extra: TypeSlots & { members?: Record<string, NativeMember>; baseType?: boolean },
): ObjectId {
  const { members, baseType, ...slots } = extra;
  return vm.defineType({
    name,
    module: MODULE,
    base: vm.T.object,
    baseType: baseType ?? true,
    slots: { ...slots, iter: selfIter, next },
    members: members ?? {},
  });
}

/** `o[i] = v` on a tuple this module made and alone holds (PyTuple_SET_ITEM after Py_INCREF, old released). */
function tupleSetItem(vm: VM, tuple: ObjectId, i: number, value: ObjectId): void {
  const items = vm.as(tuple, 'tuple').items;
  const old = items[i] as ObjectId;
  items[i] = value;
  vm.rt.increfRef(value, tuple, 'item', i);
  vm.rt.decrefRef(old, tuple, 'item', i + 1);
}

/**
 * The result tuple of product/combinations/permutations before an update: reused when the
 * iterator holds the only reference (re-tracked if a collection untracked it), else a copy.
 */
function recycleResult<D extends { result: ObjectId | undefined }>(vm: VM, self: ObjectId, d: D): ObjectId {
  const result = d.result as ObjectId;
  if (vm.rt.refcount(result) > 1) {
    const copy = vm.newTuple(vm.as(result, 'tuple').items, C_TEMP);
    setField(vm, self, d, 'result' as never, copy, C_TEMP);
    return copy;
  }
  if (vm.rt.object(result).gen < 0) vm.rt.track(result);
  return result;
}

/** A tuple of the pool items at `indices`. */
function tupleAt(vm: VM, pool: ObjectId, indices: readonly number[], out: Holder): ObjectId {
  const items = vm.as(pool, 'tuple').items;
  return vm.newTuple(
    indices.map((i) => items[i] as ObjectId),
    out,
  );
}

/** PySequence_Tuple: the iterable's items as a tuple (a tuple itself when exact). */
function seqTuple(vm: VM, iterable: ObjectId, out: Holder): ObjectId {
  const v = vm.value(iterable);
  if (v.t === 'tuple' && v.type === vm.T.tuple) return vm.ret(iterable, out);
  return vm.newTuple(vm.iterateToArray(iterable, C_TEMP), out, C_TEMP);
}

function noKeywords(vm: VM, name: string, kwnames: readonly string[] | undefined): void {
  if (kwnames !== undefined) throw vm.typeError(`${name}() takes no keyword arguments`);
}

// ---------------------------------------------------------------------------------
// groupby and _grouper

interface GroupbyData {
  it: ObjectId | undefined;
  keyfunc: ObjectId | undefined;
  tgtkey: ObjectId | undefined;
  currkey: ObjectId | undefined;
  currvalue: ObjectId | undefined;
  /** A borrowed pointer to the newest _grouper: it alone may advance the groupby. */
  currgrouper: ObjectId | undefined;
}

interface GrouperData {
  parent: ObjectId | undefined;
  tgtkey: ObjectId | undefined;
}

/** groupby_step: the next value and its key become current; false when the input is exhausted. */
function groupbyStep(vm: VM, self: ObjectId, d: GroupbyData): boolean {
  const value = vm.iterNext(d.it as ObjectId, C_TEMP);
  if (value === undefined) return false;
  let key: ObjectId;
  if (d.keyfunc === vm.statics.none) key = vm.ret(value, C_TEMP);
  else {
    try {
      key = vm.call(d.keyfunc as ObjectId, [value], undefined, C_TEMP);
    } catch (e) {
      vm.rt.decref(value, C_TEMP);
      throw e;
    }
  }
  const old = d.currvalue;
  d.currvalue = value;
  vm.rt.moveToRef(value, C_TEMP, self, 'currvalue');
  setField(vm, self, d, 'currkey', key, C_TEMP);
  if (old !== undefined) vm.rt.decrefRef(old, self, 'currvalue');
  return true;
}

function groupbyNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<GroupbyData>(vm, self);
  d.currgrouper = undefined;
  // Skip to the next group.
  for (;;) {
    if (d.currkey !== undefined) {
      if (d.tgtkey === undefined) break;
      if (!vm.richCompareBool(d.tgtkey, d.currkey, '==')) break;
    }
    if (!groupbyStep(vm, self, d)) return undefined;
  }
  setField(vm, self, d, 'tgtkey', d.currkey);
  const grouper = newCObject<GrouperData>(
    vm,
    typeOf(vm, '_grouper'),
    'itertools._grouper',
    48,
    { parent: self, tgtkey: d.tgtkey },
    ['parent', 'tgtkey'],
    C_TEMP,
  );
  d.currgrouper = grouper;
  return vm.newTuple([vm.ret(d.currkey, C_TEMP), grouper], out, C_TEMP);
}

function grouperNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const g = cdata<GrouperData>(vm, self);
  const parent = g.parent as ObjectId;
  const d = cdata<GroupbyData>(vm, parent);
  if (d.currgrouper !== self) return undefined;
  if (d.currvalue === undefined && !groupbyStep(vm, parent, d)) return undefined;
  if (!vm.richCompareBool(g.tgtkey as ObjectId, d.currkey as ObjectId, '==')) return undefined;
  const r = d.currvalue as ObjectId;
  d.currvalue = undefined;
  vm.rt.move(r, { kind: 'object', owner: parent, slot: 'currvalue' }, out);
  clearField(vm, parent, d, 'currkey');
  return r;
}

// ---------------------------------------------------------------------------------
// tee, _tee and _tee_dataobject

/** LINKCELLS: the values one _tee_dataobject holds. */
const LINKCELLS = 57;

interface TeeDataData {
  it: ObjectId | undefined;
  nextlink: ObjectId | undefined;
  /** values[0 .. numread): references held in slot `values`. */
  values: ObjectId[];
  running: boolean;
}

interface TeeData {
  dataobj: ObjectId | undefined;
  index: number;
}

function newTeeData(vm: VM, it: ObjectId, out: Holder): ObjectId {
  return newCObject<TeeDataData>(
    vm,
    typeOf(vm, '_tee_dataobject'),
    'itertools._tee_dataobject',
    512,
    { it, nextlink: undefined, values: [], running: false },
    ['it'],
    out,
  );
}

/** teedataobject_getitem: value i, read from the iterator when no tee has read it yet. */
function teeDataGetItem(vm: VM, tdo: ObjectId, i: number, out: Holder): ObjectId | undefined {
  const d = cdata<TeeDataData>(vm, tdo);
  if (i < d.values.length) return vm.ret(d.values[i] as ObjectId, out);
  if (d.running) throw vm.pyErr('RuntimeError', 'cannot re-enter the tee iterator');
  d.running = true;
  let value: ObjectId | undefined;
  try {
    value = vm.iterNext(d.it as ObjectId, C_TEMP);
  } finally {
    d.running = false;
  }
  if (value === undefined) return undefined;
  d.values.push(value);
  vm.rt.moveToRef(value, C_TEMP, tdo, 'values');
  return vm.ret(value, out);
}

/** teedataobject_jumplink: the next link, made on first need (sharing the iterator). */
function teeDataJumpLink(vm: VM, tdo: ObjectId): ObjectId {
  const d = cdata<TeeDataData>(vm, tdo);
  if (d.nextlink === undefined) {
    const link = newTeeData(vm, d.it as ObjectId, C_TEMP);
    setField(vm, tdo, d, 'nextlink', link, C_TEMP);
  }
  return d.nextlink as ObjectId;
}

function newTee(vm: VM, type: ObjectId, dataobj: ObjectId, index: number, out: Holder): ObjectId {
  return newCObject<TeeData>(vm, type, 'itertools._tee', 56, { dataobj, index }, ['dataobj'], out);
}

/** tee_fromiterable: a _tee over iter(iterable) (a copy when that is already a _tee). */
function teeFromIterable(vm: VM, iterable: ObjectId, out: Holder): ObjectId {
  const it = vm.getIter(iterable, C_TEMP);
  try {
    const teeType = typeOf(vm, '_tee');
    if (vm.isInstanceOf(it, teeType)) {
      const d = cdata<TeeData>(vm, it);
      return newTee(vm, teeType, d.dataobj as ObjectId, d.index, out);
    }
    const dataobj = newTeeData(vm, it, C_TEMP);
    try {
      return newTee(vm, teeType, dataobj, 0, out);
    } finally {
      vm.rt.decref(dataobj, C_TEMP);
    }
  } finally {
    vm.rt.decref(it, C_TEMP);
  }
}

function teeNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<TeeData>(vm, self);
  if (d.index >= LINKCELLS) {
    const link = teeDataJumpLink(vm, d.dataobj as ObjectId);
    setField(vm, self, d, 'dataobj', link);
    d.index = 0;
  }
  const value = teeDataGetItem(vm, d.dataobj as ObjectId, d.index, out);
  if (value === undefined) return undefined;
  d.index += 1;
  return value;
}

const teeFunction: Native = (vm, args, kwnames, out) => {
  const [iterable, nObj] = parseArgs(vm, 'tee', args, kwnames, {
    names: ['iterable', 'n'],
    required: 1,
    posOnly: true,
  });
  const n = nObj === undefined ? 2 : ssizeArg(vm, nObj);
  if (n < 0) throw vm.pyErr('ValueError', 'n must be >= 0');
  if (n === 0) return vm.newTuple([], out);
  const it = vm.getIter(iterable as ObjectId, C_TEMP);
  const made: ObjectId[] = [];
  let copyfunc: ObjectId | undefined;
  try {
    copyfunc = vm.getAttrOpt(it, '__copy__', C_TEMP);
    let copyable: ObjectId;
    if (copyfunc !== undefined) copyable = vm.ret(it, C_TEMP);
    else {
      copyable = teeFromIterable(vm, it, C_TEMP);
      copyfunc = vm.getAttr(copyable, '__copy__', C_TEMP);
    }
    made.push(copyable);
    for (let i = 1; i < n; i++) made.push(vm.call(copyfunc, [], undefined, C_TEMP));
  } catch (e) {
    for (const x of made) vm.rt.decref(x, C_TEMP);
    throw e;
  } finally {
    if (copyfunc !== undefined) vm.rt.decref(copyfunc, C_TEMP);
    vm.rt.decref(it, C_TEMP);
  }
  return vm.newTuple(made, out, C_TEMP);
};

// ---------------------------------------------------------------------------------
// cycle, dropwhile, takewhile, islice, starmap, chain

interface CycleData {
  it: ObjectId | undefined;
  saved: ObjectId | undefined;
  index: number;
  firstpass: boolean;
}

function cycleNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<CycleData>(vm, self);
  if (d.it !== undefined) {
    const item = vm.iterNext(d.it, out);
    if (item !== undefined) {
      if (!d.firstpass) vm.listAppend(d.saved as ObjectId, item);
      return item;
    }
    clearField(vm, self, d, 'it');
  }
  const saved = vm.as(d.saved as ObjectId, 'list').items;
  if (saved.length === 0) return undefined;
  const item = saved[d.index] as ObjectId;
  d.index += 1;
  if (d.index >= saved.length) d.index = 0;
  return vm.ret(item, out);
}

interface PredicateData {
  func: ObjectId | undefined;
  it: ObjectId | undefined;
  /** dropwhile: started yielding; takewhile: stopped. */
  flag: boolean;
}

function callPredicate(vm: VM, func: ObjectId, item: ObjectId): boolean {
  const good = vm.call(func, [item], undefined, C_TEMP);
  try {
    return vm.truthy(good);
  } finally {
    vm.rt.decref(good, C_TEMP);
  }
}

function dropwhileNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<PredicateData>(vm, self);
  for (;;) {
    const item = vm.iterNext(d.it as ObjectId, out);
    if (item === undefined) return undefined;
    if (d.flag) return item;
    let ok: boolean;
    try {
      ok = callPredicate(vm, d.func as ObjectId, item);
    } catch (e) {
      vm.rt.decref(item, out);
      throw e;
    }
    if (!ok) {
      d.flag = true;
      return item;
    }
    vm.rt.decref(item, out);
  }
}

function takewhileNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<PredicateData>(vm, self);
  if (d.flag) return undefined;
  const item = vm.iterNext(d.it as ObjectId, out);
  if (item === undefined) return undefined;
  let ok: boolean;
  try {
    ok = callPredicate(vm, d.func as ObjectId, item);
  } catch (e) {
    vm.rt.decref(item, out);
    throw e;
  }
  if (ok) return item;
  vm.rt.decref(item, out);
  d.flag = true;
  return undefined;
}

function predicateType(vm: VM, name: string, next: typeof dropwhileNext): void {
  iterType(vm, name, next, {
    new: (vm2, type, args, kwnames, out) => {
      noKeywords(vm2, name, kwnames);
      const [func, seq] = parseArgs(vm2, name, args, kwnames, {
        names: ['predicate', 'iterable'],
        required: 2,
        posOnly: true,
      });
      const it = vm2.getIter(seq as ObjectId, C_TEMP);
      try {
        return newCObject<PredicateData>(
          vm2,
          type,
          `itertools.${name}`,
          56,
          { func, it, flag: false },
          ['func', 'it'],
          out,
        );
      } finally {
        vm2.rt.decref(it, C_TEMP);
      }
    },
  });
}

interface IsliceData {
  it: ObjectId | undefined;
  next: bigint;
  /** -1: no stop. */
  stop: bigint;
  step: bigint;
  cnt: bigint;
}

function isliceNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<IsliceData>(vm, self);
  const it = d.it;
  if (it === undefined) return undefined;
  const empty = (): undefined => {
    clearField(vm, self, d, 'it');
    return undefined;
  };
  while (d.cnt < d.next) {
    const item = vm.iterNext(it, C_TEMP);
    if (item === undefined) return empty();
    vm.rt.decref(item, C_TEMP);
    d.cnt += 1n;
  }
  if (d.stop !== -1n && d.cnt >= d.stop) return empty();
  const item = vm.iterNext(it, out);
  if (item === undefined) return empty();
  d.cnt += 1n;
  const oldnext = d.next;
  d.next += d.step;
  if (d.next < oldnext || (d.stop !== -1n && d.next > d.stop)) d.next = d.stop;
  return item;
}

function isliceIndex(vm: VM, x: ObjectId | undefined, message: string): bigint | undefined {
  if (x === undefined || x === vm.statics.none) return undefined;
  let v: bigint;
  try {
    v = vm.index(x);
  } catch (e) {
    if (vm.raised(e, 'TypeError')) {
      vm.clearRaise(e);
      throw vm.pyErr('ValueError', message);
    }
    throw e;
  }
  if (v < 0n || v > PY_SSIZE_T_MAX) throw vm.pyErr('ValueError', message);
  return v;
}

const isliceSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    noKeywords(vm, 'islice', kwnames);
    if (args.length < 2 || args.length > 4)
      throw vm.typeError(
        `islice expected ${args.length < 2 ? 'at least 2' : 'at most 4'} arguments, got ${args.length}`,
      );
    const seq = args[0] as ObjectId;
    let start = 0n;
    let stop = -1n;
    let step = 1n;
    const stopMsg = 'Stop argument for islice() must be None or an integer: 0 <= x <= sys.maxsize.';
    const indexMsg = 'Indices for islice() must be None or an integer: 0 <= x <= sys.maxsize.';
    if (args.length === 2) stop = isliceIndex(vm, args[1], stopMsg) ?? -1n;
    else {
      start = isliceIndex(vm, args[1], indexMsg) ?? 0n;
      stop = isliceIndex(vm, args[2], indexMsg) ?? -1n;
      if (args.length === 4 && args[3] !== vm.statics.none) {
        const s = vm.hasIndex(args[3] as ObjectId) ? vm.index(args[3] as ObjectId) : -1n;
        if (s < 1n) throw vm.pyErr('ValueError', 'Step for islice() must be a positive integer or None.');
        step = s;
      }
    }
    const it = vm.getIter(seq, C_TEMP);
    try {
      return newCObject<IsliceData>(
        vm,
        type,
        'itertools.islice',
        72,
        { it, next: start, stop, step, cnt: 0n },
        ['it'],
        out,
      );
    } finally {
      vm.rt.decref(it, C_TEMP);
    }
  },
};

interface FuncItData {
  func: ObjectId | undefined;
  it: ObjectId | undefined;
}

function starmapNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<FuncItData>(vm, self);
  const args = vm.iterNext(d.it as ObjectId, C_TEMP);
  if (args === undefined) return undefined;
  let tuple = args;
  try {
    if (vm.value(args).t !== 'tuple') {
      tuple = seqTuple(vm, args, C_TEMP);
      vm.rt.decref(args, C_TEMP);
    }
    return vm.call(d.func as ObjectId, vm.as(tuple, 'tuple').items, undefined, out);
  } finally {
    vm.rt.decref(tuple, C_TEMP);
  }
}

function filterfalseNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<FuncItData>(vm, self);
  for (;;) {
    const item = vm.iterNext(d.it as ObjectId, out);
    if (item === undefined) return undefined;
    let ok: boolean;
    try {
      ok = d.func === vm.statics.none ? vm.truthy(item) : callPredicate(vm, d.func as ObjectId, item);
    } catch (e) {
      vm.rt.decref(item, out);
      throw e;
    }
    if (!ok) return item;
    vm.rt.decref(item, out);
  }
}

function funcItType(vm: VM, name: string, next: typeof starmapNext, argNames: [string, string]): void {
  iterType(vm, name, next, {
    new: (vm2, type, args, kwnames, out) => {
      noKeywords(vm2, name, kwnames);
      const [func, seq] = parseArgs(vm2, name, args, kwnames, { names: argNames, required: 2, posOnly: true });
      const it = vm2.getIter(seq as ObjectId, C_TEMP);
      try {
        return newCObject<FuncItData>(vm2, type, `itertools.${name}`, 48, { func, it }, ['func', 'it'], out);
      } finally {
        vm2.rt.decref(it, C_TEMP);
      }
    },
  });
}

interface ChainData {
  source: ObjectId | undefined;
  active: ObjectId | undefined;
}

function chainNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<ChainData>(vm, self);
  while (d.source !== undefined) {
    if (d.active === undefined) {
      const iterable = vm.iterNext(d.source, C_TEMP);
      if (iterable === undefined) {
        clearField(vm, self, d, 'source');
        return undefined;
      }
      let active: ObjectId;
      try {
        active = vm.getIter(iterable, C_TEMP);
      } catch (e) {
        clearField(vm, self, d, 'source');
        throw e;
      } finally {
        vm.rt.decref(iterable, C_TEMP);
      }
      setField(vm, self, d, 'active', active, C_TEMP);
    }
    const item = vm.iterNext(d.active as ObjectId, out);
    if (item !== undefined) return item;
    clearField(vm, self, d, 'active');
  }
  return undefined;
}

function newChain(vm: VM, type: ObjectId, iterable: ObjectId, out: Holder): ObjectId {
  const source = vm.getIter(iterable, C_TEMP);
  try {
    return newCObject<ChainData>(vm, type, 'itertools.chain', 48, { source, active: undefined }, ['source'], out);
  } finally {
    vm.rt.decref(source, C_TEMP);
  }
}

// ---------------------------------------------------------------------------------
// product, combinations, combinations_with_replacement, permutations

interface ProductData {
  pools: ObjectId | undefined;
  result: ObjectId | undefined;
  indices: number[];
  stopped: boolean;
}

function productNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<ProductData>(vm, self);
  if (d.stopped) return undefined;
  const pools = vm.as(d.pools as ObjectId, 'tuple').items;
  const n = pools.length;
  const poolItems = (i: number): ObjectId[] => vm.as(pools[i] as ObjectId, 'tuple').items;
  if (d.result === undefined) {
    if (pools.some((_, i) => poolItems(i).length === 0)) {
      d.stopped = true;
      return undefined;
    }
    const firsts = pools.map((_, i) => poolItems(i)[0] as ObjectId);
    setField(vm, self, d, 'result', vm.newTuple(firsts, C_TEMP), C_TEMP);
  } else {
    const result = recycleResult(vm, self, d);
    let i = n - 1;
    for (; i >= 0; i--) {
      const pool = poolItems(i);
      (d.indices[i] as number) += 1;
      if (d.indices[i] === pool.length) {
        d.indices[i] = 0;
        tupleSetItem(vm, result, i, pool[0] as ObjectId);
      } else {
        tupleSetItem(vm, result, i, pool[d.indices[i] as number] as ObjectId);
        break;
      }
    }
    if (i < 0) {
      d.stopped = true;
      return undefined;
    }
  }
  return vm.ret(d.result as ObjectId, out);
}

const productSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    let repeat = 1;
    kwnames?.forEach((k, i) => {
      if (k !== 'repeat') throw vm.typeError(`product() got an unexpected keyword argument '${k}'`);
      repeat = ssizeArg(vm, args[n + i] as ObjectId);
    });
    if (repeat < 0) throw vm.pyErr('ValueError', 'repeat argument cannot be negative');
    const tuples: ObjectId[] = [];
    try {
      for (let i = 0; i < n; i++) tuples.push(seqTuple(vm, args[i] as ObjectId, C_TEMP));
      const pools: ObjectId[] = [];
      for (let r = 0; r < repeat; r++) pools.push(...tuples);
      const npools = pools.length;
      const poolsTuple = vm.newTuple(pools, C_TEMP);
      try {
        return newCObject<ProductData>(
          vm,
          type,
          'itertools.product',
          64 + 8 * npools,
          { pools: poolsTuple, result: undefined, indices: new Array<number>(npools).fill(0), stopped: false },
          ['pools'],
          out,
          { alloc: 64 },
        );
      } finally {
        vm.rt.decref(poolsTuple, C_TEMP);
      }
    } finally {
      for (const t of tuples) vm.rt.decref(t, C_TEMP);
    }
  },
};

interface CombData {
  pool: ObjectId | undefined;
  result: ObjectId | undefined;
  indices: number[];
  cycles: number[];
  r: number;
  stopped: boolean;
}

function poolOf(vm: VM, d: CombData): ObjectId[] {
  return vm.as(d.pool as ObjectId, 'tuple').items;
}

function combinationsNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<CombData>(vm, self);
  if (d.stopped) return undefined;
  const pool = poolOf(vm, d);
  const n = pool.length;
  const r = d.r;
  if (d.result === undefined) {
    setField(vm, self, d, 'result', tupleAt(vm, d.pool as ObjectId, d.indices, C_TEMP), C_TEMP);
  } else {
    const result = recycleResult(vm, self, d);
    let i = r - 1;
    while (i >= 0 && d.indices[i] === i + n - r) i--;
    if (i < 0) {
      d.stopped = true;
      return undefined;
    }
    (d.indices[i] as number) += 1;
    for (let j = i + 1; j < r; j++) d.indices[j] = (d.indices[j - 1] as number) + 1;
    for (; i < r; i++) tupleSetItem(vm, result, i, pool[d.indices[i] as number] as ObjectId);
  }
  return vm.ret(d.result as ObjectId, out);
}

function cwrNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<CombData>(vm, self);
  if (d.stopped) return undefined;
  const pool = poolOf(vm, d);
  const n = pool.length;
  const r = d.r;
  if (d.result === undefined) {
    const first = n > 0 ? new Array<number>(r).fill(0) : [];
    setField(vm, self, d, 'result', tupleAt(vm, d.pool as ObjectId, first, C_TEMP), C_TEMP);
  } else {
    const result = recycleResult(vm, self, d);
    let i = r - 1;
    while (i >= 0 && d.indices[i] === n - 1) i--;
    if (i < 0) {
      d.stopped = true;
      return undefined;
    }
    const index = (d.indices[i] as number) + 1;
    for (; i < r; i++) {
      d.indices[i] = index;
      tupleSetItem(vm, result, i, pool[index] as ObjectId);
    }
  }
  return vm.ret(d.result as ObjectId, out);
}

function permutationsNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<CombData>(vm, self);
  if (d.stopped) return undefined;
  const pool = poolOf(vm, d);
  const n = pool.length;
  const r = d.r;
  const { indices, cycles } = d;
  if (d.result === undefined) {
    const first = tupleAt(vm, d.pool as ObjectId, indices.slice(0, r), C_TEMP);
    setField(vm, self, d, 'result', first, C_TEMP);
    return vm.ret(first, out);
  }
  if (n === 0) {
    d.stopped = true;
    return undefined;
  }
  const result = recycleResult(vm, self, d);
  let i = r - 1;
  for (; i >= 0; i--) {
    (cycles[i] as number) -= 1;
    if (cycles[i] === 0) {
      const index = indices[i] as number;
      for (let j = i; j < n - 1; j++) indices[j] = indices[j + 1] as number;
      indices[n - 1] = index;
      cycles[i] = n - i;
    } else {
      const j = cycles[i] as number;
      const index = indices[i] as number;
      indices[i] = indices[n - j] as number;
      indices[n - j] = index;
      for (let k = i; k < r; k++) tupleSetItem(vm, result, k, pool[indices[k] as number] as ObjectId);
      break;
    }
  }
  if (i < 0) {
    d.stopped = true;
    return undefined;
  }
  return vm.ret(result, out);
}

function combType(
  vm: VM,
  name: string,
  next: typeof combinationsNext,
  make: (
    n: number,
    r: number,
  ) => { indices: number[]; cycles: number[]; stopped: boolean; extra: number; base: number },
  rOptional: boolean,
): void {
  iterType(vm, name, next, {
    new: (vm2, type, args, kwnames, out) => {
      const [iterable, rObj] = parseArgs(vm2, name, args, kwnames, {
        names: ['iterable', 'r'],
        required: rOptional ? 1 : 2,
      });
      const pool = seqTuple(vm2, iterable as ObjectId, C_TEMP);
      try {
        const n = vm2.as(pool, 'tuple').items.length;
        let r = n;
        if (rObj !== undefined && rObj !== vm2.statics.none) {
          if (rOptional && vm2.value(rObj).t !== 'int' && vm2.value(rObj).t !== 'bool')
            throw vm2.typeError('Expected int as r');
          r = ssizeArg(vm2, rObj);
        }
        if (r < 0) throw vm2.pyErr('ValueError', 'r must be non-negative');
        const m = make(n, r);
        return newCObject<CombData>(
          vm2,
          type,
          `itertools.${name}`,
          m.base + m.extra,
          { pool, result: undefined, indices: m.indices, cycles: m.cycles, r, stopped: m.stopped },
          ['pool'],
          out,
          { alloc: m.base },
        );
      } finally {
        vm2.rt.decref(pool, C_TEMP);
      }
    },
  });
}

// ---------------------------------------------------------------------------------
// compress, zip_longest, pairwise, accumulate, count, repeat

interface CompressData {
  data: ObjectId | undefined;
  selectors: ObjectId | undefined;
}

function compressNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<CompressData>(vm, self);
  for (;;) {
    const datum = vm.iterNext(d.data as ObjectId, out);
    if (datum === undefined) return undefined;
    let selector: ObjectId | undefined;
    try {
      selector = vm.iterNext(d.selectors as ObjectId, C_TEMP);
    } catch (e) {
      vm.rt.decref(datum, out);
      throw e;
    }
    if (selector === undefined) {
      vm.rt.decref(datum, out);
      return undefined;
    }
    let ok: boolean;
    try {
      ok = vm.truthy(selector);
    } catch (e) {
      vm.rt.decref(datum, out);
      throw e;
    } finally {
      vm.rt.decref(selector, C_TEMP);
    }
    if (ok) return datum;
    vm.rt.decref(datum, out);
  }
}

interface ZipLongestData {
  ittuple: ObjectId | undefined;
  result: ObjectId | undefined;
  fillvalue: ObjectId | undefined;
  /** Which iterators are still active (an exhausted one's tuple slot is NULL in CPython; None here). */
  active: boolean[];
  numactive: number;
}

function zipLongestNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<ZipLongestData>(vm, self);
  const size = d.active.length;
  if (size === 0 || d.numactive === 0) return undefined;
  const iters = vm.as(d.ittuple as ObjectId, 'tuple').items;
  const fill = d.fillvalue as ObjectId;
  /** The next item of iterator i, the fill value once exhausted; undefined when all are. */
  const nextItem = (i: number): ObjectId | undefined => {
    if (!d.active[i]) return vm.ret(fill, C_TEMP);
    const it = iters[i] as ObjectId;
    let item: ObjectId | undefined;
    try {
      item = vm.iterNext(it, C_TEMP);
    } catch (e) {
      d.numactive = 0;
      throw e;
    }
    if (item !== undefined) return item;
    d.numactive -= 1;
    if (d.numactive === 0) return undefined;
    d.active[i] = false;
    tupleSetItem(vm, d.ittuple as ObjectId, i, vm.statics.none);
    return vm.ret(fill, C_TEMP);
  };
  const result = d.result as ObjectId;
  if (vm.rt.refcount(result) === 1) {
    vm.rt.incref(result, C_TEMP);
    for (let i = 0; i < size; i++) {
      let item: ObjectId | undefined;
      try {
        item = nextItem(i);
      } catch (e) {
        vm.rt.decref(result, C_TEMP);
        throw e;
      }
      if (item === undefined) {
        vm.rt.decref(result, C_TEMP);
        return undefined;
      }
      tupleSetItem(vm, result, i, item);
      vm.rt.decref(item, C_TEMP);
    }
    if (vm.rt.object(result).gen < 0) vm.rt.track(result);
    vm.rt.move(result, C_TEMP, out);
    return result;
  }
  const items: ObjectId[] = [];
  for (let i = 0; i < size; i++) {
    let item: ObjectId | undefined;
    try {
      item = nextItem(i);
    } catch (e) {
      for (const x of items) vm.rt.decref(x, C_TEMP);
      throw e;
    }
    if (item === undefined) {
      for (const x of items) vm.rt.decref(x, C_TEMP);
      return undefined;
    }
    items.push(item);
  }
  return vm.newTuple(items, out, C_TEMP);
}

interface PairwiseData {
  it: ObjectId | undefined;
  old: ObjectId | undefined;
}

function pairwiseNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<PairwiseData>(vm, self);
  if (d.it === undefined) return undefined;
  if (d.old === undefined) {
    const old = vm.iterNext(d.it, C_TEMP);
    if (old === undefined) {
      clearField(vm, self, d, 'it');
      return undefined;
    }
    setField(vm, self, d, 'old', old, C_TEMP);
  }
  const next = vm.iterNext(d.it, C_TEMP);
  if (next === undefined) {
    clearField(vm, self, d, 'it');
    clearField(vm, self, d, 'old');
    return undefined;
  }
  const result = vm.newTuple([d.old as ObjectId, next], out);
  setField(vm, self, d, 'old', next, C_TEMP);
  return result;
}

interface AccumulateData {
  it: ObjectId | undefined;
  total: ObjectId | undefined;
  binop: ObjectId | undefined;
  initial: ObjectId | undefined;
}

function accumulateNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<AccumulateData>(vm, self);
  if (d.initial !== vm.statics.none) {
    // The initial value's reference becomes the total's.
    const initial = d.initial as ObjectId;
    d.initial = vm.statics.none;
    vm.rt.incref(vm.statics.none, { kind: 'object', owner: self, slot: 'initial' });
    d.total = initial;
    vm.rt.move(
      initial,
      { kind: 'object', owner: self, slot: 'initial' },
      { kind: 'object', owner: self, slot: 'total' },
    );
    return vm.ret(initial, out);
  }
  const val = vm.iterNext(d.it as ObjectId, C_TEMP);
  if (val === undefined) return undefined;
  if (d.total === undefined) {
    setField(vm, self, d, 'total', val);
    vm.rt.move(val, C_TEMP, out);
    return val;
  }
  let newtotal: ObjectId;
  try {
    newtotal =
      d.binop === undefined
        ? vm.binaryOp('+', d.total, val, false, C_TEMP)
        : vm.call(d.binop, [d.total, val], undefined, C_TEMP);
  } finally {
    vm.rt.decref(val, C_TEMP);
  }
  setField(vm, self, d, 'total', newtotal);
  vm.rt.move(newtotal, C_TEMP, out);
  return newtotal;
}

interface CountData {
  /** The count in fast mode (start an int, step 1); PY_SSIZE_T_MAX in slow mode. */
  cnt: bigint;
  long_cnt: ObjectId | undefined;
  long_step: ObjectId | undefined;
}

function countNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<CountData>(vm, self);
  if (d.cnt !== PY_SSIZE_T_MAX) {
    const r = vm.newInt(d.cnt, out);
    d.cnt += 1n;
    return r;
  }
  // count_nextlong: the current count is returned, its successor kept.
  let current = d.long_cnt;
  if (current === undefined) current = vm.newInt(PY_SSIZE_T_MAX, C_TEMP);
  else {
    d.long_cnt = undefined;
    vm.rt.move(current, { kind: 'object', owner: self, slot: 'long_cnt' }, C_TEMP);
  }
  let stepped: ObjectId;
  try {
    stepped = vm.binaryOp('+', current, d.long_step as ObjectId, false, C_TEMP);
  } catch (e) {
    d.long_cnt = current;
    vm.rt.moveToRef(current, C_TEMP, self, 'long_cnt');
    throw e;
  }
  d.long_cnt = stepped;
  vm.rt.moveToRef(stepped, C_TEMP, self, 'long_cnt');
  vm.rt.move(current, C_TEMP, out);
  return current;
}

function isNumber(vm: VM, x: ObjectId): boolean {
  const t = vm.value(x).t;
  if (t === 'int' || t === 'bool' || t === 'float' || t === 'complex') return true;
  const type = vm.typeOf(x);
  return (
    vm.lookupType(type, '__index__') !== undefined ||
    vm.lookupType(type, '__int__') !== undefined ||
    vm.lookupType(type, '__float__') !== undefined
  );
}

const countSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const [start, step] = parseArgs(vm, 'count', args, kwnames, { names: ['start', 'step'], required: 0 });
    if ((start !== undefined && !isNumber(vm, start)) || (step !== undefined && !isNumber(vm, step)))
      throw vm.typeError('a number is required');
    let slow = false;
    let cnt = 0n;
    let longCnt: ObjectId;
    if (start !== undefined) {
      const sv = vm.value(start);
      if (sv.t === 'int' && sv.v <= PY_SSIZE_T_MAX && sv.v >= -PY_SSIZE_T_MAX - 1n) cnt = sv.v;
      else slow = true;
      longCnt = start;
    } else longCnt = vm.statics.smallInt(0) as ObjectId;
    let longStep: ObjectId;
    if (step !== undefined) longStep = step;
    else longStep = vm.statics.smallInt(1) as ObjectId;
    const stepV = vm.value(longStep);
    if (stepV.t !== 'int' || stepV.v !== 1n) slow = true;
    if (slow) cnt = PY_SSIZE_T_MAX;
    return newCObject<CountData>(
      vm,
      type,
      'itertools.count',
      56,
      { cnt, long_cnt: slow ? longCnt : undefined, long_step: longStep },
      ['long_cnt', 'long_step'],
      out,
    );
  },
  repr: (vm, self) => {
    const d = cdata<CountData>(vm, self);
    const name = vm.typeValue(vm.typeOf(self)).name;
    if (d.cnt !== PY_SSIZE_T_MAX) return `${name}(${d.cnt})`;
    const step = vm.value(d.long_step as ObjectId);
    const cntRepr = d.long_cnt === undefined ? String(PY_SSIZE_T_MAX) : vm.reprText(d.long_cnt);
    if (step.t === 'int' && step.v === 1n) return `${name}(${cntRepr})`;
    return `${name}(${cntRepr}, ${vm.reprText(d.long_step as ObjectId)})`;
  },
};

interface RepeatData {
  element: ObjectId | undefined;
  /** -1: forever. */
  cnt: bigint;
}

function repeatNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const d = cdata<RepeatData>(vm, self);
  if (d.cnt === 0n) return undefined;
  if (d.cnt > 0n) d.cnt -= 1n;
  return vm.ret(d.element as ObjectId, out);
}

const repeatSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const [element, times] = parseArgs(vm, 'repeat', args, kwnames, { names: ['object', 'times'], required: 1 });
    let cnt = -1n;
    if (times !== undefined) {
      cnt = BigInt(ssizeArg(vm, times));
      if (cnt < 0n) cnt = 0n;
    }
    return newCObject<RepeatData>(vm, type, 'itertools.repeat', 48, { element, cnt }, ['element'], out);
  },
  repr: (vm, self) => {
    const d = cdata<RepeatData>(vm, self);
    const name = vm.typeValue(vm.typeOf(self)).name;
    const el = vm.reprText(d.element as ObjectId);
    return d.cnt === -1n ? `${name}(${el})` : `${name}(${el}, ${d.cnt})`;
  },
};

// ---------------------------------------------------------------------------------
// The module.

export function defineItertools(vm: VM, dict: ObjectId): void {
  iterType(vm, 'groupby', groupbyNext, {
    new: (vm2, type, args, kwnames, out) => {
      const [iterable, key] = parseArgs(vm2, 'groupby', args, kwnames, { names: ['iterable', 'key'], required: 1 });
      const it = vm2.getIter(iterable as ObjectId, C_TEMP);
      try {
        return newCObject<GroupbyData>(
          vm2,
          type,
          'itertools.groupby',
          80,
          {
            it,
            keyfunc: key ?? vm2.statics.none,
            tgtkey: undefined,
            currkey: undefined,
            currvalue: undefined,
            currgrouper: undefined,
          },
          ['it', 'keyfunc'],
          out,
        );
      } finally {
        vm2.rt.decref(it, C_TEMP);
      }
    },
  });
  iterType(vm, '_grouper', grouperNext, { baseType: false });
  vm.defineType({
    name: '_tee_dataobject',
    module: MODULE,
    base: vm.T.object,
    baseType: false,
    slots: {
      new: (vm2, _type, args, kwnames, out) => {
        const [iterable] = parseArgs(vm2, '_tee_dataobject', args, kwnames, {
          names: ['iterable', 'values', 'next'],
          required: 3,
          posOnly: true,
        });
        const it = vm2.getIter(iterable as ObjectId, C_TEMP);
        try {
          return newTeeData(vm2, it, out);
        } finally {
          vm2.rt.decref(it, C_TEMP);
        }
      },
    },
  });
  iterType(vm, '_tee', teeNext, {
    baseType: false,
    new: (vm2, _type, args, kwnames, out) => {
      const [iterable] = parseArgs(vm2, '_tee', args, kwnames, { names: ['iterable'], required: 1, posOnly: true });
      return teeFromIterable(vm2, iterable as ObjectId, out);
    },
    members: {
      __copy__: {
        k: 'method',
        fn: (vm2, args, _kw, out) => {
          const self = args[0] as ObjectId;
          const d = cdata<TeeData>(vm2, self);
          return newTee(vm2, vm2.typeOf(self), d.dataobj as ObjectId, d.index, out);
        },
      },
    },
  });
  vm.typeValue(typeOf(vm, '_tee')).hasWeakref = true;
  iterType(vm, 'cycle', cycleNext, {
    new: (vm2, type, args, kwnames, out) => {
      noKeywords(vm2, 'cycle', kwnames);
      const [iterable] = parseArgs(vm2, 'cycle', args, kwnames, { names: ['iterable'], required: 1, posOnly: true });
      const it = vm2.getIter(iterable as ObjectId, C_TEMP);
      const saved = vm2.newList([], C_TEMP);
      try {
        return newCObject<CycleData>(
          vm2,
          type,
          'itertools.cycle',
          64,
          { it, saved, index: 0, firstpass: false },
          ['it', 'saved'],
          out,
        );
      } finally {
        vm2.rt.decref(saved, C_TEMP);
        vm2.rt.decref(it, C_TEMP);
      }
    },
  });
  predicateType(vm, 'dropwhile', dropwhileNext);
  predicateType(vm, 'takewhile', takewhileNext);
  iterType(vm, 'islice', isliceNext, isliceSlots);
  funcItType(vm, 'starmap', starmapNext, ['function', 'iterable']);
  iterType(vm, 'chain', chainNext, {
    new: (vm2, type, args, kwnames, out) => {
      noKeywords(vm2, 'chain', kwnames);
      const t = vm2.newTuple(args, C_TEMP);
      try {
        return newChain(vm2, type, t, out);
      } finally {
        vm2.rt.decref(t, C_TEMP);
      }
    },
    members: {
      from_iterable: {
        k: 'classmethod',
        fn: (vm2, args, kwnames, out) => {
          const [iterable] = parseArgs(vm2, 'from_iterable', args.slice(1), kwnames, {
            names: ['iterable'],
            required: 1,
            posOnly: true,
          });
          return newChain(vm2, args[0] as ObjectId, iterable as ObjectId, out);
        },
      },
      __class_getitem__: classGetItem,
    },
  });
  iterType(vm, 'product', productNext, productSlots);
  combType(
    vm,
    'combinations',
    combinationsNext,
    (n, r) => ({
      indices: Array.from({ length: r }, (_, i) => i),
      cycles: [],
      stopped: r > n,
      base: 72,
      extra: 8 * r,
    }),
    false,
  );
  combType(
    vm,
    'combinations_with_replacement',
    cwrNext,
    (n, r) => ({
      indices: new Array<number>(r).fill(0),
      cycles: [],
      stopped: n === 0 && r > 0,
      base: 72,
      extra: 8 * r,
    }),
    false,
  );
  combType(
    vm,
    'permutations',
    permutationsNext,
    (n, r) => ({
      indices: Array.from({ length: n }, (_, i) => i),
      cycles: Array.from({ length: r }, (_, i) => n - i),
      stopped: r > n,
      base: 80,
      extra: 8 * (n + r),
    }),
    true,
  );
  iterType(vm, 'compress', compressNext, {
    new: (vm2, type, args, kwnames, out) => {
      const [data, selectors] = parseArgs(vm2, 'compress', args, kwnames, {
        names: ['data', 'selectors'],
        required: 2,
      });
      const it1 = vm2.getIter(data as ObjectId, C_TEMP);
      try {
        const it2 = vm2.getIter(selectors as ObjectId, C_TEMP);
        try {
          return newCObject<CompressData>(
            vm2,
            type,
            'itertools.compress',
            48,
            { data: it1, selectors: it2 },
            ['data', 'selectors'],
            out,
          );
        } finally {
          vm2.rt.decref(it2, C_TEMP);
        }
      } finally {
        vm2.rt.decref(it1, C_TEMP);
      }
    },
  });
  funcItType(vm, 'filterfalse', filterfalseNext, ['function', 'iterable']);
  iterType(vm, 'count', countNext, countSlots);
  iterType(vm, 'zip_longest', zipLongestNext, {
    new: (vm2, type, args, kwnames, out) => {
      const n = npos(args, kwnames);
      let fill: ObjectId = vm2.statics.none;
      kwnames?.forEach((k, i) => {
        if (k !== 'fillvalue') throw vm2.typeError('zip_longest() got an unexpected keyword argument');
        fill = args[n + i] as ObjectId;
      });
      const iters: ObjectId[] = [];
      try {
        for (let i = 0; i < n; i++) iters.push(vm2.getIter(args[i] as ObjectId, C_TEMP));
      } catch (e) {
        for (const x of iters) vm2.rt.decref(x, C_TEMP);
        throw e;
      }
      const ittuple = vm2.newTuple(iters, C_TEMP, C_TEMP);
      const result = vm2.newTuple(
        iters.map(() => vm2.statics.none),
        C_TEMP,
      );
      try {
        return newCObject<ZipLongestData>(
          vm2,
          type,
          'itertools.zip_longest',
          72,
          { ittuple, result, fillvalue: fill, active: iters.map(() => true), numactive: n },
          ['ittuple', 'result', 'fillvalue'],
          out,
        );
      } finally {
        vm2.rt.decref(result, C_TEMP);
        vm2.rt.decref(ittuple, C_TEMP);
      }
    },
  });
  iterType(vm, 'pairwise', pairwiseNext, {
    new: (vm2, type, args, kwnames, out) => {
      noKeywords(vm2, 'pairwise', kwnames);
      const [iterable] = parseArgs(vm2, 'pairwise', args, kwnames, { names: ['iterable'], required: 1, posOnly: true });
      const it = vm2.getIter(iterable as ObjectId, C_TEMP);
      try {
        return newCObject<PairwiseData>(vm2, type, 'itertools.pairwise', 48, { it, old: undefined }, ['it'], out);
      } finally {
        vm2.rt.decref(it, C_TEMP);
      }
    },
  });
  iterType(vm, 'accumulate', accumulateNext, {
    new: (vm2, type, args, kwnames, out) => {
      const [iterable, func, initial] = parseArgs(vm2, 'accumulate', args, kwnames, {
        names: ['iterable', 'func'],
        required: 1,
        kwOnly: ['initial'],
      });
      const it = vm2.getIter(iterable as ObjectId, C_TEMP);
      try {
        return newCObject<AccumulateData>(
          vm2,
          type,
          'itertools.accumulate',
          64,
          {
            it,
            total: undefined,
            binop: func === undefined || func === vm2.statics.none ? undefined : func,
            initial: initial ?? vm2.statics.none,
          },
          ['it', 'binop', 'initial'],
          out,
        );
      } finally {
        vm2.rt.decref(it, C_TEMP);
      }
    },
  });
  iterType(vm, 'repeat', repeatNext, {
    ...repeatSlots,
    members: {
      __length_hint__: {
        k: 'method',
        fn: (vm2, args, _kw, out) => {
          const d = cdata<RepeatData>(vm2, args[0] as ObjectId);
          if (d.cnt === -1n) throw vm2.typeError('len() of unsized object');
          return vm2.newInt(d.cnt, out);
        },
      },
    },
  });
  for (const name of [
    'groupby',
    '_grouper',
    '_tee_dataobject',
    '_tee',
    'cycle',
    'dropwhile',
    'takewhile',
    'islice',
    'starmap',
    'chain',
    'product',
    'combinations',
    'combinations_with_replacement',
    'permutations',
    'compress',
    'filterfalse',
    'count',
    'zip_longest',
    'pairwise',
    'accumulate',
    'repeat',
  ]) {
    vm.dictSetStr(dict, name, typeOf(vm, name), C_TEMP, 'copy');
  }
  vm.addFunctions(dict, MODULE, { tee: teeFunction });
}

registerBuiltinModule(MODULE, (vm, _module, dict) => defineItertools(vm, dict));
