/*
 * Scope analysis: which variables a code object keeps in fast slots, in cells, or
 * looks up by name, exactly as CPython 3.11's symbol table and compiler decide.
 *
 * Summary. `resolveModule(module)` gives each scope (the module, every def, lambda
 * and class body, and every list/set/dict comprehension and generator expression,
 * each of which is its own function scope in 3.11) a `ScopeInfo`: `co_varnames`,
 * `co_cellvars`, `co_freevars`, and how each name is loaded and stored.
 *
 * Source. Python/symtable.c (`symtable_visit_stmt`, `symtable_visit_expr`,
 * `symtable_handle_comprehension`, `analyze_block`, `analyze_name`,
 * `analyze_cells`, `drop_class_free`, `update_symbols`, `_Py_Mangle`) and
 * Python/compile.c (`compiler_enter_scope`: `dictbytype` sorts cell and free names;
 * `compiler_nameop`: the opcode family per scope; local names join `co_varnames`
 * in the order the compiler first emits them).
 *
 * Read first: `resolveModule`.
 *
 * Vocabulary (the scopes of symtable.h).
 *   LOCAL            bound in this block (assigned, deleted, imported, a parameter,
 *                    a def/class name, an except target, a for target).
 *   CELL             LOCAL and used by a nested function: lives in a cell.
 *   FREE             bound in an enclosing function (or declared `nonlocal`).
 *   GLOBAL_EXPLICIT  declared `global`.
 *   GLOBAL_IMPLICIT  neither bound here nor in an enclosing function.
 *   A class body does not enclose its methods: its names are invisible to them,
 *   except the implicit `__class__` cell that a method using `super` or
 *   `__class__` gets as a free variable (the class then has cellvar `__class__`).
 *   A class that binds a name which a method takes from an enclosing function also
 *   lists it as a free variable (flag DEF_FREE_CLASS).
 *
 * Access (compile.c, compiler_nameop):
 *   function: LOCAL -> fast, CELL/FREE -> deref, GLOBAL_* -> global
 *   class:    FREE/CELL -> deref (a load is LOAD_CLASSDEREF: the class namespace is
 *             tried before the cell), GLOBAL_EXPLICIT -> global, else name
 *   module:   GLOBAL_EXPLICIT -> global, else name
 *
 * Worked example.
 *   def outer(a):            outer:      varnames (a, inner)  cellvars (a)
 *       def inner():         inner:      varnames ()          freevars (a)
 *           return [a + b for b in c]
 *       return inner         <listcomp>: varnames (.0, b)     freevars (a)
 *   `c` is evaluated in `inner` (the first iterable of a comprehension belongs to
 *   the enclosing scope) and is global there; `a` is a parameter of `outer` and
 *   also its cell.
 *
 * Simplifications. Annotations are not in the AST (parse.ts drops them), so names
 * used only in annotations are not seen. `from m import *` is outside the subset.
 * `varnames`, `cellvars` and `freevars` hold mangled names (`__x` in class `C` is
 * `_C__x`); `access` and `mangle` accept the names as written.
 */
import type { Diagnostic, Span } from '@pymemsim/core';
import type { Comprehension, ExceptHandler, Expr, Module, Params, Stmt } from './ast.js';

export type Access = 'fast' | 'deref' | 'global' | 'name';

export interface ScopeInfo {
  readonly kind: 'module' | 'class' | 'function';
  /** '<module>', the def or class name, '<lambda>', '<listcomp>', '<setcomp>', '<dictcomp>', '<genexpr>'. */
  readonly name: string;
  /** co_varnames: parameters (positional, keyword-only, *args, **kwargs), then locals in first-use order. */
  readonly varnames: readonly string[];
  /** The frame's slots in 3.11 localsplus order: `varnames`, then `(cell name)` for the cells and free variables. */
  readonly slotOrder: readonly string[];
  /** co_cellvars: captured parameters in parameter order (they are also in varnames), then the other cells, sorted. */
  readonly cellvars: readonly string[];
  /** co_freevars, sorted. */
  readonly freevars: readonly string[];
  /** How a name (as written in the source) is loaded and stored in this scope. */
  access(name: string): Access;
  /** The name as the compiler sees it: `__x` inside class `C` becomes `_C__x`. */
  mangle(name: string): string;
}

