/*
 * Decoded code
 * ============
 * A code object's bytes made ready to run: one slot per instruction (CACHE entries and
 * EXTENDED_ARG prefixes folded away, jump arguments turned into instruction indexes),
 * the exception table as entries over instruction indexes, and each instruction's
 * source position from the location table. Decoding is pure and done once per
 * CodeObject (cached on it), however many simulations or functions use it.
 *
 * Source: Python/ceval.c (3.11: how `next_instr` advances past inline caches, JUMPBY),
 * Objects/exception_handling_notes.txt and Lib/dis.py `_parse_exception_table` (the
 * exception table's big-endian varints), Objects/locations.md and codeobject.c
 * `_PyCode_CheckLineNumber` (the location table's entry forms and little-endian varints).
 *
 * Vocabulary:
 *   index   an instruction's position in the decoded arrays (what the VM's pc counts)
 *   unit    a 2-byte code unit of co_code; `unitOf[index]` is the unit of the instruction
 *           itself (after its EXTENDED_ARGs), which is what f_lasti and the exception
 *           table speak of.
 */
import { CACHE_ENTRIES, HAS_JREL, Op } from '../compile/opcodes.js';
import type { CodeObject } from '../compile/code.js';
import { CO_FAST_CELL, CO_FAST_FREE, CO_FAST_LOCAL } from '../compile/code.js';

export interface ExceptionEntry {
  /** First instruction index covered. */
  readonly start: number;
  /** One past the last instruction index covered. */
  readonly end: number;
  /** The handler's instruction index. */
  readonly target: number;
  /** Stack depth to unwind to. */
  readonly depth: number;
  /** Push the offset of the raising instruction (lasti) before the exception. */
  readonly lasti: boolean;
}

export interface DecodedCode {
  readonly co: CodeObject;
  readonly ops: Uint8Array;
  readonly args: Int32Array;
  /** Code unit of each instruction. */
  readonly unitOf: Int32Array;
  /** Instruction index of each code unit (the instruction it belongs to). */
  readonly indexOfUnit: Int32Array;
  /** Source line of each instruction, or -1 when it has none. */
  readonly lines: Int32Array;
  /** Positions of each instruction: end line, column, end column (-1 when unknown). */
  readonly endLines: Int32Array;
  readonly cols: Int32Array;
  readonly endCols: Int32Array;
  readonly exceptions: readonly ExceptionEntry[];
  /** Number of fast locals plus cells plus free variables (co_nlocalsplus). */
  readonly nlocalsplus: number;
  /** co_nlocals: the CO_FAST_LOCAL names. */
  readonly nlocals: number;
  readonly ncells: number;
  readonly nfrees: number;
  /** Index in localsplus of the first free variable. */
  readonly freeStart: number;
  readonly localsplusnames: readonly string[];
  readonly localspluskinds: readonly number[];
}

const cache = new WeakMap<CodeObject, DecodedCode>();

export function decode(co: CodeObject): DecodedCode {
  let d = cache.get(co);
  if (d === undefined) {
    d = decodeUncached(co);
    cache.set(co, d);
  }
  return d;
}

