/*
 * Lowering: lezer's syntax tree to the `ast` tree of pyast.ts, with CPython's positions
 * ====================================================================================
 * Walks the tree @lezer/python made of the rewritten text (rewrite.ts) and builds the
 * nodes CPython 3.11's parser builds (Grammar/python.gram's actions), reading names,
 * numbers and strings from the source and placing every node where CPython places it.
 *
 * Read first: `Lowering.module`, then `Lowering.expr`.
 *
 * Positions. Every node spans from the first to the last token of the grammar rule that
 * made it (pegen's EXTRA), so a parenthesised operand widens its parent (`(a) + b` starts
 * at the parenthesis) but not itself (`a` keeps its own span). lezer's node ranges are
 * exactly such token ranges; where the tree is reshaped (below) spans are rebuilt from
 * the lezer ranges of the parts, never from the lowered children. A compound
 * statement ends where the last statement of its last block ends.
 *
 * Reshaping, where lezer's grammar groups differently from Python's:
 *   - `not` takes everything to its right in lezer (`not a and b` is `not (a and b)`):
 *     the unparenthesised run of `and`/`or`/`not` is flattened and regrouped with
 *     Python's precedence (`boolean`).
 *   - `await` does too (`await x ** 2`): it is moved down the left spine of the
 *     arithmetic onto the primary it applies to (`awaited`).
 *   - comparison chains (left-nested in lezer) become one Compare.
 *   - holes (rewrite.ts) are parsed on their own and lowered in place.
 *
 * Strings. A run of string tokens becomes one Constant or JoinedStr, as
 * `_PyPegen_concatenate_strings` joins them; f-string bodies are parsed here as
 * Parser/string_parser.c does, each replacement field's expression as its own text
 * `(expr)` (tokenized, rewritten, parsed by lezer, lowered), whose positions are the
 * source positions (CPython 3.11 computes the same numbers through
 * fstring_find_expr_location).
 */
import { parser } from '@lezer/python';
import { Tree, type SyntaxNode } from '@lezer/common';
import type {
  Alias,
  Arg,
  Arguments,
  CmpOpKind,
  Comprehension,
  ConstantValue,
  ExceptHandler,
  Expr,
  ExprContext,
  Keyword,
  MatchCase,
  Module,
  Operator,
  Pattern,
  Pos,
  Stmt,
  WithItem,
} from './pyast.js';
import { LineMap as LineMapFor, type LineMap } from './lineMap.js';
import { refineAt } from './errors.js';
import { KEYWORDS, rewrite, type Hole, type Rewritten } from './rewrite.js';
import { decodeBytes, decodeStr, stringToken, type StringToken } from './strings.js';
import { NAME, OP, STRING, tokenize, type SyntaxErrorClass, type Tokens } from './tokenizer.js';

/** A syntax error found while lowering, at text offsets (CPython's offset is start's column). */
export interface LowerError {
  readonly message: string;
  readonly start: number;
  readonly end: number;
  readonly cls: SyntaxErrorClass;
}

/** One tokenized text: the file, or the `(expr)` of one f-string replacement field. */
interface Ctx {
  readonly toks: Tokens;
  readonly rw: Rewritten;
  /** File offset of the context's offset 0. */
  readonly shift: number;
  /** The text the tokens index (the file, or the field's `(expr)`). */
  readonly src: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const BINOPS: Record<string, Operator> = {
  '+': 'Add',
  '-': 'Sub',
  '*': 'Mult',
  '@': 'MatMult',
  '/': 'Div',
  '%': 'Mod',
  '**': 'Pow',
  '<<': 'LShift',
  '>>': 'RShift',
  '|': 'BitOr',
  '^': 'BitXor',
  '&': 'BitAnd',
  '//': 'FloorDiv',
};
const CMPOPS: Record<string, CmpOpKind> = {
  '==': 'Eq',
  '!=': 'NotEq',
  '<': 'Lt',
  '<=': 'LtE',
  '>': 'Gt',
  '>=': 'GtE',
};

/** Thrown to abandon a construct after its error was recorded. */
class Abandon extends Error {}

/** Children of a node, without the ones lezer adds for skipped text. */
function kids(n: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = n.firstChild; c !== null; c = c.nextSibling) out.push(c);
  return out;
}

/** Split a child list at `,` tokens. A trailing comma leaves an empty last group. */
function splitCommas(nodes: readonly SyntaxNode[]): SyntaxNode[][] {
  const groups: SyntaxNode[][] = [[]];
  for (const n of nodes) {
    if (n.name === ',') groups.push([]);
    else groups[groups.length - 1]?.push(n);
  }
  return groups;
}

/** Parse `text` with lezer and place the tree at `offset` (its nodes then carry file offsets). */
export function parseAt(text: string, offset: number): SyntaxNode {
  const tree = parser.parse(text);
  if (offset === 0) return tree.topNode;
  const top = new Tree(tree.type, [tree], [offset], offset + text.length).topNode.firstChild;
  return top ?? tree.topNode;
}

/** Whether a lezer subtree holds an error node. */
export function hasError(n: SyntaxNode): boolean {
  let found = false;
  n.cursor().iterate((c) => {
    if (found) return false;
    if (c.type.isError) found = true;
    return !found;
  });
  return found;
}

export class Lowering {
  readonly errors: LowerError[] = [];
  private ctx: Ctx;
  /** Where lezer's first error node is (statements holding it are left to errors.ts). */
  private firstLezerError = Infinity;

  constructor(
    private readonly text: string,
    private readonly lines: LineMap,
    toks: Tokens,
    rw: Rewritten,
  ) {
    this.ctx = { toks, rw, shift: 0, src: text };
  }

  /** Tell the lowering where lezer's first error is: the statement holding it is not lowered. */
  setFirstError(offset: number): void {
    this.firstLezerError = offset;
  }

  // -----------------------------------------------------------------------------------
  // Positions and errors.

  private pos(from: number, to: number): Pos {
    const l = this.lines;
    return { lineno: l.line(from), col_offset: l.byteCol(from), end_lineno: l.line(to), end_col_offset: l.byteCol(to) };
  }

  /** From an offset to the end of an already positioned node. */
  private posTo(from: number, last: Pos): Pos {
    const l = this.lines;
    return {
      lineno: l.line(from),
      col_offset: l.byteCol(from),
      end_lineno: last.end_lineno,
      end_col_offset: last.end_col_offset,
    };
  }

  private error(message: string, start: number, end = start, cls: SyntaxErrorClass = 'SyntaxError'): never {
    this.errors.push({ message, start, end, cls });
    throw new Abandon();
  }

  /** A node lezer could not make sense of: `invalid syntax` at it (errors.ts refines the message). */
  private bad(n: SyntaxNode | null | undefined, fallback?: SyntaxNode): never {
    const at = n ?? fallback;
    return this.error('invalid syntax', at?.from ?? 0, at?.to ?? 0);
  }

