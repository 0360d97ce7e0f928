/*
 * Which SyntaxError CPython 3.11 reports for an invalid source
 * ============================================================
 * CPython's parser stops at the first error. When its first pass fails, a second pass
 * with the `invalid_*` rules of Grammar/python.gram looks for a friendlier message
 * ("expected ':'", "Perhaps you forgot a comma?", "cannot assign to literal", ...), and
 * `_PyPegen_tokenize_full_source_to_check_for_errors` then lets an error the tokenizer
 * raises anywhere in the file take precedence over the parser's.
 *
 * Source: Parser/pegen.c (_PyPegen_run_parser, _Pypegen_set_syntax_error,
 * tokenizer_error), Parser/pegen_errors.c, Grammar/python.gram (invalid_* rules).
 *
 * Read first: `chooseError`.
 *
 * Candidates, from three places, each at a text offset:
 *   - the tokenizer's error (tokenizer.ts), `raised` or not (see TokenError);
 *   - structural errors found on the tokens: an INDENT no block header asked for
 *     ("unexpected indent"), a header `:` with no indented block after it
 *     ("expected an indented block after 'if' statement on line 3");
 *   - the first error node of lezer's tree, given the message of the invalid_* rule
 *     that matches there (`refine`), and the errors the lowering finds (invalid
 *     targets, arguments, parameters, strings).
 * The parser errors compete by position (the first failure wins, as in CPython's single
 * left-to-right parse); a raised tokenizer error beats them all; an unraised one (an
 * unclosed bracket at the end of the file, a bad dedent, a tab error) only beats parser
 * errors after it, except that "'(' was never closed" beats errors on later lines.
 *
 * Simplifications: the friendlier messages are given for the invalid_* rules the test
 * table (test/parse/errors.test.ts) exercises; elsewhere the message is "invalid syntax"
 * at lezer's first error, which is usually, not always, where CPython's first pass stops.
 */
import type { Diagnostic, PythonSyntaxErrorClass } from '@pymemsim/core';
import type { SyntaxNode } from '@lezer/common';
import type { LineMap } from './lineMap.js';
import type { LowerError } from './lower.js';
import { KEYWORDS, type Rewritten } from './rewrite.js';
import { DEDENT, ENDMARKER, INDENT, NAME, NEWLINE, NUMBER, OP, STRING, type Tokens } from './tokenizer.js';

export interface ErrorInput {
  readonly text: string;
  readonly lines: LineMap;
  readonly toks: Tokens;
  readonly rw: Rewritten;
  /** lezer's trees, one per chunk of top-level statements. */
  readonly tops: readonly SyntaxNode[];
  readonly lowErrors: readonly LowerError[];
}

interface Candidate {
  readonly message: string;
  readonly start: number;
  readonly end: number;
  readonly cls: PythonSyntaxErrorClass;
}

const diagnostic = (c: Candidate): Diagnostic => ({
  code: 'PY_SYNTAX',
  message: c.message,
  span: { start: c.start, end: Math.max(c.start, c.end) },
  exception: c.cls,
});

/** What CPython calls the block a header line opens ("expected an indented block after ..."). */
function headerDescription(first: string, second: string | undefined): string | undefined {
  switch (first) {
    case 'if':
    case 'elif':
    case 'else':
    case 'while':
    case 'for':
    case 'try':
    case 'finally':
    case 'with':
    case 'match':
    case 'case':
      return `'${first}' statement`;
    case 'except':
      return second === '*' ? "'except*' statement" : "'except' statement";
    case 'def':
      return 'function definition';
    case 'class':
      return 'class definition';
    case 'async':
      if (second === 'def') return 'function definition';
      return second === 'for' || second === 'with' ? `'${second}' statement` : undefined;
    default:
      return undefined;
  }
}

const COMPOUND = new Set(['if', 'elif', 'else', 'while', 'for', 'try', 'except', 'finally', 'with', 'def', 'class']);

class Errors {
  private readonly toks: Tokens;
  private readonly text: string;

  constructor(private readonly input: ErrorInput) {
    this.toks = input.toks;
    this.text = input.text;
  }

  private tok(i: number): string {
    return this.text.slice(this.toks.start[i], this.toks.end[i]);
  }

  private isOp(i: number, s: string): boolean {
    return this.toks.type[i] === OP && this.tok(i) === s;
  }

  /** The offset of the character before `at` on its line (CPython's "offset" of a token end). */
  private charBefore(at: number): number {
    const ls = this.input.lines.lineStart(this.input.lines.line(at));
    return at > ls ? at - 1 : at;
  }

  /** Index of the first token of the logical line holding token i. */
  private lineFirst(i: number): number {
    let j = i;
    const t = this.toks.type;
    while (j > 0 && t[j - 1] !== NEWLINE && t[j - 1] !== INDENT && t[j - 1] !== DEDENT) j--;
    return j;
  }

