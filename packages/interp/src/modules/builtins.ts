/*
 * The builtins module
 * ===================
 * The built-in functions (Python/bltinmodule.c), each a native taking borrowed arguments
 * and returning a new reference, and `__build_class__`, which runs a class body as a
 * function whose locals are the namespace the metaclass prepared, then calls the
 * metaclass (builtin___build_class__).
 *
 * Source: Python/bltinmodule.c (3.11), Objects/abstract.c, Python/pythonrun.c (exec/eval).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import { floatDivmod, floatMod, floatOf, intOf } from '../objects/number.js';
import { codePoints } from '../objects/str.js';

function arity(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  min: number,
  max: number,
): void {
  if (kwnames !== undefined) throw vm.typeError(`${name}() takes no keyword arguments`);
  const n = args.length;
  if (n >= min && n <= max) return;
  if (min === max) {
    if (min === 1) throw vm.typeError(`${name}() takes exactly one argument (${n} given)`);
    throw vm.typeError(`${name} expected ${min} arguments, got ${n}`);
  }
  if (n < min) throw vm.typeError(`${name} expected at least ${min} argument${min === 1 ? '' : 's'}, got ${n}`);
  throw vm.typeError(`${name} expected at most ${max} argument${max === 1 ? '' : 's'}, got ${n}`);
}

function strArg(vm: VM, id: ObjectId, what: string): string {
  const v = vm.value(id);
  if (v.t !== 'str') throw vm.typeError(`${what} must be str, not ${vm.typeName(id)}`);
  return v.v;
}

/** builtin___build_class__: the class body runs with the namespace as its locals; then meta(name, bases, ns). */
const buildClass: Native = (vm, args, kwnames, out) => {
  const n = npos(args, kwnames);
  if (n < 2) throw vm.typeError('__build_class__: not enough arguments');
  const func = args[0] as ObjectId;
  const nameObj = args[1] as ObjectId;
  if (vm.value(func).t !== 'function') throw vm.typeError('__build_class__: func must be a function');
  strArg(vm, nameObj, '__build_class__: name');
  const origBases = args.slice(2, n);
  // PEP 560: __mro_entries__ of non-type bases.
  let bases: ObjectId[] = [];
  let changed = false;
  for (const b of origBases) {
    if (vm.value(b).t === 'type') {
      bases.push(vm.ret(b, C_TEMP));
      continue;
    }
    // update_bases: an ordinary attribute lookup (a function's own __mro_entries__ counts).
    const me = vm.getAttrOpt(b, '__mro_entries__', C_TEMP);
    if (me === undefined) {
      bases.push(vm.ret(b, C_TEMP));
      continue;
    }
    changed = true;
    const t = vm.newTuple(origBases, C_TEMP);
    try {
      const r = vm.call(me, [t], undefined, C_TEMP);
      for (const x of vm.as(r, 'tuple').items) bases.push(vm.ret(x, C_TEMP));
      vm.rt.decref(r, C_TEMP);
    } finally {
      vm.rt.decref(t, C_TEMP);
      vm.rt.decref(me, C_TEMP);
    }
  }
  const kwNames = kwnames ?? [];
  let meta = kwarg(args, kwnames, 'metaclass');
  const keywords = kwNames.filter((k) => k !== 'metaclass');
  const kwValues = keywords.map((k) => kwarg(args, kwnames, k) as ObjectId);
  try {
    if (meta === undefined) meta = bases.length === 0 ? vm.T.type : vm.typeOf(bases[0] as ObjectId);
    // The most derived metaclass (_PyType_CalculateMetaclass).
    if (vm.value(meta).t === 'type') {
      let winner = meta;
      for (const b of bases) {
        const bt = vm.typeOf(b);
        if (vm.isSubtype(winner, bt)) continue;
        if (vm.isSubtype(bt, winner)) {
          winner = bt;
          continue;
        }
        throw vm.typeError(
          'metaclass conflict: the metaclass of a derived class must be a (non-strict) subclass of the metaclasses of all its bases',
        );
      }
      meta = winner;
    }
    const basesTuple = vm.newTuple(bases, C_TEMP);
    try {
      // __prepare__
      const prepare = vm.getAttrOpt(meta, '__prepare__', C_TEMP);
      let ns: ObjectId;
      if (prepare === undefined) ns = vm.newDict(C_TEMP);
      else {
        try {
          ns = vm.call(prepare, [nameObj, basesTuple, ...kwValues], keywords.length > 0 ? keywords : undefined, C_TEMP);
        } finally {
          vm.rt.decref(prepare, C_TEMP);
        }
      }
      try {
        // The body: a function frame whose locals are the namespace.
        const cell = vm.runCode(func, ns, C_TEMP);
        try {
          if (changed) vm.mappingSetStr(ns, '__orig_bases__', vm.newTuple(origBases, C_TEMP));
          const cls = vm.call(
            meta,
            [nameObj, basesTuple, ns, ...kwValues],
            keywords.length > 0 ? keywords : undefined,
            out,
          );
          if (vm.value(cell).t === 'cell' && vm.value(cls).t === 'type') {
            const content = vm.as(cell, 'cell').content;
            if (content === undefined) {
              vm.rt.decref(cls, out);
              throw vm.pyErr(
                'RuntimeError',
                `__class__ not set defining ${vm.reprText(nameObj)} as ${vm.reprText(cls)}. Was __classcell__ propagated to type.__new__?`,
              );
            }
            if (content !== cls) {
              vm.rt.decref(cls, out);
              throw vm.typeError(
                `__class__ set to ${vm.reprText(content)} defining ${vm.reprText(nameObj)} as ${vm.reprText(cls)}`,
              );
            }
          }
          return cls;
        } finally {
          vm.rt.decref(cell, C_TEMP);
        }
      } finally {
        vm.rt.decref(ns, C_TEMP);
      }
    } finally {
      vm.rt.decref(basesTuple, C_TEMP);
    }
  } finally {
    for (const b of bases) vm.rt.decref(b, C_TEMP);
    bases = [];
  }
};

