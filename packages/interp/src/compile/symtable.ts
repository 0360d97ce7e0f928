/*
 * The symbol table (Python/symtable.c, 3.11)
 * ==========================================
 * Two passes over the optimized tree decide, for every name of every scope, where it
 * lives. The first pass records raw facts per block (module, class, function; lambdas
 * and comprehensions are function blocks): the name is assigned here (DEF_LOCAL), is a
 * parameter (DEF_PARAM), is imported, is declared global or nonlocal, is used (USE).
 * The second pass (`analyze`) walks the blocks top-down with the set of names bound in
 * enclosing function scopes, and gives each name a scope: LOCAL, GLOBAL_EXPLICIT,
 * GLOBAL_IMPLICIT, FREE (bound in an enclosing function) or CELL (local here and free in
 * a nested block). A class body is transparent to its methods, except for the implicit
 * `__class__` cell that `super()` or `__class__` in a method creates
 * (`ste_needs_class_closure`, compiled into the class's `__classcell__`).
 *
 * Names are mangled in class bodies (`__x` → `_Class__x`, `mangle`). Under
 * `from __future__ import annotations`, annotations are visited in throwaway annotation
 * blocks, since they will be strings. The errors are SyntaxErrors with CPython's
 * messages and positions.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- a port of CPython's C: indices
   and links are in range by construction, as there; a miss is a compiler defect */
import type {
  Alias,
  Arguments,
  Comprehension,
  ExceptHandler,
  Expr,
  Module,
  Pattern,
  Pos,
  Stmt,
} from '../parse/pyast.js';
import { CO_FUTURE_ANNOTATIONS, CompileError } from './astopt.js';

export const DEF_GLOBAL = 1;
export const DEF_LOCAL = 2;
export const DEF_PARAM = 4;
export const DEF_NONLOCAL = 8;
export const USE = 16;
export const DEF_FREE = 32;
export const DEF_FREE_CLASS = 64;
export const DEF_IMPORT = 128;
export const DEF_ANNOT = 256;
export const DEF_COMP_ITER = 512;
export const DEF_BOUND = DEF_LOCAL | DEF_PARAM | DEF_IMPORT;

export const SCOPE_OFFSET = 11;
export const SCOPE_MASK = DEF_GLOBAL | DEF_LOCAL | DEF_PARAM | DEF_NONLOCAL;

export const LOCAL = 1;
export const GLOBAL_EXPLICIT = 2;
export const GLOBAL_IMPLICIT = 3;
export const FREE = 4;
export const CELL = 5;

export type BlockType = 'function' | 'class' | 'module' | 'annotation';
export type ComprehensionType = 'none' | 'list' | 'set' | 'dict' | 'generator';

/** Node identity key of a block: the AST node that opens it. */
export type BlockKey = object;

export class SymtableEntry {
  readonly symbols = new Map<string, number>();
  readonly varnames: string[] = [];
  readonly children: SymtableEntry[] = [];
  directives: { name: string; pos: Pos }[] | null = null;
  nested = false;
  free = false;
  childFree = false;
  generator = false;
  coroutine = false;
  comprehension: ComprehensionType = 'none';
  varargs = false;
  varkeywords = false;
  returnsValue = false;
  needsClassClosure = false;
  compIterTarget = false;
  compIterExpr = 0;

  constructor(
    readonly name: string,
    readonly type: BlockType,
    readonly key: BlockKey,
    readonly lineno: number,
  ) {}

  getSymbol(name: string): number {
    return this.symbols.get(name) ?? 0;
  }

  /** `_PyST_GetScope`. */
  getScope(name: string): number {
    return ((this.symbols.get(name) ?? 0) >> SCOPE_OFFSET) & SCOPE_MASK;
  }
}

