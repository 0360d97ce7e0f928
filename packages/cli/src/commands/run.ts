/*
 * `pymemsim run [options] prog.py [args...]` (or `-c CODE`, `-m MODULE`): the program's
 * stdout on stdout and nothing else, written as the program prints; its trace written as
 * it runs (every complete chunk on disk at once, so a crash keeps it; the header first,
 * so even a run killed at once leaves a trace that opens); on stderr at the end, where
 * the trace went and a one-line summary. On a terminal, a recording that runs for more
 * than a second shows a status line on stderr (events so far), erased before the
 * program writes and at the end.
 *
 * The command line is python3's: what follows the program (or `-c CODE`, `-m MODULE`)
 * is the program's, `sys.argv[1:]`, even when it looks like an option.
 *
 * The run stops cleanly (its trace gets its footer) at Ctrl-C, when stdout's reader goes
 * away (`| head -1`: exit 141, quietly), when stdout or the trace cannot be written (a
 * full disk: exit 73, one line), and at --max-events.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve, sep } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { UserError, type HeapState } from '@pymemsim/core';
import { checkProgram, runProgram, type RunResult } from '@pymemsim/interp';
import { decodeSource } from '@pymemsim/interp/parse';
import {
  DEFAULT_CHECKPOINT_EVERY,
  TraceWriter,
  recordTo,
  traceHeader,
  type TraceSink,
  type WriterOptions,
} from '@pymemsim/replay';
import { cannotRead, paint, type Io } from '../io.js';
import { openStreamingOutput, type OutputFile } from '../output.js';

export interface RunOptions {
  readonly output?: string;
  readonly trace: boolean;
  readonly maxEvents?: number;
  /** Overwrite an existing trace file (without it, an existing trace is refused, as memray does). */
  readonly force?: boolean;
  /** `sys.argv`: the program (as python3 names it) and its arguments. */
  readonly argv?: readonly string[];
  /** Set when the user pressed Ctrl-C (the command line's worker shares it with the main thread). */
  readonly interrupted?: () => boolean;
  /** The files the run reads (its program): the trace may not overwrite one. */
  readonly inputs?: readonly string[];
}

/** How `run` writes traces: a checkpoint every DEFAULT_CHECKPOINT_EVERY events (within the budget). */
export const RUN_TRACE_OPTIONS: WriterOptions = { checkpointEvery: DEFAULT_CHECKPOINT_EVERY };

const INTERRUPTED = 'interrupted (Ctrl-C)';
const STDOUT_CLOSED = 'stdout was closed by its reader: the run stopped there';

/** `prog.py` -> `prog.pmt`; `<string>` (-c) -> `string.pmt`. */
export function defaultTracePath(program: string): string {
  return `${basename(program, extname(program)).replace(/^<(.*)>$/, '$1')}.pmt`;
}

/** A program to run: its text, the path it is known by, and its sys.argv[0]. */
export interface ProgramSource {
  readonly text: string;
  readonly path: string;
  readonly argv0: string;
  /** The source does not decode: CPython's SyntaxError line, printed instead of running. */
  readonly syntaxError?: string;
}

/** `-m MODULE`: the module's file, found from the current folder as python3 finds a plain module or package. */
export function resolveModule(name: string, cwd = process.cwd()): string {
  if (!/^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$/.test(name)) {
    throw new UserError('CLI_USAGE', `-m ${JSON.stringify(name)}: not a module name (names separated by dots)`);
  }
  const base = join(cwd, ...name.split('.'));
  const candidates = [`${base}.py`, join(base, '__main__.py')];
  for (const file of candidates) {
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  throw new UserError(
    'FILE_NOT_FOUND',
    `no module named ${name}: looked for ${candidates.map((c) => c.slice(cwd.length + 1)).join(' and ')} in ${cwd}`,
  );
}

/** The program `run` was given: a file, `-c CODE` or `-m MODULE`. */
export function programSource(
  io: Io,
  given: { readonly file?: string; readonly code?: string; readonly module?: string },
): ProgramSource {
  if (given.code !== undefined) return { text: given.code, path: '<string>', argv0: '-c' };
  if (given.module !== undefined) {
    const file = resolveModule(given.module);
    return { ...programText(file), path: file, argv0: resolve(file) };
  }
  if (given.file === undefined) {
    throw new UserError('CLI_USAGE', 'run needs a program: pymemsim run prog.py, run -c CODE or run -m MODULE');
  }
  return { ...programText(given.file), path: scriptPath(given.file), argv0: given.file };
}

/**
 * The path `python3 prog.py` runs a script as (since 3.9; `__file__`, tracebacks): the
 * given path made absolute by joining it to the current folder, not normalised
 * (`./prog.py` stays `/cwd/./prog.py`), as _Py_abspath does. sys.argv[0] keeps the given path.
 */
export function scriptPath(file: string, cwd = process.cwd()): string {
  if (isAbsolute(file)) return file;
  return cwd.endsWith(sep) ? cwd + file : cwd + sep + file;
}

/**
 * A program file's text, decoded as CPython decodes source (UTF-8, or the encoding its
 * `# -*- coding: ... -*-` line declares); bytes that do not decode are CPython's
 * SyntaxError (`Non-UTF-8 code starting with '\xe9' in file ...`), in `syntaxError`.
 */
export function programText(file: string): { text: string; syntaxError?: string } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (cause) {
    throw cannotRead(file, cause, 'a program');
  }
  const decoded = decodeSource(bytes, resolve(file));
  if (decoded.text !== undefined) return { text: decoded.text };
  const d = decoded.diagnostics[0];
  return { text: '', syntaxError: `${d?.exception ?? 'SyntaxError'}: ${d?.message ?? 'cannot decode the source'}` };
}

