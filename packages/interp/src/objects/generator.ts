/*
 * Generators and coroutines
 * =========================
 * A generator (or coroutine) owns a suspended frame: RETURN_GENERATOR moves the frame's
 * references (its arguments, cells, function and code) into the generator object, whose
 * slots they then are (`x`, `(stack)`, `(function)`, `(code)`), so the collector sees
 * them as the generator's (gen_traverse). send() pushes the sent value on the frame's
 * stack and runs it to the next YIELD_VALUE (a nested run, as CPython's gen_send_ex2
 * calls the evaluation loop from C); a return or an exception ends it and clears the
 * frame. close() throws GeneratorExit in; a suspended generator's finalizer closes it
 * (PEP 442: at most once), so `finally` blocks run when it dies.
 *
 * Source: Objects/genobject.c (3.11): _Py_MakeCoro/make_gen, gen_send_ex2, gen_send_ex,
 * _gen_throw, gen_close, _PyGen_yf, _PyGen_Finalize, gen_iternext, coro_await;
 * Python/ceval.c (RETURN_GENERATOR, YIELD_VALUE, SEND, GET_AWAITABLE, throwflag).
 *
 * Simplifications: async generators run as plain generators driven by asend/athrow
 * awaitables of a simplified shape; the never-awaited coroutine RuntimeWarning is written
 * to stderr without the warnings machinery.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { CO_ASYNC_GENERATOR, CO_COROUTINE, CO_ITERABLE_COROUTINE } from '../compile/code.js';
import { Op } from '../compile/opcodes.js';
import { evalFrame } from '../vm/eval.js';
import { CODE_SLOT, FUNC_SLOT, LOCALS_SLOT, STACK_SLOT, type Frame } from '../vm/frame.js';
import { C_TEMP, PyRaise, RAISED, RECURSION_LIMIT, VM, type ExcStackItem } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { GeneratorValue, NativeMember } from '../vm/values.js';
import { methods } from './list.js';

declare module '../vm/vm.js' {
  interface VM {
    /** RETURN_GENERATOR: the frame moves into a new generator (owned by C_TEMP). */
    makeGenerator(frame: Frame): ObjectId;
    generatorSuspended(frame: Frame): void;
    generatorReturned(frame: Frame): void;
    generatorRaised(frame: Frame): void;
    /** PyIter_Send: ['next', yielded] or ['return', value], the value owned by `out`. */
    iterSend(receiver: ObjectId, value: ObjectId, out: Holder): ['next' | 'return', ObjectId];
    /** gen_send_ex2 with a value (or, when `exc` is given, throwing it in). */
    genSend(gen: ObjectId, value: ObjectId, out: Holder, exc?: PyRaise): ['next' | 'return', ObjectId];
    genClose(gen: ObjectId): void;
    getAwaitable(obj: ObjectId, where: number, out: Holder): ObjectId;
    asyncGenWrap(value: ObjectId, out: Holder): ObjectId;
    getAIter(obj: ObjectId, out: Holder): ObjectId;
    getANext(aiter: ObjectId, out: Holder): ObjectId;
    /** The generator's finalizer must run when it dies (a suspended frame). */
    generatorNeedsFinalizer(gen: ObjectId): boolean;
  }
}

const P = VM.prototype;

/** Exception state of each generator while it is not running (gi_exc_state). */
const excStates = new WeakMap<GeneratorValue, ExcStackItem>();

function genValue(vm: VM, gen: ObjectId): GeneratorValue {
  const v = vm.value(gen);
  if (v.t !== 'generator') throw new Error(`object #${gen} is not a generator`);
  return v;
}

const kindOf = (flags: number): GeneratorValue['kind'] =>
  (flags & CO_COROUTINE) !== 0 ? 'coroutine' : (flags & CO_ASYNC_GENERATOR) !== 0 ? 'async_generator' : 'generator';

