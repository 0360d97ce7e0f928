/*
 * printf-style formatting: `str % args` and `bytes % args`
 * =========================================================
 * The `%` operator of str and bytes, as CPython 3.11's PyUnicode_Format and
 * _PyBytes_FormatEx do it: each `%[(key)][flags][width][.precision][length]type`
 * takes the next argument (or the mapping's item under `key`), converts it, and pads
 * it; the arguments are a tuple, a single object, or a mapping; every misuse raises
 * the TypeError or ValueError CPython raises, with its message.
 *
 * Source: Objects/unicodeobject.c (PyUnicode_Format, unicode_format_arg,
 * unicode_format_arg_parse, unicode_format_arg_format, unicode_format_arg_output,
 * unicode_format_getnextarg, mainformatlong, _PyUnicode_FormatLong, formatfloat,
 * formatchar); Objects/bytesobject.c (_PyBytes_FormatEx, formatlong, byte_converter,
 * format_obj).
 *
 * Read first: `percentFormat`, then `formatOne`.
 *
 * Vocabulary:
 *   arglen, argidx  a tuple gives arglen = its size and argidx 0; any other object is
 *                   one argument: arglen -1, argidx -2 (the first fetch gives it).
 *   dict            the arguments when they are a mapping (not a tuple or str; for bytes,
 *                   not bytes): `%(key)s` needs it; leftover arguments are then not an error.
 *   flags           '-' left-justify, '+' sign, ' ' blank for the sign, '#' alternate
 *                   form (0x, 0o, a kept '.'), '0' zero padding (numbers only).
 *   sign            set for the numeric conversions: the sign (or '+' / ' ') goes before
 *                   the zero padding, the other padding before the sign.
 *
 * '%%' is literal only right after the '%': with flags or a width, '%' is an
 * unsupported character (after an argument has been taken). bytes has `%b` (= `%s`,
 * bytes-like objects only), `%c` of range(256), `%r` = `%a`, and its own message when
 * a float conversion fails.
 *
 * Worked example: '%-+6.2f|' % 3.14159 -> flags LJUST|SIGN, width 6, precision 2 ->
 * "3.14" -> sign '+' -> "+3.14 " (padded right with spaces) -> "+3.14 |".
 *
 * The host (the evaluator) supplies what needs the object model: str()/repr() of an
 * argument, its number value, tuple items, mapping lookup (`PrintfHost`).
 */
import { PyError } from './pyError.js';
import { doubleToString, floatToInt, intToFloat } from './floatOps.js';

/** What an argument is, as the number conversions see it. */
export type PrintfNumber =
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  /** A number that is neither (complex): PyNumber_Check is true, int() and float() fail. */
  | { readonly kind: 'other' };

export interface PrintfHost<V> {
  /** The items when `v` is a tuple (PyTuple_Check), else undefined. */
  tupleItems(v: V): readonly V[] | undefined;
  /** PyMapping_Check(v): it has `__getitem__` (dict, list, str, bytes, instances ...). */
  isMapping(v: V): boolean;
  isStr(v: V): boolean;
  isBytes(v: V): boolean;
  /** PyObject_GetItem(mapping, key): the key is a str, or for bytes formatting a bytes (`key` its latin-1 text). */
  getItem(mapping: V, key: string, bytesKey: boolean): V;
  /** The value when `v` is an int (PyLong_Check: bool and int subclasses too), else undefined. */
  longValue(v: V): bigint | undefined;
  str(v: V): string;
  repr(v: V): string;
  ascii(v: V): string;
  /** The number behind `v` (int, bool, float, __index__/__float__ ...), or undefined (PyNumber_Check false). */
  number(v: V): PrintfNumber | undefined;
  /** The text when `v` is a str, else undefined (for %c). */
  strValue(v: V): string | undefined;
  /** bytes formatting's %s/%b: the bytes of `v` (latin-1 text), or undefined when it has none. */
  bytesValue?(v: V): string | undefined;
  typeName(v: V): string;
}

const F_LJUST = 1;
const F_SIGN = 2;
const F_BLANK = 4;
const F_ALT = 8;
const F_ZERO = 16;
const PY_SSIZE_T_MAX = 2n ** 63n - 1n;
const INT_MAX = 2 ** 31 - 1;
const MAX_UNICODE = 0x10ffff;

/** One conversion being processed (unicode_format_arg_t). */
interface Arg {
  ch: string;
  flags: number;
  width: number;
  prec: number;
  sign: boolean;
}

