/*
 * _codecs
 * =======
 * The codec registry under `codecs`: the list of search functions (the `encodings`
 * package registers its own when first needed, as _PyCodecRegistry_Init imports it),
 * the cache of CodecInfo tuples by normalized name, and the registry of error handlers
 * with the built-in ones (strict, ignore, replace). encode() and decode() go through the
 * registry; the UTF-8, ASCII and Latin-1 functions the `encodings` modules call are
 * str.encode and bytes.decode, returning (result, length consumed) as CPython's do.
 *
 * The registry lists and dicts are the interpreter's in CPython (interp->codec_search_path,
 * codec_search_cache, codec_error_registry); here the module object holds them.
 *
 * Source: Modules/_codecsmodule.c (3.11), Python/codecs.c (PyCodec_Register,
 * normalizestring, _PyCodec_Lookup, PyCodec_Encode/Decode, PyCodec_LookupError,
 * PyCodec_StrictErrors, PyCodec_IgnoreErrors, PyCodec_ReplaceErrors).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { methO, unpackKeywords } from './args.js';

interface Registry {
  searchPath: ObjectId;
  cache: ObjectId;
  errors: ObjectId;
}

const registries = new WeakMap<VM, Registry>();

function registry(vm: VM): Registry {
  const r = registries.get(vm);
  if (r === undefined) throw vm.pyErr('SystemError', '_codecs is not initialised');
  return r;
}

/** normalizestring: lower case, spaces to underscores. */
const normalize = (name: string): string => name.toLowerCase().replace(/ /g, '_');

function strOrError(vm: VM, obj: ObjectId, what: string): string {
  const v = vm.value(obj);
  if (v.t !== 'str') throw vm.typeError(`${what} must be str, not ${vm.typeName(obj)}`);
  return v.v;
}

/** _PyCodec_Lookup: the CodecInfo for an encoding name (a new reference owned by C_TEMP). */
function lookup(vm: VM, encoding: string): ObjectId {
  const reg = registry(vm);
  if (vm.as(reg.searchPath, 'list').items.length === 0) {
    const enc = vm.loadModule('encodings', C_TEMP);
    vm.rt.decref(enc, C_TEMP);
  }
  const key = normalize(encoding);
  const hit = vm.dictGetStr(reg.cache, key);
  if (hit !== undefined) return vm.ret(hit, C_TEMP);
  const keyObj = vm.newStr(key, C_TEMP);
  try {
    for (const fn of [...vm.as(reg.searchPath, 'list').items]) {
      const r = vm.call(fn, [keyObj], undefined, C_TEMP);
      if (r === vm.statics.none) {
        vm.rt.decref(r, C_TEMP);
        continue;
      }
      const rv = vm.value(r);
      if ((rv.t !== 'tuple' && !vm.isInstanceOf(r, vm.T.tuple)) || (rv.t === 'tuple' && rv.items.length !== 4)) {
        vm.rt.decref(r, C_TEMP);
        throw vm.typeError('codec search functions must return 4-tuples');
      }
      vm.dictSetStr(reg.cache, key, r, C_TEMP, 'copy');
      return r;
    }
  } finally {
    vm.rt.decref(keyObj, C_TEMP);
  }
  throw vm.pyErr('LookupError', `unknown encoding: ${encoding}`);
}

/** PyCodec_Encode / PyCodec_Decode through the codec's function at `index`. */
function codecCall(
  vm: VM,
  obj: ObjectId,
  encoding: string,
  errors: ObjectId | undefined,
  index: 0 | 1,
  out: Holder,
): ObjectId {
  const info = lookup(vm, encoding);
  let r: ObjectId;
  try {
    const fn = vm.as(info, 'tuple').items[index] as ObjectId;
    r = vm.call(fn, errors === undefined ? [obj] : [obj, errors], undefined, C_TEMP);
  } finally {
    vm.rt.decref(info, C_TEMP);
  }
  try {
    const rv = vm.value(r);
    if (rv.t !== 'tuple' || rv.items.length !== 2)
      throw vm.typeError(`${index === 0 ? 'encoder' : 'decoder'} must return a tuple (object, integer)`);
    return vm.ret(rv.items[0] as ObjectId, out);
  } finally {
    vm.rt.decref(r, C_TEMP);
  }
}

