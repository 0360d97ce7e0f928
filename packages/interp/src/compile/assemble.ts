/*
 * The CFG optimizer and the assembler (Python/compile.c 3.11, from `assemble()` on)
 * ================================================================================
 * Turns one compilation unit's graph of basic blocks into a code object, in CPython's
 * order:
 *   1. mark exit blocks, inline small exit blocks without line numbers at the end of
 *      jumps (`extend_block`), insert the prefix (COPY_FREE_VARS, MAKE_CELL,
 *      RETURN_GENERATOR + POP_TOP) and renumber cell/free variable operands;
 *   2. `optimize_cfg`: per block, constant conditions, jump threading, tuple folding
 *      (`LOAD_CONST...; BUILD_TUPLE` → one tuple constant), SWAP optimization
 *      (`swaptimize`, `apply_static_swaps`), `PUSH_NULL; LOAD_GLOBAL` merging; NOP removal
 *      that keeps one instruction per line; reachability; removal of dead blocks and of
 *      jumps to the next block;
 *   3. duplicate exit blocks without line numbers so each has one predecessor, trim
 *      trailing unused constants, propagate line numbers, compute the stack depth;
 *   4. exception table: walk the graph with a stack of handlers (SETUP_* push, POP_BLOCK
 *      pops), record each instruction's handler, then turn the pseudo-instructions into
 *      NOPs and drop the NOPs that carry no line;
 *   5. resolve jump directions (FORWARD/BACKWARD), compute offsets with EXTENDED_ARG to a
 *      fixed point, emit co_code with its CACHE entries, the 3.11 location table
 *      (Objects/locations.md) and the exception table (Objects/exception_handling_notes.txt).
 */
/* eslint-disable @typescript-eslint/no-non-null-assertion -- a port of CPython's C: indices
   and links are in range by construction, as there; a miss is a compiler defect */
import type { Block } from './cfg.js';
import {
  copyInstr,
  type ExceptStack,
  type Instr,
  instrSize,
  isBlockPush,
  isJump,
  hasArg,
  JUMP,
  JUMP_NO_INTERRUPT,
  POP_BLOCK,
  POP_JUMP_IF_FALSE,
  POP_JUMP_IF_NONE,
  POP_JUMP_IF_NOT_NONE,
  POP_JUMP_IF_TRUE,
  SETUP_CLEANUP,
  SETUP_WITH,
  stackEffect,
} from './cfg.js';
import {
  CO_ASYNC_GENERATOR,
  CO_COROUTINE,
  CO_FAST_CELL,
  CO_FAST_FREE,
  CO_FAST_LOCAL,
  CO_GENERATOR,
  CO_NESTED,
  CO_NEWLOCALS,
  CO_OPTIMIZED,
  CO_VARARGS,
  CO_VARKEYWORDS,
  type CodeObject,
  type Constant,
} from './code.js';
import { CACHE_ENTRIES, Op } from './opcodes.js';
import { isTrue } from './constops.js';
import type { SymtableEntry } from './symtable.js';

const CO_MAXBLOCKS = 20;
const MAX_COPY_SIZE = 4;
/** PyCF_MASK: the future flags that code objects inherit. */
const PYCF_MASK = 0x20000 | 0x40000 | 0x80000 | 0x100000 | 0x200000 | 0x400000 | 0x800000 | 0x1000000;

/** What the assembler reads from a compilation unit. */
export interface AssemblerUnit {
  readonly ste: SymtableEntry;
  readonly name: string;
  readonly qualname: string | null;
  readonly blocks: Block[];
  readonly consts: Constant[];
  readonly names: Map<string, number>;
  readonly varnames: Map<string, number>;
  readonly cellvars: Map<string, number>;
  readonly freevars: Map<string, number>;
  firstlineno: number;
  readonly argcount: number;
  readonly posonlyargcount: number;
  readonly kwonlyargcount: number;
  newBlock(): Block;
}

export interface AssemblerContext {
  readonly filename: string;
  readonly flags: number;
  /** merge_const_one: the canonical object for a constant (non-recursive). */
  mergeConstOne(c: Constant): Constant;
}

/* ------------------------------------------------------------------ block passes */

function normalizeBasicBlock(bb: Block): void {
  const n = bb.instrs.length;
  for (let i = 0; i < n; i++) {
    const ins = bb.instrs[i]!;
    switch (ins.op) {
      case Op.RETURN_VALUE:
      case Op.RAISE_VARARGS:
      case Op.RERAISE:
        bb.exit = true;
        bb.nofallthrough = true;
        break;
      case JUMP:
      case JUMP_NO_INTERRUPT:
      case POP_JUMP_IF_NOT_NONE:
      case POP_JUMP_IF_NONE:
      case POP_JUMP_IF_FALSE:
      case POP_JUMP_IF_TRUE:
      case Op.JUMP_IF_FALSE_OR_POP:
      case Op.JUMP_IF_TRUE_OR_POP:
      case Op.FOR_ITER:
        if (ins.op === JUMP || ins.op === JUMP_NO_INTERRUPT) bb.nofallthrough = true;
        if (i !== n - 1) throw new Error('malformed control flow graph.');
        while (ins.target!.instrs.length === 0) ins.target = ins.target!.next;
    }
  }
}

const basicblockHasLineno = (bb: Block): boolean => bb.instrs.some((i) => i.lineno > 0);

