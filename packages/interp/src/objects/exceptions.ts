/*
 * Exceptions, tracebacks and frame objects
 * ========================================
 * The built-in exception hierarchy; raising (do_raise: instantiating a class, `from`
 * causes, the implicit `__context__` of _PyErr_SetObject); the traceback entry each
 * frame adds as an exception passes through it (PyTraceBack_Here: a traceback object
 * holding the frame's frame object, made on first need); catching (exception_unwind sets
 * `__traceback__` and pushes the exception); and what a frame object keeps when it
 * outlives its frame (take_ownership: the frame's locals move into it, and it links to
 * its caller's frame object, made for the occasion). So an exception caught or stored
 * keeps alive exactly the frames and locals CPython's does.
 *
 * Source: Objects/exceptions.c (BaseException_new/init/clear, the subclasses' members),
 * Python/ceval.c (do_raise, exception_unwind, RERAISE, PUSH_EXC_INFO), Python/errors.c
 * (_PyErr_SetObject's context chaining), Python/traceback.c (PyTraceBack_Here,
 * tb_create_raw, print_exception), Objects/frameobject.c (_PyFrame_New_NoTrack,
 * take_ownership, frame_dealloc), Python/pythonrun.c (print_exception_recursive).
 *
 * Simplifications: an exception set by the VM is instantiated at once (CPython may keep
 * it unnormalised until someone looks); `except*` and exception groups are not simulated.
 */
import { formatSyntaxError, type SyntaxErrorInfo } from '../compile/source.js';
import { FIXED_SIZES, tupleSize, type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, PyRaise, RAISED, VM } from '../vm/vm.js';
import type { Frame } from '../vm/frame.js';
import { CODE_SLOT, FUNC_SLOT, LOCALS_SLOT, STACK_SLOT } from '../vm/frame.js';
import type { Native } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember, ValueOf } from '../vm/values.js';
import { methods } from './list.js';
import { displayLine, positionAt } from './tbdisplay.js';
import { offerSuggestion } from './suggestions.js';
import type { CodeObject } from '../compile/code.js';

type ExcValue = ValueOf<'exception'>;

declare module '../vm/vm.js' {
  interface VM {
    /** raise cls(*args): a new exception (references to args taken from `from`), raised. */
    raiseNew: (cls: ObjectId, args: readonly ObjectId[], from: Holder) => PyRaise;
    /** BaseException_new: an exception instance of (a subclass of) BaseException, owned by `out`. */
    newException(cls: ObjectId, args: readonly ObjectId[], out: Holder): ObjectId;
    /** RAISE_VARARGS 1/2: `raise exc [from cause]`, the references taken from `from`. */
    doRaise(exc: ObjectId, cause: ObjectId | undefined, from: Holder): PyRaise;
    /** A bare `raise`: the exception being handled again. */
    raiseCurrent(): PyRaise;
    /** RERAISE / END_ASYNC_FOR: the exception on the stack raised again (its traceback kept). */
    reraise(exc: ObjectId, from: Holder): PyRaise;
    /** Raise an existing exception object (a new reference), as _PyErr_SetObject does. */
    raiseObject(exc: ObjectId, from: Holder): PyRaise;
    /** exception_unwind found a handler: set __traceback__, move the exception to `to`. */
    catchRaise(e: PyRaise, to: Holder): void;
    /** PyTraceBack_Here: the frame's entry at the head of the traceback. */
    tracebackHere(frame: Frame, e: PyRaise): void;
    /** exc.__traceback__ (borrowed), or None. */
    exceptionTraceback(exc: ObjectId): ObjectId;
    checkExceptionClasses(right: ObjectId): void;
    exceptionMatches(exc: ObjectId, classes: ObjectId): boolean;
    /** The frame object of a running frame (made, untracked, on first ask). */
    frameObject(frame: Frame): ObjectId;
    /** take_ownership: the frame's references move into its frame object. */
    takeOwnership(frame: Frame, fo: ObjectId): void;
    /** Set exc.__context__ to the exception being handled (with CPython's cycle breaking). */
    chainContext(exc: ObjectId): void;
    /** The exception being handled (sys.exception()), or undefined. */
    currentException(): ObjectId | undefined;
    /** `type(exc).__name__: message`, the last line of a traceback. */
    formatExceptionOnly(exc: ObjectId): string;
    /** The whole traceback text CPython prints for an uncaught exception (with its chain). */
    formatTraceback(e: PyRaise): string;
    /** "Exception ignored in: ..." for an exception nobody can catch (__del__, callbacks). */
    /** _PyErr_WriteUnraisableMsg: "Exception ignored in: where" (or `msg`: where) and the traceback. */
    reportUnraisable(e: PyRaise, where: string, msg?: string): void;
    /** Source lines by file name, for tracebacks (linecache). */
    sources: Map<string, string>;
  }
}

const P = VM.prototype;

function excValue(vm: VM, exc: ObjectId): ExcValue {
  const v = vm.value(exc);
  if (v.t !== 'exception') throw new Error(`object #${exc} is not an exception`);
  return v;
}

/** Exception sizes in 3.11 (sys.getsizeof of an instance of each static type). */
const SIZES: Record<string, number> = {
  StopIteration: 96,
  OSError: 128,
  SyntaxError: 152,
  ImportError: 112,
  ModuleNotFoundError: 112,
  AttributeError: 104,
  NameError: 96,
  UnboundLocalError: 96,
  SystemExit: 96,
  UnicodeDecodeError: 128,
  UnicodeEncodeError: 128,
  UnicodeTranslateError: 128,
};