export interface Resolution {
  readonly module: ScopeInfo;
  /** The scope of a Module, FunctionDef, ClassDef, Lambda or comprehension node; throws for any other node. */
  scopeOf(node: object): ScopeInfo;
  /** Symbol-table errors (`no binding for nonlocal 'x' found`, ...), as PY_SYNTAX. */
  readonly diagnostics: readonly Diagnostic[];
}

// Symbol flags (symtable.h).
const DEF_GLOBAL = 1;
const DEF_LOCAL = 2;
const DEF_PARAM = 4;
const DEF_NONLOCAL = 8;
const USE = 16;
const DEF_FREE_CLASS = 64;
const DEF_IMPORT = 128;
const DEF_ANNOT = 256;
const DEF_BOUND = DEF_LOCAL | DEF_PARAM | DEF_IMPORT;

const enum Scope {
  LOCAL = 1,
  GLOBAL_EXPLICIT = 2,
  GLOBAL_IMPLICIT = 3,
  FREE = 4,
  CELL = 5,
}

type BlockKind = 'module' | 'class' | 'function';

/** A symbol table entry (PySTEntryObject). */
class Block {
  readonly symbols = new Map<string, number>();
  readonly scopes = new Map<string, Scope>();
  /** ste_varnames: the parameters, in order. */
  readonly params: string[] = [];
  readonly children: Block[] = [];
  /** First `global`/`nonlocal` statement naming each symbol (for error locations). */
  readonly directives = new Map<string, Span>();
  needsClassClosure = false;
  /** Locals in the order the compiler first emits them. */
  readonly emitted: string[] = [];

  constructor(
    readonly kind: BlockKind,
    readonly name: string,
    readonly node: object,
    /** The class name used for mangling (st_private), inherited from the enclosing class. */
    readonly privateName: string | undefined,
  ) {}
}

/** compile.c, _Py_Mangle. */
function mangle(privateName: string | undefined, name: string): string {
  if (privateName === undefined || !name.startsWith('__') || name.endsWith('__') || name.includes('.')) return name;
  const stripped = privateName.replace(/^_+/, '');
  return stripped === '' ? name : `_${stripped}${name}`;
}

/** Python's str ordering (code points), as PyList_Sort in dictbytype. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const GLOBAL_PARAM = "name '%s' is parameter and global";
const NONLOCAL_PARAM = "name '%s' is parameter and nonlocal";
const GLOBAL_AFTER_ASSIGN = "name '%s' is assigned to before global declaration";
const NONLOCAL_AFTER_ASSIGN = "name '%s' is assigned to before nonlocal declaration";
const GLOBAL_AFTER_USE = "name '%s' is used prior to global declaration";
const NONLOCAL_AFTER_USE = "name '%s' is used prior to nonlocal declaration";
const GLOBAL_ANNOT = "annotated name '%s' can't be global";
const NONLOCAL_ANNOT = "annotated name '%s' can't be nonlocal";

type Ctx = 'load' | 'store' | 'del';

/** Pass 1: symtable.c's visitor, building the blocks and their symbol flags. */
class SymtableBuilder {
  readonly blocks = new Map<object, Block>();
  readonly diagnostics: Diagnostic[] = [];
  readonly top: Block;
  private cur: Block;
  private privateName: string | undefined;

  constructor(module: Module) {
    this.top = new Block('module', '<module>', module, undefined);
    this.blocks.set(module, this.top);
    this.cur = this.top;
    this.stmts(module.body);
  }

  private error(template: string, name: string, span: Span): void {
    this.diagnostics.push({ code: 'PY_SYNTAX', message: template.replace('%s', name), span });
  }

  private lookup(name: string): number {
    return this.cur.symbols.get(mangle(this.privateName, name)) ?? 0;
  }

  private addDef(name: string, flag: number, block: Block = this.cur): void {
    const mangled = mangle(this.privateName, name);
    block.symbols.set(mangled, (block.symbols.get(mangled) ?? 0) | flag);
    if (flag & DEF_PARAM) block.params.push(mangled);
    else if (flag & DEF_GLOBAL) this.top.symbols.set(mangled, (this.top.symbols.get(mangled) ?? 0) | flag);
  }

