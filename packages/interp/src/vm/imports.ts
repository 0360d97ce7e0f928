/*
 * Imports, exec/eval, and the pattern-matching instructions
 * ========================================================
 * IMPORT_NAME / IMPORT_FROM / IMPORT_STAR over `sys.modules` (the module finders are the
 * import system's, imports of the standard library come with it), `exec` and `eval` of
 * source text (compiled by the VM's compiler as a new compilation unit, run with the given
 * namespaces), and MATCH_MAPPING / MATCH_SEQUENCE / MATCH_KEYS / MATCH_CLASS.
 *
 * Source: Python/ceval.c (import_name, import_from, import_all_from, match_keys,
 * match_class), Python/bltinmodule.c (builtin_exec_impl, builtin_eval_impl).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import type { Frame } from './frame.js';
import { C_TEMP, PyRaise, VM } from './vm.js';
import { kwarg, npos } from './native.js';

declare module './vm.js' {
  interface VM {
    importName(frame: Frame, name: string, fromlist: ObjectId, level: ObjectId, out: Holder): ObjectId;
    importFrom(module: ObjectId, name: string, out: Holder): ObjectId;
    importStar(frame: Frame, module: ObjectId): void;
    /** Import `name` (absolute): the module (for `import a.b`, the top package unless `fromlist`). */
    importModule(name: string, level: number, globals: ObjectId | undefined, fromlist: boolean, out: Holder): ObjectId;
    /** Find or load a module by its full name: a new reference owned by `out`. */
    loadModule(fullname: string, out: Holder): ObjectId;
    matchFlags(subject: ObjectId): 'mapping' | 'sequence' | undefined;
    matchKeys(subject: ObjectId, keys: ObjectId, out: Holder): ObjectId;
    matchClass(subject: ObjectId, type: ObjectId, count: number, kwnames: ObjectId, out: Holder): ObjectId;
  }
}

const P = VM.prototype;

/** The absolute name of a relative import (resolve_name in importlib). */
function resolveName(vm: VM, name: string, level: number, globals: ObjectId | undefined): string {
  if (level === 0) return name;
  const pkgObj = globals === undefined ? undefined : vm.dictGetStr(globals, '__package__');
  let pkg = pkgObj !== undefined && vm.value(pkgObj).t === 'str' ? vm.as(pkgObj, 'str').v : undefined;
  if (pkg === undefined && globals !== undefined) {
    const n = vm.dictGetStr(globals, '__name__');
    const nameText = n !== undefined && vm.value(n).t === 'str' ? vm.as(n, 'str').v : '';
    const isPkg = vm.dictGetStr(globals, '__path__') !== undefined;
    pkg = isPkg ? nameText : nameText.split('.').slice(0, -1).join('.');
  }
  if (pkg === undefined || pkg === '')
    throw vm.pyErr('ImportError', 'attempted relative import with no known parent package');
  const parts = pkg.split('.');
  if (level - 1 >= parts.length) throw vm.pyErr('ImportError', 'attempted relative import beyond top-level package');
  const base = parts.slice(0, parts.length - (level - 1)).join('.');
  return name === '' ? base : `${base}.${name}`;
}

P.importModule = function (this: VM, name, level, globals, fromlist, out) {
  const full = resolveName(this, name, level, globals);
  const parts = full.split('.');
  // Each package on the way is imported first (importlib's _find_and_load_unlocked).
  let mod: ObjectId | undefined;
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('.');
    const m = this.loadModule(sub, C_TEMP);
    if (mod !== undefined) this.rt.decref(mod, C_TEMP);
    mod = m;
  }
  const last = mod as ObjectId;
  if (fromlist || parts.length === 1 || level > 0) {
    this.rt.move(last, C_TEMP, out);
    return last;
  }
  this.rt.decref(last, C_TEMP);
  const top = this.dictGetStr(this.sysModules, parts[0] as string);
  if (top === undefined) throw this.pyErr('KeyError', parts[0]);
  return this.ret(top, out);
};

P.loadModule = function (this: VM, fullname, out) {
  const found = this.dictGetStr(this.sysModules, fullname);
  if (found !== undefined && found !== this.statics.none) return this.ret(found, out);
  const loaded = this.findAndLoad(fullname, out);
  if (loaded !== undefined) return loaded;
  const err = this.pyErr('ModuleNotFoundError', `No module named '${fullname}'`);
  this.setInstanceAttr(err.exc, 'name', this.newStr(fullname, C_TEMP), C_TEMP, 'move');
  throw err;
};

declare module './vm.js' {
  interface VM {
    /** The module finders (importlib.ts): a new module, executed and in sys.modules, or undefined when none finds it. */
    findAndLoad(fullname: string, out: Holder): ObjectId | undefined;
  }
}

