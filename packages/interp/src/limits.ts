/*
 * Resource limits: what becomes MemoryError or OverflowError, and where the simulation stops
 * =========================================================================================
 * CPython builds an int, a str or a list as long as the machine's memory allows, and
 * raises when it cannot:
 *
 *   request                                   CPython 3.11 (measured)
 *   str/bytes repeat past PY_SSIZE_T_MAX       OverflowError: repeated string is too long
 *                                              (bytes: repeated bytes are too long)
 *   list/tuple repeat past PY_SSIZE_T_MAX/8    MemoryError
 *   more memory than the machine has           MemoryError (`1 << 2**40`, `'x' * 2**40`,
 *                                              `[0] * 2**40`; `2 ** 2 ** 40` gets there
 *                                              after a long time)
 *   anything smaller                           succeeds (`'x' * 10**9`, `[0] * 10**8`)
 *
 * The simulation models a machine of MACHINE_BYTES: a request for more is CPython's
 * exception, with CPython's message (a program may catch it, as in CPython). A request
 * CPython would satisfy but the simulation cannot hold (a JavaScript string, a BigInt, a
 * heap of millions of references) stops the run instead: `SimulationLimit`, a clear
 * message naming the limit; the trace keeps every event so far (as with --max-events).
 *
 *   limit            value          why
 *   MAX_INT_BITS     2^26 bits      V8's BigInt holds 2^30 bits, and arithmetic on
 *                                   ints this long already takes seconds
 *   MAX_STR_LENGTH   2^28 chars     V8's longest string is 2^29 - 24 UTF-16 units
 *   MAX_ITEMS        2^23 items     each reference held is an object of the heap state
 *                                   and an event: one container of 8M references
 *                                   takes gigabytes
 *
 * Read first: the check* helpers. Each returns undefined (go on) or a `Limit`, which
 * `raiseLimit` turns into the Python exception or the stop. The VM calls them (objects/:
 * number.ts, str.ts, list.ts, dict.ts, set.ts, through `vm.checkLimit` / `vm.checkSize`)
 * before it builds a value, so nothing is half built.
 */
import { EventBudgetExceeded } from '@pymemsim/core';

/** The memory of the simulated machine: a request for more is CPython's MemoryError. */
export const MACHINE_BYTES = 2 ** 34;
/** The longest int the simulation holds, in bits. */
export const MAX_INT_BITS = 2 ** 26;
/** The longest str (UTF-16 units) or bytes the simulation holds. */
export const MAX_STR_LENGTH = 2 ** 28;
/** The most references one container (list, tuple, dict, set) holds in the simulation. */
export const MAX_ITEMS = 2 ** 23;
/** CPython's PY_SSIZE_T_MAX on a 64-bit machine. */
export const PY_SSIZE_T_MAX = 2n ** 63n - 1n;

/** What a request over a limit becomes. */
export type Limit =
  | { readonly kind: 'raise'; readonly exception: 'MemoryError' | 'OverflowError'; readonly message?: string }
  | { readonly kind: 'stop'; readonly message: string };

/** The run stops: the simulation cannot hold what CPython would build. */
export class SimulationLimit extends EventBudgetExceeded {}

const memoryError: Limit = { kind: 'raise', exception: 'MemoryError' };

const stop = (what: string, size: string, limit: string): Limit => ({
  kind: 'stop',
  message:
    `MemoryError: ${what} of ${size} is more than the simulation holds (${limit}); ` +
    'CPython would build it: the run stops here',
});

/** An int of `bits` bits (a lower bound of the result's length). */
export function checkIntBits(bits: number | bigint): Limit | undefined {
  const n = typeof bits === 'bigint' ? bits : BigInt(Math.ceil(bits));
  if (n <= BigInt(MAX_INT_BITS)) return undefined;
  // 30-bit digits of 4 bytes each, as CPython stores them.
  if ((n / 30n) * 4n > BigInt(MACHINE_BYTES)) return memoryError;
  return stop('an int', `${n} bits`, `at most ${MAX_INT_BITS} bits`);
}

/** The bit length of |x| (0 for 0). */
export function bitLength(x: bigint): number {
  const v = x < 0n ? -x : x;
  if (v < 0x1_0000_0000n) return 32 - Math.clz32(Number(v));
  // toString(16) is linear; fine for the lengths the simulation holds.
  const hex = v.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0] ?? '0', 16)));
}

