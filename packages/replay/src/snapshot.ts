/*
 * Snapshots: frozen states that share what did not change
 * =======================================================
 * The timeline (timeline.ts) keeps a checkpoint every K events. Each is an immutable
 * snapshot of a HeapState: deeply frozen, and sharing every part (a heap object, a
 * frame, the GC configuration) that is equal to the same part of the snapshot before
 * it, as Immer's produce would, so that a long run's checkpoints cost little more than
 * what changed between them. The timeline never writes a snapshot: it restores its one
 * working state from one in place (`restore`), or copies one (`thaw`).
 *
 * Read first: share(), then restore().
 *
 * All of it walks plain data generically (objects, arrays, primitives), so fields that
 * core adds to HeapState are handled without a change here. Prototypes are kept (a
 * null-prototype map, like a frame's variables, stays one) and an own `__proto__` key
 * stays an own key. Two shapes of data get a faster path, because a heap has thousands
 * of them:
 *
 * - tables keyed by integers (the heap's object table, TABLE_MIN keys or more) are
 *   stored in a snapshot as a `SnapshotTable`: the keys in a Float64Array, the values in
 *   a frozen array. Far smaller than a JavaScript object keyed by thousands of sparse
 *   integers (V8 keeps those as hash tables), and read by position rather than by key.
 *   `materialize` turns a snapshot back into plain HeapState data.
 * - heap objects (exactly core's HeapObject fields) are compared and copied field by
 *   field by name (`restoreFast`, `equalFast`, `copyFast`), which V8 runs far faster
 *   than the generic walk's computed keys. Any other shape takes the generic path.
 *
 * Invariants (timeline.test.ts): materialize(share(s, p)) deep-equals s; share's result is
 * frozen all the way down and reuses p's own part wherever it is deep-equal to s's;
 * thaw(x) deep-equals x, shares nothing with it and is not frozen; after restore(w, s),
 * w deep-equals materialize(s) and shares nothing with s.
 */
import { forgetRefIndex, type RefSlot } from '@pymemsim/core';

import type { IdSet } from './liveIndex.js';

/** Deeper than any state; keeps the walk far from the stack limit. */
const MAX_DEPTH = 64;
/** Integer-keyed objects with at least this many keys are stored as SnapshotTables. */
const TABLE_MIN = 64;
/** Heap objects removed from a working state by restore, to be reused by the next ones it adds. */
const SPARE: FastObject[] = [];
const MAX_SPARE = 1 << 15;

/** An integer-keyed table as a snapshot holds it: ascending keys and their (shared, frozen) values. */
export class SnapshotTable {
  constructor(
    readonly ids: Float64Array,
    readonly values: readonly unknown[],
    /** The object it stands for has no prototype. */
    readonly nullProto: boolean,
    /** Every value is a heap object of exactly core's fields (the fast path applies). */
    readonly allFast: boolean,
  ) {
    Object.freeze(this);
  }
}

// ---------------------------------------------------------------------------------
// share

/** A deeply frozen copy of `current`, reusing every part of `previous` deep-equal to it. */
export function share<T>(current: T, previous: T | undefined): T {
  return shareValue(current, previous, 0) as T;
}

function shareValue(cur: unknown, prev: unknown, depth: number): unknown {
  if (typeof cur !== 'object' || cur === null) return cur;
  if (depth > MAX_DEPTH) throw new RangeError(`cannot snapshot values nested more than ${MAX_DEPTH} deep`);
  if (cur instanceof SnapshotTable) return cur;
  if (Array.isArray(cur)) return shareArray(cur, prev, depth);
  const c = cur as Record<string, unknown>;
  if (isFastObject(c)) {
    if (typeof prev === 'object' && prev !== null && isFastObject(prev as Record<string, unknown>)) {
      if (equalFast(c as FastObject, prev as FastObject)) return prev;
    }
    return freezeFast(c as FastObject);
  }
  const table = shareTable(c, prev, depth);
  if (table !== undefined) return table;
  const proto: unknown = Object.getPrototypeOf(c);
  const p =
    typeof prev === 'object' &&
    prev !== null &&
    !Array.isArray(prev) &&
    !(prev instanceof SnapshotTable) &&
    Object.getPrototypeOf(prev) === proto
      ? (prev as Record<string, unknown>)
      : undefined;
  let out: Record<string, unknown> | undefined;
  let same = p !== undefined;
  let count = 0;
  for (const key in c) {
    count += 1;
    const v = c[key];
    const has = p !== undefined && Object.hasOwn(p, key);
    const pv = has ? p[key] : undefined;
    if (typeof v !== 'object' || v === null) {
      if (same && (!has || !Object.is(v, pv))) same = false;
      continue;
    }
    const s = shareValue(v, pv, depth + 1);
    if (s !== v) {
      out ??= copyObject(c, proto);
      out[key] = s; // an own property of the copy: no setter runs, even for `__proto__`
    }
    if (same && (!has || s !== pv)) same = false;
  }
  if (same && p !== undefined && Object.keys(p).length === count) return p;
  return Object.freeze(out ?? copyObject(c, proto));
}