P.makeGenerator = function (this: VM, frame) {
  const rt = this.rt;
  const co = frame.code.co;
  const kind = kindOf(co.flags);
  const fv = this.as(frame.func, 'function');
  const type =
    kind === 'coroutine' ? this.T.coroutine : kind === 'async_generator' ? this.T.async_generator : this.T.generator;
  const size = 168 + 8 * (frame.code.nlocalsplus + co.stacksize);
  const value: GeneratorValue = {
    t: 'generator',
    type,
    kind,
    frame,
    state: 'created',
    name: fv.name,
    qualname: fv.qualname,
    code: frame.codeId,
    closed: false,
  };
  const gen = this.alloc(kind, 'generator', size, value, C_TEMP);
  // _PyFrame_Copy: the frame's references now belong to the generator.
  const names = frame.code.localsplusnames;
  for (let i = 0; i < names.length; i++) {
    const v = frame.localsplus[i];
    if (v !== undefined)
      rt.moveToRef(v, { kind: 'frame', frame: frame.fid, name: names[i] as string }, gen, names[i] as string);
  }
  if (frame.locals !== 0)
    rt.moveToRef(frame.locals, { kind: 'frame', frame: frame.fid, name: LOCALS_SLOT }, gen, LOCALS_SLOT);
  rt.moveToRef(frame.func, { kind: 'frame', frame: frame.fid, name: FUNC_SLOT }, gen, FUNC_SLOT);
  rt.moveToRef(frame.codeId, { kind: 'frame', frame: frame.fid, name: CODE_SLOT }, gen, CODE_SLOT);
  rt.increfRef(frame.codeId, gen, 'gi_code');
  this.internStr(fv.name, { kind: 'object', owner: gen, slot: 'gi_name' });
  this.internStr(fv.qualname, { kind: 'object', owner: gen, slot: 'gi_qualname' });
  rt.exitFrame(frame.fid);
  frame.bind(0 as typeof frame.fid, gen);
  frame.isEntry = true;
  excStates.set(value, {
    value: undefined,
    holder: { kind: 'object', owner: gen, slot: 'gi_exc_state' },
    previous: undefined,
  });
  return gen;
};

P.generatorNeedsFinalizer = function (this: VM, gen) {
  const v = this.values.get(gen);
  return (
    v !== undefined &&
    v.t === 'generator' &&
    (v.state === 'suspended' || v.state === 'created') &&
    v.frame !== undefined
  );
};

/** The frame stops running: its heap-state frame ends, the thread's exception state is restored. */
function leaveFrame(vm: VM, frame: Frame, gv: GeneratorValue): void {
  const item = excStates.get(gv);
  if (item !== undefined) {
    vm.excInfo = item.previous ?? vm.excInfo;
    item.previous = undefined;
  }
  if (frame.fid !== 0) vm.rt.exitFrame(frame.fid);
  frame.fid = 0 as typeof frame.fid;
}

P.generatorSuspended = function (this: VM, frame) {
  const gv = genValue(this, frame.owner);
  gv.state = 'suspended';
  leaveFrame(this, frame, gv);
};

/** The generator's frame is done: its references released (gen_send_ex2's _PyFrame_Clear). */
function finishFrame(vm: VM, gen: ObjectId, gv: GeneratorValue, frame: Frame): void {
  gv.state = 'completed';
  leaveFrame(vm, frame, gv);
  // _PyErr_ClearExcState(&gen->gi_exc_state)
  const item = excStates.get(gv);
  if (item?.value !== undefined) {
    const v = item.value;
    item.value = undefined;
    vm.rt.decrefRef(v, gen, 'gi_exc_state');
  }
  gv.frame = undefined;
  clearGenFrame(vm, gen, frame);
}

