/*
 * Replay: reading a long trace back, and travelling in it
 * =======================================================
 * A trace of `events` events (10 million by default) from the synthetic program
 * (syntheticProgram.ts, streamed: the events never sit in memory all at once) is
 * written through TraceWriter to a temporary file, with the checkpoints `pymemsim run`
 * writes (every 8192 events, within the checkpoint budget), then:
 *
 *   replay/from-file        the whole file replayed: indexTrace + replayIndex (every chunk
 *                           inflated, unpacked and folded into one plain state), in
 *                           events/s. Reference: foldPlain of the same events, in memory
 *                           (each chunk decoded untimed, then its fold timed: the events are
 *                           in memory, and in cache, when folded). Aim: ratio >= 0.5.
 *   replay/seek-median      Timeline.stateAt(n) for random n, once `index()` has folded the
 *   replay/seek-p99         trace and holds its checkpoints (every 8192 events, or fewer
 *                           evenly spaced when they would pass the timeline's memory budget,
 *                           maxSnapshotObjects): each seek is a restore to a checkpoint and
 *                           the events after it folded.
 *                           As rates (1000 / ms): aims 10 ms (100/s) and 50 ms (20/s).
 *   replay/bytes-per-event  the file's size per event, as events per byte: aim at most
 *                           6 bytes per event (1/6 event per byte).
 *   replay/checkpoints-held the heap the timeline's checkpoints take once all are held
 *                           (after a full GC), as events per MiB of it; reference: the
 *                           events per MiB of the trace file (ratio = file / checkpoints).
 *                           The note gives the MiB and the peak RSS while indexing.
 *
 * The replayed state is compared by hash with the writer's final state (a Defect if
 * they differ), and every seek's state is checked against its seq.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Defect, emptyHeap, foldPlain, hashState, type HeapState } from '@pymemsim/core';
import {
  DEFAULT_CHECKPOINT_EVERY,
  Timeline,
  TraceWriter,
  chunkEvents,
  indexTrace,
  replayIndex,
  traceHeader,
} from '@pymemsim/replay';
import { measurement, type Benchmark, type Measurement } from '../benchmark.js';
import { median, perSecond } from '../measure.js';
import { Random } from '../random.js';
import { DEFAULT_SEED, streamSyntheticProgram } from '../syntheticProgram.js';

export interface ReplayOptions {
  /** Events in the trace (at least; the last statement is completed). Default 10,000,000. */
  readonly events?: number;
  /** Timed replays of the whole file; the median is reported. Default 3. */
  readonly runs?: number;
  /** Random seeks timed. Default 300. */
  readonly seeks?: number;
  readonly seed?: number;
}

export function replayBenchmark(options: ReplayOptions = {}): Benchmark {
  return { name: 'replay', run: () => Promise.resolve(measureReplay(options)) };
}

export const replay = replayBenchmark();

const MiB = 1024 * 1024;

/** A full garbage collection, if V8 lets us ask for one (it does with --expose-gc, set here). */
function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    if (typeof gc === 'function') (gc as () => void)();
  } catch {
    // Without it the memory figures include some garbage: still an upper bound.
  }
}

/**
 * Write the synthetic program's trace of at least `events` events to `path`, with the
 * checkpoints `pymemsim run` writes (the events are streamed, never all in memory).
 */
export function writeSyntheticTrace(
  path: string,
  events: number,
  seed: number = DEFAULT_SEED,
): { readonly events: number; readonly state: HeapState } {
  const writer = new TraceWriter(path, traceHeader({ path: 'synthetic.py', source: '# synthetic program\n' }), {
    checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
  });
  const program = streamSyntheticProgram({ events, seed }, (chunk) => {
    for (const event of chunk) writer.write(event);
  });
  writer.finish();
  return program;
}

