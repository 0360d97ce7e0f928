import { describe, expect, it } from 'vitest';
import {
  MAX_INT_BITS,
  MAX_ITEMS,
  MAX_STR_LENGTH,
  bitLength,
  checkIntBits,
  checkItems,
  checkStrLength,
} from './limits.js';
import { runProgram } from './run.js';

/** The last line of what CPython would print on stderr. */
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

describe('resource limits become what CPython 3.11 raises (measured with python3 -c)', () => {
  it.each([
    ['x = 2 ** 2 ** 40', 'MemoryError'],
    ['x = 1 << 2 ** 40', 'MemoryError'],
    ['x = 1 << 2 ** 63', 'MemoryError'],
    ["x = 'x' * 2 ** 40", 'MemoryError'],
    ['x = [0] * 2 ** 40', 'MemoryError'],
    ['x = [0] * 2 ** 62', 'MemoryError'],
    ["x = 'ab' * 2 ** 62", 'OverflowError: repeated string is too long'],
    ['x = 1 << -1', 'ValueError: negative shift count'],
    ['x = 1 >> -1', 'ValueError: negative shift count'],
    [
      'x = str(10 ** 5000)',
      'ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit',
    ],
    [
      "x = int('1' * 5000)",
      'ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit',
    ],
  ])('%s: %s, with the traceback as CPython prints it', (program, last) => {
    const r = runProgram(`${program}\n`, 'limits.py');
    expect(r.stopped).toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^Traceback \(most recent call last\):\n {2}File "limits\.py", line 1, in <module>\n/);
    expect(lastLine(r.stderr)).toBe(last);
  });

  it('a MemoryError is an exception the program can catch, as in CPython', () => {
    const r = runProgram('try:\n    x = 1 << 2 ** 40\nexcept MemoryError:\n    print("caught")\n', 'c.py');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('caught\n');
  });

  it.each([
    ["x = 'x' * 10 ** 9", /a str of 1000000000 characters is more than the simulation holds/],
    ['x = [0] * 10 ** 8', /a list of 100000000 items is more than the simulation holds/],
    ['x = list(range(10 ** 8))', /a list of 100000000 items is more than the simulation holds/],
    ['x = 10 ** 10 ** 9', /an int of 3000000001 bits is more than the simulation holds/],
    ["x = '{:>1000000000}'.format(1)", /longer than the JavaScript engine holds \(Invalid string length\)/],
  ])('%s: CPython builds it; the simulation stops cleanly, naming its limit', (program, message) => {
    const r = runProgram(`print("before")\n${program}\nprint("after")\n`, 'big.py', { record: true });
    expect(r.stopped).toMatch(message);
    expect(r.stopped).toMatch(/^MemoryError: .* the run stops here$/);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('before\n');
    // The run ends where it was: its events so far stand (the trace keeps them).
    expect(r.rt?.log?.length ?? 0).toBeGreaterThan(0);
  });

  it('the helpers: under a limit nothing, over it the exception or the stop', () => {
    expect(checkIntBits(MAX_INT_BITS)).toBeUndefined();
    expect(checkIntBits(MAX_INT_BITS + 1)).toMatchObject({ kind: 'stop' });
    expect(checkIntBits(2 ** 40)).toEqual({ kind: 'raise', exception: 'MemoryError' });
    expect(checkStrLength(MAX_STR_LENGTH, 'str')).toBeUndefined();
    expect(checkStrLength(2n ** 63n, 'bytes', true)).toMatchObject({ message: 'repeated bytes are too long' });
    expect(checkItems(MAX_ITEMS, 'list')).toBeUndefined();
    expect(checkItems(MAX_ITEMS + 1, 'dict')).toMatchObject({ kind: 'stop' });
    for (const v of [0n, 1n, 2n, 255n, 256n, -256n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 100n, -(2n ** 100n) + 1n]) {
      expect(bitLength(v)).toBe(v === 0n ? 0 : (v < 0n ? -v : v).toString(2).length);
    }
  });
});
