// pymalloc, given/when/then (spec §4, PM-1..PM-10): given the events of some
// allocations, when one more request or free is decided, then these events follow.
import { describe, expect, it } from 'vitest';
import type { MemEvent, ObjectId } from '../events.js';
import { checkInvariants } from '../invariants.js';
import {
  ARENA_SIZE,
  MAX_POOLS_IN_ARENA,
  NIL,
  POOL_OVERHEAD,
  POOL_SIZE,
  RAW_REGION,
  arenaAddress,
  blockSize,
  blocksPerPool,
  isRawAddress,
  isStaticAddress,
  poolAddress,
  poolOfAddress,
  type MemoryState,
} from '../memory.js';
import { sizeClassUsage } from '../views/mallocStats.js';
import { free, malloc, rawMalloc } from './pymalloc.js';
import { Runtime } from './runtime.js';
import { LIST_OBJECT_SIZE } from './sizes.js';
import { bootstrapStatics } from './statics.js';

const given = (): Runtime => new Runtime({ record: true });
/** The events `when` emits. */
function when(rt: Runtime, action: () => void): MemEvent[] {
  const from = rt.log?.length ?? 0;
  action();
  checkInvariants(rt.state);
  return (rt.log ?? []).slice(from);
}
const mallocs = (rt: Runtime, n: number, bytes: number): number[] => Array.from({ length: n }, () => malloc(rt, bytes));
const mem = (rt: Runtime): MemoryState => rt.state.memory;
/** The usable_arenas list, head first, as [arena, nfreepools]. */
function usable(rt: Runtime): [number, number][] {
  const out: [number, number][] = [];
  for (let a = mem(rt).usableArenas; a !== NIL; a = mem(rt).arenas[a]?.nextarena ?? NIL) {
    out.push([a, mem(rt).arenas[a]?.nfreepools ?? -1]);
  }
  return out;
}
/** The usedpools[c] list, head first. */
function usedPools(rt: Runtime, c: number): number[] {
  const out: number[] = [];
  for (let p = mem(rt).usedpools[c] ?? NIL; p !== NIL; p = mem(rt).pools[p]?.nextpool ?? NIL) out.push(p);
  return out;
}
const block = (pool: number, c: number, j: number): number => poolAddress(pool) + POOL_OVERHEAD + j * blockSize(c);

/** PM-2 as the spec and pymalloc.ts's header print it: [class, block size, blocks per pool, bytes lost]. */
// prettier-ignore
const PM2: readonly (readonly [number, number, number, number])[] = [
  [0, 16, 1021, 0], [1, 32, 510, 16], [2, 48, 340, 16], [3, 64, 255, 16], [4, 80, 204, 16], [5, 96, 170, 16],
  [6, 112, 145, 96], [7, 128, 127, 80], [8, 144, 113, 64], [9, 160, 102, 16], [10, 176, 92, 144], [11, 192, 85, 16],
  [12, 208, 78, 112], [13, 224, 72, 208], [14, 240, 68, 16], [15, 256, 63, 208], [16, 272, 60, 16], [17, 288, 56, 208],
  [18, 304, 53, 224], [19, 320, 51, 16], [20, 336, 48, 208], [21, 352, 46, 144], [22, 368, 44, 144], [23, 384, 42, 208],
  [24, 400, 40, 336], [25, 416, 39, 112], [26, 432, 37, 352], [27, 448, 36, 208], [28, 464, 35, 96], [29, 480, 34, 16],
  [30, 496, 32, 464], [31, 512, 31, 464],
];

describe('size classes (PM-1, PM-2)', () => {
  it.each(PM2)('class %i: %i-byte blocks, %i per pool, %i bytes lost', (c, size, blocks, lost) => {
    expect(blockSize(c)).toBe(size);
    expect(blocksPerPool(c)).toBe(blocks);
    expect((POOL_SIZE - POOL_OVERHEAD) % size).toBe(lost);
  });

  it('serves 1..512 bytes from class (n - 1) >> 4 and 0 or > 512 bytes from the system (PM-9)', () => {
    const rt = given();
    for (const [n, c] of [
      [1, 0],
      [16, 0],
      [17, 1],
      [56, 3],
      [512, 31],
    ] as const) {
      const addr = malloc(rt, n);
      expect(mem(rt).pools[poolOfAddress(addr)]?.szidx).toBe(c);
    }
    expect(isRawAddress(malloc(rt, 0))).toBe(true);
    expect(isRawAddress(malloc(rt, 513))).toBe(true);
  });
});

