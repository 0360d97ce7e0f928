/*
 * The C math library, as the math, cmath and _random modules call it
 * ====================================================================
 * CPython's math module calls the platform's libm (glibc on Linux) for most functions;
 * this file is that libm. The exactly specified operations (sqrt, fabs, fmod, floor,
 * ceil, trunc, copysign, frexp, ldexp, nextafter, modf) are exact here as in every IEEE
 * libm. The transcendental functions (exp, log, sin, cos ...) are JavaScript's Math,
 * which is not glibc: both are faithful (error below one unit in the last place), but
 * they can round differently in the last bit for some arguments.
 *
 * Source: C99 Annex F; glibc's frexp, ldexp, nextafter, modf (exact operations).
 */

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const u32 = new Uint32Array(f64.buffer);

/** The bits of a double as an unsigned 64-bit BigInt. */
export function doubleBits(x: number): bigint {
  f64[0] = x;
  return u64[0] as bigint;
}

export function bitsToDouble(b: bigint): number {
  u64[0] = BigInt.asUintN(64, b);
  return f64[0] as number;
}

/** The sign bit (true for -0.0 and negative NaNs). */
export function signbit(x: number): boolean {
  f64[0] = x;
  return ((u32[1] as number) & 0x80000000) !== 0;
}

export function copysign(x: number, y: number): number {
  const mag = Math.abs(x);
  return signbit(y) ? -mag : mag;
}

/** frexp: [m, e] with x = m * 2**e and 0.5 <= |m| < 1 (x finite and nonzero). */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  f64[0] = x;
  let hi = u32[1] as number;
  let exp = (hi >>> 20) & 0x7ff;
  let e = 0;
  if (exp === 0) {
    // Subnormal: scale into the normal range first (exact).
    f64[0] = x * 2 ** 64;
    hi = u32[1] as number;
    exp = (hi >>> 20) & 0x7ff;
    e = -64;
  }
  e += exp - 1022;
  u32[1] = (hi & 0x800fffff) | (1022 << 20);
  return [f64[0], e];
}

/** ldexp(x, n) = x * 2**n, correctly rounded (one rounding, for subnormal results too). */
export function ldexp(x: number, n: number): number {
  if (x === 0 || !Number.isFinite(x) || n === 0) return x;
  if (n > 2100) return x * Infinity;
  if (n < -2200) return x * 0;
  const [m, e] = frexp(x);
  const target = e + n; // x = m * 2**target, 0.5 <= |m| < 1
  if (target > 1024) return m * Infinity;
  if (target >= -1021) return m * 2 ** (target - 1) * 2;
  // Subnormal result: m * 2**target rounded once to a multiple of 2**-1074.
  if (target < -1075) return m * 0;
  return m * 2 ** (target + 1074) * 2 ** -1074;
}

export function nextafter(x: number, y: number): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return y;
  if (x === 0) return y > 0 ? 2 ** -1074 : -(2 ** -1074);
  const b = doubleBits(x);
  const up = y > x === x > 0;
  return bitsToDouble(up ? b + 1n : b - 1n);
}

/** modf: [fractional part, integral part], both with the sign of x. */
export function modf(x: number): [number, number] {
  const ip = Math.trunc(x);
  const fp = x - ip;
  return [fp === 0 ? copysign(0, x) : fp, ip];
}

// Transcendental functions: JavaScript's (see the header).
export const exp = Math.exp;
export const expm1 = Math.expm1;
export const log = Math.log;
export const log2 = Math.log2;
export const log10 = Math.log10;
export const log1p = Math.log1p;
export const sin = Math.sin;
export const cos = Math.cos;
export const tan = Math.tan;
export const asin = Math.asin;
export const acos = Math.acos;
export const atan = Math.atan;
export const atan2 = Math.atan2;
export const sinh = Math.sinh;
export const cosh = Math.cosh;
export const tanh = Math.tanh;
export const asinh = Math.asinh;
export const acosh = Math.acosh;
export const atanh = Math.atanh;
export const cbrt = Math.cbrt;
export const pow = Math.pow;
export const exp2 = (x: number): number => Math.pow(2, x);

/*
 * erf and erfc: the method of fdlibm's s_erf.c (which glibc's is), rational
 * approximations on [0, 0.84375], [0.84375, 1.25], [1.25, 1/0.35], [1/0.35, 6] and
 * beyond (Sun Microsystems' coefficients).
 */
const erx = 8.45062911510467529297e-1;
const efx = 1.28379167095512586316e-1;
const efx8 = 1.02703333676410069053;
const pp = [
  1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3,
  -2.37630166566501626084e-5,
];
const qq = [
  3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4,
  -3.9602282787753681232e-6,
];
const pa = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1,
  -1.10894694282396677476e-1, 3.54783043256182359371e-2, -2.166375594868790843e-3,
];
const qa = [
  1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1,
  1.36370839120290507362e-2, 1.1984499846799107417e-2,
];
const ra = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1,
  -1.62396669462573470355e2, -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592,
];
const sa = [
  1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2, 6.45387271733267880336e2,
  4.29008140027567833386e2, 1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
];
const rb = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2,
  -6.37566443368389627722e2, -1.02509513161107724954e3, -4.83519191608651397019e2,
];
const sb = [
  3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3,
  2.55305040643316442583e3, 4.74528541206955367215e2, -2.24409524465858183362e1,
];

