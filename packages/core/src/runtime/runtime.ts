/*
 * The runtime: reference counting
 * ===============================
 * The decider. It reads the current heap state, applies CPython 3.11's rules and emits
 * events; every emitted event is applied at once to the runtime's working state by
 * `applyEvent` (the only writer) and pushed on `events$`. When nobody records or
 * observes (no `log`, no subscriber), the most frequent events are applied by their
 * transitions in evolve.ts directly, without building the event objects (`unobserved`).
 * The runtime never writes state any other way, so folding its events from
 * `emptyHeap()` gives its state exactly.
 *
 * Source: Include/object.h (Py_INCREF/Py_DECREF), Objects/object.c (_Py_Dealloc,
 * _PyTrash_begin/_PyTrash_end/_PyTrash_thread_destroy_chain), Objects/listobject.c
 * list_dealloc, tupleobject.c tupledealloc, dictobject.c dict_dealloc, typeobject.c
 * subtype_dealloc, Python/sysmodule.c sys_getrefcount_impl.
 *
 * Read first: `decref`, then `dealloc` and `deallocBody`.
 *
 * Vocabulary:
 *   holder   who owns a reference (events.ts `Holder`); every incref and decref names one.
 *   base     references not held by anyone we model (3.11 static objects, RC-8).
 *   trashcan container deallocs nested deeper than TRASH_UNWIND_LEVEL are deferred to a
 *            LIFO list and run when the outermost dealloc unwinds (RC-15), which bounds
 *            the recursion and gives CPython's order for deep structures.
 *
 * Invariants (checked by checkInvariants after every event in tests):
 *   - refcount(x) == base(x) + number of holders of x;
 *   - no holder refers to a freed object;
 *   - an object is freed exactly when its count reaches zero (and not resurrected).
 *
 * Worked example (RC-13): `del l` where l = [D(1), D(2)] and nothing else holds them:
 *   RefDecremented l (frame var l) -> 0 -> DeallocStarted l, ObjectUntracked l,
 *   RefDecremented D(2) (l.item@1) -> 0 -> ... D(2) freed, then D(1), then ObjectFreed l.
 *
 * Memory: where each object and buffer lives (free lists, pymalloc, the system
 * allocator) is decided in objectMemory.ts, pymalloc.ts and freelists.ts; the runtime
 * calls them from `allocate`, `setBuffer` and the end of a dealloc.
 */
import { Subject } from 'rxjs';
import { Defect } from '../errors.js';
import { positionOfSlot, refAtPosition, refCount } from '../refList.js';
import {
  applyEvent,
  deallocStarted,
  frameEntered,
  frameExited,
  objectAllocated,
  objectFreed,
  objectTracked,
  objectUntracked,
  refDecremented,
  refIncremented,
  refMoved,
} from '../evolve.js';
import { applyBlockAllocated, applyBlockFreed, applyFreelistPopped, applyFreelistPushed } from '../memory.js';
import {
  frameId,
  objectId,
  type FrameId,
  type FreeTarget,
  type Holder,
  type FrameEntered,
  type MemEvent,
  type ObjectAllocated,
  type ObjectId,
} from '../events.js';
import { emptyHeap, NOT_TRACKED, type Frame, type HeapObject, type HeapState, type Ref } from '../state.js';
import { formatMallocStats } from '../views/mallocStats.js';
import { clearFreeLists } from './freelists.js';
import { placeObject, placedFromFreelist, releaseObjectMemory, setBuffer } from './objectMemory.js';
import { blockEvent } from './pymalloc.js';
import { collectGenerations, freeze, gcCollect, unfreeze, type GcHooks, type Generation } from './gc.js';
import { kindInfo } from './kinds.js';
import { clearWeakrefsAtDealloc, newWeakref, weakrefReferent, type WeakrefSpec } from './weakref.js';

/** subtype_dealloc's `type`: the class reference held from the instance's free to its own release. */
const DEALLOC_TYPE_REF: Holder = { kind: 'root', name: 'dealloc' };
const isClassSlot = (slot: string): boolean => slot === '__class__';

