/*
 * int, bool, float and complex
 * ============================
 * The numeric tower: each binary slot takes its operands in their original order and
 * answers NotImplemented (undefined) for a type it does not handle, so `1 + 2.5` reaches
 * float's slot as CPython's binary_op1 does. Ints are arbitrary precision (BigInt);
 * results outside -5..256 are new objects (ID-1), sized by their 30-bit digits (OBJ-5).
 *
 * Source: Objects/longobject.c (long_add ... long_pow, l_divmod, long_true_divide,
 * long_hash, long_richcompare, long_new, PyLong_FromString), Objects/boolobject.c,
 * Objects/floatobject.c (float_rem, float_divmod, float_floor_div, float_pow, float_hash
 * via _Py_HashDouble, float_richcompare, float_new), Objects/complexobject.c.
 *
 * Simplifications: int-to-str conversion has no digit limit check; complex division and
 * power follow the simple formulas.
 */
import { type Holder, type ObjectId } from '@pymemsim/core';
import { formatFloat } from '../format.js';
import type { VM } from '../vm/vm.js';
import { C_TEMP } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { BinaryOp, CompareOp, TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { methods } from './list.js';
import { reduceHash } from '../vm/protocols.js';
import { bitLength, checkDecimalDigits, checkMul, checkPow, checkShift, intToDecimal } from '../limits.js';
import * as ops from './floatOps.js';
import { PyError } from './pyError.js';

/** A floatOps.ts operation, its PyError raised as the Python exception. */
function objectOp<T>(vm: VM, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof PyError) throw vm.pyErr(e.pyType, e.message);
    throw e;
  }
}

const MODULUS = (1n << 61n) - 1n;

/** The int value of an int or bool, else undefined. */
export function intOf(vm: VM, id: ObjectId): bigint | undefined {
  const v = vm.value(id);
  if (v.t === 'int') return v.v;
  if (v.t === 'bool') return v.v ? 1n : 0n;
  return undefined;
}

/** The float value of a float, int or bool (OverflowError for huge ints), else undefined. */
export function floatOf(vm: VM, id: ObjectId): number | undefined {
  const v = vm.value(id);
  if (v.t === 'float') return v.v;
  if (v.t === 'int') return intToFloat(vm, v.v);
  if (v.t === 'bool') return v.v ? 1 : 0;
  return undefined;
}

export function intToFloat(vm: VM, v: bigint): number {
  const f = Number(v);
  if (!Number.isFinite(f)) throw vm.pyErr('OverflowError', 'int too large to convert to float');
  return f;
}

export const floorDivBig = (x: bigint, y: bigint): bigint => {
  const q = x / y;
  return x % y !== 0n && x < 0n !== y < 0n ? q - 1n : q;
};

/** Python's hash of an int (long_hash). */
export function intHash(v: bigint): bigint {
  const neg = v < 0n;
  let h = (neg ? -v : v) % MODULUS;
  if (neg) h = -h;
  return h === -1n ? -2n : h;
}

/** _Py_HashDouble (a NaN's hash comes from its identity, here its address). */
export function floatHash(v: number, addr: number): bigint {
  if (Number.isNaN(v)) return BigInt(addr >> 4);
  if (!Number.isFinite(v)) return v > 0 ? 314159n : -314159n;
  if (Number.isInteger(v)) return intHash(BigInt(v));
  // m * 2**e exactly: the float as a fraction of BigInts.
  const [num, den] = ratio(v);
  // hash = num * inverse(den) mod P
  const inv = modPow(((den % MODULUS) + MODULUS) % MODULUS, MODULUS - 2n, MODULUS);
  let h = (((num < 0n ? -num : num) % MODULUS) * inv) % MODULUS;
  if (num < 0n) h = -h;
  return h === -1n ? -2n : h;
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let base = b % m;
  let ex = e;
  while (ex > 0n) {
    if (ex & 1n) r = (r * base) % m;
    base = (base * base) % m;
    ex >>= 1n;
  }
  return r;
}

/** A finite float as an exact fraction num/den (den a power of two). */
export function ratio(v: number): [bigint, bigint] {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const sign = hi >>> 31 ? -1n : 1n;
  const exp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (exp === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = exp - 1075;
  }
  if (mant === 0n) return [0n, 1n];
  while ((mant & 1n) === 0n && e < 0) {
    mant >>= 1n;
    e += 1;
  }
  if (e >= 0) return [sign * (mant << BigInt(e)), 1n];
  return [sign * mant, 1n << BigInt(-e)];
}

/** float_rem: fmod with the sign of the divisor (floatOps.ts; the divisor is not zero). */
export const floatMod = (vx: number, wx: number): number => ops.floatRem(vx, wx);

