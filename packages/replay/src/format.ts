/*
 * The .pmt trace format, version 3 (and reading versions 1 and 2)
 * ===============================================================
 * A trace is a header, then records (event chunks, checkpoints, one footer), then an
 * 8-byte end marker. All integers are little-endian; the header and the footer are
 * msgpack (codec.ts); event chunks and checkpoints are packed and compressed
 * (chunkCodec.ts, packed.ts; in format 1 they were msgpack too).
 * packages/replay/README.md describes the format byte by byte; this module is its code.
 *
 * Read first: readHeader(), then readRecord().
 *
 *   offset 0   "PMT1"                      magic, 4 bytes: 50 4D 54 31
 *          4   u32 header length H
 *          8   msgpack header (H bytes)    TraceHeader
 *        8+H   u32 CRC32 of the H bytes    (format 3; formats 1 and 2 have none)
 *       12+H   record*                     tag u8 | payload length u32 | CRC32 u32 | payload
 *              'E' 0x45  event chunk       first, count, packed events (format 1: msgpack map)
 *              'C' 0x43  checkpoint        seq, packed state (format 1: msgpack map)
 *              'F' 0x46  footer            msgpack { events, chunks, checkpoints, finalHash }
 *          F+n u32 offset F of the footer record, then "PMTE" (50 4D 54 45)
 *
 * Vocabulary:
 * - seq: the 0-based position of an event in the trace. A chunk's `first` is the seq of
 *   its first event; a checkpoint's `seq` is the number of events folded into its state.
 * - offset: a byte position in the file, of the first byte of a record (its tag).
 *
 * Invariants (checked by the reader, reader.ts):
 * - chunks follow each other without gaps: each chunk's `first` is the number of events
 *   before it, and `events.length === count`;
 * - a checkpoint's `seq` is the number of events in the chunks before it;
 * - the footer lists exactly the chunks and checkpoints before it, and `events` is their
 *   total; the end marker holds the footer's offset and ends the file.
 * - the header's program.hash is the SHA-256 (hex) of program.source.
 *
 * The header carries no time stamp, host or user: the same program and engine give the
 * same trace, byte for byte.
 *
 * Simplifications: offsets are u32, so a trace is at most 4 GiB. Formats 1 and 2 had no
 * CRC on the header (only the source was checked, by its hash); they are still read.
 */
import { createHash } from 'node:crypto';
import {
  CPYTHON_VERSION,
  DEFAULT_THRESHOLDS,
  emptyHeap,
  ENGINE_VERSION,
  EVENT_SCHEMA_VERSION,
  UserError,
  type HeapState,
  type MemEvent,
} from '@pymemsim/core';
import { crc32, decodeValue, encodeValue, type Plain, type PlainObject } from './codec.js';
import { toSource, type ByteSource } from './source.js';
import { Malformed, expectObject, show, toMemEvent } from './eventSchema.js';
import { FIRST_SCHEMA, isReadableSchema, upcast } from './upcast.js';

export const FORMAT_VERSION = 3;
/** Formats this reader opens: 1 (msgpack chunks), 2 (packed, compressed chunks), 3 (2 with a header CRC). */
export const READABLE_FORMATS: readonly number[] = [1, 2, 3];
/** The first format whose header is followed by its CRC32. */
export const HEADER_CRC_FORMAT = 3;
/** The size of the header's CRC (format 3). */
export const HEADER_CRC_SIZE = 4;
/** "PMT1": the first four bytes of every trace. */
export const MAGIC = Uint8Array.of(0x50, 0x4d, 0x54, 0x31);
/** "PMTE": the last four bytes of a finished trace. */
export const END_MAGIC = Uint8Array.of(0x50, 0x4d, 0x54, 0x45);
/** Magic and header length. */
export const HEADER_PREFIX_SIZE = 8;
/** Tag, payload length, CRC32. */
export const RECORD_HEADER_SIZE = 9;
/** Footer offset and END_MAGIC. */
export const TRAILER_SIZE = 8;
/** The largest offset or length a u32 field holds. */
export const MAX_U32 = 0xffff_ffff;