  private enter(kind: BlockKind, name: string, node: object, privateName: string | undefined): Block {
    const b = new Block(kind, name, node, privateName);
    this.cur.children.push(b);
    this.blocks.set(node, b);
    this.cur = b;
    return b;
  }

  private stmts(list: readonly Stmt[]): void {
    for (const s of list) this.stmt(s);
  }

  private params(p: Params): void {
    for (const a of p.args) this.addDef(a, DEF_PARAM);
    for (const a of p.kwonly) this.addDef(a, DEF_PARAM);
    if (p.vararg !== undefined) this.addDef(p.vararg, DEF_PARAM);
    if (p.kwarg !== undefined) this.addDef(p.kwarg, DEF_PARAM);
  }

  private defaults(p: Params): void {
    for (const d of p.defaults) this.expr(d, 'load');
    for (const d of p.kwDefaults) if (d !== undefined) this.expr(d, 'load');
  }

  private stmt(s: Stmt): void {
    switch (s.k) {
      case 'FunctionDef': {
        this.addDef(s.name, DEF_LOCAL);
        this.defaults(s.params);
        for (const d of s.decorators) this.expr(d, 'load');
        const outer = this.cur;
        this.enter('function', s.name, s, this.privateName);
        this.params(s.params);
        this.stmts(s.body);
        this.cur = outer;
        break;
      }
      case 'ClassDef': {
        this.addDef(s.name, DEF_LOCAL);
        for (const b of s.bases) this.expr(b, 'load');
        for (const k of s.keywords) this.expr(k.value, 'load');
        for (const d of s.decorators) this.expr(d, 'load');
        const outer = this.cur;
        const savedPrivate = this.privateName;
        this.enter('class', s.name, s, s.name);
        this.privateName = s.name;
        this.stmts(s.body);
        this.privateName = savedPrivate;
        this.cur = outer;
        break;
      }
      case 'Return':
        if (s.value !== undefined) this.expr(s.value, 'load');
        break;
      case 'Delete':
        for (const t of s.targets) this.expr(t, 'del');
        break;
      case 'Assign':
        for (const t of s.targets) this.expr(t, 'store');
        this.expr(s.value, 'load');
        break;
      case 'AnnAssign':
        if (s.target.k === 'Name') {
          const name = s.target.id;
          const cur = this.lookup(name);
          if (cur & (DEF_GLOBAL | DEF_NONLOCAL) && this.cur !== this.top) {
            this.error(cur & DEF_GLOBAL ? GLOBAL_ANNOT : NONLOCAL_ANNOT, name, s.span);
          }
          this.addDef(name, DEF_ANNOT | DEF_LOCAL);
        } else this.expr(s.target, 'store');
        if (s.value !== undefined) this.expr(s.value, 'load');
        break;
      case 'AugAssign':
        this.expr(s.target, 'store');
        this.expr(s.value, 'load');
        break;
      case 'For':
        this.expr(s.target, 'store');
        this.expr(s.iter, 'load');
        this.stmts(s.body);
        this.stmts(s.orelse);
        break;
      case 'While':
      case 'If':
        this.expr(s.test, 'load');
        this.stmts(s.body);
        this.stmts(s.orelse);
        break;
      case 'Raise':
        if (s.exc !== undefined) this.expr(s.exc, 'load');
        if (s.cause !== undefined) this.expr(s.cause, 'load');
        break;
      case 'Try':
        this.stmts(s.body);
        this.stmts(s.orelse);
        for (const h of s.handlers) this.handler(h);
        this.stmts(s.finalbody);
        break;
      case 'Assert':
        this.expr(s.test, 'load');
        if (s.msg !== undefined) this.expr(s.msg, 'load');
        break;
      case 'Import':
      case 'ImportFrom':
        for (const a of s.names) {
          const bound = a.asname ?? (s.k === 'Import' ? (a.name.split('.')[0] ?? a.name) : a.name);
          this.addDef(bound, DEF_IMPORT);
        }
        break;
      case 'Global':
      case 'Nonlocal': {
        const global = s.k === 'Global';
        for (const name of s.names) {
          const cur = this.lookup(name);
          if (cur & (DEF_PARAM | DEF_LOCAL | USE | DEF_ANNOT)) {
            const msg =
              cur & DEF_PARAM
                ? global
                  ? GLOBAL_PARAM
                  : NONLOCAL_PARAM
                : cur & USE
                  ? global
                    ? GLOBAL_AFTER_USE
                    : NONLOCAL_AFTER_USE
                  : cur & DEF_ANNOT
                    ? global
                      ? GLOBAL_ANNOT
                      : NONLOCAL_ANNOT
                    : global
                      ? GLOBAL_AFTER_ASSIGN
                      : NONLOCAL_AFTER_ASSIGN;
            this.error(msg, name, s.span);
          }
          this.addDef(name, global ? DEF_GLOBAL : DEF_NONLOCAL);
          const mangled = mangle(this.privateName, name);
          if (!this.cur.directives.has(mangled)) this.cur.directives.set(mangled, s.span);
        }
        break;
      }
      case 'Expr':
        this.expr(s.value, 'load');
        break;
      case 'Pass':
      case 'Break':
      case 'Continue':
        break;
    }
  }

