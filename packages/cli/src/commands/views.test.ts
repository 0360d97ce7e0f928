/*
 * The views of a recorded run as a Python programmer asks for them: `--at end` (the
 * default: the end of the program, before shutdown), `last`, `line:N` (first or --last),
 * `gc:N`; `--obj` by name and path; inspect's --type, --limit, --sort; objects named by
 * the variable or slot that holds them, with CPython's reprs; the memory in CPython's
 * words; `report`. The program runs on the interpreter through the command line.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timeline, readTrace } from '@pymemsim/replay';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../main.js';
import { memoryIo } from '../memoryIo.js';
import { NODES } from './testProgram.js';

const dir = mkdtempSync(join(tmpdir(), 'pymemsim-views-'));
const trace = join(dir, 'nodes.pmt');

const cli = async (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
  const io = memoryIo();
  const code = await runCli(args, io);
  return { code, out: io.stdout, err: io.stderr };
};

beforeAll(async () => {
  const program = join(dir, 'nodes.py');
  writeFileSync(program, NODES);
  expect((await cli('run', '-o', trace, program)).code).toBe(0);
});

const json = <T>(text: string): T => JSON.parse(text) as T;

interface Inspected {
  at: number;
  when: string;
  line: number;
  globals: { name: string; object: { id: number; type: string; repr: string } | null }[];
  objects: { id: number; type: string; name: string | null; refcount: number; size: number; repr: string }[];
  matched: number;
  memory: Record<string, unknown>;
}

describe('--at', () => {
  it('defaults to the end of the program, before interpreter shutdown (the main frame exits there)', async () => {
    const r = await cli('inspect', trace);
    expect(r.code).toBe(0);
    const timeline = Timeline.open(readFileSync(trace), trace);
    const end = timeline.userCodeEnd();
    expect(end).toBeDefined();
    expect(timeline.footer?.userCodeEnd).toBe(end); // recorded in the footer
    expect(timeline.event(end ?? 0)).toMatchObject({ type: 'FrameExited', frame: 1 });
    expect(r.out).toContain(`the heap at the end of the program (event ${end}, before interpreter shutdown)`);
    expect(r.out).toContain('line 21: print(len(items))');
    expect(r.out).toMatch(/head = #\d+ Node <__main__\.Node object at 0x[0-9a-f]+>/);
    const at = json<Inspected>((await cli('inspect', trace, '--json')).out);
    expect(at.at).toBe(end);
    expect(at.globals.map((g) => g.name)).toEqual(expect.arrayContaining(['head', 'items', 'tail', 'Node', 'build']));
  });

  it('end, last, N: the end of the program, after shutdown, after an event', async () => {
    const end = json<Inspected>((await cli('inspect', trace, '--at', 'end', '--json')).out);
    const last = json<Inspected>((await cli('inspect', trace, '--at', 'last', '--json')).out);
    const events = readTrace(readFileSync(trace), trace).events.length;
    expect(last.at).toBe(events - 1);
    expect(last.when).toContain('after interpreter shutdown');
    expect(last.globals).toEqual([]); // __main__ is gone after shutdown
    expect(last.objects.some((o) => o.type === 'Node')).toBe(false);
    expect(end.objects.filter((o) => o.type === 'Node')).toHaveLength(3);
    const n = json<Inspected>((await cli('inspect', trace, '--at', '5', '--json')).out);
    expect(n.at).toBe(5);
  });

  it('line:N is where line N starts: the first time, or the last with --last', async () => {
    const first = json<Inspected>((await cli('inspect', trace, '--at', 'line:10', '--json')).out);
    const last = json<Inspected>((await cli('inspect', trace, '--at', 'line:10', '--last', '--json')).out);
    const events = readTrace(readFileSync(trace), trace).events;
    const hits = events.flatMap((e, i) => (e.type === 'LineExecuted' && e.line === 10 ? [i] : []));
    expect(hits.length).toBeGreaterThanOrEqual(3); // once per Node (and the interpreter's loop exit)
    expect(first.at).toBe(hits[0]);
    expect(last.at).toBe(hits.at(-1));
    expect(first.line).toBe(10);
    expect(first.when).toContain('the first time it runs');
    expect(last.when).toContain('the last time it runs');
    const text = await cli('inspect', trace, '--at', 'line:10');
    expect(text.out).toMatch(/frame \d+ build \(running\), called from frame 1/);
  });

  it('gc:N is just after the Nth collection', async () => {
    const events = readTrace(readFileSync(trace), trace).events;
    const finished = events.flatMap((e, i) => (e.type === 'GcFinished' ? [i] : []));
    const r = json<Inspected>((await cli('inspect', trace, '--at', 'gc:1', '--json')).out);
    expect(r.at).toBe(finished[0]);
    expect(r.line).toBe(19); // gc.collect()
    const none = await cli('inspect', trace, '--at', `gc:${finished.length + 1}`);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--at gc:\d+: .* has \d+ GC pass/);
  });

  it('refuses a line that never runs and a malformed --at, exit 2', async () => {
    const never = await cli('inspect', trace, '--at', 'line:99');
    expect(never.code).toBe(2);
    expect(never.err).toContain('line 99 never runs');
    const bad = await cli('inspect', trace, '--at', 'line:x');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('line:N needs a positive number');
  });

  it('applies to stats, why and export --format dot alike', async () => {
    const stats = await cli('stats', trace);
    expect(stats.out).toContain('at the end of the program');
    const dot = await cli('export', trace, '--format', 'dot');
    expect(dot.out).toContain('the heap at the end of the program');
    expect(dot.out).toMatch(/#\d+ Node \(head\)/);
    const atLine = await cli('export', trace, '--format', 'dot', '--at', 'line:14');
    expect(atLine.out).toContain('where line 14 starts');
    const jsonl = await cli('export', trace, '--format', 'jsonl');
    const events = readTrace(readFileSync(trace), trace).events.length;
    expect(jsonl.out.trimEnd().split('\n')).toHaveLength(events); // jsonl: every event by default
  });
});

describe('--obj by name', () => {
  it('resolves a variable, attributes and items at --at', async () => {
    const head = json<{ object: number; name: string }>((await cli('why', trace, '--obj', 'head', '--json')).out);
    const next = json<{ object: number; name: string }>((await cli('why', trace, '--obj', 'head.next', '--json')).out);
    const item = json<{ object: number }>((await cli('why', trace, '--obj', 'items[1]', '--json')).out);
    const tail = json<{ object: number; name: string }>((await cli('why', trace, '--obj', 'tail', '--json')).out);
    expect(head.name).toBe('head');
    expect(next.name).toBe('head.next');
    expect(item.object).toBe(next.object);
    expect(tail.object).not.toBe(next.object);
    const text = await cli('why', trace, '--obj', 'head.next');
    expect(text.out).toMatch(/Node #\d+ \(head\.next\) <__main__\.Node object at 0x[0-9a-f]+> is alive at the end/);
    expect(text.out).toContain('head.next  (the global head: Node #');
    expect(text.out).toMatch(/\.next of Node #\d+ \(head\)/);
    expect(text.out).toMatch(/\[1\] of list #\d+ \(items\)/);
  });

  it('why says each chain once: the globals of __main__ are reached from many roots', async () => {
    const why = json<{ chains: { text: string }[] }>((await cli('why', trace, '--obj', 'head', '--json')).out);
    const texts = why.chains.map((c) => c.text);
    expect(texts).toContain('the global head');
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('history takes a name too, resolved at the end of the program by default', async () => {
    const r = await cli('history', trace, '--obj', 'head');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/events touched Node #\d+ \(head at event \d+\)/);
    expect(r.out).toMatch(/(its reference moves from .* to|a reference held by) the global head/);
    // Where line 10 first starts, the innermost head is build's local, still None.
    const early = await cli('history', trace, '--obj', 'head', '--at', 'line:10');
    expect(early.out).toMatch(/touched NoneType #\d+ \(head at event \d+\)/);
  });

  it('says where a name is not bound, exit 2', async () => {
    const r = await cli('why', trace, '--obj', 'nosuch');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--obj nosuch: no variable nosuch is bound here at the end of the program/);
    const attr = await cli('why', trace, '--obj', 'head.nope');
    expect(attr.err).toMatch(/head \(Node\) holds no reference \.nope/);
  });
});

describe('inspect of a big heap', () => {
  it('--type keeps some types, --sort orders, --limit cuts and says how many more', async () => {
    const nodes = json<Inspected>((await cli('inspect', trace, '--type', 'Node', '--json')).out);
    expect(nodes.objects.length).toBe(3);
    expect(nodes.objects.every((o) => o.type === 'Node')).toBe(true);
    // The shortest name: `tail` is a variable, head.next.next a path.
    expect(nodes.objects.map((o) => o.name)).toEqual(['tail', 'head.next', 'head']);
    const bySize = json<Inspected>((await cli('inspect', trace, '--sort', 'size', '--all', '--json')).out);
    const sizes = bySize.objects.map((o) => o.size);
    expect(sizes).toEqual([...sizes].sort((x, y) => y - x));
    const byRefcount = json<Inspected>((await cli('inspect', trace, '--sort', 'refcount', '--json')).out);
    const counts = byRefcount.objects.map((o) => o.refcount);
    expect(counts).toEqual([...counts].sort((x, y) => y - x));
    const one = await cli('inspect', trace, '--type', 'Node,list', '--limit', '1');
    expect(one.out).toMatch(/\.\.\. \d+ more \(1 of \d+ shown/);
    const bad = await cli('inspect', trace, '--sort', 'name');
    expect(bad.code).toBe(2);
  });

  it('names objects, prints CPython reprs, and says memory in CPython words', async () => {
    const r = await cli('inspect', trace);
    expect(r.out).toMatch(/#\d+ +list +items +/);
    expect(r.out).toMatch(/#\d+ +Node +head\.next +/);
    expect(r.out).toMatch(/\[<__main__\.Node object at 0x[0-9a-f]+>, <__main__\.Node/); // not [, ]
    expect(r.out).toContain('Node = #');
    expect(r.out).toContain("<class '__main__.Node'>");
    expect(r.out).toMatch(/<function build at 0x[0-9a-f]+>/);
    expect(r.out).toMatch(/pymalloc: 1 arena of 1,048,576 bytes allocated/);
    expect(r.out).toMatch(/system allocator \(blocks over 512 bytes\)/);
    for (const internal of ['usableArenas', 'arenaMapMid', 'raw.top', 'nfp2lasta', '-1']) {
      expect(r.out.slice(r.out.indexOf('memory:'))).not.toContain(internal);
    }
  });
});

describe('pymemsim report', () => {
  interface ReportJson {
    rows: { key: string; allocations: number; bytes: number; aliveAtEnd: number; source?: string }[];
    total: { allocations: number };
    startup: number;
  }

  it('ranks the lines that allocate, with bytes, peak and what is alive at the end', async () => {
    const r = await cli('report', trace);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/line +allocations +bytes +peak live +alive at end +source/);
    // Each Node(i, head) also makes the tuple its arguments are packed into
    // (_PyObject_MakeTpCall), freed when the call returns: 6 objects, 3 alive at the end.
    expect(r.out).toMatch(/\n {2}10 +6 +336 B .*head = Node\(i, head\)/);
    const j = json<ReportJson>((await cli('report', trace, '--json')).out);
    const line10 = j.rows.find((row) => row.key === '10');
    expect(line10).toMatchObject({ allocations: 6, aliveAtEnd: 3 });
    // Lines 15-16 make the cycle the collection frees: allocated, none alive at the end.
    expect(j.rows.find((row) => row.key === '15')).toMatchObject({ aliveAtEnd: 0 });
    expect(j.rows.find((row) => row.key === '16')).toMatchObject({ aliveAtEnd: 0 });
  });

  it('by type counts every object the run allocated; by function names the frames', async () => {
    const all = json<ReportJson>(
      (await cli('report', trace, '--by', 'type', '--startup', '--json', '--at', 'last')).out,
    );
    const contents = readTrace(readFileSync(trace), trace);
    const allocated = contents.events.filter((e) => e.type === 'ObjectAllocated');
    expect(all.total.allocations).toBe(allocated.length);
    const perType = new Map<string, number>();
    for (const e of allocated)
      if (e.type === 'ObjectAllocated') perType.set(e.pyType, (perType.get(e.pyType) ?? 0) + 1);
    expect(new Map(all.rows.map((row) => [row.key, row.allocations]))).toEqual(perType);
    const user = json<ReportJson>((await cli('report', trace, '--by', 'type', '--json')).out);
    expect(user.rows.find((row) => row.key === 'Node')?.allocations).toBe(3);
    expect(user.startup).toBeGreaterThan(0);
    const byFunction = json<ReportJson>((await cli('report', trace, '--by', 'function', '--json')).out);
    // build makes its range, the range's iterator, the three Nodes and their argument tuples.
    expect(byFunction.rows.find((row) => row.key === 'build')?.allocations).toBe(8);
  });
});
