/*
 * _sha512
 * =======
 * SHA-512 and SHA-384 (FIPS 180-4) for the `_sha512` module that Lib/random.py seeds
 * from (random.seed("text") hashes the text with sha512), and hashlib's fallback.
 * Objects `_sha512.sha512` / `_sha512.sha384` keep the running state; `update`,
 * `digest`, `hexdigest`, `copy`, and the `name`, `digest_size`, `block_size`
 * attributes are CPython's.
 *
 * Source: Modules/sha512module.c (3.11), FIPS 180-4 section 6.4.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import type { NativeMember } from '../vm/values.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { bufferOf, methNoArgs, methO, unpackKeywords } from './args.js';

const K = [
  '428a2f98d728ae22',
  '7137449123ef65cd',
  'b5c0fbcfec4d3b2f',
  'e9b5dba58189dbbc',
  '3956c25bf348b538',
  '59f111f1b605d019',
  '923f82a4af194f9b',
  'ab1c5ed5da6d8118',
  'd807aa98a3030242',
  '12835b0145706fbe',
  '243185be4ee4b28c',
  '550c7dc3d5ffb4e2',
  '72be5d74f27b896f',
  '80deb1fe3b1696b1',
  '9bdc06a725c71235',
  'c19bf174cf692694',
  'e49b69c19ef14ad2',
  'efbe4786384f25e3',
  '0fc19dc68b8cd5b5',
  '240ca1cc77ac9c65',
  '2de92c6f592b0275',
  '4a7484aa6ea6e483',
  '5cb0a9dcbd41fbd4',
  '76f988da831153b5',
  '983e5152ee66dfab',
  'a831c66d2db43210',
  'b00327c898fb213f',
  'bf597fc7beef0ee4',
  'c6e00bf33da88fc2',
  'd5a79147930aa725',
  '06ca6351e003826f',
  '142929670a0e6e70',
  '27b70a8546d22ffc',
  '2e1b21385c26c926',
  '4d2c6dfc5ac42aed',
  '53380d139d95b3df',
  '650a73548baf63de',
  '766a0abb3c77b2a8',
  '81c2c92e47edaee6',
  '92722c851482353b',
  'a2bfe8a14cf10364',
  'a81a664bbc423001',
  'c24b8b70d0f89791',
  'c76c51a30654be30',
  'd192e819d6ef5218',
  'd69906245565a910',
  'f40e35855771202a',
  '106aa07032bbd1b8',
  '19a4c116b8d2d0c8',
  '1e376c085141ab53',
  '2748774cdf8eeb99',
  '34b0bcb5e19b48a8',
  '391c0cb3c5c95a63',
  '4ed8aa4ae3418acb',
  '5b9cca4f7763e373',
  '682e6ff3d6b2b8a3',
  '748f82ee5defb2fc',
  '78a5636f43172f60',
  '84c87814a1f0ab72',
  '8cc702081a6439ec',
  '90befffa23631e28',
  'a4506cebde82bde9',
  'bef9a3f7b2c67915',
  'c67178f2e372532b',
  'ca273eceea26619c',
  'd186b8c721c0c207',
  'eada7dd6cde0eb1e',
  'f57d4f7fee6ed178',
  '06f067aa72176fba',
  '0a637dc5a2c898a6',
  '113f9804bef90dae',
  '1b710b35131c471b',
  '28db77f523047d84',
  '32caab7b40c72493',
  '3c9ebe0a15c9bebc',
  '431d67c49c100d4c',
  '4cc5d4becb3e42b6',
  '597f299cfc657e2a',
  '5fcb6fab3ad6faec',
  '6c44198c4a475817',
].map((h) => BigInt(`0x${h}`));

const IV512 = [
  '6a09e667f3bcc908',
  'bb67ae8584caa73b',
  '3c6ef372fe94f82b',
  'a54ff53a5f1d36f1',
  '510e527fade682d1',
  '9b05688c2b3e6c1f',
  '1f83d9abfb41bd6b',
  '5be0cd19137e2179',
].map((h) => BigInt(`0x${h}`));

const IV384 = [
  'cbbb9d5dc1059ed8',
  '629a292a367cd507',
  '9159015a3070dd17',
  '152fecd8f70e5939',
  '67332667ffc00b31',
  '8eb44a8768581511',
  'db0c2e0d64f98fa7',
  '47b5481dbefa4fa4',
].map((h) => BigInt(`0x${h}`));

const M64 = (1n << 64n) - 1n;
const rotr = (x: bigint, n: bigint): bigint => ((x >> n) | (x << (64n - n))) & M64;

/** The running state of a SHA-512 computation. */
export class Sha512 {
  h: bigint[];
  private buf: number[] = [];
  private length = 0n;
  constructor(readonly digestSize: 64 | 48) {
    this.h = [...(digestSize === 64 ? IV512 : IV384)];
  }

  copy(): Sha512 {
    const c = new Sha512(this.digestSize);
    c.h = [...this.h];
    c.buf = [...this.buf];
    c.length = this.length;
    return c;
  }

  update(data: Uint8Array): void {
    this.length += BigInt(data.length);
    for (const b of data) {
      this.buf.push(b);
      if (this.buf.length === 128) {
        this.block(this.buf);
        this.buf = [];
      }
    }
  }

  digest(): Uint8Array {
    const c = this.copy();
    const bits = c.length * 8n;
    const pad = [0x80];
    while ((c.buf.length + pad.length) % 128 !== 112) pad.push(0);
    for (let i = 15; i >= 0; i--) pad.push(Number((bits >> BigInt(8 * i)) & 0xffn));
    const len = c.length;
    c.update(Uint8Array.from(pad));
    c.length = len;
    const out = new Uint8Array(64);
    c.h.forEach((w, i) => {
      for (let j = 0; j < 8; j++) out[8 * i + j] = Number((w >> BigInt(56 - 8 * j)) & 0xffn);
    });
    return out.slice(0, this.digestSize);
  }

