/*
 * The virtual machine
 * ===================
 * CPython 3.11's interpreter state, simulated: the runtime (reference counts, the
 * collector, pymalloc), the Python value of every object, the built-in types and
 * modules, and the thread state (the frame running, the exception being handled, the
 * recursion depth). The instruction loop is eval.ts; calls are call.ts; attribute access
 * attrs.ts; the abstract object protocols protocols.ts; each built-in type is a module
 * of ../objects, each C module one of ../modules. They add their methods to this class
 * (module augmentation), so `vm.getAttr(...)` reads as CPython's `PyObject_GetAttr`.
 *
 * Source: Include/internal/pycore_interp.h, pycore_pystate.h (3.11).
 *
 * Vocabulary:
 *   holder     who owns a reference (core's Holder): a frame slot, a value-stack slot,
 *              an object's slot, an interpreter root. Every reference the VM takes names
 *              its holder, so the heap state knows the whole reference graph.
 *   C_TEMP     the holder of a temporary a native function holds while it works (a C
 *              local variable).
 *   PyRaise    a Python exception propagating through TypeScript code; the exception
 *              object's reference is held by the root `raised` (tstate->curexc_value).
 */
import {
  FIXED_SIZES,
  FLOAT_SIZE,
  LIST_OBJECT_SIZE,
  Runtime,
  bootstrapStatics,
  bytesSize,
  intSize,
  listSize,
  strSize,
  tupleSize,
  type FrameId,
  type Holder,
  type ObjectId,
  type ObjectSpec,
  type RuntimeOptions,
  type Statics,
} from '@pymemsim/core';
import { formatFloat, pyStrRepr } from '../format.js';
import type { Frame } from './frame.js';
import type { ModuleFinder } from './importlib.js';
import type { HostOptions } from '../modules/host.js';
import { IdTable, type PyValue, type TypeValue, type ValueOf } from './values.js';
import { bitLength } from '../limits.js';

/**
 * A Python exception propagating through the simulated program (not an Error: no stack
 * trace is captured for it). Its exception object and the traceback collected so far
 * (tstate->curexc_value and curexc_traceback) are held by the root `raised`.
 */
export class PyRaise {
  /** The traceback entries added so far, newest (outermost) first; undefined before the first. */
  tb: ObjectId | undefined;
  /** Raised by a bare `raise` or RERAISE: the frame re-raising adds no traceback entry. */
  bare = false;
  constructor(readonly exc: ObjectId) {}
}

export const C_TEMP: Holder = { kind: 'root', name: 'c-temp' };
/** tstate->curexc_value: the exception being raised. */
export const RAISED: Holder = { kind: 'root', name: 'raised' };

/** sys.getrecursionlimit(). */
export const RECURSION_LIMIT = 1000;

export interface VMOptions extends RuntimeOptions {
  /** Called with the new runtime before its first event (to record every event from the empty heap). */
  readonly attach?: (rt: Runtime) => void;
  /**
   * Written to as the program writes to stdout and stderr. When given, the text is not
   * also kept in the VM's `stdout` / `stderr`: a program printing a gigabyte must not be
   * held in one string.
   */
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /** sys.argv (the program's path first). */
  readonly argv?: readonly string[];
  /** Where `import` finds Python source (the program's folder, CPython's Lib ...), in order. */
  readonly finders?: readonly ModuleFinder[];
  /** What the simulated OS gives the C modules: clocks and entropy (deterministic by default). */
  readonly host?: HostOptions;
}

/** One level of the exception-handling stack (_PyErr_StackItem): the thread's, or a generator's. */
export interface ExcStackItem {
  value: ObjectId | undefined;
  readonly holder: Holder;
  previous: ExcStackItem | undefined;
}

