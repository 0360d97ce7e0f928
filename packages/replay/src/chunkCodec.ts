/*
 * Chunk and checkpoint payloads of format 2
 * =========================================
 * An 'E' or 'C' record of format 2 carries a few uncompressed numbers (so a reader can
 * index a trace without inflating anything), then a packed body (packed.ts) compressed
 * with raw DEFLATE (RFC 1951, zlib's deflateRaw at level DEFLATE_LEVEL):
 *
 *   'E' payload := varint first, varint count, varint n, deflate-raw(body of n bytes)
 *                  body := count events, each a shaped object (shaperef, leaves)
 *   'C' payload := varint seq, varint n, deflate-raw(body of n bytes)
 *                  body := one tagged value: the HeapState after `seq` events
 *
 * Read first: decodeChunk(), then forEachScratchEvent().
 *
 * Two ways to read a chunk:
 * - decodeChunk: fresh, checked events (readTrace, event(n), history, export).
 * - forEachScratchEvent, foldChunk: events for a fold, reusing one scratch object per
 *   shape for the events (packed.ts, shapedInto): no allocation per event. This relies
 *   on applyEvent (core) not keeping a reference to the event it is given, or to any
 *   object inside it, which it does not: it copies what it stores. scratch.test.ts
 *   checks that folding with scratch events gives the state of folding fresh ones.
 *
 * Both check every event against the event schema once per shape (eventSchema.ts,
 * shapeRule) plus the per-event checks that the shape leaves open.
 *
 * Untrusted input: the declared body length n must be at most what DEFLATE can expand
 * the compressed bytes to (MAX_DEFLATE_RATIO) and at most MAX_BODY, the inflation is
 * capped at n bytes and must give exactly n; any failure is a Malformed.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { applyEvent, compactState, type HeapState, type MemEvent } from '@pymemsim/core';
import type { Plain, PlainObject } from './codec.js';
import { EVENT_FIELD_NAMES, checkByRule, shapeRule, toMemEvent, withoutExtra, type ShapeRule } from './eventSchema.js';
import { Malformed } from './malformed.js';
import { MAX_REMEMBERED_SHAPES, PackReader, PackWriter, shapeSignature, type Shape } from './packed.js';
import { needsUpcast, upcast } from './upcast.js';

/** zlib level of format 2 (part of the format: the same trace gives the same bytes). */
export const DEFLATE_LEVEL = 6;
/** zlib's smallest output piece (`zlib.constants.Z_MIN_CHUNK`). */
const MIN_INFLATE_CHUNK = 64;
/** DEFLATE cannot expand data by more than about 1032:1. */
const MAX_DEFLATE_RATIO = 1032;
/** The largest body a record may declare (1 GiB). */
const MAX_BODY = 2 ** 30;

export function encodeChunkPayload(first: number, events: readonly MemEvent[]): Uint8Array {
  const body = new PackWriter();
  for (const event of events) body.object(event);
  return frame([first, events.length], body.bytes());
}

export function encodeCheckpointPayload(seq: number, state: HeapState, compacted?: HeapState): Uint8Array {
  const body = new PackWriter();
  // Without the tables' freed slots (see HeapState.objects): `compacted`, when the caller
  // has it (from a live index, without reading every slot ever used), else compactState.
  body.value(compacted ?? compactState(state));
  return frame([seq], body.bytes());
}

function frame(numbers: readonly number[], body: Uint8Array): Uint8Array {
  const head = new PackWriter();
  for (const n of numbers) head.varint(n);
  head.varint(body.length);
  const compressed = deflateRawSync(body, { level: DEFLATE_LEVEL });
  const out = new Uint8Array(head.length + compressed.length);
  out.set(head.bytes(), 0);
  out.set(compressed, head.length);
  return out;
}

/** The uncompressed numbers of a payload, and where its body starts. */
interface Prefix {
  readonly numbers: readonly number[];
  readonly bodyLength: number;
  readonly at: number;
}

function readPrefix(payload: Uint8Array, count: number, what: string): Prefix {
  const r = new PackReader(payload, what);
  const numbers: number[] = [];
  for (let i = 0; i < count; i++) numbers.push(r.varint());
  const bodyLength = r.varint();
  return { numbers, bodyLength, at: r.offset };
}

