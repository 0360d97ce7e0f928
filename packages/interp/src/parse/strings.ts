/*
 * String literal bodies, decoded as CPython 3.11 decodes them
 * ===========================================================
 * Source: Parser/string_parser.c (_PyPegen_parsestr, decode_unicode_with_escapes,
 * decode_bytes_with_escapes) and the codecs it calls (Objects/unicodeobject.c
 * `_PyUnicode_DecodeUnicodeEscapeInternal`, Objects/bytesobject.c `_PyBytes_DecodeEscape`).
 *
 * A str body with a backslash is first copied to CPython's intermediate ASCII buffer
 * (each non-ASCII character becomes `\UXXXXXXXX`, a backslash before one becomes
 * `\u005c`), then unicode-escape decoded; so the positions in its error messages
 * ("can't decode bytes in position 2-4") are CPython's. `\N{name}` looks the name up in
 * the Unicode 14.0 name table (unicodeNames.ts), as Python 3.11's unicodedata does.
 * The f-string bodies are parsed by parse.ts (`FStringParser`).
 */
import { lookupUnicodeName } from './unicodeNames.js';

/** A string token split into its parts. Offsets are in the source text. */
export interface StringToken {
  readonly start: number;
  readonly end: number;
  readonly bodyStart: number;
  readonly bodyEnd: number;
  readonly raw: boolean;
  readonly bytes: boolean;
  readonly fmt: boolean;
  /** The token starts with a lowercase `u` (CPython then sets Constant.kind to 'u'). */
  readonly u: boolean;
}

export function stringToken(text: string, start: number, end: number): StringToken {
  let i = start;
  let raw = false;
  let bytes = false;
  let fmt = false;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 34 || c === 39) break;
    if (c === 114 || c === 82) raw = true;
    else if (c === 98 || c === 66) bytes = true;
    else if (c === 102 || c === 70) fmt = true;
    i++;
  }
  const q = text.charCodeAt(i);
  const triple = end - i >= 6 && text.charCodeAt(i + 1) === q && text.charCodeAt(i + 2) === q;
  const quoteLen = triple ? 3 : 1;
  return {
    start,
    end,
    bodyStart: i + quoteLen,
    bodyEnd: end - quoteLen,
    raw,
    bytes,
    fmt,
    u: text.charCodeAt(start) === 117,
  };
}

export type Decoded<T> = { readonly value: T } | { readonly error: string };

/** `\r\n` and `\r` inside a literal read as `\n` (CPython translates newlines first). */
export const normalizeNewlines = (s: string): string => (s.indexOf('\r') < 0 ? s : s.replace(/\r\n?/g, '\n'));

/** The value of a str literal body. */
export function decodeStr(body: string, raw: boolean): Decoded<string> {
  const s = normalizeNewlines(body);
  if (raw || s.indexOf('\\') < 0) return { value: s };
  return decodeUnicodeEscape(intermediateBuffer(s));
}

/** decode_unicode_with_escapes' buffer: ASCII, with non-ASCII characters as `\UXXXXXXXX`. */
function intermediateBuffer(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s) && !s.endsWith('\\')) return s;
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    if (s.charCodeAt(i) === 92) {
      out += '\\';
      i++;
      if (i >= n || s.charCodeAt(i) >= 0x80) {
        out += 'u005c';
        if (i >= n) break;
      }
    }
    const d = s.charCodeAt(i);
    if (d >= 0x80) {
      const cp = s.codePointAt(i) ?? d;
      out += '\\U' + cp.toString(16).padStart(8, '0');
      i += cp > 0xffff ? 2 : 1;
    } else {
      out += s[i];
      i++;
    }
  }
  return out;
}

const isHexDigit = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
const isOctal = (c: number): boolean => c >= 48 && c <= 55;
const SIMPLE_ESCAPES: Record<number, string> = {
  92: '\\',
  39: "'",
  34: '"',
  98: '\b',
  102: '\f',
  116: '\t',
  110: '\n',
  114: '\r',
  118: '\v',
  97: '\x07',
};

