/*
 * `pymemsim run prog.py`: the program's stdout on stdout and nothing else; its trace
 * written as it runs (every complete chunk on disk at once, so a crash keeps it; the
 * header first, so even a run killed at once leaves a trace that opens); on stderr at
 * the end, where the trace went and a one-line summary.
 *
 * The run stops cleanly (its trace gets its footer) at Ctrl-C, when stdout's reader goes
 * away (`| head -1`: exit 141, quietly), when stdout or the trace cannot be written (a
 * full disk: exit 73, one line), and at --max-events.
 */
import { basename, extname } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { UserError, type HeapState } from '@pymemsim/core';
import { checkProgram, runProgram, type RunResult } from '@pymemsim/interp';
import {
  DEFAULT_CHECKPOINT_EVERY,
  TraceWriter,
  recordTo,
  traceHeader,
  type TraceSink,
  type WriterOptions,
} from '@pymemsim/replay';
import { paint, type Io } from '../io.js';
import { openStreamingOutput, type OutputFile } from '../output.js';

export interface RunOptions {
  readonly output?: string;
  readonly trace: boolean;
  readonly maxEvents?: number;
  /** Set when the user pressed Ctrl-C (the command line's worker shares it with the main thread). */
  readonly interrupted?: () => boolean;
  /** The files the run reads (its program): the trace may not overwrite one. */
  readonly inputs?: readonly string[];
}

/** How `run` writes traces: a checkpoint every DEFAULT_CHECKPOINT_EVERY events (within the budget). */
export const RUN_TRACE_OPTIONS: WriterOptions = { checkpointEvery: DEFAULT_CHECKPOINT_EVERY };

const INTERRUPTED = 'interrupted (Ctrl-C)';
const STDOUT_CLOSED = 'stdout was closed by its reader: the run stopped there';

export function defaultTracePath(program: string): string {
  return `${basename(program, extname(program))}.pmt`;
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
  let writer: TraceWriter | undefined;
  // stdout failing (its reader gone, a full disk) stops the run at its next check, as Ctrl-C does.
  let stdoutFailure: UserError | undefined;
  const out = (t: string): void => {
    if (stdoutFailure !== undefined) return;
    try {
      io.out(t);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      stdoutFailure = error;
    }
  };
  const stopReason = (): string | undefined => {
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
      interrupted: stopReason,
      stdout: out,
      stderr: (t) => io.err(t),
      attach: (rt) => {
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
    writer?.abort(); // keep every complete chunk; a defect still shows its stack
    output?.discard();
    throw error;
  }
  // The program's stdout and stderr were written as it ran; diagnostics come back here.
  if (result.interpreter === undefined && result.stderr !== '') io.err(result.stderr);
  const state = result.interpreter?.rt.state;
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
