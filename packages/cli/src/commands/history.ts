/*
 * `pymemsim history T --obj ID`: every event that touched one object, in order: its
 * allocation, each incref and decref with its holder, moves, tracking, the collector's
 * steps naming it, references it took or dropped as a holder, its deallocation, each
 * with the source line (number and text) it came from. From one pass over the trace
 * looking for that object (Timeline.occurrences).
 */
import { UserError, formatHolder, type MemEvent, type MemEventType } from '@pymemsim/core';
import { formatEvent, isHolder, type ObjectRole, type Timeline } from '@pymemsim/replay';
import type { Io } from '../io.js';
import { openTimeline, printJson, sourceLine, withProgress } from './common.js';

export interface HistoryOptions {
  readonly obj: number;
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
  const entries = objectHistory(timeline, options.obj, io);
  if (options.json === true) {
    printJson(io, { trace: path, object: options.obj, events: entries });
    return 0;
  }
  const allocated = entries.find((e) => e.event.type === 'ObjectAllocated' && e.role === 'subject')?.event;
  const type = allocated?.type === 'ObjectAllocated' ? ` (${allocated.pyType})` : '';
  io.out(`${path}: ${entries.length} event${entries.length === 1 ? '' : 's'} touched object #${options.obj}${type}\n`);
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
  return occurrences.map(({ seq, role }) => {
    const event = timeline.event(seq);
    const line = timeline.lineAt(seq);
    return { seq, line, source: sourceLine(timeline, line), role, what: describeFor(event, id, role), event };
  });
}

/** Describers by event type (a partial table: other events are shown as they are). */
type Describers = { readonly [T in MemEventType]?: (e: Extract<MemEvent, { readonly type: T }>) => string };

const holderText = (h: unknown): string => (isHolder(h) ? formatHolder(h) : String(h));

/** What an event says about the object it is about. */
const AS_SUBJECT: Describers = {
  ObjectAllocated: (e) =>
    `allocated: ${e.pyType}${e.repr === '' ? '' : ` ${e.repr}`}, ${e.size} bytes at 0x${e.addr.toString(16)}, held by ${holderText(e.holder)}`,
  RefIncremented: (e) => `incref by ${holderText(e.holder)}`,
  RefDecremented: (e) => `decref by ${holderText(e.holder)}`,
  RefMoved: (e) => `reference moves from ${holderText(e.from)} to ${holderText(e.to)}`,
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
  ObjectAllocated: (e) => `holds the new ${e.pyType} #${e.id} (${formatEvent(e)})`,
  RefIncremented: (e) => `takes a reference to #${e.id} in ${holderText(e.holder)}`,
  RefDecremented: (e) => `drops its reference to #${e.id} from ${holderText(e.holder)}`,
  RefMoved: (e) => `reference to #${e.id} moves from ${holderText(e.from)} to ${holderText(e.to)}`,
};

function describeWith(table: Describers, event: MemEvent): string | undefined {
  const describer = table[event.type] as ((e: MemEvent) => string) | undefined;
  return describer?.(event);
}

/** An event in words, from the point of view of object `id`. */
export function describeFor(event: MemEvent, id: number, role: ObjectRole): string {
  const e = event as unknown as Record<string, unknown>;
  if (role === 'holder' && e['id'] !== id) return describeWith(AS_HOLDER, event) ?? formatEvent(event);
  return describeWith(AS_SUBJECT, event) ?? describeMemory(e) ?? formatEvent(event);
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