function baseSizeOf(vm: VM, cls: ObjectId): number {
  for (const t of vm.typeValue(cls).mro) {
    const s = SIZES[vm.typeValue(t).name];
    if (s !== undefined && !vm.typeValue(t).heap) return s;
  }
  return 88;
}

P.newException = function (this: VM, cls, args, out) {
  const tv = this.typeValue(cls);
  const size = baseSizeOf(this, cls) + (tv.heap ? 8 : 0);
  const value: ExcValue = {
    t: 'exception',
    type: cls,
    args: this.statics.emptyTuple,
    traceback: undefined,
    context: undefined,
    cause: undefined,
    suppressContext: false,
  };
  if (tv.heap) value.attrs = new Map();
  const exc = this.alloc(tv.name, 'exception', size, value, C_TEMP);
  const t = this.newTuple(args, C_TEMP);
  value.args = t;
  this.rt.moveToRef(t, C_TEMP, exc, 'args');
  if (tv.heap) this.rt.increfRef(cls, exc, '__class__');
  this.rt.move(exc, C_TEMP, out);
  return exc;
};

P.raiseNew = function (this: VM, cls, args, from) {
  const exc = this.newException(cls, args, C_TEMP);
  for (const a of args) this.rt.decref(a, from);
  initSpecialFields(this, exc, args);
  return this.raiseObject(exc, C_TEMP);
};

/** The fields some exception classes fill from their arguments (StopIteration.value ...). */
function initSpecialFields(vm: VM, exc: ObjectId, args: readonly ObjectId[]): void {
  const cls = vm.typeOf(exc);
  const is = (name: string): boolean => vm.isSubtype(cls, vm.typeByName.get(name) as ObjectId);
  const set = (name: string, v: ObjectId): void => vm.setInstanceAttr(exc, name, v, C_TEMP, 'copy');
  if (is('OSError')) {
    initOSError(vm, exc, args);
    return;
  }
  if (is('SyntaxError')) {
    // SyntaxError_init: (msg, (filename, lineno, offset, text[, end_lineno, end_offset])).
    if (args.length >= 1) set('msg', args[0] as ObjectId);
    if (args.length === 2) {
      const info = vm.iterateToArray(args[1] as ObjectId, C_TEMP);
      try {
        if (info.length < 4 || info.length > 6)
          throw vm.typeError(
            info.length < 4
              ? `function takes at least 4 arguments (${info.length} given)`
              : `function takes at most 6 arguments (${info.length} given)`,
          );
        ['filename', 'lineno', 'offset', 'text', 'end_lineno', 'end_offset'].forEach((name, i) => {
          const v = info[i];
          if (v !== undefined) set(name, v);
        });
      } finally {
        for (const x of info) vm.rt.decref(x, C_TEMP);
      }
    }
  } else if (is('StopIteration')) set('value', args[0] ?? vm.statics.none);
  else if (is('SystemExit'))
    set(
      'code',
      args.length === 0 ? vm.statics.none : args.length === 1 ? (args[0] as ObjectId) : excValue(vm, exc).args,
    );
}

/**
 * oserror_init: with 2 to 5 arguments, errno, strerror, filename, (winerror,) filename2;
 * when a filename is given the args tuple keeps only (errno, strerror).
 */
function initOSError(vm: VM, exc: ObjectId, args: readonly ObjectId[]): void {
  const set = (name: string, v: ObjectId): void => vm.setInstanceAttr(exc, name, v, C_TEMP, 'copy');
  const none = vm.statics.none;
  for (const name of ['errno', 'strerror', 'filename', 'filename2']) set(name, none);
  if (args.length < 2 || args.length > 5) return;
  set('errno', args[0] as ObjectId);
  set('strerror', args[1] as ObjectId);
  const filename = args[2];
  if (filename !== undefined && filename !== none) {
    set('filename', filename);
    const filename2 = args[4];
    if (filename2 !== undefined && filename2 !== none) set('filename2', filename2);
    setArgs(vm, exc, args.slice(0, 2));
  }
}

/** OSError_str: "[Errno 2] No such file or directory: 'x'". */
function osErrorStr(vm: VM, self: ObjectId): string {
  const attr = (n: string): ObjectId | undefined => {
    const v = vm.instanceAttr(self, n);
    return v === undefined || v === vm.statics.none ? undefined : v;
  };
  const errno = attr('errno');
  const strerror = attr('strerror');
  const filename = attr('filename');
  const filename2 = attr('filename2');
  const e = errno === undefined ? 'None' : vm.strText(errno);
  const m = strerror === undefined ? 'None' : vm.strText(strerror);
  if (filename !== undefined) {
    if (filename2 !== undefined) return `[Errno ${e}] ${m}: ${vm.reprText(filename)} -> ${vm.reprText(filename2)}`;
    return `[Errno ${e}] ${m}: ${vm.reprText(filename)}`;
  }
  if (errno !== undefined && strerror !== undefined) return `[Errno ${e}] ${m}`;
  return excStr(vm, self);
}

/** The OSError subclass CPython's errnomap gives an errno (OSError itself when none). */
export function osErrorClass(vm: VM, errno: number): ObjectId {
  const byErrno: Record<number, string> = {
    11: 'BlockingIOError',
    114: 'BlockingIOError',
    115: 'BlockingIOError',
    10: 'ChildProcessError',
    32: 'BrokenPipeError',
    108: 'BrokenPipeError',
    103: 'ConnectionAbortedError',
    111: 'ConnectionRefusedError',
    104: 'ConnectionResetError',
    17: 'FileExistsError',
    2: 'FileNotFoundError',
    21: 'IsADirectoryError',
    20: 'NotADirectoryError',
    4: 'InterruptedError',
    13: 'PermissionError',
    1: 'PermissionError',
    3: 'ProcessLookupError',
    110: 'TimeoutError',
  };
  return vm.typeByName.get(byErrno[errno] ?? 'OSError') as ObjectId;
}

