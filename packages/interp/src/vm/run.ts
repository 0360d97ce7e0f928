/*
 * Running a program on the VM
 * ===========================
 * What `python3 prog.py` does, simulated: compile the source (before the first line), make
 * `__main__` as start-up leaves it, run the module's code object in a function made for
 * it (PyEval_EvalCode), print an uncaught exception's traceback, then shut down as
 * Py_FinalizeEx does (threading's shutdown, the atexit callbacks, a full collection,
 * `sys.modules` lets go of `__main__`, another full collection), so objects still alive
 * are finalized in CPython's order.
 *
 * Source: Python/pythonrun.c (pyrun_file, run_mod, run_eval_code_obj, PyErr_Print),
 * Python/pylifecycle.c (Py_FinalizeEx, finalize_modules), Modules/main.c (exit codes).
 */
import { EventBudgetExceeded, listMembers, type Diagnostic, type Holder, type ObjectId } from '@pymemsim/core';
import type { CodeObject } from '../compile/code.js';
import { formatSyntaxError, type CompiledSource } from '../compile/source.js';
import { C_TEMP, PyRaise, VM, type VMOptions } from './vm.js';
import './all.js';
import { engineLimit } from '../limits.js';

/** Compile source text to a code object (the compiler of ../compile, or another). */
export type Compiler = (source: string, filename: string, mode: 'exec' | 'eval' | 'single') => CompiledSource;

let defaultCompiler: Compiler | undefined;

/** The compiler the VM uses when its options name none. */
export function setDefaultCompiler(c: Compiler): void {
  defaultCompiler = c;
}

export interface RunOptions extends VMOptions {
  readonly compile?: Compiler;
  /** The program's code object, when it is already compiled. */
  readonly code?: CodeObject;
}

export interface VMRunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  readonly diagnostics: readonly Diagnostic[];
  readonly vm?: VM;
  readonly stopped?: string;
}

declare module './vm.js' {
  interface VM {
    compiler: Compiler | undefined;
    mainModule: ObjectId | undefined;
    /** Make `__main__` (its globals dict) as start-up leaves it. */
    createMain(path: string): ObjectId;
    /** Run a compiled module code object in globals; a Python exception propagates as PyRaise. */
    runModuleCode(co: CodeObject, globals: ObjectId, codeHolder: Holder): void;
    /** Py_FinalizeEx's collections and the release of __main__. */
    shutdown(): void;
  }
}

const P = VM.prototype;

P.createMain = function (this: VM, path) {
  const main = this.newModule('__main__', C_TEMP);
  const globals = this.as(main, 'module').dict;
  this.dictSetStr(globals, '__builtins__', this.builtinsModule, C_TEMP, 'copy');
  this.dictSetStr(globals, '__file__', this.newStr(path, C_TEMP), C_TEMP, 'move');
  this.dictSetStr(globals, '__cached__', this.statics.none, C_TEMP, 'copy');
  this.dictSetStr(this.sysModules, '__main__', main, C_TEMP, 'move');
  this.mainModule = main;
  // The start-up collections promoted what start-up made to the oldest generation.
  const startup = listMembers(this.rt.state, 0);
  if (startup.length > 0) this.rt.emit({ type: 'GcObjectsMoved', ids: startup, to: 2 });
  return globals;
};

P.runModuleCode = function (this: VM, co, globals, codeHolder) {
  const code = this.makeCode(co, codeHolder);
  const fn = this.newFunction(code, globals, C_TEMP);
  this.rt.decref(code, codeHolder);
  try {
    const r = this.runCode(fn, globals, C_TEMP);
    this.rt.decref(r, C_TEMP);
  } finally {
    this.rt.decref(fn, C_TEMP);
  }
};

