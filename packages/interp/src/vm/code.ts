/*
 * Code objects and functions in the heap
 * ======================================
 * A compiled code object becomes heap objects as CPython 3.11's compiler (or unmarshal)
 * leaves them: the code object (not a GC object) holding its constants tuple, its names
 * and local-names tuples, its file name, name and qualified name (interned strs), and its
 * line table, exception table and local kinds (bytes). Equal constants of one compilation
 * are one object (`c_const_cache`, keyed as _PyCode_ConstantKey keys them), str constants
 * made of name characters are interned, code objects are never merged. MAKE_FUNCTION's
 * function object (PyFunction_New) holds its code, globals, builtins, name, qualified
 * name, module name and doc.
 *
 * Source: Python/compile.c (merge_consts_recursive, makecode), Objects/codeobject.c
 * (_PyCode_New, intern_strings, intern_string_constants, code_sizeof),
 * Objects/funcobject.c (PyFunction_NewWithQualName, func_clear, func_dealloc).
 */
import { FIXED_SIZES, type Holder, type ObjectId } from '@pymemsim/core';
import type { CodeObject, Constant } from '../compile/code.js';
import { decode } from './decode.js';
import { C_TEMP, VM } from './vm.js';
import type { ValueOf } from './values.js';

declare module './vm.js' {
  interface VM {
    /** The constants of a code object (its co_consts items). */
    codeConsts(code: ObjectId): readonly ObjectId[];
    /** KW_NAMES's tuple constant as names. */
    kwnamesConst(code: ObjectId, index: number): readonly string[];
    /**
     * The heap objects of a compiled code object, owned by `out`. `cache` is the
     * compilation unit's constant cache (one per compile() or module).
     */
    makeCode(co: CodeObject, out: Holder, cache?: Map<string, ObjectId>): ObjectId;
    /** PyFunction_New(code, globals): a new function owned by `out`. */
    newFunction(code: ObjectId, globals: ObjectId, out: Holder): ObjectId;
    /** MAKE_FUNCTION's closure, annotations, kwdefaults or defaults: the reference moves from `from`. */
    setFunctionPart(
      fn: ObjectId,
      part: 'closure' | 'annotations' | 'kwdefaults' | 'defaults',
      value: ObjectId,
      from: Holder,
    ): void;
    newCell(content: ObjectId | undefined, out: Holder): ObjectId;
    /** How a call error names a function: `f()`, `C.m()`, `print()`. */
    funcDescription(func: ObjectId): string;
  }
}

const P = VM.prototype;

type CodeValue = ValueOf<'code'> & { consts: ObjectId[]; kwnames: Map<number, readonly string[]> };

P.codeConsts = function (this: VM, code) {
  return (this.value(code) as CodeValue).consts;
};

P.kwnamesConst = function (this: VM, code, index) {
  const cv = this.value(code) as CodeValue;
  let names = cv.kwnames.get(index);
  if (names === undefined) {
    const t = cv.consts[index] as ObjectId;
    names = this.as(t, 'tuple').items.map((x) => this.as(x, 'str').v);
    cv.kwnames.set(index, names);
  }
  return names;
};

/** _PyCode_ConstantKey as text: type and value (0.0 and -0.0 differ), recursively for tuples. */
function constantKey(c: Constant): string | undefined {
  switch (c.k) {
    case 'None':
    case 'Ellipsis':
      return c.k;
    case 'bool':
      return `bool:${c.v}`;
    case 'int':
      return `int:${c.v}`;
    case 'float':
      return `float:${Object.is(c.v, -0) ? '-0' : String(c.v)}`;
    case 'complex':
      return `complex:${Object.is(c.re, -0) ? '-0' : c.re},${Object.is(c.im, -0) ? '-0' : c.im}`;
    case 'str':
      return `str:${c.v}`;
    case 'bytes':
      return `bytes:${Buffer.from(c.v).toString('hex')}`;
    case 'tuple': {
      const parts = c.items.map(constantKey);
      return parts.some((p) => p === undefined) ? undefined : `tuple:(${parts.join('|')})`;
    }
    case 'frozenset': {
      const parts = c.items.map(constantKey);
      return parts.some((p) => p === undefined) ? undefined : `frozenset:{${[...parts].sort().join('|')}}`;
    }
    case 'code':
      return undefined;
  }
}

