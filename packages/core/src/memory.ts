/*
 * Memory state: pymalloc's arenas and pools, the system allocator, the free lists
 * ===============================================================================
 * Where every simulated block lives, as plain serialisable data: the arena-object
 * vector, the pools carved out of the arenas, CPython's intrusive lists (usedpools,
 * usable_arenas, each arena's free pools, the unused arena objects) as links by index,
 * the system allocator's heap, the per-type free lists and the separate buffers
 * objects own. The runtime (runtime/pymalloc.ts, runtime/freelists.ts) decides which
 * block, pool and arena each request gets; the `apply*` functions below, called by
 * `applyEvent` only, write the outcome down with exactly the list operations obmalloc.c
 * performs, and never choose anything.
 *
 * Source: Objects/obmalloc.c (3.11): new_arena, allocate_from_new_pool,
 * pymalloc_alloc, pymalloc_pool_extend, pymalloc_free, insert_to_usedpool,
 * insert_to_freepool, arena_map_mark_used.
 *
 * Read first: applyBlockAllocated and applyBlockFreed (the hot paths), then
 * applyPoolInitialized and applyArenaAllocated.
 *
 * Vocabulary:
 *   arena      1 MiB mapping (ARENA_SIZE) cut into 16 KiB pools. `address` 0 means the
 *              arena object is unassociated and sits on the unused list (LIFO).
 *   pool       16 KiB (POOL_SIZE) of equal blocks of one size class behind a 48-byte
 *              header. Identified by a global index: arena * 64 + position in arena.
 *              States (PM-3): used (in usedpools[szidx]: has a free block),
 *              full (ref == NUMBLOCKS: in no list), empty (ref == 0: on its arena's
 *              freepools list, keeps its szidx and block free list for reuse).
 *   block      one allocation; in a pool, block j is at pool + 48 + j * size.
 *   free       a pool's freeblock list as a stack of block indexes; the top (last
 *              element) is the next block handed out. Freed blocks are pushed (LIFO);
 *              when it runs dry the next never-used block (`nextIndex`, CPython's
 *              nextoffset) is pushed, or the pool is full.
 *   nfp2lasta  per nfreepools value, the rightmost usable arena with that count (the
 *              finger that keeps usable_arenas sorted in O(1)).
 *   raw        the system allocator (malloc) for 0-byte and > 512-byte requests (PM-9).
 *   free list  per-type stacks of parked blocks (§5); names in FREELISTS.
 *   buffer     a block an object owns besides its own (a list's item array, a dict's
 *              keys table, a set's table, an instance's values array), by owner and name.
 *
 * Picture (the fixed layout; PM-15 policy: every arena is misaligned by one page):
 *
 *   0x5600_0000_0000  static objects (None, small ints...): STATIC_REGION + id * 0x800
 *   0x6000_0000_0000  system malloc heap: chunks of max(32, n + 8 rounded to 16)
 *   0x7f00_0000_0000  arenas: arena i at ARENA_REGION + i MiB + 4096
 *
 *   arena i  [4096 | 12 KiB lost to alignment | pool 0 | pool 1 | ... | pool 62 ]
 *            ^ address                        ^ next 16 KiB boundary (63 pools)
 *   pool     [ 48-byte header | block 0 | block 1 | ... | block n-1 | quantization ]
 *
 * Invariants (checkMemoryInvariants in invariants.ts):
 *   - a pool is in usedpools[c] iff its szidx is c and it has a free block (a pool just
 *     initialised has ref 0 until its first block is handed out);
 *   - a pool's ref equals its carved blocks (nextIndex) minus its free blocks, and
 *     its free list holds distinct carved block indexes;
 *   - an empty pool (ref 0, not in usedpools) is on exactly its arena's freepools list;
 *   - an arena's nfreepools = its never-carved pools + its empty pools; usable_arenas
 *     holds exactly the arenas with nfreepools > 0, sorted by ascending nfreepools
 *     (an arena whose pools are all empty may stand out of order only while its
 *     ArenaFreed is pending), and nfp2lasta[n] is the rightmost with n;
 *   - live objects, buffers and parked free-list entries are distinct blocks in use.
 *
 * Worked example (a 100-byte "arena" of 20-byte "pools" with 4-byte headers reads
 * the same): the first 56-byte list object maps arena 0 (ArenaAllocated), carves its
 * first pool for class 3 (PoolInitialized: free = [0], nextIndex 1) and takes block 0
 * (BlockAllocated: the stack runs dry, block 1 is pushed, nextIndex 2). Freeing it
 * pushes 0 (free = [1, 0]) and the pool is empty: it moves to the arena's freepools
 * and nfreepools goes back to 63; the arena is the last usable one, so it is kept
 * (PM-8). The next class-3 request reuses that pool as is and gets block 0 again.
 *
 * Simplifications: pool and arena positions come from the fixed layout above, not from
 * mmap; the system allocator is a bump pointer with exact-size LIFO reuse (a stand-in
 * for glibc's bins), invisible to `sys._debugmallocstats` as in CPython.
 */
