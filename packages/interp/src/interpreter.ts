/*
 * The evaluator
 * =============
 * Runs the typed AST on the simulated runtime, holding every reference CPython 3.11's
 * bytecode holds, so `sys.getrefcount` prints the numbers CPython prints. Each
 * expression leaves its result as a temporary on the current frame's evaluation stack
 * (a `stack` holder); consumers move it (STORE_FAST, BUILD_LIST, arguments into a
 * callee) or release it (POP_TOP, operands after an operation).
 *
 * Source: Python/ceval.c (3.11): LOAD_NAME/LOAD_FAST/LOAD_GLOBAL/LOAD_CONST,
 * STORE_NAME/STORE_FAST, DELETE_NAME/DELETE_FAST, BUILD_LIST, LIST_EXTEND,
 * LOAD_METHOD, PRECALL/CALL, RETURN_VALUE; Python/frame.c _PyFrame_Clear;
 * Objects/dictobject.c insertdict, delitem_common; Python/compile.c constant merging.
 *
 * Read first: `execStmt` and `evalExpr`.
 *
 * Worked example (module level, RC-7): `a = []` then `print(sys.getrefcount(a))`:
 *   BUILD_LIST 0          list allocated, held by the module frame's stack
 *   STORE_NAME a          +1 globals['a'], -1 stack                    -> count 1
 *   LOAD_NAME sys, LOAD_METHOD getrefcount, LOAD_NAME a   +1 stack      -> count 2
 *   CALL 1                getrefcount reads 2; the argument is released after the call.
 *
 * Simplifications (this subset): module globals, builtins and the `gc`/`sys` modules are
 * modelled as dicts of the objects a program can reach; method descriptors, the str
 * objects `print` makes internally, and interpreter start-up objects are not modelled.
 */
import {
  EventBudgetExceeded,
  Runtime,
  bootstrapStatics,
  dictSize,
  intSize,
  listPreallocateExact,
  listResize,
  listSize,
  LIST_OBJECT_SIZE,
  strSize,
  tupleSize,
  FIXED_SIZES,
  type FrameId,
  type Holder,
  type ObjectId,
  type RuntimeOptions,
  type Span,
  type Statics,
} from '@pymemsim/core';
import type { Expr, Module, Stmt } from './ast.js';
import type { SourceFile } from './source.js';

export { EventBudgetExceeded };

/** A Python exception raised by the simulated program (simulated behaviour, not a TypeScript error). */
export class PyException extends Error {
  constructor(
    readonly pyType: string,
    readonly pyMessage: string,
    readonly span: Span,
    readonly traceback: { line: number; name: string }[] = [],
  ) {
    super(`${pyType}: ${pyMessage}`);
  }
}

type PyValue =
  | { t: 'int'; v: bigint }
  | { t: 'str'; v: string }
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | { t: 'list'; items: ObjectId[]; allocated: number }
  | { t: 'tuple'; items: ObjectId[] }
  | { t: 'dict'; keys: Map<string, { key: ObjectId; value: ObjectId }>; table: number }
  | { t: 'function'; name: string; params: readonly string[]; body: readonly Stmt[]; code: ObjectId; globals: ObjectId }
  | { t: 'code'; name: string; consts: ObjectId[] }
  | { t: 'module'; name: string; dict: ObjectId }
  | { t: 'builtin'; name: string };

type Scope = { frame: FrameId; kind: 'module' } | { frame: FrameId; kind: 'function'; fn: ObjectId };

export interface InterpreterOptions extends RuntimeOptions {
  /** Called with the new runtime before its first event (to record every event from the empty heap). */
  readonly attach?: (rt: Runtime) => void;
}

/** Python's maximum recursion depth (sys.getrecursionlimit()). */
export const RECURSION_LIMIT = 1000;

export class Interpreter {
  readonly rt: Runtime;
  readonly statics: Statics;
  readonly values = new Map<ObjectId, PyValue>();
  stdout = '';
  private readonly modules = new Map<string, ObjectId>();
  private builtins!: ObjectId;
  private readonly constCache = new Map<string, ObjectId>();
  private depth = 0;
  /** Constants the compiler still holds until the code objects own them. */
  private readonly pendingCompilerRefs: ObjectId[] = [];

