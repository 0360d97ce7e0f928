/*
 * str and bytes
 * =============
 * Python's text (sequences of code points, held as JavaScript strings; indexing counts
 * code points, so text beyond the Basic Multilingual Plane indexes as Python does) and
 * bytes. Every method that makes text makes a new str object (one-character latin-1
 * results are CPython's cached singletons, and methods that change nothing return the
 * same object where CPython does: `s.strip()` of an unstripped exact str, `s[:]`).
 *
 * Source: Objects/unicodeobject.c (3.11: the methods, unicode_repr, unicode_hash via
 * siphash13, PyUnicode_Format), Objects/bytesobject.c, Objects/stringlib/*.
 *
 * Simplifications: str hashes use SipHash-1-3 with a zero key (PYTHONHASHSEED=0), so
 * they are deterministic; case mapping uses JavaScript's Unicode tables.
 */
import { bytesSize, strSize, type Holder, type ObjectId } from '@pymemsim/core';
import { pyStrRepr } from '../format.js';
import type { VM } from '../vm/vm.js';
import { C_TEMP } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { methods } from './list.js';
import { argRange, clampIndex, noArgs, oneArg, seqIndex, sliceIndexList } from './sequence.js';
import { checkStrLength } from '../limits.js';

const SURROGATE = /[\uD800-\uDFFF]/;

/** The code points of s (an array only when s has astral characters). */
export function codePoints(s: string): string[] | undefined {
  return SURROGATE.test(s) ? [...s] : undefined;
}

export const pyLen = (s: string): number => {
  const cps = codePoints(s);
  return cps === undefined ? s.length : cps.length;
};

const strOf = (vm: VM, id: ObjectId): string => vm.as(id, 'str').v;

function argStr(vm: VM, id: ObjectId, what: string): string {
  const v = vm.value(id);
  if (v.t !== 'str') throw vm.typeError(`${what} must be str, not ${vm.typeName(id)}`);
  return v.v;
}

// ---------------------------------------------------------------------------------
// SipHash-1-3 with a zero key (Python/pyhash.c), over the UTF-32/16/8 kind bytes of the str.

const M64 = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & M64;

export function siphash13(bytes: Uint8Array): bigint {
  let v0 = 0x736f6d6570736575n;
  let v1 = 0x646f72616e646f6dn;
  let v2 = 0x6c7967656e657261n;
  let v3 = 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & M64;
    v1 = rotl(v1, 13n);
    v1 ^= v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M64;
    v3 = rotl(v3, 16n);
    v3 ^= v2;
    v0 = (v0 + v3) & M64;
    v3 = rotl(v3, 21n);
    v3 ^= v0;
    v2 = (v2 + v1) & M64;
    v1 = rotl(v1, 17n);
    v1 ^= v2;
    v2 = rotl(v2, 32n);
  };
  const n = bytes.length;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    let m = 0n;
    for (let k = 7; k >= 0; k--) m = (m << 8n) | BigInt(bytes[i + k] as number);
    v3 ^= m;
    round();
    v0 ^= m;
  }
  let t = BigInt(n & 0xff) << 56n;
  for (let k = n - i - 1; k >= 0; k--) t |= BigInt(bytes[i + k] as number) << BigInt(8 * k);
  v3 ^= t;
  round();
  v0 ^= t;
  v2 ^= 0xffn;
  round();
  round();
  round();
  const h = (v0 ^ v1 ^ v2 ^ v3) & M64;
  const s = h >= 1n << 63n ? h - (1n << 64n) : h;
  return s === -1n ? -2n : s;
}

/** The bytes CPython hashes for a str: its code points in the str's kind (1, 2 or 4 bytes). */
function strHashBytes(s: string): Uint8Array {
  const cps = [...s].map((c) => c.codePointAt(0) as number);
  const max = cps.reduce((a, b) => Math.max(a, b), 0);
  const width = max < 256 ? 1 : max < 65536 ? 2 : 4;
  const out = new Uint8Array(cps.length * width);
  cps.forEach((c, i) => {
    for (let k = 0; k < width; k++) out[i * width + k] = (c >> (8 * k)) & 255;
  });
  return out;
}

const strHashCache = new Map<string, bigint>();
export function strHash(s: string): bigint {
  if (s.length === 0) return 0n;
  let h = strHashCache.get(s);
  if (h === undefined) {
    h = siphash13(strHashBytes(s));
    if (strHashCache.size < 1 << 16) strHashCache.set(s, h);
  }
  return h;
}

// ---------------------------------------------------------------------------------
// Character classes (unicodeobject.c's _PyUnicode_Is*).

// eslint-disable-next-line no-control-regex -- the separators CPython counts as whitespace
const isSpace = (c: string): boolean => /^[\s\u001c-\u001f\u0085]$/u.test(c) && c !== '\u200b' && c !== '\ufeff';
const isDigit = (c: string): boolean => /^\p{Nd}$/u.test(c) || /^[\u00b2\u00b3\u00b9]$/u.test(c);
const isDecimal = (c: string): boolean => /^\p{Nd}$/u.test(c);
const isNumeric = (c: string): boolean => /^\p{N}$/u.test(c);
const isAlpha = (c: string): boolean => /^\p{L}$/u.test(c);
const isUpperCh = (c: string): boolean => /^\p{Lu}$/u.test(c) || /^\p{Lt}$/u.test(c);
const isLowerCh = (c: string): boolean => /^\p{Ll}$/u.test(c);
const isCased = (c: string): boolean => c.toLowerCase() !== c.toUpperCase() || isUpperCh(c) || isLowerCh(c);

function every(s: string, pred: (c: string) => boolean): boolean {
  if (s === '') return false;
  for (const c of s) if (!pred(c)) return false;
  return true;
}

function pyStrip(s: string, chars: string | undefined, left: boolean, right: boolean): string {
  const cps = [...s];
  const strip = chars === undefined ? isSpace : (c: string): boolean => chars.includes(c);
  let i = 0;
  let j = cps.length;
  if (left) while (i < j && strip(cps[i] as string)) i++;
  if (right) while (j > i && strip(cps[j - 1] as string)) j--;
  return cps.slice(i, j).join('');
}

function pySplitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  const cps = [...s];
  let i = 0;
  const n = cps.length;
  while (i < n) {
    while (i < n && isSpace(cps[i] as string)) i++;
    if (i >= n) break;
    if (maxsplit >= 0 && out.length >= maxsplit) {
      let rest = cps.slice(i).join('');
      rest = pyStrip(rest, undefined, false, true);
      out.push(rest);
      return out;
    }
    let j = i;
    while (j < n && !isSpace(cps[j] as string)) j++;
    out.push(cps.slice(i, j).join(''));
    i = j;
  }
  return out;
}

function pyRsplitWhitespace(s: string, maxsplit: number): string[] {
  const out: string[] = [];
  const cps = [...s];
  let j = cps.length;
  while (j > 0) {
    while (j > 0 && isSpace(cps[j - 1] as string)) j--;
    if (j <= 0) break;
    if (maxsplit >= 0 && out.length >= maxsplit) {
      out.push(pyStrip(cps.slice(0, j).join(''), undefined, true, false));
      return out.reverse();
    }
    let i = j;
    while (i > 0 && !isSpace(cps[i - 1] as string)) i--;
    out.push(cps.slice(i, j).join(''));
    j = i;
  }
  return out.reverse();
}

