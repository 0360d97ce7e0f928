/*
 * Heap state
 * ==========
 * The whole simulated heap as one normalised, serialisable value: objects in a table
 * keyed by their dense integer id, references as ids, frames and roots as tables of
 * ids. No JavaScript object appears twice (Immer needs a tree; Python object graphs
 * have cycles), so a state can be frozen, snapshotted, hashed and sent over a wire.
 *
 * Only `applyEvent` (evolve.ts) writes a state. The runtime reads it to decide.
 *
 * Generation lists keep CPython's order (GC-S3): they are intrusive doubly linked lists
 * threaded through the objects (`gcPrev`/`gcNext`), like `PyGC_Head`, so tracking,
 * untracking and merging are O(1) whatever the heap size.
 */
import { EVENT_SCHEMA_VERSION, type FrameId, type ObjectId } from './events.js';
import { emptyMemory, type MemoryState } from './memory.js';
import { hasHoles, liveRefs, type RefSlot } from './refList.js';

/** Id 0 is never an object: it ends a generation list. */
export const NO_OBJECT = 0;

/** The lists an object can be linked into. 0..2 generations, 3 permanent (gc.freeze), 4 unreachable. */
export const PERMANENT_GENERATION = 3;
export const UNREACHABLE_LIST = 4;
export const NOT_TRACKED = -1;
export type GcListIndex = 0 | 1 | 2 | 3 | 4;

/** One outgoing strong reference held by an object. */
export type Ref = { readonly slot: string; readonly to: ObjectId };

export interface HeapObject {
  readonly id: ObjectId;
  readonly pyType: string;
  readonly kind: string;
  size: number;
  /** Bytes of the object's own block (fixed at allocation; `size` may grow with separate buffers). */
  readonly alloc: number;
  readonly addr: number;
  /** References not represented by holders (static objects, RC-8). */
  readonly base: number;
  refcount: number;
  /**
   * References this object holds, in the order its type releases or visits them. A long
   * list may have empty slots (undefined) where references were dropped (refList.ts);
   * positions (a holder's `at`) count only the references present.
   */
  refs: RefSlot[];
  readonly gcType: boolean;
  /** The list this object is linked into, or NOT_TRACKED. */
  gen: number;
  gcPrev: number;
  gcNext: number;
  /** PEP 442 FINALIZED bit: `__del__` already ran. */
  finalized: boolean;
  /** Dealloc has started (count reached zero); the object is being torn down. */
  dying: boolean;
  repr: string;
}

export interface Frame {
  readonly id: FrameId;
  readonly name: string;
  readonly parent: number;
  /**
   * Variable slots in the order they were first bound (3.11 releases them in slot order).
   * In the working state an unbound slot may read as undefined (set, not deleted, so a
   * frame's slot table keeps its room: the runtime reuses exited frames); `compactState`
   * leaves such slots out.
   */
  vars: Record<string, ObjectId | undefined>;
  varOrder: string[];
  /** Evaluation-stack temporaries, bottom first. */
  stack: ObjectId[];
  /**
   * References a store has just pushed out of a slot, until they are dropped. STORE_FAST
   * puts the new value in the slot, then releases the old one (SETLOCAL's `tmp`); in
   * between, the old reference is held here, so the refcount invariant holds after every
   * event and `x = x` does not unbind `x`.
   */
  displaced: { readonly name: string; readonly id: ObjectId }[];
}

export interface GcList {
  head: number;
  tail: number;
  length: number;
}

export interface GcGenerationStats {
  collections: number;
  collected: number;
  uncollectable: number;
}

export interface GcState {
  /** 0..2 generations, 3 permanent generation, 4 the unreachable set of a running collection. */
  lists: [GcList, GcList, GcList, GcList, GcList];
  counts: [number, number, number];
  thresholds: [number, number, number];
  enabled: boolean;
  debug: number;
  /** The generation being collected, or -1. */
  collecting: number;
  stats: [GcGenerationStats, GcGenerationStats, GcGenerationStats];
  longLivedTotal: number;
  longLivedPending: number;
}

