/*
 * Source text to a code object, as `compile(source, filename, mode)` does
 * =======================================================================
 * The parser (../parse) then the compiler (this folder), with a failure of either turned
 * into what CPython raises: a SyntaxError (or IndentationError, TabError) whose
 * attributes are CPython's (`msg`, `filename`, `lineno`, `offset`, `text`, `end_lineno`,
 * `end_offset`; offsets 1-based, in characters), and the text `python3 prog.py` prints
 * for it (`formatSyntaxError`, Python/pythonrun.c's print_exception and
 * print_error_text).
 */
import type { Diagnostic } from '@pymemsim/core';
import { parse } from '../parse/parser.js';
import type { CodeObject } from './code.js';
import { compileExpression, compileModule } from './index.js';

/** A SyntaxError's attributes, as CPython sets them. */
export interface SyntaxErrorInfo {
  /** The class name printed: SyntaxError, IndentationError, TabError (or a subclass's). */
  readonly cls: string;
  readonly msg: string;
  readonly filename: string;
  readonly lineno: number;
  /** 1-based character offset in `text`. */
  readonly offset: number;
  readonly endLineno: number;
  readonly endOffset: number;
  /** The source line (with its newline), or undefined past the end of the source. */
  readonly text: string | undefined;
}

export interface CompiledSource {
  readonly code: CodeObject | undefined;
  readonly diagnostics: readonly Diagnostic[];
  /** Set when `code` is undefined: the SyntaxError to raise. */
  readonly error?: SyntaxErrorInfo;
}

export type CompileMode = 'exec' | 'eval' | 'single';

/** Parse and compile `text` (a module for 'exec' and 'single', an expression for 'eval'). */
export function compileSource(text: string, filename: string, mode: CompileMode): CompiledSource {
  const parsed = parse(mode === 'eval' ? evalText(text) : text, filename);
  if (parsed.module === undefined) return failed(text, filename, parsed.diagnostics);
  let compiled: { code: CodeObject | undefined; diagnostics: Diagnostic[] };
  if (mode === 'eval') {
    const body = parsed.module.body;
    const only = body.length === 1 ? body[0] : undefined;
    if (only === undefined || only.k !== 'Expr') {
      const d = { code: 'PY_SYNTAX', message: 'invalid syntax', span: { start: 0, end: 0 } } as const;
      return failed(text, filename, [d]);
    }
    compiled = compileExpression(only.value, filename, { source: text });
  } else {
    compiled = compileModule(parsed.module, filename, { source: text });
  }
  if (compiled.code === undefined) return failed(text, filename, compiled.diagnostics);
  return { code: compiled.code, diagnostics: [] };
}

/** `eval` strips leading spaces and tabs (builtin_eval_impl) before parsing an expression. */
function evalText(text: string): string {
  return text.replace(/^[ \t]+/, '');
}

function failed(text: string, filename: string, diagnostics: readonly Diagnostic[]): CompiledSource {
  const d = diagnostics[0];
  if (d === undefined) return { code: undefined, diagnostics };
  return { code: undefined, diagnostics, error: syntaxErrorOf(d, text, filename) };
}

/** The SyntaxError CPython raises for a syntax diagnostic over `text`. */
export function syntaxErrorOf(d: Diagnostic, text: string, filename: string): SyntaxErrorInfo {
  const start = lineCol(text, d.span.start);
  const end = lineCol(text, Math.max(d.span.end, d.span.start));
  const line = lineAt(text, start.line);
  return {
    cls: d.exception ?? 'SyntaxError',
    msg: d.message,
    filename,
    lineno: start.line,
    offset: start.col,
    endLineno: end.line,
    endOffset: end.col,
    text: line,
  };
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

function lineAt(text: string, line: number): string | undefined {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) return undefined;
    start = nl + 1;
  }
  if (start >= text.length && line > 1) return undefined;
  const nl = text.indexOf('\n', start);
  return nl === -1 ? text.slice(start) : text.slice(start, nl + 1);
}

/**
 * What `python3 prog.py` prints on stderr for an uncaught SyntaxError raised while
 * compiling the program: the file and line, the line with carets, the class and message.
 */
export function formatSyntaxError(e: SyntaxErrorInfo): string {
  const out = [`  File "${e.filename}", line ${e.lineno}\n`];
  if (e.text !== undefined) {
    let endOffset = e.endOffset;
    // A span over several lines is highlighted to the end of its first line.
    if (e.endLineno > e.lineno) endOffset = e.text.length;
    if (endOffset > e.text.length + 1) endOffset = e.text.length + 1;
    out.push(errorText(e.offset, endOffset, e.text));
  }
  out.push(`${e.cls}: ${e.msg}\n`);
  return out.join('');
}

/** print_error_text: the line without its indentation, and the carets under the span. */
function errorText(offset: number, endOffset: number, line: string): string {
  const carets = endOffset > 0 && endOffset > offset ? endOffset - offset : 1;
  let text = line;
  let at = offset - 1;
  const indent = /^[ \t\f]*/.exec(text)?.[0].length ?? 0;
  text = text.slice(indent);
  at -= indent;
  let len = text.length;
  if (len > 0 && text[len - 1] === '\n') len--;
  if (at > len) at = len;
  for (;;) {
    const nl = text.indexOf('\n');
    if (nl === -1 || nl >= at) break;
    text = text.slice(nl + 1);
    len -= nl + 1;
    at -= nl + 1;
  }
  let out = `    ${text}`;
  if (text[len] !== '\n') out += '\n';
  if (at < 0) return out;
  return `${out}    ${' '.repeat(at)}${'^'.repeat(carets)}\n`;
}
