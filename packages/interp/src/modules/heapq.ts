/*
 * _heapq and _bisect
 * ==================
 * The C halves of Lib/heapq.py and Lib/bisect.py. Both rearrange the caller's list in
 * place: no new list, the items are the same objects (a popped item's reference moves
 * from the list to the caller, a pushed one's from the caller's argument into the
 * list). Comparisons go through PyObject_RichCompareBool with `<` only, in CPython's
 * order, holding the two items while they compare; a comparison that changes the
 * list's size raises RuntimeError as CPython's does.
 *
 * Source: Modules/_heapqmodule.c (3.11: siftdown, siftup, heappush, heappop_internal,
 * heapreplace_internal, heappushpop, heapify_internal and the _max variants),
 * Modules/_bisectmodule.c (internal_bisect_right/left, insort_right/left).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { listDeleteRange, listInsert, listReorderRefs } from '../objects/list.js';
import { checkPositional, methO, noKeywords, unpackKeywords } from './args.js';

type Lt = (vm: VM, a: ObjectId, b: ObjectId) => boolean;

/** PyObject_RichCompareBool(a, b, Py_LT) with both held while they compare. */
function lessThan(vm: VM, a: ObjectId, b: ObjectId): boolean {
  vm.rt.incref(a, C_TEMP);
  vm.rt.incref(b, C_TEMP);
  try {
    return vm.richCompareBool(a, b, '<');
  } finally {
    vm.rt.decref(b, C_TEMP);
    vm.rt.decref(a, C_TEMP);
  }
}
const minLt: Lt = (vm, a, b) => lessThan(vm, a, b);
const maxLt: Lt = (vm, a, b) => lessThan(vm, b, a);

function items(vm: VM, heap: ObjectId): ObjectId[] {
  return vm.as(heap, 'list').items;
}

function changedSize(vm: VM): never {
  throw vm.pyErr('RuntimeError', 'list changed size during iteration');
}

/** siftdown: move the item at `pos` up towards `startpos` while it is smaller than its parent. */
function siftdown(vm: VM, heap: ObjectId, startpos: number, pos0: number, lt: Lt): void {
  const size = items(vm, heap).length;
  let pos = pos0;
  if (pos >= size) throw vm.pyErr('IndexError', 'list index out of range');
  let newitem = items(vm, heap)[pos] as ObjectId;
  while (pos > startpos) {
    const parentpos = (pos - 1) >> 1;
    const parent = items(vm, heap)[parentpos] as ObjectId;
    const cmp = lt(vm, newitem, parent);
    if (size !== items(vm, heap).length) changedSize(vm);
    if (!cmp) break;
    const arr = items(vm, heap);
    const p = arr[parentpos] as ObjectId;
    newitem = arr[pos] as ObjectId;
    arr[parentpos] = newitem;
    arr[pos] = p;
    pos = parentpos;
  }
}

/** siftup: move the smaller child up until a leaf, then siftdown the item left there. */
function siftup(vm: VM, heap: ObjectId, pos0: number, lt: Lt): void {
  const endpos = items(vm, heap).length;
  const startpos = pos0;
  let pos = pos0;
  if (pos >= endpos) throw vm.pyErr('IndexError', 'list index out of range');
  const limit = endpos >> 1;
  while (pos < limit) {
    let childpos = 2 * pos + 1;
    if (childpos + 1 < endpos) {
      const arr = items(vm, heap);
      const cmp = lt(vm, arr[childpos] as ObjectId, arr[childpos + 1] as ObjectId);
      if (!cmp) childpos += 1;
      if (endpos !== items(vm, heap).length) changedSize(vm);
    }
    const arr = items(vm, heap);
    const tmp1 = arr[childpos] as ObjectId;
    arr[childpos] = arr[pos] as ObjectId;
    arr[pos] = tmp1;
    pos = childpos;
  }
  siftdown(vm, heap, startpos, pos, lt);
}

/** Runs a heap operation, then lets the list's references follow the items' new order. */
function rearranging<T>(vm: VM, heap: ObjectId, f: () => T): T {
  try {
    return f();
  } finally {
    if (vm.rt.isAlive(heap)) listReorderRefs(vm, heap);
  }
}

function listArg(vm: VM, obj: ObjectId, fname: string, which: string): ObjectId {
  if (!vm.isInstanceOf(obj, vm.T.list)) throw vm.typeError(`${fname}() ${which} must be list, not ${vm.typeName(obj)}`);
  return obj;
}