/** What holds the argument parsers' keyword tuples (a C static in CPython). */
const ARG_PARSERS: Holder = { kind: 'root', name: 'static argument parsers' };
const printParsers = new WeakMap<VM, ObjectId>();

const print: Native = (vm, args, kwnames, out) => {
  const n = npos(args, kwnames);
  // builtin_print parses its arguments with a static _PyArg_Parser, whose parser_init
  // makes the tuple of its keyword names (interned, tracked, kept for good) on the first
  // call: the first print() of a run allocates it (measured: gc.get_objects(0) after it).
  if (!printParsers.has(vm)) {
    // Its names are the runtime's static identifiers (&_Py_ID(sep) ...): no new strings.
    const names = ['sep', 'end', 'file', 'flush'].map((k) => vm.staticId(k, C_TEMP));
    printParsers.set(vm, vm.newTuple(names, ARG_PARSERS));
    for (const k of names) vm.rt.decref(k, C_TEMP);
  }
  // Its `*args` arrive as a new tuple of the positional arguments (the argument clinic's
  // varargs), freed (to the tuple free list) when print returns.
  const varargs = n > 0 ? vm.newTuple(args.slice(0, n), C_TEMP) : undefined;
  try {
    return printArgs(vm, args, n, kwnames, out);
  } finally {
    if (varargs !== undefined) vm.rt.decref(varargs, C_TEMP);
  }
};

function printArgs(
  vm: VM,
  args: readonly ObjectId[],
  n: number,
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  const sep = kwarg(args, kwnames, 'sep');
  const end = kwarg(args, kwnames, 'end');
  const file = kwarg(args, kwnames, 'file');
  const flush = kwarg(args, kwnames, 'flush');
  for (const k of kwnames ?? []) {
    if (k !== 'sep' && k !== 'end' && k !== 'file' && k !== 'flush')
      throw vm.typeError(`'${k}' is an invalid keyword argument for print()`);
  }
  const textOf = (x: ObjectId | undefined, dflt: string, what: string): string => {
    if (x === undefined || x === vm.statics.none) return dflt;
    const v = vm.value(x);
    if (v.t !== 'str') throw vm.typeError(`${what} must be None or a string, not ${vm.typeName(x)}`);
    return v.v;
  };
  const sepText = textOf(sep, ' ', 'sep');
  const endText = textOf(end, '\n', 'end');
  const target = file === undefined || file === vm.statics.none ? vm.sysAttr('stdout') : file;
  if (target === undefined || target === vm.statics.none) return vm.none(out);
  for (let i = 0; i < n; i++) {
    if (i > 0) vm.writeTo(target, sepText);
    vm.writeObjectTo(target, args[i] as ObjectId);
  }
  vm.writeTo(target, endText);
  if (flush !== undefined && vm.truthy(flush)) {
    const f = vm.getAttrOpt(target, 'flush', C_TEMP);
    if (f !== undefined) {
      vm.rt.decref(vm.call(f, [], undefined, C_TEMP), C_TEMP);
      vm.rt.decref(f, C_TEMP);
    }
  }
  return vm.none(out);
}

declare module '../vm/vm.js' {
  interface VM {
    /** An attribute of the sys module (borrowed), e.g. stdout. */
    sysAttr(name: string): ObjectId | undefined;
    /** file.write(text). */
    writeTo(file: ObjectId, text: string): void;
    /** PyFile_WriteObject(obj, file, Py_PRINT_RAW): file.write(str(obj)). */
    writeObjectTo(file: ObjectId, obj: ObjectId): void;
  }
}

