/*
 * sys and gc: the modules backed by the runtime
 * ============================================
 * `sys.getrefcount` reads the reference count the runtime keeps (the argument's own
 * reference included, as CPython's does), `sys.getsizeof` the object's size; the gc
 * module drives the collector (core's runtime/gc.ts) and reads its state. The collector's
 * hooks (weakref callbacks, gc.callbacks, gc.garbage, DEBUG_* output, finalizers) call
 * back into Python from here. sys's struct sequences (version_info, flags ...) and
 * sys.implementation (a types.SimpleNamespace) are made at start-up.
 *
 * Source: Python/sysmodule.c, Modules/gcmodule.c (the module functions).
 */
import {
  getFreezeCount,
  getObjects,
  getReferents,
  getReferrers,
  weakrefsTo,
  type Holder,
  type ObjectId,
} from '@pymemsim/core';
import { C_TEMP, PyRaise, VM } from '../vm/vm.js';
import { builtinModuleNames } from '../vm/importlib.js';
import { defineStructSeq, newStructSeq } from '../objects/structseq.js';
import { defineNamespaceType, newNamespace } from '../objects/namespace.js';
import { defineWeakrefModule } from './weakref.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import { intOf } from '../objects/number.js';
import { makeStdStream } from './io.js';

declare module '../vm/vm.js' {
  interface VM {
    /** A C module's functions (static builtin function objects) put in its dict. */
    addFunctions(dict: ObjectId, moduleName: string, functions: Record<string, Native>): void;
    /** A built-in module: its functions (static builtin objects) and values, entered in sys.modules. */
    defineModule(name: string, functions: Record<string, Native>, values?: (vm: VM, dict: ObjectId) => void): ObjectId;
    /** The objects weak references to `id` exist for (weakref objects). */
    weakrefsOf(id: ObjectId): ObjectId[];
    installGcHooks(): void;
    gcCallbacks: ObjectId | undefined;
    gcGarbage: ObjectId | undefined;
  }
}

const P = VM.prototype;

P.addFunctions = function (this: VM, dict, moduleName, functions) {
  for (const [fname, fn] of Object.entries(functions)) {
    const f = this.staticObject(
      'builtin_function_or_method',
      'builtin',
      {
        t: 'builtin',
        type: this.T.builtin_function_or_method,
        name: fname,
        qualname: fname,
        fn,
        self: undefined,
        module: moduleName,
      },
      'static functions',
      `${moduleName}.${fname}`,
    );
    this.dictSetStr(dict, fname, f, C_TEMP, 'copy');
  }
};

P.defineModule = function (this: VM, name, functions, values) {
  const mod = this.newModule(name, C_TEMP);
  const dict = this.as(mod, 'module').dict;
  this.addFunctions(dict, name, functions);
  values?.(this, dict);
  this.dictSetStr(this.sysModules, name, mod, C_TEMP, 'move');
  return mod;
};

P.weakrefsOf = function (this: VM, id) {
  return [...weakrefsTo(this.rt.state, id)];
};

function one(vm: VM, name: string, args: readonly ObjectId[], kwnames: readonly string[] | undefined): ObjectId {
  if (kwnames !== undefined) throw vm.typeError(`${name}() takes no keyword arguments`);
  if (args.length !== 1) throw vm.typeError(`${name}() takes exactly one argument (${args.length} given)`);
  return args[0] as ObjectId;
}

function noArgs(vm: VM, name: string, args: readonly ObjectId[], kwnames?: readonly string[]): void {
  if (kwnames !== undefined) throw vm.typeError(`${name}() takes no keyword arguments`);
  if (args.length > 0) throw vm.typeError(`${name}() takes no arguments (${args.length} given)`);
}

/** A METH_NOARGS function of module `mod`: its argument errors name it as CPython does. */
const noArgsFn =
  (name: string, f: (vm: VM, out: Holder) => ObjectId): Native =>
  (vm, args, kwnames, out) => {
    noArgs(vm, name, args, kwnames);
    return f(vm, out);
  };

// ---------------------------------------------------------------------------------
// sys

