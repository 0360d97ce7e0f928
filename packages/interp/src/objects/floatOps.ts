/*
 * Float arithmetic and float text as CPython 3.11 computes them
 * =============================================================
 * The float operations whose results differ from the naive JavaScript formula:
 * `%`, `//` and `divmod` (fmod with a sign correction, a quotient snapped to an
 * integer), `**` with its special cases and errors, `round` with a number of digits
 * (correct decimal rounding, then back to the nearest double), int / int (correctly
 * rounded however large the ints), exact int-float comparison, and the text of a
 * float: `repr` (the shortest string that reads back, with CPython's exponent rules)
 * and every `format` code, from correctly rounded decimal digits.
 *
 * Source: Objects/floatobject.c (float_rem, float_divmod, float_floor_div, _float_div_mod,
 * float_pow, float_round_impl, double_round, float_repr, float_richcompare),
 * Objects/longobject.c (long_true_divide, PyLong_AsDouble), Python/pystrtod.c
 * (PyOS_double_to_string, format_float_short), Python/dtoa.c (_Py_dg_dtoa: the modes).
 *
 * Read first: `dtoa` (the digits CPython's `_Py_dg_dtoa` returns), then
 * `doubleToString` (how those digits become text).
 *
 * Vocabulary:
 *   digits, decpt  the value is 0.d1d2d3... x 10**decpt: "125", decpt 1 is 1.25. dtoa
 *                  strips trailing zeros; a value that rounds to nothing has no digits.
 *   mode 0         the shortest digits that read back to the same double (repr).
 *   mode 2         max(1, ndigits) significant digits ('e', 'g').
 *   mode 3         ndigits digits after the decimal point ('f', round()); ndigits may
 *                  be negative (round(x, -2)).
 *   Rounding is to the nearest, ties to even, on the exact binary value: 0.125 has two
 *   digits "12" (0.125 is exactly halfway), 0.375 gives "38".
 *
 * Worked example: format(0.125, '.2f') -> dtoa(0.125, 3, 2) = ("12", decpt 0) ->
 * format_float_short pads to "0.12". repr(1e16) -> dtoa mode 0 = ("1", decpt 17) ->
 * decpt > 16, so the exponent form "1e+16".
 *
 * `**` leaves the general case to the C library's pow. Here an integer power is
 * computed exactly and any other through a 256-bit logarithm and exponential, then
 * rounded once: the correctly rounded result (V8's Math.pow is off by one bit in a few
 * percent of cases).
 *
 * Simplifications: glibc's pow (what CPython calls on Linux) is within 0.52 ULP, not
 * always correctly rounded: on random operands its last bit differs from ours in
 * about 1 case in 3,000. Complex results (a negative base to a fractional power) are
 * refused with a NotImplementedError (there is no complex type yet).
 */
import { PyError } from './pyError.js';

// ---------------------------------------------------------------------------------
// Exact decomposition of a double.

const view = new DataView(new ArrayBuffer(8));

/** A finite positive double as M * 2**E (M an integer of at most 53 bits). */
function decompose(x: number): { m: bigint; e: number } {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { m: frac, e: -1074 };
  return { m: frac | (1n << 52n), e: biased - 1075 };
}

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length);

const POW10: bigint[] = [];
/** 10**k as a bigint (k >= 0), cached. */
function pow10(k: number): bigint {
  if (k < 64) return (POW10[k] ??= 10n ** BigInt(k));
  return 10n ** BigInt(k);
}

/** round(n / d) to the nearest integer, ties to even (n >= 0, d > 0). */
function divRoundHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r2 = 2n * (n % d);
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) return q + 1n;
  return q;
}

// ---------------------------------------------------------------------------------
// _Py_dg_dtoa.

export interface Dtoa {
  /** Negative (the sign bit: -0.0 and values rounding to zero keep it). */
  readonly sign: boolean;
  /** The digits without trailing zeros; "" when the value rounds to nothing (mode 3); "Infinity" / "NaN". */
  readonly digits: string;
  /** The value is 0.<digits> * 10**decpt. */
  readonly decpt: number;
}

/**
 * `_Py_dg_dtoa(x, mode, ndigits)`: the correctly rounded decimal digits of `x` in mode
 * 0 (shortest), 2 (ndigits significant digits, at least 1) or 3 (ndigits after the
 * point), trailing zeros stripped.
 */
