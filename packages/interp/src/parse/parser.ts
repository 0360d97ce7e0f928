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
 *   3. @lezer/python parses that text, one top-level statement at a time (on long texts
 *      lezer has been seen to report errors in valid code it parses fine in pieces).
 *   4. lower.ts: lezer's tree to pyast.ts nodes with CPython's positions.
 *   5. errors.ts: when the source is not valid Python, the error CPython would report.
 *
 * Simplifications: see the header of each pass; where lezer's grammar and Python's still
 * differ for valid code, the difference is a bug (the stdlib comparison of
 * test/parse finds them).
 */
import type { Diagnostic } from '@pymemsim/core';
import type { SyntaxNode } from '@lezer/common';
import { LineMap } from './lineMap.js';
import { Lowering, parseAt } from './lower.js';
import type { Module } from './pyast.js';
import { rewrite } from './rewrite.js';
import { DEDENT, ENDMARKER, INDENT, NEWLINE, OP, tokenize, type Tokens } from './tokenizer.js';
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
  // One lezer parse per chunk of top-level statements: on long texts lezer has been seen
  // to report errors in valid code (a whole file that parses in pieces, not in one go).
  const tops: SyntaxNode[] = [];
  const starts = chunkStarts(text, toks, lezerText.length);
  for (let k = 0; k < starts.length; k++) {
    const from = starts[k] as number;
    const to = starts[k + 1] ?? lezerText.length;
    if (to > from || k === 0) tops.push(parseAt(lezerText.slice(from, to), from));
  }
  const low = new Lowering(text, lines, toks, rw);
  outer: for (const top of tops) {
    const cursor = top.cursor();
    do {
      if (cursor.type.isError) {
        low.setFirstError(cursor.from);
        break outer;
      }
    } while (cursor.next());
  }
  const module = low.module(tops);
  const input = { text, lines, toks, rw, tops, lowErrors: low.errors };
  if (module !== undefined && toks.error === undefined && low.errors.length === 0 && !hasStructuralError(input)) {
    return { module, diagnostics: [] };
  }
  return { module: undefined, diagnostics: [chooseError(input)] };
}

/**
 * Offsets where top-level statements start (0 first): the first token of a logical line
 * at indentation 0, except a decorated definition's `def`/`class` and the clauses that
 * continue a compound statement (`else`, `elif`, `except`, `finally`).
 */
function chunkStarts(text: string, toks: Tokens, limit: number): number[] {
  const starts = [0];
  const { type, start, end, count } = toks;
  let depth = 0;
  let afterDecorator = false;
  for (let i = 0; i < count; i++) {
    const t = type[i];
    if (t === INDENT) depth++;
    else if (t === DEDENT) depth--;
    if (t !== NEWLINE || depth !== 0) continue;
    const next = i + 1;
    if (type[next] === INDENT || type[next] === DEDENT || type[next] === ENDMARKER || next >= count) continue;
    const first = text.slice(start[i + 1], end[i + 1]);
    const lineFirst = lineFirstToken(type, i);
    afterDecorator = type[lineFirst] === OP && text.charCodeAt(start[lineFirst] ?? 0) === 64;
    if (afterDecorator || CLAUSES.has(first)) continue;
    // The chunk starts at the beginning of the line (so lezer sees its indentation, 0).
    let s = start[next] ?? 0;
    while (s > 0 && text.charCodeAt(s - 1) !== 10 && text.charCodeAt(s - 1) !== 13) s--;
    if (s > (starts[starts.length - 1] ?? 0) && s < limit) starts.push(s);
  }
  return starts;
}

const CLAUSES = new Set(['else', 'elif', 'except', 'finally']);

function lineFirstToken(type: readonly number[], newline: number): number {
  let j = newline;
  while (j > 0 && type[j - 1] !== NEWLINE && type[j - 1] !== INDENT && type[j - 1] !== DEDENT) j--;
  return j;
}
