/*
 * The AST optimizer and future features (Python/ast_opt.c, Python/future.c, 3.11)
 * ===============================================================================
 * Before the symbol table is built, CPython folds constant expressions in the tree:
 * unary and binary operators on constants (within the size limits of `safe_multiply`,
 * `safe_power`, `safe_lshift`: 128-bit ints, 256-item and 4096-character sequences),
 * tuples of constants, subscripts of constants, `__debug__`, a literal list or set on the
 * right of `in`/`not in` or iterated by `for` and comprehensions (into a tuple or
 * frozenset), `not (a is b)` into `a is not b`, and `'%s %r' % (a, b)` into an f-string.
 * Annotations are left alone under `from __future__ import annotations`, since they
 * become strings.
 *
 * The fold is functional: a node is returned unchanged (the same object) unless something
 * under it was folded, so an unfolded tree is shared with the parser's.
 *
 * `futureFeatures` is future.c: it reads the `from __future__ import ...` statements at
 * the top of a module and rejects unknown features.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- a port of CPython's C: indices
   and links are in range by construction, as there; a miss is a compiler defect */
import type { Constant } from './code.js';
import type {
  Arg,
  Arguments,
  CmpOpKind,
  Comprehension,
  ExceptHandler,
  Expr,
  Keyword,
  MatchCase,
  Module,
  Pattern,
  Pos,
  Stmt,
  WithItem,
} from '../parse/pyast.js';
import { foldBinary, foldSubscript, foldUnary, FALSE, TRUE } from './constops.js';

export const CO_FUTURE_BARRY_AS_BDFL = 0x400000;
export const CO_FUTURE_ANNOTATIONS = 0x1000000;

export interface FutureFeatures {
  features: number;
  /** Line of the last `from __future__` statement, -1 if none. */
  lineno: number;
}

export class CompileError extends Error {
  constructor(
    message: string,
    readonly lineno: number,
    readonly col_offset: number,
    readonly end_lineno: number,
    readonly end_col_offset: number,
  ) {
    super(message);
  }
}

/** A module's docstring: its first statement is an expression that is a str constant. */
export const getDocString = (body: readonly Stmt[]): string | null => {
  const st = body[0];
  if (st === undefined || st.k !== 'Expr') return null;
  const e = st.value;
  if (e.k !== 'Constant' || e.value.k !== 'str') return null;
  return e.value.v;
};

/** future.c `future_parse`. */
export function futureFeatures(mod: Module): FutureFeatures {
  const ff: FutureFeatures = { features: 0, lineno: -1 };
  const body = mod.body;
  if (body.length === 0) return ff;
  let i = getDocString(body) !== null ? 1 : 0;
  let done = false;
  let prevLine = 0;
  for (; i < body.length; i++) {
    const s = body[i]!;
    if (done && s.lineno > prevLine) return ff;
    prevLine = s.lineno;
    if (s.k === 'ImportFrom' && s.module === '__future__') {
      if (done) {
        throw new CompileError(
          'from __future__ imports must occur at the beginning of the file',
          s.lineno,
          s.col_offset - 1,
          s.lineno,
          s.col_offset - 1,
        );
      }
      for (const name of s.names) {
        switch (name.name) {
          case 'nested_scopes':
          case 'generators':
          case 'division':
          case 'absolute_import':
          case 'with_statement':
          case 'print_function':
          case 'unicode_literals':
          case 'generator_stop':
            break;
          case 'barry_as_FLUFL':
            ff.features |= CO_FUTURE_BARRY_AS_BDFL;
            break;
          case 'annotations':
            ff.features |= CO_FUTURE_ANNOTATIONS;
            break;
          case 'braces':
            throw new CompileError('not a chance', s.lineno, s.col_offset, s.lineno, s.col_offset);
          default:
            throw new CompileError(
              `future feature ${name.name} is not defined`,
              s.lineno,
              s.col_offset,
              s.lineno,
              s.col_offset,
            );
        }
      }
      ff.lineno = s.lineno;
    } else {
      done = true;
    }
  }
  return ff;
}

