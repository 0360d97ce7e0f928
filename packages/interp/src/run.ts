/*
 * Running a program: what `python3 prog.py` does, simulated
 * =========================================================
 * Compile the source (../compile: the parser, then CPython 3.11's compiler), refuse it
 * with CPython's SyntaxError text when it does not compile, else run the code object on
 * the VM (../vm) with the finders `import` searches (the program's folder, then CPython's
 * Lib), print an uncaught exception's traceback and shut down as Py_FinalizeEx does. The
 * result is data (stdout, stderr, the exit code, the VM and its runtime): nothing here
 * prints or touches files but the finders' reads.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Diagnostic, Runtime } from '@pymemsim/core';
import { compileSource, formatSyntaxError, type SyntaxErrorInfo } from './compile/source.js';
import { folderFinder, type ModuleFinder } from './vm/importlib.js';
import { runOnVM, setDefaultCompiler, type RunOptions as VMRunOptions } from './vm/run.js';
import type { VM } from './vm/vm.js';
import { stdlibFinder } from './stdlib.js';

setDefaultCompiler(compileSource);

export interface RunResult {
  readonly stdout: string;
  /** What CPython would write on stderr (traceback, syntax error, unraisable reports). */
  readonly stderr: string;
  readonly exitCode: number;
  readonly diagnostics: readonly Diagnostic[];
  /** The VM, present when the program started (its runtime holds the state and log). */
  readonly vm?: VM;
  /** The VM's runtime, when the program started. */
  readonly rt?: Runtime;
  /** Set when the run was stopped by the event budget or an interrupt. */
  readonly stopped?: string;
}

export interface ProgramOptions extends VMRunOptions {
  /**
   * Where CPython's Lib is read from: a folder of .py files; by default the copy of
   * CPython 3.11's Lib this package ships.
   */
  readonly stdlib?: string;
  /** sys.path[0]: the folder imports search first; by default the program's folder. */
  readonly programDir?: string;
}

export interface CheckResult {
  readonly diagnostics: readonly Diagnostic[];
  /** The SyntaxError, as `python3 prog.py` prints it; '' when the program compiles. */
  readonly message: string;
  readonly error?: SyntaxErrorInfo;
}

/** Compile a program without running it. */
export function checkProgram(text: string, path: string): CheckResult {
  const compiled = compileSource(text, path, 'exec');
  if (compiled.error === undefined) return { diagnostics: compiled.diagnostics, message: '' };
  return {
    diagnostics: compiled.diagnostics,
    message: formatSyntaxError(compiled.error).trimEnd(),
    error: compiled.error,
  };
}

/** Read a file as text, or undefined when it is not a readable file. */
function readSource(path: string): string | undefined {
  try {
    if (!existsSync(path) || !statSync(path).isFile()) return undefined;
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The finders `import` searches for a program at `path`: its folder, then the Lib. */
export function programFinders(path: string, options: ProgramOptions = {}): ModuleFinder[] {
  const finders: ModuleFinder[] = [];
  const dir = options.programDir ?? (path.startsWith('<') ? process.cwd() : dirname(resolve(path)));
  finders.push(folderFinder(dir, readSource));
  finders.push(options.stdlib !== undefined ? folderFinder(resolve(options.stdlib), readSource) : stdlibFinder());
  return finders;
}

/**
 * Run `text` as the program at `path`. To record every event from the empty heap,
 * subscribe to the runtime in `options.attach`, which runs before the first event.
 */
export function runProgram(text: string, path: string, options: ProgramOptions = {}): RunResult {
  const compiled = compileSource(text, path, 'exec');
  if (compiled.code === undefined) {
    const stderr = compiled.error !== undefined ? formatSyntaxError(compiled.error) : 'SyntaxError\n';
    return { stdout: '', stderr, exitCode: 1, diagnostics: compiled.diagnostics };
  }
  const r = runOnVM(text, path, {
    ...options,
    code: compiled.code,
    finders: options.finders ?? programFinders(path, options),
  });
  return r.vm !== undefined ? { ...r, rt: r.vm.rt } : r;
}