describe('allocation (PM-4, PM-5)', () => {
  it('maps an arena, carves its first pool and hands out block 0 on an empty heap', () => {
    const rt = given();
    expect(when(rt, () => malloc(rt, 56))).toEqual([
      { type: 'ArenaAllocated', arena: 0, addr: arenaAddress(0) },
      { type: 'PoolInitialized', pool: 0, sizeClass: 3 },
      { type: 'BlockAllocated', addr: block(0, 3, 0), size: 56 },
    ]);
    // PM-15 policy: one page past a 16 KiB boundary, so the first pool starts at the next boundary.
    expect(arenaAddress(0) % POOL_SIZE).toBe(4096);
    expect(poolAddress(0) - arenaAddress(0)).toBe(POOL_SIZE - 4096);
    expect(mem(rt).arenas[0]).toMatchObject({ ntotalpools: 63, nfreepools: 62 });
  });

  it('hands out never-used blocks in address order, then reuses freed ones last-in first-out', () => {
    const rt = given();
    const [b0, b1, b2] = mallocs(rt, 3, 56);
    expect([b0, b1, b2]).toEqual([block(0, 3, 0), block(0, 3, 1), block(0, 3, 2)]);
    free(rt, b1 as number, 56);
    free(rt, b0 as number, 56);
    expect(when(rt, () => mallocs(rt, 3, 64))).toEqual([
      { type: 'BlockAllocated', addr: b0, size: 64 },
      { type: 'BlockAllocated', addr: b1, size: 64 },
      { type: 'BlockAllocated', addr: block(0, 3, 3), size: 64 },
    ]);
  });

  it('takes a full pool out of usedpools and starts a new pool for the next request', () => {
    const rt = given();
    mallocs(rt, blocksPerPool(3), 64);
    expect(usedPools(rt, 3)).toEqual([]);
    expect(mem(rt).pools[0]).toMatchObject({ ref: 255, free: [] });
    expect(when(rt, () => malloc(rt, 64))).toEqual([
      { type: 'PoolInitialized', pool: 1, sizeClass: 3 },
      { type: 'BlockAllocated', addr: block(1, 3, 0), size: 64 },
    ]);
  });

  it('serves a class from the first pool of usedpools', () => {
    const rt = given();
    const first = mallocs(rt, blocksPerPool(3), 64); // pool 0 full
    malloc(rt, 64); // pool 1 used
    free(rt, first[10] as number, 64); // pool 0 back at the front
    expect(usedPools(rt, 3)).toEqual([0, 1]);
    expect(when(rt, () => malloc(rt, 64))).toEqual([{ type: 'BlockAllocated', addr: first[10], size: 64 }]);
  });

  it('reuses an empty pool of its arena before carving a new one; another class re-initialises it', () => {
    const rt = given();
    const a = mallocs(rt, 3, 64); // pool 0, class 3
    malloc(rt, 32); // pool 1, class 1
    for (const b of a) free(rt, b, 64);
    expect(mem(rt).arenas[0]?.freepools).toBe(0);
    expect(when(rt, () => malloc(rt, 100))).toEqual([
      { type: 'PoolInitialized', pool: 0, sizeClass: 6 },
      { type: 'BlockAllocated', addr: block(0, 6, 0), size: 100 },
    ]);
  });

  it('keeps the free list of an empty pool that comes back to the same class', () => {
    const rt = given();
    const [b0, b1, b2] = mallocs(rt, 3, 64);
    malloc(rt, 32); // pool 1 keeps the arena from being the only user of pool 0
    free(rt, b1 as number, 64);
    free(rt, b0 as number, 64);
    free(rt, b2 as number, 64); // pool 0 is empty: b2 is on top of its free list
    expect(when(rt, () => mallocs(rt, 2, 64))).toEqual([
      { type: 'PoolInitialized', pool: 0, sizeClass: 3 },
      { type: 'BlockAllocated', addr: b2, size: 64 },
      { type: 'BlockAllocated', addr: b0, size: 64 },
    ]);
  });

  it('maps a second arena only when no arena has a free pool (PM-7)', () => {
    const rt = given();
    mallocs(rt, 63 * blocksPerPool(31), 512); // 63 full pools: arena 0 leaves usable_arenas
    expect(usable(rt)).toEqual([]);
    expect(when(rt, () => malloc(rt, 512))).toEqual([
      { type: 'ArenaAllocated', arena: 1, addr: arenaAddress(1) },
      { type: 'PoolInitialized', pool: MAX_POOLS_IN_ARENA, sizeClass: 31 },
      { type: 'BlockAllocated', addr: block(MAX_POOLS_IN_ARENA, 31, 0), size: 512 },
    ]);
    expect(arenaAddress(1) - arenaAddress(0)).toBe(ARENA_SIZE);
  });
});

