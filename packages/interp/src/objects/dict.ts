/*
 * dict
 * ====
 * CPython 3.11's dict as the simulation needs it: entries in insertion order, each key
 * and value a reference held by the dict (the value's slot named by its key, `["name"]`),
 * the table geometry that decides `sys.getsizeof` and the keys block (OBJ-11), lazy GC
 * tracking (GC-T4), and the order in which a dict releases its references (key, value,
 * entry by entry).
 *
 * Source: Objects/dictobject.c (3.11): insertdict, insertion_resize, dictresize,
 * delitem_common, PyDict_Clear, _PyDict_FromItems, dict_merge, MAINTAIN_TRACKING.
 *
 * Lookup. Keys whose equality JavaScript can decide (str, int, float, bool, None, bytes,
 * tuples and frozensets of them, and objects compared by identity) are found by a key
 * text (`s:name`, `o:#12`) or, for an integral value exact as a JavaScript number, by
 * that number: 1 == 1.0 == True share the key 1, as in CPython. Keys of
 * a class that defines `__eq__` go through a bucket per hash value and are compared with
 * `==`, as CPython's probe sequence compares entries of equal hash.
 *
 * Simplifications: the table's probe order is not modelled (a dict iterates in insertion
 * order whatever the hashes, so only sizes depend on the table); shared-key tables are
 * modelled for instances only (vm/attrs.ts).
 */
import {
  DICT_OBJECT_SIZE,
  dictKeysSize,
  dictSize,
  dictTableSize,
  dictUsable,
  type Holder,
  type ObjectId,
} from '@pymemsim/core';
import { KeyIndex } from './keyIndex.js';
import { EntryOrder } from '../entryOrder.js';
import { C_TEMP, VM } from '../vm/vm.js';
import type { DictEntry, DictStore, LookupKey } from '../vm/values.js';
import { MAX_ITEMS } from '../limits.js';

declare module '../vm/vm.js' {
  interface VM {
    /** A new dict (of a subtype `type`, `extraSize` bytes larger, when given). */
    newDict(holder: Holder, presize?: number, viaTpAlloc?: boolean, type?: ObjectId, extraSize?: number): ObjectId;
    dictStore(dict: ObjectId): DictStore;
    /** The dict's size follows its table and `extraSize` again (after a subtype changed `extraSize`). */
    dictRefreshSize(dict: ObjectId): void;
    /** The lookup key of `key` (raises TypeError for an unhashable key). */
    lookupKey(key: ObjectId): LookupKey;
    /** d[key] (borrowed), or undefined. */
    dictGet(dict: ObjectId, key: ObjectId): ObjectId | undefined;
    dictGetStr(dict: ObjectId, name: string): ObjectId | undefined;
    /** d[key] = value: 'copy' takes new references; 'move' takes them from `from`. */
    dictSet(dict: ObjectId, key: ObjectId, value: ObjectId, from: Holder, how: 'move' | 'copy'): void;
    dictSetStr(dict: ObjectId, name: string, value: ObjectId, from: Holder, how: 'move' | 'copy'): void;
    /** MAP_ADD / _PyDict_SetItem_Take2: both references move from `from`. */
    dictSetTake2(dict: ObjectId, key: ObjectId, value: ObjectId, from: Holder): void;
    /** del d[key]; false when absent. */
    dictDel(dict: ObjectId, key: ObjectId): boolean;
    dictDelStr(dict: ObjectId, name: string): boolean;
    dictClear(dict: ObjectId): void;
    dictSize(dict: ObjectId): number;
    /** The entries in order (a snapshot). */
    dictEntries(dict: ObjectId): DictEntry[];
    /** (name, value) of each entry, raising TypeError(`message`) for a non-str key. */
    dictStrItems(dict: ObjectId, message: string): [string, ObjectId][];
    /** _PyDict_FromItems: `n` pairs read from `items` (key at k0 + i·stride, value at v0 + i·stride); new references. */
    dictFromItems(
      items: readonly ObjectId[],
      stride: number,
      k0: number,
      v0: number,
      n: number,
      holder: Holder,
    ): ObjectId;
    /** dict.update(other) / PyDict_Update (a mapping, or an iterable of pairs when `pairs`). */
    dictUpdate(dict: ObjectId, other: ObjectId, pairs?: boolean): void;
    /** DICT_UPDATE of a `{**m}` display. */
    dictUpdateForDisplay(dict: ObjectId, other: ObjectId): void;
    /** DICT_MERGE of a call's `**m`: a repeated keyword is an error naming the function. */
    dictMergeForCall(dict: ObjectId, other: ObjectId, func: ObjectId): void;
  }
}

