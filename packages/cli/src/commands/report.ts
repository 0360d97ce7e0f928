/*
 * `pymemsim report T [--by line|function|type]`: which code allocates
 * ====================================================================
 * memray's first answer, from a trace: the objects allocated, grouped by the source line
 * that allocated them (the line running at their ObjectAllocated event), by the function
 * running then (the innermost frame's code name), or by type. For each group:
 *
 *   allocations   objects allocated
 *   bytes         their sizes at allocation (sys.getsizeof then), summed
 *   peak          the most bytes of the group's objects alive at one moment (sizes
 *                 followed through ObjectResized), and the most objects alive at once
 *   alive at end  objects of the group still alive at the end of the window, and their bytes
 *
 * The window is events 0 to --at (default: the end of the program, before interpreter
 * shutdown, where everything still alive is what the program kept; at.ts). Objects the
 * interpreter makes before the program's first line (builtins, small ints, the module's
 * constants: CPython has them before any program runs) are the group `(startup)`,
 * counted only with --startup. So are the static objects of built-in types (a method
 * descriptor, `range.__new__`): CPython makes them when it readies the type at startup;
 * the simulation makes one when the program first reaches it (kind `builtin`, no size).
 *
 * One pass over the events, reading them (no fold): per live object only its group and
 * size are kept, so memory follows the live objects, not the trace's length.
 */
import { UserError } from '@pymemsim/core';
import type { Timeline } from '@pymemsim/replay';
import type { Io } from '../io.js';
import type { AtSpec } from './at.js';
import { moment, openTimeline, printJson, sourceLine, withProgress } from './common.js';
import { table } from './inspect.js';

export const REPORT_GROUPS = ['line', 'function', 'type'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];
export const REPORT_SORTS = ['allocations', 'bytes', 'peak', 'alive'] as const;
export type ReportSort = (typeof REPORT_SORTS)[number];

export interface ReportOptions {
  readonly by?: ReportGroup;
  readonly sort?: ReportSort;
  readonly at?: AtSpec | number;
  readonly last?: boolean;
  /** Rows shown in text (default 20; 0: all). --json lists every group. */
  readonly limit?: number;
  /** Count the objects of interpreter startup too (before the program's first line). */
  readonly startup?: boolean;
  readonly json?: boolean;
}

export interface ReportRow {
  /** The line number, function name or type name. */
  readonly key: string;
  /** For a line: its source text. */
  readonly source?: string;
  readonly allocations: number;
  readonly bytes: number;
  readonly peakBytes: number;
  readonly peakObjects: number;
  readonly aliveAtEnd: number;
  readonly aliveBytesAtEnd: number;
}

export interface Report {
  readonly trace: string;
  readonly by: ReportGroup;
  readonly sort: ReportSort;
  /** The last event counted, and words for it. */
  readonly at: number;
  readonly when: string;
  readonly total: Omit<ReportRow, 'key' | 'source' | 'peakBytes' | 'peakObjects'>;
  readonly rows: readonly ReportRow[];
  /** Objects the interpreter made before the program's first line (not in the rows unless --startup). */
  readonly startup: number;
}

const STARTUP = '(startup)';

interface Group {
  allocations: number;
  bytes: number;
  liveBytes: number;
  liveObjects: number;
  peakBytes: number;
  peakObjects: number;
}

/**
 * Count the allocations of events 0..at by group (one pass; `progress` sees the events
 * read). Objects of interpreter startup are counted apart unless `startup` (then they are
 * the group `(startup)` by line or function, and in their types by type).
 */
export function allocationReport(
  timeline: Timeline,
  at: number,
  by: ReportGroup,
  startup: boolean,
  progress?: (done: number, total: number) => void,
): { groups: Map<string, Group>; startup: number } {
  const groups = new Map<string, Group>();
  let startupObjects = 0;
  const live = new Map<number, { group: Group; size: number }>();
  const frames: { id: number; name: string }[] = [];
  let line = 0;
  let next = 0;
  for (const [seq, e] of timeline.events(0, at)) {
    if (progress !== undefined && seq >= next) {
      progress(seq, at + 1);
      next = seq + 65536;
    }
    switch (e.type) {
      case 'LineExecuted':
        line = e.line;
        break;
      case 'FrameEntered':
        frames.push({ id: e.frame, name: e.name });
        break;
      case 'FrameExited': {
        const i = frames.map((f) => f.id).lastIndexOf(e.frame);
        if (i >= 0) frames.splice(i, 1);
        break;
      }
      case 'ObjectAllocated': {
        const early = (line === 0 && frames.length === 0) || (e.kind === 'builtin' && e.size === 0);
        if (early && !startup) {
          startupObjects += 1;
          break;
        }
        const key =
          by === 'type' ? e.pyType : early ? STARTUP : by === 'line' ? String(line) : (frames.at(-1)?.name ?? STARTUP);
        let group = groups.get(key);
        if (group === undefined) {
          group = { allocations: 0, bytes: 0, liveBytes: 0, liveObjects: 0, peakBytes: 0, peakObjects: 0 };
          groups.set(key, group);
        }
        group.allocations += 1;
        group.bytes += e.size;
        group.liveBytes += e.size;
        group.liveObjects += 1;
        if (group.liveBytes > group.peakBytes) group.peakBytes = group.liveBytes;
        if (group.liveObjects > group.peakObjects) group.peakObjects = group.liveObjects;
        live.set(e.id, { group, size: e.size });
        break;
      }
      case 'ObjectResized': {
        const o = live.get(e.id);
        if (o === undefined) break;
        o.group.liveBytes += e.size - o.size;
        o.size = e.size;
        if (o.group.liveBytes > o.group.peakBytes) o.group.peakBytes = o.group.liveBytes;
        break;
      }
      case 'ObjectFreed': {
        const o = live.get(e.id);
        if (o === undefined) break;
        o.group.liveBytes -= o.size;
        o.group.liveObjects -= 1;
        live.delete(e.id);
        break;
      }
      default:
    }
  }
  progress?.(at + 1, at + 1);
  return { groups, startup: startupObjects };
}

