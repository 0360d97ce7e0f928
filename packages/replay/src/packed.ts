/*
 * Packed values: the compact body encoding of format 2
 * ====================================================
 * Event chunks and checkpoints hold long runs of objects of a few shapes (a
 * `RefIncremented` with a `stack` holder, a heap object, a `{ slot, to }` reference),
 * whose numbers are close to the numbers just before them (ids, addresses). A packed
 * body says each shape once and then only the leaves, numbers as differences, strings
 * by their index in a table; the body is then compressed with raw DEFLATE (format.ts).
 * The encoding is generic over plain data: an event type or a state field added to
 * core is encoded without a change here.
 *
 * Read first: PackWriter.value(), then PackReader.value() and PackReader.shaped().
 *
 *   value   := tag byte, then
 *              0 null | 1 false | 2 true
 *              3 uint           varint
 *              4 negative int   varint of -v
 *              5 float          8 bytes, little-endian float64 (also -0, NaN, ±Infinity)
 *              6 string         strref
 *              7 array          varint n, n values
 *              8 shaped object  shaperef, the shape's leaves
 *              9 map            varint n, n × (strref key, value)
 *             10 map            the same, the object has no prototype
 *             11 int map        varint n, n × (varint key step, value): keys "0", "1", ...
 *             12 int map        the same, no prototype
 *   strref  := varint i: string i of the table; i = table size: a new string follows,
 *              varint byte length, UTF-8 bytes (it becomes string i)
 *   shaperef:= varint i: shape i; i = table size: a new shape follows (it becomes shape i):
 *              varint key count, flags byte (1 = no prototype), per key: strref key, leaf
 *   leaf    := 0 uint          the shape's value: zigzag varint of (v - previous v in
 *                               the key's delta context)
 *              1 string        strref
 *              2 any           a tagged value
 *              3 constant      strref (the value is that string, stored in the shape)
 *              4 null, 5 false, 6 true   constants (nothing in the value)
 *              7 object        shaperef of a nested shape (its leaves follow inline)
 *
 * Vocabulary:
 * - shape: an object's keys in order with the kind of each value. Values of the keys
 *   `type` and `kind` (the discriminants of events and holders) are constants of the
 *   shape, so an event's shape names its type, and validation (eventSchema.ts) can be
 *   done once per shape instead of once per event.
 * - delta context: a uint leaf's previous value, one per key path (`id`,
 *   `holder.owner`, `refs[].to`); 0 at the start of a body. Objects of every shape
 *   share the context of a path, so the `id` of a `RefDecremented` is coded against
 *   the `id` of the event before it whatever its type.
 * - int map: an object whose keys are all canonical non-negative integers in
 *   increasing order (the heap's object table); keys are coded as steps.
 *
 * Invariants (packed.test.ts):
 * - unpack(pack(v)) deep-equals v for plain data v, own `__proto__` keys and
 *   prototypes (plain or none) included, -0 included;
 * - unpack never throws anything but Malformed on any bytes, never reads past the end,
 *   never allocates more than the bytes it is given can describe (every count is checked
 *   against the bytes that remain), and never assigns to a prototype.
 *
 * Simplifications: uint leaves hold integers below 2^52 (so a difference and its
 * zigzag code stay exact); larger integers go through the tagged `any` leaf.
 */
import { Malformed } from './malformed.js';

const T_NULL = 0;
const T_FALSE = 1;
const T_TRUE = 2;
const T_UINT = 3;
const T_NEG = 4;
const T_FLOAT = 5;
const T_STRING = 6;
const T_ARRAY = 7;
const T_SHAPED = 8;
const T_MAP = 9;
const T_MAP_NULL = 10;
const T_INTMAP = 11;
const T_INTMAP_NULL = 12;

export const L_UINT = 0;
export const L_STRING = 1;
export const L_ANY = 2;
export const L_CONST = 3;
export const L_NULL = 4;
export const L_FALSE = 5;
export const L_TRUE = 6;
export const L_OBJECT = 7;

/** Largest integer a uint leaf holds (exclusive). */
const UINT_LEAF_LIMIT = 2 ** 52;
/** Objects with more keys are coded as maps, not shapes (a frame's variables, roots). */
const MAX_SHAPE_KEYS = 24;
/** Deeper than any value a trace holds; keeps the walk far from the stack limit. */
const MAX_DEPTH = 64;
/** Keys whose string values are constants of the shape. */
const DISCRIMINANTS = new Set(['type', 'kind']);

