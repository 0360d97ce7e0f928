/*
 * `pymemsim view` without a browser: the view model's answers against the commands they
 * reuse (inspect, history, why, debug) on the golden traces, the server's protocol and
 * its errors, `--html`, and `run --view`. (test/viewer drives the page in Chromium.)
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@pymemsim/core';
import { Timeline, programObjects } from '@pymemsim/replay';
import type { InlineData, StateView } from '@pymemsim/viewer';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runCli } from '../main.js';
import { memoryIo } from '../memoryIo.js';
import { heapReport } from '../commands/inspect.js';
import { objectHistory } from '../commands/history.js';
import { MAX_HTML_EVENTS, lineMoves, lineSteps } from './html.js';
import { ViewModel } from './model.js';
import { startViewServer } from './server.js';

const TRACES = join(import.meta.dirname, '..', '..', '..', '..', 'traces');
const golden = readdirSync(TRACES).sort();
const open = (name: string): Timeline => {
  const path = join(TRACES, name, 'trace.pmt');
  return Timeline.open(readFileSync(path), path);
};

describe('the view model', () => {
  it.each(golden)(
    '%s: every state is what inspect reports, objects and frames alike',
    (name) => {
      const model = new ViewModel(open(name));
      const oracle = open(name);
      const step = Math.max(1, Math.floor(oracle.length / 60));
      for (let at = -1; at <= oracle.last; at += step) {
        const view = model.state(at, 1000);
        const state = oracle.stateAt(at);
        const report = heapReport(oracle, at, state, false);
        expect(view.line).toBe(report.line);
        expect(view.frames.map((f) => [f.id, f.vars.map((v) => [v.name, v.id])])).toEqual(
          report.frames.map((f) => [f.id, f.variables.map((v) => [v.name, v.object?.id])]),
        );
        expect(view.globals.map((g) => [g.name, g.id])).toEqual(report.globals.map((g) => [g.name, g.object?.id]));
        expect(view.objects.map((o) => [o.id, o.refcount, o.repr]).sort()).toEqual(
          report.objects.map((o) => [o.id, o.refcount, o.repr]).sort(),
        );
        expect(view.hidden).toBe(report.hidden);
        expect(view.folded).toBe(0);
      }
    },
    60_000,
  );

  it.each(golden)(
    '%s: a seek in any order, after the summary pass or during it, answers what the fold forward gives',
    (name) => {
      const path = join(TRACES, name, 'trace.pmt');
      const bytes = readFileSync(path);
      // The oracle only moves forward, event after event (never restored to a checkpoint).
      const oracle = new ViewModel(Timeline.open(bytes, path, { checkpointEvery: 2 ** 40 }));
      const timeline = Timeline.open(bytes, path, { checkpointEvery: 16 });
      const model = new ViewModel(timeline);
      const n = timeline.length;
      const points = Array.from({ length: 40 }, (_, i) => ((i * 7919) % (n + 1)) - 1);
      const expected = new Map([...points].sort((a, b) => a - b).map((at) => [at, oracle.state(at, 1000)]));
      points.forEach((at, i) => {
        if (i === 20)
          model.completeSummary(); // a checkpoint every 16 events from here on
        else if (i % 5 === 0) model.summaryStep(0);
        expect(model.state(at, 1000)).toEqual(expected.get(at));
      });
      for (const at of points.slice(0, 5)) expect(model.state(at, 1000)).toEqual(expected.get(at)); // kept answers
    },
    60_000,
  );

  it('folds the objects over the limit behind a count, reachable from the frames first', () => {
    const timeline = open('demo');
    const model = new ViewModel(timeline);
    const at = timeline.last - 200;
    const all = model.state(at, 1000);
    const few = model.state(at, 2);
    expect(all.objects.length).toBeGreaterThan(2);
    expect(few.objects.map((o) => o.id)).toEqual(all.objects.slice(0, 2).map((o) => o.id));
    // Walked only as far as the drawing: the counts come from counts(), and equal the full walk's.
    expect(few.folded).toBeNull();
    expect(few.hidden).toBeNull();
    expect(all.folded).toBe(0);
    expect(model.counts(at, 2)).toEqual({
      at,
      folded: all.objects.length - 2,
      hidden: all.hidden,
      interpreter: all.interpreter,
    });
    // The interpreter's part of the program comes last, and is marked.
    const marked = all.objects.findIndex((o) => o.interpreter === true);
    expect(marked).toBeGreaterThan(0);
    expect(all.objects.slice(marked).every((o) => o.interpreter === true)).toBe(true);
    expect(all.objects.length - marked).toBe(all.interpreter);
    // The first objects drawn are held by a frame or a global.
    const held = new Set([...all.frames.flatMap((f) => f.vars.map((v) => v.id)), ...all.globals.map((g) => g.id)]);
    expect(held.has(all.objects[0]?.id ?? -1)).toBe(true);
    expect(new Set(all.objects.map((o) => o.id))).toEqual(programObjects(timeline.stateAt(at)));
  });

  it('the summary counts every GC pass and samples live objects up to the last event', () => {
    for (const name of golden) {
      const timeline = open(name);
      const summary = new ViewModel(timeline).completeSummary();
      const end = timeline.stateAt(timeline.last);
      expect(summary.complete).toBe(true);
      expect(summary.passes.length).toBe(end.gc.stats.reduce((n, s) => n + s.collections, 0));
      for (const p of summary.passes) {
        expect(timeline.event(p.start).type).toBe('GcStarted');
        expect(timeline.event(p.end).type).toBe('GcFinished');
      }
      expect(summary.samples.at(-1)).toMatchObject({ seq: timeline.last, live: end.live });
    }
  });

  it('history, why and moves are the history, why and debug commands’ answers', async () => {
    const timeline = open('demo');
    const model = new ViewModel(timeline);
    const oracle = open('demo');
    const at = oracle.last - 120;
    const ids = model.state(at).objects.map((o) => o.id);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      const history = model.history(id, Number.POSITIVE_INFINITY);
      expect(history.entries.map((e) => e.seq)).toEqual(objectHistory(oracle, id, memoryIo()).map((e) => e.seq));
      for (const e of history.entries) expect(e.refcount).toBe(oracle.stateAt(e.seq).objects[id]?.refcount ?? null);
      const why = model.why(id, at);
      const io = memoryIo();
      expect(await runCli(['why', oracle.name, '--obj', String(id), '--at', String(at), '--json'], io)).toBe(0);
      const expected = JSON.parse(io.stdout) as { alive: boolean; chains?: { text: string }[] };
      expect(why.alive).toBe(expected.alive);
      if (why.alive) expect(why.chains.map((c) => c.text)).toEqual(expected.chains?.map((c) => c.text));
      const freed = model.why(id, oracle.last);
      if (!freed.alive) {
        expect(oracle.event(freed.freedAt ?? -1)).toMatchObject({ type: 'ObjectFreed', id });
      }
    }
    const lines: number[] = [];
    for (const [seq, e] of oracle.events()) if (e.type === 'LineExecuted') lines.push(seq);
    expect(model.move(-1, 'next-line').seq).toBe(lines[0]);
    expect(model.move(lines[3] ?? 0, 'next-line').seq).toBe(lines[4]);
    expect(model.move(lines[3] ?? 0, 'prev-line').seq).toBe(lines[2]);
    expect(model.move(oracle.last, 'next-line').seq).toBeNull();
    const id = ids[0] ?? 0;
    const change = model.move(at, 'next-change', { obj: id });
    if (change.seq !== null) {
      const rc = (n: number): number | undefined => oracle.stateAt(n).objects[id]?.refcount;
      expect(rc(change.seq)).not.toBe(rc(change.seq - 1));
      for (let n = at + 1; n < change.seq; n++) expect(rc(n)).toBe(rc(at));
    }
    expect(() => model.move(at, 'next-change')).toThrow(UserError);
    expect(() => model.state(-2)).toThrow(/no event -2/);
    expect(() => model.state(oracle.length)).toThrow(UserError);
    expect(() => model.history(999_999)).toThrow(/no event/);
  }, 60_000);
});

describe('the server', () => {
  it('answers the protocol on 127.0.0.1, and says what is wrong with a request', async () => {
    const timeline = open('cycle');
    const server = await startViewServer(new ViewModel(timeline));
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const get = async (path: string): Promise<{ status: number; body: unknown }> => {
        const res = await fetch(new URL(path, server.url));
        const bytes = Buffer.from(await res.arrayBuffer());
        // Every answer has its length (the page gets it whole with its last byte, not chunked).
        expect(res.headers.get('content-length')).toBe(String(bytes.length));
        const text = bytes.toString('utf8');
        return {
          status: res.status,
          body: res.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as unknown) : text,
        };
      };
      const trace = await get('api/trace');
      expect(trace).toMatchObject({ status: 200, body: { events: timeline.length, program: 'program.py' } });
      const state = await get(`api/state?at=${timeline.last}`);
      expect((state.body as StateView).at).toBe(timeline.last);
      expect((await get('api/state?at=abc')).status).toBe(400);
      expect(await get('api/state?at=99999999')).toMatchObject({
        status: 400,
        body: { error: expect.stringMatching(/no event 99999999/) as string },
      });
      expect((await get('api/history')).body).toEqual({ error: '/api/history needs ?obj=' });
      expect((await get('api/move?from=0&how=sideways')).status).toBe(400);
      expect((await get('api/nothing')).status).toBe(400);
      const page = await get('');
      expect(page.status).toBe(200);
      expect(String(page.body)).toContain('<div id="app">');
      expect((await get('../../package.json')).status).toBe(404);
      expect((await get('assets/nothing.js')).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('answers the same questions over a WebSocket, and refuses a page of another site', async () => {
    const timeline = open('cycle');
    const server = await startViewServer(new ViewModel(timeline));
    const url = `${server.url.replace('http', 'ws')}api/socket`;
    const connect = (origin?: string): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, origin === undefined ? {} : { origin });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    try {
      const ws = await connect(server.url.replace(/\/$/, ''));
      const answers = new Map<unknown, { status: number; body: unknown }>();
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString('utf8')) as { id: unknown; status: number; body: unknown };
        answers.set(m.id, m);
      });
      const ask = async (id: number, path: string): Promise<{ status: number; body: unknown }> => {
        ws.send(JSON.stringify({ id, url: path }));
        await expect.poll(() => answers.has(id)).toBe(true);
        return answers.get(id) as { status: number; body: unknown };
      };
      const http = async (path: string): Promise<unknown> => (await fetch(new URL(path, server.url))).json();
      // Questions asked together are answered by id, each as GET answers it.
      ws.send(JSON.stringify({ id: 1, url: `api/state?at=${timeline.last}` }));
      ws.send(JSON.stringify({ id: 2, url: 'api/trace' }));
      await expect.poll(() => answers.size).toBe(2);
      expect(answers.get(1)).toEqual({ id: 1, status: 200, body: await http(`api/state?at=${timeline.last}`) });
      expect(answers.get(2)).toEqual({ id: 2, status: 200, body: await http('api/trace') });
      expect(await ask(3, 'api/state?at=99999999')).toMatchObject({
        status: 400,
        body: { error: expect.stringMatching(/no event 99999999/) as string },
      });
      expect(await ask(4, 'index.html')).toMatchObject({ status: 400 });
      ws.send('not json');
      await expect.poll(() => answers.get(null)).toMatchObject({ status: 400 });
      ws.close();
      // Another site's page (its Origin) is refused; so is any other path.
      await expect(connect('http://example.com')).rejects.toThrow(/403/);
      await expect(
        new Promise((resolve, reject) => {
          const other = new WebSocket(url.replace('api/socket', 'api/other'));
          other.once('open', resolve);
          other.once('error', reject);
        }),
      ).rejects.toThrow(/404/);
    } finally {
      await server.close();
    }
  });

  it('the summary pass goes on while the page polls the summary (only other requests pause it)', async () => {
    const timeline = open('calls');
    const model = new ViewModel(timeline);
    const server = await startViewServer(model);
    try {
      // A poll every 50 ms, well inside the pass's pause after a request (300 ms).
      const deadline = performance.now() + 20_000;
      let complete = false;
      while (!complete && performance.now() < deadline) {
        const res = await fetch(new URL('api/summary', server.url));
        complete = ((await res.json()) as { complete: boolean }).complete;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(complete).toBe(true);
      expect(model.summary().done).toBe(timeline.length);
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe('pymemsim view (command line)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pymemsim-view-'));

  it('--html writes one file with the page and the trace’s answers inlined', async () => {
    const out = join(dir, 'cycle.html');
    const io = memoryIo();
    expect(await runCli(['view', join(TRACES, 'cycle', 'trace.pmt'), '--html', out], io)).toBe(0);
    expect(io.stderr).toContain(`viewer written to ${out}`);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/src="[^"]*assets/);
    expect(html).toContain('<script id="pymemsim-data" type="application/json">');
    const json = /<script id="pymemsim-data" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    const data = JSON.parse(json) as InlineData;
    const timeline = open('cycle');
    expect(data.states.length).toBe(timeline.length + 1);
    const model = new ViewModel(timeline);
    for (const at of [-1, 0, timeline.last >> 1, timeline.last]) {
      expect(JSON.parse(data.table[data.states[at + 1] ?? -1] ?? 'null')).toEqual(model.state(at, 400));
    }
    // Histories (refcounts read on the way through) and whys (found for many objects at
    // once) are what a fresh model answers one at a time.
    const inlined = (i: number | undefined): unknown => JSON.parse(data.table[i ?? -1] ?? 'null');
    const ids = Object.keys(data.histories);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) expect(inlined(data.histories[id])).toEqual(new ViewModel(open('cycle')).history(Number(id)));
    const whys = Object.keys(data.whys);
    for (let k = 0; k < whys.length; k += Math.ceil(whys.length / 40)) {
      const key = whys[k] as string;
      const [id, at] = key.split('@') as [string, string];
      const fresh = new ViewModel(open('cycle')).why(Number(id), at === 'last' ? timeline.last : Number(at));
      expect({ ...(inlined(data.whys[key]) as object), at: fresh.at }).toEqual(fresh);
    }
  }, 120_000);

  it('refuses what it cannot do, with a clear error and exit code', async () => {
    const io = memoryIo();
    expect(await runCli(['view', join(dir, 'missing.pmt'), '--no-open'], io)).toBe(66);
    expect(io.stderr).toMatch(/missing\.pmt/);
    const bad = memoryIo();
    expect(await runCli(['view', join(TRACES, 'demo', 'trace.pmt'), '--port', '70000'], bad)).toBe(2);
    expect(bad.stderr).toMatch(/port number/);
    const cut = memoryIo();
    expect(
      await runCli(['view', join(TRACES, 'demo', 'trace.pmt'), '--html', join(dir, 'no', 'such', 'dir.html')], cut),
    ).toBe(73);
    const none = memoryIo();
    expect(await runCli(['run', '--no-trace', '--view', join(dir, 'p.py')], none)).toBe(2);
    expect(none.stderr).toMatch(/--view needs a trace/);
  }, 60_000);

  it('the line steps inlined by --html are where the debugger lands, with its words', () => {
    const timeline = open('calls');
    const model = new ViewModel(open('calls'));
    const steps = lineSteps(new ViewModel(timeline));
    const moves = lineMoves(new ViewModel(open('calls')));
    // Every 7th event, and the ends, where the debugger finds no line to go to.
    const ats = new Set([-1, 0, 1, timeline.last - 1, timeline.last]);
    for (let at = -1; at <= timeline.last; at += 7) ats.add(at);
    let stays = 0;
    for (const at of ats) {
      const step = steps.get(at);
      for (const how of ['next-line', 'prev-line'] as const) {
        const debug = model.move(at, how);
        expect(step?.[how]).toBe(debug.seq);
        expect(moves.get(`${how}@${at}`)).toEqual(debug);
        if (debug.seq === null) stays++;
      }
    }
    expect(stays).toBeGreaterThan(0);
  }, 60_000);

  it(`--html takes traces of at most ${MAX_HTML_EVENTS} events`, async () => {
    const program = join(dir, 'long.py');
    writeFileSync(program, 'x = []\nfor i in range(4000):\n    x.append([i])\n');
    const trace = join(dir, 'long.pmt');
    expect(await runCli(['run', '-o', trace, program], memoryIo())).toBe(0);
    const io = memoryIo();
    expect(await runCli(['view', trace, '--html', join(dir, 'long.html')], io)).toBe(2);
    expect(io.stderr).toMatch(/at most 20000 events; open this one with `pymemsim view`/);
  }, 60_000);

  it('run --view records the program, then serves its trace until interrupted', async () => {
    const program = join(dir, 'small.py');
    writeFileSync(program, 'a = [1]\nb = a\nprint(len(b))\n');
    const trace = join(dir, 'small.pmt');
    let stop = false;
    let answered: unknown;
    const io = Object.assign(memoryIo(), { interrupted: () => stop });
    const out = io.out.bind(io);
    io.out = (text: string): void => {
      out(text);
      const url = /pymemsim view: (\S+)/.exec(text)?.[1];
      if (url === undefined) return;
      void fetch(new URL('api/trace', url))
        .then((r) => r.json())
        .then((body) => {
          answered = body;
          stop = true;
        });
    };
    expect(await runCli(['run', '-o', trace, '--view', '--no-open', program], io)).toBe(0);
    expect(io.stdout).toMatch(/^1\n/);
    expect(answered).toMatchObject({ name: trace, program: program });
  });
});