/**
 * Weak references (weakref.ts). Present only once a program has made one, so the
 * states of programs without weak references are unchanged (and so are their hashes).
 */
export interface WeakrefTable {
  /** Weakref object id -> the id of its referent, or NO_OBJECT once cleared (it reads as None). */
  referent: Record<number, number>;
  /**
   * Referent id -> the weakrefs to it that are not cleared, in CPython's `wr_list`
   * order: the basic (callback-less) ref first, then those with a callback, newest first.
   */
  list: Record<number, ObjectId[]>;
}

export interface HeapState {
  readonly schema: number;
  /** Events applied so far. */
  seq: number;
  /**
   * Live objects by id. A freed object's slot is set to `undefined`, never deleted:
   * deleting integer keys turns V8's fast elements into a hash table (about 3× slower
   * lookups on every event; programs run about 25% faster this way). So the table keeps
   * one slot per object ever allocated: readers go by index up to `allocated` and skip
   * `undefined` (`liveObjects`, `liveIds`), and what is kept or written per checkpoint
   * (snapshots, trace checkpoints, hashes) is made from `compactState`, never by listing
   * this table's keys (one string per slot ever allocated).
   */
  objects: Record<number, HeapObject | undefined>;
  /** Count of live objects (the table's size, kept to avoid counting keys). */
  live: number;
  /** Objects ever allocated (ids are dense: the next id is `allocated + 1`). */
  allocated: number;
  freed: number;
  /** Running frames by id; an exited frame's slot reads as undefined (kept, not deleted, like `objects`). */
  frames: Record<number, Frame | undefined>;
  /** Frames ever entered (the next frame id is `framesEntered + 1`). */
  framesEntered: number;
  /** The innermost running frame, or 0. */
  currentFrame: number;
  /** References held by the interpreter itself, as a multiset: root name -> ids. */
  /** A root that holds nothing any more reads as undefined (its key is kept, not deleted). */
  roots: Record<string, ObjectId[] | undefined>;
  gc: GcState;
  /** Weak references, once there has been one. */
  weakrefs?: WeakrefTable;
  /** pymalloc's arenas and pools, the system allocator, free lists, buffers (memory.ts). */
  memory: MemoryState;
  /** The source line being executed, 0 before the first. */
  line: number;
  outputs: number;
}

const emptyList = (): GcList => ({ head: NO_OBJECT, tail: NO_OBJECT, length: 0 });

export const DEFAULT_THRESHOLDS: readonly [number, number, number] = [700, 10, 10];

/** The heap before any event; `schema`: the event schema of the events to be folded into it (a trace's). */
export function emptyHeap(schema: number = EVENT_SCHEMA_VERSION): HeapState {
  return {
    schema,
    seq: 0,
    objects: {},
    live: 0,
    allocated: 0,
    freed: 0,
    frames: {},
    framesEntered: 0,
    currentFrame: 0,
    roots: Object.create(null) as Record<string, ObjectId[]>,
    gc: {
      lists: [emptyList(), emptyList(), emptyList(), emptyList(), emptyList()],
      counts: [0, 0, 0],
      thresholds: [...DEFAULT_THRESHOLDS],
      enabled: true,
      debug: 0,
      collecting: -1,
      stats: [
        { collections: 0, collected: 0, uncollectable: 0 },
        { collections: 0, collected: 0, uncollectable: 0 },
        { collections: 0, collected: 0, uncollectable: 0 },
      ],
      longLivedTotal: 0,
      longLivedPending: 0,
    },
    memory: emptyMemory(),
    line: 0,
    outputs: 0,
  };
}

// ---------------------------------------------------------------------------------
// Readers. Everything below only reads.