/* ------------------------------------------------------------------ folding */

const pos = (n: Pos): Pos => ({
  lineno: n.lineno,
  col_offset: n.col_offset,
  end_lineno: n.end_lineno,
  end_col_offset: n.end_col_offset,
});

const makeConst = (node: Pos, value: Constant | null): Expr | null =>
  value === null ? null : { k: 'Constant', value, kind: null, ...pos(node) };

const NOPOS: Pos = { lineno: -1, col_offset: -1, end_lineno: -1, end_col_offset: -1 };

function mapSeq<T>(seq: readonly T[], f: (x: T) => T): readonly T[] {
  let out: T[] | null = null;
  for (let i = 0; i < seq.length; i++) {
    const x = seq[i]!;
    const y = f(x);
    if (y !== x && out === null) out = seq.slice(0, i);
    if (out !== null) out.push(y);
  }
  return out ?? seq;
}

function changed<T extends object>(node: T, fields: Partial<T>): T {
  for (const key of Object.keys(fields) as (keyof T)[]) {
    if (fields[key] !== node[key]) return { ...node, ...fields };
  }
  return node;
}

class Optimizer {
  constructor(
    readonly optimize: number,
    readonly features: number,
  ) {}

  get futureAnnotations(): boolean {
    return (this.features & CO_FUTURE_ANNOTATIONS) !== 0;
  }

  body(stmts: readonly Stmt[]): readonly Stmt[] {
    const docstring = getDocString(stmts) !== null;
    const out = mapSeq(stmts, (s) => this.stmt(s));
    if (!docstring && getDocString(out) !== null) {
      const st = out[0] as Stmt & { k: 'Expr' };
      const expr: Expr = { k: 'JoinedStr', values: [st.value], ...pos(st) };
      return [{ ...st, value: expr }, ...out.slice(1)];
    }
    return out;
  }

  stmts(s: readonly Stmt[]): readonly Stmt[] {
    return mapSeq(s, (x) => this.stmt(x));
  }

  exprs(s: readonly Expr[]): readonly Expr[] {
    return mapSeq(s, (x) => this.expr(x));
  }

  optExpr(e: Expr | null): Expr | null {
    return e === null ? null : this.expr(e);
  }

