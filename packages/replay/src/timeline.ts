/*
 * The timeline: time travel over a trace
 * ======================================
 * A `Timeline` answers "what was the heap after event n?" for any n, quickly, without
 * holding every state: the state after n is the nearest checkpoint at or before n, then
 * the events from it to n folded with `applyEvent` (core). Checkpoints are immutable
 * snapshots (snapshot.ts): frozen, sharing with each other what did not change. The
 * timeline folds into one working state of its own: to reach n it either folds on from
 * where the working state is (when that is no further than from the nearest
 * checkpoint), or first restores it to that checkpoint in place (`restore`: only what
 * differs is written), so a seek neither copies a whole heap nor writes a checkpoint.
 *
 * Read first: stateAt(), then moveTo() and fold().
 *
 * What stateAt returns is that working state, to read: it stays valid until the next
 * call that moves the timeline (stateAt, scan, index, goto, step, back). `snapshotAt`
 * returns an immutable state of one's own (frozen, sharing structure with the
 * checkpoints); `thaw(timeline.stateAt(n))` a mutable copy.
 *
 * Vocabulary:
 * - seq n: the position of an event, 0 to length - 1. "The state after event n" is the
 *   fold of events 0..n: its `seq` field is n + 1. The state after event -1 is the
 *   empty heap.
 * - checkpoint at c: the state after c events (after event c - 1). There is always one
 *   at 0 (the empty heap). The trace's own checkpoints ('C' records) are decoded when
 *   first used; the timeline adds one every K events (`checkpointEvery`) whenever a fold
 *   passes a multiple of K, so after a region of the trace was visited once, reaching
 *   any state in it folds at most K events (2K, 4K ... once the memory budget thinned
 *   them, below). `index()` visits the whole trace.
 * - cursor: `position`, the event the debugger stands on; step/back/goto move it.
 *
 *   events   0 1 2 ... K-1 | K ... 2K-1 | 2K ...          n
 *   checkpoints  c0=empty   cK            c2K   (nearest ≤ n+1) --fold--> state after n
 *
 * Lines: `lineAt(n)` is the source line event n came from: the line of the last
 * LineExecuted at or before n (0 before the first), i.e. the `line` of the state after n.
 *
 * Objects: `occurrences(id)` lists every event naming object `id` (as its subject or as
 * the holder of a reference, dump.ts), from one pass over the events looking for that
 * object (no index of every object: on a long trace it would not fit in memory); the
 * answers for the last few objects asked about are kept.
 *
 * Checkpoints cost what changed: core reports every object applyEvent writes
 * (watchObjectWrites), the live index (liveIndex.ts) keeps those ids and the owners of
 * the buffers written, and a snapshot is made from the last one (`base`) by copying only
 * the table blocks holding them (snapshot.ts's shareDirtyTable). A restore likewise
 * rewrites only the written objects and the blocks where the two snapshots differ. So a
 * pass over a trace whose heap holds a million objects costs about the fold, not a
 * million comparisons per checkpoint.
 *
 * Memory: a timeline over a file (source.ts) holds one decoded chunk at a time plus a few
 * cached ones, and snapshots whose weight adds up to at most `maxSnapshotObjects` (a
 * snapshot weighs what it made new, in units of about 20 bytes: snapshot.ts's ShareCost;
 * a decoded trace checkpoint weighs its live objects): past that,
 * the spacing of its own snapshots doubles, those off it are dropped (those left stay
 * evenly spaced), and decoded trace checkpoints are forgotten (they can be decoded
 * again). Long passes poll the interrupt (core's checkInterrupt) once per chunk.
 *
 * Errors: the trace is untrusted. A chunk or checkpoint that passed its CRC but does
 * not decode, or an event the fold cannot apply, is UserError TRACE_CORRUPT naming the
 * byte offset; an n outside the trace is UserError CLI_USAGE.
 *
 * Invariants (timeline.test.ts): stateAt(n) and snapshotAt(n) hash like foldPlain of
 * events 0..n, however the timeline moved before; checkpoints are frozen and never change.
 */
