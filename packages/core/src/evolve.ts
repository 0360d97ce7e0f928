/*
 * The one transition
 * ==================
 * `applyEvent(state, event)` is the only code in pymemsim that changes heap state. It is
 * written as an Immer recipe: it mutates what it is given. So the same function runs
 * on an Immer draft (immutable snapshots for checkpoints and time travel) and on a
 * plain object (the runtime's fast working state, and the plain-object fold that the
 * benchmarks use as the limit).
 *
 * The most frequent events (the three reference events, and DeallocStarted,
 * ObjectUntracked, ObjectFreed of every dealloc) have their transition as a function of
 * its own, which applyEvent calls; the runtime calls them directly when nobody records
 * or observes its events, so an unobserved run builds no objects for them. (BlockFreed's
 * transition is memory.ts's applyBlockFreed, used the same way.) Still nothing outside
 * this file and memory.ts's recipe parts writes state.
 *
 * It is total: it never throws on an event the runtime could have emitted, and it never
 * decides anything (events record outcomes; see events.ts). Broken invariants are
 * found by `checkInvariants` (invariants.ts), not here.
 */
import { produce, type Draft } from 'immer';
import type { FrameId, FreeTarget, Holder, MemEvent, ObjectAllocated, ObjectId } from './events.js';
import { Defect } from './errors.js';
import { insertRef, pushRef, removeAt, removeRefAtSlot, slotOfPosition } from './refList.js';
import {
  FREELISTS,
  applyArenaAllocated,
  applyArenaFreed,
  applyBlockAllocated,
  applyBlockFreed,
  applyBlockReallocated,
  applyFreelistCleared,
  applyFreelistPopped,
  applyFreelistPushed,
  applyPoolInitialized,
} from './memory.js';
import {
  NO_OBJECT,
  NOT_TRACKED,
  PERMANENT_GENERATION,
  UNREACHABLE_LIST,
  type Frame,
  type GcListIndex,
  type HeapObject,
  type HeapState,
} from './state.js';

/**
 * The one observer of object writes: called with the id of every heap object this file
 * writes (allocated, freed, its count, its references, its generation links), so that a
 * reader folding events into a working state knows which objects changed since it last
 * looked (the timeline's checkpoints copy only those: packages/replay). Set for the
 * length of a fold by `watchObjectWrites`; undefined (the runtime's case) costs a test.
 *
 * While it is set, the state's objects may also be frozen ones shared with a snapshot
 * (a timeline restores its working state by pointing at a checkpoint's objects): an
 * object about to be written is first replaced by a mutable copy (`writable`), so a
 * restore costs one store per object that differs, and the fold copies only what it
 * writes.
 */
let touched: ((id: ObjectId) => void) | undefined;

/**
 * The object `id` of `state`, to be written: reported to the watcher, and when one is
 * set and the object is frozen (a snapshot's), replaced in the table by a mutable copy.
 */
function writable(state: S, id: number): HeapObject | undefined {
  const obj = state.objects[id];
  if (touched === undefined || obj === undefined) return obj;
  touched(id as ObjectId);
  return Object.isFrozen(obj) ? thawObject(state, obj) : obj;
}

/**
 * A frozen object's mutable copy, put in its place. Made as objectAllocated makes a new
 * object (the same V8 hidden class); the reference list is its own, its entries the
 * snapshot's (a list's entries are replaced, never edited: refList.ts).
 */
function thawObject(state: S, o: HeapObject): HeapObject {
  const copy: HeapObject = new HeapObjectRecord(
    o.id,
    o.pyType,
    o.kind,
    o.size,
    o.alloc,
    o.addr,
    o.base,
    o.gcType,
    o.repr,
  );
  copy.refcount = o.refcount;
  copy.refs = o.refs.slice();
  copy.gen = o.gen;
  copy.gcPrev = o.gcPrev;
  copy.gcNext = o.gcNext;
  copy.finalized = o.finalized;
  copy.dying = o.dying;
  state.objects[o.id] = copy;
  return copy;
}

/**
 * Call `watcher` with the id of each heap object applyEvent writes, until the next call
 * (undefined: stop). Returns the watcher it replaces, for the caller to put back when it
 * is done (a fold of one trace inside a visitor of another's).
 */
export function watchObjectWrites(watcher: ((id: ObjectId) => void) | undefined): ((id: ObjectId) => void) | undefined {
  const before = touched;
  touched = watcher;
  return before;
}

