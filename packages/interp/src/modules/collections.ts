/*
 * _collections
 * ============
 * The C half of the collections module: deque, defaultdict, OrderedDict (3.11's C
 * OrderedDict, which collections/__init__.py takes from here), _count_elements (Counter's
 * counting loop), _tuplegetter (namedtuple's field descriptors) and the deque iterators.
 *
 * deque
 *   Items live in blocks of 64 slots (528 bytes each, malloc'd: `sys.getsizeof` is the
 *   deque's 232 bytes plus its blocks). The block count follows the left index and the
 *   length: an empty deque starts mid-block (left index 32), so 32 appends fill the first
 *   block; filling an empty deque with extend() starts at the left edge (index 1), with
 *   extendleft() at the right. Freed blocks are kept for reuse (up to 16). With maxlen,
 *   an append past the limit stores the new item, then pops the oldest and releases it.
 *   Items are released left to right when the deque is cleared or freed.
 *
 * defaultdict
 *   A dict subtype 8 bytes larger (default_factory, released first by its dealloc);
 *   `d[k]` of a missing key calls `__missing__`, which stores and returns factory().
 *   GC-tracked from creation, like every dict subtype.
 *
 * OrderedDict
 *   A dict subtype with a linked list of nodes, each holding its key (a reference: a key
 *   counts one more than in a dict), and an array of node pointers as large as the dict's
 *   table. `sys.getsizeof` = the dict's + 64 + 8 per table slot + 32 per node. Iteration
 *   follows the nodes; move_to_end and popitem(last=False) reorder or take from them.
 *   Its iterators hold the OrderedDict and the next key.
 *
 * Source: Modules/_collectionsmodule.c (3.11: deque_*, dequeiter_*, defdict_*,
 * _count_elements, tuplegetter_*), Objects/odictobject.c (PyODict_SetItem, _odict_*,
 * odict_*, odictiter_*, odictview).
 *
 * Simplifications: the deque keeps no real block chain (the count of blocks and the left
 * index decide everything observable); OrderedDict's nodes are not separate allocations
 * (their bytes count in its size).
 */
