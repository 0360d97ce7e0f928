/*
 * The disassembler: what `python3.11 -m dis FILE` prints (Lib/dis.py 3.11)
 * ========================================================================
 * One listing per code object, the module first and then every nested code object in
 * the order of `co_consts`, depth first, each introduced by
 * `Disassembly of <code object NAME at 0x..., file "FILE", line N>:`.
 * Each instruction line has dis.py's columns: the line number where a new source line
 * starts (from the location table, `co_lines`), `>>` on jump targets and exception
 * handlers, the offset, the opcode name, the argument and its meaning (constant reprs,
 * names, `NULL + name` for LOAD_GLOBAL, `to N` for jumps, comparison and binary
 * operator symbols, FORMAT_VALUE conversions, MAKE_FUNCTION flags). CACHE entries are
 * skipped, as `dis` does by default. The exception table follows each listing.
 *
 * CPython prints the address of each code object; here the address is a deterministic
 * number per code object (tests compare listings with addresses masked). A frozenset
 * constant is printed in the order CPython's set would iterate it with
 * PYTHONHASHSEED=0 (`setOrder`), since that order follows the items' hashes.
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- a port of CPython's C: indices
   and links are in range by construction, as there; a miss is a compiler defect */
import type { CodeObject, Constant } from './code.js';
import {
  CACHE_ENTRIES,
  CMP_OP,
  HAS_COMPARE,
  HAS_CONST,
  HAS_FREE,
  HAS_JREL,
  HAS_LOCAL,
  HAS_NAME,
  HAVE_ARGUMENT,
  NB_OPS,
  OPNAME,
  Op,
} from './opcodes.js';
import { constRepr } from './constops.js';
import { setOrder } from './pyhash.js';

/** A source position as `co_positions()` yields it (null where unknown). */
export interface Position {
  readonly lineno: number | null;
  readonly end_lineno: number | null;
  readonly col_offset: number | null;
  readonly end_col_offset: number | null;
}

/** The decoded location table: one range of code (in bytes) per entry, with its position. */
export function coLocations(co: CodeObject): { start: number; end: number; pos: Position }[] {
  const b = co.linetable;
  const out: { start: number; end: number; pos: Position }[] = [];
  let i = 0;
  let line = co.firstlineno;
  let offset = 0;
  const varint = (): number => {
    let shift = 0;
    let r = 0;
    for (;;) {
      const x = b[i++]!;
      r |= (x & 63) << shift;
      shift += 6;
      if (!(x & 64)) break;
    }
    return r;
  };
  const svarint = (): number => {
    const v = varint();
    return v & 1 ? -(v >> 1) : v >> 1;
  };
  const none: Position = { lineno: null, end_lineno: null, col_offset: null, end_col_offset: null };
  while (i < b.length) {
    const first = b[i++]!;
    const code = (first >> 3) & 15;
    const len = (first & 7) + 1;
    let pos: Position;
    if (code === 15) {
      pos = none;
    } else if (code === 14) {
      line += svarint();
      const endLine = line + varint();
      const col = varint() - 1;
      const endCol = varint() - 1;
      pos = {
        lineno: line,
        end_lineno: endLine,
        col_offset: col < 0 ? null : col,
        end_col_offset: endCol < 0 ? null : endCol,
      };
    } else if (code === 13) {
      line += svarint();
      pos = { lineno: line, end_lineno: line, col_offset: null, end_col_offset: null };
    } else if (code >= 10) {
      line += code - 10;
      pos = { lineno: line, end_lineno: line, col_offset: b[i]!, end_col_offset: b[i + 1]! };
      i += 2;
    } else {
      const second = b[i++]!;
      const col = code * 8 + (second >> 4);
      pos = { lineno: line, end_lineno: line, col_offset: col, end_col_offset: col + (second & 15) };
    }
    out.push({ start: offset * 2, end: (offset + len) * 2, pos });
    offset += len;
  }
  return out;
}

