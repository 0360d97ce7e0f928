/*
 * _struct
 * =======
 * Packing Python values into C structs and back, as Modules/_struct.c does it on
 * x86-64 Linux: the format parser (byte order prefix, repeat counts, native alignment,
 * every code x c b B ? h H i I l L q Q n N e f d s p P), the three tables (native,
 * little-endian standard, big-endian standard; on a little-endian machine the standard
 * little-endian entries whose size matches the native one use the native packers, which
 * is why `struct.pack('<h', 1 << 20)` and `struct.pack('>h', 1 << 20)` word their errors
 * differently), every error message, and the objects: `Struct` (GC, 72 bytes plus 32 per
 * format code and one more, holding its format as bytes), `unpack_iterator` (holding the
 * Struct and the buffer), and the module's cache of up to 100 Struct objects keyed by
 * format, cleared when full, which the module-level functions go through.
 *
 * Source: Modules/_struct.c (3.11): prepare_s, whichtable, getentry, align, get_pylong,
 * get_long ..., np_* / lp_* / bp_* packers and unpackers, s_pack_internal, s_unpack_internal,
 * cache_struct_converter, Struct___init___impl; Objects/floatobject.c (PyFloat_Pack2/4/8).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import {
  asDouble,
  builtinType,
  bufferOf,
  methNoArgs,
  methO,
  newExceptionClass,
  noKeywords,
  unpackKeywords,
} from './args.js';
import { frexp, ldexp } from './libm.js';

// ---------------------------------------------------------------------------------
// Format tables

type Order = 'native' | 'little' | 'big';
/** Which packer family handles a code: native (np_*), little-endian standard (lp_*), big (bp_*). */
type Family = 'np' | 'lp' | 'bp';

interface FormatDef {
  readonly code: string;
  readonly size: number;
  readonly alignment: number;
  readonly family: Family;
}

const NATIVE_SIZES: Record<string, number> = {
  x: 1,
  c: 1,
  b: 1,
  B: 1,
  '?': 1,
  h: 2,
  H: 2,
  i: 4,
  I: 4,
  l: 8,
  L: 8,
  q: 8,
  Q: 8,
  n: 8,
  N: 8,
  e: 2,
  f: 4,
  d: 8,
  s: 1,
  p: 1,
  P: 8,
};
const STD_SIZES: Record<string, number> = {
  x: 1,
  c: 1,
  b: 1,
  B: 1,
  '?': 1,
  h: 2,
  H: 2,
  i: 4,
  I: 4,
  l: 4,
  L: 4,
  q: 8,
  Q: 8,
  e: 2,
  f: 4,
  d: 8,
  s: 1,
  p: 1,
};

function formatDef(code: string, order: Order): FormatDef | undefined {
  if (order === 'native') {
    const size = NATIVE_SIZES[code];
    if (size === undefined) return undefined;
    const alignment = code === 'x' || code === 's' || code === 'p' || code === 'c' ? 0 : size;
    return { code, size, alignment, family: 'np' };
  }
  const size = STD_SIZES[code];
  if (size === undefined) return undefined;
  if (order === 'little') {
    // The little-endian table's entries take the native packers where the sizes agree,
    // except f, d and ? (initialisation of _struct on a little-endian machine).
    const nativeSize = NATIVE_SIZES[code];
    const swapped = nativeSize === size && code !== 'f' && code !== 'd' && code !== '?';
    return { code, size, alignment: 0, family: swapped ? 'np' : 'lp' };
  }
  // The big-endian table uses the native byte packers for b and B, and c, s, p are bytes.
  return { code, size, alignment: 0, family: code === 'b' || code === 'B' ? 'np' : 'bp' };
}

interface FormatCode {
  readonly def: FormatDef;
  readonly offset: number;
  /** Item size, or the byte count of an s/p code. */
  readonly size: number;
  readonly repeat: number;
}

export interface StructLayout {
  readonly order: Order;
  readonly codes: readonly FormatCode[];
  /** Total size in bytes. */
  readonly size: number;
  /** Number of values packed / unpacked. */
  readonly len: number;
}