import {
  UserError,
  applyEvent,
  checkInterrupt,
  emptyHeap,
  watchObjectWrites,
  type HeapState,
  type MemEvent,
} from '@pymemsim/core';
import { forEachScratchEvent } from './chunkCodec.js';
import { DEFAULT_CHECKPOINT_EVERY } from './encoder.js';
import { eventObjectIds, type ObjectRole } from './dump.js';
import { UserCodeEnd } from './userCode.js';
import type { Footer, TraceHeader } from './format.js';
import {
  checkpointState,
  chunkEventAt,
  chunkEvents,
  corruptRecord,
  indexTrace,
  type ChunkRef,
  type ReadOptions,
  type Recovery,
  type TraceIndex,
} from './reader.js';
import { Malformed } from './malformed.js';
import { LiveIndex, attachIndex, compactIndexed, shareIndexed } from './liveIndex.js';
import { deepFreeze, materialize, restore, restoreDirtyTable, share, type ShareCost } from './snapshot.js';
import type { ByteSource } from './source.js';

/** See Timeline.startFor: events folded rather than decoding a trace checkpoint. */
const FOLD_RATHER_THAN_DECODE = 32_768;

export interface TimelineOptions extends ReadOptions {
  /** Keep a checkpoint every this many events as folds pass by (default 8192). */
  readonly checkpointEvery?: number;
  /** Decoded chunks kept for event lookups (default 16). */
  readonly cachedChunks?: number;
  /** The live objects of all the snapshots held, at most (default 2^23, in units of about 20 bytes; see the header). */
  readonly maxSnapshotObjects?: number;
}

/** Objects whose occurrences are kept after a pass (see occurrences()). */
const KEPT_OCCURRENCES = 8;

/** Progress of a long pass: events done out of total. */
export type Progress = (done: number, total: number) => void;

/** One mention of an object by an event. */
export interface Occurrence {
  readonly seq: number;
  readonly role: ObjectRole;
}

export class Timeline {
  readonly name: string;
  readonly header: TraceHeader;
  /** Events in the trace (in its complete, valid chunks). */
  readonly length: number;
  readonly footer: Footer | undefined;
  readonly recovered: Recovery | undefined;
  readonly checkpointEvery: number;
  /** The event the cursor stands on (-1: before the first). */
  position = -1;

  private readonly trace: TraceIndex;
  /** Checkpoints by event count: frozen snapshots, or file checkpoints not yet decoded (undefined). */
  private readonly checkpoints = new Map<number, HeapState | undefined>();
  /** Event counts with a checkpoint, sorted. */
  private counts: number[] = [0];
  private readonly fileCheckpoints = new Map<number, TraceIndex['checkpoints'][number]>();
  private readonly chunkCache = new Map<number, readonly MemEvent[]>();
  /** The chunk `event` read one event of last (see there). */
  private lastEventChunk = -1;
  private readonly cachedChunks: number;
  private readonly maxSnapshotObjects: number;
  /** The snapshots held (the timeline's own and decoded trace checkpoints), by count: their live objects. */
  private readonly held = new Map<number, number>();
  /** The sum of `held`. */
  private heldObjects = 0;
  private lineStarts: Int32Array | undefined;
  /** Occurrences of the last few objects asked about, each coded as seq * 2 + (0 subject, 1 holder). */
  private readonly occurrenceCache = new Map<number, number[]>();
  /** Occurrences found by keepOccurrences(), coded the same way, kept for the timeline's life. */
  private readonly keptOccurrences = new Map<number, number[]>();
  private largestId: number | undefined;
  /** userCodeEnd(), once known (null: not yet looked for). */
  private userCodeEndSeq: number | undefined | null = null;
  /** The working state: the fold of the first `workCount` events (plain, the timeline's own). */
  private readonly work: HeapState;
  private workCount = 0;
  /** The live ids of the working state's tables (liveIndex.ts), kept up to date by fold and restore. */
  private readonly live = new LiveIndex();
  /**
   * The snapshot the working state equals but for the objects and buffers the live index
   * lists as dirty (undefined: none yet). The next snapshot is made from it, and a
   * restore starts from it, visiting only what changed (snapshot.ts).
   */
  private base: HeapState | undefined;
  /** The timeline's own checkpoints are kept every `spacing` events: K, doubled each time the budget is exceeded. */
  private spacing: number;