const P = VM.prototype;

P.writeTo = function (this: VM, file, text) {
  const s = this.newStr(text, C_TEMP);
  try {
    this.rt.decref(this.callMethod(file, 'write', [s], C_TEMP), C_TEMP);
  } finally {
    this.rt.decref(s, C_TEMP);
  }
};

P.writeObjectTo = function (this: VM, file, obj) {
  const s = this.str(obj, C_TEMP);
  try {
    this.rt.decref(this.callMethod(file, 'write', [s], C_TEMP), C_TEMP);
  } finally {
    this.rt.decref(s, C_TEMP);
  }
};

function minmax(name: 'min' | 'max'): Native {
  return (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const key = kwarg(args, kwnames, 'key');
    const dflt = kwarg(args, kwnames, 'default');
    for (const k of kwnames ?? [])
      if (k !== 'key' && k !== 'default') throw vm.typeError(`'${k}' is an invalid keyword argument for ${name}()`);
    if (n === 0) throw vm.typeError(`${name} expected at least 1 argument, got 0`);
    if (n > 1 && dflt !== undefined)
      throw vm.typeError(`Cannot specify a default for ${name}() with multiple positional arguments`);
    const items =
      n === 1 ? vm.iterateToArray(args[0] as ObjectId, C_TEMP) : args.slice(0, n).map((a) => vm.ret(a, C_TEMP));
    try {
      if (items.length === 0) {
        if (dflt !== undefined) return vm.ret(dflt, out);
        throw vm.pyErr('ValueError', `${name}() arg is an empty sequence`);
      }
      const keyOf = (x: ObjectId): ObjectId =>
        key === undefined || key === vm.statics.none ? vm.ret(x, C_TEMP) : vm.call(key, [x], undefined, C_TEMP);
      let best = items[0] as ObjectId;
      let bestKey = keyOf(best);
      try {
        for (const x of items.slice(1)) {
          const k = keyOf(x);
          const better = vm.richCompareBool(k, bestKey, name === 'min' ? '<' : '>');
          if (better) {
            vm.rt.decref(bestKey, C_TEMP);
            best = x;
            bestKey = k;
          } else vm.rt.decref(k, C_TEMP);
        }
      } finally {
        vm.rt.decref(bestKey, C_TEMP);
      }
      return vm.ret(best, out);
    } finally {
      for (const x of items) vm.rt.decref(x, C_TEMP);
    }
  };
}

/** sum(): int and float fast paths as builtin_sum_impl, else `+`. */
const sum: Native = (vm, args, kwnames, out) => {
  const n = npos(args, kwnames);
  if (n < 1 || n > 2) throw vm.typeError(`sum() takes at most 2 arguments (${n} given)`);
  const start = n > 1 ? args[1] : kwarg(args, kwnames, 'start');
  if (start !== undefined) {
    const sv = vm.value(start);
    if (sv.t === 'str') throw vm.typeError("sum() can't sum strings [use ''.join(seq) instead]");
    if (sv.t === 'bytes') throw vm.typeError("sum() can't sum bytes [use b''.join(seq) instead]");
  }
  let acc = start !== undefined ? vm.ret(start, C_TEMP) : vm.newInt(0n, C_TEMP);
  const it = vm.getIter(args[0] as ObjectId, C_TEMP);
  try {
    for (let x = vm.iterNext(it, C_TEMP); x !== undefined; x = vm.iterNext(it, C_TEMP)) {
      let next: ObjectId;
      try {
        next = vm.binaryOp('+', acc, x, false, C_TEMP);
      } finally {
        vm.rt.decref(x, C_TEMP);
      }
      vm.rt.decref(acc, C_TEMP);
      acc = next;
    }
  } catch (e) {
    vm.rt.decref(acc, C_TEMP);
    throw e;
  } finally {
    vm.rt.decref(it, C_TEMP);
  }
  vm.rt.move(acc, C_TEMP, out);
  return acc;
};

const roundFn: Native = (vm, args, kwnames, out) => {
  const n = npos(args, kwnames);
  const x = n > 0 ? args[0] : kwarg(args, kwnames, 'number');
  const nd = n > 1 ? args[1] : kwarg(args, kwnames, 'ndigits');
  if (x === undefined) throw vm.typeError("round() missing required argument 'number' (pos 1)");
  const f = vm.lookupSpecial(x, '__round__', C_TEMP);
  if (f === undefined) throw vm.typeError(`type ${vm.typeName(x)} doesn't define __round__ method`);
  try {
    return vm.call(f, nd === undefined || nd === vm.statics.none ? [] : [nd], undefined, out);
  } finally {
    vm.rt.decref(f, C_TEMP);
  }
};

