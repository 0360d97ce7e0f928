/*
 * The import system
 * =================
 * What importlib does for `import a.b.c`, simulated: `sys.modules` first; then the
 * built-in (C) modules simulated in TypeScript (../modules); then Python source found by
 * the finders the VM was given (the program's own folder, then CPython's Lib: the
 * standard library is CPython's own Python code, run on the VM like the program). A
 * module found as source becomes a module object entered in `sys.modules` before its code
 * runs (so circular imports see it), its code compiled by the VM's compiler and run with
 * the module's dict as globals, in a frame of its own (visible in traces and the
 * debugger with the module's file name); a failure removes it again. A submodule is bound
 * as an attribute of its parent package.
 *
 * Source: Lib/importlib/_bootstrap.py (_find_and_load_unlocked, _load_unlocked,
 * _handle_fromlist, module_from_spec, _init_module_attrs), _bootstrap_external.py
 * (SourceFileLoader, FileFinder), Python/import.c.
 *
 * Simplifications: the finders and loaders are TypeScript, not importlib's Python code, so
 * an import allocates the module, its dict and what its code makes, but not importlib's
 * own temporaries (ModuleSpec objects, path caches); `__spec__` and `__loader__` are None;
 * modules are compiled from source on every import (no .pyc cache).
 */
import type { ObjectId } from '@pymemsim/core';
import { unzipSync } from 'fflate';
import { C_TEMP, PyRaise, VM } from './vm.js';

/** A Python module's source, found by a finder. */
export interface FoundSource {
  /** The file name code objects and tracebacks show. */
  readonly file: string;
  readonly text: string;
  /** A package (`__init__.py`): its submodules are searched under `searchPath`. */
  readonly isPackage: boolean;
  readonly searchPath: string;
}

/** Finds a module by full name: `parent` is the package's search path for a submodule. */
export interface ModuleFinder {
  find(fullname: string, parent: string | undefined): FoundSource | undefined;
}

/** A built-in module: made by TypeScript when first imported (its PyInit function). */
export type BuiltinModuleInit = (vm: VM, module: ObjectId, dict: ObjectId) => void;

const builtinModules = new Map<string, BuiltinModuleInit>();

/** Register a C module simulated in TypeScript. */
export function registerBuiltinModule(name: string, init: BuiltinModuleInit): void {
  builtinModules.set(name, init);
}

export function builtinModuleNames(): string[] {
  return [...builtinModules.keys()];
}

/** Modules that need what the simulation does not have: refused with the reason. */
const REFUSED: Record<string, string> = {
  socket: 'sockets',
  _socket: 'sockets',
  ssl: 'sockets',
  _ssl: 'sockets',
  select: 'file descriptors',
  selectors: 'file descriptors',
  subprocess: 'subprocesses',
  _posixsubprocess: 'subprocesses',
  multiprocessing: 'processes',
  _multiprocessing: 'processes',
  asyncio: 'an event loop over sockets and threads',
  ctypes: 'native libraries',
  _ctypes: 'native libraries',
  mmap: 'memory-mapped files',
  sqlite3: 'native libraries',
  _sqlite3: 'native libraries',
  tkinter: 'a display',
  _tkinter: 'a display',
  curses: 'a terminal',
  _curses: 'a terminal',
  readline: 'a terminal',
};

/** Source files in a zip archive (CPython's Lib as python_stdlib.zip), read lazily. */
export function zipFinder(zip: Uint8Array, prefix = '<stdlib>'): ModuleFinder {
  let names: Set<string> | undefined;
  const cache = new Map<string, string>();
  const list = (): Set<string> => {
    if (names === undefined) {
      names = new Set();
      // The central directory only: filter rejects every entry, so nothing is inflated.
      unzipSync(zip, {
        filter: (f) => {
          names?.add(f.name);
          return false;
        },
      });
    }
    return names;
  };
  const read = (name: string): string => {
    let text = cache.get(name);
    if (text === undefined) {
      const out = unzipSync(zip, { filter: (f) => f.name === name });
      const bytes = out[name];
      text = bytes === undefined ? '' : new TextDecoder().decode(bytes);
      cache.set(name, text);
    }
    return text;
  };
  return {
    find(fullname, parent) {
      const all = list();
      const base = parent ?? '';
      const leaf = fullname.split('.').at(-1) as string;
      const dir = base === '' ? leaf : `${base}/${leaf}`;
      const init = `${dir}/__init__.py`;
      if (all.has(init)) return { file: `${prefix}/${init}`, text: read(init), isPackage: true, searchPath: dir };
      const mod = `${dir}.py`;
      if (all.has(mod)) return { file: `${prefix}/${mod}`, text: read(mod), isPackage: false, searchPath: base };
      return undefined;
    },
  };
}

/** Source files read by `readFile` under a folder (the program's folder, or --stdlib DIR). */
export function folderFinder(folder: string, readFile: (path: string) => string | undefined): ModuleFinder {
  return {
    find(fullname, parent) {
      const base = parent ?? folder;
      const leaf = fullname.split('.').at(-1) as string;
      const dir = `${base}/${leaf}`;
      const init = readFile(`${dir}/__init__.py`);
      if (init !== undefined) return { file: `${dir}/__init__.py`, text: init, isPackage: true, searchPath: dir };
      const text = readFile(`${dir}.py`);
      if (text !== undefined) return { file: `${dir}.py`, text, isPackage: false, searchPath: base };
      return undefined;
    },
  };
}

