/*
 * Frames and calls
 * ================
 * Making a frame for a Python function and binding its arguments (3.11's
 * `_PyEvalFramePushAndInit` and `initialize_locals`), clearing it (`_PyFrame_Clear`, with
 * `take_ownership` when a frame object outlives the frame), local-variable and cell
 * stores (SETLOCAL, MAKE_CELL, STORE_DEREF), and calling any callable from TypeScript
 * (`PyObject_Vectorcall`, `PyObject_Call`).
 *
 * Reference rules. A call from the instruction loop (CALL) moves the function and the
 * arguments from the caller's value stack into the new frame. A call from TypeScript
 * borrows its arguments: a Python callee gets new references to them (`_PyEval_Vector`
 * increfs before pushing the frame). A callable without vectorcall in 3.11 (a class
 * statement's type, an instance with `__call__`) is called through tp_call with a new
 * argument tuple (`_PyObject_MakeTpCall`), which the call releases afterwards.
 *
 * Source: Python/ceval.c (initialize_locals, too_many_positional, missing_arguments,
 * positional_only_passed_as_keyword, _PyEval_Vector), Python/frame.c, Objects/call.c
 * (_PyObject_MakeTpCall, PyObject_Call, _PyStack_UnpackDict), Objects/frameobject.c
 * (take_ownership, frame_sizeof), Objects/classobject.c (method_vectorcall).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { CO_VARARGS, CO_VARKEYWORDS } from '../compile/code.js';
import { decode, type DecodedCode } from './decode.js';
import { evalFrame } from './eval.js';
import { CODE_SLOT, FUNC_SLOT, Frame, LOCALS_SLOT } from './frame.js';
import type { PyRaise } from './vm.js';
import { C_TEMP, RECURSION_LIMIT, VM } from './vm.js';
import type { FunctionValue } from './values.js';

declare module './vm.js' {
  interface VM {
    /** CALL of a Python function: a new frame taking the function and `args` (and kw values) from `from`. */
    pushFrame(
      fn: ObjectId,
      args: readonly ObjectId[],
      base: number,
      count: number,
      kwnames: readonly string[] | undefined,
      from: Holder,
      locals: ObjectId,
    ): Frame;
    /** _PyFrame_Clear and FrameExited. */
    clearFrame(frame: Frame): void;
    /** PyObject_Vectorcall: `args` are borrowed; the result is a new reference owned by `out`. */
    call(callable: ObjectId, args: readonly ObjectId[], kwnames: readonly string[] | undefined, out: Holder): ObjectId;
    /** PyObject_Call(callable, args tuple, kwargs dict or undefined). */
    callTuple(callable: ObjectId, argsTuple: ObjectId, kwargs: ObjectId | undefined, out: Holder): ObjectId;
    /** _PyFunction_Vectorcall: a Python function called from TypeScript. */
    callFunction(
      fn: ObjectId,
      args: readonly ObjectId[],
      kwnames: readonly string[] | undefined,
      out: Holder,
    ): ObjectId;
    /** SETLOCAL(i, value): the value's reference moves from `from`; the old one is released. */
    setLocal(frame: Frame, i: number, value: ObjectId | undefined, from: Holder): void;
    /** localsplus[i] = a new reference to value (COPY_FREE_VARS, defaults). */
    initLocal(frame: Frame, i: number, value: ObjectId): void;
    makeCell(frame: Frame, i: number, initial: ObjectId | undefined): void;
    /** PyCell_SET then release the old content; the new value's reference moves from `from`. */
    cellSet(cell: ObjectId, value: ObjectId | undefined, from: Holder): void;
    unboundLocal(frame: Frame, i: number): PyRaise;
    unboundDeref(frame: Frame, i: number): PyRaise;
    /** _Py_EnterRecursiveCall for a C-level recursion point. */
    enterRecursive(where: string): void;
    leaveRecursive(): void;
    /** A frame for code run by exec/eval or a module import (the function made by PyEval_EvalCode). */
    runCode(fn: ObjectId, locals: ObjectId, out: Holder): ObjectId;
  }
}

const P = VM.prototype;

/** Frames of each code object, cleared and ready for another call (no frame object was ever made for them). */
const framePools = new WeakMap<DecodedCode, Frame[]>();

function newFrame(vm: VM, fn: ObjectId, fv: FunctionValue, locals: ObjectId): Frame {
  const code = decode(fv.co.co);
  const pool = framePools.get(code);
  const spare = pool?.pop();
  let f: Frame;
  if (spare !== undefined) {
    f = spare;
    f.reuse(fv.code, fn, fv.globals, fv.builtins, locals);
  } else f = new Frame(code, fv.code, fn, fv.globals, fv.builtins, locals);
  f.bind(vm.rt.enterFrame(code.co.name), 0 as ObjectId);
  return f;
}