/** A state being written: an Immer draft or a plain object owned by the caller. */
export type Writable<T> = T | Draft<T>;
type S = HeapState;

export function applyEvent(state: S, event: MemEvent): void {
  state.seq += 1;
  switch (event.type) {
    case 'ObjectAllocated':
      objectAllocated(state, event.id, event, event.addr, event.gc, event.fromFreelist === true, event.holder);
      return;
    case 'RefIncremented':
      refIncremented(state, event.id, event.holder);
      return;
    case 'RefDecremented':
      refDecremented(state, event.id, event.holder);
      return;
    // The most frequent events come first: a string switch is tested in order.
    case 'GcObjectCleared':
      return;
    case 'BlockAllocated':
      applyBlockAllocated(state.memory, event.addr, event.size, event.owner, event.buffer);
      return;
    case 'BlockFreed':
      applyBlockFreed(state.memory, event.addr, event.size, event.owner, event.buffer);
      return;
    case 'FreelistPushed':
      applyFreelistPushed(state.memory, event.list, event.addr, event.owner, event.buffer);
      return;
    case 'FreelistPopped':
      applyFreelistPopped(state.memory, event.list, event.addr, event.owner, event.buffer);
      return;
    case 'RefMoved':
      refMoved(state, event.id, event.from, event.to);
      return;
    case 'DeallocStarted':
      deallocStarted(state, event.id);
      return;
    case 'ObjectFreed':
      objectFreed(state, event.id, event.to);
      return;
    case 'ObjectResized': {
      const obj = writable(state, event.id);
      if (obj === undefined) return;
      addLiveBytes(state, event.size - obj.size);
      obj.size = event.size;
      return;
    }
    case 'ReprChanged': {
      const obj = writable(state, event.id);
      if (obj !== undefined) obj.repr = event.repr;
      return;
    }
    case 'ObjectTracked':
      objectTracked(state, event.id);
      return;
    case 'ObjectUntracked':
      objectUntracked(state, event.id);
      return;
    case 'WeakrefCreated': {
      const table = (state.weakrefs ??= { referent: {}, list: {} });
      table.referent[event.weakref] = event.referent;
      const list = (table.list[event.referent] ??= []);
      list.splice(Math.max(0, Math.min(event.at, list.length)), 0, event.weakref);
      return;
    }
    case 'WeakrefCleared':
    case 'GcWeakrefCleared':
      clearWeakref(state, event.weakref, event.referent);
      return;
    case 'WeakrefCallbackRun':
      return;
    case 'GcStarted': {
      const g = event.generation;
      const gc = state.gc;
      gc.collecting = g;
      // GC-C5: the next older count goes up, this and the younger counts reset.
      if (g === 0) gc.counts[1] += 1;
      else if (g === 1) gc.counts[2] += 1;
      for (let i = 0; i <= g; i++) gc.counts[i] = 0;
      // GC-A3: merge the younger generations onto the tail of the one collected.
      for (let i = 0; i < g; i++) appendList(state, i as GcListIndex, g);
      return;
    }
    case 'GcUnreachableFound': {
      const g = event.generation;
      for (const id of event.revived ?? []) moveTo(state, id, g);
      for (const id of event.ids) moveTo(state, id, UNREACHABLE_LIST);
      return;
    }
    case 'GcFinalizerRun': {
      const obj = writable(state, event.id);
      if (obj !== undefined) obj.finalized = true;
      return;
    }
    case 'GcResurrected':
      for (const id of event.ids) moveTo(state, id, olderGeneration(state));
      return;
    case 'GcCallbackRun':
      return;
    case 'GcSurvivorsPromoted': {
      const gc = state.gc;
      if (event.from === 1) gc.longLivedPending += event.count; // GC-C6
      if (event.from === 2) {
        gc.longLivedPending = 0;
        gc.longLivedTotal = event.count;
      }
      if (event.from !== event.to) appendList(state, event.from, event.to);
      return;
    }
    case 'GcObjectsMoved':
      for (const id of event.ids) moveTo(state, id, event.to);
      return;
    case 'GcFinished': {
      const stats = state.gc.stats[event.generation];
      stats.collections += 1;
      stats.collected += event.collected;
      stats.uncollectable += event.uncollectable;
      state.gc.collecting = -1;
      return;
    }
    case 'GcConfigChanged':
      if (event.thresholds !== undefined) state.gc.thresholds = [...event.thresholds];
      if (event.enabled !== undefined) state.gc.enabled = event.enabled;
      if (event.debug !== undefined) state.gc.debug = event.debug;
      return;
    case 'GcFrozen':
      // GC-M9: gc_freeze_impl merges 0, 1, 2 in that order and zeroes every count.
      for (let i = 0; i < 3; i++) appendList(state, i as GcListIndex, PERMANENT_GENERATION);
      state.gc.counts = [0, 0, 0];
      return;
    case 'GcUnfrozen':
      appendList(state, PERMANENT_GENERATION, 2);
      return;
    case 'FrameEntered':
      frameEntered(state, event.frame, event.name, event.parent ?? 0);
      return;
    case 'FrameExited':
      frameExited(state, event.frame);
      return;
    case 'LineExecuted':
      state.line = event.line;
      return;
    case 'OutputWritten':
      state.outputs += 1;
      return;
    // Memory (memory.ts writes pymalloc's lists exactly as obmalloc.c does).
    case 'ArenaAllocated':
      applyArenaAllocated(state.memory, event.arena, event.addr);
      return;
    case 'ArenaFreed':
      applyArenaFreed(state.memory, event.arena);
      return;
    case 'PoolInitialized':
      applyPoolInitialized(state.memory, event.pool, event.sizeClass);
      return;
    case 'BlockReallocated':
      applyBlockReallocated(state.memory, event.addr, event.size, event.owner, event.buffer);
      return;
    case 'FreelistCleared': {
      const n = applyFreelistCleared(state.memory, event.list);
      // GC-C2: parked GC objects are released with PyObject_GC_Del.
      if (FREELISTS[event.list]?.gc === true) state.gc.counts[0] = Math.max(0, state.gc.counts[0] - n);
      return;
    }
    default:
      throw new Defect(`unhandled event ${JSON.stringify(event satisfies never)}`);
  }
}

