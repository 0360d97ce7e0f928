/*
 * _io
 * ===
 * The C half of Lib/io.py. What CPython allocates and holds is modelled where a program
 * can see it:
 *
 *   StringIO   3.11's two states. Accumulating (a fresh StringIO, or one only appended
 *              to): the written strings themselves are kept, in a list (_PyAccu's
 *              `small`), so a written string's refcount goes up by one; getvalue()
 *              joins them into one string which is then the only one kept and is
 *              returned again until the next write (one written string is returned
 *              itself). Realized (after a seek and write, a read of part, readline,
 *              truncate, or an initial value): a buffer of 4-byte characters with
 *              resize_buffer's overallocation, and getvalue() makes a new string each time.
 *   BytesIO    its content is one bytes object, shared with the caller while nobody
 *              writes (BytesIO(b) holds b; getvalue() returns the buffer itself once it
 *              is trimmed to size), copied on the first write to a shared buffer, grown
 *              with resize_buffer's overallocation; sys.getsizeof counts an unshared buffer.
 *   TextIOWrapper  sys.stdin, sys.stdout and sys.stderr are these, over a BufferedReader
 *              or BufferedWriter over a FileIO (fd 0, 1, 2), as CPython makes them for a
 *              pipe; fd 0 reads what the host gives (host.ts: the command's stdin), and
 *              readline() reads chunks only until a line end, so a terminal line is
 *              answered when it is typed. write(s)
 *              keeps s itself while it is ASCII (else its UTF-8 bytes) in `pending_bytes`;
 *              the second pending write makes a 2-item list (PyList_New(2), so a list
 *              from the free list, or a new GC object that gc.get_count() sees), later
 *              ones append; at 8192 pending bytes (or a newline on a line-buffered
 *              stream, as stderr is) they are joined into one bytes object written to
 *              the buffer, and the list is freed. The text reaches the program's output at
 *              once (the simulation has no real file to fill).
 *   open()     refused: OSError(ENOSYS, "pymemsim does not simulate the file system").
 *
 * Also the base classes _IOBase, _RawIOBase, _BufferedIOBase, _TextIOBase (their methods
 * in terms of the instance's own methods, as iobase.c's), IncrementalNewlineDecoder,
 * BufferedReader and BufferedWriter over any raw object, FileIO for fds 0-2,
 * UnsupportedOperation, text_encoding.
 *
 * Source: Modules/_io/stringio.c (with Objects/accu.c), bytesio.c, textio.c
 * (_io_TextIOWrapper_write_impl, _textiowrapper_writeflush,
 * _PyIncrementalNewlineDecoder_decode), bufferedio.c, fileio.c, iobase.c, _iomodule.c,
 * Python/pylifecycle.c (create_stdio) — 3.11.
 *
 * Not simulated: TextIOWrapper's tell/seek cookies and encodings other than UTF-8, ASCII
 * and Latin-1; BufferedRandom and BufferedRWPair (their constructors raise
 * UnsupportedOperation); BytesIO.getbuffer (no memoryview exports).
 */
import { bytesSize, type Holder, type ObjectId } from '@pymemsim/core';
import { registerBuiltinModule } from '../vm/importlib.js';
import type { Native } from '../vm/native.js';
import type { TypeSlots } from '../vm/typeSlots.js';
import type { NativeMember } from '../vm/values.js';
import { C_TEMP, type PyRaise, type VM } from '../vm/vm.js';
import { builtinType, bufferOf, methNoArgs, newExceptionClass, noKeywords, unpackKeywords } from './args.js';
import { noFileSystem } from './posix.js';
import { readStdin } from './host.js';
import { listDeleteRange } from '../objects/list.js';

// ---------------------------------------------------------------------------------
// Types, made once per VM (sys.stdout needs them at start-up)

interface IoTypes {
  IOBase: ObjectId;
  RawIOBase: ObjectId;
  BufferedIOBase: ObjectId;
  TextIOBase: ObjectId;
  StringIO: ObjectId;
  BytesIO: ObjectId;
  FileIO: ObjectId;
  BufferedReader: ObjectId;
  BufferedWriter: ObjectId;
  BufferedRWPair: ObjectId;
  BufferedRandom: ObjectId;
  TextIOWrapper: ObjectId;
  IncrementalNewlineDecoder: ObjectId;
  UnsupportedOperation: ObjectId;
}

const typesByVm = new WeakMap<VM, IoTypes>();

const slotRef = (vm: VM, obj: ObjectId, slot: string): ObjectId | undefined =>
  vm.rt.object(obj).refs.find((r) => r?.slot === slot)?.to;

/** Set the reference `obj` holds in `slot` (undefined clears it), moving `value` from `from`. */
function setSlot(vm: VM, obj: ObjectId, slot: string, value: ObjectId | undefined, from: Holder | undefined): void {
  const old = slotRef(vm, obj, slot);
  if (value !== undefined) {
    if (from === undefined) vm.rt.increfRef(value, obj, slot);
    else vm.rt.moveToRef(value, from, obj, slot);
  }
  if (old !== undefined) vm.rt.decrefRef(old, obj, slot);
}

function unsupported(vm: VM, message: string): PyRaise {
  const t = typesByVm.get(vm)?.UnsupportedOperation ?? builtinType(vm, 'OSError');
  return vm.raiseNew(t, [vm.newStr(message, C_TEMP)], C_TEMP);
}

function closedError(vm: VM, dot = false): PyRaise {
  return vm.pyErr('ValueError', dot ? 'I/O operation on closed file.' : 'I/O operation on closed file');
}

/** A Py_ssize_t argument that may be None (clinic `Py_ssize_t(accept={int, NoneType})`). */
function sizeArg(vm: VM, obj: ObjectId | undefined, dflt: number): number {
  if (obj === undefined || obj === vm.statics.none) return dflt;
  const v = vm.value(obj);
  if (v.t !== 'int' && v.t !== 'bool' && !vm.hasIndex(obj)) {
    throw vm.typeError(`argument should be integer or None, not '${vm.typeName(obj)}'`);
  }
  return Number(vm.index(obj));
}

function indexArg(vm: VM, obj: ObjectId): number {
  if (vm.value(obj).t === 'float') throw vm.typeError("'float' object cannot be interpreted as an integer");
  return Number(vm.index(obj));
}

const m = (fn: Native): NativeMember => ({ k: 'method', fn });
const getter = (get: (vm: VM, self: ObjectId) => ObjectId): NativeMember => ({
  k: 'getset',
  get: (vmu, self) => get(vmu as VM, self),
});

// ---------------------------------------------------------------------------------
// _IOBase and friends (iobase.c): methods in terms of the object's own methods

function callMethod(vm: VM, obj: ObjectId, name: string, args: readonly ObjectId[], out: Holder): ObjectId {
  return vm.callMethod(obj, name, args, out);
}

function callDrop(vm: VM, obj: ObjectId, name: string, args: readonly ObjectId[] = []): void {
  vm.rt.decref(callMethod(vm, obj, name, args, C_TEMP), C_TEMP);
}

/** iobase_is_closed: the `__IOBase_closed` attribute. */
function iobaseIsClosed(vm: VM, self: ObjectId): boolean {
  return vm.instanceAttr(self, '__IOBase_closed') !== undefined;
}

/** _PyIOBase_check_closed through the `closed` attribute. */
function checkClosedAttr(vm: VM, self: ObjectId): void {
  const c = vm.getAttr(self, 'closed', C_TEMP);
  try {
    if (vm.truthy(c)) throw closedError(vm, true);
  } finally {
    vm.rt.decref(c, C_TEMP);
  }
}

function checkAbility(vm: VM, self: ObjectId, method: string, what: string): void {
  const r = callMethod(vm, self, method, [], C_TEMP);
  try {
    if (r !== vm.statics.true) throw unsupported(vm, `File or stream is not ${what}.`);
  } finally {
    vm.rt.decref(r, C_TEMP);
  }
}

const iobaseMembers: Record<string, NativeMember> = {
  seek: m((vm) => {
    throw unsupported(vm, 'seek');
  }),
  tell: m((vm, args, _kw, out) => {
    const zero = vm.newInt(0n, C_TEMP);
    const one = vm.newInt(1n, C_TEMP);
    try {
      return callMethod(vm, args[0] as ObjectId, 'seek', [zero, one], out);
    } finally {
      vm.rt.decref(zero, C_TEMP);
      vm.rt.decref(one, C_TEMP);
    }
  }),
  truncate: m((vm) => {
    throw unsupported(vm, 'truncate');
  }),
  fileno: m((vm) => {
    throw unsupported(vm, 'fileno');
  }),
  flush: m((vm, args, _kw, out) => {
    if (iobaseIsClosed(vm, args[0] as ObjectId)) throw closedError(vm, true);
    return vm.none(out);
  }),
  close: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    if (iobaseIsClosed(vm, self)) return vm.none(out);
    try {
      callDrop(vm, self, 'flush');
    } finally {
      vm.setInstanceAttr(self, '__IOBase_closed', vm.statics.true, C_TEMP, 'copy');
    }
    return vm.none(out);
  }),
  closed: getter((vm, self) => vm.bool(iobaseIsClosed(vm, self), C_TEMP)),
  seekable: m((vm, _a, _k, out) => vm.bool(false, out)),
  readable: m((vm, _a, _k, out) => vm.bool(false, out)),
  writable: m((vm, _a, _k, out) => vm.bool(false, out)),
  _checkClosed: m((vm, args, _kw, out) => {
    checkClosedAttr(vm, args[0] as ObjectId);
    return vm.none(out);
  }),
  _checkSeekable: m((vm, args, _kw, out) => {
    checkAbility(vm, args[0] as ObjectId, 'seekable', 'seekable');
    return vm.bool(true, out);
  }),
  _checkReadable: m((vm, args, _kw, out) => {
    checkAbility(vm, args[0] as ObjectId, 'readable', 'readable');
    return vm.bool(true, out);
  }),
  _checkWritable: m((vm, args, _kw, out) => {
    checkAbility(vm, args[0] as ObjectId, 'writable', 'writable');
    return vm.bool(true, out);
  }),
  isatty: m((vm, args, _kw, out) => {
    checkClosedAttr(vm, args[0] as ObjectId);
    return vm.bool(false, out);
  }),
  __enter__: m((vm, args, _kw, out) => {
    checkClosedAttr(vm, args[0] as ObjectId);
    return vm.ret(args[0] as ObjectId, out);
  }),
  __exit__: m((vm, args, _kw, out) => callMethod(vm, args[0] as ObjectId, 'close', [], out)),
  readline: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const limit = sizeArg(vm, checkArgsMax(vm, 'readline', args, kw, 1)[0], -1);
    const chunks: number[] = [];
    const one = vm.newInt(1n, C_TEMP);
    try {
      while (limit < 0 || chunks.length < limit) {
        const b = callMethod(vm, self, 'read', [one], C_TEMP);
        try {
          const bv = vm.value(b);
          if (bv.t !== 'bytes')
            throw vm.typeError(`read() should have returned a bytes object, not '${vm.typeName(b)}'`);
          if (bv.v.length === 0) break;
          chunks.push(...bv.v);
          if (bv.v[bv.v.length - 1] === 10) break;
        } finally {
          vm.rt.decref(b, C_TEMP);
        }
      }
    } finally {
      vm.rt.decref(one, C_TEMP);
    }
    return vm.newBytes(Uint8Array.from(chunks), out);
  }),
  readlines: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const hint = sizeArg(vm, checkArgsMax(vm, 'readlines', args, kw, 1)[0], -1);
    const result = vm.newList([], C_TEMP);
    try {
      const it = vm.getIter(self, C_TEMP);
      let total = 0;
      try {
        for (;;) {
          const line = vm.iterNext(it, C_TEMP);
          if (line === undefined) break;
          vm.listAppendMove(result, line, C_TEMP);
          total += vm.len(line);
          if (hint > 0 && total >= hint) break;
        }
      } finally {
        vm.rt.decref(it, C_TEMP);
      }
    } catch (e) {
      vm.rt.decref(result, C_TEMP);
      throw e;
    }
    vm.rt.move(result, C_TEMP, out);
    return result;
  }),
  writelines: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    checkClosedAttr(vm, self);
    const it = vm.getIter(args[1] as ObjectId, C_TEMP);
    try {
      for (;;) {
        const line = vm.iterNext(it, C_TEMP);
        if (line === undefined) break;
        try {
          callDrop(vm, self, 'write', [line]);
        } finally {
          vm.rt.decref(line, C_TEMP);
        }
      }
    } finally {
      vm.rt.decref(it, C_TEMP);
    }
    return vm.none(out);
  }),
};

