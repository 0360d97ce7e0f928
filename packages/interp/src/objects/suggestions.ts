/*
 * "Did you mean" suggestions
 * ==========================
 * When an uncaught AttributeError or NameError is printed, CPython 3.11 looks for the
 * closest name to the missing one and adds `. Did you mean: 'x'?` to the message. For
 * an AttributeError the candidates are `dir(exc.obj)`; for a NameError, the innermost
 * frame's local variable names, then its globals, then its builtins (the first list
 * that has a close enough name wins). Closeness is a Levenshtein distance over UTF-8
 * bytes where a case change costs 1 and any other edit 2, at most a third of the two
 * names' length; lists of 750 names or more are not searched.
 *
 * The lists are real allocations in CPython (PyObject_Dir's sorted list, the varnames
 * tuple and PySequence_List's lists), so they are made here as the VM makes lists and
 * released at once.
 *
 * Source: Python/suggestions.c (3.11: levenshtein_distance, calculate_suggestions,
 * offer_suggestions_for_attribute_error, offer_suggestions_for_name_error), Objects/
 * codeobject.c (_PyCode_GetVarnames), Python/pythonrun.c (print_exception_suggestions).
 */
import type { ObjectId } from '@pymemsim/core';
import { CO_FAST_LOCAL } from '../compile/code.js';
import { BUILTIN_FUNCTIONS } from '../modules/builtins.js';
import { C_TEMP, PyRaise, type VM } from '../vm/vm.js';
import type { ValueOf } from '../vm/values.js';

const MAX_CANDIDATE_ITEMS = 750;
const MAX_STRING_SIZE = 40;
const MOVE_COST = 2;
const CASE_COST = 1;

const encoder = new TextEncoder();

function substitutionCost(a: number, b: number): number {
  if ((a & 31) !== (b & 31)) return MOVE_COST;
  if (a === b) return 0;
  const lower = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
  return lower(a) === lower(b) ? CASE_COST : MOVE_COST;
}

