/*
 * Code generation (Python/compile.c 3.11, `compiler_*`)
 * =====================================================
 * Walks the optimized tree of one compilation unit (module, class body, function,
 * lambda, comprehension) and emits instructions into basic blocks, exactly as CPython
 * 3.11's compiler does, then hands each unit to the assembler (assemble.ts).
 *
 * The pieces that shape the bytecode:
 *   - locations: every statement sets the current location; each expression sets its own
 *     and restores the statement's afterwards (SET_LOC / UNSET_LOC); artificial
 *     instructions carry lineno -1;
 *   - frame blocks (`fblock`): loops, try/finally, with, except handlers; `return`,
 *     `break` and `continue` unwind them, emitting the finally bodies and `__exit__`
 *     calls inline;
 *   - exception regions as pseudo-instructions SETUP_FINALLY / SETUP_CLEANUP /
 *     SETUP_WITH / POP_BLOCK;
 *   - calls: PUSH_NULL + callable or LOAD_METHOD, arguments, KW_NAMES, PRECALL, CALL;
 *     CALL_FUNCTION_EX for star-args or more than 30 stack items;
 *   - comprehensions, generator expressions, lambdas and class bodies are nested code
 *     objects, made with MAKE_FUNCTION (closures with LOAD_CLOSURE + BUILD_TUPLE);
 *   - generators, coroutines, `yield from` and `await` as SEND / YIELD_VALUE / RESUME loops;
 *   - `match` with its pattern context (names captured under the items kept on top of the
 *     stack, a chain of POP_TOP blocks for failure);
 *   - constants merged across the whole compilation unit (`merge_consts_recursive`): equal
 *     constants are one object (the same JS object), wherever they appear.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- a port of CPython's C: indices
   and links are in range by construction, as there; a miss is a compiler defect */
import type {
  Arguments,
  Arg,
  Comprehension,
  ExceptHandler,
  Expr,
  ExprContext,
  Keyword,
  Module,
  Operator,
  Pattern,
  Pos,
  Stmt,
  CmpOpKind,
} from '../parse/pyast.js';
import type { CodeObject, Constant } from './code.js';
import { CO_FAST_FREE } from './code.js';
import { Op } from './opcodes.js';
import {
  Block,
  FVS_HAVE_SPEC,
  type Instr,
  isJump,
  JUMP,
  JUMP_NO_INTERRUPT,
  POP_BLOCK,
  POP_JUMP_IF_FALSE,
  POP_JUMP_IF_NONE,
  POP_JUMP_IF_NOT_NONE,
  POP_JUMP_IF_TRUE,
  SETUP_CLEANUP,
  SETUP_FINALLY,
  SETUP_WITH,
} from './cfg.js';
import { assembleUnit, type AssemblerContext, type AssemblerUnit } from './assemble.js';
import {
  CELL,
  DEF_FREE_CLASS,
  DEF_IMPORT,
  FREE,
  GLOBAL_EXPLICIT,
  GLOBAL_IMPLICIT,
  LOCAL,
  mangle,
  SCOPE_MASK,
  SCOPE_OFFSET,
  type Symtable,
  type SymtableEntry,
} from './symtable.js';
import { CO_FUTURE_ANNOTATIONS, CompileError, getDocString } from './astopt.js';
import { constantKey, constRepr, NONE, int as mkInt, str as mkStr } from './constops.js';
import { exprAsUnicode } from './unparse.js';
import { dedupe, pyEquals } from './astopt.js';

const STACK_USE_GUIDELINE = 30;
const CO_MAXBLOCKS = 20;

const COMP_GENEXP = 0;
const COMP_LISTCOMP = 1;
const COMP_SETCOMP = 2;
const COMP_DICTCOMP = 3;

const enum Scope {
  MODULE,
  CLASS,
  FUNCTION,
  ASYNC_FUNCTION,
  LAMBDA,
  COMPREHENSION,
}

const enum FB {
  WHILE_LOOP,
  FOR_LOOP,
  TRY_EXCEPT,
  FINALLY_TRY,
  FINALLY_END,
  WITH,
  ASYNC_WITH,
  HANDLER_CLEANUP,
  POP_VALUE,
  EXCEPTION_HANDLER,
  EXCEPTION_GROUP_HANDLER,
  ASYNC_COMPREHENSION_GENERATOR,
}

interface FBlock {
  type: FB;
  block: Block | null;
  exit: Block | null;
  /** finally body (FINALLY_TRY), the with statement (WITH), the handler name (HANDLER_CLEANUP). */
  datum: unknown;
}

const NB: Record<Operator, [number, number]> = {
  Add: [0, 13],
  BitAnd: [1, 14],
  FloorDiv: [2, 15],
  LShift: [3, 16],
  MatMult: [4, 17],
  Mult: [5, 18],
  Mod: [6, 19],
  BitOr: [7, 20],
  Pow: [8, 21],
  RShift: [9, 22],
  Sub: [10, 23],
  Div: [11, 24],
  BitXor: [12, 25],
};

const CMP: Partial<Record<CmpOpKind, number>> = { Lt: 0, LtE: 1, Eq: 2, NotEq: 3, Gt: 4, GtE: 5 };

class Unit implements AssemblerUnit {
  qualname: string | null = null;
  readonly consts: Constant[] = [];
  readonly constIndex = new Map<string, number>();
  readonly names = new Map<string, number>();
  readonly varnames = new Map<string, number>();
  readonly cellvars = new Map<string, number>();
  readonly freevars = new Map<string, number>();
  private_: string | null = null;
  argcount = 0;
  posonlyargcount = 0;
  kwonlyargcount = 0;
  readonly blocks: Block[] = [];
  curblock!: Block;
  readonly fblocks: FBlock[] = [];
  lineno: number;
  col_offset = 0;
  end_lineno: number;
  end_col_offset = 0;
  needNewImplicitBlock = false;

  constructor(
    readonly ste: SymtableEntry,
    readonly name: string,
    readonly scopeType: Scope,
    public firstlineno: number,
  ) {
    this.lineno = firstlineno;
    this.end_lineno = firstlineno;
  }

  newBlock(): Block {
    const b = new Block(this.blocks.length);
    this.blocks.push(b);
    return b;
  }
}

interface PatternContext {
  stores: string[];
  allowIrrefutable: boolean;
  failPop: Block[];
  onTop: number;
}

const sortedNames = (names: Iterable<string>): string[] =>
  [...names].sort((a, b) => {
    // PyList_Sort on str: code point order
    const ca = Array.from(a);
    const cb = Array.from(b);
    const n = Math.min(ca.length, cb.length);
    for (let i = 0; i < n; i++) {
      const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
      if (d !== 0) return d;
    }
    return ca.length - cb.length;
  });

function dictbytype(
  symbols: Map<string, number>,
  scopeType: number,
  flag: number,
  offset: number,
): Map<string, number> {
  const dest = new Map<string, number>();
  let i = offset;
  for (const k of sortedNames(symbols.keys())) {
    const vi = symbols.get(k)!;
    const scope = (vi >> SCOPE_OFFSET) & SCOPE_MASK;
    if (scope === scopeType || vi & flag) dest.set(k, i++);
  }
  return dest;
}

const isStarred = (e: Expr): boolean => e.k === 'Starred';

export class Compiler implements AssemblerContext {
  private u!: Unit;
  private readonly stack: Unit[] = [];
  private readonly constCache = new Map<string, Constant>();
  private nestlevel = 0;
  readonly optimize = 0;
  readonly interactive = false;

  constructor(
    readonly filename: string,
    readonly st: Symtable,
    readonly futureFeatures: number,
    readonly futureLineno: number,
  ) {}

  get flags(): number {
    return this.futureFeatures;
  }

  /* ---------------------------------------------------------- errors */

  private error(msg: string): CompileError {
    const u = this.u;
    return new CompileError(msg, u.lineno, u.col_offset, u.end_lineno, u.end_col_offset);
  }

  /* ---------------------------------------------------------- constants */

  /** merge_consts_recursive: the canonical object of a constant, and its key. */
  private merge(o: Constant): [Constant, string] {
    const key = constantKey(o);
    const existing = this.constCache.get(key);
    if (existing !== undefined) return [existing, key];
    let canonical = o;
    if (o.k === 'tuple') {
      const items = o.items.map((x) => this.merge(x)[0]);
      canonical = items.every((x, i) => x === o.items[i]) ? o : { k: 'tuple', items };
    } else if (o.k === 'frozenset') {
      canonical = { k: 'frozenset', items: o.items.map((x) => this.merge(x)[0]) };
    }
    this.constCache.set(key, canonical);
    return [canonical, key];
  }

  mergeConstOne(c: Constant): Constant {
    const key = constantKey(c);
    const existing = this.constCache.get(key);
    if (existing !== undefined) return existing;
    this.constCache.set(key, c);
    return c;
  }

  private addConst(o: Constant): number {
    const [canonical, key] = this.merge(o);
    const u = this.u;
    let i = u.constIndex.get(key);
    if (i === undefined) {
      i = u.consts.length;
      u.constIndex.set(key, i);
      u.consts.push(canonical);
    }
    return i;
  }

  /* ---------------------------------------------------------- emitting */

  private useNextBlock(b: Block): Block {
    this.u.curblock.next = b;
    this.u.curblock = b;
    this.u.needNewImplicitBlock = false;
    return b;
  }

  private newBlock(): Block {
    return this.u.newBlock();
  }

  private emit(
    op: number,
    arg: number,
    target: Block | null,
    lineno: number,
    end: number,
    col: number,
    endCol: number,
  ): void {
    const u = this.u;
    if (u.needNewImplicitBlock) this.useNextBlock(this.newBlock());
    const b = u.curblock;
    const ins: Instr = {
      op,
      arg,
      target,
      except: null,
      lineno,
      end_lineno: end,
      col_offset: col,
      end_col_offset: endCol,
    };
    b.instrs.push(ins);
    if (op === Op.RETURN_VALUE && target === null && arg === 0) b.return_ = true;
    if (isJump(ins) || op === Op.RETURN_VALUE || op === Op.RAISE_VARARGS || op === Op.RERAISE) {
      u.needNewImplicitBlock = true;
    }
  }

  private addop(op: number): void {
    const u = this.u;
    this.emit(op, 0, null, u.lineno, u.end_lineno, u.col_offset, u.end_col_offset);
  }

  private addopNoline(op: number): void {
    this.emit(op, 0, null, -1, 0, 0, 0);
  }

  private addopI(op: number, arg: number): void {
    const u = this.u;
    this.emit(op, arg, null, u.lineno, u.end_lineno, u.col_offset, u.end_col_offset);
  }

  private addopINoline(op: number, arg: number): void {
    this.emit(op, arg, null, -1, 0, 0, 0);
  }

  private addopJ(op: number, target: Block): void {
    const u = this.u;
    this.emit(op, 0, target, u.lineno, u.end_lineno, u.col_offset, u.end_col_offset);
  }

  private addopJNoline(op: number, target: Block): void {
    this.emit(op, 0, target, -1, 0, 0, 0);
  }

  private loadConst(o: Constant): void {
    this.addopI(Op.LOAD_CONST, this.addConst(o));
  }

  private static addO(dict: Map<string, number>, o: string): number {
    let v = dict.get(o);
    if (v === undefined) {
      v = dict.size;
      dict.set(o, v);
    }
    return v;
  }

  private addopName(op: number, name: string): void {
    const mangled = mangle(this.u.private_, name);
    this.addopI(op, Compiler.addO(this.u.names, mangled));
  }

  private addopN(op: number, name: string): void {
    this.addopI(op, Compiler.addO(this.u.names, name));
  }

  private setLoc(x: Pos): void {
    const u = this.u;
    u.lineno = x.lineno;
    u.col_offset = x.col_offset;
    u.end_lineno = x.end_lineno;
    u.end_col_offset = x.end_col_offset;
  }

  private unsetLoc(): void {
    const u = this.u;
    u.lineno = -1;
    u.col_offset = -1;
    u.end_lineno = -1;
    u.end_col_offset = -1;
  }

  private saveLoc(): [number, number, number, number] {
    const u = this.u;
    return [u.lineno, u.end_lineno, u.col_offset, u.end_col_offset];
  }

  private restoreLoc(l: [number, number, number, number]): void {
    const u = this.u;
    [u.lineno, u.end_lineno, u.col_offset, u.end_col_offset] = l;
  }