/** The instance's reference to its class. */
function classRef(obj: HeapObject): Ref | undefined {
  for (const r of obj.refs) if (r !== undefined && r.slot === '__class__') return r;
  return undefined;
}

/** `(`: frame slots named in parentheses are the frame's own references (function, code). */
const OPEN_PAREN = 40;

/** `_PyTrash_UNWIND_LEVEL` (Include/cpython/object.h, 3.11). */
export const TRASH_UNWIND_LEVEL = 50;

/** What the interpreter supplies: Python-level behaviour the memory model calls back into. */
export interface RuntimeHooks extends GcHooks {
  /** The object's type defines `__del__` (tp_finalize). */
  hasFinalizer(id: ObjectId): boolean;
  /** Run the object's `__del__`. Resurrection is seen in the refcount afterwards. */
  runFinalizer(id: ObjectId): void;
  /** The object's memory was released; the interpreter forgets its value. */
  freed(id: ObjectId): void;
}

const noHooks: RuntimeHooks = {
  hasFinalizer: () => false,
  runFinalizer: () => undefined,
  freed: () => undefined,
};

/** The event budget (`maxEvents`) ran out: the run stops here; everything emitted so far stands. */
export class EventBudgetExceeded extends Error {
  override readonly name = 'EventBudgetExceeded';
}

export interface RuntimeOptions {
  /** Stop the run (throw EventBudgetExceeded) once this many events have been emitted. */
  readonly maxEvents?: number;
  /**
   * Asked every 4096 events: a reason to stop the run now (Ctrl-C), or undefined. The run
   * stops as with `maxEvents`: everything emitted so far stands.
   */
  readonly interrupted?: () => string | undefined;
  readonly hooks?: Partial<RuntimeHooks>;
  /** Keep every emitted event in `log` (tests, small programs). */
  readonly record?: boolean;
  /** Start from this state instead of an empty heap (it becomes the runtime's working state). */
  readonly state?: HeapState;
}

/** What a new object looks like; the runtime picks its id and address. */
export interface ObjectSpec {
  readonly pyType: string;
  readonly kind: string;
  readonly size: number;
  readonly alloc?: number;
  readonly repr: string;
  readonly base?: number;
  /**
   * `false`: allocated by tp_alloc, never from a free list (`list()`, `dict()` calls).
   * Otherwise the runtime takes an exact float, list, dict or 1..19-tuple from its free list when it can.
   */
  readonly fromFreelist?: boolean;
  /** A tuple's length (the tuple free lists are per length); derived from `size` when absent. */
  readonly items?: number;
  /** Statically allocated (no memory is taken or freed); default: the spec has a `base` (RC-8, RC-9). */
  readonly static?: boolean;
  /** Track at creation even when the kind is not (or not track when it is). */
  readonly track?: boolean;
}

export class Runtime {
  readonly state: HeapState;
  private readonly subject = new Subject<MemEvent>();
  /** Set once `events$` has been handed out: only then can anyone be subscribed. */
  private shared = false;
  readonly log: MemEvent[] | undefined;
  hooks: RuntimeHooks;
  private trashNesting = 0;
  private readonly trashLater: ObjectId[] = [];
  private readonly maxEvents: number;
  private readonly interrupted: (() => string | undefined) | undefined;
  /** The event count at which the interrupt check or the budget is next due (see `counted`). */
  private checkAt = 0;
  /** `gcstate->collecting`: a collection (with its gc.callbacks) is running (gc.ts). */
  collecting = false;
  /** Exited frames, emptied, for enterFrame to reuse when unobserved (see exitFrame). */
  private readonly spareFrames: Frame[] = [];
  /**
   * When nobody keeps events, a transition reads the holder it is given and drops it, so
   * the reference methods that take a holder's fields fill in one of these instead of
   * building a new holder each time (see `frameHolder`, `objectHolder`).
   */
  private readonly scratchFrame: { kind: 'frame'; frame: FrameId; name: string } = {
    kind: 'frame',
    frame: frameId(1),
    name: '',
  };
  private readonly scratchObject: { kind: 'object'; owner: ObjectId; slot: string; at: number | undefined } = {
    kind: 'object',
    owner: objectId(1),
    slot: '',
    at: undefined,
  };