const divmod: Native = (vm, args, kwnames, out) => {
  arity(vm, 'divmod', args, kwnames, 2, 2);
  const [a, b] = args as [ObjectId, ObjectId];
  const ia = intOf(vm, a);
  const ib = intOf(vm, b);
  if (ia !== undefined && ib !== undefined) {
    if (ib === 0n) throw vm.pyErr('ZeroDivisionError', 'integer division or modulo by zero');
    const q = ia / ib - (ia % ib !== 0n && ia < 0n !== ib < 0n ? 1n : 0n);
    return vm.newTuple([vm.newInt(q, C_TEMP), vm.newInt(ia - q * ib, C_TEMP)], out, C_TEMP);
  }
  const fa = floatOf(vm, a);
  const fb = floatOf(vm, b);
  if (fa !== undefined && fb !== undefined && (vm.value(a).t === 'float' || vm.value(b).t === 'float')) {
    if (fb === 0) throw vm.pyErr('ZeroDivisionError', 'float divmod()');
    const [q, r] = floatDivmod(fa, fb);
    void floatMod;
    return vm.newTuple([vm.newFloat(q, C_TEMP), vm.newFloat(r, C_TEMP)], out, C_TEMP);
  }
  const f = vm.lookupType(vm.typeOf(a), '__divmod__');
  if (f !== undefined) {
    const r = vm.callUnbound(f, a, [b], out);
    if (r !== vm.notImplementedId) return r;
    vm.rt.decref(r, out);
  }
  const rf = vm.lookupType(vm.typeOf(b), '__rdivmod__');
  if (rf !== undefined) {
    const r = vm.callUnbound(rf, b, [a], out);
    if (r !== vm.notImplementedId) return r;
    vm.rt.decref(r, out);
  }
  throw vm.typeError(`unsupported operand type(s) for divmod(): '${vm.typeName(a)}' and '${vm.typeName(b)}'`);
};

const pow: Native = (vm, args, kwnames, out) => {
  const n = npos(args, kwnames);
  const base = n > 0 ? args[0] : kwarg(args, kwnames, 'base');
  const exp = n > 1 ? args[1] : kwarg(args, kwnames, 'exp');
  const mod = n > 2 ? args[2] : kwarg(args, kwnames, 'mod');
  if (base === undefined || exp === undefined) throw vm.typeError('pow() missing required argument');
  if (mod === undefined || mod === vm.statics.none) return vm.binaryOp('**', base, exp, false, out);
  const b = intOf(vm, base);
  const e = intOf(vm, exp);
  const m = intOf(vm, mod);
  if (b === undefined || e === undefined || m === undefined) {
    throw vm.typeError('pow() 3rd argument not allowed unless all arguments are integers');
  }
  if (m === 0n) throw vm.pyErr('ValueError', 'pow() 3rd argument cannot be 0');
  let base2 = ((b % m) + m) % m;
  let ex = e;
  if (ex < 0n) {
    // The modular inverse.
    let [r0, r1, s0, s1] = [base2, m < 0n ? -m : m, 1n, 0n];
    while (r1 !== 0n) {
      const q = r0 / r1;
      [r0, r1] = [r1, r0 - q * r1];
      [s0, s1] = [s1, s0 - q * s1];
    }
    if (r0 !== 1n) throw vm.pyErr('ValueError', 'base is not invertible for the given modulus');
    base2 = ((s0 % m) + m) % m;
    ex = -ex;
  }
  let r = 1n;
  while (ex > 0n) {
    if (ex & 1n) r = (r * base2) % m;
    base2 = (base2 * base2) % m;
    ex >>= 1n;
  }
  if (m < 0n && r > 0n) r += m;
  return vm.newInt(r, out);
};

const isinstance: Native = (vm, args, kwnames, out) => {
  arity(vm, 'isinstance', args, kwnames, 2, 2);
  return vm.bool(vm.objectIsInstance(args[0] as ObjectId, args[1] as ObjectId), out);
};

const issubclass: Native = (vm, args, kwnames, out) => {
  arity(vm, 'issubclass', args, kwnames, 2, 2);
  return vm.bool(vm.objectIsSubclass(args[0] as ObjectId, args[1] as ObjectId), out);
};

declare module '../vm/vm.js' {
  interface VM {
    /** PyObject_IsInstance: tuples, __instancecheck__. */
    objectIsInstance(obj: ObjectId, cls: ObjectId): boolean;
    objectIsSubclass(sub: ObjectId, cls: ObjectId): boolean;
  }
}

