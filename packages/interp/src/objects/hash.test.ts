import { describe, expect, it } from 'vitest';
import { hashFloat, hashFrozenset, hashInt, hashPointer, hashStr, hashTuple } from './hash.js';

describe('hash', () => {
  it('numbers that are equal hash alike', () => {
    expect(hashFloat(1.0)).toBe(hashInt(1n));
    expect(hashFloat(-2.0)).toBe(hashInt(-2n));
    expect(hashFloat(2 ** 70)).toBe(hashInt(2n ** 70n));
    expect(hashInt(-1n)).toBe(-2n);
  });

  it('str uses SipHash-1-3 with the PYTHONHASHSEED=0 key; the empty str hashes to 0', () => {
    expect(hashStr('')).toBe(0n);
    expect(hashStr('a')).toBe(4644417185603328019n); // PYTHONHASHSEED=0 python3 -c "print(hash('a'))"
  });

  it('frozenset hashes ignore order; tuples do not', () => {
    expect(hashFrozenset([1n, 2n, 3n])).toBe(hashFrozenset([3n, 1n, 2n]));
    expect(hashTuple([1n, 2n])).not.toBe(hashTuple([2n, 1n]));
  });

  it('pointers rotate right by 4 bits', () => {
    expect(hashPointer(0x10)).toBe(1n);
  });
});
