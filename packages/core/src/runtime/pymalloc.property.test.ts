// Laws of the memory model (fast-check): random programs of allocations, buffer
// resizes, references, deletions and collections, driven through the Runtime.
//   - checkInvariants holds after every event;
//   - no two live blocks overlap;
//   - blocks in use per size class = live small allocations of that class + parked blocks;
//   - an arena is released exactly when all its pools are empty, unless it is the last
//     usable arena (PM-8);
//   - a freed block is the next one handed out in its pool (a model of PM-4/PM-6 kept
//     from the events);
//   - folding the log (plain and Immer) gives the runtime's state.
// FC_SEED=<seed> replays a failure.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evolveAll, foldPlain } from '../evolve.js';
import type { FrameId, Holder, MemEvent, ObjectId } from '../events.js';
import { hashState } from '../hash.js';
import { checkInvariants } from '../invariants.js';
import {
  FREELISTS,
  MAX_POOLS_IN_ARENA,
  NIL,
  POOL_OVERHEAD,
  blockSize,
  isArenaAddress,
  isRawAddress,
  isStaticAddress,
  poolAddress,
  poolOfAddress,
  rawChunkSize,
  sizeClassIndex,
  type MemoryState,
} from '../memory.js';
import { emptyHeap, type HeapState } from '../state.js';
import { sizeClassUsage } from '../views/mallocStats.js';
import { preHeaderSize } from './objectMemory.js';
import { Runtime, type ObjectSpec } from './runtime.js';
import { dictKeysSize, intSize, listSize, tupleSize } from './sizes.js';
import { liveObjects } from '../state.js';

function fcParams<T>(): fc.Parameters<T> {
  const seed = process.env['FC_SEED'];
  return seed === undefined ? {} : { seed: Number(seed) };
}

// ---------------------------------------------------------------------------------
// Programs.

const VARS = ['a', 'b', 'c', 'd', 'e'] as const;
type Var = (typeof VARS)[number];

type Make =
  | { readonly t: 'float' }
  | { readonly t: 'int'; readonly v: number }
  | { readonly t: 'bytes'; readonly n: number }
  | { readonly t: 'tuple'; readonly n: number }
  | { readonly t: 'list'; readonly cap: number }
  | { readonly t: 'dict'; readonly table: number; readonly unicode: boolean }
  | { readonly t: 'set'; readonly table: number }
  | { readonly t: 'instance'; readonly values: number }
  | { readonly t: 'class' }
  | { readonly t: 'static' };

type Op =
  | { readonly op: 'new'; readonly v: Var; readonly make: Make }
  | { readonly op: 'burst'; readonly v: Var; readonly make: Make; readonly k: number }
  | { readonly op: 'resize'; readonly v: Var; readonly bytes: number }
  | { readonly op: 'nudge'; readonly v: Var; readonly delta: number }
  | { readonly op: 'thin'; readonly v: Var; readonly every: number; readonly keep: number }
  | { readonly op: 'link'; readonly from: Var; readonly to: Var }
  | { readonly op: 'del'; readonly v: Var }
  | { readonly op: 'collect'; readonly g: 0 | 1 | 2 }
  | { readonly op: 'threshold'; readonly t: number };