export const TAG_EVENTS = 0x45; // 'E'
export const TAG_CHECKPOINT = 0x43; // 'C'
export const TAG_FOOTER = 0x46; // 'F'
export type RecordTag = typeof TAG_EVENTS | typeof TAG_CHECKPOINT | typeof TAG_FOOTER;

export const CREATED_BY = 'pymemsim';

export interface TraceHeader {
  readonly format: number;
  /** EVENT_SCHEMA_VERSION of the writer. */
  readonly schema: number;
  /** ENGINE_VERSION of the writer. */
  readonly engine: string;
  /** The CPython profile simulated (CPYTHON_VERSION). */
  readonly cpython: string;
  readonly program: {
    readonly path: string;
    readonly source: string;
    /** SHA-256 of `source` (UTF-8), lowercase hex. */
    readonly hash: string;
  };
  readonly gc: { readonly thresholds: readonly [number, number, number] };
  readonly createdBy: string;
}

export interface EventChunk {
  readonly first: number;
  readonly count: number;
  readonly events: readonly MemEvent[];
}

export interface CheckpointRecord {
  readonly seq: number;
  readonly state: HeapState;
}

export interface ChunkIndexEntry {
  readonly offset: number;
  readonly first: number;
  readonly count: number;
}

export interface CheckpointIndexEntry {
  readonly offset: number;
  readonly seq: number;
}

export interface Footer {
  /** Events in the trace. */
  readonly events: number;
  readonly chunks: readonly ChunkIndexEntry[];
  readonly checkpoints: readonly CheckpointIndexEntry[];
  /** hashState (core) of the state after all events. */
  readonly finalHash: string;
  /**
   * The seq of the event where the main module's frame exits: the end of the user's code,
   * before interpreter shutdown (userCode.ts). Absent when it never exited (a run stopped
   * early) and in traces written before this field existed.
   */
  readonly userCodeEnd?: number;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The header of a trace of `program` run by this engine. */
export function traceHeader(
  program: { readonly path: string; readonly source: string },
  options: { readonly thresholds?: readonly [number, number, number] } = {},
): TraceHeader {
  const [t0, t1, t2] = options.thresholds ?? DEFAULT_THRESHOLDS;
  // Key order is fixed here: it is the order of the msgpack map, so part of the bytes.
  return {
    format: FORMAT_VERSION,
    schema: EVENT_SCHEMA_VERSION,
    engine: ENGINE_VERSION,
    cpython: CPYTHON_VERSION,
    program: { path: program.path, source: program.source, hash: sha256Hex(program.source) },
    gc: { thresholds: [t0, t1, t2] },
    createdBy: CREATED_BY,
  };
}

export const tagName = (tag: number): string => {
  switch (tag) {
    case TAG_EVENTS:
      return "event chunk ('E')";
    case TAG_CHECKPOINT:
      return "checkpoint ('C')";
    case TAG_FOOTER:
      return "footer ('F')";
    default:
      return `record with unknown tag 0x${hex2(tag)}`;
  }
};

const isTag = (tag: number): tag is RecordTag => tag === TAG_EVENTS || tag === TAG_CHECKPOINT || tag === TAG_FOOTER;

// ---------------------------------------------------------------------------------
// Writing

export function encodeHeader(header: TraceHeader): Uint8Array {
  const body = encodeValue(header);
  if (body.length > MAX_U32) throw new UserError('FILE_WRITE', `the trace header is ${body.length} bytes, over 4 GiB`);
  const crc = header.format >= HEADER_CRC_FORMAT ? HEADER_CRC_SIZE : 0;
  const out = new Uint8Array(HEADER_PREFIX_SIZE + body.length + crc);
  out.set(MAGIC, 0);
  view(out).setUint32(4, body.length, true);
  out.set(body, HEADER_PREFIX_SIZE);
  if (crc > 0) view(out).setUint32(HEADER_PREFIX_SIZE + body.length, crc32(body), true);
  return out;
}

/** A record whose payload is one msgpack value (the footer; every record of format 1). */
export function encodeRecord(tag: RecordTag, value: unknown): Uint8Array {
  return encodeRawRecord(tag, encodeValue(value));
}

/** A record around a payload already encoded. */
export function encodeRawRecord(tag: RecordTag, payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_U32) {
    throw new UserError(
      'FILE_WRITE',
      `a ${tagName(tag)} record of ${payload.length} bytes does not fit a trace (4 GiB)`,
    );
  }
  const out = new Uint8Array(RECORD_HEADER_SIZE + payload.length);
  const v = view(out);
  out[0] = tag;
  v.setUint32(1, payload.length, true);
  v.setUint32(5, crc32(payload), true);
  out.set(payload, RECORD_HEADER_SIZE);
  return out;
}

