/*
 * CPython 3.11's hash functions
 * =============================
 * `hash(x)` as CPython computes it, so sets and frozensets place their elements where
 * CPython places them (and iterate, print and pop in its order), and `hash()` prints
 * CPython's numbers. Numbers hash by their value modulo the Mersenne prime 2**61 - 1
 * (so 1 == 1.0 == True share a hash); str and bytes by SipHash-1-3 of their bytes;
 * tuples by 3.11's xxHash-based combination of their items' hashes; frozensets by a
 * shuffled xor of their items' hashes; every other object by its address.
 *
 * Source: Python/pyhash.c (siphash13, pysiphash, _Py_HashBytes, _Py_HashDouble,
 * _Py_HashPointer), Objects/longobject.c (long_hash), Objects/unicodeobject.c
 * (unicode_hash: the bytes of the PEP 393 representation), Objects/complexobject.c
 * (complex_hash), Objects/tupleobject.c (tuplehash), Objects/setobject.c
 * (frozenset_hash, _shuffle_bits), Objects/rangeobject.c (range_hash),
 * Objects/classobject.c (method_hash), Python/bootstrap_hash.c (the secret).
 *
 * Read first: `hashStr`, then `hashTuple`.
 *
 * The secret key: CPython draws the SipHash key at start-up unless PYTHONHASHSEED is
 * set; PYTHONHASHSEED=0 disables randomization and uses an all-zero key. The
 * simulation always uses that key, so its str and bytes hashes (and the order of sets
 * of strs) are those of `PYTHONHASHSEED=0 python3`; any other CPython run has its own.
 *
 * Vocabulary: a hash is a Py_hash_t, a signed 64-bit integer (a bigint here); -1 is
 * reserved for errors, so any computation giving -1 gives -2 instead.
 *
 * Worked example: hash(-1) == -2; hash(2**61) == 1; hash(0.5) == 2**60 (0.5 is the
 * inverse of 2 modulo 2**61 - 1); hash(()) == 5740354900026072187.
 *
 * Simplifications: the hash of NaN is its object's address (as in 3.10+); addresses
 * are the simulation's, so pointer hashes are deterministic but not CPython's.
 */

const M64 = (1n << 64n) - 1n;
const MODULUS = (1n << 61n) - 1n; // _PyHASH_MODULUS
const HASH_BITS = 61;
const HASH_INF = 314159n;
const HASH_IMAG = 1000003n;

/** A 64-bit unsigned value as Py_hash_t (signed), -1 mapped to -2. */
function toHash(u: bigint): bigint {
  const s = BigInt.asIntN(64, u);
  return s === -1n ? -2n : s;
}

// ---------------------------------------------------------------------------------
// SipHash-1-3 (pyhash.c), with the PYTHONHASHSEED=0 key.

const K0 = 0n;
const K1 = 0n;

const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;

/** siphash13(k0, k1, bytes): one compression round per 8-byte word, three finalization rounds. */
export function siphash13(bytes: Uint8Array, k0 = K0, k1 = K1): bigint {
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = (): void => {
    // HALF_ROUND(v0,v1,v2,v3,13,16); HALF_ROUND(v2,v1,v0,v3,17,21)
    v0 = (v0 + v1) & M64;
    v2 = (v2 + v3) & M64;
    v1 = rotl(v1, 13n) ^ v0;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v1) & M64;
    v0 = (v0 + v3) & M64;
    v1 = rotl(v1, 17n) ^ v2;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = rotl(v2, 32n);
  };
  const n = bytes.length;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    let mi = 0n;
    for (let k = 7; k >= 0; k--) mi = (mi << 8n) | BigInt(bytes[i + k] as number);
    v3 ^= mi;
    round();
    v0 ^= mi;
  }
  let t = 0n;
  for (let k = n - i - 1; k >= 0; k--) t = (t << 8n) | BigInt(bytes[i + k] as number);
  const b = ((BigInt(n) << 56n) & M64) | t;
  v3 ^= b;
  round();
  v0 ^= b;
  v2 ^= 0xffn;
  round();
  round();
  round();
  return (v0 ^ v1 ^ (v2 ^ v3)) & M64;
}

/** _Py_HashBytes: 0 for no bytes, else SipHash-1-3. */
export function hashBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  return toHash(siphash13(bytes));
}

/** The bytes CPython hashes for a str: its PEP 393 form (1, 2 or 4 bytes per character, little-endian). */
function strBytes(s: string): Uint8Array {
  const cps: number[] = [];
  let max = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    cps.push(c);
    if (c > max) max = c;
  }
  const width = max < 0x100 ? 1 : max < 0x10000 ? 2 : 4;
  const out = new Uint8Array(cps.length * width);
  cps.forEach((c, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = (c >>> (8 * k)) & 0xff;
  });
  return out;
}

const STR_HASHES = new Map<string, bigint>();

/** unicode_hash (cached per text, as a str object caches its hash). */
export function hashStr(s: string): bigint {
  let h = STR_HASHES.get(s);
  if (h === undefined) {
    h = hashBytes(strBytes(s));
    if (STR_HASHES.size < 1 << 16) STR_HASHES.set(s, h);
  }
  return h;
}

// ---------------------------------------------------------------------------------
// Numbers.

/** long_hash: the sign times |v| mod 2**61 - 1. */
export function hashInt(v: bigint): bigint {
  if (v >= 0n) return v < MODULUS ? v : v % MODULUS;
  const h = -(-v % MODULUS);
  return h === -1n ? -2n : h;
}

const view = new DataView(new ArrayBuffer(8));