const varArb = fc.constantFrom(...VARS);
const fewVars = fc.constantFrom<Var>('a', 'b', 'c');
const makeArb: fc.Arbitrary<Make> = fc.oneof(
  fc.constant({ t: 'float' as const }),
  fc.integer({ min: 257, max: 2 ** 52 }).map((v) => ({ t: 'int' as const, v })),
  fc.nat(600).map((n) => ({ t: 'bytes' as const, n })),
  fc.integer({ min: 1, max: 24 }).map((n) => ({ t: 'tuple' as const, n })),
  fc.nat(70).map((cap) => ({ t: 'list' as const, cap })),
  fc.record({ table: fc.constantFrom(0, 8, 16, 32), unicode: fc.boolean() }).map((r) => ({ t: 'dict' as const, ...r })),
  fc.constantFrom(0, 32, 64).map((table) => ({ t: 'set' as const, table })),
  fc.constantFrom(16, 24, 48, 264).map((values) => ({ t: 'instance' as const, values })),
  fc.constant({ t: 'class' as const }),
  fc.constant({ t: 'static' as const }),
);
const opArb = (maxBurst: number): fc.Arbitrary<Op> =>
  fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('new' as const), v: varArb, make: makeArb }), weight: 6 },
    {
      arbitrary: fc.record({
        op: fc.constant('burst' as const),
        v: varArb,
        make: makeArb,
        k: fc.integer({ min: 1, max: maxBurst }),
      }),
      weight: 2,
    },
    { arbitrary: fc.record({ op: fc.constant('resize' as const), v: varArb, bytes: fc.nat(700) }), weight: 2 },
    {
      arbitrary: fc.record({ op: fc.constant('nudge' as const), v: varArb, delta: fc.integer({ min: -24, max: 24 }) }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        op: fc.constant('thin' as const),
        v: varArb,
        every: fc.integer({ min: 1, max: 5 }),
        keep: fc.nat(4),
      }),
      weight: 2,
    },
    { arbitrary: fc.record({ op: fc.constant('link' as const), from: varArb, to: varArb }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('del' as const), v: varArb }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('collect' as const), g: fc.constantFrom(0, 1, 2) }), weight: 1 },
    { arbitrary: fc.record({ op: fc.constant('threshold' as const), t: fc.integer({ min: 0, max: 50 }) }), weight: 1 },
  );

const BUFFER_OF: Readonly<Record<string, string>> = { list: 'items', dict: 'keys', set: 'table', instance: 'values' };

function specOf(m: Make): { spec: ObjectSpec; buffer?: number } {
  switch (m.t) {
    case 'float':
      return { spec: { pyType: 'float', kind: 'float', size: 24, repr: 'f' } };
    case 'int':
      return { spec: { pyType: 'int', kind: 'int', size: intSize(BigInt(m.v)), repr: String(m.v) } };
    case 'bytes':
      return { spec: { pyType: 'bytes', kind: 'bytes', size: 33 + m.n, repr: 'b' } };
    case 'tuple':
      return { spec: { pyType: 'tuple', kind: 'tuple', size: tupleSize(m.n), items: m.n, repr: 't' } };
    case 'list':
      return { spec: { pyType: 'list', kind: 'list', size: listSize(m.cap), alloc: 56, repr: 'l' }, buffer: 8 * m.cap };
    case 'dict':
      return {
        spec: { pyType: 'dict', kind: 'dict', size: 64, repr: 'd' },
        buffer: m.table === 0 ? 0 : dictKeysSize(m.table, m.unicode),
      };
    case 'set':
      return { spec: { pyType: 'set', kind: 'set', size: 216, repr: 's' }, buffer: 16 * m.table };
    case 'instance':
      return { spec: { pyType: 'C', kind: 'instance', size: 56, repr: 'C()' }, buffer: m.values };
    case 'class':
      return { spec: { pyType: 'type', kind: 'class', size: 1688, repr: 'C' } };
    case 'static':
      return { spec: { pyType: 'NoneType', kind: 'none', size: 16, repr: 'None', base: 100, static: true } };
  }
}

interface Checks {
  readonly everyEvent: boolean;
}

