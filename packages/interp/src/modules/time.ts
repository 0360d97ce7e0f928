/*
 * time
 * ====
 * The clocks of Modules/timemodule.c read from the simulated host (./host.ts): by default
 * one deterministic clock, so a run is reproducible; time.sleep moves it on instead of
 * waiting. Each reading returns a new float (or int for the *_ns functions), as CPython's
 * do (_PyTime_AsSecondsDouble, _PyLong_FromTime_t). The time zone is UTC (timezone,
 * altzone 0, daylight 0, tzname ('UTC', 'UTC')).
 *
 * Not here yet: struct_time and the calendar functions (gmtime, localtime, mktime,
 * strftime, asctime, ctime), which need a struct sequence type.
 *
 * Source: Modules/timemodule.c (3.11: time_time, time_time_ns, time_monotonic,
 * time_perf_counter, time_process_time, time_thread_time, time_sleep, time_get_clock_info,
 * init_timezone).
 */
import type { ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP } from '../vm/vm.js';
import { asDouble, methNoArgs, methO } from './args.js';
import { monotonicNs, processTimeNs, sleepNs, wallClockNs } from './host.js';
import type { VM } from '../vm/vm.js';

type Clock = (vm: VM) => bigint;

const seconds = (ns: bigint): number => Number(ns) / 1e9;

/** A clock's float and _ns functions. */
function clock(name: string, read: Clock): Record<string, Native> {
  return {
    [name]: (vm, args, kw, out) => {
      methNoArgs(vm, name, args, kw);
      return vm.newFloat(seconds(read(vm)), out);
    },
    [`${name}_ns`]: (vm, args, kw, out) => {
      methNoArgs(vm, `${name}_ns`, args, kw);
      return vm.newInt(read(vm), out);
    },
  };
}

const CLOCK_INFO: Record<
  string,
  { implementation: string; monotonic: boolean; adjustable: boolean; resolution: number }
> = {
  time: { implementation: 'clock_gettime(CLOCK_REALTIME)', monotonic: false, adjustable: true, resolution: 1e-9 },
  monotonic: { implementation: 'clock_gettime(CLOCK_MONOTONIC)', monotonic: true, adjustable: false, resolution: 1e-9 },
  perf_counter: {
    implementation: 'clock_gettime(CLOCK_MONOTONIC)',
    monotonic: true,
    adjustable: false,
    resolution: 1e-9,
  },
  process_time: {
    implementation: 'clock_gettime(CLOCK_PROCESS_CPUTIME_ID)',
    monotonic: true,
    adjustable: false,
    resolution: 1e-9,
  },
  thread_time: {
    implementation: 'clock_gettime(CLOCK_THREAD_CPUTIME_ID)',
    monotonic: true,
    adjustable: false,
    resolution: 1e-9,
  },
};

const functions: Record<string, Native> = {
  ...clock('time', wallClockNs),
  ...clock('monotonic', monotonicNs),
  ...clock('perf_counter', monotonicNs),
  ...clock('process_time', processTimeNs),
  ...clock('thread_time', processTimeNs),
  sleep: (vm, args, kw, out) => {
    const arg = methO(vm, 'sleep', args, kw);
    const v = vm.value(arg);
    if (v.t !== 'int' && v.t !== 'bool' && v.t !== 'float' && vm.lookupType(v.type, '__float__') === undefined)
      throw vm.typeError(`'${vm.typeName(arg)}' object cannot be interpreted as an integer`);
    const secs = v.t === 'int' ? Number(v.v) : asDouble(vm, arg);
    if (Number.isNaN(secs)) throw vm.pyErr('ValueError', 'Invalid value NaN (not a number)');
    if (secs < 0) throw vm.pyErr('ValueError', 'sleep length must be non-negative');
    sleepNs(vm, BigInt(Math.round(secs * 1e9)));
    return vm.none(out);
  },
  get_clock_info: (vm, args, kw, out) => {
    const nameObj = methO(vm, 'get_clock_info', args, kw);
    const nv = vm.value(nameObj);
    if (nv.t !== 'str') throw vm.typeError(`get_clock_info() argument must be str, not ${vm.typeName(nameObj)}`);
    const info = CLOCK_INFO[nv.v];
    if (info === undefined) throw vm.pyErr('ValueError', 'unknown clock');
    // A types.SimpleNamespace, as time_get_clock_info makes it.
    const types = vm.loadModule('types', C_TEMP);
    try {
      const ns = vm.getAttr(types, 'SimpleNamespace', C_TEMP);
      try {
        const vals: ObjectId[] = [
          vm.newStr(info.implementation, C_TEMP),
          vm.bool(info.monotonic, C_TEMP),
          vm.bool(info.adjustable, C_TEMP),
          vm.newFloat(info.resolution, C_TEMP),
        ];
        try {
          return vm.call(ns, vals, ['implementation', 'monotonic', 'adjustable', 'resolution'], out);
        } finally {
          for (const x of vals) vm.rt.decref(x, C_TEMP);
        }
      } finally {
        vm.rt.decref(ns, C_TEMP);
      }
    } finally {
      vm.rt.decref(types, C_TEMP);
    }
  },
};

registerBuiltinModule('time', (vm, _module, dict) => {
  vm.addFunctions(dict, 'time', functions);
  const set = (name: string, v: ObjectId): void => vm.dictSetStr(dict, name, v, C_TEMP, 'move');
  set('timezone', vm.newInt(0n, C_TEMP));
  set('altzone', vm.newInt(0n, C_TEMP));
  set('daylight', vm.newInt(0n, C_TEMP));
  set('tzname', vm.newTuple([vm.newStr('UTC', C_TEMP), vm.newStr('UTC', C_TEMP)], C_TEMP, C_TEMP));
  for (const [name, v] of [
    ['CLOCK_REALTIME', 0n],
    ['CLOCK_MONOTONIC', 1n],
    ['CLOCK_PROCESS_CPUTIME_ID', 2n],
    ['CLOCK_THREAD_CPUTIME_ID', 3n],
    ['CLOCK_MONOTONIC_RAW', 4n],
    ['CLOCK_BOOTTIME', 7n],
    ['CLOCK_TAI', 11n],
  ] as const)
    set(name, vm.newInt(v, C_TEMP));
});
