/*
 * Event validation
 * ================
 * A decoded event is untrusted plain data until it has been checked against the event
 * vocabulary of core (events.ts, EVENT_SCHEMA_VERSION). `toMemEvent` checks the `type`
 * tag and every field the event type declares (kind of value, required or optional), so
 * the fold (`applyEvent`) is only ever given events of the shapes it was written for.
 *
 * Read first: EVENT_FIELDS, then toMemEvent().
 *
 * The table is tied to the types by the compiler: an entry must name every field of
 * its event type, optional fields with a `?`, and nothing else, so a change to a
 * described event in core fails to compile here until the table (and, when the change
 * is not backwards compatible, EVENT_SCHEMA_VERSION and upcast.ts) follows it. An event
 * type core has added but the table does not describe yet is still read: it is checked
 * generically (GENERIC_KINDS: fields named like ids must be ids, holders must be
 * holders, every value plain data), and eventSchema.test.ts lists what to describe.
 *
 * Field kinds:
 *   id      a non-negative safe integer (object and frame ids)
 *   nat     a non-negative safe integer (sizes, addresses, counts, line numbers)
 *   int     a safe integer
 *   str     a string
 *   bool    a boolean
 *   gen     0, 1 or 2 (a GC generation)
 *   ids     an array of ids
 *   holder  a Holder (events.ts): object {owner, slot, at?}, frame {frame, name},
 *           stack {frame}, root {name}
 *   thresholds  an array of three nats
 *   plain   anything (event types not described yet, see above)
 *   maybeHolder a holder if it is a map (event types not described yet)
 *   [..]    one of the listed strings
 *
 * Simplifications: fields an event does not declare are ignored and dropped (a newer
 * writer of the same schema cannot add any; see upcast.ts for older schemas).
 */
import {
  EVENT_SCHEMA_VERSION,
  EVENT_TYPES,
  type EventPosition,
  type MemEvent,
  type MemEventType,
} from '@pymemsim/core';
import type { Plain, PlainObject } from './codec.js';
import { Malformed } from './malformed.js';
import { L_CONST, L_FALSE, L_OBJECT, L_STRING, L_TRUE, L_UINT, type Shape } from './packed.js';

export type Kind =
  | 'id'
  | 'nat'
  | 'int'
  | 'str'
  | 'bool'
  | 'gen'
  | 'ids'
  | 'holder'
  | 'thresholds'
  | 'plain'
  | 'maybeHolder'
  | readonly string[];
type Spec = Kind | { readonly optional: Kind };

type EventOf<T extends MemEventType> = Extract<MemEvent, { readonly type: T }>;
type FieldsOf<E> = {
  readonly [K in Exclude<keyof E, 'type' | keyof EventPosition>]-?: object extends Pick<E, K>
    ? { readonly optional: Kind }
    : Kind;
};

const opt = (kind: Kind): { readonly optional: Kind } => ({ optional: kind });
const GEN = 'gen';

/** The fields of every event type described so far (events.ts). */
export const EVENT_FIELDS: { readonly [T in MemEventType]?: FieldsOf<EventOf<T>> } = {
  ObjectAllocated: {
    id: 'id',
    pyType: 'str',
    kind: 'str',
    size: 'nat',
    alloc: opt('nat'),
    addr: 'nat',
    gc: 'bool',
    fromFreelist: opt('bool'),
    base: opt('nat'),
    repr: 'str',
    holder: 'holder',
  },
  RefIncremented: { id: 'id', holder: 'holder' },
  RefDecremented: { id: 'id', holder: 'holder' },
  RefMoved: { id: 'id', from: 'holder', to: 'holder' },
  DeallocStarted: { id: 'id' },
  ObjectFreed: { id: 'id', to: ['allocator', 'freelist', 'static'] },
  ObjectResized: { id: 'id', size: 'nat' },
  ReprChanged: { id: 'id', repr: 'str' },
  ObjectTracked: { id: 'id' },
  ObjectUntracked: { id: 'id' },
  WeakrefCreated: { weakref: 'id', referent: 'id', at: 'nat' },
  WeakrefCleared: { weakref: 'id', referent: 'id' },
  WeakrefCallbackRun: { weakref: 'id', callback: 'id' },
  GcStarted: { generation: GEN, reason: ['automatic', 'manual'] },
  GcUnreachableFound: { generation: GEN, ids: 'ids', revived: opt('ids') },
  GcFinalizerRun: { id: 'id' },
  GcResurrected: { ids: 'ids' },
  GcWeakrefCleared: { weakref: 'id', referent: 'id', callback: 'bool' },
  GcCallbackRun: { phase: ['start', 'stop'], callback: 'id' },
  GcObjectCleared: { id: 'id' },
  GcSurvivorsPromoted: { from: GEN, to: GEN, count: 'nat' },
  GcObjectsMoved: { ids: 'ids', to: GEN },
  GcFinished: { generation: GEN, collected: 'nat', uncollectable: 'nat' },
  GcConfigChanged: { thresholds: opt('thresholds'), enabled: opt('bool'), debug: opt('int') },
  GcFrozen: { count: 'nat' },
  GcUnfrozen: { count: 'nat' },
  FrameEntered: { frame: 'id', name: 'str', parent: opt('id') },
  FrameExited: { frame: 'id' },
  LineExecuted: { line: 'nat' },
  OutputWritten: { text: 'str' },
  ArenaAllocated: { arena: 'nat', addr: 'nat' },
  ArenaFreed: { arena: 'nat' },
  PoolInitialized: { pool: 'nat', sizeClass: 'nat' },
  BlockAllocated: { addr: 'nat', size: 'nat', owner: opt('id'), buffer: opt('str') },
  BlockReallocated: { addr: 'nat', size: 'nat', owner: 'id', buffer: 'str' },
  BlockFreed: { addr: 'nat', size: 'nat', owner: opt('id'), buffer: opt('str') },
  FreelistPushed: { list: 'str', addr: 'nat', owner: opt('id'), buffer: opt('str') },
  FreelistPopped: { list: 'str', addr: 'nat', owner: opt('id'), buffer: opt('str') },
  FreelistCleared: { list: 'str' },
};

