/*
 * The byte codec: msgpack options and CRC32
 * =========================================
 * Every value a trace stores (header, event chunks, checkpoints, footer) is one msgpack
 * value encoded here, with msgpackr options pinned in this one module (STYLE.md §1:
 * a change of options is a change of format and must be seen as one).
 *
 * Read first: encodeValue(), then decodeValue().
 *
 * Decoding is for untrusted bytes. msgpackr turns the bytes into JavaScript values; then
 * `toPlain` walks the result and keeps only plain data (nil, booleans, numbers, strings,
 * arrays, maps with string keys). Anything else that msgpackr's built-in extensions
 * could produce (Date, Set, RegExp, Error, typed arrays, binary, BigInt, undefined in an
 * array, msgpackr "records") makes the value invalid: a trace writer never emits them.
 *
 * Maps are decoded as `Map`s (`mapsAsObjects: false`) and copied into plain objects by
 * `toPlain`, which defines every key as an own data property. A key `__proto__` thus
 * becomes an ordinary own property: it can never reach an object's prototype, and it
 * survives the round trip (a Python variable may be called `__proto__`). msgpackr's own
 * `mapsAsObjects: true` is also safe, but it renames the key to `__proto_`, which would
 * silently change a checkpointed state.
 *
 * Invariants:
 * - decodeValue(encodeValue(v)) deep-equals v for plain data v (codec.test.ts).
 * - decodeValue never throws and never returns a non-plain value (codec.test.ts, fuzzed).
 * - crc32 is the CRC-32 of zlib/PNG/gzip (IEEE 802.3, reflected, init and xorout
 *   0xFFFFFFFF); the check value of "123456789" is 0xCBF43926.
 *
 * Simplifications: an own property whose value is `undefined` is written by msgpackr as
 * its "undefined" extension and dropped when read back, as JSON.stringify would drop it;
 * -0 is written as the integer 0. Neither occurs in a header or a footer, the only
 * msgpack values of format 2 (its chunks and checkpoints are packed: packed.ts).
 */
import { Packr, type Options } from 'msgpackr';
import * as zlib from 'node:zlib';

/** The msgpackr options of format 1. Encoding and decoding both use them. */
export const MSGPACK_OPTIONS = {
  // Plain msgpack maps only: no msgpackr record structures shared between values.
  useRecords: false,
  // Maps decode as Map and are copied into plain objects by toPlain (see the header).
  mapsAsObjects: false,
  // Numbers are written as the smallest msgpack type that holds them exactly; never float32.
  useFloat32: 0,
  // No msgpackr-specific extensions on the write side (Set, Date, Error, RegExp ...).
  moreTypes: false,
  structuredClone: false,
  bundleStrings: false,
  // 64-bit integers decode as numbers (ids and addresses stay below 2^53).
  int64AsType: 'number',
} as const satisfies Options;

const packr = new Packr({ ...MSGPACK_OPTIONS });

/** Plain data: what a trace may contain once decoded. */
export type Plain = null | boolean | number | string | readonly Plain[] | { readonly [key: string]: Plain };
export type PlainObject = { readonly [key: string]: Plain };

export function encodeValue(value: unknown): Uint8Array {
  const buf = packr.pack(value);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export type Decoded = { readonly ok: true; readonly value: Plain } | { readonly ok: false; readonly reason: string };

/** Decode one msgpack value that must fill `bytes` exactly. Never throws. */
export function decodeValue(bytes: Uint8Array): Decoded {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (error) {
    return { ok: false, reason: `not valid msgpack (${describeError(error)})` };
  }
  try {
    return { ok: true, value: toPlain(raw, 0) };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  }
}

/** Deeper than any value a trace holds; also keeps the walk far from the stack limit. */
const MAX_DEPTH = 64;

class NotPlain extends Error {}

function toPlain(value: unknown, depth: number): Plain {
  if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  if (value === null) return null;
  if (typeof value !== 'object') throw new NotPlain(`a value of type ${describeType(value)}`);
  if (depth >= MAX_DEPTH) throw new NotPlain(`values nested more than ${MAX_DEPTH} deep`);
  if (Array.isArray(value)) {
    const out: Plain[] = new Array<Plain>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined) throw new NotPlain('an undefined array element');
      out[i] = toPlain(item, depth + 1);
    }
    return out;
  }
  if (value instanceof Map) {
    const out: Record<string, Plain> = {};
    for (const [key, item] of value as Map<unknown, unknown>) {
      if (typeof key !== 'string') throw new NotPlain(`a map key of type ${describeType(key)}`);
      if (item === undefined) continue; // msgpackr's "undefined" extension: an absent property
      const plain = toPlain(item, depth + 1);
      // An own data property, whatever the key: `__proto__` stays a key (see the header).
      if (key === '__proto__') {
        Object.defineProperty(out, key, { value: plain, enumerable: true, writable: true, configurable: true });
      } else {
        out[key] = plain;
      }
    }
    return out;
  }
  throw new NotPlain(`a ${describeType(value)} (a msgpack extension no trace writer emits)`);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype) return 'msgpackr record';
  if (proto === null) return 'null-prototype object';
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object';
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------------------------
// CRC32

let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (table !== undefined) return table;
  table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Table-driven CRC-32 in JavaScript, for Node versions without `zlib.crc32` (before 20.15). */
export function crc32Portable(bytes: Uint8Array): number {
  const t = crcTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = (t[(c ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const nativeCrc32: unknown = (zlib as { readonly crc32?: unknown }).crc32;

/** CRC-32 (zlib's), as an unsigned 32-bit number. */
export const crc32: (bytes: Uint8Array) => number =
  typeof nativeCrc32 === 'function'
    ? (bytes) => (nativeCrc32 as (data: Uint8Array) => number)(bytes) >>> 0
    : crc32Portable;