import type { ObjectId } from './events.js';

// ---------------------------------------------------------------------------------
// Constants (Objects/obmalloc.c, 3.11, 64-bit, radix tree on).

export const ALIGNMENT = 16;
export const ALIGNMENT_SHIFT = 4;
export const SMALL_REQUEST_THRESHOLD = 512;
export const NB_SMALL_SIZE_CLASSES = SMALL_REQUEST_THRESHOLD >> ALIGNMENT_SHIFT;
export const POOL_SIZE = 16 * 1024;
export const ARENA_SIZE = 1024 * 1024;
export const POOL_OVERHEAD = 48;
export const MAX_POOLS_IN_ARENA = ARENA_SIZE / POOL_SIZE;
export const INITIAL_ARENA_OBJECTS = 16;
/** `DUMMY_SIZE_IDX`: a pool carved but never initialised for a size class. */
export const DUMMY_SIZE_IDX = -1;
/** The end of every list kept by index (CPython's NULL). */
export const NIL = -1;
/** Radix tree (arena map) on 64-bit: 2^15 root and mid pointers, 2^14 leaves of two int32. */
export const ARENA_MAP_ROOT_BYTES = 2 ** 15 * 8;
export const ARENA_MAP_MID_BYTES = 2 ** 15 * 8;
export const ARENA_MAP_BOT_BYTES = 2 ** 14 * 8;
const MAP_BOT_SHIFT_DIVISOR = 2 ** 34; // ARENA_BITS 20 + MAP_BOT_BITS 14
const MAP_MID_SHIFT_DIVISOR = 2 ** 49; // + MAP_MID_BITS 15

/** `INDEX2SIZE`: block size of size class i. */
export const blockSize = (sizeClass: number): number => (sizeClass + 1) << ALIGNMENT_SHIFT;
/** PM-1: the size class of a small request (1..512 bytes). */
export const sizeClassIndex = (nbytes: number): number => (nbytes - 1) >> ALIGNMENT_SHIFT;
/** `NUMBLOCKS`: blocks per pool of size class i (PM-2). */
export const blocksPerPool = (sizeClass: number): number =>
  Math.floor((POOL_SIZE - POOL_OVERHEAD) / blockSize(sizeClass));
/** Requests pymalloc serves itself (PM-1, PM-9). */
export const isSmallRequest = (nbytes: number): boolean => nbytes > 0 && nbytes <= SMALL_REQUEST_THRESHOLD;

// ---------------------------------------------------------------------------------
// The fixed address layout (PM-11, PM-15).

export const STATIC_REGION = 0x5600_0000_0000;
export const STATIC_STRIDE = 0x800;
export const RAW_REGION = 0x6000_0000_0000;
export const ARENA_REGION = 0x7f00_0000_0000;
/**
 * PM-15 policy: every arena starts one 4 KiB page past a 16 KiB boundary, so each has
 * 63 usable pools and "loses" 16,384 bytes to arena alignment (measured runs had 2 to
 * 4 of 4 arenas misaligned; this picks the always-misaligned case).
 */
export const ARENA_MISALIGNMENT: number = 4096;
/** Offset of an arena's first pool from ARENA_REGION + i MiB: the first 16 KiB boundary at or after its base. */
const FIRST_POOL_OFFSET = Math.ceil(ARENA_MISALIGNMENT / POOL_SIZE) * POOL_SIZE;

