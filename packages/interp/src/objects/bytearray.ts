/*
 * bytearray
 * =========
 * A mutable byte string: 56 bytes of header (not a GC object: it holds no references)
 * plus its buffer, whose capacity (`ob_alloc`, the logical length and a trailing NUL
 * included) follows PyByteArray_Resize, so `sys.getsizeof` grows in CPython's steps:
 *
 *   bytearray()        56        (no buffer)
 *   bytearray(b'abc')  56 + 4    (exact: len + 1)
 *   .append() ...      a moderate upsize over-allocates: size + size/8 + (3 or 6)
 *
 * The value's `v` is the buffer (its length is the capacity), `len` the logical length.
 * The methods that only read the bytes are bytes' own (they accept any bytes-like
 * object); those that make a new byte string make a bytearray.
 *
 * Source: Objects/bytearrayobject.c (3.11: PyByteArray_Resize, bytearray___init__,
 * bytearray_repr, bytearray_setitem/ass_subscript, bytearray_iconcat, the methods,
 * bytearrayiter).
 */
import { type Holder, type ObjectId } from '@pymemsim/core';
import { C_TEMP, type VM } from '../vm/vm.js';
import type { Native } from '../vm/native.js';
import { kwarg, npos } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { methods } from './list.js';
import { seqIndex, sliceIndexList, sliceIndices } from './sequence.js';
import { bytesFromObject, bytesMethods, bytesOf } from './str.js';

/** sizeof(PyByteArrayObject) + the object header: getsizeof with no buffer. */
const BYTEARRAY_HEADER = 56;

type BytearrayValue = { t: 'bytearray'; type: ObjectId; v: Uint8Array; len: number };

const ba = (vm: VM, id: ObjectId): BytearrayValue => vm.as(id, 'bytearray');

/** The bytes in use. */
const view = (vm: VM, id: ObjectId): Uint8Array => {
  const v = ba(vm, id);
  return v.v.subarray(0, v.len);
};

/** PyByteArray_Resize's new capacity for `size` bytes, given capacity `alloc`. */
export function bytearrayCapacity(alloc: number, size: number): number {
  if (size === 0) return 0;
  if (size + 1 <= alloc) return size < alloc / 2 ? size + 1 : alloc;
  if (size <= alloc * 1.125) return size + (size >> 3) + (size < 9 ? 3 : 6);
  return size + 1;
}

/** Set the logical length (the capacity follows PyByteArray_Resize; getsizeof with it). */
function resizeTo(vm: VM, id: ObjectId, size: number): void {
  const v = ba(vm, id);
  const alloc = bytearrayCapacity(v.v.length, size);
  if (alloc !== v.v.length) {
    const buf = new Uint8Array(alloc);
    buf.set(v.v.subarray(0, Math.min(v.len, size)));
    v.v = buf;
    vm.rt.resize(id, BYTEARRAY_HEADER + alloc);
  }
  if (size > v.len) v.v.fill(0, v.len, size);
  v.len = size;
}

/** Replace the contents with `b`. */
function assign(vm: VM, id: ObjectId, b: Uint8Array): void {
  resizeTo(vm, id, b.length);
  ba(vm, id).v.set(b);
}

function newBytearrayOf(vm: VM, type: ObjectId, b: Uint8Array, out: Holder): ObjectId {
  const alloc = b.length === 0 ? 0 : b.length + 1;
  const buf = new Uint8Array(alloc);
  buf.set(b);
  return vm.allocFor(
    type,
    'bytearray',
    'bytes',
    BYTEARRAY_HEADER + alloc,
    { t: 'bytearray', type, v: buf, len: b.length },
    out,
  );
}

export function newBytearray(vm: VM, b: Uint8Array, out: Holder): ObjectId {
  return newBytearrayOf(vm, vm.T.bytearray, b, out);
}

function byteValue(vm: VM, x: ObjectId): number {
  if (!vm.hasIndex(x)) throw vm.typeError(`'${vm.typeName(x)}' object cannot be interpreted as an integer`);
  const n = vm.index(x);
  if (n < 0n || n > 255n) throw vm.pyErr('ValueError', 'byte must be in range(0, 256)');
  return Number(n);
}

