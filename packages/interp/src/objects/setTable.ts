/*
 * The set hash table
 * ==================
 * A set or frozenset keeps its elements in an open-addressing table whose size is a
 * power of two (8 inside the object, larger tables allocated beside it). An element
 * goes to the slot its hash selects; on a collision the search looks at the next
 * LINEAR_PROBES slots, then jumps by a perturbed linear congruential step that brings
 * in the hash's high bits. Removing leaves a dummy, which a search steps over and an
 * insertion may reuse. Iteration, repr, pop() and sys.getsizeof() all follow the
 * table, so a set of ints prints {1, 3} whatever order 3 and 1 were added in.
 *
 * Source: Objects/setobject.c (3.11): set_add_entry, set_lookkey, set_insert_clean,
 * set_table_resize, set_discard_entry, set_pop, set_merge, set_next,
 * set_clear_internal, set_update_internal, set_sizeof.
 *
 * Read first: `add` (set_add_entry), then `resize` (set_table_resize).
 *
 * Vocabulary:
 *   slot    an index into the table: empty (never used), active (holds a key and its
 *           hash), or dummy (held a key that was removed; hash -1).
 *   mask    size - 1; `hash & mask` is the first slot looked at.
 *   fill    active + dummy slots; used: active slots (len(set)).
 *   finger  where set.pop() starts looking (one past the slot it last emptied).
 *
 * Picture: adding to a table of 8 whose slot 3 is taken:
 *
 *   i = hash & 7 = 3 -> slots 3, 4, ... 3+LINEAR_PROBES (only while that stays inside
 *   the table; otherwise just slot i) -> perturb >>= 5; i = (5*i + 1 + perturb) & mask
 *
 * Growth: after an insertion into an empty slot, when fill*5 >= mask*3 the table is
 * rebuilt at the smallest power of two above 4*used (2*used past 50,000 elements);
 * dummies are dropped. A table of 8 is the one inside the object: sys.getsizeof is
 * the object's size, plus 16 bytes a slot for a larger table.
 *
 * Invariants (checkTable): used <= fill < size; a dummy has hash -1 and no key; every
 * active key is found by `lookup` from its own hash.
 *
 * Worked example: {3} then add 1: hash(1) & 7 = 1 is empty -> slot 1; iteration goes
 * slot by slot: 1, 3. Adding 9 (9 & 7 = 1, taken): a table of 8 is too small for the
 * linear probes (1 + 9 > 7), so the perturbed step: i = (5*1 + 1 + (9 >> 5)) & 7 = 6.
 *
 * Simplifications: a comparison that mutates the set (an `__eq__` that adds to it)
 * does not restart the search as set_add_entry's `restart:` does.
 */

/** setobject.c's LINEAR_PROBES. */
export const LINEAR_PROBES = 9;
/** setobject.c's PERTURB_SHIFT. */
export const PERTURB_SHIFT = 5;
/** PySet_MINSIZE: the table inside the object. */
export const SET_MINSIZE = 8;

/** Key equality for keys with equal hashes that are not the same key (PyObject_RichCompareBool). */
export type KeyEq<K> = (stored: K, key: K) => boolean;

const DUMMY_HASH = -1n;

export class SetTable<K> {
  /** The key in each slot; undefined for empty and dummy slots. */
  keys: (K | undefined)[] = new Array<K | undefined>(SET_MINSIZE).fill(undefined);
  /** The hash in each slot: 0 when empty, -1 for a dummy. */
  hashes: bigint[] = new Array<bigint>(SET_MINSIZE).fill(0n);
  mask = SET_MINSIZE - 1;
  fill = 0;
  used = 0;
  finger = 0;
  /** A Fenwick tree of active slots, for `rank` in O(log size). */
  private tree: Int32Array = new Int32Array(SET_MINSIZE + 1);

  private mark(slot: number, delta: number): void {
    for (let i = slot + 1; i < this.tree.length; i += i & -i) this.tree[i] = (this.tree[i] as number) + delta;
  }

  private rebuildTree(): void {
    this.tree = new Int32Array(this.keys.length + 1);
    this.keys.forEach((k, i) => {
      if (k !== undefined) this.mark(i, 1);
    });
  }

  get size(): number {
    return this.mask + 1;
  }

  private isEmpty(i: number): boolean {
    return this.keys[i] === undefined && this.hashes[i] === 0n;
  }

  private isDummy(i: number): boolean {
    return this.keys[i] === undefined && this.hashes[i] === DUMMY_HASH;
  }

