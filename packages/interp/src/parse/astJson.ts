/*
 * Our tree as JSON in the shape `test/cpython/dumpast.py` prints CPython's: each node an
 * object with `k`, its fields and its positions; constants in code.ts's JSON form. Two
 * trees are equal exactly when their JSON texts are (keys are written in a fixed order).
 */
import { constantToJson, type Constant } from '../compile/code.js';
import type { Module } from './pyast.js';

const POSITIONS = ['lineno', 'col_offset', 'end_lineno', 'end_col_offset'] as const;

function toJson(v: unknown, parentKind: string | undefined, key: string | undefined): unknown {
  if (Array.isArray(v)) return v.map((x) => toJson(x, undefined, undefined));
  if (v === null || typeof v !== 'object') return v;
  if ((parentKind === 'Constant' || parentKind === 'MatchSingleton') && key === 'value') {
    return constantToJson(v as Constant);
  }
  const o = v as Record<string, unknown>;
  const kind = o['k'] as string | undefined;
  const out: Record<string, unknown> = { k: kind };
  const keys = Object.keys(o)
    .filter((x) => x !== 'k' && !(POSITIONS as readonly string[]).includes(x))
    .sort();
  for (const x of keys) out[x] = toJson(o[x], kind, x);
  for (const p of POSITIONS) if (p in o) out[p] = o[p];
  return out;
}

/**
 * The JSON value of a tree (keys sorted within each node, positions last). A tree read
 * from dumpast.py with `astFromJson` and written back here gives the same text as ours
 * when the trees are equal (constants go through the same formatting).
 */
export function astToJson(module: Module): unknown {
  return toJson(module, undefined, undefined);
}