const NAME_CHARS = /^[A-Za-z0-9_]*$/;

/** A constant as a heap object: a new reference owned by `out`. */
function makeConstant(vm: VM, c: Constant, out: Holder, cache: Map<string, ObjectId>): ObjectId {
  const key = constantKey(c);
  if (key !== undefined) {
    const found = cache.get(key);
    if (found !== undefined && vm.rt.isAlive(found)) return vm.ret(found, out);
  }
  let id: ObjectId;
  switch (c.k) {
    case 'None':
      id = vm.none(out);
      break;
    case 'Ellipsis':
      id = vm.ret(vm.ellipsisId, out);
      break;
    case 'bool':
      id = vm.bool(c.v, out);
      break;
    case 'int':
      id = vm.newInt(c.v, out);
      break;
    case 'float':
      id = vm.newFloat(c.v, out);
      break;
    case 'complex':
      id = vm.newComplex(c.re, c.im, out);
      break;
    case 'str':
      id = NAME_CHARS.test(c.v) ? vm.internStr(c.v, out) : vm.newStr(c.v, out);
      break;
    case 'bytes':
      id = vm.newBytes(c.v, out);
      break;
    case 'tuple': {
      const items = c.items.map((x) => makeConstant(vm, x, C_TEMP, cache));
      id = vm.newTuple(items, out, C_TEMP);
      break;
    }
    case 'frozenset': {
      // The AST optimizer's frozenset(tuple) in source order, rebuilt by
      // merge_consts_recursive from that set's iteration order: the table CPython ends with.
      const first = vm.newSet(C_TEMP, true);
      for (const x of c.items) {
        const item = makeConstant(vm, x, C_TEMP, cache);
        vm.setAdd(first, item);
        vm.rt.decref(item, C_TEMP);
      }
      id = vm.newSet(C_TEMP, true);
      for (const item of vm.setOrder(first)) vm.setAdd(id, item);
      vm.rt.decref(first, C_TEMP);
      vm.rt.move(id, C_TEMP, out);
      break;
    }
    case 'code':
      id = vm.makeCode(c.code, out, cache);
      break;
  }
  if (key !== undefined) cache.set(key, id);
  return id;
}

/** code_sizeof: the code object's header and its code units. */
const codeSize = (co: CodeObject): number => 168 + co.code.length;

P.makeCode = function (this: VM, co, out, cache = new Map()) {
  // The parts first (as the compiler makes them), then the code object taking them.
  // makecode's merge_const_one: the consts, names and localsplusnames tuples are merged
  // with an equal tuple made before in the same compilation (the compiler's constant
  // cache), so code objects share them.
  const merged = (key: string | undefined, make: () => ObjectId): ObjectId => {
    if (key !== undefined) {
      const found = cache.get(key);
      if (found !== undefined && this.rt.isAlive(found)) return this.ret(found, C_TEMP);
    }
    const id = make();
    if (key !== undefined) cache.set(key, id);
    return id;
  };
  const namesKey = (ns: readonly string[]): string => `tuple:(${ns.map((n) => `str:${n}`).join('|')})`;
  const consts = co.consts.map((c) => makeConstant(this, c, C_TEMP, cache));
  const names = merged(namesKey(co.names), () =>
    this.newTuple(
      co.names.map((n) => this.internStr(n, C_TEMP)),
      C_TEMP,
      C_TEMP,
    ),
  );
  // In makecode's order: names, consts, localsplusnames.
  const constsKey = constantKey({ k: 'tuple', items: co.consts });
  const constsTuple = merged(constsKey, () => this.newTuple(consts, C_TEMP));
  for (const c of consts) this.rt.decref(c, C_TEMP);
  const localsplus = merged(namesKey(co.localsplusnames), () =>
    this.newTuple(
      co.localsplusnames.map((n) => this.internStr(n, C_TEMP)),
      C_TEMP,
      C_TEMP,
    ),
  );
  const kinds = this.newBytes(Uint8Array.from(co.localspluskinds), C_TEMP);
  const filename = this.internStr(co.filename, C_TEMP);
  const name = this.internStr(co.name, C_TEMP);
  const qualname = this.internStr(co.qualname, C_TEMP);
  const linetable = this.newBytes(co.linetable, C_TEMP);
  const exctable = this.newBytes(co.exceptiontable, C_TEMP);
  const value: CodeValue = {
    t: 'code',
    type: this.T.code,
    co: decode(co),
    consts: [...this.as(constsTuple, 'tuple').items],
    kwnames: new Map(),
  };
  const code = this.alloc('code', 'code', codeSize(co), value, out, { repr: `<code object ${co.name}>` });
  const parts: [ObjectId, string][] = [
    [constsTuple, 'co_consts'],
    [names, 'co_names'],
    [exctable, 'co_exceptiontable'],
    [localsplus, 'co_localsplusnames'],
    [kinds, 'co_localspluskinds'],
    [filename, 'co_filename'],
    [name, 'co_name'],
    [qualname, 'co_qualname'],
    [linetable, 'co_linetable'],
  ];
  for (const [id, slot] of parts) this.rt.moveToRef(id, C_TEMP, code, slot);
  return code;
};

