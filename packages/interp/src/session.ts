/*
 * An interactive session: one module whose frame stays open while more source is
 * executed in it, line by line (what a REPL, a notebook cell or a model-based test
 * does). Each `exec` compiles its text as a code object of its own (as `exec` would),
 * so its constants live as long as that code object, which the session keeps.
 */
import { Interpreter, PyRaise, type InterpreterOptions } from './interpreter.js';
import './builtins.js';
import './weakrefs.js';
import { parseModule } from './parse.js';
import { SourceFile, formatDiagnostic } from './source.js';

export class Session {
  readonly interpreter: Interpreter;

  constructor(options: InterpreterOptions = {}) {
    this.interpreter = new Interpreter(new SourceFile('<session>', ''), options);
    this.interpreter.beginModule({ body: [] });
  }

  get rt() {
    return this.interpreter.rt;
  }

  /** Run more source in the session's module; returns what it printed. A Python exception propagates as PyRaise. */
  exec(source: string): string {
    const { module, diagnostics } = parseModule(source);
    if (diagnostics.length > 0) {
      const src = new SourceFile('<session>', source);
      throw new Error(diagnostics.map((d) => formatDiagnostic(d, src)).join('\n'));
    }
    const before = this.interpreter.stdout.length;
    const resolution = this.interpreter.compileMore(module);
    this.interpreter.execInModule(module, resolution);
    return this.interpreter.stdout.slice(before);
  }

  /** The object a module-level name is bound to. */
  global(name: string) {
    return this.interpreter.global(name);
  }
}

export { PyRaise };
