/*
 * `pymemsim diff A B [--ignore FIELD,...]`: the first event where two traces diverge,
 * the events before it (the same in both), the diverging event of each with its source
 * line, then how the two heaps differ just after it. Exit 0 when the traces are the
 * same (up to the ignored fields), 1 when they differ, 2 for any error (a missing or
 * damaged trace, a bad flag), so that scripts can tell "different" from "could not
 * compare"; 130 when stopped by Ctrl-C. Both traces are read one chunk at a time.
 */
import { UserError, canonicalJson, type HeapState, type MemEvent } from '@pymemsim/core';
import {
  dumpLine,
  firstDivergence,
  objectNames,
  objectWords,
  refLabels,
  stateContext,
  stateDifferences,
  type Difference,
  type HolderContext,
  type Timeline,
} from '@pymemsim/replay';
import { paint, type Io } from '../io.js';
import { describeLine, openTimeline, printJson, withProgress } from './common.js';
import { eventWords } from './history.js';

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
  // Two timelines, two working states: each stays valid while only the other moves.
  const stateA = a.stateAt(Math.min(d, a.last));
  const stateB = b.stateAt(Math.min(d, b.last));
  const differences = stateDifferences(stateA, stateB, new Set([...ignore, 'seq']), options.max ?? 40);
  const ctxA = stateContext(stateA, objectNames(stateA));
  const ctxB = stateContext(stateB, objectNames(stateB));
  const words = differences.map((diff) => describeDifference(diff, stateA, stateB, ctxA));
  if (options.json === true) {
    printJson(io, {
      same: false,
      divergence: d,
      ignore: [...ignore],
      context,
      a: { ...sideA, words: sideA.event === null ? null : eventWords(sideA.event, ctxA) },
      b: { ...sideB, words: sideB.event === null ? null : eventWords(sideB.event, ctxB) },
      differences: differences.map((diff, i) => ({ ...diff, words: words[i] })),
    });
    return 1;
  }
  const out: string[] = [];
  out.push(`${pathA} and ${pathB} differ from event ${d}${ignoring} (${a.length} and ${b.length} events)`);
  if (context.length > 0) {
    out.push('  before it, the same in both:');
    for (const c of context) out.push(`    ${dumpLine(c.seq, c.event)}  (${c.line})`);
  }
  for (const [s, ctx] of [
    [sideA, ctxA],
    [sideB, ctxB],
  ] as const) {
    out.push(`  ${s.trace}:`);
    if (s.event === null) out.push(`    (ends after event ${s.events - 1})`);
    else out.push(`    ${dumpLine(d, s.event)}`, `      ${eventWords(s.event, ctx)}`);
    out.push(`    ${s.source}`);
  }
  out.push(
    differences.length === 0
      ? `the heaps after event ${d} are the same${ignoring}`
      : `the heaps after event ${d} differ${differences.length >= (options.max ?? 40) ? ' (first ' + differences.length + ' differences)' : ''}:`,
  );
  for (const w of words) out.push(`  ${w}`);
  io.out(out.join('\n') + '\n');
  return 1;
}

