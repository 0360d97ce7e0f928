/*
 * An interactive session: one `__main__` module whose globals stay while more source is
 * executed in it, piece by piece (what a REPL, a notebook cell or a model-based test
 * does). Each `exec` compiles its text as a module code object of its own and runs it in
 * the session's globals, as `exec(source, globals)` would; the code object goes when the
 * piece has run, unless something it made (a function) keeps it.
 */
import type { ObjectId } from '@pymemsim/core';
import { compileSource, formatSyntaxError } from './compile/source.js';
import { programFinders, type ProgramOptions } from './run.js';
import { PyRaise, VM } from './vm/vm.js';
import './vm/run.js';

const SESSION_FILE = '<session>';

export class Session {
  readonly vm: VM;
  private readonly globals: ObjectId;

  constructor(options: ProgramOptions = {}) {
    this.vm = new VM({ ...options, finders: options.finders ?? programFinders(SESSION_FILE, options) });
    this.vm.compiler = compileSource;
    this.globals = this.vm.createMain(SESSION_FILE);
  }

  get rt() {
    return this.vm.rt;
  }

  /**
   * Run more source in the session's module; returns what it printed. A source that does
   * not compile throws an Error with CPython's SyntaxError text; a Python exception
   * propagates as PyRaise (the caller clears it with `vm.clearRaise`).
   */
  exec(source: string): string {
    const compiled = compileSource(source, SESSION_FILE, 'exec');
    if (compiled.code === undefined) {
      throw new Error(compiled.error !== undefined ? formatSyntaxError(compiled.error) : 'SyntaxError');
    }
    this.vm.sources.set(SESSION_FILE, source);
    const before = this.vm.stdout.length;
    this.vm.runModuleCode(compiled.code, this.globals, { kind: 'root', name: 'session code' });
    return this.vm.stdout.slice(before);
  }

  /** The object a module-level name is bound to. */
  global(name: string): ObjectId | undefined {
    return this.vm.dictGetStr(this.globals, name);
  }
}

export { PyRaise };
