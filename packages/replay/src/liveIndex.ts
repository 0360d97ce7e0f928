/*
 * The live ids of a working state
 * ===============================
 * A heap state's id tables (core's `HeapState.objects` and `.frames`, and
 * `MemoryState.buffers`, keyed by owner) keep a slot for every id ever used: a freed
 * object's slot holds undefined rather than being deleted, so that V8 keeps the table as
 * a fast array. A long run leaves far more slots than live entries (the synthetic
 * program's 10M-event trace ends with about 850,000 object slots for 9,000 live objects),
 * and whatever lists the live entries by reading every slot (core's `compactState` and
 * `liveIds`, a restore to a checkpoint) costs a hundred times what the heap holds.
 *
 * A `LiveIndex` follows the timeline's working state as events are folded into it: a bit
 * per id of each table, set while the slot holds a value. Only ObjectAllocated and
 * ObjectFreed fill or empty an object slot, FrameEntered and FrameExited a frame slot,
 * and the block events that name an owner's buffer (BlockAllocated, BlockReallocated,
 * BlockFreed, FreelistPushed, FreelistPopped) a buffer slot (core's evolve.ts and
 * memory.ts); after each of those `see` reads back the slot the event names, so the index
 * says what the state holds, whatever the event meant. After a fold, the object count is
 * checked against the state's own `live` count, and a mismatch (an event that fills
 * slots in another way) rebuilds the index by reading every slot.
 *
 * Read first: LiveIndex.see(), then the readers at the end (liveObjectIds, liveFrameList).
 *
 * The index of a state is found through `liveIndexOf(state)` (the timeline registers
 * its working state's): heapView.ts lists live objects and frames through it, and the
 * timeline's snapshots and restores (snapshot.ts) visit only the live entries. A state
 * without a valid index (any other state, or the working state while it is restored) is
 * read the slow way, slot by slot, with the same answer.
 *
 * Invariants (timeline.test.ts, "the live index"): after any fold, restore or rebuild, each set lists
 * exactly the ids whose slot holds a value, and a snapshot made through the index
 * materializes to what `compactState` gives.
 */
import {
  compactState,
  hasHoles,
  liveFrames,
  liveIds,
  liveRefs,
  type Frame,
  type HeapObject,
  type HeapState,
  type MemEvent,
  type ObjectId,
} from '@pymemsim/core';
import { share, shareDirtyTable, type ShareCost } from './snapshot.js';

/** Ids above this are not indexed (the index is then invalid and readers scan the tables). */
const MAX_ID = 2 ** 28;

/** A set of non-negative integer ids as a bitmap: listing it costs a word per 32 ids plus a step per member. */
export class IdSet {
  private words = new Uint32Array(64);
  /** Members. */
  size = 0;
  /**
   * Every id from 1 to `filled` has a slot in the table this set describes (possibly
   * undefined): writing the slot of an id at or below it keeps V8's fast elements.
   */
  filled = 0;
  /** An id could not be held since the last reset: the set is not exact. */
  lost = false;

  has(id: number): boolean {
    const w = id >>> 5;
    return w < this.words.length && ((this.words[w] as number) & (1 << (id & 31))) !== 0;
  }

  /** Add or remove `id` (false when the id cannot be held: not an integer from 0 to MAX_ID). */
  set(id: number, present: boolean): boolean {
    if (!(id >= 0 && id < MAX_ID && Math.floor(id) === id)) {
      this.lost = true;
      return false;
    }
    const w = id >>> 5;
    const bit = 1 << (id & 31);
    if (w >= this.words.length) {
      if (!present) return true;
      let n = this.words.length * 2;
      while (n <= w) n *= 2;
      const words = new Uint32Array(n);
      words.set(this.words);
      this.words = words;
    }
    const word = this.words[w] as number;
    if (present) {
      if ((word & bit) === 0) {
        this.words[w] = word | bit;
        this.size += 1;
      }
      if (id > this.filled) this.filled = id;
    } else if ((word & bit) !== 0) {
      this.words[w] = word & ~bit;
      this.size -= 1;
    }
    return true;
  }

  /** The members, ascending. */
  ids(): number[] {
    const out: number[] = new Array<number>(this.size);
    let k = 0;
    const words = this.words;
    for (let w = 0; w < words.length && k < this.size; w++) {
      let x = words[w] as number;
      while (x !== 0) {
        const low = x & -x;
        out[k++] = (w << 5) + 31 - Math.clz32(low);
        x ^= low;
      }
    }
    return out;
  }

  /** The members from `lo` to `hi - 1`, ascending, appended to `out`. */
  idsIn(lo: number, hi: number, out: number[]): number[] {
    const words = this.words;
    const end = Math.min(words.length, (hi + 31) >>> 5);
    for (let w = lo >>> 5; w < end; w++) {
      let x = words[w] as number;
      while (x !== 0) {
        const low = x & -x;
        const id = (w << 5) + 31 - Math.clz32(low);
        if (id >= lo && id < hi) out.push(id);
        x ^= low;
      }
    }
    return out;
  }