const iobaseSlots: TypeSlots = {
  new: (vm, type, _args, _kw, out) =>
    vm.allocFor(type, '_io._IOBase', 'instance', 48, { t: 'object', type, attrs: new Map() }, out),
  iter: (vm, self, out) => {
    checkClosedAttr(vm, self);
    return vm.ret(self, out);
  },
  next: (vm, self, out) => {
    const line = callMethod(vm, self, 'readline', [], C_TEMP);
    if (vm.len(line) === 0) {
      vm.rt.decref(line, C_TEMP);
      return undefined;
    }
    vm.rt.move(line, C_TEMP, out);
    return line;
  },
};

function checkArgsMax(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kw: readonly string[] | undefined,
  max: number,
): readonly ObjectId[] {
  noKeywords(vm, name, kw);
  const a = args.slice(1);
  if (a.length > max)
    throw vm.typeError(`${name} expected at most ${max} argument${max === 1 ? '' : 's'}, got ${a.length}`);
  return a;
}

const rawMembers: Record<string, NativeMember> = {
  read: m((vm) => {
    throw vm.pyErr('NotImplementedError');
  }),
  readall: m((vm) => {
    throw vm.pyErr('NotImplementedError');
  }),
  readinto: m((vm) => {
    throw vm.pyErr('NotImplementedError');
  }),
  write: m((vm) => {
    throw vm.pyErr('NotImplementedError');
  }),
};

const unsupportedMethod = (name: string): NativeMember =>
  m((vm) => {
    throw unsupported(vm, name);
  });

const bufferedBaseMembers: Record<string, NativeMember> = {
  detach: unsupportedMethod('detach'),
  read: unsupportedMethod('read'),
  read1: unsupportedMethod('read1'),
  readinto: unsupportedMethod('readinto'),
  readinto1: unsupportedMethod('readinto1'),
  write: unsupportedMethod('write'),
};

const textBaseMembers: Record<string, NativeMember> = {
  detach: unsupportedMethod('detach'),
  read: unsupportedMethod('read'),
  readline: unsupportedMethod('readline'),
  write: unsupportedMethod('write'),
  encoding: getter((vm) => vm.none(C_TEMP)),
  newlines: getter((vm) => vm.none(C_TEMP)),
  errors: getter((vm) => vm.none(C_TEMP)),
};

// ---------------------------------------------------------------------------------
// IncrementalNewlineDecoder (textio.c)

interface NewlineDecoderData {
  kind: 'nldecoder';
  translate: boolean;
  pendingcr: boolean;
  /** SEEN_CR 1, SEEN_LF 2, SEEN_CRLF 4. */
  seennl: number;
}

function nlData(vm: VM, self: ObjectId): NewlineDecoderData {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as NewlineDecoderData) : undefined;
  if (d?.kind !== 'nldecoder') throw vm.pyErr('ValueError', 'IncrementalNewlineDecoder.__init__() not called');
  return d;
}

/** _PyIncrementalNewlineDecoder_decode on text (the inner decoder already applied). */
function nlDecode(d: NewlineDecoderData, input: string, final: boolean): string {
  let output = input;
  if (d.pendingcr && (final || output.length > 0)) {
    output = '\r' + output;
    d.pendingcr = false;
  }
  if (output.length > 0 && !final && output.endsWith('\r')) {
    output = output.slice(0, -1);
    d.pendingcr = true;
  }
  const crlf = (output.match(/\r\n/g) ?? []).length;
  const cr = (output.match(/\r(?!\n)/g) ?? []).length;
  const lf = (output.match(/(?<!\r)\n/g) ?? []).length;
  if (lf > 0) d.seennl |= 2;
  if (cr > 0) d.seennl |= 1;
  if (crlf > 0) d.seennl |= 4;
  if (d.translate) output = output.replace(/\r\n/g, '\n').replace(/\r/g, '\n');
  return output;
}

function newlinesValue(vm: VM, seennl: number, out: Holder): ObjectId {
  const names = [
    [1, '\r'],
    [2, '\n'],
    [4, '\r\n'],
  ] as const;
  const seen = names.filter(([bit]) => (seennl & bit) !== 0).map(([, s]) => s);
  if (seen.length === 0) return vm.none(out);
  if (seen.length === 1) return vm.newStr(seen[0] as string, out);
  return vm.newTuple(
    seen.map((s) => vm.newStr(s, C_TEMP)),
    out,
    C_TEMP,
  );
}

const nlDecoderSlots: TypeSlots = {
  new: (vm, type, _a, _k, out) =>
    vm.allocFor(
      type,
      '_io.IncrementalNewlineDecoder',
      'object',
      40,
      { t: 'native', type, data: { kind: 'nldecoder-uninit' } },
      out,
    ),
  init: (vm, self, args, kwnames) => {
    const [decoder, translate, errors] = unpackKeywords(vm, 'IncrementalNewlineDecoder', args, kwnames, {
      names: ['decoder', 'translate', 'errors'],
      required: 2,
    });
    const data: NewlineDecoderData = {
      kind: 'nldecoder',
      translate: vm.truthy(translate as ObjectId),
      pendingcr: false,
      seennl: 0,
    };
    (vm.value(self) as { data: unknown }).data = data;
    setSlot(vm, self, 'decoder', decoder, undefined);
    setSlot(vm, self, 'errors', errors ?? vm.newStr('strict', C_TEMP), errors === undefined ? C_TEMP : undefined);
  },
};

const nlDecoderMembers: Record<string, NativeMember> = {
  decode: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const [input, final] = unpackKeywords(vm, 'decode', args.slice(1), kw, { names: ['input', 'final'], required: 1 });
    const d = nlData(vm, self);
    const isFinal = final !== undefined && vm.truthy(final);
    const inner = slotRef(vm, self, 'decoder');
    let text: string;
    if (inner !== undefined && inner !== vm.statics.none) {
      const r = vm.callMethod(inner, 'decode', [input as ObjectId, vm.bool(isFinal, C_TEMP)], C_TEMP);
      vm.rt.decref(isFinal ? vm.statics.true : vm.statics.false, C_TEMP);
      try {
        const rv = vm.value(r);
        if (rv.t !== 'str') throw vm.typeError(`decoder should return a string result, not '${vm.typeName(r)}'`);
        text = rv.v;
      } finally {
        vm.rt.decref(r, C_TEMP);
      }
    } else {
      const iv = vm.value(input as ObjectId);
      if (iv.t !== 'str')
        throw vm.typeError(`decoder should return a string result, not '${vm.typeName(input as ObjectId)}'`);
      text = iv.v;
    }
    return vm.newStr(nlDecode(d, text, isFinal), out);
  }),
  getstate: m((vm, args, _kw, out) => {
    const d = nlData(vm, args[0] as ObjectId);
    return vm.newTuple([vm.newBytes(new Uint8Array(0), C_TEMP), vm.newInt(d.pendingcr ? 1n : 0n, C_TEMP)], out, C_TEMP);
  }),
  setstate: m((vm, args, _kw, out) => {
    const d = nlData(vm, args[0] as ObjectId);
    const st = vm.value(args[1] as ObjectId);
    if (st.t !== 'tuple' || st.items.length !== 2) throw vm.typeError('state argument must be a tuple');
    d.pendingcr = (vm.index(st.items[1] as ObjectId) & 1n) !== 0n;
    return vm.none(out);
  }),
  reset: m((vm, args, _kw, out) => {
    const d = nlData(vm, args[0] as ObjectId);
    d.seennl = 0;
    d.pendingcr = false;
    return vm.none(out);
  }),
  newlines: getter((vm, self) => newlinesValue(vm, nlData(vm, self).seennl, C_TEMP)),
};

// ---------------------------------------------------------------------------------
// StringIO (stringio.c)

interface StringIOData {
  kind: 'stringio';
  ok: boolean;
  closed: boolean;
  state: 'accumulating' | 'realized';
  /** The realized buffer's characters (code points). */
  chars: string[];
  /** buf_size in characters (the PyMem buffer is 4 bytes a character). */
  bufSize: number;
  pos: number;
  stringSize: number;
  readuniversal: boolean;
  readtranslate: boolean;
  readnl: string | undefined;
  writenl: string | undefined;
}

function sio(vm: VM, self: ObjectId, checkClosed = true): StringIOData {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as StringIOData) : undefined;
  if (d?.kind !== 'stringio' || !d.ok) throw vm.pyErr('ValueError', 'I/O operation on uninitialized object');
  if (checkClosed && d.closed) throw closedError(vm);
  return d;
}

/** resize_buffer: the character buffer grows or shrinks as stringio.c's does. */
function sioResize(vm: VM, self: ObjectId, d: StringIOData, size0: number): void {
  const size = size0 + 1;
  let alloc = d.bufSize;
  if (size < alloc / 2) alloc = size + 1;
  else if (size < alloc) return;
  else if (size <= alloc * 1.125) alloc = size + (size >> 3) + (size < 9 ? 3 : 6);
  else alloc = size + 1;
  d.bufSize = alloc;
  vm.rt.setBuffer(self, 'buf', 4 * alloc);
}

