// A run nobody records or observes applies its reference events directly, without
// building them (Runtime.emitRef): its final state must be the fold of the events a
// recording run of the same program emits.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyHeap, hashState } from '@pymemsim/core';
import { programArbitrary } from '@pymemsim/cli';
import { runProgram } from '@pymemsim/interp';

function same(source: string, path: string): void {
  const quiet = runProgram(source, path);
  const recorded = runProgram(source, path, { record: true });
  expect(quiet.stdout).toBe(recorded.stdout);
  expect(quiet.exitCode).toBe(recorded.exitCode);
  const log = recorded.interpreter?.rt.log ?? [];
  const fold = emptyHeap();
  for (const event of log) applyEvent(fold, event);
  const live = quiet.interpreter?.rt.state;
  expect(live?.seq).toBe(log.length);
  expect(live === undefined ? '' : hashState(live)).toBe(hashState(fold));
}

describe('an unobserved run', () => {
  it('ends in the fold of a recorded run of the same generated program', () => {
    fc.assert(
      fc.property(programArbitrary(), (program) => same(program.source, 'gen.py')),
      { numRuns: 40 },
    );
  });

  const cases = fileURLToPath(new URL('../conformance/cases', import.meta.url));
  for (const name of readdirSync(cases).filter((f) => f.endsWith('.py'))) {
    it(`ends in the fold of a recorded run: ${name}`, () => {
      same(readFileSync(`${cases}/${name}`, 'utf8'), name);
    });
  }
});
