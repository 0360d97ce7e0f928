/*
 * The compiler against CPython 3.11 on its whole standard library (opt-in: set
 * PYMEMSIM_STDLIB=1; about two minutes). Every .py file under python3.11's stdlib
 * directory is parsed and compiled by CPython (test/cpython/oracle.py) and compiled here
 * from CPython's tree; the test reports how many of how many compile identically and
 * fails on the first differences. The stdlib is what programs import in the simulation.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRecord, oracleUnavailable, PYTHON, runOracle } from './oracle.js';

/** Lone surrogates that pair up in JS strings (see packages/interp/README.md). */
const KNOWN: Record<string, string> = {
  'test/test_codecs.py': "'\\ud801\\udca0' is the astral character in JS strings",
  'test/test_json/test_scanstring.py': "'\\ud834\\udd20' is the astral character in JS strings",
  'test/test_unicode.py': "'\\ud800\\udc02' is the astral character in JS strings",
};

const enabled = process.env.PYMEMSIM_STDLIB === '1';
const unavailable = oracleUnavailable();

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

describe.skipIf(!enabled || unavailable !== null)(
  `compiler = CPython 3.11 on the standard library (${!enabled ? 'set PYMEMSIM_STDLIB=1 to run' : (unavailable ?? 'python3.11 found')})`,
  () => {
    it('compiles every stdlib file identically', () => {
      const stdlib = execFileSync(PYTHON, ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], {
        encoding: 'utf8',
      }).trim();
      const files = pyFiles(stdlib);
      let same = 0;
      let total = 0;
      const failures: string[] = [];
      for (let i = 0; i < files.length; i += 100) {
        for (const rec of runOracle(files.slice(i, i + 100))) {
          if (rec.parse_error !== undefined) continue;
          total++;
          const rel = rec.path.slice(stdlib.length + 1);
          const verdict = compareRecord(rec);
          if (verdict.ok) same++;
          else if (KNOWN[rel] === undefined) failures.push(`${rel}: ${verdict.detail}`);
        }
      }
      console.log(`stdlib: ${same} of ${total} files compile identically to CPython 3.11`);
      expect(failures.slice(0, 20)).toEqual([]);
      expect(same).toBe(total - Object.keys(KNOWN).length);
    }, 900_000);
  },
);