/** The fields every event may have (EventPosition, events.ts), whatever its type. */
export const COMMON_FIELDS: { readonly [K in keyof EventPosition]-?: { readonly optional: Kind } } = {
  offset: opt('nat'),
};

/** EVENT_FIELDS[type] with the common fields, made once per type. */
const DESCRIBED = new Map<string, Readonly<Record<string, Spec>>>(
  Object.entries(EVENT_FIELDS).map(([type, fields]) => [type, { ...fields, ...COMMON_FIELDS }]),
);

/** Every field name of the described events and of holders (the names a compiled reader may write, packed.ts). */
export const EVENT_FIELD_NAMES: ReadonlySet<string> = new Set([
  'type',
  'kind',
  'owner',
  'slot',
  'at',
  'frame',
  'name',
  ...Object.keys(COMMON_FIELDS),
  ...Object.values(EVENT_FIELDS).flatMap((fields) => Object.keys(fields)),
]);

/**
 * How an event type the table does not describe yet is checked: by the names of its
 * fields (the conventions of events.ts). Other fields only need to be plain data.
 */
export const GENERIC_KINDS: Readonly<Record<string, Kind>> = {
  id: 'id',
  owner: 'id',
  weakref: 'id',
  referent: 'id',
  callback: 'id',
  frame: 'id',
  parent: 'id',
  ids: 'ids',
  revived: 'ids',
  generation: 'gen',
  holder: 'maybeHolder',
  from: 'maybeHolder',
  to: 'maybeHolder',
  addr: 'nat',
  size: 'nat',
  line: 'nat',
  count: 'nat',
};

/** The fields to check of an event of `type`: the table's entry, or the generic one made of its keys. */
function fieldsOf(type: MemEventType, keys: readonly string[]): Readonly<Record<string, Spec>> {
  const described = DESCRIBED.get(type);
  if (described !== undefined) return described;
  const fields: Record<string, Spec> = { ...COMMON_FIELDS };
  for (const key of keys) {
    if (key === 'type' || Object.hasOwn(COMMON_FIELDS, key)) continue;
    const kind = Object.hasOwn(GENERIC_KINDS, key) ? GENERIC_KINDS[key] : undefined;
    // A holder-named field that is not a map (ObjectFreed.to is a string) is left alone.
    fields[key] = opt(kind ?? 'plain');
  }
  return fields;
}

export { Malformed };

const KNOWN_TYPES: ReadonlySet<string> = new Set<string>(EVENT_TYPES);
const isEventType = (t: string): t is MemEventType => KNOWN_TYPES.has(t);