function splitlines(s: string, keepends: boolean): string[] {
  const out: string[] = [];
  // eslint-disable-next-line no-control-regex -- the line boundaries of str.splitlines
  const re = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g;
  let last = 0;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    out.push(s.slice(last, keepends ? m.index + m[0].length : m.index));
    last = m.index + m[0].length;
  }
  if (last < s.length) out.push(s.slice(last));
  return out;
}

function titleCase(s: string): string {
  let out = '';
  let prevCased = false;
  for (const c of s) {
    out += prevCased ? c.toLowerCase() : c.toUpperCase();
    prevCased = isCased(c);
  }
  return out;
}

function expandTabs(s: string, size: number): string {
  let out = '';
  let col = 0;
  for (const c of s) {
    if (c === '\t') {
      if (size > 0) {
        const n = size - (col % size);
        out += ' '.repeat(n);
        col += n;
      }
    } else {
      out += c;
      col = c === '\n' || c === '\r' ? 0 : col + 1;
    }
  }
  return out;
}

/** Code-point slicing of s for the indexes of a slice. */
function sliceText(s: string, idx: readonly number[]): string {
  const cps = codePoints(s);
  let out = '';
  if (cps === undefined) for (const i of idx) out += s[i] as string;
  else for (const i of idx) out += cps[i] as string;
  return out;
}

function cpSlice(s: string, start: number, end: number): string {
  const cps = codePoints(s);
  return cps === undefined ? s.slice(start, end) : cps.slice(start, end).join('');
}

/** The start/end arguments of find/count/startswith ..., as code-point positions. */
function range(vm: VM, s: string, a: readonly ObjectId[], at: number): [number, number] {
  const n = pyLen(s);
  return [clampIndex(vm, a[at], n, 0), clampIndex(vm, a[at + 1], n, n)];
}

function find(s: string, sub: string, start: number, end: number, reverse: boolean): number {
  const cps = codePoints(s);
  if (cps === undefined) {
    if (end - start < sub.length) return -1;
    const hay = s.slice(start, end);
    const i = reverse ? hay.lastIndexOf(sub) : hay.indexOf(sub);
    return i < 0 ? -1 : i + start;
  }
  const hay = cps.slice(start, end).join('');
  const i = reverse ? hay.lastIndexOf(sub) : hay.indexOf(sub);
  return i < 0 ? -1 : [...hay.slice(0, i)].length + start;
}

function count(s: string, sub: string, start: number, end: number): number {
  const hay = cpSlice(s, start, end);
  if (end - start < pyLen(sub)) return 0;
  if (sub === '') return pyLen(hay) + 1;
  let n = 0;
  for (let i = hay.indexOf(sub); i >= 0; i = hay.indexOf(sub, i + sub.length)) n++;
  return n;
}

function replace(s: string, old: string, rep: string, max: number): string {
  if (max < 0) {
    if (old === '') {
      const cps = [...s];
      return rep + cps.join(rep) + (cps.length > 0 ? rep : '');
    }
    return s.split(old).join(rep);
  }
  let out = '';
  let rest = s;
  let n = 0;
  if (old === '') {
    const cps = [...s];
    for (let i = 0; i <= cps.length; i++) {
      if (n < max) {
        out += rep;
        n++;
      }
      if (i < cps.length) out += cps[i] as string;
    }
    return out;
  }
  while (n < max) {
    const i = rest.indexOf(old);
    if (i < 0) break;
    out += rest.slice(0, i) + rep;
    rest = rest.slice(i + old.length);
    n++;
  }
  return out + rest;
}

/** An affix argument of startswith/endswith: a str or a tuple of strs. */
function affixes(vm: VM, id: ObjectId, method: string): string[] {
  const v = vm.value(id);
  if (v.t === 'str') return [v.v];
  if (v.t === 'tuple') {
    return v.items.map((x) => {
      const xv = vm.value(x);
      if (xv.t !== 'str') throw vm.typeError(`tuple for ${method} must only contain str, not ${vm.typeName(x)}`);
      return xv.v;
    });
  }
  throw vm.typeError(`${method} first arg must be str or a tuple of str, not ${vm.typeName(id)}`);
}

/** A method result that equals self returns self when self is an exact str (CPython's unicode_result_unchanged). */
function result(vm: VM, self: ObjectId, s: string, out: Holder): ObjectId {
  if (s === strOf(vm, self) && vm.typeOf(self) === vm.T.str) return vm.ret(self, out);
  return vm.newStr(s, out);
}

function strList(vm: VM, parts: readonly string[], out: Holder): ObjectId {
  const items = parts.map((p) => vm.newStr(p, C_TEMP));
  return vm.newList(items, out, C_TEMP);
}

function pad(
  vm: VM,
  args: readonly ObjectId[],
  kw: readonly string[] | undefined,
  name: string,
  out: Holder,
  where: 'l' | 'r' | 'c',
): ObjectId {
  const a = argRange(vm, name, args, kw, 1, 2);
  const s = strOf(vm, args[0] as ObjectId);
  const width = Number(vm.index(a[0] as ObjectId));
  let fill = ' ';
  if (a[1] !== undefined) {
    fill = argStr(vm, a[1], `${name}() argument 2`);
    if (pyLen(fill) !== 1) throw vm.typeError('The fill character must be exactly one character long');
  }
  const n = pyLen(s);
  if (width <= n) return result(vm, args[0] as ObjectId, s, out);
  const total = width - n;
  if (where === 'l') return vm.newStr(s + fill.repeat(total), out);
  if (where === 'r') return vm.newStr(fill.repeat(total) + s, out);
  // center: extra on the right when the margin is odd and the width even (CPython's pad).
  let left = Math.floor(total / 2) + (total & width & 1);
  left = Math.max(0, left);
  return vm.newStr(fill.repeat(left) + s + fill.repeat(total - left), out);
}