const SSIZE_MAX = 9223372036854775807n;
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';

/** prepare_s: parse a format (as ASCII bytes). */
export function parseFormat(vm: VM, fmt: string, error: (m: string) => never): StructLayout {
  if (fmt.includes('\0')) error('embedded null character');
  let order: Order = 'native';
  let s = 0;
  const first = fmt[0];
  if (first === '<' || first === '=') {
    order = 'little';
    s = 1;
  } else if (first === '>' || first === '!') {
    order = 'big';
    s = 1;
  } else if (first === '@') s = 1;
  let size = 0n;
  let len = 0;
  const codes: FormatCode[] = [];
  while (s < fmt.length) {
    let c = fmt[s++] as string;
    if (isSpace(c)) continue;
    let num = 1n;
    if (c >= '0' && c <= '9') {
      num = BigInt(c.charCodeAt(0) - 48);
      for (;;) {
        c = fmt[s++] ?? '\0';
        if (!(c >= '0' && c <= '9')) break;
        num = num * 10n + BigInt(c.charCodeAt(0) - 48);
        if (num > SSIZE_MAX) error('total struct size too long');
      }
      if (c === '\0') error('repeat count given without format specifier');
    }
    const def = formatDef(c, order);
    if (def === undefined) error('bad char in struct format');
    if (def.alignment > 0 && size > 0n) {
      const a = BigInt(def.alignment);
      size += a - 1n - ((size - 1n) % a);
    }
    const offset = Number(size);
    if (c === 's' || c === 'p') {
      len++;
      codes.push({ def, offset, size: Number(num), repeat: 1 });
    } else if (c !== 'x') {
      len += Number(num);
      if (num > 0n) codes.push({ def, offset, size: def.size, repeat: Number(num) });
    }
    if (num > (SSIZE_MAX - size) / BigInt(def.size)) error('total struct size too long');
    size += num * BigInt(def.size);
  }
  return { order, codes, size: Number(size), len };
}

// ---------------------------------------------------------------------------------
// Floats (PyFloat_Pack2/4/8)

function packHalf(x: number): number | 'overflow' {
  let sign: number;
  let e: number;
  let bits: number;
  if (x === 0) {
    sign = Object.is(x, -0) ? 1 : 0;
    e = 0;
    bits = 0;
  } else if (!Number.isFinite(x) && !Number.isNaN(x)) {
    sign = x < 0 ? 1 : 0;
    e = 0x1f;
    bits = 0;
  } else if (Number.isNaN(x)) {
    sign = 0;
    e = 0x1f;
    bits = 512;
  } else {
    sign = x < 0 ? 1 : 0;
    const ax = Math.abs(x);
    let [f, ee] = frexp(ax);
    f *= 2.0;
    ee--;
    if (ee >= 16) return 'overflow';
    if (ee < -25) {
      f = 0.0;
      ee = 0;
    } else if (ee < -14) {
      f = ldexp(f, 14 + ee);
      ee = 0;
    } else {
      ee += 15;
      f -= 1.0;
    }
    f *= 1024.0;
    bits = Math.trunc(f);
    if (f - bits > 0.5 || (f - bits === 0.5 && bits % 2 === 1)) {
      ++bits;
      if (bits === 1024) {
        bits = 0;
        ++ee;
        if (ee === 31) return 'overflow';
      }
    }
    e = ee;
  }
  return bits | (e << 10) | (sign << 15);
}

function unpackHalf(h: number): number {
  const sign = (h >> 15) & 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0x1f) {
    if (f === 0) return sign ? -Infinity : Infinity;
    return NaN;
  }
  let x = f / 1024.0;
  let ee = e;
  if (e === 0) ee = -14;
  else {
    x += 1.0;
    ee -= 15;
  }
  x = ldexp(x, ee);
  return sign ? -x : x;
}

// ---------------------------------------------------------------------------------
// Packing

interface StructState {
  error: ObjectId;
  cache: ObjectId;
  structType: ObjectId;
  iterType: ObjectId;
}