  expr(e: Expr): Expr {
    switch (e.k) {
      case 'BoolOp':
        return changed(e, { values: this.exprs(e.values) });
      case 'BinOp': {
        const n = changed(e, { left: this.expr(e.left), right: this.expr(e.right) });
        return this.foldBinop(n);
      }
      case 'UnaryOp': {
        const n = changed(e, { operand: this.expr(e.operand) });
        return this.foldUnaryop(n);
      }
      case 'Lambda':
        return changed(e, { args: this.arguments(e.args), body: this.expr(e.body) });
      case 'IfExp':
        return changed(e, { test: this.expr(e.test), body: this.expr(e.body), orelse: this.expr(e.orelse) });
      case 'Dict':
        return changed(e, {
          keys: mapSeq(e.keys, (k) => (k === null ? null : this.expr(k))),
          values: this.exprs(e.values),
        });
      case 'Set':
        return changed(e, { elts: this.exprs(e.elts) });
      case 'ListComp':
      case 'SetComp':
      case 'GeneratorExp':
        return changed(e, { elt: this.expr(e.elt), generators: mapSeq(e.generators, (g) => this.comprehension(g)) });
      case 'DictComp':
        return changed(e, {
          key: this.expr(e.key),
          value: this.expr(e.value),
          generators: mapSeq(e.generators, (g) => this.comprehension(g)),
        });
      case 'Await':
      case 'YieldFrom':
        return changed(e, { value: this.expr(e.value) });
      case 'Yield':
        return changed(e, { value: this.optExpr(e.value) });
      case 'Compare': {
        const n = changed(e, { left: this.expr(e.left), comparators: this.exprs(e.comparators) });
        return this.foldCompare(n);
      }
      case 'Call':
        return changed(e, {
          func: this.expr(e.func),
          args: this.exprs(e.args),
          keywords: mapSeq(e.keywords, (k) => this.keyword(k)),
        });
      case 'FormattedValue':
        return changed(e, { value: this.expr(e.value), format_spec: this.optExpr(e.format_spec) });
      case 'JoinedStr':
        return changed(e, { values: this.exprs(e.values) });
      case 'Attribute':
        return changed(e, { value: this.expr(e.value) });
      case 'Subscript': {
        const n = changed(e, { value: this.expr(e.value), slice: this.expr(e.slice) });
        if (n.ctx !== 'Load' || n.value.k !== 'Constant' || n.slice.k !== 'Constant') return n;
        return makeConst(n, foldSubscript(n.value.value, n.slice.value)) ?? n;
      }
      case 'Starred':
        return changed(e, { value: this.expr(e.value) });
      case 'Slice':
        return changed(e, { lower: this.optExpr(e.lower), upper: this.optExpr(e.upper), step: this.optExpr(e.step) });
      case 'List':
        return changed(e, { elts: this.exprs(e.elts) });
      case 'Tuple': {
        const n = changed(e, { elts: this.exprs(e.elts) });
        if (n.ctx !== 'Load') return n;
        const t = makeConstTuple(n.elts);
        return t === null ? n : (makeConst(n, t) as Expr);
      }
      case 'Name':
        if (e.ctx === 'Load' && e.id === '__debug__') return makeConst(e, this.optimize ? FALSE : TRUE) as Expr;
        return e;
      case 'NamedExpr':
        return changed(e, { value: this.expr(e.value) });
      case 'Constant':
        return e;
    }
  }

  foldUnaryop(node: Expr & { k: 'UnaryOp' }): Expr {
    const arg = node.operand;
    if (arg.k !== 'Constant') {
      if (node.op === 'Not' && arg.k === 'Compare' && arg.ops.length === 1) {
        const inverse: Partial<Record<CmpOpKind, CmpOpKind>> = { Is: 'IsNot', IsNot: 'Is', In: 'NotIn', NotIn: 'In' };
        const op = inverse[arg.ops[0]!];
        if (op !== undefined) return { ...arg, ops: [op] };
      }
      return node;
    }
    return makeConst(node, foldUnary(node.op, arg.value)) ?? node;
  }

  foldBinop(node: Expr & { k: 'BinOp' }): Expr {
    const lhs = node.left;
    const rhs = node.right;
    if (lhs.k !== 'Constant') return node;
    const lv = lhs.value;
    if (node.op === 'Mod' && rhs.k === 'Tuple' && lv.k === 'str' && !rhs.elts.some((x) => x.k === 'Starred')) {
      return optimizeFormat(node, lv.v, rhs.elts) ?? node;
    }
    if (rhs.k !== 'Constant') return node;
    return makeConst(node, foldBinary(node.op, lv, rhs.value)) ?? node;
  }

  foldCompare(node: Expr & { k: 'Compare' }): Expr {
    const i = node.ops.length - 1;
    const op = node.ops[i];
    if (op === 'In' || op === 'NotIn') {
      const arg = node.comparators[i]!;
      const folded = foldIter(arg);
      if (folded !== arg) {
        const comparators = node.comparators.slice();
        comparators[i] = folded;
        return { ...node, comparators };
      }
    }
    return node;
  }

  keyword(k: Keyword): Keyword {
    return changed(k, { value: this.expr(k.value) });
  }

  comprehension(g: Comprehension): Comprehension {
    const n = changed(g, { target: this.expr(g.target), iter: this.expr(g.iter), ifs: this.exprs(g.ifs) });
    return changed(n, { iter: foldIter(n.iter) });
  }

  arg(a: Arg): Arg {
    if (this.futureAnnotations || a.annotation === null) return a;
    return changed(a, { annotation: this.expr(a.annotation) });
  }

