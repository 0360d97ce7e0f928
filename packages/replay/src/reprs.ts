/*
 * CPython's repr of an object, from what a trace holds
 * ====================================================
 * A trace records repr text for atoms (ints, strs, None ...); containers are shown from
 * their references (heapView.ts, shortRepr). For everything else (instances, classes,
 * functions, modules) the text is computed as CPython's default reprs write it, from the
 * type's name and module (the class's `__qualname__` and `__module__` references) and
 * the object's simulated address (what `id()` returns): `<__main__.Node object at
 * 0x7f0000009e90>`, `<class '__main__.Node'>`, `<function f at 0x...>`, `<module 'gc'>`.
 * Text recorded for an object (a `__repr__` the interpreter ran) is kept as it is.
 */
import type { HeapState } from '@pymemsim/core';

/** A Python string literal of `s`, as repr() writes it (single quotes unless s has one and no double). */
export function pyStr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

const hex = (addr: number): string => `0x${addr.toString(16)}`;

/** The text of a str object's repr ('abc' -> abc), or undefined. */
function strValue(state: HeapState, id: number | undefined): string | undefined {
  if (id === undefined) return undefined;
  const obj = state.objects[id];
  if (obj === undefined || obj.pyType !== 'str') return undefined;
  const m = /^(['"])(.*)\1$/s.exec(obj.repr);
  return m === null ? undefined : (m[2] ?? '');
}

const refTo = (state: HeapState, id: number, slot: string): number | undefined =>
  state.objects[id]?.refs.find((r) => r?.slot === slot || r?.slot === `.${slot}`)?.to;

/** The value held under str key `key` by the `__dict__` of object `id`. */
const dictEntry = (state: HeapState, id: number, key: string): number | undefined => {
  const dict = refTo(state, id, '__dict__');
  const slot = `[${JSON.stringify(key)}]`;
  return dict === undefined ? undefined : state.objects[dict]?.refs.find((r) => r?.slot === slot)?.to;
};

/** An attribute's str value: a reference of its own (`__qualname__`) or an entry of the object's `__dict__`. */
const strAttr = (state: HeapState, id: number, name: string): string | undefined =>
  strValue(state, refTo(state, id, name)) ?? strValue(state, dictEntry(state, id, name));

/** `__main__.Node` for a class object (its `__module__` and `__qualname__`, or `__name__`). */
function className(state: HeapState, cls: number): string | undefined {
  const obj = state.objects[cls];
  if (obj === undefined) return undefined;
  const name =
    strAttr(state, cls, '__qualname__') ??
    strAttr(state, cls, '__name__') ??
    (obj.repr !== '' && !obj.repr.startsWith('<') ? obj.repr : undefined);
  if (name === undefined) return undefined;
  const module = strAttr(state, cls, '__module__');
  return module === undefined || module === 'builtins' ? name : `${module}.${name}`;
}

/**
 * CPython's repr of an object whose trace records no text for it (or only a name):
 * `<__main__.Node object at 0x7f...>`, `<class '__main__.Node'>`, `<function f at 0x...>`,
 * `<module 'gc'>`, `<built-in function print>`, `<class 'int'>`; any other object
 * `<TYPE object at ADDRESS>`, object.__repr__'s form. Recorded text is kept as it is.
 */
export function pythonRepr(state: HeapState, id: number): string {
  const obj = state.objects[id];
  if (obj === undefined) return `<freed #${id}>`;
  const at = hex(obj.addr);
  if (obj.kind === 'builtin' && obj.repr !== '' && !obj.repr.startsWith('<')) {
    if (obj.pyType === 'type') return `<class ${pyStr(obj.repr)}>`;
    if (obj.pyType === 'builtin_function_or_method') return `<built-in function ${obj.repr}>`;
  }
  if (obj.pyType === 'function') {
    const name =
      strValue(state, refTo(state, id, '__qualname__')) ??
      strValue(state, refTo(state, id, '__name__')) ??
      /^<function (.+)>$/.exec(obj.repr)?.[1];
    if (name !== undefined) return `<function ${name} at ${at}>`;
  }
  if (obj.repr !== '') return obj.repr;
  if (obj.pyType === 'type') {
    const name = className(state, id);
    if (name !== undefined) return `<class ${pyStr(name)}>`;
  }
  if (obj.pyType === 'module') {
    const name = strAttr(state, id, '__name__');
    if (name !== undefined) return `<module ${pyStr(name)}>`;
  }
  const cls = refTo(state, id, '__class__');
  const module = cls === undefined ? undefined : strAttr(state, cls, '__module__');
  const typeName =
    (cls === undefined ? undefined : className(state, cls)) ??
    (module === undefined || module === 'builtins' ? obj.pyType : `${module}.${obj.pyType}`);
  return `<${typeName} object at ${at}>`;
}
