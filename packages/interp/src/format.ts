/*
 * Python's text forms of atoms: repr of str and float, as CPython 3.11 prints them.
 */
import { floatRepr } from './objects/floatOps.js';

const NOT_PRINTABLE = /^[\p{C}\p{Z}]$/u;

/** Python's repr of a str: single quotes unless the text has a single quote and no double quote. */
export function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 32 || c === 127) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c > 127 && NOT_PRINTABLE.test(ch)) {
      // Py_UNICODE_ISPRINTABLE: other (C*) and separator (Z*) characters are escaped.
      if (c <= 0xff) out += `\\x${c.toString(16).padStart(2, '0')}`;
      else if (c <= 0xffff) out += `\\u${c.toString(16).padStart(4, '0')}`;
      else out += `\\U${c.toString(16).padStart(8, '0')}`;
    } else out += ch;
  }
  return out + q;
}

/** float.__repr__: the shortest repr that reads back, in Python's layout (objects/floatOps.ts). */
export function formatFloat(v: number): string {
  return floatRepr(v);
}
