/*
 * The event vocabulary
 * ====================
 * Every change to the simulated heap is one of these immutable, JSON-serialisable
 * events. The heap state at any moment is the fold of the events so far
 * (`applyEvent`, evolve.ts); the runtime decides which events happen, the fold only
 * writes them down. Events record outcomes (the address chosen, the objects found
 * unreachable), so replaying a trace never re-runs allocator or collector policy.
 *
 * Every reference that is taken or dropped names its *holder*, so the reference graph
 * is known from the events alone: `refcount(x) == base(x) + number of holders of x`.
 *
 * The vocabulary is versioned (`EVENT_SCHEMA_VERSION`); a trace records the version it
 * was written with, and readers upcast older versions (replay package).
 * Each event is documented in packages/core/README.md.
 */

/**
 * Bumped whenever an event changes shape or meaning.
 * 1: the first vocabulary. 2: events gain `offset` (EventPosition); schema 1 events are
 * schema 2 events without it.
 */
export const EVENT_SCHEMA_VERSION = 2;

/** A simulated object, identified by a dense integer (never reused within a run). */
export type ObjectId = number & { readonly __brand: 'ObjectId' };
/** A running function (or module) frame. 3.11 frames are not heap objects (RC-12). */
export type FrameId = number & { readonly __brand: 'FrameId' };

export const objectId = (n: number): ObjectId => n as ObjectId;
export const frameId = (n: number): FrameId => n as FrameId;

/**
 * Who owns one strong reference.
 * - `object`: a slot of another object. `slot` is a label a reader understands: `item`
 *   (list/tuple/set element; its index is its position among the owner's item
 *   references), `key` / `value` (dict entry, with `key` naming the entry), `.name`
 *   (attribute), `__class__`, `cell_contents`, `__func__`, `__self__`, `__closure__`,
 *   `__defaults__`, `__dict__`, `__globals__`, `callback`, ... `at` positions the
 *   reference among the owner's references (insertion into a list); omitted, an
 *   incref appends and a decref removes the last matching reference.
 * - `frame`: a local variable (or cell/free variable slot) of a running frame.
 * - `stack`: a temporary on a frame's evaluation stack.
 * - `root`: the interpreter itself (`sys.modules`, the interned-string table, the
 *   small-int cache, `builtins`, a C temporary).
 */
export type Holder =
  | { readonly kind: 'object'; readonly owner: ObjectId; readonly slot: string; readonly at?: number }
  | { readonly kind: 'frame'; readonly frame: FrameId; readonly name: string }
  | { readonly kind: 'stack'; readonly frame: FrameId }
  | { readonly kind: 'root'; readonly name: string };

/** Where a deallocated object's memory went (RC-2, §5). */
export type FreeTarget = 'allocator' | 'freelist' | 'static';

export type ObjectAllocated = {
  readonly type: 'ObjectAllocated';
  readonly id: ObjectId;
  /** Python type name (`list`, `int`, a user class name ...). */
  readonly pyType: string;
  /** The runtime kind that decides layout and dealloc order (see objects.ts). */
  readonly kind: string;
  /** `sys.getsizeof` of the new object. */
  readonly size: number;
  /** Bytes of the object's own memory block when it differs from `size` (a list's struct without its item array). */
  readonly alloc?: number;
  /** Simulated address; `id(x)` reports it: the object's block plus its GC / managed-dict pre-header. */
  readonly addr: number;
  /** The type has Py_TPFLAGS_HAVE_GC (carries a GC header; may be tracked). */
  readonly gc: boolean;
  /** Taken from a per-type free list instead of the allocator (FL-2: not counted by the GC). */
  readonly fromFreelist?: boolean;
  /** References not represented by holders (3.11 static objects start at 999,999,999, RC-8). */
  readonly base?: number;
  /** Short repr for inspection (the value of an atom; containers are shown from their references). */
  readonly repr: string;
  /** The creator's reference (RC-1: a new object starts with a count of 1). */
  readonly holder: Holder;
};

