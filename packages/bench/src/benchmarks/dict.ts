/*
 * Dict: a million int keys built, then deleted, against CPython
 * =============================================================
 *   d = {}
 *   for i in range(n): d[i] = i
 *   for i in range(n): del d[i]
 *
 * simulated by pymemsim (parse, run, every memory event applied; no trace written)
 * against `python3` running the same program, rounds alternating (median of 3). What it
 * watches: every container operation costing what CPython's does (amortised O(1)
 * inserts, O(1) deletes). Deleting in insertion order empties the dict from the front,
 * the case that was quadratic (each deletion moved every reference after it).
 * Reported as programs per second; the target is at most 10 times CPython's time
 * (ratio ≥ 0.1). Both sides must print 0. pymemsim's time is `runProgram` in this
 * process (the VM's bootstrap included, Node's start-up not); python3's is its whole
 * process. The note gives the load average: times mean little on a loaded machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProgram } from '@pymemsim/interp';
import { measurement, type Benchmark, type Measurement } from '../benchmark.js';
import { median } from '../measure.js';

export interface DictOptions {
  /** Keys inserted then deleted (default 1,000,000). */
  readonly keys?: number;
  /** Timed rounds of each side (default 3). */
  readonly rounds?: number;
}

export const dictProgram = (keys: number): string =>
  `d = {}\nfor i in range(${keys}):\n    d[i] = i\nfor i in range(${keys}):\n    del d[i]\nprint(len(d))\n`;

export function dictBenchmark(options: DictOptions = {}): Benchmark {
  return { name: 'dict', run: () => Promise.resolve(measureDict(options)) };
}

export const dict: Benchmark = dictBenchmark();

function measureDict(options: DictOptions): Measurement[] {
  const keys = options.keys ?? 1_000_000;
  const rounds = options.rounds ?? 3;
  const text = dictProgram(keys);
  const dir = mkdtempSync(join(tmpdir(), 'pymemsim-bench-dict-'));
  const path = join(dir, 'dict.py');
  writeFileSync(path, text);
  const sim: number[] = [];
  const py: number[] = [];
  let events = 0;
  let pyNote: string | undefined;
  try {
    for (let round = 0; round < rounds; round++) {
      const start = performance.now();
      const r = runProgram(text, 'dict.py');
      sim.push((performance.now() - start) / 1000);
      if (r.exitCode !== 0 || r.stdout !== '0\n') throw new Error(`pymemsim failed on the dict program: ${r.stderr}`);
      events = r.rt?.state.seq ?? 0;
      const pyStart = performance.now();
      const p = spawnSync('python3', ['-I', path], { encoding: 'utf8' });
      const seconds = (performance.now() - pyStart) / 1000;
      if (p.error !== undefined || p.status !== 0) {
        pyNote = `python3 could not run: ${p.error?.message ?? `exit ${p.status}`}`;
        continue;
      }
      if (p.stdout !== '0\n') throw new Error('python3 printed something else than 0 for the dict program');
      py.push(seconds);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const simT = median(sim);
  const pyT = py.length > 0 ? median(py) : NaN;
  return [
    measurement({
      name: `dict/build-and-delete-${keys >= 1e6 ? `${keys / 1e6}M` : keys}`,
      unit: 'programs/s',
      value: 1 / simT,
      reference: 1 / pyT,
      referenceKind: 'cpython',
      target: 1 / 10,
      note:
        pyNote ??
        `${keys.toLocaleString('en-US')} int keys inserted then deleted in order: pymemsim ${simT.toFixed(2)} s, ` +
          `python3 ${pyT.toFixed(2)} s: ${(simT / pyT).toFixed(1)}x CPython's time; ${events.toLocaleString('en-US')} events; ` +
          `load average ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}`,
    }),
  ];
}