  optArg(a: Arg | null): Arg | null {
    return a === null ? null : this.arg(a);
  }

  arguments(a: Arguments): Arguments {
    return changed(a, {
      posonlyargs: mapSeq(a.posonlyargs, (x) => this.arg(x)),
      args: mapSeq(a.args, (x) => this.arg(x)),
      vararg: this.optArg(a.vararg),
      kwonlyargs: mapSeq(a.kwonlyargs, (x) => this.arg(x)),
      kw_defaults: mapSeq(a.kw_defaults, (x) => (x === null ? null : this.expr(x))),
      kwarg: this.optArg(a.kwarg),
      defaults: this.exprs(a.defaults),
    });
  }

  handler(h: ExceptHandler): ExceptHandler {
    return changed(h, { type: this.optExpr(h.type), body: this.stmts(h.body) });
  }

  withitem(w: WithItem): WithItem {
    return changed(w, { context_expr: this.expr(w.context_expr), optional_vars: this.optExpr(w.optional_vars) });
  }

  pattern(p: Pattern): Pattern {
    switch (p.k) {
      case 'MatchValue':
        return changed(p, { value: this.expr(p.value) });
      case 'MatchSingleton':
      case 'MatchStar':
        return p;
      case 'MatchSequence':
        return changed(p, { patterns: mapSeq(p.patterns, (x) => this.pattern(x)) });
      case 'MatchMapping':
        return changed(p, { keys: this.exprs(p.keys), patterns: mapSeq(p.patterns, (x) => this.pattern(x)) });
      case 'MatchClass':
        return changed(p, {
          cls: this.expr(p.cls),
          patterns: mapSeq(p.patterns, (x) => this.pattern(x)),
          kwd_patterns: mapSeq(p.kwd_patterns, (x) => this.pattern(x)),
        });
      case 'MatchAs':
        return p.pattern === null ? p : changed(p, { pattern: this.pattern(p.pattern) });
      case 'MatchOr':
        return changed(p, { patterns: mapSeq(p.patterns, (x) => this.pattern(x)) });
    }
  }

  matchCase(m: MatchCase): MatchCase {
    return changed(m, { pattern: this.pattern(m.pattern), guard: this.optExpr(m.guard), body: this.stmts(m.body) });
  }

  stmt(s: Stmt): Stmt {
    switch (s.k) {
      case 'FunctionDef':
      case 'AsyncFunctionDef': {
        const n = changed(s, {
          args: this.arguments(s.args),
          body: this.body(s.body),
          decorator_list: this.exprs(s.decorator_list),
        });
        if (this.futureAnnotations) return n;
        return changed(n, { returns: this.optExpr(n.returns) });
      }
      case 'ClassDef':
        return changed(s, {
          bases: this.exprs(s.bases),
          keywords: mapSeq(s.keywords, (k) => this.keyword(k)),
          body: this.body(s.body),
          decorator_list: this.exprs(s.decorator_list),
        });
      case 'Return':
        return changed(s, { value: this.optExpr(s.value) });
      case 'Delete':
        return changed(s, { targets: this.exprs(s.targets) });
      case 'Assign':
        return changed(s, { targets: this.exprs(s.targets), value: this.expr(s.value) });
      case 'AugAssign':
        return changed(s, { target: this.expr(s.target), value: this.expr(s.value) });
      case 'AnnAssign': {
        const target = this.expr(s.target);
        const annotation = this.futureAnnotations ? s.annotation : this.expr(s.annotation);
        return changed(s, { target, annotation, value: this.optExpr(s.value) });
      }
      case 'For': {
        const n = changed(s, {
          target: this.expr(s.target),
          iter: this.expr(s.iter),
          body: this.stmts(s.body),
          orelse: this.stmts(s.orelse),
        });
        return changed(n, { iter: foldIter(n.iter) });
      }
      case 'AsyncFor':
        return changed(s, {
          target: this.expr(s.target),
          iter: this.expr(s.iter),
          body: this.stmts(s.body),
          orelse: this.stmts(s.orelse),
        });
      case 'While':
      case 'If':
        return changed(s, { test: this.expr(s.test), body: this.stmts(s.body), orelse: this.stmts(s.orelse) });
      case 'With':
      case 'AsyncWith':
        return changed(s, { items: mapSeq(s.items, (w) => this.withitem(w)), body: this.stmts(s.body) });
      case 'Raise':
        return changed(s, { exc: this.optExpr(s.exc), cause: this.optExpr(s.cause) });
      case 'Try':
      case 'TryStar':
        return changed(s, {
          body: this.stmts(s.body),
          handlers: mapSeq(s.handlers, (h) => this.handler(h)),
          orelse: this.stmts(s.orelse),
          finalbody: this.stmts(s.finalbody),
        });
      case 'Assert':
        return changed(s, { test: this.expr(s.test), msg: this.optExpr(s.msg) });
      case 'Expr':
        return changed(s, { value: this.expr(s.value) });
      case 'Match':
        return changed(s, { subject: this.expr(s.subject), cases: mapSeq(s.cases, (m) => this.matchCase(m)) });
      case 'Import':
      case 'ImportFrom':
      case 'Global':
      case 'Nonlocal':
      case 'Pass':
      case 'Break':
      case 'Continue':
        return s;
    }
  }
}