const isUintLeaf = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < UINT_LEAF_LIMIT && !Object.is(v, -0);

// ---------------------------------------------------------------------------------
// Writing

/** Encodes plain values into one packed body. One writer per body (tables start empty). */
export class PackWriter {
  private buf = new Uint8Array(1 << 16);
  private pos = 0;
  private readonly strings = new Map<string, number>();
  private readonly shapes = new Map<string, WShape>();
  private readonly keyIds = new Map<string, number>();
  private readonly contexts = new Map<string, number>();
  private last: number[] = [];
  private readonly text = new TextEncoder();

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** One tagged value. */
  value(v: unknown): void {
    this.tagged(v, 0);
  }

  /** One object without a tag (its shape first): the form of every event in a chunk. */
  object(o: object): void {
    this.shapedObject(o, 0);
  }

  varint(n: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (n < 0x8000_0000) {
      while (n >= 0x80) {
        buf[pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
    } else {
      while (n >= 0x80) {
        buf[pos++] = (n % 128) | 0x80;
        n = Math.floor(n / 128);
      }
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  /** The bytes written (a view of the writer's buffer until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  private string(s: string): void {
    const i = this.strings.get(s);
    if (i !== undefined) {
      this.varint(i);
      return;
    }
    this.varint(this.strings.size);
    this.strings.set(s, this.strings.size);
    if (s.length < 128 && isAsciiText(s)) {
      // Most strings (reprs, slot names) are short ASCII: their bytes are their char codes.
      this.varint(s.length);
      this.ensure(s.length);
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
      this.pos = pos;
      return;
    }
    const bytes = this.text.encode(s);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private float(v: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  private tagged(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'number':
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) {
          if (v >= 0) {
            this.byte(T_UINT);
            this.varint(v);
          } else {
            this.byte(T_NEG);
            this.varint(-v);
          }
        } else {
          this.byte(T_FLOAT);
          this.float(v);
        }
        return;
      case 'string':
        this.byte(T_STRING);
        this.string(v);
        return;
      case 'boolean':
        this.byte(v ? T_TRUE : T_FALSE);
        return;
      case 'undefined':
        this.byte(T_NULL); // only inside arrays; an undefined property is left out
        return;
      case 'object':
        break;
      case 'bigint':
      case 'function':
      case 'symbol':
        throw new TypeError(`cannot pack a ${typeof v}`);
    }
    if (v === null) {
      this.byte(T_NULL);
      return;
    }
    if (depth >= MAX_DEPTH) throw new TypeError(`cannot pack values nested more than ${MAX_DEPTH} deep`);
    if (Array.isArray(v)) {
      this.byte(T_ARRAY);
      this.varint(v.length);
      for (const item of v as unknown[]) this.tagged(item, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    // An object of a shape this body used last (a checkpoint's `{ slot, to }` references):
    // the bytes the slow path below would write, without listing its keys first.
    if (this.recentShaped(o, depth)) return;
    const keys = ownKeys(o);
    const nullProto = Object.getPrototypeOf(o) === null;
    if (keys.length > 0 && isIntKeyed(keys)) {
      this.byte(nullProto ? T_INTMAP_NULL : T_INTMAP);
      this.varint(keys.length);
      let prev = 0;
      for (const key of keys) {
        const k = Number(key);
        this.varint(k - prev);
        prev = k;
        this.tagged(o[key], depth + 1);
      }
      return;
    }
    if (keys.length > MAX_SHAPE_KEYS) {
      this.byte(nullProto ? T_MAP_NULL : T_MAP);
      this.varint(keys.length);
      for (const key of keys) {
        this.string(key);
        this.tagged(o[key], depth + 1);
      }
      return;
    }
    this.byte(T_SHAPED);
    this.shapedObject(o, depth);
  }

  /**
   * T_SHAPED, the shaperef and the leaves of `o`, when it matches a recent shape that a
   * tagged value may have (keys that make neither an int map nor a map); else nothing.
   */
  private recentShaped(o: Record<string, unknown>, depth: number): boolean {
    const t = o['type'] ?? o['kind'];
    const recent = this.recent.get(typeof t === 'string' ? t : '');
    if (recent === undefined || depth >= MAX_DEPTH - 2) return false;
    for (let i = 0; i < recent.length; i++) {
      const shape = recent[i] as WShape;
      if (!shape.taggable || !matches(o, shape)) continue;
      if (i > 0) {
        recent[i] = recent[i - 1] as WShape;
        recent[i - 1] = shape;
      }
      this.byte(T_SHAPED);
      this.varint(shape.index);
      this.leaves(o, shape.keys, shape, depth);
      return true;
    }
    return false;
  }

  /** shaperef (with the definition when the shape is new) then the leaves. */
  private shapedObject(o: object, depth: number): void {
    const rec = o as Record<string, unknown>;
    // Fast path: a shape this body already has, found by the object's discriminant and
    // checked key by key (no key list, no signature string: most objects of a body, like
    // a trace's events, repeat a few shapes). The same shape the signature would find.
    const t = rec['type'] ?? rec['kind'];
    const tag = typeof t === 'string' ? t : '';
    const recent = this.recent.get(tag);
    if (recent !== undefined) {
      for (let i = 0; i < recent.length; i++) {
        const shape = recent[i] as WShape;
        if (depth < MAX_DEPTH - 2 && matches(rec, shape)) {
          if (i > 0) {
            // Most recently used first: runs of one shape are found at the first try.
            recent[i] = recent[i - 1] as WShape;
            recent[i - 1] = shape;
          }
          this.varint(shape.index);
          this.leaves(rec, shape.keys, shape, depth);
          return;
        }
      }
    }
    const keys = ownKeys(rec);
    const shape = this.shapeRef(rec, keys, '', depth);
    if (recent === undefined) this.recent.set(tag, [shape]);
    else if (!recent.includes(shape)) {
      recent.unshift(shape);
      if (recent.length > RECENT_SHAPES) recent.pop();
    }
    this.leaves(rec, keys, shape, depth);
  }

  /** By discriminant (an event's type, else a `kind`, else ''): the shapes used last, newest first. */
  private readonly recent = new Map<string, WShape[]>();

  /**
   * Write the shaperef of `o`, defining the shape first if it is new. A shape's delta
   * contexts are fixed when it is defined, from `path`, the keys leading to it from the
   * top-level object being defined (the reader does the same).
   */
  private shapeRef(o: Record<string, unknown>, keys: readonly string[], path: string, depth: number): WShape {
    const signature = this.signature(o, keys, depth);
    const known = this.shapes.get(signature);
    if (known !== undefined) {
      this.varint(known.index);
      return known;
    }
    const shape: WShape = {
      index: this.shapes.size,
      keys,
      taggable: keys.length <= MAX_SHAPE_KEYS && !(keys.length > 0 && isIntKeyed(keys)),
      nullProto: Object.getPrototypeOf(o) === null,
      leaves: [],
      consts: [],
      contexts: [],
      nested: [],
    };
    this.shapes.set(signature, shape);
    this.varint(shape.index);
    this.varint(keys.length);
    this.byte(Object.getPrototypeOf(o) === null ? 1 : 0);
    for (const key of keys) {
      const v = o[key];
      const leaf = leafOf(key, v);
      this.string(key);
      this.byte(leaf);
      shape.leaves.push(leaf);
      shape.consts.push(leaf === L_CONST ? (v as string) : undefined);
      shape.contexts.push(leaf === L_UINT ? this.context(`${path}.${key}`) : -1);
      let nested: WShape | undefined;
      if (leaf === L_CONST) this.string(v as string);
      else if (leaf === L_OBJECT) {
        const inner = v as Record<string, unknown>;
        nested = this.shapeRef(inner, ownKeys(inner), `${path}.${key}`, depth + 1);
      }
      shape.nested.push(nested);
    }
    return shape;
  }

  /** A string that is equal for two objects exactly when they have the same shape. */
  private signature(o: Record<string, unknown>, keys: readonly string[], depth: number): string {
    if (depth >= MAX_DEPTH) throw new TypeError(`cannot pack values nested more than ${MAX_DEPTH} deep`);
    let sig = Object.getPrototypeOf(o) === null ? 'N' : '';
    for (const key of keys) {
      let id = this.keyIds.get(key);
      if (id === undefined) {
        id = this.keyIds.size;
        this.keyIds.set(key, id);
      }
      const v = o[key];
      sig += `${id}`;
      const leaf = leafOf(key, v);
      if (leaf === L_CONST) sig += `=${this.constId(v as string)};`;
      else if (leaf === L_OBJECT) {
        const inner = v as Record<string, unknown>;
        sig += `(${this.signature(inner, ownKeys(inner), depth + 1)})`;
      } else sig += String.fromCharCode(97 + leaf);
    }
    return sig;
  }

  private readonly consts = new Map<string, number>();
  private constId(s: string): number {
    let id = this.consts.get(s);
    if (id === undefined) {
      id = this.consts.size;
      this.consts.set(s, id);
    }
    return id;
  }

  private context(path: string): number {
    let c = this.contexts.get(path);
    if (c === undefined) {
      c = this.contexts.size;
      this.contexts.set(path, c);
      this.last.push(0);
    }
    return c;
  }

  private leaves(o: Record<string, unknown>, keys: readonly string[], shape: WShape, depth: number): void {
    for (let k = 0; k < keys.length; k++) {
      const v = o[keys[k] as string];
      switch (shape.leaves[k] as number) {
        case L_UINT: {
          const c = shape.contexts[k] as number;
          const n = v as number;
          const d = n - (this.last[c] as number);
          this.last[c] = n;
          this.varint(d >= 0 ? d * 2 : -d * 2 - 1);
          break;
        }
        case L_STRING:
          this.string(v as string);
          break;
        case L_ANY:
          this.tagged(v, depth + 1);
          break;
        case L_OBJECT: {
          const inner = v as Record<string, unknown>;
          const nested = shape.nested[k] as WShape;
          this.leaves(inner, nested.keys, nested, depth + 1);
          break;
        }
        default:
          break; // constants: nothing to write
      }
    }
  }
}

interface WShape {
  readonly index: number;
  /** The keys, in order (of the values that are not undefined). */
  readonly keys: readonly string[];
  /** A tagged value with these keys is coded as this shape (not an int map, not a map). */
  readonly taggable: boolean;
  readonly nullProto: boolean;
  /** Per key: the value of an L_CONST leaf. */
  readonly consts: (string | undefined)[];
  readonly leaves: number[];
  readonly contexts: number[];
  readonly nested: (WShape | undefined)[];
}

/** A short ASCII string read char by char (no subarray, no spread), or undefined if not ASCII. */
function shortAscii(buf: Uint8Array, from: number, length: number): string | undefined {
  let s = '';
  for (let k = from; k < from + length; k++) {
    const c = buf[k] as number;
    if (c >= 0x80) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

function isAsciiText(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Shapes kept per discriminant for the fast path of shapedObject. */
const RECENT_SHAPES = 8;

/**
 * `o` has exactly `shape`: the same keys with defined values in the same order, the
 * same kind of leaf for each (the same constant, a nested object of the nested shape),
 * the same prototype. What shapeRef's signature would say, without building it.
 */
function matches(o: Record<string, unknown>, shape: WShape): boolean {
  const keys = shape.keys;
  let i = 0;
  for (const key in o) {
    const v = o[key];
    if (v === undefined) continue;
    if (i >= keys.length || key !== keys[i]) return false;
    const want = shape.leaves[i] as number;
    if (want === L_OBJECT) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      if (!matches(v as Record<string, unknown>, shape.nested[i] as WShape)) return false;
    } else {
      if (leafOf(key, v) !== want) return false;
      if (want === L_CONST && v !== shape.consts[i]) return false;
    }
    i += 1;
  }
  if (i !== keys.length) return false;
  if ((Object.getPrototypeOf(o) === null) !== shape.nullProto) return false;
  return !hasInheritedEnumerable(o);
}

/** for...in also lists inherited enumerable keys; plain data has none, but check. */
function hasInheritedEnumerable(o: object): boolean {
  const proto: unknown = Object.getPrototypeOf(o);
  return proto !== null && proto !== Object.prototype;
}

/** Own enumerable string keys with a defined value, in order. */
function ownKeys(o: object): string[] {
  const keys = Object.keys(o);
  const rec = o as Record<string, unknown>;
  for (const key of keys) {
    if (rec[key] === undefined) return keys.filter((k) => rec[k] !== undefined);
  }
  return keys;
}

function isIntKeyed(keys: readonly string[]): boolean {
  let prev = -1;
  for (const key of keys) {
    const n = Number(key);
    if (!Number.isSafeInteger(n) || n <= prev || String(n) !== key) return false;
    prev = n;
  }
  return true;
}

function leafOf(key: string, v: unknown): number {
  switch (typeof v) {
    case 'number':
      return isUintLeaf(v) ? L_UINT : L_ANY;
    case 'string':
      return DISCRIMINANTS.has(key) ? L_CONST : L_STRING;
    case 'boolean':
      return v ? L_TRUE : L_FALSE;
    case 'object': {
      if (v === null) return L_NULL;
      if (Array.isArray(v)) return L_ANY;
      const keys = ownKeys(v);
      if (keys.length > MAX_SHAPE_KEYS || (keys.length > 0 && isIntKeyed(keys))) return L_ANY;
      return L_OBJECT;
    }
    case 'undefined':
    case 'bigint':
    case 'function':
    case 'symbol':
      return L_ANY; // refused by tagged() with a clear message
  }
}

// ---------------------------------------------------------------------------------
// Reading

/** A shape as the reader knows it. */
export interface Shape {
  readonly index: number;
  readonly keys: readonly string[];
  readonly leaves: Uint8Array;
  /** Per key: the constant (L_CONST/L_NULL/L_FALSE/L_TRUE), the nested shape (L_OBJECT). */
  readonly consts: readonly unknown[];
  readonly nested: readonly (Shape | undefined)[];
  /** Per key: the delta context of a uint leaf, else -1. */
  readonly contexts: Int32Array;
  readonly nullProto: boolean;
  /** One of the keys is `__proto__` (it must be defined, not assigned). */
  readonly protoKey: boolean;
  /** The compiled form of shapedInto for this shape (see compiledInto), once looked up; null: none. */
  into?: Into | null;
  /** shapeSignature, once asked. */
  signature?: string;
}

/**
 * A text that equal shapes of different bodies share: keys, leaf kinds, constants and
 * nested shapes. Shapes are numbered per body, so what is worked out once per kind of
 * shape (a compiled reader, an event rule) is kept by signature across bodies.
 */
export function shapeSignature(shape: Shape): string {
  if (shape.signature !== undefined) return shape.signature;
  let sig = shape.nullProto ? '!' : '';
  for (let k = 0; k < shape.keys.length; k++) {
    const leaf = shape.leaves[k] as number;
    const key = shape.keys[k] as string;
    sig += `${key.length}:${key}${leaf}`; // length-prefixed: no key can fake another
    if (leaf === L_CONST) {
      const c = shape.consts[k] as string;
      sig += `${c.length}:${c}`;
    } else if (leaf === L_OBJECT) {
      const n = shape.nested[k];
      sig += `{${n === undefined || n === shape ? '' : shapeSignature(n)}}`;
    }
    sig += ',';
  }
  shape.signature = sig;
  return sig;
}

/** shapedInto compiled for one shape: its contexts and nested shapes are passed in. */
type Into = (
  r: PackReader,
  o: Record<string, unknown>,
  contexts: Int32Array,
  nested: readonly (Shape | undefined)[],
  depth: number,
) => void;

/** Decodes one packed body. Throws only `Malformed`; `where` prefixes its messages. */
/** One strict UTF-8 decoder for every reader (it keeps no state between calls). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export class PackReader {
  private pos = 0;
  private readonly strings: string[] = [];
  readonly shapes: Shape[] = [];
  private readonly contextIds = new Map<string, number>();
  private last: number[] = [];
  private readonly text = UTF8;

  /**
   * `names`: the keys a compiled reader may write (see compiledInto); without it every
   * shape is read by the generic shapedInto.
   */
  constructor(
    private readonly buf: Uint8Array,
    private readonly where: string,
    private readonly names?: ReadonlySet<string>,
  ) {}

  get offset(): number {
    return this.pos;
  }

  get done(): boolean {
    return this.pos === this.buf.length;
  }

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  fail(problem: string): never {
    throw new Malformed(`${this.where}: ${problem} (at byte ${this.pos} of its unpacked body)`);
  }

  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = buf[pos++];
    if (b === undefined) this.fail('the body ends inside a number');
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let n = b & 0x7f;
    let scale = 128;
    for (let i = 1; i < 8; i++) {
      b = buf[pos++];
      if (b === undefined) {
        this.pos = pos - 1;
        this.fail('the body ends inside a number');
      }
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (n > Number.MAX_SAFE_INTEGER) {
          this.pos = pos;
          this.fail('a number is larger than 2^53');
        }
        this.pos = pos;
        return n;
      }
      scale *= 128;
    }
    this.pos = pos;
    return this.fail('a number is longer than 8 bytes');
  }

  /** A count of items that each take at least one byte: never more than the bytes left. */
  count(what: string): number {
    const n = this.varint();
    if (n > this.remaining) this.fail(`${what} declares ${n} items but only ${this.remaining} bytes remain`);
    return n;
  }

  string(): string {
    const b = this.buf[this.pos] as number;
    if (b < 0x80) {
      const known = this.strings[b];
      if (known !== undefined) {
        this.pos += 1;
        return known;
      }
    }
    const i = this.varint();
    const known = this.strings[i];
    if (known !== undefined) return known;
    if (i !== this.strings.length) this.fail(`string ${i} is referred to before it is defined`);
    const length = this.varint();
    if (length > this.remaining) this.fail(`a string of ${length} bytes runs past the end`);
    let s: string | undefined;
    if (length < 32) s = shortAscii(this.buf, this.pos, length);
    if (s === undefined) {
      const bytes = this.buf.subarray(this.pos, this.pos + length);
      try {
        s = this.text.decode(bytes);
      } catch {
        this.fail('a string is not valid UTF-8');
      }
    }
    this.pos += length;
    this.strings.push(s);
    return s;
  }

  private float(): number {
    if (this.remaining < 8) this.fail('the body ends inside a float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset).getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** One tagged value. */
  value(depth = 0): unknown {
    const tag = this.buf[this.pos++];
    switch (tag) {
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_UINT:
        return this.varint();
      case T_NEG:
        return -this.varint();
      case T_FLOAT:
        return this.float();
      case T_STRING:
        return this.string();
      case undefined:
        this.pos -= 1;
        return this.fail('the body ends where a value was expected');
      default:
        break;
    }
    if (depth >= MAX_DEPTH) this.fail(`values are nested more than ${MAX_DEPTH} deep`);
    switch (tag) {
      case T_ARRAY: {
        const n = this.count('an array');
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
        return out;
      }
      case T_SHAPED:
        return this.shaped(this.shape(depth), depth);
      case T_MAP:
      case T_MAP_NULL: {
        const n = this.count('a map');
        const out = (tag === T_MAP_NULL ? Object.create(null) : {}) as Record<string, unknown>;
        for (let i = 0; i < n; i++) {
          const key = this.string();
          setOwn(out, key, this.value(depth + 1));
        }
        return out;
      }
      case T_INTMAP:
      case T_INTMAP_NULL: {
        const n = this.count('an int map');
        const out = (tag === T_INTMAP_NULL ? Object.create(null) : {}) as Record<number, unknown>;
        let key = 0;
        for (let i = 0; i < n; i++) {
          const step = this.varint();
          if (i > 0 && step === 0) this.fail('an int map repeats a key');
          key += step;
          if (key > Number.MAX_SAFE_INTEGER) this.fail('an int map key is larger than 2^53');
          out[key] = this.value(depth + 1);
        }
        return out;
      }
      default:
        this.pos -= 1;
        return this.fail(`byte 0x${(tag ?? 0).toString(16)} is not a value tag`);
    }
  }

  /** A shaperef (defining the shape when it is new). */
  shape(depth = 0): Shape {
    const i = this.varint();
    const known = this.shapes[i];
    if (known !== undefined) return known;
    if (i !== this.shapes.length) this.fail(`shape ${i} is referred to before it is defined`);
    if (depth >= MAX_DEPTH) this.fail(`shapes are nested more than ${MAX_DEPTH} deep`);
    return this.defineShape(depth, '');
  }

  private defineShape(depth: number, path: string): Shape {
    const index = this.shapes.length;
    const n = this.count('a shape');
    const flags = this.buf[this.pos++];
    if (flags !== 0 && flags !== 1) this.fail('a shape has unknown flags');
    // Registered before its nested shapes are read, so indices follow definition order.
    const keys: string[] = [];
    const leaves = new Uint8Array(n);
    const consts: unknown[] = [];
    const nested: (Shape | undefined)[] = [];
    const contexts = new Int32Array(n).fill(-1);
    const shape: Shape = { index, keys, leaves, consts, nested, contexts, nullProto: flags === 1, protoKey: false };
    this.shapes.push(shape);
    const seen = new Set<string>();
    for (let k = 0; k < n; k++) {
      const key = this.string();
      if (seen.has(key)) this.fail(`a shape names the key ${JSON.stringify(key.slice(0, 40))} twice`);
      seen.add(key);
      keys.push(key);
      const leaf = this.buf[this.pos++];
      if (leaf === undefined || leaf > L_OBJECT) this.fail('a shape has an unknown leaf kind');
      leaves[k] = leaf;
      consts.push(undefined);
      nested.push(undefined);
      switch (leaf) {
        case L_CONST:
          consts[k] = this.string();
          break;
        case L_NULL:
          consts[k] = null;
          break;
        case L_FALSE:
          consts[k] = false;
          break;
        case L_TRUE:
          consts[k] = true;
          break;
        case L_OBJECT: {
          const i = this.varint();
          const known = this.shapes[i];
          if (known !== undefined) nested[k] = known;
          else if (i !== this.shapes.length) this.fail(`shape ${i} is referred to before it is defined`);
          else if (depth + 1 >= MAX_DEPTH) this.fail(`shapes are nested more than ${MAX_DEPTH} deep`);
          else nested[k] = this.defineShape(depth + 1, `${path}.${key}`);
          if (nested[k] === shape) this.fail('a shape contains itself');
          break;
        }
        case L_UINT:
          contexts[k] = this.context(`${path}.${key}`);
          break;
        default:
          break;
      }
    }
    (shape as { protoKey: boolean }).protoKey = seen.has('__proto__');
    return shape;
  }

  private context(path: string): number {
    let c = this.contextIds.get(path);
    if (c === undefined) {
      c = this.contextIds.size;
      this.contextIds.set(path, c);
      this.last.push(0);
    }
    return c;
  }

  /** The leaves of an object of `shape`. */
  shaped(shape: Shape, depth = 0): Record<string, unknown> {
    const out = (shape.nullProto ? Object.create(null) : {}) as Record<string, unknown>;
    const { keys, leaves, contexts, consts } = shape;
    const buf = this.buf;
    const n = keys.length;
    for (let k = 0; k < n; k++) {
      let v: unknown;
      switch (leaves[k] as number) {
        case L_UINT:
          v = this.uleaf(contexts[k] as number);
          break;
        case L_STRING: {
          const i = buf[this.pos] as number;
          const known = i < 0x80 ? this.strings[i] : undefined;
          if (known !== undefined) {
            this.pos += 1;
            v = known;
          } else v = this.string();
          break;
        }
        case L_ANY:
          v = this.value(depth + 1);
          break;
        case L_OBJECT:
          if (depth + 1 >= MAX_DEPTH) this.fail(`values are nested more than ${MAX_DEPTH} deep`);
          v = this.shaped(shape.nested[k] as Shape, depth + 1);
          break;
        default:
          v = consts[k];
      }
      if (shape.protoKey) setOwn(out, keys[k] as string, v);
      else out[keys[k] as string] = v;
    }
    return out;
  }
  /** One uint leaf of delta context `c`. */
  uleaf(c: number): number {
    const buf = this.buf;
    let z = buf[this.pos] as number;
    if (z < 0x80) this.pos += 1;
    else {
      const b1 = buf[this.pos + 1];
      if (b1 !== undefined && b1 < 0x80) {
        z = (z & 0x7f) | (b1 << 7);
        this.pos += 2;
      } else z = this.varint();
    }
    const last = this.last;
    const x = (last[c] as number) + (z < 0x8000_0000 ? (z >>> 1) ^ -(z & 1) : z % 2 === 0 ? z / 2 : -(z + 1) / 2);
    if (!(x >= 0 && x < UINT_LEAF_LIMIT)) this.fail('a number leaf is out of range');
    last[c] = x;
    return x;
  }

  /** shapedInto, through the shape's compiled form when it has one. */
  into(shape: Shape, out: Record<string, unknown>, depth = 0): void {
    if (depth >= MAX_DEPTH) this.fail(`values are nested more than ${MAX_DEPTH} deep`);
    let f = shape.into;
    if (f === undefined) {
      f = compiledInto(shape, this.names);
      shape.into = f;
    }
    if (f === null) this.shapedInto(shape, out, depth);
    else f(this, out, shape.contexts, shape.nested, depth);
  }

  /**
   * Like shaped(), but writes the leaves into `out`, an object made by shaped() for the
   * same shape (nested objects included) and not kept by anyone: no allocation.
   */
  shapedInto(shape: Shape, out: Record<string, unknown>, depth = 0): void {
    const { keys, leaves, contexts } = shape;
    const n = keys.length;
    for (let k = 0; k < n; k++) {
      const key = keys[k] as string;
      switch (leaves[k] as number) {
        case L_UINT:
          out[key] = this.uleaf(contexts[k] as number);
          break;
        case L_STRING:
          out[key] = this.string();
          break;
        case L_ANY:
          out[key] = this.value(depth + 1);
          break;
        case L_OBJECT:
          this.shapedInto(shape.nested[k] as Shape, out[key] as Record<string, unknown>, depth + 1);
          break;
        default:
          break;
      }
    }
  }
}

/** Define `key` as an own data property, whatever the key (`__proto__` stays a key). */
function setOwn(o: Record<string, unknown>, key: string, v: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
  } else {
    o[key] = v;
  }
}

// ---------------------------------------------------------------------------------
// Compiled readers
//
// shapedInto reaches an object's fields by computed keys, which V8 serves slowly when an
// object of any of dozens of shapes goes through the same code. For the shapes of events,
// a function per shape names each field instead (`o.id = r.uleaf(c[1])`), built once per
// kind of shape with `new Function`. Only names from `names` (the event vocabulary and
// holder fields, given by chunkCodec.ts: constants of this program, never text of the
// file) that are plain identifiers are ever written into the function's source; a shape
// with any other key is read by shapedInto. The file supplies nothing but which of
// these functions to call, as any decoder's data does.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Compiled readers by shape signature, shared by every body, per vocabulary `names`. */
const COMPILED = new WeakMap<ReadonlySet<string>, Map<string, Into | null>>();
/** Kinds of shape remembered per vocabulary at most (a file of ever new shapes still decodes, uncached). */
export const MAX_REMEMBERED_SHAPES = 4096;

function compiledInto(shape: Shape, names: ReadonlySet<string> | undefined): Into | null {
  if (names === undefined || shape.nullProto || shape.protoKey) return null;
  // Known by signature (the same keys, and so the same vetting), else vetted and built.
  const kind = shapeSignature(shape);
  let compiled = COMPILED.get(names);
  if (compiled === undefined) {
    compiled = new Map();
    COMPILED.set(names, compiled);
  }
  const known = compiled.get(kind);
  if (known !== undefined) return known;
  const remember = (f: Into | null): Into | null => {
    if (compiled.size < MAX_REMEMBERED_SHAPES) compiled.set(kind, f);
    return f;
  };
  for (let k = 0; k < shape.keys.length; k++) {
    const key = shape.keys[k] as string;
    if (!names.has(key) || !IDENTIFIER.test(key)) return remember(null);
  }
  const lines: string[] = [];
  shape.keys.forEach((key, k) => {
    switch (shape.leaves[k] as number) {
      case L_UINT:
        lines.push(`o.${key} = r.uleaf(c[${k}]);`);
        break;
      case L_STRING:
        lines.push(`o.${key} = r.string();`);
        break;
      case L_ANY:
        lines.push(`o.${key} = r.value(d + 1);`);
        break;
      case L_OBJECT:
        lines.push(`r.into(n[${k}], o.${key}, d + 1);`);
        break;
      default:
        break; // constants: already in the object
    }
  });
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- source made of vetted identifiers only (above)
  const make = new Function(
    `"use strict"; return function into(r, o, c, n, d) {\n${lines.join('\n')}\n};`,
  ) as () => Into;
  return remember(make());
}

// ---------------------------------------------------------------------------------
// Whole values

/** One value as a packed body. */
export function packValue(value: unknown): Uint8Array {
  const w = new PackWriter();
  w.value(value);
  return w.bytes().slice();
}

/** The value of a packed body that must hold exactly one value. Throws `Malformed`. */
export function unpackValue(bytes: Uint8Array, where: string): unknown {
  const r = new PackReader(bytes, where);
  const v = r.value();
  if (!r.done) r.fail(`${r.remaining} bytes follow the value`);
  return v;
}