export function reportCommand(path: string, options: ReportOptions, io: Io): number {
  const timeline = openTimeline(path, io);
  if (timeline.length === 0) throw new UserError('CLI_USAGE', `${path} holds no events: there is nothing to report`);
  const when = moment(timeline, options.at, options.last, io);
  const by = options.by ?? 'line';
  const sort = options.sort ?? 'allocations';
  const { groups, startup } = withProgress(io, 'counting', when.seq + 1, (progress) =>
    allocationReport(timeline, when.seq, by, options.startup === true, progress),
  );
  const rows: ReportRow[] = [...groups].map(([key, g]) => ({
    key,
    ...(by === 'line' && key !== STARTUP ? { source: sourceLine(timeline, Number(key)) } : {}),
    allocations: g.allocations,
    bytes: g.bytes,
    peakBytes: g.peakBytes,
    peakObjects: g.peakObjects,
    aliveAtEnd: g.liveObjects,
    aliveBytesAtEnd: g.liveBytes,
  }));
  const value = (r: ReportRow): number =>
    sort === 'bytes' ? r.bytes : sort === 'peak' ? r.peakBytes : sort === 'alive' ? r.aliveBytesAtEnd : r.allocations;
  rows.sort((a, b) => value(b) - value(a) || b.allocations - a.allocations || a.key.localeCompare(b.key));
  const total = rows.reduce(
    (t, r) => ({
      allocations: t.allocations + r.allocations,
      bytes: t.bytes + r.bytes,
      aliveAtEnd: t.aliveAtEnd + r.aliveAtEnd,
      aliveBytesAtEnd: t.aliveBytesAtEnd + r.aliveBytesAtEnd,
    }),
    { allocations: 0, bytes: 0, aliveAtEnd: 0, aliveBytesAtEnd: 0 },
  );
  const report: Report = {
    trace: path,
    by,
    sort,
    at: when.seq,
    when: when.what,
    total,
    rows,
    startup,
  };
  if (options.json === true) {
    printJson(io, report);
    return 0;
  }
  io.out(renderReport(report, options.limit ?? 20));
  return 0;
}

const n = (v: number): string => v.toLocaleString('en-US');

/** 1,234 B, 12.3 KiB, 4.5 MiB. */
export function bytesText(b: number): string {
  if (b < 1024) return `${n(b)} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / 1024 / 1024).toFixed(1)} MiB`;
}

export function renderReport(r: Report, limit: number): string {
  const shown = limit > 0 ? r.rows.slice(0, limit) : r.rows;
  const out: string[] = [];
  out.push(
    `${r.trace}: ${n(r.total.allocations)} objects allocated (${bytesText(r.total.bytes)}) in events 0 to ${r.at}, ${r.when}; ` +
      `${n(r.total.aliveAtEnd)} still alive (${bytesText(r.total.aliveBytesAtEnd)})` +
      (r.startup > 0 ? `; not counting ${n(r.startup)} made by interpreter startup (--startup counts them)` : ''),
  );
  out.push(
    `by ${r.by}, most ${r.sort === 'alive' ? 'bytes alive at the end' : r.sort === 'peak' ? 'bytes at peak' : r.sort} first:`,
  );
  const head = [r.by, 'allocations', 'bytes', 'peak live', 'alive at end'];
  if (r.by === 'line') head.push('source');
  out.push(
    ...table(
      head,
      shown.map((row) => {
        const cells = [
          row.key,
          n(row.allocations),
          bytesText(row.bytes),
          `${bytesText(row.peakBytes)} (${n(row.peakObjects)})`,
          `${n(row.aliveAtEnd)} (${bytesText(row.aliveBytesAtEnd)})`,
        ];
        if (r.by === 'line') cells.push(row.source ?? (row.key === STARTUP ? 'before the first line' : ''));
        return cells;
      }),
      new Set([1, 2, 3, 4]),
    ),
  );
  if (shown.length < r.rows.length) {
    out.push(
      `  ... ${n(r.rows.length - shown.length)} more ${r.by === 'line' ? 'lines' : r.by === 'type' ? 'types' : 'functions'} (--limit 0 for all)`,
    );
  }
  return out.join('\n') + '\n';
}