/** Check one decoded event (already upcast to the current schema). Throws `Malformed`. */
export function toMemEvent(raw: Plain, where: string): MemEvent {
  const obj = expectObject(raw, where);
  const type = Object.hasOwn(obj, 'type') ? obj['type'] : undefined;
  if (typeof type !== 'string' || !isEventType(type)) {
    throw new Malformed(
      `${where}: unknown event type ${show(type)} (schema ${EVENT_SCHEMA_VERSION} has ${EVENT_TYPES.length}: ${EVENT_TYPES[0]} ...)`,
    );
  }
  const fields = fieldsOf(type, Object.keys(obj));
  const event: Record<string, Plain> = { type };
  for (const name of Object.keys(fields)) {
    const spec = fields[name];
    if (spec === undefined) continue;
    const present = Object.hasOwn(obj, name);
    const value = present ? obj[name] : undefined;
    if (typeof spec === 'object' && !Array.isArray(spec)) {
      if (value === undefined) continue;
      checkKind((spec as { readonly optional: Kind }).optional, value, `${where}.${name}`);
    } else {
      if (value === undefined) throw new Malformed(`${where}: ${type} lacks its field "${name}"`);
      checkKind(spec as Kind, value, `${where}.${name}`);
    }
    event[name] = value;
  }
  return event as unknown as MemEvent;
}

export function checkKind(kind: Kind, value: Plain, where: string): void {
  if (typeof kind !== 'string') {
    if (typeof value !== 'string' || !kind.includes(value)) {
      throw new Malformed(`${where} should be one of ${kind.map((k) => `"${k}"`).join(', ')}, found ${show(value)}`);
    }
    return;
  }
  switch (kind) {
    case 'id':
    case 'nat':
      if (!isNat(value)) throw new Malformed(`${where} should be a non-negative integer, found ${show(value)}`);
      return;
    case 'int':
      if (!Number.isSafeInteger(value)) throw new Malformed(`${where} should be an integer, found ${show(value)}`);
      return;
    case 'str':
      if (typeof value !== 'string') throw new Malformed(`${where} should be a string, found ${show(value)}`);
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw new Malformed(`${where} should be a boolean, found ${show(value)}`);
      return;
    case 'gen':
      if (value !== 0 && value !== 1 && value !== 2) {
        throw new Malformed(`${where} should be a generation (0, 1 or 2), found ${show(value)}`);
      }
      return;
    case 'ids':
      if (!Array.isArray(value) || !value.every(isNat)) {
        throw new Malformed(`${where} should be an array of object ids, found ${show(value)}`);
      }
      return;
    case 'thresholds':
      if (!Array.isArray(value) || value.length !== 3 || !value.every(isNat)) {
        throw new Malformed(`${where} should be three non-negative integers, found ${show(value)}`);
      }
      return;
    case 'holder':
      checkHolder(value, where);
      return;
    case 'plain':
      return; // decoded values are plain data already (codec.ts, packed.ts)
    case 'maybeHolder':
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) checkHolder(value, where);
      return;
  }
}

function checkHolder(value: Plain, where: string): void {
  const h = expectObject(value, where);
  const field = (name: string): Plain | undefined => (Object.hasOwn(h, name) ? h[name] : undefined);
  const need = (name: string, kind: Kind): void => {
    const v = field(name);
    if (v === undefined) throw new Malformed(`${where}: a ${show(field('kind'))} holder lacks "${name}"`);
    checkKind(kind, v, `${where}.${name}`);
  };
  const kind = field('kind');
  switch (typeof kind === 'string' ? kind : '') {
    case 'object': {
      need('owner', 'id');
      need('slot', 'str');
      const at = field('at');
      if (at !== undefined) checkKind('int', at, `${where}.at`); // applyEvent clamps a negative position
      return;
    }
    case 'frame':
      need('frame', 'id');
      need('name', 'str');
      return;
    case 'stack':
      need('frame', 'id');
      return;
    case 'root':
      need('name', 'str');
      return;
    default:
      throw new Malformed(`${where}.kind should be "object", "frame", "stack" or "root", found ${show(kind)}`);
  }
}

const isNat = (v: Plain | undefined): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

export function expectObject(value: Plain | undefined, where: string): PlainObject {
  if (value === null || value === undefined || typeof value !== 'object' || Array.isArray(value)) {
    throw new Malformed(`${where} should be a map, found ${show(value)}`);
  }
  return value as PlainObject;
}

/** A short description of a found value for messages (never the whole of a long value). */
export function show(value: Plain | undefined): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'a map';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

// ---------------------------------------------------------------------------------
// Checking packed events once per shape (format 2)

/**
 * What checking an event of one packed shape (packed.ts) takes. The leaves of a shape
 * prove most field kinds for every event of the shape (a uint leaf is a non-negative
 * integer, a constant is the same string every time), so most events need no check at
 * all; `checks` lists the fields whose leaves do not prove their kind (a generation, an
 * array of ids, a value of a one-of list), checked on every event.
 */
