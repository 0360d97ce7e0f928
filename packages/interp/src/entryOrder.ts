/*
 * Where a dict entry's references sit
 * ===================================
 * A dict holds its references as key, value, key, value ... in entry order (heap state,
 * `HeapObject.refs`), the order dict_dealloc releases them. Removing an entry, or
 * replacing its value in place, names the position of its references (the holder's `at`),
 * so the state's reference list is updated without a search: for a dict of n entries, a
 * search is O(n) per deletion, which made an LRU cache's evictions quadratic.
 *
 * The position is 2 × (live entries inserted before this one). `EntryOrder` answers that
 * in O(log n) with a Fenwick tree over insertion numbers, one per entry, handed out in
 * insertion order (the order of the store's Map). When the numbers run out, the live
 * entries are renumbered 0..n-1 in order (`renumber`) and the tree is rebuilt: amortised
 * O(log n) per operation.
 */

/** Something with a position number: a dict entry. */
export interface Numbered {
  n: number;
}

export class EntryOrder {
  /** Fenwick tree over insertion numbers (1-based inside): 1 for a live entry. */
  private tree: Int32Array;
  private used = 0;

  constructor(capacity = 8) {
    this.tree = new Int32Array(capacity + 1);
  }

  /**
   * A number for a new entry, after every other. `live.values()` lists the live entries in
   * order, read only for a renumbering (a Map or an array: no closure to build per insert).
   */
  add(entry: Numbered, live: { values(): Iterable<Numbered> }): void {
    if (this.used >= this.tree.length - 1) this.renumber(live.values());
    entry.n = this.used;
    this.used += 1;
    this.bump(entry.n, 1);
  }

  remove(entry: Numbered): void {
    this.bump(entry.n, -1);
  }

  /** Live entries before this one. */
  rank(entry: Numbered): number {
    let sum = 0;
    for (let i = entry.n; i > 0; i -= i & -i) sum += this.tree[i] as number;
    return sum;
  }

  /** No entries (dict.clear). */
  clear(): void {
    this.tree.fill(0);
    this.used = 0;
  }

  /** Number the live entries 0..n-1 in order, in a tree with room for as many again. */
  private renumber(entries: Iterable<Numbered>): void {
    const all = [...entries];
    this.tree = new Int32Array(Math.max(8, 2 * all.length) + 1);
    this.used = 0;
    for (const e of all) {
      e.n = this.used;
      this.used += 1;
      this.bump(e.n, 1);
    }
  }

  private bump(n: number, delta: number): void {
    const tree = this.tree;
    for (let i = n + 1; i < tree.length; i += i & -i) tree[i] = (tree[i] as number) + delta;
  }
}