P.chainContext = function (this: VM, exc) {
  const handled = this.currentException();
  if (handled === undefined || handled === exc) return;
  // Avoid a cycle through the context chain (errors.c): cut it where exc appears.
  let o = handled;
  for (let guard = 0; guard < 10000; guard++) {
    const ov = this.value(o);
    if (ov.t !== 'exception' || ov.context === undefined) break;
    if (ov.context === exc) {
      this.rt.decrefRef(exc, o, '__context__');
      ov.context = undefined;
      break;
    }
    o = ov.context;
  }
  setContext(this, exc, handled);
};

function setContext(vm: VM, exc: ObjectId, context: ObjectId | undefined): void {
  const v = excValue(vm, exc);
  const old = v.context;
  v.context = context;
  if (context !== undefined) vm.rt.increfRef(context, exc, '__context__');
  if (old !== undefined) vm.rt.decrefRef(old, exc, '__context__');
}

P.currentException = function (this: VM) {
  for (let item: typeof this.excInfo | undefined = this.excInfo; item !== undefined; item = item.previous) {
    if (item.value !== undefined && item.value !== this.statics.none) return item.value;
  }
  return undefined;
};

P.raiseObject = function (this: VM, exc, from) {
  this.chainContext(exc);
  this.rt.move(exc, from, RAISED);
  const e = new PyRaise(exc);
  const tb = excValue(this, exc).traceback;
  if (tb !== undefined) {
    this.rt.incref(tb, RAISED);
    e.tb = tb;
  }
  return e;
};

const isExceptionClass = (vm: VM, id: ObjectId): boolean => {
  const v = vm.value(id);
  return v.t === 'type' && vm.isSubtype(id, vm.T.BaseException);
};
const isExceptionInstance = (vm: VM, id: ObjectId): boolean => vm.value(id).t === 'exception';

P.doRaise = function (this: VM, exc, cause, from) {
  // do_raise: `value` and `cause` are owned by `from` until they are raised or released.
  let value: ObjectId | undefined;
  let pendingCause = cause;
  const release = (): void => {
    if (value !== undefined) this.rt.decref(value, from);
    if (pendingCause !== undefined) this.rt.decref(pendingCause, from);
  };
  try {
    if (isExceptionClass(this, exc)) {
      const inst = this.call(exc, [], undefined, from);
      this.rt.decref(exc, from);
      value = inst;
      if (!isExceptionInstance(this, inst)) {
        throw this.typeError(
          `calling ${this.reprText(exc)} should have returned an instance of BaseException, not ${this.reprText(this.typeOf(inst))}`,
        );
      }
    } else if (isExceptionInstance(this, exc)) value = exc;
    else {
      this.rt.decref(exc, from);
      throw this.typeError('exceptions must derive from BaseException');
    }
    if (pendingCause !== undefined) {
      let fixed: ObjectId | undefined;
      const c = pendingCause;
      if (isExceptionClass(this, c)) {
        fixed = this.call(c, [], undefined, from);
        this.rt.decref(c, from);
      } else if (isExceptionInstance(this, c)) fixed = c;
      else if (c === this.statics.none) {
        this.rt.decref(c, from);
        fixed = undefined;
      } else throw this.typeError('exception causes must derive from BaseException');
      pendingCause = undefined;
      // PyException_SetCause: steals the cause, sets __suppress_context__.
      const v = excValue(this, value);
      const old = v.cause;
      v.cause = fixed;
      v.suppressContext = true;
      if (fixed !== undefined) this.rt.moveToRef(fixed, from, value, '__cause__');
      if (old !== undefined) this.rt.decrefRef(old, value, '__cause__');
    }
  } catch (e) {
    release();
    throw e;
  }
  return this.raiseObject(value, from);
};

P.raiseCurrent = function (this: VM) {
  const exc = this.currentException();
  if (exc === undefined) throw this.pyErr('RuntimeError', 'No active exception to reraise');
  this.rt.incref(exc, RAISED);
  const e = new PyRaise(exc);
  const tb = excValue(this, exc).traceback;
  if (tb !== undefined) {
    this.rt.incref(tb, RAISED);
    e.tb = tb;
  }
  e.bare = true;
  return e;
};

P.reraise = function (this: VM, exc, from) {
  this.rt.move(exc, from, RAISED);
  const e = new PyRaise(exc);
  const tb = excValue(this, exc).traceback;
  if (tb !== undefined) {
    this.rt.incref(tb, RAISED);
    e.tb = tb;
  }
  e.bare = true;
  return e;
};

/** PyException_SetTraceback. */
function setTraceback(vm: VM, exc: ObjectId, tb: ObjectId | undefined): void {
  const v = excValue(vm, exc);
  const old = v.traceback;
  if (old === tb) return;
  v.traceback = tb;
  if (tb !== undefined) vm.rt.increfRef(tb, exc, '__traceback__');
  if (old !== undefined) vm.rt.decrefRef(old, exc, '__traceback__');
}

P.catchRaise = function (this: VM, e, to) {
  if (e.tb !== undefined) {
    setTraceback(this, e.exc, e.tb);
    this.rt.decref(e.tb, RAISED);
    e.tb = undefined;
  }
  this.rt.move(e.exc, RAISED, to);
};

