/*
 * The debugger's gdb and rr verbs on a recorded run: break, print, bt, list, finish,
 * reverse-step/rs, reverse-next/rn, reverse-finish, info, next, with gdb's short forms
 * and unique prefixes; a terminal gets a prompt with line editing and history.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../main.js';
import { memoryIo } from '../memoryIo.js';
import { readFileSync } from 'node:fs';
import { Timeline, lookupVariable } from '@pymemsim/replay';
import { Debugger, commandOf, debugCommand, type InteractiveIo } from './debug.js';
import { NODES } from './testProgram.js';

const dir = mkdtempSync(join(tmpdir(), 'pymemsim-debug-'));
const trace = join(dir, 'nodes.pmt');

beforeAll(async () => {
  const program = join(dir, 'nodes.py');
  writeFileSync(program, NODES);
  expect(await runCli(['run', '-o', trace, program], memoryIo())).toBe(0);
});

const debug = async (script: string): Promise<string> => {
  const io: InteractiveIo & { stdout: string } = Object.assign(memoryIo(), {
    input: Readable.from([script]),
    inIsTty: false,
  });
  expect(await debugCommand(trace, io)).toBe(0);
  return io.stdout;
};

describe('gdb verbs', () => {
  it('b LINE sets a breakpoint (it does not move), c stops where the line starts, p prints', async () => {
    const out = await debug('b 10\nc\np head\ndelete 1\nb 14\nc\np head\np head.value\n');
    expect(out).toContain('breakpoint 1 at line 10: head = Node(i, head)\n');
    expect(out).not.toMatch(/breakpoint 1 at line 10.*\n\d{6} /); // b did not move the cursor
    const hits = [...out.matchAll(/breakpoint 1, line 10\n(\d+) LineExecuted line=10/g)].map((m) => Number(m[1]));
    expect(hits).toHaveLength(1);
    expect(out).toMatch(/breakpoint 2, line 14\n/);
    expect(out).toMatch(/NoneType #\d+ \(head\) None/); // the first time, head is still None
    expect(out).toMatch(/Node #\d+ \(head\) <__main__\.Node object at 0x[0-9a-f]+>\n {2}refcount \d+/);
    expect(out).toMatch(/int #\d+ \(head\.value\) 2/);
  });

  it('p takes an object id as gdb users type it: p 512 prints object #512', async () => {
    const found = await debug('b 20\nc\np head\n');
    const id = /Node #(\d+) \(head\)/.exec(found)?.[1];
    expect(id).toBeDefined();
    const out = await debug(`b 20\nc\np ${id ?? ''}\np #${id ?? ''}\nprint 99999\np\n`);
    expect(out.match(new RegExp(`Node #${id ?? ''} \\(head\\) <__main__`, 'g'))).toHaveLength(2);
    expect(out).toContain('#99999 is not alive');
    expect(out).toContain('error: print what?');
  });

  it('bt lists the frames with their lines; list shows the source around the line, marked', async () => {
    const out = await debug('break 10\ncontinue\nbt\nlist\ninfo locals\ninfo frame\n');
    expect(out).toMatch(
      /#0 {2}build \(frame \d+\) at line 10: head = Node\(i, head\)\n#1 {2}<module> \(frame 1\) at line 13: head = build\(3\)/,
    );
    expect(out).toMatch(/=>b +10 {2}\s+head = Node\(i, head\)/);
    expect(out).toMatch(/\n +9 {2}\s+for i in range\(n\):/);
    expect(out).toMatch(/n = int #\d+ \(n\) 3/);
    expect(out).toMatch(/head = NoneType #\d+ \(head\) None/);
    expect(out).not.toContain('(code) =');
    expect(out).toMatch(/frame \d+ \(build\), called from frame 1, at line 10/);
  });

  it('finish runs until the frame returns; reverse-finish goes back to its call', async () => {
    const out = await debug('b 10\nc\nreverse-finish\nbt\nc\nfinish\nbt\n');
    expect(out).toMatch(/frame \d+ returns to frame 1 \(<module>\) at line 13: head = build\(3\)\n\d+ FrameExited/);
    expect(out).toMatch(/FrameExited[\s\S]*#0 {2}<module> \(frame 1\) at line 13/);
    expect(out).toMatch(/before frame \d+ \(build\) is entered\n[\s\S]*#0 {2}<module> \(frame 1\) at line 13/);
  });

  it('next steps over calls, next-line steps into them; rs and rn step back', async () => {
    const out = await debug('b 13\nc\nnext\nrn\nnext-line\nrs\nrs\n');
    const lines = [...out.matchAll(/LineExecuted line=(\d+)/g)].map((m) => Number(m[1]));
    // c stops at 13; next goes over build() to 14; rn back to 13; next-line into build (8);
    // rs back to 13, rs again to the line before 13 (the def of build, line 7).
    expect(lines).toEqual([13, 14, 13, 8, 13, 7]);
  });

  it('info breakpoints and delete; unique prefixes and the old verbs still work', async () => {
    const out = await debug(
      'b 10\nbreak 14\ninfo breakpoints\ndelete 1\ninfo b\ncont\nstep 2\nback\ngoto 3\nwatch head\nwatch obj 1\nunwatch\n',
    );
    expect(out).toMatch(
      /breakpoint 1 at line 10: head = Node\(i, head\)\nbreakpoint 2 at line 14: items = \[head, head\.next\]\nno watches/,
    );
    expect(out).toContain('deleted breakpoint 1');
    expect(out).toMatch(/breakpoint 2, line 14\n\d+ LineExecuted line=14/);
    expect(out).toContain('000003 ');
    expect(out).toContain('watching var head');
    expect(out).toContain('watching obj #1');
    expect(out).toContain('removed 2 watches');
    expect(commandOf('fin')).toBe('finish');
    expect(commandOf('rs')).toBe('reverse-step');
    expect(commandOf('rn')).toBe('reverse-next');
    expect(commandOf('b')).toBe('break');
    expect(commandOf('p')).toBe('print');
    expect(commandOf('prev-line')).toBe('reverse-step');
    expect(commandOf('re')).toBeUndefined(); // ambiguous
  });

  it('continue and reverse-continue stop at breakpoints and watches together', async () => {
    const out = await debug('watch tail\nb 14\nc\nc\nrc\n');
    expect(out).toMatch(/breakpoint 1, line 14\n/);
    expect(out).toMatch(/watch var tail: unbound -> #\d+ \(global\)/);
    expect(out.indexOf('breakpoint 1, line 14')).toBeLessThan(out.indexOf('watch var tail: unbound'));
  });
});

describe('watching a variable', () => {
  const TRACES = join(import.meta.dirname, '..', '..', '..', '..', 'traces');
  const cases = [
    {
      trace: 'nodes',
      path: trace,
      names: ['head', 'items', 'i', 'n', 'a', 'b', 'tail', 'value', 'next', 'self', 'gc'],
    },
    ...readdirSync(TRACES)
      .sort()
      .map((name) => {
        const source = readFileSync(join(TRACES, name, 'program.py'), 'utf8');
        // The program's own names (a few of them): its variables, functions and classes.
        const names = [...new Set(source.match(/\b[A-Za-z_]\w*\b/g) ?? [])].slice(0, 10);
        return { trace: name, path: join(TRACES, name, 'trace.pmt'), names };
      }),
  ];
  it.each(cases)(
    '$trace: continue and reverse-continue stop at every event after which the name is bound to another object, and only there',
    ({ path, names }) => {
      const timeline = Timeline.open(readFileSync(path), path);
      const bound = (n: number, name: string): string => {
        const v = lookupVariable(timeline.stateAt(n), name);
        return v === undefined ? 'unbound' : `${v.frame}/${v.id}`;
      };
      for (const name of names) {
        // Every event where the binding differs from the one before it, looking at each state.
        const expected: number[] = [];
        let before = bound(-1, name);
        for (let n = 0; n < timeline.length; n++) {
          const now = bound(n, name);
          if (now !== before) expected.push(n);
          before = now;
        }
        const dbg = new Debugger(timeline);
        expect(dbg.run(`watch var ${name}`).error).toBe(false);
        const forward: number[] = [];
        while (!dbg.run('continue').output.includes('no breakpoint or watch hit')) forward.push(dbg.position);
        expect(forward, name).toEqual(expected);
        const backward: number[] = [];
        dbg.run(`goto ${timeline.last}`);
        while (!dbg.run('reverse-continue').output.includes('no breakpoint or watch hit')) backward.push(dbg.position);
        expect(backward.reverse(), name).toEqual(expected.filter((n) => n < timeline.last));
      }
    },
    120_000,
  );
});

describe('on a terminal', () => {
  it('prompts, edits the line and recalls history with the arrows', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d: Buffer) => {
      shown += d.toString('utf8');
    });
    const io: InteractiveIo & { stdout: string } = Object.assign(memoryIo(), { input, output, inIsTty: true });
    const done = debugCommand(trace, io);
    input.write('goto 3\n');
    input.write('\x1b[A'); // up: the last command again
    input.write('\n');
    input.write('q\n');
    input.end();
    expect(await done).toBe(0);
    expect(shown).toContain('(pymemsim) ');
    expect(io.stdout.match(/000003 /g)).toHaveLength(2); // goto 3, then goto 3 recalled
  });
});
