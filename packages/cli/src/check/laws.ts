/*
 * Running a generated program against the model, line by line, and the laws checked
 * between lines.
 *
 * Read first: `runChecked`.
 *
 * The program runs in an interactive Session (one module, one statement per `exec`).
 * Beside it a deliberately small model: the objects the statements create ("tokens",
 * each mapped to the real object id bound to its name right after its line), what each
 * holds (list items, attributes), which names are bound to which token, and what a
 * weak reference refers to. Frames are modelled too: a generator's suspended frame
 * holds its argument and locals (`gen(x)`: `x`, then also `y = [x]`, a list only the
 * frame holds; a generator expression: the list iterator over its list, then also the
 * current item `i`) until it ends, is closed or is finalized (PEP 442: the collector or
 * its dealloc closes it); a closure's cell holds its captured object. Which objects are alive is read from the real state; the
 * laws relate it to the model. Hooks wrapped around the interpreter's count finalizer
 * runs and weakref callback calls, and a subscription to the event stream watches every
 * event.
 *
 * Injection: `CheckTarget.instrument(rt)` is called with the runtime once the prelude has
 * run and before the first generated line: it may wrap or replace the runtime's methods
 * to inject a fault (a skipped decref, an extra decref after a collection, a block handed
 * out twice). `CheckTarget.roundTrip` replaces the trace round trip of the `trace` suite.
 */
import { isDeepStrictEqual } from 'node:util';
import {
  FREELISTS,
  UNREACHABLE_LIST,
  blockSize,
  checkInvariants,
  emptyHeap,
  evolve,
  evolveAll,
  foldPlain,
  hashState,
  isArenaAddress,
  isRawAddress,
  isStaticAddress,
  poolOfAddress,
  preHeaderSize,
  rawChunkSize,
  sizeClassIndex,
  sizeClassUsage,
  type HeapState,
  type MemEvent,
  type MemoryState,
  type ObjectId,
  type Runtime,
  liveObjects,
} from '@pymemsim/core';
import { PyRaise, Session } from '@pymemsim/interp';
import type { ClassName, Field, GeneratedProgram, Name, Step } from './program.js';

/** A law of the model that a run broke. */
export class LawBroken extends Error {
  override readonly name = 'LawBroken';
  constructor(
    readonly law: string,
    message: string,
    /** The 1-based index of the generated line after which it was found (0: the prelude; lines + 1: the end). */
    readonly line: number,
  ) {
    super(`${law}: ${message}`);
  }
}

/** What a trace round trip gives back. */
export interface RoundTripResult {
  readonly events: readonly MemEvent[];
  readonly finalHash: string | undefined;
  readonly recovered?: string;
}

/** What runs under test; every part defaults to the real thing. */
export interface CheckTarget {
  /** Called with the runtime after the prelude, before the first generated line: inject a fault here. */
  readonly instrument?: (rt: Runtime) => void;
  /**
   * The trace round trip under test (`trace` suite): write `events` and read them back.
   * `from` is the number of events the prelude emitted (a fault may spare those).
   */
  readonly roundTrip?: (events: readonly MemEvent[], state: HeapState, from: number) => RoundTripResult;
}

export type LawName =
  | 'runs'
  | 'invariants'
  | 'refcount'
  | 'freed-at-zero'
  | 'refcount-liveness'
  | 'reachable-alive'
  | 'full-collection'
  | 'finalizer-once'
  | 'resurrected-survives'
  | 'weakref'
  | 'pymalloc'
  | 'replay'
  | 'trace';

/** What a suite checks: after every line, and at the end. */
export interface LawSet {
  readonly perLine: readonly LawName[];
  readonly atEnd: readonly LawName[];
}

/** A generator's frame, as the model sees it. */
interface FrameModel {
  /** `gen(x)` of the prelude, or a generator expression `(i for i in L)`. */
  readonly source: 'gen' | 'genexpr';
  state: 'created' | 'suspended' | 'done';
  /** gen: the argument x; genexpr: the list L its iterator runs over. */
  readonly arg: number;
  /** gen: values yielded so far; genexpr: the list iterator's index. */
  resumed: number;
  /** genexpr: the item bound to `i`. */
  current?: number | undefined;
}

