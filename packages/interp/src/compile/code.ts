/*
 * Code objects
 * ============
 * What the compiler produces and the VM runs: CPython 3.11's `PyCodeObject`, field for
 * field, as plain data. `code` is `co_code` exactly as CPython 3.11's compiler writes it
 * (two bytes per code unit, CACHE entries after the instructions that have them, no
 * specialised or adaptive instructions), `linetable` and `exceptiontable` are the bytes of
 * `co_linetable` and `co_exceptiontable`. So a code object made here can be compared
 * byte for byte with the one `compile()` makes under python3.11 (`test/cpython/dumpcode.py`
 * prints that one in this shape, as JSON).
 *
 * Source: Include/cpython/code.h (3.11), Objects/codeobject.c, Python/compile.c `makecode`.
 *
 * Vocabulary:
 *   localsplus   locals, then cells, then free variables, in one array of names
 *                (`co_localsplusnames`) with one kind byte each (`co_localspluskinds`):
 *                CO_FAST_LOCAL, CO_FAST_CELL (a local that is also a cell gets both),
 *                CO_FAST_FREE. `co_varnames`, `co_cellvars`, `co_freevars` are derived.
 *   Constant     an entry of `co_consts`: None, Ellipsis, bool, int, float, complex, str,
 *                bytes, tuple and frozenset of constants, or a nested code object.
 *
 * Identity of constants: CPython merges equal constants across a whole compilation unit
 * (`c_const_cache`, `merge_consts_recursive`, keyed by `_PyCode_ConstantKey`), so the
 * same tuple in two functions is one object, and so are the items of constant tuples.
 * The compiler (compile/codegen.ts) does the same: two Constant entries that are one
 * Python object in CPython are the same JS object (`===`), in the `consts` of any code
 * object of the unit and as items of constant tuples and frozensets; equal code objects
 * are merged too. A consumer makes one simulated object per distinct JS Constant object.
 * Caches that span compilation units (small ints, interned strs, singletons) are the
 * runtime's, not the compiler's (see packages/interp/README.md). `codeFromJson` makes a
 * fresh object per entry: identity does not survive JSON.
 */

export const CO_FAST_LOCAL = 0x20;
export const CO_FAST_CELL = 0x40;
export const CO_FAST_FREE = 0x80;

/** co_flags (Include/cpython/code.h). */
export const CO_OPTIMIZED = 0x0001;
export const CO_NEWLOCALS = 0x0002;
export const CO_VARARGS = 0x0004;
export const CO_VARKEYWORDS = 0x0008;
export const CO_NESTED = 0x0010;
export const CO_GENERATOR = 0x0020;
export const CO_NOFREE = 0x0040;
export const CO_COROUTINE = 0x0080;
export const CO_ITERABLE_COROUTINE = 0x0100;
export const CO_ASYNC_GENERATOR = 0x0200;

