/*
 * _sre
 * ====
 * The C module under `re`: `_sre.compile` turns the code list re._compiler makes into a
 * `re.Pattern`, whose methods run ./sreEngine.ts (CPython's matcher) and build the
 * objects CPython builds: a `re.Match` (GC, 120 bytes plus 16 per group, holding its
 * string and its pattern; `regs` made when first asked for), `_sre.SRE_Scanner` (holding
 * the pattern and the string) behind finditer's callable iterator, the lists of findall
 * and split, sub's pieces joined with "".join (a replacement with a backslash goes through
 * re._subx, a callable is called with each match), and substrings as PyUnicode_Substring
 * makes them (the string itself when whole, the cached one-character strings).
 *
 * Pattern: 112 bytes plus 4 per code word, holding the pattern text, and groupindex and
 * indexgroup when there are named groups. Pattern, Match and Scanner are heap types in
 * 3.11: each object holds a reference to its type, which gc.get_referents shows first.
 *
 * Source: Modules/_sre/sre.c (3.11): _sre_compile_impl, state_init, state_getslice,
 * getslice, pattern_new_match, pattern_match / fullmatch / search / findall / split /
 * subx, _sre_SRE_Pattern_finditer_impl, scanner_search, match_getindex,
 * match_getslice_by_index, match_group, match_groups, match_groupdict, match_regs,
 * match_repr, pattern_repr, pattern_richcompare, pattern_hash.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { siphash13 } from '../objects/str.js';
import { bufferOf, methO, unpackKeywords } from './args.js';
import {
  MAXREPEAT,
  SRE_ERROR_RECURSION_LIMIT,
  SreState,
  lowerAscii,
  lowerUnicode,
  match as sreMatch,
  search as sreSearch,
  upperAscii,
  upperUnicode,
} from './sreEngine.js';

const MAGIC = 20220615;
const MAXGROUPS = 1073741823;
const SSIZE_MAX = 9223372036854775807n;

// ---------------------------------------------------------------------------------
// Subjects

/** A subject string: its code points (str) or bytes, and how to slice it. */
interface Subject {
  readonly obj: ObjectId;
  readonly isBytes: boolean;
  readonly chars: ArrayLike<number>;
  /** The str's text (for slicing); undefined for bytes. */
  readonly text: string | undefined;
  /** The text is all in the BMP: code point offsets are UTF-16 offsets. */
  readonly bmp: boolean;
}

function subjectOf(vm: VM, obj: ObjectId): Subject {
  const v = vm.value(obj);
  if (v.t === 'str') {
    const cps: number[] = [];
    let bmp = true;
    for (const c of v.v) {
      const cp = c.codePointAt(0) as number;
      if (cp > 0xffff) bmp = false;
      cps.push(cp);
    }
    return { obj, isBytes: false, chars: cps, text: v.v, bmp };
  }
  const b = bufferOf(vm, obj);
  if (b === undefined) throw vm.typeError(`expected string or bytes-like object, got '${vm.typeName(obj)}'`);
  return { obj, isBytes: true, chars: b, text: undefined, bmp: true };
}

/** getslice: the string itself when whole, else a new str (PyUnicode_Substring) or bytes. */
function getslice(vm: VM, subj: Subject, i: number, j: number, out: Holder): ObjectId {
  if (subj.isBytes) {
    if (i === 0 && j === subj.chars.length && vm.typeOf(subj.obj) === vm.T.bytes) return vm.ret(subj.obj, out);
    return vm.newBytes(Uint8Array.from(Array.prototype.slice.call(subj.chars, i, j) as number[]), out);
  }
  if (i === 0 && j === subj.chars.length && vm.typeOf(subj.obj) === vm.T.str) return vm.ret(subj.obj, out);
  const text = subj.bmp
    ? (subj.text as string).slice(i, j)
    : String.fromCodePoint(...(Array.prototype.slice.call(subj.chars, i, j) as number[]));
  return vm.newStr(text, out);
}

// ---------------------------------------------------------------------------------
// Pattern objects

interface PatternData {
  kind: 'pattern';
  code: number[];
  groups: number;
  flags: number;
  isBytes: boolean;
}

interface SreTypes {
  Pattern: ObjectId;
  Match: ObjectId;
  Scanner: ObjectId;
}

const typesByVm = new WeakMap<VM, SreTypes>();

function sreTypes(vm: VM): SreTypes {
  const t = typesByVm.get(vm);
  if (t === undefined) throw new Error('_sre is not initialised');
  return t;
}

const slotRef = (vm: VM, obj: ObjectId, slot: string): ObjectId | undefined =>
  vm.rt.object(obj).refs.find((r) => r?.slot === slot)?.to;

