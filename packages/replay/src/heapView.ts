/*
 * Views of a heap state for people
 * ================================
 * Read-only helpers over a HeapState (core) that the inspection commands share: a short
 * repr of any object (containers shown from their references, as the event vocabulary
 * intends), the label of a reference slot (`[2]`, `.x`, `["k"]`), the generation an
 * object is in, the frames from innermost to outermost, and the chains of references
 * from the roots that keep an object alive.
 *
 * Read first: referrerChains(), a breadth-first search backwards from the object.
 *
 * Vocabulary:
 * - root holder: what holds a reference without being an object of the heap: a frame
 *   variable, a frame's evaluation-stack temporary (or a value displaced by a store in
 *   progress), or an interpreter root (`sys.modules`, `interned` ...).
 * - chain: root holder -> object -> ... -> the object asked about; each link is labelled
 *   with the slot that holds the reference. A list's i-th `item` reference is `[i]`
 *   (its position among the owner's `item` references), a dict value is its `["k"]`
 *   slot, an attribute `.x`, a dict key `<key>`, any other slot `.slot`.
 *
 * Invariants (heapView.test.ts): every chain starts at a root holder, ends at the
 * object, and each link is a reference the state holds; chains are shortest (breadth
 * first) and start at distinct root holders.
 */
import {
  NO_OBJECT,
  NOT_TRACKED,
  PERMANENT_GENERATION,
  UNREACHABLE_LIST,
  liveRefs,
  type Frame,
  type HeapObject,
  type HeapState,
  type Ref,
} from '@pymemsim/core';
import { liveFrameList, liveIndexOf, liveObjectIds as indexedLiveIds } from './liveIndex.js';
import { pythonRepr } from './reprs.js';

/** A holder that is not a heap object. */
export type RootHolder =
  | { readonly kind: 'frame'; readonly frame: number; readonly frameName: string; readonly name: string }
  | { readonly kind: 'stack'; readonly frame: number; readonly frameName: string }
  | { readonly kind: 'root'; readonly name: string };

/** One reference held by an object: `owner` holds the object at `to` through `label`. */
export interface Link {
  readonly owner: number;
  readonly slot: string;
  readonly label: string;
  readonly to: number;
}

export interface Chain {
  readonly root: RootHolder;
  /** Root to object: the first link's owner is held by the root; the last link's `to` is the object. */
  readonly links: readonly Link[];
  /** The object the root holds first (the object itself when `links` is empty). */
  readonly first: number;
}

export const formatRoot = (r: RootHolder): string => {
  switch (r.kind) {
    case 'frame':
      return `variable ${r.name} of frame ${r.frame} (${r.frameName})`;
    case 'stack':
      return `a temporary on the stack of frame ${r.frame} (${r.frameName})`;
    case 'root':
      return `the interpreter root ${r.name}`;
  }
};

/** The label of each of `owner`'s references, in order (`item` references numbered among themselves). */
export function refLabels(owner: HeapObject): string[] {
  let items = 0;
  return liveRefs(owner.refs).map((r) => (r.slot === 'item' ? `[${items++}]` : slotLabel(r.slot)));
}

export function slotLabel(slot: string): string {
  if (slot.startsWith('[') || slot.startsWith('.')) return slot;
  if (slot === 'key') return '<key>';
  return `.${slot}`;
}

/** The references an object holds, labelled. */
export function linksOf(state: HeapState, id: number): Link[] {
  const obj = state.objects[id];
  if (obj === undefined) return [];
  const labels = refLabels(obj);
  return liveRefs(obj.refs).map((r, i) => ({ owner: id, slot: r.slot, label: labels[i] ?? r.slot, to: r.to }));
}

/** Every reference held to each object: by objects (links) and by root holders. */
export interface Referrers {
  readonly links: Map<number, Link[]>;
  readonly roots: Map<number, RootHolder[]>;
}

