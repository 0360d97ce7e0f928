/*
 * _warnings
 * =========
 * The C half of the warnings machinery: `warn` and `warn_explicit` decide, by the filters
 * (warnings.filters once Lib/warnings.py is imported, else this module's list, which
 * starts with CPython's five default filters), whether a warning is an error, ignored or
 * shown, and remember what was shown in the calling module's `__warningregistry__` (a
 * dict holding (text, category, lineno) keys, cleared when the filters change). Shown
 * warnings go to Lib/warnings.py's `_showwarnmsg` when that module is imported, else
 * straight to stderr as `file:line: Category: message` and the source line indented by
 * two spaces.
 *
 * Source: Python/_warnings.c (3.11: setup_context, warn_explicit, get_filter,
 * already_warned, update_registry, call_show_warning, show_warning, do_warn,
 * warnings_warn_impl, warnings_warn_explicit, init_filters).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import type { Frame } from '../vm/frame.js';
import { parseArgs } from './cobject.js';

/** The module state: the filters list, the once-registry, the default action, the filters' version. */
interface WarningsState {
  filters: ObjectId;
  onceRegistry: ObjectId;
  defaultAction: ObjectId;
  version: bigint;
}

const states = new WeakMap<VM, WarningsState>();
const STATE: Holder = { kind: 'root', name: '_warnings state' };

function state(vm: VM): WarningsState {
  const s = states.get(vm);
  if (s === undefined) throw new Error('_warnings is not initialised');
  return s;
}

/** get_warnings_attr: an attribute of Lib/warnings.py when it is imported. */
function warningsAttr(vm: VM, name: string): ObjectId | undefined {
  const mod = vm.dictGetStr(vm.sysModules, 'warnings');
  if (mod === undefined || vm.value(mod).t !== 'module') return undefined;
  return vm.getAttrOpt(mod, name, C_TEMP);
}

const isInternalFrame = (f: Frame): boolean => {
  const file = f.code.co.filename;
  return file.includes('importlib') && file.includes('_bootstrap');
};

/** setup_context: the frame `stacklevel` up (skipping importlib's), its file, line, module and registry. */
function setupContext(
  vm: VM,
  stacklevel: number,
): { filename: ObjectId; lineno: number; module: ObjectId; registry: ObjectId } {
  let f = vm.frame;
  let level = stacklevel;
  if (level <= 0 || (f !== undefined && isInternalFrame(f))) {
    while (--level > 0 && f !== undefined) f = f.prev;
  } else {
    while (--level > 0 && f !== undefined) {
      do f = f.prev;
      while (f !== undefined && isInternalFrame(f));
    }
  }
  let globals: ObjectId;
  let filename: ObjectId;
  let lineno: number;
  if (f === undefined) {
    const sys = vm.dictGetStr(vm.sysModules, 'sys') as ObjectId;
    globals = vm.as(sys, 'module').dict;
    filename = vm.newStr('sys', C_TEMP);
    lineno = 1;
  } else {
    globals = f.globals;
    filename = vm.newStr(f.code.co.filename, C_TEMP);
    lineno = f.code.lines[f.lasti] ?? 0;
  }
  let registry = vm.dictGetStr(globals, '__warningregistry__');
  if (registry === undefined) {
    const d = vm.newDict(C_TEMP);
    vm.dictSetStr(globals, '__warningregistry__', d, C_TEMP, 'move');
    registry = d;
  }
  vm.rt.incref(registry, C_TEMP);
  const name = vm.dictGetStr(globals, '__name__');
  const module =
    name !== undefined && (name === vm.statics.none || vm.value(name).t === 'str')
      ? vm.ret(name, C_TEMP)
      : vm.newStr('<string>', C_TEMP);
  return { filename, lineno, module, registry };
}

/** check_matched: None matches all, a str exactly, anything else by its match() method. */
function matched(vm: VM, pattern: ObjectId, arg: ObjectId): boolean {
  if (pattern === vm.statics.none) return true;
  const pv = vm.value(pattern);
  if (pv.t === 'str' && pv.type === vm.T.str) return vm.richCompareBool(pattern, arg, '==');
  const r = vm.callMethod(pattern, 'match', [arg], C_TEMP);
  try {
    return vm.truthy(r);
  } finally {
    vm.rt.decref(r, C_TEMP);
  }
}