/** The built-in types every part of the VM reaches for, by their Python names. */
export interface BuiltinTypes {
  object: ObjectId;
  type: ObjectId;
  NoneType: ObjectId;
  NotImplementedType: ObjectId;
  ellipsis: ObjectId;
  bool: ObjectId;
  int: ObjectId;
  float: ObjectId;
  complex: ObjectId;
  str: ObjectId;
  bytes: ObjectId;
  bytearray: ObjectId;
  list: ObjectId;
  tuple: ObjectId;
  dict: ObjectId;
  set: ObjectId;
  frozenset: ObjectId;
  range: ObjectId;
  slice: ObjectId;
  function: ObjectId;
  method: ObjectId;
  builtin_function_or_method: ObjectId;
  method_descriptor: ObjectId;
  classmethod_descriptor: ObjectId;
  getset_descriptor: ObjectId;
  member_descriptor: ObjectId;
  wrapper_descriptor: ObjectId;
  code: ObjectId;
  cell: ObjectId;
  module: ObjectId;
  property: ObjectId;
  staticmethod: ObjectId;
  classmethod: ObjectId;
  super: ObjectId;
  generator: ObjectId;
  coroutine: ObjectId;
  async_generator: ObjectId;
  frame: ObjectId;
  traceback: ObjectId;
  weakref: ObjectId;
  mappingproxy: ObjectId;
  BaseException: ObjectId;
}

export class VM {
  readonly rt: Runtime;
  readonly statics: Statics;
  readonly values = new IdTable<PyValue>();
  /** Built-in types by Python name (exceptions included). */
  readonly typeByName = new Map<string, ObjectId>();
  readonly T: BuiltinTypes = {} as BuiltinTypes;
  /** Interned strs (mortal in 3.11: the table does not own them, ID-7). */
  readonly interned = new Map<string, ObjectId>();
  readonly latin1 = new Map<number, ObjectId>();
  /** The static bytes singletons made so far: b'' under -1, b'\\xNN' under NN. */
  readonly byteChars = new Map<number, ObjectId>();
  /** sys.modules (a dict object) and the builtins module's dict. */
  sysModules!: ObjectId;
  builtinsModule!: ObjectId;
  builtinsDict!: ObjectId;
  /** The frame running (the innermost), or undefined between frames. */
  frame: Frame | undefined;
  /** Python frames plus C recursion points entered (RecursionError at recursionLimit). */
  depth = 0;
  /** sys.getrecursionlimit() (sys.setrecursionlimit changes it). */
  recursionLimit = RECURSION_LIMIT;
  /** The thread's exception state (tstate->exc_info): the running generator's item while it runs. */
  excInfo: ExcStackItem = { value: undefined, holder: { kind: 'root', name: 'exc_info' }, previous: undefined };
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
  /** What the program wrote, when no writer was given for it (see VMOptions). */
  stdout = '';
  stderr = '';
  private readonly keepOut: boolean;
  private readonly keepErr: boolean;
  readonly argv: readonly string[];
  /** Clocks and entropy for the C modules (../modules/host.ts). */
  readonly host: HostOptions;
  /** Set during interpreter shutdown (gc.callbacks are no longer called). */
  shuttingDown = false;

  constructor(options: VMOptions = {}) {
    this.rt = new Runtime(options);
    options.attach?.(this.rt);
    this.writeOut = options.stdout ?? (() => undefined);
    this.writeErr = options.stderr ?? (() => undefined);
    this.keepOut = options.stdout === undefined;
    this.keepErr = options.stderr === undefined;
    this.argv = options.argv ?? [''];
    this.host = options.host ?? {};
    this.rt.hooks.freed = (id) => this.freed(id);
    this.rt.instructionOffset = () => this.instructionOffset();
    this.statics = bootstrapStatics(this.rt);
    this.bootstrap();
    if (options.finders !== undefined) this.finders = [...options.finders];
  }

  // Filled by ../objects/bootstrap.ts (the built-in types, builtins, sys, gc, weakref).
  declare bootstrap: () => void;

  /**
   * The byte offset of the instruction running in the state's current frame (f_lasti * 2,
   * as `dis` prints it), or -1: between frames, while a frame is set up before its first
   * instruction, or while another frame than the state's current one is running (a
   * callee's arguments are moved in while its caller runs CALL).
   */
  private instructionOffset(): number {
    const f = this.frame;
    if (f === undefined || f.fid !== this.rt.state.currentFrame) return -1;
    const i = f.lasti;
    return i < 0 ? -1 : (f.code.unitOf[i] as number) * 2;
  }

  private freed(id: ObjectId): void {
    const v = this.values.get(id);
    if (v !== undefined && v.t === 'str' && this.interned.get(v.v) === id) this.interned.delete(v.v);
    this.values.delete(id);
  }

