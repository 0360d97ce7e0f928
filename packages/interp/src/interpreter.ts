/*
 * The evaluator
 * =============
 * Runs the typed AST on the simulated runtime, holding every reference CPython 3.11's
 * bytecode holds, so `sys.getrefcount` prints the numbers CPython prints and objects die
 * when they die in CPython. Each expression leaves its result as a temporary on the
 * current frame's evaluation stack (a `stack` holder); consumers move it (STORE_FAST,
 * BUILD_LIST, arguments into a Python callee) or release it (POP_TOP, the operands of
 * an operation, the arguments of a C function after the call).
 *
 * Source: Python/ceval.c (3.11): the LOAD_, STORE_, DELETE_ and BUILD_ families, LIST_EXTEND,
 * LOAD_METHOD, PRECALL/CALL, RETURN_VALUE, MAKE_FUNCTION, MAKE_CELL, COPY_FREE_VARS,
 * FOR_ITER, the exception table; Python/frame.c _PyFrame_Clear; Objects/typeobject.c
 * type_new, type_call, slot_tp_init, subtype_dealloc; Objects/dictobject.c insertdict,
 * delitem_common; Python/compile.c (constant merging, comprehension functions);
 * Python/pylifecycle.c finalize_modules (what happens at exit).
 *
 * Read first: `runModule`, `execStmt`, `evalExpr`, `callObject`.
 *
 * Vocabulary:
 *   Scope     a running code object: its frame, its ScopeInfo (resolve.ts), its
 *             globals dict, and for class bodies the namespace dict.
 *   C call    a call into a builtin: its arguments stay on the caller's stack during the
 *             call and are released after it (RC-4); a Python function called from C
 *             (an `__init__`, a `__del__`, a callback) gets new references to them.
 *   raise     a Python exception is a JavaScript `PyRaise` carrying the exception object,
 *             held by the `raised` root while it propagates.
 *
 * Simplifications: method descriptors of built-in types and the str objects `print`
 * builds internally are not modelled; the adaptive specialisation of 3.11 (which does
 * not change counts) is not modelled.
 */
import {
  EventBudgetExceeded,
  FIXED_SIZES,
  LIST_OBJECT_SIZE,
  Runtime,
  bootstrapStatics,
  listMembers,
  dictSize,
  dictKeysSize,
  dictTableSize,
  DICT_OBJECT_SIZE,
  SET_OBJECT_SIZE,
  dictUsable,
  intSize,
  listPreallocateExact,
  listResize,
  listSize,
  setGrow,
  setSize,
  strSize,
  tupleSize,
  FLOAT_SIZE,
  bytesSize,
  type FrameId,
  type Holder,
  type ObjectId,
  type RuntimeOptions,
  type Span,
  type Statics,
  type ObjectSpec,
} from '@pymemsim/core';
import type { Arg, Comprehension, Expr, Module, Params, Stmt, Target } from './ast.js';
import { resolveModule, type Resolution, type ScopeInfo } from './resolve.js';
import type { SourceFile } from './source.js';
import { EntryOrder } from './entryOrder.js';
import {
  IdTable,
  type ClassValue,
  type DictEntry,
  type DictStore,
  type FunctionValue,
  type InstanceValue,
  type PyValue,
  type SetStore,
} from './values.js';
import { formatFloat, pyStrRepr } from './format.js';
import { MAX_ITEMS, bitLength, checkItems, raiseLimit, type Limit } from './limits.js';

export { EventBudgetExceeded };

/** A Python exception propagating through the simulated program. */
export class PyRaise extends Error {
  constructor(
    readonly exc: ObjectId,
    readonly traceback: { line: number; name: string }[] = [],
  ) {
    super('python exception');
  }
}

/** Control flow of loops inside the evaluator: one preallocated signal each (no stack capture per loop). */
class BreakSignal extends Error {}
class ContinueSignal extends Error {}
const BREAK = new BreakSignal('break');
const CONTINUE = new ContinueSignal('continue');

export interface InterpreterOptions extends RuntimeOptions {
  /** Called with the new runtime before its first event (to record every event from the empty heap). */
  readonly attach?: (rt: Runtime) => void;
  /**
   * Written to as the program prints (stdout) and as CPython would write to stderr. When
   * given, the text is not also kept in the result's `stdout` / `stderr`.
   */
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
}

/** sys.getrecursionlimit(): a call nested deeper raises RecursionError. */
export const RECURSION_LIMIT = 1000;

/** What builtins.ts reaches of the evaluator (Interpreter.internals). */
type Internals = ReturnType<Interpreter['makeInternals']>;

/** Facts about a class that attribute access asks on every instance (classFlags). */
type ClassFlags = {
  readonly version: number;
  /** A property somewhere on the class or its bases (a data descriptor before the instance's own attributes). */
  readonly property: boolean;
  readonly setattr: ObjectId | undefined;
  /** `__del__` (tp_finalize), asked at every instance's dealloc. */
  readonly del: ObjectId | undefined;
};

type Scope = {
  frame: FrameId;
  info: ScopeInfo;
  globals: ObjectId;
  /** Class bodies (and the module): the namespace dict STORE_NAME writes to. */
  locals: ObjectId | undefined;
  fn: ObjectId | undefined;
  /** STACK(frame): the holder of this frame's evaluation-stack references. */
  stack: Holder;
  /** The line of the statement the frame is executing, 0 before the first. */
  line: number;
};

/**
 * The hash key of a str dict key (see `hashKey`). Names are looked up far more often than
 * they are new: each key string is made once and reused, with its hash already computed.
 */
const STR_KEYS = new Map<string, string>();
const strKey = (s: string): string => madeOnce(STR_KEYS, s, makeStrKey);
const makeStrKey = (s: string): string => `s:${s}`;

/** The slot name of a dict value under a str key: `["name"]`, made once per name like strKey. */
const STR_SLOTS = new Map<string, string>();
const strSlot = (s: string): string => madeOnce(STR_SLOTS, s, makeStrSlot);
const makeStrSlot = (s: string): string => `[${JSON.stringify(s)}]`;

/**
 * `prefix + v + suffix` for an int dict key: the hash key (`i:3`) and the value slot
 * name (`[3]`), made once for 0..4095 in `cache` (dicts keyed by small ints are common).
 */
function intText(cache: (string | undefined)[], prefix: string, suffix: string, v: bigint): string {
  if (v < 0n || v >= 4096n) return `${prefix}${v}${suffix}`;
  return (cache[Number(v)] ??= `${prefix}${v}${suffix}`);
}
const INT_KEYS: (string | undefined)[] = [];
const INT_SLOTS: (string | undefined)[] = [];
const intKey = (v: bigint): string => intText(INT_KEYS, 'i:', '', v);

/** The slot name of an instance attribute in its values array: `.name`, made once per name. */
const ATTR_SLOTS = new Map<string, string>();
const attrSlot = (s: string): string => madeOnce(ATTR_SLOTS, s, makeAttrSlot);
const makeAttrSlot = (s: string): string => `.${s}`;

/** `make(s)`, kept in `cache` for names short enough to recur (at most 65,536 of them). */
function madeOnce(cache: Map<string, string>, s: string, make: (s: string) => string): string {
  let k = cache.get(s);
  if (k === undefined) {
    k = make(s);
    if (s.length <= 64 && cache.size < 1 << 16) cache.set(s, k);
  }
  return k;
}

/** The holder of a frame's evaluation-stack references: one per scope (Scope.stack), not one per operation. */
const STACK = (frame: FrameId): Holder => ({ kind: 'stack', frame });
const C_TEMP: Holder = { kind: 'root', name: 'c-temp' };
/** `*args` or `**kwargs` in a call. */
const isUnpacking = (a: Arg): boolean => a.k === 'star' || a.k === 'starstar';
const isStarred = (e: Expr): boolean => e.k === 'Starred';

/** The call passes exactly the function's positional parameters and it takes nothing else. */
const plainPositional = (p: Params, args: readonly ObjectId[], kwargs: readonly unknown[]): boolean =>
  args.length === p.args.length &&
  kwargs.length === 0 &&
  p.vararg === undefined &&
  p.kwarg === undefined &&
  p.kwonly.length === 0;

/** A new list for a call's keyword arguments, or NO_KWARGS when every argument is positional. */
function keywordsOf(args: readonly Arg[]): [string, ObjectId][] {
  for (let i = 0; i < args.length; i++) if ((args[i] as Arg).k !== 'pos') return [];
  return NO_KWARGS;
}

/** lookupMethod's answer for a method implemented in builtins.ts. */
const BUILTIN_METHOD = 'builtin';

/** The keyword arguments of a call that has none (shared: nothing adds to a call's keywords). */
const NO_KWARGS = Object.freeze([]) as unknown as [string, ObjectId][];
const RAISED: Holder = { kind: 'root', name: 'raised' };

export const BUILTIN_EXCEPTIONS: readonly (readonly [string, string])[] = [
  ['BaseException', 'object'],
  ['Exception', 'BaseException'],
  ['KeyboardInterrupt', 'BaseException'],
  ['SystemExit', 'BaseException'],
  ['ArithmeticError', 'Exception'],
  ['ZeroDivisionError', 'ArithmeticError'],
  ['OverflowError', 'ArithmeticError'],
  ['AssertionError', 'Exception'],
  ['AttributeError', 'Exception'],
  ['LookupError', 'Exception'],
  ['IndexError', 'LookupError'],
  ['KeyError', 'LookupError'],
  ['NameError', 'Exception'],
  ['UnboundLocalError', 'NameError'],
  ['RuntimeError', 'Exception'],
  ['RecursionError', 'RuntimeError'],
  ['NotImplementedError', 'RuntimeError'],
  ['StopIteration', 'Exception'],
  ['TypeError', 'Exception'],
  ['ValueError', 'Exception'],
  ['ImportError', 'Exception'],
  ['ModuleNotFoundError', 'ImportError'],
  ['MemoryError', 'Exception'],
  ['OSError', 'Exception'],
];

const BUILTIN_TYPES = [
  'object',
  'int',
  'float',
  'str',
  'bytes',
  'bool',
  'list',
  'tuple',
  'dict',
  'set',
  'frozenset',
  'range',
  'type',
  'NoneType',
  'function',
  'slice',
] as const;

const BUILTIN_FUNCTIONS = [
  'print',
  'len',
  'id',
  'repr',
  'isinstance',
  'issubclass',
  'sorted',
  'reversed',
  'sum',
  'min',
  'max',
  'abs',
  'enumerate',
  'zip',
  'hasattr',
  'getattr',
  'setattr',
  'delattr',
  'iter',
  'next',
  'any',
  'all',
  'map',
  'hash',
  'callable',
  'chr',
  'ord',
  'divmod',
  'round',
  'vars',
  'super',
  'property',
  'staticmethod',
  'classmethod',
] as const;

export class Interpreter {
  readonly rt: Runtime;
  readonly statics: Statics;
  readonly values = new IdTable<PyValue>();
  stdout = '';
  stderr = '';
  private readonly modules = new Map<string, ObjectId>();
  /** Built-in types and exception classes by name (static objects). */
  readonly types = new Map<string, ObjectId>();
  private builtinsDict!: ObjectId;
  private readonly constCache = new Map<string, ObjectId>();
  /** Interned strings (mortal in 3.11: the table does not own them, ID-7). */
  private readonly interned = new Map<string, ObjectId>();
  private readonly pendingCompilerRefs: ObjectId[] = [];
  private depth = 0;
  private resolution: Resolution | undefined;
  private readonly writeOut: (text: string) => void;
  private readonly writeErr: (text: string) => void;
  /** Keep the output in `stdout` / `stderr` (only when no writer was given for it). */
  private readonly keepOut: boolean;
  private readonly keepErr: boolean;
  /** The exception being handled (sys.exc_info), innermost last. */
  private readonly handling: ObjectId[] = [];
  private main: Scope | undefined;
  private mainModule: ObjectId | undefined;
  readonly gcCallbacks: ObjectId | undefined;
  readonly gcGarbage: ObjectId | undefined;

  constructor(
    readonly source: SourceFile,
    options: InterpreterOptions = {},
  ) {
    this.rt = new Runtime(options);
    options.attach?.(this.rt);
    this.writeOut = options.stdout ?? (() => undefined);
    this.writeErr = options.stderr ?? (() => undefined);
    this.keepOut = options.stdout === undefined;
    this.keepErr = options.stderr === undefined;
    this.rt.hooks.freed = (id) => {
      const v = this.values.get(id);
      if (v?.t === 'str' && this.interned.get(v.v) === id) this.interned.delete(v.v);
      this.values.delete(id);
    };
    this.rt.hooks.hasFinalizer = (id) => this.findDel(id) !== undefined;
    this.rt.hooks.runFinalizer = (id) => this.runDel(id);
    this.statics = bootstrapStatics(this.rt);
    this.values.set(this.statics.none, { t: 'none' });
    this.values.set(this.statics.true, { t: 'bool', v: true });
    this.values.set(this.statics.false, { t: 'bool', v: false });
    this.values.set(this.statics.emptyStr, { t: 'str', v: '' });
    this.values.set(this.statics.emptyTuple, { t: 'tuple', items: [] });
    for (let v = -5; v <= 256; v++) {
      const id = this.statics.smallInt(v);
      if (id !== undefined) this.values.set(id, { t: 'int', v: BigInt(v) });
    }
    this.setUpBuiltins();
    this.installGcHooks();
  }

  // ===============================================================================
  // Start-up.

  private staticObject(name: string, pyType: string, kind: string, value: PyValue, root: string): ObjectId {
    const id = this.rt.allocate(
      { pyType, kind, size: 0, repr: name, base: 999_999_999 - 1, track: false },
      { kind: 'root', name: root },
    );
    this.values.set(id, value);
    return id;
  }

  private setUpBuiltins(): void {
    const typeValue = (name: string, bases: ObjectId[], isException: boolean): ClassValue => ({
      t: 'class',
      name,
      qualname: name,
      bases,
      mro: [],
      dict: this.statics.none,
      builtin: name,
      isException,
      slots: undefined,
    });
    for (const name of BUILTIN_TYPES) {
      const base = name === 'object' ? [] : [this.types.get(name === 'bool' ? 'int' : 'object') as ObjectId];
      const id = this.staticObject(name, 'type', 'builtin', typeValue(name, base, false), 'static types');
      this.types.set(name, id);
    }
    for (const [name, baseName] of BUILTIN_EXCEPTIONS) {
      const id = this.staticObject(
        name,
        'type',
        'builtin',
        typeValue(name, [this.types.get(baseName) as ObjectId], true),
        'static types',
      );
      this.types.set(name, id);
    }
    for (const id of this.types.values()) {
      const cls = this.value(id) as ClassValue;
      cls.mro = this.computeMro(id);
    }
    const modules: Record<string, readonly string[]> = {
      builtins: [...BUILTIN_FUNCTIONS],
      sys: ['getrefcount', 'getsizeof', 'intern', '_debugmallocstats', 'getrecursionlimit'],
      gc: [
        'collect',
        'get_count',
        'get_threshold',
        'set_threshold',
        'isenabled',
        'enable',
        'disable',
        'is_tracked',
        'is_finalized',
        'get_referrers',
        'get_referents',
        'get_objects',
        'get_stats',
        'freeze',
        'unfreeze',
        'get_freeze_count',
        'set_debug',
        'get_debug',
      ],
      weakref: ['ref'],
    };
    const root: Holder = { kind: 'root', name: 'sys.modules' };
    for (const [name, fns] of Object.entries(modules)) {
      const mod = this.alloc(
        'module',
        'module',
        FIXED_SIZES.module,
        { t: 'module', name, dict: this.statics.none },
        root,
      );
      const dict = this.newDict({ kind: 'object', owner: mod, slot: '__dict__' });
      (this.value(mod) as { dict: ObjectId }).dict = dict;
      this.modules.set(name, mod);
      for (const fn of fns) {
        const f = this.staticObject(
          fn,
          'builtin_function_or_method',
          'builtin',
          { t: 'builtin', name: `${name}.${fn}`, self: undefined },
          'static functions',
        );
        this.rt.incref(f, C_TEMP);
        this.dictSetStr(dict, fn, f, C_TEMP, 'move');
      }
      if (name === 'builtins') {
        this.builtinsDict = dict;
        for (const [tname, id] of this.types) {
          if (tname === 'NoneType' || tname === 'function') continue;
          this.rt.incref(id, C_TEMP);
          this.dictSetStr(dict, tname, id, C_TEMP, 'move');
        }
      }
    }
    // Module-level constants of gc.
    const gcDict = (this.value(this.modules.get('gc') as ObjectId) as { dict: ObjectId }).dict;
    for (const [k, v] of [
      ['DEBUG_STATS', 1n],
      ['DEBUG_COLLECTABLE', 2n],
      ['DEBUG_UNCOLLECTABLE', 4n],
      ['DEBUG_SAVEALL', 32n],
      ['DEBUG_LEAK', 38n],
    ] as const) {
      const i = this.newInt(v, C_TEMP);
      this.dictSetStr(gcDict, k, i, C_TEMP, 'move');
    }
    for (const listName of ['garbage', 'callbacks']) {
      const l = this.newList([], C_TEMP);
      this.dictSetStr(gcDict, listName, l, C_TEMP, 'move');
    }
    (this as { gcCallbacks: ObjectId | undefined }).gcCallbacks = this.dictGetStr(gcDict, 'callbacks');
    (this as { gcGarbage: ObjectId | undefined }).gcGarbage = this.dictGetStr(gcDict, 'garbage');
  }

