/*
 * _random
 * =======
 * `_random.Random`, the Mersenne Twister under Lib/random.py, exactly as
 * Modules/_randommodule.c runs it: MT19937 (genrand_uint32), seeding from an int by
 * init_by_array over its 32-bit words (least significant first, of its absolute value),
 * from any other object by its hash, and with no seed from 624 words of entropy
 * (./host.ts: deterministic unless the host gives real entropy); random() from two
 * words (27 + 26 bits); getrandbits(k) from k/32 words, least significant first;
 * getstate()/setstate() as a tuple of 625 ints.
 *
 * A Random is one object of 2520 bytes holding its state inline (not a GC object);
 * random.Random, a Python subclass, adds the instance dict and weakref slots (2560).
 *
 * Source: Modules/_randommodule.c (3.11): genrand_uint32, init_genrand, init_by_array,
 * random_seed, random_seed_urandom, random_random_impl, _random_Random_getrandbits_impl,
 * random_getstate, random_setstate, random_init.
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { methNoArgs, methO, noKeywords } from './args.js';
import { entropy } from './host.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** The generator's state: RandomObject's `state[N]` and `index`. */
export class MersenneTwister {
  readonly mt = new Uint32Array(N);
  index = N + 1;

  initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] as number;
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
    this.index = N;
  }

  initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const len = key.length;
    for (let k = N > len ? N : len; k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = (((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1664525)) + (key[j] as number) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] as number;
      mt[i] = (((mt[i] as number) ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1] as number;
        i = 1;
      }
    }
    mt[0] = 0x80000000;
  }

  genrandUint32(): number {
    const mt = this.mt;
    if (this.index >= N) {
      let kk = 0;
      let y: number;
      for (; kk < N - M; kk++) {
        y = ((mt[kk] as number) & UPPER_MASK) | ((mt[kk + 1] as number) & LOWER_MASK);
        mt[kk] = (mt[kk + M] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        y = ((mt[kk] as number) & UPPER_MASK) | ((mt[kk + 1] as number) & LOWER_MASK);
        mt[kk] = (mt[kk + (M - N)] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      y = ((mt[N - 1] as number) & UPPER_MASK) | ((mt[0] as number) & LOWER_MASK);
      mt[N - 1] = (mt[M - 1] as number) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.index = 0;
    }
    let y = mt[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** random_random: [0, 1) with 53 random bits. */
  random(): number {
    const a = this.genrandUint32() >>> 5;
    const b = this.genrandUint32() >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /** getrandbits(k) for k > 0. */
  getrandbits(k: number): bigint {
    if (k <= 32) return BigInt(this.genrandUint32() >>> (32 - k));
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let r = this.genrandUint32();
      if (left < 32) r >>>= 32 - left;
      result |= BigInt(r) << shift;
      shift += 32n;
    }
    return result;
  }

  /** Seed from a non-negative int: init_by_array of its 32-bit words. */
  seedInt(n: bigint): void {
    const key: number[] = [];
    let v = n;
    do {
      key.push(Number(v & 0xffffffffn));
      v >>= 32n;
    } while (v > 0n);
    this.initByArray(key);
  }
}

function twister(vm: VM, self: ObjectId): MersenneTwister {
  const v = vm.value(self);
  if (v.t !== 'native' || !(v.data instanceof MersenneTwister)) {
    throw vm.typeError(`descriptor requires a '_random.Random' object but received a '${vm.typeName(self)}'`);
  }
  return v.data;
}

/** random_seed: None seeds from entropy, an int by its absolute value, anything else by its hash. */
function seed(vm: VM, self: ObjectId, arg: ObjectId | undefined): void {
  const mt = twister(vm, self);
  if (arg === undefined || arg === vm.statics.none) {
    const bytes = entropy(vm, 4 * N);
    const key: number[] = [];
    for (let i = 0; i < N; i++) {
      key.push(
        ((bytes[4 * i] as number) |
          ((bytes[4 * i + 1] as number) << 8) |
          ((bytes[4 * i + 2] as number) << 16) |
          ((bytes[4 * i + 3] as number) << 24)) >>>
          0,
      );
    }
    mt.initByArray(key);
    return;
  }
  const v = vm.value(arg);
  let n: bigint;
  if (v.t === 'int' || v.t === 'bool') {
    const x = v.t === 'int' ? v.v : v.v ? 1n : 0n;
    n = x < 0n ? -x : x;
  } else {
    const h = vm.hash(arg);
    n = BigInt.asUintN(64, h);
  }
  mt.seedInt(n);
}

const RANDOM_SIZE = 2520;

function newRandom(vm: VM, type: ObjectId, out: Holder): ObjectId {
  const tv = vm.typeValue(type);
  // A Python subclass is a GC object (+16) with a __weakref__ slot (+8); allocFor adds the dict's 16.
  const size = tv.heap ? RANDOM_SIZE + 16 + 8 : RANDOM_SIZE;
  return vm.allocFor(type, '_random.Random', 'object', size, { t: 'native', type, data: new MersenneTwister() }, out);
}

const randomSlots: TypeSlots = {
  // PyType_GenericNew: the arguments are for __init__.
  new: (vm, type, _args, _kwnames, out) => newRandom(vm, type, out),
  init: (vm, self, args, kwnames) => {
    const type = vm.typeOf(self);
    const rtype = vm.typeByName.get('_random.Random');
    const ownInit =
      type === rtype || vm.lookupType(type, '__init__') === vm.nativeMember(rtype as ObjectId, '__init__');
    if (ownInit && kwnames !== undefined && kwnames.length > 0)
      throw vm.typeError('Random() takes no keyword arguments');
    if (args.length > 1) throw vm.typeError('Random() requires 0 or 1 argument');
    seed(vm, self, args[0]);
  },
};

const members: Record<string, NativeMember> = {
  random: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      methNoArgs(vm, 'Random.random', args.slice(1), kw);
      return vm.newFloat(twister(vm, args[0] as ObjectId).random(), out);
    },
  },
  seed: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      noKeywords(vm, 'Random.seed', kw);
      if (args.length > 2) throw vm.typeError(`seed expected at most 1 argument, got ${args.length - 1}`);
      seed(vm, args[0] as ObjectId, args[1]);
      return vm.none(out);
    },
  },
  getstate: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      methNoArgs(vm, 'Random.getstate', args.slice(1), kw);
      const mt = twister(vm, args[0] as ObjectId);
      const items = [...mt.mt].map((w) => vm.newInt(BigInt(w), C_TEMP));
      items.push(vm.newInt(BigInt(mt.index), C_TEMP));
      return vm.newTuple(items, out, C_TEMP);
    },
  },
  setstate: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const state = methO(vm, 'Random.setstate', args.slice(1), kw);
      const mt = twister(vm, args[0] as ObjectId);
      const sv = vm.value(state);
      if (sv.t !== 'tuple') throw vm.typeError('state vector must be a tuple');
      if (sv.items.length !== N + 1) throw vm.pyErr('ValueError', 'state vector is the wrong size');
      const words: number[] = [];
      for (let i = 0; i < N; i++) {
        const item = sv.items[i] as ObjectId;
        const iv = vm.value(item);
        if (iv.t !== 'int' && iv.t !== 'bool') {
          if (!vm.hasIndex(item)) throw vm.typeError('an integer is required');
        }
        const w = vm.index(item);
        if (w < 0n) throw vm.pyErr('OverflowError', "can't convert negative value to unsigned int");
        if (w > 0xffffffffffffffffn)
          throw vm.pyErr('OverflowError', 'Python int too large to convert to C unsigned long');
        words.push(Number(w & 0xffffffffn));
      }
      const index = vm.index(sv.items[N] as ObjectId);
      if (index > 2147483647n || index < -2147483648n)
        throw vm.pyErr('OverflowError', 'Python int too large to convert to C int');
      if (index < 0n || index > BigInt(N)) throw vm.pyErr('ValueError', 'invalid state');
      mt.index = Number(index);
      mt.mt.set(words);
      return vm.none(out);
    },
  },
  getrandbits: {
    k: 'method',
    fn: (vm, args, kw, out) => {
      const kArg = methO(vm, 'Random.getrandbits', args.slice(1), kw);
      if (vm.value(kArg).t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
      const k = vm.index(kArg);
      if (k < 0n) throw vm.pyErr('ValueError', 'number of bits must be non-negative');
      if (k > 2147483647n) throw vm.pyErr('OverflowError', 'Python int too large to convert to C int');
      if (k === 0n) return vm.newInt(0n, out);
      return vm.newInt(twister(vm, args[0] as ObjectId).getrandbits(Number(k)), out);
    },
  },
};

registerBuiltinModule('_random', (vm, _module, dict) => {
  let type = vm.typeByName.get('_random.Random');
  if (type === undefined) {
    type = vm.defineType({ name: 'Random', module: '_random', base: vm.T.object, slots: randomSlots, members });
  }
  vm.dictSetStr(dict, 'Random', type, C_TEMP, 'copy');
});