  /** Index of the NEWLINE (or ENDMARKER) ending the logical line holding token i. */
  private lineLast(i: number): number {
    let j = i;
    const t = this.toks.type;
    while (j < this.toks.count - 1 && t[j] !== NEWLINE) j++;
    return j;
  }

  /** The first token ending after an offset (the token holding it, or the next one). */
  private tokenAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.toks.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.toks.end[mid] ?? 0;
      const s = this.toks.start[mid] ?? 0;
      if (e <= offset && s < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Indentation errors the parser raises, found on the tokens. */
  structural(): Candidate[] {
    const out: Candidate[] = [];
    const { type, start, count } = this.toks;
    for (let i = 0; i < count; i++) {
      const t = type[i];
      if (t === INDENT) {
        const headed = type[i - 1] === NEWLINE && this.isOp(i - 2, ':');
        if (!headed) {
          const at = start[i] ?? 0;
          out.push({ message: 'unexpected indent', start: this.charBefore(at), end: at, cls: 'IndentationError' });
          break;
        }
      } else if (t === NEWLINE && this.isOp(i - 1, ':') && type[i + 1] !== INDENT) {
        const first = this.lineFirst(i);
        const desc = headerDescription(this.tok(first), type[first + 1] === NEWLINE ? undefined : this.tok(first + 1));
        if (desc === undefined) continue;
        const line = this.input.lines.line(start[first] ?? 0);
        let next = i + 1;
        while (type[next] === DEDENT) next++;
        let at = start[next] ?? this.text.length;
        if (type[next] === ENDMARKER) {
          // At the end of the file CPython points at the end of the last line.
          at = this.text.length;
          while (at > 0 && /[\r\n]/.test(this.text[at - 1] ?? '')) at--;
        }
        out.push({
          message: `expected an indented block after ${desc} on line ${line}`,
          start: at,
          end: at,
          cls: 'IndentationError',
        });
        break;
      }
    }
    return out;
  }

  /** The first error node of lezer's tree, with the message of the invalid_* rule there. */
  lezerError(): Candidate | undefined {
    let first: SyntaxNode | undefined;
    for (const top of this.input.tops) {
      top.cursor().iterate((c) => {
        if (first !== undefined) return false;
        if (c.type.isError) first = c.node;
        return first === undefined;
      });
      if (first !== undefined) break;
    }
    if (first === undefined) return undefined;
    return this.refine(first.from);
  }

  /** The message CPython's second pass gives for a parse failing at `offset`. */
  refine(offset: number): Candidate {
    const { type, start, end, level } = this.toks;
    const i = Math.min(this.tokenAtOrAfter(offset), this.toks.count - 1);
    if ((end[i] ?? 0) <= offset && offset > (start[i] ?? 0)) {
      return { message: 'invalid syntax', start: offset, end: offset, cls: 'SyntaxError' };
    }
    const first = this.lineFirst(i);
    const last = this.lineLast(i);
    const firstWord = this.tok(first);
    // A compound statement header without its ':' ("expected ':'", at the line's end).
    const kw = firstWord === 'async' ? this.tok(first + 1) : firstWord;
    const kwAt = firstWord === 'async' ? first + 1 : first;
    if (kw === 'def' && type[kwAt + 1] === NAME && !this.isOp(kwAt + 2, '(') && type[kwAt + 2] !== NEWLINE) {
      const at = start[kwAt + 2] ?? 0;
      return { message: "expected '('", start: at, end: at, cls: 'SyntaxError' };
    }
    if (firstWord === 'del' && this.isOp(first + 1, '*')) {
      const at = start[first + 1] ?? 0;
      return { message: 'cannot delete starred', start: at, end: end[last - 1] ?? at, cls: 'SyntaxError' };
    }
    const bare = kw === 'else' || kw === 'try' || kw === 'finally' || kw === 'except';
    if (COMPOUND.has(kw) && type[first] === NAME && (bare || kwAt + 1 < last)) {
      let depth0Colon = false;
      let lambdas = 0;
      for (let j = first; j < last; j++) {
        if ((this.input.rw.partner[j] ?? -1) > j) j = this.input.rw.partner[j] as number;
        else if (type[j] === NAME && this.tok(j) === 'lambda') lambdas++;
        else if (this.isOp(j, ':')) {
          if (lambdas === 0) depth0Colon = true;
          else lambdas--;
        }
      }
      const unclosed = (() => {
        for (let j = first; j < last; j++) {
          const p = this.input.rw.partner[j] ?? -1;
          if (p < 0 && type[j] === OP && ['(', '[', '{'].includes(this.tok(j))) return true;
        }
        return false;
      })();
      if (!depth0Colon && !unclosed) {
        const at = start[last] ?? this.text.length;
        return { message: "expected ':'", start: at, end: at, cls: 'SyntaxError' };
      }
    }
    // f(True=1)
    if (
      this.isOp(i, '=') &&
      type[i - 1] === NAME &&
      ['True', 'False', 'None'].includes(this.tok(i - 1)) &&
      (level[i] ?? 0) > 0
    ) {
      const at = start[i - 1] ?? 0;
      return { message: `cannot assign to ${this.tok(i - 1)}`, start: at, end: end[i] ?? at, cls: 'SyntaxError' };
    }
    // f(a.b=1)
    if (this.isOp(i, '=') && (level[i] ?? 0) > 0 && this.endsOperand(i - 1)) {
      const a = this.expressionStart(i - 1);
      if (a !== i - 1 || type[a] !== NAME) {
        return {
          message: 'expression cannot contain assignment, perhaps you meant "=="?',
          start: start[a] ?? 0,
          end: end[i - 1] ?? 0,
          cls: 'SyntaxError',
        };
      }
    }
    // x = yield = 1
    for (let j = first + 1; j < last; j++) {
      if (type[j] === NAME && this.tok(j) === 'yield' && this.isOp(j - 1, '=')) {
        for (let k = j + 1; k < last; k++) {
          if ((level[k] ?? 0) === (level[j] ?? 0) && this.isOp(k, '=')) {
            const at = start[j] ?? 0;
            return {
              message: 'assignment to yield expression not possible',
              start: at,
              end: end[k - 1] ?? at,
              cls: 'SyntaxError',
            };
          }
        }
      }
    }
    // Python 2's print and exec statements.
    const legacy = this.legacy(i);
    if (legacy !== undefined) return legacy;
    // Two expressions in a row inside brackets: "Perhaps you forgot a comma?".
    const comma = this.forgotComma(i);
    if (comma !== undefined) return comma;
    // `a if b` with no else.
    const ifElse = this.missingElse(i);
    if (ifElse !== undefined) return ifElse;
    const at = start[i] ?? offset;
    return { message: 'invalid syntax', start: at, end: end[i] ?? at, cls: 'SyntaxError' };
  }

  private startsExpression(j: number): boolean {
    const t = this.toks.type[j];
    if (t === NUMBER || t === STRING) return true;
    if (t === NAME) {
      const w = this.tok(j);
      return !KEYWORDS.has(w) || ['not', 'lambda', 'None', 'True', 'False', 'await'].includes(w);
    }
    if (t === OP) return ['(', '[', '{', '-', '+', '~', '...'].includes(this.tok(j));
    return false;
  }

  private endsOperand(j: number): boolean {
    const t = this.toks.type[j];
    if (t === NUMBER || t === STRING) return true;
    if (t === NAME) {
      const w = this.tok(j);
      return !KEYWORDS.has(w) || ['None', 'True', 'False'].includes(w);
    }
    return t === OP && [')', ']', '}', '...'].includes(this.tok(j));
  }

  /** Start of the expression ending at token j (back to a separator at its depth). */
  private expressionStart(j: number): number {
    const partner = this.input.rw.partner;
    let k = j;
    for (;;) {
      const p = partner[k] ?? -1;
      if (p >= 0 && p < k) k = p;
      const prev = k - 1;
      if (prev < 0) return k;
      const t = this.toks.type[prev];
      if (t === NEWLINE || t === INDENT || t === DEDENT) return k;
      const s = this.tok(prev);
      if (t === OP && ['(', '[', '{', ',', ':', '=', ';', ':=', '->'].includes(s)) return k;
      if (t === OP && s.endsWith('=') && !['==', '!=', '<=', '>='].includes(s)) return k;
      if (
        t === NAME &&
        [
          'for',
          'in',
          'if',
          'else',
          'return',
          'yield',
          'lambda',
          'and',
          'or',
          'from',
          'import',
          'del',
          'assert',
          'raise',
          'while',
          'with',
          'as',
          'elif',
          'global',
          'nonlocal',
          'async',
          'is',
          'await',
        ].includes(s)
      ) {
        if (s !== 'not') return k;
      }
      k = prev;
    }
  }

  private forgotComma(at: number): Candidate | undefined {
    const { type, start, end, level } = this.toks;
    let i = at;
    // `[a not b]`: the parse fails after `not` (which could start `not in`).
    if (type[i - 1] === NAME && this.tok(i - 1) === 'not' && this.endsOperand(i - 2)) i--;
    const prev = i - 1;
    if (prev < 0 || !this.endsOperand(prev) || !this.startsExpression(i)) return undefined;
    if ((level[i] ?? 0) === 0) return undefined;
    const a = this.expressionStart(prev);
    // !(NAME STRING | SOFT_KEYWORD): a name before a string, a soft keyword first.
    if (type[a] === NAME && ['match', 'case', '_', 'print', 'exec'].includes(this.tok(a))) return undefined;
    if (a === prev && type[prev] === NAME && type[i] === STRING) return undefined;
    // In comprehension clauses CPython does not try this rule.
    for (let j = a - 1; j >= 0 && (level[j] ?? 0) >= (level[i] ?? 0); j--) {
      if (type[j] === NAME && this.tok(j) === 'for') return undefined;
      if (this.isOp(j, '(') || this.isOp(j, '[') || this.isOp(j, '{')) break;
    }
    let e = i;
    while (type[e + 1] === NAME || this.isOp(e + 1, '.')) e++;
    return {
      message: 'invalid syntax. Perhaps you forgot a comma?',
      start: start[a] ?? 0,
      end: end[e] ?? 0,
      cls: 'SyntaxError',
    };
  }

  /** invalid_expression: `a if b` followed by neither `else` nor `:`. */
  private missingElse(i: number): Candidate | undefined {
    const { type, start, level } = this.toks;
    if (this.isOp(i, ':') || (type[i] === NAME && this.tok(i) === 'else')) return undefined;
    const first = this.lineFirst(i);
    const closer = type[i] === OP && [')', ']', '}'].includes(this.tok(i));
    const lvl = closer ? (level[i - 1] ?? 0) : (level[i] ?? 0);
    for (let j = i - 1; j > first; j--) {
      if ((level[j] ?? 0) < lvl) break;
      if ((level[j] ?? 0) !== lvl) continue;
      if (type[j] === NAME && this.tok(j) === 'else') return undefined;
      if (type[j] === NAME && this.tok(j) === 'if' && j - 1 > first && this.endsOperand(j - 1)) {
        const a = this.expressionStart(j - 1);
        return {
          message: "expected 'else' after 'if' expression",
          start: start[a] ?? 0,
          end: start[i] ?? 0,
          cls: 'SyntaxError',
        };
      }
    }
    return undefined;
  }

  private legacy(i: number): Candidate | undefined {
    const { type, start, end } = this.toks;
    const first = this.lineFirst(i);
    for (let j = first; j <= i; j++) {
      if (type[j] !== NAME) continue;
      const w = this.tok(j);
      if (w !== 'print' && w !== 'exec') continue;
      const next = j + 1;
      if (this.isOp(next, '(') || type[next] === NEWLINE || type[next] === ENDMARKER) continue;
      if (!this.startsExpression(next) && !this.isOp(next, '>>') && !this.isOp(next, '*')) continue;
      const last = this.lineLast(next) - 1;
      return {
        message: `Missing parentheses in call to '${w}'. Did you mean ${w}(...)?`,
        start: start[j] ?? 0,
        end: end[last] ?? 0,
        cls: 'SyntaxError',
      };
    }
    return undefined;
  }
}

/** The message CPython gives for a parse failing at `offset` of a text (an f-string field). */
export function refineAt(
  input: Pick<ErrorInput, 'text' | 'lines' | 'toks' | 'rw'>,
  offset: number,
): { message: string; start: number } {
  const full: ErrorInput = { ...input, tops: [], lowErrors: [] };
  return new Errors(full).refine(offset);
}

/** Whether the tokens hold an indentation error the parser raises (lezer may not see it). */
export function hasStructuralError(input: ErrorInput): boolean {
  return new Errors(input).structural().length > 0;
}

export function chooseError(input: ErrorInput): Diagnostic {
  const e = new Errors(input);
  const te = input.toks.error;
  if (te?.raised === true) {
    return diagnostic({ message: te.message, start: te.start, end: te.end, cls: te.cls });
  }
  // Parser errors, the earliest first (a tie goes to the more specific message).
  const parserErrors: Candidate[] = [...e.structural()];
  const lz = e.lezerError();
  if (lz !== undefined) parserErrors.push(lz);
  parserErrors.push(...input.lowErrors);
  const limit = te === undefined ? Infinity : te.at;
  // With the text cut at a tokenizer error, lezer's generic errors near the cut are echoes.
  const before = parserErrors
    .filter((c) => c.start < limit && !(te !== undefined && c === lz && c.message === 'invalid syntax'))
    .sort(
      (a, b) => a.start - b.start || Number(a.message === 'invalid syntax') - Number(b.message === 'invalid syntax'),
    );
  const best = before[0];
  if (te !== undefined) {
    const tokErr: Candidate = { message: te.message, start: te.start, end: te.end, cls: te.cls };
    if (best === undefined) return diagnostic(tokErr);
    if (te.unclosedLine !== undefined && te.unclosedLine < input.lines.line(best.start)) return diagnostic(tokErr);
    return diagnostic(best);
  }
  if (best !== undefined) return diagnostic(best);
  return diagnostic({ message: 'invalid syntax', start: 0, end: 0, cls: 'SyntaxError' });
}