P.tracebackHere = function (this: VM, frame, e) {
  const fo = this.frameObject(frame);
  const line = frame.code.lines[frame.lasti] ?? -1;
  const tb = this.alloc(
    'traceback',
    'method',
    56,
    { t: 'traceback', type: this.T.traceback, frame: fo, line, lasti: frame.code.unitOf[frame.lasti] ?? 0 },
    C_TEMP,
  );
  if (e.tb !== undefined) this.rt.moveToRef(e.tb, RAISED, tb, 'tb_next');
  this.rt.increfRef(fo, tb, 'tb_frame');
  this.rt.move(tb, C_TEMP, RAISED);
  e.tb = tb;
};

P.exceptionTraceback = function (this: VM, exc) {
  return excValue(this, exc).traceback ?? this.statics.none;
};

P.checkExceptionClasses = function (this: VM, right) {
  const v = this.value(right);
  const ok = (c: ObjectId): boolean => isExceptionClass(this, c);
  if (v.t === 'tuple' ? !v.items.every(ok) : !ok(right)) {
    throw this.typeError('catching classes that do not inherit from BaseException is not allowed');
  }
};

P.exceptionMatches = function (this: VM, exc, classes) {
  const v = this.value(classes);
  const t = this.typeOf(exc);
  if (v.t === 'tuple') return v.items.some((c) => this.isSubtype(t, c));
  return this.isSubtype(t, classes);
};

/** sys.getsizeof of a frame object: its header plus the frame's locals and stack slots. */
const frameSize = (frame: Frame): number => 136 + 8 * (frame.code.nlocalsplus + frame.code.co.stacksize);

P.frameObject = function (this: VM, frame) {
  if (frame.frameObject !== 0) return frame.frameObject;
  const fo = this.alloc(
    'frame',
    'function',
    frameSize(frame),
    {
      t: 'frame',
      type: this.T.frame,
      name: frame.code.co.name,
      line: 0,
      code: frame.codeId,
      live: frame,
    },
    frame.slotHolder('(frame object)'),
    { track: false },
  );
  frame.frameObject = fo;
  frame.hadFrameObject = true;
  return fo;
};

P.takeOwnership = function (this: VM, frame, fo) {
  const rt = this.rt;
  const fv = this.value(fo) as ValueOf<'frame'> & { live?: Frame; lasti?: number };
  fv.line = frame.code.lines[frame.lasti] ?? -1;
  fv.lasti = frame.code.unitOf[frame.lasti] ?? 0;
  delete fv.live;
  const names = frame.code.localsplusnames;
  for (let i = 0; i < names.length; i++) {
    const v = frame.localsplus[i];
    if (v === undefined) continue;
    rt.moveToRef(v, frame.slotHolder(names[i] as string), fo, names[i] as string);
  }
  for (const v of frame.stack) if (v !== 0) rt.moveToRef(v, frame.stackHolder, fo, STACK_SLOT);
  if (frame.locals !== 0) rt.moveToRef(frame.locals, frame.slotHolder(LOCALS_SLOT), fo, 'f_locals');
  rt.moveToRef(frame.func, frame.slotHolder(FUNC_SLOT), fo, 'f_func');
  rt.moveToRef(frame.codeId, frame.slotHolder(CODE_SLOT), fo, 'f_code');
  (fv as { locals?: (ObjectId | undefined)[] }).locals = [...frame.localsplus];
  frame.localsplus.fill(undefined);
  frame.stack.length = 0;
  // f_back: the caller's frame object, made now if it has none.
  const prev = frame.prev;
  if (prev !== undefined && prev.fid !== 0) {
    const back = this.frameObject(prev);
    rt.increfRef(back, fo, 'f_back');
  }
  if (rt.object(fo).gen < 0) rt.track(fo);
};

// ---------------------------------------------------------------------------------
// Formatting.

P.formatExceptionOnly = function (this: VM, exc) {
  const t = this.typeOf(exc);
  const tv = this.typeValue(t);
  const mod = tv.module;
  const name = mod === 'builtins' || mod === '__main__' || mod === '' ? tv.qualname : `${mod}.${tv.qualname}`;
  let msg: string;
  try {
    msg = this.strText(exc);
  } catch (e) {
    if (!(e instanceof PyRaise)) throw e;
    this.clearRaise(e);
    msg = '<exception str() failed>';
  }
  return msg === '' ? name : `${name}: ${msg}`;
};

interface TracebackEntry {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly code: CodeObject;
  /** tb_lasti, in code units. */
  readonly lasti: number;
}

function tracebackEntries(vm: VM, tb: ObjectId | undefined): TracebackEntry[] {
  const out: TracebackEntry[] = [];
  for (let t = tb; t !== undefined;) {
    const v = vm.value(t) as ValueOf<'traceback'>;
    const fo = vm.value(v.frame) as ValueOf<'frame'>;
    const code = vm.value(fo.code) as ValueOf<'code'>;
    out.push({ file: code.co.co.filename, line: v.line, name: code.co.co.name, code: code.co.co, lasti: v.lasti });
    const next = vm.rt.object(t).refs.find((r) => r?.slot === 'tb_next');
    t = next?.to;
  }
  return out;
}