interface Token {
  readonly kind: 'list' | 'instance' | 'weakref' | 'generator' | 'function';
  readonly cls?: ClassName;
  readonly items: number[];
  readonly attrs: Map<Field, number>;
  readonly target?: number;
  readonly frame?: FrameModel;
  /** A closure's cell. */
  readonly captured?: number;
}

/**
 * What a token holds besides its items and attributes: a closure its captured object; a
 * suspended generator its frame's references. `gen(x)` holds x (the local), then also
 * the list `y = [x]` only its frame holds (so x once more); a generator expression holds
 * its list (through its list iterator), then also the current item. An ended or closed
 * generator holds nothing.
 */
function frameHolds(tok: Token): number[] {
  if (tok.captured !== undefined) return [tok.captured];
  const f = tok.frame;
  if (f === undefined || f.state === 'done') return [];
  if (f.state === 'created') return [f.arg];
  if (f.source === 'gen') return [f.arg, f.arg];
  return f.current === undefined ? [f.arg] : [f.arg, f.current];
}

/** The program, its model and what the watchers saw. */
export class World {
  readonly session: Session;
  readonly rt: Runtime;
  readonly tokens = new Map<number, Token>();
  readonly vars = new Map<Name, number>();
  readonly ids = new Map<number, ObjectId>();
  readonly tokenOf = new Map<ObjectId, number>();
  /** Finalizer runs and weakref callback calls, by object id. */
  readonly finalized = new Map<ObjectId, number>();
  readonly callbacks = new Map<ObjectId, number>();
  /** Objects some collection found unreachable (their weakrefs may be cleared while they live on). */
  readonly everUnreachable = new Set<ObjectId>();
  /** Each object's count after the last event that changed it. */
  readonly lastCount = new Map<ObjectId, number>();
  /** Broken laws the watchers saw, reported at the next line boundary. */
  readonly seen: { law: LawName; message: string }[] = [];
  /** Tokens alive after the previous line (the refcount-liveness law). */
  previouslyAlive = new Set<number>();
  readonly savedList: ObjectId;
  readonly preludeEvents: number;
  private next = 0;

  constructor(program: GeneratedProgram, target: CheckTarget) {
    this.session = new Session({ record: true });
    this.rt = this.session.rt;
    this.session.exec(program.prelude);
    this.savedList = this.global('saved');
    this.preludeEvents = this.rt.log?.length ?? 0;
    this.watch();
    target.instrument?.(this.rt);
  }

  global(name: string): ObjectId {
    const id = this.session.global(name);
    if (id === undefined) throw new LawBroken('runs', `the name ${name} is not bound after its line`, 0);
    return id;
  }

  alive(t: number): boolean {
    const id = this.ids.get(t);
    return id !== undefined && this.rt.state.objects[id] !== undefined;
  }

  /** Tokens in the real `saved` list, in order (with repetition). */
  saved(): number[] {
    const list = this.rt.state.objects[this.savedList];
    const out: number[] = [];
    for (const r of list?.refs ?? []) {
      if (r === undefined) continue;
      const t = this.tokenOf.get(r.to);
      if (r.slot === 'item' && t !== undefined) out.push(t);
    }
    return out;
  }

  private newToken(name: Name, token: Token): void {
    const t = this.next++;
    const id = this.global(name);
    this.tokens.set(t, token);
    this.ids.set(t, id);
    this.tokenOf.set(id, t);
    this.vars.set(name, t);
  }

  private var(name: Name): number {
    const t = this.vars.get(name);
    if (t === undefined) throw new LawBroken('runs', `the model has no binding for ${name}`, 0);
    return t;
  }

  private token(name: Name): Token {
    const tok = this.tokens.get(this.var(name));
    if (tok === undefined) throw new LawBroken('runs', `the model has no object for ${name}`, 0);
    return tok;
  }

