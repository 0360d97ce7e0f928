/*
 * Trace encoding
 * ==============
 * `TraceEncoder` turns a stream of events into the bytes of a trace (format.ts), piece
 * by piece, without doing any I/O: each call returns the bytes to append. The file
 * writer (writer.ts) appends them to a file; `encodeTrace` collects them in memory.
 *
 * Read first: push(), then flush() and finish().
 *
 * Vocabulary:
 * - pending: events pushed but not yet in a chunk. A chunk is cut when `chunkSize`
 *   events are pending, when a checkpoint is due, and by flush() and finish().
 * - fold: the encoder folds every event into its own plain state with `applyEvent`
 *   (cheap: no Immer), so a checkpoint has a state to store and finish() can hash the
 *   final state without being given it.
 * - checkpoint budget: a checkpoint is due every `checkpointEvery` events, but it is
 *   written only if the checkpoints written so far, with this one, take at most
 *   `checkpointBudget` times the bytes of the event chunks so far (its size estimated
 *   from the last checkpoint, scaled by the live objects). A small heap gets a
 *   checkpoint every `checkpointEvery` events; a heap so large that its checkpoints
 *   would outweigh the events gets fewer, so a trace stays within about
 *   (1 + checkpointBudget) times the size of its events.
 *
 * Invariants: `offset` is the number of bytes returned so far; `written + pending.length`
 * is the number of events pushed; the index lists every chunk and checkpoint returned.
 */
import { Defect, UserError, applyEvent, emptyHeap, hashState, type HeapState, type MemEvent } from '@pymemsim/core';
import { encodeCheckpointPayload, encodeChunkPayload } from './chunkCodec.js';
import { UserCodeEnd } from './userCode.js';
import { LiveIndex, compactIndexed } from './liveIndex.js';
import {
  MAX_U32,
  TAG_CHECKPOINT,
  TAG_EVENTS,
  TAG_FOOTER,
  encodeHeader,
  encodeRawRecord,
  encodeRecord,
  encodeTrailer,
  type CheckpointIndexEntry,
  type ChunkIndexEntry,
  type Footer,
  type TraceHeader,
} from './format.js';

export const DEFAULT_CHUNK_SIZE = 8192;
/** The checkpoint interval of `pymemsim run` traces, and of the timeline's own checkpoints. */
export const DEFAULT_CHECKPOINT_EVERY = 8192;
/** Checkpoints may take up to this many times the bytes of the events (see the header). */
export const DEFAULT_CHECKPOINT_BUDGET = 1;

export interface EncoderOptions {
  /** Events per chunk (default 8192). A crash loses at most the events of one chunk. */
  readonly chunkSize?: number;
  /** Write a checkpoint (the folded state) every this many events; 0 (the default) for none. */
  readonly checkpointEvery?: number;
  /**
   * Skip a due checkpoint when checkpoints would take more than this many times the bytes
   * of the events (default 1; Infinity writes every checkpoint that is due).
   */
  readonly checkpointBudget?: number;
  /**
   * Fold the events into a state as they are pushed (default true). Without it,
   * finish() needs the final state and checkpoints are unavailable.
   */
  readonly fold?: boolean;
  /**
   * A state someone else keeps equal to the fold of the events pushed so far, at every
   * push: the runtime whose events these are (it applies each event before publishing
   * it). The encoder reads it for checkpoints and the final hash instead of folding the
   * events a second time.
   */
  readonly live?: HeapState;
}

export class TraceEncoder {
  readonly chunkSize: number;
  readonly checkpointEvery: number;
  readonly checkpointBudget: number;
  /** The fold of the events pushed so far (when folding, or the live state given). */
  readonly state: HeapState | undefined;
  /** `state` is kept by someone else (EncoderOptions.live). */
  private readonly live: boolean;
  private pending: MemEvent[] = [];
  private written = 0;
  private offset = 0;
  private readonly chunks: ChunkIndexEntry[] = [];
  private readonly checkpoints: CheckpointIndexEntry[] = [];
  private finished = false;
  private eventBytes = 0;
  private checkpointBytes = 0;
  /** Where the main module's frame exits (the footer's `userCodeEnd`). */
  private readonly userCode = new UserCodeEnd();
  /** Bytes and live objects of the last checkpoint written (its size estimates the next). */
  private lastCheckpoint: { readonly bytes: number; readonly live: number } | undefined;
  /**
   * The live ids of `state`'s tables (liveIndex.ts), followed event by event: a
   * checkpoint lists the live entries from it. compactState reads every slot ever used
   * (a freed object's stays), so a long run's checkpoints grew with everything it ever
   * allocated, and recording slowed as it went (a program printing 600,000 lines: 3.4
   * times slower per line at the end than at the start).
   */
  private readonly ids = new LiveIndex();

