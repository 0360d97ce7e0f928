/*
 * marshal
 * =======
 * `marshal.dumps` and `marshal.loads` for the value types (None, bool, Ellipsis,
 * StopIteration, int, float, complex, str, bytes, tuple, list, dict, set, frozenset) in
 * CPython 3.11's format, version 4 by default: the same bytes as CPython's, because the
 * format depends on what the simulation knows exactly. An object whose reference count is
 * above 1 may be shared, so w_ref enters it in a table and sets FLAG_REF on its type
 * byte; a second occurrence is written as TYPE_REF and its index. A str is marked
 * interned or not. A set's elements are written in the order of their own marshalled
 * bytes (3.11 sorts them, for reproducible output), each element held by a (dump, value)
 * pair while that happens, so each is seen with one more reference.
 *
 * Code objects are not marshalled (importing reads no .pyc in the simulation): dumps
 * raises NotImplementedError for one, and loads for TYPE_CODE. dump and load (files)
 * raise NotImplementedError too. The writer's temporaries (the growing output buffer,
 * the set's pairs and their dumps) are not allocated in the simulated heap; the result
 * and what loads builds are.
 *
 * Source: Python/marshal.c (3.11: w_object, w_ref, w_complex_object, w_PyLong, r_object,
 * r_ref_reserve, r_ref_insert, r_PyLong).
 */
