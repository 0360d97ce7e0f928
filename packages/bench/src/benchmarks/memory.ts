/*
 * Memory: the peak memory of the commands on a long trace
 * =======================================================
 * The command line, as users run it (packages/cli/bin, a process per command), on the
 * trace of `../shared/bench/lru.py` (55.5 million events; recorded once by `pymemsim run`
 * and kept in the temporary folder for the next run, keyed by the program's text and
 * the engine version). For each command, the peak resident memory of its process
 * (`/usr/bin/time`'s maximum resident set size, else the highest VmHWM read while it
 * runs):
 *
 *   memory/replay              replay T
 *   memory/diff                diff T T
 *   memory/why, memory/history why / history T --obj ID (a long-lived object)
 *   memory/export-<f>-file     export T --format f -o FILE     (f: jsonl, chrome, dot)
 *   memory/export-<f>-stdout   export T --format f > /dev/null
 *   memory/validate            validate on the JSON Lines export (written by export-jsonl-file)
 *   memory/run-print-1GB       run of a program printing 1 GiB (its trace written too), stdout > /dev/null
 *
 * Memory is reported as a rate like every figure of `pnpm bench`: 1 / peak MiB, against
 * the aim 1 / 500 MiB (300 MiB for `run`), so a ratio of 1 or more meets the aim; the
 * note gives the peak in MiB and the time. Each figure is also written to stderr as
 * soon as it is measured; a command that fails is reported there and the others still
 * run, then the benchmark fails (every command must succeed). This benchmark
 * takes long (the lru trace takes a few minutes to record the first time, and its JSON
 * Lines export is about 5 GB): run it alone with `pnpm bench --filter memory`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_VERSION } from '@pymemsim/core';
import { fileSource, readFooter } from '@pymemsim/replay';
import { measurement, type Benchmark, type Measurement } from '../benchmark.js';
import { benchDir } from './programs.js';

export interface MemoryOptions {
  /** The program whose trace the commands read (default: lru.py of ../shared/bench). */
  readonly program?: string;
  /** Bytes the printing program prints (default 1 GiB). */
  readonly printBytes?: number;
  /** The object `why` and `history` look for (default 5000). */
  readonly object?: number;
  /** Where the trace is kept between runs (default: the temporary folder). */
  readonly cacheDir?: string;
}

const BIN = fileURLToPath(new URL('../../../cli/bin/pymemsim.js', import.meta.url));
const AIM_MIB = 500;
const RUN_AIM_MIB = 300;
const TIME = '/usr/bin/time';

export function memoryBenchmark(options: MemoryOptions = {}): Benchmark {
  return { name: 'memory', run: () => measureMemory(options) };
}

export const memory: Benchmark = memoryBenchmark();

interface Peak {
  readonly mib: number;
  readonly seconds: number;
}