/** The encode/decode functions of one codec: (result, consumed) from str.encode or bytes.decode. */
function codecPair(encoding: string): Record<string, Native> {
  const id = encoding.replace('-', '_');
  return {
    [`${id}_encode`]: (vm, args, kwnames, out) => {
      const [s, errors] = unpackKeywords(vm, `${id}_encode`, args, kwnames, {
        names: ['str', 'errors'],
        posOnly: 2,
        required: 1,
      });
      const text = strOrError(vm, s as ObjectId, `${id}_encode() argument 1`);
      const enc = vm.newStr(encoding, C_TEMP);
      const err =
        errors === undefined || errors === vm.statics.none ? vm.newStr('strict', C_TEMP) : vm.ret(errors, C_TEMP);
      try {
        const b = vm.callMethod(s as ObjectId, 'encode', [enc, err], C_TEMP);
        return vm.newTuple([b, vm.newInt(BigInt([...text].length), C_TEMP)], out, C_TEMP);
      } finally {
        vm.rt.decref(enc, C_TEMP);
        vm.rt.decref(err, C_TEMP);
      }
    },
    [`${id}_decode`]: (vm, args, kwnames, out) => {
      const [data, errors] = unpackKeywords(vm, `${id}_decode`, args, kwnames, {
        names: ['data', 'errors', 'final'],
        posOnly: 3,
        required: 1,
      });
      const enc = vm.newStr(encoding, C_TEMP);
      const err =
        errors === undefined || errors === vm.statics.none ? vm.newStr('strict', C_TEMP) : vm.ret(errors, C_TEMP);
      try {
        const n = vm.len(data as ObjectId);
        const s = vm.callMethod(data as ObjectId, 'decode', [enc, err], C_TEMP);
        return vm.newTuple([s, vm.newInt(BigInt(n), C_TEMP)], out, C_TEMP);
      } finally {
        vm.rt.decref(enc, C_TEMP);
        vm.rt.decref(err, C_TEMP);
      }
    },
  };
}

function encodeDecode(which: 'encode' | 'decode'): Native {
  return (vm, args, kwnames, out) => {
    const [obj, encoding, errors] = unpackKeywords(vm, which, args, kwnames, {
      names: ['obj', 'encoding', 'errors'],
      required: 1,
    });
    const enc = encoding === undefined ? 'utf-8' : strOrError(vm, encoding, `${which}() argument 'encoding'`);
    return codecCall(vm, obj as ObjectId, enc, errors, which === 'encode' ? 0 : 1, out);
  };
}

/** The exception's `end` attribute, for the handlers that resume after the bad input. */
function excEnd(vm: VM, exc: ObjectId): ObjectId {
  const ok = ['UnicodeEncodeError', 'UnicodeDecodeError', 'UnicodeTranslateError'].some((n) =>
    vm.isInstanceOf(exc, vm.typeByName.get(n) as ObjectId),
  );
  if (!ok) throw vm.typeError(`don't know how to handle ${vm.typeName(exc)} in error callback`);
  return vm.getAttr(exc, 'end', C_TEMP);
}

