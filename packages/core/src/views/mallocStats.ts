/*
 * `sys._debugmallocstats()`: the report, computed from a heap state
 * ==================================================================
 * What CPython 3.11 writes to stderr, line for line (PM-14): pymalloc's class table,
 * the arena counters, where the arena bytes go, the arena map (radix tree), then a
 * blank line and the free-list lines of the type modules (dict, float, list, tuples of
 * length 1..20). A view: it only reads the state.
 *
 * Source: Objects/obmalloc.c (_PyObject_DebugMallocStats, printone,
 * _PyDebugAllocatorStats), Python/sysmodule.c (sys__debugmallocstats_impl),
 * Objects/object.c (_PyObject_DebugTypeStats), the *_DebugMallocStats of
 * dictobject.c, floatobject.c, listobject.c, tupleobject.c.
 *
 * Read first: formatMallocStats().
 *
 * Line formats:
 *   class row         `%5u %6u %11zu %15zu %13zu`: class, block size, pools with a
 *                     block in use, blocks in use, available blocks in those pools
 *   printone          label padded with spaces to 35 characters, `=`, the value with
 *                     `,` thousands separators right-aligned in 21 characters
 *   free-list line    `%d %ss * %zd bytes each` right-aligned in 48 characters and a
 *                     space as the label of printone, valued count * size
 *
 *   Small block threshold = 512, in 32 size classes.
 *
 *   class   size   num pools   blocks in use  avail blocks
 *   -----   ----   ---------   -------------  ------------
 *       3     64           1               2           253
 *   ...
 *   # arenas allocated total           =                    1
 *   1 arenas * 1048576 bytes/arena     =            1,048,576
 *   ...
 *              1 free PyDictObjects * 48 bytes each =                   48
 *
 * Invariants: the first Total equals arenas * ARENA_SIZE (mallocStats.test.ts).
 */
import {
  ARENA_MAP_BOT_BYTES,
  ARENA_MAP_MID_BYTES,
  ARENA_MAP_ROOT_BYTES,
  ARENA_SIZE,
  FREELISTS,
  FREELIST_NAMES,
  MAX_POOLS_IN_ARENA,
  NB_SMALL_SIZE_CLASSES,
  POOL_OVERHEAD,
  POOL_SIZE,
  SMALL_REQUEST_THRESHOLD,
  blockSize,
  blocksPerPool,
} from '../memory.js';
import type { HeapState } from '../state.js';

/** `%Nu`: right-aligned in `width` characters. */
const pad = (value: number | string, width: number): string => String(value).padStart(width, ' ');