import { forgetRefIndex, liveRefs, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { npos } from '../vm/native.js';
import type { CompareOp, TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { classGetItem } from '../objects/genericalias.js';
import { methods } from '../objects/list.js';
import { compareSeqs } from '../objects/list.js';
import { subtypeExtraBytes } from '../objects/type.js';
import { cdata, newCObject, parseArgs, ssizeArg } from './cobject.js';

const BLOCKLEN = 64;
const CENTER = (BLOCKLEN - 1) >> 1;
/** sizeof(block): 64 item pointers and the two links. */
const BLOCK_SIZE = 528;
/** sizeof(dequeobject) + the GC header. */
const DEQUE_SIZE = 232;
const MAXFREEBLOCKS = 16;

// ---------------------------------------------------------------------------------
// deque

interface DequeData {
  items: ObjectId[];
  /** Index of the leftmost item in the leftmost block. */
  leftindex: number;
  /** -1: unbounded. */
  maxlen: number;
  /** Bumped by every mutation (iterators check it). */
  state: number;
  /** Blocks kept for reuse. */
  numfreeblocks: number;
  /** The object's size without blocks (a subclass's instances are larger). */
  baseSize: number;
  /** References before the items (a subclass instance's `__class__`). */
  refBase: number;
}

const dq = (vm: VM, id: ObjectId): DequeData => cdata<DequeData>(vm, id);

const dequeType = (vm: VM): ObjectId => vm.typeByName.get('collections.deque') as ObjectId;

function blocksOf(d: DequeData): number {
  return Math.max(1, Math.ceil((d.leftindex + d.items.length) / BLOCKLEN));
}

/** getsizeof and the malloc'd blocks follow the deque's geometry. */
function refresh(vm: VM, self: ObjectId, d: DequeData, blocksBefore: number): void {
  const blocks = blocksOf(d);
  if (blocks > blocksBefore) d.numfreeblocks = Math.max(0, d.numfreeblocks - (blocks - blocksBefore));
  else if (blocks < blocksBefore) d.numfreeblocks = Math.min(MAXFREEBLOCKS, d.numfreeblocks + (blocksBefore - blocks));
  vm.rt.resize(self, d.baseSize + BLOCK_SIZE * blocks);
  vm.rt.setBuffer(self, 'blocks', BLOCK_SIZE * (blocks + d.numfreeblocks));
}

function newDeque(vm: VM, type: ObjectId, out: Holder): ObjectId {
  const tv = vm.typeValue(type);
  const baseSize = DEQUE_SIZE + (tv.heap ? subtypeExtraBytes(vm, type, 'deque') : 0);
  const data: DequeData = {
    items: [],
    leftindex: CENTER + 1,
    maxlen: -1,
    state: 0,
    numfreeblocks: 0,
    baseSize,
    refBase: tv.heap ? 1 : 0,
  };
  // (allocFor adds a subclass's extra bytes itself.)
  const obj = newCObject<DequeData>(vm, type, 'collections.deque', DEQUE_SIZE + BLOCK_SIZE, data, [], out, {
    alloc: DEQUE_SIZE,
  });
  vm.rt.setBuffer(obj, 'blocks', BLOCK_SIZE);
  return obj;
}

/** deque_append_internal: the item's reference moves from `from` (or is new). */
function append(vm: VM, self: ObjectId, item: ObjectId, from?: Holder): void {
  const d = dq(vm, self);
  const before = blocksOf(d);
  d.items.push(item);
  vm.adopt(item, self, 'item', from);
  refresh(vm, self, d, before);
  if (d.maxlen >= 0 && d.items.length > d.maxlen) {
    const old = popleft(vm, self, C_TEMP);
    vm.rt.decref(old, C_TEMP);
  } else d.state += 1;
}

function appendleft(vm: VM, self: ObjectId, item: ObjectId, from?: Holder): void {
  const d = dq(vm, self);
  const before = blocksOf(d);
  if (d.leftindex === 0) d.leftindex = BLOCKLEN;
  d.leftindex -= 1;
  d.items.unshift(item);
  if (from === undefined) vm.rt.increfRef(item, self, 'item', d.refBase);
  else vm.rt.moveToRef(item, from, self, 'item', d.refBase);
  refresh(vm, self, d, before);
  if (d.maxlen >= 0 && d.items.length > d.maxlen) {
    const old = pop(vm, self, C_TEMP);
    vm.rt.decref(old, C_TEMP);
  } else d.state += 1;
}

/** deque_pop: the rightmost item, its reference moved to `out`. */
function pop(vm: VM, self: ObjectId, out: Holder): ObjectId {
  const d = dq(vm, self);
  if (d.items.length === 0) throw vm.pyErr('IndexError', 'pop from an empty deque');
  const before = blocksOf(d);
  const rightindex = (d.leftindex + d.items.length - 1) % BLOCKLEN;
  const item = d.items.pop() as ObjectId;
  d.state += 1;
  if (rightindex === 0 && d.items.length === 0) d.leftindex = CENTER + 1;
  vm.rt.move(item, { kind: 'object', owner: self, slot: 'item' }, out);
  refresh(vm, self, d, before);
  return item;
}

function popleft(vm: VM, self: ObjectId, out: Holder): ObjectId {
  const d = dq(vm, self);
  if (d.items.length === 0) throw vm.pyErr('IndexError', 'pop from an empty deque');
  const before = blocksOf(d);
  const item = d.items.shift() as ObjectId;
  d.leftindex += 1;
  d.state += 1;
  if (d.leftindex === BLOCKLEN) d.leftindex = d.items.length > 0 ? 0 : CENTER + 1;
  vm.rt.move(item, { kind: 'object', owner: self, slot: 'item', at: d.refBase }, out);
  refresh(vm, self, d, before);
  return item;
}

/** deque_clear: the deque is empty (a fresh block) before its items are released, left to right. */
function clear(vm: VM, self: ObjectId): void {
  const d = dq(vm, self);
  if (d.items.length === 0) return;
  const before = blocksOf(d);
  const items = d.items.splice(0);
  d.leftindex = CENTER + 1;
  d.state += 1;
  // newblock for the empty deque, then the old blocks freed.
  d.numfreeblocks = Math.max(0, d.numfreeblocks - 1);
  refresh(vm, self, d, before + 1);
  for (const x of items) vm.rt.decrefRef(x, self, 'item', d.refBase);
}

/** _deque_rotate: only the left index changes (blocks move from one end to the other). */
function rotate(vm: VM, self: ObjectId, n: number): void {
  const d = dq(vm, self);
  const len = d.items.length;
  if (len <= 1) return;
  const half = len >> 1;
  if (n > half || n < -half) {
    n %= len;
    if (n > half) n -= len;
    else if (n < -half) n += len;
  }
  d.state += 1;
  if (n === 0) return;
  const before = blocksOf(d);
  const moved = n > 0 ? d.items.splice(len - n) : d.items.splice(0, -n);
  if (n > 0) d.items.unshift(...moved);
  else d.items.push(...moved);
  d.leftindex = (((d.leftindex - n) % BLOCKLEN) + BLOCKLEN) % BLOCKLEN;
  // The references follow their items (pointers moved, no reference counted).
  reorderItemRefs(vm, self, d);
  refresh(vm, self, d, before);
}

/** The deque's item references in item order (after a rotation or reversal moved pointers). */
function reorderItemRefs(vm: VM, self: ObjectId, d: DequeData): void {
  const refs = vm.rt.object(self).refs;
  const others = liveRefs(refs).filter((r) => r.slot !== 'item');
  const head = others.slice(0, d.refBase);
  const tail = others.slice(d.refBase);
  refs.length = 0;
  refs.push(...head);
  for (const id of d.items) refs.push({ slot: 'item', to: id });
  refs.push(...tail);
  forgetRefIndex(refs); // rewritten here, not through core's reference lists
}

/** deque_extend (extendleft when `left`). */
function extend(vm: VM, self: ObjectId, iterable: ObjectId, left: boolean): void {
  if (iterable === self) {
    const copy = vm.newList([...dq(vm, self).items], C_TEMP);
    try {
      extend(vm, self, copy, left);
    } finally {
      vm.rt.decref(copy, C_TEMP);
    }
    return;
  }
  const it = vm.getIter(iterable, C_TEMP);
  try {
    const d = dq(vm, self);
    if (d.maxlen === 0) {
      for (let x = vm.iterNext(it, C_TEMP); x !== undefined; x = vm.iterNext(it, C_TEMP)) vm.rt.decref(x, C_TEMP);
      return;
    }
    if (d.items.length === 0) {
      const before = blocksOf(d);
      d.leftindex = left ? BLOCKLEN - 1 : 1;
      refresh(vm, self, d, before);
    }
    for (let x = vm.iterNext(it, C_TEMP); x !== undefined; x = vm.iterNext(it, C_TEMP)) {
      if (left) appendleft(vm, self, x, C_TEMP);
      else append(vm, self, x, C_TEMP);
    }
  } finally {
    vm.rt.decref(it, C_TEMP);
  }
}

function dequeIndex(vm: VM, d: DequeData, key: ObjectId): number {
  const kv = vm.value(key);
  if (!vm.hasIndex(key) || kv.t === 'float')
    throw vm.typeError(`sequence index must be integer, not '${vm.typeName(key)}'`);
  let i = ssizeArg(vm, key);
  if (i < 0) i += d.items.length;
  if (i < 0 || i >= d.items.length) throw vm.pyErr('IndexError', 'deque index out of range');
  return i;
}

/** deque_del_item: rotate the item to the left end, pop it, rotate back. */
function delItem(vm: VM, self: ObjectId, i: number): void {
  rotate(vm, self, -i);
  const item = popleft(vm, self, C_TEMP);
  rotate(vm, self, i);
  vm.rt.decref(item, C_TEMP);
}

/** Iterate the items comparing with `==`, raising if the deque changes meanwhile. */
function scan(vm: VM, self: ObjectId, x: ObjectId, from: number, to: number, stopAtFirst: boolean): number {
  const d = dq(vm, self);
  const state = d.state;
  let found = stopAtFirst ? -1 : 0;
  for (let i = from; i < to && i < d.items.length; i++) {
    const item = d.items[i] as ObjectId;
    vm.rt.incref(item, C_TEMP);
    let eq: boolean;
    try {
      eq = vm.richCompareBool(item, x, '==');
    } finally {
      vm.rt.decref(item, C_TEMP);
    }
    if (d.state !== state) throw vm.pyErr('RuntimeError', 'deque mutated during iteration');
    if (eq) {
      if (stopAtFirst) return i;
      found += 1;
    }
  }
  return found;
}

function dequeCopy(vm: VM, self: ObjectId, out: Holder): ObjectId {
  const d = dq(vm, self);
  const type = vm.typeOf(self);
  if (type === dequeType(vm)) {
    const n = newDeque(vm, type, C_TEMP);
    try {
      if (d.items.length === 1) append(vm, n, d.items[0] as ObjectId);
      else extend(vm, n, self, false);
      dq(vm, n).maxlen = d.maxlen;
    } catch (e) {
      vm.rt.decref(n, C_TEMP);
      throw e;
    }
    vm.rt.move(n, C_TEMP, out);
    return n;
  }
  if (d.maxlen < 0) return vm.call(type, [self], undefined, out);
  const m = vm.newInt(BigInt(d.maxlen), C_TEMP);
  try {
    return vm.call(type, [self, m], undefined, out);
  } finally {
    vm.rt.decref(m, C_TEMP);
  }
}

/** deque_inplace_repeat. */
function inplaceRepeat(vm: VM, self: ObjectId, n: bigint): void {
  const d = dq(vm, self);
  const size = d.items.length;
  if (size === 0 || n === 1n) return;
  if (n <= 0n) {
    clear(vm, self);
    return;
  }
  if (size === 1) {
    let count = n;
    if (d.maxlen >= 0 && count > BigInt(d.maxlen)) count = BigInt(d.maxlen);
    vm.checkSize(Number(count), 'deque');
    const item = d.items[0] as ObjectId;
    for (let i = 1n; i < count; i++) append(vm, self, item);
    return;
  }
  vm.checkSize(size * Number(n), 'deque');
  const seq = vm.newList([...d.items], C_TEMP);
  try {
    for (let i = 1n; i < n; i++) extend(vm, self, seq, false);
  } finally {
    vm.rt.decref(seq, C_TEMP);
  }
}

const dequeSlots: TypeSlots = {
  new: (vm, type, _args, _kw, out) => newDeque(vm, type, out),
  init: (vm, self, args, kwnames) => {
    const [iterable, maxlenObj] = parseArgs(vm, 'deque', args, kwnames, { names: ['iterable', 'maxlen'], required: 0 });
    let maxlen = -1;
    if (maxlenObj !== undefined && maxlenObj !== vm.statics.none) {
      maxlen = ssizeArg(vm, maxlenObj);
      if (maxlen < 0) throw vm.pyErr('ValueError', 'maxlen must be non-negative');
    }
    const d = dq(vm, self);
    d.maxlen = maxlen;
    if (d.items.length > 0) clear(vm, self);
    if (iterable !== undefined) extend(vm, self, iterable, false);
  },
  repr: (vm, self) => {
    // deque_repr: Py_ReprEnter, then the repr of PySequence_List(deque).
    const d = dq(vm, self);
    if (vm.reprEnter(self)) return '[...]';
    try {
      const list = vm.reprAsList(self);
      const name = vm.typeValue(vm.typeOf(self)).name;
      return d.maxlen >= 0 ? `${name}(${list}, maxlen=${d.maxlen})` : `${name}(${list})`;
    } finally {
      vm.reprLeave(self);
    }
  },
  unhashable: true,
  compare: (vm, a, b, op: CompareOp) => {
    if (!vm.isInstanceOf(b, dequeType(vm))) return undefined;
    return compareSeqs(vm, [...dq(vm, a).items], [...dq(vm, b).items], op);
  },
  iter: (vm, self, out) => newDequeIter(vm, self, false, out),
  len: (vm, self) => dq(vm, self).items.length,
  getitem: (vm, self, key, out) => {
    const d = dq(vm, self);
    return vm.ret(d.items[dequeIndex(vm, d, key)] as ObjectId, out);
  },
  setitem: (vm, self, key, value) => {
    const d = dq(vm, self);
    const i = dequeIndex(vm, d, key);
    if (value === undefined) {
      delItem(vm, self, i);
      return;
    }
    const old = d.items[i] as ObjectId;
    d.items[i] = value;
    vm.rt.increfRef(value, self, 'item', d.refBase + i);
    vm.rt.decrefRef(old, self, 'item', d.refBase + i + 1);
  },
  contains: (vm, self, x) => {
    const d = dq(vm, self);
    return scan(vm, self, x, 0, d.items.length, true) >= 0;
  },
  concat: (vm, a, b, out) => {
    if (!vm.isInstanceOf(b, dequeType(vm)))
      throw vm.typeError(`can only concatenate deque (not "${vm.typeName(b)}") to deque`);
    const n = dequeCopy(vm, a, C_TEMP);
    try {
      extend(vm, n, b, false);
    } catch (e) {
      vm.rt.decref(n, C_TEMP);
      throw e;
    }
    vm.rt.move(n, C_TEMP, out);
    return n;
  },
  repeat: (vm, seq, n, out) => {
    const c = dequeCopy(vm, seq, C_TEMP);
    try {
      inplaceRepeat(vm, c, n);
    } catch (e) {
      vm.rt.decref(c, C_TEMP);
      throw e;
    }
    vm.rt.move(c, C_TEMP, out);
    return c;
  },
  inplace: {
    '+': (vm, a, b, out) => {
      extend(vm, a, b, false);
      return vm.ret(a, out);
    },
    '*': (vm, a, b, out) => {
      if (!vm.hasIndex(b)) return undefined;
      inplaceRepeat(vm, a, vm.index(b));
      return vm.ret(a, out);
    },
  },
};

const one = (vm: VM, name: string, args: readonly ObjectId[], kw: readonly string[] | undefined): ObjectId => {
  if (kw !== undefined) throw vm.typeError(`${name}() takes no keyword arguments`);
  if (args.length !== 2) throw vm.typeError(`${name}() takes exactly one argument (${args.length - 1} given)`);
  return args[1] as ObjectId;
};

const noArgs = (vm: VM, name: string, args: readonly ObjectId[]): void => {
  if (args.length > 1) throw vm.typeError(`${name}() takes no arguments (${args.length - 1} given)`);
};

const dequeMethods: Record<string, Native> = {
  append: (vm, args, kw, out) => {
    append(vm, args[0] as ObjectId, one(vm, 'append', args, kw));
    return vm.none(out);
  },
  appendleft: (vm, args, kw, out) => {
    appendleft(vm, args[0] as ObjectId, one(vm, 'appendleft', args, kw));
    return vm.none(out);
  },
  pop: (vm, args, _kw, out) => {
    noArgs(vm, 'pop', args);
    return pop(vm, args[0] as ObjectId, out);
  },
  popleft: (vm, args, _kw, out) => {
    noArgs(vm, 'popleft', args);
    return popleft(vm, args[0] as ObjectId, out);
  },
  extend: (vm, args, kw, out) => {
    extend(vm, args[0] as ObjectId, one(vm, 'extend', args, kw), false);
    return vm.none(out);
  },
  extendleft: (vm, args, kw, out) => {
    extend(vm, args[0] as ObjectId, one(vm, 'extendleft', args, kw), true);
    return vm.none(out);
  },
  clear: (vm, args, _kw, out) => {
    clear(vm, args[0] as ObjectId);
    return vm.none(out);
  },
  copy: (vm, args, _kw, out) => dequeCopy(vm, args[0] as ObjectId, out),
  __copy__: (vm, args, _kw, out) => dequeCopy(vm, args[0] as ObjectId, out),
  count: (vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const x = one(vm, 'count', args, kw);
    return vm.newInt(BigInt(scan(vm, self, x, 0, dq(vm, self).items.length, false)), out);
  },
  index: (vm, args, kw, out) => {
    if (kw !== undefined) throw vm.typeError('index() takes no keyword arguments');
    if (args.length < 2 || args.length > 4)
      throw vm.typeError(
        `index expected ${args.length < 2 ? 'at least 1 argument' : 'at most 3 arguments'}, got ${args.length - 1}`,
      );
    const self = args[0] as ObjectId;
    const d = dq(vm, self);
    const n = d.items.length;
    const norm = (x: ObjectId | undefined, dflt: number): number => {
      if (x === undefined) return dflt;
      let i = ssizeArg(vm, x);
      if (i < 0) i = Math.max(0, i + n);
      return Math.min(i, n);
    };
    const start = norm(args[2], 0);
    const stop = norm(args[3], n);
    const i = scan(vm, self, args[1] as ObjectId, start, stop, true);
    if (i < 0) throw vm.pyErr('ValueError', `${vm.reprText(args[1] as ObjectId)} is not in deque`);
    return vm.newInt(BigInt(i), out);
  },
  insert: (vm, args, kw, out) => {
    if (kw !== undefined || args.length !== 3)
      throw vm.typeError(`insert expected 2 arguments, got ${args.length - 1}`);
    const self = args[0] as ObjectId;
    const d = dq(vm, self);
    const n = d.items.length;
    const index = ssizeArg(vm, args[1] as ObjectId);
    const x = args[2] as ObjectId;
    if (d.maxlen === n) throw vm.pyErr('IndexError', 'deque already at its maximum size');
    if (index >= n) append(vm, self, x);
    else if (index <= -n || index === 0) appendleft(vm, self, x);
    else {
      rotate(vm, self, -index);
      if (index < 0) append(vm, self, x);
      else appendleft(vm, self, x);
      rotate(vm, self, index);
    }
    return vm.none(out);
  },
  remove: (vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const x = one(vm, 'remove', args, kw);
    const i = scan(vm, self, x, 0, dq(vm, self).items.length, true);
    if (i < 0) throw vm.pyErr('ValueError', `${vm.reprText(x)} is not in deque`);
    delItem(vm, self, i);
    return vm.none(out);
  },
  reverse: (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const d = dq(vm, self);
    d.items.reverse();
    d.state += 1;
    reorderItemRefs(vm, self, d);
    return vm.none(out);
  },
  rotate: (vm, args, kw, out) => {
    if (kw !== undefined) throw vm.typeError('rotate() takes no keyword arguments');
    const n = args[1] === undefined ? 1 : ssizeArg(vm, args[1]);
    rotate(vm, args[0] as ObjectId, n);
    return vm.none(out);
  },
  __reversed__: (vm, args, _kw, out) => newDequeIter(vm, args[0] as ObjectId, true, out),
  __sizeof__: (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    return vm.newInt(BigInt(vm.rt.object(self).size - 16), out);
  },
  __reduce__: (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const d = dq(vm, self);
    const cls = vm.ret(vm.typeOf(self), C_TEMP);
    const dictObj = vm.value(self).dict ?? (vm.value(self).attrs?.size ? vm.instanceDict(self) : undefined);
    const state = vm.ret(dictObj ?? vm.statics.none, C_TEMP);
    const it = vm.getIter(self, C_TEMP);
    const argsT =
      d.maxlen < 0
        ? vm.newTuple([], C_TEMP)
        : vm.newTuple([vm.newTuple([], C_TEMP), vm.newInt(BigInt(d.maxlen), C_TEMP)], C_TEMP, C_TEMP);
    return vm.newTuple([cls, argsT, state, it], out, C_TEMP);
  },
};

// The deque iterators: they hold the deque (until freed) and count down what is left.

interface DequeIterData {
  deque: ObjectId | undefined;
  index: number;
  counter: number;
  state: number;
  reverse: boolean;
}

function newDequeIter(vm: VM, deque: ObjectId, reverse: boolean, out: Holder): ObjectId {
  const d = dq(vm, deque);
  const name = reverse ? '_deque_reverse_iterator' : '_deque_iterator';
  const type = vm.typeByName.get(`_collections.${name}`) as ObjectId;
  return newCObject<DequeIterData>(
    vm,
    type,
    `_collections.${name}`,
    72,
    { deque, index: reverse ? d.items.length - 1 : 0, counter: d.items.length, state: d.state, reverse },
    ['deque'],
    out,
  );
}

function dequeIterNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const it = cdata<DequeIterData>(vm, self);
  const d = dq(vm, it.deque as ObjectId);
  if (d.state !== it.state) {
    it.counter = 0;
    throw vm.pyErr('RuntimeError', 'deque mutated during iteration');
  }
  if (it.counter === 0) return undefined;
  const item = d.items[it.index] as ObjectId;
  it.index += it.reverse ? -1 : 1;
  it.counter -= 1;
  return vm.ret(item, out);
}

function dequeIterType(vm: VM, name: string, reverse: boolean): ObjectId {
  return vm.defineType({
    name,
    module: '_collections',
    base: vm.T.object,
    baseType: false,
    slots: {
      new: (vm2, _type, args, kwnames, out) => {
        const [deque, index] = parseArgs(vm2, name, args, kwnames, {
          names: ['deque', 'index'],
          required: 1,
          posOnly: true,
        });
        if (!vm2.isInstanceOf(deque as ObjectId, dequeType(vm2)))
          throw vm2.typeError(`${name}() argument 1 must be collections.deque, not ${vm2.typeName(deque as ObjectId)}`);
        const it = newDequeIter(vm2, deque as ObjectId, reverse, C_TEMP);
        const n = index === undefined ? 0 : ssizeArg(vm2, index);
        try {
          for (let i = 0; i < n; i++) {
            const x = dequeIterNext(vm2, it, C_TEMP);
            if (x === undefined) break;
            vm2.rt.decref(x, C_TEMP);
          }
        } catch (e) {
          vm2.rt.decref(it, C_TEMP);
          throw e;
        }
        vm2.rt.move(it, C_TEMP, out);
        return it;
      },
      iter: (vm2, self, out) => vm2.ret(self, out),
      next: dequeIterNext,
    },
    members: {
      __length_hint__: {
        k: 'method',
        fn: (vm2, args, _kw, out) => vm2.newInt(BigInt(cdata<DequeIterData>(vm2, args[0] as ObjectId).counter), out),
      },
    },
  });
}

// ---------------------------------------------------------------------------------
// defaultdict

interface DefaultdictExt {
  factory: ObjectId | undefined;
}

const ddExt = (vm: VM, self: ObjectId): DefaultdictExt => vm.as(self, 'dict').ext as DefaultdictExt;

const ddType = (vm: VM): ObjectId => vm.typeByName.get('collections.defaultdict') as ObjectId;

function newDefaultdict(vm: VM, type: ObjectId, out: Holder): ObjectId {
  const tv = vm.typeValue(type);
  const d = vm.newDict(C_TEMP, 0, true, type, 8 + (tv.heap ? subtypeExtraBytes(vm, type, 'dict') : 0));
  const v = vm.as(d, 'dict');
  v.ext = { factory: undefined } satisfies DefaultdictExt;
  const store = vm.dictStore(d);
  store.refBase = 0;
  if (tv.heap) {
    v.attrs = new Map();
    vm.rt.increfRef(type, d, '__class__');
    store.refBase = 1;
  }
  vm.rt.move(d, C_TEMP, out);
  return d;
}

/** Py_XSETREF(dd->default_factory, f): the reference sits before the entries'. */
function setFactory(vm: VM, self: ObjectId, f: ObjectId | undefined): void {
  const ext = ddExt(vm, self);
  const store = vm.dictStore(self);
  const heap = vm.typeValue(vm.typeOf(self)).heap ? 1 : 0;
  const old = ext.factory;
  ext.factory = f;
  if (f !== undefined) {
    vm.rt.increfRef(f, self, 'default_factory', heap);
    if (old === undefined) store.refBase = (store.refBase ?? 0) + 1;
  }
  if (old !== undefined) {
    vm.rt.decrefRef(old, self, 'default_factory', f === undefined ? heap : heap + 1);
    if (f === undefined) store.refBase = (store.refBase ?? 1) - 1;
  }
}

/** defdict_repr: the dict's repr first, then the factory's inside Py_ReprEnter / Py_ReprLeave. */
function ddRepr(vm: VM, self: ObjectId): string {
  const dictRepr = vm.typeValue(vm.T.dict).slots.repr?.(vm, self) ?? '{}';
  const f = ddExt(vm, self).factory;
  let frepr = 'None';
  if (f !== undefined) {
    try {
      frepr = vm.reprEnter(f) ? '...' : vm.reprText(f);
    } finally {
      vm.reprLeave(f);
    }
  }
  return `${vm.typeValue(vm.typeOf(self)).name}(${frepr}, ${dictRepr})`;
}

const ddMembers: Record<string, NativeMember> = {
  ...methods({
    __missing__: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const key = one(vm, '__missing__', args, kw);
      const f = ddExt(vm, self).factory;
      if (f === undefined || f === vm.statics.none) {
        const tup = vm.newTuple([vm.ret(key, C_TEMP)], C_TEMP, C_TEMP);
        throw vm.raiseNew(vm.typeByName.get('KeyError') as ObjectId, [tup], C_TEMP);
      }
      const value = vm.call(f, [], undefined, C_TEMP);
      try {
        vm.setItem(self, key, value);
      } catch (e) {
        vm.rt.decref(value, C_TEMP);
        throw e;
      }
      vm.rt.move(value, C_TEMP, out);
      return value;
    },
    copy: (vm, args, _kw, out) => ddCopy(vm, args[0] as ObjectId, out),
    __copy__: (vm, args, _kw, out) => ddCopy(vm, args[0] as ObjectId, out),
    __reduce__: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const f = ddExt(vm, self).factory;
      const argsT = f === undefined || f === vm.statics.none ? vm.newTuple([], C_TEMP) : vm.newTuple([f], C_TEMP);
      const items = vm.callMethod(self, 'items', [], C_TEMP);
      let it: ObjectId;
      try {
        it = vm.getIter(items, C_TEMP);
      } finally {
        vm.rt.decref(items, C_TEMP);
      }
      return vm.newTuple([vm.ret(vm.typeOf(self), C_TEMP), argsT, vm.none(C_TEMP), vm.none(C_TEMP), it], out, C_TEMP);
    },
  }),
  default_factory: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      return vm.ret(ddExt(vm, self).factory ?? vm.statics.none, C_TEMP);
    },
    set: (vmu, self, value) => setFactory(vmu as VM, self, value),
  },
  __class_getitem__: classGetItem,
};

