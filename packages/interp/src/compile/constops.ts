/*
 * Compile-time constants: Python semantics
 * ========================================
 * What the compiler needs to know about the Python objects it folds and stores in
 * `co_consts`, computed the way CPython 3.11 computes them:
 *
 *   - arithmetic on constants for the AST optimizer (Python/ast_opt.c folds `2 ** 10`,
 *     `'a' * 3`, `(1, 2) + (3,)`, `-1`, ...): `PyNumber_*` semantics for int (arbitrary
 *     precision), bool, float (IEEE doubles, Python's floor division and modulo), complex,
 *     str, bytes and tuple; `null` where CPython raises (the optimizer then leaves the
 *     expression alone, as `make_const` does on an error);
 *   - truth values (`PyObject_IsTrue`) for the CFG optimizer's constant conditions;
 *   - the constant key (`_PyCode_ConstantKey`, Objects/codeobject.c) that decides which
 *     constants are merged into one object: equal values of the same type, with 0.0 and
 *     -0.0 kept apart, bools apart from ints, tuples and frozensets compared item by item
 *     by key;
 *   - `repr()` of constants (Objects/unicodeobject.c, floatobject.c's 'r' format,
 *     complexobject.c, bytesobject.c), used by `dis` and by the annotation unparser.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- a port of CPython's C: indices
   and links are in range by construction, as there; a miss is a compiler defect */
import type { CodeObject, Constant } from './code.js';

export const NONE: Constant = { k: 'None' };
export const ELLIPSIS: Constant = { k: 'Ellipsis' };
export const TRUE: Constant = { k: 'bool', v: true };
export const FALSE: Constant = { k: 'bool', v: false };
export const int = (v: bigint): Constant => ({ k: 'int', v });
export const str = (v: string): Constant => ({ k: 'str', v });
export const tuple = (items: readonly Constant[]): Constant => ({ k: 'tuple', items });

/* ------------------------------------------------------------------ truth */

export function isTrue(c: Constant): boolean {
  switch (c.k) {
    case 'None':
      return false;
    case 'Ellipsis':
    case 'code':
      return true;
    case 'bool':
      return c.v;
    case 'int':
      return c.v !== 0n;
    case 'float':
      return c.v !== 0;
    case 'complex':
      return c.re !== 0 || c.im !== 0;
    case 'str':
      return c.v.length > 0;
    case 'bytes':
      return c.v.length > 0;
    case 'tuple':
    case 'frozenset':
      return c.items.length > 0;
  }
}

/* ------------------------------------------------------------------ keys */

let nanCounter = 0;
const floatKey = (v: number): string => (Number.isNaN(v) ? `nan#${++nanCounter}` : Object.is(v, -0) ? '-0' : String(v));

const codeKeys = new WeakMap<CodeObject, string>();
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** code_richcompare's fields: two code objects with equal keys are merged into one. */
function codeKey(co: CodeObject): string {
  let key = codeKeys.get(co);
  if (key === undefined) {
    key = JSON.stringify([
      co.name,
      co.argcount,
      co.posonlyargcount,
      co.kwonlyargcount,
      co.flags,
      co.firstlineno,
      hexOf(co.code),
      co.consts.map(constantKey),
      co.names,
      co.localsplusnames,
      hexOf(co.linetable),
      hexOf(co.exceptiontable),
    ]);
    codeKeys.set(co, key);
  }
  return key;
}

/**
 * `_PyCode_ConstantKey` as a string: two constants with the same key are merged into one
 * object by the compiler. NaNs never compare equal, so each gets its own key; code
 * objects by the fields `code_richcompare` compares.
 */
export function constantKey(c: Constant): string {
  switch (c.k) {
    case 'None':
      return 'N';
    case 'Ellipsis':
      return 'E';
    case 'bool':
      return c.v ? 'T' : 'F';
    case 'int':
      return 'i' + c.v.toString();
    case 'float':
      return 'f' + floatKey(c.v);
    case 'complex':
      return 'c' + floatKey(c.re) + ',' + floatKey(c.im);
    case 'str':
      return 's' + c.v;
    case 'bytes':
      return 'b' + Buffer.from(c.v).toString('hex');
    case 'tuple':
      return 't' + JSON.stringify(c.items.map(constantKey));
    case 'frozenset':
      return 'z' + JSON.stringify(c.items.map(constantKey).sort());
    case 'code':
      return 'o' + codeKey(c.code);
  }
}

