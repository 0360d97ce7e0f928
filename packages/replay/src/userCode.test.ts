/*
 * The end of the user's code: recorded in the footer by the encoder, found by a pass in
 * a trace written before the footer had the field, and absent when the main module's
 * frame never exited.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Runtime, bootstrapStatics } from '@pymemsim/core';
import { describe, expect, it } from 'vitest';
import { encodeTrace } from './encoder.js';
import { traceHeader } from './format.js';
import { Timeline } from './timeline.js';

function run(exitMain: boolean): Uint8Array {
  const rt = new Runtime({ record: true });
  bootstrapStatics(rt);
  const main = rt.enterFrame('<module>');
  rt.line(1);
  const f = rt.enterFrame('f'); // a call: its frame has the module's as parent
  rt.allocate({ pyType: 'list', kind: 'list', size: 56, repr: '[]' }, { kind: 'frame', frame: f, name: 'x' });
  rt.exitFrame(f, ['x']);
  if (exitMain) rt.exitFrame(main);
  const shutdown = rt.enterFrame('__del__'); // shutdown may run code, never a <module> frame
  rt.exitFrame(shutdown);
  return encodeTrace(traceHeader({ path: 'p.py', source: 'x = 1\n' }), rt.log ?? []);
}

describe('Timeline.userCodeEnd', () => {
  it('is the FrameExited of the main module frame, recorded in the footer', () => {
    const t = Timeline.open(run(true), 'p.pmt');
    const end = t.userCodeEnd();
    expect(end).toBeDefined();
    expect(t.footer?.userCodeEnd).toBe(end);
    expect(t.event(end ?? 0)).toEqual({ type: 'FrameExited', frame: 1 });
    expect(end).toBeLessThan(t.last); // shutdown's frame follows
  });

  it('is undefined when the main module never finished', () => {
    const t = Timeline.open(run(false), 'p.pmt');
    expect(t.footer?.userCodeEnd).toBeUndefined();
    expect(t.userCodeEnd()).toBeUndefined();
  });

  it('is found by one pass in a trace written before the footer had it (an older demo trace)', () => {
    // The demo's trace as an earlier pymemsim wrote it: its footer has no userCodeEnd.
    const path = join(import.meta.dirname, 'fixtures', 'demo-without-user-code-end.pmt');
    const t = Timeline.open(readFileSync(path), path);
    expect(t.footer?.userCodeEnd).toBeUndefined();
    const end = t.userCodeEnd();
    expect(end).toBeDefined();
    const e = t.event(end ?? 0);
    expect(e.type).toBe('FrameExited');
    // After it: interpreter shutdown, which starts with a full collection.
    const after = [...t.events((end ?? 0) + 1, t.last)].map(([, ev]) => ev.type);
    expect(after[0]).toBe('GcStarted');
    expect(after).not.toContain('LineExecuted');
  });
});