function ddCopy(vm: VM, self: ObjectId, out: Holder): ObjectId {
  const f = ddExt(vm, self).factory ?? vm.statics.none;
  return vm.call(vm.typeOf(self), [f, self], undefined, out);
}

/** defdict_or: a copy of the defaultdict operand, updated with the other. */
function ddOr(vm: VM, left: ObjectId, right: ObjectId, out: Holder): ObjectId | undefined {
  const selfIsLeft = vm.isInstanceOf(left, ddType(vm));
  const self = selfIsLeft ? left : right;
  const other = selfIsLeft ? right : left;
  if (vm.value(other).t !== 'dict') return undefined;
  const f = ddExt(vm, self).factory ?? vm.statics.none;
  const n = vm.call(vm.typeOf(self), [f, left], undefined, C_TEMP);
  try {
    vm.dictUpdate(n, right);
  } catch (e) {
    vm.rt.decref(n, C_TEMP);
    throw e;
  }
  vm.rt.move(n, C_TEMP, out);
  return n;
}

const ddSlots: TypeSlots = {
  new: (vm, type, _args, _kw, out) => newDefaultdict(vm, type, out),
  init: (vm, self, args, kwnames) => {
    const n = npos(args, kwnames);
    let rest = args;
    if (n > 0) {
      const f = args[0] as ObjectId;
      if (f !== vm.statics.none && !vm.isCallable(f)) throw vm.typeError('first argument must be callable or None');
      setFactory(vm, self, f);
      rest = args.slice(1);
    }
    vm.typeValue(vm.T.dict).slots.init?.(vm, self, rest, kwnames);
  },
  repr: ddRepr,
  number: { '|': ddOr },
};