/* ------------------------------------------------------------------ numbers */

type Num = { kind: 'int'; v: bigint } | { kind: 'float'; v: number } | { kind: 'complex'; re: number; im: number };

const asNum = (c: Constant): Num | null => {
  switch (c.k) {
    case 'bool':
      return { kind: 'int', v: c.v ? 1n : 0n };
    case 'int':
      return { kind: 'int', v: c.v };
    case 'float':
      return { kind: 'float', v: c.v };
    case 'complex':
      return { kind: 'complex', re: c.re, im: c.im };
    default:
      return null;
  }
};

const MAX_FLOAT_INT = 2n ** 1024n;

/** int → float as `PyLong_AsDouble` (correctly rounded; null on overflow). */
export function intToFloat(v: bigint): number | null {
  const neg = v < 0n;
  const a = neg ? -v : v;
  if (a < 2n ** 53n) return neg ? -Number(a) : Number(a);
  // Round half to even on the 53 leading bits.
  const bits = a.toString(2).length;
  const shift = BigInt(bits - 53);
  let m = a >> shift;
  const rem = a - (m << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
  const r = m << shift;
  if (r >= MAX_FLOAT_INT) return null;
  const f = Number(r);
  return neg ? -f : f;
}

const toFloat = (n: Num): number | null => (n.kind === 'int' ? intToFloat(n.v) : n.kind === 'float' ? n.v : null);

const mkFloat = (v: number): Constant => ({ k: 'float', v });
const mkComplex = (re: number, im: number): Constant => ({ k: 'complex', re, im });

/** Python's true division of two ints, correctly rounded (`long_true_divide`). */
function intTrueDivide(a: bigint, b: bigint): number | null {
  if (b === 0n) return null;
  const fa = intToFloat(a);
  const fb = intToFloat(b);
  const small = (x: bigint): boolean => (x < 0n ? -x : x) <= 2n ** 53n;
  if (small(a) && small(b) && fa !== null && fb !== null) return fa / fb;
  // Exact: scale the quotient to 55+ significant bits, round half even.
  const neg = a < 0n !== b < 0n;
  let x = a < 0n ? -a : a;
  const y = b < 0n ? -b : b;
  if (x === 0n) return neg ? -0 : 0;
  const xbits = x.toString(2).length;
  const ybits = y.toString(2).length;
  let shift = 55 - (xbits - ybits);
  if (shift > 0) x <<= BigInt(shift);
  else shift = 0;
  const q = x / y;
  const r = x % y;
  // q has 55 or 56 bits; fold the remainder into a sticky bit, then let Number() round.
  const qq = q * 2n + (r !== 0n ? 1n : 0n);
  const f = intToFloat(qq);
  if (f === null) return null;
  const res = f / 2 ** (shift + 1);
  if (!Number.isFinite(res)) return null;
  return neg ? -res : res;
}

function floatFloorDivMod(vx: number, wx: number): [number, number] | null {
  if (wx === 0) return null;
  let mod = vx % wx;
  let div = (vx - mod) / wx;
  if (mod) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = wx < 0 ? -0 : 0;
  }
  let floordiv: number;
  if (div) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = vx / wx < 0 || Object.is(vx / wx, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

const bigFloorDiv = (a: bigint, b: bigint): bigint => {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
};
const bigMod = (a: bigint, b: bigint): bigint => {
  const m = a % b;
  return m !== 0n && m < 0n !== b < 0n ? m + b : m;
};

function complexQuot(ar: number, ai: number, br: number, bi: number): [number, number] | null {
  // Python/complexobject.c _Py_c_quot
  const absBr = Math.abs(br);
  const absBi = Math.abs(bi);
  if (absBr >= absBi) {
    if (absBr === 0) return null;
    const ratio = bi / br;
    const denom = br + bi * ratio;
    return [(ar + ai * ratio) / denom, (ai - ar * ratio) / denom];
  }
  if (absBi >= absBr) {
    const ratio = br / bi;
    const denom = br * ratio + bi;
    return [(ar * ratio + ai) / denom, (ai * ratio - ar) / denom];
  }
  return [NaN, NaN];
}

function complexPow(ar: number, ai: number, br: number, bi: number): [number, number] | null {
  // _Py_c_pow, with c_powi for small integral exponents
  if (bi === 0 && br === Math.floor(br) && Math.abs(br) <= 100) {
    const n = br;
    const powu = (xr: number, xi: number, m: number): [number, number] => {
      let rr = 1;
      let ri = 0;
      let pr = xr;
      let pi = xi;
      let mask = 1;
      while (mask > 0 && m >= mask) {
        if (m & mask) {
          const t = rr * pr - ri * pi;
          ri = rr * pi + ri * pr;
          rr = t;
        }
        mask <<= 1;
        const t = pr * pr - pi * pi;
        pi = pr * pi + pi * pr;
        pr = t;
      }
      return [rr, ri];
    };
    if (n > 0) return powu(ar, ai, n);
    const [pr, pi] = powu(ar, ai, -n);
    return complexQuot(1, 0, pr, pi);
  }
  if (br === 0 && bi === 0) return [1, 0];
  if (ar === 0 && ai === 0) {
    if (bi !== 0 || br < 0) return null;
    return [0, 0];
  }
  const vabs = Math.hypot(ar, ai);
  let len = Math.pow(vabs, br);
  const at = Math.atan2(ai, ar);
  let phase = at * br;
  if (bi !== 0) {
    len /= Math.exp(at * bi);
    phase += bi * Math.log(vabs);
  }
  return [len * Math.cos(phase), len * Math.sin(phase)];
}

function numBinary(op: string, a: Num, b: Num): Constant | null {
  if (a.kind === 'complex' || b.kind === 'complex') {
    const ca = a.kind === 'complex' ? [a.re, a.im] : [toFloat(a), 0];
    const cb = b.kind === 'complex' ? [b.re, b.im] : [toFloat(b), 0];
    if (ca[0] === null || cb[0] === null) return null;
    const [ar, ai] = ca as [number, number];
    const [br, bi] = cb as [number, number];
    switch (op) {
      case 'Add':
        return mkComplex(ar + br, ai + bi);
      case 'Sub':
        return mkComplex(ar - br, ai - bi);
      case 'Mult':
        return mkComplex(ar * br - ai * bi, ar * bi + ai * br);
      case 'Div': {
        const q = complexQuot(ar, ai, br, bi);
        return q === null ? null : mkComplex(q[0], q[1]);
      }
      case 'Pow': {
        const p = complexPow(ar, ai, br, bi);
        if (p === null || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) return null;
        return mkComplex(p[0], p[1]);
      }
      default:
        return null;
    }
  }
  if (a.kind === 'float' || b.kind === 'float') {
    const x = toFloat(a);
    const y = toFloat(b);
    if (x === null || y === null) return null;
    switch (op) {
      case 'Add':
        return mkFloat(x + y);
      case 'Sub':
        return mkFloat(x - y);
      case 'Mult':
        return mkFloat(x * y);
      case 'Div':
        return y === 0 ? null : mkFloat(x / y);
      case 'FloorDiv': {
        const r = floatFloorDivMod(x, y);
        return r === null ? null : mkFloat(r[0]);
      }
      case 'Mod': {
        const r = floatFloorDivMod(x, y);
        return r === null ? null : mkFloat(r[1]);
      }
      case 'Pow':
        return floatPow(x, y);
      default:
        return null;
    }
  }
  const x = a.v;
  const y = b.v;
  switch (op) {
    case 'Add':
      return int(x + y);
    case 'Sub':
      return int(x - y);
    case 'Mult':
      return int(x * y);
    case 'Div': {
      const r = intTrueDivide(x, y);
      return r === null ? null : mkFloat(r);
    }
    case 'FloorDiv':
      return y === 0n ? null : int(bigFloorDiv(x, y));
    case 'Mod':
      return y === 0n ? null : int(bigMod(x, y));
    case 'Pow': {
      if (y < 0n) {
        const fx = intToFloat(x);
        const fy = intToFloat(y);
        if (fx === null || fy === null) return null;
        return floatPow(fx, fy);
      }
      return int(x ** y);
    }
    case 'LShift':
      if (y < 0n) return null;
      return int(x << y);
    case 'RShift':
      if (y < 0n) return null;
      return int(x >> y);
    case 'BitOr':
      return int(x | y);
    case 'BitXor':
      return int(x ^ y);
    case 'BitAnd':
      return int(x & y);
    default:
      return null;
  }
}

/** float_pow of Objects/floatobject.c (null where CPython raises). */
function floatPow(iv: number, iw: number): Constant | null {
  if (iw === 0) return mkFloat(1.0);
  if (Number.isNaN(iv)) return mkFloat(iw === 0 ? 1.0 : iv);
  if (Number.isNaN(iw)) return mkFloat(iv === 1.0 ? 1.0 : iw);
  if (!Number.isFinite(iw)) {
    const av = Math.abs(iv);
    if (av === 1.0) return mkFloat(1.0);
    if (iw > 0 === av > 1.0) return mkFloat(Math.abs(iw));
    return mkFloat(0.0);
  }
  const iwIsOdd = Math.abs(iw % 2.0) === 1.0;
  if (!Number.isFinite(iv)) {
    if (iv > 0) return mkFloat(iw > 0 ? iv : 0.0);
    if (iw > 0) return mkFloat(iwIsOdd ? iv : -iv);
    return mkFloat(iwIsOdd ? -0.0 : 0.0);
  }
  if (iv === 0) {
    if (iw < 0) return null;
    return mkFloat(iwIsOdd ? iv : 0.0);
  }
  let negate = false;
  if (iv < 0) {
    if (iw !== Math.floor(iw)) return null; // complex result
    iv = -iv;
    negate = iwIsOdd;
  }
  if (iv === 1.0) return mkFloat(negate ? -1.0 : 1.0);
  const r = Math.pow(iv, iw);
  if (!Number.isFinite(r)) return null;
  return mkFloat(negate ? -r : r);
}

/* ------------------------------------------------------------------ sequences */

const concatBytes = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const r = new Uint8Array(a.length + b.length);
  r.set(a, 0);
  r.set(b, a.length);
  return r;
};

const repeat = (c: Constant, n: bigint): Constant | null => {
  const times = n < 0n ? 0 : Number(n);
  if (times > 1e6) return null;
  switch (c.k) {
    case 'str':
      return str(c.v.repeat(times));
    case 'bytes': {
      const r = new Uint8Array(c.v.length * times);
      for (let i = 0; i < times; i++) r.set(c.v, i * c.v.length);
      return { k: 'bytes', v: r };
    }
    case 'tuple': {
      const items: Constant[] = [];
      for (let i = 0; i < times; i++) items.push(...c.items);
      return tuple(items);
    }
    default:
      return null;
  }
};

/** str length as CPython counts it (code points). */
export const strLength = (s: string): number => {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) i++;
    }
    n++;
  }
  return n;
};