  private handler(h: ExceptHandler): void {
    if (h.type !== undefined) this.expr(h.type, 'load');
    if (h.name !== undefined) this.addDef(h.name, DEF_LOCAL);
    this.stmts(h.body);
  }

  private expr(e: Expr, ctx: Ctx): void {
    switch (e.k) {
      case 'Name':
        this.addDef(e.id, ctx === 'load' ? USE : DEF_LOCAL);
        // symtable.c: a use of `super` in a function counts as a use of `__class__`.
        if (ctx === 'load' && this.cur.kind === 'function' && e.id === 'super') this.addDef('__class__', USE);
        break;
      case 'Int':
      case 'Float':
      case 'Str':
      case 'Bytes':
      case 'Const':
        break;
      case 'FString':
        for (const p of e.parts) if (p.k === 'expr') this.expr(p.value, 'load');
        break;
      case 'List':
      case 'Tuple':
      case 'Set':
        for (const x of e.elts) this.expr(x, ctx);
        break;
      case 'Starred':
        this.expr(e.value, ctx);
        break;
      case 'Dict':
        e.keys.forEach((k, i) => {
          if (k !== undefined) this.expr(k, 'load');
          const v = e.values[i];
          if (v !== undefined) this.expr(v, 'load');
        });
        break;
      case 'ListComp':
        this.comprehension(e, '<listcomp>', e.gens, e.elt, undefined);
        break;
      case 'SetComp':
        this.comprehension(e, '<setcomp>', e.gens, e.elt, undefined);
        break;
      case 'GeneratorExp':
        this.comprehension(e, '<genexpr>', e.gens, e.elt, undefined);
        break;
      case 'DictComp':
        this.comprehension(e, '<dictcomp>', e.gens, e.key, e.value);
        break;
      case 'Call':
        this.expr(e.func, 'load');
        for (const a of e.args) this.expr(a.value, 'load');
        break;
      case 'Attribute':
        this.expr(e.value, 'load');
        break;
      case 'Subscript':
        this.expr(e.value, 'load');
        this.expr(e.index, 'load');
        break;
      case 'Slice':
        if (e.lower !== undefined) this.expr(e.lower, 'load');
        if (e.upper !== undefined) this.expr(e.upper, 'load');
        if (e.step !== undefined) this.expr(e.step, 'load');
        break;
      case 'BinOp':
        this.expr(e.left, 'load');
        this.expr(e.right, 'load');
        break;
      case 'UnaryOp':
        this.expr(e.operand, 'load');
        break;
      case 'BoolOp':
        for (const v of e.values) this.expr(v, 'load');
        break;
      case 'Compare':
        this.expr(e.left, 'load');
        for (const c of e.comparators) this.expr(c, 'load');
        break;
      case 'IfExp':
        this.expr(e.test, 'load');
        this.expr(e.body, 'load');
        this.expr(e.orelse, 'load');
        break;
      case 'Lambda': {
        this.defaults(e.params);
        const outer = this.cur;
        this.enter('function', '<lambda>', e, this.privateName);
        this.params(e.params);
        this.expr(e.body, 'load');
        this.cur = outer;
        break;
      }
    }
  }