  // ===============================================================================
  // Values and allocation.

  value(id: ObjectId): PyValue {
    const v = this.values.get(id);
    if (v === undefined) throw new Error(`no value for object #${id}`);
    return v;
  }

  typeOf(id: ObjectId): ObjectId {
    const v = this.value(id);
    switch (v.t) {
      case 'instance':
        return v.cls;
      case 'class':
        return this.types.get('type') as ObjectId;
      case 'none':
        return this.types.get('NoneType') as ObjectId;
      case 'set':
        return this.types.get(v.frozen ? 'frozenset' : 'set') as ObjectId;
      case 'int':
      case 'float':
      case 'str':
      case 'bytes':
      case 'bool':
      case 'list':
      case 'tuple':
      case 'dict':
      case 'range':
      case 'slice':
      case 'function':
        return this.types.get(v.t) as ObjectId;
      default:
        return this.staticType(this.rt.object(id).pyType);
    }
  }

  /** The static type object of a built-in type met at run time (method, cell, list_iterator ...). */
  staticType(pyType: string): ObjectId {
    const existing = this.types.get(pyType);
    if (existing !== undefined) return existing;
    const name = pyType.replace(/^.*\./, '');
    const object = this.types.get('object') as ObjectId;
    const cls: ClassValue = {
      t: 'class',
      name,
      qualname: name,
      bases: [object],
      mro: [],
      dict: this.statics.none,
      builtin: name,
      isException: false,
      slots: undefined,
    };
    const id = this.staticObject(pyType, 'type', 'builtin', cls, 'static types');
    cls.mro = [id, object];
    this.types.set(pyType, id);
    return id;
  }

  /** A one-character latin-1 str made at run time: CPython's cached singletons (ID-2). */
  charStr(ch: string, holder: Holder): ObjectId {
    const code = ch.codePointAt(0) ?? 0;
    if (ch.length !== 1 || code >= 256) return this.newStr(ch, holder);
    let id = this.latin1.get(code);
    if (id === undefined) {
      id = this.rt.allocate(
        { pyType: 'str', kind: 'str', size: strSize(ch), repr: pyStrRepr(ch), base: 999_999_999 - 1 },
        { kind: 'root', name: 'latin1 chars' },
      );
      this.values.set(id, { t: 'str', v: ch });
      this.latin1.set(code, id);
    }
    return this.ret(id, holder);
  }

  private readonly latin1 = new Map<number, ObjectId>();

  typeName(id: ObjectId): string {
    return this.rt.object(id).pyType;
  }

  private alloc(
    pyType: string,
    kind: string,
    size: number,
    value: PyValue,
    holder: Holder,
    alloc?: number,
    track?: boolean,
    viaTpAlloc = false,
  ): ObjectId {
    const repr = value.t === 'int' || value.t === 'str' || value.t === 'float' ? this.reprAtom(value) : '';
    // Built field by field (object spreads are slow in V8, and this runs per allocation).
    const spec: { -readonly [K in keyof ObjectSpec]: ObjectSpec[K] } = { pyType, kind, size, repr };
    if (viaTpAlloc) spec.fromFreelist = false; // list() and dict() go through tp_alloc, never the free lists
    if (alloc !== undefined) spec.alloc = alloc;
    if (track !== undefined) spec.track = track;
    const id = this.rt.allocate(spec, holder);
    this.values.set(id, value);
    return id;
  }

  private reprAtom(v: PyValue): string {
    // An int past what CPython converts to decimal (4300 digits) is named by its length.
    if (v.t === 'int') return bitLength(v.v) > 14_300 ? `<int of ${bitLength(v.v)} bits>` : v.v.toString();
    if (v.t === 'float') return formatFloat(v.v);
    if (v.t === 'str') return pyStrRepr(v.v.length > 40 ? `${v.v.slice(0, 40)}…` : v.v);
    return '';
  }

  newInt(v: bigint, holder: Holder): ObjectId {
    const cached = this.statics.smallInt(v);
    if (cached !== undefined) {
      this.rt.incref(cached, holder);
      return cached;
    }
    return this.alloc('int', 'int', intSize(v), { t: 'int', v }, holder);
  }

  newFloat(v: number, holder: Holder): ObjectId {
    return this.alloc('float', 'float', FLOAT_SIZE, { t: 'float', v }, holder);
  }

  newStr(s: string, holder: Holder): ObjectId {
    if (s === '') return this.ret(this.statics.emptyStr, holder);
    return this.alloc('str', 'str', strSize(s), { t: 'str', v: s }, holder);
  }

  /** An interned str (ID-4..ID-6): the existing one, or a new one entered in the table. */
  internStr(s: string, holder: Holder): ObjectId {
    const existing = this.interned.get(s);
    if (existing !== undefined) return this.ret(existing, holder);
    const id = this.newStr(s, holder);
    if (s !== '') this.interned.set(s, id);
    return id;
  }

  bool(b: boolean, holder: Holder): ObjectId {
    return this.ret(b ? this.statics.true : this.statics.false, holder);
  }

  none(holder: Holder): ObjectId {
    return this.ret(this.statics.none, holder);
  }

  ret(id: ObjectId, holder: Holder): ObjectId {
    this.rt.incref(id, holder);
    return id;
  }

  /** A new list taking over `items` (references moved from `from`, or new ones when undefined). */
  newList(items: ObjectId[], holder: Holder, from?: Holder, allocated = items.length, viaTpAlloc = false): ObjectId {
    const l = this.alloc(
      'list',
      'list',
      listSize(allocated),
      { t: 'list', items: [...items], allocated },
      holder,
      LIST_OBJECT_SIZE,
      undefined,
      viaTpAlloc,
    );
    // PyList_New: the object, then its item array (PyMem_Malloc).
    if (allocated > 0) this.rt.setBuffer(l, 'items', 8 * allocated);
    for (const item of items) this.adopt(item, { kind: 'object', owner: l, slot: 'item' }, from);
    return l;
  }

  /** list_resize: a new capacity means a new getsizeof and a reallocated item array. */
  setListCapacity(list: ObjectId, allocated: number): void {
    const v = this.value(list) as { allocated: number };
    v.allocated = allocated;
    this.rt.resize(list, listSize(allocated));
    this.rt.setBuffer(list, 'items', 8 * allocated);
  }

  /** A dict's keys table changed size or kind: getsizeof and the keys block follow. */
  private setDictTable(dict: ObjectId, store: DictStore): void {
    this.rt.resize(dict, dictSize(store.table, store.unicode));
    this.rt.setBuffer(dict, 'keys', store.table === 0 ? 0 : dictKeysSize(store.table, store.unicode));
  }

  /** A set's table grew or went back to the 8 slots inside the object. */
  setSetTable(set: ObjectId, table: number): void {
    this.rt.resize(set, setSize(table));
    this.rt.setBuffer(set, 'table', table > 8 ? 16 * table : 0);
  }

  newTuple(items: ObjectId[], holder: Holder, from?: Holder): ObjectId {
    if (items.length === 0) return this.ret(this.statics.emptyTuple, holder);
    const t = this.alloc('tuple', 'tuple', tupleSize(items.length), { t: 'tuple', items: [...items] }, holder);
    for (const item of items) this.adopt(item, { kind: 'object', owner: t, slot: 'item' }, from);
    return t;
  }

  private adopt(id: ObjectId, to: Holder, from: Holder | undefined): void {
    if (from === undefined) this.rt.incref(id, to);
    else this.rt.move(id, from, to);
  }

  // ===============================================================================
  // Dicts (OBJ-11, GC-T4) and sets (OBJ-12).

  newDict(holder: Holder, presize = 0, viaTpAlloc = false): ObjectId {
    const table = presize > 5 ? dictTableSize(Math.floor((3 * presize + 1) / 2)) : 0;
    const store: DictStore = { entries: new Map(), order: new EntryOrder(), table, nentries: 0, unicode: true };
    const d = this.alloc(
      'dict',
      'dict',
      dictSize(table, true),
      { t: 'dict', store },
      holder,
      DICT_OBJECT_SIZE,
      undefined,
      viaTpAlloc,
    );
    if (table > 0) this.rt.setBuffer(d, 'keys', dictKeysSize(table, true));
    return d;
  }

  private dictStore(dict: ObjectId): DictStore {
    const d = this.value(dict);
    if (d.t !== 'dict') throw new Error('not a dict');
    return d.store;
  }

  dictGetStr(dict: ObjectId, name: string): ObjectId | undefined {
    return this.dictGetKey(dict, strKey(name));
  }

  /** dictGetStr with the str key's hash key (`strKey(name)`) already made. */
  private dictGetKey(dict: ObjectId, key: string): ObjectId | undefined {
    // A namespace torn down by the collector (type_clear, module teardown) reads as empty.
    const d = this.values.get(dict);
    return d?.t === 'dict' ? d.store.entries.get(key)?.value : undefined;
  }

  /** The slot name of the dict's value under `key`: `["name"]`, `[3]`, `[#id]`. */
  private valueSlot(key: ObjectId): string {
    const kv = this.values.get(key);
    if (kv?.t === 'str') return strSlot(kv.v);
    if (kv?.t === 'int') return intText(INT_SLOTS, '[', ']', kv.v);
    return `[${kv !== undefined ? this.reprAtom(kv) || `#${key}` : `#${key}`}]`;
  }

  /** insertdict with a str key given as text (namespaces): the key string is interned. */
  dictSetStr(
    dict: ObjectId,
    name: string,
    value: ObjectId,
    from: Holder,
    how: 'move' | 'copy',
    hk = strKey(name),
  ): void {
    const store = this.dictStore(dict);
    const entry = store.entries.get(hk);
    if (entry !== undefined) {
      this.replaceDictValue(dict, entry, value, from, how);
      return;
    }
    const key = this.internStr(name, C_TEMP);
    this.dictInsertNew(dict, store, hk, key, C_TEMP, 'move', value, from, how);
  }

  /** `d[key] = value` (PyDict_SetItem): key and value references are new (copied) or moved from `from`. */
  dictSet(dict: ObjectId, key: ObjectId, value: ObjectId, from: Holder, how: 'move' | 'copy'): void {
    const store = this.dictStore(dict);
    const hk = this.hashKey(key);
    const entry = store.entries.get(hk);
    if (entry !== undefined) {
      // An existing key object stays; the passed key is not kept (spec §2.2).
      if (how === 'move') this.rt.decref(key, from);
      this.replaceDictValue(dict, entry, value, from, how);
      return;
    }
    this.dictInsertNew(dict, store, hk, key, from, how, value, from, how);
  }

  private replaceDictValue(
    dict: ObjectId,
    entry: DictEntry,
    value: ObjectId,
    from: Holder,
    how: 'move' | 'copy',
  ): void {
    const old = entry.value;
    const slot = entry.slot;
    entry.value = value;
    if (this.dictStore(dict).ofClass) this.classVersion += 1;
    // The new value takes the old one's place (insertdict's old_value), so the dict
    // still releases its references in entry order.
    const at = this.entryAt(dict, entry) + 1;
    this.rt.increfRef(value, dict, slot, at);
    this.rt.decrefRef(old, dict, slot, at + 1);
    if (how === 'move') this.rt.decref(value, from);
  }

  /** Where the entry's key reference sits in the dict's references (its value follows). */
  private entryAt(dict: ObjectId, entry: DictEntry): number {
    return 2 * this.dictStore(dict).order.rank(entry);
  }

  private dictInsertNew(
    dict: ObjectId,
    store: DictStore,
    hk: string,
    key: ObjectId,
    keyFrom: Holder,
    keyHow: 'move' | 'copy',
    value: ObjectId,
    from: Holder,
    how: 'move' | 'copy',
  ): void {
    if (store.entries.size >= MAX_ITEMS)
      raiseLimit(checkItems(store.entries.size + 1, 'dict') as Limit, (t, m) => this.pyErr(t, m));
    const isStr = this.values.get(key)?.t === 'str';
    const tableBefore = store.table;
    const unicodeBefore = store.unicode;
    // Growth (OBJ-11): a table with no usable entry left, or a non-str key into a str-keys table.
    if (store.table === 0) store.table = 8;
    else if (store.nentries >= dictUsable(store.table) || (store.unicode && !isStr)) {
      store.table = dictTableSize(3 * store.entries.size);
      store.nentries = store.entries.size;
    }
    if (!isStr) store.unicode = false;
    const slot = this.valueSlot(key);
    const entry: DictEntry = { key, value, n: 0, slot };
    if (store.ofClass) this.classVersion += 1;
    store.order.add(entry, store.entries);
    store.entries.set(hk, entry);
    store.nentries += 1;
    if (keyHow === 'move') this.rt.moveToRef(key, keyFrom, dict, 'key');
    else this.rt.increfRef(key, dict, 'key');
    this.rt.increfRef(value, dict, slot);
    if (store.table !== tableBefore || store.unicode !== unicodeBefore) this.setDictTable(dict, store);
    // GC-T4: an untracked dict becomes tracked when it gains something that may be tracked.
    if (this.rt.object(dict).gen < 0 && (this.mayBeTracked(key) || this.mayBeTracked(value))) this.rt.track(dict);
    if (how === 'move') this.rt.decref(value, from);
  }

  private mayBeTracked(id: ObjectId): boolean {
    const o = this.rt.object(id);
    if (!o.gcType) return false;
    if (o.kind === 'tuple' && o.pyType === 'tuple') return o.gen >= 0;
    return o.kind !== 'builtin';
  }

  /** delitem_common: the key, then the value. Returns false when the key is absent. */
  dictDel(dict: ObjectId, hk: string): boolean {
    const store = this.dictStore(dict);
    const entry = store.entries.get(hk);
    if (entry === undefined) return false;
    const at = 2 * store.order.rank(entry);
    if (store.ofClass) this.classVersion += 1;
    store.entries.delete(hk);
    store.order.remove(entry);
    const slot = entry.slot;
    this.rt.decrefRef(entry.key, dict, 'key', at);
    this.rt.decrefRef(entry.value, dict, slot, at);
    return true;
  }

  /** dict.clear(): back to the shared empty keys; entries released in order. */
  dictClear(dict: ObjectId): void {
    const store = this.dictStore(dict);
    const entries = [...store.entries.values()];
    if (store.ofClass) this.classVersion += 1;
    store.entries.clear();
    store.order.clear();
    store.table = 0;
    store.nentries = 0;
    store.unicode = true;
    this.setDictTable(dict, store);
    for (const e of entries) {
      const slot = e.slot;
      this.rt.decrefRef(e.key, dict, 'key');
      this.rt.decrefRef(e.value, dict, slot);
    }
  }

  newSet(holder: Holder, frozen: boolean): ObjectId {
    const store: SetStore = { entries: new Map(), table: 8, fill: 0 };
    return this.alloc(
      frozen ? 'frozenset' : 'set',
      frozen ? 'frozenset' : 'set',
      setSize(8),
      { t: 'set', store, frozen },
      holder,
      SET_OBJECT_SIZE,
    );
  }

  /** set.add: returns false when the element was there already (the passed reference is not kept). */
  setAdd(set: ObjectId, item: ObjectId, from: Holder | undefined): boolean {
    const v = this.value(set) as { store: SetStore };
    const hk = this.hashKey(item);
    if (v.store.entries.has(hk)) {
      if (from !== undefined) this.rt.decref(item, from);
      return false;
    }
    if (v.store.entries.size >= MAX_ITEMS)
      raiseLimit(checkItems(v.store.entries.size + 1, 'set') as Limit, (t, m) => this.pyErr(t, m));
    v.store.entries.set(hk, item);
    v.store.fill += 1;
    this.adopt(item, { kind: 'object', owner: set, slot: 'item' }, from);
    const grown = setGrow(v.store.table, v.store.fill, v.store.entries.size);
    if (grown !== v.store.table) {
      v.store.table = grown;
      v.store.fill = v.store.entries.size;
      this.setSetTable(set, grown);
    }
    return true;
  }