const numBits = (v: bigint): number => (v === 0n ? 0 : (v < 0n ? -v : v).toString(2).length);

const MAX_INT_SIZE = 128;
const MAX_COLLECTION_SIZE = 256;
const MAX_STR_SIZE = 4096;
const MAX_TOTAL_ITEMS = 1024;

function checkComplexity(c: Constant, limit: number): number {
  if (c.k === 'tuple' || c.k === 'frozenset') {
    limit -= c.items.length;
    for (let i = 0; limit >= 0 && i < c.items.length; i++) limit = checkComplexity(c.items[i]!, limit);
  }
  return limit;
}

const isIntLike = (c: Constant): c is Constant & { k: 'int' | 'bool' } => c.k === 'int' || c.k === 'bool';
const intVal = (c: Constant): bigint => (c.k === 'int' ? c.v : c.k === 'bool' ? (c.v ? 1n : 0n) : 0n);

function safeMultiply(v: Constant, w: Constant): Constant | null {
  if (isIntLike(v) && isIntLike(w) && intVal(v) !== 0n && intVal(w) !== 0n) {
    if (numBits(intVal(v)) + numBits(intVal(w)) > MAX_INT_SIZE) return null;
  } else if (isIntLike(v) && (w.k === 'tuple' || w.k === 'frozenset')) {
    const size = w.items.length;
    if (size) {
      const n = intVal(v);
      if (n < 0n || n > BigInt(Math.floor(MAX_COLLECTION_SIZE / size))) return null;
      if (n && checkComplexity(w, Math.floor(MAX_TOTAL_ITEMS / Number(n))) < 0) return null;
    }
  } else if (isIntLike(v) && (w.k === 'str' || w.k === 'bytes')) {
    const size = w.k === 'str' ? strLength(w.v) : w.v.length;
    if (size) {
      const n = intVal(v);
      if (n < 0n || n > BigInt(Math.floor(MAX_STR_SIZE / size))) return null;
    }
  } else if (isIntLike(w) && (v.k === 'tuple' || v.k === 'frozenset' || v.k === 'str' || v.k === 'bytes')) {
    return safeMultiply(w, v);
  }
  return pyBinary('Mult', v, w);
}

