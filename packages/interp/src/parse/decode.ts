/*
 * Source decoding: the bytes of a .py file to text, as CPython 3.11 reads source files
 * ===================================================================================
 * UTF-8 by default; a UTF-8 byte-order mark; a PEP 263 coding declaration on line 1 or
 * 2 (`# -*- coding: latin-1 -*-`, `# vim: set fileencoding=cp1252 :`). The errors are
 * CPython's, as `python3 prog.py` prints them.
 *
 * Source: Parser/tokenizer.c (check_bom, check_coding_spec, get_coding_spec,
 * get_normal_name, the "Non-UTF-8 code" check of the line reader) and the codec name
 * lookup of Lib/encodings (normalize_encoding, aliases.py).
 *
 *   bytes ─ BOM? ─ coding spec on line 1 (or 2 when line 1 is only a comment)
 *            │            │
 *            │            ├─ none or "utf-8": strict UTF-8; an invalid byte is
 *            │            │    "Non-UTF-8 code starting with '\xe9' in file F on line N, ..."
 *            │            │    (or, when UTF-8 was declared, a "(unicode error)")
 *            │            └─ another codec: decoded with it; an unknown codec or bytes it
 *            │                 cannot decode are "encoding problem: NAME"
 *            └─ with a declaration other than UTF-8: "encoding problem: NAME with BOM"
 *
 * Codecs: utf-8, iso-8859-1 (latin-1), ascii, cp1252, the other ISO 8859 parts, cp1250 to
 * cp1258, koi8-r and koi8-u, under the names and aliases Python accepts for them.
 * Simplifications: CPython decodes a declared codec through a text stream, so a decode
 * error far into a large file (past the first buffer) may get another message there; the
 * "(unicode error)" position for invalid UTF-8 under a UTF-8 declaration counts from the
 * start of the token holding the byte, found by a simple scan.
 */
import type { Diagnostic } from '@pymemsim/core';

export interface DecodedSource {
  /** The text, without its byte-order mark; undefined when the bytes cannot be decoded. */
  readonly text: string | undefined;
  readonly diagnostics: Diagnostic[];
}

/** Python's codec for each normalized name or alias we support (encodings/aliases.py). */
const CODECS: Record<string, string> = {};
const alias = (codec: string, names: string): void => {
  for (const n of names.split(' ')) CODECS[n] = codec;
};
alias('utf_8', 'utf_8 utf8 u8 utf utf8_ucs2 utf8_ucs4 cp65001');
alias(
  'latin_1',
  'latin_1 latin1 latin l1 iso8859_1 iso_8859_1 iso8859 8859 cp819 ibm819 iso_ir_100 csisolatin1 iso_8859_1_1987',
);
alias(
  'ascii',
  'ascii us_ascii us 646 ansi_x3.4_1968 ansi_x3_4_1968 ansi_x3.4_1986 cp367 csascii ibm367 iso646_us iso_646.irv_1991 iso_ir_6',
);
alias('cp1252', 'cp1252 windows_1252 1252');
for (const n of [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16]) alias(`iso8859_${n}`, `iso8859_${n} iso_8859_${n}`);
alias('iso8859_2', 'latin2 l2');
alias('iso8859_3', 'latin3 l3');
alias('iso8859_4', 'latin4 l4');
alias('iso8859_5', 'cyrillic');
alias('iso8859_6', 'arabic');
alias('iso8859_7', 'greek greek8');
alias('iso8859_8', 'hebrew');
alias('iso8859_9', 'latin5 l5');
alias('iso8859_10', 'latin6 l6');
alias('iso8859_13', 'latin7 l7');
alias('iso8859_14', 'latin8 l8');
alias('iso8859_15', 'latin9 l9');
alias('iso8859_16', 'latin10 l10');
for (let n = 1250; n <= 1258; n++) if (n !== 1252) alias(`cp${n}`, `cp${n} windows_${n} ${n}`);
alias('koi8_r', 'koi8_r cskoi8r');
alias('koi8_u', 'koi8_u');

