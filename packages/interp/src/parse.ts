/*
 * Parsing: @lezer/python's syntax tree lowered to the typed AST (ast.ts).
 *
 * The parser recovers rather than throws: every error node becomes a PY_SYNTAX
 * diagnostic, and every construct outside the supported subset a PY_UNSUPPORTED one
 * naming the construct, so one run reports all of them and nothing outside the subset
 * is ever silently mis-simulated.
 */
import { parser } from '@lezer/python';
import type { SyntaxNode } from '@lezer/common';
import type { Diagnostic, Span } from '@pymemsim/core';
import type { Expr, Module, Stmt } from './ast.js';

const READABLE: Record<string, string> = {
  ForStatement: '`for` statement',
  WhileStatement: '`while` statement',
  IfStatement: '`if` statement',
  ClassDefinition: '`class` definition',
  TryStatement: '`try` statement',
  WithStatement: '`with` statement',
  LambdaExpression: '`lambda` expression',
  DictionaryExpression: 'dict display',
  SetExpression: 'set display',
  ArrayComprehensionExpression: 'list comprehension',
  FormatString: 'f-string',
  UnaryExpression: 'unary operator',
  SubscriptExpression: 'subscript',
  UpdateStatement: 'augmented assignment',
  GlobalStatement: '`global` statement',
  NonlocalStatement: '`nonlocal` statement',
  RaiseStatement: '`raise` statement',
  AssertStatement: '`assert` statement',
  ConditionalExpression: 'conditional expression',
  ComparisonExpression: 'comparison',
};

