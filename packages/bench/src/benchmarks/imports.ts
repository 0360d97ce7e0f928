/*
 * Imports: the time of `import M` for the standard-library modules of STDLIB_MODULES,
 * pymemsim against CPython, side by side in one run
 * ==================================================================================
 * CPython: a fresh `python3 -I -S` process per round times the import alone with
 * time.perf_counter() around `import M` (no start-up; .pyc files from __pycache__ as
 * usual, so no compiling). pymemsim: runProgram('import M') in this process, a fresh VM
 * each round, minus runProgram('pass') (start-up and shutdown), so what remains is the
 * import: reading the sources from the Lib archive, compiling them (pymemsim has no .pyc
 * cache) and running them with every memory event applied. Median of ROUNDS rounds each,
 * alternating.
 *
 * Reported as rates (imports per second); the ratio is CPython's time over pymemsim's.
 * The note gives both times in milliseconds.
 */
import { spawnSync } from 'node:child_process';
import { runProgram } from '@pymemsim/interp';
import { measurement, type Benchmark, type Measurement } from '../benchmark.js';
import { STDLIB_MODULES } from '../stdlibImports.js';

const ROUNDS = 3;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** Seconds CPython spends in `import M`, or the reason it could not run. */
function cpythonImportTime(module: string): number | string {
  const code = `import time\nt = time.perf_counter()\nimport ${module}\nprint(time.perf_counter() - t)\n`;
  const r = spawnSync('python3', ['-I', '-S', '-c', code], { encoding: 'utf8' });
  if (r.error !== undefined) return `python3 could not run: ${r.error.message}`;
  if (r.status !== 0) return `python3 exited ${r.status} on import ${module}`;
  return Number(r.stdout.trim());
}

/** Seconds pymemsim takes to run `text` as a whole program. */
function pymemsimRunTime(text: string, what: string): number {
  const start = performance.now();
  const r = runProgram(text, '<bench>', { programDir: '/nonexistent' });
  const seconds = (performance.now() - start) / 1000;
  if (r.exitCode !== 0) throw new Error(`pymemsim failed on ${what}: ${r.stderr}`);
  return seconds;
}

export const imports: Benchmark = {
  name: 'import',
  run(): Promise<Measurement[]> {
    return Promise.resolve(runImports());
  },
};

function runImports(): Measurement[] {
  // Warm up: the Lib archive's listing and the JIT, outside the timed rounds.
  pymemsimRunTime('import collections\n', 'the warm-up');
  const empty: number[] = [];
  const sim = new Map<string, number[]>();
  const py = new Map<string, number[]>();
  let pyNote: string | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    empty.push(pymemsimRunTime('pass\n', 'an empty program'));
    for (const m of STDLIB_MODULES) {
      const s = sim.get(m) ?? [];
      s.push(pymemsimRunTime(`import ${m}\n`, `import ${m}`));
      sim.set(m, s);
      const p = cpythonImportTime(m);
      if (typeof p === 'string') pyNote = p;
      else py.set(m, [...(py.get(m) ?? []), p]);
    }
  }
  const base = median(empty);
  return STDLIB_MODULES.map((m) => {
    const run = median(sim.get(m) ?? []);
    // An import cheaper than the empty program's noise (a module the start-up already
    // holds): the whole run's time is reported instead, an upper bound.
    const within = run <= base;
    const simT = within ? run : run - base;
    const pyT = median(py.get(m) ?? []);
    return measurement({
      name: `import/${m}`,
      unit: 'imports/s',
      value: 1 / simT,
      reference: 1 / pyT,
      referenceKind: 'cpython',
      note:
        pyNote ??
        (within
          ? `pymemsim at most ${(simT * 1000).toFixed(1)} ms (the whole run; no more than the empty program's ` +
            `${(base * 1000).toFixed(0)} ms)`
          : `pymemsim ${(simT * 1000).toFixed(1)} ms (run ${(run * 1000).toFixed(0)} ms - ` +
            `empty program ${(base * 1000).toFixed(0)} ms)`) +
          `, python3 ${(pyT * 1000).toFixed(2)} ms: ${(simT / pyT).toFixed(0)}x CPython's time${within ? ' at most' : ''}`,
    });
  });
}