/** `base ** exp` (exp ≥ 0): the limit it runs into, before computing it. */
export function checkPow(base: bigint, exp: bigint): Limit | undefined {
  if (exp < 2n || base === 0n || base === 1n || base === -1n) return undefined;
  const bits = BigInt(bitLength(base));
  // The result has more than (bits - 1) * exp bits; at most bits * exp.
  if ((bits - 1n) * exp > BigInt(MAX_INT_BITS)) return checkIntBits((bits - 1n) * exp + 1n);
  if (bits * exp > BigInt(MAX_INT_BITS)) return checkIntBits(bits * exp); // the upper bound is over: too long
  return undefined;
}

/** `x << n`: the limit it runs into (a negative count is the caller's ValueError). */
export function checkShift(x: bigint, n: bigint): Limit | undefined {
  if (x === 0n || n <= 0n) return undefined;
  if (n > PY_SSIZE_T_MAX) return memoryError; // the shift count does not fit: CPython raises MemoryError
  return checkIntBits(BigInt(bitLength(x)) + n);
}

/** `x * y` of ints: the limit it runs into. */
export function checkMul(x: bigint, y: bigint): Limit | undefined {
  const bits = bitLength(x) + bitLength(y);
  return bits > MAX_INT_BITS + 1 ? checkIntBits(bits - 1) : undefined;
}

/** A str (or bytes) `length` long built by repeating (`repeat`: `s * n`, OverflowError past PY_SSIZE_T_MAX). */
export function checkStrLength(length: bigint | number, kind: 'str' | 'bytes', repeat = false): Limit | undefined {
  const n = typeof length === 'bigint' ? length : BigInt(length);
  if (n <= BigInt(MAX_STR_LENGTH)) return undefined;
  if (repeat && n > PY_SSIZE_T_MAX) {
    return {
      kind: 'raise',
      exception: 'OverflowError',
      message: kind === 'str' ? 'repeated string is too long' : 'repeated bytes are too long',
    };
  }
  if (n > BigInt(MACHINE_BYTES)) return memoryError;
  return stop(`a ${kind}`, `${n} characters`, `at most ${MAX_STR_LENGTH}`);
}

/** A container of `items` references (8 bytes each in CPython). */
export function checkItems(items: bigint | number, kind: string): Limit | undefined {
  const n = typeof items === 'bigint' ? items : BigInt(items);
  if (n <= BigInt(MAX_ITEMS)) return undefined;
  if (n * 8n > BigInt(MACHINE_BYTES)) return memoryError;
  return stop(`a ${kind}`, `${n} items`, `at most ${MAX_ITEMS} in one container`);
}

/** Throw what a limit becomes: the Python exception `raise` makes, or the stop. */
export function raiseLimit(limit: Limit, raise: (exception: string, message: string | undefined) => unknown): never {
  if (limit.kind === 'stop') throw new SimulationLimit(limit.message);
  throw raise(limit.exception, limit.message);
}

/** CPython 3.11's default limit on decimal int <-> str conversion (sys.get_int_max_str_digits()). */
export const INT_MAX_STR_DIGITS = 4300;

const DIGITS_ERROR =
  `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion; ` +
  'use sys.set_int_max_str_digits() to increase the limit';

/**
 * The decimal text of an int, or CPython's ValueError past INT_MAX_STR_DIGITS digits
 * (thrown through `raise`). An int too long for that is refused before it is converted.
 */
export function intToDecimal(v: bigint, raise: (exception: string, message: string) => unknown): string {
  // 4300 digits hold at most 14,284 bits: a longer int is refused without converting it.
  if (bitLength(v) > 14_300) throw raise('ValueError', DIGITS_ERROR);
  const text = v.toString();
  if (text.length - (v < 0n ? 1 : 0) > INT_MAX_STR_DIGITS) throw raise('ValueError', DIGITS_ERROR);
  return text;
}

/** int(text) of decimal digits: CPython's ValueError past INT_MAX_STR_DIGITS digits. */
export function checkDecimalDigits(digits: number, raise: (exception: string, message: string) => unknown): void {
  if (digits > INT_MAX_STR_DIGITS) {
    throw raise(
      'ValueError',
      `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; ` +
        'use sys.set_int_max_str_digits() to increase the limit',
    );
  }
}

/**
 * A JavaScript engine limit reached anyway (a string, a BigInt or an array longer than
 * V8 makes): the stop it becomes, or undefined for any other error.
 */
export function engineLimit(error: unknown): SimulationLimit | undefined {
  if (!(error instanceof RangeError)) return undefined;
  const m = error.message;
  if (!/Invalid string length|Maximum BigInt size exceeded|Invalid array length|Array buffer allocation failed/.test(m))
    return undefined;
  return new SimulationLimit(
    `MemoryError: a value longer than the JavaScript engine holds (${m}); CPython might build it: the run stops here`,
  );
}
