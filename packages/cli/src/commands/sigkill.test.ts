/*
 * A recording killed with SIGKILL (no handler runs, nothing is flushed on the way out)
 * still opens: the trace writer hands each chunk to the operating system as soon as it
 * is complete, so the file holds every chunk written before the kill, and the reader
 * recovers all of them. Runs the built command (packages/cli/bin), so it needs
 * `pnpm build`; without a build it is skipped.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyHeap, foldPlain, hashState } from '@pymemsim/core';
import { RECORD_HEADER_SIZE, TAG_EVENTS, Timeline, indexTrace, readTrace } from '@pymemsim/replay';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'pymemsim.js');
const built = existsSync(bin) && spawnSync(process.execPath, [bin, '--version']).status === 0;

/** A program that runs until it is stopped, allocating all the while. */
const FOREVER = `i = 0
while True:
    x = [i, [i]]
    i = i + 1
`;

describe('a recording killed with SIGKILL', () => {
  it.runIf(built)('still opens, with every chunk written before the kill', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pymemsim-sigkill-'));
    const program = join(dir, 'forever.py');
    const trace = join(dir, 'forever.pmt');
    writeFileSync(program, FOREVER);
    const child = spawn(process.execPath, [bin, 'run', '-o', trace, '--max-events', '1000000000', program], {
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    // Let the trace grow past several chunks, then kill without warning.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (!existsSync(trace) || statSync(trace).size < 256 * 1024)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const bytes = readFileSync(trace);
    expect(bytes.length).toBeGreaterThan(256 * 1024);
    const contents = readTrace(bytes, trace);
    expect(contents.footer).toBeUndefined();
    expect(contents.recovered?.message).toMatch(/without its footer|cut short/);
    // Every complete record before the kill was recovered: at most the record being
    // written at the moment of the kill is lost.
    const lost = contents.recovered?.lostFromOffset ?? 0;
    const index = indexTrace(bytes, trace);
    const lastChunk = index.chunks.at(-1);
    expect(lastChunk).toBeDefined();
    expect(contents.events.length).toBe((lastChunk?.first ?? 0) + (lastChunk?.count ?? 0));
    if (lost < bytes.length) {
      expect(bytes[lost]).toBe(TAG_EVENTS); // a chunk cut short by the kill
      expect(bytes.length - lost).toBeLessThan(RECORD_HEADER_SIZE + (lastChunk?.payload.length ?? 0) * 4);
    }
    expect(contents.events.length).toBeGreaterThan(100_000);
    // The recovered events fold into a consistent heap, and the timeline opens them.
    const timeline = Timeline.open(bytes, trace);
    expect(hashState(timeline.stateAt(timeline.last))).toBe(hashState(foldPlain(emptyHeap(), contents.events)));
    expect(contents.header.program.source).toBe(FOREVER);
  });
});

describe('a recording stopped with Ctrl-C (SIGINT)', () => {
  it.runIf(built)(
    'finishes its trace: the footer is written and the trace replays to it',
    { timeout: 120_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pymemsim-sigint-'));
      const program = join(dir, 'forever.py');
      const trace = join(dir, 'forever.pmt');
      writeFileSync(program, FOREVER);
      const child = spawn(process.execPath, [bin, 'run', '-o', trace, program], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (!existsSync(trace) || statSync(trace).size < 64 * 1024)) {
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/interrupted \(Ctrl-C\); the trace keeps every event so far/);
      const contents = readTrace(readFileSync(trace), trace);
      expect(contents.recovered).toBeUndefined();
      expect(contents.footer).toBeDefined();
      expect(hashState(foldPlain(emptyHeap(), contents.events))).toBe(contents.footer?.finalHash);
    },
  );
});