/** bytearray_repr: bytearray(b'...'), a single quote always escaped. */
function bytearrayRepr(vm: VM, self: ObjectId): string {
  const b = view(vm, self);
  let hasSingle = false;
  let hasDouble = false;
  for (const c of b) {
    if (c === 39) hasSingle = true;
    if (c === 34) hasDouble = true;
  }
  const q = hasSingle && !hasDouble ? '"' : "'";
  let s = '';
  for (const c of b) {
    if (c === 39 || c === 92) s += `\\${String.fromCharCode(c)}`;
    else if (c === 9) s += '\\t';
    else if (c === 10) s += '\\n';
    else if (c === 13) s += '\\r';
    else if (c < 32 || c >= 127) s += `\\x${c.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(c);
  }
  const tv = vm.typeValue(vm.typeOf(self));
  return `${tv.name}(b${q}${s}${q})`;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const r = new Uint8Array(a.length + b.length);
  r.set(a);
  r.set(b, a.length);
  return r;
}

function otherBytes(vm: VM, a: ObjectId, b: ObjectId): Uint8Array {
  try {
    return bytesOf(vm, b);
  } catch (e) {
    if (vm.raised(e, 'TypeError')) {
      vm.clearRaise(e);
      throw vm.typeError(`can't concat ${vm.typeName(b)} to ${vm.typeName(a)}`);
    }
    throw e;
  }
}

const bytesSlotsOf = (vm: VM): TypeSlots => vm.typeValue(vm.T.bytes).slots;

const bytearraySlots: TypeSlots = {
  new: (vm, type, _args, _kw, out) => newBytearrayOf(vm, type, new Uint8Array(0), out),
  init: (vm, self, args, kwnames) => {
    const n = npos(args, kwnames);
    const src = n > 0 ? args[0] : kwarg(args, kwnames, 'source');
    const enc = n > 1 ? args[1] : kwarg(args, kwnames, 'encoding');
    if (src === undefined) {
      if (enc !== undefined) throw vm.typeError('encoding without a string argument');
      resizeTo(vm, self, 0);
      return;
    }
    if (enc !== undefined) {
      if (vm.value(src).t !== 'str') throw vm.typeError('encoding without a string argument');
      const r = vm.callMethod(src, 'encode', [enc], C_TEMP);
      try {
        assign(vm, self, bytesOf(vm, r));
      } finally {
        vm.rt.decref(r, C_TEMP);
      }
      return;
    }
    assign(vm, self, bytesFromObject(vm, src));
  },
  repr: bytearrayRepr,
  unhashable: true,
  compare: (vm, a, b, op) => bytesSlotsOf(vm).compare?.(vm, a, b, op),
  iter: (vm, self, out) => {
    const type = vm.typeByName.get('bytearray_iterator') as ObjectId;
    const it = vm.alloc(
      'bytearray_iterator',
      'method',
      48,
      { t: 'native', type, data: { seq: self as ObjectId | undefined, index: 0 } },
      out,
    );
    vm.rt.increfRef(self, it, 'it_seq');
    return it;
  },
  len: (vm, self) => ba(vm, self).len,
  getitem: (vm, self, key, out) => {
    const b = view(vm, self);
    if (vm.value(key).t === 'slice') {
      const idx = sliceIndexList(vm, key, b.length);
      return newBytearray(vm, Uint8Array.from(idx.map((i) => b[i] as number)), out);
    }
    const i = seqIndex(vm, key, b.length, 'bytearray');
    if (i === undefined) throw vm.pyErr('IndexError', 'bytearray index out of range');
    return vm.newInt(BigInt(b[i] as number), out);
  },
  setitem: (vm, self, key, value) => {
    const b = view(vm, self);
    if (vm.value(key).t === 'slice') {
      const { start, step, n } = sliceIndices(vm, key, b.length);
      const repl = value === undefined ? new Uint8Array(0) : bytesFromObject(vm, value);
      if (step === 1) {
        const lo = n > 0 ? start : Math.max(0, Math.min(start, b.length));
        assign(vm, self, concatBytes(concatBytes(b.slice(0, lo), repl), b.slice(lo + n)));
        return;
      }
      const idx = sliceIndexList(vm, key, b.length);
      if (value === undefined) {
        const drop = new Set(idx);
        assign(vm, self, Uint8Array.from([...b].filter((_, i) => !drop.has(i))));
        return;
      }
      if (repl.length !== idx.length) {
        throw vm.pyErr(
          'ValueError',
          `attempt to assign bytes of size ${repl.length} to extended slice of size ${idx.length}`,
        );
      }
      idx.forEach((i, k) => (b[i] = repl[k] as number));
      return;
    }
    const i = seqIndex(vm, key, b.length, 'bytearray');
    if (i === undefined) throw vm.pyErr('IndexError', 'bytearray index out of range');
    if (value === undefined) {
      assign(vm, self, concatBytes(b.slice(0, i), b.slice(i + 1)));
      return;
    }
    b[i] = byteValue(vm, value);
  },
  contains: (vm, self, item) => bytesSlotsOf(vm).contains?.(vm, self, item) ?? false,
  concat: (vm, a, b, out) => newBytearray(vm, concatBytes(view(vm, a), otherBytes(vm, a, b)), out),
  repeat: (vm, seq, n, out) => {
    const b = view(vm, seq);
    const count = n < 0n ? 0 : Number(n);
    vm.checkSize(b.length * count, 'bytearray');
    const r = new Uint8Array(b.length * count);
    for (let k = 0; k < count; k++) r.set(b, k * b.length);
    return newBytearray(vm, r, out);
  },
  inplace: {
    '+': (vm, a, b, out) => {
      const add = otherBytes(vm, a, b).slice();
      const start = ba(vm, a).len;
      resizeTo(vm, a, start + add.length);
      ba(vm, a).v.set(add, start);
      return vm.ret(a, out);
    },
    '*': (vm, a, b, out) => {
      if (!vm.hasIndex(b)) return undefined;
      const n = vm.index(b);
      const src = view(vm, a).slice();
      const count = n < 0n ? 0 : Number(n);
      const r = new Uint8Array(src.length * count);
      for (let k = 0; k < count; k++) r.set(src, k * src.length);
      assign(vm, a, r);
      return vm.ret(a, out);
    },
  },
};

