/*
 * _functools
 * ==========
 * partial, reduce, cmp_to_key and the C lru_cache, as CPython 3.11's _functools makes
 * them (its types are heap types there: every instance holds its type).
 *
 * partial (80 bytes, GC-tracked) holds its function, its argument tuple and its keyword
 * dict; a partial of a partial with no instance dict is flattened (it holds the inner
 * one's function and the concatenated arguments). Calling it with no stored keywords
 * passes the arguments straight on; with stored keywords it builds the argument tuple and
 * keyword dict CPython's partial_call builds.
 *
 * _lru_cache_wrapper (168 bytes) holds its cache dict. Its call builds the argument tuple
 * (it is called through tp_call), then the key: a single int or str argument itself, else
 * the argument tuple itself, or a new tuple with a marker object, the keywords and (when
 * typed) the argument types. A bounded cache maps keys to link objects
 * (`functools._lru_list_elem`, 56 bytes, not GC-tracked) each holding its key and
 * result, chained from least to most recently used (the chain holds one more reference
 * to each link); when full, the oldest link is taken out of the dict and reused for the
 * new key, and the old key and result are released last. An unbounded cache maps keys to
 * results directly; maxsize=0 caches nothing.
 *
 * Source: Modules/_functoolsmodule.c (3.11: partial_new, partial_vectorcall,
 * partial_call, partial_repr, functools_reduce, functools_cmp_to_key, keyobject_*,
 * lru_cache_make_key, infinite/bounded/uncached_lru_cache_wrapper, lru_cache_new,
 * lru_cache_cache_clear).
 *
 * Simplifications: the collector does not see a cached result through its link (links
 * are not GC objects; CPython's lru_cache_tp_traverse visits the results directly), so a
 * cycle through a cached result is not collected while it is cached; a partial made with
 * keyword arguments copies them into a new dict rather than taking over the call's own.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { classGetItem } from '../objects/genericalias.js';
import { cdata, newCObject, parseArgs, setField, ssizeArg } from './cobject.js';
import { kwargsDict } from './args.js';

const typeOf = (vm: VM, name: string): ObjectId => vm.typeByName.get(`functools.${name}`) as ObjectId;

// ---------------------------------------------------------------------------------
// partial

interface PartialData {
  fn: ObjectId | undefined;
  args: ObjectId | undefined;
  kw: ObjectId | undefined;
}

const partialData = (vm: VM, id: ObjectId): PartialData => cdata<PartialData>(vm, id);

/** The partial has an instance dict (then it is not flattened into a new partial). */
function hasInstanceDict(vm: VM, id: ObjectId): boolean {
  const v = vm.value(id);
  return v.dict !== undefined || (v.attrs !== undefined && v.attrs.size > 0);
}

function partialNew(
  vm: VM,
  type: ObjectId,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  const n = npos(args, kwnames);
  if (n < 1) throw vm.typeError(`type '${vm.typeValue(type).name}' takes at least one argument`);
  let func = args[0] as ObjectId;
  let pargs: ObjectId | undefined;
  let pkw: ObjectId | undefined;
  if (vm.isInstanceOf(func, typeOf(vm, 'partial')) && !hasInstanceDict(vm, func)) {
    const inner = partialData(vm, func);
    pargs = inner.args;
    pkw = inner.kw;
    func = inner.fn as ObjectId;
  }
  if (!vm.isCallable(func)) throw vm.typeError('the first argument must be callable');
  const rest = args.slice(1, n);
  const argsTuple =
    pargs === undefined ? vm.newTuple(rest, C_TEMP) : vm.newTuple([...vm.as(pargs, 'tuple').items, ...rest], C_TEMP);
  const kw = vm.newDict(C_TEMP);
  try {
    if (pkw !== undefined) vm.dictUpdate(kw, pkw);
    kwnames?.forEach((k, i) => vm.dictSetStr(kw, k, args[n + i] as ObjectId, C_TEMP, 'copy'));
    return newCObject<PartialData>(
      vm,
      type,
      'functools.partial',
      80,
      { fn: func, args: argsTuple, kw },
      ['fn', 'args', 'kw'],
      out,
      {
        holdsType: true,
      },
    );
  } finally {
    vm.rt.decref(kw, C_TEMP);
    vm.rt.decref(argsTuple, C_TEMP);
  }
}