function extendBlock(bb: Block): void {
  const n = bb.instrs.length;
  if (n === 0) return;
  const last = bb.instrs[n - 1]!;
  if (last.op !== JUMP && last.op !== Op.JUMP_FORWARD && last.op !== Op.JUMP_BACKWARD) return;
  const toCopy = last.target!;
  if (toCopy.exit && toCopy.instrs.length <= MAX_COPY_SIZE) {
    if (basicblockHasLineno(toCopy)) return;
    last.op = Op.NOP;
    for (const ins of toCopy.instrs) bb.instrs.push(copyInstr(ins));
    bb.exit = true;
  }
}

function copyLoc(from: Instr, to: Instr): void {
  to.lineno = from.lineno;
  to.col_offset = from.col_offset;
  to.end_lineno = from.end_lineno;
  to.end_col_offset = from.end_col_offset;
}

export function cleanBasicBlock(bb: Block): void {
  const instrs = bb.instrs;
  let dest = 0;
  let prevLineno = -1;
  const n = instrs.length;
  for (let src = 0; src < n; src++) {
    const ins = instrs[src]!;
    const lineno = ins.lineno;
    if (ins.op === Op.NOP) {
      if (lineno < 0) continue;
      if (prevLineno === lineno) continue;
      if (src < n - 1) {
        const nextLineno = instrs[src + 1]!.lineno;
        if (nextLineno === lineno) continue;
        if (nextLineno < 0) {
          copyLoc(ins, instrs[src + 1]!);
          continue;
        }
      } else {
        let next = bb.next;
        while (next !== null && next.instrs.length === 0) next = next.next;
        if (next !== null && lineno === next.instrs[0]!.lineno) continue;
      }
    }
    if (dest !== src) instrs[dest] = ins;
    dest++;
    prevLineno = lineno;
  }
  instrs.length = dest;
}

/* ------------------------------------------------------------------ optimize_basic_block */

function getConstValue(op: number, oparg: number, consts: Constant[]): Constant {
  if (op === Op.LOAD_CONST) {
    const c = consts[oparg];
    if (c !== undefined) return c;
  }
  throw new Error('Internal error: failed to get value of a constant');
}

function foldTupleOnConstants(
  ctx: AssemblerContext,
  instrs: Instr[],
  start: number,
  n: number,
  consts: Constant[],
): void {
  for (let i = 0; i < n; i++) {
    const op = instrs[start + i]!.op;
    if (op !== Op.LOAD_CONST && op !== Op.KW_NAMES) return;
  }
  const items: Constant[] = [];
  for (let i = 0; i < n; i++) {
    const ins = instrs[start + i]!;
    items.push(getConstValue(ins.op, ins.arg, consts));
  }
  const newconst = ctx.mergeConstOne({ k: 'tuple', items });
  let index = consts.indexOf(newconst);
  if (index === -1) {
    index = consts.length;
    consts.push(newconst);
  }
  for (let i = 0; i < n; i++) instrs[start + i]!.op = Op.NOP;
  const build = instrs[start + n]!;
  build.op = Op.LOAD_CONST;
  build.arg = index;
}

const VISITED = -1;

/** Replace a run of SWAPs and NOPs with an optimal one; returns the new index. */
function swaptimize(block: Block, ix: number): number {
  const instrs = block.instrs;
  let depth = instrs[ix]!.arg;
  let len = 0;
  let more = false;
  const limit = instrs.length - ix;
  while (++len < limit) {
    const op = instrs[ix + len]!.op;
    if (op === Op.SWAP) {
      depth = Math.max(depth, instrs[ix + len]!.arg);
      more = true;
    } else if (op !== Op.NOP) {
      break;
    }
  }
  if (!more) return ix;
  const stack: number[] = [];
  for (let i = 0; i < depth; i++) stack.push(i);
  for (let i = 0; i < len; i++) {
    const ins = instrs[ix + i]!;
    if (ins.op === Op.SWAP) {
      const oparg = ins.arg;
      const top = stack[0]!;
      stack[0] = stack[oparg - 1]!;
      stack[oparg - 1] = top;
    }
  }
  let current = len - 1;
  for (let i = 0; i < depth; i++) {
    if (stack[i] === VISITED || stack[i] === i) continue;
    let j = i;
    for (;;) {
      if (j) {
        const ins = instrs[ix + current--]!;
        ins.op = Op.SWAP;
        ins.arg = j + 1;
      }
      if (stack[j] === VISITED) break;
      const nextJ = stack[j]!;
      stack[j] = VISITED;
      j = nextJ;
    }
  }
  while (current >= 0) instrs[ix + current--]!.op = Op.NOP;
  return ix + len - 1;
}

const swappable = (op: number): boolean => op === Op.STORE_FAST || op === Op.POP_TOP;
const storesTo = (i: Instr): number => (i.op === Op.STORE_FAST ? i.arg : -1);

function nextSwappableInstruction(block: Block, i: number, lineno: number): number {
  const instrs = block.instrs;
  while (++i < instrs.length) {
    const ins = instrs[i]!;
    if (lineno >= 0 && ins.lineno !== lineno) return -1;
    if (ins.op === Op.NOP) continue;
    if (swappable(ins.op)) return i;
    return -1;
  }
  return -1;
}