const functions: Record<string, Native> = {
  register: (vm, args, kwnames, out) => {
    const fn = methO(vm, 'register', args, kwnames);
    if (!vm.isCallable(fn)) throw vm.typeError('argument must be callable');
    vm.listAppend(registry(vm).searchPath, fn);
    return vm.none(out);
  },
  unregister: (vm, args, kwnames, out) => {
    const fn = methO(vm, 'unregister', args, kwnames);
    const reg = registry(vm);
    const items = vm.as(reg.searchPath, 'list').items;
    const i = items.indexOf(fn);
    if (i >= 0) {
      const removed = vm.callMethod(reg.searchPath, 'pop', [vm.newInt(BigInt(i), C_TEMP)], C_TEMP);
      vm.rt.decref(removed, C_TEMP);
      vm.callMethod(reg.cache, 'clear', [], C_TEMP);
    }
    return vm.none(out);
  },
  lookup: (vm, args, kwnames, out) => {
    const enc = methO(vm, 'lookup', args, kwnames);
    const info = lookup(vm, strOrError(vm, enc, 'lookup() argument'));
    vm.rt.move(info, C_TEMP, out);
    return info;
  },
  encode: encodeDecode('encode'),
  decode: encodeDecode('decode'),
  register_error: (vm, args, kwnames, out) => {
    const [name, handler] = unpackKeywords(vm, 'register_error', args, kwnames, {
      names: ['errors', 'handler'],
      posOnly: 2,
      required: 2,
    });
    const n = strOrError(vm, name as ObjectId, 'register_error() argument 1');
    if (!vm.isCallable(handler as ObjectId)) throw vm.typeError('handler must be callable');
    vm.dictSetStr(registry(vm).errors, n, handler as ObjectId, C_TEMP, 'copy');
    return vm.none(out);
  },
  lookup_error: (vm, args, kwnames, out) => {
    const name = strOrError(vm, methO(vm, 'lookup_error', args, kwnames), 'lookup_error() argument');
    const h = vm.dictGetStr(registry(vm).errors, name);
    if (h === undefined) throw vm.pyErr('LookupError', `unknown error handler name '${name}'`);
    return vm.ret(h, out);
  },
  ...codecPair('utf-8'),
  ...codecPair('ascii'),
  ...codecPair('latin-1'),
};

/** The built-in error handlers (codecs.c), registered under their names. */
const handlers: Record<string, Native> = {
  strict_errors: (vm, args, kwnames) => {
    const exc = methO(vm, 'strict_errors', args, kwnames);
    if (vm.value(exc).t !== 'exception') throw vm.typeError('codec must pass exception instance');
    vm.rt.incref(exc, C_TEMP);
    throw vm.doRaise(exc, undefined, C_TEMP);
  },
  ignore_errors: (vm, args, kwnames, out) => {
    const exc = methO(vm, 'ignore_errors', args, kwnames);
    const end = excEnd(vm, exc);
    return vm.newTuple([vm.newStr('', C_TEMP), end], out, C_TEMP);
  },
  replace_errors: (vm, args, kwnames, out) => {
    const exc = methO(vm, 'replace_errors', args, kwnames);
    const end = excEnd(vm, exc);
    const decoding = vm.isInstanceOf(exc, vm.typeByName.get('UnicodeDecodeError') as ObjectId);
    let n = 1;
    if (!decoding) {
      const start = vm.getAttr(exc, 'start', C_TEMP);
      n = Math.max(0, Number(vm.index(end)) - Number(vm.index(start)));
      vm.rt.decref(start, C_TEMP);
    }
    const isEncode = vm.isInstanceOf(exc, vm.typeByName.get('UnicodeEncodeError') as ObjectId);
    const text = isEncode ? '?'.repeat(n) : '\ufffd'.repeat(n);
    return vm.newTuple([vm.newStr(text, C_TEMP), end], out, C_TEMP);
  },
};

registerBuiltinModule('_codecs', (vm, module, dict) => {
  vm.addFunctions(dict, '_codecs', functions);
  if (!registries.has(vm)) {
    const reg: Registry = { searchPath: vm.newList([], C_TEMP), cache: vm.newDict(C_TEMP), errors: vm.newDict(C_TEMP) };
    for (const [slot, x] of [
      ['codec_search_path', reg.searchPath],
      ['codec_search_cache', reg.cache],
      ['codec_error_registry', reg.errors],
    ] as const) {
      vm.rt.increfRef(x, module, slot);
      vm.rt.decref(x, C_TEMP);
    }
    registries.set(vm, reg);
    // The handlers are builtin functions in a scratch dict, then entered in the registry.
    vm.addFunctions(reg.errors, '_codecs', handlers);
    for (const name of ['strict', 'ignore', 'replace']) {
      const fn = vm.dictGetStr(reg.errors, `${name}_errors`) as ObjectId;
      vm.dictSetStr(reg.errors, name, fn, C_TEMP, 'copy');
      vm.dictDelStr(reg.errors, `${name}_errors`);
    }
  }
});