/** _PyFrame_Clear of a generator's frame: locals in slot order, the stack, then locals dict, function, code. */
function clearGenFrame(vm: VM, gen: ObjectId, frame: Frame): void {
  const rt = vm.rt;
  if (frame.frameObject !== 0) {
    const fo = frame.frameObject;
    frame.frameObject = 0 as ObjectId;
    if (rt.refcount(fo) > 1) {
      vm.takeOwnership(frame, fo);
      rt.decrefRef(fo, gen, '(frame object)');
      return;
    }
    rt.decrefRef(fo, gen, '(frame object)');
  }
  const names = frame.code.localsplusnames;
  for (let i = 0; i < names.length; i++) {
    const v = frame.localsplus[i];
    if (v === undefined) continue;
    frame.localsplus[i] = undefined;
    rt.decrefRef(v, gen, names[i] as string);
  }
  while (frame.stack.length > 0) {
    const v = frame.stack.shift() as ObjectId;
    if (v !== 0) rt.decrefRef(v, gen, STACK_SLOT);
  }
  if (frame.locals !== 0) rt.decrefRef(frame.locals, gen, LOCALS_SLOT);
  rt.decrefRef(frame.func, gen, FUNC_SLOT);
  rt.decrefRef(frame.codeId, gen, CODE_SLOT);
}

P.generatorReturned = function (this: VM, frame) {
  const gen = frame.owner;
  finishFrame(this, gen, genValue(this, gen), frame);
};

P.generatorRaised = function (this: VM, frame) {
  const gen = frame.owner;
  finishFrame(this, gen, genValue(this, gen), frame);
};

const what = (gv: GeneratorValue): string =>
  gv.kind === 'coroutine' ? 'coroutine' : gv.kind === 'async_generator' ? 'async generator' : 'generator';

P.genSend = function (this: VM, gen, value, out, exc) {
  const gv = genValue(this, gen);
  const frame = gv.frame;
  if (gv.state === 'running') {
    if (exc !== undefined) this.clearRaise(exc);
    throw this.pyErr('ValueError', `${what(gv)} already executing`);
  }
  if (gv.state === 'completed' || frame === undefined) {
    if (exc !== undefined) {
      // Throwing into a finished generator raises the exception itself.
      throw exc;
    }
    if (gv.kind === 'coroutine') throw this.pyErr('RuntimeError', 'cannot reuse already awaited coroutine');
    throw this.pyErr(gv.kind === 'async_generator' ? 'StopAsyncIteration' : 'StopIteration');
  }
  if (gv.state === 'created' && exc === undefined && value !== this.statics.none) {
    throw this.typeError(`can't send non-None value to a just-started ${what(gv)}`);
  }
  // The sent value goes on the frame's stack (the first send's None is popped by POP_TOP).
  this.rt.increfRef(value, gen, STACK_SLOT);
  frame.stack.push(value);
  const item = excStates.get(gv) as ExcStackItem;
  item.previous = this.excInfo;
  this.excInfo = item;
  gv.state = 'running';
  frame.bind(this.rt.enterFrame(frame.code.co.name), gen);
  if (this.depth >= RECURSION_LIMIT) {
    gv.state = 'suspended';
    frame.stack.pop();
    this.rt.decrefRef(value, gen, STACK_SLOT);
    leaveFrame(this, frame, gv);
    throw this.pyErr('RecursionError', 'maximum recursion depth exceeded');
  }
  this.depth += 1;
  const saved = this.rt.state.line;
  let result: ObjectId;
  try {
    result = evalFrame(this, frame, out, exc);
  } catch (e) {
    if (saved > 0) this.rt.line(saved);
    if (e instanceof PyRaise && this.raised(e, 'StopIteration') && gv.kind !== 'async_generator') {
      // PEP 479: a StopIteration escaping a generator becomes RuntimeError.
      const err = this.pyErr('RuntimeError', `${what(gv)} raised StopIteration`);
      this.catchRaise(e, C_TEMP);
      const ev = this.value(err.exc) as { cause: ObjectId | undefined; suppressContext: boolean };
      ev.cause = e.exc;
      ev.suppressContext = true;
      this.rt.moveToRef(e.exc, C_TEMP, err.exc, '__cause__');
      throw err;
    }
    if (e instanceof PyRaise && gv.kind === 'async_generator' && this.raised(e, 'StopAsyncIteration')) {
      const err = this.pyErr('RuntimeError', 'async generator raised StopAsyncIteration');
      this.catchRaise(e, C_TEMP);
      this.rt.decref(e.exc, C_TEMP);
      throw err;
    }
    throw e;
  }
  if (saved > 0) this.rt.line(saved);
  return [(gv.state as GeneratorValue['state']) === 'suspended' ? 'next' : 'return', result];
};

