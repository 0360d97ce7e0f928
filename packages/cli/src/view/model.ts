/*
 * What `pymemsim view` answers: the viewer's protocol (@pymemsim/viewer's protocol.ts)
 * computed from a trace. Nothing here reads the trace itself: states come from the
 * replay package's Timeline, objects and frames from its heap views, history and
 * "why alive" from the `history` and `why` commands, line steps and watches from the
 * `debug` command's Debugger. This module only shapes their answers for the page.
 *
 * Read first: ViewModel.state(), then summaryStep().
 *
 * The summary (the timeline under the heap: live objects and pymalloc blocks in use
 * over events, GC passes) needs one pass over the whole trace. It is filled in by
 * `summaryStep`, a slice of events at a time, so a server can interleave it with the
 * page's requests; the pass also leaves the timeline a checkpoint every K events, so
 * seeks after it fold at most K events.
 */
import {
  MAX_POOLS_IN_ARENA,
  UserError,
  blockSize,
  refCount,
  blocksPerPool,
  type HeapState,
  type MemEvent,
} from '@pymemsim/core';
import {
  dumpLine,
  eventObjectIds,
  frameViews,
  slotLabel,
  mainGlobals,
  objectView,
  programObjects,
  type Timeline,
} from '@pymemsim/replay';
import type {
  ArenaView,
  EventView,
  GcPass,
  HistoryView,
  MoveKind,
  MoveResult,
  ObjectNode,
  SamplePoint,
  StateView,
  CountsView,
  SummaryView,
  TraceInfo,
  WhyView,
} from '@pymemsim/viewer';
import type { Io } from '../io.js';
import { Debugger } from '../commands/debug.js';
import { objectHistory } from '../commands/history.js';
import { whyAnswer, type WhyMemo } from '../commands/why.js';

/** Objects drawn by default before the rest are folded behind a count. */
export const DEFAULT_OBJECT_LIMIT = 60;
/** History entries sent at most (the total is sent too). */
export const HISTORY_LIMIT = 2000;
/** Points of the summary's series, at most. */
const SAMPLES = 1000;

/** What `why --json` prints (the fields the view reads). */
interface WhyJson {
  readonly alive: boolean;
  readonly type?: string;
  readonly repr?: string;
  readonly refcount?: number;
  readonly chains?: WhyView extends infer W ? (W extends { chains: infer C } ? C : never) : never;
  readonly referrers?: readonly string[];
  readonly allocated?: { seq: number; line: string; what: string };
  readonly freedAt?: number;
  readonly steps?: readonly { seq: number; line: string; what: string }[];
}

/** An Io that says nothing: the view's answers go to the page, never to a terminal. */
const QUIET: Io = {
  out: () => undefined,
  err: () => undefined,
  readText: () => '',
  errIsTty: false,
};

export class ViewModel {
  private readonly sampleEvery: number;
  private readonly samples: SamplePoint[] = [];
  private readonly passes: GcPass[] = [];
  private readonly open: { start: number; generation: number; reason: string }[] = [];
  private summaryDone = 0;
  /** Answers already computed (the trace never changes): the last few states and moves. */
  private readonly states = new Answers<StateView>(32);
  private readonly moves = new Answers<MoveResult>(64);
  private readonly countAnswers = new Answers<CountsView>(32);
  /** What "why alive" derived from the last event asked about (shared by its objects). */
  private readonly whyMemo: WhyMemo = {};

  constructor(readonly timeline: Timeline) {
    this.sampleEvery = Math.max(1, Math.ceil(timeline.length / SAMPLES));
  }

  info(): TraceInfo {
    const t = this.timeline;
    return {
      name: t.name,
      program: t.header.program.path,
      source: t.header.program.source,
      events: t.length,
      recovered: t.recovered?.message ?? null,
    };
  }

  /** Check an event number from the page: -1 (before the first event) to the last. */
  checkAt(at: number): number {
    const t = this.timeline;
    if (!Number.isSafeInteger(at) || at < -1 || at > t.last) {
      throw new UserError('CLI_USAGE', `there is no event ${at} in ${t.name}: its events are numbered 0 to ${t.last}`);
    }
    return at;
  }