P.importName = function (this: VM, frame, name, fromlist, level, out) {
  const lv = Number(this.index(level));
  const hasFromlist = fromlist !== this.statics.none && this.truthy(fromlist);
  const imp = this.dictGetStr(frame.builtins, '__import__');
  if (imp !== undefined && this.value(imp).t !== 'builtin') {
    // A replaced __import__ is called as Python code does.
    const n = this.newStr(name, C_TEMP);
    try {
      return this.call(
        imp,
        [n, frame.globals, frame.locals !== 0 ? frame.locals : this.statics.none, fromlist, level],
        undefined,
        out,
      );
    } finally {
      this.rt.decref(n, C_TEMP);
    }
  }
  return this.importModule(name, lv, frame.globals, hasFromlist, out);
};

P.importFrom = function (this: VM, module, name, out) {
  const r = this.getAttrOpt(module, name, out);
  if (r !== undefined) return r;
  // A submodule not yet bound as an attribute: sys.modules['pkg.name'].
  const pkgName = this.getAttrOpt(module, '__name__', C_TEMP);
  if (pkgName !== undefined) {
    const full = `${this.strText(pkgName)}.${name}`;
    this.rt.decref(pkgName, C_TEMP);
    const sub = this.dictGetStr(this.sysModules, full);
    if (sub !== undefined) return this.ret(sub, out);
  }
  const modName = this.value(module).t === 'module' ? this.as(module, 'module').name : '<unknown module name>';
  const file =
    this.value(module).t === 'module' ? this.dictGetStr(this.as(module, 'module').dict, '__file__') : undefined;
  const where = file !== undefined && this.value(file).t === 'str' ? this.as(file, 'str').v : 'unknown location';
  const err = this.pyErr('ImportError', `cannot import name '${name}' from '${modName}' (${where})`);
  this.setInstanceAttr(err.exc, 'name', this.newStr(modName, C_TEMP), C_TEMP, 'move');
  throw err;
};

P.importStar = function (this: VM, frame, module) {
  const ns = frame.locals;
  if (ns === 0) throw this.pyErr('SystemError', "no locals found during 'import *'");
  const all = this.getAttrOpt(module, '__all__', C_TEMP);
  let names: ObjectId[];
  let skipPrivate = false;
  if (all !== undefined) {
    names = this.iterateToArray(all, C_TEMP);
    this.rt.decref(all, C_TEMP);
  } else {
    const d = this.getAttrOpt(module, '__dict__', C_TEMP);
    if (d === undefined) throw this.pyErr('ImportError', 'from-import-* object has no __dict__ and no __all__');
    names = this.dictEntries(d).map((e) => this.ret(e.key, C_TEMP));
    this.rt.decref(d, C_TEMP);
    skipPrivate = true;
  }
  try {
    for (const n of names) {
      const nv = this.value(n);
      if (nv.t !== 'str')
        throw this.typeError(
          `${skipPrivate ? 'Key in __dict__' : 'Item in __all__'} must be str, not ${this.typeName(n)}`,
        );
      if (skipPrivate && nv.v.startsWith('_')) continue;
      const v = this.getAttr(module, nv.v, C_TEMP);
      try {
        this.mappingSetStr(ns, nv.v, v);
      } finally {
        this.rt.decref(v, C_TEMP);
      }
    }
  } finally {
    for (const n of names) this.rt.decref(n, C_TEMP);
  }
};

P.importModuleByName = function (this: VM, name) {
  return this.importModule(name, 0, undefined, true, C_TEMP);
};

P.importBuiltin = function (this: VM, args, kwnames, out) {
  const n = npos(args, kwnames);
  const name = n > 0 ? args[0] : kwarg(args, kwnames, 'name');
  if (name === undefined || this.value(name).t !== 'str') throw this.typeError('__import__() argument 1 must be str');
  const globals = n > 1 ? args[1] : kwarg(args, kwnames, 'globals');
  const fromlist = n > 3 ? args[3] : kwarg(args, kwnames, 'fromlist');
  const level = n > 4 ? args[4] : kwarg(args, kwnames, 'level');
  const lv = level === undefined ? 0 : Number(this.index(level));
  const g = globals !== undefined && this.value(globals).t === 'dict' ? globals : undefined;
  const hasFromlist = fromlist !== undefined && fromlist !== this.statics.none && this.truthy(fromlist);
  return this.importModule(this.as(name, 'str').v, lv, g, hasFromlist, out);
};

// ---------------------------------------------------------------------------------
// exec and eval

