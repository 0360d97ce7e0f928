/*
 * The trace commands, run in memory on a fixture trace recorded from core's Runtime
 * (the program below, driven the way the interpreter drives it), so these tests do not
 * depend on the interpreter.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Command, CommanderError } from 'commander';
import { Runtime, UserError, bootstrapStatics, type Holder, type MemEvent, type ObjectId } from '@pymemsim/core';
import { encodeTrace, readTrace, traceHeader } from '@pymemsim/replay';
import { describe, expect, it } from 'vitest';
import { processIo } from '../io.js';
import { debugCommand, type InteractiveIo } from './debug.js';
import { diffCommand } from './diff.js';
import { exportCommand } from './export.js';
import { historyCommand } from './history.js';
import { inspectCommand } from './inspect.js';
import { statsCommand } from './stats.js';
import { registerTraceCommands } from './traceCommands.js';
import { whyCommand } from './why.js';

export const FIXTURE_SOURCE = `import gc
a = [1, 2]
b = a
def f(x):
    y = [x]
    return y
c = f(a)
del b
x = []
x.append(x)
del x
print(gc.collect())
`;

/** The fixture's events and the ids of its objects. */
export function fixtureRun(): { events: MemEvent[]; ids: { a: ObjectId; y: ObjectId; x: ObjectId; f: ObjectId } } {
  const rt = new Runtime({ record: true });
  const statics = bootstrapStatics(rt);
  const m = rt.enterFrame('<module>');
  const v = (name: string, frame = m): Holder => ({ kind: 'frame', frame, name });
  const st = (frame = m): Holder => ({ kind: 'stack', frame });
  const item = (owner: ObjectId): Holder => ({ kind: 'object', owner, slot: 'item' });
  const small = (n: number): ObjectId => {
    const id = statics.smallInt(n);
    if (id === undefined) throw new Error(`no small int ${n}`);
    return id;
  };
  const list = (holder: Holder): ObjectId =>
    rt.allocate({ pyType: 'list', kind: 'list', size: 56, repr: '[]' }, holder);
  rt.line(1);
  rt.line(2);
  const a = list(st());
  rt.incref(small(1), item(a));
  rt.incref(small(2), item(a));
  rt.move(a, st(), v('a'));
  rt.line(3);
  rt.incref(a, st());
  rt.move(a, st(), v('b'));
  rt.line(4);
  const f = rt.allocate({ pyType: 'function', kind: 'function', size: 136, repr: '<function f>' }, v('f'));
  rt.line(7);
  rt.incref(a, st());
  const frame = rt.enterFrame('f');
  rt.move(a, st(), v('x', frame));
  rt.line(5);
  const y = list(st(frame));
  rt.incref(a, item(y));
  rt.move(y, st(frame), v('y', frame));
  rt.line(6);
  rt.incref(y, st(frame));
  rt.move(y, st(frame), st(m));
  rt.exitFrame(frame, ['x', 'y']);
  rt.line(7);
  rt.move(y, st(), v('c'));
  rt.line(8);
  rt.decref(a, v('b'));
  rt.line(9);
  const x = list(st());
  rt.move(x, st(), v('x'));
  rt.line(10);
  rt.incref(x, item(x));
  rt.line(11);
  rt.decref(x, v('x'));
  rt.line(12);
  rt.output(`${rt.collect(2)}\n`);
  return { events: [...(rt.log ?? [])], ids: { a, y, x, f } };
}

const dir = mkdtempSync(join(tmpdir(), 'pymemsim-trace-commands-'));
let files = 0;
const tempPath = (name: string): string => join(dir, `${files++}-${name}`);

function writeTrace(events: readonly MemEvent[], source = FIXTURE_SOURCE): string {
  const path = tempPath('prog.pmt');
  writeFileSync(
    path,
    encodeTrace(traceHeader({ path: 'prog.py', source }), events, { chunkSize: 7, checkpointEvery: 16 }),
  );
  return path;
}

function memoryIo(input?: string): InteractiveIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    readText: processIo.readText,
    errIsTty: false,
    ...(input !== undefined ? { input: Readable.from([input]), inIsTty: false } : {}),
  };
  return io;
}