  /** The heap after event `at`, with at most `limit` objects drawn. */
  state(at: number, limit = DEFAULT_OBJECT_LIMIT): StateView {
    this.checkAt(at);
    return this.states.get(`${at}/${limit}`, () => this.computeState(at, limit));
  }

  /**
   * The counts a state view leaves out on a large heap (null there): the program's objects
   * not drawn, and the live objects only the interpreter holds. One walk of the heap.
   */
  counts(at: number, limit = DEFAULT_OBJECT_LIMIT): CountsView {
    this.checkAt(at);
    return this.countAnswers.get(`${at}/${limit}`, () => {
      const state = this.timeline.stateAt(at);
      const walk = { complete: true, interpreterFrom: Infinity };
      const program = programObjects(state, undefined, Infinity, walk).size;
      return {
        at,
        folded: Math.max(0, program - Math.max(0, limit)),
        hidden: state.live - program,
        interpreter: program - walk.interpreterFrom,
      };
    });
  }

  /**
   * What the page asks first (where the program's first line starts, and the state
   * there), computed before it asks: the server calls this while the page loads.
   */
  prepareFirstPaint(): void {
    const first = this.move(-1, 'next-line').seq ?? -1;
    this.state(first);
  }

  private computeState(at: number, limit: number): StateView {
    const t = this.timeline;
    const state = t.stateAt(at);
    // The program's objects: reachable from the frames and the globals of __main__ first,
    // then garbage no root reaches; what only the interpreter holds is left out.
    // Walked only as far as the drawing needs: on a large heap, how many more there are is
    // counted by counts(), which the page asks next.
    const walk = { complete: true, interpreterFrom: Infinity };
    const program = [...programObjects(state, undefined, Math.max(0, limit), walk)];
    const shown = program;
    const drawn = new Set(shown);
    const objects: ObjectNode[] = [];
    for (const [i, id] of shown.entries()) {
      const view = objectView(state, id);
      if (view === undefined) continue;
      objects.push({
        id,
        type: view.type,
        repr: view.repr,
        refcount: view.refcount,
        generation: view.generation,
        size: view.size,
        address: view.address,
        dying: state.objects[id]?.dying === true,
        // What the program reaches only through the interpreter's references: the page
        // folds these unless asked (programObjects).
        ...(i >= walk.interpreterFrom ? { interpreter: true } : {}),
        ...drawnRefs(state, id, drawn),
      });
    }
    const frames = frameViews(state).map((f) => ({
      id: f.id,
      name: f.name,
      current: f.id === state.currentFrame,
      vars: f.vars.map((v) => ({ name: v.name, id: v.id })),
      stack: [...f.stack],
    }));
    const globals = (mainGlobals(state)?.entries ?? [])
      .filter((e) => !e.name.startsWith('__'))
      .map((e) => ({ name: e.name, id: e.id }));
    const arenas = arenaMap(state);
    return {
      at,
      events: t.length,
      line: state.line,
      event: at >= 0 ? eventView(at, t.event(at)) : null,
      frames,
      globals,
      objects,
      folded: walk.complete ? program.length - objects.length : null,
      hidden: walk.complete ? state.live - program.length : null,
      interpreter: walk.complete ? program.length - walk.interpreterFrom : null,
      live: state.live,
      gc: {
        counts: [...state.gc.counts],
        thresholds: [...state.gc.thresholds],
        enabled: state.gc.enabled,
        collecting: state.gc.collecting,
        generations: state.gc.lists.slice(0, 3).map((l) => l.length),
      },
      memory: {
        arenas: arenas.length,
        pools: arenas.reduce((n, a) => n + a.pools.filter((p) => p.used > 0).length, 0),
        blocks: blocksInUse(state),
        liveBytes: state.memory.liveBytes,
      },
      arenas,
    };
  }