  /** Run one statement and update the model. */
  exec(step: Step, line: string): void {
    this.session.exec(line);
    switch (step.t) {
      case 'new':
        this.newToken(step.name, {
          kind: step.what === 'list' ? 'list' : 'instance',
          ...(step.what === 'list' ? {} : { cls: step.what }),
          items: [],
          attrs: new Map(),
        });
        return;
      case 'make':
        this.newToken(step.name, { kind: 'list', items: [], attrs: new Map() });
        return;
      case 'alias':
        this.vars.set(step.to, this.var(step.from));
        return;
      case 'append':
        this.token(step.owner).items.push(this.var(step.value));
        return;
      case 'pop':
        this.token(step.owner).items.pop();
        return;
      case 'setattr':
        this.token(step.owner).attrs.set(step.field, this.var(step.value));
        return;
      case 'delattr':
        this.token(step.owner).attrs.delete(step.field);
        return;
      case 'del':
        this.vars.delete(step.name);
        return;
      case 'weakref':
        this.newToken(step.name, { kind: 'weakref', items: [], attrs: new Map(), target: this.var(step.target) });
        return;
      case 'gen':
      case 'genexpr': {
        const arg = this.var(step.t === 'gen' ? step.arg : step.list);
        const frame: FrameModel = { source: step.t, state: 'created', arg, resumed: 0 };
        this.newToken(step.name, { kind: 'generator', items: [], attrs: new Map(), frame });
        return;
      }
      case 'next':
        this.resume(this.token(step.gen));
        return;
      case 'close': {
        const frame = this.token(step.gen).frame;
        if (frame !== undefined) frame.state = 'done';
        return;
      }
      case 'closure':
        this.newToken(step.name, { kind: 'function', items: [], attrs: new Map(), captured: this.var(step.arg) });
        return;
      case 'call': {
        const captured = this.token(step.fn).captured;
        if (captured === undefined) throw new LawBroken('runs', `the model has no closure bound to ${step.fn}`, 0);
        this.vars.set(step.name, captured);
        return;
      }
      case 'with':
        this.vars.set(step.name, this.var(step.arg));
        return;
      case 'clearSaved':
      case 'collect':
      case 'threshold':
        return;
      default:
        step satisfies never;
    }
  }

  /** `next(N, None)`: run the generator to its next yield, or to its end. */
  private resume(gen: Token): void {
    const f = gen.frame;
    if (f === undefined || f.state === 'done') return;
    if (f.source === 'gen') {
      // Two yields, then the return ends the frame.
      f.resumed += 1;
      f.state = f.resumed > 2 ? 'done' : 'suspended';
      return;
    }
    // The list iterator reads the list's item at its index now; past the end it lets go.
    const items = this.tokens.get(f.arg)?.items ?? [];
    if (f.resumed < items.length) {
      f.current = items[f.resumed];
      f.resumed += 1;
      f.state = 'suspended';
    } else {
      f.state = 'done';
    }
  }

  /** Count finalizer runs and callback calls; watch every event. */
  private watch(): void {
    const rt = this.rt;
    const hooks = rt.hooks;
    const runFinalizer = hooks.runFinalizer.bind(hooks);
    hooks.runFinalizer = (id) => {
      const n = (this.finalized.get(id) ?? 0) + 1;
      this.finalized.set(id, n);
      if (n > 1) this.seen.push({ law: 'finalizer-once', message: `__del__ of #${id} ran ${n} times` });
      // A generator's finalizer closes it (_PyGen_Finalize): its frame lets go.
      const t = this.tokenOf.get(id);
      const frame = t === undefined ? undefined : this.tokens.get(t)?.frame;
      if (frame !== undefined) frame.state = 'done';
      runFinalizer(id);
    };
    const runCallback = hooks.runWeakrefCallback?.bind(hooks);
    hooks.runWeakrefCallback = (callback, wr) => {
      const n = (this.callbacks.get(wr) ?? 0) + 1;
      this.callbacks.set(wr, n);
      if (n > 1) this.seen.push({ law: 'weakref', message: `the callback of weakref #${wr} ran ${n} times` });
      if (rt.weakrefReferent(wr) !== undefined) {
        this.seen.push({ law: 'weakref', message: `weakref #${wr} was not cleared when its callback ran` });
      }
      if (rt.state.objects[wr]?.gen === UNREACHABLE_LIST) {
        this.seen.push({ law: 'weakref', message: `the callback of weakref #${wr} ran while the weakref is garbage` });
      }
      runCallback?.(callback, wr);
    };
    rt.events$.subscribe((e) => {
      switch (e.type) {
        case 'ObjectAllocated':
        case 'RefIncremented':
        case 'RefDecremented': {
          const obj = rt.state.objects[e.id];
          if (obj !== undefined) this.lastCount.set(e.id, obj.refcount - obj.base);
          break;
        }
        case 'ObjectFreed': {
          const count = this.lastCount.get(e.id);
          if (count !== undefined && count !== 0) {
            this.seen.push({ law: 'freed-at-zero', message: `#${e.id} was freed with ${count} references held` });
          }
          this.lastCount.delete(e.id);
          break;
        }
        case 'GcUnreachableFound':
          for (const id of e.ids) this.everUnreachable.add(id);
          break;
        default:
      }
    });
  }
}

