import { describe, expect, it } from 'vitest';
import { formatComplex, formatFloat, formatInt, formatStr, parseSpec } from './formatSpec.js';

describe('formatSpec', () => {
  it('parses fill, align, sign, z, #, 0, width, grouping, precision and type', () => {
    expect(parseSpec('*>+z#010,.3f', '', '>', 'float')).toEqual({
      fill: '*',
      align: '>',
      sign: '+',
      noNeg0: true,
      alternate: true,
      width: 10,
      grouping: 'comma',
      precision: 3,
      type: 'f',
    });
  });

  it('pads zeros between the sign and the digits, grouped like digits', () => {
    expect(formatInt(12345n, '0=12,')).toBe('0,000,012,345');
    expect(formatInt(-42n, '=+8d')).toBe('-     42');
    expect(formatInt(255n, '#010x')).toBe('0x000000ff');
  });

  it('formats floats from correctly rounded digits', () => {
    expect(formatFloat(1234567.891, ',.2f')).toBe('1,234,567.89');
    expect(formatFloat(-0.0001, 'z.2f')).toBe('0.00');
    expect(formatFloat(1e16, '.3')).toBe('1e+16');
  });

  it('str and complex', () => {
    expect(formatStr('abc', '^7.2')).toBe('  ab   ');
    expect(formatComplex(1, 2, '')).toBe('(1+2j)');
    expect(formatComplex(1, 2, '.2f')).toBe('1.00+2.00j');
  });
});