/** get_filter: the action of the first filter that matches, else the default action (borrowed text). */
function getFilter(
  vm: VM,
  category: ObjectId,
  text: ObjectId,
  lineno: number,
  module: ObjectId,
): { action: string; item: ObjectId | undefined } {
  const st = state(vm);
  const filters = warningsAttr(vm, 'filters') ?? vm.ret(st.filters, C_TEMP);
  try {
    if (vm.value(filters).t !== 'list') throw vm.pyErr('ValueError', '_warnings.filters must be a list');
    for (const item of [...vm.as(filters, 'list').items]) {
      const iv = vm.value(item);
      if (iv.t !== 'tuple' || iv.items.length !== 5)
        throw vm.pyErr(
          'ValueError',
          `_warnings.filters item ${vm.as(filters, 'list').items.indexOf(item)} isn't a 5-tuple`,
        );
      const [action, msg, cat, mod, ln] = iv.items as [ObjectId, ObjectId, ObjectId, ObjectId, ObjectId];
      if (vm.value(action).t !== 'str') throw vm.typeError(`action must be a string, not '${vm.typeName(action)}'`);
      const goodMsg = matched(vm, msg, text);
      const goodMod = matched(vm, mod, module);
      const isSub = vm.objectIsSubclass(category, cat);
      const lnv = vm.index(ln);
      if (goodMsg && isSub && goodMod && (lnv === 0n || BigInt(lineno) === lnv)) {
        return { action: vm.as(action, 'str').v, item };
      }
    }
  } finally {
    vm.rt.decref(filters, C_TEMP);
  }
  const dflt = warningsAttr(vm, 'defaultaction') ?? vm.ret(st.defaultAction, C_TEMP);
  try {
    if (vm.value(dflt).t !== 'str') throw vm.typeError(`action must be a string, not '${vm.typeName(dflt)}'`);
    return { action: vm.as(dflt, 'str').v, item: undefined };
  } finally {
    vm.rt.decref(dflt, C_TEMP);
  }
}

/** already_warned: the key is in the registry (set it when `set`); a stale registry is cleared first. */
function alreadyWarned(vm: VM, registry: ObjectId, key: ObjectId, set: boolean): boolean {
  const st = state(vm);
  const version = vm.dictGetStr(registry, 'version');
  const vv = version === undefined ? undefined : vm.value(version);
  if (vv === undefined || vv.t !== 'int' || vv.type !== vm.T.int || vv.v !== st.version) {
    vm.dictClear(registry);
    vm.dictSetStr(registry, 'version', vm.newInt(st.version, C_TEMP), C_TEMP, 'move');
  } else {
    const already = vm.dictGet(registry, key);
    if (already !== undefined && vm.truthy(already)) return true;
  }
  if (set) vm.dictSet(registry, key, vm.statics.true, C_TEMP, 'copy');
  return false;
}

function updateRegistry(vm: VM, registry: ObjectId, text: ObjectId, category: ObjectId, addZero: boolean): boolean {
  const parts = [vm.ret(text, C_TEMP), vm.ret(category, C_TEMP)];
  if (addZero) parts.push(vm.newInt(0n, C_TEMP));
  const altkey = vm.newTuple(parts, C_TEMP, C_TEMP);
  try {
    return alreadyWarned(vm, registry, altkey, true);
  } finally {
    vm.rt.decref(altkey, C_TEMP);
  }
}

/** show_warning: `file:line: Category: text` and the source line, to sys.stderr. */
function showWarning(
  vm: VM,
  filename: ObjectId,
  lineno: number,
  text: ObjectId,
  category: ObjectId,
  sourceline: ObjectId | undefined,
): void {
  const file = vm.strText(filename);
  const name = vm.getAttr(category, '__name__', C_TEMP);
  let s: string;
  try {
    s = `${file}:${lineno}: ${vm.strText(name)}: ${vm.strText(text)}\n`;
  } finally {
    vm.rt.decref(name, C_TEMP);
  }
  let line: string | undefined;
  if (sourceline !== undefined && sourceline !== vm.statics.none) line = vm.strText(sourceline);
  else line = vm.sources.get(file)?.split('\n')[lineno - 1];
  if (line !== undefined && line.trim() !== '') s += `  ${line.trim()}\n`;
  const stderr = vm.sysAttr('stderr');
  if (stderr === undefined || stderr === vm.statics.none) return;
  vm.writeTo(stderr, s);
}

