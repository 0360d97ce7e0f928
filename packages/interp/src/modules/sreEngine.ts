/*
 * The SRE matching engine
 * =======================
 * CPython's regular expression engine, run on the code `re._compiler` produces: the
 * opcodes of sre_constants.h executed as Modules/_sre/sre_lib.h executes them, with its
 * explicit context stack instead of recursion (so deep backtracking cannot overflow the
 * JavaScript stack), its mark saving and restoring around backtracking points
 * (LASTMARK_SAVE/RESTORE, MARK_PUSH/POP), repeat contexts for REPEAT/MAX_UNTIL/MIN_UNTIL
 * with the zero-width-match protection, REPEAT_ONE's literal look-ahead, the possessive
 * repeats and atomic groups of 3.11, and SRE(search) with its INFO prefix, charset and
 * general scans (must_advance for empty matches in finditer, sub and split).
 *
 * The subject is an array of code points (str) or bytes. Character classes follow
 * CPython's: the ASCII tables of sre.c for \d \s \w without re.UNICODE, and for Unicode
 * the properties of unicodectype.c (decimal digits, Python's whitespace, alphanumerics and
 * '_', line breaks), here from JavaScript's Unicode property escapes. Case folding is
 * the simple one-character mapping (JavaScript's, when it maps to one character; İ and
 * the characters whose full mapping is longer map as CPython's simple mapping does).
 *
 * Source: Modules/_sre/sre_lib.h (3.11: SRE(at), SRE(charset), SRE(count), SRE(match),
 * SRE(search)), Modules/_sre/sre.c (sre_category, sre_lower_*, sre_upper_*),
 * Modules/_sre/sre_constants.h.
 */

// Opcodes (sre_constants.h, MAGIC 20220615).
export const OP = {
  FAILURE: 0,
  SUCCESS: 1,
  ANY: 2,
  ANY_ALL: 3,
  ASSERT: 4,
  ASSERT_NOT: 5,
  AT: 6,
  BRANCH: 7,
  CATEGORY: 8,
  CHARSET: 9,
  BIGCHARSET: 10,
  GROUPREF: 11,
  GROUPREF_EXISTS: 12,
  IN: 13,
  INFO: 14,
  JUMP: 15,
  LITERAL: 16,
  MARK: 17,
  MAX_UNTIL: 18,
  MIN_UNTIL: 19,
  NOT_LITERAL: 20,
  NEGATE: 21,
  RANGE: 22,
  REPEAT: 23,
  REPEAT_ONE: 24,
  SUBPATTERN: 25,
  MIN_REPEAT_ONE: 26,
  ATOMIC_GROUP: 27,
  POSSESSIVE_REPEAT: 28,
  POSSESSIVE_REPEAT_ONE: 29,
  GROUPREF_IGNORE: 30,
  IN_IGNORE: 31,
  LITERAL_IGNORE: 32,
  NOT_LITERAL_IGNORE: 33,
  GROUPREF_LOC_IGNORE: 34,
  IN_LOC_IGNORE: 35,
  LITERAL_LOC_IGNORE: 36,
  NOT_LITERAL_LOC_IGNORE: 37,
  GROUPREF_UNI_IGNORE: 38,
  IN_UNI_IGNORE: 39,
  LITERAL_UNI_IGNORE: 40,
  NOT_LITERAL_UNI_IGNORE: 41,
  RANGE_UNI_IGNORE: 42,
} as const;

const AT = {
  BEGINNING: 0,
  BEGINNING_LINE: 1,
  BEGINNING_STRING: 2,
  BOUNDARY: 3,
  NON_BOUNDARY: 4,
  END: 5,
  END_LINE: 6,
  END_STRING: 7,
  LOC_BOUNDARY: 8,
  LOC_NON_BOUNDARY: 9,
  UNI_BOUNDARY: 10,
  UNI_NON_BOUNDARY: 11,
} as const;

export const MAXREPEAT = 4294967295;
const INFO_PREFIX = 1;
const INFO_LITERAL = 2;
const INFO_CHARSET = 4;

export const SRE_ERROR_ILLEGAL = -1;
export const SRE_ERROR_STATE = -2;
export const SRE_ERROR_RECURSION_LIMIT = -3;

// ---------------------------------------------------------------------------------
// Character classes and case mappings

const isAsciiDigit = (ch: number): boolean => ch >= 48 && ch <= 57;
const isAsciiSpace = (ch: number): boolean => ch === 32 || (ch >= 9 && ch <= 13);
const isAsciiAlnum = (ch: number): boolean =>
  (ch >= 48 && ch <= 57) || (ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122);
const isAsciiWord = (ch: number): boolean => ch < 128 && (isAsciiAlnum(ch) || ch === 95);

const DECIMAL = /^\p{Nd}$/u;
const ALNUM = /^[\p{L}\p{N}]$/u;
const charOf = (ch: number): string => (ch >= 0 && ch <= 0x10ffff ? String.fromCodePoint(ch) : '');

/** Py_UNICODE_ISSPACE. */
export function uniIsSpace(ch: number): boolean {
  if (ch < 128) return isAsciiSpace(ch) || (ch >= 0x1c && ch <= 0x1f);
  return (
    ch === 0x85 ||
    ch === 0xa0 ||
    ch === 0x1680 ||
    (ch >= 0x2000 && ch <= 0x200a) ||
    ch === 0x2028 ||
    ch === 0x2029 ||
    ch === 0x202f ||
    ch === 0x205f ||
    ch === 0x3000
  );
}

