/*
 * Reading a trace
 * ===============
 * `readTrace` opens the bytes of a .pmt file (format.ts): the header, every event chunk,
 * the checkpoints and the footer. Traces are untrusted input: every length is checked
 * against the bytes that remain, every record against its CRC32, every value against
 * the format, and every event against the event schema before anything uses it.
 *
 * Read first: scanRecords(), the loop over the records that decides what is kept.
 *
 * Two ways in: `readTrace` decodes every event and checkpoint (small traces, tests,
 * replay); `indexTrace` checks every record's framing and CRC and the chunk numbering
 * but leaves chunk and checkpoint bodies of format 2 to be decoded when used (the
 * timeline, timeline.ts). A body that passes its CRC but is malformed (only a crafted
 * file has one) is then reported when it is decoded, as TRACE_CORRUPT naming its offset.
 *
 * What can go wrong, and what the reader does:
 *
 *   Case                                        Result
 *   not "PMT1", header cut short or unreadable  UserError TRACE_FORMAT naming the byte offset
 *   format or event schema newer than ours      UserError TRACE_VERSION
 *   program source does not match its hash      UserError TRACE_CORRUPT (the header has no CRC)
 *   file ends after a record, without footer    events of all complete chunks + `recovered`
 *   a record cut short (tag, length, payload)   events of the chunks before it + `recovered`
 *   a record failing its CRC, an unknown tag,
 *     a malformed payload, a gap in the events  events of the chunks before it + `recovered`
 *   footer disagreeing with the records         all events, no footer + `recovered`
 *   end marker cut short or damaged, or bytes
 *     after it                                  all events and the footer + `recovered`
 *
 * Reading stops at the first damaged record: events after a gap cannot be folded (each
 * state depends on every event before it), so a "recovered" trace is always a prefix of
 * the original one, ending at a chunk boundary. `recovered.lostFromOffset` is the first
 * byte not used. With `{ recover: false }` any of the recovered cases throws
 * UserError TRACE_CORRUPT with the same message instead.
 */
import { UserError, checkInterrupt, type HeapState, type MemEvent } from '@pymemsim/core';
import { Observable } from 'rxjs';
import { chunkPrefix, checkpointPrefix, decodeCheckpointState, decodeChunk, readEventAt } from './chunkCodec.js';
import { Malformed } from './eventSchema.js';
import { toSource, type ByteSource } from './source.js';
import {
  END_MAGIC,
  TAG_CHECKPOINT,
  TAG_EVENTS,
  TAG_FOOTER,
  TRAILER_SIZE,
  dataView,
  decodePayload,
  readHeader,
  readRecord,
  startsWith,
  tagName,
  toCheckpoint,
  toCheckpointState,
  toEventChunk,
  toFooter,
  type CheckpointIndexEntry,
  type CheckpointRecord,
  type ChunkIndexEntry,
  type EventChunk,
  type Footer,
  type TraceHeader,
} from './format.js';

/** What was lost from a trace that did not open cleanly. */
export interface Recovery {
  /** What was wrong, where, and what was kept. Starts with the trace's name. */
  readonly message: string;
  /** The first byte of the file that was not used. */
  readonly lostFromOffset: number;
}

export interface TraceContents {
  readonly header: TraceHeader;
  /** Every event of every complete, valid chunk, in order (upcast to the current schema). */
  readonly events: readonly MemEvent[];
  readonly checkpoints: readonly CheckpointRecord[];
  /** Present when the footer was read and agrees with the records. */
  readonly footer?: Footer;
  /** Present when something was lost or ignored. */
  readonly recovered?: Recovery;
}

export interface ReadOptions {
  /** Open a damaged or unfinished trace with what can be saved (default true); false throws TRACE_CORRUPT. */
  readonly recover?: boolean;
}