/** _PyAccu_Init: a new empty `small` list. */
function accuInit(vm: VM, self: ObjectId): void {
  setSlot(vm, self, 'accu.small', vm.newList([], C_TEMP), C_TEMP);
}

function accuDestroy(vm: VM, self: ObjectId): void {
  setSlot(vm, self, 'accu.small', undefined, undefined);
  setSlot(vm, self, 'accu.large', undefined, undefined);
}

/** join_list_unicode: "".join(list) (a one-item list gives its str itself). */
function joinList(vm: VM, list: ObjectId, out: Holder): ObjectId {
  const items = vm.as(list, 'list').items;
  if (items.length === 0) return vm.newStr('', out);
  if (items.length === 1 && vm.typeOf(items[0] as ObjectId) === vm.T.str) return vm.ret(items[0] as ObjectId, out);
  return vm.newStr(items.map((x) => vm.as(x, 'str').v).join(''), out);
}

/** flush_accumulator: the small strings joined into one, appended to `large`. */
function accuFlush(vm: VM, self: ObjectId): void {
  const small = slotRef(vm, self, 'accu.small') as ObjectId;
  const n = vm.as(small, 'list').items.length;
  if (n === 0) return;
  let large = slotRef(vm, self, 'accu.large');
  if (large === undefined) {
    large = vm.newList([], C_TEMP);
    vm.rt.moveToRef(large, C_TEMP, self, 'accu.large');
  }
  const joined = joinList(vm, small, C_TEMP);
  listDeleteRange(vm, small, 0, n);
  vm.listAppendMove(large, joined, C_TEMP);
}

/** _PyAccu_Accumulate. */
function accuAdd(vm: VM, self: ObjectId, s: ObjectId): void {
  const small = slotRef(vm, self, 'accu.small') as ObjectId;
  vm.listAppend(small, s);
  if (vm.as(small, 'list').items.length >= 100000) accuFlush(vm, self);
}

/** _PyAccu_Finish: everything accumulated as one new reference (owned by `out`); the accumulator is emptied. */
function accuFinish(vm: VM, self: ObjectId, out: Holder): ObjectId {
  let list: ObjectId;
  if (slotRef(vm, self, 'accu.large') === undefined) {
    list = slotRef(vm, self, 'accu.small') as ObjectId;
    vm.rt.move(list, { kind: 'object', owner: self, slot: 'accu.small' }, C_TEMP);
  } else {
    accuFlush(vm, self);
    setSlot(vm, self, 'accu.small', undefined, undefined);
    list = slotRef(vm, self, 'accu.large') as ObjectId;
    vm.rt.move(list, { kind: 'object', owner: self, slot: 'accu.large' }, C_TEMP);
  }
  try {
    return joinList(vm, list, out);
  } finally {
    vm.rt.decref(list, C_TEMP);
  }
}

/** make_intermediate: the accumulated text as one string, which becomes the only one accumulated. */
function makeIntermediate(vm: VM, self: ObjectId, d: StringIOData, out: Holder): ObjectId {
  const s = accuFinish(vm, self, out);
  accuInit(vm, self);
  accuAdd(vm, self, s);
  d.state = 'accumulating';
  return s;
}

/** realize: the accumulated text copied into the character buffer. */
function realize(vm: VM, self: ObjectId, d: StringIOData): void {
  if (d.state === 'realized') return;
  d.state = 'realized';
  const s = accuFinish(vm, self, C_TEMP);
  try {
    const chars = [...vm.as(s, 'str').v];
    sioResize(vm, self, d, chars.length);
    d.chars = chars;
  } finally {
    vm.rt.decref(s, C_TEMP);
  }
}

/** write_str. */
function sioWriteStr(vm: VM, self: ObjectId, d: StringIOData, obj: ObjectId): void {
  let text = vm.as(obj, 'str').v;
  let decoded = obj;
  vm.rt.incref(decoded, C_TEMP);
  const decoder = slotRef(vm, self, 'decoder');
  try {
    if (decoder !== undefined) {
      const nd = nlData(vm, decoder);
      const t2 = nlDecode(nd, text, true);
      if (t2 !== text) {
        vm.rt.decref(decoded, C_TEMP);
        decoded = vm.newStr(t2, C_TEMP);
        text = t2;
      } else {
        // _PyIncrementalNewlineDecoder_decode returns a new reference to its output.
      }
    }
    if (d.writenl !== undefined && text.includes('\n')) {
      const t3 = text.split('\n').join(d.writenl);
      vm.rt.decref(decoded, C_TEMP);
      decoded = vm.newStr(t3, C_TEMP);
      text = t3;
    }
    const chars = [...text];
    const len = chars.length;
    if (d.state === 'accumulating') {
      if (d.stringSize === d.pos) {
        accuAdd(vm, self, decoded);
        d.pos += len;
        if (d.stringSize < d.pos) d.stringSize = d.pos;
        return;
      }
      realize(vm, self, d);
    }
    if (d.pos + len > d.stringSize) sioResize(vm, self, d, d.pos + len);
    while (d.chars.length < d.pos) d.chars.push('\0');
    for (let i = 0; i < len; i++) d.chars[d.pos + i] = chars[i] as string;
    d.pos += len;
    if (d.stringSize < d.pos) d.stringSize = d.pos;
  } finally {
    vm.rt.decref(decoded, C_TEMP);
  }
}

function sioText(d: StringIOData, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += d.chars[i] ?? '\0';
  return s;
}

/** _PyIO_find_line_ending over the buffer from pos: the line's length. */
function sioReadline(d: StringIOData, limit0: number): string {
  if (d.pos >= d.stringSize) return '';
  let limit = limit0;
  if (limit < 0 || limit > d.stringSize - d.pos) limit = d.stringSize - d.pos;
  const start = d.pos;
  const end = start + limit;
  let len = -1;
  for (let i = start; i < end; i++) {
    const c = d.chars[i];
    if (d.readtranslate) {
      if (c === '\n') {
        len = i - start + 1;
        break;
      }
    } else if (d.readuniversal) {
      if (c === '\n') {
        len = i - start + 1;
        break;
      }
      if (c === '\r') {
        len = i + 1 < end && d.chars[i + 1] === '\n' ? i - start + 2 : i - start + 1;
        break;
      }
    } else {
      const nl = [...(d.readnl ?? '\n')];
      if (nl.every((x, k) => d.chars[i + k] === x) && i + nl.length <= end) {
        len = i - start + nl.length;
        break;
      }
    }
  }
  if (len < 0) len = limit;
  d.pos += len;
  return sioText(d, start, start + len);
}

function sioInit(vm: VM, self: ObjectId, value: ObjectId | undefined, newlineObj: ObjectId | undefined): void {
  let newline: string | undefined = '\n';
  if (newlineObj === vm.statics.none) newline = undefined;
  else if (newlineObj !== undefined) {
    const nv = vm.value(newlineObj);
    if (nv.t !== 'str') throw vm.typeError(`newline must be str or None, not ${vm.typeName(newlineObj)}`);
    newline = nv.v;
  }
  if (newline !== undefined && newline !== '' && newline !== '\n' && newline !== '\r' && newline !== '\r\n') {
    throw vm.pyErr('ValueError', `illegal newline value: ${vm.reprText(newlineObj as ObjectId)}`);
  }
  if (value !== undefined && value !== vm.statics.none && vm.value(value).t !== 'str') {
    throw vm.typeError(`initial_value must be str or None, not ${vm.typeName(value)}`);
  }
  const v = vm.value(self) as { data: unknown };
  const prev = v.data as StringIOData | { kind: string };
  const d: StringIOData = {
    kind: 'stringio',
    ok: false,
    closed: false,
    state: 'accumulating',
    chars: [],
    bufSize: prev.kind === 'stringio' ? (prev as StringIOData).bufSize : 0,
    pos: 0,
    stringSize: 0,
    readuniversal: newline === undefined || newline === '',
    readtranslate: newline === undefined,
    readnl: newline,
    writenl: newline !== undefined && newline.startsWith('\r') ? newline : undefined,
  };
  v.data = d;
  accuDestroy(vm, self);
  setSlot(vm, self, 'readnl', undefined, undefined);
  setSlot(vm, self, 'writenl', undefined, undefined);
  setSlot(vm, self, 'decoder', undefined, undefined);
  if (newline !== undefined) {
    const nl = vm.newStr(newline, C_TEMP);
    vm.rt.moveToRef(nl, C_TEMP, self, 'readnl');
    if (d.writenl !== undefined) vm.rt.increfRef(nl, self, 'writenl');
  }
  if (d.readuniversal) {
    const types = ioTypes(vm);
    const dec = vm.call(
      types.IncrementalNewlineDecoder,
      [vm.statics.none, vm.bool(d.readtranslate, C_TEMP)],
      undefined,
      C_TEMP,
    );
    vm.rt.decref(d.readtranslate ? vm.statics.true : vm.statics.false, C_TEMP);
    vm.rt.moveToRef(dec, C_TEMP, self, 'decoder');
  }
  const valueLen = value !== undefined && value !== vm.statics.none ? [...vm.as(value, 'str').v].length : 0;
  d.ok = true;
  sioResize(vm, self, d, 0);
  if (valueLen > 0) {
    d.state = 'realized';
    d.pos = 0;
    sioWriteStr(vm, self, d, value as ObjectId);
  } else {
    accuInit(vm, self);
    d.state = 'accumulating';
  }
  d.pos = 0;
}

const stringIOSlots: TypeSlots = {
  new: (vm, type, _a, _k, out) => {
    const obj = vm.allocFor(
      type,
      '_io.StringIO',
      'method',
      136,
      { t: 'native', type, data: { kind: 'stringio-new' } },
      out,
    );
    return obj;
  },
  init: (vm, self, args, kwnames) => {
    const [value, newline] = unpackKeywords(vm, 'StringIO', args, kwnames, {
      names: ['initial_value', 'newline'],
      required: 0,
    });
    sioInit(vm, self, value, newline);
  },
  iter: (vm, self, out) => {
    sio(vm, self);
    return vm.ret(self, out);
  },
  next: (vm, self, out) => {
    const d = sio(vm, self);
    realize(vm, self, d);
    let line: ObjectId;
    if (vm.typeOf(self) === ioTypes(vm).StringIO) line = vm.newStr(sioReadline(d, -1), C_TEMP);
    else {
      line = callMethod(vm, self, 'readline', [], C_TEMP);
      if (vm.value(line).t !== 'str') {
        const tn = vm.typeName(line);
        vm.rt.decref(line, C_TEMP);
        throw vm.pyErr('OSError', `readline() should have returned a str object, not '${tn}'`);
      }
    }
    if (vm.as(line, 'str').v.length === 0) {
      vm.rt.decref(line, C_TEMP);
      return undefined;
    }
    vm.rt.move(line, C_TEMP, out);
    return line;
  },
};