const P = VM.prototype;

/** Hash key texts made once per str (names recur far more often than they are new). */
const STR_KEYS = new Map<string, string>();
export function strKey(s: string): string {
  let k = STR_KEYS.get(s);
  if (k === undefined) {
    k = `s:${s}`;
    if (s.length <= 64 && STR_KEYS.size < 1 << 16) STR_KEYS.set(s, k);
  }
  return k;
}
const STR_SLOTS = new Map<string, string>();
export function strSlot(s: string): string {
  let k = STR_SLOTS.get(s);
  if (k === undefined) {
    k = `[${JSON.stringify(s)}]`;
    if (s.length <= 64 && STR_SLOTS.size < 1 << 16) STR_SLOTS.set(s, k);
  }
  return k;
}
const INT_SLOTS: (string | undefined)[] = [];
/** ±2**53: every integer up to this magnitude is exactly a JavaScript number. */
const EXACT = 2n ** 53n;
const EXACT_NUMBER = 2 ** 53;
/**
 * The lookup key of an integral value: the number itself when it is exact as a number (a
 * Map finds a number key without building and hashing a string: most int keys), else
 * its decimal text.
 */
export function intKey(v: bigint): LookupKey {
  return v >= -EXACT && v <= EXACT ? Number(v) : `i:${v}`;
}
/** The lookup key of an integral float (equal to the int of the same value, as in CPython). */
function integralKey(f: number): LookupKey {
  return f >= -EXACT_NUMBER && f <= EXACT_NUMBER ? f + 0 : `i:${BigInt(f)}`; // + 0: -0.0 is 0
}
/** A lookup key as text inside a tuple's or frozenset's key (the same text as `i:…` for an int). */
const keyText = (k: LookupKey): string => (typeof k === 'number' ? `i:${k}` : k);
/** The lookup key's text starts with CUSTOM: a key compared with `__eq__`. */
const isCustom = (k: LookupKey): k is string => typeof k === 'string' && k.charCodeAt(0) === 0;
function intSlot(v: bigint): string {
  if (v < 0n || v >= 4096n) return `[${v}]`;
  return (INT_SLOTS[Number(v)] ??= `[${v}]`);
}

function emptyStore(table: number): DictStore {
  return {
    entries: new KeyIndex(),
    buckets: undefined,
    compared: 0,
    order: new EntryOrder(),
    table,
    nentries: 0,
    unicode: true,
    version: 0,
  };
}

P.newDict = function (this: VM, holder, presize = 0, viaTpAlloc = false, type = this.T.dict, extraSize = 0) {
  const table = presize > 5 ? dictTableSize(Math.floor((3 * presize + 1) / 2)) : 0;
  const store = emptyStore(table);
  // A subtype's instance (dict_new through tp_alloc): its own type name, its extra size,
  // GC-tracked from creation (only an exact dict starts untracked).
  const sub = type !== this.T.dict;
  if (sub) store.extraSize = extraSize;
  const d = this.alloc(
    sub ? this.typeName(type) : 'dict',
    'dict',
    dictSize(table, true) + extraSize,
    { t: 'dict', type, store },
    holder,
    sub
      ? { alloc: DICT_OBJECT_SIZE + extraSize, viaTpAlloc: true, track: true }
      : { alloc: DICT_OBJECT_SIZE, viaTpAlloc },
  );
  if (table > 0) this.rt.setBuffer(d, 'keys', dictKeysSize(table, true));
  return d;
};

P.dictStore = function (this: VM, dict) {
  const d = this.values.get(dict);
  if (d === undefined || d.t !== 'dict') throw new Error(`object #${dict} is not a dict`);
  return d.store;
};

/** The slot name of the dict's value under `key`: `["name"]`, `[3]`, `[#id]`. */
function valueSlot(vm: VM, key: ObjectId): string {
  const kv = vm.values.get(key);
  if (kv !== undefined) {
    if (kv.t === 'str') return strSlot(kv.v);
    if (kv.t === 'int') return intSlot(kv.v);
  }
  return `[#${key}]`;
}

