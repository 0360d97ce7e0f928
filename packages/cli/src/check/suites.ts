/*
 * The property suites of `pymemsim check`
 * =======================================
 * Each suite draws programs of the supported subset (program.ts), runs them line by line
 * against the model (laws.ts) and checks its laws:
 *
 *   refcount  counts follow bindings and memberships; an object is freed exactly when its
 *             count reaches zero (the collector disabled: a cycle stays)
 *   gc        no reachable object is freed; a full collection leaves no unreachable object;
 *             a finalizer runs at most once; a resurrected object survives
 *   weakref   a weakref reads its live referent, None once the referent is freed; its
 *             callback runs exactly once, after it was cleared, never while it is garbage
 *   frames    generators, generator expressions, closures and `with` blocks: a suspended
 *             frame's references and a closure's cell are holders (counted, traversed),
 *             an ended, closed or finalized generator lets go, a manager goes with its
 *             block; and the fold of the log equals the live state
 *   pymalloc  blocks in use per size class = live small allocations + parked free-list
 *             blocks; no two live blocks overlap
 *   replay    folding the log from emptyHeap gives the live state; the per-event, batched
 *             and plain folds agree
 *   trace     writing the log as a .pmt (TraceWriter) and reading it back (readTrace) is
 *             lossless, and the footer's hash is the live state's
 *
 * Read first: `runSuite`. fast-check shrinks a failure to a short program; its seed and
 * path replay exactly that case (`fc.check` with `seed` and `path`).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { UserError, checkInterrupt, type HeapState, type MemEvent, type Runtime } from '@pymemsim/core';
import { runProgram } from '@pymemsim/interp';
import { TraceWriter, readTrace, recordTo, traceHeader, type TraceSink } from '@pymemsim/replay';
import {
  FRAME_KINDS,
  PRELUDE,
  STEP_KINDS,
  compileSteps,
  stepArbitrary,
  type GeneratedProgram,
  type StepKind,
} from './program.js';
import { LawBroken, runChecked, type CheckTarget, type LawSet, type RoundTripResult } from './laws.js';

export interface Suite {
  readonly name: string;
  readonly summary: string;
  /** The program's prelude (PRELUDE, sometimes with a setting after it). */
  readonly prelude: string;
  readonly kinds: readonly StepKind[];
  readonly laws: LawSet;
  readonly maxSteps: number;
}

const ALL: readonly StepKind[] = STEP_KINDS;
/**
 * Without generators, closures and `with`: a frame statement logs hundreds of events (calls,
 * frames, the manager's methods), which the per-event fold of `replay` and the file round
 * trip of `trace` pay for on every run; `frames` checks the folds over them.
 */
const WITHOUT_FRAMES: readonly StepKind[] = STEP_KINDS.filter((k) => !FRAME_KINDS.includes(k));

export const SUITES: readonly Suite[] = [
  {
    name: 'refcount',
    summary: 'counts follow bindings and memberships; freed exactly at zero',
    prelude: `${PRELUDE}gc.disable()\n`,
    kinds: ALL.filter((k) => k !== 'collect' && k !== 'threshold'),
    laws: { perLine: ['invariants', 'refcount', 'freed-at-zero', 'refcount-liveness'], atEnd: [] },
    maxSteps: 30,
  },
  {
    name: 'gc',
    summary: 'no reachable object freed; a full collection frees every unreachable one; finalizers once',
    prelude: PRELUDE,
    kinds: ALL,
    laws: {
      perLine: [
        'finalizer-once',
        'reachable-alive',
        'full-collection',
        'resurrected-survives',
        'refcount',
        'freed-at-zero',
        'invariants',
      ],
      atEnd: [],
    },
    maxSteps: 30,
  },
  {
    name: 'weakref',
    summary: 'weakrefs read their referent, then None; callbacks exactly once, after clearing',
    prelude: PRELUDE,
    kinds: [
      'new',
      'alias',
      'append',
      'setattr',
      'delattr',
      'del',
      'weakref',
      'weakref',
      'gen',
      'next',
      'closure',
      'collect',
      'clearSaved',
    ],
    laws: { perLine: ['weakref', 'reachable-alive', 'invariants'], atEnd: [] },
    maxSteps: 30,
  },
  {
    name: 'frames',
    summary: 'suspended frames and closure cells hold their objects; ended generators let go',
    prelude: PRELUDE,
    kinds: [
      'new',
      'new',
      'alias',
      'append',
      'pop',
      'setattr',
      'delattr',
      'del',
      'del',
      ...FRAME_KINDS,
      'gen',
      'next',
      'next',
      'collect',
    ],
    laws: {
      perLine: ['refcount', 'freed-at-zero', 'invariants', 'reachable-alive', 'full-collection'],
      atEnd: ['replay'],
    },
    maxSteps: 30,
  },
  {
    name: 'pymalloc',
    summary: 'blocks in use per size class = live small allocations + parked blocks; no overlap',
    prelude: PRELUDE,
    kinds: ALL,
    laws: { perLine: ['pymalloc', 'invariants'], atEnd: [] },
    maxSteps: 30,
  },
  {
    name: 'replay',
    summary: 'folding the log from emptyHeap gives the live state; the three folds agree',
    prelude: PRELUDE,
    kinds: WITHOUT_FRAMES,
    laws: { perLine: [], atEnd: ['replay'] },
    maxSteps: 30,
  },
  {
    name: 'trace',
    summary: 'a .pmt written by TraceWriter reads back (readTrace) event for event',
    prelude: PRELUDE,
    kinds: WITHOUT_FRAMES,
    laws: { perLine: [], atEnd: ['trace'] },
    maxSteps: 30,
  },
];