// The three reference events, also called directly by the runtime when nobody records
// or observes its events (Runtime.emitRef): the same transition, without building the
// event object. Callers of these count the event in `seq` themselves.

/** What ObjectAllocated says about the object itself: the event, or the runtime's allocation spec. */
type NewObject = Pick<ObjectAllocated, 'pyType' | 'kind' | 'size' | 'alloc' | 'repr' | 'base'>;

/**
 * ObjectAllocated, from the event or from the runtime's allocation spec (Runtime.allocate,
 * when nobody records or observes). Callers count the event.
 */
export function objectAllocated(
  state: S,
  id: ObjectId,
  e: NewObject,
  addr: number,
  gc: boolean,
  fromFreelist: boolean,
  holder: Holder,
): void {
  const base = e.base ?? 0;
  state.objects[id] = new HeapObjectRecord(id, e.pyType, e.kind, e.size, e.alloc ?? e.size, addr, base, gc, e.repr);
  touched?.(id);
  state.live += 1;
  if (id > state.allocated) state.allocated = id;
  // GC-C1 (its block was recorded by the BlockAllocated or FreelistPopped before it).
  if (!fromFreelist && gc) state.gc.counts[0] += 1;
  addLiveBytes(state, e.size);
  addHolder(state, id, holder);
}

/** What a new heap object is made from (the rest starts as for every new object). */
type HeapObjectArgs = [
  id: ObjectId,
  pyType: string,
  kind: string,
  size: number,
  alloc: number,
  addr: number,
  base: number,
  gcType: boolean,
  repr: string,
];
/**
 * A new heap object: a plain object (its prototype is Object.prototype, as a literal's),
 * made by a constructor rather than an object literal. V8 tracks where each literal is
 * allocated and, once most objects from one place outlive a young-generation collection,
 * allocates all later ones from there directly in the old generation ("pretenuring").
 * A program that first builds a million objects and then makes and drops them one at a
 * time (the dict benchmark) would then pay the old generation's allocation and
 * collection for each short-lived one: about a fifth of its time. A constructor call has
 * no such allocation site.
 *
 * Typed from HeapObjectArgs by context: plain parameters, no rest array per object.
 */