P.execOrEval = function (this: VM, which, args, kwnames, out) {
  const n = npos(args, kwnames);
  const src = args[0];
  if (src === undefined) throw this.typeError(`${which} expected at least 1 argument, got 0`);
  let globals = n > 1 ? args[1] : kwarg(args, kwnames, 'globals');
  let locals = n > 2 ? args[2] : kwarg(args, kwnames, 'locals');
  if (globals === this.statics.none) globals = undefined;
  if (locals === this.statics.none) locals = undefined;
  const frame = this.frame;
  if (globals === undefined) {
    if (frame === undefined) throw this.pyErr('SystemError', `${which}(): no current frame`);
    globals = frame.globals;
    if (locals === undefined) locals = frame.locals !== 0 ? frame.locals : undefined;
    if (locals === undefined) {
      const d = this.localsDict(C_TEMP);
      this.rt.decref(d, C_TEMP);
      locals = d;
    }
  } else if (this.value(globals).t !== 'dict') {
    throw this.typeError(`${which}() globals must be a dict, not ${this.typeName(globals)}`);
  }
  locals ??= globals;
  if (this.dictGetStr(globals, '__builtins__') === undefined) {
    this.dictSetStr(globals, '__builtins__', this.builtinsModule, C_TEMP, 'copy');
  }
  const sv = this.value(src);
  let codeId: ObjectId;
  if (sv.t === 'code') codeId = this.ret(src, C_TEMP);
  else {
    let text: string;
    if (sv.t === 'str') text = sv.v;
    else if (sv.t === 'bytes') text = new TextDecoder().decode(sv.v);
    else throw this.typeError(`${which}() arg 1 must be a string, bytes or code object`);
    if (which === 'eval') text = text.replace(/^[ \t]+/, '');
    codeId = this.compileToCode(text, '<string>', which, C_TEMP);
  }
  try {
    const fn = this.newFunction(codeId, globals, C_TEMP);
    try {
      const r = this.runCode(fn, locals, out);
      if (which === 'exec') {
        this.rt.decref(r, out);
        return this.none(out);
      }
      return r;
    } finally {
      this.rt.decref(fn, C_TEMP);
    }
  } finally {
    this.rt.decref(codeId, C_TEMP);
  }
};

declare module './vm.js' {
  interface VM {
    /** Compile source text with the VM's compiler: a new code object (SyntaxError raised). */
    compileToCode(text: string, filename: string, mode: 'exec' | 'eval' | 'single', out: Holder): ObjectId;
  }
}

P.compileToCode = function (this: VM, text, filename, mode, out) {
  const compile = this.compiler;
  if (compile === undefined) throw this.pyErr('SystemError', 'no compiler');
  const r = compile(text, filename, mode);
  if (r.code === undefined) {
    const e = r.error;
    if (e === undefined) throw this.pyErr('SyntaxError', r.diagnostics[0]?.message ?? 'invalid syntax');
    // SyntaxError(msg, (filename, lineno, offset, text, end_lineno, end_offset)).
    const int = (n: number): ObjectId => this.newInt(BigInt(n), C_TEMP);
    const info = this.newTuple(
      [
        this.newStr(e.filename, C_TEMP),
        int(e.lineno),
        int(e.offset),
        e.text === undefined ? this.ret(this.statics.none, C_TEMP) : this.newStr(e.text, C_TEMP),
        int(e.endLineno),
        int(e.endOffset),
      ],
      C_TEMP,
      C_TEMP,
    );
    const cls = this.typeByName.get(e.cls) ?? (this.typeByName.get('SyntaxError') as ObjectId);
    throw this.raiseNew(cls, [this.newStr(e.msg, C_TEMP), info], C_TEMP);
  }
  this.sources.set(filename, text);
  return this.makeCode(r.code, out);
};

P.compileBuiltin = function (this: VM, args, kwnames, out) {
  const n = npos(args, kwnames);
  const src = n > 0 ? args[0] : kwarg(args, kwnames, 'source');
  const file = n > 1 ? args[1] : kwarg(args, kwnames, 'filename');
  const mode = n > 2 ? args[2] : kwarg(args, kwnames, 'mode');
  if (src === undefined || file === undefined || mode === undefined)
    throw this.typeError('compile() missing required argument');
  const sv = this.value(src);
  const text = sv.t === 'str' ? sv.v : sv.t === 'bytes' ? new TextDecoder().decode(sv.v) : undefined;
  if (text === undefined) throw this.typeError('compile() arg 1 must be a string, bytes or AST object');
  const m = this.strText(mode);
  if (m !== 'exec' && m !== 'eval' && m !== 'single')
    throw this.pyErr('ValueError', "compile() mode must be 'exec', 'eval' or 'single'");
  return this.compileToCode(text, this.strText(file), m, out);
};

// ---------------------------------------------------------------------------------
// Pattern matching

