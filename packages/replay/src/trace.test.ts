import {
  ENGINE_VERSION,
  EVENT_SCHEMA_VERSION,
  Runtime,
  UserError,
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
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeCheckpointPayload, encodeChunkPayload } from './chunkCodec.js';
import { crc32, encodeValue } from './codec.js';
import { concatBytes, encodeTrace } from './encoder.js';
import { COMMON_FIELDS, EVENT_FIELDS } from './eventSchema.js';
import {
  FORMAT_VERSION,
  HEADER_CRC_SIZE,
  HEADER_PREFIX_SIZE,
  MAGIC,
  END_MAGIC,
  RECORD_HEADER_SIZE,
  TAG_CHECKPOINT,
  TAG_EVENTS,
  TAG_FOOTER,
  encodeHeader,
  encodeRawRecord,
  encodeRecord,
  encodeTrailer,
  readRecord,
  traceHeader,
  type TraceHeader,
} from './format.js';
import { events$, indexTrace, readFooter, readTrace, type TraceContents } from './reader.js';
import { replayIndex, replayTrace } from './replay.js';
import { Timeline } from './timeline.js';
import { fileSource } from './source.js';
import { stateDifferences } from './diff.js';
import { upcast } from './upcast.js';

const program = { path: 'prog.py', source: 'a = []\ndel a\nprint("hé")\n' };

/** The events of the worked example of README.md: `a = []`, then `del a`. */
const WORKED_EXAMPLE = [
  { type: 'FrameEntered', frame: 1, name: '<module>' },
  { type: 'LineExecuted', line: 1 },
  {
    type: 'ObjectAllocated',
    id: 1,
    pyType: 'list',
    kind: 'list',
    size: 56,
    addr: 0x7f0000001040,
    gc: true,
    repr: '[]',
    holder: { kind: 'frame', frame: 1, name: 'a' },
  },
  { type: 'ObjectTracked', id: 1 },
  { type: 'LineExecuted', line: 2 },
  { type: 'RefDecremented', id: 1, holder: { kind: 'frame', frame: 1, name: 'a' } },
  { type: 'DeallocStarted', id: 1 },
  { type: 'ObjectUntracked', id: 1 },
  { type: 'ObjectFreed', id: 1, to: 'allocator' },
] as unknown as MemEvent[];

const WORKED_EXAMPLE_LAYOUT = {
  length: 675,
  headerLength: 200,
  chunks: [212, 409],
  footerOffset: 546,
  firstChunk: '45bc000000972c08560005d60125ce3d',
  secondChunk: '458000000029b0017c05049d01258c41',
};
const header = traceHeader(program);

/** A small run of the real runtime: frames, containers, a cycle collected by the GC, output. */
function sampleRun(): { events: MemEvent[]; final: ReturnType<typeof emptyHeap> } {
  const rt = new Runtime({ record: true });
  const f = rt.enterFrame('<module>');
  const v = (name: string): Holder => ({ kind: 'frame', frame: f, name });
  rt.line(1);
  const a = rt.allocate({ pyType: 'list', kind: 'list', size: 56, repr: '[]' }, v('a'));
  const n = rt.allocate(
    { pyType: 'int', kind: 'int', size: 28, repr: '1000' },
    { kind: 'object', owner: a, slot: 'item' },
  );
  rt.incref(n, { kind: 'stack', frame: f });
  rt.decref(n, { kind: 'stack', frame: f });
  rt.line(2);
  rt.decref(a, v('a'));
  rt.line(3);
  const b = rt.allocate({ pyType: 'list', kind: 'list', size: 56, repr: '[]' }, v('b'));
  rt.incref(b, { kind: 'object', owner: b, slot: 'item' }); // b.append(b)
  const weird = rt.allocate({ pyType: 'str', kind: 'str', size: 50, repr: "'x'" }, v('__proto__'));
  rt.decref(weird, v('__proto__'));
  rt.decref(b, v('b'));
  rt.collect(2);
  rt.output('hé\n');
  rt.exitFrame(f);
  return { events: [...(rt.log ?? [])], final: rt.state };
}

const expectUserError = (fn: () => unknown, code: string): UserError => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe(code);
    return error as UserError;
  }
  throw new Error('expected a UserError');
};

/** An 'E' record of format 2 holding `events` (any objects: crafted ones too) from `first`. */
const chunkRecord = (first: number, events: readonly unknown[]): Uint8Array =>
  encodeRawRecord(TAG_EVENTS, encodeChunkPayload(first, events as readonly MemEvent[]));

