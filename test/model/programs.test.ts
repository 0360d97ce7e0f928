// The worked example of packages/cli/README.md ("Your own properties over generated
// programs"), verbatim: keep the two in step.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { programArbitrary } from '@pymemsim/cli';
import { runProgram } from '@pymemsim/interp';
import { TraceWriter, readTrace, recordTo, replayTrace, traceHeader } from '@pymemsim/replay';

it('every generated program runs without an internal error and its trace replays to the recorded hash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'programs-'));
  fc.assert(
    fc.property(programArbitrary(), (program) => {
      const path = join(dir, 'gen.pmt');
      let writer: TraceWriter | undefined;
      const result = runProgram(program.source, 'gen.py', {
        attach: (rt) => {
          writer = new TraceWriter(path, traceHeader({ path: 'gen.py', source: program.source }));
          rt.events$.subscribe(recordTo(writer));
        },
      });
      expect(result.exitCode, result.stderr).toBe(0); // no Python exception: the programs are valid
      writer?.finish(result.rt?.state);
      const replay = replayTrace(readTrace(readFileSync(path), path));
      expect(replay.ok).toBe(true); // the fold of the trace ends in the recorded state
    }),
    { numRuns: 50 },
  );
});
