/*
 * Helpers for comparing our parser with CPython 3.11's: find python3.11, run
 * test/cpython/dumpast.py --batch on files, and compare trees as JSON texts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { astFromJson, astToJson, decodeSource, parse } from '@pymemsim/interp/parse';

export const DUMPAST = join(import.meta.dirname, '..', 'cpython', 'dumpast.py');

/** python3 when it is CPython 3.11, else the reason the comparisons are skipped. */
export function findPython311(): { python?: string; why?: string } {
  try {
    const v = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], {
      encoding: 'utf8',
    }).trim();
    return v === '3.11' ? { python: 'python3' } : { why: `python3 is ${v}, not 3.11` };
  } catch {
    return { why: 'no python3 on PATH' };
  }
}

export interface CpythonRecord {
  readonly file: string;
  readonly ast?: unknown;
  readonly error?: {
    readonly cls: string;
    readonly msg: string;
    readonly lineno: number;
    readonly offset: number;
    readonly end_lineno: number;
    readonly end_offset: number;
  };
  readonly crash?: string;
}

/** Run dumpast.py --batch over the files, calling `each` with every record as it comes. */
export async function dumpAll(files: readonly string[], each: (r: CpythonRecord) => void): Promise<void> {
  const child = spawn('python3', [DUMPAST, '--batch'], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.end(files.join('\n') + '\n');
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of rl) each(JSON.parse(line) as CpythonRecord);
  await new Promise((resolve) => child.on('close', resolve));
}

/** The first difference between two JSON values, as a path and the two values. */
export function firstDiff(a: unknown, b: unknown, path = ''): string | undefined {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return a === b ? undefined : `${path}: ours ${JSON.stringify(a)} cpython ${JSON.stringify(b)}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = a as unknown[];
    const y = b as unknown[];
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = firstDiff(x[i], y[i], `${path}[${i}]`);
      if (d !== undefined) return d;
    }
    return x.length === y.length ? undefined : `${path}: ${x.length} items, cpython ${y.length}`;
  }
  const o = a as Record<string, unknown>;
  const p = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(o), ...Object.keys(p)])) {
    const d = firstDiff(o[k], p[k], `${path}.${k}${typeof o['k'] === 'string' && k !== 'k' ? `(${o['k']})` : ''}`);
    if (d !== undefined) return d;
  }
  return undefined;
}

/**
 * Compare our parse of a file with CPython's record: undefined when they agree (same
 * tree, or both reject the source), else what differs.
 */
export function compareWithCpython(r: CpythonRecord): string | undefined {
  const decoded = decodeSource(readFileSync(r.file), r.file);
  if (decoded.text === undefined) {
    return r.error !== undefined ? undefined : `cannot decode: ${decoded.diagnostics[0]?.message ?? ''}`;
  }
  const ours = parse(decoded.text, r.file);
  if (r.error !== undefined || r.crash !== undefined) {
    return ours.module === undefined ? undefined : `CPython rejects it (${r.error?.msg ?? r.crash ?? ''}), we parse it`;
  }
  if (ours.module === undefined) {
    const d = ours.diagnostics[0];
    const line = d === undefined ? 0 : decoded.text.slice(0, d.span.start).split(/\r\n|\r|\n/).length;
    return `we reject it: ${d?.message ?? ''} (line ${line})`;
  }
  return firstDiff(astToJson(ours.module), astToJson(astFromJson(r.ast)));
}
