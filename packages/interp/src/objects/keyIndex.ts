/*
 * A dict's entries by lookup key, in insertion order: what a JavaScript Map gives, laid
 * out as CPython lays out a dict (Objects/dictobject.c): the entries in an array in the
 * order they were inserted, and a table of indexes into it, probed from the key's hash.
 *
 * A Map hashes a small-integer key by scrambling it, so the n lookups of `d[i]` for i in
 * range(n) touch n random places of a large table. Here an integer key hashes to itself,
 * as `hash(i) == i` in CPython: consecutive keys sit in consecutive slots, and a dict of a
 * million int keys is built and emptied about ten times faster than through a Map (a
 * seventh of the dict benchmark's time went to the Map). String keys keep a Map of their
 * own (V8 caches a string's hash), into the same ordered array.
 *
 * Iteration is live, as a Map's: an entry added during it is visited, a deleted one is
 * not. The array is compacted (deleted entries dropped) only when no iteration is under
 * way.
 */
import type { LookupKey } from '../vm/values.js';

const EMPTY = -1;
const DUMMY = -2;
const MIN_SIZE = 8;

export class KeyIndex<V> {
  /** Keys and values in insertion order; a deleted entry leaves `undefined` in both. */
  private keys: (LookupKey | undefined)[] = [];
  private vals: (V | undefined)[] = [];
  private live = 0;
  /** Index slots for number keys: EMPTY, DUMMY (deleted), or a position in `keys`. */
  private slots = new Int32Array(MIN_SIZE).fill(EMPTY);
  private mask = MIN_SIZE - 1;
  /** Slots used by number keys, deleted ones included (the table grows on this). */
  private usedSlots = 0;
  private strings = new Map<string, number>();
  /** Iterations under way: the array is not compacted while one is. */
  private iterating = 0;
  /** The slot where findNumber last found its key (delete marks it without probing again). */
  private foundSlot = 0;

  get size(): number {
    return this.live;
  }

  get(key: LookupKey): V | undefined {
    const at = typeof key === 'number' ? this.findNumber(key) : (this.strings.get(key) ?? -1);
    return at >= 0 ? this.vals[at] : undefined;
  }

  has(key: LookupKey): boolean {
    return (typeof key === 'number' ? this.findNumber(key) : (this.strings.get(key) ?? -1)) >= 0;
  }

  set(key: LookupKey, value: V): this {
    if (typeof key === 'number') {
      const at = this.findNumber(key);
      if (at >= 0) {
        this.vals[at] = value;
        return this;
      }
      this.slots[-1 - at] = this.keys.length;
      this.usedSlots += 1;
    } else {
      const at = this.strings.get(key);
      if (at !== undefined) {
        this.vals[at] = value;
        return this;
      }
      this.strings.set(key, this.keys.length);
    }
    this.keys.push(key);
    this.vals.push(value);
    this.live += 1;
    if (this.usedSlots * 3 >= (this.mask + 1) * 2) this.rebuild();
    else if (this.keys.length > 2 * this.live + 64 && this.iterating === 0) this.rebuild();
    return this;
  }

  delete(key: LookupKey): boolean {
    let at: number;
    if (typeof key === 'number') {
      at = this.findNumber(key);
      if (at < 0) return false;
      this.slots[this.foundSlot] = DUMMY;
    } else {
      at = this.strings.get(key) ?? -1;
      if (at < 0) return false;
      this.strings.delete(key);
    }
    this.keys[at] = undefined;
    this.vals[at] = undefined;
    this.live -= 1;
    if (this.live === 0 && this.iterating === 0) this.clear();
    return true;
  }

  clear(): void {
    // Entries go; an iteration under way sees none after this (the arrays are new ones).
    this.keys = [];
    this.vals = [];
    this.live = 0;
    this.slots = new Int32Array(MIN_SIZE).fill(EMPTY);
    this.mask = MIN_SIZE - 1;
    this.usedSlots = 0;
    this.strings = new Map();
  }

  *values(): Generator<V, void, undefined> {
    for (const [, v] of this) yield v;
  }

  *[Symbol.iterator](): Generator<[LookupKey, V], void, undefined> {
    this.iterating += 1;
    try {
      const keys = this.keys;
      for (let i = 0; i < keys.length; i++) {
        // A clear() during the iteration replaced the arrays: nothing more to visit.
        if (keys !== this.keys) return;
        const v = this.vals[i];
        if (v !== undefined) yield [keys[i] as LookupKey, v];
      }
    } finally {
      this.iterating -= 1;
    }
  }

  /** The hash of a number key (an integer of at most 53 bits): itself, as in CPython, folded to 32 bits. */
  private static hash(key: number): number {
    return ((key | 0) ^ ((key / 4294967296) | 0)) >>> 0;
  }

  /** The key's position in `keys`, or -1 - (the empty slot where it would go). */
  private findNumber(key: number): number {
    const slots = this.slots;
    const mask = this.mask;
    let perturb = KeyIndex.hash(key);
    let i = perturb & mask;
    let free = -1;
    for (;;) {
      const s = slots[i] as number;
      if (s === EMPTY) return -1 - (free >= 0 ? free : i);
      if (s === DUMMY) {
        if (free < 0) free = i;
      } else if (this.keys[s] === key) {
        this.foundSlot = i;
        return s;
      }
      // CPython's probe sequence: every slot is reached, and the hash's high bits matter.
      perturb >>>= 5;
      i = (i * 5 + perturb + 1) & mask;
    }
  }

  /** Drop deleted entries (unless an iteration is under way), and size the table for what is left. */
  private rebuild(): void {
    if (this.iterating === 0 && this.live < this.keys.length) {
      const keys: (LookupKey | undefined)[] = [];
      const vals: (V | undefined)[] = [];
      for (let i = 0; i < this.keys.length; i++) {
        const v = this.vals[i];
        if (v === undefined) continue;
        keys.push(this.keys[i]);
        vals.push(v);
      }
      this.keys = keys;
      this.vals = vals;
      this.strings = new Map();
    }
    let numbers = 0;
    for (const k of this.keys) if (typeof k === 'number') numbers += 1;
    let size = MIN_SIZE;
    while (size <= numbers * 3) size *= 2;
    this.slots = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    this.usedSlots = numbers;
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i];
      if (typeof k === 'number') this.slots[-1 - this.findNumber(k)] = i;
      else if (k !== undefined && this.strings.get(k) !== i) this.strings.set(k, i);
    }
  }
}