/** Open a trace, every event in memory. `name` (usually the file path) prefixes every message. */
export function readTrace(input: Uint8Array | ByteSource, name: string, options: ReadOptions = {}): TraceContents {
  const bytes = toSource(input);
  const { header, end } = readHeader(bytes, name);
  const events: MemEvent[] = [];
  const checkpoints: CheckpointRecord[] = [];
  let footer: Footer | undefined;
  const scan = scanRecords(bytes, name, header, end, true);
  let step = scan.next();
  for (; !step.done; step = scan.next()) {
    const part = step.value;
    switch (part.kind) {
      case 'chunk':
        for (const event of part.chunk.events ?? []) events.push(event);
        break;
      case 'checkpoint':
        if (part.checkpoint.state !== undefined)
          checkpoints.push({ seq: part.checkpoint.seq, state: part.checkpoint.state });
        break;
      case 'footer':
        footer = part.footer;
        break;
    }
  }
  const recovered = step.value;
  if (recovered !== undefined && options.recover === false) throw new UserError('TRACE_CORRUPT', recovered.message);
  return {
    header,
    events,
    checkpoints,
    ...(footer !== undefined ? { footer } : {}),
    ...(recovered !== undefined ? { recovered } : {}),
  };
}

/**
 * The events of a trace as they are decoded, one chunk at a time. A bad header is an
 * error before any event; a damaged or unfinished trace emits every recoverable event,
 * then errors with UserError TRACE_CORRUPT carrying the recovery message.
 */
export function events$(input: Uint8Array | ByteSource, name: string): Observable<MemEvent> {
  const bytes = toSource(input);
  return new Observable<MemEvent>((subscriber) => {
    const { header, end } = readHeader(bytes, name);
    const scan = scanRecords(bytes, name, header, end, true);
    let step = scan.next();
    for (; !step.done; step = scan.next()) {
      if (step.value.kind !== 'chunk') continue;
      for (const event of step.value.chunk.events ?? []) {
        if (subscriber.closed) return;
        subscriber.next(event);
      }
    }
    if (step.value === undefined) subscriber.complete();
    else subscriber.error(new UserError('TRACE_CORRUPT', step.value.message));
  });
}

/**
 * The footer found through the end marker without reading the chunks (for seeking in a
 * long trace), or undefined when the trace has no intact end marker and footer; then
 * `readTrace` tells what is wrong. The header is checked as by readTrace.
 */
export function readFooter(input: Uint8Array | ByteSource, name: string): Footer | undefined {
  const bytes = toSource(input);
  const { end } = readHeader(bytes, name);
  const trailer = bytes.size - TRAILER_SIZE;
  if (trailer < end) return undefined;
  const marker = bytes.read(trailer, TRAILER_SIZE);
  if (!startsWith(marker, END_MAGIC, 4)) return undefined;
  const offset = dataView(marker).getUint32(0, true);
  if (offset < end || offset >= trailer) return undefined;
  const record = readRecord(bytes, offset, trailer);
  if (!record.ok || record.tag !== TAG_FOOTER || record.end !== trailer) return undefined;
  try {
    return toFooter(decodePayload(record.payload));
  } catch (error) {
    if (error instanceof Malformed) return undefined;
    throw error;
  }
}

/** An event chunk found in a trace: where, which events, and (once decoded) the events. */
export interface ChunkRef {
  /** Byte offset of the record. */
  readonly offset: number;
  readonly first: number;
  readonly count: number;
  /** The record's payload (a view of the trace's bytes in memory, or read again from its file). */
  readonly payload: Uint8Array;
  /** The checked events, when the chunk was decoded while scanning (format 1 always). */
  readonly events?: readonly MemEvent[];
}

/** A checkpoint found in a trace. */
export interface CheckpointRef {
  readonly offset: number;
  readonly seq: number;
  readonly payload: Uint8Array;
  /** The state, when it was decoded while scanning (format 1 always). */
  readonly state?: HeapState;
}

/** A trace's records, checked but not necessarily decoded (indexTrace). */
export interface TraceIndex {
  readonly name: string;
  readonly header: TraceHeader;
  readonly chunks: readonly ChunkRef[];
  readonly checkpoints: readonly CheckpointRef[];
  /** Events in the complete, valid chunks. */
  readonly events: number;
  readonly footer?: Footer;
  readonly recovered?: Recovery;
  /** Where the payloads are read from (close it when done with a file). */
  readonly source?: ByteSource;
}