/** `co_lines()`: (start, end, line) per location-table entry, line null where unknown. */
export function coLines(co: CodeObject): { start: number; end: number; line: number | null }[] {
  return coLocations(co).map(({ start, end, pos }) => ({ start, end, line: pos.lineno }));
}

/** `co_positions()`: the position of each code unit (CACHE entries included). */
export function coPositions(co: CodeObject): Position[] {
  const out: Position[] = [];
  for (const { start, end, pos } of coLocations(co)) for (let k = start; k < end; k += 2) out.push(pos);
  return out;
}

function findLinestarts(co: CodeObject): Map<number, number> {
  const starts = new Map<number, number>();
  let lastline: number | null = null;
  for (const { start, line } of coLines(co)) {
    if (line !== null && line !== lastline) {
      lastline = line;
      starts.set(start, line);
    }
  }
  return starts;
}

interface RawInstr {
  offset: number;
  op: number;
  arg: number | null;
}

function unpackOpargs(code: Uint8Array): RawInstr[] {
  const out: RawInstr[] = [];
  let extended = 0;
  let caches = 0;
  for (let i = 0; i < code.length; i += 2) {
    if (caches) {
      caches--;
      continue;
    }
    const op = code[i]!;
    caches = CACHE_ENTRIES[op] ?? 0;
    let arg: number | null = null;
    if (op >= HAVE_ARGUMENT) {
      arg = code[i + 1]! | extended;
      extended = op === Op.EXTENDED_ARG ? arg << 8 : 0;
    } else {
      extended = 0;
    }
    out.push({ offset: i, op, arg });
  }
  return out;
}

const isBackwardJump = (op: number): boolean => OPNAME[op]!.includes('JUMP_BACKWARD');

/** The exception table's entries, in bytes (dis.py `_parse_exception_table`). */
export function parseExceptionTable(
  co: CodeObject,
): { start: number; end: number; target: number; depth: number; lasti: boolean }[] {
  const b = co.exceptiontable;
  let i = 0;
  const varint = (): number => {
    let x = b[i++]!;
    let val = x & 63;
    while (x & 64) {
      val <<= 6;
      x = b[i++]!;
      val |= x & 63;
    }
    return val;
  };
  const entries = [];
  while (i < b.length) {
    const start = varint() * 2;
    const length = varint() * 2;
    const target = varint() * 2;
    const dl = varint();
    entries.push({ start, end: start + length, target, depth: dl >> 1, lasti: (dl & 1) !== 0 });
  }
  return entries;
}

const FORMAT_VALUE_CONVERTERS = ['', 'str', 'repr', 'ascii'];
const MAKE_FUNCTION_FLAGS = ['defaults', 'kwdefaults', 'annotations', 'closure'];

/** Deterministic stand-ins for the addresses CPython prints. */
class Addresses {
  private readonly map = new Map<CodeObject, string>();
  get(co: CodeObject): string {
    let a = this.map.get(co);
    if (a === undefined) {
      a = '0x' + (0x7f0000000000 + (this.map.size + 1) * 0x100).toString(16);
      this.map.set(co, a);
    }
    return a;
  }
}

function codeRepr(co: CodeObject, addrs: Addresses): string {
  return `<code object ${co.name} at ${addrs.get(co)}, file "${co.filename}", line ${co.firstlineno}>`;
}

function reprConst(c: Constant, addrs: Addresses): string {
  const ordered = (x: Constant): Constant => {
    if (x.k === 'frozenset') return { k: 'frozenset', items: setOrder(x.items.map(ordered)) };
    if (x.k === 'tuple') return { k: 'tuple', items: x.items.map(ordered) };
    return x;
  };
  return constRepr(ordered(c), (co) => codeRepr(co, addrs));
}