  /* ---------------------------------------------------------- scopes */

  private enterScope(name: string, scopeType: Scope, key: object, lineno: number): void {
    const ste = this.st.lookup(key);
    const u = new Unit(ste, name, scopeType, lineno);
    ste.varnames.forEach((v, i) => u.varnames.set(v, i));
    for (const [k, v] of dictbytype(ste.symbols, CELL, 0, 0)) u.cellvars.set(k, v);
    if (ste.needsClassClosure) u.cellvars.set('__class__', 0);
    for (const [k, v] of dictbytype(ste.symbols, FREE, DEF_FREE_CLASS, u.cellvars.size)) u.freevars.set(k, v);
    if (this.u !== undefined) {
      this.stack.push(this.u);
      u.private_ = this.u.private_;
    }
    this.u = u;
    this.nestlevel++;
    u.curblock = u.newBlock();
    if (scopeType === Scope.MODULE) u.lineno = 0;
    else this.setQualname();
    this.addopI(Op.RESUME, 0);
    if (scopeType === Scope.MODULE) u.lineno = -1;
  }

  private exitScope(): void {
    this.nestlevel--;
    const parent = this.stack.pop();
    if (parent !== undefined) this.u = parent;
  }

  private setQualname(): void {
    const u = this.u;
    let base: string | null = null;
    if (this.stack.length > 1) {
      const parent = this.stack[this.stack.length - 1]!;
      let forceGlobal = false;
      if (u.scopeType === Scope.FUNCTION || u.scopeType === Scope.ASYNC_FUNCTION || u.scopeType === Scope.CLASS) {
        const mangled = mangle(parent.private_, u.name);
        if (parent.ste.getScope(mangled) === GLOBAL_EXPLICIT) forceGlobal = true;
      }
      if (!forceGlobal) {
        if (
          parent.scopeType === Scope.FUNCTION ||
          parent.scopeType === Scope.ASYNC_FUNCTION ||
          parent.scopeType === Scope.LAMBDA
        ) {
          base = parent.qualname + '.<locals>';
        } else {
          base = parent.qualname;
        }
      }
    }
    u.qualname = base !== null ? base + '.' + u.name : u.name;
  }

  private assemble(addNone: boolean): CodeObject {
    const u = this.u;
    if (!u.curblock.return_) {
      this.unsetLoc();
      if (addNone) this.loadConst(NONE);
      this.addop(Op.RETURN_VALUE);
    }
    return assembleUnit(u, this);
  }

  /* ---------------------------------------------------------- module */

  /** compiler_mod for an Expression (`eval` mode): the code returns the value. */
  compileExpression(expr: Expr, key: object): CodeObject {
    this.enterScope('<module>', Scope.MODULE, key, 1);
    this.u.lineno = 1;
    this.visitExpr(expr);
    const co = this.assemble(false);
    this.exitScope();
    return co;
  }

  compileModule(mod: Module): CodeObject {
    this.enterScope('<module>', Scope.MODULE, mod, 1);
    this.u.lineno = 1;
    this.body(mod.body);
    const co = this.assemble(true);
    this.exitScope();
    return co;
  }

  private body(stmts: readonly Stmt[]): void {
    let i = 0;
    if (this.u.scopeType === Scope.MODULE && stmts.length) this.setLoc(stmts[0]!);
    if (findAnn(stmts)) this.addop(Op.SETUP_ANNOTATIONS);
    if (!stmts.length) return;
    if (this.optimize < 2) {
      const doc = getDocString(stmts);
      if (doc !== null) {
        i = 1;
        const st = stmts[0] as Stmt & { k: 'Expr' };
        this.visitExpr(st.value);
        this.unsetLoc();
        this.nameop('__doc__', 'Store');
      }
    }
    for (; i < stmts.length; i++) this.visitStmt(stmts[i]!);
  }

  /* ---------------------------------------------------------- frame blocks */

  private pushFblock(type: FB, block: Block | null, exit: Block | null, datum: unknown): void {
    if (this.u.fblocks.length >= CO_MAXBLOCKS) throw this.error('too many statically nested blocks');
    this.u.fblocks.push({ type, block, exit, datum });
  }

  private popFblock(): void {
    this.u.fblocks.pop();
  }

  private callExitWithNones(): void {
    this.loadConst(NONE);
    this.loadConst(NONE);
    this.loadConst(NONE);
    this.addopI(Op.PRECALL, 2);
    this.addopI(Op.CALL, 2);
  }

  private addYieldFrom(isAwait: boolean): void {
    const start = this.newBlock();
    const resume = this.newBlock();
    const exit = this.newBlock();
    this.useNextBlock(start);
    this.addopJ(Op.SEND, exit);
    this.useNextBlock(resume);
    this.addop(Op.YIELD_VALUE);
    this.addopI(Op.RESUME, isAwait ? 3 : 2);
    this.addopJ(JUMP_NO_INTERRUPT, start);
    this.useNextBlock(exit);
  }

  private popExceptAndReraise(): void {
    this.addopI(Op.COPY, 3);
    this.addop(Op.POP_EXCEPT);
    this.addopI(Op.RERAISE, 1);
  }

  private unwindFblock(info: FBlock, preserveTos: boolean): void {
    switch (info.type) {
      case FB.WHILE_LOOP:
      case FB.EXCEPTION_HANDLER:
      case FB.EXCEPTION_GROUP_HANDLER:
      case FB.ASYNC_COMPREHENSION_GENERATOR:
        return;
      case FB.FOR_LOOP:
        if (preserveTos) this.addopI(Op.SWAP, 2);
        this.addop(Op.POP_TOP);
        return;
      case FB.TRY_EXCEPT:
        this.addop(POP_BLOCK);
        return;
      case FB.FINALLY_TRY:
        this.addop(POP_BLOCK);
        if (preserveTos) this.pushFblock(FB.POP_VALUE, null, null, null);
        this.visitStmts(info.datum as readonly Stmt[]);
        if (preserveTos) this.popFblock();
        this.unsetLoc();
        return;
      case FB.FINALLY_END:
        if (preserveTos) this.addopI(Op.SWAP, 2);
        this.addop(Op.POP_TOP);
        if (preserveTos) this.addopI(Op.SWAP, 2);
        this.addop(POP_BLOCK);
        this.addop(Op.POP_EXCEPT);
        return;
      case FB.WITH:
      case FB.ASYNC_WITH:
        this.setLoc(info.datum as Stmt);
        this.addop(POP_BLOCK);
        if (preserveTos) this.addopI(Op.SWAP, 2);
        this.callExitWithNones();
        if (info.type === FB.ASYNC_WITH) {
          this.addopI(Op.GET_AWAITABLE, 2);
          this.loadConst(NONE);
          this.addYieldFrom(true);
        }
        this.addop(Op.POP_TOP);
        this.unsetLoc();
        return;
      case FB.HANDLER_CLEANUP: {
        const name = info.datum as string | null;
        if (name !== null) this.addop(POP_BLOCK);
        if (preserveTos) this.addopI(Op.SWAP, 2);
        this.addop(POP_BLOCK);
        this.addop(Op.POP_EXCEPT);
        if (name !== null) {
          this.loadConst(NONE);
          this.nameop(name, 'Store');
          this.nameop(name, 'Del');
        }
        return;
      }
      case FB.POP_VALUE:
        if (preserveTos) this.addopI(Op.SWAP, 2);
        this.addop(Op.POP_TOP);
        return;
    }
  }

  /** Unwind the frame blocks; with `wantLoop`, stop at the innermost loop and return it. */
  private unwindFblockStack(preserveTos: boolean, wantLoop: boolean): FBlock | null {
    const fblocks = this.u.fblocks;
    if (fblocks.length === 0) return null;
    const top = fblocks[fblocks.length - 1]!;
    if (top.type === FB.EXCEPTION_GROUP_HANDLER) {
      throw this.error("'break', 'continue' and 'return' cannot appear in an except* block");
    }
    if (wantLoop && (top.type === FB.WHILE_LOOP || top.type === FB.FOR_LOOP)) return top;
    fblocks.pop();
    this.unwindFblock(top, preserveTos);
    const loop = this.unwindFblockStack(preserveTos, wantLoop);
    fblocks.push(top);
    return loop;
  }

  /* ---------------------------------------------------------- statements */

  private visitStmts(stmts: readonly Stmt[]): void {
    for (const s of stmts) this.visitStmt(s);
  }

  private visitStmt(s: Stmt): void {
    this.setLoc(s);
    switch (s.k) {
      case 'FunctionDef':
        return this.function(s, false);
      case 'AsyncFunctionDef':
        return this.function(s, true);
      case 'ClassDef':
        return this.classDef(s);
      case 'Return':
        return this.return_(s);
      case 'Delete':
        for (const t of s.targets) this.visitExpr(t);
        return;
      case 'Assign': {
        const n = s.targets.length;
        this.visitExpr(s.value);
        for (let i = 0; i < n; i++) {
          if (i < n - 1) this.addopI(Op.COPY, 1);
          this.visitExpr(s.targets[i]!);
        }
        return;
      }
      case 'AugAssign':
        return this.augassign(s);
      case 'AnnAssign':
        return this.annassign(s);
      case 'For':
        return this.for_(s);
      case 'While':
        return this.while_(s);
      case 'If':
        return this.if_(s);
      case 'Match':
        return this.match(s);
      case 'Raise': {
        let n = 0;
        if (s.exc !== null) {
          this.visitExpr(s.exc);
          n++;
          if (s.cause !== null) {
            this.visitExpr(s.cause);
            n++;
          }
        }
        this.addopI(Op.RAISE_VARARGS, n);
        return;
      }
      case 'Try':
        return s.finalbody.length ? this.tryFinally(s) : this.tryExcept(s);
      case 'TryStar':
        return s.finalbody.length ? this.tryStarFinally(s) : this.tryStarExcept(s);
      case 'Assert':
        return this.assert(s);
      case 'Import':
        return this.import_(s);
      case 'ImportFrom':
        return this.fromImport(s);
      case 'Global':
      case 'Nonlocal':
        return;
      case 'Expr':
        return this.stmtExpr(s.value);
      case 'Pass':
        this.addop(Op.NOP);
        return;
      case 'Break':
        return this.break_();
      case 'Continue':
        return this.continue_();
      case 'With':
        return this.with_(s, 0);
      case 'AsyncWith':
        return this.asyncWith(s, 0);
      case 'AsyncFor':
        return this.asyncFor(s);
    }
  }

  private stmtExpr(value: Expr): void {
    if (this.interactive && this.nestlevel <= 1) {
      this.visitExpr(value);
      this.addop(Op.PRINT_EXPR);
      return;
    }
    if (value.k === 'Constant') {
      this.addop(Op.NOP);
      return;
    }
    this.visitExpr(value);
    this.unsetLoc();
    this.addop(Op.POP_TOP);
  }

  /* ---------------------------------------------------------- functions and classes */

  private makeClosure(co: CodeObject, flags: number): void {
    const free: string[] = [];
    co.localsplusnames.forEach((n, i) => {
      if ((co.localspluskinds[i]! & CO_FAST_FREE) !== 0) free.push(n);
    });
    if (free.length) {
      for (const name of free) {
        const reftype = this.getRefType(name);
        const arg = reftype === CELL ? this.u.cellvars.get(name) : this.u.freevars.get(name);
        if (arg === undefined) {
          throw new Error(`compiler_lookup_arg(name=${name}) with reftype=${reftype} failed in ${this.u.name}`);
        }
        this.addopI(Op.LOAD_CLOSURE, arg);
      }
      flags |= 0x08;
      this.addopI(Op.BUILD_TUPLE, free.length);
    }
    this.loadConst({ k: 'code', code: co });
    this.addopI(Op.MAKE_FUNCTION, flags);
  }

  private getRefType(name: string): number {
    if (this.u.scopeType === Scope.CLASS && name === '__class__') return CELL;
    const scope = this.u.ste.getScope(name);
    if (scope === 0) throw new Error(`_PyST_GetScope(name=${name}) failed: unknown scope in unit ${this.u.name}`);
    return scope;
  }

  private decorators(decos: readonly Expr[]): void {
    for (const d of decos) this.visitExpr(d);
  }