function makeConstTuple(elts: readonly Expr[]): Constant | null {
  const items: Constant[] = [];
  for (const e of elts) {
    if (e.k !== 'Constant') return null;
    items.push(e.value);
  }
  return { k: 'tuple', items };
}

/** fold_iter: a literal list becomes a tuple, a literal set of constants a frozenset. */
function foldIter(arg: Expr): Expr {
  if (arg.k === 'List') {
    if (arg.elts.some((e) => e.k === 'Starred')) return arg;
    const t = makeConstTuple(arg.elts);
    if (t !== null) return makeConst(arg, t) as Expr;
    return { k: 'Tuple', elts: arg.elts, ctx: arg.ctx, ...pos(arg) };
  }
  if (arg.k === 'Set') {
    const t = makeConstTuple(arg.elts);
    if (t === null || t.k !== 'tuple') return arg;
    return makeConst(arg, { k: 'frozenset', items: dedupe(t.items) }) as Expr;
  }
  return arg;
}

/** The distinct items of a set display, first occurrence kept (set semantics: 1 == 1.0 == True). */
export function dedupe(items: readonly Constant[]): Constant[] {
  const out: Constant[] = [];
  for (const x of items) if (!out.some((y) => pyEquals(x, y))) out.push(x);
  return out;
}

/** `==` between constants of hashable kinds (numbers compare across int/float/bool/complex). */
export function pyEquals(a: Constant, b: Constant): boolean {
  const num = (c: Constant): [number | bigint, number] | null => {
    switch (c.k) {
      case 'bool':
        return [c.v ? 1n : 0n, 0];
      case 'int':
        return [c.v, 0];
      case 'float':
        return [c.v, 0];
      case 'complex':
        return [c.re, c.im];
      default:
        return null;
    }
  };
  const na = num(a);
  const nb = num(b);
  if (na !== null && nb !== null) {
    if (na[1] !== nb[1]) return false;
    const [x, y] = [na[0], nb[0]];
    if (typeof x === 'bigint' && typeof y === 'bigint') return x === y;
    if (typeof x === 'number' && typeof y === 'number') return x === y;
    const f = typeof x === 'number' ? x : (y as number);
    const i = typeof x === 'bigint' ? x : (y as bigint);
    return Number.isInteger(f) && BigInt(f) === i;
  }
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'None':
    case 'Ellipsis':
      return true;
    case 'str':
      return a.v === (b as typeof a).v;
    case 'bytes': {
      const bv = (b as typeof a).v;
      return a.v.length === bv.length && a.v.every((x, i) => x === bv[i]);
    }
    case 'tuple': {
      const bi = (b as typeof a).items;
      return a.items.length === bi.length && a.items.every((x, i) => pyEquals(x, bi[i]!));
    }
    case 'frozenset': {
      const bi = (b as typeof a).items;
      return a.items.length === bi.length && a.items.every((x) => bi.some((y) => pyEquals(x, y)));
    }
    case 'code':
      return a.code === (b as typeof a).code;
    default:
      return false;
  }
}

