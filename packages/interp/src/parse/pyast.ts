/*
 * The Python AST, shaped as CPython 3.11's `ast` module shapes it (Parser/Python.asdl)
 * ====================================================================================
 * The parser produces it and the compiler consumes it. Node kinds (`k`) and field names
 * are those of Python's `ast` classes, operators are their class names (`'Add'`,
 * `'NotIn'`), and every node with positions has CPython's `lineno`, `col_offset`,
 * `end_lineno`, `end_col_offset` (1-based lines; 0-based columns counted in UTF-8 bytes,
 * as CPython counts them). So a tree here can be compared with `ast.parse()` of
 * python3.11 field for field: `test/cpython/dumpast.py` prints that tree as JSON in
 * this shape (`astFromJson` reads it), which is also how the compiler can be tested on
 * trees made by CPython's own parser.
 *
 * A `Constant`'s value is a compile-time constant of code.ts (ints are bigints, bytes
 * are Uint8Arrays); `kind` is `'u'` for a `u'...'` string, else null.
 */
import type { Constant as ConstantValue, ConstantJson } from '../compile/code.js';
import { constantFromJson } from '../compile/code.js';

export type { ConstantValue };

export interface Pos {
  readonly lineno: number;
  readonly col_offset: number;
  readonly end_lineno: number;
  readonly end_col_offset: number;
}

export type ExprContext = 'Load' | 'Store' | 'Del';
export type BoolOpKind = 'And' | 'Or';
export type Operator =
  | 'Add'
  | 'Sub'
  | 'Mult'
  | 'MatMult'
  | 'Div'
  | 'Mod'
  | 'Pow'
  | 'LShift'
  | 'RShift'
  | 'BitOr'
  | 'BitXor'
  | 'BitAnd'
  | 'FloorDiv';
export type UnaryOpKind = 'Invert' | 'Not' | 'UAdd' | 'USub';
export type CmpOpKind = 'Eq' | 'NotEq' | 'Lt' | 'LtE' | 'Gt' | 'GtE' | 'Is' | 'IsNot' | 'In' | 'NotIn';

export type Expr =
  | (Pos & { readonly k: 'BoolOp'; readonly op: BoolOpKind; readonly values: readonly Expr[] })
  | (Pos & { readonly k: 'NamedExpr'; readonly target: Expr; readonly value: Expr })
  | (Pos & { readonly k: 'BinOp'; readonly left: Expr; readonly op: Operator; readonly right: Expr })
  | (Pos & { readonly k: 'UnaryOp'; readonly op: UnaryOpKind; readonly operand: Expr })
  | (Pos & { readonly k: 'Lambda'; readonly args: Arguments; readonly body: Expr })
  | (Pos & { readonly k: 'IfExp'; readonly test: Expr; readonly body: Expr; readonly orelse: Expr })
  /** `keys[i]` null means `**values[i]`. */
  | (Pos & { readonly k: 'Dict'; readonly keys: readonly (Expr | null)[]; readonly values: readonly Expr[] })
  | (Pos & { readonly k: 'Set'; readonly elts: readonly Expr[] })
  | (Pos & { readonly k: 'ListComp'; readonly elt: Expr; readonly generators: readonly Comprehension[] })
  | (Pos & { readonly k: 'SetComp'; readonly elt: Expr; readonly generators: readonly Comprehension[] })
  | (Pos & {
      readonly k: 'DictComp';
      readonly key: Expr;
      readonly value: Expr;
      readonly generators: readonly Comprehension[];
    })
  | (Pos & { readonly k: 'GeneratorExp'; readonly elt: Expr; readonly generators: readonly Comprehension[] })
  | (Pos & { readonly k: 'Await'; readonly value: Expr })
  | (Pos & { readonly k: 'Yield'; readonly value: Expr | null })
  | (Pos & { readonly k: 'YieldFrom'; readonly value: Expr })
  | (Pos & {
      readonly k: 'Compare';
      readonly left: Expr;
      readonly ops: readonly CmpOpKind[];
      readonly comparators: readonly Expr[];
    })
  | (Pos & {
      readonly k: 'Call';
      readonly func: Expr;
      readonly args: readonly Expr[];
      readonly keywords: readonly Keyword[];
    })
  /** conversion: -1 none, 115 `!s`, 114 `!r`, 97 `!a`. */
  | (Pos & {
      readonly k: 'FormattedValue';
      readonly value: Expr;
      readonly conversion: number;
      readonly format_spec: Expr | null;
    })
  | (Pos & { readonly k: 'JoinedStr'; readonly values: readonly Expr[] })
  | (Pos & { readonly k: 'Constant'; readonly value: ConstantValue; readonly kind: string | null })
  | (Pos & { readonly k: 'Attribute'; readonly value: Expr; readonly attr: string; readonly ctx: ExprContext })
  | (Pos & { readonly k: 'Subscript'; readonly value: Expr; readonly slice: Expr; readonly ctx: ExprContext })
  | (Pos & { readonly k: 'Starred'; readonly value: Expr; readonly ctx: ExprContext })
  | (Pos & { readonly k: 'Name'; readonly id: string; readonly ctx: ExprContext })
  | (Pos & { readonly k: 'List'; readonly elts: readonly Expr[]; readonly ctx: ExprContext })
  | (Pos & { readonly k: 'Tuple'; readonly elts: readonly Expr[]; readonly ctx: ExprContext })
  | (Pos & {
      readonly k: 'Slice';
      readonly lower: Expr | null;
      readonly upper: Expr | null;
      readonly step: Expr | null;
    });

