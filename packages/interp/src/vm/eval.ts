/*
 * The instruction loop
 * ====================
 * `_PyEval_EvalFrameDefault` of CPython 3.11: runs a frame's instructions on its value
 * stack, taking and dropping exactly the references CPython's instructions take and
 * drop, in the same order (each handler below follows ceval.c's TARGET of the same
 * name). A call of a Python function from Python pushes a new frame and continues in the
 * same loop (no TypeScript recursion per Python call); a call of anything else, or of a
 * Python function from a native, is a TypeScript call (CPython's C recursion).
 * Exceptions unwind by the code object's exception table; a frame without a handler is
 * cleared and the exception continues in its caller, adding a traceback entry there.
 *
 * Source: Python/ceval.c (3.11): the TARGETs, `exception_unwind`, `pop_frame`,
 * `_PyEvalFramePushAndInit`; Python/frame.c `_PyFrame_Clear`; Python/traceback.c
 * `PyTraceBack_Here`.
 *
 * Read first: `evalFrame`, then `unwind`.
 *
 * Vocabulary:
 *   NULL      a value-stack slot holding no object (PUSH_NULL, LOAD_GLOBAL's low bit,
 *             LOAD_METHOD's "not a method"): 0 here, with no reference.
 *   sh        the frame's stack holder: every object on the value stack is one reference
 *             held by it.
 *
 * Simplifications: the adaptive specialisation of 3.11 (quickening, inline caches) is
 * not modelled: every instruction runs its generic form. Tracing and the eval breaker's
 * signal handling are not modelled; `JUMP_BACKWARD` polls the interrupt check.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { CMP_OP, NB_OPS, Op } from '../compile/opcodes.js';
import { CO_OPTIMIZED } from '../compile/code.js';
import type { Frame } from './frame.js';
import { C_TEMP, PyRaise, RAISED, type VM } from './vm.js';
import type { BinaryOp, CompareOp } from './typeSlots.js';

const NULL = 0 as ObjectId;

/** BINARY_OP's argument as our operator and whether it is the in-place form. */
const BINOPS: readonly (readonly [BinaryOp, boolean])[] = NB_OPS.map(([, sym]) => {
  const inplace = sym.endsWith('=') && sym !== '==';
  return [(inplace ? sym.slice(0, -1) : sym) as BinaryOp, inplace] as const;
});
const CMPOPS = CMP_OP as readonly CompareOp[];

/** Thrown to leave the loop when the entry frame returns or yields: never escapes evalFrame. */
class Leave extends Error {}

/**
 * Run `entry` (already bound to the runtime and its arguments in place) until it returns
 * or, for a generator frame, yields. Returns the value (a reference the caller takes over
 * from the frame's stack holder, already moved to `out`). A Python exception that leaves
 * the entry frame propagates as PyRaise, after the frame was cleared (unless it is a
 * generator's, which its generator clears).
 */
export function evalFrame(vm: VM, entry: Frame, out: Holder, throwing?: PyRaise): ObjectId {
  entry.isEntry = true;
  entry.prev = vm.frame;
  vm.frame = entry;
  let frame = entry;
  const rt = vm.rt;
  // gen.throw(): the frame resumes by raising at the instruction it stopped at.
  let pending = throwing;
  for (;;) {
    try {
      if (pending !== undefined) {
        const p = pending;
        pending = undefined;
        throw p;
      }
      return run(vm, frame, out);
    } catch (e) {
      if (!(e instanceof PyRaise)) {
        vm.frame = entry.prev;
        throw e;
      }
      // The instruction at frame.lasti raised: a traceback entry for it, then unwind.
      frame = vm.frame;
      if (!e.bare) vm.tracebackHere(frame, e);
      e.bare = false;
      const resumed = unwind(vm, frame, e, entry);
      if (resumed !== undefined) resumed.lastiOverride = -1;
      if (resumed === undefined) {
        // Left the entry frame: the exception goes to the TypeScript caller.
        vm.frame = entry.prev;
        throw e;
      }
      frame = resumed;
      void rt;
    }
  }
}

/**
 * exception_unwind: find the handler of `frame` for the instruction that raised; pop the
 * stack to the handler's depth, push lasti if asked, push the exception, jump. Without a
 * handler, the frame is cleared and unwinding continues in its caller (with a traceback
 * entry there). Returns the frame to resume in, or undefined when the exception leaves
 * the entry frame.
 */
function unwind(vm: VM, start: Frame, e: PyRaise, entry: Frame): Frame | undefined {
  let frame = start;
  for (;;) {
    const handler = findHandler(frame);
    const stack = frame.stack;
    const sh = frame.stackHolder;
    if (handler !== undefined) {
      while (stack.length > handler.depth) {
        const v = stack.pop() as ObjectId;
        if (v !== NULL) vm.rt.decref(v, sh);
      }
      if (handler.lasti) stack.push(vm.newInt(BigInt(frame.code.unitOf[frame.lasti] as number), sh));
      // The exception moves from the thread state to the stack, its traceback set.
      vm.catchRaise(e, sh);
      stack.push(e.exc);
      frame.pc = handler.target;
      return frame;
    }
    while (stack.length > 0) {
      const v = stack.pop() as ObjectId;
      if (v !== NULL) vm.rt.decref(v, sh);
    }
    vm.depth -= 1;
    if (frame === entry) {
      if (frame.owner === 0) vm.clearFrame(frame);
      else vm.generatorRaised(frame);
      return undefined;
    }
    const caller = frame.prev as Frame;
    vm.clearFrame(frame);
    vm.frame = caller;
    frame = caller;
    vm.tracebackHere(frame, e);
  }
}