  constructor(options: RuntimeOptions = {}) {
    this.state = options.state ?? emptyHeap();
    this.log = options.record === true ? [] : undefined;
    this.hooks = { ...noHooks, ...options.hooks };
    this.maxEvents = options.maxEvents ?? Infinity;
    this.interrupted = options.interrupted;
    this.scheduleCheck();
  }

  /**
   * Where the interpreter is (set by it): the byte offset of the instruction running in
   * the state's current frame, or -1 when none is (see EventPosition). Asked once per
   * event that is built (never when unobserved); `emit` writes it into the event.
   */
  instructionOffset: (() => number) | undefined;

  /** Apply one decided event to the working state and publish it. */
  emit(event: MemEvent): void {
    if (this.instructionOffset !== undefined) {
      // Asked before the event is applied: the frame running before it caused it.
      const offset = this.instructionOffset();
      if (offset >= 0) (event as { offset?: number }).offset = offset;
    }
    applyEvent(this.state, event);
    this.log?.push(event);
    if (this.shared && this.subject.observed) this.subject.next(event); // Subject.next costs even with no subscriber
    this.counted();
  }

  /**
   * Nobody records or observes the events: the reference and dealloc events (most of a
   * run) are applied by their transitions directly, without building event objects. The
   * state is the same either way (the fold of the events a recording run emits; tested).
   */
  private get unobserved(): boolean {
    // Asked on every event: a run whose events$ was never asked for skips the Subject.
    return this.log === undefined && (!this.shared || !this.subject.observed);
  }

  /** Every event as it is applied (subscribe before the first one to see the whole run). */
  get events$(): Subject<MemEvent> {
    this.shared = true;
    return this.subject;
  }

  /** The interrupt check, for work that makes no events (an empty loop): stops the run when asked. */
  poll(): void {
    if (this.interrupted !== undefined) {
      const reason = this.interrupted();
      if (reason !== undefined) throw new EventBudgetExceeded(reason);
    }
  }

  /**
   * After each event: the interrupt check (every 4096 events) and the event budget. One
   * comparison per event: `checkAt` is the next event count at which either is due.
   */
  private counted(): void {
    if (this.state.seq >= this.checkAt) this.check();
  }

  private check(): void {
    const seq = this.state.seq;
    if (seq % 4096 === 0 && this.interrupted !== undefined) {
      const reason = this.interrupted();
      if (reason !== undefined) throw new EventBudgetExceeded(reason);
    }
    if (seq >= this.maxEvents) throw new EventBudgetExceeded(`stopped after ${this.maxEvents} events (--max-events)`);
    this.scheduleCheck();
  }

  /** The next event count at which `check` has something to do. */
  private scheduleCheck(): void {
    const seq = this.state.seq;
    const poll = this.interrupted === undefined ? Infinity : seq - (seq % 4096) + 4096;
    this.checkAt = Math.min(poll, this.maxEvents);
  }

  object(id: ObjectId): HeapObject {
    const obj = this.state.objects[id];
    if (obj === undefined) throw new Defect(`object #${id} is not alive`);
    return obj;
  }

  isAlive(id: ObjectId): boolean {
    return this.state.objects[id] !== undefined;
  }

  // -------------------------------------------------------------------------------
  // Allocation.