function decodeUncached(co: CodeObject): DecodedCode {
  const bytes = co.code;
  const nunits = bytes.length >> 1;
  const ops: number[] = [];
  const args: number[] = [];
  const unitOf: number[] = [];
  const indexOfUnit = new Int32Array(nunits + 1);
  let ext = 0;
  let extStart = -1;
  for (let unit = 0; unit < nunits;) {
    const op = bytes[2 * unit] as number;
    const arg = bytes[2 * unit + 1] as number;
    if (op === Op.EXTENDED_ARG) {
      if (extStart < 0) extStart = unit;
      ext = (ext << 8) | arg;
      unit += 1;
      continue;
    }
    const index = ops.length;
    const full = (ext << 8) | arg;
    ops.push(op);
    args.push(op === Op.CACHE ? 0 : full);
    unitOf.push(unit);
    const first = extStart >= 0 ? extStart : unit;
    const caches = CACHE_ENTRIES[op] ?? 0;
    for (let u = first; u <= unit + caches && u < nunits; u++) indexOfUnit[u] = index;
    ext = 0;
    extStart = -1;
    unit += 1 + caches;
  }
  indexOfUnit[nunits] = ops.length;
  const n = ops.length;
  const opsArr = Uint8Array.from(ops);
  const argsArr = Int32Array.from(args);
  const unitArr = Int32Array.from(unitOf);
  // Jumps: relative to the unit after the instruction (3.11's jumps carry no caches).
  for (let i = 0; i < n; i++) {
    const op = opsArr[i] as number;
    if (!HAS_JREL.has(op)) continue;
    const after = (unitArr[i] as number) + 1 + (CACHE_ENTRIES[op] ?? 0);
    const backward =
      op === Op.JUMP_BACKWARD ||
      op === Op.JUMP_BACKWARD_NO_INTERRUPT ||
      op === Op.POP_JUMP_BACKWARD_IF_FALSE ||
      op === Op.POP_JUMP_BACKWARD_IF_TRUE ||
      op === Op.POP_JUMP_BACKWARD_IF_NONE ||
      op === Op.POP_JUMP_BACKWARD_IF_NOT_NONE;
    const targetUnit = backward ? after - (argsArr[i] as number) : after + (argsArr[i] as number);
    argsArr[i] = targetUnit >= nunits ? n : (indexOfUnit[targetUnit] as number);
  }
  const positions = decodePositions(co, nunits);
  const lines = new Int32Array(n);
  const endLines = new Int32Array(n);
  const cols = new Int32Array(n);
  const endCols = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = unitArr[i] as number;
    // A function's RESUME carries the def line, but no line starts there: CPython's first
    // line event in a call is the body's first line.
    lines[i] = opsArr[i] === Op.RESUME && argsArr[i] === 0 ? -1 : (positions.line[u] as number);
    endLines[i] = positions.endLine[u] as number;
    cols[i] = positions.col[u] as number;
    endCols[i] = positions.endCol[u] as number;
  }
  const exceptions = decodeExceptionTable(co.exceptiontable).map((e) => ({
    start: indexOfUnit[Math.min(e.start, nunits)] as number,
    end: indexOfUnit[Math.min(e.end, nunits)] as number,
    target: indexOfUnit[Math.min(e.target, nunits)] as number,
    depth: e.depth,
    lasti: e.lasti,
  }));
  const kinds = co.localspluskinds;
  let nlocals = 0;
  let ncells = 0;
  let nfrees = 0;
  let freeStart = kinds.length;
  kinds.forEach((k, i) => {
    if (k & CO_FAST_LOCAL) nlocals += 1;
    if (k & CO_FAST_CELL) ncells += 1;
    if (k & CO_FAST_FREE) {
      nfrees += 1;
      if (i < freeStart) freeStart = i;
    }
  });
  return {
    co,
    ops: opsArr,
    args: argsArr,
    unitOf: unitArr,
    indexOfUnit,
    lines,
    endLines,
    cols,
    endCols,
    exceptions,
    nlocalsplus: kinds.length,
    nlocals,
    ncells,
    nfrees,
    freeStart,
    localsplusnames: co.localsplusnames,
    localspluskinds: co.localspluskinds,
  };
}

/** The exception table's entries, in code units (dis.py `_parse_exception_table`). */
export function decodeExceptionTable(
  table: Uint8Array,
): { start: number; end: number; target: number; depth: number; lasti: boolean }[] {
  const out: { start: number; end: number; target: number; depth: number; lasti: boolean }[] = [];
  let i = 0;
  const varint = (): number => {
    let b = table[i++] as number;
    let val = b & 63;
    while (b & 64) {
      val <<= 6;
      b = table[i++] as number;
      val |= b & 63;
    }
    return val;
  };
  while (i < table.length) {
    const start = varint();
    const length = varint();
    const target = varint();
    const dl = varint();
    out.push({ start, end: start + length, target, depth: dl >> 1, lasti: (dl & 1) === 1 });
  }
  return out;
}

/** Positions per code unit from the 3.11 location table (-1 where unknown). */
export function decodePositions(
  co: CodeObject,
  nunits: number,
): { line: Int32Array; endLine: Int32Array; col: Int32Array; endCol: Int32Array } {
  const line = new Int32Array(nunits).fill(-1);
  const endLine = new Int32Array(nunits).fill(-1);
  const col = new Int32Array(nunits).fill(-1);
  const endCol = new Int32Array(nunits).fill(-1);
  const t = co.linetable;
  let i = 0;
  let unit = 0;
  let cur = co.firstlineno;
  const varint = (): number => {
    let b = t[i++] as number;
    let val = b & 63;
    let shift = 0;
    while (b & 64) {
      b = t[i++] as number;
      shift += 6;
      val |= (b & 63) << shift;
    }
    return val;
  };
  const svarint = (): number => {
    const u = varint();
    return u & 1 ? -(u >> 1) : u >> 1;
  };
  while (i < t.length) {
    const first = t[i++] as number;
    const code = (first >> 3) & 15;
    const length = (first & 7) + 1;
    let l = -1;
    let el = -1;
    let c = -1;
    let ec = -1;
    if (code === 15) {
      // no location
    } else if (code === 14) {
      cur += svarint();
      l = cur;
      el = cur + varint();
      c = varint() - 1;
      ec = varint() - 1;
    } else if (code === 13) {
      cur += svarint();
      l = cur;
      el = cur;
    } else if (code >= 10) {
      cur += code - 10;
      l = cur;
      el = cur;
      c = t[i++] as number;
      ec = t[i++] as number;
    } else {
      const second = t[i++] as number;
      l = cur;
      el = cur;
      c = (code << 3) | (second >> 4);
      ec = c + (second & 15);
    }
    for (let k = 0; k < length && unit < nunits; k++, unit++) {
      line[unit] = l;
      endLine[unit] = el;
      col[unit] = c;
      endCol[unit] = ec;
    }
  }
  return { line, endLine, col, endCol };
}