export function dtoa(x: number, mode: 0 | 2 | 3, ndigits: number): Dtoa {
  const sign = x < 0 || Object.is(x, -0);
  if (Number.isNaN(x)) return { sign: false, digits: 'NaN', decpt: 9999 };
  if (!Number.isFinite(x)) return { sign, digits: 'Infinity', decpt: 9999 };
  if (x === 0) return { sign, digits: '0', decpt: 1 };
  const ax = Math.abs(x);
  if (mode === 0) {
    // Number#toString gives the shortest digits that read back, the closest of them
    // to the exact value (ECMA-262 Number::toString): what dtoa's mode 0 gives.
    const text = ax.toExponential();
    const [mant = '', exp = '0'] = text.split('e');
    return { sign, digits: stripZeros(mant.replace('.', '')), decpt: Number(exp) + 1 };
  }
  const { m, e } = decompose(ax);
  // The exact value is num / den.
  const num = e >= 0 ? m << BigInt(e) : m;
  const den = e >= 0 ? 1n : 1n << BigInt(-e);
  if (mode === 3) {
    const scaled =
      ndigits >= 0 ? divRoundHalfEven(num * pow10(ndigits), den) : divRoundHalfEven(num, den * pow10(-ndigits));
    if (scaled === 0n) return { sign, digits: '', decpt: -ndigits };
    const s = scaled.toString();
    return { sign, digits: stripZeros(s), decpt: s.length - ndigits };
  }
  const p = Math.max(1, ndigits);
  // k = floor(log10(ax)), estimated then made exact.
  let k = Math.floor(Math.log10(ax));
  const atLeast = (kk: number): boolean => (kk >= 0 ? num >= den * pow10(kk) : num * pow10(-kk) >= den);
  while (!atLeast(k)) k -= 1;
  while (atLeast(k + 1)) k += 1;
  const shift = p - 1 - k; // digits = round(ax * 10**shift)
  let scaled = shift >= 0 ? divRoundHalfEven(num * pow10(shift), den) : divRoundHalfEven(num, den * pow10(-shift));
  if (scaled >= pow10(p)) {
    // Rounding carried into a new digit (9.99 -> 10.0).
    scaled /= 10n;
    k += 1;
  }
  return { sign, digits: stripZeros(scaled.toString()), decpt: k + 1 };
}

