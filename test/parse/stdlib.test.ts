/*
 * Every .py file of CPython 3.11's standard library (Lib, recursively, without
 * site-packages) parsed by our parser and by CPython's: the trees must be equal, and the
 * files CPython rejects (test data with deliberate errors) must be rejected too.
 * Slow (a few minutes): runs only with PYMEMSIM_STDLIB=1, e.g.
 *   PYMEMSIM_STDLIB=1 pnpm vitest run test/parse/stdlib.test.ts
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { compareWithCpython, dumpAll, findPython311 } from './cpython.js';

const enabled = process.env['PYMEMSIM_STDLIB'] === '1';
const { python, why } = findPython311();

function pyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'site-packages' && e.name !== '__pycache__') out.push(...pyFiles(p));
    } else if (e.name.endsWith('.py')) out.push(p);
  }
  return out.sort();
}

it.runIf(enabled && python !== undefined)(
  'parses the whole CPython 3.11 standard library as CPython does',
  async () => {
    const lib = execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
      encoding: 'utf8',
    }).trim();
    const files = pyFiles(lib);
    const failures: string[] = [];
    let rejectedByBoth = 0;
    let matched = 0;
    await dumpAll(files, (r) => {
      const d = compareWithCpython(r);
      if (d !== undefined) failures.push(`${r.file}: ${d}`);
      else if (r.error !== undefined || r.crash !== undefined) rejectedByBoth++;
      else matched++;
    });
    const parseable = files.length - rejectedByBoth;
    console.log(
      `stdlib: ${matched} of ${parseable} files CPython parses give the same tree; ` +
        `${rejectedByBoth} files CPython rejects are rejected too; ${failures.length} differ`,
    );
    expect(failures).toEqual([]);
  },
  1_200_000,
);

it.runIf(!enabled || python === undefined)(
  `the standard library comparison is skipped (${!enabled ? 'set PYMEMSIM_STDLIB=1' : (why ?? '')})`,
  () => {
    expect(enabled && python !== undefined).toBe(false);
  },
);
