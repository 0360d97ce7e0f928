/*
 * Collecting cyclic garbage
 * =========================
 * How long one full `gc.collect()` takes to find and free a million objects of cyclic
 * garbage, in pymemsim and in real CPython, measured in the same run.
 *
 * Both sides build the same object graph, untimed, with automatic collection disabled:
 *
 *   gc.disable()
 *   for i in range(cycles):           # cycles = 500,000 by default
 *       a = []; b = [a]; a.append(b)  # two lists referring to each other
 *   del a, b
 *
 * then time `gc.collect()` alone, which returns 2 * cycles on both sides (the count is
 * checked; a mismatch is a Defect).
 *
 *   gc-collect/full   pymemsim: `Runtime.collect()` on the runtime's working state, events
 *                     not recorded (nobody subscribed): update_refs .. delete_garbage,
 *                     every step as events folded at once (GcStarted, GcUnreachableFound,
 *                     GcObjectCleared, the refcount cascade that frees each cycle ...).
 *                     Reference: `python3` running the same program, gc.collect() timed
 *                     with time.perf_counter(), the median of the same number of rounds.
 *
 * The rounds alternate, one pymemsim round then one `python3` process, so both sides
 * see the same machine load; the first round of each is a warm-up; medians are reported.
 *
 * Units are objects per second (higher is better); the ratio is pymemsim's rate over
 * CPython's, so the time ratio (how many times longer pymemsim takes) is its inverse.
 * The target ratio 0.2 means "at most 5 times as long as CPython".
 *
 * If `python3` cannot be run, the measurement has no reference (NaN) and says why.
 */
import { spawnSync } from 'node:child_process';
import { Defect, LIST_OBJECT_SIZE, Runtime, type Holder, type ObjectSpec } from '@pymemsim/core';
import { measurement, type Benchmark, type Measurement } from '../benchmark.js';
import { median, perSecond } from '../measure.js';

export interface GcCollectOptions {
  /** Two-list cycles built before the collection. Default 500,000 (one million objects). */
  readonly cycles?: number;
  /** Timed rounds on each side (one more, untimed, warms up); the median is reported. Default 3. */
  readonly runs?: number;
  /** The CPython to compare with. Default `python3`. */
  readonly python?: string;
}

export function gcCollectBenchmark(options: GcCollectOptions = {}): Benchmark {
  return { name: 'gc-collect', run: () => Promise.resolve(measureGcCollect(options)) };
}

export const gcCollect = gcCollectBenchmark();

const LIST: ObjectSpec = { pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' };

/** The garbage, built in a fresh runtime with automatic collection off. */
export function buildCycles(cycles: number): Runtime {
  const rt = new Runtime();
  rt.setEnabled(false);
  const frame = rt.enterFrame('<module>');
  const a: Holder = { kind: 'frame', frame, name: 'a' };
  const b: Holder = { kind: 'frame', frame, name: 'b' };
  for (let i = 0; i < cycles; i++) {
    const x = rt.allocate(LIST, a); // a = []
    const y = rt.allocate(LIST, b); // b = [a]
    rt.incref(x, { kind: 'object', owner: y, slot: 'item' });
    rt.incref(y, { kind: 'object', owner: x, slot: 'item' }); // a.append(b)
    rt.decref(x, a); // the next iteration rebinds a and b (del a, b after the last)
    rt.decref(y, b);
  }
  return rt;
}

/** The same program for CPython: one timed round; prints one JSON line. */
const PYTHON_SCRIPT = `
import gc, json, sys, time
cycles = int(sys.argv[1])
gc.disable()
gc.collect()
for i in range(cycles):
    a = []; b = [a]; a.append(b)
del a, b
t = time.perf_counter()
found = gc.collect()
elapsed = time.perf_counter() - t
print(json.dumps({"ms": elapsed * 1000, "found": found, "version": sys.version.split()[0]}))
`;

interface CpythonRound {
  readonly ms: number;
  readonly found: number;
  readonly version: string;
}

/** One CPython round in a fresh `python3` process, or why it could not run. */
function cpythonRound(python: string, cycles: number): CpythonRound | string {
  const child = spawnSync(python, ['-c', PYTHON_SCRIPT, String(cycles)], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 1 << 20,
  });
  if (child.error !== undefined) return `${python} could not be run (${child.error.message})`;
  if (child.status !== 0)
    return `${python} exited with ${child.status}: ${child.stderr.trim().split('\n').at(-1) ?? ''}`;
  return JSON.parse(child.stdout) as CpythonRound;
}

/** One pymemsim round: build (untimed), then time the collection alone. */
function pymemsimRound(cycles: number): { ms: number; found: number } {
  const rt = buildCycles(cycles);
  const start = performance.now();
  const found = rt.collect();
  return { ms: performance.now() - start, found };
}

export function measureGcCollect(options: GcCollectOptions = {}): Measurement[] {
  const cycles = options.cycles ?? 500_000;
  const runs = options.runs ?? 3;
  const python = options.python ?? 'python3';
  const objects = 2 * cycles;
  const simMs: number[] = [];
  const cpythonMs: number[] = [];
  let skipped: string | undefined;
  let version = '';
  for (let round = 0; round <= runs; round++) {
    const sim = pymemsimRound(cycles);
    if (sim.found !== objects) throw new Defect(`gc.collect() found ${sim.found} objects, expected ${objects}`);
    if (round > 0) simMs.push(sim.ms);
    if (skipped !== undefined) continue;
    const cpython = cpythonRound(python, cycles);
    if (typeof cpython === 'string') {
      skipped = cpython;
      continue;
    }
    if (cpython.found !== objects)
      throw new Defect(`CPython's gc.collect() found ${cpython.found}, expected ${objects}`);
    version = cpython.version;
    if (round > 0) cpythonMs.push(cpython.ms);
  }
  const sim = median(simMs);
  const value = perSecond(objects, sim);
  const what = `gc.collect() of ${cycles.toLocaleString('en-US')} two-list cycles (${objects.toLocaleString('en-US')} objects), median of ${runs} rounds`;
  if (skipped !== undefined || cpythonMs.length === 0) {
    return [
      measurement({
        name: 'gc-collect/full',
        unit: 'objects/s',
        value,
        reference: Number.NaN,
        referenceKind: 'cpython',
        target: 0.2,
        note: `${what}: ${sim.toFixed(0)} ms; CPython reference skipped: ${skipped ?? 'no rounds'}`,
      }),
    ];
  }
  const cpython = median(cpythonMs);
  return [
    measurement({
      name: 'gc-collect/full',
      unit: 'objects/s',
      value,
      reference: perSecond(objects, cpython),
      referenceKind: 'cpython',
      target: 0.2,
      note: `${what}, alternating: pymemsim ${sim.toFixed(0)} ms, CPython ${version} ${cpython.toFixed(0)} ms: pymemsim takes ${(sim / cpython).toFixed(2)}x as long (target: at most 5x)`,
    }),
  ];
}