/** A key whose equality is decided by a Python `__eq__` (its lookup text is per entry). */
const CUSTOM = '\u0000';

/**
 * An instance of a subclass of a built-in value type (str, int, float, bytes, tuple) that
 * keeps the base's __eq__ and __hash__: it hashes and compares as the base's value does.
 */
function plainValue(vm: VM, type: ObjectId, base: ObjectId): boolean {
  if (type === base) return true;
  return (
    vm.lookupType(type, '__eq__') === vm.lookupType(base, '__eq__') &&
    vm.lookupType(type, '__hash__') === vm.lookupType(base, '__hash__')
  );
}

P.lookupKey = function (this: VM, key) {
  const v = this.value(key);
  switch (v.t) {
    case 'str':
      if (plainValue(this, v.type, this.T.str)) return strKey(v.v);
      break;
    case 'int':
      if (plainValue(this, v.type, this.T.int)) return intKey(v.v);
      break;
    case 'bool':
      return intKey(v.v ? 1n : 0n);
    case 'float':
      if (!plainValue(this, v.type, this.T.float)) break;
      if (Number.isNaN(v.v)) return `o:${key}`;
      return Number.isInteger(v.v) ? integralKey(v.v) : `f:${v.v}`;
    case 'none':
      return 'n';
    case 'bytes':
      if (plainValue(this, v.type, this.T.bytes)) return `b:${String.fromCharCode(...v.v)}`;
      break;
    case 'tuple':
      if (plainValue(this, v.type, this.T.tuple)) {
        let out = 't:(';
        for (let i = 0; i < v.items.length; i++) {
          const k = this.lookupKey(v.items[i] as ObjectId);
          if (isCustom(k)) return CUSTOM + this.hash(key).toString();
          out += (i > 0 ? ',' : '') + keyText(k);
        }
        return out + ')';
      }
      break;
    case 'set':
      if (v.frozen && v.type === this.T.frozenset)
        return `fs:{${v.store.table
          .activeKeys()
          .map((x) => keyText(this.lookupKey(x)))
          .sort()
          .join(',')}}`;
      break;
    case 'complex':
      if (v.type === this.T.complex)
        return v.im === 0 ? (Number.isInteger(v.re) ? integralKey(v.re) : `f:${v.re}`) : `c:${v.re},${v.im}`;
      break;
    default:
      break;
  }
  // Any other object: by identity, unless its type defines __eq__ (then by hash and ==);
  // bound methods compare by their function and self, so equal ones are distinct objects.
  const h = this.hash(key); // raises TypeError for an unhashable type
  if (v.t === 'method' || this.hasCustomEq(key)) return CUSTOM + h.toString();
  return `o:${key}`;
};

/** The lookup key of the entry findEntry found last (the lookup's own, or the other kind's). */
let foundLk: LookupKey = '';

/**
 * Find the entry for `key` (the lookup key `lk` already computed). Keys JavaScript can
 * compare sit in `entries` by their text; keys with a Python `__eq__` in hash buckets.
 * An equal pair of one of each (a plain 2 and an instance whose __eq__ says it equals
 * 2, with hash(2)) is one key to CPython, so a lookup that misses among its own kind
 * asks the other: a plain key the bucket of its hash, a compared key every plain key
 * of the same hash (a scan, only when both kinds share the dict). `==` is called as
 * CPython calls it, stored key first.
 */
function findEntry(vm: VM, store: DictStore, key: ObjectId, lk: LookupKey): DictEntry | undefined {
  foundLk = lk;
  if (!isCustom(lk)) {
    const e = store.entries.get(lk);
    if (e !== undefined || store.buckets === undefined || store.buckets.size === 0) return e;
    const other = CUSTOM + vm.hash(key).toString();
    const bucket = store.buckets.get(other);
    if (bucket === undefined) return undefined;
    for (const b of [...bucket]) {
      if (vm.richCompareBool(b.key, key, '==')) {
        foundLk = other;
        return b;
      }
    }
    return undefined;
  }
  const bucket = store.buckets?.get(lk);
  if (bucket !== undefined) {
    for (const e of bucket) {
      if (e.key === key) return e;
    }
    for (const e of [...bucket]) {
      if (vm.richCompareBool(e.key, key, '==')) return e;
    }
  }
  if (store.entries.size === store.compared) return undefined;
  const h = lk.slice(1);
  for (const [text, e] of [...store.entries]) {
    if (isCustom(text) || vm.hash(e.key).toString() !== h) continue;
    if (vm.richCompareBool(e.key, key, '==')) {
      foundLk = text;
      return e;
    }
  }
  return undefined;
}