/** gen_send / __next__: a returned value becomes StopIteration(value). */
function sendOrStop(vm: VM, gen: ObjectId, value: ObjectId, out: Holder, exc?: PyRaise): ObjectId {
  const [status, r] = vm.genSend(gen, value, out, exc);
  if (status === 'next') return r;
  const gv = genValue(vm, gen);
  if (gv.kind === 'async_generator') {
    vm.rt.decref(r, out);
    throw vm.pyErr('StopAsyncIteration');
  }
  // _PyGen_SetStopIterationValue
  if (r === vm.statics.none) {
    vm.rt.decref(r, out);
    throw vm.pyErr('StopIteration');
  }
  const cls = vm.typeByName.get('StopIteration') as ObjectId;
  vm.rt.move(r, out, C_TEMP);
  throw vm.raiseNew(cls, [r], C_TEMP);
}

P.iterSend = function (this: VM, receiver, value, out) {
  const rv = this.value(receiver);
  if (rv.t === 'generator') return this.genSend(receiver, value, out);
  if (value === this.statics.none && this.isIterator(receiver)) {
    try {
      const r = this.iterNext(receiver, out);
      if (r !== undefined) return ['next', r];
      return ['return', this.none(out)];
    } catch (e) {
      if (this.raised(e, 'StopIteration')) return ['return', stopValue(this, e, out)];
      throw e;
    }
  }
  try {
    const r = this.callMethod(receiver, 'send', [value], out);
    return ['next', r];
  } catch (e) {
    if (this.raised(e, 'StopIteration')) return ['return', stopValue(this, e, out)];
    throw e;
  }
};

/** _PyGen_FetchStopIterationValue: the exception's value, the exception released. */
function stopValue(vm: VM, e: PyRaise, out: Holder): ObjectId {
  const v = vm.instanceAttr(e.exc, 'value') ?? vm.statics.none;
  vm.rt.incref(v, out);
  vm.clearRaise(e);
  return v;
}

/** _PyGen_yf: the iterator a generator suspended in `yield from`/`await` delegates to. */
function yieldFrom(vm: VM, gv: GeneratorValue): ObjectId | undefined {
  const f = gv.frame;
  if (f === undefined || gv.state === 'created') return undefined;
  const next = f.pc;
  if (f.code.ops[next] !== Op.RESUME || (f.code.args[next] as number) < 2) return undefined;
  return f.stack[f.stack.length - 1];
}

function closeIter(vm: VM, yf: ObjectId): void {
  const v = vm.value(yf);
  if (v.t === 'generator') {
    vm.genClose(yf);
    return;
  }
  const close = vm.getAttrOpt(yf, 'close', C_TEMP);
  if (close === undefined) return;
  try {
    vm.rt.decref(vm.call(close, [], undefined, C_TEMP), C_TEMP);
  } finally {
    vm.rt.decref(close, C_TEMP);
  }
}