export interface Comprehension {
  readonly k: 'comprehension';
  readonly target: Expr;
  readonly iter: Expr;
  readonly ifs: readonly Expr[];
  readonly is_async: number;
}

export interface Arg extends Pos {
  readonly k: 'arg';
  readonly arg: string;
  readonly annotation: Expr | null;
  readonly type_comment: string | null;
}

export interface Arguments {
  readonly k: 'arguments';
  readonly posonlyargs: readonly Arg[];
  readonly args: readonly Arg[];
  readonly vararg: Arg | null;
  readonly kwonlyargs: readonly Arg[];
  /** One per keyword-only argument; null where it has no default. */
  readonly kw_defaults: readonly (Expr | null)[];
  readonly kwarg: Arg | null;
  /** Defaults of the last positional arguments (posonlyargs then args). */
  readonly defaults: readonly Expr[];
}

/** `arg` null means `**value`. */
export interface Keyword extends Pos {
  readonly k: 'keyword';
  readonly arg: string | null;
  readonly value: Expr;
}

export interface Alias extends Pos {
  readonly k: 'alias';
  readonly name: string;
  readonly asname: string | null;
}

export interface WithItem {
  readonly k: 'withitem';
  readonly context_expr: Expr;
  readonly optional_vars: Expr | null;
}

export interface ExceptHandler extends Pos {
  readonly k: 'ExceptHandler';
  readonly type: Expr | null;
  readonly name: string | null;
  readonly body: readonly Stmt[];
}

export interface MatchCase {
  readonly k: 'match_case';
  readonly pattern: Pattern;
  readonly guard: Expr | null;
  readonly body: readonly Stmt[];
}

export type Pattern =
  | (Pos & { readonly k: 'MatchValue'; readonly value: Expr })
  | (Pos & { readonly k: 'MatchSingleton'; readonly value: ConstantValue })
  | (Pos & { readonly k: 'MatchSequence'; readonly patterns: readonly Pattern[] })
  | (Pos & {
      readonly k: 'MatchMapping';
      readonly keys: readonly Expr[];
      readonly patterns: readonly Pattern[];
      readonly rest: string | null;
    })
  | (Pos & {
      readonly k: 'MatchClass';
      readonly cls: Expr;
      readonly patterns: readonly Pattern[];
      readonly kwd_attrs: readonly string[];
      readonly kwd_patterns: readonly Pattern[];
    })
  | (Pos & { readonly k: 'MatchStar'; readonly name: string | null })
  | (Pos & { readonly k: 'MatchAs'; readonly pattern: Pattern | null; readonly name: string | null })
  | (Pos & { readonly k: 'MatchOr'; readonly patterns: readonly Pattern[] });

type FunctionFields = {
  readonly name: string;
  readonly args: Arguments;
  readonly body: readonly Stmt[];
  readonly decorator_list: readonly Expr[];
  readonly returns: Expr | null;
  readonly type_comment: string | null;
};