// ---------------------------------------------------------------------------------
// OrderedDict

interface OdictExt {
  /** The keys in order, one node each (each node holds its key: slot `node`). */
  nodes: ObjectId[];
  /** od_fast_nodes_size: the table size the node array was last sized for. */
  fastNodes: number;
  /** od_state: bumped when the node list changes. */
  state: number;
  /** References before the node keys (a subclass instance's `__class__`). */
  prefix: number;
}

const odExt = (vm: VM, self: ObjectId): OdictExt => vm.as(self, 'dict').ext as OdictExt;

const odType = (vm: VM): ObjectId => vm.typeByName.get('collections.OrderedDict') as ObjectId;

/** sizeof(PyODictObject) - sizeof(PyDictObject). */
const ODICT_FIELDS = 64;
const NODE_SIZE = 32;

/** The size follows the dict's table, the node array (resized to the table) and the nodes. */
function odRefresh(vm: VM, self: ObjectId): void {
  const ext = odExt(vm, self);
  const store = vm.dictStore(self);
  ext.fastNodes = ext.nodes.length === 0 && store.entries.size === 0 && store.table === 0 ? ext.fastNodes : store.table;
  const heapExtra = vm.typeValue(vm.typeOf(self)).heap ? subtypeExtraBytes(vm, vm.typeOf(self), 'dict') : 0;
  store.extraSize = ODICT_FIELDS + 8 * ext.fastNodes + NODE_SIZE * ext.nodes.length + heapExtra;
  vm.dictRefreshSize(self);
  vm.rt.setBuffer(self, 'fast_nodes', 8 * ext.fastNodes);
}

