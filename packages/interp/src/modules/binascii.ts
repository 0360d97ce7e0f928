/*
 * binascii
 * ========
 * Conversions between binary data and ASCII that base64.py and others use: hexlify /
 * b2a_hex (with sep and bytes_per_sep), unhexlify / a2b_hex, b2a_base64, a2b_base64 (the
 * lenient decoder and strict_mode), crc32 (zlib's) and crc_hqx (CRC-CCITT), and the
 * exceptions `binascii.Error` (a ValueError) and `binascii.Incomplete`. The "a2b"
 * functions take bytes-like objects or ASCII str.
 *
 * Source: Modules/binascii.c (3.11), Python/pystrhex.c (_Py_strhex_impl).
 *
 * Not simulated: the uu and quoted-printable codecs (a2b_uu, b2a_uu, a2b_qp, b2a_qp).
 */
import type { ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import {
  builtinType,
  bufferOf,
  bytesLike,
  checkPositional,
  methO,
  newExceptionClass,
  noKeywords,
  unpackKeywords,
} from './args.js';

const errors = new WeakMap<VM, ObjectId>();

function binasciiError(vm: VM, message: string): ReturnType<VM['pyErr']> {
  const cls = errors.get(vm) ?? builtinType(vm, 'ValueError');
  return vm.raiseNew(cls, [vm.newStr(message, C_TEMP)], C_TEMP);
}

/** ascii_buffer_converter: bytes-like, or a str of ASCII characters. */
function asciiData(vm: VM, obj: ObjectId): Uint8Array {
  const v = vm.value(obj);
  if (v.t === 'str') {
    const bytes = new Uint8Array(v.v.length);
    for (let i = 0; i < v.v.length; i++) {
      const c = v.v.charCodeAt(i);
      if (c > 127) throw vm.pyErr('ValueError', 'string argument should contain only ASCII characters');
      bytes[i] = c;
    }
    return bytes;
  }
  const b = bufferOf(vm, obj);
  if (b === undefined)
    throw vm.typeError(`argument should be bytes, buffer or ASCII string, not '${vm.typeName(obj)}'`);
  return b;
}

const HEX = '0123456789abcdef';

/** _Py_strhex_impl with a separator every `perSep` bytes (from the right when positive). */
function strhex(data: Uint8Array, sep: string | undefined, perSep: number): string {
  const hex = [...data].map((b) => (HEX[b >> 4] as string) + (HEX[b & 15] as string));
  if (sep === undefined || perSep === 0 || data.length === 0) return hex.join('');
  const n = Math.abs(perSep);
  const groups: string[] = [];
  if (perSep > 0) {
    // Groups counted from the right: the first group may be shorter.
    let first = hex.length % n;
    if (first === 0) first = n;
    groups.push(hex.slice(0, first).join(''));
    for (let i = first; i < hex.length; i += n) groups.push(hex.slice(i, i + n).join(''));
  } else {
    for (let i = 0; i < hex.length; i += n) groups.push(hex.slice(i, i + n).join(''));
  }
  return groups.join(sep);
}

function hexlify(name: string): Native {
  return (vm, args, kwnames, out) => {
    const [data, sepArg, perArg] = unpackKeywords(vm, name, args, kwnames, {
      names: ['data', 'sep', 'bytes_per_sep'],
      required: 1,
    });
    const bytes = bytesLike(vm, data as ObjectId);
    let sep: string | undefined;
    if (sepArg !== undefined && sepArg !== vm.statics.none) {
      const sv = vm.value(sepArg);
      if (sv.t === 'str') sep = sv.v;
      else {
        const b = bufferOf(vm, sepArg);
        if (b === undefined) throw vm.typeError(`sep must be str or bytes.`);
        sep = String.fromCharCode(...b);
      }
      if ([...sep].length !== 1) throw vm.pyErr('ValueError', 'sep must be length 1.');
      if (sep.charCodeAt(0) > 127) throw vm.pyErr('ValueError', 'sep must be ASCII.');
    }
    const per = perArg === undefined ? 1 : Number(vm.index(perArg));
    const text = strhex(bytes, sep, per);
    return vm.newBytes(
      Uint8Array.from(text, (c) => c.charCodeAt(0)),
      out,
    );
  };
}

function unhexlify(name: string): Native {
  return (vm, args, kwnames, out) => {
    const bytes = asciiData(vm, methO(vm, `binascii.${name}`, args, kwnames));
    if (bytes.length % 2 !== 0) throw binasciiError(vm, 'Odd-length string');
    const outBytes = new Uint8Array(bytes.length / 2);
    const digit = (c: number): number => {
      if (c >= 48 && c <= 57) return c - 48;
      if (c >= 97 && c <= 102) return c - 87;
      if (c >= 65 && c <= 70) return c - 55;
      return -1;
    };
    for (let i = 0; i < outBytes.length; i++) {
      const hi = digit(bytes[2 * i] as number);
      const lo = digit(bytes[2 * i + 1] as number);
      if (hi < 0 || lo < 0) throw binasciiError(vm, 'Non-hexadecimal digit found');
      outBytes[i] = (hi << 4) | lo;
    }
    return vm.newBytes(outBytes, out);
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

function a2bBase64(vm: VM, data: Uint8Array, strict: boolean): Uint8Array {
  const out: number[] = [];
  if (strict && data.length > 0 && data[0] === 61) throw binasciiError(vm, 'Leading padding not allowed');
  let quadPos = 0;
  let leftchar = 0;
  let pads = 0;
  let paddingStarted = false;
  for (let i = 0; i < data.length; i++) {
    const ch = data[i] as number;
    if (ch === 61) {
      paddingStarted = true;
      if (strict && quadPos === 0) throw binasciiError(vm, 'Excess padding not allowed');
      if (quadPos >= 2 && quadPos + ++pads >= 4) {
        if (strict && i + 1 < data.length) throw binasciiError(vm, 'Excess data after padding');
        return Uint8Array.from(out);
      }
      continue;
    }
    const v = B64_INDEX[ch] as number;
    if (v < 0) {
      if (strict) throw binasciiError(vm, 'Only base64 data is allowed');
      continue;
    }
    if (strict && paddingStarted) throw binasciiError(vm, 'Discontinuous padding not allowed');
    pads = 0;
    switch (quadPos) {
      case 0:
        quadPos = 1;
        leftchar = v;
        break;
      case 1:
        quadPos = 2;
        out.push(((leftchar << 2) | (v >> 4)) & 0xff);
        leftchar = v & 0x0f;
        break;
      case 2:
        quadPos = 3;
        out.push(((leftchar << 4) | (v >> 2)) & 0xff);
        leftchar = v & 0x03;
        break;
      default:
        quadPos = 0;
        out.push(((leftchar << 6) | v) & 0xff);
        leftchar = 0;
    }
  }
  if (quadPos !== 0) {
    if (quadPos === 1) {
      throw binasciiError(
        vm,
        `Invalid base64-encoded string: number of data characters (${Math.floor(out.length / 3) * 4 + 1}) cannot be 1 more than a multiple of 4`,
      );
    }
    throw binasciiError(vm, 'Incorrect padding');
  }
  return Uint8Array.from(out);
}

function b2aBase64(data: Uint8Array, newline: boolean): Uint8Array {
  let s = '';
  let i = 0;
  for (; i + 2 < data.length; i += 3) {
    const n = ((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number);
    s +=
      (B64[n >> 18] as string) +
      (B64[(n >> 12) & 63] as string) +
      (B64[(n >> 6) & 63] as string) +
      (B64[n & 63] as string);
  }
  if (i < data.length) {
    const a = data[i] as number;
    const b = i + 1 < data.length ? (data[i + 1] as number) : 0;
    const n = (a << 16) | (b << 8);
    s += (B64[n >> 18] as string) + (B64[(n >> 12) & 63] as string);
    s += i + 1 < data.length ? (B64[(n >> 6) & 63] as string) + '=' : '==';
  }
  if (newline) s += '\n';
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array, start: number): number {
  let c = ~start >>> 0;
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

function crcHqx(data: Uint8Array, start: number): number {
  let crc = start & 0xffff;
  for (const b of data) {
    crc ^= b << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** An unsigned int argument taken modulo 2**32 (clinic's `unsigned_int(bitwise=True)`). */
function bitwiseUint(vm: VM, obj: ObjectId, bits: number): number {
  const v = vm.value(obj);
  if (v.t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
  return Number(BigInt.asUintN(bits, vm.index(obj)));
}

const functions: Record<string, Native> = {
  hexlify: hexlify('hexlify'),
  b2a_hex: hexlify('b2a_hex'),
  unhexlify: unhexlify('unhexlify'),
  a2b_hex: unhexlify('a2b_hex'),
  a2b_base64: (vm, args, kwnames, out) => {
    const [data, strict] = unpackKeywords(vm, 'a2b_base64', args, kwnames, {
      names: ['data', 'strict_mode'],
      posOnly: 1,
      maxPos: 1,
      required: 1,
    });
    const bytes = asciiData(vm, data as ObjectId);
    return vm.newBytes(a2bBase64(vm, bytes, strict !== undefined && vm.truthy(strict)), out);
  },
  b2a_base64: (vm, args, kwnames, out) => {
    const [data, newline] = unpackKeywords(vm, 'b2a_base64', args, kwnames, {
      names: ['data', 'newline'],
      posOnly: 1,
      maxPos: 1,
      required: 1,
    });
    const bytes = bytesLike(vm, data as ObjectId);
    return vm.newBytes(b2aBase64(bytes, newline === undefined || vm.truthy(newline)), out);
  },
  crc32: (vm, args, kwnames, out) => {
    noKeywords(vm, 'binascii.crc32', kwnames);
    const [data, crc] = checkPositional(vm, 'crc32', args, kwnames, 1, 2);
    const bytes = bytesLike(vm, data as ObjectId);
    return vm.newInt(BigInt(crc32(bytes, crc === undefined ? 0 : bitwiseUint(vm, crc, 32))), out);
  },
  crc_hqx: (vm, args, kwnames, out) => {
    noKeywords(vm, 'binascii.crc_hqx', kwnames);
    const [data, crc] = checkPositional(vm, 'crc_hqx', args, kwnames, 2, 2);
    const bytes = bytesLike(vm, data as ObjectId);
    return vm.newInt(BigInt(crcHqx(bytes, bitwiseUint(vm, crc as ObjectId, 32))), out);
  },
};

registerBuiltinModule('binascii', (vm, _module, dict) => {
  vm.addFunctions(dict, 'binascii', functions);
  const error = newExceptionClass(vm, 'binascii.Error', [builtinType(vm, 'ValueError')], C_TEMP);
  errors.set(vm, error);
  vm.dictSetStr(dict, 'Error', error, C_TEMP, 'move');
  const incomplete = newExceptionClass(vm, 'binascii.Incomplete', [builtinType(vm, 'Exception')], C_TEMP);
  vm.dictSetStr(dict, 'Incomplete', incomplete, C_TEMP, 'move');
});
