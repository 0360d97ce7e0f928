/*
 * Expressions back to source text (Python/ast_unparse.c, 3.11)
 * =============================================================
 * Under `from __future__ import annotations` the compiler stores every annotation as a
 * string: `_PyAST_ExprAsUnicode` writes the expression back with the fewest parentheses
 * its operator precedence needs. Infinite floats are written `1e309`, as CPython does.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- a port of CPython's C: indices
   and links are in range by construction, as there; a miss is a compiler defect */
import type { Comprehension, Expr, Keyword, Arguments, Arg } from '../parse/pyast.js';
import { constRepr, floatRepr, strRepr } from './constops.js';
import type { Constant } from './code.js';

const PR_TUPLE = 0;
const PR_TEST = 1;
const PR_OR = 2;
const PR_AND = 3;
const PR_NOT = 4;
const PR_CMP = 5;
const PR_EXPR = 6;
const PR_BOR = PR_EXPR;
const PR_BXOR = 7;
const PR_BAND = 8;
const PR_SHIFT = 9;
const PR_ARITH = 10;
const PR_TERM = 11;
const PR_FACTOR = 12;
const PR_POWER = 13;
const PR_AWAIT = 14;
const PR_ATOM = 15;

const BINOP: Record<string, [string, number]> = {
  Add: [' + ', PR_ARITH],
  Sub: [' - ', PR_ARITH],
  Mult: [' * ', PR_TERM],
  MatMult: [' @ ', PR_TERM],
  Div: [' / ', PR_TERM],
  Mod: [' % ', PR_TERM],
  LShift: [' << ', PR_SHIFT],
  RShift: [' >> ', PR_SHIFT],
  BitOr: [' | ', PR_BOR],
  BitXor: [' ^ ', PR_BXOR],
  BitAnd: [' & ', PR_BAND],
  FloorDiv: [' // ', PR_TERM],
  Pow: [' ** ', PR_POWER],
};

const CMPOP: Record<string, string> = {
  Eq: ' == ',
  NotEq: ' != ',
  Lt: ' < ',
  LtE: ' <= ',
  Gt: ' > ',
  GtE: ' >= ',
  Is: ' is ',
  IsNot: ' is not ',
  In: ' in ',
  NotIn: ' not in ',
};

const infRepr = (s: string): string => s.replace(/inf/g, '1e309');

function constText(c: Constant): string {
  switch (c.k) {
    case 'Ellipsis':
      return '...';
    case 'float':
      return infRepr(floatRepr(c.v));
    case 'complex':
      return infRepr(constRepr(c));
    case 'tuple':
      if (c.items.length === 1) return '(' + constText(c.items[0]!) + ',)';
      return '(' + c.items.map(constText).join(', ') + ')';
    case 'frozenset':
      return constRepr(c);
    default:
      return constRepr(c);
  }
}

function comprehensions(gens: readonly Comprehension[]): string {
  let out = '';
  for (const g of gens) {
    out += g.is_async ? ' async for ' : ' for ';
    out += expr(g.target, PR_TUPLE) + ' in ' + expr(g.iter, PR_TEST + 1);
    for (const i of g.ifs) out += ' if ' + expr(i, PR_TEST + 1);
  }
  return out;
}

function argText(a: Arg): string {
  return a.arg + (a.annotation !== null ? ': ' + expr(a.annotation, PR_TEST) : '');
}

function argumentsText(a: Arguments): string {
  const parts: string[] = [];
  const positional = [...a.posonlyargs, ...a.args];
  const firstDefault = positional.length - a.defaults.length;
  positional.forEach((arg, i) => {
    let s = argText(arg);
    if (i >= firstDefault) s += '=' + expr(a.defaults[i - firstDefault]!, PR_TEST);
    parts.push(s);
    if (i + 1 === a.posonlyargs.length) parts.push('/');
  });
  if (a.vararg !== null || a.kwonlyargs.length) parts.push('*' + (a.vararg !== null ? argText(a.vararg) : ''));
  a.kwonlyargs.forEach((arg, i) => {
    let s = argText(arg);
    const d = a.kw_defaults[i];
    if (d) s += '=' + expr(d, PR_TEST);
    parts.push(s);
  });
  if (a.kwarg !== null) parts.push('**' + argText(a.kwarg));
  return parts.join(', ');
}

function keywordText(k: Keyword): string {
  return k.arg === null ? '**' + expr(k.value, PR_TEST) : k.arg + '=' + expr(k.value, PR_TEST);
}

function fstringBody(values: readonly Expr[], isFormatSpec: boolean): string {
  let out = '';
  for (const v of values) {
    if (v.k === 'Constant' && v.value.k === 'str') {
      out += v.value.v.replace(/\{/g, '{{').replace(/\}/g, '}}');
    } else if (v.k === 'FormattedValue') {
      out += formattedValue(v);
    } else if (v.k === 'JoinedStr') {
      out += fstringBody(v.values, isFormatSpec);
    }
  }
  return out;
}

function formattedValue(v: Expr & { k: 'FormattedValue' }): string {
  let inner = expr(v.value, PR_TEST + 1);
  if (inner.startsWith('{')) inner = ' ' + inner;
  let out = '{' + inner;
  if (v.conversion > 0) out += '!' + String.fromCharCode(v.conversion);
  if (v.format_spec !== null) {
    out += ':';
    out +=
      v.format_spec.k === 'JoinedStr' ? fstringBody(v.format_spec.values, true) : fstringBody([v.format_spec], true);
  }
  return out + '}';
}