// ---------------------------------------------------------------------------------
// The laws.

const describeToken = (w: World, t: number): string => {
  const tok = w.tokens.get(t);
  const names = [...w.vars].filter(([, v]) => v === t).map(([n]) => n);
  const what =
    tok?.kind === 'instance'
      ? `${tok.cls ?? '?'} instance`
      : tok?.frame !== undefined
        ? `${tok.frame.source === 'gen' ? 'generator' : 'generator expression'}, ${tok.frame.state}`
        : (tok?.kind ?? '?');
  return `#${w.ids.get(t) ?? '?'} (${what}${names.length > 0 ? `, bound to ${names.join(', ')}` : ''})`;
};

/**
 * References the model says each live token has: names, `saved`, items, attributes,
 * frames and cells of live tokens.
 */
function modelCounts(w: World, alive: (t: number) => boolean): Map<number, number> {
  const held = new Map<number, number>();
  const hold = (t: number): void => {
    held.set(t, (held.get(t) ?? 0) + 1);
  };
  for (const t of w.vars.values()) hold(t);
  for (const t of w.saved()) hold(t);
  for (const [t, tok] of w.tokens) {
    if (!alive(t)) continue;
    for (const x of tok.items) hold(x);
    for (const x of tok.attrs.values()) hold(x);
    for (const x of frameHolds(tok)) hold(x);
  }
  return held;
}

/** Tokens reachable from the names and `saved`. */
function reachable(w: World): Set<number> {
  const seen = new Set<number>();
  const work = [...w.vars.values(), ...w.saved()];
  for (let t = work.pop(); t !== undefined; t = work.pop()) {
    if (seen.has(t)) continue;
    seen.add(t);
    const tok = w.tokens.get(t);
    if (tok !== undefined) work.push(...tok.items, ...tok.attrs.values(), ...frameHolds(tok));
  }
  return seen;
}

type Check = (w: World, step: Step | undefined) => string | undefined;

