// Small programs about the C modules and the object behaviour they rely on, each with
// CPython 3.11's stdout beside it (NAME.out, from `python3 NAME.py`).
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runProgram } from '@pymemsim/interp';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'programs');

for (const name of readdirSync(dir).filter((f) => f.endsWith('.py'))) {
  it(`${name} prints what CPython prints`, () => {
    const path = join(dir, name);
    const result = runProgram(readFileSync(path, 'utf8'), path);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(readFileSync(path.replace(/\.py$/, '.out'), 'utf8'));
  });
}
