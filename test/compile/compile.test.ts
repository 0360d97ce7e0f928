/*
 * The compiler against CPython 3.11: for every program of the conformance corpora, the
 * benchmark programs and this directory's programs, the code objects compiled from
 * CPython's own tree equal the ones python3.11's `compile()` makes, field for field
 * (bytecode, constants, names, locals, flags, stack size, line table, exception table),
 * the constants CPython shares are one object here too, and the programs CPython's
 * compiler rejects get the same SyntaxError at the same position. Skipped, saying why,
 * when python3 is not CPython 3.11.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { astFromJson, compileModule } from '@pymemsim/interp';
import {
  compareEvalRecord,
  compareRecord,
  firstDifference,
  identities,
  oracleUnavailable,
  runEvalOracle,
  runOracle,
  type OracleRecord,
} from './oracle.js';

const here = import.meta.dirname;
const root = join(here, '..', '..');
const dirs = [
  join(root, '..', 'shared', 'conformance'),
  join(root, '..', 'shared', 'bench'),
  join(root, 'test', 'conformance', 'cases'),
  join(here, 'programs'),
  join(here, 'errors'),
];

const files = dirs.flatMap((d) =>
  existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith('.py'))
        .sort()
        .map((f) => join(d, f))
    : [],
);

const unavailable = oracleUnavailable();
const records: OracleRecord[] = unavailable === null ? runOracle(files) : [];

describe.skipIf(unavailable !== null)(`compiler = CPython 3.11 (${unavailable ?? 'python3.11 found'})`, () => {
  it('compiles every corpus file', () => {
    expect(records.length).toBe(files.length);
    expect(files.length).toBeGreaterThan(40);
  });
  it.each(records.map((r) => [r.path.replace(root + '/', '').replace(/^.*shared\//, 'shared/'), r] as const))(
    '%s',
    (_name, rec) => {
      const verdict = compareRecord(rec);
      expect(verdict.detail).toBe(verdict.ok ? verdict.detail : '');
      expect(verdict.ok).toBe(true);
    },
  );
});

if (unavailable !== null) {
  describe('compiler = CPython 3.11', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}

describe.skipIf(unavailable !== null)('constant identity check', () => {
  it('tells a merged constant from an equal copy', () => {
    const rec = records.find((r) => r.path.endsWith('expressions.py'));
    const code = rec && compileModule(astFromJson(rec.ast), rec.path).code;
    if (rec === undefined || code === undefined) throw new Error('expressions.py did not compile');
    expect(firstDifference(identities(code), rec.ids)).toBeNull();
    // t1 = t2 = (1, 2, (3, 4), 's'): one tuple object in CPython, so one here.
    const tuples = code.consts.filter((c) => c.k === 'tuple' && c.items.length === 4);
    expect(tuples.length).toBe(1);
    // The check tells one object used twice from two equal objects.
    const t = tuples[0] ?? code.consts[0];
    if (t === undefined) throw new Error('no constants');
    const twice = identities({ ...code, consts: [t, t] });
    const copies = identities({ ...code, consts: [t, { ...t }] });
    expect(firstDifference(twice, copies)).not.toBeNull();
  });
});

/** Expressions compiled in `eval` mode, as `eval()` compiles its argument. */
const EVAL_SOURCES = [
  '1 + 2',
  'x',
  'f(a, *b, c=1) if y else [i * 2 for i in z if i]',
  'lambda a, b=2: (a, b, (1, 2))',
  '{"k": (1, 2), "j": (1, 2)}[key]',
  '(yield_ := 3) and not (a in [1, 2, 3])',
  'f"{a!r:>{width}}" + "%s" % (b,)',
];

describe.skipIf(unavailable !== null)(`eval mode = CPython 3.11 (${unavailable ?? 'python3.11 found'})`, () => {
  const evalRecords = unavailable === null ? runEvalOracle(EVAL_SOURCES) : [];
  it.each(evalRecords.map((r) => [r.path, r] as const))('%s', (_src, rec) => {
    const verdict = compareEvalRecord(rec);
    expect(verdict.detail).toBe('');
    expect(verdict.ok).toBe(true);
  });
});