  private src(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  /** An identifier: CPython normalizes non-ASCII ones to NFKC (_PyPegen_new_identifier). */
  private ident(from: number, to: number): string {
    const id = this.text.slice(from, to);
    // eslint-disable-next-line no-control-regex
    return /^[\x00-\x7f]*$/.test(id) ? id : id.normalize('NFKC');
  }

  private name(n: SyntaxNode): string {
    if (n.name !== 'VariableName' && n.name !== 'PropertyName') this.bad(n);
    const id = this.ident(n.from, n.to);
    if (KEYWORDS.has(id)) this.bad(n);
    return id;
  }

  // -----------------------------------------------------------------------------------
  // Entry points.

  /** The module of the top-level statements of lezer's trees (one per chunk, see parser.ts). */
  module(tops: readonly SyntaxNode[]): Module | undefined {
    try {
      const body = this.statements(tops.flatMap((t) => kids(t)));
      return { k: 'Module', body, type_ignores: [] };
    } catch (e) {
      if (e instanceof Abandon) return undefined;
      throw e;
    }
  }

  private statements(nodes: readonly SyntaxNode[]): Stmt[] {
    const out: Stmt[] = [];
    for (const n of nodes) {
      if (n.type.isError) this.bad(n);
      if (n.name === 'StatementGroup') {
        for (const c of kids(n)) {
          if (c.name === ';') continue;
          if (c.type.isError) this.bad(c);
          out.push(this.stmt(c));
        }
      } else out.push(this.stmt(n));
    }
    return out;
  }

  private body(n: SyntaxNode | undefined): Stmt[] {
    if (n?.name !== 'Body') return this.bad(n);
    const ks = kids(n).filter((c) => c.name !== ':');
    const body = this.statements(ks);
    if (body.length === 0) this.bad(n);
    // A block ends at its last token: `x = 1;` ends at the semicolon (pegen's EXTRA ends
    // at the last non-whitespace token), though the statement itself does not.
    const last = ks[ks.length - 1];
    if (last?.name === 'StatementGroup') {
      const gk = kids(last);
      const semi = gk[gk.length - 1];
      if (semi?.name === ';') this.blockEnds.set(body, this.pos(semi.from, semi.to));
    }
    return body;
  }

  private readonly blockEnds = new WeakMap<readonly Stmt[], Pos>();

  private lastEnd(body: readonly Stmt[]): Pos {
    return this.blockEnds.get(body) ?? (body[body.length - 1] as Pos);
  }

  // -----------------------------------------------------------------------------------
  // Statements.

  private stmt(n: SyntaxNode): Stmt {
    if (this.ctx.shift === 0 && n.from <= this.firstLezerError && this.firstLezerError <= n.to) throw new Abandon();
    const ks = kids(n);
    switch (n.name) {
      case 'ExpressionStatement': {
        const value = ks.length === 1 ? this.value(ks[0] as SyntaxNode) : this.exprList(ks, 'Load', n);
        return { k: 'Expr', value, ...this.pos(n.from, n.to) };
      }
      case 'AssignStatement':
        return this.assign(n, ks);
      case 'UpdateStatement':
        return this.augAssign(n, ks);
      case 'DeleteStatement': {
        const groups = splitCommas(ks.slice(1));
        if (groups.length > 1 && groups[groups.length - 1]?.length === 0) groups.pop();
        const targets = groups.map((g) => this.item(g, 'Del', n));
        return { k: 'Delete', targets, ...this.pos(n.from, n.to) };
      }
      case 'PassStatement':
        return { k: 'Pass', ...this.pos(n.from, n.to) };
      case 'BreakStatement':
        return { k: 'Break', ...this.pos(n.from, n.to) };
      case 'ContinueStatement':
        return { k: 'Continue', ...this.pos(n.from, n.to) };
      case 'ReturnStatement': {
        const rest = ks.slice(1);
        const value = rest.length === 0 ? null : this.exprList(rest, 'Load', n);
        return { k: 'Return', value, ...this.pos(n.from, n.to) };
      }
      case 'YieldStatement':
        return { k: 'Expr', value: this.yieldExpr(n), ...this.pos(n.from, n.to) };
      case 'RaiseStatement': {
        if (ks.some((c) => c.name === ',')) this.bad(ks.find((c) => c.name === ','));
        const fromAt = ks.findIndex((c) => c.name === 'from');
        const excNode = ks[1];
        const exc = excNode === undefined || excNode.name === 'from' ? null : this.expr(excNode);
        const causeNode = fromAt < 0 ? undefined : ks[fromAt + 1];
        const cause = causeNode === undefined ? null : this.expr(causeNode);
        return { k: 'Raise', exc, cause, ...this.pos(n.from, n.to) };
      }
      case 'ImportStatement':
        return this.importStmt(n, ks);
      case 'ScopeStatement': {
        const groups = splitCommas(ks.slice(1));
        const names = groups.map((g) => {
          const v = g[0];
          if (g.length !== 1 || v === undefined) return this.bad(g[0], n);
          return this.name(v);
        });
        const pos = this.pos(n.from, n.to);
        return ks[0]?.name === 'nonlocal' ? { k: 'Nonlocal', names, ...pos } : { k: 'Global', names, ...pos };
      }
      case 'AssertStatement': {
        const groups = splitCommas(ks.slice(1));
        if (groups.length > 2 || groups.some((g) => g.length !== 1)) this.bad(n);
        const test = this.expr(groups[0]?.[0] as SyntaxNode);
        const m = groups[1]?.[0];
        return { k: 'Assert', test, msg: m === undefined ? null : this.expr(m), ...this.pos(n.from, n.to) };
      }
      case 'IfStatement':
        return this.ifStmt(n, ks);
      case 'WhileStatement': {
        const test = this.namedExpr(ks[1]);
        const body = this.body(ks[2]);
        const orelse = ks[3]?.name === 'else' ? this.body(ks[4]) : [];
        const last = orelse.length > 0 ? orelse : body;
        return { k: 'While', test, body, orelse, ...this.posTo(n.from, this.lastEnd(last)) };
      }
      case 'ForStatement':
        return this.forStmt(n, ks);
      case 'TryStatement':
        return this.tryStmt(n, ks);
      case 'WithStatement':
        return this.withStmt(n, ks);
      case 'FunctionDefinition':
        return this.functionDef(n, ks, []);
      case 'ClassDefinition':
        return this.classDef(n, ks, []);
      case 'DecoratedStatement': {
        const decorators = ks.filter((c) => c.name === 'Decorator').map((d) => this.decorator(d));
        const def = ks[ks.length - 1] as SyntaxNode;
        if (def.name === 'FunctionDefinition') return this.functionDef(def, kids(def), decorators);
        if (def.name === 'ClassDefinition') return this.classDef(def, kids(def), decorators);
        return this.bad(def);
      }
      case 'MatchStatement':
        return this.matchStmt(n, ks);
      default:
        return this.bad(n);
    }
  }

  private assign(n: SyntaxNode, ks: SyntaxNode[]): Stmt {
    const groups: SyntaxNode[][] = [[]];
    let typeDef: SyntaxNode | undefined;
    for (const c of ks) {
      if (c.name === 'AssignOp') groups.push([]);
      else if (c.name === 'TypeDef') {
        if (typeDef !== undefined || groups.length !== 1) this.bad(c);
        typeDef = c;
      } else groups[groups.length - 1]?.push(c);
    }
    if (groups.some((g) => g.length === 0)) this.bad(n);
    const pos = this.pos(n.from, n.to);
    if (typeDef !== undefined) {
      if (groups.length > 2) this.bad(n);
      const tg = groups[0] as SyntaxNode[];
      const tnode = tg[0] as SyntaxNode;
      if (tg.length !== 1 || tnode.name === 'TupleExpression' || tnode.name === 'ArrayExpression') {
        const what = tg.length !== 1 || tnode.name === 'TupleExpression' ? 'tuple' : 'list';
        this.error(`only single target (not ${what}) can be annotated`, tnode.from, tnode.to);
      }
      let inner = tnode;
      while (inner.name === 'ParenthesizedExpression' && kids(inner).length === 3) inner = kids(inner)[1] as SyntaxNode;
      if (inner.name === 'TupleExpression' || inner.name === 'ArrayExpression') {
        this.error(
          `only single target (not ${inner.name === 'TupleExpression' ? 'tuple' : 'list'}) can be annotated`,
          inner.from,
          inner.to,
        );
      }
      if (inner.name !== 'VariableName' && inner.name !== 'MemberExpression') {
        this.error('illegal target for annotation', tnode.from, tnode.to);
      }
      const target = this.expr(tnode, 'Store');
      const annotation = this.annotation(typeDef);
      const vg = groups[1];
      const value = vg === undefined ? null : this.rhs(vg, n);
      const simple = tnode.name === 'VariableName' ? 1 : 0;
      return { k: 'AnnAssign', target, annotation, value, simple, ...pos };
    }
    const targetGroups = groups.slice(0, -1);
    for (const g of targetGroups) {
      const y = g.find((c) => c.name === 'YieldExpression' || (c.name === 'VariableName' && this.src(c) === 'yield'));
      if (y !== undefined) this.error('assignment to yield expression not possible', y.from, y.to);
    }
    // invalid_named_expression: `f() = 1` reads as a mistyped comparison.
    const only = targetGroups.length === 1 ? targetGroups[0] : undefined;
    const t0 = only?.length === 1 ? only[0] : undefined;
    const v0 = groups[groups.length - 1]?.[0];
    if (t0 !== undefined && v0 !== undefined && this.isBitwiseOr(t0) && this.startsBitwiseOr(v0)) {
      const name = this.exprName(t0);
      if (
        !['name', 'attribute', 'subscript', 'tuple', 'list', 'generator expression', 'True', 'False', 'None'].includes(
          name,
        )
      ) {
        this.error(`cannot assign to ${name} here. Maybe you meant '==' instead of '='?`, t0.from, t0.to);
      }
    }
    const value = this.rhs(groups[groups.length - 1] as SyntaxNode[], n);
    const targets = targetGroups.map((g) => this.exprList(g, 'Store', n));
    return { k: 'Assign', targets, value, type_comment: null, ...pos };
  }

  /** Whether a node is at the grammar's bitwise_or level (no comparison, not, and/or, if, lambda). */
  private isBitwiseOr(n: SyntaxNode): boolean {
    if (n.name === 'ConditionalExpression' || n.name === 'LambdaExpression' || n.name === 'NamedExpression')
      return false;
    if (n.name === 'YieldExpression') return false;
    const ks = kids(n);
    if (n.name === 'UnaryExpression') return ks[0]?.name !== 'not';
    if (n.name === 'BinaryExpression') return ks[1]?.name === 'ArithOp' || ks[1]?.name === 'BitOp';
    return true;
  }

  private startsBitwiseOr(n: SyntaxNode): boolean {
    let leaf: SyntaxNode | null = n;
    while (leaf.firstChild !== null) leaf = leaf.firstChild;
    return !['not', 'lambda', 'yield', '*', 'await'].includes(leaf.name) && this.isBitwiseOr(n);
  }

  /** The right-hand side of an assignment: a yield expression or an expression list. */
  private rhs(g: SyntaxNode[], n: SyntaxNode): Expr {
    if (g.length === 1) return this.value(g[0] as SyntaxNode);
    return this.exprList(g, 'Load', n);
  }

  /** An expression where a yield expression may stand (statement, right-hand side, parentheses). */
  private value(n: SyntaxNode): Expr {
    if (n.name === 'YieldExpression') return this.yieldExpr(n);
    if (n.name === 'VariableName' && this.src(n) === 'yield') {
      return { k: 'Yield', value: null, ...this.pos(n.from, n.to) };
    }
    return this.expr(n);
  }

  private augAssign(n: SyntaxNode, ks: SyntaxNode[]): Stmt {
    const opAt = ks.findIndex((c) => c.name === 'UpdateOp');
    const opNode = ks[opAt];
    if (opNode === undefined) return this.bad(n);
    const t0 = ks[0] as SyntaxNode;
    let inner = t0;
    while (inner.name === 'ParenthesizedExpression' && kids(inner).length === 3) inner = kids(inner)[1] as SyntaxNode;
    if (opAt !== 1 || (inner.name !== 'VariableName' && inner.name !== 'MemberExpression')) {
      const what = opAt !== 1 ? 'tuple' : this.exprName(inner);
      this.error(`'${what}' is an illegal expression for augmented assignment`, t0.from, t0.to);
    }
    const target = this.expr(t0, 'Store');
    const op = BINOPS[this.src(opNode).slice(0, -1)] ?? this.bad(opNode);
    const value = this.rhs(ks.slice(opAt + 1), n);
    return { k: 'AugAssign', target, op, value, ...this.pos(n.from, n.to) };
  }

  private dotted(nodes: readonly SyntaxNode[], n: SyntaxNode): string {
    let name = '';
    if (nodes.length === 0 || nodes.length % 2 === 0) this.bad(nodes[nodes.length - 1], n);
    for (const [i, c] of nodes.entries()) {
      if (i % 2 === 1) {
        if (c.name !== '.') this.bad(c);
        name += '.';
      } else name += this.name(c);
    }
    return name;
  }

  private importStmt(n: SyntaxNode, ks: SyntaxNode[]): Stmt {
    const alias = (g: SyntaxNode[], dotted: boolean): Alias => {
      const asAt = g.findIndex((c) => c.name === 'as');
      const nameNodes = asAt < 0 ? g : g.slice(0, asAt);
      if (!dotted && nameNodes.length !== 1) this.bad(nameNodes[1], n);
      const name = this.dotted(nameNodes, n);
      let asname: string | null = null;
      if (asAt >= 0) {
        const a = g[asAt + 1];
        if (a === undefined || g.length !== asAt + 2) this.bad(g[asAt + 2], n);
        asname = this.name(a);
      }
      const last = g[g.length - 1] as SyntaxNode;
      return { k: 'alias', name, asname, ...this.pos((g[0] as SyntaxNode).from, last.to) };
    };
    const pos = this.pos(n.from, n.to);
    if (ks[0]?.name === 'import') {
      const groups = splitCommas(ks.slice(1));
      if (groups.some((g) => g.length === 0)) this.bad(n);
      return { k: 'Import', names: groups.map((g) => alias(g, true)), ...pos };
    }
    const importAt = ks.findIndex((c) => c.name === 'import');
    if (importAt < 0) this.bad(n);
    let i = 1;
    let level = 0;
    while (ks[i]?.name === '.' || ks[i]?.name === 'Ellipsis') {
      level += ks[i]?.name === '.' ? 1 : 3;
      i++;
    }
    const moduleNodes = ks.slice(i, importAt);
    const module = moduleNodes.length === 0 ? null : this.dotted(moduleNodes, n);
    if (module === null && level === 0) this.bad(n);
    let rest = ks.slice(importAt + 1);
    if (rest.length === 1 && rest[0]?.name === '*') {
      const star = rest[0];
      return {
        k: 'ImportFrom',
        module,
        names: [{ k: 'alias', name: '*', asname: null, ...this.pos(star.from, star.to) }],
        level,
        ...pos,
      };
    }
    const parenthesized = rest[0]?.name === '(';
    if (parenthesized) {
      if (rest[rest.length - 1]?.name !== ')') this.bad(n);
      rest = rest.slice(1, -1);
    }
    const groups = splitCommas(rest);
    if (groups.length > 1 && groups[groups.length - 1]?.length === 0) {
      if (!parenthesized) this.bad(n);
      groups.pop();
    }
    if (groups.some((g) => g.length === 0)) this.bad(n);
    return { k: 'ImportFrom', module, names: groups.map((g) => alias(g, false)), level, ...pos };
  }

  private ifStmt(n: SyntaxNode, ks: SyntaxNode[]): Stmt {
    // if test Body (elif test Body)* (else Body)?
    const branches: { test: Expr; body: Stmt[]; start: number }[] = [];
    let orelse: Stmt[] = [];
    let i = 0;
    while (i < ks.length) {
      const k = ks[i] as SyntaxNode;
      if (k.name === 'if' || k.name === 'elif') {
        branches.push({ test: this.namedExpr(ks[i + 1]), body: this.body(ks[i + 2]), start: k.from });
        i += 3;
      } else if (k.name === 'else') {
        orelse = this.body(ks[i + 1]);
        i += 2;
      } else this.bad(k);
    }
    let result: Stmt | undefined;
    for (let b = branches.length - 1; b >= 0; b--) {
      const br = branches[b] as (typeof branches)[number];
      const rest = result === undefined ? orelse : [result];
      const last = rest.length > 0 ? rest : br.body;
      result = { k: 'If', test: br.test, body: br.body, orelse: rest, ...this.posTo(br.start, this.lastEnd(last)) };
    }
    return result ?? this.bad(n);
  }

  /** A test that may be `x := y` (if, elif, while, guards). */
  private namedExpr(n: SyntaxNode | undefined): Expr {
    if (n === undefined) return this.bad(n);
    return this.expr(n);
  }

  private forStmt(n: SyntaxNode, ks: SyntaxNode[]): Stmt {
    const isAsync = ks[0]?.name === 'async';
    const forAt = isAsync ? 1 : 0;
    const inAt = ks.findIndex((c) => c.name === 'in');
    const bodyAt = ks.findIndex((c) => c.name === 'Body');
    if (inAt < 0 || bodyAt < inAt) this.bad(n);
    const target = this.exprList(ks.slice(forAt + 1, inAt), 'Store', n);
    const iter = this.exprList(ks.slice(inAt + 1, bodyAt), 'Load', n);
    const body = this.body(ks[bodyAt]);
    const orelse = ks[bodyAt + 1]?.name === 'else' ? this.body(ks[bodyAt + 2]) : [];
    const pos = this.posTo(n.from, this.lastEnd(orelse.length > 0 ? orelse : body));
    const fields = { target, iter, body, orelse, type_comment: null };
    return isAsync ? { k: 'AsyncFor', ...fields, ...pos } : { k: 'For', ...fields, ...pos };
  }

  private tryStmt(n: SyntaxNode, ks: SyntaxNode[]): Stmt {
    const body = this.body(ks[1]);
    const handlers: ExceptHandler[] = [];
    let orelse: Stmt[] = [];
    let finalbody: Stmt[] = [];
    let star: boolean | undefined;
    let i = 2;
    while (i < ks.length) {
      const k = ks[i] as SyntaxNode;
      if (k.name === 'except') {
        let j = i + 1;
        while (j < ks.length && ks[j]?.name !== 'Body') j++;
        let clause = ks.slice(i + 1, j);
        const isStar = clause[0]?.name === '*';
        if (isStar) clause = clause.slice(1);
        if (star !== undefined && star !== isStar) this.bad(k);
        star = isStar;
        const hbody = this.body(ks[j]);
        let type: Expr | null = null;
        let name: string | null = null;
        if (clause.length > 1 && clause[1]?.name === ',') {
          this.error(
            'multiple exception types must be parenthesized',
            (clause[0] as SyntaxNode).from,
            clause[clause.length - 1]?.to ?? 0,
          );
        }
        if (clause.length > 0) {
          type = this.expr(clause[0] as SyntaxNode);
          if (clause.length > 1) {
            if (clause[1]?.name !== 'as' || clause.length !== 3) this.bad(clause[1]);
            name = this.name(clause[2] as SyntaxNode);
          }
        } else if (isStar) this.bad(k);
        handlers.push({ k: 'ExceptHandler', type, name, body: hbody, ...this.posTo(k.from, this.lastEnd(hbody)) });
        i = j + 1;
      } else if (k.name === 'else') {
        orelse = this.body(ks[i + 1]);
        i += 2;
      } else if (k.name === 'finally') {
        finalbody = this.body(ks[i + 1]);
        i += 2;
      } else this.bad(k);
    }
    if (handlers.length === 0 && finalbody.length === 0) this.bad(n);
    const lastBlock =
      finalbody.length > 0 ? finalbody : orelse.length > 0 ? orelse : (handlers[handlers.length - 1]?.body ?? body);
    const pos = this.posTo(n.from, this.lastEnd(lastBlock));
    const fields = { body, handlers, orelse, finalbody };
    return star === true ? { k: 'TryStar', ...fields, ...pos } : { k: 'Try', ...fields, ...pos };
  }

  private withStmt(n: SyntaxNode, ks: SyntaxNode[]): Stmt {
    const isAsync = ks[0]?.name === 'async';
    const bodyAt = ks.findIndex((c) => c.name === 'Body');
    const head = ks.slice(isAsync ? 2 : 1, bodyAt);
    let items: WithItem[];
    const hole = head.length === 1 ? this.hole(head[0] as SyntaxNode) : undefined;
    if (hole?.kind === 'with') items = this.withItems(hole);
    else {
      items = splitCommas(head).map((g) => {
        const e = g[0];
        if (e === undefined) return this.bad(n);
        if (g.length === 1) return { k: 'withitem', context_expr: this.expr(e), optional_vars: null };
        if (g[1]?.name !== 'as' || g.length !== 3) return this.bad(g[1]);
        return {
          k: 'withitem',
          context_expr: this.expr(e),
          optional_vars: this.expr(g[2] as SyntaxNode, 'Store'),
        };
      });
    }
    const body = this.body(ks[bodyAt]);
    const pos = this.posTo(n.from, this.lastEnd(body));
    return isAsync
      ? { k: 'AsyncWith', items, body, type_comment: null, ...pos }
      : { k: 'With', items, body, type_comment: null, ...pos };
  }

  /**
   * The items of a `with` hole. `with (a, b):` is two items (python.gram tries the
   * parenthesised item list first), unless an item is not an `expression`
   * (`with (yield):`, `with (x for x in y):`): then the parentheses are the expression's.
   */
  private withItems(h: Hole): WithItem[] {
    const partner = this.ctx.rw.partner;
    const open = h.first;
    if (this.isOp(open, '(') && partner[open] === h.last) {
      const items = this.tryItems(open + 1, h.last - 1, true);
      if (items !== undefined) return items;
    }
    const items = this.tryItems(h.first, h.last, false);
    if (items === undefined) return this.error('invalid syntax', this.tokStart(h.first), this.tokEnd(h.last));
    return items;
  }

  private tokStart(i: number): number {
    return (this.ctx.toks.start[i] ?? 0) + this.ctx.shift;
  }

  private tokEnd(i: number): number {
    return (this.ctx.toks.end[i] ?? 0) + this.ctx.shift;
  }

  private isOp(i: number, s: string): boolean {
    const t = this.ctx.toks;
    return t.type[i] === OP && this.ctx.src.slice(t.start[i], t.end[i]) === s;
  }

  private isName(i: number, s: string): boolean {
    const t = this.ctx.toks;
    return t.type[i] === NAME && this.ctx.src.slice(t.start[i], t.end[i]) === s;
  }

  /** Items `expr [as target], ...` over tokens a..b, or undefined if one is not an item. */
  private tryItems(a: number, b: number, parenthesized: boolean): WithItem[] | undefined {
    const partner = this.ctx.rw.partner;
    const items: WithItem[] = [];
    let itemStart = a;
    let asAt = -1;
    const groups: { from: number; to: number; as: number }[] = [];
    for (let j = a; j <= b + 1; j++) {
      if (j <= b && (partner[j] ?? -1) > j) {
        j = partner[j] as number;
        continue;
      }
      if (j <= b && this.isName(j, 'as') && asAt < 0) asAt = j;
      if (j > b || this.isOp(j, ',')) {
        if (j > b && itemStart > b && parenthesized && groups.length > 0) break; // trailing comma
        if (itemStart > j - 1) return undefined;
        groups.push({ from: itemStart, to: j - 1, as: asAt });
        itemStart = j + 1;
        asAt = -1;
      }
    }
    for (const g of groups) {
      const exprEnd = g.as < 0 ? g.to : g.as - 1;
      if (exprEnd < g.from) return undefined;
      const e = this.subExpr(g.from, exprEnd, parenthesized ? 'expression' : 'expression');
      if (e === undefined) return undefined;
      let target: Expr | null = null;
      if (g.as >= 0) {
        if (g.as + 1 > g.to) return undefined;
        target = this.subExpr(g.as + 1, g.to, 'target') ?? null;
        if (target === null) return undefined;
      }
      items.push({ k: 'withitem', context_expr: e, optional_vars: target });
    }
    return items;
  }

  /**
   * Parse tokens a..b of the current context on their own, as `(text)`. `expression`:
   * one expression (not starred, not `:=`, not yield, no bare generator); `target`: a
   * star_target; `list`: star_named_expressions (a Tuple if there is a comma).
   */
  private subExpr(a: number, b: number, mode: 'expression' | 'target' | 'list'): Expr | undefined {
    const ctx = this.ctx;
    const from = (ctx.toks.start[a] ?? 0) + ctx.shift;
    const to = (ctx.toks.end[b] ?? 0) + ctx.shift;
    const fragment = ctx.rw.fragment({ kind: 'with', first: a, last: b, from: from - ctx.shift, to: to - ctx.shift });
    const top = parseAt(fragment, from - 1);
    if (hasError(top)) return undefined;
    const saved = this.expanding;
    this.expanding = from - ctx.shift;
    try {
      return this.subTree(top, from, to, mode);
    } finally {
      this.expanding = saved;
    }
  }

  private subTree(top: SyntaxNode, from: number, to: number, mode: 'expression' | 'target' | 'list'): Expr | undefined {
    const stmts = kids(top);
    const st = stmts[0];
    if (stmts.length !== 1 || st?.name !== 'ExpressionStatement') return undefined;
    const inner = kids(st);
    const e = inner[0];
    if (inner.length !== 1 || e === undefined) return undefined;
    if (e.name === 'TupleExpression' && e.from === from - 1) {
      // The parentheses added around the fragment made a tuple: its items, spanning the fragment.
      if (mode === 'expression') return undefined;
      const ks = kids(e).slice(1, -1);
      const ctxKind: ExprContext = mode === 'target' ? 'Store' : 'Load';
      const elts = this.items(ks, ctxKind, e);
      return { k: 'Tuple', elts, ctx: ctxKind, ...this.pos(from, to) };
    }
    if (e.name === 'ComprehensionExpression' && e.from === from - 1) {
      return mode === 'expression' ? undefined : this.expr(e);
    }
    if (e.name !== 'ParenthesizedExpression') return undefined;
    const pk = kids(e);
    const value = pk[1];
    if (value === undefined || pk.length !== 3) return undefined;
    if (mode === 'expression' && (value.name === 'NamedExpression' || value.name === 'YieldExpression')) {
      return undefined;
    }
    if (value.name === '*') return undefined;
    return this.expr(value, mode === 'target' ? 'Store' : 'Load');
  }

  /** Where the region being parsed on its own starts (its own hole is not looked up inside it). */
  private expanding = -1;

  private hole(n: SyntaxNode): Hole | undefined {
    const local = n.from - this.ctx.shift;
    if (local === this.expanding) return undefined;
    return this.ctx.rw.holes.get(local);
  }

  private decorator(d: SyntaxNode): Expr {
    const ks = kids(d).filter((c) => c.name !== 'At' && c.name !== '@');
    const first = ks[0];
    if (first === undefined) return this.bad(d);
    const h = this.hole(first);
    if (h?.kind === 'decorator') {
      const e = this.subExpr(h.first, h.last, 'list');
      if (e === undefined || e.k === 'Tuple' || e.k === 'Starred') return this.bad(first);
      return e;
    }
    // A dotted name, maybe called.
    let e: Expr | undefined;
    let i = 0;
    for (; i < ks.length; i++) {
      const c = ks[i] as SyntaxNode;
      if (c.name === 'VariableName') {
        const id = this.name(c);
        e =
          e === undefined
            ? { k: 'Name', id, ctx: 'Load', ...this.pos(c.from, c.to) }
            : { k: 'Attribute', value: e, attr: id, ctx: 'Load', ...this.pos(first.from, c.to) };
      } else if (c.name === '.') continue;
      else break;
    }
    const argList = ks[i];
    if (e === undefined) return this.bad(d);
    if (argList?.name === 'ArgList') {
      const { args, keywords } = this.callArgs(argList);
      e = { k: 'Call', func: e, args, keywords, ...this.pos(first.from, argList.to) };
    } else if (argList !== undefined) this.bad(argList);
    return e;
  }

  private functionDef(n: SyntaxNode, ks: SyntaxNode[], decorator_list: Expr[]): Stmt {
    const isAsync = ks[0]?.name === 'async';
    const nameNode = ks[isAsync ? 2 : 1];
    if (nameNode === undefined) return this.bad(n);
    const name = this.name(nameNode);
    const paramList = ks.find((c) => c.name === 'ParamList') ?? this.bad(n);
    const typeParams = ks.find((c) => c.name === 'TypeParamList');
    if (typeParams !== undefined) this.error("expected '('", typeParams.from, typeParams.from);
    const returnsNode = ks.find((c) => c.name === 'TypeDef');
    const args = this.params(kids(paramList).slice(1, -1), paramList, false);
    const returns = returnsNode === undefined ? null : this.annotation(returnsNode);
    const body = this.body(ks.find((c) => c.name === 'Body'));
    const pos = this.posTo(n.from, this.lastEnd(body));
    const fields = { name, args, body, decorator_list, returns, type_comment: null };
    return isAsync ? { k: 'AsyncFunctionDef', ...fields, ...pos } : { k: 'FunctionDef', ...fields, ...pos };
  }

  private classDef(n: SyntaxNode, ks: SyntaxNode[], decorator_list: Expr[]): Stmt {
    const nameNode = ks[1];
    if (nameNode === undefined) return this.bad(n);
    const name = this.name(nameNode);
    if (ks.some((c) => c.name === 'TypeParamList')) this.bad(ks.find((c) => c.name === 'TypeParamList'));
    const argList = ks.find((c) => c.name === 'ArgList');
    const { args: bases, keywords } = argList === undefined ? { args: [], keywords: [] } : this.callArgs(argList, true);
    const body = this.body(ks.find((c) => c.name === 'Body'));
    return {
      k: 'ClassDef',
      name,
      bases,
      keywords,
      body,
      decorator_list,
      ...this.posTo(n.from, this.lastEnd(body)),
    };
  }

  /** Parameters of a def (ParamList without its parentheses) or a lambda. */
  private params(nodes: SyntaxNode[], list: SyntaxNode, lambda: boolean): Arguments {
    const posonlyargs: Arg[] = [];
    const args: Arg[] = [];
    let vararg: Arg | null = null;
    const kwonlyargs: Arg[] = [];
    const kw_defaults: (Expr | null)[] = [];
    let kwarg: Arg | null = null;
    const defaults: Expr[] = [];
    let star = false;
    // lezer leaves a def's `/` out of the tree: a group between commas holding a `/` token is one.
    const slashes = lambda ? [] : this.slashOffsets(list);
    const groups: SyntaxNode[][] = [];
    const isSlashGroup: boolean[] = [];
    let regionFrom = list.from;
    let current: SyntaxNode[] = [];
    const close = (regionTo: number): void => {
      const slash = slashes.some((o) => o >= regionFrom && o < regionTo);
      groups.push(current);
      isSlashGroup.push(slash && current.length === 0);
      current = [];
    };
    for (const c of nodes) {
      if (c.name === ',') {
        close(c.from);
        regionFrom = c.to;
      } else current.push(c);
    }
    if (nodes.length > 0 || slashes.length > 0) close(list.to);
    if (groups.length > 1 && groups[groups.length - 1]?.length === 0 && isSlashGroup[groups.length - 1] !== true) {
      groups.pop();
    }
    const arg = (nameNode: SyntaxNode, ann: SyntaxNode | undefined): Arg => {
      const annotation = ann === undefined ? null : this.annotation(ann);
      const end = ann?.to ?? nameNode.to;
      return {
        k: 'arg',
        arg: this.name(nameNode),
        annotation,
        type_comment: null,
        ...this.pos(nameNode.from, end),
      };
    };
    for (const [gi, g] of groups.entries()) {
      if (isSlashGroup[gi] === true) {
        if (star || posonlyargs.length > 0 || args.length === 0) this.bad(list);
        posonlyargs.push(...args.splice(0));
        continue;
      }
      const first = g[0];
      if (first === undefined) return this.bad(list);
      if (first.type.isError) this.bad(first);
      if (lambda && first.name === '*' && this.ctx.rw.lambdaSlashes.has(first.from - this.ctx.shift)) {
        if (g.length !== 1 || star || posonlyargs.length > 0 || args.length === 0) this.bad(first);
        posonlyargs.push(...args.splice(0));
        continue;
      }
      if (first.name === '*') {
        if (kwarg !== null) this.error('arguments cannot follow var-keyword argument', first.from, first.to);
        if (star || vararg !== null) this.error('* argument may appear only once', first.from, first.to);
        star = true;
        const nm = g[1];
        if (nm !== undefined) {
          const ann = g[2];
          if (g.length > 3 || (ann !== undefined && ann.name !== 'TypeDef')) this.bad(g[3] ?? ann);
          vararg = arg(nm, ann);
        }
        continue;
      }
      if (first.name === '**') {
        const nm = g[1];
        if (nm === undefined || kwarg !== null) return this.bad(first);
        const ann = g[2];
        if (g.length > 3 || (ann !== undefined && ann.name !== 'TypeDef')) this.bad(g[3] ?? ann);
        kwarg = arg(nm, ann);
        continue;
      }
      if (kwarg !== null) this.error('arguments cannot follow var-keyword argument', first.from, first.to);
      let k = 1;
      const ann = g[k]?.name === 'TypeDef' ? g[k++] : undefined;
      let dflt: Expr | null = null;
      if (g[k]?.name === 'AssignOp') {
        dflt = this.expr(g[k + 1] ?? this.bad(g[k]));
        k += 2;
      }
      if (k < g.length) this.bad(g[k]);
      const a = arg(first, ann);
      if (!star) {
        args.push(a);
        if (dflt !== null) defaults.push(dflt);
        else if (defaults.length > 0) this.error('non-default argument follows default argument', first.from, first.to);
      } else {
        kwonlyargs.push(a);
        kw_defaults.push(dflt);
      }
    }
    if (star && vararg === null && kwonlyargs.length === 0) {
      const bare = nodes.find((c) => c.name === '*' && !this.ctx.rw.lambdaSlashes.has(c.from - this.ctx.shift));
      this.error('named arguments must follow bare *', bare?.from ?? list.from, bare?.to ?? list.to);
    }
    return { k: 'arguments', posonlyargs, args, vararg, kwonlyargs, kw_defaults, kwarg, defaults };
  }

  /** File offsets of the `/` tokens directly inside a def's parameter list. */
  private slashOffsets(list: SyntaxNode): number[] {
    const ctx = this.ctx;
    const open = ctx.rw.tokenAt(list.from - ctx.shift);
    if (open === undefined) return [];
    const close = ctx.rw.partner[open] ?? -1;
    const out: number[] = [];
    for (let j = open + 1; j < close; j++) {
      if ((ctx.rw.partner[j] ?? -1) > j) j = ctx.rw.partner[j] as number;
      else if (this.isOp(j, '/')) out.push(this.tokStart(j));
    }
    return out;
  }

  /** `: expr` of a parameter (a TypeDef); `*args: *Ts` has a star hole. */
  private annotation(typeDef: SyntaxNode): Expr {
    const ks = kids(typeDef);
    const e = ks[ks.length - 1];
    if (e === undefined || e.name === ':') return this.bad(typeDef);
    return this.expr(e);
  }

  private matchStmt(n: SyntaxNode, ks: SyntaxNode[]): Stmt {
    const subjectNode = ks[1];
    const h = subjectNode === undefined ? undefined : this.hole(subjectNode);
    if (h === undefined || subjectNode === undefined) return this.bad(n);
    const subject = this.subExpr(h.first, h.last, 'list') ?? this.bad(subjectNode);
    const matchBody = ks.find((c) => c.name === 'MatchBody') ?? this.bad(n);
    const cases: MatchCase[] = [];
    let lastBody: Stmt[] = [];
    for (const c of kids(matchBody)) {
      if (c.name === ':') continue;
      if (c.name !== 'MatchClause') this.bad(c);
      const cks = kids(c);
      const bodyNode = cks.find((x) => x.name === 'Body');
      const guardNode = cks.find((x) => x.name === 'Guard');
      const patternNodes = cks.slice(
        1,
        cks.findIndex((x) => x.name === 'Guard' || x.name === 'Body'),
      );
      const pattern = this.patterns(patternNodes, c);
      const guard = guardNode === undefined ? null : this.expr(kids(guardNode)[1] ?? this.bad(guardNode));
      const body = this.body(bodyNode);
      lastBody = body;
      cases.push({ k: 'match_case', pattern, guard, body });
    }
    if (cases.length === 0) this.bad(n);
    return { k: 'Match', subject, cases, ...this.posTo(n.from, this.lastEnd(lastBody)) };
  }

  // -----------------------------------------------------------------------------------
  // Patterns.

  /** The patterns of a case: one pattern, or an open sequence `a, *b`. */
  private patterns(nodes: SyntaxNode[], n: SyntaxNode): Pattern {
    const groups = splitCommas(nodes);
    if (groups.length === 1) {
      const only = groups[0] as SyntaxNode[];
      if (only.length !== 1) this.bad(only[1], n);
      const p = only[0] as SyntaxNode;
      if (p.name === 'StarPattern') this.bad(p);
      return this.pattern(p);
    }
    if (groups[groups.length - 1]?.length === 0) groups.pop();
    const patterns = groups.map((g) => {
      if (g.length !== 1) this.bad(g[1], n);
      return this.pattern(g[0] as SyntaxNode);
    });
    const first = nodes[0] as SyntaxNode;
    const last = nodes[nodes.length - 1] as SyntaxNode;
    return { k: 'MatchSequence', patterns, ...this.pos(first.from, last.to) };
  }

  private pattern(n: SyntaxNode): Pattern {
    const pos = this.pos(n.from, n.to);
    const ks = kids(n);
    switch (n.name) {
      case 'CapturePattern': {
        const h = this.hole(n);
        if (h?.kind === 'pattern') return this.emptyPattern(h);
        const id = this.name(ks[0] ?? this.bad(n));
        return { k: 'MatchAs', pattern: null, name: id === '_' ? null : id, ...pos };
      }
      case 'LiteralPattern':
        return this.literalPattern(n, ks);
      case 'AsPattern': {
        const p = this.pattern(ks[0] ?? this.bad(n));
        const target = ks[2] ?? this.bad(n);
        const id = this.name(target);
        if (id === '_') this.error("cannot use '_' as a target", target.from, target.to);
        return { k: 'MatchAs', pattern: p, name: id, ...pos };
      }
      case 'OrPattern': {
        // lezer binds `as` tighter than `|`: `a | b as c` is Python's `(a | b) as c`.
        const alts: SyntaxNode[] = [];
        const flatten = (x: SyntaxNode): void => {
          if (x.name === 'OrPattern') {
            for (const c of kids(x)) if (c.name !== 'LogicOp') flatten(c);
          } else alts.push(x);
        };
        flatten(n);
        const last = alts[alts.length - 1] as SyntaxNode;
        let as: SyntaxNode | undefined;
        if (last.name === 'AsPattern') {
          as = last;
          alts[alts.length - 1] = kids(last)[0] ?? this.bad(last);
        }
        for (const a of alts) if (a.name === 'AsPattern') this.bad(a);
        const patterns = alts.map((a) => this.pattern(a));
        const first = alts[0] as SyntaxNode;
        const or: Pattern = {
          k: 'MatchOr',
          patterns,
          ...this.pos(first.from, (alts[alts.length - 1] as SyntaxNode).to),
        };
        if (as === undefined) return or;
        const target = kids(as)[2] ?? this.bad(as);
        const id = this.name(target);
        if (id === '_') this.error("cannot use '_' as a target", target.from, target.to);
        return { k: 'MatchAs', pattern: or, name: id, ...pos };
      }
      case 'AttributePattern':
        return { k: 'MatchValue', value: this.dottedValue(ks, n), ...pos };
      case 'StarPattern': {
        const target = ks[1];
        if (target?.name !== 'CapturePattern') return this.bad(target ?? n);
        const id = this.name(kids(target)[0] ?? this.bad(target));
        return { k: 'MatchStar', name: id === '_' ? null : id, ...pos };
      }
      case 'SequencePattern': {
        const open = ks[0]?.name;
        const inner = ks.slice(1, -1);
        const groups = splitCommas(inner);
        const trailing = groups.length > 1 && groups[groups.length - 1]?.length === 0;
        if (trailing) groups.pop();
        if (groups.length === 1 && groups[0]?.length === 0) return { k: 'MatchSequence', patterns: [], ...pos };
        if (open === '(' && groups.length === 1 && !trailing) {
          // A group pattern: the pattern itself.
          const g = groups[0] as SyntaxNode[];
          if (g.length !== 1 || g[0]?.name === 'StarPattern') this.bad(g[0], n);
          return this.pattern(g[0] as SyntaxNode);
        }
        const patterns = groups.map((g) => {
          if (g.length !== 1) this.bad(g[1], n);
          return this.pattern(g[0] as SyntaxNode);
        });
        return { k: 'MatchSequence', patterns, ...pos };
      }
      case 'MappingPattern': {
        const inner = ks.slice(1, -1);
        const groups = splitCommas(inner);
        if (groups.length > 1 && groups[groups.length - 1]?.length === 0) groups.pop();
        const keys: Expr[] = [];
        const patterns: Pattern[] = [];
        let rest: string | null = null;
        if (!(groups.length === 1 && groups[0]?.length === 0)) {
          for (const [gi, g] of groups.entries()) {
            if (g[0]?.name === '**') {
              const t = g[1];
              if (t?.name !== 'CapturePattern' || g.length !== 2 || gi !== groups.length - 1) this.bad(g[1] ?? g[0]);
              rest = this.name(kids(t)[0] ?? this.bad(t));
              if (rest === '_') this.bad(t);
              continue;
            }
            const [key, colon, value] = g;
            if (key === undefined || colon?.name !== ':' || value === undefined || g.length !== 3) this.bad(g[0], n);
            keys.push(this.mappingKey(key));
            patterns.push(this.pattern(value));
          }
        }
        return { k: 'MatchMapping', keys, patterns, rest, ...pos };
      }
      case 'ClassPattern': {
        const clsNode = ks[0] ?? this.bad(n);
        const cls =
          clsNode.name === 'VariableName'
            ? this.nameExpr(clsNode)
            : clsNode.name === 'AttributePattern'
              ? this.dottedValue(kids(clsNode), clsNode)
              : this.bad(clsNode);
        const argList = ks[1] ?? this.bad(n);
        const inner = kids(argList).slice(1, -1);
        const groups = splitCommas(inner);
        if (groups.length > 1 && groups[groups.length - 1]?.length === 0) groups.pop();
        const patterns: Pattern[] = [];
        const kwd_attrs: string[] = [];
        const kwd_patterns: Pattern[] = [];
        if (!(groups.length === 1 && groups[0]?.length === 0)) {
          for (const g of groups) {
            const p = g[0];
            if (g.length !== 1 || p === undefined) return this.bad(g[1], argList);
            if (p.name === 'KeywordPattern') {
              const pk = kids(p);
              kwd_attrs.push(this.name(pk[0] ?? this.bad(p)));
              kwd_patterns.push(this.pattern(pk[pk.length - 1] ?? this.bad(p)));
            } else {
              if (kwd_attrs.length > 0) this.bad(p);
              patterns.push(this.pattern(p));
            }
          }
        }
        return { k: 'MatchClass', cls, patterns, kwd_attrs, kwd_patterns, ...pos };
      }
      default:
        return this.bad(n);
    }
  }

  /** `C()`, `a.C()`, `()`, `[]`, `{}`: patterns with empty brackets (a hole, see rewrite.ts). */
  private emptyPattern(h: Hole): Pattern {
    const pos = this.pos(this.tokStart(h.first), this.tokEnd(h.last));
    const open = h.last - 1;
    if (this.isOp(open, '[')) return { k: 'MatchSequence', patterns: [], ...pos };
    if (this.isOp(open, '{')) return { k: 'MatchMapping', keys: [], patterns: [], rest: null, ...pos };
    if (open === h.first) return { k: 'MatchSequence', patterns: [], ...pos };
    let cls: Expr | undefined;
    const from = this.tokStart(h.first);
    for (let j = h.first; j < open; j += 2) {
      const s = this.tokStart(j);
      const e = this.tokEnd(j);
      const id = this.ident(s, e);
      cls =
        cls === undefined
          ? { k: 'Name', id, ctx: 'Load', ...this.pos(s, e) }
          : { k: 'Attribute', value: cls, attr: id, ctx: 'Load', ...this.pos(from, e) };
    }
    return { k: 'MatchClass', cls: cls as Expr, patterns: [], kwd_attrs: [], kwd_patterns: [], ...pos };
  }

  private nameExpr(n: SyntaxNode): Expr {
    return { k: 'Name', id: this.name(n), ctx: 'Load', ...this.pos(n.from, n.to) };
  }

  /** `a.b.c` of a pattern (a value pattern, or a class pattern's class). */
  private dottedValue(ks: SyntaxNode[], n: SyntaxNode): Expr {
    const first = ks[0] ?? this.bad(n);
    let e: Expr = this.nameExpr(first);
    for (let i = 1; i < ks.length; i += 2) {
      const p = ks[i + 1];
      if (ks[i]?.name !== '.' || p === undefined) this.bad(ks[i], n);
      e = { k: 'Attribute', value: e, attr: this.name(p), ctx: 'Load', ...this.pos(first.from, p.to) };
    }
    return e;
  }

  /** A mapping pattern key: a literal, or a dotted name (shown to lezer as `a_b`). */
  private mappingKey(n: SyntaxNode): Expr {
    if (n.name === 'LiteralPattern') {
      const p = this.literalPattern(n, kids(n));
      if (p.k === 'MatchValue') return p.value;
      if (p.k === 'MatchSingleton') return { k: 'Constant', value: p.value, kind: null, ...this.pos(n.from, n.to) };
      return this.bad(n);
    }
    if (n.name !== 'VariableName') return this.bad(n);
    const text = this.src(n);
    const parts = text.split('.');
    if (parts.length < 2) return this.bad(n);
    let at = n.from;
    let e: Expr | undefined;
    for (const part of parts) {
      const id = this.ident(at, at + part.length);
      if (KEYWORDS.has(id)) this.bad(n);
      e =
        e === undefined
          ? { k: 'Name', id, ctx: 'Load', ...this.pos(at, at + part.length) }
          : { k: 'Attribute', value: e, attr: id, ctx: 'Load', ...this.pos(n.from, at + part.length) };
      at += part.length + 1;
    }
    return e as Expr;
  }

  private literalPattern(n: SyntaxNode, ks: SyntaxNode[]): Pattern {
    const pos = this.pos(n.from, n.to);
    const first = ks[0] ?? this.bad(n);
    if (first.name === 'None') return { k: 'MatchSingleton', value: { k: 'None' }, ...pos };
    if (first.name === 'Boolean')
      return { k: 'MatchSingleton', value: { k: 'bool', v: this.src(first) === 'True' }, ...pos };
    if (first.name === 'String') {
      const v = this.strings(first);
      if (v.k === 'JoinedStr') this.error('patterns may only match literals and attribute lookups', n.from, n.to);
      return { k: 'MatchValue', value: v, ...pos };
    }
    // -? number (+|- number)?
    let i = 0;
    let neg: SyntaxNode | undefined;
    if (first.name === 'ArithOp') {
      neg = first;
      i = 1;
    }
    const numNode = ks[i] ?? this.bad(n);
    let value: Expr = this.number(numNode);
    if (neg !== undefined) value = { k: 'UnaryOp', op: 'USub', operand: value, ...this.pos(neg.from, numNode.to) };
    const op = ks[i + 1];
    if (op !== undefined) {
      const imagNode = ks[i + 2] ?? this.bad(n);
      const imag = this.number(imagNode);
      const realIsComplex =
        value.k === 'Constant'
          ? value.value.k === 'complex'
          : value.k === 'UnaryOp' && value.operand.k === 'Constant' && value.operand.value.k === 'complex';
      if (realIsComplex) this.error('real number required in complex literal', numNode.from, numNode.to);
      if (imag.k !== 'Constant' || imag.value.k !== 'complex') {
        this.error('imaginary number required in complex literal', imagNode.from, imagNode.to);
      }
      value = { k: 'BinOp', left: value, op: this.src(op) === '+' ? 'Add' : 'Sub', right: imag, ...pos };
    }
    return { k: 'MatchValue', value, ...pos };
  }

  // -----------------------------------------------------------------------------------
  // Expressions.

  /** A flat list of items separated by commas (`a, *b, c`): one expression or a Tuple. */
  private exprList(nodes: readonly SyntaxNode[], ctx: ExprContext, n: SyntaxNode): Expr {
    if (nodes.length === 0) return this.bad(n);
    const hasComma = nodes.some((c) => c.name === ',');
    if (!hasComma) {
      if (nodes.length !== 1 && !(nodes[0]?.name === '*' && nodes.length === 2)) return this.bad(nodes[1], n);
      return this.item(nodes as SyntaxNode[], ctx, n);
    }
    const elts = this.items(nodes, ctx, n);
    const first = nodes[0] as SyntaxNode;
    const last = nodes[nodes.length - 1] as SyntaxNode;
    return { k: 'Tuple', elts, ctx, ...this.pos(first.from, last.to) };
  }

  /** Comma-separated items (a trailing comma allowed). */
  private items(nodes: readonly SyntaxNode[], ctx: ExprContext, n: SyntaxNode): Expr[] {
    const groups = splitCommas(nodes);
    if (groups.length > 1 && groups[groups.length - 1]?.length === 0) groups.pop();
    if (groups.length === 1 && groups[0]?.length === 0) return [];
    return groups.map((g) => this.item(g, ctx, n));
  }

  /** One item: `expr` or `*expr`. */
  private item(g: SyntaxNode[], ctx: ExprContext, n: SyntaxNode): Expr {
    const first = g[0];
    if (first === undefined) return this.bad(n);
    if (first.name === '*') {
      const v = g[1];
      if (v === undefined || g.length > 2) return this.bad(g[2] ?? first);
      if (ctx === 'Del') return this.error('cannot delete starred', first.from, v.to);
      return { k: 'Starred', value: this.expr(v, ctx), ctx, ...this.pos(first.from, v.to) };
    }
    if (g.length > 1) return this.bad(g[1]);
    return this.expr(first, ctx);
  }

  private constant(value: ConstantValue, n: SyntaxNode): Expr {
    return { k: 'Constant', value, kind: null, ...this.pos(n.from, n.to) };
  }

  /** CPython's _PyPegen_get_expr_name for a lezer node. */
  private exprName(n: SyntaxNode): string {
    const ks = kids(n);
    switch (n.name) {
      case 'CallExpression':
        return 'function call';
      case 'BinaryExpression': {
        const op = ks[1]?.name;
        return op === 'ArithOp' || op === 'BitOp' || op === 'and' || op === 'or' ? 'expression' : 'comparison';
      }
      case 'UnaryExpression':
        return 'expression';
      case 'AwaitExpression':
        return 'await expression';
      case 'Number':
        return 'literal';
      case 'String': {
        const i = this.ctx.rw.tokenAt(n.from - this.ctx.shift);
        const fmt =
          i !== undefined && /^[a-zA-Z]*[fF]/.test(this.ctx.src.slice(this.ctx.toks.start[i], this.ctx.toks.end[i]));
        return fmt ? 'f-string expression' : 'literal';
      }
      case 'None':
        return 'None';
      case 'Boolean':
        return this.src(n);
      case 'Ellipsis':
        return 'ellipsis';
      case 'ConditionalExpression':
        return 'conditional expression';
      case 'LambdaExpression':
        return 'lambda';
      case 'ComprehensionExpression':
        return 'generator expression';
      case 'ArrayComprehensionExpression':
        return 'list comprehension';
      case 'SetComprehensionExpression':
        return 'set comprehension';
      case 'DictionaryComprehensionExpression':
        return 'dict comprehension';
      case 'DictionaryExpression':
        return 'dict literal';
      case 'SetExpression':
        return 'set display';
      case 'NamedExpression':
        return 'named expression';
      case 'YieldExpression':
        return 'yield expression';
      case 'TupleExpression':
        return 'tuple';
      case 'ArrayExpression':
        return 'list';
      case 'ParenthesizedExpression':
        return ks[1] === undefined ? 'expression' : this.exprName(ks[1]);
      case 'VariableName':
        return this.src(n) === 'yield' ? 'yield expression' : 'name';
      case 'MemberExpression':
        return ks[1]?.name === '.' ? 'attribute' : 'subscript';
      default:
        return 'expression';
    }
  }

  /** `cannot assign to literal`, `cannot delete function call` (RAISE_SYNTAX_ERROR_INVALID_TARGET). */
  private invalidTarget(n: SyntaxNode, ctx: ExprContext): never {
    const verb = ctx === 'Del' ? 'cannot delete' : 'cannot assign to';
    return this.error(`${verb} ${this.exprName(n)}`, n.from, n.to);
  }

  expr(n: SyntaxNode, ctx: ExprContext = 'Load'): Expr {
    const stores = ctx !== 'Load';
    switch (n.name) {
      case 'VariableName': {
        const h = this.hole(n);
        if (h?.kind === 'named') {
          if (stores) this.invalidTarget(n, ctx);
          return this.subExpr(h.first, h.last, 'list') ?? this.bad(n);
        }
        return { k: 'Name', id: this.name(n), ctx, ...this.pos(n.from, n.to) };
      }
      case 'ParenthesizedExpression': {
        const ks = kids(n);
        const inner = ks[1];
        if (inner?.name === '*') return this.error('cannot use starred expression here', inner.from, n.to - 1);
        if (inner === undefined || ks.length !== 3 || ks[2]?.name !== ')') return this.bad(n);
        if (inner.name === 'YieldExpression' || (inner.name === 'VariableName' && this.src(inner) === 'yield')) {
          if (stores) this.invalidTarget(inner, ctx);
          return this.value(inner);
        }
        return this.expr(inner, ctx);
      }
      case 'TupleExpression': {
        const ks = kids(n);
        const elts = this.items(ks.slice(1, -1), ctx, n);
        return { k: 'Tuple', elts, ctx, ...this.pos(n.from, n.to) };
      }
      case 'ArrayExpression': {
        const ks = kids(n);
        const elts = this.items(ks.slice(1, -1), ctx, n);
        return { k: 'List', elts, ctx, ...this.pos(n.from, n.to) };
      }
      case 'MemberExpression':
        return this.member(n, ctx);
      case 'Number': {
        if (stores) this.invalidTarget(n, ctx);
        const h = this.hole(n);
        if (h?.kind === 'star') return this.starHole(h);
        return this.number(n);
      }
      default:
        if (stores) this.invalidTarget(n, ctx);
        return this.loadExpr(n);
    }
  }

  /** Expressions that can only be read. */
  private loadExpr(n: SyntaxNode): Expr {
    const pos = (): Pos => this.pos(n.from, n.to);
    switch (n.name) {
      case 'String':
        return this.strings(n);
      case 'Ellipsis':
        return this.constant({ k: 'Ellipsis' }, n);
      case 'None':
        return this.constant({ k: 'None' }, n);
      case 'Boolean':
        return this.constant({ k: 'bool', v: this.src(n) === 'True' }, n);
      case 'SetExpression': {
        const elts = this.items(kids(n).slice(1, -1), 'Load', n);
        if (elts.length === 0) this.bad(n);
        return { k: 'Set', elts, ...pos() };
      }
      case 'DictionaryExpression':
        return this.dict(n);
      case 'ComprehensionExpression':
      case 'ArrayComprehensionExpression':
      case 'SetComprehensionExpression':
      case 'DictionaryComprehensionExpression':
        return this.comprehension(n);
      case 'CallExpression': {
        const ks = kids(n);
        const callee = ks[0];
        const argList = ks[1];
        if (callee === undefined || argList?.name !== 'ArgList' || ks.length !== 2) return this.bad(n);
        const { args, keywords } = this.callArgs(argList);
        return { k: 'Call', func: this.expr(callee), args, keywords, ...pos() };
      }
      case 'UnaryExpression': {
        const ks = kids(n);
        const op = ks[0];
        const operand = ks[1];
        if (op === undefined || operand === undefined || ks.length !== 2) return this.bad(n);
        if (op.name === 'not') return this.boolean(n);
        if (this.hasAwait(operand)) return this.arith(n);
        const sym = this.src(op);
        const kind = sym === '-' ? 'USub' : sym === '+' ? 'UAdd' : sym === '~' ? 'Invert' : this.bad(op);
        return { k: 'UnaryOp', op: kind, operand: this.expr(operand), ...pos() };
      }
      case 'BinaryExpression':
        return this.binary(n);
      case 'AwaitExpression':
        return this.arith(n);
      case 'ConditionalExpression': {
        const [body, ifKw, test, elseKw, orelse] = kids(n);
        if (body === undefined || ifKw?.name !== 'if' || test === undefined || elseKw?.name !== 'else' || !orelse) {
          return this.bad(n);
        }
        return { k: 'IfExp', test: this.expr(test), body: this.expr(body), orelse: this.expr(orelse), ...pos() };
      }
      case 'LambdaExpression': {
        const ks = kids(n);
        const colonAt = ks.findIndex((c) => c.name === ':');
        const body = ks[colonAt + 1];
        if (colonAt < 0 || body === undefined) return this.bad(n);
        const list = ks.find((c) => c.name === 'ParamList');
        const args = list === undefined ? this.params([], n, true) : this.params(kids(list), list, true);
        return { k: 'Lambda', args, body: this.expr(body), ...pos() };
      }
      case 'NamedExpression': {
        const ks = kids(n);
        const t = ks[0];
        const v = ks[2];
        if (t?.name !== 'VariableName' || ks[1]?.name !== 'AssignOp' || v === undefined) return this.bad(n);
        return { k: 'NamedExpr', target: this.expr(t, 'Store'), value: this.expr(v), ...pos() };
      }
      case 'YieldExpression':
        return this.yieldExpr(n);
      default:
        return this.bad(n);
    }
  }

  /** `*expr` parsed on its own (a starred item where lezer has no star). */
  private starHole(h: Hole): Expr {
    const e = this.subExpr(h.first + 1, h.last, 'list');
    if (e === undefined) return this.error('invalid syntax', this.tokStart(h.first), this.tokEnd(h.last));
    return { k: 'Starred', value: e, ctx: 'Load', ...this.pos(this.tokStart(h.first), this.tokEnd(h.last)) };
  }

  private yieldExpr(n: SyntaxNode): Expr {
    const ks = kids(n);
    const pos = this.pos(n.from, n.to);
    if (ks[1]?.name === 'from') {
      const v = ks[2];
      if (v === undefined || ks.length !== 3) return this.bad(n);
      return { k: 'YieldFrom', value: this.expr(v), ...pos };
    }
    const rest = ks.slice(1);
    return { k: 'Yield', value: rest.length === 0 ? null : this.exprList(rest, 'Load', n), ...pos };
  }

  private number(n: SyntaxNode): Expr {
    if (n.name !== 'Number') return this.bad(n);
    const raw = this.src(n);
    const t = raw.indexOf('_') < 0 ? raw : raw.replace(/_/g, '');
    let value: ConstantValue;
    const last = t.charCodeAt(t.length - 1);
    if (last === 106 || last === 74) {
      value = { k: 'complex', re: 0, im: Number(t.slice(0, -1)) };
    } else if (/^[0-9]+$/.test(t)) {
      value = { k: 'int', v: BigInt(t) };
    } else if (/^0[xXoObB]/.test(t)) {
      value = { k: 'int', v: BigInt(t.toLowerCase()) };
    } else {
      value = { k: 'float', v: Number(t) };
    }
    return this.constant(value, n);
  }

  private dict(n: SyntaxNode): Expr {
    const inner = kids(n).slice(1, -1);
    const groups = splitCommas(inner);
    if (groups.length > 1 && groups[groups.length - 1]?.length === 0) groups.pop();
    const keys: (Expr | null)[] = [];
    const values: Expr[] = [];
    if (!(groups.length === 1 && groups[0]?.length === 0)) {
      for (const g of groups) {
        const [a, b, c] = g;
        if (a?.name === '**' && b !== undefined && g.length === 2) {
          keys.push(null);
          values.push(this.expr(b));
        } else if (a !== undefined && b?.name === ':' && c !== undefined && g.length === 3) {
          keys.push(this.expr(a));
          values.push(this.expr(c));
        } else this.bad(a, n);
      }
    }
    return { k: 'Dict', keys, values, ...this.pos(n.from, n.to) };
  }

  private comprehension(n: SyntaxNode): Expr {
    const pos = this.pos(n.from, n.to);
    const ks = kids(n);
    const inner = ks.slice(1, -1);
    const forAt = inner.findIndex((c) => c.name === 'for' || c.name === 'async');
    if (forAt < 1) return this.bad(n);
    const head = inner.slice(0, forAt);
    if (head[0]?.name === '*') {
      this.error('iterable unpacking cannot be used in comprehension', head[0].from, head[1]?.to ?? head[0].to);
    }
    if (head[0]?.name === '**') {
      this.error('dict unpacking cannot be used in dict comprehension', head[0].from, head[0].to);
    }
    const generators = this.clauses(inner, forAt, n);
    if (n.name === 'DictionaryComprehensionExpression') {
      const [k, colon, v] = head;
      if (k === undefined || colon?.name !== ':' || v === undefined || head.length !== 3) return this.bad(head[0], n);
      return { k: 'DictComp', key: this.expr(k), value: this.expr(v), generators, ...pos };
    }
    if (head.length !== 1) return this.bad(head[0], n);
    const elt = this.expr(head[0] as SyntaxNode);
    switch (n.name) {
      case 'ArrayComprehensionExpression':
        return { k: 'ListComp', elt, generators, ...pos };
      case 'SetComprehensionExpression':
        return { k: 'SetComp', elt, generators, ...pos };
      default:
        return { k: 'GeneratorExp', elt, generators, ...pos };
    }
  }

  /** `[async] for t in it if c ...` clauses from `nodes[i]` to the end. */
  private clauses(nodes: readonly SyntaxNode[], i: number, n: SyntaxNode): Comprehension[] {
    const gens: Mutable<Comprehension>[] = [];
    while (i < nodes.length) {
      const c = nodes[i] as SyntaxNode;
      let isAsync = 0;
      if (c.name === 'async') {
        isAsync = 1;
        i++;
      }
      const kw = nodes[i];
      if (kw?.name === 'for') {
        let j = i + 1;
        while (j < nodes.length && nodes[j]?.name !== 'in') j++;
        const targetNodes = nodes.slice(i + 1, j);
        const iterNode = nodes[j + 1];
        if (targetNodes.length === 0 || iterNode === undefined) return this.bad(kw);
        const h = targetNodes.length === 1 ? this.hole(targetNodes[0] as SyntaxNode) : undefined;
        const target =
          h?.kind === 'target'
            ? (this.subExpr(h.first, h.last, 'target') ?? this.bad(targetNodes[0]))
            : this.exprList(targetNodes, 'Store', n);
        gens.push({ k: 'comprehension', target, iter: this.expr(iterNode), ifs: [], is_async: isAsync });
        i = j + 2;
      } else if (kw?.name === 'if' && isAsync === 0) {
        const cond = nodes[i + 1];
        const gen = gens[gens.length - 1];
        if (cond === undefined || gen === undefined) return this.bad(kw);
        gen.ifs = [...gen.ifs, this.expr(cond)];
        i += 2;
      } else return this.bad(kw ?? c);
    }
    return gens;
  }

  /** Call arguments (or class bases): positional, `*a`, `k=v`, `**k`, or one generator. */
  private callArgs(argList: SyntaxNode, classBases = false): { args: Expr[]; keywords: Keyword[] } {
    const ks = kids(argList);
    if (ks[ks.length - 1]?.name !== ')') this.bad(argList);
    const inner = ks.slice(1, -1);
    const groups = splitCommas(inner);
    const trailing = groups.length > 1 && groups[groups.length - 1]?.length === 0;
    if (trailing) groups.pop();
    const args: Expr[] = [];
    const keywords: Keyword[] = [];
    if (groups.length === 1 && groups[0]?.length === 0) return { args, keywords };
    let sawKw = false;
    let sawStarStar = false;
    for (const g of groups) {
      const first = g[0];
      if (first === undefined) return this.bad(argList);
      const forAt = g.findIndex((c) => c.name === 'for' || c.name === 'async');
      if (forAt > 0) {
        if (classBases) this.bad(g[forAt]);
        if (groups.length > 1 || trailing) {
          this.error('Generator expression must be parenthesized', first.from, g[g.length - 1]?.to ?? first.to);
        }
        if (forAt !== 1) this.bad(g[0]);
        const generators = this.clauses(g, forAt, argList);
        const elt = this.expr(first);
        args.push({ k: 'GeneratorExp', elt, generators, ...this.pos(argList.from, argList.to) });
        continue;
      }
      const last = g[g.length - 1] as SyntaxNode;
      if (first.name === '*' || first.name === '**') {
        const v = g[1];
        if (v === undefined || g.length !== 2) return this.bad(g[2] ?? first);
        const value = this.expr(v);
        if (first.name === '*') {
          if (sawStarStar)
            this.error('iterable argument unpacking follows keyword argument unpacking', first.from, v.to);
          args.push({ k: 'Starred', value, ctx: 'Load', ...this.pos(first.from, v.to) });
        } else {
          sawStarStar = true;
          keywords.push({ k: 'keyword', arg: null, value, ...this.pos(first.from, v.to) });
        }
        continue;
      }
      const op = g[1];
      if (op?.name === 'AssignOp') {
        const v = g[2];
        if (v === undefined || g.length !== 3) return this.bad(g[3] ?? op);
        if (this.src(op) === ':=') {
          if (sawKw || sawStarStar) this.bad(first);
          const target = this.expr(first, 'Store');
          args.push({ k: 'NamedExpr', target, value: this.expr(v), ...this.pos(first.from, v.to) });
          continue;
        }
        if (first.name === 'Boolean' || first.name === 'None') {
          this.error(`cannot assign to ${this.src(first)}`, first.from, op.to);
        }
        if (first.name !== 'VariableName') {
          this.error('expression cannot contain assignment, perhaps you meant "=="?', first.from, op.to);
        }
        sawKw = true;
        keywords.push({ k: 'keyword', arg: this.name(first), value: this.expr(v), ...this.pos(first.from, last.to) });
        continue;
      }
      if (g.length !== 1) return this.bad(g[1]);
      if (sawKw || sawStarStar) {
        const close = ks[ks.length - 1] as SyntaxNode;
        const what = sawStarStar ? 'keyword argument unpacking' : 'keyword argument';
        this.error(`positional argument follows ${what}`, close.from, close.to);
      }
      args.push(this.expr(first));
    }
    return { args, keywords };
  }

  private member(n: SyntaxNode, ctx: ExprContext): Expr {
    const pos = this.pos(n.from, n.to);
    const ks = kids(n);
    const obj = ks[0];
    const second = ks[1];
    if (obj === undefined || second === undefined) return this.bad(n);
    const value = this.expr(obj);
    if (second.name === '.') {
      const prop = ks[2];
      if (prop?.name !== 'PropertyName' || ks.length !== 3) return this.bad(prop ?? n);
      return { k: 'Attribute', value, attr: this.name(prop), ctx, ...pos };
    }
    if (second.name !== '[' || ks[ks.length - 1]?.name !== ']') return this.bad(second);
    const inner = ks.slice(2, -1);
    const groups = splitCommas(inner);
    const trailing = groups.length > 1 && groups[groups.length - 1]?.length === 0;
    if (trailing) groups.pop();
    if (groups.length === 1 && groups[0]?.length === 0) return this.bad(second);
    const items = groups.map((g) => this.subscriptItem(g, n));
    const first = items[0] as Expr;
    const slice: Expr =
      items.length === 1 && !trailing && first.k !== 'Starred'
        ? first
        : {
            k: 'Tuple',
            elts: items,
            ctx: 'Load',
            ...this.pos((inner[0] as SyntaxNode).from, (inner[inner.length - 1] as SyntaxNode).to),
          };
    return { k: 'Subscript', value, slice, ctx, ...pos };
  }

  /** `e`, or a slice `lo:hi:step` with optional parts. */
  private subscriptItem(g: SyntaxNode[], n: SyntaxNode): Expr {
    if (g.length === 0) return this.bad(n);
    if (!g.some((c) => c.name === ':')) {
      if (g.length !== 1) return this.bad(g[1], n);
      return this.expr(g[0] as SyntaxNode);
    }
    const parts: SyntaxNode[][] = [[]];
    for (const c of g) {
      if (c.name === ':') parts.push([]);
      else parts[parts.length - 1]?.push(c);
    }
    if (parts.length > 3 || parts.some((p) => p.length > 1)) return this.bad(g[0], n);
    const part = (p: SyntaxNode[] | undefined): Expr | null => {
      const e = p?.[0];
      if (e === undefined) return null;
      if (e.name === 'NamedExpression') this.bad(e);
      return this.expr(e);
    };
    const first = g[0] as SyntaxNode;
    const last = g[g.length - 1] as SyntaxNode;
    return {
      k: 'Slice',
      lower: part(parts[0]),
      upper: part(parts[1]),
      step: part(parts[2]),
      ...this.pos(first.from, last.to),
    };
  }

  /**
   * Arithmetic, bitwise, comparison and boolean binary expressions. Comparison chains
   * (left-nested in lezer's tree) become one Compare.
   */
  private binary(n: SyntaxNode): Expr {
    const ks = kids(n);
    const left = ks[0];
    const op = ks[1];
    if (left === undefined || op === undefined) return this.bad(n);
    if (op.name === 'and' || op.name === 'or') return this.boolean(n);
    if (op.name === 'ArithOp' || op.name === 'BitOp') {
      if (this.hasAwait(n)) return this.arith(n);
      const right = ks[2];
      if (right === undefined || ks.length !== 3) return this.bad(n);
      const kind = BINOPS[this.src(op)] ?? this.bad(op);
      return { k: 'BinOp', left: this.expr(left), op: kind, right: this.expr(right), ...this.pos(n.from, n.to) };
    }
    // A comparison chain: walk down the left spine of unparenthesized comparisons.
    const links: { op: CmpOpKind; right: SyntaxNode }[] = [];
    let cur: SyntaxNode = n;
    for (;;) {
      const ck = kids(cur);
      const parsed = this.comparison(ck);
      if (parsed === undefined) return this.bad(cur);
      links.unshift(parsed);
      const l = ck[0] as SyntaxNode;
      this.noNot(parsed.right);
      if (l.name === 'BinaryExpression' && this.comparison(kids(l)) !== undefined) cur = l;
      else {
        this.noNot(l);
        return {
          k: 'Compare',
          left: this.expr(l),
          ops: links.map((x) => x.op),
          comparators: links.map((x) => this.expr(x.right)),
          ...this.pos(n.from, n.to),
        };
      }
    }
  }

  /** `a < not b`: lezer lets `not` be a comparison operand; Python does not. */
  private noNot(n: SyntaxNode): void {
    if (n.name === 'UnaryExpression' && n.firstChild?.name === 'not')
      this.error('invalid syntax', n.from, n.firstChild.to);
  }

  /** `left op right` with a comparison operator, or undefined. */
  private comparison(ck: SyntaxNode[]): { op: CmpOpKind; right: SyntaxNode } | undefined {
    const a = ck[1];
    const b = ck[2];
    if (a === undefined) return undefined;
    if (a.name === 'CompareOp') {
      if (this.src(a) === '<>') this.error('invalid syntax', a.from, a.to);
      const op = CMPOPS[this.src(a)];
      if (op === undefined || ck.length !== 3 || b === undefined) return undefined;
      return { op, right: b };
    }
    if (a.name === 'in' && b !== undefined && ck.length === 3) return { op: 'In', right: b };
    if (a.name === 'is') {
      if (b?.name === 'not') {
        const r = ck[3];
        return r === undefined || ck.length !== 4 ? undefined : { op: 'IsNot', right: r };
      }
      return b === undefined || ck.length !== 3 ? undefined : { op: 'Is', right: b };
    }
    if (a.name === 'not' && b?.name === 'in') {
      const r = ck[3];
      return r === undefined || ck.length !== 4 ? undefined : { op: 'NotIn', right: r };
    }
    return undefined;
  }

  /**
   * `and`, `or`, `not`. lezer lets `not` take everything to its right (`not a and b`
   * parses as `not (a and b)`), so the unparenthesized run of these operators is
   * flattened to tokens and regrouped with Python's precedence:
   *   disjunction := conjunction ('or' conjunction)* ;
   *   conjunction := inversion ('and' inversion)* ; inversion := 'not' inversion | operand
   */
  private boolean(n: SyntaxNode): Expr {
    type Tok = { op: 'and' | 'or' | 'not' | undefined; node: SyntaxNode };
    const toks: Tok[] = [];
    const flatten = (x: SyntaxNode): void => {
      const k = kids(x);
      if (x.name === 'BinaryExpression' && (k[1]?.name === 'and' || k[1]?.name === 'or') && k.length === 3) {
        flatten(k[0] as SyntaxNode);
        toks.push({ op: k[1].name === 'and' ? 'and' : 'or', node: k[1] });
        flatten(k[2] as SyntaxNode);
      } else if (x.name === 'UnaryExpression' && k[0]?.name === 'not' && k.length === 2) {
        toks.push({ op: 'not', node: k[0] });
        flatten(k[1] as SyntaxNode);
      } else toks.push({ op: undefined, node: x });
    };
    flatten(n);
    let i = 0;
    // Each parsed operand with the lezer range it covers (for the spans of its parents).
    type Span = { e: Expr; from: number; to: number };
    const operand = (): Span => {
      const t = toks[i++];
      if (t === undefined) return this.bad(n);
      if (t.op === 'not') {
        const v = operand();
        return {
          e: { k: 'UnaryOp', op: 'Not', operand: v.e, ...this.pos(t.node.from, v.to) },
          from: t.node.from,
          to: v.to,
        };
      }
      if (t.op !== undefined) return this.bad(t.node);
      return { e: this.expr(t.node), from: t.node.from, to: t.node.to };
    };
    const chain = (op: 'and' | 'or', sub: () => Span): Span => {
      const values = [sub()];
      while (toks[i]?.op === op) {
        i++;
        values.push(sub());
      }
      const first = values[0] as Span;
      const last = values[values.length - 1] as Span;
      if (values.length === 1) return first;
      return {
        e: {
          k: 'BoolOp',
          op: op === 'and' ? 'And' : 'Or',
          values: values.map((v) => v.e),
          ...this.pos(first.from, last.to),
        },
        from: first.from,
        to: last.to,
      };
    };
    const result = chain('or', () => chain('and', operand));
    if (i < toks.length) return this.bad(toks[i]?.node, n);
    return result.e;
  }

  /** Whether an arithmetic subtree (through unary and binary arithmetic) holds an `await`. */
  private hasAwait(n: SyntaxNode): boolean {
    if (n.name === 'AwaitExpression') return true;
    const at = this.text.indexOf('await', n.from);
    if (at < 0 || at >= n.to) return false;
    const ks = kids(n);
    if (n.name === 'BinaryExpression' && (ks[1]?.name === 'ArithOp' || ks[1]?.name === 'BitOp')) {
      return ks.some((c) => this.hasAwait(c));
    }
    if (n.name === 'UnaryExpression' && ks[0]?.name !== 'not') return ks[1] !== undefined && this.hasAwait(ks[1]);
    return false;
  }

  /**
   * Arithmetic holding an `await`. lezer gives `await` everything to its right
   * (`await x ** 2` is `await (x ** 2)`) where Python applies it to the primary
   * (`(await x) ** 2`): the operands, prefix operators and binary operators are
   * flattened and regrouped with Python's precedence (Grammar/python.gram, from
   * bitwise_or down to await_primary).
   */
  private arith(n: SyntaxNode): Expr {
    type Tok = { kind: 'op' | 'prefix' | 'leaf'; text: string; node: SyntaxNode };
    const toks: Tok[] = [];
    const flatten = (x: SyntaxNode): void => {
      const xk = kids(x);
      if (x.name === 'BinaryExpression' && (xk[1]?.name === 'ArithOp' || xk[1]?.name === 'BitOp') && xk.length === 3) {
        flatten(xk[0] as SyntaxNode);
        toks.push({ kind: 'op', text: this.src(xk[1]), node: xk[1] });
        flatten(xk[2] as SyntaxNode);
      } else if (x.name === 'UnaryExpression' && xk[0]?.name !== 'not' && xk.length === 2) {
        toks.push({ kind: 'prefix', text: this.src(xk[0] as SyntaxNode), node: xk[0] as SyntaxNode });
        flatten(xk[1] as SyntaxNode);
      } else if (x.name === 'AwaitExpression' && xk.length === 2) {
        toks.push({ kind: 'prefix', text: 'await', node: xk[0] as SyntaxNode });
        flatten(xk[1] as SyntaxNode);
      } else toks.push({ kind: 'leaf', text: '', node: x });
    };
    flatten(n);
    type R = { e: Expr; from: number; to: number };
    let i = 0;
    const LEVELS = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '/', '//', '%', '@']];
    const peekOp = (ops: readonly string[]): boolean => {
      const t = toks[i];
      return t?.kind === 'op' && ops.includes(t.text);
    };
    const binary = (level: number): R => {
      const sub = (): R => (level + 1 < LEVELS.length ? binary(level + 1) : factor());
      let left = sub();
      const ops = LEVELS[level] as string[];
      while (peekOp(ops)) {
        const op = toks[i++] as Tok;
        const right = sub();
        left = {
          e: {
            k: 'BinOp',
            left: left.e,
            op: BINOPS[op.text] ?? this.bad(op.node),
            right: right.e,
            ...this.pos(left.from, right.to),
          },
          from: left.from,
          to: right.to,
        };
      }
      return left;
    };
    const factor = (): R => {
      const t = toks[i];
      if (t?.kind === 'prefix' && t.text !== 'await') {
        i++;
        const v = factor();
        const op = t.text === '-' ? 'USub' : t.text === '+' ? 'UAdd' : 'Invert';
        return { e: { k: 'UnaryOp', op, operand: v.e, ...this.pos(t.node.from, v.to) }, from: t.node.from, to: v.to };
      }
      const a = awaitPrimary();
      if (peekOp(['**'])) {
        i++;
        const b = factor();
        return {
          e: { k: 'BinOp', left: a.e, op: 'Pow', right: b.e, ...this.pos(a.from, b.to) },
          from: a.from,
          to: b.to,
        };
      }
      return a;
    };
    const awaitPrimary = (): R => {
      const t = toks[i++];
      if (t === undefined) return this.bad(n);
      if (t.kind === 'prefix' && t.text === 'await') {
        const leaf = toks[i++];
        if (leaf?.kind !== 'leaf') return this.bad(leaf?.node ?? t.node);
        return {
          e: { k: 'Await', value: this.expr(leaf.node), ...this.pos(t.node.from, leaf.node.to) },
          from: t.node.from,
          to: leaf.node.to,
        };
      }
      if (t.kind !== 'leaf') return this.bad(t.node);
      return { e: this.expr(t.node), from: t.node.from, to: t.node.to };
    };
    const r = binary(0);
    if (i < toks.length) return this.bad(toks[i]?.node);
    return r.e;
  }

  // -----------------------------------------------------------------------------------
  // Strings.

  /** A String node: the run of string tokens it stands for, joined. */
  private strings(n: SyntaxNode): Expr {
    const ctx = this.ctx;
    const first = ctx.rw.tokenAt(n.from - ctx.shift);
    if (first === undefined) return this.bad(n);
    const toks: StringToken[] = [];
    for (let i = first; i < ctx.toks.count && ctx.toks.type[i] === STRING; i++) {
      const s = ctx.toks.start[i] ?? 0;
      if (s + ctx.shift >= n.to) break;
      toks.push(stringToken(ctx.src, s, ctx.toks.end[i] ?? 0));
    }
    return new StringJoiner(this, toks, ctx.shift, ctx.src).join();
  }

  /** Start (file offset) of the first token at or after a context offset. */
  nextTokenStart(offset: number, shift: number): number {
    const t = this.ctx.toks;
    let lo = 0;
    let hi = t.count - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((t.start[mid] ?? 0) < offset) lo = mid + 1;
      else hi = mid;
    }
    return (t.start[lo] ?? offset) + shift;
  }

  /** The message for an f-string field lezer rejects, and its column within `(expr)`. */
  private fieldError(
    fragment: string,
    toks: Tokens,
    rw: Rewritten,
    top: SyntaxNode,
    fileFrom: number,
  ): { message: string; localStart: number } {
    const lines = new LineMapFor(fragment);
    let first = -1;
    top.cursor().iterate((c) => {
      if (first >= 0) return false;
      if (c.type.isError) first = c.from - fileFrom;
      return first < 0;
    });
    const c = refineAt({ text: fragment, lines, toks, rw }, Math.max(0, first));
    return { message: c.message, localStart: lines.charCol(c.start) };
  }

  /** Report a string error at the string node (errors.ts places it as CPython does). */
  stringError(message: string, from: number, to: number): never {
    return this.error(message, from, to);
  }

  positionOf(from: number, to: number): Pos {
    return this.pos(from, to);
  }

  /**
   * The expression of an f-string replacement field, text[from, to) of the context's
   * source: parsed as `(expr)`, with the positions of the source.
   */
  fieldExpr(src: string, from: number, to: number, shift: number): Expr {
    const fragment = '(' + src.slice(from, to) + ')';
    const toks = tokenize(fragment, false);
    const fileFrom = from - 1 + shift;
    if (toks.error !== undefined) {
      return this.error('f-string: ' + toks.error.message, toks.error.start + fileFrom, toks.error.end + fileFrom);
    }
    const rw = rewrite(fragment, toks);
    const top = parseAt(rw.lezer, fileFrom);
    const saved = this.ctx;
    this.ctx = { toks, rw, shift: fileFrom, src: fragment };
    try {
      if (hasError(top)) {
        const { message, localStart } = this.fieldError(fragment, toks, rw, top, fileFrom);
        // CPython counts an f-string field's error column within `(expr)`, on the field's line.
        const line = this.lines.line(fileFrom);
        const at = this.lines.offsetOf(line, localStart);
        return this.error('f-string: ' + message, at, at);
      }
      const stmts = kids(top);
      const st = stmts[0];
      if (stmts.length !== 1 || st?.name !== 'ExpressionStatement') return this.bad(st ?? top);
      const inner = kids(st);
      const e = inner[0];
      if (inner.length !== 1 || e === undefined) return this.bad(st);
      return this.expr(e);
    } finally {
      this.ctx = saved;
    }
  }
}

