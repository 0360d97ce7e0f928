/*
 * The tokenizer: CPython 3.11's tok_get, token for token
 * =======================================================
 * Splits Python source into NAME, NUMBER, STRING, OP, NEWLINE, INDENT, DEDENT and
 * ENDMARKER tokens with exactly CPython's boundaries, and stops at the first error with
 * CPython's message and location. The parser (parse.ts) uses the tokens to decide what
 * lezer is shown (rewrite.ts), where strings and numbers are, and to report the errors
 * CPython's tokenizer raises.
 *
 * Source: Parser/tokenizer.c (tok_get, tok_decimal_tail, verify_end_of_number,
 * verify_identifier, tok_continuation_line, the indentation stacks) of CPython 3.11.
 *
 * Vocabulary:
 *   level     bracket depth; NEWLINE, INDENT and DEDENT only happen at level 0.
 *   col/altcol  the indentation of a line counted with tabs to multiples of 8 (col) and
 *             of 1 (altcol); CPython calls a line whose two counts disagree with the
 *             enclosing block's "inconsistent use of tabs and spaces" (TabError).
 *   atbol     at the beginning of a line: measure its indentation first.
 *
 * Newlines: `\r\n` and a lone `\r` end a line as `\n` does (CPython translates them
 * before tokenizing); offsets always refer to the text as given.
 *
 * Simplifications: type comments are not produced (ast.parse without type_comments);
 * the warnings CPython's tokenizer may emit (invalid escape, `1if`) are not reported.
 */

export const NAME = 1;
export const NUMBER = 2;
export const STRING = 3;
export const OP = 4;
export const NEWLINE = 5;
export const INDENT = 6;
export const DEDENT = 7;
export const ENDMARKER = 8;

/** Which Python exception CPython raises for an error. */
export type SyntaxErrorClass = 'SyntaxError' | 'IndentationError' | 'TabError';

/**
 * A tokenizer error, positioned as CPython positions it: 1-based line and 1-based
 * character column (`offset`), and the end, as in SyntaxError's attributes.
 * `raised` is false for the errors CPython's tokenizer signals without raising (E_EOF,
 * E_DEDENT, E_TABSPACE, E_TOODEEP, E_LINECONT): the parser turns those into exceptions
 * only when it reaches them, and they never override a parser error.
 */
export interface TokenError {
  readonly message: string;
  readonly cls: SyntaxErrorClass;
  /** Text offsets of the start and end of the reported range. */
  readonly start: number;
  readonly end: number;
  readonly raised: boolean;
  /** For "'(' was never closed": the bracket's line (CPython prefers earlier parser errors). */
  readonly unclosedLine?: number;
  /** The offset up to which tokens were produced (the parser sees those first). */
  readonly at: number;
}

export interface Tokens {
  readonly type: number[];
  readonly start: number[];
  readonly end: number[];
  /** Bracket depth before the token (CPython's `token->level`). */
  readonly level: number[];
  readonly count: number;
  readonly error: TokenError | undefined;
}

const MAXINDENT = 100;
const MAXLEVEL = 200;
const TABSIZE = 8;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isIdentStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c >= 128;
const isIdentChar = (c: number): boolean => isIdentStart(c) || isDigit(c);
const XID_START = /^[\p{XID_Start}_]$/u;
const XID_CONTINUE = /^\p{XID_Continue}$/u;
/** Py_UNICODE_ISPRINTABLE is false for these categories (and space is printable). */
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/** The operators of Grammar/Tokens, by length (the longest match wins, as in PyToken_ThreeChars). */
const THREE = new Set(['**=', '...', '//=', '<<=', '>>=', '!=']);
const TWO = new Set([
  '!=',
  '%=',
  '&=',
  '**',
  '*=',
  '+=',
  '-=',
  '->',
  '//',
  '/=',
  ':=',
  '<<',
  '<=',
  '<>',
  '==',
  '>=',
  '>>',
  '@=',
  '^=',
  '|=',
]);

