/*
 * A reference model of CPython 3.11's set table (Objects/setobject.c), written as a
 * direct transliteration of set_add_entry, set_lookkey, set_discard_entry,
 * set_insert_clean and set_table_resize over plain arrays, independent of
 * packages/interp's SetTable. The set-order properties compare the simulation with it.
 * Keys are compared by a string identity (`int:5`, `str:ab`); hashes come from the
 * caller.
 */
const LINEAR_PROBES = 9;
const PERTURB_SHIFT = 5n;
const MINSIZE = 8;

type Entry = { key: string | null; hash: bigint }; // key null + hash 0: empty; null + -1: dummy

export class ModelSet {
  table: Entry[] = Array.from({ length: MINSIZE }, () => ({ key: null, hash: 0n }));
  mask = MINSIZE - 1;
  fill = 0;
  used = 0;
  finger = 0;

  add(key: string, hash: bigint): void {
    const mask = this.mask;
    let i = Number(BigInt.asUintN(64, hash) & BigInt(mask));
    let perturb = BigInt.asUintN(64, hash);
    let freeslot: Entry | null = null;
    for (;;) {
      let entry = i;
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      do {
        const e = this.table[entry] as Entry;
        if (e.hash === 0n && e.key === null) {
          if (freeslot !== null) {
            this.used++;
            freeslot.key = key;
            freeslot.hash = hash;
            return;
          }
          this.fill++;
          this.used++;
          e.key = key;
          e.hash = hash;
          if (this.fill * 5 < mask * 3) return;
          this.resize(this.used > 50000 ? this.used * 2 : this.used * 4);
          return;
        }
        if (e.hash === hash && e.key === key) return; // found active
        if (e.hash === -1n) freeslot = e;
        entry++;
      } while (probes-- > 0);
      perturb >>= PERTURB_SHIFT;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  }

  private lookkey(key: string, hash: bigint): Entry {
    const mask = this.mask;
    let i = Number(BigInt.asUintN(64, hash) & BigInt(mask));
    let perturb = BigInt.asUintN(64, hash);
    for (;;) {
      let entry = i;
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      do {
        const e = this.table[entry] as Entry;
        if (e.hash === 0n && e.key === null) return e;
        if (e.hash === hash && e.key === key) return e;
        entry++;
      } while (probes-- > 0);
      perturb >>= PERTURB_SHIFT;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  }

  discard(key: string, hash: bigint): void {
    const e = this.lookkey(key, hash);
    if (e.key === null) return;
    e.key = null;
    e.hash = -1n;
    this.used--;
  }

  private static insertClean(table: Entry[], mask: number, key: string, hash: bigint): void {
    let perturb = BigInt.asUintN(64, hash);
    let i = Number(perturb & BigInt(mask));
    for (;;) {
      if ((table[i] as Entry).key === null) {
        table[i] = { key, hash };
        return;
      }
      if (i + LINEAR_PROBES <= mask) {
        for (let j = 1; j <= LINEAR_PROBES; j++) {
          if ((table[i + j] as Entry).key === null) {
            table[i + j] = { key, hash };
            return;
          }
        }
      }
      perturb >>= PERTURB_SHIFT;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
  }

  private resize(minused: number): void {
    let newsize = MINSIZE;
    while (newsize <= minused) newsize <<= 1;
    const old = this.table;
    if (newsize === MINSIZE && old.length === MINSIZE && this.fill === this.used) return;
    const table: Entry[] = Array.from({ length: newsize }, () => ({ key: null, hash: 0n }));
    for (const e of old) if (e.key !== null) ModelSet.insertClean(table, newsize - 1, e.key, e.hash);
    this.table = table;
    this.mask = newsize - 1;
    this.fill = this.used;
  }

  pop(): string | undefined {
    if (this.used === 0) return undefined;
    let i = this.finger & this.mask;
    while ((this.table[i] as Entry).key === null) {
      i++;
      if (i > this.mask) i = 0;
    }
    const e = this.table[i] as Entry;
    const key = e.key as string;
    e.key = null;
    e.hash = -1n;
    this.used--;
    this.finger = i + 1;
    return key;
  }

  order(): string[] {
    return this.table.filter((e) => e.key !== null).map((e) => e.key as string);
  }

  /** sys.getsizeof of a set with this table (3.11, 64-bit: 216 bytes, plus the table when not the small one). */
  getsizeof(): number {
    return 216 + (this.mask + 1 > MINSIZE ? 16 * (this.mask + 1) : 0);
  }
}