/** A cleared frame goes back to its code's pool. */
function recycle(f: Frame): void {
  if (f.owner !== 0 || f.hadFrameObject) return;
  let pool = framePools.get(f.code);
  if (pool === undefined) framePools.set(f.code, (pool = []));
  if (pool.length < 16) pool.push(f);
}

/** The frame's special references: the function (moved from `from`, or new), the code, the locals. */
function initSpecials(vm: VM, f: Frame, from: Holder | undefined): void {
  if (from === undefined) vm.rt.increfSlot(f.func, f.fid, FUNC_SLOT);
  else vm.rt.moveToSlot(f.func, from, f.fid, FUNC_SLOT);
  vm.rt.increfSlot(f.codeId, f.fid, CODE_SLOT);
  if (f.locals !== 0) vm.rt.increfSlot(f.locals, f.fid, LOCALS_SLOT);
}

P.pushFrame = function (this: VM, fn, args, base, count, kwnames, from, locals) {
  const fv = this.as(fn, 'function');
  const f = newFrame(this, fn, fv, locals);
  initSpecials(this, f, from);
  const nkw = kwnames === undefined ? 0 : kwnames.length;
  try {
    bindArguments(this, f, fv, args, base, count - nkw, kwnames, from);
  } catch (e) {
    this.clearFrame(f);
    throw e;
  }
  enterPython(this, f);
  return f;
};

/** start_frame's _Py_EnterRecursivePy: a frame too deep is popped and the error raised in the caller. */
function enterPython(vm: VM, f: Frame): void {
  if (vm.depth >= RECURSION_LIMIT) {
    vm.clearFrame(f);
    throw vm.pyErr('RecursionError', 'maximum recursion depth exceeded');
  }
  vm.depth += 1;
}

P.enterRecursive = function (this: VM, where: string) {
  if (this.depth >= RECURSION_LIMIT) throw this.pyErr('RecursionError', `maximum recursion depth exceeded${where}`);
  this.depth += 1;
};

P.leaveRecursive = function (this: VM) {
  this.depth -= 1;
};

P.callFunction = function (this: VM, fn, args, kwnames, out) {
  const fv = this.as(fn, 'function');
  const locals = (fv.co.co.flags & 0x0001) !== 0 ? 0 : fv.globals;
  const f = newFrame(this, fn, fv, locals as ObjectId);
  initSpecials(this, f, undefined);
  const nkw = kwnames === undefined ? 0 : kwnames.length;
  try {
    bindArguments(this, f, fv, args, 0, args.length - nkw, kwnames, undefined);
  } catch (e) {
    this.clearFrame(f);
    throw e;
  }
  enterPython(this, f);
  const saved = this.rt.state.line;
  const result = evalFrame(this, f, out);
  if (saved > 0) this.rt.line(saved);
  return result;
};

P.runCode = function (this: VM, fn, locals, out) {
  const fv = this.as(fn, 'function');
  const f = newFrame(this, fn, fv, locals);
  initSpecials(this, f, undefined);
  enterPython(this, f);
  const saved = this.rt.state.line;
  const result = evalFrame(this, f, out);
  if (saved > 0) this.rt.line(saved);
  return result;
};

/**
 * initialize_locals: bind `args` (npos positional, then the values of `kwnames`) to the
 * frame's parameters. References move from `from`, or are new when `from` is undefined
 * (a call from TypeScript). On an error every argument not yet bound is released and
 * TypeError raised; the caller clears the frame (releasing what was bound).
 */
