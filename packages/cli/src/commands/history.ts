/*
 * `pymemsim history T --obj ID`: every event that touched one object, in order: its
 * allocation, each incref and decref with its holder, moves, tracking, the collector's
 * steps naming it, references it took or dropped as a holder, its deallocation, each
 * with the source line (number and text) it came from. From one pass over the trace
 * looking for that object (Timeline.occurrences).
 */
import { UserError, type MemEvent, type MemEventType } from '@pymemsim/core';
import {
  formatEvent,
  holderWords,
  isHolder,
  objectWords,
  type HolderContext,
  type ObjectRole,
  type Timeline,
} from '@pymemsim/replay';
import type { Io } from '../io.js';
import { resolveObj, type AtSpec, type ObjSpec } from './at.js';
import { moment, openTimeline, printJson, sourceLine, withProgress } from './common.js';
import { stateWithProgress } from './inspect.js';
import { timelineContext } from './words.js';

export interface HistoryOptions {
  /** An object id, or a variable name resolved at --at (default: the end of the program). */
  readonly obj: ObjSpec;
  readonly at?: AtSpec | number;
  readonly last?: boolean;
  readonly json?: boolean;
}

export interface HistoryEntry {
  readonly seq: number;
  readonly line: number;
  readonly source: string;
  /** `subject`: the event is about the object; `holder`: the object takes, drops or passes a reference. */
  readonly role: ObjectRole;
  readonly what: string;
  readonly event: MemEvent;
}

export function historyCommand(path: string, options: HistoryOptions, io: Io): number {
  const timeline = openTimeline(path, io);
  let id: number;
  let named = '';
  if (typeof options.obj === 'number') id = options.obj;
  else {
    const when = moment(timeline, options.at, options.last, io);
    id = resolveObj(options.obj, stateWithProgress(timeline, when.seq, io), when.what);
    named = ` (${options.obj} at event ${when.seq})`;
  }
  const entries = objectHistory(timeline, id, io);
  if (options.json === true) {
    printJson(io, { trace: path, object: id, events: entries });
    return 0;
  }
  const allocated = entries.find((e) => e.event.type === 'ObjectAllocated' && e.role === 'subject')?.event;
  const type = allocated?.type === 'ObjectAllocated' ? `${allocated.pyType} #${id}` : `object #${id}`;
  io.out(`${path}: ${entries.length} event${entries.length === 1 ? '' : 's'} touched ${type}${named}\n`);
  let line = -1;
  for (const e of entries) {
    if (e.line !== line) {
      line = e.line;
      io.out(line > 0 ? `  line ${line}: ${e.source}\n` : '  before the first line\n');
    }
    io.out(`    ${String(e.seq).padStart(6, '0')} ${e.what}\n`);
  }
  return 0;
}

/** The history of object `id`; a UserError when no event names it. */
export function objectHistory(timeline: Timeline, id: number, io: Io): HistoryEntry[] {
  if (timeline.length === 0) {
    throw new UserError('CLI_USAGE', `${timeline.name} holds no events: no object has a history yet`);
  }
  const occurrences = withProgress(io, 'indexing', timeline.length, (progress) => timeline.occurrences(id, progress));
  if (occurrences.length === 0) {
    throw new UserError(
      'CLI_USAGE',
      `no event of ${timeline.name} names object #${id} (ids run from 1 to ${timeline.largestObjectId()})`,
    );
  }
  const ctx = timelineContext(timeline);
  withProgress(io, 'reading lines', timeline.length, (progress) => timeline.lineIndex(progress));
  return occurrences.map(({ seq, role }) => {
    const event = timeline.event(seq);
    const line = timeline.lineAt(seq);
    return { seq, line, source: sourceLine(timeline, line), role, what: describeFor(event, id, role, ctx), event };
  });
}

/** Describers by event type (a partial table: other events are shown as they are). */
type Describers = {
  readonly [T in MemEventType]?: (e: Extract<MemEvent, { readonly type: T }>, words: Words) => string;
};

/** Holders and objects in words (names.ts in replay), for one trace. */
interface Words {
  holder(h: unknown): string;
  object(id: number): string;
}

const wordsOf = (ctx: HolderContext): Words => ({
  holder: (h) => (isHolder(h) ? holderWords(h, ctx) : String(h)),
  object: (id) => objectWords(ctx, id),
});

