// The size formulas of sizes.ts against the measured tables and examples of the spec
// (spec/cpython-memory-model.md §1.3, CPython 3.11.7 on x86-64).
import { describe, expect, it } from 'vitest';
import {
  BOOL_SIZE,
  DICT_OBJECT_SIZE,
  FIXED_SIZES,
  FLOAT_SIZE,
  LIST_OBJECT_SIZE,
  NONE_SIZE,
  SET_MINSIZE,
  SET_OBJECT_SIZE,
  bytesSize,
  dictKeysSize,
  dictPresize,
  dictSize,
  dictTableSize,
  dictUsable,
  intDigits,
  intSize,
  listPreallocateExact,
  listResize,
  listSize,
  setGrow,
  setSize,
  slottedInstanceSize,
  strSize,
  tupleSize,
} from './sizes.js';

describe('OBJ-5 int', () => {
  it.each([
    [0n, 28],
    [1n, 28],
    [2n ** 30n - 1n, 28],
    [2n ** 30n, 32],
    [2n ** 60n - 1n, 32],
    [2n ** 60n, 36],
    [2n ** 90n, 40],
    [-(2n ** 30n), 32],
    [-1n, 28],
  ])('getsizeof(%s) == %i', (v, size) => {
    expect(intSize(v)).toBe(size);
  });

  it('counts 30-bit digits, none for zero', () => {
    expect([0n, 1n, 2n ** 30n - 1n, 2n ** 30n, 2n ** 60n, 2n ** 90n].map(intDigits)).toEqual([0, 1, 1, 2, 3, 4]);
  });

  it('gives True and False the size of a one-digit int', () => {
    expect(BOOL_SIZE).toBe(28);
    expect(BOOL_SIZE).toBe(intSize(1n));
  });
});

describe('OBJ-6, OBJ-7, OBJ-10, OBJ-15 fixed and simple sizes', () => {
  it('sizes float, None, bytes and tuples', () => {
    expect(FLOAT_SIZE).toBe(24);
    expect(NONE_SIZE).toBe(16);
    expect([0, 1, 10].map(bytesSize)).toEqual([33, 34, 43]);
    expect([0, 1, 2, 3].map(tupleSize)).toEqual([40, 48, 56, 64]);
  });

  it('matches the measured sizes of OBJ-13 and OBJ-15', () => {
    expect(FIXED_SIZES).toMatchObject({
      instance: 56,
      function: 152,
      cell: 40,
      method: 64,
      builtinMethod: 72,
      weakref: 80,
      module: 72,
      object: 16,
      range: 48,
      complex: 32,
      code: 192,
      frame: 248,
      property: 80,
      class: 1688,
    });
  });

  it('sizes slotted instances (OBJ-14)', () => {
    expect(slottedInstanceSize(0, false)).toBe(32);
    expect(slottedInstanceSize(2, false)).toBe(48);
    expect(slottedInstanceSize(2, true)).toBe(56);
  });
});

describe('OBJ-9 str', () => {
  it.each([
    ['', 49],
    ['a', 50],
    ['abc', 52],
    ['é', 74],
    ['€', 76],
    ['€€', 78],
    ['😀', 80],
    ['😀a', 84],
  ])('getsizeof(%j) == %i', (s, size) => {
    expect(strSize(s)).toBe(size);
  });

  it('counts code points, not UTF-16 units', () => {
    // '😀' is two UTF-16 units but one character of width 4.
    expect(strSize('😀😀')).toBe(72 + 4 * 3);
  });
});

