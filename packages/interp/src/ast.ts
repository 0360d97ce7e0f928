/*
 * The typed AST of the supported Python subset (the subset of the conformance corpus,
 * see its README). Every node carries its span (character offsets into the source) so
 * diagnostics, tracebacks and events name file:line:col.
 *
 * Names follow Python's own `ast` module where they exist, so readers can map them.
 */
import type { Span } from '@pymemsim/core';
import type { Access } from './resolve.js';

export type BinOpName = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '<<' | '>>' | '&' | '|' | '^' | '@';
export type UnaryOpName = '-' | '+' | '~' | 'not';
export type CmpOpName = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'is' | 'is not' | 'in' | 'not in';

/** One argument at a call site. */
export type Arg =
  | { readonly k: 'pos'; readonly value: Expr }
  | { readonly k: 'kw'; readonly name: string; readonly value: Expr }
  | { readonly k: 'star'; readonly value: Expr }
  | { readonly k: 'starstar'; readonly value: Expr };

/** A part of an f-string: literal text, or `{expr}` / `{expr!r}` / `{expr!s}` / `{expr:spec}`. */
export type FPart =
  | { readonly k: 'text'; readonly text: string }
  | {
      readonly k: 'expr';
      readonly value: Expr;
      readonly conv: 'r' | 's' | 'a' | undefined;
      readonly spec: string | undefined;
    };

/** One `for ... in ... if ...` clause of a comprehension. */
export type Comprehension = { readonly target: Target; readonly iter: Expr; readonly ifs: readonly Expr[] };

export type Expr =
  | {
      readonly k: 'Name';
      readonly id: string;
      readonly span: Span;
      /** How the name is accessed in its scope, filled in by the evaluator on first use (a Name node belongs to one scope). */
      access?: Access;
      /** The name's hash key as a str dict key, filled in by the evaluator on first use. */
      key?: string;
    }
  | { readonly k: 'Int'; readonly value: bigint; readonly span: Span }
  | { readonly k: 'Float'; readonly value: number; readonly span: Span }
  | { readonly k: 'Str'; readonly value: string; readonly span: Span }
  | { readonly k: 'Bytes'; readonly value: Uint8Array; readonly span: Span }
  | { readonly k: 'FString'; readonly parts: readonly FPart[]; readonly span: Span }
  | { readonly k: 'Const'; readonly value: 'None' | 'True' | 'False' | 'Ellipsis'; readonly span: Span }
  | { readonly k: 'List'; readonly elts: readonly Expr[]; readonly span: Span }
  | { readonly k: 'Tuple'; readonly elts: readonly Expr[]; readonly span: Span }
  | { readonly k: 'Set'; readonly elts: readonly Expr[]; readonly span: Span }
  /** `keys[i]` undefined means `**values[i]`. */
  | {
      readonly k: 'Dict';
      readonly keys: readonly (Expr | undefined)[];
      readonly values: readonly Expr[];
      readonly span: Span;
    }
  | { readonly k: 'ListComp'; readonly elt: Expr; readonly gens: readonly Comprehension[]; readonly span: Span }
  | { readonly k: 'SetComp'; readonly elt: Expr; readonly gens: readonly Comprehension[]; readonly span: Span }
  | {
      readonly k: 'DictComp';
      readonly key: Expr;
      readonly value: Expr;
      readonly gens: readonly Comprehension[];
      readonly span: Span;
    }
  | { readonly k: 'GeneratorExp'; readonly elt: Expr; readonly gens: readonly Comprehension[]; readonly span: Span }
  | { readonly k: 'Call'; readonly func: Expr; readonly args: readonly Arg[]; readonly span: Span }
  | { readonly k: 'Attribute'; readonly value: Expr; readonly attr: string; readonly span: Span }
  | { readonly k: 'Subscript'; readonly value: Expr; readonly index: Expr; readonly span: Span }
  /** `a:b:c` inside a subscript; missing parts are undefined. */
  | {
      readonly k: 'Slice';
      readonly lower: Expr | undefined;
      readonly upper: Expr | undefined;
      readonly step: Expr | undefined;
      readonly span: Span;
    }
  | { readonly k: 'BinOp'; readonly op: BinOpName; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly k: 'UnaryOp'; readonly op: UnaryOpName; readonly operand: Expr; readonly span: Span }
  /** `a and b and c` / `a or b`. */
  | { readonly k: 'BoolOp'; readonly op: 'and' | 'or'; readonly values: readonly Expr[]; readonly span: Span }
  /** Chained: `a < b < c` is left `a`, ops `[<, <]`, comparators `[b, c]`. */
  | {
      readonly k: 'Compare';
      readonly left: Expr;
      readonly ops: readonly CmpOpName[];
      readonly comparators: readonly Expr[];
      readonly span: Span;
    }
  | { readonly k: 'IfExp'; readonly test: Expr; readonly body: Expr; readonly orelse: Expr; readonly span: Span }
  | { readonly k: 'Lambda'; readonly params: Params; readonly body: Expr; readonly span: Span }
  /** `*x` inside a list/tuple display or an assignment target. */
  | { readonly k: 'Starred'; readonly value: Expr; readonly span: Span };