function safePower(v: Constant, w: Constant): Constant | null {
  if (isIntLike(v) && isIntLike(w) && intVal(v) !== 0n && intVal(w) > 0n) {
    const vbits = numBits(intVal(v));
    const wbits = intVal(w);
    if (BigInt(vbits) > BigInt(MAX_INT_SIZE) / wbits) return null;
  }
  return pyBinary('Pow', v, w);
}

function safeLshift(v: Constant, w: Constant): Constant | null {
  if (isIntLike(v) && isIntLike(w) && intVal(v) !== 0n && intVal(w) !== 0n) {
    const vbits = numBits(intVal(v));
    const wbits = intVal(w);
    if (wbits < 0n) return null;
    if (wbits > BigInt(MAX_INT_SIZE) || BigInt(vbits) > BigInt(MAX_INT_SIZE) - wbits) return null;
  }
  return pyBinary('LShift', v, w);
}

/** `PyNumber_<op>(a, b)` on constants; null where CPython raises. */
export function pyBinary(op: string, a: Constant, b: Constant): Constant | null {
  if (op === 'BitAnd' || op === 'BitOr' || op === 'BitXor') {
    if (a.k === 'bool' && b.k === 'bool') {
      const r = op === 'BitAnd' ? a.v && b.v : op === 'BitOr' ? a.v || b.v : a.v !== b.v;
      return r ? TRUE : FALSE;
    }
  }
  const na = asNum(a);
  const nb = asNum(b);
  if (na !== null && nb !== null) return numBinary(op, na, nb);
  if (op === 'Add') {
    if (a.k === 'str' && b.k === 'str') return str(a.v + b.v);
    if (a.k === 'bytes' && b.k === 'bytes') return { k: 'bytes', v: concatBytes(a.v, b.v) };
    if (a.k === 'tuple' && b.k === 'tuple') return tuple([...a.items, ...b.items]);
    return null;
  }
  if (op === 'Mult') {
    if (isIntLike(a) && (b.k === 'str' || b.k === 'bytes' || b.k === 'tuple')) return repeat(b, intVal(a));
    if (isIntLike(b) && (a.k === 'str' || a.k === 'bytes' || a.k === 'tuple')) return repeat(a, intVal(b));
    return null;
  }
  if (op === 'Mod') {
    // str % x and bytes % x are never folded (safe_mod), tuple % x raises.
    return null;
  }
  return null;
}