  // ===============================================================================
  // Values.

  value(id: ObjectId): PyValue {
    const v = this.values.get(id);
    if (v === undefined) throw new Error(`no value for object #${id}`);
    return v;
  }

  /** The value of `id`, which must be of representation `t`. */
  as<T extends PyValue['t']>(id: ObjectId, t: T): ValueOf<T> {
    const v = this.value(id);
    if (v.t !== t) throw new Error(`object #${id} is a ${v.t}, not a ${t}`);
    return v as ValueOf<T>;
  }

  typeOf(id: ObjectId): ObjectId {
    return this.value(id).type;
  }

  typeValue(type: ObjectId): TypeValue {
    return this.value(type) as TypeValue;
  }

  /** tp_name of type(x), as CPython's messages name it: `list`, `Point`, `collections.deque`. */
  typeName(id: ObjectId): string {
    const tv = this.typeValue(this.typeOf(id));
    return tv.heap || tv.module === 'builtins' ? tv.name : `${tv.module}.${tv.name}`;
  }

  /** The Python-level kind of a value: whether `type(x)` is `t` or a subclass of it. */
  isInstanceOf(id: ObjectId, type: ObjectId): boolean {
    const t = this.typeOf(id);
    if (t === type) return true;
    return this.typeValue(t).mro.includes(type);
  }

  isSubtype(sub: ObjectId, type: ObjectId): boolean {
    if (sub === type) return true;
    const v = this.values.get(sub);
    return v !== undefined && v.t === 'type' && v.mro.includes(type);
  }

  // ===============================================================================
  // Allocation.

  /**
   * A new object of `type` with Python value `value`, its one reference owned by `holder`.
   * `kind` is core's kind (what its dealloc releases, whether it is a GC object).
   */
  alloc(
    pyType: string,
    kind: string,
    size: number,
    value: PyValue,
    holder: Holder,
    opts?: { alloc?: number; track?: boolean; viaTpAlloc?: boolean; items?: number; repr?: string },
  ): ObjectId {
    const repr = opts?.repr ?? reprAtom(value);
    const spec: { -readonly [K in keyof ObjectSpec]: ObjectSpec[K] } = { pyType, kind, size, repr };
    if (opts !== undefined) {
      if (opts.viaTpAlloc === true) spec.fromFreelist = false;
      if (opts.alloc !== undefined) spec.alloc = opts.alloc;
      if (opts.track !== undefined) spec.track = opts.track;
      if (opts.items !== undefined) spec.items = opts.items;
    }
    const id = this.rt.allocate(spec, holder);
    this.values.set(id, value);
    return id;
  }

  /** A static object (a built-in type, a method descriptor): never freed, never counted. */
  staticObject(pyType: string, kind: string, value: PyValue, root: string, repr = ''): ObjectId {
    const id = this.rt.allocate(
      { pyType, kind, size: 0, repr, base: 999_999_999 - 1, track: false },
      { kind: 'root', name: root },
    );
    this.values.set(id, value);
    return id;
  }

  /** A new reference to `id`, owned by `holder`. */
  ret(id: ObjectId, holder: Holder): ObjectId {
    this.rt.incref(id, holder);
    return id;
  }

  none(holder: Holder): ObjectId {
    return this.ret(this.statics.none, holder);
  }

  bool(b: boolean, holder: Holder): ObjectId {
    return this.ret(b ? this.statics.true : this.statics.false, holder);
  }

  notImplemented(holder: Holder): ObjectId {
    return this.ret(this.notImplementedId, holder);
  }

  notImplementedId!: ObjectId;
  ellipsisId!: ObjectId;

  newInt(v: bigint, holder: Holder): ObjectId {
    const cached = this.statics.smallInt(v);
    if (cached !== undefined) {
      this.rt.incref(cached, holder);
      return cached;
    }
    return this.alloc('int', 'int', intSize(v), new IntValue(this.T.int, v), holder);
  }

  newFloat(v: number, holder: Holder): ObjectId {
    return this.alloc('float', 'float', FLOAT_SIZE, { t: 'float', type: this.T.float, v }, holder);
  }

