/*
 * `pymemsim run` decodes a program as CPython 3.11 decodes source: UTF-8 unless a coding
 * line says otherwise; bytes that do not decode are CPython's SyntaxError, word for word
 * (messages measured with python3 3.11).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../main.js';
import { memoryIo } from '../memoryIo.js';

async function run(bytes: Buffer): Promise<{ code: number; stdout: string; stderr: string; file: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'pymemsim-encoding-')), 'enc.py');
  writeFileSync(file, bytes);
  const io = memoryIo();
  const code = await runCli(['run', '--no-trace', file], io);
  return { code, stdout: io.stdout, stderr: io.stderr, file };
}

describe('source encoding', () => {
  it('a non-UTF-8 byte without a coding line is a SyntaxError, as python3 prints it', { timeout: 60_000 }, async () => {
    const r = await run(Buffer.from([...Buffer.from('x = "'), 0xe9, ...Buffer.from('"\nprint(x)\n')]));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `SyntaxError: Non-UTF-8 code starting with '\\xe9' in file ${r.file} on line 1, but no encoding declared; ` +
        'see https://peps.python.org/pep-0263/ for details\n',
    );
  });

  it('honours a `# -*- coding: latin-1 -*-` line', { timeout: 60_000 }, async () => {
    const r = await run(
      Buffer.from([...Buffer.from('# -*- coding: latin-1 -*-\nx = "'), 0xe9, ...Buffer.from('"\nprint(x)\n')]),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('é\n');
  });
});
