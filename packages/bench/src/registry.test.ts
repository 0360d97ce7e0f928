import { checkInvariants, hashState } from '@pymemsim/core';
import { describe, expect, it } from 'vitest';
import { dictBenchmark } from './benchmarks/dict.js';
import { foldBenchmark } from './benchmarks/fold.js';
import { replayBenchmark } from './benchmarks/replay.js';
import { BENCHMARKS, selectBenchmarks } from './registry.js';
import { runSyntheticProgram, streamSyntheticProgram } from './syntheticProgram.js';

describe('benchmark registry', () => {
  it('registers benchmarks under unique names, fold among them', () => {
    const names = BENCHMARKS.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('fold');
    expect(names).toContain('replay');
    expect(selectBenchmarks('fol').map((b) => b.name)).toEqual(['fold']);
    expect(selectBenchmarks('no such benchmark')).toEqual([]);
  });

  it('fold reports complete measurements with positive figures (small stream)', async () => {
    const measurements = await foldBenchmark({ events: 4_000, perEventPrefix: 500, batch: 100, runs: 1 }).run();
    expect(measurements.map((m) => m.name)).toEqual(['fold/plain', 'fold/immer-batched', 'fold/immer-per-event']);
    for (const m of measurements) {
      expect(m.unit).toBe('events/s');
      expect(m.referenceKind).toBe('plain-object limit');
      for (const v of [m.value, m.reference, m.ratio]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      expect(m.ratio).toBeCloseTo(m.value / m.reference, 12);
      expect(typeof m.note).toBe('string');
    }
  });

  it('replay reports complete measurements with positive figures (small trace)', { timeout: 60_000 }, async () => {
    const measurements = await replayBenchmark({ events: 30_000, runs: 1, seeks: 20 }).run();
    expect(measurements.map((m) => m.name)).toEqual([
      'replay/from-file',
      'replay/seek-median',
      'replay/seek-p99',
      'replay/bytes-per-event',
      'replay/checkpoints-held',
    ]);
    for (const m of measurements) {
      for (const v of [m.value, m.reference, m.ratio]) {
        expect(Number.isFinite(v)).toBe(true);
        expect(v).toBeGreaterThan(0);
      }
      expect(m.ratio).toBeCloseTo(m.value / m.reference, 12);
    }
  });

  it('dict reports one measurement against CPython (a small dict)', { timeout: 60_000 }, async () => {
    const [m, ...rest] = await dictBenchmark({ keys: 2_000, rounds: 1 }).run();
    expect(rest).toEqual([]);
    expect(m?.name).toBe('dict/build-and-delete-2000');
    expect(m?.referenceKind).toBe('cpython');
    expect(m?.target).toBe(0.1);
    expect(m?.value).toBeGreaterThan(0);
  });

  it('the synthetic program streams the same events it returns', () => {
    const whole = runSyntheticProgram({ events: 3_000, seed: 3 });
    const streamed: unknown[] = [];
    const run = streamSyntheticProgram({ events: 3_000, seed: 3 }, (events) => streamed.push(...events), 500);
    expect(streamed).toEqual(whole.events);
    expect(run.events).toBe(whole.events.length);
    expect(hashState(run.state)).toBe(hashState(whole.state));
  });

  it('the synthetic program is deterministic and keeps the heap invariants', () => {
    const a = runSyntheticProgram({ events: 5_000, seed: 7 });
    const b = runSyntheticProgram({ events: 5_000, seed: 7 });
    expect(a.events.length).toBeGreaterThanOrEqual(5_000);
    expect(b.events).toEqual(a.events);
    expect(hashState(b.state)).toBe(hashState(a.state));
    checkInvariants(a.state);
    const types = new Set(a.events.map((e) => e.type));
    for (const t of ['ObjectAllocated', 'RefMoved', 'ObjectFreed', 'FrameExited', 'GcFinished'] as const) {
      expect(types).toContain(t);
    }
  });
});
