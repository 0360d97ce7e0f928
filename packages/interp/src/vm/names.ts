/*
 * Names
 * =====
 * LOAD_NAME (the frame's locals mapping, then globals, then builtins), LOAD_GLOBAL
 * (globals, then builtins), the mapping operations STORE_NAME and friends use on a
 * namespace that may be any mapping (a class body's `__prepare__` result), and
 * SETUP_ANNOTATIONS.
 *
 * Source: Python/ceval.c (3.11): LOAD_NAME, LOAD_GLOBAL (_PyDict_LoadGlobal),
 * STORE_NAME, DELETE_NAME, SETUP_ANNOTATIONS, format_exc_check_arg.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import type { Frame } from './frame.js';
import type { PyRaise } from './vm.js';
import { C_TEMP, VM } from './vm.js';

declare module './vm.js' {
  interface VM {
    loadName(frame: Frame, name: string, out: Holder): ObjectId;
    loadGlobal(frame: Frame, name: string, out: Holder): ObjectId;
    nameError(name: string): PyRaise;
    /** ns[name] (borrowed for a dict; a mapping's result is held by C_TEMP only briefly). */
    mappingGetStr(ns: ObjectId, name: string): ObjectId | undefined;
    /** ns[name] = value (a new reference). */
    mappingSetStr(ns: ObjectId, name: string, value: ObjectId): void;
    /** del ns[name]; false when absent. */
    mappingDelStr(ns: ObjectId, name: string): boolean;
    setupAnnotations(frame: Frame): void;
  }
}

const P = VM.prototype;

P.nameError = function (this: VM, name) {
  return this.pyErr('NameError', `name '${name}' is not defined`);
};

const isExactDict = (vm: VM, id: ObjectId): boolean => {
  const v = vm.values.get(id);
  return v !== undefined && v.t === 'dict' && v.type === vm.T.dict;
};

P.mappingGetStr = function (this: VM, ns, name) {
  if (isExactDict(this, ns)) return this.dictGetStr(ns, name);
  const key = this.internStr(name, C_TEMP);
  try {
    const r = this.getItem(ns, key, C_TEMP);
    // A mapping's item: the caller borrows it (the mapping keeps its own reference).
    this.rt.decref(r, C_TEMP);
    return this.rt.isAlive(r) ? r : undefined;
  } catch (e) {
    if (this.raised(e, 'KeyError')) {
      this.clearRaise(e);
      return undefined;
    }
    throw e;
  } finally {
    this.rt.decref(key, C_TEMP);
  }
};

P.mappingSetStr = function (this: VM, ns, name, value) {
  if (isExactDict(this, ns)) {
    this.dictSetStr(ns, name, value, C_TEMP, 'copy');
    return;
  }
  const key = this.internStr(name, C_TEMP);
  try {
    this.setItem(ns, key, value);
  } finally {
    this.rt.decref(key, C_TEMP);
  }
};

P.mappingDelStr = function (this: VM, ns, name) {
  if (isExactDict(this, ns)) return this.dictDelStr(ns, name);
  const key = this.internStr(name, C_TEMP);
  try {
    this.delItem(ns, key);
    return true;
  } catch (e) {
    if (this.raised(e, 'KeyError')) {
      this.clearRaise(e);
      return false;
    }
    throw e;
  } finally {
    this.rt.decref(key, C_TEMP);
  }
};

P.loadName = function (this: VM, frame, name, out) {
  const locals = frame.locals;
  if (locals === 0) throw this.pyErr('SystemError', `no locals when loading '${name}'`);
  if (isExactDict(this, locals)) {
    const v = this.dictGetStr(locals, name);
    if (v !== undefined) return this.ret(v, out);
  } else {
    const key = this.internStr(name, C_TEMP);
    try {
      return this.getItem(locals, key, out);
    } catch (e) {
      if (!this.raised(e, 'KeyError')) throw e;
      this.clearRaise(e);
    } finally {
      this.rt.decref(key, C_TEMP);
    }
  }
  const g = this.dictGetStr(frame.globals, name);
  if (g !== undefined) return this.ret(g, out);
  const b = this.mappingGetStr(frame.builtins, name);
  if (b !== undefined) return this.ret(b, out);
  throw this.nameError(name);
};

P.loadGlobal = function (this: VM, frame, name, out) {
  const g = this.dictGetStr(frame.globals, name);
  if (g !== undefined) return this.ret(g, out);
  const b = this.mappingGetStr(frame.builtins, name);
  if (b !== undefined) return this.ret(b, out);
  throw this.nameError(name);
};

P.setupAnnotations = function (this: VM, frame) {
  const locals = frame.locals;
  if (locals === 0) throw this.pyErr('SystemError', 'no locals found when setting up annotations');
  if (this.mappingGetStr(locals, '__annotations__') !== undefined) return;
  const d = this.newDict(C_TEMP);
  try {
    this.mappingSetStr(locals, '__annotations__', d);
  } finally {
    this.rt.decref(d, C_TEMP);
  }
};