  /**
   * The probe sequence of set_lookkey/set_add_entry: calls `visit(i)` for each slot in
   * order until it returns true; returns that slot.
   */
  private probe(hash: bigint, visit: (i: number) => boolean): number {
    const mask = this.mask;
    let perturb = BigInt.asUintN(64, hash);
    let i = Number(perturb & BigInt(mask));
    for (;;) {
      const probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      for (let j = 0; j <= probes; j++) if (visit(i + j)) return i + j;
      perturb >>= BigInt(PERTURB_SHIFT);
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  }

  /** set_lookkey: the slot holding a key equal to `key`, or -1. */
  lookup(key: K, hash: bigint, eq: KeyEq<K>): number {
    let found = -1;
    this.probe(hash, (i) => {
      if (this.isEmpty(i)) return true;
      const k = this.keys[i];
      if (k !== undefined && this.hashes[i] === hash && (k === key || eq(k, key))) {
        found = i;
        return true;
      }
      return false;
    });
    return found;
  }

  /**
   * set_add_entry: insert `key` unless an equal key is there. Returns the slot of the
   * new entry (and whether the table was rebuilt, which moves every entry), or -1 when
   * an equal key was already present (the set keeps its own key).
   */
  add(key: K, hash: bigint, eq: KeyEq<K>): { slot: number; resized: boolean } {
    let freeslot = -1;
    let active = -1;
    const empty = this.probe(hash, (i) => {
      if (this.isEmpty(i)) return true;
      const k = this.keys[i];
      if (k !== undefined) {
        if (this.hashes[i] === hash && (k === key || eq(k, key))) {
          active = i;
          return true;
        }
      } else freeslot = i; // the last dummy before the empty slot
      return false;
    });
    if (active >= 0) return { slot: -1, resized: false };
    if (freeslot >= 0) {
      // A dummy on the way: reused; fill does not change and no resize is considered.
      this.keys[freeslot] = key;
      this.hashes[freeslot] = hash;
      this.mark(freeslot, 1);
      this.used += 1;
      return { slot: freeslot, resized: false };
    }
    this.keys[empty] = key;
    this.hashes[empty] = hash;
    this.mark(empty, 1);
    this.fill += 1;
    this.used += 1;
    if (this.fill * 5 < this.mask * 3) return { slot: empty, resized: false };
    this.resize(this.used > 50000 ? this.used * 2 : this.used * 4);
    return { slot: this.lookupIdentity(key, hash), resized: true };
  }

  /** The slot holding this very key (after a rebuild moved it). */
  private lookupIdentity(key: K, hash: bigint): number {
    return this.lookup(key, hash, () => false);
  }

  /** set_insert_clean: place a key known to be absent into a table with no dummies. */
  private insertClean(keys: (K | undefined)[], hashes: bigint[], mask: number, key: K, hash: bigint): void {
    let perturb = BigInt.asUintN(64, hash);
    let i = Number(perturb & BigInt(mask));
    for (;;) {
      if (keys[i] === undefined) {
        keys[i] = key;
        hashes[i] = hash;
        return;
      }
      if (i + LINEAR_PROBES <= mask) {
        for (let j = 1; j <= LINEAR_PROBES; j++) {
          if (keys[i + j] === undefined) {
            keys[i + j] = key;
            hashes[i + j] = hash;
            return;
          }
        }
      }
      perturb >>= BigInt(PERTURB_SHIFT);
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  }

  /**
   * set_table_resize: rebuild at the smallest power of two (at least 8) above
   * `minused`, reinserting the active keys in slot order. Returns false when nothing
   * changed (a table of 8 without dummies stays as it is).
   */
  resize(minused: number): boolean {
    let newsize = SET_MINSIZE;
    while (newsize <= minused) newsize *= 2;
    if (newsize === SET_MINSIZE && this.size === SET_MINSIZE && this.fill === this.used) return false;
    const oldKeys = this.keys;
    const oldHashes = this.hashes;
    const keys = new Array<K | undefined>(newsize).fill(undefined);
    const hashes = new Array<bigint>(newsize).fill(0n);
    const mask = newsize - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i];
      if (k !== undefined) this.insertClean(keys, hashes, mask, k, oldHashes[i] as bigint);
    }
    this.keys = keys;
    this.hashes = hashes;
    this.mask = mask;
    this.fill = this.used;
    this.rebuildTree();
    return true;
  }

  /** set_discard_entry: the slot emptied (now a dummy) and its key, or undefined when absent. */
  discard(key: K, hash: bigint, eq: KeyEq<K>): { slot: number; key: K } | undefined {
    const i = this.lookup(key, hash, eq);
    if (i < 0) return undefined;
    const old = this.keys[i] as K;
    this.keys[i] = undefined;
    this.hashes[i] = DUMMY_HASH;
    this.mark(i, -1);
    this.used -= 1;
    return { slot: i, key: old };
  }