/**
 * Index a trace: the header, and every record checked for its framing, CRC and
 * numbering, without decoding the bodies of format 2 (see the header comment). Throws
 * as readTrace does for a bad header; `{ recover: false }` makes any loss TRACE_CORRUPT.
 */
export function indexTrace(input: Uint8Array | ByteSource, name: string, options: ReadOptions = {}): TraceIndex {
  const bytes = toSource(input);
  const { header, end } = readHeader(bytes, name);
  const chunks: ChunkRef[] = [];
  const checkpoints: CheckpointRef[] = [];
  let footer: Footer | undefined;
  const scan = scanRecords(bytes, name, header, end, false);
  let step = scan.next();
  for (; !step.done; step = scan.next()) {
    const part = step.value;
    if (part.kind === 'chunk') chunks.push(part.chunk);
    else if (part.kind === 'checkpoint') checkpoints.push(part.checkpoint);
    else footer = part.footer;
  }
  const recovered = step.value;
  if (recovered !== undefined && options.recover === false) throw new UserError('TRACE_CORRUPT', recovered.message);
  const last = chunks[chunks.length - 1];
  return {
    name,
    header,
    chunks,
    checkpoints,
    source: bytes,
    events: last === undefined ? 0 : last.first + last.count,
    ...(footer !== undefined ? { footer } : {}),
    ...(recovered !== undefined ? { recovered } : {}),
  };
}

/** The checked events of a chunk (decoding it if the scan did not). Throws UserError TRACE_CORRUPT. */
export function chunkEvents(index: Pick<TraceIndex, 'name' | 'header'>, chunk: ChunkRef): readonly MemEvent[] {
  if (chunk.events !== undefined) return chunk.events;
  try {
    return decodeChunk(chunk.payload, index.header.schema).events;
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    throw corruptRecord(index.name, chunk.offset, 'event chunk', error);
  }
}

/**
 * Event `at` (a position in the chunk) of one chunk, decoded alone (chunkCodec's
 * readEventAt) unless the chunk's events are in memory. Throws UserError TRACE_CORRUPT.
 */
export function chunkEventAt(index: Pick<TraceIndex, 'name' | 'header'>, chunk: ChunkRef, at: number): MemEvent {
  if (chunk.events !== undefined) return chunk.events[at] as MemEvent;
  try {
    return readEventAt(chunk.payload, index.header.schema, at);
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    throw corruptRecord(index.name, chunk.offset, 'event chunk', error);
  }
}

/** The state of a checkpoint (decoding it if the scan did not). Throws UserError TRACE_CORRUPT. */
export function checkpointState(index: Pick<TraceIndex, 'name'>, checkpoint: CheckpointRef): HeapState {
  if (checkpoint.state !== undefined) return checkpoint.state;
  try {
    const { seq, state } = decodeCheckpointState(checkpoint.payload);
    return toCheckpointState(seq, state);
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    throw corruptRecord(index.name, checkpoint.offset, 'checkpoint', error);
  }
}

/** A record that passed its CRC but does not decode: TRACE_CORRUPT naming its offset. */
export function corruptRecord(name: string, offset: number, what: string, error: Error): UserError {
  return new UserError(
    'TRACE_CORRUPT',
    `${name}: the ${what} record at byte ${offset} is malformed: ${error.message}`,
    {
      cause: error,
    },
  );
}

type Part =
  | { readonly kind: 'chunk'; readonly offset: number; readonly chunk: ChunkRef }
  | { readonly kind: 'checkpoint'; readonly offset: number; readonly checkpoint: CheckpointRef }
  | { readonly kind: 'footer'; readonly offset: number; readonly footer: Footer };

/** A record's payload, where it was read: kept (in memory), or read again when used (a file). */
type PayloadRead = { readonly bytes: Uint8Array; readonly source: ByteSource; readonly start: number };