/** tb_printinternal: the entries, a run of more than 3 identical ones cut short. */
function formatEntries(vm: VM, entries: readonly TracebackEntry[]): string[] {
  const lines: string[] = [];
  let last: TracebackEntry | undefined;
  let repeated = 0;
  const flush = (): void => {
    if (repeated > 3)
      lines.push(`  [Previous line repeated ${repeated - 3} more time${repeated - 3 === 1 ? '' : 's'}]`);
  };
  for (const e of entries) {
    if (last !== undefined && e.file === last.file && e.line === last.line && e.name === last.name) {
      repeated++;
      if (repeated > 3) continue;
    } else {
      flush();
      repeated = 1;
    }
    last = e;
    lines.push(`  File "${e.file}", line ${e.line}, in ${e.name}`);
    lines.push(...displayLine(vm.sources.get(e.file), e.line, positionAt(e.code, e.lasti)));
  }
  flush();
  return lines;
}

/**
 * One exception's traceback and message; `printed` for print_exception (an uncaught
 * exception: suggestions and notes follow the message), not for the unraisable hook.
 */
function formatOne(vm: VM, exc: ObjectId, tb: ObjectId | undefined, printed: boolean): string {
  const lines: string[] = [];
  const entries = tracebackEntries(vm, tb);
  if (entries.length > 0) {
    lines.push('Traceback (most recent call last):');
    lines.push(...formatEntries(vm, entries));
  }
  const syntax = syntaxErrorInfo(vm, exc);
  if (syntax !== undefined) return lines.map((l) => l + '\n').join('') + formatSyntaxError(syntax);
  let last = vm.formatExceptionOnly(exc);
  if (printed) {
    // print_exception_suggestions, then print_exception_notes.
    const suggestion = offerSuggestion(vm, exc, tb);
    if (suggestion !== undefined) last += `. Did you mean: '${suggestion}'?`;
    lines.push(last);
    return lines.join('\n') + '\n' + exceptionNotes(vm, exc);
  }
  lines.push(last);
  return lines.join('\n') + '\n';
}

/**
 * print_exception_notes: each of `__notes__` (its str) and a newline, or the repr of a
 * `__notes__` that is not a sequence (3.11 writes no newline after it).
 */
function exceptionNotes(vm: VM, exc: ObjectId): string {
  const text = (f: () => string, failed: string): string => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof PyRaise)) throw e;
      vm.clearRaise(e);
      return failed;
    }
  };
  const notes = vm.getAttrOpt(exc, '__notes__', C_TEMP);
  if (notes === undefined) return '';
  try {
    const nv = vm.value(notes);
    if (nv.t !== 'list' && nv.t !== 'tuple' && nv.t !== 'str') {
      return text(() => vm.reprText(notes), '<__notes__ repr() failed>');
    }
    const items = vm.iterateToArray(notes, C_TEMP);
    try {
      return items.map((n) => text(() => vm.strText(n), '<note str() failed>') + '\n').join('');
    } finally {
      for (const x of items) vm.rt.decref(x, C_TEMP);
    }
  } finally {
    vm.rt.decref(notes, C_TEMP);
  }
}

/**
 * A SyntaxError's location as print_exception reads it (parse_syntax_error), or
 * undefined for other exceptions and a SyntaxError whose attributes do not parse.
 */
function syntaxErrorInfo(vm: VM, exc: ObjectId): SyntaxErrorInfo | undefined {
  const cls = vm.typeOf(exc);
  const base = vm.typeByName.get('SyntaxError');
  if (base === undefined || !vm.isSubtype(cls, base)) return undefined;
  const attr = (n: string): ObjectId | undefined => {
    const v = vm.instanceAttr(exc, n);
    return v === undefined || v === vm.statics.none ? undefined : v;
  };
  const num = (n: string, absent: number): number | undefined => {
    const v = attr(n);
    if (v === undefined) return absent;
    const x = vm.value(v);
    return x.t === 'int' ? Number(x.v) : x.t === 'bool' ? Number(x.v) : undefined;
  };
  const lineno = num('lineno', 0);
  const offset = num('offset', -1);
  if (lineno === undefined || offset === undefined) return undefined;
  const exact = cls === base;
  const endLineno = exact ? (num('end_lineno', lineno) ?? lineno) : lineno;
  const endOffset = exact ? (num('end_offset', -1) ?? -1) : -1;
  const file = attr('filename');
  const text = attr('text');
  const msg = attr('msg');
  const tv = vm.typeValue(cls);
  const name = tv.module === 'builtins' || tv.module === '' ? tv.qualname : `${tv.module}.${tv.qualname}`;
  return {
    cls: name,
    msg: msg === undefined ? 'None' : vm.strText(msg),
    filename: file === undefined ? '<string>' : vm.strText(file),
    lineno,
    offset,
    endLineno,
    endOffset,
    text: text === undefined ? undefined : vm.strText(text),
  };
}

P.formatTraceback = function (this: VM, e) {
  const seen = new Set<ObjectId>();
  const chain = (exc: ObjectId, tb: ObjectId | undefined): string => {
    seen.add(exc);
    const v = excValue(this, exc);
    let prefix = '';
    if (v.cause !== undefined && !seen.has(v.cause)) {
      prefix =
        chain(v.cause, excValue(this, v.cause).traceback) +
        '\nThe above exception was the direct cause of the following exception:\n\n';
    } else if (v.context !== undefined && !v.suppressContext && !seen.has(v.context)) {
      prefix =
        chain(v.context, excValue(this, v.context).traceback) +
        '\nDuring handling of the above exception, another exception occurred:\n\n';
    }
    return prefix + formatOne(this, exc, tb, true);
  };
  return chain(e.exc, e.tb ?? excValue(this, e.exc).traceback);
};

