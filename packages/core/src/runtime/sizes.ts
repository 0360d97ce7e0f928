/*
 * Object sizes of CPython 3.11 on 64-bit
 * ======================================
 * `sys.getsizeof` values and the growth formulas of the resizable containers, as pure
 * functions of the simulated state. Rule numbers refer to spec/cpython-memory-model.md.
 *
 * Source: Objects/longobject.c (int___sizeof__), unicodeobject.c (PyUnicode_New),
 * listobject.c (list_resize, list_preallocate_exact), dictobject.c
 * (calculate_log2_keysize, new_keys_object, _PyDict_SizeOf), setobject.c
 * (set_table_resize, set_sizeof), typeobject.c (_PyType_PreHeaderSize).
 *
 * Table (OBJ-11, dict getsizeof by number of keys, no deletions):
 *
 *   keys    int keys   str keys
 *   0          64         64
 *   1-5       224        184
 *   6-10      352        272
 *   11-21     632        464
 *   22-42    1168        832
 *
 * sizes.test.ts checks this table and the others quoted in the spec against these functions.
 */

/** OBJ-1, OBJ-2: object header, variable-size header, GC header. */
export const PY_OBJECT_HEADER = 16;
export const PY_VAR_OBJECT_HEADER = 24;
export const GC_HEADER = 16;
/** OBJ-3: managed-dict pre-header of 3.11 instances (values pointer + dict pointer). */
export const MANAGED_DICT_PREHEADER = 16;

/** OBJ-5: 30-bit digits; zero still allocates one digit. */
export function intDigits(v: bigint): number {
  const abs = v < 0n ? -v : v;
  if (abs === 0n) return 0;
  if (abs < ONE_DIGIT) return 1; // most ints: no binary string needed
  if (abs < TWO_DIGITS) return 2;
  return Math.ceil(abs.toString(2).length / 30);
}
const ONE_DIGIT = 1n << 30n;
const TWO_DIGITS = 1n << 60n;
export const intSize = (v: bigint): number => 24 + 4 * Math.max(1, intDigits(v));

export const BOOL_SIZE = 28;
export const FLOAT_SIZE = 24;
export const NONE_SIZE = 16;

/** OBJ-9: compact ASCII strings have a 48-byte header; other compact strings 72 and 1, 2 or 4 bytes per char. */
export function strSize(s: string): number {
  let max = 0;
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp > max) max = cp;
    n += 1;
  }
  if (max < 128) return 49 + n;
  const width = max < 256 ? 1 : max < 65536 ? 2 : 4;
  return 72 + width * (n + 1);
}

/** OBJ-10. */
export const bytesSize = (n: number): number => 33 + n;

/** OBJ-7: 16 GC + 24 header + 8 per item. */
export const tupleSize = (n: number): number => GC_HEADER + PY_VAR_OBJECT_HEADER + 8 * n;

/** OBJ-8: 16 GC + 40 list object; the item array is a separate block of 8·allocated bytes. */
export const LIST_OBJECT_SIZE = GC_HEADER + 40;
export const listSize = (allocated: number): number => LIST_OBJECT_SIZE + 8 * allocated;

/**
 * OBJ-8a `list_resize`: the capacity after setting the length to `n`, given the
 * current capacity. Returns the same capacity when no reallocation happens.
 */
export function listResize(allocated: number, oldLen: number, n: number): number {
  if (allocated >= n && n >= allocated >> 1) return allocated;
  if (n === 0) return 0;
  let next = (n + (n >> 3) + 6) & ~3;
  if (n - oldLen > next - n) next = (n + 3) & ~3;
  return next;
}

/** OBJ-8c `list_preallocate_exact`: extending an empty list by a sized iterable of n items. */
export const listPreallocateExact = (n: number): number => (n + 1) & ~1;

/** OBJ-11: 16 GC + 48 dict object. */
export const DICT_OBJECT_SIZE = GC_HEADER + 48;

/** OBJ-11 `calculate_log2_keysize`: the table size for a requested minimum. */
export function dictTableSize(minsize: number): number {
  const v = ((minsize | 8) - 1) | 7;
  return 2 ** v.toString(2).length;
}
/** Usable entries of a table of size S: (2S)//3. */
export const dictUsable = (tableSize: number): number => Math.floor((2 * tableSize) / 3);

/** Bytes of a keys block: 32 header + index bytes + entries. */
export function dictKeysSize(tableSize: number, unicode: boolean): number {
  const indexBytes =
    tableSize <= 0x80
      ? tableSize
      : tableSize <= 0x8000
        ? 2 * tableSize
        : tableSize <= 0x80000000
          ? 4 * tableSize
          : 8 * tableSize;
  return 32 + indexBytes + dictUsable(tableSize) * (unicode ? 16 : 24);
}

/** getsizeof of a dict with its own keys table of `tableSize` (0: the shared empty keys). */
export const dictSize = (tableSize: number, unicode: boolean): number =>
  DICT_OBJECT_SIZE + (tableSize === 0 ? 0 : dictKeysSize(tableSize, unicode));

/** Table size of a dict presized for n known items (`_PyDict_FromItems`/BUILD_MAP): 0 means start empty. */
export const dictPresize = (n: number): number => (n <= 5 ? 0 : dictTableSize(Math.floor((3 * n + 1) / 2)));

/** OBJ-12: 16 GC + 200 set object embedding an 8-slot table; larger tables are separate. */
export const SET_OBJECT_SIZE = GC_HEADER + 200;
export const SET_MINSIZE = 8;
export const setSize = (tableSize: number): number => SET_OBJECT_SIZE + (tableSize > SET_MINSIZE ? 16 * tableSize : 0);

/** OBJ-12 `set_add_entry` growth: the new table size after an add, or the same size. */
export function setGrow(tableSize: number, fill: number, used: number): number {
  const mask = tableSize - 1;
  if (fill * 5 < mask * 3) return tableSize;
  const minused = used > 50000 ? used * 2 : used * 4;
  let size = SET_MINSIZE;
  while (size <= minused) size <<= 1;
  return size;
}

/** OBJ-13/OBJ-15: fixed sizes of 3.11 objects. */
export const FIXED_SIZES = {
  instance: GC_HEADER + MANAGED_DICT_PREHEADER + 24,
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
  /** A heap type (`class X:`); larger than 512 bytes, so it comes from the system allocator. */
  class: 1688,
} as const;

/** OBJ-14: instance of a class with `__slots__`. */
export const slottedInstanceSize = (nslots: number, weakrefSlot: boolean): number =>
  GC_HEADER + PY_OBJECT_HEADER + 8 * nslots + (weakrefSlot ? 8 : 0);