export function measureReplay(options: ReplayOptions = {}): Measurement[] {
  const target = options.events ?? 10_000_000;
  const runs = options.runs ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'pymemsim-bench-replay-'));
  try {
    // --- Write the trace (untimed).
    const path = join(dir, 'synthetic.pmt');
    const program = writeSyntheticTrace(path, target, options.seed ?? DEFAULT_SEED);
    const expected = hashState(program.state);
    const fileBytes = statSync(path).size;
    const bytes = readFileSync(path);
    const n = program.events;

    // --- Replay from the file vs the plain fold of the same events in memory.
    const replayMs: number[] = [];
    const plainMs: number[] = [];
    let eventBytes = 0;
    let checkpointsInFile = 0;
    for (let round = 0; round < runs + 1; round++) {
      let start = performance.now();
      const index = indexTrace(bytes, path, { recover: false });
      const result = replayIndex(index);
      const elapsed = performance.now() - start;
      if (result.actual !== expected || !result.ok) {
        throw new Defect(`replay of ${path} ended in ${result.actual}, the run ended in ${expected}`);
      }
      eventBytes = index.chunks.reduce((sum, c) => sum + c.payload.length + 9, 0);
      checkpointsInFile = index.checkpoints.length;
      // The reference: each chunk decoded (untimed), then folded (timed).
      const state = emptyHeap();
      let folding = 0;
      for (const chunk of index.chunks) {
        const events = chunkEvents(index, chunk);
        start = performance.now();
        foldPlain(state, events);
        folding += performance.now() - start;
      }
      if (hashState(state) !== expected) throw new Defect('the plain fold of the decoded events differs from the run');
      if (round > 0) {
        replayMs.push(elapsed);
        plainMs.push(folding);
      }
    }
    const replayRate = perSecond(n, median(replayMs));
    const plainRate = perSecond(n, median(plainMs));

    // --- Cold seeks: a fresh timeline with only the file's checkpoints (a note only).
    const rnd = new Random(options.seed ?? DEFAULT_SEED);
    const coldMs: number[] = [];
    {
      const cold = Timeline.open(bytes, path);
      for (let i = 0; i < 20; i++) {
        const at = rnd.int(0, n - 1);
        const start = performance.now();
        cold.stateAt(at);
        coldMs.push(performance.now() - start);
      }
    }

    // --- Hold every checkpoint: index the whole trace, measuring the memory it keeps.
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    let peakRss = process.memoryUsage().rss;
    const timeline = Timeline.open(bytes, path);
    const indexStart = performance.now();
    timeline.index(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    });
    const indexMs = performance.now() - indexStart;
    collectGarbage();
    const heapHeld = Math.max(1, process.memoryUsage().heapUsed - heapBefore);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const counts = timeline.checkpointCounts;
    const held = counts.length;
    // The widest gap between the checkpoints held (the budget may have thinned them).
    let spacing = 0;
    for (let i = 1; i < counts.length; i++)
      spacing = Math.max(spacing, (counts[i] as number) - (counts[i - 1] as number));

    // --- Random seeks.
    const seekMs: number[] = [];
    for (let i = 0; i < (options.seeks ?? 300); i++) {
      const at = rnd.int(0, n - 1);
      const start = performance.now();
      const state = timeline.stateAt(at);
      seekMs.push(performance.now() - start);
      if (state.seq !== at + 1) throw new Defect(`stateAt(${at}) returned the state at ${state.seq}`);
    }
    seekMs.sort((a, b) => a - b);
    const seekMedian = median(seekMs);
    const seekP99 = seekMs[Math.min(seekMs.length - 1, Math.ceil(seekMs.length * 0.99) - 1)] ?? seekMedian;

    const perEvent = fileBytes / n;
    return [
      measurement({
        name: 'replay/from-file',
        unit: 'events/s',
        value: replayRate,
        reference: plainRate,
        referenceKind: 'plain-object limit',
        target: 0.5,
        note:
          `indexTrace + replayIndex of ${n.toLocaleString('en-US')} events (${(fileBytes / MiB).toFixed(1)} MiB, ` +
          `median of ${runs}); reference: foldPlain of each decoded chunk`,
      }),
      measurement({
        name: 'replay/seek-median',
        unit: 'seeks/s',
        value: 1000 / seekMedian,
        reference: 100,
        referenceKind: 'aim',
        target: 1,
        note: `median ${seekMedian.toFixed(2)} ms over ${seekMs.length} random stateAt(n), after index(), ${held} checkpoints held (aim 10 ms); cold (file checkpoints only, first visit): median ${median(coldMs).toFixed(1)} ms`,
      }),
      measurement({
        name: 'replay/seek-p99',
        unit: 'seeks/s',
        value: 1000 / seekP99,
        reference: 20,
        referenceKind: 'aim',
        target: 1,
        note: `99th percentile ${seekP99.toFixed(2)} ms (aim 50 ms)`,
      }),
      measurement({
        name: 'replay/bytes-per-event',
        unit: 'events/byte',
        value: n / fileBytes,
        reference: 1 / 6,
        referenceKind: 'aim',
        target: 1,
        note:
          `${perEvent.toFixed(2)} bytes/event in all (aim 6): events ${(eventBytes / n).toFixed(2)}, ` +
          `${checkpointsInFile} checkpoints ${((fileBytes - eventBytes) / n).toFixed(2)}`,
      }),
      measurement({
        name: 'replay/checkpoints-held',
        unit: 'events/MiB',
        value: n / (heapHeld / MiB),
        reference: n / (fileBytes / MiB),
        referenceKind: 'aim',
        note:
          `${held} checkpoints (at most ${spacing} events apart; the timeline makes one every ${timeline.checkpointEvery} and its budget thins them) hold ${(heapHeld / MiB).toFixed(0)} MiB of heap ` +
          `(${(heapHeld / held / 1024).toFixed(0)} KiB each, structure shared); indexing took ${(indexMs / 1000).toFixed(1)} s; ` +
          `peak RSS ${(peakRss / MiB).toFixed(0)} MiB; reference: the trace file`,
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
