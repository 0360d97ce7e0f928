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
import { defaultTracePath, programSource, simulate } from './commands/run.js';
import { viewCommand } from './commands/view.js';
import { replayCommand } from './commands/replay.js';
import { disCommand } from './commands/dis.js';
import { portArg, registerTraceCommands } from './commands/traceCommands.js';
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
    // `run prog.py -x`: options after the program are the program's (passThroughOptions).
    .enablePositionalOptions()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  program
    .command('run')
    .description('run a Python program on the simulated runtime and record its trace')
    .usage('[options] (prog.py | -c CODE | -m MODULE) [args...]')
    .argument('[program]', 'the Python program (.py)')
    .argument('[args...]', "the program's arguments (sys.argv[1:]): everything after the program is the program's")
    .option('-c <code>', "program passed in as a string (its file name is '<string>', as python3 -c gives it)")
    .option('-m <module>', 'run a module found from the current folder (MODULE.py or MODULE/__main__.py)')
    .option('-o, --output <file>', 'where to write the trace (default: <program>.pmt in the current directory)')
    .option('-f, --force', 'overwrite the trace file if it exists')
    .option('--no-trace', 'do not write a trace')
    .option('--max-events <n>', 'stop a runaway program after N events, keeping its trace', positiveInt)
    .option('--view', 'then open the trace in the viewer (as pymemsim view)')
    .option('--port <n>', "with --view: the viewer's port (default: a free one)", portArg)
    .option('--no-open', "with --view: print the viewer's URL without opening a browser")
    .passThroughOptions()
    .action(
      async (
        file: string | undefined,
        args: string[],
        opts: {
          c?: string;
          m?: string;
          output?: string;
          force?: boolean;
          trace: boolean;
          maxEvents?: number;
          view?: boolean;
          port?: number;
          open: boolean;
        },
      ) => {
        if (opts.c !== undefined && opts.m !== undefined) {
          throw new UserError('CLI_USAGE', 'run takes one program: -c CODE or -m MODULE, not both');
        }
        if (opts.view === true && !opts.trace) {
          throw new UserError('CLI_USAGE', '--view needs a trace: leave out --no-trace');
        }
        // With -c or -m, every positional argument is the program's.
        const rest =
          opts.c !== undefined || opts.m !== undefined ? [...(file === undefined ? [] : [file]), ...args] : args;
        const source = programSource(io, {
          ...(file !== undefined && opts.c === undefined && opts.m === undefined ? { file } : {}),
          ...(opts.c !== undefined ? { code: opts.c } : {}),
          ...(opts.m !== undefined ? { module: opts.m } : {}),
        });
        if (source.syntaxError !== undefined) {
          io.err(`${source.syntaxError}\n`); // as python3 prints it, exit 1
          setExit(1);
          return;
        }
        const { c: _c, m: _m, view, port, open, ...runOpts } = opts;
        const code = simulate(
          source.text,
          source.path,
          {
            ...runOpts,
            argv: [source.argv0, ...rest],
            ...interruptOf(io),
            ...(opts.c === undefined ? { inputs: [source.path] } : {}),
          },
          io,
        );
        if (view !== true || (code !== 0 && code !== 1) || io.interrupted?.() === true) {
          setExit(code);
          return;
        }
        // Then the viewer on the trace just written (until Ctrl-C).
        const trace = runOpts.output ?? defaultTracePath(source.path);
        const viewed = await viewCommand(trace, { ...(port !== undefined ? { port } : {}), open }, io);
        setExit(code !== 0 ? code : viewed);
      },
    );

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

  program
    .command('dis')
    .description("print the bytecode of a program, as python3 -m dis prints CPython 3.11's")
    .argument('<program>', 'the Python program (.py)')
    .action((path: string) => {
      setExit(disCommand(path, io));
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
    await program.parseAsync(splitRunArguments(argv), { from: 'user' });
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

/** The options of `run` that take a value (the program's arguments start after them and their values). */
const RUN_VALUE_OPTIONS = new Set(['-o', '--output', '--max-events']);

/**
 * `run -c CODE a -x` and `run -m MODULE a -x`: as in python3, everything after the code
 * or the module is the program's, options included. Commander stops at the first
 * positional argument (passThroughOptions), not after an option's value, so a `--` is
 * put after `-c CODE` / `-m MODULE` when more follows.
 */
export function splitRunArguments(argv: readonly string[]): string[] {
  if (argv[0] !== 'run') return [...argv];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return [...argv];
    if (a === '-c' || a === '-m') {
      const end = Math.min(i + 2, argv.length);
      return end < argv.length ? [...argv.slice(0, end), '--', ...argv.slice(end)] : [...argv];
    }
    if (/^-[cm]./.test(a)) {
      // -cCODE, -mMODULE (python3 accepts the value attached)
      return i + 1 < argv.length ? [...argv.slice(0, i + 1), '--', ...argv.slice(i + 1)] : [...argv];
    }
    if (RUN_VALUE_OPTIONS.has(a)) {
      i += 1;
      continue;
    }
    if (!a.startsWith('-')) return [...argv]; // the program: commander passes the rest through
  }
  return [...argv];
}