/** PyList_SET_ITEM(heap, 0, item): `item`'s reference (held by `from`) replaces the first item, whose reference moves to `out`. */
function replaceFirst(vm: VM, heap: ObjectId, item: ObjectId, from: Holder, out: Holder): ObjectId {
  const arr = items(vm, heap);
  const returnitem = arr[0] as ObjectId;
  arr[0] = item;
  vm.rt.move(returnitem, { kind: 'object', owner: heap, slot: 'item', at: 0 }, out);
  vm.rt.moveToRef(item, from, heap, 'item', 0);
  return returnitem;
}

function heappop(lt: Lt, name: string): Native {
  return (vm, args, kwnames, out) => {
    const heap = listArg(vm, methO(vm, `_heapq.${name}`, args, kwnames), name, 'argument');
    const arr = items(vm, heap);
    const n = arr.length;
    if (n === 0) throw vm.pyErr('IndexError', 'index out of range');
    const lastelt = arr[n - 1] as ObjectId;
    vm.rt.incref(lastelt, C_TEMP);
    listDeleteRange(vm, heap, n - 1, n);
    if (n - 1 === 0) {
      vm.rt.move(lastelt, C_TEMP, out);
      return lastelt;
    }
    return rearranging(vm, heap, () => {
      const returnitem = replaceFirst(vm, heap, lastelt, C_TEMP, C_TEMP);
      try {
        siftup(vm, heap, 0, lt);
      } catch (e) {
        vm.rt.decref(returnitem, C_TEMP);
        throw e;
      }
      vm.rt.move(returnitem, C_TEMP, out);
      return returnitem;
    });
  };
}

function heapreplace(lt: Lt, name: string): Native {
  return (vm, args, kwnames, out) => {
    noKeywords(vm, `_heapq.${name}`, kwnames);
    checkPositional(vm, name, args, kwnames, 2, 2);
    const heap = listArg(vm, args[0] as ObjectId, name, 'argument 1');
    const item = args[1] as ObjectId;
    if (items(vm, heap).length === 0) throw vm.pyErr('IndexError', 'index out of range');
    return rearranging(vm, heap, () => {
      vm.rt.incref(item, C_TEMP);
      const returnitem = replaceFirst(vm, heap, item, C_TEMP, C_TEMP);
      try {
        siftup(vm, heap, 0, lt);
      } catch (e) {
        vm.rt.decref(returnitem, C_TEMP);
        throw e;
      }
      vm.rt.move(returnitem, C_TEMP, out);
      return returnitem;
    });
  };
}

function heapify(lt: Lt, name: string): Native {
  return (vm, args, kwnames, out) => {
    const heap = listArg(vm, methO(vm, `_heapq.${name}`, args, kwnames), name, 'argument');
    const n = items(vm, heap).length;
    rearranging(vm, heap, () => {
      for (let i = (n >> 1) - 1; i >= 0; i--) siftup(vm, heap, i, lt);
    });
    return vm.none(out);
  };
}

const heapqFunctions: Record<string, Native> = {
  heappush: (vm, args, kwnames, out) => {
    noKeywords(vm, '_heapq.heappush', kwnames);
    checkPositional(vm, 'heappush', args, kwnames, 2, 2);
    const heap = listArg(vm, args[0] as ObjectId, 'heappush', 'argument 1');
    vm.listAppend(heap, args[1] as ObjectId);
    rearranging(vm, heap, () => siftdown(vm, heap, 0, items(vm, heap).length - 1, minLt));
    return vm.none(out);
  },
  heappop: heappop(minLt, 'heappop'),
  heapreplace: heapreplace(minLt, 'heapreplace'),
  heappushpop: (vm, args, kwnames, out) => {
    noKeywords(vm, '_heapq.heappushpop', kwnames);
    checkPositional(vm, 'heappushpop', args, kwnames, 2, 2);
    const heap = listArg(vm, args[0] as ObjectId, 'heappushpop', 'argument 1');
    const item = args[1] as ObjectId;
    if (items(vm, heap).length === 0) return vm.ret(item, out);
    const top = items(vm, heap)[0] as ObjectId;
    vm.rt.incref(top, C_TEMP);
    let cmp: boolean;
    try {
      cmp = vm.richCompareBool(top, item, '<');
    } finally {
      vm.rt.decref(top, C_TEMP);
    }
    if (!cmp) return vm.ret(item, out);
    if (items(vm, heap).length === 0) throw vm.pyErr('IndexError', 'index out of range');
    return rearranging(vm, heap, () => {
      vm.rt.incref(item, C_TEMP);
      const returnitem = replaceFirst(vm, heap, item, C_TEMP, C_TEMP);
      try {
        siftup(vm, heap, 0, minLt);
      } catch (e) {
        vm.rt.decref(returnitem, C_TEMP);
        throw e;
      }
      vm.rt.move(returnitem, C_TEMP, out);
      return returnitem;
    });
  },
  heapify: heapify(minLt, 'heapify'),
  _heappop_max: heappop(maxLt, '_heappop_max'),
  _heapreplace_max: heapreplace(maxLt, '_heapreplace_max'),
  _heapify_max: heapify(maxLt, '_heapify_max'),
};

