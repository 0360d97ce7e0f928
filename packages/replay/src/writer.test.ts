import { Defect, Runtime, UserError, hashState, type Holder, type MemEvent } from '@pymemsim/core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeTrace } from './encoder.js';
import { traceHeader } from './format.js';
import { readTrace } from './reader.js';
import { replayTrace } from './replay.js';
import { TraceWriter, record, recordTo } from './writer.js';

const dir = mkdtempSync(join(tmpdir(), 'pymemsim-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempPath = (): string => join(dir, `t${files++}.pmt`);

const header = traceHeader({ path: 'loop.py', source: 'for i in range(20):\n    x = [i]\n' });

/** A runtime that builds and drops a list 20 times, streaming its events to `sink` if given. */
function run(sink?: (rt: Runtime) => void): Runtime {
  const rt = new Runtime({ record: true });
  sink?.(rt);
  const f = rt.enterFrame('<module>');
  const x: Holder = { kind: 'frame', frame: f, name: 'x' };
  for (let i = 0; i < 20; i++) {
    rt.line(2);
    const list = rt.allocate({ pyType: 'list', kind: 'list', size: 56, repr: '[]' }, x);
    rt.allocate(
      { pyType: 'int', kind: 'int', size: 28, repr: String(i) },
      { kind: 'object', owner: list, slot: 'item' },
    );
    rt.decref(list, x);
  }
  rt.exitFrame(f);
  return rt;
}

const logOf = (rt: Runtime): MemEvent[] => [...(rt.log ?? [])];

describe('TraceWriter', () => {
  it('writes the same bytes as the in-memory encoder, and they replay', () => {
    const rt = run();
    const path = tempPath();
    const writer = new TraceWriter(path, header, { chunkSize: 16, checkpointEvery: 40, fsync: true });
    for (const event of logOf(rt)) writer.write(event);
    expect(writer.events).toBe(logOf(rt).length);
    writer.finish(rt.state);
    expect(writer.closed).toBe(true);
    const bytes = readFileSync(path);
    expect(bytes.equals(encodeTrace(header, logOf(rt), { chunkSize: 16, checkpointEvery: 40 }))).toBe(true);
    const contents = readTrace(bytes, path, { recover: false });
    expect(contents.events).toEqual(logOf(rt));
    expect(replayTrace(contents)).toMatchObject({ ok: true, expected: hashState(rt.state) });
  });

  it('given the live state of the runtime, writes the same bytes as folding the events itself', () => {
    const path = tempPath();
    let writer: TraceWriter | undefined;
    const rt = run((r) => {
      writer = new TraceWriter(path, header, { chunkSize: 16, checkpointEvery: 40, live: r.state });
      r.events$.subscribe(recordTo(writer));
    });
    writer?.finish(rt.state);
    const bytes = readFileSync(path);
    expect(bytes.equals(encodeTrace(header, logOf(rt), { chunkSize: 16, checkpointEvery: 40 }))).toBe(true);
    expect(readTrace(bytes, path, { recover: false }).checkpoints.length).toBeGreaterThan(0);
  });

  it('a writer killed after flush leaves a trace that opens with the flushed chunks', () => {
    const events = logOf(run());
    const path = tempPath();
    const writer = new TraceWriter(path, header, { chunkSize: 8 });
    for (const event of events.slice(0, 30)) writer.write(event); // three full chunks of 8 and 6 pending
    writer.flush(); // the 6 pending as a short chunk
    for (const event of events.slice(30, 35)) writer.write(event); // pending, never flushed: lost
    // The process dies here: no finish(), no close. Read the file as it is on disk.
    const contents = readTrace(readFileSync(path), path);
    expect(contents.events).toEqual(events.slice(0, 30));
    expect(contents.footer).toBeUndefined();
    expect(contents.recovered?.message).toMatch(/without its footer/);
    writer.abort();
  });

  it('abort keeps every written event and writes no footer', () => {
    const events = logOf(run());
    const path = tempPath();
    const writer = new TraceWriter(path, header, { chunkSize: 8 });
    for (const event of events.slice(0, 13)) writer.write(event);
    writer.abort();
    writer.abort(); // idempotent
    const contents = readTrace(readFileSync(path), path);
    expect(contents.events).toEqual(events.slice(0, 13));
    expect(contents.recovered?.lostFromOffset).toBe(readFileSync(path).length);
    expect(() => writer.write(events[0] as MemEvent)).toThrow(Defect);
  });

  it('folds the events itself, so finish() needs no state', () => {
    const rt = run();
    const path = tempPath();
    const writer = new TraceWriter(path, header);
    for (const event of logOf(rt)) writer.write(event);
    writer.finish();
    expect(readTrace(readFileSync(path), path).footer?.finalHash).toBe(hashState(rt.state));
    expect(() => writer.finish()).toThrow(Defect);
  });

  it('reports a file it cannot create as FILE_WRITE', () => {
    const error = (() => {
      try {
        new TraceWriter(join(dir, 'no-such-dir', 'x.pmt'), header);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('FILE_WRITE');
  });
});

describe('recording a stream', () => {
  it('recordTo writes the runtime events as they are emitted and finishes on complete', () => {
    const path = tempPath();
    const writer = new TraceWriter(path, header, { chunkSize: 7 });
    const rt = run((r) => r.events$.subscribe(recordTo(writer)));
    expect(writer.closed).toBe(false);
    rt.events$.complete();
    expect(writer.closed).toBe(true);
    const contents = readTrace(readFileSync(path), path, { recover: false });
    expect(contents.events).toEqual(logOf(rt));
    expect(replayTrace(contents)).toMatchObject({ ok: true, expected: hashState(rt.state) });
  });

  it('recordTo aborts on error, keeping the chunks', () => {
    const path = tempPath();
    const writer = new TraceWriter(path, header, { chunkSize: 7 });
    const rt = run((r) => r.events$.subscribe(recordTo(writer)));
    rt.events$.error(new Error('interrupted'));
    const contents = readTrace(readFileSync(path), path);
    expect(contents.events).toEqual(logOf(rt));
    expect(contents.footer).toBeUndefined();
  });

  it('record() passes the events through and writes them', async () => {
    const events = logOf(run());
    const path = tempPath();
    const writer = new TraceWriter(path, header, { chunkSize: 5 });
    const seen = await lastValueFrom(from(events).pipe(record(writer), toArray()));
    expect(seen).toEqual(events);
    expect(readTrace(readFileSync(path), path, { recover: false }).events).toEqual(events);
  });
});
