/*
 * Python values as the VM sees them
 * =================================
 * The memory model (core) knows objects as ids, sizes and references; this table gives
 * them meaning: an int's value, a list's items, a type's method resolution order, a
 * generator's suspended frame. An entry lives exactly as long as its object (the
 * runtime's `freed` hook drops it).
 *
 * Every value names its type object (`type`), so `type(x)` is one read. Values of
 * heap-type instances keep their attributes in `attrs` (3.11's managed values, in
 * insertion order) until a program asks for `__dict__`, which then becomes a dict object
 * (`dict`). Instances of a class derived from a built-in type (`class L(list)`) have the
 * built-in's representation (`t: 'list'`) and may carry `attrs`/`dict` too.
 *
 * Containers list their items by ObjectId; each item reference is also held, in the
 * heap state, by the container, so the two views always agree.
 */
import type { ObjectId } from '@pymemsim/core';
import type { CodeObject } from '../compile/code.js';
import type { EntryOrder } from '../entryOrder.js';
import type { Frame } from './frame.js';
import type { Native } from './native.js';
import type { KeyIndex } from '../objects/keyIndex.js';
import type { SetTable } from '../objects/setTable.js';
import type { TypeSlots } from './typeSlots.js';

/** A dict entry: the key object and the value object; `n` places it in the store's `order`. */
export type DictEntry = {
  key: ObjectId;
  value: ObjectId;
  /** The key's hash (as Python computes it), kept as CPython keeps me_hash. */
  hash: bigint;
  n: number;
  /** The slot name of the value reference (`["name"]`, `[3]` ...), fixed by the key. */
  readonly slot: string;
};

/**
 * What a dict files an entry under: a number for an integral key exact as a number (int,
 * bool, integral float: 1 == 1.0 == True), else a text (`s:name`, `i:<big int>`, `o:#12`,
 * or a hash text for keys compared with `__eq__`).
 */
export type LookupKey = string | number;

/** Dict storage: entries by lookup key in insertion order, plus the table geometry of OBJ-11. */
export interface DictStore {
  /**
   * Entries by lookup key, in insertion order: a primitive key text for keys whose
   * equality JS can decide, else a hash bucket (keyIndex.ts: a Map laid out as CPython's dict).
   */
  entries: KeyIndex<DictEntry>;
  /** Keys with a user-defined `__eq__`: entries sharing a hash, searched with `==`. */
  buckets: Map<string, DictEntry[]> | undefined;
  /** How many entries the buckets hold (the rest have plain lookup keys). */
  compared: number;
  /** Where each entry's references sit in the dict's reference list (entryOrder.ts). */
  order: EntryOrder;
  /** Table size S (0: the shared empty keys of `{}`). */
  table: number;
  /** Entries used in the table, deleted ones included, until the next resize. */
  nentries: number;
  /** Only str keys so far ("unicode" table, 16-byte entries). */
  unicode: boolean;
  /** A type's namespace: writing to it changes what attribute lookups on the type find. */
  ofType?: ObjectId;
  /** Bumped by every insertion and deletion (iteration over a changing dict raises). */
  version: number;
  /** Bytes a subtype's instance adds to the dict's size (its own fields, a class's dict and weakref slots). */
  extraSize?: number;
  /**
   * References the object holds before its entries' (a subclass instance's `__class__`, a
   * subtype's own fields): the entries' references start there. Undefined: none, and
   * whatever a subtype holds comes after the entries.
   */
  refBase?: number;
}

/** A set's or frozenset's hash table (objects/setTable.ts), holding the items' ids. */
export interface SetStore {
  table: SetTable<ObjectId>;
}