const sysFunctions: Record<string, Native> = {
  getrefcount: (vm, args, kw, out) => vm.newInt(BigInt(vm.rt.refcount(one(vm, 'sys.getrefcount', args, kw))), out),
  getsizeof: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    if (n < 1 || n > 2) throw vm.typeError(`getsizeof() takes at most 2 arguments (${n} given)`);
    const dflt = n > 1 ? args[1] : kwarg(args, kwnames, 'default');
    try {
      return vm.newInt(BigInt(sizeOf(vm, args[0] as ObjectId)), out);
    } catch (e) {
      if (dflt !== undefined && vm.raised(e, 'TypeError')) {
        vm.clearRaise(e);
        return vm.ret(dflt, out);
      }
      throw e;
    }
  },
  // _Py_GetAllocatedBlocks: the blocks handed out by pymalloc's pools (each pool's
  // ref.count) plus those the object allocator took from the system allocator.
  getallocatedblocks: noArgsFn('sys.getallocatedblocks', (vm, out) => {
    const mem = vm.rt.state.memory;
    let n = mem.raw.blocks;
    for (const pool of Object.values(mem.pools)) n += pool.ref;
    return vm.newInt(BigInt(n), out);
  }),
  intern: (vm, args, kw, out) => {
    const s = one(vm, 'sys.intern', args, kw);
    const v = vm.value(s);
    if (v.t !== 'str' || v.type !== vm.T.str)
      throw vm.typeError(`intern() argument must be str, not ${vm.typeName(s)}`);
    const existing = vm.interned.get(v.v);
    if (existing !== undefined) return vm.ret(existing, out);
    if (v.v.length > 1) vm.interned.set(v.v, s);
    return vm.ret(s, out);
  },
  _debugmallocstats: (vm, _args, _kw, out) => {
    vm.write(vm.rt.debugMallocStats(), true);
    return vm.none(out);
  },
  getrecursionlimit: (vm, _args, _kw, out) => vm.newInt(BigInt(vm.recursionLimit), out),
  setrecursionlimit: (vm, args, kw, out) => {
    const a = one(vm, 'setrecursionlimit', args, kw);
    if (vm.value(a).t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
    const n = vm.index(a);
    if (n < 1n) throw vm.pyErr('ValueError', 'recursion limit must be greater or equal than 1');
    if (n > BigInt(MAX_RECURSION_LIMIT)) {
      throw vm.pyErr(
        'ValueError',
        `recursion limit ${n} is more than the simulation can run (at most ${MAX_RECURSION_LIMIT})`,
      );
    }
    const depth = vm.depth;
    if (BigInt(depth) >= n) {
      throw vm.pyErr(
        'RecursionError',
        `cannot set the recursion limit to ${n} at the recursion depth ${depth}: the limit is too low`,
      );
    }
    vm.recursionLimit = Number(n);
    return vm.none(out);
  },
  exc_info: (vm, _args, _kw, out) => {
    const exc = vm.currentException();
    if (exc === undefined) return vm.newTuple([vm.none(C_TEMP), vm.none(C_TEMP), vm.none(C_TEMP)], out, C_TEMP);
    return vm.newTuple(
      [vm.ret(vm.typeOf(exc), C_TEMP), vm.ret(exc, C_TEMP), vm.ret(vm.exceptionTraceback(exc), C_TEMP)],
      out,
      C_TEMP,
    );
  },
  exception: (vm, _args, _kw, out) => vm.ret(vm.currentException() ?? vm.statics.none, out),
  _getframe: (vm, args, _kw, out) => {
    let depth = args[0] === undefined ? 0 : Number(vm.index(args[0]));
    let f = vm.frame;
    while (depth > 0 && f !== undefined) {
      f = f.prev;
      depth -= 1;
    }
    if (f === undefined) throw vm.pyErr('ValueError', 'call stack is not deep enough');
    return vm.ret(vm.frameObject(f), out);
  },
  exit: (vm, args, kwnames, out) => {
    void out;
    if (kwnames !== undefined) throw vm.typeError('exit() takes no keyword arguments');
    if (args.length > 1) throw vm.typeError(`exit expected at most 1 argument, got ${args.length}`);
    throw vm.raiseNew(
      vm.typeByName.get('SystemExit') as ObjectId,
      args.map((a) => vm.ret(a, C_TEMP)),
      C_TEMP,
    );
  },
  getdefaultencoding: (vm, _args, _kw, out) => vm.newStr('utf-8', out),
  getfilesystemencoding: (vm, _args, _kw, out) => vm.newStr('utf-8', out),
  getfilesystemencodeerrors: (vm, _args, _kw, out) => vm.newStr('surrogateescape', out),
  get_int_max_str_digits: (vm, _args, _kw, out) => vm.newInt(4300n, out),
  getswitchinterval: (vm, _args, _kw, out) => vm.newFloat(0.005, out),
  is_finalizing: (vm, _args, _kw, out) => vm.bool(vm.shuttingDown, out),
  audit: (vm, _args, _kw, out) => vm.none(out),
};