/** A value of a state, short. */
function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const text = typeof v === 'object' && v !== null ? canonicalJson(v) : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The raw form: `objects.12.refcount: 2 | 3` (the path into core's HeapState). */
export function formatDifference(d: Difference): string {
  return `${d.path}: ${show(d.a)} | ${show(d.b)}`;
}

/** Words for a field of an object. */
const OBJECT_FIELDS: Readonly<Record<string, string>> = {
  refcount: 'refcount',
  size: 'size (sys.getsizeof)',
  alloc: 'block size',
  addr: 'address',
  refs: 'references it holds',
  gen: 'generation list',
  gcPrev: 'place in its generation list',
  gcNext: 'place in its generation list',
  finalized: '__del__ already run',
  dying: 'being deallocated',
  repr: 'repr',
  pyType: 'type',
};

/** Words for the fields of a pymalloc pool (obmalloc.c's pool_header). */
const POOL_FIELDS: Readonly<Record<string, string>> = {
  ref: 'blocks in use',
  free: 'its free blocks',
  nextIndex: 'blocks carved so far',
  szidx: 'size class',
  nextpool: 'next pool',
  prevpool: 'previous pool',
};

/** Words for the top-level fields of a state. */
const STATE_FIELDS: Readonly<Record<string, string>> = {
  line: 'the line running',
  live: 'objects alive',
  allocated: 'objects allocated so far',
  currentFrame: 'the running frame',
  'gc.counts': 'gc.get_count()',
  'gc.thresholds': 'gc.get_threshold()',
  'gc.enabled': 'gc.isenabled()',
  'gc.stats': 'gc.get_stats()',
  'memory.liveBytes': 'bytes live (the sum of sys.getsizeof)',
  'memory.peakBytes': 'peak bytes live',
  'memory.usedpools': 'pymalloc usedpools (the pool in use of each size class)',
  'memory.narenasCurrentlyAllocated': 'pymalloc arenas allocated',
  'memory.narenasHighwater': 'pymalloc arenas highwater mark',
  'memory.ntimesArenaAllocated': 'pymalloc arenas allocated in total',
  'memory.raw': 'system allocator',
  'memory.freelists': 'free lists',
};

/**
 * One difference of two states in words, naming objects by type and name:
 * `Node #499 (a): refcount 3 | 4`, `list #501 (b): its reference [2]: (absent) | .. -> Node #499`,
 * `the stack of frame 1: [499,499] | [499,499,499]`, `pymalloc pool 1: ref ...`.
 */
export function describeDifference(d: Difference, a: HeapState, b: HeapState, ctx: HolderContext): string {
  const values = `${show(d.a)} | ${show(d.b)}`;
  const parts = d.path.split('.');
  if (parts[0] === 'objects' && parts[1] !== undefined) {
    const id = Number(parts[1]);
    const obj = a.objects[id] ?? b.objects[id];
    const who =
      obj === undefined
        ? `#${id}`
        : `${obj.pyType} #${id}${ctx.nameOf?.(id) === undefined ? '' : ` (${ctx.nameOf(id)})`}`;
    if (parts.length === 2)
      return `${who}: ${d.a === undefined ? 'absent' : 'alive'} | ${d.b === undefined ? 'absent' : 'alive'}`;
    const field = parts.slice(2).join('.');
    const ref = /^refs\[(\d+)\](?:\.(slot|to))?$/.exec(field);
    if (ref !== null) {
      const k = Number(ref[1]);
      const label = (s: HeapState): string | undefined => {
        const o = s.objects[id];
        return o === undefined ? undefined : refLabels(o)[k];
      };
      const refText = (r: unknown, s: HeapState): string => {
        if (typeof r !== 'object' || r === null) return show(r);
        const to = (r as { to?: unknown }).to;
        return `${label(s) ?? show((r as { slot?: unknown }).slot)} -> ${typeof to === 'number' ? objectWords(stateContext(s, new Map()), to) : show(to)}`;
      };
      const objA = a.objects[id]?.refs[k];
      const objB = b.objects[id]?.refs[k];
      return `${who}: its reference ${k + 1}: ${objA === undefined ? '(absent)' : refText(objA, a)} | ${objB === undefined ? '(absent)' : refText(objB, b)}`;
    }
    return `${who}: ${OBJECT_FIELDS[field] ?? field}: ${values}`;
  }
  if (parts[0] === 'frames' && parts[1] !== undefined) {
    const frame = `frame ${parts[1]}${a.frames[Number(parts[1])]?.name === undefined ? '' : ` (${a.frames[Number(parts[1])]?.name})`}`;
    const rest = parts.slice(2);
    if (rest.length === 0)
      return `${frame}: ${d.a === undefined ? 'absent' : 'running'} | ${d.b === undefined ? 'absent' : 'running'}`;
    if (rest[0] === 'vars') return `variable ${rest.slice(1).join('.')} of ${frame}: ${values}`;
    if (rest[0] === 'stack') return `the evaluation stack of ${frame}: ${values}`;
    return `${frame}: ${rest.join('.')}: ${values}`;
  }
  if (parts[0] === 'roots') return `the interpreter's references (${parts.slice(1).join('.')}): ${values}`;
  const pool = /^memory\.pools\.(\d+)(?:\.(.*))?$/.exec(d.path);
  if (pool !== null) {
    const field = pool[2] === undefined ? '' : ` (${POOL_FIELDS[pool[2]] ?? pool[2]})`;
    return `pymalloc pool ${pool[1]}${field}: ${values}`;
  }
  const arena = /^memory\.arenas\[(\d+)\](?:\.(.*))?$/.exec(d.path);
  if (arena !== null) return `pymalloc arena ${arena[1]}${arena[2] === undefined ? '' : ` (${arena[2]})`}: ${values}`;
  const buffer = /^memory\.buffers\.(\d+)(?:\.(.*))?$/.exec(d.path);
  if (buffer !== null) {
    const id = Number(buffer[1]);
    const obj = a.objects[id] ?? b.objects[id];
    return `the ${buffer[2] ?? ''} buffer of ${obj === undefined ? `#${id}` : `${obj.pyType} #${id}`}: ${values}`;
  }
  const known = Object.keys(STATE_FIELDS).find(
    (k) => d.path === k || d.path.startsWith(`${k}.`) || d.path.startsWith(`${k}[`),
  );
  if (known !== undefined)
    return `${STATE_FIELDS[known]}${d.path === known ? '' : ` (${d.path.slice(known.length + 1)})`}: ${values}`;
  return `${d.path}: ${values}`;
}
