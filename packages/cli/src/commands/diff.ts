/*
 * `pymemsim diff A B [--ignore FIELD,...]`: the first event where two traces diverge,
 * the events before it (the same in both), the diverging event of each with its source
 * line, then how the two heaps differ just after it. Exit 0 when the traces are the
 * same (up to the ignored fields), 1 when they differ, 2 for any error (a missing or
 * damaged trace, a bad flag), so that scripts can tell "different" from "could not
 * compare"; 130 when stopped by Ctrl-C. Both traces are read one chunk at a time.
 */
import { UserError, canonicalJson, type HeapState, type MemEvent } from '@pymemsim/core';
import { dumpLine, firstDivergence, stateDifferences, type Difference, type Timeline } from '@pymemsim/replay';
import { paint, type Io } from '../io.js';
import { describeLine, openTimeline, printJson, withProgress } from './common.js';

export interface DiffOptions {
  readonly ignore?: readonly string[];
  readonly json?: boolean;
  /** Equal events shown before the divergence (default 3). */
  readonly context?: number;
  /** State differences shown at most (default 40). */
  readonly max?: number;
}

export function diffCommand(pathA: string, pathB: string, options: DiffOptions, io: Io): number {
  try {
    return compare(pathA, pathB, options, io);
  } catch (error) {
    // Ctrl-C and a closed stdout end it as they end every command (130, 141).
    if (!(error instanceof UserError) || error.code === 'INTERRUPTED' || error.code === 'OUTPUT_CLOSED') throw error;
    io.err(`${paint(io).red(`error[${error.code}]`)}: ${error.message}\n`);
    return 2;
  }
}

interface Side {
  readonly trace: string;
  readonly events: number;
  readonly event: MemEvent | null;
  readonly line: number;
  readonly source: string;
}

function compare(pathA: string, pathB: string, options: DiffOptions, io: Io): number {
  const a = openTimeline(pathA, io);
  const b = openTimeline(pathB, io);
  const ignore = new Set(options.ignore ?? []);
  const d = withProgress(io, 'comparing', Math.min(a.length, b.length), (p) => firstDivergence(a, b, ignore, p));
  const ignoring = ignore.size > 0 ? ` (ignoring ${[...ignore].join(', ')})` : '';
  if (d === undefined) {
    if (options.json === true) printJson(io, { same: true, a: pathA, b: pathB, events: a.length, ignore: [...ignore] });
    else io.out(`${pathA} and ${pathB}: the same ${a.length} events${ignoring}\n`);
    return 0;
  }
  const contextSize = options.context ?? 3;
  const context: { seq: number; event: MemEvent; line: string }[] = [];
  for (let n = Math.max(0, d - contextSize); n < d; n++) {
    context.push({ seq: n, event: a.event(n), line: describeLine(a, a.lineAt(n)) });
  }
  const side = (t: Timeline): Side => {
    const has = d < t.length;
    const line = has ? t.lineAt(d) : t.length > 0 ? t.lineAt(t.last) : 0;
    return { trace: t.name, events: t.length, event: has ? t.event(d) : null, line, source: describeLine(t, line) };
  };
  const sideA = side(a);
  const sideB = side(b);
  // The heaps just after the divergence (a trace that ended: its final heap).
  const stateAfter = (t: Timeline): HeapState => t.stateAt(Math.min(d, t.last));
  const differences = stateDifferences(stateAfter(a), stateAfter(b), new Set([...ignore, 'seq']), options.max ?? 40);
  if (options.json === true) {
    printJson(io, { same: false, divergence: d, ignore: [...ignore], context, a: sideA, b: sideB, differences });
    return 1;
  }
  const out: string[] = [];
  out.push(`${pathA} and ${pathB} differ from event ${d}${ignoring} (${a.length} and ${b.length} events)`);
  if (context.length > 0) {
    out.push('  before it, the same in both:');
    for (const c of context) out.push(`    ${dumpLine(c.seq, c.event)}  (${c.line})`);
  }
  for (const s of [sideA, sideB]) {
    out.push(`  ${s.trace}:`);
    out.push(s.event === null ? `    (ends after event ${s.events - 1})` : `    ${dumpLine(d, s.event)}`);
    out.push(`    ${s.source}`);
  }
  out.push(
    differences.length === 0
      ? `the heaps after event ${d} are the same${ignoring}`
      : `the heaps after event ${d} differ${differences.length >= (options.max ?? 40) ? ' (first ' + differences.length + ' differences)' : ''}:`,
  );
  for (const diff of differences) out.push(`  ${formatDifference(diff)}`);
  io.out(out.join('\n') + '\n');
  return 1;
}

export function formatDifference(d: Difference): string {
  const show = (v: unknown): string => {
    if (v === undefined) return '(absent)';
    const text = typeof v === 'object' && v !== null ? canonicalJson(v) : JSON.stringify(v);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  return `${d.path}: ${show(d.a)} | ${show(d.b)}`;
}