function disassembleOne(co: CodeObject, addrs: Addresses, out: string[]): void {
  const linestarts = findLinestarts(co);
  const entries = parseExceptionTable(co);
  const instrs = unpackOpargs(co.code);
  const labels = new Set<number>();
  for (const { offset, op, arg } of instrs) {
    if (arg !== null && HAS_JREL.has(op)) labels.add(offset + 2 + (isBackwardJump(op) ? -arg : arg) * 2);
  }
  for (const e of entries) if (e.end > e.start) labels.add(e.target);
  const showLineno = linestarts.size > 0;
  let linenoWidth = 0;
  if (showLineno) {
    const maxlineno = Math.max(...linestarts.values());
    linenoWidth = maxlineno >= 1000 ? String(maxlineno).length : 3;
  }
  const maxoffset = co.code.length - 2;
  const offsetWidth = maxoffset >= 10000 ? String(maxoffset).length : 4;
  for (const { offset, op, arg } of instrs) {
    const startsLine = linestarts.get(offset);
    if (showLineno && startsLine !== undefined && offset > 0) out.push('');
    let argrepr = '';
    if (arg !== null) {
      if (HAS_CONST.has(op)) {
        if (op === Op.LOAD_CONST) argrepr = reprConst(co.consts[arg]!, addrs);
      } else if (HAS_NAME.has(op)) {
        if (op === Op.LOAD_GLOBAL) {
          argrepr = co.names[arg >> 1] ?? '';
          if (arg & 1 && argrepr) argrepr = 'NULL + ' + argrepr;
        } else {
          argrepr = co.names[arg] ?? '';
        }
      } else if (HAS_JREL.has(op)) {
        argrepr = 'to ' + String(offset + 2 + (isBackwardJump(op) ? -arg : arg) * 2);
      } else if (HAS_LOCAL.has(op) || HAS_FREE.has(op)) {
        argrepr = co.localsplusnames[arg] ?? '';
      } else if (HAS_COMPARE.has(op)) {
        argrepr = CMP_OP[arg] ?? '';
      } else if (op === Op.FORMAT_VALUE) {
        argrepr = FORMAT_VALUE_CONVERTERS[arg & 3]!;
        if (arg & 4) argrepr += (argrepr ? ', ' : '') + 'with format';
      } else if (op === Op.MAKE_FUNCTION) {
        argrepr = MAKE_FUNCTION_FLAGS.filter((_, i) => arg & (1 << i)).join(', ');
      } else if (op === Op.BINARY_OP) {
        argrepr = NB_OPS[arg]?.[1] ?? '';
      }
    }
    const fields: string[] = [];
    if (linenoWidth)
      fields.push(startsLine !== undefined ? String(startsLine).padStart(linenoWidth) : ' '.repeat(linenoWidth));
    fields.push('   ');
    fields.push(labels.has(offset) ? '>>' : '  ');
    fields.push(String(offset).padStart(offsetWidth));
    fields.push(OPNAME[op]!.padEnd(20));
    if (arg !== null) {
      fields.push(String(arg).padStart(5));
      if (argrepr) fields.push('(' + argrepr + ')');
    }
    out.push(fields.join(' ').trimEnd());
  }
  if (entries.length) {
    out.push('ExceptionTable:');
    for (const e of entries) {
      out.push(`  ${e.start} to ${e.end - 2} -> ${e.target} [${e.depth}]${e.lasti ? ' lasti' : ''}`);
    }
  }
}

function disassembleRecursive(co: CodeObject, addrs: Addresses, out: string[]): void {
  disassembleOne(co, addrs, out);
  for (const c of co.consts) {
    if (c.k === 'code') {
      out.push('');
      out.push(`Disassembly of ${codeRepr(c.code, addrs)}:`);
      disassembleRecursive(c.code, addrs, out);
    }
  }
}

/** `python3.11 -m dis` of a module's code object: the text it prints, newline-terminated. */
export function disassemble(co: CodeObject): string {
  const out: string[] = [];
  disassembleRecursive(co, new Addresses(), out);
  return out.join('\n') + '\n';
}