  /**
   * A new object with one reference owned by `holder` (RC-1). Its memory comes first (a
   * free list, pymalloc or the system allocator: objectMemory.ts). A GC object not taken
   * from a free list counts towards `count[0]` (GC-C1) and may trigger an automatic
   * collection inside the allocation, before it is tracked (GC-C3).
   */
  allocate(spec: ObjectSpec, holder: Holder): ObjectId {
    const id = objectId(this.state.allocated + 1);
    const info = kindInfo(spec.kind);
    const addr = placeObject(this, spec, id, info.gc);
    const fromFreelist = placedFromFreelist;
    if (this.unobserved) {
      // The transition reads the spec's fields where the event would carry them.
      this.state.seq += 1;
      objectAllocated(this.state, id, spec, addr, info.gc, fromFreelist, holder);
      this.counted();
      if (info.gc && !fromFreelist) this.maybeCollect();
      if (spec.track ?? info.trackedAtCreation) this.tracked(id);
      return id;
    }
    // Built field by field (no temporary spread objects: this is the hottest allocation path).
    const event: { -readonly [K in keyof ObjectAllocated]: ObjectAllocated[K] } = {
      type: 'ObjectAllocated',
      id,
      pyType: spec.pyType,
      kind: spec.kind,
      size: spec.size,
      addr,
      gc: info.gc,
      repr: spec.repr,
      holder,
    };
    if (spec.alloc !== undefined && spec.alloc !== spec.size) event.alloc = spec.alloc;
    if (fromFreelist) event.fromFreelist = true;
    if (spec.base !== undefined) event.base = spec.base;
    this.emit(event);
    if (info.gc && !fromFreelist) this.maybeCollect();
    if (spec.track ?? info.trackedAtCreation) this.emit({ type: 'ObjectTracked', id });
    return id;
  }

  // -------------------------------------------------------------------------------
  // Reference counting.

  incref(id: ObjectId, holder: Holder): void {
    if (this.unobserved) {
      this.state.seq += 1;
      refIncremented(this.state, id, holder);
      this.counted();
    } else this.emit({ type: 'RefIncremented', id, holder });
  }

  // The events every dealloc emits, applied by their transition directly when unobserved,
  // as the reference events are (no event object, no dispatch on its type).

  /** ObjectTracked, applied directly when unobserved. */
  private tracked(id: ObjectId): void {
    if (this.unobserved) {
      this.state.seq += 1;
      objectTracked(this.state, id);
      this.counted();
    } else this.emit({ type: 'ObjectTracked', id });
  }

  /** BlockAllocated (pymalloc.ts): `owner`, and `buffer` for a buffer, when known. */
  blockAllocated(addr: number, size: number, owner: ObjectId | undefined, buffer: string | undefined): void {
    if (this.unobserved) {
      this.state.seq += 1;
      applyBlockAllocated(this.state.memory, addr, size, owner, buffer);
      this.counted();
    } else this.emit(blockEvent('BlockAllocated', addr, size, owner, buffer));
  }

  /**
   * FreelistPushed (the block of `owner`, or of its buffer `buffer`, parked on `list`) or
   * FreelistPopped (the top of `list` taken for it): objectMemory.ts.
   */
  freelist(
    type: 'FreelistPushed' | 'FreelistPopped',
    list: string,
    addr: number,
    owner: ObjectId,
    buffer?: string,
  ): void {
    if (this.unobserved) {
      this.state.seq += 1;
      (type === 'FreelistPushed' ? applyFreelistPushed : applyFreelistPopped)(
        this.state.memory,
        list,
        addr,
        owner,
        buffer,
      );
      this.counted();
    } else this.emit(buffer === undefined ? { type, list, addr, owner } : { type, list, addr, owner, buffer });
  }

  /** ObjectFreed (objectMemory.ts). */
  objectFreed(id: ObjectId, to: FreeTarget): void {
    if (this.unobserved) {
      this.state.seq += 1;
      objectFreed(this.state, id, to);
      this.counted();
    } else this.emit({ type: 'ObjectFreed', id, to });
  }

  /** BlockFreed (pymalloc.ts): `owner`, and `buffer` for a buffer, when known. */
  blockFreed(addr: number, size: number, owner: ObjectId | undefined, buffer: string | undefined): void {
    if (this.unobserved) {
      this.state.seq += 1;
      applyBlockFreed(this.state.memory, addr, size, owner, buffer);
      this.counted();
    } else this.emit(blockEvent('BlockFreed', addr, size, owner, buffer));
  }

  /** GcObjectCleared (gc.ts): nothing changes but the event count. */
  gcObjectCleared(id: ObjectId): void {
    if (this.unobserved) {
      this.state.seq += 1;
      this.counted();
    } else this.emit({ type: 'GcObjectCleared', id });
  }