P.matchFlags = function (this: VM, subject) {
  const v = this.value(subject);
  const tv = this.typeValue(v.type);
  const bases = tv.mro.map((t) => this.typeValue(t).name);
  if (v.t === 'dict' || bases.includes('dict')) return 'mapping';
  if (v.t === 'str' || v.t === 'bytes' || v.t === 'bytearray') return undefined;
  if (v.t === 'list' || v.t === 'tuple' || v.t === 'range' || bases.includes('list') || bases.includes('tuple'))
    return 'sequence';
  // Classes registered with collections.abc set Py_TPFLAGS_MAPPING / SEQUENCE.
  const flags = (tv as { matchFlag?: 'mapping' | 'sequence' }).matchFlag;
  for (const t of tv.mro) {
    const f = (this.typeValue(t) as { matchFlag?: 'mapping' | 'sequence' }).matchFlag;
    if (f !== undefined) return f;
  }
  return flags;
};

P.matchKeys = function (this: VM, subject, keys, out) {
  const keyItems = this.as(keys, 'tuple').items;
  if (keyItems.length === 0) return this.newTuple([], out);
  const get = this.getAttr(subject, 'get', C_TEMP);
  const dummy = this.newList([], C_TEMP);
  const values: ObjectId[] = [];
  try {
    const seen: ObjectId[] = [];
    for (const k of keyItems) {
      if (seen.some((s) => this.richCompareBool(s, k, '=='))) {
        throw this.pyErr('ValueError', `mapping pattern checks duplicate key (${this.reprText(k)})`);
      }
      seen.push(k);
      const v = this.call(get, [k, dummy], undefined, C_TEMP);
      if (v === dummy) {
        this.rt.decref(v, C_TEMP);
        for (const x of values) this.rt.decref(x, C_TEMP);
        return this.none(out);
      }
      values.push(v);
    }
    return this.newTuple(values, out, C_TEMP);
  } finally {
    this.rt.decref(get, C_TEMP);
    this.rt.decref(dummy, C_TEMP);
  }
};

P.matchClass = function (this: VM, subject, type, count, kwnames, out) {
  if (this.value(type).t !== 'type') throw this.typeError('called match pattern must be a type');
  if (!this.objectIsInstance(subject, type)) return this.none(out);
  const attrs: ObjectId[] = [];
  const seen = new Set<string>();
  const getAttrFor = (name: string): ObjectId | undefined => {
    if (seen.has(name))
      throw this.typeError(`${this.typeValue(type).name}() got multiple sub-patterns for attribute '${name}'`);
    seen.add(name);
    return this.getAttrOpt(subject, name, C_TEMP);
  };
  try {
    if (count > 0) {
      const matchArgs = this.getAttrOpt(type, '__match_args__', C_TEMP);
      const selfMatch = [
        'bool',
        'bytearray',
        'bytes',
        'dict',
        'float',
        'frozenset',
        'int',
        'list',
        'set',
        'str',
        'tuple',
      ].some(
        (n) =>
          this.isSubtype(type, this.typeByName.get(n) as ObjectId) && this.typeValue(this.builtinBase(type)).name === n,
      );
      if (matchArgs === undefined) {
        if (!selfMatch)
          throw this.typeError(`${this.typeValue(type).name}() accepts 0 positional sub-patterns (${count} given)`);
        if (count > 1)
          throw this.typeError(`${this.typeValue(type).name}() accepts 1 positional sub-pattern (${count} given)`);
        attrs.push(this.ret(subject, C_TEMP));
      } else {
        try {
          const names = this.as(matchArgs, 'tuple').items;
          if (count > names.length) {
            throw this.typeError(
              `${this.typeValue(type).name}() accepts ${names.length} positional sub-pattern${names.length === 1 ? '' : 's'} (${count} given)`,
            );
          }
          for (let i = 0; i < count; i++) {
            const n = this.value(names[i] as ObjectId);
            if (n.t !== 'str')
              throw this.typeError(
                `__match_args__ elements must be strings (got ${this.typeName(names[i] as ObjectId)})`,
              );
            const a = getAttrFor(n.v);
            if (a === undefined) {
              for (const x of attrs) this.rt.decref(x, C_TEMP);
              return this.none(out);
            }
            attrs.push(a);
          }
        } finally {
          this.rt.decref(matchArgs, C_TEMP);
        }
      }
    }
    for (const k of this.as(kwnames, 'tuple').items) {
      const a = getAttrFor(this.as(k, 'str').v);
      if (a === undefined) {
        for (const x of attrs) this.rt.decref(x, C_TEMP);
        return this.none(out);
      }
      attrs.push(a);
    }
    return this.newTuple(attrs, out, C_TEMP);
  } catch (e) {
    if (e instanceof PyRaise) for (const x of attrs) if (this.rt.isAlive(x)) void 0;
    throw e;
  }
};
