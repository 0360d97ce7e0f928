/*
 * The format-spec mini-language
 * =============================
 * `format(value, spec)` for int, float, complex and str, as CPython 3.11's
 * `__format__` methods do it: the spec is parsed into fill, align, sign, 'z', '#',
 * '0', width, grouping, precision and type; the value is rendered (digits by
 * floatOps.doubleToString for floats); then sign, prefix, grouped digits, decimal
 * part and padding are laid out. Every invalid combination raises the ValueError
 * CPython raises, with its message.
 *
 * Source: Python/formatter_unicode.c (parse_internal_render_format_spec,
 * calc_number_widths, fill_number, format_string_internal, format_long_internal,
 * format_float_internal, format_complex_internal, _Py*_FormatAdvancedWriter),
 * Objects/stringlib/localeutil.h (_PyUnicode_InsertThousandsGrouping).
 *
 * Read first: `parseSpec`, then `layoutNumber` (one number's field).
 *
 * Picture: a number's field, left to right (only one padding is ever non-empty):
 *
 *   | lpadding | sign | prefix | spadding | grouped digits | decimal | remainder | rpadding |
 *                       0x                  1,234            .        5e+07 or %
 *
 * Vocabulary:
 *   align        '<' '>' '^' '=' ('=' pads between the sign/prefix and the digits);
 *                the default is '>' for numbers and '<' for str.
 *   '0'          without an explicit fill: fill '0' and (without an explicit align) '=';
 *                with '=' the zeros are grouped like digits ('0=12,' -> 0,000,012,345).
 *   grouping     ',' every 3 digits; '_' every 3 (d e f g %) or every 4 (b o x X).
 *   'n'          the current locale's grouping: CPython runs in the C locale, so none.
 *
 * The host supplies only the number or the text: `formatInt(v, spec)`, `formatFloat`,
 * `formatComplex`, `formatStr`. An empty spec means str(value); the caller handles it
 * (formatInt('') is the decimal text of the int, as for an exact int).
 */
import { PyError } from './pyError.js';
import { doubleToString, intToFloat, type DtsFlags } from './floatOps.js';

/** LT_* of formatter_unicode.c: how digits are grouped. */
type Grouping = 'none' | 'comma' | 'underscore' | 'underFour' | 'locale';

export interface FormatSpec {
  readonly fill: string;
  readonly align: string;
  readonly alternate: boolean;
  /** '+', ' ', '-', or '' (not given). */
  readonly sign: string;
  /** 'z': coerce negative zero. */
  readonly noNeg0: boolean;
  /** -1: not given. */
  readonly width: number;
  readonly grouping: Grouping;
  /** -1: not given. */
  readonly precision: number;
  /** '' when not given and the type has no default. */
  readonly type: string;
}

const PY_SSIZE_T_MAX = 2 ** 63 - 1;
const INT_MAX = 2 ** 31 - 1;

/** `'%c'` or `'\x%x'` as CPython names a format code in its messages. */
function codeName(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  return cp > 32 && cp < 128 ? c : `\\x${cp.toString(16)}`;
}

/** unknown_presentation_type. */
function unknownCode(type: string, typeName: string): PyError {
  return new PyError('ValueError', `Unknown format code '${codeName(type)}' for object of type '${typeName}'`);
}

/** get_integer: decimal digits at `pos` (Unicode decimal digits count, as Py_UNICODE_TODECIMAL). */
function getInteger(chars: readonly string[], pos: number): { value: number; next: number; count: number } {
  let acc = 0;
  let i = pos;
  for (; i < chars.length; i++) {
    const d = decimalValue(chars[i] as string);
    if (d < 0) break;
    if (acc > (PY_SSIZE_T_MAX - d) / 10) throw new PyError('ValueError', 'Too many decimal digits in format string');
    acc = acc * 10 + d;
  }
  return { value: acc, next: i, count: i - pos };
}