/** The AST optimizer's binary folding (ast_opt.c fold_binop's switch). */
export function foldBinary(op: string, a: Constant, b: Constant): Constant | null {
  switch (op) {
    case 'Mult':
      return safeMultiply(a, b);
    case 'Pow':
      return safePower(a, b);
    case 'LShift':
      return safeLshift(a, b);
    case 'Mod':
      if (a.k === 'str' || a.k === 'bytes') return null;
      return pyBinary(op, a, b);
    case 'MatMult':
      return null;
    default:
      return pyBinary(op, a, b);
  }
}

export function foldUnary(op: string, a: Constant): Constant | null {
  switch (op) {
    case 'Not':
      return isTrue(a) ? FALSE : TRUE;
    case 'Invert':
      return isIntLike(a) ? int(~intVal(a)) : null;
    case 'UAdd':
      if (isIntLike(a)) return int(intVal(a));
      if (a.k === 'float' || a.k === 'complex') return a;
      return null;
    case 'USub':
      if (isIntLike(a)) return int(-intVal(a));
      if (a.k === 'float') return mkFloat(-a.v);
      if (a.k === 'complex') return mkComplex(-a.re, -a.im);
      return null;
    default:
      return null;
  }
}

/** Code points of a str, as CPython indexes it. */
const codePoints = (s: string): string[] => Array.from(s);

/** `PyObject_GetItem(container, index)` on constants (no slices: a slice is not a constant). */
export function foldSubscript(v: Constant, idx: Constant): Constant | null {
  if (!isIntLike(idx)) return null;
  let i = intVal(idx);
  switch (v.k) {
    case 'str': {
      const cps = codePoints(v.v);
      if (i < 0n) i += BigInt(cps.length);
      if (i < 0n || i >= BigInt(cps.length)) return null;
      return str(cps[Number(i)]!);
    }
    case 'bytes': {
      if (i < 0n) i += BigInt(v.v.length);
      if (i < 0n || i >= BigInt(v.v.length)) return null;
      return int(BigInt(v.v[Number(i)]!));
    }
    case 'tuple': {
      if (i < 0n) i += BigInt(v.items.length);
      if (i < 0n || i >= BigInt(v.items.length)) return null;
      return v.items[Number(i)]!;
    }
    default:
      return null;
  }
}