function patternData(vm: VM, self: ObjectId): PatternData {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as PatternData) : undefined;
  if (d?.kind !== 'pattern')
    throw vm.typeError(`descriptor requires a 're.Pattern' object but received a '${vm.typeName(self)}'`);
  return d;
}

/** A new object of one of _sre's heap types: it holds a reference to its type. */
function allocHeapInstance(vm: VM, type: ObjectId, pyType: string, size: number, data: unknown, out: Holder): ObjectId {
  const obj = vm.alloc(pyType, 'method', size, { t: 'native', type, data }, out);
  vm.rt.increfRef(type, obj, '__class__');
  return obj;
}

function pyssize(vm: VM, obj: ObjectId | undefined, dflt: number): number {
  if (obj === undefined) return dflt;
  if (vm.value(obj).t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
  const v = vm.index(obj);
  if (v > SSIZE_MAX || v < -SSIZE_MAX - 1n)
    throw vm.pyErr('OverflowError', 'Python int too large to convert to C ssize_t');
  return v > 9007199254740991n
    ? Number.MAX_SAFE_INTEGER
    : v < -9007199254740991n
      ? -Number.MAX_SAFE_INTEGER
      : Number(v);
}

/** state_init: the subject checked against the pattern's kind. */
function stateInit(
  vm: VM,
  pattern: ObjectId,
  string: ObjectId,
  pos: number,
  endpos: number,
): { state: SreState; subj: Subject } {
  const d = patternData(vm, pattern);
  const subj = subjectOf(vm, string);
  if (d.isBytes && !subj.isBytes) throw vm.typeError('cannot use a bytes pattern on a string-like object');
  if (!d.isBytes && subj.isBytes) throw vm.typeError('cannot use a string pattern on a bytes-like object');
  const state = new SreState(subj.chars, pos, endpos);
  state.code = d.code;
  return { state, subj };
}

function patternError(vm: VM, status: number, state?: SreState): never {
  if (status === SRE_ERROR_RECURSION_LIMIT) throw vm.pyErr('RecursionError', 'maximum recursion limit exceeded');
  if (state !== undefined && state.illegal >= 0)
    throw vm.pyErr('RuntimeError', `invalid SRE code: opcode ${state.illegal} is not supported`);
  throw vm.pyErr('RuntimeError', 'internal error in regular expression engine');
}

/** pattern_new_match: a Match for a successful state, else None. */
function newMatch(vm: VM, pattern: ObjectId, state: SreState, subj: Subject, status: number, out: Holder): ObjectId {
  if (status < 0) patternError(vm, status, state);
  if (status === 0) return vm.none(out);
  const d = patternData(vm, pattern);
  const marks: number[] = [state.start, state.ptr];
  for (let i = 0, j = 0; i < d.groups; i++, j += 2) {
    const a = state.mark[j] ?? -1;
    const b = state.mark[j + 1] ?? -1;
    if (j + 1 <= state.lastmark && a >= 0 && b >= 0) {
      if (a > b) {
        throw vm.pyErr('SystemError', 'The span of capturing group is wrong, please report a bug for the re module.');
      }
      marks.push(a, b);
    } else marks.push(-1, -1);
  }
  const data: MatchData = {
    kind: 'match',
    marks,
    pos: state.pos,
    endpos: state.endpos,
    lastindex: state.lastindex,
    groups: d.groups + 1,
    subj,
  };
  const m = allocHeapInstance(vm, sreTypes(vm).Match, 're.Match', 120 + 16 * d.groups, data, out);
  vm.rt.increfRef(subj.obj, m, 'string');
  vm.rt.increfRef(pattern, m, 'pattern');
  return m;
}

const SEARCH_SPEC = { names: ['string', 'pos', 'endpos'], required: 1 };

function matchLike(mode: 'match' | 'fullmatch' | 'search'): NativeMember {
  return {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const [string, pos, endpos] = unpackKeywords(vm, mode, args.slice(1), kw, SEARCH_SPEC);
      const { state, subj } = stateInit(
        vm,
        self,
        string as ObjectId,
        pyssize(vm, pos, 0),
        pyssize(vm, endpos, Number.MAX_SAFE_INTEGER),
      );
      state.ptr = state.start;
      let status: number;
      if (mode === 'search') status = sreSearch(state);
      else {
        state.matchAll = mode === 'fullmatch';
        status = sreMatch(state, 0, true);
      }
      return newMatch(vm, self, state, subj, status, out);
    },
  };
}