export type RefIncremented = { readonly type: 'RefIncremented'; readonly id: ObjectId; readonly holder: Holder };
export type RefDecremented = { readonly type: 'RefDecremented'; readonly id: ObjectId; readonly holder: Holder };
/** A reference changes owner without a count change (STORE_FAST, arguments moved into a callee, BUILD_LIST). */
export type RefMoved = {
  readonly type: 'RefMoved';
  readonly id: ObjectId;
  readonly from: Holder;
  readonly to: Holder;
};
/** The object's count reached zero: its type's dealloc starts (RC-2). */
export type DeallocStarted = { readonly type: 'DeallocStarted'; readonly id: ObjectId };
/** The dealloc finished: the object is gone, its memory released to `to`. */
export type ObjectFreed = { readonly type: 'ObjectFreed'; readonly id: ObjectId; readonly to: FreeTarget };
/** `sys.getsizeof` changed (a list's item array or a dict's keys table was resized). */
export type ObjectResized = { readonly type: 'ObjectResized'; readonly id: ObjectId; readonly size: number };
/** The short repr of an atom-like object changed (rarely: a cell's display, a class name). */
export type ReprChanged = { readonly type: 'ReprChanged'; readonly id: ObjectId; readonly repr: string };

/** Appended at the tail of generation 0 (GC-T1, GC-S3). */
export type ObjectTracked = { readonly type: 'ObjectTracked'; readonly id: ObjectId };
/** Unlinked from its generation list in place (GC-T3..T6). */
export type ObjectUntracked = { readonly type: 'ObjectUntracked'; readonly id: ObjectId };

/**
 * `weakref.ref(referent[, callback])` made a new weak reference object (weakref.ts):
 * `weakref` now refers to `referent` without owning a reference, and is inserted at
 * index `at` of the referent's weakref list (CPython's `wr_list` order).
 */
export type WeakrefCreated = {
  readonly type: 'WeakrefCreated';
  readonly weakref: ObjectId;
  readonly referent: ObjectId;
  readonly at: number;
};
/**
 * A weak reference was cleared outside the collector: its referent is being deallocated
 * (RC-14 step 3, PyObject_ClearWeakRefs) or the weakref itself is (weakref_dealloc).
 * It now reads as None; it has left the referent's weakref list.
 */
export type WeakrefCleared = {
  readonly type: 'WeakrefCleared';
  readonly weakref: ObjectId;
  readonly referent: ObjectId;
};
/** A weak reference's callback is about to be called with the (already cleared) weakref. */
export type WeakrefCallbackRun = {
  readonly type: 'WeakrefCallbackRun';
  readonly weakref: ObjectId;
  readonly callback: ObjectId;
};

export type GcStarted = {
  readonly type: 'GcStarted';
  readonly generation: 0 | 1 | 2;
  /** Automatic collection (triggered by an allocation) or an explicit `gc.collect()`. */
  readonly reason: 'automatic' | 'manual';
};
/** GC-A6 done: the objects only cycles keep alive, in list order. */
export type GcUnreachableFound = {
  readonly type: 'GcUnreachableFound';
  readonly generation: 0 | 1 | 2;
  readonly ids: readonly ObjectId[];
  /** Objects first found tentatively unreachable, then moved back to the tail of the generation, in that order. */
  readonly revived?: readonly ObjectId[];
};
/** A finalizer (`__del__`, PEP 442) is about to run; the object's FINALIZED bit is set. */
export type GcFinalizerRun = { readonly type: 'GcFinalizerRun'; readonly id: ObjectId };
/** GC-A12: objects a finalizer made reachable again; they survive this collection. */
export type GcResurrected = { readonly type: 'GcResurrected'; readonly ids: readonly ObjectId[] };
/**
 * GC-A10: a weak reference to garbage (or a weakref that is garbage itself) was cleared
 * by the collector (its referent now reads as None). `callback`: its callback will be
 * called, because it has one and the weakref itself is not garbage.
 */