export class Lowering {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly text: string) {}

  private span(n: SyntaxNode): Span {
    return { start: n.from, end: n.to };
  }

  private src(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  private unsupported(n: SyntaxNode, what?: string): void {
    const name = what ?? READABLE[n.name] ?? `\`${n.name}\``;
    this.diagnostics.push({
      code: 'PY_UNSUPPORTED',
      message: `${name} is outside the supported Python subset`,
      span: this.span(n),
    });
  }

  private children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) {
      if (c.name !== 'Comment') out.push(c);
    }
    return out;
  }

  /** Report every error node under `n`; returns true when there was one. */
  private syntaxErrors(n: SyntaxNode): boolean {
    let found = false;
    const cursor = n.cursor();
    do {
      if (cursor.type.isError) {
        found = true;
        const from = cursor.from;
        const to = Math.max(cursor.to, from + 1);
        this.diagnostics.push({ code: 'PY_SYNTAX', message: 'invalid syntax', span: { start: from, end: to } });
      }
    } while (cursor.next());
    return found;
  }

  module(): Module {
    const tree = parser.parse(this.text);
    const top = tree.topNode;
    if (this.syntaxErrors(top)) return { body: [] };
    return { body: this.block(this.children(top)) };
  }

  private block(nodes: SyntaxNode[]): Stmt[] {
    const out: Stmt[] = [];
    for (const n of nodes) {
      if (n.name === 'StatementGroup') out.push(...this.block(this.children(n).filter((c) => c.name !== ';')));
      else {
        const s = this.stmt(n);
        if (s !== undefined) out.push(s);
      }
    }
    return out;
  }

  private stmt(n: SyntaxNode): Stmt | undefined {
    const span = this.span(n);
    const kids = this.children(n);
    switch (n.name) {
      case 'AssignStatement': {
        const ops = kids.filter((c) => c.name === 'AssignOp');
        const target = kids[0];
        const value = kids.at(-1);
        if (ops.length !== 1 || target === undefined || value === undefined || this.src(ops[0] as SyntaxNode) !== '=') {
          this.unsupported(n, 'this form of assignment');
          return undefined;
        }
        if (target.name !== 'VariableName') {
          this.unsupported(target, 'assignment to anything but a plain name');
          return undefined;
        }
        const v = this.expr(value);
        return v === undefined ? undefined : { k: 'Assign', target: this.src(target), value: v, span };
      }
      case 'ExpressionStatement': {
        const e = kids[0] === undefined ? undefined : this.expr(kids[0]);
        return e === undefined ? undefined : { k: 'Expr', expr: e, span };
      }
      case 'DeleteStatement': {
        const names: { id: string; span: Span }[] = [];
        for (const c of kids.slice(1)) {
          if (c.name === ',') continue;
          if (c.name !== 'VariableName') {
            this.unsupported(c, '`del` of anything but a name');
            return undefined;
          }
          names.push({ id: this.src(c), span: this.span(c) });
        }
        return { k: 'Del', names, span };
      }
      case 'FunctionDefinition': {
        const name = kids.find((c) => c.name === 'VariableName');
        const params = kids.find((c) => c.name === 'ParamList');
        const body = kids.find((c) => c.name === 'Body');
        if (name === undefined || params === undefined || body === undefined) {
          this.unsupported(n, 'this form of `def`');
          return undefined;
        }
        const ps: string[] = [];
        for (const p of this.children(params)) {
          if (p.name === '(' || p.name === ')' || p.name === ',') continue;
          if (p.name !== 'VariableName') {
            this.unsupported(p, 'parameters other than plain names');
            return undefined;
          }
          ps.push(this.src(p));
        }
        const stmts = this.block(this.children(body).filter((c) => c.name !== ':'));
        return { k: 'Def', name: this.src(name), params: ps, body: stmts, span };
      }
      case 'ReturnStatement': {
        const value = kids[1];
        if (value === undefined) return { k: 'Return', value: undefined, span };
        const e = this.expr(value);
        return e === undefined ? undefined : { k: 'Return', value: e, span };
      }
      case 'ImportStatement': {
        const names: string[] = [];
        for (const c of kids.slice(1)) {
          if (c.name === ',') continue;
          if (c.name !== 'VariableName') {
            this.unsupported(n, 'this form of `import`');
            return undefined;
          }
          const mod = this.src(c);
          if (!['gc', 'sys'].includes(mod)) {
            this.unsupported(c, `module \`${mod}\``);
            return undefined;
          }
          names.push(mod);
        }
        if (kids[0]?.name !== 'import') {
          this.unsupported(n, '`from ... import`');
          return undefined;
        }
        return { k: 'Import', names, span };
      }
      case 'PassStatement':
        return { k: 'Pass', span };
      default:
        this.unsupported(n);
        return undefined;
    }
  }

  private expr(n: SyntaxNode): Expr | undefined {
    const span = this.span(n);
    const kids = this.children(n);
    switch (n.name) {
      case 'VariableName':
        return { k: 'Name', id: this.src(n), span };
      case 'Number': {
        const text = this.src(n).replaceAll('_', '');
        if (!/^(0|[1-9][0-9]*|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)$/.test(text)) {
          this.unsupported(n, 'this number literal (only ints are supported)');
          return undefined;
        }
        return { k: 'Int', value: BigInt(text.replace(/^0[oO]/, '0o')), span };
      }
      case 'String': {
        const value = parseStringLiteral(this.src(n));
        if (value === undefined) {
          this.unsupported(n, 'this string literal (prefixes and escapes other than \\n \\t \\\\ \\\' \\")');
          return undefined;
        }
        return { k: 'Str', value, span };
      }
      case 'None':
        return { k: 'Const', value: 'None', span };
      case 'Boolean':
        return { k: 'Const', value: this.src(n) === 'True' ? 'True' : 'False', span };
      case 'ParenthesizedExpression': {
        const inner = kids[1];
        return inner === undefined ? undefined : this.expr(inner);
      }
      case 'ArrayExpression':
      case 'TupleExpression': {
        const elts: Expr[] = [];
        for (const c of kids) {
          if (c.name === '[' || c.name === ']' || c.name === '(' || c.name === ')' || c.name === ',') continue;
          const e = this.expr(c);
          if (e === undefined) return undefined;
          elts.push(e);
        }
        return n.name === 'ArrayExpression' ? { k: 'List', elts, span } : { k: 'Tuple', elts, span };
      }
      case 'CallExpression': {
        const callee = kids[0];
        const argList = kids[1];
        if (callee === undefined || argList === undefined) return undefined;
        const func = this.expr(callee);
        const args: Expr[] = [];
        for (const c of this.children(argList)) {
          if (c.name === '(' || c.name === ')' || c.name === ',') continue;
          if (c.name === 'AssignOp' || c.name === '*' || c.name === '**') {
            this.unsupported(c, 'keyword and star arguments');
            return undefined;
          }
          const e = this.expr(c);
          if (e === undefined) return undefined;
          args.push(e);
        }
        return func === undefined ? undefined : { k: 'Call', func, args, span };
      }
      case 'BinaryExpression': {
        const [l, op, r] = kids;
        const sym = op === undefined ? '' : this.src(op);
        if (l === undefined || r === undefined || (sym !== '+' && sym !== '-' && sym !== '*')) {
          this.unsupported(op ?? n, `operator \`${sym}\``);
          return undefined;
        }
        const left = this.expr(l);
        const right = this.expr(r);
        return left === undefined || right === undefined ? undefined : { k: 'BinOp', op: sym, left, right, span };
      }
      case 'MemberExpression': {
        const obj = kids[0];
        const prop = kids[2];
        if (obj === undefined || prop === undefined || kids[1]?.name !== '.') {
          this.unsupported(n, 'subscript');
          return undefined;
        }
        const o = this.expr(obj);
        return o === undefined ? undefined : { k: 'Attr', obj: o, name: this.src(prop), span };
      }
      default:
        this.unsupported(n);
        return undefined;
    }
  }
}

/** A plain Python string literal (no prefix) with the common escapes; undefined otherwise. */
export function parseStringLiteral(lit: string): string | undefined {
  const q = lit.startsWith('"""') || lit.startsWith("'''") ? lit.slice(0, 3) : lit[0];
  if (q === undefined || (q[0] !== '"' && q[0] !== "'") || !lit.endsWith(q) || lit.length < 2 * q.length)
    return undefined;
  const body = lit.slice(q.length, lit.length - q.length);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const map: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', "'": "'", '"': '"', r: '\r', '0': '\0' };
    if (e === undefined || !(e in map)) return undefined;
    out += map[e];
  }
  return out;
}

export function parseModule(text: string): { module: Module; diagnostics: Diagnostic[] } {
  const lowering = new Lowering(text);
  const module = lowering.module();
  return { module, diagnostics: lowering.diagnostics };
}
