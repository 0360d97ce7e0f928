/*
 * The timeline, its snapshots, scratch decoding and trace comparison, as properties over
 * random runs of core's Runtime (a small random "program": lists bound to names,
 * appends that make cycles, deletions, calls, collections, output).
 */
import {
  Runtime,
  UserError,
  compactState,
  emptyHeap,
  foldPlain,
  hashState,
  type FrameId,
  type HeapState,
  type Holder,
  type MemEvent,
  type ObjectId,
} from '@pymemsim/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeChunk, foldChunk } from './chunkCodec.js';
import { eventObjectIds } from './dump.js';
import { equalIgnoring, firstDivergence, stateDifferences } from './diff.js';
import { encodeTrace } from './encoder.js';
import { traceHeader } from './format.js';
import { indexTrace } from './reader.js';
import { programObjects } from './heapView.js';
import { compactIndexed, liveIndexOf } from './liveIndex.js';
import { deepFreeze, materialize, restore, share, thaw } from './snapshot.js';
import { Timeline } from './timeline.js';

const header = traceHeader({
  path: 'rand.py',
  source: Array.from({ length: 12 }, (_, i) => `line_${i + 1} = ${i}`).join('\n'),
});

/** Steps of a random program: [operation, a, b]. */
const program = fc.array(fc.tuple(fc.nat(7), fc.nat(5), fc.nat(5)), { minLength: 1, maxLength: 60 });

/** Run a random program on the runtime; returns its events. */
function runProgram(steps: readonly (readonly [number, number, number])[]): MemEvent[] {
  const rt = new Runtime({ record: true });
  const m = rt.enterFrame('<module>');
  const names = ['a', 'b', 'c', 'd', 'e', '__proto__'];
  const slot = (frame: FrameId, name: string): Holder => ({ kind: 'frame', frame, name });
  const stack = (frame: FrameId): Holder => ({ kind: 'stack', frame });
  const bound = (frame: FrameId, name: string): ObjectId | undefined => {
    const vars = rt.state.frames[frame]?.vars;
    return vars !== undefined && Object.hasOwn(vars, name) ? vars[name] : undefined;
  };
  const store = (frame: FrameId, name: string, id: ObjectId): void => {
    const old = bound(frame, name);
    if (old === id) {
      rt.decref(id, stack(frame));
      return;
    }
    rt.move(id, stack(frame), slot(frame, name));
    if (old !== undefined) rt.decref(old, slot(frame, name));
  };
  const newList = (frame: FrameId): ObjectId =>
    rt.allocate({ pyType: 'list', kind: 'list', size: 56, repr: '[]' }, stack(frame));
  steps.forEach(([op, x, y], i) => {
    rt.line((i % 12) + 1);
    const nx = names[x] as string;
    const ny = names[y] as string;
    switch (op) {
      case 0:
      case 1:
        store(m, nx, newList(m));
        break;
      case 2: {
        const l = bound(m, nx);
        const v = bound(m, ny);
        if (l !== undefined && v !== undefined) {
          rt.incref(v, { kind: 'object', owner: l, slot: 'item' });
          // The list's item array grows: its buffer record is rewritten (a snapshot's, after a restore).
          rt.setBuffer(l, 'items', 8 * (rt.object(l).refs.length + 3));
        }
        break;
      }
      case 3: {
        const v = bound(m, nx);
        if (v !== undefined) rt.decref(v, slot(m, nx));
        break;
      }
      case 4: {
        const v = bound(m, nx);
        if (v === undefined) break;
        rt.incref(v, stack(m));
        store(m, ny, v);
        break;
      }
      case 5: {
        const f = rt.enterFrame('f');
        store(f, 'local', newList(f));
        const v = bound(m, nx);
        if (v !== undefined) {
          rt.incref(v, stack(f));
          store(f, 'arg', v);
        }
        rt.exitFrame(f);
        break;
      }
      case 6:
        rt.collect((x % 3) as 0 | 1 | 2);
        break;
      default:
        rt.output(`${i}\n`);
    }
  });
  return [...(rt.log ?? [])];
}