/** The handler covering the instruction executing (not f_lasti, which RERAISE may have moved back). */
function findHandler(frame: Frame): { target: number; depth: number; lasti: boolean } | undefined {
  const at = frame.pc - 1;
  const table = frame.code.exceptions;
  for (let i = 0; i < table.length; i++) {
    const h = table[i] as { start: number; end: number; target: number; depth: number; lasti: boolean };
    if (at >= h.start && at < h.end) return h;
  }
  return undefined;
}

/** The instruction loop proper, from `frame.pc`, until the entry frame returns or yields. */
function run(vm: VM, startFrame: Frame, out: Holder): ObjectId {
  const rt = vm.rt;
  const rtState = rt.state;
  let frame = startFrame;
  // One pass of this loop per frame switch (a call, a return): the frame's arrays are
  // constants of the pass, so the instruction loop reads them from registers.
  frameLoop: for (;;) {
    const code = frame.code;
    const ops = code.ops;
    const args = code.args;
    const lines = code.lines;
    const stack = frame.stack;
    const sh = frame.stackHolder;
    const consts = vm.codeConsts(frame.codeId);
    const names = code.co.names;

    for (;;) {
      const pc = frame.pc;
      frame.pc = pc + 1;
      const line = lines[pc] as number;
      if (line >= 0 && line !== rtState.line) rt.line(line);
      const op = ops[pc] as number;
      const arg = args[pc] as number;
      switch (op) {
        case Op.NOP:
        case Op.RESUME:
        case Op.CACHE:
          break;

        case Op.LOAD_FAST: {
          const v = frame.localsplus[arg];
          if (v === undefined) throw vm.unboundLocal(frame, arg);
          rt.incref(v, sh);
          stack.push(v);
          break;
        }
        case Op.STORE_FAST:
          vm.setLocal(frame, arg, stack.pop(), sh);
          break;
        case Op.DELETE_FAST: {
          if (frame.localsplus[arg] === undefined) throw vm.unboundLocal(frame, arg);
          vm.setLocal(frame, arg, undefined, sh);
          break;
        }
        case Op.LOAD_CONST: {
          const v = consts[arg] as ObjectId;
          rt.incref(v, sh);
          stack.push(v);
          break;
        }
        case Op.POP_TOP:
          rt.decref(stack.pop() as ObjectId, sh);
          break;
        case Op.PUSH_NULL:
          stack.push(NULL);
          break;
        case Op.COPY: {
          const v = stack[stack.length - arg] as ObjectId;
          rt.incref(v, sh);
          stack.push(v);
          break;
        }
        case Op.SWAP: {
          const top = stack.length - 1;
          const other = stack.length - arg;
          const t = stack[top] as ObjectId;
          stack[top] = stack[other] as ObjectId;
          stack[other] = t;
          break;
        }

        case Op.UNARY_POSITIVE:
        case Op.UNARY_NEGATIVE:
        case Op.UNARY_INVERT: {
          const v = stack[stack.length - 1] as ObjectId;
          let res: ObjectId;
          try {
            res = vm.unaryOp(op === Op.UNARY_POSITIVE ? '+' : op === Op.UNARY_NEGATIVE ? '-' : '~', v, sh);
          } catch (e) {
            stack.pop();
            rt.decref(v, sh);
            throw e;
          }
          rt.decref(v, sh);
          stack[stack.length - 1] = res;
          break;
        }
        case Op.UNARY_NOT: {
          const v = stack.pop() as ObjectId;
          let t: boolean;
          try {
            t = vm.truthy(v);
          } catch (e) {
            rt.decref(v, sh);
            throw e;
          }
          rt.decref(v, sh);
          stack.push(vm.bool(!t, sh));
          break;
        }

        case Op.BINARY_OP: {
          const rhs = stack.pop() as ObjectId;
          const lhs = stack.pop() as ObjectId;
          const [bop, inplace] = BINOPS[arg] as readonly [BinaryOp, boolean];
          let res: ObjectId;
          try {
            res = vm.binaryOp(bop, lhs, rhs, inplace, sh);
          } catch (e) {
            rt.decref(lhs, sh);
            rt.decref(rhs, sh);
            throw e;
          }
          rt.decref(lhs, sh);
          rt.decref(rhs, sh);
          stack.push(res);
          break;
        }
        case Op.BINARY_SUBSCR: {
          const sub = stack.pop() as ObjectId;
          const container = stack.pop() as ObjectId;
          let res: ObjectId;
          try {
            res = vm.getItem(container, sub, sh);
          } catch (e) {
            rt.decref(container, sh);
            rt.decref(sub, sh);
            throw e;
          }
          rt.decref(container, sh);
          rt.decref(sub, sh);
          stack.push(res);
          break;
        }
        case Op.STORE_SUBSCR: {
          const sub = stack.pop() as ObjectId;
          const container = stack.pop() as ObjectId;
          const v = stack.pop() as ObjectId;
          try {
            vm.setItem(container, sub, v);
          } finally {
            rt.decref(v, sh);
            rt.decref(container, sh);
            rt.decref(sub, sh);
          }
          break;
        }
        case Op.DELETE_SUBSCR: {
          const sub = stack.pop() as ObjectId;
          const container = stack.pop() as ObjectId;
          try {
            vm.delItem(container, sub);
          } finally {
            rt.decref(container, sh);
            rt.decref(sub, sh);
          }
          break;
        }
        case Op.BUILD_SLICE: {
          const step = arg === 3 ? (stack.pop() as ObjectId) : undefined;
          const stop = stack.pop() as ObjectId;
          const start = stack.pop() as ObjectId;
          const s = vm.newSlice(start, stop, step ?? vm.statics.none, sh);
          rt.decref(start, sh);
          rt.decref(stop, sh);
          if (step !== undefined) rt.decref(step, sh);
          stack.push(s);
          break;
        }

        case Op.GET_ITER: {
          const iterable = stack[stack.length - 1] as ObjectId;
          let it: ObjectId;
          try {
            it = vm.getIter(iterable, sh);
          } catch (e) {
            stack.pop();
            rt.decref(iterable, sh);
            throw e;
          }
          rt.decref(iterable, sh);
          stack[stack.length - 1] = it;
          break;
        }
        case Op.GET_YIELD_FROM_ITER: {
          const iterable = stack[stack.length - 1] as ObjectId;
          const v = vm.value(iterable);
          if (v.t === 'generator' && v.kind === 'coroutine') {
            if ((code.co.flags & 0x0180) === 0) {
              throw vm.typeError("cannot 'yield from' a coroutine object in a non-coroutine generator");
            }
          } else if (v.t !== 'generator') {
            let it: ObjectId;
            try {
              it = vm.getIter(iterable, sh);
            } catch (e) {
              stack.pop();
              rt.decref(iterable, sh);
              throw e;
            }
            rt.decref(iterable, sh);
            stack[stack.length - 1] = it;
          }
          break;
        }
        case Op.FOR_ITER: {
          const it = stack[stack.length - 1] as ObjectId;
          const next = vm.iterNext(it, sh);
          if (next !== undefined) stack.push(next);
          else {
            stack.pop();
            rt.decref(it, sh);
            frame.pc = arg;
          }
          break;
        }

        case Op.LIST_APPEND: {
          const v = stack.pop() as ObjectId;
          vm.listAppendMove(stack[stack.length - arg] as ObjectId, v, sh);
          break;
        }
        case Op.SET_ADD: {
          const v = stack.pop() as ObjectId;
          try {
            vm.setAdd(stack[stack.length - arg] as ObjectId, v);
          } finally {
            rt.decref(v, sh);
          }
          break;
        }
        case Op.MAP_ADD: {
          const value = stack.pop() as ObjectId;
          const key = stack.pop() as ObjectId;
          vm.dictSetTake2(stack[stack.length - arg] as ObjectId, key, value, sh);
          break;
        }
        case Op.LIST_EXTEND: {
          const iterable = stack.pop() as ObjectId;
          try {
            vm.listExtendForStar(stack[stack.length - arg] as ObjectId, iterable);
          } finally {
            rt.decref(iterable, sh);
          }
          break;
        }
        case Op.SET_UPDATE: {
          const iterable = stack.pop() as ObjectId;
          try {
            vm.setUpdate(stack[stack.length - arg] as ObjectId, iterable);
          } finally {
            rt.decref(iterable, sh);
          }
          break;
        }
        case Op.DICT_UPDATE: {
          const update = stack.pop() as ObjectId;
          try {
            vm.dictUpdateForDisplay(stack[stack.length - arg] as ObjectId, update);
          } finally {
            rt.decref(update, sh);
          }
          break;
        }
        case Op.DICT_MERGE: {
          const update = stack.pop() as ObjectId;
          try {
            vm.dictMergeForCall(
              stack[stack.length - arg] as ObjectId,
              update,
              stack[stack.length - arg - 2] as ObjectId,
            );
          } finally {
            rt.decref(update, sh);
          }
          break;
        }
        case Op.LIST_TO_TUPLE: {
          const list = stack.pop() as ObjectId;
          const t = vm.newTuple(vm.as(list, 'list').items, sh);
          rt.decref(list, sh);
          stack.push(t);
          break;
        }
        case Op.BUILD_TUPLE: {
          const items = stack.splice(stack.length - arg, arg);
          stack.push(vm.newTuple(items, sh, sh));
          break;
        }
        case Op.BUILD_LIST: {
          const items = stack.splice(stack.length - arg, arg);
          stack.push(vm.newList(items, sh, sh));
          break;
        }
        case Op.BUILD_SET: {
          const items = stack.splice(stack.length - arg, arg);
          const s = vm.newSet(C_TEMP, false);
          let err: PyRaise | undefined;
          for (const item of items) {
            if (err === undefined) {
              try {
                vm.setAdd(s, item);
              } catch (e) {
                if (!(e instanceof PyRaise)) throw e;
                err = e;
              }
            }
            rt.decref(item, sh);
          }
          if (err !== undefined) {
            rt.decref(s, C_TEMP);
            throw err;
          }
          rt.move(s, C_TEMP, sh);
          stack.push(s);
          break;
        }
        case Op.BUILD_MAP: {
          const items = stack.slice(stack.length - 2 * arg);
          const d = vm.dictFromItems(items, 2, 0, 1, arg, sh);
          for (let i = 0; i < 2 * arg; i++) rt.decref(stack.pop() as ObjectId, sh);
          stack.push(d);
          break;
        }
        case Op.BUILD_CONST_KEY_MAP: {
          const keys = stack[stack.length - 1] as ObjectId;
          const values = stack.slice(stack.length - 1 - arg, stack.length - 1);
          const keyItems = vm.as(keys, 'tuple').items;
          const flat: ObjectId[] = [];
          for (let i = 0; i < arg; i++) flat.push(keyItems[i] as ObjectId, values[i] as ObjectId);
          const d = vm.dictFromItems(flat, 2, 0, 1, arg, sh);
          rt.decref(stack.pop() as ObjectId, sh);
          for (let i = 0; i < arg; i++) rt.decref(stack.pop() as ObjectId, sh);
          stack.push(d);
          break;
        }
        case Op.BUILD_STRING: {
          const parts = stack.slice(stack.length - arg);
          let s = '';
          for (const p of parts) s += vm.as(p, 'str').v;
          const res = vm.newStr(s, sh);
          for (let i = 0; i < arg; i++) rt.decref(stack.pop() as ObjectId, sh);
          stack.push(res);
          break;
        }
        case Op.FORMAT_VALUE: {
          const spec = (arg & 0x04) !== 0 ? (stack.pop() as ObjectId) : undefined;
          let value = stack.pop() as ObjectId;
          try {
            const which = arg & 0x03;
            if (which !== 0) {
              const conv = which === 1 ? vm.str(value, sh) : which === 2 ? vm.repr(value, sh) : vm.ascii(value, sh);
              rt.decref(value, sh);
              value = conv;
            }
            const v = vm.value(value);
            let res: ObjectId;
            if (v.t === 'str' && v.type === vm.T.str && spec === undefined) res = value;
            else {
              try {
                res = vm.format(value, spec, sh);
              } finally {
                rt.decref(value, sh);
              }
            }
            stack.push(res);
          } catch (e) {
            if (spec !== undefined) rt.decref(spec, sh);
            throw e;
          }
          if (spec !== undefined) rt.decref(spec, sh);
          break;
        }

        case Op.STORE_NAME: {
          const v = stack.pop() as ObjectId;
          const ns = frame.locals;
          if (ns === 0) {
            rt.decref(v, sh);
            throw vm.pyErr('SystemError', `no locals found when storing '${names[arg] as string}'`);
          }
          try {
            vm.mappingSetStr(ns, names[arg] as string, v);
          } finally {
            rt.decref(v, sh);
          }
          break;
        }
        case Op.DELETE_NAME: {
          const ns = frame.locals;
          const name = names[arg] as string;
          if (!vm.mappingDelStr(ns, name)) throw vm.nameError(name);
          break;
        }
        case Op.LOAD_NAME: {
          const name = names[arg] as string;
          const v = vm.loadName(frame, name, sh);
          stack.push(v);
          break;
        }
        case Op.LOAD_GLOBAL: {
          const name = names[arg >> 1] as string;
          const v = vm.loadGlobal(frame, name, sh);
          if ((arg & 1) !== 0) stack.push(NULL);
          stack.push(v);
          break;
        }
        case Op.STORE_GLOBAL: {
          const v = stack.pop() as ObjectId;
          try {
            vm.dictSetStr(frame.globals, names[arg] as string, v, sh, 'copy');
          } finally {
            rt.decref(v, sh);
          }
          break;
        }
        case Op.DELETE_GLOBAL: {
          const name = names[arg] as string;
          if (!vm.dictDelStr(frame.globals, name)) throw vm.nameError(name);
          break;
        }

        case Op.MAKE_CELL: {
          const initial = frame.localsplus[arg];
          vm.makeCell(frame, arg, initial);
          break;
        }
        case Op.LOAD_CLOSURE: {
          const cell = frame.localsplus[arg] as ObjectId;
          rt.incref(cell, sh);
          stack.push(cell);
          break;
        }
        case Op.LOAD_DEREF: {
          const cell = frame.localsplus[arg] as ObjectId;
          const v = vm.as(cell, 'cell').content;
          if (v === undefined) throw vm.unboundDeref(frame, arg);
          rt.incref(v, sh);
          stack.push(v);
          break;
        }
        case Op.LOAD_CLASSDEREF: {
          const name = frame.name(arg);
          const fromLocals = frame.locals !== 0 ? vm.mappingGetStr(frame.locals, name) : undefined;
          if (fromLocals !== undefined) {
            rt.incref(fromLocals, sh);
            stack.push(fromLocals);
          } else {
            const cell = frame.localsplus[arg] as ObjectId;
            const v = vm.as(cell, 'cell').content;
            if (v === undefined) throw vm.unboundDeref(frame, arg);
            rt.incref(v, sh);
            stack.push(v);
          }
          break;
        }
        case Op.STORE_DEREF: {
          const v = stack.pop() as ObjectId;
          vm.cellSet(frame.localsplus[arg] as ObjectId, v, sh);
          break;
        }
        case Op.DELETE_DEREF: {
          const cell = frame.localsplus[arg] as ObjectId;
          if (vm.as(cell, 'cell').content === undefined) throw vm.unboundDeref(frame, arg);
          vm.cellSet(cell, undefined, sh);
          break;
        }
        case Op.COPY_FREE_VARS: {
          const closure = vm.as(frame.func, 'function').closure;
          const cells = closure === undefined ? [] : vm.as(closure, 'tuple').items;
          const offset = code.nlocalsplus - arg;
          for (let i = 0; i < arg; i++) vm.initLocal(frame, offset + i, cells[i] as ObjectId);
          break;
        }

        case Op.LOAD_ATTR: {
          const owner = stack[stack.length - 1] as ObjectId;
          let res: ObjectId;
          try {
            res = vm.getAttr(owner, names[arg] as string, sh);
          } catch (e) {
            stack.pop();
            rt.decref(owner, sh);
            throw e;
          }
          rt.decref(owner, sh);
          stack[stack.length - 1] = res;
          break;
        }
        case Op.STORE_ATTR: {
          const owner = stack.pop() as ObjectId;
          const v = stack.pop() as ObjectId;
          try {
            vm.setAttr(owner, names[arg] as string, v);
          } finally {
            rt.decref(v, sh);
            rt.decref(owner, sh);
          }
          break;
        }
        case Op.DELETE_ATTR: {
          const owner = stack.pop() as ObjectId;
          try {
            vm.delAttr(owner, names[arg] as string);
          } finally {
            rt.decref(owner, sh);
          }
          break;
        }
        case Op.LOAD_METHOD: {
          const obj = stack[stack.length - 1] as ObjectId;
          const meth = vm.loadMethod(obj, names[arg] as string, sh);
          if (vm.methodFound) {
            stack[stack.length - 1] = meth;
            stack.push(obj);
          } else {
            rt.decref(obj, sh);
            stack[stack.length - 1] = NULL;
            stack.push(meth);
          }
          break;
        }

        case Op.KW_NAMES:
          frame.kwnames = vm.kwnamesConst(frame.codeId, arg);
          break;
        case Op.PRECALL: {
          const isMeth = stack[stack.length - arg - 2] !== NULL;
          if (!isMeth) {
            const at = stack.length - arg - 1;
            const fn = stack[at] as ObjectId;
            const v = vm.value(fn);
            if (v.t === 'method') {
              rt.incref(v.func, sh);
              rt.incref(v.self, sh);
              stack[at] = v.self;
              stack[at - 1] = v.func;
              rt.decref(fn, sh);
            }
          }
          break;
        }
        case Op.CALL: {
          const kwnames = frame.kwnames;
          frame.kwnames = undefined;
          let isMeth = stack[stack.length - arg - 2] !== NULL;
          let fnAt = stack.length - arg - 1;
          let fn = stack[fnAt] as ObjectId;
          if (!isMeth) {
            const v = vm.value(fn);
            if (v.t === 'method') {
              rt.incref(v.func, sh);
              rt.incref(v.self, sh);
              stack[fnAt] = v.self;
              stack[fnAt - 1] = v.func;
              rt.decref(fn, sh);
              isMeth = true;
            }
          }
          const total = arg + (isMeth ? 1 : 0);
          fnAt = stack.length - total - 1;
          fn = stack[fnAt] as ObjectId;
          const fv = vm.value(fn);
          if (fv.t === 'function') {
            // Inlined Python call: the frame takes the function and the arguments from the stack.
            const base = stack.length - total;
            const locals = (fv.co.co.flags & CO_OPTIMIZED) !== 0 ? 0 : fv.globals;
            let callee: Frame;
            try {
              callee = vm.pushFrame(fn, stack, base, total, kwnames, sh, locals as ObjectId);
            } finally {
              // The frame took the function and the arguments (or released them on an error).
              stack.length = base - (isMeth ? 1 : 2);
            }
            callee.prev = frame;
            vm.frame = callee;
            frame = callee;
            continue frameLoop;
          }
          const callArgs = stack.slice(stack.length - total);
          let res: ObjectId;
          try {
            res = vm.call(fn, callArgs, kwnames, sh);
          } catch (e) {
            rt.decref(fn, sh);
            for (const a of callArgs) rt.decref(a, sh);
            stack.length -= total + (isMeth ? 1 : 2);
            throw e;
          }
          rt.decref(fn, sh);
          for (const a of callArgs) rt.decref(a, sh);
          stack.length -= total + (isMeth ? 1 : 2);
          stack.push(res);
          break;
        }
        case Op.CALL_FUNCTION_EX: {
          let kwargs = (arg & 1) !== 0 ? (stack.pop() as ObjectId) : undefined;
          let callargs = stack.pop() as ObjectId;
          const fn = stack[stack.length - 1] as ObjectId;
          let res: ObjectId;
          try {
            if (kwargs !== undefined && vm.typeOf(kwargs) !== vm.T.dict) {
              const d = vm.newDict(sh);
              try {
                vm.dictMergeForCall(d, kwargs, fn);
              } catch (e) {
                rt.decref(d, sh);
                throw e;
              }
              rt.decref(kwargs, sh);
              kwargs = d;
            }
            if (vm.typeOf(callargs) !== vm.T.tuple) {
              const t = vm.tupleForStarArgs(callargs, fn, sh);
              rt.decref(callargs, sh);
              callargs = t;
            }
            res = vm.callTuple(fn, callargs, kwargs, sh);
          } catch (e) {
            rt.decref(stack.pop() as ObjectId, sh);
            stack.pop();
            rt.decref(callargs, sh);
            if (kwargs !== undefined) rt.decref(kwargs, sh);
            throw e;
          }
          rt.decref(stack.pop() as ObjectId, sh);
          rt.decref(callargs, sh);
          if (kwargs !== undefined) rt.decref(kwargs, sh);
          stack.pop(); // the NULL
          stack.push(res);
          break;
        }
        case Op.MAKE_FUNCTION: {
          const codeObj = stack.pop() as ObjectId;
          const fn = vm.newFunction(codeObj, frame.globals, sh);
          rt.decref(codeObj, sh);
          if (arg & 0x08) vm.setFunctionPart(fn, 'closure', stack.pop() as ObjectId, sh);
          if (arg & 0x04) vm.setFunctionPart(fn, 'annotations', stack.pop() as ObjectId, sh);
          if (arg & 0x02) vm.setFunctionPart(fn, 'kwdefaults', stack.pop() as ObjectId, sh);
          if (arg & 0x01) vm.setFunctionPart(fn, 'defaults', stack.pop() as ObjectId, sh);
          stack.push(fn);
          break;
        }
        case Op.LOAD_BUILD_CLASS: {
          const bc = vm.dictGetStr(frame.builtins, '__build_class__');
          if (bc === undefined) throw vm.pyErr('NameError', '__build_class__ not found');
          rt.incref(bc, sh);
          stack.push(bc);
          break;
        }
        case Op.LOAD_ASSERTION_ERROR: {
          const t = vm.typeByName.get('AssertionError') as ObjectId;
          rt.incref(t, sh);
          stack.push(t);
          break;
        }
        case Op.SETUP_ANNOTATIONS:
          vm.setupAnnotations(frame);
          break;

        case Op.RETURN_VALUE: {
          const retval = stack.pop() as ObjectId;
          vm.depth -= 1;
          if (frame.isEntry) {
            rt.move(retval, sh, out);
            if (frame.owner === 0) vm.clearFrame(frame);
            vm.frame = frame.prev;
            if (frame.owner !== 0) vm.generatorReturned(frame);
            return retval;
          }
          const caller = frame.prev as Frame;
          rt.move(retval, sh, caller.stackHolder);
          vm.clearFrame(frame);
          vm.frame = caller;
          caller.stack.push(retval);
          frame = caller;
          continue frameLoop;
        }
        case Op.RETURN_GENERATOR: {
          const wasEntry = frame.isEntry;
          const gen = vm.makeGenerator(frame);
          vm.depth -= 1;
          // The frame now lives in the generator; the caller (or the native that called) gets it.
          if (wasEntry) {
            vm.frame = frame.prev;
            rt.move(gen, C_TEMP, out);
            return gen;
          }
          const caller = frame.prev as Frame;
          rt.move(gen, C_TEMP, caller.stackHolder);
          vm.frame = caller;
          caller.stack.push(gen);
          frame = caller;
          continue frameLoop;
        }
        case Op.YIELD_VALUE: {
          const retval = stack.pop() as ObjectId;
          vm.depth -= 1;
          rt.move(retval, sh, out);
          vm.generatorSuspended(frame);
          vm.frame = frame.prev;
          return retval;
        }
        case Op.SEND: {
          const v = stack.pop() as ObjectId;
          const receiver = stack[stack.length - 1] as ObjectId;
          let status: 'next' | 'return';
          let retval: ObjectId;
          try {
            [status, retval] = vm.iterSend(receiver, v, sh);
          } finally {
            rt.decref(v, sh);
          }
          if (status === 'return') {
            rt.decref(receiver, sh);
            stack[stack.length - 1] = retval;
            frame.pc = arg;
          } else stack.push(retval);
          break;
        }
        case Op.GET_AWAITABLE: {
          const iterable = stack[stack.length - 1] as ObjectId;
          let it: ObjectId;
          try {
            it = vm.getAwaitable(iterable, arg, sh);
          } catch (e) {
            stack.pop();
            rt.decref(iterable, sh);
            throw e;
          }
          rt.decref(iterable, sh);
          stack[stack.length - 1] = it;
          break;
        }
        case Op.ASYNC_GEN_WRAP: {
          const v = stack[stack.length - 1] as ObjectId;
          const w = vm.asyncGenWrap(v, sh);
          rt.decref(v, sh);
          stack[stack.length - 1] = w;
          break;
        }
        case Op.GET_AITER: {
          const obj = stack[stack.length - 1] as ObjectId;
          let it: ObjectId;
          try {
            it = vm.getAIter(obj, sh);
          } finally {
            rt.decref(obj, sh);
          }
          stack[stack.length - 1] = it;
          break;
        }
        case Op.GET_ANEXT: {
          const aiter = stack[stack.length - 1] as ObjectId;
          stack.push(vm.getANext(aiter, sh));
          break;
        }
        case Op.END_ASYNC_FOR: {
          const exc = stack.pop() as ObjectId;
          if (vm.isInstanceOf(exc, vm.typeByName.get('StopAsyncIteration') as ObjectId)) {
            rt.decref(exc, sh);
            rt.decref(stack.pop() as ObjectId, sh);
          } else throw vm.reraise(exc, sh);
          break;
        }
        case Op.BEFORE_WITH:
        case Op.BEFORE_ASYNC_WITH: {
          const mgr = stack[stack.length - 1] as ObjectId;
          const async = op === Op.BEFORE_ASYNC_WITH;
          const enterFn = vm.lookupSpecial(mgr, async ? '__aenter__' : '__enter__', C_TEMP);
          if (enterFn === undefined) {
            throw vm.typeError(
              `'${vm.typeName(mgr)}' object does not support the ${async ? 'asynchronous ' : ''}context manager protocol`,
            );
          }
          const exitFn = vm.lookupSpecial(mgr, async ? '__aexit__' : '__exit__', sh);
          if (exitFn === undefined) {
            rt.decref(enterFn, C_TEMP);
            throw vm.typeError(
              `'${vm.typeName(mgr)}' object does not support the ${async ? 'asynchronous ' : ''}context manager protocol (missed ${async ? '__aexit__' : '__exit__'} method)`,
            );
          }
          stack[stack.length - 1] = exitFn;
          rt.decref(mgr, sh);
          let res: ObjectId;
          try {
            res = vm.call(enterFn, [], undefined, sh);
          } finally {
            rt.decref(enterFn, C_TEMP);
          }
          if (async) {
            // BEFORE_ASYNC_WITH then GET_AWAITABLE 1 (the compiler emits it).
          }
          stack.push(res);
          break;
        }
        case Op.WITH_EXCEPT_START: {
          const val = stack[stack.length - 1] as ObjectId;
          const exitFn = stack[stack.length - 4] as ObjectId;
          const excType = vm.typeOf(val);
          const tb = vm.exceptionTraceback(val);
          const res = vm.call(exitFn, [excType, val, tb], undefined, sh);
          stack.push(res);
          break;
        }
        case Op.PUSH_EXC_INFO: {
          const value = stack[stack.length - 1] as ObjectId;
          const info = vm.excInfo;
          if (info.value !== undefined) {
            rt.move(info.value, info.holder, sh);
            stack[stack.length - 1] = info.value;
          } else stack[stack.length - 1] = vm.none(sh);
          rt.incref(value, info.holder);
          stack.push(value);
          info.value = value;
          break;
        }
        case Op.POP_EXCEPT: {
          const info = vm.excInfo;
          const old = info.value;
          const v = stack.pop() as ObjectId;
          rt.move(v, sh, info.holder);
          info.value = v;
          if (old !== undefined) rt.decref(old, info.holder);
          break;
        }
        case Op.CHECK_EXC_MATCH: {
          const right = stack.pop() as ObjectId;
          const left = stack[stack.length - 1] as ObjectId;
          let matched: boolean;
          try {
            vm.checkExceptionClasses(right);
            matched = vm.exceptionMatches(left, right);
          } finally {
            rt.decref(right, sh);
          }
          stack.push(vm.bool(matched, sh));
          break;
        }
        case Op.CHECK_EG_MATCH:
        case Op.PREP_RERAISE_STAR:
          throw vm.pyErr('SystemError', 'except* is not simulated');
        case Op.RAISE_VARARGS: {
          const cause = arg === 2 ? (stack.pop() as ObjectId) : undefined;
          const exc = arg >= 1 ? (stack.pop() as ObjectId) : undefined;
          if (exc === undefined) throw vm.raiseCurrent();
          throw vm.doRaise(exc, cause, sh);
        }
        case Op.RERAISE: {
          const exc = stack.pop() as ObjectId;
          if (arg !== 0) {
            const lasti = stack[stack.length - arg] as ObjectId;
            const lv = vm.value(lasti);
            if (lv.t === 'int') frame.lastiOverride = code.indexOfUnit[Number(lv.v)] as number;
          }
          throw vm.reraise(exc, sh);
        }

        case Op.COMPARE_OP: {
          const right = stack.pop() as ObjectId;
          const left = stack.pop() as ObjectId;
          let res: ObjectId;
          const quick = specializedCompare(vm, left, right, CMPOPS[arg] as CompareOp, ops, pc);
          if (quick !== undefined) {
            stack.push(vm.bool(quick, sh));
            rt.decref(left, sh);
            rt.decref(right, sh);
            break;
          }
          try {
            res = vm.richCompare(left, right, CMPOPS[arg] as CompareOp, sh);
          } catch (e) {
            rt.decref(left, sh);
            rt.decref(right, sh);
            throw e;
          }
          stack.push(res);
          rt.decref(left, sh);
          rt.decref(right, sh);
          break;
        }
        case Op.IS_OP: {
          const right = stack.pop() as ObjectId;
          const left = stack.pop() as ObjectId;
          const b = vm.bool((left === right) !== (arg === 1), sh);
          stack.push(b);
          rt.decref(left, sh);
          rt.decref(right, sh);
          break;
        }
        case Op.CONTAINS_OP: {
          const right = stack.pop() as ObjectId;
          const left = stack.pop() as ObjectId;
          let res: boolean;
          try {
            res = vm.contains(right, left);
          } finally {
            rt.decref(left, sh);
            rt.decref(right, sh);
          }
          stack.push(vm.bool(res !== (arg === 1), sh));
          break;
        }

        case Op.JUMP_FORWARD:
        case Op.JUMP_BACKWARD_NO_INTERRUPT:
          frame.pc = arg;
          break;
        case Op.JUMP_BACKWARD:
          vm.checkInterrupt();
          frame.pc = arg;
          break;
        case Op.POP_JUMP_FORWARD_IF_FALSE:
        case Op.POP_JUMP_BACKWARD_IF_FALSE:
        case Op.POP_JUMP_FORWARD_IF_TRUE:
        case Op.POP_JUMP_BACKWARD_IF_TRUE: {
          const cond = stack.pop() as ObjectId;
          let t: boolean;
          if (cond === vm.statics.true) t = true;
          else if (cond === vm.statics.false) t = false;
          else {
            try {
              t = vm.truthy(cond);
            } catch (e) {
              rt.decref(cond, sh);
              throw e;
            }
          }
          rt.decref(cond, sh);
          const jumpIf = op === Op.POP_JUMP_FORWARD_IF_TRUE || op === Op.POP_JUMP_BACKWARD_IF_TRUE;
          if (t === jumpIf) frame.pc = arg;
          break;
        }
        case Op.POP_JUMP_FORWARD_IF_NONE:
        case Op.POP_JUMP_BACKWARD_IF_NONE:
        case Op.POP_JUMP_FORWARD_IF_NOT_NONE:
        case Op.POP_JUMP_BACKWARD_IF_NOT_NONE: {
          const v = stack.pop() as ObjectId;
          const isNone = v === vm.statics.none;
          rt.decref(v, sh);
          const jumpIfNone = op === Op.POP_JUMP_FORWARD_IF_NONE || op === Op.POP_JUMP_BACKWARD_IF_NONE;
          if (isNone === jumpIfNone) frame.pc = arg;
          break;
        }
        case Op.JUMP_IF_FALSE_OR_POP:
        case Op.JUMP_IF_TRUE_OR_POP: {
          const cond = stack[stack.length - 1] as ObjectId;
          let t: boolean;
          if (cond === vm.statics.true) t = true;
          else if (cond === vm.statics.false) t = false;
          else t = vm.truthy(cond);
          const jumpIf = op === Op.JUMP_IF_TRUE_OR_POP;
          if (t === jumpIf) frame.pc = arg;
          else {
            stack.pop();
            rt.decref(cond, sh);
          }
          break;
        }

        case Op.UNPACK_SEQUENCE: {
          const seq = stack.pop() as ObjectId;
          try {
            vm.unpackSequence(seq, arg, -1, stack, sh);
          } finally {
            rt.decref(seq, sh);
          }
          break;
        }
        case Op.UNPACK_EX: {
          const seq = stack.pop() as ObjectId;
          try {
            vm.unpackSequence(seq, arg & 0xff, arg >> 8, stack, sh);
          } finally {
            rt.decref(seq, sh);
          }
          break;
        }

        case Op.IMPORT_NAME: {
          const fromlist = stack.pop() as ObjectId;
          const level = stack.pop() as ObjectId;
          let res: ObjectId;
          try {
            res = vm.importName(frame, names[arg] as string, fromlist, level, sh);
          } finally {
            rt.decref(level, sh);
            rt.decref(fromlist, sh);
          }
          stack.push(res);
          break;
        }
        case Op.IMPORT_FROM: {
          const from = stack[stack.length - 1] as ObjectId;
          stack.push(vm.importFrom(from, names[arg] as string, sh));
          break;
        }
        case Op.IMPORT_STAR: {
          const from = stack.pop() as ObjectId;
          try {
            vm.importStar(frame, from);
          } finally {
            rt.decref(from, sh);
          }
          break;
        }

        case Op.GET_LEN: {
          const n = vm.len(stack[stack.length - 1] as ObjectId);
          stack.push(vm.newInt(BigInt(n), sh));
          break;
        }
        case Op.MATCH_MAPPING:
        case Op.MATCH_SEQUENCE: {
          const subject = stack[stack.length - 1] as ObjectId;
          const flag = vm.matchFlags(subject);
          stack.push(vm.bool(op === Op.MATCH_MAPPING ? flag === 'mapping' : flag === 'sequence', sh));
          break;
        }
        case Op.MATCH_KEYS: {
          const keys = stack[stack.length - 1] as ObjectId;
          const subject = stack[stack.length - 2] as ObjectId;
          stack.push(vm.matchKeys(subject, keys, sh));
          break;
        }
        case Op.MATCH_CLASS: {
          const kwnames = stack.pop() as ObjectId;
          const type = stack.pop() as ObjectId;
          const subject = stack.pop() as ObjectId;
          let res: ObjectId;
          try {
            res = vm.matchClass(subject, type, arg, kwnames, sh);
          } finally {
            rt.decref(subject, sh);
            rt.decref(type, sh);
            rt.decref(kwnames, sh);
          }
          stack.push(res);
          break;
        }
        case Op.PRINT_EXPR:
          throw vm.pyErr('SystemError', 'PRINT_EXPR is for the interactive interpreter');
        case Op.EXTENDED_ARG:
          break;
        default:
          throw new Error(`opcode ${op} at ${code.co.qualname}:${pc} is not simulated`);
      }
    }
  }
}