/** An output file as the sink of a trace writer (finish puts it in place; abort keeps what it wrote). */
export function outputSink(output: OutputFile): TraceSink {
  return {
    path: output.path,
    write: (bytes) => output.write(bytes),
    sync: () => output.sync(),
    close: () => output.commit(),
    abandon: () => output.discard(),
  };
}

/** Simulate `text` (the program at `path`) and record it. Returns the exit code. */
export function simulate(text: string, path: string, options: RunOptions, io: Io): number {
  const check = checkProgram(text, path);
  if (check.diagnostics.length > 0) {
    io.err(check.message + '\n');
    return 1;
  }
  const tracePath = options.trace ? (options.output ?? defaultTracePath(path)) : undefined;
  // Opened before the run: an output that is the program, or that another run is writing, is refused first.
  const output =
    tracePath === undefined
      ? undefined
      : openStreamingOutput(tracePath, {
          inputs: options.inputs ?? [],
          what: 'trace',
          flag: options.output === undefined ? `the trace ${tracePath}` : `-o ${tracePath}`,
        });
  // A trace file already there is kept unless -f (as memray does); a device (/dev/null,
  // /dev/full) or a pipe is not a file to keep.
  if (output !== undefined && options.force !== true && existsSync(output.path) && statSync(output.path).isFile()) {
    output.discard();
    throw new UserError(
      'FILE_WRITE',
      `${output.path} already exists: give -f to overwrite it, or -o FILE to write the trace elsewhere`,
    );
  }
  let writer: TraceWriter | undefined;
  let live: HeapState | undefined;
  const status = tracePath !== undefined && io.errIsTty ? new RunStatus(io, tracePath) : undefined;
  // stdout failing (its reader gone, a full disk) stops the run at its next check, as Ctrl-C does.
  let stdoutFailure: UserError | undefined;
  const out = (t: string): void => {
    if (stdoutFailure !== undefined) return;
    try {
      status?.wrote(t);
      io.out(t);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      stdoutFailure = error;
    }
  };
  const stopReason = (): string | undefined => {
    if (live !== undefined) status?.tick(live.seq);
    if (stdoutFailure !== undefined) {
      return stdoutFailure.code === 'OUTPUT_CLOSED' ? STDOUT_CLOSED : `stopped: ${stdoutFailure.message}`;
    }
    if (writer?.failure !== undefined) return `stopped: ${writer.failure.message}`;
    if (options.interrupted?.() === true) return INTERRUPTED;
    return heapFull();
  };
  let result: RunResult;
  try {
    result = runProgram(text, path, {
      ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
      ...(options.argv !== undefined ? { argv: options.argv } : {}),
      ...(io.readStdin !== undefined ? { host: { stdin: io.readStdin } } : {}),
      interrupted: stopReason,
      stdout: out,
      stderr: (t) => {
        status?.wrote(t);
        io.err(t);
      },
      attach: (rt) => {
        live = rt.state;
        if (output === undefined) return;
        // The runtime's working state is the fold of its events at each one it publishes:
        // the writer's checkpoints read it instead of folding every event again.
        writer = new TraceWriter(outputSink(output), traceHeader({ path, source: text }), {
          ...RUN_TRACE_OPTIONS,
          live: rt.state,
        });
        rt.events$.subscribe(recordTo(writer));
      },
    });
  } catch (error) {
    status?.clear();
    writer?.abort(); // keep every complete chunk; a defect still shows its stack
    output?.discard();
    throw error;
  }
  status?.clear();
  // The program's stdout and stderr were written as it ran; diagnostics come back here.
  if (result.vm === undefined && result.stderr !== '') io.err(result.stderr);
  // A run stopped before its interpreter was built (an event budget smaller than the
  // startup) still ends its trace properly: the state is the runtime's.
  const state = result.rt?.state ?? (result.stopped !== undefined ? live : undefined);
  if (writer !== undefined) {
    if (state !== undefined && writer.failure === undefined) writer.finish(state);
    else writer.abort();
  }
  output?.discard(); // after finish() a no-op; else (no events at all) what was written stays
  if (writer?.failure !== undefined) throw writer.failure;
  // A failed stdout is reported when the command ends (main.ts: quietly when its reader went away).
  const quiet = stdoutFailure !== undefined && (stdoutFailure.code !== 'OUTPUT_CLOSED' || tracePath === undefined);
  if (result.stopped !== undefined && !quiet) {
    const stop = result.stopped.startsWith('stopped: ') ? result.stopped.slice(9) : result.stopped;
    io.err(
      `${paint(io).yellow('pymemsim:')} ${stop}${tracePath !== undefined ? '; the trace keeps every event so far' : ''}\n`,
    );
  }
  // With --no-trace nothing follows the program's own stderr (its last line is CPython's).
  if (state !== undefined && tracePath !== undefined) io.err(summary(tracePath, state, io) + '\n');
  if (stdoutFailure !== undefined) return stdoutFailure.exitCode; // 141 closed, 73 not writable
  // 130: stopped by SIGINT, as shells report it.
  return result.stopped === INTERRUPTED ? 130 : result.exitCode;
}

