/*
 * Sequence helpers shared by list, tuple, str, bytes and range: index normalisation and
 * slice bounds, as Objects/sliceobject.c's PySlice_Unpack and PySlice_AdjustIndices
 * compute them, and the argument checks of the methods implemented in TypeScript, with
 * CPython's messages for each calling convention (METH_NOARGS, METH_O, Argument Clinic).
 */
import type { ObjectId } from '@pymemsim/core';
import type { VM } from '../vm/vm.js';

/** An index into a sequence of `len` items: negative counts from the end; undefined when out of range. */
export function seqIndex(vm: VM, key: ObjectId, len: number, what: string): number | undefined {
  if (!vm.hasIndex(key)) throw vm.typeError(`${what} indices must be integers or slices, not ${vm.typeName(key)}`);
  let i = vm.index(key);
  if (i < 0n) i += BigInt(len);
  if (i < 0n || i >= BigInt(len)) return undefined;
  return Number(i);
}

/** PySlice_Unpack + PySlice_AdjustIndices: start, stop, step and the number of items. */
export function sliceIndices(
  vm: VM,
  slice: ObjectId,
  len: number,
): { start: number; stop: number; step: number; n: number } {
  const s = vm.as(slice, 'slice');
  const none = vm.statics.none;
  const num = (id: ObjectId): bigint => {
    if (!vm.hasIndex(id)) throw vm.typeError('slice indices must be integers or None or have an __index__ method');
    return vm.index(id);
  };
  let step = 1n;
  if (s.step !== none) {
    step = num(s.step);
    if (step === 0n) throw vm.pyErr('ValueError', 'slice step cannot be zero');
  }
  const L = BigInt(len);
  let start: bigint;
  let stop: bigint;
  if (s.start === none) start = step < 0n ? L - 1n : 0n;
  else {
    start = num(s.start);
    if (start < 0n) {
      start += L;
      if (start < 0n) start = step < 0n ? -1n : 0n;
    } else if (start >= L) start = step < 0n ? L - 1n : L;
  }
  if (s.stop === none) stop = step < 0n ? -1n : L;
  else {
    stop = num(s.stop);
    if (stop < 0n) {
      stop += L;
      if (stop < 0n) stop = step < 0n ? -1n : 0n;
    } else if (stop >= L) stop = step < 0n ? L - 1n : L;
  }
  let n = 0n;
  if (step < 0n) {
    if (stop < start) n = (start - stop - 1n) / -step + 1n;
  } else if (start < stop) n = (stop - start - 1n) / step + 1n;
  return { start: Number(start), stop: Number(stop), step: Number(step), n: Number(n) };
}

/** The indexes a slice selects. */
export function sliceIndexList(vm: VM, slice: ObjectId, len: number): number[] {
  const { start, step, n } = sliceIndices(vm, slice, len);
  const out: number[] = new Array<number>(n);
  for (let k = 0; k < n; k++) out[k] = start + k * step;
  return out;
}

/** A method taking no arguments (METH_NOARGS): "list.clear() takes no arguments (1 given)". */
export function noArgs(
  vm: VM,
  qualname: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
): void {
  if (kwnames !== undefined) throw vm.typeError(`${qualname}() takes no keyword arguments`);
  if (args.length > 1) throw vm.typeError(`${qualname}() takes no arguments (${args.length - 1} given)`);
}

/** A method taking exactly one argument (METH_O). */
export function oneArg(
  vm: VM,
  qualname: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
): ObjectId {
  if (kwnames !== undefined) throw vm.typeError(`${qualname}() takes no keyword arguments`);
  if (args.length !== 2) throw vm.typeError(`${qualname}() takes exactly one argument (${args.length - 1} given)`);
  return args[1] as ObjectId;
}

/** An Argument Clinic positional-only method: "pop expected at most 1 argument, got 2". */
export function argRange(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  min: number,
  max: number,
  self = true,
): readonly ObjectId[] {
  if (kwnames !== undefined) throw vm.typeError(`${name}() takes no keyword arguments`);
  const a = self ? args.slice(1) : args;
  if (a.length < min || a.length > max) {
    if (min === max) throw vm.typeError(`${name} expected ${min} argument${min === 1 ? '' : 's'}, got ${a.length}`);
    if (a.length < min)
      throw vm.typeError(`${name} expected at least ${min} argument${min === 1 ? '' : 's'}, got ${a.length}`);
    throw vm.typeError(`${name} expected at most ${max} argument${max === 1 ? '' : 's'}, got ${a.length}`);
  }
  return a;
}

/** An index argument clamped like _PyEval_SliceIndex (None means the default). */
export function clampIndex(vm: VM, id: ObjectId | undefined, len: number, dflt: number): number {
  if (id === undefined || id === vm.statics.none) return dflt;
  if (!vm.hasIndex(id)) throw vm.typeError('slice indices must be integers or have an __index__ method');
  let i = vm.index(id);
  if (i < 0n) {
    i += BigInt(len);
    if (i < 0n) i = 0n;
  } else if (i > BigInt(len)) i = BigInt(len);
  return Number(i);
}