const strMethods: Record<string, Native> = {
  join: (vm, args, kw, out) => {
    const sep = strOf(vm, args[0] as ObjectId);
    const seq = oneArg(vm, 'str.join', args, kw);
    const sv = vm.value(seq);
    const items = sv.t === 'list' || sv.t === 'tuple' ? [...sv.items] : undefined;
    const got = items ?? vm.iterateToArray(seq, C_TEMP);
    try {
      if (got.length === 1 && items !== undefined) {
        const only = got[0] as ObjectId;
        if (vm.typeOf(only) === vm.T.str) return vm.ret(only, out);
      }
      const parts = got.map((x, i) => {
        const xv = vm.value(x);
        if (xv.t !== 'str') throw vm.typeError(`sequence item ${i}: expected str instance, ${vm.typeName(x)} found`);
        return xv.v;
      });
      return vm.newStr(parts.join(sep), out);
    } finally {
      if (items === undefined) for (const x of got) vm.rt.decref(x, C_TEMP);
    }
  },
  split: (vm, args, kwnames, out) => splitImpl(vm, args, kwnames, out, false),
  rsplit: (vm, args, kwnames, out) => splitImpl(vm, args, kwnames, out, true),
  splitlines: (vm, args, kwnames, out) => {
    const ke = npos(args, kwnames) > 1 ? args[1] : kwarg(args, kwnames, 'keepends');
    return strList(vm, splitlines(strOf(vm, args[0] as ObjectId), ke !== undefined && vm.truthy(ke)), out);
  },
  strip: (vm, args, kw, out) => stripImpl(vm, args, kw, out, 'strip', true, true),
  lstrip: (vm, args, kw, out) => stripImpl(vm, args, kw, out, 'lstrip', true, false),
  rstrip: (vm, args, kw, out) => stripImpl(vm, args, kw, out, 'rstrip', false, true),
  replace: (vm, args, kw, out) => {
    const a = argRange(vm, 'replace', args, kw, 2, 3);
    const s = strOf(vm, args[0] as ObjectId);
    const old = argStr(vm, a[0] as ObjectId, 'replace() argument 1');
    const rep = argStr(vm, a[1] as ObjectId, 'replace() argument 2');
    const max = a[2] === undefined ? -1 : Number(vm.index(a[2]));
    return result(vm, args[0] as ObjectId, replace(s, old, rep, max), out);
  },
  find: (vm, args, kw, out) => findImpl(vm, args, kw, out, 'find', false, false),
  rfind: (vm, args, kw, out) => findImpl(vm, args, kw, out, 'rfind', true, false),
  index: (vm, args, kw, out) => findImpl(vm, args, kw, out, 'index', false, true),
  rindex: (vm, args, kw, out) => findImpl(vm, args, kw, out, 'rindex', true, true),
  count: (vm, args, kw, out) => {
    const a = argRange(vm, 'count', args, kw, 1, 3);
    const s = strOf(vm, args[0] as ObjectId);
    const sub = argStr(vm, a[0] as ObjectId, 'must be str, not');
    const [st, en] = range(vm, s, a, 1);
    return vm.newInt(BigInt(count(s, sub, st, en)), out);
  },
  startswith: (vm, args, kw, out) => {
    const a = argRange(vm, 'startswith', args, kw, 1, 3);
    const s = strOf(vm, args[0] as ObjectId);
    const [st, en] = range(vm, s, a, 1);
    const hay = cpSlice(s, st, en);
    if (st > pyLen(s)) return vm.bool(false, out);
    return vm.bool(
      affixes(vm, a[0] as ObjectId, 'startswith').some((p) => hay.startsWith(p)),
      out,
    );
  },
  endswith: (vm, args, kw, out) => {
    const a = argRange(vm, 'endswith', args, kw, 1, 3);
    const s = strOf(vm, args[0] as ObjectId);
    const [st, en] = range(vm, s, a, 1);
    const hay = cpSlice(s, st, en);
    if (st > pyLen(s)) return vm.bool(false, out);
    return vm.bool(
      affixes(vm, a[0] as ObjectId, 'endswith').some((p) => hay.endsWith(p)),
      out,
    );
  },
  upper: (vm, args, kw, out) => (
    noArgs(vm, 'str.upper', args, kw),
    result(vm, args[0] as ObjectId, strOf(vm, args[0] as ObjectId).toUpperCase(), out)
  ),
  lower: (vm, args, kw, out) => (
    noArgs(vm, 'str.lower', args, kw),
    result(vm, args[0] as ObjectId, strOf(vm, args[0] as ObjectId).toLowerCase(), out)
  ),
  casefold: (vm, args, kw, out) => (
    noArgs(vm, 'str.casefold', args, kw),
    result(vm, args[0] as ObjectId, strOf(vm, args[0] as ObjectId).toLowerCase(), out)
  ),
  swapcase: (vm, args, kw, out) => {
    noArgs(vm, 'str.swapcase', args, kw);
    let r = '';
    for (const c of strOf(vm, args[0] as ObjectId))
      r += isUpperCh(c) ? c.toLowerCase() : isLowerCh(c) ? c.toUpperCase() : c;
    return result(vm, args[0] as ObjectId, r, out);
  },
  capitalize: (vm, args, kw, out) => {
    noArgs(vm, 'str.capitalize', args, kw);
    const cps = [...strOf(vm, args[0] as ObjectId)];
    const r = cps.length === 0 ? '' : (cps[0] as string).toUpperCase() + cps.slice(1).join('').toLowerCase();
    return result(vm, args[0] as ObjectId, r, out);
  },
  title: (vm, args, kw, out) => (
    noArgs(vm, 'str.title', args, kw),
    result(vm, args[0] as ObjectId, titleCase(strOf(vm, args[0] as ObjectId)), out)
  ),
  isdigit: (vm, args, _kw, out) => vm.bool(every(strOf(vm, args[0] as ObjectId), isDigit), out),
  isdecimal: (vm, args, _kw, out) => vm.bool(every(strOf(vm, args[0] as ObjectId), isDecimal), out),
  isnumeric: (vm, args, _kw, out) => vm.bool(every(strOf(vm, args[0] as ObjectId), isNumeric), out),
  isalpha: (vm, args, _kw, out) => vm.bool(every(strOf(vm, args[0] as ObjectId), isAlpha), out),
  isalnum: (vm, args, _kw, out) =>
    vm.bool(
      every(strOf(vm, args[0] as ObjectId), (c) => isAlpha(c) || isNumeric(c)),
      out,
    ),
  isspace: (vm, args, _kw, out) => vm.bool(every(strOf(vm, args[0] as ObjectId), isSpace), out),
  isascii: (vm, args, _kw, out) =>
    vm.bool(
      [...strOf(vm, args[0] as ObjectId)].every((c) => (c.codePointAt(0) as number) < 128),
      out,
    ),
  isupper: (vm, args, _kw, out) => {
    const s = strOf(vm, args[0] as ObjectId);
    return vm.bool([...s].some(isUpperCh) && ![...s].some(isLowerCh), out);
  },
  islower: (vm, args, _kw, out) => {
    const s = strOf(vm, args[0] as ObjectId);
    return vm.bool([...s].some(isLowerCh) && ![...s].some(isUpperCh), out);
  },
  istitle: (vm, args, _kw, out) => {
    const s = strOf(vm, args[0] as ObjectId);
    let prevCased = false;
    let cased = false;
    for (const c of s) {
      if (isUpperCh(c)) {
        if (prevCased) return vm.bool(false, out);
        prevCased = true;
        cased = true;
      } else if (isLowerCh(c)) {
        if (!prevCased) return vm.bool(false, out);
        prevCased = true;
        cased = true;
      } else prevCased = false;
    }
    return vm.bool(cased, out);
  },
  isidentifier: (vm, args, _kw, out) =>
    vm.bool(/^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(strOf(vm, args[0] as ObjectId)), out),
  isprintable: (vm, args, _kw, out) =>
    vm.bool(![...strOf(vm, args[0] as ObjectId)].some((c) => /[\p{C}\p{Z}]/u.test(c) && c !== ' '), out),
  center: (vm, args, kw, out) => pad(vm, args, kw, 'center', out, 'c'),
  ljust: (vm, args, kw, out) => pad(vm, args, kw, 'ljust', out, 'l'),
  rjust: (vm, args, kw, out) => pad(vm, args, kw, 'rjust', out, 'r'),
  zfill: (vm, args, kw, out) => {
    const width = Number(vm.index(oneArg(vm, 'str.zfill', args, kw)));
    const s = strOf(vm, args[0] as ObjectId);
    const n = pyLen(s);
    if (width <= n) return result(vm, args[0] as ObjectId, s, out);
    const sign = s[0] === '+' || s[0] === '-' ? (s[0] as string) : '';
    return vm.newStr(sign + '0'.repeat(width - n) + s.slice(sign.length), out);
  },
  partition: (vm, args, kw, out) => partitionImpl(vm, args, kw, out, false),
  rpartition: (vm, args, kw, out) => partitionImpl(vm, args, kw, out, true),
  expandtabs: (vm, args, kwnames, out) => {
    const t = npos(args, kwnames) > 1 ? args[1] : kwarg(args, kwnames, 'tabsize');
    return result(
      vm,
      args[0] as ObjectId,
      expandTabs(strOf(vm, args[0] as ObjectId), t === undefined ? 8 : Number(vm.index(t))),
      out,
    );
  },
  removeprefix: (vm, args, kw, out) => {
    const p = argStr(vm, oneArg(vm, 'str.removeprefix', args, kw), 'removeprefix() argument');
    const s = strOf(vm, args[0] as ObjectId);
    return result(vm, args[0] as ObjectId, p !== '' && s.startsWith(p) ? s.slice(p.length) : s, out);
  },
  removesuffix: (vm, args, kw, out) => {
    const p = argStr(vm, oneArg(vm, 'str.removesuffix', args, kw), 'removesuffix() argument');
    const s = strOf(vm, args[0] as ObjectId);
    return result(vm, args[0] as ObjectId, p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s, out);
  },
  encode: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const enc = n > 1 ? args[1] : kwarg(args, kwnames, 'encoding');
    const errObj = n > 2 ? args[2] : kwarg(args, kwnames, 'errors');
    const errors = errObj === undefined ? 'strict' : strOf(vm, errObj);
    const encoding = enc === undefined ? 'utf-8' : strOf(vm, enc).toLowerCase().replace('_', '-');
    const s = strOf(vm, args[0] as ObjectId);
    const utf8 = encoding === 'utf-8' || encoding === 'utf8';
    if (utf8 && !/[\ud800-\udfff]/.test(s)) return vm.newBytes(new TextEncoder().encode(s), out);
    const ascii = encoding === 'ascii';
    if (utf8 || ascii || encoding === 'latin-1' || encoding === 'latin1' || encoding === 'iso-8859-1') {
      return vm.newBytes(encodeWithErrors(vm, s, utf8 ? 'utf-8' : ascii ? 'ascii' : 'latin-1', errors), out);
    }
    throw vm.pyErr('LookupError', `unknown encoding: ${enc === undefined ? 'utf-8' : strOf(vm, enc)}`);
  },
  format: (vm, args, kwnames, out) =>
    vm.newStr(vm.strFormat(strOf(vm, args[0] as ObjectId), args.slice(1), kwnames), out),
  format_map: (vm, args, kw, out) =>
    vm.newStr(vm.strFormatMap(strOf(vm, args[0] as ObjectId), oneArg(vm, 'str.format_map', args, kw)), out),
  translate: (vm, args, kw, out) => {
    const table = oneArg(vm, 'str.translate', args, kw);
    let r = '';
    for (const c of strOf(vm, args[0] as ObjectId)) {
      const key = vm.newInt(BigInt(c.codePointAt(0) as number), C_TEMP);
      let mapped: ObjectId | undefined;
      try {
        mapped = vm.getItem(table, key, C_TEMP);
      } catch (e) {
        if (!vm.raised(e, 'LookupError')) throw e;
        vm.clearRaise(e);
      } finally {
        vm.rt.decref(key, C_TEMP);
      }
      if (mapped === undefined) r += c;
      else {
        const mv = vm.value(mapped);
        if (mv.t === 'str') r += mv.v;
        else if (mv.t === 'int') r += String.fromCodePoint(Number(mv.v));
        else if (mv.t !== 'none') throw vm.typeError('character mapping must return integer, None or str');
        vm.rt.decref(mapped, C_TEMP);
      }
    }
    return result(vm, args[0] as ObjectId, r, out);
  },
  __format__: (vm, args, _kw, out) =>
    vm.newStr(vm.formatValue(args[0] as ObjectId, argStr(vm, args[1] as ObjectId, 'format spec')), out),
  __getnewargs__: (vm, args, _kw, out) => vm.newTuple([vm.newStr(strOf(vm, args[0] as ObjectId), C_TEMP)], out, C_TEMP),
  __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(strSize(strOf(vm, args[0] as ObjectId))), out),
};