  /** Remove every member. */
  clear(): void {
    if (this.size > 0) this.words.fill(0);
    this.size = 0;
    this.lost = false;
  }

  /** Make the members exactly `ids` (false when one cannot be held). */
  reset(ids: Iterable<number>): boolean {
    this.words.fill(0);
    this.size = 0;
    this.lost = false;
    let ok = true;
    for (const id of ids) if (!this.set(id, true)) ok = false;
    return ok;
  }
}

/** The live ids of one working state's three id tables. */
export class LiveIndex {
  readonly objects = new IdSet();
  readonly frames = new IdSet();
  readonly buffers = new IdSet();
  /** False while the state is being restored, or when an id could not be held: readers then scan the tables. */
  valid = true;
  /**
   * Objects and buffer owners written since the state last equalled a snapshot (the
   * timeline's `base`): core reports every object it writes (watchObjectWrites), and
   * `see` the owner of every buffer event. A snapshot or a restore then visits only
   * these. `allDirty`: what changed is not known (the index was rebuilt, a fold failed
   * half way); the next snapshot or restore visits everything.
   */
  readonly dirtyObjects = new IdSet();
  readonly dirtyBuffers = new IdSet();
  allDirty = true;
  /** For core's watchObjectWrites: note that object `id` was written. */
  readonly touch = (id: number): void => {
    if (!this.dirtyObjects.set(id, true)) this.allDirty = true;
  };

  /** The state equals a snapshot again: nothing is dirty. */
  clean(): void {
    this.dirtyObjects.clear();
    this.dirtyBuffers.clear();
    this.allDirty = false;
  }

  /** Bring the index up to date after `event` was applied to `state`. */
  see(state: HeapState, event: MemEvent): void {
    switch (event.type) {
      case 'RefIncremented':
      case 'RefDecremented':
      case 'RefMoved':
        return;
      case 'ObjectAllocated':
      case 'ObjectFreed':
        if (!this.objects.set(event.id, state.objects[event.id] !== undefined)) this.valid = false;
        return;
      case 'FrameEntered':
      case 'FrameExited':
        if (!this.frames.set(event.frame, state.frames[event.frame] !== undefined)) this.valid = false;
        return;
      case 'BlockAllocated':
      case 'BlockReallocated':
      case 'BlockFreed':
      case 'FreelistPushed':
      case 'FreelistPopped': {
        const owner = event.owner;
        if (owner === undefined || event.buffer === undefined) return;
        if (!this.buffers.set(owner, state.memory.buffers[owner] !== undefined)) this.valid = false;
        if (!this.dirtyBuffers.set(owner, true)) this.allDirty = true;
        return;
      }
      default:
        return;
    }
  }

  /** After a fold: the objects counted must be the state's live objects, else the index is rebuilt. */
  check(state: HeapState): void {
    if (this.objects.size !== state.live) this.rebuild(state);
  }

  /** Read every slot of the three tables (the slow way, after something the index could not follow). */
  rebuild(state: HeapState): void {
    this.allDirty = true;
    const a = refill(this.objects, state.objects);
    const b = refill(this.frames, state.frames);
    const c = refill(this.buffers, state.memory.buffers);
    this.valid = a && b && c;
  }

  /**
   * The tables of `state` this index describes, each with its set: restore (snapshot.ts)
   * visits only these ids, and leaves each set listing what the table holds after it.
   */
  tables(state: HeapState): Map<object, IdSet> {
    return new Map<object, IdSet>([
      [state.objects, this.objects],
      [state.frames, this.frames],
      [state.memory.buffers, this.buffers],
    ]);
  }

  /**
   * After a restore given `tables` (what `tables(state)` gave before it): valid again when
   * the restore wrote into those same tables and every id was held, else rebuilt.
   */
  restored(state: HeapState, tables: Map<object, IdSet>): void {
    const same =
      tables.get(state.objects) === this.objects &&
      tables.get(state.frames) === this.frames &&
      tables.get(state.memory.buffers) === this.buffers;
    if (!same || this.objects.lost || this.frames.lost || this.buffers.lost) this.rebuild(state);
    else {
      this.valid = true;
      this.check(state);
    }
  }
}

/** Make `set` list the ids of `table` whose slot holds a value, its `filled` the highest key (false when an id cannot be held). */
function refill(set: IdSet, table: Record<number, unknown>): boolean {
  const ids: number[] = [];
  let last = 0;
  for (const key in table) {
    const id = Number(key);
    if (id > last) last = id;
    if (table[id] !== undefined) ids.push(id);
  }
  const ok = set.reset(ids);
  set.filled = last;
  return ok;
}