function applyStaticSwaps(block: Block, i: number): void {
  const instrs = block.instrs;
  for (; i >= 0; i--) {
    const swap = instrs[i]!;
    if (swap.op !== Op.SWAP) {
      if (swap.op === Op.NOP || swappable(swap.op)) continue;
      return;
    }
    const j = nextSwappableInstruction(block, i, -1);
    if (j < 0) return;
    let k = j;
    const lineno = instrs[j]!.lineno;
    for (let count = swap.arg - 1; count > 0; count--) {
      k = nextSwappableInstruction(block, k, lineno);
      if (k < 0) return;
    }
    const storeJ = storesTo(instrs[j]!);
    const storeK = storesTo(instrs[k]!);
    if (storeJ >= 0 || storeK >= 0) {
      if (storeJ === storeK) return;
      for (let idx = j + 1; idx < k; idx++) {
        const s = storesTo(instrs[idx]!);
        if (s >= 0 && (s === storeJ || s === storeK)) return;
      }
    }
    swap.op = Op.NOP;
    const temp = instrs[j]!;
    instrs[j] = instrs[k]!;
    instrs[k] = temp;
  }
}

function jumpThread(inst: Instr, target: Instr, opcode: number): boolean {
  if (inst.lineno === target.lineno && inst.target !== target.target) {
    inst.target = target.target;
    inst.op = opcode;
    return true;
  }
  return false;
}

const NOP_INSTR: Instr = {
  op: Op.NOP,
  arg: 0,
  target: null,
  except: null,
  lineno: -1,
  end_lineno: -1,
  col_offset: -1,
  end_col_offset: -1,
};

function optimizeBasicBlock(ctx: AssemblerContext, bb: Block, consts: Constant[]): void {
  const instrs = bb.instrs;
  for (let i = 0; i < instrs.length; i++) {
    const inst = instrs[i]!;
    const oparg = inst.arg;
    const nextop = i + 1 < instrs.length ? instrs[i + 1]!.op : 0;
    let target: Instr;
    if (isJump(inst) || isBlockPush(inst)) {
      while (inst.target!.instrs.length === 0) inst.target = inst.target!.next;
      target = inst.target!.instrs[0]!;
    } else {
      target = NOP_INSTR;
    }
    switch (inst.op) {
      case Op.LOAD_CONST:
        switch (nextop) {
          case POP_JUMP_IF_FALSE:
          case POP_JUMP_IF_TRUE: {
            const isT = isTrue(getConstValue(inst.op, oparg, consts));
            inst.op = Op.NOP;
            const jumpIfTrue = nextop === POP_JUMP_IF_TRUE;
            if (isT === jumpIfTrue) {
              instrs[i + 1]!.op = JUMP;
              bb.nofallthrough = true;
            } else {
              instrs[i + 1]!.op = Op.NOP;
            }
            break;
          }
          case Op.JUMP_IF_FALSE_OR_POP:
          case Op.JUMP_IF_TRUE_OR_POP: {
            const isT = isTrue(getConstValue(inst.op, oparg, consts));
            const jumpIfTrue = nextop === Op.JUMP_IF_TRUE_OR_POP;
            if (isT === jumpIfTrue) {
              instrs[i + 1]!.op = JUMP;
              bb.nofallthrough = true;
            } else {
              inst.op = Op.NOP;
              instrs[i + 1]!.op = Op.NOP;
            }
            break;
          }
          case Op.IS_OP: {
            const cnt = getConstValue(inst.op, oparg, consts);
            const jumpOp = i + 2 < instrs.length ? instrs[i + 2]!.op : 0;
            if (cnt.k === 'None' && (jumpOp === POP_JUMP_IF_FALSE || jumpOp === POP_JUMP_IF_TRUE)) {
              const nextarg = instrs[i + 1]!.arg & 0xff;
              inst.op = Op.NOP;
              instrs[i + 1]!.op = Op.NOP;
              instrs[i + 2]!.op =
                (nextarg ^ (jumpOp === POP_JUMP_IF_FALSE ? 1 : 0)) !== 0 ? POP_JUMP_IF_NOT_NONE : POP_JUMP_IF_NONE;
            }
            break;
          }
        }
        break;
      case Op.BUILD_TUPLE:
        if (nextop === Op.UNPACK_SEQUENCE && oparg === instrs[i + 1]!.arg) {
          if (oparg === 1) {
            inst.op = Op.NOP;
            instrs[i + 1]!.op = Op.NOP;
            continue;
          }
          if (oparg === 2 || oparg === 3) {
            inst.op = Op.NOP;
            instrs[i + 1]!.op = Op.SWAP;
            continue;
          }
        }
        if (i >= oparg) foldTupleOnConstants(ctx, instrs, i - oparg, oparg, consts);
        break;
      case Op.JUMP_IF_FALSE_OR_POP:
        switch (target.op) {
          case POP_JUMP_IF_FALSE:
            if (jumpThread(inst, target, POP_JUMP_IF_FALSE)) i--;
            break;
          case JUMP:
          case Op.JUMP_IF_FALSE_OR_POP:
            if (jumpThread(inst, target, Op.JUMP_IF_FALSE_OR_POP)) i--;
            break;
          case Op.JUMP_IF_TRUE_OR_POP:
          case POP_JUMP_IF_TRUE:
            if (inst.lineno === target.lineno) {
              inst.op = POP_JUMP_IF_FALSE;
              inst.target = inst.target!.next;
              i--;
            }
            break;
        }
        break;
      case Op.JUMP_IF_TRUE_OR_POP:
        switch (target.op) {
          case POP_JUMP_IF_TRUE:
            if (jumpThread(inst, target, POP_JUMP_IF_TRUE)) i--;
            break;
          case JUMP:
          case Op.JUMP_IF_TRUE_OR_POP:
            if (jumpThread(inst, target, Op.JUMP_IF_TRUE_OR_POP)) i--;
            break;
          case Op.JUMP_IF_FALSE_OR_POP:
          case POP_JUMP_IF_FALSE:
            if (inst.lineno === target.lineno) {
              inst.op = POP_JUMP_IF_TRUE;
              inst.target = inst.target!.next;
              i--;
            }
            break;
        }
        break;
      case POP_JUMP_IF_NOT_NONE:
      case POP_JUMP_IF_NONE:
        if (target.op === JUMP && jumpThread(inst, target, inst.op)) i--;
        break;
      case POP_JUMP_IF_FALSE:
        if (target.op === JUMP && jumpThread(inst, target, POP_JUMP_IF_FALSE)) i--;
        break;
      case POP_JUMP_IF_TRUE:
        if (target.op === JUMP && jumpThread(inst, target, POP_JUMP_IF_TRUE)) i--;
        break;
      case JUMP:
        if (target.op === JUMP && jumpThread(inst, target, JUMP)) i--;
        break;
      case Op.SWAP:
        if (oparg === 1) {
          inst.op = Op.NOP;
          break;
        }
        i = swaptimize(bb, i);
        applyStaticSwaps(bb, i);
        break;
      case Op.PUSH_NULL:
        // CPython tests the opcode's low bit here (always 0 for LOAD_GLOBAL, 116).
        if (nextop === Op.LOAD_GLOBAL && (instrs[i + 1]!.op & 1) === 0) {
          inst.op = Op.NOP;
          inst.arg = 0;
          instrs[i + 1]!.arg |= 1;
        }
        break;
    }
  }
}