type TryFields = {
  readonly body: readonly Stmt[];
  readonly handlers: readonly ExceptHandler[];
  readonly orelse: readonly Stmt[];
  readonly finalbody: readonly Stmt[];
};

type ForFields = {
  readonly target: Expr;
  readonly iter: Expr;
  readonly body: readonly Stmt[];
  readonly orelse: readonly Stmt[];
  readonly type_comment: string | null;
};

type WithFields = {
  readonly items: readonly WithItem[];
  readonly body: readonly Stmt[];
  readonly type_comment: string | null;
};

export type Stmt =
  | (Pos & FunctionFields & { readonly k: 'FunctionDef' })
  | (Pos & FunctionFields & { readonly k: 'AsyncFunctionDef' })
  | (Pos & {
      readonly k: 'ClassDef';
      readonly name: string;
      readonly bases: readonly Expr[];
      readonly keywords: readonly Keyword[];
      readonly body: readonly Stmt[];
      readonly decorator_list: readonly Expr[];
    })
  | (Pos & { readonly k: 'Return'; readonly value: Expr | null })
  | (Pos & { readonly k: 'Delete'; readonly targets: readonly Expr[] })
  | (Pos & {
      readonly k: 'Assign';
      readonly targets: readonly Expr[];
      readonly value: Expr;
      readonly type_comment: string | null;
    })
  | (Pos & { readonly k: 'AugAssign'; readonly target: Expr; readonly op: Operator; readonly value: Expr })
  | (Pos & {
      readonly k: 'AnnAssign';
      readonly target: Expr;
      readonly annotation: Expr;
      readonly value: Expr | null;
      readonly simple: number;
    })
  | (Pos & ForFields & { readonly k: 'For' })
  | (Pos & ForFields & { readonly k: 'AsyncFor' })
  | (Pos & {
      readonly k: 'While';
      readonly test: Expr;
      readonly body: readonly Stmt[];
      readonly orelse: readonly Stmt[];
    })
  | (Pos & { readonly k: 'If'; readonly test: Expr; readonly body: readonly Stmt[]; readonly orelse: readonly Stmt[] })
  | (Pos & WithFields & { readonly k: 'With' })
  | (Pos & WithFields & { readonly k: 'AsyncWith' })
  | (Pos & { readonly k: 'Match'; readonly subject: Expr; readonly cases: readonly MatchCase[] })
  | (Pos & { readonly k: 'Raise'; readonly exc: Expr | null; readonly cause: Expr | null })
  | (Pos & TryFields & { readonly k: 'Try' })
  | (Pos & TryFields & { readonly k: 'TryStar' })
  | (Pos & { readonly k: 'Assert'; readonly test: Expr; readonly msg: Expr | null })
  | (Pos & { readonly k: 'Import'; readonly names: readonly Alias[] })
  | (Pos & {
      readonly k: 'ImportFrom';
      readonly module: string | null;
      readonly names: readonly Alias[];
      readonly level: number;
    })
  | (Pos & { readonly k: 'Global'; readonly names: readonly string[] })
  | (Pos & { readonly k: 'Nonlocal'; readonly names: readonly string[] })
  | (Pos & { readonly k: 'Expr'; readonly value: Expr })
  | (Pos & { readonly k: 'Pass' })
  | (Pos & { readonly k: 'Break' })
  | (Pos & { readonly k: 'Continue' });

export interface Module {
  readonly k: 'Module';
  readonly body: readonly Stmt[];
  readonly type_ignores: readonly unknown[];
}

/** Every node kind of the tree, for generic walks. */
export type Node =
  | Module
  | Stmt
  | Expr
  | Comprehension
  | Arg
  | Arguments
  | Keyword
  | Alias
  | WithItem
  | ExceptHandler
  | MatchCase
  | Pattern;

/**
 * The tree `test/cpython/dumpast.py` prints (the same shape, with constants in code.ts's
 * JSON form) read back into this module's types.
 */
export function astFromJson(json: unknown): Module {
  return fromJson(json) as Module;
}

function fromJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) {
    if (key === '__proto__') continue;
    const isConstantValue =
      (o.k === 'Constant' || o.k === 'MatchSingleton') &&
      key === 'value' &&
      value !== null &&
      typeof value === 'object';
    out[key] = isConstantValue ? constantFromJson(value as ConstantJson) : fromJson(value);
  }
  return out;
}