P.objectIsInstance = function (this: VM, obj, cls) {
  if (this.typeOf(obj) === cls) return true;
  const cv = this.value(cls);
  if (cv.t === 'tuple') return cv.items.some((c) => this.objectIsInstance(obj, c));
  if (cv.t === 'type' && cv.type === this.T.type)
    return this.isInstanceOf(obj, cls) || (this.value(obj).t === 'super' ? false : this.classOfAttr(obj, cls));
  const check = this.lookupType(this.typeOf(cls), '__instancecheck__');
  if (check !== undefined && !this.isNativeOf(check, this.T.type)) {
    this.enterRecursive(' in __instancecheck__');
    try {
      const r = this.callUnbound(check, cls, [obj], C_TEMP);
      try {
        return this.truthy(r);
      } finally {
        this.rt.decref(r, C_TEMP);
      }
    } finally {
      this.leaveRecursive();
    }
  }
  if (cv.t !== 'type') throw this.typeError('isinstance() arg 2 must be a type, a tuple of types, or a union');
  return this.isInstanceOf(obj, cls);
};

declare module '../vm/vm.js' {
  interface VM {
    /** obj.__class__ (which may differ from type(obj)) is a subclass of cls. */
    classOfAttr(obj: ObjectId, cls: ObjectId): boolean;
  }
}

P.classOfAttr = function (this: VM, obj, cls) {
  const tv = this.typeValue(this.typeOf(obj));
  // A built-in type's __class__ is its type, unless it forwards attributes (weakref.proxy).
  if (!tv.heap && tv.slots.getattr === undefined) return false;
  const c = this.getAttrOpt(obj, '__class__', C_TEMP);
  if (c === undefined) return false;
  try {
    return c !== this.typeOf(obj) && this.value(c).t === 'type' && this.isSubtype(c, cls);
  } finally {
    this.rt.decref(c, C_TEMP);
  }
};

P.objectIsSubclass = function (this: VM, sub, cls) {
  const cv = this.value(cls);
  if (cv.t === 'tuple') return cv.items.some((c) => this.objectIsSubclass(sub, c));
  if (cv.t !== 'type' || cv.type !== this.T.type) {
    const check = this.lookupType(this.typeOf(cls), '__subclasscheck__');
    if (check !== undefined && !this.isNativeOf(check, this.T.type)) {
      const r = this.callUnbound(check, cls, [sub], C_TEMP);
      try {
        return this.truthy(r);
      } finally {
        this.rt.decref(r, C_TEMP);
      }
    }
  }
  if (this.value(sub).t !== 'type') throw this.typeError('issubclass() arg 1 must be a class');
  if (cv.t !== 'type') throw this.typeError('issubclass() arg 2 must be a class, a tuple of classes, or a union');
  return this.isSubtype(sub, cls);
};

const getattr: Native = (vm, args, kwnames, out) => {
  arity(vm, 'getattr', args, kwnames, 2, 3);
  const name = args[1] as ObjectId;
  const nv = vm.value(name);
  if (nv.t !== 'str') throw vm.typeError(`attribute name must be string, not '${vm.typeName(name)}'`);
  if (args.length === 3) return vm.getAttrOpt(args[0] as ObjectId, nv.v, out) ?? vm.ret(args[2] as ObjectId, out);
  return vm.getAttr(args[0] as ObjectId, nv.v, out);
};

