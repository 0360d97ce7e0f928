/*
 * The golden traces of traces/: each program re-run now must give exactly the events
 * of its trace.txt, and each stored trace.pmt must replay to the final state it
 * recorded. `pnpm golden:update` (GOLDEN_UPDATE=1) rewrites them instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROGRAM } from '@pymemsim/interp';
import { readTrace, replayTrace } from '@pymemsim/replay';
import { describe, expect, it } from 'vitest';
import { DEMO_CASE, dumpEvents, expectedStdout, goldenCases, record, updateCase } from './golden.js';

const UPDATE = process.env['GOLDEN_UPDATE'] === '1';
const cases = goldenCases();

describe('golden traces', () => {
  it('cover the demo and the mechanisms', () => {
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining([DEMO_CASE, 'refcount', 'cycle', 'calls']));
  });

  describe.each(cases)('$name', (c) => {
    if (UPDATE) {
      it('is rewritten from the current engine (GOLDEN_UPDATE=1)', () => {
        const r = updateCase(c);
        expect(r.events.length).toBeGreaterThan(0);
      });
      return;
    }

    it('re-running the program gives exactly the events of trace.txt', () => {
      if (c.name === DEMO_CASE) expect(c.source, 'traces/demo/program.py is the README demo').toBe(DEMO_PROGRAM);
      const r = record(c.source);
      const golden = readFileSync(join(c.dir, 'trace.txt'), 'utf8');
      // Compare line by line, so a failure shows the first lines that differ.
      expect(r.dump.split('\n')).toEqual(golden.split('\n'));
      const expected = expectedStdout(c.source);
      if (expected !== '') expect(r.stdout).toBe(expected);
    });

    it('the stored trace replays to its recorded final state, and holds the events of trace.txt', () => {
      const path = join(c.dir, 'trace.pmt');
      const contents = readTrace(readFileSync(path), path, { recover: false });
      const result = replayTrace(contents);
      expect(result.expected).toBeDefined();
      expect(result.actual).toBe(result.expected);
      expect(result.ok).toBe(true);
      expect(dumpEvents(contents.events)).toBe(readFileSync(join(c.dir, 'trace.txt'), 'utf8'));
      expect(contents.header.program.source).toBe(c.source);
    });
  });
});