export type Constant =
  | { readonly k: 'None' }
  | { readonly k: 'Ellipsis' }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'int'; readonly v: bigint }
  | { readonly k: 'float'; readonly v: number }
  | { readonly k: 'complex'; readonly re: number; readonly im: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bytes'; readonly v: Uint8Array }
  | { readonly k: 'tuple'; readonly items: readonly Constant[] }
  | { readonly k: 'frozenset'; readonly items: readonly Constant[] }
  | { readonly k: 'code'; readonly code: CodeObject };

export interface CodeObject {
  readonly argcount: number;
  readonly posonlyargcount: number;
  readonly kwonlyargcount: number;
  readonly stacksize: number;
  readonly flags: number;
  readonly firstlineno: number;
  readonly filename: string;
  readonly name: string;
  readonly qualname: string;
  /** co_code: 2 bytes per code unit (opcode, oparg), CACHE units included. */
  readonly code: Uint8Array;
  readonly consts: readonly Constant[];
  readonly names: readonly string[];
  readonly localsplusnames: readonly string[];
  /** One kind byte per name of localsplusnames (CO_FAST_*). */
  readonly localspluskinds: readonly number[];
  /** co_linetable in 3.11's location table format (Objects/locations.md). */
  readonly linetable: Uint8Array;
  /** co_exceptiontable (Objects/exception_handling_notes.txt). */
  readonly exceptiontable: Uint8Array;
}

/** co_varnames: the names of kind CO_FAST_LOCAL (arguments first). */
export const varnames = (co: CodeObject): string[] =>
  co.localsplusnames.filter((_, i) => ((co.localspluskinds[i] ?? 0) & CO_FAST_LOCAL) !== 0);

/** co_cellvars: the names of kind CO_FAST_CELL. */
export const cellvars = (co: CodeObject): string[] =>
  co.localsplusnames.filter((_, i) => ((co.localspluskinds[i] ?? 0) & CO_FAST_CELL) !== 0);

/** co_freevars: the names of kind CO_FAST_FREE. */
export const freevars = (co: CodeObject): string[] =>
  co.localsplusnames.filter((_, i) => ((co.localspluskinds[i] ?? 0) & CO_FAST_FREE) !== 0);

/** The JSON form `test/cpython/dumpcode.py` prints and `codeToJson` writes (bytes as hex, ints as decimal text). */
export type ConstantJson =
  | { k: 'None' | 'Ellipsis' }
  | { k: 'bool'; v: boolean }
  | { k: 'int'; v: string }
  | { k: 'float'; v: string }
  | { k: 'complex'; re: string; im: string }
  | { k: 'str'; v: string }
  | { k: 'bytes'; v: string }
  | { k: 'tuple' | 'frozenset'; items: ConstantJson[] }
  | { k: 'code'; code: CodeJson };

export interface CodeJson {
  argcount: number;
  posonlyargcount: number;
  kwonlyargcount: number;
  stacksize: number;
  flags: number;
  firstlineno: number;
  filename: string;
  name: string;
  qualname: string;
  code: string;
  consts: ConstantJson[];
  names: string[];
  localsplusnames: string[];
  localspluskinds: number[];
  linetable: string;
  exceptiontable: string;
}

import { floatRepr } from './constops.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** A float as `repr()` writes it, so -0.0, inf and nan survive JSON. */
const floatText = (v: number): string => floatRepr(v);
const floatValue = (s: string): number =>
  s === 'nan' ? NaN : s === 'inf' ? Infinity : s === '-inf' ? -Infinity : Number(s);

export function constantToJson(c: Constant): ConstantJson {
  switch (c.k) {
    case 'None':
    case 'Ellipsis':
      return { k: c.k };
    case 'bool':
      return { k: 'bool', v: c.v };
    case 'int':
      return { k: 'int', v: c.v.toString() };
    case 'float':
      return { k: 'float', v: floatText(c.v) };
    case 'complex':
      return { k: 'complex', re: floatText(c.re), im: floatText(c.im) };
    case 'str':
      return { k: 'str', v: c.v };
    case 'bytes':
      return { k: 'bytes', v: hex(c.v) };
    case 'tuple':
    case 'frozenset':
      return { k: c.k, items: c.items.map(constantToJson) };
    case 'code':
      return { k: 'code', code: codeToJson(c.code) };
  }
}

export function constantFromJson(c: ConstantJson): Constant {
  switch (c.k) {
    case 'None':
    case 'Ellipsis':
      return { k: c.k };
    case 'bool':
      return { k: 'bool', v: c.v };
    case 'int':
      return { k: 'int', v: BigInt(c.v) };
    case 'float':
      return { k: 'float', v: floatValue(c.v) };
    case 'complex':
      return { k: 'complex', re: floatValue(c.re), im: floatValue(c.im) };
    case 'str':
      return { k: 'str', v: c.v };
    case 'bytes':
      return { k: 'bytes', v: unhex(c.v) };
    case 'tuple':
    case 'frozenset':
      return { k: c.k, items: c.items.map(constantFromJson) };
    case 'code':
      return { k: 'code', code: codeFromJson(c.code) };
  }
}

export function codeToJson(co: CodeObject): CodeJson {
  return {
    argcount: co.argcount,
    posonlyargcount: co.posonlyargcount,
    kwonlyargcount: co.kwonlyargcount,
    stacksize: co.stacksize,
    flags: co.flags,
    firstlineno: co.firstlineno,
    filename: co.filename,
    name: co.name,
    qualname: co.qualname,
    code: hex(co.code),
    consts: co.consts.map(constantToJson),
    names: [...co.names],
    localsplusnames: [...co.localsplusnames],
    localspluskinds: [...co.localspluskinds],
    linetable: hex(co.linetable),
    exceptiontable: hex(co.exceptiontable),
  };
}

export function codeFromJson(j: CodeJson): CodeObject {
  return {
    argcount: j.argcount,
    posonlyargcount: j.posonlyargcount,
    kwonlyargcount: j.kwonlyargcount,
    stacksize: j.stacksize,
    flags: j.flags,
    firstlineno: j.firstlineno,
    filename: j.filename,
    name: j.name,
    qualname: j.qualname,
    code: unhex(j.code),
    consts: j.consts.map(constantFromJson),
    names: j.names,
    localsplusnames: j.localsplusnames,
    localspluskinds: j.localspluskinds,
    linetable: unhex(j.linetable),
    exceptiontable: unhex(j.exceptiontable),
  };
}
