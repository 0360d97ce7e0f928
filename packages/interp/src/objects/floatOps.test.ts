import { describe, expect, it } from 'vitest';
import { doubleToString, dtoa, floatRem, floatRepr, floatRound, intTrueDiv, compareIntFloat } from './floatOps.js';
import { PyError } from './pyError.js';

describe('floatOps', () => {
  it('the worked examples of the header', () => {
    expect(dtoa(0.125, 3, 2)).toEqual({ sign: false, digits: '12', decpt: 0 });
    expect(doubleToString(0.125, 'f', 2)).toBe('0.12');
    expect(dtoa(1e16, 0, 0)).toEqual({ sign: false, digits: '1', decpt: 17 });
    expect(floatRepr(1e16)).toBe('1e+16');
  });

  it('rounds ties to even on the exact binary value', () => {
    expect(doubleToString(0.375, 'f', 2)).toBe('0.38');
    expect(floatRound(2.675, 2)).toBe(2.67); // 2.675 is a little below the tie
    expect(doubleToString(2.5, 'f', 0)).toBe('2');
    expect(dtoa(0.0004, 3, 3)).toEqual({ sign: false, digits: '', decpt: -3 });
  });

  it('float_rem keeps the divisor sign; its zero errors name the operation', () => {
    expect(floatRepr(floatRem(100, 6.283185307179586))).toBe('5.7522203923062065');
    expect(Object.is(floatRem(-0.0, 5), 0)).toBe(true);
    expect(() => floatRem(1, 0)).toThrow(PyError);
  });

  it('divides ints exactly and compares ints with floats exactly', () => {
    expect(intTrueDiv(10n ** 20n, 3n)).toBe(3.3333333333333332e19);
    expect(intTrueDiv(2n ** 53n + 1n, 1n)).toBe(2 ** 53);
    expect(compareIntFloat(2n ** 60n + 1n, 2 ** 60)).toBe(1);
    expect(compareIntFloat(3n, 3.5)).toBe(-1);
  });
});
