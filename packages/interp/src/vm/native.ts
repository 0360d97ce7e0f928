/*
 * Built-in functions and methods implemented in TypeScript
 * ========================================================
 * A native is what a C function of CPython is: its arguments are borrowed from the
 * caller (who releases them after the call), and its result is a new reference, here
 * owned by the holder `out` the caller names (a value-stack slot, a temporary). Calls use
 * CPython's vectorcall convention: positional arguments, then the values of keyword
 * arguments, whose names are `kwnames` (undefined when there are none). A method's
 * `self` is `args[0]`.
 *
 * A native raises a Python exception by throwing `PyRaise` (vm.ts).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import type { VM } from './vm.js';

export type Native = (
  vm: VM,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
) => ObjectId;

/** The keyword names of a call, or none. */
export const NO_KW: readonly string[] | undefined = undefined;

/** The number of positional arguments of a vectorcall. */
export const npos = (args: readonly ObjectId[], kwnames: readonly string[] | undefined): number =>
  kwnames === undefined ? args.length : args.length - kwnames.length;

/** The value of keyword argument `name`, if passed. */
export function kwarg(
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  name: string,
): ObjectId | undefined {
  if (kwnames === undefined) return undefined;
  const i = kwnames.indexOf(name);
  return i < 0 ? undefined : args[args.length - kwnames.length + i];
}
