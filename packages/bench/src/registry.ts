/*
 * Every benchmark `pnpm bench` runs, in order. A benchmark is a module in benchmarks/
 * exporting a `Benchmark` (benchmark.ts); add it here to have it run.
 */
import type { Benchmark } from './benchmark.js';
import { dict } from './benchmarks/dict.js';
import { fold } from './benchmarks/fold.js';
import { gcCollect } from './benchmarks/gcCollect.js';
import { imports } from './benchmarks/imports.js';
import { memory } from './benchmarks/memory.js';
import { programs } from './benchmarks/programs.js';
import { replay } from './benchmarks/replay.js';
import { viewer } from './benchmarks/viewer.js';

export const BENCHMARKS: readonly Benchmark[] = [fold, replay, viewer, gcCollect, programs, imports, dict, memory];

/** The benchmarks whose name contains `filter` (all of them without one). */
export const selectBenchmarks = (filter?: string): Benchmark[] =>
  BENCHMARKS.filter((b) => filter === undefined || b.name.includes(filter));