/** The value of a Unicode decimal digit (category Nd), or -1. */
function decimalValue(ch: string): number {
  const c = ch.codePointAt(0) ?? 0;
  if (c >= 48 && c <= 57) return c - 48;
  if (c < 128 || !/\p{Nd}/u.test(ch)) return -1;
  // Decimal digits come in blocks of whole runs of ten (0 to 9).
  let start = c;
  while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  return (c - start) % 10;
}

/** invalid_thousands_separator_type. */
function invalidSeparator(grouping: Grouping, type: string): PyError {
  const sep = grouping === 'comma' ? ',' : '_';
  return new PyError('ValueError', `Cannot specify '${sep}' with '${codeName(type)}'.`);
}

const isAlign = (c: string | undefined): boolean => c === '<' || c === '>' || c === '=' || c === '^';

/**
 * parse_internal_render_format_spec: the spec's fields, with the defaults of the
 * type being formatted (`defaultType`, `defaultAlign`), or the ValueError.
 */
export function parseSpec(spec: string, defaultType: string, defaultAlign: string, typeName: string): FormatSpec {
  const chars = [...spec];
  const end = chars.length;
  let pos = 0;
  let fill = ' ';
  let align = defaultAlign;
  let alignGiven = false;
  let fillGiven = false;
  if (end - pos >= 2 && isAlign(chars[pos + 1])) {
    align = chars[pos + 1] as string;
    fill = chars[pos] as string;
    fillGiven = true;
    alignGiven = true;
    pos += 2;
  } else if (end - pos >= 1 && isAlign(chars[pos])) {
    align = chars[pos] as string;
    alignGiven = true;
    pos += 1;
  }
  let sign = '';
  if (end - pos >= 1 && (chars[pos] === ' ' || chars[pos] === '+' || chars[pos] === '-')) {
    sign = chars[pos] as string;
    pos += 1;
  }
  let noNeg0 = false;
  if (end - pos >= 1 && chars[pos] === 'z') {
    noNeg0 = true;
    pos += 1;
  }
  let alternate = false;
  if (end - pos >= 1 && chars[pos] === '#') {
    alternate = true;
    pos += 1;
  }
  if (!fillGiven && end - pos >= 1 && chars[pos] === '0') {
    // Zero padding: numbers (default align '>') pad between sign and digits.
    fill = '0';
    if (!alignGiven && defaultAlign === '>') align = '=';
    pos += 1;
  }
  const w = getInteger(chars, pos);
  pos = w.next;
  const width = w.count === 0 ? -1 : w.value;
  let grouping: Grouping = 'none';
  if (end - pos >= 1 && chars[pos] === ',') {
    grouping = 'comma';
    pos += 1;
  }
  if (end - pos >= 1 && chars[pos] === '_') {
    if (grouping !== 'none') throw new PyError('ValueError', "Cannot specify both ',' and '_'.");
    grouping = 'underscore';
    pos += 1;
  }
  if (end - pos >= 1 && chars[pos] === ',' && grouping === 'underscore')
    throw new PyError('ValueError', "Cannot specify both ',' and '_'.");
  let precision = -1;
  if (end - pos >= 1 && chars[pos] === '.') {
    pos += 1;
    const p = getInteger(chars, pos);
    pos = p.next;
    if (p.count === 0) throw new PyError('ValueError', 'Format specifier missing precision');
    precision = p.value;
  }
  if (end - pos > 1)
    throw new PyError('ValueError', `Invalid format specifier '${spec}' for object of type '${typeName}'`);
  let type = defaultType;
  if (end - pos === 1) type = chars[pos] as string;
  if (grouping !== 'none') {
    switch (type) {
      case 'd':
      case 'e':
      case 'f':
      case 'g':
      case 'E':
      case 'G':
      case '%':
      case 'F':
      case '':
        break;
      case 'b':
      case 'o':
      case 'x':
      case 'X':
        // Underscores every four digits in binary, octal and hex (PEP 515).
        if (grouping === 'underscore') {
          grouping = 'underFour';
          break;
        }
        throw invalidSeparator(grouping, type);
      default:
        throw invalidSeparator(grouping, type);
    }
  }
  return { fill, align, alternate, sign, noNeg0, width, grouping, precision, type };
}

