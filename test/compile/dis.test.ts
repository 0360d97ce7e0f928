/*
 * `pymemsim dis` against `python3.11 -m dis`: for every program of the conformance
 * corpora, the benchmark programs and this directory's programs, `disassemble` of the
 * code object our parser and compiler make from the source (compileSource, what
 * `pymemsim dis` prints) prints what `python3 -m dis FILE` prints
 * (PYTHONHASHSEED=0, so frozensets of strings iterate in a reproducible order), byte for
 * byte once the code objects' addresses are masked on both sides. Skipped, saying why,
 * when python3 is not CPython 3.11.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { astFromJson, compileModule, compileSource, coPositions, disassemble, type CodeObject } from '@pymemsim/interp';
import { decodeSource } from '@pymemsim/interp/parse';
import { oracleUnavailable, PYTHON, runOracle, type OracleRecord } from './oracle.js';

const here = import.meta.dirname;
const root = join(here, '..', '..');
const dirs = [
  join(root, '..', 'shared', 'conformance'),
  join(root, '..', 'shared', 'bench'),
  join(root, 'test', 'conformance', 'cases'),
  join(here, 'programs'),
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
const mask = (s: string): string => s.replace(/0x[0-9a-f]+/g, '0x…');

describe.skipIf(unavailable !== null)(`dis = python3.11 -m dis (${unavailable ?? 'python3.11 found'})`, () => {
  it.each(
    records.filter((r) => r.code !== undefined).map((r) => [r.path.replace(/^.*\/(shared|test)\//, '$1/'), r] as const),
  )('%s', (_name, rec) => {
    const theirs = execFileSync(PYTHON, ['-m', 'dis', rec.path], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONHASHSEED: '0' },
      maxBuffer: 1 << 28,
    });
    // The file's bytes decoded as python3 decodes a source file (coding cookie, BOM).
    const { text } = decodeSource(readFileSync(rec.path), rec.path);
    if (text === undefined) throw new Error(`${rec.path} did not decode`);
    const { code } = compileSource(text, rec.path, 'exec');
    if (code === undefined) throw new Error(`${rec.path} did not compile`);
    expect(mask(disassemble(code))).toBe(mask(theirs));
  });
});

if (unavailable !== null) {
  describe('dis = python3.11 -m dis', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}

const POSITIONS = `
import json, sys, types
def walk(co):
    yield [list(p) for p in co.co_positions()]
    for c in co.co_consts:
        if isinstance(c, types.CodeType):
            yield from walk(c)
co = compile(open(sys.argv[1], 'rb').read(), sys.argv[1], 'exec', dont_inherit=True)
print(json.dumps(list(walk(co))))
`;

describe.skipIf(unavailable !== null)(`co_positions = CPython's (${unavailable ?? 'python3.11 found'})`, () => {
  it.each(records.filter((r) => r.path.includes('/programs/')).map((r) => [r.path.replace(/^.*\//, ''), r] as const))(
    '%s',
    (_name, rec) => {
      const theirs = JSON.parse(execFileSync(PYTHON, ['-c', POSITIONS, rec.path], { encoding: 'utf8' })) as unknown;
      const { code } = compileModule(astFromJson(rec.ast), rec.path);
      if (code === undefined) throw new Error(`${rec.path} did not compile`);
      const ours: unknown[] = [];
      const walk = (co: CodeObject): void => {
        ours.push(coPositions(co).map((p) => [p.lineno, p.end_lineno, p.col_offset, p.end_col_offset]));
        for (const c of co.consts) if (c.k === 'code') walk(c.code);
      };
      walk(code);
      expect(ours).toEqual(theirs);
    },
  );
});