/** state_getslice: a group's text, or None / an empty string when it did not match. */
function stateGetslice(vm: VM, state: SreState, subj: Subject, index: number, empty: boolean, out: Holder): ObjectId {
  const i2 = (index - 1) * 2;
  const a = state.mark[i2] ?? -1;
  const b = state.mark[i2 + 1] ?? -1;
  if (i2 >= state.lastmark || a < 0 || b < 0) {
    if (empty) return getslice(vm, subj, 0, 0, out);
    return vm.none(out);
  }
  if (a > b)
    throw vm.pyErr('SystemError', 'The span of capturing group is wrong, please report a bug for the re module.');
  return getslice(vm, subj, a, b, out);
}

/** The module `re`'s function `name` called with `args` (sre.c's call()). */
function callRe(vm: VM, name: string, args: readonly ObjectId[], out: Holder): ObjectId {
  const re = vm.loadModule('re', C_TEMP);
  try {
    const f = vm.getAttr(re, name, C_TEMP);
    try {
      return vm.call(f, args, undefined, out);
    } finally {
      vm.rt.decref(f, C_TEMP);
    }
  } finally {
    vm.rt.decref(re, C_TEMP);
  }
}

function subx(
  vm: VM,
  self: ObjectId,
  template: ObjectId,
  string: ObjectId,
  count: number,
  subn: boolean,
  out: Holder,
): ObjectId {
  let filter: ObjectId;
  let filterIsCallable: boolean;
  if (vm.isCallable(template)) {
    filter = vm.ret(template, C_TEMP);
    filterIsCallable = true;
  } else {
    const tv = vm.value(template);
    let literal = false;
    if (tv.t === 'str') literal = !tv.v.includes('\\');
    else {
      const b = bufferOf(vm, template);
      literal = b !== undefined && !b.includes(92);
    }
    if (literal) {
      filter = vm.ret(template, C_TEMP);
      filterIsCallable = false;
    } else {
      filter = callRe(vm, '_subx', [self, template], C_TEMP);
      filterIsCallable = vm.isCallable(filter);
    }
  }
  try {
    const { state, subj } = stateInit(vm, self, string, 0, Number.MAX_SAFE_INTEGER);
    const list = vm.newList([], C_TEMP);
    try {
      let n = 0;
      let i = 0;
      while (count === 0 || n < count) {
        state.reset();
        state.ptr = state.start;
        const status = sreSearch(state);
        if (status <= 0) {
          if (status === 0) break;
          patternError(vm, status, state);
        }
        const b = state.start;
        const e = state.ptr;
        if (i < b) vm.listAppendMove(list, getslice(vm, subj, i, b, C_TEMP), C_TEMP);
        let item: ObjectId;
        if (filterIsCallable) {
          const m = newMatch(vm, self, state, subj, 1, C_TEMP);
          try {
            item = vm.call(filter, [m], undefined, C_TEMP);
          } finally {
            vm.rt.decref(m, C_TEMP);
          }
        } else item = vm.ret(filter, C_TEMP);
        if (item !== vm.statics.none) vm.listAppendMove(list, item, C_TEMP);
        else vm.rt.decref(item, C_TEMP);
        i = e;
        n += 1;
        state.mustAdvance = state.ptr === state.start;
        state.start = state.ptr;
      }
      if (i < state.endpos) vm.listAppendMove(list, getslice(vm, subj, i, state.endpos, C_TEMP), C_TEMP);
      const joiner = getslice(vm, subj, 0, 0, C_TEMP);
      let item: ObjectId;
      if (vm.as(list, 'list').items.length === 0) item = joiner;
      else {
        try {
          item = vm.callMethod(joiner, 'join', [list], C_TEMP);
        } finally {
          vm.rt.decref(joiner, C_TEMP);
        }
      }
      if (subn) return vm.newTuple([item, vm.newInt(BigInt(n), C_TEMP)], out, C_TEMP);
      vm.rt.move(item, C_TEMP, out);
      return item;
    } finally {
      vm.rt.decref(list, C_TEMP);
    }
  } finally {
    vm.rt.decref(filter, C_TEMP);
  }
}

function subMethod(subn: boolean): NativeMember {
  return {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const [repl, string, count] = unpackKeywords(vm, subn ? 'subn' : 'sub', args.slice(1), kw, {
        names: ['repl', 'string', 'count'],
        required: 2,
      });
      return subx(vm, args[0] as ObjectId, repl as ObjectId, string as ObjectId, pyssize(vm, count, 0), subn, out);
    },
  };
}

function scannerNew(vm: VM, pattern: ObjectId, string: ObjectId, pos: number, endpos: number, out: Holder): ObjectId {
  const { state, subj } = stateInit(vm, pattern, string, pos, endpos);
  const data: ScannerData = { kind: 'scanner', state, subj, exhausted: false };
  const sc = allocHeapInstance(vm, sreTypes(vm).Scanner, '_sre.SRE_Scanner', 256, data, out);
  vm.rt.increfRef(pattern, sc, 'pattern');
  vm.rt.increfRef(string, sc, 'state.string');
  return sc;
}