/** _gen_throw: throw `exc` (a raised PyRaise) into the generator, delegating to a `yield from` target. */
function genThrow(vm: VM, gen: ObjectId, exc: PyRaise, out: Holder): ObjectId {
  const gv = genValue(vm, gen);
  const yf = yieldFrom(vm, gv);
  if (yf !== undefined) {
    vm.rt.incref(yf, C_TEMP);
    try {
      if (vm.isInstanceOf(exc.exc, vm.typeByName.get('GeneratorExit') as ObjectId)) {
        gv.state = 'running';
        try {
          closeIter(vm, yf);
        } catch (e) {
          gv.state = 'suspended';
          vm.clearRaise(exc);
          return sendOrStopWith(vm, gen, out, e as PyRaise);
        }
        gv.state = 'suspended';
        return sendOrStopWith(vm, gen, out, exc);
      }
      let ret: ObjectId | undefined;
      let raised: PyRaise | undefined;
      gv.state = 'running';
      try {
        if (vm.value(yf).t === 'generator') ret = genThrow(vm, yf, exc, out);
        else {
          const t = vm.getAttrOpt(yf, 'throw', C_TEMP);
          if (t === undefined) {
            gv.state = 'suspended';
            return sendOrStopWith(vm, gen, out, exc);
          }
          const excObj = exc.exc;
          vm.catchRaise(exc, C_TEMP);
          try {
            ret = vm.call(t, [excObj], undefined, out);
          } finally {
            vm.rt.decref(t, C_TEMP);
            vm.rt.decref(excObj, C_TEMP);
          }
        }
      } catch (e) {
        if (!(e instanceof PyRaise)) throw e;
        raised = e;
      }
      gv.state = 'suspended';
      if (raised === undefined) return ret as ObjectId;
      // The subiterator is done: it comes off the stack, and the frame resumes past the
      // SEND loop (3.11 moves prev_instr to SEND's target itself), with the subiterator's
      // return value sent in, or its exception thrown in.
      const f = gv.frame as Frame;
      const popped = f.stack.pop() as ObjectId;
      vm.rt.decrefRef(popped, gen, STACK_SLOT);
      const sendAt = f.pc - 2;
      if (f.code.ops[sendAt] === Op.SEND) f.pc = f.code.args[sendAt] as number;
      if (vm.raised(raised, 'StopIteration')) {
        const val = stopValue(vm, raised, C_TEMP);
        try {
          return sendOrStop(vm, gen, val, out);
        } finally {
          vm.rt.decref(val, C_TEMP);
        }
      }
      return sendOrStopWith(vm, gen, out, raised);
    } finally {
      vm.rt.decref(yf, C_TEMP);
    }
  }
  return sendOrStopWith(vm, gen, out, exc);
}

function sendOrStopWith(vm: VM, gen: ObjectId, out: Holder, exc: PyRaise): ObjectId {
  return sendOrStop(vm, gen, vm.statics.none, out, exc);
}

/** The exception gen.throw(typ[, val[, tb]]) raises: normalised as _gen_throw does. */
function makeThrown(vm: VM, args: readonly ObjectId[]): PyRaise {
  const typ = args[0] as ObjectId;
  const val = args[1];
  const tb = args[2];
  if (tb !== undefined && tb !== vm.statics.none && vm.value(tb).t !== 'traceback') {
    throw vm.typeError('throw() third argument must be a traceback object');
  }
  const tv = vm.value(typ);
  let exc: ObjectId;
  if (tv.t === 'type' && vm.isSubtype(typ, vm.T.BaseException)) {
    if (val !== undefined && val !== vm.statics.none && vm.isInstanceOf(val, typ)) exc = vm.ret(val, C_TEMP);
    else exc = vm.call(typ, val === undefined || val === vm.statics.none ? [] : [val], undefined, C_TEMP);
  } else if (tv.t === 'exception') {
    if (val !== undefined && val !== vm.statics.none)
      throw vm.typeError('instance exception may not have a separate value');
    exc = vm.ret(typ, C_TEMP);
  } else {
    throw vm.typeError(`exceptions must be classes or instances deriving from BaseException, not ${vm.typeName(typ)}`);
  }
  if (tb !== undefined && tb !== vm.statics.none) {
    const ev = vm.value(exc) as { traceback: ObjectId | undefined };
    const old = ev.traceback;
    ev.traceback = tb;
    vm.rt.increfRef(tb, exc, '__traceback__');
    if (old !== undefined) vm.rt.decrefRef(old, exc, '__traceback__');
  }
  // Thrown in without the thread's handled exception as context (the frame sets it).
  vm.rt.move(exc, C_TEMP, RAISED);
  const e = new PyRaise(exc);
  const existing = (vm.value(exc) as { traceback: ObjectId | undefined }).traceback;
  if (existing !== undefined) {
    vm.rt.incref(existing, RAISED);
    e.tb = existing;
  }
  return e;
}