export const uniIsDecimal = (ch: number): boolean => (ch < 128 ? isAsciiDigit(ch) : DECIMAL.test(charOf(ch)));
const uniIsWord = (ch: number): boolean => (ch < 128 ? isAsciiWord(ch) : ALNUM.test(charOf(ch)));
const uniIsLinebreak = (ch: number): boolean =>
  ch === 10 ||
  ch === 11 ||
  ch === 12 ||
  ch === 13 ||
  ch === 0x1c ||
  ch === 0x1d ||
  ch === 0x1e ||
  ch === 0x85 ||
  ch === 0x2028 ||
  ch === 0x2029;
/** The C locale: ASCII letters and digits, and '_'. */
const locIsWord = (ch: number): boolean => ch <= 255 && (isAsciiAlnum(ch) || ch === 95);

export const lowerAscii = (ch: number): number => (ch >= 65 && ch <= 90 ? ch + 32 : ch);
export const upperAscii = (ch: number): number => (ch >= 97 && ch <= 122 ? ch - 32 : ch);

const lowerCache = new Map<number, number>();
const upperCache = new Map<number, number>();

/** Py_UNICODE_TOLOWER: the simple lowercase mapping. */
export function lowerUnicode(ch: number): number {
  if (ch < 128) return lowerAscii(ch);
  const hit = lowerCache.get(ch);
  if (hit !== undefined) return hit;
  let r = ch;
  if (ch === 0x130) r = 0x69;
  else {
    const s = charOf(ch).toLowerCase();
    const cps = [...s];
    if (cps.length === 1) r = (cps[0] as string).codePointAt(0) as number;
  }
  lowerCache.set(ch, r);
  return r;
}

/** Py_UNICODE_TOUPPER: the simple uppercase mapping. */
export function upperUnicode(ch: number): number {
  if (ch < 128) return upperAscii(ch);
  const hit = upperCache.get(ch);
  if (hit !== undefined) return hit;
  let r = ch;
  const s = charOf(ch).toUpperCase();
  const cps = [...s];
  if (cps.length === 1) r = (cps[0] as string).codePointAt(0) as number;
  else {
    // A longer full mapping (ß, ŉ, the Greek letters with ypogegrammeni ...): the simple
    // mapping is the titlecase letter when one exists (ᾀ → ᾈ), else the letter itself.
    for (const cand of [ch + 8, ch - 8, ch + 1, ch + 9]) {
      const c = charOf(cand);
      if (c !== '' && c !== charOf(ch) && c.toLowerCase() === charOf(ch)) {
        r = cand;
        break;
      }
    }
  }
  upperCache.set(ch, r);
  return r;
}

export const lowerLocale = (ch: number): number => (ch < 256 ? lowerAscii(ch) : ch);
export const upperLocale = (ch: number): number => (ch < 256 ? upperAscii(ch) : ch);

/** sre_category. */
function category(cat: number, ch: number): boolean {
  switch (cat) {
    case 0:
      return ch < 128 && isAsciiDigit(ch);
    case 1:
      return !(ch < 128 && isAsciiDigit(ch));
    case 2:
      return ch < 128 && isAsciiSpace(ch);
    case 3:
      return !(ch < 128 && isAsciiSpace(ch));
    case 4:
      return isAsciiWord(ch);
    case 5:
      return !isAsciiWord(ch);
    case 6:
      return ch === 10;
    case 7:
      return ch !== 10;
    case 8:
      return locIsWord(ch);
    case 9:
      return !locIsWord(ch);
    case 10:
      return uniIsDecimal(ch);
    case 11:
      return !uniIsDecimal(ch);
    case 12:
      return uniIsSpace(ch);
    case 13:
      return !uniIsSpace(ch);
    case 14:
      return uniIsWord(ch);
    case 15:
      return !uniIsWord(ch);
    case 16:
      return uniIsLinebreak(ch);
    case 17:
      return !uniIsLinebreak(ch);
    default:
      return false;
  }
}

function charLocIgnore(pattern: number, ch: number): boolean {
  return ch === pattern || lowerLocale(ch) === pattern || upperLocale(ch) === pattern;
}

// ---------------------------------------------------------------------------------
// State

/** SRE_REPEAT: a repeat context of REPEAT ... MAX_UNTIL/MIN_UNTIL. */
interface Repeat {
  count: number;
  /** The REPEAT opcode's operands start here (pattern[1] min, [2] max, [3] the item). */
  pattern: number;
  lastPtr: number;
  prev: Repeat | undefined;
}

export class SreState {
  /** SRE_STATE's string: code points or bytes. */
  readonly s: ArrayLike<number>;
  /** state->start and state->end as offsets; beginning is 0. */
  start: number;
  end: number;
  ptr: number;
  /** state->pos and state->endpos: the arguments, clamped to the string. */
  readonly endpos: number;
  /** state->mark: positions, -1 for NULL. */
  mark: number[] = [];
  lastmark = -1;
  lastindex = -1;
  repeat: Repeat | undefined = undefined;
  matchAll = false;
  mustAdvance = false;
  /** The code being run. */
  code: readonly number[] = [];
  /** The opcode the matcher met and does not know (SRE_ERROR_ILLEGAL), else -1. */
  illegal = -1;
  /** Where the current search started (pos). */
  readonly pos: number;

  constructor(s: ArrayLike<number>, pos: number, endpos: number) {
    this.s = s;
    const len = s.length;
    const start = pos < 0 ? 0 : pos > len ? len : pos;
    const end = endpos < 0 ? 0 : endpos > len ? len : endpos;
    this.start = start;
    this.end = end;
    this.ptr = start;
    this.pos = start;
    this.endpos = end;
  }