export { Leave, NULL, RAISED };

/** An int small enough for CPython 3.11's one-digit fast paths (|v| < 2**30). */
const COMPACT = 1n << 30n;

/**
 * The comparisons CPython 3.11 specialises (specialize.c, _Py_Specialize_CompareOp):
 * COMPARE_OP followed by a POP_JUMP becomes COMPARE_OP_INT_JUMP (two exact one-digit
 * ints), COMPARE_OP_FLOAT_JUMP (two exact floats) or COMPARE_OP_STR_JUMP (two exact strs,
 * == and !=), which compare in place: no rich comparison, so no " in comparison"
 * recursion check. Specialisation is otherwise not modelled; this models the warmed
 * instruction, which is what a recursion deep enough to matter runs. Undefined: the
 * generic path.
 */
function specializedCompare(
  vm: VM,
  left: ObjectId,
  right: ObjectId,
  op: CompareOp,
  ops: ArrayLike<number>,
  pc: number,
): boolean | undefined {
  let next = pc + 1;
  while (ops[next] === Op.CACHE) next++;
  const jump = ops[next];
  if (
    jump !== Op.POP_JUMP_FORWARD_IF_FALSE &&
    jump !== Op.POP_JUMP_BACKWARD_IF_FALSE &&
    jump !== Op.POP_JUMP_FORWARD_IF_TRUE &&
    jump !== Op.POP_JUMP_BACKWARD_IF_TRUE
  )
    return undefined;
  const a = vm.value(left);
  const b = vm.value(right);
  if (a.type !== b.type) return undefined;
  if (a.t === 'int' && b.t === 'int') {
    if (a.type !== vm.T.int) return undefined;
    if (a.v >= COMPACT || a.v <= -COMPACT || b.v >= COMPACT || b.v <= -COMPACT) return undefined;
  } else if (a.t === 'float') {
    if (a.type !== vm.T.float) return undefined;
  } else if (a.t === 'str') {
    if (a.type !== vm.T.str || (op !== '==' && op !== '!=')) return undefined;
  } else return undefined;
  // The type's own comparison (what the generic path would call), without its wrapper.
  return vm.typeValue(a.type).slots.compare?.(vm, left, right, op);
}
