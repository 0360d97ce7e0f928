/*
 * `pymemsim stats T [--at N]`: `gc.get_stats()` as CPython prints it, and the report of
 * `sys._debugmallocstats()` when core can produce it (its `formatMallocStats` view), for
 * the heap after event N (default: the last).
 */
import * as core from '@pymemsim/core';
import type { HeapState } from '@pymemsim/core';
import type { Io } from '../io.js';
import type { AtSpec } from './at.js';
import { describeLine, moment, openTimeline, printJson } from './common.js';
import { formatGcStats, stateWithProgress } from './inspect.js';

export interface StatsOptions {
  readonly at?: AtSpec | number;
  readonly last?: boolean;
  readonly json?: boolean;
}

/** The names under which core may export the `sys._debugmallocstats()` text producer. */
const MALLOC_STATS_PRODUCERS = ['formatMallocStats', 'debugMallocStats'] as const;

export const NO_MALLOC_STATS =
  'sys._debugmallocstats(): the allocator report is not available in this build (core has no pymalloc view yet)';

/** The `sys._debugmallocstats()` report of a state, if core has a producer for it. */
export function mallocStats(state: HeapState): string | undefined {
  const exports = core as unknown as Record<string, unknown>;
  for (const name of MALLOC_STATS_PRODUCERS) {
    const producer = exports[name];
    if (typeof producer === 'function') return String((producer as (s: HeapState) => unknown)(state));
  }
  return undefined;
}

export function statsCommand(path: string, options: StatsOptions, io: Io): number {
  const timeline = openTimeline(path, io);
  const when = moment(timeline, options.at, options.last, io);
  const at = when.seq;
  const state = stateWithProgress(timeline, at, io);
  const gcStats = formatGcStats(state.gc.stats);
  const report = mallocStats(state);
  if (options.json === true) {
    printJson(io, {
      trace: path,
      at,
      line: state.line,
      gcStats: state.gc.stats.map((s) => ({ ...s })),
      gcStatsText: gcStats,
      debugMallocStats: report ?? null,
      ...(report === undefined ? { note: NO_MALLOC_STATS } : {}),
    });
    return 0;
  }
  io.out(`# ${path}, ${when.what} (${describeLine(timeline, state.line)})\n`);
  io.out(`>>> gc.get_stats()\n${gcStats}\n`);
  if (report === undefined) io.out(`# ${NO_MALLOC_STATS}\n`);
  else io.out(`>>> sys._debugmallocstats()\n${report.endsWith('\n') ? report : `${report}\n`}`);
  return 0;
}