  /** Py_DECREF: at zero the object is destroyed at once, before this returns (RC-2). */
  decref(id: ObjectId, holder: Holder): void {
    // The working state is mutated in place, so the object read before the event is the
    // one the event updates (one table lookup instead of two on the hottest path).
    const obj = this.state.objects[id];
    if (obj === undefined) throw new Defect(`decref of freed object #${id}`);
    if (this.unobserved) {
      this.state.seq += 1;
      refDecremented(this.state, id, holder);
      this.counted();
    } else this.emit({ type: 'RefDecremented', id, holder });
    if (obj.refcount < 0) throw new Defect(`negative refcount on #${id} (${obj.pyType})`);
    if (obj.refcount === 0) this.dealloc(id);
  }

  /** A reference changes owner without a count change (STORE_FAST, argument passing, BUILD_LIST). */
  move(id: ObjectId, from: Holder, to: Holder): void {
    if (this.unobserved) {
      this.state.seq += 1;
      refMoved(this.state, id, from, to);
      this.counted();
    } else this.emit({ type: 'RefMoved', id, from, to });
  }

  /** `sys.getrefcount(x)`: the count while the call's own argument also holds x (RC-7). */
  refcount(id: ObjectId): number {
    return this.object(id).refcount;
  }

  track(id: ObjectId): void {
    if (this.object(id).gen === NOT_TRACKED) this.tracked(id);
  }

  untrack(id: ObjectId): void {
    if (this.object(id).gen !== NOT_TRACKED) this.emit({ type: 'ObjectUntracked', id });
  }

  resize(id: ObjectId, size: number): void {
    if (this.object(id).size !== size) this.emit({ type: 'ObjectResized', id, size });
  }

  // -------------------------------------------------------------------------------
  // Deallocation.

  /** `_Py_Dealloc` through the trashcan of container types (RC-15). */
  private dealloc(id: ObjectId): void {
    const info = kindInfo(this.object(id).kind);
    if (!info.trashcan) {
      this.deallocBody(id);
      return;
    }
    // Py_TRASHCAN_BEGIN: too deep, so deposit the object for later.
    if (this.trashNesting >= TRASH_UNWIND_LEVEL) {
      this.trashLater.push(id);
      return;
    }
    this.trashNesting += 1;
    this.deallocBody(id);
    // Py_TRASHCAN_END
    this.trashNesting -= 1;
    if (this.trashLater.length > 0 && this.trashNesting <= 0) this.destroyTrashChain();
  }

  /** `_PyTrash_thread_destroy_chain`: deposited objects, last deposited first. */
  private destroyTrashChain(): void {
    for (let op = this.trashLater.pop(); op !== undefined; op = this.trashLater.pop()) {
      this.trashNesting += 1;
      this.dealloc(op);
      this.trashNesting -= 1;
    }
  }

  private deallocBody(id: ObjectId): void {
    const obj = this.object(id);
    const info = kindInfo(obj.kind);
    const unobserved = this.unobserved; // nothing runs between these two events
    if (unobserved) {
      this.state.seq += 1;
      deallocStarted(this.state, id);
      this.counted();
    } else this.emit({ type: 'DeallocStarted', id });
    // Step 1: untrack (GC-T6).
    if (obj.gen !== NOT_TRACKED) {
      if (unobserved) {
        this.state.seq += 1;
        objectUntracked(this.state, id);
        this.counted();
      } else this.emit({ type: 'ObjectUntracked', id });
    }
    // Step 2 (subtype_dealloc): __del__ runs once, with the object re-tracked and a
    // temporary reference; if it is still referenced afterwards it was resurrected.
    if (info.finalizer && !obj.finalized && this.hooks.hasFinalizer(id)) {
      if (this.finalizeFromDealloc(id)) return;
    }
    // Step 3: weak references cleared, their callbacks called (weakref.ts).
    clearWeakrefsAtDealloc(this, id);
    // Step 4: what the object holds, in its type's order (RC-13). An instance keeps
    // its class reference until after its memory is freed (subtype_dealloc's `type`).
    if (info.release !== 'classLast') {
      this.releaseAll(id, info.release);
      releaseObjectMemory(this, obj); // buffers, then ObjectFreed, then the block (free list or allocator)
      this.hooks.freed(id);
      return;
    }
    this.releaseAll(id, info.release, isClassSlot);
    const cls = classRef(obj);
    if (cls !== undefined) this.move(cls.to, this.objectHolder(id, '__class__', undefined), DEALLOC_TYPE_REF);
    // Step 5: the memory goes back.
    releaseObjectMemory(this, obj);
    this.hooks.freed(id);
    // Step 6: the class reference.
    if (cls !== undefined) this.decref(cls.to, DEALLOC_TYPE_REF);
  }