const builtinFunctions: Record<string, Native> = {
  __build_class__: buildClass,
  print,
  len: (vm, args, kw, out) => {
    arity(vm, 'len', args, kw, 1, 1);
    return vm.newInt(BigInt(vm.len(args[0] as ObjectId)), out);
  },
  repr: (vm, args, kw, out) => {
    arity(vm, 'repr', args, kw, 1, 1);
    return vm.repr(args[0] as ObjectId, out);
  },
  ascii: (vm, args, kw, out) => {
    arity(vm, 'ascii', args, kw, 1, 1);
    return vm.ascii(args[0] as ObjectId, out);
  },
  id: (vm, args, kw, out) => {
    arity(vm, 'id', args, kw, 1, 1);
    return vm.newInt(BigInt(vm.rt.object(args[0] as ObjectId).addr), out);
  },
  hash: (vm, args, kw, out) => {
    arity(vm, 'hash', args, kw, 1, 1);
    return vm.newInt(vm.hash(args[0] as ObjectId), out);
  },
  isinstance,
  issubclass,
  callable: (vm, args, kw, out) => {
    arity(vm, 'callable', args, kw, 1, 1);
    const v = vm.value(args[0] as ObjectId);
    const tv = vm.typeValue(v.type);
    const ok =
      v.t === 'function' ||
      v.t === 'method' ||
      v.t === 'builtin' ||
      v.t === 'type' ||
      (!tv.heap && tv.slots.call !== undefined) ||
      (tv.heap && vm.lookupType(v.type, '__call__') !== undefined);
    return vm.bool(ok, out);
  },
  getattr,
  hasattr: (vm, args, kw, out) => {
    arity(vm, 'hasattr', args, kw, 2, 2);
    const name = args[1] as ObjectId;
    if (vm.value(name).t !== 'str') throw vm.typeError('hasattr(): attribute name must be string');
    return vm.bool(vm.hasAttr(args[0] as ObjectId, vm.as(name, 'str').v), out);
  },
  setattr: (vm, args, kw, out) => {
    arity(vm, 'setattr', args, kw, 3, 3);
    const name = args[1] as ObjectId;
    if (vm.value(name).t !== 'str') throw vm.typeError(`attribute name must be string, not '${vm.typeName(name)}'`);
    // ID-5: setattr interns the attribute name.
    const text = vm.as(name, 'str').v;
    vm.rt.decref(vm.internStr(text, C_TEMP), C_TEMP);
    vm.setAttr(args[0] as ObjectId, text, args[2] as ObjectId);
    return vm.none(out);
  },
  delattr: (vm, args, kw, out) => {
    arity(vm, 'delattr', args, kw, 2, 2);
    vm.delAttr(args[0] as ObjectId, strArg(vm, args[1] as ObjectId, 'attribute name'));
    return vm.none(out);
  },
  iter: (vm, args, kw, out) => {
    arity(vm, 'iter', args, kw, 1, 2);
    if (args.length === 2) {
      const fn = args[0] as ObjectId;
      if (!vm.isCallable(fn)) throw vm.typeError('iter(v, w): v must be callable');
      return vm.newCallIter(fn, args[1] as ObjectId, out);
    }
    return vm.getIter(args[0] as ObjectId, out);
  },
  next: (vm, args, kw, out) => {
    arity(vm, 'next', args, kw, 1, 2);
    const it = args[0] as ObjectId;
    if (!vm.isIterator(it)) throw vm.typeError(`'${vm.typeName(it)}' object is not an iterator`);
    let r: ObjectId | undefined;
    try {
      r = vm.iterNextRaw(it, out);
    } catch (e) {
      if (args[1] === undefined || !vm.raised(e, 'StopIteration')) throw e;
      vm.clearRaise(e);
    }
    if (r !== undefined) return r;
    if (args[1] !== undefined) return vm.ret(args[1], out);
    throw vm.pyErr('StopIteration');
  },
  abs: (vm, args, kw, out) => {
    arity(vm, 'abs', args, kw, 1, 1);
    const x = args[0] as ObjectId;
    const v = vm.value(x);
    if (v.t === 'int' || v.t === 'bool') {
      const i = intOf(vm, x) as bigint;
      return i < 0n ? vm.newInt(-i, out) : v.t === 'int' && v.type === vm.T.int ? vm.ret(x, out) : vm.newInt(i, out);
    }
    if (v.t === 'float') return vm.newFloat(Math.abs(v.v), out);
    if (v.t === 'complex') return vm.newFloat(Math.hypot(v.re, v.im), out);
    const f = vm.lookupType(v.type, '__abs__');
    if (f === undefined) throw vm.typeError(`bad operand type for abs(): '${vm.typeName(x)}'`);
    return vm.callUnbound(f, x, [], out);
  },
  min: minmax('min'),
  max: minmax('max'),
  sum,
  sorted: (vm, args, kwnames, out) => {
    if (npos(args, kwnames) !== 1) throw vm.typeError(`sorted expected 1 argument, got ${npos(args, kwnames)}`);
    const l = vm.newList([], C_TEMP);
    try {
      vm.listExtend(l, args[0] as ObjectId);
      const key = kwarg(args, kwnames, 'key');
      const rev = kwarg(args, kwnames, 'reverse');
      vm.sortList(
        l,
        key !== undefined && key !== vm.statics.none ? key : undefined,
        rev !== undefined && vm.truthy(rev),
      );
    } catch (e) {
      vm.rt.decref(l, C_TEMP);
      throw e;
    }
    vm.rt.move(l, C_TEMP, out);
    return l;
  },
  any: (vm, args, kw, out) => {
    arity(vm, 'any', args, kw, 1, 1);
    const it = vm.getIter(args[0] as ObjectId, C_TEMP);
    try {
      for (let x = vm.iterNext(it, C_TEMP); x !== undefined; x = vm.iterNext(it, C_TEMP)) {
        let t: boolean;
        try {
          t = vm.truthy(x);
        } finally {
          vm.rt.decref(x, C_TEMP);
        }
        if (t) return vm.bool(true, out);
      }
      return vm.bool(false, out);
    } finally {
      vm.rt.decref(it, C_TEMP);
    }
  },
  all: (vm, args, kw, out) => {
    arity(vm, 'all', args, kw, 1, 1);
    const it = vm.getIter(args[0] as ObjectId, C_TEMP);
    try {
      for (let x = vm.iterNext(it, C_TEMP); x !== undefined; x = vm.iterNext(it, C_TEMP)) {
        let t: boolean;
        try {
          t = vm.truthy(x);
        } finally {
          vm.rt.decref(x, C_TEMP);
        }
        if (!t) return vm.bool(false, out);
      }
      return vm.bool(true, out);
    } finally {
      vm.rt.decref(it, C_TEMP);
    }
  },
  divmod,
  pow,
  round: roundFn,
  format: (vm, args, kw, out) => {
    arity(vm, 'format', args, kw, 1, 2);
    return vm.format(args[0] as ObjectId, args[1], out);
  },
  chr: (vm, args, kw, out) => {
    arity(vm, 'chr', args, kw, 1, 1);
    const i = vm.index(args[0] as ObjectId);
    if (i < 0n || i > 0x10ffffn) throw vm.pyErr('ValueError', 'chr() arg not in range(0x110000)');
    return vm.newStr(String.fromCodePoint(Number(i)), out);
  },
  ord: (vm, args, kw, out) => {
    arity(vm, 'ord', args, kw, 1, 1);
    const x = args[0] as ObjectId;
    const v = vm.value(x);
    if (v.t === 'str') {
      const cps = codePoints(v.v) ?? [...v.v];
      if (cps.length !== 1) throw vm.typeError(`ord() expected a character, but string of length ${cps.length} found`);
      return vm.newInt(BigInt((cps[0] as string).codePointAt(0) as number), out);
    }
    if (v.t === 'bytes' || v.t === 'bytearray') {
      if (v.v.length !== 1) throw vm.typeError(`ord() expected a character, but string of length ${v.v.length} found`);
      return vm.newInt(BigInt(v.v[0] as number), out);
    }
    throw vm.typeError(`ord() expected string of length 1, but ${vm.typeName(x)} found`);
  },
  hex: (vm, args, kw, out) => {
    arity(vm, 'hex', args, kw, 1, 1);
    const i = vm.index(args[0] as ObjectId);
    return vm.newStr(`${i < 0n ? '-' : ''}0x${(i < 0n ? -i : i).toString(16)}`, out);
  },
  oct: (vm, args, kw, out) => {
    arity(vm, 'oct', args, kw, 1, 1);
    const i = vm.index(args[0] as ObjectId);
    return vm.newStr(`${i < 0n ? '-' : ''}0o${(i < 0n ? -i : i).toString(8)}`, out);
  },
  bin: (vm, args, kw, out) => {
    arity(vm, 'bin', args, kw, 1, 1);
    const i = vm.index(args[0] as ObjectId);
    return vm.newStr(`${i < 0n ? '-' : ''}0b${(i < 0n ? -i : i).toString(2)}`, out);
  },
  vars: (vm, args, kw, out) => {
    arity(vm, 'vars', args, kw, 0, 1);
    if (args.length === 0) return vm.localsDict(out);
    const d = vm.getAttrOpt(args[0] as ObjectId, '__dict__', out);
    if (d === undefined) throw vm.typeError('vars() argument must have __dict__ attribute');
    return d;
  },
  dir: (vm, args, kw, out) => {
    arity(vm, 'dir', args, kw, 0, 1);
    if (args.length === 0) {
      const d = vm.localsDict(C_TEMP);
      try {
        const names = vm
          .dictEntries(d)
          .map((e) => vm.as(e.key, 'str').v)
          .sort();
        return vm.newList(
          names.map((n) => vm.newStr(n, C_TEMP)),
          out,
          C_TEMP,
        );
      } finally {
        vm.rt.decref(d, C_TEMP);
      }
    }
    const obj = args[0] as ObjectId;
    const f = vm.lookupSpecial(obj, '__dir__', C_TEMP);
    if (f === undefined) throw vm.typeError('object does not provide __dir__');
    let r: ObjectId;
    try {
      r = vm.call(f, [], undefined, C_TEMP);
    } finally {
      vm.rt.decref(f, C_TEMP);
    }
    const l = vm.newList([], C_TEMP);
    try {
      vm.listExtend(l, r);
      vm.sortList(l, undefined, false);
    } finally {
      vm.rt.decref(r, C_TEMP);
    }
    vm.rt.move(l, C_TEMP, out);
    return l;
  },
  globals: (vm, args, kw, out) => {
    arity(vm, 'globals', args, kw, 0, 0);
    const f = vm.frame;
    if (f === undefined) throw vm.pyErr('SystemError', 'globals(): no current frame');
    return vm.ret(f.globals, out);
  },
  locals: (vm, args, kw, out) => {
    arity(vm, 'locals', args, kw, 0, 0);
    return vm.localsDict(out);
  },
  exec: (vm, args, kwnames, out) => vm.execOrEval('exec', args, kwnames, out),
  eval: (vm, args, kwnames, out) => vm.execOrEval('eval', args, kwnames, out),
  compile: (vm, args, kwnames, out) => vm.compileBuiltin(args, kwnames, out),
  __import__: (vm, args, kwnames, out) => vm.importBuiltin(args, kwnames, out),
  input: (vm, args, kwnames, out) => builtinInput(vm, args, kwnames, out),
  open: (vm) => {
    throw vm.pyErr('OSError', 'open() is not simulated: pymemsim runs programs without files');
  },
};

