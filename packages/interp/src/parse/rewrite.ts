/*
 * What lezer is shown: same-length rewrites of the source
 * =======================================================
 * @lezer/python's grammar is looser than Python 3.11's in some places and stricter in
 * others. Rather than change the grammar, parse.ts shows lezer a text of exactly the
 * source's length in which the differences cannot arise; every name, number, string and
 * position is then read from the source itself. Built from the tokens of tokenizer.ts
 * (so string and number boundaries are CPython's):
 *
 *   - every run of adjacent string literals (an implicit concatenation, f-strings
 *     included) becomes one plain `"xx…x"`: lezer never looks inside strings (parse.ts
 *     decodes them, and parses f-string fields on their own);
 *   - every number becomes `11…1` (lezer lacks `1.` and `1.e5`);
 *   - comments, form feeds and line continuations become spaces, `\r` a space or `\n`;
 *   - `print` and `type` are renamed (lezer knows Python 2's print statement and 3.12's
 *     type alias statement); `match` and `case` too where they cannot start a statement;
 *   - in a lambda, `/` becomes `*` (lezer has no positional-only lambda parameters; the
 *     lowering reads it back from `lambdaSlashes`) and a trailing `,` before `:` a space;
 *   - in a case pattern, a dotted mapping key `{a.b: p}` becomes `{a_b: p}`;
 *   - "holes": regions lezer cannot parse are replaced by a one-token stand-in and parsed
 *     on their own as `(region)` (see `Hole`): a decorator that is not a dotted name with
 *     one call, the items of a `with` that are not `expr as name`, a `match` subject, and
 *     a starred item where lezer has no star (`a[*b]`, `def f(*a: *T)`, `for x in *a, b`,
 *     `x += *a, b`).
 */
import { DEDENT, ENDMARKER, INDENT, NAME, NEWLINE, NUMBER, OP, STRING, type Tokens } from './tokenizer.js';

export type HoleKind = 'decorator' | 'with' | 'subject' | 'star' | 'target' | 'pattern' | 'named';

/** A region parsed on its own: tokens first..last (inclusive), text from..to. */
export interface Hole {
  readonly kind: HoleKind;
  readonly first: number;
  readonly last: number;
  readonly from: number;
  readonly to: number;
}

export interface Rewritten {
  /** The text lezer parses. */
  readonly lezer: string;
  /** Holes by the offset where they start. */
  readonly holes: ReadonlyMap<number, Hole>;
  /** Offsets of `/` in lambda parameters (shown to lezer as `*`). */
  readonly lambdaSlashes: ReadonlySet<number>;
  /** The text lezer parses for a hole: `(region)`, with the holes nested in it filled. */
  fragment(hole: Hole): string;
  /** Token index of the token starting at an offset (strings, numbers, names, operators). */
  tokenAt(offset: number): number | undefined;
  /** Index of the bracket matching the one at token i. */
  readonly partner: Int32Array;
}

export const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(
    ' ',
  ),
);

const isNameChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;

const FILL = {
  decorator: 'd',
  with: 'x',
  subject: 'x',
  star: '1',
  target: 'x',
  pattern: 'x',
  named: 'x',
} as const;