  /** PyObject_CallFinalizerFromDealloc. Returns true when the object was resurrected. */
  private finalizeFromDealloc(id: ObjectId): boolean {
    const temp: Holder = { kind: 'root', name: 'finalizer' };
    this.emit({ type: 'ObjectTracked', id });
    this.emit({ type: 'RefIncremented', id, holder: temp });
    this.emit({ type: 'GcFinalizerRun', id });
    this.hooks.runFinalizer(id);
    this.emit({ type: 'RefDecremented', id, holder: temp });
    if (this.object(id).refcount > 0) return true;
    this.emit({ type: 'ObjectUntracked', id });
    return false;
  }

  /** Drop every reference the object holds, in `order`. */
  releaseAll(id: ObjectId, order: 'forward' | 'reverse' | 'classLast', keep?: (slot: string) => boolean): void {
    const obj = this.object(id);
    // Fast paths: nothing kept, so the next reference is simply the last or the first
    // (positions count the references present: a long list may have empty slots, refList.ts).
    if (keep === undefined && order !== 'classLast') {
      // No closure for the next position: this runs for every object freed, most of which hold nothing.
      const reverse = order === 'reverse';
      for (let at = reverse ? refCount(obj.refs) - 1 : 0, ref = refAtPosition(obj.refs, at); ref !== undefined;) {
        this.decref(ref.to, this.objectHolder(id, ref.slot, at));
        at = reverse ? refCount(obj.refs) - 1 : 0;
        ref = refAtPosition(obj.refs, at);
      }
      return;
    }
    for (;;) {
      const refs = obj.refs;
      let slot = -1;
      if (order === 'reverse') {
        for (let i = refs.length - 1; i >= 0; i--) {
          const r = refs[i];
          if (r !== undefined && (keep === undefined || !keep(r.slot))) {
            slot = i;
            break;
          }
        }
      } else {
        for (let i = 0; i < refs.length; i++) {
          const r = refs[i];
          if (r === undefined) continue;
          if ((order !== 'classLast' || r.slot !== '__class__') && (keep === undefined || !keep(r.slot))) {
            slot = i;
            break;
          }
        }
        if (slot < 0 && order === 'classLast' && keep === undefined) {
          slot = refs.findIndex((r) => r !== undefined);
        }
      }
      const ref = slot < 0 ? undefined : refs[slot];
      if (ref === undefined) return;
      this.decref(ref.to, this.objectHolder(id, ref.slot, positionOfSlot(refs, slot)));
    }
  }

  // -------------------------------------------------------------------------------
  // Memory (objectMemory.ts, freelists.ts, pymalloc.ts do the work).

  /**
   * Allocate (first call), resize (new size) or free (0 bytes) the separate buffer `name`
   * of a live object: `items` (a list's item array, resized by realloc, PM-10), `keys` (a
   * dict's keys table), `table` (a set's table beyond 8 slots), `values` (an instance's
   * values array). A dealloc releases the buffers still held. `sys.getsizeof` is set
   * separately with `resize`.
   */
  setBuffer(owner: ObjectId, name: string, bytes: number): void {
    this.object(owner);
    setBuffer(this, owner, name, bytes);
  }

  /** GC-A16, FL-3: a full collection empties the free lists (gc.ts calls this). */
  clearFreeLists(): void {
    clearFreeLists(this);
  }

  /** The text `sys._debugmallocstats()` writes to stderr (PM-14), from the current state. */
  debugMallocStats(): string {
    return formatMallocStats(this.state);
  }

