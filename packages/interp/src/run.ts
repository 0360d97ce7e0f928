/*
 * Running a program: parse, refuse what is outside the subset, evaluate, and report
 * what happened as data (stdout, exit code, the uncaught exception, diagnostics).
 * Nothing here prints or touches files: the cli does.
 */
import type { Diagnostic } from '@pymemsim/core';
import { EventBudgetExceeded, Interpreter, PyException, type InterpreterOptions } from './interpreter.js';
import { parseModule } from './parse.js';
import { SourceFile, formatDiagnostic, formatSyntaxError } from './source.js';

export interface RunResult {
  readonly stdout: string;
  /** What CPython would write on stderr (traceback, syntax error), or pymemsim's diagnostics. */
  readonly stderr: string;
  readonly exitCode: number;
  readonly diagnostics: readonly Diagnostic[];
  /** The interpreter, present when the program started (its runtime holds the state and log). */
  readonly interpreter?: Interpreter;
  /** Set when the run was stopped by the event budget. */
  readonly stopped?: string;
}

/** Parse and check a program without running it. */
export function checkProgram(
  text: string,
  path: string,
): { source: SourceFile; diagnostics: Diagnostic[]; message: string } {
  const source = new SourceFile(path, text);
  const { diagnostics } = parseModule(text);
  const syntax = diagnostics.find((d) => d.code === 'PY_SYNTAX');
  const message =
    syntax !== undefined
      ? formatSyntaxError(syntax, source)
      : diagnostics.map((d) => formatDiagnostic(d, source)).join('\n');
  return { source, diagnostics, message };
}

/**
 * Run `text` as the program at `path`. To record every event from the empty heap,
 * subscribe to the runtime in `options.attach`, which runs before the first event.
 */
export function runProgram(text: string, path: string, options: InterpreterOptions = {}): RunResult {
  const source = new SourceFile(path, text);
  const { module, diagnostics } = parseModule(text);
  if (diagnostics.length > 0) {
    const { message } = checkProgram(text, path);
    return { stdout: '', stderr: message + '\n', exitCode: 1, diagnostics };
  }
  const interpreter = new Interpreter(source, options);
  try {
    interpreter.runModule(module);
    return { stdout: interpreter.stdout, stderr: '', exitCode: 0, diagnostics, interpreter };
  } catch (e) {
    if (e instanceof PyException) {
      const lines = ['Traceback (most recent call last):'];
      for (const t of e.traceback) {
        lines.push(`  File "${path}", line ${t.line}, in ${t.name}`);
        lines.push(`    ${source.lineText(t.line).trim()}`);
      }
      lines.push(`${e.pyType}: ${e.pyMessage}`);
      return { stdout: interpreter.stdout, stderr: lines.join('\n') + '\n', exitCode: 1, diagnostics, interpreter };
    }
    if (e instanceof EventBudgetExceeded) {
      return { stdout: interpreter.stdout, stderr: '', exitCode: 1, diagnostics, interpreter, stopped: e.message };
    }
    throw e;
  }
}