P.reportUnraisable = function (this: VM, e, where, msg = 'Exception ignored in') {
  const text = formatOne(this, e.exc, e.tb, false);
  this.write(
    `${msg}: ${where}
${text}`,
    true,
  );
  this.clearRaise(e);
};

// ---------------------------------------------------------------------------------
// The types.

const excArgs = (vm: VM, exc: ObjectId): ObjectId[] => vm.as(excValue(vm, exc).args, 'tuple').items;

function excStr(vm: VM, self: ObjectId): string {
  const args = excArgs(vm, self);
  if (args.length === 0) return '';
  if (args.length === 1) return vm.strText(args[0] as ObjectId);
  return vm.reprText(excValue(vm, self).args);
}

function setArgs(vm: VM, exc: ObjectId, args: readonly ObjectId[]): void {
  const v = excValue(vm, exc);
  const t = vm.newTuple(args, C_TEMP);
  const old = v.args;
  v.args = t;
  vm.rt.moveToRef(t, C_TEMP, exc, 'args');
  vm.rt.decrefRef(old, exc, 'args');
}

const baseSlots: TypeSlots = {
  new: (vm, type, args, kwnames, out) => {
    const n = kwnames === undefined ? args.length : args.length - kwnames.length;
    const exc = vm.newException(type, args.slice(0, n), out);
    return exc;
  },
  init: (vm, self, args, kwnames) => {
    const n = kwnames === undefined ? args.length : args.length - kwnames.length;
    if (kwnames !== undefined && vm.typeValue(vm.typeOf(self)).heap === false) {
      throw vm.typeError(`${vm.typeName(self)}() takes no keyword arguments`);
    }
    setArgs(vm, self, args.slice(0, n));
    initSpecialFields(vm, self, args.slice(0, n));
  },
  repr: (vm, self) => {
    const args = excArgs(vm, self);
    const name = vm.typeValue(vm.typeOf(self)).name;
    if (args.length === 1) return `${name}(${vm.reprText(args[0] as ObjectId)})`;
    return `${name}${vm.reprText(excValue(vm, self).args)}`;
  },
  str: excStr,
  hash: (vm, self) => BigInt(vm.rt.object(self).addr >> 4),
};

const getset = (
  get: (vm: VM, self: ObjectId) => ObjectId,
  set?: (vm: VM, self: ObjectId, v: ObjectId | undefined) => void,
): NativeMember => ({
  k: 'getset',
  get: (vmu, self) => get(vmu as VM, self),
  ...(set === undefined ? {} : { set: (vmu, self, v) => set(vmu as VM, self, v) }),
});

const baseMembers: Record<string, NativeMember> = {
  args: getset(
    (vm, self) => vm.ret(excValue(vm, self).args, C_TEMP),
    (vm, self, v) => {
      if (v === undefined) throw vm.typeError('args may not be deleted');
      const items = vm.iterateToArray(v, C_TEMP);
      setArgs(vm, self, items);
      for (const x of items) vm.rt.decref(x, C_TEMP);
    },
  ),
  __traceback__: getset(
    (vm, self) => vm.ret(excValue(vm, self).traceback ?? vm.statics.none, C_TEMP),
    (vm, self, v) => {
      if (v === undefined) throw vm.typeError('__traceback__ may not be deleted');
      if (v !== vm.statics.none && vm.value(v).t !== 'traceback')
        throw vm.typeError('__traceback__ must be a traceback or None');
      setTraceback(vm, self, v === vm.statics.none ? undefined : v);
    },
  ),
  __context__: getset(
    (vm, self) => vm.ret(excValue(vm, self).context ?? vm.statics.none, C_TEMP),
    (vm, self, v) => setContext(vm, self, v === undefined || v === vm.statics.none ? undefined : v),
  ),
  __cause__: getset(
    (vm, self) => vm.ret(excValue(vm, self).cause ?? vm.statics.none, C_TEMP),
    (vm, self, v) => {
      const x = excValue(vm, self);
      const old = x.cause;
      x.cause = v === undefined || v === vm.statics.none ? undefined : v;
      x.suppressContext = true;
      if (x.cause !== undefined) vm.rt.increfRef(x.cause, self, '__cause__');
      if (old !== undefined) vm.rt.decrefRef(old, self, '__cause__');
    },
  ),
  __suppress_context__: getset(
    (vm, self) => vm.bool(excValue(vm, self).suppressContext, C_TEMP),
    (vm, self, v) => {
      excValue(vm, self).suppressContext = v !== undefined && vm.truthy(v);
    },
  ),
  __dict__: getset((vm, self) => vm.ret(vm.instanceDict(self) ?? vm.newDict(C_TEMP), C_TEMP)),
  ...methods({
    with_traceback: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const tb = args[1] as ObjectId;
      setTraceback(vm, self, tb === vm.statics.none ? undefined : tb);
      return vm.ret(self, out);
    },
    add_note: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      let notes = vm.instanceAttr(self, '__notes__');
      if (notes === undefined) {
        notes = vm.newList([], C_TEMP);
        vm.setInstanceAttr(self, '__notes__', notes, C_TEMP, 'move');
      }
      vm.listAppend(notes, args[1] as ObjectId);
      return vm.none(out);
    },
    __reduce__: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const t = vm.ret(vm.typeOf(self), C_TEMP);
      const a = vm.ret(excValue(vm, self).args, C_TEMP);
      return vm.newTuple([t, a], out, C_TEMP);
    },
  } satisfies Record<string, Native>),
};