export type GcWeakrefCleared = {
  readonly type: 'GcWeakrefCleared';
  readonly weakref: ObjectId;
  readonly referent: ObjectId;
  readonly callback: boolean;
};
/** A `gc.callbacks` entry is about to be called with `phase`. */
export type GcCallbackRun = {
  readonly type: 'GcCallbackRun';
  readonly phase: 'start' | 'stop';
  readonly callback: ObjectId;
};
/** GC-A13: `tp_clear` is about to drop the references of one unreachable object. */
export type GcObjectCleared = { readonly type: 'GcObjectCleared'; readonly id: ObjectId };
/** GC-A8: the survivors of generation `from` are appended to generation `to`. */
export type GcSurvivorsPromoted = {
  readonly type: 'GcSurvivorsPromoted';
  readonly from: 0 | 1 | 2;
  readonly to: 0 | 1 | 2;
  readonly count: number;
};
/** Objects moved back to a generation list after surviving a phase (GC-A12, GC-A13). */
export type GcObjectsMoved = {
  readonly type: 'GcObjectsMoved';
  readonly ids: readonly ObjectId[];
  readonly to: 0 | 1 | 2;
};
export type GcFinished = {
  readonly type: 'GcFinished';
  readonly generation: 0 | 1 | 2;
  readonly collected: number;
  readonly uncollectable: number;
};
/** `gc.set_threshold`, `gc.enable`/`disable`, `gc.set_debug`. */
export type GcConfigChanged = {
  readonly type: 'GcConfigChanged';
  readonly thresholds?: readonly [number, number, number];
  readonly enabled?: boolean;
  readonly debug?: number;
};
/** `gc.freeze()`: generations 0, 1, 2 appended, in that order, to the permanent generation; all counts reset (GC-M9). `count`: objects moved. */
export type GcFrozen = { readonly type: 'GcFrozen'; readonly count: number };
/** `gc.unfreeze()`: the permanent generation appended to generation 2 (GC-M9). `count`: objects moved. */
export type GcUnfrozen = { readonly type: 'GcUnfrozen'; readonly count: number };

export type FrameEntered = {
  readonly type: 'FrameEntered';
  readonly frame: FrameId;
  /** Code name: `<module>`, a function name, `<listcomp>` ... */
  readonly name: string;
  readonly parent?: FrameId;
};
/** The frame's slots and stack were released (by the events before this one). */
export type FrameExited = { readonly type: 'FrameExited'; readonly frame: FrameId };
/** The interpreter starts executing a source line. */
export type LineExecuted = { readonly type: 'LineExecuted'; readonly line: number };
/** The program wrote to stdout. */
export type OutputWritten = { readonly type: 'OutputWritten'; readonly text: string };

// Memory (memory.ts, runtime/pymalloc.ts, runtime/freelists.ts). Addresses are block
// addresses: an object's own block starts at its GC (and managed-dict) pre-header, so
// `ObjectAllocated.addr` (what id() reports) is the block address plus that pre-header.

/** new_arena: arena object `arena` (head of the unused list) is mapped at `addr` and is the only usable arena. */
export type ArenaAllocated = { readonly type: 'ArenaAllocated'; readonly arena: number; readonly addr: number };
/** PM-8 case 1: the arena's pools are all empty and it is not the last usable arena: unmapped. */
export type ArenaFreed = { readonly type: 'ArenaFreed'; readonly arena: number };
/** allocate_from_new_pool: pool `pool` (arena * 64 + position) of the head usable arena now heads usedpools[sizeClass]. */
export type PoolInitialized = { readonly type: 'PoolInitialized'; readonly pool: number; readonly sizeClass: number };
/**
 * A block for a request of `size` bytes: pymalloc's (the head of its pool's free list,
 * PM-4) or the system allocator's (0 or > 512 bytes, PM-9). `owner` is the object it is
 * for; `buffer` names the owner's separate buffer (`items`, `keys`, `table`, `values`).
 */
export type BlockAllocated = {
  readonly type: 'BlockAllocated';
  readonly addr: number;
  readonly size: number;
  readonly owner?: ObjectId;
  readonly buffer?: string;
};
/** PM-10: a buffer was resized in place; its block now holds `size` bytes. */
export type BlockReallocated = {
  readonly type: 'BlockReallocated';
  readonly addr: number;
  readonly size: number;
  readonly owner: ObjectId;
  readonly buffer: string;
};
/** The block (of `size` requested bytes) went back to its pool's free list (PM-6) or to the system allocator. */
export type BlockFreed = {
  readonly type: 'BlockFreed';
  readonly addr: number;
  readonly size: number;
  readonly owner?: ObjectId;
  readonly buffer?: string;
};
/** A dead object's block (or a dict keys table) was parked on free list `list` instead of being freed (§5). */
export type FreelistPushed = {
  readonly type: 'FreelistPushed';
  readonly list: string;
  readonly addr: number;
  readonly owner?: ObjectId;
  readonly buffer?: string;
};
/** The block on top of free list `list` was taken for a new object (or keys table) (FL-2). */
export type FreelistPopped = {
  readonly type: 'FreelistPopped';
  readonly list: string;
  readonly addr: number;
  readonly owner?: ObjectId;
  readonly buffer?: string;
};
/** A full collection emptied free list `list` (GC-A16, FL-3); BlockFreed events for its blocks follow, top first. */
export type FreelistCleared = { readonly type: 'FreelistCleared'; readonly list: string };

