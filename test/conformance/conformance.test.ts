/*
 * Conformance with CPython 3.11: every case is a Python program with the exact stdout
 * of real CPython 3.11 (NAME.out) and, when it exits non-zero, its exit status
 * (NAME.exit) and last stderr line (NAME.err). A case passes when pymemsim prints the
 * same bytes, exits the same way and ends stderr with the same line — the rules of the
 * public corpus's runner.
 *
 * Two corpora: this project's own cases (test/conformance/cases, expected outputs made
 * by test/conformance/regenerate from real CPython), and the public corpus in
 * ../shared/conformance when it is present beside the checkout.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '@pymemsim/interp';
import { decodeSource } from '@pymemsim/interp/parse';

const here = import.meta.dirname;
const ownCases = join(here, 'cases');
const publicCorpus = join(here, '..', '..', '..', 'shared', 'conformance');

/**
 * Public cases where pymemsim is known to differ from CPython, with why. They run as
 * expected failures: if one starts passing, the test fails until it leaves this list.
 */
const KNOWN_DIVERGENCES: Record<string, string> = {};

interface Case {
  readonly name: string;
  readonly dir: string;
}

function cases(dir: string): Case[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{3}-[A-Za-z0-9_.-]+\.py$/.test(f))
    .sort()
    .map((f) => ({ name: f.replace(/\.py$/, ''), dir }));
}

/**
 * A runaway case (a loop the simulation never leaves) stops after this long and fails its
 * test: a synchronous run cannot be cut short by the test runner's own timeout.
 */
const CASE_SECONDS = 60;

function deadline(seconds: number): () => string | undefined {
  const end = Date.now() + seconds * 1000;
  return () => (Date.now() > end ? `stopped after ${seconds} s` : undefined);
}

function check(c: Case): void {
  const file = (ext: string): string | undefined => {
    const p = join(c.dir, `${c.name}.${ext}`);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  };
  // The source is decoded as CPython decodes .py files (PEP 263 cookies, BOM); a source
  // that cannot be decoded ends as CPython's run does, with its SyntaxError.
  const decoded = decodeSource(readFileSync(join(c.dir, `${c.name}.py`)), `${c.name}.py`);
  const result =
    decoded.text === undefined
      ? { stdout: '', exitCode: 1, stderr: `SyntaxError: ${decoded.diagnostics[0]?.message ?? ''}\n`, stopped: undefined }
      : runProgram(decoded.text, `${c.name}.py`, { interrupted: deadline(CASE_SECONDS) });
  expect(result.stopped).toBeUndefined();
  expect(result.stdout).toBe(file('out') ?? '');
  const exit = Number((file('exit') ?? '0').trim());
  expect(result.exitCode).toBe(exit);
  if (exit !== 0) {
    const last = result.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      .at(-1);
    expect(last).toBe((file('err') ?? '').trim());
  }
}

describe('conformance: this project’s cases', () => {
  it.each(cases(ownCases))('$name', (c) => check(c));
});

const publicCases = cases(publicCorpus);
describe.runIf(publicCases.length > 0)('conformance: the public corpus (../shared/conformance)', () => {
  for (const c of publicCases) {
    const reason = KNOWN_DIVERGENCES[c.name];
    if (reason !== undefined) it.fails(`${c.name} (known divergence: ${reason})`, () => check(c));
    else it(c.name, () => check(c));
  }
});

it.runIf(publicCases.length === 0)('the public corpus is not beside the checkout (skipped)', () => {
  expect(existsSync(publicCorpus)).toBe(false);
});
