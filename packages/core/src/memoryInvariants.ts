/*
 * Invariants of the memory state (memory.ts), checked by checkInvariants after every
 * event in tests and debug runs:
 *   - the unused arena objects are exactly the unmapped ones; the arena counters agree;
 *   - every carved pool: ref = carved blocks - free blocks; its free list holds distinct
 *     carved indexes; it is in usedpools[szidx] iff it has a free block and is not
 *     empty-and-cached, on its arena's freepools iff it is empty and not in usedpools
 *     (a pool just initialised is used with ref 0 until its first block goes out);
 *   - nfreepools = never-carved pools + cached empty pools;
 *   - usable_arenas holds exactly the mapped arenas with a free pool, well linked,
 *     sorted by ascending nfreepools except for an arena whose ArenaFreed is pending
 *     (all pools empty, not last); nfp2lasta[n] is the rightmost other arena with n;
 *   - free lists within capacity; live objects' blocks, buffers and parked blocks are
 *     distinct blocks in use.
 */
import { Defect } from './errors.js';
import {
  DUMMY_SIZE_IDX,
  FREELISTS,
  MAX_POOLS_IN_ARENA,
  NB_SMALL_SIZE_CLASSES,
  NIL,
  POOL_OVERHEAD,
  blockSize,
  blocksPerPool,
  isArenaAddress,
  isRawAddress,
  isStaticAddress,
  poolAddress,
  poolOfAddress,
  type MemoryState,
} from './memory.js';
import { preHeaderSize } from './runtime/objectMemory.js';
import type { HeapState } from './state.js';
import { liveObjects } from './state.js';

export function checkMemoryInvariants(state: HeapState): void {
  const mem = state.memory;
  checkArenas(mem);
  const inUse = blocksInUse(mem);
  const owned = new Map<number, string>();
  const own = (addr: number, who: string): void => {
    if (!inUse(addr)) throw new Defect(`${who} is at 0x${addr.toString(16)}, which is not a block in use`);
    const other = owned.get(addr);
    if (other !== undefined) throw new Defect(`${who} and ${other} share the block at 0x${addr.toString(16)}`);
    owned.set(addr, who);
  };
  for (const obj of liveObjects(state)) {
    if (isStaticAddress(obj.addr)) continue;
    own(obj.addr - preHeaderSize(obj.kind, obj.gcType), `#${obj.id} (${obj.pyType})`);
  }
  for (const [owner, bufs] of Object.entries(mem.buffers)) {
    if (bufs === undefined) continue;
    if (state.objects[Number(owner)] === undefined) throw new Defect(`buffers of freed object #${owner}`);
    for (const [name, buf] of Object.entries(bufs)) own(buf.addr, `#${owner}.${name}`);
  }
  for (const [list, stack] of Object.entries(mem.freelists)) {
    const cap = FREELISTS[list]?.capacity ?? 0;
    if (stack.length > cap) throw new Defect(`free list ${list} holds ${stack.length} > ${cap}`);
    for (const addr of stack) own(addr, `free list ${list}`);
  }
}

/** A membership test for blocks in use, built once per check. */
function blocksInUse(mem: MemoryState): (addr: number) => boolean {
  const freeSets = new Map<number, Set<number>>();
  const rawFree = new Set<number>();
  for (const bin of Object.values(mem.raw.bins)) for (const a of bin) rawFree.add(a);
  return (addr) => {
    if (isArenaAddress(addr)) {
      const pool = poolOfAddress(addr);
      const p = mem.pools[pool];
      if (p === undefined || p.szidx === DUMMY_SIZE_IDX) return false;
      const rel = addr - poolAddress(pool) - POOL_OVERHEAD;
      const size = blockSize(p.szidx);
      if (rel < 0 || rel % size !== 0 || rel / size >= p.nextIndex) return false;
      let free = freeSets.get(pool);
      if (free === undefined) {
        free = new Set(p.free);
        freeSets.set(pool, free);
      }
      return !free.has(rel / size);
    }
    return isRawAddress(addr) && addr < mem.raw.top && !rawFree.has(addr);
  };
}