function partialCall(
  vm: VM,
  self: ObjectId,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  const d = partialData(vm, self);
  const fn = d.fn as ObjectId;
  const pargs = vm.as(d.args as ObjectId, 'tuple').items;
  if (vm.dictSize(d.kw as ObjectId) === 0) return vm.call(fn, [...pargs, ...args], kwnames, out);
  // partial_call: a new argument tuple and a copy of the keywords, merged with the call's.
  const n = npos(args, kwnames);
  const argsTuple = vm.newTuple([...pargs, ...args.slice(0, n)], C_TEMP);
  const kw = vm.newDict(C_TEMP);
  try {
    vm.dictUpdate(kw, d.kw as ObjectId);
    kwnames?.forEach((k, i) => vm.dictSetStr(kw, k, args[n + i] as ObjectId, C_TEMP, 'copy'));
    return vm.callTuple(fn, argsTuple, kw, out);
  } finally {
    vm.rt.decref(kw, C_TEMP);
    vm.rt.decref(argsTuple, C_TEMP);
  }
}

function partialRepr(vm: VM, self: ObjectId): string {
  if (vm.reprEnter(self)) return '...';
  try {
    const d = partialData(vm, self);
    const parts = [vm.reprText(d.fn as ObjectId)];
    for (const a of vm.as(d.args as ObjectId, 'tuple').items) parts.push(vm.reprText(a));
    for (const e of vm.dictEntries(d.kw as ObjectId)) parts.push(`${vm.strText(e.key)}=${vm.reprText(e.value)}`);
    return `${vm.typeName(self)}(${parts.join(', ')})`;
  } finally {
    vm.reprLeave(self);
  }
}

const partialSlots: TypeSlots = {
  new: partialNew,
  call: partialCall,
  repr: partialRepr,
};

const readonlyField = (field: keyof PartialData): NativeMember => ({
  k: 'getset',
  get: (vmu, self) => {
    const vm = vmu as VM;
    return vm.ret(partialData(vm, self)[field] as ObjectId, C_TEMP);
  },
});

const partialMembers: Record<string, NativeMember> = {
  func: readonlyField('fn'),
  args: readonlyField('args'),
  keywords: readonlyField('kw'),
  __dict__: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      vm.value(self).attrs ??= new Map();
      return vm.ret(vm.instanceDict(self) as ObjectId, C_TEMP);
    },
  },
  __reduce__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const d = partialData(vm, self);
      const v = vm.value(self);
      const dict = v.dict ?? (v.attrs !== undefined && v.attrs.size > 0 ? vm.instanceDict(self) : undefined);
      const state = vm.newTuple(
        [
          vm.ret(d.fn as ObjectId, C_TEMP),
          vm.ret(d.args as ObjectId, C_TEMP),
          vm.ret(d.kw as ObjectId, C_TEMP),
          vm.ret(dict ?? vm.statics.none, C_TEMP),
        ],
        C_TEMP,
        C_TEMP,
      );
      const fnTuple = vm.newTuple([vm.ret(d.fn as ObjectId, C_TEMP)], C_TEMP, C_TEMP);
      return vm.newTuple([vm.ret(vm.typeOf(self), C_TEMP), fnTuple, state], out, C_TEMP);
    },
  },
  __setstate__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const state = args[1] as ObjectId;
      const sv = vm.value(state);
      const invalid = (): never => {
        throw vm.typeError('invalid partial state');
      };
      if (sv.t !== 'tuple' || sv.items.length !== 4) invalid();
      const [fn, fnargs, kw, dict] = vm.as(state, 'tuple').items as [ObjectId, ObjectId, ObjectId, ObjectId];
      if (!vm.isCallable(fn) || vm.value(fnargs).t !== 'tuple' || (kw !== vm.statics.none && vm.value(kw).t !== 'dict'))
        invalid();
      const d = partialData(vm, self);
      const args2 =
        vm.typeOf(fnargs) === vm.T.tuple ? vm.ret(fnargs, C_TEMP) : vm.newTuple(vm.as(fnargs, 'tuple').items, C_TEMP);
      let kw2: ObjectId;
      if (kw === vm.statics.none) kw2 = vm.newDict(C_TEMP);
      else if (vm.typeOf(kw) === vm.T.dict) kw2 = vm.ret(kw, C_TEMP);
      else {
        kw2 = vm.newDict(C_TEMP);
        vm.dictUpdate(kw2, kw);
      }
      setField(vm, self, d, 'fn', fn);
      setField(vm, self, d, 'args', args2, C_TEMP);
      setField(vm, self, d, 'kw', kw2, C_TEMP);
      const v = vm.value(self);
      if (dict !== vm.statics.none) {
        const old = v.dict ?? (v.attrs !== undefined && v.attrs.size > 0 ? vm.instanceDict(self) : undefined);
        v.dict = dict;
        delete v.attrs;
        vm.rt.increfRef(dict, self, '__dict__');
        if (old !== undefined) vm.rt.decrefRef(old, self, '__dict__');
      }
      return vm.none(out);
    },
  },
  __class_getitem__: classGetItem,
};

