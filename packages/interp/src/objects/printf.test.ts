import { describe, expect, it } from 'vitest';
import { percentFormat, type PrintfHost } from './printf.js';
import { PyError } from './pyError.js';

type V = number | string | V[];
const host: PrintfHost<V> = {
  tupleItems: (v) => (Array.isArray(v) ? v : undefined),
  isMapping: (v) => typeof v === 'string',
  isStr: (v) => typeof v === 'string',
  isBytes: () => false,
  getItem: () => {
    throw new PyError('KeyError', 'no mapping here');
  },
  longValue: (v) => (typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined),
  number: (v) =>
    typeof v !== 'number'
      ? undefined
      : Number.isInteger(v)
        ? { kind: 'int', value: BigInt(v) }
        : { kind: 'float', value: v },
  strValue: (v) => (typeof v === 'string' ? v : undefined),
  str: (v) => String(v),
  repr: (v) => (typeof v === 'string' ? `'${v}'` : String(v)),
  ascii: (v) => String(v),
  typeName: (v) => (typeof v === 'string' ? 'str' : Array.isArray(v) ? 'tuple' : Number.isInteger(v) ? 'int' : 'float'),
};

describe('percentFormat', () => {
  it('the worked example of the header', () => {
    expect(percentFormat(host, '%-+6.2f|', 3.14159)).toBe('+3.14 |');
  });

  it('conversions, flags and star widths', () => {
    expect(percentFormat(host, '%i|%x|%03d', [5, 255, 7])).toBe('5|ff|007');
    expect(percentFormat(host, '%*d|%-*d|', [4, 1, 3, 2])).toBe('   1|2  |');
    expect(percentFormat(host, '%#x|%+.3d', [255, 7])).toBe('0xff|+007');
  });

  it('the argument count errors', () => {
    expect(() => percentFormat(host, '%s %s', [1])).toThrow('not enough arguments for format string');
    expect(() => percentFormat(host, '%s', [1, 2])).toThrow('not all arguments converted during string formatting');
    expect(() => percentFormat(host, '%5%', [1])).toThrow("unsupported format character '%' (0x25) at index 2");
  });
});
