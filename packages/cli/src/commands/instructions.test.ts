/*
 * Instruction offsets: every event of a recorded run names the byte offset of the
 * instruction that caused it, the offsets `pymemsim dis` prints; the debugger steps by
 * them (stepi, nexti and their reverse forms) and shows the value stack (stack); a trace
 * of event schema 1, written before offsets, still opens, replays and answers.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Timeline } from '@pymemsim/replay';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../main.js';
import { memoryIo } from '../memoryIo.js';

const dir = mkdtempSync(join(tmpdir(), 'pymemsim-instructions-'));

const CALLS = `def f(a):
    b = [a, 1]
    return b

x = f("s")
y = (x, 2)
`;

// No calls: every event of lines 1 to 4 comes from the module's own instructions.
const BUILDS = `a = [1, 2]
b = {'k': a}
c = (a, b, 2.5)
d = [c, [a]]
`;

/** `pymemsim dis` of a program: its module's instructions by line (the first code object only). */
async function moduleDis(program: string): Promise<{ line: number; offset: number; op: string }[]> {
  const io = memoryIo();
  expect(await runCli(['dis', program], io)).toBe(0);
  const module = io.stdout.split('Disassembly of')[0] ?? '';
  const out: { line: number; offset: number; op: string }[] = [];
  let line = 0;
  for (const row of module.split('\n')) {
    const m = /^\s*(\d+)?\s+(\d+) ([A-Z_]+)/.exec(row);
    if (m === null) continue;
    if (m[1] !== undefined) line = Number(m[1]);
    out.push({ line, offset: Number(m[2]), op: m[3] ?? '' });
  }
  return out;
}

async function record(name: string, source: string): Promise<{ program: string; trace: string }> {
  const program = join(dir, `${name}.py`);
  const trace = join(dir, `${name}.pmt`);
  writeFileSync(program, source);
  expect(await runCli(['run', '-o', trace, program], memoryIo())).toBe(0);
  return { program, trace };
}

async function debug(trace: string, script: string): Promise<string> {
  const io = memoryIo({ input: script.split('\n') });
  expect(await runCli(['debug', trace], io)).toBe(0);
  return io.stdout;
}

describe('events carry the offsets dis prints', () => {
  let builds: { program: string; trace: string };
  beforeAll(async () => {
    builds = await record('builds', BUILDS);
  });

  it("each line's allocations come from its BUILD_ instructions, every module event from one of its line's instructions", async () => {
    const dis = await moduleDis(builds.program);
    const t = Timeline.open(readFileSync(builds.trace), builds.trace);
    let line = 0;
    let frame = 0; // the frame running before each event
    const allocated = new Map<number, Set<number>>();
    for (const [, e] of t.events(0, t.last)) {
      if (e.type === 'LineExecuted') line = e.line;
      if (frame === 1 && line >= 1 && line <= 4) {
        const offsets = dis.filter((i) => i.line === line).map((i) => i.offset);
        expect(e.offset, `${e.type} of line ${line}`).toBeDefined();
        expect(offsets).toContain(e.offset);
        if (e.type === 'ObjectAllocated') {
          const set = allocated.get(line) ?? new Set<number>();
          set.add(e.offset ?? -1);
          allocated.set(line, set);
        }
      }
      if (e.type === 'FrameEntered') frame = e.frame;
      else if (e.type === 'FrameExited') frame = e.frame === 1 ? 0 : frame;
    }
    for (let l = 1; l <= 4; l++) {
      const builders = dis.filter((i) => i.line === l && i.op.startsWith('BUILD_')).map((i) => i.offset);
      expect(builders.length).toBeGreaterThan(0);
      // Line 3's float constant is made by the compiler, not by an instruction.
      expect(
        [...(allocated.get(l) ?? [])].sort((x, y) => x - y),
        `line ${l}`,
      ).toEqual(builders);
    }
  });

  it('inspect --json and the JSON Lines export carry the offset; validate accepts the export with and without it', async () => {
    const io = memoryIo();
    expect(await runCli(['inspect', builds.trace, '--at', 'line:3', '--json'], io)).toBe(0);
    const report = JSON.parse(io.stdout) as { offset: number | null; source: string };
    const dis = await moduleDis(builds.program);
    expect(report.offset).toBe(dis.find((i) => i.line === 3)?.offset);
    expect(report.source).toBe('line 3: c = (a, b, 2.5)');

    const jsonl = join(dir, 'builds.jsonl');
    expect(await runCli(['export', builds.trace, '--format', 'jsonl', '-o', jsonl], memoryIo())).toBe(0);
    const rows = readFileSync(jsonl, 'utf8').trimEnd().split('\n');
    expect(rows.filter((r) => r.includes('"offset":')).length).toBeGreaterThan(10);
    expect(await runCli(['validate', jsonl], memoryIo())).toBe(0);
    const without = join(dir, 'builds-without-offsets.jsonl');
    writeFileSync(without, rows.map((r) => r.replace(/,"offset":\d+/, '')).join('\n'));
    expect(readFileSync(without, 'utf8')).not.toContain('"offset"');
    expect(await runCli(['validate', without], memoryIo())).toBe(0);
    const bad = join(dir, 'builds-bad-offset.jsonl');
    writeFileSync(bad, rows.map((r) => r.replace(/"offset":\d+/, '"offset":-2')).join('\n'));
    const badIo = memoryIo();
    expect(await runCli(['validate', bad], badIo)).not.toBe(0);
    expect(badIo.stdout + badIo.stderr).toMatch(/offset should be a non-negative integer/);
  });
});