/** `_Py_Mangle`: `__x` inside class `C` is `_C__x`. */
export function mangle(privateName: string | null, ident: string): string {
  if (privateName === null || !ident.startsWith('__')) return ident;
  if (ident.endsWith('__') || ident.includes('.')) return ident;
  let ipriv = 0;
  while (privateName[ipriv] === '_') ipriv++;
  if (ipriv === privateName.length) return ident;
  return '_' + privateName.slice(ipriv) + ident;
}

const err = (msg: string, p: Pos): CompileError =>
  new CompileError(msg, p.lineno, p.col_offset, p.end_lineno, p.end_col_offset);

export class Symtable {
  readonly blocks = new Map<BlockKey, SymtableEntry>();
  readonly stack: SymtableEntry[] = [];
  cur!: SymtableEntry;
  top!: SymtableEntry;
  private global!: Map<string, number>;
  private private_: string | null = null;

  constructor(readonly futureFeatures: number) {}

  lookup(key: BlockKey): SymtableEntry {
    const ste = this.blocks.get(key);
    if (ste === undefined) throw new Error('unknown symbol table entry');
    return ste;
  }

  build(mod: Module): void {
    this.enterBlock('top', 'module', mod, 0);
    this.top = this.cur;
    for (const s of mod.body) this.visitStmt(s);
    this.exitBlock();
    this.analyze();
  }

  /** The table of an `eval` expression; `key` stands for the Expression node. */
  buildExpression(expr: Expr, key: BlockKey): void {
    this.enterBlock('top', 'module', key, 0);
    this.top = this.cur;
    this.visitExpr(expr);
    this.exitBlock();
    this.analyze();
  }

  /* ---------------------------------------------------------- pass 1 */

  private enterBlock(name: string, type: BlockType, key: BlockKey, lineno: number): void {
    const ste = new SymtableEntry(name, type, key, lineno);
    const prev = this.stack.length ? this.cur : null;
    if (prev !== null && (prev.nested || prev.type === 'function')) ste.nested = true;
    if (type !== 'annotation') this.blocks.set(key, ste);
    this.stack.push(ste);
    if (prev !== null) ste.compIterExpr = prev.compIterExpr;
    this.cur = ste;
    if (type === 'annotation') return;
    if (type === 'module') this.global = ste.symbols;
    if (prev !== null) prev.children.push(ste);
  }

  private exitBlock(): void {
    this.stack.pop();
    if (this.stack.length) this.cur = this.stack[this.stack.length - 1]!;
  }

  private addDef(name: string, flag: number, p: Pos, ste: SymtableEntry = this.cur): void {
    const mangled = mangle(this.private_, name);
    const old = ste.symbols.get(mangled);
    let val: number;
    if (old !== undefined) {
      if (flag & DEF_PARAM && old & DEF_PARAM) {
        throw err(`duplicate argument '${name}' in function definition`, p);
      }
      val = old | flag;
    } else {
      val = flag;
    }
    if (ste.compIterTarget) {
      if (val & (DEF_GLOBAL | DEF_NONLOCAL)) {
        throw err(`comprehension inner loop cannot rebind assignment expression target '${name}'`, p);
      }
      val |= DEF_COMP_ITER;
    }
    ste.symbols.set(mangled, val);
    if (flag & DEF_PARAM) {
      ste.varnames.push(mangled);
    } else if (flag & DEF_GLOBAL) {
      this.global.set(mangled, flag | (this.global.get(mangled) ?? 0));
    }
  }

  private lookupName(name: string): number {
    return this.cur.getSymbol(mangle(this.private_, name));
  }

  private recordDirective(name: string, p: Pos): void {
    (this.cur.directives ??= []).push({ name: mangle(this.private_, name), pos: p });
  }

  private get futureAnnotations(): boolean {
    return (this.futureFeatures & CO_FUTURE_ANNOTATIONS) !== 0;
  }

  private visitStmts(stmts: readonly Stmt[]): void {
    for (const s of stmts) this.visitStmt(s);
  }

  private visitExprs(exprs: readonly (Expr | null)[]): void {
    for (const e of exprs) if (e !== null) this.visitExpr(e);
  }