  constructor(
    readonly source: SourceFile,
    options: InterpreterOptions = {},
  ) {
    this.rt = new Runtime(options);
    options.attach?.(this.rt);
    this.rt.hooks.freed = (id) => {
      this.values.delete(id);
    };
    this.statics = bootstrapStatics(this.rt);
    this.values.set(this.statics.none, { t: 'none' });
    this.values.set(this.statics.true, { t: 'bool', v: true });
    this.values.set(this.statics.false, { t: 'bool', v: false });
    this.values.set(this.statics.emptyStr, { t: 'str', v: '' });
    this.values.set(this.statics.emptyTuple, { t: 'tuple', items: [] });
    for (let v = -5; v <= 256; v++) {
      const id = this.statics.smallInt(v);
      if (id !== undefined) this.values.set(id, { t: 'int', v: BigInt(v) });
    }
    this.setUpModules();
  }

  // -------------------------------------------------------------------------------
  // Start-up: builtins, sys and gc as modules held by `sys.modules`.

  private setUpModules(): void {
    const root: Holder = { kind: 'root', name: 'sys.modules' };
    const functions: Record<string, string[]> = {
      builtins: ['print'],
      sys: ['getrefcount', 'getsizeof'],
      gc: ['collect', 'get_count', 'get_threshold', 'isenabled', 'enable', 'disable', 'is_tracked'],
    };
    for (const [name, fns] of Object.entries(functions)) {
      const mod = this.alloc('module', 'module', FIXED_SIZES.module, { t: 'module', name, dict: 0 as ObjectId }, root);
      const dict = this.newDict({ kind: 'object', owner: mod, slot: '__dict__' });
      (this.value(mod) as { dict: ObjectId }).dict = dict;
      for (const fn of fns) {
        const f = this.alloc(
          'builtin_function_or_method',
          'builtin',
          FIXED_SIZES.builtinMethod,
          { t: 'builtin', name: `${name}.${fn}` },
          {
            kind: 'root',
            name: 'c-temp',
          },
        );
        this.dictSet(dict, fn, f, { kind: 'root', name: 'c-temp' }, 'move');
      }
      this.modules.set(name, mod);
      if (name === 'builtins') this.builtins = mod;
    }
  }

  // -------------------------------------------------------------------------------
  // Values.

  value(id: ObjectId): PyValue {
    const v = this.values.get(id);
    if (v === undefined) throw new Error(`no value for object #${id}`);
    return v;
  }

  private alloc(pyType: string, kind: string, size: number, value: PyValue, holder: Holder, alloc?: number): ObjectId {
    const repr = value.t === 'int' || value.t === 'str' ? this.repr(value) : '';
    const id = this.rt.allocate({ pyType, kind, size, repr, ...(alloc !== undefined ? { alloc } : {}) }, holder);
    this.values.set(id, value);
    return id;
  }

  /** An int result: the cached small int (ID-1) or a new object. */
  newInt(v: bigint, holder: Holder): ObjectId {
    const cached = this.statics.smallInt(v);
    if (cached !== undefined) {
      this.rt.incref(cached, holder);
      return cached;
    }
    return this.alloc('int', 'int', intSize(v), { t: 'int', v }, holder);
  }

  newStr(s: string, holder: Holder): ObjectId {
    if (s === '') {
      this.rt.incref(this.statics.emptyStr, holder);
      return this.statics.emptyStr;
    }
    return this.alloc('str', 'str', strSize(s), { t: 'str', v: s }, holder);
  }

  private newDict(holder: Holder): ObjectId {
    return this.alloc('dict', 'dict', dictSize(0, true), { t: 'dict', keys: new Map(), table: 0 }, holder);
  }

  private ret(id: ObjectId, holder: Holder): ObjectId {
    this.rt.incref(id, holder);
    return id;
  }

  none(holder: Holder): ObjectId {
    return this.ret(this.statics.none, holder);
  }

  // -------------------------------------------------------------------------------
  // Dicts (module namespaces): insertdict and delitem_common.

