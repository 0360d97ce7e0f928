/*
 * _thread
 * =======
 * The low-level threading module for a simulation that runs one thread: locks and
 * re-entrant locks (with CPython's sizes, GC-tracked, and their reprs), the thread's
 * ident, and thread-local objects. Starting a thread is refused with RuntimeError naming
 * why; acquiring a lock the one thread already holds, with no timeout, would wait forever
 * in CPython, so it raises RuntimeError instead (with a timeout it fails after it).
 *
 * Source: Modules/_threadmodule.c (3.11: lock_PyThread_acquire_lock, lock_repr,
 * rlock_acquire, rlock_release, rlock_repr, local_new, thread_PyThread_start_new_thread).
 *
 * Simplifications: a _local keeps one attribute dict (the one thread's), held directly,
 * without CPython's per-thread dummy objects and weak references.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import type { NativeMember } from '../vm/values.js';
import { methods } from '../objects/list.js';
import { floatOf } from '../objects/number.js';
import { cdata, newCObject, parseArgs } from './cobject.js';

/** threading.get_ident() of the one thread the simulation runs. */
export const MAIN_THREAD_IDENT = 140_737_488_355_328n;
/** get_native_id(): the simulated process's one thread id. */
const NATIVE_THREAD_ID = 4242n;
/** PY_TIMEOUT_MAX / 1e6, as a float. */
const TIMEOUT_MAX = 9223372036.0;

interface LockData {
  locked: boolean;
}

interface RLockData {
  owner: bigint;
  count: bigint;
}

const addr = (vm: VM, id: ObjectId): string => `0x${vm.rt.object(id).addr.toString(16)}`;

/** The (blocking, timeout) of acquire(): whether to wait, and for how long (-1: forever). */
function acquireArgs(
  vm: VM,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
): { blocking: boolean; timeout: number } {
  const [b, t] = parseArgs(vm, 'acquire', args.slice(1), kwnames, { names: ['blocking', 'timeout'], required: 0 });
  const blocking = b === undefined ? true : vm.truthy(b);
  let timeout = -1;
  if (t !== undefined) {
    const f = floatOf(vm, t);
    if (f === undefined) throw vm.typeError(`'${vm.typeName(t)}' object cannot be interpreted as an integer`);
    timeout = f;
  }
  if (!blocking && timeout !== -1) throw vm.pyErr('ValueError', "can't specify a timeout for a non-blocking call");
  if (timeout < 0 && timeout !== -1) throw vm.pyErr('ValueError', 'timeout value must be a non-negative number');
  if (timeout > TIMEOUT_MAX) throw vm.pyErr('OverflowError', 'timeout value is too large');
  return { blocking, timeout };
}

/** Waiting for a lock only this thread could release. */
function wouldBlock(vm: VM, blocking: boolean, timeout: number): boolean {
  if (blocking && timeout === -1) {
    throw vm.pyErr(
      'RuntimeError',
      'acquiring a lock the only thread already holds would wait forever (pymemsim runs one thread)',
    );
  }
  return false;
}

const lockMethods: Record<string, Native> = {
  acquire: (vm, args, kwnames, out) => {
    const d = cdata<LockData>(vm, args[0] as ObjectId);
    const { blocking, timeout } = acquireArgs(vm, args, kwnames);
    if (d.locked) return vm.bool(wouldBlock(vm, blocking, timeout), out);
    d.locked = true;
    return vm.bool(true, out);
  },
  release: (vm, args, _kw, out) => {
    const d = cdata<LockData>(vm, args[0] as ObjectId);
    if (!d.locked) throw vm.pyErr('RuntimeError', 'release unlocked lock');
    d.locked = false;
    return vm.none(out);
  },
  locked: (vm, args, _kw, out) => vm.bool(cdata<LockData>(vm, args[0] as ObjectId).locked, out),
  _at_fork_reinit: (vm, args, _kw, out) => {
    cdata<LockData>(vm, args[0] as ObjectId).locked = false;
    return vm.none(out);
  },
};