/** The deepest recursion the simulation runs (its own stack is bounded too). */
const MAX_RECURSION_LIMIT = 10_000;

/** _PyType_PreHeaderSize: the GC header, and the managed-dict pointers of a class's instances. */
function preHeaderSize(vm: VM, type: ObjectId, obj: ObjectId): number {
  const tv = vm.typeValue(type);
  const base = vm.typeValue(vm.builtinBase(type));
  const varSized = ['tuple', 'int', 'str', 'bytes'].includes(base.layout);
  const managedDict = tv.heap && tv.hasDict && !base.hasDict && !varSized;
  return (vm.rt.object(obj).gcType ? 16 : 0) + (managedDict ? 16 : 0);
}

/** _PySys_GetSizeOf: the type's __sizeof__ when a class defines one (plus the GC header), else the object's size. */
function sizeOf(vm: VM, obj: ObjectId): number {
  const type = vm.typeOf(obj);
  const method = vm.lookupType(type, '__sizeof__');
  if (method !== undefined && vm.value(method).t !== 'descriptor') {
    const r = vm.callUnbound(method, obj, [], C_TEMP);
    let n: bigint;
    try {
      const rv = vm.value(r);
      if (rv.t !== 'int' && rv.t !== 'bool') throw vm.typeError('an integer is required');
      n = vm.index(r);
    } finally {
      vm.rt.decref(r, C_TEMP);
    }
    if (n < 0n) throw vm.pyErr('ValueError', '__sizeof__() should return >= 0');
    return Number(n) + preHeaderSize(vm, type, obj);
  }
  return vm.rt.object(obj).size;
}

function sysValues(vm: VM, dict: ObjectId): void {
  const set = (name: string, v: ObjectId): void => vm.dictSetStr(dict, name, v, C_TEMP, 'move');
  // sys.stdin, sys.stdout and sys.stderr: _io.TextIOWrapper objects as create_stdio makes them (modules/io.ts).
  for (const name of ['stdin', 'stdout', 'stderr'] as const) {
    const s = makeStdStream(vm, name, C_TEMP);
    set(name, s);
    vm.dictSetStr(dict, `__${name}__`, s, C_TEMP, 'copy');
  }
  set(
    'argv',
    vm.newList(
      vm.argv.map((a) => vm.newStr(a, C_TEMP)),
      C_TEMP,
      C_TEMP,
    ),
  );
  vm.dictSetStr(dict, 'modules', vm.sysModules, C_TEMP, 'copy');
  set('maxsize', vm.newInt((1n << 63n) - 1n, C_TEMP));
  set('maxunicode', vm.newInt(0x10ffffn, C_TEMP));
  set('byteorder', vm.newStr('little', C_TEMP));
  set('platform', vm.newStr('linux', C_TEMP));
  set('version', vm.newStr('3.11.7 (main, simulated by pymemsim)', C_TEMP));
  set('hexversion', vm.newInt(HEXVERSION, C_TEMP));
  set('api_version', vm.newInt(1013n, C_TEMP));
  set('float_repr_style', vm.newStr('short', C_TEMP));
  set('abiflags', vm.newStr('', C_TEMP));
  set('executable', vm.newStr('python3', C_TEMP));
  set('_base_executable', vm.newStr('python3', C_TEMP));
  for (const name of ['prefix', 'base_prefix', 'exec_prefix', 'base_exec_prefix']) set(name, vm.newStr('/usr', C_TEMP));
  set('platlibdir', vm.newStr('lib', C_TEMP));
  set('pycache_prefix', vm.none(C_TEMP));
  set(
    'orig_argv',
    vm.newList(
      ['python3', '-I', ...vm.argv].map((a) => vm.newStr(a, C_TEMP)),
      C_TEMP,
      C_TEMP,
    ),
  );
  set('warnoptions', vm.newList([], C_TEMP));
  set('_xoptions', vm.newDict(C_TEMP));
  set('path', vm.newList([], C_TEMP));
  set('meta_path', vm.newList([], C_TEMP));
  set('path_hooks', vm.newList([], C_TEMP));
  set('path_importer_cache', vm.newDict(C_TEMP));
  set(
    'builtin_module_names',
    vm.newTuple(
      [...new Set(['builtins', 'sys', 'gc', '_weakref', ...builtinModuleNames()])]
        .sort()
        .map((n) => vm.internStr(n, C_TEMP)),
      C_TEMP,
      C_TEMP,
    ),
  );
  // `python3 -I` (how the conformance outputs are made): isolated, no bytecode written by the simulation either.
  set('dont_write_bytecode', vm.bool(false, C_TEMP));
  structSeqValues(vm, dict);
}