/**
 * Where an event comes from, besides its source line (the last LineExecuted): `offset`
 * is the byte offset, in its code object, of the instruction that caused the event (what
 * `dis` prints beside the instruction, CPython's `f_lasti * 2`), in the frame that is
 * running before the event (the state's `currentFrame`: a FrameEntered carries the
 * caller's CALL, a FrameExited the callee's RETURN_VALUE or YIELD_VALUE). Absent where
 * no instruction of that frame is running: interpreter startup and shutdown, a frame's
 * set-up before its first instruction (arguments moved in), and traces of schema 1.
 */
export type EventPosition = { readonly offset?: number };

export type MemEvent = (
  | ObjectAllocated
  | RefIncremented
  | RefDecremented
  | RefMoved
  | DeallocStarted
  | ObjectFreed
  | ObjectResized
  | ReprChanged
  | ObjectTracked
  | ObjectUntracked
  | WeakrefCreated
  | WeakrefCleared
  | WeakrefCallbackRun
  | GcStarted
  | GcUnreachableFound
  | GcFinalizerRun
  | GcResurrected
  | GcWeakrefCleared
  | GcCallbackRun
  | GcObjectCleared
  | GcSurvivorsPromoted
  | GcObjectsMoved
  | GcFinished
  | GcConfigChanged
  | GcFrozen
  | GcUnfrozen
  | FrameEntered
  | FrameExited
  | LineExecuted
  | OutputWritten
  | ArenaAllocated
  | ArenaFreed
  | PoolInitialized
  | BlockAllocated
  | BlockReallocated
  | BlockFreed
  | FreelistPushed
  | FreelistPopped
  | FreelistCleared
) &
  EventPosition;

export type MemEventType = MemEvent['type'];

/** Every event type, in documentation order (README.md lists them in this order). */
export const EVENT_TYPES = [
  'ObjectAllocated',
  'RefIncremented',
  'RefDecremented',
  'RefMoved',
  'DeallocStarted',
  'ObjectFreed',
  'ObjectResized',
  'ReprChanged',
  'ObjectTracked',
  'ObjectUntracked',
  'WeakrefCreated',
  'WeakrefCleared',
  'WeakrefCallbackRun',
  'GcStarted',
  'GcUnreachableFound',
  'GcFinalizerRun',
  'GcResurrected',
  'GcWeakrefCleared',
  'GcCallbackRun',
  'GcObjectCleared',
  'GcSurvivorsPromoted',
  'GcObjectsMoved',
  'GcFinished',
  'GcConfigChanged',
  'GcFrozen',
  'GcUnfrozen',
  'FrameEntered',
  'FrameExited',
  'LineExecuted',
  'OutputWritten',
  'ArenaAllocated',
  'ArenaFreed',
  'PoolInitialized',
  'BlockAllocated',
  'BlockReallocated',
  'BlockFreed',
  'FreelistPushed',
  'FreelistPopped',
  'FreelistCleared',
] as const satisfies readonly MemEventType[];

/** A readable one-line form of a holder: `frame 1 var x`, `#12.item`, `root interned`. */
export function formatHolder(h: Holder): string {
  switch (h.kind) {
    case 'object':
      return `#${h.owner}.${h.slot}${h.at === undefined ? '' : `@${h.at}`}`;
    case 'frame':
      return `frame ${h.frame} var ${h.name}`;
    case 'stack':
      return `frame ${h.frame} stack`;
    case 'root':
      return `root ${h.name}`;
  }
}