export interface TypeValue {
  t: 'type';
  type: ObjectId;
  attrs?: Map<string, ObjectId>;
  name: string;
  qualname: string;
  /** `__module__` for static types ('builtins' unless dotted in the name). */
  module: string;
  bases: ObjectId[];
  /** Method resolution order, the type first. */
  mro: ObjectId[];
  /** The namespace dict object (heap types; a static type's is made when first asked for). */
  dict: ObjectId;
  /** A static type's namespace dict exists (its members were put in it). */
  dictMade: boolean;
  /** A class statement's type (heap type), rather than a built-in one. */
  heap: boolean;
  /** The built-in type whose layout instances have (`object`, `list`, `int`, `BaseException` ...). */
  layout: string;
  /** Native slots (tp_*), inherited along the MRO when the type is made. */
  slots: TypeSlots;
  /** A built-in type's own methods, attributes and descriptors, made into objects when first asked for. */
  natives: Map<string, NativeMember> | undefined;
  /** Materialised descriptor objects of `natives`. */
  nativeObjects: Map<string, ObjectId> | undefined;
  /** `__slots__` names (heap types that define them). */
  slotNames: string[] | undefined;
  /** Instances have a `__dict__` (managed values). */
  hasDict: boolean;
  hasWeakref: boolean;
  /** Instances of this type can be subclassed from Python. */
  baseType: boolean;
  /** The built-in type is an exception class. */
  isException: boolean;
  /** Changed whenever this type's namespace or one of its bases' changes (type version tags). */
  version: number;
  /** Shared keys of instances (3.11 starts with 30 usable entries). */
  sharedKeys: { names: Set<string>; usable: number } | undefined;
  /** Lookups along the MRO, valid while no type namespace changes (attrs.ts). */
  cache?: TypeCache;
}

/** What attribute access on a type's instances asks, answered once per type namespace epoch. */
export interface TypeCache {
  epoch: number;
  /** `_PyType_Lookup`'s answers by name; 0 for a name the MRO lacks. */
  names: Map<string, ObjectId>;
  /** Heap types: a Python __getattribute__, a __getattr__ hook, a Python __setattr__ / __delattr__. */
  getattribute?: ObjectId | null;
  getattrHook?: ObjectId | null;
  setattr?: ObjectId | null;
  delattr?: ObjectId | null;
}

/** A member of a built-in type: a method, a class or static method, or an attribute computed by getter/setter. */
export type NativeMember =
  | { readonly k: 'method'; readonly fn: Native }
  | { readonly k: 'classmethod'; readonly fn: Native }
  | { readonly k: 'staticmethod'; readonly fn: Native }
  | {
      readonly k: 'getset';
      readonly get: (vm: unknown, self: ObjectId) => ObjectId;
      readonly set?: (vm: unknown, self: ObjectId, v: ObjectId | undefined) => void;
    }
  | { readonly k: 'value'; readonly make: (vm: unknown) => ObjectId };

export type FunctionValue = {
  t: 'function';
  type: ObjectId;
  attrs?: Map<string, ObjectId>;
  code: ObjectId;
  /** The decoded code object (shared by every function made from it). */
  co: DecodedCodeRef;
  globals: ObjectId;
  builtins: ObjectId;
  name: string;
  qualname: string;
  defaults: ObjectId | undefined;
  kwdefaults: ObjectId | undefined;
  closure: ObjectId | undefined;
  /** func_dict, once made. */
  dict: ObjectId | undefined;
  annotations: ObjectId | undefined;
  /** Bumped when __code__, __defaults__ ... change. */
  version: number;
};

/** What a function's code decodes to (vm/code.ts), referenced by type only here. */
export interface DecodedCodeRef {
  readonly co: CodeObject;
}

export type GenState = 'created' | 'suspended' | 'running' | 'completed';

export type GeneratorValue = {
  t: 'generator';
  type: ObjectId;
  attrs?: Map<string, ObjectId>;
  dict?: ObjectId;
  /** 'generator', 'coroutine' or 'async_generator'. */
  kind: 'generator' | 'coroutine' | 'async_generator';
  frame: Frame | undefined;
  state: GenState;
  name: string;
  qualname: string;
  code: ObjectId;
  /** The iterator `yield from` / `await` delegates to (gi_yieldfrom), read from the frame's stack. */
  closed: boolean;
};

export type IteratorValue = {
  t: 'iterator';
  type: ObjectId;
  kind: string;
  /** What it iterates (held in slot `it_seq`), undefined once exhausted. */
  seq: ObjectId | undefined;
  index: number;
  /** range iterators: the next value, the step, the count left. */
  next?: bigint;
  step?: bigint;
  left?: bigint;
  /** snapshot iterators: the ids to yield (held in `items` slots) */
  items?: ObjectId[];
  /** enumerate/zip/map/filter/reversed: the inner objects (held in slots). */
  inner?: ObjectId[];
  count?: bigint;
  fn?: ObjectId;
  /** A dict iterator's expected dict version and size (RuntimeError when they change). */
  version?: number;
  size?: number;
  attrs?: Map<string, ObjectId>;
  dict?: ObjectId;
};