function newOdict(vm: VM, type: ObjectId, out: Holder): ObjectId {
  const tv = vm.typeValue(type);
  const heapExtra = tv.heap ? subtypeExtraBytes(vm, type, 'dict') : 0;
  const d = vm.newDict(C_TEMP, 0, true, type, ODICT_FIELDS + heapExtra);
  const v = vm.as(d, 'dict');
  const prefix = tv.heap ? 1 : 0;
  v.ext = { nodes: [], fastNodes: 0, state: 0, prefix } satisfies OdictExt;
  if (tv.heap) {
    v.attrs = new Map();
    vm.rt.increfRef(type, d, '__class__');
  }
  vm.dictStore(d).refBase = prefix;
  vm.rt.move(d, C_TEMP, out);
  return d;
}

/** The node of `key`: its index in the node list, or -1. */
function findNode(vm: VM, self: ObjectId, key: ObjectId): number {
  const nodes = odExt(vm, self).nodes;
  const i = nodes.indexOf(key);
  if (i >= 0) return i;
  const lk = vm.lookupKey(key);
  for (let j = 0; j < nodes.length; j++) {
    const k = nodes[j] as ObjectId;
    if (vm.lookupKey(k) === lk && vm.richCompareBool(k, key, '==')) return j;
  }
  return -1;
}

/** _odict_add_tail: a node holding `key` after the last. */
function addNode(vm: VM, self: ObjectId, key: ObjectId): void {
  const ext = odExt(vm, self);
  const store = vm.dictStore(self);
  ext.nodes.push(key);
  vm.rt.increfRef(key, self, 'node', ext.prefix + ext.nodes.length - 1);
  store.refBase = ext.prefix + ext.nodes.length;
  ext.state += 1;
}

/** _odict_clear_node: the node at `i` goes (its key released). */
function removeNode(vm: VM, self: ObjectId, i: number): void {
  const ext = odExt(vm, self);
  const store = vm.dictStore(self);
  const [key] = ext.nodes.splice(i, 1);
  store.refBase = ext.prefix + ext.nodes.length;
  ext.state += 1;
  vm.rt.decrefRef(key as ObjectId, self, 'node', ext.prefix + i);
}

/** PyODict_SetItem: the dict's item, then a node for a new key. */
function odSetItem(vm: VM, self: ObjectId, key: ObjectId, value: ObjectId): void {
  const had = vm.dictGet(self, key) !== undefined;
  vm.dictSet(self, key, value, C_TEMP, 'copy');
  if (!had || findNode(vm, self, key) < 0) addNode(vm, self, key);
  odRefresh(vm, self);
}

/** PyODict_DelItem: the node, then the dict's item. */
function odDelItem(vm: VM, self: ObjectId, key: ObjectId): void {
  const i = findNode(vm, self, key);
  if (i < 0) {
    if (vm.dictGet(self, key) === undefined)
      throw vm.raiseNew(vm.typeByName.get('KeyError') as ObjectId, [vm.ret(key, C_TEMP)], C_TEMP);
  } else removeNode(vm, self, i);
  vm.dictDel(self, key);
  odRefresh(vm, self);
}

/** _odict_popkey: the value (moved to `out`), or undefined when the key is absent. */
function odPop(vm: VM, self: ObjectId, key: ObjectId, out: Holder): ObjectId | undefined {
  const value = vm.dictGet(self, key);
  if (value === undefined) return undefined;
  vm.rt.incref(value, out);
  const i = findNode(vm, self, key);
  if (i >= 0) removeNode(vm, self, i);
  vm.dictDel(self, key);
  odRefresh(vm, self);
  return value;
}

function odClear(vm: VM, self: ObjectId): void {
  vm.dictClear(self);
  const ext = odExt(vm, self);
  const keys = ext.nodes.splice(0);
  vm.dictStore(self).refBase = ext.prefix;
  ext.state += 1;
  ext.fastNodes = 0;
  for (const k of keys) vm.rt.decrefRef(k, self, 'node', ext.prefix);
  odRefresh(vm, self);
}

/** mutablemapping_update: a mapping's keys (or pairs), then keyword arguments, each through od[k] = v. */
function odUpdate(
  vm: VM,
  self: ObjectId,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  name: string,
): void {
  const n = npos(args, kwnames);
  if (n > 1) throw vm.typeError(`${name} expected at most 1 argument, got ${n}`);
  const set = (k: ObjectId, v: ObjectId): void => vm.setItem(self, k, v);
  if (n === 1) {
    const other = args[0] as ObjectId;
    const ov = vm.value(other);
    if (ov.t === 'dict' && ov.type === vm.T.dict) {
      for (const e of vm.dictEntries(other)) set(e.key, e.value);
    } else if (vm.hasAttr(other, 'keys')) {
      const keys = vm.callMethod(other, 'keys', [], C_TEMP);
      try {
        for (const k of vm.iterateToArray(keys, C_TEMP)) {
          try {
            const v = vm.getItem(other, k, C_TEMP);
            try {
              set(k, v);
            } finally {
              vm.rt.decref(v, C_TEMP);
            }
          } finally {
            vm.rt.decref(k, C_TEMP);
          }
        }
      } finally {
        vm.rt.decref(keys, C_TEMP);
      }
    } else {
      for (const pair of vm.iterateToArray(other, C_TEMP)) {
        try {
          const kv = vm.iterateToArray(pair, C_TEMP);
          try {
            if (kv.length !== 2)
              throw vm.typeError('cannot convert dictionary update sequence element #0 to a sequence');
            set(kv[0] as ObjectId, kv[1] as ObjectId);
          } finally {
            for (const x of kv) vm.rt.decref(x, C_TEMP);
          }
        } finally {
          vm.rt.decref(pair, C_TEMP);
        }
      }
    }
  }
  kwnames?.forEach((k, i) => {
    const key = vm.newStr(k, C_TEMP);
    try {
      set(key, args[n + i] as ObjectId);
    } finally {
      vm.rt.decref(key, C_TEMP);
    }
  });
}