// ---------------------------------------------------------------------------------
// reduce

const reduce: Native = (vm, args, kwnames, out) => {
  if (kwnames !== undefined) throw vm.typeError('reduce() takes no keyword arguments');
  if (args.length < 2 || args.length > 3)
    throw vm.typeError(`reduce expected ${args.length < 2 ? 'at least 2' : 'at most 3'} arguments, got ${args.length}`);
  const func = args[0] as ObjectId;
  let result = args[2] === undefined ? undefined : vm.ret(args[2], C_TEMP);
  let it: ObjectId;
  try {
    it = vm.getIter(args[1] as ObjectId, C_TEMP);
  } catch (e) {
    if (result !== undefined) vm.rt.decref(result, C_TEMP);
    if (vm.raised(e, 'TypeError')) {
      vm.clearRaise(e);
      throw vm.typeError('reduce() arg 2 must support iteration');
    }
    throw e;
  }
  // The argument tuple is reused while the call does not keep it (its items replaced).
  let argsTuple = vm.newTuple([vm.none(C_TEMP), vm.none(C_TEMP)], C_TEMP, C_TEMP);
  try {
    for (;;) {
      if (vm.rt.refcount(argsTuple) > 1) {
        vm.rt.decref(argsTuple, C_TEMP);
        argsTuple = vm.newTuple([vm.none(C_TEMP), vm.none(C_TEMP)], C_TEMP, C_TEMP);
      }
      const op2 = vm.iterNext(it, C_TEMP);
      if (op2 === undefined) break;
      if (result === undefined) {
        result = op2;
        continue;
      }
      const items = vm.as(argsTuple, 'tuple').items;
      const [old0, old1] = items as [ObjectId, ObjectId];
      items[0] = result;
      items[1] = op2;
      vm.rt.moveToRef(result, C_TEMP, argsTuple, 'item', 0);
      vm.rt.decrefRef(old0, argsTuple, 'item', 1);
      vm.rt.moveToRef(op2, C_TEMP, argsTuple, 'item', 1);
      vm.rt.decrefRef(old1, argsTuple, 'item', 2);
      result = undefined;
      result = vm.callTuple(func, argsTuple, undefined, C_TEMP);
      if (vm.rt.object(argsTuple).gen < 0) vm.rt.track(argsTuple);
    }
  } catch (e) {
    if (result !== undefined) vm.rt.decref(result, C_TEMP);
    throw e;
  } finally {
    vm.rt.decref(argsTuple, C_TEMP);
    vm.rt.decref(it, C_TEMP);
  }
  if (result === undefined) throw vm.typeError('reduce() of empty iterable with no initial value');
  vm.rt.move(result, C_TEMP, out);
  return result;
};

// ---------------------------------------------------------------------------------
// cmp_to_key

interface KeyData {
  cmp: ObjectId | undefined;
  object: ObjectId | undefined;
}

function newKey(vm: VM, cmp: ObjectId, object: ObjectId | undefined, out: Holder): ObjectId {
  return newCObject<KeyData>(
    vm,
    typeOf(vm, 'KeyWrapper'),
    'functools.KeyWrapper',
    48,
    { cmp, object },
    ['cmp', 'object'],
    out,
    {
      holdsType: true,
    },
  );
}

const keySlots: TypeSlots = {
  call: (vm, self, args, kwnames, out) => {
    const [obj] = parseArgs(vm, 'K', args, kwnames, { names: ['obj'], required: 1 });
    return newKey(vm, cdata<KeyData>(vm, self).cmp as ObjectId, obj, out);
  },
  unhashable: true,
  compare: (vm, a, b, op) => {
    if (vm.typeOf(b) !== vm.typeOf(a)) throw vm.typeError('other argument must be K instance');
    const da = cdata<KeyData>(vm, a);
    const db = cdata<KeyData>(vm, b);
    if (da.object === undefined || db.object === undefined) throw vm.pyErr('AttributeError', 'object');
    const res = vm.call(da.cmp as ObjectId, [da.object, db.object], undefined, C_TEMP);
    try {
      const zero = vm.newInt(0n, C_TEMP);
      try {
        return vm.richCompareBool(res, zero, op);
      } finally {
        vm.rt.decref(zero, C_TEMP);
      }
    } finally {
      vm.rt.decref(res, C_TEMP);
    }
  },
};

