import { describe, expect, it } from 'vitest';
import { SetTable } from './setTable.js';

const eq = (a: number, b: number): boolean => a === b;
const h = (n: number): bigint => BigInt(n);

describe('SetTable', () => {
  it('the worked example: 3 then 1 iterate as 1, 3; 9 takes the perturbed step to slot 6', () => {
    const t = new SetTable<number>();
    t.add(3, h(3), eq);
    t.add(1, h(1), eq);
    expect(t.activeKeys()).toEqual([1, 3]);
    expect(t.add(9, h(9), eq).slot).toBe(6);
    // In a table of 32 the linear probes apply: 1 is taken, so 33 goes next door.
    const big = new SetTable<number>();
    big.resize(20);
    big.add(1, h(1), eq);
    expect(big.add(33, h(33), eq).slot).toBe(2);
    t.checkTable(eq);
  });

  it('grows when fill*5 >= mask*3, to the power of two above 4*used, and drops dummies', () => {
    const t = new SetTable<number>();
    for (let i = 0; i < 4; i++) t.add(i, h(i), eq);
    expect(t.size).toBe(8);
    expect(t.add(4, h(4), eq).resized).toBe(true);
    expect(t.size).toBe(32);
    t.discard(0, h(0), eq);
    expect(t.fill - t.used).toBe(1);
    t.checkTable(eq);
  });

  it('reuses the last dummy on the probe path without changing fill', () => {
    const t = new SetTable<number>();
    t.add(1, h(1), eq);
    t.add(9, h(9), eq); // slot 6 (1 is at slot 1)
    t.discard(1, h(1), eq);
    const fill = t.fill;
    expect(t.add(17, h(17), eq).slot).toBe(1);
    expect(t.fill).toBe(fill);
    t.checkTable(eq);
  });

  it('pops from the finger on, wrapping, and ranks slots among the active ones', () => {
    const t = new SetTable<number>();
    for (const k of [5, 2, 7]) t.add(k, h(k), eq);
    expect(t.rank(5)).toBe(1);
    expect(t.pop()?.key).toBe(2);
    expect(t.pop()?.key).toBe(5);
    expect(t.pop()?.key).toBe(7);
    expect(t.pop()).toBeUndefined();
  });
});
