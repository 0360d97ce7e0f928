/*
 * Errors
 * ======
 * Three kinds (STYLE.md §4): a `Diagnostic` about a user's program (data, formatted by
 * the cli), a `UserError` (bad input, missing file, bad flags; one line, no stack), and a
 * `Defect` (a broken invariant inside pymemsim; never the user's fault).
 * Codes live in one table with their exit codes: 0 ok, 1 diagnostics or an uncaught
 * Python exception, 2 usage, 65 bad input data, 66 missing input, 70 internal, 73 an
 * output that cannot be written, 130 interrupted (Ctrl-C, as shells report SIGINT), 141
 * stdout closed by its reader (as shells report SIGPIPE).
 */

export const ERROR_CODES = {
  PY_SYNTAX: { exit: 1 },
  PY_UNSUPPORTED: { exit: 1 },
  PY_RUNAWAY: { exit: 1 },
  CLI_USAGE: { exit: 2 },
  FILE_NOT_FOUND: { exit: 66 },
  FILE_WRITE: { exit: 73 },
  TRACE_FORMAT: { exit: 65 },
  TRACE_VERSION: { exit: 65 },
  TRACE_CORRUPT: { exit: 65 },
  INTERRUPTED: { exit: 130 },
  OUTPUT_CLOSED: { exit: 141 },
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** A broken invariant inside this project; never the user's fault. */
export class Defect extends Error {
  override readonly name = 'Defect';
}

/** A half-open range of character offsets in a source text. */
export type Span = { readonly start: number; readonly end: number };

/** The Python exception class CPython raises for a syntax diagnostic. */
export type PythonSyntaxErrorClass = 'SyntaxError' | 'IndentationError' | 'TabError';

export type Diagnostic = {
  readonly code: ErrorCode;
  readonly message: string;
  readonly span: Span;
  /**
   * For a `PY_SYNTAX` diagnostic, the exception CPython raises (so it can be printed as
   * `IndentationError: ...`); absent means SyntaxError.
   */
  readonly exception?: PythonSyntaxErrorClass;
};