export const SUITE_NAMES: readonly string[] = SUITES.map((s) => s.name);

export function findSuite(name: string): Suite | undefined {
  return SUITES.find((s) => s.name === name);
}

/** The programs a suite draws. */
export function suiteArbitrary(suite: Suite): fc.Arbitrary<GeneratedProgram> {
  return fc.array(stepArbitrary(suite.kinds), { maxLength: suite.maxSteps, size: 'max' }).map((raw) => {
    const program = compileSteps(raw, suite.prelude);
    return Object.defineProperty(program, fc.toStringMethod, {
      value: () => program.lines.join('\n'),
      enumerable: false,
    });
  });
}

/** The default round trip: TraceWriter to a temporary file (small chunks, checkpoints), then readTrace. */
export function fileRoundTrip(events: readonly MemEvent[], state: HeapState): RoundTripResult {
  const dir = mkdtempSync(join(tmpdir(), 'pymemsim-check-'));
  try {
    const path = join(dir, 'check.pmt');
    const writer = new TraceWriter(path, traceHeader({ path: 'check.py', source: '' }), {
      chunkSize: 97,
      checkpointEvery: 500,
      checkpointBudget: Infinity,
    });
    for (const e of events) writer.write(e);
    writer.finish(state);
    const contents = readTrace(readFileSync(path), path);
    return {
      events: contents.events,
      finalHash: contents.footer?.finalHash,
      ...(contents.recovered !== undefined ? { recovered: contents.recovered.message } : {}),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run one program of a suite; throws LawBroken when a law is broken. */
export function checkProgramAgainst(suite: Suite, program: GeneratedProgram, target: CheckTarget = {}): void {
  runChecked(program, suite.laws, target, fileRoundTrip);
}

export interface SuiteOptions {
  readonly runs?: number;
  readonly seed?: number;
  /** A counterexample path printed by an earlier failure: replay exactly that case. */
  readonly path?: string;
  readonly target?: CheckTarget;
  /** Called after every program run (progress). */
  readonly onRun?: (runs: number) => void;
}

export interface SuiteFailure {
  readonly law: string;
  readonly message: string;
  /** The shrunk program. */
  readonly program: GeneratedProgram;
  /** The 1-based generated line after which the law broke (lines + 1: at the end). */
  readonly line: number;
  readonly seed: number;
  readonly path: string;
  readonly shrinks: number;
}

export interface SuiteResult {
  readonly suite: string;
  readonly runs: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly seed: number;
  readonly failure?: SuiteFailure;
}

export const DEFAULT_RUNS = 200;

/** A seed for a run of `check` when none is given. */
export const randomSeed = (): number => (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) | 0;

/** Run a suite with fast-check; a failure comes back shrunk, with its seed and path. */
export function runSuite(suite: Suite, options: SuiteOptions = {}): SuiteResult {
  const seed = options.seed ?? randomSeed();
  const start = performance.now();
  let calls = 0;
  const property = fc.property(suiteArbitrary(suite), (program) => {
    // Ctrl-C: every run from here fails at once, so fast-check's shrinking ends at once too.
    checkInterrupt();
    calls += 1;
    options.onRun?.(calls);
    checkProgramAgainst(suite, program, options.target);
  });
  const details = fc.check(property, {
    numRuns: options.runs ?? DEFAULT_RUNS,
    seed,
    ...(options.path !== undefined ? { path: options.path, endOnFailure: true } : {}),
  });
  const ms = performance.now() - start;
  const base = { suite: suite.name, runs: details.numRuns, ms, seed };
  if (!details.failed) return { ...base, ok: true };
  const program = details.counterexample?.[0];
  const error = details.errorInstance;
  if (error instanceof UserError && error.code === 'INTERRUPTED') throw error;
  if (program === undefined) {
    throw error instanceof Error ? error : new Error(`suite ${suite.name} failed without a counterexample`);
  }
  const law = error instanceof LawBroken ? error.law : 'runs';
  const message = error instanceof LawBroken ? error.message.slice(law.length + 2) : String(error);
  return {
    ...base,
    ok: false,
    failure: {
      law,
      message,
      program,
      line: error instanceof LawBroken ? error.line : 0,
      seed,
      path: details.counterexamplePath ?? '',
      shrinks: details.numShrinks,
    },
  };
}

/**
 * Record the trace of a (failing) program: the whole program (prelude and lines) run by
 * runProgram with a TraceWriter attached, the runtime instrumented as in the suite once
 * the prelude's lines have run. A run that breaks (an internal error) keeps what it wrote.
 */
export function recordProgram(program: GeneratedProgram, path: string | TraceSink, target: CheckTarget = {}): void {
  const preludeLines = program.prelude.split('\n').length - 1;
  let writer: TraceWriter | undefined;
  let finalState: HeapState | undefined;
  try {
    const result = runProgram(program.source, 'check.py', {
      maxEvents: 5_000_000,
      attach: (rt: Runtime) => {
        writer = new TraceWriter(path, traceHeader({ path: 'check.py', source: program.source }));
        rt.events$.subscribe(recordTo(writer));
        const instrument = target.instrument;
        if (instrument === undefined) return;
        let armed = false;
        rt.events$.subscribe((e) => {
          if (!armed && e.type === 'LineExecuted' && e.line > preludeLines) {
            armed = true;
            instrument(rt);
          }
        });
      },
    });
    finalState = result.rt?.state;
  } catch {
    // The run broke (the fault made it an internal error): the trace keeps what was written.
  } finally {
    if (writer !== undefined && !writer.closed) {
      if (finalState !== undefined) writer.finish(finalState);
      else writer.abort();
    }
  }
}