  private applyDecorators(decos: readonly Expr[]): void {
    const old = this.saveLoc();
    for (let i = decos.length - 1; i > -1; i--) {
      this.setLoc(decos[i]!);
      this.addopI(Op.PRECALL, 0);
      this.addopI(Op.CALL, 0);
    }
    this.restoreLoc(old);
  }

  private visitKwonlyDefaults(kwonlyargs: readonly Arg[], kwDefaults: readonly (Expr | null)[]): boolean {
    const keys: Constant[] = [];
    for (let i = 0; i < kwonlyargs.length; i++) {
      const d = kwDefaults[i];
      if (d) {
        keys.push(mkStr(mangle(this.u.private_, kwonlyargs[i]!.arg)));
        this.visitExpr(d);
      }
    }
    if (keys.length) {
      this.loadConst({ k: 'tuple', items: keys });
      this.addopI(Op.BUILD_CONST_KEY_MAP, keys.length);
      return true;
    }
    return false;
  }

  private visitArgAnnotation(id: string, annotation: Expr | null, len: { n: number }): void {
    if (annotation === null) return;
    this.loadConst(mkStr(mangle(this.u.private_, id)));
    if (this.futureFeatures & CO_FUTURE_ANNOTATIONS) {
      this.loadConst(mkStr(exprAsUnicode(annotation)));
    } else if (annotation.k === 'Starred') {
      this.visitExpr(annotation.value);
      this.addopI(Op.UNPACK_SEQUENCE, 1);
    } else {
      this.visitExpr(annotation);
    }
    len.n += 2;
  }

  private visitAnnotations(args: Arguments, returns: Expr | null): boolean {
    const len = { n: 0 };
    for (const a of args.args) this.visitArgAnnotation(a.arg, a.annotation, len);
    for (const a of args.posonlyargs) this.visitArgAnnotation(a.arg, a.annotation, len);
    if (args.vararg?.annotation) this.visitArgAnnotation(args.vararg.arg, args.vararg.annotation, len);
    for (const a of args.kwonlyargs) this.visitArgAnnotation(a.arg, a.annotation, len);
    if (args.kwarg?.annotation) this.visitArgAnnotation(args.kwarg.arg, args.kwarg.annotation, len);
    this.visitArgAnnotation('return', returns, len);
    if (len.n) {
      this.addopI(Op.BUILD_TUPLE, len.n);
      return true;
    }
    return false;
  }

  private defaultArguments(args: Arguments): number {
    let funcflags = 0;
    if (args.defaults.length > 0) {
      for (const d of args.defaults) this.visitExpr(d);
      this.addopI(Op.BUILD_TUPLE, args.defaults.length);
      funcflags |= 0x01;
    }
    if (args.kwonlyargs.length && this.visitKwonlyDefaults(args.kwonlyargs, args.kw_defaults)) funcflags |= 0x02;
    return funcflags;
  }

  private forbiddenName(name: string, ctx: ExprContext): void {
    if (name === '__debug__') {
      if (ctx === 'Store') throw this.error('cannot assign to __debug__');
      if (ctx === 'Del') throw this.error('cannot delete __debug__');
    }
  }

  private checkDebugArgs(args: Arguments): void {
    for (const a of [...args.posonlyargs, ...args.args]) this.forbiddenName(a.arg, 'Store');
    if (args.vararg) this.forbiddenName(args.vararg.arg, 'Store');
    for (const a of args.kwonlyargs) this.forbiddenName(a.arg, 'Store');
    if (args.kwarg) this.forbiddenName(args.kwarg.arg, 'Store');
  }

  private function(s: Stmt & { k: 'FunctionDef' | 'AsyncFunctionDef' }, isAsync: boolean): void {
    const { args, returns, decorator_list: decos, name, body } = s;
    const scopeType = isAsync ? Scope.ASYNC_FUNCTION : Scope.FUNCTION;
    this.checkDebugArgs(args);
    this.decorators(decos);
    const firstlineno = decos.length ? decos[0]!.lineno : s.lineno;
    let funcflags = this.defaultArguments(args);
    if (this.visitAnnotations(args, returns)) funcflags |= 0x04;
    this.enterScope(name, scopeType, s, firstlineno);
    const docstring = this.optimize < 2 ? getDocString(body) : null;
    this.addConst(docstring !== null ? mkStr(docstring) : NONE);
    const u = this.u;
    u.argcount = args.args.length;
    u.posonlyargcount = args.posonlyargs.length;
    u.kwonlyargcount = args.kwonlyargs.length;
    for (let i = docstring !== null ? 1 : 0; i < body.length; i++) this.visitStmt(body[i]!);
    const co = this.assemble(true);
    this.exitScope();
    this.makeClosure(co, funcflags);
    this.applyDecorators(decos);
    this.nameop(name, 'Store');
  }

  private classDef(s: Stmt & { k: 'ClassDef' }): void {
    const decos = s.decorator_list;
    this.decorators(decos);
    const firstlineno = decos.length ? decos[0]!.lineno : s.lineno;
    this.enterScope(s.name, Scope.CLASS, s, firstlineno);
    this.u.private_ = s.name;
    this.nameop('__name__', 'Load');
    this.nameop('__module__', 'Store');
    this.loadConst(mkStr(this.u.qualname!));
    this.nameop('__qualname__', 'Store');
    this.body(s.body);
    this.unsetLoc();
    if (this.u.ste.needsClassClosure) {
      const i = this.u.cellvars.get('__class__')!;
      this.addopI(Op.LOAD_CLOSURE, i);
      this.addopI(Op.COPY, 1);
      this.nameop('__classcell__', 'Store');
    } else {
      this.loadConst(NONE);
    }
    this.addop(Op.RETURN_VALUE);
    const co = this.assemble(true);
    this.exitScope();
    this.addop(Op.PUSH_NULL);
    this.addop(Op.LOAD_BUILD_CLASS);
    this.makeClosure(co, 0);
    this.loadConst(mkStr(s.name));
    this.callHelper(2, s.bases, s.keywords);
    this.applyDecorators(decos);
    this.nameop(s.name, 'Store');
  }

  private lambda(e: Expr & { k: 'Lambda' }): void {
    const args = e.args;
    this.checkDebugArgs(args);
    const funcflags = this.defaultArguments(args);
    this.enterScope('<lambda>', Scope.LAMBDA, e, e.lineno);
    this.addConst(NONE);
    const u = this.u;
    u.argcount = args.args.length;
    u.posonlyargcount = args.posonlyargs.length;
    u.kwonlyargcount = args.kwonlyargs.length;
    this.visitExpr(e.body);
    let co: CodeObject;
    if (u.ste.generator) {
      co = this.assemble(false);
    } else {
      this.addop(Op.RETURN_VALUE);
      co = this.assemble(true);
    }
    this.exitScope();
    this.makeClosure(co, funcflags);
  }

  /* ---------------------------------------------------------- control flow */

  private addCompare(op: CmpOpKind): void {
    switch (op) {
      case 'Is':
        return this.addopI(Op.IS_OP, 0);
      case 'IsNot':
        return this.addopI(Op.IS_OP, 1);
      case 'In':
        return this.addopI(Op.CONTAINS_OP, 0);
      case 'NotIn':
        return this.addopI(Op.CONTAINS_OP, 1);
      default:
        return this.addopI(Op.COMPARE_OP, CMP[op]!);
    }
  }

  private jumpIf(e: Expr, next: Block, cond: boolean): void {
    switch (e.k) {
      case 'UnaryOp':
        if (e.op === 'Not') return this.jumpIf(e.operand, next, !cond);
        break;
      case 'BoolOp': {
        const s = e.values;
        const n = s.length - 1;
        const cond2 = e.op === 'Or';
        let next2 = next;
        if (cond2 !== cond) next2 = this.newBlock();
        for (let i = 0; i < n; i++) this.jumpIf(s[i]!, next2, cond2);
        this.jumpIf(s[n]!, next, cond);
        if (next2 !== next) this.useNextBlock(next2);
        return;
      }
      case 'IfExp': {
        const end = this.newBlock();
        const next2 = this.newBlock();
        this.jumpIf(e.test, next2, false);
        this.jumpIf(e.body, next, cond);
        this.addopJNoline(JUMP, end);
        this.useNextBlock(next2);
        this.jumpIf(e.orelse, next, cond);
        this.useNextBlock(end);
        return;
      }
      case 'Compare': {
        this.setLoc(e);
        const n = e.ops.length - 1;
        if (n > 0) {
          const cleanup = this.newBlock();
          this.visitExpr(e.left);
          for (let i = 0; i < n; i++) {
            this.visitExpr(e.comparators[i]!);
            this.addopI(Op.SWAP, 2);
            this.addopI(Op.COPY, 2);
            this.addCompare(e.ops[i]!);
            this.addopJ(POP_JUMP_IF_FALSE, cleanup);
          }
          this.visitExpr(e.comparators[n]!);
          this.addCompare(e.ops[n]!);
          this.addopJ(cond ? POP_JUMP_IF_TRUE : POP_JUMP_IF_FALSE, next);
          const end = this.newBlock();
          this.addopJNoline(JUMP, end);
          this.useNextBlock(cleanup);
          this.addop(Op.POP_TOP);
          if (!cond) this.addopJNoline(JUMP, next);
          this.useNextBlock(end);
          return;
        }
        break;
      }
      default:
        break;
    }
    this.visitExpr(e);
    this.addopJ(cond ? POP_JUMP_IF_TRUE : POP_JUMP_IF_FALSE, next);
  }

  private ifexp(e: Expr & { k: 'IfExp' }): void {
    const end = this.newBlock();
    const next = this.newBlock();
    this.jumpIf(e.test, next, false);
    this.visitExpr(e.body);
    this.addopJNoline(JUMP, end);
    this.useNextBlock(next);
    this.visitExpr(e.orelse);
    this.useNextBlock(end);
  }

  private if_(s: Stmt & { k: 'If' }): void {
    const end = this.newBlock();
    const next = s.orelse.length ? this.newBlock() : end;
    this.jumpIf(s.test, next, false);
    this.visitStmts(s.body);
    if (s.orelse.length) {
      this.addopJNoline(JUMP, end);
      this.useNextBlock(next);
      this.visitStmts(s.orelse);
    }
    this.useNextBlock(end);
  }

  private for_(s: Stmt & { k: 'For' }): void {
    const start = this.newBlock();
    const body = this.newBlock();
    const cleanup = this.newBlock();
    const end = this.newBlock();
    this.pushFblock(FB.FOR_LOOP, start, end, null);
    this.visitExpr(s.iter);
    this.addop(Op.GET_ITER);
    this.useNextBlock(start);
    this.addopJ(Op.FOR_ITER, cleanup);
    this.useNextBlock(body);
    this.visitExpr(s.target);
    this.visitStmts(s.body);
    this.unsetLoc();
    this.addopJ(JUMP, start);
    this.useNextBlock(cleanup);
    this.popFblock();
    this.visitStmts(s.orelse);
    this.useNextBlock(end);
  }

  private asyncFor(s: Stmt & { k: 'AsyncFor' }): void {
    if (this.u.scopeType !== Scope.ASYNC_FUNCTION) throw this.error("'async for' outside async function");
    const start = this.newBlock();
    const except = this.newBlock();
    const end = this.newBlock();
    this.visitExpr(s.iter);
    this.addop(Op.GET_AITER);
    this.useNextBlock(start);
    this.pushFblock(FB.FOR_LOOP, start, end, null);
    this.addopJ(SETUP_FINALLY, except);
    this.addop(Op.GET_ANEXT);
    this.loadConst(NONE);
    this.addYieldFrom(true);
    this.addop(POP_BLOCK);
    this.visitExpr(s.target);
    this.visitStmts(s.body);
    this.unsetLoc();
    this.addopJ(JUMP, start);
    this.popFblock();
    this.useNextBlock(except);
    this.setLoc(s.iter);
    this.addop(Op.END_ASYNC_FOR);
    this.visitStmts(s.orelse);
    this.useNextBlock(end);
  }

  private while_(s: Stmt & { k: 'While' }): void {
    const loop = this.newBlock();
    const body = this.newBlock();
    const anchor = this.newBlock();
    const end = this.newBlock();
    this.useNextBlock(loop);
    this.pushFblock(FB.WHILE_LOOP, loop, end, null);
    this.jumpIf(s.test, anchor, false);
    this.useNextBlock(body);
    this.visitStmts(s.body);
    this.setLoc(s);
    this.jumpIf(s.test, body, true);
    this.popFblock();
    this.useNextBlock(anchor);
    this.visitStmts(s.orelse);
    this.useNextBlock(end);
  }