export function rewrite(text: string, toks: Tokens): Rewritten {
  const n = text.length;
  const buf = new Uint16Array(n);
  for (let i = 0; i < n; i++) buf[i] = text.charCodeAt(i);
  const count = toks.count;
  const { type, start, end } = toks;
  const tokText = (i: number): string => text.slice(start[i], end[i]);
  const isOp = (i: number, s: string): boolean => type[i] === OP && tokText(i) === s;
  const isName = (i: number, s: string): boolean => type[i] === NAME && tokText(i) === s;

  // Bracket partners.
  const partner = new Int32Array(count).fill(-1);
  /** The innermost open bracket around each token (-1 at the top). */
  const enclosing = new Int32Array(count).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < count; i++) {
    enclosing[i] = stack[stack.length - 1] ?? -1;
    if (type[i] !== OP) continue;
    const c = text.charCodeAt(start[i] ?? 0);
    if (end[i] !== (start[i] ?? 0) + 1) continue;
    if (c === 40 || c === 91 || c === 123) stack.push(i);
    else if (c === 41 || c === 93 || c === 125) {
      const o = stack.pop();
      if (o !== undefined) {
        partner[o] = i;
        partner[i] = o;
      }
    }
  }

  /** Index of the token ending the logical line that contains i (NEWLINE or ENDMARKER). */
  const lineEnd = (i: number): number => {
    let j = i;
    while (j < count && type[j] !== NEWLINE && !(j === count - 1)) {
      if ((partner[j] ?? -1) > j) j = partner[j] as number;
      j++;
    }
    return j;
  };
  /** The `:` ending a compound statement header that starts after token i (same depth, not a lambda's). */
  const headerColon = (i: number, stop: number): number => {
    let lambdas = 0;
    for (let j = i; j < stop; j++) {
      if ((partner[j] ?? -1) > j) {
        j = partner[j] as number;
        continue;
      }
      if (isName(j, 'lambda')) lambdas++;
      else if (isOp(j, ':')) {
        if (lambdas === 0) return j;
        lambdas--;
      }
    }
    return -1;
  };
  const AUG = new Set(['+=', '-=', '*=', '@=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>=', '**=', '//=']);
  // Gaps between tokens: comments, continuations, form feeds, carriage returns.
  const gap = (from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      const c = buf[k];
      if (c === 35) {
        while (k < to && buf[k] !== 10 && buf[k] !== 13) buf[k++] = 32;
        k--;
      } else if (c === 92) {
        buf[k] = 32;
        if (buf[k + 1] === 13) buf[++k] = 32;
        if (buf[k + 1] === 10) buf[++k] = 32;
      } else if (c === 12) buf[k] = 32;
      else if (c === 13) buf[k] = buf[k + 1] === 10 ? 32 : 10;
    }
  };
  let prevEnd = 0;
  for (let i = 0; i < count; i++) {
    const s = start[i] ?? 0;
    if (s > prevEnd) gap(prevEnd, s);
    prevEnd = Math.max(prevEnd, end[i] ?? 0);
  }
  gap(prevEnd, n);

  // Tokens.
  const lineStart = (i: number): boolean => {
    const p = type[i - 1];
    return i === 0 || p === NEWLINE || p === INDENT || p === DEDENT;
  };
  for (let i = 0; i < count; i++) {
    const s = start[i] ?? 0;
    const e = end[i] ?? 0;
    const t = type[i];
    if (t === NUMBER) {
      for (let k = s; k < e; k++) buf[k] = 49;
    } else if (t === STRING) {
      let j = i;
      while (type[j + 1] === STRING) j++;
      const last = end[j] ?? e;
      buf[s] = 34;
      for (let k = s + 1; k < last - 1; k++) buf[k] = 120;
      buf[last - 1] = 34;
      i = j;
    } else if (t === NAME && (e - s === 4 || e - s === 5)) {
      const w = tokText(i);
      if (w === 'print' || w === 'type' || ((w === 'match' || w === 'case') && !softKeywordStatement(i))) {
        buf[e - 1] = (buf[e - 1] ?? 0) - 32; // last letter upper-cased
      } else if (w === 'yield' && bareYieldFollower(i + 1)) {
        // lezer's yield needs a value: a bare `yield` is shown as a name (lower.ts knows).
        buf[e - 1] = 68;
      }
    }
  }

  /**
   * Whether `match`/`case` at token i starts a match statement or a case clause: first on
   * its logical line, a header `:` later on the line, and not followed by what makes it a
   * name (`case = 1`, `match.group()`, `case: int`).
   */
  function softKeywordStatement(i: number): boolean {
    if (!lineStart(i)) return false;
    const next = i + 1;
    if (type[next] === OP && ['=', '.', ':', ',', ';', ')', ']', '}'].includes(tokText(next))) return false;
    if (type[next] === OP && AUG.has(tokText(next))) return false;
    if (type[next] === NEWLINE) return false;
    return headerColon(next, lineEnd(i)) >= 0;
  }

  function bareYieldFollower(j: number): boolean {
    const t = type[j];
    if (t === NEWLINE || t === ENDMARKER || t === undefined) return true;
    if (t !== OP) return false;
    const c = tokText(j);
    return c === ')' || c === ']' || c === '}' || c === ';';
  }

  const holes = new Map<number, Hole>();
  const lambdaSlashes = new Set<number>();
  const addHole = (kind: HoleKind, first: number, last: number): void => {
    if (last < first) return;
    holes.set(start[first] ?? 0, { kind, first, last, from: start[first] ?? 0, to: end[last] ?? 0 });
  };
  /** Items of a bracketed or flat list from token a to b (inclusive), split at depth-0 commas. */
  const starItems = (a: number, b: number): void => {
    let itemStart = a;
    for (let j = a; j <= b + 1; j++) {
      if (j <= b && (partner[j] ?? -1) > j) {
        j = partner[j] as number;
        continue;
      }
      if (j > b || isOp(j, ',')) {
        if (itemStart < j && isOp(itemStart, '*')) addHole('star', itemStart, j - 1);
        itemStart = j + 1;
      }
    }
  };
  const isOperandEnd = (i: number): boolean => {
    const t = type[i];
    if (t === NUMBER || t === STRING) return true;
    if (t === NAME) {
      const w = tokText(i);
      return !KEYWORDS.has(w) || w === 'None' || w === 'True' || w === 'False';
    }
    if (t === OP) {
      const c = tokText(i);
      return c === ')' || c === ']' || c === '}';
    }
    return false;
  };

  /** Patterns have no subscripts: `case [a, *b]` is a sequence pattern. */
  let caseHeaderEnd = -1;
  for (let i = 0; i < count; i++) {
    const t = type[i];
    if (t === OP) {
      // Only `@`, `[`, `:` and augmented assignments matter here (no string for the others).
      const c0 = text.charCodeAt(start[i] ?? 0);
      const len = (end[i] ?? 0) - (start[i] ?? 0);
      const relevant =
        (len === 1 && (c0 === 64 || c0 === 91 || c0 === 58 || c0 === 123)) ||
        (len > 1 && text.charCodeAt((end[i] ?? 0) - 1) === 61);
      if (!relevant) continue;
      const op = tokText(i);
      if (op === '@' && lineStart(i)) {
        const stop = lineEnd(i);
        if (!simpleDecorator(i + 1, stop - 1)) addHole('decorator', i + 1, stop - 1);
      } else if (op === '[' && i > caseHeaderEnd && i > 0 && isOperandEnd(i - 1) && (partner[i] ?? -1) > i) {
        starItems(i + 1, (partner[i] as number) - 1);
      } else if (op === ':' && isOp(i + 1, '*') && type[i - 1] === NAME && isOp(i - 2, '*')) {
        // `*args: *Ts` (PEP 646): the annotation of a var-positional parameter.
        let j = i + 1;
        for (; j < count; j++) {
          if ((partner[j] ?? -1) > j) j = partner[j] as number;
          else if (isOp(j, ',') || isOp(j, ')') || isOp(j, '=')) break;
        }
        addHole('star', i + 1, j - 1);
      } else if (op === '{' && i > caseHeaderEnd && (partner[i] ?? -1) > i) {
        // `{y := 1, 2}`: lezer's set items take no `:=`; such an item is a hole.
        const close = partner[i] as number;
        let itemStart = i + 1;
        let walrus = false;
        for (let j = i + 1; j <= close; j++) {
          if (j < close && (partner[j] ?? -1) > j) {
            j = partner[j] as number;
            continue;
          }
          if (j < close && isOp(j, ':=')) walrus = true;
          if (j === close || isOp(j, ',') || isName(j, 'for') || isName(j, 'async')) {
            if (walrus && itemStart < j) addHole('named', itemStart, j - 1);
            walrus = false;
            itemStart = j + 1;
            if (j < close && !isOp(j, ',')) break;
          }
        }
      } else if (AUG.has(op)) {
        starItems(i + 1, lineEnd(i) - 1);
      }
      continue;
    }
    if (t !== NAME) continue;
    // Only with, match, case, for, lambda matter here.
    const c0 = text.charCodeAt(start[i] ?? 0);
    if (c0 !== 119 && c0 !== 109 && c0 !== 99 && c0 !== 102 && c0 !== 108) continue;
    const w = tokText(i);
    if (w === 'with') {
      const stop = lineEnd(i);
      const colon = headerColon(i + 1, stop);
      if (colon < 0) continue;
      const a = i + 1;
      const b = colon - 1;
      let needed = isOp(a, '(') && partner[a] === b;
      for (let j = a; j <= b && !needed; j++) {
        if ((partner[j] ?? -1) > j) j = partner[j] as number;
        else if (isName(j, 'as') && !(type[j + 1] === NAME && (isOp(j + 2, ',') || j + 2 === colon))) needed = true;
      }
      if (needed) addHole('with', a, b);
    } else if (w === 'match' && softKeywordStatement(i)) {
      const stop = lineEnd(i);
      const next = i + 1;
      if (
        isOp(stop - 1, ':') &&
        stop - 1 > next &&
        !(type[next] === OP && ['=', '.', ':', ',', ';'].includes(tokText(next))) &&
        !(type[next] === OP && AUG.has(tokText(next)))
      ) {
        addHole('subject', next, stop - 2);
      }
    } else if (w === 'case' && softKeywordStatement(i)) {
      const stop = lineEnd(i);
      caseHeaderEnd = headerColon(i + 1, stop);
      // Empty brackets (lezer's patterns take at least one item): `C()`, `()`, `[]`, `{}`.
      for (let j = i + 1; j < stop; j++) {
        if ((partner[j] ?? -1) !== j + 1) continue;
        let from = j;
        if (isOp(j, '(')) {
          while (from - 1 > i && type[from - 1] === NAME && !KEYWORDS.has(tokText(from - 1))) {
            from--;
            if (!isOp(from - 1, '.')) break;
            from--;
          }
        }
        addHole('pattern', from, j + 1);
        j++;
      }
      // Dotted mapping keys: `{a.b: p}` -> `{a_b: p}`.
      for (let j = i + 1; j < stop; j++) {
        if (!(isOp(j - 1, '{') || isOp(j - 1, ','))) continue;
        let k = j;
        while (type[k] === NAME && isOp(k + 1, '.') && type[k + 2] === NAME) k += 2;
        if (k > j && isOp(k + 1, ':') && end[k - 2] === start[k - 1]) {
          for (let m = j + 1; m < k; m += 2) {
            if (end[m - 1] === start[m] && end[m] === start[m + 1]) buf[start[m] ?? 0] = 95;
          }
        }
      }
    } else if (w === 'for' && !lineStart(i) && !(isName(i - 1, 'async') && lineStart(i - 1))) {
      // A comprehension inside a call: `f(x for k, v in y)` (lezer reads the comma as
      // the argument separator), so a target with a comma is a hole.
      const o = enclosing[i] ?? -1;
      if (o < 1 || !isOp(o, '(') || !isOperandEnd(o - 1)) continue;
      const close = partner[o] ?? count;
      let j = i + 1;
      let comma = false;
      for (; j < close; j++) {
        if ((partner[j] ?? -1) > j) j = partner[j] as number;
        else if (isName(j, 'in')) break;
        else if (isOp(j, ',')) comma = true;
      }
      if (comma && j < close) addHole('target', i + 1, j - 1);
    } else if (w === 'for' && (lineStart(i) || isName(i - 1, 'async'))) {
      const stop = lineEnd(i);
      let j = i + 1;
      for (; j < stop; j++) {
        if ((partner[j] ?? -1) > j) j = partner[j] as number;
        else if (isName(j, 'in')) break;
      }
      const colon = headerColon(j + 1, stop);
      if (j < stop && colon > j) starItems(j + 1, colon - 1);
    } else if (w === 'lambda') {
      const colon = headerColon(i + 1, count);
      if (colon < 0) continue;
      for (let j = i + 1; j < colon; j++) {
        if ((partner[j] ?? -1) > j) j = partner[j] as number;
        else if (isOp(j, '/')) {
          buf[start[j] ?? 0] = 42;
          lambdaSlashes.add(start[j] ?? 0);
        } else if (isOp(j, ',') && j === colon - 1) buf[start[j] ?? 0] = 32;
      }
    }
  }

  function simpleDecorator(a: number, b: number): boolean {
    if (type[a] !== NAME || KEYWORDS.has(tokText(a))) return false;
    let j = a + 1;
    while (j <= b && isOp(j, '.') && type[j + 1] === NAME && !KEYWORDS.has(tokText(j + 1))) j += 2;
    if (j > b) return true;
    return isOp(j, '(') && partner[j] === b;
  }

  // Holes nested in other holes are filled in their parent's fragment only.
  const sorted = [...holes.values()].sort((x, y) => x.from - y.from || y.to - x.to);
  const topLevel: Hole[] = [];
  for (const h of sorted) {
    const last = topLevel[topLevel.length - 1];
    if (last === undefined || h.from >= last.to) topLevel.push(h);
  }
  const base = buf.slice();
  // A hole becomes one token as long as the region (so lezer's node spans all of it),
  // unless a name character follows it directly (then one character and spaces).
  const fill = (target: Uint16Array, h: Hole, shift: number): void => {
    const from = h.from - shift;
    const to = h.to - shift;
    const c = FILL[h.kind].charCodeAt(0);
    if (h.kind === 'pattern' && isNameChar(text.charCodeAt(h.from - 1)) && to - from === 2) {
      // `case():` -> `case x:` (the hole is also found at the `x`, see below).
      target[from] = 32;
      target[from + 1] = c;
      return;
    }
    if (isNameChar(text.charCodeAt(h.from - 1)) && to - from >= 2) {
      // `match():`, `with(a as b):`: an empty tuple, which cannot merge with the keyword.
      target[from] = 40;
      for (let k = from + 1; k < to - 1; k++) target[k] = 32;
      target[to - 1] = 41;
      return;
    }
    const glued = isNameChar(text.charCodeAt(h.to));
    target[from] = c;
    for (let k = from + 1; k < to; k++) target[k] = glued ? 32 : c;
  };
  for (const h of topLevel) fill(buf, h, 0);
  for (const h of sorted) {
    if (h.kind === 'pattern' && isNameChar(text.charCodeAt(h.from - 1)) && h.to - h.from === 2)
      holes.set(h.from + 1, h);
  }
  const decoder = new TextDecoder('utf-16le');
  const lezer = decoder.decode(buf);

  return {
    lezer,
    holes,
    lambdaSlashes,
    partner,
    tokenAt(offset) {
      // The tokens are sorted by start; zero-width ones (INDENT, DEDENT) may share it.
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((start[mid] ?? 0) < offset) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < count && start[i] === offset; i++) {
        const t = type[i];
        if (t === NAME || t === NUMBER || t === OP || t === STRING) return i;
      }
      return undefined;
    },
    fragment(hole) {
      const part = base.slice(hole.from, hole.to);
      let reach = hole.from;
      for (const h of sorted) {
        if (h.from <= hole.from || h.to > hole.to || h.from < reach) continue;
        fill(part, h, hole.from);
        reach = h.to;
      }
      return '(' + decoder.decode(part) + ')';
    },
  };
}