/** The state of `_PyPegen_concatenate_strings` / FstringParser for one run of tokens. */
class StringJoiner {
  private lastStr: string | null = null;
  private readonly exprs: Expr[] = [];
  private fmode = false;
  private readonly first: StringToken;
  private readonly last: StringToken;

  constructor(
    private readonly low: Lowering,
    private readonly toks: readonly StringToken[],
    private readonly shift: number,
    private readonly src: string,
  ) {
    this.first = toks[0] as StringToken;
    this.last = toks[toks.length - 1] as StringToken;
  }

  private span(): Pos {
    return this.low.positionOf(this.first.start + this.shift, this.last.end + this.shift);
  }

  private fail(message: string): never {
    // Raised in the `strings` action: CPython points at the token after the strings.
    return this.low.stringError(message, this.after, this.after);
  }

  /** Offset of the token after the run (CPython's error location for string errors). */
  private get after(): number {
    return this.low.nextTokenStart(this.last.end - 0, this.shift);
  }

  join(): Expr {
    const src = this.src;
    const bytesMode = this.first.bytes;
    if (this.toks.some((t) => t.bytes !== bytesMode)) this.fail('cannot mix bytes and nonbytes literals');
    if (bytesMode) {
      const parts: Uint8Array[] = [];
      for (const t of this.toks) {
        const body = src.slice(t.bodyStart, t.bodyEnd);
        // eslint-disable-next-line no-control-regex
        if (!/^[\x00-\x7f]*$/.test(body)) {
          this.low.stringError(
            'bytes can only contain ASCII literal characters',
            t.start + this.shift,
            t.end + this.shift,
          );
        }
        const d = decodeBytes(body, t.raw);
        if ('error' in d) return this.fail(d.error);
        parts.push(d.value);
      }
      const total = parts.reduce((s, p) => s + p.length, 0);
      const v = new Uint8Array(total);
      let at = 0;
      for (const p of parts) {
        v.set(p, at);
        at += p.length;
      }
      return { k: 'Constant', value: { k: 'bytes', v }, kind: null, ...this.span() };
    }
    for (const t of this.toks) {
      if (t.fmt) {
        this.fmode = true;
        this.concatFstring(t, t.bodyStart, t.bodyEnd, 0, this);
      } else {
        const d = decodeStr(src.slice(t.bodyStart, t.bodyEnd), t.raw);
        if ('error' in d) return this.fail(d.error);
        this.concat(d.value);
      }
    }
    return this.finish(this.first, this.last, this.fmode);
  }