const initHeapObject: (this: { -readonly [K in keyof HeapObject]: HeapObject[K] }, ...args: HeapObjectArgs) => void =
  function (id, pyType, kind, size, alloc, addr, base, gcType, repr) {
    // In the field order of HeapObject (and of the literals the other folds make).
    this.id = id;
    this.pyType = pyType;
    this.kind = kind;
    this.size = size;
    this.alloc = alloc;
    this.addr = addr;
    this.base = base;
    this.refcount = base + 1;
    this.refs = [];
    this.gcType = gcType;
    this.gen = NOT_TRACKED;
    this.gcPrev = NO_OBJECT;
    this.gcNext = NO_OBJECT;
    this.finalized = false;
    this.dying = false;
    this.repr = repr;
  };
const HeapObjectRecord = initHeapObject as unknown as new (...args: HeapObjectArgs) => HeapObject;
HeapObjectRecord.prototype = Object.prototype; // a plain object: Immer drafts it, serialisers see a literal's

/**
 * FrameEntered: a new running frame, the innermost. `spare`: an exited frame's emptied
 * object to take over (the runtime's, when nobody records or observes), else a new one.
 */
export function frameEntered(state: S, id: FrameId, name: string, parent: number, spare?: Frame): void {
  if (spare === undefined) {
    state.frames[id] = {
      id,
      name,
      parent,
      vars: Object.create(null) as Record<string, ObjectId>, // Python names may be `__proto__`
      varOrder: [],
      stack: [],
      displaced: [],
    };
  } else {
    const f = spare as { -readonly [K in keyof Frame]: Frame[K] };
    f.id = id;
    f.name = name;
    f.parent = parent;
    state.frames[id] = f;
  }
  if (id > state.framesEntered) state.framesEntered = id;
  state.currentFrame = id;
}

/** FrameExited: the frame is gone; its caller is the innermost again. */
export function frameExited(state: S, id: FrameId): void {
  const frame = state.frames[id];
  state.currentFrame = frame?.parent ?? 0;
  state.frames[id] = undefined; // not `delete` (see HeapState.objects)
}

/** ObjectTracked: the object joins generation 0, at its tail. */
export function objectTracked(state: S, id: ObjectId): void {
  const obj = writable(state, id);
  if (obj === undefined) return;
  if (obj.gen !== NOT_TRACKED) unlink(state, obj);
  append(state, obj, 0);
}

/** RefIncremented: `holder` takes a new reference to `id`. */
export function refIncremented(state: S, id: ObjectId, holder: Holder): void {
  const obj = writable(state, id);
  if (obj !== undefined) obj.refcount += 1;
  addHolder(state, id, holder);
}

/** RefDecremented: `holder` drops its reference to `id` (the runtime deallocates at zero). */
export function refDecremented(state: S, id: ObjectId, holder: Holder): void {
  const obj = writable(state, id);
  if (obj !== undefined) obj.refcount -= 1;
  removeHolder(state, id, holder);
}

/** RefMoved: the reference changes owner; the count does not change. */
export function refMoved(state: S, id: ObjectId, from: Holder, to: Holder): void {
  removeHolder(state, id, from);
  addHolder(state, id, to);
}

// The events every dealloc emits, also called directly by the runtime when nobody
// records or observes (a collection of a million objects emits millions of them).
// Callers count the event in `seq` themselves.

/** DeallocStarted: the count reached zero; the object is being torn down. */
export function deallocStarted(state: S, id: ObjectId): void {
  const obj = writable(state, id);
  if (obj !== undefined) obj.dying = true;
}

/** ObjectUntracked: the object leaves its generation list. */
export function objectUntracked(state: S, id: ObjectId): void {
  const obj = state.objects[id];
  if (obj !== undefined && obj.gen !== NOT_TRACKED) unlink(state, writable(state, id) as HeapObject);
}

/** ObjectFreed: the dealloc finished; the object is gone, its memory released to `to`. */
export function objectFreed(state: S, id: ObjectId, to: FreeTarget): void {
  const obj = state.objects[id];
  if (obj === undefined) return;
  if (obj.gen !== NOT_TRACKED) unlink(state, writable(state, id) as HeapObject);
  // GC-C2 (its block is released by the BlockFreed or FreelistPushed after it).
  if (to === 'allocator' && obj.gcType) state.gc.counts[0] = Math.max(0, state.gc.counts[0] - 1);
  addLiveBytes(state, -obj.size);
  touched?.(id);
  state.objects[id] = undefined; // not `delete`: see HeapState.objects
  if (state.weakrefs !== undefined) delete state.weakrefs.referent[id]; // a freed weakref object
  state.live -= 1;
  state.freed += 1;
}