/** float_divmod: the floor quotient and the remainder (floatOps.ts; the divisor is not zero). */
export const floatDivmod = (vx: number, wx: number): [number, number] => ops.floatDivmod(vx, wx);

function intCompare(a: bigint, b: bigint, op: CompareOp): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

/** A float compared with an int exactly (float_richcompare's careful path). */
function floatIntCompare(f: number, i: bigint, op: CompareOp): boolean {
  if (Number.isNaN(f)) return op === '!=';
  if (!Number.isFinite(f)) return intCompare(f > 0 ? 1n : -1n, 0n, op);
  const [num, den] = ratio(f);
  // f ? i  <=>  num ? i * den
  return intCompare(num, i * den, op);
}

function floatCompare(a: number, b: number, op: CompareOp): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function intBinary(op: BinaryOp): (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined {
  return (vm, a, b, out) => {
    const x = intOf(vm, a);
    const y = intOf(vm, b);
    if (x === undefined || y === undefined) return undefined;
    switch (op) {
      case '+':
        return vm.newInt(x + y, out);
      case '-':
        return vm.newInt(x - y, out);
      case '*':
        if (x !== 0n && y !== 0n) vm.checkLimit(checkMul(x, y));
        return vm.newInt(x * y, out);
      case '//':
        if (y === 0n) throw vm.pyErr('ZeroDivisionError', 'integer division or modulo by zero');
        return vm.newInt(floorDivBig(x, y), out);
      case '%':
        if (y === 0n) throw vm.pyErr('ZeroDivisionError', 'integer modulo by zero');
        return vm.newInt(x - floorDivBig(x, y) * y, out);
      case '/':
        if (y === 0n) throw vm.pyErr('ZeroDivisionError', 'division by zero');
        return vm.newFloat(
          objectOp(vm, () => ops.intTrueDiv(x, y)),
          out,
        );
      case '**':
        if (y < 0n) {
          if (x === 0n) throw vm.pyErr('ZeroDivisionError', '0.0 cannot be raised to a negative power');
          return vm.newFloat(intToFloat(vm, x) ** Number(y), out);
        }
        vm.checkLimit(checkPow(x, y));
        return vm.newInt(x ** y, out);
      case '<<':
        if (y < 0n) throw vm.pyErr('ValueError', 'negative shift count');
        vm.checkLimit(checkShift(x, y));
        return vm.newInt(x << y, out);
      case '>>':
        if (y < 0n) throw vm.pyErr('ValueError', 'negative shift count');
        // A count past the int's length leaves its sign (BigInt would refuse a huge count).
        return vm.newInt(y > BigInt(bitLength(x)) ? (x < 0n ? -1n : 0n) : x >> y, out);
      case '&':
        if (vm.value(a).t === 'bool' && vm.value(b).t === 'bool') return vm.bool((x & y) !== 0n, out);
        return vm.newInt(x & y, out);
      case '|':
        if (vm.value(a).t === 'bool' && vm.value(b).t === 'bool') return vm.bool((x | y) !== 0n, out);
        return vm.newInt(x | y, out);
      case '^':
        if (vm.value(a).t === 'bool' && vm.value(b).t === 'bool') return vm.bool((x ^ y) !== 0n, out);
        return vm.newInt(x ^ y, out);
      default:
        return undefined;
    }
  };
}

function floatBinary(op: BinaryOp): (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined {
  return (vm, a, b, out) => {
    const av = vm.value(a);
    const bv = vm.value(b);
    if (av.t !== 'float' && bv.t !== 'float') return undefined;
    const x = floatOf(vm, a);
    const y = floatOf(vm, b);
    if (x === undefined || y === undefined) return undefined;
    switch (op) {
      case '+':
        return vm.newFloat(x + y, out);
      case '-':
        return vm.newFloat(x - y, out);
      case '*':
        return vm.newFloat(x * y, out);
      case '/':
        if (y === 0) throw vm.pyErr('ZeroDivisionError', 'float division by zero');
        return vm.newFloat(x / y, out);
      case '//':
        if (y === 0) throw vm.pyErr('ZeroDivisionError', 'float floor division by zero');
        return vm.newFloat(floatDivmod(x, y)[0], out);
      case '%':
        if (y === 0) throw vm.pyErr('ZeroDivisionError', 'float modulo');
        return vm.newFloat(floatMod(x, y), out);
      case '**': {
        if (x < 0 && Number.isFinite(y) && y !== Math.floor(y)) {
          // float_pow: a negative number to a fractional power is complex_pow's
          // (c_pow of (x, 0) and (y, 0): |x|**y at the angle pi*y).
          const len = Math.pow(-x, y);
          const phase = Math.atan2(0, x) * y;
          return vm.newComplex(len * Math.cos(phase), len * Math.sin(phase), out);
        }
        return vm.newFloat(
          objectOp(vm, () => ops.floatPow(x, y)),
          out,
        );
      }
      default:
        return undefined;
    }
  };
}

/** float_pow for two floats with a real result (floatOps.ts). */
export function floatPow(vm: VM, iv: number, iw: number): number {
  return objectOp(vm, () => ops.floatPow(iv, iw));
}

function numberCompare(vm: VM, a: ObjectId, b: ObjectId, op: CompareOp): boolean | undefined {
  const av = vm.value(a);
  const bv = vm.value(b);
  const ai = intOf(vm, a);
  const bi = intOf(vm, b);
  if (ai !== undefined && bi !== undefined) return intCompare(ai, bi, op);
  if (av.t === 'float') {
    if (bv.t === 'float') return floatCompare(av.v, bv.v, op);
    if (bi !== undefined) return floatIntCompare(av.v, bi, op);
    return undefined;
  }
  if (bv.t === 'float' && ai !== undefined) {
    const reflected: Record<CompareOp, CompareOp> = {
      '<': '>',
      '<=': '>=',
      '==': '==',
      '!=': '!=',
      '>': '<',
      '>=': '<=',
    };
    return floatIntCompare(bv.v, ai, reflected[op]);
  }
  return undefined;
}

/** int(str, base): PyLong_FromString's syntax (underscores between digits, prefixes, whitespace). */
export function parseIntLiteral(vm: VM, text: string, base: number): bigint {
  const orig = text;
  let s = text.trim();
  let sign = 1n;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1n;
    s = s.slice(1);
  }
  let b = base;
  const lower = s.toLowerCase();
  const prefix = lower.slice(0, 2);
  if ((b === 16 && prefix === '0x') || (b === 8 && prefix === '0o') || (b === 2 && prefix === '0b')) s = s.slice(2);
  else if (b === 0) {
    if (prefix === '0x') b = 16;
    else if (prefix === '0o') b = 8;
    else if (prefix === '0b') b = 2;
    else b = 10;
    if (b !== 10) s = s.slice(2);
    else if (/^0+[1-9_]/.test(s) && !/^0+(_0*)*$/.test(s)) b = -1;
  }
  const bad = (): never => {
    throw vm.pyErr('ValueError', `invalid literal for int() with base ${base}: ${vm.reprTextOfStr(orig)}`);
  };
  if (b < 2 || b > 36 || s === '' || s.startsWith('_') || s.endsWith('_') || s.includes('__')) bad();
  // A decimal of more than 4300 digits: CPython's ValueError (sys.get_int_max_str_digits()).
  if (b === 10 && s.length > 4300) checkDecimalDigits(s.replaceAll('_', '').length, (t, m) => vm.pyErr(t, m));
  let v = 0n;
  const B = BigInt(b);
  for (const ch of s) {
    if (ch === '_') continue;
    const c = ch.toLowerCase();
    const d = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 87 : 99;
    if (d >= b) bad();
    v = v * B + BigInt(d);
  }
  return sign * v;
}

declare module '../vm/vm.js' {
  interface VM {
    /** The repr of a JS string as Python shows it. */
    reprTextOfStr(s: string): string;
  }
}

function newIntOf(vm: VM, type: ObjectId, v: bigint, out: Holder): ObjectId {
  if (type === vm.T.int) return vm.newInt(v, out);
  return vm.allocFor(
    type,
    'int',
    'int',
    24 + 4 * Math.max(1, Math.ceil(bitLength(v) / 30)),
    { t: 'int', type, v },
    out,
  );
}

function intFromObject(vm: VM, x: ObjectId): bigint {
  const v = vm.value(x);
  switch (v.t) {
    case 'int':
      return v.v;
    case 'bool':
      return v.v ? 1n : 0n;
    case 'float':
      if (Number.isNaN(v.v)) throw vm.pyErr('ValueError', 'cannot convert float NaN to integer');
      if (!Number.isFinite(v.v)) throw vm.pyErr('OverflowError', 'cannot convert float infinity to integer');
      return BigInt(Math.trunc(v.v));
    case 'str':
      return parseIntLiteral(vm, v.v, 10);
    case 'bytes':
      return parseIntLiteral(vm, String.fromCharCode(...v.v), 10);
    default:
      break;
  }
  for (const name of ['__int__', '__index__', '__trunc__']) {
    const f = vm.lookupType(v.type, name);
    if (f === undefined) continue;
    const r = vm.callUnbound(f, x, [], C_TEMP);
    try {
      const n = intOf(vm, r);
      if (n === undefined) {
        if (name === '__trunc__') return intFromObject(vm, r);
        throw vm.typeError(`${name} returned non-int (type ${vm.typeName(r)})`);
      }
      return n;
    } finally {
      vm.rt.decref(r, C_TEMP);
    }
  }
  throw vm.typeError(`int() argument must be a string, a bytes-like object or a real number, not '${vm.typeName(x)}'`);
}

const intSlots: TypeSlots = {
  vectorcall: true,
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const x = n > 0 ? args[0] : kwarg(args, kwnames, 'x');
    const baseObj = n > 1 ? args[1] : kwarg(args, kwnames, 'base');
    if (x === undefined) {
      if (baseObj !== undefined) throw vm.typeError('int() missing string argument');
      return newIntOf(vm, type, 0n, out);
    }
    if (baseObj !== undefined) {
      const base = Number(vm.index(baseObj));
      if (base !== 0 && (base < 2 || base > 36))
        throw vm.pyErr('ValueError', 'int() base must be >= 2 and <= 36, or 0');
      const xv = vm.value(x);
      if (xv.t !== 'str' && xv.t !== 'bytes' && xv.t !== 'bytearray')
        throw vm.typeError("int() can't convert non-string with explicit base");
      const text = xv.t === 'str' ? xv.v : String.fromCharCode(...xv.v);
      return newIntOf(vm, type, parseIntLiteral(vm, text, base), out);
    }
    if (type === vm.T.int && vm.typeOf(x) === vm.T.int) return vm.ret(x, out);
    return newIntOf(vm, type, intFromObject(vm, x), out);
  },
  repr: (vm, self) => {
    const v = vm.value(self);
    if (v.t === 'bool') return v.v ? 'True' : 'False';
    // Past 4300 digits: CPython's ValueError (sys.get_int_max_str_digits()).
    return intToDecimal((v as { v: bigint }).v, (type, message) => vm.pyErr(type, message));
  },
  hash: (vm, self) => intHash(intOf(vm, self) as bigint),
  compare: numberCompare,
  bool: (vm, self) => intOf(vm, self) !== 0n,
  index: (vm, self) => intOf(vm, self) as bigint,
  int: (vm, self) => intOf(vm, self) as bigint,
  float: (vm, self) => intToFloat(vm, intOf(vm, self) as bigint),
  number: Object.fromEntries(
    (['+', '-', '*', '/', '//', '%', '**', '<<', '>>', '&', '|', '^'] as BinaryOp[]).map((op) => [op, intBinary(op)]),
  ),
  unary: {
    '-': (vm, a, out) => vm.newInt(-(intOf(vm, a) as bigint), out),
    '+': (vm, a, out) => (vm.typeOf(a) === vm.T.int ? vm.ret(a, out) : vm.newInt(intOf(vm, a) as bigint, out)),
    '~': (vm, a, out) => vm.newInt(~(intOf(vm, a) as bigint), out),
  },
};

