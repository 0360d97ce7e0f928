/*
 * The compiler: Python AST → CPython 3.11 code objects
 * ====================================================
 * CPython's pipeline (Python/compile.c `_PyAST_Compile`), stage by stage:
 *   future features (astopt.ts `futureFeatures`) → AST optimizer (astopt.ts) → symbol
 *   table (symtable.ts) → code generation (codegen.ts) → CFG optimizer and assembler
 *   (assemble.ts), one code object per scope, with constants merged across the unit.
 * `compileModule` returns the module's code object, or the SyntaxError the compiler
 * raises as a Diagnostic with CPython's message and position.
 */
import type { Diagnostic } from '@pymemsim/core';
import type { Expr, Module } from '../parse/pyast.js';
import type { CodeObject } from './code.js';
import { CompileError, futureFeatures, optimizeExpression, optimizeModule } from './astopt.js';
import { buildExpressionSymtable, buildSymtable } from './symtable.js';
import { Compiler } from './codegen.js';

export type { CodeObject, Constant } from './code.js';
export { codeToJson, codeFromJson, constantToJson } from './code.js';
export { disassemble, coLines, coPositions, parseExceptionTable, type Position } from './dis.js';

export interface CompileOptions {
  /** The source text, to turn positions into the character spans of Diagnostics. */
  readonly source?: string;
}

/** A compile-time SyntaxError: a Diagnostic that also carries CPython's position. */
export interface CompileDiagnostic extends Diagnostic {
  /** 1-based line, 0-based column in UTF-8 bytes (as CPython's AST positions). */
  readonly lineno: number;
  readonly col_offset: number;
  readonly end_lineno: number;
  readonly end_col_offset: number;
}

/** Character offset of (1-based line, UTF-8 byte column) in `source`. */
function offsetOf(source: string, lineno: number, col: number): number {
  let offset = 0;
  for (let line = 1; line < lineno; line++) {
    const nl = source.indexOf('\n', offset);
    if (nl === -1) return source.length;
    offset = nl + 1;
  }
  let bytes = 0;
  while (offset < source.length && bytes < col && source[offset] !== '\n') {
    const cp = source.codePointAt(offset) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    offset += cp > 0xffff ? 2 : 1;
  }
  return offset;
}

export function compileModule(
  module: Module,
  filename: string,
  options: CompileOptions = {},
): { code: CodeObject | undefined; diagnostics: Diagnostic[] } {
  return guarded(options, () => {
    const ff = futureFeatures(module);
    const optimized = optimizeModule(module, 0, ff.features);
    const st = buildSymtable(optimized, ff.features);
    return new Compiler(filename, st, ff.features, ff.lineno).compileModule(optimized);
  });
}

/**
 * `compile(source, filename, 'eval')`: the code object of an expression (the body of an
 * `ast.Expression`), which returns its value.
 */
export function compileExpression(
  expr: Expr,
  filename: string,
  options: CompileOptions = {},
): { code: CodeObject | undefined; diagnostics: Diagnostic[] } {
  return guarded(options, () => {
    const optimized = optimizeExpression(expr, 0);
    const key = {};
    const st = buildExpressionSymtable(optimized, key, 0);
    return new Compiler(filename, st, 0, -1).compileExpression(optimized, key);
  });
}

function guarded(
  options: CompileOptions,
  compile: () => CodeObject,
): { code: CodeObject | undefined; diagnostics: Diagnostic[] } {
  try {
    return { code: compile(), diagnostics: [] };
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    const src = options.source;
    const start = src !== undefined && e.lineno > 0 ? offsetOf(src, e.lineno, Math.max(e.col_offset, 0)) : 0;
    const end =
      src !== undefined && e.end_lineno > 0
        ? Math.max(start, offsetOf(src, e.end_lineno, Math.max(e.end_col_offset, 0)))
        : start;
    const d: CompileDiagnostic = {
      code: 'PY_SYNTAX',
      message: e.message,
      span: { start, end },
      lineno: e.lineno,
      col_offset: e.col_offset,
      end_lineno: e.end_lineno,
      end_col_offset: e.end_col_offset,
    };
    return { code: undefined, diagnostics: [d] };
  }
}