function shareArray(cur: readonly unknown[], prev: unknown, depth: number): unknown {
  const p = Array.isArray(prev) && prev.length === cur.length ? (prev as unknown[]) : undefined;
  let out: unknown[] | undefined;
  let same = p !== undefined;
  for (let i = 0; i < cur.length; i++) {
    const v: unknown = cur[i];
    if (typeof v !== 'object' || v === null) {
      if (same && !Object.is(v, p?.[i])) same = false;
      continue;
    }
    const s = shareValue(v, p?.[i], depth + 1);
    if (s !== v) {
      out ??= cur.slice();
      out[i] = s;
    }
    if (same && s !== p?.[i]) same = false;
  }
  if (same) return p;
  return Object.freeze(out ?? cur.slice());
}

/**
 * `c` as a SnapshotTable when it is an integer-keyed table of TABLE_MIN keys or more
 * (V8 lists integer keys in ascending order), sharing values with `prev`, a
 * SnapshotTable or a table of plain data. Undefined for any other object.
 */
function shareTable(c: Record<string, unknown>, prev: unknown, depth: number): SnapshotTable | undefined {
  let n = 0;
  for (const key in c) {
    if (n === 0 && !isIndex(key)) return undefined;
    n += 1;
  }
  if (n < TABLE_MIN) return undefined;
  const ids = new Float64Array(n);
  const values = new Array<unknown>(n);
  const pt = prev instanceof SnapshotTable ? prev : undefined;
  const po =
    pt === undefined && typeof prev === 'object' && prev !== null ? (prev as Record<string, unknown>) : undefined;
  let j = 0;
  let i = 0;
  let last = -1;
  let allFast = true;
  let same = pt !== undefined && pt.ids.length === n;
  for (const key in c) {
    const id = Number(key);
    if (!isIndex(key) || !(id > last)) return undefined; // not a table after all
    last = id;
    let pv: unknown;
    if (pt !== undefined) {
      while (j < pt.ids.length && (pt.ids[j] as number) < id) j += 1;
      pv = j < pt.ids.length && pt.ids[j] === id ? pt.values[j] : undefined;
    } else if (po !== undefined && Object.hasOwn(po, key)) {
      pv = po[key];
    }
    const v = c[key];
    const sv = typeof v === 'object' && v !== null ? shareValue(v, pv, depth + 1) : v;
    ids[i] = id;
    values[i] = sv;
    if (allFast && !(typeof sv === 'object' && sv !== null && FAST_FROZEN.has(sv))) allFast = false;
    if (same && (sv !== pv || pt?.ids[i] !== id)) same = false;
    i += 1;
  }
  if (same && pt !== undefined) return pt;
  return new SnapshotTable(ids, Object.freeze(values), Object.getPrototypeOf(c) === null, allFast);
}

/**
 * What `share` makes of an id table holding `ids` (ascending, each a slot of `table`
 * holding a value), without listing the table's keys: a SnapshotTable sharing values with
 * `prev` (a SnapshotTable or plain data) when there are TABLE_MIN ids or more, else a
 * plain object of those entries for share to take as it is. For a table that keeps
 * freed slots (a heap state's), whose keys cost a string each to list.
 */
