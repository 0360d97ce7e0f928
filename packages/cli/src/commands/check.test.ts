import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace } from '@pymemsim/replay';
import { runCli } from '../main.js';
import { FAULTS } from '../check/faults.js';
import { SUITE_NAMES } from '../check/suites.js';
import { checkCommand } from './check.js';
import { memoryIo } from '../memoryIo.js';

const workdir = (): string => mkdtempSync(join(tmpdir(), 'pymemsim-check-'));

describe('pymemsim check', () => {
  it('passes every suite (100 runs each), one summary line per suite, exit 0', async () => {
    const io = memoryIo();
    expect(await runCli(['check', '--runs', '100', '--seed', '1', '--out', workdir()], io)).toBe(0);
    for (const name of SUITE_NAMES) expect(io.stdout).toMatch(new RegExp(`^${name} +100 runs +[\\d.]+s +passed$`, 'm'));
    expect(io.stdout).toContain('all passed: 6 suites, seed 1');
    expect(io.stderr).toBe(''); // no progress bar when stderr is not a terminal
  }, 120_000);

  it('refuses --path without its suite and seed, and an unknown suite (exit 2)', async () => {
    expect(await runCli(['check', '--path', '1:2'], memoryIo())).toBe(2);
    expect(await runCli(['check', '--suite', 'gc', '--path', '1:2'], memoryIo())).toBe(2);
    const io = memoryIo();
    expect(await runCli(['check', '--suite', 'nope'], io)).toBe(2);
    expect(io.stderr).toContain('no such suite');
  });

  describe.each(SUITE_NAMES.map((name) => [name]))('suite %s with a fault injected', (name) => {
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
