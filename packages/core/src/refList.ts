/*
 * An object's list of references, with O(log n) removal anywhere
 * ===============================================================
 * `HeapObject.refs` lists the references an object holds in the order its type releases
 * or visits them (a dict: key, value, key, value ... in entry order). Events name a
 * reference by its position among the references present (a holder's `at`), so removing
 * one from a plain array moves everything after it: O(n) per removal, O(n²) to empty a
 * container (dict_dealloc drops its references front to back; V8 moves the whole array
 * for a `shift()` once it holds more than 16,384 elements; an LRU evicts from the front).
 *
 * So a long list (HOLEY_MIN slots or more) does not move on removal: the slot becomes
 * empty (`undefined`), like the DKIX_DUMMY entries of CPython's dict. Positions (`at`)
 * still count only the references present; a Fenwick tree over the slots (kept beside the
 * list, not in the state) turns a position into a slot in O(log n). When the empty slots
 * outnumber the references, the list is compacted in one pass: amortised O(log n) per
 * removal, O(1) per append. Short lists are plain dense arrays, as before.
 *
 * Readers: a list may hold empty slots. Iterate with `for (const r of refs) if (r ...)`,
 * or use liveRefs() (a dense copy when there are holes). compactState (state.ts) gives
 * lists without holes, so checkpoints, snapshots and hashes never see them.
 *
 * The index is found again (rebuilt in one pass) for a list it was never made for: a
 * list copied by a snapshot restore or by Immer.
 */
import type { Ref } from './state.js';

/** A slot of an object's reference list: a reference, or empty. */
export type RefSlot = Ref | undefined;

/** Lists at least this long leave removed slots empty instead of moving what follows. */
export const HOLEY_MIN = 2048;

/**
 * What is known of a long list: its length then, its empty slots, and (only while it has
 * some) a Fenwick tree over its slots (1 = a reference present). A list without empty
 * slots needs no tree: a position is a slot.
 */
interface RankIndex {
  size: number;
  holes: number;
  /** Undefined when the list has no empty slot, or after an insert moved slots (rebuilt when needed). */
  tree: Int32Array | undefined;
  /** The largest power of two not above the tree's capacity (where a descent starts). */
  top: number;
}

const indexes = new WeakMap<readonly RefSlot[], RankIndex>();

/** How many references the list holds (its length without the empty slots). */
export function refCount(list: readonly RefSlot[]): number {
  if (list.length < HOLEY_MIN) return list.length;
  return list.length - indexOf(list).holes;
}

/** Whether the list has empty slots. */
export function hasHoles(list: readonly RefSlot[]): boolean {
  return list.length >= HOLEY_MIN && indexOf(list).holes > 0;
}

/** The references present, in order (the list itself when it has no empty slot). */
export function liveRefs(list: readonly RefSlot[]): readonly Ref[] {
  if (!hasHoles(list)) return list as readonly Ref[];
  const out: Ref[] = [];
  for (const r of list) if (r !== undefined) out.push(r);
  return out;
}

/** The slot of the reference at position `at` (0-based, counting references present), or -1. */
export function slotOfPosition(list: readonly RefSlot[], at: number): number {
  if (at < 0) return -1;
  if (list.length < HOLEY_MIN) return at < list.length ? at : -1;
  const index = indexOf(list);
  if (index.holes === 0) return at < list.length ? at : -1;
  const tree = treeOf(index, list);
  // Fenwick descent: the smallest slot whose prefix count is at + 1.
  let pos = 0;
  let remaining = at + 1;
  for (let step = index.top; step > 0; step >>= 1) {
    const next = pos + step;
    if (next <= index.size && (tree[next] as number) < remaining) {
      pos = next;
      remaining -= tree[next] as number;
    }
  }
  return pos < list.length ? pos : -1;
}

/** The position (counting references present) of the reference in slot `i`. */
export function positionOfSlot(list: readonly RefSlot[], i: number): number {
  if (list.length < HOLEY_MIN) return i;
  const index = indexOf(list);
  if (index.holes === 0) return i;
  const tree = treeOf(index, list);
  let sum = 0;
  for (let k = i; k > 0; k -= k & -k) sum += tree[k] as number;
  return sum;
}

/** The reference at position `at`, or undefined. */
export function refAtPosition(list: readonly RefSlot[], at: number): Ref | undefined {
  const i = slotOfPosition(list, at);
  return i < 0 ? undefined : list[i];
}

/** Add a reference at the end. */
export function pushRef(list: RefSlot[], ref: Ref): void {
  list.push(ref);
  if (list.length < HOLEY_MIN) return;
  const index = indexes.get(list);
  if (index === undefined) return; // made on first use
  if (index.size !== list.length - 1) {
    indexes.delete(list);
    return;
  }
  index.size = list.length;
  const tree = index.tree;
  if (tree === undefined) return;
  if (list.length < tree.length) bump(tree, list.length - 1, 1);
  else index.tree = undefined; // full: rebuilt, larger, when needed
}