P.shutdown = function (this: VM) {
  const main = this.mainModule;
  if (main === undefined) return;
  const guarded = (f: () => void): void => {
    try {
      f();
    } catch (e) {
      if (e instanceof PyRaise) this.reportUnraisable(e, 'shutdown');
      else throw e;
    }
  };
  // wait_for_thread_shutdown (threading._shutdown, when threading was imported), then the
  // atexit callbacks, while the interpreter is still whole.
  guarded(() => {
    const threading = this.dictGetStr(this.sysModules, 'threading');
    const fn = threading === undefined ? undefined : this.getAttrOpt(threading, '_shutdown', C_TEMP);
    if (fn === undefined) return;
    try {
      this.rt.decref(this.call(fn, [], undefined, C_TEMP), C_TEMP);
    } finally {
      this.rt.decref(fn, C_TEMP);
    }
  });
  guarded(() => this.runAtexitCallbacks());
  this.shuttingDown = true;
  guarded(() => this.rt.collect(2));
  guarded(() => {
    if (this.dictGetStr(this.sysModules, '__main__') === main) this.dictDelStr(this.sysModules, '__main__');
  });
  this.mainModule = undefined;
  guarded(() => this.rt.collect(2));
};

/** The exit status and stderr text of an uncaught exception (SystemExit's code, else 1 and a traceback). */
function uncaught(vm: VM, e: PyRaise): number {
  if (vm.raised(e, 'SystemExit')) {
    const code = vm.instanceAttr(e.exc, 'code') ?? vm.statics.none;
    const cv = vm.value(code);
    let status = 0;
    if (cv.t === 'int') status = Number(BigInt.asUintN(8, cv.v));
    else if (cv.t === 'bool') status = cv.v ? 1 : 0;
    else if (cv.t !== 'none') {
      vm.write(`${vm.strText(code)}\n`, true);
      status = 1;
    }
    vm.clearRaise(e);
    return status;
  }
  vm.write(vm.formatTraceback(e), true);
  vm.clearRaise(e);
  return 1;
}

/**
 * Run `source` as the program at `path` on a new VM. To record every event from the
 * empty heap, subscribe to the runtime in `options.attach` (before the first event).
 */
export function runOnVM(source: string, path: string, options: RunOptions = {}): VMRunResult {
  const compile = options.compile ?? defaultCompiler;
  if (compile === undefined) throw new Error('no compiler registered');
  const compiled = options.code !== undefined ? { code: options.code, diagnostics: [] } : compile(source, path, 'exec');
  if (compiled.code === undefined) {
    return {
      stdout: '',
      stderr: compiled.error !== undefined ? formatSyntaxError(compiled.error) : 'SyntaxError\n',
      exitCode: 1,
      diagnostics: compiled.diagnostics,
    };
  }
  let vm: VM;
  try {
    vm = new VM({ ...options, argv: options.argv ?? [path] });
  } catch (e) {
    if (e instanceof EventBudgetExceeded)
      return { stdout: '', stderr: '', exitCode: 1, diagnostics: [], stopped: e.message };
    throw e;
  }
  vm.compiler = compile;
  vm.sources.set(path, source);
  let exitCode = 0;
  try {
    const globals = vm.createMain(path);
    try {
      vm.runModuleCode(compiled.code, globals, { kind: 'root', name: 'main code' });
    } catch (e) {
      if (!(e instanceof PyRaise)) throw e;
      exitCode = uncaught(vm, e);
    }
    vm.shutdown();
  } catch (e) {
    // A stop (the event budget, Ctrl-C, a resource limit: limits.ts), or a JavaScript
    // engine limit reached anyway, ends the run where it is; the trace keeps every event.
    const stop = e instanceof EventBudgetExceeded ? e : engineLimit(e);
    if (stop !== undefined) {
      return { stdout: vm.stdout, stderr: vm.stderr, exitCode: 1, diagnostics: [], vm, stopped: stop.message };
    }
    throw e;
  }
  return { stdout: vm.stdout, stderr: vm.stderr, exitCode, diagnostics: [], vm };
}

P.compiler = undefined;
P.mainModule = undefined;
Object.defineProperty(P, 'sources', {
  get(this: VM & { _sources?: Map<string, string> }) {
    return (this._sources ??= new Map());
  },
});