  /** set_pop: the first active slot from the finger on (wrapping), emptied. */
  pop(): { slot: number; key: K } | undefined {
    if (this.used === 0) return undefined;
    let i = this.finger & this.mask;
    while (this.keys[i] === undefined) {
      i += 1;
      if (i > this.mask) i = 0;
    }
    const key = this.keys[i] as K;
    this.keys[i] = undefined;
    this.hashes[i] = DUMMY_HASH;
    this.mark(i, -1);
    this.used -= 1;
    this.finger = i + 1;
    return { slot: i, key };
  }

  /** set_clear_internal: back to an empty table of 8; returns the active keys in slot order. */
  clear(): K[] {
    const out = this.activeKeys();
    this.keys = new Array<K | undefined>(SET_MINSIZE).fill(undefined);
    this.hashes = new Array<bigint>(SET_MINSIZE).fill(0n);
    this.mask = SET_MINSIZE - 1;
    this.fill = 0;
    this.used = 0;
    this.rebuildTree();
    return out;
  }

  /** The active keys in slot order (iteration, repr, set_traverse, dealloc). */
  activeKeys(): K[] {
    const out: K[] = [];
    for (const k of this.keys) if (k !== undefined) out.push(k);
    return out;
  }

  /** The active hashes in slot order. */
  activeHashes(): bigint[] {
    const out: bigint[] = [];
    this.keys.forEach((k, i) => {
      if (k !== undefined) out.push(this.hashes[i] as bigint);
    });
    return out;
  }

  /** set_next / setiter_iternext: the first active slot at or after `pos`, or -1. */
  next(pos: number): number {
    for (let i = pos; i <= this.mask; i++) if (this.keys[i] !== undefined) return i;
    return -1;
  }

  keyAt(slot: number): K | undefined {
    return this.keys[slot];
  }

  hashAt(slot: number): bigint {
    return this.hashes[slot] as bigint;
  }

  /** How many active slots come before `slot` (where the element's reference sits among the set's). */
  rank(slot: number): number {
    let n = 0;
    for (let i = slot; i > 0; i -= i & -i) n += this.tree[i] as number;
    return n;
  }

  /**
   * set_merge of `other` (another set's table) into this one: one resize up front when
   * needed; into an empty table of the same size without dummies the slots are copied
   * as they are; into an empty table, clean insertion in the other's slot order;
   * otherwise ordinary insertions. Returns the keys added, in the order they went in.
   */
  merge(other: SetTable<K>, eq: KeyEq<K>): K[] {
    if (other === this || other.used === 0) return [];
    if ((this.fill + other.used) * 5 >= this.mask * 3) this.resize((this.used + other.used) * 2);
    if (this.fill === 0 && this.mask === other.mask && other.fill === other.used) {
      this.keys = [...other.keys];
      this.hashes = [...other.hashes];
      this.fill = other.fill;
      this.used = other.used;
      this.rebuildTree();
      return other.activeKeys();
    }
    if (this.fill === 0) {
      const added: K[] = [];
      this.fill = other.used;
      this.used = other.used;
      for (let i = 0; i <= other.mask; i++) {
        const k = other.keys[i];
        if (k === undefined) continue;
        this.insertClean(this.keys, this.hashes, this.mask, k, other.hashes[i] as bigint);
        added.push(k);
      }
      this.rebuildTree();
      return added;
    }
    const added: K[] = [];
    for (let i = 0; i <= other.mask; i++) {
      const k = other.keys[i];
      if (k === undefined) continue;
      if (this.add(k, other.hashes[i] as bigint, eq).slot >= 0) added.push(k);
    }
    return added;
  }

  /** set_sizeof's table part: 16 bytes a slot when the table is not the one inside the object. */
  tableBytes(): number {
    return this.size > SET_MINSIZE ? 16 * this.size : 0;
  }

  /** The invariants of the header comment; throws on a broken one. */
  checkTable(eq: KeyEq<K>): void {
    let active = 0;
    let dummies = 0;
    for (let i = 0; i <= this.mask; i++) {
      if (this.keys[i] !== undefined) active++;
      else if (this.isDummy(i)) dummies++;
      else if (this.hashes[i] !== 0n) throw new Error(`set slot ${i}: no key but hash ${this.hashes[i]}`);
    }
    if (active !== this.used || active + dummies !== this.fill || this.fill >= this.size)
      throw new Error(`set table: used ${this.used}, fill ${this.fill}, size ${this.size}`);
    for (let i = 0; i <= this.mask; i++) {
      const k = this.keys[i];
      if (k !== undefined && this.lookup(k, this.hashes[i] as bigint, eq) !== i)
        throw new Error(`set slot ${i}: its key is not found from its hash`);
    }
  }
}
