/*
 * `pymemsim export T --format jsonl|chrome|dot [--at N] [-o FILE]`
 *
 *   jsonl   one event per line, as JSON with its seq first: {"seq":0,"type":...}
 *           (events 0 to N with --at N)
 *   chrome  the Chrome trace event format (JSON), which Perfetto and chrome://tracing
 *           open: each GC pass a duration (GcStarted .. GcFinished) on a "gc" track,
 *           each frame a duration (FrameEntered .. FrameExited) on a "frames" track,
 *           program output as instant events, and counters for the live objects and
 *           the generation counts. The timestamp of everything is the event's seq
 *           (shown as microseconds: read "µs" as "events").
 *   dot     the heap at --at (default: the end of the program, before interpreter
 *           shutdown) as a Graphviz digraph: frames,
 *           their variables and stack temporaries, the objects the program can reach
 *           and the garbage no root reaches (red), each reference labelled with its
 *           slot. Objects only the interpreter's roots hold are left out (--all keeps
 *           them).
 *
 * Output goes to FILE with -o (complete or absent: output.ts), else to stdout; it is
 * written in pieces as the trace is read one chunk at a time, so neither the trace nor
 * the export ever has to fit in memory.
 */
import { InvalidArgumentError } from 'commander';
import { UserError, applyEvent, emptyHeap, type HeapState, type MemEvent } from '@pymemsim/core';
import {
  framesOf,
  linksOf,
  liveObjectIds,
  objectNames,
  programObjects,
  referrers,
  shortRepr,
  generationOf,
  type Timeline,
} from '@pymemsim/replay';
import type { Io } from '../io.js';
import { openOutput } from '../output.js';
import type { AtSpec } from './at.js';
import { moment, openTimeline, withProgress } from './common.js';
import { stateWithProgress } from './inspect.js';