const intMethods: Record<string, Native> = {
  bit_length: (vm, args, _kw, out) => vm.newInt(BigInt(bitLength(intOf(vm, args[0] as ObjectId) as bigint)), out),
  bit_count: (vm, args, _kw, out) => {
    const v = intOf(vm, args[0] as ObjectId) as bigint;
    return vm.newInt(BigInt([...(v < 0n ? -v : v).toString(2)].filter((c) => c === '1').length), out);
  },
  conjugate: (vm, args, _kw, out) => vm.newInt(intOf(vm, args[0] as ObjectId) as bigint, out),
  __trunc__: (vm, args, _kw, out) => vm.newInt(intOf(vm, args[0] as ObjectId) as bigint, out),
  __floor__: (vm, args, _kw, out) => vm.newInt(intOf(vm, args[0] as ObjectId) as bigint, out),
  __ceil__: (vm, args, _kw, out) => vm.newInt(intOf(vm, args[0] as ObjectId) as bigint, out),
  __round__: (vm, args, _kw, out) => {
    const v = intOf(vm, args[0] as ObjectId) as bigint;
    const nd = args[1];
    if (nd === undefined || nd === vm.statics.none) return vm.newInt(v, out);
    const n = vm.index(nd);
    if (n >= 0n) return vm.newInt(v, out);
    const p = 10n ** -n;
    const q = floorDivBig(v, p);
    const r = v - q * p;
    let res = q;
    if (2n * r > p || (2n * r === p && (q & 1n) === 1n)) res += 1n;
    return vm.newInt(res * p, out);
  },
  __getnewargs__: (vm, args, _kw, out) => {
    const n = vm.newInt(intOf(vm, args[0] as ObjectId) as bigint, C_TEMP);
    return vm.newTuple([n], out, C_TEMP);
  },
  __format__: (vm, args, _kw, out) =>
    vm.newStr(vm.formatValue(args[0] as ObjectId, vm.as(args[1] as ObjectId, 'str').v), out),
  __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(vm.rt.object(args[0] as ObjectId).size), out),
  to_bytes: (vm, args, kwnames, out) => {
    const v = intOf(vm, args[0] as ObjectId) as bigint;
    const n = npos(args, kwnames);
    const lengthObj = n > 1 ? args[1] : kwarg(args, kwnames, 'length');
    const orderObj = n > 2 ? args[2] : kwarg(args, kwnames, 'byteorder');
    const signedObj = kwarg(args, kwnames, 'signed');
    const length = lengthObj === undefined ? 1 : Number(vm.index(lengthObj));
    const order = orderObj === undefined ? 'big' : vm.as(orderObj, 'str').v;
    const signed = signedObj !== undefined && vm.truthy(signedObj);
    if (v < 0n && !signed) throw vm.pyErr('OverflowError', "can't convert negative int to unsigned");
    let u = v < 0n ? (1n << BigInt(8 * length)) + v : v;
    if (
      u >= 1n << BigInt(8 * length) ||
      (signed && (v >= 1n << BigInt(8 * length - 1) || v < -(1n << BigInt(8 * length - 1))))
    ) {
      throw vm.pyErr('OverflowError', 'int too big to convert');
    }
    const bytes = new Uint8Array(length);
    for (let i = length - 1; i >= 0; i--) {
      bytes[i] = Number(u & 255n);
      u >>= 8n;
    }
    if (order === 'little') bytes.reverse();
    return vm.newBytes(bytes, out);
  },
};