export function shareIdTable(table: Record<number, unknown>, ids: readonly number[], prev: unknown): unknown {
  const n = ids.length;
  if (n < TABLE_MIN) {
    const out = (Object.getPrototypeOf(table) === null ? Object.create(null) : {}) as Record<number, unknown>;
    for (const id of ids) out[id] = table[id];
    return out;
  }
  const pt = prev instanceof SnapshotTable ? prev : undefined;
  const po =
    pt === undefined && typeof prev === 'object' && prev !== null ? (prev as Record<number, unknown>) : undefined;
  const keys = new Float64Array(n);
  const values = new Array<unknown>(n);
  let allFast = true;
  let same = pt !== undefined && pt.ids.length === n;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    let pv: unknown;
    if (pt !== undefined) {
      while (j < pt.ids.length && (pt.ids[j] as number) < id) j += 1;
      pv = j < pt.ids.length && pt.ids[j] === id ? pt.values[j] : undefined;
    } else if (po !== undefined && Object.hasOwn(po, id)) {
      pv = po[id];
    }
    const v = table[id];
    const sv = typeof v === 'object' && v !== null ? shareValue(v, pv, 1) : v;
    keys[i] = id;
    values[i] = sv;
    if (allFast && !(typeof sv === 'object' && sv !== null && FAST_FROZEN.has(sv))) allFast = false;
    if (same && (sv !== pv || pt?.ids[i] !== id)) same = false;
  }
  if (same && pt !== undefined) return pt;
  return new SnapshotTable(keys, Object.freeze(values), Object.getPrototypeOf(table) === null, allFast);
}

const isIndex = (key: string): boolean => {
  const n = Number(key);
  return Number.isSafeInteger(n) && n >= 0 && String(n) === key;
};

/**
 * A shallow copy with the same prototype, own `__proto__` keys included. Built key by
 * key: copies of objects with the same keys then share one V8 hidden class (a spread
 * copy of a frozen object gets a class of its own, and code reading many such objects,
 * like the fold, slows down).
 */
function copyObject(o: Record<string, unknown>, proto: unknown): Record<string, unknown> {
  const out = (proto === null ? Object.create(null) : {}) as Record<string, unknown>;
  for (const key in o) defineOwn(out, key, o[key]);
  return out;
}

function defineOwn(o: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
  } else {
    o[key] = v;
  }
}

// ---------------------------------------------------------------------------------
// thaw, materialize, deepFreeze

/** A plain, mutable deep copy of `snapshot` (any plain data, or a snapshot made by share). */
export function thaw<T>(snapshot: T): T {
  return thawValue(snapshot, 0) as T;
}

function thawValue(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth > MAX_DEPTH) throw new RangeError(`cannot copy values nested more than ${MAX_DEPTH} deep`);
  if (v instanceof SnapshotTable) return tableObject(v, (x) => thawValue(x, depth + 1));
  if (Array.isArray(v)) {
    const out = v.slice() as unknown[];
    for (let i = 0; i < out.length; i++) {
      const item = out[i];
      if (typeof item === 'object' && item !== null) out[i] = thawValue(item, depth + 1);
    }
    return out;
  }
  const o = v as Record<string, unknown>;
  if (isFastObject(o)) return copyFast(o as FastObject);
  const out = copyObject(o, Object.getPrototypeOf(o));
  for (const key in out) {
    const item = out[key];
    // An own property of the copy: assigning it runs no setter, even for `__proto__`.
    if (typeof item === 'object' && item !== null) out[key] = thawValue(item, depth + 1);
  }
  return out;
}

/** The object a SnapshotTable stands for, its values mapped by `each`. */
function tableObject(t: SnapshotTable, each: (v: unknown) => unknown): Record<number, unknown> {
  const out = (t.nullProto ? Object.create(null) : {}) as Record<number, unknown>;
  for (let i = 0; i < t.ids.length; i++) out[t.ids[i] as number] = each(t.values[i]);
  return out;
}

/**
 * A snapshot made by share as plain, frozen HeapState data (its SnapshotTables turned
 * back into objects; everything else shared as it is).
 */
export function materialize<T>(snapshot: T): T {
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    if (depth > MAX_DEPTH) throw new RangeError(`cannot copy values nested more than ${MAX_DEPTH} deep`);
    if (v instanceof SnapshotTable) return Object.freeze(tableObject(v, (x) => walk(x, depth + 1)));
    if (Array.isArray(v)) {
      const items = v.map((x: unknown) => walk(x, depth + 1));
      return items.every((x, i) => x === v[i]) ? v : Object.freeze(items);
    }
    const o = v as Record<string, unknown>;
    if (FAST_FROZEN.has(o)) return o;
    let out: Record<string, unknown> | undefined;
    for (const key in o) {
      const item = o[key];
      const m = walk(item, depth + 1);
      if (m !== item) {
        out ??= copyObject(o, Object.getPrototypeOf(o));
        out[key] = m;
      }
    }
    return out === undefined ? o : Object.freeze(out);
  };
  return walk(snapshot, 0) as T;
}