// ---------------------------------------------------------------------------------
// The index of a state, and the readers that use it

const INDEXES = new WeakMap<HeapState, LiveIndex>();

/** Register `index` as following `state` (the timeline's working state). */
export function attachIndex(state: HeapState, index: LiveIndex): void {
  INDEXES.set(state, index);
}

/** The valid index following `state`, if any. */
export function liveIndexOf(state: HeapState): LiveIndex | undefined {
  const index = INDEXES.get(state);
  return index?.valid === true ? index : undefined;
}

/** Live object ids in id order (core's liveIds, without reading every slot when the state is indexed). */
export function liveObjectIds(state: HeapState): ObjectId[] {
  const index = liveIndexOf(state);
  return index === undefined ? liveIds(state) : (index.objects.ids() as ObjectId[]);
}

/**
 * The live frames in id order. From an index, the state's own frame objects (their
 * `vars` may hold undefined for an unbound name, as the working state keeps them);
 * otherwise core's liveFrames (compacted copies where a name is unbound).
 */
export function liveFrameList(state: HeapState): Frame[] {
  const index = liveIndexOf(state);
  if (index === undefined) return liveFrames(state);
  const out: Frame[] = [];
  for (const id of index.frames.ids()) {
    const f = state.frames[id];
    if (f !== undefined) out.push(f);
  }
  return out;
}

/**
 * `compactState(state)` from the index: the id tables hold only their live entries (a
 * frame with an unbound name gets a copy of its variables without it), read by id.
 */
export function compactIndexed(state: HeapState, index: LiveIndex | undefined, tables = true): HeapState {
  if (index === undefined || !index.valid) return compactState(state);
  const pick = <T>(
    table: Record<number, T | undefined>,
    ids: readonly number[],
    each: (v: T) => T = (v) => v,
  ): Record<number, T> => {
    const out: Record<number, T> = {};
    for (const id of ids) {
      const v = table[id];
      if (v !== undefined) out[id] = each(v);
    }
    return out;
  };
  const frames = pick(state.frames, index.frames.ids());
  for (const key in frames) {
    const f = frames[key] as Frame;
    if (Object.values(f.vars).includes(undefined)) frames[key] = compactFrame(f);
  }
  if (!tables) return { ...state, frames }; // the caller builds the object and buffer tables
  return {
    ...state,
    objects: pick(state.objects as Record<number, unknown>, index.objects.ids(), withoutHoles) as HeapState['objects'],
    frames,
    memory: { ...state.memory, buffers: pick(state.memory.buffers, index.buffers.ids()) },
  };
}

/**
 * `share(compactState(state), previous)` (snapshot.ts) for an indexed state, without
 * building the compacted tables: the object and buffer tables go straight from the
 * index's ids to snapshot tables, the rest through share. When the index knows what was
 * written since the state equalled `previous` (not `allDirty`), only those objects and
 * buffers are compared and only their blocks made again (shareDirtyTable). `cost` adds
 * up the table entries made new.
 */
export function shareIndexed(
  state: HeapState,
  index: LiveIndex | undefined,
  previous: HeapState | undefined,
  cost: ShareCost = { entries: 0 },
): HeapState {
  if (index === undefined || !index.valid) {
    cost.entries += state.live;
    return share(compactState(state), previous);
  }
  const compact = compactIndexed(state, index, false);
  const prevMemory = previous?.memory as { buffers?: unknown } | undefined;
  const known = !index.allDirty;
  return share(
    {
      ...compact,
      objects: shareDirtyTable(
        state.objects,
        index.objects,
        previous?.objects,
        known ? index.dirtyObjects : undefined,
        withoutHoles,
        cost,
      ) as HeapState['objects'],
      memory: {
        ...compact.memory,
        buffers: shareDirtyTable(
          state.memory.buffers,
          index.buffers,
          prevMemory?.buffers,
          known ? index.dirtyBuffers : undefined,
          (v) => v,
          cost,
        ) as HeapState['memory']['buffers'],
      },
    },
    previous,
  );
}

/**
 * A working object as compactState leaves it: a long reference list may have empty
 * slots (core's refList.ts), which checkpoints and hashes never see; such an object is
 * copied with a dense list.
 */
function withoutHoles(v: unknown): unknown {
  const obj = v as HeapObject | undefined;
  if (obj === undefined || !hasHoles(obj.refs)) return v;
  return { ...obj, refs: [...liveRefs(obj.refs)] };
}

/** core's compactFrame: the frame with only its bound names (a null-prototype map: Python names may be `__proto__`). */
function compactFrame(f: Frame): Frame {
  const vars = Object.create(null) as Record<string, ObjectId>;
  for (const [name, id] of Object.entries(f.vars)) if (id !== undefined) vars[name] = id;
  return { ...f, vars };
}