const fromBytes: NativeMember = {
  k: 'classmethod',
  fn: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const b = n > 1 ? args[1] : kwarg(args, kwnames, 'bytes');
    const orderObj = n > 2 ? args[2] : kwarg(args, kwnames, 'byteorder');
    const signedObj = kwarg(args, kwnames, 'signed');
    if (b === undefined) throw vm.typeError("from_bytes() missing required argument 'bytes' (pos 1)");
    const bv = vm.value(b);
    const bytes =
      bv.t === 'bytes' || bv.t === 'bytearray'
        ? [...bv.v]
        : vm.iterateToArray(b, C_TEMP).map((x) => {
            const i = Number(vm.index(x));
            vm.rt.decref(x, C_TEMP);
            return i;
          });
    if ((orderObj === undefined ? 'big' : vm.as(orderObj, 'str').v) === 'little') bytes.reverse();
    let v = 0n;
    for (const x of bytes) v = (v << 8n) | BigInt(x);
    if (signedObj !== undefined && vm.truthy(signedObj) && bytes.length > 0 && ((bytes[0] as number) & 0x80) !== 0) {
      v -= 1n << BigInt(8 * bytes.length);
    }
    return vm.call(args[0] as ObjectId, [vm.newInt(v, C_TEMP)], undefined, out);
  },
};