P.dictGet = function (this: VM, dict, key) {
  const store = this.dictStore(dict);
  return findEntry(this, store, key, this.lookupKey(key))?.value;
};

P.dictGetStr = function (this: VM, dict, name) {
  const d = this.values.get(dict);
  return d !== undefined && d.t === 'dict' ? d.store.entries.get(strKey(name))?.value : undefined;
};

P.dictSize = function (this: VM, dict) {
  return this.dictStore(dict).entries.size;
};

P.dictEntries = function (this: VM, dict) {
  return [...this.dictStore(dict).entries.values()];
};

P.dictStrItems = function (this: VM, dict, message) {
  const out: [string, ObjectId][] = [];
  for (const e of this.dictStore(dict).entries.values()) {
    const kv = this.value(e.key);
    if (kv.t !== 'str') throw this.typeError(message);
    out.push([kv.v, e.value]);
  }
  return out;
};

P.dictSet = function (this: VM, dict, key, value, from, how) {
  const store = this.dictStore(dict);
  const lk = this.lookupKey(key);
  const entry = findEntry(this, store, key, lk);
  if (entry !== undefined) {
    // An existing key object stays; the passed key is not kept.
    if (how === 'move') this.rt.decref(key, from);
    replaceValue(this, dict, store, entry, value, from, how);
    return;
  }
  insertNew(this, dict, store, lk, key, from, how, value, from, how);
};

P.dictSetStr = function (this: VM, dict, name, value, from, how) {
  const store = this.dictStore(dict);
  const lk = strKey(name);
  const entry = store.entries.get(lk);
  if (entry !== undefined) {
    replaceValue(this, dict, store, entry, value, from, how);
    return;
  }
  const key = this.internStr(name, C_TEMP);
  insertNew(this, dict, store, lk, key, C_TEMP, 'move', value, from, how);
};

P.dictSetTake2 = function (this: VM, dict, key, value, from) {
  this.dictSet(dict, key, value, from, 'move');
};

function replaceValue(
  vm: VM,
  dict: ObjectId,
  store: DictStore,
  entry: DictEntry,
  value: ObjectId,
  from: Holder,
  how: 'move' | 'copy',
): void {
  const old = entry.value;
  const slot = entry.slot;
  entry.value = value;
  if (store.ofType !== undefined) vm.typeModified(store.ofType);
  // The new value takes the old one's place (insertdict's old_value), so the dict still
  // releases its references in entry order.
  const at = (store.refBase ?? 0) + 2 * store.order.rank(entry) + 1;
  if (how === 'move') vm.rt.moveToRef(value, from, dict, slot, at);
  else vm.rt.increfRef(value, dict, slot, at);
  vm.rt.decrefRef(old, dict, slot, at + 1);
}