export function getObject(state: HeapState, id: number): HeapObject | undefined {
  return state.objects[id];
}

export function isAlive(state: HeapState, id: number): boolean {
  return state.objects[id] !== undefined;
}

/** The ids of one generation list, head to tail (GC-S3 order). */
export function listMembers(state: HeapState, list: GcListIndex): ObjectId[] {
  const out: ObjectId[] = [];
  let cur = state.gc.lists[list].head;
  while (cur !== NO_OBJECT) {
    out.push(cur as ObjectId);
    const obj = state.objects[cur];
    if (obj === undefined) break;
    cur = obj.gcNext;
  }
  return out;
}

/** The ids of the live objects, in allocation order. */
export function liveIds(state: HeapState): ObjectId[] {
  const out: ObjectId[] = [];
  const objects = state.objects;
  for (let id = 1; id <= state.allocated; id++) if (objects[id] !== undefined) out.push(id as ObjectId);
  return out;
}

/** The live objects, in id order. */
export function liveObjects(state: HeapState): HeapObject[] {
  const out: HeapObject[] = [];
  const objects = state.objects;
  for (let id = 1; id <= state.allocated; id++) {
    const obj = objects[id];
    if (obj !== undefined) out.push(obj);
  }
  return out;
}

/** The running frames, in id order. */
export function liveFrames(state: HeapState): Frame[] {
  return Object.values(compactFrames(state));
}

/**
 * The entries of an id-keyed table (`objects`, `frames`) that are not freed, ids 1..bound
 * in order, as a new table without the freed slots. Read by index, never by key list:
 * listing the keys of a table that kept millions of freed slots would make a string for
 * each (see HeapState.objects).
 */
export function compactTable<T>(table: Record<number, T | undefined>, bound: number): Record<number, T> {
  const out: Record<number, T> = {};
  for (let id = 1; id <= bound; id++) {
    const v = table[id];
    if (v !== undefined) out[id] = v;
  }
  return out;
}

/**
 * The same state with its object and frame tables compacted (a shallow copy; the heap
 * objects and frames themselves are shared). What snapshots, checkpoints and hashes are
 * made from: their size follows the live heap, not everything ever allocated.
 */
export function compactState(state: HeapState): HeapState {
  return {
    ...state,
    objects: compactObjects(state.objects, state.allocated),
    frames: compactFrames(state),
    memory: { ...state.memory, buffers: compactTable(state.memory.buffers, state.allocated) },
  };
}

/** The live objects, each reference list without its empty slots (a copy of the objects that have some). */
function compactObjects(table: Record<number, HeapObject | undefined>, bound: number): Record<number, HeapObject> {
  const out: Record<number, HeapObject> = {};
  for (let id = 1; id <= bound; id++) {
    const obj = table[id];
    if (obj !== undefined) out[id] = hasHoles(obj.refs) ? { ...obj, refs: [...liveRefs(obj.refs)] } : obj;
  }
  return out;
}

/** The running frames, each without its unbound slots (see Frame.vars). */
function compactFrames(state: HeapState): Record<number, Frame> {
  const frames = compactTable(state.frames, state.framesEntered);
  for (const f of Object.values(frames)) {
    if (Object.values(f.vars).includes(undefined)) frames[f.id] = compactFrame(f);
  }
  return frames;
}

/** A frame without its unbound slots (a copy: the working state's frame is left as it is). */
function compactFrame(f: Frame): Frame {
  const vars = Object.create(null) as Record<string, ObjectId>; // Python names may be `__proto__`
  for (const [name, id] of Object.entries(f.vars)) if (id !== undefined) vars[name] = id;
  return { ...f, vars };
}

/** The size class of a request (PM-1): 16-byte steps. */
export const sizeClassOf = (bytes: number): number => (Math.max(1, bytes) - 1) >> 4;
export const blockSizeOf = (bytes: number): number => (sizeClassOf(bytes) + 1) << 4;