function expr(e: Expr, level: number): string {
  const paren = (pr: number, s: string): string => (level > pr ? '(' + s + ')' : s);
  switch (e.k) {
    case 'BoolOp': {
      const pr = e.op === 'And' ? PR_AND : PR_OR;
      const op = e.op === 'And' ? ' and ' : ' or ';
      return paren(pr, e.values.map((v) => expr(v, pr + 1)).join(op));
    }
    case 'BinOp': {
      const [op, pr] = BINOP[e.op]!;
      const rassoc = e.op === 'Pow' ? 1 : 0;
      return paren(pr, expr(e.left, pr + rassoc) + op + expr(e.right, pr + 1 - rassoc));
    }
    case 'UnaryOp': {
      const [op, pr] =
        e.op === 'Invert'
          ? ['~', PR_FACTOR]
          : e.op === 'Not'
            ? ['not ', PR_NOT]
            : e.op === 'UAdd'
              ? ['+', PR_FACTOR]
              : ['-', PR_FACTOR];
      return paren(pr, op + expr(e.operand, pr));
    }
    case 'Lambda': {
      const args = argumentsText(e.args);
      return paren(PR_TEST, 'lambda' + (args ? ' ' + args : '') + ': ' + expr(e.body, PR_TEST));
    }
    case 'IfExp':
      return paren(
        PR_TEST,
        expr(e.body, PR_TEST + 1) + ' if ' + expr(e.test, PR_TEST + 1) + ' else ' + expr(e.orelse, PR_TEST),
      );
    case 'Dict':
      return (
        '{' +
        e.keys
          .map((k, i) =>
            k === null ? '**' + expr(e.values[i]!, PR_EXPR) : expr(k, PR_TEST) + ': ' + expr(e.values[i]!, PR_TEST),
          )
          .join(', ') +
        '}'
      );
    case 'Set':
      return e.elts.length === 0 ? '{*()}' : '{' + e.elts.map((x) => expr(x, PR_TEST)).join(', ') + '}';
    case 'List':
      return '[' + e.elts.map((x) => expr(x, PR_TEST)).join(', ') + ']';
    case 'Tuple':
      if (e.elts.length === 0) return '()';
      return paren(PR_TUPLE, e.elts.map((x) => expr(x, PR_TEST)).join(', ') + (e.elts.length === 1 ? ',' : ''));
    case 'ListComp':
      return '[' + expr(e.elt, PR_TEST) + comprehensions(e.generators) + ']';
    case 'SetComp':
      return '{' + expr(e.elt, PR_TEST) + comprehensions(e.generators) + '}';
    case 'DictComp':
      return '{' + expr(e.key, PR_TEST) + ': ' + expr(e.value, PR_TEST) + comprehensions(e.generators) + '}';
    case 'GeneratorExp':
      return '(' + expr(e.elt, PR_TEST) + comprehensions(e.generators) + ')';
    case 'Yield':
      return '(yield' + (e.value !== null ? ' ' + expr(e.value, PR_TEST) : '') + ')';
    case 'YieldFrom':
      return '(yield from ' + expr(e.value, PR_TEST) + ')';
    case 'Await':
      return paren(PR_AWAIT, 'await ' + expr(e.value, PR_ATOM));
    case 'Compare':
      return paren(
        PR_CMP,
        expr(e.left, PR_CMP + 1) + e.ops.map((op, i) => CMPOP[op]! + expr(e.comparators[i]!, PR_CMP + 1)).join(''),
      );
    case 'Call': {
      let out = expr(e.func, PR_ATOM) + '(';
      if (e.args.length === 1 && e.keywords.length === 0 && e.args[0]!.k === 'GeneratorExp') {
        const g = e.args[0]!;
        return out + expr(g.elt, PR_TEST) + comprehensions(g.generators) + ')';
      }
      out += [...e.args.map((a) => expr(a, PR_TEST)), ...e.keywords.map(keywordText)].join(', ');
      return out + ')';
    }
    case 'Constant':
      if (e.value.k === 'str' && e.kind === 'u') return 'u' + strRepr(e.value.v);
      return constText(e.value);
    case 'JoinedStr':
      return 'f' + strRepr(fstringBody(e.values, false));
    case 'FormattedValue':
      return 'f' + strRepr(formattedValue(e));
    case 'Attribute': {
      const v = e.value;
      const period = v.k === 'Constant' && v.value.k === 'int' ? ' .' : '.';
      return expr(v, PR_ATOM) + period + e.attr;
    }
    case 'Subscript': {
      let lvl = PR_TUPLE;
      if (e.slice.k === 'Tuple' && e.slice.elts.some((x) => x.k === 'Starred')) lvl++;
      return expr(e.value, PR_ATOM) + '[' + expr(e.slice, lvl) + ']';
    }
    case 'Starred':
      return '*' + expr(e.value, PR_EXPR);
    case 'Name':
      return e.id;
    case 'Slice':
      return (
        (e.lower !== null ? expr(e.lower, PR_TEST) : '') +
        ':' +
        (e.upper !== null ? expr(e.upper, PR_TEST) : '') +
        (e.step !== null ? ':' + expr(e.step, PR_TEST) : '')
      );
    case 'NamedExpr':
      return paren(PR_TUPLE, expr(e.target, PR_ATOM) + ' := ' + expr(e.value, PR_ATOM));
  }
}

/** `_PyAST_ExprAsUnicode`. */
export function exprAsUnicode(e: Expr): string {
  return expr(e, PR_TEST);
}
