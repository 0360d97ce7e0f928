/*
 * Our parser against CPython 3.11's: for every program of the conformance corpora, the
 * benchmarks and test/parse/programs (written to cover every construct and position
 * rule), the tree equals `ast.parse`'s, node for node and position for position
 * (test/cpython/dumpast.py prints CPython's). Needs python3 to be CPython 3.11.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWithCpython, dumpAll, findPython311, type CpythonRecord } from './cpython.js';

const root = join(import.meta.dirname, '..', '..');
const dirs = [
  join(root, '..', 'shared', 'conformance'),
  join(root, '..', 'shared', 'bench'),
  join(root, 'test', 'conformance', 'cases'),
  join(root, 'test', 'parse', 'programs'),
];
const files = dirs.flatMap((d) =>
  existsSync(d)
    ? readdirSync(d)
        .filter((f) => f.endsWith('.py'))
        .sort()
        .map((f) => join(d, f))
    : [],
);
const { python, why } = findPython311();

describe.skipIf(python === undefined)(
  `trees equal CPython 3.11's ast.parse${why === undefined ? '' : ` (skipped: ${why})`}`,
  () => {
    const records = new Map<string, CpythonRecord>();
    beforeAll(async () => {
      await dumpAll(files, (r) => records.set(r.file, r));
    }, 120_000);

    it('covers the programs written for it', () => {
      expect(files.filter((f) => f.includes(join('test', 'parse', 'programs'))).length).toBeGreaterThan(10);
    });

    const name = (f: string): string => (f.startsWith(root) ? relative(root, f) : relative(join(root, '..'), f));
    it.each(files.map((f) => ({ file: f, name: name(f) })))('$name', ({ file }) => {
      const r = records.get(file);
      expect(r, 'CPython dumped it').toBeDefined();
      expect(compareWithCpython(r as CpythonRecord)).toBeUndefined();
    });
  },
);

it.runIf(python === undefined)(`the comparisons with CPython are skipped: ${why ?? ''}`, () => {
  expect(why).toBeDefined();
});
