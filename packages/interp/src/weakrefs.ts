/*
 * The interpreter's side of the collector and of weak references: the hooks through
 * which core calls back into Python (weakref callbacks, gc.callbacks, gc.garbage,
 * DEBUG_* output), and `weakref.ref` objects as Python values. The memory behaviour
 * itself (who holds what, when a weakref is cleared) is core's (runtime/weakref.ts).
 */
import { weakrefReferent, type Holder, type ObjectId } from '@pymemsim/core';
import { Interpreter, PyRaise } from './interpreter.js';

const C_TEMP: Holder = { kind: 'root', name: 'c-temp' };
const P = Interpreter.prototype;

declare module './interpreter.js' {
  interface Interpreter {
    /** Install the collector and weakref hooks (called once from the constructor). */
    installGcHooks(): void;
    /** `weakref.ref(obj[, callback])`: positional arguments only (weakref___new__). */
    newWeakref(args: ObjectId[], holder: Holder, kwargs?: readonly [string, ObjectId][]): ObjectId;
  }
}

P.weakrefTarget = function (this: Interpreter, id: ObjectId): ObjectId | undefined {
  return weakrefReferent(this.rt.state, id);
};

P.newWeakref = function (this: Interpreter, args: ObjectId[], holder: Holder, kwargs = []): ObjectId {
  if (kwargs.length > 0) throw this.typeError('ref() takes no keyword arguments');
  const referent = args[0];
  if (referent === undefined) throw this.typeError('__new__ expected at least 1 argument, got 0');
  if (args.length > 2) throw this.typeError(`__new__ expected at most 2 arguments, got ${args.length}`);
  const v = this.value(referent);
  const weakrefable =
    (v.t === 'instance' && this.classOf(referent).slots === undefined) ||
    v.t === 'function' ||
    v.t === 'class' ||
    (v.t === 'set' && !v.frozen) ||
    v.t === 'method' ||
    v.t === 'code' ||
    (v.t === 'set' && v.frozen);
  if (!weakrefable) throw this.typeError(`cannot create weak reference to '${this.typeName(referent)}' object`);
  const cbArg = args[1];
  const callback = cbArg === undefined || this.value(cbArg).t === 'none' ? undefined : cbArg;
  const wr = this.rt.newWeakref(referent, callback, holder);
  if (!this.values.has(wr)) this.values.set(wr, { t: 'weakref', callback });
  return wr;
};

P.installGcHooks = function (this: Interpreter): void {
  const hooks = this.rt.hooks;
  const internals = this.internals;
  const describe = (fn: ObjectId): string => {
    const v = this.values.get(fn);
    return v?.t === 'function'
      ? `<function ${v.qualname} at 0x${this.rt.object(fn).addr.toString(16)}>`
      : this.repr(fn);
  };
  hooks.runWeakrefCallback = (callback, wr) => {
    try {
      const r = this.callObject(callback, [wr], [], C_TEMP, undefined);
      this.rt.decref(r, C_TEMP);
    } catch (e) {
      if (e instanceof PyRaise) this.reportUnraisable(e, describe(callback));
      else throw e;
    }
  };
  hooks.gcCallbacks = () => {
    const list = this.gcCallbacks;
    if (this.shuttingDown) return [];
    if (list === undefined || !this.rt.isAlive(list)) return [];
    const v = this.values.get(list);
    return v?.t === 'list' ? [...v.items] : [];
  };
  hooks.runGcCallback = (callback, phase, info) => {
    const p = this.newStr(phase, C_TEMP);
    const d = this.newDict(C_TEMP);
    for (const [k, n] of [
      ['generation', info.generation],
      ['collected', info.collected],
      ['uncollectable', info.uncollectable],
    ] as const) {
      this.dictSetStr(d, k, this.newInt(BigInt(n), C_TEMP), C_TEMP, 'move');
    }
    try {
      const r = this.callObject(callback, [p, d], [], C_TEMP, undefined);
      this.rt.decref(r, C_TEMP);
    } catch (e) {
      if (e instanceof PyRaise) this.reportUnraisable(e, describe(callback));
      else throw e;
    } finally {
      this.rt.decref(p, C_TEMP);
      this.rt.decref(d, C_TEMP);
    }
  };
  hooks.saveGarbage = (id) => {
    const garbage = this.gcGarbage;
    if (garbage === undefined) return;
    this.listAppend(garbage, id, C_TEMP, 'copy');
  };
  hooks.debugOutput = (line) => internals.writeErr(line + '\n');
};