/** call_show_warning: warnings._showwarnmsg(WarningMessage(...)) when warnings is imported, else show_warning. */
function callShowWarning(
  vm: VM,
  category: ObjectId,
  text: ObjectId,
  message: ObjectId,
  filename: ObjectId,
  lineno: number,
  sourceline: ObjectId | undefined,
  source: ObjectId | undefined,
): void {
  const show = warningsAttr(vm, '_showwarnmsg');
  if (show === undefined) {
    showWarning(vm, filename, lineno, text, category, sourceline);
    return;
  }
  try {
    if (!vm.isCallable(show)) throw vm.typeError('warnings._showwarnmsg() must be set to a callable');
    const cls = warningsAttr(vm, 'WarningMessage');
    if (cls === undefined) throw vm.pyErr('RuntimeError', 'unable to get warnings.WarningMessage');
    try {
      const ln = vm.newInt(BigInt(lineno), C_TEMP);
      let msg: ObjectId;
      try {
        msg = vm.call(
          cls,
          [message, category, filename, ln, vm.statics.none, vm.statics.none, source ?? vm.statics.none],
          undefined,
          C_TEMP,
        );
      } finally {
        vm.rt.decref(ln, C_TEMP);
      }
      try {
        vm.rt.decref(vm.call(show, [msg], undefined, C_TEMP), C_TEMP);
      } finally {
        vm.rt.decref(msg, C_TEMP);
      }
    } finally {
      vm.rt.decref(cls, C_TEMP);
    }
  } finally {
    vm.rt.decref(show, C_TEMP);
  }
}

/** warn_explicit (the core of both functions); raises the warning when the action is "error". */
function warnExplicit(
  vm: VM,
  categoryIn: ObjectId,
  messageIn: ObjectId,
  filename: ObjectId,
  lineno: number,
  moduleIn: ObjectId | undefined,
  registry: ObjectId | undefined,
  sourceline: ObjectId | undefined,
  source: ObjectId | undefined,
): void {
  const held: ObjectId[] = [];
  try {
    let module = moduleIn;
    if (module === undefined) {
      // normalize_module: the file name without ".py".
      const f = vm.strText(filename);
      module = vm.newStr(f.endsWith('.py') ? f.slice(0, -3) : f === '' ? '<unknown>' : f, C_TEMP);
      held.push(module);
    }
    let category = categoryIn;
    let text: ObjectId;
    let message: ObjectId;
    if (vm.objectIsInstance(messageIn, vm.typeByName.get('Warning') as ObjectId)) {
      text = vm.str(messageIn, C_TEMP);
      held.push(text);
      category = vm.typeOf(messageIn);
      message = messageIn;
    } else {
      text = messageIn;
      message = vm.call(category, [messageIn], undefined, C_TEMP);
      held.push(message);
    }
    const key = vm.newTuple(
      [vm.ret(text, C_TEMP), vm.ret(category, C_TEMP), vm.newInt(BigInt(lineno), C_TEMP)],
      C_TEMP,
      C_TEMP,
    );
    held.push(key);
    const useRegistry = registry !== undefined && registry !== vm.statics.none;
    if (useRegistry && alreadyWarned(vm, registry, key, false)) return;
    const { action, item } = getFilter(vm, category, text, lineno, module);
    if (action === 'error') {
      vm.rt.incref(message, C_TEMP);
      throw vm.raiseObject(message, C_TEMP);
    }
    if (action === 'ignore') return;
    let already = false;
    if (action !== 'always') {
      if (useRegistry) vm.dictSet(registry, key, vm.statics.true, C_TEMP, 'copy');
      if (action === 'once') {
        // get_once_registry: warnings.onceregistry when imported (and a dict), else the state's.
        const imported = warningsAttr(vm, 'onceregistry');
        const once =
          imported !== undefined && vm.value(imported).t === 'dict' ? imported : vm.ret(state(vm).onceRegistry, C_TEMP);
        if (imported !== undefined && once !== imported) vm.rt.decref(imported, C_TEMP);
        try {
          already = updateRegistry(vm, once, text, category, false);
        } finally {
          vm.rt.decref(once, C_TEMP);
        }
      } else if (action === 'module') {
        if (useRegistry) already = updateRegistry(vm, registry, text, category, false);
      } else if (action !== 'default') {
        throw vm.pyErr(
          'RuntimeError',
          `Unrecognized action ('${action}') in warnings.filters:\n ${item === undefined ? 'None' : vm.reprText(item)}`,
        );
      }
    }
    if (!already) callShowWarning(vm, category, text, message, filename, lineno, sourceline, source);
  } finally {
    for (const h of held) vm.rt.decref(h, C_TEMP);
  }
}