const FLAG_NAMES: readonly [string, number][] = [
  ['re.TEMPLATE', 1],
  ['re.IGNORECASE', 2],
  ['re.LOCALE', 4],
  ['re.MULTILINE', 8],
  ['re.DOTALL', 16],
  ['re.UNICODE', 32],
  ['re.VERBOSE', 64],
  ['re.DEBUG', 128],
  ['re.ASCII', 256],
];

const patternSlots: TypeSlots = {
  repr: (vm, self) => {
    const d = patternData(vm, self);
    const p = slotRef(vm, self, 'pattern') ?? vm.statics.none;
    let text = vm.reprText(p);
    if (text.length > 200) text = text.slice(0, 200);
    let flags = d.flags;
    if (vm.value(p).t === 'str' && (flags & (4 | 32 | 256)) === 32) flags &= ~32;
    if (flags === 0) return `re.compile(${text})`;
    const names: string[] = [];
    for (const [name, v] of FLAG_NAMES) {
      if (flags & v) {
        names.push(name);
        flags &= ~v;
      }
    }
    if (flags !== 0) names.push(`0x${flags.toString(16)}`);
    return `re.compile(${text}, ${names.join('|')})`;
  },
  hash: (vm, self) => {
    const d = patternData(vm, self);
    let h = vm.hash(slotRef(vm, self, 'pattern') ?? vm.statics.none);
    const bytes = new Uint8Array(d.code.length * 4);
    d.code.forEach((c, i) => {
      for (let k = 0; k < 4; k++) bytes[4 * i + k] = (c >>> (8 * k)) & 255;
    });
    h ^= siphash13(bytes);
    h ^= BigInt(d.flags);
    h ^= d.isBytes ? 1n : 0n;
    h ^= BigInt(d.code.length);
    return h === -1n ? -2n : h;
  },
  compare: (vm, self, other, op) => {
    if (op !== '==' && op !== '!=') return undefined;
    if (vm.typeOf(other) !== sreTypes(vm).Pattern) return undefined;
    let eq = self === other;
    if (!eq) {
      const a = patternData(vm, self);
      const b = patternData(vm, other);
      eq =
        a.flags === b.flags &&
        a.isBytes === b.isBytes &&
        a.code.length === b.code.length &&
        a.code.every((c, i) => c === b.code[i]) &&
        vm.richCompareBool(
          slotRef(vm, self, 'pattern') ?? vm.statics.none,
          slotRef(vm, other, 'pattern') ?? vm.statics.none,
          '==',
        );
    }
    return op === '==' ? eq : !eq;
  },
};

const getter = (get: (vm: VM, self: ObjectId) => ObjectId): NativeMember => ({
  k: 'getset',
  get: (vmu, self) => get(vmu as VM, self),
});