export function encodeTrailer(footerOffset: number): Uint8Array {
  const out = new Uint8Array(TRAILER_SIZE);
  view(out).setUint32(0, footerOffset, true);
  out.set(END_MAGIC, 4);
  return out;
}

// ---------------------------------------------------------------------------------
// Reading

/**
 * Read and check the header (of bytes, or a source: source.ts). Returns it and the
 * offset of the first record. Throws `UserError` (TRACE_FORMAT, TRACE_VERSION, TRACE_CORRUPT).
 */
export function readHeader(input: Uint8Array | ByteSource, name: string): { header: TraceHeader; end: number } {
  const source = toSource(input);
  const size = source.size;
  const prefix = source.read(0, HEADER_PREFIX_SIZE);
  const magicFound = prefix.subarray(0, MAGIC.length);
  if (!startsWith(prefix, MAGIC, 0)) {
    const found =
      size === 0
        ? 'an empty file'
        : size < MAGIC.length && startsWith(MAGIC, magicFound, 0)
          ? `only ${size} byte(s) of them: the file ends at byte ${size}`
          : `${describeBytes(magicFound)}`;
    throw new UserError(
      'TRACE_FORMAT',
      `${name}: not a pymemsim trace: expected the magic bytes "PMT1" (50 4D 54 31) at byte 0, found ${found}`,
    );
  }
  if (size < HEADER_PREFIX_SIZE) {
    throw new UserError(
      'TRACE_FORMAT',
      `${name}: trace header cut short: its 4-byte length at byte 4 is incomplete, the file ends at byte ${size}`,
    );
  }
  const length = view(prefix).getUint32(4, true);
  const remaining = size - HEADER_PREFIX_SIZE;
  if (length > remaining) {
    throw new UserError(
      'TRACE_FORMAT',
      `${name}: trace header cut short: the header at byte 8 declares ${length} bytes but only ${remaining} remain ` +
        `(the file ends at byte ${size})`,
    );
  }
  let end = HEADER_PREFIX_SIZE + length;
  const body = source.read(HEADER_PREFIX_SIZE, length);
  const decoded = decodeValue(body);
  if (!decoded.ok) {
    throw new UserError('TRACE_FORMAT', `${name}: the trace header at byte 8 is unreadable: ${decoded.reason}`);
  }
  let header: TraceHeader;
  try {
    header = toHeader(decoded.value, name);
  } catch (error) {
    if (!(error instanceof Malformed)) throw error;
    throw new UserError('TRACE_FORMAT', `${name}: the trace header at byte 8 is malformed: ${error.message}`, {
      cause: error,
    });
  }
  if (header.format >= HEADER_CRC_FORMAT) {
    if (size - end < HEADER_CRC_SIZE) {
      throw new UserError(
        'TRACE_FORMAT',
        `${name}: trace header cut short: its CRC32 at byte ${end} is incomplete, the file ends at byte ${size}`,
      );
    }
    const stored = view(source.read(end, HEADER_CRC_SIZE)).getUint32(0, true);
    const computed = crc32(body);
    if (stored !== computed) {
      throw new UserError(
        'TRACE_CORRUPT',
        `${name}: the trace header at byte 8 is damaged: the CRC32 of its ${length} bytes is 0x${hex8(computed)}, ` +
          `the trace says 0x${hex8(stored)} (at byte ${end})`,
      );
    }
    end += HEADER_CRC_SIZE;
  }
  if (sha256Hex(header.program.source) !== header.program.hash) {
    throw new UserError(
      'TRACE_CORRUPT',
      `${name}: the trace header at byte 8 is damaged: the program source does not match its SHA-256 ` +
        `(${header.program.hash.slice(0, 12)}...)`,
    );
  }
  return { header, end };
}