/** Where arena object `arena` is mapped. A freed arena's object is reused first, so is its address. */
export const arenaAddress = (arena: number): number => ARENA_REGION + arena * ARENA_SIZE + ARENA_MISALIGNMENT;
/** The arena object whose mapping holds a pymalloc address. */
export const arenaOfAddress = (addr: number): number =>
  Math.floor((addr - ARENA_REGION - FIRST_POOL_OFFSET) / ARENA_SIZE);
/** Where pool 0 (arena 0's first pool) starts. */
const FIRST_POOL = ARENA_REGION + FIRST_POOL_OFFSET;
/**
 * Where global pool `pool` (arena * MAX_POOLS_IN_ARENA + position) starts. An arena is
 * exactly MAX_POOLS_IN_ARENA pools long, so that is `pool` pools past FIRST_POOL: no
 * split into arena and position, whose `/` and `%` of doubles (addresses are above 2^31)
 * cost more than the rest of a block free, which computes this for every block.
 */
export const poolAddress = (pool: number): number => FIRST_POOL + pool * POOL_SIZE;
/** `POOL_ADDR(p)` as a global pool index (the inverse of poolAddress, the same way). */
export const poolOfAddress = (addr: number): number => Math.floor((addr - FIRST_POOL) / POOL_SIZE);
export const blockAddress = (pool: number, sizeClass: number, index: number): number =>
  poolAddress(pool) + POOL_OVERHEAD + index * blockSize(sizeClass);
/** `address_in_range`: the block belongs to a pymalloc arena. */
export const isArenaAddress = (addr: number): boolean => addr >= ARENA_REGION;
export const isRawAddress = (addr: number): boolean => addr >= RAW_REGION && addr < ARENA_REGION;
export const isStaticAddress = (addr: number): boolean => addr < RAW_REGION;
/** Static objects are laid out by id: never freed, never in pymalloc. */
export const staticAddress = (id: number): number => STATIC_REGION + id * STATIC_STRIDE;
/** glibc's `request2size`: the chunk a system malloc of n bytes takes. */
export const rawChunkSize = (nbytes: number): number => Math.max(32, Math.ceil((nbytes + 8) / 16) * 16);

// ---------------------------------------------------------------------------------
// Free lists (§5): names, capacities, what the report prints.

export interface FreelistInfo {
  /** Most parked blocks (PyFloat_MAXFREELIST, PyTuple_MAXFREELIST, PyList_MAXFREELIST, PyDict_MAXFREELIST). */
  readonly capacity: number;
  /** Parked objects are GC objects: clearing releases them with PyObject_GC_Del (GC-C2). */
  readonly gc: boolean;
  /** The request size of a parked block. */
  readonly bytes: number;
  /** `_PyDebugAllocatorStats` line: block name and the size it prints (no GC header), if any. */
  readonly report?: { readonly name: string; readonly size: number };
}

export const MAX_TUPLE_FREELIST_SIZE = 20;
/** 3.11 dict keys free list: size-8 tables of a str-keys dict: 32 + 8 index bytes + 5 * 16. */
export const DICT_KEYS_MINSIZE_UNICODE_BYTES = 120;

const tupleLists: Record<string, FreelistInfo> = {};
for (let n = 1; n <= MAX_TUPLE_FREELIST_SIZE; n++) {
  tupleLists[`tuple${n}`] = {
    capacity: 2000,
    gc: true,
    bytes: 40 + 8 * n,
    report: { name: `free ${n}-sized PyTupleObject`, size: 24 + 8 * n },
  };
}

/** Every free list, in the order `sys._debugmallocstats` reports them (dict, float, list, tuples 1..20). */
export const FREELISTS: Readonly<Record<string, FreelistInfo>> = {
  dict: { capacity: 80, gc: true, bytes: 64, report: { name: 'free PyDictObject', size: 48 } },
  float: { capacity: 100, gc: false, bytes: 24, report: { name: 'free PyFloatObject', size: 24 } },
  list: { capacity: 80, gc: true, bytes: 56, report: { name: 'free PyListObject', size: 40 } },
  ...tupleLists,
  dictkeys: { capacity: 80, gc: false, bytes: DICT_KEYS_MINSIZE_UNICODE_BYTES },
};
export const FREELIST_NAMES: readonly string[] = Object.keys(FREELISTS);
/** The order `clear_freelists` (gcmodule.c) empties them: tuples 1..20, float, list, dict and dict keys. */
export const FREELIST_CLEAR_ORDER: readonly string[] = [
  ...Object.keys(tupleLists),
  'float',
  'list',
  'dict',
  'dictkeys',
];