/** Run the registered commands as the cli does (flags parsed by commander), in memory. */
async function cli(args: readonly string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIo(input);
  let code = 0;
  const program = new Command('pymemsim')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerTraceCommands(program, io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (error) {
    if (error instanceof UserError) {
      io.err(`error[${error.code}]: ${error.message}\n`);
      code = error.exitCode;
    } else if (error instanceof CommanderError) {
      code = error.exitCode === 0 ? 0 : 2;
    } else throw error;
  }
  return { code, out: io.stdout, err: io.stderr };
}

const { events, ids } = fixtureRun();
const trace = writeTrace(events);
const last = events.length - 1;
const seqOf = (test: (e: MemEvent) => boolean): number => events.findIndex(test);

describe('the fixture', () => {
  it('is a trace that opens cleanly', () => {
    const contents = readTrace(readFileSync(trace), trace, { recover: false });
    expect(contents.events).toEqual(events);
    expect(contents.checkpoints.length).toBeGreaterThan(0);
  });
});

describe('pymemsim inspect', () => {
  it('shows frames, variables, objects, GC and memory after the last event', () => {
    const io = memoryIo();
    expect(inspectCommand(trace, {}, io)).toBe(0);
    // The fixture's module frame never exits: the end of the program is its last event.
    expect(io.stdout).toContain(
      `the heap after the last event (${last}), of events 0 to ${last}\n  line 12: print(gc.collect())`,
    );
    expect(io.stderr).toMatch(/note: .*main module never finished/);
    expect(io.stdout).toMatch(/frame 1 <module> \(running\)/);
    expect(io.stdout).toMatch(new RegExp(`a = #${ids.a} list \\[1, 2\\]  \\(refcount 2\\)`));
    expect(io.stdout).toMatch(new RegExp(`c = #${ids.y} list \\[\\[1, 2\\]\\]`));
    expect(io.stdout).toContain("gc.get_stats(): [{'collections': 0, 'collected': 0, 'uncollectable': 0}");
    expect(io.stdout).toMatch(/memory:\n {2}\S/);
    expect(io.stdout).not.toContain(`#${ids.x} list`); // freed by the collection
  });

  it('shows the heap at any event; --json gives the same data', () => {
    const at = seqOf((e) => e.type === 'FrameEntered' && e.name === 'f') + 3;
    const io = memoryIo();
    expect(inspectCommand(trace, { at, json: true }, io)).toBe(0);
    const report = JSON.parse(io.stdout) as {
      at: number;
      line: number;
      frames: { name: string; current: boolean; variables: { name: string; object: { id: number } | null }[] }[];
      objects: { id: number; refcount: number; generation: string; address: string }[];
      gc: { thresholds: number[] };
    };
    expect(report.at).toBe(at);
    expect(report.frames.map((f) => f.name)).toEqual(['f', '<module>']);
    expect(report.frames[0]?.current).toBe(true);
    expect(report.frames[0]?.variables.map((v) => v.name)).toContain('x');
    const a = report.objects.find((o) => o.id === ids.a);
    expect(a?.generation).toBe('gen 0');
    expect(a?.address).toMatch(/^0x[0-9a-f]+$/);
    expect(report.gc.thresholds).toEqual([700, 10, 10]);
  });

  it('refuses an event past the end with one line and exit 2', async () => {
    const r = await cli(['inspect', trace, '--at', String(events.length)]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error\[CLI_USAGE\]: --at \d+: .* has \d+ events, numbered 0 to \d+\n$/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack
  });

  it('names a missing trace (66) and a file that is not a trace, with its byte offset (65)', async () => {
    const missing = await cli(['inspect', join(dir, 'missing.pmt')]);
    expect(missing.code).toBe(66);
    expect(missing.err).toMatch(/error\[FILE_NOT_FOUND\]: .*missing\.pmt: no such file/);
    const junk = tempPath('junk.pmt');
    writeFileSync(junk, 'hello, world');
    const bad = await cli(['inspect', junk]);
    expect(bad.code).toBe(65);
    expect(bad.err).toMatch(/error\[TRACE_FORMAT\]: .*byte 0/);
    const flag = await cli(['inspect', trace, '--at', 'soon']);
    expect(flag.code).toBe(2);
  });

  it('opens a trace cut short, with a warning saying what was lost', () => {
    const bytes = readFileSync(trace);
    const cut = tempPath('cut.pmt');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const io = memoryIo();
    expect(inspectCommand(cut, {}, io)).toBe(0);
    expect(io.stderr).toMatch(/warning: .*byte \d+/);
  });
});

describe('pymemsim history', () => {
  it('lists every event that touched the object, with its source line', () => {
    const io = memoryIo();
    expect(historyCommand(trace, { obj: ids.a }, io)).toBe(0);
    const out = io.stdout;
    expect(out).toMatch(new RegExp(`events touched list #${ids.a}\n`));
    expect(out).toMatch(
      /line 2: a = \[1, 2\]\n(\s+\d+ .*\n)*\s+\d+ allocated: list \[\], 56 bytes at 0x[0-9a-f]+, held by the evaluation stack of frame 1/,
    );
    expect(out).toMatch(
      /line 3: b = a\n\s+\d+ incref: a reference held by the evaluation stack of frame 1\n\s+\d+ its reference moves from the evaluation stack of frame 1 to variable b of frame 1/,
    );
    expect(out).toMatch(/line 8: del b\n\s+\d+ decref: variable b of frame 1 lets go/);
    expect(out).toMatch(new RegExp(`takes a reference to int #\\d+ in an item of list #${ids.a}`)); // it holds the small ints
    expect(out).not.toMatch(/#\d+\.\w|@\d/); // no raw holders
  });

  it('--json lists the events with seq, line, role and the event itself', () => {
    const io = memoryIo();
    historyCommand(trace, { obj: ids.x, json: true }, io);
    const h = JSON.parse(io.stdout) as { events: { seq: number; line: number; role: string; event: MemEvent }[] };
    const types = h.events.map((e) => e.event.type);
    expect(types.filter((t) => t === 'ObjectAllocated')).toHaveLength(1);
    expect(types.indexOf('ObjectAllocated')).toBeLessThan(types.indexOf('ObjectTracked'));
    expect(types).toContain('GcUnreachableFound');
    expect(types).toContain('GcObjectCleared');
    expect(types).toContain('DeallocStarted');
    expect(types.indexOf('ObjectFreed')).toBeGreaterThan(types.indexOf('DeallocStarted'));
    expect(h.events.every((e, i, all) => i === 0 || (all[i - 1]?.seq ?? 0) <= e.seq)).toBe(true);
  });

  it('refuses an object no event names', async () => {
    const r = await cli(['history', trace, '--obj', '#99999']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/error\[CLI_USAGE\]: no event of .* names object #99999/);
  });
});

describe('pymemsim why', () => {
  it('gives the chains of references from the roots, labelled by slot', () => {
    const io = memoryIo();
    expect(whyCommand(trace, { obj: ids.a }, io)).toBe(0);
    expect(io.stdout).toContain(`list #${ids.a} (a) [1, 2] is alive after the last event (${last})`);
    expect(io.stdout).toContain('1. variable a of frame 1 (<module>)\n');
    expect(io.stdout).toContain(`c[0]  (variable c of frame 1 (<module>): list #${ids.y} -> list #${ids.a})`);
    expect(io.stdout).toContain(`[0] of list #${ids.y} (c)`);
  });

  it('says what freed an object: the decref to zero, its holder, the collection, the lines', () => {
    const io = memoryIo();
    expect(whyCommand(trace, { obj: ids.x }, io)).toBe(0);
    const out = io.stdout;
    expect(out).toMatch(
      new RegExp(
        `list #${ids.x} \\[\\] is not alive after the last event \\(${last}\\)[^:]*: it was freed at event \\d+`,
      ),
    );
    expect(out).toMatch(
      new RegExp(
        `its count reached 0: the reference held by (the interpreter \\(gc\\)|an item of list #${ids.x}) was dropped`,
      ),
    );
    expect(out).toMatch(/the collector cleared it \(tp_clear/);
    expect(out).toMatch(/during the generation 2 collection \(manual\)\s+\(line 12: print\(gc\.collect\(\)\)\)/);
    expect(out).toMatch(/found it unreachable/);
  });

  it('before the object exists, says when it is allocated; --json for a live object', () => {
    const io = memoryIo();
    whyCommand(trace, { obj: ids.x, at: 0 }, io);
    expect(io.stdout).toMatch(/does not exist yet after event 0: it is allocated at event \d+ \(line 9: x = \[\]\)/);
    const j = memoryIo();
    whyCommand(trace, { obj: ids.y, json: true }, j);
    const w = JSON.parse(j.stdout) as { alive: boolean; chains: { text: string }[] };
    expect(w.alive).toBe(true);
    expect(w.chains[0]?.text).toBe('variable c of frame 1 (<module>)');
  });

  it('explains an object kept only by a cycle: no chain from the roots', () => {
    const beforeCollect = seqOf((e) => e.type === 'GcStarted') - 1;
    const io = memoryIo();
    whyCommand(trace, { obj: ids.x, at: beforeCollect }, io);
    expect(io.stdout).toContain('no chain of references from a root reaches it');
    expect(io.stdout).toContain(`[0] of list #${ids.x}`);
  });
});

describe('pymemsim diff', () => {
  it('finds nothing between a trace and itself (exit 0)', () => {
    const io = memoryIo();
    expect(diffCommand(trace, trace, {}, io)).toBe(0);
    expect(io.stdout).toBe(`${trace} and ${trace}: the same ${events.length} events\n`);
  });

  it('finds a changed event exactly, with context, lines and the heap difference (exit 1)', () => {
    const n = seqOf((e) => e.type === 'ObjectAllocated' && e.id === ids.y);
    const changed = events.map((e, i) => (i === n && e.type === 'ObjectAllocated' ? { ...e, size: 64 } : e));
    const other = writeTrace(changed);
    const io = memoryIo();
    expect(diffCommand(trace, other, {}, io)).toBe(1);
    expect(io.stdout).toContain(`differ from event ${n}`);
    expect(io.stdout).toContain('before it, the same in both:');
    expect(io.stdout).toMatch(/size=56[\s\S]*line 5: y = \[x\][\s\S]*size=64/);
    expect(io.stdout).toMatch(new RegExp(`list #${ids.y}( \\([^)]*\\))?: size \\(sys\\.getsizeof\\): 56 \\| 64`));
    expect(io.stdout).not.toContain(`objects.${ids.y}`);
    const json = memoryIo();
    diffCommand(trace, other, { json: true }, json);
    expect((JSON.parse(json.stdout) as { divergence: number }).divergence).toBe(n);
    // Ignoring the field that differs, the traces are the same.
    expect(diffCommand(trace, other, { ignore: ['size'] }, memoryIo())).toBe(0);
  });

  it('takes --ignore repeated and comma-separated; a prefix ends where the shorter trace ends', async () => {
    const n = seqOf((e) => e.type === 'ObjectAllocated' && e.id === ids.y);
    const moved = events.map((e, i) => (i === n && e.type === 'ObjectAllocated' ? { ...e, addr: e.addr + 4096 } : e));
    const other = writeTrace(moved);
    expect((await cli(['diff', trace, other])).code).toBe(1);
    const same = await cli(['diff', trace, other, '--ignore', 'addr,nextAddr', '--ignore', 'free']);
    expect(same.out).toMatch(/the same \d+ events \(ignoring addr, nextAddr, free\)/);
    expect(same.code).toBe(0);
    const short = writeTrace(events.slice(0, 10));
    const r = await cli(['diff', trace, short]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('differ from event 10');
    expect(r.out).toContain('(ends after event 9)');
  });

  it('exits 2 on an error', async () => {
    const r = await cli(['diff', trace, join(dir, 'nope.pmt')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error\[FILE_NOT_FOUND\]/);
  });
});

describe('pymemsim stats', () => {
  it('prints gc.get_stats() as CPython does', () => {
    const io = memoryIo();
    expect(statsCommand(trace, {}, io)).toBe(0);
    expect(io.stdout).toContain(
      ">>> gc.get_stats()\n[{'collections': 0, 'collected': 0, 'uncollectable': 0}, " +
        "{'collections': 0, 'collected': 0, 'uncollectable': 0}, " +
        "{'collections': 1, 'collected': 1, 'uncollectable': 0}]\n",
    );
    expect(io.stdout).toMatch(/sys\._debugmallocstats\(\)/);
    const early = memoryIo();
    statsCommand(trace, { at: 3, json: true }, early);
    const s = JSON.parse(early.stdout) as { gcStats: { collections: number }[]; gcStatsText: string };
    expect(s.gcStats.map((g) => g.collections)).toEqual([0, 0, 0]);
    expect(s.gcStatsText).toMatch(/^\[\{'collections': 0/);
  });
});

describe('pymemsim export', () => {
  it('jsonl: one event per line with its seq', () => {
    const io = memoryIo();
    expect(exportCommand(trace, { format: 'jsonl' }, io)).toBe(0);
    const lines = io.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(events.length);
    const parsed = lines.map((l) => JSON.parse(l) as { seq: number } & MemEvent);
    expect(parsed.map((p) => p.seq)).toEqual(events.map((_, i) => i));
    expect(parsed.map(({ seq: _seq, ...e }) => e)).toEqual(events);
    const part = memoryIo();
    exportCommand(trace, { format: 'jsonl', at: 4 }, part);
    expect(part.stdout.trimEnd().split('\n')).toHaveLength(5);
  });

  it('chrome: GC passes and frames as durations, counters, valid JSON', () => {
    const io = memoryIo();
    exportCommand(trace, { format: 'chrome' }, io);
    const doc = JSON.parse(io.stdout) as {
      traceEvents: { name: string; ph: string; ts?: number; tid?: number; args?: Record<string, unknown> }[];
    };
    const gc = doc.traceEvents.filter((e) => e.name.startsWith('gc generation'));
    expect(gc.map((e) => e.ph)).toEqual(['B', 'E']);
    expect(gc[0]?.ts).toBe(seqOf((e) => e.type === 'GcStarted'));
    expect(gc[1]?.ts).toBe(seqOf((e) => e.type === 'GcFinished'));
    expect(gc[1]?.args).toMatchObject({ collected: 1, uncollectable: 0 });
    const frames = doc.traceEvents.filter((e) => e.tid === 2 && (e.ph === 'B' || e.ph === 'E'));
    expect(frames.map((e) => `${e.ph}${e.name}`)).toEqual(['B<module>', 'Bf', 'Ef', 'E<module>']);
    expect(doc.traceEvents.some((e) => e.ph === 'C' && e.name === 'live objects')).toBe(true);
    expect(doc.traceEvents.some((e) => e.ph === 'C' && e.name === 'gc counts')).toBe(true);
    expect(doc.traceEvents.some((e) => e.ph === 'i' && e.args?.['text'] === '1\n')).toBe(true);
  });

  it('dot: the heap as a Graphviz graph, to a file with -o', async () => {
    const out = tempPath('heap.dot');
    const r = await cli(['export', trace, '--format', 'dot', '-o', out]);
    expect(r.code).toBe(0);
    const dot = readFileSync(out, 'utf8');
    expect(dot).toMatch(/^digraph heap \{/);
    expect(dot).toContain(`f1 -> o${ids.a} [label="a"];`);
    expect(dot).toContain(`o${ids.y} -> o${ids.a} [label="[0]"];`);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    // Before the collection, the self-referencing list is garbage: drawn in red.
    const io = memoryIo();
    exportCommand(trace, { format: 'dot', at: seqOf((e) => e.type === 'GcStarted') - 1 }, io);
    expect(io.stdout).toMatch(new RegExp(`o${ids.x} \\[label=.*color=red`));
    expect(io.stdout).toContain(`o${ids.x} -> o${ids.x} [label="[0]"];`);
  });

  it('--json describes the export (and needs -o)', async () => {
    const out = tempPath('events.jsonl');
    const r = await cli(['export', trace, '--format', 'jsonl', '--at', '9', '-o', out, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ trace, format: 'jsonl', output: out, at: 9, events: 10 });
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toHaveLength(10);
    const bad = await cli(['export', trace, '--format', 'jsonl', '--json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/error\[CLI_USAGE\]: --json describes the export/);
  });

  it('refuses an unknown format (exit 2)', async () => {
    const r = await cli(['export', trace, '--format', 'svg']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are jsonl, chrome, dot/);
  });
});

describe('pymemsim debug', () => {
  const debug = async (script: string): Promise<string> => {
    const io = memoryIo(script);
    expect(await debugCommand(trace, io)).toBe(0);
    return io.stdout;
  };

  it('steps forward and back, goes to an event, prints no prompt without a terminal', async () => {
    const out = await debug('step\nstep 2\nback\ngoto 5\nquit\n');
    expect(out).not.toContain('(pymemsim)');
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^pymemsim debug: .*, \d+ events/);
    expect(out).toContain(`000000 ${events[0]?.type ?? ''}`);
    expect(out).toMatch(/000002 .*\n {2}\S.*\n {2}(at line \d+|before the first line)/);
    expect(out).toMatch(/000001 .*\n {2}\S.*\n {2}(at line \d+|before the first line)/);
    expect(out).toContain('000005 ');
  });

  it('moves line by line', async () => {
    const firstLine = seqOf((e) => e.type === 'LineExecuted');
    const out = await debug('next-line\nnext-line\nprev-line\n');
    expect(out).toContain(`${String(firstLine).padStart(6, '0')} LineExecuted line=1`);
    expect(out).toMatch(/LineExecuted line=2\n {2}at line 2: a = \[1, 2\]/);
    expect(out.match(/LineExecuted line=1/g)).toHaveLength(2);
  });

  it('continues to the next change of a watched object, and reverse-continues', async () => {
    const out = await debug(`watch obj ${ids.a}\ncontinue\ncontinue\ncontinue\nreverse-continue\nreverse-continue\n`);
    const hits = [...out.matchAll(/watch obj #\d+: (\S+(?: \d+)?) -> (\S+(?: \d+)?)\n(\d+)/g)].map((m) => [
      m[1],
      m[2],
      Number(m[3]),
    ]);
    const allocated = seqOf((e) => e.type === 'ObjectAllocated' && e.id === ids.a);
    const incref = seqOf((e) => e.type === 'RefIncremented' && e.id === ids.a);
    expect(hits[0]).toEqual(['absent', 'refcount 1', allocated]);
    expect(hits[1]).toEqual(['refcount 1', 'refcount 2', incref]);
    expect(hits[3]).toEqual(hits[1]);
    expect(hits[4]).toEqual(hits[0]);
  });

  it('watches a variable binding, prints objects, the heap, the collector and where it is', async () => {
    const out = await debug(`watch var c\ncontinue\nprint ${ids.y}\nwhere\ngc\nheap\nwatch\nunwatch var c\nhelp\n`);
    expect(out).toMatch(/watch var c: unbound -> #\d+ in frame 1/);
    expect(out).toMatch(new RegExp(`list #${ids.y} \\(c\\) \\[\\[1, 2\\]\\]\\n {2}refcount 1, gen 0`));
    expect(out).toMatch(/held by:\n {4}variable c of frame 1 \(<module>\)/);
    expect(out).toMatch(/frame 1 <module> \(running\)\n {4}a = #\d+ list/);
    expect(out).toMatch(/gc: enabled\n {2}counts/);
    expect(out).toContain('objects: ');
    expect(out).toContain('1. var c (now #');
    expect(out).toContain('no longer watching var c');
    expect(out).toContain('reverse-continue     rc');
  });

  it('--json answers each command with one line of JSON', async () => {
    const r = await cli(['debug', trace, '--json'], `goto 5\nwatch obj ${ids.a}\ncontinue\nbogus\nquit\n`);
    expect(r.code).toBe(0);
    const answers = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { command: string; ok: boolean; position: number; event: { seq: number } | null });
    expect(answers.map((a) => a.command)).toEqual(['', 'goto 5', `watch obj ${ids.a}`, 'continue', 'bogus', 'quit']);
    expect(answers[1]).toMatchObject({ ok: true, position: 5, event: { seq: 5 } });
    expect(answers[3]?.position).toBe(seqOf((e) => e.type === 'ObjectAllocated' && e.id === ids.a));
    expect(answers[4]?.ok).toBe(false);
  });

  it('answers mistakes without leaving, and stops at the ends', async () => {
    const out = await debug(`bogus\ngoto 99999\ncontinue\nback\nstep ${events.length + 5}\nprint 99999\n`);
    expect(out).toContain('error: unknown command "bogus"');
    expect(out).toMatch(/error: there is no event 99999: events are numbered 0 to \d+/);
    expect(out).toContain('error: no breakpoints or watches');
    expect(out).toContain('before the first event');
    expect(out).toContain(`${String(last).padStart(6, '0')} `);
    expect(out).toContain('#99999 is not alive');
  });
});
