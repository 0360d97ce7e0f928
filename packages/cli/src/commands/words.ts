/*
 * Naming objects and holders across a whole trace (history, why of a freed object,
 * report): an object's type is the one its allocation event gave it (from the
 * timeline's per-object index), and the globals of `__main__` are the dict the module
 * holds at the end of the program, so `#479.["head"]` reads `the global head` and
 * `#512..next` reads `.next of Node #512`.
 */
import { mainGlobals, type HolderContext, type Timeline } from '@pymemsim/replay';

const contexts = new WeakMap<Timeline, HolderContext>();

export function timelineContext(timeline: Timeline): HolderContext {
  const known = contexts.get(timeline);
  if (known !== undefined) return known;
  const types = new Map<number, string | undefined>();
  const typeOf = (id: number): string | undefined => {
    if (types.has(id)) return types.get(id);
    // Its allocation is among its first few events (memory for its block comes first).
    let type: string | undefined;
    for (const o of timeline.occurrences(id).slice(0, 8)) {
      const event = timeline.event(o.seq);
      if (event.type === 'ObjectAllocated' && event.id === id) {
        type = event.pyType;
        break;
      }
    }
    types.set(id, type);
    return type;
  };
  let globals: number | undefined;
  if (timeline.length > 0) {
    const end = timeline.userCodeEnd() ?? timeline.last;
    globals = mainGlobals(timeline.stateAt(end))?.dict;
  }
  const ctx: HolderContext = { typeOf, ...(globals !== undefined ? { globals } : {}) };
  contexts.set(timeline, ctx);
  return ctx;
}