/** A bytes method whose result becomes a bytearray (upper, strip, replace ...). */
function asBytearray(name: string): Native {
  return (vm, args, kwnames, out) => {
    const fn = bytesMethods[name] as Native;
    const r = fn(vm, args, kwnames, C_TEMP);
    try {
      const rv = vm.value(r);
      if (rv.t === 'bytes') return newBytearray(vm, rv.v, out);
      if (rv.t === 'list') {
        const parts = rv.items.map((x) => newBytearray(vm, bytesOf(vm, x), C_TEMP));
        return vm.newList(parts, out, C_TEMP);
      }
      return vm.ret(r, out);
    } finally {
      vm.rt.decref(r, C_TEMP);
    }
  };
}

const mutators: Record<string, Native> = {
  append: (vm, args, kw, out) => {
    if (kw !== undefined || args.length !== 2)
      throw vm.typeError(`append() takes exactly one argument (${args.length - 1} given)`);
    const self = args[0] as ObjectId;
    const c = byteValue(vm, args[1] as ObjectId);
    const n = ba(vm, self).len;
    resizeTo(vm, self, n + 1);
    ba(vm, self).v[n] = c;
    return vm.none(out);
  },
  extend: (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const add = bytesFromObject(vm, args[1] as ObjectId).slice();
    const start = ba(vm, self).len;
    resizeTo(vm, self, start + add.length);
    ba(vm, self).v.set(add, start);
    return vm.none(out);
  },
  pop: (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const b = view(vm, self);
    if (b.length === 0) throw vm.pyErr('IndexError', 'pop from empty bytearray');
    let i = args[1] === undefined ? b.length - 1 : Number(vm.index(args[1]));
    if (i < 0) i += b.length;
    if (i < 0 || i >= b.length) throw vm.pyErr('IndexError', 'pop index out of range');
    const c = b[i] as number;
    assign(vm, self, concatBytes(b.slice(0, i), b.slice(i + 1)));
    return vm.newInt(BigInt(c), out);
  },
  insert: (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const b = view(vm, self);
    let i = Number(vm.index(args[1] as ObjectId));
    if (i < 0) i = Math.max(0, i + b.length);
    i = Math.min(i, b.length);
    const c = byteValue(vm, args[2] as ObjectId);
    assign(vm, self, concatBytes(concatBytes(b.slice(0, i), Uint8Array.of(c)), b.slice(i)));
    return vm.none(out);
  },
  remove: (vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const b = view(vm, self);
    const i = b.indexOf(byteValue(vm, args[1] as ObjectId));
    if (i < 0) throw vm.pyErr('ValueError', 'value not found in bytearray');
    assign(vm, self, concatBytes(b.slice(0, i), b.slice(i + 1)));
    return vm.none(out);
  },
  clear: (vm, args, _kw, out) => {
    resizeTo(vm, args[0] as ObjectId, 0);
    return vm.none(out);
  },
  copy: (vm, args, _kw, out) => newBytearray(vm, view(vm, args[0] as ObjectId), out),
  reverse: (vm, args, _kw, out) => {
    view(vm, args[0] as ObjectId).reverse();
    return vm.none(out);
  },
  __alloc__: (vm, args, _kw, out) => vm.newInt(BigInt(ba(vm, args[0] as ObjectId).v.length), out),
  __sizeof__: (vm, args, _kw, out) => vm.newInt(BigInt(BYTEARRAY_HEADER + ba(vm, args[0] as ObjectId).v.length), out),
};