function odCopy(vm: VM, self: ObjectId, out: Holder): ObjectId {
  const n = vm.call(vm.typeOf(self), [], undefined, C_TEMP);
  try {
    for (const k of [...odExt(vm, self).nodes]) {
      const v = vm.getItem(self, k, C_TEMP);
      try {
        vm.setItem(n, k, v);
      } finally {
        vm.rt.decref(v, C_TEMP);
      }
    }
  } catch (e) {
    vm.rt.decref(n, C_TEMP);
    throw e;
  }
  vm.rt.move(n, C_TEMP, out);
  return n;
}

function odRepr(vm: VM, self: ObjectId): string {
  const name = vm.typeValue(vm.typeOf(self)).name;
  const nodes = odExt(vm, self).nodes;
  if (nodes.length === 0) return `${name}()`;
  // odict_repr: Py_ReprEnter, then a list of (key, value) pairs, printed with %R.
  if (vm.reprEnter(self)) return '...';
  try {
    const pairs = nodes.map((k) => vm.newTuple([k, vm.dictGet(self, k) ?? vm.statics.none], C_TEMP));
    const pieces = vm.newList(pairs, C_TEMP, C_TEMP);
    try {
      return `${name}(${vm.reprText(pieces)})`;
    } finally {
      vm.rt.decref(pieces, C_TEMP);
    }
  } finally {
    vm.reprLeave(self);
  }
}

/** odictiter: what it yields. */
type OdIterKind = 'keys' | 'values' | 'items';

interface OdIterData {
  odict: ObjectId | undefined;
  current: ObjectId | undefined;
  result: ObjectId | undefined;
  kind: OdIterKind;
  reversed: boolean;
  size: number;
  state: number;
}

function newOdIter(vm: VM, od: ObjectId, kind: OdIterKind, reversed: boolean, out: Holder): ObjectId {
  const ext = odExt(vm, od);
  const current = reversed ? ext.nodes.at(-1) : ext.nodes[0];
  const result = kind === 'items' ? vm.newTuple([vm.none(C_TEMP), vm.none(C_TEMP)], C_TEMP, C_TEMP) : undefined;
  try {
    return newCObject<OdIterData>(
      vm,
      vm.typeByName.get('odict_iterator') as ObjectId,
      'odict_iterator',
      80,
      { odict: od, current, result, kind, reversed, size: vm.dictSize(od), state: ext.state },
      ['odict', 'current', 'result'],
      out,
    );
  } finally {
    if (result !== undefined) vm.rt.decref(result, C_TEMP);
  }
}

function odIterNextKey(vm: VM, self: ObjectId, it: OdIterData): ObjectId | undefined {
  if (it.current === undefined) {
    if (it.odict !== undefined) {
      const od = it.odict;
      it.odict = undefined;
      vm.rt.decrefRef(od, self, 'odict');
    }
    return undefined;
  }
  const od = it.odict as ObjectId;
  const ext = odExt(vm, od);
  if (ext.state !== it.state) throw vm.pyErr('RuntimeError', 'OrderedDict mutated during iteration');
  if (it.size !== vm.dictSize(od)) {
    it.size = -1;
    throw vm.pyErr('RuntimeError', 'OrderedDict changed size during iteration');
  }
  const i = findNode(vm, od, it.current);
  if (i < 0) throw vm.raiseNew(vm.typeByName.get('KeyError') as ObjectId, [vm.ret(it.current, C_TEMP)], C_TEMP);
  const key = it.current;
  const next = it.reversed ? ext.nodes[i - 1] : ext.nodes[i + 1];
  // The key's reference moves from the iterator's `current` to the caller.
  it.current = undefined;
  vm.rt.move(key, { kind: 'object', owner: self, slot: 'current' }, C_TEMP);
  if (next !== undefined) {
    it.current = next;
    vm.rt.increfRef(next, self, 'current');
  }
  return key;
}

function odIterNext(vm: VM, self: ObjectId, out: Holder): ObjectId | undefined {
  const it = cdata<OdIterData>(vm, self);
  const key = odIterNextKey(vm, self, it);
  if (key === undefined) return undefined;
  if (it.kind === 'keys') {
    vm.rt.move(key, C_TEMP, out);
    return key;
  }
  const od = it.odict as ObjectId;
  const value = vm.dictGet(od, key);
  if (value === undefined) {
    vm.rt.decref(key, C_TEMP);
    throw vm.raiseNew(vm.typeByName.get('KeyError') as ObjectId, [vm.ret(key, C_TEMP)], C_TEMP);
  }
  if (it.kind === 'values') {
    vm.rt.decref(key, C_TEMP);
    return vm.ret(value, out);
  }
  const result = it.result as ObjectId;
  if (vm.rt.refcount(result) === 1) {
    // The result tuple is reused: its items replaced (the old ones released after).
    const items = vm.as(result, 'tuple').items;
    const [oldK, oldV] = items as [ObjectId, ObjectId];
    items[0] = key;
    items[1] = value;
    vm.rt.moveToRef(key, C_TEMP, result, 'item', 0);
    vm.rt.increfRef(value, result, 'item', 1);
    vm.rt.decrefRef(oldK, result, 'item', 2);
    vm.rt.decrefRef(oldV, result, 'item', 2);
    if (vm.rt.object(result).gen < 0) vm.rt.track(result);
    return vm.ret(result, out);
  }
  return vm.newTuple([key, vm.ret(value, C_TEMP)], out, C_TEMP);
}

function odView(vm: VM, kind: 'odict_keys' | 'odict_values' | 'odict_items', od: ObjectId, out: Holder): ObjectId {
  const v = vm.alloc(
    kind,
    'method',
    40,
    { t: 'mappingproxy', type: vm.typeByName.get(kind) as ObjectId, mapping: od },
    out,
  );
  vm.rt.increfRef(od, v, 'mapping');
  return v;
}

function odViewType(vm: VM, name: 'odict_keys' | 'odict_values' | 'odict_items', kind: OdIterKind): void {
  const base = vm.typeByName.get(name.replace('odict', 'dict')) as ObjectId;
  const mapping = (vm2: VM, self: ObjectId): ObjectId => vm2.as(self, 'mappingproxy').mapping;
  vm.defineType({
    name,
    base,
    baseType: false,
    slots: {
      iter: (vm2, self, out) => newOdIter(vm2, mapping(vm2, self), kind, false, out),
      repr: (vm2, self) => {
        const od = mapping(vm2, self);
        const nodes = odExt(vm2, od).nodes;
        const parts = nodes.map((k) => {
          const v = vm2.dictGet(od, k) as ObjectId;
          if (kind === 'keys') return vm2.reprText(k);
          if (kind === 'values') return vm2.reprText(v);
          return `(${vm2.reprText(k)}, ${vm2.reprText(v)})`;
        });
        return `${name}([${parts.join(', ')}])`;
      },
    },
    members: {
      __reversed__: {
        k: 'method',
        fn: (vm2, args, _kw, out) => newOdIter(vm2, mapping(vm2, args[0] as ObjectId), kind, true, out),
      },
    },
  });
}