export function referrers(state: HeapState): Referrers {
  const links = new Map<number, Link[]>();
  const roots = new Map<number, RootHolder[]>();
  const addRoot = (id: number, r: RootHolder): void => {
    const list = roots.get(id);
    if (list === undefined) roots.set(id, [r]);
    else list.push(r);
  };
  for (const key of liveIdKeys(state)) {
    for (const link of linksOf(state, Number(key))) {
      const list = links.get(link.to);
      if (list === undefined) links.set(link.to, [link]);
      else list.push(link);
    }
  }
  for (const frame of framesOf(state)) {
    for (const name of frame.varOrder) {
      const id = Object.hasOwn(frame.vars, name) ? frame.vars[name] : undefined;
      if (id !== undefined) addRoot(id, { kind: 'frame', frame: frame.id, frameName: frame.name, name });
    }
    for (const id of frame.stack) addRoot(id, { kind: 'stack', frame: frame.id, frameName: frame.name });
    for (const d of frame.displaced) addRoot(d.id, { kind: 'stack', frame: frame.id, frameName: frame.name });
  }
  for (const name of Object.keys(state.roots)) {
    for (const id of state.roots[name] ?? []) addRoot(id, { kind: 'root', name });
  }
  return { links, roots };
}

/**
 * Shortest chains of references from root holders to object `id`, at most `max`, each
 * from a different root holder (breadth first from the object, backwards). Empty when
 * no root reaches the object: only unreachable objects (a garbage cycle) keep it alive.
 */
export function referrerChains(state: HeapState, id: number, max = 8, given?: Referrers): Chain[] {
  const { links, roots } = given ?? referrers(state);
  // next[x]: the link from x one step closer to the object.
  const next = new Map<number, Link | null>([[id, null]]);
  const queue = [id];
  const chains: Chain[] = [];
  for (let head = 0; head < queue.length && chains.length < max; head++) {
    const x = queue[head] as number;
    for (const root of roots.get(x) ?? []) {
      if (chains.length >= max) break;
      const path: Link[] = [];
      for (let l = next.get(x); l; l = next.get(l.to)) path.push(l);
      chains.push({ root, links: path, first: x });
    }
    for (const link of links.get(x) ?? []) {
      if (next.has(link.owner)) continue;
      next.set(link.owner, link);
      queue.push(link.owner);
    }
  }
  return chains;
}

/** `frame 1 var a -> #4 [2] -> #9 .x -> #12` */
export function formatChain(state: HeapState, chain: Chain): string {
  let out = `${formatRoot(chain.root)} -> ${objectLabel(state, chain.first)}`;
  for (const link of chain.links) out += ` ${link.label} -> ${objectLabel(state, link.to)}`;
  return out;
}

export const objectLabel = (state: HeapState, id: number): string => {
  const obj = state.objects[id];
  return obj === undefined ? `#${id} (freed)` : `#${id} ${obj.pyType}`;
};

/** The generation list an object is in, as a word. */
export function generationOf(obj: HeapObject): string {
  if (!obj.gcType) return 'not GC';
  switch (obj.gen) {
    case NOT_TRACKED:
      return 'untracked';
    case PERMANENT_GENERATION:
      return 'permanent';
    case UNREACHABLE_LIST:
      return 'unreachable';
    default:
      return `gen ${obj.gen}`;
  }
}

const MAX_ITEMS = 6;
const MAX_REPR = 60;

/** A short repr: atoms as recorded; lists, tuples, sets and dicts from their references; other objects as CPython's default reprs (reprs.ts). */
export function shortRepr(state: HeapState, id: number, depth = 2, seen: Set<number> = new Set()): string {
  const obj = state.objects[id];
  if (obj === undefined) return `<freed #${id}>`;
  const text = containerRepr(state, obj, depth, seen) ?? pythonRepr(state, id);
  return text.length > MAX_REPR ? `${text.slice(0, MAX_REPR - 3)}...` : text;
}