function checkArenas(mem: MemoryState): void {
  // Unused arena objects.
  let unused = 0;
  for (let cur = mem.unusedArenaObjects; cur !== NIL;) {
    const ao = mem.arenas[cur];
    if (ao === undefined || ao.address !== 0) throw new Defect(`unused arena list holds mapped arena ${cur}`);
    unused += 1;
    if (unused > mem.arenas.length) throw new Defect('the unused arena list has a cycle');
    cur = ao.nextarena;
  }
  const mapped = mem.arenas.filter((a) => a.address !== 0).length;
  if (unused + mapped !== mem.arenas.length)
    throw new Defect(`${mem.arenas.length - mapped - unused} unmapped arenas are lost`);
  if (mapped !== mem.narenasCurrentlyAllocated) {
    throw new Defect(`${mapped} arenas are mapped but the counter says ${mem.narenasCurrentlyAllocated}`);
  }
  if (mem.narenasHighwater < mapped || mem.ntimesArenaAllocated < mem.narenasHighwater) {
    throw new Defect('arena counters out of order (total >= highwater >= current)');
  }

  // usedpools.
  const inUsed = new Set<number>();
  for (let c = 0; c < NB_SMALL_SIZE_CLASSES; c++) {
    let prev = NIL;
    for (let cur = mem.usedpools[c] ?? NIL; cur !== NIL;) {
      const p = mem.pools[cur];
      if (p === undefined) throw new Defect(`usedpools[${c}] links missing pool ${cur}`);
      if (p.szidx !== c) throw new Defect(`pool ${cur} of class ${p.szidx} is in usedpools[${c}]`);
      if (p.prevpool !== prev) throw new Defect(`pool ${cur} has a broken prev link in usedpools[${c}]`);
      if (inUsed.has(cur)) throw new Defect(`usedpools[${c}] has a cycle`);
      inUsed.add(cur);
      prev = cur;
      cur = p.nextpool;
    }
  }

  // Each mapped arena and its pools.
  const inFree = new Set<number>();
  for (let a = 0; a < mem.arenas.length; a++) {
    const ao = mem.arenas[a];
    if (ao === undefined || ao.address === 0) continue;
    let cached = 0;
    for (let cur = ao.freepools; cur !== NIL;) {
      const p = mem.pools[cur];
      if (p === undefined || Math.floor(cur / MAX_POOLS_IN_ARENA) !== a) {
        throw new Defect(`arena ${a} caches pool ${cur}, which is not one of its pools`);
      }
      if (p.ref !== 0 || inUsed.has(cur) || inFree.has(cur))
        throw new Defect(`cached pool ${cur} is not empty and unlisted`);
      inFree.add(cur);
      cached += 1;
      cur = p.nextpool;
    }
    if (ao.poolsCarved > ao.ntotalpools)
      throw new Defect(`arena ${a} carved ${ao.poolsCarved} > ${ao.ntotalpools} pools`);
    if (ao.nfreepools !== ao.ntotalpools - ao.poolsCarved + cached) {
      throw new Defect(
        `arena ${a} has nfreepools ${ao.nfreepools}, expected ${ao.ntotalpools - ao.poolsCarved + cached}`,
      );
    }
    for (let k = 0; k < ao.poolsCarved; k++) {
      const g = a * MAX_POOLS_IN_ARENA + k;
      const p = mem.pools[g];
      if (p === undefined) throw new Defect(`carved pool ${g} is missing`);
      if (p.szidx < 0 || p.szidx >= NB_SMALL_SIZE_CLASSES) throw new Defect(`pool ${g} has size class ${p.szidx}`);
      if (p.nextIndex > blocksPerPool(p.szidx)) throw new Defect(`pool ${g} carved past its end`);
      const free = new Set(p.free);
      if (free.size !== p.free.length) throw new Defect(`pool ${g} lists a free block twice`);
      for (const j of p.free) if (j < 0 || j >= p.nextIndex) throw new Defect(`pool ${g} frees uncarved block ${j}`);
      if (p.ref !== p.nextIndex - p.free.length) {
        throw new Defect(`pool ${g} has ref ${p.ref} but ${p.nextIndex - p.free.length} blocks out`);
      }
      const used = inUsed.has(g);
      const cachedPool = inFree.has(g);
      if (p.free.length === 0 && (used || cachedPool)) throw new Defect(`full pool ${g} is in a list`);
      if (p.free.length > 0 && !used && !cachedPool) throw new Defect(`pool ${g} has free blocks but is in no list`);
      if (cachedPool && p.ref !== 0) throw new Defect(`cached pool ${g} has ${p.ref} blocks out`);
    }
  }
  for (const key of Object.keys(mem.pools)) {
    const g = Number(key);
    const ao = mem.arenas[Math.floor(g / MAX_POOLS_IN_ARENA)];
    if (ao === undefined || ao.address === 0 || g % MAX_POOLS_IN_ARENA >= ao.poolsCarved) {
      throw new Defect(`pool ${g} exists outside the carved part of a mapped arena`);
    }
  }

  // usable_arenas and nfp2lasta.
  const members: number[] = [];
  let prev = NIL;
  for (let cur = mem.usableArenas; cur !== NIL;) {
    const ao = mem.arenas[cur];
    if (ao === undefined || ao.address === 0) throw new Defect(`usable_arenas links unmapped arena ${cur}`);
    if (ao.prevarena !== prev) throw new Defect(`arena ${cur} has a broken prev link`);
    if (members.includes(cur)) throw new Defect('usable_arenas has a cycle');
    members.push(cur);
    prev = cur;
    cur = ao.nextarena;
  }
  const pending = (i: number): boolean => {
    const ao = mem.arenas[i];
    return ao !== undefined && ao.nfreepools === ao.ntotalpools && ao.nextarena !== NIL;
  };
  const expected = new Set(mem.arenas.flatMap((ao, i) => (ao.address !== 0 && ao.nfreepools > 0 ? [i] : [])));
  if (expected.size !== members.length || members.some((i) => !expected.has(i))) {
    throw new Defect(`usable_arenas is [${members.join(', ')}], expected the arenas [${[...expected].join(', ')}]`);
  }
  const ordered = members.filter((i) => !pending(i));
  for (let i = 1; i < ordered.length; i++) {
    const a = mem.arenas[ordered[i - 1] as number];
    const b = mem.arenas[ordered[i] as number];
    if (a !== undefined && b !== undefined && a.nfreepools > b.nfreepools) {
      throw new Defect(`usable_arenas is not sorted by nfreepools (${a.nfreepools} before ${b.nfreepools})`);
    }
  }
  for (let n = 0; n <= MAX_POOLS_IN_ARENA; n++) {
    let rightmost = NIL;
    for (const i of ordered) if (mem.arenas[i]?.nfreepools === n) rightmost = i;
    if ((mem.nfp2lasta[n] ?? NIL) !== rightmost) {
      throw new Defect(`nfp2lasta[${n}] is ${mem.nfp2lasta[n]}, expected ${rightmost}`);
    }
  }
}