const states = new WeakMap<VM, StructState>();

function state(vm: VM): StructState {
  const s = states.get(vm);
  if (s === undefined) throw new Error('_struct is not initialised');
  return s;
}

function structError(vm: VM, message: string): never {
  throw vm.raiseNew(state(vm).error, [vm.newStr(message, C_TEMP)], C_TEMP);
}

/** get_pylong: the int value, through __index__; StructError for a non-integer. */
function getPyLong(vm: VM, v: ObjectId): bigint {
  const val = vm.value(v);
  if (val.t === 'int') return val.v;
  if (val.t === 'bool') return val.v ? 1n : 0n;
  if (!vm.hasIndex(v)) structError(vm, 'required argument is not an integer');
  return vm.index(v);
}

const LONG_MIN = -(1n << 63n);
const LONG_MAX = (1n << 63n) - 1n;
const ULONG_MAX = (1n << 64n) - 1n;

/** get_long / get_ulong ...: "argument out of range" when the C type cannot hold it. */
function getRanged(vm: VM, v: ObjectId, unsigned: boolean): bigint {
  const x = getPyLong(vm, v);
  if (unsigned ? x < 0n || x > ULONG_MAX : x < LONG_MIN || x > LONG_MAX) structError(vm, 'argument out of range');
  return x;
}

function rangeError(vm: VM, def: FormatDef, unsigned: boolean): never {
  const ulargest = (1n << BigInt(def.size * 8)) - 1n;
  if (unsigned) structError(vm, `'${def.code}' format requires 0 <= number <= ${ulargest}`);
  const largest = ulargest >> 1n;
  structError(vm, `'${def.code}' format requires ${-largest - 1n} <= number <= ${largest}`);
}

function getFloat(vm: VM, v: ObjectId): number {
  try {
    return asDouble(vm, v);
  } catch (e) {
    if (vm.raised(e, 'Exception')) {
      vm.clearRaise(e);
      structError(vm, 'required argument is not a float');
    }
    throw e;
  }
}

