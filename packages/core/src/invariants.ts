/*
 * Invariants of a heap state, checked after every event in tests and debug runs.
 *   - refcount(x) == base(x) + number of holders of x (objects' refs, frame slots,
 *     stack temporaries, slot values a store has just displaced, roots);
 *   - no holder refers to a freed object;
 *   - generation lists are well linked: each member's `gen` names its list, prev/next
 *     agree, lengths match; the unreachable list is empty outside a collection;
 *   - weak references (runtime/weakref.ts): a weakref refers to a live referent and is
 *     in its list exactly once, or is cleared and in no list; lists hold live weakrefs
 *     only and are never empty;
 *   - memory (memoryInvariants.ts): pymalloc's lists and counts, free lists, buffers.
 */
import { Defect } from './errors.js';
import { checkMemoryInvariants } from './memoryInvariants.js';
import {
  NOT_TRACKED,
  NO_OBJECT,
  UNREACHABLE_LIST,
  type GcListIndex,
  type HeapState,
  liveFrames,
  liveObjects,
} from './state.js';

/** Number of holders of each live object, counted from the whole state. */
export function countHolders(state: HeapState): Map<number, number> {
  const held = new Map<number, number>();
  const hold = (id: number, where: string): void => {
    if (state.objects[id] === undefined) throw new Defect(`${where} refers to freed object #${id}`);
    held.set(id, (held.get(id) ?? 0) + 1);
  };
  for (const obj of liveObjects(state))
    for (const r of obj.refs) if (r !== undefined) hold(r.to, `#${obj.id}.${r.slot}`);
  for (const frame of liveFrames(state)) {
    for (const [name, id] of Object.entries(frame.vars))
      if (id !== undefined) hold(id, `frame ${frame.id} var ${name}`);
    for (const id of frame.stack) hold(id, `frame ${frame.id} stack`);
    for (const d of frame.displaced) hold(d.id, `frame ${frame.id} displaced ${d.name}`);
  }
  for (const [name, ids] of Object.entries(state.roots)) for (const id of ids ?? []) hold(id, `root ${name}`);
  return held;
}

export function checkInvariants(state: HeapState): void {
  const held = countHolders(state);
  for (const obj of liveObjects(state)) {
    const expected = obj.base + (held.get(obj.id) ?? 0);
    if (obj.refcount !== expected) {
      throw new Defect(`#${obj.id} (${obj.pyType}) has refcount ${obj.refcount} but ${expected} references are held`);
    }
  }
  let tracked = 0;
  for (let list = 0; list < state.gc.lists.length; list++) {
    const l = state.gc.lists[list as GcListIndex];
    let prev = NO_OBJECT;
    let n = 0;
    for (let cur = l.head; cur !== NO_OBJECT;) {
      const obj = state.objects[cur];
      if (obj === undefined) throw new Defect(`gc list ${list} links freed object #${cur}`);
      if (obj.gen !== list) throw new Defect(`#${cur} is linked in list ${list} but says ${obj.gen}`);
      if (obj.gcPrev !== prev) throw new Defect(`#${cur} has a broken prev link`);
      prev = cur;
      cur = obj.gcNext;
      n += 1;
      if (n > l.length) throw new Defect(`gc list ${list} is longer than its length ${l.length}`);
    }
    if (n !== l.length || l.tail !== prev) throw new Defect(`gc list ${list} has length ${l.length} but ${n} members`);
    tracked += n;
  }
  const claimed = liveObjects(state).filter((o) => o.gen !== NOT_TRACKED).length;
  if (claimed !== tracked) throw new Defect(`${claimed} objects claim a generation but ${tracked} are linked`);
  if (liveObjects(state).length !== state.live) throw new Defect(`live count ${state.live} is wrong`);
  if (state.gc.collecting < 0 && state.gc.lists[UNREACHABLE_LIST].length !== 0) {
    throw new Defect(
      `the unreachable list holds ${state.gc.lists[UNREACHABLE_LIST].length} objects outside a collection`,
    );
  }
  checkWeakrefs(state);
  checkMemoryInvariants(state);
}

/** The weakref table agrees with itself and with the live objects (runtime/weakref.ts). */
export function checkWeakrefs(state: HeapState): void {
  const table = state.weakrefs;
  if (table === undefined) return;
  for (const [key, referent] of Object.entries(table.referent)) {
    const wr = Number(key);
    if (state.objects[wr] === undefined) throw new Defect(`weakref #${wr} is freed but still in the weakref table`);
    if (referent === NO_OBJECT) continue;
    if (state.objects[referent] === undefined) throw new Defect(`weakref #${wr} refers to freed object #${referent}`);
    const list = Object.hasOwn(table.list, referent) ? table.list[referent] : undefined;
    const n = list?.filter((id) => id === wr).length ?? 0;
    if (n !== 1) throw new Defect(`weakref #${wr} appears ${n} times in the weakref list of #${referent}`);
  }
  for (const [key, list] of Object.entries(table.list)) {
    const referent = Number(key);
    if (state.objects[referent] === undefined) throw new Defect(`freed object #${referent} still has a weakref list`);
    if (list.length === 0) throw new Defect(`#${referent} has an empty weakref list`);
    for (const wr of list) {
      if (!Object.hasOwn(table.referent, wr) || table.referent[wr] !== referent) {
        throw new Defect(`#${referent}'s weakref list holds #${wr}, which does not refer to it`);
      }
    }
  }
}