/** What an event says about the object it is about. */
const AS_SUBJECT: Describers = {
  ObjectAllocated: (e, w) =>
    `allocated: ${e.pyType}${e.repr === '' ? '' : ` ${e.repr}`}, ${e.size} bytes at 0x${e.addr.toString(16)}, held by ${w.holder(e.holder)}`,
  RefIncremented: (e, w) => `incref: a reference held by ${w.holder(e.holder)}`,
  RefDecremented: (e, w) => `decref: ${w.holder(e.holder)} lets go`,
  RefMoved: (e, w) => `its reference moves from ${w.holder(e.from)} to ${w.holder(e.to)}`,
  DeallocStarted: () => 'count reached 0: deallocation starts',
  ObjectFreed: (e) => `freed (memory to the ${e.to})`,
  ObjectTracked: () => 'tracked by the collector (generation 0)',
  ObjectUntracked: () => 'untracked by the collector',
  GcUnreachableFound: (e) => `found unreachable by the generation ${e.generation} collection`,
  GcObjectCleared: () => 'cleared by the collector (tp_clear drops its references)',
  GcFinalizerRun: () => 'its finalizer (__del__) runs',
  GcResurrected: () => 'resurrected by a finalizer',
  GcObjectsMoved: (e) => `moved to generation ${e.to} by the collector`,
};

/** What an event says about an object whose slot takes, drops or passes on a reference. */
const AS_HOLDER: Describers = {
  ObjectAllocated: (e, w) => `holds the new ${e.pyType} #${e.id} in ${w.holder(e.holder)}`,
  RefIncremented: (e, w) => `takes a reference to ${w.object(e.id)} in ${w.holder(e.holder)}`,
  RefDecremented: (e, w) => `drops its reference to ${w.object(e.id)} from ${w.holder(e.holder)}`,
  RefMoved: (e, w) => `the reference to ${w.object(e.id)} moves from ${w.holder(e.from)} to ${w.holder(e.to)}`,
};

function describeWith(table: Describers, event: MemEvent, words: Words): string | undefined {
  const describer = table[event.type] as ((e: MemEvent, w: Words) => string) | undefined;
  return describer?.(event, words);
}

/** An event in words, from the point of view of object `id`. */
export function describeFor(
  event: MemEvent,
  id: number,
  role: ObjectRole,
  ctx: HolderContext = { typeOf: () => undefined },
): string {
  const e = event as unknown as Record<string, unknown>;
  const words = wordsOf(ctx);
  if (role === 'holder' && e['id'] !== id) return describeWith(AS_HOLDER, event, words) ?? formatEvent(event);
  return describeWith(AS_SUBJECT, event, words) ?? describeMemory(e) ?? formatEvent(event);
}

/** What events that are about no object say. */
const OTHER: Describers = {
  GcStarted: (e) =>
    `the generation ${e.generation} collection starts (${e.reason === 'manual' ? 'gc.collect()' : 'automatic'})`,
  GcFinished: (e) =>
    `the generation ${e.generation} collection ends: ${e.collected} collected, ${e.uncollectable} uncollectable`,
  GcSurvivorsPromoted: (e) => `${e.count} survivors of generation ${e.from} move to generation ${e.to}`,
  GcConfigChanged: (e) => `the collector's settings change (${formatEvent(e).replace(/^\S+ /, '')})`,
  LineExecuted: (e) => `line ${e.line} starts`,
  FrameEntered: (e) =>
    `frame ${e.frame} (${e.name}) is entered${e.parent === undefined ? '' : ` from frame ${e.parent}`}`,
  FrameExited: (e) => `frame ${e.frame} exits`,
  OutputWritten: (e) => `the program writes ${JSON.stringify(e.text)}`,
};

/**
 * An event in words, whatever it is about: `Node #512 (head): its reference moves from
 * the evaluation stack of frame 1 to the global head`, `line 12 starts`.
 */
export function eventWords(event: MemEvent, ctx: HolderContext): string {
  const e = event as unknown as Record<string, unknown>;
  const words = wordsOf(ctx);
  const id = typeof e['id'] === 'number' ? e['id'] : e['owner'];
  if (typeof id === 'number') {
    const what = describeWith(AS_SUBJECT, event, words) ?? describeMemory(e) ?? formatEvent(event);
    return `${words.object(id)}: ${what}`;
  }
  return describeWith(OTHER, event, words) ?? describeMemory(e) ?? formatEvent(event);
}

/** Memory events about an object's blocks (named generically: core's vocabulary is growing). */
function describeMemory(e: Record<string, unknown>): string | undefined {
  const at = typeof e['addr'] === 'number' ? ` at 0x${e['addr'].toString(16)}` : '';
  const what = typeof e['buffer'] === 'string' ? `its ${e['buffer']} buffer` : 'its block';
  const size = typeof e['size'] === 'number' ? `${e['size']} bytes` : '';
  const texts: Readonly<Record<string, string>> = {
    BlockAllocated: `memory for ${what}: ${size}${at}`,
    BlockReallocated: `${what} resized in place: ${size}${at}`,
    BlockFreed: `${what} released: ${size}${at}`,
    FreelistPushed: `${what}${at} parked on the ${String(e['list'])} free list`,
    FreelistPopped: `${what}${at} taken from the ${String(e['list'])} free list`,
  };
  const type = String(e['type']);
  return Object.hasOwn(texts, type) ? texts[type] : undefined;
}