  // -------------------------------------------------------------------------------
  // Frames.

  enterFrame(name: string): FrameId {
    const id = frameId(this.state.framesEntered + 1);
    const parent = this.state.currentFrame;
    if (this.unobserved) {
      this.state.seq += 1;
      frameEntered(this.state, id, name, parent, this.spareFrames.pop());
      this.counted();
      return id;
    }
    // Built without a spread (one per call).
    const event: { -readonly [K in keyof FrameEntered]: FrameEntered[K] } = { type: 'FrameEntered', frame: id, name };
    if (parent !== 0) event.parent = frameId(parent);
    this.emit(event);
    return id;
  }

  /**
   * `_PyFrame_Clear`: the local slots in slot order (`order`, co_varnames: parameters
   * first; slots not named there follow in binding order), then what is left on the
   * evaluation stack, bottom first, then the frame's references to its function and
   * code (slots named `(function)` and `(code)`).
   */
  exitFrame(frame: FrameId, order: readonly string[] = []): void {
    const f = this.state.frames[frame];
    if (f === undefined) throw new Defect(`frame ${frame} is not running`);
    // Releasing a slot removes it from varOrder, and nothing binds a slot of an exiting
    // frame, so what varOrder still lists after each pass is what the next pass releases.
    // (No lists built in the common case: a frame exits on every call.)
    for (let i = 0; i < order.length; i++) this.releaseSlot(f, order[i] as string);
    // Slots `order` does not name, in binding order; then the stack, bottom first.
    const extra = this.slotsLeft(f, false);
    if (extra !== undefined) for (const name of extra) this.releaseSlot(f, name);
    if (f.stack.length > 0) {
      const stack: Holder = { kind: 'stack', frame };
      for (let bottom = f.stack[0]; bottom !== undefined; bottom = f.stack[0]) this.decref(bottom, stack);
    }
    // The special slots, named in parentheses: the function and code first.
    this.releaseSlot(f, '(function)');
    this.releaseSlot(f, '(code)');
    const special = this.slotsLeft(f, true);
    if (special !== undefined) for (const name of special) this.releaseSlot(f, name);
    if (this.unobserved) {
      this.state.seq += 1;
      frameExited(this.state, frame);
      this.counted();
      // Nothing else holds the working state's frames when unobserved: an emptied one is
      // kept for the next call (its slot table and lists keep their room).
      if (f.varOrder.length === 0 && f.displaced.length === 0 && this.spareFrames.length < 64) this.spareFrames.push(f);
    } else this.emit({ type: 'FrameExited', frame });
  }

  /** The slots the frame still binds, special (parenthesised) or not, in binding order; undefined for none. */
  private slotsLeft(f: Frame, special: boolean): string[] | undefined {
    let out: string[] | undefined;
    for (const n of f.varOrder) if ((n.charCodeAt(0) === OPEN_PAREN) === special) (out ??= []).push(n);
    return out;
  }

  /** The frame's slot `name` lets go of what it holds, if anything. */
  private releaseSlot(f: Frame, name: string): void {
    const id = Object.hasOwn(f.vars, name) ? f.vars[name] : undefined;
    if (id !== undefined) this.decref(id, this.frameHolder(f.id, name));
  }

  /**
   * The holder of a frame slot, for one reference operation: the scratch holder when
   * unobserved (valid until the next one), else a new holder for the event to keep.
   */
  private frameHolder(frame: FrameId, name: string): Holder {
    if (!this.unobserved) return { kind: 'frame', frame, name };
    const h = this.scratchFrame;
    h.frame = frame;
    h.name = name;
    return h;
  }

  /** The holder of an object's reference, like `frameHolder`. */
  private objectHolder(owner: ObjectId, slot: string, at: number | undefined): Holder {
    if (!this.unobserved)
      return at === undefined ? { kind: 'object', owner, slot } : { kind: 'object', owner, slot, at };
    const h = this.scratchObject;
    h.owner = owner;
    h.slot = slot;
    h.at = at;
    return h as Holder; // `at: undefined` reads as no position, as the transitions treat it
  }

