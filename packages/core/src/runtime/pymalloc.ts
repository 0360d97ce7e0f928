/*
 * pymalloc: the small-object allocator
 * ====================================
 * Requests of at most SMALL_REQUEST_THRESHOLD (512) bytes are served from pools of
 * equal-size blocks carved out of 1 MiB arenas; 0-byte and larger requests go to the
 * system allocator (PM-9). This module decides which arena, pool and block a request
 * gets, in CPython's order, and emits the events that record it; memory.ts folds them.
 *
 * Source: Objects/obmalloc.c, 3.11 (pymalloc_alloc, allocate_from_new_pool, new_arena,
 * pymalloc_free, insert_to_usedpool, insert_to_freepool, pymalloc_realloc,
 * _PyObject_Malloc, _PyObject_Free, _PyObject_Realloc).
 * Read first: malloc(), then free(), then realloc().
 *
 *   arena [ pool | pool | pool | ... ]     pool [ header | block | block | ... ]
 *
 * Vocabulary (see memory.ts for the state):
 *   usedpools[c]    the used pools of size class c; the first one serves the next
 *                   request (PM-4). A pool enters at the front when it is initialised
 *                   or when a block of a full pool is freed (PM-5, PM-6).
 *   usable_arenas   arenas with a free pool, most used first (ascending nfreepools);
 *                   new pools come from its head (PM-7).
 *   freepools       an arena's empty pools, last emptied first (PM-6).
 *
 * Size classes (PM-1, PM-2): class i serves requests (16i, 16i + 16] with blocks of
 * 16(i + 1) bytes; blocks per pool = (16384 - 48) // size. pymalloc.test.ts checks
 * this table against blocksPerPool():
 *
 *   class  size  blocks   class  size  blocks   class  size  blocks   class  size  blocks
 *     0     16    1021      8    144    113      16    272     60      24    400     40
 *     1     32     510      9    160    102      17    288     56      25    416     39
 *     2     48     340     10    176     92      18    304     53      26    432     37
 *     3     64     255     11    192     85      19    320     51      27    448     36
 *     4     80     204     12    208     78      20    336     48      28    464     35
 *     5     96     170     13    224     72      21    352     46      29    480     34
 *     6    112     145     14    240     68      22    368     44      30    496     32
 *     7    128     127     15    256     63      23    384     42      31    512     31
 *
 * Events, in the order a request can produce them:
 *   ArenaAllocated   no usable arena: new_arena maps one (arena object from the unused
 *                    list, LIFO; PM-15 policy: misaligned, 63 pools)
 *   PoolInitialized  usedpools[c] is empty: the head usable arena gives its first empty
 *                    pool, else its next never-carved pool (PM-5)
 *   BlockAllocated   the top of the first used pool's free list (PM-4), or a system block
 *   BlockFreed       pushed on its pool's free list (PM-6), or back to the system
 *   ArenaFreed       the freed block emptied a whole arena that is not the last usable
 *                    one (PM-8 case 1)
 *   BlockReallocated PM-10: a resize that keeps its block
 *
 * Invariants: see memory.ts (checked by checkMemoryInvariants after every event).
 *
 * Worked example: three 56-byte requests a, b, c on an empty heap map arena 0, carve
 * pool 0 for class 3 and take its blocks 0, 1, 2. Freeing b pushes block 1; the next
 * 56-byte request gets block 1 again (a freed block is the next one its pool hands
 * out). Freeing all three empties the pool, which goes to the arena's freepools; the
 * arena stays mapped because it is the last usable arena (PM-8, bpo-37257).
 *
 * Simplifications: addresses follow the fixed layout of memory.ts instead of mmap;
 * the system allocator is a stand-in (bump pointer, exact-size LIFO reuse; a realloc
 * keeps the block only when its chunk size is unchanged). Requests are not padded
 * by debug hooks (release build, PYTHONMALLOC unset).
 */
import { Defect } from '../errors.js';
import type { BlockAllocated, BlockFreed, ObjectId } from '../events.js';
import {
  MAX_POOLS_IN_ARENA,
  NIL,
  POOL_OVERHEAD,
  arenaAddress,
  arenaOfAddress,
  blockSize,
  isArenaAddress,
  isSmallRequest,
  poolAddress,
  poolOfAddress,
  rawChunkSize,
  sizeClassIndex,
} from '../memory.js';
import type { Runtime } from './runtime.js';

/** Who a block is for: the object, and the name of the buffer when it is not the object's own block. */
export interface BlockOwner {
  readonly owner?: ObjectId;
  readonly buffer?: string;
}

/** A block for nobody we model (the default owner; shared, so a default costs no allocation). */
const NO_OWNER: BlockOwner = Object.freeze({});

/**
 * A BlockAllocated or BlockFreed event with the owner fields that are known (`owner`,
 * then `buffer` when it is a buffer). Three literal shapes rather than a spread of a
 * temporary object: a collection frees a block per object it frees.
 */
export function blockEvent(
  type: 'BlockAllocated' | 'BlockFreed',
  addr: number,
  size: number,
  owner: ObjectId | undefined,
  buffer: string | undefined,
): BlockAllocated | BlockFreed {
  if (owner === undefined) return { type, addr, size };
  return buffer === undefined ? { type, addr, size, owner } : { type, addr, size, owner, buffer };
}