describe('the debugger steps by instructions', () => {
  let calls: { program: string; trace: string };
  let offsets: { line: number; offset: number; op: string }[];
  beforeAll(async () => {
    calls = await record('calls', CALLS);
    offsets = await moduleDis(calls.program);
  });
  const at = (line: number, op: string): number => {
    const found = offsets.find((i) => i.line === line && i.op === op);
    expect(found, `${op} on line ${line}`).toBeDefined();
    return found?.offset ?? -1;
  };

  it('nexti goes instruction by instruction over the call; stack shows the value stack, top first', async () => {
    const out = await debug(calls.trace, 'b 5\nc\nni\nni\nstack\nni\nni\n');
    const stops = [...out.matchAll(/at line (\d+), offset (\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(stops).toEqual([
      [5, at(5, 'PUSH_NULL')], // the breakpoint: where line 5 starts
      [5, at(5, 'LOAD_NAME')],
      [5, at(5, 'LOAD_CONST')],
      [5, at(5, 'CALL')], // the frame for f is entered
      [5, at(5, 'STORE_NAME')], // over the call: f's instructions are passed over
    ]);
    expect(out).toMatch(
      /value stack of frame 1 \(<module>\) after event \d+, 2 references, top first:\n +0 {2}str #\d+ 's'\n +1 {2}function #\d+ \(f\) <function f at 0x[0-9a-f]+>/,
    );
  });

  it('stepi goes into the call; reverse-stepi and reverse-nexti come back to the first event of the previous instruction', async () => {
    const out = await debug(calls.trace, 'b 5\nc\nni 3\nsi\nsi\nstack\nrsi\nrsi\nrsi\nni 4\nrni\nrni\nrni\n');
    // Each stop prints its event (seq, type) and then where it is.
    const events = [...out.matchAll(/^(\d{6}) (\w+)/gm)];
    const places = [...out.matchAll(/at line (\d+), offset (\d+)/g)];
    expect(events).toHaveLength(places.length);
    const stops = events.map((m, i) => ({
      seq: Number(m[1]),
      type: m[2],
      line: Number(places[i]?.[1]),
      offset: Number(places[i]?.[2]),
    }));
    expect(stops.map((s) => [s.line, s.offset])).toEqual([
      [5, at(5, 'PUSH_NULL')], // b 5, c
      [5, at(5, 'CALL')], // ni 3: LOAD_NAME, LOAD_CONST, CALL (PUSH_NULL and PRECALL make no event)
      [2, 2], // si: into f, where line 2 starts (LOAD_FAST a, offset 2 in f)
      [2, 4], // si: LOAD_CONST 1
      [2, 2], // rsi: back to the first event of LOAD_FAST (its line's start)
      [5, at(5, 'CALL')], // rsi: back out of f to the CALL
      [5, at(5, 'LOAD_CONST')], // rsi
      [6, at(6, 'LOAD_CONST')], // ni 4: CALL, STORE_NAME (over f), LOAD_NAME x, LOAD_CONST 2
      [6, at(6, 'LOAD_NAME')], // rni
      [5, at(5, 'STORE_NAME')], // rni
      [5, at(5, 'CALL')], // rni: over f's instructions, back to the CALL
    ]);
    expect(stops[1]?.type).toBe('FrameEntered');
    expect(stops[5]?.seq).toBe(stops[1]?.seq);
    expect(stops[10]?.seq).toBe(stops[1]?.seq);
    expect(stops[4]?.seq).toBe(stops[2]?.seq);
    expect(out).toMatch(
      /value stack of frame 2 \(f\) after event \d+, 2 references, top first:\n +0 {2}int #\d+ 1\n +1 {2}str #\d+ \(a\) 's'/,
    );
  });

  it("disassemble shows the current frame's code around the current instruction, marked", async () => {
    const out = await debug(calls.trace, 'disas\nb 2\nc\nsi\ndisas\nb 6\nc\ndisassemble\n');
    expect(out).toContain('no instruction: before the first event');
    expect(out).toMatch(
      /Disassembly of <code object f at 0x[0-9a-f]+, file ".*calls\.py", line 1>:\n( {3}.*\n)+=> +4 LOAD_CONST +1 \(1\)\n/,
    );
    expect(out).toMatch(
      new RegExp(`the module <module>:\\n( {3}.*\\n)+=> +6 +${at(6, 'LOAD_NAME')} LOAD_NAME +1 \\(x\\)\\n`),
    );
  });

  it('says so where no instruction is left, and before the first event the stack has no frame', async () => {
    const out = await debug(calls.trace, 'rsi\nstack\nni 100000\nni\nsi\n');
    expect(out).toMatch(/no instruction runs before event -1; staying here/);
    expect(out).toMatch(/no frame is running: before the first event/);
    expect(out).toMatch(/no instruction of this frame runs after event \d+; staying here/);
    expect(out).toMatch(/no instruction runs after event \d+; staying here/);
  });
});

describe('a trace of event schema 1 (written before offsets)', () => {
  const path = join(
    import.meta.dirname,
    '..',
    '..',
    '..',
    'replay',
    'src',
    'fixtures',
    'demo-without-user-code-end.pmt',
  );

  it('opens, replays to its recorded state and answers; stepi says why it cannot step by instructions', async () => {
    const t = Timeline.open(readFileSync(path), path);
    expect(t.header.schema).toBe(1);
    expect([...t.events(0, t.last)].some(([, e]) => e.offset !== undefined)).toBe(false);
    const replay = memoryIo();
    expect(await runCli(['replay', path], replay)).toBe(0);
    expect(replay.stdout + replay.stderr).toContain('matches the recording');
    const inspect = memoryIo();
    expect(await runCli(['inspect', path, '--json'], inspect)).toBe(0);
    expect((JSON.parse(inspect.stdout) as { offset: unknown }).offset).toBeNull();
    const out = await debug(path, 'b 24\nc\nsi\nrni\nstep\nstack\n');
    expect(out).toMatch(/breakpoint 1, line 24\n\d+ LineExecuted line=24\n {2}at line 24: /);
    expect(out.match(/error: this trace has no instruction offsets \(its events are of schema 1/g)).toHaveLength(2);
    expect(out).toMatch(/value stack of frame 1 \(<module>\) after event \d+/);
  });
});