declare module '../vm/vm.js' {
  interface VM {
    isCallable(obj: ObjectId): boolean;
    /** locals(): the current frame's locals as a dict (a new dict for a function frame). */
    localsDict(out: Holder): ObjectId;
    execOrEval(
      which: 'exec' | 'eval',
      args: readonly ObjectId[],
      kwnames: readonly string[] | undefined,
      out: Holder,
    ): ObjectId;
    compileBuiltin(args: readonly ObjectId[], kwnames: readonly string[] | undefined, out: Holder): ObjectId;
    importBuiltin(args: readonly ObjectId[], kwnames: readonly string[] | undefined, out: Holder): ObjectId;
  }
}

P.isCallable = function (this: VM, obj) {
  const v = this.value(obj);
  const tv = this.typeValue(v.type);
  return (
    v.t === 'function' ||
    v.t === 'method' ||
    v.t === 'builtin' ||
    v.t === 'type' ||
    (!tv.heap && tv.slots.call !== undefined) ||
    (tv.heap && this.lookupType(v.type, '__call__') !== undefined)
  );
};

P.localsDict = function (this: VM, out) {
  const f = this.frame;
  if (f === undefined) throw this.pyErr('SystemError', 'locals(): no current frame');
  if (f.locals !== 0 && (f.code.co.flags & 0x0001) === 0) return this.ret(f.locals, out);
  // 3.11's PyFrame_FastToLocalsWithError: the frame keeps one dict, refreshed on every call.
  if (f.locals === 0) {
    const d = this.newDict(C_TEMP);
    f.locals = d;
    this.rt.move(d, C_TEMP, f.slotHolder('(locals)'));
  }
  const d = f.locals;
  const names = f.code.localsplusnames;
  names.forEach((n, i) => {
    let v = f.localsplus[i];
    if (v !== undefined && ((f.code.localspluskinds[i] ?? 0) & 0xc0) !== 0 && this.value(v).t === 'cell')
      v = this.as(v, 'cell').content;
    if (v === undefined) this.dictDelStr(d, n);
    else this.dictSetStr(d, n, v, C_TEMP, 'copy');
  });
  return this.ret(d, out);
};