/** Run the built command with `args`, stdout to `stdout` (a path), and measure its peak memory. */
async function peakOf(args: readonly string[], stdout = '/dev/null'): Promise<Peak> {
  const out = openSync(stdout, 'w');
  const start = performance.now();
  try {
    if (existsSync(TIME)) {
      const r = spawnSync(TIME, ['-f', '%M', process.execPath, BIN, ...args], {
        stdio: ['ignore', out, 'pipe'],
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      const lines = r.stderr.trim().split('\n');
      const kb = Number(lines.at(-1));
      if (r.status !== 0 || !Number.isFinite(kb)) {
        throw new Error(`pymemsim ${args.join(' ')} failed (exit ${r.status}): ${lines.slice(-5).join('\n')}`);
      }
      return { mib: kb / 1024, seconds: (performance.now() - start) / 1000 };
    }
    // No /usr/bin/time: the highest VmHWM (peak resident set) read while it runs.
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', out, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let kb = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m !== null) kb = Math.max(kb, Number(m[1]));
      } catch {
        // gone
      }
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(poll);
    if (code !== 0) throw new Error(`pymemsim ${args.join(' ')} failed (exit ${code}): ${stderr.slice(-500)}`);
    return { mib: kb / 1024, seconds: (performance.now() - start) / 1000 };
  } finally {
    closeSync(out);
  }
}

/** The program's trace, recorded once and kept (its name says which program and engine). */
async function traceOf(program: string, cacheDir: string): Promise<{ path: string; events: number }> {
  const text = readFileSync(program, 'utf8');
  const key = createHash('sha256').update(`${ENGINE_VERSION}\n${text}`).digest('hex').slice(0, 16);
  const path = join(cacheDir, `pymemsim-bench-memory-${key}.pmt`);
  const footerOf = (p: string): ReturnType<typeof readFooter> => {
    const source = fileSource(p);
    try {
      return readFooter(source, p);
    } finally {
      source.close();
    }
  };
  const footer = existsSync(path) ? footerOf(path) : undefined;
  if (footer !== undefined) return { path, events: footer.events };
  process.stderr.write(`  recording ${program} (once; kept as ${path})...\n`);
  const partial = `${path}.recording`;
  await peakOf(['run', '-o', partial, program]);
  renameSync(partial, path);
  return { path, events: footerOf(path)?.events ?? 0 };
}

async function measureMemory(options: MemoryOptions): Promise<Measurement[]> {
  const dir = benchDir();
  const program = options.program ?? (dir === undefined ? undefined : join(dir, 'lru.py'));
  if (program === undefined || !existsSync(program)) {
    return [
      measurement({
        name: 'memory/*',
        unit: '1/MiB',
        value: NaN,
        reference: NaN,
        referenceKind: 'aim',
        note: 'no lru.py: ../shared/bench is not beside the checkout (set PYMEMSIM_BENCH_DIR)',
      }),
    ];
  }
  const trace = await traceOf(program, options.cacheDir ?? tmpdir());
  const work = mkdtempSync(join(tmpdir(), 'pymemsim-bench-memory-'));
  const object = String(options.object ?? 5000);
  const out: Measurement[] = [];
  const failures: string[] = [];
  // Each figure goes to stderr as soon as it is measured (the whole run takes long), and a
  // command that fails is reported (NaN, its error in the note) without stopping the others.
  const report = async (name: string, run: () => Promise<Peak>, aim: number, what: string): Promise<void> => {
    let m: Measurement;
    try {
      const peak = await run();
      m = measurement({
        name: `memory/${name}`,
        unit: '1/MiB',
        value: 1 / peak.mib,
        reference: 1 / aim,
        referenceKind: 'aim',
        note: `${what}: peak ${Math.round(peak.mib)} MiB (aim ≤ ${aim} MiB), ${peak.seconds.toFixed(1)} s`,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failures.push(`memory/${name}: ${reason}`);
      m = measurement({
        name: `memory/${name}`,
        unit: '1/MiB',
        value: NaN,
        reference: 1 / aim,
        referenceKind: 'aim',
        note: `${what}: failed: ${reason.slice(0, 300)}`,
      });
    }
    out.push(m);
    process.stderr.write(`  ${m.name}: ${m.note ?? ''}\n`);
  };
  const events = `${trace.events.toLocaleString('en-US')} events`;
  try {
    await report('replay', () => peakOf(['replay', trace.path]), AIM_MIB, `replay of ${events}`);
    await report('diff', () => peakOf(['diff', trace.path, trace.path]), AIM_MIB, `diff of the trace with itself`);
    await report('why', () => peakOf(['why', trace.path, '--obj', object]), AIM_MIB, `why --obj ${object}`);
    await report('history', () => peakOf(['history', trace.path, '--obj', object]), AIM_MIB, `history --obj ${object}`);
    const jsonl = join(work, 'export.jsonl');
    for (const format of ['jsonl', 'chrome', 'dot'] as const) {
      const file = format === 'jsonl' ? jsonl : join(work, `export.${format}`);
      await report(
        `export-${format}-file`,
        () => peakOf(['export', trace.path, '--format', format, '-o', file]),
        AIM_MIB,
        `export --format ${format} -o FILE`,
      );
      if (format !== 'jsonl') rmSync(file, { force: true });
      await report(
        `export-${format}-stdout`,
        () => peakOf(['export', trace.path, '--format', format]),
        AIM_MIB,
        `export --format ${format} > /dev/null`,
      );
    }
    await report('validate', () => peakOf(['validate', jsonl]), AIM_MIB, `validate of the JSON Lines export`);
    rmSync(jsonl, { force: true });
    const bytes = options.printBytes ?? 2 ** 30;
    const printer = join(work, 'print.py');
    writeFileSync(printer, `s = 'x' * 1023\nfor i in range(${Math.ceil(bytes / 1024)}):\n    print(s)\n`);
    await report(
      'run-print-1GB',
      () => peakOf(['run', '-o', join(work, 'print.pmt'), printer]),
      RUN_AIM_MIB,
      `run of a program printing ${(bytes / 2 ** 20).toFixed(0)} MiB (trace written), stdout > /dev/null`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // Every figure is in `out`; a failed command still fails the benchmark (exit 70).
  if (failures.length > 0) throw new Error(`memory: ${failures.length} command(s) failed:\n${failures.join('\n')}`);
  return out;
}
