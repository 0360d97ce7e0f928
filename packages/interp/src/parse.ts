/*
 * Parsing: Python source to the typed AST of ast.ts, with CPython 3.11's diagnostics.
 *
 * Summary. `parseModule(text)` never throws. It returns the module and every
 * diagnostic CPython's `compile()` would raise (as `PY_SYNTAX`, all of them rather
 * than only the first), plus a `PY_UNSUPPORTED` for each valid construct outside
 * the supported subset, so nothing outside the subset is ever silently
 * mis-simulated. When a diagnostic is present the module is partial (placeholders
 * stand where the source was broken) and must not be run.
 *
 * Source. CPython 3.11: Parser/tokenizer.c (`tok_get`: strings, numbers, brackets,
 * indentation), Parser/string_parser.c (`decode_unicode_with_escapes`,
 * `fstring_find_literal`, `fstring_find_expr`), the `invalid_*` rules of
 * Grammar/python.gram (the friendlier messages), Python/ast.c and compile.c (starred
 * targets, `'return' outside function`, `'break' outside loop`) and, through
 * resolve.ts, Python/symtable.c (`global`/`nonlocal` errors).
 *
 * Read first: `parseModule`, then `Lowering.run`.
 *
 * The three passes.
 *   1. `Scanner` is a small port of CPython's tokenizer. It finds string tokens
 *      (boundaries exactly as CPython draws them), checks numbers, brackets and
 *      indentation with CPython's messages, and produces the text given to lezer:
 *      same length, with a few same-length rewrites where @lezer/python's grammar
 *      differs from Python 3.11 (see "Rewrites").
 *   2. @lezer/python parses the rewritten text; its syntax tree recovers from errors.
 *      Each error node becomes one `PY_SYNTAX` (one per line), unless the scanner
 *      already explained it (its `suppress` range covers the error).
 *   3. `Lowering` walks the tree into ast.ts, checking what the grammar accepts but
 *      CPython rejects (assignment targets, argument order, parameters, `print x`).
 *
 * Rewrites (the lezer text only; spans and names always come from the original).
 *   - `1.` and `1.e5`: lezer has no float ending in a dot; the dot becomes `_`
 *     (`1_`, `1_e5` are one lezer Number) and the literal is read from the source.
 *   - f-strings: the prefix letters become spaces, so lezer sees a plain string.
 *     The f-string is then parsed here as 3.11's string_parser.c does, each
 *     `{expression}` by a nested `Lowering` of `(expression)` whose spans are shifted
 *     back into the file (errors inside get CPython's "f-string: " prefix).
 *   - `@decorator` lines: the `@` becomes `+` (lezer only knows dotted-name
 *     decorators; 3.9+ allows any expression); the lowering turns such an expression
 *     statement back into a decorator of the following `def` or `class`.
 *   - `print` followed by something that cannot start Python 2's print statement
 *     (`print = 1`, `print, x = ...`) is renamed for lezer, whose grammar would
 *     otherwise read it as the legacy statement.
 *   - A leading byte-order mark becomes a space.
 *
 * Worked example. `x = f"{a!r:>4}" if 1. else b'\x00'` is scanned into string tokens
 * `f"{a!r:>4}"` and `b'\x00'` and a number `1.`; lezer sees
 * `x =  "{a!r:>4}" if 1_ else b'\x00'`; the lowering yields
 * `Assign([Name x], IfExp(Float 1, FString[expr Name a, conv r, spec '>4'], Bytes [0]))`.
 *
 * Simplifications.
 *   - Annotations are parsed and dropped (ast.ts has no place for them), so
 *     `__annotations__` is never created and names used only in annotations are
 *     not seen by resolve.ts.
 *   - `\N{...}` escapes are refused (no Unicode name table); imaginary literals,
 *     `async`, `await`, `yield`, `with`, `match`, `:=`, `except*`, relative and star
 *     imports, positional-only parameters and nested replacement fields in format
 *     specs are refused as unsupported.
 *   - CPython stops at its first error; here every error is reported, but only
 *     the first parser error of a line (lezer often flags one mistake several
 *     times), and errors that follow from an earlier one (an unclosed bracket, an
 *     unterminated string) are suppressed. Columns of spans approximate CPython's.
 *     IndentationError and TabError cases are `PY_SYNTAX` with CPython's message.
 *   - The friendlier messages of Grammar/python.gram are given where their rule is
 *     simple to recognise on lezer's tree (and checked against python3.11 in
 *     parse.test.ts); elsewhere the message is `invalid syntax`.
 */
import { parser } from '@lezer/python';
import { Tree, type SyntaxNode } from '@lezer/common';
import type { Diagnostic, Span } from '@pymemsim/core';
import type {
  Arg,
  BinOpName,
  CmpOpName,
  Comprehension,
  ExceptHandler,
  Expr,
  FPart,
  Module,
  Params,
  Stmt,
  Target,
} from './ast.js';
import { resolveModule } from './resolve.js';

/**
 * Parse a module. The diagnostics include the symbol-table errors of resolve.ts
 * (`no binding for nonlocal 'x' found`, ...) when the source has no syntax error, so
 * an empty list means CPython would compile it. They are ordered so that the first
 * `PY_SYNTAX` is the SyntaxError CPython reports: tokenizer errors, then parser
 * errors, then compiler errors, each by position.
 */
export function parseModule(text: string): { module: Module; diagnostics: Diagnostic[] } {
  const sink: Sink = [];
  let module: Module = { body: [] };
  try {
    module = { body: new Lowering(text, 0, sink, '').run() };
    if (!sink.some((x) => x.d.code === 'PY_SYNTAX')) {
      for (const d of resolveModule(module).diagnostics) sink.push({ d, rank: RANK_COMPILER });
    }
  } catch (e) {
    // Only the JavaScript stack can give out, on absurdly deep nesting (CPython raises
    // MemoryError or RecursionError on such input).
    if (!(e instanceof RangeError)) throw e;
    const d: Diagnostic = {
      code: 'PY_UNSUPPORTED',
      message: 'code nested this deeply is outside the supported Python subset',
      span: { start: 0, end: Math.min(1, text.length) },
    };
    sink.push({ d, rank: RANK_TOKENIZER });
  }
  // CPython reports one error: a tokenizer error anywhere wins over a parser error
  // (_PyPegen_tokenize_full_source_to_check_for_errors), and compiler errors only
  // exist for a file that parsed. Sorting by that rank, then by position, puts the
  // error CPython would report first.
  sink.sort((a, b) => a.rank - b.rank || a.d.span.start - b.d.span.start || a.d.span.end - b.d.span.end);
  return { module, diagnostics: sink.map((x) => x.d) };
}

/** Diagnostics with their rank: tokenizer, parser, compiler (symtable and codegen). */
type Sink = { d: Diagnostic; rank: number }[];
const RANK_TOKENIZER = 0;
const RANK_PARSER = 1;
const RANK_COMPILER = 2;

// =====================================================================================
// Pass 1: the scanner (CPython's tokenizer, for what lezer does not check).

/** A string literal token, with CPython's boundaries. Offsets are in the scanned text. */
type StringToken = {
  readonly start: number;
  readonly quote: number;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly end: number;
  readonly raw: boolean;
  readonly bytes: boolean;
  readonly fmt: boolean;
  readonly terminated: boolean;
};

/**
 * A tokenizer error, and the range in which lezer's error nodes are its echo.
 * `unclosed` marks "'(' was never closed" (CPython reports it only when the parser
 * fails after the bracket's line); `parser` marks the indentation errors that CPython's
 * parser (not its tokenizer) raises.
 */
type ScanError = {
  readonly message: string;
  readonly span: Span;
  readonly suppress: Span;
  readonly unclosed?: { readonly line: number };
  readonly parser?: boolean;
};

type ScanResult = {
  readonly lezerText: string;
  /** String tokens by start offset and by opening-quote offset. */
  readonly strings: ReadonlyMap<number, StringToken>;
  /** Offsets of `@` characters that start a decorator line (rewritten to `+`). */
  readonly decorators: ReadonlySet<number>;
  /**
   * Offsets where top-level statements start (0 first). Each is parsed by lezer on its
   * own: its parser has been seen to report spurious errors deep into long files, and
   * separate parses also keep one broken statement from derailing the next.
   */
  readonly chunks: readonly number[];
  readonly errors: readonly ScanError[];
};

/** Keywords that continue a compound statement rather than start one. */
const CLAUSE_KEYWORDS = new Set(['else', 'elif', 'except', 'finally']);
const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 'br', 'rb', 'fr', 'rf']);
const OPEN_CLOSE: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
/** Words after which a Python 2 `print` statement cannot be meant (they continue an expression). */
const PRINT_CONTINUATIONS = new Set(['and', 'or', 'in', 'is', 'if', 'else', 'for', 'as', 'from', 'not']);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isOctalDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7';
const isHexDigit = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isIdentStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c.charCodeAt(0) >= 0x80);
const isIdentChar = (c: string | undefined): boolean => isIdentStart(c) || isDigit(c);
const isNewline = (c: string | undefined): boolean => c === '\n' || c === '\r';
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;
const XID_START = /^[\p{XID_Start}_]$/u;
const XID_CONTINUE = /^\p{XID_Continue}$/u;

/** What CPython calls the block a header line opens, for "expected an indented block after ...". */
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
      return `'${first}' statement`;
    case 'except':
      return second === '*' ? "'except*' statement" : "'except' statement";
    case 'def':
      return 'function definition';
    case 'class':
      return 'class definition';
    case 'match':
    case 'case':
      return `'${first}' statement`;
    case 'async':
      if (second === 'def') return 'function definition';
      return second === 'for' || second === 'with' ? `'${second}' statement` : undefined;
    default:
      return undefined;
  }
}