// ---------------------------------------------------------------------------------
// _lru_cache_wrapper

interface LruData {
  cache: ObjectId | undefined;
  func: ObjectId | undefined;
  maxsize_O: ObjectId | undefined;
  kwd_mark: ObjectId | undefined;
  lru_list_elem_type: ObjectId | undefined;
  cache_info_type: ObjectId | undefined;
  /** -1: unbounded. */
  maxsize: number;
  typed: boolean;
  hits: number;
  misses: number;
  /** The links, least recently used first (each held once more by this chain: slot `link`). */
  links: ObjectId[];
}

interface LinkData {
  key: ObjectId | undefined;
  result: ObjectId | undefined;
}

/** The module state's kwd_mark (an object()), per VM, held by the module state. */
const kwdMarks = new WeakMap<VM, ObjectId>();
const KWD_MARK: Holder = { kind: 'root', name: '_functools state' };

const LRU_SIZE = 168;
const LINK_SIZE = 56;

/** lru_cache_make_key: a new reference to the key, owned by C_TEMP. */
function makeKey(vm: VM, d: LruData, argsTuple: ObjectId, kw: ObjectId | undefined): ObjectId {
  const items = vm.as(argsTuple, 'tuple').items;
  const kwEntries = kw === undefined ? [] : vm.dictEntries(kw);
  if (!d.typed && kwEntries.length === 0) {
    if (items.length === 1) {
      const key = items[0] as ObjectId;
      const kv = vm.value(key);
      if ((kv.t === 'str' && kv.type === vm.T.str) || (kv.t === 'int' && kv.type === vm.T.int))
        return vm.ret(key, C_TEMP);
    }
    return vm.ret(argsTuple, C_TEMP);
  }
  const parts: ObjectId[] = [...items];
  if (kwEntries.length > 0) {
    parts.push(d.kwd_mark as ObjectId);
    for (const e of kwEntries) parts.push(e.key, e.value);
  }
  if (d.typed) {
    for (const x of items) parts.push(vm.typeOf(x));
    for (const e of kwEntries) parts.push(vm.typeOf(e.value));
  }
  return vm.newTuple(parts, C_TEMP);
}

function newLink(vm: VM, key: ObjectId, result: ObjectId): ObjectId {
  // The key and result references move into the link.
  const link = newCObject<LinkData>(
    vm,
    vm.typeByName.get('functools._lru_list_elem') as ObjectId,
    'functools._lru_list_elem',
    LINK_SIZE,
    { key: undefined, result: undefined },
    [],
    C_TEMP,
    { gc: false, holdsType: true },
  );
  const ld = cdata<LinkData>(vm, link);
  ld.key = key;
  vm.rt.moveToRef(key, C_TEMP, link, 'key');
  ld.result = result;
  vm.rt.moveToRef(result, C_TEMP, link, 'result');
  return link;
}

/** The call: argument tuple and keyword dict as tp_call makes them, then the cache. */
function lruCall(
  vm: VM,
  self: ObjectId,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  const d = cdata<LruData>(vm, self);
  vm.enterRecursive(' while calling a Python object');
  const n = npos(args, kwnames);
  const argsTuple = vm.newTuple(args.slice(0, n), C_TEMP);
  const kw = kwargsDict(vm, args, kwnames, C_TEMP);
  try {
    const func = d.func as ObjectId;
    if (d.maxsize === 0) {
      d.misses += 1;
      return vm.callTuple(func, argsTuple, kw, out);
    }
    const cache = d.cache as ObjectId;
    const key = makeKey(vm, d, argsTuple, kw);
    try {
      vm.hash(key);
      const found = vm.dictGet(cache, key);
      if (found !== undefined) {
        d.hits += 1;
        if (d.maxsize < 0) return vm.ret(found, out);
        moveToEnd(vm, self, d, found);
        return vm.ret(cdata<LinkData>(vm, found).result as ObjectId, out);
      }
      d.misses += 1;
      const result = vm.callTuple(func, argsTuple, kw, C_TEMP);
      if (vm.dictGet(cache, key) !== undefined) {
        // The same key was added during the call.
        vm.rt.move(result, C_TEMP, out);
        return result;
      }
      if (d.maxsize < 0) {
        vm.dictSet(cache, key, result, C_TEMP, 'copy');
        vm.rt.move(result, C_TEMP, out);
        return result;
      }
      return boundedStore(vm, self, d, key, result, out);
    } finally {
      vm.rt.decref(key, C_TEMP);
    }
  } finally {
    if (kw !== undefined) vm.rt.decref(kw, C_TEMP);
    vm.rt.decref(argsTuple, C_TEMP);
    vm.leaveRecursive();
  }
}