// ---------------------------------------------------------------------------------
// Laying out a number.

/** get_locale_info: the separator and group size ('n' uses the C locale: no grouping). */
function localeOf(g: Grouping): { sep: string; group: number } {
  switch (g) {
    case 'comma':
      return { sep: ',', group: 3 };
    case 'underscore':
      return { sep: '_', group: 3 };
    case 'underFour':
      return { sep: '_', group: 4 };
    case 'none':
    case 'locale':
      return { sep: '', group: 0 };
  }
}

/**
 * _PyUnicode_InsertThousandsGrouping: the digits with separators, padded with zeros
 * (grouped too) up to `minWidth` characters.
 */
function groupDigits(digits: string, minWidth: number, sep: string, group: number): string {
  let min = Math.max(0, minWidth);
  let remaining = digits.length;
  const parts: string[] = [];
  let end = digits.length;
  const take = (len: number): void => {
    const nZeros = Math.max(0, len - remaining);
    const nChars = Math.max(0, Math.min(remaining, len));
    parts.push('0'.repeat(nZeros) + digits.slice(end - nChars, end));
    end -= nChars;
    remaining -= nChars;
  };
  if (group > 0) {
    for (;;) {
      const len = Math.min(group, Math.max(remaining, min, 1));
      take(len);
      min -= len;
      if (remaining <= 0 && min <= 0) return parts.reverse().join(sep);
      min -= sep.length;
    }
  }
  take(Math.max(remaining, min, 1));
  return parts.reverse().join(sep);
}

/**
 * calc_number_widths + fill_number: `digits` is the integer part (no sign), `rest`
 * the decimal point and what follows (exponent, '%'), `prefix` e.g. "0x".
 */
function layoutNumber(
  spec: FormatSpec,
  negative: boolean,
  prefix: string,
  digits: string,
  rest: string,
  upper = false,
): string {
  let signText = '';
  if (spec.sign === '+') signText = negative ? '-' : '+';
  else if (spec.sign === ' ') signText = negative ? '-' : ' ';
  else if (negative) signText = '-';
  const { sep, group } = localeOf(spec.grouping);
  const nonDigits = signText.length + prefix.length + rest.length;
  const minWidth = spec.fill === '0' && spec.align === '=' ? spec.width - nonDigits : 0;
  // 'c' and inf/nan have no digits: nothing is grouped or zero-padded.
  let grouped = digits.length === 0 ? '' : groupDigits(digits, minWidth, sep, group);
  let pre = prefix;
  if (upper) {
    pre = pre.toUpperCase();
    grouped = grouped.toUpperCase();
  }
  const padding = spec.width - (nonDigits + [...grouped].length);
  let left = '';
  let middle = '';
  let right = '';
  if (padding > 0) {
    switch (spec.align) {
      case '<':
        right = spec.fill.repeat(padding);
        break;
      case '^':
        left = spec.fill.repeat(Math.floor(padding / 2));
        right = spec.fill.repeat(padding - Math.floor(padding / 2));
        break;
      case '=':
        middle = spec.fill.repeat(padding);
        break;
      default:
        left = spec.fill.repeat(padding);
    }
  }
  return left + signText + pre + middle + grouped + rest + right;
}

/** calc_padding + fill_padding for a text of `n` characters. */
function pad(text: string, n: number, width: number, align: string, fill: string): string {
  const total = width >= 0 && width > n ? width : n;
  const gap = total - n;
  const left = align === '>' ? gap : align === '^' ? Math.floor(gap / 2) : 0;
  return fill.repeat(left) + text + fill.repeat(gap - left);
}

// ---------------------------------------------------------------------------------
// The types.

