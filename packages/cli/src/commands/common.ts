/*
 * What the trace commands share: opening a trace as a timeline, reading `--at`,
 * naming source lines, the progress bar (stderr, only on a terminal), JSON output.
 */
import cliProgress from 'cli-progress';
import type { MemEvent } from '@pymemsim/core';
import { Timeline, dumpLine, fileSource, type ByteSource, type Progress } from '@pymemsim/replay';
import { cannotRead, paint, type Io } from '../io.js';
import { resolveAtSpec, type AtSpec, type ResolvedAt } from './at.js';

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
export function openTimeline(
  path: string,
  io: Io,
  options: { warn?: boolean; maxSnapshotObjects?: number } = {},
): Timeline {
  const source = openTraceSource(path);
  let timeline: Timeline;
  try {
    timeline = Timeline.open(
      source,
      path,
      options.maxSnapshotObjects === undefined ? {} : { maxSnapshotObjects: options.maxSnapshotObjects },
    );
  } catch (error) {
    source.close();
    throw error;
  }
  if (timeline.recovered !== undefined && options.warn !== false) {
    io.err(`${paint(io).yellow('warning')}: ${timeline.recovered.message}\n`);
  }
  return timeline;
}

/**
 * The moment `--at` names (at.ts; default: the end of the program), with a progress bar
 * when finding it passes over a long trace; a note on stderr when it is not exactly
 * what was asked (`end` of a run stopped early). A number is an event.
 */
export function moment(
  timeline: Timeline,
  at: AtSpec | number | undefined,
  last: boolean | undefined,
  io: Io,
  fallback: AtSpec = { kind: 'end' },
): ResolvedAt {
  const spec: AtSpec = typeof at === 'number' ? { kind: 'event', seq: at } : (at ?? fallback);
  const resolved = withProgress(io, 'searching', timeline.length, (progress) =>
    resolveAtSpec(timeline, spec, { ...(last === true ? { last } : {}), ...(progress ? { progress } : {}) }),
  );
  if (resolved.note !== undefined) io.err(`${paint(io).yellow('note')}: ${resolved.note}\n`);
  return resolved;
}

/** The text of line `line` (1-based) of the trace's program, trimmed ('' when out of range). */
export function sourceLine(timeline: Timeline, line: number): string {
  if (line <= 0) return '';
  return (timeline.header.program.source.split('\n')[line - 1] ?? '').trim();
}

/** `line 7: x = [1]` or `before the first line`. */
/** `line 12: x = f(a)`; with the instruction's byte offset, `line 12, offset 24: x = f(a)`. */
export function describeLine(timeline: Timeline, line: number, offset?: number): string {
  if (line <= 0) return offset === undefined ? 'before the first line' : `before the first line, offset ${offset}`;
  const text = sourceLine(timeline, line);
  const at = offset === undefined ? `line ${line}` : `line ${line}, offset ${offset}`;
  return text === '' ? at : `${at}: ${text}`;
}

/** One event as a listing line with its source line: `000012 L3 RefIncremented ...`. */
export function eventLine(timeline: Timeline, seq: number, event: MemEvent): string {
  return `${dumpLine(seq, event)}  (${describeLine(timeline, timeline.lineAt(seq))})`;
}

export function printJson(io: Io, value: unknown): void {
  if (io.json !== undefined) io.json(value);
  else io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Events above which a pass shows a progress bar (on a terminal). */
const PROGRESS_THRESHOLD = 200_000;

/**
 * stderr as the stream a progress bar draws on: every write goes through `io.err`, which
 * writes at once (synchronous writes to the descriptor: io.ts), so the bar
 * is redrawn while the work runs. cli-progress redraws from inside `update` (at most
 * every 200 ms: `synchronousUpdate`), which is what moves a bar during synchronous work.
 */
export function errStream(io: Io): NodeJS.WritableStream & { isTTY: boolean; columns: number } {
  const stream = {
    isTTY: io.errIsTty,
    columns: io.errColumns ?? 80,
    write(text: string | Uint8Array, ...rest: unknown[]): boolean {
      io.err(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    },
  };
  return stream as unknown as NodeJS.WritableStream & { isTTY: boolean; columns: number };
}

/** A progress bar on stderr (cli-progress), drawn through `io`. `format` uses {bar}, {value}, {total}, {percentage}. */
export function progressBar(io: Io, format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    { format, stream: errStream(io), hideCursor: true, clearOnComplete: true, gracefulExit: false },
    cliProgress.Presets.shades_classic,
  );
}

/**
 * Run `work` with a progress bar on stderr when stderr is a terminal and the work is
 * long (`total` events); `work` reports through the callback it is given. The bar is
 * drawn from the first report on (work that needs no pass draws none).
 */
export function withProgress<T>(io: Io, label: string, total: number, work: (progress?: Progress) => T): T {
  if (!io.errIsTty || total < PROGRESS_THRESHOLD) return work(undefined);
  const bar = progressBar(io, `${label} [{bar}] {percentage}% | {value}/{total} events`);
  let started = false;
  try {
    return work((done, all) => {
      if (!started) {
        bar.start(all > 0 ? all : total, 0);
        started = true;
      }
      bar.update(done);
    });
  } finally {
    if (started) bar.stop();
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