  // Reference operations on a frame slot or an object's reference, given the holder's
  // fields (the interpreter's hottest stores: no holder object built when unobserved).

  /** incref(id, frame slot `name`). */
  increfSlot(id: ObjectId, frame: FrameId, name: string): void {
    this.incref(id, this.frameHolder(frame, name));
  }

  /** move(id, from, frame slot `name`). */
  moveToSlot(id: ObjectId, from: Holder, frame: FrameId, name: string): void {
    this.move(id, from, this.frameHolder(frame, name));
  }

  /** decref(id, frame slot `name`). */
  decrefSlot(id: ObjectId, frame: FrameId, name: string): void {
    this.decref(id, this.frameHolder(frame, name));
  }

  /** incref(id, `owner`'s reference in `slot`, at `at`). */
  increfRef(id: ObjectId, owner: ObjectId, slot: string, at?: number): void {
    this.incref(id, this.objectHolder(owner, slot, at));
  }

  /** move(id, from, `owner`'s reference in `slot`, at `at`). */
  moveToRef(id: ObjectId, from: Holder, owner: ObjectId, slot: string, at?: number): void {
    this.move(id, from, this.objectHolder(owner, slot, at));
  }

  /** decref(id, `owner`'s reference in `slot`, at `at`). */
  decrefRef(id: ObjectId, owner: ObjectId, slot: string, at?: number): void {
    this.decref(id, this.objectHolder(owner, slot, at));
  }

  line(n: number): void {
    if (this.state.line === n) return;
    if (this.unobserved) {
      // LineExecuted's transition, without the event object (a statement's every line).
      this.state.seq += 1;
      this.state.line = n;
      this.counted();
    } else this.emit({ type: 'LineExecuted', line: n });
  }

  output(text: string): void {
    this.emit({ type: 'OutputWritten', text });
  }

  // -------------------------------------------------------------------------------
  // The cyclic collector (gc.ts does the work).

  /** GC-C3: the automatic trigger, run inside a GC allocation. */
  private maybeCollect(): void {
    const gc = this.state.gc;
    if (gc.enabled && gc.thresholds[0] !== 0 && !this.collecting && gc.counts[0] > gc.thresholds[0]) {
      collectGenerations(this);
    }
  }

  /**
   * `gc.collect(generation)`: the number of unreachable objects found (GC-R1), 0 when a
   * collection is already running (GC-R2). The caller checks 0 <= generation <= 2.
   */
  collect(generation: Generation = 2): number {
    return gcCollect(this, generation);
  }

  /** `gc.set_threshold`: the caller fills omitted arguments from `state.gc.thresholds` (GC-M1). */
  setThresholds(thresholds: readonly [number, number, number]): void {
    this.emit({ type: 'GcConfigChanged', thresholds });
  }

  /** `gc.enable()` / `gc.disable()` (GC-M10). */
  setEnabled(enabled: boolean): void {
    this.emit({ type: 'GcConfigChanged', enabled });
  }

  /** `gc.set_debug(flags)` (GC-M4). */
  setDebug(flags: number): void {
    this.emit({ type: 'GcConfigChanged', debug: flags });
  }

  /** `gc.freeze()`: every tracked object moves to the permanent generation (GC-M9). */
  freeze(): void {
    freeze(this);
  }

  /** `gc.unfreeze()`: the permanent generation goes back to generation 2 (GC-M9). */
  unfreeze(): void {
    unfreeze(this);
  }

  // -------------------------------------------------------------------------------
  // Weak references (weakref.ts does the work).

  /**
   * `weakref.ref(referent, callback)`: a new weakref owned by `holder`, or, without a
   * callback, the existing callback-less one with a new reference. Pass `undefined` for None.
   */
  newWeakref(referent: ObjectId, callback: ObjectId | undefined, holder: Holder, spec?: WeakrefSpec): ObjectId {
    return newWeakref(this, referent, callback, holder, spec);
  }

  /** `wr()`: the referent, or undefined once the weakref has been cleared. */
  weakrefReferent(weakref: ObjectId): ObjectId | undefined {
    return weakrefReferent(this.state, weakref);
  }
}
