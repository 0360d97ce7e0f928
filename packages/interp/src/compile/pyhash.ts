/*
 * CPython's hashes of constants and the iteration order of a frozenset
 * ====================================================================
 * A frozenset iterates in the order of its hash table (Objects/setobject.c: open
 * addressing, 9 linear probes then perturbed probing, table grown ×4 when 3/5 full), and
 * where an item lands depends on its hash (Python/pyhash.c, Objects/longobject.c,
 * floatobject.c, tupleobject.c): ints modulo 2**61-1, floats by `_Py_HashDouble`, str and
 * bytes by SipHash-1-3 keyed by the hash secret (all zeros with PYTHONHASHSEED=0), tuples
 * by the xxHash-style combination of their items. `setOrder` replays how the compiler
 * builds a frozenset constant (`setOrder`), so `dis` prints it in CPython's order under
 * PYTHONHASHSEED=0.
 * Hashes that depend on addresses (None, Ellipsis, code objects) are not reproducible.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- a port of CPython's C: indices
   and links are in range by construction, as there; a miss is a compiler defect */
import type { Constant } from './code.js';

const M64 = (1n << 64n) - 1n;
const MODULUS = (1n << 61n) - 1n;
const u64 = (x: bigint): bigint => x & M64;
const rotl = (x: bigint, b: bigint): bigint => u64((x << b) | (x >> (64n - b)));

function siphash13(data: Uint8Array): bigint {
  const k0 = 0n;
  const k1 = 0n;
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = u64(v0 + v1);
    v2 = u64(v2 + v3);
    v1 = rotl(v1, 13n) ^ v0;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = rotl(v0, 32n);
    v2 = u64(v2 + v1);
    v0 = u64(v0 + v3);
    v1 = rotl(v1, 17n) ^ v2;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = rotl(v2, 32n);
  };
  let n = data.length;
  let p = 0;
  let b = u64(BigInt(n) << 56n);
  while (n >= 8) {
    let mi = 0n;
    for (let i = 7; i >= 0; i--) mi = (mi << 8n) | BigInt(data[p + i]!);
    p += 8;
    n -= 8;
    v3 ^= mi;
    round();
    v0 ^= mi;
  }
  let t = 0n;
  for (let i = n - 1; i >= 0; i--) t = (t << 8n) | BigInt(data[p + i]!);
  b |= t;
  v3 ^= b;
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  return u64(v0 ^ v1 ^ v2 ^ v3);
}

const signed = (x: bigint): bigint => BigInt.asIntN(64, x);
const fixMinusOne = (h: bigint): bigint => (h === -1n ? -2n : h);

function hashBytes(data: Uint8Array): bigint {
  if (data.length === 0) return 0n;
  return fixMinusOne(signed(siphash13(data)));
}

function hashStr(s: string): bigint {
  const cps = Array.from(s, (c) => c.codePointAt(0)!);
  const max = cps.reduce((a, b) => Math.max(a, b), 0);
  const width = max < 256 ? 1 : max < 65536 ? 2 : 4;
  const data = new Uint8Array(cps.length * width);
  cps.forEach((cp, i) => {
    for (let k = 0; k < width; k++) data[i * width + k] = (cp >> (8 * k)) & 0xff;
  });
  return hashBytes(data);
}

function hashInt(v: bigint): bigint {
  const neg = v < 0n;
  const h = (neg ? -v : v) % MODULUS;
  return fixMinusOne(neg ? -h : h);
}

function hashFloat(v: number): bigint {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 0n : v > 0 ? 314159n : -314159n;
  if (Number.isInteger(v)) return hashInt(BigInt(v));
  let m = v;
  let sign = 1n;
  if (m < 0) {
    sign = -1n;
    m = -m;
  }
  // frexp
  let e = Math.floor(Math.log2(m)) + 1;
  m = m / 2 ** e;
  while (m >= 1) {
    m /= 2;
    e++;
  }
  while (m < 0.5) {
    m *= 2;
    e--;
  }
  let x = 0n;
  while (m) {
    x = ((x << 28n) & MODULUS) | (x >> (61n - 28n));
    m *= 268435456.0;
    e -= 28;
    const y = Math.floor(m);
    m -= y;
    x += BigInt(y);
    if (x >= MODULUS) x -= MODULUS;
  }
  const eb = BigInt(e >= 0 ? e % 61 : 61 - 1 - ((-1 - e) % 61));
  x = ((x << eb) & MODULUS) | (x >> (61n - eb));
  return fixMinusOne(x * sign);
}