type Base = {
  type: ObjectId;
  attrs?: Map<string, ObjectId>;
  dict?: ObjectId;
  /**
   * The C struct fields a C subtype adds to a built-in base's layout, kept by the module
   * that defines the subtype (a structseq's hidden fields, defaultdict's default_factory,
   * OrderedDict's node list): the base's code never reads it.
   */
  ext?: unknown;
};

export type PyValue =
  | (Base & { t: 'none' })
  | (Base & { t: 'ellipsis' })
  | (Base & { t: 'notimplemented' })
  | (Base & { t: 'bool'; v: boolean })
  | (Base & { t: 'int'; v: bigint })
  | (Base & { t: 'float'; v: number })
  | (Base & { t: 'complex'; re: number; im: number })
  | (Base & { t: 'str'; v: string })
  | (Base & { t: 'bytes'; v: Uint8Array })
  | (Base & { t: 'bytearray'; v: Uint8Array; len: number })
  | (Base & { t: 'list'; items: ObjectId[]; allocated: number })
  | (Base & { t: 'tuple'; items: ObjectId[] })
  | (Base & { t: 'dict'; store: DictStore })
  | (Base & { t: 'set'; store: SetStore; frozen: boolean })
  | (Base & { t: 'range'; start: bigint; stop: bigint; step: bigint })
  | (Base & { t: 'slice'; start: ObjectId; stop: ObjectId; step: ObjectId })
  | FunctionValue
  | (Base & { t: 'code'; co: DecodedCodeRef })
  | (Base & { t: 'cell'; content: ObjectId | undefined })
  | TypeValue
  | (Base & { t: 'object' })
  | (Base & { t: 'method'; func: ObjectId; self: ObjectId })
  | (Base & {
      t: 'builtin';
      name: string;
      qualname: string;
      fn: Native;
      self: ObjectId | undefined;
      module?: string;
      /** The built-in type whose static method this is. */
      owner?: ObjectId;
    })
  | (Base & {
      t: 'descriptor';
      kind: 'method' | 'classmethod' | 'staticmethod' | 'getset' | 'member';
      name: string;
      owner: ObjectId;
      member?: NativeMember;
      index?: number;
    })
  | (Base & { t: 'module'; name: string; dict: ObjectId })
  | IteratorValue
  | GeneratorValue
  | (Base & { t: 'weakref'; callback: ObjectId | undefined })
  | (Base & {
      t: 'property';
      fget: ObjectId | undefined;
      fset: ObjectId | undefined;
      fdel: ObjectId | undefined;
      doc: ObjectId | undefined;
      /** prop_name: set by __set_name__ (3.11), named in the missing-accessor errors. */
      name?: ObjectId;
    })
  | (Base & { t: 'staticmethod' | 'classmethod'; func: ObjectId | undefined })
  | (Base & { t: 'super'; cls: ObjectId; obj: ObjectId | undefined; objType: ObjectId | undefined })
  | (Base & {
      t: 'frame';
      name: string;
      line: number;
      code: ObjectId;
      /** The interpreter frame while it runs (then f_lineno, f_back ... read it). */
      live?: Frame | undefined;
      lasti?: number;
      /** The locals it took over (take_ownership). */
      locals?: (ObjectId | undefined)[];
    })
  | (Base & { t: 'traceback'; frame: ObjectId; line: number; lasti: number })
  | (Base & {
      t: 'exception';
      args: ObjectId;
      traceback: ObjectId | undefined;
      context: ObjectId | undefined;
      cause: ObjectId | undefined;
      suppressContext: boolean;
    })
  | (Base & { t: 'mappingproxy'; mapping: ObjectId })
  | (Base & { t: 'native'; data: unknown });

export type ValueOf<T extends PyValue['t']> = Extract<PyValue, { t: T }>;

/**
 * A table by dense integer id in an array: a removed entry's slot is set to undefined,
 * never deleted, which keeps V8's fast elements.
 */
export class IdTable<T> {
  private readonly byId: (T | undefined)[] = [];

  get(id: number): T | undefined {
    return this.byId[id];
  }

  has(id: number): boolean {
    return this.byId[id] !== undefined;
  }

  set(id: number, value: T): this {
    const byId = this.byId;
    while (byId.length < id) byId.push(undefined);
    byId[id] = value;
    return this;
  }

  delete(id: number): boolean {
    const had = this.byId[id] !== undefined;
    if (had) this.byId[id] = undefined;
    return had;
  }
}