  private return_(s: Stmt & { k: 'Return' }): void {
    const value = s.value;
    const preserveTos = value !== null && value.k !== 'Constant';
    if (this.u.ste.type !== 'function') throw this.error("'return' outside function");
    if (value !== null && this.u.ste.coroutine && this.u.ste.generator) {
      throw this.error("'return' with value in async generator");
    }
    if (preserveTos) {
      this.visitExpr(value);
    } else if (value !== null) {
      this.setLoc(value);
      this.addop(Op.NOP);
    }
    if (value === null || value.lineno !== s.lineno) {
      this.setLoc(s);
      this.addop(Op.NOP);
    }
    this.unwindFblockStack(preserveTos, false);
    if (value === null) this.loadConst(NONE);
    else if (!preserveTos) this.loadConst(value.value);
    this.addop(Op.RETURN_VALUE);
  }

  private break_(): void {
    const loc = this.saveLoc();
    this.addop(Op.NOP);
    const loop = this.unwindFblockStack(false, true);
    if (loop === null) {
      this.restoreLoc(loc);
      throw this.error("'break' outside loop");
    }
    this.unwindFblock(loop, false);
    this.addopJ(JUMP, loop.exit!);
  }

  private continue_(): void {
    const loc = this.saveLoc();
    this.addop(Op.NOP);
    const loop = this.unwindFblockStack(false, true);
    if (loop === null) {
      this.restoreLoc(loc);
      throw this.error("'continue' not properly in loop");
    }
    this.addopJ(JUMP, loop.block!);
  }

  private tryFinally(s: Stmt & { k: 'Try' | 'TryStar' }): void {
    const body = this.newBlock();
    const end = this.newBlock();
    const exit = this.newBlock();
    const cleanup = this.newBlock();
    this.addopJ(SETUP_FINALLY, end);
    this.useNextBlock(body);
    this.pushFblock(FB.FINALLY_TRY, body, end, s.finalbody);
    if (s.handlers.length) {
      if (s.k === 'Try') this.tryExcept(s);
      else this.tryStarExcept(s);
    } else {
      this.visitStmts(s.body);
    }
    this.addopNoline(POP_BLOCK);
    this.popFblock();
    this.visitStmts(s.finalbody);
    this.addopJNoline(JUMP, exit);
    this.useNextBlock(end);
    this.unsetLoc();
    this.addopJ(SETUP_CLEANUP, cleanup);
    this.addop(Op.PUSH_EXC_INFO);
    this.pushFblock(FB.FINALLY_END, end, null, null);
    this.visitStmts(s.finalbody);
    this.popFblock();
    this.addopI(Op.RERAISE, 0);
    this.useNextBlock(cleanup);
    this.popExceptAndReraise();
    this.useNextBlock(exit);
  }

  private tryStarFinally(s: Stmt & { k: 'TryStar' }): void {
    this.tryFinally(s);
  }

  private tryExcept(s: Stmt & { k: 'Try' }): void {
    const body = this.newBlock();
    let except = this.newBlock();
    const end = this.newBlock();
    const cleanup = this.newBlock();
    this.addopJ(SETUP_FINALLY, except);
    this.useNextBlock(body);
    this.pushFblock(FB.TRY_EXCEPT, body, null, null);
    this.visitStmts(s.body);
    this.popFblock();
    this.addopNoline(POP_BLOCK);
    if (s.orelse.length) this.visitStmts(s.orelse);
    this.addopJNoline(JUMP, end);
    const n = s.handlers.length;
    this.useNextBlock(except);
    this.unsetLoc();
    this.addopJ(SETUP_CLEANUP, cleanup);
    this.addop(Op.PUSH_EXC_INFO);
    this.pushFblock(FB.EXCEPTION_HANDLER, null, null, null);
    for (let i = 0; i < n; i++) {
      const handler = s.handlers[i]!;
      this.setLoc(handler);
      if (handler.type === null && i < n - 1) throw this.error("default 'except:' must be last");
      except = this.newBlock();
      if (handler.type !== null) {
        this.visitExpr(handler.type);
        this.addop(Op.CHECK_EXC_MATCH);
        this.addopJ(POP_JUMP_IF_FALSE, except);
      }
      if (handler.name !== null) {
        const cleanupEnd = this.newBlock();
        const cleanupBody = this.newBlock();
        this.nameop(handler.name, 'Store');
        this.addopJ(SETUP_CLEANUP, cleanupEnd);
        this.useNextBlock(cleanupBody);
        this.pushFblock(FB.HANDLER_CLEANUP, cleanupBody, null, handler.name);
        this.visitStmts(handler.body);
        this.popFblock();
        this.unsetLoc();
        this.addop(POP_BLOCK);
        this.addop(POP_BLOCK);
        this.addop(Op.POP_EXCEPT);
        this.loadConst(NONE);
        this.nameop(handler.name, 'Store');
        this.nameop(handler.name, 'Del');
        this.addopJ(JUMP, end);
        this.useNextBlock(cleanupEnd);
        this.unsetLoc();
        this.loadConst(NONE);
        this.nameop(handler.name, 'Store');
        this.nameop(handler.name, 'Del');
        this.addopI(Op.RERAISE, 1);
      } else {
        const cleanupBody = this.newBlock();
        this.addop(Op.POP_TOP);
        this.useNextBlock(cleanupBody);
        this.pushFblock(FB.HANDLER_CLEANUP, cleanupBody, null, null);
        this.visitStmts(handler.body);
        this.popFblock();
        this.unsetLoc();
        this.addop(POP_BLOCK);
        this.addop(Op.POP_EXCEPT);
        this.addopJ(JUMP, end);
      }
      this.useNextBlock(except);
    }
    this.unsetLoc();
    this.popFblock();
    this.addopI(Op.RERAISE, 0);
    this.useNextBlock(cleanup);
    this.popExceptAndReraise();
    this.useNextBlock(end);
  }

  private tryStarExcept(s: Stmt & { k: 'TryStar' | 'Try' }): void {
    const body = this.newBlock();
    let except = this.newBlock();
    const orelse = this.newBlock();
    const end = this.newBlock();
    const cleanup = this.newBlock();
    const reraiseStar = this.newBlock();
    this.addopJ(SETUP_FINALLY, except);
    this.useNextBlock(body);
    this.pushFblock(FB.TRY_EXCEPT, body, null, null);
    this.visitStmts(s.body);
    this.popFblock();
    this.addopNoline(POP_BLOCK);
    this.addopJNoline(JUMP, orelse);
    const n = s.handlers.length;
    this.useNextBlock(except);
    this.unsetLoc();
    this.addopJ(SETUP_CLEANUP, cleanup);
    this.addop(Op.PUSH_EXC_INFO);
    this.pushFblock(FB.EXCEPTION_GROUP_HANDLER, null, null, 'except handler');
    for (let i = 0; i < n; i++) {
      const handler: ExceptHandler = s.handlers[i]!;
      this.setLoc(handler);
      except = this.newBlock();
      const exceptWithError = this.newBlock();
      const noMatch = this.newBlock();
      if (i === 0) {
        this.addopI(Op.COPY, 1);
        this.addopI(Op.BUILD_LIST, 0);
        this.addopI(Op.SWAP, 2);
      }
      if (handler.type !== null) {
        this.visitExpr(handler.type);
        this.addop(Op.CHECK_EG_MATCH);
        this.addopI(Op.COPY, 1);
        this.addopJ(POP_JUMP_IF_NONE, noMatch);
      }
      const cleanupEnd = this.newBlock();
      const cleanupBody = this.newBlock();
      if (handler.name !== null) this.nameop(handler.name, 'Store');
      else this.addop(Op.POP_TOP);
      this.addopJ(SETUP_CLEANUP, cleanupEnd);
      this.useNextBlock(cleanupBody);
      this.pushFblock(FB.HANDLER_CLEANUP, cleanupBody, null, handler.name);
      this.visitStmts(handler.body);
      this.popFblock();
      this.unsetLoc();
      this.addop(POP_BLOCK);
      if (handler.name !== null) {
        this.loadConst(NONE);
        this.nameop(handler.name, 'Store');
        this.nameop(handler.name, 'Del');
      }
      this.addopJ(JUMP, except);
      this.useNextBlock(cleanupEnd);
      this.unsetLoc();
      if (handler.name !== null) {
        this.loadConst(NONE);
        this.nameop(handler.name, 'Store');
        this.nameop(handler.name, 'Del');
      }
      this.addopI(Op.LIST_APPEND, 3);
      this.addop(Op.POP_TOP);
      this.addopJ(JUMP, exceptWithError);
      this.useNextBlock(except);
      this.addop(Op.NOP);
      this.addopJ(JUMP, exceptWithError);
      this.useNextBlock(noMatch);
      this.addop(Op.POP_TOP);
      this.useNextBlock(exceptWithError);
      if (i === n - 1) {
        this.addopI(Op.LIST_APPEND, 1);
        this.addopJ(JUMP, reraiseStar);
      }
    }
    this.unsetLoc();
    this.popFblock();
    const reraise = this.newBlock();
    this.useNextBlock(reraiseStar);
    this.addop(Op.PREP_RERAISE_STAR);
    this.addopI(Op.COPY, 1);
    this.addopJ(POP_JUMP_IF_NOT_NONE, reraise);
    this.addop(Op.POP_TOP);
    this.addop(POP_BLOCK);
    this.addop(Op.POP_EXCEPT);
    this.addopJ(JUMP, end);
    this.useNextBlock(reraise);
    this.addop(POP_BLOCK);
    this.addopI(Op.SWAP, 2);
    this.addop(Op.POP_EXCEPT);
    this.addopI(Op.RERAISE, 0);
    this.useNextBlock(cleanup);
    this.popExceptAndReraise();
    this.useNextBlock(orelse);
    this.visitStmts(s.orelse);
    this.useNextBlock(end);
  }

  private importAs(name: string, asname: string): void {
    let dot = name.indexOf('.');
    if (dot !== -1) {
      for (;;) {
        const p = dot + 1;
        dot = name.indexOf('.', p);
        const attr = name.slice(p, dot !== -1 ? dot : name.length);
        this.addopN(Op.IMPORT_FROM, attr);
        if (dot === -1) break;
        this.addopI(Op.SWAP, 2);
        this.addop(Op.POP_TOP);
      }
      this.nameop(asname, 'Store');
      this.addop(Op.POP_TOP);
      return;
    }
    this.nameop(asname, 'Store');
  }

  private import_(s: Stmt & { k: 'Import' }): void {
    for (const alias of s.names) {
      this.loadConst(mkInt(0n));
      this.loadConst(NONE);
      this.addopName(Op.IMPORT_NAME, alias.name);
      if (alias.asname !== null) {
        this.importAs(alias.name, alias.asname);
      } else {
        const dot = alias.name.indexOf('.');
        this.nameop(dot !== -1 ? alias.name.slice(0, dot) : alias.name, 'Store');
      }
    }
  }

  private fromImport(s: Stmt & { k: 'ImportFrom' }): void {
    this.loadConst(mkInt(BigInt(s.level)));
    const names: Constant = { k: 'tuple', items: s.names.map((a) => mkStr(a.name)) };
    if (s.lineno > this.futureLineno && s.module === '__future__') {
      throw this.error('from __future__ imports must occur at the beginning of the file');
    }
    this.loadConst(names);
    this.addopName(Op.IMPORT_NAME, s.module ?? '');
    for (let i = 0; i < s.names.length; i++) {
      const alias = s.names[i]!;
      if (i === 0 && alias.name.startsWith('*')) {
        this.addop(Op.IMPORT_STAR);
        return;
      }
      this.addopName(Op.IMPORT_FROM, alias.name);
      this.nameop(alias.asname ?? alias.name, 'Store');
    }
    this.addop(Op.POP_TOP);
  }

  private assert(s: Stmt & { k: 'Assert' }): void {
    if (this.optimize) return;
    const end = this.newBlock();
    this.jumpIf(s.test, end, true);
    this.addop(Op.LOAD_ASSERTION_ERROR);
    if (s.msg !== null) {
      this.visitExpr(s.msg);
      this.addopI(Op.PRECALL, 0);
      this.addopI(Op.CALL, 0);
    }
    this.addopI(Op.RAISE_VARARGS, 1);
    this.useNextBlock(end);
  }