/** What can be assigned to: a name, an attribute, a subscript, or a (nested) tuple/list of targets. */
export type Target = Expr;

/** Parameters of a def or lambda. Defaults align with the last positional parameters. */
export type Params = {
  readonly args: readonly string[];
  readonly defaults: readonly Expr[];
  readonly vararg: string | undefined;
  readonly kwonly: readonly string[];
  /** Default of each keyword-only parameter, undefined when required. */
  readonly kwDefaults: readonly (Expr | undefined)[];
  readonly kwarg: string | undefined;
};

export type ExceptHandler = {
  readonly type: Expr | undefined;
  readonly name: string | undefined;
  readonly body: readonly Stmt[];
  readonly span: Span;
};

export type Stmt =
  | { readonly k: 'Expr'; readonly value: Expr; readonly span: Span }
  /** `a = b = value`: targets in source order. */
  | { readonly k: 'Assign'; readonly targets: readonly Target[]; readonly value: Expr; readonly span: Span }
  | {
      readonly k: 'AugAssign';
      readonly target: Target;
      readonly op: BinOpName;
      readonly value: Expr;
      readonly span: Span;
    }
  /** `x: int = 1` (annotation ignored); value may be absent. */
  | { readonly k: 'AnnAssign'; readonly target: Target; readonly value: Expr | undefined; readonly span: Span }
  | { readonly k: 'Delete'; readonly targets: readonly Target[]; readonly span: Span }
  | { readonly k: 'Pass'; readonly span: Span }
  | { readonly k: 'Break'; readonly span: Span }
  | { readonly k: 'Continue'; readonly span: Span }
  | { readonly k: 'Return'; readonly value: Expr | undefined; readonly span: Span }
  | { readonly k: 'Raise'; readonly exc: Expr | undefined; readonly cause: Expr | undefined; readonly span: Span }
  | { readonly k: 'Assert'; readonly test: Expr; readonly msg: Expr | undefined; readonly span: Span }
  | { readonly k: 'Global'; readonly names: readonly string[]; readonly span: Span }
  | { readonly k: 'Nonlocal'; readonly names: readonly string[]; readonly span: Span }
  /** `import a, b as c`: each module name with its binding name. */
  | {
      readonly k: 'Import';
      readonly names: readonly { name: string; asname: string | undefined }[];
      readonly span: Span;
    }
  | {
      readonly k: 'ImportFrom';
      readonly module: string;
      readonly names: readonly { name: string; asname: string | undefined }[];
      readonly span: Span;
    }
  | {
      readonly k: 'If';
      readonly test: Expr;
      readonly body: readonly Stmt[];
      readonly orelse: readonly Stmt[];
      readonly span: Span;
    }
  | {
      readonly k: 'While';
      readonly test: Expr;
      readonly body: readonly Stmt[];
      readonly orelse: readonly Stmt[];
      readonly span: Span;
    }
  | {
      readonly k: 'For';
      readonly target: Target;
      readonly iter: Expr;
      readonly body: readonly Stmt[];
      readonly orelse: readonly Stmt[];
      readonly span: Span;
    }
  | {
      readonly k: 'Try';
      readonly body: readonly Stmt[];
      readonly handlers: readonly ExceptHandler[];
      readonly orelse: readonly Stmt[];
      readonly finalbody: readonly Stmt[];
      readonly span: Span;
    }
  | {
      readonly k: 'FunctionDef';
      readonly name: string;
      readonly params: Params;
      readonly body: readonly Stmt[];
      readonly decorators: readonly Expr[];
      readonly span: Span;
    }
  | {
      readonly k: 'ClassDef';
      readonly name: string;
      readonly bases: readonly Expr[];
      readonly keywords: readonly { name: string; value: Expr }[];
      readonly body: readonly Stmt[];
      readonly decorators: readonly Expr[];
      readonly span: Span;
    };

export type Module = { readonly body: readonly Stmt[] };