import type { Holder, ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import { C_TEMP, type VM } from '../vm/vm.js';
import { bytesLike, checkPositional } from './args.js';

const VERSION = 4;
const FLAG_REF = 0x80;
const MAX_DEPTH = 2000;

const T = {
  NULL: 0x30, // '0'
  NONE: 0x4e, // 'N'
  FALSE: 0x46, // 'F'
  TRUE: 0x54, // 'T'
  STOPITER: 0x53, // 'S'
  ELLIPSIS: 0x2e, // '.'
  INT: 0x69, // 'i'
  BINARY_FLOAT: 0x67, // 'g'
  BINARY_COMPLEX: 0x79, // 'y'
  LONG: 0x6c, // 'l'
  STRING: 0x73, // 's'
  INTERNED: 0x74, // 't'
  REF: 0x72, // 'r'
  TUPLE: 0x28, // '('
  LIST: 0x5b, // '['
  DICT: 0x7b, // '{'
  CODE: 0x63, // 'c'
  UNICODE: 0x75, // 'u'
  SET: 0x3c, // '<'
  FROZENSET: 0x3e, // '>'
  ASCII: 0x61, // 'a'
  ASCII_INTERNED: 0x41, // 'A'
  SMALL_TUPLE: 0x29, // ')'
  SHORT_ASCII: 0x7a, // 'z'
  SHORT_ASCII_INTERNED: 0x5a, // 'Z'
} as const;

const isAscii = (s: string): boolean => [...s].every((c) => c.charCodeAt(0) < 0x80);

// ---------------------------------------------------------------------------------
// Writing

class Writer {
  readonly out: number[] = [];
  /** w_ref's table: object -> index. */
  readonly refs = new Map<ObjectId, number>();
  depth = 0;
  constructor(
    readonly vm: VM,
    readonly version: number,
    /** Extra references each object is seen with (the set pairs that hold elements). */
    readonly extra: Map<ObjectId, number> = new Map(),
  ) {}

  byte(b: number): void {
    this.out.push(b & 0xff);
  }
  long(x: number): void {
    for (let i = 0; i < 4; i++) this.byte(x >> (8 * i));
  }
  pstring(b: Uint8Array): void {
    this.long(b.length);
    for (const x of b) this.out.push(x);
  }

  object(v: ObjectId): void {
    const vm = this.vm;
    this.depth++;
    try {
      if (this.depth > MAX_DEPTH) throw vm.pyErr('ValueError', 'object too deeply nested to marshal');
      if (v === vm.statics.none) this.byte(T.NONE);
      else if (v === vm.typeByName.get('StopIteration')) this.byte(T.STOPITER);
      else if (v === vm.ellipsisId) this.byte(T.ELLIPSIS);
      else if (v === vm.statics.false) this.byte(T.FALSE);
      else if (v === vm.statics.true) this.byte(T.TRUE);
      else {
        const flag = this.ref(v);
        if (flag !== undefined) this.complex(v, flag);
      }
    } finally {
      this.depth--;
    }
  }

  /** w_ref: undefined when a TYPE_REF was written, else the flag for the type byte. */
  ref(v: ObjectId): number | undefined {
    if (this.version < 3) return 0;
    if (this.vm.rt.refcount(v) + (this.extra.get(v) ?? 0) === 1) return 0;
    const seen = this.refs.get(v);
    if (seen !== undefined) {
      this.byte(T.REF);
      this.long(seen);
      return undefined;
    }
    this.refs.set(v, this.refs.size);
    return FLAG_REF;
  }

  complex(v: ObjectId, flag: number): void {
    const vm = this.vm;
    const val = vm.value(v);
    const type = vm.typeOf(v);
    const w = (t: number): void => this.byte(t | flag);
    if (val.t === 'int' && type === vm.T.int) {
      if (val.v >= -(1n << 31n) && val.v < 1n << 31n) {
        w(T.INT);
        this.long(Number(val.v));
      } else {
        // w_PyLong: the magnitude in 15-bit digits, the count signed by the sign.
        w(T.LONG);
        let m = val.v < 0n ? -val.v : val.v;
        const digits: number[] = [];
        while (m > 0n) {
          digits.push(Number(m & 0x7fffn));
          m >>= 15n;
        }
        this.long(val.v < 0n ? -digits.length : digits.length);
        for (const d of digits) {
          this.byte(d);
          this.byte(d >> 8);
        }
      }
    } else if (val.t === 'float' && type === vm.T.float) {
      w(T.BINARY_FLOAT);
      this.double(val.v);
    } else if (val.t === 'complex' && type === vm.T.complex) {
      w(T.BINARY_COMPLEX);
      this.double(val.re);
      this.double(val.im);
    } else if (val.t === 'bytes' && type === vm.T.bytes) {
      w(T.STRING);
      this.pstring(val.v);
    } else if (val.t === 'str' && type === vm.T.str) {
      // The empty str and the latin-1 one-character strs are interned too (static).
      const c = val.v.length === 1 ? val.v.charCodeAt(0) : -1;
      const interned =
        vm.interned.get(val.v) === v || v === vm.statics.emptyStr || (c >= 0 && c < 256 && vm.latin1.get(c) === v);
      if (this.version >= 4 && isAscii(val.v)) {
        const bytes = Uint8Array.from(val.v, (c) => c.charCodeAt(0));
        if (bytes.length < 256) {
          w(interned ? T.SHORT_ASCII_INTERNED : T.SHORT_ASCII);
          this.byte(bytes.length);
          for (const x of bytes) this.out.push(x);
        } else {
          w(interned ? T.ASCII_INTERNED : T.ASCII);
          this.pstring(bytes);
        }
      } else {
        w(this.version >= 3 && interned ? T.INTERNED : T.UNICODE);
        this.pstring(utf8SurrogatePass(val.v));
      }
    } else if (val.t === 'tuple' && type === vm.T.tuple) {
      const n = val.items.length;
      if (this.version >= 4 && n < 256) {
        w(T.SMALL_TUPLE);
        this.byte(n);
      } else {
        w(T.TUPLE);
        this.long(n);
      }
      for (const x of val.items) this.object(x);
    } else if (val.t === 'list' && type === vm.T.list) {
      w(T.LIST);
      this.long(val.items.length);
      for (const x of [...val.items]) this.object(x);
    } else if (type === vm.T.dict) {
      w(T.DICT);
      for (const e of vm.dictEntries(v)) {
        this.object(e.key);
        this.object(e.value);
      }
      this.byte(T.NULL);
    } else if (type === vm.T.set || type === vm.T.frozenset) {
      w(type === vm.T.set ? T.SET : T.FROZENSET);
      const items = vm.setOrder(v);
      this.long(items.length);
      if (this.version <= 3) {
        for (const x of items) this.object(x);
        return;
      }
      // Each element's own dump (a fresh writer), then the elements sorted by it; the
      // (dump, value) pairs hold the elements meanwhile.
      const pairs = items.map((x) => ({ dump: new Writer(vm, this.version).dumpBytes(x), x }));
      for (const p of pairs) this.extra.set(p.x, (this.extra.get(p.x) ?? 0) + 1);
      pairs.sort((a, b) => compareBytes(a.dump, b.dump));
      try {
        for (const p of pairs) this.object(p.x);
      } finally {
        for (const p of pairs) this.extra.set(p.x, (this.extra.get(p.x) ?? 1) - 1);
      }
    } else if (val.t === 'code') {
      throw vm.pyErr('NotImplementedError', 'marshal of code objects is not simulated by pymemsim');
    } else {
      throw vm.pyErr('ValueError', 'unmarshallable object');
    }
  }

  double(x: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, x, true);
    for (const y of b) this.out.push(y);
  }

  dumpBytes(v: ObjectId): Uint8Array {
    this.object(v);
    return Uint8Array.from(this.out);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** UTF-8 with lone surrogates encoded as three bytes (the "surrogatepass" handler). */
function utf8SurrogatePass(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------------------------
// Reading

class Reader {
  pos = 0;
  /** r_ref's list: the objects read with FLAG_REF (undefined while reserved). */
  readonly refs: (ObjectId | undefined)[] = [];
  depth = 0;
  constructor(
    readonly vm: VM,
    readonly data: Uint8Array,
  ) {}

  eof(): never {
    throw this.vm.pyErr('EOFError', 'marshal data too short');
  }
  byte(): number {
    if (this.pos >= this.data.length) this.eof();
    return this.data[this.pos++] as number;
  }
  long(): number {
    if (this.pos + 4 > this.data.length) this.eof();
    const d = this.data;
    const p = this.pos;
    this.pos += 4;
    return (d[p] as number) | ((d[p + 1] as number) << 8) | ((d[p + 2] as number) << 16) | ((d[p + 3] as number) << 24);
  }
  bytes(n: number): Uint8Array {
    if (n < 0) throw this.vm.pyErr('ValueError', 'bad marshal data (bytes object size out of range)');
    if (this.pos + n > this.data.length) this.eof();
    const b = this.data.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  double(): number {
    const b = this.bytes(8);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  /** r_object: a new reference owned by `out`. */
  object(out: Holder): ObjectId {
    const vm = this.vm;
    if (++this.depth > MAX_DEPTH) throw vm.pyErr('ValueError', 'recursion limit exceeded');
    try {
      if (this.pos >= this.data.length) throw vm.pyErr('EOFError', 'EOF read where object expected');
      const code = this.byte();
      const flag = (code & FLAG_REF) !== 0;
      const type = code & ~FLAG_REF;
      // r_ref_reserve for containers (their slot is taken before their items are read).
      const reserve = (): number => {
        if (!flag) return -1;
        this.refs.push(undefined);
        return this.refs.length - 1;
      };
      const done = (id: ObjectId, at = -1): ObjectId => {
        if (flag) {
          if (at >= 0) this.refs[at] = id;
          else this.refs.push(id);
        }
        return id;
      };
      switch (type) {
        case T.NULL:
          throw vm.pyErr('TypeError', 'NULL object in marshal data for object');
        case T.NONE:
          return vm.none(out);
        case T.STOPITER:
          return vm.ret(vm.typeByName.get('StopIteration') as ObjectId, out);
        case T.ELLIPSIS:
          return vm.ret(vm.ellipsisId, out);
        case T.FALSE:
          return vm.bool(false, out);
        case T.TRUE:
          return vm.bool(true, out);
        case T.INT:
          return done(vm.newInt(BigInt(this.long()), out));
        case T.LONG: {
          const n = this.long();
          const size = Math.abs(n);
          let m = 0n;
          const digits: number[] = [];
          for (let i = 0; i < size; i++) {
            const d = this.byte() | (this.byte() << 8);
            if (d > 0x7fff) throw vm.pyErr('ValueError', 'bad marshal data (digit out of range in long)');
            digits.push(d);
          }
          if (size > 0 && digits[size - 1] === 0)
            throw vm.pyErr('ValueError', 'bad marshal data (unnormalized long data)');
          for (let i = size - 1; i >= 0; i--) m = (m << 15n) | BigInt(digits[i] as number);
          return done(vm.newInt(n < 0 ? -m : m, out));
        }
        case T.BINARY_FLOAT:
          return done(vm.newFloat(this.double(), out));
        case T.BINARY_COMPLEX: {
          const re = this.double();
          return done(vm.newComplex(re, this.double(), out));
        }
        case T.STRING:
          return done(vm.newBytes(this.bytes(this.long()), out));
        case T.ASCII:
        case T.ASCII_INTERNED:
        case T.SHORT_ASCII:
        case T.SHORT_ASCII_INTERNED: {
          const n = type === T.SHORT_ASCII || type === T.SHORT_ASCII_INTERNED ? this.byte() : this.long();
          const text = String.fromCharCode(...this.bytes(n));
          const interned = type === T.ASCII_INTERNED || type === T.SHORT_ASCII_INTERNED;
          return done(interned ? vm.internStr(text, out) : vm.newStr(text, out));
        }
        case T.UNICODE:
        case T.INTERNED: {
          const text = new TextDecoder('utf-8').decode(this.bytes(this.long()));
          return done(type === T.INTERNED ? vm.internStr(text, out) : vm.newStr(text, out));
        }
        case T.TUPLE:
        case T.SMALL_TUPLE: {
          const n = type === T.SMALL_TUPLE ? this.byte() : this.long();
          const at = reserve();
          const items: ObjectId[] = [];
          try {
            for (let i = 0; i < n; i++) items.push(this.object(C_TEMP));
          } catch (e) {
            for (const x of items) vm.rt.decref(x, C_TEMP);
            throw e;
          }
          return done(vm.newTuple(items, out, C_TEMP), at);
        }
        case T.LIST: {
          const n = this.long();
          const list = done(vm.newList([], out), reserve());
          for (let i = 0; i < n; i++) {
            const x = this.object(C_TEMP);
            vm.listAppend(list, x);
            vm.rt.decref(x, C_TEMP);
          }
          return list;
        }
        case T.DICT: {
          const d = done(vm.newDict(out), reserve());
          for (;;) {
            if (this.pos < this.data.length && this.data[this.pos] === T.NULL) {
              this.pos++;
              break;
            }
            // r_object: PyDict_SetItem(dict, key, val) takes its own references; then
            // Py_DECREF(key) and Py_XDECREF(val).
            const k = this.object(C_TEMP);
            try {
              const v = this.object(C_TEMP);
              try {
                vm.dictSet(d, k, v, C_TEMP, 'copy');
              } finally {
                vm.rt.decref(v, C_TEMP);
              }
            } finally {
              vm.rt.decref(k, C_TEMP);
            }
          }
          return d;
        }
        case T.SET:
        case T.FROZENSET: {
          const n = this.long();
          const at = reserve();
          const s = vm.newSet(C_TEMP, type === T.FROZENSET);
          try {
            for (let i = 0; i < n; i++) {
              const x = this.object(C_TEMP);
              vm.setAdd(s, x);
              vm.rt.decref(x, C_TEMP);
            }
          } catch (e) {
            vm.rt.decref(s, C_TEMP);
            throw e;
          }
          vm.rt.incref(s, out);
          vm.rt.decref(s, C_TEMP);
          return done(s, at);
        }
        case T.REF: {
          const i = this.long();
          const id = this.refs[i];
          if (i < 0 || i >= this.refs.length || id === undefined)
            throw vm.pyErr('ValueError', 'bad marshal data (invalid reference)');
          return vm.ret(id, out);
        }
        case T.CODE:
          throw vm.pyErr('NotImplementedError', 'unmarshalling code objects is not simulated by pymemsim');
        default:
          throw vm.pyErr('ValueError', 'bad marshal data (unknown type code)');
      }
    } finally {
      this.depth--;
    }
  }
}

const missing =
  (name: string): Native =>
  (vm) => {
    throw vm.pyErr('NotImplementedError', `marshal.${name}() (files) is not simulated by pymemsim`);
  };

const dumps: Native = (vm, args, kwnames, out) => {
  const [value, version] = checkPositional(vm, 'dumps', args, kwnames, 1, 2) as [ObjectId, ObjectId | undefined];
  const v = version === undefined ? VERSION : Number(vm.index(version));
  return vm.newBytes(new Writer(vm, v).dumpBytes(value), out);
};

const loads: Native = (vm, args, kwnames, out) => {
  const [data] = checkPositional(vm, 'loads', args, kwnames, 1, 1) as [ObjectId];
  return new Reader(vm, bytesLike(vm, data)).object(out);
};

registerBuiltinModule('marshal', (vm, _module, dict) => {
  vm.addFunctions(dict, 'marshal', { dumps, loads, dump: missing('dump'), load: missing('load') });
  vm.dictSetStr(dict, 'version', vm.newInt(4n, C_TEMP), C_TEMP, 'move');
});