const HEXVERSION = 0x030b07f0n;

/** A Python value for a struct sequence field: an int, float, str or bool. */
type FieldValue = bigint | number | string | boolean;

function fieldObject(vm: VM, v: FieldValue): ObjectId {
  if (typeof v === 'bigint') return vm.newInt(v, C_TEMP);
  if (typeof v === 'number') return vm.newFloat(v, C_TEMP);
  if (typeof v === 'boolean') return vm.bool(v, C_TEMP);
  return vm.newStr(v, C_TEMP);
}

/** sys's struct sequences (version_info, flags, hash_info ...) and sys.implementation. */
function structSeqValues(vm: VM, dict: ObjectId): void {
  const make = (name: string, fields: [string, FieldValue][], instantiable = false): ObjectId => {
    const type = defineStructSeq(vm, {
      name: `sys.${name}`,
      fields: fields.map(([f]) => f),
      nInSequence: fields.length,
      instantiable,
    });
    const obj = newStructSeq(
      vm,
      type,
      fields.map(([, v]) => fieldObject(vm, v)),
      C_TEMP,
      C_TEMP,
    );
    vm.dictSetStr(dict, name, obj, C_TEMP, 'move');
    return obj;
  };
  const versionInfo = make('version_info', [
    ['major', 3n],
    ['minor', 11n],
    ['micro', 7n],
    ['releaselevel', 'final'],
    ['serial', 0n],
  ]);
  make('flags', [
    ['debug', 0n],
    ['inspect', 0n],
    ['interactive', 0n],
    ['optimize', 0n],
    ['dont_write_bytecode', 0n],
    ['no_user_site', 1n],
    ['no_site', 0n],
    ['ignore_environment', 1n],
    ['verbose', 0n],
    ['bytes_warning', 0n],
    ['quiet', 0n],
    ['hash_randomization', 1n],
    ['isolated', 1n],
    ['dev_mode', false],
    ['utf8_mode', 0n],
    ['warn_default_encoding', 0n],
    ['safe_path', true],
    ['int_max_str_digits', -1n],
  ]);
  make(
    'hash_info',
    [
      ['width', 64n],
      ['modulus', (1n << 61n) - 1n],
      ['inf', 314159n],
      ['nan', 0n],
      ['imag', 1000003n],
      ['algorithm', 'siphash13'],
      ['hash_bits', 64n],
      ['seed_bits', 128n],
      ['cutoff', 0n],
    ],
    true,
  );
  make(
    'float_info',
    [
      ['max', Number.MAX_VALUE],
      ['max_exp', 1024n],
      ['max_10_exp', 308n],
      ['min', 2.2250738585072014e-308],
      ['min_exp', -1021n],
      ['min_10_exp', -307n],
      ['dig', 15n],
      ['mant_dig', 53n],
      ['epsilon', Number.EPSILON],
      ['radix', 2n],
      ['rounds', 1n],
    ],
    true,
  );
  make(
    'int_info',
    [
      ['bits_per_digit', 30n],
      ['sizeof_digit', 4n],
      ['default_max_str_digits', 4300n],
      ['str_digits_check_threshold', 640n],
    ],
    true,
  );
  make(
    'thread_info',
    [
      ['name', 'pthread'],
      ['lock', 'semaphore'],
      ['version', 'NPTL 2.36'],
    ],
    true,
  );
  defineNamespaceType(vm);
  const impl = newNamespace(
    vm,
    [
      ['name', vm.newStr('cpython', C_TEMP)],
      ['cache_tag', vm.newStr('cpython-311', C_TEMP)],
      ['version', vm.ret(versionInfo, C_TEMP)],
      ['hexversion', vm.newInt(HEXVERSION, C_TEMP)],
      ['_multiarch', vm.newStr('x86_64-linux-gnu', C_TEMP)],
    ],
    C_TEMP,
  );
  vm.dictSetStr(dict, 'implementation', impl, C_TEMP, 'move');
}