  /**
   * Every event that touched object `id` (the first HISTORY_LIMIT), with the refcount
   * after each: a seek per entry, for about `budgetMs` at most (the later entries of a
   * long history in a long trace get null, shown as unknown), unless `known` has the
   * refcount after that event (null: freed).
   */
  history(id: number, budgetMs = 1000, known?: ReadonlyMap<number, number | null>): HistoryView {
    const t = this.timeline;
    const refcountAfter = (seq: number): number | null =>
      known?.has(seq) === true ? (known.get(seq) ?? null) : (t.stateAt(seq).objects[id]?.refcount ?? null);
    const entries = objectHistory(t, id, QUIET);
    const deadline = performance.now() + budgetMs;
    const first = entries[0]?.event;
    return {
      object: id,
      type: first?.type === 'ObjectAllocated' && first.id === id ? first.pyType : '',
      total: entries.length,
      entries: entries.slice(0, HISTORY_LIMIT).map((e) => ({
        seq: e.seq,
        line: e.line,
        source: e.source,
        role: e.role,
        what: e.what,
        refcount: performance.now() <= deadline ? refcountAfter(e.seq) : null,
      })),
    };
  }

  /** Why object `id` is alive after event `at`, or what freed it (the `why` command's answer). */
  why(id: number, at: number): WhyView {
    this.checkAt(at);
    if (at < 0) {
      const first = this.timeline.occurrences(id)[0];
      if (first === undefined)
        throw new UserError('CLI_USAGE', `no event of ${this.timeline.name} names object #${id}`);
      return { alive: false, object: id, at, allocated: { seq: first.seq, line: '', what: 'allocated' } };
    }
    const answer = whyAnswer(this.timeline, { obj: id, at }, this.whyMemo) as WhyJson;
    if (answer.alive === true) {
      return {
        alive: true,
        object: id,
        at,
        type: answer.type ?? '',
        repr: answer.repr ?? '',
        refcount: answer.refcount ?? 0,
        chains: answer.chains ?? [],
        referrers: answer.referrers ?? [],
      };
    }
    if (answer.allocated !== undefined) return { alive: false, object: id, at, allocated: answer.allocated };
    return { alive: false, object: id, at, freedAt: answer.freedAt ?? -1, steps: answer.steps ?? [] };
  }

  /** Where a line step or a watch run from event `from` lands (the debugger's commands). */
  move(from: number, how: MoveKind, watch?: { obj?: number; var?: string }): MoveResult {
    this.checkAt(from);
    const key = `${from}/${how}/${watch?.obj ?? ''}/${watch?.var ?? ''}`;
    return this.moves.get(key, () => this.computeMove(from, how, watch));
  }

  private computeMove(from: number, how: MoveKind, watch?: { obj?: number; var?: string }): MoveResult {
    const dbg = new Debugger(this.timeline);
    const answer = (line: string): string => {
      const r = dbg.run(line);
      if (r.error) throw new UserError('CLI_USAGE', r.output.replace(/^error: /, ''));
      return r.output;
    };
    answer(`goto ${from}`);
    if (how === 'next-change' || how === 'prev-change') {
      if (watch?.obj !== undefined) answer(`watch obj ${watch.obj}`);
      else if (watch?.var !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(watch.var)) answer(`watch var ${watch.var}`);
      else throw new UserError('CLI_USAGE', `${how} needs an object (obj=ID) or a variable name (var=NAME) to watch`);
    }
    const command = {
      'next-line': 'next-line',
      'prev-line': 'prev-line',
      'next-change': 'continue',
      'prev-change': 'reverse-continue',
    }[how];
    const output = answer(command);
    const moved = dbg.position !== from;
    return { seq: moved ? dbg.position : null, message: output.split('\n')[0] ?? '' };
  }

  // -------------------------------------------------------------------------------
  // The summary

  summary(): SummaryView {
    return {
      events: this.timeline.length,
      done: this.summaryDone,
      complete: this.summaryDone >= this.timeline.length,
      samples: this.samples,
      passes: this.passes,
    };
  }

  /**
   * Go on with the summary pass for about `budgetMs` milliseconds (at least one event);
   * true once the whole trace is done.
   */
  summaryStep(budgetMs = 20): boolean {
    const t = this.timeline;
    if (this.summaryDone >= t.length) return true;
    const deadline = performance.now() + budgetMs;
    const every = this.sampleEvery;
    t.scan(this.summaryDone - 1, t.last, (state, seq, event) => {
      if (event.type === 'GcStarted') {
        this.open.push({ start: seq, generation: event.generation, reason: event.reason });
      } else if (event.type === 'GcFinished') {
        const started = this.open.pop();
        this.passes.push({
          start: started?.start ?? seq,
          end: seq,
          generation: event.generation,
          reason: started?.reason ?? '',
          collected: event.collected,
          uncollectable: event.uncollectable,
        });
      }
      if (seq % every === 0 || seq === t.last) this.samples.push({ seq, live: state.live, blocks: blocksInUse(state) });
      this.summaryDone = seq + 1;
      return (seq & 127) === 127 && performance.now() > deadline;
    });
    return this.summaryDone >= t.length;
  }

