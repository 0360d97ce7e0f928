/*
 * `pymemsim inspect T --at N`: the heap after event N (default: the last). Frames and
 * their variables, the objects (id, type, short repr, refcount, generation, address,
 * size), the collector's counts and thresholds, and a summary of the memory state
 * (generic: every number of `state.memory`, and the size of every table in it).
 */
import type { HeapState } from '@pymemsim/core';
import {
  frameViews,
  liveObjectIds,
  mainGlobals,
  objectView,
  programObjects,
  type ObjectView,
  type Timeline,
} from '@pymemsim/replay';
import type { Io } from '../io.js';
import { describeLine, openTimeline, printJson, resolveAt, withProgress } from './common.js';

export interface InspectOptions {
  readonly at?: number;
  readonly json?: boolean;
  readonly all?: boolean;
}

export function inspectCommand(path: string, options: InspectOptions, io: Io): number {
  const timeline = openTimeline(path, io);
  const at = resolveAt(timeline, options.at);
  const state = stateWithProgress(timeline, at, io);
  const report = heapReport(timeline, at, state, options.all === true);
  if (options.json === true) printJson(io, report);
  else io.out(renderHeapReport(report));
  return 0;
}

/** The state after event `at`, with a progress bar when the fold is long (the first visit of a region). */
export function stateWithProgress(timeline: Timeline, at: number, io: Io): HeapState {
  return withProgress(io, 'folding', at, (progress) => timeline.stateAt(at, progress));
}

export interface HeapReport {
  readonly trace: string;
  readonly at: number;
  readonly events: number;
  readonly line: number;
  readonly source: string;
  readonly frames: readonly {
    readonly id: number;
    readonly name: string;
    readonly parent: number;
    readonly current: boolean;
    readonly variables: readonly { readonly name: string; readonly object: ObjectView | null }[];
    readonly stack: readonly (ObjectView | null)[];
  }[];
  /** The globals of `__main__` when the interpreter keeps them in a module dict (dunder names with --all). */
  readonly globals: readonly { readonly name: string; readonly object: ObjectView | null }[];
  readonly objects: readonly ObjectView[];
  readonly live: number;
  readonly hidden: number;
  readonly gc: {
    readonly counts: readonly number[];
    readonly thresholds: readonly number[];
    readonly enabled: boolean;
    readonly collecting: number;
    readonly generations: readonly number[];
    readonly stats: readonly {
      readonly collections: number;
      readonly collected: number;
      readonly uncollectable: number;
    }[];
  };
  readonly memory: Readonly<Record<string, number | string>>;
}

export function heapReport(timeline: Timeline, at: number, state: HeapState, all: boolean): HeapReport {
  const shown = all ? new Set(liveObjectIds(state)) : programObjects(state);
  const view = (id: number): ObjectView | null => objectView(state, id) ?? null;
  const objects = liveObjectIds(state)
    .filter((id) => shown.has(id))
    .map((id) => objectView(state, id))
    .filter((v): v is ObjectView => v !== undefined);
  return {
    trace: timeline.name,
    at,
    events: timeline.length,
    line: state.line,
    source: describeLine(timeline, state.line),
    frames: frameViews(state).map((f) => ({
      id: f.id,
      name: f.name,
      parent: f.parent,
      current: f.id === state.currentFrame,
      variables: f.vars.map((v) => ({ name: v.name, object: view(v.id) })),
      stack: f.stack.map(view),
    })),
    globals: (mainGlobals(state)?.entries ?? [])
      .filter((e) => all || !e.name.startsWith('__'))
      .map((e) => ({ name: e.name, object: view(e.id) })),
    objects,
    live: state.live,
    hidden: state.live - objects.length,
    gc: {
      counts: [...state.gc.counts],
      thresholds: [...state.gc.thresholds],
      enabled: state.gc.enabled,
      collecting: state.gc.collecting,
      generations: state.gc.lists.slice(0, 3).map((l) => l.length),
      stats: state.gc.stats.map((s) => ({ ...s })),
    },
    memory: memorySummary(state),
  };
}