const patternMembers: Record<string, NativeMember> = {
  match: matchLike('match'),
  fullmatch: matchLike('fullmatch'),
  search: matchLike('search'),
  sub: subMethod(false),
  subn: subMethod(true),
  findall: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const [string, pos, endpos] = unpackKeywords(vm, 'findall', args.slice(1), kw, SEARCH_SPEC);
      const d = patternData(vm, self);
      const { state, subj } = stateInit(
        vm,
        self,
        string as ObjectId,
        pyssize(vm, pos, 0),
        pyssize(vm, endpos, Number.MAX_SAFE_INTEGER),
      );
      const list = vm.newList([], C_TEMP);
      try {
        while (state.start <= state.end) {
          state.reset();
          state.ptr = state.start;
          const status = sreSearch(state);
          if (status <= 0) {
            if (status === 0) break;
            patternError(vm, status, state);
          }
          let item: ObjectId;
          if (d.groups === 0) item = getslice(vm, subj, state.start, state.ptr, C_TEMP);
          else if (d.groups === 1) item = stateGetslice(vm, state, subj, 1, true, C_TEMP);
          else {
            const parts: ObjectId[] = [];
            for (let i = 0; i < d.groups; i++) parts.push(stateGetslice(vm, state, subj, i + 1, true, C_TEMP));
            item = vm.newTuple(parts, C_TEMP, C_TEMP);
          }
          vm.listAppendMove(list, item, C_TEMP);
          state.mustAdvance = state.ptr === state.start;
          state.start = state.ptr;
        }
      } catch (e) {
        vm.rt.decref(list, C_TEMP);
        throw e;
      }
      vm.rt.move(list, C_TEMP, out);
      return list;
    },
  },
  split: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const [string, maxsplitArg] = unpackKeywords(vm, 'split', args.slice(1), kw, {
        names: ['string', 'maxsplit'],
        required: 1,
      });
      const maxsplit = pyssize(vm, maxsplitArg, 0);
      const d = patternData(vm, self);
      const { state, subj } = stateInit(vm, self, string as ObjectId, 0, Number.MAX_SAFE_INTEGER);
      const list = vm.newList([], C_TEMP);
      try {
        let n = 0;
        let last = state.start;
        while (maxsplit === 0 || n < maxsplit) {
          state.reset();
          state.ptr = state.start;
          const status = sreSearch(state);
          if (status <= 0) {
            if (status === 0) break;
            patternError(vm, status, state);
          }
          vm.listAppendMove(list, getslice(vm, subj, last, state.start, C_TEMP), C_TEMP);
          for (let i = 0; i < d.groups; i++) {
            vm.listAppendMove(list, stateGetslice(vm, state, subj, i + 1, false, C_TEMP), C_TEMP);
          }
          n += 1;
          state.mustAdvance = state.ptr === state.start;
          last = state.start = state.ptr;
        }
        vm.listAppendMove(list, getslice(vm, subj, last, state.endpos, C_TEMP), C_TEMP);
      } catch (e) {
        vm.rt.decref(list, C_TEMP);
        throw e;
      }
      vm.rt.move(list, C_TEMP, out);
      return list;
    },
  },
  finditer: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const [string, pos, endpos] = unpackKeywords(vm, 'finditer', args.slice(1), kw, SEARCH_SPEC);
      const sc = scannerNew(
        vm,
        self,
        string as ObjectId,
        pyssize(vm, pos, 0),
        pyssize(vm, endpos, Number.MAX_SAFE_INTEGER),
        C_TEMP,
      );
      let search: ObjectId;
      try {
        search = vm.getAttr(sc, 'search', C_TEMP);
      } finally {
        vm.rt.decref(sc, C_TEMP);
      }
      try {
        return vm.newCallIter(search, vm.statics.none, out);
      } finally {
        vm.rt.decref(search, C_TEMP);
      }
    },
  },
  scanner: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const [string, pos, endpos] = unpackKeywords(vm, 'scanner', args.slice(1), kw, SEARCH_SPEC);
      return scannerNew(
        vm,
        self,
        string as ObjectId,
        pyssize(vm, pos, 0),
        pyssize(vm, endpos, Number.MAX_SAFE_INTEGER),
        out,
      );
    },
  },
  __copy__: { k: 'method', fn: (vm, args, _kw, out) => vm.ret(args[0] as ObjectId, out) },
  __deepcopy__: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      methO(vm, 'Pattern.__deepcopy__', args.slice(1), kw);
      return vm.ret(args[0] as ObjectId, out);
    },
  },
  __class_getitem__: {
    k: 'classmethod',
    fn: (vm, args, _kw, out) =>
      vm.call(
        vm.typeByName.get('types.GenericAlias') ?? vm.T.type,
        [args[0] as ObjectId, args[1] as ObjectId],
        undefined,
        out,
      ),
  },
  pattern: getter((vm, self) => vm.ret(slotRef(vm, self, 'pattern') ?? vm.statics.none, C_TEMP)),
  flags: getter((vm, self) => vm.newInt(BigInt(patternData(vm, self).flags), C_TEMP)),
  groups: getter((vm, self) => vm.newInt(BigInt(patternData(vm, self).groups), C_TEMP)),
  groupindex: getter((vm, self) => {
    const gi = slotRef(vm, self, 'groupindex');
    if (gi !== undefined) return vm.newMappingProxy(gi, C_TEMP);
    const empty = vm.newDict(C_TEMP);
    try {
      return vm.newMappingProxy(empty, C_TEMP);
    } finally {
      vm.rt.decref(empty, C_TEMP);
    }
  }),
};

// ---------------------------------------------------------------------------------
// Match objects

interface MatchData {
  kind: 'match';
  marks: number[];
  pos: number;
  endpos: number;
  lastindex: number;
  groups: number;
  subj: Subject;
}

function matchData(vm: VM, self: ObjectId): MatchData {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as MatchData) : undefined;
  if (d?.kind !== 'match')
    throw vm.typeError(`descriptor requires a 're.Match' object but received a '${vm.typeName(self)}'`);
  return d;
}