const odSlots: TypeSlots = {
  new: (vm, type, _args, _kw, out) => newOdict(vm, type, out),
  init: (vm, self, args, kwnames) => odUpdate(vm, self, args, kwnames, 'OrderedDict'),
  repr: odRepr,
  iter: (vm, self, out) => newOdIter(vm, self, 'keys', false, out),
  setitem: (vm, self, key, value) => {
    if (value === undefined) odDelItem(vm, self, key);
    else odSetItem(vm, self, key, value);
  },
  compare: (vm, a, b, op) => {
    if (!vm.isInstanceOf(a, odType(vm)) || vm.value(b).t !== 'dict') return undefined;
    if (op !== '==' && op !== '!=') return undefined;
    let eq = vm.typeValue(vm.T.dict).slots.compare?.(vm, a, b, '==') ?? false;
    if (eq && vm.isInstanceOf(b, odType(vm))) {
      const ka = odExt(vm, a).nodes;
      const kb = odExt(vm, b).nodes;
      eq = ka.length === kb.length && ka.every((k, i) => vm.richCompareBool(k, kb[i] as ObjectId, '=='));
    }
    return op === '==' ? eq : !eq;
  },
  number: {
    '|': (vm, left, right, out) => {
      const leftIsOd = vm.isInstanceOf(left, odType(vm));
      const type = vm.typeOf(leftIsOd ? left : right);
      const other = leftIsOd ? right : left;
      if (vm.value(other).t !== 'dict') return undefined;
      const n = vm.call(type, [left], undefined, C_TEMP);
      try {
        odUpdate(vm, n, [right], undefined, 'update');
      } catch (e) {
        vm.rt.decref(n, C_TEMP);
        throw e;
      }
      vm.rt.move(n, C_TEMP, out);
      return n;
    },
  },
  inplace: {
    '|': (vm, a, b, out) => {
      odUpdate(vm, a, [b], undefined, 'update');
      return vm.ret(a, out);
    },
  },
};

const lastArg = (vm: VM, args: readonly ObjectId[], kwnames: readonly string[] | undefined, name: string): boolean => {
  const [, last] = parseArgs(vm, name, args, kwnames, { names: ['key', 'last'], required: 0 });
  return last === undefined ? true : vm.truthy(last);
};

const odMembers: Record<string, NativeMember> = {
  ...methods({
    __reversed__: (vm, args, _kw, out) => newOdIter(vm, args[0] as ObjectId, 'keys', true, out),
    keys: (vm, args, _kw, out) => odView(vm, 'odict_keys', args[0] as ObjectId, out),
    values: (vm, args, _kw, out) => odView(vm, 'odict_values', args[0] as ObjectId, out),
    items: (vm, args, _kw, out) => odView(vm, 'odict_items', args[0] as ObjectId, out),
    update: (vm, args, kwnames, out) => {
      odUpdate(vm, args[0] as ObjectId, args.slice(1), kwnames, 'update');
      return vm.none(out);
    },
    clear: (vm, args, _kw, out) => {
      odClear(vm, args[0] as ObjectId);
      return vm.none(out);
    },
    copy: (vm, args, _kw, out) => odCopy(vm, args[0] as ObjectId, out),
    __copy__: (vm, args, _kw, out) => odCopy(vm, args[0] as ObjectId, out),
    setdefault: (vm, args, kwnames, out) => {
      const self = args[0] as ObjectId;
      const [key, dflt] = parseArgs(vm, 'setdefault', args.slice(1), kwnames, {
        names: ['key', 'default'],
        required: 1,
      });
      const existing = vm.dictGet(self, key as ObjectId);
      if (existing !== undefined) return vm.ret(existing, out);
      const value = dflt ?? vm.statics.none;
      vm.setItem(self, key as ObjectId, value);
      return vm.ret(value, out);
    },
    pop: (vm, args, kwnames, out) => {
      const self = args[0] as ObjectId;
      const [key, dflt] = parseArgs(vm, 'pop', args.slice(1), kwnames, { names: ['key', 'default'], required: 1 });
      const v = odPop(vm, self, key as ObjectId, out);
      if (v !== undefined) return v;
      if (dflt !== undefined) return vm.ret(dflt, out);
      throw vm.raiseNew(vm.typeByName.get('KeyError') as ObjectId, [vm.ret(key as ObjectId, C_TEMP)], C_TEMP);
    },
    popitem: (vm, args, kwnames, out) => {
      const self = args[0] as ObjectId;
      const [last] = parseArgs(vm, 'popitem', args.slice(1), kwnames, { names: ['last'], required: 0 });
      const nodes = odExt(vm, self).nodes;
      if (nodes.length === 0) throw vm.pyErr('KeyError', 'dictionary is empty');
      const useLast = last === undefined ? true : vm.truthy(last);
      const key = (useLast ? nodes.at(-1) : nodes[0]) as ObjectId;
      vm.rt.incref(key, C_TEMP);
      const value = odPop(vm, self, key, C_TEMP);
      if (value === undefined) {
        vm.rt.decref(key, C_TEMP);
        throw vm.raiseNew(vm.typeByName.get('KeyError') as ObjectId, [vm.ret(key, C_TEMP)], C_TEMP);
      }
      return vm.newTuple([key, value], out, C_TEMP);
    },
    move_to_end: (vm, args, kwnames, out) => {
      const self = args[0] as ObjectId;
      const rest = args.slice(1);
      const key =
        (npos(rest, kwnames) > 0 ? rest[0] : undefined) ??
        (kwnames?.includes('key') ? rest[rest.length - kwnames.length + kwnames.indexOf('key')] : undefined);
      if (key === undefined) throw vm.typeError("move_to_end() missing required argument 'key' (pos 1)");
      const last = lastArg(vm, rest, kwnames, 'move_to_end');
      const ext = odExt(vm, self);
      const keyError = (): never => {
        throw vm.raiseNew(vm.typeByName.get('KeyError') as ObjectId, [vm.ret(key, C_TEMP)], C_TEMP);
      };
      if (ext.nodes.length === 0) keyError();
      const edge = last ? ext.nodes.length - 1 : 0;
      if (ext.nodes[edge] !== key) {
        const i = findNode(vm, self, key);
        if (i < 0) keyError();
        if (i !== edge) {
          const [k] = ext.nodes.splice(i, 1) as [ObjectId];
          if (last) ext.nodes.push(k);
          else ext.nodes.unshift(k);
          ext.state += 1;
          // The node's reference moves with it in the object's list (a pointer relinked).
          const refs = vm.rt.object(self).refs;
          const nodeRefs = refs.splice(ext.prefix, ext.nodes.length);
          const moved = nodeRefs.splice(i, 1);
          if (last) nodeRefs.push(...moved);
          else nodeRefs.unshift(...moved);
          refs.splice(ext.prefix, 0, ...nodeRefs);
        }
      }
      return vm.none(out);
    },
    __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(vm.rt.object(args[0] as ObjectId).size - 16), out),
    __reduce__: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const d = vm.value(self).dict;
      const state = d !== undefined && vm.dictSize(d) > 0 ? vm.ret(d, C_TEMP) : vm.none(C_TEMP);
      const items = odView(vm, 'odict_items', self, C_TEMP);
      let it: ObjectId;
      try {
        it = vm.getIter(items, C_TEMP);
      } finally {
        vm.rt.decref(items, C_TEMP);
      }
      return vm.newTuple(
        [vm.ret(vm.typeOf(self), C_TEMP), vm.newTuple([], C_TEMP), state, vm.none(C_TEMP), it],
        out,
        C_TEMP,
      );
    },
  }),
  fromkeys: {
    k: 'classmethod',
    fn: (vm, args, kwnames, out) => {
      const [iterable, value] = parseArgs(vm, 'fromkeys', args.slice(1), kwnames, {
        names: ['iterable', 'value'],
        required: 1,
      });
      const d = vm.call(args[0] as ObjectId, [], undefined, C_TEMP);
      try {
        for (const k of vm.iterateToArray(iterable as ObjectId, C_TEMP)) {
          try {
            vm.setItem(d, k, value ?? vm.statics.none);
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
  },
  __dict__: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      const v = vm.value(self);
      v.attrs ??= new Map();
      return vm.ret(vm.instanceDict(self) as ObjectId, C_TEMP);
    },
  },
};

// ---------------------------------------------------------------------------------
// _count_elements and _tuplegetter

const countElements: Native = (vm, args, kwnames, out) => {
  const [mapping, iterable] = parseArgs(vm, '_count_elements', args, kwnames, {
    names: ['mapping', 'iterable'],
    required: 2,
    posOnly: true,
  });
  const m = mapping as ObjectId;
  const it = vm.getIter(iterable as ObjectId, C_TEMP);
  const one = vm.newInt(1n, C_TEMP);
  const zero = vm.newInt(0n, C_TEMP);
  try {
    const type = vm.typeOf(m);
    const fast =
      vm.value(m).t === 'dict' &&
      vm.lookupType(type, 'get') === vm.lookupType(vm.T.dict, 'get') &&
      vm.lookupType(type, '__setitem__') === vm.lookupType(vm.T.dict, '__setitem__');
    if (fast) {
      for (let key = vm.iterNext(it, C_TEMP); key !== undefined; key = vm.iterNext(it, C_TEMP)) {
        try {
          const old = vm.dictGet(m, key);
          if (old === undefined) vm.dictSet(m, key, one, C_TEMP, 'copy');
          else {
            const n = vm.binaryOp('+', old, one, false, C_TEMP);
            try {
              vm.dictSet(m, key, n, C_TEMP, 'copy');
            } finally {
              vm.rt.decref(n, C_TEMP);
            }
          }
        } finally {
          vm.rt.decref(key, C_TEMP);
        }
      }
    } else {
      const get = vm.getAttr(m, 'get', C_TEMP);
      try {
        for (let key = vm.iterNext(it, C_TEMP); key !== undefined; key = vm.iterNext(it, C_TEMP)) {
          try {
            const old = vm.call(get, [key, zero], undefined, C_TEMP);
            let n: ObjectId;
            try {
              n = vm.binaryOp('+', old, one, false, C_TEMP);
            } finally {
              vm.rt.decref(old, C_TEMP);
            }
            try {
              vm.setItem(m, key, n);
            } finally {
              vm.rt.decref(n, C_TEMP);
            }
          } finally {
            vm.rt.decref(key, C_TEMP);
          }
        }
      } finally {
        vm.rt.decref(get, C_TEMP);
      }
    }
  } finally {
    vm.rt.decref(zero, C_TEMP);
    vm.rt.decref(one, C_TEMP);
    vm.rt.decref(it, C_TEMP);
  }
  return vm.none(out);
};

interface TupleGetterData {
  index: number;
  doc: ObjectId | undefined;
}

const tuplegetterSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const [index, doc] = parseArgs(vm, '_tuplegetter', args, kwnames, {
      names: ['index', 'doc'],
      required: 2,
      posOnly: true,
    });
    return newCObject<TupleGetterData>(
      vm,
      type,
      '_collections._tuplegetter',
      48,
      { index: ssizeArg(vm, index as ObjectId), doc },
      ['doc'],
      out,
    );
  },
  descrGet: (vm, descr, obj, _type, out) => {
    if (obj === undefined || obj === vm.statics.none) return vm.ret(descr, out);
    const d = cdata<TupleGetterData>(vm, descr);
    const ov = vm.value(obj);
    if (ov.t !== 'tuple')
      throw vm.typeError(
        `descriptor for index '${d.index}' for tuple subclasses doesn't apply to '${vm.typeName(obj)}' object`,
      );
    if (d.index >= ov.items.length) throw vm.pyErr('IndexError', 'tuple index out of range');
    return vm.ret(ov.items[d.index] as ObjectId, out);
  },
  descrSet: (vm, _descr, _obj, value) => {
    throw vm.pyErr('AttributeError', value === undefined ? "can't delete attribute" : "can't set attribute");
  },
  repr: (vm, self) => {
    const d = cdata<TupleGetterData>(vm, self);
    return `${vm.typeValue(vm.typeOf(self)).name}(${d.index}, ${d.doc === undefined ? 'None' : vm.reprText(d.doc)})`;
  },
};