/** lru_cache_extract_link + lru_cache_append_link: the link becomes the most recent. */
function moveToEnd(vm: VM, self: ObjectId, d: LruData, link: ObjectId): void {
  const i = d.links.indexOf(link);
  if (i < 0 || i === d.links.length - 1) return;
  d.links.splice(i, 1);
  d.links.push(link);
}

/** The result of a miss stored in a bounded cache; `key` and `result` are held by C_TEMP. */
function boundedStore(vm: VM, self: ObjectId, d: LruData, key: ObjectId, result: ObjectId, out: Holder): ObjectId {
  const cache = d.cache as ObjectId;
  if (vm.dictSize(cache) < d.maxsize || d.links.length === 0) {
    vm.rt.incref(key, C_TEMP);
    vm.rt.incref(result, C_TEMP);
    const link = newLink(vm, key, result);
    vm.dictSet(cache, key, link, C_TEMP, 'copy');
    d.links.push(link);
    vm.rt.moveToRef(link, C_TEMP, self, 'link');
    vm.rt.move(result, C_TEMP, out);
    return result;
  }
  // Full: the oldest link leaves the dict and is reused for the new key.
  const link = d.links.shift() as ObjectId;
  const ld = cdata<LinkData>(vm, link);
  const oldkey = ld.key as ObjectId;
  const oldresult = ld.result as ObjectId;
  const popped = vm.dictGet(cache, oldkey);
  if (popped !== link) {
    // The old key left the cache meanwhile: the orphan link is dropped.
    vm.rt.decrefRef(link, self, 'link');
    vm.rt.move(result, C_TEMP, out);
    return result;
  }
  vm.rt.incref(link, C_TEMP);
  vm.dictDel(cache, oldkey);
  // The link keeps its old key and result until it holds the new ones.
  vm.rt.move(oldkey, { kind: 'object', owner: link, slot: 'key' }, C_TEMP);
  vm.rt.move(oldresult, { kind: 'object', owner: link, slot: 'result' }, C_TEMP);
  ld.key = key;
  vm.rt.increfRef(key, link, 'key');
  ld.result = result;
  vm.rt.increfRef(result, link, 'result');
  vm.dictSet(cache, key, link, C_TEMP, 'copy');
  d.links.push(link);
  vm.rt.move(result, C_TEMP, out);
  vm.rt.decref(link, C_TEMP);
  vm.rt.decref(oldkey, C_TEMP);
  vm.rt.decref(oldresult, C_TEMP);
  return result;
}

/** lru_cache_cache_clear: the chain unlinked, counters reset, the dict cleared, then the chain's references released. */
function cacheClear(vm: VM, self: ObjectId): void {
  const d = cdata<LruData>(vm, self);
  const links = d.links.splice(0);
  d.hits = 0;
  d.misses = 0;
  vm.dictClear(d.cache as ObjectId);
  for (const link of links) vm.rt.decrefRef(link, self, 'link');
}

const lruSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const [func, maxsizeObj, typedObj, infoType] = parseArgs(vm, 'lru_cache', args, kwnames, {
      names: ['user_function', 'maxsize', 'typed', 'cache_info_type'],
      required: 4,
    });
    if (!vm.isCallable(func as ObjectId)) throw vm.typeError('the first argument must be callable');
    let maxsize: number;
    if (maxsizeObj === vm.statics.none) maxsize = -1;
    else if (vm.hasIndex(maxsizeObj as ObjectId)) {
      maxsize = ssizeArg(vm, maxsizeObj as ObjectId);
      if (maxsize < 0) maxsize = 0;
    } else throw vm.typeError('maxsize should be integer or None');
    const cache = vm.newDict(C_TEMP);
    try {
      const kwdMark = kwdMarks.get(vm);
      return newCObject<LruData>(
        vm,
        type,
        'functools._lru_cache_wrapper',
        LRU_SIZE,
        {
          cache,
          func,
          maxsize_O: maxsizeObj,
          kwd_mark: kwdMark,
          lru_list_elem_type: vm.typeByName.get('functools._lru_list_elem'),
          cache_info_type: infoType,
          maxsize,
          typed: vm.truthy(typedObj as ObjectId),
          hits: 0,
          misses: 0,
          links: [],
        },
        ['cache', 'func', 'maxsize_O', 'kwd_mark', 'lru_list_elem_type', 'cache_info_type'],
        out,
        { holdsType: true },
      );
    } finally {
      vm.rt.decref(cache, C_TEMP);
    }
  },
  call: lruCall,
  descrGet: (vm, descr, obj, _type, out) => {
    if (obj === undefined || obj === vm.statics.none) return vm.ret(descr, out);
    return vm.newMethod(descr, obj, out);
  },
};