const intGetsets: Record<string, NativeMember> = {
  real: { k: 'getset', get: (vmu, self) => (vmu as VM).newInt(intOf(vmu as VM, self) as bigint, C_TEMP) },
  imag: { k: 'getset', get: (vmu) => (vmu as VM).newInt(0n, C_TEMP) },
  numerator: { k: 'getset', get: (vmu, self) => (vmu as VM).newInt(intOf(vmu as VM, self) as bigint, C_TEMP) },
  denominator: { k: 'getset', get: (vmu) => (vmu as VM).newInt(1n, C_TEMP) },
};

// ---------------------------------------------------------------------------------
// float

function floatFromObject(vm: VM, x: ObjectId): number {
  const v = vm.value(x);
  switch (v.t) {
    case 'float':
      return v.v;
    case 'int':
      return intToFloat(vm, v.v);
    case 'bool':
      return v.v ? 1 : 0;
    case 'str':
      return parseFloatText(vm, v.v);
    default:
      break;
  }
  const f = vm.lookupType(v.type, '__float__');
  if (f !== undefined) {
    const r = vm.callUnbound(f, x, [], C_TEMP);
    try {
      const rv = vm.value(r);
      if (rv.t !== 'float')
        throw vm.typeError(`${vm.typeName(x)}.__float__ returned non-float (type ${vm.typeName(r)})`);
      return rv.v;
    } finally {
      vm.rt.decref(r, C_TEMP);
    }
  }
  if (vm.hasIndex(x)) return intToFloat(vm, vm.index(x));
  throw vm.typeError(`float() argument must be a string or a real number, not '${vm.typeName(x)}'`);
}

export function parseFloatText(vm: VM, text: string): number {
  const s = text
    .trim()
    .toLowerCase()
    .replace(/(?<=\d)_(?=\d)/g, '');
  if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s)) {
    throw vm.pyErr('ValueError', `could not convert string to float: ${vm.reprTextOfStr(text)}`);
  }
  return Number(s);
}