  private constructor(index: TraceIndex, options: TimelineOptions) {
    this.trace = index;
    this.name = index.name;
    this.header = index.header;
    this.length = index.events;
    this.footer = index.footer;
    this.recovered = index.recovered;
    // The state records the schema of the events folded into it (part of its hash).
    this.work = emptyHeap(index.header.schema);
    this.checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    if (!Number.isSafeInteger(this.checkpointEvery) || this.checkpointEvery < 1) {
      throw new RangeError(`checkpointEvery must be a positive integer, got ${this.checkpointEvery}`);
    }
    this.spacing = this.checkpointEvery;
    this.cachedChunks = Math.max(1, options.cachedChunks ?? 16);
    attachIndex(this.work, this.live);
    this.maxSnapshotObjects = Math.max(1, options.maxSnapshotObjects ?? 2 ** 23);
    this.checkpoints.set(0, deepFreeze(emptyHeap(index.header.schema)));
    for (const cp of index.checkpoints) {
      if (cp.seq === 0 || cp.seq > this.length) continue;
      this.fileCheckpoints.set(cp.seq, cp);
      this.checkpoints.set(cp.seq, cp.state === undefined ? undefined : deepFreeze(cp.state));
    }
    this.counts = [...this.checkpoints.keys()].sort((a, b) => a - b);
  }

  /** Open a trace's bytes or a source (indexTrace: nothing is decoded until used). */
  static open(input: Uint8Array | ByteSource, name: string, options: TimelineOptions = {}): Timeline {
    return new Timeline(indexTrace(input, name, options), options);
  }

  /** Release the trace's file (a timeline over bytes in memory has nothing to release). */
  close(): void {
    this.trace.source?.close();
  }

  /** A timeline over an index already read. */
  static fromIndex(index: TraceIndex, options: TimelineOptions = {}): Timeline {
    return new Timeline(index, options);
  }

  /** The seq of the last event (-1 for an empty trace). */
  get last(): number {
    return this.length - 1;
  }

  /**
   * The seq of the event that ends the user's code: where the main module's frame exits,
   * before interpreter shutdown (userCode.ts). From the footer; a trace without the field
   * (written before it existed, or cut short) is scanned once. Undefined when the main
   * module's frame never exited (a run stopped early).
   */
  userCodeEnd(progress?: Progress): number | undefined {
    if (this.userCodeEndSeq !== null) return this.userCodeEndSeq;
    const recorded = this.footer?.userCodeEnd;
    if (recorded !== undefined && recorded < this.length) {
      this.userCodeEndSeq = recorded;
      return recorded;
    }
    const finder = new UserCodeEnd();
    let done = 0;
    for (const chunk of this.trace.chunks) {
      chunkEvents(this.trace, chunk).forEach((event, k) => finder.see(event, chunk.first + k));
      done += chunk.count;
      progress?.(done, this.length);
    }
    this.userCodeEndSeq = finder.seq;
    return finder.seq;
  }

  /** Checkpoints held in memory (decoded), by event count. */
  get checkpointCounts(): readonly number[] {
    return this.counts.filter((c) => this.checkpoints.get(c) !== undefined);
  }

  // -------------------------------------------------------------------------------
  // Events

  /** Event n. */
  event(n: number): MemEvent {
    this.checkSeq(n, 'event');
    const chunk = this.chunkOf(n);
    const at = n - chunk.first;
    const cached = this.chunkCache.get(chunk.first);
    if (cached !== undefined) return cached[at] as MemEvent;
    if (this.lastEventChunk !== chunk.first) {
      // One event of a chunk not read just before (a seek's): only it is decoded into an
      // object of its own. A second read of the same chunk (a step) decodes and keeps it.
      this.lastEventChunk = chunk.first;
      return chunkEventAt(this.trace, chunk, at);
    }
    return this.eventsOf(chunk)[at] as MemEvent;
  }

