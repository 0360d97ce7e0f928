/*
 * math
 * ====
 * CPython 3.11's math module: every function, with its argument conversions
 * (PyFloat_AsDouble, PyNumber_Index, `__ceil__`/`__floor__`/`__trunc__` looked up as
 * special methods), its error rules (math_1, math_1a, math_2 and is_error: ValueError
 * "math domain error" for an invalid argument or a singularity, OverflowError "math range
 * error" for overflow), and CPython's own algorithms where it has them: fsum's exact
 * partials and its half-even correction, vector_norm (hypot, dist) with its
 * compensated sums, the Lanczos gamma and lgamma, loghelper's logarithm of huge ints,
 * remainder, isqrt, factorial, comb, perm, gcd, lcm, prod's fast paths (which make no
 * intermediate objects while the product fits a C long or a double).
 *
 * Source: Modules/mathmodule.c (3.11), Modules/clinic/mathmodule.c.h.
 *
 * The transcendental functions come from ./libm.ts (see there how they may differ from
 * glibc's in the last bit).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { asDouble, checkPositional, longAsDouble, methO, noKeywords, unpackKeywords } from './args.js';
import * as m from './libm.js';

// ---------------------------------------------------------------------------------
// Error handling (math_1, math_1a, math_2, is_error)

type Errno = 0 | 'EDOM' | 'ERANGE';

function isError(vm: VM, errno: Errno, r: number): boolean {
  if (errno === 'EDOM') throw vm.pyErr('ValueError', 'math domain error');
  if (errno === 'ERANGE') {
    if (Math.abs(r) < 1.0) return false;
    throw vm.pyErr('OverflowError', 'math range error');
  }
  return false;
}

/** math_1: a NaN from a non-NaN is a domain error; an infinity from a finite is overflow (or a singularity). */
function math1(fn: (x: number) => number, canOverflow: boolean, name: string): Native {
  return (vm, args, kwnames, out) => {
    const x = asDouble(vm, methO(vm, `math.${name}`, args, kwnames));
    const r = fn(x);
    if (Number.isNaN(r) && !Number.isNaN(x)) throw vm.pyErr('ValueError', 'math domain error');
    if (!Number.isFinite(r) && !Number.isNaN(r) && Number.isFinite(x)) {
      if (canOverflow) throw vm.pyErr('OverflowError', 'math range error');
      throw vm.pyErr('ValueError', 'math domain error');
    }
    return vm.newFloat(r, out);
  };
}

/** math_1a: functions that report their own errno ([result, errno]). */
function math1a(fn: (x: number) => [number, Errno], name: string): Native {
  return (vm, args, kwnames, out) => {
    const x = asDouble(vm, methO(vm, `math.${name}`, args, kwnames));
    const [r, errno] = fn(x);
    if (errno !== 0) isError(vm, errno, r);
    return vm.newFloat(r, out);
  };
}

function math2(fn: (x: number, y: number) => number, name: string): Native {
  return (vm, args, kwnames, out) => {
    noKeywords(vm, `math.${name}`, kwnames);
    checkPositional(vm, name, args, kwnames, 2, 2);
    const x = asDouble(vm, args[0] as ObjectId);
    const y = asDouble(vm, args[1] as ObjectId);
    const r = fn(x, y);
    let errno: Errno = 0;
    if (Number.isNaN(r)) errno = !Number.isNaN(x) && !Number.isNaN(y) ? 'EDOM' : 0;
    else if (!Number.isFinite(r)) errno = Number.isFinite(x) && Number.isFinite(y) ? 'ERANGE' : 0;
    if (errno !== 0) isError(vm, errno, r);
    return vm.newFloat(r, out);
  };
}

