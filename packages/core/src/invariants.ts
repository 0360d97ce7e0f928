/*
 * Invariants of a heap state, checked after every event in tests and debug runs.
 *   - refcount(x) == base(x) + number of holders of x (objects' refs, frame slots,
 *     stack temporaries, slot values a store has just displaced, roots);
 *   - no holder refers to a freed object;
 *   - generation lists are well linked: each member's `gen` names its list, prev/next
 *     agree, lengths match.
 */
import { Defect } from './errors.js';
import { NOT_TRACKED, NO_OBJECT, type GcListIndex, type HeapState } from './state.js';

/** Number of holders of each live object, counted from the whole state. */
export function countHolders(state: HeapState): Map<number, number> {
  const held = new Map<number, number>();
  const hold = (id: number, where: string): void => {
    if (state.objects[id] === undefined) throw new Defect(`${where} refers to freed object #${id}`);
    held.set(id, (held.get(id) ?? 0) + 1);
  };
  for (const obj of Object.values(state.objects)) for (const r of obj.refs) hold(r.to, `#${obj.id}.${r.slot}`);
  for (const frame of Object.values(state.frames)) {
    for (const [name, id] of Object.entries(frame.vars)) hold(id, `frame ${frame.id} var ${name}`);
    for (const id of frame.stack) hold(id, `frame ${frame.id} stack`);
    for (const d of frame.displaced) hold(d.id, `frame ${frame.id} displaced ${d.name}`);
  }
  for (const [name, ids] of Object.entries(state.roots)) for (const id of ids) hold(id, `root ${name}`);
  return held;
}

export function checkInvariants(state: HeapState): void {
  const held = countHolders(state);
  for (const obj of Object.values(state.objects)) {
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
  const claimed = Object.values(state.objects).filter((o) => o.gen !== NOT_TRACKED).length;
  if (claimed !== tracked) throw new Defect(`${claimed} objects claim a generation but ${tracked} are linked`);
  if (Object.keys(state.objects).length !== state.live) throw new Defect(`live count ${state.live} is wrong`);
}