function markReachable(entry: Block): void {
  const stack: Block[] = [entry];
  entry.predecessors = 1;
  while (stack.length) {
    const b = stack.pop()!;
    if (b.next !== null && !b.nofallthrough) {
      if (b.next.predecessors === 0) stack.push(b.next);
      b.next.predecessors++;
    }
    for (const ins of b.instrs) {
      if (isJump(ins) || isBlockPush(ins)) {
        const target = ins.target!;
        if (target.predecessors === 0) stack.push(target);
        target.predecessors++;
      }
    }
  }
}

function eliminateEmptyBasicBlocks(entry: Block): void {
  for (let b: Block | null = entry; b !== null; b = b.next) {
    let next: Block | null = b.next;
    if (next !== null) {
      while (next.instrs.length === 0 && next.next !== null) next = next.next;
      b.next = next;
    }
  }
  for (let b: Block | null = entry; b !== null; b = b.next) {
    const n = b.instrs.length;
    if (n === 0) continue;
    const last = b.instrs[n - 1]!;
    if (isJump(last)) {
      let target = last.target!;
      while (target.instrs.length === 0) target = target.next!;
      last.target = target;
    }
  }
}

function optimizeCfg(ctx: AssemblerContext, u: AssemblerUnit, entry: Block, consts: Constant[]): void {
  for (let b: Block | null = entry; b !== null; b = b.next) {
    optimizeBasicBlock(ctx, b, consts);
    cleanBasicBlock(b);
  }
  for (let i = u.blocks.length - 1; i >= 0; i--) extendBlock(u.blocks[i]!);
  markReachable(entry);
  for (let b: Block | null = entry; b !== null; b = b.next) {
    if (b.predecessors === 0) {
      b.instrs.length = 0;
      b.nofallthrough = false;
    }
  }
  eliminateEmptyBasicBlocks(entry);
  for (let b: Block | null = entry; b !== null; b = b.next) cleanBasicBlock(b);
  let maybeEmptyBlocks = false;
  for (let b: Block | null = entry; b !== null; b = b.next) {
    const n = b.instrs.length;
    if (n > 0) {
      const last: Instr = b.instrs[n - 1]!;
      if ((last.op === JUMP || last.op === JUMP_NO_INTERRUPT) && last.target === b.next) {
        b.nofallthrough = false;
        last.op = Op.NOP;
        maybeEmptyBlocks = true;
      }
    }
  }
  if (maybeEmptyBlocks) eliminateEmptyBasicBlocks(entry);
}

function trimUnusedConsts(entry: Block, consts: Constant[]): void {
  let maxConstIndex = 0;
  for (let b: Block | null = entry; b !== null; b = b.next) {
    for (const ins of b.instrs) {
      if ((ins.op === Op.LOAD_CONST || ins.op === Op.KW_NAMES) && ins.arg > maxConstIndex) maxConstIndex = ins.arg;
    }
  }
  if (maxConstIndex + 1 < consts.length) consts.length = maxConstIndex + 1;
}

const isExitWithoutLineno = (b: Block): boolean => b.exit && b.instrs.every((i) => i.lineno < 0);

function copyBlock(u: AssemblerUnit, block: Block): Block {
  const result = u.newBlock();
  for (const ins of block.instrs) result.instrs.push(copyInstr(ins));
  result.exit = block.exit;
  result.nofallthrough = true;
  return result;
}

