import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PATH, DEMO_PROGRAM, runProgram } from '@pymemsim/interp';
import { runCli } from '../main.js';
import { toExternal, toJsonLines, type ExternalRecord } from '../check/external.js';
import { memoryIo } from '../memoryIo.js';

/** The demo program's run, as external records. */
function demoRecords(): ExternalRecord[] {
  const result = runProgram(DEMO_PROGRAM, DEMO_PATH, { record: true });
  return toExternal(result.rt?.log ?? []);
}

async function validate(text: string): Promise<{ code: number; io: ReturnType<typeof memoryIo> }> {
  const path = join(mkdtempSync(join(tmpdir(), 'pymemsim-validate-')), 'events.jsonl');
  writeFileSync(path, text);
  const io = memoryIo();
  return { code: await runCli(['validate', path], io), io };
}

/** The line of record i in the JSON Lines text (the header is line 1). */
const lineOf = (i: number): number => i + 2;

describe('pymemsim validate', () => {
  const records = demoRecords();

  it('accepts the export of a real run', async () => {
    const { code, io } = await validate(toJsonLines(records));
    expect(io.stdout).toMatch(/valid: \d+ events, \d+ allocations, \d+ frees, 3 GC passes/);
    expect(code).toBe(0);
  });

  it('a removed decref: a leak at the end', async () => {
    // A producer that forgot the decref that took an object to zero never frees it: drop that
    // decref (by a list item, as the demo's list teardown does) and what followed for the
    // object (its free).
    const j = records.findIndex((r, k) => {
      if (r.type !== 'free') return false;
      const last = records.slice(0, k).findLast((d) => d.type === 'decref' && d.id === r.id);
      return last?.type === 'decref' && 'slot' in last.holder && last.holder.slot === 'item';
    });
    const victim = (records[j] as { id: number }).id;
    const i = records.slice(0, j).findLastIndex((r) => r.type === 'decref' && r.id === victim);
    const corrupted = records.filter((r, k) => !(k >= i && 'id' in r && r.id === victim));
    const { code, io } = await validate(toJsonLines(corrupted));
    expect(code).toBe(1);
    // The list that held it is freed while the model still counts its reference: the first
    // inconsistency, at the list's free.
    const listFree = corrupted.findIndex((r, k) => k >= i && r.type === 'free' && r.id !== victim);
    expect(io.stdout).toMatch(
      new RegExp(
        `:${lineOf(listFree)}: invalid: free of #\\d+ \\(list\\) while it still holds a reference to #${victim}\n`,
      ),
    );
  });

  it('a duplicated decref: below zero', async () => {
    // The decref that takes an object to zero (its free follows).
    const free = records.findIndex((r) => r.type === 'free');
    const freed = (records[free] as { id: number }).id;
    const i = records.slice(0, free).findLastIndex((r) => r.type === 'decref' && r.id === freed);
    const corrupted = [...records.slice(0, i + 1), records[i] as ExternalRecord, ...records.slice(i + 1)];
    const { code, io } = await validate(toJsonLines(corrupted));
    expect(code).toBe(1);
    expect(io.stdout).toContain(`:${lineOf(i + 1)}: invalid: decref of #${freed} (`);
    expect(io.stdout).toContain('below zero');
    expect(io.stdout).toMatch(/model: #\d+ .* refcount 0, held by: none/);
  });

  it('a free of a live object', async () => {
    const i = records.findIndex((r) => r.type === 'alloc' && r.pyType === 'list');
    const id = (records[i] as { id: number }).id;
    const corrupted = [...records.slice(0, i + 1), { type: 'free', id } as const, ...records.slice(i + 1)];
    const { code, io } = await validate(toJsonLines(corrupted));
    expect(code).toBe(1);
    expect(io.stdout).toContain(`:${lineOf(i + 1)}: invalid: free of #${id} (list) while 1 reference is held`);
    expect(io.stdout).toMatch(/model: #\d+ \(list\) alive, refcount 1, held by: /);
  });

  it('a use after free', async () => {
    const i = records.findIndex((r) => r.type === 'free');
    const id = (records[i] as { id: number }).id;
    const corrupted = [
      ...records.slice(0, i + 1),
      { type: 'incref', id, holder: { root: 'x' } } as const,
      ...records.slice(i + 1),
    ];
    const { code, io } = await validate(toJsonLines(corrupted));
    expect(code).toBe(1);
    expect(io.stdout).toContain(`:${lineOf(i + 1)}: invalid: incref of #${id} (`);
    expect(io.stdout).toContain('was already freed');
    expect(io.stdout).toMatch(/model: #\d+ .* freed, refcount 0/);
  });

  it('a cycle left after a full collection', async () => {
    const i = records.findIndex((r) => r.type === 'gc' && r.generation === 2 && r.collected.length > 0);
    const gc = records[i] as Extract<ExternalRecord, { type: 'gc' }>;
    const corrupted = records.map((r, j) => (j === i ? { ...gc, collected: gc.collected.slice(1) } : r));
    const { code, io } = await validate(toJsonLines(corrupted));
    expect(code).toBe(1);
    expect(io.stdout).toContain(`:${lineOf(i)}: invalid: a full collection left #${gc.collected[0]}`);
  });

  it('unreadable input: bad JSON (line and column), a missing header, a record outside the schema (exit 2)', async () => {
    const bad = await validate(`{"schema":"pymemsim-external/1"}\n{"type":"alloc","id":1,}\n`);
    expect(bad.code).toBe(2);
    expect(bad.io.stderr).toMatch(/events\.jsonl:2:\d+: unreadable: bad JSON/);
    const noHeader = await validate(`{"type":"free","id":1}\n`);
    expect(noHeader.code).toBe(2);
    expect(noHeader.io.stderr).toContain(':1:1: unreadable: the first line must be the header');
    const unknown = await validate(`{"schema":"pymemsim-external/1"}\n{"type":"explode","id":1}\n`);
    expect(unknown.code).toBe(2);
    expect(unknown.io.stderr).toContain(':2:1: unreadable: unknown record type "explode"');
  });
});
