import fc from 'fast-check';
import { Packr } from 'msgpackr';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Portable, decodeValue, encodeValue, type Plain } from './codec.js';

const bytesOf = (...parts: (number | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...Buffer.from(p, 'utf8')])));

/** msgpack str8 of `s` */
const str = (s: string): (number | string)[] => [0xd9, Buffer.byteLength(s), s];

describe('crc32', () => {
  it('has the CRC-32 check value', () => {
    expect(crc32(bytesOf('123456789'))).toBe(0xcbf43926);
    expect(crc32Portable(bytesOf('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('the table version agrees with zlib', () => {
    const native = (zlib as { crc32?: (b: Uint8Array) => number }).crc32;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(crc32Portable(bytes)).toBe(crc32(bytes));
        if (native !== undefined) expect(crc32Portable(bytes)).toBe(native(bytes) >>> 0);
      }),
    );
  });
});

const plain: fc.Arbitrary<Plain> = fc.letrec<{ value: Plain }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d)), // msgpackr writes -0 as 0 (codec.ts)
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'toString', '1')), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

describe('encodeValue / decodeValue', () => {
  it('decode after encode is the identity on plain data', () => {
    fc.assert(
      fc.property(plain, (value) => {
        const decoded = decodeValue(encodeValue(value));
        expect(decoded).toEqual({ ok: true, value });
      }),
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const decoded = decodeValue(bytes);
        expect(typeof decoded.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects trailing bytes and truncated values', () => {
    const bytes = encodeValue({ a: [1, 2, 3] });
    expect(decodeValue(bytes.subarray(0, bytes.length - 1)).ok).toBe(false);
    expect(decodeValue(Uint8Array.from([...bytes, 0xc0])).ok).toBe(false);
    // A map declaring 2^32 - 1 entries in a few bytes.
    expect(decodeValue(bytesOf(0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 'a', 1)).ok).toBe(false);
  });

  it('a __proto__ key never sets a prototype and survives as an own key', () => {
    // { "__proto__": { "polluted": true }, "inner": [ { "__proto__": { "polluted": 1 } } ] }
    const bytes = bytesOf(
      0x82,
      ...str('__proto__'),
      0x81,
      ...str('polluted'),
      0xc3,
      ...str('inner'),
      0x91,
      0x81,
      ...str('__proto__'),
      0x81,
      ...str('polluted'),
      0x01,
    );
    const decoded = decodeValue(bytes);
    if (!decoded.ok) throw new Error(decoded.reason);
    const value = decoded.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: true });
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    const inner = (value['inner'] as Record<string, unknown>[])[0] ?? {};
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype);
    expect(Object.hasOwn(inner, '__proto__')).toBe(true);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('an own __proto__ key round-trips', () => {
    const value: Record<string, Plain> = { a: 1 };
    Object.defineProperty(value, '__proto__', {
      value: { b: 2 },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const decoded = decodeValue(encodeValue(value));
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(Object.getOwnPropertyDescriptor(decoded.value, '__proto__')?.value).toEqual({ b: 2 });
    expect(Object.getPrototypeOf(decoded.value)).toBe(Object.prototype);
  });

  it('rejects values only msgpackr extensions produce', () => {
    const rich = new Packr({ moreTypes: true, structuredClone: true, useRecords: false });
    for (const value of [
      new Date(0),
      new Set([1]),
      /x+/g,
      new Error('boom'),
      Uint16Array.of(1, 2),
      Uint8Array.of(1, 2),
      [undefined],
      2n ** 70n,
    ]) {
      const decoded = decodeValue(rich.pack(value));
      expect(decoded.ok, String(value)).toBe(false);
    }
    // msgpackr records (shared structures) are never written by a trace writer.
    const records = new Packr({ useRecords: true });
    const decoded = decodeValue(records.pack([{ a: 1 }, { a: 2 }, { a: 3 }, { a: 4 }, { a: 5 }]));
    expect(decoded.ok).toBe(false);
  });

  it('drops properties whose value is undefined, as JSON does', () => {
    expect(decodeValue(encodeValue({ a: 1, b: undefined }))).toEqual({ ok: true, value: { a: 1 } });
  });

  it('rejects non-string map keys and deep nesting', () => {
    expect(decodeValue(bytesOf(0x81, 0x01, 0x02)).ok).toBe(false);
    const deep = bytesOf(...new Array<number>(200).fill(0x91), 0xc0);
    expect(decodeValue(deep).ok).toBe(false);
  });
});