/** Freeze `value` and everything in it, in place (for data nobody else holds). */
export function deepFreeze<T>(value: T): T {
  const walk = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
    if (depth > MAX_DEPTH) throw new RangeError(`cannot freeze values nested more than ${MAX_DEPTH} deep`);
    Object.freeze(v);
    if (Array.isArray(v)) for (const item of v as unknown[]) walk(item, depth + 1);
    else for (const key of Object.keys(v)) walk((v as Record<string, unknown>)[key], depth + 1);
  };
  walk(value, 0);
  return value;
}

// ---------------------------------------------------------------------------------
// restore

/**
 * Make `target` (plain, mutable, owned by the caller) deep-equal to `source` (plain data
 * or a snapshot made by share) in place: values that differ are written, keys that
 * `source` lacks are deleted, containers are reused where both sides have one of the
 * same kind, and what is new is copied (thaw). Nothing of `source` ends up in `target`,
 * and `source` is only read. Restoring a working state to a checkpoint this way writes
 * only what differs and allocates only for what is new: far cheaper than a copy of a
 * large heap.
 */
export function restore<T extends object>(target: T, source: T, live?: ReadonlyMap<object, IdSet>): T {
  const t = target as Record<string, unknown>;
  // A heap state's id tables keep freed slots (core's HeapState.objects): their ids run
  // 1..allocated (1..framesEntered), read by index, never by listing keys. With `live`
  // (a LiveIndex's sets, liveIndex.ts) only the ids a set lists are visited, and each
  // set is left listing what its table holds after the restore.
  TABLE_BOUNDS.clear();
  LIVE_SETS.clear();
  for (const [table, bound] of [
    ['objects', 'allocated'],
    ['frames', 'framesEntered'],
  ] as const) {
    const tv = t[table];
    const n = t[bound];
    if (typeof tv === 'object' && tv !== null && typeof n === 'number') TABLE_BOUNDS.set(tv, n);
  }
  if (live !== undefined) for (const [table, set] of live) LIVE_SETS.set(table, set);
  try {
    restoreObject(t, source as Record<string, unknown>, 0);
  } finally {
    TABLE_BOUNDS.clear();
    LIVE_SETS.clear();
  }
  return target;
}

/** The id tables of the state being restored, with the highest id they can hold. */
const TABLE_BOUNDS = new Map<object, number>();
/** The id tables of the state being restored whose live ids a set lists. */
const LIVE_SETS = new Map<object, IdSet>();

/**
 * Before ids up to `top` are written into `t` (an id table `set` describes): give every
 * id from the set's `filled` up to `top` a slot, in ascending order, so that V8 keeps
 * the table's fast elements (a write far past the last slot turns them into a hash table).
 */
function fillSlots(t: Record<number, unknown>, set: IdSet, top: number): void {
  for (let id = set.filled + 1; id <= top; id++) if (!Object.hasOwn(t, id)) t[id] = undefined;
  if (top > set.filled) set.filled = top;
}

/** Restore `t[key]` (or `t[index]`) to `sv`, in place where possible. */
function restoreSlot(t: Record<string | number, unknown>, key: string | number, sv: unknown, depth: number): void {
  const own = Object.hasOwn(t, key);
  const tv = own ? t[key] : undefined;
  if (typeof sv !== 'object' || sv === null) {
    if (!own) defineOwn(t, String(key), sv);
    else if (!Object.is(tv, sv)) t[key] = sv; // an own property: no setter runs
    return;
  }
  if (own && typeof tv === 'object' && tv !== null) {
    if (sv instanceof SnapshotTable) {
      if (!Array.isArray(tv) && Object.getPrototypeOf(tv) === (sv.nullProto ? null : Object.prototype)) {
        restoreTable(tv as Record<number, unknown>, sv, depth + 1);
        return;
      }
    } else if (Array.isArray(sv)) {
      if (Array.isArray(tv)) {
        restoreArray(tv as unknown[], sv as unknown[], depth + 1);
        return;
      }
    } else if (!Array.isArray(tv) && Object.getPrototypeOf(tv) === Object.getPrototypeOf(sv)) {
      const svo = sv as Record<string, unknown>;
      const tvo = tv as Record<string, unknown>;
      const set = LIVE_SETS.get(tvo);
      const bound = TABLE_BOUNDS.get(tvo);
      if (set !== undefined) restoreLiveTable(tvo, svo, set, depth + 1);
      else if (bound !== undefined) restoreIdTable(tvo, svo, bound, depth + 1);
      else if (isFastObject(svo) && isFastObject(tvo)) restoreFast(tvo as FastObject, svo as FastObject);
      else restoreObject(tvo, svo, depth + 1);
      return;
    }
  }
  const copy = thawValue(sv, depth + 1);
  if (own) t[key] = copy;
  else defineOwn(t, String(key), copy);
}