function duplicateExitsWithoutLineno(u: AssemblerUnit): void {
  for (let i = u.blocks.length - 1; i >= 0; i--) {
    const b = u.blocks[i]!;
    const n = b.instrs.length;
    if (n > 0 && isJump(b.instrs[n - 1]!)) {
      const last = b.instrs[n - 1]!;
      const target = last.target!;
      if (isExitWithoutLineno(target) && target.predecessors > 1) {
        const newTarget = copyBlock(u, target);
        copyLoc(last, newTarget.instrs[0]!);
        last.target = newTarget;
        target.predecessors--;
        newTarget.predecessors = 1;
        newTarget.next = target.next;
        target.next = newTarget;
      }
    }
  }
  for (let i = u.blocks.length - 1; i >= 0; i--) {
    const b = u.blocks[i]!;
    while (b.next !== null && b.next.instrs.length === 0) b.next = b.next.next;
  }
  for (let i = u.blocks.length - 1; i >= 0; i--) {
    const b = u.blocks[i]!;
    if (!b.nofallthrough && b.next !== null && b.instrs.length > 0) {
      if (isExitWithoutLineno(b.next)) copyLoc(b.instrs[b.instrs.length - 1]!, b.next.instrs[0]!);
    }
  }
}

function propagateLineNumbers(entry: Block): void {
  for (let b: Block | null = entry; b !== null; b = b.next) {
    const n = b.instrs.length;
    if (n === 0) continue;
    const prev = { lineno: -1, col_offset: -1, end_lineno: -1, end_col_offset: -1 } as Instr;
    for (const ins of b.instrs) {
      if (ins.lineno < 0) copyLoc(prev, ins);
      else copyLoc(ins, prev);
    }
    if (!b.nofallthrough && b.next!.predecessors === 1) {
      if (b.next!.instrs[0]!.lineno < 0) copyLoc(prev, b.next!.instrs[0]!);
    }
    const last = b.instrs[n - 1]!;
    if (isJump(last)) {
      const target = last.target!;
      if (target.predecessors === 1 && target.instrs[0]!.lineno < 0) copyLoc(prev, target.instrs[0]!);
    }
  }
}

function guaranteeLinenoForExits(entry: Block, firstlineno: number): void {
  let lineno = firstlineno;
  for (let b: Block | null = entry; b !== null; b = b.next) {
    const n = b.instrs.length;
    if (n === 0) continue;
    const last = b.instrs[n - 1]!;
    if (last.lineno < 0) {
      if (last.op === Op.RETURN_VALUE) for (const ins of b.instrs) ins.lineno = lineno;
    } else {
      lineno = last.lineno;
    }
  }
}

function stackdepth(u: AssemblerUnit): number {
  for (const b of u.blocks) b.startdepth = -2147483648;
  const entry = u.blocks[0]!;
  const stack: Block[] = [];
  let maxdepth = 0;
  const push = (b: Block, depth: number): void => {
    if (b.startdepth < depth && b.startdepth < 100) {
      b.startdepth = depth;
      stack.push(b);
    }
  };
  push(entry, u.ste.generator || u.ste.coroutine ? 1 : 0);
  while (stack.length) {
    const b = stack.pop()!;
    let depth = b.startdepth;
    let next: Block | null = b.next;
    for (const ins of b.instrs) {
      const effect = stackEffect(ins.op, ins.arg, 0);
      const newDepth = depth + effect;
      if (newDepth > maxdepth) maxdepth = newDepth;
      if (isJump(ins) || isBlockPush(ins)) {
        const targetDepth = depth + stackEffect(ins.op, ins.arg, 1);
        if (targetDepth > maxdepth) maxdepth = targetDepth;
        push(ins.target!, targetDepth);
      }
      depth = newDepth;
      if (
        ins.op === JUMP_NO_INTERRUPT ||
        ins.op === JUMP ||
        ins.op === Op.RETURN_VALUE ||
        ins.op === Op.RAISE_VARARGS ||
        ins.op === Op.RERAISE
      ) {
        next = null;
        break;
      }
    }
    if (next !== null) push(next, depth);
  }
  return maxdepth;
}

/* ------------------------------------------------------------------ exception table */

const copyExceptStack = (s: ExceptStack): ExceptStack => ({ handlers: s.handlers.slice(), depth: s.depth });

function labelExceptionTargets(entry: Block): void {
  for (let b: Block | null = entry; b !== null; b = b.next) b.visited = false;
  const todo: Block[] = [entry];
  entry.visited = true;
  entry.exceptstack = { handlers: new Array<Block | null>(CO_MAXBLOCKS + 1).fill(null), depth: 0 };
  while (todo.length) {
    const b = todo.pop()!;
    if (b.exceptstack === null) throw new Error('block without an exception stack');
    let exceptStack: ExceptStack | null = b.exceptstack;
    b.exceptstack = null;
    let handler = exceptStack.handlers[exceptStack.depth] ?? null;
    for (let i = 0; i < b.instrs.length; i++) {
      const ins = b.instrs[i]!;
      if (isBlockPush(ins)) {
        const t = ins.target!;
        if (!t.visited) {
          t.exceptstack = copyExceptStack(exceptStack!);
          todo.push(t);
          t.visited = true;
        }
        if (ins.op === SETUP_WITH || ins.op === SETUP_CLEANUP) t.preserveLasti = true;
        exceptStack!.handlers[++exceptStack!.depth] = t;
        handler = t;
      } else if (ins.op === POP_BLOCK) {
        handler = exceptStack!.handlers[--exceptStack!.depth] ?? null;
      } else if (isJump(ins)) {
        ins.except = handler;
        const t = ins.target!;
        if (!t.visited) {
          if (!b.nofallthrough) {
            t.exceptstack = copyExceptStack(exceptStack!);
          } else {
            t.exceptstack = exceptStack;
            exceptStack = null;
          }
          todo.push(t);
          t.visited = true;
        }
      } else {
        ins.except = handler;
      }
    }
    if (!b.nofallthrough && !b.next!.visited) {
      b.next!.exceptstack = exceptStack;
      todo.push(b.next!);
      b.next!.visited = true;
    }
  }
}