function sioOpt(
  vm: VM,
  name: string,
  args: readonly ObjectId[],
  kw: readonly string[] | undefined,
): ObjectId | undefined {
  return checkArgsMax(vm, name, args, kw, 1)[0];
}

const stringIOMembers: Record<string, NativeMember> = {
  getvalue: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    methNoArgs(vm, 'StringIO.getvalue', args.slice(1), kw);
    const d = sio(vm, self);
    if (d.state === 'accumulating') return makeIntermediate(vm, self, d, out);
    return vm.newStr(sioText(d, 0, d.stringSize), out);
  }),
  tell: m((vm, args, kw, out) => {
    methNoArgs(vm, 'StringIO.tell', args.slice(1), kw);
    return vm.newInt(BigInt(sio(vm, args[0] as ObjectId).pos), out);
  }),
  read: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    let size = sizeArg(vm, sioOpt(vm, 'read', args, kw), -1);
    const d = sio(vm, self);
    const n = d.stringSize - d.pos;
    if (size < 0 || size > n) {
      size = n;
      if (size < 0) size = 0;
    }
    if (d.state === 'accumulating' && d.pos === 0 && size === n) {
      const r = makeIntermediate(vm, self, d, out);
      d.pos = d.stringSize;
      return r;
    }
    realize(vm, self, d);
    const start = d.pos;
    d.pos += size;
    return vm.newStr(sioText(d, start, start + size), out);
  }),
  readline: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const size = sizeArg(vm, sioOpt(vm, 'readline', args, kw), -1);
    const d = sio(vm, self);
    realize(vm, self, d);
    return vm.newStr(sioReadline(d, size), out);
  }),
  truncate: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const arg = sioOpt(vm, 'truncate', args, kw);
    const d0 = sio(vm, self);
    const size = sizeArg(vm, arg, d0.pos);
    if (size < 0) throw vm.pyErr('ValueError', `Negative size value ${size}`);
    if (size < d0.stringSize) {
      realize(vm, self, d0);
      sioResize(vm, self, d0, size);
      d0.stringSize = size;
      d0.chars.length = Math.min(d0.chars.length, size);
    }
    return vm.newInt(BigInt(size), out);
  }),
  seek: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    noKeywords(vm, 'seek', kw);
    const a = args.slice(1);
    if (a.length < 1 || a.length > 2) {
      throw vm.typeError(
        `seek expected ${a.length < 1 ? 'at least 1 argument' : 'at most 2 arguments'}, got ${a.length}`,
      );
    }
    let pos = indexArg(vm, a[0] as ObjectId);
    const whence = a[1] === undefined ? 0 : indexArg(vm, a[1]);
    const d = sio(vm, self);
    if (whence !== 0 && whence !== 1 && whence !== 2) {
      throw vm.pyErr('ValueError', `Invalid whence (${whence}, should be 0, 1 or 2)`);
    } else if (pos < 0 && whence === 0) throw vm.pyErr('ValueError', `Negative seek position ${pos}`);
    else if (whence !== 0 && pos !== 0) throw vm.pyErr('OSError', "Can't do nonzero cur-relative seeks");
    if (whence === 1) pos = d.pos;
    else if (whence === 2) pos = d.stringSize;
    d.pos = pos;
    return vm.newInt(BigInt(pos), out);
  }),
  write: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    noKeywords(vm, 'StringIO.write', kw);
    if (args.length !== 2) throw vm.typeError(`StringIO.write() takes exactly one argument (${args.length - 1} given)`);
    const obj = args[1] as ObjectId;
    sio(vm, self, false);
    if (vm.value(obj).t !== 'str') throw vm.typeError(`string argument expected, got '${vm.typeName(obj)}'`);
    const d = sio(vm, self);
    const size = [...vm.as(obj, 'str').v].length;
    if (size > 0) sioWriteStr(vm, self, d, obj);
    return vm.newInt(BigInt(size), out);
  }),
  close: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    methNoArgs(vm, 'StringIO.close', args.slice(1), kw);
    const d = sio(vm, self, false);
    d.closed = true;
    sioResize(vm, self, d, 0);
    d.chars = [];
    accuDestroy(vm, self);
    setSlot(vm, self, 'readnl', undefined, undefined);
    setSlot(vm, self, 'writenl', undefined, undefined);
    setSlot(vm, self, 'decoder', undefined, undefined);
    return vm.none(out);
  }),
  readable: m((vm, args, _kw, out) => {
    sio(vm, args[0] as ObjectId);
    return vm.bool(true, out);
  }),
  writable: m((vm, args, _kw, out) => {
    sio(vm, args[0] as ObjectId);
    return vm.bool(true, out);
  }),
  seekable: m((vm, args, _kw, out) => {
    sio(vm, args[0] as ObjectId);
    return vm.bool(true, out);
  }),
  closed: getter((vm, self) => vm.bool(sio(vm, self, false).closed, C_TEMP)),
  line_buffering: getter((vm, self) => {
    sio(vm, self);
    return vm.bool(false, C_TEMP);
  }),
  newlines: getter((vm, self) => {
    sio(vm, self);
    const dec = slotRef(vm, self, 'decoder');
    if (dec === undefined) return vm.none(C_TEMP);
    return vm.getAttr(dec, 'newlines', C_TEMP);
  }),
  __getstate__: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const value = callMethod(vm, self, 'getvalue', [], C_TEMP);
    const readnl = slotRef(vm, self, 'readnl');
    const dict = vm.instanceDict(self);
    return vm.newTuple(
      [
        value,
        vm.ret(readnl ?? vm.statics.none, C_TEMP),
        vm.newInt(BigInt(sio(vm, self).pos), C_TEMP),
        dict === undefined ? vm.none(C_TEMP) : vm.call(vm.T.dict, [dict], undefined, C_TEMP),
      ],
      out,
      C_TEMP,
    );
  }),
};

// ---------------------------------------------------------------------------------
// BytesIO (bytesio.c)

interface BytesIOData {
  kind: 'bytesio';
  pos: number;
  stringSize: number;
  closed: boolean;
}

const BYTESIO_SIZE = 80;

function bio(vm: VM, self: ObjectId, checkClosed = true): { d: BytesIOData; buf: ObjectId } {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as BytesIOData) : undefined;
  if (d?.kind !== 'bytesio') throw vm.pyErr('ValueError', 'I/O operation on uninitialized object');
  const buf = slotRef(vm, self, 'buf');
  if (checkClosed && (d.closed || buf === undefined)) throw closedError(vm, true);
  return { d, buf: buf as ObjectId };
}

/** SHARED_BUF: someone besides the BytesIO holds its bytes. */
const shared = (vm: VM, buf: ObjectId): boolean => vm.rt.refcount(buf) > 1;

/** sys.getsizeof: the object, plus its buffer when not shared (bytesio_sizeof). */
function bioSizeof(vm: VM, self: ObjectId): void {
  const buf = slotRef(vm, self, 'buf');
  const extra = buf !== undefined && !shared(vm, buf) ? vm.rt.object(buf).size : 0;
  vm.rt.resize(self, BYTESIO_SIZE + extra);
}

/** The buffer replaced by a new bytes object of `size` holding the first string_size bytes (unshare_buffer). */
function bioReplace(vm: VM, self: ObjectId, d: BytesIOData, buf: ObjectId, size: number): ObjectId {
  const old = vm.as(buf, 'bytes').v;
  const nb = new Uint8Array(size);
  nb.set(old.subarray(0, Math.min(d.stringSize, size)));
  const fresh = vm.newBytes(nb, C_TEMP);
  setSlot(vm, self, 'buf', fresh, C_TEMP);
  return fresh;
}

/** _PyBytes_Resize of an unshared buffer: the same object, resized. */
function bioResizeInPlace(vm: VM, buf: ObjectId, size: number): void {
  const v = vm.as(buf, 'bytes');
  const nb = new Uint8Array(size);
  nb.set(v.v.subarray(0, Math.min(v.v.length, size)));
  v.v = nb;
  vm.rt.resize(buf, bytesSize(size));
}

function bioResize(vm: VM, self: ObjectId, d: BytesIOData, buf: ObjectId, size: number): ObjectId {
  let alloc = vm.as(buf, 'bytes').v.length;
  if (size < alloc / 2) alloc = size + 1;
  else if (size < alloc) return buf;
  else if (size <= alloc * 1.125) alloc = size + (size >> 3) + (size < 9 ? 3 : 6);
  else alloc = size + 1;
  if (shared(vm, buf)) return bioReplace(vm, self, d, buf, alloc);
  bioResizeInPlace(vm, buf, alloc);
  return buf;
}

function bioWrite(vm: VM, self: ObjectId, data: Uint8Array): number {
  const { d } = bio(vm, self);
  let { buf } = bio(vm, self);
  const len = data.length;
  const endpos = d.pos + len;
  if (endpos > vm.as(buf, 'bytes').v.length) buf = bioResize(vm, self, d, buf, endpos);
  else if (shared(vm, buf)) buf = bioReplace(vm, self, d, buf, Math.max(endpos, d.stringSize));
  const arr = vm.as(buf, 'bytes').v;
  if (d.pos > d.stringSize) arr.fill(0, d.stringSize, d.pos);
  arr.set(data, d.pos);
  d.pos = endpos;
  if (d.stringSize < endpos) d.stringSize = endpos;
  bioSizeof(vm, self);
  return len;
}

function bioReadBytes(vm: VM, self: ObjectId, d: BytesIOData, buf: ObjectId, size: number, out: Holder): ObjectId {
  const arr = vm.as(buf, 'bytes').v;
  if (size > 1 && d.pos === 0 && size === arr.length) {
    d.pos += size;
    const r = vm.ret(buf, out);
    bioSizeof(vm, self);
    return r;
  }
  const r = vm.newBytes(arr.slice(d.pos, d.pos + size), out);
  d.pos += size;
  return r;
}

/** A size argument of BytesIO's methods: int or None. */
function bioSizeArg(vm: VM, obj: ObjectId | undefined, dflt: number): number {
  if (obj === undefined || obj === vm.statics.none) return dflt;
  const v = vm.value(obj);
  if (v.t !== 'int' && v.t !== 'bool')
    throw vm.typeError(`argument should be integer or None, not '${vm.typeName(obj)}'`);
  return Number(vm.index(obj));
}

function scanEol(d: BytesIOData, arr: Uint8Array, len0: number): number {
  if (d.pos >= d.stringSize) return 0;
  const maxlen = d.stringSize - d.pos;
  let len = len0;
  if (len < 0 || len > maxlen) len = maxlen;
  if (len > 0) {
    const i = arr.subarray(d.pos, d.pos + len).indexOf(10);
    if (i >= 0) len = i + 1;
  }
  return len;
}

