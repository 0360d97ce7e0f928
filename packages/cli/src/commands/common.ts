/*
 * What the trace commands share: opening a trace as a timeline, reading `--at`,
 * naming source lines, the progress bar (stderr, only on a terminal), JSON output.
 */
import { InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { UserError, type MemEvent } from '@pymemsim/core';
import { Timeline, dumpLine, fileSource, type ByteSource, type Progress } from '@pymemsim/replay';
import { cannotRead, paint, type Io } from '../io.js';

/** A trace file opened for reading piece by piece (a missing or unreadable file is FILE_NOT_FOUND). */
export function openTraceSource(path: string): ByteSource {
  try {
    return fileSource(path);
  } catch (cause) {
    throw cannotRead(path, cause, 'a trace');
  }
}

/**
 * Open a trace file as a timeline, read piece by piece (the file stays open until the
 * process ends, or `close()`); a recovered (cut short, damaged) trace is opened with a warning.
 */
export function openTimeline(path: string, io: Io, options: { warn?: boolean } = {}): Timeline {
  const source = openTraceSource(path);
  let timeline: Timeline;
  try {
    timeline = Timeline.open(source, path);
  } catch (error) {
    source.close();
    throw error;
  }
  if (timeline.recovered !== undefined && options.warn !== false) {
    io.err(`${paint(io).yellow('warning')}: ${timeline.recovered.message}\n`);
  }
  return timeline;
}

/** `--at N`: an event seq (a non-negative integer), or `end` for the last event. */
export const eventArg = (value: string): number => {
  if (value === 'end' || value === 'last') return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError('expected an event number (0, 1, ...) or "end"');
  }
  return n;
};

/** `--obj ID`: an object id, `#12` or `12`. */
export const objectArg = (value: string): number => {
  const text = value.startsWith('#') ? value.slice(1) : value;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) {
    throw new InvalidArgumentError('expected an object id (a positive integer, as in #12)');
  }
  return n;
};

/** The event `--at` names (default and `end`: the last one). A trace without events is a user error. */
export function resolveAt(timeline: Timeline, at: number | undefined): number {
  if (timeline.length === 0) {
    throw new UserError('CLI_USAGE', `${timeline.name} holds no events: there is nothing to inspect`);
  }
  if (at === undefined || at === Number.POSITIVE_INFINITY) return timeline.last;
  if (at > timeline.last) {
    throw new UserError(
      'CLI_USAGE',
      `--at ${at}: ${timeline.name} has ${timeline.length} events, numbered 0 to ${timeline.last}`,
    );
  }
  return at;
}

/** The text of line `line` (1-based) of the trace's program, trimmed ('' when out of range). */
export function sourceLine(timeline: Timeline, line: number): string {
  if (line <= 0) return '';
  return (timeline.header.program.source.split('\n')[line - 1] ?? '').trim();
}

/** `line 7: x = [1]` or `before the first line`. */
export function describeLine(timeline: Timeline, line: number): string {
  if (line <= 0) return 'before the first line';
  const text = sourceLine(timeline, line);
  return text === '' ? `line ${line}` : `line ${line}: ${text}`;
}

/** One event as a listing line with its source line: `000012 L3 RefIncremented ...`. */
export function eventLine(timeline: Timeline, seq: number, event: MemEvent): string {
  return `${dumpLine(seq, event)}  (${describeLine(timeline, timeline.lineAt(seq))})`;
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Events above which a pass shows a progress bar (on a terminal). */
const PROGRESS_THRESHOLD = 200_000;

/**
 * Run `work` with a progress bar on stderr when stderr is a terminal and the work is
 * long (`total` events); `work` reports through the callback it is given.
 */
export function withProgress<T>(io: Io, label: string, total: number, work: (progress?: Progress) => T): T {
  if (!io.errIsTty || io.progressStream === undefined || total < PROGRESS_THRESHOLD) return work(undefined);
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} events`,
      stream: io.progressStream as unknown as NodeJS.WritableStream, // what cli-progress uses of it: io.ts
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  try {
    return work((done) => bar.update(done));
  } finally {
    bar.stop();
  }
}

/** `--ignore addr --ignore size,repr`: the field names, split at commas. */
export const collectList = (value: string, previous: readonly string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
];
