/*
 * `pnpm bench [--json] [--filter SUBSTR]`: runs the registered benchmarks and prints a
 * table (or, with --json, a JSON array of measurements) on stdout. Progress goes to
 * stderr so that `--json` output can be piped. Exit codes: 0 ok, 2 bad flags, 70 a
 * benchmark failed (e.g. folds that disagree).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './benchmark.js';
import { formatTable } from './format.js';
import { BENCHMARKS, selectBenchmarks } from './registry.js';

const USAGE = 'usage: pnpm bench [--json] [--filter SUBSTR]';

interface Args {
  readonly json: boolean;
  readonly filter?: string;
  /** Run one benchmark (by exact name) in this process and print its measurements as JSON. */
  readonly only?: string;
}

function parseArgs(argv: readonly string[]): Args | string {
  let json = false;
  let filter: string | undefined;
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') continue; // pnpm may pass one through
    if (arg === '--json') json = true;
    else if (arg === '--filter') {
      filter = argv[++i];
      if (filter === undefined) return '--filter needs a value';
    } else if (arg.startsWith('--filter=')) filter = arg.slice('--filter='.length);
    else if (arg === '--only') {
      only = argv[++i];
      if (only === undefined) return '--only needs a value';
    } else return `unknown argument ${JSON.stringify(arg)}`;
  }
  return { json, ...(filter !== undefined ? { filter } : {}), ...(only !== undefined ? { only } : {}) };
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`error[CLI_USAGE]: ${args}\n${USAGE}\n`);
    return 2;
  }
  const selected = selectBenchmarks(args.filter);
  if (selected.length === 0) {
    const names = BENCHMARKS.map((b) => b.name).join(', ');
    process.stderr.write(`error[CLI_USAGE]: no benchmark matches ${JSON.stringify(args.filter)} (have: ${names})\n`);
    return 2;
  }
  if (args.only !== undefined) {
    const benchmark = BENCHMARKS.find((b) => b.name === args.only);
    if (benchmark === undefined) throw new Error(`no benchmark named ${args.only}`);
    process.stdout.write(`${JSON.stringify(await benchmark.run())}\n`);
    return 0;
  }
  // Each benchmark runs in a fresh process: one that leaves a large heap behind (the
  // replay benchmark holds a gigabyte of checkpoints) would otherwise slow every later one.
  const measurements: Measurement[] = [];
  const self = fileURLToPath(import.meta.url);
  for (const benchmark of selected) {
    process.stderr.write(`running ${benchmark.name}...\n`);
    const start = performance.now();
    const child = spawnSync(process.execPath, [self, '--only', benchmark.name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 64 << 20,
    });
    if (child.status !== 0)
      throw new Error(`benchmark ${benchmark.name} failed (exit ${child.status ?? child.signal})`);
    measurements.push(...(JSON.parse(child.stdout) as Measurement[]));
    process.stderr.write(`  done in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  process.stdout.write(args.json ? `${JSON.stringify(measurements, null, 2)}\n` : `${formatTable(measurements)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write('internal error: a benchmark failed\n');
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