  /* ---------------------------------------------------------- with */

  private withExceptFinish(cleanup: Block): void {
    this.unsetLoc();
    const exit = this.newBlock();
    this.addopJ(POP_JUMP_IF_TRUE, exit);
    this.addopI(Op.RERAISE, 2);
    this.useNextBlock(cleanup);
    this.popExceptAndReraise();
    this.useNextBlock(exit);
    this.addop(Op.POP_TOP);
    this.addop(POP_BLOCK);
    this.addop(Op.POP_EXCEPT);
    this.addop(Op.POP_TOP);
    this.addop(Op.POP_TOP);
  }

  private asyncWith(s: Stmt & { k: 'AsyncWith' }, pos: number): void {
    const item = s.items[pos]!;
    if (this.u.scopeType !== Scope.ASYNC_FUNCTION) throw this.error("'async with' outside async function");
    const block = this.newBlock();
    const final = this.newBlock();
    const exit = this.newBlock();
    const cleanup = this.newBlock();
    this.visitExpr(item.context_expr);
    this.addop(Op.BEFORE_ASYNC_WITH);
    this.addopI(Op.GET_AWAITABLE, 1);
    this.loadConst(NONE);
    this.addYieldFrom(true);
    this.addopJ(SETUP_WITH, final);
    this.useNextBlock(block);
    this.pushFblock(FB.ASYNC_WITH, block, final, s);
    if (item.optional_vars !== null) this.visitExpr(item.optional_vars);
    else this.addop(Op.POP_TOP);
    pos++;
    if (pos === s.items.length) this.visitStmts(s.body);
    else this.asyncWith(s, pos);
    this.popFblock();
    this.addop(POP_BLOCK);
    this.setLoc(s);
    this.callExitWithNones();
    this.addopI(Op.GET_AWAITABLE, 2);
    this.loadConst(NONE);
    this.addYieldFrom(true);
    this.addop(Op.POP_TOP);
    this.addopJ(JUMP, exit);
    this.useNextBlock(final);
    this.addopJ(SETUP_CLEANUP, cleanup);
    this.addop(Op.PUSH_EXC_INFO);
    this.addop(Op.WITH_EXCEPT_START);
    this.addopI(Op.GET_AWAITABLE, 2);
    this.loadConst(NONE);
    this.addYieldFrom(true);
    this.withExceptFinish(cleanup);
    this.useNextBlock(exit);
  }

  private with_(s: Stmt & { k: 'With' }, pos: number): void {
    const item = s.items[pos]!;
    const block = this.newBlock();
    const final = this.newBlock();
    const exit = this.newBlock();
    const cleanup = this.newBlock();
    this.visitExpr(item.context_expr);
    this.addop(Op.BEFORE_WITH);
    this.addopJ(SETUP_WITH, final);
    this.useNextBlock(block);
    this.pushFblock(FB.WITH, block, final, s);
    if (item.optional_vars !== null) this.visitExpr(item.optional_vars);
    else this.addop(Op.POP_TOP);
    pos++;
    if (pos === s.items.length) this.visitStmts(s.body);
    else this.with_(s, pos);
    this.unsetLoc();
    this.addop(POP_BLOCK);
    this.popFblock();
    this.setLoc(s);
    this.callExitWithNones();
    this.addop(Op.POP_TOP);
    this.addopJ(JUMP, exit);
    this.useNextBlock(final);
    this.addopJ(SETUP_CLEANUP, cleanup);
    this.addop(Op.PUSH_EXC_INFO);
    this.addop(Op.WITH_EXCEPT_START);
    this.withExceptFinish(cleanup);
    this.useNextBlock(exit);
  }

  /* ---------------------------------------------------------- names */

  private nameop(name: string, ctx: ExprContext): void {
    this.forbiddenName(name, ctx);
    const u = this.u;
    const mangled = mangle(u.private_, name);
    let dict = u.names;
    let optype: 'fast' | 'global' | 'deref' | 'name' = 'name';
    const scope = u.ste.getScope(mangled);
    switch (scope) {
      case FREE:
        dict = u.freevars;
        optype = 'deref';
        break;
      case CELL:
        dict = u.cellvars;
        optype = 'deref';
        break;
      case LOCAL:
        if (u.ste.type === 'function') optype = 'fast';
        break;
      case GLOBAL_IMPLICIT:
        if (u.ste.type === 'function') optype = 'global';
        break;
      case GLOBAL_EXPLICIT:
        optype = 'global';
        break;
    }
    let op: number;
    switch (optype) {
      case 'deref':
        op =
          ctx === 'Load'
            ? u.ste.type === 'class'
              ? Op.LOAD_CLASSDEREF
              : Op.LOAD_DEREF
            : ctx === 'Store'
              ? Op.STORE_DEREF
              : Op.DELETE_DEREF;
        break;
      case 'fast':
        op = ctx === 'Load' ? Op.LOAD_FAST : ctx === 'Store' ? Op.STORE_FAST : Op.DELETE_FAST;
        this.addopI(op, Compiler.addO(u.varnames, mangled));
        return;
      case 'global':
        op = ctx === 'Load' ? Op.LOAD_GLOBAL : ctx === 'Store' ? Op.STORE_GLOBAL : Op.DELETE_GLOBAL;
        break;
      case 'name':
        op = ctx === 'Load' ? Op.LOAD_NAME : ctx === 'Store' ? Op.STORE_NAME : Op.DELETE_NAME;
        break;
    }
    let arg = Compiler.addO(dict, mangled);
    if (op === Op.LOAD_GLOBAL) arg <<= 1;
    this.addopI(op, arg);
  }

  /* ---------------------------------------------------------- expressions */

  private visitExpr(e: Expr): void {
    const old = this.saveLoc();
    this.setLoc(e);
    this.visitExpr1(e);
    this.restoreLoc(old);
  }

  private visitExpr1(e: Expr): void {
    switch (e.k) {
      case 'NamedExpr':
        this.visitExpr(e.value);
        this.addopI(Op.COPY, 1);
        this.visitExpr(e.target);
        return;
      case 'BoolOp':
        return this.boolop(e);
      case 'BinOp':
        this.visitExpr(e.left);
        this.visitExpr(e.right);
        this.addopI(Op.BINARY_OP, NB[e.op][0]);
        return;
      case 'UnaryOp':
        this.visitExpr(e.operand);
        this.addop(
          e.op === 'Invert'
            ? Op.UNARY_INVERT
            : e.op === 'Not'
              ? Op.UNARY_NOT
              : e.op === 'UAdd'
                ? Op.UNARY_POSITIVE
                : Op.UNARY_NEGATIVE,
        );
        return;
      case 'Lambda':
        return this.lambda(e);
      case 'IfExp':
        return this.ifexp(e);
      case 'Dict':
        return this.dict(e);
      case 'Set':
        return this.starunpackHelper(e.elts, 0, Op.BUILD_SET, Op.SET_ADD, Op.SET_UPDATE, false);
      case 'GeneratorExp':
        return this.comprehension(e, COMP_GENEXP, '<genexpr>', e.generators, e.elt, null);
      case 'ListComp':
        return this.comprehension(e, COMP_LISTCOMP, '<listcomp>', e.generators, e.elt, null);
      case 'SetComp':
        return this.comprehension(e, COMP_SETCOMP, '<setcomp>', e.generators, e.elt, null);
      case 'DictComp':
        return this.comprehension(e, COMP_DICTCOMP, '<dictcomp>', e.generators, e.key, e.value);
      case 'Yield':
        if (this.u.ste.type !== 'function') throw this.error("'yield' outside function");
        if (e.value !== null) this.visitExpr(e.value);
        else this.loadConst(NONE);
        this.addopYield();
        return;
      case 'YieldFrom':
        if (this.u.ste.type !== 'function') throw this.error("'yield' outside function");
        if (this.u.scopeType === Scope.ASYNC_FUNCTION) throw this.error("'yield from' inside async function");
        this.visitExpr(e.value);
        this.addop(Op.GET_YIELD_FROM_ITER);
        this.loadConst(NONE);
        this.addYieldFrom(false);
        return;
      case 'Await':
        if (this.u.ste.type !== 'function') throw this.error("'await' outside function");
        if (this.u.scopeType !== Scope.ASYNC_FUNCTION && this.u.scopeType !== Scope.COMPREHENSION) {
          throw this.error("'await' outside async function");
        }
        this.visitExpr(e.value);
        this.addopI(Op.GET_AWAITABLE, 0);
        this.loadConst(NONE);
        this.addYieldFrom(true);
        return;
      case 'Compare':
        return this.compare(e);
      case 'Call':
        return this.call(e);
      case 'Constant':
        this.loadConst(e.value);
        return;
      case 'JoinedStr':
        return this.joinedStr(e);
      case 'FormattedValue':
        return this.formattedValue(e);
      case 'Attribute':
        this.visitExpr(e.value);
        this.updateStartLocationToMatchAttr(e);
        switch (e.ctx) {
          case 'Load':
            this.addopName(Op.LOAD_ATTR, e.attr);
            return;
          case 'Store':
            this.forbiddenName(e.attr, e.ctx);
            this.addopName(Op.STORE_ATTR, e.attr);
            return;
          case 'Del':
            this.addopName(Op.DELETE_ATTR, e.attr);
            return;
        }
        return;
      case 'Subscript':
        this.visitExpr(e.value);
        this.visitExpr(e.slice);
        this.addop(e.ctx === 'Load' ? Op.BINARY_SUBSCR : e.ctx === 'Store' ? Op.STORE_SUBSCR : Op.DELETE_SUBSCR);
        return;
      case 'Starred':
        if (e.ctx === 'Store') throw this.error('starred assignment target must be in a list or tuple');
        throw this.error("can't use starred expression here");
      case 'Slice': {
        let n = 2;
        if (e.lower !== null) this.visitExpr(e.lower);
        else this.loadConst(NONE);
        if (e.upper !== null) this.visitExpr(e.upper);
        else this.loadConst(NONE);
        if (e.step !== null) {
          n++;
          this.visitExpr(e.step);
        }
        this.addopI(Op.BUILD_SLICE, n);
        return;
      }
      case 'Name':
        return this.nameop(e.id, e.ctx);
      case 'List':
        if (e.ctx === 'Store') return this.assignmentHelper(e.elts);
        if (e.ctx === 'Load')
          return this.starunpackHelper(e.elts, 0, Op.BUILD_LIST, Op.LIST_APPEND, Op.LIST_EXTEND, false);
        for (const x of e.elts) this.visitExpr(x);
        return;
      case 'Tuple':
        if (e.ctx === 'Store') return this.assignmentHelper(e.elts);
        if (e.ctx === 'Load')
          return this.starunpackHelper(e.elts, 0, Op.BUILD_LIST, Op.LIST_APPEND, Op.LIST_EXTEND, true);
        for (const x of e.elts) this.visitExpr(x);
        return;
    }
  }

  private addopYield(): void {
    if (this.u.ste.generator && this.u.ste.coroutine) this.addop(Op.ASYNC_GEN_WRAP);
    this.addop(Op.YIELD_VALUE);
    this.addopI(Op.RESUME, 1);
  }

  private boolop(e: Expr & { k: 'BoolOp' }): void {
    const jumpi = e.op === 'And' ? Op.JUMP_IF_FALSE_OR_POP : Op.JUMP_IF_TRUE_OR_POP;
    const end = this.newBlock();
    const s = e.values;
    const n = s.length - 1;
    for (let i = 0; i < n; i++) {
      this.visitExpr(s[i]!);
      this.addopJ(jumpi, end);
      this.useNextBlock(this.newBlock());
    }
    this.visitExpr(s[n]!);
    this.useNextBlock(end);
  }