/** `format(s, spec)` for a str (format_string_internal). */
export function formatStr(s: string, specText: string, typeName = 'str'): string {
  if (specText === '') return s;
  const spec = parseSpec(specText, 's', '<', typeName);
  if (spec.type !== 's') throw unknownCode(spec.type, typeName);
  if (spec.sign !== '') {
    throw new PyError(
      'ValueError',
      spec.sign === ' '
        ? 'Space not allowed in string format specifier'
        : 'Sign not allowed in string format specifier',
    );
  }
  if (spec.noNeg0) throw new PyError('ValueError', 'Negative zero coercion (z) not allowed in string format specifier');
  if (spec.alternate) throw new PyError('ValueError', 'Alternate form (#) not allowed in string format specifier');
  if (spec.align === '=') throw new PyError('ValueError', "'=' alignment not allowed in string format specifier");
  const chars = [...s];
  let len = chars.length;
  if ((spec.width === -1 || spec.width <= len) && (spec.precision === -1 || spec.precision >= len)) return s;
  if (spec.precision >= 0 && len >= spec.precision) len = spec.precision;
  return pad(chars.slice(0, len).join(''), len, spec.width, spec.align, spec.fill);
}

/** `format(v, spec)` for an int (_PyLong_FormatAdvancedWriter); `typeName` for bool and subclasses. */
export function formatInt(v: bigint, specText: string, typeName = 'int'): string {
  if (specText === '') return v.toString();
  const spec = parseSpec(specText, 'd', '>', typeName);
  switch (spec.type) {
    case 'b':
    case 'c':
    case 'd':
    case 'o':
    case 'x':
    case 'X':
    case 'n':
      return formatLongInternal(v, spec);
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case '%':
      return formatFloatInternal(intToFloat(v), spec);
    default:
      throw unknownCode(spec.type, typeName);
  }
}

/** format_long_internal. */
function formatLongInternal(v: bigint, spec: FormatSpec): string {
  if (spec.precision !== -1) throw new PyError('ValueError', 'Precision not allowed in integer format specifier');
  if (spec.noNeg0)
    throw new PyError('ValueError', 'Negative zero coercion (z) not allowed in integer format specifier');
  if (spec.type === 'c') {
    if (spec.sign !== '') throw new PyError('ValueError', "Sign not allowed with integer format specifier 'c'");
    if (spec.alternate)
      throw new PyError('ValueError', "Alternate form (#) not allowed with integer format specifier 'c'");
    if (v > 2n ** 63n - 1n || v < -(2n ** 63n))
      throw new PyError('OverflowError', 'Python int too large to convert to C long');
    if (v < 0n || v > 0x10ffffn) throw new PyError('OverflowError', '%c arg not in range(0x110000)');
    // The character is "remainder": copied, never grouped or zero-padded.
    return layoutNumber(spec, false, '', '', String.fromCodePoint(Number(v)));
  }
  const base = spec.type === 'b' ? 2 : spec.type === 'o' ? 8 : spec.type === 'x' || spec.type === 'X' ? 16 : 10;
  const prefix = spec.alternate && base !== 10 ? (base === 2 ? '0b' : base === 8 ? '0o' : '0x') : '';
  const negative = v < 0n;
  const digits = (negative ? -v : v).toString(base);
  return layoutNumber(spec, negative, prefix, digits, '', spec.type === 'X');
}

/** `format(x, spec)` for a float (_PyFloat_FormatAdvancedWriter); '' is repr. */
export function formatFloat(x: number, specText: string, typeName = 'float'): string {
  if (specText === '') return doubleToString(x, 'r', 0, { addDot0: true });
  const spec = parseSpec(specText, '', '>', typeName);
  switch (spec.type) {
    case '':
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 'n':
    case '%':
      return formatFloatInternal(x, spec);
    default:
      throw unknownCode(spec.type, typeName);
  }
}

/** Split the text of a number into sign, integer digits and the rest (parse_number). */
function splitNumber(text: string): { negative: boolean; digits: string; rest: string } {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  let i = 0;
  while (i < body.length && body.charCodeAt(i) >= 48 && body.charCodeAt(i) <= 57) i++;
  return { negative, digits: body.slice(0, i), rest: body.slice(i) };
}