function iterNext(vm: VM, it: ObjectId, out: Holder): ObjectId | undefined {
  const d = (vm.value(it) as { data: { seq: ObjectId | undefined; index: number } }).data;
  if (d.seq === undefined) return undefined;
  const b = view(vm, d.seq);
  if (d.index < b.length) return vm.newInt(BigInt(b[d.index++] as number), out);
  const seq = d.seq;
  d.seq = undefined;
  vm.rt.decrefRef(seq, it, 'it_seq');
  return undefined;
}

export function defineBytearrayType(vm: VM): void {
  const own: Record<string, NativeMember> = {};
  for (const name of Object.keys(bytesMethods)) {
    if (name === '__getnewargs__') continue;
    const fn = bytesMethods[name] as Native;
    const makesBytes = ['join', 'replace', 'split', 'strip', 'upper', 'lower'].includes(name);
    own[name] = { k: 'method', fn: makesBytes ? asBytearray(name) : fn };
  }
  vm.T.bytearray = vm.defineType({
    name: 'bytearray',
    base: vm.T.object,
    layout: 'bytearray',
    slots: bytearraySlots,
    members: { ...own, ...methods(mutators) },
  });
  vm.defineType({
    name: 'bytearray_iterator',
    base: vm.T.object,
    baseType: false,
    slots: { iter: (vm2, self, out) => vm2.ret(self, out), next: iterNext },
  });
}

// ---------------------------------------------------------------------------------
// memoryview
//
// A view of a bytes or bytearray object: the memoryview holds a managed buffer object
// (128 bytes, GC-tracked; every view of the same export shares it), which holds the
// exporting object; the view holds the exporter too (view.obj), so `memoryview(b)` adds
// two references to `b`. Views are 1-dimensional, format 'B' (bytes-like objects only).
//
// Source: Objects/memoryobject.c (3.11: PyMemoryView_FromObject, mbuf_alloc,
// memory_subscript, memory_ass_sub, memory_richcompare, memory_hash, memory_tobytes,
// memory_tolist, memory_release, memory_repr).
// Simplifications: no cast(), no multi-dimensional or non-byte formats; a bytearray
// with exports is not refused resizing.

const MEMORYVIEW_SIZE = 184;
const MANAGED_BUFFER_SIZE = 128;

interface ViewData {
  /** The managed buffer (held in slot `mbuf`) and the exporter (slot `obj`); undefined once released. */
  mbuf: ObjectId | undefined;
  obj: ObjectId | undefined;
  /** The bytes viewed: start, step and length over the exporter's bytes. */
  readonly start: number;
  readonly step: number;
  readonly len: number;
  /** The exporter is a bytes object. */
  readonly readonly: boolean;
}

const viewData = (vm: VM, id: ObjectId): ViewData => (vm.value(id) as { data: ViewData }).data;

function liveView(vm: VM, id: ObjectId): ViewData & { obj: ObjectId } {
  const d = viewData(vm, id);
  if (d.obj === undefined) throw vm.pyErr('ValueError', 'operation forbidden on released memoryview object');
  return d as ViewData & { obj: ObjectId };
}