/** match_getindex: a group number or name, checked. */
function groupIndex(vm: VM, self: ObjectId, index: ObjectId): number {
  const d = matchData(vm, self);
  let i = -1;
  if (vm.hasIndex(index)) {
    const v = vm.index(index);
    i = v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n ? -1 : Number(v);
  } else {
    const pattern = slotRef(vm, self, 'pattern') as ObjectId;
    const gi = slotRef(vm, pattern, 'groupindex');
    if (gi !== undefined) {
      vm.hash(index);
      const n = vm.dictGet(gi, index);
      if (n !== undefined && vm.value(n).t === 'int') i = Number(vm.as(n, 'int').v);
    }
  }
  if (i < 0 || i >= d.groups) throw vm.pyErr('IndexError', 'no such group');
  return i;
}

function groupSlice(vm: VM, self: ObjectId, i: number, dflt: ObjectId, out: Holder): ObjectId {
  const d = matchData(vm, self);
  const a = d.marks[2 * i] as number;
  if (a < 0) return vm.ret(dflt, out);
  return getslice(vm, d.subj, a, d.marks[2 * i + 1] as number, out);
}

function spanOf(vm: VM, self: ObjectId, group: ObjectId | undefined): [number, number] {
  const d = matchData(vm, self);
  const i = group === undefined ? 0 : groupIndex(vm, self, group);
  return [d.marks[2 * i] as number, d.marks[2 * i + 1] as number];
}

const pair = (vm: VM, a: number, b: number, out: Holder): ObjectId =>
  vm.newTuple([vm.newInt(BigInt(a), C_TEMP), vm.newInt(BigInt(b), C_TEMP)], out, C_TEMP);

function groupArgs(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kw: readonly string[] | undefined,
): ObjectId | undefined {
  const [g] = unpackKeywords(vm, name, args.slice(1), kw, { names: ['group'], posOnly: 1, required: 0 });
  return g;
}

const matchMembers: Record<string, NativeMember> = {
  group: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      if (kw !== undefined && kw.length > 0) throw vm.typeError('Match.group() takes no keyword arguments');
      const a = args.slice(1);
      if (a.length === 0) return groupSlice(vm, self, 0, vm.statics.none, out);
      if (a.length === 1) return groupSlice(vm, self, groupIndex(vm, self, a[0] as ObjectId), vm.statics.none, out);
      const items: ObjectId[] = [];
      try {
        for (const g of a) items.push(groupSlice(vm, self, groupIndex(vm, self, g), vm.statics.none, C_TEMP));
      } catch (e) {
        for (const x of items) vm.rt.decref(x, C_TEMP);
        throw e;
      }
      return vm.newTuple(items, out, C_TEMP);
    },
  },
  __getitem__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      return groupSlice(vm, self, groupIndex(vm, self, args[1] as ObjectId), vm.statics.none, out);
    },
  },
  groups: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const [dflt] = unpackKeywords(vm, 'groups', args.slice(1), kw, { names: ['default'], required: 0 });
      const d = matchData(vm, self);
      const items: ObjectId[] = [];
      for (let i = 1; i < d.groups; i++) items.push(groupSlice(vm, self, i, dflt ?? vm.statics.none, C_TEMP));
      return vm.newTuple(items, out, C_TEMP);
    },
  },
  groupdict: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const [dflt] = unpackKeywords(vm, 'groupdict', args.slice(1), kw, { names: ['default'], required: 0 });
      const result = vm.newDict(C_TEMP);
      const pattern = slotRef(vm, self, 'pattern') as ObjectId;
      const gi = slotRef(vm, pattern, 'groupindex');
      try {
        if (gi !== undefined) {
          for (const e of vm.dictEntries(gi)) {
            const v = groupSlice(vm, self, groupIndex(vm, self, e.key), dflt ?? vm.statics.none, C_TEMP);
            vm.rt.incref(e.key, C_TEMP);
            vm.dictSet(result, e.key, v, C_TEMP, 'move');
          }
        }
      } catch (e) {
        vm.rt.decref(result, C_TEMP);
        throw e;
      }
      vm.rt.move(result, C_TEMP, out);
      return result;
    },
  },
  start: {
    k: 'method',
    fn: (vm, args, kw, out) =>
      vm.newInt(BigInt(spanOf(vm, args[0] as ObjectId, groupArgs(vm, 'start', args, kw))[0]), out),
  },
  end: {
    k: 'method',
    fn: (vm, args, kw, out) =>
      vm.newInt(BigInt(spanOf(vm, args[0] as ObjectId, groupArgs(vm, 'end', args, kw))[1]), out),
  },
  span: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const [a, b] = spanOf(vm, args[0] as ObjectId, groupArgs(vm, 'span', args, kw));
      return pair(vm, a, b, out);
    },
  },
  expand: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const self = args[0] as ObjectId;
      const template = methO(vm, 'Match.expand', args.slice(1), kw);
      return callRe(vm, '_expand', [slotRef(vm, self, 'pattern') as ObjectId, self, template], out);
    },
  },
  __copy__: { k: 'method', fn: (vm, args, _kw, out) => vm.ret(args[0] as ObjectId, out) },
  __deepcopy__: { k: 'method', fn: (vm, args, _kw, out) => vm.ret(args[0] as ObjectId, out) },
  __class_getitem__: {
    k: 'classmethod',
    fn: (vm, args, _kw, out) =>
      vm.call(
        vm.typeByName.get('types.GenericAlias') ?? vm.T.type,
        [args[0] as ObjectId, args[1] as ObjectId],
        undefined,
        out,
      ),
  },
  string: getter((vm, self) => vm.ret(slotRef(vm, self, 'string') ?? vm.statics.none, C_TEMP)),
  re: getter((vm, self) => vm.ret(slotRef(vm, self, 'pattern') as ObjectId, C_TEMP)),
  pos: getter((vm, self) => vm.newInt(BigInt(matchData(vm, self).pos), C_TEMP)),
  endpos: getter((vm, self) => vm.newInt(BigInt(matchData(vm, self).endpos), C_TEMP)),
  lastindex: getter((vm, self) => {
    const d = matchData(vm, self);
    return d.lastindex >= 0 ? vm.newInt(BigInt(d.lastindex), C_TEMP) : vm.none(C_TEMP);
  }),
  lastgroup: getter((vm, self) => {
    const d = matchData(vm, self);
    const pattern = slotRef(vm, self, 'pattern') as ObjectId;
    const ig = slotRef(vm, pattern, 'indexgroup');
    if (ig !== undefined && d.lastindex >= 0) {
      const items = vm.as(ig, 'tuple').items;
      if (d.lastindex < items.length) return vm.ret(items[d.lastindex] as ObjectId, C_TEMP);
    }
    return vm.none(C_TEMP);
  }),
  regs: getter((vm, self) => {
    const cached = slotRef(vm, self, 'regs');
    if (cached !== undefined) return vm.ret(cached, C_TEMP);
    const d = matchData(vm, self);
    const items: ObjectId[] = [];
    for (let i = 0; i < d.groups; i++)
      items.push(pair(vm, d.marks[2 * i] as number, d.marks[2 * i + 1] as number, C_TEMP));
    const regs = vm.newTuple(items, C_TEMP, C_TEMP);
    vm.rt.increfRef(regs, self, 'regs');
    return regs;
  }),
};