/**
 * A trace of format 1 (msgpack chunks and checkpoints), as pymemsim 0.1.0 wrote them:
 * the reader keeps opening them.
 */
function encodeTraceV1(
  head: TraceHeader,
  events: readonly MemEvent[],
  chunkSize: number,
  checkpointEvery = 0,
): Uint8Array {
  const parts: Uint8Array[] = [encodeHeader({ ...head, format: 1 })];
  let offset = parts[0]?.length ?? 0;
  const chunks: { offset: number; first: number; count: number }[] = [];
  const checkpoints: { offset: number; seq: number }[] = [];
  const state = emptyHeap();
  let first = 0;
  const push = (bytes: Uint8Array): void => {
    parts.push(bytes);
    offset += bytes.length;
  };
  for (let i = 0; i < events.length; i += chunkSize) {
    const part = events.slice(i, i + chunkSize);
    chunks.push({ offset, first, count: part.length });
    push(encodeRecord(TAG_EVENTS, { first, count: part.length, events: part }));
    foldPlain(state, part);
    first += part.length;
    if (checkpointEvery > 0 && first % checkpointEvery === 0 && first < events.length) {
      checkpoints.push({ offset, seq: first });
      push(encodeRecord(TAG_CHECKPOINT, { seq: first, state }));
    }
  }
  const footerOffset = offset;
  push(encodeRecord(TAG_FOOTER, { events: events.length, chunks, checkpoints, finalHash: hashState(state) }));
  push(encodeTrailer(footerOffset));
  return concatBytes(parts);
}

// ---------------------------------------------------------------------------------
// Arbitrary events, derived from the schema table (so every type and field is covered).

const nat = fc.nat({ max: 2 ** 40 });
const holder: fc.Arbitrary<Holder> = fc.oneof(
  fc.record(
    { kind: fc.constant('object'), owner: nat.map((n) => n as ObjectId), slot: fc.string(), at: fc.integer() },
    { requiredKeys: ['kind', 'owner', 'slot'] },
  ),
  fc.record({ kind: fc.constant('frame'), frame: nat.map((n) => n as FrameId), name: fc.string() }),
  fc.record({ kind: fc.constant('stack'), frame: nat.map((n) => n as FrameId) }),
  fc.record({ kind: fc.constant('root'), name: fc.constantFrom('interned', '__proto__', 'None', 'constructor') }),
) as fc.Arbitrary<Holder>;

type Kind = string | readonly string[];
const kindArb = (kind: Kind): fc.Arbitrary<unknown> => {
  if (typeof kind !== 'string') return fc.constantFrom(...kind);
  switch (kind) {
    case 'id':
      return fc.nat({ max: 2 ** 31 });
    case 'nat':
      return fc.oneof(fc.nat(), fc.constant(0x7f0000000000), fc.constant(Number.MAX_SAFE_INTEGER));
    case 'int':
      return fc.integer();
    case 'str':
      return fc.string({ unit: 'binary', maxLength: 20 });
    case 'bool':
      return fc.boolean();
    case 'gen':
      return fc.constantFrom(0, 1, 2);
    case 'ids':
      return fc.array(fc.nat(), { maxLength: 5 });
    case 'thresholds':
      return fc.tuple(fc.nat(), fc.nat(), fc.nat());
    case 'holder':
      return holder;
    default:
      throw new Error(`no arbitrary for ${kind}`);
  }
};

export const anyEvent: fc.Arbitrary<MemEvent> = fc.oneof(
  ...Object.entries(EVENT_FIELDS).map(([type, fields]) => {
    const model: Record<string, fc.Arbitrary<unknown>> = { type: fc.constant(type) };
    const required = ['type'];
    const all = { ...fields, ...COMMON_FIELDS };
    for (const [name, spec] of Object.entries(all as Record<string, Kind | { optional: Kind }>)) {
      const optional = typeof spec === 'object' && !Array.isArray(spec);
      model[name] = kindArb(optional ? (spec as { optional: Kind }).optional : (spec as Kind));
      if (!optional) required.push(name);
    }
    return fc.record(model, { requiredKeys: required }) as fc.Arbitrary<unknown> as fc.Arbitrary<MemEvent>;
  }),
);

// ---------------------------------------------------------------------------------