function convertExceptionHandlersToNops(entry: Block): void {
  for (let b: Block | null = entry; b !== null; b = b.next) {
    for (const ins of b.instrs) if (isBlockPush(ins) || ins.op === POP_BLOCK) ins.op = Op.NOP;
  }
}

function normalizeJumps(entry: Block): void {
  for (let b: Block | null = entry; b !== null; b = b.next) b.visited = false;
  for (let b: Block | null = entry; b !== null; b = b.next) {
    b.visited = true;
    const n = b.instrs.length;
    if (n === 0) continue;
    const last = b.instrs[n - 1]!;
    if (!isJump(last)) continue;
    const fwd = !last.target!.visited;
    switch (last.op) {
      case JUMP:
        last.op = fwd ? Op.JUMP_FORWARD : Op.JUMP_BACKWARD;
        break;
      case JUMP_NO_INTERRUPT:
        last.op = fwd ? Op.JUMP_FORWARD : Op.JUMP_BACKWARD_NO_INTERRUPT;
        break;
      case POP_JUMP_IF_NOT_NONE:
        last.op = fwd ? Op.POP_JUMP_FORWARD_IF_NOT_NONE : Op.POP_JUMP_BACKWARD_IF_NOT_NONE;
        break;
      case POP_JUMP_IF_NONE:
        last.op = fwd ? Op.POP_JUMP_FORWARD_IF_NONE : Op.POP_JUMP_BACKWARD_IF_NONE;
        break;
      case POP_JUMP_IF_FALSE:
        last.op = fwd ? Op.POP_JUMP_FORWARD_IF_FALSE : Op.POP_JUMP_BACKWARD_IF_FALSE;
        break;
      case POP_JUMP_IF_TRUE:
        last.op = fwd ? Op.POP_JUMP_FORWARD_IF_TRUE : Op.POP_JUMP_BACKWARD_IF_TRUE;
        break;
      case Op.JUMP_IF_TRUE_OR_POP:
      case Op.JUMP_IF_FALSE_OR_POP:
        if (!fwd) throw new Error('unexpected JUMP_IF_*_OR_POP jumping backwards');
        break;
    }
  }
}

function assembleJumpOffsets(entry: Block, u: AssemblerUnit): void {
  let again: boolean;
  do {
    let totsize = 0;
    for (let b: Block | null = entry; b !== null; b = b.next) {
      b.offset = totsize;
      for (const ins of b.instrs) totsize += instrSize(ins);
    }
    again = false;
    for (let bi = u.blocks.length - 1; bi >= 0; bi--) {
      const b = u.blocks[bi]!;
      let bsize = b.offset;
      for (const ins of b.instrs) {
        const isize = instrSize(ins);
        bsize += isize;
        if (isJump(ins)) {
          const off = ins.target!.offset;
          ins.arg = off < bsize ? bsize - off : off - bsize;
          if (instrSize(ins) !== isize) again = true;
        }
      }
    }
  } while (again);
}

/* ------------------------------------------------------------------ byte writers */