const floatSlots: TypeSlots = {
  vectorcall: true,
  new: (vm, type, args, kwnames, out) => {
    if (kwnames !== undefined) throw vm.typeError('float() takes no keyword arguments');
    if (args.length > 1) throw vm.typeError(`float expected at most 1 argument, got ${args.length}`);
    const v = args.length === 0 ? 0 : floatFromObject(vm, args[0] as ObjectId);
    if (type === vm.T.float) {
      if (args.length === 1 && vm.typeOf(args[0] as ObjectId) === vm.T.float) return vm.ret(args[0] as ObjectId, out);
      return vm.newFloat(v, out);
    }
    return vm.allocFor(type, 'float', 'float', 24, { t: 'float', type, v }, out);
  },
  repr: (vm, self) => formatFloat(vm.as(self, 'float').v),
  hash: (vm, self) => floatHash(vm.as(self, 'float').v, vm.rt.object(self).addr),
  compare: numberCompare,
  bool: (vm, self) => vm.as(self, 'float').v !== 0,
  float: (vm, self) => vm.as(self, 'float').v,
  int: (vm, self) => intFromObject(vm, self),
  number: Object.fromEntries((['+', '-', '*', '/', '//', '%', '**'] as BinaryOp[]).map((op) => [op, floatBinary(op)])),
  unary: {
    '-': (vm, a, out) => vm.newFloat(-vm.as(a, 'float').v, out),
    '+': (vm, a, out) => (vm.typeOf(a) === vm.T.float ? vm.ret(a, out) : vm.newFloat(vm.as(a, 'float').v, out)),
  },
};

const floatMethods: Record<string, Native> = {
  is_integer: (vm, args, _kw, out) => vm.bool(Number.isInteger(vm.as(args[0] as ObjectId, 'float').v), out),
  as_integer_ratio: (vm, args, _kw, out) => {
    const v = vm.as(args[0] as ObjectId, 'float').v;
    if (Number.isNaN(v)) throw vm.pyErr('ValueError', 'cannot convert NaN to integer ratio');
    if (!Number.isFinite(v)) throw vm.pyErr('OverflowError', 'cannot convert Infinity to integer ratio');
    const [n, d] = ratio(v);
    return vm.newTuple([vm.newInt(n, C_TEMP), vm.newInt(d, C_TEMP)], out, C_TEMP);
  },
  conjugate: (vm, args, _kw, out) => vm.newFloat(vm.as(args[0] as ObjectId, 'float').v, out),
  __trunc__: (vm, args, _kw, out) => vm.newInt(intFromObject(vm, args[0] as ObjectId), out),
  __int__: (vm, args, _kw, out) => vm.newInt(intFromObject(vm, args[0] as ObjectId), out),
  __floor__: (vm, args, _kw, out) =>
    vm.newInt(intFromObject(vm, vm.newFloat(Math.floor(vm.as(args[0] as ObjectId, 'float').v), C_TEMP)), out),
  __ceil__: (vm, args, _kw, out) => vm.newInt(BigInt(Math.ceil(vm.as(args[0] as ObjectId, 'float').v)), out),
  __round__: (vm, args, _kw, out) => {
    const v = vm.as(args[0] as ObjectId, 'float').v;
    const nd = args[1];
    if (nd === undefined || nd === vm.statics.none) {
      return vm.newInt(
        objectOp(vm, () => ops.floatRoundToInt(v)),
        out,
      );
    }
    // float_round_impl: correct decimal rounding (dtoa's mode 3), as floatOps.ts does it.
    const n = vm.index(nd);
    const ndigits = n > 100000n ? 100000 : n < -100000n ? -100000 : Number(n);
    return vm.newFloat(
      objectOp(vm, () => ops.floatRound(v, ndigits)),
      out,
    );
  },
  __getnewargs__: (vm, args, _kw, out) =>
    vm.newTuple([vm.newFloat(vm.as(args[0] as ObjectId, 'float').v, C_TEMP)], out, C_TEMP),
  __format__: (vm, args, _kw, out) =>
    vm.newStr(vm.formatValue(args[0] as ObjectId, vm.as(args[1] as ObjectId, 'str').v), out),
  hex: (vm, args, _kw, out) => vm.newStr(floatHex(vm.as(args[0] as ObjectId, 'float').v), out),
};