/** One event as a new immutable state (one `produce`). */
export const evolve = (state: HeapState, event: MemEvent): HeapState =>
  produce(state, (draft) => {
    applyEvent(draft, event);
  });

/** A batch of events as a new immutable state, all inside a single `produce`. */
export const evolveAll = (state: HeapState, events: Iterable<MemEvent>): HeapState =>
  produce(state, (draft) => {
    for (const event of events) applyEvent(draft, event);
  });

/** Fold events into a plain (mutable, unfrozen) state: the fastest fold, used by the runtime. */
export function foldPlain(state: HeapState, events: Iterable<MemEvent>): HeapState {
  for (const event of events) applyEvent(state, event);
  return state;
}

// ---------------------------------------------------------------------------------
// Holders: the reference graph.

function addHolder(state: S, id: ObjectId, h: Holder): void {
  switch (h.kind) {
    // Stack temporaries first: most reference events are theirs.
    case 'stack':
      state.frames[h.frame]?.stack.push(id);
      return;
    case 'object': {
      const owner = writable(state, h.owner);
      if (owner === undefined) return;
      const ref = { slot: h.slot, to: id };
      if (h.at === undefined) pushRef(owner.refs, ref);
      else insertRef(owner.refs, Math.max(0, h.at), ref);
      return;
    }
    case 'frame': {
      const frame = state.frames[h.frame];
      if (frame === undefined) return;
      // Own properties only: `constructor`, `toString` ... are Python names too.
      const old = Object.hasOwn(frame.vars, h.name) ? frame.vars[h.name] : undefined;
      if (old === undefined) frame.varOrder.push(h.name);
      else frame.displaced.push({ name: h.name, id: old }); // dropped by the RefDecremented that follows
      frame.vars[h.name] = id;
      return;
    }
    case 'root': {
      const list = Object.hasOwn(state.roots, h.name) ? state.roots[h.name] : undefined;
      if (list === undefined) state.roots[h.name] = [id];
      else list.push(id);
      return;
    }
  }
}

function removeHolder(state: S, id: ObjectId, h: Holder): void {
  switch (h.kind) {
    case 'stack': {
      const stack = state.frames[h.frame]?.stack;
      if (stack === undefined) return;
      // Nearly always the top or the one below it. (Own loops: lastIndexOf's call costs more
      // than the search; removeAt also sees arrays of objects and strings, and a shared
      // helper is slower for every kind of array.)
      const last = stack.length - 1;
      let i = last;
      while (i >= 0 && stack[i] !== id) i--;
      if (i < 0) return;
      for (let j = i; j < last; j++) stack[j] = stack[j + 1] as ObjectId;
      stack.pop();
      return;
    }
    case 'object': {
      const owner = writable(state, h.owner);
      if (owner === undefined) return;
      const refs = owner.refs;
      if (h.at !== undefined) {
        const i = slotOfPosition(refs, h.at);
        const r = i < 0 ? undefined : refs[i];
        if (r !== undefined && r.to === id && r.slot === h.slot) {
          removeRefAtSlot(refs, i);
          return;
        }
      }
      // Search from both ends: containers mostly drop their newest or their oldest
      // references (a stack, a queue, an LRU eviction). References with the same slot
      // and target are indistinguishable, so which one of them goes does not matter.
      for (let lo = 0, hi = refs.length - 1; lo <= hi; lo++, hi--) {
        const rh = refs[hi];
        if (rh !== undefined && rh.to === id && rh.slot === h.slot) {
          removeRefAtSlot(refs, hi);
          return;
        }
        const rl = refs[lo];
        if (rl !== undefined && rl.to === id && rl.slot === h.slot) {
          removeRefAtSlot(refs, lo);
          return;
        }
      }
      return;
    }
    case 'frame': {
      const frame = state.frames[h.frame];
      if (frame === undefined) return;
      // A slot being rebound already holds the new value (STORE_FAST stores, then drops the old).
      for (let i = frame.displaced.length - 1; i >= 0; i--) {
        const d = frame.displaced[i];
        if (d !== undefined && d.name === h.name && d.id === id) {
          removeAt(frame.displaced, i);
          return;
        }
      }
      if (!Object.hasOwn(frame.vars, h.name) || frame.vars[h.name] !== id) return;
      frame.vars[h.name] = undefined; // not `delete`: see Frame.vars
      // Slots mostly go in binding order (a frame's exit): search from the front by hand.
      const order = frame.varOrder;
      let i = 0;
      while (i < order.length && order[i] !== h.name) i++;
      if (i < order.length) removeAt(order, i);
      return;
    }
    case 'root': {
      const list = Object.hasOwn(state.roots, h.name) ? state.roots[h.name] : undefined;
      if (list === undefined) return;
      let i = list.length - 1;
      while (i >= 0 && list[i] !== id) i--;
      if (i >= 0) {
        for (let j = i; j < list.length - 1; j++) list[j] = list[j + 1] as ObjectId;
        list.pop();
      }
      if (list.length === 0) state.roots[h.name] = undefined; // not `delete`: keeps the table's shape (see HeapState.objects)
      return;
    }
  }
}

