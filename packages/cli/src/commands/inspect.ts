/*
 * `pymemsim inspect T [--at WHEN]`: the heap at one moment of a trace (default: the end
 * of the program, before interpreter shutdown; at.ts). Frames and their variables, the
 * globals of `__main__`, the objects (id, type, the name code would reach it by, repr as
 * CPython writes it, refcount, generation, address, size), the collector's counts and
 * thresholds, and the memory in the words of CPython's `sys._debugmallocstats()`.
 *
 * A big heap: `--type T` keeps the objects of some types, `--sort refcount|size|age`
 * orders them (age: oldest first, the default order), `--limit N` shows the first N
 * (default 100 on a terminal's text, all in --json; 0: all).
 */
import { FREELISTS, FREELIST_NAMES, ARENA_SIZE, blockSize, sizeClassUsage, type HeapState } from '@pymemsim/core';
import {
  frameViews,
  liveObjectIds,
  mainGlobals,
  objectNames,
  objectView,
  programObjects,
  type ObjectView,
  type Timeline,
} from '@pymemsim/replay';
import type { Io } from '../io.js';
import type { AtSpec } from './at.js';
import { describeLine, moment, openTimeline, printJson, withProgress } from './common.js';

export const SORT_KEYS = ['age', 'refcount', 'size'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** Objects shown by default in text (a big heap says how many more there are). */
export const DEFAULT_LIMIT = 100;

export interface InspectOptions {
  /** When (an event number, or a spec: at.ts); default the end of the program. */
  readonly at?: AtSpec | number;
  /** With `--at line:N`: the last time the line runs. */
  readonly last?: boolean;
  readonly json?: boolean;
  readonly all?: boolean;
  /** Only objects of these types (`Node`, `list`). */
  readonly type?: readonly string[];
  readonly sort?: SortKey;
  /** At most this many objects (0: all). */
  readonly limit?: number;
}

export function inspectCommand(path: string, options: InspectOptions, io: Io): number {
  const timeline = openTimeline(path, io);
  const at = moment(timeline, options.at, options.last, io);
  const state = stateWithProgress(timeline, at.seq, io);
  const report = heapReport(timeline, at.seq, state, {
    all: options.all === true,
    ...(options.type !== undefined ? { types: options.type } : {}),
    ...(options.sort !== undefined ? { sort: options.sort } : {}),
    limit: options.limit ?? (options.json === true ? 0 : DEFAULT_LIMIT),
    when: at.what,
  });
  if (options.json === true) printJson(io, report);
  else io.out(renderHeapReport(report));
  return 0;
}

/** The state after event `at`, with a progress bar when the fold is long (the first visit of a region). */
export function stateWithProgress(timeline: Timeline, at: number, io: Io): HeapState {
  return withProgress(io, 'folding', at, (progress) => timeline.stateAt(at, progress));
}

/** An object row: its view, the name code reaches it by (if any). */
export type ObjectRow = ObjectView & {
  readonly name: string | null;
  /**
   * The program reaches it only through the interpreter's own references (a code object,
   * a function's name string, a dict's str key) or through what a frame holds for the
   * interpreter: the viewer folds these (programObjects).
   */
  readonly interpreter: boolean;
};

export interface HeapReport {
  readonly trace: string;
  readonly at: number;
  /** `at the end of the program (event 1465, before interpreter shutdown)`, ... */
  readonly when: string;
  /** Events in the trace (numbered 0 to events - 1). */
  readonly events: number;
  readonly line: number;
  /** The byte offset of the instruction that caused event `at` (as `dis` prints it), or null (none: see EventPosition). */
  readonly offset: number | null;
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
  readonly objects: readonly ObjectRow[];
  /** Objects that matched (--type, --all) before --limit. */
  readonly matched: number;
  /** Objects of each type among those that matched, most first. */
  readonly types: readonly { readonly type: string; readonly count: number }[];
  readonly live: number;
  readonly hidden: number;
  readonly filter: { readonly types: readonly string[] | null; readonly sort: SortKey; readonly limit: number };
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
  readonly memory: MemorySummary;
}

export interface HeapReportOptions {
  readonly all?: boolean;
  readonly types?: readonly string[];
  readonly sort?: SortKey;
  /** 0: every object. */
  readonly limit?: number;
  readonly when?: string;
}

export function heapReport(
  timeline: Timeline,
  at: number,
  state: HeapState,
  options: HeapReportOptions | boolean = {},
): HeapReport {
  const opts: HeapReportOptions = typeof options === 'boolean' ? { all: options } : options;
  const all = opts.all === true;
  const walk = { complete: true, interpreterFrom: Infinity };
  const program = programObjects(state, undefined, Infinity, walk);
  const kept = new Set([...program].slice(walk.interpreterFrom));
  const shown = all ? new Set(liveObjectIds(state)) : program;
  const names = objectNames(state);
  const view = (id: number): ObjectView | null => objectView(state, id) ?? null;
  const wanted = opts.types === undefined || opts.types.length === 0 ? undefined : new Set(opts.types);
  const matching = liveObjectIds(state)
    .filter((id) => shown.has(id))
    .map((id): ObjectRow | undefined => {
      const v = objectView(state, id);
      return v === undefined ? undefined : { ...v, name: names.get(id) ?? null, interpreter: kept.has(id) };
    })
    .filter((v): v is ObjectRow => v !== undefined && (wanted === undefined || wanted.has(v.type)));
  const sort = opts.sort ?? 'age';
  if (sort === 'refcount') matching.sort((a, b) => b.refcount - a.refcount || a.id - b.id);
  else if (sort === 'size') matching.sort((a, b) => b.size - a.size || a.id - b.id);
  const counts = new Map<string, number>();
  for (const o of matching) counts.set(o.type, (counts.get(o.type) ?? 0) + 1);
  const limit = opts.limit ?? 0;
  const objects = limit > 0 ? matching.slice(0, limit) : matching;
  const offset = at >= 0 && at < timeline.length ? (timeline.event(at).offset ?? null) : null;
  return {
    trace: timeline.name,
    at,
    when: opts.when ?? `after event ${at}`,
    events: timeline.length,
    line: state.line,
    offset,
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
    matched: matching.length,
    types: [...counts].map(([type, count]) => ({ type, count })).sort((a, b) => b.count - a.count),
    live: state.live,
    hidden: state.live - shown.size,
    filter: { types: opts.types === undefined ? null : [...opts.types], sort, limit },
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

/** The memory of a state, counted as `sys._debugmallocstats()` counts it. */
export interface MemorySummary {
  /** The sum of sys.getsizeof over the live objects, and its peak. */
  readonly objectBytes: number;
  readonly peakObjectBytes: number;
  readonly arenas: {
    readonly current: number;
    readonly highwater: number;
    readonly allocatedTotal: number;
    readonly bytesEach: number;
  };
  /** Pools with a block in use; empty pools in the allocated arenas. */
  readonly pools: { readonly used: number; readonly unused: number };
  /** pymalloc's blocks in use (and their bytes), and the free blocks of the pools in use. */
  readonly blocks: { readonly inUse: number; readonly bytesInUse: number; readonly available: number };
  /** Requests over 512 bytes (and of 0), served by the system allocator. */
  readonly systemAllocator: { readonly blocks: number; readonly bytes: number };
  /** Blocks parked on each type's free list, by CPython's name for them (`free PyListObject`). */
  readonly freeLists: Readonly<Record<string, number>>;
}

export function memorySummary(state: HeapState): MemorySummary {
  const mem = state.memory;
  let current = 0;
  let unused = 0;
  for (const ao of mem.arenas) {
    if (ao.address === 0) continue;
    current += 1;
    unused += ao.nfreepools;
  }
  let used = 0;
  let inUse = 0;
  let bytesInUse = 0;
  let available = 0;
  for (const u of sizeClassUsage(state)) {
    used += u.pools;
    inUse += u.inUse;
    bytesInUse += u.inUse * blockSize(u.sizeClass);
    available += u.avail;
  }
  const freeLists: Record<string, number> = {};
  for (const name of FREELIST_NAMES) {
    const n = mem.freelists[name]?.length ?? 0;
    if (n > 0)
      freeLists[FREELISTS[name]?.report?.name ?? (name === 'dictkeys' ? 'free PyDictKeysObject' : `free ${name}`)] = n;
  }
  return {
    objectBytes: mem.liveBytes,
    peakObjectBytes: mem.peakBytes,
    arenas: {
      current,
      highwater: mem.narenasHighwater,
      allocatedTotal: mem.ntimesArenaAllocated,
      bytesEach: ARENA_SIZE,
    },
    pools: { used, unused },
    blocks: { inUse, bytesInUse, available },
    systemAllocator: { blocks: mem.raw.blocks, bytes: mem.raw.bytes },
    freeLists,
  };
}

const n = (v: number): string => v.toLocaleString('en-US');
const plural = (count: number, word: string, many = `${word}s`): string => `${n(count)} ${count === 1 ? word : many}`;

export function renderMemory(m: MemorySummary): string[] {
  const lists = Object.entries(m.freeLists).map(([name, count]) => plural(count, name, `${name}s`));
  return [
    `  objects: ${n(m.objectBytes)} bytes live (the sum of sys.getsizeof), at most ${n(m.peakObjectBytes)} so far`,
    `  pymalloc: ${plural(m.arenas.current, 'arena')} of ${n(m.arenas.bytesEach)} bytes allocated ` +
      `(highwater mark ${n(m.arenas.highwater)}, ${n(m.arenas.allocatedTotal)} allocated in total); ` +
      `${plural(m.pools.used, 'pool')} in use, ${plural(m.pools.unused, 'unused pool')}; ` +
      `${plural(m.blocks.inUse, 'block')} in use (${n(m.blocks.bytesInUse)} bytes), ${n(m.blocks.available)} available`,
    `  system allocator (blocks over 512 bytes): ${plural(m.systemAllocator.blocks, 'block')}, ${n(m.systemAllocator.bytes)} bytes`,
    `  free lists: ${lists.length === 0 ? 'empty' : lists.join(', ')}`,
  ];
}

const objectCell = (o: ObjectView | null): string =>
  o === null ? '(freed)' : `#${o.id} ${o.type} ${o.repr}  (refcount ${o.refcount})`;

export function renderHeapReport(r: HeapReport): string {
  const lines: string[] = [];
  lines.push(`${r.trace}: the heap ${r.when}, of events 0 to ${r.events - 1}`);
  lines.push(`  ${r.source}`);
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
  const hidden = r.hidden > 0 ? `; ${n(r.hidden)} held only by the interpreter not shown (--all shows them)` : '';
  const filtered = r.filter.types === null ? '' : `; ${n(r.matched)} of type ${r.filter.types.join(', ')}`;
  lines.push(`objects: ${n(r.live)} live${hidden}${filtered}`);
  if (r.types.length > 1 && r.matched > 12) {
    const top = r.types.slice(0, 8).map((t) => `${n(t.count)} ${t.type}`);
    lines.push(`  by type: ${top.join(', ')}${r.types.length > 8 ? ', ...' : ''}`);
  }
  lines.push(
    ...table(
      ['id', 'type', 'name', 'refcount', 'gen', 'address', 'size', 'repr'],
      r.objects.map((o) => [
        `#${o.id}`,
        o.type,
        o.name ?? '',
        String(o.refcount),
        o.generation,
        o.address,
        String(o.size),
        o.repr,
      ]),
      new Set([3, 6]),
    ),
  );
  if (r.objects.length < r.matched) {
    lines.push(
      `  ... ${n(r.matched - r.objects.length)} more (${n(r.objects.length)} of ${n(r.matched)} shown, by ${r.filter.sort}: --limit N, --limit 0 for all, --type T, --sort refcount|size|age)`,
    );
  }
  lines.push('');
  const g = r.gc;
  lines.push(
    `gc: ${g.enabled ? 'enabled' : 'disabled'}; counts ${g.counts.join(', ')}; thresholds ${g.thresholds.join(', ')}; ` +
      `generation sizes ${g.generations.join(', ')}${g.collecting >= 0 ? `; collecting generation ${g.collecting}` : ''}`,
  );
  lines.push(`gc.get_stats(): ${formatGcStats(g.stats)}`);
  lines.push('');
  lines.push('memory:');
  lines.push(...renderMemory(r.memory));
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