function writeInt(buf: Uint8Array, at: number, size: number, x: bigint, little: boolean): void {
  let v = BigInt.asUintN(size * 8, x);
  for (let i = 0; i < size; i++) {
    buf[little ? at + i : at + size - 1 - i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function readInt(buf: Uint8Array, at: number, size: number, little: boolean, signed: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(buf[little ? at + size - 1 - i : at + i] as number);
  return signed ? BigInt.asIntN(size * 8, v) : v;
}

const SIGNED = new Set(['b', 'h', 'i', 'l', 'q', 'n']);

/** One value packed at `at` (np_* / lp_* / bp_* of _struct.c). */
function packOne(vm: VM, def: FormatDef, buf: Uint8Array, at: number, v: ObjectId): void {
  const code = def.code;
  const little = def.family !== 'bp';
  switch (code) {
    case 'c': {
      const b = vm.value(v);
      if (b.t !== 'bytes' || b.v.length !== 1) structError(vm, 'char format requires a bytes object of length 1');
      buf[at] = b.v[0] as number;
      return;
    }
    case '?':
      buf[at] = vm.truthy(v) ? 1 : 0;
      return;
    case 'e': {
      const r = packHalf(getFloat(vm, v));
      if (r === 'overflow') throw vm.pyErr('OverflowError', 'float too large to pack with e format');
      writeInt(buf, at, 2, BigInt(r), little);
      return;
    }
    case 'f': {
      const x = getFloat(vm, v);
      const y = Math.fround(x);
      if (def.family !== 'np' && !Number.isFinite(y) && Number.isFinite(x)) {
        throw vm.pyErr('OverflowError', 'float too large to pack with f format');
      }
      new DataView(buf.buffer, buf.byteOffset).setFloat32(at, y, little);
      return;
    }
    case 'd':
      new DataView(buf.buffer, buf.byteOffset).setFloat64(at, getFloat(vm, v), little);
      return;
    case 'P': {
      const x = getPyLong(vm, v);
      if (x < LONG_MIN || x > ULONG_MAX) structError(vm, 'int too large to convert');
      writeInt(buf, at, 8, x, true);
      return;
    }
    default:
      break;
  }
  const signed = SIGNED.has(code);
  let x: bigint;
  if (def.family === 'np') {
    x = getRanged(vm, v, !signed && code !== 'B' && code !== 'H');
    switch (code) {
      case 'b':
        if (x < -128n || x > 127n) structError(vm, 'byte format requires -128 <= number <= 127');
        break;
      case 'B':
        if (x < 0n || x > 255n) structError(vm, 'ubyte format requires 0 <= number <= 255');
        break;
      case 'h':
        if (x < -32768n || x > 32767n) structError(vm, 'short format requires -32768 <= number <= 32767');
        break;
      case 'H':
        if (x < 0n || x > 65535n) structError(vm, 'ushort format requires 0 <= number <= 65535');
        break;
      case 'i':
        if (x < -2147483648n || x > 2147483647n) rangeError(vm, def, false);
        break;
      case 'I':
        if (x > 4294967295n) rangeError(vm, def, true);
        break;
      default:
        break;
    }
  } else if (def.size === 8) {
    // bp_longlong / bp_ulonglong: _PyLong_AsByteArray's OverflowError, renamed by s_pack_internal.
    x = getPyLong(vm, v);
    if (signed ? x < LONG_MIN || x > LONG_MAX : x < 0n || x > ULONG_MAX) structError(vm, 'int too large to convert');
  } else {
    x = getRanged(vm, v, !signed);
    const bits = BigInt(def.size * 8);
    if (signed ? x < -(1n << (bits - 1n)) || x >= 1n << (bits - 1n) : x >= 1n << bits) rangeError(vm, def, !signed);
  }
  writeInt(buf, at, def.size, x, little);
}

function unpackOne(vm: VM, def: FormatDef, buf: Uint8Array, at: number, out: Holder): ObjectId {
  const little = def.family !== 'bp';
  switch (def.code) {
    case 'c':
      return vm.newBytes(buf.slice(at, at + 1), out);
    case '?':
      return vm.bool(buf[at] !== 0, out);
    case 'e':
      return vm.newFloat(unpackHalf(Number(readInt(buf, at, 2, little, false))), out);
    case 'f':
      return vm.newFloat(new DataView(buf.buffer, buf.byteOffset).getFloat32(at, little), out);
    case 'd':
      return vm.newFloat(new DataView(buf.buffer, buf.byteOffset).getFloat64(at, little), out);
    default:
      return vm.newInt(readInt(buf, at, def.size, little, SIGNED.has(def.code)), out);
  }
}

function packInto(vm: VM, layout: StructLayout, values: readonly ObjectId[], buf: Uint8Array, base: number): void {
  let k = 0;
  for (const code of layout.codes) {
    let at = base + code.offset;
    for (let r = 0; r < code.repeat; r++) {
      const v = values[k++] as ObjectId;
      const c = code.def.code;
      if (c === 's' || c === 'p') {
        const b = vm.value(v);
        if (b.t !== 'bytes' && b.t !== 'bytearray') structError(vm, `argument for '${c}' must be a bytes object`);
        const data = b.t === 'bytes' ? b.v : b.v.subarray(0, b.len);
        if (c === 's') {
          const n = Math.min(data.length, code.size);
          buf.set(data.subarray(0, n), at);
        } else {
          let n = Math.min(data.length, code.size - 1);
          if (n > 0) buf.set(data.subarray(0, n), at + 1);
          if (n > 255) n = 255;
          if (code.size > 0) buf[at] = Math.max(n, 0);
        }
      } else packOne(vm, code.def, buf, at, v);
      at += code.size;
    }
  }
}

function unpackTuple(vm: VM, layout: StructLayout, buf: Uint8Array, base: number, out: Holder): ObjectId {
  const items: ObjectId[] = [];
  try {
    for (const code of layout.codes) {
      let at = base + code.offset;
      for (let r = 0; r < code.repeat; r++) {
        const c = code.def.code;
        if (c === 's') items.push(vm.newBytes(buf.slice(at, at + code.size), C_TEMP));
        else if (c === 'p') {
          let n = buf[at] as number;
          if (n >= code.size) n = code.size - 1;
          items.push(vm.newBytes(buf.slice(at + 1, at + 1 + Math.max(n, 0)), C_TEMP));
        } else items.push(unpackOne(vm, code.def, buf, at, C_TEMP));
        at += code.size;
      }
    }
  } catch (e) {
    for (const x of items) vm.rt.decref(x, C_TEMP);
    throw e;
  }
  return vm.newTuple(items, out, C_TEMP);
}

// ---------------------------------------------------------------------------------
// Struct objects

interface StructData {
  /** s_format: the format as bytes (ASCII). */
  format: string;
  layout: StructLayout;
}

const STRUCT_BASE = 72;
const CODE_SIZE = 32;

function structData(vm: VM, self: ObjectId): StructData {
  const v = vm.value(self);
  if (v.t !== 'native' || (v.data as StructData | undefined)?.layout === undefined) {
    throw vm.typeError(`descriptor requires a '_struct.Struct' object but received a '${vm.typeName(self)}'`);
  }
  return v.data as StructData;
}

/** Struct.__init__(format): the format (str → ASCII bytes) parsed; the object resized to its codes. */
function structInit(vm: VM, self: ObjectId, format: ObjectId): void {
  const fv = vm.value(format);
  let text: string;
  if (fv.t === 'str') {
    for (let i = 0; i < fv.v.length; i++) {
      if (fv.v.charCodeAt(i) > 127) {
        throw vm.pyErr(
          'UnicodeEncodeError',
          `'ascii' codec can't encode character '\\x${fv.v.charCodeAt(i).toString(16).padStart(2, '0')}' in position ${i}: ordinal not in range(128)`,
        );
      }
    }
    text = fv.v;
  } else if (fv.t === 'bytes') text = String.fromCharCode(...fv.v);
  else throw vm.typeError(`Struct() argument 1 must be a str or bytes object, not ${vm.typeName(format)}`);
  const layout = parseFormat(vm, text, (m) => structError(vm, m));
  const data = structData(vm, self);
  data.format = text;
  data.layout = layout;
  const bytes = vm.newBytes(
    Uint8Array.from(text, (c) => c.charCodeAt(0)),
    C_TEMP,
  );
  const old = vm.rt.object(self).refs.find((r) => r?.slot === 's_format')?.to;
  vm.rt.moveToRef(bytes, C_TEMP, self, 's_format');
  if (old !== undefined) vm.rt.decrefRef(old, self, 's_format');
  const ncodes = layout.codes.length;
  vm.rt.resize(self, STRUCT_BASE + CODE_SIZE * (ncodes + 1));
  vm.rt.setBuffer(self, 's_codes', CODE_SIZE * (ncodes + 1));
}

function newStruct(vm: VM, type: ObjectId, out: Holder): ObjectId {
  const data: StructData = { format: '', layout: { order: 'native', codes: [], size: 0, len: 0 } };
  return vm.allocFor(type, '_struct.Struct', 'method', STRUCT_BASE + CODE_SIZE, { t: 'native', type, data }, out, {
    alloc: STRUCT_BASE,
  });
}

/** cache_struct_converter: the cached Struct for `fmt`, made (and cached) when missing. */
function cachedStruct(vm: VM, fmt: ObjectId, out: Holder): ObjectId {
  const st = state(vm);
  if (vm.dictSize(st.cache) >= 100) vm.dictClear(st.cache);
  const found = vm.dictGet(st.cache, fmt);
  if (found !== undefined) return vm.ret(found, out);
  const s = vm.call(st.structType, [fmt], undefined, out);
  vm.dictSet(st.cache, fmt, s, C_TEMP, 'copy');
  return s;
}

function withStruct<T>(vm: VM, fmt: ObjectId, f: (s: ObjectId) => T): T {
  const s = cachedStruct(vm, fmt, C_TEMP);
  try {
    return f(s);
  } finally {
    vm.rt.decref(s, C_TEMP);
  }
}

function readBuffer(vm: VM, obj: ObjectId): Uint8Array {
  const b = bufferOf(vm, obj);
  if (b === undefined) throw vm.typeError(`a bytes-like object is required, not '${vm.typeName(obj)}'`);
  return b;
}

function pack(vm: VM, s: ObjectId, values: readonly ObjectId[], out: Holder): ObjectId {
  const { layout } = structData(vm, s);
  if (values.length !== layout.len) {
    structError(vm, `pack expected ${layout.len} items for packing (got ${values.length})`);
  }
  const buf = new Uint8Array(layout.size);
  packInto(vm, layout, values, buf, 0);
  return vm.newBytes(buf, out);
}

function packIntoBuffer(vm: VM, s: ObjectId, args: readonly ObjectId[], out: Holder): ObjectId {
  const { layout } = structData(vm, s);
  if (args.length !== layout.len + 2) {
    if (args.length === 0) structError(vm, 'pack_into expected buffer argument');
    if (args.length === 1) structError(vm, 'pack_into expected offset argument');
    structError(vm, `pack_into expected ${layout.len} items for packing (got ${args.length - 2})`);
  }
  const target = args[0] as ObjectId;
  const tv = vm.value(target);
  if (tv.t !== 'bytearray') {
    throw vm.typeError(`argument must be read-write bytes-like object, not ${vm.typeName(target)}`);
  }
  const buf = tv.v.subarray(0, tv.len);
  let offset = Number(vm.index(args[1] as ObjectId));
  if (offset < 0) {
    if (offset + layout.size > 0) structError(vm, `no space to pack ${layout.size} bytes at offset ${offset}`);
    if (offset + buf.length < 0) structError(vm, `offset ${offset} out of range for ${buf.length}-byte buffer`);
    offset += buf.length;
  }
  if (buf.length - offset < layout.size) {
    structError(
      vm,
      `pack_into requires a buffer of at least ${layout.size + offset} bytes for packing ${layout.size} bytes at offset ${offset} (actual buffer size is ${buf.length})`,
    );
  }
  const scratch = new Uint8Array(layout.size);
  scratch.set(buf.subarray(offset, offset + layout.size));
  packInto(vm, layout, args.slice(2), scratch, 0);
  buf.set(scratch, offset);
  return vm.none(out);
}

function unpack(vm: VM, s: ObjectId, buffer: ObjectId, out: Holder): ObjectId {
  const { layout } = structData(vm, s);
  const buf = readBuffer(vm, buffer);
  if (buf.length !== layout.size) structError(vm, `unpack requires a buffer of ${layout.size} bytes`);
  return unpackTuple(vm, layout, buf, 0, out);
}

function unpackFrom(vm: VM, s: ObjectId, buffer: ObjectId, offsetArg: ObjectId | undefined, out: Holder): ObjectId {
  const { layout } = structData(vm, s);
  const buf = readBuffer(vm, buffer);
  let offset = offsetArg === undefined ? 0 : Number(vm.index(offsetArg));
  if (offset < 0) {
    if (offset + buf.length < 0) structError(vm, `offset ${offset} out of range for ${buf.length}-byte buffer`);
    offset += buf.length;
  }
  if (buf.length - offset < layout.size) {
    structError(
      vm,
      `unpack_from requires a buffer of at least ${layout.size + offset} bytes for unpacking ${layout.size} bytes at offset ${offset} (actual buffer size is ${buf.length})`,
    );
  }
  return unpackTuple(vm, layout, buf, offset, out);
}

interface IterData {
  index: number;
}

function iterUnpack(vm: VM, s: ObjectId, buffer: ObjectId, out: Holder): ObjectId {
  const { layout } = structData(vm, s);
  if (layout.size === 0) structError(vm, 'cannot iteratively unpack with a struct of length 0');
  const buf = readBuffer(vm, buffer);
  if (buf.length % layout.size !== 0) {
    structError(vm, `iterative unpacking requires a buffer of a multiple of ${layout.size} bytes`);
  }
  const it = vm.alloc(
    '_struct.unpack_iterator',
    'method',
    128,
    {
      t: 'native',
      type: state(vm).iterType,
      data: { index: 0 } satisfies IterData,
    },
    out,
  );
  vm.rt.increfRef(s, it, 'so');
  vm.rt.increfRef(buffer, it, 'buf.obj');
  return it;
}

function iterParts(vm: VM, it: ObjectId): { data: IterData; s: ObjectId | undefined; buffer: ObjectId | undefined } {
  const refs = vm.rt.object(it).refs;
  return {
    data: vm.as(it, 'native').data as IterData,
    s: refs.find((r) => r?.slot === 'so')?.to,
    buffer: refs.find((r) => r?.slot === 'buf.obj')?.to,
  };
}

const iterSlots: TypeSlots = {
  iter: (vm, self, out) => vm.ret(self, out),
  next: (vm, self, out) => {
    const { data, s, buffer } = iterParts(vm, self);
    if (s === undefined || buffer === undefined) return undefined;
    const { layout } = structData(vm, s);
    const buf = readBuffer(vm, buffer);
    if (data.index + layout.size > buf.length) {
      // unpackiter_iternext releases the buffer and the struct when exhausted.
      vm.rt.decrefRef(buffer, self, 'buf.obj');
      vm.rt.decrefRef(s, self, 'so');
      return undefined;
    }
    const r = unpackTuple(vm, layout, buf, data.index, out);
    data.index += layout.size;
    return r;
  },
};

const iterMembers: Record<string, NativeMember> = {
  __length_hint__: {
    k: 'method',
    fn: (vm, args, _kw, out) => {
      const { data, s, buffer } = iterParts(vm, args[0] as ObjectId);
      if (s === undefined || buffer === undefined) return vm.newInt(0n, out);
      const { layout } = structData(vm, s);
      return vm.newInt(BigInt(Math.floor((readBuffer(vm, buffer).length - data.index) / layout.size)), out);
    },
  },
};

const structSlots: TypeSlots = {
  new: (vm, type, _args, _kwnames, out) => newStruct(vm, type, out),
  init: (vm, self, args, kwnames) => {
    const [format] = unpackKeywords(vm, 'Struct', args, kwnames, { names: ['format'] });
    structInit(vm, self, format as ObjectId);
  },
  repr: (vm, self) => `<_struct.Struct object at 0x${vm.rt.object(self).addr.toString(16)}>`,
};

const structMembers: Record<string, NativeMember> = {
  pack: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      noKeywords(vm, 'Struct.pack', kw);
      return pack(vm, args[0] as ObjectId, args.slice(1), out);
    },
  },
  pack_into: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      noKeywords(vm, 'Struct.pack_into', kw);
      return packIntoBuffer(vm, args[0] as ObjectId, args.slice(1), out);
    },
  },
  unpack: {
    k: 'method',
    fn: (vm, args, kw, out) => unpack(vm, args[0] as ObjectId, methO(vm, 'Struct.unpack', args.slice(1), kw), out),
  },
  unpack_from: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const [buffer, offset] = unpackKeywords(vm, 'unpack_from', args.slice(1), kw, {
        names: ['buffer', 'offset'],
        required: 1,
      });
      return unpackFrom(vm, args[0] as ObjectId, buffer as ObjectId, offset, out);
    },
  },
  iter_unpack: {
    k: 'method',
    fn: (vm, args, kw, out) =>
      iterUnpack(vm, args[0] as ObjectId, methO(vm, 'Struct.iter_unpack', args.slice(1), kw), out),
  },
  __sizeof__: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      methNoArgs(vm, 'Struct.__sizeof__', args.slice(1), kw);
      const { layout } = structData(vm, args[0] as ObjectId);
      return vm.newInt(BigInt(STRUCT_BASE - 16 + CODE_SIZE * (layout.codes.length + 1)), out);
    },
  },
  format: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      return vm.newStr(structData(vm, self).format, C_TEMP);
    },
  },
  size: {
    k: 'getset',
    get: (vmu, self) => {
      const vm = vmu as VM;
      return vm.newInt(BigInt(structData(vm, self).layout.size), C_TEMP);
    },
  },
};