const fold = (events: readonly MemEvent[], n: number): HeapState => foldPlain(emptyHeap(), events.slice(0, n + 1));

const open = (events: readonly MemEvent[], chunkSize: number, fileCheckpoints: number, K: number): Timeline =>
  Timeline.open(
    encodeTrace(header, events, { chunkSize, checkpointEvery: fileCheckpoints, checkpointBudget: Infinity }),
    'rand.pmt',
    { checkpointEvery: K },
  );

const expectUserError = (fn: () => unknown, code?: string): void => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    if (code !== undefined) expect((error as UserError).code).toBe(code);
    return;
  }
  throw new Error('expected a UserError');
};

describe('Timeline.stateAt', () => {
  it('equals the fold from the start, at any event, in any order of visits', () => {
    fc.assert(
      fc.property(
        program,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        (steps, chunkSize, fileCheckpoints, K, visits) => {
          const events = runProgram(steps);
          const t = open(events, chunkSize, fileCheckpoints, K);
          expect(t.length).toBe(events.length);
          for (const v of visits) {
            const n = (v % (events.length + 1)) - 1; // -1 .. last
            const state = t.stateAt(n);
            expect(hashState(state)).toBe(hashState(fold(events, n)));
            expect(state.seq).toBe(n + 1);
            expect(Object.isFrozen(state)).toBe(false); // the working state, not a checkpoint
            if (v % 3 === 0) expect(hashState(t.snapshotAt(n))).toBe(hashState(fold(events, n)));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('never changes a checkpoint: checkpoints and snapshots are frozen; the view is the working state', () => {
    const events = runProgram(Array.from({ length: 60 }, (_, i) => [i % 8, i % 5, (i * 7) % 6] as const));
    const t = open(events, 4, 8, 5);
    t.index();
    const counts = t.checkpointCounts;
    expect(counts.length).toBeGreaterThan(5);
    const stored = (t as unknown as { checkpoints: Map<number, HeapState | undefined> }).checkpoints;
    const hashes = counts.map((c) => hashState(materialize(stored.get(c) as HeapState)));
    for (const c of counts) {
      // A snapshot of one's own is frozen: writing it throws, and nothing else changes.
      const snap = t.snapshotAt(c - 1);
      expect(hashState(snap)).toBe(hashState(fold(events, c - 1)));
      expect(() => {
        (snap as { line: number }).line = 999;
      }).toThrow(TypeError);
      // A thawed copy can be written freely.
      const copy = thaw(t.stateAt(c - 1));
      copy.line = 999;
      for (const id of Object.keys(copy.objects)) {
        const obj = copy.objects[Number(id)];
        if (obj !== undefined) obj.refcount += 1000;
      }
    }
    expect(counts.map((c) => hashState(materialize(stored.get(c) as HeapState)))).toEqual(hashes);
    counts.forEach((c, i) => expect(hashes[i]).toBe(hashState(fold(events, c - 1))));
    for (const s of stored.values()) if (s !== undefined) expect(Object.isFrozen(s.objects)).toBe(true);
    // The view is the working state, the same object each time, equal to the fold.
    const a = t.stateAt(10);
    expect(t.stateAt(20)).toBe(a);
    expect(hashState(a)).toBe(hashState(fold(events, 20)));
  });

  it('keeps a checkpoint every K events once a fold passed by, so a seek folds at most K events', () => {
    const events = runProgram(Array.from({ length: 50 }, (_, i) => [i % 8, (i * 3) % 5, i % 6] as const));
    const K = 7;
    const t = open(events, 5, 0, K);
    expect(t.checkpointCounts).toEqual([0]);
    t.stateAt(t.last);
    const expected = Array.from({ length: Math.floor(events.length / K) + 1 }, (_, i) => i * K);
    expect(t.checkpointCounts).toEqual(expected);
    // The structure a checkpoint shares with the one before it is the same object.
    const stored = (t as unknown as { checkpoints: Map<number, HeapState> }).checkpoints;
    const [c1, c2] = [stored.get(K), stored.get(2 * K)];
    expect(c1?.gc.thresholds).toBe(c2?.gc.thresholds);
  });

  it('stays right on a heap large enough for table snapshots, seeking back and forth', () => {
    const steps = Array.from(
      { length: 500 },
      (_, i) => [[0, 1, 2, 4, 5][i % 5] as number, (i * 7) % 6, (i * 11) % 6] as const,
    );
    const events = runProgram(steps);
    const t = open(events, 16, 64, 32);
    const live = fold(events, events.length - 1).live;
    expect(live).toBeGreaterThan(64); // the object table is stored as a SnapshotTable
    const order = [events.length - 1, 5, events.length - 40, 100, 99, 300, 1, events.length - 1, 250];
    for (const n of order) expect(hashState(t.stateAt(n))).toBe(hashState(fold(events, n)));
    t.index();
    for (let n = -1; n < events.length; n += 37) {
      expect(hashState(t.stateAt(n))).toBe(hashState(fold(events, n)));
      expect(hashState(t.snapshotAt(n))).toBe(hashState(fold(events, n)));
    }
  });

  it('stays right on a heap of many table blocks, in any order of seeks, while its snapshot budget thins them', () => {
    // About 1,500 live lists (ids over several 256-id blocks of a snapshot table), cycles
    // among them, frames and collections: checkpoints and restores made from the working
    // state's written objects must give the fold's state wherever the timeline was before.
    const steps = Array.from(
      { length: 2400 },
      (_, i) => [[0, 1, 2, 4, 5, 2, 0][i % 7] as number, (i * 7) % 5, (i * 11) % 5] as const,
    );
    steps.splice(1200, 0, [6, 0, 0], [6, 1, 0]);
    steps.push([6, 2, 0], [3, 0, 0], [3, 1, 0], [6, 2, 0]);
    const events = runProgram(steps);
    expect(fold(events, events.length - 1).allocated).toBeGreaterThan(1000);
    fc.assert(
      fc.property(
        fc.array(fc.nat(events.length), { minLength: 1, maxLength: 12 }),
        fc.constantFrom(0, 96),
        fc.constantFrom(2_000, 2 ** 22),
        (seeks, fileEvery, budget) => {
          const t = Timeline.open(
            encodeTrace(header, events, { chunkSize: 50, checkpointEvery: fileEvery, checkpointBudget: Infinity }),
            'rand.pmt',
            { checkpointEvery: 16, maxSnapshotObjects: budget },
          );
          for (const s of seeks) {
            const n = s - 1;
            expect(hashState(t.stateAt(n))).toBe(hashState(fold(events, n)));
            if (n % 3 === 0) expect(hashState(t.snapshotAt(n))).toBe(hashState(fold(events, n)));
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("stays right when another timeline folds inside one's scan (each follows its own writes)", () => {
    // A heap of hundreds of objects early on (lists that hold themselves, left to the
    // collector): snapshot tables made from the written objects.
    const steps = Array.from({ length: 1500 }, (_, i) => [i % 2 === 0 ? 0 : 2, (i >> 1) % 5, (i >> 1) % 5] as const);
    const events = runProgram(steps);
    expect(fold(events, Math.floor(events.length / 4)).live).toBeGreaterThan(64);
    const a = open(events, 40, 0, 16);
    const b = open(events, 40, 0, 16);
    let n = 0;
    a.scan(-1, events.length - 1, (_state, seq) => {
      if (seq % 37 === 0) b.stateAt((seq * 7) % events.length);
      n += 1;
      return false;
    });
    expect(n).toBe(events.length);
    for (let k = events.length - 1; k >= 0; k -= 61) {
      expect(hashState(a.stateAt(k))).toBe(hashState(fold(events, k)));
      expect(hashState(a.snapshotAt(k))).toBe(hashState(fold(events, k)));
    }
  });

  it('refuses an event outside the trace with CLI_USAGE', () => {
    const events = runProgram([[0, 0, 0]]);
    const t = open(events, 3, 0, 4);
    expectUserError(() => t.stateAt(events.length), 'CLI_USAGE');
    expectUserError(() => t.stateAt(-2), 'CLI_USAGE');
    expectUserError(() => t.event(1.5), 'CLI_USAGE');
  });
});

describe('the live index of the working state', () => {
  /** The ids of a table whose slot holds a value, read the slow way. */
  const slots = (table: Record<number, unknown>): number[] =>
    Object.keys(table)
      .map(Number)
      .filter((id) => table[id] !== undefined);

  it("lists exactly the live ids after any fold or restore; views read through it give the fold's answers", () => {
    fc.assert(
      fc.property(
        program,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 12 }),
        (steps, chunkSize, fileCheckpoints, K, visits) => {
          const events = runProgram(steps);
          const t = open(events, chunkSize, fileCheckpoints, K);
          for (const v of visits) {
            const n = (v % (events.length + 1)) - 1;
            const state = t.stateAt(n);
            const index = liveIndexOf(state);
            expect(index).toBeDefined();
            const expected = fold(events, n);
            expect(index?.objects.ids()).toEqual(slots(expected.objects));
            expect(index?.frames.ids()).toEqual(slots(expected.frames));
            expect(index?.buffers.ids()).toEqual(slots(expected.memory.buffers));
            expect(hashState(compactIndexed(state, index))).toBe(hashState(compactState(expected)));
            expect([...programObjects(state)]).toEqual([...programObjects(expected)]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('follows a heap large enough for table snapshots, with long runs of freed slots', () => {
    const steps = Array.from(
      { length: 600 },
      (_, i) => [[0, 1, 3, 5, 6][i % 5] as number, (i * 7) % 6, (i * 11) % 6] as const,
    );
    const events = runProgram(steps);
    const t = open(events, 16, 64, 32);
    for (const n of [events.length - 1, 3, events.length - 50, 200, 199, 1, -1, events.length - 1]) {
      const state = t.stateAt(n);
      const expected = fold(events, n);
      expect(liveIndexOf(state)?.objects.ids()).toEqual(slots(expected.objects));
      expect(hashState(state)).toBe(hashState(expected));
    }
  });
});

describe('Timeline lines, objects, cursor and scan', () => {
  it('lineAt is the line of the state after the event; occurrences list every event naming the object', () => {
    fc.assert(
      fc.property(program, fc.integer({ min: 1, max: 6 }), (steps, chunkSize) => {
        const events = runProgram(steps);
        const t = open(events, chunkSize, 0, 4);
        const brute = new Map<number, number[]>();
        events.forEach((e, n) => {
          expect(t.lineAt(n)).toBe(fold(events, n).line);
          expect(t.event(n)).toEqual(e);
          eventObjectIds(e, (id) => {
            const list = brute.get(id) ?? [];
            if (list.at(-1) !== n) list.push(n);
            brute.set(id, list);
          });
        });
        for (const [id, seqs] of brute) {
          expect([...new Set(t.occurrences(id).map((o) => o.seq))]).toEqual(seqs);
        }
        expect(t.largestObjectId()).toBe(Math.max(0, ...brute.keys()));
        expect(t.objectIds()).toEqual([...brute.keys()].sort((a, b) => a - b));
      }),
      { numRuns: 60 },
    );
  });

  it('steps, goes back and jumps; scan stops at the first event its visitor accepts', () => {
    const events = runProgram(Array.from({ length: 30 }, (_, i) => [i % 8, i % 5, (i + 2) % 6] as const));
    const t = open(events, 4, 8, 6);
    expect(t.position).toBe(-1);
    expect(hashState(t.step())).toBe(hashState(fold(events, 0)));
    expect(hashState(t.step(5))).toBe(hashState(fold(events, 5)));
    expect(hashState(t.back(2))).toBe(hashState(fold(events, 3)));
    expect(t.position).toBe(3);
    t.back(100);
    expect(t.position).toBe(-1);
    t.step(events.length + 100);
    expect(t.position).toBe(t.last);
    const firstGc = events.findIndex((e) => e.type === 'GcStarted');
    let seen: HeapState | undefined;
    const hit = t.scan(-1, t.last, (state, _seq, event) => {
      if (event.type !== 'GcStarted') return false;
      seen = thaw(state);
      return true;
    });
    expect(hit).toBe(firstGc < 0 ? undefined : firstGc);
    if (seen !== undefined) expect(hashState(seen)).toBe(hashState(fold(events, firstGc)));
    // A scan from an event on starts after it.
    const from = 10;
    const visited: number[] = [];
    t.scan(from, from + 3, (_s, seq) => {
      visited.push(seq);
      return false;
    });
    expect(visited).toEqual([from + 1, from + 2, from + 3]);
  });

  it('reads any event, in any order: one event of a chunk alone, or the chunk decoded and kept', () => {
    const events = runProgram(Array.from({ length: 200 }, (_, i) => [i % 8, (i * 3) % 5, (i + 1) % 6] as const));
    fc.assert(
      fc.property(fc.array(fc.nat(events.length - 1), { minLength: 1, maxLength: 30 }), (seqs) => {
        const t = Timeline.open(encodeTrace(header, events, { chunkSize: 64 }), 'rand.pmt');
        for (const n of seqs) expect(t.event(n)).toEqual(events[n]);
      }),
      { numRuns: 40 },
    );
  });
});

describe('damaged traces through the timeline', () => {
  const events = runProgram(Array.from({ length: 40 }, (_, i) => [i % 8, (i * 3) % 5, i % 6] as const));
  const bytes = encodeTrace(header, events, { chunkSize: 6, checkpointEvery: 12, checkpointBudget: Infinity });

  it('random damage opens a prefix or is a UserError; every state is right or a UserError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
        (flips, visits) => {
          const damaged = bytes.slice();
          for (const [at, mask] of flips) damaged[at] = (damaged[at] ?? 0) ^ mask;
          let t: Timeline;
          try {
            t = Timeline.open(damaged, 'fuzz.pmt');
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            return;
          }
          for (const v of visits) {
            const n = (v % (t.length + 1)) - 1;
            try {
              expect(hashState(t.stateAt(n))).toBe(hashState(fold(events, n)));
            } catch (error) {
              if (!(error instanceof UserError)) throw error;
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('truncated anywhere, opens the complete chunks and folds them right', { timeout: 60_000 }, () => {
    for (let cut = 0; cut <= bytes.length; cut += 5) {
      let t: Timeline;
      try {
        t = Timeline.open(bytes.subarray(0, cut), 'cut.pmt');
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        continue;
      }
      if (t.length > 0) expect(hashState(t.stateAt(t.last))).toBe(hashState(fold(events, t.last)));
      if (cut < bytes.length) expect(t.recovered?.message).toMatch(/byte \d+/);
    }
  });
});

describe('scratch decoding', () => {
  it('folding with scratch events equals folding fresh ones (applyEvent keeps no event)', () => {
    fc.assert(
      fc.property(program, fc.integer({ min: 1, max: 20 }), (steps, chunkSize) => {
        const events = runProgram(steps);
        const index = indexTrace(encodeTrace(header, events, { chunkSize }), 'scratch.pmt');
        const scratch = emptyHeap();
        const fresh = emptyHeap();
        for (const chunk of index.chunks) {
          foldChunk(scratch, chunk.payload, index.header.schema);
          foldPlain(fresh, decodeChunk(chunk.payload, index.header.schema).events);
        }
        expect(stateDifferences(scratch, fresh)).toEqual([]);
        expect(hashState(scratch)).toBe(hashState(foldPlain(emptyHeap(), events)));
      }),
      { numRuns: 100 },
    );
  });
});

describe('snapshots', () => {
  const states = fc.tuple(program, fc.nat(), fc.nat()).map(([steps, i, j]) => {
    const events = runProgram(steps);
    return [fold(events, i % events.length), fold(events, j % events.length)] as const;
  });

  it('share(s, p) equals s, is frozen all the way down and reuses the parts of p equal to s', () => {
    fc.assert(
      fc.property(states, ([s, p]) => {
        const prev = share(p, undefined);
        const snap = share(s, prev);
        expect(hashState(materialize(snap))).toBe(hashState(s));
        const frozenEverywhere = (v: unknown): boolean =>
          typeof v !== 'object' || v === null || (Object.isFrozen(v) && Object.values(v).every(frozenEverywhere));
        expect(frozenEverywhere(snap)).toBe(true);
        const prevObjects = materialize(prev).objects;
        const snapObjects = materialize(snap).objects;
        for (const key of Object.keys(s.objects)) {
          const id = Number(key);
          const before = prevObjects[id];
          if (before !== undefined && equalIgnoring(before, s.objects[id], new Set())) {
            expect(snapObjects[id]).toBe(before);
          }
        }
        if (equalIgnoring(s.gc, p.gc, new Set())) expect(snap.gc).toBe(prev.gc);
      }),
      { numRuns: 100 },
    );
  });

  it('restore(w, s) makes w equal to s in place, sharing nothing with it', () => {
    fc.assert(
      fc.property(states, ([s, p]) => {
        const snap = share(s, undefined);
        const w = thaw(p);
        const objects = w.objects;
        restore(w, snap);
        expect(hashState(w)).toBe(hashState(s));
        expect(stateDifferences(w, s)).toEqual([]);
        expect(w.objects).toBe(objects); // containers reused
        const frozen = materialize(snap).objects;
        for (const key of Object.keys(w.objects)) {
          if (w.objects[Number(key)] !== undefined) expect(w.objects[Number(key)]).not.toBe(frozen[Number(key)]);
        }
        expect(Object.getPrototypeOf(w.roots)).toBe(Object.getPrototypeOf(s.roots));
      }),
      { numRuns: 100 },
    );
  });

  it('thaw gives a mutable deep copy that shares nothing with the snapshot', () => {
    fc.assert(
      fc.property(states, ([s]) => {
        const snap = share(s, undefined);
        const copy = thaw(snap);
        expect(hashState(copy)).toBe(hashState(s));
        expect(Object.isFrozen(copy)).toBe(false);
        const frozen = materialize(snap).objects;
        for (const key of Object.keys(copy.objects)) {
          if (copy.objects[Number(key)] !== undefined) expect(copy.objects[Number(key)]).not.toBe(frozen[Number(key)]);
        }
        expect(hashState(thaw(deepFreeze(thaw(s))))).toBe(hashState(s));
        expect(Object.getPrototypeOf(copy.roots)).toBe(Object.getPrototypeOf(s.roots));
      }),
      { numRuns: 50 },
    );
  });
});

describe('diff', () => {
  it('a trace does not diverge from itself', () => {
    fc.assert(
      fc.property(program, (steps) => {
        const events = runProgram(steps);
        const a = open(events, 5, 0, 8);
        const b = open(events, 3, 4, 2); // other chunk and checkpoint layouts: same events
        expect(firstDivergence(a, b)).toBeUndefined();
        expect(stateDifferences(a.stateAt(a.last), b.stateAt(b.last))).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });

  it('finds a single changed event exactly', () => {
    fc.assert(
      fc.property(program, fc.nat(), (steps, pick) => {
        const events = runProgram(steps);
        const n = pick % events.length;
        const changed = [...events];
        // An extra field would be dropped by the reader (not in the schema): change a declared one.
        const target = events[n] as MemEvent & Record<string, unknown>;
        const SAFE = ['id', 'line', 'size', 'addr', 'frame', 'collected', 'count', 'arena', 'pool'];
        const key = Object.keys(target).find((k) => SAFE.includes(k) && typeof target[k] === 'number');
        if (key === undefined) return;
        changed[n] = { ...target, [key]: (target[key] as number) + 1 } as MemEvent;
        const a = open(events, 4, 0, 8);
        const b = open(changed, 4, 0, 8);
        expect(firstDivergence(a, b)).toBe(n);
        expect(firstDivergence(a, b, new Set([key]))).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('a prefix diverges where it ends', () => {
    const events = runProgram(Array.from({ length: 20 }, (_, i) => [i % 8, i % 5, i % 6] as const));
    const cut = Math.floor(events.length / 2);
    expect(firstDivergence(open(events, 4, 0, 8), open(events.slice(0, cut), 4, 0, 8))).toBe(cut);
    expect(firstDivergence(open(events.slice(0, cut), 4, 0, 8), open(events, 4, 0, 8))).toBe(cut);
  });
});