// ---------------------------------------------------------------------------------
// State.

export interface PoolState {
  /** `ref.count`: blocks handed out. */
  ref: number;
  /** The size class served (or last served, while empty); DUMMY_SIZE_IDX before the first. */
  szidx: number;
  /** The freeblock list, top last: block indexes, the next one handed out at the end. */
  free: number[];
  /** `nextoffset` as a block index: blocks below it have been carved. */
  nextIndex: number;
  /** usedpools links (doubly linked), or the arena's freepools link (`nextpool` only). */
  nextpool: number;
  prevpool: number;
}

export interface ArenaState {
  /** Base address of the mapping; 0 while the arena object is unused. */
  address: number;
  nfreepools: number;
  ntotalpools: number;
  /** `pool_address` as a count: pools carved so far. */
  poolsCarved: number;
  /** Head of the list of empty pools (singly linked by `nextpool`). */
  freepools: number;
  /** usable_arenas links; `nextarena` also links the unused arena objects. */
  nextarena: number;
  prevarena: number;
}

export interface RawState {
  /** The next never-used chunk. */
  top: number;
  /** Freed chunks by chunk size, reused last-in first-out. */
  bins: Record<number, number[]>;
  /** Blocks and requested bytes currently allocated by the system allocator. */
  blocks: number;
  bytes: number;
}

export interface BufferState {
  readonly addr: number;
  /** Requested bytes. */
  size: number;
}

export interface MemoryState {
  /** Sum of `sys.getsizeof` over live objects, and its peak. */
  liveBytes: number;
  peakBytes: number;
  /** The arena-object vector (`arenas`, `maxarenas` = its length). */
  arenas: ArenaState[];
  /** Carved pools of mapped arenas, by global pool index. */
  pools: Record<number, PoolState>;
  /** `usedpools[c]`: the first used pool of size class c (absent: none). */
  usedpools: Record<number, number>;
  /** Head of `usable_arenas`. */
  usableArenas: number;
  /** `nfp2lasta[n]`: the rightmost usable arena with n free pools (absent: none). */
  nfp2lasta: Record<number, number>;
  /** Head of `unused_arena_objects`. */
  unusedArenaObjects: number;
  ntimesArenaAllocated: number;
  narenasCurrentlyAllocated: number;
  /** `narenas_highwater`: the most arenas ever mapped at once (peak arenas). */
  narenasHighwater: number;
  /** Radix-tree interior nodes created (they are never freed): keys of mid and bot nodes. */
  arenaMapMid: number[];
  arenaMapBot: number[];
  raw: RawState;
  /** Parked blocks per free list, top last (a list is present while it holds a block). */
  freelists: Record<string, number[]>;
  /**
   * Separate buffers: owner id -> buffer name -> block. An owner whose last buffer went
   * reads as undefined in the working state (set, not deleted, like HeapState.objects:
   * deleting keys from a table keyed by ids makes it a slow dictionary); `compactState`
   * leaves such owners out.
   */
  buffers: Record<number, Record<string, BufferState> | undefined>;
}

export function emptyMemory(): MemoryState {
  return {
    liveBytes: 0,
    peakBytes: 0,
    arenas: [],
    pools: {},
    usedpools: {},
    usableArenas: NIL,
    nfp2lasta: {},
    unusedArenaObjects: NIL,
    ntimesArenaAllocated: 0,
    narenasCurrentlyAllocated: 0,
    narenasHighwater: 0,
    arenaMapMid: [],
    arenaMapBot: [],
    raw: { top: RAW_REGION, bins: {}, blocks: 0, bytes: 0 },
    freelists: {},
    buffers: {},
  };
}

// ---------------------------------------------------------------------------------
// Readers.

export function getBuffer(mem: MemoryState, owner: number, name: string): BufferState | undefined {
  const bufs = mem.buffers[owner];
  return bufs !== undefined && Object.hasOwn(bufs, name) ? bufs[name] : undefined;
}

// ---------------------------------------------------------------------------------
// The fold's recipe parts (called by applyEvent only).

type M = MemoryState;