// ---------------------------------------------------------------------------------
// Generation lists (PyGC_Head links).

/** Take `obj` (writable: its caller had it from `writable`) out of its generation list. */
function unlink(state: S, obj: HeapObject): void {
  const list = state.gc.lists[obj.gen as GcListIndex];
  const prev = obj.gcPrev === NO_OBJECT ? undefined : writable(state, obj.gcPrev);
  const next = obj.gcNext === NO_OBJECT ? undefined : writable(state, obj.gcNext);
  if (prev === undefined) list.head = obj.gcNext;
  else prev.gcNext = obj.gcNext;
  if (next === undefined) list.tail = obj.gcPrev;
  else next.gcPrev = obj.gcPrev;
  list.length -= 1;
  obj.gen = NOT_TRACKED;
  obj.gcPrev = NO_OBJECT;
  obj.gcNext = NO_OBJECT;
}

/** Put `obj` (writable) at the tail of list `to`. */
function append(state: S, obj: HeapObject, to: number): void {
  const list = state.gc.lists[to as GcListIndex];
  obj.gen = to;
  obj.gcNext = NO_OBJECT;
  obj.gcPrev = list.tail;
  const tail = list.tail === NO_OBJECT ? undefined : writable(state, list.tail);
  if (tail === undefined) list.head = obj.id;
  else tail.gcNext = obj.id;
  list.tail = obj.id;
  list.length += 1;
}

function moveTo(state: S, id: ObjectId, to: number): void {
  const obj = writable(state, id);
  if (obj === undefined) return;
  if (obj.gen !== NOT_TRACKED) unlink(state, obj);
  append(state, obj, to);
}

/** `gc_list_merge(from, to)`: the whole of `from` goes to the tail of `to`, in order. */
export function appendList(state: S, from: GcListIndex, to: GcListIndex): void {
  const src = state.gc.lists[from];
  if (src.length === 0 || from === to) return;
  const dst = state.gc.lists[to];
  for (let cur = src.head; cur !== NO_OBJECT;) {
    const obj = writable(state, cur);
    if (obj === undefined) break;
    obj.gen = to;
    cur = obj.gcNext;
  }
  const first = state.objects[src.head]; // written above
  const last = dst.tail === NO_OBJECT ? undefined : writable(state, dst.tail);
  if (last === undefined) dst.head = src.head;
  else last.gcNext = src.head;
  if (first !== undefined) first.gcPrev = dst.tail;
  dst.tail = src.tail;
  dst.length += src.length;
  src.head = NO_OBJECT;
  src.tail = NO_OBJECT;
  src.length = 0;
}

/** The weakref no longer refers to `referent`: it leaves the referent's list and reads as None. */
function clearWeakref(state: S, weakref: ObjectId, referent: ObjectId): void {
  const table = state.weakrefs;
  if (table === undefined) return;
  if (Object.hasOwn(table.referent, weakref)) table.referent[weakref] = NO_OBJECT;
  const list = Object.hasOwn(table.list, referent) ? table.list[referent] : undefined;
  if (list === undefined) return;
  const i = list.indexOf(weakref);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) delete table.list[referent];
}

const olderGeneration = (state: S): GcListIndex => {
  const g = state.gc.collecting;
  return (g < 0 ? 2 : Math.min(g + 1, 2)) as GcListIndex;
};

// ---------------------------------------------------------------------------------
// Sizes.

function addLiveBytes(state: S, delta: number): void {
  const mem = state.memory;
  mem.liveBytes += delta;
  if (mem.liveBytes > mem.peakBytes) mem.peakBytes = mem.liveBytes;
}