/** format_float_internal. */
function formatFloatInternal(value: number, spec: FormatSpec): string {
  if (spec.precision > INT_MAX) throw new PyError('ValueError', 'precision too big');
  let precision = spec.precision;
  let defaultPrecision = 6;
  let type = spec.type;
  const flags: { -readonly [K in keyof DtsFlags]: DtsFlags[K] } = {};
  if (spec.alternate) flags.alt = true;
  if (spec.noNeg0) flags.noNeg0 = true;
  if (type === '') {
    // Like repr without a precision; with one, like 'g' but with at least one digit after the point.
    flags.addDot0 = true;
    type = 'r';
    defaultPrecision = 0;
  }
  if (type === 'n') type = 'g';
  let val = value;
  let pct = false;
  if (type === '%') {
    type = 'f';
    val *= 100;
    pct = true;
  }
  if (precision < 0) precision = defaultPrecision;
  else if (type === 'r') type = 'g';
  const text = doubleToString(val, type, precision, flags) + (pct ? '%' : '');
  const { negative, digits, rest } = splitNumber(text);
  return layoutNumber(spec, negative, '', digits, rest);
}

/** `format(complex(re, im), spec)` (format_complex_internal); '' is str(). */
export function formatComplex(re: number, im: number, specText: string, typeName = 'complex'): string {
  if (specText === '') return complexRepr(re, im);
  const spec = parseSpec(specText, '', '>', typeName);
  switch (spec.type) {
    case '':
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 'n':
      break;
    default:
      throw unknownCode(spec.type, typeName);
  }
  if (spec.precision > INT_MAX) throw new PyError('ValueError', 'precision too big');
  if (spec.fill === '0') throw new PyError('ValueError', 'Zero padding is not allowed in complex format specifier');
  if (spec.align === '=')
    throw new PyError('ValueError', "'=' alignment flag is not allowed in complex format specifier");
  let precision = spec.precision;
  let defaultPrecision = 6;
  let type: string = spec.type;
  const flags: { -readonly [K in keyof DtsFlags]: DtsFlags[K] } = {};
  if (spec.alternate) flags.alt = true;
  if (spec.noNeg0) flags.noNeg0 = true;
  let skipRe = false;
  let parens = false;
  if (type === '') {
    type = 'r';
    defaultPrecision = 0;
    if (re === 0 && !Object.is(re, -0)) skipRe = true;
    else parens = true;
  }
  if (type === 'n') type = 'g';
  if (precision < 0) precision = defaultPrecision;
  else if (type === 'r') type = 'g';
  const reParts = splitNumber(doubleToString(re, type, precision, flags));
  const imParts = splitNumber(doubleToString(im, type, precision, flags));
  // The parts are laid out without padding; the imaginary part always has a sign
  // unless it stands alone.
  const bare: FormatSpec = { ...spec, fill: '\0', align: '<', width: -1 };
  const reText = skipRe ? '' : layoutNumber(bare, reParts.negative, '', reParts.digits, reParts.rest);
  const imText = layoutNumber(
    skipRe ? bare : { ...bare, sign: '+' },
    imParts.negative,
    '',
    imParts.digits,
    imParts.rest,
  );
  const body = `${parens ? '(' : ''}${reText}${imText}j${parens ? ')' : ''}`;
  return pad(body, [...body].length, spec.width, spec.align, spec.fill);
}

/** complex.__repr__: "(re+imj)", or "imj" when the real part is +0.0. */
export function complexRepr(re: number, im: number): string {
  const flags: DtsFlags = {};
  if (re === 0 && !Object.is(re, -0)) return `${doubleToString(im, 'r', 0, flags)}j`;
  const reText = doubleToString(re, 'r', 0, flags);
  const imText = doubleToString(im, 'r', 0, { sign: true });
  return `(${reText}${imText}j)`;
}