function bindArguments(
  vm: VM,
  f: Frame,
  fv: FunctionValue,
  args: readonly ObjectId[],
  base: number,
  npos: number,
  kwnames: readonly string[] | undefined,
  from: Holder | undefined,
): void {
  const co = f.code.co;
  const rt = vm.rt;
  const argcount = co.argcount;
  const totalArgs = argcount + co.kwonlyargcount;
  const names = co.localsplusnames;
  const take = (i: number, v: ObjectId): void => {
    f.localsplus[i] = v;
    if (from === undefined) rt.increfSlot(v, f.fid, names[i] as string);
    else rt.moveToSlot(v, from, f.fid, names[i] as string);
  };
  const drop = (v: ObjectId): void => {
    if (from !== undefined) rt.decref(v, from);
  };
  // The common call: exactly the positional parameters, nothing else.
  if (
    npos === argcount &&
    kwnames === undefined &&
    (co.flags & (CO_VARARGS | CO_VARKEYWORDS)) === 0 &&
    co.kwonlyargcount === 0
  ) {
    for (let i = 0; i < npos; i++) take(i, args[base + i] as ObjectId);
    return;
  }
  let kwdict: ObjectId | undefined;
  if ((co.flags & CO_VARKEYWORDS) !== 0) {
    const i = totalArgs + ((co.flags & CO_VARARGS) !== 0 ? 1 : 0);
    kwdict = vm.newDict(f.slotHolder(names[i] as string));
    f.localsplus[i] = kwdict;
  }
  const n = Math.min(npos, argcount);
  for (let j = 0; j < n; j++) take(j, args[base + j] as ObjectId);
  if ((co.flags & CO_VARARGS) !== 0) {
    const rest = args.slice(base + n, base + npos);
    const holder = f.slotHolder(names[totalArgs] as string);
    f.localsplus[totalArgs] = vm.newTuple(rest, holder, from);
  } else if (npos > n) {
    for (let j = n; j < npos; j++) drop(args[base + j] as ObjectId);
  }
  if (kwnames !== undefined) {
    for (let i = 0; i < kwnames.length; i++) {
      const keyword = kwnames[i] as string;
      const value = args[base + npos + i] as ObjectId;
      let j = co.posonlyargcount;
      while (j < totalArgs && names[j] !== keyword) j++;
      if (j >= totalArgs) {
        if (kwdict === undefined) {
          for (let k = i; k < kwnames.length; k++) drop(args[base + npos + k] as ObjectId);
          const posonly =
            co.posonlyargcount > 0 ? posonlyPassedAsKeyword(co.localsplusnames, co.posonlyargcount, kwnames) : [];
          if (posonly.length > 0) {
            throw vm.typeError(
              `${fv.qualname}() got some positional-only arguments passed as keyword arguments: '${posonly.join(', ')}'`,
            );
          }
          throw vm.typeError(`${fv.qualname}() got an unexpected keyword argument '${keyword}'`);
        }
        vm.dictSetStr(kwdict, keyword, value, from ?? C_TEMP, 'copy');
        drop(value);
        continue;
      }
      if (f.localsplus[j] !== undefined) {
        for (let k = i; k < kwnames.length; k++) drop(args[base + npos + k] as ObjectId);
        throw vm.typeError(`${fv.qualname}() got multiple values for argument '${keyword}'`);
      }
      take(j, value);
    }
  }
  if (npos > argcount && (co.flags & CO_VARARGS) === 0) {
    throw vm.typeError(tooManyPositional(vm, f, fv, npos));
  }
  if (npos < argcount) {
    const defaults = fv.defaults === undefined ? [] : vm.as(fv.defaults, 'tuple').items;
    const defcount = defaults.length;
    const m = argcount - defcount;
    const missing: string[] = [];
    for (let i = npos; i < m; i++) if (f.localsplus[i] === undefined) missing.push(names[i] as string);
    if (missing.length > 0) throw vm.typeError(missingArguments(fv, missing, 'positional'));
    // Defaults are new references (Py_INCREF(def)), not taken from the caller.
    for (let i = n > m ? n - m : 0; i < defcount; i++) {
      if (f.localsplus[m + i] === undefined) {
        const def = defaults[i] as ObjectId;
        f.localsplus[m + i] = def;
        rt.increfSlot(def, f.fid, names[m + i] as string);
      }
    }
  }
  if (co.kwonlyargcount > 0) {
    const missing: string[] = [];
    for (let i = argcount; i < totalArgs; i++) {
      if (f.localsplus[i] !== undefined) continue;
      const name = names[i] as string;
      const def = fv.kwdefaults === undefined ? undefined : vm.dictGetStr(fv.kwdefaults, name);
      if (def !== undefined) {
        f.localsplus[i] = def;
        rt.increfSlot(def, f.fid, name);
        continue;
      }
      missing.push(name);
    }
    if (missing.length > 0) throw vm.typeError(missingArguments(fv, missing, 'keyword-only'));
  }
}

function posonlyPassedAsKeyword(names: readonly string[], posonly: number, kwnames: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < posonly; i++) if (kwnames.includes(names[i] as string)) out.push(names[i] as string);
  return out;
}

/** too_many_positional's message. */
function tooManyPositional(vm: VM, f: Frame, fv: FunctionValue, given: number): string {
  const co = f.code.co;
  const defcount = fv.defaults === undefined ? 0 : vm.as(fv.defaults, 'tuple').items.length;
  let kwonlyGiven = 0;
  for (let i = co.argcount; i < co.argcount + co.kwonlyargcount; i++) if (f.localsplus[i] !== undefined) kwonlyGiven++;
  const argcount = co.argcount;
  const sig =
    defcount > 0
      ? `from ${argcount - defcount} to ${argcount} positional arguments`
      : `${argcount} positional argument${argcount === 1 ? '' : 's'}`;
  const kwonly =
    kwonlyGiven > 0
      ? ` positional argument${given === 1 ? '' : 's'} (and ${kwonlyGiven} keyword-only argument${kwonlyGiven === 1 ? '' : 's'})`
      : '';
  return `${fv.qualname}() takes ${sig} but ${given}${kwonly} ${given === 1 && kwonlyGiven === 0 ? 'was' : 'were'} given`;
}