export const hex4 = (cp: number): string => cp.toString(16).toUpperCase().padStart(4, '0');

/** Tokenize `text` (a whole file when `file`, else an f-string expression: no indentation). */
export function tokenize(text: string, file = true): Tokens {
  return new Tokenizer(text, file).run();
}

class Fail extends Error {
  constructor(readonly error: TokenError) {
    super(error.message);
  }
}

class Tokenizer {
  private readonly type: number[] = [];
  private readonly start: number[] = [];
  private readonly end: number[] = [];
  private readonly levels: number[] = [];
  private pos = 0;
  private lineno = 1;
  private lineStart = 0;
  private level = 0;
  private readonly parenStack: { ch: number; line: number; at: number }[] = [];
  private readonly indstack: number[] = [0];
  private readonly altindstack: number[] = [0];
  private atbol = true;
  private readonly n: number;

  constructor(
    private readonly text: string,
    private readonly file: boolean,
  ) {
    this.n = text.length;
  }

  run(): Tokens {
    let error: TokenError | undefined;
    try {
      this.loop();
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      error = e.error;
    }
    return {
      type: this.type,
      start: this.start,
      end: this.end,
      level: this.levels,
      count: this.type.length,
      error,
    };
  }

  private push(type: number, start: number, end: number): void {
    this.type.push(type);
    this.start.push(start);
    this.end.push(end);
    this.levels.push(this.level);
  }

  /** The char code at `i`, with `\r\n` and `\r` read as `\n`; -1 at the end. */
  private ch(i: number): number {
    if (i >= this.n) return -1;
    const c = this.text.charCodeAt(i);
    return c === 13 ? 10 : c;
  }

  /** Step over the character at `i` (a newline counts as one line), returning the next offset. */
  private step(i: number): number {
    const c = this.text.charCodeAt(i);
    if (c === 13) {
      const j = this.text.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      this.newLine(j);
      return j;
    }
    if (c === 10) {
      this.newLine(i + 1);
      return i + 1;
    }
    return i + 1;
  }

  private newLine(at: number): void {
    this.lineno++;
    this.lineStart = at;
  }

  /** `syntaxerror(tok, ...)`: the error points at the current position. */
  private fail(
    message: string,
    opts: { start?: number; end?: number; raised?: boolean; cls?: SyntaxErrorClass; unclosedLine?: number } = {},
  ): never {
    // syntaxerror() reports the column of `tok->cur`, i.e. the character before it.
    const start = opts.start ?? this.before(this.pos);
    throw new Fail({
      message,
      cls: opts.cls ?? 'SyntaxError',
      start,
      end: opts.end ?? start,
      raised: opts.raised ?? true,
      at: this.pos,
      ...(opts.unclosedLine === undefined ? {} : { unclosedLine: opts.unclosedLine }),
    });
  }

  /** The offset of the character before `i` (a surrogate pair is one character). */
  private before(i: number): number {
    if (i <= this.lineStart) return i;
    const c = this.text.charCodeAt(i - 1);
    return c >= 0xdc00 && c <= 0xdfff && i - 2 >= this.lineStart ? i - 2 : i - 1;
  }

