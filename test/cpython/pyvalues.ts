/*
 * Plain Python values recorded by the scripts in this folder (ints, floats, strs,
 * tuples ... as JSON), decoded into a small JavaScript model with CPython's str(),
 * repr() and ascii() for them, so the pure object modules of packages/interp can be
 * checked against CPython's recorded answers without an interpreter.
 */
import { objects, pyStrRepr } from '@pymemsim/interp';

export type Encoded =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: string }
  | { t: 'float'; v: string }
  | { t: 'complex'; re: string; im: string }
  | { t: 'str'; v: string }
  | { t: 'bytes'; v: string }
  | { t: 'tuple' | 'list'; items: Encoded[] }
  | { t: 'dict'; items: [Encoded, Encoded][] };

export type PyVal =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'complex'; re: number; im: number }
  | { t: 'str'; v: string }
  | { t: 'bytes'; v: string }
  | { t: 'tuple' | 'list'; items: PyVal[] }
  | { t: 'dict'; items: [PyVal, PyVal][] };

/** Python's repr of a float as text back to the double (nan and infinities included). */
export function parseFloat(text: string): number {
  if (text === 'nan') return NaN;
  if (text === 'inf') return Infinity;
  if (text === '-inf') return -Infinity;
  return Number(text);
}

export function decode(e: Encoded): PyVal {
  switch (e.t) {
    case 'none':
    case 'bool':
    case 'str':
    case 'bytes':
      return e;
    case 'int':
      return { t: 'int', v: BigInt(e.v) };
    case 'float':
      return { t: 'float', v: parseFloat(e.v) };
    case 'complex':
      return { t: 'complex', re: parseFloat(e.re), im: parseFloat(e.im) };
    case 'tuple':
    case 'list':
      return { t: e.t, items: e.items.map(decode) };
    case 'dict':
      return { t: 'dict', items: e.items.map(([k, v]) => [decode(k), decode(v)]) };
  }
}

export const typeName = (v: PyVal): string => (v.t === 'none' ? 'NoneType' : v.t);

/** repr() of bytes (latin-1 text): b'...' with CPython's escapes. */
function bytesRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = `b${q}`;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === q || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (c < 32 || c >= 127) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}

export function repr(v: PyVal): string {
  switch (v.t) {
    case 'none':
      return 'None';
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'int':
      return v.v.toString();
    case 'float':
      return objects.floatRepr(v.v);
    case 'complex':
      return objects.complexRepr(v.re, v.im);
    case 'str':
      return pyStrRepr(v.v);
    case 'bytes':
      return bytesRepr(v.v);
    case 'tuple':
      return `(${v.items.map(repr).join(', ')}${v.items.length === 1 ? ',' : ''})`;
    case 'list':
      return `[${v.items.map(repr).join(', ')}]`;
    case 'dict':
      return `{${v.items.map(([k, x]) => `${repr(k)}: ${repr(x)}`).join(', ')}}`;
  }
}

export const str = (v: PyVal): string => (v.t === 'str' ? v.v : repr(v));

/** ascii(): repr with every non-ASCII character escaped. */
export function ascii(v: PyVal): string {
  let out = '';
  for (const ch of repr(v)) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 128) out += ch;
    else if (c < 0x100) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return out;
}

const sameKey = (a: PyVal, b: PyVal): boolean => a.t === b.t && 'v' in a && 'v' in b && a.v === b.v;

/** The printf host over these values (what the evaluator supplies for real objects). */
export const printfHost: objects.PrintfHost<PyVal> = {
  tupleItems: (v) => (v.t === 'tuple' ? v.items : undefined),
  isMapping: (v) => v.t === 'dict' || v.t === 'list' || v.t === 'tuple' || v.t === 'str' || v.t === 'bytes',
  isStr: (v) => v.t === 'str',
  isBytes: (v) => v.t === 'bytes',
  getItem(m, key, bytesKey) {
    const k: PyVal = bytesKey ? { t: 'bytes', v: key } : { t: 'str', v: key };
    switch (m.t) {
      case 'dict': {
        const hit = m.items.find(([mk]) => sameKey(mk, k));
        if (hit === undefined) throw new objects.PyError('KeyError', repr(k));
        return hit[1];
      }
      case 'list':
        throw new objects.PyError('TypeError', `list indices must be integers or slices, not ${typeName(k)}`);
      case 'tuple':
        throw new objects.PyError('TypeError', `tuple indices must be integers or slices, not ${typeName(k)}`);
      case 'str':
        throw new objects.PyError('TypeError', `string indices must be integers, not '${typeName(k)}'`);
      case 'bytes':
        throw new objects.PyError('TypeError', `byte indices must be integers or slices, not ${typeName(k)}`);
      default:
        throw new objects.PyError('TypeError', `'${typeName(m)}' object is not subscriptable`);
    }
  },
  longValue: (v) => (v.t === 'int' ? v.v : v.t === 'bool' ? (v.v ? 1n : 0n) : undefined),
  number(v) {
    if (v.t === 'int') return { kind: 'int', value: v.v };
    if (v.t === 'bool') return { kind: 'int', value: v.v ? 1n : 0n };
    if (v.t === 'float') return { kind: 'float', value: v.v };
    if (v.t === 'complex') return { kind: 'other' };
    return undefined;
  },
  strValue: (v) => (v.t === 'str' ? v.v : undefined),
  bytesValue: (v) => (v.t === 'bytes' ? v.v : undefined),
  str,
  repr,
  ascii,
  typeName,
};

/** CPython's outcome of an operation: its text, or the exception it raised. */
export type Outcome = { ok: string } | { err: string; msg: string };

/** Run `f` the way the recorded outcome was taken: a PyError becomes { err, msg }. */
export function outcomeOf(f: () => string): Outcome {
  try {
    return { ok: f() };
  } catch (e) {
    if (e instanceof objects.PyError) return { err: e.pyType, msg: e.message };
    throw e;
  }
}