P.genClose = function (this: VM, gen) {
  const gv = genValue(this, gen);
  if (gv.state === 'completed' || gv.frame === undefined) return;
  if (gv.state === 'created') {
    // Never started: nothing in the frame can catch GeneratorExit.
    gv.state = 'completed';
    gv.frame.bind(0 as Frame['fid'], gen);
    const frame = gv.frame;
    gv.frame = undefined;
    clearGenFrame(this, gen, frame);
    return;
  }
  const yf = yieldFrom(this, gv);
  let err: PyRaise | undefined;
  if (yf !== undefined) {
    this.rt.incref(yf, C_TEMP);
    gv.state = 'running';
    try {
      closeIter(this, yf);
    } catch (e) {
      if (!(e instanceof PyRaise)) throw e;
      err = e;
    } finally {
      gv.state = 'suspended';
      this.rt.decref(yf, C_TEMP);
    }
  }
  const exc = err ?? this.pyErr('GeneratorExit');
  try {
    const [status, r] = this.genSend(gen, this.statics.none, C_TEMP, exc);
    this.rt.decref(r, C_TEMP);
    if (status === 'next') throw this.pyErr('RuntimeError', `${what(gv)} ignored GeneratorExit`);
  } catch (e) {
    if (this.raised(e, 'StopIteration') || this.raised(e, 'GeneratorExit')) {
      this.clearRaise(e);
      return;
    }
    throw e;
  }
};

const genSlots: TypeSlots = {
  iter: (vm, self, out) => vm.ret(self, out),
  next: (vm, self, out) => {
    // gen_iternext of a finished generator: exhausted, with no StopIteration made.
    if (genValue(vm, self).state === 'completed') return undefined;
    const [status, r] = vm.genSend(self, vm.statics.none, out);
    if (status === 'next') return r;
    // gen_iternext: a returned non-None value becomes StopIteration(value), which FOR_ITER clears.
    if (r !== vm.statics.none) {
      vm.rt.move(r, out, C_TEMP);
      throw vm.raiseNew(vm.typeByName.get('StopIteration') as ObjectId, [r], C_TEMP);
    }
    vm.rt.decref(r, out);
    return undefined;
  },
  repr: (vm, self) => {
    const gv = genValue(vm, self);
    return `<${gv.kind === 'async_generator' ? 'async_generator' : gv.kind} object ${gv.qualname} at 0x${vm.rt.object(self).addr.toString(16)}>`;
  },
  hash: (vm, self) => BigInt(vm.rt.object(self).addr >> 4),
};

const coroSlots: TypeSlots = {
  repr: genSlots.repr as NonNullable<TypeSlots['repr']>,
  hash: genSlots.hash as NonNullable<TypeSlots['hash']>,
};

const genMethods: Record<string, Native> = {
  send: (vm, args, _kw, out) => sendOrStop(vm, args[0] as ObjectId, args[1] ?? vm.statics.none, out),
  throw: (vm, args, _kw, out) => {
    if (args.length < 2) throw vm.typeError(`throw expected at least 1 argument, got 0`);
    return genThrow(vm, args[0] as ObjectId, makeThrown(vm, args.slice(1)), out);
  },
  close: (vm, args, _kw, out) => {
    vm.genClose(args[0] as ObjectId);
    return vm.none(out);
  },
  __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(vm.rt.object(args[0] as ObjectId).size - 16), out),
};