const matchSlots: TypeSlots = {
  repr: (vm, self) => {
    const d = matchData(vm, self);
    const g0 = groupSlice(vm, self, 0, vm.statics.none, C_TEMP);
    let r: string;
    try {
      r = vm.reprText(g0);
    } finally {
      vm.rt.decref(g0, C_TEMP);
    }
    if ([...r].length > 50) r = [...r].slice(0, 50).join('');
    return `<re.Match object; span=(${d.marks[0]}, ${d.marks[1]}), match=${r}>`;
  },
  getitem: (vm, self, key, out) => groupSlice(vm, self, groupIndex(vm, self, key), vm.statics.none, out),
};

// ---------------------------------------------------------------------------------
// Scanner objects

interface ScannerData {
  kind: 'scanner';
  state: SreState;
  subj: Subject;
  exhausted: boolean;
}

function scannerData(vm: VM, self: ObjectId): ScannerData {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as ScannerData) : undefined;
  if (d?.kind !== 'scanner') throw vm.typeError('a scanner is required');
  return d;
}

function scannerStep(mode: 'match' | 'search'): NativeMember {
  return {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const self = args[0] as ObjectId;
      const d = scannerData(vm, self);
      if (d.exhausted) return vm.none(out);
      const state = d.state;
      state.reset();
      state.ptr = state.start;
      const status = mode === 'search' ? sreSearch(state) : sreMatch(state, 0, true);
      const m = newMatch(vm, slotRef(vm, self, 'pattern') as ObjectId, state, d.subj, status, out);
      if (status === 0) d.exhausted = true;
      else {
        state.mustAdvance = state.ptr === state.start;
        state.start = state.ptr;
      }
      return m;
    },
  };
}

const scannerMembers: Record<string, NativeMember> = {
  match: scannerStep('match'),
  search: scannerStep('search'),
  pattern: getter((vm, self) => vm.ret(slotRef(vm, self, 'pattern') as ObjectId, C_TEMP)),
};

// ---------------------------------------------------------------------------------
// The module