describe('OBJ-8 list', () => {
  /** Capacities seen while appending `count` items one at a time to an empty list (before each append). */
  const appendCapacities = (count: number): number[] => {
    const seen: number[] = [];
    let allocated = 0;
    for (let len = 0; len < count; len++) {
      seen.push(allocated);
      allocated = listResize(allocated, len, len + 1);
    }
    return seen;
  };

  it('grows 0, 4, 8, 16, 24, 32, 40, 52, 64, 76 on append (OBJ-8a)', () => {
    const distinct = [...new Set(appendCapacities(70))];
    expect(distinct).toEqual([0, 4, 8, 16, 24, 32, 40, 52, 64, 76]);
  });

  it('reproduces the getsizeof list measured while appending 20 items', () => {
    expect(appendCapacities(20).map(listSize)).toEqual([
      56, 88, 88, 88, 88, 120, 120, 120, 120, 184, 184, 184, 184, 184, 184, 184, 184, 248, 248, 248,
    ]);
  });

  it('shrinks on pop from capacity 100 as measured', () => {
    const changes: [number, number, number][] = [];
    let allocated = 100;
    for (let len = 100; len > 0; len--) {
      const next = listResize(allocated, len, len - 1);
      if (next !== allocated || len - 1 === 0) changes.push([len - 1, next, listSize(next)]);
      allocated = next;
    }
    expect(changes).toEqual([
      [49, 60, 536],
      [29, 36, 344],
      [17, 24, 248],
      [11, 16, 184],
      [7, 12, 152],
      [5, 8, 120],
      [1, 4, 88],
      [0, 0, 56],
    ]);
  });

  it('only changes the length while allocated/2 <= n <= allocated', () => {
    expect(listResize(8, 5, 4)).toBe(8);
    expect(listResize(8, 7, 8)).toBe(8);
    expect(listResize(8, 8, 9)).toBe(16);
    expect(listResize(8, 4, 3)).toBe(8); // (3 + 0 + 6) & ~3 == 8: reallocated to the same capacity
  });

  it('allocates exactly when a big extend outruns the over-allocation', () => {
    // n - oldLen > new - n: extending an empty list by 10 gives (10 + 3) & ~3 = 12, not 16.
    expect(listResize(0, 0, 10)).toBe(12);
    expect(listResize(0, 0, 1)).toBe(4);
  });

  it('rounds extend-into-empty up to even (OBJ-8c)', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(listPreallocateExact)).toEqual([0, 2, 2, 4, 4, 6, 6]);
    expect(listSize(listPreallocateExact(3))).toBe(88); // [1, 2, 3], list((1, 2, 3))
    expect(listSize(listPreallocateExact(5))).toBe(104); // [1, 2, 3, 4, 5], list(range(5))
  });

  it('sizes exact allocations and comprehensions (OBJ-8b)', () => {
    expect(LIST_OBJECT_SIZE).toBe(56);
    expect([1, 2, 3, 10].map(listSize)).toEqual([64, 72, 80, 136]);
    expect(listSize(appendCapacities(6).at(-1) ?? -1)).toBe(120); // [i for i in range(5)]
  });
});

