import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace } from '@pymemsim/replay';
import { runCli } from '../main.js';
import fc from 'fast-check';
import { FAULTS, generatorKeepsFrame } from '../check/faults.js';
import { LawBroken } from '../check/laws.js';
import { FRAME_KINDS, PRELUDE, compileSteps, type Step } from '../check/program.js';
import { SUITE_NAMES, checkProgramAgainst, findSuite, suiteArbitrary } from '../check/suites.js';
import { checkCommand } from './check.js';
import { memoryIo } from '../memoryIo.js';

const workdir = (): string => mkdtempSync(join(tmpdir(), 'pymemsim-check-'));

describe('pymemsim check', () => {
  // 25 runs a suite keeps this test to a minute or two on a two-core machine; `pymemsim
  // check` itself runs 100 (and --runs more) when a user checks.
  it('passes every suite (25 runs each), one summary line per suite, exit 0', async () => {
    const io = memoryIo();
    expect(await runCli(['check', '--runs', '25', '--seed', '1', '--out', workdir()], io)).toBe(0);
    for (const name of SUITE_NAMES) expect(io.stdout).toMatch(new RegExp(`^${name} +25 runs +[\\d.]+s +passed$`, 'm'));
    expect(io.stdout).toContain('all passed: 7 suites, seed 1');
    expect(io.stderr).toBe(''); // no progress bar when stderr is not a terminal
  }, 600_000);

  it('refuses --path without its suite and seed, and an unknown suite (exit 2)', async () => {
    expect(await runCli(['check', '--path', '1:2'], memoryIo())).toBe(2);
    expect(await runCli(['check', '--suite', 'gc', '--path', '1:2'], memoryIo())).toBe(2);
    const io = memoryIo();
    expect(await runCli(['check', '--suite', 'nope'], io)).toBe(2);
    expect(io.stderr).toContain('no such suite');
  });

  // The frames suite's fault is caught on a hand-written program below ("catches a
  // generator that keeps its frame"): drawing and shrinking its long programs here takes
  // minutes on two cores.
  describe.each(SUITE_NAMES.filter((name) => name !== 'frames').map((name) => [name]))(
    'suite %s with a fault injected',
    (name) => {
      it('fails, prints a shrunk program of a few lines, saves its trace, and replays by seed and path', () => {
        const out = workdir();
        const io = memoryIo();
        const code = checkCommand({ suite: [name], runs: 100, seed: 42, out, targets: FAULTS }, io);
        expect(code).toBe(1);
        expect(io.stdout).toMatch(new RegExp(`^${name} +\\d+ runs .* FAILED$`, 'm'));
        expect(io.stdout).toMatch(/property broken .*: [a-z-]+: /);
        const program = /program \(shrunk.*\n((?: {4}.*\n)+)/.exec(io.stdout)?.[1]?.trimEnd().split('\n') ?? [];
        expect(program.length).toBeGreaterThan(0);
        expect(program.length).toBeLessThanOrEqual(3);
        const trace = join(out, `check-failure-${name}.pmt`);
        expect(existsSync(trace)).toBe(true);
        expect(readTrace(readFileSync(trace), trace).events.length).toBeGreaterThan(0);
        const replay = /replay: pymemsim check --suite \S+ --seed (-?\d+) --path (\S+)/.exec(io.stdout);
        expect(replay).not.toBeNull();
        const again = memoryIo();
        const seed = Number(replay?.[1]);
        expect(checkCommand({ suite: [name], seed, path: replay?.[2] ?? '', out, targets: FAULTS }, again)).toBe(1);
        expect(again.stdout).toMatch(new RegExp(`^${name} +1 runs`, 'm'));
        const replayed = /program \(shrunk.*\n((?: {4}.*\n)+)/.exec(again.stdout)?.[1]?.trimEnd().split('\n');
        expect(replayed).toEqual(program);
      }, 60_000);
    },
  );

  describe('suite frames', () => {
    const frames = findSuite('frames');
    if (frames === undefined) throw new Error('no frames suite');
    // Every frame statement, each followed by the line that makes its holders change.
    const steps: Step[] = [
      { t: 'new', name: 'a', what: 'D' },
      { t: 'gen', name: 'b', arg: 'a' },
      { t: 'next', gen: 'b' },
      { t: 'next', gen: 'b' },
      { t: 'next', gen: 'b' }, // the end: the frame lets go of a and of y = [a]
      { t: 'gen', name: 'b', arg: 'a' },
      { t: 'next', gen: 'b' },
      { t: 'close', gen: 'b' },
      { t: 'new', name: 'c', what: 'list' },
      { t: 'append', owner: 'c', value: 'a', viaCall: false },
      { t: 'genexpr', name: 'd', list: 'c' },
      { t: 'next', gen: 'd' },
      { t: 'pop', owner: 'c' }, // the generator's i still holds a
      { t: 'next', gen: 'd' }, // past the end: the list iterator lets go of c
      { t: 'closure', name: 'b', arg: 'a' },
      { t: 'setattr', owner: 'a', field: 'p', value: 'b' }, // a cycle through the cell
      { t: 'call', name: 'd', fn: 'b' },
      { t: 'with', name: 'c', arg: 'b' },
      { t: 'gen', name: 'b', arg: 'b' }, // a generator whose frame holds its own closure
      { t: 'next', gen: 'b' },
      { t: 'del', name: 'a' },
      { t: 'del', name: 'b' },
      { t: 'del', name: 'c' },
      { t: 'del', name: 'd' },
      { t: 'collect', generation: 2 },
    ];
    const program = compileSteps(steps, frames.prelude);

    it('keeps every law over a program with each frame statement, and the model drops none of them', () => {
      expect(program.steps).toEqual(steps);
      expect(program.lines).toContain('with Hold(b) as c: pass');
      expect(program.lines).toContain('d = (i for i in c)');
      expect(() => checkProgramAgainst(frames, program)).not.toThrow();
    });

    it('catches a generator that keeps its frame: refcount, after the line that ended it', () => {
      let broken: unknown;
      try {
        checkProgramAgainst(frames, program, generatorKeepsFrame);
      } catch (error) {
        broken = error;
      }
      expect(broken).toBeInstanceOf(LawBroken);
      expect((broken as LawBroken).line).toBe(5); // the third next(b, None)
    });

    it('draws generators, generator expressions, closures and with blocks in many programs (over a quarter)', () => {
      const drawn = fc.sample(suiteArbitrary(frames), { numRuns: 400, seed: 7 });
      const kinds = new Set(drawn.flatMap((p) => p.steps.map((s) => s.t)));
      for (const kind of FRAME_KINDS) expect(kinds).toContain(kind);
      const withFrames = drawn.filter((p) => p.steps.some((s) => FRAME_KINDS.includes(s.t)));
      expect(withFrames.length).toBeGreaterThan(100);
      expect(frames.prelude).toBe(PRELUDE);
    });
  });

  it('--json reports each suite and the failure', () => {
    const io = memoryIo();
    expect(checkCommand({ suite: ['gc'], runs: 50, seed: 3, json: true, out: workdir(), targets: FAULTS }, io)).toBe(1);
    const report = JSON.parse(io.stdout) as {
      ok: boolean;
      suites: { suite: string; ok: boolean; failure?: { law: string; program: string[] } }[];
    };
    expect(report.ok).toBe(false);
    expect(report.suites[0]?.failure?.law).toBe('reachable-alive');
    expect(report.suites[0]?.failure?.program.length).toBeLessThanOrEqual(3);
  });
});