/** new_arena + the caller's setup: the arena object at the head of the unused list gets a mapping. */
export function applyArenaAllocated(mem: M, arena: number, addr: number): void {
  if (mem.unusedArenaObjects === NIL) {
    // Double the vector (16 first); the new objects join the unused list in order.
    const maxarenas = mem.arenas.length;
    const numarenas = maxarenas === 0 ? INITIAL_ARENA_OBJECTS : maxarenas * 2;
    for (let i = maxarenas; i < numarenas; i++) {
      mem.arenas.push({
        address: 0,
        nfreepools: 0,
        ntotalpools: 0,
        poolsCarved: 0,
        freepools: NIL,
        nextarena: i < numarenas - 1 ? i + 1 : NIL,
        prevarena: NIL,
      });
    }
    mem.unusedArenaObjects = maxarenas;
  }
  unlinkUnused(mem, arena);
  const ao = mem.arenas[arena];
  if (ao === undefined) return;
  const total = addr % POOL_SIZE === 0 ? MAX_POOLS_IN_ARENA : MAX_POOLS_IN_ARENA - 1;
  ao.address = addr;
  ao.nfreepools = total;
  ao.ntotalpools = total;
  ao.poolsCarved = 0;
  ao.freepools = NIL;
  // allocate_from_new_pool: the new arena is the only usable one.
  ao.nextarena = NIL;
  ao.prevarena = NIL;
  mem.usableArenas = arena;
  setLink(mem.nfp2lasta, total, arena);
  mem.ntimesArenaAllocated += 1;
  mem.narenasCurrentlyAllocated += 1;
  if (mem.narenasCurrentlyAllocated > mem.narenasHighwater) mem.narenasHighwater = mem.narenasCurrentlyAllocated;
  markArenaMap(mem, addr);
  if (addr % ARENA_SIZE !== 0) markArenaMap(mem, addr + ARENA_SIZE);
}

function unlinkUnused(mem: M, arena: number): void {
  if (mem.unusedArenaObjects === arena) {
    mem.unusedArenaObjects = mem.arenas[arena]?.nextarena ?? NIL;
    return;
  }
  for (let cur = mem.unusedArenaObjects; cur !== NIL;) {
    const ao = mem.arenas[cur];
    if (ao === undefined) return;
    if (ao.nextarena === arena) {
      ao.nextarena = mem.arenas[arena]?.nextarena ?? NIL;
      return;
    }
    cur = ao.nextarena;
  }
}

/** arena_map_mark_used: create the radix-tree nodes covering an address (never freed). */
function markArenaMap(mem: M, addr: number): void {
  const mid = Math.floor(addr / MAP_MID_SHIFT_DIVISOR);
  const bot = Math.floor(addr / MAP_BOT_SHIFT_DIVISOR);
  if (!mem.arenaMapMid.includes(mid)) mem.arenaMapMid.push(mid);
  if (!mem.arenaMapBot.includes(bot)) mem.arenaMapBot.push(bot);
}

/** insert_to_freepool, case 1: the wholly empty arena leaves usable_arenas and is unmapped. */
export function applyArenaFreed(mem: M, arena: number): void {
  const ao = mem.arenas[arena];
  if (ao === undefined || ao.address === 0) return;
  unlinkUsable(mem, arena);
  for (let k = 0; k < ao.poolsCarved; k++) delete mem.pools[arena * MAX_POOLS_IN_ARENA + k];
  ao.nextarena = mem.unusedArenaObjects;
  ao.prevarena = NIL;
  mem.unusedArenaObjects = arena;
  ao.address = 0;
  ao.freepools = NIL;
  ao.poolsCarved = 0;
  ao.nfreepools = 0;
  ao.ntotalpools = 0;
  mem.narenasCurrentlyAllocated -= 1;
}

function unlinkUsable(mem: M, arena: number): void {
  const ao = mem.arenas[arena];
  if (ao === undefined) return;
  const prev = ao.prevarena === NIL ? undefined : mem.arenas[ao.prevarena];
  const next = ao.nextarena === NIL ? undefined : mem.arenas[ao.nextarena];
  if (prev === undefined) {
    if (mem.usableArenas === arena) mem.usableArenas = ao.nextarena;
  } else prev.nextarena = ao.nextarena;
  if (next !== undefined) next.prevarena = ao.prevarena;
  ao.nextarena = NIL;
  ao.prevarena = NIL;
}