/** SyntaxError_str: the message, then the file's base name and the line when they are known. */
const syntaxErrorSlots: TypeSlots = {
  str: (vm, self) => {
    const attr = (n: string): ObjectId | undefined => {
      const v = vm.instanceAttr(self, n);
      return v === undefined || v === vm.statics.none ? undefined : v;
    };
    const msg = attr('msg');
    const fileObj = attr('filename');
    const fv = fileObj === undefined ? undefined : vm.value(fileObj);
    const filename = fv?.t === 'str' ? fv.v.slice(fv.v.lastIndexOf('/') + 1) : undefined;
    const linenoObj = attr('lineno');
    const lv = linenoObj === undefined ? undefined : vm.value(linenoObj);
    const lineno = lv?.t === 'int' ? lv.v : undefined;
    const text = msg === undefined ? 'None' : vm.strText(msg);
    if (filename === undefined && lineno === undefined) return text;
    if (filename !== undefined && lineno !== undefined) return `${text} (${filename}, line ${lineno})`;
    if (filename !== undefined) return `${text} (${filename})`;
    return `${text} (line ${lineno})`;
  },
};

const keyErrorSlots: TypeSlots = {
  str: (vm, self) => {
    const args = excArgs(vm, self);
    return args.length === 1 ? vm.reprText(args[0] as ObjectId) : excStr(vm, self);
  },
};

const attrMembers = (names: readonly string[]): Record<string, NativeMember> =>
  Object.fromEntries(
    names.map((n) => [
      n,
      getset(
        (vm, self) => vm.ret(vm.instanceAttr(self, n) ?? vm.statics.none, C_TEMP),
        (vm, self, v) => {
          if (v === undefined) vm.delInstanceAttr(self, n);
          else vm.setInstanceAttr(self, n, v, C_TEMP, 'copy');
        },
      ),
    ]),
  );

const HIERARCHY: readonly (readonly [string, string])[] = [
  ['Exception', 'BaseException'],
  ['GeneratorExit', 'BaseException'],
  ['KeyboardInterrupt', 'BaseException'],
  ['SystemExit', 'BaseException'],
  ['ArithmeticError', 'Exception'],
  ['FloatingPointError', 'ArithmeticError'],
  ['OverflowError', 'ArithmeticError'],
  ['ZeroDivisionError', 'ArithmeticError'],
  ['AssertionError', 'Exception'],
  ['AttributeError', 'Exception'],
  ['BufferError', 'Exception'],
  ['EOFError', 'Exception'],
  ['ImportError', 'Exception'],
  ['ModuleNotFoundError', 'ImportError'],
  ['LookupError', 'Exception'],
  ['IndexError', 'LookupError'],
  ['KeyError', 'LookupError'],
  ['MemoryError', 'Exception'],
  ['NameError', 'Exception'],
  ['UnboundLocalError', 'NameError'],
  ['OSError', 'Exception'],
  ['BlockingIOError', 'OSError'],
  ['ChildProcessError', 'OSError'],
  ['ConnectionError', 'OSError'],
  ['BrokenPipeError', 'ConnectionError'],
  ['ConnectionAbortedError', 'ConnectionError'],
  ['ConnectionRefusedError', 'ConnectionError'],
  ['ConnectionResetError', 'ConnectionError'],
  ['FileExistsError', 'OSError'],
  ['FileNotFoundError', 'OSError'],
  ['InterruptedError', 'OSError'],
  ['IsADirectoryError', 'OSError'],
  ['NotADirectoryError', 'OSError'],
  ['PermissionError', 'OSError'],
  ['ProcessLookupError', 'OSError'],
  ['TimeoutError', 'OSError'],
  ['ReferenceError', 'Exception'],
  ['RuntimeError', 'Exception'],
  ['NotImplementedError', 'RuntimeError'],
  ['RecursionError', 'RuntimeError'],
  ['StopAsyncIteration', 'Exception'],
  ['StopIteration', 'Exception'],
  ['SyntaxError', 'Exception'],
  ['IndentationError', 'SyntaxError'],
  ['TabError', 'IndentationError'],
  ['SystemError', 'Exception'],
  ['TypeError', 'Exception'],
  ['ValueError', 'Exception'],
  ['UnicodeError', 'ValueError'],
  ['UnicodeDecodeError', 'UnicodeError'],
  ['UnicodeEncodeError', 'UnicodeError'],
  ['UnicodeTranslateError', 'UnicodeError'],
  ['Warning', 'Exception'],
  ['BytesWarning', 'Warning'],
  ['DeprecationWarning', 'Warning'],
  ['EncodingWarning', 'Warning'],
  ['FutureWarning', 'Warning'],
  ['ImportWarning', 'Warning'],
  ['PendingDeprecationWarning', 'Warning'],
  ['ResourceWarning', 'Warning'],
  ['RuntimeWarning', 'Warning'],
  ['SyntaxWarning', 'Warning'],
  ['UnicodeWarning', 'Warning'],
  ['UserWarning', 'Warning'],
];

const EXTRA: Record<string, { slots?: TypeSlots; members?: Record<string, NativeMember> }> = {
  KeyError: { slots: keyErrorSlots },
  StopIteration: { members: attrMembers(['value']) },
  SystemExit: { members: attrMembers(['code']) },
  ImportError: { members: attrMembers(['name', 'path', 'msg']) },
  AttributeError: { members: attrMembers(['name', 'obj']) },
  NameError: { members: attrMembers(['name']) },
  OSError: {
    members: attrMembers(['errno', 'strerror', 'filename', 'filename2']),
    slots: {
      str: osErrorStr,
      new: (vm, type, args, kwnames, out) => {
        const n = kwnames === undefined ? args.length : args.length - kwnames.length;
        let cls = type;
        const first = args[0];
        if (type === vm.typeByName.get('OSError') && n >= 2 && first !== undefined && vm.value(first).t === 'int') {
          cls = osErrorClass(vm, Number(vm.as(first, 'int').v));
        }
        return vm.newException(cls, args.slice(0, n), out);
      },
    },
  },
  SyntaxError: {
    slots: syntaxErrorSlots,
    members: attrMembers([
      'msg',
      'filename',
      'lineno',
      'offset',
      'text',
      'end_lineno',
      'end_offset',
      'print_file_and_line',
    ]),
  },
};