  private starunpackHelper(
    elts: readonly Expr[],
    pushed: number,
    build: number,
    add: number,
    extend: number,
    tuple: boolean,
  ): void {
    const n = elts.length;
    if (n > 2 && elts.every((x) => x.k === 'Constant')) {
      const items = elts.map((x) => x.value);
      if (tuple && !pushed) {
        this.loadConst({ k: 'tuple', items });
      } else {
        const folded: Constant = add === Op.SET_ADD ? { k: 'frozenset', items: dedupe(items) } : { k: 'tuple', items };
        this.addopI(build, pushed);
        this.loadConst(folded);
        this.addopI(extend, 1);
        if (tuple) this.addop(Op.LIST_TO_TUPLE);
      }
      return;
    }
    const big = n + pushed > STACK_USE_GUIDELINE;
    const seenStar = elts.some(isStarred);
    if (!seenStar && !big) {
      for (const x of elts) this.visitExpr(x);
      this.addopI(tuple ? Op.BUILD_TUPLE : build, n + pushed);
      return;
    }
    let sequenceBuilt = false;
    if (big) {
      this.addopI(build, pushed);
      sequenceBuilt = true;
    }
    for (let i = 0; i < n; i++) {
      const elt = elts[i]!;
      if (elt.k === 'Starred') {
        if (!sequenceBuilt) {
          this.addopI(build, i + pushed);
          sequenceBuilt = true;
        }
        this.visitExpr(elt.value);
        this.addopI(extend, 1);
      } else {
        this.visitExpr(elt);
        if (sequenceBuilt) this.addopI(add, 1);
      }
    }
    if (tuple) this.addop(Op.LIST_TO_TUPLE);
  }

  private unpackHelper(elts: readonly Expr[]): void {
    const n = elts.length;
    let seenStar = false;
    for (let i = 0; i < n; i++) {
      const elt = elts[i]!;
      if (elt.k === 'Starred' && !seenStar) {
        if (i >= 1 << 8 || n - i - 1 >= 2147483647 >> 8) {
          throw this.error('too many expressions in star-unpacking assignment');
        }
        this.addopI(Op.UNPACK_EX, i + ((n - i - 1) << 8));
        seenStar = true;
      } else if (elt.k === 'Starred') {
        throw this.error('multiple starred expressions in assignment');
      }
    }
    if (!seenStar) this.addopI(Op.UNPACK_SEQUENCE, n);
  }

  private assignmentHelper(elts: readonly Expr[]): void {
    this.unpackHelper(elts);
    for (const elt of elts) this.visitExpr(elt.k === 'Starred' ? elt.value : elt);
  }

  private subdict(e: Expr & { k: 'Dict' }, begin: number, end: number): void {
    const n = end - begin;
    const big = n * 2 > STACK_USE_GUIDELINE;
    const keys = e.keys.slice(begin, end);
    if (n > 1 && !big && keys.every((k) => k !== null && k.k === 'Constant')) {
      for (let i = begin; i < end; i++) this.visitExpr(e.values[i]!);
      this.loadConst({ k: 'tuple', items: keys.map((k) => k.value) });
      this.addopI(Op.BUILD_CONST_KEY_MAP, n);
      return;
    }
    if (big) this.addopI(Op.BUILD_MAP, 0);
    for (let i = begin; i < end; i++) {
      this.visitExpr(e.keys[i]!);
      this.visitExpr(e.values[i]!);
      if (big) this.addopI(Op.MAP_ADD, 1);
    }
    if (!big) this.addopI(Op.BUILD_MAP, n);
  }

  private dict(e: Expr & { k: 'Dict' }): void {
    const n = e.values.length;
    let haveDict = false;
    let elements = 0;
    for (let i = 0; i < n; i++) {
      const isUnpacking = e.keys[i] === null;
      if (isUnpacking) {
        if (elements) {
          this.subdict(e, i - elements, i);
          if (haveDict) this.addopI(Op.DICT_UPDATE, 1);
          haveDict = true;
          elements = 0;
        }
        if (!haveDict) {
          this.addopI(Op.BUILD_MAP, 0);
          haveDict = true;
        }
        this.visitExpr(e.values[i]!);
        this.addopI(Op.DICT_UPDATE, 1);
      } else if (elements * 2 > STACK_USE_GUIDELINE) {
        this.subdict(e, i - elements, i + 1);
        if (haveDict) this.addopI(Op.DICT_UPDATE, 1);
        haveDict = true;
        elements = 0;
      } else {
        elements++;
      }
    }
    if (elements) {
      this.subdict(e, n - elements, n);
      if (haveDict) this.addopI(Op.DICT_UPDATE, 1);
      haveDict = true;
    }
    if (!haveDict) this.addopI(Op.BUILD_MAP, 0);
  }

  private compare(e: Expr & { k: 'Compare' }): void {
    this.visitExpr(e.left);
    const n = e.ops.length - 1;
    if (n === 0) {
      this.visitExpr(e.comparators[0]!);
      this.addCompare(e.ops[0]!);
      return;
    }
    const cleanup = this.newBlock();
    for (let i = 0; i < n; i++) {
      this.visitExpr(e.comparators[i]!);
      this.addopI(Op.SWAP, 2);
      this.addopI(Op.COPY, 2);
      this.addCompare(e.ops[i]!);
      this.addopJ(Op.JUMP_IF_FALSE_OR_POP, cleanup);
    }
    this.visitExpr(e.comparators[n]!);
    this.addCompare(e.ops[n]!);
    const end = this.newBlock();
    this.addopJNoline(JUMP, end);
    this.useNextBlock(cleanup);
    this.addopI(Op.SWAP, 2);
    this.addop(Op.POP_TOP);
    this.useNextBlock(end);
  }

  private updateStartLocationToMatchAttr(attr: Expr & { k: 'Attribute' }): void {
    const u = this.u;
    if (u.lineno !== attr.end_lineno) {
      u.lineno = attr.end_lineno;
      const len = Array.from(attr.attr).length;
      if (len <= attr.end_col_offset) {
        u.col_offset = attr.end_col_offset - len;
      } else {
        u.col_offset = -1;
        u.end_col_offset = -1;
      }
      u.end_lineno = Math.max(u.lineno, u.end_lineno);
      if (u.lineno === u.end_lineno) u.end_col_offset = Math.max(u.col_offset, u.end_col_offset);
    }
  }

  private isImportOriginated(e: Expr): boolean {
    if (e.k !== 'Name') return false;
    return (this.st.top.getSymbol(e.id) & DEF_IMPORT) !== 0;
  }

  private maybeOptimizeMethodCall(e: Expr & { k: 'Call' }): boolean {
    const meth = e.func;
    const args = e.args;
    const kwds = e.keywords;
    if (meth.k !== 'Attribute' || meth.ctx !== 'Load') return false;
    if (this.isImportOriginated(meth.value)) return false;
    const argsl = args.length;
    const kwdsl = kwds.length;
    if (argsl + kwdsl + (kwdsl !== 0 ? 1 : 0) >= STACK_USE_GUIDELINE) return false;
    if (args.some(isStarred)) return false;
    if (kwds.some((k) => k.arg === null)) return false;
    this.visitExpr(meth.value);
    this.setLoc(meth);
    this.updateStartLocationToMatchAttr(meth);
    this.addopName(Op.LOAD_METHOD, meth.attr);
    for (const a of args) this.visitExpr(a);
    if (kwdsl) {
      for (const k of kwds) this.visitExpr(k.value);
      this.callSimpleKwHelper(kwds);
    }
    this.setLoc(e);
    this.updateStartLocationToMatchAttr(meth);
    this.addopI(Op.PRECALL, argsl + kwdsl);
    this.addopI(Op.CALL, argsl + kwdsl);
    return true;
  }

  private validateKeywords(keywords: readonly Keyword[]): void {
    for (let i = 0; i < keywords.length; i++) {
      const key = keywords[i]!;
      if (key.arg === null) continue;
      this.forbiddenName(key.arg, 'Store');
      for (let j = i + 1; j < keywords.length; j++) {
        const other = keywords[j]!;
        if (other.arg !== null && other.arg === key.arg) {
          this.setLoc(other);
          throw this.error(`keyword argument repeated: ${key.arg}`);
        }
      }
    }
  }

  private call(e: Expr & { k: 'Call' }): void {
    this.validateKeywords(e.keywords);
    if (this.maybeOptimizeMethodCall(e)) return;
    this.setLoc(e.func);
    this.addop(Op.PUSH_NULL);
    this.setLoc(e);
    this.visitExpr(e.func);
    this.callHelper(0, e.args, e.keywords);
  }

  private joinedStr(e: Expr & { k: 'JoinedStr' }): void {
    const n = e.values.length;
    if (n > STACK_USE_GUIDELINE) {
      this.loadConst(mkStr(''));
      this.addopN(Op.LOAD_METHOD, 'join');
      this.addopI(Op.BUILD_LIST, 0);
      for (const v of e.values) {
        this.visitExpr(v);
        this.addopI(Op.LIST_APPEND, 1);
      }
      this.addopI(Op.PRECALL, 1);
      this.addopI(Op.CALL, 1);
    } else {
      for (const v of e.values) this.visitExpr(v);
      if (n !== 1) this.addopI(Op.BUILD_STRING, n);
    }
  }

  private formattedValue(e: Expr & { k: 'FormattedValue' }): void {
    this.visitExpr(e.value);
    let oparg: number;
    switch (e.conversion) {
      case 115:
        oparg = 1;
        break;
      case 114:
        oparg = 2;
        break;
      case 97:
        oparg = 3;
        break;
      case -1:
        oparg = 0;
        break;
      default:
        throw new Error(`Unrecognized conversion character ${e.conversion}`);
    }
    if (e.format_spec !== null) {
      this.visitExpr(e.format_spec);
      oparg |= FVS_HAVE_SPEC;
    }
    this.addopI(Op.FORMAT_VALUE, oparg);
  }

  private subkwargs(keywords: readonly Keyword[], begin: number, end: number): void {
    const n = end - begin;
    const big = n * 2 > STACK_USE_GUIDELINE;
    if (n > 1 && !big) {
      for (let i = begin; i < end; i++) this.visitExpr(keywords[i]!.value);
      this.loadConst({ k: 'tuple', items: keywords.slice(begin, end).map((k) => mkStr(k.arg!)) });
      this.addopI(Op.BUILD_CONST_KEY_MAP, n);
      return;
    }
    if (big) this.addopINoline(Op.BUILD_MAP, 0);
    for (let i = begin; i < end; i++) {
      const kw = keywords[i]!;
      this.loadConst(mkStr(kw.arg!));
      this.visitExpr(kw.value);
      if (big) this.addopINoline(Op.MAP_ADD, 1);
    }
    if (!big) this.addopI(Op.BUILD_MAP, n);
  }

  private callSimpleKwHelper(keywords: readonly Keyword[]): void {
    const names: Constant = { k: 'tuple', items: keywords.map((k) => mkStr(k.arg!)) };
    this.addopI(Op.KW_NAMES, this.addConst(names));
  }

  private callHelper(n: number, args: readonly Expr[], keywords: readonly Keyword[]): void {
    this.validateKeywords(keywords);
    const nelts = args.length;
    const nkwelts = keywords.length;
    const exCall =
      nelts + nkwelts * 2 > STACK_USE_GUIDELINE || args.some(isStarred) || keywords.some((k) => k.arg === null);
    if (!exCall) {
      for (const a of args) this.visitExpr(a);
      if (nkwelts) {
        for (const k of keywords) this.visitExpr(k.value);
        this.callSimpleKwHelper(keywords);
      }
      this.addopI(Op.PRECALL, n + nelts + nkwelts);
      this.addopI(Op.CALL, n + nelts + nkwelts);
      return;
    }
    if (n === 0 && nelts === 1 && args[0]!.k === 'Starred') {
      this.visitExpr(args[0]!.value);
    } else {
      this.starunpackHelper(args, n, Op.BUILD_LIST, Op.LIST_APPEND, Op.LIST_EXTEND, true);
    }
    if (nkwelts) {
      let haveDict = false;
      let nseen = 0;
      for (let i = 0; i < nkwelts; i++) {
        const kw = keywords[i]!;
        if (kw.arg === null) {
          if (nseen) {
            this.subkwargs(keywords, i - nseen, i);
            if (haveDict) this.addopI(Op.DICT_MERGE, 1);
            haveDict = true;
            nseen = 0;
          }
          if (!haveDict) {
            this.addopI(Op.BUILD_MAP, 0);
            haveDict = true;
          }
          this.visitExpr(kw.value);
          this.addopI(Op.DICT_MERGE, 1);
        } else {
          nseen++;
        }
      }
      if (nseen) {
        this.subkwargs(keywords, nkwelts - nseen, nkwelts);
        if (haveDict) this.addopI(Op.DICT_MERGE, 1);
        haveDict = true;
      }
    }
    this.addopI(Op.CALL_FUNCTION_EX, nkwelts > 0 ? 1 : 0);
  }

