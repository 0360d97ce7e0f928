/*
 * What importing a standard-library module costs, in pymemsim and in CPython 3.11
 * ==============================================================================
 * The modules issue 14 names, and one probe program per module that both interpreters
 * run: it reads the counters just before `import M` and just after, and prints the
 * differences. `python3 -I -S` runs it in a fresh process per module; pymemsim runs it
 * the same way (`runProgram`, one fresh VM per module). What is counted:
 *
 *   blocks    sys.getallocatedblocks() after minus before: the memory blocks the import
 *             left allocated (objects, dict key tables, list item arrays ...; in CPython
 *             every live block of PyObject_Malloc / PyMem_Malloc)
 *   tracked   len(gc.get_objects()) after minus before: container objects the collector
 *             tracks that the import left alive (modules, functions, classes, dicts ...)
 *   count     gc.get_count() right after the import
 *   modules   len(sys.modules) after minus before: modules the import loaded
 *
 * pymemsim alone also gives, from a trace of a program that is only `import M`
 * (`pymemsim run -o`, then `pymemsim report --json`): every object the import allocated,
 * freed again or not (CPython has no such counter in a release build).
 *
 * Used by `pnpm bench` (benchmarks/imports.ts, the time of each import) and by
 * importTable.ts (the table of docs/stdlib-imports.md).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from '@pymemsim/interp';

/** The modules whose import is measured, in the order. */
export const STDLIB_MODULES = [
  'collections',
  'functools',
  'itertools',
  'dataclasses',
  'enum',
  'json',
  're',
  'random',
  'heapq',
  'bisect',
  'copy',
  'contextlib',
  'typing',
] as const;

/** The probe: the counters around `import M`, printed as one line of numbers. */
export function probeProgram(module: string): string {
  return [
    'import gc, sys',
    'm0 = len(sys.modules)',
    'g0 = len(gc.get_objects())',
    'b0 = sys.getallocatedblocks()',
    `import ${module}`,
    'b1 = sys.getallocatedblocks()',
    'c1 = gc.get_count()',
    'g1 = len(gc.get_objects())',
    'm1 = len(sys.modules)',
    'print(b1 - b0, g1 - g0, c1[0], c1[1], c1[2], m1 - m0)',
    '',
  ].join('\n');
}

export interface ImportCounts {
  readonly blocks: number;
  readonly tracked: number;
  readonly count: readonly [number, number, number];
  readonly modules: number;
}

function parseProbe(who: string, module: string, stdout: string): ImportCounts {
  const n = stdout.trim().split(/\s+/).map(Number);
  if (n.length !== 6 || n.some((x) => !Number.isInteger(x)))
    throw new Error(`${who}: the probe of ${module} printed ${JSON.stringify(stdout)}`);
  const [blocks, tracked, c0, c1, c2, modules] = n as [number, number, number, number, number, number];
  return { blocks, tracked, count: [c0, c1, c2], modules };
}

/** The probe run by `python3 -I -S` in a fresh process. */
export function cpythonCounts(module: string, python = 'python3'): ImportCounts {
  const r = spawnSync(python, ['-I', '-S', '-c', probeProgram(module)], { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`${python} could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${python} failed on the probe of ${module}: ${r.stderr}`);
  return parseProbe(python, module, r.stdout);
}

/** The probe run by pymemsim on a fresh VM. */
export function pymemsimCounts(module: string): ImportCounts {
  const r = runProgram(probeProgram(module), `probe_${module}.py`, { programDir: emptyDir() });
  if (r.exitCode !== 0) throw new Error(`pymemsim failed on the probe of ${module}: ${r.stderr}`);
  return parseProbe('pymemsim', module, r.stdout);
}

let scratch: string | undefined;
/** A folder with nothing to import in it (the probes' sys.path[0]). */
function emptyDir(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'pymemsim-imports-'));
  return scratch;
}

export function removeScratch(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/** The CLI's entry point, for the trace measurement. */
const CLI = fileURLToPath(new URL('../../cli/bin/pymemsim.js', import.meta.url));

export interface TraceCounts {
  /** Objects the program allocated after start-up (freed or not). */
  readonly allocations: number;
  /** Of those, the ones alive at the end of the program. */
  readonly aliveAtEnd: number;
}

/** Trace a program that is only `import M` and count its allocations with `report`. */
export function traceCounts(module: string): TraceCounts {
  const dir = emptyDir();
  const prog = join(dir, `only_${module}.py`);
  const trace = join(dir, `only_${module}.pmt`);
  writeFileSync(prog, `import ${module}\n`);
  const run = spawnSync(process.execPath, [CLI, 'run', '-o', trace, prog], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`pymemsim run failed on ${module}: ${run.stderr}`);
  const rep = spawnSync(process.execPath, [CLI, 'report', trace, '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (rep.status !== 0) throw new Error(`pymemsim report failed on ${module}: ${rep.stderr}`);
  const total = (JSON.parse(rep.stdout) as { total: { allocations: number; aliveAtEnd: number } }).total;
  return { allocations: total.allocations, aliveAtEnd: total.aliveAtEnd };
}