  /** Store `value` under `name`; `how` says whether the caller's reference moves in or is copied. */
  private dictSet(dict: ObjectId, name: string, value: ObjectId, from: Holder, how: 'move' | 'copy'): void {
    const d = this.value(dict);
    if (d.t !== 'dict') throw new Error('not a dict');
    const slot: Holder = { kind: 'object', owner: dict, slot: `[${JSON.stringify(name)}]` };
    const entry = d.keys.get(name);
    if (entry !== undefined) {
      // insertdict on an existing key: the new value in, then the old value out.
      const old = entry.value;
      entry.value = value;
      this.rt.incref(value, slot);
      if (how === 'move') this.rt.decref(value, from);
      this.rt.decref(old, slot);
      return;
    }
    const key = this.newStr(name, { kind: 'object', owner: dict, slot: 'key' });
    d.keys.set(name, { key, value });
    this.rt.incref(value, slot);
    this.growDict(dict, d);
    if (how === 'move') this.rt.decref(value, from);
  }

  private growDict(dict: ObjectId, d: PyValue & { t: 'dict' }): void {
    const used = d.keys.size;
    if (d.table === 0 || used > Math.floor((2 * d.table) / 3)) {
      let size = 8;
      while (Math.floor((2 * size) / 3) < used) size *= 2;
      d.table = size;
      this.rt.resize(dict, dictSize(size, true));
    }
  }

  private dictDel(dict: ObjectId, name: string): boolean {
    const d = this.value(dict);
    if (d.t !== 'dict') throw new Error('not a dict');
    const entry = d.keys.get(name);
    if (entry === undefined) return false;
    d.keys.delete(name);
    this.rt.decref(entry.key, { kind: 'object', owner: dict, slot: 'key' });
    this.rt.decref(entry.value, { kind: 'object', owner: dict, slot: `[${JSON.stringify(name)}]` });
    return true;
  }

  // -------------------------------------------------------------------------------
  // Running a module.

  private main: { scope: Scope; globals: ObjectId } | undefined;

  /** Run a module; uncaught Python exceptions propagate as PyException. */
  runModule(module: Module): void {
    this.beginModule(module);
    this.execInModule(module);
    this.endModule();
  }

  /** Create `__main__`, its globals and code object, and enter the module frame. */
  beginModule(module: Module): void {
    const root: Holder = { kind: 'root', name: 'sys.modules' };
    const main = this.alloc(
      'module',
      'module',
      FIXED_SIZES.module,
      { t: 'module', name: '__main__', dict: 0 as ObjectId },
      root,
    );
    const globals = this.newDict({ kind: 'object', owner: main, slot: '__dict__' });
    (this.value(main) as { dict: ObjectId }).dict = globals;
    this.modules.set('__main__', main);
    const code = this.makeCode('<module>', module.body, { kind: 'root', name: 'main code' });
    const frame = this.rt.enterFrame('<module>');
    this.rt.incref(code, { kind: 'frame', frame, name: '(code)' });
    this.main = { scope: { frame, kind: 'module' }, globals };
  }

  /** Execute statements in the running module frame (a whole program, or one more line of a session). */
  execInModule(module: Module, code?: ObjectId): void {
    const main = this.main;
    if (main === undefined) throw new Error('no module is running');
    if (code !== undefined) this.releaseCompilerRefs();
    try {
      this.execBlock(module.body, main.scope, main.globals);
    } catch (e) {
      if (e instanceof PyException) e.traceback.unshift({ line: this.rt.state.line, name: '<module>' });
      throw e;
    }
  }

  /** Compile more statements for the running module: their constants are held by a new code object. */
  compileMore(module: Module): ObjectId {
    return this.makeCode('<module>', module.body, { kind: 'root', name: 'session code' });
  }

  /** Leave the module frame (the module and its globals stay, held by `sys.modules`). */
  endModule(): void {
    if (this.main === undefined) return;
    this.rt.exitFrame(this.main.scope.frame);
    this.main = undefined;
  }

  /** The object a module-level name is bound to, if any. */
  global(name: string): ObjectId | undefined {
    const g = this.main?.globals;
    if (g === undefined) return undefined;
    return (this.value(g) as PyValue & { t: 'dict' }).keys.get(name)?.value;
  }

