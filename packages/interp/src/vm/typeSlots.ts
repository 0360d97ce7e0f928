/*
 * Type slots
 * ==========
 * The native behaviour of a type, as CPython's `tp_*` slots give it: how an instance is
 * made, called, iterated, compared, hashed and turned into text. A built-in type fills
 * the slots it implements; a type made by a class statement inherits its base's slots,
 * and a special method defined in Python (`__eq__`, `__iter__` ...) takes precedence,
 * found by the protocol functions through the type's attribute lookup (typeobject.c's
 * slot_tp_* functions do the same lookup).
 *
 * Every slot that returns an object returns a new reference owned by `out`.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import type { VM } from './vm.js';

export interface TypeSlots {
  /** tp_new: a new instance of `type` (a subtype of the slot's own type). */
  new?: (
    vm: VM,
    type: ObjectId,
    args: readonly ObjectId[],
    kwnames: readonly string[] | undefined,
    out: Holder,
  ) => ObjectId;
  /** tp_init: initialise `self`; returns nothing (raises on error). */
  init?: (vm: VM, self: ObjectId, args: readonly ObjectId[], kwnames: readonly string[] | undefined) => void;
  /** tp_call. */
  call?: (
    vm: VM,
    self: ObjectId,
    args: readonly ObjectId[],
    kwnames: readonly string[] | undefined,
    out: Holder,
  ) => ObjectId;
  /** tp_repr and tp_str: the text (the caller makes the str object). */
  repr?: (vm: VM, self: ObjectId) => string;
  str?: (vm: VM, self: ObjectId) => string;
  /** tp_hash; undefined with `unhashable` means the type sets tp_hash to PyObject_HashNotImplemented. */
  hash?: (vm: VM, self: ObjectId) => bigint;
  unhashable?: boolean;
  /** tp_richcompare: true/false, or undefined for NotImplemented. */
  compare?: (vm: VM, self: ObjectId, other: ObjectId, op: CompareOp) => boolean | undefined;
  /** tp_iter: a new iterator. */
  iter?: (vm: VM, self: ObjectId, out: Holder) => ObjectId;
  /** tp_iternext: the next item, or undefined when exhausted (no StopIteration made). */
  next?: (vm: VM, self: ObjectId, out: Holder) => ObjectId | undefined;
  /** sq_length / mp_length. */
  len?: (vm: VM, self: ObjectId) => number;
  /** mp_subscript. */
  getitem?: (vm: VM, self: ObjectId, key: ObjectId, out: Holder) => ObjectId;
  /** mp_ass_subscript: value undefined deletes. */
  setitem?: (vm: VM, self: ObjectId, key: ObjectId, value: ObjectId | undefined) => void;
  /** sq_contains. */
  contains?: (vm: VM, self: ObjectId, item: ObjectId) => boolean;
  /** nb_bool. */
  bool?: (vm: VM, self: ObjectId) => boolean;
  /** tp_descr_get: `descr.__get__(obj, type)`; obj undefined when looked up on the type. */
  descrGet?: (vm: VM, descr: ObjectId, obj: ObjectId | undefined, type: ObjectId, out: Holder) => ObjectId;
  /** tp_descr_set: value undefined deletes. Its presence makes a data descriptor. */
  descrSet?: (vm: VM, descr: ObjectId, obj: ObjectId, value: ObjectId | undefined) => void;
  /** tp_getattro, when not the generic one: undefined means "not found" (AttributeError raised by the caller). */
  getattr?: (vm: VM, self: ObjectId, name: string, out: Holder) => ObjectId | undefined;
  /** tp_setattro when not the generic one; value undefined deletes. */
  setattr?: (vm: VM, self: ObjectId, name: string, value: ObjectId | undefined) => void;
  /** Binary number operators (nb_add ...): the result, or undefined for NotImplemented. */
  number?: Partial<Record<BinaryOp, (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined>>;
  /** In-place operators (nb_inplace_*, sq_inplace_concat/repeat): undefined for NotImplemented. */
  inplace?: Partial<Record<BinaryOp, (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId | undefined>>;
  /** sq_concat: `a + b` when no number slot answered (raises its own TypeError). */
  concat?: (vm: VM, a: ObjectId, b: ObjectId, out: Holder) => ObjectId;
  /** sq_repeat: `seq * n`. */
  repeat?: (vm: VM, seq: ObjectId, n: bigint, out: Holder) => ObjectId;
  /** Unary operators (nb_negative, nb_positive, nb_invert). */
  unary?: Partial<Record<'-' | '+' | '~', (vm: VM, a: ObjectId, out: Holder) => ObjectId>>;
  /** nb_index: the int value. */
  index?: (vm: VM, self: ObjectId) => bigint;
  /** nb_int, nb_float: for int() and float() of the object. */
  int?: (vm: VM, self: ObjectId) => bigint;
  float?: (vm: VM, self: ObjectId) => number;
  /** tp_vectorcall exists: calling the type makes no argument tuple. */
  vectorcall?: boolean;
}

export type CompareOp = '<' | '<=' | '==' | '!=' | '>' | '>=';

export type BinaryOp = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '<<' | '>>' | '&' | '|' | '^' | '@';