/**
 * `fmt % args` for a str (`bytes` false) or a bytes object (`bytes` true: `fmt` and the
 * result are latin-1 text, one character per byte).
 */
export function percentFormat<V>(host: PrintfHost<V>, fmt: string, args: V, bytes = false): string {
  const chars = bytes ? fmt.split('') : [...fmt];
  const items = host.tupleItems(args);
  let arglen: number;
  let argidx: number;
  if (items !== undefined) {
    arglen = items.length;
    argidx = 0;
  } else {
    arglen = -1;
    argidx = -2;
  }
  const isDict = host.isMapping(args) && items === undefined && !(bytes ? host.isBytes(args) : host.isStr(args));
  const dict = isDict ? args : undefined;
  let current: V = args;
  let currentItems = items;
  const nextArg = (): V => {
    if (argidx < arglen) {
      const i = argidx;
      argidx += 1;
      if (arglen < 0) return current;
      return (currentItems as readonly V[])[i] as V;
    }
    throw new PyError('TypeError', 'not enough arguments for format string');
  };
  const what = bytes ? 'bytes' : 'string';
  let out = '';
  let pos = 0;
  const n = chars.length;
  while (pos < n) {
    const c = chars[pos] as string;
    if (c !== '%') {
      // A run of literal text.
      let end = pos + 1;
      while (end < n && chars[end] !== '%') end++;
      out += chars.slice(pos, end).join('');
      pos = end;
      continue;
    }
    pos += 1; // past the '%'
    if (chars[pos] === '%') {
      out += '%';
      pos += 1;
      continue;
    }
    // fmtcnt: the characters left after the one at pos - 1.
    let fmtcnt = n - pos;
    const arg: Arg = { ch: '', flags: 0, width: -1, prec: -1, sign: false };
    const read = (): string => chars[pos++] as string;
    // Mapping key: %(name)s, parentheses balanced.
    if (fmtcnt > 0 && chars[pos] === '(') {
      if (dict === undefined) throw new PyError('TypeError', 'format requires a mapping');
      pos += 1;
      fmtcnt -= 1;
      const keystart = pos;
      let pcount = 1;
      while (pcount > 0 && --fmtcnt >= 0) {
        const ch = read();
        if (ch === ')') pcount -= 1;
        else if (ch === '(') pcount += 1;
      }
      if (fmtcnt < 0 || pcount > 0) throw new PyError('ValueError', 'incomplete format key');
      const key = chars.slice(keystart, pos - 1).join('');
      current = host.getItem(dict, key, bytes);
      currentItems = undefined;
      arglen = -1;
      argidx = -2;
    }
    // Flags.
    while (--fmtcnt >= 0) {
      arg.ch = read();
      const f =
        arg.ch === '-'
          ? F_LJUST
          : arg.ch === '+'
            ? F_SIGN
            : arg.ch === ' '
              ? F_BLANK
              : arg.ch === '#'
                ? F_ALT
                : arg.ch === '0'
                  ? F_ZERO
                  : 0;
      if (f === 0) break;
      arg.flags |= f;
    }
    // Width.
    if (arg.ch === '*') {
      const w = host.longValue(nextArg());
      if (w === undefined) throw new PyError('TypeError', '* wants int');
      if (w > PY_SSIZE_T_MAX || w < -PY_SSIZE_T_MAX - 1n)
        throw new PyError('OverflowError', 'Python int too large to convert to C ssize_t');
      arg.width = Number(w);
      if (arg.width < 0) {
        arg.flags |= F_LJUST;
        arg.width = -arg.width;
      }
      if (--fmtcnt >= 0) arg.ch = read();
    } else if (arg.ch >= '0' && arg.ch <= '9') {
      let w = BigInt(arg.ch.charCodeAt(0) - 48);
      while (--fmtcnt >= 0) {
        arg.ch = read();
        if (arg.ch < '0' || arg.ch > '9') break;
        w = w * 10n + BigInt(arg.ch.charCodeAt(0) - 48);
        if (w > PY_SSIZE_T_MAX) throw new PyError('ValueError', 'width too big');
      }
      arg.width = Number(w);
    }
    // Precision.
    if (arg.ch === '.') {
      arg.prec = 0;
      if (--fmtcnt >= 0) arg.ch = read();
      if (arg.ch === '*') {
        const p = host.longValue(nextArg());
        if (p === undefined) throw new PyError('TypeError', '* wants int');
        if (p > BigInt(INT_MAX) || p < -BigInt(INT_MAX) - 1n)
          throw new PyError('OverflowError', 'Python int too large to convert to C int');
        arg.prec = Math.max(0, Number(p));
        if (--fmtcnt >= 0) arg.ch = read();
      } else if (arg.ch >= '0' && arg.ch <= '9') {
        let p = arg.ch.charCodeAt(0) - 48;
        while (--fmtcnt >= 0) {
          arg.ch = read();
          if (arg.ch < '0' || arg.ch > '9') break;
          const d = arg.ch.charCodeAt(0) - 48;
          if (p > (INT_MAX - d) / 10) throw new PyError('ValueError', 'precision too big');
          p = p * 10 + d;
        }
        arg.prec = p;
      }
    }
    // Length modifiers h, l and L are ignored.
    if (fmtcnt >= 0 && (arg.ch === 'h' || arg.ch === 'l' || arg.ch === 'L')) {
      if (--fmtcnt >= 0) arg.ch = read();
    }
    if (fmtcnt < 0) throw new PyError('ValueError', 'incomplete format');
    // The argument first (taken even for a conversion character that then fails).
    const v = nextArg();
    out += formatOne(host, arg, v, bytes, pos - 1);
    if (dict !== undefined && argidx < arglen)
      throw new PyError('TypeError', `not all arguments converted during ${what} formatting`);
  }
  if (argidx < arglen && dict === undefined)
    throw new PyError('TypeError', `not all arguments converted during ${what} formatting`);
  return out;
}

