/*
 * `pymemsim run prog.py`: the program's stdout on stdout and nothing else; its trace
 * written as it runs (every complete chunk on disk at once, so a crash keeps it); on
 * stderr at the end, where the trace went and a one-line summary.
 */
import { basename, extname } from 'node:path';
import { type HeapState } from '@pymemsim/core';
import { checkProgram, runProgram, type RunResult } from '@pymemsim/interp';
import { DEFAULT_CHECKPOINT_EVERY, TraceWriter, recordTo, traceHeader, type WriterOptions } from '@pymemsim/replay';
import { paint, type Io } from '../io.js';

export interface RunOptions {
  readonly output?: string;
  readonly trace: boolean;
  readonly maxEvents?: number;
  /** Set when the user pressed Ctrl-C (the command line's worker shares it with the main thread). */
  readonly interrupted?: () => boolean;
}

/** How `run` writes traces: a checkpoint every DEFAULT_CHECKPOINT_EVERY events (within the budget). */
export const RUN_TRACE_OPTIONS: WriterOptions = { checkpointEvery: DEFAULT_CHECKPOINT_EVERY };

const INTERRUPTED = 'interrupted (Ctrl-C)';

export function defaultTracePath(program: string): string {
  return `${basename(program, extname(program))}.pmt`;
}

/** Simulate `text` (the program at `path`) and record it. Returns the exit code. */
export function simulate(text: string, path: string, options: RunOptions, io: Io): number {
  const check = checkProgram(text, path);
  if (check.diagnostics.length > 0) {
    io.err(check.message + '\n');
    return 1;
  }
  const tracePath = options.trace ? (options.output ?? defaultTracePath(path)) : undefined;
  let writer: TraceWriter | undefined;
  let result: RunResult;
  try {
    result = runProgram(text, path, {
      ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
      ...(options.interrupted !== undefined
        ? { interrupted: () => (options.interrupted?.() === true ? INTERRUPTED : undefined) }
        : {}),
      stdout: (t) => io.out(t),
      stderr: (t) => io.err(t),
      attach: (rt) => {
        if (tracePath === undefined) return;
        // The runtime's working state is the fold of its events at each one it publishes:
        // the writer's checkpoints read it instead of folding every event again.
        writer = new TraceWriter(tracePath, traceHeader({ path, source: text }), {
          ...RUN_TRACE_OPTIONS,
          live: rt.state,
        });
        rt.events$.subscribe(recordTo(writer));
      },
    });
  } catch (error) {
    writer?.abort(); // keep every complete chunk; a defect still shows its stack
    throw error;
  }
  // The program's stdout and stderr were written as it ran; diagnostics come back here.
  if (result.interpreter === undefined && result.stderr !== '') io.err(result.stderr);
  const state = result.interpreter?.rt.state;
  if (writer !== undefined) {
    if (state !== undefined) writer.finish(state);
    else writer.abort();
    if (writer.failure !== undefined) throw writer.failure;
  }
  if (result.stopped !== undefined)
    io.err(`${paint(io).yellow('pymemsim:')} ${result.stopped}; the trace keeps every event so far\n`);
  // With --no-trace nothing follows the program's own stderr (its last line is CPython's).
  if (state !== undefined && tracePath !== undefined) io.err(summary(tracePath, state, io) + '\n');
  // 130: stopped by SIGINT, as shells report it.
  return result.stopped === INTERRUPTED ? 130 : result.exitCode;
}

function summary(tracePath: string, state: HeapState, io: Io): string {
  const passes = state.gc.stats.reduce((n, s) => n + s.collections, 0);
  const where = `trace written to ${tracePath}`;
  const peak = (state.memory.peakBytes / 1024).toFixed(1);
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
  return `${paint(io).dim('pymemsim:')} ${where}: ${plural(state.seq, 'event')}, ${plural(state.allocated, 'object')} allocated, ${plural(passes, 'GC pass')}, peak ${peak} KiB live`;
}