const LAWS: Record<LawName, Check> = {
  runs: () => undefined,
  invariants(w) {
    try {
      checkInvariants(w.rt.state);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  },
  refcount(w) {
    const held = modelCounts(w, (t) => w.alive(t));
    for (const t of w.tokens.keys()) {
      if (!w.alive(t)) continue;
      const id = w.ids.get(t) as ObjectId;
      const count = w.rt.state.objects[id]?.refcount;
      const expected = held.get(t) ?? 0;
      if (count !== expected) return `${describeToken(w, t)} has refcount ${count} but ${expected} references are held`;
    }
    return undefined;
  },
  'freed-at-zero': () => undefined, // watched on every event
  'refcount-liveness'(w) {
    // Refcounting alone (the collector disabled): an object dies exactly when nothing
    // alive holds it; a cycle stays.
    const expected = new Set([
      ...w.previouslyAlive,
      ...[...w.tokens.keys()].filter((t) => !w.previouslyAlive.has(t) && w.alive(t)),
    ]);
    for (let changed = true; changed;) {
      changed = false;
      const held = modelCounts(w, (t) => expected.has(t));
      for (const t of [...expected]) {
        if ((held.get(t) ?? 0) === 0) {
          expected.delete(t);
          changed = true;
        }
      }
    }
    for (const t of w.tokens.keys()) {
      if (w.alive(t) !== expected.has(t)) {
        return w.alive(t)
          ? `${describeToken(w, t)} is alive, but no live object or name holds it`
          : `${describeToken(w, t)} was freed, but it is still held`;
      }
    }
    return undefined;
  },
  'reachable-alive'(w) {
    for (const t of reachable(w)) {
      if (!w.alive(t)) return `${describeToken(w, t)} was freed while reachable from the names or saved`;
    }
    return undefined;
  },
  'full-collection'(w, step) {
    if (step?.t !== 'collect' || step.generation !== 2) return undefined;
    const live = reachable(w);
    for (const t of w.tokens.keys()) {
      if (w.alive(t) && !live.has(t)) return `${describeToken(w, t)} is unreachable but survived a full collection`;
    }
    return undefined;
  },
  'finalizer-once': () => undefined, // watched in the hook
  'resurrected-survives'(w) {
    for (const t of w.saved()) {
      const obj = w.rt.state.objects[w.ids.get(t) as ObjectId];
      if (obj === undefined) return `${describeToken(w, t)} was resurrected into saved but freed`;
      if (!obj.finalized) return `${describeToken(w, t)} is in saved but its FINALIZED bit is not set`;
    }
    return undefined;
  },
  weakref(w) {
    for (const [t, tok] of w.tokens) {
      if (tok.kind !== 'weakref' || tok.target === undefined || !w.alive(t)) continue;
      const id = w.ids.get(t) as ObjectId;
      const targetId = w.ids.get(tok.target) as ObjectId;
      const referent = w.rt.weakrefReferent(id);
      if (w.everUnreachable.has(id) && referent !== undefined)
        return `weakref ${describeToken(w, t)} was garbage but still reads its referent`;
      if (!w.alive(tok.target)) {
        if (referent !== undefined) return `weakref ${describeToken(w, t)} still refers to freed #${targetId}`;
        const calls = w.callbacks.get(id) ?? 0;
        if (!w.everUnreachable.has(id) && calls !== 1) {
          return `the callback of weakref ${describeToken(w, t)} ran ${calls} times after #${targetId} was freed`;
        }
      } else if (!w.everUnreachable.has(targetId) && !w.everUnreachable.has(id) && referent !== targetId) {
        return `weakref ${describeToken(w, t)} reads ${referent === undefined ? 'None' : `#${referent}`}, not its live referent #${targetId}`;
      }
    }
    return undefined;
  },
  pymalloc: (w) => checkAccounting(w.rt.state),
  replay(w) {
    const log = w.rt.log ?? [];
    const live = hashState(w.rt.state);
    const plain = foldPlain(emptyHeap(), log);
    if (hashState(plain) !== live)
      return `folding the log from emptyHeap gives ${hashState(plain)}, the live state is ${live}`;
    const batched = evolveAll(emptyHeap(), log);
    if (!isDeepStrictEqual(batched, plain)) return `the batched fold (evolveAll) differs from the plain fold`;
    // Per event (one produce each) over the generated part, from the batched fold of the prelude.
    let perEvent = evolveAll(emptyHeap(), log.slice(0, w.preludeEvents));
    for (let i = w.preludeEvents; i < log.length; i++) perEvent = evolve(perEvent, log[i] as MemEvent);
    if (!isDeepStrictEqual(perEvent, plain)) return `the per-event fold (evolve) differs from the plain fold`;
    return undefined;
  },
  trace: () => undefined, // needs the round trip: see runChecked
};

/** Blocks in use per size class = live small allocations + parked blocks; no two live blocks overlap. */
export function checkAccounting(state: HeapState): string | undefined {
  const mem = state.memory;
  const extents: [number, number, string][] = [];
  const expected = new Array<number>(32).fill(0);
  const extent = (addr: number, bytes: number, m: MemoryState): [number, number] => {
    if (isArenaAddress(addr)) return [addr, addr + blockSize(m.pools[poolOfAddress(addr)]?.szidx ?? 0)];
    return [addr - 16, addr - 16 + rawChunkSize(bytes)];
  };
  let problem: string | undefined;
  const count = (addr: number, bytes: number, who: string, kept: boolean): void => {
    extents.push([...extent(addr, bytes, mem), who]);
    if (!isArenaAddress(addr)) return;
    const c = mem.pools[poolOfAddress(addr)]?.szidx ?? -1;
    const size = blockSize(c);
    const ok = c === sizeClassIndex(bytes) || (kept && bytes <= size && 4 * bytes > 3 * size);
    if (!ok) problem ??= `${who}: ${bytes} bytes in a block of size class ${c}`;
    expected[c] = (expected[c] ?? 0) + 1;
  };
  for (const obj of liveObjects(state)) {
    if (isStaticAddress(obj.addr)) continue;
    count(obj.addr - preHeaderSize(obj.kind, obj.gcType), obj.alloc, `#${obj.id} (${obj.pyType})`, false);
  }
  for (const [owner, bufs] of Object.entries(mem.buffers)) {
    for (const [name, b] of Object.entries(bufs ?? {})) count(b.addr, b.size, `#${owner}.${name}`, name === 'items');
  }
  for (const [list, stack] of Object.entries(mem.freelists)) {
    for (const addr of stack) count(addr, FREELISTS[list]?.bytes ?? 0, `a block parked on free list ${list}`, false);
  }
  if (problem !== undefined) return problem;
  const usage = sizeClassUsage(state);
  for (const u of usage) {
    const want = expected[u.sizeClass] ?? 0;
    if (u.inUse !== want) {
      return `size class ${u.sizeClass} (${blockSize(u.sizeClass)} bytes): ${u.inUse} blocks in use, but ${want} live allocations and parked blocks`;
    }
  }
  extents.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < extents.length; i++) {
    const [prev, cur] = [extents[i - 1], extents[i]];
    if (prev !== undefined && cur !== undefined && cur[0] < prev[1])
      return `${prev[2]} overlaps ${cur[2]} at 0x${cur[0].toString(16)}`;
  }
  const raw = extents.filter(([start]) => isRawAddress(start + 16)).length;
  if (mem.raw.blocks !== raw) return `the system allocator counts ${mem.raw.blocks} blocks, but ${raw} are owned`;
  return undefined;
}