function stripZeros(s: string): string {
  let end = s.length;
  while (end > 1 && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

// ---------------------------------------------------------------------------------
// PyOS_double_to_string.

/** The flags of PyOS_double_to_string (Py_DTSF_*). */
export interface DtsFlags {
  /** Py_DTSF_SIGN: a '+' for non-negative values. */
  readonly sign?: boolean;
  /** Py_DTSF_ADD_DOT_0: an integral value without exponent gets ".0". */
  readonly addDot0?: boolean;
  /** Py_DTSF_ALT: keep the decimal point and trailing zeros ('#'). */
  readonly alt?: boolean;
  /** Py_DTSF_NO_NEG_0: a negative zero result loses its sign ('z'). */
  readonly noNeg0?: boolean;
}

/**
 * `PyOS_double_to_string(val, code, precision, flags)`: code is one of e E f F g G r
 * (r: the repr, precision must be 0). Returns the text, sign included.
 */
export function doubleToString(val: number, code: string, precision: number, flags: DtsFlags = {}): string {
  let upper = false;
  let mode: 0 | 2 | 3;
  let fmt: 'e' | 'f' | 'g' | 'r';
  switch (code) {
    case 'E':
    case 'e':
      upper = code === 'E';
      fmt = 'e';
      mode = 2;
      precision += 1;
      break;
    case 'F':
    case 'f':
      upper = code === 'F';
      fmt = 'f';
      mode = 3;
      break;
    case 'G':
    case 'g':
      upper = code === 'G';
      fmt = 'g';
      mode = 2;
      if (precision === 0) precision = 1; // precision 0 makes no sense for 'g'
      break;
    case 'r':
      fmt = 'r';
      mode = 0;
      break;
    default:
      throw new PyError('SystemError', `bad format code '${code}' for a float`);
  }
  const d = dtoa(val, mode, precision);
  let sign = d.sign;
  const digits = d.digits;
  let decpt = d.decpt;
  if (flags.noNeg0 === true && sign && (digits === '' || digits === '0')) sign = false;
  if (digits === 'Infinity' || digits === 'NaN') {
    const word = digits === 'NaN' ? 'nan' : 'inf';
    const signText = digits === 'NaN' ? (flags.sign === true ? '+' : '') : sign ? '-' : flags.sign === true ? '+' : '';
    return signText + (upper ? word.toUpperCase() : word);
  }
  const n = digits.length;
  let useExp = false;
  let vEnd = n;
  switch (fmt) {
    case 'e':
      useExp = true;
      vEnd = precision;
      break;
    case 'f':
      vEnd = decpt + precision;
      break;
    case 'g':
      if (decpt <= -4 || decpt > (flags.addDot0 === true ? precision - 1 : precision)) useExp = true;
      if (flags.alt === true) vEnd = precision;
      break;
    case 'r':
      // The exponent form from 1e16 on (repr(2e16+8) would otherwise pad with bogus zeros).
      if (decpt <= -4 || decpt > 16) useExp = true;
      break;
  }
  let exp = 0;
  if (useExp) {
    exp = decpt - 1;
    decpt = 1;
  }
  const vStart = decpt <= 0 ? decpt - 1 : 0;
  if (!useExp && flags.addDot0 === true) vEnd = Math.max(vEnd, decpt + 1);
  else vEnd = Math.max(vEnd, decpt);
  let out = sign ? '-' : flags.sign === true ? '+' : '';
  // Zero padding on the left of the digits (exactly one of the branches writes the point).
  if (decpt <= 0) out += '0'.repeat(decpt - vStart) + '.' + '0'.repeat(-decpt);
  else out += '0'.repeat(-vStart);
  if (decpt > 0 && decpt <= n) out += digits.slice(0, decpt) + '.' + digits.slice(decpt);
  else out += digits;
  if (n < decpt) out += '0'.repeat(decpt - n) + '.' + '0'.repeat(vEnd - decpt);
  else out += '0'.repeat(vEnd - n);
  if (out.endsWith('.') && flags.alt !== true) out = out.slice(0, -1);
  if (useExp) {
    const e = Math.abs(exp);
    out += (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (e < 10 ? `0${e}` : String(e));
  }
  return out;
}

/** float.__repr__ (and str): the shortest repr that reads back, '.0' for integral values. */
export function floatRepr(x: number): string {
  return doubleToString(x, 'r', 0, { addDot0: true });
}

// ---------------------------------------------------------------------------------
// Arithmetic.

/** float_rem: `a % b`, the sign of b (fmod, then one correction). */
export function floatRem(a: number, b: number): number {
  if (b === 0) throw new PyError('ZeroDivisionError', 'float modulo');
  let mod = a % b; // ECMAScript % on numbers is C's fmod: exact.
  if (mod !== 0) {
    if (b < 0 !== mod < 0) mod += b;
  } else mod = b < 0 || Object.is(b, -0) ? -0 : 0; // copysign(0.0, b)
  return mod;
}

/** _float_div_mod: the floor quotient (snapped to an integer) and the remainder. */
function floatDivMod(vx: number, wx: number): [number, number] {
  let mod = vx % wx;
  // fmod is exact, so vx - mod is mathematically a multiple of wx; the division may still be inexact.
  let div = (vx - mod) / wx;
  if (mod !== 0) {
    if (wx < 0 !== mod < 0) {
      mod += wx;
      div -= 1;
    }
  } else mod = wx < 0 || Object.is(wx, -0) ? -0 : 0;
  let floordiv: number;
  if (div !== 0) {
    floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1;
  } else {
    // The zero gets the sign of the true quotient.
    const q = vx / wx;
    floordiv = q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  return [floordiv, mod];
}

/** float_floor_div: `a // b`. */
export function floatFloorDiv(a: number, b: number): number {
  if (b === 0) throw new PyError('ZeroDivisionError', 'float floor division by zero');
  return floatDivMod(a, b)[0];
}

/** float_divmod: `divmod(a, b)`. */
export function floatDivmod(a: number, b: number): [number, number] {
  if (b === 0) throw new PyError('ZeroDivisionError', 'float divmod()');
  return floatDivMod(a, b);
}

/** float_div: `a / b`. */
export function floatTrueDiv(a: number, b: number): number {
  if (b === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
  return a / b;
}

/** DOUBLE_IS_ODD_INTEGER. */
const isOddInteger = (x: number): boolean => Math.abs(x % 2) === 1;

/** float_pow: `a ** b` for two floats, with CPython's special cases and errors. */
export function floatPow(iv: number, iw: number): number {
  if (iw === 0) return 1; // v**0 is 1, even 0**0 and nan**0
  if (Number.isNaN(iv)) return iv;
  if (Number.isNaN(iw)) return iv === 1 ? 1 : iw; // 1**nan is 1
  if (!Number.isFinite(iw)) {
    const av = Math.abs(iv);
    if (av === 1) return 1;
    if (iw > 0 === av > 1) return Math.abs(iw); // inf
    return 0;
  }
  if (!Number.isFinite(iv)) {
    // (+-inf)**w: inf for w > 0, 0 for w < 0, with the sign of iv when w is an odd integer.
    const odd = isOddInteger(iw);
    if (iw > 0) return odd ? iv : Math.abs(iv);
    return odd ? (iv < 0 ? -0 : 0) : 0;
  }
  if (iv === 0) {
    const odd = isOddInteger(iw);
    if (iw < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
    return odd ? iv : 0;
  }
  let negate = false;
  if (iv < 0) {
    if (iw !== Math.floor(iw)) {
      throw new PyError('NotImplementedError', 'complex results of ** are not simulated');
    }
    iv = -iv;
    negate = isOddInteger(iw);
  }
  if (iv === 1) return negate ? -1 : 1; // (-1)**large_integer too
  // The platform pow (glibc's is correctly rounded in practice): correctly rounded here.
  const ix = powPositive(iv, iw);
  if (!Number.isFinite(ix)) throw new PyError('OverflowError', "(34, 'Numerical result out of range')");
  return negate ? -ix : ix;
}

// ---------------------------------------------------------------------------------
// A correctly rounded pow for finite x > 0, x != 1, finite y != 0.

/** Fixed-point precision (bits after the point) of the logarithm and exponential. */
const FIX = 256;
const ONE = 1n << BigInt(FIX);

/** 2 * atanh(z) for a fixed-point z (|z| <= 1/3): the series z + z^3/3 + z^5/5 + ... */
function twoAtanh(z: bigint): bigint {
  const z2 = (z * z) >> BigInt(FIX);
  let term = z;
  let sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n) {
    sum += term / k;
    term = (term * z2) >> BigInt(FIX);
  }
  return 2n * sum;
}

/** ln 2 in fixed point: 2 * atanh(1/3). */
const LN2 = twoAtanh(ONE / 3n);

/** ln(m * 2**e) in fixed point (m a positive integer). */
function lnFixed(m: bigint, e: number): bigint {
  // m as a fixed-point mantissa in [1, 2), the rest in the power of two.
  const bl = bitLength(m);
  const mant = bl - 1 <= FIX ? m << BigInt(FIX - (bl - 1)) : m >> BigInt(bl - 1 - FIX);
  const z = ((mant - ONE) << BigInt(FIX)) / (mant + ONE);
  return twoAtanh(z) + BigInt(e + bl - 1) * LN2;
}

/** exp(t) for a fixed-point t, as [q, k]: the value is q * 2**(k - FIX), q within 2**-200 relative. */
function expFixed(t: bigint): [bigint, number] {
  // t = k ln2 + r with |r| <= ln2 / 2; then e^r by its Taylor series.
  let k = t / LN2;
  let r = t - k * LN2;
  if (2n * r > LN2) {
    k += 1n;
    r -= LN2;
  } else if (2n * r < -LN2) {
    k -= 1n;
    r += LN2;
  }
  let sum = ONE;
  let term = ONE;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * r) / (n << BigInt(FIX));
    sum += term;
  }
  return [sum, Number(k)];
}

/** x ** y for finite x > 0 (x != 1) and finite y != 0, correctly rounded (subnormals included). */
function powPositive(x: number, y: number): number {
  // Far out of range: the result is inf or 0 whatever the rounding.
  const estimate = y * Math.log2(x);
  if (estimate > 1100) return Infinity;
  if (estimate < -1200) return 0;
  const { m, e } = decompose(x);
  if (Number.isInteger(y) && Math.abs(y) <= 1024) {
    // An integer power exactly: m**n * 2**(e*n), or its inverse.
    const n = Math.abs(y);
    const p = m ** BigInt(n);
    if (y > 0) return roundToDouble(p, e * n, false);
    // 2**s / p with at least 55 significant bits, plus the sticky remainder.
    const s = bitLength(p) + 55;
    const num = 1n << BigInt(s);
    return roundToDouble(num / p, -e * n - s, num % p !== 0n);
  }
  const lnx = lnFixed(m, e);
  const { m: my, e: ey } = decompose(Math.abs(y));
  let t = lnx * my;
  t = ey >= 0 ? t << BigInt(ey) : t >> BigInt(-ey);
  if (y < 0) t = -t;
  const [q, k] = expFixed(t);
  return roundToDouble(q, k - FIX, true);
}

const NDIGITS_MAX = Math.trunc((53 - -1021) * 0.30103);
const NDIGITS_MIN = -Math.trunc((1024 + 1) * 0.30103);

/** float_round_impl with ndigits: correct decimal rounding (dtoa mode 3), then the nearest double. */
export function floatRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (ndigits > NDIGITS_MAX) return x;
  if (ndigits < NDIGITS_MIN) return 0 * x;
  const d = dtoa(x, 3, ndigits);
  // double_round: "<sign>0<digits>e<decpt - len(digits)>" read back (correctly rounded).
  const rounded = Number(`${d.sign ? '-' : ''}0${d.digits}e${d.decpt - d.digits.length}`);
  if (!Number.isFinite(rounded)) throw new PyError('OverflowError', 'rounded value too large to represent');
  return rounded;
}

/** float.__round__() without ndigits: half to even, as an int. */
export function floatRoundToInt(x: number): bigint {
  let rounded = Math.round(x);
  if (Math.abs(x - rounded) === 0.5) rounded = 2 * Math.round(x / 2);
  return floatToInt(rounded);
}

/** PyLong_FromDouble: int(x) of an integral-valued or any finite float (truncation). */
export function floatToInt(x: number): bigint {
  if (Number.isNaN(x)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
  return BigInt(Math.trunc(x));
}

/** PyLong_AsDouble: the nearest double (ties to even), or OverflowError. */
export function intToFloat(v: bigint): number {
  const x = Number(v); // ECMA-262: the nearest double, ties to even
  if (!Number.isFinite(x)) throw new PyError('OverflowError', 'int too large to convert to float');
  return x;
}

/** x * 2**e exactly for an exactly representable result (no intermediate overflow or underflow). */
function ldexp(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

/** long_true_divide: `a / b` of two ints, correctly rounded however large they are. */
export function intTrueDiv(a: bigint, b: bigint): number {
  if (b === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
  const LIMIT = 1n << 53n;
  const aa = a < 0n ? -a : a;
  const ab = b < 0n ? -b : b;
  const negative = a < 0n !== b < 0n;
  if (aa <= LIMIT && ab <= LIMIT) return Number(a) / Number(b); // both exact: one IEEE division
  if (aa === 0n) return negative ? -0 : 0;
  // q = floor(aa * 2**s / ab) with at least 55 significant bits, plus a sticky bit.
  const s = 55 - (bitLength(aa) - bitLength(ab));
  const n = s >= 0 ? aa << BigInt(s) : aa;
  const d = s >= 0 ? ab : ab << BigInt(-s);
  const q = n / d;
  const sticky = n % d !== 0n;
  const r = roundToDouble(q, -s, sticky);
  if (!Number.isFinite(r)) throw new PyError('OverflowError', 'integer division result too large for a float');
  return negative ? -r : r;
}

/** The double nearest to (q + sticky) * 2**e (ties to even), q > 0, subnormals included. */
function roundToDouble(q: bigint, e: number, sticky: boolean): number {
  const bl = bitLength(q);
  const lead = bl - 1 + e; // the value is in [2**lead, 2**(lead+1))
  if (lead >= 1024) return Infinity;
  const precision = lead >= -1022 ? 53 : lead + 1075;
  if (precision <= 0) {
    // Below half the smallest subnormal (or exactly half: ties to even gives 0).
    if (precision === 0 && (q > 1n << BigInt(bl - 1) || sticky)) return 2 ** -1074;
    return 0;
  }
  const drop = bl - precision;
  if (drop <= 0) return ldexp(Number(q), e);
  let m = q >> BigInt(drop);
  const rem = q & ((1n << BigInt(drop)) - 1n);
  const half = 1n << BigInt(drop - 1);
  if (rem > half || (rem === half && (sticky || (m & 1n) === 1n))) m += 1n;
  return ldexp(Number(m), e + drop);
}

/** Exact comparison of an int with a float (float_richcompare): -1, 0, 1, or NaN when unordered. */
export function compareIntFloat(i: bigint, f: number): number {
  if (Number.isNaN(f)) return NaN;
  if (!Number.isFinite(f)) return f > 0 ? -1 : 1;
  const fl = Math.floor(f);
  const bf = BigInt(fl);
  if (fl === f) return i < bf ? -1 : i > bf ? 1 : 0;
  return i <= bf ? -1 : 1; // f is not an integer, so i != f
}