function inflate(payload: Uint8Array, prefix: Prefix, what: string): Uint8Array {
  const compressed = payload.length - prefix.at;
  if (prefix.bodyLength > MAX_BODY || prefix.bodyLength > compressed * MAX_DEFLATE_RATIO + 64) {
    throw new Malformed(
      `${what} declares a body of ${prefix.bodyLength} bytes, more than its ${compressed} compressed bytes can hold`,
    );
  }
  let body: Buffer;
  try {
    // One output buffer of the declared size (zlib's default 16 KiB pieces would be joined).
    body = inflateRawSync(payload.subarray(prefix.at), {
      maxOutputLength: Math.max(1, prefix.bodyLength),
      chunkSize: Math.max(MIN_INFLATE_CHUNK, prefix.bodyLength),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Malformed(`${what} is not valid DEFLATE data of ${prefix.bodyLength} bytes (${reason})`);
  }
  if (body.length !== prefix.bodyLength) {
    throw new Malformed(`${what} inflates to ${body.length} bytes, not the ${prefix.bodyLength} it declares`);
  }
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

/** `first` and `count` of an 'E' payload, without inflating it. Throws Malformed. */
export function chunkPrefix(payload: Uint8Array): { first: number; count: number } {
  const { numbers } = readPrefix(payload, 2, 'the chunk');
  return { first: numbers[0] as number, count: numbers[1] as number };
}

/** `seq` of a 'C' payload, without inflating it. Throws Malformed. */
export function checkpointPrefix(payload: Uint8Array): number {
  return readPrefix(payload, 1, 'the checkpoint').numbers[0] as number;
}

/** The body of an 'E' payload, ready to read `count` events from. */
function openChunk(payload: Uint8Array): { first: number; count: number; reader: PackReader } {
  const prefix = readPrefix(payload, 2, 'the chunk');
  const first = prefix.numbers[0] as number;
  const count = prefix.numbers[1] as number;
  const body = inflate(payload, prefix, 'the chunk');
  if (count > body.length) throw new Malformed(`the chunk says it holds ${count} events in ${body.length} bytes`);
  return { first, count, reader: new PackReader(body, `event ${first}...`, EVENT_FIELD_NAMES) };
}

/** Event rules by shape signature (current schema), at most MAX_REMEMBERED_SHAPES of them. */
const KNOWN_RULES = new Map<string, ShapeRule>();

/** Rules per shape of one body (shapes are numbered per body). */
class Rules {
  private readonly rules: (ShapeRule | undefined)[] = [];
  /** Events of this schema need converting (an older schema with a step that changes events). */
  readonly upcasting: boolean;
  constructor(readonly schema: number) {
    this.upcasting = needsUpcast(schema);
  }

  of(shape: Shape, seq: number): ShapeRule {
    let rule = this.rules[shape.index];
    if (rule === undefined) {
      // Worked out once per kind of shape for every body (shapes are renumbered per body).
      const sig = shapeSignature(shape);
      rule = KNOWN_RULES.get(sig);
      if (rule === undefined) {
        rule = shapeRule(shape, `event ${seq}`);
        if (KNOWN_RULES.size < MAX_REMEMBERED_SHAPES) KNOWN_RULES.set(sig, rule);
      }
      this.rules[shape.index] = rule;
    }
    return rule;
  }
}

/** One checked event read from `reader` (fresh objects). */
function readEvent(reader: PackReader, rules: Rules, seq: number): MemEvent {
  const shape = reader.shape();
  if (rules.upcasting) {
    // An older schema: upcast first, then check the result field by field.
    return toMemEvent(upcast(reader.shaped(shape) as Plain, rules.schema), `event ${seq}`);
  }
  const rule = rules.of(shape, seq);
  const event = reader.shaped(shape) as PlainObject;
  checkByRule(rule, event, () => `event ${seq}`);
  return rule.extra ? withoutExtra(rule, event) : (event as unknown as MemEvent);
}

/** The checked events of an 'E' payload of format 2. Throws Malformed. */
export function decodeChunk(payload: Uint8Array, schema: number): { first: number; count: number; events: MemEvent[] } {
  const { first, count, reader } = openChunk(payload);
  const rules = new Rules(schema);
  const events: MemEvent[] = new Array<MemEvent>(count);
  for (let i = 0; i < count; i++) events[i] = readEvent(reader, rules, first + i);
  if (!reader.done) reader.fail(`${reader.remaining} bytes follow the last event`);
  return { first, count, events };
}

/**
 * Call `each` with the events `from` to `to` (exclusive, positions in the chunk) of an
 * 'E' payload of format 2, decoded into scratch objects: one per shape, rewritten for
 * every event of that shape (see the header). Events before `from` are decoded (the
 * body is delta-coded) but not passed on. `each` must not keep the event or anything in
 * it; folding them with applyEvent is what it is for. Throws Malformed for a bad event
 * (after passing on the events before it).
 */
export function forEachScratchEvent(
  payload: Uint8Array,
  schema: number,
  from: number,
  to: number,
  each: (event: MemEvent, seq: number) => void,
): void {
  const { first, count, reader } = openChunk(payload);
  const rules = new Rules(schema);
  const end = Math.min(to, count);
  const scratch: (PlainObject | undefined)[] = [];
  for (let i = 0; i < end; i++) {
    const event = scratchEvent(reader, rules, scratch, first + i);
    if (i >= from) each(event, first + i);
  }
}

/**
 * The event at position `at` of an 'E' payload of format 2, a new object of its own: the
 * events before it are decoded into scratch objects (the body is delta-coded), so reading
 * one event of a chunk allocates only that event. Throws Malformed for a bad event.
 */
export function readEventAt(payload: Uint8Array, schema: number, at: number): MemEvent {
  const { first, count, reader } = openChunk(payload);
  if (!(at >= 0 && at < count)) throw new RangeError(`event ${at} of a chunk of ${count}`);
  const rules = new Rules(schema);
  const scratch: (PlainObject | undefined)[] = [];
  for (let i = 0; i < at; i++) scratchEvent(reader, rules, scratch, first + i);
  return readEvent(reader, rules, first + at);
}

/** An event that applyEvent refused while a chunk was folded (foldScratchEvents). */
export class NotApplied extends Error {
  constructor(
    readonly seq: number,
    readonly type: string,
    override readonly cause: unknown,
  ) {
    super(`event ${seq} (${type}) cannot be applied`);
  }
}

/**
 * forEachScratchEvent over the whole chunk with applyEvent into `state` as the visit,
 * inline (replay's fold: no call of a visitor per event). An exception from applyEvent
 * comes back as NotApplied, naming the event; a malformed payload throws Malformed.
 */
export function foldScratchEvents(payload: Uint8Array, schema: number, state: HeapState): void {
  const { first, count, reader } = openChunk(payload);
  const rules = new Rules(schema);
  const scratch: (PlainObject | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const event = scratchEvent(reader, rules, scratch, first + i);
    try {
      applyEvent(state, event);
    } catch (error) {
      throw new NotApplied(first + i, event.type, error);
    }
  }
}

/** The next event of a chunk, checked, in the scratch object of its shape. */
function scratchEvent(reader: PackReader, rules: Rules, scratch: (PlainObject | undefined)[], seq: number): MemEvent {
  if (rules.upcasting) return readEvent(reader, rules, seq);
  const shape = reader.shape();
  const rule = rules.of(shape, seq);
  let obj = scratch[shape.index];
  if (obj === undefined) {
    obj = reader.shaped(shape) as PlainObject;
    scratch[shape.index] = obj;
  } else {
    reader.into(shape, obj);
  }
  if (rule.checks.length > 0) checkByRule(rule, obj, () => `event ${seq}`);
  return rule.extra ? withoutExtra(rule, obj) : (obj as unknown as MemEvent);
}

/** Fold all the events of an 'E' payload of format 2 into `state` (scratch decoding). Throws Malformed. */
export function foldChunk(state: HeapState, payload: Uint8Array, schema: number): void {
  forEachScratchEvent(payload, schema, 0, Infinity, (event) => applyEvent(state, event));
}

/** The state of a 'C' payload of format 2 (checked shallowly, like format 1). Throws Malformed. */
export function decodeCheckpointState(payload: Uint8Array): { seq: number; state: Plain } {
  const prefix = readPrefix(payload, 1, 'the checkpoint');
  const seq = prefix.numbers[0] as number;
  const body = inflate(payload, prefix, 'the checkpoint');
  const reader = new PackReader(body, 'the checkpoint');
  const state = reader.value() as Plain;
  if (!reader.done) reader.fail(`${reader.remaining} bytes follow the state`);
  return { seq, state };
}