export interface ShapeRule {
  readonly type: MemEventType;
  readonly checks: readonly (readonly [string, Kind])[];
  /** Keys the event type does not declare; such events are copied without them. */
  readonly extra: boolean;
  readonly fields: readonly string[];
}

/** The rule for events of `shape`, or Malformed when no event of that shape can be valid. */
export function shapeRule(shape: Shape, where: string): ShapeRule {
  const at = shape.keys.indexOf('type');
  const type = at >= 0 && shape.leaves[at] === L_CONST ? (shape.consts[at] as string) : undefined;
  if (type === undefined || !isEventType(type)) {
    throw new Malformed(
      `${where}: unknown event type ${type === undefined ? 'nothing' : show(type)} ` +
        `(schema ${EVENT_SCHEMA_VERSION} has ${EVENT_TYPES.length}: ${EVENT_TYPES[0]} ...)`,
    );
  }
  const fields = fieldsOf(type, shape.keys);
  const checks: (readonly [string, Kind])[] = [];
  for (const name of Object.keys(fields)) {
    const spec = fields[name];
    if (spec === undefined) continue;
    const optional = typeof spec === 'object' && !Array.isArray(spec);
    const kind = optional ? (spec as { readonly optional: Kind }).optional : (spec as Kind);
    const k = shape.keys.indexOf(name);
    if (k < 0) {
      if (!optional) throw new Malformed(`${where}: ${type} lacks its field "${name}"`);
      continue;
    }
    if (!leafProves(kind, shape, k)) checks.push([name, kind]);
  }
  const extra = shape.keys.some((key) => key !== 'type' && !Object.hasOwn(fields, key));
  return { type, checks, extra, fields: Object.keys(fields) };
}

/** True when every value of leaf `k` of `shape` has the field kind `kind`. */
function leafProves(kind: Kind, shape: Shape, k: number): boolean {
  const leaf = shape.leaves[k];
  if (typeof kind !== 'string') return leaf === L_CONST && kind.includes(shape.consts[k] as string);
  switch (kind) {
    case 'id':
    case 'nat':
    case 'int':
      return leaf === L_UINT;
    case 'str':
      return leaf === L_STRING || leaf === L_CONST;
    case 'bool':
      return leaf === L_TRUE || leaf === L_FALSE;
    case 'holder': {
      const h = shape.nested[k];
      return leaf === L_OBJECT && h !== undefined && holderProven(h);
    }
    case 'gen':
    case 'ids':
    case 'thresholds':
    case 'maybeHolder':
      return false;
    case 'plain':
      return true;
  }
}

function holderProven(h: Shape): boolean {
  const leafOf = (name: string): number | undefined => {
    const i = h.keys.indexOf(name);
    return i < 0 ? undefined : h.leaves[i];
  };
  const k = h.keys.indexOf('kind');
  if (k < 0 || h.leaves[k] !== L_CONST) return false;
  switch (h.consts[k]) {
    case 'object': {
      const at = leafOf('at');
      return leafOf('owner') === L_UINT && leafOf('slot') === L_STRING && (at === undefined || at === L_UINT);
    }
    case 'frame':
      return leafOf('frame') === L_UINT && leafOf('name') === L_STRING;
    case 'stack':
      return leafOf('frame') === L_UINT;
    case 'root':
      return leafOf('name') === L_STRING;
    default:
      return false;
  }
}

/** Check the fields of one decoded event that its shape does not prove. Throws `Malformed`. */
export function checkByRule(rule: ShapeRule, event: PlainObject, where: () => string): void {
  for (const [name, kind] of rule.checks) {
    const value = event[name];
    if (value !== undefined && !isKind(kind, value)) checkKind(kind, value, `${where()}.${name}`);
  }
}

/** The event without the keys its type does not declare (what toMemEvent keeps). */
export function withoutExtra(rule: ShapeRule, event: PlainObject): MemEvent {
  const out: Record<string, Plain> = { type: rule.type };
  for (const name of rule.fields) {
    const value = event[name];
    if (value !== undefined) out[name] = value;
  }
  return out as unknown as MemEvent;
}

/** checkKind as a predicate (no message built). */
function isKind(kind: Kind, value: Plain): boolean {
  if (typeof kind !== 'string') return typeof value === 'string' && kind.includes(value);
  if (kind === 'gen') return value === 0 || value === 1 || value === 2;
  if (kind === 'ids') return Array.isArray(value) && value.every(isNat);
  try {
    checkKind(kind, value, '');
    return true;
  } catch (error) {
    if (error instanceof Malformed) return false;
    throw error;
  }
}