/**
 * allocate_from_new_pool up to the block: the pool (its arena's first empty pool, or
 * the next never-carved one) now heads usedpools[sizeClass]. A pool that last served
 * this class keeps its free list; otherwise block 0 is its only free block.
 */
export function applyPoolInitialized(mem: M, pool: number, sizeClass: number): void {
  const arena = Math.floor(pool / MAX_POOLS_IN_ARENA);
  const ao = mem.arenas[arena];
  if (ao === undefined) return;
  const nf = ao.nfreepools;
  // nfp2lasta: this arena stops being the rightmost with nf; it becomes one with nf - 1.
  if (mem.nfp2lasta[nf] === arena) setLink(mem.nfp2lasta, nf, NIL);
  if (nf > 1) setLink(mem.nfp2lasta, nf - 1, arena);
  let p: PoolState | undefined;
  if (ao.freepools === pool) {
    p = mem.pools[pool];
    ao.freepools = p?.nextpool ?? NIL;
  } else if (pool === arena * MAX_POOLS_IN_ARENA + ao.poolsCarved) {
    ao.poolsCarved += 1;
    p = { ref: 0, szidx: DUMMY_SIZE_IDX, free: [], nextIndex: 0, nextpool: NIL, prevpool: NIL };
    mem.pools[pool] = p;
  } else {
    p = mem.pools[pool];
    removeFromFreepools(mem, ao, pool);
  }
  if (p === undefined) return;
  ao.nfreepools = nf - 1;
  if (ao.nfreepools === 0) unlinkUsable(mem, arena); // wholly allocated
  // Frontlink to usedpools[sizeClass] (it was empty).
  p.prevpool = NIL;
  p.nextpool = mem.usedpools[sizeClass] ?? NIL;
  const old = p.nextpool === NIL ? undefined : mem.pools[p.nextpool];
  if (old !== undefined) old.prevpool = pool;
  setLink(mem.usedpools, sizeClass, pool);
  p.ref = 0;
  if (p.szidx !== sizeClass) {
    p.szidx = sizeClass;
    p.free = [0];
    p.nextIndex = 1;
  }
}

function removeFromFreepools(mem: M, ao: ArenaState, pool: number): void {
  for (let cur = ao.freepools; cur !== NIL;) {
    const p = mem.pools[cur];
    if (p === undefined) return;
    if (p.nextpool === pool) {
      p.nextpool = mem.pools[pool]?.nextpool ?? NIL;
      return;
    }
    cur = p.nextpool;
  }
}

/** pymalloc_alloc (or the system malloc): the block at `addr` is handed out. */
export function applyBlockAllocated(mem: M, addr: number, size: number, owner?: ObjectId, buffer?: string): void {
  if (isArenaAddress(addr)) takePoolBlock(mem, addr);
  else takeRawBlock(mem, addr, size);
  if (owner !== undefined && buffer !== undefined) setBufferRecord(mem, owner, buffer, addr, size);
}

function takePoolBlock(mem: M, addr: number): void {
  const pool = poolOfAddress(addr);
  const p = mem.pools[pool];
  if (p === undefined) return;
  const size = blockSize(p.szidx);
  const j = (addr - poolAddress(pool) - POOL_OVERHEAD) / size;
  const free = p.free;
  if (free[free.length - 1] === j) free.pop();
  else {
    const at = free.indexOf(j);
    if (at >= 0) free.splice(at, 1);
  }
  p.ref += 1;
  if (free.length > 0) return;
  // pymalloc_pool_extend: carve the next block, or the pool is full and leaves usedpools.
  if (p.nextIndex < blocksPerPool(p.szidx)) {
    free.push(p.nextIndex);
    p.nextIndex += 1;
  } else unlinkUsedPool(mem, pool, p);
}

function unlinkUsedPool(mem: M, pool: number, p: PoolState): void {
  const prev = p.prevpool === NIL ? undefined : mem.pools[p.prevpool];
  const next = p.nextpool === NIL ? undefined : mem.pools[p.nextpool];
  if (prev === undefined) {
    if (mem.usedpools[p.szidx] === pool) setLink(mem.usedpools, p.szidx, p.nextpool);
  } else prev.nextpool = p.nextpool;
  if (next !== undefined) next.prevpool = p.prevpool;
  p.nextpool = NIL;
  p.prevpool = NIL;
}