describe('write then read', () => {
  it('is lossless for arbitrary event lists', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), (events, chunkSize) => {
        // Arbitrary events need not fold meaningfully: hash a given state instead of folding.
        const bytes = encodeTrace(header, events, { chunkSize, fold: false, finalState: emptyHeap() });
        const contents = readTrace(bytes, 't.pmt', { recover: false });
        expect(contents.events).toEqual(events);
        expect(contents.header).toEqual(header);
        expect(contents.footer?.events).toBe(events.length);
        expect(contents.footer?.chunks.length).toBe(Math.ceil(events.length / chunkSize));
        expect(contents.recovered).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('reads a run of the runtime back and replays it to the same state', () => {
    const { events, final } = sampleRun();
    const bytes = encodeTrace(header, events, { chunkSize: 5 });
    const contents = readTrace(bytes, 'run.pmt');
    expect(contents.events).toEqual(events);
    expect(contents.recovered).toBeUndefined();
    expect(contents.footer?.finalHash).toBe(hashState(final));
    const result = replayTrace(contents);
    expect(result).toMatchObject({ ok: true, events: events.length, expected: hashState(final) });
    expect(result.actual).toBe(hashState(final));
  });

  it('is reproducible byte for byte', () => {
    const a = encodeTrace(traceHeader(program), sampleRun().events, { chunkSize: 4, checkpointEvery: 6 });
    const b = encodeTrace(traceHeader(program), sampleRun().events, { chunkSize: 4, checkpointEvery: 6 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('stores checkpoints equal to the fold of the events before them', () => {
    const { events, final } = sampleRun();
    const bytes = encodeTrace(header, events, { chunkSize: 4, checkpointEvery: 6, checkpointBudget: Infinity });
    const contents = readTrace(bytes, 'cp.pmt', { recover: false });
    expect(contents.checkpoints.map((c) => c.seq)).toEqual(
      Array.from({ length: Math.floor(events.length / 6) }, (_, i) => (i + 1) * 6),
    );
    for (const cp of contents.checkpoints) {
      expect(hashState(cp.state)).toBe(hashState(foldPlain(emptyHeap(), events.slice(0, cp.seq))));
    }
    expect(contents.footer?.checkpoints.map((c) => c.seq)).toEqual(contents.checkpoints.map((c) => c.seq));
    expect(replayTrace(contents).actual).toBe(hashState(final));
  });

  it('finds the footer through the end marker', () => {
    const bytes = encodeTrace(header, sampleRun().events, { chunkSize: 3 });
    expect(readFooter(bytes, 'f.pmt')).toEqual(readTrace(bytes, 'f.pmt').footer);
    expect(readFooter(bytes.subarray(0, bytes.length - 1), 'f.pmt')).toBeUndefined();
  });

  it('streams the events', async () => {
    const { events } = sampleRun();
    const bytes = encodeTrace(header, events, { chunkSize: 3 });
    expect(await lastValueFrom(events$(bytes, 's.pmt').pipe(toArray()))).toEqual(events);
    expect(await firstValueFrom(events$(bytes, 's.pmt'))).toEqual(events[0]);
  });

  it('matches the worked example of README.md (update the README when this changes)', () => {
    const bytes = encodeTrace(traceHeader({ path: 'a.py', source: 'a = []\ndel a\n' }), WORKED_EXAMPLE, {
      chunkSize: 5,
      finalState: emptyHeap(),
    });
    const contents = readTrace(bytes, 'a.pmt', { recover: false });
    expect(contents.events).toEqual(WORKED_EXAMPLE);
    const hex = (from: number, to: number): string => Buffer.from(bytes.subarray(from, to)).toString('hex');
    const footerOffset = new DataView(bytes.buffer).getUint32(bytes.length - 8, true);
    const [c0, c1] = contents.footer?.chunks ?? [];
    const layout = {
      length: bytes.length,
      headerLength: new DataView(bytes.buffer).getUint32(4, true),
      chunks: contents.footer?.chunks.map((c) => c.offset),
      footerOffset,
      firstChunk: hex(c0?.offset ?? 0, (c0?.offset ?? 0) + 16),
      secondChunk: hex(c1?.offset ?? 0, (c1?.offset ?? 0) + 16),
    };
    expect(layout).toEqual(WORKED_EXAMPLE_LAYOUT);
  });

  it('lays out the bytes as README.md says', () => {
    expect(String.fromCharCode(...MAGIC)).toBe('PMT1');
    expect(String.fromCharCode(...END_MAGIC)).toBe('PMTE');
    expect([TAG_EVENTS, TAG_CHECKPOINT, TAG_FOOTER].map((t) => String.fromCharCode(t))).toEqual(['E', 'C', 'F']);
    const events = sampleRun().events.slice(0, 3);
    const bytes = encodeTrace(header, events, { chunkSize: 2 });
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerLength = v.getUint32(4, true);
    // Format 3: the header's CRC32 follows it.
    expect(v.getUint32(HEADER_PREFIX_SIZE + headerLength, true)).toBe(
      crc32(bytes.subarray(HEADER_PREFIX_SIZE, HEADER_PREFIX_SIZE + headerLength)),
    );
    const firstRecord = HEADER_PREFIX_SIZE + headerLength + HEADER_CRC_SIZE;
    expect(bytes[firstRecord]).toBe(TAG_EVENTS);
    const footerOffset = v.getUint32(bytes.length - 8, true);
    expect(bytes[footerOffset]).toBe(TAG_FOOTER);
    const footer = readRecord(bytes, footerOffset);
    expect(footer.ok && footer.end).toBe(bytes.length - 8);
    const contents = readTrace(bytes, 'l.pmt');
    expect(contents.footer?.chunks).toEqual([
      { offset: firstRecord, first: 0, count: 2 },
      { offset: expect.any(Number) as number, first: 2, count: 1 },
    ]);
  });
});

// ---------------------------------------------------------------------------------

/** The event counts a recovered trace may hold: 0 and every chunk boundary. */
function boundaries(contents: TraceContents): number[] {
  return [0, ...(contents.footer?.chunks.map((c) => c.first + c.count) ?? [])];
}

describe('damaged traces', () => {
  const { events } = sampleRun();
  const full = encodeTrace(header, events, { chunkSize: 4, checkpointEvery: 10 });
  const complete = readTrace(full, 'full.pmt', { recover: false });

  it('cut at every byte either recovers whole chunks or names the byte offset', { timeout: 60_000 }, async () => {
    const headerEnd = complete.footer?.chunks[0]?.offset ?? 0;
    for (let cut = 0; cut <= full.length; cut++) {
      const bytes = full.slice(0, cut);
      let contents: TraceContents;
      try {
        contents = readTrace(bytes, 'cut.pmt');
      } catch (error) {
        expect(error, `cut at ${cut}`).toBeInstanceOf(UserError);
        expect((error as UserError).code).toBe('TRACE_FORMAT');
        expect((error as UserError).message).toMatch(/byte \d+/);
        expect(cut).toBeLessThan(headerEnd);
        continue;
      }
      expect(cut).toBeGreaterThanOrEqual(headerEnd);
      expect(boundaries(complete)).toContain(contents.events.length);
      expect(contents.events).toEqual(events.slice(0, contents.events.length));
      if (cut === full.length) {
        expect(contents.recovered).toBeUndefined();
      } else {
        expect(contents.recovered?.message).toMatch(/byte \d+/);
        expect(contents.recovered?.lostFromOffset).toBeLessThanOrEqual(cut);
        expect(() => readTrace(bytes, 'cut.pmt', { recover: false })).toThrow(UserError);
        // The stream emits the same prefix, then errors.
        const seen: MemEvent[] = [];
        const failure = await new Promise<unknown>((resolve) => {
          events$(bytes, 'cut.pmt').subscribe({
            next: (e) => seen.push(e),
            error: resolve,
            complete: () => resolve(undefined),
          });
        });
        expect(seen).toEqual(contents.events);
        expect(failure).toBeInstanceOf(UserError);
      }
      // Only a cut inside the end marker keeps the footer.
      if (contents.footer !== undefined) expect(contents.events).toEqual(events);
    }
  });

  it('a bit flip in a chunk is caught by its CRC and reported with its offset', () => {
    const chunks = complete.footer?.chunks ?? [];
    const second = chunks[1];
    const third = chunks[2];
    if (second === undefined || third === undefined) throw new Error('expected several chunks');
    for (let at = second.offset + RECORD_HEADER_SIZE; at < third.offset; at++) {
      for (const bit of [0, 3, 7]) {
        const bytes = full.slice();
        bytes[at] = (bytes[at] ?? 0) ^ (1 << bit);
        const contents = readTrace(bytes, 'flip.pmt');
        expect(contents.events).toEqual(events.slice(0, second.first));
        expect(contents.recovered?.lostFromOffset).toBe(second.offset);
        expect(contents.recovered?.message).toContain(`record at byte ${second.offset} is damaged: the CRC32`);
        expect(contents.footer).toBeUndefined();
        const strict = expectUserError(() => readTrace(bytes, 'flip.pmt', { recover: false }), 'TRACE_CORRUPT');
        expect(strict.message).toContain(`byte ${second.offset}`);
      }
    }
  });

  it('random damage anywhere gives a prefix of the events or a UserError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: full.length - 1 }), fc.integer({ min: 1, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (flips) => {
          const bytes = full.slice();
          for (const [at, mask] of flips) bytes[at] = (bytes[at] ?? 0) ^ mask;
          try {
            const contents = readTrace(bytes, 'fuzz.pmt');
            expect(contents.events).toEqual(events.slice(0, contents.events.length));
            replayTrace(contents);
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('random bytes, alone or after a valid header, are refused or recovered: never a crash', () => {
    const head = encodeHeader(header);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (junk, afterHeader) => {
        const bytes = afterHeader ? concatBytes([head, junk]) : junk;
        for (const open of [
          () => readTrace(bytes, 'junk.pmt').events.length,
          () => Timeline.open(bytes, 'junk.pmt').length,
        ]) {
          try {
            expect(open()).toBeGreaterThanOrEqual(0);
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            expect((error as UserError).message).toMatch(/byte \d+/);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('records whose lengths are absurd are refused by the bytes that remain, not allocated', () => {
    const head = encodeHeader(header);
    for (const length of [0xffff_ffff, 0x8000_0000, 2 ** 24]) {
      const record = new Uint8Array(RECORD_HEADER_SIZE + 4);
      record[0] = TAG_EVENTS;
      new DataView(record.buffer).setUint32(1, length, true);
      const contents = readTrace(concatBytes([head, record]), 'absurd.pmt');
      expect(contents.events).toEqual([]);
      expect(contents.recovered?.message).toContain(`declares ${length} payload bytes but only 4 remain`);
    }
    const hugeHeader = concatBytes([MAGIC, Uint8Array.of(0xff, 0xff, 0xff, 0xff), Uint8Array.of(1, 2, 3)]);
    expect(() => readTrace(hugeHeader, 'absurd.pmt')).toThrow(/declares 4294967295 bytes but only 3 remain/);
  });

  it('a trace without footer opens with its chunks and says so', () => {
    const footerOffset = complete.footer === undefined ? 0 : new DataView(full.buffer).getUint32(full.length - 8, true);
    const contents = readTrace(full.subarray(0, footerOffset), 'nofooter.pmt');
    expect(contents.events).toEqual(events);
    expect(contents.footer).toBeUndefined();
    expect(contents.recovered?.message).toContain(`ends at byte ${footerOffset} without its footer`);
    expect(replayTrace(contents)).toMatchObject({ ok: false, expected: undefined });
  });

  it('a footer that disagrees with the records is ignored', () => {
    const chunk = chunkRecord(0, events.slice(0, 2));
    const head = encodeHeader(header);
    const footer = encodeRecord(TAG_FOOTER, {
      events: 3,
      chunks: [{ offset: head.length, first: 0, count: 2 }],
      checkpoints: [],
      finalHash: 'x',
    });
    const bytes = concatBytes([head, chunk, footer, encodeTrailer(head.length + chunk.length)]);
    const contents = readTrace(bytes, 'lying.pmt');
    expect(contents.events).toEqual(events.slice(0, 2));
    expect(contents.footer).toBeUndefined();
    expect(contents.recovered?.message).toContain('counts 3 events, the chunks hold 2');
  });

  it('a gap between chunks stops the reading', () => {
    const head = encodeHeader(header);
    const bytes = concatBytes([head, chunkRecord(0, events.slice(0, 1)), chunkRecord(2, events.slice(2, 3))]);
    const contents = readTrace(bytes, 'gap.pmt');
    expect(contents.events).toEqual(events.slice(0, 1));
    expect(contents.recovered?.message).toContain('starts at event 2, but 1 events come before it');
  });

  it('bytes after the end marker are reported but lose nothing', () => {
    const contents = readTrace(concatBytes([full, Uint8Array.of(1, 2, 3)]), 'extra.pmt');
    expect(contents.events).toEqual(events);
    expect(contents.footer).toEqual(complete.footer);
    expect(contents.recovered).toEqual({
      message: expect.stringContaining('3 unexpected byte(s) after the end marker') as string,
      lostFromOffset: full.length,
    });
  });

  it('an event of an unknown type or shape is reported, not passed on', () => {
    const head = encodeHeader(header);
    for (const bad of [
      { type: 'ObjectExploded', id: 1 },
      { type: 'ObjectFreed', id: 1, to: 'nowhere' },
      { type: 'GcStarted', generation: 7, reason: 'manual' },
      { type: 'RefIncremented', id: 1, holder: { kind: 'frame', frame: 1 } },
      { type: 'RefIncremented', id: -1, holder: { kind: 'root', name: 'x' } },
      { type: 'LineExecuted' },
      { type: 'LineExecuted', line: -3 },
      { type: 'LineExecuted', line: 1.5 },
      { type: 'GcUnreachableFound', generation: 0, ids: [1, -2] },
      { type: 'GcConfigChanged', thresholds: [1, 2] },
      {
        type: 'ObjectAllocated',
        id: 3,
        pyType: 'list',
        kind: 'list',
        size: 1,
        addr: 2,
        gc: 'yes',
        repr: '',
        holder: { kind: 'root', name: 'x' },
      },
      { type: 'RefMoved', id: 1, from: { kind: 'stack', frame: 1 }, to: { kind: 'object', owner: 2 } },
      { type: 'RefIncremented', id: 1, holder: { kind: 'object', owner: 2, slot: 'item', at: 'end' } },
      { type: '__proto__', id: 1 },
      { notype: true },
      'LineExecuted',
    ]) {
      for (const [bytes, offset] of [
        [concatBytes([head, chunkRecord(0, [events[0], bad])]), head.length],
        [encodeTraceV1ish(bad), encodeHeader({ ...header, format: 1 }).length],
      ] as const) {
        const contents = readTrace(bytes, 'bad.pmt');
        expect(contents.events).toEqual([]);
        expect(contents.recovered?.message).toMatch(new RegExp(`record at byte ${offset} is malformed: event 1`));
        // The timeline finds it when it decodes the chunk, and names the record's offset.
        const index = indexTrace(bytes, 'bad.pmt');
        if (index.chunks.length > 0) {
          const t = Timeline.open(bytes, 'bad.pmt');
          const error = expectUserError(() => t.stateAt(1), 'TRACE_CORRUPT');
          expect(error.message).toMatch(new RegExp(`record at byte ${offset} is malformed: event 1`));
        }
      }
    }

    /** The same crafted chunk in format 1 (msgpack). */
    function encodeTraceV1ish(bad: unknown): Uint8Array {
      return concatBytes([
        encodeHeader({ ...header, format: 1 }),
        encodeRecord(TAG_EVENTS, { first: 0, count: 2, events: [events[0], bad] }),
      ]);
    }
  });

  it('a chunk whose prefix, body length or DEFLATE data lies is reported with its offset', () => {
    const head = encodeHeader(header);
    const good = encodeChunkPayload(0, events.slice(0, 3));
    const variants: Uint8Array[] = [
      Uint8Array.of(0x00), // first, then nothing
      Uint8Array.of(0x00, 0x03, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00), // a body of 4 GiB from 1 byte
      Uint8Array.of(0x00, 0x03, 0x05, 0xff, 0xff, 0xff), // not DEFLATE
      concatBytes([Uint8Array.of(0x00, 0x03, 0x7f), good.subarray(3)]), // wrong body length
      concatBytes([Uint8Array.of(0x00, 0xff, 0xff, 0x03), good.subarray(2)]), // more events than bytes
      Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80), // a number that never ends
    ];
    for (const payload of variants) {
      const bytes = concatBytes([head, encodeRawRecord(TAG_EVENTS, payload)]);
      const contents = readTrace(bytes, 'lie.pmt');
      expect(contents.events).toEqual([]);
      expect(contents.recovered?.message).toMatch(new RegExp(`record at byte ${head.length} is malformed`));
    }
  });
});

describe('headers and versions', () => {
  const events = sampleRun().events;

  it('refuses what is not a trace, naming the byte offset', () => {
    for (const bytes of [
      new Uint8Array(0),
      Buffer.from('PM'),
      Buffer.from('hello world'),
      Buffer.from('PMT1\x05\x00'),
    ]) {
      const error = expectUserError(() => readTrace(bytes, 'x.pmt'), 'TRACE_FORMAT');
      expect(error.message).toMatch(/^x\.pmt: .*byte \d+/);
    }
    const error = expectUserError(
      () => readTrace(concatBytes([MAGIC, Uint8Array.of(2, 0, 0, 0, 0xc1, 0xc1)]), 'x.pmt'),
      'TRACE_FORMAT',
    );
    expect(error.message).toContain('header at byte 8 is unreadable');
    const missing = expectUserError(
      () => readTrace(encodeHeader({ ...header, program: undefined } as unknown as TraceHeader), 'x.pmt'),
      'TRACE_FORMAT',
    );
    expect(missing.message).toContain('header at byte 8 is malformed');
  });

  it('refuses a newer event schema with TRACE_VERSION', () => {
    const newer: TraceHeader = { ...header, schema: EVENT_SCHEMA_VERSION + 1, engine: '9.9.9' };
    const bytes = encodeTrace(newer, events, { chunkSize: 4 });
    const error = expectUserError(() => readTrace(bytes, 'new.pmt'), 'TRACE_VERSION');
    expect(error.message).toContain(`schema ${EVENT_SCHEMA_VERSION + 1}`);
    expect(error.message).toContain('engine 9.9.9');
    expectUserError(() => readFooter(bytes, 'new.pmt'), 'TRACE_VERSION');
    expectUserError(() => readTrace(encodeTrace({ ...header, schema: 0 }, events), 'old.pmt'), 'TRACE_VERSION');
  });

  it('refuses another format version with TRACE_VERSION', () => {
    const error = expectUserError(
      () => readTrace(encodeTrace({ ...header, format: FORMAT_VERSION + 1 }, events), 'f3.pmt'),
      'TRACE_VERSION',
    );
    expect(error.message).toContain(`format ${FORMAT_VERSION + 1}`);
    expect(error.message).toContain('upgrade pymemsim');
    expectUserError(() => readTrace(encodeTrace({ ...header, format: 0 }, events), 'f0.pmt'), 'TRACE_VERSION');
  });

  it('still reads traces of format 1 (msgpack chunks), checkpoints and all', () => {
    const { events: run, final } = sampleRun();
    const bytes = encodeTraceV1(header, run, 4, 8);
    const contents = readTrace(bytes, 'v1.pmt', { recover: false });
    expect(contents.header.format).toBe(1);
    expect(contents.events).toEqual(run);
    expect(contents.checkpoints.map((c) => c.seq)).toEqual(
      Array.from({ length: Math.floor((run.length - 1) / 8) }, (_, i) => (i + 1) * 8),
    );
    expect(replayTrace(contents)).toMatchObject({ ok: true, actual: hashState(final) });
    const t = Timeline.open(bytes, 'v1.pmt', { checkpointEvery: 5 });
    for (let n = -1; n < run.length; n++) {
      const want = foldPlain(emptyHeap(), run.slice(0, n + 1));
      const got = t.stateAt(n);
      expect(stateDifferences(got, want)).toEqual([]);
      expect(hashState(got)).toBe(hashState(want));
    }
    expect(replayIndex(indexTrace(bytes, 'v1.pmt'))).toMatchObject({ ok: true });
  });

  it('detects a damaged header through its CRC32 (format 3): any flipped bit of the engine or the path', () => {
    const bytes = encodeTrace(header, events);
    const text = Buffer.from(bytes);
    for (const field of [ENGINE_VERSION, program.path]) {
      const at = text.indexOf(field, HEADER_PREFIX_SIZE);
      expect(at).toBeGreaterThan(0);
      for (let bit = 0; bit < 8; bit++) {
        const damaged = bytes.slice();
        damaged[at] = (damaged[at] ?? 0) ^ (1 << bit);
        const error = expectUserError(() => readTrace(damaged, 'h.pmt'), 'TRACE_CORRUPT');
        expect(error.message).toMatch(/header at byte 8 is damaged: the CRC32 of its \d+ bytes is 0x[0-9A-F]{8}/);
      }
    }
  });

  it('still reads traces of format 2 (no header CRC): events, checkpoints, footer and timeline', () => {
    const { events: run, final } = sampleRun();
    const v2 = encodeTrace({ ...header, format: 2 }, run, { chunkSize: 4, checkpointEvery: 8 });
    const v3 = encodeTrace(header, run, { chunkSize: 4, checkpointEvery: 8 });
    expect(v2.length).toBe(v3.length - HEADER_CRC_SIZE);
    const contents = readTrace(v2, 'v2.pmt', { recover: false });
    expect(contents.header.format).toBe(2);
    expect(contents.events).toEqual(run);
    expect(replayTrace(contents)).toMatchObject({ ok: true, actual: hashState(final) });
    expect(readFooter(v2, 'v2.pmt')).toEqual(contents.footer);
    const t = Timeline.open(v2, 'v2.pmt');
    expect(hashState(t.stateAt(run.length - 1))).toBe(hashState(final));
  });

  it('reads a trace from its file piece by piece as it reads it in memory', () => {
    const { events: run, final } = sampleRun();
    const bytes = encodeTrace(header, run, { chunkSize: 3, checkpointEvery: 6, checkpointBudget: Infinity });
    const dir = mkdtempSync(join(tmpdir(), 'source-'));
    const path = join(dir, 't.pmt');
    writeFileSync(path, bytes);
    const source = fileSource(path);
    try {
      expect(source.views).toBe(false);
      expect(readTrace(source, 'f.pmt')).toEqual(readTrace(bytes, 'f.pmt'));
      expect(replayIndex(indexTrace(source, 'f.pmt'))).toMatchObject({ ok: true, actual: hashState(final) });
      const t = Timeline.open(source, 'f.pmt', { checkpointEvery: 2 });
      for (let n = run.length - 1; n >= -1; n--) {
        expect(hashState(t.stateAt(n))).toBe(hashState(foldPlain(emptyHeap(), run.slice(0, n + 1))));
      }
      // Cut short on disk: the same recovery as in memory.
      writeFileSync(path, bytes.subarray(0, bytes.length - 20));
      const cut = fileSource(path);
      expect(readTrace(cut, 'f.pmt').recovered).toEqual(
        readTrace(bytes.subarray(0, bytes.length - 20), 'f.pmt').recovered,
      );
      cut.close();
    } finally {
      source.close();
      rmSync(dir, { recursive: true });
    }
  });

  it('detects a damaged program source through its hash', () => {
    const bytes = encodeTrace(header, events);
    const at = Buffer.from(bytes).indexOf('del a');
    bytes[at] = 'D'.charCodeAt(0);
    expectUserError(() => readTrace(bytes, 'src.pmt'), 'TRACE_CORRUPT');
  });

  it('upcasts events of the current schema unchanged', () => {
    for (const event of events) expect(upcast(event, EVENT_SCHEMA_VERSION)).toBe(event);
  });

  it('keys named __proto__ pollute nothing, in either format', () => {
    const event: Record<string, unknown> = { type: 'LineExecuted', line: 3 };
    Object.defineProperty(event, '__proto__', {
      value: { polluted: true, line: 99 },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    const state: Record<string, unknown> = { ...emptyHeap(), seq: 1 };
    Object.defineProperty(state, '__proto__', { value: { polluted: true }, enumerable: true });
    const roots = Object.create(null) as Record<string, unknown>;
    Object.defineProperty(roots, '__proto__', { value: [7], enumerable: true, writable: true, configurable: true });
    state['roots'] = roots;
    // More events before the checkpoint than a timeline folds rather than decode one
    // (timeline.ts, FOLD_RATHER_THAN_DECODE): its seek to the end decodes it.
    const events = [event, ...Array.from({ length: 40_000 }, () => ({ type: 'LineExecuted', line: 3 }))];
    (state as { seq: number }).seq = events.length;
    for (const format of [1, 2]) {
      const head = encodeHeader({ ...header, format });
      const bytes =
        format === 1
          ? concatBytes([
              head,
              encodeRecord(TAG_EVENTS, { first: 0, count: events.length, events }),
              encodeRecord(TAG_CHECKPOINT, { seq: events.length, state }),
            ])
          : concatBytes([
              head,
              chunkRecord(0, events as MemEvent[]),
              encodeRawRecord(TAG_CHECKPOINT, encodeCheckpointPayload(events.length, state as unknown as HeapState)),
            ]);
      // The payload really holds the key.
      if (format === 1) expect(Buffer.from(encodeValue(event)).includes('__proto__')).toBe(true);
      const contents = readTrace(bytes, 'proto.pmt');
      const [read] = contents.events;
      expect(read).toEqual({ type: 'LineExecuted', line: 3 });
      expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
      const cp = contents.checkpoints[0]?.state as unknown as Record<string, unknown>;
      expect(Object.getPrototypeOf(cp)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(cp, '__proto__')?.value).toEqual({ polluted: true });
      const cpRoots = cp['roots'] as Record<string, unknown>;
      expect(Object.getOwnPropertyDescriptor(cpRoots, '__proto__')?.value).toEqual([7]);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(replayTrace(contents).state.line).toBe(3);
      // The timeline starts from that checkpoint (a copy of it) without touching any prototype.
      const t = Timeline.open(bytes, 'proto.pmt');
      const at0 = t.stateAt(events.length - 1) as unknown as Record<string, unknown>;
      expect(Object.getOwnPropertyDescriptor(at0['roots'], '__proto__')?.value).toEqual([7]);
      if (format === 2) expect(Object.getPrototypeOf(at0['roots'])).toBe(null); // format 2 keeps prototypes
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    }
  });
});