const bytesIOSlots: TypeSlots = {
  new: (vm, type, _a, _k, out) => {
    const obj = vm.allocFor(
      type,
      '_io.BytesIO',
      'method',
      BYTESIO_SIZE,
      { t: 'native', type, data: { kind: 'bytesio', pos: 0, stringSize: 0, closed: false } satisfies BytesIOData },
      out,
    );
    vm.rt.moveToRef(vm.newBytes(new Uint8Array(0), C_TEMP), C_TEMP, obj, 'buf');
    return obj;
  },
  init: (vm, self, args, kwnames) => {
    const [initial] = unpackKeywords(vm, 'BytesIO', args, kwnames, { names: ['initial_bytes'], required: 0 });
    const { d } = bio(vm, self, false);
    d.pos = 0;
    d.stringSize = 0;
    d.closed = false;
    if (initial !== undefined && initial !== vm.statics.none) {
      if (vm.typeOf(initial) === vm.T.bytes) {
        setSlot(vm, self, 'buf', initial, undefined);
        d.stringSize = vm.as(initial, 'bytes').v.length;
      } else {
        const data = bufferOf(vm, initial);
        if (data === undefined) throw vm.typeError(`a bytes-like object is required, not '${vm.typeName(initial)}'`);
        bioWrite(vm, self, data);
        d.pos = 0;
      }
    }
    bioSizeof(vm, self);
  },
  iter: (vm, self, out) => {
    bio(vm, self);
    return vm.ret(self, out);
  },
  next: (vm, self, out) => {
    const { d, buf } = bio(vm, self);
    const n = scanEol(d, vm.as(buf, 'bytes').v, -1);
    if (n === 0) return undefined;
    return bioReadBytes(vm, self, d, buf, n, out);
  },
};

const bytesIOMembers: Record<string, NativeMember> = {
  getvalue: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    methNoArgs(vm, 'BytesIO.getvalue', args.slice(1), kw);
    const { d } = bio(vm, self);
    let { buf } = bio(vm, self);
    if (d.stringSize <= 1) return vm.newBytes(vm.as(buf, 'bytes').v.slice(0, d.stringSize), out);
    if (d.stringSize !== vm.as(buf, 'bytes').v.length) {
      if (shared(vm, buf)) buf = bioReplace(vm, self, d, buf, d.stringSize);
      else bioResizeInPlace(vm, buf, d.stringSize);
    }
    const r = vm.ret(buf, out);
    bioSizeof(vm, self);
    return r;
  }),
  read: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    let size = bioSizeArg(vm, sioOpt(vm, 'read', args, kw), -1);
    const { d, buf } = bio(vm, self);
    const n = d.stringSize - d.pos;
    if (size < 0 || size > n) size = Math.max(n, 0);
    return bioReadBytes(vm, self, d, buf, size, out);
  }),
  read1: m((vm, args, kw, out) => callMethod(vm, args[0] as ObjectId, 'read', args.slice(1), out)),
  readline: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const size = bioSizeArg(vm, sioOpt(vm, 'readline', args, kw), -1);
    const { d, buf } = bio(vm, self);
    const n = scanEol(d, vm.as(buf, 'bytes').v, size);
    return bioReadBytes(vm, self, d, buf, n, out);
  }),
  readlines: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const maxsize = bioSizeArg(vm, sioOpt(vm, 'readlines', args, kw), -1);
    const { d, buf } = bio(vm, self);
    const arr = vm.as(buf, 'bytes').v;
    const result = vm.newList([], C_TEMP);
    let size = 0;
    for (let n = scanEol(d, arr, -1); n !== 0; n = scanEol(d, arr, -1)) {
      const line = vm.newBytes(arr.slice(d.pos, d.pos + n), C_TEMP);
      d.pos += n;
      vm.listAppendMove(result, line, C_TEMP);
      size += n;
      if (maxsize > 0 && size >= maxsize) break;
    }
    vm.rt.move(result, C_TEMP, out);
    return result;
  }),
  write: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    noKeywords(vm, 'BytesIO.write', kw);
    if (args.length !== 2) throw vm.typeError(`BytesIO.write() takes exactly one argument (${args.length - 1} given)`);
    bio(vm, self);
    const data = bufferOf(vm, args[1] as ObjectId);
    if (data === undefined)
      throw vm.typeError(`a bytes-like object is required, not '${vm.typeName(args[1] as ObjectId)}'`);
    return vm.newInt(BigInt(data.length === 0 ? 0 : bioWrite(vm, self, data.slice())), out);
  }),
  writelines: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    bio(vm, self);
    const items = vm.iterateToArray(args[1] as ObjectId, C_TEMP);
    try {
      for (const x of items) {
        const data = bufferOf(vm, x);
        if (data === undefined) throw vm.typeError(`a bytes-like object is required, not '${vm.typeName(x)}'`);
        if (data.length > 0) bioWrite(vm, self, data.slice());
      }
    } finally {
      for (const x of items) vm.rt.decref(x, C_TEMP);
    }
    return vm.none(out);
  }),
  tell: m((vm, args, kw, out) => {
    methNoArgs(vm, 'BytesIO.tell', args.slice(1), kw);
    return vm.newInt(BigInt(bio(vm, args[0] as ObjectId).d.pos), out);
  }),
  seek: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    noKeywords(vm, 'seek', kw);
    const a = args.slice(1);
    if (a.length < 1 || a.length > 2) {
      throw vm.typeError(
        `seek expected ${a.length < 1 ? 'at least 1 argument' : 'at most 2 arguments'}, got ${a.length}`,
      );
    }
    let pos = indexArg(vm, a[0] as ObjectId);
    const whence = a[1] === undefined ? 0 : indexArg(vm, a[1]);
    const { d } = bio(vm, self);
    if (pos < 0 && whence === 0) throw vm.pyErr('ValueError', `negative seek value ${pos}`);
    if (whence === 1) pos = pos > Number.MAX_SAFE_INTEGER - d.pos ? Number.MAX_SAFE_INTEGER : pos + d.pos;
    else if (whence === 2) pos = pos + d.stringSize;
    else if (whence !== 0) throw vm.pyErr('ValueError', `invalid whence (${whence}, should be 0, 1 or 2)`);
    if (pos < 0) pos = 0;
    d.pos = pos;
    return vm.newInt(BigInt(pos), out);
  }),
  truncate: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const arg = sioOpt(vm, 'truncate', args, kw);
    const { d, buf } = bio(vm, self);
    const size = bioSizeArg(vm, arg, d.pos);
    if (size < 0) throw vm.pyErr('ValueError', `negative size value ${size}`);
    if (size < d.stringSize) {
      d.stringSize = size;
      bioResize(vm, self, d, buf, size);
      bioSizeof(vm, self);
    }
    return vm.newInt(BigInt(size), out);
  }),
  close: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const { d } = bio(vm, self, false);
    d.closed = true;
    setSlot(vm, self, 'buf', undefined, undefined);
    vm.rt.resize(self, BYTESIO_SIZE);
    return vm.none(out);
  }),
  flush: m((vm, args, _kw, out) => {
    bio(vm, args[0] as ObjectId);
    return vm.none(out);
  }),
  isatty: m((vm, args, _kw, out) => {
    bio(vm, args[0] as ObjectId);
    return vm.bool(false, out);
  }),
  readable: m((vm, args, _kw, out) => {
    bio(vm, args[0] as ObjectId);
    return vm.bool(true, out);
  }),
  writable: m((vm, args, _kw, out) => {
    bio(vm, args[0] as ObjectId);
    return vm.bool(true, out);
  }),
  seekable: m((vm, args, _kw, out) => {
    bio(vm, args[0] as ObjectId);
    return vm.bool(true, out);
  }),
  closed: getter((vm, self) => vm.bool(bio(vm, self, false).d.closed, C_TEMP)),
  getbuffer: m((vm) => {
    throw unsupported(vm, 'pymemsim does not simulate BytesIO.getbuffer (memoryview exports)');
  }),
};

// ---------------------------------------------------------------------------------
// FileIO (fds 0-2), BufferedWriter, BufferedReader

interface FileIOData {
  kind: 'fileio';
  fd: number;
  closed: boolean;
  closefd: boolean;
  mode: 'rb' | 'wb';
  /** Bytes sys.stdout/stderr already showed as their text was written, still on their way here. */
  echoed: number;
}

function fio(vm: VM, self: ObjectId): FileIOData {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as FileIOData) : undefined;
  if (d?.kind !== 'fileio') throw vm.pyErr('ValueError', 'I/O operation on uninitialized object');
  return d;
}

const fileIOSlots: TypeSlots = {
  new: (vm, type, _a, _k, out) =>
    vm.allocFor(
      type,
      '_io.FileIO',
      'method',
      64,
      { t: 'native', type, data: { kind: 'fileio', fd: -1, closed: true, closefd: true, mode: 'rb', echoed: 0 } },
      out,
    ),
  init: (vm, self, args, kwnames) => {
    const [file, mode, closefd] = unpackKeywords(vm, 'FileIO', args, kwnames, {
      names: ['file', 'mode', 'closefd', 'opener'],
      required: 1,
    });
    const fv = vm.value(file as ObjectId);
    if (fv.t !== 'int' || fv.v < 0n || fv.v > 2n) throw noFileSystem(vm, fv.t === 'int' ? undefined : file);
    const d = fio(vm, self);
    d.fd = Number(fv.v);
    d.closed = false;
    d.closefd = closefd === undefined || vm.truthy(closefd);
    d.mode = mode !== undefined && vm.value(mode).t === 'str' && vm.as(mode, 'str').v.includes('w') ? 'wb' : 'rb';
  },
  repr: (vm, self) => {
    const d = fio(vm, self);
    if (d.closed) return '<_io.FileIO [closed]>';
    const name = vm.instanceAttr(self, 'name');
    const shown = name === undefined ? `fd=${d.fd}` : `name=${vm.reprText(name)}`;
    return `<_io.FileIO ${shown} mode='${d.mode}' closefd=${d.closefd ? 'True' : 'False'}>`;
  },
};