function hex4(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

class Scanner {
  private i = 0;
  private line = 1;
  private readonly errors: ScanError[] = [];
  private readonly strings = new Map<number, StringToken>();
  private readonly decorators = new Set<number>();
  private readonly chunks: number[] = [0];
  private afterDecorator = false;
  private readonly edits: { at: number; text: string }[] = [];
  private readonly brackets: { ch: string; pos: number; line: number }[] = [];
  private readonly indents: { col: number; alt: number }[] = [{ col: 0, alt: 0 }];
  /** The header line (ending in `:`) whose block the next line must indent. */
  private pending: { desc: string; line: number; colon: number } | undefined;
  /** The first two tokens, the last token and its offset, of the current logical line. */
  private lineTokens: string[] = [];
  private lineFirstLine = 1;
  private lastToken = '';
  private lastTokenAt = -1;

  constructor(
    private readonly text: string,
    private readonly indentation: boolean,
  ) {}

  run(): ScanResult {
    const text = this.text;
    const n = text.length;
    if (text.charCodeAt(0) === 0xfeff) {
      this.edit(0, ' ');
      this.i = 1;
    }
    let lineStart = true;
    for (;;) {
      if (lineStart) {
        lineStart = false;
        this.indent();
      }
      if (this.i >= n) break;
      const at = this.i;
      const c = text[at] as string;
      if (c === ' ' || c === '\t' || c === '\f') {
        this.i++;
      } else if (c === '#') {
        while (this.i < n && !isNewline(text[this.i])) this.i++;
      } else if (isNewline(c)) {
        this.i += c === '\r' && text[at + 1] === '\n' ? 2 : 1;
        this.line++;
        if (this.brackets.length === 0) {
          this.endLogicalLine();
          lineStart = true;
        }
      } else if (c === '\\') {
        this.backslash();
      } else if (isIdentStart(c)) {
        this.identifierOrString();
      } else if (c === '"' || c === "'") {
        this.string(at, at, '');
      } else if (isDigit(c) || (c === '.' && isDigit(text[at + 1]))) {
        this.number();
      } else if (c === '(' || c === '[' || c === '{') {
        this.brackets.push({ ch: c, pos: at, line: this.line });
        this.token(c, at);
        this.i++;
      } else if (c === ')' || c === ']' || c === '}') {
        this.closeBracket(c, at);
        this.token(c, at);
        this.i++;
      } else if (c === '\0') {
        this.error('source code cannot contain null bytes', at, at + 1, at, this.lineEnd(at));
        this.i++;
      } else if (c < ' ' || c === '\x7f') {
        this.error(`invalid non-printable character U+${hex4(c.charCodeAt(0))}`, at, at + 1, at, at + 1);
        this.i++;
      } else {
        if (c === '@' && this.lineTokens.length === 0 && this.brackets.length === 0) {
          this.decorators.add(at);
          this.edit(at, '+');
        }
        const two = text.slice(at, at + 2);
        const tok =
          two === ':=' || two === '->' || two === '==' || two === '!=' || two === '<=' || two === '>=' ? two : c;
        this.token(tok, at);
        this.i += tok.length;
      }
    }
    this.finish();
    let lezerText = text;
    if (this.edits.length > 0) {
      const parts: string[] = [];
      let last = 0;
      for (const e of this.edits.sort((a, b) => a.at - b.at)) {
        parts.push(text.slice(last, e.at), e.text);
        last = e.at + e.text.length;
      }
      parts.push(text.slice(last));
      lezerText = parts.join('');
    }
    return { lezerText, strings: this.strings, decorators: this.decorators, chunks: this.chunks, errors: this.errors };
  }

  private edit(at: number, text: string): void {
    this.edits.push({ at, text });
  }

  private error(
    message: string,
    start: number,
    end: number,
    suppressFrom: number,
    suppressTo: number,
    extra: { unclosed?: { line: number }; parser?: boolean } = {},
  ): void {
    this.errors.push({ message, span: { start, end }, suppress: { start: suppressFrom, end: suppressTo }, ...extra });
  }

  private lineEnd(pos: number): number {
    let j = pos;
    while (j < this.text.length && !isNewline(this.text[j])) j++;
    return j;
  }

  private token(tok: string, at: number): void {
    if (this.lineTokens.length === 0) this.lineFirstLine = this.line;
    if (this.lineTokens.length < 2) this.lineTokens.push(tok);
    this.lastToken = tok;
    this.lastTokenAt = at;
  }

  private endLogicalLine(): void {
    if (this.lineTokens.length === 0) return;
    this.afterDecorator = this.lineTokens[0] === '@';
    const desc = this.lastToken === ':' ? headerDescription(this.lineTokens[0] ?? '', this.lineTokens[1]) : undefined;
    this.pending = desc === undefined ? undefined : { desc, line: this.lineFirstLine, colon: this.lastTokenAt };
    this.lineTokens = [];
    this.lastToken = '';
  }

  /** At the start of a logical line: CPython's INDENT/DEDENT bookkeeping (tokenizer.c, tok_get). */
  private indent(): void {
    const text = this.text;
    let j = this.i;
    let col = 0;
    let alt = 0;
    for (; j < text.length; j++) {
      const c = text[j];
      if (c === ' ') {
        col++;
        alt++;
      } else if (c === '\t') {
        col = (Math.floor(col / 8) + 1) * 8;
        alt++;
      } else if (c === '\f') {
        col = 0;
        alt = 0;
      } else break;
    }
    const lineStart = this.i;
    this.i = j;
    const c = text[j];
    // Blank and comment-only lines do not count; the end of the file is handled by finish().
    if (!this.indentation || c === undefined || c === '#' || isNewline(c)) return;
    const word = /^[A-Za-z_]\w*/.exec(text.slice(j, j + 12))?.[0];
    if (j === lineStart && lineStart > 0 && !this.afterDecorator && !CLAUSE_KEYWORDS.has(word ?? '')) {
      this.chunks.push(lineStart);
    }
    const end = this.lineEnd(j);
    const top = this.indents[this.indents.length - 1] ?? { col: 0, alt: 0 };
    const pending = this.pending;
    this.pending = undefined;
    const tabError = (): void =>
      this.error(
        'inconsistent use of tabs and spaces in indentation',
        lineStart,
        Math.max(j, lineStart + 1),
        lineStart,
        end,
      );
    if (col > top.col) {
      if (alt <= top.alt) tabError();
      else if (pending === undefined) this.error('unexpected indent', j, j + 1, lineStart, end, { parser: true });
      this.indents.push({ col, alt });
      return;
    }
    if (col < top.col) {
      while (this.indents.length > 1 && col < (this.indents[this.indents.length - 1]?.col ?? 0)) this.indents.pop();
      const now = this.indents[this.indents.length - 1] ?? { col: 0, alt: 0 };
      if (col !== now.col) {
        this.error('unindent does not match any outer indentation level', j, j + 1, lineStart, end);
        return;
      }
      if (alt !== now.alt) {
        tabError();
        return;
      }
    } else if (alt !== top.alt) {
      tabError();
      return;
    }
    if (pending !== undefined) {
      let k = j;
      while (k < end && isIdentChar(text[k])) k++;
      this.error(
        `expected an indented block after ${pending.desc} on line ${pending.line}`,
        j,
        Math.max(k, j + 1),
        pending.colon,
        end,
        { parser: true },
      );
    }
  }

  private finish(): void {
    const n = this.text.length;
    const open = this.brackets[this.brackets.length - 1];
    if (open !== undefined) {
      this.error(`'${open.ch}' was never closed`, open.pos, open.pos + 1, open.pos, n, {
        unclosed: { line: open.line },
      });
      return;
    }
    this.endLogicalLine();
    if (this.pending !== undefined && this.indentation) {
      const p = this.pending;
      const at = isNewline(this.text[n - 1]) ? n - 1 : n; // CPython reports the last line
      this.error(`expected an indented block after ${p.desc} on line ${p.line}`, at, at, p.colon, n, { parser: true });
    }
  }

  private backslash(): void {
    const text = this.text;
    const at = this.i;
    const next = text[at + 1];
    if (isNewline(next)) {
      this.i = at + (next === '\r' && text[at + 2] === '\n' ? 3 : 2);
      this.line++;
      if (this.i >= text.length) this.error('unexpected EOF while parsing', at, at + 1, at, text.length);
      return;
    }
    if (next === undefined) {
      this.error('unexpected EOF while parsing', at, at + 1, at, text.length);
    } else {
      this.error('unexpected character after line continuation character', at, at + 1, at, this.lineEnd(at));
    }
    this.i = at + 1;
  }

  private identifierOrString(): void {
    const text = this.text;
    const at = this.i;
    let j = at;
    while (j < text.length && isIdentChar(text[j])) j++;
    const word = text.slice(at, j);
    const q = text[j];
    if ((q === '"' || q === "'") && STRING_PREFIXES.has(word.toLowerCase())) {
      this.string(at, j, word.toLowerCase());
      return;
    }
    this.i = j;
    if ([...word].some((ch) => ch.charCodeAt(0) >= 0x80) && !this.verifyIdentifier(word, at)) return;
    this.token(word, at);
    if (word === 'print' && !this.printStatementPossible(j)) this.edit(at + 4, 'T');
  }

  /** tokenizer.c, verify_identifier: XID_Start then XID_Continue, else "invalid character". */
  private verifyIdentifier(word: string, at: number): boolean {
    let offset = 0;
    let first = true;
    for (const ch of word) {
      const ok = first ? XID_START.test(ch) : XID_CONTINUE.test(ch);
      if (!ok) {
        const cp = ch.codePointAt(0) ?? 0;
        const message = NON_PRINTABLE.test(ch)
          ? `invalid non-printable character U+${hex4(cp)}`
          : `invalid character '${ch}' (U+${hex4(cp)})`;
        this.error(message, at + offset, at + offset + ch.length, at, at + word.length);
        return false;
      }
      first = false;
      offset += ch.length;
    }
    return true;
  }

  /**
   * Whether `print` at `end` could be Python 2's print statement: only when what
   * follows starts an operand that cannot continue an expression (`print x`,
   * `print "a"`). lezer's grammar would read `print = 1` as one, so those are renamed.
   */
  private printStatementPossible(end: number): boolean {
    const text = this.text;
    let k = end;
    while (text[k] === ' ' || text[k] === '\t') k++;
    const c = text[k];
    if (c === '(' || c === '.' || c === '#' || isNewline(c)) return true; // lezer reads these as a name
    if (c === undefined) return false; // lezer's legacy print would take `print` at the end of the file
    if (isDigit(c) || c === '"' || c === "'" || c === '{' || c === '~') return true;
    if (!isIdentStart(c)) return false;
    let e = k;
    while (isIdentChar(text[e])) e++;
    return !PRINT_CONTINUATIONS.has(text.slice(k, e));
  }

  /** A string token from `start` (prefix) / `quote`; tokenizer.c, letter_quote. */
  private string(start: number, quote: number, prefix: string): void {
    const text = this.text;
    const q = text[quote] as string;
    const triple = text[quote + 1] === q && text[quote + 2] === q;
    const bodyStart = quote + (triple ? 3 : 1);
    const fmt = prefix.includes('f');
    const raw = prefix.includes('r');
    const bytes = prefix.includes('b');
    let j = bodyStart;
    const record = (bodyEnd: number, end: number, terminated: boolean): void => {
      const tok: StringToken = { start, quote, bodyStart, bodyEnd, end, raw, bytes, fmt, terminated };
      this.strings.set(start, tok);
      this.strings.set(quote, tok);
      if (fmt) for (let k = start; k < quote; k++) this.edit(k, ' ');
      this.token('STRING', start);
    };
    for (;;) {
      const c = text[j];
      if (c === undefined) {
        // End of file inside the string.
        if (triple) {
          const lines = this.line - (isNewline(text[text.length - 1]) ? 1 : 0);
          this.error(
            `unterminated triple-quoted string literal (detected at line ${lines})`,
            start,
            start + 1,
            start,
            text.length,
          );
        } else {
          this.error(
            `unterminated string literal (detected at line ${this.line})`,
            start,
            start + 1,
            start,
            text.length,
          );
        }
        record(j, j, false);
        this.i = j;
        return;
      }
      if (c === '\\') {
        const e = text[j + 1];
        if (isNewline(e)) this.line++;
        j += e === '\r' && text[j + 2] === '\n' ? 3 : e === undefined ? 1 : 2;
        continue;
      }
      if (c === q && (!triple || (text[j + 1] === q && text[j + 2] === q))) {
        const end = j + (triple ? 3 : 1);
        record(j, end, true);
        this.i = end;
        return;
      }
      if (isNewline(c)) {
        if (!triple) {
          this.error(`unterminated string literal (detected at line ${this.line})`, start, start + 1, start, j);
          record(j, j, false);
          this.i = j;
          return;
        }
        this.line++;
        j += c === '\r' && text[j + 1] === '\n' ? 2 : 1;
        continue;
      }
      j++;
    }
  }

  /** A number token; tokenizer.c's number branch, with its error messages. */
  private number(): void {
    const text = this.text;
    const start = this.i;
    const r = scanNumber(text, start);
    if (r.error !== undefined) {
      let k = Math.max(r.end, start + 1);
      while (isIdentChar(text[k])) k++;
      this.error(r.error, start, k, start, k);
      this.i = k;
      this.token('NUMBER', start);
      return;
    }
    if (r.bareDot !== undefined) this.edit(r.bareDot, '_');
    this.i = r.end;
    this.token('NUMBER', start);
  }

  private closeBracket(c: string, at: number): void {
    const open = this.brackets.pop();
    if (open === undefined) {
      this.error(`unmatched '${c}'`, at, at + 1, at, this.lineEnd(at));
      return;
    }
    if (open.ch !== OPEN_CLOSE[c]) {
      const where = open.line !== this.line ? ` on line ${open.line}` : '';
      this.error(
        `closing parenthesis '${c}' does not match opening parenthesis '${open.ch}'${where}`,
        at,
        at + 1,
        open.pos,
        this.lineEnd(at),
      );
    }
  }
}

/**
 * tokenizer.c's number scanning from `start` (a digit, or `.` before a digit).
 * `end` is where the token ends; `bareDot` is the offset of a `.` not followed by a
 * digit (`1.`, `1.e5`), which lezer does not accept.
 */
function scanNumber(text: string, start: number): { end: number; error?: string; bareDot?: number } {
  let j = start;
  const peek = (): string | undefined => text[j];
  const fail = (message: string): { end: number; error: string } => ({ end: j, error: message });
  // tok_decimal_tail: digits with single underscores between them.
  const decimalTail = (): string | undefined => {
    for (;;) {
      while (isDigit(peek())) j++;
      if (peek() !== '_') return undefined;
      j++;
      if (!isDigit(peek())) return 'invalid decimal literal';
    }
  };
  // verify_end_of_number: a letter right after a number is an error, except the
  // keywords that may follow a number in valid code (a SyntaxWarning in 3.11).
  const verifyEnd = (kind: string): { end: number; error?: string } => {
    const c = peek();
    const rest = text.slice(j + 1, j + 4);
    const keyword =
      (c === 'a' && rest.startsWith('nd')) ||
      (c === 'e' && rest.startsWith('lse')) ||
      (c === 'f' && rest.startsWith('or')) ||
      (c === 'i' && (rest[0] === 'f' || rest[0] === 'n' || rest[0] === 's')) ||
      (c === 'o' && rest.startsWith('r')) ||
      (c === 'n' && rest.startsWith('ot'));
    if (!keyword && isIdentChar(c)) return fail(`invalid ${kind} literal`);
    return { end: j };
  };
  const radix = (kind: string, isRadixDigit: (c: string | undefined) => boolean): { end: number; error?: string } => {
    j += 2;
    do {
      if (peek() === '_') j++;
      const c = peek();
      if (!isRadixDigit(c)) {
        if (kind !== 'hexadecimal' && isDigit(c)) return fail(`invalid digit '${c}' in ${kind} literal`);
        return fail(`invalid ${kind} literal`);
      }
      while (isRadixDigit(peek())) j++;
    } while (peek() === '_');
    if (kind !== 'hexadecimal' && isDigit(peek())) return fail(`invalid digit '${peek()}' in ${kind} literal`);
    return verifyEnd(kind);
  };
  let bareDot: number | undefined;
  // After the integer part: fraction, exponent, imaginary suffix.
  const afterInteger = (): { end: number; error?: string; bareDot?: number } => {
    if (peek() === '.') {
      j++;
      if (isDigit(peek())) {
        const e = decimalTail();
        if (e !== undefined) return fail(e);
      } else bareDot = j - 1;
    }
    return exponentAndSuffix();
  };
  const exponentAndSuffix = (): { end: number; error?: string; bareDot?: number } => {
    const c = peek();
    if (c === 'e' || c === 'E') {
      const e = j;
      j++;
      if (peek() === '+' || peek() === '-') {
        j++;
        if (!isDigit(peek())) return fail('invalid decimal literal');
      } else if (!isDigit(peek())) {
        j = e;
        const v = verifyEnd('decimal');
        return v.error !== undefined ? v : withDot({ end: e });
      }
      const t = decimalTail();
      if (t !== undefined) return fail(t);
    }
    if (peek() === 'j' || peek() === 'J') {
      j++;
      return withDot(verifyEnd('imaginary'));
    }
    return withDot(verifyEnd('decimal'));
  };
  const withDot = (r: { end: number; error?: string }): { end: number; error?: string; bareDot?: number } =>
    r.error === undefined && bareDot !== undefined ? { end: r.end, bareDot } : r;

  if (peek() === '.') {
    // `.5`: the fraction of a number without integer part.
    j++;
    const e = decimalTail();
    if (e !== undefined) return fail(e);
    return exponentAndSuffix();
  }
  if (peek() === '0') {
    const x = text[j + 1];
    if (x === 'x' || x === 'X') return radix('hexadecimal', isHexDigit);
    if (x === 'o' || x === 'O') return radix('octal', (c) => c !== undefined && c >= '0' && c <= '7');
    if (x === 'b' || x === 'B') return radix('binary', (c) => c === '0' || c === '1');
    // Zeros, maybe an old-style octal (an error unless it turns out to be a float).
    j++;
    for (;;) {
      if (peek() === '_') {
        j++;
        if (!isDigit(peek())) return fail('invalid decimal literal');
      }
      if (peek() !== '0') break;
      j++;
    }
    let nonzero = false;
    if (isDigit(peek())) {
      nonzero = true;
      const e = decimalTail();
      if (e !== undefined) return fail(e);
    }
    const c = peek();
    if (c === '.' || c === 'e' || c === 'E' || c === 'j' || c === 'J') return afterInteger();
    if (nonzero) {
      return fail('leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers');
    }
    return verifyEnd('decimal');
  }
  const e = decimalTail();
  if (e !== undefined) return fail(e);
  return afterInteger();
}

// =====================================================================================
// String literal bodies (string_parser.c).

/** How many bytes CPython's decode_unicode_with_escapes buffer gives to `s` (for error positions). */
function escapeBufferLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c && i + 1 < s.length && s.charCodeAt(i + 1) >= 0x80) n += 6;
    else if (c >= 0x80) {
      n += 10;
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) i++;
    } else if (c === 0x0d && s.charCodeAt(i + 1) === 0x0a) {
      n += 1;
      i++;
    } else n += 1;
  }
  return n;
}