/** unicode_format_arg_format + unicode_format_arg_output (and their bytes twins) for one conversion. */
function formatOne<V>(host: PrintfHost<V>, arg: Arg, v: V, bytes: boolean, index: number): string {
  let text: string;
  switch (arg.ch) {
    case 's':
    case 'r':
    case 'a':
    case 'b': {
      const x = v;
      if (arg.ch === 'b' && !bytes) throw unsupported(arg.ch, index);
      if (bytes && (arg.ch === 's' || arg.ch === 'b')) {
        const b = host.bytesValue?.(x);
        if (b === undefined)
          throw new PyError(
            'TypeError',
            `%b requires a bytes-like object, or an object that implements __bytes__, not '${host.typeName(x)}'`,
          );
        text = b;
      } else if (bytes) text = host.ascii(x);
      else text = arg.ch === 's' ? host.str(x) : arg.ch === 'r' ? host.repr(x) : host.ascii(x);
      break;
    }
    case 'i':
    case 'd':
    case 'u':
    case 'o':
    case 'x':
    case 'X':
      text = formatLong(host, v, arg);
      arg.sign = true;
      break;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G': {
      const x = v;
      // PyFloat_AsDouble; bytes formatting turns any of its errors into one TypeError.
      let d: number;
      try {
        const num = host.number(x);
        if (num?.kind === 'float') d = num.value;
        else if (num?.kind === 'int') d = intToFloat(num.value);
        else throw new PyError('TypeError', `must be real number, not ${host.typeName(x)}`);
      } catch (e) {
        if (bytes && e instanceof PyError)
          throw new PyError('TypeError', `float argument required, not ${host.typeName(x)}`);
        throw e;
      }
      text = doubleToString(d, arg.ch, arg.prec < 0 ? 6 : arg.prec, (arg.flags & F_ALT) !== 0 ? { alt: true } : {});
      arg.sign = true;
      break;
    }
    case 'c':
      text = bytes ? byteChar(host, v) : unicodeChar(host, v);
      break;
    default:
      throw unsupported(arg.ch, index);
  }
  return output(arg, text, bytes);
}

function unsupported(ch: string, index: number): PyError {
  const code = ch.codePointAt(0) ?? 0;
  const shown = code >= 31 && code <= 126 ? ch : '?';
  return new PyError(
    'ValueError',
    `unsupported format character '${shown}' (0x${code.toString(16)}) at index ${index}`,
  );
}

