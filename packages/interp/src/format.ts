/*
 * Python's text forms of atoms: repr of str and float, as CPython 3.11 prints them.
 */

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

/** float.__repr__: the shortest repr that round-trips, in Python's layout (1.0, 1e-05, 1e+16, inf, nan). */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mant, expPart] = v.toExponential().split('e') as [string, string];
  const exp = Number(expPart);
  const digits = mant.replace('-', '').replace('.', '');
  const sign = v < 0 ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}