  /** Events from..to (inclusive), with their seqs. */
  *events(from = 0, to = this.last): Generator<[number, MemEvent]> {
    if (this.length === 0 || to < from) return;
    this.checkSeq(from, 'event');
    this.checkSeq(to, 'event');
    for (let i = this.chunkIndexOf(from); i < this.trace.chunks.length; i++) {
      const chunk = this.trace.chunks[i] as ChunkRef;
      if (chunk.first > to) return;
      checkInterrupt();
      const events = this.eventsOf(chunk);
      const start = Math.max(from, chunk.first);
      const end = Math.min(to, chunk.first + chunk.count - 1);
      for (let n = start; n <= end; n++) yield [n, events[n - chunk.first] as MemEvent];
    }
  }

  /** The chunks of the trace, for a pass over every event without the timeline's cache. */
  get chunks(): readonly ChunkRef[] {
    return this.trace.chunks;
  }

  /** The checked events of one chunk (decoded once; the last few are cached). */
  eventsOf(chunk: ChunkRef): readonly MemEvent[] {
    const cached = this.chunkCache.get(chunk.first);
    if (cached !== undefined) return cached;
    const events = chunkEvents(this.trace, chunk);
    if (this.chunkCache.size >= this.cachedChunks) {
      const oldest = this.chunkCache.keys().next().value;
      if (oldest !== undefined) this.chunkCache.delete(oldest);
    }
    this.chunkCache.set(chunk.first, events);
    return events;
  }

  // -------------------------------------------------------------------------------
  // States

  /**
   * The state after event n (-1: the empty heap), to read: the timeline's working state,
   * valid until the timeline moves again (see the header). Folds at most K events from a
   * checkpoint once the region was visited.
   */
  stateAt(n: number, progress?: Progress): HeapState {
    if (n !== -1) this.checkSeq(n, 'state after event');
    if (progress === undefined) {
      this.moveTo(n + 1);
      return this.work;
    }
    const step = Math.max(1, Math.floor((n + 1) / 200));
    let next = 0;
    this.moveTo(n + 1, (_state, seq) => {
      if (seq >= next) {
        progress(seq, n + 1);
        next = seq + step;
      }
      return false;
    });
    progress(n + 1, n + 1);
    return this.work;
  }

  /** The state after event n as an immutable state of one's own (frozen, sharing structure with a checkpoint). */
  snapshotAt(n: number): HeapState {
    const state = this.stateAt(n);
    return materialize(share(compactIndexed(state, this.live), this.checkpoints.get(this.nearestDecoded(n + 1))));
  }

  /**
   * Bring the working state to `count` events: fold on from where it is when that is no
   * further than from the nearest checkpoint, else restore it to that checkpoint first.
   */
  private moveTo(count: number, visit?: (state: HeapState, seq: number, event: MemEvent) => boolean): void {
    const start = this.startFor(count);
    if (this.workCount < start || this.workCount > count) {
      this.restoreWork(this.checkpointAt(start));
      this.workCount = start;
    }
    this.fold(count, visit);
  }

  /** Restore the working state to `checkpoint` in place, visiting only the live ids its index lists. */
  private restoreWork(checkpoint: HeapState): void {
    this.workCount = -1; // invalid while it is being restored
    const live = this.live;
    const work = this.work;
    const base = this.base;
    const tables = live.tables(work);
    const fromBase = base !== undefined && live.valid && !live.allDirty;
    live.valid = false;
    // The object and buffer tables: from the base, only what was written since and the
    // blocks where the base and the checkpoint differ; with no base, every live id and
    // every entry of the checkpoint. Their slots then point at the checkpoint's frozen
    // values (core copies one before it writes it).
    const from = fromBase ? base : undefined;
    restore(work, checkpoint, tables, new Set<object>([work.objects, work.memory.buffers]));
    restoreDirtyTable(work.objects, live.objects, from?.objects, checkpoint.objects, live.dirtyObjects);
    restoreDirtyTable(
      work.memory.buffers,
      live.buffers,
      from?.memory.buffers,
      checkpoint.memory.buffers,
      live.dirtyBuffers,
    );
    live.restored(work, tables);
    this.base = checkpoint;
    live.clean();
  }