type Decoded = { value: string; error?: string; unsupported?: string };

/** The value of a str literal body; `raw` bodies only get their newlines normalised. */
function decodeStr(body: string, raw: boolean): Decoded {
  if (raw) return { value: body.replace(/\r\n?/g, '\n') };
  let out = '';
  let pos = 0; // offset in CPython's intermediate buffer
  const n = body.length;
  let i = 0;
  const fail = (start: number, end: number, message: string): Decoded => ({
    value: out,
    error: `(unicode error) 'unicodeescape' codec can't decode bytes in position ${start}-${end}: ${message}`,
  });
  while (i < n) {
    const c = body[i] as string;
    if (c !== '\\') {
      if (c === '\r') {
        out += '\n';
        i += body[i + 1] === '\n' ? 2 : 1;
        pos += 1;
        continue;
      }
      const cp = body.codePointAt(i) ?? 0;
      const w = cp > 0xffff ? 2 : 1;
      out += body.slice(i, i + w);
      pos += cp >= 0x80 ? 10 : 1;
      i += w;
      continue;
    }
    const start = pos;
    const e = body[i + 1];
    if (e === undefined || e.charCodeAt(0) >= 0x80) {
      // A backslash before a non-ASCII character (or at the end) stays a backslash.
      out += '\\';
      pos += 6;
      i += 1;
      continue;
    }
    i += 2;
    pos += 2;
    switch (e) {
      case '\n':
        break;
      case '\r':
        if (body[i] === '\n') i++;
        break;
      case '\\':
      case "'":
      case '"':
        out += e;
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        let v = e.charCodeAt(0) - 48;
        for (let k = 0; k < 2 && isOctalDigit(body[i]); k++) {
          v = v * 8 + (body.charCodeAt(i) - 48);
          i++;
          pos++;
        }
        out += String.fromCodePoint(v);
        break;
      }
      case 'x':
      case 'u':
      case 'U': {
        const count = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const message =
          e === 'x'
            ? 'truncated \\xXX escape'
            : e === 'u'
              ? 'truncated \\uXXXX escape'
              : 'truncated \\UXXXXXXXX escape';
        let v = 0;
        for (let k = 0; k < count; k++) {
          const h = body[i];
          if (!isHexDigit(h)) return fail(start, pos - 1, message);
          v = v * 16 + parseInt(h as string, 16);
          i++;
          pos++;
        }
        if (v > 0x10ffff) return fail(start, pos - 1, 'illegal Unicode character');
        out += String.fromCodePoint(v);
        break;
      }
      case 'N': {
        const malformed = 'malformed \\N character escape';
        if (body[i] !== '{') return fail(start, body[i] === undefined ? pos - 1 : pos - 1, malformed);
        const close = body.indexOf('}', i + 1);
        if (close < 0) return fail(start, pos + escapeBufferLength(body.slice(i)) - 1, malformed);
        if (close === i + 1) return fail(start, pos, malformed);
        return { value: out, unsupported: '`\\N{...}` escape' };
      }
      default:
        out += '\\' + e; // an invalid escape stays as written (a DeprecationWarning in 3.11)
    }
  }
  return { value: out };
}