function genMembers(prefix: 'gi' | 'cr' | 'ag'): Record<string, NativeMember> {
  const get = (f: (vm: VM, gv: GeneratorValue, self: ObjectId) => ObjectId): NativeMember => ({
    k: 'getset',
    get: (vmu, self) => f(vmu as VM, genValue(vmu as VM, self), self),
  });
  return {
    ...methods(genMethods),
    [`${prefix}_frame`]: get((vm, gv) => {
      if (gv.frame === undefined) return vm.none(C_TEMP);
      return vm.ret(vm.frameObjectOfGen(gv), C_TEMP);
    }),
    [`${prefix}_running`]: get((vm, gv) => vm.bool(gv.state === 'running', C_TEMP)),
    [`${prefix}_code`]: get((vm, gv) => vm.ret(gv.code, C_TEMP)),
    [`${prefix}_suspended`]: get((vm, gv) => vm.bool(gv.state === 'suspended', C_TEMP)),
    [prefix === 'cr' ? 'cr_await' : prefix === 'ag' ? 'ag_await' : 'gi_yieldfrom']: get((vm, gv) =>
      vm.ret(yieldFrom(vm, gv) ?? vm.statics.none, C_TEMP),
    ),
    __name__: get((vm, gv) => vm.newStr(gv.name, C_TEMP)),
    __qualname__: get((vm, gv) => vm.newStr(gv.qualname, C_TEMP)),
  };
}

declare module '../vm/vm.js' {
  interface VM {
    frameObjectOfGen(gv: GeneratorValue): ObjectId;
  }
}

P.frameObjectOfGen = function (this: VM, gv) {
  return this.frameObject(gv.frame as Frame);
};

// ---------------------------------------------------------------------------------
// Coroutines and await

/** coro.__await__(): a coroutine_wrapper iterating the coroutine. */
const coroAwait: Native = (vm, args, _kw, out) => {
  const coro = args[0] as ObjectId;
  const w = vm.alloc(
    'coroutine_wrapper',
    'method',
    48,
    {
      t: 'iterator',
      type: vm.typeByName.get('coroutine_wrapper') as ObjectId,
      kind: 'coroutine_wrapper',
      seq: coro,
      index: 0,
    },
    out,
  );
  vm.rt.increfRef(coro, w, 'cw_coroutine');
  return w;
};

const wrapped = (vm: VM, w: ObjectId): ObjectId => vm.as(w, 'iterator').seq as ObjectId;

const wrapperSlots: TypeSlots = {
  iter: (vm, self, out) => vm.ret(self, out),
  next: (vm, self, out) => {
    try {
      return sendOrStop(vm, wrapped(vm, self), vm.statics.none, out);
    } catch (e) {
      if (vm.raised(e, 'StopIteration') && vm.instanceAttr(e.exc, 'value') === vm.statics.none) {
        vm.clearRaise(e);
        return undefined;
      }
      throw e;
    }
  },
};

const wrapperMethods: Record<string, Native> = {
  send: (vm, args, _kw, out) => sendOrStop(vm, wrapped(vm, args[0] as ObjectId), args[1] ?? vm.statics.none, out),
  throw: (vm, args, _kw, out) => genThrow(vm, wrapped(vm, args[0] as ObjectId), makeThrown(vm, args.slice(1)), out),
  close: (vm, args, _kw, out) => {
    vm.genClose(wrapped(vm, args[0] as ObjectId));
    return vm.none(out);
  },
};