declare module './vm.js' {
  interface VM {
    /** The finders of Python source, in order. */
    finders: ModuleFinder[];
    /** The search path of each package imported from source (its __path__). */
    packagePaths: Map<string, string>;
  }
}

const P = VM.prototype;

P.findAndLoad = function (this: VM, fullname, out) {
  const builtin = builtinModules.get(fullname);
  if (builtin !== undefined) {
    const mod = this.newModule(fullname, C_TEMP);
    this.dictSetStr(this.sysModules, fullname, mod, C_TEMP, 'copy');
    try {
      builtin(this, mod, this.as(mod, 'module').dict);
    } catch (e) {
      this.dictDelStr(this.sysModules, fullname);
      this.rt.decref(mod, C_TEMP);
      throw e;
    }
    bindInParent(this, fullname, mod);
    this.rt.move(mod, C_TEMP, out);
    return mod;
  }
  const refused = REFUSED[fullname.split('.')[0] as string];
  if (refused !== undefined) {
    const err = this.pyErr(
      'ModuleNotFoundError',
      `No module named '${fullname}' (pymemsim does not simulate ${refused})`,
    );
    this.setInstanceAttr(err.exc, 'name', this.newStr(fullname, C_TEMP), C_TEMP, 'move');
    throw err;
  }
  const dot = fullname.lastIndexOf('.');
  const parentName = dot < 0 ? undefined : fullname.slice(0, dot);
  const parentPath = parentName === undefined ? undefined : this.packagePaths.get(parentName);
  if (parentName !== undefined && parentPath === undefined) return undefined;
  for (const finder of this.finders) {
    const found = finder.find(fullname, parentPath);
    if (found !== undefined) return loadSource(this, fullname, found, out);
  }
  return undefined;
};

function bindInParent(vm: VM, fullname: string, mod: ObjectId): void {
  const dot = fullname.lastIndexOf('.');
  if (dot < 0) return;
  const parent = vm.dictGetStr(vm.sysModules, fullname.slice(0, dot));
  if (parent === undefined) return;
  try {
    vm.setAttr(parent, fullname.slice(dot + 1), mod);
  } catch (e) {
    if (e instanceof PyRaise) vm.clearRaise(e);
    else throw e;
  }
}

/** _load_unlocked: the module object in sys.modules, then its code run in its dict. */
function loadSource(vm: VM, fullname: string, found: FoundSource, out: Parameters<VM['loadModule']>[1]): ObjectId {
  const mod = vm.newModule(fullname, C_TEMP);
  const dict = vm.as(mod, 'module').dict;
  const set = (name: string, v: ObjectId): void => vm.dictSetStr(dict, name, v, C_TEMP, 'move');
  set('__file__', vm.newStr(found.file, C_TEMP));
  set('__cached__', vm.none(C_TEMP));
  set('__builtins__', vm.ret(vm.builtinsModule, C_TEMP));
  const pkg = found.isPackage ? fullname : fullname.slice(0, Math.max(0, fullname.lastIndexOf('.')));
  set('__package__', vm.newStr(pkg, C_TEMP));
  if (found.isPackage) {
    set('__path__', vm.newList([vm.newStr(found.searchPath, C_TEMP)], C_TEMP, C_TEMP));
    vm.packagePaths.set(fullname, found.searchPath);
  }
  vm.dictSetStr(vm.sysModules, fullname, mod, C_TEMP, 'copy');
  try {
    const code = vm.compileToCode(found.text, found.file, 'exec', C_TEMP);
    try {
      const fn = vm.newFunction(code, dict, C_TEMP);
      try {
        vm.rt.decref(vm.runCode(fn, dict, C_TEMP), C_TEMP);
      } finally {
        vm.rt.decref(fn, C_TEMP);
      }
    } finally {
      vm.rt.decref(code, C_TEMP);
    }
  } catch (e) {
    if (vm.dictGetStr(vm.sysModules, fullname) !== undefined) vm.dictDelStr(vm.sysModules, fullname);
    vm.rt.decref(mod, C_TEMP);
    throw e;
  }
  vm.rt.decref(mod, C_TEMP);
  // The module may have replaced itself in sys.modules.
  const final = vm.dictGetStr(vm.sysModules, fullname);
  if (final === undefined) throw vm.pyErr('ImportError', `Loaded module ${fullname} not found in sys.modules`);
  bindInParent(vm, fullname, final);
  return vm.ret(final, out);
}

Object.defineProperty(P, 'finders', {
  get(this: VM & { _finders?: ModuleFinder[] }) {
    return (this._finders ??= []);
  },
  set(this: VM & { _finders?: ModuleFinder[] }, v: ModuleFinder[]) {
    this._finders = v;
  },
});
Object.defineProperty(P, 'packagePaths', {
  get(this: VM & { _packagePaths?: Map<string, string> }) {
    return (this._packagePaths ??= new Map());
  },
});