class ByteWriter {
  bytes: number[] = [];
  push(b: number): void {
    this.bytes.push(b & 255);
  }
  varint(val: number): void {
    while (val >= 64) {
      this.push(64 | (val & 63));
      val >>>= 6;
    }
    this.push(val);
  }
  signedVarint(val: number): void {
    this.varint(val < 0 ? (-val << 1) | 1 : val << 1);
  }
  entryStart(code: number, length: number): void {
    this.push(128 | (code << 3) | (length - 1));
  }
  result(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const LOC_SHORT0 = 0;
const LOC_ONE_LINE0 = 10;
const LOC_NO_COLUMNS = 13;
const LOC_LONG = 14;
const LOC_NONE = 15;

class LocationWriter {
  readonly w = new ByteWriter();
  constructor(public lineno: number) {}

  entry(i: Instr, isize: number): void {
    const w = this.w;
    if (i.lineno < 0) {
      w.entryStart(LOC_NONE, isize);
      return;
    }
    const lineDelta = i.lineno - this.lineno;
    const column = i.col_offset;
    const endColumn = i.end_col_offset;
    if (column < 0 || endColumn < 0) {
      if (i.end_lineno === i.lineno || i.end_lineno === -1) {
        w.entryStart(LOC_NO_COLUMNS, isize);
        w.signedVarint(lineDelta);
        this.lineno = i.lineno;
        return;
      }
    } else if (i.end_lineno === i.lineno) {
      if (lineDelta === 0 && column < 80 && endColumn - column < 16 && endColumn >= column) {
        w.entryStart(LOC_SHORT0 + (column >> 3), isize);
        w.push(((column & 7) << 4) | (endColumn - column));
        return;
      }
      if (lineDelta >= 0 && lineDelta < 3 && column < 128 && endColumn < 128) {
        w.entryStart(LOC_ONE_LINE0 + lineDelta, isize);
        w.push(column);
        w.push(endColumn);
        this.lineno = i.lineno;
        return;
      }
    }
    w.entryStart(LOC_LONG, isize);
    w.signedVarint(i.lineno - this.lineno);
    w.varint(i.end_lineno - i.lineno);
    w.varint(i.col_offset + 1);
    w.varint(i.end_col_offset + 1);
    this.lineno = i.lineno;
  }

  emit(i: Instr): void {
    let isize = instrSize(i);
    while (isize > 8) {
      this.entry(i, 8);
      isize -= 8;
    }
    this.entry(i, isize);
  }
}

function exceptionTableItem(w: ByteWriter, value: number, msb: number): void {
  if (value >= 1 << 24) {
    w.push((value >> 24) | 64 | msb);
    msb = 0;
  }
  if (value >= 1 << 18) {
    w.push(((value >> 18) & 0x3f) | 64 | msb);
    msb = 0;
  }
  if (value >= 1 << 12) {
    w.push(((value >> 12) & 0x3f) | 64 | msb);
    msb = 0;
  }
  if (value >= 1 << 6) {
    w.push(((value >> 6) & 0x3f) | 64 | msb);
    msb = 0;
  }
  w.push((value & 0x3f) | msb);
}

function assembleExceptionTable(entry: Block): Uint8Array {
  const w = new ByteWriter();
  let ioffset = 0;
  let handler: Block | null = null;
  let start = -1;
  const emit = (end: number, h: Block): void => {
    let depth = h.startdepth - 1;
    if (h.preserveLasti) depth -= 1;
    const depthLasti = (depth << 1) | (h.preserveLasti ? 1 : 0);
    exceptionTableItem(w, start, 1 << 7);
    exceptionTableItem(w, end - start, 0);
    exceptionTableItem(w, h.offset, 0);
    exceptionTableItem(w, depthLasti, 0);
  };
  for (let b: Block | null = entry; b !== null; b = b.next) {
    ioffset = b.offset;
    for (const ins of b.instrs) {
      if (ins.except !== handler) {
        if (handler !== null) emit(ioffset, handler);
        start = ioffset;
        handler = ins.except;
      }
      ioffset += instrSize(ins);
    }
  }
  if (handler !== null) emit(ioffset, handler);
  return w.result();
}

/* ------------------------------------------------------------------ cells and prefix */

function computeCodeFlags(u: AssemblerUnit, ctx: AssemblerContext): number {
  const ste = u.ste;
  let flags = 0;
  if (ste.type === 'function') {
    flags |= CO_NEWLOCALS | CO_OPTIMIZED;
    if (ste.nested) flags |= CO_NESTED;
    if (ste.generator && !ste.coroutine) flags |= CO_GENERATOR;
    if (!ste.generator && ste.coroutine) flags |= CO_COROUTINE;
    if (ste.generator && ste.coroutine) flags |= CO_ASYNC_GENERATOR;
    if (ste.varargs) flags |= CO_VARARGS;
    if (ste.varkeywords) flags |= CO_VARKEYWORDS;
  }
  flags |= ctx.flags & PYCF_MASK;
  return flags;
}

const newInstr = (op: number, arg: number, lineno: number, end_lineno: number, col: number, endCol: number): Instr => ({
  op,
  arg,
  target: null,
  except: null,
  lineno,
  end_lineno,
  col_offset: col,
  end_col_offset: endCol,
});

function buildCellFixedOffsets(u: AssemblerUnit): number[] {
  const nlocals = u.varnames.size;
  const noffsets = u.cellvars.size + u.freevars.size;
  const fixed: number[] = [];
  for (let i = 0; i < noffsets; i++) fixed.push(nlocals + i);
  for (const [name, cellindex] of u.cellvars) {
    const varindex = u.varnames.get(name);
    if (varindex !== undefined) fixed[cellindex] = varindex;
  }
  return fixed;
}

function insertPrefixInstructions(u: AssemblerUnit, ctx: AssemblerContext, entry: Block, fixed: number[]): void {
  const flags = computeCodeFlags(u, ctx);
  const prefix: Instr[] = [];
  if (flags & (CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR)) {
    entry.instrs.unshift(
      newInstr(Op.RETURN_GENERATOR, 0, u.firstlineno, u.firstlineno, -1, -1),
      newInstr(Op.POP_TOP, 0, -1, -1, -1, -1),
    );
  }
  const ncellvars = u.cellvars.size;
  if (ncellvars) {
    const nvars = ncellvars + u.varnames.size;
    const sorted = new Array<number>(nvars).fill(0);
    for (let i = 0; i < ncellvars; i++) sorted[fixed[i]!] = i + 1;
    for (let i = 0; i < nvars; i++) {
      const oldindex = sorted[i]! - 1;
      if (oldindex === -1) continue;
      prefix.push(newInstr(Op.MAKE_CELL, oldindex, -1, -1, -1, -1));
    }
    entry.instrs.unshift(...prefix);
  }
  if (u.freevars.size) entry.instrs.unshift(newInstr(Op.COPY_FREE_VARS, u.freevars.size, -1, -1, -1, -1));
}

function fixCellOffsets(u: AssemblerUnit, entry: Block, fixedmap: number[]): number {
  const nlocals = u.varnames.size;
  const noffsets = u.cellvars.size + u.freevars.size;
  let numdropped = 0;
  for (let i = 0; i < noffsets; i++) {
    if (fixedmap[i] === i + nlocals) fixedmap[i]! -= numdropped;
    else numdropped += 1;
  }
  for (let b: Block | null = entry; b !== null; b = b.next) {
    for (const ins of b.instrs) {
      switch (ins.op) {
        case Op.MAKE_CELL:
        case Op.LOAD_CLOSURE:
        case Op.LOAD_DEREF:
        case Op.STORE_DEREF:
        case Op.DELETE_DEREF:
        case Op.LOAD_CLASSDEREF:
          ins.arg = fixedmap[ins.arg]!;
      }
    }
  }
  return numdropped;
}

/* ------------------------------------------------------------------ assemble */

/** The code object of a unit whose code generation is complete (compile.c `assemble`). */
export function assembleUnit(u: AssemblerUnit, ctx: AssemblerContext): CodeObject {
  for (let i = u.blocks.length - 1; i >= 0; i--) normalizeBasicBlock(u.blocks[i]!);
  for (let i = u.blocks.length - 1; i >= 0; i--) extendBlock(u.blocks[i]!);
  const entry = u.blocks[0]!;

  const nlocals = u.varnames.size;
  const ncellvars = u.cellvars.size;
  const nfreevars = u.freevars.size;
  let nlocalsplus = nlocals + ncellvars + nfreevars;
  const fixed = buildCellFixedOffsets(u);

  if (!u.firstlineno) {
    const first = entry.instrs[0];
    u.firstlineno = first !== undefined && first.lineno ? first.lineno : 1;
  }
  insertPrefixInstructions(u, ctx, entry, fixed);
  const numdropped = fixCellOffsets(u, entry, fixed);
  nlocalsplus -= numdropped;

  const consts = u.consts.slice();
  optimizeCfg(ctx, u, entry, consts);
  duplicateExitsWithoutLineno(u);
  trimUnusedConsts(entry, consts);
  propagateLineNumbers(entry);
  guaranteeLinenoForExits(entry, u.firstlineno);
  const maxdepth = stackdepth(u);

  labelExceptionTargets(entry);
  convertExceptionHandlersToNops(entry);
  for (let b: Block | null = entry; b !== null; b = b.next) cleanBasicBlock(b);
  normalizeJumps(entry);
  assembleJumpOffsets(entry, u);

  // Emit code.
  const code: number[] = [];
  for (let b: Block | null = entry; b !== null; b = b.next) {
    for (const ins of b.instrs) {
      const oparg = hasArg(ins.op) ? ins.arg : 0;
      const size = instrSize(ins);
      const caches = CACHE_ENTRIES[ins.op]!;
      const ext = size - caches - 1;
      if (ext >= 3) code.push(Op.EXTENDED_ARG, (oparg >> 24) & 0xff);
      if (ext >= 2) code.push(Op.EXTENDED_ARG, (oparg >> 16) & 0xff);
      if (ext >= 1) code.push(Op.EXTENDED_ARG, (oparg >> 8) & 0xff);
      code.push(ins.op, oparg & 0xff);
      for (let k = 0; k < caches; k++) code.push(0, 0);
    }
  }
  const loc = new LocationWriter(u.firstlineno);
  for (let b: Block | null = entry; b !== null; b = b.next) for (const ins of b.instrs) loc.emit(ins);
  const exceptiontable = assembleExceptionTable(entry);

  // makecode
  const names: string[] = [];
  for (const [name, i] of u.names) names[i] = name;
  const localsplusnames: string[] = new Array<string>(nlocalsplus);
  const localspluskinds: number[] = new Array<number>(nlocalsplus).fill(0);
  for (const [name, offset] of u.varnames) {
    localsplusnames[offset] = name;
    localspluskinds[offset] = CO_FAST_LOCAL | (u.cellvars.has(name) ? CO_FAST_CELL : 0);
  }
  let dropped = 0;
  for (const [name, v] of u.cellvars) {
    if (u.varnames.has(name)) {
      dropped++;
      continue;
    }
    localsplusnames[v + nlocals - dropped] = name;
    localspluskinds[v + nlocals - dropped] = CO_FAST_CELL;
  }
  for (const [name, v] of u.freevars) {
    localsplusnames[v + nlocals - dropped] = name;
    localspluskinds[v + nlocals - dropped] = CO_FAST_FREE;
  }
  return {
    argcount: u.posonlyargcount + u.argcount,
    posonlyargcount: u.posonlyargcount,
    kwonlyargcount: u.kwonlyargcount,
    stacksize: maxdepth,
    flags: computeCodeFlags(u, ctx),
    firstlineno: u.firstlineno,
    filename: ctx.filename,
    name: u.name,
    qualname: u.qualname ?? u.name,
    code: Uint8Array.from(code),
    consts,
    names,
    localsplusnames,
    localspluskinds,
    linetable: loc.w.result(),
    exceptiontable,
  };
}
