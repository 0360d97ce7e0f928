// A run nobody records or observes applies its reference events directly, without
// building them (Runtime.emitRef): its final state must be the fold of the events a
// recording run of the same program emits.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEvent, emptyHeap, hashState } from '@pymemsim/core';
import { programArbitrary } from '@pymemsim/cli';
import { runProgram } from '@pymemsim/interp';
import { decodeSource } from '@pymemsim/interp/parse';

/** A runaway program stops (and fails) instead of hanging the suite. */
function deadline(): () => string | undefined {
  const end = Date.now() + 60_000;
  return () => (Date.now() > end ? 'stopped after 60 s' : undefined);
}

function same(source: string, path: string): void {
  const quiet = runProgram(source, path, { interrupted: deadline() });
  const recorded = runProgram(source, path, { record: true, interrupted: deadline() });
  expect(quiet.stopped).toBeUndefined();
  expect(quiet.stdout).toBe(recorded.stdout);
  expect(quiet.exitCode).toBe(recorded.exitCode);
  const log = recorded.rt?.log ?? [];
  const fold = emptyHeap();
  for (const event of log) applyEvent(fold, event);
  const live = quiet.rt?.state;
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

  // The project's own cases, and the public corpus beside the checkout when it is there
  // (finalizers, callbacks and collections re-enter the runtime mid-operation).
  const corpora = [
    fileURLToPath(new URL('../conformance/cases', import.meta.url)),
    fileURLToPath(new URL('../../../shared/conformance', import.meta.url)),
  ].filter((dir) => existsSync(dir));
  for (const dir of corpora) {
    for (const name of readdirSync(dir).filter((f) => /^\d{3}-.*\.py$/.test(f))) {
      it(`ends in the fold of a recorded run: ${name}`, () => {
        const { text } = decodeSource(readFileSync(`${dir}/${name}`), name);
        same(text ?? '', name);
      });
    }
  }
});
