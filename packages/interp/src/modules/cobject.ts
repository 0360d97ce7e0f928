/*
 * Helpers for the objects of C modules
 * ====================================
 * A C module's object is a struct whose `PyObject *` fields are references it holds. Here
 * such an object is a value `{ t: 'native', type, data }` whose `data` keeps those fields
 * as ObjectIds (undefined for NULL), each also a reference in the heap state in a slot
 * named after the field, so the collector, `gc.get_referents` and the trace see it.
 * `setField` and `clearField` are Py_XSETREF and Py_CLEAR on such a field.
 *
 * `parseArgs` checks a call's arguments as Argument Clinic and PyArg_ParseTupleAndKeywords
 * do, with their messages.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import { npos } from '../vm/native.js';

/** The keys of D whose values are object fields. */
type RefKeys<D> = { [K in keyof D]: D[K] extends ObjectId | undefined ? K : never }[keyof D];

/** The data of a C object made by `newCObject`. */
export function cdata<D>(vm: VM, id: ObjectId): D {
  return (vm.value(id) as unknown as { data: D }).data;
}

/**
 * A new object of C type `type` (or of a class statement's subclass of it) with `data`,
 * GC-tracked. The object fields already set in `data` are taken as new references, in the
 * order of `fields` (the struct's order, which is the order its dealloc releases them).
 */
export function newCObject<D extends object>(
  vm: VM,
  type: ObjectId,
  staticName: string,
  size: number,
  data: D,
  fields: readonly RefKeys<D>[],
  out: Holder,
  opts?: { alloc?: number; track?: boolean; gc?: boolean; holdsType?: boolean },
): ObjectId {
  // A type CPython 3.11 makes with PyType_FromSpec is a heap type: its instances hold it
  // (released last).
  const holdsType = opts?.holdsType === true && !vm.typeValue(type).heap;
  const kind = holdsType ? 'instance' : opts?.gc === false ? 'object' : 'method';
  const allocOpts: { alloc?: number; track?: boolean } = {};
  if (opts?.alloc !== undefined) allocOpts.alloc = opts.alloc;
  if (opts?.track !== undefined) allocOpts.track = opts.track;
  const obj = vm.allocFor(type, staticName, kind, size, { t: 'native', type, data }, out, allocOpts);
  if (holdsType) vm.rt.increfRef(type, obj, '__class__');
  for (const f of fields) {
    const v = data[f] as ObjectId | undefined;
    if (v !== undefined) vm.rt.increfRef(v, obj, String(f));
  }
  return obj;
}

/** Py_XSETREF(obj->field, value): the new reference (moved from `from`, or new), then the old one released. */
export function setField<D>(
  vm: VM,
  owner: ObjectId,
  data: D,
  field: RefKeys<D>,
  value: ObjectId | undefined,
  from?: Holder,
): void {
  const old = data[field] as ObjectId | undefined;
  (data as Record<RefKeys<D>, ObjectId | undefined>)[field] = value;
  if (value !== undefined) vm.adopt(value, owner, String(field), from);
  if (old !== undefined) vm.rt.decrefRef(old, owner, String(field));
}

/** Py_CLEAR(obj->field). */
export function clearField<D>(vm: VM, owner: ObjectId, data: D, field: RefKeys<D>): void {
  setField(vm, owner, data, field, undefined);
}

export interface ArgSpec {
  /** Parameter names in order (positional-or-keyword unless `posOnly`). */
  readonly names: readonly string[];
  /** How many of them are required. */
  readonly required: number;
  /** Keyword-only parameters after them. */
  readonly kwOnly?: readonly string[];
  /** Positional-only parameters (a `/` after them): keywords are refused. */
  readonly posOnly?: boolean;
}

/**
 * The arguments of a call to `fname` by the spec: one entry per name (then per keyword-only
 * name), undefined when not passed. Borrowed, like the call's arguments.
 */
export function parseArgs(
  vm: VM,
  fname: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  spec: ArgSpec,
): (ObjectId | undefined)[] {
  const n = npos(args, kwnames);
  const names = spec.names;
  const kwOnly = spec.kwOnly ?? [];
  if (spec.posOnly === true && kwnames !== undefined && kwOnly.length === 0) {
    throw vm.typeError(`${fname}() takes no keyword arguments`);
  }
  if (n > names.length) {
    if (spec.posOnly === true) {
      if (spec.required === names.length)
        throw vm.typeError(`${fname} expected ${names.length} argument${names.length === 1 ? '' : 's'}, got ${n}`);
      throw vm.typeError(
        `${fname} expected at most ${names.length} argument${names.length === 1 ? '' : 's'}, got ${n}`,
      );
    }
    const most = names.length;
    throw vm.typeError(
      `${fname}() takes ${spec.required === most ? 'exactly' : 'at most'} ${most} positional argument${most === 1 ? '' : 's'} (${n} given)`,
    );
  }
  const out: (ObjectId | undefined)[] = new Array<ObjectId | undefined>(names.length + kwOnly.length).fill(undefined);
  for (let i = 0; i < n; i++) out[i] = args[i];
  kwnames?.forEach((k, j) => {
    const value = args[n + j] as ObjectId;
    let at = spec.posOnly === true ? -1 : names.indexOf(k);
    if (at < 0) {
      const kw = kwOnly.indexOf(k);
      if (kw < 0) throw vm.typeError(`${fname}() got an unexpected keyword argument '${k}'`);
      at = names.length + kw;
    } else if (at < n) {
      throw vm.typeError(`argument for ${fname}() given by name ('${k}') and position (${at + 1})`);
    }
    out[at] = value;
  });
  for (let i = 0; i < spec.required; i++) {
    if (out[i] === undefined) {
      if (spec.posOnly === true)
        throw vm.typeError(
          `${fname} expected ${spec.required === names.length ? '' : 'at least '}${spec.required} argument${spec.required === 1 ? '' : 's'}, got ${n}`,
        );
      throw vm.typeError(`${fname}() missing required argument '${names[i] as string}' (pos ${i + 1})`);
    }
  }
  return out;
}

/** A Py_ssize_t argument (PyNumber_AsSsize_t with OverflowError). */
export function ssizeArg(vm: VM, x: ObjectId): number {
  const v = vm.index(x);
  if (v > 9223372036854775807n || v < -9223372036854775808n)
    throw vm.pyErr('OverflowError', 'Python int too large to convert to C ssize_t');
  return Number(v);
}

/** Release references held by C_TEMP. */
export function releaseTemps(vm: VM, ids: readonly ObjectId[]): void {
  for (const x of ids) vm.rt.decref(x, C_TEMP);
}