const fileIOMembers: Record<string, NativeMember> = {
  write: m((vm, args, _kw, out) => {
    const d = fio(vm, args[0] as ObjectId);
    if (d.closed) throw closedError(vm, true);
    const data = bufferOf(vm, args[1] as ObjectId);
    if (data === undefined)
      throw vm.typeError(`a bytes-like object is required, not '${vm.typeName(args[1] as ObjectId)}'`);
    if (d.mode !== 'wb') throw unsupported(vm, 'File not open for writing');
    const skip = Math.min(d.echoed, data.length);
    d.echoed -= skip;
    if (skip < data.length) vm.write(new TextDecoder().decode(data.subarray(skip)), d.fd === 2);
    return vm.newInt(BigInt(data.length), out);
  }),
  read: m((vm, args, _kw, out) => {
    const d = fio(vm, args[0] as ObjectId);
    if (d.closed) throw closedError(vm, true);
    if (d.mode !== 'rb') throw unsupported(vm, 'File not open for reading');
    // fd 0 is the program's stdin (fds 1 and 2 are open for writing only).
    const size = sizeArg(vm, args[1], -1);
    if (d.fd !== 0) return vm.newBytes(new Uint8Array(0), out);
    if (size >= 0) return vm.newBytes(readStdin(vm, size), out);
    // readall: until the end of input.
    const parts: Uint8Array[] = [];
    for (let piece = readStdin(vm, 1 << 16); piece.length > 0; piece = readStdin(vm, 1 << 16)) parts.push(piece);
    return vm.newBytes(Buffer.concat(parts), out);
  }),
  fileno: m((vm, args, _kw, out) => vm.newInt(BigInt(fio(vm, args[0] as ObjectId).fd), out)),
  isatty: m((vm, _a, _k, out) => vm.bool(false, out)),
  readable: m((vm, args, _kw, out) => vm.bool(fio(vm, args[0] as ObjectId).mode === 'rb', out)),
  writable: m((vm, args, _kw, out) => vm.bool(fio(vm, args[0] as ObjectId).mode === 'wb', out)),
  seekable: m((vm, _a, _k, out) => vm.bool(false, out)),
  close: m((vm, args, _kw, out) => {
    fio(vm, args[0] as ObjectId).closed = true;
    return vm.none(out);
  }),
  closed: getter((vm, self) => vm.bool(fio(vm, self).closed, C_TEMP)),
  closefd: getter((vm, self) => vm.bool(fio(vm, self).closefd, C_TEMP)),
  mode: getter((vm, self) => vm.newStr(fio(vm, self).mode, C_TEMP)),
};

interface BufferedData {
  kind: 'buffered';
  writer: boolean;
  bufferSize: number;
  /** Bytes written and not yet passed to the raw object. */
  pending: number[];
  detached: boolean;
}

function buffered(vm: VM, self: ObjectId): { d: BufferedData; raw: ObjectId } {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as BufferedData) : undefined;
  if (d?.kind !== 'buffered') throw vm.pyErr('ValueError', 'I/O operation on uninitialized object');
  const raw = slotRef(vm, self, 'raw');
  if (raw === undefined || d.detached) throw vm.pyErr('ValueError', 'raw stream has been detached');
  return { d, raw };
}

/** Pending bytes passed to raw.write (_bufferedwriter_flush_unlocked). */
function bufferedFlush(vm: VM, self: ObjectId): void {
  const { d, raw } = buffered(vm, self);
  if (d.pending.length === 0) return;
  const b = vm.newBytes(Uint8Array.from(d.pending), C_TEMP);
  d.pending = [];
  try {
    callDrop(vm, raw, 'write', [b]);
  } finally {
    vm.rt.decref(b, C_TEMP);
  }
}

function newBuffered(writer: boolean, staticName: string): TypeSlots {
  return {
    new: (vm, type, _a, _k, out) =>
      vm.allocFor(
        type,
        staticName,
        'method',
        168,
        {
          t: 'native',
          type,
          data: { kind: 'buffered', writer, bufferSize: 8192, pending: [], detached: false } satisfies BufferedData,
        },
        out,
      ),
    init: (vm, self, args, kwnames) => {
      const [raw, size] = unpackKeywords(vm, writer ? 'BufferedWriter' : 'BufferedReader', args, kwnames, {
        names: ['raw', 'buffer_size'],
        required: 1,
      });
      const d = (vm.value(self) as { data: BufferedData }).data;
      const n = size === undefined ? 8192 : Number(vm.index(size));
      if (n <= 0) throw vm.pyErr('ValueError', 'buffer size must be strictly positive');
      d.bufferSize = n;
      setSlot(vm, self, 'raw', raw, undefined);
      vm.rt.resize(self, 168 + n);
      vm.rt.setBuffer(self, 'buffer', n);
    },
    repr: (vm, self) => {
      const raw = slotRef(vm, self, 'raw');
      const name = raw === undefined ? undefined : vm.getAttrOpt(raw, 'name', C_TEMP);
      const shown = name === undefined ? '' : ` name=${vm.reprText(name)}`;
      if (name !== undefined) vm.rt.decref(name, C_TEMP);
      return `<${staticName}${shown}>`;
    },
  };
}

const bufferedMembers: Record<string, NativeMember> = {
  write: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const { d } = buffered(vm, self);
    if (!d.writer) throw unsupported(vm, 'write');
    const data = bufferOf(vm, args[1] as ObjectId);
    if (data === undefined)
      throw vm.typeError(`a bytes-like object is required, not '${vm.typeName(args[1] as ObjectId)}'`);
    if (d.pending.length + data.length > d.bufferSize) {
      bufferedFlush(vm, self);
      if (data.length >= d.bufferSize) {
        // Written through to the raw stream without copying into the buffer.
        const { raw } = buffered(vm, self);
        callDrop(vm, raw, 'write', [args[1] as ObjectId]);
        return vm.newInt(BigInt(data.length), out);
      }
    }
    d.pending.push(...data);
    return vm.newInt(BigInt(data.length), out);
  }),
  flush: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const { d, raw } = buffered(vm, self);
    if (d.writer) {
      bufferedFlush(vm, self);
      callDrop(vm, raw, 'flush');
    }
    return vm.none(out);
  }),
  read: m((vm, args, _kw, out) => {
    const { raw } = buffered(vm, args[0] as ObjectId);
    return callMethod(vm, raw, 'read', args.slice(1), out);
  }),
  readline: m((vm, args, _kw, out) => {
    const { raw } = buffered(vm, args[0] as ObjectId);
    return callMethod(vm, raw, 'readline', args.slice(1), out);
  }),
  // read1: at most one raw read.
  read1: m((vm, args, _kw, out) => {
    const { raw } = buffered(vm, args[0] as ObjectId);
    const size = args.length > 1 ? [args[1] as ObjectId] : [];
    return callMethod(vm, raw, 'read', size, out);
  }),
  close: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const { d, raw } = buffered(vm, self);
    if (d.writer) bufferedFlush(vm, self);
    return callMethod(vm, raw, 'close', [], out);
  }),
  detach: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const { d, raw } = buffered(vm, self);
    if (d.writer) bufferedFlush(vm, self);
    vm.rt.incref(raw, C_TEMP);
    setSlot(vm, self, 'raw', undefined, undefined);
    d.detached = true;
    vm.rt.move(raw, C_TEMP, out);
    return raw;
  }),
  fileno: m((vm, args, _kw, out) => callMethod(vm, buffered(vm, args[0] as ObjectId).raw, 'fileno', [], out)),
  isatty: m((vm, args, _kw, out) => callMethod(vm, buffered(vm, args[0] as ObjectId).raw, 'isatty', [], out)),
  readable: m((vm, args, _kw, out) => callMethod(vm, buffered(vm, args[0] as ObjectId).raw, 'readable', [], out)),
  writable: m((vm, args, _kw, out) => callMethod(vm, buffered(vm, args[0] as ObjectId).raw, 'writable', [], out)),
  seekable: m((vm, args, _kw, out) => callMethod(vm, buffered(vm, args[0] as ObjectId).raw, 'seekable', [], out)),
  raw: getter((vm, self) => vm.ret(buffered(vm, self).raw, C_TEMP)),
  closed: getter((vm, self) => vm.getAttr(buffered(vm, self).raw, 'closed', C_TEMP)),
  name: getter((vm, self) => vm.getAttr(buffered(vm, self).raw, 'name', C_TEMP)),
  mode: getter((vm, self) => vm.getAttr(buffered(vm, self).raw, 'mode', C_TEMP)),
};

// ---------------------------------------------------------------------------------
// TextIOWrapper (textio.c): the write path of sys.stdout, and simple reading

interface TextData {
  kind: 'textio';
  encoding: 'utf-8' | 'ascii' | 'latin-1';
  errors: string;
  lineBuffering: boolean;
  writeThrough: boolean;
  chunkSize: number;
  pendingCount: number;
  closed: boolean;
  /** Text read from the buffer and not yet returned. */
  decoded: string;
  readuniversal: boolean;
  readtranslate: boolean;
  writenl: string | undefined;
  /** sys.stdout / sys.stderr: the FileIO at the end of the chain; the text is shown as it is written. */
  echo?: FileIOData;
}

function tio(vm: VM, self: ObjectId): TextData {
  const v = vm.value(self);
  const d = v.t === 'native' ? (v.data as TextData) : undefined;
  if (d?.kind !== 'textio') throw vm.pyErr('ValueError', 'I/O operation on uninitialized object');
  return d;
}

function tioBuffer(vm: VM, self: ObjectId): ObjectId {
  const b = slotRef(vm, self, 'buffer');
  if (b === undefined) throw vm.pyErr('ValueError', 'underlying buffer has been detached');
  return b;
}

const ENCODINGS: Record<string, TextData['encoding']> = {
  'utf-8': 'utf-8',
  utf8: 'utf-8',
  utf_8: 'utf-8',
  u8: 'utf-8',
  ascii: 'ascii',
  'us-ascii': 'ascii',
  'latin-1': 'latin-1',
  latin1: 'latin-1',
  latin_1: 'latin-1',
  'iso-8859-1': 'latin-1',
  'iso8859-1': 'latin-1',
  locale: 'utf-8',
};

function encodeText(vm: VM, d: TextData, text: string): Uint8Array {
  if (d.encoding === 'utf-8') return new TextEncoder().encode(text);
  const limit = d.encoding === 'ascii' ? 128 : 256;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= limit) {
      throw vm.pyErr(
        'UnicodeEncodeError',
        `'${d.encoding === 'ascii' ? 'ascii' : 'latin-1'}' codec can't encode character '\\x${c.toString(16)}' in position ${i}: ordinal not in range(${limit})`,
      );
    }
    out[i] = c;
  }
  return out;
}

function decodeBytes(d: TextData, data: Uint8Array): string {
  if (d.encoding === 'utf-8') return new TextDecoder().decode(data);
  return String.fromCharCode(...data);
}

/** _textiowrapper_writeflush: the pending text and bytes as one bytes object, written to the buffer. */
function tioWriteflush(vm: VM, self: ObjectId): void {
  const d = tio(vm, self);
  const pending = slotRef(vm, self, 'pending_bytes');
  if (pending === undefined) return;
  const pv = vm.value(pending);
  const parts = pv.t === 'list' ? pv.items : [pending];
  const bytes = new Uint8Array(d.pendingCount);
  let at = 0;
  for (const p of parts) {
    const v = vm.value(p);
    const data = v.t === 'bytes' ? v.v : Uint8Array.from(vm.as(p, 'str').v, (c) => c.charCodeAt(0));
    bytes.set(data, at);
    at += data.length;
  }
  const b = pv.t === 'bytes' ? vm.ret(pending, C_TEMP) : vm.newBytes(bytes, C_TEMP);
  d.pendingCount = 0;
  setSlot(vm, self, 'pending_bytes', undefined, undefined);
  try {
    callDrop(vm, tioBuffer(vm, self), 'write', [b]);
  } finally {
    vm.rt.decref(b, C_TEMP);
  }
}