  private loop(): void {
    const text = this.text;
    for (;;) {
      // nextline:
      let blankline = false;
      if (this.atbol) {
        this.atbol = false;
        let col = 0;
        let altcol = 0;
        let i = this.pos;
        for (;;) {
          const c = this.ch(i);
          if (c === 32) {
            col++;
            altcol++;
          } else if (c === 9) {
            col = (Math.floor(col / TABSIZE) + 1) * TABSIZE;
            altcol = altcol + 1;
          } else if (c === 12) {
            col = altcol = 0;
          } else break;
          i++;
        }
        this.pos = i;
        const c = this.ch(i);
        if (c === 35 || c === 10 || (c === -1 && this.file)) blankline = true;
        if (!this.file) blankline = true;
        if (!blankline && this.level === 0) {
          const top = this.indstack.length - 1;
          const indent = this.indstack[top] ?? 0;
          const altindent = this.altindstack[top] ?? 0;
          if (col === indent) {
            if (altcol !== altindent) this.indentError();
          } else if (col > indent) {
            if (top + 1 >= MAXINDENT)
              this.fail('too many levels of indentation', { raised: false, cls: 'IndentationError' });
            if (altcol <= altindent) this.indentError();
            this.push(INDENT, this.pos, this.pos);
            this.indstack.push(col);
            this.altindstack.push(altcol);
          } else {
            let dedents = 0;
            while (this.indstack.length > 1 && col < (this.indstack[this.indstack.length - 1] ?? 0)) {
              this.indstack.pop();
              this.altindstack.pop();
              dedents++;
            }
            if (col !== this.indstack[this.indstack.length - 1]) {
              // CPython points past the end of the line.
              let eol = this.pos;
              while (eol < this.n && this.ch(eol) !== 10) eol++;
              this.fail('unindent does not match any outer indentation level', {
                raised: false,
                cls: 'IndentationError',
                start: eol,
                end: eol,
              });
            }
            if (altcol !== this.altindstack[this.altindstack.length - 1]) this.indentError();
            for (let d = 0; d < dedents; d++) this.push(DEDENT, this.pos, this.pos);
          }
        }
      }
      // again:
      let c: number;
      for (;;) {
        c = this.ch(this.pos);
        if (c === 32 || c === 9 || c === 12) this.pos++;
        else break;
      }
      const tokStart = this.pos;
      if (c === 35) {
        // A comment runs to the end of the line.
        while (this.pos < this.n && this.ch(this.pos) !== 10) this.pos++;
        c = this.ch(this.pos);
      }
      if (c === -1) {
        if (this.level > 0) {
          const open = this.parenStack[this.parenStack.length - 1];
          const name = String.fromCharCode(open?.ch ?? 40);
          this.fail(`'${name}' was never closed`, {
            start: open?.at ?? this.pos,
            end: (open?.at ?? this.pos) + 1,
            raised: false,
            ...(open === undefined ? {} : { unclosedLine: open.line }),
          });
        }
        this.finish();
        return;
      }
      if (isIdentStart(c)) {
        this.nameOrString(tokStart);
        continue;
      }
      if (c === 10) {
        const at = this.pos;
        this.pos = this.step(this.pos);
        this.atbol = true;
        if (blankline || this.level > 0) continue;
        this.push(NEWLINE, at, at);
        continue;
      }
      if (c === 46) {
        const c2 = this.ch(this.pos + 1);
        if (isDigit(c2)) {
          this.number(tokStart);
          continue;
        }
        if (c2 === 46 && this.ch(this.pos + 2) === 46) {
          this.pos += 3;
          this.push(OP, tokStart, this.pos);
          continue;
        }
        this.pos++;
        this.push(OP, tokStart, this.pos);
        continue;
      }
      if (isDigit(c)) {
        this.number(tokStart);
        continue;
      }
      if (c === 39 || c === 34) {
        this.string(tokStart, this.pos);
        continue;
      }
      if (c === 92) {
        // Line continuation (tok_continuation_line).
        const next = this.ch(this.pos + 1);
        if (next === -1) {
          // The implicit newline at the end of the file, then the end: E_EOF.
          this.pos = this.n;
          this.fail('unexpected EOF while parsing', { raised: false, start: this.n, end: this.n });
        }
        if (next !== 10) {
          this.pos++;
          // CPython's column is that of the character after the backslash.
          this.fail('unexpected character after line continuation character', {
            raised: false,
            start: this.pos,
            end: this.pos,
          });
        }
        this.pos = this.step(this.pos + 1);
        if (this.pos >= this.n) {
          this.fail('unexpected EOF while parsing', { raised: false, start: this.pos, end: this.pos });
        }
        continue;
      }
      // Two- and three-character operators.
      const two = text.slice(this.pos, this.pos + 2);
      if (TWO.has(two)) {
        const three = text.slice(this.pos, this.pos + 3);
        this.pos += THREE.has(three) && three.length === 3 ? 3 : 2;
        this.push(OP, tokStart, this.pos);
        continue;
      }
      if (c === 40 || c === 91 || c === 123) {
        if (this.level >= MAXLEVEL) {
          this.pos++;
          this.fail('too many nested parentheses');
        }
        this.parenStack.push({ ch: c, line: this.lineno, at: this.pos });
        this.level++;
        this.pos++;
        this.push(OP, tokStart, this.pos);
        continue;
      }
      if (c === 41 || c === 93 || c === 125) {
        this.pos++;
        if (this.level === 0) this.fail(`unmatched '${String.fromCharCode(c)}'`);
        const open = this.parenStack.pop() as { ch: number; line: number; at: number };
        this.level--;
        const ok = (open.ch === 40 && c === 41) || (open.ch === 91 && c === 93) || (open.ch === 123 && c === 125);
        if (!ok) {
          const where = open.line !== this.lineno ? ` on line ${open.line}` : '';
          this.fail(
            `closing parenthesis '${String.fromCharCode(c)}' does not match opening parenthesis '${String.fromCharCode(open.ch)}'${where}`,
          );
        }
        this.push(OP, tokStart, this.pos);
        continue;
      }
      const cp = text.codePointAt(this.pos) ?? c;
      const ch = String.fromCodePoint(cp);
      if (cp === 0) {
        this.pos++;
        this.fail('source code cannot contain null bytes', { start: tokStart, end: tokStart });
      }
      if (NON_PRINTABLE.test(ch) && ch !== ' ') {
        this.pos += ch.length;
        this.fail(`invalid non-printable character U+${hex4(cp)}`);
      }
      // Any other character is a one-character OP (the parser rejects the unknown ones).
      this.pos += ch.length;
      this.push(OP, tokStart, this.pos);
    }
  }