// ---------------------------------------------------------------------------------
// gc

function intArg(vm: VM, id: ObjectId): number {
  const v = intOf(vm, id);
  if (v === undefined) throw vm.typeError(`'${vm.typeName(id)}' object cannot be interpreted as an integer`);
  return Number(v);
}

const tupleOf = (vm: VM, xs: readonly number[], out: Holder): ObjectId =>
  vm.newTuple(
    xs.map((x) => vm.newInt(BigInt(x), C_TEMP)),
    out,
    C_TEMP,
  );

const gcFunctions: Record<string, Native> = {
  collect: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    for (const k of kwnames ?? [])
      if (k !== 'generation') throw vm.typeError(`'${k}' is an invalid keyword argument for collect()`);
    if (n > 1) throw vm.typeError(`collect() takes at most 1 argument (${n} given)`);
    const g0 = n > 0 ? args[0] : kwarg(args, kwnames, 'generation');
    const g = g0 === undefined ? 2 : intArg(vm, g0);
    if (g < 0 || g > 2) throw vm.pyErr('ValueError', 'invalid generation');
    return vm.newInt(BigInt(vm.rt.collect(g as 0 | 1 | 2)), out);
  },
  get_count: noArgsFn('gc.get_count', (vm, out) => tupleOf(vm, vm.rt.state.gc.counts, out)),
  get_threshold: noArgsFn('gc.get_threshold', (vm, out) => tupleOf(vm, vm.rt.state.gc.thresholds, out)),
  set_threshold: (vm, args, kwnames, out) =>
    vm.withArgsTuple(args, kwnames, () => {
      if (kwnames !== undefined) throw vm.typeError('set_threshold() takes no keyword arguments');
      if (args.length === 0) throw vm.typeError('set_threshold() takes at least 1 argument (0 given)');
      if (args.length > 3) throw vm.typeError(`set_threshold() takes at most 3 arguments (${args.length} given)`);
      const t = [...vm.rt.state.gc.thresholds] as [number, number, number];
      args.forEach((a, i) => (t[i] = intArg(vm, a)));
      vm.rt.setThresholds(t);
      return vm.none(out);
    }),
  isenabled: noArgsFn('gc.isenabled', (vm, out) => vm.bool(vm.rt.state.gc.enabled, out)),
  enable: noArgsFn('gc.enable', (vm, out) => {
    vm.rt.setEnabled(true);
    return vm.none(out);
  }),
  disable: noArgsFn('gc.disable', (vm, out) => {
    vm.rt.setEnabled(false);
    return vm.none(out);
  }),
  is_tracked: (vm, args, kw, out) => {
    const o = vm.rt.object(one(vm, 'gc.is_tracked', args, kw));
    return vm.bool(o.gen >= 0 && o.gen <= 3, out);
  },
  is_finalized: (vm, args, kw, out) => vm.bool(vm.rt.object(one(vm, 'gc.is_finalized', args, kw)).finalized, out),
  get_debug: noArgsFn('gc.get_debug', (vm, out) => vm.newInt(BigInt(vm.rt.state.gc.debug), out)),
  set_debug: (vm, args, kw, out) => {
    vm.rt.setDebug(intArg(vm, one(vm, 'gc.set_debug', args, kw)));
    return vm.none(out);
  },
  get_stats: (vm, args, kwnames, out) => {
    noArgs(vm, 'gc.get_stats', args, kwnames);
    const dicts = vm.rt.state.gc.stats.map((s) => {
      const d = vm.newDict(C_TEMP);
      for (const [k, v] of [
        ['collections', s.collections],
        ['collected', s.collected],
        ['uncollectable', s.uncollectable],
      ] as const) {
        vm.dictSetStr(d, k, vm.newInt(BigInt(v), C_TEMP), C_TEMP, 'move');
      }
      return d;
    });
    return vm.newList(dicts, out, C_TEMP);
  },
  get_referents: (vm, args, kwnames, out) =>
    vm.withArgsTuple(args, kwnames, () => vm.newList(getReferents(vm.rt.state, args), out)),
  get_referrers: (vm, args, kwnames, out) =>
    vm.withArgsTuple(args, kwnames, () => vm.newList(getReferrers(vm.rt.state, args, vm.argsTupleHeld()), out)),
  get_objects: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    for (const k of kwnames ?? [])
      if (k !== 'generation') throw vm.typeError(`'${k}' is an invalid keyword argument for get_objects()`);
    if (n > 1) throw vm.typeError(`get_objects() takes at most 1 argument (${n} given)`);
    const gArg = n > 0 ? args[0] : kwarg(args, kwnames, 'generation');
    let g: number | undefined;
    if (gArg !== undefined && gArg !== vm.statics.none) {
      if (intOf(vm, gArg) === undefined) {
        throw vm.typeError(`argument should be integer or None, not '${vm.typeName(gArg)}'`);
      }
      g = intArg(vm, gArg);
      // -1 (the C default) is every generation, as None is.
      if (g === -1) g = undefined;
      else if (g >= 3)
        throw vm.pyErr('ValueError', 'generation parameter must be less than the number of available generations (3)');
      else if (g < 0) throw vm.pyErr('ValueError', 'generation parameter cannot be negative');
    }
    return vm.newList(getObjects(vm.rt.state, g as 0 | 1 | 2 | undefined), out);
  },
  freeze: noArgsFn('gc.freeze', (vm, out) => {
    vm.rt.freeze();
    return vm.none(out);
  }),
  unfreeze: noArgsFn('gc.unfreeze', (vm, out) => {
    vm.rt.unfreeze();
    return vm.none(out);
  }),
  get_freeze_count: noArgsFn('gc.get_freeze_count', (vm, out) => vm.newInt(BigInt(getFreezeCount(vm.rt.state)), out)),
};