  /** symtable_handle_comprehension: the first iterable here, the rest in a function scope with parameter `.0`. */
  private comprehension(
    e: Expr,
    name: string,
    gens: readonly Comprehension[],
    elt: Expr,
    value: Expr | undefined,
  ): void {
    const first = gens[0];
    if (first !== undefined) this.expr(first.iter, 'load');
    const outer = this.cur;
    this.enter('function', name, e, this.privateName);
    this.addDef('.0', DEF_PARAM);
    if (first !== undefined) {
      this.expr(first.target, 'store');
      for (const c of first.ifs) this.expr(c, 'load');
    }
    for (const g of gens.slice(1)) {
      this.expr(g.target, 'store');
      this.expr(g.iter, 'load');
      for (const c of g.ifs) this.expr(c, 'load');
    }
    if (value !== undefined) this.expr(value, 'load');
    this.expr(elt, 'load');
    this.cur = outer;
  }
}

/** Pass 2: symtable.c's analyze_block and friends. */
class Analyzer {
  constructor(private readonly diagnostics: Diagnostic[]) {}

  private directive(b: Block, name: string, fallback: Span): Span {
    return b.directives.get(name) ?? fallback;
  }

  private analyzeName(
    b: Block,
    name: string,
    flags: number,
    bound: Set<string> | null,
    local: Set<string>,
    free: Set<string>,
    global: Set<string>,
  ): void {
    const here = { start: 0, end: 0 };
    if (flags & DEF_GLOBAL) {
      if (flags & DEF_NONLOCAL) {
        this.diagnostics.push({
          code: 'PY_SYNTAX',
          message: `name '${name}' is nonlocal and global`,
          span: this.directive(b, name, here),
        });
      }
      b.scopes.set(name, Scope.GLOBAL_EXPLICIT);
      global.add(name);
      bound?.delete(name);
      return;
    }
    if (flags & DEF_NONLOCAL) {
      if (bound === null) {
        this.diagnostics.push({
          code: 'PY_SYNTAX',
          message: 'nonlocal declaration not allowed at module level',
          span: this.directive(b, name, here),
        });
      } else if (!bound.has(name)) {
        this.diagnostics.push({
          code: 'PY_SYNTAX',
          message: `no binding for nonlocal '${name}' found`,
          span: this.directive(b, name, here),
        });
      }
      b.scopes.set(name, Scope.FREE);
      free.add(name);
      return;
    }
    if (flags & DEF_BOUND) {
      b.scopes.set(name, Scope.LOCAL);
      local.add(name);
      global.delete(name);
      return;
    }
    if (bound?.has(name)) {
      b.scopes.set(name, Scope.FREE);
      free.add(name);
      return;
    }
    b.scopes.set(name, Scope.GLOBAL_IMPLICIT);
  }

  analyzeBlock(b: Block, bound: Set<string> | null, free: Set<string>, global: Set<string>): void {
    const local = new Set<string>();
    const newGlobal = new Set<string>();
    const newFree = new Set<string>();
    const newBound = new Set<string>();
    if (b.kind === 'class') {
      // Class bindings are invisible to nested functions: pass down what came in.
      for (const g of global) newGlobal.add(g);
      if (bound !== null) for (const x of bound) newBound.add(x);
    }
    for (const [name, flags] of b.symbols) this.analyzeName(b, name, flags, bound, local, free, global);
    if (b.kind !== 'class') {
      if (b.kind === 'function') for (const x of local) newBound.add(x);
      if (bound !== null) for (const x of bound) newBound.add(x);
      for (const g of global) newGlobal.add(g);
    } else {
      newBound.add('__class__');
    }
    const allFree = new Set<string>();
    for (const child of b.children) {
      const childFree = new Set(newFree);
      this.analyzeBlock(child, new Set(newBound), childFree, new Set(newGlobal));
      for (const x of childFree) allFree.add(x);
    }
    for (const x of allFree) newFree.add(x);
    if (b.kind === 'function') {
      // analyze_cells: locals used by nested scopes become cells.
      for (const [name, scope] of b.scopes) {
        if (scope === Scope.LOCAL && newFree.has(name)) {
          b.scopes.set(name, Scope.CELL);
          newFree.delete(name);
        }
      }
    } else if (b.kind === 'class') {
      if (newFree.delete('__class__')) b.needsClassClosure = true;
    }
    // update_symbols: free names of children not bound here pass through (or are global).
    for (const name of newFree) {
      const flags = b.symbols.get(name);
      if (flags !== undefined) {
        if (b.kind === 'class' && flags & (DEF_BOUND | DEF_GLOBAL)) b.symbols.set(name, flags | DEF_FREE_CLASS);
        continue;
      }
      if (bound !== null && !bound.has(name)) continue;
      b.symbols.set(name, 0);
      b.scopes.set(name, Scope.FREE);
    }
    for (const x of newFree) free.add(x);
  }
}