function restoreObject(t: Record<string, unknown>, s: Record<string, unknown>, depth: number): void {
  if (depth > MAX_DEPTH) throw new RangeError(`cannot restore values nested more than ${MAX_DEPTH} deep`);
  let count = 0;
  for (const key in s) {
    count += 1;
    restoreSlot(t, key, s[key], depth);
  }
  // Keys of the target that the source lacks (counting first: most restores have none).
  let tcount = 0;
  for (const _key in t) {
    tcount += 1;
    if (tcount > count) break;
  }
  if (tcount > count) {
    for (const key of Object.keys(t)) if (!Object.hasOwn(s, key)) delete t[key];
  }
}

/** restore for a heap state's id table kept as a plain object (few entries): freed slots by index. */
function restoreIdTable(t: Record<string, unknown>, s: Record<string, unknown>, bound: number, depth: number): void {
  for (let id = 1; id <= bound; id++) {
    if (t[id] !== undefined && !Object.hasOwn(s, id)) t[id] = undefined;
  }
  for (const key in s) restoreSlot(t, key, s[key], depth);
}

/** restore for an id table a live set describes, from a plain object (few entries): only the set's ids are visited. */
function restoreLiveTable(t: Record<string, unknown>, s: Record<string, unknown>, set: IdSet, depth: number): void {
  for (const id of set.ids()) {
    if (t[id] !== undefined && !Object.hasOwn(s, id)) t[id] = undefined;
  }
  const ids: number[] = [];
  for (const key in s) {
    const id = Number(key);
    ids.push(id);
  }
  if (ids.length > 0) fillSlots(t, set, Math.max(...ids));
  for (const key in s) restoreSlot(t, key, s[key], depth);
  if (!set.reset(ids.filter((id) => t[id] !== undefined))) LIVE_SETS.delete(t);
}

function restoreArray(t: unknown[], s: readonly unknown[], depth: number): void {
  if (t.length > s.length) t.length = s.length;
  for (let i = 0; i < s.length; i++) {
    const sv = s[i];
    if (i >= t.length) t.push(typeof sv === 'object' && sv !== null ? thawValue(sv, depth + 1) : sv);
    else if (typeof sv !== 'object' || sv === null) {
      if (!Object.is(t[i], sv)) t[i] = sv;
    } else restoreSlot(t as unknown as Record<number, unknown>, i, sv, depth);
  }
  forgetRefIndex(t as RefSlot[]); // written in place: if it is a reference list, its position index goes
}

/**
 * A heap object leaving the working state is kept to be rewritten into the next one
 * that arrives: a far restore then allocates (and the GC collects) little.
 */
function keepSpare(gone: unknown, allFast: boolean): void {
  if (allFast && SPARE.length < MAX_SPARE && typeof gone === 'object' && gone !== null) {
    if (isFastObject(gone as Record<string, unknown>)) SPARE.push(gone as FastObject);
  }
}

/**
 * restore for a SnapshotTable: first the keys the table lacks are deleted (one pass over
 * both key lists, each ascending: V8 lists integer keys that way), then each entry is
 * restored in place or copied, reached by number (no key strings).
 */
