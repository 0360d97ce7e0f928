/*
 * Golden traces: what a case is, how it is recorded, how it is compared
 * ======================================================================
 * A case is a folder of traces/ holding
 *
 *   program.py   the program, its oracle inline: `# expect: TEXT` on a line whose
 *                print writes TEXT (every such line, in order, is the program's stdout)
 *   trace.pmt    its trace, exactly as `pymemsim run program.py` writes it
 *   trace.txt    the canonical dump of the trace: one line per event (replay's dumpLine)
 *
 * The demo case's program is the README's demo (DEMO_PROGRAM of @pymemsim/interp).
 *
 * `pnpm golden:update` rewrites trace.pmt and trace.txt of every case (and the demo's
 * program.py) from the current engine; review that diff like code: a change in
 * simulated behaviour shows up there on purpose, never by accident.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MemEvent } from '@pymemsim/core';
import { DEMO_PROGRAM, runProgram } from '@pymemsim/interp';
import { DEFAULT_CHECKPOINT_EVERY, dumpLine, encodeTrace, traceHeader } from '@pymemsim/replay';

export const TRACES_DIR = join(import.meta.dirname, '..', '..', 'traces');
/** The path recorded in every golden trace's header (as given to `pymemsim run`). */
export const PROGRAM_PATH = 'program.py';
/** The case whose program is the README's demo. */
export const DEMO_CASE = 'demo';

export interface GoldenCase {
  readonly name: string;
  readonly dir: string;
  readonly source: string;
}

export function goldenCases(): GoldenCase[] {
  return readdirSync(TRACES_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(TRACES_DIR, e.name, PROGRAM_PATH)))
    .map((e) => {
      const dir = join(TRACES_DIR, e.name);
      return { name: e.name, dir, source: readFileSync(join(dir, PROGRAM_PATH), 'utf8') };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface Recording {
  readonly events: MemEvent[];
  readonly stdout: string;
  readonly exitCode: number;
  /** The trace file's bytes, as `pymemsim run` writes them. */
  readonly trace: Uint8Array;
  /** The canonical dump (trace.txt). */
  readonly dump: string;
}

/** Run a program the way `pymemsim run program.py` does, collecting its events. */
export function record(source: string): Recording {
  const events: MemEvent[] = [];
  const result = runProgram(source, PROGRAM_PATH, {
    attach: (rt) => {
      rt.events$.subscribe((e) => events.push(e));
    },
  });
  if (result.diagnostics.length > 0) {
    throw new Error(`the program does not run on this interpreter:\n${result.stderr}`);
  }
  const trace = encodeTrace(traceHeader({ path: PROGRAM_PATH, source }), events, {
    checkpointEvery: DEFAULT_CHECKPOINT_EVERY,
  });
  return { events, stdout: result.stdout, exitCode: result.exitCode, trace, dump: dumpEvents(events) };
}

export const dumpEvents = (events: readonly MemEvent[]): string =>
  events.map((e, seq) => `${dumpLine(seq, e)}\n`).join('');

/** The stdout a program's `# expect:` comments promise. */
export function expectedStdout(source: string): string {
  return source
    .split('\n')
    .map((line) => /#\s*expect:\s?(.*)$/.exec(line)?.[1])
    .filter((text): text is string => text !== undefined)
    .map((text) => `${text.trimEnd()}\n`)
    .join('');
}

/** Rewrite a case's trace.pmt and trace.txt (and the demo's program.py) from the current engine. */
export function updateCase(c: GoldenCase): Recording {
  let source = c.source;
  if (c.name === DEMO_CASE && source !== DEMO_PROGRAM) {
    source = DEMO_PROGRAM;
    writeFileSync(join(c.dir, PROGRAM_PATH), source);
  }
  const r = record(source);
  writeFileSync(join(c.dir, 'trace.pmt'), r.trace);
  writeFileSync(join(c.dir, 'trace.txt'), r.dump);
  return r;
}