function floatHex(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0x0.0p+0' : '0x0.0p+0';
  const [num, den] = ratio(Math.abs(v));
  let e = bitLength(num) - bitLength(den);
  let m = (num << 60n) / ((den << BigInt(Math.max(0, e))) >> BigInt(Math.max(0, -e)));
  void m;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(v));
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const exp = (hi >>> 20) & 0x7ff;
  const mant = ((BigInt(hi & 0xfffff) << 32n) | BigInt(lo)).toString(16).padStart(13, '0').replace(/0+$/, '') || '0';
  e = exp === 0 ? -1022 : exp - 1023;
  m = 0n;
  return `${v < 0 ? '-' : ''}0x${exp === 0 ? '0' : '1'}.${mant}p${e >= 0 ? '+' : ''}${e}`;
}

const floatGetsets: Record<string, NativeMember> = {
  real: { k: 'getset', get: (vmu, self) => (vmu as VM).newFloat((vmu as VM).as(self, 'float').v, C_TEMP) },
  imag: { k: 'getset', get: (vmu) => (vmu as VM).newFloat(0, C_TEMP) },
};

const fromhex: NativeMember = {
  k: 'classmethod',
  fn: (vm, args, _kw, out) => {
    const s = vm
      .as(args[1] as ObjectId, 'str')
      .v.trim()
      .toLowerCase();
    const m = /^([+-])?(?:0x)?([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(s);
    if (m === null) throw vm.pyErr('ValueError', 'invalid hexadecimal floating-point string');
    const intPart = m[2] ?? '';
    const frac = m[3] ?? '';
    const exp = Number(m[4] ?? '0');
    const mant = BigInt(`0x${intPart + frac || '0'}`);
    const v = Number(mant) * 2 ** (exp - 4 * frac.length);
    return vm.call(args[0] as ObjectId, [vm.newFloat(m[1] === '-' ? -v : v, C_TEMP)], undefined, out);
  },
};

// ---------------------------------------------------------------------------------
// bool

const boolSlots: TypeSlots = {
  ...intSlots,
  vectorcall: true,
  new: (vm, _type, args, kwnames, out) => {
    if (kwnames !== undefined) throw vm.typeError('bool() takes no keyword arguments');
    if (args.length > 1) throw vm.typeError(`bool expected at most 1 argument, got ${args.length}`);
    return vm.bool(args.length === 1 && vm.truthy(args[0] as ObjectId), out);
  },
};

// ---------------------------------------------------------------------------------
// complex

const complexOf = (vm: VM, id: ObjectId): [number, number] | undefined => {
  const v = vm.value(id);
  if (v.t === 'complex') return [v.re, v.im];
  const f = floatOf(vm, id);
  return f === undefined ? undefined : [f, 0];
};

function formatComplex(re: number, im: number): string {
  const part = (x: number): string => {
    const s = formatFloat(x);
    return s.endsWith('.0') ? s.slice(0, -2) : s;
  };
  if (re === 0 && !Object.is(re, -0)) return `${part(im)}j`;
  const imText = part(im);
  return `(${part(re)}${imText.startsWith('-') || Number.isNaN(im) ? (Number.isNaN(im) ? '+' : '') : '+'}${imText}j)`;
}

function complexBinary(op: BinaryOp): (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined {
  return (vm, a, b, out) => {
    if (vm.value(a).t !== 'complex' && vm.value(b).t !== 'complex') return undefined;
    const x = complexOf(vm, a);
    const y = complexOf(vm, b);
    if (x === undefined || y === undefined) return undefined;
    const [a1, b1] = x;
    const [a2, b2] = y;
    switch (op) {
      case '+':
        return vm.newComplex(a1 + a2, b1 + b2, out);
      case '-':
        return vm.newComplex(a1 - a2, b1 - b2, out);
      case '*':
        return vm.newComplex(a1 * a2 - b1 * b2, a1 * b2 + b1 * a2, out);
      case '/': {
        const d = a2 * a2 + b2 * b2;
        if (d === 0) throw vm.pyErr('ZeroDivisionError', 'complex division by zero');
        return vm.newComplex((a1 * a2 + b1 * b2) / d, (b1 * a2 - a1 * b2) / d, out);
      }
      case '**': {
        if (a2 === 0 && b2 === 0) return vm.newComplex(1, 0, out);
        if (a1 === 0 && b1 === 0) {
          if (b2 !== 0 || a2 < 0) throw vm.pyErr('ZeroDivisionError', '0.0 to a negative or complex power');
          return vm.newComplex(0, 0, out);
        }
        const r = Math.hypot(a1, b1);
        const t = Math.atan2(b1, a1);
        const mag = r ** a2 * Math.exp(-b2 * t);
        const ang = a2 * t + b2 * Math.log(r);
        return vm.newComplex(mag * Math.cos(ang), mag * Math.sin(ang), out);
      }
      default:
        return undefined;
    }
  };
}

const complexSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const r = n > 0 ? args[0] : kwarg(args, kwnames, 'real');
    const i = n > 1 ? args[1] : kwarg(args, kwnames, 'imag');
    let re = 0;
    let im = 0;
    if (r !== undefined) {
      const rv = vm.value(r);
      if (rv.t === 'str') {
        const m = /^\s*\(?\s*([+-]?[^+-]*?(?:e[+-]\d+)?)?\s*(?:([+-][^+-]*?(?:e[+-]\d+)?)j)?\s*\)?\s*$/i.exec(rv.v);
        if (m === null) throw vm.pyErr('ValueError', 'complex() arg is a malformed string');
        const text = rv.v.trim().replace(/[()]/g, '');
        if (text.endsWith('j')) {
          const body = text.slice(0, -1);
          const split = body.search(/(?<=[0-9.])[+-]/);
          if (split > 0) {
            re = parseFloatText(vm, body.slice(0, split));
            im = parseFloatText(
              vm,
              body.slice(split) === '+' || body.slice(split) === '-' ? `${body.slice(split)}1` : body.slice(split),
            );
          } else im = body === '' || body === '+' ? 1 : body === '-' ? -1 : parseFloatText(vm, body);
        } else re = parseFloatText(vm, text);
      } else {
        const c = complexOf(vm, r);
        if (c === undefined)
          throw vm.typeError(`complex() first argument must be a string or a number, not '${vm.typeName(r)}'`);
        [re, im] = c;
      }
    }
    if (i !== undefined) {
      const c = complexOf(vm, i);
      if (c === undefined) throw vm.typeError(`complex() second argument must be a number, not '${vm.typeName(i)}'`);
      re -= c[1];
      im += c[0];
    }
    if (type === vm.T.complex) return vm.newComplex(re, im, out);
    return vm.allocFor(type, 'complex', 'float', 32, { t: 'complex', type, re, im }, out);
  },
  repr: (vm, self) => {
    const v = vm.as(self, 'complex');
    return formatComplex(v.re, v.im);
  },
  hash: (vm, self) => {
    const v = vm.as(self, 'complex');
    const h = floatHash(v.re, 0) + 1000003n * floatHash(v.im, 0);
    return reduceHash(BigInt.asIntN(64, h));
  },
  compare: (vm, a, b, op) => {
    if (op !== '==' && op !== '!=') return undefined;
    const x = complexOf(vm, a);
    const y = complexOf(vm, b);
    if (x === undefined || y === undefined) return undefined;
    const eq = x[0] === y[0] && x[1] === y[1];
    return op === '==' ? eq : !eq;
  },
  bool: (vm, self) => {
    const v = vm.as(self, 'complex');
    return v.re !== 0 || v.im !== 0;
  },
  number: Object.fromEntries((['+', '-', '*', '/', '**'] as BinaryOp[]).map((op) => [op, complexBinary(op)])),
  unary: {
    '-': (vm, a, out) => {
      const v = vm.as(a, 'complex');
      return vm.newComplex(-v.re, -v.im, out);
    },
    '+': (vm, a, out) => vm.ret(a, out),
  },
};

const complexMembers: Record<string, NativeMember> = {
  real: { k: 'getset', get: (vmu, self) => (vmu as VM).newFloat((vmu as VM).as(self, 'complex').re, C_TEMP) },
  imag: { k: 'getset', get: (vmu, self) => (vmu as VM).newFloat((vmu as VM).as(self, 'complex').im, C_TEMP) },
  conjugate: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const v = vm.as(args[0] as ObjectId, 'complex');
      return vm.newComplex(v.re, -v.im, out);
    },
  },
  __format__: {
    k: 'method',
    fn: (vm, args, _kw, out) =>
      vm.newStr(vm.formatValue(args[0] as ObjectId, vm.as(args[1] as ObjectId, 'str').v), out),
  },
};

declare module '../vm/vm.js' {
  interface VM {
    /** format(value, spec) for the built-in numbers and str (the format-spec mini-language). */
    formatValue(obj: ObjectId, spec: string): string;
  }
}

export function defineNumberTypes(vm: VM): void {
  vm.T.int = vm.defineType({
    name: 'int',
    base: vm.T.object,
    layout: 'int',
    slots: intSlots,
    members: { ...methods(intMethods), ...intGetsets, from_bytes: fromBytes },
  });
  vm.T.bool = vm.defineType({ name: 'bool', base: vm.T.int, layout: 'int', slots: boolSlots, baseType: false });
  vm.T.float = vm.defineType({
    name: 'float',
    base: vm.T.object,
    layout: 'float',
    slots: floatSlots,
    members: { ...methods(floatMethods), ...floatGetsets, fromhex },
  });
  vm.T.complex = vm.defineType({
    name: 'complex',
    base: vm.T.object,
    layout: 'complex',
    slots: complexSlots,
    members: complexMembers,
  });
}