describe('free (PM-6)', () => {
  it('pushes the block on its pool’s free list: the next request of the pool gets it', () => {
    const rt = given();
    const [, b1] = mallocs(rt, 3, 64);
    expect(when(rt, () => free(rt, b1 as number, 64))).toEqual([{ type: 'BlockFreed', addr: b1, size: 64 }]);
    expect(malloc(rt, 64)).toBe(b1);
  });

  it('links a pool that was full at the front of usedpools', () => {
    const rt = given();
    const p0 = mallocs(rt, blocksPerPool(3), 64);
    malloc(rt, 64);
    expect(usedPools(rt, 3)).toEqual([1]);
    free(rt, p0[0] as number, 64);
    expect(usedPools(rt, 3)).toEqual([0, 1]);
  });

  it('moves a pool that became empty to the front of its arena’s free pools', () => {
    const rt = given();
    const a = mallocs(rt, 2, 64);
    const b = mallocs(rt, 2, 32);
    malloc(rt, 100);
    for (const x of a) free(rt, x, 64);
    for (const x of b) free(rt, x, 32);
    expect(mem(rt).arenas[0]?.freepools).toBe(1);
    expect(mem(rt).pools[1]?.nextpool).toBe(0);
    expect(mem(rt).arenas[0]?.nfreepools).toBe(62);
    expect(usedPools(rt, 3)).toEqual([]);
  });
});

