/*
 * The pymemsim command line. Thin handlers: a user error becomes one line and an exit
 * code; a defect keeps its stack and asks to be reported (exit 70).
 * Exit codes: 0 ok, 1 diagnostics or an uncaught Python exception, 2 usage,
 * 65 bad input data, 66 missing input, 70 internal error, 73 cannot write output.
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ENGINE_VERSION, UserError } from '@pymemsim/core';
import { DEMO_PATH, DEMO_PROGRAM } from '@pymemsim/interp';
import { paint, processIo, type Io } from './io.js';
import { defaultTracePath, simulate } from './commands/run.js';
import { viewCommand } from './commands/view.js';
import { replayCommand } from './commands/replay.js';
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
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride();

  program
    .command('run')
    .description('run a Python program on the simulated runtime and record its trace')
    .argument('<program>', 'the Python program (.py)')
    .option('-o, --output <file>', 'where to write the trace (default: <program>.pmt in the current directory)')
    .option('--no-trace', 'do not write a trace')
    .option('--max-events <n>', 'stop a runaway program after N events, keeping its trace', positiveInt)
    .option('--view', 'then open the trace in the viewer (as pymemsim view)')
    .option('--port <n>', "with --view: the viewer's port (default: a free one)", portArg)
    .option('--no-open', "with --view: print the viewer's URL without opening a browser")
    .action(
      async (
        path: string,
        opts: { output?: string; trace: boolean; maxEvents?: number; view?: boolean; port?: number; open: boolean },
      ) => {
        const { view, port, open, ...run } = opts;
        if (view === true && !run.trace) throw new UserError('CLI_USAGE', '--view needs a trace: leave out --no-trace');
        const code = simulate(io.readText(path), path, { ...run, ...interruptOf(io) }, io);
        if (view !== true || (code !== 0 && code !== 1) || io.interrupted?.() === true) {
          setExit(code);
          return;
        }
        const viewed = await viewCommand(
          run.output ?? defaultTracePath(path),
          { ...(port !== undefined ? { port } : {}), open },
          io,
        );
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

  registerTraceCommands(program, io, setExit);
  registerCheckCommands(program, io, setExit);

  return program;
}

export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with code 0; usage errors were already printed.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UserError) {
      io.err(`${paint(io).red(`error[${error.code}]`)}: ${error.message}\n`);
      return error.exitCode;
    }
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    io.err(
      `${paint(io).red('internal error')} in pymemsim ${ENGINE_VERSION}: ${detail}\nPlease report this, with the program that caused it.\n`,
    );
    return 70;
  }
}