/** A target of the compiler's unwinding: a loop, or a `finally` body to emit before leaving. */
type FBlock = { readonly kind: 'loop' } | { readonly kind: 'finally'; readonly body: readonly Stmt[] };

/**
 * Pass 3: compile.c's traversal order, only to know when each local is first
 * emitted (that order is co_varnames). A `return`, `break` or `continue` inside
 * `try ... finally` emits the finally body right there (compiler_unwind_fblock).
 */
class Emitter {
  private fblocks: FBlock[] = [];

  constructor(private readonly b: Block) {}

  private name(id: string): void {
    const m = mangle(this.b.privateName, id);
    if (this.b.scopes.get(m) === Scope.LOCAL && !this.b.params.includes(m) && !this.b.emitted.includes(m))
      this.b.emitted.push(m);
  }

  run(node: object): void {
    const n = node as Stmt | Expr;
    if (n.k === 'FunctionDef') this.stmts(n.body);
    else if (n.k === 'Lambda') this.expr(n.body);
    else if (n.k === 'ListComp' || n.k === 'SetComp' || n.k === 'GeneratorExp') this.comprehensionBody(n.gens, [n.elt]);
    else if (n.k === 'DictComp') this.comprehensionBody(n.gens, [n.key, n.value]);
  }

  private comprehensionBody(gens: readonly Comprehension[], elts: readonly Expr[]): void {
    gens.forEach((g, i) => {
      if (i > 0) this.expr(g.iter);
      this.target(g.target);
      for (const c of g.ifs) this.expr(c);
    });
    for (const e of elts) this.expr(e);
  }

  private stmts(list: readonly Stmt[]): void {
    for (const s of list) this.stmt(s);
  }

  /** Emit the finally bodies between here and the target (a loop for break/continue, the function for return). */
  private unwind(toLoop: boolean): void {
    const saved = this.fblocks;
    for (let i = saved.length - 1; i >= 0; i--) {
      const f = saved[i] as FBlock;
      if (f.kind === 'loop') {
        if (toLoop) break;
        continue;
      }
      this.fblocks = saved.slice(0, i);
      this.stmts(f.body);
    }
    this.fblocks = saved;
  }

