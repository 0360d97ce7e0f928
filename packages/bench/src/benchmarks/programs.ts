/*
 * Programs: pymemsim against CPython on whole programs
 * ====================================================
 * For each program of the shared benchmark folder (`../shared/bench` beside the
 * checkout, or `PYMEMSIM_BENCH_DIR`), the wall time of pymemsim simulating it (parse,
 * run, shutdown, every memory event applied; no trace written) against `python3`
 * running it, side by side in one run (median of 3 alternating rounds each).
 *
 * Reported as rates (programs per second), like every other measurement: the ratio is
 * CPython's time over pymemsim's, so 0.05 means 20 times CPython's time. The target is
 * at most 20 times (ratio ≥ 0.05). The note gives the times and the events per second.
 * Both sides must print the same output, or the benchmark fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from '@pymemsim/interp';
import { measurement, type Benchmark, type Measurement } from '../benchmark.js';

const ROUNDS = 3;

export function benchDir(): string | undefined {
  const fromEnv = process.env['PYMEMSIM_BENCH_DIR'];
  if (fromEnv !== undefined) return existsSync(fromEnv) ? fromEnv : undefined;
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  const dir = join(root, '..', 'shared', 'bench');
  return existsSync(dir) ? dir : undefined;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

function timePython(path: string): { seconds: number; stdout: string } | string {
  const start = performance.now();
  const r = spawnSync('python3', ['-I', path], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - start) / 1000;
  if (r.error !== undefined) return `python3 could not run: ${r.error.message}`;
  if (r.status !== 0) return `python3 exited ${r.status}`;
  return { seconds, stdout: r.stdout };
}

function timePymemsim(text: string, path: string): { seconds: number; stdout: string; events: number } {
  const start = performance.now();
  const r = runProgram(text, path);
  const seconds = (performance.now() - start) / 1000;
  if (r.exitCode !== 0) throw new Error(`pymemsim failed on ${path}: ${r.stderr}`);
  return { seconds, stdout: r.stdout, events: r.rt?.state.seq ?? 0 };
}

export const programs: Benchmark = {
  name: 'program',
  run(): Promise<Measurement[]> {
    return Promise.resolve(runPrograms());
  },
};

function runPrograms(): Measurement[] {
  {
    const dir = benchDir();
    if (dir === undefined) {
      return [
        measurement({
          name: 'program/*',
          unit: 'programs/s',
          value: NaN,
          reference: NaN,
          referenceKind: 'cpython',
          note: 'no benchmark programs: ../shared/bench is not beside the checkout (set PYMEMSIM_BENCH_DIR)',
        }),
      ];
    }
    const out: Measurement[] = [];
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.py'))
      .sort()) {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const sim: number[] = [];
      const py: number[] = [];
      let events = 0;
      let pyNote: string | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        const s = timePymemsim(text, path);
        sim.push(s.seconds);
        events = s.events;
        const p = timePython(path);
        if (typeof p === 'string') {
          pyNote = p;
          continue;
        }
        if (p.stdout !== s.stdout) throw new Error(`${file}: pymemsim and python3 printed different output`);
        py.push(p.seconds);
      }
      const simT = median(sim);
      const pyT = py.length > 0 ? median(py) : NaN;
      out.push(
        measurement({
          name: `program/${file.replace(/\.py$/, '')}`,
          unit: 'programs/s',
          value: 1 / simT,
          reference: 1 / pyT,
          referenceKind: 'cpython',
          target: 1 / 20,
          note:
            pyNote ??
            `pymemsim ${simT.toFixed(2)} s, python3 ${pyT.toFixed(2)} s: ${(simT / pyT).toFixed(1)}x CPython's time; ` +
              `${events.toLocaleString('en-US')} events, ${Math.round(events / simT).toLocaleString('en-US')} events/s`,
        }),
      );
    }
    return out;
  }
}
