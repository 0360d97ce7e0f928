/*
 * sys, gc and _weakref: the modules backed by the runtime
 * =======================================================
 * `sys.getrefcount` reads the reference count the runtime keeps (the argument's own
 * reference included, as CPython's does), `sys.getsizeof` the object's size; the gc
 * module drives the collector (core's runtime/gc.ts) and reads its state; `_weakref.ref`
 * makes core weak references. The collector's hooks (weakref callbacks, gc.callbacks,
 * gc.garbage, DEBUG_* output, finalizers) call back into Python from here.
 *
 * Source: Python/sysmodule.c, Modules/gcmodule.c (the module functions),
 * Modules/_weakref.c, Objects/weakrefobject.c.
 */
import {
  getFreezeCount,
  getObjects,
  getReferents,
  getReferrers,
  weakrefReferent,
  weakrefsTo,
  type Holder,
  type ObjectId,
} from '@pymemsim/core';
import { C_TEMP, PyRaise, RECURSION_LIMIT, VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { methods } from '../objects/list.js';
import { intOf } from '../objects/number.js';

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

function noArgs(vm: VM, name: string, args: readonly ObjectId[]): void {
  if (args.length > 0) throw vm.typeError(`${name}() takes no arguments (${args.length} given)`);
}

// ---------------------------------------------------------------------------------
// sys

const sysFunctions: Record<string, Native> = {
  getrefcount: (vm, args, kw, out) => vm.newInt(BigInt(vm.rt.refcount(one(vm, 'getrefcount', args, kw))), out),
  getsizeof: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    if (n < 1 || n > 2) throw vm.typeError(`getsizeof() takes at most 2 arguments (${n} given)`);
    return vm.newInt(BigInt(vm.rt.object(args[0] as ObjectId).size), out);
  },
  intern: (vm, args, kw, out) => {
    const s = one(vm, 'intern', args, kw);
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
  getrecursionlimit: (vm, _args, _kw, out) => vm.newInt(BigInt(RECURSION_LIMIT), out),
  setrecursionlimit: (vm, _args, _kw, out) => vm.none(out),
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
  exit: (vm, args, _kw, out) => {
    void out;
    throw vm.raiseNew(
      vm.typeByName.get('SystemExit') as ObjectId,
      args.map((a) => vm.ret(a, C_TEMP)),
      C_TEMP,
    );
  },
  getdefaultencoding: (vm, _args, _kw, out) => vm.newStr('utf-8', out),
  getfilesystemencoding: (vm, _args, _kw, out) => vm.newStr('utf-8', out),
  get_int_max_str_digits: (vm, _args, _kw, out) => vm.newInt(4300n, out),
  audit: (vm, _args, _kw, out) => vm.none(out),
};

/** The object sys.stdout and sys.stderr are: write() appends to the program's output. */
const streamSlots: TypeSlots = {
  repr: (vm, self) =>
    `<_io.TextIOWrapper name='<${(vm.value(self) as { data: unknown }).data === 'stderr' ? 'stderr' : 'stdout'}>' mode='w' encoding='utf-8'>`,
};

const streamMembers: Record<string, NativeMember> = methods({
  write: (vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const s = one(vm, 'write', args.slice(1), kw);
    const v = vm.value(s);
    if (v.t !== 'str') throw vm.typeError(`write() argument must be str, not ${vm.typeName(s)}`);
    vm.write(v.v, (vm.value(self) as { data: unknown }).data === 'stderr');
    return vm.newInt(BigInt([...v.v].length), out);
  },
  flush: (vm, _args, _kw, out) => vm.none(out),
  isatty: (vm, _args, _kw, out) => vm.bool(false, out),
  fileno: (vm, args, _kw, out) =>
    vm.newInt((vm.value(args[0] as ObjectId) as { data: unknown }).data === 'stderr' ? 2n : 1n, out),
});

function sysValues(vm: VM, dict: ObjectId): void {
  const set = (name: string, v: ObjectId): void => vm.dictSetStr(dict, name, v, C_TEMP, 'move');
  const streamType = vm.defineType({
    name: 'TextIOWrapper',
    module: '_io',
    base: vm.T.object,
    slots: streamSlots,
    members: streamMembers,
  });
  for (const name of ['stdout', 'stderr'] as const) {
    const s = vm.alloc('_io.TextIOWrapper', 'instance', 216, { t: 'native', type: streamType, data: name }, C_TEMP);
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
  set('byteorder', vm.newStr('little', C_TEMP));
  set('platform', vm.newStr('linux', C_TEMP));
  set('version', vm.newStr('3.11.7 (main, simulated by pymemsim)', C_TEMP));
  set('hexversion', vm.newInt(0x030b07f0n, C_TEMP));
  set('api_version', vm.newInt(1013n, C_TEMP));
  set('executable', vm.newStr('python3', C_TEMP));
  set('prefix', vm.newStr('/usr', C_TEMP));
  set('path', vm.newList([], C_TEMP));
  set('meta_path', vm.newList([], C_TEMP));
  set('path_hooks', vm.newList([], C_TEMP));
  set('path_importer_cache', vm.newDict(C_TEMP));
  set(
    'builtin_module_names',
    vm.newTuple(
      ['builtins', 'sys', 'gc', '_weakref'].map((n) => vm.internStr(n, C_TEMP)),
      C_TEMP,
      C_TEMP,
    ),
  );
  set('dont_write_bytecode', vm.bool(true, C_TEMP));
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
    const g0 = n > 0 ? args[0] : kwarg(args, kwnames, 'generation');
    const g = g0 === undefined ? 2 : intArg(vm, g0);
    if (g < 0 || g > 2) throw vm.pyErr('ValueError', 'invalid generation');
    return vm.newInt(BigInt(vm.rt.collect(g as 0 | 1 | 2)), out);
  },
  get_count: (vm, _a, _k, out) => tupleOf(vm, vm.rt.state.gc.counts, out),
  get_threshold: (vm, _a, _k, out) => tupleOf(vm, vm.rt.state.gc.thresholds, out),
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
  isenabled: (vm, _a, _k, out) => vm.bool(vm.rt.state.gc.enabled, out),
  enable: (vm, _a, _k, out) => {
    vm.rt.setEnabled(true);
    return vm.none(out);
  },
  disable: (vm, _a, _k, out) => {
    vm.rt.setEnabled(false);
    return vm.none(out);
  },
  is_tracked: (vm, args, kw, out) => {
    const o = vm.rt.object(one(vm, 'is_tracked', args, kw));
    return vm.bool(o.gen >= 0 && o.gen <= 3, out);
  },
  is_finalized: (vm, args, kw, out) => vm.bool(vm.rt.object(one(vm, 'is_finalized', args, kw)).finalized, out),
  get_debug: (vm, _a, _k, out) => vm.newInt(BigInt(vm.rt.state.gc.debug), out),
  set_debug: (vm, args, kw, out) => {
    vm.rt.setDebug(intArg(vm, one(vm, 'set_debug', args, kw)));
    return vm.none(out);
  },
  get_stats: (vm, args, _k, out) => {
    noArgs(vm, 'get_stats', args);
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
      if (k !== 'generation') throw vm.typeError(`get_objects() got an unexpected keyword argument '${k}'`);
    if (n > 1) throw vm.typeError(`get_objects() takes at most 1 argument (${n} given)`);
    const gArg = n > 0 ? args[0] : kwarg(args, kwnames, 'generation');
    let g: number | undefined;
    if (gArg !== undefined && gArg !== vm.statics.none) {
      if (intOf(vm, gArg) === undefined) {
        throw vm.typeError(`'${vm.typeName(gArg)}' object cannot be interpreted as an integer`);
      }
      g = intArg(vm, gArg);
      if (g >= 3)
        throw vm.pyErr('ValueError', 'generation parameter must be less than the number of available generations (3)');
      if (g < 0) throw vm.pyErr('ValueError', 'generation parameter cannot be negative');
    }
    return vm.newList(getObjects(vm.rt.state, g as 0 | 1 | 2 | undefined), out);
  },
  freeze: (vm, _a, _k, out) => {
    vm.rt.freeze();
    return vm.none(out);
  },
  unfreeze: (vm, _a, _k, out) => {
    vm.rt.unfreeze();
    return vm.none(out);
  },
  get_freeze_count: (vm, _a, _k, out) => vm.newInt(BigInt(getFreezeCount(vm.rt.state)), out),
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

// ---------------------------------------------------------------------------------
// _weakref

/** Types whose instances can be weakly referenced (tp_weaklistoffset != 0). */
function weakrefable(vm: VM, obj: ObjectId): boolean {
  const v = vm.value(obj);
  const tv = vm.typeValue(v.type);
  if (tv.heap) return tv.hasWeakref || vm.typeValue(vm.builtinBase(v.type)).hasWeakref;
  return tv.hasWeakref;
}

function newWeakref(vm: VM, referent: ObjectId, callback: ObjectId | undefined, out: Holder): ObjectId {
  if (!weakrefable(vm, referent))
    throw vm.typeError(`cannot create weak reference to '${vm.typeName(referent)}' object`);
  const cb = callback === undefined || callback === vm.statics.none ? undefined : callback;
  const wr = vm.rt.newWeakref(referent, cb, out);
  if (!vm.values.has(wr)) vm.values.set(wr, { t: 'weakref', type: vm.T.weakref, callback: cb });
  return wr;
}

const wrSlots: TypeSlots = {
  new: (vm, _type, args, kwnames, out) => {
    if (kwnames !== undefined) throw vm.typeError('ref() takes no keyword arguments');
    if (args.length < 1 || args.length > 2)
      throw vm.typeError(`__new__ expected at most 2 arguments, got ${args.length}`);
    return newWeakref(vm, args[0] as ObjectId, args[1], out);
  },
  init: () => undefined,
  call: (vm, self, args, kwnames, out) => {
    if (args.length > 0 || kwnames !== undefined) throw vm.typeError(`weakref() takes no arguments`);
    return vm.ret(weakrefReferent(vm.rt.state, self) ?? vm.statics.none, out);
  },
  repr: (vm, self) => {
    const r = weakrefReferent(vm.rt.state, self);
    const at = `0x${vm.rt.object(self).addr.toString(16)}`;
    if (r === undefined) return `<weakref at ${at}; dead>`;
    return `<weakref at ${at}; to '${vm.typeName(r)}' at 0x${vm.rt.object(r).addr.toString(16)}>`;
  },
  hash: (vm, self) => {
    const r = weakrefReferent(vm.rt.state, self);
    if (r === undefined) throw vm.typeError('weak object has gone away');
    return vm.hash(r);
  },
  compare: (vm, a, b, op) => {
    if ((op !== '==' && op !== '!=') || vm.value(b).t !== 'weakref') return undefined;
    const ra = weakrefReferent(vm.rt.state, a);
    const rb = weakrefReferent(vm.rt.state, b);
    if (ra === undefined || rb === undefined) return op === '==' ? a === b : a !== b;
    return vm.richCompareBool(ra, rb, op);
  },
};

const weakrefFunctions: Record<string, Native> = {
  getweakrefcount: (vm, args, kw, out) =>
    vm.newInt(BigInt(weakrefsTo(vm.rt.state, one(vm, 'getweakrefcount', args, kw)).length), out),
  getweakrefs: (vm, args, kw, out) => vm.newList(weakrefsTo(vm.rt.state, one(vm, 'getweakrefs', args, kw)), out),
  _remove_dead_weakref: (vm, args, _kw, out) => {
    const [d, key] = args as [ObjectId, ObjectId];
    const v = vm.dictGet(d, key);
    if (v !== undefined && weakrefReferent(vm.rt.state, v) === undefined) vm.dictDel(d, key);
    return vm.none(out);
  },
};

export function defineRuntimeModules(vm: VM): void {
  vm.T.weakref = vm.defineType({ name: 'ReferenceType', module: '_weakref', base: vm.T.object, slots: wrSlots });
  vm.typeByName.set('weakref', vm.T.weakref);
  vm.defineModule('sys', sysFunctions, sysValues);
  vm.defineModule('gc', gcFunctions, gcValues);
  vm.defineModule('_weakref', weakrefFunctions, (vm2, dict) => {
    vm2.dictSetStr(dict, 'ref', vm2.T.weakref, C_TEMP, 'copy');
    vm2.dictSetStr(dict, 'ReferenceType', vm2.T.weakref, C_TEMP, 'copy');
  });
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