function containerRepr(state: HeapState, obj: HeapObject, depth: number, seen: Set<number>): string | undefined {
  const kind = obj.kind;
  const isSeq = kind === 'list' || kind === 'tuple' || kind === 'set' || kind === 'frozenset';
  if (!isSeq && kind !== 'dict') return undefined;
  const [open, close] = kind === 'list' ? ['[', ']'] : kind === 'tuple' ? ['(', ')'] : ['{', '}'];
  if (seen.has(obj.id)) return `${open}...${close}`;
  if (depth <= 0) return `${open}...${close}`;
  const inner = new Set(seen).add(obj.id);
  const item = (to: number): string => shortRepr(state, to, depth - 1, inner);
  // Only the items shown are turned into text (a list of a million items shows six).
  let count: number;
  let parts: string[];
  const refs = liveRefs(obj.refs);
  if (isSeq) {
    const items = refs.filter((r) => r.slot === 'item');
    count = items.length;
    parts = items.slice(0, MAX_ITEMS).map((r) => item(r.to));
  } else {
    const keys = refs.filter((r) => r.slot === 'key');
    const values = refs.filter((r) => r.slot !== 'key' && r.slot.startsWith('['));
    const paired = keys.length === values.length;
    count = values.length;
    if (count > MAX_ITEMS * 3) return `{... ${count} items}`;
    parts = values.slice(0, MAX_ITEMS).map((v, i) => {
      const k = paired ? keys[i] : undefined;
      const text = dictKeyOf(v.slot) ?? v.slot;
      return `${k === undefined ? `'${text}'` : item(k.to)}: ${item(v.to)}`;
    });
  }
  if (count === 0) {
    if (kind === 'set' || kind === 'frozenset') return `${kind}()`;
    return `${open}${close}`;
  }
  const shown = count > MAX_ITEMS ? [...parts, '...'] : parts;
  const body = shown.join(', ');
  return kind === 'tuple' && count === 1 ? `(${body},)` : `${open}${body}${close}`;
}

export interface FrameView {
  readonly id: number;
  readonly name: string;
  readonly parent: number;
  readonly vars: readonly { readonly name: string; readonly id: number }[];
  readonly stack: readonly number[];
}

/** The frames, innermost (the current one) first, then every other live frame. */
export function framesOf(state: HeapState): Frame[] {
  const all = liveFrameList(state);
  const chain: Frame[] = [];
  const seen = new Set<number>();
  for (let f = state.frames[state.currentFrame]; f !== undefined && !seen.has(f.id); f = state.frames[f.parent]) {
    chain.push(f);
    seen.add(f.id);
  }
  return [...chain, ...all.filter((f) => !seen.has(f.id)).sort((a, b) => b.id - a.id)];
}

export function frameViews(state: HeapState): FrameView[] {
  return framesOf(state).map((f) => ({
    id: f.id,
    name: f.name,
    parent: f.parent,
    vars: f.varOrder
      .filter((name) => Object.hasOwn(f.vars, name) && f.vars[name] !== undefined)
      .map((name) => ({ name, id: f.vars[name] as number })),
    stack: [...f.stack],
  }));
}

/**
 * The object bound to `name` as the running code sees it: the innermost frame that binds
 * it, else the globals of `__main__` (frame 0 stands for the module's dict).
 */
export function lookupVariable(state: HeapState, name: string): { frame: number; id: number } | undefined {
  for (const f of framesOf(state)) {
    const id = Object.hasOwn(f.vars, name) ? f.vars[name] : undefined;
    if (id !== undefined) return { frame: f.id, id };
  }
  const global = mainGlobals(state)?.entries.find((e) => e.name === name);
  return global === undefined ? undefined : { frame: 0, id: global.id };
}

/** A dict slot label `["name"]` as the key's text, or undefined for another slot. */
export function dictKeyOf(slot: string): string | undefined {
  if (!slot.startsWith('[') || !slot.endsWith(']')) return undefined;
  const inner = slot.slice(1, -1);
  try {
    const key: unknown = JSON.parse(inner);
    return typeof key === 'string' ? key : inner;
  } catch {
    return inner;
  }
}

/**
 * The globals of the `__main__` module, when the interpreter keeps them in a module's
 * dict (a `module` object whose `__dict__` maps `__name__` to '__main__'): the dict's id
 * and its entries in insertion order.
 */
