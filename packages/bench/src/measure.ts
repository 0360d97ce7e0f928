/*
 * Timing side by side
 * ===================
 * Every case of a benchmark is timed in the same process, interleaved: one warm-up
 * round (untimed, lets V8 optimise), then `runs` rounds that each time every case
 * once, in turn. Interleaving spreads drift (CPU frequency, garbage collector debt)
 * across the cases instead of charging it to whichever ran last. A case reports the
 * median of its rounds.
 *
 * A case is a `prepare` function that does the untimed setup (a fresh empty heap) and
 * returns the closure to time; the result of its last round is kept so the benchmark
 * can check that every case computed the same thing.
 */

export interface TimedCase<R> {
  readonly name: string;
  /** Untimed setup; returns the work to time. */
  prepare(): () => R;
}

export interface Timing<R> {
  readonly name: string;
  /** Median milliseconds over the timed rounds. */
  readonly medianMs: number;
  /** Every timed round, in milliseconds, in order. */
  readonly samplesMs: readonly number[];
  /** What the last round returned. */
  readonly result: R;
}

export interface SideBySideOptions {
  /** Timed rounds (default 5). */
  readonly runs?: number;
  /** Untimed rounds first (default 1). */
  readonly warmup?: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function timeSideBySide<R>(cases: readonly TimedCase<R>[], options: SideBySideOptions = {}): Timing<R>[] {
  const runs = options.runs ?? 5;
  const warmup = options.warmup ?? 1;
  if (runs < 1) throw new RangeError(`runs must be at least 1, got ${runs}`);
  const samples = cases.map((): number[] => []);
  const results: R[] = [];
  for (let round = 0; round < warmup + runs; round++) {
    cases.forEach((c, i) => {
      const work = c.prepare();
      const start = performance.now();
      const result = work();
      const elapsed = performance.now() - start;
      results[i] = result;
      if (round >= warmup) samples[i]?.push(elapsed);
    });
  }
  return cases.map((c, i) => ({
    name: c.name,
    medianMs: median(samples[i] ?? []),
    samplesMs: samples[i] ?? [],
    result: results[i] as R,
  }));
}

/** Items per second from a count and a duration in milliseconds. */
export const perSecond = (count: number, ms: number): number => (count * 1000) / Math.max(ms, 1e-6);