export const EXPORT_FORMATS = ['jsonl', 'chrome', 'dot'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const formatArg = (value: string): ExportFormat => {
  if ((EXPORT_FORMATS as readonly string[]).includes(value)) return value as ExportFormat;
  throw new InvalidArgumentError(`expected one of ${EXPORT_FORMATS.join(', ')}`);
};

export interface ExportOptions {
  readonly format: ExportFormat;
  /** jsonl, chrome: the last event exported (default the last); dot: the moment drawn (default the end of the program). */
  readonly at?: AtSpec | number;
  readonly last?: boolean;
  readonly output?: string;
  readonly all?: boolean;
  /** Describe the export as JSON on stdout (the data goes to the -o file). */
  readonly json?: boolean;
}

/** Text written in pieces to a file or to stdout. */
interface Sink {
  write(text: string): void;
  /** The export is complete. */
  close(): void;
}

/**
 * stdout (its writer holds back 64 KiB at most), or an output file (output.ts: written
 * under a temporary name and put in place by close(); an error or Ctrl-C leaves the old
 * file, if any, as it was). Pieces are gathered into writes of about 1 MiB.
 */
function openSink(io: Io, output: string | undefined, inputs: readonly string[]): Sink {
  if (output === undefined) return { write: (text) => io.out(text), close: () => io.flush?.() };
  const file = openOutput(output, { inputs, what: 'export' });
  let parts: string[] = [];
  let held = 0;
  const flush = (): void => {
    if (held === 0) return;
    file.write(parts.join(''));
    parts = [];
    held = 0;
  };
  return {
    write(text) {
      parts.push(text);
      held += text.length;
      if (held > 1 << 20) flush();
    },
    close() {
      flush();
      file.commit();
    },
  };
}

/** The objects the snapshots of an export's timeline hold at most (it never seeks back far). */
const ONE_PASS_SNAPSHOT_OBJECTS = 2 ** 16;

export function exportCommand(path: string, options: ExportOptions, io: Io): number {
  if (options.json === true && options.output === undefined) {
    throw new UserError('CLI_USAGE', '--json describes the export on stdout: give -o FILE for the exported data');
  }
  // One pass forward: the snapshots a timeline keeps to seek back would only hold memory
  // (the default allowance, 2^22 objects, is over a gigabyte of heap on a long trace).
  const timeline = openTimeline(path, io, { maxSnapshotObjects: ONE_PASS_SNAPSHOT_OBJECTS });
  const when = moment(timeline, options.at, options.last, io, {
    kind: options.format === 'dot' ? 'end' : 'last',
  });
  const at = when.seq;
  const describe = (): void => {
    if (options.json !== true) return;
    io.out(
      `${JSON.stringify({ trace: path, format: options.format, output: options.output ?? null, at, events: options.format === 'dot' ? null : at + 1 })}\n`,
    );
  };
  if (options.format === 'dot') {
    const state = stateWithProgress(timeline, at, io);
    const sink = openSink(io, options.output, [path]);
    try {
      sink.write(heapDot(timeline, at, state, options.all === true, when.what));
    } finally {
      sink.close();
    }
    describe();
    return 0;
  }
  const sink = openSink(io, options.output, [path]);
  withProgress(io, 'exporting', at + 1, (progress) => {
    if (options.format === 'jsonl') exportJsonLines(timeline, at, sink, progress);
    else exportChrome(timeline, at, sink, progress);
  });
  sink.close();
  if (options.json === true) describe();
  else if (options.output !== undefined) io.err(`${path}: events 0 to ${at} exported to ${options.output}\n`);
  return 0;
}

function exportJsonLines(
  timeline: Timeline,
  at: number,
  sink: Sink,
  progress?: (done: number, total: number) => void,
): void {
  for (const [seq, event] of timeline.events(0, at)) {
    sink.write(`${JSON.stringify({ seq, ...event })}\n`);
    if (progress !== undefined && seq % 65536 === 0) progress(seq, at + 1);
  }
}

// ---------------------------------------------------------------------------------
// Chrome trace events

const PID = 1;
const TID_GC = 1;
const TID_FRAMES = 2;
const TID_OUTPUT = 3;

function exportChrome(
  timeline: Timeline,
  at: number,
  sink: Sink,
  progress?: (done: number, total: number) => void,
): void {
  let first = true;
  const emit = (e: Record<string, unknown>): void => {
    sink.write(`${first ? '' : ',\n'}${JSON.stringify(e)}`);
    first = false;
  };
  sink.write('{"traceEvents":[\n');
  emit({ name: 'process_name', ph: 'M', pid: PID, tid: 0, args: { name: `pymemsim ${timeline.header.program.path}` } });
  for (const [tid, name] of [
    [TID_GC, 'gc'],
    [TID_FRAMES, 'frames'],
    [TID_OUTPUT, 'output'],
  ] as const) {
    emit({ name: 'thread_name', ph: 'M', pid: PID, tid, args: { name } });
  }
  // Counters are sampled: at most about 50,000 samples, and at every GC step.
  const stride = Math.max(1, Math.ceil((at + 1) / 50_000));
  let lastLive = -1;
  let lastCounts = '';
  const openFrames: { name: string; tid: number }[] = [];
  let gcOpen: string | undefined;
  const counters = (state: HeapState, seq: number, force: boolean): void => {
    if (!force && seq % stride !== 0) return;
    if (state.live !== lastLive) {
      emit({ name: 'live objects', ph: 'C', ts: seq, pid: PID, args: { live: state.live } });
      lastLive = state.live;
    }
    const [g0, g1, g2] = state.gc.counts;
    const counts = `${g0},${g1},${g2}`;
    if (counts !== lastCounts) {
      emit({ name: 'gc counts', ph: 'C', ts: seq, pid: PID, args: { gen0: g0, gen1: g1, gen2: g2 } });
      lastCounts = counts;
    }
  };
  const visit = (state: HeapState, seq: number, event: MemEvent): void => {
    // The events drawn; every other one only moves the counters.
    if (event.type === 'GcStarted') {
      gcOpen = `gc generation ${event.generation}`;
      emit({ name: gcOpen, cat: 'gc', ph: 'B', ts: seq, pid: PID, tid: TID_GC, args: { reason: event.reason, seq } });
      counters(state, seq, true);
    } else if (event.type === 'GcFinished') {
      emit({
        name: gcOpen ?? `gc generation ${event.generation}`,
        cat: 'gc',
        ph: 'E',
        ts: seq,
        pid: PID,
        tid: TID_GC,
        args: { collected: event.collected, uncollectable: event.uncollectable, seq },
      });
      gcOpen = undefined;
      counters(state, seq, true);
    } else if (event.type === 'FrameEntered') {
      openFrames.push({ name: event.name, tid: TID_FRAMES });
      emit({
        name: event.name,
        cat: 'frame',
        ph: 'B',
        ts: seq,
        pid: PID,
        tid: TID_FRAMES,
        args: { frame: event.frame },
      });
    } else if (event.type === 'FrameExited') {
      const f = openFrames.pop();
      emit({
        name: f?.name ?? 'frame',
        cat: 'frame',
        ph: 'E',
        ts: seq,
        pid: PID,
        tid: TID_FRAMES,
        args: { frame: event.frame },
      });
    } else if (event.type === 'OutputWritten') {
      emit({
        name: 'print',
        cat: 'output',
        ph: 'i',
        s: 't',
        ts: seq,
        pid: PID,
        tid: TID_OUTPUT,
        args: { text: event.text },
      });
    }
    counters(state, seq, false);
    if (progress !== undefined && seq % 65536 === 0) progress(seq, at + 1);
  };
  // One pass forward, folding a plain heap of its own (only the counters are read): no
  // timeline snapshots, so one heap in memory however long the trace.
  if (at >= 0) {
    const state = emptyHeap();
    for (const [seq, event] of timeline.events(0, at)) {
      try {
        applyEvent(state, event);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new UserError(
          'TRACE_CORRUPT',
          `${timeline.name}: event ${seq} (${event.type}) cannot be replayed: ${reason}`,
          { cause: error },
        );
      }
      visit(state, seq, event);
    }
  }
  // Close what the trace left open (a run stopped mid-call, or exported up to --at).
  const end = at + 1;
  if (gcOpen !== undefined) emit({ name: gcOpen, cat: 'gc', ph: 'E', ts: end, pid: PID, tid: TID_GC });
  for (let f = openFrames.pop(); f !== undefined; f = openFrames.pop()) {
    emit({ name: f.name, cat: 'frame', ph: 'E', ts: end, pid: PID, tid: f.tid });
  }
  sink.write(
    `\n],"displayTimeUnit":"ns","otherData":${JSON.stringify({
      trace: timeline.name,
      program: timeline.header.program.path,
      engine: timeline.header.engine,
      cpython: timeline.header.cpython,
      clock: 'event seq (1 unit = 1 event)',
    })}}\n`,
  );
}

// ---------------------------------------------------------------------------------
// Graphviz

const dotString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function heapDot(
  timeline: Timeline,
  at: number,
  state: HeapState,
  all: boolean,
  when = `after event ${at}`,
): string {
  const refs = referrers(state);
  const names = objectNames(state);
  const shown = all ? new Set(liveObjectIds(state)) : programObjects(state, refs);
  // Garbage: objects no root reaches (programObjects' second part), drawn in red.
  const reachable = new Set<number>();
  const stack = [...refs.roots.keys()];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const r of state.objects[id]?.refs ?? []) if (r !== undefined) stack.push(r.to);
  }
  const lines: string[] = [];
  lines.push(`digraph heap {`);
  lines.push(`  label=${dotString(`${timeline.name}: the heap ${when}`)};`);
  lines.push('  rankdir=LR;');
  lines.push('  node [shape=box, fontname="monospace", fontsize=10];');
  lines.push('  edge [fontname="monospace", fontsize=9];');
  for (const f of framesOf(state)) {
    lines.push(
      `  f${f.id} [shape=folder, style=filled, fillcolor="#e8eefc", label=${dotString(`frame ${f.id}\n${f.name}`)}];`,
    );
    if (f.parent !== 0 && state.frames[f.parent] !== undefined)
      lines.push(`  f${f.id} -> f${f.parent} [style=dotted, label="called from"];`);
    for (const name of f.varOrder) {
      const id = Object.hasOwn(f.vars, name) ? f.vars[name] : undefined;
      if (id !== undefined && shown.has(id)) lines.push(`  f${f.id} -> o${id} [label=${dotString(name)}];`);
    }
    for (const id of [...f.stack, ...f.displaced.map((d) => d.id)]) {
      if (shown.has(id)) lines.push(`  f${f.id} -> o${id} [style=dashed, label="stack"];`);
    }
  }
  for (const id of liveObjectIds(state)) {
    if (!shown.has(id)) continue;
    const obj = state.objects[id];
    if (obj === undefined) continue;
    const garbage = !reachable.has(id);
    const name = names.get(id);
    const label = `#${id} ${obj.pyType}${name === undefined ? '' : ` (${name})`}\n${shortRepr(state, id)}\nrefcount ${obj.refcount}, ${generationOf(obj)}`;
    lines.push(`  o${id} [label=${dotString(label)}${garbage ? ', color=red, fontcolor=red' : ''}];`);
    for (const link of linksOf(state, id)) {
      if (shown.has(link.to)) lines.push(`  o${id} -> o${link.to} [label=${dotString(link.label)}];`);
    }
  }
  const rootEdges: string[] = [];
  for (const [id, holders] of refs.roots) {
    if (!shown.has(id)) continue;
    for (const h of holders) if (h.kind === 'root') rootEdges.push(`  roots -> o${id} [label=${dotString(h.name)}];`);
  }
  if (rootEdges.length > 0) {
    lines.push('  roots [shape=cylinder, label="interpreter roots"];');
    lines.push(...rootEdges);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