  setDiscard(set: ObjectId, item: ObjectId): boolean {
    const v = this.value(set) as { store: SetStore };
    const hk = this.hashKey(item);
    const held = v.store.entries.get(hk);
    if (held === undefined) return false;
    v.store.entries.delete(hk);
    this.rt.decref(held, { kind: 'object', owner: set, slot: 'item' });
    return true;
  }

  /** The key a dict or set files an object under: equal values (1 == 1.0 == True) share a key. */
  private hashKeys(items: readonly ObjectId[]): string {
    let out = '';
    for (let i = 0; i < items.length; i++) out += (i > 0 ? ',' : '') + this.hashKey(items[i] as ObjectId);
    return out;
  }

  hashKey(id: ObjectId): string {
    const v = this.value(id);
    switch (v.t) {
      case 'int':
        return intKey(v.v);
      case 'bool':
        return intKey(v.v ? 1n : 0n);
      case 'float':
        return Number.isInteger(v.v) && Math.abs(v.v) < 2 ** 63 ? `i:${BigInt(v.v)}` : `f:${v.v}`;
      case 'str':
        return strKey(v.v);
      case 'none':
        return 'n';
      case 'bytes':
        return `b:${[...v.v].join(',')}`;
      case 'tuple':
        return `t:(${this.hashKeys(v.items)})`;
      case 'set':
        if (v.frozen) return `fs:{${[...v.store.entries.keys()].sort().join(',')}}`;
        throw this.typeError(`unhashable type: 'set'`);
      case 'list':
      case 'dict':
        throw this.typeError(`unhashable type: '${v.t}'`);
      case 'instance': {
        const eq = this.lookupClassAttr(v.cls, '__eq__');
        const hash = this.lookupClassAttr(v.cls, '__hash__');
        if (eq !== undefined && hash === undefined) throw this.typeError(`unhashable type: '${this.typeName(id)}'`);
        if (hash !== undefined) {
          const h = this.callMethod(id, '__hash__', []);
          const hv = this.value(h);
          this.rt.decref(h, C_TEMP);
          if (hv.t === 'int') return `h:${hv.v}`;
        }
        return `o:${id}`;
      }
      default:
        return `o:${id}`;
    }
  }

  // ===============================================================================
  // Exceptions.

  /** Allocate an exception instance of a built-in class and wrap it for throwing. */
  pyErr(type: string, message: string | undefined): PyRaise {
    const cls = this.types.get(type) ?? this.staticType('RuntimeError');
    const args = message === undefined ? [] : [this.newStr(message, C_TEMP)];
    const exc = this.instantiateException(cls, args, C_TEMP);
    this.rt.move(exc, C_TEMP, RAISED);
    return new PyRaise(exc);
  }

  typeError(message: string): PyRaise {
    return this.pyErr('TypeError', message);
  }

  /** BaseException.__new__: an instance with `args` (a tuple taking over `args`, moved from `from`). */
  private instantiateException(cls: ObjectId, args: ObjectId[], from: Holder): ObjectId {
    const exc = this.newInstance(cls, C_TEMP);
    const t = this.newTuple(args, C_TEMP, from);
    this.setAttrRaw(exc, 'args', t, C_TEMP, 'move');
    this.rt.move(exc, C_TEMP, from);
    return exc;
  }

  private excArgs(exc: ObjectId): ObjectId[] {
    const v = this.value(exc);
    if (v.t !== 'instance') return [];
    const args = v.attrs.get('args');
    const av = args === undefined ? undefined : this.values.get(args);
    return av?.t === 'tuple' ? av.items : [];
  }

  /** `str(exc)`: the single argument, or the args tuple; KeyError shows the repr. */
  excMessage(exc: ObjectId): string {
    const args = this.excArgs(exc);
    const name = this.classOf(exc).name;
    if (args.length === 0) return '';
    if (args.length === 1) {
      const a = args[0] as ObjectId;
      return name === 'KeyError' || this.isSubclassName(exc, 'KeyError') ? this.repr(a) : this.str(a);
    }
    return this.repr(this.excArgsTuple(exc));
  }

  private excArgsTuple(exc: ObjectId): ObjectId {
    return (this.value(exc) as InstanceValue).attrs.get('args') as ObjectId;
  }

  private isSubclassName(id: ObjectId, name: string): boolean {
    const cls = this.values.get(id)?.t === 'instance' ? (this.value(id) as InstanceValue).cls : id;
    return (this.value(cls) as ClassValue).mro.some((c) => (this.value(c) as ClassValue).name === name);
  }

  classOf(id: ObjectId): ClassValue {
    return this.value(this.typeOf(id)) as ClassValue;
  }

  /** `type(exc).__name__: message`, as a traceback's last line. */
  formatException(exc: ObjectId): string {
    const cls = this.classOf(exc);
    const qual = cls.builtin !== undefined ? cls.name : cls.qualname;
    const name = cls.builtin !== undefined ? qual : `__main__.${qual}`.replace(/^__main__\./, '');
    const msg = this.safeStr(() => this.excMessage(exc));
    return msg === '' ? name : `${name}: ${msg}`;
  }

  private safeStr(f: () => string): string {
    try {
      return f();
    } catch (e) {
      if (e instanceof PyRaise) {
        this.rt.decref(e.exc, RAISED);
        return '<exception str() failed>';
      }
      throw e;
    }
  }

  /** Report an exception raised where nobody can catch it (`__del__`, callbacks): "Exception ignored in". */
  reportUnraisable(e: PyRaise, where: string): void {
    this.internals.writeErr(
      `Exception ignored in: ${where}\nTraceback (most recent call last):\n${this.formatException(e.exc)}\n`,
    );
    this.rt.decref(e.exc, RAISED);
  }

  // ===============================================================================
  // Running a module.

  /** Run a module; an uncaught exception propagates as PyRaise after the module frame is cleared. */
  runModule(module: Module): void {
    this.beginModule(module);
    this.execInModule(module);
    this.endModule();
  }

  /**
   * Create `__main__` as CPython's start-up leaves it: the globals dict, then the module
   * object holding it, both already promoted to generation 2 by the start-up
   * collections (so a full collection meets the dict before the module that makes it
   * reachable, and revives what the dict holds in breadth-first order, as measured).
   */
  beginModule(module: Module): void {
    const root: Holder = { kind: 'root', name: 'sys.modules' };
    const globals = this.newDict(C_TEMP);
    this.rt.track(globals);
    const main = this.alloc(
      'module',
      'module',
      FIXED_SIZES.module,
      { t: 'module', name: '__main__', dict: globals },
      root,
    );
    this.rt.move(globals, C_TEMP, { kind: 'object', owner: main, slot: '__dict__' });
    this.modules.set('__main__', main);
    this.mainModule = main;
    const name = this.internStr('__main__', C_TEMP);
    this.dictSetStr(globals, '__name__', name, C_TEMP, 'move');
    const builtinsModule = this.modules.get('builtins');
    if (builtinsModule !== undefined)
      this.dictSetStr(globals, '__builtins__', this.ret(builtinsModule, C_TEMP), C_TEMP, 'move');
    const startup = listMembers(this.rt.state, 0);
    if (startup.length > 0) this.rt.emit({ type: 'GcObjectsMoved', ids: startup, to: 2 });
    this.resolution = resolveModule(module);
    const code = this.makeCode('<module>', module.body, { kind: 'root', name: 'main code' });
    const frame = this.rt.enterFrame('<module>');
    this.rt.move(code, { kind: 'root', name: 'main code' }, { kind: 'frame', frame, name: '(code)' });
    this.main = {
      frame,
      info: this.resolution.scopeOf(module),
      globals,
      locals: globals,
      fn: undefined,
      stack: STACK(frame),
      line: 0,
    };
  }

  execInModule(module: Module, resolution?: Resolution): void {
    const main = this.main;
    if (main === undefined) throw new Error('no module is running');
    if (resolution !== undefined) this.resolution = resolution;
    this.releaseCompilerRefs();
    try {
      this.execBlock(module.body, main);
    } catch (e) {
      if (e instanceof PyRaise) e.traceback.unshift({ line: this.frameLine(main), name: '<module>' });
      throw e;
    }
  }

  /** Compile more statements for the running module (a session line). */
  compileMore(module: Module): Resolution {
    const resolution = resolveModule(module);
    this.resolution = resolution;
    // The session keeps each line's code object (its constants live as long as it).
    this.makeCode('<module>', module.body, { kind: 'root', name: 'session code' });
    return resolution;
  }

  endModule(): void {
    if (this.main === undefined) return;
    this.rt.exitFrame(this.main.frame);
    this.main = undefined;
  }

  /**
   * Interpreter shutdown (Py_FinalizeEx, finalize_modules): a full collection while
   * `__main__` is still alive, then `sys.modules` lets go of it (its globals dict dies
   * with it, or — held in a cycle by the functions and classes it defines — becomes
   * garbage), then a full collection finalizes and clears what is left. `gc.callbacks`
   * are not called for these collections.
   */
  shutdown(): void {
    const main = this.mainModule;
    if (main === undefined) return;
    this.shuttingDown = true;
    this.guarded(() => this.rt.collect(2));
    if (this.rt.isAlive(main)) this.guarded(() => this.rt.decref(main, { kind: 'root', name: 'sys.modules' }));
    this.mainModule = undefined;
    this.guarded(() => this.rt.collect(2));
  }

  /** Set during shutdown: gc.callbacks are no longer called. */
  shuttingDown = false;

  /** Run `f`; a Python exception escaping it is reported as unraisable. */
  private guarded(f: () => void, where = 'shutdown'): void {
    try {
      f();
    } catch (e) {
      if (e instanceof PyRaise) this.reportUnraisable(e, where);
      else throw e;
    }
  }

  global(name: string): ObjectId | undefined {
    const g = this.main?.globals;
    return g === undefined ? undefined : this.dictGetStr(g, name);
  }

  // ===============================================================================
  // Code objects and constants (ID-3: equal constants merged within a compilation unit).

  private makeCode(name: string, body: readonly Stmt[], holder: Holder): ObjectId {
    const code = this.alloc('code', 'code', FIXED_SIZES.code, { t: 'code', name, consts: [] }, holder);
    const consts = (this.value(code) as { consts: ObjectId[] }).consts;
    const seen = new Set<ObjectId>();
    const add = (id: ObjectId): void => {
      if (seen.has(id)) return;
      seen.add(id);
      consts.push(id);
      this.rt.incref(id, { kind: 'object', owner: code, slot: 'co_consts' });
    };
    const visitExpr = (e: Expr | undefined): void => {
      if (e === undefined) return;
      switch (e.k) {
        case 'Int':
        case 'Str':
        case 'Float':
        case 'Bytes':
          add(this.constant(e));
          return;
        case 'List':
        case 'Set':
        case 'Tuple':
          e.elts.forEach(visitExpr);
          if (e.k !== 'Tuple' && e.elts.length >= 3 && e.elts.every(isConstant)) add(this.constTuple(e.elts));
          if (e.k === 'Tuple' && e.elts.length > 0 && e.elts.every(isConstant)) add(this.constTuple(e.elts));
          return;
        case 'Dict':
          e.keys.forEach(visitExpr);
          e.values.forEach(visitExpr);
          return;
        case 'FString':
          for (const p of e.parts) if (p.k === 'expr') visitExpr(p.value);
          return;
        case 'ListComp':
        case 'SetComp':
        case 'GeneratorExp':
          visitExpr(e.gens[0]?.iter);
          return;
        case 'DictComp':
          visitExpr(e.gens[0]?.iter);
          return;
        case 'Call':
          visitExpr(e.func);
          for (const a of e.args) visitExpr(a.value);
          return;
        case 'Attribute':
          visitExpr(e.value);
          return;
        case 'Subscript':
          visitExpr(e.value);
          visitExpr(e.index);
          return;
        case 'Slice':
          visitExpr(e.lower);
          visitExpr(e.upper);
          visitExpr(e.step);
          return;
        case 'BinOp':
          visitExpr(e.left);
          visitExpr(e.right);
          return;
        case 'UnaryOp':
          if (e.op === '-' && (e.operand.k === 'Int' || e.operand.k === 'Float')) {
            add(
              this.constant(
                e.operand.k === 'Int'
                  ? { ...e.operand, value: -e.operand.value }
                  : { ...e.operand, value: -e.operand.value },
              ),
            );
          } else visitExpr(e.operand);
          return;
        case 'BoolOp':
          e.values.forEach(visitExpr);
          return;
        case 'Compare':
          visitExpr(e.left);
          e.comparators.forEach(visitExpr);
          return;
        case 'IfExp':
          visitExpr(e.test);
          visitExpr(e.body);
          visitExpr(e.orelse);
          return;
        case 'Lambda':
          e.params.defaults.forEach(visitExpr);
          return;
        case 'Starred':
          visitExpr(e.value);
          return;
        case 'Name':
        case 'Const':
          return;
      }
    };
    const visit = (s: Stmt): void => {
      switch (s.k) {
        case 'Expr':
          visitExpr(s.value);
          return;
        case 'Assign':
          visitExpr(s.value);
          s.targets.forEach(visitExpr);
          return;
        case 'AugAssign':
          visitExpr(s.target);
          visitExpr(s.value);
          return;
        case 'AnnAssign':
          visitExpr(s.value);
          return;
        case 'Return':
          visitExpr(s.value);
          return;
        case 'Raise':
          visitExpr(s.exc);
          visitExpr(s.cause);
          return;
        case 'Assert':
          visitExpr(s.test);
          visitExpr(s.msg);
          return;
        case 'If':
        case 'While':
          visitExpr(s.test);
          s.body.forEach(visit);
          s.orelse.forEach(visit);
          return;
        case 'For':
          visitExpr(s.iter);
          s.body.forEach(visit);
          s.orelse.forEach(visit);
          return;
        case 'Try':
          s.body.forEach(visit);
          for (const h of s.handlers) {
            visitExpr(h.type);
            h.body.forEach(visit);
          }
          s.orelse.forEach(visit);
          s.finalbody.forEach(visit);
          return;
        case 'FunctionDef':
          s.params.defaults.forEach(visitExpr);
          return;
        case 'ClassDef':
          s.bases.forEach(visitExpr);
          return;
        case 'Delete':
          s.targets.forEach(visitExpr);
          return;
        default:
          return;
      }
    };
    body.forEach(visit);
    return code;
  }

  private constant(e: Expr & { k: 'Int' | 'Str' | 'Float' | 'Bytes' }): ObjectId {
    // The node's own constant first (no key string to build on every evaluation).
    const mine = this.constByNode.get(e);
    if (mine !== undefined && this.rt.isAlive(mine)) return mine;
    const id = this.sharedConstant(e);
    this.constByNode.set(e, id);
    return id;
  }

  /** Constants by node: what `constant` found for it last (it may have died since). */
  private readonly constByNode = new Map<object, ObjectId>();

  private sharedConstant(e: Expr & { k: 'Int' | 'Str' | 'Float' | 'Bytes' }): ObjectId {
    const key = e.k === 'Bytes' ? `Bytes:${[...e.value].join(',')}` : `${e.k}:${String(e.value)}`;
    const cached = this.constCache.get(key);
    if (cached !== undefined && this.rt.isAlive(cached)) return cached;
    const temp: Holder = { kind: 'root', name: 'compiler' };
    let id: ObjectId;
    switch (e.k) {
      case 'Int':
        id = this.newInt(e.value, temp);
        break;
      case 'Float':
        id = this.newFloat(e.value, temp);
        break;
      case 'Bytes':
        id = this.alloc('bytes', 'bytes', bytesSize(e.value.length), { t: 'bytes', v: e.value }, temp);
        break;
      case 'Str':
        // ID-4: constants made of identifier characters are interned.
        id = /^[A-Za-z0-9_]*$/.test(e.value) ? this.internStr(e.value, temp) : this.newStr(e.value, temp);
        break;
    }
    this.constCache.set(key, id);
    this.pendingCompilerRefs.push(id);
    return id;
  }