  /** state_reset. */
  reset(): void {
    this.lastmark = -1;
    this.lastindex = -1;
    this.repeat = undefined;
    this.mark = [];
  }
}

function at(state: SreState, ptr: number, code: number): boolean {
  const s = state.s;
  const end = state.end;
  switch (code) {
    case AT.BEGINNING:
    case AT.BEGINNING_STRING:
      return ptr === 0;
    case AT.BEGINNING_LINE:
      return ptr === 0 || s[ptr - 1] === 10;
    case AT.END:
      return (end - ptr === 1 && s[ptr] === 10) || ptr === end;
    case AT.END_LINE:
      return ptr === end || s[ptr] === 10;
    case AT.END_STRING:
      return ptr === end;
    case AT.BOUNDARY:
    case AT.NON_BOUNDARY:
    case AT.LOC_BOUNDARY:
    case AT.LOC_NON_BOUNDARY:
    case AT.UNI_BOUNDARY:
    case AT.UNI_NON_BOUNDARY: {
      if (end === 0) return false;
      const isWord =
        code === AT.BOUNDARY || code === AT.NON_BOUNDARY
          ? isAsciiWord
          : code === AT.LOC_BOUNDARY || code === AT.LOC_NON_BOUNDARY
            ? locIsWord
            : uniIsWord;
      const thatp = ptr > 0 ? isWord(s[ptr - 1] as number) : false;
      const thisp = ptr < end ? isWord(s[ptr] as number) : false;
      const boundary = code === AT.BOUNDARY || code === AT.LOC_BOUNDARY || code === AT.UNI_BOUNDARY;
      return boundary ? thisp !== thatp : thisp === thatp;
    }
    default:
      return false;
  }
}

/** SRE(charset): whether ch is in the set at code[set...]. */
export function charset(code: readonly number[], set0: number, ch: number): boolean {
  let set = set0;
  let ok = true;
  for (;;) {
    switch (code[set++]) {
      case OP.FAILURE:
        return !ok;
      case OP.LITERAL:
        if (ch === code[set]) return ok;
        set++;
        break;
      case OP.CATEGORY:
        if (category(code[set] as number, ch)) return ok;
        set++;
        break;
      case OP.CHARSET:
        if (ch < 256 && ((code[set + (ch >> 5)] as number) & (1 << (ch & 31))) !== 0) return ok;
        set += 8;
        break;
      case OP.RANGE:
        if ((code[set] as number) <= ch && ch <= (code[set + 1] as number)) return ok;
        set += 2;
        break;
      case OP.RANGE_UNI_IGNORE: {
        if ((code[set] as number) <= ch && ch <= (code[set + 1] as number)) return ok;
        const uch = upperUnicode(ch);
        if ((code[set] as number) <= uch && uch <= (code[set + 1] as number)) return ok;
        set += 2;
        break;
      }
      case OP.NEGATE:
        ok = !ok;
        break;
      case OP.BIGCHARSET: {
        const count = code[set++] as number;
        let block = -1;
        if (ch < 0x10000) {
          // 256 block indices packed four to a code word (little-endian bytes).
          const word = code[set + (ch >> 10)] as number;
          block = (word >>> (8 * ((ch >> 8) & 3))) & 0xff;
        }
        set += 64;
        if (block >= 0) {
          const idx = block * 256 + (ch & 255);
          if (((code[set + (idx >> 5)] as number) & (1 << (idx & 31))) !== 0) return ok;
        }
        set += count * 8;
        break;
      }
      default:
        return false;
    }
  }
}

function charsetLocIgnore(code: readonly number[], set: number, ch: number): boolean {
  const lo = lowerLocale(ch);
  if (charset(code, set, lo)) return true;
  const up = upperLocale(ch);
  return up !== lo && charset(code, set, up);
}

/** SRE(count): how many times the single-character item at `pattern` matches from state.ptr. */
function count(state: SreState, pattern: number, maxcount: number): number {
  const code = state.code;
  const s = state.s;
  let ptr = state.ptr;
  let end = state.end;
  if (maxcount < end - ptr && maxcount !== MAXREPEAT) end = ptr + maxcount;
  const chr = code[pattern + 1] as number;
  switch (code[pattern]) {
    case OP.IN:
      while (ptr < end && charset(code, pattern + 2, s[ptr] as number)) ptr++;
      break;
    case OP.ANY:
      while (ptr < end && s[ptr] !== 10) ptr++;
      break;
    case OP.ANY_ALL:
      ptr = end;
      break;
    case OP.LITERAL:
      while (ptr < end && s[ptr] === chr) ptr++;
      break;
    case OP.LITERAL_IGNORE:
      while (ptr < end && lowerAscii(s[ptr] as number) === chr) ptr++;
      break;
    case OP.LITERAL_UNI_IGNORE:
      while (ptr < end && lowerUnicode(s[ptr] as number) === chr) ptr++;
      break;
    case OP.LITERAL_LOC_IGNORE:
      while (ptr < end && charLocIgnore(chr, s[ptr] as number)) ptr++;
      break;
    case OP.NOT_LITERAL:
      while (ptr < end && s[ptr] !== chr) ptr++;
      break;
    case OP.NOT_LITERAL_IGNORE:
      while (ptr < end && lowerAscii(s[ptr] as number) !== chr) ptr++;
      break;
    case OP.NOT_LITERAL_UNI_IGNORE:
      while (ptr < end && lowerUnicode(s[ptr] as number) !== chr) ptr++;
      break;
    case OP.NOT_LITERAL_LOC_IGNORE:
      while (ptr < end && !charLocIgnore(chr, s[ptr] as number)) ptr++;
      break;
    default: {
      const start = state.ptr;
      while (state.ptr < end) {
        const i = match(state, pattern, false);
        if (i < 0) return i;
        if (i === 0) break;
      }
      return state.ptr - start;
    }
  }
  return ptr - state.ptr;
}