  /* ---------------------------------------------------------- comprehensions */

  private comprehensionGenerator(
    generators: readonly Comprehension[],
    genIndex: number,
    depth: number,
    elt: Expr,
    val: Expr | null,
    type: number,
  ): void {
    if (generators[genIndex]!.is_async) this.asyncComprehensionGenerator(generators, genIndex, depth, elt, val, type);
    else this.syncComprehensionGenerator(generators, genIndex, depth, elt, val, type);
  }

  private comprehensionElement(elt: Expr, val: Expr | null, type: number, depth: number): void {
    switch (type) {
      case COMP_GENEXP:
        this.visitExpr(elt);
        this.addopYield();
        this.addop(Op.POP_TOP);
        break;
      case COMP_LISTCOMP:
        this.visitExpr(elt);
        this.addopI(Op.LIST_APPEND, depth + 1);
        break;
      case COMP_SETCOMP:
        this.visitExpr(elt);
        this.addopI(Op.SET_ADD, depth + 1);
        break;
      case COMP_DICTCOMP:
        this.visitExpr(elt);
        this.visitExpr(val!);
        this.addopI(Op.MAP_ADD, depth + 1);
        break;
    }
  }

  private syncComprehensionGenerator(
    generators: readonly Comprehension[],
    genIndex: number,
    depth: number,
    elt: Expr,
    val: Expr | null,
    type: number,
  ): void {
    let start: Block | null = this.newBlock();
    const ifCleanup = this.newBlock();
    const anchor = this.newBlock();
    const gen = generators[genIndex]!;
    if (genIndex === 0) {
      this.u.argcount = 1;
      this.addopI(Op.LOAD_FAST, 0);
    } else {
      const it = gen.iter;
      const elts = it.k === 'List' || it.k === 'Tuple' ? it.elts : null;
      if (elts !== null && elts.length === 1) {
        const e = elts[0]!;
        if (e.k !== 'Starred') {
          this.visitExpr(e);
          start = null;
        }
      }
      if (start !== null) {
        this.visitExpr(gen.iter);
        this.addop(Op.GET_ITER);
      }
    }
    if (start !== null) {
      depth++;
      this.useNextBlock(start);
      this.addopJ(Op.FOR_ITER, anchor);
    }
    this.visitExpr(gen.target);
    for (const e of gen.ifs) this.jumpIf(e, ifCleanup, false);
    if (++genIndex < generators.length) this.comprehensionGenerator(generators, genIndex, depth, elt, val, type);
    if (genIndex >= generators.length) this.comprehensionElement(elt, val, type, depth);
    this.useNextBlock(ifCleanup);
    if (start !== null) {
      this.addopJ(JUMP, start);
      this.useNextBlock(anchor);
    }
  }

  private asyncComprehensionGenerator(
    generators: readonly Comprehension[],
    genIndex: number,
    depth: number,
    elt: Expr,
    val: Expr | null,
    type: number,
  ): void {
    const start = this.newBlock();
    const except = this.newBlock();
    const ifCleanup = this.newBlock();
    const gen = generators[genIndex]!;
    if (genIndex === 0) {
      this.u.argcount = 1;
      this.addopI(Op.LOAD_FAST, 0);
    } else {
      this.visitExpr(gen.iter);
      this.addop(Op.GET_AITER);
    }
    this.useNextBlock(start);
    this.pushFblock(FB.ASYNC_COMPREHENSION_GENERATOR, start, null, null);
    this.addopJ(SETUP_FINALLY, except);
    this.addop(Op.GET_ANEXT);
    this.loadConst(NONE);
    this.addYieldFrom(true);
    this.addop(POP_BLOCK);
    this.visitExpr(gen.target);
    for (const e of gen.ifs) this.jumpIf(e, ifCleanup, false);
    depth++;
    if (++genIndex < generators.length) this.comprehensionGenerator(generators, genIndex, depth, elt, val, type);
    if (genIndex >= generators.length) this.comprehensionElement(elt, val, type, depth);
    this.useNextBlock(ifCleanup);
    this.addopJ(JUMP, start);
    this.popFblock();
    this.useNextBlock(except);
    this.addop(Op.END_ASYNC_FOR);
  }

  private comprehension(
    e: Expr,
    type: number,
    name: string,
    generators: readonly Comprehension[],
    elt: Expr,
    val: Expr | null,
  ): void {
    const scopeType = this.u.scopeType;
    const outermost = generators[0]!;
    this.enterScope(name, Scope.COMPREHENSION, e, e.lineno);
    this.setLoc(e);
    const isAsyncGenerator = this.u.ste.coroutine;
    if (
      isAsyncGenerator &&
      type !== COMP_GENEXP &&
      scopeType !== Scope.ASYNC_FUNCTION &&
      scopeType !== Scope.COMPREHENSION
    ) {
      throw this.error('asynchronous comprehension outside of an asynchronous function');
    }
    if (type !== COMP_GENEXP) {
      this.addopI(type === COMP_LISTCOMP ? Op.BUILD_LIST : type === COMP_SETCOMP ? Op.BUILD_SET : Op.BUILD_MAP, 0);
    }
    this.comprehensionGenerator(generators, 0, 0, elt, val, type);
    if (type !== COMP_GENEXP) this.addop(Op.RETURN_VALUE);
    const co = this.assemble(true);
    this.exitScope();
    this.makeClosure(co, 0);
    this.visitExpr(outermost.iter);
    this.addop(outermost.is_async ? Op.GET_AITER : Op.GET_ITER);
    this.addopI(Op.PRECALL, 0);
    this.addopI(Op.CALL, 0);
    if (isAsyncGenerator && type !== COMP_GENEXP) {
      this.addopI(Op.GET_AWAITABLE, 0);
      this.loadConst(NONE);
      this.addYieldFrom(true);
    }
  }

  /* ---------------------------------------------------------- assignments */

  private augassign(s: Stmt & { k: 'AugAssign' }): void {
    const e = s.target;
    const old = this.saveLoc();
    this.setLoc(e);
    switch (e.k) {
      case 'Attribute':
        this.visitExpr(e.value);
        this.addopI(Op.COPY, 1);
        this.updateStartLocationToMatchAttr(e);
        this.addopName(Op.LOAD_ATTR, e.attr);
        break;
      case 'Subscript':
        this.visitExpr(e.value);
        this.visitExpr(e.slice);
        this.addopI(Op.COPY, 2);
        this.addopI(Op.COPY, 2);
        this.addop(Op.BINARY_SUBSCR);
        break;
      case 'Name':
        this.nameop(e.id, 'Load');
        break;
      default:
        throw new Error(`invalid node type (${e.k}) for augmented assignment`);
    }
    this.restoreLoc(old);
    this.visitExpr(s.value);
    this.addopI(Op.BINARY_OP, NB[s.op][1]);
    this.setLoc(e);
    switch (e.k) {
      case 'Attribute':
        this.updateStartLocationToMatchAttr(e);
        this.addopI(Op.SWAP, 2);
        this.addopName(Op.STORE_ATTR, e.attr);
        break;
      case 'Subscript':
        this.addopI(Op.SWAP, 3);
        this.addopI(Op.SWAP, 2);
        this.addop(Op.STORE_SUBSCR);
        break;
      case 'Name':
        this.nameop(e.id, 'Store');
        break;
    }
  }

  private checkAnnExpr(e: Expr): void {
    this.visitExpr(e);
    this.addop(Op.POP_TOP);
  }

  private checkAnnSubscr(e: Expr): void {
    switch (e.k) {
      case 'Slice':
        if (e.lower !== null) this.checkAnnExpr(e.lower);
        if (e.upper !== null) this.checkAnnExpr(e.upper);
        if (e.step !== null) this.checkAnnExpr(e.step);
        return;
      case 'Tuple':
        for (const x of e.elts) this.checkAnnSubscr(x);
        return;
      default:
        this.checkAnnExpr(e);
    }
  }

  private annassign(s: Stmt & { k: 'AnnAssign' }): void {
    const targ = s.target;
    if (s.value !== null) {
      this.visitExpr(s.value);
      this.visitExpr(targ);
    }
    const future = (this.futureFeatures & CO_FUTURE_ANNOTATIONS) !== 0;
    switch (targ.k) {
      case 'Name':
        this.forbiddenName(targ.id, 'Store');
        if (s.simple && (this.u.scopeType === Scope.MODULE || this.u.scopeType === Scope.CLASS)) {
          if (future) this.loadConst(mkStr(exprAsUnicode(s.annotation)));
          else this.visitExpr(s.annotation);
          this.addopN(Op.LOAD_NAME, '__annotations__');
          this.loadConst(mkStr(mangle(this.u.private_, targ.id)));
          this.addop(Op.STORE_SUBSCR);
        }
        break;
      case 'Attribute':
        this.forbiddenName(targ.attr, 'Store');
        if (s.value === null) this.checkAnnExpr(targ.value);
        break;
      case 'Subscript':
        if (s.value === null) {
          this.checkAnnExpr(targ.value);
          this.checkAnnSubscr(targ.slice);
        }
        break;
      default:
        throw new Error(`invalid node type (${targ.k}) for annotated assignment`);
    }
    if (!s.simple && !future) {
      if (this.u.scopeType === Scope.MODULE || this.u.scopeType === Scope.CLASS) this.checkAnnExpr(s.annotation);
    }
  }

  /* ---------------------------------------------------------- pattern matching */

  private ensureFailPop(pc: PatternContext, n: number): void {
    const size = n + 1;
    while (pc.failPop.length < size) pc.failPop.push(this.newBlock());
  }

  private jumpToFailPop(pc: PatternContext, op: number): void {
    const pops = pc.onTop + pc.stores.length;
    this.ensureFailPop(pc, pops);
    this.addopJ(op, pc.failPop[pops]!);
  }

  private emitAndResetFailPop(pc: PatternContext): void {
    if (!pc.failPop.length) return;
    let size = pc.failPop.length;
    while (--size) {
      this.useNextBlock(pc.failPop[size]!);
      this.addop(Op.POP_TOP);
    }
    this.useNextBlock(pc.failPop[0]!);
    pc.failPop = [];
  }

  private patternHelperRotate(count: number): void {
    while (1 < count) this.addopI(Op.SWAP, count--);
  }

  private patternHelperStoreName(n: string | null, pc: PatternContext): void {
    if (n === null) {
      this.addop(Op.POP_TOP);
      return;
    }
    this.forbiddenName(n, 'Store');
    if (pc.stores.includes(n)) throw this.error(`multiple assignments to name '${n}' in pattern`);
    const rotations = pc.onTop + pc.stores.length + 1;
    this.patternHelperRotate(rotations);
    pc.stores.push(n);
  }

  private patternUnpackHelper(elts: readonly Pattern[]): void {
    const n = elts.length;
    let seenStar = false;
    for (let i = 0; i < n; i++) {
      const elt = elts[i]!;
      if (elt.k === 'MatchStar' && !seenStar) {
        if (i >= 1 << 8 || n - i - 1 >= 2147483647 >> 8) {
          throw this.error('too many expressions in star-unpacking sequence pattern');
        }
        this.addopI(Op.UNPACK_EX, i + ((n - i - 1) << 8));
        seenStar = true;
      } else if (elt.k === 'MatchStar') {
        throw this.error('multiple starred expressions in sequence pattern');
      }
    }
    if (!seenStar) this.addopI(Op.UNPACK_SEQUENCE, n);
  }

  private patternHelperSequenceUnpack(patterns: readonly Pattern[], pc: PatternContext): void {
    this.patternUnpackHelper(patterns);
    const size = patterns.length;
    pc.onTop += size;
    for (let i = 0; i < size; i++) {
      pc.onTop--;
      this.patternSubpattern(patterns[i]!, pc);
    }
  }

  private patternHelperSequenceSubscr(patterns: readonly Pattern[], star: number, pc: PatternContext): void {
    pc.onTop++;
    const size = patterns.length;
    for (let i = 0; i < size; i++) {
      const pattern = patterns[i]!;
      if (wildcardCheck(pattern)) continue;
      if (i === star) continue;
      this.addopI(Op.COPY, 1);
      if (i < star) {
        this.loadConst(mkInt(BigInt(i)));
      } else {
        this.addop(Op.GET_LEN);
        this.loadConst(mkInt(BigInt(size - i)));
        this.addopI(Op.BINARY_OP, NB.Sub[0]);
      }
      this.addop(Op.BINARY_SUBSCR);
      this.patternSubpattern(pattern, pc);
    }
    pc.onTop--;
    this.addop(Op.POP_TOP);
  }