/** Insert a reference at position `at` (counting references present); at or past the end appends. */
export function insertRef(list: RefSlot[], at: number, ref: Ref): void {
  if (at >= refCount(list)) {
    pushRef(list, ref);
    return;
  }
  const i = Math.max(0, slotOfPosition(list, Math.max(0, at)));
  if (list.length < HOLEY_MIN) {
    insertAt(list, i, ref);
    return;
  }
  const index = indexOf(list);
  if (index.holes > 0) {
    const hole = nearestHole(list, i);
    if (hole >= 0) {
      // Move the few references between the slot and an empty slot near it by one, as a
      // gap buffer does: only the empty slot's count changes (a value replaced in place,
      // an insert after deletions).
      if (hole > i) {
        for (let j = hole; j > i; j--) list[j] = list[j - 1];
        list[i] = ref;
      } else {
        for (let j = hole; j < i - 1; j++) list[j] = list[j + 1];
        list[i - 1] = ref;
      }
      index.holes -= 1;
      bump(treeOf(index, list), hole, 1);
      return;
    }
  }
  insertAt(list, i, ref);
  index.size = list.length;
  index.tree = undefined; // the slots after `i` moved: rebuilt when needed (not needed while there are no holes)
}

/** Slots searched on each side for an empty one to insert into without moving the list's tail. */
const NEAR = 64;

/** The empty slot nearest `i` (after it first), within NEAR slots, or -1. */
function nearestHole(list: readonly RefSlot[], i: number): number {
  for (let d = 0; d <= NEAR; d++) {
    if (i + d < list.length && list[i + d] === undefined) return i + d;
    if (d > 0 && i - d >= 0 && list[i - d] === undefined) return i - d;
  }
  return -1;
}

/** Remove the reference at position `at` (counting references present). Returns it, or undefined. */
export function removeRefAtPosition(list: RefSlot[], at: number): Ref | undefined {
  const i = slotOfPosition(list, at);
  if (i < 0) return undefined;
  return removeRefAtSlot(list, i);
}

/** Remove the reference in slot `i`. Returns it, or undefined if the slot was empty. */
export function removeRefAtSlot(list: RefSlot[], i: number): Ref | undefined {
  const ref = list[i];
  if (ref === undefined) return undefined;
  if (list.length < HOLEY_MIN) {
    removeAt(list, i);
    return ref;
  }
  const index = indexOf(list);
  if (i === list.length - 1) {
    // The last slot: drop it, and any empty slots before it.
    if (index.tree !== undefined) bump(index.tree, i, -1);
    list.pop();
    while (list.length > 0 && list[list.length - 1] === undefined) {
      list.pop();
      index.holes -= 1;
    }
    index.size = list.length;
    if (list.length < HOLEY_MIN) compact(list);
    return ref;
  }
  const tree = treeOf(index, list);
  list[i] = undefined;
  index.holes += 1;
  bump(tree, i, -1);
  if (2 * index.holes > list.length) compact(list);
  return ref;
}

/** Remove every empty slot (one pass). */
export function compact(list: RefSlot[]): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const ref = list[r];
    if (ref !== undefined) list[w++] = ref;
  }
  list.length = w;
  if (w < HOLEY_MIN) indexes.delete(list);
  else indexes.set(list, { size: w, holes: 0, tree: undefined, top: 0 });
}

/**
 * Forget what is known of a list that was changed other than through this module (a
 * snapshot restore writing into it): it is looked at again when next needed.
 */
export function forgetRefIndex(list: readonly RefSlot[]): void {
  indexes.delete(list);
}

// ---------------------------------------------------------------------------------

/** What is known of a long list (one pass over it when nothing is, or its length changed behind our back). */
function indexOf(list: readonly RefSlot[]): RankIndex {
  const known = indexes.get(list);
  if (known !== undefined && known.size === list.length) return known;
  let holes = 0;
  for (let i = 0; i < list.length; i++) if (list[i] === undefined) holes += 1;
  const index: RankIndex = { size: list.length, holes, tree: undefined, top: 0 };
  indexes.set(list, index);
  return index;
}

/** The index's tree, built from the list when it has none (O(n)). */
function treeOf(index: RankIndex, list: readonly RefSlot[]): Int32Array {
  if (index.tree !== undefined) return index.tree;
  const capacity = Math.max(list.length * 2, HOLEY_MIN);
  const tree = new Int32Array(capacity + 1);
  for (let i = 0; i < list.length; i++) if (list[i] !== undefined) tree[i + 1] = 1;
  for (let k = 1; k <= capacity; k++) {
    const parent = k + (k & -k);
    if (parent <= capacity) tree[parent] = (tree[parent] as number) + (tree[k] as number);
  }
  let top = 1;
  while (top * 2 <= capacity) top *= 2;
  index.tree = tree;
  index.top = top;
  return tree;
}

function bump(tree: Int32Array, slot: number, delta: number): void {
  for (let k = slot + 1; k < tree.length; k += k & -k) tree[k] = (tree[k] as number) + delta;
}

/**
 * `list.splice(at, 1)` and `list.splice(at, 0, item)` without the array splice returns:
 * these run on nearly every event, and the lists are mostly short (long moves still use splice).
 */
export function removeAt<T>(list: T[], at: number): void {
  const last = list.length - 1;
  if (last - at > 16) {
    if (at < last - at) {
      // Nearer the front: move what is before it up by one, then drop the first slot
      // (V8 does that without moving the rest, for arrays below its large-object size).
      for (let i = at; i > 0; i--) list[i] = list[i - 1] as T;
      list.shift();
    } else list.splice(at, 1); // a long move: the builtin's memmove wins
    return;
  }
  for (let i = at; i < last; i++) list[i] = list[i + 1] as T;
  list.pop();
}

export function insertAt<T>(list: T[], at: number, item: T): void {
  if (list.length - at > 16) {
    list.splice(at, 0, item);
    return;
  }
  list.push(item);
  for (let i = list.length - 1; i > at; i--) list[i] = list[i - 1] as T;
  list[at] = item;
}