// ---------------------------------------------------------------------------------
// Module functions (through the cache)

function fmtAndRest(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kwnames: readonly string[] | undefined,
  min: number,
) {
  noKeywords(vm, `_struct.${name}`, kwnames);
  if (args.length < min) throw vm.typeError('missing format argument');
  return { fmt: args[0] as ObjectId, rest: args.slice(1) };
}

const functions: Record<string, Native> = {
  pack: (vm, args, kwnames, out) => {
    const { fmt, rest } = fmtAndRest(vm, 'pack', args, kwnames, 1);
    return withStruct(vm, fmt, (s) => pack(vm, s, rest, out));
  },
  pack_into: (vm, args, kwnames, out) => {
    const { fmt, rest } = fmtAndRest(vm, 'pack_into', args, kwnames, 1);
    return withStruct(vm, fmt, (s) => packIntoBuffer(vm, s, rest, out));
  },
  unpack: (vm, args, kwnames, out) => {
    noKeywords(vm, '_struct.unpack', kwnames);
    if (args.length !== 2) throw vm.typeError(`unpack expected 2 arguments, got ${args.length}`);
    return withStruct(vm, args[0] as ObjectId, (s) => unpack(vm, s, args[1] as ObjectId, out));
  },
  unpack_from: (vm, args, kwnames, out) => {
    const [fmt, buffer, offset] = unpackKeywords(vm, 'unpack_from', args, kwnames, {
      names: ['format', 'buffer', 'offset'],
      posOnly: 1,
      required: 2,
    });
    return withStruct(vm, fmt as ObjectId, (s) => unpackFrom(vm, s, buffer as ObjectId, offset, out));
  },
  iter_unpack: (vm, args, kwnames, out) => {
    noKeywords(vm, '_struct.iter_unpack', kwnames);
    if (args.length !== 2) throw vm.typeError(`iter_unpack expected 2 arguments, got ${args.length}`);
    return withStruct(vm, args[0] as ObjectId, (s) => iterUnpack(vm, s, args[1] as ObjectId, out));
  },
  calcsize: (vm, args, kwnames, out) => {
    const fmt = methO(vm, '_struct.calcsize', args, kwnames);
    return withStruct(vm, fmt, (s) => vm.newInt(BigInt(structData(vm, s).layout.size), out));
  },
  _clearcache: (vm, args, kwnames, out) => {
    methNoArgs(vm, '_struct._clearcache', args, kwnames);
    vm.dictClear(state(vm).cache);
    return vm.none(out);
  },
};

registerBuiltinModule('_struct', (vm, module, dict) => {
  const structType =
    vm.typeByName.get('_struct.Struct') ??
    vm.defineType({ name: 'Struct', module: '_struct', base: vm.T.object, slots: structSlots, members: structMembers });
  const iterType =
    vm.typeByName.get('_struct.unpack_iterator') ??
    vm.defineType({
      name: 'unpack_iterator',
      module: '_struct',
      base: vm.T.object,
      baseType: false,
      slots: iterSlots,
      members: iterMembers,
    });
  const error = newExceptionClass(vm, 'struct.error', [builtinType(vm, 'Exception')], C_TEMP);
  const cache = vm.newDict(C_TEMP);
  // The module state holds the cache (a dict of Struct objects by format).
  vm.rt.moveToRef(cache, C_TEMP, module, 'state.cache');
  states.set(vm, { error, cache, structType, iterType });
  vm.addFunctions(dict, '_struct', functions);
  vm.dictSetStr(dict, 'Struct', structType, C_TEMP, 'copy');
  vm.dictSetStr(dict, 'error', error, C_TEMP, 'move');
});