/** Runs a program; returns the runtime and what the checks found. */
function run(ops: readonly Op[], checks: Checks): { rt: Runtime; log: MemEvent[]; failures: string[] } {
  const rt = new Runtime({ record: true });
  const failures: string[] = [];
  const model = new PoolModel();
  const arenaWatch = new ArenaWatch();
  rt.events$.subscribe((event) => {
    try {
      if (checks.everyEvent) checkInvariants(rt.state);
      model.observe(rt.state.memory, event);
      arenaWatch.observe(rt.state.memory, event);
    } catch (error) {
      if (failures.length < 5) failures.push(`${JSON.stringify(event)}: ${String(error)}`);
    }
  });
  const frame: FrameId = rt.enterFrame('<module>');
  const slot = (v: Var): Holder => ({ kind: 'frame', frame, name: v });
  const lookup = (v: Var): ObjectId | undefined => {
    const vars = rt.state.frames[frame]?.vars;
    return vars !== undefined && Object.hasOwn(vars, v) ? vars[v] : undefined;
  };
  const make = (m: Make, holder: Holder): ObjectId => {
    const { spec, buffer } = specOf(m);
    const id = rt.allocate(spec, holder);
    const name = BUFFER_OF[spec.kind];
    if (name !== undefined && buffer !== undefined && buffer > 0) rt.setBuffer(id, name, buffer);
    return id;
  };
  const store = (v: Var, create: (h: Holder) => ObjectId): void => {
    const old = lookup(v);
    create(slot(v));
    if (old !== undefined) rt.decref(old, slot(v));
  };

  for (const op of ops) {
    switch (op.op) {
      case 'new':
        store(op.v, (h) => make(op.make, h));
        break;
      case 'burst':
        // v = [make() for _ in range(k)]: a list holding k new objects.
        store(op.v, (h) => {
          const l = make({ t: 'list', cap: 0 }, h);
          rt.setBuffer(l, 'items', 8 * op.k);
          for (let i = 0; i < op.k; i++) make(op.make, { kind: 'object', owner: l, slot: 'item' });
          return l;
        });
        break;
      case 'resize': {
        const id = lookup(op.v);
        const name = id === undefined ? undefined : BUFFER_OF[rt.object(id).kind];
        if (id !== undefined && name !== undefined) rt.setBuffer(id, name, op.bytes);
        break;
      }
      case 'nudge': {
        // A resize to about the same size: PM-10 keeps the block when it still fits.
        const id = lookup(op.v);
        const name = id === undefined ? undefined : BUFFER_OF[rt.object(id).kind];
        if (id === undefined || name === undefined) break;
        const cur = rt.state.memory.buffers[id]?.[name]?.size ?? 0;
        rt.setBuffer(id, name, Math.max(0, cur + op.delta));
        break;
      }
      case 'thin': {
        // del l[i] for every `every`-th item but the `keep`-th: frees blocks all over the pools.
        const owner = lookup(op.v);
        if (owner === undefined) break;
        const refs = rt.object(owner).refs;
        for (let i = refs.length - 1; i >= 0; i--) {
          const ref = refs[i];
          if (ref !== undefined && i % op.every !== op.keep % op.every) {
            rt.decref(ref.to, { kind: 'object', owner, slot: ref.slot, at: i });
          }
        }
        break;
      }
      case 'link': {
        const owner = lookup(op.to);
        const target = lookup(op.from);
        if (owner !== undefined && target !== undefined && BUFFER_OF[rt.object(owner).kind] !== undefined) {
          rt.incref(target, { kind: 'object', owner, slot: 'item' });
          rt.track(owner); // MAINTAIN_TRACKING: a dict holding a container is tracked (GC-T4)
        }
        break;
      }
      case 'del': {
        const id = lookup(op.v);
        if (id !== undefined) rt.decref(id, slot(op.v));
        break;
      }
      case 'collect':
        rt.collect(op.g);
        break;
      case 'threshold':
        rt.setThresholds([op.t, 3, 3]);
        break;
    }
    try {
      checkAccounting(rt.state);
      arenaWatch.checkQuiet(rt.state.memory);
    } catch (error) {
      if (failures.length < 5) failures.push(`after ${JSON.stringify(op)}: ${String(error)}`);
    }
  }
  return { rt, log: rt.log ?? [], failures };
}