P.newFunction = function (this: VM, code, globals, out) {
  const cv = this.value(code) as CodeValue;
  const co = cv.co.co;
  const builtins = this.builtinsDict;
  const consts = cv.consts;
  const first = consts[0];
  const doc = first !== undefined && this.value(first).t === 'str' ? first : this.statics.none;
  const module = this.dictGetStr(globals, '__name__');
  const fn = this.alloc(
    'function',
    'function',
    FIXED_SIZES.function,
    {
      t: 'function',
      type: this.T.function,
      code,
      co: cv.co,
      globals,
      builtins,
      name: co.name,
      qualname: co.qualname,
      defaults: undefined,
      kwdefaults: undefined,
      closure: undefined,
      dict: undefined,
      annotations: undefined,
      version: 0,
    },
    out,
  );
  // func_clear's order (what a function releases first), then func_dealloc's code and names.
  this.rt.increfRef(globals, fn, '__globals__');
  this.rt.increfRef(builtins, fn, '__builtins__');
  if (module !== undefined) this.rt.increfRef(module, fn, '__module__');
  this.rt.increfRef(doc, fn, '__doc__');
  this.rt.increfRef(code, fn, '__code__');
  this.internStr(co.name, { kind: 'object', owner: fn, slot: '__name__' });
  this.internStr(co.qualname, { kind: 'object', owner: fn, slot: '__qualname__' });
  return fn;
};

P.setFunctionPart = function (this: VM, fn, part, value, from) {
  const fv = this.as(fn, 'function');
  const slot =
    part === 'closure'
      ? '__closure__'
      : part === 'annotations'
        ? '__annotations__'
        : part === 'kwdefaults'
          ? '__kwdefaults__'
          : '__defaults__';
  const old = fv[part];
  fv[part] = value;
  // In func_clear's order: after the doc, before the code.
  const refs = this.rt.object(fn).refs;
  const at = refs.findIndex((r) => r?.slot === '__code__');
  this.rt.moveToRef(value, from, fn, slot, at < 0 ? undefined : at);
  if (old !== undefined) this.rt.decrefRef(old, fn, slot);
  fv.version += 1;
};

P.newCell = function (this: VM, content, out) {
  const cell = this.alloc('cell', 'cell', FIXED_SIZES.cell, { t: 'cell', type: this.T.cell, content }, out);
  if (content !== undefined) this.rt.increfRef(content, cell, 'cell_contents');
  return cell;
};

P.funcDescription = function (this: VM, func) {
  const v = this.value(func);
  switch (v.t) {
    case 'function':
      return `${v.qualname}()`;
    case 'method':
      return this.funcDescription(v.func);
    case 'builtin':
      return `${v.name}()`;
    case 'type':
      return `${v.name}()`;
    default:
      return `${this.typeName(func)} object`;
  }
};