  newComplex(re: number, im: number, holder: Holder): ObjectId {
    return this.alloc('complex', 'float', FIXED_SIZES.complex, { t: 'complex', type: this.T.complex, re, im }, holder);
  }

  newStr(s: string, holder: Holder): ObjectId {
    if (s.length <= 1) {
      if (s === '') return this.ret(this.statics.emptyStr, holder);
      const c = s.charCodeAt(0);
      if (c < 256) return this.charStr(c, holder);
    }
    return this.alloc('str', 'str', strSize(s), { t: 'str', type: this.T.str, v: s }, holder);
  }

  /** A one-character latin-1 str: CPython's cached singletons (ID-2). */
  charStr(code: number, holder: Holder): ObjectId {
    let id = this.latin1.get(code);
    if (id === undefined) {
      const ch = String.fromCharCode(code);
      id = this.rt.allocate(
        { pyType: 'str', kind: 'str', size: strSize(ch), repr: pyStrRepr(ch), base: 999_999_999 - 1 },
        { kind: 'root', name: 'latin1 chars' },
      );
      this.values.set(id, { t: 'str', type: this.T.str, v: ch });
      this.latin1.set(code, id);
    }
    return this.ret(id, holder);
  }

  /** An interned str (ID-4..ID-6): the existing one, or a new one entered in the table. */
  internStr(s: string, holder: Holder): ObjectId {
    const existing = this.interned.get(s);
    if (existing !== undefined) return this.ret(existing, holder);
    const id = this.newStr(s, holder);
    const v = this.values.get(id);
    if (s.length > 1 && v !== undefined && v.t === 'str') this.interned.set(s, id);
    return id;
  }

  /**
   * One of the runtime's static identifier strings (&_Py_ID(name)): statically allocated,
   * interned, never freed; made here on first use. A new reference owned by `holder`.
   */
  staticId(s: string, holder: Holder): ObjectId {
    let id = this.staticIds.get(s);
    if (id === undefined) {
      id = this.staticObject('str', 'str', { t: 'str', type: this.T.str, v: s }, 'static strings', pyStrRepr(s));
      this.staticIds.set(s, id);
      if (!this.interned.has(s)) this.interned.set(s, id);
    }
    return this.ret(id, holder);
  }

  private readonly staticIds = new Map<string, ObjectId>();

  newBytes(b: Uint8Array, holder: Holder): ObjectId {
    // PyBytes_FromStringAndSize: the empty bytes and the one-byte bytes are static
    // singletons (bytes_empty, bytes_characters), made here on first use.
    if (b.length <= 1) return this.byteSingleton(b.length === 0 ? -1 : (b[0] as number), holder);
    return this.alloc('bytes', 'bytes', bytesSize(b.length), { t: 'bytes', type: this.T.bytes, v: b }, holder);
  }

  /** b'' (code -1) or the one-byte bytes of `code`: CPython 3.11's static singletons. */
  private byteSingleton(code: number, holder: Holder): ObjectId {
    let id = this.byteChars.get(code);
    if (id === undefined) {
      const v = code < 0 ? new Uint8Array(0) : Uint8Array.of(code);
      const value: PyValue = { t: 'bytes', type: this.T.bytes, v };
      id = this.rt.allocate(
        {
          pyType: 'bytes',
          kind: 'bytes',
          size: bytesSize(v.length),
          repr: reprAtom(value),
          base: 999_999_999 - 1,
        },
        { kind: 'root', name: code < 0 ? 'bytes_empty' : 'bytes_characters' },
      );
      this.values.set(id, value);
      this.byteChars.set(code, id);
    }
    return this.ret(id, holder);
  }

  /** A new tuple taking over `items` (references moved from `from`, or new ones when undefined). */
  newTuple(items: readonly ObjectId[], holder: Holder, from?: Holder): ObjectId {
    if (items.length === 0) return this.ret(this.statics.emptyTuple, holder);
    const t = this.alloc(
      'tuple',
      'tuple',
      tupleSize(items.length),
      { t: 'tuple', type: this.T.tuple, items: [...items] },
      holder,
      { items: items.length },
    );
    for (let i = 0; i < items.length; i++) this.adopt(items[i] as ObjectId, t, 'item', from);
    return t;
  }

