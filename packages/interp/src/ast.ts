/*
 * The typed AST of the supported Python subset. Every node carries its span
 * (character offsets into the source) so diagnostics and events name file:line:col.
 */
import type { Span } from '@pymemsim/core';

export type Expr =
  | { readonly k: 'Name'; readonly id: string; readonly span: Span }
  | { readonly k: 'Int'; readonly value: bigint; readonly span: Span }
  | { readonly k: 'Str'; readonly value: string; readonly span: Span }
  | { readonly k: 'Const'; readonly value: 'None' | 'True' | 'False'; readonly span: Span }
  | { readonly k: 'List'; readonly elts: readonly Expr[]; readonly span: Span }
  | { readonly k: 'Tuple'; readonly elts: readonly Expr[]; readonly span: Span }
  | { readonly k: 'Call'; readonly func: Expr; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly k: 'Attr'; readonly obj: Expr; readonly name: string; readonly span: Span }
  | {
      readonly k: 'BinOp';
      readonly op: '+' | '-' | '*';
      readonly left: Expr;
      readonly right: Expr;
      readonly span: Span;
    };

export type Stmt =
  | { readonly k: 'Assign'; readonly target: string; readonly value: Expr; readonly span: Span }
  | { readonly k: 'Expr'; readonly expr: Expr; readonly span: Span }
  | { readonly k: 'Del'; readonly names: readonly { id: string; span: Span }[]; readonly span: Span }
  | {
      readonly k: 'Def';
      readonly name: string;
      readonly params: readonly string[];
      readonly body: readonly Stmt[];
      readonly span: Span;
    }
  | { readonly k: 'Return'; readonly value: Expr | undefined; readonly span: Span }
  | { readonly k: 'Import'; readonly names: readonly string[]; readonly span: Span }
  | { readonly k: 'Pass'; readonly span: Span };

export type Module = { readonly body: readonly Stmt[] };