// ---------------------------------------------------------------------------------
// Checks at operation boundaries.

/** Where a live allocation lies: [start, end) of its block or chunk. */
function extent(addr: number, bytes: number, mem: MemoryState): [number, number] {
  if (isArenaAddress(addr)) {
    const p = mem.pools[poolOfAddress(addr)];
    return [addr, addr + blockSize(p?.szidx ?? 0)];
  }
  return [addr - 16, addr - 16 + rawChunkSize(bytes)];
}

function checkAccounting(state: HeapState): void {
  const mem = state.memory;
  const extents: [number, number, string][] = [];
  const expected = new Array<number>(32).fill(0);
  const count = (addr: number, bytes: number, who: string, kept: boolean): void => {
    extents.push([...extent(addr, bytes, mem), who]);
    if (!isArenaAddress(addr)) {
      if (bytes > 0 && bytes <= 512 && !kept) throw new Error(`${who}: ${bytes} bytes outside pymalloc`);
      return;
    }
    const c = mem.pools[poolOfAddress(addr)]?.szidx ?? -1;
    const size = blockSize(c);
    // PM-1, or a block kept by realloc (PM-10: n <= s and 4n > 3s).
    const ok = c === sizeClassIndex(bytes) || (kept && bytes <= size && 4 * bytes > 3 * size);
    if (!ok) throw new Error(`${who}: ${bytes} bytes in a block of class ${c}`);
    expected[c] = (expected[c] ?? 0) + 1;
  };
  for (const obj of liveObjects(state)) {
    if (isStaticAddress(obj.addr)) continue;
    count(obj.addr - preHeaderSize(obj.kind, obj.gcType), obj.alloc, `#${obj.id}`, false);
  }
  for (const [owner, bufs] of Object.entries(mem.buffers)) {
    for (const [name, b] of Object.entries(bufs ?? {})) count(b.addr, b.size, `#${owner}.${name}`, name === 'items');
  }
  for (const [list, stack] of Object.entries(mem.freelists)) {
    for (const addr of stack) count(addr, FREELISTS[list]?.bytes ?? 0, `free list ${list}`, false);
  }
  // Blocks in use per size class = live small allocations of the class + parked blocks.
  expect(sizeClassUsage(state).map((u) => u.inUse)).toEqual(expected);
  // No two live blocks overlap.
  extents.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < extents.length; i++) {
    const [prev, cur] = [extents[i - 1], extents[i]];
    if (prev !== undefined && cur !== undefined && cur[0] < prev[1]) throw new Error(`${prev[2]} overlaps ${cur[2]}`);
  }
  // System blocks: what the allocator counts is what is owned.
  expect(mem.raw.blocks).toBe(extents.filter(([start]) => isRawAddress(start + 16)).length);
}

/** PM-8: an arena goes exactly when all its pools are empty, unless it is the last usable arena. */
class ArenaWatch {
  private pending: number | undefined;

  observe(mem: MemoryState, event: MemEvent): void {
    if (this.pending !== undefined) {
      const arena = this.pending;
      this.pending = undefined;
      if (event.type !== 'ArenaFreed' || event.arena !== arena) {
        throw new Error(`arena ${arena} is wholly empty and not last, but ${event.type} followed`);
      }
      return;
    }
    if (event.type === 'ArenaFreed') throw new Error(`arena ${event.arena} freed without emptying its last pool`);
    if (event.type === 'BlockFreed' && isArenaAddress(event.addr)) {
      const arena = Math.floor(poolOfAddress(event.addr) / MAX_POOLS_IN_ARENA);
      const ao = mem.arenas[arena];
      if (ao !== undefined && ao.nfreepools === ao.ntotalpools && ao.nextarena !== NIL) this.pending = arena;
    }
  }