/** `payload` as a property: the bytes themselves, or a getter reading them again from the file. */
function payloadOf(read: PayloadRead): { readonly payload: Uint8Array } {
  if (read.source.views) return { payload: read.bytes };
  const { source, start } = read;
  const length = read.bytes.length;
  return {
    get payload(): Uint8Array {
      return source.read(start, length);
    },
  };
}

/** An 'E' record as a chunk reference; `decode` decodes the events of format 2 too. Throws Malformed. */
function toChunkRef(offset: number, read: PayloadRead, header: TraceHeader, decode: boolean): ChunkRef {
  const payload = read.bytes;
  if (header.format === 1) {
    const chunk: EventChunk = toEventChunk(decodePayload(payload), header.schema);
    return { offset, first: chunk.first, count: chunk.count, payload, events: chunk.events };
  }
  if (!decode) return withPayload({ offset, ...chunkPrefix(payload) }, read);
  const { first, count, events } = decodeChunk(payload, header.schema);
  return withPayload({ offset, first, count, events }, read);
}

function toCheckpointRef(offset: number, read: PayloadRead, header: TraceHeader, decode: boolean): CheckpointRef {
  const payload = read.bytes;
  if (header.format === 1) {
    const { seq, state } = toCheckpoint(decodePayload(payload));
    return { offset, seq, payload, state };
  }
  if (!decode) return withPayload({ offset, seq: checkpointPrefix(payload) }, read);
  const { seq, state } = decodeCheckpointState(payload);
  return withPayload({ offset, seq, state: toCheckpointState(seq, state) }, read);
}

/** `fields` with the payload property of `read` (a getter for a file: see payloadOf). */
function withPayload<T extends object>(fields: T, read: PayloadRead): T & { readonly payload: Uint8Array } {
  return Object.defineProperties(fields, Object.getOwnPropertyDescriptors(payloadOf(read))) as T & {
    readonly payload: Uint8Array;
  };
}

/**
 * The records after the header, in file order, each checked; returns undefined when the
 * trace ended cleanly after its end marker, else what was lost. With `decode`, the
 * events and states of format 2 are decoded and checked too.
 */
function* scanRecords(
  bytes: ByteSource,
  name: string,
  header: TraceHeader,
  start: number,
  decode: boolean,
): Generator<Part, Recovery | undefined> {
  // Loop invariant: `seq` events in `chunks.length` complete chunks were yielded, and
  // `offset` is the first byte after the last record yielded.
  let offset = start;
  let seq = 0;
  const chunks: ChunkIndexEntry[] = [];
  const checkpoints: CheckpointIndexEntry[] = [];
  const kept = (): string =>
    `recovered ${seq} event${seq === 1 ? '' : 's'} in ${chunks.length} complete chunk${chunks.length === 1 ? '' : 's'}`;
  const lost = (at: number, problem: string): Recovery => ({
    message:
      at === bytes.size
        ? `${name}: ${problem}; ${kept()}; any later events were never written`
        : `${name}: ${problem}; ${kept()}; bytes ${at} to ${bytes.size - 1} are ignored, with any events in them`,
    lostFromOffset: at,
  });

  for (;;) {
    checkInterrupt();
    if (offset === bytes.size) {
      return lost(
        offset,
        `the trace ends at byte ${offset} without its footer: the run that wrote it did not finish ` +
          '(it crashed, was interrupted or ran out of disk space)',
      );
    }
    const record = readRecord(bytes, offset);
    if (!record.ok) return lost(offset, record.problem);
    const what = `the ${tagName(record.tag)} record at byte ${offset}`;
    let part: Part;
    const read: PayloadRead = { bytes: record.payload, source: bytes, start: record.start };
    try {
      switch (record.tag) {
        case TAG_EVENTS:
          part = { kind: 'chunk', offset, chunk: toChunkRef(offset, read, header, decode) };
          break;
        case TAG_CHECKPOINT:
          part = { kind: 'checkpoint', offset, checkpoint: toCheckpointRef(offset, read, header, decode) };
          break;
        case TAG_FOOTER:
          part = { kind: 'footer', offset, footer: toFooter(decodePayload(record.payload)) };
          break;
      }
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      return lost(offset, `${what} is malformed: ${error.message}`);
    }

    switch (part.kind) {
      case 'chunk': {
        const { first, count } = part.chunk;
        if (first !== seq) {
          return lost(offset, `${what} starts at event ${first}, but ${seq} events come before it`);
        }
        if (count === 0) return lost(offset, `${what} holds no events (a writer never writes an empty chunk)`);
        yield part;
        chunks.push({ offset, first, count });
        seq += count;
        break;
      }
      case 'checkpoint': {
        if (part.checkpoint.seq !== seq) {
          return lost(offset, `${what} is for event ${part.checkpoint.seq}, but ${seq} events come before it`);
        }
        yield part;
        checkpoints.push({ offset, seq });
        break;
      }
      case 'footer': {
        const disagreement = compareFooter(part.footer, seq, chunks, checkpoints);
        if (disagreement !== undefined) {
          return {
            message:
              `${name}: ${what} disagrees with the records before it (${disagreement}); ` +
              `it is ignored, so the final state cannot be checked; ${kept()}`,
            lostFromOffset: offset,
          };
        }
        yield part;
        return checkEnd(bytes, name, offset, record.end, kept);
      }
    }
    offset = record.end;
  }
}

