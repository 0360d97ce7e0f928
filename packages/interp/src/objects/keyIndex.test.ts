/*
 * KeyIndex answers as a Map does: the same values, sizes and insertion order after any
 * sequence of sets, deletes and clears, over number keys (small, negative, past 32 bits)
 * and string keys, and the same entries for an iteration that sets and deletes as it goes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyIndex } from './keyIndex.js';

const key = fc.oneof(
  fc.integer({ min: -40, max: 400 }),
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
  fc.constantFrom(2 ** 32, 2 ** 32 + 1, -(2 ** 32), 2 ** 40 + 7),
  fc.string({ maxLength: 3 }),
);
type Op = ['set', string | number, number] | ['delete', string | number] | ['clear'] | ['iterate', number];
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constant('set' as const), key, fc.nat()) },
  { weight: 5, arbitrary: fc.tuple(fc.constant('delete' as const), key) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('clear' as const)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('iterate' as const), fc.nat()) },
);

describe('KeyIndex', () => {
  it('answers as a Map does', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.array(key, { maxLength: 30 }), (ops, probes) => {
        const map = new Map<string | number, number>();
        const index = new KeyIndex<number>();
        for (const o of ops) {
          if (o[0] === 'set') {
            map.set(o[1], o[2]);
            index.set(o[1], o[2]);
          } else if (o[0] === 'delete') {
            expect(index.delete(o[1])).toBe(map.delete(o[1]));
          } else if (o[0] === 'clear') {
            map.clear();
            index.clear();
          } else {
            // An iteration that changes what it iterates: every third entry is deleted and
            // set again (it moves to the end, and is visited again there), the others are
            // deleted, until n steps were taken.
            const seen = (m: Map<string | number, number> | KeyIndex<number>): (string | number)[] => {
              const out: (string | number)[] = [];
              let steps = 0;
              for (const [k, v] of m) {
                out.push(k);
                if (++steps > o[1] % 50) break;
                m.delete(k);
                if (steps % 3 === 0) m.set(k, v + 1);
              }
              return out;
            };
            expect(seen(index)).toEqual(seen(map));
          }
          expect(index.size).toBe(map.size);
        }
        expect([...index]).toEqual([...map]);
        expect([...index.values()]).toEqual([...map.values()]);
        for (const k of [...probes, ...map.keys()]) {
          expect(index.get(k)).toBe(map.get(k));
          expect(index.has(k)).toBe(map.has(k));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('holds a million consecutive int keys, then none', () => {
    const index = new KeyIndex<number>();
    for (let i = 0; i < 1_000_000; i++) index.set(i, i);
    expect(index.size).toBe(1_000_000);
    expect(index.get(999_999)).toBe(999_999);
    for (let i = 0; i < 1_000_000; i++) expect(index.delete(i)).toBe(true);
    expect(index.size).toBe(0);
    expect([...index]).toEqual([]);
  });
});