function tioWrite(vm: VM, self: ObjectId, textObj: ObjectId): number {
  const d = tio(vm, self);
  if (d.closed) throw closedError(vm, true);
  let text = vm.as(textObj, 'str').v;
  const textlen = [...text].length;
  let t = vm.ret(textObj, C_TEMP);
  try {
    const haslf = (d.writenl !== undefined || d.lineBuffering) && text.includes('\n');
    if (haslf && d.writenl !== undefined && d.writenl !== '\n') {
      text = text.split('\n').join(d.writenl);
      vm.rt.decref(t, C_TEMP);
      t = vm.newStr(text, C_TEMP);
    }
    const needflush = d.lineBuffering && (haslf || text.includes('\r'));
    // ASCII text up to a chunk is kept as the str itself; else its encoded bytes.
    let b: ObjectId;
    let blen: number;
    // eslint-disable-next-line no-control-regex
    if (/^[\x00-\x7f]*$/.test(text) && text.length <= d.chunkSize) {
      b = vm.ret(t, C_TEMP);
      blen = text.length;
    } else {
      const data = encodeText(vm, d, text);
      b = vm.newBytes(data, C_TEMP);
      blen = data.length;
    }
    const pending = slotRef(vm, self, 'pending_bytes');
    if (pending === undefined) {
      d.pendingCount = 0;
      vm.rt.moveToRef(b, C_TEMP, self, 'pending_bytes');
    } else if (vm.typeOf(pending) !== vm.T.list) {
      // PyList_New(2) with the old pending object and the new one.
      vm.rt.move(pending, { kind: 'object', owner: self, slot: 'pending_bytes' }, C_TEMP);
      const list = vm.newList([pending, b], C_TEMP, C_TEMP);
      vm.rt.moveToRef(list, C_TEMP, self, 'pending_bytes');
    } else {
      vm.listAppendMove(pending, b, C_TEMP);
    }
    d.pendingCount += blen;
    if (d.echo !== undefined) {
      vm.write(text, d.echo.fd === 2);
      d.echo.echoed += blen;
    }
    if (d.pendingCount >= d.chunkSize || needflush || d.writeThrough) tioWriteflush(vm, self);
    if (needflush) callDrop(vm, tioBuffer(vm, self), 'flush');
    d.decoded = '';
    setSlot(vm, self, 'snapshot', undefined, undefined);
    return textlen;
  } finally {
    vm.rt.decref(t, C_TEMP);
  }
}

/**
 * More text from the buffer, decoded: read() takes all that is left; readline() takes
 * read1() pieces until a line end or the end of input, so a line typed at a terminal is
 * answered at once (textiowrapper_read_chunk reads read1(chunk size) the same way).
 */
function tioFill(vm: VM, self: ObjectId, d: TextData, line = false): void {
  if (line) {
    while (!d.decoded.includes('\n') && !(d.readuniversal && d.decoded.includes('\r'))) {
      if (!tioFillOnce(vm, self, d, true)) return;
    }
    return;
  }
  tioFillOnce(vm, self, d, false);
}

/** One read (or read1 of a chunk) of the buffer, decoded; false at the end of input. */
function tioFillOnce(vm: VM, self: ObjectId, d: TextData, chunk: boolean): boolean {
  const buffer = tioBuffer(vm, self);
  const size = chunk ? vm.newInt(8192n, C_TEMP) : undefined;
  let b: ObjectId;
  if (size === undefined) b = callMethod(vm, buffer, 'read', [], C_TEMP);
  else {
    // has_read1: the buffer's read1 when it has one, else read(size).
    const read1 = vm.getAttrOpt(buffer, 'read1', C_TEMP);
    try {
      b =
        read1 !== undefined
          ? vm.call(read1, [size], undefined, C_TEMP)
          : callMethod(vm, buffer, 'read', [size], C_TEMP);
    } finally {
      if (read1 !== undefined) vm.rt.decref(read1, C_TEMP);
      vm.rt.decref(size, C_TEMP);
    }
  }
  try {
    const data = bufferOf(vm, b);
    if (data === undefined)
      throw vm.typeError(`underlying read() should have returned a bytes-like object, not '${vm.typeName(b)}'`);
    let text = decodeBytes(d, data);
    if (d.readtranslate) text = text.replace(/\r\n/g, '\n').replace(/\r/g, '\n');
    d.decoded += text;
    return data.length > 0;
  } finally {
    vm.rt.decref(b, C_TEMP);
  }
}

function tioInit(vm: VM, self: ObjectId, args: readonly ObjectId[], kwnames: readonly string[] | undefined): void {
  const [buffer, encoding, errors, newline, lineBuffering, writeThrough] = unpackKeywords(
    vm,
    'TextIOWrapper',
    args,
    kwnames,
    { names: ['buffer', 'encoding', 'errors', 'newline', 'line_buffering', 'write_through'], required: 1 },
  );
  let enc = 'utf-8';
  if (encoding !== undefined && encoding !== vm.statics.none) {
    const ev = vm.value(encoding);
    if (ev.t !== 'str')
      throw vm.typeError(`TextIOWrapper() argument 'encoding' must be str or None, not ${vm.typeName(encoding)}`);
    enc = ev.v;
  }
  const known = ENCODINGS[enc.toLowerCase()];
  if (known === undefined)
    throw vm.pyErr('LookupError', `pymemsim's TextIOWrapper does not simulate the ${enc} encoding`);
  let nl: string | undefined;
  if (newline !== undefined && newline !== vm.statics.none) {
    nl = vm.as(newline, 'str').v;
    if (nl !== '' && nl !== '\n' && nl !== '\r' && nl !== '\r\n') {
      throw vm.pyErr('ValueError', `illegal newline value: ${vm.reprText(newline)}`);
    }
  }
  const d: TextData = {
    kind: 'textio',
    encoding: known,
    errors: errors === undefined || errors === vm.statics.none ? 'strict' : vm.as(errors, 'str').v,
    lineBuffering: lineBuffering !== undefined && vm.truthy(lineBuffering),
    writeThrough: writeThrough !== undefined && vm.truthy(writeThrough),
    chunkSize: 8192,
    pendingCount: 0,
    closed: false,
    decoded: '',
    readuniversal: nl === undefined || nl === '',
    readtranslate: nl === undefined,
    writenl: nl === undefined ? '\n' : nl === '' ? undefined : nl,
  };
  (vm.value(self) as { data: unknown }).data = d;
  setSlot(vm, self, 'buffer', buffer, undefined);
  const encName = encoding === undefined || encoding === vm.statics.none ? 'utf-8' : enc;
  setSlot(vm, self, 'encoding', vm.newStr(encName, C_TEMP), C_TEMP);
  setSlot(vm, self, 'errors', vm.newStr(d.errors, C_TEMP), C_TEMP);
}

const textIOSlots: TypeSlots = {
  new: (vm, type, _a, _k, out) =>
    vm.allocFor(type, '_io.TextIOWrapper', 'method', 208, { t: 'native', type, data: { kind: 'textio-new' } }, out),
  init: tioInit,
  repr: (vm, self) => {
    let s = '<_io.TextIOWrapper';
    const name = vm.getAttrOpt(self, 'name', C_TEMP);
    if (name !== undefined) {
      s += ` name=${vm.reprText(name)}`;
      vm.rt.decref(name, C_TEMP);
    }
    const mode = vm.getAttrOpt(self, 'mode', C_TEMP);
    if (mode !== undefined) {
      s += ` mode=${vm.reprText(mode)}`;
      vm.rt.decref(mode, C_TEMP);
    }
    const enc = slotRef(vm, self, 'encoding');
    return `${s}${enc === undefined ? '' : ` encoding=${vm.reprText(enc)}`}>`;
  },
  iter: (vm, self, out) => vm.ret(self, out),
  next: (vm, self, out) => {
    const line = callMethod(vm, self, 'readline', [], C_TEMP);
    if (vm.as(line, 'str').v === '') {
      vm.rt.decref(line, C_TEMP);
      return undefined;
    }
    vm.rt.move(line, C_TEMP, out);
    return line;
  },
};