/** The builtins module's functions (natives), by name. */
export const BUILTIN_FUNCTIONS = builtinFunctions;

/**
 * builtin_input_impl, the path for a stdin or stdout that is not a terminal (the only
 * kind the simulation has): flush stderr, write the prompt to sys.stdout and flush it,
 * then sys.stdin.readline(); the line end is dropped, and an empty read is EOFError.
 */
function builtinInput(
  vm: VM,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  out: Holder,
): ObjectId {
  if (kwnames !== undefined && kwnames.length > 0) throw vm.typeError('input() takes no keyword arguments');
  if (args.length > 1) throw vm.typeError(`input expected at most 1 argument, got ${args.length}`);
  const fin = vm.sysAttr('stdin');
  const fout = vm.sysAttr('stdout');
  if (fin === undefined || fin === vm.statics.none) throw vm.pyErr('RuntimeError', 'input(): lost sys.stdin');
  if (fout === undefined || fout === vm.statics.none) throw vm.pyErr('RuntimeError', 'input(): lost sys.stdout');
  const flush = (f: ObjectId | undefined): void => {
    if (f === undefined || f === vm.statics.none) return;
    vm.rt.decref(vm.callMethod(f, 'flush', [], C_TEMP), C_TEMP);
  };
  flush(vm.sysAttr('stderr'));
  if (args.length === 1) vm.writeObjectTo(fout, args[0] as ObjectId);
  flush(fout);
  const line = vm.callMethod(fin, 'readline', [], C_TEMP);
  try {
    const lv = vm.value(line);
    if (lv.t !== 'str') throw vm.typeError(`object.readline() returned non-string`);
    if (lv.v === '') throw vm.pyErr('EOFError', 'EOF when reading a line');
    return vm.newStr(lv.v.endsWith('\n') ? lv.v.slice(0, -1) : lv.v, out);
  } finally {
    vm.rt.decref(line, C_TEMP);
  }
}