const charArg = (vm: VM, args: readonly ObjectId[], kw: readonly string[] | undefined, name: string): number => {
  const c = methO(vm, `_sre.${name}`, args, kw);
  if (vm.value(c).t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
  return Number(vm.index(c));
};

const functions: Record<string, Native> = {
  compile: (vm, args, kwnames, out) => {
    const [pattern, flags, code, groups, groupindex, indexgroup] = unpackKeywords(vm, 'compile', args, kwnames, {
      names: ['pattern', 'flags', 'code', 'groups', 'groupindex', 'indexgroup'],
    });
    const cv = vm.value(code as ObjectId);
    if (cv.t !== 'list')
      throw vm.typeError(`compile() argument 'code' must be list, not ${vm.typeName(code as ObjectId)}`);
    const words = cv.items.map((x) => {
      const n = vm.index(x);
      if (n < 0n || n > 0xffffffffn) throw vm.pyErr('OverflowError', 'regular expression code size limit exceeded');
      return Number(n);
    });
    const gi = vm.value(groupindex as ObjectId);
    if (gi.t !== 'dict')
      throw vm.typeError(`compile() argument 'groupindex' must be dict, not ${vm.typeName(groupindex as ObjectId)}`);
    const ig = vm.value(indexgroup as ObjectId);
    if (ig.t !== 'tuple')
      throw vm.typeError(`compile() argument 'indexgroup' must be tuple, not ${vm.typeName(indexgroup as ObjectId)}`);
    const pv = pattern === vm.statics.none ? undefined : vm.value(pattern as ObjectId);
    const data: PatternData = {
      kind: 'pattern',
      code: words,
      groups: Number(vm.index(groups as ObjectId)),
      flags: Number(vm.index(flags as ObjectId)),
      isBytes: pv !== undefined && pv.t !== 'str',
    };
    const p = allocHeapInstance(vm, sreTypes(vm).Pattern, 're.Pattern', 112 + 4 * words.length, data, C_TEMP);
    vm.rt.increfRef(pattern as ObjectId, p, 'pattern');
    if (vm.dictSize(groupindex as ObjectId) > 0) {
      vm.rt.increfRef(groupindex as ObjectId, p, 'groupindex');
      if (ig.items.length > 0) vm.rt.increfRef(indexgroup as ObjectId, p, 'indexgroup');
    }
    vm.rt.move(p, C_TEMP, out);
    return p;
  },
  getcodesize: (vm, _a, _k, out) => vm.newInt(4n, out),
  ascii_iscased: (vm, args, kw, out) => {
    const ch = charArg(vm, args, kw, 'ascii_iscased');
    return vm.bool(ch < 128 && ((ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122)), out);
  },
  unicode_iscased: (vm, args, kw, out) => {
    const ch = charArg(vm, args, kw, 'unicode_iscased');
    return vm.bool(ch !== lowerUnicode(ch) || ch !== upperUnicode(ch), out);
  },
  ascii_tolower: (vm, args, kw, out) => vm.newInt(BigInt(lowerAscii(charArg(vm, args, kw, 'ascii_tolower'))), out),
  unicode_tolower: (vm, args, kw, out) =>
    vm.newInt(BigInt(lowerUnicode(charArg(vm, args, kw, 'unicode_tolower'))), out),
};
void upperAscii;

registerBuiltinModule('_sre', (vm, _module, dict) => {
  let types = typesByVm.get(vm);
  if (types === undefined) {
    types = {
      Pattern: vm.defineType({
        name: 'Pattern',
        module: 're',
        base: vm.T.object,
        baseType: false,
        slots: patternSlots,
        members: patternMembers,
      }),
      Match: vm.defineType({
        name: 'Match',
        module: 're',
        base: vm.T.object,
        baseType: false,
        slots: matchSlots,
        members: matchMembers,
      }),
      Scanner: vm.defineType({
        name: 'SRE_Scanner',
        module: '_sre',
        base: vm.T.object,
        baseType: false,
        members: scannerMembers,
      }),
    };
    for (const t of [types.Pattern, types.Match]) vm.typeValue(t).hasWeakref = true;
    typesByVm.set(vm, types);
  }
  vm.addFunctions(dict, '_sre', functions);
  const set = (name: string, v: ObjectId): void => vm.dictSetStr(dict, name, v, C_TEMP, 'move');
  set('MAGIC', vm.newInt(BigInt(MAGIC), C_TEMP));
  set('CODESIZE', vm.newInt(4n, C_TEMP));
  set('MAXREPEAT', vm.newInt(BigInt(MAXREPEAT), C_TEMP));
  set('MAXGROUPS', vm.newInt(BigInt(MAXGROUPS), C_TEMP));
  set('copyright', vm.newStr(' SRE 2.2.2 Copyright (c) 1997-2002 by Secret Labs AB ', C_TEMP));
});