describe('OBJ-11 dict', () => {
  /** A dict's table as CPython grows it: `usable` counts entries never used (deleted ones stay used). */
  class DictTable {
    tableSize = 0; // the shared empty keys of `{}`
    usable = 0;
    used = 0;
    unicode: boolean;
    constructor(unicode: boolean, presize = 0) {
      this.unicode = unicode;
      if (presize > 0) {
        this.tableSize = presize;
        this.usable = dictUsable(presize);
      }
    }
    insert(): void {
      if (this.usable <= 0) {
        this.tableSize = dictTableSize(3 * this.used); // insertion_resize: GROWTH_RATE
        this.usable = dictUsable(this.tableSize) - this.used;
      }
      this.usable -= 1;
      this.used += 1;
    }
    remove(): void {
      this.used -= 1;
    }
    get size(): number {
      return dictSize(this.tableSize, this.unicode);
    }
  }

  const sizesByCount = (unicode: boolean, max: number): number[] => {
    const d = new DictTable(unicode);
    const out = [d.size];
    for (let n = 1; n <= max; n++) {
      d.insert();
      out.push(d.size);
    }
    return out;
  };

  // spec OBJ-11: keys (lo-hi), getsizeof with int keys, getsizeof with str keys.
  const SPEC_TABLE: [number, number, number, number][] = [
    [0, 0, 64, 64],
    [1, 5, 224, 184],
    [6, 10, 352, 272],
    [11, 21, 632, 464],
    [22, 42, 1168, 832],
    [43, 85, 2264, 1584],
    [86, 170, 4688, 3328],
  ];

  // The table in the header comment of sizes.ts, transcribed; keep the two in step.
  const HEADER_TABLE: [number, number, number, number][] = [
    [0, 0, 64, 64],
    [1, 5, 224, 184],
    [6, 10, 352, 272],
    [11, 21, 632, 464],
    [22, 42, 1168, 832],
  ];

  it.each([
    ['the spec', SPEC_TABLE],
    ['the sizes.ts header', HEADER_TABLE],
  ])('reproduces the table of %s by inserting keys one at a time', (_name, table) => {
    const ints = sizesByCount(false, 170);
    const strs = sizesByCount(true, 170);
    for (const [lo, hi, intBytes, strBytes] of table) {
      for (let n = lo; n <= hi; n++) {
        expect([n, ints[n]]).toEqual([n, intBytes]);
        expect([n, strs[n]]).toEqual([n, strBytes]);
      }
    }
  });

  it('computes the table size of calculate_log2_keysize', () => {
    const S = (lo: number, hi: number): number[] =>
      Array.from({ length: hi - lo + 1 }, (_, i) => dictTableSize(lo + i));
    expect(dictTableSize(0)).toBe(8);
    expect(S(1, 7)).toEqual(Array(7).fill(16));
    expect(dictTableSize(8)).toBe(8);
    expect(S(9, 15)).toEqual(Array(7).fill(16));
    expect(S(16, 31)).toEqual(Array(16).fill(32));
    expect(S(32, 63)).toEqual(Array(32).fill(64));
    expect(dictTableSize(64)).toBe(128);
  });

  it('has (2S)//3 usable entries', () => {
    expect([8, 16, 32, 64, 128, 256].map(dictUsable)).toEqual([5, 10, 21, 42, 85, 170]);
  });

  it('uses 1, 2 then 4 index bytes per slot', () => {
    const indexBytes = (S: number): number => dictKeysSize(S, true) - 32 - dictUsable(S) * 16;
    expect(indexBytes(128)).toBe(128);
    expect(indexBytes(256)).toBe(512);
    expect(indexBytes(32768)).toBe(65536);
    expect(indexBytes(65536)).toBe(4 * 65536);
  });

  it('shrinks on the resize after deletions', () => {
    const a = new DictTable(false);
    for (let i = 0; i < 5; i++) a.insert();
    for (let i = 0; i < 3; i++) a.remove();
    expect(a.size).toBe(224); // deleting alone never shrinks
    a.insert();
    expect(a.size).toBe(352);

    const b = new DictTable(false);
    for (let i = 0; i < 5; i++) b.insert();
    for (let i = 0; i < 5; i++) b.remove();
    b.insert();
    expect(b.size).toBe(224);
  });

  it('keeps its table when emptied by del', () => {
    const d = new DictTable(false);
    for (let i = 0; i < 20; i++) d.insert();
    for (let i = 0; i < 20; i++) d.remove();
    expect(d.size).toBe(632);
  });

  it('presizes displays of more than 5 known items', () => {
    expect([0, 1, 5].map(dictPresize)).toEqual([0, 0, 0]);
    for (let n = 6; n <= 10; n++) expect(dictSize(dictPresize(n), false)).toBe(352);
    expect(dictSize(dictPresize(11), false)).toBe(632);
    // Filling a presized dict with its n items does not resize it.
    const d = new DictTable(false, dictPresize(11));
    for (let i = 0; i < 11; i++) d.insert();
    expect(d.size).toBe(632);
  });

  it('sizes the dict object itself', () => {
    expect(DICT_OBJECT_SIZE).toBe(64);
    expect(dictSize(0, false)).toBe(64);
  });
});

describe('OBJ-12 set', () => {
  /** getsizeof after each of `max` adds of new keys (no deletions, so fill == used). */
  const sizesByCount = (max: number): number[] => {
    let tableSize = SET_MINSIZE;
    let fill = 0;
    let used = 0;
    const out = [setSize(tableSize)];
    for (let n = 1; n <= max; n++) {
      // set_add_entry: the entry is stored (fill, used += 1), then the growth test runs.
      fill += 1;
      used += 1;
      const next = setGrow(tableSize, fill, used);
      if (next !== tableSize) {
        tableSize = next;
        fill = used; // the resize drops dummies; there are none here
      }
      out.push(setSize(tableSize));
    }
    return out;
  };

  it.each([
    [0, 4, 216],
    [5, 18, 728],
    [19, 76, 2264],
    [77, 306, 8408],
    [307, 1228, 32984],
    [1229, 1300, 131288],
  ])('has getsizeof %i..%i -> %i', (lo, hi, bytes) => {
    const sizes = sizesByCount(1300);
    for (let n = lo; n <= hi; n++) expect([n, sizes[n]]).toEqual([n, bytes]);
  });

  it('embeds the 8-slot table in the object', () => {
    expect(SET_OBJECT_SIZE).toBe(216);
    expect(setSize(8)).toBe(216);
    expect(setSize(16)).toBe(472); // {1, 2, 3, 4, 5} after set_merge
  });

  it('grows to the smallest power of two above 4·used, 2·used past 50000', () => {
    expect(setGrow(8, 4, 4)).toBe(8);
    expect(setGrow(8, 5, 5)).toBe(32);
    expect(setGrow(2 ** 16, 50000, 50000)).toBe(2 ** 18); // 4·50000 = 200000 < 262144
    expect(setGrow(2 ** 16, 60000, 60000)).toBe(2 ** 17); // 2·60000 = 120000 < 131072
  });
});