function restoreTable(t: Record<number, unknown>, s: SnapshotTable, depth: number): void {
  const { ids, values, allFast } = s;
  const set = LIVE_SETS.get(t);
  const bound = TABLE_BOUNDS.get(t);
  if (set !== undefined) {
    // Entries the snapshot lacks become freed slots: the set's ids and the snapshot's,
    // both ascending, walked side by side.
    let j = 0;
    for (const id of set.ids()) {
      while (j < ids.length && (ids[j] as number) < id) j += 1;
      if (j < ids.length && ids[j] === id) continue;
      const tv = t[id];
      if (tv === undefined) continue;
      t[id] = undefined;
      keepSpare(tv, allFast);
    }
    if (ids.length > 0) fillSlots(t, set, ids[ids.length - 1] as number);
  } else if (bound !== undefined) {
    // An id table of a heap state: entries the snapshot lacks become freed slots (set to
    // undefined, not deleted, as applyEvent does), found by index.
    let j = 0;
    for (let id = 1; id <= bound; id++) {
      const tv = t[id];
      if (tv === undefined) continue;
      while (j < ids.length && (ids[j] as number) < id) j += 1;
      if (j < ids.length && ids[j] === id) continue;
      t[id] = undefined;
      keepSpare(tv, allFast);
    }
  } else {
    let j = 0;
    let last = -1;
    for (const key in t) {
      const id = Number(key);
      if (!(id > last)) {
        // Not in ascending order after all: a lookup per key.
        const wanted = new Set(ids);
        for (const k of Object.keys(t)) if (!wanted.has(Number(k))) delete t[k as unknown as number];
        break;
      }
      last = id;
      while (j < ids.length && (ids[j] as number) < id) j += 1;
      if (j >= ids.length || ids[j] !== id) {
        const gone = t[id];
        delete t[id];
        keepSpare(gone, allFast);
      }
    }
  }
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    const sv = values[i];
    if (allFast) {
      const tv = t[id];
      if (typeof tv === 'object' && tv !== null && isFastObject(tv as Record<string, unknown>)) {
        restoreFast(tv as FastObject, sv as FastObject);
      } else {
        const spare = SPARE.pop();
        if (spare === undefined) t[id] = copyFast(sv as FastObject);
        else {
          restoreFast(spare, sv as FastObject);
          t[id] = spare;
        }
      }
    } else {
      restoreSlot(t, id, sv, depth);
    }
  }
  if (set !== undefined && !set.reset(ids)) LIVE_SETS.delete(t);
}

// ---------------------------------------------------------------------------------
// The fast path for heap objects
//
// A heap holds thousands of objects of one shape (core's HeapObject); the generic walks
// above reach their fields by computed keys, which V8 serves slowly. When an object has
// exactly the fields below (checked, so a field core adds takes the generic path until
// it is listed), these functions name each field, comparing and copying at full speed.

/** core's HeapObject fields (state.ts), in its order. */
const HEAP_OBJECT_FIELDS = [
  'id',
  'pyType',
  'kind',
  'size',
  'alloc',
  'addr',
  'base',
  'refcount',
  'refs',
  'gcType',
  'gen',
  'gcPrev',
  'gcNext',
  'finalized',
  'dying',
  'repr',
] as const;

type FastObject = {
  id: unknown;
  pyType: unknown;
  kind: unknown;
  size: unknown;
  alloc: unknown;
  addr: unknown;
  base: unknown;
  refcount: unknown;
  refs: { slot: unknown; to: unknown }[];
  gcType: unknown;
  gen: unknown;
  gcPrev: unknown;
  gcNext: unknown;
  finalized: unknown;
  dying: unknown;
  repr: unknown;
};

/**
 * Objects already found to have exactly the heap-object shape: snapshot objects (frozen:
 * they never change) and working-state objects (applyEvent writes their fields but adds
 * none; timeline.test.ts would see a state that differs from the fold if that changed).
 */
const FAST_FROZEN = new WeakSet<object>();

/** `o` has exactly the heap-object fields, primitives but for `refs`, an array of `{ slot, to }`. */
function isFastObject(o: Record<string, unknown>): boolean {
  if (FAST_FROZEN.has(o)) return true;
  if (typeof o['refcount'] !== 'number' || !Array.isArray(o['refs'])) return false;
  if (Object.getPrototypeOf(o) !== Object.prototype) return false;
  let n = 0;
  for (const key in o) {
    n += 1;
    if (key !== 'refs' && typeof o[key] === 'object' && o[key] !== null) return false;
  }
  if (n !== HEAP_OBJECT_FIELDS.length) return false;
  for (const key of HEAP_OBJECT_FIELDS) if (!Object.hasOwn(o, key)) return false;
  for (const r of o['refs'] as unknown[]) {
    if (typeof r !== 'object' || r === null || Object.getPrototypeOf(r) !== Object.prototype) return false;
    const ref = r as Record<string, unknown>;
    let k = 0;
    for (const key in ref) {
      k += 1;
      if (key !== 'slot' && key !== 'to') return false;
    }
    if (k !== 2 || typeof ref['slot'] === 'object' || typeof ref['to'] === 'object') return false;
  }
  FAST_FROZEN.add(o);
  return true;
}