/** After a good footer: the end marker must hold the footer's offset and end the file. */
function checkEnd(
  bytes: ByteSource,
  name: string,
  footerOffset: number,
  at: number,
  kept: () => string,
): Recovery | undefined {
  const remaining = bytes.size - at;
  const all = `${kept()} (all of them) and the footer`;
  if (remaining < TRAILER_SIZE) {
    return {
      message: `${name}: the end marker at byte ${at} is cut short (${remaining} of ${TRAILER_SIZE} bytes); ${all}`,
      lostFromOffset: at,
    };
  }
  const marker = bytes.read(at, TRAILER_SIZE);
  const pointer = dataView(marker).getUint32(0, true);
  if (pointer !== footerOffset || !startsWith(marker, END_MAGIC, 4)) {
    return {
      message:
        `${name}: the end marker at byte ${at} is damaged (expected the footer offset ${footerOffset} and "PMTE"); ` +
        all,
      lostFromOffset: at,
    };
  }
  const after = at + TRAILER_SIZE;
  if (after < bytes.size) {
    return {
      message:
        `${name}: ${bytes.size - after} unexpected byte(s) after the end marker, from byte ${after}, ` +
        `are ignored; ${all}`,
      lostFromOffset: after,
    };
  }
  return undefined;
}

function compareFooter(
  footer: Footer,
  events: number,
  chunks: readonly ChunkIndexEntry[],
  checkpoints: readonly CheckpointIndexEntry[],
): string | undefined {
  if (footer.events !== events) return `it counts ${footer.events} events, the chunks hold ${events}`;
  if (footer.chunks.length !== chunks.length) {
    return `it lists ${footer.chunks.length} chunks, the file holds ${chunks.length}`;
  }
  for (const [i, c] of chunks.entries()) {
    const f = footer.chunks[i];
    if (f === undefined || f.offset !== c.offset || f.first !== c.first || f.count !== c.count) {
      return `its chunk ${i} is not the chunk at byte ${c.offset} (events ${c.first} to ${c.first + c.count - 1})`;
    }
  }
  if (footer.checkpoints.length !== checkpoints.length) {
    return `it lists ${footer.checkpoints.length} checkpoints, the file holds ${checkpoints.length}`;
  }
  for (const [i, c] of checkpoints.entries()) {
    const f = footer.checkpoints[i];
    if (f === undefined || f.offset !== c.offset || f.seq !== c.seq) {
      return `its checkpoint ${i} is not the checkpoint at byte ${c.offset} (event ${c.seq})`;
    }
  }
  return undefined;
}
