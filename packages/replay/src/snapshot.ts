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
 *   stored in a snapshot as a `SnapshotTable`: blocks of TABLE_BLOCK consecutive ids,
 *   each its keys in a Float64Array and its values in a frozen array. Far smaller than a
 *   JavaScript object keyed by thousands of sparse integers (V8 keeps those as hash
 *   tables), read by position rather than by key, and shared block by block: a block
 *   where nothing changed is the previous snapshot's. `materialize` turns a snapshot
 *   back into plain HeapState data.
 * - a working state that knows which of its objects were written since it equalled a
 *   snapshot (the timeline's, through core's watchObjectWrites: liveIndex.ts) is
 *   snapshotted and restored by visiting only those (`shareDirtyTable`,
 *   `restoreDirtyTable`): a checkpoint of a heap of a million objects costs what changed
 *   since the last one, not a million comparisons. `restoreDirtyTable` does not copy:
 *   the working table's slots point at the snapshot's frozen values, and core copies
 *   such a value before it writes it (evolve.ts's `writable`, memory.ts's buffer
 *   records), so a far restore costs one store per entry that differs.
 * - heap objects (exactly core's HeapObject fields) are compared and copied field by
 *   field by name (`restoreFast`, `equalFast`, `copyFast`), which V8 runs far faster
 *   than the generic walk's computed keys. Any other shape takes the generic path.
 *
 * Invariants (timeline.test.ts): materialize(share(s, p)) deep-equals s; share's result is
 * frozen all the way down and reuses p's own part wherever it is deep-equal to s's;
 * thaw(x) deep-equals x, shares nothing with it and is not frozen; after restore(w, s),
 * w deep-equals materialize(s) and shares nothing with s (restoreDirtyTable's tables
 * excepted: they share the snapshot's frozen entries).
 */
import { forgetRefIndex, type RefSlot } from '@pymemsim/core';

import type { IdSet } from './liveIndex.js';

/** Deeper than any state; keeps the walk far from the stack limit. */
const MAX_DEPTH = 64;
/** Integer-keyed objects with at least this many keys are stored as SnapshotTables. */
const TABLE_MIN = 64;
/** Heap objects removed from a working state by restore, to be reused by the next ones it adds. */
const SPARE: FastObject[] = [];
const MAX_SPARE = 1 << 17;

/** Ids per block of a SnapshotTable (a power of two, a multiple of 32). */
export const TABLE_BLOCK = 256;

/** The block key of an id: ids k * TABLE_BLOCK to (k + 1) * TABLE_BLOCK - 1 share one block. */
const blockKey = (id: number): number => Math.floor(id / TABLE_BLOCK);

/** The position of `key` in `sorted` (ascending), or -1. */
function indexOf(sorted: Float64Array, key: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = sorted[mid] as number;
    if (m === key) return mid;
    if (m < key) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** One block of a SnapshotTable: ascending ids of one block key, and their (shared, frozen) values. */
export class TableBlock {
  constructor(
    readonly ids: Float64Array,
    readonly values: readonly unknown[],
    /** Every value is a heap object of exactly core's fields (the fast path applies). */
    readonly allFast: boolean,
    /**
     * Every value is a frozen object: a restore points a working table's slots at them
     * without looking at each (reading every object's shape cost a random seek's
     * restore a cache miss per object it wrote).
     */
    readonly allFrozen: boolean,
  ) {
    Object.freeze(this);
  }

  /** The value of `id`, or undefined. */
  get(id: number): unknown {
    const i = indexOf(this.ids, id);
    return i < 0 ? undefined : this.values[i];
  }
}

/** An integer-keyed table as a snapshot holds it: its non-empty blocks, by ascending key. */
export class SnapshotTable {
  /** Entries in all blocks. */
  readonly size: number;
  /** Every value is a heap object of exactly core's fields. */
  readonly allFast: boolean;

  constructor(
    /** The blocks' keys (id / TABLE_BLOCK, rounded down), ascending. */
    readonly keys: Float64Array,
    readonly blocks: readonly TableBlock[],
    /** The object it stands for has no prototype. */
    readonly nullProto: boolean,
  ) {
    let size = 0;
    let allFast = true;
    for (const b of blocks) {
      size += b.ids.length;
      if (!b.allFast) allFast = false;
    }
    this.size = size;
    this.allFast = allFast;
    Object.freeze(this.blocks);
    Object.freeze(this);
  }

  /** The block of key `key`, or undefined. */
  block(key: number): TableBlock | undefined {
    const i = indexOf(this.keys, key);
    return i < 0 ? undefined : this.blocks[i];
  }

  /** The value of `id`, or undefined. */
  get(id: number): unknown {
    return this.block(blockKey(id))?.get(id);
  }

  /** Every entry, by ascending id. */
  forEach(each: (id: number, value: unknown) => void): void {
    for (const b of this.blocks) for (let i = 0; i < b.ids.length; i++) each(b.ids[i] as number, b.values[i]);
  }
}

/**
 * Builds a SnapshotTable from entries given by ascending id, reusing each block of `prev`
 * whose entries come out the same (same ids, the very same values), and `prev` itself
 * when every block does.
 */
class TableBuilder {
  private readonly keys: number[] = [];
  private readonly blocks: TableBlock[] = [];
  private key = -1;
  private ids: number[] = [];
  private values: unknown[] = [];
  private reused = 0;
  /** Entries of the blocks made new (not reused): what this table costs beyond `prev`. */
  fresh = 0;

  constructor(private readonly prev: SnapshotTable | undefined) {}

  add(id: number, value: unknown): void {
    const key = blockKey(id);
    if (key !== this.key) {
      this.close();
      this.key = key;
    }
    this.ids.push(id);
    this.values.push(value);
  }

  /** Take `block` of key `key` as it is (all of its ids are above those added so far). */
  addBlock(key: number, block: TableBlock): void {
    this.close();
    this.keys.push(key);
    this.blocks.push(block);
    if (this.prev?.block(key) === block) this.reused += 1;
  }

  private close(): void {
    const n = this.ids.length;
    if (n === 0) return;
    const key = this.key;
    const p = this.prev?.block(key);
    if (p !== undefined && p.ids.length === n) {
      let same = true;
      for (let i = 0; i < n && same; i++) same = p.ids[i] === this.ids[i] && p.values[i] === this.values[i];
      if (same) {
        this.ids = [];
        this.values = [];
        this.addBlock(key, p);
        return;
      }
    }
    let allFast = true;
    let allFrozen = true;
    for (const v of this.values) {
      const object = typeof v === 'object' && v !== null;
      if (allFast && !(object && FAST_FROZEN.has(v))) allFast = false;
      if (!(object && Object.isFrozen(v))) allFrozen = false;
      if (!allFast && !allFrozen) break;
    }
    this.keys.push(key);
    this.blocks.push(new TableBlock(Float64Array.from(this.ids), Object.freeze(this.values), allFast, allFrozen));
    this.fresh += n;
    this.ids = [];
    this.values = [];
  }

  finish(nullProto: boolean): SnapshotTable {
    this.close();
    const prev = this.prev;
    if (prev !== undefined && this.reused === prev.blocks.length && this.blocks.length === this.reused) {
      if (prev.nullProto === nullProto) return prev;
    }
    return new SnapshotTable(Float64Array.from(this.keys), this.blocks, nullProto);
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
  // Not remembered: the copy that freezeFast makes, or prev, is what is kept.
  if (isFastObject(c, false)) {
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
  const ids: number[] = [];
  for (const key in c) {
    const id = Number(key);
    if (!isIndex(key) || !(id > (ids[ids.length - 1] ?? -1))) return undefined; // not a table after all
    ids.push(id);
  }
  if (ids.length < TABLE_MIN) return undefined;
  return shareIdTable(c, ids, prev, undefined, depth) as SnapshotTable;
}

/**
 * What `share` makes of an id table holding `ids` (ascending, each a slot of `table`
 * holding a value), without listing the table's keys: a SnapshotTable sharing values with
 * `prev` (a SnapshotTable or plain data) when there are TABLE_MIN ids or more, else a
 * plain object of those entries for share to take as it is. For a table that keeps
 * freed slots (a heap state's), whose keys cost a string each to list. `each` may stand
 * in for a value (a working object without its reference list's empty slots).
 */
export function shareIdTable(
  table: Record<number, unknown>,
  ids: readonly number[],
  prev: unknown,
  each: (v: unknown) => unknown = (v) => v,
  /** How deep the table stands in the state being shared (0: a heap state's own table). */
  depth = 0,
): unknown {
  const n = ids.length;
  if (n < TABLE_MIN) {
    const out = (Object.getPrototypeOf(table) === null ? Object.create(null) : {}) as Record<number, unknown>;
    for (const id of ids) out[id] = each(table[id]);
    return out;
  }
  const pt = prev instanceof SnapshotTable ? prev : undefined;
  const po =
    pt === undefined && typeof prev === 'object' && prev !== null ? (prev as Record<number, unknown>) : undefined;
  const out = new TableBuilder(pt);
  for (let i = 0; i < n; i++) {
    const id = ids[i] as number;
    const pv = pt !== undefined ? pt.get(id) : po !== undefined && Object.hasOwn(po, id) ? po[id] : undefined;
    const v = each(table[id]);
    out.add(id, typeof v === 'object' && v !== null ? shareValue(v, pv, depth + 1) : v);
  }
  return out.finish(Object.getPrototypeOf(table) === null);
}

/**
 * What a snapshot made by shareDirtyTable cost, in units of about 20 bytes: a table entry
 * of a block made new is one; a value made new (a frozen copy of a written object) about
 * eight, and two more per reference it holds.
 */
export interface ShareCost {
  entries: number;
}

function weightOf(v: unknown): number {
  if (typeof v !== 'object' || v === null) return 0;
  const refs = (v as { refs?: unknown }).refs;
  return 8 + (Array.isArray(refs) ? 2 * refs.length : 0);
}

/**
 * shareIdTable for a table that equalled `prev` (a SnapshotTable) but for the ids in
 * `dirty`: only the blocks holding a dirty id are made again, the others are `prev`'s,
 * and only dirty ids are compared. `live` lists the ids whose slot holds a value. With
 * `dirty` undefined (what was written is not known), fewer than TABLE_MIN live ids, or
 * no SnapshotTable to start from, it is shareIdTable over every live id.
 */
export function shareDirtyTable(
  table: Record<number, unknown>,
  live: IdSet,
  prev: unknown,
  dirty: IdSet | undefined,
  each: (v: unknown) => unknown,
  cost: ShareCost,
): unknown {
  if (dirty === undefined || !(prev instanceof SnapshotTable) || live.size < TABLE_MIN) {
    const ids = live.ids();
    cost.entries += ids.length;
    return shareIdTable(table, ids, prev, each);
  }
  if (dirty.size === 0) return prev;
  const keys: number[] = [];
  for (const id of dirty.ids()) {
    const key = blockKey(id);
    if (keys[keys.length - 1] !== key) keys.push(key);
  }
  const out = new TableBuilder(prev);
  const ids: number[] = [];
  let p = 0;
  for (const key of keys) {
    while (p < prev.keys.length && (prev.keys[p] as number) < key) {
      out.addBlock(prev.keys[p] as number, prev.blocks[p] as TableBlock);
      p += 1;
    }
    const pb = p < prev.keys.length && prev.keys[p] === key ? prev.blocks[p] : undefined;
    if (pb !== undefined) p += 1;
    ids.length = 0;
    live.idsIn(key * TABLE_BLOCK, (key + 1) * TABLE_BLOCK, ids);
    for (const id of ids) {
      const pv = pb?.get(id);
      if (pv !== undefined && !dirty.has(id)) {
        out.add(id, pv);
        continue;
      }
      const v = each(table[id]);
      const sv = typeof v === 'object' && v !== null ? shareValue(v, pv, 1) : v;
      if (sv !== pv) cost.entries += weightOf(sv);
      out.add(id, sv);
    }
  }
  for (; p < prev.keys.length; p++) out.addBlock(prev.keys[p] as number, prev.blocks[p] as TableBlock);
  const result = out.finish(prev.nullProto);
  cost.entries += out.fresh;
  return result;
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
  t.forEach((id, v) => {
    out[id] = each(v);
  });
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
export function restore<T extends object>(
  target: T,
  source: T,
  live?: ReadonlyMap<object, IdSet>,
  /** Tables of `target` to leave as they are (the caller restores them: restoreDirtyTable). */
  skip?: ReadonlySet<object>,
): T {
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
  SKIP = skip;
  try {
    restoreObject(t, source as Record<string, unknown>, 0);
  } finally {
    TABLE_BOUNDS.clear();
    LIVE_SETS.clear();
    SKIP = undefined;
  }
  return target;
}

/** The id tables of the state being restored, with the highest id they can hold. */
const TABLE_BOUNDS = new Map<object, number>();
/** The id tables of the state being restored whose live ids a set lists. */
const LIVE_SETS = new Map<object, IdSet>();
/** The tables of the state being restored that restore leaves alone. */
let SKIP: ReadonlySet<object> | undefined;

/**
 * Restore the id table `t` of a working state (its live ids listed by `set`) to `to`,
 * knowing that it equals `from` but for the ids in `dirty`: only those ids, and every id
 * of the blocks where `from` and `to` differ, are visited, so a restore to a nearby
 * checkpoint costs what differs. When either is not a SnapshotTable (a small table),
 * every live id and every entry of `to` is visited. `set` is left listing what `t` holds.
 * `t`'s slots are left pointing at `to`'s frozen values, not copies: only for tables whose
 * writers copy a frozen value before they write it (the heap's objects and buffer records).
 */
export function restoreDirtyTable(
  t: Record<number, unknown>,
  set: IdSet,
  from: unknown,
  to: unknown,
  dirty: IdSet,
): void {
  if (from instanceof SnapshotTable && to instanceof SnapshotTable) {
    // The written ids first, then the blocks that differ, walked side by side: an id in
    // both with the very same value is already right (unless written: done first).
    for (const id of dirty.ids()) restoreEntry(t, set, id, to.get(id));
    let i = 0;
    let j = 0;
    const fk = from.keys;
    const tk = to.keys;
    while (i < fk.length || j < tk.length) {
      const a = i < fk.length ? (fk[i] as number) : Infinity;
      const b = j < tk.length ? (tk[j] as number) : Infinity;
      const key = Math.min(a, b);
      const fb = a === key ? from.blocks[i++] : undefined;
      const tb = b === key ? to.blocks[j++] : undefined;
      if (fb !== tb) restoreBlock(t, set, fb, tb);
    }
    return;
  }
  const ids = set.ids();
  let target: (id: number) => unknown;
  if (to instanceof SnapshotTable) {
    to.forEach((id) => ids.push(id));
    target = (id) => to.get(id);
  } else {
    const o = (typeof to === 'object' && to !== null ? to : {}) as Record<number, unknown>;
    for (const key in o) ids.push(Number(key));
    target = (id) => (Object.hasOwn(o, id) ? o[id] : undefined);
  }
  for (const id of ids) restoreEntry(t, set, id, target(id));
}

/** restoreDirtyTable for one block key: the working table holds `fb`'s entries (but for written ids, already restored); make it hold `tb`'s. */
function restoreBlock(
  t: Record<number, unknown>,
  set: IdSet,
  fb: TableBlock | undefined,
  tb: TableBlock | undefined,
): void {
  const fi = fb?.ids;
  const ti = tb?.ids;
  const frozen = tb?.allFrozen === true;
  const fn = fi?.length ?? 0;
  const tn = ti?.length ?? 0;
  let i = 0;
  let j = 0;
  while (i < fn || j < tn) {
    const a = i < fn ? ((fi as Float64Array)[i] as number) : Infinity;
    const b = j < tn ? ((ti as Float64Array)[j] as number) : Infinity;
    if (a === b) {
      const tv = (tb as TableBlock).values[j];
      if ((fb as TableBlock).values[i] !== tv) restoreEntry(t, set, b, tv, frozen);
      i += 1;
      j += 1;
    } else if (a < b) {
      restoreEntry(t, set, a, undefined);
      i += 1;
    } else {
      restoreEntry(t, set, b, (tb as TableBlock).values[j], frozen);
      j += 1;
    }
  }
}

/**
 * Make slot `id` of the id table `t` (its live ids in `set`) hold `sv` (undefined: a
 * freed slot). A frozen value (a snapshot's: every value of one is) is not copied: the
 * slot points at it, and its writer copies it first (see restoreDirtyTable). Any other
 * value is restored as `restore` restores one. `frozen`: `sv` is known to be frozen (its
 * block's allFrozen), so it is not looked at.
 */
function restoreEntry(t: Record<number, unknown>, set: IdSet, id: number, sv: unknown, frozen = false): void {
  const tv = t[id];
  if (sv === undefined) {
    if (tv !== undefined) {
      t[id] = undefined;
      set.set(id, false);
    }
    return;
  }
  if (id > set.filled) fillSlots(t, set, id);
  if (tv === sv) {
    // Already the snapshot's own value.
  } else if (frozen || (typeof sv === 'object' && sv !== null && Object.isFrozen(sv))) {
    t[id] = sv;
  } else {
    restoreSlot(t, id, sv, 1);
  }
  set.set(id, true);
}

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
  if (own && typeof tv === 'object' && tv !== null && !Object.isFrozen(tv)) {
    if (SKIP?.has(tv) === true) return;
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
  // Not a snapshot's own object (frozen, shared by a working table: restoreEntry).
  if (allFast && SPARE.length < MAX_SPARE && typeof gone === 'object' && gone !== null && !Object.isFrozen(gone)) {
    if (isFastObject(gone as Record<string, unknown>)) SPARE.push(gone as FastObject);
  }
}

/**
 * restore for a SnapshotTable: first the keys the table lacks are deleted (one pass over
 * both key lists, each ascending: V8 lists integer keys that way), then each entry is
 * restored in place or copied, reached by number (no key strings).
 */
function restoreTable(t: Record<number, unknown>, s: SnapshotTable, depth: number): void {
  const { ids, values } = flatten(s);
  const allFast = s.allFast;
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
      restoreFastEntry(
        t,
        id,
        sv as FastObject,
        typeof tv === 'object' && tv !== null && !Object.isFrozen(tv) && isFastObject(tv as Record<string, unknown>),
      );
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
function isFastObject(o: Record<string, unknown>, remember = true): boolean {
  // Cheaper than the set's lookup: a map with no prototype (a buffer record, a frame's
  // variables) is a dictionary, slow to probe for a missing key.
  if (Object.getPrototypeOf(o) !== Object.prototype) return false;
  if (typeof o['refcount'] !== 'number' || !Array.isArray(o['refs'])) return false;
  if (FAST_FROZEN.has(o)) return true;
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
  // Remembered for the next ask: WeakSet.add is most of this function's cost, so only
  // for objects that stay (a decoded checkpoint's, shared at once, do not).
  if (remember) FAST_FROZEN.add(o);
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
  // Its entries may be the snapshot's own (frozen): core replaces an entry, never edits one.
  const tr = t.refs as ({ slot: unknown; to: unknown } | undefined)[];
  const sr = s.refs;
  if (tr.length > sr.length) tr.length = sr.length;
  for (let i = 0; i < sr.length; i++) {
    const b = sr[i] as { slot: unknown; to: unknown };
    const a = tr[i];
    if (a !== b && (a === undefined || a.slot !== b.slot || a.to !== b.to)) tr[i] = b;
  }
  forgetRefIndex(tr as RefSlot[]);
}

/**
 * Slot `id` of a working table made equal to the fast object `sv`: the object there
 * rewritten in place when there is one (`inPlace`: the caller checked it is a fast
 * object), else a spare object rewritten, else a new working copy.
 */
function restoreFastEntry(t: Record<number, unknown>, id: number, sv: FastObject, inPlace: boolean): void {
  if (inPlace) {
    restoreFast(t[id] as FastObject, sv);
    return;
  }
  const spare = SPARE.pop();
  if (spare === undefined) t[id] = workingCopy(sv);
  else {
    restoreFast(spare, sv);
    t[id] = spare;
  }
}

/**
 * A fast object's copy for a working state: mutable, its reference list its own, the
 * list's entries the snapshot's (frozen: core replaces an entry, never edits one).
 */
function workingCopy(s: FastObject): FastObject {
  return fastLiteral(s, s.refs.slice());
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
  const refs = Object.freeze(c.refs.map((r) => (Object.isFrozen(r) ? r : Object.freeze({ slot: r.slot, to: r.to }))));
  const out = Object.freeze(fastLiteral(c, refs as FastObject['refs']));
  FAST_FROZEN.add(out);
  return out;
}

/** A SnapshotTable's entries as two arrays, by ascending id (for a walk over all of them). */
function flatten(t: SnapshotTable): { ids: Float64Array; values: unknown[] } {
  const ids = new Float64Array(t.size);
  const values = new Array<unknown>(t.size);
  let i = 0;
  t.forEach((id, v) => {
    ids[i] = id;
    values[i] = v;
    i += 1;
  });
  return { ids, values };
}