  /**
   * Fold events workCount..end-1 into the working state, keeping a snapshot at every
   * multiple of K passed that has none yet. `visit` sees the state after each event;
   * returning true stops the fold there.
   */
  private fold(end: number, visit?: (state: HeapState, seq: number, event: MemEvent) => boolean): void {
    const K = this.checkpointEvery;
    const state = this.work;
    const start = this.workCount;
    if (start >= end) return;
    const live = this.live;
    let stop = false;
    const onEvent = (event: MemEvent, seq: number): void => {
      this.workCount = seq + 1;
      // A snapshot at every multiple of the spacing, and in place of a trace checkpoint
      // not decoded yet (made from the base, it costs what changed since; decoding would
      // cost the whole heap). Passing a checkpoint already held, the working state equals
      // it: it becomes the base.
      const count = seq + 1;
      const file = this.fileCheckpoints.has(count);
      if (count % K === 0 || file) {
        const held = this.checkpoints.get(count);
        if (held !== undefined || count % this.spacing === 0 || file) {
          live.check(state);
          let snap = held;
          if (snap === undefined) {
            const cost: ShareCost = { entries: 0 };
            snap = shareIndexed(state, live, this.base ?? this.checkpoints.get(this.nearestDecoded(count)), cost);
            this.addCheckpoint(count, snap, cost.entries + 1);
          }
          this.base = snap;
          live.clean();
        }
      }
      if (visit !== undefined && visit(state, seq, event)) {
        stop = true;
        throw STOP;
      }
    };
    const outer = watchObjectWrites(live.touch);
    try {
      for (let i = this.chunkIndexOf(start); i < this.trace.chunks.length && !stop; i++) {
        const chunk = this.trace.chunks[i] as ChunkRef;
        if (chunk.first >= end) break;
        checkInterrupt();
        const from = Math.max(0, start - chunk.first);
        const to = Math.min(chunk.count, end - chunk.first);
        try {
          this.foldChunkInto(state, chunk, from, to, onEvent);
        } catch (error) {
          if (error !== STOP) {
            this.workCount = -1; // part of an event may have been applied: restore next time
            live.rebuild(state); // and the index may have missed it
            throw error;
          }
        }
      }
    } finally {
      watchObjectWrites(outer);
    }
    live.check(state);
  }

  private foldChunkInto(
    state: HeapState,
    chunk: ChunkRef,
    from: number,
    to: number,
    onEvent: (event: MemEvent, seq: number) => void,
  ): void {
    const live = this.live;
    const apply = (event: MemEvent, seq: number): void => {
      try {
        applyEvent(state, event);
      } catch (error) {
        throw this.unreplayable(seq, event, error);
      }
      live.see(state, event);
      onEvent(event, seq);
    };
    // A fold that starts inside a chunk (a step, a seek past a checkpoint) takes its decoded
    // events, kept for the next step: decoding scratch events would decode the chunk from its
    // start each time.
    const events = chunk.events ?? (from > 0 ? this.eventsOf(chunk) : this.chunkCache.get(chunk.first));
    if (events !== undefined) {
      for (let k = from; k < to; k++) apply(events[k] as MemEvent, chunk.first + k);
      return;
    }
    try {
      forEachScratchEvent(chunk.payload, this.header.schema, from, to, apply);
    } catch (error) {
      if (error instanceof Malformed) throw corruptRecord(this.name, chunk.offset, 'event chunk', error);
      throw error;
    }
  }

