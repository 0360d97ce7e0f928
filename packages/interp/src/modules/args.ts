/*
 * Argument parsing for C modules
 * ==============================
 * The calling conventions of CPython's C functions and the exact TypeError each one
 * raises: METH_NOARGS and METH_O (`math.isqrt() takes exactly one argument (2 given)`,
 * named by _PyObject_FunctionStr), Argument Clinic's positional-only functions
 * (_PyArg_CheckPositional: `copysign expected 2 arguments, got 1`), Argument Clinic's
 * functions with keywords (_PyArg_UnpackKeywords: `isclose() missing required argument
 * 'b' (pos 2)`), and PyArg_ParseTuple's (`f() takes at most 2 arguments (3 given)`).
 * Also the conversions the C code makes of its arguments: PyFloat_AsDouble,
 * PyNumber_Index, PyLong_AsSsize_t, buffers of bytes-like objects, str.
 *
 * Source: Python/getargs.c (_PyArg_CheckPositional, _PyArg_UnpackKeywords,
 * vgetargs1, _PyArg_NoKeywords), Objects/call.c, Objects/floatobject.c
 * (PyFloat_AsDouble), Objects/abstract.c (PyNumber_Index, PyObject_GetBuffer).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import type { TypeValue } from '../vm/values.js';

type Kw = readonly string[] | undefined;

/** The positional arguments of a vectorcall (keyword values excluded). */
export function positional(args: readonly ObjectId[], kwnames: Kw): readonly ObjectId[] {
  return kwnames === undefined ? args : args.slice(0, args.length - kwnames.length);
}

/** _PyArg_NoKeywords / _PyArg_NoKwnames. */
/**
 * _PyStack_AsDict: the keyword arguments of a vectorcall (the last `kwnames.length` of
 * `args`) as a new dict owned by `out`; undefined when there are none.
 */
export function kwargsDict(vm: VM, args: readonly ObjectId[], kwnames: Kw, out: Holder): ObjectId | undefined {
  if (kwnames === undefined || kwnames.length === 0) return undefined;
  const d = vm.newDict(out);
  const n = args.length - kwnames.length;
  kwnames.forEach((k, i) => vm.dictSetStr(d, k, args[n + i] as ObjectId, C_TEMP, 'copy'));
  return d;
}

export function noKeywords(vm: VM, name: string, kwnames: Kw): void {
  if (kwnames !== undefined && kwnames.length > 0) throw vm.typeError(`${name}() takes no keyword arguments`);
}

/** METH_NOARGS: `qualname` is what _PyObject_FunctionStr shows (`math.f`, `Struct.size`). */
export function methNoArgs(vm: VM, qualname: string, args: readonly ObjectId[], kwnames: Kw): void {
  noKeywords(vm, qualname, kwnames);
  if (args.length > 0) throw vm.typeError(`${qualname}() takes no arguments (${args.length} given)`);
}

/** METH_O: the one argument. */
export function methO(vm: VM, qualname: string, args: readonly ObjectId[], kwnames: Kw): ObjectId {
  noKeywords(vm, qualname, kwnames);
  if (args.length !== 1) throw vm.typeError(`${qualname}() takes exactly one argument (${args.length} given)`);
  return args[0] as ObjectId;
}

/** Argument Clinic, positional only (_PyArg_CheckPositional after _PyArg_NoKwnames). */
export function checkPositional(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kwnames: Kw,
  min: number,
  max: number,
): readonly ObjectId[] {
  noKeywords(vm, name, kwnames);
  const n = args.length;
  if (n < min) {
    throw vm.typeError(
      `${name} expected ${min !== max ? 'at least ' : ''}${min} argument${min === 1 ? '' : 's'}, got ${n}`,
    );
  }
  if (n > max) {
    throw vm.typeError(
      `${name} expected ${min !== max ? 'at most ' : ''}${max} argument${max === 1 ? '' : 's'}, got ${n}`,
    );
  }
  return args;
}

/** PyArg_ParseTuple's count check ("O|O:name"). */
export function parseTupleCount(vm: VM, name: string, n: number, min: number, max: number): void {
  if (n >= min && n <= max) return;
  const bound = n < min ? min : max;
  const how = min === max ? 'exactly' : n < min ? 'at least' : 'at most';
  throw vm.typeError(`${name}() takes ${how} ${bound} argument${bound === 1 ? '' : 's'} (${n} given)`);
}