/** The unicode-escape codec on CPython's ASCII buffer. */
function decodeUnicodeEscape(buf: string): Decoded<string> {
  const parts: string[] = [];
  const n = buf.length;
  let litStart = 0;
  let s = 0;
  const fail = (start: number, end: number, message: string): Decoded<string> => ({
    error: `(unicode error) 'unicodeescape' codec can't decode bytes in position ${start}-${end - 1}: ${message}`,
  });
  while (s < n) {
    if (buf.charCodeAt(s) !== 92) {
      s++;
      continue;
    }
    parts.push(buf.slice(litStart, s));
    const startinpos = s;
    s++;
    if (s >= n) return fail(startinpos, s, '\\ at end of string');
    const c = buf.charCodeAt(s++);
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) parts.push(simple);
    else if (c === 10) {
      // A backslash-newline continues the literal.
    } else if (isOctal(c)) {
      let v = c - 48;
      if (s < n && isOctal(buf.charCodeAt(s))) {
        v = v * 8 + buf.charCodeAt(s++) - 48;
        if (s < n && isOctal(buf.charCodeAt(s))) v = v * 8 + buf.charCodeAt(s++) - 48;
      }
      parts.push(String.fromCodePoint(v));
    } else if (c === 120 || c === 117 || c === 85) {
      const count = c === 120 ? 2 : c === 117 ? 4 : 8;
      const message =
        c === 120 ? 'truncated \\xXX escape' : c === 117 ? 'truncated \\uXXXX escape' : 'truncated \\UXXXXXXXX escape';
      let v = 0;
      for (let k = 0; k < count; k++) {
        if (s >= n) return fail(startinpos, s, message);
        const h = buf.charCodeAt(s);
        if (!isHexDigit(h)) return fail(startinpos, s, message);
        v = v * 16 + parseInt(buf[s] as string, 16);
        s++;
      }
      if (v > 0x10ffff) return fail(startinpos, s, 'illegal Unicode character');
      parts.push(String.fromCodePoint(v));
    } else if (c === 78) {
      const malformed = 'malformed \\N character escape';
      if (s >= n) return fail(startinpos, s, malformed);
      if (buf.charCodeAt(s) !== 123) return fail(startinpos, s, malformed);
      const nameStart = ++s;
      while (s < n && buf.charCodeAt(s) !== 125) s++;
      if (s >= n) return fail(startinpos, s, malformed);
      if (s === nameStart) return fail(startinpos, s, malformed);
      const name = buf.slice(nameStart, s);
      s++;
      const cp = lookupUnicodeName(name);
      if (cp === undefined) return fail(startinpos, s, 'unknown Unicode character name');
      parts.push(String.fromCodePoint(cp));
    } else {
      // An invalid escape stays as written (a DeprecationWarning in 3.11).
      parts.push('\\', String.fromCharCode(c));
    }
    litStart = s;
  }
  parts.push(buf.slice(litStart));
  return { value: parts.join('') };
}

/** The bytes of a bytes literal body (non-ASCII characters were rejected before). */
export function decodeBytes(body: string, raw: boolean): Decoded<Uint8Array> {
  const s = normalizeNewlines(body);
  const n = s.length;
  if (raw || s.indexOf('\\') < 0) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
    return { value: out };
  }
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c !== 92) {
      out.push(c);
      i++;
      continue;
    }
    i++;
    if (i >= n) return { error: '(value error) Trailing \\ in string' };
    const e = s.charCodeAt(i++);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) out.push(simple.charCodeAt(0));
    else if (e === 10) {
      // continuation
    } else if (isOctal(e)) {
      let v = e - 48;
      if (i < n && isOctal(s.charCodeAt(i))) {
        v = v * 8 + s.charCodeAt(i++) - 48;
        if (i < n && isOctal(s.charCodeAt(i))) v = v * 8 + s.charCodeAt(i++) - 48;
      }
      out.push(v & 0xff);
    } else if (e === 120) {
      if (i + 1 < n && isHexDigit(s.charCodeAt(i)) && isHexDigit(s.charCodeAt(i + 1))) {
        out.push(parseInt(s.slice(i, i + 2), 16));
        i += 2;
      } else return { error: `(value error) invalid \\x escape at position ${i - 2}` };
    } else {
      out.push(92);
      i--;
    }
  }
  return { value: Uint8Array.from(out) };
}