  concat(s: string): void {
    if (s === '') return;
    this.lastStr = this.lastStr === null ? s : this.lastStr + s;
  }

  /** make_str_node_and_del: the pending literal as a Constant (kind from `first`). */
  private strNode(first: StringToken, last: StringToken): Expr {
    const value = this.lastStr ?? '';
    this.lastStr = null;
    return {
      k: 'Constant',
      value: { k: 'str', v: value },
      kind: first.u ? 'u' : null,
      ...this.low.positionOf(first.start + this.shift, last.end + this.shift),
    };
  }

  flush(): void {
    if (this.lastStr !== null) this.exprs.push(this.strNode(this.first, this.last));
  }

  push(e: Expr): void {
    this.exprs.push(e);
  }

  /** _PyPegen_FstringParser_Finish. */
  finish(first: StringToken, last: StringToken, fmode: boolean): Expr {
    if (!fmode) return this.strNode(first, last);
    if (this.lastStr !== null) this.exprs.push(this.strNode(first, last));
    return {
      k: 'JoinedStr',
      values: this.exprs,
      ...this.low.positionOf(first.start + this.shift, last.end + this.shift),
    };
  }

  /**
   * _PyPegen_FstringParser_ConcatFstring: literal parts and replacement fields of the body
   * of `t` from `s` to `end`, into `state`; returns where it stopped.
   */
  concatFstring(t: StringToken, s: number, end: number, level: number, state: StringJoiner): number {
    const src = this.src;
    for (;;) {
      // fstring_find_literal
      const litStart = s;
      let litEnd = -1;
      let doubled = false;
      while (s < end) {
        let ch = src.charCodeAt(s++);
        if (!t.raw && ch === 92 && s < end) {
          ch = src.charCodeAt(s++);
          if (ch === 78) {
            if (s < end && src.charCodeAt(s++) === 123) {
              while (s < end && src.charCodeAt(s++) !== 125) {
                /* skip the name */
              }
            }
            continue;
          }
        }
        if (ch === 123 || ch === 125) {
          if (level === 0) {
            if (s < end && src.charCodeAt(s) === ch) {
              litEnd = s;
              s++;
              doubled = true;
              break;
            }
            if (ch === 125) this.fail("f-string: single '}' is not allowed");
          }
          s--;
          break;
        }
      }
      if (litEnd < 0) litEnd = s;
      if (litEnd > litStart) {
        const d = decodeStr(src.slice(litStart, litEnd), t.raw);
        if ('error' in d) this.fail(d.error);
        state.concat(d.value);
      }
      if (doubled) continue;
      if (s >= end || src.charCodeAt(s) === 125) break;
      // fstring_find_expr, at a '{'
      s = this.findExpr(t, s, end, level, state);
    }
    if (level === 0 && s < end - 1) this.fail('f-string: unexpected end of string');
    if (level !== 0 && src.charCodeAt(s) !== 125) this.fail("f-string: expecting '}'");
    return s;
  }