describe('arenas (PM-7, PM-8)', () => {
  const perArena = 63 * blocksPerPool(31);
  /** Arenas 0, 1, 2 full of 512-byte blocks and one block in arena 3. */
  function fourArenas(): { rt: Runtime; blocks: number[][] } {
    const rt = given();
    const blocks = [0, 1, 2].map(() => mallocs(rt, perArena, 512));
    blocks.push([malloc(rt, 512)]);
    return { rt, blocks };
  }
  const poolBlocks = (blocks: number[], pool: number): number[] =>
    blocks.slice(pool * blocksPerPool(31), (pool + 1) * blocksPerPool(31));

  it('case 2: an arena that was full goes to the head of usable_arenas', () => {
    const { rt, blocks } = fourArenas();
    expect(usable(rt)).toEqual([[3, 62]]);
    for (const b of poolBlocks(blocks[0] as number[], 0)) free(rt, b, 512);
    expect(usable(rt)).toEqual([
      [0, 1],
      [3, 62],
    ]);
    // New pools come from the head: the most used arena.
    expect(poolOfAddress(malloc(rt, 16))).toBe(0);
  });

  it('case 3: an arena whose count grows slides right behind the last arena with its new count', () => {
    const { rt, blocks } = fourArenas();
    for (const b of poolBlocks(blocks[0] as number[], 0)) free(rt, b, 512);
    for (const b of poolBlocks(blocks[1] as number[], 0)) free(rt, b, 512);
    expect(usable(rt)).toEqual([
      [1, 1],
      [0, 1],
      [3, 62],
    ]);
    for (const b of poolBlocks(blocks[1] as number[], 1)) free(rt, b, 512);
    expect(usable(rt)).toEqual([
      [0, 1],
      [1, 2],
      [3, 62],
    ]);
    expect([0, 1, 2].map((n) => mem(rt).nfp2lasta[n] ?? NIL)).toEqual([NIL, 0, 1]);
  });

  it('case 1: an arena whose pools are all empty is unmapped unless it is the last usable arena', () => {
    const { rt, blocks } = fourArenas();
    const arena0 = blocks[0] as number[];
    for (const b of arena0.slice(0, -1)) free(rt, b, 512);
    expect(when(rt, () => free(rt, arena0.at(-1) as number, 512))).toEqual([
      { type: 'BlockFreed', addr: arena0.at(-1), size: 512 },
      { type: 'ArenaFreed', arena: 0 },
    ]);
    expect(mem(rt).arenas[0]?.address).toBe(0);
    expect(mem(rt).unusedArenaObjects).toBe(0);
    // The last usable arena is kept even when it is wholly empty (bpo-37257).
    expect(when(rt, () => free(rt, (blocks[3] as number[])[0] as number, 512))).toEqual([
      { type: 'BlockFreed', addr: (blocks[3] as number[])[0], size: 512 },
    ]);
    expect(usable(rt)).toEqual([[3, 63]]);
    const stats = rt.debugMallocStats();
    expect(stats).toContain('# arenas allocated total           =                    4\n');
    expect(stats).toContain('# arenas reclaimed                 =                    1\n');
    expect(stats).toContain('# arenas highwater mark            =                    4\n');
    expect(stats).toContain('# arenas allocated current         =                    3\n');
  });

  it('reuses the arena object freed last, at the same address, when it maps a new arena', () => {
    const { rt, blocks } = fourArenas();
    for (const b of blocks[1] as number[]) free(rt, b, 512);
    expect(mem(rt).arenas[1]?.address).toBe(0);
    mallocs(rt, perArena - 1, 512); // arena 3 full
    expect(when(rt, () => malloc(rt, 512))[0]).toEqual({ type: 'ArenaAllocated', arena: 1, addr: arenaAddress(1) });
  });

  it('grows the arena-object vector from 16 by doubling (INITIAL_ARENA_OBJECTS)', () => {
    const rt = given();
    malloc(rt, 8);
    expect(mem(rt).arenas.length).toBe(16);
  });
});

describe('the system allocator (PM-9)', () => {
  it('serves 0 and > 512 bytes outside the arenas, invisible to the class table', () => {
    const rt = given();
    const before = sizeClassUsage(rt.state);
    const a = malloc(rt, 0);
    const b = malloc(rt, 600);
    expect([a, b].every((x) => x > RAW_REGION && isRawAddress(x))).toBe(true);
    expect(sizeClassUsage(rt.state)).toEqual(before);
    expect(mem(rt).arenas).toEqual([]);
  });

  it('reuses a freed chunk of the same size last-in first-out', () => {
    const rt = given();
    const [a, b] = [rawMalloc(rt, 1000), rawMalloc(rt, 1000)];
    free(rt, a, 1000);
    free(rt, b, 1000);
    expect(rawMalloc(rt, 1000)).toBe(b);
    expect(rawMalloc(rt, 1000)).toBe(a);
  });
});

