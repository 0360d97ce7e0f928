/*
 * The parser: Python 3.11 source to CPython's `ast` tree, or CPython's SyntaxError
 * ==============================================================================
 * `parse(text, filename)` returns the Module CPython 3.11's `ast.parse` returns for the
 * same source (node for node, position for position), or the SyntaxError (or
 * IndentationError, TabError) its parser raises, with its message and location.
 *
 * Read first: `parse`.
 *
 * The passes:
 *   1. tokenizer.ts: CPython's tokenizer, ported. Token boundaries, indentation and
 *      the tokenizer's errors are exactly CPython's.
 *   2. rewrite.ts: the text lezer is shown, of the same length as the source, where
 *      @lezer/python's grammar cannot go wrong (strings and numbers stand-ins, renamed
 *      soft keywords, "holes" for the constructs lezer lacks).
 *   3. @lezer/python parses that text.
 *   4. lower.ts: lezer's tree to pyast.ts nodes with CPython's positions.
 *   5. errors.ts: when the source is not valid Python, the error CPython would report.
 *
 * Simplifications: see the header of each pass; where lezer's grammar and Python's still
 * differ for valid code, the difference is a bug (the stdlib comparison of
 * test/parse finds them).
 */
import type { Diagnostic } from '@pymemsim/core';
import type { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import { LineMap } from './lineMap.js';
import { Lowering } from './lower.js';
import type { Module } from './pyast.js';
import { rewrite } from './rewrite.js';
import { tokenize } from './tokenizer.js';
import { chooseError, hasStructuralError } from './errors.js';

export interface ParseResult {
  readonly module: Module | undefined;
  readonly diagnostics: Diagnostic[];
}

export function parse(text: string, filename: string): ParseResult {
  void filename;
  const lines = new LineMap(text);
  const toks = tokenize(text);
  const rw = rewrite(text, toks);
  const lezerText = toks.error === undefined ? rw.lezer : rw.lezer.slice(0, toks.error.at);
  const top: SyntaxNode = parser.parse(lezerText).topNode;
  const low = new Lowering(text, lines, toks, rw);
  const cursor = top.cursor();
  do {
    if (cursor.type.isError) {
      low.setFirstError(cursor.from);
      break;
    }
  } while (cursor.next());
  const module = low.module(top);
  const input = { text, lines, toks, rw, top, lowErrors: low.errors };
  if (module !== undefined && toks.error === undefined && low.errors.length === 0 && !hasStructuralError(input)) {
    return { module, diagnostics: [] };
  }
  return { module: undefined, diagnostics: [chooseError(input)] };
}