function toHeader(value: Plain, name: string): TraceHeader {
  const h = expectObject(value, 'the header');
  // Versions first: a newer format may have a different header.
  const format = field(h, 'format');
  if (!Number.isSafeInteger(format)) throw new Malformed(`"format" should be an integer, found ${show(format)}`);
  if (!READABLE_FORMATS.includes(format as number)) {
    throw new UserError(
      'TRACE_VERSION',
      `${name}: trace format ${format as number} is not readable by this pymemsim (engine ${ENGINE_VERSION} reads ` +
        `formats ${READABLE_FORMATS.slice(0, -1).join(', ')} and ${READABLE_FORMATS.at(-1) ?? ''})${(format as number) > FORMAT_VERSION ? '; upgrade pymemsim to open it' : ''}`,
    );
  }
  const engine = str(h, 'engine', 'the header');
  const schema = field(h, 'schema');
  if (!Number.isSafeInteger(schema)) throw new Malformed(`"schema" should be an integer, found ${show(schema)}`);
  if (!isReadableSchema(schema as number)) {
    const newer = (schema as number) > EVENT_SCHEMA_VERSION;
    throw new UserError(
      'TRACE_VERSION',
      newer
        ? `${name}: the trace's events use schema ${schema as number}, newer than this pymemsim understands ` +
            `(engine ${ENGINE_VERSION} reads schemas ${FIRST_SCHEMA} to ${EVENT_SCHEMA_VERSION}); it was written by ` +
            `engine ${engine}: open it with that version of pymemsim or a newer one`
        : `${name}: the trace's events use schema ${schema as number}, which no pymemsim wrote ` +
            `(schemas start at ${FIRST_SCHEMA})`,
    );
  }
  const program = expectObject(field(h, 'program'), 'the header.program');
  const gc = expectObject(field(h, 'gc'), 'the header.gc');
  const thresholds = field(gc, 'thresholds');
  if (!Array.isArray(thresholds) || thresholds.length !== 3 || !thresholds.every(isNat)) {
    throw new Malformed(`"gc.thresholds" should be three non-negative integers, found ${show(thresholds)}`);
  }
  const [t0, t1, t2] = thresholds as readonly number[];
  return {
    format: format as number,
    schema: schema as number,
    engine,
    cpython: str(h, 'cpython', 'the header'),
    program: {
      path: str(program, 'path', 'program'),
      source: str(program, 'source', 'program'),
      hash: str(program, 'hash', 'program'),
    },
    gc: { thresholds: [t0 ?? 0, t1 ?? 0, t2 ?? 0] },
    createdBy: str(h, 'createdBy', 'the header'),
  };
}

/** One record read at `offset`, or why none could be. */
export type RecordRead =
  | {
      readonly ok: true;
      readonly tag: RecordTag;
      readonly payload: Uint8Array;
      /** The offset of the payload. */
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly ok: false;
      /** The file ends inside the record (cut short) rather than holding wrong bytes. */
      readonly cut: boolean;
      readonly problem: string;
    };