/** get_category: the category of a warning instance, or the given one (default UserWarning), checked. */
function getCategory(vm: VM, message: ObjectId, category: ObjectId | undefined): ObjectId {
  const warning = vm.typeByName.get('Warning') as ObjectId;
  if (vm.objectIsInstance(message, warning)) return vm.typeOf(message);
  if (category === undefined || category === vm.statics.none) return vm.typeByName.get('UserWarning') as ObjectId;
  if (vm.value(category).t !== 'type' || !vm.isSubtype(category, warning))
    throw vm.typeError(`category must be a Warning subclass, not '${vm.typeName(category)}'`);
  return category;
}

const warningsFunctions: Record<string, Native> = {
  warn: (vm, args, kwnames, out) => {
    const [message, category, stacklevel, source] = parseArgs(vm, 'warn', args, kwnames, {
      names: ['message', 'category', 'stacklevel', 'source'],
      required: 1,
    });
    const cat = getCategory(vm, message as ObjectId, category);
    const level = stacklevel === undefined ? 1 : Number(vm.index(stacklevel));
    const ctx = setupContext(vm, level);
    try {
      warnExplicit(vm, cat, message as ObjectId, ctx.filename, ctx.lineno, ctx.module, ctx.registry, undefined, source);
    } finally {
      vm.rt.decref(ctx.filename, C_TEMP);
      vm.rt.decref(ctx.module, C_TEMP);
      vm.rt.decref(ctx.registry, C_TEMP);
    }
    return vm.none(out);
  },
  warn_explicit: (vm, args, kwnames, out) => {
    const [message, category, filename, lineno, module, registry, moduleGlobals, source] = parseArgs(
      vm,
      'warn_explicit',
      args,
      kwnames,
      {
        names: ['message', 'category', 'filename', 'lineno', 'module', 'registry', 'module_globals', 'source'],
        required: 4,
      },
    );
    if (vm.value(filename as ObjectId).t !== 'str')
      throw vm.typeError(`warn_explicit() argument 'filename' must be str, not ${vm.typeName(filename as ObjectId)}`);
    if (registry !== undefined && registry !== vm.statics.none && vm.value(registry).t !== 'dict')
      throw vm.typeError("'registry' must be a dict or None");
    void moduleGlobals;
    warnExplicit(
      vm,
      category as ObjectId,
      message as ObjectId,
      filename as ObjectId,
      Number(vm.index(lineno as ObjectId)),
      module === vm.statics.none ? undefined : module,
      registry,
      undefined,
      source,
    );
    return vm.none(out);
  },
  _filters_mutated: (vm, _args, _kw, out) => {
    state(vm).version += 1n;
    return vm.none(out);
  },
};

/** init_filters: CPython's default filters (a release build). */
function initFilters(vm: VM, out: Holder): ObjectId {
  const filter = (action: string, category: string, module: string | undefined): ObjectId =>
    vm.newTuple(
      [
        vm.internStr(action, C_TEMP),
        vm.none(C_TEMP),
        vm.ret(vm.typeByName.get(category) as ObjectId, C_TEMP),
        module === undefined ? vm.none(C_TEMP) : vm.internStr(module, C_TEMP),
        vm.newInt(0n, C_TEMP),
      ],
      C_TEMP,
      C_TEMP,
    );
  const items = [
    filter('default', 'DeprecationWarning', '__main__'),
    filter('ignore', 'DeprecationWarning', undefined),
    filter('ignore', 'PendingDeprecationWarning', undefined),
    filter('ignore', 'ImportWarning', undefined),
    filter('ignore', 'ResourceWarning', undefined),
  ];
  return vm.newList(items, out, C_TEMP);
}

registerBuiltinModule('_warnings', (vm, _module, dict) => {
  let st = states.get(vm);
  if (st === undefined) {
    st = {
      filters: initFilters(vm, STATE),
      onceRegistry: vm.newDict(STATE),
      defaultAction: vm.internStr('default', STATE),
      version: 0n,
    };
    states.set(vm, st);
  }
  vm.dictSetStr(dict, 'filters', st.filters, C_TEMP, 'copy');
  vm.dictSetStr(dict, '_onceregistry', st.onceRegistry, C_TEMP, 'copy');
  vm.dictSetStr(dict, '_defaultaction', st.defaultAction, C_TEMP, 'copy');
  vm.addFunctions(dict, '_warnings', warningsFunctions);
});