// ---------------------------------------------------------------------------------
// SRE(match)

const J = {
  NONE: 0,
  MAX_UNTIL_1: 1,
  MAX_UNTIL_2: 2,
  MAX_UNTIL_3: 3,
  MIN_UNTIL_1: 4,
  MIN_UNTIL_2: 5,
  MIN_UNTIL_3: 6,
  REPEAT: 7,
  REPEAT_ONE_1: 8,
  REPEAT_ONE_2: 9,
  MIN_REPEAT_ONE: 10,
  BRANCH: 11,
  ASSERT: 12,
  ASSERT_NOT: 13,
  POSS_REPEAT_1: 14,
  POSS_REPEAT_2: 15,
  ATOMIC_GROUP: 16,
} as const;

interface Ctx {
  count: number;
  chr: number;
  rep: Repeat | undefined;
  lastmark: number;
  lastindex: number;
  pattern: number;
  ptr: number;
  toplevel: boolean;
  jump: number;
  /** MIN_UNTIL: the repeat of the tail when it returned. */
  tailRepeat: Repeat | undefined;
}

const newCtx = (pattern: number, toplevel: boolean, jump: number): Ctx => ({
  count: 0,
  chr: 0,
  rep: undefined,
  lastmark: -1,
  lastindex: -1,
  pattern,
  ptr: 0,
  toplevel,
  jump,
  tailRepeat: undefined,
});

// Labels of the state machine: the entrance, the dispatch, the exit, and where each
// DO_JUMP returns to.
const L_ENTRANCE = 100;
const L_DISPATCH = 101;
const L_EXIT = 102;
const L_BRANCH_LOOP = 103;
const L_REPEAT_ONE_LIT_LOOP = 104;
const L_REPEAT_ONE_GEN_LOOP = 105;
const L_MIN_REPEAT_ONE_LOOP = 106;
const L_POSS_REPEAT_MIN_LOOP = 107;
const L_POSS_REPEAT_LOOP = 108;

