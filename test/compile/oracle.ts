/*
 * The CPython oracle for compiler tests: runs test/cpython/oracle.py under python3.11 on
 * a list of files and compares this compiler's code objects with CPython's, field for
 * field (frozenset items compared as sets, since their order follows string hashes that
 * change from run to run), and the identity of constants (which constants are one object).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  astFromJson,
  compileExpression,
  compileModule,
  codeToJson,
  type CodeConstant as Constant,
  type CodeJson,
  type CodeObject,
  type CompileDiagnostic,
  type PyExpr as Expr,
} from '@pymemsim/interp';

const cpythonDir = join(import.meta.dirname, '..', 'cpython');

/**
 * The python3 executable itself (not a version manager's shim, which costs a process
 * start per call), or 'python3' when it cannot be asked.
 */
export const PYTHON: string = (() => {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const exe = r.status === 0 ? r.stdout.trim() : '';
  return exe !== '' ? exe : 'python3';
})();

/** Why the oracle cannot run here, or null when python3 is CPython 3.11. */
export function oracleUnavailable(): string | null {
  const r = spawnSync(PYTHON, ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return 'python3 is not installed';
  const v = (r.stdout || r.stderr).trim();
  return /^Python 3\.11\./.test(v) ? null : `python3 is ${v}, not CPython 3.11`;
}

export interface OracleRecord {
  path: string;
  ast?: unknown;
  code?: CodeJson;
  ids?: unknown[];
  error?: { msg: string; lineno: number; offset: number; end_lineno: number | null; end_offset: number | null };
  parse_error?: string;
}

/** CPython's trees and code objects for `paths` (one python3.11 process). */
export function runOracle(paths: readonly string[], filename?: string): OracleRecord[] {
  const args = [join(cpythonDir, 'oracle.py'), ...(filename !== undefined ? ['--filename', filename] : []), '-'];
  const out = execFileSync(PYTHON, args, {
    cwd: cpythonDir,
    input: paths.join('\n'),
    maxBuffer: 1 << 30,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as OracleRecord);
}

/** CPython's tree and code object for `compile(source, '<string>', 'eval')` of each source. */
export function runEvalOracle(sources: readonly string[]): OracleRecord[] {
  const out = execFileSync(PYTHON, [join(cpythonDir, 'oracle.py'), '--eval'], {
    cwd: cpythonDir,
    input: sources.map((s) => JSON.stringify(s)).join('\n'),
    maxBuffer: 1 << 28,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as OracleRecord);
}

/** Compare with CPython an expression compiled in `eval` mode. */
export function compareEvalRecord(rec: OracleRecord): Verdict {
  const { code, diagnostics } = compileExpression(astFromJson(rec.ast) as unknown as Expr, '<string>');
  if (code === undefined) return { path: rec.path, ok: false, detail: `we raise ${diagnostics[0]?.message ?? '?'}` };
  const d = firstDifference(canon(codeToJson(code)), canon(rec.code)) ?? firstDifference(identities(code), rec.ids);
  return { path: rec.path, ok: d === null, detail: d ?? '' };
}

function canon(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canon);
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (o.k === 'frozenset') {
      return { k: 'frozenset', items: (o.items as unknown[]).map((i) => JSON.stringify(canon(i))).sort() };
    }
    const r: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) r[k] = canon(v);
    return r;
  }
  return x;
}

/** The first difference between two JSON values, as a path and both values; null if equal. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (
    a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const name = typeof bo.qualname === 'string' ? `<${bo.qualname}>` : '';
    for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
      const d = firstDifference(ao[k], bo[k], `${path}${name}.${k}`);
      if (d !== null) return d;
    }
    return null;
  }
  return a === b
    ? null
    : `${path}: ours ${JSON.stringify(a)?.slice(0, 200)} vs CPython ${JSON.stringify(b)?.slice(0, 200)}`;
}

/**
 * Identity classes of constants, in oracle.py's order (tuples' items nested; frozensets
 * left out, see oracle.py's `ident`).
 */
export function identities(co: CodeObject): unknown[] {
  const table = new Map<Constant, number>();
  const ident = (c: Constant): unknown => {
    if (c.k === 'frozenset') return 'fs';
    let n = table.get(c);
    if (n === undefined) {
      n = table.size;
      table.set(c, n);
    }
    return c.k === 'tuple' && c.items.length ? [n, c.items.map(ident)] : n;
  };
  const walk = (code: CodeObject): unknown[] => {
    const result: unknown[] = [code.consts.map(ident)];
    for (const c of code.consts) if (c.k === 'code') result.push(...walk(c.code));
    return result;
  };
  return walk(co);
}

export interface Verdict {
  path: string;
  ok: boolean;
  detail: string;
}

/** Compile CPython's tree with this compiler and compare with CPython's result. */
export function compareRecord(rec: OracleRecord, checkIds = true): Verdict {
  const v = (ok: boolean, detail = ''): Verdict => ({ path: rec.path, ok, detail });
  if (rec.parse_error !== undefined) return v(true, 'CPython cannot parse it');
  const { code, diagnostics } = compileModule(astFromJson(rec.ast), rec.path);
  if (rec.error !== undefined) {
    const d = diagnostics[0] as CompileDiagnostic | undefined;
    if (d === undefined) return v(false, `CPython raises ${rec.error.msg}; we compile`);
    const got = `${d.message} at ${d.lineno}:${d.col_offset + 1}`;
    const want = `${rec.error.msg} at ${rec.error.lineno}:${rec.error.offset}`;
    return v(got === want, `${got} vs CPython ${want}`);
  }
  if (code === undefined) return v(false, `we raise ${diagnostics[0]?.message ?? '?'}`);
  const d = firstDifference(canon(codeToJson(code)), canon(rec.code));
  if (d !== null) return v(false, d);
  if (checkIds) {
    const i = firstDifference(identities(code), rec.ids);
    if (i !== null) return v(false, `constant identity ${i}`);
  }
  return v(true);
}