function insertNew(
  vm: VM,
  dict: ObjectId,
  store: DictStore,
  lk: LookupKey,
  key: ObjectId,
  keyFrom: Holder,
  keyHow: 'move' | 'copy',
  value: ObjectId,
  from: Holder,
  how: 'move' | 'copy',
): void {
  if (store.entries.size >= MAX_ITEMS) vm.checkSize(store.entries.size + 1, 'dict');
  const kv = vm.values.get(key);
  const isStr = kv !== undefined && kv.t === 'str';
  const tableBefore = store.table;
  const unicodeBefore = store.unicode;
  // Growth (OBJ-11): a table with no usable entry left, or a non-str key into a str-keys table.
  if (store.table === 0) store.table = 8;
  else if (store.nentries >= dictUsable(store.table) || (store.unicode && !isStr)) {
    store.table = dictTableSize(3 * store.entries.size);
    store.nentries = store.entries.size;
  }
  if (!isStr) store.unicode = false;
  const slot = valueSlot(vm, key);
  let entryKey = lk;
  let bucket: DictEntry[] | undefined;
  if (isCustom(lk)) {
    // A key compared with __eq__: its own entry text; found through the bucket of its hash.
    entryKey = `${lk}#${key}`;
    store.buckets ??= new Map();
    bucket = store.buckets.get(lk);
    if (bucket === undefined) store.buckets.set(lk, (bucket = []));
  }
  const entry: DictEntry = { key, value, hash: 0n, n: 0, slot };
  if (store.ofType !== undefined) vm.typeModified(store.ofType);
  store.order.add(entry, store.entries);
  store.entries.set(entryKey, entry);
  if (bucket !== undefined) {
    bucket.push(entry);
    store.compared += 1;
  }
  store.nentries += 1;
  store.version += 1;
  // The entry's references go after the entries before it (and before what a subtype
  // holds after its entries).
  const at = store.refBase === undefined ? undefined : store.refBase + 2 * store.order.rank(entry);
  if (keyHow === 'move') vm.rt.moveToRef(key, keyFrom, dict, 'key', at);
  else vm.rt.increfRef(key, dict, 'key', at);
  const vat = at === undefined ? undefined : at + 1;
  if (how === 'move') vm.rt.moveToRef(value, from, dict, slot, vat);
  else vm.rt.increfRef(value, dict, slot, vat);
  if (store.table !== tableBefore || store.unicode !== unicodeBefore) setDictTable(vm, dict, store);
  // GC-T4: an untracked dict becomes tracked when it gains something that may be tracked.
  if (vm.rt.object(dict).gen < 0 && (vm.mayBeTracked(key) || vm.mayBeTracked(value))) vm.rt.track(dict);
}

P.dictRefreshSize = function (this: VM, dict) {
  setDictTable(this, dict, this.dictStore(dict));
};

/** A dict's keys table changed size or kind: getsizeof and the keys block follow. */
function setDictTable(vm: VM, dict: ObjectId, store: DictStore): void {
  vm.rt.resize(dict, dictSize(store.table, store.unicode) + (store.extraSize ?? 0));
  vm.rt.setBuffer(dict, 'keys', store.table === 0 ? 0 : dictKeysSize(store.table, store.unicode));
}

/** The entry text under which `entry` is filed (its lookup key, or its own text for a compared key). */
function entryText(store: DictStore, entry: DictEntry, lk: LookupKey): LookupKey {
  return isCustom(lk) ? `${lk}#${entry.key}` : lk;
}

function deleteEntry(vm: VM, dict: ObjectId, store: DictStore, entry: DictEntry, lk: LookupKey): void {
  const at = (store.refBase ?? 0) + 2 * store.order.rank(entry);
  if (store.ofType !== undefined) vm.typeModified(store.ofType);
  store.entries.delete(entryText(store, entry, lk));
  if (isCustom(lk)) {
    const bucket = store.buckets?.get(lk);
    if (bucket !== undefined) {
      const i = bucket.indexOf(entry);
      if (i >= 0) {
        bucket.splice(i, 1);
        store.compared -= 1;
      }
      if (bucket.length === 0) store.buckets?.delete(lk);
    }
  }
  store.order.remove(entry);
  store.version += 1;
  const slot = entry.slot;
  // delitem_common: the key, then the value.
  vm.rt.decrefRef(entry.key, dict, 'key', at);
  vm.rt.decrefRef(entry.value, dict, slot, at);
}

P.dictDel = function (this: VM, dict, key) {
  const store = this.dictStore(dict);
  const lk = this.lookupKey(key);
  const entry = findEntry(this, store, key, lk);
  if (entry === undefined) return false;
  deleteEntry(this, dict, store, entry, foundLk);
  return true;
};

P.dictDelStr = function (this: VM, dict, name) {
  const store = this.dictStore(dict);
  const lk = strKey(name);
  const entry = store.entries.get(lk);
  if (entry === undefined) return false;
  deleteEntry(this, dict, store, entry, lk);
  return true;
};

P.dictClear = function (this: VM, dict) {
  const store = this.dictStore(dict);
  const entries = [...store.entries.values()];
  if (store.ofType !== undefined) this.typeModified(store.ofType);
  store.entries.clear();
  store.buckets = undefined;
  store.compared = 0;
  store.order.clear();
  store.table = 0;
  store.nentries = 0;
  store.unicode = true;
  store.version += 1;
  setDictTable(this, dict, store);
  for (const e of entries) {
    const slot = e.slot;
    this.rt.decrefRef(e.key, dict, 'key');
    this.rt.decrefRef(e.value, dict, slot);
  }
};