  /** A new list taking over `items` (references moved from `from`, or new ones when undefined). */
  newList(
    items: readonly ObjectId[],
    holder: Holder,
    from?: Holder,
    allocated = items.length,
    viaTpAlloc = false,
  ): ObjectId {
    const l = this.alloc(
      'list',
      'list',
      listSize(allocated),
      { t: 'list', type: this.T.list, items: [...items], allocated },
      holder,
      { alloc: LIST_OBJECT_SIZE, viaTpAlloc },
    );
    // PyList_New: the object, then its item array (PyMem_Malloc).
    if (allocated > 0) this.rt.setBuffer(l, 'items', 8 * allocated);
    for (let i = 0; i < items.length; i++) this.adopt(items[i] as ObjectId, l, 'item', from);
    return l;
  }

  /** `owner` takes a reference to `id` in `slot`: moved from `from`, or a new one. */
  adopt(id: ObjectId, owner: ObjectId, slot: string, from: Holder | undefined): void {
    if (from === undefined) this.rt.increfRef(id, owner, slot);
    else this.rt.moveToRef(id, from, owner, slot);
  }

  /** Release a reference held by `holder` (Py_DECREF). */
  decref(id: ObjectId, holder: Holder): void {
    this.rt.decref(id, holder);
  }

  // ===============================================================================
  // Exceptions raised by the VM itself.

  /** A new exception of the built-in class `type` with `message`, raised (held by RAISED). */
  pyErr(type: string, message?: string): PyRaise {
    const cls = this.typeByName.get(type) ?? this.typeByName.get('SystemError');
    if (cls === undefined) throw new Error('the exception types are not set up');
    return this.raiseNew(cls, message === undefined ? [] : [this.newStr(message, C_TEMP)], C_TEMP);
  }

  typeError(message: string): PyRaise {
    return this.pyErr('TypeError', message);
  }

  // Filled by ../objects/exceptions.ts.
  declare raiseNew: (cls: ObjectId, args: readonly ObjectId[], from: Holder) => PyRaise;

  /** _PyObject_GC_MAY_BE_TRACKED: a GC object that is, or may become, tracked (a tuple only while tracked). */
  mayBeTracked(id: ObjectId): boolean {
    const o = this.rt.object(id);
    if (!o.gcType) return false;
    if (o.kind === 'tuple' && o.pyType === 'tuple') return o.gen >= 0;
    return o.kind !== 'builtin';
  }

  private backJumps = 0;

  /** JUMP_BACKWARD's eval-breaker check: a loop that makes no events can still be stopped. */
  checkInterrupt(): void {
    if ((++this.backJumps & 0xfff) === 0) this.rt.poll();
  }

  /** A frame's id in the heap state, for events. */
  frameId(f: Frame): FrameId {
    return f.fid;
  }

  // ===============================================================================
  // Output.

  write(text: string, toStderr: boolean): void {
    if (toStderr) {
      if (this.keepErr) this.stderr += text;
      this.writeErr(text);
      return;
    }
    if (this.keepOut) this.stdout += text;
    this.writeOut(text);
    this.rt.output(text);
  }
}

/** The short display of an atom, kept in the heap state for views. */
/**
 * An int's value record, made by a constructor rather than an object literal: V8
 * allocates everything from a literal in the old generation once most of what it made
 * has survived (a program that builds a dict of a million ints), and a later phase's
 * short-lived ints would then be allocated there too (core's evolve.ts makes heap objects
 * the same way, for the same reason). A plain object all the same.
 */
const IntValue = function (this: { t: 'int'; type: ObjectId; v: bigint }, type: ObjectId, v: bigint): void {
  this.t = 'int';
  this.type = type;
  this.v = v;
} as unknown as new (type: ObjectId, v: bigint) => ValueOf<'int'>;
IntValue.prototype = Object.prototype;

export function reprAtom(v: PyValue): string {
  switch (v.t) {
    case 'int':
      // An int past what CPython converts to decimal (4300 digits) is named by its length.
      return bitLength(v.v) > 14_300 ? `<int of ${bitLength(v.v)} bits>` : v.v.toString();
    case 'float':
      return formatFloat(v.v);
    case 'str':
      return pyStrRepr(v.v.length > 40 ? `${v.v.slice(0, 40)}…` : v.v);
    default:
      return '';
  }
}
