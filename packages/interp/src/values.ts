/*
 * Python values
 * =============
 * The interpreter's view of each simulated object: what a Python program can observe
 * of it (an int's value, a list's items, a class's namespace). The memory model (core)
 * knows objects only as ids, sizes and references; this table gives them meaning.
 * An entry lives exactly as long as its object: the runtime's `freed` hook drops it.
 *
 * Containers list their items by ObjectId; each item reference is also held, in the
 * heap state, by the container (`item`, `key`, `["k"]`, `.attr` slots), so the two
 * views always agree (tests check that every reference here is a held reference).
 */
import type { ObjectId } from '@pymemsim/core';
import type { Expr, Params, Stmt } from './ast.js';
import type { EntryOrder } from './entryOrder.js';
import type { ScopeInfo } from './resolve.js';
import type { SetTable } from './objects/setTable.js';

/** A dict entry: the key object and the value object; `n` places it in the store's `order`. */
export type DictEntry = {
  key: ObjectId;
  value: ObjectId;
  n: number;
  /** The slot name of the value reference (`["name"]`, `[3]` ...), fixed by the key. */
  readonly slot: string;
};

/** Dict storage: entries by hash key (see `hashKey`) in insertion order, plus the table geometry of OBJ-11. */
export interface DictStore {
  entries: Map<string, DictEntry>;
  /** Where each entry's references sit in the dict's reference list (entryOrder.ts). */
  order: EntryOrder;
  /** Table size S (0: the shared empty keys of `{}`). */
  table: number;
  /** Entries used in the table, deleted ones included, until the next resize. */
  nentries: number;
  /** Only str keys so far ("unicode" table, 16-byte entries). */
  unicode: boolean;
  /** A class's namespace: writing to it changes what its instances' attributes resolve to. */
  ofClass?: true;
}

/** A set's or frozenset's storage: CPython's hash table (objects/setTable.ts). */
export interface SetStore {
  table: SetTable<ObjectId>;
  /** frozenset_hash, once computed (undefined: not yet, or changed since). */
  hash: bigint | undefined;
}

export type FunctionValue = {
  t: 'function';
  name: string;
  qualname: string;
  params: Params;
  /** Body statements (a lambda's body is one Return). */
  body: readonly Stmt[];
  scope: ScopeInfo;
  code: ObjectId;
  globals: ObjectId;
  defaults: ObjectId | undefined;
  kwdefaults: ObjectId | undefined;
  /** Cells of the free variables, in `scope.freevars` order. */
  closure: ObjectId | undefined;
  /** A comprehension's function: evaluates `node` instead of a body. */
  comprehension?: Expr;
};

export type ClassValue = {
  t: 'class';
  name: string;
  qualname: string;
  /** Direct bases (ObjectIds of classes). */
  bases: ObjectId[];
  /** Method resolution order, the class first. */
  mro: ObjectId[];
  /** The class namespace (a dict object). */
  dict: ObjectId;
  /** Built-in type name when this is a static type (`int`, `ValueError` ...). */
  builtin: string | undefined;
  /** Instances are exceptions. */
  isException: boolean;
  /** Has `__slots__`: the slot names; undefined for ordinary classes. */
  slots: string[] | undefined;
};

export type InstanceValue = {
  t: 'instance';
  cls: ObjectId;
  /** Attribute values in insertion order (3.11 managed values; or the materialised `__dict__`). */
  attrs: Map<string, ObjectId>;
  /** The materialised `__dict__` object, once a program asked for it. */
  dict: ObjectId | undefined;
  /** An instance of a subclass of a built-in container: its built-in part (items held in slot `item`). */
  base?: ListValue | TupleValue | DictValue | SetValue;
};

/** A property: its accessor functions (held in slots of the same names), doc, and the name __set_name__ gave it. */
export type PropertyValue = {
  t: 'property';
  fget: ObjectId | undefined;
  fset: ObjectId | undefined;
  fdel: ObjectId | undefined;
  doc: ObjectId | undefined;
  /** The attribute name (a str held in slot `name`), once the class holding it was created. */
  name: ObjectId | undefined;
};

export type ListValue = { t: 'list'; items: ObjectId[]; allocated: number };
export type TupleValue = { t: 'tuple'; items: ObjectId[] };
export type DictValue = { t: 'dict'; store: DictStore };
export type SetValue = { t: 'set'; store: SetStore; frozen: boolean };

export type IteratorValue = {
  t: 'iterator';
  /** What it iterates: the container (held in slot `it_seq`), or a snapshot of ids for views. */
  seq: ObjectId | undefined;
  kind: 'list' | 'tuple' | 'str' | 'range' | 'dict' | 'set' | 'snapshot' | 'enumerate' | 'zip' | 'reversed' | 'map';
  index: number;
  /** range iterators: the next value, the step, the count left. */
  next?: bigint;
  step?: bigint;
  left?: bigint;
  /** snapshot iterators (dict views, sorted results ...): the ids to yield (not held). */
  items?: readonly string[];
  /** set iterators: the set's size when the iterator was made (si_used; -1 once it changed). */
  used?: number;
  /** enumerate/zip/map: the inner iterators (held in slots). */
  inner?: ObjectId[];
  count?: bigint;
  fn?: ObjectId;
};

export type PyValue =
  | { t: 'none' }
  | { t: 'ellipsis' }
  | { t: 'notimplemented' }
  | { t: 'bool'; v: boolean }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'str'; v: string }
  | { t: 'bytes'; v: Uint8Array }
  | ListValue
  | TupleValue
  | DictValue
  | SetValue
  | { t: 'range'; start: bigint; stop: bigint; step: bigint }
  | { t: 'slice'; start: ObjectId; stop: ObjectId; step: ObjectId }
  | FunctionValue
  | { t: 'code'; name: string; consts: ObjectId[] }
  | { t: 'cell'; content: ObjectId | undefined }
  | ClassValue
  | InstanceValue
  | { t: 'method'; func: ObjectId; self: ObjectId }
  | { t: 'builtin'; name: string; self: ObjectId | undefined }
  | { t: 'module'; name: string; dict: ObjectId }
  | IteratorValue
  | { t: 'weakref'; callback: ObjectId | undefined }
  | PropertyValue
  | { t: 'staticmethod' | 'classmethod'; func: ObjectId }
  | { t: 'getset'; name: string; owner: ObjectId }
  | { t: 'super'; cls: ObjectId; obj: ObjectId }
  | { t: 'frame'; name: string }
  | { t: 'traceback' };

export type ValueOf<T extends PyValue['t']> = Extract<PyValue, { t: T }>;

/**
 * A table by dense integer id (object ids, frame ids) in an array: a removed entry's slot
 * is set to undefined, never deleted, which keeps V8's fast elements (a Map, or deleting
 * keys, costs a hash lookup on every read). The interpreter's Python values, stack
 * holders and frame lines are kept this way.
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
    // Grow one slot at a time from the end: an assignment far past it would make the array sparse.
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