/**
 * The memory state summarised without knowing its fields: numbers as they are, tables
 * by their size (`pools: 3 entries`), nested maps one level down (`raw.used`).
 */
export function memorySummary(state: HeapState): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const describe = (key: string, v: unknown, depth: number): void => {
    if (typeof v === 'number') {
      // Addresses read better in hex.
      out[key] = v >= 2 ** 40 && Number.isSafeInteger(v) ? `0x${v.toString(16)}` : v;
    } else if (typeof v === 'string' || typeof v === 'boolean') {
      out[key] = String(v);
    } else if (Array.isArray(v)) {
      out[key] = `${v.length} entr${v.length === 1 ? 'y' : 'ies'}`;
    } else if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v);
      const table = keys.length > 0 && keys.every((k) => /^\d+$/.test(k));
      if (depth === 0 && keys.length <= 12 && !table) {
        for (const k of keys) describe(`${key}.${k}`, (v as Record<string, unknown>)[k], depth + 1);
      } else {
        out[key] = `${keys.length} entr${keys.length === 1 ? 'y' : 'ies'}`;
      }
    }
  };
  const memory = state.memory as unknown as Record<string, unknown>;
  for (const key of Object.keys(memory)) describe(key, memory[key], 0);
  return out;
}

const objectCell = (o: ObjectView | null): string =>
  o === null ? '(freed)' : `#${o.id} ${o.type} ${o.repr}  (refcount ${o.refcount})`;

export function renderHeapReport(r: HeapReport): string {
  const lines: string[] = [];
  lines.push(`${r.trace}: the heap after event ${r.at} of ${r.events - 1} (${r.source})`);
  lines.push('');
  lines.push(r.frames.length === 0 ? 'frames: none' : 'frames (innermost first):');
  for (const f of r.frames) {
    lines.push(
      `  frame ${f.id} ${f.name}${f.current ? ' (running)' : ''}${f.parent !== 0 ? `, called from frame ${f.parent}` : ''}`,
    );
    for (const v of f.variables) lines.push(`    ${v.name} = ${objectCell(v.object)}`);
    if (f.stack.length > 0) lines.push(`    stack: ${f.stack.map(objectCell).join('; ')}`);
  }
  if (r.globals.length > 0) {
    lines.push('', 'globals of __main__:');
    for (const g of r.globals) lines.push(`  ${g.name} = ${objectCell(g.object)}`);
  }
  lines.push('');
  const hidden = r.hidden > 0 ? `; ${r.hidden} held only by the interpreter not shown (--all shows them)` : '';
  lines.push(`objects: ${r.live} live${hidden}`);
  lines.push(
    ...table(
      ['id', 'type', 'refcount', 'gen', 'address', 'size', 'repr'],
      r.objects.map((o) => [`#${o.id}`, o.type, String(o.refcount), o.generation, o.address, String(o.size), o.repr]),
      new Set([2, 5]),
    ),
  );
  lines.push('');
  const g = r.gc;
  lines.push(
    `gc: ${g.enabled ? 'enabled' : 'disabled'}; counts ${g.counts.join(', ')}; thresholds ${g.thresholds.join(', ')}; ` +
      `generation sizes ${g.generations.join(', ')}${g.collecting >= 0 ? `; collecting generation ${g.collecting}` : ''}`,
  );
  lines.push(`gc.get_stats(): ${formatGcStats(g.stats)}`);
  lines.push('');
  lines.push('memory:');
  for (const [k, v] of Object.entries(r.memory))
    lines.push(`  ${k}: ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`);
  return lines.join('\n') + '\n';
}

/** gc.get_stats() as CPython prints it. */
export function formatGcStats(
  stats: readonly { readonly collections: number; readonly collected: number; readonly uncollectable: number }[],
): string {
  return `[${stats
    .map((s) => `{'collections': ${s.collections}, 'collected': ${s.collected}, 'uncollectable': ${s.uncollectable}}`)
    .join(', ')}]`;
}

/** Aligned columns; `right` holds the indexes of right-aligned columns. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right = new Set<number>(),
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`);
}