const lockMembers: Record<string, NativeMember> = methods({
  ...lockMethods,
  acquire_lock: lockMethods.acquire as Native,
  release_lock: lockMethods.release as Native,
  locked_lock: lockMethods.locked as Native,
  __enter__: lockMethods.acquire as Native,
  __exit__: lockMethods.release as Native,
});

function newLock(vm: VM, out: Holder): ObjectId {
  const type = vm.typeByName.get('_thread.lock') as ObjectId;
  return newCObject<LockData>(vm, type, '_thread.lock', 56, { locked: false }, [], out, {
    holdsType: true,
  });
}

const rlockMethods: Record<string, Native> = {
  acquire: (vm, args, kwnames, out) => {
    const d = cdata<RLockData>(vm, args[0] as ObjectId);
    const { blocking, timeout } = acquireArgs(vm, args, kwnames);
    if (d.count > 0n && d.owner === MAIN_THREAD_IDENT) {
      d.count += 1n;
      return vm.bool(true, out);
    }
    if (d.count > 0n) return vm.bool(wouldBlock(vm, blocking, timeout), out);
    d.owner = MAIN_THREAD_IDENT;
    d.count = 1n;
    return vm.bool(true, out);
  },
  release: (vm, args, _kw, out) => {
    const d = cdata<RLockData>(vm, args[0] as ObjectId);
    if (d.count === 0n || d.owner !== MAIN_THREAD_IDENT)
      throw vm.pyErr('RuntimeError', 'cannot release un-acquired lock');
    d.count -= 1n;
    if (d.count === 0n) d.owner = 0n;
    return vm.none(out);
  },
  _is_owned: (vm, args, _kw, out) => {
    const d = cdata<RLockData>(vm, args[0] as ObjectId);
    return vm.bool(d.count > 0n && d.owner === MAIN_THREAD_IDENT, out);
  },
  _release_save: (vm, args, _kw, out) => {
    const d = cdata<RLockData>(vm, args[0] as ObjectId);
    if (d.count === 0n) throw vm.pyErr('RuntimeError', 'cannot release un-acquired lock');
    const saved = vm.newTuple([vm.newInt(d.count, C_TEMP), vm.newInt(d.owner, C_TEMP)], out, C_TEMP);
    d.count = 0n;
    d.owner = 0n;
    return saved;
  },
  _acquire_restore: (vm, args, _kw, out) => {
    const d = cdata<RLockData>(vm, args[0] as ObjectId);
    const state = vm.as(args[1] as ObjectId, 'tuple').items;
    if (d.count > 0n) wouldBlock(vm, true, -1);
    d.count = vm.index(state[0] as ObjectId);
    d.owner = vm.index(state[1] as ObjectId);
    return vm.none(out);
  },
  _at_fork_reinit: (vm, args, _kw, out) => {
    const d = cdata<RLockData>(vm, args[0] as ObjectId);
    d.count = 0n;
    d.owner = 0n;
    return vm.none(out);
  },
};

const rlockMembers: Record<string, NativeMember> = methods({
  ...rlockMethods,
  __enter__: rlockMethods.acquire as Native,
  __exit__: rlockMethods.release as Native,
});

interface LocalData {
  args: ObjectId | undefined;
  kw: ObjectId | undefined;
}