  private visitStmt(s: Stmt): void {
    switch (s.k) {
      case 'FunctionDef':
      case 'AsyncFunctionDef':
        this.addDef(s.name, DEF_LOCAL, s);
        this.visitExprs(s.args.defaults);
        this.visitExprs(s.args.kw_defaults);
        this.visitExprs(s.decorator_list);
        this.visitAnnotations(s, s.args, s.returns);
        this.enterBlock(s.name, 'function', s, s.lineno);
        if (s.k === 'AsyncFunctionDef') this.cur.coroutine = true;
        this.visitArguments(s.args);
        this.visitStmts(s.body);
        this.exitBlock();
        break;
      case 'ClassDef': {
        this.addDef(s.name, DEF_LOCAL, s);
        this.visitExprs(s.bases);
        for (const k of s.keywords) this.visitExpr(k.value);
        this.visitExprs(s.decorator_list);
        this.enterBlock(s.name, 'class', s, s.lineno);
        const tmp = this.private_;
        this.private_ = s.name;
        this.visitStmts(s.body);
        this.private_ = tmp;
        this.exitBlock();
        break;
      }
      case 'Return':
        if (s.value !== null) {
          this.visitExpr(s.value);
          this.cur.returnsValue = true;
        }
        break;
      case 'Delete':
        this.visitExprs(s.targets);
        break;
      case 'Assign':
        this.visitExprs(s.targets);
        this.visitExpr(s.value);
        break;
      case 'AnnAssign':
        if (s.target.k === 'Name') {
          const eName = s.target;
          const cur = this.lookupName(eName.id);
          if (cur & (DEF_GLOBAL | DEF_NONLOCAL) && this.cur.symbols !== this.global && s.simple) {
            throw err(
              cur & DEF_GLOBAL
                ? `annotated name '${eName.id}' can't be global`
                : `annotated name '${eName.id}' can't be nonlocal`,
              s,
            );
          }
          if (s.simple) this.addDef(eName.id, DEF_ANNOT | DEF_LOCAL, eName);
          else if (s.value !== null) this.addDef(eName.id, DEF_LOCAL, eName);
        } else {
          this.visitExpr(s.target);
        }
        this.visitAnnotation(s.annotation);
        if (s.value !== null) this.visitExpr(s.value);
        break;
      case 'AugAssign':
        this.visitExpr(s.target);
        this.visitExpr(s.value);
        break;
      case 'For':
      case 'AsyncFor':
        this.visitExpr(s.target);
        this.visitExpr(s.iter);
        this.visitStmts(s.body);
        this.visitStmts(s.orelse);
        break;
      case 'While':
      case 'If':
        this.visitExpr(s.test);
        this.visitStmts(s.body);
        this.visitStmts(s.orelse);
        break;
      case 'Match':
        this.visitExpr(s.subject);
        for (const m of s.cases) {
          this.visitPattern(m.pattern);
          if (m.guard !== null) this.visitExpr(m.guard);
          this.visitStmts(m.body);
        }
        break;
      case 'Raise':
        if (s.exc !== null) {
          this.visitExpr(s.exc);
          if (s.cause !== null) this.visitExpr(s.cause);
        }
        break;
      case 'Try':
      case 'TryStar':
        this.visitStmts(s.body);
        for (const h of s.handlers) this.visitHandler(h);
        this.visitStmts(s.orelse);
        this.visitStmts(s.finalbody);
        break;
      case 'Assert':
        this.visitExpr(s.test);
        if (s.msg !== null) this.visitExpr(s.msg);
        break;
      case 'Import':
      case 'ImportFrom':
        for (const a of s.names) this.visitAlias(a);
        break;
      case 'Global':
      case 'Nonlocal': {
        const isGlobal = s.k === 'Global';
        const word = isGlobal ? 'global' : 'nonlocal';
        for (const name of s.names) {
          const cur = this.lookupName(name);
          if (cur & (DEF_PARAM | DEF_LOCAL | USE | DEF_ANNOT)) {
            let msg: string;
            if (cur & DEF_PARAM) msg = `name '${name}' is parameter and ${word}`;
            else if (cur & USE) msg = `name '${name}' is used prior to ${word} declaration`;
            else if (cur & DEF_ANNOT) msg = `annotated name '${name}' can't be ${word}`;
            else msg = `name '${name}' is assigned to before ${word} declaration`;
            throw err(msg, s);
          }
          this.addDef(name, isGlobal ? DEF_GLOBAL : DEF_NONLOCAL, s);
          this.recordDirective(name, s);
        }
        break;
      }
      case 'Expr':
        this.visitExpr(s.value);
        break;
      case 'Pass':
      case 'Break':
      case 'Continue':
        break;
      case 'With':
      case 'AsyncWith':
        for (const item of s.items) {
          this.visitExpr(item.context_expr);
          if (item.optional_vars !== null) this.visitExpr(item.optional_vars);
        }
        this.visitStmts(s.body);
        break;
    }
  }

