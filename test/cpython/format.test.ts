/*
 * format() and %-formatting against CPython 3.11
 * ===============================================
 * cases/format.json holds thousands of random format specs applied to ints, bools,
 * floats, strs and complex numbers, and random printf-style format strings applied to
 * str and bytes, each with the text CPython 3.11 produced or the exception it raised
 * (written once by formatcases.py, seeded). Every case must come out the same from
 * packages/interp's objects/formatSpec.ts and objects/printf.ts: the same text, or the
 * same exception class with the same message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { objects } from '@pymemsim/interp';
import { decode, outcomeOf, printfHost, str, type Encoded, type Outcome, type PyVal } from './pyvalues.js';

interface FormatCase {
  readonly value: Encoded;
  readonly spec: string;
  readonly result: Outcome;
}
interface PercentCase {
  readonly fmt: string;
  readonly bytes: boolean;
  readonly args: Encoded;
  readonly result: Outcome;
}
const table = JSON.parse(readFileSync(join(import.meta.dirname, 'cases', 'format.json'), 'utf8')) as {
  python: string;
  format: FormatCase[];
  percent: PercentCase[];
};

/** format(v, spec) as the built-in types' __format__ do it. */
function format(v: PyVal, spec: string): string {
  switch (v.t) {
    case 'int':
      return objects.formatInt(v.v, spec);
    case 'bool':
      // An empty spec is str(v); otherwise bool formats as the int it is.
      return spec === '' ? str(v) : objects.formatInt(v.v ? 1n : 0n, spec, 'bool');
    case 'float':
      return objects.formatFloat(v.v, spec);
    case 'str':
      return objects.formatStr(v.v, spec);
    case 'complex':
      return objects.formatComplex(v.re, v.im, spec);
    default:
      throw new Error(`no format for ${v.t}`);
  }
}

/** The cases whose outcome differs, described one per line (empty when all agree). */
function mismatches<C>(
  cases: readonly C[],
  run: (c: C) => Outcome,
  expected: (c: C) => Outcome,
  show: (c: C) => string,
): string[] {
  const out: string[] = [];
  for (const c of cases) {
    const got = run(c);
    const want = expected(c);
    if (JSON.stringify(got) !== JSON.stringify(want))
      out.push(`${show(c)}: got ${JSON.stringify(got)}, CPython ${JSON.stringify(want)}`);
  }
  return out;
}

describe(`formatting agrees with CPython ${table.python} on recorded cases`, () => {
  it('has at least 2,000 cases', () => {
    expect(table.format.length + table.percent.length).toBeGreaterThanOrEqual(2000);
  });

  it(`format(value, spec): ${table.format.length} cases`, () => {
    const bad = mismatches(
      table.format,
      (c) => outcomeOf(() => format(decode(c.value), c.spec)),
      (c) => c.result,
      (c) => `format(${JSON.stringify(c.value)}, ${JSON.stringify(c.spec)})`,
    );
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it(`fmt % args for str and bytes: ${table.percent.length} cases`, () => {
    const bad = mismatches(
      table.percent,
      (c) => outcomeOf(() => objects.percentFormat(printfHost, c.fmt, decode(c.args), c.bytes)),
      (c) => c.result,
      (c) => `${c.bytes ? 'b' : ''}${JSON.stringify(c.fmt)} % ${JSON.stringify(c.args)}`,
    );
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