/** `_PyObject_Malloc`: a pymalloc block for 1..512 bytes, else a system block. Returns its address. */
export function malloc(rt: Runtime, nbytes: number, who: BlockOwner = NO_OWNER): number {
  return mallocFor(rt, nbytes, who.owner, who.buffer);
}

/** `malloc` with the owner fields as arguments (an allocation makes no BlockOwner). */
export function mallocFor(
  rt: Runtime,
  nbytes: number,
  owner: ObjectId | undefined,
  buffer: string | undefined,
): number {
  if (!isSmallRequest(nbytes)) return rawMallocFor(rt, nbytes, owner, buffer);
  const mem = rt.state.memory;
  const c = sizeClassIndex(nbytes);
  // PM-4: the first pool of usedpools[c]; PM-5 when there is none.
  if ((mem.usedpools[c] ?? NIL) === NIL) allocateFromNewPool(rt, c);
  const pool = mem.usedpools[c] ?? NIL;
  const p = mem.pools[pool];
  const top = p?.free[p.free.length - 1];
  if (top === undefined) throw new Defect(`pymalloc: usedpools[${c}] has no free block`);
  const addr = poolAddress(pool) + POOL_OVERHEAD + top * blockSize(c);
  rt.blockAllocated(addr, nbytes, owner, buffer);
  return addr;
}

/** allocate_from_new_pool up to the block: a new arena if none is usable, then a pool of its head. */
function allocateFromNewPool(rt: Runtime, sizeClass: number): void {
  const mem = rt.state.memory;
  if (mem.usableArenas === NIL) {
    // new_arena: the head of the unused arena objects, or the first of a grown vector.
    const arena = mem.unusedArenaObjects !== NIL ? mem.unusedArenaObjects : mem.arenas.length;
    rt.emit({ type: 'ArenaAllocated', arena, addr: arenaAddress(arena) });
  }
  const arena = mem.usableArenas;
  const ao = mem.arenas[arena];
  if (ao === undefined) throw new Defect('pymalloc: no usable arena after new_arena');
  const pool = ao.freepools !== NIL ? ao.freepools : arena * MAX_POOLS_IN_ARENA + ao.poolsCarved;
  rt.emit({ type: 'PoolInitialized', pool, sizeClass });
}

/** The system allocator (PM-9): a freed chunk of the same size if any (LIFO), else fresh memory. */
export function rawMalloc(rt: Runtime, nbytes: number, who: BlockOwner = NO_OWNER): number {
  return rawMallocFor(rt, nbytes, who.owner, who.buffer);
}

function rawMallocFor(rt: Runtime, nbytes: number, owner: ObjectId | undefined, buffer: string | undefined): number {
  const raw = rt.state.memory.raw;
  const bin = raw.bins[rawChunkSize(nbytes)];
  const addr = bin !== undefined && bin.length > 0 ? (bin[bin.length - 1] as number) : raw.top + 16;
  rt.blockAllocated(addr, nbytes, owner, buffer);
  return addr;
}

/** `_PyObject_Free`: the block goes back to its pool (or the system); PM-8 may unmap its arena. */
export function free(rt: Runtime, addr: number, nbytes: number, who: BlockOwner = NO_OWNER): void {
  freeBlock(rt, addr, nbytes, who.owner, who.buffer);
}

/** `free` with the owner fields as arguments (a dealloc frees its object's block without making a BlockOwner). */
export function freeBlock(
  rt: Runtime,
  addr: number,
  nbytes: number,
  owner: ObjectId | undefined,
  buffer: string | undefined,
): void {
  rt.blockFreed(addr, nbytes, owner, buffer);
  if (!isArenaAddress(addr)) return;
  const arena = arenaOfAddress(addr);
  const ao = rt.state.memory.arenas[arena];
  // PM-8 case 1: wholly empty and not the last usable arena (the last is kept, bpo-37257).
  if (ao !== undefined && ao.nfreepools === ao.ntotalpools && ao.nextarena !== NIL) {
    rt.emit({ type: 'ArenaFreed', arena });
  }
}

/**
 * `_PyObject_Realloc` of a buffer (PM-10): a pymalloc block is kept when the new size
 * fits its class and shaves off less than a quarter (`n <= s && 4n > 3s`); otherwise a
 * new block is allocated (pymalloc or system by size), then the old one is freed. A
 * system block stays with the system allocator. Returns the (possibly new) address.
 */
export function realloc(
  rt: Runtime,
  addr: number,
  oldBytes: number,
  nbytes: number,
  who: Required<BlockOwner>,
): number {
  if (isArenaAddress(addr)) {
    const p = rt.state.memory.pools[poolOfAddress(addr)];
    const size = p === undefined ? 0 : blockSize(p.szidx);
    if (nbytes <= size && 4 * nbytes > 3 * size) {
      rt.emit({ type: 'BlockReallocated', addr, size: nbytes, owner: who.owner, buffer: who.buffer });
      return addr;
    }
    const fresh = malloc(rt, nbytes, who);
    free(rt, addr, oldBytes, who);
    return fresh;
  }
  if (rawChunkSize(nbytes) === rawChunkSize(oldBytes)) {
    rt.emit({ type: 'BlockReallocated', addr, size: nbytes, owner: who.owner, buffer: who.buffer });
    return addr;
  }
  const fresh = rawMalloc(rt, nbytes, who);
  free(rt, addr, oldBytes, who);
  return fresh;
}