/** SRE(match): 1 on a match (state.ptr at its end), 0 on none, < 0 on an internal error. */
export function match(state: SreState, pattern0: number, toplevel0: boolean): number {
  const code = state.code;
  const s = state.s;
  const end = state.end;
  const ctxStack: Ctx[] = [];
  const data: (number | number[])[] = [];
  let ctx = newCtx(pattern0, toplevel0, J.NONE);
  let pattern = pattern0;
  let ptr = state.ptr;
  let ret = 0;
  let label: number = L_ENTRANCE;

  const lastmarkSave = (): void => {
    ctx.lastmark = state.lastmark;
    ctx.lastindex = state.lastindex;
  };
  const lastmarkRestore = (): void => {
    state.lastmark = ctx.lastmark;
    state.lastindex = ctx.lastindex;
  };
  const markPush = (lastmark: number): void => {
    if (lastmark >= 0) {
      const saved: number[] = [];
      for (let i = 0; i <= lastmark; i++) saved.push(state.mark[i] ?? -1);
      data.push(saved);
    }
  };
  const markPop = (lastmark: number, discard: boolean, restore: boolean): void => {
    if (lastmark < 0) return;
    const saved = data[data.length - 1] as number[];
    if (restore) for (let i = 0; i <= lastmark; i++) state.mark[i] = saved[i] as number;
    if (discard) data.pop();
  };
  /** DO_JUMP: run the code at `next` in a new context; come back to `back` with `ret` set. */
  const doJump = (jump: number, next: number, toplevel: boolean): void => {
    ctx.pattern = pattern;
    ctx.ptr = ptr;
    ctxStack.push(ctx);
    ctx = newCtx(next, toplevel, jump);
    pattern = next;
    label = L_ENTRANCE;
  };
  const fail = (): void => {
    ret = 0;
    label = L_EXIT;
  };
  const succeed = (): void => {
    ret = 1;
    label = L_EXIT;
  };

  for (;;) {
    switch (label) {
      case L_ENTRANCE: {
        ptr = state.ptr;
        if (code[pattern] === OP.INFO) {
          const min = code[pattern + 3] as number;
          // (uintptr_t)(end - ptr) < min: a negative distance is a huge unsigned one.
          if (min !== 0 && end - ptr >= 0 && end - ptr < min) {
            fail();
            break;
          }
          pattern += (code[pattern + 1] as number) + 1;
        }
        label = L_DISPATCH;
        break;
      }

      case L_DISPATCH: {
        const op = code[pattern++];
        switch (op) {
          case OP.MARK: {
            const i = code[pattern] as number;
            if (i & 1) state.lastindex = (i >> 1) + 1;
            if (i > state.lastmark) {
              let j = state.lastmark + 1;
              while (j < i) state.mark[j++] = -1;
              state.lastmark = i;
            }
            state.mark[i] = ptr;
            pattern++;
            break;
          }
          case OP.LITERAL:
            if (ptr >= end || s[ptr] !== code[pattern]) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.NOT_LITERAL:
            if (ptr >= end || s[ptr] === code[pattern]) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.SUCCESS:
            if (ctx.toplevel && ((state.matchAll && ptr !== state.end) || (state.mustAdvance && ptr === state.start))) {
              fail();
              break;
            }
            state.ptr = ptr;
            succeed();
            break;
          case OP.AT:
            if (!at(state, ptr, code[pattern] as number)) fail();
            else pattern++;
            break;
          case OP.CATEGORY:
            if (ptr >= end || !category(code[pattern] as number, s[ptr] as number)) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.ANY:
            if (ptr >= end || s[ptr] === 10) fail();
            else ptr++;
            break;
          case OP.ANY_ALL:
            if (ptr >= end) fail();
            else ptr++;
            break;
          case OP.IN:
            if (ptr >= end || !charset(code, pattern + 1, s[ptr] as number)) fail();
            else {
              pattern += code[pattern] as number;
              ptr++;
            }
            break;
          case OP.LITERAL_IGNORE:
            if (ptr >= end || lowerAscii(s[ptr] as number) !== code[pattern]) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.LITERAL_UNI_IGNORE:
            if (ptr >= end || lowerUnicode(s[ptr] as number) !== code[pattern]) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.LITERAL_LOC_IGNORE:
            if (ptr >= end || !charLocIgnore(code[pattern] as number, s[ptr] as number)) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.NOT_LITERAL_IGNORE:
            if (ptr >= end || lowerAscii(s[ptr] as number) === code[pattern]) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.NOT_LITERAL_UNI_IGNORE:
            if (ptr >= end || lowerUnicode(s[ptr] as number) === code[pattern]) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.NOT_LITERAL_LOC_IGNORE:
            if (ptr >= end || charLocIgnore(code[pattern] as number, s[ptr] as number)) fail();
            else {
              pattern++;
              ptr++;
            }
            break;
          case OP.IN_IGNORE:
            if (ptr >= end || !charset(code, pattern + 1, lowerAscii(s[ptr] as number))) fail();
            else {
              pattern += code[pattern] as number;
              ptr++;
            }
            break;
          case OP.IN_UNI_IGNORE:
            if (ptr >= end || !charset(code, pattern + 1, lowerUnicode(s[ptr] as number))) fail();
            else {
              pattern += code[pattern] as number;
              ptr++;
            }
            break;
          case OP.IN_LOC_IGNORE:
            if (ptr >= end || !charsetLocIgnore(code, pattern + 1, s[ptr] as number)) fail();
            else {
              pattern += code[pattern] as number;
              ptr++;
            }
            break;
          case OP.JUMP:
          case OP.INFO:
            pattern += code[pattern] as number;
            break;

          case OP.BRANCH:
            lastmarkSave();
            if (state.repeat !== undefined) markPush(ctx.lastmark);
            label = L_BRANCH_LOOP;
            break;

          case OP.REPEAT_ONE: {
            if ((code[pattern + 1] as number) > end - ptr) {
              fail();
              break;
            }
            state.ptr = ptr;
            ret = count(state, pattern + 3, code[pattern + 2] as number);
            if (ret < 0) return ret;
            ctx.count = ret;
            ptr += ctx.count;
            if (ctx.count < (code[pattern + 1] as number)) {
              fail();
              break;
            }
            const tail = pattern + (code[pattern] as number);
            if (
              code[tail] === OP.SUCCESS &&
              ptr === state.end &&
              !(ctx.toplevel && state.mustAdvance && ptr === state.start)
            ) {
              state.ptr = ptr;
              succeed();
              break;
            }
            lastmarkSave();
            if (state.repeat !== undefined) markPush(ctx.lastmark);
            if (code[tail] === OP.LITERAL) {
              ctx.chr = code[tail + 1] as number;
              label = L_REPEAT_ONE_LIT_LOOP;
            } else label = L_REPEAT_ONE_GEN_LOOP;
            break;
          }

          case OP.MIN_REPEAT_ONE: {
            if ((code[pattern + 1] as number) > end - ptr) {
              fail();
              break;
            }
            state.ptr = ptr;
            if (code[pattern + 1] === 0) ctx.count = 0;
            else {
              ret = count(state, pattern + 3, code[pattern + 1] as number);
              if (ret < 0) return ret;
              if (ret < (code[pattern + 1] as number)) {
                fail();
                break;
              }
              ctx.count = ret;
              ptr += ctx.count;
            }
            const tail = pattern + (code[pattern] as number);
            if (
              code[tail] === OP.SUCCESS &&
              !(ctx.toplevel && ((state.matchAll && ptr !== state.end) || (state.mustAdvance && ptr === state.start)))
            ) {
              state.ptr = ptr;
              succeed();
              break;
            }
            lastmarkSave();
            if (state.repeat !== undefined) markPush(ctx.lastmark);
            label = L_MIN_REPEAT_ONE_LOOP;
            break;
          }

          case OP.POSSESSIVE_REPEAT_ONE: {
            if (ptr + (code[pattern + 1] as number) > end) {
              fail();
              break;
            }
            state.ptr = ptr;
            ret = count(state, pattern + 3, code[pattern + 2] as number);
            if (ret < 0) return ret;
            ctx.count = ret;
            ptr += ctx.count;
            if (ctx.count < (code[pattern + 1] as number)) {
              fail();
              break;
            }
            pattern += code[pattern] as number;
            if (
              code[pattern] === OP.SUCCESS &&
              ptr === state.end &&
              !(ctx.toplevel && state.mustAdvance && ptr === state.start)
            ) {
              state.ptr = ptr;
              succeed();
            }
            break;
          }

          case OP.REPEAT: {
            ctx.rep = { count: -1, pattern, lastPtr: -1, prev: state.repeat };
            state.repeat = ctx.rep;
            state.ptr = ptr;
            doJump(J.REPEAT, pattern + (code[pattern] as number), ctx.toplevel);
            break;
          }

          case OP.MAX_UNTIL: {
            ctx.rep = state.repeat;
            if (ctx.rep === undefined) return SRE_ERROR_STATE;
            state.ptr = ptr;
            ctx.count = ctx.rep.count + 1;
            const rp = ctx.rep.pattern;
            if (ctx.count < (code[rp + 1] as number)) {
              ctx.rep.count = ctx.count;
              doJump(J.MAX_UNTIL_1, rp + 3, ctx.toplevel);
              break;
            }
            if ((ctx.count < (code[rp + 2] as number) || code[rp + 2] === MAXREPEAT) && state.ptr !== ctx.rep.lastPtr) {
              ctx.rep.count = ctx.count;
              lastmarkSave();
              markPush(ctx.lastmark);
              data.push(ctx.rep.lastPtr);
              ctx.rep.lastPtr = state.ptr;
              doJump(J.MAX_UNTIL_2, rp + 3, ctx.toplevel);
              break;
            }
            state.repeat = ctx.rep.prev;
            doJump(J.MAX_UNTIL_3, pattern, ctx.toplevel);
            break;
          }

          case OP.MIN_UNTIL: {
            ctx.rep = state.repeat;
            if (ctx.rep === undefined) return SRE_ERROR_STATE;
            state.ptr = ptr;
            ctx.count = ctx.rep.count + 1;
            const rp = ctx.rep.pattern;
            if (ctx.count < (code[rp + 1] as number)) {
              ctx.rep.count = ctx.count;
              doJump(J.MIN_UNTIL_1, rp + 3, ctx.toplevel);
              break;
            }
            state.repeat = ctx.rep.prev;
            lastmarkSave();
            if (state.repeat !== undefined) markPush(ctx.lastmark);
            doJump(J.MIN_UNTIL_2, pattern, ctx.toplevel);
            break;
          }

          case OP.POSSESSIVE_REPEAT:
            state.ptr = ptr;
            ctx.count = 0;
            label = L_POSS_REPEAT_MIN_LOOP;
            break;

          case OP.ATOMIC_GROUP:
            state.ptr = ptr;
            doJump(J.ATOMIC_GROUP, pattern + 1, false);
            break;

          case OP.GROUPREF:
          case OP.GROUPREF_IGNORE:
          case OP.GROUPREF_UNI_IGNORE:
          case OP.GROUPREF_LOC_IGNORE: {
            const groupref = (code[pattern] as number) * 2;
            if (groupref >= state.lastmark) {
              fail();
              break;
            }
            let p = state.mark[groupref] ?? -1;
            const e = state.mark[groupref + 1] ?? -1;
            if (p < 0 || e < 0 || e < p) {
              fail();
              break;
            }
            const fold =
              op === OP.GROUPREF
                ? (c: number): number => c
                : op === OP.GROUPREF_IGNORE
                  ? lowerAscii
                  : op === OP.GROUPREF_UNI_IGNORE
                    ? lowerUnicode
                    : lowerLocale;
            let ok = true;
            while (p < e) {
              if (ptr >= end || fold(s[ptr] as number) !== fold(s[p] as number)) {
                ok = false;
                break;
              }
              p++;
              ptr++;
            }
            if (!ok) {
              fail();
              break;
            }
            pattern++;
            break;
          }

          case OP.GROUPREF_EXISTS: {
            const groupref = (code[pattern] as number) * 2;
            if (groupref >= state.lastmark) {
              pattern += code[pattern + 1] as number;
              break;
            }
            const p = state.mark[groupref] ?? -1;
            const e = state.mark[groupref + 1] ?? -1;
            if (p < 0 || e < 0 || e < p) {
              pattern += code[pattern + 1] as number;
              break;
            }
            pattern += 2;
            break;
          }

          case OP.ASSERT: {
            const back = code[pattern + 1] as number;
            if (ptr < back) {
              fail();
              break;
            }
            state.ptr = ptr - back;
            doJump(J.ASSERT, pattern + 2, false);
            break;
          }

          case OP.ASSERT_NOT: {
            const back = code[pattern + 1] as number;
            if (ptr >= back) {
              state.ptr = ptr - back;
              lastmarkSave();
              if (state.repeat !== undefined) markPush(ctx.lastmark);
              doJump(J.ASSERT_NOT, pattern + 2, false);
              break;
            }
            pattern += code[pattern] as number;
            break;
          }

          case OP.FAILURE:
            fail();
            break;

          default:
            state.illegal = op as number;
            return SRE_ERROR_ILLEGAL;
        }
        break;
      }

      // ---- loops that make DO_JUMPs

      case L_BRANCH_LOOP: {
        // for (; pattern[0]; pattern += pattern[0])
        let jumped = false;
        for (; code[pattern] !== 0; pattern += code[pattern] as number) {
          if (code[pattern + 1] === OP.LITERAL && (ptr >= end || s[ptr] !== code[pattern + 2])) continue;
          if (code[pattern + 1] === OP.IN && (ptr >= end || !charset(code, pattern + 3, s[ptr] as number))) continue;
          state.ptr = ptr;
          doJump(J.BRANCH, pattern + 1, ctx.toplevel);
          jumped = true;
          break;
        }
        if (jumped) break;
        if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
        fail();
        break;
      }

      case L_REPEAT_ONE_LIT_LOOP: {
        const min = code[pattern + 1] as number;
        while (ctx.count >= min && (ptr >= end || s[ptr] !== ctx.chr)) {
          ptr--;
          ctx.count--;
        }
        if (ctx.count < min) {
          if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
          fail();
          break;
        }
        state.ptr = ptr;
        doJump(J.REPEAT_ONE_1, pattern + (code[pattern] as number), ctx.toplevel);
        break;
      }

      case L_REPEAT_ONE_GEN_LOOP: {
        if (ctx.count >= (code[pattern + 1] as number)) {
          state.ptr = ptr;
          doJump(J.REPEAT_ONE_2, pattern + (code[pattern] as number), ctx.toplevel);
          break;
        }
        if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
        fail();
        break;
      }

      case L_MIN_REPEAT_ONE_LOOP: {
        const max = code[pattern + 2] as number;
        if (max === MAXREPEAT || ctx.count <= max) {
          state.ptr = ptr;
          doJump(J.MIN_REPEAT_ONE, pattern + (code[pattern] as number), ctx.toplevel);
          break;
        }
        if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
        fail();
        break;
      }

      case L_POSS_REPEAT_MIN_LOOP: {
        if (ctx.count < (code[pattern + 1] as number)) {
          doJump(J.POSS_REPEAT_1, pattern + 3, false);
          break;
        }
        ptr = -1;
        label = L_POSS_REPEAT_LOOP;
        break;
      }

      case L_POSS_REPEAT_LOOP: {
        const max = code[pattern + 2] as number;
        if ((ctx.count < max || max === MAXREPEAT) && state.ptr !== ptr) {
          lastmarkSave();
          markPush(ctx.lastmark);
          ptr = state.ptr;
          doJump(J.POSS_REPEAT_2, pattern + 3, false);
          break;
        }
        pattern += (code[pattern] as number) + 1;
        ptr = state.ptr;
        label = L_DISPATCH;
        break;
      }

      // ---- returns from DO_JUMP

      case L_EXIT: {
        const jump = ctx.jump;
        const parent = ctxStack.pop();
        if (parent === undefined) return ret;
        ctx = parent;
        pattern = ctx.pattern;
        ptr = ctx.ptr;
        switch (jump) {
          case J.BRANCH:
            if (ret) {
              if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
              if (ret < 0) return ret;
              succeed();
              break;
            }
            if (state.repeat !== undefined) markPop(ctx.lastmark, false, true);
            lastmarkRestore();
            pattern += code[pattern] as number;
            label = L_BRANCH_LOOP;
            break;

          case J.REPEAT_ONE_1:
          case J.REPEAT_ONE_2:
            if (ret) {
              if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
              if (ret < 0) return ret;
              succeed();
              break;
            }
            if (state.repeat !== undefined) markPop(ctx.lastmark, false, true);
            lastmarkRestore();
            ptr--;
            ctx.count--;
            label = jump === J.REPEAT_ONE_1 ? L_REPEAT_ONE_LIT_LOOP : L_REPEAT_ONE_GEN_LOOP;
            break;

          case J.MIN_REPEAT_ONE:
            if (ret) {
              if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
              if (ret < 0) return ret;
              succeed();
              break;
            }
            if (state.repeat !== undefined) markPop(ctx.lastmark, false, true);
            lastmarkRestore();
            state.ptr = ptr;
            ret = count(state, pattern + 3, 1);
            if (ret < 0) return ret;
            if (ret === 0) {
              if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
              fail();
              break;
            }
            ptr++;
            ctx.count++;
            label = L_MIN_REPEAT_ONE_LOOP;
            break;

          case J.REPEAT: {
            const rep = ctx.rep as Repeat;
            state.repeat = rep.prev;
            if (ret) {
              if (ret < 0) return ret;
              succeed();
            } else fail();
            break;
          }

          case J.MAX_UNTIL_1: {
            const rep = ctx.rep as Repeat;
            if (ret) {
              if (ret < 0) return ret;
              succeed();
              break;
            }
            rep.count = ctx.count - 1;
            state.ptr = ptr;
            fail();
            break;
          }

          case J.MAX_UNTIL_2: {
            const rep = ctx.rep as Repeat;
            rep.lastPtr = data.pop() as number;
            if (ret) {
              markPop(ctx.lastmark, true, false);
              if (ret < 0) return ret;
              succeed();
              break;
            }
            markPop(ctx.lastmark, true, true);
            lastmarkRestore();
            rep.count = ctx.count - 1;
            state.ptr = ptr;
            state.repeat = rep.prev;
            doJump(J.MAX_UNTIL_3, pattern, ctx.toplevel);
            break;
          }

          case J.MAX_UNTIL_3: {
            state.repeat = ctx.rep;
            if (ret) {
              if (ret < 0) return ret;
              succeed();
              break;
            }
            state.ptr = ptr;
            fail();
            break;
          }

          case J.MIN_UNTIL_1: {
            const rep = ctx.rep as Repeat;
            if (ret) {
              if (ret < 0) return ret;
              succeed();
              break;
            }
            rep.count = ctx.count - 1;
            state.ptr = ptr;
            fail();
            break;
          }

          case J.MIN_UNTIL_2: {
            const rep = ctx.rep as Repeat;
            const repeatOfTail = state.repeat;
            state.repeat = rep;
            if (ret) {
              if (repeatOfTail !== undefined) markPop(ctx.lastmark, true, false);
              if (ret < 0) return ret;
              succeed();
              break;
            }
            if (repeatOfTail !== undefined) markPop(ctx.lastmark, true, true);
            lastmarkRestore();
            state.ptr = ptr;
            const rp = rep.pattern;
            if ((ctx.count >= (code[rp + 2] as number) && code[rp + 2] !== MAXREPEAT) || state.ptr === rep.lastPtr) {
              fail();
              break;
            }
            rep.count = ctx.count;
            data.push(rep.lastPtr);
            rep.lastPtr = state.ptr;
            doJump(J.MIN_UNTIL_3, rp + 3, ctx.toplevel);
            break;
          }

          case J.MIN_UNTIL_3: {
            const rep = ctx.rep as Repeat;
            rep.lastPtr = data.pop() as number;
            if (ret) {
              if (ret < 0) return ret;
              succeed();
              break;
            }
            rep.count = ctx.count - 1;
            state.ptr = ptr;
            fail();
            break;
          }

          case J.POSS_REPEAT_1:
            if (ret) {
              if (ret < 0) return ret;
              ctx.count++;
              label = L_POSS_REPEAT_MIN_LOOP;
              break;
            }
            state.ptr = ptr;
            fail();
            break;

          case J.POSS_REPEAT_2:
            if (ret) {
              markPop(ctx.lastmark, true, false);
              if (ret < 0) return ret;
              ctx.count++;
              label = L_POSS_REPEAT_LOOP;
              break;
            }
            markPop(ctx.lastmark, true, true);
            lastmarkRestore();
            state.ptr = ptr;
            pattern += (code[pattern] as number) + 1;
            ptr = state.ptr;
            label = L_DISPATCH;
            break;

          case J.ATOMIC_GROUP:
            if (ret < 0) return ret;
            if (ret === 0) {
              state.ptr = ptr;
              fail();
              break;
            }
            pattern += code[pattern] as number;
            ptr = state.ptr;
            label = L_DISPATCH;
            break;

          case J.ASSERT:
            if (ret < 0) return ret;
            if (ret === 0) {
              fail();
              break;
            }
            pattern += code[pattern] as number;
            label = L_DISPATCH;
            break;

          case J.ASSERT_NOT:
            if (ret) {
              if (state.repeat !== undefined) markPop(ctx.lastmark, true, false);
              if (ret < 0) return ret;
              fail();
              break;
            }
            if (state.repeat !== undefined) markPop(ctx.lastmark, true, true);
            lastmarkRestore();
            pattern += code[pattern] as number;
            label = L_DISPATCH;
            break;

          default:
            return ret;
        }
        break;
      }

      default:
        return SRE_ERROR_ILLEGAL;
    }
  }
}