  private unreplayable(seq: number, event: MemEvent, error: unknown): unknown {
    if (error === STOP || error instanceof UserError || error instanceof Malformed) return error;
    return new UserError(
      'TRACE_CORRUPT',
      `${this.name}: event ${seq} (${event.type}) cannot be replayed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }

  /**
   * Fold forward from the state after event `from` (-1: the start), calling `visit` with
   * the state after each event up to `to`, until it returns true. Returns the seq where
   * it stopped, or undefined when it reached `to` without stopping. The state given to
   * `visit` is the timeline's working copy: read it, do not keep it.
   */
  scan(
    from: number,
    to: number,
    visit: (state: HeapState, seq: number, event: MemEvent) => boolean,
  ): number | undefined {
    if (to <= from) return undefined;
    if (from !== -1) this.checkSeq(from, 'event');
    this.checkSeq(to, 'event');
    this.moveTo(from + 1);
    let hit: number | undefined;
    this.fold(to + 1, (s, seq, event) => {
      if (!visit(s, seq, event)) return false;
      hit = seq;
      return true;
    });
    return hit;
  }

  /** Fold every event once from the start, keeping a checkpoint every K events. */
  index(progress?: Progress): void {
    const total = this.length;
    const step = Math.max(1, Math.floor(total / 200));
    let next = 0;
    const report =
      progress === undefined
        ? undefined
        : (_state: HeapState, seq: number): boolean => {
            if (seq >= next) {
              progress(seq, total);
              next = seq + step;
            }
            return false;
          };
    this.restoreWork(this.checkpointAt(0));
    this.workCount = 0;
    this.fold(total, report);
    progress?.(total, total);
  }

  /** The source line event n came from (0 before the first LineExecuted). */
  lineAt(n: number): number {
    this.checkSeq(n, 'event');
    const starts = this.lineIndex();
    const c = this.chunkIndexOf(n);
    const chunk = this.trace.chunks[c] as ChunkRef;
    let line = starts[c] ?? 0;
    const events = this.eventsOf(chunk);
    for (let k = 0; k <= n - chunk.first; k++) {
      const e = events[k] as MemEvent;
      if (e.type === 'LineExecuted') line = e.line;
    }
    return line;
  }

  /**
   * The line in effect at the start of each chunk (one pass over the events, once; lineAt
   * makes it on first use; call it first to see the pass's progress).
   */
  lineIndex(progress?: Progress): Int32Array {
    if (this.lineStarts !== undefined) return this.lineStarts;
    const starts = new Int32Array(this.trace.chunks.length);
    let line = 0;
    this.trace.chunks.forEach((chunk, i) => {
      starts[i] = line;
      this.eachEvent(chunk, (e) => {
        if (e.type === 'LineExecuted') line = e.line;
      });
      progress?.(chunk.first + chunk.count, this.length);
    });
    this.lineStarts = starts;
    return starts;
  }

  /**
   * Every event of a chunk, in order, without keeping them: scratch events (rewritten
   * for the next one: read, do not keep) for format 2, the decoded ones for format 1.
   */
  private eachEvent(chunk: ChunkRef, each: (event: MemEvent, seq: number) => void): void {
    checkInterrupt();
    if (chunk.events !== undefined) {
      chunk.events.forEach((e, k) => each(e, chunk.first + k));
      return;
    }
    try {
      forEachScratchEvent(chunk.payload, this.header.schema, 0, chunk.count, each);
    } catch (error) {
      if (error instanceof Malformed) throw corruptRecord(this.name, chunk.offset, 'event chunk', error);
      throw error;
    }
  }

  /**
   * Every event naming object `id`, in order: one pass over the events (the last few
   * objects' answers are kept, and those keepOccurrences() found).
   */
  occurrences(id: number, progress?: Progress): readonly Occurrence[] {
    let codes = this.keptOccurrences.get(id) ?? this.occurrenceCache.get(id);
    if (codes === undefined) {
      codes = this.findOccurrences(new Set([id]), progress).get(id) ?? [];
      if (this.occurrenceCache.size >= KEPT_OCCURRENCES) {
        const oldest = this.occurrenceCache.keys().next().value;
        if (oldest !== undefined) this.occurrenceCache.delete(oldest);
      }
      this.occurrenceCache.set(id, codes);
    }
    return codes.map((code) => ({ seq: Math.floor(code / 2), role: code % 2 === 0 ? 'subject' : 'holder' }));
  }

  /** The ids of every object any event names, in order: one pass over the events (a bit per id, not an index). */
  objectIds(progress?: Progress): number[] {
    let seen = new Uint8Array(1024);
    let done = 0;
    const visit = (found: number): void => {
      if (found >= seen.length) {
        const grown = new Uint8Array(Math.max(found + 1, seen.length * 2));
        grown.set(seen);
        seen = grown;
      }
      seen[found] = 1;
    };
    for (const chunk of this.trace.chunks) {
      this.eachEvent(chunk, (event) => eventObjectIds(event, visit));
      done += chunk.count;
      progress?.(done, this.length);
    }
    const ids: number[] = [];
    for (let i = 0; i < seen.length; i++) if (seen[i] === 1) ids.push(i);
    return ids;
  }

  /** The largest object id any event names (0 for none): one pass over the events, once. */
  largestObjectId(progress?: Progress): number {
    if (this.largestId === undefined) this.findOccurrences(new Set(), progress);
    return this.largestId ?? 0;
  }

  /**
   * Find the occurrences of every id in `ids` in one pass and keep them (beyond the last
   * few occurrences() keeps): for a caller about to ask about many objects, such as the
   * writer of a self-contained viewer file, which asks about every object of a short trace.
   */
  keepOccurrences(ids: Iterable<number>, progress?: Progress): void {
    const wanted = new Set<number>();
    for (const id of ids) if (!this.keptOccurrences.has(id)) wanted.add(id);
    if (wanted.size === 0) return;
    for (const [id, codes] of this.findOccurrences(wanted, progress)) this.keptOccurrences.set(id, codes);
  }

  /** One pass: the mentions of each id in `ids`, coded as seq * 2 + (0 subject, 1 holder); notes the largest id seen. */
  private findOccurrences(ids: ReadonlySet<number>, progress?: Progress): Map<number, number[]> {
    const found = new Map<number, number[]>();
    for (const id of ids) found.set(id, []);
    let largest = 0;
    let done = 0;
    let seq = 0;
    const visit = (id: number, role: ObjectRole): void => {
      if (id > largest) largest = id;
      const codes = found.get(id);
      if (codes === undefined) return;
      const code = seq * 2 + (role === 'subject' ? 0 : 1);
      if (codes[codes.length - 1] !== code) codes.push(code);
    };
    for (const chunk of this.trace.chunks) {
      this.eachEvent(chunk, (event, n) => {
        seq = n;
        eventObjectIds(event, visit);
      });
      done += chunk.count;
      progress?.(done, this.length);
    }
    this.largestId = largest;
    return found;
  }

  // -------------------------------------------------------------------------------
  // The cursor

  /** Move the cursor to event n and return the state after it. */
  goto(n: number): HeapState {
    const state = this.stateAt(n);
    this.position = n;
    return state;
  }

  /** Move the cursor `k` events forward (stopping at the last event). */
  step(k = 1): HeapState {
    return this.goto(Math.min(this.last, this.position + Math.max(0, k)));
  }

  /** Move the cursor `k` events back (stopping before the first event, at -1). */
  back(k = 1): HeapState {
    return this.goto(Math.max(-1, this.position - Math.max(0, k)));
  }

  // -------------------------------------------------------------------------------
  // Checkpoints

  /** The largest count at or before `count` with a decoded checkpoint (0 always has one). */
  private nearestDecoded(count: number): number {
    for (let i = this.counts.length - 1; i >= 0; i--) {
      const c = this.counts[i] as number;
      if (c <= count && this.checkpoints.get(c) !== undefined) return c;
    }
    return 0;
  }

  /**
   * Where a fold to `count` starts: the nearest checkpoint, unless it is a trace
   * checkpoint not decoded and a decoded one lies at most FOLD_RATHER_THAN_DECODE events
   * before `count`. Decoding a checkpoint (and sharing it with the one before) costs its
   * whole heap, 20 to 40 ms on the replay benchmark's trace; folding that many events
   * costs about 5 ms.
   */
  private startFor(count: number): number {
    const start = this.nearestCheckpoint(count);
    if (this.checkpoints.get(start) !== undefined) return start;
    const decoded = this.nearestDecoded(count);
    return count - decoded <= FOLD_RATHER_THAN_DECODE ? decoded : start;
  }

  /** The largest checkpoint count at or before `count`. */
  private nearestCheckpoint(count: number): number {
    const counts = this.counts;
    let lo = 0;
    let hi = counts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((counts[mid] as number) <= count) lo = mid;
      else hi = mid - 1;
    }
    return counts[lo] as number;
  }

  private checkpointAt(count: number): HeapState {
    const known = this.checkpoints.get(count);
    if (known !== undefined) return known;
    const ref = this.fileCheckpoints.get(count);
    if (ref === undefined) throw new RangeError(`no checkpoint at ${count}`);
    // As a snapshot, sharing with the nearest one before it (and fast to restore from).
    const state = share(checkpointState(this.trace, ref), this.checkpoints.get(this.nearestDecoded(count)));
    this.checkpoints.set(count, state);
    this.hold(count, state.live + 1);
    return state;
  }

  private addCheckpoint(count: number, state: HeapState, weight: number): void {
    const known = this.checkpoints.has(count);
    this.checkpoints.set(count, state);
    if (!known) {
      const i = this.counts.findIndex((c) => c > count);
      if (i < 0) this.counts.push(count);
      else this.counts.splice(i, 0, count);
    }
    this.hold(count, weight);
    if (this.heldObjects > this.maxSnapshotObjects && this.held.size > 2) this.thin(count);
  }

  /** Count a snapshot held at `count`, of `weight` (see maxSnapshotObjects). */
  private hold(count: number, weight: number): void {
    this.release(count);
    this.held.set(count, weight);
    this.heldObjects += weight;
  }

  private release(count: number): void {
    this.heldObjects -= this.held.get(count) ?? 0;
    this.held.delete(count);
  }

  /**
   * Too many snapshots: the spacing doubles, and the timeline's own snapshots off it are
   * dropped (but the empty heap and the one just made, `keep`), so those left stay evenly
   * spaced over the trace and later folds add only snapshots on the new spacing. Decoded
   * trace checkpoints are forgotten (decoded again when needed). The base stays referenced
   * until the working state moves on.
   */
  private thin(keep: number): void {
    this.spacing *= 2;
    const counts: number[] = [];
    for (const c of this.counts) {
      if (c === 0 || c === keep || c % this.spacing === 0) {
        counts.push(c);
        continue;
      }
      if (this.fileCheckpoints.has(c)) {
        this.release(c);
        this.checkpoints.set(c, undefined);
        counts.push(c);
        continue;
      }
      this.checkpoints.delete(c);
      this.release(c);
    }
    this.counts = counts;
  }

  // -------------------------------------------------------------------------------
  // Chunks

  private chunkIndexOf(n: number): number {
    const chunks = this.trace.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((chunks[mid] as ChunkRef).first <= n) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private chunkOf(n: number): ChunkRef {
    return this.trace.chunks[this.chunkIndexOf(n)] as ChunkRef;
  }

  private checkSeq(n: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n >= this.length) {
      throw new UserError(
        'CLI_USAGE',
        this.length === 0
          ? `${this.name} holds no events, so there is no ${what} ${n}`
          : `there is no ${what} ${n} in ${this.name}: its events are numbered 0 to ${this.length - 1}`,
      );
    }
  }
}

/** Thrown through the chunk decoder to stop a fold where a visitor asked (never escapes fold()). */
class Stop extends Error {
  override readonly name = 'Stop';
}
const STOP = new Stop('the fold stops here');