const maketrans: NativeMember = {
  k: 'staticmethod',
  fn: (vm, args, _kw, out) => {
    const d = vm.newDict(C_TEMP);
    try {
      if (args.length === 1) {
        for (const e of vm.dictEntries(args[0] as ObjectId)) {
          const kv = vm.value(e.key);
          const key = kv.t === 'str' ? vm.newInt(BigInt(kv.v.codePointAt(0) as number), C_TEMP) : vm.ret(e.key, C_TEMP);
          vm.dictSet(d, key, e.value, C_TEMP, 'copy');
          vm.rt.decref(key, C_TEMP);
        }
      } else {
        const x = [...strOf(vm, args[0] as ObjectId)];
        const y = [...strOf(vm, args[1] as ObjectId)];
        if (x.length !== y.length)
          throw vm.pyErr('ValueError', 'the first two maketrans arguments must have equal length');
        x.forEach((c, i) => {
          const k = vm.newInt(BigInt(c.codePointAt(0) as number), C_TEMP);
          const v = vm.newInt(BigInt((y[i] as string).codePointAt(0) as number), C_TEMP);
          vm.dictSet(d, k, v, C_TEMP, 'move');
        });
        if (args[2] !== undefined) {
          for (const c of strOf(vm, args[2])) {
            const k = vm.newInt(BigInt(c.codePointAt(0) as number), C_TEMP);
            vm.dictSet(d, k, vm.statics.none, C_TEMP, 'copy');
            vm.rt.decref(k, C_TEMP);
          }
        }
      }
    } catch (e) {
      vm.rt.decref(d, C_TEMP);
      throw e;
    }
    vm.rt.move(d, C_TEMP, out);
    return d;
  },
};

function splitImpl(
  vm: VM,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
  reverse: boolean,
): ObjectId {
  const n = npos(args, kwnames);
  const sepObj = n > 1 ? args[1] : kwarg(args, kwnames, 'sep');
  const maxObj = n > 2 ? args[2] : kwarg(args, kwnames, 'maxsplit');
  const s = strOf(vm, args[0] as ObjectId);
  const max = maxObj === undefined ? -1 : Number(vm.index(maxObj));
  if (sepObj === undefined || sepObj === vm.statics.none) {
    return strList(vm, reverse ? pyRsplitWhitespace(s, max) : pySplitWhitespace(s, max), out);
  }
  const sep = argStr(vm, sepObj, 'must be str or None, not');
  if (sep === '') throw vm.pyErr('ValueError', 'empty separator');
  let parts = s.split(sep);
  if (max >= 0 && parts.length > max + 1) {
    parts = reverse
      ? [parts.slice(0, parts.length - max).join(sep), ...parts.slice(parts.length - max)]
      : [...parts.slice(0, max), parts.slice(max).join(sep)];
  }
  if (parts.length === 1 && vm.typeOf(args[0] as ObjectId) === vm.T.str) {
    return vm.newList([vm.ret(args[0] as ObjectId, C_TEMP)], out, C_TEMP);
  }
  return strList(vm, parts, out);
}