declare module '../vm/vm.js' {
  interface VM {
    /** The argument tuples of the METH_VARARGS calls running (excluded from gc.get_referrers). */
    argsTupleHeld(): ObjectId[];
  }
}

P.argsTupleHeld = function (this: VM) {
  const roots = this.rt.state.roots['c-temp'];
  return roots === undefined ? [] : roots.filter((id) => this.values.get(id)?.t === 'tuple');
};

function gcValues(vm: VM, dict: ObjectId): void {
  for (const [k, v] of [
    ['DEBUG_STATS', 1n],
    ['DEBUG_COLLECTABLE', 2n],
    ['DEBUG_UNCOLLECTABLE', 4n],
    ['DEBUG_SAVEALL', 32n],
    ['DEBUG_LEAK', 38n],
  ] as const) {
    vm.dictSetStr(dict, k, vm.newInt(v, C_TEMP), C_TEMP, 'move');
  }
  for (const listName of ['garbage', 'callbacks'])
    vm.dictSetStr(dict, listName, vm.newList([], C_TEMP), C_TEMP, 'move');
  vm.gcCallbacks = vm.dictGetStr(dict, 'callbacks');
  vm.gcGarbage = vm.dictGetStr(dict, 'garbage');
}

export function defineRuntimeModules(vm: VM): void {
  defineWeakrefModule(vm);
  vm.defineModule('sys', sysFunctions, sysValues);
  vm.defineModule('gc', gcFunctions, gcValues);
  vm.installGcHooks();
}