/** Digits with `,` every three, as printone writes them. */
export function withThousands(value: number): string {
  const digits = String(Math.trunc(value));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

/** `printone(out, msg, value)`: one `label = value` line. */
export const printone = (label: string, value: number): string =>
  `${label.padEnd(35, ' ')}=${pad(withThousands(value), 21)}\n`;

/** `_PyDebugAllocatorStats(out, block_name, num_blocks, sizeof_block)`. */
export const allocatorStatsLine = (blockName: string, numBlocks: number, sizeofBlock: number): string =>
  printone(`${pad(`${numBlocks} ${blockName}s * ${sizeofBlock} bytes each`, 48)} `, numBlocks * sizeofBlock);

/** Per size class: pools holding at least one block, blocks in use, blocks available in them. */
export interface ClassUsage {
  readonly sizeClass: number;
  readonly pools: number;
  readonly inUse: number;
  readonly avail: number;
}

/** The class table: the arenas are walked, as full pools are in no list. */
export function sizeClassUsage(state: HeapState): ClassUsage[] {
  const mem = state.memory;
  const pools = new Array<number>(NB_SMALL_SIZE_CLASSES).fill(0);
  const inUse = new Array<number>(NB_SMALL_SIZE_CLASSES).fill(0);
  for (let a = 0; a < mem.arenas.length; a++) {
    const ao = mem.arenas[a];
    if (ao === undefined || ao.address === 0) continue;
    for (let k = 0; k < ao.poolsCarved; k++) {
      const p = mem.pools[a * MAX_POOLS_IN_ARENA + k];
      if (p === undefined || p.ref === 0) continue; // currently unused
      pools[p.szidx] = (pools[p.szidx] ?? 0) + 1;
      inUse[p.szidx] = (inUse[p.szidx] ?? 0) + p.ref;
    }
  }
  const out: ClassUsage[] = [];
  for (let c = 0; c < NB_SMALL_SIZE_CLASSES; c++) {
    const n = pools[c] ?? 0;
    const b = inUse[c] ?? 0;
    out.push({ sizeClass: c, pools: n, inUse: b, avail: n * blocksPerPool(c) - b });
  }
  return out;
}

export function formatMallocStats(state: HeapState): string {
  const mem = state.memory;
  let out = `Small block threshold = ${SMALL_REQUEST_THRESHOLD}, in ${NB_SMALL_SIZE_CLASSES} size classes.\n`;

  let narenas = 0;
  let numfreepools = 0;
  let arenaAlignment = 0;
  for (const ao of mem.arenas) {
    if (ao.address === 0) continue;
    narenas += 1;
    numfreepools += ao.nfreepools;
    if (ao.address % POOL_SIZE !== 0) arenaAlignment += POOL_SIZE;
  }

  out += '\nclass   size   num pools   blocks in use  avail blocks\n';
  out += '-----   ----   ---------   -------------  ------------\n';
  let allocatedBytes = 0;
  let availableBytes = 0;
  let poolHeaderBytes = 0;
  let quantization = 0;
  for (const u of sizeClassUsage(state)) {
    if (u.pools === 0) continue;
    const size = blockSize(u.sizeClass);
    out += `${pad(u.sizeClass, 5)} ${pad(size, 6)} ${pad(u.pools, 11)} ${pad(u.inUse, 15)} ${pad(u.avail, 13)}\n`;
    allocatedBytes += u.inUse * size;
    availableBytes += u.avail * size;
    poolHeaderBytes += u.pools * POOL_OVERHEAD;
    quantization += u.pools * ((POOL_SIZE - POOL_OVERHEAD) % size);
  }
  out += '\n';
  out += printone('# arenas allocated total', mem.ntimesArenaAllocated);
  out += printone('# arenas reclaimed', mem.ntimesArenaAllocated - narenas);
  out += printone('# arenas highwater mark', mem.narenasHighwater);
  out += printone('# arenas allocated current', narenas);
  out += printone(`${narenas} arenas * ${ARENA_SIZE} bytes/arena`, narenas * ARENA_SIZE);
  out += '\n';
  const lines: [string, number][] = [
    ['# bytes in allocated blocks', allocatedBytes],
    ['# bytes in available blocks', availableBytes],
    [`${numfreepools} unused pools * ${POOL_SIZE} bytes`, numfreepools * POOL_SIZE],
    ['# bytes lost to pool headers', poolHeaderBytes],
    ['# bytes lost to quantization', quantization],
    ['# bytes lost to arena alignment', arenaAlignment],
  ];
  let total = 0;
  for (const [label, value] of lines) {
    out += printone(label, value);
    total += value;
  }
  out += printone('Total', total);

  const mid = mem.arenaMapMid.length;
  const bot = mem.arenaMapBot.length;
  out += '\narena map counts\n';
  out += printone('# arena map mid nodes', mid);
  out += printone('# arena map bot nodes', bot);
  out += '\n';
  out += printone('# bytes lost to arena map root', ARENA_MAP_ROOT_BYTES);
  out += printone('# bytes lost to arena map mid', ARENA_MAP_MID_BYTES * mid);
  out += printone('# bytes lost to arena map bot', ARENA_MAP_BOT_BYTES * bot);
  out += printone('Total', ARENA_MAP_ROOT_BYTES + ARENA_MAP_MID_BYTES * mid + ARENA_MAP_BOT_BYTES * bot);

  // sys__debugmallocstats_impl: a newline after pymalloc's part, then _PyObject_DebugTypeStats.
  out += '\n';
  for (const name of FREELIST_NAMES) {
    const info = FREELISTS[name];
    if (info?.report === undefined) continue;
    out += allocatorStatsLine(info.report.name, mem.freelists[name]?.length ?? 0, info.report.size);
  }
  return out;
}