  /** Between operations: every mapped arena holds a block, except possibly the last usable one. */
  checkQuiet(mem: MemoryState): void {
    if (this.pending !== undefined) throw new Error(`arena ${this.pending} was never freed`);
    let last = NIL;
    for (let a = mem.usableArenas; a !== NIL; a = mem.arenas[a]?.nextarena ?? NIL) last = a;
    mem.arenas.forEach((ao, a) => {
      if (ao.address === 0 || ao.nfreepools < ao.ntotalpools) return;
      if (a !== last) throw new Error(`arena ${a} is wholly empty but mapped, and not the last usable arena`);
    });
  }
}

/**
 * An independent model of one pool's block order (PM-4, PM-6): freed blocks are handed
 * out again last-in first-out; when none is free, never-used blocks in address order.
 */
class PoolModel {
  private readonly pools = new Map<number, { sizeClass: number; freed: number[]; carved: number }>();

  observe(mem: MemoryState, event: MemEvent): void {
    switch (event.type) {
      case 'PoolInitialized': {
        const known = this.pools.get(event.pool);
        if (known === undefined || known.sizeClass !== event.sizeClass) {
          this.pools.set(event.pool, { sizeClass: event.sizeClass, freed: [], carved: 0 });
        }
        return;
      }
      case 'ArenaFreed':
        for (let k = 0; k < MAX_POOLS_IN_ARENA; k++) this.pools.delete(event.arena * MAX_POOLS_IN_ARENA + k);
        return;
      case 'BlockFreed': {
        if (!isArenaAddress(event.addr)) return;
        const p = this.pools.get(poolOfAddress(event.addr));
        if (p === undefined) throw new Error('a block freed in a pool never initialised');
        p.freed.push(event.addr);
        // The freed block is the next one its pool hands out.
        const top = mem.pools[poolOfAddress(event.addr)]?.free.at(-1);
        const next =
          top === undefined
            ? undefined
            : poolAddress(poolOfAddress(event.addr)) + POOL_OVERHEAD + top * blockSize(p.sizeClass);
        if (next !== event.addr)
          throw new Error(`freed 0x${event.addr.toString(16)} but the pool hands out ${String(next)} next`);
        return;
      }
      case 'BlockAllocated': {
        if (!isArenaAddress(event.addr)) return;
        const pool = poolOfAddress(event.addr);
        const p = this.pools.get(pool);
        if (p === undefined) throw new Error('a block allocated in a pool never initialised');
        const expected =
          p.freed.length > 0 ? p.freed.pop() : poolAddress(pool) + POOL_OVERHEAD + p.carved++ * blockSize(p.sizeClass);
        if (expected !== event.addr) {
          throw new Error(
            `pool ${pool} handed out 0x${event.addr.toString(16)}, expected 0x${String(expected?.toString(16))}`,
          );
        }
        return;
      }
      default:
        return;
    }
  }
}

// ---------------------------------------------------------------------------------