  private extendNamedExprScope(e: Expr & { k: 'Name' }): void {
    const target = e.id;
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const ste = this.stack[i]!;
      if (ste.comprehension !== 'none') {
        const t = ste.getSymbol(target);
        if (t & DEF_COMP_ITER && t & DEF_LOCAL) {
          throw err(`assignment expression cannot rebind comprehension iteration variable '${target}'`, e);
        }
        continue;
      }
      if (ste.type === 'function') {
        const t = ste.getSymbol(target);
        if (t & DEF_GLOBAL) this.addDef(target, DEF_GLOBAL, e);
        else this.addDef(target, DEF_NONLOCAL, e);
        this.recordDirective(target, e);
        this.addDef(target, DEF_LOCAL, e, ste);
        return;
      }
      if (ste.type === 'module') {
        this.addDef(target, DEF_GLOBAL, e);
        this.recordDirective(target, e);
        this.addDef(target, DEF_GLOBAL, e, ste);
        return;
      }
      if (ste.type === 'class') {
        throw err('assignment expression within a comprehension cannot be used in a class body', e);
      }
    }
  }

  private raiseIfAnnotationBlock(name: string, e: Expr): void {
    if (this.cur.type === 'annotation') throw err(`'${name}' can not be used within an annotation`, e);
  }

  private visitExpr(e: Expr): void {
    switch (e.k) {
      case 'NamedExpr':
        this.raiseIfAnnotationBlock('named expression', e);
        if (this.cur.compIterExpr > 0) {
          throw err('assignment expression cannot be used in a comprehension iterable expression', e);
        }
        if (this.cur.comprehension !== 'none') {
          if (e.target.k === 'Name') this.extendNamedExprScope(e.target);
        }
        this.visitExpr(e.value);
        this.visitExpr(e.target);
        break;
      case 'BoolOp':
        this.visitExprs(e.values);
        break;
      case 'BinOp':
        this.visitExpr(e.left);
        this.visitExpr(e.right);
        break;
      case 'UnaryOp':
        this.visitExpr(e.operand);
        break;
      case 'Lambda':
        this.visitExprs(e.args.defaults);
        this.visitExprs(e.args.kw_defaults);
        this.enterBlock('lambda', 'function', e, e.lineno);
        this.visitArguments(e.args);
        this.visitExpr(e.body);
        this.exitBlock();
        break;
      case 'IfExp':
        this.visitExpr(e.test);
        this.visitExpr(e.body);
        this.visitExpr(e.orelse);
        break;
      case 'Dict':
        this.visitExprs(e.keys);
        this.visitExprs(e.values);
        break;
      case 'Set':
        this.visitExprs(e.elts);
        break;
      case 'GeneratorExp':
        this.handleComprehension(e, 'genexpr', e.generators, e.elt, null);
        break;
      case 'ListComp':
        this.handleComprehension(e, 'listcomp', e.generators, e.elt, null);
        break;
      case 'SetComp':
        this.handleComprehension(e, 'setcomp', e.generators, e.elt, null);
        break;
      case 'DictComp':
        this.handleComprehension(e, 'dictcomp', e.generators, e.key, e.value);
        break;
      case 'Yield':
      case 'YieldFrom':
        this.raiseIfAnnotationBlock('yield expression', e);
        if (e.value !== null) this.visitExpr(e.value);
        this.cur.generator = true;
        if (this.cur.comprehension !== 'none') {
          const c = this.cur.comprehension;
          throw err(
            c === 'list'
              ? "'yield' inside list comprehension"
              : c === 'set'
                ? "'yield' inside set comprehension"
                : c === 'dict'
                  ? "'yield' inside dict comprehension"
                  : "'yield' inside generator expression",
            e,
          );
        }
        break;
      case 'Await':
        this.raiseIfAnnotationBlock('await expression', e);
        this.visitExpr(e.value);
        this.cur.coroutine = true;
        break;
      case 'Compare':
        this.visitExpr(e.left);
        this.visitExprs(e.comparators);
        break;
      case 'Call':
        this.visitExpr(e.func);
        this.visitExprs(e.args);
        for (const k of e.keywords) this.visitExpr(k.value);
        break;
      case 'FormattedValue':
        this.visitExpr(e.value);
        if (e.format_spec !== null) this.visitExpr(e.format_spec);
        break;
      case 'JoinedStr':
        this.visitExprs(e.values);
        break;
      case 'Constant':
        break;
      case 'Attribute':
        this.visitExpr(e.value);
        break;
      case 'Subscript':
        this.visitExpr(e.value);
        this.visitExpr(e.slice);
        break;
      case 'Starred':
        this.visitExpr(e.value);
        break;
      case 'Slice':
        if (e.lower !== null) this.visitExpr(e.lower);
        if (e.upper !== null) this.visitExpr(e.upper);
        if (e.step !== null) this.visitExpr(e.step);
        break;
      case 'Name':
        this.addDef(e.id, e.ctx === 'Load' ? USE : DEF_LOCAL, e);
        if (e.ctx === 'Load' && this.cur.type === 'function' && e.id === 'super') {
          this.addDef('__class__', USE, e);
        }
        break;
      case 'List':
      case 'Tuple':
        this.visitExprs(e.elts);
        break;
    }
  }

  private visitPattern(p: Pattern): void {
    switch (p.k) {
      case 'MatchValue':
        this.visitExpr(p.value);
        break;
      case 'MatchSingleton':
        break;
      case 'MatchSequence':
        for (const x of p.patterns) this.visitPattern(x);
        break;
      case 'MatchStar':
        if (p.name !== null) this.addDef(p.name, DEF_LOCAL, p);
        break;
      case 'MatchMapping':
        this.visitExprs(p.keys);
        for (const x of p.patterns) this.visitPattern(x);
        if (p.rest !== null) this.addDef(p.rest, DEF_LOCAL, p);
        break;
      case 'MatchClass':
        this.visitExpr(p.cls);
        for (const x of p.patterns) this.visitPattern(x);
        for (const x of p.kwd_patterns) this.visitPattern(x);
        break;
      case 'MatchAs':
        if (p.pattern !== null) this.visitPattern(p.pattern);
        if (p.name !== null) this.addDef(p.name, DEF_LOCAL, p);
        break;
      case 'MatchOr':
        for (const x of p.patterns) this.visitPattern(x);
        break;
    }
  }

  private visitAnnotation(annotation: Expr): void {
    const fa = this.futureAnnotations;
    if (fa) this.enterBlock('_annotation', 'annotation', annotation, annotation.lineno);
    this.visitExpr(annotation);
    if (fa) this.exitBlock();
  }

  private visitAnnotations(s: Stmt, a: Arguments, returns: Expr | null): void {
    const fa = this.futureAnnotations;
    if (fa) this.enterBlock('_annotation', 'annotation', s, s.lineno);
    for (const arg of a.posonlyargs) if (arg.annotation !== null) this.visitExpr(arg.annotation);
    for (const arg of a.args) if (arg.annotation !== null) this.visitExpr(arg.annotation);
    if (a.vararg?.annotation) this.visitExpr(a.vararg.annotation);
    if (a.kwarg?.annotation) this.visitExpr(a.kwarg.annotation);
    for (const arg of a.kwonlyargs) if (arg.annotation !== null) this.visitExpr(arg.annotation);
    if (fa) this.exitBlock();
    if (returns !== null) this.visitAnnotation(returns);
  }

  private visitArguments(a: Arguments): void {
    for (const arg of a.posonlyargs) this.addDef(arg.arg, DEF_PARAM, arg);
    for (const arg of a.args) this.addDef(arg.arg, DEF_PARAM, arg);
    for (const arg of a.kwonlyargs) this.addDef(arg.arg, DEF_PARAM, arg);
    if (a.vararg !== null) {
      this.addDef(a.vararg.arg, DEF_PARAM, a.vararg);
      this.cur.varargs = true;
    }
    if (a.kwarg !== null) {
      this.addDef(a.kwarg.arg, DEF_PARAM, a.kwarg);
      this.cur.varkeywords = true;
    }
  }

  private visitHandler(h: ExceptHandler): void {
    if (h.type !== null) this.visitExpr(h.type);
    if (h.name !== null) this.addDef(h.name, DEF_LOCAL, h);
    this.visitStmts(h.body);
  }

  private visitAlias(a: Alias): void {
    const name = a.asname ?? a.name;
    const dot = name.indexOf('.');
    const storeName = dot !== -1 ? name.slice(0, dot) : name;
    if (name !== '*') {
      this.addDef(storeName, DEF_IMPORT, a);
    } else if (this.cur.type !== 'module') {
      throw err('import * only allowed at module level', a);
    }
  }

  private visitComprehension(lc: Comprehension): void {
    this.cur.compIterTarget = true;
    this.visitExpr(lc.target);
    this.cur.compIterTarget = false;
    this.cur.compIterExpr++;
    this.visitExpr(lc.iter);
    this.cur.compIterExpr--;
    this.visitExprs(lc.ifs);
    if (lc.is_async) this.cur.coroutine = true;
  }

  private handleComprehension(
    e: Expr,
    scopeName: string,
    generators: readonly Comprehension[],
    elt: Expr,
    value: Expr | null,
  ): void {
    const isGenerator = e.k === 'GeneratorExp';
    const outermost = generators[0]!;
    this.cur.compIterExpr++;
    this.visitExpr(outermost.iter);
    this.cur.compIterExpr--;
    this.enterBlock(scopeName, 'function', e, e.lineno);
    this.cur.comprehension =
      e.k === 'ListComp' ? 'list' : e.k === 'SetComp' ? 'set' : e.k === 'DictComp' ? 'dict' : 'generator';
    if (outermost.is_async) this.cur.coroutine = true;
    this.addDef('.0', DEF_PARAM, e);
    this.cur.compIterTarget = true;
    this.visitExpr(outermost.target);
    this.cur.compIterTarget = false;
    this.visitExprs(outermost.ifs);
    for (let i = 1; i < generators.length; i++) this.visitComprehension(generators[i]!);
    if (value !== null) this.visitExpr(value);
    this.visitExpr(elt);
    this.cur.generator = isGenerator;
    const isAsync = this.cur.coroutine && !isGenerator;
    this.exitBlock();
    if (isAsync) this.cur.coroutine = true;
  }

  /* ---------------------------------------------------------- pass 2 */

  private errorAtDirective(ste: SymtableEntry, name: string, msg: string): CompileError {
    const d = ste.directives?.find((x) => x.name === name);
    if (d === undefined) return new CompileError(msg, ste.lineno, 0, ste.lineno, 0);
    return err(msg, d.pos);
  }

  private analyzeName(
    ste: SymtableEntry,
    scopes: Map<string, number>,
    name: string,
    flags: number,
    bound: Set<string> | null,
    local: Set<string>,
    free: Set<string>,
    global: Set<string>,
  ): void {
    if (flags & DEF_GLOBAL) {
      if (flags & DEF_NONLOCAL) throw this.errorAtDirective(ste, name, `name '${name}' is nonlocal and global`);
      scopes.set(name, GLOBAL_EXPLICIT);
      global.add(name);
      if (bound) bound.delete(name);
      return;
    }
    if (flags & DEF_NONLOCAL) {
      if (!bound) throw this.errorAtDirective(ste, name, 'nonlocal declaration not allowed at module level');
      if (!bound.has(name)) throw this.errorAtDirective(ste, name, `no binding for nonlocal '${name}' found`);
      scopes.set(name, FREE);
      ste.free = true;
      free.add(name);
      return;
    }
    if (flags & DEF_BOUND) {
      scopes.set(name, LOCAL);
      local.add(name);
      global.delete(name);
      return;
    }
    if (bound && bound.has(name)) {
      scopes.set(name, FREE);
      ste.free = true;
      free.add(name);
      return;
    }
    if (global.has(name)) {
      scopes.set(name, GLOBAL_IMPLICIT);
      return;
    }
    if (ste.nested) ste.free = true;
    scopes.set(name, GLOBAL_IMPLICIT);
  }

  private analyzeBlock(ste: SymtableEntry, bound: Set<string> | null, free: Set<string>, global: Set<string>): void {
    const local = new Set<string>();
    const scopes = new Map<string, number>();
    const newglobal = new Set<string>();
    const newfree = new Set<string>();
    const newbound = new Set<string>();

    if (ste.type === 'class') {
      for (const g of global) newglobal.add(g);
      if (bound) for (const b of bound) newbound.add(b);
    }
    for (const [name, flags] of ste.symbols) {
      this.analyzeName(ste, scopes, name, flags, bound, local, free, global);
    }
    if (ste.type !== 'class') {
      if (ste.type === 'function') for (const l of local) newbound.add(l);
      if (bound) for (const b of bound) newbound.add(b);
      for (const g of global) newglobal.add(g);
    } else {
      newbound.add('__class__');
    }

    for (const entry of ste.children) {
      const childFree = new Set(newfree);
      this.analyzeBlock(entry, new Set(newbound), childFree, new Set(newglobal));
      for (const f of childFree) newfree.add(f);
      if (entry.free || entry.childFree) ste.childFree = true;
    }

    if (ste.type === 'function') {
      for (const [name, scope] of scopes) {
        if (scope !== LOCAL || !newfree.has(name)) continue;
        scopes.set(name, CELL);
        newfree.delete(name);
      }
    } else if (ste.type === 'class') {
      if (newfree.delete('__class__')) ste.needsClassClosure = true;
    }

    // update_symbols
    const classflag = ste.type === 'class';
    for (const [name, flags] of ste.symbols) {
      const scope = scopes.get(name)!;
      ste.symbols.set(name, flags | (scope << SCOPE_OFFSET));
    }
    for (const name of newfree) {
      const v = ste.symbols.get(name);
      if (v !== undefined) {
        if (classflag) ste.symbols.set(name, v | DEF_FREE_CLASS);
        continue;
      }
      if (bound && !bound.has(name)) continue;
      ste.symbols.set(name, FREE << SCOPE_OFFSET);
    }
    for (const f of newfree) free.add(f);
  }

  private analyze(): void {
    this.analyzeBlock(this.top, null, new Set(), new Set());
  }
}

export function buildExpressionSymtable(expr: Expr, key: BlockKey, futureFeatures: number): Symtable {
  const st = new Symtable(futureFeatures);
  st.buildExpression(expr, key);
  return st;
}

export function buildSymtable(mod: Module, futureFeatures: number): Symtable {
  const st = new Symtable(futureFeatures);
  st.build(mod);
  return st;
}