/** The bytes a view shows, copied. */
function viewBytes(vm: VM, id: ObjectId): Uint8Array {
  const d = liveView(vm, id);
  const src = bytesOf(vm, d.obj);
  const r = new Uint8Array(d.len);
  for (let i = 0; i < d.len; i++) r[i] = src[d.start + i * d.step] as number;
  return r;
}

function newView(vm: VM, mbuf: ObjectId, obj: ObjectId, shape: Omit<ViewData, 'mbuf' | 'obj'>, out: Holder): ObjectId {
  const type = vm.typeByName.get('memoryview') as ObjectId;
  const m = vm.alloc(
    'memoryview',
    'method',
    MEMORYVIEW_SIZE,
    { t: 'native', type, data: { mbuf, obj, ...shape } satisfies ViewData },
    out,
  );
  vm.rt.increfRef(mbuf, m, 'mbuf');
  vm.rt.increfRef(obj, m, 'obj');
  return m;
}

function releaseView(vm: VM, id: ObjectId): void {
  const d = viewData(vm, id);
  const { mbuf, obj } = d;
  d.mbuf = undefined;
  d.obj = undefined;
  if (obj !== undefined) vm.rt.decrefRef(obj, id, 'obj');
  if (mbuf !== undefined) vm.rt.decrefRef(mbuf, id, 'mbuf');
}

const memoryviewSlots: TypeSlots = {
  new: (vm, _type, args, kwnames, out) => {
    const n = npos(args, kwnames);
    const obj = n > 0 ? args[0] : kwarg(args, kwnames, 'object');
    if (obj === undefined) throw vm.typeError("memoryview() missing required argument 'object' (pos 1)");
    const ov = vm.value(obj);
    if (ov.t === 'native' && vm.typeOf(obj) === vm.typeByName.get('memoryview')) {
      const d = liveView(vm, obj);
      return newView(vm, d.mbuf as ObjectId, d.obj, d, out);
    }
    if (ov.t !== 'bytes' && ov.t !== 'bytearray')
      throw vm.typeError(`memoryview: a bytes-like object is required, not '${vm.typeName(obj)}'`);
    const mbufType = vm.typeByName.get('managedbuffer') as ObjectId;
    const mbuf = vm.alloc(
      'managedbuffer',
      'method',
      MANAGED_BUFFER_SIZE,
      { t: 'native', type: mbufType, data: obj },
      C_TEMP,
    );
    vm.rt.increfRef(obj, mbuf, 'obj');
    try {
      const len = ov.t === 'bytes' ? ov.v.length : ov.len;
      return newView(vm, mbuf, obj, { start: 0, step: 1, len, readonly: ov.t === 'bytes' }, out);
    } finally {
      vm.rt.decref(mbuf, C_TEMP);
    }
  },
  repr: (vm, self) =>
    `<${viewData(vm, self).obj === undefined ? 'released ' : ''}memory at 0x${vm.rt.object(self).addr.toString(16)}>`,
  hash: (vm, self) => {
    const d = liveView(vm, self);
    if (!d.readonly) throw vm.pyErr('ValueError', 'cannot hash writable memoryview object');
    const b = vm.newBytes(viewBytes(vm, self), C_TEMP);
    try {
      return vm.hash(b);
    } finally {
      vm.rt.decref(b, C_TEMP);
    }
  },
  compare: (vm, a, b, op) => {
    if (op !== '==' && op !== '!=') return undefined;
    if (viewData(vm, a).obj === undefined) return op === '==' ? a === b : a !== b;
    const bv = vm.value(b);
    let other: Uint8Array;
    if (bv.t === 'bytes' || bv.t === 'bytearray') other = bytesOf(vm, b);
    else if (vm.typeOf(b) === vm.typeOf(a)) {
      if (viewData(vm, b).obj === undefined) return op !== '==';
      other = viewBytes(vm, b);
    } else return undefined;
    const mine = viewBytes(vm, a);
    const eq = mine.length === other.length && mine.every((c, i) => c === other[i]);
    return op === '==' ? eq : !eq;
  },
  len: (vm, self) => liveView(vm, self).len,
  getitem: (vm, self, key, out) => {
    const d = liveView(vm, self);
    if (vm.value(key).t === 'slice') {
      const { start, step, n } = sliceIndices(vm, key, d.len);
      return newView(
        vm,
        d.mbuf as ObjectId,
        d.obj,
        { start: d.start + start * d.step, step: d.step * step, len: n, readonly: d.readonly },
        out,
      );
    }
    const i = seqIndex(vm, key, d.len, 'memoryview');
    if (i === undefined) throw vm.pyErr('IndexError', 'index out of bounds on dimension 1');
    return vm.newInt(BigInt(bytesOf(vm, d.obj)[d.start + i * d.step] as number), out);
  },
  setitem: (vm, self, key, value) => {
    const d = liveView(vm, self);
    if (d.readonly) throw vm.typeError('cannot modify read-only memory');
    if (value === undefined) throw vm.typeError('cannot delete memory');
    const buf = bytesOf(vm, d.obj);
    if (vm.value(key).t === 'slice') {
      const idx = sliceIndexList(vm, key, d.len);
      const src = bytesOf(vm, value);
      if (src.length !== idx.length)
        throw vm.pyErr('ValueError', 'memoryview assignment: lvalue and rvalue have different structures');
      idx.forEach((i, k) => (buf[d.start + i * d.step] = src[k] as number));
      return;
    }
    const i = seqIndex(vm, key, d.len, 'memoryview');
    if (i === undefined) throw vm.pyErr('IndexError', 'index out of bounds on dimension 1');
    const c = vm.index(value);
    if (c < 0n || c > 255n) throw vm.pyErr('ValueError', "memoryview: invalid value for format 'B'");
    buf[d.start + i * d.step] = Number(c);
  },
};