describe('the memory model under random programs', () => {
  it('holds every invariant after every event, and the memory laws between operations', () => {
    fc.assert(
      fc.property(fc.array(opArb(40), { minLength: 5, maxLength: 40, size: 'max' }), (ops) => {
        const { failures } = run(ops, { everyEvent: true });
        expect(failures).toEqual([]);
      }),
      { numRuns: 80, ...fcParams() },
    );
  });

  it('keeps the laws with thousands of blocks over several arenas', () => {
    const bigMake = fc.oneof(
      fc.integer({ min: 380, max: 479 }).map((n): Make => ({ t: 'bytes', n })),
      makeArb,
    );
    const bigOps = fc.oneof(
      { arbitrary: opArb(200), weight: 3 },
      { arbitrary: fc.record({ op: fc.constant('del' as const), v: fewVars }), weight: 2 },
      {
        arbitrary: fc.record({
          op: fc.constant('thin' as const),
          v: fewVars,
          every: fc.integer({ min: 1, max: 4 }),
          keep: fc.nat(3),
        }),
        weight: 2,
      },
      {
        arbitrary: fc.record({
          op: fc.constant('burst' as const),
          v: fewVars,
          make: bigMake,
          k: fc.integer({ min: 500, max: 2500 }),
        }),
        weight: 2,
      },
    );
    fc.assert(
      fc.property(fc.array(bigOps, { minLength: 4, maxLength: 20, size: 'max' }), (ops) => {
        const { rt, failures } = run(ops, { everyEvent: false });
        expect(failures).toEqual([]);
        checkInvariants(rt.state);
      }),
      { numRuns: 25, ...fcParams() },
    );
  });

  it('releases arenas as their pools empty, in any order of frees (PM-7, PM-8)', () => {
    const big: Make = { t: 'bytes', n: 479 }; // 512-byte blocks: 1,953 per arena
    const fill = fc.tuple(
      ...(['a', 'b', 'c', 'd'] as const).map((v) =>
        fc.integer({ min: 1500, max: 2500 }).map((k): Op => ({ op: 'burst', v, make: big, k })),
      ),
    );
    // Then one block in the last arena, so that arenas emptied later are not the last usable one.
    const tail: Op[] = [{ op: 'new', v: 'e', make: big }];
    const end: Op[] = (['a', 'b', 'c', 'd'] as const).map((v) => ({ op: 'del', v }));
    const release = fc.array(
      fc.oneof(
        fc.record({ op: fc.constant('del' as const), v: varArb }),
        fc.record({
          op: fc.constant('thin' as const),
          v: varArb,
          every: fc.integer({ min: 1, max: 4 }),
          keep: fc.nat(3),
        }),
        fc.record({
          op: fc.constant('burst' as const),
          v: fc.constantFrom<Var>('a', 'b'),
          make: fc.constant(big),
          k: fc.integer({ min: 1, max: 800 }),
        }),
      ),
      { minLength: 2, maxLength: 12, size: 'max' },
    );
    let freed = 0;
    fc.assert(
      fc.property(fill, release, (filled, freeing) => {
        const { rt, log, failures } = run([...filled, ...tail, ...freeing, ...end], { everyEvent: false });
        expect(failures).toEqual([]);
        checkInvariants(rt.state);
        freed += log.filter((e) => e.type === 'ArenaFreed').length;
      }),
      { numRuns: 30, ...fcParams() },
    );
    expect(freed).toBeGreaterThan(0); // the generator does reach PM-8 case 1
  });

  it('folds to the runtime’s state (plain and Immer), memory included', () => {
    fc.assert(
      fc.property(fc.array(opArb(60), { minLength: 5, maxLength: 30, size: 'max' }), (ops) => {
        const { rt, log } = run(ops, { everyEvent: false });
        const hash = hashState(rt.state);
        expect(hashState(foldPlain(emptyHeap(), log))).toBe(hash);
        expect(hashState(evolveAll(emptyHeap(), log))).toBe(hash);
      }),
      { numRuns: 40, ...fcParams() },
    );
  });

  it('frees everything it allocated once every name is deleted and the cycles collected', () => {
    fc.assert(
      fc.property(fc.array(opArb(100), { minLength: 5, maxLength: 30, size: 'max' }), (ops) => {
        const { rt } = run([...ops, ...VARS.map((v): Op => ({ op: 'del', v })), { op: 'collect', g: 2 }], {
          everyEvent: false,
        });
        const mem = rt.state.memory;
        expect(sizeClassUsage(rt.state).every((u) => u.inUse === 0)).toBe(true);
        expect(mem.raw.blocks).toBe(0);
        expect(Object.values(mem.buffers).filter((b) => b !== undefined)).toEqual([]);
        expect(mem.narenasCurrentlyAllocated).toBeLessThanOrEqual(1); // PM-8 keeps the last usable arena
      }),
      { numRuns: 40, ...fcParams() },
    );
  });
});