/** Of the JavaScript heap's limit, the part a run may fill before it stops (rather than crash). */
const HEAP_SHARE = 0.9;

/**
 * The simulation's own memory ran out (a program holding millions of objects): a stop
 * naming the limit, before V8 would abort the process. Checked with the interrupt,
 * every few thousand events.
 */
function heapFull(): string | undefined {
  const heap = getHeapStatistics();
  if (heap.used_heap_size < HEAP_SHARE * heap.heap_size_limit) return undefined;
  const mb = (n: number): string => `${Math.round(n / 2 ** 20)} MiB`;
  return (
    `MemoryError: the simulation's heap is full (${mb(heap.used_heap_size)} of ${mb(heap.heap_size_limit)}, ` +
    `the JavaScript engine's limit): the run stops here`
  );
}

function summary(tracePath: string, state: HeapState, io: Io): string {
  const passes = state.gc.stats.reduce((n, s) => n + s.collections, 0);
  const where = `trace written to ${tracePath}`;
  const peak = (state.memory.peakBytes / 1024).toFixed(1);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
  return `${paint(io).dim('pymemsim:')} ${where}: ${plural(state.seq, 'event')}, ${plural(state.allocated, 'object')} allocated, ${plural(passes, 'GC pass')}, peak ${peak} KiB live`;
}

/**
 * The status line of a long recording on a terminal: `pymemsim: recording prog.pmt:
 * 12,345,678 events, 9 s`, redrawn at most every 250 ms from the runtime's periodic
 * check (every 4096 events), first after a second. It is erased before the program
 * writes, and drawn only when the program's output ends a line (so it never overwrites
 * a partial line).
 */
export class RunStatus {
  private readonly start = Date.now();
  private lastDraw = 0;
  private drawn = false;
  private atLineStart = true;

  constructor(
    private readonly io: Io,
    private readonly tracePath: string,
    private readonly delayMs = 1000,
    private readonly everyMs = 250,
  ) {}

  tick(events: number): void {
    const now = Date.now();
    if (!this.atLineStart || now - this.start < this.delayMs || now - this.lastDraw < this.everyMs) return;
    this.lastDraw = now;
    const seconds = Math.round((now - this.start) / 1000);
    this.io.err(
      `\r\x1b[K${paint(this.io).dim('pymemsim:')} recording ${this.tracePath}: ${events.toLocaleString('en-US')} events, ${seconds} s`,
    );
    this.drawn = true;
  }

  /** The program writes `text`: erase the status line first. */
  wrote(text: string): void {
    this.clear();
    if (text !== '') this.atLineStart = text.endsWith('\n');
  }

  clear(): void {
    if (!this.drawn) return;
    this.io.err('\r\x1b[K');
    this.drawn = false;
  }
}