function stripImpl(
  vm: VM,
  args: readonly ObjectId[],
  kw: readonly string[] | undefined,
  out: Holder,
  name: string,
  l: boolean,
  r: boolean,
): ObjectId {
  const a = argRange(vm, name, args, kw, 0, 1);
  const chars =
    a[0] === undefined || a[0] === vm.statics.none
      ? undefined
      : argStr(vm, a[0], `${name} arg must be None or str, not`);
  return result(vm, args[0] as ObjectId, pyStrip(strOf(vm, args[0] as ObjectId), chars, l, r), out);
}

function findImpl(
  vm: VM,
  args: readonly ObjectId[],
  kw: readonly string[] | undefined,
  out: Holder,
  name: string,
  reverse: boolean,
  raise: boolean,
): ObjectId {
  const a = argRange(vm, name, args, kw, 1, 3);
  const s = strOf(vm, args[0] as ObjectId);
  const sub = argStr(vm, a[0] as ObjectId, 'must be str, not');
  const [st, en] = range(vm, s, a, 1);
  const i = st > pyLen(s) ? -1 : find(s, sub, st, en, reverse);
  if (i < 0 && raise) throw vm.pyErr('ValueError', 'substring not found');
  return vm.newInt(BigInt(i), out);
}

function partitionImpl(
  vm: VM,
  args: readonly ObjectId[],
  kw: readonly string[] | undefined,
  out: Holder,
  reverse: boolean,
): ObjectId {
  const sep = argStr(vm, oneArg(vm, reverse ? 'str.rpartition' : 'str.partition', args, kw), 'must be str, not');
  if (sep === '') throw vm.pyErr('ValueError', 'empty separator');
  const self = args[0] as ObjectId;
  const s = strOf(vm, self);
  const i = reverse ? s.lastIndexOf(sep) : s.indexOf(sep);
  if (i < 0) {
    const whole = vm.ret(self, C_TEMP);
    const e1 = vm.newStr('', C_TEMP);
    const e2 = vm.newStr('', C_TEMP);
    return vm.newTuple(reverse ? [e1, e2, whole] : [whole, e1, e2], out, C_TEMP);
  }
  const parts = [vm.newStr(s.slice(0, i), C_TEMP), vm.newStr(sep, C_TEMP), vm.newStr(s.slice(i + sep.length), C_TEMP)];
  return vm.newTuple(parts, out, C_TEMP);
}

function newStrOf(vm: VM, type: ObjectId, s: string, out: Holder): ObjectId {
  if (type === vm.T.str) return vm.newStr(s, out);
  return vm.allocFor(type, 'str', 'str', strSize(s), { t: 'str', type, v: s }, out);
}

const strSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const obj = n > 0 ? args[0] : kwarg(args, kwnames, 'object');
    const enc = n > 1 ? args[1] : kwarg(args, kwnames, 'encoding');
    if (obj === undefined) return newStrOf(vm, type, '', out);
    if (enc !== undefined || n > 1) {
      const ov = vm.value(obj);
      if (ov.t !== 'bytes' && ov.t !== 'bytearray')
        throw vm.typeError(`decoding to str: need a bytes-like object, ${vm.typeName(obj)} found`);
      return newStrOf(vm, type, new TextDecoder().decode(ov.v), out);
    }
    if (type === vm.T.str) return vm.str(obj, out);
    const s = vm.str(obj, C_TEMP);
    const text = strOf(vm, s);
    vm.rt.decref(s, C_TEMP);
    return newStrOf(vm, type, text, out);
  },
  repr: (vm, self) => pyStrRepr(strOf(vm, self)),
  str: (vm, self) => strOf(vm, self),
  hash: (vm, self) => strHash(strOf(vm, self)),
  compare: (vm, a, b, op) => {
    const bv = vm.value(b);
    if (bv.t !== 'str') return undefined;
    const x = strOf(vm, a);
    const y = bv.v;
    const c = x === y ? 0 : compareCodePoints(x, y);
    switch (op) {
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '==':
        return c === 0;
      case '!=':
        return c !== 0;
      case '>':
        return c > 0;
      case '>=':
        return c >= 0;
    }
  },
  iter: (vm, self, out) => {
    const s = strOf(vm, self);
    return vm.newIterator(
      ![...s].some((c) => c.charCodeAt(0) > 127) ? 'str_ascii_iterator' : 'str_iterator',
      self,
      out,
    );
  },
  len: (vm, self) => pyLen(strOf(vm, self)),
  getitem: (vm, self, key, out) => {
    const s = strOf(vm, self);
    if (vm.value(key).t === 'slice') {
      const n = pyLen(s);
      const idx = sliceIndexList(vm, key, n);
      if (idx.length === n && idx.every((x, k) => x === k) && vm.typeOf(self) === vm.T.str) return vm.ret(self, out);
      return vm.newStr(sliceText(s, idx), out);
    }
    const cps = codePoints(s);
    const i = seqIndex(vm, key, cps === undefined ? s.length : cps.length, 'string');
    if (i === undefined) throw vm.pyErr('IndexError', 'string index out of range');
    return vm.newStr(cps === undefined ? (s[i] as string) : (cps[i] as string), out);
  },
  contains: (vm, self, item) => {
    const iv = vm.value(item);
    if (iv.t !== 'str') throw vm.typeError(`'in <string>' requires string as left operand, not ${vm.typeName(item)}`);
    return strOf(vm, self).includes(iv.v);
  },
  concat: (vm, a, b, out) => {
    const bv = vm.value(b);
    if (bv.t !== 'str') throw vm.typeError(`can only concatenate str (not "${vm.typeName(b)}") to str`);
    const x = strOf(vm, a);
    if (bv.v === '' && vm.typeOf(a) === vm.T.str) return vm.ret(a, out);
    if (x === '' && vm.typeOf(b) === vm.T.str) return vm.ret(b, out);
    vm.checkLimit(checkStrLength(x.length + bv.v.length, 'str'));
    return vm.newStr(x + bv.v, out);
  },
  repeat: (vm, seq, n, out) => {
    const s = strOf(vm, seq);
    if (n <= 0n || s === '') return vm.newStr('', out);
    if (n === 1n && vm.typeOf(seq) === vm.T.str) return vm.ret(seq, out);
    vm.checkLimit(checkStrLength(BigInt(s.length) * n, 'str', true));
    return vm.newStr(s.repeat(Number(n)), out);
  },
  number: {
    '%': (vm, a, b, out) => {
      if (vm.value(a).t !== 'str') return undefined;
      return vm.newStr(vm.percentFormat(strOf(vm, a), b), out);
    },
  },
};

/** Compare by code point (JavaScript compares UTF-16 units, which differs past the BMP). */
function compareCodePoints(x: string, y: string): number {
  if (!SURROGATE.test(x) && !SURROGATE.test(y)) return x < y ? -1 : x > y ? 1 : 0;
  const a = [...x];
  const b = [...y];
  for (let i = 0; i < a.length && i < b.length; i++) {
    const ca = (a[i] as string).codePointAt(0) as number;
    const cb = (b[i] as string).codePointAt(0) as number;
    if (ca !== cb) return ca - cb;
  }
  return a.length - b.length;
}

declare module '../vm/vm.js' {
  interface VM {
    /** str % args (PyUnicode_Format). */
    percentFormat(fmt: string, args: ObjectId): string;
    /** bytes % args (_PyBytes_FormatEx): the result's bytes. */
    bytesPercentFormat(fmt: Uint8Array, args: ObjectId): Uint8Array;
    /** str.format(*args, **kwargs). */
    strFormat(fmt: string, args: readonly ObjectId[], kwnames: readonly string[] | undefined): string;
    strFormatMap(fmt: string, mapping: ObjectId): string;
  }
}