  private stmt(s: Stmt): void {
    switch (s.k) {
      case 'FunctionDef':
        for (const d of s.decorators) this.expr(d);
        for (const d of s.params.defaults) this.expr(d);
        for (const d of s.params.kwDefaults) if (d !== undefined) this.expr(d);
        this.name(s.name);
        break;
      case 'ClassDef':
        for (const d of s.decorators) this.expr(d);
        for (const b of s.bases) this.expr(b);
        for (const k of s.keywords) this.expr(k.value);
        this.name(s.name);
        break;
      case 'Return':
        if (s.value !== undefined) this.expr(s.value);
        this.unwind(false);
        break;
      case 'Break':
      case 'Continue':
        this.unwind(true);
        break;
      case 'Delete':
        for (const t of s.targets) this.target(t);
        break;
      case 'Assign':
        this.expr(s.value);
        for (const t of s.targets) this.target(t);
        break;
      case 'AugAssign':
        if (s.target.k === 'Name') this.name(s.target.id);
        else this.targetOperands(s.target);
        this.expr(s.value);
        if (s.target.k === 'Name') this.name(s.target.id);
        break;
      case 'AnnAssign':
        if (s.value !== undefined) {
          this.expr(s.value);
          this.target(s.target);
        } else if (s.target.k !== 'Name') this.targetOperands(s.target);
        break;
      case 'For':
        this.expr(s.iter);
        this.fblocks.push({ kind: 'loop' });
        this.target(s.target);
        this.stmts(s.body);
        this.fblocks.pop();
        this.stmts(s.orelse);
        break;
      case 'While':
        this.fblocks.push({ kind: 'loop' });
        this.expr(s.test);
        this.stmts(s.body);
        this.fblocks.pop();
        this.stmts(s.orelse);
        break;
      case 'If':
        this.expr(s.test);
        this.stmts(s.body);
        this.stmts(s.orelse);
        break;
      case 'Raise':
        if (s.exc !== undefined) this.expr(s.exc);
        if (s.cause !== undefined) this.expr(s.cause);
        break;
      case 'Try': {
        // compiler_try_finally wraps compiler_try_except: body, else, handlers, then finally.
        const hasFinally = s.finalbody.length > 0;
        if (hasFinally) this.fblocks.push({ kind: 'finally', body: s.finalbody });
        this.stmts(s.body);
        this.stmts(s.orelse);
        for (const h of s.handlers) {
          if (h.type !== undefined) this.expr(h.type);
          if (h.name !== undefined) this.name(h.name);
          this.stmts(h.body);
        }
        if (hasFinally) {
          this.fblocks.pop();
          this.stmts(s.finalbody);
        }
        break;
      }
      case 'Assert':
        this.expr(s.test);
        if (s.msg !== undefined) this.expr(s.msg);
        break;
      case 'Import':
      case 'ImportFrom':
        for (const a of s.names) this.name(a.asname ?? (s.k === 'Import' ? (a.name.split('.')[0] ?? a.name) : a.name));
        break;
      case 'Expr':
        this.expr(s.value);
        break;
      case 'Global':
      case 'Nonlocal':
      case 'Pass':
        break;
    }
  }

  /** The loads inside an attribute or subscript target (`a` of `a.b`, `a` and `i` of `a[i]`). */
  private targetOperands(t: Expr): void {
    if (t.k === 'Attribute') this.expr(t.value);
    else if (t.k === 'Subscript') {
      this.expr(t.value);
      this.expr(t.index);
    }
  }

  private target(t: Expr): void {
    if (t.k === 'Name') this.name(t.id);
    else if (t.k === 'Tuple' || t.k === 'List') for (const x of t.elts) this.target(x);
    else if (t.k === 'Starred') this.target(t.value);
    else this.targetOperands(t);
  }

  private expr(e: Expr): void {
    switch (e.k) {
      case 'Name':
        this.name(e.id);
        break;
      case 'Int':
      case 'Float':
      case 'Str':
      case 'Bytes':
      case 'Const':
        break;
      case 'FString':
        for (const p of e.parts) if (p.k === 'expr') this.expr(p.value);
        break;
      case 'List':
      case 'Tuple':
      case 'Set':
        for (const x of e.elts) this.expr(x);
        break;
      case 'Starred':
        this.expr(e.value);
        break;
      case 'Dict':
        e.keys.forEach((k, i) => {
          if (k !== undefined) this.expr(k);
          const v = e.values[i];
          if (v !== undefined) this.expr(v);
        });
        break;
      case 'ListComp':
      case 'SetComp':
      case 'GeneratorExp':
      case 'DictComp': {
        const first = e.gens[0];
        if (first !== undefined) this.expr(first.iter);
        break;
      }
      case 'Call':
        // compiler_call_helper: positional and starred arguments, then keywords.
        this.expr(e.func);
        for (const a of e.args) if (a.k === 'pos' || a.k === 'star') this.expr(a.value);
        for (const a of e.args) if (a.k === 'kw' || a.k === 'starstar') this.expr(a.value);
        break;
      case 'Attribute':
        this.expr(e.value);
        break;
      case 'Subscript':
        this.expr(e.value);
        this.expr(e.index);
        break;
      case 'Slice':
        if (e.lower !== undefined) this.expr(e.lower);
        if (e.upper !== undefined) this.expr(e.upper);
        if (e.step !== undefined) this.expr(e.step);
        break;
      case 'BinOp':
        this.expr(e.left);
        this.expr(e.right);
        break;
      case 'UnaryOp':
        this.expr(e.operand);
        break;
      case 'BoolOp':
        for (const v of e.values) this.expr(v);
        break;
      case 'Compare':
        this.expr(e.left);
        for (const c of e.comparators) this.expr(c);
        break;
      case 'IfExp':
        this.expr(e.test);
        this.expr(e.body);
        this.expr(e.orelse);
        break;
      case 'Lambda':
        for (const d of e.params.defaults) this.expr(d);
        for (const d of e.params.kwDefaults) if (d !== undefined) this.expr(d);
        break;
    }
  }
}