export function mainGlobals(
  state: HeapState,
):
  | { readonly module: number; readonly dict: number; readonly entries: readonly { name: string; id: number }[] }
  | undefined {
  // The interpreter keeps its modules in a root (sys.modules, a dict whose key
  // '__main__' holds it): those first; a look at every live object (slow for a large
  // heap) only when no root holds it.
  for (const name of Object.keys(state.roots)) {
    for (const id of state.roots[name] ?? []) {
      const found = mainModuleGlobals(state, id);
      if (found !== undefined) return found;
      const held = state.objects[id];
      if (held?.kind !== 'dict') continue;
      for (const r of held.refs) {
        if (r === undefined || !r.slot.includes('__main__') || dictKeyOf(r.slot) !== '__main__') continue;
        const main = mainModuleGlobals(state, r.to);
        if (main !== undefined) return main;
      }
    }
  }
  for (const key of liveIdKeys(state)) {
    const found = mainModuleGlobals(state, Number(key));
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The globals of `__main__` when object `id` is that module. */
function mainModuleGlobals(
  state: HeapState,
  id: number,
):
  | { readonly module: number; readonly dict: number; readonly entries: readonly { name: string; id: number }[] }
  | undefined {
  const module = state.objects[id];
  if (module === undefined || module.kind !== 'module') return undefined;
  const dictRef = module.refs.find((r) => r?.slot === '__dict__');
  const dict = dictRef === undefined ? undefined : state.objects[dictRef.to];
  if (dict === undefined) return undefined;
  // Its __name__ first: every other module's dict is passed over without reading its keys.
  let nameId: number | undefined;
  for (const r of dict.refs) {
    if (r !== undefined && r.slot.includes('__name__') && dictKeyOf(r.slot) === '__name__') nameId = r.to;
  }
  if (nameId === undefined || state.objects[nameId]?.repr !== "'__main__'") return undefined;
  const entries: { name: string; id: number }[] = [];
  for (const r of dict.refs) {
    if (r === undefined) continue;
    const name = dictKeyOf(r.slot);
    if (name !== undefined) entries.push({ name, id: r.to });
  }
  return { module: module.id, dict: dict.id, entries };
}

/** An object as a row of the inspection tables. */
export interface ObjectView {
  readonly id: number;
  readonly type: string;
  readonly repr: string;
  readonly refcount: number;
  readonly generation: string;
  readonly address: string;
  readonly size: number;
  /** References not held by any modelled holder (static objects, RC-8). */
  readonly base: number;
}

export function objectView(state: HeapState, id: number): ObjectView | undefined {
  const obj = state.objects[id];
  if (obj === undefined) return undefined;
  return {
    id,
    type: obj.pyType,
    repr: shortRepr(state, id),
    refcount: obj.refcount,
    generation: generationOf(obj),
    address: `0x${obj.addr.toString(16)}`,
    size: obj.size,
    base: obj.base,
  };
}

/** Live object ids in id order (from the state's live index when it has one, liveIndex.ts). */
export const liveObjectIds = (state: HeapState): number[] => indexedLiveIds(state);

/**
 * The objects worth showing by default: every object reachable from a frame or from the
 * globals of `__main__` (not through other modules or a function's globals), and every
 * object no root reaches (garbage waiting for the collector), but not the objects only
 * the interpreter's roots keep (static ints and strings, interned names, modules).
 *
 * In three parts, in this order: the program's data (what the program's names and its
 * evaluation-stack temporaries reach through the program's own references), garbage, and
 * then what the program reaches only through the interpreter's references
 * (`interpreterRef`: code objects, a function's name strings, a dict's str keys ...) or
 * what frames hold for the interpreter (their function, code and locals). The last part
 * starts at `walk.interpreterFrom` in the set's order (Infinity when the walk stopped
 * before it): Python Tutor draws none of it, and the viewer folds it.
 *
 * With a `limit`, the walk stops at the first `limit` objects (the same first ones, in
 * the same order, as without it): a view that draws only those need not walk a heap of a
 * million. `walk.complete` then says whether those are all of them.
 */
export function programObjects(
  state: HeapState,
  given?: Referrers,
  limit = Infinity,
  walk: ProgramWalk = { complete: true, interpreterFrom: Infinity },
): Set<number> {
  const shown = new Set<number>();
  walk.complete = true;
  walk.interpreterFrom = Infinity;
  // Marks by id (the tables' ids run 1..allocated): SHOWN, REACHED. Cheaper than sets
  // for the walks below, which visit every object the roots reach.
  const size = state.allocated + 1;
  const marks = new Uint8Array(size);
  const objects = state.objects;
  // Modules (gc, sys ...) are shown, not their contents; a function's globals are the
  // module's dict: not followed either.
  // Breadth first: with a limit, the objects nearest the program's names are the ones
  // shown (depth first, a class's namespace and its functions' code objects filled the
  // drawing before the objects the variables hold). While `later` is given, the
  // interpreter's own references (interpreterRef) wait there for the last part.
  const visit = (queue: number[], later?: number[]): void => {
    for (let head = 0; head < queue.length; head++) {
      const id = queue[head] as number;
      if (!(id < size) || (marks[id] as number) & SHOWN) continue;
      const obj = objects[id];
      if (obj === undefined) continue;
      if (shown.size >= limit) {
        walk.complete = false; // one more to show
        return;
      }
      marks[id] = (marks[id] as number) | SHOWN;
      shown.add(id);
      if (obj.kind === 'module') continue;
      const refs = obj.refs;
      for (let i = 0; i < refs.length; i++) {
        const r = refs[i];
        if (r === undefined || r.slot === '__globals__' || r.slot === '__builtins__') continue;
        if (later !== undefined && interpreterRef(state, obj, r)) later.push(r.to);
        else queue.push(r.to);
      }
    }
  };
  // First the program's names: every frame's variables, the innermost frame's first, and
  // __main__'s globals (not the dunder names the interpreter sets up), then the frames'
  // evaluation-stack temporaries; what frames hold for the interpreter (their function,
  // code and locals, named in parentheses) comes last.
  const names: number[] = [];
  const temporaries: number[] = [];
  const internal: number[] = [];
  for (const f of framesOf(state)) {
    for (const name of f.varOrder) {
      const id = Object.hasOwn(f.vars, name) ? f.vars[name] : undefined;
      if (id !== undefined) (name.startsWith('(') ? internal : names).push(id);
    }
    temporaries.push(...f.stack, ...f.displaced.map((d) => d.id));
  }
  for (const e of mainGlobals(state)?.entries ?? []) if (!e.name.startsWith('__')) names.push(e.id);
  const later: number[] = [];
  visit([...names, ...temporaries], later);
  if (!walk.complete) return shown;
  // Objects that no root reaches at all (when every live object is reachable, there are
  // none, and the live objects need not be listed).
  let reached = 0;
  const stack = given === undefined ? rootIds(state) : [...given.roots.keys()];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (!(id < size) || (marks[id] as number) & REACHED) continue;
    const obj = objects[id];
    if (obj === undefined) continue;
    marks[id] = (marks[id] as number) | REACHED;
    reached += 1;
    const refs = obj.refs;
    for (let i = 0; i < refs.length; i++) {
      const r = refs[i];
      if (r !== undefined) stack.push(r.to);
    }
  }
  if (reached < state.live) {
    // Garbage, in id order. With a limit, only as many as can still be shown (and one
    // more, to know whether the walk is complete): after a large structure is dropped
    // (the whole tree of tree.py waiting for the collector), listing all of it took most
    // of a seek.
    const room = limit - shown.size + 1;
    const marked =
      (mask: number) =>
      (id: number): boolean =>
        id < size && ((marks[id] as number) & mask) !== 0;
    visit(
      Number.isFinite(room)
        ? firstUnreachedIds(state, marked(REACHED | SHOWN), room)
        : unreachableIds(state, marked(REACHED), reached),
      later,
    );
    if (!walk.complete) return shown;
  }
  walk.interpreterFrom = shown.size;
  visit([...internal, ...later]);
  return shown;
}

/** How far programObjects walked (see there). */
export interface ProgramWalk {
  complete: boolean;
  interpreterFrom: number;
}

const SHOWN = 1;
const REACHED = 2;

/** Objects whose value a reference's label shows: as a dict's key, drawn in the label. */
const LABEL_TYPES = new Set(['str', 'int', 'float', 'bool', 'NoneType', 'bytes']);
const FUNCTION_INTERNALS = new Set(['__module__', '__doc__', '__code__', '__name__', '__qualname__']);
const CLASS_INTERNALS = new Set(['__bases__', '__base__', '__mro__']);

/**
 * A reference the interpreter keeps for itself rather than one the program made: what a
 * code object holds, a function's code, module and name strings (not its defaults or
 * closure), a class's bases and method resolution order (not its namespace), an
 * instance's class, a dict's key when the key is a str, int or other value the entry's
 * label shows. Python Tutor draws none of these; the heap views show them after the
 * program's data.
 */
export function interpreterRef(state: HeapState, from: HeapObject, r: Ref): boolean {
  switch (from.kind) {
    case 'code':
      return true;
    case 'function':
      return FUNCTION_INTERNALS.has(r.slot);
    case 'class':
      return CLASS_INTERNALS.has(r.slot);
    default:
      if (r.slot === '__class__') return true;
      return r.slot === 'key' && LABEL_TYPES.has(state.objects[r.to]?.pyType ?? '');
  }
}

/**
 * The live objects not reached (`count` of them are), in id order. Garbage is a cycle of
 * containers the collector tracks, or held by one: the generation lists and what their
 * unreachable members hold are looked at first; only when that does not account for
 * every live object (an object being deallocated, held by nothing) are all live objects
 * listed.
 */
function unreachableIds(state: HeapState, isReached: (id: number) => boolean, count: number): number[] {
  const garbage = new Set<number>();
  const stack: number[] = [];
  for (const list of state.gc.lists) {
    for (let id = list.head, n = 0; id !== NO_OBJECT && n < list.length; n++) {
      const obj = state.objects[id];
      if (obj === undefined) break;
      if (!isReached(id)) stack.push(id);
      id = obj.gcNext;
    }
  }
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (garbage.has(id) || isReached(id)) continue;
    const obj = state.objects[id];
    if (obj === undefined) continue;
    garbage.add(id);
    for (const r of obj.refs) if (r !== undefined) stack.push(r.to);
  }
  if (count + garbage.size === state.live) return [...garbage].sort((a, b) => a - b);
  return liveObjectIds(state).filter((id) => !isReached(id));
}