  /** A code object holding the constants of its body (ID-3: equal constants merged across the module). */
  private makeCode(name: string, body: readonly Stmt[], holder: Holder): ObjectId {
    const code = this.alloc('code', 'code', FIXED_SIZES.code, { t: 'code', name, consts: [] }, holder);
    const consts = (this.value(code) as { consts: ObjectId[] }).consts;
    const seen = new Set<ObjectId>();
    const add = (id: ObjectId): void => {
      if (seen.has(id)) return;
      seen.add(id);
      consts.push(id);
      this.rt.incref(id, { kind: 'object', owner: code, slot: 'co_consts' });
    };
    const visitExpr = (e: Expr): void => {
      switch (e.k) {
        case 'Int':
        case 'Str':
          add(this.constant(e));
          return;
        case 'List':
        case 'Tuple':
          e.elts.forEach(visitExpr);
          if (e.k === 'List' && e.elts.length >= 3 && e.elts.every(isConstant)) add(this.constTuple(e.elts));
          return;
        case 'Call':
          visitExpr(e.func);
          e.args.forEach(visitExpr);
          return;
        case 'Attr':
          visitExpr(e.obj);
          return;
        case 'BinOp':
          visitExpr(e.left);
          visitExpr(e.right);
          return;
        case 'Name':
        case 'Const':
          return;
      }
    };
    const visit = (s: Stmt): void => {
      switch (s.k) {
        case 'Assign':
          visitExpr(s.value);
          return;
        case 'Expr':
          visitExpr(s.expr);
          return;
        case 'Return':
          if (s.value !== undefined) visitExpr(s.value);
          return;
        case 'Def':
          // The function's own code object is a constant of the enclosing code.
          add(this.makeCode(s.name, s.body, { kind: 'root', name: 'c-temp' }));
          this.rt.decref(consts.at(-1) as ObjectId, { kind: 'root', name: 'c-temp' });
          return;
        case 'Del':
        case 'Import':
        case 'Pass':
          return;
      }
    };
    body.forEach(visit);
    return code;
  }

  /** The shared constant object for a literal (created once per run, held by the code objects). */
  private constant(e: Expr & { k: 'Int' | 'Str' }): ObjectId {
    const key = `${e.k}:${String(e.value)}`;
    const cached = this.constCache.get(key);
    if (cached !== undefined && this.rt.isAlive(cached)) return cached;
    const temp: Holder = { kind: 'root', name: 'compiler' };
    const id = e.k === 'Int' ? this.newInt(e.value, temp) : this.newStr(e.value, temp);
    this.constCache.set(key, id);
    // The compiler's reference goes away once a code object holds the constant.
    this.pendingCompilerRefs.push(id);
    return id;
  }

  private constTuple(elts: readonly Expr[]): ObjectId {
    const items = elts.map((e) => (e.k === 'Int' || e.k === 'Str' ? this.constant(e) : this.constId(e)));
    const temp: Holder = { kind: 'root', name: 'compiler' };
    const t = this.alloc('tuple', 'tuple', tupleSize(items.length), { t: 'tuple', items }, temp);
    for (const item of items) this.rt.incref(item, { kind: 'object', owner: t, slot: 'item' });
    this.pendingCompilerRefs.push(t);
    this.constCache.set(`tuple:${items.join(',')}`, t);
    return t;
  }

  private constId(e: Expr): ObjectId {
    if (e.k === 'Const')
      return e.value === 'None' ? this.statics.none : e.value === 'True' ? this.statics.true : this.statics.false;
    throw new Error('not a constant');
  }

