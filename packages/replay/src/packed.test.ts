import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Malformed } from './malformed.js';
import { PackReader, PackWriter, packValue, unpackValue } from './packed.js';

/** Plain data as a trace may hold it: any JSON-like value, with odd keys and prototypes. */
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'type', 'kind', '0', '1', '10', '-1', '01'),
);
const plainObject = (value: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> =>
  fc.tuple(fc.array(fc.tuple(key, value), { maxLength: 30 }), fc.boolean()).map(([entries, nullProto]) => {
    const o = (nullProto ? Object.create(null) : {}) as Record<string, unknown>;
    for (const [k, v] of entries)
      Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    return o;
  });
const plain: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.nat(),
    fc.maxSafeInteger(),
    fc.constantFrom(2 ** 52, 2 ** 52 - 1, -(2 ** 53) + 1, 0x7f0000000000, -0, 0.5, Infinity, -Infinity, NaN),
    fc.double(),
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    plainObject(tie('value')),
    // Many objects of one shape, as in a chunk, with nested shapes and numbers close together.
    fc.array(
      fc.record({
        type: fc.constantFrom('A', 'B'),
        id: fc.nat(50),
        holder: fc.record({ kind: fc.constantFrom('x', 'y'), n: fc.nat() }),
      }),
      { maxLength: 8 },
    ),
    // An int-keyed table (the heap's objects).
    fc.dictionary(fc.nat(1000).map(String), tie('value'), { maxKeys: 8 }),
  ),
})).value;

/** Equality that sees -0, NaN, prototypes and own __proto__ keys. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null) return Object.is(a, b);
  if (typeof b !== 'object' || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i] && !Array.isArray(a))) {
    // Int-like keys are ordered by value in JavaScript objects: compare as sets then.
    if (new Set(ka).size !== new Set(kb).size || ka.some((k) => !Object.hasOwn(b, k))) return false;
  }
  return ka.every((k) =>
    same(Object.getOwnPropertyDescriptor(a, k)?.value, Object.getOwnPropertyDescriptor(b, k)?.value),
  );
}

describe('packed values', () => {
  it('unpack(pack(v)) is v: prototypes, __proto__ keys, -0, NaN and large numbers included', () => {
    fc.assert(
      fc.property(plain, (v) => {
        const back = unpackValue(packValue(v), 'test');
        expect(same(back, v)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('objects written untagged share shapes and delta contexts, and read back in order', () => {
    fc.assert(
      fc.property(
        fc.array(plainObject(fc.oneof(fc.nat(), fc.string(), fc.boolean())), { maxLength: 40 }),
        (objects) => {
          const w = new PackWriter();
          for (const o of objects) w.object(o);
          const r = new PackReader(w.bytes(), 'test');
          for (const o of objects) expect(same(r.shaped(r.shape()), o)).toBe(true);
          expect(r.done).toBe(true);
        },
      ),
    );
  });

  it('shapedInto rewrites a scratch object with the next object of its shape', () => {
    const w = new PackWriter();
    const events = [1, 2, 300, 70000, 5].map((id) => ({
      type: 'RefIncremented',
      id,
      holder: { kind: 'stack', frame: id % 3 },
    }));
    for (const e of events) w.object(e);
    const r = new PackReader(w.bytes(), 'test');
    const shape = r.shape();
    const scratch = r.shaped(shape);
    expect(scratch).toEqual(events[0]);
    for (const e of events.slice(1)) {
      expect(r.shape()).toBe(shape);
      r.shapedInto(shape, scratch);
      expect(scratch).toEqual(e);
    }
  });

  it('a value never reads past the end: any truncation or bit flip is Malformed or another value', () => {
    fc.assert(
      fc.property(plain, fc.nat(), fc.integer({ min: 1, max: 255 }), (v, at, mask) => {
        const bytes = packValue(v);
        for (const damaged of [bytes.subarray(0, at % (bytes.length + 1)), flip(bytes, at % bytes.length, mask)]) {
          try {
            unpackValue(damaged, 'fuzz');
          } catch (error) {
            expect(error).toBeInstanceOf(Malformed);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes are Malformed, never a crash, a huge allocation or a prototype change', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          unpackValue(bytes, 'fuzz');
        } catch (error) {
          expect(error).toBeInstanceOf(Malformed);
        }
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses absurd counts and lengths before allocating for them', () => {
    const cases = [
      Uint8Array.of(7, 0xff, 0xff, 0xff, 0xff, 0x0f), // an array of 4 billion items in 6 bytes
      Uint8Array.of(6, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f), // a string of 4 GiB
      Uint8Array.of(9, 0xff, 0xff, 0xff, 0x7f), // a map of 268 million entries
      Uint8Array.of(8, 0x00, 0xff, 0xff, 0xff, 0x7f, 0), // a shape of 268 million keys
      Uint8Array.of(3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), // a number beyond 2^53
      Uint8Array.of(8, 0x05), // a shape referred to before it is defined
      Uint8Array.of(6, 0x03), // a string referred to before it is defined
    ];
    for (const bytes of cases) {
      expect(() => unpackValue(bytes, 'absurd')).toThrow(Malformed);
    }
    // Nesting deeper than any trace: refused, not a stack overflow.
    const deep = new Uint8Array(10_000).fill(7);
    for (let i = 1; i < deep.length; i += 2) deep[i] = 1;
    expect(() => unpackValue(deep, 'deep')).toThrow(/nested more than/);
  });

  it('a packed __proto__ key stays an own key and reaches no prototype', () => {
    const o = JSON.parse('{"__proto__": {"polluted": true}, "type": "X", "id": 1}') as Record<string, unknown>;
    const back = unpackValue(packValue([o, o, { ...o }]), 'proto') as Record<string, unknown>[];
    for (const b of back) {
      expect(Object.getPrototypeOf(b)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(b, '__proto__')?.value).toEqual({ polluted: true });
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

function flip(bytes: Uint8Array, at: number, mask: number): Uint8Array {
  const out = bytes.slice();
  out[at] = (out[at] ?? 0) ^ mask;
  return out;
}