/** frexp(x) for a finite non-zero x: [m, e] with x = m * 2**e and 0.5 <= |m| < 1. */
function frexp(x: number): [number, number] {
  view.setFloat64(0, x);
  const biased = (view.getUint32(0) >>> 20) & 0x7ff;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    const [m, e] = frexp(x * 2 ** 64);
    return [m, e - 64];
  }
  const e = biased - 1022;
  return [x * 2 ** -e, e]; // exact (2**-e itself may be subnormal, the product is not)
}

/**
 * _Py_HashDouble: the rational value of x mod 2**61 - 1 (28 bits of mantissa at a
 * time), with its sign; inf and -inf are +-314159; NaN hashes by `nanIdentity` (the
 * object's pointer hash).
 */
export function hashFloat(x: number, nanIdentity = 0n): bigint {
  if (!Number.isFinite(x)) {
    if (Number.isNaN(x)) return nanIdentity;
    return x > 0 ? HASH_INF : -HASH_INF;
  }
  if (x === 0) return 0n;
  let [m, e] = frexp(x);
  let sign = 1n;
  if (m < 0) {
    sign = -1n;
    m = -m;
  }
  let h = 0n;
  while (m !== 0) {
    h = ((h << 28n) & MODULUS) | (h >> BigInt(HASH_BITS - 28));
    m *= 268435456; // 2**28
    e -= 28;
    const y = Math.floor(m);
    m -= y;
    h += BigInt(y);
    if (h >= MODULUS) h -= MODULUS;
  }
  // Adjust for the exponent, reduced modulo HASH_BITS first.
  e = e >= 0 ? e % HASH_BITS : HASH_BITS - 1 - ((-1 - e) % HASH_BITS);
  h = ((h << BigInt(e)) & MODULUS) | (h >> BigInt(HASH_BITS - e));
  return toHash(h * sign);
}

/** complex_hash: hash(real) + 1000003 * hash(imag), in unsigned 64-bit arithmetic. */
export function hashComplex(re: number, im: number, nanIdentity = 0n): bigint {
  const hr = BigInt.asUintN(64, hashFloat(re, nanIdentity));
  const hi = BigInt.asUintN(64, hashFloat(im, nanIdentity));
  return toHash((hr + HASH_IMAG * hi) & M64);
}

// ---------------------------------------------------------------------------------
// Containers.

const XXPRIME_1 = 11400714785074694791n;
const XXPRIME_2 = 14029467366897019727n;
const XXPRIME_5 = 2870177450012600261n;

/** tuplehash (3.11): xxHash's round over the items' hashes, then the length. */
export function hashTuple(itemHashes: readonly bigint[]): bigint {
  let acc = XXPRIME_5;
  for (const h of itemHashes) {
    const lane = BigInt.asUintN(64, h);
    acc = (acc + lane * XXPRIME_2) & M64;
    acc = ((acc << 31n) | (acc >> 33n)) & M64; // rotate left 31
    acc = (acc * XXPRIME_1) & M64;
  }
  // The length, mangled to keep the historical value of hash(()).
  acc = (acc + (BigInt(itemHashes.length) ^ (XXPRIME_5 ^ 3527539n))) & M64;
  if (acc === M64) return 1546275796n;
  return BigInt.asIntN(64, acc);
}

/** _shuffle_bits of setobject.c. */
const shuffle = (h: bigint): bigint => ((h ^ 89869747n ^ ((h << 16n) & M64)) * 3644798167n) & M64;

/**
 * frozenset_hash: the xor of the shuffled hashes of the items (independent of their
 * order and of the table's empty and dummy slots), mixed with the count.
 */
export function hashFrozenset(itemHashes: readonly bigint[]): bigint {
  let h = 0n;
  for (const x of itemHashes) h ^= shuffle(BigInt.asUintN(64, x));
  h ^= ((BigInt(itemHashes.length) + 1n) * 1927868237n) & M64;
  h ^= (h >> 11n) ^ (h >> 25n);
  h = (h * 69069n + 907133923n) & M64;
  if (h === M64) h = 590923713n;
  return BigInt.asIntN(64, h);
}

/**
 * range_hash: hash((len, start, step)), with None for start and step when the range
 * is empty and None for step when it has one item.
 */
export function hashRange(len: bigint, start: bigint, step: bigint, noneHash: bigint): bigint {
  if (len === 0n) return hashTuple([hashInt(len), noneHash, noneHash]);
  if (len === 1n) return hashTuple([hashInt(len), hashInt(start), noneHash]);
  return hashTuple([hashInt(len), hashInt(start), hashInt(step)]);
}

// ---------------------------------------------------------------------------------
// Identity.

/** _Py_HashPointer: the address rotated right by 4 bits (the low bits of aligned pointers are 0). */
export function hashPointer(addr: number | bigint): bigint {
  const y = BigInt.asUintN(64, BigInt(addr));
  return toHash(((y >> 4n) | (y << 60n)) & M64);
}

/** method_hash: hash of `__self__`'s address xor hash of `__func__`. */
export function hashMethod(selfAddr: number | bigint, funcHash: bigint): bigint {
  return toHash(BigInt.asUintN(64, hashPointer(selfAddr) ^ funcHash));
}

/**
 * The hash of an object's `__hash__` result (slot_tp_hash): an int in the Py_hash_t
 * range is taken as it is (-1 becomes -2); a larger one is hashed as an int.
 */
export function hashFromHashMethod(v: bigint): bigint {
  if (v >= -(1n << 63n) && v < 1n << 63n) return v === -1n ? -2n : v;
  return hashInt(v);
}