/** PyLong_FromDouble. */
export function longFromDouble(vm: VM, x: number, out: Holder): ObjectId {
  if (Number.isNaN(x)) throw vm.pyErr('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw vm.pyErr('OverflowError', 'cannot convert float infinity to integer');
  return vm.newInt(BigInt(Math.trunc(x)), out);
}

// ---------------------------------------------------------------------------------
// CPython's own special functions

const PI = Math.PI;
const LOGPI = 1.1447298858494002;

function sinpi(x: number): number {
  const y = Math.abs(x) % 2.0;
  const n = Math.round(2.0 * y); // round half away from zero, as C's round
  let r: number;
  switch (n) {
    case 0:
      r = m.sin(PI * y);
      break;
    case 1:
      r = m.cos(PI * (y - 0.5));
      break;
    case 2:
      r = m.sin(PI * (1.0 - y));
      break;
    case 3:
      r = -m.cos(PI * (y - 1.5));
      break;
    default:
      r = m.sin(PI * (y - 2.0));
  }
  return m.copysign(1.0, x) * r;
}

const LANCZOS_G = 6.02468004077673;
const LANCZOS_G_MINUS_HALF = 5.52468004077673;
const LANCZOS_NUM = [
  23531376880.41076, 42919803642.6491, 35711959237.35567, 17921034426.03721, 6039542586.352028, 1439720407.3117216,
  248874557.86205417, 31426415.585400194, 2876370.6289353725, 186056.26539522348, 8071.672002365816, 210.82427775157936,
  2.5066282746310002,
];
const LANCZOS_DEN = [
  0.0, 39916800.0, 120543840.0, 150917976.0, 105258076.0, 45995730.0, 13339535.0, 2637558.0, 357423.0, 32670.0, 1925.0,
  66.0, 1.0,
];
const GAMMA_INTEGRAL = [
  1.0, 1.0, 2.0, 6.0, 24.0, 120.0, 720.0, 5040.0, 40320.0, 362880.0, 3628800.0, 39916800.0, 479001600.0, 6227020800.0,
  87178291200.0, 1307674368000.0, 20922789888000.0, 355687428096000.0, 6402373705728000.0, 121645100408832000.0,
  2432902008176640000.0, 51090942171709440000.0, 1124000727777607680000.0,
];

function lanczosSum(x: number): number {
  let num = 0.0;
  let den = 0.0;
  if (x < 5.0) {
    for (let i = LANCZOS_NUM.length; --i >= 0;) {
      num = num * x + (LANCZOS_NUM[i] as number);
      den = den * x + (LANCZOS_DEN[i] as number);
    }
  } else {
    for (let i = 0; i < LANCZOS_NUM.length; i++) {
      num = num / x + (LANCZOS_NUM[i] as number);
      den = den / x + (LANCZOS_DEN[i] as number);
    }
  }
  return num / den;
}

function tgamma(x: number): [number, Errno] {
  if (!Number.isFinite(x)) {
    if (Number.isNaN(x) || x > 0.0) return [x, 0];
    return [NaN, 'EDOM'];
  }
  if (x === 0.0) return [m.copysign(Infinity, x), 'EDOM'];
  if (x === Math.floor(x)) {
    if (x < 0.0) return [NaN, 'EDOM'];
    if (x <= GAMMA_INTEGRAL.length) return [GAMMA_INTEGRAL[x - 1] as number, 0];
  }
  const absx = Math.abs(x);
  if (absx < 1e-20) {
    const r = 1.0 / x;
    return [r, Number.isFinite(r) ? 0 : 'ERANGE'];
  }
  if (absx > 200.0) {
    if (x < 0.0) return [0.0 / sinpi(x), 0];
    return [Infinity, 'ERANGE'];
  }
  const y = absx + LANCZOS_G_MINUS_HALF;
  let z: number;
  if (absx > LANCZOS_G_MINUS_HALF) {
    const q = y - absx;
    z = q - LANCZOS_G_MINUS_HALF;
  } else {
    const q = y - LANCZOS_G_MINUS_HALF;
    z = q - absx;
  }
  z = (z * LANCZOS_G) / y;
  let r: number;
  if (x < 0.0) {
    r = ((-PI / sinpi(absx) / absx) * m.exp(y)) / lanczosSum(absx);
    r -= z * r;
    if (absx < 140.0) r /= m.pow(y, absx - 0.5);
    else {
      const sqrtpow = m.pow(y, absx / 2.0 - 0.25);
      r /= sqrtpow;
      r /= sqrtpow;
    }
  } else {
    r = lanczosSum(absx) / m.exp(y);
    r += z * r;
    if (absx < 140.0) r *= m.pow(y, absx - 0.5);
    else {
      const sqrtpow = m.pow(y, absx / 2.0 - 0.25);
      r *= sqrtpow;
      r *= sqrtpow;
    }
  }
  return [r, Number.isFinite(r) ? 0 : 'ERANGE'];
}

function lgamma(x: number): [number, Errno] {
  if (!Number.isFinite(x)) {
    if (Number.isNaN(x)) return [x, 0];
    return [Infinity, 0];
  }
  if (x === Math.floor(x) && x <= 2.0) {
    if (x <= 0.0) return [Infinity, 'EDOM'];
    return [0.0, 0];
  }
  const absx = Math.abs(x);
  if (absx < 1e-20) return [-m.log(absx), 0];
  let r = m.log(lanczosSum(absx)) - LANCZOS_G;
  r += (absx - 0.5) * (m.log(absx + LANCZOS_G - 0.5) - 1);
  if (x < 0.0) r = LOGPI - m.log(Math.abs(sinpi(absx))) - m.log(absx) - r;
  return [r, Number.isFinite(r) ? 0 : 'ERANGE'];
}

function atan2(y: number, x: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (!Number.isFinite(y)) {
    if (!Number.isFinite(x)) return m.copysign(m.copysign(1, x) === 1 ? 0.25 * PI : 0.75 * PI, y);
    return m.copysign(0.5 * PI, y);
  }
  if (!Number.isFinite(x) || y === 0) return m.copysign(m.copysign(1, x) === 1 ? 0 : PI, y);
  return m.atan2(y, x);
}

export function remainder(x: number, y: number): number {
  if (Number.isFinite(x) && Number.isFinite(y)) {
    if (y === 0.0) return NaN;
    const absx = Math.abs(x);
    const absy = Math.abs(y);
    const mod = absx % absy;
    const c = absy - mod;
    let r: number;
    if (mod < c) r = mod;
    else if (mod > c) r = -c;
    else r = mod - 2.0 * ((0.5 * (absx - mod)) % absy);
    return m.copysign(1.0, x) * r;
  }
  if (Number.isNaN(x)) return x;
  if (Number.isNaN(y)) return y;
  if (!Number.isFinite(x)) return NaN;
  return x;
}

/** m_log, m_log2, m_log10: special values handled before libm. */
function logWith(fn: (x: number) => number): (x: number) => [number, Errno] {
  return (x) => {
    if (Number.isFinite(x)) {
      if (x > 0.0) return [fn(x), 0];
      return [x === 0.0 ? -Infinity : NaN, 'EDOM'];
    }
    if (Number.isNaN(x)) return [x, 0];
    if (x > 0.0) return [x, 0];
    return [NaN, 'EDOM'];
  };
}
const mLog = logWith(m.log);
const mLog2 = logWith(m.log2);
const mLog10 = logWith(m.log10);

/** m_log1p: log1p(-1) is a singularity. */
function log1p(x: number): number {
  if (x === 0.0) return x;
  return m.log1p(x);
}

/** _PyLong_Frexp: x = m * 2**e, m correctly rounded to 53 bits, 0.5 <= m < 1. */
function longFrexp(v: bigint): [number, number] {
  const bits = v.toString(2).length;
  if (bits <= 1000) return m.frexp(Number(v));
  const shift = BigInt(bits - 60);
  const top = v >> shift;
  const sticky = top << shift !== v ? 1n : 0n;
  // 60 significant bits plus a sticky bit: Number() rounds it correctly (half even).
  const mant = Number((top << 1n) | sticky);
  const [fm, fe] = m.frexp(mant);
  return [fm, fe + bits - 61];
}

/** loghelper: logs of ints of any size computed by the module itself, others by libm. */
function logHelper(vm: VM, arg: ObjectId, fn: (x: number) => [number, Errno], libfn: (x: number) => number): number {
  const v = vm.value(arg);
  if (v.t === 'int' || v.t === 'bool') {
    const n = v.t === 'int' ? v.v : v.v ? 1n : 0n;
    if (n <= 0n) throw vm.pyErr('ValueError', 'math domain error');
    const x = Number(n);
    if (Number.isFinite(x)) return libfn(x);
    const [mant, e] = longFrexp(n);
    return libfn(mant) + libfn(2.0) * e;
  }
  const x = asDouble(vm, arg);
  const [r, errno] = fn(x);
  if (Number.isNaN(r) && !Number.isNaN(x)) throw vm.pyErr('ValueError', 'math domain error');
  if (!Number.isFinite(r) && !Number.isNaN(r) && Number.isFinite(x)) throw vm.pyErr('ValueError', 'math domain error');
  if (errno !== 0 && Number.isFinite(r)) isError(vm, errno, r);
  return r;
}

// ---------------------------------------------------------------------------------
// fsum, vector_norm

function fsum(vm: VM, seq: ObjectId, out: Holder): ObjectId {
  const it = vm.getIter(seq, C_TEMP);
  const p: number[] = [];
  let n = 0;
  let specialSum = 0.0;
  let infSum = 0.0;
  try {
    for (;;) {
      const item = vm.iterNext(it, C_TEMP);
      if (item === undefined) break;
      let x: number;
      try {
        x = asDouble(vm, item);
      } finally {
        vm.rt.decref(item, C_TEMP);
      }
      const xsave = x;
      let i = 0;
      for (let j = 0; j < n; j++) {
        let y = p[j] as number;
        if (Math.abs(x) < Math.abs(y)) {
          const t = x;
          x = y;
          y = t;
        }
        const hi = x + y;
        const yr = hi - x;
        const lo = y - yr;
        if (lo !== 0.0) p[i++] = lo;
        x = hi;
      }
      n = i;
      if (x !== 0.0) {
        if (!Number.isFinite(x)) {
          if (Number.isFinite(xsave)) throw vm.pyErr('OverflowError', 'intermediate overflow in fsum');
          if (!Number.isNaN(xsave)) infSum += xsave;
          specialSum += xsave;
          n = 0;
        } else p[n++] = x;
      }
    }
  } finally {
    vm.rt.decref(it, C_TEMP);
  }
  if (specialSum !== 0.0) {
    if (Number.isNaN(infSum)) throw vm.pyErr('ValueError', '-inf + inf in fsum');
    return vm.newFloat(specialSum, out);
  }
  let hi = 0.0;
  if (n > 0) {
    hi = p[--n] as number;
    let lo = 0.0;
    while (n > 0) {
      const x = hi;
      const y = p[--n] as number;
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0.0) break;
    }
    if (n > 0 && ((lo < 0.0 && (p[n - 1] as number) < 0.0) || (lo > 0.0 && (p[n - 1] as number) > 0.0))) {
      const y = lo * 2.0;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
  }
  return vm.newFloat(hi, out);
}

const T27 = 134217729.0;

/** vector_norm (3.11): max * sqrt(sum((x/max)**2)), with compensated, scaled sums. */
export function vectorNorm(vec: readonly number[], max: number, foundNan: boolean): number {
  if (!Number.isFinite(max) && !Number.isNaN(max)) return max;
  if (foundNan) return NaN;
  const n = vec.length;
  if (max === 0.0 || n <= 1) return max;
  let csum = 1.0;
  let frac1 = 0.0;
  let frac2 = 0.0;
  let frac3 = 0.0;
  let oldcsum: number;
  const maxE = m.frexp(max)[1];
  if (maxE >= -1023) {
    const scale = m.ldexp(1.0, -maxE);
    for (let i = 0; i < n; i++) {
      let x = (vec[i] as number) * scale;
      const t = x * T27;
      const hi = t - (t - x);
      const lo = x - hi;
      x = hi * hi;
      oldcsum = csum;
      csum += x;
      frac1 += oldcsum - csum + x;
      x = 2.0 * hi * lo;
      oldcsum = csum;
      csum += x;
      frac2 += oldcsum - csum + x;
      frac3 += lo * lo;
    }
    const h = Math.sqrt(csum - 1.0 + (frac1 + frac2 + frac3));
    let x = h;
    const t = x * T27;
    const hi = t - (t - x);
    const lo = x - hi;
    x = -hi * hi;
    oldcsum = csum;
    csum += x;
    frac1 += oldcsum - csum + x;
    x = -2.0 * hi * lo;
    oldcsum = csum;
    csum += x;
    frac2 += oldcsum - csum + x;
    x = -lo * lo;
    oldcsum = csum;
    csum += x;
    frac3 += oldcsum - csum + x;
    x = csum - 1.0 + (frac1 + frac2 + frac3);
    return (h + x / (2.0 * h)) / scale;
  }
  for (let i = 0; i < n; i++) {
    let x = (vec[i] as number) / max;
    x = x * x;
    oldcsum = csum;
    csum += x;
    frac1 += oldcsum - csum + x;
  }
  return max * Math.sqrt(csum - 1.0 + frac1);
}

// ---------------------------------------------------------------------------------
// Integer functions

function bitLength(v: bigint): number {
  return v === 0n ? 0 : (v < 0n ? -v : v).toString(2).length;
}

export function isqrtBig(n: bigint): bigint {
  if (n < 2n) return n;
  // Newton's iteration from above, exact.
  let x = 1n << BigInt((bitLength(n) + 1) >> 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

function gcdBig(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;

function factorialBig(n: bigint): bigint {
  let r = 1n;
  for (let i = 2n; i <= n; i++) r *= i;
  return r;
}

/** int arguments of comb and perm: PyNumber_Index, non-negative. */
function nonNegInts(vm: VM, n: ObjectId, k: ObjectId): [bigint, bigint] {
  const nv = vm.index(n);
  const kv = vm.index(k);
  if (nv < 0n) throw vm.pyErr('ValueError', 'n must be a non-negative integer');
  if (kv < 0n) throw vm.pyErr('ValueError', 'k must be a non-negative integer');
  return [nv, kv];
}

/** The result of an int function: the argument itself when CPython returns it unchanged. */
function intResult(vm: VM, v: bigint, out: Holder): ObjectId {
  return vm.newInt(v, out);
}

function factorial(vm: VM, arg: ObjectId, out: Holder): ObjectId {
  const x = vm.index(arg);
  if (x > LONG_MAX) throw vm.pyErr('OverflowError', `factorial() argument should not exceed ${LONG_MAX}`);
  if (x < 0n) throw vm.pyErr('ValueError', 'factorial() not defined for negative values');
  return intResult(vm, factorialBig(x), out);
}

// ---------------------------------------------------------------------------------
// prod: C fast paths over exact ints and floats

const LONG_MIN = -9223372036854775808n;
const fitsLong = (v: bigint): boolean => v >= LONG_MIN && v <= LONG_MAX;

function prod(vm: VM, iterable: ObjectId, start: ObjectId | undefined, out: Holder): ObjectId {
  const it = vm.getIter(iterable, C_TEMP);
  let result: ObjectId | undefined = start === undefined ? vm.newInt(1n, C_TEMP) : vm.ret(start, C_TEMP);
  const isExact = (x: ObjectId, t: ObjectId): boolean => vm.typeOf(x) === t;
  try {
    if (isExact(result, vm.T.int) && fitsLong(vm.as(result, 'int').v)) {
      let acc = vm.as(result, 'int').v;
      vm.rt.decref(result, C_TEMP);
      result = undefined;
      while (result === undefined) {
        const item = vm.iterNext(it, C_TEMP);
        if (item === undefined) return vm.newInt(acc, out);
        if (isExact(item, vm.T.int)) {
          const b = vm.as(item, 'int').v;
          if (fitsLong(b) && fitsLong(acc * b)) {
            acc *= b;
            vm.rt.decref(item, C_TEMP);
            continue;
          }
        }
        const r = vm.newInt(acc, C_TEMP);
        try {
          result = vm.binaryOp('*', r, item, false, C_TEMP);
        } finally {
          vm.rt.decref(r, C_TEMP);
          vm.rt.decref(item, C_TEMP);
        }
      }
    }
    if (isExact(result, vm.T.float)) {
      let f = vm.as(result, 'float').v;
      vm.rt.decref(result, C_TEMP);
      result = undefined;
      while (result === undefined) {
        const item = vm.iterNext(it, C_TEMP);
        if (item === undefined) return vm.newFloat(f, out);
        if (isExact(item, vm.T.float)) {
          f *= vm.as(item, 'float').v;
          vm.rt.decref(item, C_TEMP);
          continue;
        }
        if (isExact(item, vm.T.int) && fitsLong(vm.as(item, 'int').v)) {
          f *= Number(vm.as(item, 'int').v);
          vm.rt.decref(item, C_TEMP);
          continue;
        }
        const r = vm.newFloat(f, C_TEMP);
        try {
          result = vm.binaryOp('*', r, item, false, C_TEMP);
        } finally {
          vm.rt.decref(r, C_TEMP);
          vm.rt.decref(item, C_TEMP);
        }
      }
    }
    for (;;) {
      const item = vm.iterNext(it, C_TEMP);
      if (item === undefined) break;
      const prev: ObjectId = result;
      try {
        result = vm.binaryOp('*', prev, item, false, C_TEMP);
      } finally {
        vm.rt.decref(prev, C_TEMP);
        vm.rt.decref(item, C_TEMP);
      }
    }
    vm.rt.move(result, C_TEMP, out);
    const r = result;
    result = undefined;
    return r;
  } finally {
    if (result !== undefined) vm.rt.decref(result, C_TEMP);
    vm.rt.decref(it, C_TEMP);
  }
}

// ---------------------------------------------------------------------------------
// The functions

/** ceil, floor: exact floats directly, others through __ceil__/__floor__, then as a double. */
function rounding(name: 'ceil' | 'floor', fn: (x: number) => number): Native {
  return (vm, args, kwnames, out) => {
    const x = methO(vm, `math.${name}`, args, kwnames);
    if (vm.typeOf(x) !== vm.T.float) {
      const method = vm.lookupSpecial(x, `__${name}__`, C_TEMP);
      if (method !== undefined) {
        try {
          return vm.call(method, [], undefined, out);
        } finally {
          vm.rt.decref(method, C_TEMP);
        }
      }
    }
    return longFromDouble(vm, fn(asDouble(vm, x)), out);
  };
}

function tupleOfFloats(vm: VM, xs: readonly (number | bigint)[], out: Holder): ObjectId {
  return vm.newTuple(
    xs.map((x) => (typeof x === 'number' ? vm.newFloat(x, C_TEMP) : vm.newInt(x, C_TEMP))),
    out,
    C_TEMP,
  );
}

/** PySequence_Tuple for dist's points (a tuple argument is used as it is). */
function asTuple(vm: VM, obj: ObjectId): { items: readonly ObjectId[]; made: ObjectId | undefined } {
  const v = vm.value(obj);
  if (v.t === 'tuple') return { items: v.items, made: undefined };
  const items = vm.iterateToArray(obj, C_TEMP);
  const t = vm.newTuple(items, C_TEMP, C_TEMP);
  return { items: vm.value(t).t === 'tuple' ? vm.as(t, 'tuple').items : [], made: t };
}

const functions: Record<string, Native> = {
  acos: math1(m.acos, false, 'acos'),
  acosh: math1(m.acosh, false, 'acosh'),
  asin: math1(m.asin, false, 'asin'),
  asinh: math1(m.asinh, false, 'asinh'),
  atan: math1(m.atan, false, 'atan'),
  atan2: math2(atan2, 'atan2'),
  atanh: math1(m.atanh, false, 'atanh'),
  cbrt: math1(m.cbrt, false, 'cbrt'),
  ceil: rounding('ceil', Math.ceil),
  copysign: math2(m.copysign, 'copysign'),
  cos: math1(m.cos, false, 'cos'),
  cosh: math1(m.cosh, true, 'cosh'),
  erf: math1a((x) => [m.erf(x), 0], 'erf'),
  erfc: math1a((x) => [m.erfc(x), 0], 'erfc'),
  exp: math1(m.exp, true, 'exp'),
  exp2: math1(m.exp2, true, 'exp2'),
  expm1: math1(m.expm1, true, 'expm1'),
  fabs: math1(Math.abs, false, 'fabs'),
  floor: rounding('floor', Math.floor),
  gamma: math1a(tgamma, 'gamma'),
  lgamma: math1a(lgamma, 'lgamma'),
  log1p: math1(log1p, false, 'log1p'),
  remainder: math2(remainder, 'remainder'),
  sin: math1(m.sin, false, 'sin'),
  sinh: math1(m.sinh, true, 'sinh'),
  sqrt: math1(Math.sqrt, false, 'sqrt'),
  tan: math1(m.tan, false, 'tan'),
  tanh: math1(m.tanh, false, 'tanh'),

  fsum: (vm, args, kwnames, out) => fsum(vm, methO(vm, 'math.fsum', args, kwnames), out),

  isqrt: (vm, args, kwnames, out) => {
    const n = vm.index(methO(vm, 'math.isqrt', args, kwnames));
    if (n < 0n) throw vm.pyErr('ValueError', 'isqrt() argument must be nonnegative');
    return vm.newInt(isqrtBig(n), out);
  },

  factorial: (vm, args, kwnames, out) => factorial(vm, methO(vm, 'math.factorial', args, kwnames), out),

  trunc: (vm, args, kwnames, out) => {
    const x = methO(vm, 'math.trunc', args, kwnames);
    if (vm.typeOf(x) === vm.T.float) return longFromDouble(vm, vm.as(x, 'float').v, out);
    const method = vm.lookupSpecial(x, '__trunc__', C_TEMP);
    if (method === undefined) throw vm.typeError(`type ${vm.typeName(x)} doesn't define __trunc__ method`);
    try {
      return vm.call(method, [], undefined, out);
    } finally {
      vm.rt.decref(method, C_TEMP);
    }
  },

  frexp: (vm, args, kwnames, out) => {
    const x = asDouble(vm, methO(vm, 'math.frexp', args, kwnames));
    const [mant, e] = Number.isNaN(x) || !Number.isFinite(x) || x === 0 ? [x, 0] : m.frexp(x);
    return tupleOfFloats(vm, [mant, BigInt(e)], out);
  },

  ldexp: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.ldexp', kwnames);
    checkPositional(vm, 'ldexp', args, kwnames, 2, 2);
    const x = asDouble(vm, args[0] as ObjectId);
    const iv = vm.value(args[1] as ObjectId);
    if (iv.t !== 'int' && iv.t !== 'bool') throw vm.typeError('Expected an int as second argument to ldexp.');
    const e = iv.t === 'int' ? iv.v : iv.v ? 1n : 0n;
    let r: number;
    let errno: Errno = 0;
    if (x === 0 || !Number.isFinite(x)) r = x;
    else if (e > 2147483647n) {
      r = m.copysign(Infinity, x);
      errno = 'ERANGE';
    } else if (e < -2147483648n) r = m.copysign(0, x);
    else {
      r = m.ldexp(x, Number(e));
      if (!Number.isFinite(r)) errno = 'ERANGE';
    }
    if (errno !== 0) isError(vm, errno, r);
    return vm.newFloat(r, out);
  },

  modf: (vm, args, kwnames, out) => {
    const x = asDouble(vm, methO(vm, 'math.modf', args, kwnames));
    if (Number.isNaN(x)) return tupleOfFloats(vm, [x, x], out);
    if (!Number.isFinite(x)) return tupleOfFloats(vm, [m.copysign(0, x), x], out);
    return tupleOfFloats(vm, m.modf(x), out);
  },

  log: (vm, args, kwnames, out) => {
    noKeywords(vm, 'log', kwnames);
    if (args.length < 1 || args.length > 2) throw vm.typeError('math.log requires 1 to 2 arguments');
    const num = logHelper(vm, args[0] as ObjectId, mLog, m.log);
    if (args.length === 1) return vm.newFloat(num, out);
    const den = logHelper(vm, args[1] as ObjectId, mLog, m.log);
    if (den === 0) throw vm.pyErr('ZeroDivisionError', 'float division by zero');
    return vm.newFloat(num / den, out);
  },
  log2: (vm, args, kwnames, out) =>
    vm.newFloat(logHelper(vm, methO(vm, 'math.log2', args, kwnames), mLog2, m.log2), out),
  log10: (vm, args, kwnames, out) =>
    vm.newFloat(logHelper(vm, methO(vm, 'math.log10', args, kwnames), mLog10, m.log10), out),

  fmod: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.fmod', kwnames);
    checkPositional(vm, 'fmod', args, kwnames, 2, 2);
    const x = asDouble(vm, args[0] as ObjectId);
    const y = asDouble(vm, args[1] as ObjectId);
    if (!Number.isFinite(y) && !Number.isNaN(y) && Number.isFinite(x)) return vm.newFloat(x, out);
    const r = x % y;
    if (Number.isNaN(r) && !Number.isNaN(x) && !Number.isNaN(y)) throw vm.pyErr('ValueError', 'math domain error');
    return vm.newFloat(r, out);
  },

  dist: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.dist', kwnames);
    checkPositional(vm, 'dist', args, kwnames, 2, 2);
    const p = asTuple(vm, args[0] as ObjectId);
    let q: ReturnType<typeof asTuple> | undefined;
    try {
      q = asTuple(vm, args[1] as ObjectId);
      if (p.items.length !== q.items.length) {
        throw vm.pyErr('ValueError', 'both points must have the same number of dimensions');
      }
      let max = 0.0;
      let foundNan = false;
      const diffs: number[] = [];
      for (let i = 0; i < p.items.length; i++) {
        const px = asDouble(vm, p.items[i] as ObjectId);
        const qx = asDouble(vm, q.items[i] as ObjectId);
        const x = Math.abs(px - qx);
        diffs.push(x);
        foundNan ||= Number.isNaN(x);
        if (x > max) max = x;
      }
      return vm.newFloat(vectorNorm(diffs, max, foundNan), out);
    } finally {
      if (p.made !== undefined) vm.rt.decref(p.made, C_TEMP);
      if (q?.made !== undefined) vm.rt.decref(q.made, C_TEMP);
    }
  },

  hypot: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.hypot', kwnames);
    let max = 0.0;
    let foundNan = false;
    const coords: number[] = [];
    for (const a of args) {
      const x = Math.abs(asDouble(vm, a));
      coords.push(x);
      foundNan ||= Number.isNaN(x);
      if (x > max) max = x;
    }
    return vm.newFloat(vectorNorm(coords, max, foundNan), out);
  },

  pow: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.pow', kwnames);
    checkPositional(vm, 'pow', args, kwnames, 2, 2);
    const x = asDouble(vm, args[0] as ObjectId);
    const y = asDouble(vm, args[1] as ObjectId);
    let r = 0;
    let errno: Errno = 0;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (Number.isNaN(x)) r = y === 0 ? 1 : x;
      else if (Number.isNaN(y)) r = x === 1 ? 1 : y;
      else if (!Number.isFinite(x)) {
        const oddY = Number.isFinite(y) && Math.abs(y) % 2.0 === 1.0;
        if (y > 0) r = oddY ? x : Math.abs(x);
        else if (y === 0) r = 1;
        else r = oddY ? m.copysign(0, x) : 0;
      } else {
        if (Math.abs(x) === 1.0) r = 1;
        else if (y > 0 && Math.abs(x) > 1.0) r = y;
        else if (y < 0 && Math.abs(x) < 1.0) r = -y;
        else r = 0;
      }
    } else {
      r = powFinite(x, y);
      if (Number.isNaN(r)) errno = 'EDOM';
      else if (!Number.isFinite(r)) errno = x === 0 ? 'EDOM' : 'ERANGE';
    }
    if (errno !== 0) isError(vm, errno, r);
    return vm.newFloat(r, out);
  },

  degrees: (vm, args, kwnames, out) =>
    vm.newFloat(asDouble(vm, methO(vm, 'math.degrees', args, kwnames)) * (180.0 / Math.PI), out),
  radians: (vm, args, kwnames, out) =>
    vm.newFloat(asDouble(vm, methO(vm, 'math.radians', args, kwnames)) * (Math.PI / 180.0), out),
  isfinite: (vm, args, kwnames, out) =>
    vm.bool(Number.isFinite(asDouble(vm, methO(vm, 'math.isfinite', args, kwnames))), out),
  isnan: (vm, args, kwnames, out) => vm.bool(Number.isNaN(asDouble(vm, methO(vm, 'math.isnan', args, kwnames))), out),
  isinf: (vm, args, kwnames, out) => {
    const x = asDouble(vm, methO(vm, 'math.isinf', args, kwnames));
    return vm.bool(!Number.isFinite(x) && !Number.isNaN(x), out);
  },

  isclose: (vm, args, kwnames, out) => {
    const [a0, b0, rt0, at0] = unpackKeywords(vm, 'isclose', args, kwnames, {
      names: ['a', 'b', 'rel_tol', 'abs_tol'],
      maxPos: 2,
      required: 2,
    });
    const a = asDouble(vm, a0 as ObjectId);
    const b = asDouble(vm, b0 as ObjectId);
    const relTol = rt0 === undefined ? 1e-9 : asDouble(vm, rt0);
    const absTol = at0 === undefined ? 0.0 : asDouble(vm, at0);
    if (relTol < 0.0 || absTol < 0.0) throw vm.pyErr('ValueError', 'tolerances must be non-negative');
    if (a === b) return vm.bool(true, out);
    if ((!Number.isFinite(a) && !Number.isNaN(a)) || (!Number.isFinite(b) && !Number.isNaN(b)))
      return vm.bool(false, out);
    const diff = Math.abs(b - a);
    return vm.bool(diff <= Math.abs(relTol * b) || diff <= Math.abs(relTol * a) || diff <= absTol, out);
  },

  prod: (vm, args, kwnames, out) => {
    const [iterable, start] = unpackKeywords(vm, 'prod', args, kwnames, {
      names: ['iterable', 'start'],
      posOnly: 1,
      maxPos: 1,
      required: 1,
    });
    return prod(vm, iterable as ObjectId, start, out);
  },

  perm: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.perm', kwnames);
    checkPositional(vm, 'perm', args, kwnames, 1, 2);
    const k = args[1];
    if (k === undefined || k === vm.statics.none) return factorial(vm, args[0] as ObjectId, out);
    const [n, kv] = nonNegInts(vm, args[0] as ObjectId, k);
    if (n < kv) return vm.newInt(0n, out);
    if (kv > LLONG_MAX) throw vm.pyErr('OverflowError', `k must not exceed ${LLONG_MAX}`);
    let r = 1n;
    for (let i = 0n; i < kv; i++) r *= n - i;
    return vm.newInt(r, out);
  },

  comb: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.comb', kwnames);
    checkPositional(vm, 'comb', args, kwnames, 2, 2);
    const [n, k0] = nonNegInts(vm, args[0] as ObjectId, args[1] as ObjectId);
    if (n - k0 < 0n) return vm.newInt(0n, out);
    const k = n - k0 < k0 ? n - k0 : k0;
    if (k > LLONG_MAX) throw vm.pyErr('OverflowError', `min(n - k, k) must not exceed ${LLONG_MAX}`);
    let r = 1n;
    for (let i = 0n; i < k; i++) r = (r * (n - i)) / (i + 1n);
    return vm.newInt(r, out);
  },

  gcd: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.gcd', kwnames);
    if (args.length === 0) return vm.newInt(0n, out);
    let res = vm.index(args[0] as ObjectId);
    if (args.length === 1) return vm.newInt(res < 0n ? -res : res, out);
    for (let i = 1; i < args.length; i++) {
      const x = vm.index(args[i] as ObjectId);
      if (res === 1n) continue;
      res = gcdBig(res, x);
    }
    return vm.newInt(res, out);
  },

  lcm: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.lcm', kwnames);
    if (args.length === 0) return vm.newInt(1n, out);
    let res = vm.index(args[0] as ObjectId);
    if (args.length === 1) return vm.newInt(res < 0n ? -res : res, out);
    for (let i = 1; i < args.length; i++) {
      const x = vm.index(args[i] as ObjectId);
      if (res === 0n) continue;
      if (x === 0n) {
        res = 0n;
        continue;
      }
      const g = gcdBig(res, x);
      const v = (res / g) * x;
      res = v < 0n ? -v : v;
    }
    return vm.newInt(res, out);
  },

  nextafter: (vm, args, kwnames, out) => {
    noKeywords(vm, 'math.nextafter', kwnames);
    checkPositional(vm, 'nextafter', args, kwnames, 2, 2);
    return vm.newFloat(m.nextafter(asDouble(vm, args[0] as ObjectId), asDouble(vm, args[1] as ObjectId)), out);
  },

  ulp: (vm, args, kwnames, out) => {
    let x = asDouble(vm, methO(vm, 'math.ulp', args, kwnames));
    if (Number.isNaN(x)) return vm.newFloat(x, out);
    x = Math.abs(x);
    if (!Number.isFinite(x)) return vm.newFloat(x, out);
    const x2 = m.nextafter(x, Infinity);
    if (!Number.isFinite(x2)) return vm.newFloat(x - m.nextafter(x, -Infinity), out);
    return vm.newFloat(x2 - x, out);
  },
};

/** pow(x, y) for finite x and y, as libm's (negative base to a non-integer power is NaN). */
function powFinite(x: number, y: number): number {
  return m.pow(x, y);
}

registerBuiltinModule('math', (vm, _module, dict) => {
  vm.addFunctions(dict, 'math', functions);
  for (const [k, v] of [
    ['pi', Math.PI],
    ['e', Math.E],
    ['tau', 2 * Math.PI],
    ['inf', Infinity],
    ['nan', NaN],
  ] as const) {
    vm.dictSetStr(dict, k, vm.newFloat(v, C_TEMP), C_TEMP, 'move');
  }
});

export { longAsDouble };
