/*
 * Running a program: parse, refuse what is outside the subset, evaluate, finalize as
 * CPython does at exit, and report what happened as data (stdout, what CPython would
 * write on stderr, the exit code). Nothing here prints or touches files: the cli does.
 */
import type { Diagnostic } from '@pymemsim/core';
import { EventBudgetExceeded, Interpreter, PyRaise, type InterpreterOptions } from './interpreter.js';
import './builtins.js';
import './weakrefs.js';
import { parseModule } from './parse.js';
import { resolveModule } from './resolve.js';
import { SourceFile, formatDiagnostic, formatSyntaxError } from './source.js';
import { engineLimit } from './limits.js';
import type { Module } from './ast.js';

export interface RunResult {
  readonly stdout: string;
  /** What CPython would write on stderr (traceback, syntax error, unraisable reports), or pymemsim's diagnostics. */
  readonly stderr: string;
  readonly exitCode: number;
  readonly diagnostics: readonly Diagnostic[];
  /** The interpreter, present when the program started (its runtime holds the state and log). */
  readonly interpreter?: Interpreter;
  /** Set when the run was stopped by the event budget. */
  readonly stopped?: string;
}

/** Parse, resolve and check a program without running it. */
export function checkProgram(
  text: string,
  path: string,
): { source: SourceFile; module: Module; diagnostics: Diagnostic[]; message: string } {
  const source = new SourceFile(path, text);
  const parsed = parseModule(text);
  const diagnostics = [...parsed.diagnostics];
  if (diagnostics.length === 0) diagnostics.push(...resolveModule(parsed.module).diagnostics);
  const syntax = diagnostics.find((d) => d.code === 'PY_SYNTAX');
  const message =
    syntax !== undefined
      ? formatSyntaxError(syntax, source)
      : diagnostics.map((d) => formatDiagnostic(d, source)).join('\n');
  return { source, module: parsed.module, diagnostics, message };
}

/**
 * Run `text` as the program at `path`. To record every event from the empty heap,
 * subscribe to the runtime in `options.attach`, which runs before the first event.
 */
export function runProgram(text: string, path: string, options: InterpreterOptions = {}): RunResult {
  const check = checkProgram(text, path);
  if (check.diagnostics.length > 0) {
    return { stdout: '', stderr: check.message + '\n', exitCode: 1, diagnostics: check.diagnostics };
  }
  const source = check.source;
  let interpreter: Interpreter;
  try {
    interpreter = new Interpreter(source, options);
  } catch (e) {
    if (e instanceof EventBudgetExceeded)
      return { stdout: '', stderr: '', exitCode: 1, diagnostics: [], stopped: e.message };
    throw e;
  }
  const internals = interpreter.internals;
  let exitCode = 0;
  try {
    try {
      interpreter.runModule(check.module);
    } catch (e) {
      if (!(e instanceof PyRaise)) throw e;
      // Uncaught: the traceback is printed, then the exception (and the frames its
      // traceback keeps alive) goes, then the interpreter shuts down.
      exitCode = 1;
      const lines = ['Traceback (most recent call last):', ...formatTraceback(e.traceback, path, source)];
      lines.push(interpreter.formatException(e.exc));
      internals.writeErr(lines.join('\n') + '\n');
      interpreter.endModule();
      interpreter.rt.decref(e.exc, { kind: 'root', name: 'raised' });
    }
    interpreter.shutdown();
  } catch (e) {
    // A stop (the event budget, Ctrl-C, a resource limit: limits.ts), or a JavaScript
    // engine limit reached anyway, ends the run where it is; the trace keeps every event.
    const stop = e instanceof EventBudgetExceeded ? e : engineLimit(e);
    if (stop !== undefined) {
      return {
        stdout: interpreter.stdout,
        stderr: interpreter.stderr,
        exitCode: 1,
        diagnostics: [],
        interpreter,
        stopped: stop.message,
      };
    }
    throw e;
  }
  return { stdout: interpreter.stdout, stderr: interpreter.stderr, exitCode, diagnostics: [], interpreter };
}

/** Traceback entries as CPython prints them: a run of more than 3 identical entries is cut short. */
export function formatTraceback(
  entries: readonly { line: number; name: string }[],
  path: string,
  source: SourceFile,
): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < entries.length) {
    const e = entries[i] as { line: number; name: string };
    let j = i;
    while (j < entries.length && entries[j]?.line === e.line && entries[j]?.name === e.name) j++;
    const run = j - i;
    for (let k = 0; k < Math.min(run, 3); k++) {
      out.push(`  File "${path}", line ${e.line}, in ${e.name}`);
      const text = source.lineText(e.line).trim();
      if (text !== '') out.push(`    ${text}`);
    }
    if (run > 3) out.push(`  [Previous line repeated ${run - 3} more time${run - 3 === 1 ? '' : 's'}]`);
    i = j;
  }
  return out;
}