const c = (a: readonly number[], i: number): number => a[i] as number;

/** The high word of x with the low word cleared (fdlibm's SET_LOW_WORD(z, 0)). */
function clearLow(x: number): number {
  f64[0] = x;
  u32[0] = 0;
  return f64[0];
}

function erfTail(ax: number): number {
  // exp(-z*z-0.5625)*exp((z-x)*(z+x)+R/S)/x for |x| >= 1.25
  const s = 1 / (ax * ax);
  let R: number;
  let S: number;
  if (ax < 1 / 0.35) {
    R =
      c(ra, 0) +
      s *
        (c(ra, 1) + s * (c(ra, 2) + s * (c(ra, 3) + s * (c(ra, 4) + s * (c(ra, 5) + s * (c(ra, 6) + s * c(ra, 7)))))));
    S =
      1 +
      s *
        (c(sa, 0) +
          s *
            (c(sa, 1) +
              s * (c(sa, 2) + s * (c(sa, 3) + s * (c(sa, 4) + s * (c(sa, 5) + s * (c(sa, 6) + s * c(sa, 7))))))));
  } else {
    R = c(rb, 0) + s * (c(rb, 1) + s * (c(rb, 2) + s * (c(rb, 3) + s * (c(rb, 4) + s * (c(rb, 5) + s * c(rb, 6))))));
    S =
      1 +
      s *
        (c(sb, 0) + s * (c(sb, 1) + s * (c(sb, 2) + s * (c(sb, 3) + s * (c(sb, 4) + s * (c(sb, 5) + s * c(sb, 6)))))));
  }
  const z = clearLow(ax);
  return (exp(-z * z - 0.5625) * exp((z - ax) * (z + ax) + R / S)) / ax;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return x > 0 ? 1 : -1;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -28) {
      if (ax < 2 ** -1015) return 0.125 * (8.0 * x + efx8 * x);
      return x + efx * x;
    }
    const z = x * x;
    const r = c(pp, 0) + z * (c(pp, 1) + z * (c(pp, 2) + z * (c(pp, 3) + z * c(pp, 4))));
    const s = 1 + z * (c(qq, 0) + z * (c(qq, 1) + z * (c(qq, 2) + z * (c(qq, 3) + z * c(qq, 4)))));
    return x + x * (r / s);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const P =
      c(pa, 0) + s * (c(pa, 1) + s * (c(pa, 2) + s * (c(pa, 3) + s * (c(pa, 4) + s * (c(pa, 5) + s * c(pa, 6))))));
    const Q = 1 + s * (c(qa, 0) + s * (c(qa, 1) + s * (c(qa, 2) + s * (c(qa, 3) + s * (c(qa, 4) + s * c(qa, 5))))));
    return x >= 0 ? erx + P / Q : -erx - P / Q;
  }
  if (ax >= 6) return x >= 0 ? 1 - 1e-300 : 1e-300 - 1;
  const r = erfTail(ax);
  return x >= 0 ? 1 - r : r - 1;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (!Number.isFinite(x)) return x > 0 ? 0 : 2;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 2 ** -56) return 1 - x;
    const z = x * x;
    const r = c(pp, 0) + z * (c(pp, 1) + z * (c(pp, 2) + z * (c(pp, 3) + z * c(pp, 4))));
    const s = 1 + z * (c(qq, 0) + z * (c(qq, 1) + z * (c(qq, 2) + z * (c(qq, 3) + z * c(qq, 4)))));
    const y = r / s;
    if (x < 0.25) return 1 - (x + x * y);
    return 0.5 - (x - 0.5 + x * y);
  }
  if (ax < 1.25) {
    const s = ax - 1;
    const P =
      c(pa, 0) + s * (c(pa, 1) + s * (c(pa, 2) + s * (c(pa, 3) + s * (c(pa, 4) + s * (c(pa, 5) + s * c(pa, 6))))));
    const Q = 1 + s * (c(qa, 0) + s * (c(qa, 1) + s * (c(qa, 2) + s * (c(qa, 3) + s * (c(qa, 4) + s * c(qa, 5))))));
    return x >= 0 ? 1 - erx - P / Q : 1 + (erx + P / Q);
  }
  if (ax < 28) {
    if (x < -6) return 2 - 1e-300;
    const r = erfTail(ax);
    return x > 0 ? r : 2 - r;
  }
  return x > 0 ? 1e-300 * 1e-300 : 2 - 1e-300;
}
