/*
 * Events as text, and the objects an event names
 * ==============================================
 * `formatEvent` is the canonical one-line form of an event, the form of the golden
 * traces' `trace.txt` (one line per event, read in diffs) and of every listing of the
 * cli. It is generic: the type, then every field as `name=value`, in the order the
 * event schema declares them (eventSchema.ts), then any other field by name. A field
 * core adds shows up without a change here.
 *
 *   000007 ObjectAllocated id=5 pyType="list" kind="list" size=56 addr=0x7f0000000040 gc=true repr="[]" holder=(frame 1 var a)
 *   000008 RefMoved id=5 from=(frame 1 stack) to=(#4.item)
 *
 * Values: integers in decimal (`addr` in hex), strings as JSON, holders in core's
 * `formatHolder` form in parentheses, arrays in brackets, other maps as canonical JSON.
 *
 * `eventObjectIds` lists the objects an event names, for the timeline's per-object
 * index: the fields holding object ids (`id`, `ids`, `revived`, `weakref`, `referent`,
 * `callback`, and `owner` of a block) and the owners of holders, with the role each plays.
 */
import { canonicalJson, formatHolder, type Holder, type MemEvent } from '@pymemsim/core';
import { EVENT_FIELDS } from './eventSchema.js';

/** The canonical one-line text of an event (without its seq). */
export function formatEvent(event: MemEvent): string {
  const e = event as unknown as Record<string, unknown>;
  const fields = EVENT_FIELDS[event.type];
  const declared: readonly string[] = fields === undefined ? [] : Object.keys(fields);
  const rest = Object.keys(e)
    .filter((k) => k !== 'type' && !declared.includes(k))
    .sort();
  let out: string = event.type;
  for (const key of [...declared, ...rest]) {
    if (!Object.hasOwn(e, key) || e[key] === undefined) continue;
    out += ` ${key}=${formatValue(key, e[key])}`;
  }
  return out;
}

/** One line of a dump: the seq (6 digits at least) and the event. */
export const dumpLine = (seq: number, event: MemEvent): string =>
  `${String(seq).padStart(6, '0')} ${formatEvent(event)}`;

export function formatValue(key: string, v: unknown): string {
  if (typeof v === 'number')
    return key === 'addr' && Number.isSafeInteger(v) && v >= 0 ? `0x${v.toString(16)}` : `${v}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => formatValue('', x)).join(',')}]`;
  if (isHolder(v)) return `(${formatHolder(v)})`;
  return canonicalJson(v);
}

export function isHolder(v: unknown): v is Holder {
  if (typeof v !== 'object' || v === null) return false;
  const h = v as Record<string, unknown>;
  switch (h['kind']) {
    case 'object':
      return typeof h['owner'] === 'number' && typeof h['slot'] === 'string';
    case 'frame':
      return typeof h['frame'] === 'number' && typeof h['name'] === 'string';
    case 'stack':
      return typeof h['frame'] === 'number';
    case 'root':
      return typeof h['name'] === 'string';
    default:
      return false;
  }
}

/** How an event names an object. */
export type ObjectRole = 'subject' | 'holder';

/** Keys whose values are object ids (or arrays of them). */
const OBJECT_ID_KEYS = new Set(['id', 'ids', 'revived', 'weakref', 'referent', 'callback', 'owner']);

/**
 * The objects an event names: `subject` for the object it is about (the fields of
 * OBJECT_ID_KEYS), `holder` for an object whose slot takes, drops or passes on a
 * reference (the owner of an `object` holder). Calls `each` once per mention.
 */
export function eventObjectIds(event: MemEvent, each: (id: number, role: ObjectRole) => void): void {
  const e = event as unknown as Record<string, unknown>;
  for (const key of Object.keys(e)) {
    const v = e[key];
    if (OBJECT_ID_KEYS.has(key)) {
      if (typeof v === 'number') each(v, 'subject');
      else if (Array.isArray(v)) for (const id of v) if (typeof id === 'number') each(id, 'subject');
    } else if (isHolder(v) && v.kind === 'object') {
      each(v.owner, 'holder');
    }
  }
}