// ---------------------------------------------------------------------------------
// _bisect

const BISECT_SPEC = { names: ['a', 'x', 'lo', 'hi', 'key'], maxPos: 4, required: 2 };

/** PySequence_GetItem(seq, i): lists and tuples read their item; others get an int index. */
function seqItem(vm: VM, seq: ObjectId, i: number, out: Holder): ObjectId {
  const v = vm.value(seq);
  if (v.t === 'list' || v.t === 'tuple') {
    const x = v.items[i];
    if (x === undefined) throw vm.pyErr('IndexError', `${v.t} index out of range`);
    return vm.ret(x, out);
  }
  const idx = vm.newInt(BigInt(i), C_TEMP);
  try {
    return vm.getItem(seq, idx, out);
  } finally {
    vm.rt.decref(idx, C_TEMP);
  }
}

function bisectArgs(
  vm: VM,
  fname: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
): { a: ObjectId; x: ObjectId; lo: number; hi: number; key: ObjectId | undefined } {
  const [a, x, loArg, hiArg, keyArg] = unpackKeywords(vm, fname, args, kwnames, BISECT_SPEC);
  let lo = 0;
  if (loArg !== undefined) {
    if (vm.value(loArg).t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
    lo = Number(vm.index(loArg));
  }
  let hi = -1;
  if (hiArg !== undefined && hiArg !== vm.statics.none) {
    if (vm.value(hiArg).t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
    hi = Number(vm.index(hiArg));
  }
  const key = keyArg === undefined || keyArg === vm.statics.none ? undefined : keyArg;
  return { a: a as ObjectId, x: x as ObjectId, lo, hi, key };
}

function internalBisect(
  vm: VM,
  list: ObjectId,
  item: ObjectId,
  lo0: number,
  hi0: number,
  key: ObjectId | undefined,
  right: boolean,
): number {
  let lo = lo0;
  let hi = hi0;
  if (lo < 0) throw vm.pyErr('ValueError', 'lo must be non-negative');
  if (hi === -1) hi = vm.len(list);
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    let litem = seqItem(vm, list, mid, C_TEMP);
    let res: boolean;
    try {
      if (key !== undefined) {
        const k = vm.call(key, [litem], undefined, C_TEMP);
        vm.rt.decref(litem, C_TEMP);
        litem = k;
      }
      res = right ? vm.richCompareBool(item, litem, '<') : vm.richCompareBool(litem, item, '<');
    } finally {
      vm.rt.decref(litem, C_TEMP);
    }
    if (right ? res : !res) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function bisect(name: string, right: boolean): Native {
  return (vm, args, kwnames, out) => {
    const { a, x, lo, hi, key } = bisectArgs(vm, name, args, kwnames);
    return vm.newInt(BigInt(internalBisect(vm, a, x, lo, hi, key, right)), out);
  };
}

function insort(name: string, right: boolean): Native {
  return (vm, args, kwnames, out) => {
    const { a, x, lo, hi, key } = bisectArgs(vm, name, args, kwnames);
    let index: number;
    if (key === undefined) index = internalBisect(vm, a, x, lo, hi, key, right);
    else {
      const keyX = vm.call(key, [x], undefined, C_TEMP);
      try {
        index = internalBisect(vm, a, keyX, lo, hi, key, right);
      } finally {
        vm.rt.decref(keyX, C_TEMP);
      }
    }
    if (vm.typeOf(a) === vm.T.list) listInsert(vm, a, index, x);
    else {
      const i = vm.newInt(BigInt(index), C_TEMP);
      try {
        vm.rt.decref(vm.callMethod(a, 'insert', [i, x], C_TEMP), C_TEMP);
      } finally {
        vm.rt.decref(i, C_TEMP);
      }
    }
    return vm.none(out);
  };
}

const bisectFunctions: Record<string, Native> = {
  bisect_right: bisect('bisect_right', true),
  bisect_left: bisect('bisect_left', false),
  insort_right: insort('insort_right', true),
  insort_left: insort('insort_left', false),
};

registerBuiltinModule('_heapq', (vm, _module, dict) => {
  vm.addFunctions(dict, '_heapq', heapqFunctions);
});

registerBuiltinModule('_bisect', (vm, _module, dict) => {
  vm.addFunctions(dict, '_bisect', bisectFunctions);
});
