/*
 * `pymemsim report` on the benchmark's LRU cache (../shared/bench/lru.py, its loop cut to
 * 3,000 iterations): the per-type counts are the objects the run allocated, and the
 * Entry objects are as many as CPython 3.11 makes for the same program (counted there by
 * a `__new__` that counts), all but the two sentinels at the `Entry(key, value)` line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTrace } from '@pymemsim/replay';
import { describe, expect, it } from 'vitest';
import { runCli } from '../main.js';
import { memoryIo } from '../memoryIo.js';

const LRU = join(import.meta.dirname, '..', '..', '..', '..', '..', 'shared', 'bench', 'lru.py');

const python311 = (): boolean => {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[:2] == (3, 11))'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'True';
};

interface ReportJson {
  rows: { key: string; allocations: number; aliveAtEnd: number; source?: string }[];
  total: { allocations: number };
  startup: number;
}

describe.runIf(existsSync(LRU))('pymemsim report on lru.py', () => {
  it(
    'counts every object by type, and the Entry objects where the program makes them',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pymemsim-report-'));
      const source = readFileSync(LRU, 'utf8').replace('range(200000)', 'range(3000)');
      const program = join(dir, 'lru.py');
      writeFileSync(program, source);
      const trace = join(dir, 'lru.pmt');
      expect(await runCli(['run', '-o', trace, program], memoryIo())).toBe(0);
      const report = async (...args: string[]): Promise<ReportJson> => {
        const io = memoryIo();
        expect(await runCli(['report', trace, '--json', ...args], io)).toBe(0);
        return JSON.parse(io.stdout) as ReportJson;
      };
      // Every object of the run, by type: the trace's own allocations.
      const all = await report('--by', 'type', '--startup', '--at', 'last');
      const events = readTrace(readFileSync(trace), trace).events;
      const perType = new Map<string, number>();
      for (const e of events) if (e.type === 'ObjectAllocated') perType.set(e.pyType, (perType.get(e.pyType) ?? 0) + 1);
      expect(new Map(all.rows.map((r) => [r.key, r.allocations]))).toEqual(perType);
      const entries = perType.get('Entry') ?? 0;
      // The Entry(key, value) line makes all of them but the two sentinels of LRU.__init__,
      // and for each the tuple its arguments are packed into (_PyObject_MakeTpCall).
      const byLine = await report('--by', 'line');
      const entryLine = byLine.rows.find((r) => r.source === 'e = Entry(key, value)');
      expect(entryLine?.allocations).toBe(2 * (entries - 2));
      expect(byLine.rows[0]?.source).toBe('e = Entry(key, value)'); // ranked first
      expect(entryLine?.aliveAtEnd).toBe(1000); // the cache's capacity
      const byType = await report('--by', 'type');
      expect(byType.rows.find((r) => r.key === 'Entry')?.allocations).toBe(entries);
      if (python311()) {
        const counted = source
          .replace(
            'class Entry:\n',
            'class Entry:\n    made = 0\n    def __new__(cls, *a):\n        Entry.made += 1\n        return object.__new__(cls)\n',
          )
          .replace('print(hits)', 'print(Entry.made)');
        const r = spawnSync('python3', ['-c', counted], { encoding: 'utf8' });
        expect(r.status).toBe(0);
        expect(entries).toBe(Number(r.stdout.trim()));
      }
    },
  );
});