// ---------------------------------------------------------------------------------
// bytes

const bytesOf = (vm: VM, id: ObjectId): Uint8Array => {
  const v = vm.value(id);
  if (v.t === 'bytes') return v.v;
  if (v.t === 'bytearray') return v.v.subarray(0, v.len);
  throw vm.typeError(`a bytes-like object is required, not '${vm.typeName(id)}'`);
};

export function bytesRepr(b: Uint8Array, prefix = 'b'): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 39) hasSingle = true;
    if (c === 34) hasDouble = true;
  }
  const q = hasSingle && !hasDouble ? '"' : "'";
  let s = `${prefix}${q}`;
  for (const c of b) {
    if (c === 92) s += '\\\\';
    else if (c === 9) s += '\\t';
    else if (c === 10) s += '\\n';
    else if (c === 13) s += '\\r';
    else if (c === q.charCodeAt(0)) s += `\\${q}`;
    else if (c < 32 || c >= 127) s += `\\x${c.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(c);
  }
  return s + q;
}

function bytesFromObject(vm: VM, obj: ObjectId): Uint8Array {
  const v = vm.value(obj);
  if (v.t === 'bytes') return v.v;
  if (v.t === 'bytearray') return v.v.slice(0, v.len);
  if (v.t === 'str') throw vm.typeError('string argument without an encoding');
  if (v.t === 'int' || v.t === 'bool') {
    const n = Number(vm.index(obj));
    if (n < 0) throw vm.pyErr('ValueError', 'negative count');
    return new Uint8Array(n);
  }
  const bytesMethod = vm.lookupSpecial(obj, '__bytes__', C_TEMP);
  if (bytesMethod !== undefined) {
    const r = vm.call(bytesMethod, [], undefined, C_TEMP);
    vm.rt.decref(bytesMethod, C_TEMP);
    const b = bytesOf(vm, r);
    vm.rt.decref(r, C_TEMP);
    return b;
  }
  const items = vm.iterateToArray(obj, C_TEMP);
  try {
    return Uint8Array.from(
      items.map((x) => {
        const n = vm.index(x);
        if (n < 0n || n > 255n) throw vm.pyErr('ValueError', 'bytes must be in range(0, 256)');
        return Number(n);
      }),
    );
  } finally {
    for (const x of items) vm.rt.decref(x, C_TEMP);
  }
}

const bytesSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const src = n > 0 ? args[0] : kwarg(args, kwnames, 'source');
    const enc = n > 1 ? args[1] : kwarg(args, kwnames, 'encoding');
    let b: Uint8Array;
    if (src === undefined) b = new Uint8Array(0);
    else if (enc !== undefined) {
      const sv = vm.value(src);
      if (sv.t !== 'str') throw vm.typeError('encoding without a string argument');
      const r = vm.callMethod(src, 'encode', [enc], C_TEMP);
      b = bytesOf(vm, r);
      vm.rt.decref(r, C_TEMP);
    } else {
      if (type === vm.T.bytes && vm.typeOf(src) === vm.T.bytes) return vm.ret(src, out);
      b = bytesFromObject(vm, src);
    }
    if (type === vm.T.bytes) return vm.newBytes(b, out);
    return vm.allocFor(type, 'bytes', 'bytes', bytesSize(b.length), { t: 'bytes', type, v: b }, out);
  },
  repr: (vm, self) => bytesRepr(bytesOf(vm, self)),
  hash: (vm, self) => {
    const b = bytesOf(vm, self);
    return b.length === 0 ? 0n : siphash13(b);
  },
  compare: (vm, a, b, op) => {
    const bv = vm.value(b);
    if (bv.t !== 'bytes' && bv.t !== 'bytearray') return undefined;
    const x = bytesOf(vm, a);
    const y = bytesOf(vm, b);
    let c = 0;
    for (let i = 0; i < x.length && i < y.length && c === 0; i++) c = (x[i] as number) - (y[i] as number);
    if (c === 0) c = x.length - y.length;
    switch (op) {
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '==':
        return c === 0;
      case '!=':
        return c !== 0;
      case '>':
        return c > 0;
      case '>=':
        return c >= 0;
    }
  },
  iter: (vm, self, out) => vm.newIterator('bytes_iterator', self, out),
  len: (vm, self) => bytesOf(vm, self).length,
  getitem: (vm, self, key, out) => {
    const b = bytesOf(vm, self);
    if (vm.value(key).t === 'slice') {
      const idx = sliceIndexList(vm, key, b.length);
      return vm.newBytes(Uint8Array.from(idx.map((i) => b[i] as number)), out);
    }
    const i = seqIndex(vm, key, b.length, 'byte');
    if (i === undefined) throw vm.pyErr('IndexError', 'index out of range');
    return vm.newInt(BigInt(b[i] as number), out);
  },
  contains: (vm, self, item) => {
    const b = bytesOf(vm, self);
    const iv = vm.value(item);
    if (iv.t === 'int' || iv.t === 'bool') return b.includes(Number(vm.index(item)));
    const sub = bytesOf(vm, item);
    return Buffer.from(b).includes(Buffer.from(sub));
  },
  concat: (vm, a, b, out) => {
    const x = bytesOf(vm, a);
    let y: Uint8Array;
    try {
      y = bytesOf(vm, b);
    } catch (e) {
      if (vm.raised(e, 'TypeError')) {
        vm.clearRaise(e);
        throw vm.typeError(`can't concat ${vm.typeName(b)} to ${vm.typeName(a)}`);
      }
      throw e;
    }
    const r = new Uint8Array(x.length + y.length);
    r.set(x);
    r.set(y, x.length);
    return vm.newBytes(r, out);
  },
  number: {
    '%': (vm, a, b, out) => {
      const av = vm.value(a);
      if (av.t !== 'bytes') return undefined;
      return vm.newBytes(vm.bytesPercentFormat(av.v, b), out);
    },
  },
  repeat: (vm, seq, n, out) => {
    const b = bytesOf(vm, seq);
    vm.checkLimit(checkStrLength(n < 0n ? 0n : BigInt(b.length) * n, 'bytes', true));
    const count = n < 0n ? 0 : Number(n);
    const r = new Uint8Array(b.length * count);
    for (let k = 0; k < count; k++) r.set(b, k * b.length);
    return vm.newBytes(r, out);
  },
};

const latin1 = (b: Uint8Array): string => String.fromCharCode(...b);

/** The sub argument of bytes.find and friends: a bytes-like object, or an int in range(256). */
function bytesNeedle(vm: VM, obj: ObjectId): Uint8Array {
  const v = vm.value(obj);
  if (v.t === 'bytes') return v.v;
  if (v.t === 'bytearray') return v.v.subarray(0, v.len);
  if (vm.hasIndex(obj)) {
    const n = vm.index(obj);
    if (n < 0n || n > 255n) throw vm.pyErr('ValueError', 'byte must be in range(0, 256)');
    return Uint8Array.of(Number(n));
  }
  throw vm.typeError(`argument should be integer or bytes-like object, not '${vm.typeName(obj)}'`);
}

