/*
 * A source file: its path, its text, and the line-start table that turns character
 * offsets into 1-based line and column numbers for diagnostics.
 */
import type { Diagnostic, Span } from '@pymemsim/core';

export class SourceFile {
  private readonly lineStarts: number[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {
    this.lineStarts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /** Line of each character offset, built on first use (the evaluator asks per statement). */
  private lineByOffset: Uint32Array | undefined;

  /** 1-based line of a character offset. */
  lineOf(offset: number): number {
    if (this.lineByOffset === undefined) {
      const table = new Uint32Array(this.text.length + 1);
      let line = 1;
      for (let i = 0; i <= this.text.length; i++) {
        table[i] = line;
        if (this.text.charCodeAt(i) === 10) line += 1;
      }
      this.lineByOffset = table;
    }
    return offset >= 0 && offset < this.lineByOffset.length
      ? (this.lineByOffset[offset] as number)
      : this.lineCol(offset).line;
  }

  /** 1-based line and column of a character offset. */
  lineCol(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }

  /** The text of a 1-based line, without its newline. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    return this.text.slice(start, next === undefined ? undefined : next - 1).replace(/\r$/, '');
  }

  /** The line of a span and a caret line under it. */
  caret(span: Span): string {
    const { line, col } = this.lineCol(span.start);
    const text = this.lineText(line);
    const width = Math.max(1, Math.min(span.end, span.start + text.length - col + 1) - span.start);
    return `    ${text}\n    ${' '.repeat(col - 1)}${'^'.repeat(width)}`;
  }
}

/** `file:line:col: error[CODE]: message` and the caret lines. */
export function formatDiagnostic(d: Diagnostic, src: SourceFile): string {
  const { line, col } = src.lineCol(d.span.start);
  return `${src.path}:${line}:${col}: error[${d.code}]: ${d.message}\n${src.caret(d.span)}`;
}

/**
 * The exception class CPython raises for a syntax diagnostic: the one the parser names
 * (`exception`: IndentationError, TabError), else SyntaxError.
 */
export function syntaxExceptionOf(d: Diagnostic): string {
  const named = (d as { readonly exception?: unknown }).exception;
  return typeof named === 'string' && named !== '' ? named : 'SyntaxError';
}