P.installGcHooks = function (this: VM) {
  const hooks = this.rt.hooks;
  const describe = (fn: ObjectId): string => {
    const v = this.values.get(fn);
    return v?.t === 'function'
      ? `<function ${v.qualname} at 0x${this.rt.object(fn).addr.toString(16)}>`
      : this.reprText(fn);
  };
  hooks.hasFinalizer = (id) => this.hasFinalizer(id);
  hooks.runFinalizer = (id) => this.runFinalizer(id);
  hooks.runWeakrefCallback = (callback, wr) => {
    try {
      this.rt.decref(this.call(callback, [wr], undefined, C_TEMP), C_TEMP);
    } catch (e) {
      if (e instanceof PyRaise) this.reportUnraisable(e, describe(callback));
      else throw e;
    }
  };
  hooks.gcCallbacks = () => {
    const list = this.gcCallbacks;
    if (this.shuttingDown || list === undefined || !this.rt.isAlive(list)) return [];
    const v = this.values.get(list);
    return v?.t === 'list' ? [...v.items] : [];
  };
  hooks.runGcCallback = (callback, phase, info) => {
    const p = this.newStr(phase, C_TEMP);
    const d = this.newDict(C_TEMP);
    for (const [k, n] of [
      ['generation', info.generation],
      ['collected', info.collected],
      ['uncollectable', info.uncollectable],
    ] as const) {
      this.dictSetStr(d, k, this.newInt(BigInt(n), C_TEMP), C_TEMP, 'move');
    }
    try {
      this.rt.decref(this.call(callback, [p, d], undefined, C_TEMP), C_TEMP);
    } catch (e) {
      if (e instanceof PyRaise) this.reportUnraisable(e, describe(callback));
      else throw e;
    } finally {
      this.rt.decref(p, C_TEMP);
      this.rt.decref(d, C_TEMP);
    }
  };
  hooks.saveGarbage = (id) => {
    const garbage = this.gcGarbage;
    if (garbage !== undefined) this.listAppend(garbage, id);
  };
  hooks.debugOutput = (line) => this.write(line + '\n', true);
};

declare module '../vm/vm.js' {
  interface VM {
    /** The object has a finalizer to run (tp_finalize): a `__del__`, or a suspended generator. */
    hasFinalizer(id: ObjectId): boolean;
    runFinalizer(id: ObjectId): void;
  }
}

P.hasFinalizer = function (this: VM, id) {
  const v = this.values.get(id);
  if (v === undefined) return false;
  if (v.t === 'generator') return this.generatorNeedsFinalizer(id);
  const tv = this.typeValue(v.type);
  if (!tv.heap) return false;
  return this.lookupType(v.type, '__del__') !== undefined;
};

P.runFinalizer = function (this: VM, id) {
  const v = this.values.get(id);
  if (v === undefined) return;
  const saved = this.rt.state.line;
  if (v.t === 'generator') {
    try {
      if (v.kind === 'coroutine' && v.state === 'created') {
        this.write(`sys:1: RuntimeWarning: coroutine '${v.qualname}' was never awaited\n`, true);
      }
      this.genClose(id);
    } catch (e) {
      if (e instanceof PyRaise) this.reportUnraisable(e, this.reprText(id));
      else throw e;
    }
    if (saved !== 0) this.rt.line(saved);
    return;
  }
  const del = this.lookupType(v.type, '__del__');
  if (del === undefined) return;
  try {
    this.rt.decref(this.callUnbound(del, id, [], C_TEMP), C_TEMP);
  } catch (e) {
    if (e instanceof PyRaise) {
      const dv = this.values.get(del);
      this.reportUnraisable(
        e,
        dv?.t === 'function'
          ? `<function ${dv.qualname} at 0x${this.rt.object(del).addr.toString(16)}>`
          : this.reprText(del),
      );
    } else throw e;
  }
  if (saved !== 0) this.rt.line(saved);
};

P.sysAttr = function (this: VM, name) {
  const sys = this.dictGetStr(this.sysModules, 'sys');
  return sys === undefined ? undefined : this.dictGetStr(this.as(sys, 'module').dict, name);
};