  private findExpr(t: StringToken, s: number, end: number, level: number, state: StringJoiner): number {
    const src = this.src;
    if (level >= 2) this.fail('f-string: expressions nested too deeply');
    s++;
    const exprStart = s;
    let quote = 0;
    let triple = false;
    const stack: number[] = [];
    for (; s < end; s++) {
      const ch = src.charCodeAt(s);
      if (ch === 92) this.fail('f-string expression part cannot include a backslash');
      if (quote !== 0) {
        if (ch === quote) {
          if (triple) {
            if (s + 2 < end && src.charCodeAt(s + 1) === ch && src.charCodeAt(s + 2) === ch) {
              s += 2;
              quote = 0;
              triple = false;
            }
          } else quote = 0;
        }
        continue;
      }
      if (ch === 39 || ch === 34) {
        triple = s + 2 < end && src.charCodeAt(s + 1) === ch && src.charCodeAt(s + 2) === ch;
        if (triple) s += 2;
        quote = ch;
      } else if (ch === 91 || ch === 123 || ch === 40) {
        if (stack.length >= 200) this.fail('f-string: too many nested parenthesis');
        stack.push(ch);
      } else if (ch === 35) {
        this.fail("f-string expression part cannot include '#'");
      } else if (stack.length === 0 && (ch === 33 || ch === 58 || ch === 125 || ch === 61 || ch === 62 || ch === 60)) {
        if (s + 1 < end) {
          const next = src.charCodeAt(s + 1);
          if (next === 61 && (ch === 33 || ch === 61 || ch === 60 || ch === 62)) {
            s++;
            continue;
          }
        }
        if (ch === 62 || ch === 60) continue;
        break;
      } else if (ch === 93 || ch === 125 || ch === 41) {
        const open = stack.pop();
        if (open === undefined) this.fail(`f-string: unmatched '${String.fromCharCode(ch)}'`);
        if (!((open === 40 && ch === 41) || (open === 91 && ch === 93) || (open === 123 && ch === 125))) {
          this.fail(
            `f-string: closing parenthesis '${String.fromCharCode(ch)}' does not match opening parenthesis '${String.fromCharCode(open)}'`,
          );
        }
      }
    }
    const exprEnd = s;
    if (quote !== 0) this.fail('f-string: unterminated string');
    const open = stack[stack.length - 1];
    if (open !== undefined) this.fail(`f-string: unmatched '${String.fromCharCode(open)}'`);
    if (s >= end) this.fail("f-string: expecting '}'");
    // fstring_compile_expr
    if (/^[ \t\n\f\r]*$/.test(src.slice(exprStart, exprEnd))) {
      const c = src[exprEnd];
      if (c === '!' || c === ':' || c === '=') this.fail(`f-string: expression required before '${c}'`);
      this.fail('f-string: empty expression not allowed');
    }
    const value = this.low.fieldExpr(src, exprStart, exprEnd, this.shift);
    let selfDoc = false;
    if (src.charCodeAt(s) === 61) {
      s++;
      while (s < end && /[ \t\n\r\f\v]/.test(src[s] ?? '')) s++;
      if (s >= end) this.fail("f-string: expecting '}'");
      state.concat(src.slice(exprStart, s).replace(/\r\n?/g, '\n'));
      selfDoc = true;
    }
    let conversion = -1;
    if (src.charCodeAt(s) === 33) {
      s++;
      if (s >= end) this.fail("f-string: expecting '}'");
      conversion = src.charCodeAt(s);
      s++;
      if (conversion !== 115 && conversion !== 114 && conversion !== 97) {
        this.fail("f-string: invalid conversion character: expected 's', 'r', or 'a'");
      }
    }
    if (s >= end) this.fail("f-string: expecting '}'");
    let format_spec: Expr | null = null;
    if (src.charCodeAt(s) === 58) {
      s++;
      if (s >= end) this.fail("f-string: expecting '}'");
      const spec = new StringJoiner(this.low, this.toks, this.shift, src);
      spec.fmode = true;
      s = spec.concatFstring(t, s, end, level + 1, spec);
      format_spec = spec.finishSpec(t);
    }
    if (s >= end || src.charCodeAt(s) !== 125) this.fail("f-string: expecting '}'");
    s++;
    if (selfDoc && format_spec === null && conversion === -1) conversion = 114;
    state.flush();
    state.push({ k: 'FormattedValue', value, conversion, format_spec, ...this.span() });
    return s;
  }

  /** The format spec's JoinedStr: `_PyPegen_FstringParser_Finish(p, &state, t, t)`. */
  private finishSpec(t: StringToken): Expr {
    return this.finish(t, t, true);
  }
}