/** ADJUST_INDICES: end clamped to the length, a start past the end left as it is. */
function bytesRange(vm: VM, len: number, a: readonly ObjectId[]): [number, number] {
  const adjust = (id: ObjectId | undefined, dflt: number, clampHigh: boolean): number => {
    if (id === undefined || id === vm.statics.none) return dflt;
    if (!vm.hasIndex(id)) throw vm.typeError('slice indices must be integers or have an __index__ method');
    let i = vm.index(id);
    if (i < 0n) {
      i += BigInt(len);
      if (i < 0n) i = 0n;
    } else if (i > BigInt(len)) i = clampHigh ? BigInt(len) : BigInt(len) + 1n;
    return Number(i);
  };
  return [adjust(a[1], 0, false), adjust(a[2], len, true)];
}

/** bytes.find, rfind, index, rindex: the position of sub in bytes[start:end], or -1. */
function bytesFind(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  reverse: boolean,
): number {
  const a = argRange(vm, name, args, kwnames, 1, 3);
  const s = latin1(bytesOf(vm, args[0] as ObjectId));
  const sub = latin1(bytesNeedle(vm, a[0] as ObjectId));
  const [start, end] = bytesRange(vm, s.length, a);
  if (end - start < sub.length) return -1;
  const hay = s.slice(start, end);
  const i = reverse ? hay.lastIndexOf(sub) : hay.indexOf(sub);
  return i < 0 ? -1 : i + start;
}

const bytesMethods: Record<string, Native> = {
  decode: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const enc = n > 1 ? args[1] : kwarg(args, kwnames, 'encoding');
    const errs = n > 2 ? args[2] : kwarg(args, kwnames, 'errors');
    const encoding = enc === undefined ? 'utf-8' : strOf(vm, enc).toLowerCase().replace('_', '-');
    const b = bytesOf(vm, args[0] as ObjectId);
    if (encoding === 'latin-1' || encoding === 'latin1' || encoding === 'iso-8859-1') return vm.newStr(latin1(b), out);
    if (encoding === 'ascii') {
      const bad = b.findIndex((c) => c >= 128);
      if (bad >= 0 && (errs === undefined || strOf(vm, errs) === 'strict')) {
        throw vm.pyErr(
          'UnicodeDecodeError',
          `'ascii' codec can't decode byte 0x${(b[bad] as number).toString(16)} in position ${bad}: ordinal not in range(128)`,
        );
      }
      return vm.newStr(latin1(b), out);
    }
    if (encoding === 'utf-8' || encoding === 'utf8') {
      const errors = errs === undefined ? 'strict' : strOf(vm, errs);
      try {
        return vm.newStr(new TextDecoder('utf-8', { fatal: true }).decode(b), out);
      } catch {
        return vm.newStr(decodeUtf8WithErrors(vm, b, errors), out);
      }
    }
    throw vm.pyErr('LookupError', `unknown encoding: ${enc === undefined ? 'utf-8' : strOf(vm, enc)}`);
  },
  hex: (vm, args, _kw, out) =>
    vm.newStr([...bytesOf(vm, args[0] as ObjectId)].map((c) => c.toString(16).padStart(2, '0')).join(''), out),
  join: (vm, args, kw, out) => {
    const sep = bytesOf(vm, args[0] as ObjectId);
    const items = vm.iterateToArray(oneArg(vm, 'bytes.join', args, kw), C_TEMP);
    try {
      const parts = items.map((x) => bytesOf(vm, x));
      const total = parts.reduce((s, p) => s + p.length, 0) + sep.length * Math.max(0, parts.length - 1);
      const r = new Uint8Array(total);
      let at = 0;
      parts.forEach((p, i) => {
        if (i > 0) {
          r.set(sep, at);
          at += sep.length;
        }
        r.set(p, at);
        at += p.length;
      });
      return vm.newBytes(r, out);
    } finally {
      for (const x of items) vm.rt.decref(x, C_TEMP);
    }
  },
  startswith: (vm, args, kw, out) => {
    const a = argRange(vm, 'startswith', args, kw, 1, 3);
    return vm.bool(latin1(bytesOf(vm, args[0] as ObjectId)).startsWith(latin1(bytesOf(vm, a[0] as ObjectId))), out);
  },
  endswith: (vm, args, kw, out) => {
    const a = argRange(vm, 'endswith', args, kw, 1, 3);
    return vm.bool(latin1(bytesOf(vm, args[0] as ObjectId)).endsWith(latin1(bytesOf(vm, a[0] as ObjectId))), out);
  },
  find: (vm, args, kw, out) => vm.newInt(BigInt(bytesFind(vm, 'find', args, kw, false)), out),
  rfind: (vm, args, kw, out) => vm.newInt(BigInt(bytesFind(vm, 'rfind', args, kw, true)), out),
  index: (vm, args, kw, out) => {
    const i = bytesFind(vm, 'index', args, kw, false);
    if (i < 0) throw vm.pyErr('ValueError', 'subsection not found');
    return vm.newInt(BigInt(i), out);
  },
  rindex: (vm, args, kw, out) => {
    const i = bytesFind(vm, 'rindex', args, kw, true);
    if (i < 0) throw vm.pyErr('ValueError', 'subsection not found');
    return vm.newInt(BigInt(i), out);
  },
  count: (vm, args, kw, out) => {
    const a = argRange(vm, 'count', args, kw, 1, 3);
    const s = latin1(bytesOf(vm, args[0] as ObjectId));
    const [start, end] = bytesRange(vm, s.length, a);
    if (start > s.length) return vm.newInt(0n, out);
    return vm.newInt(BigInt(count(s, latin1(bytesNeedle(vm, a[0] as ObjectId)), start, end)), out);
  },
  translate: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    if (n < 2) throw vm.typeError('translate() takes at least 1 positional argument (0 given)');
    const tableObj = args[1] as ObjectId;
    const delObj = n > 2 ? args[2] : kwarg(args, kwnames, 'delete');
    const table = tableObj === vm.statics.none ? undefined : bytesOf(vm, tableObj);
    if (table !== undefined && table.length !== 256)
      throw vm.pyErr('ValueError', 'translation table must be 256 characters long');
    const del = delObj === undefined ? undefined : bytesOf(vm, delObj);
    const src = bytesOf(vm, args[0] as ObjectId);
    const r: number[] = [];
    for (const c of src)
      if (del === undefined || !del.includes(c)) r.push(table === undefined ? c : (table[c] as number));
    return vm.newBytes(Uint8Array.from(r), out);
  },
  replace: (vm, args, kw, out) => {
    const a = argRange(vm, 'replace', args, kw, 2, 3);
    const s = latin1(bytesOf(vm, args[0] as ObjectId));
    const r = replace(
      s,
      latin1(bytesOf(vm, a[0] as ObjectId)),
      latin1(bytesOf(vm, a[1] as ObjectId)),
      a[2] === undefined ? -1 : Number(vm.index(a[2])),
    );
    return vm.newBytes(Uint8Array.from([...r].map((c) => c.charCodeAt(0))), out);
  },
  split: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const sepObj = n > 1 ? args[1] : kwarg(args, kwnames, 'sep');
    const s = latin1(bytesOf(vm, args[0] as ObjectId));
    const parts =
      sepObj === undefined || sepObj === vm.statics.none
        ? pySplitWhitespace(s, -1)
        : s.split(latin1(bytesOf(vm, sepObj)));
    const items = parts.map((p) => vm.newBytes(Uint8Array.from([...p].map((c) => c.charCodeAt(0))), C_TEMP));
    return vm.newList(items, out, C_TEMP);
  },
  strip: (vm, args, _kw, out) => {
    const s = latin1(bytesOf(vm, args[0] as ObjectId));
    const chars = args[1] === undefined || args[1] === vm.statics.none ? undefined : latin1(bytesOf(vm, args[1]));
    return vm.newBytes(Uint8Array.from([...pyStrip(s, chars, true, true)].map((c) => c.charCodeAt(0))), out);
  },
  upper: (vm, args, _kw, out) =>
    vm.newBytes(Uint8Array.from(bytesOf(vm, args[0] as ObjectId).map((c) => (c >= 97 && c <= 122 ? c - 32 : c))), out),
  lower: (vm, args, _kw, out) =>
    vm.newBytes(Uint8Array.from(bytesOf(vm, args[0] as ObjectId).map((c) => (c >= 65 && c <= 90 ? c + 32 : c))), out),
  __getnewargs__: (vm, args, _kw, out) =>
    vm.newTuple([vm.newBytes(bytesOf(vm, args[0] as ObjectId), C_TEMP)], out, C_TEMP),
};