const textIOMembers: Record<string, NativeMember> = {
  write: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    noKeywords(vm, 'TextIOWrapper.write', kw);
    if (args.length !== 2)
      throw vm.typeError(`TextIOWrapper.write() takes exactly one argument (${args.length - 1} given)`);
    const text = args[1] as ObjectId;
    if (vm.value(text).t !== 'str') throw vm.typeError(`write() argument must be str, not ${vm.typeName(text)}`);
    return vm.newInt(BigInt(tioWrite(vm, self, text)), out);
  }),
  flush: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const d = tio(vm, self);
    if (d.closed) throw closedError(vm, true);
    tioWriteflush(vm, self);
    callDrop(vm, tioBuffer(vm, self), 'flush');
    return vm.none(out);
  }),
  close: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const d = tio(vm, self);
    if (d.closed) return vm.none(out);
    try {
      tioWriteflush(vm, self);
      callDrop(vm, tioBuffer(vm, self), 'flush');
    } finally {
      d.closed = true;
    }
    return callMethod(vm, tioBuffer(vm, self), 'close', [], out);
  }),
  read: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const size = sizeArg(vm, checkArgsMax(vm, 'read', args, kw, 1)[0], -1);
    const d = tio(vm, self);
    if (d.closed) throw closedError(vm, true);
    tioWriteflush(vm, self);
    tioFill(vm, self, d);
    const chars = [...d.decoded];
    const n = size < 0 ? chars.length : Math.min(size, chars.length);
    d.decoded = chars.slice(n).join('');
    return vm.newStr(chars.slice(0, n).join(''), out);
  }),
  readline: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const size = sizeArg(vm, checkArgsMax(vm, 'readline', args, kw, 1)[0], -1);
    const d = tio(vm, self);
    if (d.closed) throw closedError(vm, true);
    tioWriteflush(vm, self);
    tioFill(vm, self, d, true);
    const chars = [...d.decoded];
    let n = chars.length;
    for (let i = 0; i < chars.length; i++) {
      const c = chars[i];
      if (c === '\n' || (d.readuniversal && !d.readtranslate && c === '\r')) {
        n = c === '\r' && chars[i + 1] === '\n' ? i + 2 : i + 1;
        break;
      }
    }
    if (size >= 0) n = Math.min(n, size);
    d.decoded = chars.slice(n).join('');
    return vm.newStr(chars.slice(0, n).join(''), out);
  }),
  detach: m((vm, args, _kw, out) => {
    const self = args[0] as ObjectId;
    const buffer = tioBuffer(vm, self);
    tioWriteflush(vm, self);
    callDrop(vm, buffer, 'flush');
    vm.rt.incref(buffer, C_TEMP);
    setSlot(vm, self, 'buffer', undefined, undefined);
    vm.rt.move(buffer, C_TEMP, out);
    return buffer;
  }),
  fileno: m((vm, args, _kw, out) => callMethod(vm, tioBuffer(vm, args[0] as ObjectId), 'fileno', [], out)),
  isatty: m((vm, args, _kw, out) => callMethod(vm, tioBuffer(vm, args[0] as ObjectId), 'isatty', [], out)),
  readable: m((vm, args, _kw, out) => callMethod(vm, tioBuffer(vm, args[0] as ObjectId), 'readable', [], out)),
  writable: m((vm, args, _kw, out) => callMethod(vm, tioBuffer(vm, args[0] as ObjectId), 'writable', [], out)),
  seekable: m((vm, args, _kw, out) => callMethod(vm, tioBuffer(vm, args[0] as ObjectId), 'seekable', [], out)),
  reconfigure: m((vm, args, kw, out) => {
    const self = args[0] as ObjectId;
    const d = tio(vm, self);
    const [, , , lb, wt] = unpackKeywords(vm, 'reconfigure', args.slice(1), kw, {
      names: ['encoding', 'errors', 'newline', 'line_buffering', 'write_through'],
      maxPos: 0,
      required: 0,
    });
    tioWriteflush(vm, self);
    if (lb !== undefined && lb !== vm.statics.none) d.lineBuffering = vm.truthy(lb);
    if (wt !== undefined && wt !== vm.statics.none) d.writeThrough = vm.truthy(wt);
    return vm.none(out);
  }),
  closed: getter((vm, self) => {
    const buffer = tioBuffer(vm, self);
    if (tio(vm, self).closed) return vm.bool(true, C_TEMP);
    return vm.getAttr(buffer, 'closed', C_TEMP);
  }),
  name: getter((vm, self) => vm.getAttr(tioBuffer(vm, self), 'name', C_TEMP)),
  buffer: getter((vm, self) => vm.ret(tioBuffer(vm, self), C_TEMP)),
  encoding: getter((vm, self) => vm.ret(slotRef(vm, self, 'encoding') ?? vm.statics.none, C_TEMP)),
  errors: getter((vm, self) => vm.ret(slotRef(vm, self, 'errors') ?? vm.statics.none, C_TEMP)),
  line_buffering: getter((vm, self) => vm.bool(tio(vm, self).lineBuffering, C_TEMP)),
  write_through: getter((vm, self) => vm.bool(tio(vm, self).writeThrough, C_TEMP)),
  newlines: getter((vm) => vm.none(C_TEMP)),
  _CHUNK_SIZE: {
    k: 'getset',
    get: (vmu, self) => (vmu as VM).newInt(BigInt(tio(vmu as VM, self).chunkSize), C_TEMP),
    set: (vmu, self, v) => {
      const vm = vmu as VM;
      if (v === undefined) throw vm.pyErr('AttributeError', 'cannot delete attribute');
      const n = Number(vm.index(v));
      if (n <= 0) throw vm.pyErr('ValueError', 'a strictly positive integer is required');
      tio(vm, self).chunkSize = n;
    },
  },
};

// ---------------------------------------------------------------------------------
// The types, and sys.stdout / sys.stderr

/** The _io types of this VM (defined on first use: sys.stdout needs them at start-up). */
export function ioTypes(vm: VM): IoTypes {
  const made = typesByVm.get(vm);
  if (made !== undefined) return made;
  const def = (name: string, base: ObjectId, slots: TypeSlots, members: Record<string, NativeMember>): ObjectId =>
    vm.defineType({ name, module: '_io', base, slots, members, hasDict: true });
  const IOBase = def('_IOBase', vm.T.object, iobaseSlots, iobaseMembers);
  const RawIOBase = def('_RawIOBase', IOBase, {}, rawMembers);
  const BufferedIOBase = def('_BufferedIOBase', IOBase, {}, bufferedBaseMembers);
  const TextIOBase = def('_TextIOBase', IOBase, {}, textBaseMembers);
  for (const t of [IOBase, RawIOBase, BufferedIOBase, TextIOBase]) vm.typeValue(t).hasWeakref = true;
  const refusedType = (name: string): TypeSlots => ({
    new: (vm2) => {
      throw unsupported(vm2, `pymemsim does not simulate ${name}`);
    },
  });
  const types: IoTypes = {
    IOBase,
    RawIOBase,
    BufferedIOBase,
    TextIOBase,
    StringIO: def('StringIO', TextIOBase, stringIOSlots, stringIOMembers),
    BytesIO: def('BytesIO', BufferedIOBase, bytesIOSlots, bytesIOMembers),
    FileIO: def('FileIO', RawIOBase, fileIOSlots, fileIOMembers),
    BufferedReader: def('BufferedReader', BufferedIOBase, newBuffered(false, '_io.BufferedReader'), bufferedMembers),
    BufferedWriter: def('BufferedWriter', BufferedIOBase, newBuffered(true, '_io.BufferedWriter'), bufferedMembers),
    BufferedRWPair: def('BufferedRWPair', BufferedIOBase, refusedType('BufferedRWPair'), {}),
    BufferedRandom: def('BufferedRandom', BufferedIOBase, refusedType('BufferedRandom'), {}),
    TextIOWrapper: def('TextIOWrapper', TextIOBase, textIOSlots, textIOMembers),
    IncrementalNewlineDecoder: vm.defineType({
      name: 'IncrementalNewlineDecoder',
      module: '_io',
      base: vm.T.object,
      slots: nlDecoderSlots,
      members: nlDecoderMembers,
    }),
    UnsupportedOperation: 0 as ObjectId,
  };
  typesByVm.set(vm, types);
  const op = newExceptionClass(
    vm,
    'io.UnsupportedOperation',
    [builtinType(vm, 'OSError'), builtinType(vm, 'ValueError')],
    {
      kind: 'root',
      name: 'static types',
    },
  );
  types.UnsupportedOperation = op;
  return types;
}

/**
 * create_stdio: sys.stdout (or stderr) as CPython makes it for output to a pipe:
 * TextIOWrapper(BufferedWriter(FileIO(fd, 'wb', closefd=False), 4096), 'utf-8', ...).
 */
export function makeStdStream(vm: VM, which: 'stdin' | 'stdout' | 'stderr', out: Holder): ObjectId {
  const t = ioTypes(vm);
  const fd = which === 'stdin' ? 0 : which === 'stdout' ? 1 : 2;
  const reading = which === 'stdin';
  const fdObj = vm.newInt(BigInt(fd), C_TEMP);
  const mode = vm.newStr(reading ? 'rb' : 'wb', C_TEMP);
  const raw = vm.call(t.FileIO, [fdObj, mode, vm.statics.false], ['closefd'], C_TEMP);
  vm.rt.decref(fdObj, C_TEMP);
  vm.rt.decref(mode, C_TEMP);
  const name = vm.newStr(`<${which}>`, C_TEMP);
  vm.setInstanceAttr(raw, 'name', name, C_TEMP, 'move');
  const size = vm.newInt(4096n, C_TEMP);
  const buf = vm.call(reading ? t.BufferedReader : t.BufferedWriter, [raw, size], undefined, C_TEMP);
  vm.rt.decref(size, C_TEMP);
  vm.rt.decref(raw, C_TEMP);
  const enc = vm.newStr('utf-8', C_TEMP);
  const errors = vm.newStr(which === 'stderr' ? 'backslashreplace' : 'surrogateescape', C_TEMP);
  const nl = vm.newStr('\n', C_TEMP);
  const lb = vm.bool(which === 'stderr', C_TEMP);
  const stream = vm.call(t.TextIOWrapper, [buf, enc, errors, nl, lb, vm.statics.false], undefined, C_TEMP);
  for (const x of [buf, enc, errors, nl, lb]) vm.rt.decref(x, C_TEMP);
  vm.setInstanceAttr(stream, 'mode', vm.newStr(reading ? 'r' : 'w', C_TEMP), C_TEMP, 'move');
  if (!reading) tio(vm, stream).echo = fio(vm, raw);
  vm.rt.move(stream, C_TEMP, out);
  return stream;
}

// ---------------------------------------------------------------------------------
// The module

const functions: Record<string, Native> = {
  open: (vm, args, kwnames) => {
    const [file] = unpackKeywords(vm, 'open', args, kwnames, {
      names: ['file', 'mode', 'buffering', 'encoding', 'errors', 'newline', 'closefd', 'opener'],
      required: 1,
    });
    const v = vm.value(file as ObjectId);
    throw noFileSystem(vm, v.t === 'str' || v.t === 'bytes' ? file : undefined);
  },
  open_code: (vm, args, kwnames) => {
    const [path] = unpackKeywords(vm, 'open_code', args, kwnames, { names: ['path'] });
    throw noFileSystem(vm, path);
  },
  text_encoding: (vm, args, kwnames, out) => {
    const [encoding] = unpackKeywords(vm, 'text_encoding', args, kwnames, {
      names: ['encoding', 'stacklevel'],
      posOnly: 2,
      required: 1,
    });
    if (encoding !== vm.statics.none) return vm.ret(encoding as ObjectId, out);
    return vm.newStr('locale', out);
  },
};

registerBuiltinModule('_io', (vm, _module, dict) => {
  const t = ioTypes(vm);
  vm.addFunctions(dict, '_io', functions);
  const set = (name: string, v: ObjectId): void => vm.dictSetStr(dict, name, v, C_TEMP, 'copy');
  set('_IOBase', t.IOBase);
  set('_RawIOBase', t.RawIOBase);
  set('_BufferedIOBase', t.BufferedIOBase);
  set('_TextIOBase', t.TextIOBase);
  set('StringIO', t.StringIO);
  set('BytesIO', t.BytesIO);
  set('FileIO', t.FileIO);
  set('BufferedReader', t.BufferedReader);
  set('BufferedWriter', t.BufferedWriter);
  set('BufferedRWPair', t.BufferedRWPair);
  set('BufferedRandom', t.BufferedRandom);
  set('TextIOWrapper', t.TextIOWrapper);
  set('IncrementalNewlineDecoder', t.IncrementalNewlineDecoder);
  set('UnsupportedOperation', t.UnsupportedOperation);
  set('BlockingIOError', builtinType(vm, 'BlockingIOError'));
  vm.dictSetStr(dict, 'DEFAULT_BUFFER_SIZE', vm.newInt(8192n, C_TEMP), C_TEMP, 'move');
});