export interface ClinicSpec {
  /** Parameter names in order (positional-only ones too, for the messages). */
  readonly names: readonly string[];
  /** How many of the first parameters are positional-only. */
  readonly posOnly?: number;
  /** How many parameters can be passed by position (the rest are keyword-only). */
  readonly maxPos?: number;
  /** How many positional parameters are required. */
  readonly required?: number;
  /** How many keyword-only parameters are required. */
  readonly requiredKw?: number;
}

/**
 * _PyArg_UnpackKeywords: the arguments by parameter position (undefined when not
 * passed), with CPython's messages.
 */
export function unpackKeywords(
  vm: VM,
  fname: string,
  args: readonly ObjectId[],
  kwnames: Kw,
  spec: ClinicSpec,
): (ObjectId | undefined)[] {
  const names = spec.names;
  const maxargs = names.length;
  const posonly = spec.posOnly ?? 0;
  const maxpos = spec.maxPos ?? maxargs;
  const minpos = spec.required ?? maxpos;
  const minkw = spec.requiredKw ?? 0;
  const nkw = kwnames?.length ?? 0;
  const nargs = args.length - nkw;
  const f = `${fname}()`;
  const buf: (ObjectId | undefined)[] = new Array<ObjectId | undefined>(maxargs).fill(undefined);
  if (nargs + nkw > maxargs) {
    throw vm.typeError(
      `${f} takes at most ${maxargs} ${nargs === 0 ? 'keyword ' : ''}argument${maxargs === 1 ? '' : 's'} (${nargs + nkw} given)`,
    );
  }
  if (nargs > maxpos) {
    if (maxpos === 0) throw vm.typeError(`${f} takes no positional arguments`);
    throw vm.typeError(
      `${f} takes ${minpos < maxpos ? 'at most' : 'exactly'} ${maxpos} positional argument${maxpos === 1 ? '' : 's'} (${nargs} given)`,
    );
  }
  if (nargs < posonly && nargs < minpos) {
    const need = Math.min(posonly, minpos);
    throw vm.typeError(
      `${f} takes ${need < maxpos ? 'at least' : 'exactly'} ${need} positional argument${need === 1 ? '' : 's'} (${nargs} given)`,
    );
  }
  for (let i = 0; i < nargs; i++) buf[i] = args[i];
  const kwValue = (name: string): ObjectId | undefined => {
    const j = kwnames?.indexOf(name) ?? -1;
    return j < 0 ? undefined : args[nargs + j];
  };
  let left = nkw;
  const reqlimit = minkw > 0 ? maxpos + minkw : minpos;
  for (let i = Math.max(nargs, posonly); i < maxargs; i++) {
    let cur: ObjectId | undefined;
    if (left > 0) cur = kwValue(names[i] as string);
    else if (i >= reqlimit) break;
    buf[i] = cur;
    if (cur !== undefined) left--;
    else if (i < minpos || (maxpos <= i && i < reqlimit)) {
      throw vm.typeError(`${f} missing required argument '${names[i] as string}' (pos ${i + 1})`);
    }
  }
  if (left > 0) {
    for (let i = posonly; i < nargs; i++) {
      if (kwValue(names[i] as string) !== undefined) {
        throw vm.typeError(`argument for ${f} given by name ('${names[i] as string}') and position (${i + 1})`);
      }
    }
    for (const k of kwnames ?? []) {
      const at = names.indexOf(k);
      if (at < posonly) throw vm.typeError(`'${k}' is an invalid keyword argument for ${f}`);
    }
  }
  return buf;
}

// ---------------------------------------------------------------------------------
// Conversions

/** PyFloat_AsDouble: a float, `__float__`, or `__index__`; TypeError "must be real number, not X". */
export function asDouble(vm: VM, obj: ObjectId): number {
  const v = vm.value(obj);
  if (v.t === 'float') return v.v;
  if (v.t === 'int') return longAsDouble(vm, v.v);
  if (v.t === 'bool') return v.v ? 1 : 0;
  const f = vm.lookupType(v.type, '__float__');
  if (f !== undefined) {
    const r = vm.callUnbound(f, obj, [], C_TEMP);
    try {
      const rv = vm.value(r);
      if (rv.t !== 'float') {
        throw vm.typeError(`${vm.typeName(obj)}.__float__ returned non-float (type ${vm.typeName(r)})`);
      }
      return rv.v;
    } finally {
      vm.rt.decref(r, C_TEMP);
    }
  }
  if (vm.hasIndex(obj)) return longAsDouble(vm, vm.index(obj));
  throw vm.typeError(`must be real number, not ${vm.typeName(obj)}`);
}