  /** The whole summary at once (for a file written with --html). */
  completeSummary(): SummaryView {
    while (!this.summaryStep(Number.POSITIVE_INFINITY));
    return this.summary();
  }
}

/** The last `size` answers by key (least recently used dropped first); errors are not kept. */
class Answers<T> {
  private readonly map = new Map<string, T>();
  constructor(private readonly size: number) {}

  get(key: string, compute: () => T): T {
    const known = this.map.get(key);
    if (known !== undefined) {
      this.map.delete(key);
      this.map.set(key, known);
      return known;
    }
    const value = compute();
    this.map.set(key, value);
    if (this.map.size > this.size) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return value;
  }
}

/** References drawn per object at most (a long list's items are counted, not listed). */
export const MAX_REFS = 50;

/**
 * The references of object `id` to objects that are drawn (the first MAX_REFS), and how
 * many others it holds (to objects only the interpreter holds, folded ones, or past the cap).
 */
function drawnRefs(
  state: HeapState,
  id: number,
  drawn: ReadonlySet<number>,
): { refs: { label: string; to: number }[]; moreRefs: number } {
  const obj = state.objects[id];
  if (obj === undefined) return { refs: [], moreRefs: 0 };
  const refs: { label: string; to: number }[] = [];
  let items = 0;
  for (const r of obj.refs) {
    if (r === undefined) continue;
    // The label as linksOf gives it: an `item` reference numbered among the items.
    const label = r.slot === 'item' ? `[${items++}]` : undefined;
    if (refs.length >= MAX_REFS || !drawn.has(r.to)) continue;
    refs.push({ label: label ?? slotLabel(r.slot), to: r.to });
  }
  return { refs, moreRefs: refCount(obj.refs) - refs.length };
}

/** pymalloc blocks handed out, over every carved pool. */
export function blocksInUse(state: HeapState): number {
  const mem = state.memory;
  let blocks = 0;
  for (let a = 0; a < mem.arenas.length; a++) {
    const arena = mem.arenas[a];
    if (arena === undefined || arena.address === 0) continue;
    for (let k = 0; k < arena.poolsCarved; k++) blocks += mem.pools[a * MAX_POOLS_IN_ARENA + k]?.ref ?? 0;
  }
  return blocks;
}

/** The arenas mapped, with their carved pools: size class, blocks used and the pool's capacity. */
export function arenaMap(state: HeapState): ArenaView[] {
  const mem = state.memory;
  const out: ArenaView[] = [];
  for (let a = 0; a < mem.arenas.length; a++) {
    const arena = mem.arenas[a];
    if (arena === undefined || arena.address === 0) continue;
    const pools = [];
    for (let k = 0; k < arena.poolsCarved; k++) {
      const p = mem.pools[a * MAX_POOLS_IN_ARENA + k];
      if (p === undefined) continue;
      const used = p.ref;
      const sizeClass = p.szidx;
      pools.push({
        index: k,
        sizeClass,
        blockSize: sizeClass >= 0 ? blockSize(sizeClass) : 0,
        used,
        capacity: sizeClass >= 0 ? blocksPerPool(sizeClass) : 0,
      });
    }
    out.push({
      index: a,
      address: `0x${arena.address.toString(16)}`,
      totalPools: arena.ntotalpools,
      freePools: arena.nfreepools,
      pools,
    });
  }
  return out;
}

/** An event for the page: its type, its dump line, the objects it is about. */
function eventView(seq: number, event: MemEvent): EventView {
  const subjects: number[] = [];
  eventObjectIds(event, (id, role) => {
    if (role === 'subject' && !subjects.includes(id)) subjects.push(id);
  });
  return { seq, type: event.type, text: dumpLine(seq, event), subjects };
}