const tuplegetterMembers: Record<string, NativeMember> = {
  __doc__: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      return vm.ret(cdata<TupleGetterData>(vm, self).doc ?? vm.statics.none, C_TEMP);
    },
    set: (vmu, self, value) => {
      const vm = vmu as VM;
      const d = cdata<TupleGetterData>(vm, self);
      const old = d.doc;
      d.doc = value;
      if (value !== undefined) vm.rt.increfRef(value, self, 'doc');
      if (old !== undefined) vm.rt.decrefRef(old, self, 'doc');
    },
  },
  __reduce__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const d = cdata<TupleGetterData>(vm, self);
      const inner = vm.newTuple(
        [vm.newInt(BigInt(d.index), C_TEMP), vm.ret(d.doc ?? vm.statics.none, C_TEMP)],
        C_TEMP,
        C_TEMP,
      );
      return vm.newTuple([vm.ret(vm.typeOf(self), C_TEMP), inner], out, C_TEMP);
    },
  },
};

// ---------------------------------------------------------------------------------
// The module.

registerBuiltinModule('_collections', (vm, _module, dict) => {
  const deque = vm.defineType({
    name: 'deque',
    module: 'collections',
    base: vm.T.object,
    slots: dequeSlots,
    members: {
      ...methods(dequeMethods),
      maxlen: {
        k: 'getset',
        get: (vmu, self) => {
          const vm2 = vmu as VM;
          const m = dq(vm2, self).maxlen;
          return m < 0 ? vm2.none(C_TEMP) : vm2.newInt(BigInt(m), C_TEMP);
        },
      },
      __class_getitem__: classGetItem,
    },
  });
  vm.typeValue(deque).hasWeakref = true;
  const dequeIter = dequeIterType(vm, '_deque_iterator', false);
  const dequeRevIter = dequeIterType(vm, '_deque_reverse_iterator', true);
  const defaultdict = vm.defineType({
    name: 'defaultdict',
    module: 'collections',
    base: vm.T.dict,
    slots: ddSlots,
    members: ddMembers,
  });
  const od = vm.defineType({
    name: 'OrderedDict',
    module: 'collections',
    base: vm.T.dict,
    slots: odSlots,
    members: odMembers,
    hasDict: true,
  });
  vm.typeValue(od).hasWeakref = true;
  odViewType(vm, 'odict_keys', 'keys');
  odViewType(vm, 'odict_values', 'values');
  odViewType(vm, 'odict_items', 'items');
  vm.defineType({
    name: 'odict_iterator',
    base: vm.T.object,
    baseType: false,
    slots: { iter: (vm2, self, out) => vm2.ret(self, out), next: odIterNext },
    members: {
      __length_hint__: {
        k: 'method',
        fn: (vm2, args, _kw, out) => {
          const it = cdata<OdIterData>(vm2, args[0] as ObjectId);
          return vm2.newInt(BigInt(it.odict === undefined ? 0 : vm2.dictSize(it.odict)), out);
        },
      },
    },
  });
  const tuplegetter = vm.defineType({
    name: '_tuplegetter',
    module: '_collections',
    base: vm.T.object,
    baseType: false,
    slots: tuplegetterSlots,
    members: tuplegetterMembers,
  });
  for (const [name, t] of [
    ['deque', deque],
    ['_deque_iterator', dequeIter],
    ['_deque_reverse_iterator', dequeRevIter],
    ['defaultdict', defaultdict],
    ['OrderedDict', od],
    ['_tuplegetter', tuplegetter],
  ] as const) {
    vm.dictSetStr(dict, name, t, C_TEMP, 'copy');
  }
  vm.addFunctions(dict, '_collections', { _count_elements: countElements });
});