/** Bytes Python's cp1252 leaves undefined (WHATWG's windows-1252 maps them to C1 controls). */
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
/**
 * cp1252's characters for bytes 0x80-0x9F (0 where undefined); the other bytes are
 * Latin-1's. Written out because Node's TextDecoder('windows-1252') decodes as Latin-1.
 */
const CP1252_80_9F = [
  0x20ac, 0x0000, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x0000,
  0x017d, 0x0000, 0x0000, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x0000, 0x017e, 0x0178,
];

/** encodings.normalize_encoding, then lower case (the aliases are lower case). */
function normalizeEncoding(name: string): string {
  return name
    .replace(/[^A-Za-z0-9.]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/** tokenizer.c get_normal_name: the spellings the tokenizer itself recognises. */
function normalName(s: string): string {
  const buf = s.slice(0, 12).toLowerCase().replace(/_/g, '-');
  if (buf === 'utf-8' || buf.startsWith('utf-8-')) return 'utf-8';
  for (const l of ['latin-1', 'iso-8859-1', 'iso-latin-1']) {
    if (buf === l || buf.startsWith(l + '-')) return 'iso-8859-1';
  }
  return s;
}

/** get_coding_spec on one line (bytes): the declared encoding, or undefined. */
function codingSpec(line: Uint8Array): string | undefined {
  const size = line.length;
  let i = 0;
  for (; i < size - 6; i++) {
    const c = line[i];
    if (c === 0x23) break;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0c) return undefined;
  }
  for (; i < size - 6; i++) {
    if (String.fromCharCode(...line.subarray(i, i + 6)) !== 'coding') continue;
    let t = i + 6;
    if (line[t] !== 0x3a && line[t] !== 0x3d) continue;
    do t++;
    while (line[t] === 0x20 || line[t] === 0x09);
    const begin = t;
    while (t < size) {
      const c = line[t] as number;
      const ok =
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95 || c === 46;
      if (!ok) break;
      t++;
    }
    if (t > begin) return normalName(String.fromCharCode(...line.subarray(begin, t)));
  }
  return undefined;
}

/** Whether a line (bytes) holds nothing but whitespace and maybe a comment. */
function onlyComment(line: Uint8Array): boolean {
  for (const c of line) {
    if (c === 0x23 || c === 0x0a || c === 0x0d) return true;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0c) return false;
  }
  return true;
}

function lineEnd(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && bytes[i] !== 0x0a && bytes[i] !== 0x0d) i++;
  return i;
}

const problem = (message: string): DecodedSource => ({
  text: undefined,
  diagnostics: [{ code: 'PY_SYNTAX', message, span: { start: 0, end: 0 }, exception: 'SyntaxError' }],
});

/** The first invalid UTF-8 sequence: its offset and Python's reason, or undefined. */
function invalidUtf8(b: Uint8Array): { at: number; reason: string } | undefined {
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return { at: i, reason: 'invalid start byte' };
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined) return { at: i, reason: 'unexpected end of data' };
      if (d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) {
        return { at: i, reason: 'invalid continuation byte' };
      }
    }
    i += need + 1;
  }
  return undefined;
}