/** RESET_CAPTURE_GROUP. */
function resetCaptureGroup(state: SreState): void {
  state.lastmark = -1;
  state.lastindex = -1;
}

/** SRE(search). */
export function search(state: SreState): number {
  const code = state.code;
  const s = state.s;
  let ptr = state.start;
  let end = state.end;
  let status = 0;
  let prefixLen = 0;
  let prefixSkip = 0;
  let prefix = -1;
  let charsetAt = -1;
  let overlap = -1;
  let flags = 0;
  let pattern = 0;
  if (ptr > end) return 0;
  if (code[0] === OP.INFO) {
    flags = code[2] as number;
    const min = code[3] as number;
    if (min !== 0 && end - ptr >= 0 && end - ptr < min) return 0;
    if (min > 1) {
      end -= min - 1;
      if (end <= ptr) end = ptr;
    }
    if (flags & INFO_PREFIX) {
      prefixLen = code[5] as number;
      prefixSkip = code[6] as number;
      prefix = 7;
      overlap = prefix + prefixLen - 1;
    } else if (flags & INFO_CHARSET) charsetAt = 5;
    pattern = 1 + (code[1] as number);
  }

  if (prefixLen === 1) {
    const c = code[prefix] as number;
    end = state.end;
    state.mustAdvance = false;
    while (ptr < end) {
      while (s[ptr] !== c) {
        if (++ptr >= end) return 0;
      }
      state.start = ptr;
      state.ptr = ptr + prefixSkip;
      if (flags & INFO_LITERAL) return 1;
      status = match(state, pattern + 2 * prefixSkip, false);
      if (status !== 0) return status;
      ++ptr;
      resetCaptureGroup(state);
    }
    return 0;
  }

  if (prefixLen > 1) {
    end = state.end;
    if (prefixLen > end - ptr) return 0;
    while (ptr < end) {
      const c = code[prefix] as number;
      while (s[ptr++] !== c) {
        if (ptr >= end) return 0;
      }
      if (ptr >= end) return 0;
      let i = 1;
      state.mustAdvance = false;
      do {
        if (s[ptr] === code[prefix + i]) {
          if (++i !== prefixLen) {
            if (++ptr >= end) return 0;
            continue;
          }
          state.start = ptr - (prefixLen - 1);
          state.ptr = ptr - (prefixLen - prefixSkip - 1);
          if (flags & INFO_LITERAL) return 1;
          status = match(state, pattern + 2 * prefixSkip, false);
          if (status !== 0) return status;
          if (++ptr >= end) return 0;
          resetCaptureGroup(state);
        }
        i = code[overlap + i] as number;
      } while (i !== 0);
    }
    return 0;
  }

  if (charsetAt >= 0) {
    end = state.end;
    state.mustAdvance = false;
    for (;;) {
      while (ptr < end && !charset(code, charsetAt, s[ptr] as number)) ptr++;
      if (ptr >= end) return 0;
      state.start = ptr;
      state.ptr = ptr;
      status = match(state, pattern, false);
      if (status !== 0) break;
      ptr++;
      resetCaptureGroup(state);
    }
  } else {
    state.start = state.ptr = ptr;
    status = match(state, pattern, true);
    state.mustAdvance = false;
    if (
      status === 0 &&
      code[pattern] === OP.AT &&
      (code[pattern + 1] === AT.BEGINNING || code[pattern + 1] === AT.BEGINNING_STRING)
    ) {
      state.start = state.ptr = ptr = end;
      return 0;
    }
    while (status === 0 && ptr < end) {
      ptr++;
      resetCaptureGroup(state);
      state.start = state.ptr = ptr;
      status = match(state, pattern, false);
    }
  }
  return status;
}
