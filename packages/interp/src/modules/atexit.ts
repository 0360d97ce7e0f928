/*
 * atexit
 * ======
 * Functions registered to run when the interpreter shuts down. The interpreter state
 * holds each callback's function, its argument tuple and its keyword dict (references
 * of the root `atexit callbacks`) until they run or are unregistered. Py_FinalizeEx calls
 * them (vm/run.ts `shutdown()`, through `runAtexitCallbacks`) after threading's shutdown
 * and before its garbage collections: last registered first, an exception reported as
 * "Exception ignored in atexit callback" and the rest still run; then all are released.
 *
 * Source: Modules/atexitmodule.c (3.11: atexit_register, atexit_unregister,
 * atexit_callfuncs, atexit_cleanup), Python/pylifecycle.c (Py_FinalizeEx).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, PyRaise, VM } from '../vm/vm.js';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { npos } from '../vm/native.js';

interface Callback {
  func: ObjectId;
  args: ObjectId;
  kwargs: ObjectId | undefined;
}

const ATEXIT: Holder = { kind: 'root', name: 'atexit callbacks' };

/** The interpreter's callbacks, in registration order (undefined: unregistered). */
const registries = new WeakMap<VM, (Callback | undefined)[]>();

function registry(vm: VM): (Callback | undefined)[] {
  let r = registries.get(vm);
  if (r === undefined) registries.set(vm, (r = []));
  return r;
}

function release(vm: VM, cb: Callback): void {
  vm.rt.decref(cb.func, ATEXIT);
  vm.rt.decref(cb.args, ATEXIT);
  if (cb.kwargs !== undefined) vm.rt.decref(cb.kwargs, ATEXIT);
}

/** atexit_cleanup: every callback released. */
function cleanup(vm: VM): void {
  const r = registry(vm);
  const all = r.splice(0);
  for (const cb of all) if (cb !== undefined) release(vm, cb);
}

declare module '../vm/vm.js' {
  interface VM {
    /** _PyAtExit_Call: the registered functions, last first; then they are released. */
    runAtexitCallbacks(): void;
  }
}

VM.prototype.runAtexitCallbacks = function (this: VM) {
  const r = registry(this);
  for (let i = r.length - 1; i >= 0; i--) {
    const cb = r[i];
    if (cb === undefined) continue;
    // The call may unregister it: the function is held meanwhile.
    const func = this.ret(cb.func, C_TEMP);
    try {
      this.rt.decref(this.callTuple(cb.func, cb.args, cb.kwargs, C_TEMP), C_TEMP);
    } catch (e) {
      if (e instanceof PyRaise) this.reportUnraisable(e, this.reprText(func), 'Exception ignored in atexit callback');
      else throw e;
    } finally {
      this.rt.decref(func, C_TEMP);
    }
  }
  cleanup(this);
};

const atexitFunctions: Record<string, Native> = {
  register: (vm, args, kwnames, out) => {
    const n = npos(args, kwnames);
    if (n < 1) throw vm.typeError('register() takes at least 1 argument (0 given)');
    const func = args[0] as ObjectId;
    if (!vm.isCallable(func)) throw vm.typeError('the first argument must be callable');
    const cbArgs = vm.newTuple(args.slice(1, n), ATEXIT);
    let kwargs: ObjectId | undefined;
    if (kwnames !== undefined && kwnames.length > 0) {
      kwargs = vm.newDict(ATEXIT);
      for (let i = 0; i < kwnames.length; i++)
        vm.dictSetStr(kwargs, kwnames[i] as string, args[n + i] as ObjectId, C_TEMP, 'copy');
    }
    vm.rt.incref(func, ATEXIT);
    registry(vm).push({ func, args: cbArgs, kwargs });
    return vm.ret(func, out);
  },
  unregister: (vm, args, kwnames, out) => {
    if (kwnames !== undefined || args.length !== 1)
      throw vm.typeError(`unregister() takes exactly one argument (${args.length} given)`);
    const func = args[0] as ObjectId;
    const r = registry(vm);
    for (let i = 0; i < r.length; i++) {
      const cb = r[i];
      if (cb === undefined) continue;
      if (vm.richCompareBool(cb.func, func, '==')) {
        r[i] = undefined;
        release(vm, cb);
      }
    }
    return vm.none(out);
  },
  _run_exitfuncs: (vm, _args, _kw, out) => {
    vm.runAtexitCallbacks();
    return vm.none(out);
  },
  _clear: (vm, _args, _kw, out) => {
    cleanup(vm);
    return vm.none(out);
  },
  // Unregistered callbacks leave an empty slot that still counts (state->ncallbacks).
  _ncallbacks: (vm, _args, _kw, out) => vm.newInt(BigInt(registry(vm).length), out),
};

registerBuiltinModule('atexit', (vm, _module, dict) => vm.addFunctions(dict, 'atexit', atexitFunctions));