/**
 * Read the record starting at `offset` (< limit), checking its length and CRC; the
 * record must end by `limit` (default: the end of the source).
 */
export function readRecord(input: Uint8Array | ByteSource, offset: number, limit?: number): RecordRead {
  const source = toSource(input);
  const size = limit ?? source.size;
  const head = source.read(offset, Math.min(RECORD_HEADER_SIZE, Math.max(0, size - offset)));
  const tag = head[0] ?? -1;
  if (!isTag(tag)) {
    return { ok: false, cut: false, problem: `byte ${offset} holds 0x${hex2(tag)}, which is not a record tag` };
  }
  const remaining = size - offset;
  if (remaining < RECORD_HEADER_SIZE) {
    return {
      ok: false,
      cut: true,
      problem:
        `the ${tagName(tag)} record at byte ${offset} is cut short: its ${RECORD_HEADER_SIZE}-byte record header ` +
        `has only ${remaining} byte(s) before the end of the file`,
    };
  }
  const v = view(head);
  const length = v.getUint32(1, true);
  const stored = v.getUint32(5, true);
  const start = offset + RECORD_HEADER_SIZE;
  if (length > size - start) {
    return {
      ok: false,
      cut: true,
      problem:
        `the ${tagName(tag)} record at byte ${offset} is cut short: it declares ${length} payload bytes ` +
        `but only ${size - start} remain`,
    };
  }
  const payload = source.read(start, length);
  const computed = crc32(payload);
  if (computed !== stored) {
    return {
      ok: false,
      cut: false,
      problem:
        `the ${tagName(tag)} record at byte ${offset} is damaged: the CRC32 of its ${length} payload bytes ` +
        `(bytes ${start} to ${start + length - 1}) is 0x${hex8(computed)}, the record says 0x${hex8(stored)}`,
    };
  }
  return { ok: true, tag, payload, start, end: start + length };
}

/** The payload of an 'E' record as a chunk of current-schema events. Throws `Malformed`. */
export function toEventChunk(value: Plain, schema: number): EventChunk {
  const c = expectObject(value, 'the chunk');
  const first = nat(c, 'first', 'the chunk');
  const count = nat(c, 'count', 'the chunk');
  const raw = field(c, 'events');
  if (!Array.isArray(raw)) throw new Malformed(`the chunk's "events" should be an array, found ${show(raw)}`);
  const list = raw as readonly Plain[];
  if (list.length !== count) {
    throw new Malformed(`the chunk says it holds ${count} events but its "events" has ${list.length}`);
  }
  const events = list.map((e, i) => toMemEvent(upcast(e, schema), `event ${first + i}`));
  return { first, count, events };
}

/**
 * The payload of a 'C' record of format 1. Format 1 (msgpack) did not record which maps
 * have no prototype; the fold keys two kinds of map by Python names (`roots`, and each
 * frame's `vars`) and relies on them having none (a name may be `__proto__`), so those
 * come back without one. Format 2 records prototypes (packed.ts).
 */