/** The token (string body or name) holding an invalid byte: its start, for the "(unicode error)" position. */
function tokenStart(b: Uint8Array, at: number): { start: number; end: number } {
  let lineStart = at;
  while (lineStart > 0 && b[lineStart - 1] !== 0x0a && b[lineStart - 1] !== 0x0d) lineStart--;
  const end = lineEnd(b, at);
  for (let k = at - 1; k >= lineStart; k--) {
    if (b[k] === 0x22 || b[k] === 0x27) {
      let e = at;
      while (e < end && b[e] !== b[k]) e++;
      return { start: k + 1, end: e };
    }
  }
  let s = at;
  while (s > lineStart) {
    const c = b[s - 1] as number;
    if (!(c >= 0x80 || c === 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) break;
    s--;
  }
  let e = at;
  while (e < end && ((b[e] as number) >= 0x80 || /\w/.test(String.fromCharCode(b[e] as number)))) e++;
  return { start: s, end: e };
}

function lineOf(b: Uint8Array, at: number): number {
  let line = 1;
  for (let i = 0; i < at; i++) {
    if (b[i] === 0x0a) line++;
    else if (b[i] === 0x0d && b[i + 1] !== 0x0a) line++;
  }
  return line;
}

function decodeWith(codec: string, bytes: Uint8Array): string | undefined {
  switch (codec) {
    case 'utf_8':
      try {
        return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      } catch {
        return undefined;
      }
    case 'latin_1': {
      let s = '';
      for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, i + 8192));
      return s;
    }
    case 'ascii':
      for (const c of bytes) if (c >= 0x80) return undefined;
      return decodeWith('latin_1', bytes);
    case 'cp1252': {
      let s = '';
      for (const c of bytes) {
        if (CP1252_UNDEFINED.has(c)) return undefined;
        s += String.fromCharCode(c >= 0x80 && c < 0xa0 ? (CP1252_80_9F[c - 0x80] ?? c) : c);
      }
      return s;
    }
    default: {
      const m = /^(iso8859|cp|koi8)_(\w+)$/.exec(codec);
      if (m === null) return undefined;
      const label = m[1] === 'iso8859' ? `iso-8859-${m[2]}` : m[1] === 'cp' ? `windows-${m[2]}` : `koi8-${m[2]}`;
      return whatwg(label, bytes);
    }
  }
}

function whatwg(label: string, bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Decode the bytes of a source file as CPython does (`filename` appears in its messages). */
export function decodeSource(bytes: Uint8Array, filename: string): DecodedSource {
  let body = bytes;
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  if (bom) body = bytes.subarray(3);
  // The coding spec: line 1, or line 2 when line 1 holds only a comment or whitespace.
  const end1 = lineEnd(body, 0);
  const line1 = body.subarray(0, end1);
  let spec = codingSpec(line1);
  if (spec === undefined && onlyComment(line1) && end1 < body.length) {
    let start2 = end1 + 1;
    if (body[end1] === 0x0d && body[end1 + 1] === 0x0a) start2++;
    spec = codingSpec(body.subarray(start2, lineEnd(body, start2)));
  }
  if (spec !== undefined && bom && spec !== 'utf-8') return problem(`encoding problem: ${spec} with BOM`);
  if (spec === undefined || spec === 'utf-8') {
    const bad = invalidUtf8(body);
    if (bad === undefined) return { text: decodeWith('utf_8', body) ?? '', diagnostics: [] };
    const byte = (body[bad.at] as number).toString(16).padStart(2, '0');
    if (spec === undefined && !bom) {
      return problem(
        `Non-UTF-8 code starting with '\\x${byte}' in file ${filename} on line ${lineOf(body, bad.at)}, ` +
          'but no encoding declared; see https://peps.python.org/pep-0263/ for details',
      );
    }
    // CPython decodes the token holding the byte: the position and reason are within it.
    const tok = tokenStart(body, bad.at);
    const inToken = invalidUtf8(body.subarray(tok.start, Math.max(tok.end, bad.at + 1))) ?? bad;
    return problem(
      `(unicode error) 'utf-8' codec can't decode byte 0x${byte} in position ${inToken.at}: ${inToken.reason}`,
    );
  }
  const codec = CODECS[normalizeEncoding(spec)] ?? CODECS[normalizeEncoding(spec).replace(/\./g, '_')];
  if (codec === undefined) return problem(`encoding problem: ${spec}`);
  const text = decodeWith(codec, body);
  if (text === undefined) return problem(`encoding problem: ${spec}`);
  return { text, diagnostics: [] };
}