P.getAwaitable = function (this: VM, obj, where, out) {
  const v = this.value(obj);
  let it: ObjectId;
  if (
    v.t === 'generator' &&
    (v.kind === 'coroutine' || (v.frame !== undefined && (v.frame.code.co.flags & CO_ITERABLE_COROUTINE) !== 0))
  ) {
    it = this.ret(obj, out);
  } else {
    const aw = this.lookupType(v.type, '__await__');
    if (aw === undefined) {
      if (where === 1)
        throw this.typeError(
          `'async with' received an object from __aenter__ that does not implement __await__: ${this.typeName(obj)}`,
        );
      if (where === 2)
        throw this.typeError(
          `'async with' received an object from __aexit__ that does not implement __await__: ${this.typeName(obj)}`,
        );
      throw this.typeError(`object ${this.typeName(obj)} can't be used in 'await' expression`);
    }
    it = this.callUnbound(aw, obj, [], out);
    const iv = this.value(it);
    if (iv.t === 'generator' && iv.kind === 'coroutine') {
      this.rt.decref(it, out);
      throw this.typeError('__await__() returned a coroutine');
    }
    if (!this.isIterator(it)) {
      const tn = this.typeName(it);
      this.rt.decref(it, out);
      throw this.typeError(`__await__() returned non-iterator of type '${tn}'`);
    }
  }
  const iv = this.value(it);
  if (iv.t === 'generator' && iv.kind === 'coroutine' && yieldFrom(this, iv) !== undefined) {
    this.rt.decref(it, out);
    throw this.pyErr('RuntimeError', 'coroutine is being awaited already');
  }
  return it;
};

P.asyncGenWrap = function (this: VM, value, out) {
  const w = this.alloc(
    'async_generator_wrapped_value',
    'method',
    24,
    { t: 'native', type: this.T.object, data: 'wrapped' },
    out,
  );
  this.rt.increfRef(value, w, 'agw_val');
  return w;
};

P.getAIter = function (this: VM, obj, out) {
  const f = this.lookupType(this.typeOf(obj), '__aiter__');
  if (f === undefined)
    throw this.typeError(`'async for' requires an object with __aiter__ method, got ${this.typeName(obj)}`);
  const it = this.callUnbound(f, obj, [], out);
  if (this.lookupType(this.typeOf(it), '__anext__') === undefined) {
    const tn = this.typeName(it);
    this.rt.decref(it, out);
    throw this.typeError(`'async for' received an object from __aiter__ that does not implement __anext__: ${tn}`);
  }
  return it;
};

P.getANext = function (this: VM, aiter, out) {
  const f = this.lookupType(this.typeOf(aiter), '__anext__');
  if (f === undefined)
    throw this.typeError(`'async for' requires an iterator with __anext__ method, got ${this.typeName(aiter)}`);
  const next = this.callUnbound(f, aiter, [], C_TEMP);
  try {
    return this.getAwaitable(next, 0, out);
  } catch (e) {
    if (this.raised(e, 'TypeError')) {
      this.clearRaise(e);
      throw this.typeError(`'async for' received an invalid object from __anext__: ${this.typeName(next)}`);
    }
    throw e;
  } finally {
    this.rt.decref(next, C_TEMP);
  }
};

export function defineGeneratorTypes(vm: VM): void {
  vm.T.generator = vm.defineType({
    name: 'generator',
    base: vm.T.object,
    baseType: false,
    slots: genSlots,
    members: genMembers('gi'),
  });
  vm.T.coroutine = vm.defineType({
    name: 'coroutine',
    base: vm.T.object,
    baseType: false,
    slots: coroSlots,
    members: { ...genMembers('cr'), __await__: { k: 'method', fn: coroAwait } },
  });
  vm.T.async_generator = vm.defineType({
    name: 'async_generator',
    base: vm.T.object,
    baseType: false,
    slots: coroSlots,
    members: genMembers('ag'),
  });
  vm.defineType({
    name: 'coroutine_wrapper',
    base: vm.T.object,
    baseType: false,
    slots: wrapperSlots,
    members: methods(wrapperMethods),
  });
}

export { genValue };