/** The bytes of a bytes literal body. */
function decodeBytes(body: string, raw: boolean): { bytes: number[]; error?: string } {
  const bytes: number[] = [];
  for (let k = 0; k < body.length; k++) {
    if (body.charCodeAt(k) >= 0x80) return { bytes, error: 'bytes can only contain ASCII literal characters' };
  }
  const n = body.length;
  let i = 0;
  while (i < n) {
    const c = body.charCodeAt(i);
    if (c === 0x0d) {
      bytes.push(10);
      i += body[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    if (c !== 0x5c || raw || i + 1 >= n) {
      bytes.push(c);
      i++;
      continue;
    }
    const at = i;
    const e = body[i + 1] as string;
    i += 2;
    const simple: Record<string, number> = { '\\': 92, "'": 39, '"': 34, a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (e === '\n') continue;
    if (e === '\r') {
      if (body[i] === '\n') i++;
      continue;
    }
    const s = simple[e];
    if (s !== undefined) {
      bytes.push(s);
    } else if (e >= '0' && e <= '7') {
      let v = e.charCodeAt(0) - 48;
      for (let k = 0; k < 2 && isOctalDigit(body[i]); k++) {
        v = v * 8 + (body.charCodeAt(i) - 48);
        i++;
      }
      bytes.push(v & 0xff);
    } else if (e === 'x') {
      if (!isHexDigit(body[i]) || !isHexDigit(body[i + 1])) {
        return { bytes, error: `(value error) invalid \\x escape at position ${at}` };
      }
      bytes.push(parseInt(body.slice(i, i + 2), 16));
      i += 2;
    } else {
      bytes.push(92, e.charCodeAt(0));
    }
  }
  return { bytes };
}

// =====================================================================================
// Pass 2 and 3: lezer's tree, its errors, and the lowering.

const COMPOUND_HEADERS = new Set([
  'IfStatement',
  'WhileStatement',
  'ForStatement',
  'TryStatement',
  'FunctionDefinition',
  'ClassDefinition',
]);
const BRACKETED = new Set([
  'ArgList',
  'ArrayExpression',
  'TupleExpression',
  'ParenthesizedExpression',
  'SetExpression',
  'DictionaryExpression',
  'ArrayComprehensionExpression',
  'SetComprehensionExpression',
  'DictionaryComprehensionExpression',
  'ComprehensionExpression',
]);
/** Python keywords lezer lets through as attribute names. */
const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);
const SOFT_KEYWORDS = new Set(['match', 'case', '_']);
const OPERATORS = new Set(['ArithOp', 'BitOp', 'CompareOp', 'AssignOp', 'UpdateOp', 'At']);
const PUNCTUATION = new Set([
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  ';',
  '.',
  '*',
  '**',
  '=',
  '->',
  'AssignOp',
  'UpdateOp',
]);

type Group = SyntaxNode[];

/** Split a flat child list at `,` tokens. A trailing comma leaves an empty last group. */
function splitCommas(nodes: readonly SyntaxNode[]): Group[] {
  const groups: Group[] = [[]];
  for (const n of nodes) {
    if (n.name === ',') groups.push([]);
    else groups[groups.length - 1]?.push(n);
  }
  return groups;
}

function spanOf(nodes: readonly SyntaxNode[], fallback: SyntaxNode | Span): { start: number; end: number } {
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  if (first !== undefined && last !== undefined) return { start: first.from, end: last.to };
  return 'from' in fallback ? { start: fallback.from, end: fallback.to } : { start: fallback.start, end: fallback.end };
}

/** CPython's _PyPegen_get_expr_name, for "cannot assign to ..." messages. */
function exprName(e: Expr): string {
  switch (e.k) {
    case 'Attribute':
      return 'attribute';
    case 'Subscript':
      return 'subscript';
    case 'Starred':
      return 'starred';
    case 'Name':
      return 'name';
    case 'List':
      return 'list';
    case 'Tuple':
      return 'tuple';
    case 'Lambda':
      return 'lambda';
    case 'Call':
      return 'function call';
    case 'BoolOp':
    case 'BinOp':
    case 'UnaryOp':
      return 'expression';
    case 'GeneratorExp':
      return 'generator expression';
    case 'ListComp':
      return 'list comprehension';
    case 'SetComp':
      return 'set comprehension';
    case 'DictComp':
      return 'dict comprehension';
    case 'Dict':
      return 'dict literal';
    case 'Set':
      return 'set display';
    case 'FString':
      return 'f-string expression';
    case 'Const':
      return e.value === 'Ellipsis' ? 'ellipsis' : e.value;
    case 'Int':
    case 'Float':
    case 'Str':
    case 'Bytes':
      return 'literal';
    case 'Compare':
      return 'comparison';
    case 'IfExp':
      return 'conditional expression';
    case 'Slice':
      return 'slice';
  }
}

type TargetKind = 'store' | 'for' | 'del';

/** CPython's _PyPegen_get_invalid_target: the first sub-expression that cannot be a target. */
function invalidTarget(e: Expr, kind: TargetKind): Expr | undefined {
  if (e.k === 'List' || e.k === 'Tuple') {
    for (const x of e.elts) {
      const bad = invalidTarget(x, kind);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (e.k === 'Starred') return kind === 'del' ? e : invalidTarget(e.value, kind);
  if (e.k === 'Compare') {
    // `for a in b` parses its target as a comparison in CPython's grammar.
    if (kind === 'for') return e.ops[0] === 'in' ? invalidTarget(e.left, kind) : undefined;
    return e;
  }
  if (e.k === 'Name' || e.k === 'Subscript' || e.k === 'Attribute') return undefined;
  return e;
}

type FParse = { parts: FPart[]; end: number } | { error: string };

/** Lowers one lezer tree (the module, or the `(expression)` of an f-string replacement field). */
class Lowering {
  private readonly scan: ScanResult;
  /** Tokenizer errors in force (an unclosed bracket may give way to a parser error). */
  private scanErrors: ScanError[] = [];
  /** Lines already holding a parser error (one report per line). */
  private readonly errorLines = new Set<number>();
  private lineStarts: number[] | undefined;
  private inFunction = false;
  private inLoop = false;

  /**
   * @param text   the source this tree covers
   * @param base   offset of `text` in the file (spans are shifted by it)
   * @param sink   where diagnostics go (shared with nested lowerings)
   * @param prefix prepended to parser error messages ("f-string: " inside f-strings)
   */
  constructor(
    private readonly text: string,
    private readonly base: number,
    private readonly sink: Sink,
    private readonly prefix: string,
  ) {
    this.scan = new Scanner(text, prefix === '').run();
    this.scanErrors = [...this.scan.errors];
  }

  // ---------------------------------------------------------------------------------
  // Entry points.

  /** Lower a module. */
  run(): Stmt[] {
    return this.block(this.parse());
  }

  /** Lower `(expression)` of an f-string replacement field. */
  runFStringExpression(): Expr {
    const stmts = this.parse();
    const stmt = stmts[0];
    const inner = stmt?.name === 'ExpressionStatement' ? this.kids(stmt) : [];
    const node = inner[0];
    if (stmts.length !== 1 || inner.length !== 1 || node === undefined) {
      return stmt === undefined ? this.bad({ start: 0, end: this.text.length }) : this.bad(stmt);
    }
    return this.expr(node);
  }

  /**
   * Passes 1 and 2: tokenizer errors, lezer's trees (one per top-level statement) and
   * their error nodes. Returns the top-level statement nodes.
   */
  private parse(): SyntaxNode[] {
    const statements: SyntaxNode[] = [];
    const errors: SyntaxNode[] = [];
    const visit = (n: SyntaxNode): void => {
      // Strings were checked by the scanner; f-string fields are parsed on their own.
      if (n.name === 'String' || n.name === 'FormatString') return;
      if (n.type.isError) {
        errors.push(n);
        return;
      }
      for (let c = n.firstChild; c !== null; c = c.nextSibling) visit(c);
    };
    const chunks = this.scan.chunks;
    for (const [k, from] of chunks.entries()) {
      const to = chunks[k + 1] ?? this.text.length;
      if (to <= from) continue;
      // A tree of the chunk alone, placed at its offset so its nodes carry file positions.
      const tree = parser.parse(this.scan.lezerText.slice(from, to));
      const top = new Tree(tree.type, [tree], [from], to).topNode.firstChild;
      if (top === null) continue;
      visit(top);
      statements.push(...this.kids(top));
    }
    this.scanErrors = this.scan.errors.filter((se) => {
      if (se.message === 'unexpected indent') {
        // After a broken header (`if x` without its colon) the indented block is no news.
        const lineStart = this.lineStartOf(se.span.start);
        let from = lineStart;
        for (let p = lineStart - 1; p >= 0;) {
          const ls = this.lineStartOf(p);
          if (!/^[ \t\f]*(#.*)?\r?$/.test(this.text.slice(ls, p))) {
            from = ls;
            break;
          }
          p = ls - 1;
        }
        return !errors.some((e) => e.from >= from && e.from < lineStart);
      }
      if (se.unclosed === undefined) return true;
      // "'(' was never closed" stands unless the parser fails on the bracket's own line
      // before its end (then CPython reports that parser error instead).
      const line = this.lineOf(se.span.start);
      return !errors.some((e) => e.from >= se.span.start && this.lineOf(e.from) === line && this.realTokenAt(e.from));
    });
    for (const e of this.scanErrors) {
      this.push(
        'PY_SYNTAX',
        e.message,
        e.span,
        e.parser === true || e.unclosed !== undefined ? RANK_PARSER : RANK_TOKENIZER,
      );
    }
    for (const e of errors) this.reportErrorNode(e);
    return statements;
  }

  /** The offset where the line holding `pos` starts. */
  private lineStartOf(pos: number): number {
    let k = Math.max(0, Math.min(pos, this.text.length));
    while (k > 0 && !isNewline(this.text[k - 1])) k--;
    return k;
  }

  /** Whether a token (not just spaces or a comment) starts at or after `pos` on its line. */
  private realTokenAt(pos: number): boolean {
    let k = pos;
    while (this.text[k] === ' ' || this.text[k] === '\t' || this.text[k] === '\f') k++;
    const c = this.text[k];
    return c !== undefined && c !== '#' && !isNewline(c);
  }

  // ---------------------------------------------------------------------------------
  // Helpers.

  private span(n: SyntaxNode | Span): Span {
    const s = 'from' in n ? { start: n.from, end: n.to } : n;
    return { start: s.start + this.base, end: s.end + this.base };
  }

  private src(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  /** An identifier: CPython normalizes non-ASCII ones to NFKC (pegen.c, _PyPegen_new_identifier). */
  private ident(n: SyntaxNode): string {
    const id = this.src(n);
    return /^[\x20-\x7e]*$/.test(id) ? id : id.normalize('NFKC');
  }

  private kids(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) if (c.name !== 'Comment') out.push(c);
    return out;
  }

  private lineOf(pos: number): number {
    if (this.lineStarts === undefined) {
      this.lineStarts = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private push(code: 'PY_SYNTAX' | 'PY_UNSUPPORTED', message: string, local: Span, rank: number): void {
    const end = Math.max(local.end, Math.min(local.start + 1, this.text.length));
    this.sink.push({ d: { code, message, span: this.span({ start: local.start, end }) }, rank });
  }

  private static local(at: SyntaxNode | Span): Span {
    return 'from' in at ? { start: at.from, end: at.to } : at;
  }

  /** A parser error (one per line), with the f-string prefix when inside one. */
  private syntax(message: string, at: SyntaxNode | Span): void {
    const local = Lowering.local(at);
    const line = this.lineOf(local.start);
    if (this.errorLines.has(line)) return;
    this.errorLines.add(line);
    this.push('PY_SYNTAX', this.prefix + message, local, RANK_PARSER);
  }

  /** A compiler error (compile.c or symtable.c): raised only when the file parsed. */
  private compileError(message: string, at: SyntaxNode | Span): void {
    this.push('PY_SYNTAX', message, Lowering.local(at), RANK_COMPILER);
  }

  private unsupported(what: string, at: SyntaxNode | Span): void {
    this.push('PY_UNSUPPORTED', `${what} is outside the supported Python subset`, Lowering.local(at), RANK_PARSER);
  }

  private containsError(n: SyntaxNode): boolean {
    if (n.type.isError) return true;
    for (let c = n.firstChild; c !== null; c = c.nextSibling) if (this.containsError(c)) return true;
    return false;
  }

  private suppressed(pos: number): boolean {
    return this.scanErrors.some((e) => pos >= e.suppress.start && pos <= e.suppress.end);
  }

  /**
   * A placeholder for a construct that could not be lowered. Reports `invalid syntax`
   * unless an error node inside (or a tokenizer error) already explains it: the
   * grammar of lezer is more permissive than CPython's in a few places.
   */
  private bad(n: SyntaxNode | Span, message = 'invalid syntax'): Expr {
    const s = 'from' in n ? { start: n.from, end: n.to } : n;
    const explained = 'from' in n ? this.containsError(n) || this.suppressed(n.from) : this.suppressed(n.start);
    if (!explained) this.syntax(message, s);
    return { k: 'Const', value: 'None', span: this.span(s) };
  }

  // ---------------------------------------------------------------------------------
  // Pass 2: lezer's error nodes.

  private reportErrorNode(e: SyntaxNode): void {
    if (this.suppressed(e.from)) return;
    const parent = e.parent;
    // `x = yield` and `lambda a, /: 0` are valid Python outside the subset; the lowering reports them.
    if (parent?.name === 'YieldExpression') return;
    if (parent?.name === 'ParamList' && /^\s*\/\s*$/.test(this.src(e)) && e.to > e.from) return;
    // `lambda a,: a`: lezer's lambda parameters take no trailing comma.
    if (
      parent?.name === 'ParamList' &&
      e.from === e.to &&
      e.prevSibling?.name === ',' &&
      e.nextSibling === null &&
      parent.nextSibling?.name === ':'
    )
      return;
    const { message, span } = this.errorMessage(e);
    this.syntax(message, span);
  }

  /** CPython's wording for the common cases (Grammar/python.gram's invalid_* rules). */
  private errorMessage(e: SyntaxNode): { message: string; span: Span } {
    const at = { start: e.from, end: Math.max(e.to, e.from + 1) };
    const parent = e.parent;
    const prev = e.prevSibling;
    // expected ':' (a header followed by the end of the line, or def/try/else/finally
    // without ':'), expected '(' (def without parameters).
    let header = parent;
    let before = prev;
    if (parent?.name === 'Body' && prev === null) {
      header = parent.parent;
      before = parent.prevSibling;
    }
    if (header !== null && before !== null && COMPOUND_HEADERS.has(header.name)) {
      if (
        header.name === 'FunctionDefinition' &&
        before.name === 'VariableName' &&
        before.prevSibling?.name === 'def'
      ) {
        return { message: "expected '('", span: { start: before.to, end: before.to + 1 } };
      }
      if (this.expectsColon(header, before))
        return { message: "expected ':'", span: { start: before.to, end: before.to + 1 } };
    }
    // expected 'else' after 'if' expression
    if (
      parent?.name === 'ConditionalExpression' &&
      prev !== null &&
      prev.name !== 'if' &&
      prev.prevSibling?.name === 'if'
    ) {
      return { message: "expected 'else' after 'if' expression", span: { start: parent.from, end: e.from } };
    }
    // del *a
    if (parent?.name === 'DeleteStatement' && this.src(e).startsWith('*')) {
      return { message: 'cannot delete starred', span: at };
    }
    let k = e.from;
    while (k < this.text.length && /\s/.test(this.text[k] ?? '')) k++;
    const rest = this.text.slice(k);
    const isOperand = (n: SyntaxNode | null): n is SyntaxNode =>
      n !== null && !n.type.isError && !PUNCTUATION.has(n.name) && !OPERATORS.has(n.name) && !KEYWORDS.has(n.name);
    const startsArgument = (n: SyntaxNode): boolean =>
      n.prevSibling === null || n.prevSibling.name === '(' || n.prevSibling.name === ',';
    if (parent?.name === 'ArgList' && isOperand(prev) && startsArgument(prev) && /^=(?!=)/.test(rest)) {
      // f(True=1), f(a.b=1)
      if (prev.name === 'Boolean' || prev.name === 'None')
        return { message: `cannot assign to ${this.src(prev)}`, span: { start: prev.from, end: k + 1 } };
      if (prev.name !== 'VariableName') {
        return {
          message: 'expression cannot contain assignment, perhaps you meant "=="?',
          span: { start: prev.from, end: prev.to },
        };
      }
    }
    // {1: 2, 3}
    if (
      parent?.name === 'DictionaryExpression' &&
      e.from === e.to &&
      isOperand(prev) &&
      prev.prevSibling?.name === ',' &&
      (rest[0] === '}' || rest[0] === ',')
    ) {
      return { message: "':' expected after dictionary key", span: { start: prev.from, end: prev.to } };
    }
    // [a b]: two expressions in a row inside brackets (invalid_expression).
    const container = this.bracketContainer(e);
    let a: SyntaxNode | null = prev;
    if (a?.name === 'not' && isOperand(a.prevSibling)) a = a.prevSibling;
    // Comprehension clauses take a `disjunction`, where CPython does not try this rule.
    let inClauses = false;
    for (let c = container?.firstChild ?? null; c !== null && c.from < e.from; c = c.nextSibling)
      if (c.name === 'for') inClauses = true;
    if (container !== undefined && isOperand(a) && !inClauses) {
      let top: SyntaxNode = e;
      while (top.parent !== null && top.parent.from !== container.from) top = top.parent;
      const start =
        e.parent !== null && e.parent.from === container.from && e.parent.name === container.name ? a.from : top.from;
      const word = /^[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*/.exec(rest)?.[0];
      const stringStart = /^([rRbBuUfF]{0,2})["']/.test(rest);
      const startsExpression =
        isDigit(rest[0]) ||
        (rest[0] === '.' && isDigit(rest[1])) ||
        stringStart ||
        (word !== undefined && (!KEYWORDS.has(word) || ['not', 'lambda', 'None', 'True', 'False'].includes(word)));
      const aText = this.text.slice(start, a.to);
      const firstWord = /^[A-Za-z_]\w*/.exec(aText)?.[0];
      const legacy = aText === 'print' || aText === 'exec';
      const nameThenString = /^[A-Za-z_]\w*$/.test(aText) && stringStart;
      if (
        startsExpression &&
        !legacy &&
        !nameThenString &&
        !(
          firstWord !== undefined &&
          SOFT_KEYWORDS.has(firstWord) &&
          firstWord === aText.slice(0, firstWord.length) &&
          /^[A-Za-z_]\w*(\s|$)/.test(aText)
        )
      ) {
        let end = k;
        while (end < this.text.length && /[\w\u0080-\uffff.]/.test(this.text[end] ?? '')) end++;
        return { message: 'invalid syntax. Perhaps you forgot a comma?', span: { start, end: Math.max(end, e.to) } };
      }
    }
    return { message: 'invalid syntax', span: at };
  }

  /** The innermost bracket (call, display, parentheses) around `n`, within its statement. */
  private bracketContainer(n: SyntaxNode): SyntaxNode | undefined {
    for (let p = n.parent; p !== null; p = p.parent) {
      if (BRACKETED.has(p.name)) return p;
      if (p.name === 'MemberExpression' && p.getChild('[') !== null && n.from > (p.getChild('[')?.from ?? 0)) return p;
      if (p.name.endsWith('Statement') || p.name === 'Body' || p.name === 'Script') return undefined;
    }
    return undefined;
  }

  private expectsColon(header: SyntaxNode, before: SyntaxNode): boolean {
    let k = before.to;
    while (this.text[k] === ' ' || this.text[k] === '\t' || this.text[k] === '\f') k++;
    const next = this.text[k];
    const atEol = next === undefined || next === '#' || isNewline(next);
    const kw = before.name;
    const isKeyword = KEYWORDS.has(kw) || kw === 'elif';
    switch (header.name) {
      case 'IfStatement':
      case 'WhileStatement':
        if (kw === 'else') return next !== ':';
        return !isKeyword && atEol;
      case 'ForStatement': {
        if (kw === 'else') return next !== ':';
        let sawIn = false;
        for (let c = before.prevSibling; c !== null; c = c.prevSibling) if (c.name === 'in') sawIn = true;
        return !isKeyword && sawIn && atEol;
      }
      case 'TryStatement':
        if (kw === 'try' || kw === 'finally' || kw === 'else') return next !== ':';
        if (kw === 'except') return atEol;
        return !isKeyword && atEol;
      case 'FunctionDefinition':
        return (kw === 'ParamList' || kw === 'TypeDef') && next !== ':';
      case 'ClassDefinition':
        return (kw === 'VariableName' || kw === 'ArgList') && atEol;
      default:
        return false;
    }
  }

  // ---------------------------------------------------------------------------------
  // Statements.

  private block(nodes: readonly SyntaxNode[]): Stmt[] {
    const out: Stmt[] = [];
    let decorators: Expr[] = [];
    let decoratorNode: SyntaxNode | undefined;
    for (const n of nodes) {
      if (n.type.isError) continue;
      if (n.name === 'StatementGroup') {
        if (decorators.length > 0) {
          this.bad(n);
          decorators = [];
        }
        out.push(...this.block(this.kids(n).filter((c) => c.name !== ';')));
        continue;
      }
      if (n.name === 'ExpressionStatement' && this.scan.decorators.has(n.from)) {
        const d = this.decorator(n);
        if (d !== undefined) decorators.push(d);
        decoratorNode = n;
        continue;
      }
      if (decorators.length > 0 && n.name !== 'FunctionDefinition' && n.name !== 'ClassDefinition') {
        this.bad(n);
        decorators = [];
      }
      const s = this.stmt(n, decorators);
      decorators = [];
      if (s !== undefined) out.push(s);
    }
    if (decorators.length > 0 && decoratorNode !== undefined)
      this.bad({ start: decoratorNode.to, end: decoratorNode.to });
    return out;
  }

  /** `@expr` (scanned as `+expr`): the operand of the leading unary plus. */
  private decorator(n: SyntaxNode): Expr | undefined {
    const kids = this.kids(n);
    const e = kids[0];
    if (kids.length !== 1 || e === undefined) {
      this.bad(n);
      return undefined;
    }
    if (e.name === 'UnaryExpression' && e.from === n.from) {
      const operand = this.kids(e)[1];
      if (operand !== undefined) return this.expr(operand);
    }
    this.unsupported('this decorator expression', n);
    return undefined;
  }

  private bodyOf(n: SyntaxNode | undefined): Stmt[] {
    if (n?.name !== 'Body') return [];
    return this.block(this.kids(n).filter((c) => c.name !== ':'));
  }

  private stmt(n: SyntaxNode, decorators: readonly Expr[]): Stmt | undefined {
    const span = this.span(n);
    const kids = this.kids(n);
    switch (n.name) {
      case 'ExpressionStatement': {
        const value = this.exprList(kids, n);
        this.noBareStarred(value);
        return { k: 'Expr', value, span };
      }
      case 'AssignStatement':
        return this.assignment(n, kids, span);
      case 'UpdateStatement':
        return this.augAssign(n, kids, span);
      case 'DeleteStatement': {
        const targets: Target[] = [];
        for (const g of splitCommas(kids.slice(1))) {
          if (g.length === 0) continue;
          const t = this.exprList(g, n);
          const badTarget = invalidTarget(t, 'del');
          if (badTarget !== undefined) this.syntax(`cannot delete ${exprName(badTarget)}`, this.local(badTarget.span));
          targets.push(t);
        }
        if (targets.length === 0) this.bad(n);
        return { k: 'Delete', targets, span };
      }
      case 'PassStatement':
        return { k: 'Pass', span };
      case 'BreakStatement':
        if (!this.inLoop) this.compileError("'break' outside loop", n);
        return { k: 'Break', span };
      case 'ContinueStatement':
        if (!this.inLoop) this.compileError("'continue' not properly in loop", n);
        return { k: 'Continue', span };
      case 'ReturnStatement': {
        const rest = kids.slice(1);
        const value = rest.length === 0 ? undefined : this.exprList(rest, n);
        if (value !== undefined) this.noBareStarred(value);
        if (!this.inFunction) this.compileError("'return' outside function", n);
        return { k: 'Return', value, span };
      }
      case 'YieldStatement':
        this.unsupported('`yield` expression', n);
        return undefined;
      case 'PrintStatement':
        if (!this.containsError(n)) this.syntax("Missing parentheses in call to 'print'. Did you mean print(...)?", n);
        return undefined;
      case 'RaiseStatement':
        return this.raise(n, kids, span);
      case 'ImportStatement':
        return this.importStmt(n, kids, span);
      case 'ScopeStatement': {
        const names: string[] = [];
        const groups = splitCommas(kids.slice(1));
        for (const g of groups) {
          const v = g[0];
          if (g.length !== 1 || v?.name !== 'VariableName') {
            this.bad(g[0] ?? n);
            continue;
          }
          names.push(this.ident(v));
        }
        return kids[0]?.name === 'nonlocal' ? { k: 'Nonlocal', names, span } : { k: 'Global', names, span };
      }
      case 'AssertStatement': {
        const groups = splitCommas(kids.slice(1));
        const test = groups[0]?.[0];
        if (groups.length > 2 || groups.some((g) => g.length !== 1) || test === undefined) {
          this.bad(n);
          return undefined;
        }
        const msg = groups[1]?.[0];
        return { k: 'Assert', test: this.expr(test), msg: msg === undefined ? undefined : this.expr(msg), span };
      }
      case 'TypeDefinition':
        this.bad(kids[1] ?? n);
        return undefined;
      case 'IfStatement':
        return this.ifStmt(n, kids);
      case 'WhileStatement': {
        const test = kids[1];
        const body = kids[2];
        if (test === undefined || body?.name !== 'Body') {
          this.bad(n);
          return undefined;
        }
        const saved = this.inLoop;
        this.inLoop = true;
        const b = this.bodyOf(body);
        this.inLoop = saved;
        const orelse = kids[3]?.name === 'else' ? this.bodyOf(kids[4]) : [];
        return { k: 'While', test: this.test(test), body: b, orelse, span };
      }
      case 'ForStatement':
        return this.forStmt(n, kids, span);
      case 'TryStatement':
        return this.tryStmt(n, kids, span);
      case 'WithStatement':
        this.unsupported('`with` statement', n);
        return undefined;
      case 'MatchStatement':
        this.unsupported('`match` statement', n);
        return undefined;
      case 'FunctionDefinition':
        return this.functionDef(n, kids, decorators, span);
      case 'ClassDefinition':
        return this.classDef(n, kids, decorators, span);
      case 'DecoratedStatement': {
        // Not produced (decorator lines are rewritten by the scanner); kept for safety.
        const def = kids[kids.length - 1];
        return def === undefined ? undefined : this.stmt(def, decorators);
      }
      default:
        this.bad(n);
        return undefined;
    }
  }

  /** The local span of an already-lowered expression. */
  private local(s: Span): Span {
    return { start: s.start - this.base, end: s.end - this.base };
  }

  /** A starred expression standing alone where a value is needed. */
  private noBareStarred(e: Expr): void {
    if (e.k === 'Starred') this.compileError("can't use starred expression here", this.local(e.span));
  }

  /** compile.c: a starred target must be inside a tuple or list, once per level. */
  private checkStarredTargets(t: Expr, top: boolean): void {
    if (t.k === 'Starred') {
      if (top) this.compileError('starred assignment target must be in a list or tuple', this.local(t.span));
      else this.checkStarredTargets(t.value, false);
      return;
    }
    if (t.k !== 'Tuple' && t.k !== 'List') return;
    const stars = t.elts.filter((x) => x.k === 'Starred');
    if (stars.length > 1) this.compileError('multiple starred expressions in assignment', this.local(t.span));
    for (const x of t.elts) this.checkStarredTargets(x, false);
  }

  private checkStoreTarget(t: Expr, kind: 'store' | 'for'): void {
    const badTarget = invalidTarget(t, kind);
    if (badTarget !== undefined) this.syntax(`cannot assign to ${exprName(badTarget)}`, this.local(badTarget.span));
    else this.checkStarredTargets(t, true);
  }

  private assignment(n: SyntaxNode, kids: SyntaxNode[], span: Span): Stmt | undefined {
    const groups: Group[] = [[]];
    let typeDef: SyntaxNode | undefined;
    let typeDefGroup = -1;
    for (const c of kids) {
      if (c.name === 'AssignOp') groups.push([]);
      else if (c.name === 'TypeDef') {
        typeDef = c;
        typeDefGroup = groups.length - 1;
      } else groups[groups.length - 1]?.push(c);
    }
    if (groups.some((g) => g.length === 0)) {
      this.bad(n);
      return undefined;
    }
    if (typeDef !== undefined) return this.annAssign(n, groups, typeDef, typeDefGroup, span);
    const valueGroup = groups[groups.length - 1] as Group;
    const value = this.assignedValue(valueGroup, n);
    const targetGroups = groups.slice(0, -1);
    const targets = targetGroups.map((g) => this.exprList(g, n));
    // Grammar/python.gram, invalid_named_expression: `f() = 1` gets "... here. Maybe you meant '=='".
    if (targets.length === 1) {
      const g = targetGroups[0] as Group;
      const lastNode = g[g.length - 1] as SyntaxNode;
      const target = targets[0] as Expr;
      const last = target.k === 'Tuple' && g.some((c) => c.name === ',') ? target.elts[target.elts.length - 1] : target;
      if (
        last !== undefined &&
        lastNode.name !== ',' &&
        invalidTarget(last, 'store') !== undefined &&
        this.isBitwiseOr(lastNode) &&
        !['ArrayExpression', 'TupleExpression', 'ComprehensionExpression', 'Boolean', 'None'].includes(lastNode.name) &&
        this.startsBitwiseOr(valueGroup)
      ) {
        this.syntax(
          `cannot assign to ${exprName(last)} here. Maybe you meant '==' instead of '='?`,
          this.local(last.span),
        );
        return { k: 'Assign', targets, value, span };
      }
    }
    for (const t of targets) {
      const badTarget = invalidTarget(t, 'store');
      if (badTarget !== undefined) {
        this.syntax(`cannot assign to ${exprName(badTarget)}`, this.local(badTarget.span));
        return { k: 'Assign', targets, value, span };
      }
    }
    for (const t of targets) this.checkStarredTargets(t, true);
    return { k: 'Assign', targets, value, span };
  }

  private assignedValue(g: Group, n: SyntaxNode): Expr {
    const first = g[0];
    if (g.length === 1 && first?.name === 'YieldExpression') {
      this.unsupported('`yield` expression', first);
      return { k: 'Const', value: 'None', span: this.span(first) };
    }
    const value = this.exprList(g, n);
    this.noBareStarred(value);
    return value;
  }

  /** Whether a node is at the grammar's `bitwise_or` level (below comparisons and boolean operators). */
  private isBitwiseOr(n: SyntaxNode): boolean {
    if (n.name === 'ConditionalExpression' || n.name === 'LambdaExpression') return false;
    if (n.name === 'UnaryExpression') return this.kids(n)[0]?.name !== 'not';
    if (n.name === 'BinaryExpression') {
      const op = this.kids(n)[1]?.name;
      return op === 'ArithOp' || op === 'BitOp';
    }
    return true;
  }

  private startsBitwiseOr(g: Group): boolean {
    let leaf: SyntaxNode | null = g[0] ?? null;
    while (leaf?.firstChild) leaf = leaf.firstChild;
    return leaf !== null && !['not', 'lambda', 'yield', '*', 'await'].includes(leaf.name);
  }

  private annAssign(
    n: SyntaxNode,
    groups: Group[],
    typeDef: SyntaxNode,
    typeDefGroup: number,
    span: Span,
  ): Stmt | undefined {
    if (typeDefGroup !== 0 || groups.length > 2) {
      this.bad(typeDef);
      return undefined;
    }
    const tg = groups[0] as Group;
    const first = tg[0] as SyntaxNode;
    if (tg.length > 1) {
      this.syntax('only single target (not tuple) can be annotated', spanOf(tg, n));
      return undefined;
    }
    if (first.name === 'TupleExpression' || first.name === 'ArrayExpression') {
      this.syntax(
        `only single target (not ${first.name === 'TupleExpression' ? 'tuple' : 'list'}) can be annotated`,
        first,
      );
      return undefined;
    }
    const target = this.expr(first);
    if (target.k !== 'Name' && target.k !== 'Attribute' && target.k !== 'Subscript') {
      this.syntax('illegal target for annotation', first);
      return undefined;
    }
    this.annotation(typeDef);
    const vg = groups[1];
    const value = vg === undefined ? undefined : this.assignedValue(vg, n);
    return { k: 'AnnAssign', target, value, span };
  }

  /** Annotations are checked (lowered) and dropped. */
  private annotation(typeDef: SyntaxNode): void {
    const e = this.kids(typeDef)[1];
    if (e !== undefined) this.expr(e);
  }

  private augAssign(n: SyntaxNode, kids: SyntaxNode[], span: Span): Stmt | undefined {
    const opIndex = kids.findIndex((c) => c.name === 'UpdateOp');
    const opNode = kids[opIndex];
    const tg = kids.slice(0, Math.max(opIndex, 0));
    const vg = kids.slice(opIndex + 1);
    if (opNode === undefined || tg.length === 0 || vg.length === 0) {
      this.bad(n);
      return undefined;
    }
    const target = this.exprList(tg, n);
    if (target.k !== 'Name' && target.k !== 'Attribute' && target.k !== 'Subscript') {
      this.syntax(`'${exprName(target)}' is an illegal expression for augmented assignment`, this.local(target.span));
    }
    const value = this.assignedValue(vg, n);
    const op = this.src(opNode).slice(0, -1) as BinOpName;
    return { k: 'AugAssign', target, op, value, span };
  }

  private raise(n: SyntaxNode, kids: SyntaxNode[], span: Span): Stmt {
    const comma = kids.find((c) => c.name === ',');
    if (comma !== undefined) this.bad(comma);
    const fromAt = kids.findIndex((c) => c.name === 'from');
    const excNode = kids[1];
    const exc = excNode === undefined || excNode.name === 'from' ? undefined : this.expr(excNode);
    const causeNode = fromAt < 0 ? undefined : kids[fromAt + 1];
    const cause = causeNode === undefined ? undefined : this.expr(causeNode);
    return { k: 'Raise', exc, cause, span };
  }

  private dottedName(nodes: readonly SyntaxNode[], n: SyntaxNode): string | undefined {
    let name = '';
    for (const [i, c] of nodes.entries()) {
      if (i % 2 === 0 ? c.name !== 'VariableName' : c.name !== '.') {
        this.bad(c);
        return undefined;
      }
      name += this.ident(c);
    }
    if (name === '') this.bad(n);
    return name === '' ? undefined : name;
  }

  private importStmt(n: SyntaxNode, kids: SyntaxNode[], span: Span): Stmt | undefined {
    const names: { name: string; asname: string | undefined }[] = [];
    const alias = (g: Group, dotted: boolean): void => {
      const asAt = g.findIndex((c) => c.name === 'as');
      const nameNodes = asAt < 0 ? g : g.slice(0, asAt);
      if (!dotted && nameNodes.length > 1) {
        this.bad(nameNodes[1] as SyntaxNode);
        return;
      }
      const name = this.dottedName(nameNodes, n);
      const asNode = asAt < 0 ? undefined : g[asAt + 1];
      if (asAt >= 0 && (asNode?.name !== 'VariableName' || g.length !== asAt + 2)) {
        this.bad(asNode ?? n);
        return;
      }
      if (name !== undefined) names.push({ name, asname: asNode === undefined ? undefined : this.ident(asNode) });
    };
    if (kids[0]?.name === 'import') {
      const rest = kids.slice(1);
      if (rest.some((c) => c.name === '(')) {
        this.bad(rest.find((c) => c.name === '(') ?? n);
        return undefined;
      }
      const groups = splitCommas(rest);
      if (groups.some((g) => g.length === 0)) {
        this.bad(n);
        return undefined;
      }
      for (const g of groups) alias(g, true);
      return { k: 'Import', names, span };
    }
    const importAt = kids.findIndex((c) => c.name === 'import');
    if (importAt < 0) {
      this.bad(n);
      return undefined;
    }
    let i = 1;
    let dots = 0;
    while (kids[i]?.name === '.' || kids[i]?.name === 'Ellipsis') {
      dots += kids[i]?.name === '.' ? 1 : 3;
      i++;
    }
    const moduleNodes = kids.slice(i, importAt);
    const rest = kids.slice(importAt + 1);
    if (dots > 0) {
      this.unsupported('relative import', n);
      return undefined;
    }
    const module = this.dottedName(moduleNodes, n);
    if (rest.length === 1 && rest[0]?.name === '*') {
      this.unsupported('`from ... import *`', n);
      return undefined;
    }
    const parenthesized = rest[0]?.name === '(';
    const inner = parenthesized ? rest.slice(1, rest[rest.length - 1]?.name === ')' ? -1 : undefined) : rest;
    const groups = splitCommas(inner);
    const lastGroup = groups[groups.length - 1];
    if (lastGroup?.length === 0 && groups.length > 1) {
      groups.pop();
      if (!parenthesized) {
        this.syntax('trailing comma not allowed without surrounding parentheses', { start: n.to, end: n.to });
        return undefined;
      }
    }
    if (groups.some((g) => g.length === 0)) {
      this.bad(n);
      return undefined;
    }
    for (const g of groups) alias(g, false);
    if (module === undefined) return undefined;
    return { k: 'ImportFrom', module, names, span };
  }

  private ifStmt(n: SyntaxNode, kids: SyntaxNode[]): Stmt | undefined {
    // if test Body (elif test Body)* (else Body)?
    const branches: { test: Expr; body: Stmt[]; start: number }[] = [];
    let orelse: Stmt[] = [];
    let i = 0;
    while (i < kids.length) {
      const k = kids[i] as SyntaxNode;
      if (k.name === 'if' || k.name === 'elif') {
        const test = kids[i + 1];
        const body = kids[i + 2];
        if (test === undefined || body?.name !== 'Body') {
          this.bad(n);
          return undefined;
        }
        branches.push({ test: this.test(test), body: this.bodyOf(body), start: k.from });
        i += 3;
      } else if (k.name === 'else') {
        orelse = this.bodyOf(kids[i + 1]);
        i += 2;
      } else {
        this.bad(k);
        i++;
      }
    }
    let result: Stmt | undefined;
    for (let b = branches.length - 1; b >= 0; b--) {
      const br = branches[b] as (typeof branches)[number];
      const s: Stmt = {
        k: 'If',
        test: br.test,
        body: br.body,
        orelse: result === undefined ? orelse : [result],
        span: this.span({ start: br.start, end: n.to }),
      };
      result = s;
    }
    return result;
  }

  /** The test of if/while/elif: `x := ...` is outside the subset. */
  private test(n: SyntaxNode): Expr {
    if (n.name === 'NamedExpression') {
      this.unsupported('assignment expression (`:=`)', n);
      return { k: 'Const', value: 'None', span: this.span(n) };
    }
    return this.expr(n);
  }

  private forStmt(n: SyntaxNode, kids: SyntaxNode[], span: Span): Stmt | undefined {
    let i = 0;
    if (kids[0]?.name === 'async') {
      this.unsupported('`async for` loop', n);
      return undefined;
    }
    i = 1;
    const inAt = kids.findIndex((c) => c.name === 'in');
    const bodyAt = kids.findIndex((c) => c.name === 'Body');
    if (inAt < 0 || bodyAt < inAt) {
      this.bad(n);
      return undefined;
    }
    const target = this.exprList(kids.slice(i, inAt), n);
    this.checkStoreTarget(target, 'for');
    const iterNodes = kids.slice(inAt + 1, bodyAt);
    const iter = this.exprList(iterNodes, n);
    this.noBareStarred(iter);
    const saved = this.inLoop;
    this.inLoop = true;
    const body = this.bodyOf(kids[bodyAt]);
    this.inLoop = saved;
    const orelse = kids[bodyAt + 1]?.name === 'else' ? this.bodyOf(kids[bodyAt + 2]) : [];
    return { k: 'For', target, iter, body, orelse, span };
  }

  private tryStmt(n: SyntaxNode, kids: SyntaxNode[], span: Span): Stmt | undefined {
    const body = this.bodyOf(kids[1]);
    const handlers: ExceptHandler[] = [];
    let orelse: Stmt[] = [];
    let finalbody: Stmt[] = [];
    let hasElse = false;
    let hasFinally = false;
    let i = 2;
    while (i < kids.length) {
      const k = kids[i] as SyntaxNode;
      if (k.name === 'except') {
        let j = i + 1;
        while (j < kids.length && kids[j]?.name !== 'Body') j++;
        const clause = kids.slice(i + 1, j);
        const bodyNode = kids[j];
        handlers.push(this.handler(k, clause, bodyNode));
        i = j + 1;
      } else if (k.name === 'else') {
        hasElse = true;
        orelse = this.bodyOf(kids[i + 1]);
        i += 2;
      } else if (k.name === 'finally') {
        hasFinally = true;
        finalbody = this.bodyOf(kids[i + 1]);
        i += 2;
      } else {
        this.bad(k);
        i++;
      }
    }
    if (handlers.length === 0 && !hasFinally) {
      const after = hasElse ? kids.find((c) => c.name === 'else') : undefined;
      if (!this.containsError(n)) {
        this.syntax("expected 'except' or 'finally' block", after ?? { start: n.to, end: n.to });
      }
    }
    const bare = handlers.findIndex((h) => h.type === undefined);
    if (bare >= 0 && bare < handlers.length - 1) {
      const h = handlers[bare] as ExceptHandler;
      this.compileError("default 'except:' must be last", this.local(h.span));
    }
    return { k: 'Try', body, handlers, orelse, finalbody, span };
  }

  private handler(kw: SyntaxNode, clause: SyntaxNode[], bodyNode: SyntaxNode | undefined): ExceptHandler {
    const span = this.span({ start: kw.from, end: bodyNode?.to ?? kw.to });
    let rest = clause;
    if (rest[0]?.name === '*') {
      this.unsupported('`except*` clause', kw);
      rest = rest.slice(1);
    }
    let type: Expr | undefined;
    let name: string | undefined;
    const typeNode = rest[0];
    if (typeNode !== undefined) type = this.expr(typeNode);
    const sep = rest[1];
    if (sep !== undefined) {
      const nameNode = rest[2];
      if (sep.name === ',') {
        this.syntax('multiple exception types must be parenthesized', {
          start: typeNode?.from ?? sep.from,
          end: nameNode?.to ?? sep.to,
        });
      } else if (sep.name !== 'as' || nameNode?.name !== 'VariableName' || rest.length !== 3) {
        this.bad(sep);
      } else name = this.ident(nameNode);
    }
    return { type, name, body: this.bodyOf(bodyNode), span };
  }

  private functionDef(n: SyntaxNode, kids: SyntaxNode[], decorators: readonly Expr[], span: Span): Stmt | undefined {
    if (kids[0]?.name === 'async') {
      this.unsupported('`async def` function', n);
      return undefined;
    }
    const nameNode = kids[1];
    const typeParams = kids.find((c) => c.name === 'TypeParamList');
    if (typeParams !== undefined) {
      this.syntax("expected '('", typeParams);
      return undefined;
    }
    const paramList = kids.find((c) => c.name === 'ParamList');
    const bodyNode = kids.find((c) => c.name === 'Body');
    if (nameNode?.name !== 'VariableName' || paramList === undefined || bodyNode === undefined) {
      this.bad(n);
      return undefined;
    }
    const returns = kids.find((c) => c.name === 'TypeDef');
    const inner = this.kids(paramList);
    const params = this.params(inner.slice(1, inner[inner.length - 1]?.name === ')' ? -1 : undefined), paramList);
    if (returns !== undefined) {
      const e = this.kids(returns)[1];
      if (e !== undefined) this.expr(e);
    }
    const saved = [this.inFunction, this.inLoop] as const;
    this.inFunction = true;
    this.inLoop = false;
    const body = this.bodyOf(bodyNode);
    [this.inFunction, this.inLoop] = saved;
    return { k: 'FunctionDef', name: this.ident(nameNode), params, body, decorators, span };
  }

  private classDef(n: SyntaxNode, kids: SyntaxNode[], decorators: readonly Expr[], span: Span): Stmt | undefined {
    const nameNode = kids[1];
    const typeParams = kids.find((c) => c.name === 'TypeParamList');
    if (typeParams !== undefined) {
      this.bad(typeParams);
      return undefined;
    }
    const bodyNode = kids.find((c) => c.name === 'Body');
    if (nameNode?.name !== 'VariableName' || bodyNode === undefined) {
      this.bad(n);
      return undefined;
    }
    const bases: Expr[] = [];
    const keywords: { name: string; value: Expr }[] = [];
    const argList = kids.find((c) => c.name === 'ArgList');
    if (argList !== undefined) {
      for (const a of this.args(argList, true)) {
        if (a.k === 'pos') bases.push(a.value);
        else if (a.k === 'kw') keywords.push({ name: a.name, value: a.value });
        else
          this.unsupported(a.k === 'star' ? '`*` in class bases' : '`**` in class keywords', this.local(a.value.span));
      }
    }
    const saved = [this.inFunction, this.inLoop] as const;
    this.inFunction = false;
    this.inLoop = false;
    const body = this.bodyOf(bodyNode);
    [this.inFunction, this.inLoop] = saved;
    return { k: 'ClassDef', name: this.ident(nameNode), bases, keywords, body, decorators, span };
  }

  /** Parameters of a def (`ParamList` without its parentheses) or a lambda. */
  private params(nodes: SyntaxNode[], list: SyntaxNode): Params {
    const args: string[] = [];
    const defaults: Expr[] = [];
    let vararg: string | undefined;
    const kwonly: string[] = [];
    const kwDefaults: (Expr | undefined)[] = [];
    let kwarg: string | undefined;
    let star = false;
    let sawDefault = false;
    let afterKwarg = false;
    const seen: { name: string; node: SyntaxNode }[] = [];
    // lezer leaves the `/` of positional-only parameters out of the tree: look for it
    // between the parameters.
    let posOnly = false;
    for (let i = 0; i <= nodes.length; i++) {
      const from = i === 0 ? list.from : (nodes[i - 1]?.to ?? list.from);
      const to = i === nodes.length ? list.to : (nodes[i]?.from ?? list.to);
      if (
        this.text
          .slice(from, to)
          .replace(/#[^\n\r]*/g, '')
          .includes('/')
      )
        posOnly = true;
      const n = nodes[i];
      if (n?.type.isError === true && this.src(n).trim() === '/') posOnly = true; // in a lambda
    }
    if (posOnly) this.unsupported('positional-only parameters (`/`)', list);
    const groups = nodes.length === 0 ? [] : splitCommas(nodes);
    if (groups.length > 1 && groups[groups.length - 1]?.length === 0) groups.pop();
    for (const [gi, g] of groups.entries()) {
      const first = g[0];
      if (first === undefined) {
        if (!posOnly) this.bad(list);
        continue;
      }
      if (first.type.isError) continue;
      if (afterKwarg) {
        this.syntax('arguments cannot follow var-keyword argument', spanOf(g, list));
        continue;
      }
      if (first.name === '*') {
        if (star) {
          this.syntax('* argument may appear only once', spanOf(g, list));
          continue;
        }
        star = true;
        const nameNode = g[1];
        if (nameNode === undefined) {
          const next = groups[gi + 1];
          if (next === undefined || next[0]?.name === '**') this.syntax('named arguments must follow bare *', first);
        } else if (nameNode.name === 'VariableName') {
          vararg = this.ident(nameNode);
          seen.push({ name: vararg, node: nameNode });
          if (g[2] !== undefined && g[2].name === 'TypeDef') this.annotation(g[2]);
        } else this.bad(nameNode);
        continue;
      }
      if (first.name === '**') {
        const nameNode = g[1];
        if (nameNode?.name !== 'VariableName') {
          this.bad(nameNode ?? first);
          continue;
        }
        kwarg = this.ident(nameNode);
        seen.push({ name: kwarg, node: nameNode });
        if (g[2] !== undefined && g[2].name === 'TypeDef') this.annotation(g[2]);
        afterKwarg = true;
        continue;
      }
      if (first.name !== 'VariableName') {
        this.bad(first);
        continue;
      }
      const name = this.ident(first);
      seen.push({ name, node: first });
      let k = 1;
      if (g[k]?.name === 'TypeDef') this.annotation(g[k++] as SyntaxNode);
      let dflt: Expr | undefined;
      if (g[k]?.name === 'AssignOp') {
        const v = g[k + 1];
        dflt = v === undefined ? this.bad(g[k] as SyntaxNode) : this.expr(v);
        k += 2;
      }
      if (k < g.length) this.bad(g[k] as SyntaxNode);
      if (!star) {
        args.push(name);
        if (dflt !== undefined) {
          defaults.push(dflt);
          sawDefault = true;
        } else if (sawDefault) this.syntax('non-default argument follows default argument', first);
      } else {
        kwonly.push(name);
        kwDefaults.push(dflt);
      }
    }
    // symtable.c: a name bound twice among the parameters.
    const names = new Set<string>();
    for (const x of seen) {
      if (names.has(x.name)) {
        this.compileError(`duplicate argument '${x.name}' in function definition`, x.node);
        break;
      }
      names.add(x.name);
    }
    return { args, defaults, vararg, kwonly, kwDefaults, kwarg };
  }

  // ---------------------------------------------------------------------------------
  // Expressions.

  /** A flat list of items separated by commas (`a, *b, c`): one expression or a Tuple. */
  private exprList(nodes: readonly SyntaxNode[], n: SyntaxNode): Expr {
    const groups = splitCommas(nodes);
    const items: Expr[] = [];
    for (const [i, g] of groups.entries()) {
      if (g.length === 0) {
        if (i === groups.length - 1 && i > 0) continue; // trailing comma
        items.push(this.bad(n));
        continue;
      }
      items.push(this.item(g, n));
    }
    const first = items[0];
    if (groups.length === 1 && first !== undefined) return first;
    return { k: 'Tuple', elts: items, span: this.span(spanOf(nodes, n)) };
  }

  /** One item of a list: `expr` or `*expr`. */
  private item(g: Group, n: SyntaxNode): Expr {
    const first = g[0] as SyntaxNode;
    if (first.name === '*') {
      const v = g[1];
      if (v === undefined || g.length > 2) return this.bad(g[2] ?? first);
      return { k: 'Starred', value: this.expr(v), span: this.span({ start: first.from, end: v.to }) };
    }
    if (g.length > 1) return this.bad(g[1] ?? n);
    return this.expr(first);
  }

  private expr(n: SyntaxNode): Expr {
    const span = this.span(n);
    switch (n.name) {
      case 'VariableName':
        return { k: 'Name', id: this.ident(n), span };
      case 'Number':
        return this.number(n);
      case 'String':
      case 'FormatString':
      case 'ContinuedString':
        return this.strings(n);
      case 'Ellipsis':
        return { k: 'Const', value: 'Ellipsis', span };
      case 'None':
        return { k: 'Const', value: 'None', span };
      case 'Boolean':
        return { k: 'Const', value: this.src(n) === 'True' ? 'True' : 'False', span };
      case 'ParenthesizedExpression': {
        const kids = this.kids(n);
        const inner = kids[1];
        if (inner === undefined || inner.name === ')') return this.bad(n);
        if (inner.name === '*') {
          this.syntax('cannot use starred expression here', { start: inner.from, end: kids[2]?.to ?? inner.to });
          return { k: 'Const', value: 'None', span };
        }
        if (inner.name === 'YieldExpression') {
          this.unsupported('`yield` expression', inner);
          return { k: 'Const', value: 'None', span };
        }
        if (inner.name === 'NamedExpression') return this.test(inner);
        if (kids.length > 3 || (kids.length === 3 && kids[2]?.name !== ')')) return this.bad(kids[2] ?? n);
        return this.expr(inner);
      }
      case 'TupleExpression':
        return { k: 'Tuple', elts: this.displayItems(n), span };
      case 'ArrayExpression':
        return { k: 'List', elts: this.displayItems(n), span };
      case 'SetExpression':
        return { k: 'Set', elts: this.displayItems(n), span };
      case 'DictionaryExpression':
        return this.dict(n);
      case 'ComprehensionExpression':
      case 'ArrayComprehensionExpression':
      case 'SetComprehensionExpression':
      case 'DictionaryComprehensionExpression':
        return this.comprehension(n);
      case 'CallExpression': {
        const kids = this.kids(n);
        const callee = kids[0];
        const argList = kids[1];
        if (callee === undefined || argList?.name !== 'ArgList') return this.bad(n);
        return { k: 'Call', func: this.expr(callee), args: this.args(argList, false), span };
      }
      case 'MemberExpression':
        return this.member(n);
      case 'UnaryExpression': {
        const kids = this.kids(n);
        const op = kids[0];
        const operand = kids[1];
        if (op === undefined || operand === undefined) return this.bad(n);
        if (op.name === 'not') return this.boolean(n);
        const sym = this.src(op);
        if (sym !== '-' && sym !== '+' && sym !== '~') return this.bad(op);
        return { k: 'UnaryOp', op: sym, operand: this.expr(operand), span };
      }
      case 'BinaryExpression':
        return this.binary(n);
      case 'ConditionalExpression': {
        const kids = this.kids(n);
        const [body, ifKw, test, elseKw, orelse] = kids;
        if (
          body === undefined ||
          ifKw?.name !== 'if' ||
          test === undefined ||
          elseKw?.name !== 'else' ||
          orelse === undefined
        ) {
          return this.bad(n);
        }
        return { k: 'IfExp', test: this.expr(test), body: this.expr(body), orelse: this.expr(orelse), span };
      }
      case 'LambdaExpression':
        return this.lambda(n);
      case 'AwaitExpression':
        this.unsupported('`await` expression', n);
        return { k: 'Const', value: 'None', span };
      case 'YieldExpression':
        this.unsupported('`yield` expression', n);
        return { k: 'Const', value: 'None', span };
      case 'NamedExpression':
        return this.test(n);
      default:
        return this.bad(n);
    }
  }

  private number(n: SyntaxNode): Expr {
    const span = this.span(n);
    const text = this.src(n);
    const t = text.replace(/_/g, '');
    if (/[jJ]$/.test(t)) {
      this.unsupported('imaginary number literal', n);
      return { k: 'Const', value: 'None', span };
    }
    if (/^0[xX][0-9a-fA-F]+$|^0[oO][0-7]+$|^0[bB][01]+$/.test(t))
      return { k: 'Int', value: BigInt(t.toLowerCase()), span };
    if (/^[0-9]+$/.test(t)) return { k: 'Int', value: BigInt(t), span };
    if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(t)) return { k: 'Float', value: Number(t), span };
    // Invalid literal: the scanner reported it.
    return this.bad(n);
  }

  /** Items of a tuple/list/set display: `( a, *b )`. */
  private displayItems(n: SyntaxNode): Expr[] {
    const kids = this.kids(n);
    const inner = kids.slice(
      1,
      kids[kids.length - 1]?.name === ')' || kids[kids.length - 1]?.name === ']' || kids[kids.length - 1]?.name === '}'
        ? -1
        : undefined,
    );
    const groups = splitCommas(inner);
    if (groups.length > 1 && groups[groups.length - 1]?.length === 0) groups.pop();
    if (groups.length === 1 && groups[0]?.length === 0) return [];
    return groups.map((g) => (g.length === 0 ? this.bad(n) : this.item(g, n)));
  }

  private dict(n: SyntaxNode): Expr {
    const kids = this.kids(n);
    const inner = kids.slice(1, kids[kids.length - 1]?.name === '}' ? -1 : undefined);
    const groups = splitCommas(inner);
    if (groups.length > 1 && groups[groups.length - 1]?.length === 0) groups.pop();
    const keys: (Expr | undefined)[] = [];
    const values: Expr[] = [];
    if (!(groups.length === 1 && groups[0]?.length === 0)) {
      for (const g of groups) {
        const [a, b, c] = g;
        if (a?.name === '**' && b !== undefined && g.length === 2) {
          keys.push(undefined);
          values.push(this.expr(b));
        } else if (a !== undefined && b?.name === ':' && c !== undefined && g.length === 3) {
          keys.push(this.expr(a));
          values.push(this.expr(c));
        } else {
          keys.push(undefined);
          values.push(this.bad(a ?? n));
        }
      }
    }
    return { k: 'Dict', keys, values, span: this.span(n) };
  }

  private comprehension(n: SyntaxNode): Expr {
    const span = this.span(n);
    const kids = this.kids(n);
    const inner = kids.slice(1, -1);
    const forAt = inner.findIndex((c) => c.name === 'for' || c.name === 'async');
    if (forAt < 1) return this.bad(n);
    const head = inner.slice(0, forAt);
    const gens = this.clauses(inner, forAt, n);
    if (n.name === 'DictionaryComprehensionExpression') {
      const [k, colon, v] = head;
      if (k?.name === '**') {
        this.syntax('dict unpacking cannot be used in dict comprehension', { start: k.from, end: colon?.to ?? k.to });
        return { k: 'Const', value: 'None', span };
      }
      if (k === undefined || colon?.name !== ':' || v === undefined || head.length !== 3) return this.bad(n);
      return { k: 'DictComp', key: this.expr(k), value: this.expr(v), gens, span };
    }
    const first = head[0] as SyntaxNode;
    if (first.name === '*') {
      this.syntax('iterable unpacking cannot be used in comprehension', {
        start: first.from,
        end: head[1]?.to ?? first.to,
      });
      return { k: 'Const', value: 'None', span };
    }
    if (head.length !== 1) return this.bad(head[1] ?? n);
    const elt = first.name === 'NamedExpression' ? this.test(first) : this.expr(first);
    switch (n.name) {
      case 'ArrayComprehensionExpression':
        return { k: 'ListComp', elt, gens, span };
      case 'SetComprehensionExpression':
        return { k: 'SetComp', elt, gens, span };
      default:
        return { k: 'GeneratorExp', elt, gens, span };
    }
  }

  /** `for t in it if c ...` clauses from `nodes[i]` to the end. */
  private clauses(nodes: readonly SyntaxNode[], i: number, n: SyntaxNode): Comprehension[] {
    const gens: { target: Target; iter: Expr; ifs: Expr[] }[] = [];
    while (i < nodes.length) {
      const c = nodes[i] as SyntaxNode;
      if (c.name === 'async') {
        this.unsupported('asynchronous comprehension', c);
        i++;
      } else if (c.name === 'for') {
        let j = i + 1;
        while (j < nodes.length && nodes[j]?.name !== 'in') j++;
        const targetNodes = nodes.slice(i + 1, j);
        const iterNode = nodes[j + 1];
        if (targetNodes.length === 0 || iterNode === undefined) {
          this.bad(n);
          return gens;
        }
        const target = this.exprList(targetNodes, n);
        this.checkStoreTarget(target, 'for');
        gens.push({ target, iter: this.expr(iterNode), ifs: [] });
        i = j + 2;
      } else if (c.name === 'if') {
        const cond = nodes[i + 1];
        const gen = gens[gens.length - 1];
        if (cond === undefined || gen === undefined) {
          this.bad(c);
          return gens;
        }
        gen.ifs.push(this.expr(cond));
        i += 2;
      } else {
        this.bad(c);
        i++;
      }
    }
    return gens;
  }

  /** Call arguments (or class bases): positional, `k=v`, `*a`, `**k`, or one generator expression. */
  private args(argList: SyntaxNode, classBases: boolean): Arg[] {
    const kids = this.kids(argList);
    const inner = kids.slice(1, kids[kids.length - 1]?.name === ')' ? -1 : undefined);
    const groups = splitCommas(inner);
    const trailing = groups.length > 1 && groups[groups.length - 1]?.length === 0;
    if (trailing) groups.pop();
    if (groups.length === 1 && groups[0]?.length === 0) return [];
    const out: Arg[] = [];
    let sawKw = false;
    let sawStarStar = false;
    const kwNames = new Set<string>();
    for (const g of groups) {
      const first = g[0];
      if (first === undefined) {
        this.bad(argList);
        continue;
      }
      const forAt = g.findIndex((c) => c.name === 'for' || c.name === 'async');
      if (forAt > 0) {
        if (classBases) {
          this.bad(g[forAt] as SyntaxNode);
          continue;
        }
        if (groups.length > 1 || trailing) {
          this.syntax('Generator expression must be parenthesized', spanOf(g, argList));
          continue;
        }
        const gens = this.clauses(g, forAt, argList);
        const eltNode = g[0] as SyntaxNode;
        if (forAt !== 1) {
          this.bad(g[1] ?? argList);
          continue;
        }
        const elt = this.expr(eltNode);
        out.push({ k: 'pos', value: { k: 'GeneratorExp', elt, gens, span: this.span(argList) } });
        continue;
      }
      if (first.name === '*' || first.name === '**') {
        const v = g[1];
        if (v === undefined || g.length !== 2) {
          this.bad(g[2] ?? first);
          continue;
        }
        const value = this.expr(v);
        if (first.name === '*') {
          if (sawStarStar)
            this.syntax('iterable argument unpacking follows keyword argument unpacking', spanOf(g, argList));
          out.push({ k: 'star', value });
        } else {
          sawStarStar = true;
          out.push({ k: 'starstar', value });
        }
        continue;
      }
      const op = g[1];
      if (op?.name === 'AssignOp') {
        const v = g[2];
        if (v === undefined || g.length !== 3) {
          this.bad(g[3] ?? op);
          continue;
        }
        if (this.src(op) !== '=') {
          this.unsupported('assignment expression (`:=`)', spanOf(g, argList));
          continue;
        }
        if (first.name !== 'VariableName') {
          if (first.name === 'Boolean' || first.name === 'None')
            this.syntax(`cannot assign to ${this.src(first)}`, spanOf(g, argList));
          else this.bad(first);
          continue;
        }
        const name = this.ident(first);
        if (kwNames.has(name)) this.compileError(`keyword argument repeated: ${name}`, spanOf(g, argList));
        kwNames.add(name);
        sawKw = true;
        out.push({ k: 'kw', name, value: this.expr(v) });
        continue;
      }
      if (g.length !== 1) {
        this.bad(g[1] ?? first);
        continue;
      }
      if (sawStarStar) this.syntax('positional argument follows keyword argument unpacking', first);
      else if (sawKw) this.syntax('positional argument follows keyword argument', first);
      const value = first.name === 'NamedExpression' ? this.test(first) : this.expr(first);
      out.push({ k: 'pos', value });
    }
    return out;
  }

  private member(n: SyntaxNode): Expr {
    const span = this.span(n);
    const kids = this.kids(n);
    const obj = kids[0];
    const second = kids[1];
    if (obj === undefined || second === undefined) return this.bad(n);
    const value = this.expr(obj);
    if (second.name === '.') {
      const prop = kids[2];
      if (prop?.name !== 'PropertyName' || kids.length !== 3) return this.bad(prop ?? n);
      const attr = this.ident(prop);
      if (KEYWORDS.has(attr)) return this.bad(prop);
      return { k: 'Attribute', value, attr, span };
    }
    if (second.name !== '[') return this.bad(second);
    const inner = kids.slice(2, kids[kids.length - 1]?.name === ']' ? -1 : undefined);
    const groups = splitCommas(inner);
    const trailing = groups.length > 1 && groups[groups.length - 1]?.length === 0;
    if (trailing) groups.pop();
    if (groups.length === 1 && groups[0]?.length === 0) return this.bad(n);
    const items = groups.map((g) => this.subscriptItem(g, n));
    const first = items[0];
    const index: Expr =
      items.length === 1 && !trailing && first !== undefined
        ? first
        : { k: 'Tuple', elts: items, span: this.span(spanOf(inner, n)) };
    return { k: 'Subscript', value, index, span };
  }

  /** `e`, or a slice `lo:hi:step` with optional parts. */
  private subscriptItem(g: Group, n: SyntaxNode): Expr {
    if (g.length === 0) return this.bad(n);
    if (!g.some((c) => c.name === ':')) {
      if (g.length !== 1) return this.bad(g[1] ?? n);
      const only = g[0] as SyntaxNode;
      return only.name === 'NamedExpression' ? this.test(only) : this.expr(only);
    }
    const parts: Group[] = [[]];
    for (const c of g) {
      if (c.name === ':') parts.push([]);
      else parts[parts.length - 1]?.push(c);
    }
    if (parts.length > 3 || parts.some((p) => p.length > 1)) return this.bad(g[0] ?? n);
    const part = (p: Group | undefined): Expr | undefined => {
      const e = p?.[0];
      return e === undefined ? undefined : e.name === 'NamedExpression' ? this.test(e) : this.expr(e);
    };
    return {
      k: 'Slice',
      lower: part(parts[0]),
      upper: part(parts[1]),
      step: part(parts[2]),
      span: this.span(spanOf(g, n)),
    };
  }

  /**
   * Arithmetic, bitwise, comparison and boolean binary expressions. Comparison
   * chains (left-nested in lezer's tree) become one Compare.
   */
  private binary(n: SyntaxNode): Expr {
    const span = this.span(n);
    const kids = this.kids(n);
    const left = kids[0];
    const op = kids[1];
    if (left === undefined || op === undefined) return this.bad(n);
    if (op.name === 'and' || op.name === 'or') return this.boolean(n);
    if (op.name === 'ArithOp' || op.name === 'BitOp') {
      const right = kids[2];
      if (right === undefined || kids.length !== 3) return this.bad(n);
      this.noNotOperand(right);
      return { k: 'BinOp', op: this.src(op) as BinOpName, left: this.expr(left), right: this.expr(right), span };
    }
    // A comparison chain: walk down the left spine of unparenthesized comparisons.
    const links: { op: CmpOpName; right: SyntaxNode }[] = [];
    let cur: SyntaxNode = n;
    for (;;) {
      const ck = this.kids(cur);
      const parsed = this.comparison(ck);
      if (parsed === undefined) return this.bad(cur);
      links.unshift({ op: parsed.op, right: parsed.right });
      const l = ck[0] as SyntaxNode;
      if (l.name === 'BinaryExpression' && this.comparison(this.kids(l)) !== undefined) cur = l;
      else {
        this.noNotOperand(l);
        for (const link of links) this.noNotOperand(link.right);
        return {
          k: 'Compare',
          left: this.expr(l),
          ops: links.map((x) => x.op),
          comparators: links.map((x) => this.expr(x.right)),
          span,
        };
      }
    }
  }

  /** `left op right` with a comparison operator, or undefined. */
  private comparison(ck: SyntaxNode[]): { op: CmpOpName; right: SyntaxNode } | undefined {
    const a = ck[1];
    const b = ck[2];
    if (a === undefined) return undefined;
    if (a.name === 'CompareOp') {
      const sym = this.src(a);
      if (sym === '<>' || ck.length !== 3 || b === undefined) return undefined;
      return { op: sym as CmpOpName, right: b };
    }
    if (a.name === 'in' && b !== undefined && ck.length === 3) return { op: 'in', right: b };
    if (a.name === 'is') {
      if (b?.name === 'not') {
        const r = ck[3];
        return r === undefined || ck.length !== 4 ? undefined : { op: 'is not', right: r };
      }
      return b === undefined || ck.length !== 3 ? undefined : { op: 'is', right: b };
    }
    if (a.name === 'not' && b?.name === 'in') {
      const r = ck[3];
      return r === undefined || ck.length !== 4 ? undefined : { op: 'not in', right: r };
    }
    return undefined;
  }

  /** `a < not b`, `a + not b`: lezer accepts a `not` operand where Python does not. */
  private noNotOperand(n: SyntaxNode): void {
    if (n.name === 'UnaryExpression' && n.firstChild?.name === 'not') this.syntax('invalid syntax', n.firstChild);
  }

  /**
   * `and`, `or`, `not`. lezer's grammar lets `not` take everything to its right
   * (`not a and b` parses as `not (a and b)`), so the unparenthesized run of these
   * operators is flattened to tokens and re-parsed with Python's precedence:
   *   or_test := and_test ('or' and_test)* ; and_test := not_test ('and' not_test)* ;
   *   not_test := 'not' not_test | operand
   */
  private boolean(n: SyntaxNode): Expr {
    type Tok = { op: 'and' | 'or' | 'not' | 'broken' | undefined; node: SyntaxNode };
    const toks: Tok[] = [];
    const flatten = (x: SyntaxNode): void => {
      const k = this.kids(x);
      if (x.name === 'BinaryExpression' && (k[1]?.name === 'and' || k[1]?.name === 'or') && k.length === 3) {
        flatten(k[0] as SyntaxNode);
        toks.push({ op: k[1].name === 'and' ? 'and' : 'or', node: k[1] });
        flatten(k[2] as SyntaxNode);
      } else if (x.name === 'UnaryExpression' && k[0]?.name === 'not' && k.length === 2) {
        toks.push({ op: 'not', node: k[0] });
        flatten(k[1] as SyntaxNode);
      } else if (
        (x.name === 'BinaryExpression' && (k[1]?.name === 'and' || k[1]?.name === 'or')) ||
        (x.name === 'UnaryExpression' && k[0]?.name === 'not')
      ) {
        toks.push({ op: 'broken', node: x }); // malformed (lezer recovered from an error)
      } else toks.push({ op: undefined, node: x });
    };
    flatten(n);
    let i = 0;
    let broken = false;
    const operand = (): Expr => {
      const t = toks[i];
      if (t === undefined) {
        broken = true;
        return this.bad(n);
      }
      i++;
      if (t.op === 'not') {
        const v = operand();
        return {
          k: 'UnaryOp',
          op: 'not',
          operand: v,
          span: this.span({ start: t.node.from, end: v.span.end - this.base }),
        };
      }
      if (t.op !== undefined) {
        broken = true;
        return this.bad(t.node);
      }
      return this.expr(t.node);
    };
    const chain = (op: 'and' | 'or', sub: () => Expr): Expr => {
      const values = [sub()];
      while (toks[i]?.op === op) {
        i++;
        values.push(sub());
      }
      const first = values[0] as Expr;
      const last = values[values.length - 1] as Expr;
      return values.length === 1
        ? first
        : { k: 'BoolOp', op, values, span: { start: first.span.start, end: last.span.end } };
    };
    const result = chain('or', () => chain('and', operand));
    if (i < toks.length && !broken) return this.bad(toks[i]?.node ?? n);
    return result;
  }

  private lambda(n: SyntaxNode): Expr {
    const kids = this.kids(n);
    const colonAt = kids.findIndex((c) => c.name === ':');
    const body = kids[colonAt + 1];
    if (colonAt < 0 || body === undefined) return this.bad(n);
    const list = kids.find((c) => c.name === 'ParamList');
    const params = list === undefined ? this.params([], n) : this.params(this.kids(list), list);
    const saved = [this.inFunction, this.inLoop] as const;
    const b = this.expr(body);
    [this.inFunction, this.inLoop] = saved;
    return { k: 'Lambda', params, body: b, span: this.span(n) };
  }

  // ---------------------------------------------------------------------------------
  // Strings.

  /** One literal or an implicit concatenation (`"a" "b"`, `"a" f"{b}"`). */
  private strings(n: SyntaxNode): Expr {
    const span = this.span(n);
    // The scanner's tokens covering the node (lezer may split a literal differently,
    // e.g. at a backslash before CRLF).
    const toks: StringToken[] = [];
    let pos = n.from;
    while (pos < n.to) {
      const tok = this.scan.strings.get(pos);
      if (tok === undefined || !tok.terminated) return this.bad(n);
      toks.push(tok);
      pos = tok.end;
      while (pos < n.to) {
        const c = this.text[pos];
        if (c === ' ' || c === '\t' || c === '\f' || isNewline(c)) pos++;
        else if (c === '\\' && isNewline(this.text[pos + 1])) pos += 2;
        else if (c === '#') while (pos < n.to && !isNewline(this.text[pos])) pos++;
        else break;
      }
    }
    if (toks.length === 0) return this.bad(n);
    const anyBytes = toks.some((t) => t.bytes);
    if (anyBytes && toks.some((t) => !t.bytes)) {
      this.syntax('cannot mix bytes and nonbytes literals', n);
      return { k: 'Const', value: 'None', span };
    }
    if (anyBytes) {
      const all: number[] = [];
      for (const t of toks) {
        const d = decodeBytes(this.text.slice(t.bodyStart, t.bodyEnd), t.raw);
        if (d.error !== undefined) {
          this.syntax(d.error, { start: t.start, end: t.end });
          return { k: 'Const', value: 'None', span };
        }
        all.push(...d.bytes);
      }
      return { k: 'Bytes', value: Uint8Array.from(all), span };
    }
    const parts: FPart[] = [];
    const addText = (text: string): void => {
      if (text === '') return;
      const last = parts[parts.length - 1];
      if (last?.k === 'text') parts[parts.length - 1] = { k: 'text', text: last.text + text };
      else parts.push({ k: 'text', text });
    };
    for (const t of toks) {
      if (t.fmt) {
        const r = this.fstring(t, t.bodyStart, 0);
        if ('error' in r) {
          this.syntax(r.error, { start: t.start, end: t.end });
          return { k: 'Const', value: 'None', span };
        }
        for (const p of r.parts) {
          if (p.k === 'text') addText(p.text);
          else parts.push(p);
        }
        continue;
      }
      const d = decodeStr(this.text.slice(t.bodyStart, t.bodyEnd), t.raw);
      if (d.error !== undefined) {
        this.syntax(d.error, { start: t.start, end: t.end });
        return { k: 'Const', value: 'None', span };
      }
      if (d.unsupported !== undefined) {
        this.unsupported(d.unsupported, { start: t.start, end: t.end });
        return { k: 'Const', value: 'None', span };
      }
      addText(d.value);
    }
    if (toks.some((t) => t.fmt)) return { k: 'FString', parts, span };
    const only = parts[0];
    return { k: 'Str', value: only?.k === 'text' ? only.text : '', span };
  }

  /**
   * An f-string body from `s`, as string_parser.c's fstring_find_literal_and_expr
   * loop: literal text (with `{{`/`}}` at the top level), then `{expr=!c:spec}`.
   * At level 1 (a format spec) the parse stops at the closing `}`.
   */
  private fstring(t: StringToken, s: number, level: number): FParse {
    const text = this.text;
    const end = t.bodyEnd;
    const parts: FPart[] = [];
    for (;;) {
      // The literal part.
      const litStart = s;
      let litEnd = s;
      let doubled = false;
      while (s < end) {
        let ch = text[s++] as string;
        if (!t.raw && ch === '\\' && s < end) {
          ch = text[s++] as string;
          if (ch === 'N') {
            if (s < end && text[s++] === '{') {
              while (s < end && text[s++] !== '}') {
                /* skip the name */
              }
              continue;
            }
            break;
          }
        }
        if (ch === '{' || ch === '}') {
          if (level === 0) {
            if (s < end && text[s] === ch) {
              litEnd = s;
              s++;
              doubled = true;
              break;
            }
            if (ch === '}') return { error: "f-string: single '}' is not allowed" };
          }
          s--;
          break;
        }
      }
      if (!doubled) litEnd = s;
      if (litEnd > litStart) {
        const d = decodeStr(text.slice(litStart, litEnd), t.raw);
        if (d.error !== undefined) return { error: d.error };
        if (d.unsupported !== undefined) {
          this.unsupported(d.unsupported, { start: t.start, end: t.end });
          return { parts: [], end };
        }
        if (d.value !== '') parts.push({ k: 'text', text: d.value });
      }
      if (doubled) continue;
      if (s >= end || text[s] === '}') {
        if (level !== 0 && text[s] !== '}') return { error: "f-string: expecting '}'" };
        return { parts, end: s };
      }
      // An expression: text[s] === '{'.
      const r = this.fstringExpr(t, s, level);
      if ('error' in r) return r;
      parts.push(...r.parts);
      s = r.end;
    }
  }

  /** string_parser.c, fstring_find_expr: one `{...}` replacement field from `s`. */
  private fstringExpr(t: StringToken, s: number, level: number): { error: string } | { parts: FPart[]; end: number } {
    const text = this.text;
    const end = t.bodyEnd;
    if (level >= 2) return { error: 'f-string: expressions nested too deeply' };
    s++;
    const exprStart = s;
    let quote = '';
    let tripleQuote = false;
    const stack: string[] = [];
    for (; s < end; s++) {
      const ch = text[s] as string;
      if (ch === '\\') return { error: 'f-string expression part cannot include a backslash' };
      if (quote !== '') {
        if (ch === quote) {
          if (tripleQuote) {
            if (s + 2 < end && text[s + 1] === ch && text[s + 2] === ch) {
              s += 2;
              quote = '';
            }
          } else quote = '';
        }
        continue;
      }
      if (ch === "'" || ch === '"') {
        tripleQuote = s + 2 < end && text[s + 1] === ch && text[s + 2] === ch;
        if (tripleQuote) s += 2;
        quote = ch;
      } else if (ch === '[' || ch === '{' || ch === '(') {
        stack.push(ch);
      } else if (ch === '#') {
        return { error: "f-string expression part cannot include '#'" };
      } else if (
        stack.length === 0 &&
        (ch === '!' || ch === ':' || ch === '}' || ch === '=' || ch === '>' || ch === '<')
      ) {
        if (s + 1 < end) {
          const next = text[s + 1];
          if (next === '=' && (ch === '!' || ch === '=' || ch === '<' || ch === '>')) {
            s++;
            continue;
          }
          if (ch === '>' || ch === '<') continue;
        }
        break;
      } else if (ch === ']' || ch === '}' || ch === ')') {
        const open = stack.pop();
        if (open === undefined) return { error: `f-string: unmatched '${ch}'` };
        if (open !== OPEN_CLOSE[ch]) {
          return { error: `f-string: closing parenthesis '${ch}' does not match opening parenthesis '${open}'` };
        }
      }
    }
    const exprEnd = s;
    if (quote !== '') return { error: 'f-string: unterminated string' };
    const open = stack[stack.length - 1];
    if (open !== undefined) return { error: `f-string: unmatched '${open}'` };
    if (s >= end) return { error: "f-string: expecting '}'" };
    const source = text.slice(exprStart, exprEnd);
    if (/^[ \t\n\r\f]*$/.test(source)) return { error: 'f-string: empty expression not allowed' };
    const sub = new Lowering(`(${source})`, this.base + exprStart - 1, this.sink, 'f-string: ');
    const value = sub.runFStringExpression();
    const parts: FPart[] = [];
    let selfDoc = false;
    if (text[s] === '=') {
      s++;
      while (s < end && /[ \t\n\r\f\v]/.test(text[s] ?? '')) s++;
      parts.push({ k: 'text', text: text.slice(exprStart, s).replace(/\r\n?/g, '\n') });
      selfDoc = true;
    }
    let conv: 'r' | 's' | 'a' | undefined;
    if (text[s] === '!') {
      s++;
      if (s >= end) return { error: "f-string: expecting '}'" };
      const c = text[s++];
      if (c !== 's' && c !== 'r' && c !== 'a')
        return { error: "f-string: invalid conversion character: expected 's', 'r', or 'a'" };
      conv = c;
    }
    if (s >= end) return { error: "f-string: expecting '}'" };
    let spec: string | undefined;
    if (text[s] === ':') {
      s++;
      if (s >= end) return { error: "f-string: expecting '}'" };
      const r = this.fstring(t, s, level + 1);
      if ('error' in r) return r;
      if (r.parts.some((p) => p.k === 'expr')) {
        this.unsupported('nested replacement field in an f-string format spec', { start: t.start, end: t.end });
      }
      spec = r.parts.map((p) => (p.k === 'text' ? p.text : '')).join('');
      s = r.end;
    }
    if (s >= end || text[s] !== '}') return { error: "f-string: expecting '}'" };
    s++;
    if (selfDoc && conv === undefined && spec === undefined) conv = 'r';
    parts.push({ k: 'expr', value, conv, spec });
    return { parts, end: s };
  }
}