  private constId(e: Expr): ObjectId {
    switch (e.k) {
      case 'Const':
        return e.value === 'None'
          ? this.statics.none
          : e.value === 'True'
            ? this.statics.true
            : e.value === 'False'
              ? this.statics.false
              : this.statics.none;
      case 'Int':
      case 'Str':
      case 'Float':
      case 'Bytes':
        return this.constant(e);
      case 'Tuple':
        return this.constTuple(e.elts);
      case 'UnaryOp':
        if (e.operand.k === 'Int') return this.constant({ ...e.operand, value: -e.operand.value });
        if (e.operand.k === 'Float') return this.constant({ ...e.operand, value: -e.operand.value });
        throw new Error('not a constant');
      default:
        throw new Error('not a constant');
    }
  }

  private constTuple(elts: readonly Expr[]): ObjectId {
    const items = elts.map((e) => this.constId(e));
    const key = `tuple:${items.join(',')}`;
    const cached = this.constCache.get(key);
    if (cached !== undefined && this.rt.isAlive(cached)) return cached;
    const temp: Holder = { kind: 'root', name: 'compiler' };
    const t = this.newTuple(items, temp);
    this.pendingCompilerRefs.push(t);
    this.constCache.set(key, t);
    return t;
  }

  private releaseCompilerRefs(): void {
    for (let id = this.pendingCompilerRefs.pop(); id !== undefined; id = this.pendingCompilerRefs.pop()) {
      this.rt.decref(id, { kind: 'root', name: 'compiler' });
    }
  }

  // ===============================================================================
  // Statements.

  /** The statement at `span` starts in `scope` (each frame keeps its own line for tracebacks). */
  private line(span: Span, scope: Scope): void {
    const n = this.source.lineOf(span.start);
    scope.line = n;
    this.rt.line(n);
  }

  /** The line the scope's frame is executing (0 before its first statement: the current line). */
  private frameLine(scope: Scope): number {
    return scope.line !== 0 ? scope.line : this.rt.state.line;
  }