describe('realloc of an item array (PM-10)', () => {
  function listWithItems(bytes: number): { rt: Runtime; l: ObjectId; addr: () => number } {
    const rt = given();
    const f = rt.enterFrame('<module>');
    const l = rt.allocate(
      { pyType: 'list', kind: 'list', size: LIST_OBJECT_SIZE, repr: '[]' },
      { kind: 'frame', frame: f, name: 'l' },
    );
    rt.setBuffer(l, 'items', bytes);
    return { rt, l, addr: () => mem(rt).buffers[l]?.['items']?.addr ?? 0 };
  }

  it.each([
    [64, 56, true, 'shrinks by less than a quarter: kept'],
    [64, 49, true, 'the smallest size kept in a 64-byte block (4n > 3s)'],
    [64, 48, false, 'shrinks by a quarter: moved (4 * 48 = 3 * 64)'],
    [32, 40, false, 'grows past its block: moved'],
    [32, 32, true, 'same size: nothing happens'],
  ])('%i -> %i bytes: kept %s (%s)', (from, to, kept) => {
    const { rt, l, addr } = listWithItems(from);
    const old = addr();
    const events = when(rt, () => rt.setBuffer(l, 'items', to));
    expect(addr() === old).toBe(kept);
    if (kept && from !== to) {
      expect(events).toEqual([{ type: 'BlockReallocated', addr: old, size: to, owner: l, buffer: 'items' }]);
    }
    if (!kept) {
      const blocks = events.filter((e) => e.type === 'BlockAllocated' || e.type === 'BlockFreed');
      expect(blocks.map((e) => e.type)).toEqual(['BlockAllocated', 'BlockFreed']); // the new block first
      expect(blocks[1]).toMatchObject({ addr: old, size: from });
    }
  });

  it('keeps a system block with the system allocator, even below 512 bytes', () => {
    const { rt, l, addr } = listWithItems(4000);
    expect(isRawAddress(addr())).toBe(true);
    rt.setBuffer(l, 'items', 80);
    expect(isRawAddress(addr())).toBe(true);
  });

  it('moves a pymalloc block that outgrows 512 bytes to the system allocator', () => {
    const { rt, l, addr } = listWithItems(512);
    rt.setBuffer(l, 'items', 608);
    expect(isRawAddress(addr())).toBe(true);
  });

  it('gives other buffers a new block, then frees the old one (dictresize, set_table_resize)', () => {
    const rt = given();
    const f = rt.enterFrame('<module>');
    const s = rt.allocate(
      { pyType: 'set', kind: 'set', size: 216, repr: 'set()' },
      { kind: 'frame', frame: f, name: 's' },
    );
    rt.setBuffer(s, 'table', 512);
    const events = when(rt, () => rt.setBuffer(s, 'table', 500));
    expect(events.map((e) => e.type)).toEqual(['BlockAllocated', 'BlockFreed']);
  });
});

describe('identity: freed blocks come back', () => {
  const spec = (pyType: string, size: number) => ({ pyType, kind: pyType, size, repr: pyType });
  it.each([
    { pyType: 'list', size: LIST_OBJECT_SIZE, how: 'through the list free list' },
    { pyType: 'set', size: 216, how: 'through pymalloc’s LIFO pool free list' },
  ])('id($pyType()) == id($pyType()) ($how)', ({ pyType, size }) => {
    const rt = given();
    const f = rt.enterFrame('<module>');
    const stack = { kind: 'stack', frame: f } as const;
    const a = rt.allocate(spec(pyType, size), stack);
    const first = rt.object(a).addr;
    rt.decref(a, stack);
    const b = rt.allocate(spec(pyType, size), stack);
    expect(rt.object(b).addr).toBe(first);
    // id() is the address after the 16-byte GC header: the block starts 16 bytes earlier.
    expect(first % 16).toBe(0);
    expect(poolOfAddress(first - 16)).toBe(poolOfAddress(first));
  });
});

describe('static objects (ID-1, ID-2, RC-8)', () => {
  it("None, True, False, the small ints, '' and () take no memory and keep distinct fixed ids", () => {
    const rt = given();
    const statics = bootstrapStatics(rt);
    expect(mem(rt).arenas).toEqual([]);
    expect(mem(rt).raw.blocks).toBe(0);
    const ids = [statics.none, statics.true, statics.false, statics.emptyStr, statics.emptyTuple];
    for (let v = -5; v <= 256; v++) ids.push(statics.smallInt(v) as ObjectId);
    const addrs = ids.map((id) => rt.object(id).addr);
    expect(addrs.every(isStaticAddress)).toBe(true);
    expect(new Set(addrs).size).toBe(ids.length);
    expect(statics.smallInt(257)).toBeUndefined();
  });
});