function scopeInfo(b: Block): ScopeInfo {
  const sorted = (pred: (name: string, scope: Scope | undefined, flags: number) => boolean): string[] =>
    [...b.symbols.keys()].filter((n) => pred(n, b.scopes.get(n), b.symbols.get(n) ?? 0)).sort(byCodePoint);
  // compile.c, compute_localsplus_info: parameters that are cells keep their slot, in
  // parameter order; the other cells follow, sorted.
  const cellParams = [...new Set(b.params.filter((p) => b.scopes.get(p) === Scope.CELL))];
  const cellvars =
    b.kind === 'class'
      ? b.needsClassClosure
        ? ['__class__']
        : []
      : b.kind === 'function'
        ? [...cellParams, ...sorted((n, s) => s === Scope.CELL && !cellParams.includes(n))]
        : [];
  const freevars = b.kind === 'module' ? [] : sorted((_, s, f) => s === Scope.FREE || (f & DEF_FREE_CLASS) !== 0);
  const varnames = b.kind === 'function' ? [...b.params, ...b.emitted] : [];
  const privateName = b.privateName;
  const kind = b.kind;
  const scopes = b.scopes;
  const accesses = new Map<string, Access>();
  return {
    kind,
    name: b.name,
    varnames,
    cellvars,
    freevars,
    slotOrder: [...varnames, ...cellvars.map((c) => `(cell ${c})`), ...freevars.map((c) => `(cell ${c})`)],
    mangle: (name) => mangle(privateName, name),
    access(name: string): Access {
      // Asked on every name the evaluator loads or stores: answered once per name.
      let a = accesses.get(name);
      if (a === undefined) {
        a = accessOf(scopes.get(mangle(privateName, name)), kind);
        accesses.set(name, a);
      }
      return a;
    },
  };
}

function accessOf(scope: Scope | undefined, kind: BlockKind): Access {
  switch (scope) {
    case Scope.FREE:
    case Scope.CELL:
      return 'deref';
    case Scope.GLOBAL_EXPLICIT:
      return 'global';
    case Scope.LOCAL:
      return kind === 'function' ? 'fast' : 'name';
    case Scope.GLOBAL_IMPLICIT:
    case undefined:
      return kind === 'function' ? 'global' : 'name';
  }
}

/** Analyse a module: the ScopeInfo of every scope, and the symbol-table errors. */
export function resolveModule(module: Module): Resolution {
  const builder = new SymtableBuilder(module);
  // CPython stops at the first error: analysis errors only when the visit found none.
  const analysisErrors: Diagnostic[] = [];
  new Analyzer(analysisErrors).analyzeBlock(builder.top, null, new Set(), new Set());
  const diagnostics = builder.diagnostics.length > 0 ? builder.diagnostics : analysisErrors;
  const infos = new Map<object, ScopeInfo>();
  for (const [node, b] of builder.blocks) {
    if (b.kind === 'function') new Emitter(b).run(node);
    infos.set(node, scopeInfo(b));
  }
  const top = infos.get(module) as ScopeInfo;
  return {
    module: top,
    diagnostics,
    scopeOf(node: object): ScopeInfo {
      const info = infos.get(node);
      if (info === undefined) throw new Error('resolve: this node does not open a scope');
      return info;
    },
  };
}