  /** Executes statements; a `return` inside yields the returned value (a stack temporary). */
  private execBlock(body: readonly Stmt[], scope: Scope): ObjectId | undefined {
    for (const s of body) {
      const r = this.execStmt(s, scope);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  private execStmt(s: Stmt, scope: Scope): ObjectId | undefined {
    this.line(s.span, scope);
    const stack = scope.stack;
    switch (s.k) {
      case 'Expr': {
        const v = this.evalExpr(s.value, scope);
        this.rt.decref(v, stack); // POP_TOP
        return undefined;
      }
      case 'Assign': {
        const v = this.evalExpr(s.value, scope);
        const targets = s.targets;
        for (let i = 0; i < targets.length; i++) {
          // a = b = v: COPY the value for every target but the last.
          if (i < targets.length - 1) this.rt.incref(v, stack);
          this.assign(targets[i] as Target, v, scope);
        }
        return undefined;
      }
      // Then the other frequent ones (a switch on strings compares in order).
      case 'Return':
        return s.value === undefined ? this.none(stack) : this.evalExpr(s.value, scope);
      case 'If': {
        const branch = this.truthyConsume(this.evalExpr(s.test, scope), scope) ? s.body : s.orelse;
        return this.execBlock(branch, scope);
      }
      case 'AnnAssign':
        if (s.value !== undefined) this.assign(s.target, this.evalExpr(s.value, scope), scope);
        return undefined;
      case 'AugAssign':
        this.augAssign(s, scope);
        return undefined;
      case 'Delete':
        for (const t of s.targets) this.deleteTarget(t, scope);
        return undefined;
      case 'Pass':
      case 'Global':
      case 'Nonlocal':
        return undefined;
      case 'Break':
        throw BREAK;
      case 'Continue':
        throw CONTINUE;
      case 'Raise':
        this.raiseStmt(s, scope);
        return undefined;
      case 'Assert': {
        if (this.truthyConsume(this.evalExpr(s.test, scope), scope)) return undefined;
        if (s.msg === undefined) throw this.pyErr('AssertionError', undefined);
        const m = this.evalExpr(s.msg, scope);
        const exc = this.instantiateException(this.types.get('AssertionError') as ObjectId, [m], stack);
        this.rt.move(exc, stack, RAISED);
        throw new PyRaise(exc);
      }
      case 'Import':
        for (const { name, asname } of s.names) {
          const mod = this.modules.get(name);
          if (mod === undefined || name === 'builtins' || name === '__main__') {
            throw this.pyErr('ModuleNotFoundError', `No module named '${name}'`);
          }
          this.rt.incref(mod, stack); // IMPORT_NAME
          this.storeName(asname ?? name, mod, scope);
        }
        return undefined;
      case 'ImportFrom': {
        const mod = this.modules.get(s.module);
        if (mod === undefined) throw this.pyErr('ModuleNotFoundError', `No module named '${s.module}'`);
        const dict = (this.value(mod) as { dict: ObjectId }).dict;
        for (const { name, asname } of s.names) {
          const v = this.dictGetStr(dict, name);
          if (v === undefined)
            throw this.pyErr('ImportError', `cannot import name '${name}' from '${s.module}' (unknown location)`);
          this.rt.incref(v, stack);
          this.storeName(asname ?? name, v, scope);
        }
        return undefined;
      }
      case 'While': {
        for (;;) {
          if (!this.truthyConsume(this.evalExpr(s.test, scope), scope)) return this.execBlock(s.orelse, scope);
          try {
            const r = this.execBlock(s.body, scope);
            if (r !== undefined) return r;
          } catch (e) {
            if (e instanceof BreakSignal) return undefined;
            if (!(e instanceof ContinueSignal)) throw e;
          }
        }
      }
      case 'For':
        return this.forStmt(s, scope);
      case 'Try':
        return this.tryStmt(s, scope);
      case 'FunctionDef': {
        const fn = this.makeFunction(s.name, s.params, s.body, s, scope);
        const decorated = this.applyDecorators(s.decorators, fn, scope);
        this.storeName(s.name, decorated, scope);
        return undefined;
      }
      case 'ClassDef': {
        const cls = this.makeClass(s, scope);
        const decorated = this.applyDecorators(s.decorators, cls, scope);
        this.storeName(s.name, decorated, scope);
        return undefined;
      }
    }
  }

  private applyDecorators(decorators: readonly Expr[], obj: ObjectId, scope: Scope): ObjectId {
    let cur = obj;
    for (let i = decorators.length - 1; i >= 0; i--) {
      const d = this.evalExpr(decorators[i] as Expr, scope);
      const r = this.callObject(d, [cur], [], scope.stack, scope);
      this.rt.decref(cur, scope.stack);
      this.rt.decref(d, scope.stack);
      cur = r;
    }
    return cur;
  }

  private raiseStmt(s: Stmt & { k: 'Raise' }, scope: Scope): never {
    const stack = scope.stack;
    if (s.exc === undefined) {
      const cur = this.handling.at(-1);
      if (cur === undefined) throw this.pyErr('RuntimeError', 'No active exception to reraise');
      this.rt.incref(cur, RAISED);
      throw new PyRaise(cur);
    }
    let exc = this.evalExpr(s.exc, scope);
    const v = this.value(exc);
    if (v.t === 'class') {
      if (!v.isException) {
        this.rt.decref(exc, stack);
        throw this.typeError('exceptions must derive from BaseException');
      }
      const inst = this.instantiate(exc, [], [], stack, scope);
      this.rt.decref(exc, stack);
      exc = inst;
    } else if (v.t !== 'instance' || !this.classOf(exc).isException) {
      this.rt.decref(exc, stack);
      throw this.typeError('exceptions must derive from BaseException');
    }
    if (s.cause !== undefined) {
      const cause = this.evalExpr(s.cause, scope);
      this.setAttrRaw(exc, '__cause__', cause, stack, 'move');
    }
    this.rt.move(exc, stack, RAISED);
    throw new PyRaise(exc);
  }

  private forStmt(s: Stmt & { k: 'For' }, scope: Scope): ObjectId | undefined {
    const stack = scope.stack;
    const seq = this.evalExpr(s.iter, scope);
    const it = this.getIter(seq, stack); // GET_ITER: the iterable is released, the iterator stays on the stack
    this.rt.decref(seq, stack);
    try {
      for (;;) {
        const item = this.iterNext(it, stack);
        if (item === undefined) break;
        this.assign(s.target, item, scope);
        try {
          const r = this.execBlock(s.body, scope);
          if (r !== undefined) {
            this.rt.decref(it, stack);
            return r;
          }
        } catch (e) {
          if (e instanceof BreakSignal) {
            this.rt.decref(it, stack);
            return undefined;
          }
          if (!(e instanceof ContinueSignal)) throw e;
        }
      }
    } catch (e) {
      if (this.rt.isAlive(it) && this.rt.state.frames[scope.frame]?.stack.includes(it)) this.rt.decref(it, stack);
      throw e;
    }
    this.rt.decref(it, stack);
    return this.execBlock(s.orelse, scope);
  }

  private tryStmt(s: Stmt & { k: 'Try' }, scope: Scope): ObjectId | undefined {
    const runFinally = (): void => {
      if (s.finalbody.length > 0) {
        const r = this.execBlock(s.finalbody, scope);
        if (r !== undefined) throw new ReturnFromFinally(r);
      }
    };
    let result: ObjectId | undefined;
    try {
      try {
        result = this.execBlock(s.body, scope);
      } catch (e) {
        if (!(e instanceof PyRaise)) throw e;
        const handler = this.matchHandler(s.handlers, e.exc, scope);
        if (handler === undefined) throw e;
        result = this.runHandler(handler, e, scope);
        runFinally();
        return result;
      }
      if (result === undefined) result = this.execBlock(s.orelse, scope);
    } catch (e) {
      if (e instanceof ReturnFromFinally) throw e;
      // finally runs on the way out of a raise, break, continue or return.
      if (result !== undefined) this.rt.decref(result, scope.stack);
      if (e instanceof PyRaise) {
        this.handling.push(e.exc);
        try {
          runFinally();
        } finally {
          this.handling.pop();
        }
      } else runFinally();
      throw e;
    }
    if (s.finalbody.length > 0) {
      const r = this.execBlock(s.finalbody, scope);
      if (r !== undefined) {
        if (result !== undefined) this.rt.decref(result, scope.stack);
        return r;
      }
    }
    return result;
  }

  private matchHandler(
    handlers: readonly { type: Expr | undefined; name: string | undefined; body: readonly Stmt[]; span: Span }[],
    exc: ObjectId,
    scope: Scope,
  ) {
    const stack = scope.stack;
    for (const h of handlers) {
      if (h.type === undefined) return h;
      const t = this.evalExpr(h.type, scope);
      const tv = this.value(t);
      const classes = tv.t === 'tuple' ? tv.items : [t];
      const matched = classes.some((c) => this.isInstance(exc, c));
      this.rt.decref(t, stack);
      if (matched) return h;
    }
    return undefined;
  }

  private runHandler(
    h: { name: string | undefined; body: readonly Stmt[] },
    e: PyRaise,
    scope: Scope,
  ): ObjectId | undefined {
    const stack = scope.stack;
    this.rt.move(e.exc, RAISED, stack); // PUSH_EXC_INFO
    this.handling.push(e.exc);
    try {
      if (h.name !== undefined) {
        this.rt.incref(e.exc, stack);
        this.storeName(h.name, e.exc, scope);
      }
      return this.execBlock(h.body, scope);
    } finally {
      // `except E as e:` ends with `e = None; del e`.
      if (h.name !== undefined) {
        const bound = this.lookupLocalBinding(h.name, scope);
        if (bound !== undefined) {
          this.rt.incref(this.statics.none, stack);
          this.storeName(h.name, this.statics.none, scope);
          this.deleteName(h.name, scope, undefined);
        }
      }
      this.handling.pop();
      this.rt.decref(e.exc, stack); // POP_EXCEPT
    }
  }

  private lookupLocalBinding(name: string, scope: Scope): ObjectId | undefined {
    const access = scope.info.access(name);
    if (access === 'fast') return this.rt.state.frames[scope.frame]?.vars[name];
    if (access === 'deref') {
      const cell = this.cellFor(name, scope);
      return cell === undefined ? undefined : (this.value(cell) as { content: ObjectId | undefined }).content;
    }
    const ns = access === 'global' ? scope.globals : (scope.locals ?? scope.globals);
    return this.dictGetStr(ns, name);
  }

  // ===============================================================================
  // Assignment targets.

  /** Store `v` (a stack temporary of this scope) into `target`; the stack reference is consumed. */
  private assign(target: Target, v: ObjectId, scope: Scope): void {
    const stack = scope.stack;
    switch (target.k) {
      case 'Name':
        this.storeName(target.id, v, scope, (target.access ??= scope.info.access(target.id)), target);
        return;
      case 'Attribute': {
        // STORE_ATTR: value and owner are released after the store, raising or not.
        const obj = this.evalExpr(target.value, scope);
        try {
          this.setAttr(obj, target.attr, v, stack, 'copy', scope);
        } catch (err) {
          this.rt.decref(v, stack);
          this.rt.decref(obj, stack);
          throw err;
        }
        this.rt.decref(v, stack);
        this.rt.decref(obj, stack);
        return;
      }
      case 'Subscript': {
        const obj = this.evalExpr(target.value, scope);
        const key = this.evalExpr(target.index, scope);
        try {
          this.setItem(obj, key, v, stack, scope);
        } finally {
          this.rt.decref(v, stack);
          this.rt.decref(obj, stack);
          this.rt.decref(key, stack);
        }
        return;
      }
      case 'Tuple':
      case 'List': {
        // UNPACK_SEQUENCE: the items are pushed, the sequence released, then stored in order.
        const items = this.unpack(v, target.elts, stack);
        this.rt.decref(v, stack);
        const elts = target.elts;
        for (let i = 0; i < elts.length; i++) {
          const t = elts[i] as Expr;
          this.assign(t.k === 'Starred' ? t.value : t, items[i] as ObjectId, scope);
        }
        return;
      }
      default:
        this.rt.decref(v, stack);
        throw this.pyErr('SyntaxError', 'cannot assign to expression');
    }
  }

  private unpack(v: ObjectId, targets: readonly Expr[], stack: Holder): ObjectId[] {
    const items = this.iterateToArray(v, stack);
    const star = targets.findIndex((t) => t.k === 'Starred');
    if (star < 0) {
      if (items.length !== targets.length) {
        for (const i of items) this.rt.decref(i, stack);
        if (items.length > targets.length)
          throw this.pyErr('ValueError', `too many values to unpack (expected ${targets.length})`);
        throw this.pyErr('ValueError', `not enough values to unpack (expected ${targets.length}, got ${items.length})`);
      }
      return items;
    }
    const after = targets.length - star - 1;
    if (items.length < targets.length - 1) {
      for (const i of items) this.rt.decref(i, stack);
      throw this.pyErr(
        'ValueError',
        `not enough values to unpack (expected at least ${targets.length - 1}, got ${items.length})`,
      );
    }
    const middle = items.slice(star, items.length - after);
    const l = this.newList(middle, stack, stack);
    return [...items.slice(0, star), l, ...items.slice(items.length - after)];
  }

  /** STORE_FAST / STORE_DEREF / STORE_GLOBAL / STORE_NAME. */
  /** STORE_FAST / STORE_DEREF / STORE_GLOBAL / STORE_NAME; `node` (the Name) keeps the name's hash key. */
  private storeName(
    name: string,
    v: ObjectId,
    scope: Scope,
    access = scope.info.access(name),
    node?: { key?: string },
  ): void {
    const stack = scope.stack;
    if (access === 'fast') {
      const old = this.rt.state.frames[scope.frame]?.vars[name];
      this.rt.moveToSlot(v, stack, scope.frame, name);
      if (old !== undefined) this.rt.decrefSlot(old, scope.frame, name);
      return;
    }
    if (access === 'deref') {
      const cell = this.cellFor(name, scope);
      if (cell === undefined) throw new Error(`no cell for ${name}`);
      const cv = this.value(cell) as { content: ObjectId | undefined };
      const old = cv.content;
      cv.content = v;
      this.rt.move(v, stack, { kind: 'object', owner: cell, slot: 'cell_contents' });
      if (old !== undefined) this.rt.decref(old, { kind: 'object', owner: cell, slot: 'cell_contents' });
      return;
    }
    const ns = access === 'global' ? scope.globals : (scope.locals ?? scope.globals);
    this.dictSetStr(ns, name, v, stack, 'move', node === undefined ? strKey(name) : (node.key ??= strKey(name)));
  }

  private cellFor(name: string, scope: Scope): ObjectId | undefined {
    return this.rt.state.frames[scope.frame]?.vars[`(cell ${name})`];
  }

  private deleteTarget(t: Target, scope: Scope): void {
    const stack = scope.stack;
    switch (t.k) {
      case 'Name':
        this.deleteName(t.id, scope, t.span);
        return;
      case 'Attribute': {
        const obj = this.evalExpr(t.value, scope);
        try {
          this.delAttr(obj, t.attr, scope);
        } finally {
          this.rt.decref(obj, stack);
        }
        return;
      }
      case 'Subscript': {
        const obj = this.evalExpr(t.value, scope);
        const key = this.evalExpr(t.index, scope);
        try {
          this.delItem(obj, key, scope);
        } finally {
          this.rt.decref(obj, stack);
          this.rt.decref(key, stack);
        }
        return;
      }
      case 'Tuple':
      case 'List':
        for (const e of t.elts) this.deleteTarget(e, scope);
        return;
      default:
        throw this.pyErr('SyntaxError', 'cannot delete expression');
    }
  }

  private deleteName(name: string, scope: Scope, _span: Span | undefined): void {
    const access = scope.info.access(name);
    if (access === 'fast') {
      const id = this.rt.state.frames[scope.frame]?.vars[name];
      if (id === undefined) {
        throw this.pyErr(
          'UnboundLocalError',
          `cannot access local variable '${name}' where it is not associated with a value`,
        );
      }
      this.rt.decref(id, { kind: 'frame', frame: scope.frame, name });
      return;
    }
    if (access === 'deref') {
      const cell = this.cellFor(name, scope);
      const cv = cell === undefined ? undefined : (this.value(cell) as { content: ObjectId | undefined });
      if (cell === undefined || cv?.content === undefined) {
        throw this.pyErr(
          'NameError',
          `cannot access free variable '${name}' where it is not associated with a value in enclosing scope`,
        );
      }
      const old = cv.content;
      cv.content = undefined;
      this.rt.decref(old, { kind: 'object', owner: cell, slot: 'cell_contents' });
      return;
    }
    const ns = access === 'global' ? scope.globals : (scope.locals ?? scope.globals);
    if (!this.dictDel(ns, strKey(name))) throw this.pyErr('NameError', `name '${name}' is not defined`);
  }

  private augAssign(s: Stmt & { k: 'AugAssign' }, scope: Scope): void {
    const stack = scope.stack;
    const t = s.target;
    if (t.k === 'Name') {
      const cur = this.evalExpr(t, scope);
      const rhs = this.evalExpr(s.value, scope);
      const r = this.binaryOp(s.op, cur, rhs, stack, true, scope);
      this.rt.decref(cur, stack);
      this.rt.decref(rhs, stack);
      this.storeName(t.id, r, scope);
      return;
    }
    if (t.k === 'Attribute') {
      const obj = this.evalExpr(t.value, scope);
      const cur = this.getAttr(obj, t.attr, stack, scope);
      const rhs = this.evalExpr(s.value, scope);
      const r = this.binaryOp(s.op, cur, rhs, stack, true, scope);
      this.rt.decref(cur, stack);
      this.rt.decref(rhs, stack);
      this.setAttr(obj, t.attr, r, stack, 'copy', scope);
      this.rt.decref(r, stack);
      this.rt.decref(obj, stack);
      return;
    }
    if (t.k === 'Subscript') {
      const obj = this.evalExpr(t.value, scope);
      const key = this.evalExpr(t.index, scope);
      const cur = this.getItem(obj, key, stack, scope);
      const rhs = this.evalExpr(s.value, scope);
      const r = this.binaryOp(s.op, cur, rhs, stack, true, scope);
      this.rt.decref(cur, stack);
      this.rt.decref(rhs, stack);
      this.setItem(obj, key, r, stack, scope);
      this.rt.decref(r, stack);
      this.rt.decref(obj, stack);
      this.rt.decref(key, stack);
      return;
    }
    throw this.pyErr('SyntaxError', "'expression' is an illegal expression for augmented assignment");
  }

  // ===============================================================================
  // Expressions. Each returns a new reference held by the scope's stack.

  evalExpr(e: Expr, scope: Scope): ObjectId {
    const stack = scope.stack;
    switch (e.k) {
      case 'Name':
        return this.loadName(e.id, scope, (e.access ??= scope.info.access(e.id)), e);
      // The most frequent kinds first: a switch on strings compares in order.
      case 'Attribute': {
        // LOAD_ATTR: the owner is released after the lookup, raising or not (no `finally`:
        // the common path stays a straight line).
        const obj = this.evalExpr(e.value, scope);
        let r: ObjectId;
        try {
          r = this.getAttr(obj, e.attr, stack, scope);
        } catch (err) {
          this.rt.decref(obj, stack);
          throw err;
        }
        this.rt.decref(obj, stack);
        return r;
      }
      case 'Call':
        return this.call(e, scope);
      case 'Int':
      case 'Str':
      case 'Float':
      case 'Bytes':
        return this.ret(this.constant(e), stack);
      case 'Const':
        if (e.value === 'Ellipsis') throw this.pyErr('NotImplementedError', 'Ellipsis is not simulated');
        return this.ret(this.constId(e), stack);
      case 'FString':
        return this.fstring(e, scope);
      case 'List':
        return this.buildList(e.elts, scope);
      case 'Tuple': {
        if (e.elts.length > 0 && e.elts.every(isConstant)) return this.ret(this.constTuple(e.elts), stack);
        const items = this.evalStarredItems(e.elts, scope);
        return this.newTuple(items, stack, stack);
      }
      case 'Set': {
        const items = this.evalStarredItems(e.elts, scope);
        const set = this.newSet(stack, false);
        for (const i of items) this.setAdd(set, i, stack);
        return set;
      }
      case 'Dict':
        return this.buildDict(e, scope);
      case 'ListComp':
      case 'SetComp':
      case 'DictComp':
      case 'GeneratorExp':
        return this.comprehension(e, scope);
      case 'Subscript': {
        const obj = this.evalExpr(e.value, scope);
        const key = this.evalExpr(e.index, scope);
        try {
          return this.getItem(obj, key, stack, scope);
        } finally {
          this.rt.decref(obj, stack);
          this.rt.decref(key, stack);
        }
      }
      case 'Slice':
        return this.buildSlice(e, scope);
      case 'BinOp': {
        const left = this.evalExpr(e.left, scope);
        const right = this.evalExpr(e.right, scope);
        let r: ObjectId;
        try {
          r = this.binaryOp(e.op, left, right, stack, false, scope);
        } catch (err) {
          this.rt.decref(left, stack);
          this.rt.decref(right, stack);
          throw err;
        }
        this.rt.decref(left, stack);
        this.rt.decref(right, stack);
        return r;
      }
      case 'UnaryOp': {
        if (e.op === '-' && (e.operand.k === 'Int' || e.operand.k === 'Float')) return this.ret(this.constId(e), stack);
        const v = this.evalExpr(e.operand, scope);
        try {
          return this.unaryOp(e.op, v, stack, scope);
        } finally {
          this.rt.decref(v, stack);
        }
      }
      case 'BoolOp': {
        let cur = this.evalExpr(e.values[0] as Expr, scope);
        for (let i = 1; i < e.values.length; i++) {
          const t = this.truthy(cur, scope);
          if ((e.op === 'and' && !t) || (e.op === 'or' && t)) return cur;
          this.rt.decref(cur, stack);
          cur = this.evalExpr(e.values[i] as Expr, scope);
        }
        return cur;
      }
      case 'Compare': {
        let left = this.evalExpr(e.left, scope);
        for (let i = 0; i < e.ops.length; i++) {
          const right = this.evalExpr(e.comparators[i] as Expr, scope);
          let r: ObjectId;
          try {
            r = this.compare(e.ops[i] as NonNullable<(typeof e.ops)[number]>, left, right, stack, scope);
          } finally {
            this.rt.decref(left, stack);
          }
          if (i === e.ops.length - 1) {
            this.rt.decref(right, stack);
            return r;
          }
          if (!this.truthy(r, scope)) {
            this.rt.decref(right, stack);
            return r;
          }
          this.rt.decref(r, stack);
          left = right;
        }
        return left;
      }
      case 'IfExp':
        return this.truthyConsume(this.evalExpr(e.test, scope), scope)
          ? this.evalExpr(e.body, scope)
          : this.evalExpr(e.orelse, scope);
      case 'Lambda':
        return this.makeFunction('<lambda>', e.params, [{ k: 'Return', value: e.body, span: e.span }], e, scope);
      case 'Starred':
        throw this.pyErr('SyntaxError', "can't use starred expression here");
    }
  }

  /** Items of a display, `*x` expanded; each a stack reference. */
  /** BUILD_MAP (and dict displays with `**`). Out of evalExpr: its closures would cost every evaluation a context. */
  private buildDict(e: Expr & { k: 'Dict' }, scope: Scope): ObjectId {
    const stack = scope.stack;
    const known = e.keys.every((k) => k !== undefined) ? e.keys.length : 0;
    const pairs: [ObjectId, ObjectId][] = [];
    const dict = (): ObjectId => {
      const d = this.newDict(stack, known);
      return d;
    };
    // BUILD_MAP: keys and values are evaluated first, then the dict is built.
    for (let i = 0; i < e.values.length; i++) {
      const k = e.keys[i];
      if (k === undefined) {
        const d = dict();
        for (const [kk, vv] of pairs) this.dictSet(d, kk, vv, stack, 'move');
        pairs.length = 0;
        const other = this.evalExpr(e.values[i] as Expr, scope);
        this.dictUpdate(d, other);
        this.rt.decref(other, stack);
        for (let j = i + 1; j < e.values.length; j++) {
          const kj = e.keys[j];
          if (kj === undefined) {
            const o = this.evalExpr(e.values[j] as Expr, scope);
            this.dictUpdate(d, o);
            this.rt.decref(o, stack);
          } else {
            const kk = this.evalExpr(kj, scope);
            const vv = this.evalExpr(e.values[j] as Expr, scope);
            this.dictSet(d, kk, vv, stack, 'move');
            this.rt.decref(kk, stack);
          }
        }
        return d;
      }
      pairs.push([this.evalExpr(k, scope), this.evalExpr(e.values[i] as Expr, scope)]);
    }
    const d = dict();
    for (const [k, v] of pairs) {
      this.dictSet(d, k, v, stack, 'copy');
      this.rt.decref(k, stack);
      this.rt.decref(v, stack);
    }
    return d;
  }

  /** BUILD_SLICE. */
  private buildSlice(e: Expr & { k: 'Slice' }, scope: Scope): ObjectId {
    const stack = scope.stack;
    const part = (x: Expr | undefined): ObjectId => (x === undefined ? this.none(stack) : this.evalExpr(x, scope));
    const a = part(e.lower);
    const b = part(e.upper);
    const c = part(e.step);
    const sl = this.alloc('slice', 'object', 40, { t: 'slice', start: a, stop: b, step: c }, stack);
    for (const [x, slot] of [
      [a, 'start'],
      [b, 'stop'],
      [c, 'step'],
    ] as const) {
      this.rt.move(x, stack, { kind: 'object', owner: sl, slot });
    }
    return sl;
  }

  private evalStarredItems(elts: readonly Expr[], scope: Scope): ObjectId[] {
    const stack = scope.stack;
    const out: ObjectId[] = [];
    for (const x of elts) {
      if (x.k === 'Starred') {
        const v = this.evalExpr(x.value, scope);
        out.push(...this.iterateToArray(v, stack));
        this.rt.decref(v, stack);
      } else out.push(this.evalExpr(x, scope));
    }
    return out;
  }

  /** BUILD_LIST n (exact size, OBJ-8b), or BUILD_LIST 0 + LIST_EXTEND of a constant tuple (OBJ-8c). */
  private buildList(elts: readonly Expr[], scope: Scope): ObjectId {
    const stack = scope.stack;
    if (elts.length >= 3 && elts.every(isConstant)) {
      const t = this.constTuple(elts);
      const items = (this.value(t) as { items: ObjectId[] }).items;
      return this.newList(items, stack, undefined, listPreallocateExact(items.length));
    }
    if (elts.some(isStarred)) {
      const l = this.newList([], stack);
      for (const x of elts) {
        if (x.k === 'Starred') {
          const v = this.evalExpr(x.value, scope);
          this.listExtend(l, v, stack);
          this.rt.decref(v, stack);
        } else this.listAppend(l, this.evalExpr(x, scope), stack, 'move');
      }
      return l;
    }
    const items: ObjectId[] = [];
    for (const x of elts) items.push(this.evalExpr(x, scope));
    return this.newList(items, stack, stack);
  }

  private fstring(e: Expr & { k: 'FString' }, scope: Scope): ObjectId {
    const stack = scope.stack;
    let out = '';
    const pieces: ObjectId[] = [];
    for (const p of e.parts) {
      if (p.k === 'text') {
        out += p.text;
        continue;
      }
      const v = this.evalExpr(p.value, scope);
      let text: string;
      try {
        if (p.conv === 'r') text = this.repr(v);
        else if (p.spec !== undefined && p.spec !== '') text = this.formatSpec(v, p.spec);
        else text = this.str(v);
      } finally {
        this.rt.decref(v, stack);
      }
      // FORMAT_VALUE makes a str object (unless the value was a str already).
      const piece = this.newStr(text, stack);
      pieces.push(piece);
      out += text;
    }
    const result = this.newStr(out, stack);
    for (const p of pieces) this.rt.decref(p, stack);
    return result;
  }

  // ===============================================================================
  // Names.

  /** LOAD_FAST / LOAD_DEREF / LOAD_GLOBAL / LOAD_NAME; `node` (the Name) keeps the name's hash key. */
  private loadName(name: string, scope: Scope, access = scope.info.access(name), node?: { key?: string }): ObjectId {
    const stack = scope.stack;
    if (access === 'fast') {
      const id = this.rt.state.frames[scope.frame]?.vars[name];
      if (id === undefined) {
        throw this.pyErr(
          'UnboundLocalError',
          `cannot access local variable '${name}' where it is not associated with a value`,
        );
      }
      return this.ret(id, stack);
    }
    if (access === 'deref') {
      const cell = this.cellFor(name, scope);
      const content = cell === undefined ? undefined : (this.value(cell) as { content: ObjectId | undefined }).content;
      if (content === undefined) {
        throw this.pyErr(
          'NameError',
          `cannot access free variable '${name}' where it is not associated with a value in enclosing scope`,
        );
      }
      return this.ret(content, stack);
    }
    // LOAD_NAME looks in the local namespace first; then both look in globals, then builtins.
    const key = node === undefined ? strKey(name) : (node.key ??= strKey(name));
    if (access !== 'global' && scope.locals !== undefined) {
      const v = this.dictGetKey(scope.locals, key);
      if (v !== undefined) return this.ret(v, stack);
    }
    const v = this.dictGetKey(scope.globals, key) ?? this.dictGetKey(this.builtinsDict, key);
    if (v !== undefined) return this.ret(v, stack);
    throw this.pyErr('NameError', `name '${name}' is not defined`);
  }

  // ===============================================================================
  // Functions, closures, classes.

  private makeFunction(name: string, params: Params, body: readonly Stmt[], node: object, scope: Scope): ObjectId {
    const stack = scope.stack;
    const info = this.scopeInfo(node);
    // Defaults are evaluated first (into a tuple), then the closure tuple, then MAKE_FUNCTION.
    let defaults: ObjectId | undefined;
    if (params.defaults.length > 0) {
      const items = params.defaults.map((d) => this.evalExpr(d, scope));
      defaults = this.newTuple(items, stack, stack);
    }
    let kwdefaults: ObjectId | undefined;
    if (params.kwDefaults.some((d) => d !== undefined)) {
      kwdefaults = this.newDict(stack);
      params.kwonly.forEach((k, i) => {
        const d = params.kwDefaults[i];
        if (d === undefined) return;
        const v = this.evalExpr(d, scope);
        this.dictSetStr(kwdefaults as ObjectId, k, v, stack, 'move');
      });
    }
    let closure: ObjectId | undefined;
    if (info.freevars.length > 0) {
      const cells = info.freevars.map((fv) => {
        const cell = this.cellFor(fv, scope);
        if (cell === undefined) throw new Error(`no cell ${fv} for closure of ${name}`);
        return this.ret(cell, stack);
      });
      closure = this.newTuple(cells, stack, stack);
    }
    const code = this.ret(this.codeFor(node, name, body), stack);
    const qualname =
      scope.info.kind === 'function'
        ? `${scope.info.name}.<locals>.${name}`
        : scope.info.kind === 'class'
          ? `${scope.info.name}.${name}`
          : name;
    const fv: FunctionValue = {
      t: 'function',
      name,
      qualname,
      params,
      body,
      scope: info,
      code,
      globals: scope.globals,
      defaults,
      kwdefaults,
      closure,
    };
    const fn = this.alloc('function', 'function', FIXED_SIZES.function, fv, stack);
    const own = (id: ObjectId, slot: string, from?: Holder): void =>
      this.adopt(id, { kind: 'object', owner: fn, slot }, from);
    own(code, '__code__', stack);
    own(scope.globals, '__globals__');
    own(this.internStr(name, C_TEMP), '__name__', C_TEMP);
    own(this.internStr(qualname, C_TEMP), '__qualname__', C_TEMP);
    if (defaults !== undefined) own(defaults, '__defaults__', stack);
    if (kwdefaults !== undefined) own(kwdefaults, '__kwdefaults__', stack);
    if (closure !== undefined) own(closure, '__closure__', stack);
    const modName = this.dictGetStr(scope.globals, '__name__');
    if (modName !== undefined) own(modName, '__module__');
    return fn;
  }

  private scopeInfo(node: object): ScopeInfo {
    if (this.resolution === undefined) throw new Error('no resolution');
    return this.resolution.scopeOf(node);
  }

  private readonly codeObjects = new WeakMap<object, ObjectId>();

  /** The code object of a def/lambda/comprehension: created once, kept by the enclosing code's constants. */
  private codeFor(node: object, name: string, body: readonly Stmt[]): ObjectId {
    const existing = this.codeObjects.get(node);
    if (existing !== undefined && this.rt.isAlive(existing)) return existing;
    const code = this.makeCode(name, body, { kind: 'root', name: 'code objects' });
    this.codeObjects.set(node, code);
    return code;
  }

  private makeClass(s: Stmt & { k: 'ClassDef' }, scope: Scope): ObjectId {
    const stack = scope.stack;
    // LOAD_BUILD_CLASS; the body runs as a function whose locals are the namespace dict.
    const bases = s.bases.map((b) => this.evalExpr(b, scope));
    const info = this.scopeInfo(s);
    const ns = this.newDict(stack);
    const modName = this.dictGetStr(scope.globals, '__name__');
    if (modName !== undefined) this.dictSetStr(ns, '__module__', this.ret(modName, stack), stack, 'move');
    const qualname = scope.info.kind === 'function' ? `${scope.info.name}.<locals>.${s.name}` : s.name;
    this.dictSetStr(ns, '__qualname__', this.internStr(qualname, stack), stack, 'move');
    const frame = this.rt.enterFrame(s.name);
    const body: Scope = {
      frame,
      info,
      globals: scope.globals,
      locals: ns,
      fn: undefined,
      stack: STACK(frame),
      line: 0,
    };
    this.setUpCells(body, info, undefined);
    this.depth += 1;
    try {
      const r = this.execBlock(s.body, body);
      if (r !== undefined) this.rt.decref(r, body.stack);
    } catch (e) {
      this.depth -= 1;
      this.rt.exitFrame(frame);
      for (const b of bases) this.rt.decref(b, stack);
      this.rt.decref(ns, stack);
      throw e;
    }
    this.depth -= 1;
    const classCell = this.cellFor('__class__', body);
    if (classCell !== undefined) this.rt.incref(classCell, stack);
    this.rt.exitFrame(frame);
    const cls = this.createClass(s.name, qualname, bases, ns, stack);
    if (classCell !== undefined) {
      const cv = this.value(classCell) as { content: ObjectId | undefined };
      cv.content = cls;
      this.rt.incref(cls, { kind: 'object', owner: classCell, slot: 'cell_contents' });
      this.rt.decref(classCell, stack);
    }
    for (const b of bases) this.rt.decref(b, stack);
    this.rt.decref(ns, stack);
    return cls;
  }

  /**
   * type_new: the class object (a heap type, system-allocated), its `__dict__` (a copy of
   * the namespace), `__bases__` and `__mro__` tuples, and — when no base provides them —
   * the `__dict__` and `__weakref__` getset descriptors, each holding the class (RC-6).
   */
  createClass(name: string, qualname: string, baseIds: ObjectId[], ns: ObjectId, holder: Holder): ObjectId {
    const bases = baseIds.length > 0 ? baseIds : [this.types.get('object') as ObjectId];
    for (const b of bases) {
      if (this.values.get(b)?.t !== 'class') throw this.typeError('bases must be types');
    }
    const isException = bases.some((b) => (this.value(b) as ClassValue).isException);
    const slotsObj = this.dictGetStr(ns, '__slots__');
    const slots =
      slotsObj === undefined
        ? undefined
        : this.iterateToArray(this.ret(slotsObj, C_TEMP), C_TEMP).map((x) => {
            const sv = this.str(x);
            this.rt.decref(x, C_TEMP);
            return sv;
          });
    if (slotsObj !== undefined) this.rt.decref(slotsObj, C_TEMP);
    const value: ClassValue = {
      t: 'class',
      name,
      qualname,
      bases,
      mro: [],
      dict: this.statics.none,
      builtin: undefined,
      isException,
      slots,
    };
    const cls = this.alloc('type', 'class', FIXED_SIZES.class, value, holder);
    const own = (id: ObjectId, slot: string, from?: Holder): void =>
      this.adopt(id, { kind: 'object', owner: cls, slot }, from);
    const dict = this.newDict(C_TEMP);
    for (const e of this.dictStore(ns).entries.values()) this.dictSet(dict, e.key, e.value, C_TEMP, 'copy');
    value.dict = dict;
    this.dictStore(dict).ofClass = true;
    own(dict, '__dict__', C_TEMP);
    const basesTuple = this.newTuple(bases, C_TEMP);
    own(basesTuple, '__bases__', C_TEMP);
    own(bases[0] as ObjectId, '__base__');
    value.mro = this.computeMro(cls);
    const mroTuple = this.newTuple(value.mro, C_TEMP);
    own(mroTuple, '__mro__', C_TEMP);
    const needsDictDescr =
      slots === undefined &&
      !bases.some(
        (b) => (this.value(b) as ClassValue).builtin === undefined && (this.value(b) as ClassValue).slots === undefined,
      );
    if (needsDictDescr && !isException) {
      for (const d of ['__dict__', '__weakref__']) {
        const g = this.alloc('getset_descriptor', 'method', 72, { t: 'getset', name: d, owner: cls }, C_TEMP);
        this.rt.incref(cls, { kind: 'object', owner: g, slot: '__objclass__' });
        this.dictSetStr(dict, d, g, C_TEMP, 'move');
      }
    }
    if (this.dictGetStr(dict, '__doc__') === undefined)
      this.dictSetStr(dict, '__doc__', this.none(C_TEMP), C_TEMP, 'move');
    return cls;
  }

  /** C3 linearisation (single inheritance makes it the chain of bases). */
  private computeMro(cls: ObjectId): ObjectId[] {
    const v = this.value(cls) as ClassValue;
    if (v.bases.length === 0) return [cls];
    const seqs = v.bases.map((b) => [...(this.value(b) as ClassValue).mro]);
    seqs.push([...v.bases]);
    const out: ObjectId[] = [cls];
    while (seqs.some((s) => s.length > 0)) {
      const cand = seqs.find((s) => s.length > 0 && !seqs.some((o) => o.indexOf(s[0] as ObjectId) > 0))?.[0];
      if (cand === undefined) throw this.typeError('Cannot create a consistent method resolution order (MRO)');
      out.push(cand);
      for (const s of seqs) if (s[0] === cand) s.shift();
    }
    return out;
  }

  /** Cells for the scope's cellvars (MAKE_CELL) and the closure's free variables (COPY_FREE_VARS). */
  private setUpCells(scope: Scope, info: ScopeInfo, fn: FunctionValue | undefined): void {
    const frame = scope.frame;
    for (const name of info.cellvars) {
      const slot: Holder = { kind: 'frame', frame, name: `(cell ${name})` };
      const cell = this.alloc('cell', 'cell', FIXED_SIZES.cell, { t: 'cell', content: undefined }, slot);
      // A parameter captured by a closure moves into its cell.
      const arg = this.rt.state.frames[frame]?.vars[name];
      if (arg !== undefined) {
        (this.value(cell) as { content: ObjectId | undefined }).content = arg;
        this.rt.move(arg, { kind: 'frame', frame, name }, { kind: 'object', owner: cell, slot: 'cell_contents' });
      }
    }
    if (fn?.closure !== undefined) {
      const cells = (this.value(fn.closure) as { items: ObjectId[] }).items;
      const freevars = info.freevars;
      for (let i = 0; i < freevars.length; i++)
        this.rt.incref(cells[i] as ObjectId, { kind: 'frame', frame, name: `(cell ${freevars[i]})` });
    }
  }

  // ===============================================================================
  // Calls.

  private call(e: Expr & { k: 'Call' }, scope: Scope): ObjectId {
    const stack = scope.stack;
    // LOAD_METHOD: `obj.name(...)` on a method found on the type pushes the function and
    // `self` instead of creating a bound method object.
    if (e.func.k === 'Attribute' && !e.args.some(isUnpacking)) {
      const self = this.evalExpr(e.func.value, scope);
      const method = this.lookupMethod(self, e.func.attr);
      if (method !== undefined) {
        const kwargs = keywordsOf(e.args);
        const args = this.evalArgs(e.args, scope, kwargs);
        if (method !== BUILTIN_METHOD) {
          this.rt.incref(method, stack);
          args.unshift(self); // the arguments array is this call's own
          return this.callFunction(method, args, kwargs, stack, 'move', scope);
        }
        try {
          return this.callBuiltinMethod(self, e.func.attr, args, kwargs, stack, scope);
        } finally {
          for (const a of args) this.rt.decref(a, stack);
          for (const [, v] of kwargs) this.rt.decref(v, stack);
          this.rt.decref(self, stack);
        }
      }
      let fn: ObjectId;
      try {
        fn = this.getAttr(self, e.func.attr, stack, scope);
      } finally {
        this.rt.decref(self, stack);
      }
      const kwargs = keywordsOf(e.args);
      const args = this.evalArgs(e.args, scope, kwargs);
      return this.callWith(fn, args, kwargs, stack, scope);
    }
    const fn = this.evalExpr(e.func, scope);
    const kwargs = keywordsOf(e.args);
    let args: ObjectId[];
    try {
      args = this.evalArgs(e.args, scope, kwargs);
    } catch (err) {
      this.rt.decref(fn, stack);
      throw err;
    }
    return this.callWith(fn, args, kwargs, stack, scope);
  }

  /** CALL with the callable and the arguments on the stack: a Python callee takes them over; a C callee releases them after. */
  private callWith(
    fn: ObjectId,
    args: ObjectId[],
    kwargs: [string, ObjectId][],
    stack: Holder,
    scope: Scope,
  ): ObjectId {
    const fv = this.value(fn);
    if (fv.t === 'function') return this.callFunction(fn, args, kwargs, stack, 'move', scope);
    if (fv.t === 'method') {
      this.rt.incref(fv.func, stack);
      this.rt.incref(fv.self, stack);
      this.rt.decref(fn, stack);
      args.unshift(fv.self); // the arguments array is this call's own (call's evalArgs)
      return this.callFunction(fv.func, args, kwargs, stack, 'move', scope);
    }
    try {
      return this.callObject(fn, args, kwargs, stack, scope);
    } finally {
      for (const a of args) this.rt.decref(a, stack);
      for (const [, v] of kwargs) this.rt.decref(v, stack);
      this.rt.decref(fn, stack);
    }
  }

  /** The call's arguments in source order: the positional ones returned, the keyword ones added to `kw` (from keywordsOf). */
  private evalArgs(args: readonly Arg[], scope: Scope, kw: [string, ObjectId][]): ObjectId[] {
    if (kw === NO_KWARGS) return this.evalPositional(args, scope);
    const stack = scope.stack;
    const pos: ObjectId[] = [];
    try {
      for (const a of args) {
        switch (a.k) {
          case 'pos':
            pos.push(this.evalExpr(a.value, scope));
            break;
          case 'kw':
            kw.push([a.name, this.evalExpr(a.value, scope)]);
            break;
          case 'star': {
            const v = this.evalExpr(a.value, scope);
            pos.push(...this.iterateToArray(v, stack));
            this.rt.decref(v, stack);
            break;
          }
          case 'starstar': {
            const v = this.evalExpr(a.value, scope);
            const dv = this.value(v);
            if (dv.t !== 'dict') {
              this.rt.decref(v, stack);
              throw this.typeError('argument after ** must be a mapping');
            }
            for (const en of dv.store.entries.values()) kw.push([this.str(en.key), this.ret(en.value, stack)]);
            this.rt.decref(v, stack);
            break;
          }
        }
      }
    } catch (e) {
      for (const p of pos) this.rt.decref(p, stack);
      for (const [, v] of kw) this.rt.decref(v, stack);
      throw e;
    }
    return pos;
  }

  /** Positional arguments, pushed in order (on an exception, the ones pushed are released). */
  private evalPositional(args: readonly Arg[], scope: Scope): ObjectId[] {
    // Sized up front (a call's arguments array otherwise grows from empty on the first push).
    const n = args.length;
    const pos = new Array<ObjectId>(n);
    let i = 0;
    try {
      for (; i < n; i++) pos[i] = this.evalExpr((args[i] as Arg).value, scope);
    } catch (e) {
      for (let j = 0; j < i; j++) this.rt.decref(pos[j] as ObjectId, scope.stack);
      throw e;
    }
    return pos;
  }

  /**
   * Call any callable from C (or from a C-like caller): the arguments stay owned by the
   * caller (`from` holder); the result is a new reference owned by `from`.
   */
  callObject(
    fn: ObjectId,
    args: ObjectId[],
    kwargs: [string, ObjectId][],
    from: Holder,
    scope: Scope | undefined,
  ): ObjectId {
    const fv = this.value(fn);
    switch (fv.t) {
      case 'function':
        this.rt.incref(fn, from);
        for (const a of args) this.rt.incref(a, from);
        for (const [, v] of kwargs) this.rt.incref(v, from);
        return this.callFunction(fn, args, kwargs, from, 'move', scope);
      case 'method':
        this.rt.incref(fv.func, from);
        this.rt.incref(fv.self, from);
        for (const a of args) this.rt.incref(a, from);
        for (const [, v] of kwargs) this.rt.incref(v, from);
        return this.callFunction(fv.func, [fv.self, ...args], kwargs, from, 'move', scope);
      case 'class':
        return this.instantiate(fn, args, kwargs, from, scope);
      case 'builtin':
        return this.callBuiltin(fv.name, fv.self, args, kwargs, from, scope);
      case 'staticmethod':
        return this.callObject(fv.func, args, kwargs, from, scope);
      case 'weakref': {
        const target = this.weakrefTarget(fn);
        return target === undefined ? this.none(from) : this.ret(target, from);
      }
      case 'instance': {
        const call = this.lookupClassAttr(fv.cls, '__call__');
        if (call !== undefined) return this.callObject(call, [fn, ...args], kwargs, from, scope);
        break;
      }
      default:
        break;
    }
    throw this.typeError(`'${this.typeName(fn)}' object is not callable`);
  }

  /**
   * A Python function call. The callable and the arguments are references owned by
   * `from`; they move into the callee's frame (RC-4). Returns the result, owned by `from`.
   */
  private callFunction(
    fn: ObjectId,
    args: ObjectId[],
    kwargs: [string, ObjectId][],
    from: Holder,
    _how: 'move',
    caller: Scope | undefined,
  ): ObjectId {
    const fv = this.value(fn) as FunctionValue;
    if (this.depth >= RECURSION_LIMIT - 1) {
      for (const a of args) this.rt.decref(a, from);
      for (const [, v] of kwargs) this.rt.decref(v, from);
      this.rt.decref(fn, from);
      throw this.pyErr('RecursionError', 'maximum recursion depth exceeded');
    }
    const frame = this.rt.enterFrame(fv.name);
    const scope: Scope = {
      frame,
      info: fv.scope,
      globals: fv.globals,
      locals: undefined,
      fn,
      stack: STACK(frame),
      line: 0,
    };
    this.rt.moveToSlot(fn, from, frame, '(function)');
    this.rt.increfSlot(fv.code, frame, '(code)');
    try {
      // The common call, exactly the positional parameters, binds here; anything else in bindArguments.
      if (plainPositional(fv.params, args, kwargs)) {
        const names = fv.params.args;
        for (let i = 0; i < names.length; i++) this.rt.moveToSlot(args[i] as ObjectId, from, frame, names[i] as string);
      } else this.bindArguments(fv, args, kwargs, from, frame);
    } catch (e) {
      this.rt.exitFrame(frame, fv.scope.varnames);
      throw e;
    }
    this.setUpCells(scope, fv.scope, fv);
    this.depth += 1;
    let result: ObjectId;
    try {
      if (fv.comprehension !== undefined) result = this.runComprehension(fv.comprehension, scope);
      else result = this.execBlock(fv.body, scope) ?? this.none(scope.stack);
    } catch (e) {
      this.depth -= 1;
      if (e instanceof PyRaise) e.traceback.unshift({ line: this.frameLine(scope), name: fv.name });
      this.unwindFrame(frame, fv.scope, e);
      throw e;
    }
    this.depth -= 1;
    void caller;
    // RETURN_VALUE: the value goes to the caller, then the frame is cleared.
    this.rt.move(result, scope.stack, from);
    this.rt.exitFrame(frame, frameSlotOrder(fv.scope));
    if (caller !== undefined && caller.line !== 0) this.rt.line(caller.line);
    return result;
  }

  /**
   * A frame left by an exception: its traceback keeps the frame (a frame object) and so
   * its locals alive until the exception is gone.
   */
  private unwindFrame(frame: FrameId, info: ScopeInfo, e: unknown): void {
    if (!(e instanceof PyRaise) || !this.rt.isAlive(e.exc)) {
      this.rt.exitFrame(frame, frameSlotOrder(info));
      return;
    }
    const f = this.rt.state.frames[frame];
    if (f === undefined) return;
    const fo = this.alloc(
      'frame',
      'function',
      FIXED_SIZES.frame,
      { t: 'frame', name: info.name },
      C_TEMP,
      undefined,
      false,
    );
    for (const name of [
      ...frameSlotOrder(info).filter((n) => f.vars[n] !== undefined),
      ...f.varOrder.filter((n) => !frameSlotOrder(info).includes(n)),
    ]) {
      const id = f.vars[name];
      if (id !== undefined) this.rt.move(id, { kind: 'frame', frame, name }, { kind: 'object', owner: fo, slot: name });
    }
    this.rt.exitFrame(frame, frameSlotOrder(info));
    // tb_dealloc releases tb_next before tb_frame: the innermost frame's locals go first.
    const tb = this.alloc('traceback', 'method', 64, { t: 'traceback' }, C_TEMP);
    const ev = this.value(e.exc) as InstanceValue;
    const prev = ev.attrs.get('__traceback__');
    if (prev !== undefined) {
      ev.attrs.delete('__traceback__');
      this.rt.move(
        prev,
        { kind: 'object', owner: e.exc, slot: '.__traceback__' },
        { kind: 'object', owner: tb, slot: 'tb_next' },
      );
    }
    this.rt.move(fo, C_TEMP, { kind: 'object', owner: tb, slot: 'tb_frame' });
    ev.attrs.set('__traceback__', tb);
    this.rt.move(tb, C_TEMP, { kind: 'object', owner: e.exc, slot: '.__traceback__' });
  }

  /** Varargs, keywords, defaults, and the errors (callFunction binds a plain positional call itself). */
  private bindArguments(
    fv: FunctionValue,
    args: ObjectId[],
    kwargs: [string, ObjectId][],
    from: Holder,
    frame: FrameId,
  ): void {
    const p = fv.params;
    const n = p.args.length;
    const slot = (name: string): Holder => ({ kind: 'frame', frame, name });
    const bound = new Set<string>();
    if (args.length > n && p.vararg === undefined) {
      const given = args.length;
      for (const a of args) this.rt.decref(a, from);
      for (const [, v] of kwargs) this.rt.decref(v, from);
      throw this.typeError(
        `${fv.qualname}() takes ${n} positional argument${n === 1 ? '' : 's'} but ${given} ${given === 1 ? 'was' : 'were'} given`,
      );
    }
    args.slice(0, n).forEach((a, i) => {
      const name = p.args[i] as string;
      this.rt.move(a, from, slot(name));
      bound.add(name);
    });
    if (p.vararg !== undefined) {
      this.newTuple(args.slice(n), slot(p.vararg), from);
      bound.add(p.vararg);
    }
    let kwdict: ObjectId | undefined;
    if (p.kwarg !== undefined) kwdict = this.newDict(slot(p.kwarg));
    for (const [k, v] of kwargs) {
      if ((p.args.includes(k) || p.kwonly.includes(k)) && !bound.has(k)) {
        this.rt.move(v, from, slot(k));
        bound.add(k);
      } else if (bound.has(k) && (p.args.includes(k) || p.kwonly.includes(k))) {
        for (const [, vv] of kwargs) if (this.rt.isAlive(vv) && !bound.has(k)) this.rt.decref(vv, from);
        throw this.typeError(`${fv.qualname}() got multiple values for argument '${k}'`);
      } else if (kwdict !== undefined) {
        this.dictSetStr(kwdict, k, v, from, 'move');
      } else {
        this.rt.decref(v, from);
        throw this.typeError(`${fv.qualname}() got an unexpected keyword argument '${k}'`);
      }
    }
    // Defaults for the rest.
    const defaults = fv.defaults === undefined ? [] : (this.value(fv.defaults) as { items: ObjectId[] }).items;
    const missing: string[] = [];
    p.args.forEach((name, i) => {
      if (bound.has(name)) return;
      const d = defaults[i - (n - defaults.length)];
      if (d === undefined) missing.push(name);
      else this.rt.incref(d, slot(name));
    });
    const kwd = fv.kwdefaults;
    for (const name of p.kwonly) {
      if (bound.has(name)) continue;
      const d = kwd === undefined ? undefined : this.dictGetStr(kwd, name);
      if (d === undefined) missing.push(name);
      else this.rt.incref(d, slot(name));
    }
    if (missing.length > 0) {
      const names = missing.map((m) => `'${m}'`);
      const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
      const kind = p.kwonly.includes(missing[0] as string) ? 'keyword-only' : 'positional';
      throw this.typeError(
        `${fv.qualname}() missing ${missing.length} required ${kind} argument${missing.length === 1 ? '' : 's'}: ${list}`,
      );
    }
  }

  /** Call a Python function found on the type with `self` from C code; result owned by C_TEMP. */
  callMethod(self: ObjectId, name: string, args: ObjectId[]): ObjectId {
    const cls = (this.value(self) as InstanceValue).cls;
    const fn = this.lookupClassAttr(cls, name);
    if (fn === undefined)
      throw this.pyErr('AttributeError', `'${this.typeName(self)}' object has no attribute '${name}'`);
    return this.callObject(fn, [self, ...args], [], C_TEMP, undefined);
  }

  /** type_call: `cls(*args)`: object_new, then `__init__` (slot_tp_init) with new references. */
  instantiate(
    cls: ObjectId,
    args: ObjectId[],
    kwargs: [string, ObjectId][],
    from: Holder,
    scope: Scope | undefined,
  ): ObjectId {
    const cv = this.value(cls) as ClassValue;
    if (cv.builtin !== undefined && !cv.isException)
      return this.callBuiltin(`type.${cv.builtin}`, undefined, args, kwargs, from, scope);
    if (cv.isException && this.lookupClassAttr(cls, '__init__') === undefined) {
      for (const a of args) this.rt.incref(a, from);
      return this.instantiateException(cls, args, from);
    }
    let obj: ObjectId;
    if (cv.isException) {
      const own: ObjectId[] = [];
      for (const a of args) own.push(this.ret(a, C_TEMP));
      obj = this.instantiateException(cls, own, C_TEMP);
    } else obj = this.newInstance(cls, C_TEMP);
    const init = this.lookupClassAttr(cls, '__init__');
    if (init !== undefined) {
      try {
        const r = this.callObject(init, [obj, ...args], kwargs, C_TEMP, scope);
        const isNone = r === this.statics.none;
        this.rt.decref(r, C_TEMP);
        if (!isNone) throw this.typeError(`__init__() should return None, not '${this.typeName(r)}'`);
      } catch (e) {
        this.rt.decref(obj, C_TEMP);
        throw e;
      }
    } else if (args.length > 0 || kwargs.length > 0) {
      this.rt.decref(obj, C_TEMP);
      throw this.typeError(`${cv.name}() takes no arguments`);
    }
    this.rt.move(obj, C_TEMP, from);
    return obj;
  }

  /** The shared-keys geometry of a class (3.11 starts with 30 usable entries). */
  private readonly classKeys = new Map<ObjectId, { names: Set<string>; usable: number }>();
  /** Bumped by every write to a class namespace: cached class facts older than it are stale. */
  private classVersion = 0;
  private readonly flagsOfClass = new Map<ObjectId, ClassFlags>();

  sharedKeys(cls: ObjectId): { names: Set<string>; usable: number } {
    let keys = this.classKeys.get(cls);
    if (keys === undefined) {
      keys = { names: new Set(), usable: 30 };
      this.classKeys.set(cls, keys);
    }
    return keys;
  }

  /** object_new: an instance holding its class (RC-6); 56 bytes for an ordinary 3.11 class (OBJ-13). */
  newInstance(cls: ObjectId, holder: Holder): ObjectId {
    const cv = this.value(cls) as ClassValue;
    const size = cv.slots !== undefined ? 32 + 8 * cv.slots.length : FIXED_SIZES.instance;
    const kind = cv.isException ? 'exception' : cv.slots !== undefined ? 'slotted' : 'instance';
    const id = this.alloc(cv.name, kind, size, { t: 'instance', cls, attrs: new Map(), dict: undefined }, holder);
    if (kind === 'instance') {
      // OBJ-13 init_inline_values: the class's shared keys lose one spare slot per new
      // instance (while more than one is left); the values array holds the usable size.
      const keys = this.sharedKeys(cls);
      if (keys.usable > 1) keys.usable -= 1;
      const k = keys.names.size + keys.usable;
      this.rt.setBuffer(id, 'values', (((k + 2 + 7) >> 3) << 3) + 8 * k);
    }
    this.rt.incref(cls, { kind: 'object', owner: id, slot: '__class__' });
    return id;
  }

  // ===============================================================================
  // Attributes.

  /**
   * What every attribute access on the class's instances asks, answered once per class
   * until a class namespace changes (`classVersion`, like CPython's type version tags).
   */
  private classFlags(cls: ObjectId): ClassFlags {
    let f = this.flagsOfClass.get(cls);
    if (f === undefined || f.version !== this.classVersion) {
      let property = false;
      for (const c of (this.value(cls) as ClassValue).mro) {
        const cv = this.value(c) as ClassValue;
        if (cv.builtin !== undefined || this.values.get(cv.dict)?.t !== 'dict') continue;
        for (const e of this.dictStore(cv.dict).entries.values()) {
          if (this.values.get(e.value)?.t === 'property') property = true;
        }
      }
      f = {
        version: this.classVersion,
        property,
        setattr: this.lookupClassAttr(cls, '__setattr__'),
        del: this.lookupClassAttr(cls, '__del__'),
      };
      this.flagsOfClass.set(cls, f);
    }
    return f;
  }

  lookupClassAttr(cls: ObjectId, name: string): ObjectId | undefined {
    for (const c of (this.value(cls) as ClassValue).mro) {
      const cv = this.value(c) as ClassValue;
      if (cv.builtin !== undefined) continue;
      const v = this.dictGetStr(cv.dict, name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** What LOAD_METHOD finds: a Python function on an instance's type, or a method of a built-in type. */
  /** LOAD_METHOD: the Python function found on the type, BUILTIN_METHOD, or undefined (an ordinary attribute). */
  private lookupMethod(self: ObjectId, name: string): ObjectId | typeof BUILTIN_METHOD | undefined {
    const v = this.value(self);
    if (v.t === 'instance') {
      if (v.attrs.has(name)) return undefined;
      const f = this.lookupClassAttr(v.cls, name);
      if (f !== undefined && this.values.get(f)?.t === 'function') return f;
      if (f === undefined && builtinMethodExists(this.classOf(self).isException ? 'exception' : 'object', name))
        return BUILTIN_METHOD;
      return undefined;
    }
    if (builtinMethodExists(v.t === 'set' && v.frozen ? 'frozenset' : v.t, name)) return BUILTIN_METHOD;
    return undefined;
  }

  getAttr(obj: ObjectId, name: string, holder: Holder, scope: Scope | undefined): ObjectId {
    const v = this.value(obj);
    switch (v.t) {
      case 'instance': {
        if (name === '__class__') return this.ret(v.cls, holder);
        if (name === '__dict__' && v.dict === undefined && this.classOf(obj).slots === undefined)
          return this.ret(this.materializeDict(obj), holder);
        if (name === '__dict__' && v.dict !== undefined) return this.ret(v.dict, holder);
        // A property on the class comes before the instance's own attribute (a data
        // descriptor); with no property anywhere on the class, the own attribute is first.
        const hasProperty = this.classFlags(v.cls).property;
        let clsAttr = hasProperty ? this.lookupClassAttr(v.cls, name) : undefined;
        if (clsAttr !== undefined && this.values.get(clsAttr)?.t === 'property') {
          const fget = (this.value(clsAttr) as { fget: ObjectId | undefined }).fget;
          if (fget === undefined) throw this.pyErr('AttributeError', 'unreadable attribute');
          return this.callObject(fget, [obj], [], holder, scope);
        }
        const own = v.attrs.get(name);
        if (own !== undefined) return this.ret(own, holder);
        if (!hasProperty) clsAttr = this.lookupClassAttr(v.cls, name);
        if (clsAttr !== undefined) return this.bindAttr(clsAttr, obj, v.cls, holder);
        if (name === 'args' && this.classOf(obj).isException) return this.ret(this.excArgsTuple(obj), holder);
        const getattr = this.lookupClassAttr(v.cls, '__getattr__');
        if (getattr !== undefined) {
          const n = this.newStr(name, C_TEMP);
          try {
            return this.callObject(getattr, [obj, n], [], holder, scope);
          } finally {
            this.rt.decref(n, C_TEMP);
          }
        }
        throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
      }
      case 'class': {
        if (name === '__name__') return this.newStr(v.name, holder);
        if (name === '__qualname__') return this.newStr(v.qualname, holder);
        if (name === '__mro__') return this.newTuple(v.mro, holder);
        if (name === '__dict__' && v.builtin === undefined) return this.ret(v.dict, holder);
        if (name === '__bases__') return this.newTuple(v.bases, holder);
        const a = this.lookupClassAttr(obj, name);
        if (a !== undefined) {
          const av = this.value(a);
          if (av.t === 'staticmethod') return this.ret(av.func, holder);
          if (av.t === 'classmethod') return this.newBoundMethod(av.func, obj, holder);
          return this.ret(a, holder);
        }
        throw this.pyErr('AttributeError', `type object '${v.name}' has no attribute '${name}'`);
      }
      case 'module': {
        const a = this.dictGetStr(v.dict, name);
        if (a !== undefined) return this.ret(a, holder);
        if (name === '__dict__') return this.ret(v.dict, holder);
        throw this.pyErr('AttributeError', `module '${v.name}' has no attribute '${name}'`);
      }
      case 'function': {
        if (name === '__name__') return this.internStr(v.name, holder);
        if (name === '__qualname__') return this.internStr(v.qualname, holder);
        if (name === '__code__') return this.ret(v.code, holder);
        if (name === '__defaults__') return v.defaults === undefined ? this.none(holder) : this.ret(v.defaults, holder);
        if (name === '__closure__') return v.closure === undefined ? this.none(holder) : this.ret(v.closure, holder);
        if (name === '__globals__') return this.ret(v.globals, holder);
        const d = this.funcDict(obj, false);
        const a = d === undefined ? undefined : this.dictGetStr(d, name);
        if (a !== undefined) return this.ret(a, holder);
        if (name === '__dict__') return this.ret(this.funcDict(obj, true) as ObjectId, holder);
        throw this.pyErr('AttributeError', `'function' object has no attribute '${name}'`);
      }
      case 'method':
        if (name === '__func__') return this.ret(v.func, holder);
        if (name === '__self__') return this.ret(v.self, holder);
        return this.getAttr(v.func, name, holder, scope);
      case 'super': {
        const objType = this.values.get(v.obj)?.t === 'class' ? v.obj : this.typeOf(v.obj);
        const mro = (this.value(objType) as ClassValue).mro;
        for (const c of mro.slice(mro.indexOf(v.cls) + 1)) {
          const cv = this.value(c) as ClassValue;
          if (cv.builtin !== undefined) {
            if (name === '__init__')
              return this.newBuiltinMethod(cv.isException ? 'exception.__init__' : 'object.__init__', v.obj, holder);
            continue;
          }
          const a = this.dictGetStr(cv.dict, name);
          if (a !== undefined) return this.bindAttr(a, v.obj, objType, holder);
        }
        throw this.pyErr('AttributeError', `'super' object has no attribute '${name}'`);
      }
      case 'cell':
        if (name === 'cell_contents') {
          if (v.content === undefined) throw this.pyErr('ValueError', 'Cell is empty');
          return this.ret(v.content, holder);
        }
        break;
      case 'set':
        if (name === 'add' || name === 'discard' || name === 'remove')
          return this.newBuiltinMethod(`set.${name}`, obj, holder);
        break;
      default:
        break;
    }
    if (builtinMethodExists(v.t === 'set' && v.frozen ? 'frozenset' : v.t, name))
      return this.newBuiltinMethod(`${v.t}.${name}`, obj, holder);
    throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
  }

  /** A function found on the class, looked up on an instance: a new bound method (64 bytes). */
  private bindAttr(attr: ObjectId, obj: ObjectId, cls: ObjectId, holder: Holder): ObjectId {
    const av = this.value(attr);
    if (av.t === 'function') return this.newBoundMethod(attr, obj, holder);
    if (av.t === 'staticmethod') return this.ret(av.func, holder);
    if (av.t === 'classmethod') return this.newBoundMethod(av.func, cls, holder);
    return this.ret(attr, holder);
  }

  newBoundMethod(func: ObjectId, self: ObjectId, holder: Holder): ObjectId {
    const m = this.alloc('method', 'method', FIXED_SIZES.method, { t: 'method', func, self }, holder);
    this.rt.incref(func, { kind: 'object', owner: m, slot: '__func__' });
    this.rt.incref(self, { kind: 'object', owner: m, slot: '__self__' });
    return m;
  }

  private newBuiltinMethod(name: string, self: ObjectId, holder: Holder): ObjectId {
    const m = this.alloc(
      'builtin_function_or_method',
      'method',
      FIXED_SIZES.builtinMethod,
      { t: 'builtin', name, self },
      holder,
    );
    this.rt.incref(self, { kind: 'object', owner: m, slot: '__self__' });
    return m;
  }

  private funcDict(fn: ObjectId, create: boolean): ObjectId | undefined {
    const held = this.rt.object(fn).refs.find((r) => r?.slot === '__dict__');
    if (held !== undefined) return held.to;
    if (!create) return undefined;
    const d = this.newDict({ kind: 'object', owner: fn, slot: '__dict__' });
    this.rt.track(d);
    return d;
  }

  /** `obj.__dict__` on a 3.11 instance: the managed values move into a new dict object (OBJ-13). */
  private materializeDict(obj: ObjectId): ObjectId {
    const v = this.value(obj) as InstanceValue;
    const d = this.newDict({ kind: 'object', owner: obj, slot: '__dict__' });
    for (const [k, val] of v.attrs) {
      this.rt.incref(val, C_TEMP);
      this.dictSetStr(d, k, val, C_TEMP, 'move');
    }
    for (const [k, val] of [...v.attrs]) {
      v.attrs.delete(k);
      this.rt.decref(val, { kind: 'object', owner: obj, slot: attrSlot(k) });
    }
    v.dict = d;
    return d;
  }

  /** `o.name = v`: a new reference to v (copied from `from`), the old value released after. */
  setAttr(obj: ObjectId, name: string, v: ObjectId, from: Holder, _how: 'copy', scope: Scope | undefined): void {
    const ov = this.value(obj);
    if (ov.t === 'instance') {
      const flags = this.classFlags(ov.cls);
      if (flags.property) {
        const clsAttr = this.lookupClassAttr(ov.cls, name);
        if (clsAttr !== undefined && this.values.get(clsAttr)?.t === 'property')
          throw this.pyErr('AttributeError', "can't set attribute");
      }
      const slots = this.classOf(obj).slots;
      if (slots !== undefined && !slots.includes(name)) {
        throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
      }
      const setattr = flags.setattr;
      if (setattr !== undefined) {
        const n = this.newStr(name, C_TEMP);
        try {
          const r = this.callObject(setattr, [obj, n, v], [], C_TEMP, scope);
          this.rt.decref(r, C_TEMP);
        } finally {
          this.rt.decref(n, C_TEMP);
        }
        return;
      }
      this.rt.incref(v, from);
      this.setAttrRaw(obj, name, v, from, 'move');
      return;
    }
    if (ov.t === 'class') {
      this.rt.incref(v, from);
      this.dictSetStr(ov.dict, name, v, from, 'move');
      return;
    }
    if (ov.t === 'function') {
      this.rt.incref(v, from);
      this.dictSetStr(this.funcDict(obj, true) as ObjectId, name, v, from, 'move');
      return;
    }
    if (ov.t === 'module') {
      this.rt.incref(v, from);
      this.dictSetStr(ov.dict, name, v, from, 'move');
      return;
    }
    throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
  }

  /** Store an attribute reference moved from `from` (managed values, or the materialised dict). */
  setAttrRaw(obj: ObjectId, name: string, v: ObjectId, from: Holder, _how: 'move'): void {
    const ov = this.value(obj) as InstanceValue;
    if (ov.dict !== undefined) {
      this.dictSetStr(ov.dict, name, v, from, 'move');
      return;
    }
    const slot = attrSlot(name);
    const old = ov.attrs.get(name);
    ov.attrs.set(name, v);
    if (old === undefined) {
      // A new attribute name joins the class's shared keys while they have room (a
      // name already set on this instance was offered to them then).
      const keys = this.sharedKeys(ov.cls);
      if (!keys.names.has(name) && keys.usable > 0) {
        keys.names.add(name);
        keys.usable -= 1;
      }
      this.rt.moveToRef(v, from, obj, slot);
      return;
    }
    // The new value takes the old one's place in the values array, so the instance still
    // releases its attributes in their order.
    const at = this.refIndex(obj, slot, old);
    this.rt.moveToRef(v, from, obj, slot, at < 0 ? undefined : at);
    this.rt.decrefRef(old, obj, slot, at < 0 ? undefined : at + 1);
  }

  /** Where `owner` holds `id` in `slot` (the last such reference), or -1. */
  private refIndex(owner: ObjectId, slot: string, id: ObjectId): number {
    const refs = this.rt.object(owner).refs;
    for (let i = refs.length - 1; i >= 0; i--) {
      const r = refs[i];
      if (r !== undefined && r.to === id && r.slot === slot) return i;
    }
    return -1;
  }

  delAttr(obj: ObjectId, name: string, scope: Scope | undefined): void {
    const ov = this.value(obj);
    if (ov.t === 'instance') {
      const delattr = this.lookupClassAttr(ov.cls, '__delattr__');
      if (delattr !== undefined) {
        const n = this.newStr(name, C_TEMP);
        try {
          this.rt.decref(this.callObject(delattr, [obj, n], [], C_TEMP, scope), C_TEMP);
        } finally {
          this.rt.decref(n, C_TEMP);
        }
        return;
      }
      if (ov.dict !== undefined) {
        if (!this.dictDel(ov.dict, strKey(name)))
          throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
        return;
      }
      const old = ov.attrs.get(name);
      if (old === undefined)
        throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
      ov.attrs.delete(name);
      this.rt.decref(old, { kind: 'object', owner: obj, slot: attrSlot(name) });
      return;
    }
    if (ov.t === 'class' || ov.t === 'module') {
      if (!this.dictDel(ov.dict, strKey(name)))
        throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
      return;
    }
    if (ov.t === 'function') {
      const d = this.funcDict(obj, false);
      if (d === undefined || !this.dictDel(d, strKey(name)))
        throw this.pyErr('AttributeError', `'function' object has no attribute '${name}'`);
      return;
    }
    throw this.pyErr('AttributeError', `'${this.typeName(obj)}' object has no attribute '${name}'`);
  }

  // ===============================================================================
  // Finalizers (`__del__`), called by the runtime.

  private findDel(id: ObjectId): ObjectId | undefined {
    const v = this.values.get(id);
    if (v?.t !== 'instance') return undefined;
    return this.classFlags(v.cls).del;
  }

  private runDel(id: ObjectId): void {
    const del = this.findDel(id);
    if (del === undefined) return;
    const saved = this.rt.state.line;
    try {
      const r = this.callObject(del, [id], [], C_TEMP, undefined);
      this.rt.decref(r, C_TEMP);
    } catch (e) {
      if (e instanceof PyRaise)
        this.reportUnraisable(
          e,
          `<function ${(this.value(del) as FunctionValue).qualname} at 0x${this.rt.object(del).addr.toString(16)}>`,
        );
      else throw e;
    }
    if (saved !== 0) this.rt.line(saved);
  }

  // ===============================================================================
  // Placeholders filled by builtins.ts (declared here so the class type-checks).

  declare getIter: (obj: ObjectId, holder: Holder) => ObjectId;
  declare iterNext: (it: ObjectId, holder: Holder) => ObjectId | undefined;
  declare iterateToArray: (obj: ObjectId, holder: Holder) => ObjectId[];
  declare getItem: (obj: ObjectId, key: ObjectId, holder: Holder, scope: Scope | undefined) => ObjectId;
  declare setItem: (obj: ObjectId, key: ObjectId, v: ObjectId, from: Holder, scope: Scope | undefined) => void;
  declare delItem: (obj: ObjectId, key: ObjectId, scope: Scope | undefined) => void;
  declare binaryOp: (
    op: string,
    a: ObjectId,
    b: ObjectId,
    holder: Holder,
    inplace: boolean,
    scope: Scope | undefined,
  ) => ObjectId;
  declare unaryOp: (op: string, a: ObjectId, holder: Holder, scope: Scope | undefined) => ObjectId;
  declare compare: (op: string, a: ObjectId, b: ObjectId, holder: Holder, scope: Scope | undefined) => ObjectId;
  declare truthy: (id: ObjectId, scope: Scope | undefined) => boolean;
  declare str: (id: ObjectId) => string;
  declare repr: (id: ObjectId) => string;
  declare formatSpec: (id: ObjectId, spec: string) => string;
  declare isInstance: (obj: ObjectId, cls: ObjectId) => boolean;
  declare callBuiltin: (
    name: string,
    self: ObjectId | undefined,
    args: ObjectId[],
    kwargs: [string, ObjectId][],
    holder: Holder,
    scope: Scope | undefined,
  ) => ObjectId;
  declare callBuiltinMethod: (
    self: ObjectId,
    name: string,
    args: ObjectId[],
    kwargs: [string, ObjectId][],
    holder: Holder,
    scope: Scope | undefined,
  ) => ObjectId;
  declare listAppend: (list: ObjectId, v: ObjectId, from: Holder, how: 'move' | 'copy') => void;
  declare listExtend: (list: ObjectId, iterable: ObjectId, holder: Holder) => void;
  declare dictUpdate: (dict: ObjectId, other: ObjectId) => void;
  declare comprehension: (
    e: Expr & { k: 'ListComp' | 'SetComp' | 'DictComp' | 'GeneratorExp' },
    scope: Scope,
  ) => ObjectId;
  declare runComprehension: (e: Expr, scope: Scope) => ObjectId;

  /** `bool(x)` of a stack temporary, which is released. */
  truthyConsume(id: ObjectId, scope: Scope): boolean {
    let t: boolean;
    try {
      t = this.truthy(id, scope);
    } catch (err) {
      this.rt.decref(id, scope.stack);
      throw err;
    }
    this.rt.decref(id, scope.stack);
    return t;
  }

  /** The bits of the evaluator that builtins.ts needs (made once: builtins ask on every call). */
  get internals(): Internals {
    return (this.internalsOnce ??= this.makeInternals());
  }

  private internalsOnce: Internals | undefined;

  private makeInternals() {
    return {
      C_TEMP,
      makeFunctionForComprehension: (e: Expr & { gens: readonly Comprehension[] }, scope: Scope): ObjectId =>
        this.makeComprehensionFunction(e, scope),
      callFunctionMove: (fn: ObjectId, args: ObjectId[], from: Holder, scope: Scope): ObjectId =>
        this.callFunction(fn, args, [], from, 'move', scope),
      assign: (t: Target, v: ObjectId, scope: Scope): void => this.assign(t, v, scope),
      evalExpr: (e: Expr, scope: Scope): ObjectId => this.evalExpr(e, scope),
      handling: this.handling,
      // Given a writer (options.stdout / stderr), the output goes there as it comes and is
      // not also kept: a program printing a gigabyte must not hold it in one string.
      writeOut: (t: string): void => {
        if (this.keepOut) this.stdout += t;
        this.writeOut(t);
        this.rt.output(t);
      },
      writeErr: (t: string): void => {
        if (this.keepErr) this.stderr += t;
        this.writeErr(t);
      },
      modules: this.modules,
      interned: this.interned,
      builtinsDict: () => this.builtinsDict,
      dictStore: (d: ObjectId): DictStore => this.dictStore(d),
      alloc: (
        pyType: string,
        kind: string,
        size: number,
        value: PyValue,
        holder: Holder,
        alloc?: number,
        track?: boolean,
      ): ObjectId => this.alloc(pyType, kind, size, value, holder, alloc, track),
      computeMro: (c: ObjectId): ObjectId[] => this.computeMro(c),
      excMessage: (e: ObjectId): string => this.excMessage(e),
      listResize,
      listSize,
      LIST_OBJECT_SIZE,
    };
  }

  /** A comprehension's function (RC-5): MAKE_FUNCTION with the code of `<listcomp>` … */
  private makeComprehensionFunction(e: Expr & { gens: readonly Comprehension[] }, scope: Scope): ObjectId {
    const info = this.scopeInfo(e);
    const fn = this.makeFunction(
      info.name,
      { args: ['.0'], defaults: [], vararg: undefined, kwonly: [], kwDefaults: [], kwarg: undefined },
      [],
      e,
      scope,
    );
    (this.value(fn) as FunctionValue).comprehension = e;
    return fn;
  }
}

/** Thrown through a `finally` that returns. */
class ReturnFromFinally extends Error {
  constructor(readonly value: ObjectId) {
    super('return from finally');
  }
}

const isConstant = (e: Expr): boolean =>
  e.k === 'Int' ||
  e.k === 'Str' ||
  e.k === 'Float' ||
  e.k === 'Bytes' ||
  (e.k === 'Const' && e.value !== 'Ellipsis') ||
  (e.k === 'UnaryOp' && e.op === '-' && (e.operand.k === 'Int' || e.operand.k === 'Float'));

/** co_varnames, then the cells (3.11 localsplus order): made once per scope by resolve. */
function frameSlotOrder(info: ScopeInfo): readonly string[] {
  return info.slotOrder;
}

/** Built-in methods known per value kind (the implementations are in builtins.ts). */
export const BUILTIN_METHODS: Record<string, readonly string[]> = {
  list: ['append', 'extend', 'pop', 'insert', 'remove', 'clear', 'index', 'count', 'sort', 'reverse', 'copy'],
  dict: ['get', 'keys', 'values', 'items', 'pop', 'popitem', 'setdefault', 'update', 'clear', 'copy'],
  set: [
    'add',
    'discard',
    'remove',
    'pop',
    'clear',
    'update',
    'union',
    'intersection',
    'difference',
    'issubset',
    'issuperset',
    'copy',
  ],
  frozenset: ['union', 'intersection', 'difference', 'issubset', 'issuperset', 'copy'],
  str: [
    'join',
    'split',
    'strip',
    'lstrip',
    'rstrip',
    'upper',
    'lower',
    'startswith',
    'endswith',
    'replace',
    'format',
    'find',
    'count',
    'isdigit',
    'isalpha',
    'title',
    'capitalize',
    'center',
    'ljust',
    'rjust',
    'zfill',
    'index',
    'splitlines',
    'encode',
    'partition',
    'rpartition',
  ],
  tuple: ['index', 'count'],
  int: ['bit_length'],
  float: ['is_integer'],
  bytes: ['decode'],
  object: [],
  exception: ['with_traceback'],
};

const builtinMethodExists = (kind: string, name: string): boolean => BUILTIN_METHODS[kind]?.includes(name) ?? false;