const lruMembers: Record<string, NativeMember> = {
  cache_info: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const d = cdata<LruData>(vm, args[0] as ObjectId);
      const fields = [
        vm.newInt(BigInt(d.hits), C_TEMP),
        vm.newInt(BigInt(d.misses), C_TEMP),
        vm.ret(d.maxsize < 0 ? vm.statics.none : (d.maxsize_O as ObjectId), C_TEMP),
        vm.newInt(BigInt(vm.dictSize(d.cache as ObjectId)), C_TEMP),
      ];
      try {
        if (d.maxsize >= 0) {
          vm.rt.decref(fields[2] as ObjectId, C_TEMP);
          fields[2] = vm.newInt(BigInt(d.maxsize), C_TEMP);
        }
        return vm.call(d.cache_info_type as ObjectId, fields, undefined, out);
      } finally {
        for (const f of fields) vm.rt.decref(f, C_TEMP);
      }
    },
  },
  cache_clear: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      cacheClear(vm, args[0] as ObjectId);
      return vm.none(out);
    },
  },
  __reduce__: {
    k: 'method',
    fn: (vm, args, _kw, out) => vm.getAttr(args[0] as ObjectId, '__qualname__', out),
  },
  __copy__: { k: 'method', fn: (vm, args, _kw, out) => vm.ret(args[0] as ObjectId, out) },
  __deepcopy__: { k: 'method', fn: (vm, args, _kw, out) => vm.ret(args[0] as ObjectId, out) },
  __dict__: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      vm.value(self).attrs ??= new Map();
      return vm.ret(vm.instanceDict(self) as ObjectId, C_TEMP);
    },
  },
};

// ---------------------------------------------------------------------------------
// The module.

registerBuiltinModule('_functools', (vm, _module, dict) => {
  const partial = vm.defineType({
    name: 'partial',
    module: 'functools',
    base: vm.T.object,
    slots: partialSlots,
    members: partialMembers,
    hasDict: true,
  });
  vm.typeValue(partial).hasWeakref = true;
  vm.defineType({
    name: 'KeyWrapper',
    module: 'functools',
    base: vm.T.object,
    baseType: false,
    slots: keySlots,
    members: {
      obj: {
        k: 'getset',
        get: (vmu, self) => {
          const vm2 = vmu as VM;
          const o = cdata<KeyData>(vm2, self).object;
          if (o === undefined) throw vm2.pyErr('AttributeError', 'obj');
          return vm2.ret(o, C_TEMP);
        },
      },
    },
  });
  const lru = vm.defineType({
    name: '_lru_cache_wrapper',
    module: 'functools',
    base: vm.T.object,
    baseType: false,
    slots: lruSlots,
    members: lruMembers,
    hasDict: true,
  });
  vm.typeValue(lru).hasWeakref = true;
  vm.defineType({ name: '_lru_list_elem', module: 'functools', base: vm.T.object, baseType: false });
  // The module state's marker between positional and keyword arguments in keys.
  kwdMarks.set(vm, vm.alloc('object', 'object', 16, { t: 'object', type: vm.T.object }, KWD_MARK));
  vm.dictSetStr(dict, 'partial', partial, C_TEMP, 'copy');
  vm.dictSetStr(dict, '_lru_cache_wrapper', lru, C_TEMP, 'copy');
  vm.addFunctions(dict, '_functools', {
    reduce,
    cmp_to_key: (vm2, args, kwnames, out) => {
      const [cmp] = parseArgs(vm2, 'cmp_to_key', args, kwnames, { names: ['mycmp'], required: 1 });
      return newKey(vm2, cmp as ObjectId, undefined, out);
    },
  });
});