const XXPRIME_1 = 11400714785074694791n;
const XXPRIME_2 = 14029467366897019727n;
const XXPRIME_5 = 2870177450012600261n;

/** `hash()` of a constant as CPython computes it with PYTHONHASHSEED=0 (0 where not reproducible). */
export function pyHash(c: Constant): bigint {
  switch (c.k) {
    case 'bool':
      return c.v ? 1n : 0n;
    case 'int':
      return hashInt(c.v);
    case 'float':
      return hashFloat(c.v);
    case 'complex':
      return fixMinusOne(signed(u64(hashFloat(c.re) + 1000003n * hashFloat(c.im))));
    case 'str':
      return hashStr(c.v);
    case 'bytes':
      return hashBytes(c.v);
    case 'tuple': {
      let acc = XXPRIME_5;
      for (const item of c.items) {
        const lane = u64(pyHash(item));
        acc = u64(acc + lane * XXPRIME_2);
        acc = rotl(acc, 31n);
        acc = u64(acc * XXPRIME_1);
      }
      acc = u64(acc + (BigInt(c.items.length) ^ (XXPRIME_5 ^ 3527539n)));
      return acc === M64 ? 1546275796n : signed(acc);
    }
    default:
      return 0n;
  }
}

const LINEAR_PROBES = 9;

/** The iteration order of `frozenset(items)` (items distinct), built the way the compiler builds it. */
function buildOrder(items: readonly Constant[]): Constant[] {
  let mask = 7;
  let table: ({ key: Constant; hash: bigint } | null)[] = new Array<null>(8).fill(null);
  let fill = 0;
  const insertClean = (t: typeof table, m: number, key: Constant, hash: bigint): void => {
    let perturb = u64(hash);
    let i = Number(u64(hash) & BigInt(m));
    for (;;) {
      if (t[i] === null) {
        t[i] = { key, hash };
        return;
      }
      if (i + LINEAR_PROBES <= m) {
        for (let j = 1; j <= LINEAR_PROBES; j++) {
          if (t[i + j] === null) {
            t[i + j] = { key, hash };
            return;
          }
        }
      }
      perturb >>= 5n;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(m));
    }
  };
  for (const key of items) {
    const hash = pyHash(key);
    let perturb = u64(hash);
    let i = Number(u64(hash) & BigInt(mask));
    let placed = false;
    while (!placed) {
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      let j = i;
      do {
        if (table[j] === null) {
          table[j] = { key, hash };
          placed = true;
          break;
        }
        j++;
      } while (probes--);
      if (placed) break;
      perturb >>= 5n;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(mask));
    }
    fill++;
    if (fill * 5 >= mask * 3) {
      const minused = fill > 50000 ? fill * 2 : fill * 4;
      let newsize = 8;
      while (newsize <= minused) newsize <<= 1;
      const newtable: typeof table = new Array<null>(newsize).fill(null);
      for (const e of table) if (e !== null) insertClean(newtable, newsize - 1, e.key, e.hash);
      table = newtable;
      mask = newsize - 1;
    }
  }
  return table.filter((e): e is { key: Constant; hash: bigint } => e !== null).map((e) => e.key);
}

/**
 * A frozenset constant's items in the order CPython iterates them: the AST optimizer's
 * `frozenset(tuple)` in source order, rebuilt by merge_consts_recursive from that set's
 * order. (CPython rebuilds it once more when the code object interns its strings and one
 * of them is replaced by an equal string interned earlier in the process, e.g. an
 * identifier some loaded module defines: that depends on the interpreter's state, not on
 * the program, and is not modelled.)
 */
export function setOrder(items: readonly Constant[]): Constant[] {
  return buildOrder(buildOrder(items));
}