  private execBlock(body: readonly Stmt[], scope: Scope, globals: ObjectId): ObjectId | undefined {
    this.releaseCompilerRefs();
    for (const s of body) {
      const r = this.execStmt(s, scope, globals);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  private releaseCompilerRefs(): void {
    for (let id = this.pendingCompilerRefs.pop(); id !== undefined; id = this.pendingCompilerRefs.pop()) {
      this.rt.decref(id, { kind: 'root', name: 'compiler' });
    }
  }

  private line(span: Span): void {
    this.rt.line(this.source.lineCol(span.start).line);
  }

  /** Executes one statement; returns the value being returned (a stack temporary) for `return`. */
  private execStmt(s: Stmt, scope: Scope, globals: ObjectId): ObjectId | undefined {
    this.line(s.span);
    const stack: Holder = { kind: 'stack', frame: scope.frame };
    switch (s.k) {
      case 'Assign': {
        const v = this.evalExpr(s.value, scope, globals);
        this.store(s.target, v, scope, globals);
        return undefined;
      }
      case 'Expr': {
        const v = this.evalExpr(s.expr, scope, globals);
        this.rt.decref(v, stack); // POP_TOP
        return undefined;
      }
      case 'Del':
        for (const n of s.names) {
          if (scope.kind === 'module') {
            if (!this.dictDel(globals, n.id))
              throw new PyException('NameError', `name '${n.id}' is not defined`, n.span);
          } else {
            const id = this.rt.state.frames[scope.frame]?.vars[n.id];
            if (id === undefined) {
              throw new PyException(
                'UnboundLocalError',
                `cannot access local variable '${n.id}' where it is not associated with a value`,
                n.span,
              );
            }
            this.rt.decref(id, { kind: 'frame', frame: scope.frame, name: n.id });
          }
        }
        return undefined;
      case 'Def': {
        const code = this.findCode(s.name, scope);
        const fn = this.alloc(
          'function',
          'function',
          FIXED_SIZES.function,
          { t: 'function', name: s.name, params: s.params, body: s.body, code, globals },
          stack,
        );
        const own = (id: ObjectId, slot: string): void => this.rt.incref(id, { kind: 'object', owner: fn, slot });
        own(code, '__code__');
        own(globals, '__globals__');
        const name = this.newStr(s.name, { kind: 'object', owner: fn, slot: '__name__' });
        own(name, '__qualname__');
        this.store(s.name, fn, scope, globals);
        return undefined;
      }
      case 'Return': {
        if (s.value === undefined) return this.none(stack);
        return this.evalExpr(s.value, scope, globals);
      }
      case 'Import':
        for (const name of s.names) {
          const mod = this.modules.get(name);
          if (mod === undefined) throw new PyException('ModuleNotFoundError', `No module named '${name}'`, s.span);
          this.rt.incref(mod, stack); // IMPORT_NAME
          this.store(name, mod, scope, globals);
        }
        return undefined;
      case 'Pass':
        return undefined;
    }
  }

  private findCode(name: string, scope: Scope): ObjectId {
    const owner =
      scope.kind === 'module'
        ? this.rt.state.frames[scope.frame]?.vars['(code)']
        : (this.value(scope.fn) as { code: ObjectId }).code;
    const consts = owner === undefined ? [] : (this.value(owner) as { consts: ObjectId[] }).consts;
    for (const c of consts) {
      const v = this.values.get(c);
      if (v?.t === 'code' && v.name === name) return c;
    }
    throw new Error(`no code object for ${name}`);
  }

  /** STORE_NAME (module: a dict insert) or STORE_FAST (function: the reference moves into the slot). */
  private store(name: string, v: ObjectId, scope: Scope, globals: ObjectId): void {
    const stack: Holder = { kind: 'stack', frame: scope.frame };
    if (scope.kind === 'module') {
      this.dictSet(globals, name, v, stack, 'move');
      return;
    }
    const slot: Holder = { kind: 'frame', frame: scope.frame, name };
    const old = this.rt.state.frames[scope.frame]?.vars[name];
    this.rt.move(v, stack, slot);
    if (old !== undefined) this.rt.decref(old, slot);
  }

  /** LOAD_NAME / LOAD_FAST / LOAD_GLOBAL: look the name up and push a new reference. */
  private load(name: string, span: Span, scope: Scope, globals: ObjectId): ObjectId {
    const stack: Holder = { kind: 'stack', frame: scope.frame };
    if (scope.kind === 'function') {
      const fn = this.value(scope.fn) as { params: readonly string[]; body: readonly Stmt[] };
      const local = this.rt.state.frames[scope.frame]?.vars[name];
      if (local !== undefined) return this.ret(local, stack);
      if (fn.params.includes(name) || assignsLocally(fn.body, name)) {
        throw new PyException(
          'UnboundLocalError',
          `cannot access local variable '${name}' where it is not associated with a value`,
          span,
        );
      }
    }
    for (const ns of [globals, (this.value(this.builtins) as { dict: ObjectId }).dict]) {
      const entry = (this.value(ns) as PyValue & { t: 'dict' }).keys.get(name);
      if (entry !== undefined) return this.ret(entry.value, stack);
    }
    throw new PyException('NameError', `name '${name}' is not defined`, span);
  }

  evalExpr(e: Expr, scope: Scope, globals: ObjectId): ObjectId {
    const stack: Holder = { kind: 'stack', frame: scope.frame };
    switch (e.k) {
      case 'Name':
        return this.load(e.id, e.span, scope, globals);
      case 'Int':
      case 'Str':
        return this.ret(this.constant(e), stack); // LOAD_CONST
      case 'Const':
        return this.ret(this.constId(e), stack);
      case 'List':
        return this.buildList(e.elts, scope, globals);
      case 'Tuple': {
        if (e.elts.length === 0) return this.ret(this.statics.emptyTuple, stack);
        const items = e.elts.map((x) => this.evalExpr(x, scope, globals));
        const t = this.alloc('tuple', 'tuple', tupleSize(items.length), { t: 'tuple', items }, stack);
        for (const item of items) this.rt.move(item, stack, { kind: 'object', owner: t, slot: 'item' });
        return t;
      }
      case 'Attr': {
        const obj = this.evalExpr(e.obj, scope, globals);
        const v = this.value(obj);
        if (v.t === 'module') {
          const entry = (this.value(v.dict) as PyValue & { t: 'dict' }).keys.get(e.name);
          if (entry === undefined) {
            throw new PyException('AttributeError', `module '${v.name}' has no attribute '${e.name}'`, e.span);
          }
          this.rt.incref(entry.value, stack);
          this.rt.decref(obj, stack);
          return entry.value;
        }
        throw new PyException('AttributeError', `'${this.typeName(obj)}' object has no attribute '${e.name}'`, e.span);
      }
      case 'Call':
        return this.call(e, scope, globals);
      case 'BinOp': {
        // BINARY_OP: the result is pushed, then the operands are released, left first.
        const left = this.evalExpr(e.left, scope, globals);
        const right = this.evalExpr(e.right, scope, globals);
        const result = this.binaryOp(e, left, right, stack);
        this.rt.decref(left, stack);
        this.rt.decref(right, stack);
        return result;
      }
    }
  }

  private binaryOp(e: Expr & { k: 'BinOp' }, left: ObjectId, right: ObjectId, stack: Holder): ObjectId {
    const l = this.value(left);
    const r = this.value(right);
    if (l.t === 'int' && r.t === 'int') {
      const v = e.op === '+' ? l.v + r.v : e.op === '-' ? l.v - r.v : l.v * r.v;
      return this.newInt(v, stack);
    }
    if (e.op === '+' && l.t === 'str' && r.t === 'str') return this.newStr(l.v + r.v, stack);
    this.rt.decref(left, stack);
    this.rt.decref(right, stack);
    throw new PyException(
      'TypeError',
      `unsupported operand type(s) for ${e.op}: '${this.typeName(left)}' and '${this.typeName(right)}'`,
      e.span,
    );
  }

  /** BUILD_LIST n (exact size, OBJ-8b), or BUILD_LIST 0 + LIST_EXTEND of a constant tuple (OBJ-8c). */
  private buildList(elts: readonly Expr[], scope: Scope, globals: ObjectId): ObjectId {
    const stack: Holder = { kind: 'stack', frame: scope.frame };
    if (elts.length >= 3 && elts.every(isConstant)) {
      const items = elts.map((x) => (x.k === 'Int' || x.k === 'Str' ? this.constant(x) : this.constId(x)));
      const allocated = listPreallocateExact(items.length);
      const l = this.alloc(
        'list',
        'list',
        listSize(allocated),
        { t: 'list', items: [...items], allocated },
        stack,
        LIST_OBJECT_SIZE,
      );
      for (const item of items) this.rt.incref(item, { kind: 'object', owner: l, slot: 'item' });
      return l;
    }
    const items = elts.map((x) => this.evalExpr(x, scope, globals));
    const l = this.alloc(
      'list',
      'list',
      listSize(items.length),
      { t: 'list', items: [...items], allocated: items.length },
      stack,
      LIST_OBJECT_SIZE,
    );
    for (const item of items) this.rt.move(item, stack, { kind: 'object', owner: l, slot: 'item' });
    return l;
  }

  private call(e: Expr & { k: 'Call' }, scope: Scope, globals: ObjectId): ObjectId {
    const stack: Holder = { kind: 'stack', frame: scope.frame };
    // LOAD_METHOD on a list: no bound method object; self stays on the stack.
    if (e.func.k === 'Attr') {
      const self = this.evalExpr(e.func.obj, scope, globals);
      const sv = this.value(self);
      if (sv.t === 'list') {
        const args = e.args.map((a) => this.evalExpr(a, scope, globals));
        const result = this.listMethod(self, sv, e.func.name, args, e.span, stack);
        for (const a of args) this.rt.decref(a, stack);
        this.rt.decref(self, stack);
        return result;
      }
      this.rt.decref(self, stack);
    }
    const fn = this.evalExpr(e.func, scope, globals);
    const args = e.args.map((a) => this.evalExpr(a, scope, globals));
    const fv = this.value(fn);
    if (fv.t === 'function') return this.callFunction(fn, fv, args, e.span, scope);
    if (fv.t === 'builtin') {
      const result = this.callBuiltin(fv.name, args, e.span, stack);
      for (const a of args) this.rt.decref(a, stack);
      this.rt.decref(fn, stack);
      return result;
    }
    for (const a of args) this.rt.decref(a, stack);
    const tn = this.typeName(fn);
    this.rt.decref(fn, stack);
    throw new PyException('TypeError', `'${tn}' object is not callable`, e.span);
  }

  private listMethod(
    self: ObjectId,
    list: PyValue & { t: 'list' },
    name: string,
    args: ObjectId[],
    span: Span,
    stack: Holder,
  ): ObjectId {
    if (name === 'append' && args.length === 1) {
      const v = args[0] as ObjectId;
      const n = list.items.length + 1;
      list.allocated = listResize(list.allocated, list.items.length, n);
      list.items.push(v);
      this.rt.incref(v, { kind: 'object', owner: self, slot: 'item' });
      this.rt.resize(self, listSize(list.allocated));
      return this.none(stack);
    }
    throw new PyException('AttributeError', `'list' object has no attribute '${name}'`, span);
  }

  /** A Python-to-Python call (RC-4): the function and the arguments move into the callee's frame. */
  private callFunction(
    fn: ObjectId,
    fv: PyValue & { t: 'function' },
    args: ObjectId[],
    span: Span,
    caller: Scope,
  ): ObjectId {
    const stack: Holder = { kind: 'stack', frame: caller.frame };
    if (args.length !== fv.params.length) {
      for (const a of args) this.rt.decref(a, stack);
      this.rt.decref(fn, stack);
      const n = fv.params.length;
      throw new PyException(
        'TypeError',
        `${fv.name}() takes ${n} positional argument${n === 1 ? '' : 's'} but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`,
        span,
      );
    }
    if (this.depth >= RECURSION_LIMIT - 1) {
      for (const a of args) this.rt.decref(a, stack);
      this.rt.decref(fn, stack);
      throw new PyException('RecursionError', 'maximum recursion depth exceeded', span);
    }
    const frame = this.rt.enterFrame(fv.name);
    const scope: Scope = { frame, kind: 'function', fn };
    this.rt.move(fn, stack, { kind: 'frame', frame, name: '(function)' });
    this.rt.incref(fv.code, { kind: 'frame', frame, name: '(code)' });
    fv.params.forEach((p, i) => this.rt.move(args[i] as ObjectId, stack, { kind: 'frame', frame, name: p }));
    this.depth += 1;
    let result: ObjectId;
    try {
      result = this.execBlock(fv.body, scope, fv.globals) ?? this.none({ kind: 'stack', frame });
    } catch (e) {
      if (e instanceof PyException) e.traceback.unshift({ line: this.rt.state.line, name: fv.name });
      this.depth -= 1;
      this.rt.exitFrame(frame, frameSlotOrder(fv));
      throw e;
    }
    this.depth -= 1;
    // RETURN_VALUE: the value goes to the caller's stack, then the frame is cleared.
    this.rt.move(result, { kind: 'stack', frame }, stack);
    this.rt.exitFrame(frame, frameSlotOrder(fv));
    return result;
  }

  private callBuiltin(name: string, args: ObjectId[], span: Span, stack: Holder): ObjectId {
    const arity = (n: number): void => {
      if (args.length !== n) {
        const short = name.replace(/^builtins\./, '');
        throw new PyException(
          'TypeError',
          `${short}() takes exactly ${n === 1 ? 'one argument' : `${n} arguments`} (${args.length} given)`,
          span,
        );
      }
    };
    switch (name) {
      case 'builtins.print': {
        const text = args.map((a) => this.str(a)).join(' ') + '\n';
        this.stdout += text;
        this.rt.output(text);
        return this.none(stack);
      }
      case 'sys.getrefcount':
        arity(1);
        return this.newInt(BigInt(this.rt.refcount(args[0] as ObjectId)), stack);
      case 'sys.getsizeof':
        arity(1);
        return this.newInt(BigInt(this.rt.object(args[0] as ObjectId).size), stack);
      case 'gc.collect':
        return this.newInt(BigInt(this.rt.collect(2)), stack);
      case 'gc.isenabled':
        return this.ret(this.rt.state.gc.enabled ? this.statics.true : this.statics.false, stack);
      case 'gc.enable':
      case 'gc.disable':
        this.rt.setEnabled(name === 'gc.enable');
        return this.none(stack);
      case 'gc.is_tracked': {
        arity(1);
        return this.ret(this.rt.object(args[0] as ObjectId).gen >= 0 ? this.statics.true : this.statics.false, stack);
      }
      default:
        throw new PyException('NotImplementedError', `${name} is not simulated yet`, span);
    }
  }

  // -------------------------------------------------------------------------------
  // str() and repr().

  typeName(id: ObjectId): string {
    return this.rt.object(id).pyType;
  }

  str(id: ObjectId): string {
    const v = this.value(id);
    return v.t === 'str' ? v.v : this.repr(v, id);
  }

  repr(v: PyValue, id?: ObjectId): string {
    switch (v.t) {
      case 'int':
        return v.v.toString();
      case 'str':
        return pyStrRepr(v.v);
      case 'none':
        return 'None';
      case 'bool':
        return v.v ? 'True' : 'False';
      case 'list':
        return `[${v.items.map((i) => this.repr(this.value(i), i)).join(', ')}]`;
      case 'tuple':
        return v.items.length === 1
          ? `(${this.repr(this.value(v.items[0] as ObjectId))},)`
          : `(${v.items.map((i) => this.repr(this.value(i), i)).join(', ')})`;
      case 'dict':
        return `{${[...v.keys].map(([k, e]) => `${pyStrRepr(k)}: ${this.repr(this.value(e.value), e.value)}`).join(', ')}}`;
      case 'function':
        return `<function ${v.name} at ${this.addr(id)}>`;
      case 'code':
        return `<code object ${v.name} at ${this.addr(id)}>`;
      case 'module':
        return v.name === '__main__' ? "<module '__main__'>" : `<module '${v.name}' (built-in)>`;
      case 'builtin':
        return `<built-in function ${v.name.replace(/^.*\./, '')}>`;
    }
  }

  private addr(id: ObjectId | undefined): string {
    return id === undefined ? '0x0' : `0x${this.rt.object(id).addr.toString(16).padStart(12, '0')}`;
  }
}

const isConstant = (e: Expr): boolean => e.k === 'Int' || e.k === 'Str' || e.k === 'Const';

/** co_varnames order: parameters, then other locals in order of first assignment in the body. */
function frameSlotOrder(fv: { params: readonly string[]; body: readonly Stmt[] }): string[] {
  const order = [...fv.params];
  const visit = (s: Stmt): void => {
    if ((s.k === 'Assign' && !order.includes(s.target)) || (s.k === 'Def' && !order.includes(s.name))) {
      order.push(s.k === 'Assign' ? s.target : s.name);
    }
  };
  fv.body.forEach(visit);
  return order;
}

function assignsLocally(body: readonly Stmt[], name: string): boolean {
  return body.some((s) => (s.k === 'Assign' && s.target === name) || (s.k === 'Def' && s.name === name));
}

/** Python's repr of a str: single quotes unless the text has a single quote and no double quote. */
export function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch.charCodeAt(0) < 32 || ch.charCodeAt(0) === 127)
      out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + q;
}