export function toCheckpoint(value: Plain): CheckpointRecord {
  const c = expectObject(value, 'the checkpoint');
  const seq = nat(c, 'seq', 'the checkpoint');
  const state = toCheckpointState(seq, field(c, 'state')) as unknown as Record<string, unknown>;
  const bare = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
    const out = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      Object.defineProperty(out, key, {
        value: (v as Record<string, unknown>)[key],
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  const roots = bare(state['roots']);
  const frames = state['frames'];
  const fixedFrames: Record<string, unknown> = {};
  if (typeof frames === 'object' && frames !== null) {
    for (const key of Object.keys(frames)) {
      const frame = (frames as Record<string, unknown>)[key];
      fixedFrames[key] =
        typeof frame === 'object' && frame !== null && !Array.isArray(frame)
          ? { ...frame, vars: bare((frame as Record<string, unknown>)['vars']) }
          : frame;
    }
  }
  return { seq, state: { ...state, roots, frames: fixedFrames } as unknown as HeapState };
}

/**
 * A checkpoint's state, checked shallowly: a map holding every field of an empty heap
 * with a value of the same kind (map, array, number ...), and `seq` equal to the
 * checkpoint's. Replay checks a state by its hash; the timeline folds from it, turning
 * any failure into TRACE_CORRUPT.
 */
export function toCheckpointState(seq: number, value: Plain | undefined): HeapState {
  const state = expectObject(value, 'the checkpoint.state');
  if (field(state, 'seq') !== seq) {
    throw new Malformed(`the checkpoint is for event ${seq} but its state is at ${show(field(state, 'seq'))}`);
  }
  const empty = emptyHeap() as unknown as Record<string, unknown>;
  for (const key of Object.keys(empty)) {
    const want = kindOf(empty[key]);
    const found = kindOf(field(state, key));
    if (want !== found) throw new Malformed(`the checkpoint.state's "${key}" should be ${want}, found ${found}`);
  }
  return state as unknown as HeapState;
}

const kindOf = (v: unknown): string =>
  v === undefined
    ? 'nothing'
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'an array'
        : typeof v === 'object'
          ? 'a map'
          : `a ${typeof v}`;

/** The payload of an 'F' record. */
export function toFooter(value: Plain): Footer {
  const f = expectObject(value, 'the footer');
  const entries = (key: string): readonly PlainObject[] => {
    const list = field(f, key);
    if (!Array.isArray(list)) throw new Malformed(`the footer's "${key}" should be an array, found ${show(list)}`);
    return (list as readonly Plain[]).map((e, i) => expectObject(e, `the footer's ${key}[${i}]`));
  };
  return {
    events: nat(f, 'events', 'the footer'),
    chunks: entries('chunks').map((e, i) => {
      const where = `the footer's chunks[${i}]`;
      return { offset: nat(e, 'offset', where), first: nat(e, 'first', where), count: nat(e, 'count', where) };
    }),
    checkpoints: entries('checkpoints').map((e, i) => {
      const where = `the footer's checkpoints[${i}]`;
      return { offset: nat(e, 'offset', where), seq: nat(e, 'seq', where) };
    }),
    finalHash: str(f, 'finalHash', 'the footer'),
    ...(field(f, 'userCodeEnd') !== undefined ? { userCodeEnd: nat(f, 'userCodeEnd', 'the footer') } : {}),
  };
}

/** Decode a record's payload, turning a decoding failure into `Malformed`. */
export function decodePayload(payload: Uint8Array): Plain {
  const decoded = decodeValue(payload);
  if (!decoded.ok) throw new Malformed(decoded.reason);
  return decoded.value;
}

// ---------------------------------------------------------------------------------
// Helpers

const view = (bytes: Uint8Array): DataView => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const field = (obj: PlainObject, key: string): Plain | undefined => (Object.hasOwn(obj, key) ? obj[key] : undefined);

const isNat = (v: Plain | undefined): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

function nat(obj: PlainObject, key: string, where: string): number {
  const v = field(obj, key);
  if (!isNat(v)) throw new Malformed(`${where}'s "${key}" should be a non-negative integer, found ${show(v)}`);
  return v as number;
}

function str(obj: PlainObject, key: string, where: string): string {
  const v = field(obj, key);
  if (typeof v !== 'string') throw new Malformed(`${where}'s "${key}" should be a string, found ${show(v)}`);
  return v;
}

export function startsWith(bytes: Uint8Array, prefix: Uint8Array, at: number): boolean {
  if (bytes.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

const hex2 = (n: number): string => (n < 0 ? '--' : n.toString(16).toUpperCase().padStart(2, '0'));
const hex8 = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');

function describeBytes(bytes: Uint8Array): string {
  const hex = Array.from(bytes, hex2).join(' ');
  const text = Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return `${hex} ("${text}")`;
}

export { view as dataView };