export function defineExceptionTypes(vm: VM): void {
  vm.T.BaseException = vm.defineType({
    name: 'BaseException',
    base: vm.T.object,
    layout: 'BaseException',
    slots: baseSlots,
    members: baseMembers,
    isException: true,
    hasDict: true,
  });
  for (const [name, base] of HIERARCHY) {
    const extra = EXTRA[name];
    vm.defineType({
      name,
      base: vm.typeByName.get(base) as ObjectId,
      isException: true,
      hasDict: true,
      ...(extra?.slots !== undefined ? { slots: extra.slots } : {}),
      ...(extra?.members !== undefined ? { members: extra.members } : {}),
    });
  }
  vm.T.traceback = vm.defineType({
    name: 'traceback',
    base: vm.T.object,
    baseType: false,
    members: {
      tb_next: getset((vm, self) =>
        vm.ret(vm.rt.object(self).refs.find((r) => r?.slot === 'tb_next')?.to ?? vm.statics.none, C_TEMP),
      ),
      tb_frame: getset((vm, self) => vm.ret(vm.as(self, 'traceback').frame, C_TEMP)),
      tb_lineno: getset((vm, self) => vm.newInt(BigInt(vm.as(self, 'traceback').line), C_TEMP)),
      tb_lasti: getset((vm, self) => vm.newInt(BigInt(2 * vm.as(self, 'traceback').lasti), C_TEMP)),
    },
  });
  vm.T.frame = vm.defineType({
    name: 'frame',
    base: vm.T.object,
    baseType: false,
    slots: {
      repr: (vm, self) => {
        const fv = vm.value(self) as ValueOf<'frame'>;
        const code = vm.value(fv.code) as ValueOf<'code'>;
        return `<frame at 0x${vm.rt.object(self).addr.toString(16)}, file '${code.co.co.filename}', line ${frameLine(vm, self)}, code ${code.co.co.name}>`;
      },
    },
    members: {
      f_code: getset((vm, self) => vm.ret((vm.value(self) as ValueOf<'frame'>).code, C_TEMP)),
      f_lineno: getset((vm, self) => vm.newInt(BigInt(frameLine(vm, self)), C_TEMP)),
      f_back: getset((vm, self) => {
        const live = liveFrame(vm, self);
        if (live !== undefined)
          return vm.ret(
            live.prev !== undefined && live.prev.fid !== 0 ? vm.frameObject(live.prev) : vm.statics.none,
            C_TEMP,
          );
        return vm.ret(vm.rt.object(self).refs.find((r) => r?.slot === 'f_back')?.to ?? vm.statics.none, C_TEMP);
      }),
      f_globals: getset((vm, self) => {
        const live = liveFrame(vm, self);
        const code = vm.value((vm.value(self) as ValueOf<'frame'>).code);
        void code;
        return vm.ret(live !== undefined ? live.globals : vm.statics.none, C_TEMP);
      }),
      f_locals: getset((vm, self) => vm.frameLocals(self)),
      f_lasti: getset((vm, self) => {
        const live = liveFrame(vm, self);
        const v = vm.value(self) as ValueOf<'frame'> & { lasti?: number };
        return vm.newInt(
          BigInt(live !== undefined ? 2 * (live.code.unitOf[live.lasti] ?? 0) : 2 * (v.lasti ?? 0)),
          C_TEMP,
        );
      }),
    },
  });
}

function liveFrame(vm: VM, fo: ObjectId): Frame | undefined {
  return (vm.value(fo) as { live?: Frame }).live;
}

function frameLine(vm: VM, fo: ObjectId): number {
  const live = liveFrame(vm, fo);
  if (live !== undefined) return live.code.lines[live.lasti] ?? 0;
  return (vm.value(fo) as ValueOf<'frame'>).line;
}

declare module '../vm/vm.js' {
  interface VM {
    /** frame.f_locals: a new dict of the frame's locals (3.11 PyFrame_GetLocals of a function frame). */
    frameLocals(fo: ObjectId): ObjectId;
  }
}

P.frameLocals = function (this: VM, fo) {
  const live = liveFrame(this, fo);
  const d = this.newDict(C_TEMP);
  const fr = live;
  const names = fr?.code.localsplusnames ?? [];
  const locals = fr?.localsplus ?? (this.value(fo) as { locals?: (ObjectId | undefined)[] }).locals ?? [];
  names.forEach((n, i) => {
    let v = locals[i];
    if (v === undefined) return;
    const kind = fr?.code.localspluskinds[i] ?? 0;
    if ((kind & 0xc0) !== 0 && this.value(v).t === 'cell') v = this.as(v, 'cell').content;
    if (v !== undefined) this.dictSetStr(d, n, v, C_TEMP, 'copy');
  });
  if (fr !== undefined && fr.locals !== 0) {
    this.rt.decref(d, C_TEMP);
    return this.ret(fr.locals, C_TEMP);
  }
  return d;
};

export { excValue, tupleSize, FIXED_SIZES };