const viewGetset = (get: (vm: VM, d: ViewData & { obj: ObjectId }) => ObjectId): NativeMember => ({
  k: 'getset',
  get: (vmu, self) => get(vmu as VM, liveView(vmu as VM, self)),
});

const memoryviewMembers: Record<string, NativeMember> = {
  ...methods({
    tobytes: (vm, args, _kw, out) => vm.newBytes(viewBytes(vm, args[0] as ObjectId), out),
    tolist: (vm, args, _kw, out) =>
      vm.newList(
        [...viewBytes(vm, args[0] as ObjectId)].map((c) => vm.newInt(BigInt(c), C_TEMP)),
        out,
        C_TEMP,
      ),
    hex: (vm, args, _kw, out) =>
      vm.newStr([...viewBytes(vm, args[0] as ObjectId)].map((c) => c.toString(16).padStart(2, '0')).join(''), out),
    release: (vm, args, _kw, out) => {
      releaseView(vm, args[0] as ObjectId);
      return vm.none(out);
    },
    __enter__: (vm, args, _kw, out) => {
      liveView(vm, args[0] as ObjectId);
      return vm.ret(args[0] as ObjectId, out);
    },
    __exit__: (vm, args, _kw, out) => {
      releaseView(vm, args[0] as ObjectId);
      return vm.none(out);
    },
  }),
  obj: viewGetset((vm, d) => vm.ret(d.obj, C_TEMP)),
  readonly: viewGetset((vm, d) => vm.bool(d.readonly, C_TEMP)),
  format: viewGetset((vm) => vm.newStr('B', C_TEMP)),
  itemsize: viewGetset((vm) => vm.newInt(1n, C_TEMP)),
  nbytes: viewGetset((vm, d) => vm.newInt(BigInt(d.len), C_TEMP)),
  ndim: viewGetset((vm) => vm.newInt(1n, C_TEMP)),
  shape: viewGetset((vm, d) => vm.newTuple([vm.newInt(BigInt(d.len), C_TEMP)], C_TEMP, C_TEMP)),
  strides: viewGetset((vm, d) => vm.newTuple([vm.newInt(BigInt(d.step), C_TEMP)], C_TEMP, C_TEMP)),
  c_contiguous: viewGetset((vm, d) => vm.bool(d.step === 1, C_TEMP)),
  contiguous: viewGetset((vm, d) => vm.bool(d.step === 1, C_TEMP)),
  released: { k: 'getset', get: (vm, self) => (vm as VM).bool(viewData(vm as VM, self).obj === undefined, C_TEMP) },
};

export function defineMemoryviewType(vm: VM): void {
  vm.defineType({ name: 'managedbuffer', base: vm.T.object, baseType: false });
  vm.defineType({
    name: 'memoryview',
    base: vm.T.object,
    baseType: false,
    slots: memoryviewSlots,
    members: memoryviewMembers,
  });
}