/* ------------------------------------------------------------------ '%' formatting into f-strings */

const F_LJUST = 1;

function optimizeFormat(node: Expr & { k: 'BinOp' }, fmt: string, elts: readonly Expr[]): Expr | null {
  const chars = Array.from(fmt);
  let p = 0;
  let cnt = 0;
  const seq: Expr[] = [];
  for (;;) {
    // parse_literal
    const start = p;
    let hasPercents = false;
    while (p < chars.length) {
      if (chars[p] !== '%') p++;
      else if (p + 1 < chars.length && chars[p + 1] === '%') {
        hasPercents = true;
        p += 2;
      } else break;
    }
    if (p !== start) {
      let s = chars.slice(start, p).join('');
      if (hasPercents) s = s.replaceAll('%%', '%');
      seq.push({ k: 'Constant', value: { k: 'str', v: s }, kind: null, ...NOPOS });
    }
    if (p >= chars.length) break;
    if (cnt >= elts.length) return null;
    p++;
    // simple_format_arg_parse
    let flags = 0;
    let width = -1;
    let prec = -1;
    let ch: string | undefined;
    const next = (): boolean => {
      if (p >= chars.length) return false;
      ch = chars[p++];
      return true;
    };
    if (!next()) return null;
    for (;;) {
      if (ch === '-') flags |= F_LJUST;
      else if (ch === '+' || ch === ' ' || ch === '#' || ch === '0') flags |= 2;
      else break;
      if (!next()) return null;
    }
    const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
    if (isDigit(ch)) {
      width = 0;
      let digits = 0;
      while (isDigit(ch)) {
        width = width * 10 + Number(ch);
        if (!next()) return null;
        if (++digits >= 3) return null;
      }
    }
    if (ch === '.') {
      if (!next()) return null;
      prec = 0;
      if (isDigit(ch)) {
        let digits = 0;
        while (isDigit(ch)) {
          prec = prec * 10 + Number(ch);
          if (!next()) return null;
          if (++digits >= 3) return null;
        }
      }
    }
    const spec = ch;
    // parse_format
    if (spec !== 's' && spec !== 'r' && spec !== 'a') return null;
    if ((flags & ~F_LJUST) !== 0) {
      // the other flags are accepted by the parser and ignored by the conversion
    }
    let buf = '';
    if (!(flags & F_LJUST) && width > 0) buf += '>';
    if (width >= 0) buf += String(width);
    if (prec >= 0) buf += '.' + String(prec);
    const arg = elts[cnt]!;
    cnt++;
    const formatSpec: Expr | null =
      buf === ''
        ? null
        : { k: 'JoinedStr', values: [{ k: 'Constant', value: { k: 'str', v: buf }, kind: null, ...NOPOS }], ...NOPOS };
    seq.push({
      k: 'FormattedValue',
      value: arg,
      conversion: spec.charCodeAt(0),
      format_spec: formatSpec === null ? null : formatSpec.values[0]!,
      ...pos(arg),
    });
  }
  if (cnt < elts.length) return null;
  return { k: 'JoinedStr', values: seq, ...pos(node) };
}

/** `_PyAST_Optimize` of an Expression (`eval` mode). */
export function optimizeExpression(expr: Expr, optimize: number): Expr {
  return new Optimizer(optimize, 0).expr(expr);
}

/** `_PyAST_Optimize`: the folded module. */
export function optimizeModule(mod: Module, optimize: number, features: number): Module {
  const o = new Optimizer(optimize, features);
  return changed(mod, { body: o.body(mod.body) });
}