/** levenshtein_distance: the edit cost from a to b, or more than maxCost when it exceeds it. */
export function levenshteinDistance(a0: Uint8Array, b0: Uint8Array, maxCost: number): number {
  let a = a0;
  let b = b0;
  // Trim away common affixes.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  a = a.subarray(pre);
  b = b.subarray(pre);
  let suf = 0;
  while (suf < a.length && suf < b.length && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  a = a.subarray(0, a.length - suf);
  b = b.subarray(0, b.length - suf);
  if (a.length === 0 || b.length === 0) return (a.length + b.length) * MOVE_COST;
  if (a.length > MAX_STRING_SIZE || b.length > MAX_STRING_SIZE) return maxCost + 1;
  // The shorter one is the row.
  if (b.length < a.length) [a, b] = [b, a];
  if ((b.length - a.length) * MOVE_COST > maxCost) return maxCost + 1;
  const buffer: number[] = [];
  for (let i = 0; i < a.length; i++) buffer.push((i + 1) * MOVE_COST);
  let result = 0;
  for (let bi = 0; bi < b.length; bi++) {
    const code = b[bi] as number;
    let distance = (result = bi * MOVE_COST);
    let minimum = Infinity;
    for (let i = 0; i < a.length; i++) {
      const substitute = distance + substitutionCost(code, a[i] as number);
      distance = buffer[i] as number;
      const insertDelete = Math.min(result, distance) + MOVE_COST;
      result = Math.min(insertDelete, substitute);
      buffer[i] = result;
      if (result < minimum) minimum = result;
    }
    if (minimum > maxCost) return maxCost + 1;
  }
  return result;
}

/** calculate_suggestions: the closest name of `names` to `name`, if close enough. */
export function calculateSuggestion(names: readonly (string | undefined)[], name: string): string | undefined {
  if (names.length >= MAX_CANDIDATE_ITEMS) return undefined;
  const nameBytes = encoder.encode(name);
  let best: string | undefined;
  let bestDistance = Number.MAX_SAFE_INTEGER;
  for (const item of names) {
    // A name that is not a str ends the search (PyUnicode_AsUTF8AndSize fails).
    if (item === undefined) return undefined;
    if (item === name) continue;
    const itemBytes = encoder.encode(item);
    const maxDistance = Math.min(
      Math.floor(((nameBytes.length + itemBytes.length + 3) * MOVE_COST) / 6),
      bestDistance - 1,
    );
    const d = levenshteinDistance(nameBytes, itemBytes, maxDistance);
    if (d > maxDistance) continue;
    if (best === undefined || d < bestDistance) {
      best = item;
      bestDistance = d;
    }
  }
  return best;
}

/** The strs of a list (undefined for an item that is not a str). */
function listNames(vm: VM, list: ObjectId): (string | undefined)[] {
  return vm.as(list, 'list').items.map((x) => {
    const v = vm.value(x);
    return v.t === 'str' ? v.v : undefined;
  });
}

/** Search a list made for the purpose (owned by C_TEMP), then release it. */
function searchList(vm: VM, list: ObjectId, name: string): string | undefined {
  try {
    return calculateSuggestion(listNames(vm, list), name);
  } finally {
    vm.rt.decref(list, C_TEMP);
  }
}

/** PySequence_List(mapping): a new list of its keys. */
function keysList(vm: VM, mapping: ObjectId): ObjectId {
  const l = vm.newList([], C_TEMP);
  try {
    vm.listExtend(l, mapping);
  } catch (e) {
    vm.rt.decref(l, C_TEMP);
    throw e;
  }
  return l;
}

function attributeSuggestion(vm: VM, exc: ObjectId): string | undefined {
  const name = vm.instanceAttr(exc, 'name');
  const obj = vm.instanceAttr(exc, 'obj');
  if (name === undefined || obj === undefined || obj === vm.statics.none) return undefined;
  const nv = vm.value(name);
  if (nv.t !== 'str' || vm.typeOf(name) !== vm.T.str) return undefined;
  const dir = BUILTIN_FUNCTIONS.dir as (
    vm: VM,
    args: readonly ObjectId[],
    kw: undefined,
    out: typeof C_TEMP,
  ) => ObjectId;
  return searchList(vm, dir(vm, [obj], undefined, C_TEMP), nv.v);
}

function nameSuggestion(vm: VM, exc: ObjectId, traceback: ObjectId | undefined): string | undefined {
  const name = vm.instanceAttr(exc, 'name');
  if (name === undefined) return undefined;
  const nv = vm.value(name);
  if (nv.t !== 'str' || vm.typeOf(name) !== vm.T.str) return undefined;
  // The innermost traceback entry's frame.
  let tb = traceback ?? vm.exceptionTraceback(exc);
  if (tb === vm.statics.none) return undefined;
  for (;;) {
    const next = vm.rt.object(tb).refs.find((r) => r?.slot === 'tb_next')?.to;
    if (next === undefined) break;
    tb = next;
  }
  const fo = (vm.value(tb) as ValueOf<'traceback'>).frame;
  const fv = vm.value(fo) as ValueOf<'frame'> & { live?: { func: ObjectId } };
  const code = vm.value(fv.code) as ValueOf<'code'>;
  const co = code.co.co;
  // _PyCode_GetVarnames: a new tuple of the local variable names; PySequence_List of it.
  const varnames = co.localsplusnames.filter((_, i) => ((co.localspluskinds[i] ?? 0) & CO_FAST_LOCAL) !== 0);
  const tuple = vm.newTuple(
    varnames.map((n) => vm.internStr(n, C_TEMP)),
    C_TEMP,
    C_TEMP,
  );
  const list = vm.newList(vm.as(tuple, 'tuple').items, C_TEMP);
  vm.rt.decref(tuple, C_TEMP);
  const found = searchList(vm, list, nv.v);
  if (found !== undefined) return found;
  const func = fv.live?.func ?? vm.rt.object(fo).refs.find((r) => r?.slot === 'f_func')?.to;
  if (func === undefined) return undefined;
  const f = vm.value(func) as ValueOf<'function'>;
  return searchList(vm, keysList(vm, f.globals), nv.v) ?? searchList(vm, keysList(vm, f.builtins), nv.v);
}

/**
 * _Py_Offer_SuggestionsForException: the name to suggest for an AttributeError or a
 * NameError, or undefined (also when looking raised: the error is dropped, as CPython does).
 * `tb` is the exception's traceback (PyErr_Print sets it as `__traceback__` first).
 */
export function offerSuggestion(vm: VM, exc: ObjectId, tb: ObjectId | undefined): string | undefined {
  const is = (n: string): boolean => vm.isSubtype(vm.typeOf(exc), vm.typeByName.get(n) as ObjectId);
  try {
    if (is('AttributeError')) return attributeSuggestion(vm, exc);
    if (is('NameError')) return nameSuggestion(vm, exc, tb);
  } catch (e) {
    if (!(e instanceof PyRaise)) throw e;
    vm.clearRaise(e);
  }
  return undefined;
}