  private patternSubpattern(p: Pattern, pc: PatternContext): void {
    const allow = pc.allowIrrefutable;
    pc.allowIrrefutable = true;
    this.pattern(p, pc);
    pc.allowIrrefutable = allow;
  }

  private patternAs(p: Pattern & { k: 'MatchAs' }, pc: PatternContext): void {
    if (p.pattern === null) {
      if (!pc.allowIrrefutable) {
        if (p.name !== null) throw this.error(`name capture '${p.name}' makes remaining patterns unreachable`);
        throw this.error('wildcard makes remaining patterns unreachable');
      }
      this.patternHelperStoreName(p.name, pc);
      return;
    }
    pc.onTop++;
    this.addopI(Op.COPY, 1);
    this.pattern(p.pattern, pc);
    pc.onTop--;
    this.patternHelperStoreName(p.name, pc);
  }

  private patternClass(p: Pattern & { k: 'MatchClass' }, pc: PatternContext): void {
    const patterns = p.patterns;
    const kwdAttrs = p.kwd_attrs;
    const kwdPatterns = p.kwd_patterns;
    const nargs = patterns.length;
    const nattrs = kwdAttrs.length;
    if (nattrs !== kwdPatterns.length) {
      throw this.error(`kwd_attrs (${nattrs}) / kwd_patterns (${kwdPatterns.length}) length mismatch in class pattern`);
    }
    if (nattrs) {
      for (let i = 0; i < nattrs; i++) {
        const attr = kwdAttrs[i]!;
        this.setLoc(kwdPatterns[i]!);
        this.forbiddenName(attr, 'Store');
        for (let j = i + 1; j < nattrs; j++) {
          if (kwdAttrs[j] === attr) {
            this.setLoc(kwdPatterns[j]!);
            throw this.error(`attribute name repeated in class pattern: ${attr}`);
          }
        }
      }
      this.setLoc(p);
    }
    this.visitExpr(p.cls);
    this.loadConst({ k: 'tuple', items: kwdAttrs.map(mkStr) });
    this.addopI(Op.MATCH_CLASS, nargs);
    this.addopI(Op.COPY, 1);
    this.loadConst(NONE);
    this.addopI(Op.IS_OP, 1);
    pc.onTop++;
    this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
    this.addopI(Op.UNPACK_SEQUENCE, nargs + nattrs);
    pc.onTop += nargs + nattrs - 1;
    for (let i = 0; i < nargs + nattrs; i++) {
      pc.onTop--;
      const pattern = i < nargs ? patterns[i]! : kwdPatterns[i - nargs]!;
      if (wildcardCheck(pattern)) {
        this.addop(Op.POP_TOP);
        continue;
      }
      this.patternSubpattern(pattern, pc);
    }
  }

  private patternMapping(p: Pattern & { k: 'MatchMapping' }, pc: PatternContext): void {
    const keys = p.keys;
    const patterns = p.patterns;
    let size = keys.length;
    if (size !== patterns.length) {
      throw this.error(`keys (${size}) / patterns (${patterns.length}) length mismatch in mapping pattern`);
    }
    const starTarget = p.rest;
    pc.onTop++;
    this.addop(Op.MATCH_MAPPING);
    this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
    if (!size && starTarget === null) {
      pc.onTop--;
      this.addop(Op.POP_TOP);
      return;
    }
    if (size) {
      this.addop(Op.GET_LEN);
      this.loadConst(mkInt(BigInt(size)));
      this.addCompare('GtE');
      this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
    }
    const seen: Constant[] = [];
    for (let i = 0; i < size; i++) {
      const key = keys[i]!;
      if (key.k === 'Constant') {
        if (seen.some((x) => pyEquals(x, key.value))) {
          throw this.error(`mapping pattern checks duplicate key (${constRepr(key.value)})`);
        }
        seen.push(key.value);
      } else if (key.k !== 'Attribute') {
        throw this.error('mapping pattern keys may only match literals and attribute lookups');
      }
      this.visitExpr(key);
    }
    this.addopI(Op.BUILD_TUPLE, size);
    this.addop(Op.MATCH_KEYS);
    pc.onTop += 2;
    this.addopI(Op.COPY, 1);
    this.loadConst(NONE);
    this.addopI(Op.IS_OP, 1);
    this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
    this.addopI(Op.UNPACK_SEQUENCE, size);
    pc.onTop += size - 1;
    for (let i = 0; i < size; i++) {
      pc.onTop--;
      this.patternSubpattern(patterns[i]!, pc);
    }
    pc.onTop -= 2;
    if (starTarget !== null) {
      this.addopI(Op.BUILD_MAP, 0);
      this.addopI(Op.SWAP, 3);
      this.addopI(Op.DICT_UPDATE, 2);
      this.addopI(Op.UNPACK_SEQUENCE, size);
      while (size) {
        this.addopI(Op.COPY, 1 + size--);
        this.addopI(Op.SWAP, 2);
        this.addop(Op.DELETE_SUBSCR);
      }
      this.patternHelperStoreName(starTarget, pc);
    } else {
      this.addop(Op.POP_TOP);
      this.addop(Op.POP_TOP);
    }
  }

  private patternOr(p: Pattern & { k: 'MatchOr' }, pc: PatternContext): void {
    const end = this.newBlock();
    const size = p.patterns.length;
    const old: PatternContext = { ...pc };
    let control: string[] | null = null;
    for (let i = 0; i < size; i++) {
      const alt = p.patterns[i]!;
      this.setLoc(alt);
      pc.stores = [];
      pc.allowIrrefutable = i === size - 1 && old.allowIrrefutable;
      pc.failPop = [];
      pc.onTop = 0;
      this.addopI(Op.COPY, 1);
      this.pattern(alt, pc);
      const nstores = pc.stores.length;
      if (i === 0) {
        control = pc.stores;
      } else if (nstores !== control!.length) {
        throw this.error('alternative patterns bind different names');
      } else if (nstores) {
        let icontrol = nstores;
        while (icontrol--) {
          const name = control![icontrol]!;
          const istores = pc.stores.indexOf(name);
          if (istores < 0) throw this.error('alternative patterns bind different names');
          if (icontrol !== istores) {
            let rotations = istores + 1;
            const rotated = pc.stores.slice(0, rotations);
            pc.stores.splice(0, rotations);
            pc.stores.splice(icontrol - istores, 0, ...rotated);
            while (rotations--) this.patternHelperRotate(icontrol + 1);
          }
        }
      }
      this.addopJ(JUMP, end);
      this.emitAndResetFailPop(pc);
    }
    Object.assign(pc, old);
    this.addop(Op.POP_TOP);
    this.jumpToFailPop(pc, JUMP);
    this.useNextBlock(end);
    const nstores = control!.length;
    const nrots = nstores + 1 + pc.onTop + pc.stores.length;
    for (let i = 0; i < nstores; i++) {
      this.patternHelperRotate(nrots);
      const name = control![i]!;
      if (pc.stores.includes(name)) throw this.error(`multiple assignments to name '${name}' in pattern`);
      pc.stores.push(name);
    }
    this.addop(Op.POP_TOP);
  }

  private patternSequence(p: Pattern & { k: 'MatchSequence' }, pc: PatternContext): void {
    const patterns = p.patterns;
    const size = patterns.length;
    let star = -1;
    let onlyWildcard = true;
    let starWildcard = false;
    for (let i = 0; i < size; i++) {
      const pattern = patterns[i]!;
      if (pattern.k === 'MatchStar') {
        if (star >= 0) throw this.error('multiple starred names in sequence pattern');
        starWildcard = pattern.name === null;
        onlyWildcard &&= starWildcard;
        star = i;
        continue;
      }
      onlyWildcard &&= wildcardCheck(pattern);
    }
    pc.onTop++;
    this.addop(Op.MATCH_SEQUENCE);
    this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
    if (star < 0) {
      this.addop(Op.GET_LEN);
      this.loadConst(mkInt(BigInt(size)));
      this.addCompare('Eq');
      this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
    } else if (size > 1) {
      this.addop(Op.GET_LEN);
      this.loadConst(mkInt(BigInt(size - 1)));
      this.addCompare('GtE');
      this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
    }
    pc.onTop--;
    if (onlyWildcard) this.addop(Op.POP_TOP);
    else if (starWildcard) this.patternHelperSequenceSubscr(patterns, star, pc);
    else this.patternHelperSequenceUnpack(patterns, pc);
  }

  private pattern(p: Pattern, pc: PatternContext): void {
    this.setLoc(p);
    switch (p.k) {
      case 'MatchValue': {
        const value = p.value;
        if (value.k !== 'Constant' && value.k !== 'Attribute') {
          throw this.error('patterns may only match literals and attribute lookups');
        }
        this.visitExpr(value);
        this.addCompare('Eq');
        this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
        return;
      }
      case 'MatchSingleton':
        this.loadConst(p.value);
        this.addCompare('Is');
        this.jumpToFailPop(pc, POP_JUMP_IF_FALSE);
        return;
      case 'MatchSequence':
        return this.patternSequence(p, pc);
      case 'MatchMapping':
        return this.patternMapping(p, pc);
      case 'MatchClass':
        return this.patternClass(p, pc);
      case 'MatchStar':
        return this.patternHelperStoreName(p.name, pc);
      case 'MatchAs':
        return this.patternAs(p, pc);
      case 'MatchOr':
        return this.patternOr(p, pc);
    }
  }

  private match(s: Stmt & { k: 'Match' }): void {
    const pc: PatternContext = { stores: [], allowIrrefutable: false, failPop: [], onTop: 0 };
    this.visitExpr(s.subject);
    const end = this.newBlock();
    const cases = s.cases.length;
    let m = s.cases[cases - 1]!;
    const hasDefault = wildcardCheck(m.pattern) && 1 < cases ? 1 : 0;
    for (let i = 0; i < cases - hasDefault; i++) {
      m = s.cases[i]!;
      this.setLoc(m.pattern);
      if (i !== cases - hasDefault - 1) this.addopI(Op.COPY, 1);
      pc.stores = [];
      pc.allowIrrefutable = m.guard !== null || i === cases - 1;
      pc.failPop = [];
      pc.onTop = 0;
      this.pattern(m.pattern, pc);
      for (const name of pc.stores) this.nameop(name, 'Store');
      if (m.guard !== null) {
        this.ensureFailPop(pc, 0);
        this.jumpIf(m.guard, pc.failPop[0]!, false);
      }
      if (i !== cases - hasDefault - 1) this.addop(Op.POP_TOP);
      this.visitStmts(m.body);
      this.unsetLoc();
      this.addopJ(JUMP, end);
      this.setLoc(m.pattern);
      this.emitAndResetFailPop(pc);
    }
    if (hasDefault) {
      m = s.cases[cases - 1]!;
      this.setLoc(m.pattern);
      if (cases === 1) this.addop(Op.POP_TOP);
      else this.addop(Op.NOP);
      if (m.guard !== null) this.jumpIf(m.guard, end, false);
      this.visitStmts(m.body);
      this.unsetLoc();
    }
    this.useNextBlock(end);
  }
}

const wildcardCheck = (p: Pattern): boolean => p.k === 'MatchAs' && p.name === null;

function findAnn(stmts: readonly Stmt[]): boolean {
  for (const st of stmts) {
    let res = false;
    switch (st.k) {
      case 'AnnAssign':
        return true;
      case 'For':
      case 'AsyncFor':
      case 'While':
      case 'If':
        res = findAnn(st.body) || findAnn(st.orelse);
        break;
      case 'With':
      case 'AsyncWith':
        res = findAnn(st.body);
        break;
      case 'Try':
      case 'TryStar':
        for (const h of st.handlers) if (findAnn(h.body)) return true;
        res = findAnn(st.body) || findAnn(st.finalbody) || findAnn(st.orelse);
        break;
      case 'Match':
        for (const m of st.cases) if (findAnn(m.body)) return true;
        break;
      default:
        res = false;
    }
    if (res) return true;
  }
  return false;
}
