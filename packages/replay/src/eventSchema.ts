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
 * The table is tied to the types by the compiler: it must name every field of every
 * event type, optional fields with a `?`, and nothing else. A change to an event in core
 * therefore fails to compile here until the table (and, when the change is not
 * backwards compatible, EVENT_SCHEMA_VERSION and upcast.ts) follows it.
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
 *   [..]    one of the listed strings
 *
 * Simplifications: fields an event does not declare are ignored and dropped (a newer
 * writer of the same schema cannot add any; see upcast.ts for older schemas).
 */
import { EVENT_SCHEMA_VERSION, EVENT_TYPES, type MemEvent, type MemEventType } from '@pymemsim/core';
import type { Plain, PlainObject } from './codec.js';

type Kind = 'id' | 'nat' | 'int' | 'str' | 'bool' | 'gen' | 'ids' | 'holder' | 'thresholds' | readonly string[];
type Spec = Kind | { readonly optional: Kind };

type EventOf<T extends MemEventType> = Extract<MemEvent, { readonly type: T }>;
type FieldsOf<E> = {
  readonly [K in Exclude<keyof E, 'type'>]-?: object extends Pick<E, K> ? { readonly optional: Kind } : Kind;
};

const opt = (kind: Kind): { readonly optional: Kind } => ({ optional: kind });
const GEN = 'gen';

/** The fields of every event type (events.ts). */
export const EVENT_FIELDS: { readonly [T in MemEventType]: FieldsOf<EventOf<T>> } = {
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
  FrameEntered: { frame: 'id', name: 'str', parent: opt('id') },
  FrameExited: { frame: 'id' },
  LineExecuted: { line: 'nat' },
  OutputWritten: { text: 'str' },
};

/** A value that does not have the shape the format requires; `message` says where and what. */
export class Malformed extends Error {
  override readonly name = 'Malformed';
}

const isEventType = (t: string): t is MemEventType => Object.hasOwn(EVENT_FIELDS, t);

/** Check one decoded event (already upcast to the current schema). Throws `Malformed`. */
export function toMemEvent(raw: Plain, where: string): MemEvent {
  const obj = expectObject(raw, where);
  const type = Object.hasOwn(obj, 'type') ? obj['type'] : undefined;
  if (typeof type !== 'string' || !isEventType(type)) {
    throw new Malformed(
      `${where}: unknown event type ${show(type)} (schema ${EVENT_SCHEMA_VERSION} has ${EVENT_TYPES.length}: ${EVENT_TYPES[0]} ...)`,
    );
  }
  const fields: Readonly<Record<string, Spec>> = EVENT_FIELDS[type];
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

function checkKind(kind: Kind, value: Plain, where: string): void {
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