  constructor(options: EncoderOptions = {}) {
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    this.checkpointEvery = options.checkpointEvery ?? 0;
    this.checkpointBudget = options.checkpointBudget ?? DEFAULT_CHECKPOINT_BUDGET;
    if (!(this.checkpointBudget >= 0)) throw new Defect(`checkpointBudget must be >= 0, got ${this.checkpointBudget}`);
    if (!Number.isSafeInteger(this.chunkSize) || this.chunkSize < 1) {
      throw new Defect(`chunkSize must be a positive integer, got ${this.chunkSize}`);
    }
    if (!Number.isSafeInteger(this.checkpointEvery) || this.checkpointEvery < 0) {
      throw new Defect(`checkpointEvery must be a non-negative integer, got ${this.checkpointEvery}`);
    }
    const fold = options.fold ?? true;
    if (!fold && options.live === undefined && this.checkpointEvery > 0)
      throw new Defect('checkpoints need the encoder to fold events');
    this.live = options.live !== undefined;
    this.state = options.live ?? (fold ? emptyHeap() : undefined);
    if (this.state !== undefined && this.checkpointEvery > 0) this.ids.rebuild(this.state);
  }

  /** Events pushed so far. */
  get events(): number {
    return this.written + this.pending.length;
  }

  /** The bytes that open the trace; call once, first. */
  start(header: TraceHeader): Uint8Array {
    if (this.offset !== 0) throw new Defect('TraceEncoder.start called twice');
    return this.emit(encodeHeader(header));
  }

  /** Add one event; returns the records it completes (usually none). */
  push(event: MemEvent): Uint8Array[] {
    this.checkOpen();
    const state = this.state;
    if (state !== undefined) {
      if (!this.live) applyEvent(state, event);
      if (this.checkpointEvery > 0) this.ids.see(state, event);
    }
    if (event.type === 'FrameEntered' || event.type === 'FrameExited') this.userCode.see(event, this.events);
    this.pending.push(event);
    const out: Uint8Array[] = [];
    if (this.pending.length >= this.chunkSize) out.push(...this.flush());
    if (this.checkpointEvery > 0 && this.events % this.checkpointEvery === 0 && this.checkpointFits()) {
      out.push(...this.flush(), this.checkpoint());
    }
    return out;
  }

  /** The pending events as one chunk record (nothing when none are pending). */
  flush(): Uint8Array[] {
    this.checkOpen();
    if (this.pending.length === 0) return [];
    const chunk = { first: this.written, count: this.pending.length };
    const record = encodeRawRecord(TAG_EVENTS, encodeChunkPayload(chunk.first, this.pending));
    this.eventBytes += record.length;
    this.chunks.push({ offset: this.offset, first: chunk.first, count: chunk.count });
    this.written += this.pending.length;
    this.pending = [];
    return [this.emit(record)];
  }

  /**
   * The last chunk, the footer and the end marker. The final hash is that of `finalState`
   * when given, else of the encoder's own fold.
   */
  finish(finalState?: HeapState): Uint8Array[] {
    const out = this.flush();
    const state = finalState ?? this.state;
    if (state === undefined) throw new Defect('finish() needs the final state when the encoder does not fold');
    const footerOffset = this.offset;
    if (footerOffset > MAX_U32) {
      throw new UserError('FILE_WRITE', `the trace reached ${footerOffset} bytes; the format holds at most 4 GiB`);
    }
    const footer: Footer = {
      events: this.written,
      chunks: this.chunks,
      checkpoints: this.checkpoints,
      finalHash: hashState(state),
      ...(this.userCode.seq !== undefined ? { userCodeEnd: this.userCode.seq } : {}),
    };
    out.push(this.emit(encodeRecord(TAG_FOOTER, footer)), this.emit(encodeTrailer(footerOffset)));
    this.finished = true;
    return out;
  }

  /** A due checkpoint fits the budget (the first one always does). */
  private checkpointFits(): boolean {
    const last = this.lastCheckpoint;
    if (last === undefined || this.checkpointBudget === Infinity) return true;
    const live = Math.max(1, this.state?.live ?? 0);
    const estimate = (last.bytes * live) / Math.max(1, last.live);
    // The events of the pending chunk count too: it is flushed with the checkpoint.
    const events = this.eventBytes + this.pending.length * 3;
    return this.checkpointBytes + estimate <= this.checkpointBudget * events;
  }

  private checkpoint(): Uint8Array {
    const state = this.state;
    if (state === undefined) throw new Defect('checkpoint without a folded state');
    this.checkpoints.push({ offset: this.offset, seq: this.written });
    this.ids.check(state); // the index still lists what the state holds (else it is rebuilt)
    const record = encodeRawRecord(
      TAG_CHECKPOINT,
      encodeCheckpointPayload(this.written, state, compactIndexed(state, this.ids)),
    );
    this.checkpointBytes += record.length;
    this.lastCheckpoint = { bytes: record.length, live: Math.max(1, state.live) };
    return this.emit(record);
  }

  private emit(bytes: Uint8Array): Uint8Array {
    this.offset += bytes.length;
    return bytes;
  }

  private checkOpen(): void {
    if (this.finished) throw new Defect('the trace is already finished');
  }
}

/** A whole trace in memory (tests, golden trace.bin files, small programs). */
export function encodeTrace(
  header: TraceHeader,
  events: Iterable<MemEvent>,
  options: EncoderOptions & { readonly finalState?: HeapState } = {},
): Uint8Array {
  const encoder = new TraceEncoder(options);
  const parts: Uint8Array[] = [encoder.start(header)];
  for (const event of events) parts.push(...encoder.push(event));
  parts.push(...encoder.finish(options.finalState));
  return concatBytes(parts);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