const bytesFromhex: NativeMember = {
  k: 'classmethod',
  fn: (vm, args, _kw, out) => {
    const s = strOf(vm, args[1] as ObjectId).replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw vm.pyErr('ValueError', 'non-hexadecimal number found in fromhex() arg');
    const b = new Uint8Array(s.length / 2);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
    return vm.call(args[0] as ObjectId, [vm.newBytes(b, C_TEMP)], undefined, out);
  },
};

export function defineStrTypes(vm: VM): void {
  vm.T.str = vm.defineType({
    name: 'str',
    base: vm.T.object,
    layout: 'str',
    slots: strSlots,
    members: { ...methods(strMethods), maketrans },
  });
  vm.T.bytes = vm.defineType({
    name: 'bytes',
    base: vm.T.object,
    layout: 'bytes',
    slots: bytesSlots,
    members: { ...methods(bytesMethods), fromhex: bytesFromhex },
  });
}

export { bytesOf, bytesFromObject, bytesMethods, latin1, strOf, pyStrip };

/** A code point as CPython's encode errors show it: \xe9, \u20ac, \U0001f600. */
function escapeCodePoint(cp: number): string {
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/**
 * The UTF-8, ASCII and Latin-1 encoders with the built-in error handlers
 * (unicode_encode_ucs1, unicode_encode_utf8): strict, ignore, replace, backslashreplace,
 * xmlcharrefreplace, and surrogateescape / surrogatepass for lone surrogates.
 */
function encodeWithErrors(vm: VM, s: string, codec: 'utf-8' | 'ascii' | 'latin-1', errors: string): Uint8Array {
  const limit = codec === 'ascii' ? 128 : codec === 'latin-1' ? 256 : 0x110000;
  const out: number[] = [];
  const utf8 = new TextEncoder();
  const cps = [...s].map((c) => c.codePointAt(0) as number);
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i] as number;
    const surrogate = cp >= 0xd800 && cp <= 0xdfff;
    if (cp < limit && !(codec === 'utf-8' && surrogate)) {
      if (codec === 'utf-8') out.push(...utf8.encode(String.fromCodePoint(cp)));
      else out.push(cp);
      continue;
    }
    switch (errors) {
      case 'ignore':
        break;
      case 'replace':
        out.push(0x3f);
        break;
      case 'backslashreplace':
        for (const c of escapeCodePoint(cp)) out.push(c.charCodeAt(0));
        break;
      case 'xmlcharrefreplace':
        for (const c of `&#${cp};`) out.push(c.charCodeAt(0));
        break;
      case 'surrogateescape':
        if (cp >= 0xdc80 && cp <= 0xdcff) {
          out.push(cp - 0xdc00);
          break;
        }
        throw encodeError(vm, codec, cp, i, limit);
      case 'surrogatepass':
        if (codec === 'utf-8' && surrogate) {
          out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
          break;
        }
        throw encodeError(vm, codec, cp, i, limit);
      default:
        throw encodeError(vm, codec, cp, i, limit);
    }
  }
  return Uint8Array.from(out);
}

function encodeError(vm: VM, codec: string, cp: number, i: number, limit: number): ReturnType<VM['pyErr']> {
  const reason = codec === 'utf-8' ? 'surrogates not allowed' : `ordinal not in range(${limit})`;
  return vm.pyErr(
    'UnicodeEncodeError',
    `'${codec}' codec can't encode character '${escapeCodePoint(cp)}' in position ${i}: ${reason}`,
  );
}

/** The valid range of the byte after a UTF-8 lead byte (the rest are 0x80..0xBF). */
function utf8Second(lead: number): [number, number, number] | undefined {
  // [low, high, continuation bytes in all]
  if (lead >= 0xc2 && lead <= 0xdf) return [0x80, 0xbf, 1];
  if (lead === 0xe0) return [0xa0, 0xbf, 2];
  if (lead === 0xed) return [0x80, 0x9f, 2];
  if (lead >= 0xe1 && lead <= 0xef) return [0x80, 0xbf, 2];
  if (lead === 0xf0) return [0x90, 0xbf, 3];
  if (lead >= 0xf1 && lead <= 0xf3) return [0x80, 0xbf, 3];
  if (lead === 0xf4) return [0x80, 0x8f, 3];
  return undefined;
}

/**
 * The UTF-8 decoder with its error handlers (unicode_decode_utf8): each invalid
 * sequence is the maximal valid prefix of one character, reported as CPython reports it
 * ("invalid start byte", "invalid continuation byte", "unexpected end of data") and
 * handled by strict, ignore, replace, surrogateescape or backslashreplace.
 */
function decodeUtf8WithErrors(vm: VM, b: Uint8Array, errors: string): string {
  let out = '';
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    const second = utf8Second(c);
    let end = i + 1;
    let reason = 'invalid start byte';
    if (second !== undefined) {
      const [low, high, count] = second;
      let ok = true;
      for (let k = 1; k <= count; k++) {
        const at = i + k;
        if (at >= b.length) {
          reason = 'unexpected end of data';
          end = b.length;
          ok = false;
          break;
        }
        const x = b[at] as number;
        const inRange = k === 1 ? x >= low && x <= high : x >= 0x80 && x <= 0xbf;
        if (!inRange) {
          reason = 'invalid continuation byte';
          end = at;
          ok = false;
          break;
        }
      }
      if (ok) {
        out += new TextDecoder('utf-8').decode(b.subarray(i, i + count + 1));
        i += count + 1;
        continue;
      }
    }
    switch (errors) {
      case 'ignore':
        break;
      case 'replace':
        out += '\ufffd';
        break;
      case 'surrogateescape':
        for (let k = i; k < end; k++) out += String.fromCharCode(0xdc00 + (b[k] as number));
        break;
      case 'backslashreplace':
        for (let k = i; k < end; k++) out += `\\x${(b[k] as number).toString(16).padStart(2, '0')}`;
        break;
      default: {
        const where =
          end - i === 1
            ? `byte 0x${c.toString(16).padStart(2, '0')} in position ${i}`
            : `bytes in position ${i}-${end - 1}`;
        throw vm.pyErr('UnicodeDecodeError', `'utf-8' codec can't decode ${where}: ${reason}`);
      }
    }
    i = end;
  }
  return out;
}