P.dictFromItems = function (this: VM, items, stride, k0, v0, n, holder) {
  const d = this.newDict(C_TEMP, n);
  try {
    for (let i = 0; i < n; i++) {
      this.dictSet(d, items[k0 + i * stride] as ObjectId, items[v0 + i * stride] as ObjectId, C_TEMP, 'copy');
    }
  } catch (e) {
    this.rt.decref(d, C_TEMP);
    throw e;
  }
  this.rt.move(d, C_TEMP, holder);
  return d;
};

/** PyDict_Update / dict_merge: another dict's entries, a mapping's keys(), or pairs. */
P.dictUpdate = function (this: VM, dict, other, pairs = false) {
  const ov = this.value(other);
  if (ov.t === 'dict' && this.typeValue(ov.type).slots.iter === this.typeValue(this.T.dict).slots.iter) {
    for (const e of [...ov.store.entries.values()]) this.dictSet(dict, e.key, e.value, C_TEMP, 'copy');
    return;
  }
  if (!pairs || this.hasAttr(other, 'keys')) {
    const keys = this.callMethod(other, 'keys', [], C_TEMP);
    try {
      for (const k of this.iterateToArray(keys, C_TEMP)) {
        try {
          const v = this.getItem(other, k, C_TEMP);
          try {
            this.dictSet(dict, k, v, C_TEMP, 'copy');
          } finally {
            this.rt.decref(v, C_TEMP);
          }
        } finally {
          this.rt.decref(k, C_TEMP);
        }
      }
    } finally {
      this.rt.decref(keys, C_TEMP);
    }
    return;
  }
  // An iterable of key/value pairs (dict(seq), d.update(seq)).
  const items = this.iterateToArray(other, C_TEMP, true);
  let i = 0;
  try {
    for (; i < items.length; i++) {
      const item = items[i] as ObjectId;
      let pair: ObjectId[];
      try {
        pair = this.iterateToArray(item, C_TEMP, true);
      } catch (e) {
        if (!this.raised(e, 'TypeError')) throw e;
        this.clearRaise(e);
        throw this.typeError(`cannot convert dictionary update sequence element #${i} to a sequence`);
      }
      try {
        if (pair.length !== 2) {
          throw this.pyErr(
            'ValueError',
            `dictionary update sequence element #${i} has length ${pair.length}; 2 is required`,
          );
        }
        this.dictSet(dict, pair[0] as ObjectId, pair[1] as ObjectId, C_TEMP, 'copy');
      } finally {
        for (const p of pair) this.rt.decref(p, C_TEMP);
      }
    }
  } finally {
    for (const item of items) this.rt.decref(item, C_TEMP);
  }
};

P.dictUpdateForDisplay = function (this: VM, dict, other) {
  const ov = this.value(other);
  if (ov.t !== 'dict' && !this.hasAttr(other, 'keys')) {
    throw this.typeError(`'${this.typeName(other)}' object is not a mapping`);
  }
  this.dictUpdate(dict, other);
};

P.dictMergeForCall = function (this: VM, dict, other, func) {
  const ov = this.value(other);
  if (ov.t !== 'dict' && !this.hasAttr(other, 'keys')) {
    throw this.typeError(
      `${this.funcDescription(func)} argument after ** must be a mapping, not ${this.typeName(other)}`,
    );
  }
  const keys = ov.t === 'dict' ? this.dictEntries(other).map((e) => e.key) : undefined;
  if (keys !== undefined) {
    for (const k of keys) {
      if (this.value(k).t !== 'str') throw this.typeError(`${this.funcDescription(func)} keywords must be strings`);
      if (this.dictGet(dict, k) !== undefined) {
        throw this.typeError(
          `${this.funcDescription(func)} got multiple values for keyword argument '${this.as(k, 'str').v}'`,
        );
      }
      this.dictSet(dict, k, this.dictGet(other, k) as ObjectId, C_TEMP, 'copy');
    }
    return;
  }
  this.dictUpdate(dict, other);
};
