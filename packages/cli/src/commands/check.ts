/*
 * `pymemsim check`: the model's property suites (check/suites.ts) with fast-check. A
 * summary line per suite on stdout; a failure is shrunk, printed as a short Python
 * program with the law it broke, its trace saved as `check-failure-<suite>.pmt`, and
 * the seed and path printed so that `--suite X --seed S --path P` replays exactly it.
 * A progress bar on stderr only when stderr is a terminal. Exit 0 all passed, 1 a
 * property failed.
 */
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { UserError } from '@pymemsim/core';
import { paint, type Io } from '../io.js';
import { progressBar } from './common.js';
import { validateCommand } from './validate.js';
import { openOutput } from '../output.js';
import { outputSink } from './run.js';
import type { CheckTarget } from '../check/laws.js';
import {
  DEFAULT_RUNS,
  SUITES,
  SUITE_NAMES,
  findSuite,
  randomSeed,
  recordProgram,
  runSuite,
  type Suite,
  type SuiteResult,
} from '../check/suites.js';

export interface CheckOptions {
  readonly suite?: readonly string[];
  readonly runs?: number;
  readonly seed?: number;
  readonly path?: string;
  readonly json?: boolean;
  /** Where failure traces go (default: the current directory). */
  readonly out?: string;
  /** What runs under test, per suite (tests inject faults here). */
  readonly targets?: Readonly<Record<string, CheckTarget>>;
}

function selectSuites(names: readonly string[] | undefined): Suite[] {
  if (names === undefined || names.length === 0) return [...SUITES];
  return names.map((n) => {
    const s = findSuite(n);
    if (s === undefined)
      throw new UserError('CLI_USAGE', `--suite ${n}: no such suite (one of ${SUITE_NAMES.join(', ')})`);
    return s;
  });
}

export function checkCommand(options: CheckOptions, io: Io): number {
  const suites = selectSuites(options.suite);
  if (options.path !== undefined && suites.length !== 1) {
    throw new UserError('CLI_USAGE', '--path replays one failure: name its suite with --suite');
  }
  if (options.path !== undefined && options.seed === undefined) {
    throw new UserError('CLI_USAGE', '--path needs the --seed it was printed with');
  }
  const seed = options.seed ?? randomSeed();
  const runs = options.runs ?? DEFAULT_RUNS;
  const c = paint(io);
  const results: (SuiteResult & { trace?: string })[] = [];
  const width = Math.max(...suites.map((s) => s.name.length));
  for (const suite of suites) {
    const target = options.targets?.[suite.name] ?? {};
    const result = withBar(io, suite.name, options.path !== undefined ? 1 : runs, (onRun) =>
      runSuite(suite, {
        runs,
        seed,
        target,
        ...(options.path !== undefined ? { path: options.path } : {}),
        ...(onRun !== undefined ? { onRun } : {}),
      }),
    );
    let trace: string | undefined;
    if (result.failure !== undefined) {
      trace = join(options.out ?? '.', `check-failure-${suite.name}.pmt`);
      // Written whole, then put in place (output.ts), also when the run broke (aborted:
      // the trace keeps what it wrote).
      const output = openOutput(trace, { what: 'failure trace', flag: trace });
      recordProgram(result.failure.program, { ...outputSink(output), abandon: () => output.commit() }, target);
      output.commit();
    }
    results.push({ ...result, ...(trace !== undefined ? { trace } : {}) });
    if (options.json === true) continue;
    const time = `${(result.ms / 1000).toFixed(1)}s`;
    const verdict = result.ok ? c.green('passed') : c.red('FAILED');
    io.out(`${suite.name.padEnd(width)}  ${String(result.runs).padStart(5)} runs  ${time.padStart(6)}  ${verdict}\n`);
    const f = result.failure;
    if (f === undefined) continue;
    const where =
      f.line === 0 ? 'in the prelude' : f.line > f.program.lines.length ? 'at the end' : `after line ${f.line}`;
    io.out(`  property broken ${where}: ${f.law}: ${f.message}\n`);
    io.out(`  program (shrunk in ${f.shrinks} steps; after the prelude of \`pymemsim check\`):\n`);
    const body = f.program.lines.length === 0 ? ['(no statements: the prelude alone)'] : f.program.lines;
    for (const line of body) io.out(`    ${line}\n`);
    io.out(`  trace: ${trace ?? ''}\n`);
    io.out(`  replay: pymemsim check --suite ${suite.name} --seed ${f.seed} --path ${f.path}\n`);
  }
  const failed = results.filter((r) => !r.ok);
  if (options.json === true) {
    io.out(
      `${JSON.stringify(
        {
          seed,
          runs,
          ok: failed.length === 0,
          suites: results.map((r) => ({
            suite: r.suite,
            runs: r.runs,
            ms: Math.round(r.ms),
            ok: r.ok,
            ...(r.failure !== undefined
              ? {
                  failure: {
                    law: r.failure.law,
                    message: r.failure.message,
                    line: r.failure.line,
                    program: r.failure.program.lines,
                    prelude: r.failure.program.prelude,
                    seed: r.failure.seed,
                    path: r.failure.path,
                    trace: r.trace,
                  },
                }
              : {}),
          })),
        },
        null,
        2,
      )}\n`,
    );
  } else {
    io.out(
      failed.length === 0
        ? `${c.green('all passed')}: ${results.length} suite${results.length === 1 ? '' : 's'}, seed ${seed}\n`
        : `${c.red(`${failed.length} of ${results.length} suites failed`)} (seed ${seed})\n`,
    );
  }
  return failed.length === 0 ? 0 : 1;
}

/** A progress bar on stderr, only when it is a terminal. */
function withBar<T>(io: Io, label: string, total: number, work: (onRun?: (n: number) => void) => T): T {
  if (!io.errIsTty) return work(undefined);
  const bar = progressBar(io, `${label} [{bar}] {value} runs`);
  bar.start(total, 0);
  try {
    return work((n) => bar.update(Math.min(n, total)));
  } finally {
    bar.stop();
  }
}

const intArg = (value: string): number => {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
};

const runsArg = (value: string): number => {
  const n = intArg(value);
  if (n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const pathArg = (value: string): string => {
  if (!/^\d+(:\d+)*$/.test(value))
    throw new InvalidArgumentError('expected a counterexample path as printed (e.g. 3:1:0)');
  return value;
};

/** `check` and `validate` (main.ts registers them). */
export function registerCheckCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('check')
    .description("run the model's property suites (fast-check); a failure is shrunk to a short program")
    .option(`--suite <name>`, `a suite to run, repeatable (${SUITE_NAMES.join(', ')}; default: all)`, collect)
    .option('--runs <n>', `programs per suite (default ${DEFAULT_RUNS})`, runsArg)
    .option('--seed <s>', 'the fast-check seed (default: random, printed)', intArg)
    .option('--path <p>', 'replay exactly the failure printed with this path (needs --suite and --seed)', pathArg)
    .option('--out <dir>', 'where failure traces are written (default: the current directory)')
    .option('--json', 'machine-readable output')
    .action((opts: { suite?: string[]; runs?: number; seed?: number; path?: string; out?: string; json?: boolean }) => {
      setExit(checkCommand(opts, io));
    });

  program
    .command('validate')
    .description('check a trace produced elsewhere (JSON Lines, schema pymemsim-external/1) against the model')
    .argument('<events>', 'the JSON Lines file')
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { json?: boolean }) => {
      setExit(validateCommand(path, opts, io));
    });
}

const collect = (value: string, previous: readonly string[] = []): string[] => [...previous, value];