/**
 * The first `n` live objects `isReached` rejects, in id order: the start of what
 * unreachableIds lists, without finding all of it. A working state's live index gives
 * its live ids in order, a block of ids at a time.
 */
function firstUnreachedIds(state: HeapState, isReached: (id: number) => boolean, n: number): number[] {
  const out: number[] = [];
  const take = (ids: readonly number[]): void => {
    for (const id of ids) {
      if (out.length >= n) return;
      if (!isReached(id)) out.push(id);
    }
  };
  const index = liveIndexOf(state);
  if (index === undefined) {
    take(indexedLiveIds(state));
    return out;
  }
  const ids: number[] = [];
  const STEP = 4096;
  for (let lo = 0; lo <= state.allocated && out.length < n; lo += STEP) {
    ids.length = 0;
    take(index.objects.idsIn(lo, lo + STEP, ids));
  }
  return out;
}

/** Every object a root holder holds: frame variables, stack temporaries, interpreter roots. */
function rootIds(state: HeapState): number[] {
  const ids: number[] = [];
  for (const frame of liveFrameList(state)) {
    for (const name of frame.varOrder) {
      const id = Object.hasOwn(frame.vars, name) ? frame.vars[name] : undefined;
      if (id !== undefined) ids.push(id);
    }
    ids.push(...frame.stack, ...frame.displaced.map((d) => d.id));
  }
  for (const name of Object.keys(state.roots)) ids.push(...(state.roots[name] ?? []));
  return ids;
}

/** The ids (as property keys) of the live objects: freed slots hold undefined. */
function liveIdKeys(state: HeapState): string[] {
  return indexedLiveIds(state).map(String);
}