  private indentError(): never {
    // CPython reports TabError at the end of the line's indentation... at the line start
    // (RAISE_ERROR_KNOWN_LOCATION(p, errtype, lineno, 0, lineno, -1)).
    return this.fail('inconsistent use of tabs and spaces in indentation', {
      raised: false,
      cls: 'TabError',
      start: this.lineStart,
      end: this.lineStart,
    });
  }

  /** At the end of the input: a NEWLINE if the last line has tokens, the dedents, ENDMARKER. */
  private finish(): void {
    const last = this.type[this.type.length - 1];
    if (
      this.file &&
      last !== undefined &&
      last !== NEWLINE &&
      last !== DEDENT &&
      last !== INDENT &&
      !this.atbolAfterNewline()
    ) {
      this.push(NEWLINE, this.n, this.n);
    }
    if (this.file) {
      while (this.indstack.length > 1) {
        this.indstack.pop();
        this.altindstack.pop();
        this.push(DEDENT, this.n, this.n);
      }
    }
    this.push(ENDMARKER, this.n, this.n);
  }

  private atbolAfterNewline(): boolean {
    return this.type[this.type.length - 1] === NEWLINE;
  }

  /** An identifier or a string with a prefix (tok_get's identifier branch). */
  private nameOrString(tokStart: number): void {
    const text = this.text;
    let i = this.pos;
    let sawB = false;
    let sawR = false;
    let sawU = false;
    let sawF = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (!(sawB || sawU || sawF) && (c === 98 || c === 66)) sawB = true;
      else if (!(sawB || sawU || sawR || sawF) && (c === 117 || c === 85)) sawU = true;
      else if (!(sawR || sawU) && (c === 114 || c === 82)) sawR = true;
      else if (!(sawF || sawB || sawU) && (c === 102 || c === 70)) sawF = true;
      else break;
      i++;
      const q = text.charCodeAt(i);
      if (q === 34 || q === 39) {
        this.string(tokStart, i);
        return;
      }
    }
    let nonascii = false;
    while (i < this.n) {
      const c = text.charCodeAt(i);
      if (!isIdentChar(c)) break;
      if (c >= 128) nonascii = true;
      i++;
    }
    this.pos = i;
    if (nonascii) this.verifyIdentifier(tokStart, i);
    this.push(NAME, tokStart, i);
  }

  /** tokenizer.c, verify_identifier: XID_Start (or `_`) then XID_Continue, else "invalid character". */
  private verifyIdentifier(from: number, to: number): void {
    let first = true;
    let at = from;
    for (const ch of this.text.slice(from, to)) {
      const ok = first ? XID_START.test(ch) : XID_CONTINUE.test(ch);
      if (!ok) {
        const cp = ch.codePointAt(0) ?? 0;
        this.pos = at + ch.length;
        const message = NON_PRINTABLE.test(ch)
          ? `invalid non-printable character U+${hex4(cp)}`
          : `invalid character '${ch}' (U+${hex4(cp)})`;
        this.fail(message, { start: at, end: at });
      }
      first = false;
      at += ch.length;
    }
  }

  /** A string from `tokStart` (its prefix) whose opening quote is at `quote`. */
  private string(tokStart: number, quote: number): void {
    const q = this.text.charCodeAt(quote);
    const firstLine = this.lineno;
    const firstLineStart = this.lineStart;
    let i = quote + 1;
    let quoteSize = 1;
    let endQuoteSize = 0;
    if (this.ch(i) === q) {
      if (this.ch(i + 1) === q) {
        quoteSize = 3;
        i += 2;
      } else {
        endQuoteSize = 1;
        i += 1;
      }
    }
    while (endQuoteSize !== quoteSize) {
      const c = this.ch(i);
      if (c === -1 || (quoteSize === 1 && c === 10)) {
        // At the end of the file, CPython's line count does not include an empty last line.
        const endsWithNewline = c === -1 && /[\r\n]$/.test(this.text);
        const detected = this.lineno - (endsWithNewline ? 1 : 0);
        this.lineno = firstLine;
        this.lineStart = firstLineStart;
        this.pos = tokStart + 1;
        this.fail(
          quoteSize === 3
            ? `unterminated triple-quoted string literal (detected at line ${detected})`
            : `unterminated string literal (detected at line ${detected})`,
          { start: tokStart, end: tokStart },
        );
      }
      i = this.step(i);
      if (c === q) endQuoteSize++;
      else {
        endQuoteSize = 0;
        if (c === 92 && i < this.n) i = this.step(i);
      }
    }
    this.pos = i;
    this.push(STRING, tokStart, i);
  }

  /** tok_decimal_tail: digits with single underscores between them; the next char. */
  private decimalTail(): number {
    for (;;) {
      while (isDigit(this.ch(this.pos))) this.pos++;
      if (this.ch(this.pos) !== 95) return this.ch(this.pos);
      this.pos++;
      if (!isDigit(this.ch(this.pos))) this.fail('invalid decimal literal');
    }
  }

  private verifyEnd(kind: string): void {
    const c = this.ch(this.pos);
    const t = this.text;
    const p = this.pos;
    const la = (s: string): boolean => t.startsWith(s, p + 1);
    let r = false;
    if (c === 97) r = la('nd');
    else if (c === 101) r = la('lse');
    else if (c === 102) r = la('or');
    else if (c === 105) {
      const c2 = this.ch(p + 1);
      r = c2 === 102 || c2 === 110 || c2 === 115;
    } else if (c === 111) r = la('r');
    else if (c === 110) r = la('ot');
    if (r) return;
    // tok_backup(c), then syntaxerror: the error points at the character before c.
    if (c !== -1 && isIdentChar(c)) this.fail(`invalid ${kind} literal`);
  }

  /** tok_get's number branch from `tokStart` (a digit, or `.` before a digit). */
  private number(tokStart: number): void {
    let c = this.ch(this.pos);
    const radix = (kind: string, ok: (c: number) => boolean): void => {
      this.pos += 2;
      c = this.ch(this.pos);
      do {
        if (c === 95) {
          this.pos++;
          c = this.ch(this.pos);
        }
        if (!ok(c)) {
          if (kind !== 'hexadecimal' && isDigit(c)) {
            this.pos++;
            this.fail(`invalid digit '${String.fromCharCode(c)}' in ${kind} literal`);
          }
          this.fail(`invalid ${kind} literal`);
        }
        do {
          this.pos++;
          c = this.ch(this.pos);
        } while (ok(c));
      } while (c === 95);
      if (kind !== 'hexadecimal' && isDigit(c)) {
        this.pos++;
        this.fail(`invalid digit '${String.fromCharCode(c)}' in ${kind} literal`);
      }
      this.verifyEnd(kind);
    };
    const fraction = (): void => {
      // After the '.': digits, then the exponent and the imaginary suffix.
      if (isDigit(this.ch(this.pos))) this.decimalTail();
      exponent();
    };
    const exponent = (): void => {
      c = this.ch(this.pos);
      if (c === 101 || c === 69) {
        const e = this.pos;
        this.pos++;
        c = this.ch(this.pos);
        if (c === 43 || c === 45) {
          this.pos++;
          if (!isDigit(this.ch(this.pos))) this.fail('invalid decimal literal');
        } else if (!isDigit(c)) {
          this.pos = e;
          this.verifyEndAfterE();
          return;
        }
        this.decimalTail();
      }
      imaginary();
    };
    const imaginary = (): void => {
      c = this.ch(this.pos);
      if (c === 106 || c === 74) {
        this.pos++;
        this.verifyEnd('imaginary');
      } else this.verifyEnd('decimal');
    };
    if (c === 46) {
      this.pos++;
      fraction();
    } else if (c === 48) {
      const x = this.ch(this.pos + 1);
      if (x === 120 || x === 88) radix('hexadecimal', isHex);
      else if (x === 111 || x === 79) radix('octal', (d) => d >= 48 && d <= 55);
      else if (x === 98 || x === 66) radix('binary', (d) => d === 48 || d === 49);
      else {
        this.pos++;
        let nonzero = false;
        for (;;) {
          c = this.ch(this.pos);
          if (c === 95) {
            this.pos++;
            c = this.ch(this.pos);
            if (!isDigit(c)) this.fail('invalid decimal literal');
          }
          if (c !== 48) break;
          this.pos++;
        }
        const zerosEnd = this.pos;
        if (isDigit(c)) {
          nonzero = true;
          c = this.decimalTail();
        }
        if (c === 46) {
          this.pos++;
          fraction();
        } else if (c === 101 || c === 69) exponent();
        else if (c === 106 || c === 74) imaginary();
        else if (nonzero) {
          this.fail(
            'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
            { start: tokStart, end: zerosEnd - 1 },
          );
        } else this.verifyEnd('decimal');
      }
    } else {
      c = this.decimalTail();
      if (c === 46) {
        this.pos++;
        fraction();
      } else exponent();
    }
    this.push(NUMBER, tokStart, this.pos);
  }

  /** `1e` followed by no digit: the number ends before the `e` unless a letter follows. */
  private verifyEndAfterE(): void {
    // verify_end_of_number(tok, 'e', "decimal") with cur just past the 'e'.
    const p = this.pos;
    const c = this.ch(p);
    const t = this.text;
    const r = c === 101 && t.startsWith('lse', p + 1);
    if (r) return;
    this.pos = p;
    this.fail('invalid decimal literal');
  }
}