  private block(bytes: readonly number[]): void {
    const w: bigint[] = [];
    for (let t = 0; t < 16; t++) {
      let v = 0n;
      for (let j = 0; j < 8; j++) v = (v << 8n) | BigInt(bytes[8 * t + j] as number);
      w.push(v);
    }
    for (let t = 16; t < 80; t++) {
      const x = w[t - 15] as bigint;
      const y = w[t - 2] as bigint;
      const s0 = rotr(x, 1n) ^ rotr(x, 8n) ^ (x >> 7n);
      const s1 = rotr(y, 19n) ^ rotr(y, 61n) ^ (y >> 6n);
      w.push(((w[t - 16] as bigint) + s0 + (w[t - 7] as bigint) + s1) & M64);
    }
    let [a, b, c, d, e, f, g, h] = this.h as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
    for (let t = 0; t < 80; t++) {
      const S1 = rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n);
      const ch = (e & f) ^ (~e & M64 & g);
      const t1 = (h + S1 + ch + (K[t] as bigint) + (w[t] as bigint)) & M64;
      const S0 = rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n);
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) & M64;
      h = g;
      g = f;
      f = e;
      e = (d + t1) & M64;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) & M64;
    }
    const add = [a, b, c, d, e, f, g, h];
    this.h = this.h.map((x, i) => (x + (add[i] as bigint)) & M64);
  }
}

/** SHA-512 of `data` (used by the tests and by other modules). */
export function sha512(data: Uint8Array): Uint8Array {
  const s = new Sha512(64);
  s.update(data);
  return s.digest();
}

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

function stateOf(vm: VM, self: ObjectId): Sha512 {
  const v = vm.value(self);
  if (v.t !== 'native' || !(v.data instanceof Sha512)) throw vm.typeError('a sha512 object is required');
  return v.data;
}

/** Hash objects: GC-tracked, 240 bytes as sys.getsizeof shows them. */
function newHash(vm: VM, name: 'sha512' | 'sha384', state: Sha512, out: Holder): ObjectId {
  const type = vm.typeByName.get(`_sha512.${name}`) as ObjectId;
  return vm.alloc(`_sha512.${name}`, 'method', 240, { t: 'native', type, data: state }, out);
}

function dataArg(vm: VM, obj: ObjectId): Uint8Array {
  const v = vm.value(obj);
  if (v.t === 'str') throw vm.typeError('Strings must be encoded before hashing');
  const b = bufferOf(vm, obj);
  if (b === undefined) throw vm.typeError(`object supporting the buffer API required`);
  return b;
}

function hashMembers(name: 'sha512' | 'sha384'): Record<string, NativeMember> {
  const size = name === 'sha512' ? 64 : 48;
  return {
    update: {
      k: 'method',
      fn: (vm, args, kw, out) => {
        const data = methO(vm, `${name}.update`, args.slice(1), kw);
        stateOf(vm, args[0] as ObjectId).update(dataArg(vm, data));
        return vm.none(out);
      },
    },
    digest: {
      k: 'method',
      fn: (vm, args, kw, out) => {
        methNoArgs(vm, `${name}.digest`, args.slice(1), kw);
        return vm.newBytes(stateOf(vm, args[0] as ObjectId).digest(), out);
      },
    },
    hexdigest: {
      k: 'method',
      fn: (vm, args, kw, out) => {
        methNoArgs(vm, `${name}.hexdigest`, args.slice(1), kw);
        return vm.newStr(hex(stateOf(vm, args[0] as ObjectId).digest()), out);
      },
    },
    copy: {
      k: 'method',
      fn: (vm, args, kw, out) => {
        methNoArgs(vm, `${name}.copy`, args.slice(1), kw);
        return newHash(vm, name, stateOf(vm, args[0] as ObjectId).copy(), out);
      },
    },
    name: { k: 'getset', get: (vmu) => (vmu as VM).newStr(name, C_TEMP) },
    digest_size: { k: 'getset', get: (vmu) => (vmu as VM).newInt(BigInt(size), C_TEMP) },
    block_size: { k: 'getset', get: (vmu) => (vmu as VM).newInt(128n, C_TEMP) },
  };
}

function constructor(name: 'sha512' | 'sha384'): Native {
  return (vm, args, kwnames, out) => {
    const [data] = unpackKeywords(vm, name, args, kwnames, {
      names: ['string', 'usedforsecurity'],
      maxPos: 1,
      required: 0,
    });
    const state = new Sha512(name === 'sha512' ? 64 : 48);
    if (data !== undefined) state.update(dataArg(vm, data));
    return newHash(vm, name, state, out);
  };
}

registerBuiltinModule('_sha512', (vm, _module, dict) => {
  for (const [name, typeName] of [
    ['sha512', 'sha512'],
    ['sha384', 'SHA384Type'],
  ] as const) {
    if (!vm.typeByName.has(`_sha512.${name}`)) {
      const t = vm.defineType({
        name,
        module: '_sha512',
        base: vm.T.object,
        baseType: false,
        slots: { repr: (vm2, self) => `<_sha512.${name} object at 0x${vm2.rt.object(self).addr.toString(16)}>` },
        members: hashMembers(name),
      });
      vm.typeByName.set(`_sha512.${name}`, t);
    }
    if (typeName === 'SHA384Type')
      vm.dictSetStr(dict, typeName, vm.typeByName.get('_sha512.sha384') as ObjectId, C_TEMP, 'copy');
  }
  vm.addFunctions(dict, '_sha512', { sha512: constructor('sha512'), sha384: constructor('sha384') });
});