function takeRawBlock(mem: M, addr: number, size: number): void {
  const raw = mem.raw;
  const chunk = rawChunkSize(size);
  const bin = raw.bins[chunk];
  if (bin !== undefined && bin.length > 0 && bin[bin.length - 1] === addr) {
    bin.pop();
    if (bin.length === 0) delete raw.bins[chunk];
  } else if (addr >= raw.top) raw.top = addr - 16 + chunk;
  else if (bin !== undefined) {
    const at = bin.indexOf(addr);
    if (at >= 0) bin.splice(at, 1);
    if (bin.length === 0) delete raw.bins[chunk];
  }
  raw.blocks += 1;
  raw.bytes += size;
}

/** PM-10 in place: the block keeps its address and now holds `size` bytes. */
export function applyBlockReallocated(mem: M, addr: number, size: number, owner: ObjectId, buffer: string): void {
  const rec = getBuffer(mem, owner, buffer);
  if (isRawAddress(addr)) mem.raw.bytes += size - (rec?.size ?? size);
  // A new record in place of the old (records are replaced, never edited: writableBuffers).
  if (rec !== undefined && rec.addr === addr) setBufferRecord(mem, owner, buffer, addr, size);
}

/** pymalloc_free (or the system free): the block at `addr` is released. */
export function applyBlockFreed(mem: M, addr: number, size: number, owner?: ObjectId, buffer?: string): void {
  if (owner !== undefined && buffer !== undefined) dropBufferRecord(mem, owner, buffer, addr);
  if (isArenaAddress(addr)) releasePoolBlock(mem, addr);
  else if (isRawAddress(addr)) {
    const raw = mem.raw;
    const chunk = rawChunkSize(size);
    const bin = raw.bins[chunk];
    if (bin === undefined) raw.bins[chunk] = [addr];
    else bin.push(addr);
    raw.blocks -= 1;
    raw.bytes -= size;
  }
}

function releasePoolBlock(mem: M, addr: number): void {
  const pool = poolOfAddress(addr);
  const p = mem.pools[pool];
  if (p === undefined) return;
  // The block's index, made an int32 by `| 0` (a block address divides exactly, and a
  // pool has at most 1021 blocks). The address arithmetic is in doubles, and V8 stores a
  // double result, whole or not, by turning the pool's free list into an array of doubles
  // (8 bytes an entry, regrown as it fills while a collection frees thousands of blocks).
  const j = ((addr - poolAddress(pool) - POOL_OVERHEAD) / blockSize(p.szidx)) | 0;
  const wasFull = p.free.length === 0;
  p.free.push(j);
  p.ref -= 1;
  if (wasFull) {
    // insert_to_usedpool: a full pool goes to the front of usedpools.
    p.prevpool = NIL;
    p.nextpool = mem.usedpools[p.szidx] ?? NIL;
    const old = p.nextpool === NIL ? undefined : mem.pools[p.nextpool];
    if (old !== undefined) old.prevpool = pool;
    setLink(mem.usedpools, p.szidx, pool);
    return;
  }
  if (p.ref !== 0) return;
  insertToFreepool(mem, pool, p);
}

/** insert_to_freepool, without case 1's unmapping (that is the ArenaFreed that follows). */
function insertToFreepool(mem: M, pool: number, p: PoolState): void {
  unlinkUsedPool(mem, pool, p);
  const arena = Math.floor(pool / MAX_POOLS_IN_ARENA);
  const ao = mem.arenas[arena];
  if (ao === undefined) return;
  p.nextpool = ao.freepools;
  ao.freepools = pool;
  let nf = ao.nfreepools;
  const lastnf = mem.nfp2lasta[nf] ?? NIL;
  if (lastnf === arena) {
    const prev = ao.prevarena === NIL ? undefined : mem.arenas[ao.prevarena];
    setLink(mem.nfp2lasta, nf, prev !== undefined && prev.nfreepools === nf ? ao.prevarena : NIL);
  }
  nf += 1;
  ao.nfreepools = nf;
  // Case 1: wholly empty and not the last usable arena: ArenaFreed comes next.
  if (nf === ao.ntotalpools && ao.nextarena !== NIL) return;
  // Case 2: the arena was full; it goes to the head of usable_arenas.
  if (nf === 1) {
    ao.nextarena = mem.usableArenas;
    ao.prevarena = NIL;
    const head = mem.usableArenas === NIL ? undefined : mem.arenas[mem.usableArenas];
    if (head !== undefined) head.prevarena = arena;
    mem.usableArenas = arena;
    if ((mem.nfp2lasta[1] ?? NIL) === NIL) setLink(mem.nfp2lasta, 1, arena);
    return;
  }
  if ((mem.nfp2lasta[nf] ?? NIL) === NIL) setLink(mem.nfp2lasta, nf, arena);
  // Case 4: it was the rightmost with the old count, so the order holds.
  if (arena === lastnf) return;
  // Case 3: slide right, to just after lastnf.
  const last = mem.arenas[lastnf];
  if (last === undefined) return;
  unlinkUsable(mem, arena);
  ao.prevarena = lastnf;
  ao.nextarena = last.nextarena;
  const after = last.nextarena === NIL ? undefined : mem.arenas[last.nextarena];
  if (after !== undefined) after.prevarena = arena;
  last.nextarena = arena;
}