/** PyLong_AsDouble: correctly rounded; OverflowError for an int too large. */
export function longAsDouble(vm: VM, v: bigint): number {
  const f = Number(v);
  if (!Number.isFinite(f)) throw vm.pyErr('OverflowError', 'int too large to convert to float');
  return f;
}

/** PyNumber_Index's value. */
export function asIndex(vm: VM, obj: ObjectId): bigint {
  return vm.index(obj);
}

/** PyLong_AsSsize_t of PyNumber_Index (OverflowError beyond 64 bits). */
export function asSsize(vm: VM, obj: ObjectId): number {
  const v = vm.index(obj);
  if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) {
    throw vm.pyErr('OverflowError', 'Python int too large to convert to C ssize_t');
  }
  return Number(v);
}

/** PyLong_AsLong for a C `int` parameter (clinic "i"). */
export function asCInt(vm: VM, obj: ObjectId): number {
  const v = vm.value(obj);
  if (v.t === 'float') throw vm.typeError(`'float' object cannot be interpreted as an integer`);
  const i = vm.index(obj);
  if (i > 0x7fffffffffffffffn || i < -0x8000000000000000n) {
    throw vm.pyErr('OverflowError', 'Python int too large to convert to C long');
  }
  if (i > 2147483647n) throw vm.pyErr('OverflowError', 'signed integer is greater than maximum');
  if (i < -2147483648n) throw vm.pyErr('OverflowError', 'signed integer is less than minimum');
  return Number(i);
}

/** The text of a str argument, else TypeError "`what` must be str, not X". */
export function strArg(vm: VM, obj: ObjectId, what: string): string {
  const v = vm.value(obj);
  if (v.t !== 'str') throw vm.typeError(`${what} must be str, not ${vm.typeName(obj)}`);
  return v.v;
}

/** The bytes of a bytes-like object (bytes, bytearray), or undefined. */
export function bufferOf(vm: VM, obj: ObjectId): Uint8Array | undefined {
  const v = vm.value(obj);
  if (v.t === 'bytes') return v.v;
  if (v.t === 'bytearray') return v.v.subarray(0, v.len);
  if (v.t === 'native' && v.data instanceof Object && 'buffer' in (v.data as object)) {
    const b = (v.data as { buffer: () => Uint8Array | undefined }).buffer;
    return typeof b === 'function' ? b() : undefined;
  }
  return undefined;
}

/** PyObject_GetBuffer for a read-only argument: "a bytes-like object is required, not 'str'". */
export function bytesLike(vm: VM, obj: ObjectId, message?: string): Uint8Array {
  const b = bufferOf(vm, obj);
  if (b !== undefined) return b;
  throw vm.typeError(message ?? `a bytes-like object is required, not '${vm.typeName(obj)}'`);
}

/** Whether `obj` is an instance of a type whose name is `name` (a static type of a C module). */
export function isNamedType(vm: VM, obj: ObjectId, name: string): boolean {
  const t = vm.typeByName.get(name);
  return t !== undefined && vm.isInstanceOf(obj, t);
}

/** The type value of an object's type. */
export function typeOfValue(vm: VM, obj: ObjectId): TypeValue {
  return vm.typeValue(vm.typeOf(obj));
}

/**
 * PyErr_NewException("module.Name", base, NULL): a new exception class (a heap type made
 * by calling type with the name, the bases and a dict holding `__module__`).
 */
export function newExceptionClass(vm: VM, dotted: string, bases: readonly ObjectId[], out: Holder): ObjectId {
  const dot = dotted.lastIndexOf('.');
  const ns = vm.newDict(C_TEMP);
  try {
    vm.dictSetStr(ns, '__module__', vm.newStr(dotted.slice(0, dot), C_TEMP), C_TEMP, 'move');
    return vm.newHeapType(vm.T.type, dotted.slice(dot + 1), bases, ns, out);
  } finally {
    vm.rt.decref(ns, C_TEMP);
  }
}

/** The exception class `name` among the built-in types (ValueError ...). */
export function builtinType(vm: VM, name: string): ObjectId {
  const t = vm.typeByName.get(name);
  if (t === undefined) throw new Error(`no built-in type ${name}`);
  return t;
}