/** Make `t` equal to `s` (both fast objects), field by field. */
function restoreFast(t: FastObject, s: FastObject): void {
  if (t.id !== s.id) t.id = s.id;
  if (t.pyType !== s.pyType) t.pyType = s.pyType;
  if (t.kind !== s.kind) t.kind = s.kind;
  if (t.size !== s.size) t.size = s.size;
  if (t.alloc !== s.alloc) t.alloc = s.alloc;
  if (t.addr !== s.addr) t.addr = s.addr;
  if (t.base !== s.base) t.base = s.base;
  if (t.refcount !== s.refcount) t.refcount = s.refcount;
  if (t.gcType !== s.gcType) t.gcType = s.gcType;
  if (t.gen !== s.gen) t.gen = s.gen;
  if (t.gcPrev !== s.gcPrev) t.gcPrev = s.gcPrev;
  if (t.gcNext !== s.gcNext) t.gcNext = s.gcNext;
  if (t.finalized !== s.finalized) t.finalized = s.finalized;
  if (t.dying !== s.dying) t.dying = s.dying;
  if (t.repr !== s.repr) t.repr = s.repr;
  // The working list may have empty slots (a long list's dropped references: core's
  // refList.ts); the snapshot's has none. Written in place, so its position index goes.
  const tr = t.refs as ({ slot: unknown; to: unknown } | undefined)[];
  const sr = s.refs;
  if (tr.length > sr.length) tr.length = sr.length;
  for (let i = 0; i < sr.length; i++) {
    const b = sr[i] as { slot: unknown; to: unknown };
    const a = tr[i];
    if (a === undefined) tr[i] = { slot: b.slot, to: b.to };
    else {
      if (a.slot !== b.slot) a.slot = b.slot;
      if (a.to !== b.to) a.to = b.to;
    }
  }
  forgetRefIndex(tr as RefSlot[]);
}

/**
 * A fast object's copy (mutable, sharing nothing). Written as one object literal, so
 * that every copy has the same V8 hidden class and field access stays monomorphic (a
 * spread copy of a frozen object gets a hidden class of its own).
 */
function copyFast(s: FastObject): FastObject {
  const out = fastLiteral(
    s,
    s.refs.map((r) => ({ slot: r.slot, to: r.to })),
  );
  FAST_FROZEN.add(out);
  return out;
}

function fastLiteral(s: FastObject, refs: FastObject['refs']): FastObject {
  return {
    id: s.id,
    pyType: s.pyType,
    kind: s.kind,
    size: s.size,
    alloc: s.alloc,
    addr: s.addr,
    base: s.base,
    refcount: s.refcount,
    refs,
    gcType: s.gcType,
    gen: s.gen,
    gcPrev: s.gcPrev,
    gcNext: s.gcNext,
    finalized: s.finalized,
    dying: s.dying,
    repr: s.repr,
  };
}

/** `c` (a fast object) equals `p` (a fast object), field by field. */
function equalFast(c: FastObject, p: FastObject): boolean {
  if (
    c.id !== p.id ||
    c.refcount !== p.refcount ||
    c.gen !== p.gen ||
    c.gcPrev !== p.gcPrev ||
    c.gcNext !== p.gcNext ||
    c.size !== p.size ||
    c.repr !== p.repr ||
    c.dying !== p.dying ||
    c.finalized !== p.finalized ||
    c.pyType !== p.pyType ||
    c.kind !== p.kind ||
    c.alloc !== p.alloc ||
    c.addr !== p.addr ||
    c.base !== p.base ||
    c.gcType !== p.gcType
  ) {
    return false;
  }
  const cr = c.refs;
  const pr = p.refs;
  if (cr.length !== pr.length) return false;
  for (let i = 0; i < cr.length; i++) {
    const a = cr[i] as { slot: unknown; to: unknown };
    const b = pr[i] as { slot: unknown; to: unknown };
    if (a.to !== b.to || a.slot !== b.slot) return false;
  }
  return true;
}

/** A frozen copy of a fast object. */
function freezeFast(c: FastObject): FastObject {
  const refs = Object.freeze(c.refs.map((r) => Object.freeze({ slot: r.slot, to: r.to })));
  const out = Object.freeze(fastLiteral(c, refs as FastObject['refs']));
  FAST_FROZEN.add(out);
  return out;
}
