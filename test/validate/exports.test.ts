/*
 * The JSON Lines export of any recorded run validates: `pymemsim export --format jsonl`
 * of every golden trace (traces/) and of the run of every program of the conformance
 * corpora (this project's and, when it is beside the checkout, ../shared/conformance)
 * is accepted by `pymemsim validate`, through the commands themselves.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo, runCli } from '@pymemsim/cli';
import { checkProgram } from '@pymemsim/interp';
import { decodeSource } from '@pymemsim/interp/parse';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'pymemsim-exports-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Export a trace as JSON Lines, then validate the export: the validate command's exit code and output. */
async function exportAndValidate(trace: string, name: string): Promise<{ code: number; out: string }> {
  const jsonl = join(work, `${name}.jsonl`);
  const exported = memoryIo();
  expect(await runCli(['export', trace, '--format', 'jsonl', '-o', jsonl], exported), exported.stderr).toBe(0);
  const io = memoryIo();
  const code = await runCli(['validate', jsonl], io);
  rmSync(jsonl);
  return { code, out: io.stdout + io.stderr };
}

const goldens = readdirSync(join(root, 'traces')).filter((d) => existsSync(join(root, 'traces', d, 'trace.pmt')));

describe('the JSON Lines export of every golden trace validates', () => {
  it.each(goldens)('traces/%s', async (name) => {
    const { code, out } = await exportAndValidate(join(root, 'traces', name, 'trace.pmt'), `golden-${name}`);
    expect(out).toMatch(/: valid( \(.*\))?: \d+ events/);
    expect(code).toBe(0);
  });
});

/** The programs of a corpus that start (the others end before their run, as a SyntaxError). */
function runnable(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{3}-[A-Za-z0-9_.-]+\.py$/.test(f))
    .sort()
    .filter((f) => {
      // A source that does not decode (an unknown codec) ends before its run, with no trace.
      const { text } = decodeSource(readFileSync(join(dir, f)), f);
      return text !== undefined && checkProgram(text, f).diagnostics.length === 0;
    })
    .map((f) => join(dir, f));
}

const corpora = [join(root, 'test', 'conformance', 'cases'), join(root, '..', 'shared', 'conformance')].flatMap(
  runnable,
);

describe('the JSON Lines export of the run of every conformance program validates', () => {
  it('finds the corpus', () => {
    expect(corpora.length).toBeGreaterThan(50);
  });

  it.each(corpora.map((p) => [p.split('/').slice(-2).join('/'), p]))('%s', async (name, program) => {
    const trace = join(work, `${name.replace(/\W/g, '_')}.pmt`);
    const run = memoryIo();
    await runCli(['run', '-o', trace, program], run); // the program's own exit code (an uncaught exception is 1)
    expect(run.stderr).toContain(`trace written to ${trace}`);
    const { code, out } = await exportAndValidate(trace, name.replace(/\W/g, '_'));
    rmSync(trace);
    expect(out).toMatch(/: valid( \(.*\))?: \d+ events/);
    expect(code).toBe(0);
  });
});
