/*
 * Uncaught exceptions print what CPython 3.11 prints, byte for byte: each program in
 * programs/ runs as `python3 NAME.py` would (its absolute path as the program's path),
 * and its stdout, stderr and exit status must equal real CPython's, recorded in
 * expected.json by ./regenerate (the programs folder written as {DIR}).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '@pymemsim/interp';

const here = import.meta.dirname;
const dir = join(here, 'programs');

interface Expected {
  readonly stdout: string;
  readonly stderr: string;
  readonly exit: number;
}

/** Programs pymemsim does not print right yet, with why; they run as expected failures. */
const PENDING: Record<string, string> = {};

const expected = JSON.parse(readFileSync(join(here, 'expected.json'), 'utf8')) as Record<string, Expected>;

describe('uncaught exceptions print as CPython 3.11 does', () => {
  for (const [name, want] of Object.entries(expected)) {
    (PENDING[name] === undefined ? it : it.fails)(name, () => {
      const path = join(dir, `${name}.py`);
      const r = runProgram(readFileSync(path, 'utf8'), path);
      const fill = (s: string): string => s.replaceAll('{DIR}', dir);
      expect({ stdout: r.stdout, stderr: r.stderr, exit: r.exitCode }).toEqual({
        stdout: fill(want.stdout),
        stderr: fill(want.stderr),
        exit: want.exit,
      });
    });
  }
});
