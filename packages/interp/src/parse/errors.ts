/*
 * Which SyntaxError CPython 3.11 reports for an invalid source
 * ============================================================
 * CPython's parser stops at the first error; when its first pass fails, a second pass
 * with the `invalid_*` rules of Grammar/python.gram looks for a friendlier message, and
 * `_PyPegen_tokenize_full_source_to_check_for_errors` lets a tokenizer error anywhere
 * in the file take precedence over a parser error.
 *
 * Source: Parser/pegen.c (_PyPegen_run_parser, _Pypegen_set_syntax_error,
 * tokenizer_error), Parser/pegen_errors.c (_PyPegen_tokenize_full_source_to_check_for_errors).
 */
import type { Diagnostic } from '@pymemsim/core';
import type { SyntaxNode } from '@lezer/common';
import type { LineMap } from './lineMap.js';
import type { LowerError } from './lower.js';
import type { Rewritten } from './rewrite.js';
import type { Tokens } from './tokenizer.js';

export interface ErrorInput {
  readonly text: string;
  readonly lines: LineMap;
  readonly toks: Tokens;
  readonly rw: Rewritten;
  readonly top: SyntaxNode;
  readonly lowErrors: readonly LowerError[];
}

export function chooseError(input: ErrorInput): Diagnostic {
  const te = input.toks.error;
  if (te !== undefined) {
    return { code: 'PY_SYNTAX', message: te.message, span: { start: te.start, end: te.end }, exception: te.cls };
  }
  let first: SyntaxNode | undefined;
  input.top.cursor().iterate((c) => {
    if (first !== undefined) return false;
    if (c.type.isError) first = c.node;
    return first === undefined;
  });
  const low = input.lowErrors[0];
  if (first !== undefined && (low === undefined || first.from <= low.start)) {
    return {
      code: 'PY_SYNTAX',
      message: 'invalid syntax',
      span: { start: first.from, end: first.to },
      exception: 'SyntaxError',
    };
  }
  if (low !== undefined) {
    return { code: 'PY_SYNTAX', message: low.message, span: { start: low.start, end: low.end }, exception: low.cls };
  }
  return { code: 'PY_SYNTAX', message: 'invalid syntax', span: { start: 0, end: 0 }, exception: 'SyntaxError' };
}