/** missing_arguments's message: 'a', 'a' and 'b', 'a', 'b', and 'c'. */
function missingArguments(fv: FunctionValue, missing: readonly string[], kind: string): string {
  const q = missing.map((m) => `'${m}'`);
  const list =
    q.length === 1 ? q[0] : q.length === 2 ? `${q[0]} and ${q[1]}` : `${q.slice(0, -1).join(', ')}, and ${q.at(-1)}`;
  return `${fv.qualname}() missing ${missing.length} required ${kind} argument${missing.length === 1 ? '' : 's'}: ${list}`;
}

P.clearFrame = function (this: VM, frame: Frame) {
  const rt = this.rt;
  if (frame.frameObject !== 0) {
    const fo = frame.frameObject;
    frame.frameObject = 0 as ObjectId;
    if (rt.refcount(fo) > 1) {
      this.takeOwnership(frame, fo);
      rt.decref(fo, frame.slotHolder('(frame object)'));
      rt.exitFrame(frame.fid);
      return;
    }
    rt.decref(fo, frame.slotHolder('(frame object)'));
  }
  const order = frame.code.localsplusnames;
  rt.exitFrame(frame.fid, frame.locals !== 0 ? [...order, LOCALS_SLOT] : order);
  frame.localsplus.fill(undefined);
  frame.stack.length = 0;
  recycle(frame);
};

P.setLocal = function (this: VM, frame, i, value, from) {
  const old = frame.localsplus[i];
  frame.localsplus[i] = value;
  const name = frame.code.localsplusnames[i] as string;
  const rt = this.rt;
  if (frame.owner === 0) {
    if (value !== undefined) rt.moveToSlot(value, from, frame.fid, name);
    if (old !== undefined) rt.decrefSlot(old, frame.fid, name);
  } else {
    if (value !== undefined) rt.moveToRef(value, from, frame.owner, name);
    if (old !== undefined) rt.decrefRef(old, frame.owner, name);
  }
};

P.initLocal = function (this: VM, frame, i, value) {
  frame.localsplus[i] = value;
  const name = frame.code.localsplusnames[i] as string;
  if (frame.owner === 0) this.rt.increfSlot(value, frame.fid, name);
  else this.rt.increfRef(value, frame.owner, name);
};

P.makeCell = function (this: VM, frame, i, initial) {
  const cell = this.newCell(initial, C_TEMP);
  this.setLocal(frame, i, cell, C_TEMP);
};

P.cellSet = function (this: VM, cell, value, from) {
  const cv = this.as(cell, 'cell');
  const old = cv.content;
  cv.content = value;
  if (value !== undefined) this.rt.moveToRef(value, from, cell, 'cell_contents');
  if (old !== undefined) this.rt.decrefRef(old, cell, 'cell_contents');
};

P.unboundLocal = function (this: VM, frame, i) {
  const name = frame.name(i);
  return this.pyErr(
    'UnboundLocalError',
    `cannot access local variable '${name}' where it is not associated with a value`,
  );
};

P.unboundDeref = function (this: VM, frame, i) {
  const name = frame.name(i);
  if (i >= frame.code.freeStart) {
    return this.pyErr(
      'NameError',
      `cannot access free variable '${name}' where it is not associated with a value in enclosing scope`,
    );
  }
  return this.pyErr(
    'UnboundLocalError',
    `cannot access local variable '${name}' where it is not associated with a value`,
  );
};

P.call = function (this: VM, callable, args, kwnames, out) {
  const v = this.value(callable);
  switch (v.t) {
    case 'function':
      return this.callFunction(callable, args, kwnames, out);
    case 'method':
      return this.call(v.func, [v.self, ...args], kwnames, out);
    case 'builtin':
      return v.self === undefined ? v.fn(this, args, kwnames, out) : v.fn(this, [v.self, ...args], kwnames, out);
    default:
      break;
  }
  return this.callSlot(callable, args, kwnames, out);
};

P.callTuple = function (this: VM, callable, argsTuple, kwargs, out) {
  const items = this.as(argsTuple, 'tuple').items;
  if (kwargs === undefined || this.dictSize(kwargs) === 0) return this.call(callable, [...items], undefined, out);
  // _PyStack_UnpackDict: the keyword values get new references for the call's duration.
  const kwnames: string[] = [];
  const values: ObjectId[] = [];
  for (const [k, val] of this.dictStrItems(kwargs, 'keywords must be strings')) {
    kwnames.push(k);
    values.push(val);
    this.rt.incref(val, C_TEMP);
  }
  try {
    return this.call(callable, [...items, ...values], kwnames, out);
  } finally {
    for (const val of values) this.rt.decref(val, C_TEMP);
  }
};

export { newFrame, initSpecials };