/** A dead object's (or a buffer's) block is parked on a free list; it stays in use. */
export function applyFreelistPushed(mem: M, list: string, addr: number, owner?: ObjectId, buffer?: string): void {
  if (owner !== undefined && buffer !== undefined) dropBufferRecord(mem, owner, buffer, addr);
  const stack = Object.hasOwn(mem.freelists, list) ? mem.freelists[list] : undefined;
  if (stack === undefined) mem.freelists[list] = [addr];
  else stack.push(addr);
}

/** A parked block is taken for a new object (or buffer) instead of allocating one. */
export function applyFreelistPopped(mem: M, list: string, addr: number, owner?: ObjectId, buffer?: string): void {
  const stack = Object.hasOwn(mem.freelists, list) ? mem.freelists[list] : undefined;
  if (stack !== undefined) {
    if (stack[stack.length - 1] === addr) stack.pop();
    else {
      const at = stack.indexOf(addr);
      if (at >= 0) stack.splice(at, 1);
    }
    if (stack.length === 0) delete mem.freelists[list];
  }
  if (owner !== undefined && buffer !== undefined) {
    setBufferRecord(mem, owner, buffer, addr, FREELISTS[list]?.bytes ?? 0);
  }
}

/** The list is emptied; its blocks are released by the BlockFreed events that follow. Returns how many. */
export function applyFreelistCleared(mem: M, list: string): number {
  const stack = Object.hasOwn(mem.freelists, list) ? mem.freelists[list] : undefined;
  if (stack === undefined) return 0;
  const n = stack.length;
  delete mem.freelists[list];
  return n;
}

/** A head or finger of a list kept by index: absent means NIL, so an empty heap stays small. */
function setLink(links: Record<number, number>, key: number, value: number): void {
  if (value === NIL) delete links[key];
  else links[key] = value;
}

function setBufferRecord(mem: M, owner: ObjectId, name: string, addr: number, size: number): void {
  let bufs = mem.buffers[owner];
  if (bufs === undefined) {
    bufs = Object.create(null) as Record<string, BufferState>;
    mem.buffers[owner] = bufs;
  } else if (Object.isFrozen(bufs)) bufs = writableBuffers(mem, owner, bufs);
  bufs[name] = { addr, size };
}

/**
 * An owner's buffer records shared with a snapshot (frozen: a timeline's working state
 * restored by pointing at a checkpoint's records, as for heap objects: evolve.ts's
 * `writable`) are copied before they are written. The records themselves are replaced,
 * never edited (applyBlockReallocated too), so the copy shares them.
 */
function writableBuffers(mem: M, owner: ObjectId, bufs: Record<string, BufferState>): Record<string, BufferState> {
  const copy = Object.create(null) as Record<string, BufferState>;
  for (const key in bufs) copy[key] = bufs[key] as BufferState;
  mem.buffers[owner] = copy;
  return copy;
}

function dropBufferRecord(mem: M, owner: ObjectId, name: string, addr: number): void {
  let bufs = mem.buffers[owner];
  if (bufs === undefined || !Object.hasOwn(bufs, name) || bufs[name]?.addr !== addr) return;
  if (Object.isFrozen(bufs)) bufs = writableBuffers(mem, owner, bufs);
  delete bufs[name];
  for (const _ in bufs) return; // another buffer is left (no key list built to find out)
  mem.buffers[owner] = undefined; // not `delete`: see MemoryState.buffers
}