/* ------------------------------------------------------------------ repr */

/** `repr(float)`: the shortest round-tripping digits, formatted with Python's rules. */
export function floatRepr(v: number, addDot0 = true): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return (Object.is(v, -0) ? '-0' : '0') + (addDot0 ? '.0' : '');
  const e = v.toExponential(); // shortest round-trip digits
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e);
  if (!m) return String(v);
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4]);
  // float_repr_style 'r': exponent notation when decpt <= -4 or decpt > 16
  const decpt = exp + 1;
  if (decpt <= -4 || decpt > 16) {
    const mant = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const es = exp < 0 ? '-' + String(-exp).padStart(2, '0') : '+' + String(exp).padStart(2, '0');
    return sign + mant + 'e' + es;
  }
  let out: string;
  if (decpt <= 0) out = '0.' + '0'.repeat(-decpt) + digits;
  else if (decpt >= digits.length) out = digits + '0'.repeat(decpt - digits.length) + (addDot0 ? '.0' : '');
  else out = digits.slice(0, decpt) + '.' + digits.slice(decpt);
  return sign + out;
}

export function complexRepr(re: number, im: number): string {
  const imStr = floatRepr(im, false);
  if (re === 0 && !Object.is(re, -0)) return imStr + 'j';
  const reStr = floatRepr(re, false);
  const sep = imStr.startsWith('-') || (Number.isNaN(im) && false) ? '' : '+';
  return '(' + reStr + sep + imStr + 'j)';
}

const PRINTABLE_EXCLUDED = /[\p{C}\p{Z}]/u;

/** `repr(str)` (unicode_repr). */
export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x7f) out += ch;
    else if (ch !== ' ' && PRINTABLE_EXCLUDED.test(ch)) {
      if (cp <= 0xff) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

/** `repr(bytes)`. */
export function bytesRepr(b: Uint8Array): string {
  let hasSingle = false;
  let hasDouble = false;
  for (const x of b) {
    if (x === 0x27) hasSingle = true;
    if (x === 0x22) hasDouble = true;
  }
  const quote = hasSingle && !hasDouble ? 0x22 : 0x27;
  let out = 'b' + String.fromCharCode(quote);
  for (const x of b) {
    if (x === quote || x === 0x5c) out += '\\' + String.fromCharCode(x);
    else if (x === 0x09) out += '\\t';
    else if (x === 0x0a) out += '\\n';
    else if (x === 0x0d) out += '\\r';
    else if (x < 0x20 || x >= 0x7f) out += '\\x' + x.toString(16).padStart(2, '0');
    else out += String.fromCharCode(x);
  }
  return out + String.fromCharCode(quote);
}

/** `repr()` of a constant; code objects through `codeRepr`. */
export function constRepr(
  c: Constant,
  codeRepr: (co: CodeObject) => string = (co) => `<code object ${co.name}>`,
): string {
  switch (c.k) {
    case 'None':
      return 'None';
    case 'Ellipsis':
      return 'Ellipsis';
    case 'bool':
      return c.v ? 'True' : 'False';
    case 'int':
      return c.v.toString();
    case 'float':
      return floatRepr(c.v);
    case 'complex':
      return complexRepr(c.re, c.im);
    case 'str':
      return strRepr(c.v);
    case 'bytes':
      return bytesRepr(c.v);
    case 'tuple':
      if (c.items.length === 1) return '(' + constRepr(c.items[0]!, codeRepr) + ',)';
      return '(' + c.items.map((x) => constRepr(x, codeRepr)).join(', ') + ')';
    case 'frozenset':
      if (c.items.length === 0) return 'frozenset()';
      return 'frozenset({' + c.items.map((x) => constRepr(x, codeRepr)).join(', ') + '})';
    case 'code':
      return codeRepr(c.code);
  }
}

/** Is every character of `s` a name character ([a-zA-Z0-9_])? (`all_name_chars`) */
export const allNameChars = (s: string): boolean => /^[A-Za-z0-9_]*$/.test(s);
