/*
 * _imp
 * ====
 * The import machinery's C half, as far as CPython's own importlib package needs it when
 * it is imported (`import importlib` sets up importlib._bootstrap with `_setup(sys, _imp)`,
 * then inspect, dataclasses and pkgutil use importlib.machinery): which modules are built
 * in, creating one, extension suffixes, the import lock. The simulation's imports do not
 * go through importlib (vm/importlib.ts does the work of _bootstrap's find and load), so
 * this is the surface, not the engine: no module is frozen, extensions cannot be loaded,
 * and source_hash is not offered.
 *
 * Source: Python/import.c (3.11: _imp_is_builtin, _imp_create_builtin, _imp_exec_builtin,
 * _imp_extension_suffixes, _imp_lock_held, _imp_acquire_lock, _imp_release_lock,
 * _imp__fix_co_filename, _imp_is_frozen, _imp_find_frozen).
 */
import type { ObjectId } from '@pymemsim/core';
import { builtinModuleNames, registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { npos } from '../vm/native.js';
import { C_TEMP, type VM } from '../vm/vm.js';

/** What `_imp.extension_suffixes()` gives on CPython 3.11 for Linux x86-64. */
const EXTENSION_SUFFIXES = ['.cpython-311-x86_64-linux-gnu.so', '.abi3.so', '.so'];

function arg(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  n: number,
): ObjectId[] {
  const given = npos(args, kwnames);
  if (given !== n) {
    throw vm.typeError(`${name}() takes exactly ${n} argument${n === 1 ? '' : 's'} (${given} given)`);
  }
  return args.slice(0, n);
}

const isBuiltinName = (name: string): boolean => ['sys', 'builtins', ...builtinModuleNames()].includes(name);

const impFunctions: Record<string, Native> = {
  // 1 for a built-in module, -1 for one that cannot be initialised again (sys, builtins), 0 otherwise.
  is_builtin: (vm, args, kwnames, out) => {
    const [name] = arg(vm, 'is_builtin', args, kwnames, 1) as [ObjectId];
    const n = vm.strText(name);
    return vm.newInt(n === 'sys' || n === 'builtins' ? -1n : isBuiltinName(n) ? 1n : 0n, out);
  },
  // The module of spec.name: the one already made, else made now.
  create_builtin: (vm, args, kwnames, out) => {
    const [spec] = arg(vm, 'create_builtin', args, kwnames, 1) as [ObjectId];
    const nameObj = vm.getAttr(spec, 'name', C_TEMP);
    const name = vm.strText(nameObj);
    vm.rt.decref(nameObj, C_TEMP);
    const existing = vm.dictGetStr(vm.sysModules, name);
    if (existing !== undefined) return vm.ret(existing, out);
    if (!isBuiltinName(name)) throw vm.pyErr('ImportError', `no built-in module named ${name}`);
    const mod = vm.findAndLoad(name, out);
    if (mod === undefined) throw vm.pyErr('ImportError', `no built-in module named ${name}`);
    return mod;
  },
  exec_builtin: (vm, args, kwnames, out) => {
    arg(vm, 'exec_builtin', args, kwnames, 1);
    return vm.newInt(0n, out);
  },
  is_frozen: (vm, args, kwnames, out) => {
    arg(vm, 'is_frozen', args, kwnames, 1);
    return vm.bool(false, out);
  },
  find_frozen: (vm, _args, _kwnames, out) => vm.none(out),
  is_frozen_package: (vm, args) => {
    const [name] = args as [ObjectId];
    throw vm.pyErr('ImportError', `No such frozen object named ${vm.reprText(name)}`);
  },
  get_frozen_object: (vm, args) => {
    const [name] = args as [ObjectId];
    throw vm.pyErr('ImportError', `No such frozen object named ${vm.reprText(name)}`);
  },
  init_frozen: (vm, _args, _kwnames, out) => vm.none(out),
  _frozen_module_names: (vm, _args, _kwnames, out) => vm.newTuple([], out),
  extension_suffixes: (vm, args, kwnames, out) => {
    arg(vm, 'extension_suffixes', args, kwnames, 0);
    return vm.newList(
      EXTENSION_SUFFIXES.map((s) => vm.newStr(s, C_TEMP)),
      out,
      C_TEMP,
    );
  },
  create_dynamic: (vm) => {
    throw vm.pyErr('ImportError', 'pymemsim does not load extension modules');
  },
  exec_dynamic: (vm, _args, _kwnames, out) => vm.newInt(0n, out),
  lock_held: (vm, _args, _kwnames, out) => vm.bool(false, out),
  acquire_lock: (vm, _args, _kwnames, out) => vm.none(out),
  release_lock: (vm, _args, _kwnames, out) => vm.none(out),
  _fix_co_filename: (vm, args, kwnames, out) => {
    arg(vm, '_fix_co_filename', args, kwnames, 2);
    return vm.none(out);
  },
};

registerBuiltinModule('_imp', (vm, _module, dict) => {
  vm.addFunctions(dict, '_imp', impFunctions);
  vm.dictSetStr(dict, 'check_hash_based_pycs', vm.internStr('default', C_TEMP), C_TEMP, 'move');
});