const threadFunctions: Record<string, Native> = {
  allocate_lock: (vm, _a, _k, out) => newLock(vm, out),
  allocate: (vm, _a, _k, out) => newLock(vm, out),
  _set_sentinel: (vm, _a, _k, out) => newLock(vm, out),
  get_ident: (vm, _a, _k, out) => vm.newInt(MAIN_THREAD_IDENT, out),
  get_native_id: (vm, _a, _k, out) => vm.newInt(NATIVE_THREAD_ID, out),
  _count: (vm, _a, _k, out) => vm.newInt(0n, out),
  stack_size: (vm, args, _k, out) => {
    if (args.length > 0 && vm.index(args[0] as ObjectId) !== 0n)
      throw vm.pyErr('RuntimeError', 'setting the thread stack size is not supported (pymemsim runs one thread)');
    return vm.newInt(0n, out);
  },
  start_new_thread: (vm) => {
    throw vm.pyErr('RuntimeError', "can't start new thread: pymemsim runs one thread");
  },
  start_new: (vm) => {
    throw vm.pyErr('RuntimeError', "can't start new thread: pymemsim runs one thread");
  },
  exit: (vm) => {
    throw vm.raiseNew(vm.typeByName.get('SystemExit') as ObjectId, [], C_TEMP);
  },
  exit_thread: (vm) => {
    throw vm.raiseNew(vm.typeByName.get('SystemExit') as ObjectId, [], C_TEMP);
  },
};

registerBuiltinModule('_thread', (vm, _module, dict) => {
  const lock = vm.defineType({
    name: 'lock',
    module: '_thread',
    base: vm.T.object,
    baseType: false,
    slots: {
      repr: (vm2, self) =>
        `<${cdata<LockData>(vm2, self).locked ? 'locked' : 'unlocked'} _thread.lock object at ${addr(vm2, self)}>`,
    },
    members: lockMembers,
  });
  vm.typeValue(lock).hasWeakref = true;
  const rlock = vm.defineType({
    name: 'RLock',
    module: '_thread',
    base: vm.T.object,
    slots: {
      new: (vm2, type, _args, _kw, out) =>
        newCObject<RLockData>(vm2, type, '_thread.RLock', 64, { owner: 0n, count: 0n }, [], out, { holdsType: true }),
      repr: (vm2, self) => {
        const d = cdata<RLockData>(vm2, self);
        const tv = vm2.typeValue(vm2.typeOf(self));
        const name = tv.heap ? tv.qualname : `_thread.${tv.name}`;
        return `<${d.count > 0n ? 'locked' : 'unlocked'} ${name} object owner=${d.owner} count=${d.count} at ${addr(vm2, self)}>`;
      },
    },
    members: rlockMembers,
  });
  vm.typeValue(rlock).hasWeakref = true;
  const local = vm.defineType({
    name: '_local',
    module: '_thread',
    base: vm.T.object,
    hasDict: true,
    slots: {
      new: (vm2, type, args, kwnames, out) => {
        const tv = vm2.typeValue(type);
        if ((args.length > 0 || kwnames !== undefined) && !tv.heap)
          throw vm2.typeError('Initialization arguments are not supported');
        const argsTuple = vm2.newTuple(args, C_TEMP);
        try {
          const obj = newCObject<LocalData>(
            vm2,
            type,
            '_thread._local',
            80,
            { args: argsTuple, kw: undefined },
            ['args'],
            out,
            { holdsType: true },
          );
          const d = vm2.newDict(C_TEMP);
          vm2.value(obj).dict = d;
          vm2.rt.moveToRef(d, C_TEMP, obj, '__dict__');
          return obj;
        } finally {
          vm2.rt.decref(argsTuple, C_TEMP);
        }
      },
    },
    members: { __dict__: vm.instanceGetset('__dict__') },
  });
  vm.typeValue(local).hasWeakref = true;
  vm.dictSetStr(dict, 'LockType', lock, C_TEMP, 'copy');
  vm.dictSetStr(dict, 'RLock', rlock, C_TEMP, 'copy');
  vm.dictSetStr(dict, '_local', local, C_TEMP, 'copy');
  vm.dictSetStr(dict, 'error', vm.typeByName.get('RuntimeError') as ObjectId, C_TEMP, 'copy');
  vm.dictSetStr(dict, 'TIMEOUT_MAX', vm.newFloat(TIMEOUT_MAX, C_TEMP), C_TEMP, 'move');
  vm.addFunctions(dict, '_thread', threadFunctions);
});
