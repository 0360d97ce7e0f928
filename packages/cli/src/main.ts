/*
 * The pymemsim command line. Thin handlers: a user error becomes one line and an exit
 * code; a defect keeps its stack and asks to be reported (exit 70).
 * Exit codes: 0 ok, 1 diagnostics or an uncaught Python exception, 2 usage,
 * 65 bad input data, 66 missing input, 70 internal error, 73 cannot write output,
 * 130 interrupted (Ctrl-C), 141 stdout closed by its reader (quietly, as `| head` expects).
 *
 * Whatever ends a command, runCli is where it ends: the outputs it had not finished are
 * discarded (output.ts), stdout is flushed, and the interrupt source (core's
 * checkInterrupt, polled by every long loop) is the Io's for the command's duration.
 */
import { isatty } from 'node:tty';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ENGINE_VERSION, UserError, setInterruptSource } from '@pymemsim/core';
import { DEMO_PATH, DEMO_PROGRAM } from '@pymemsim/interp';
import { paint, processIo, type Io } from './io.js';
import { discardOpenOutputs } from './output.js';
import { simulate } from './commands/run.js';
import { replayCommand } from './commands/replay.js';
import { registerTraceCommands } from './commands/traceCommands.js';
import { registerCheckCommands } from './commands/check.js';

const positiveInt = (value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const interruptOf = (io: Io): { interrupted?: () => boolean } =>
  io.interrupted !== undefined ? { interrupted: io.interrupted } : {};

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('pymemsim')
    .description('Simulate CPython 3.11 memory management: run, record and replay memory traces')
    .version(ENGINE_VERSION)
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  program
    .command('run')
    .description('run a Python program on the simulated runtime and record its trace')
    .argument('<program>', 'the Python program (.py)')
    .option('-o, --output <file>', 'where to write the trace (default: <program>.pmt in the current directory)')
    .option('--no-trace', 'do not write a trace')
    .option('--max-events <n>', 'stop a runaway program after N events, keeping its trace', positiveInt)
    .action((path: string, opts: { output?: string; trace: boolean; maxEvents?: number }) => {
      setExit(simulate(io.readText(path), path, { ...opts, ...interruptOf(io), inputs: [path] }, io));
    });

  program
    .command('demo')
    .description('simulate and record the embedded demo program (the classic refcount and cycle cases)')
    .option('-o, --output <file>', 'where to write the trace', 'demo.pmt')
    .option('--show', 'print the demo program before running it')
    .action((opts: { output: string; show?: boolean }) => {
      if (opts.show === true) io.out(DEMO_PROGRAM.replace(/^/gm, '  ') + '\n');
      setExit(simulate(DEMO_PROGRAM, DEMO_PATH, { output: opts.output, trace: true, ...interruptOf(io) }, io));
    });

  program
    .command('replay')
    .description('refold a trace and compare the result with its recorded final state')
    .argument('<trace>', 'a .pmt trace file')
    .option('--json', 'machine-readable output')
    .action((path: string, opts: { json?: boolean }) => {
      setExit(replayCommand(path, opts.json === true, io));
    });

  registerTraceCommands(program, io, setExit);
  registerCheckCommands(program, io, setExit);

  return program;
}

/** What an interrupted command says. */
export const INTERRUPTED_REASON = 'interrupted (Ctrl-C)';

/** The process's own stdio, for callers that give no Io. */
const defaultIo = (): Io => processIo({ stdoutIsTty: isatty(1), stderrIsTty: isatty(2), stdinIsTty: isatty(0) });

export async function runCli(argv: readonly string[], io: Io = defaultIo()): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  const interrupted = io.interrupted;
  setInterruptSource(interrupted === undefined ? undefined : () => (interrupted() ? INTERRUPTED_REASON : undefined));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    io.flush?.();
    return code;
  } catch (error) {
    return reportError(error, io, discardOpenOutputs());
  } finally {
    setInterruptSource(undefined);
  }
}

/** How a command that threw ends: its exit code, after one line on stderr (or none). */
function reportError(error: unknown, io: Io, discarded: readonly string[]): number {
  if (error instanceof CommanderError) {
    // --help and --version end here with code 0; usage errors were already printed.
    if (error.exitCode !== 0) {
      flushQuietly(io);
      return 2;
    }
    try {
      io.flush?.();
    } catch (failure) {
      return reportError(failure, io, discarded);
    }
    return 0;
  }
  if (error instanceof UserError) {
    if (error.code === 'OUTPUT_CLOSED') return error.exitCode; // `| head`: nothing to say, nobody to say it to
    const unwritten = discarded.length === 0 ? '' : `; not written: ${discarded.join(', ')}`;
    if (error.code === 'INTERRUPTED') {
      flushQuietly(io);
      io.err(`${paint(io).yellow('pymemsim:')} ${error.message}${unwritten}\n`);
      return error.exitCode;
    }
    io.err(`${paint(io).red(`error[${error.code}]`)}: ${error.message}${unwritten}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.err(
    `${paint(io).red('internal error')} in pymemsim ${ENGINE_VERSION}: ${detail}\nPlease report this, with the program that caused it.\n`,
  );
  return 70;
}

/** Flush stdout, ignoring a failure (the command already ends with another error). */
function flushQuietly(io: Io): void {
  try {
    io.flush?.();
  } catch {
    // reported by the error being handled
  }
}