/** mainformatlong + _PyUnicode_FormatLong: the digits of an int conversion (sign and base prefix included). */
function formatLong<V>(host: PrintfHost<V>, v: V, arg: Arg): string {
  const type = arg.ch;
  const num = host.number(v);
  const integral = type === 'o' || type === 'x' || type === 'X';
  const wrongType = (): PyError =>
    new PyError(
      'TypeError',
      integral
        ? `%${type} format: an integer is required, not ${host.typeName(v)}`
        : `%${type} format: a real number is required, not ${host.typeName(v)}`,
    );
  let value: bigint;
  if (num === undefined) throw wrongType();
  if (num.kind === 'int') value = num.value;
  else if (integral || num.kind === 'other') throw wrongType();
  else value = floatToInt(num.value);
  const alt = (arg.flags & F_ALT) !== 0;
  const prec = arg.prec;
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const base = type === 'o' ? 8 : integral ? 16 : 10;
  let digits = abs.toString(base);
  if (prec > digits.length) digits = '0'.repeat(prec - digits.length) + digits;
  const prefix = alt && base !== 10 ? (base === 8 ? '0o' : '0x') : '';
  let text = (negative ? '-' : '') + prefix + digits;
  if (type === 'X') text = text.toUpperCase();
  return text;
}

/** formatchar: %c of a str of one character or an int code point. */
function unicodeChar<V>(host: PrintfHost<V>, v: V): string {
  const s = host.strValue(v);
  if (s !== undefined) {
    if ([...s].length === 1) return s;
    throw new PyError('TypeError', '%c requires int or char');
  }
  const num = host.number(v);
  if (num?.kind !== 'int') throw new PyError('TypeError', '%c requires int or char');
  if (num.value < 0n || num.value > BigInt(MAX_UNICODE))
    throw new PyError('OverflowError', '%c arg not in range(0x110000)');
  return String.fromCodePoint(Number(num.value));
}

/** byte_converter: %c of bytes formatting: one byte, or an int in range(256). */
function byteChar<V>(host: PrintfHost<V>, v: V): string {
  if (host.isBytes(v)) {
    const b = host.bytesValue?.(v) ?? '';
    if (b.length === 1) return b;
  }
  const num = host.isBytes(v) ? undefined : host.number(v);
  if (num?.kind !== 'int') throw new PyError('TypeError', '%c requires an integer in range(256) or a single byte');
  if (num.value < 0n || num.value > 255n) throw new PyError('OverflowError', '%c arg not in range(256)');
  return String.fromCharCode(Number(num.value));
}

/** unicode_format_arg_output: precision truncation for s/r/a, sign, '0x' prefix, padding. */
function output(arg: Arg, str: string, bytes: boolean): string {
  const chars = bytes ? str.split('') : [...str];
  let len = chars.length;
  const fill = arg.sign && (arg.flags & F_ZERO) !== 0 ? '0' : ' ';
  if (
    (arg.width === -1 || arg.width <= len) &&
    (arg.prec === -1 || arg.prec >= len) &&
    (arg.flags & (F_SIGN | F_BLANK)) === 0
  )
    return str;
  if (arg.ch === 's' || arg.ch === 'r' || arg.ch === 'a' || arg.ch === 'b') {
    if (arg.prec >= 0 && len > arg.prec) len = arg.prec;
  }
  let pindex = 0;
  let signchar = '';
  let hasSign = arg.sign;
  if (hasSign) {
    const ch = chars[0];
    if (ch === '-' || ch === '+') {
      signchar = ch;
      len -= 1;
      pindex += 1;
    } else if ((arg.flags & F_SIGN) !== 0) signchar = '+';
    else if ((arg.flags & F_BLANK) !== 0) signchar = ' ';
    else hasSign = false;
  }
  let width = Math.max(arg.width, len);
  let out = '';
  if (hasSign) {
    if (fill !== ' ') out += signchar;
    if (width > len) width -= 1;
  }
  const altPrefix = (arg.flags & F_ALT) !== 0 && (arg.ch === 'x' || arg.ch === 'X' || arg.ch === 'o');
  if (altPrefix) {
    if (fill !== ' ') {
      out += chars[pindex] ?? '';
      out += chars[pindex + 1] ?? '';
      pindex += 2;
    }
    width = Math.max(0, width - 2);
    len -= 2;
  }
  if (width > len && (arg.flags & F_LJUST) === 0) {
    out += fill.repeat(width - len);
    width = len;
  }
  if (fill === ' ') {
    if (hasSign) out += signchar;
    if (altPrefix) {
      out += (chars[pindex] ?? '') + (chars[pindex + 1] ?? '');
      pindex += 2;
    }
  }
  out += chars.slice(pindex, pindex + len).join('');
  if (width > len) out += ' '.repeat(width - len);
  return out;
}