/** The `trace` law: what the round trip gives back is what was written. */
function checkRoundTrip(w: World, roundTrip: NonNullable<CheckTarget['roundTrip']>): string | undefined {
  const log = w.rt.log ?? [];
  const back = roundTrip(log, w.rt.state, w.preludeEvents);
  if (back.recovered !== undefined) return `the trace was damaged: ${back.recovered}`;
  if (back.events.length !== log.length) return `${log.length} events written, ${back.events.length} read back`;
  for (let i = 0; i < log.length; i++) {
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(back.events[i])), JSON.parse(JSON.stringify(log[i])))) {
      return `event ${i} changed in the round trip: wrote ${JSON.stringify(log[i])}, read ${JSON.stringify(back.events[i])}`;
    }
  }
  const live = hashState(w.rt.state);
  if (back.finalHash !== live)
    return `the footer's final hash ${back.finalHash ?? 'none'} is not the live state's ${live}`;
  return undefined;
}

/**
 * Run `program` and check `laws` after every line and at the end. Throws LawBroken
 * (with the law's name and the line) on the first law broken.
 */
export function runChecked(
  program: GeneratedProgram,
  laws: LawSet,
  target: CheckTarget,
  defaultRoundTrip: NonNullable<CheckTarget['roundTrip']>,
): World {
  let line = 0;
  const guard = <T>(what: () => T): T => {
    try {
      return what();
    } catch (error) {
      if (error instanceof LawBroken) throw error;
      if (error instanceof PyRaise) throw new LawBroken('runs', `the line raised a Python exception`, line);
      throw new LawBroken('runs', error instanceof Error ? `${error.name}: ${error.message}` : String(error), line);
    }
  };
  const w = guard(() => new World(program, target));
  const check = (names: readonly LawName[], step: Step | undefined): void => {
    const seen = w.seen.find((s) => names.includes(s.law));
    if (seen !== undefined) throw new LawBroken(seen.law, seen.message, line);
    for (const name of names) {
      const problem = name === 'trace' ? checkRoundTrip(w, target.roundTrip ?? defaultRoundTrip) : LAWS[name](w, step);
      if (problem !== undefined) throw new LawBroken(name, problem, line);
    }
  };
  w.previouslyAlive = new Set();
  program.steps.forEach((step, i) => {
    line = i + 1;
    guard(() => w.exec(step, program.lines[i] ?? ''));
    guard(() => check(laws.perLine, step));
    w.previouslyAlive = new Set([...w.tokens.keys()].filter((t) => w.alive(t)));
  });
  line = program.steps.length + 1;
  guard(() => check([...laws.perLine, ...laws.atEnd], undefined));
  return w;
}
