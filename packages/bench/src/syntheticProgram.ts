/*
 * A synthetic program
 * ===================
 * A deterministic stand-in for a long-running Python program, driven straight through
 * the core `Runtime` (no interpreter): it emits the events such a program would, so the
 * fold benchmarks have a realistic stream (allocation, increfs and decrefs with their
 * holders, list growth, frames, cascading deallocs, automatic and explicit collections)
 * long before the interpreter can run programs that big.
 *
 * Read first: `SyntheticProgram.statement`, the weighted choice of what the next line of
 * "Python" does. Each statement is written with the code it stands for:
 *
 *   x = [] / x = (a, 7) / x = 123456 / x = 'sss'   new value on the stack, STORE_FAST
 *   x = y                                          LOAD_FAST y, STORE_FAST x
 *   l.append(y) / l.pop(i)                         list_resize, then the item moves
 *   del x                                          DELETE_FAST
 *   x = f()                                        a frame with locals, a return value
 *   a = []; b = [a]; a.append(b); del a, b         garbage cycles of 1 to 4 lists
 *   gc.collect(g)                                  explicit collections (automatic ones
 *                                                  come from the runtime's thresholds)
 *   table.append([v, w]) / del table[i]            a long-lived list of rows
 *   print(...)                                     an OutputWritten event
 *
 * The live heap stays bounded: a fixed set of module variables, lists of at most
 * MAX_LIST_LENGTH items, a `table` of at most about `tableRows` rows (a few thousand
 * objects: the long-lived working set), and cycles that are either dropped (the
 * collector frees them) or bound to a variable (freed when it is rebound).
 *
 * Determinism: the only source of choice is `Random` seeded by `seed`; the runtime
 * itself is deterministic, so the same options give the same events.
 */
import {
  Defect,
  LIST_OBJECT_SIZE,
  Runtime,
  bootstrapStatics,
  intSize,
  listResize,
  listSize,
  refAtPosition,
  refCount,
  strSize,
  tupleSize,
  type FrameId,
  type HeapState,
  type Holder,
  type MemEvent,
  type ObjectId,
  type Statics,
} from '@pymemsim/core';
import { Random } from './random.js';

export interface SyntheticProgramOptions {
  /** Run statements until the stream holds at least this many events. */
  readonly events: number;
  readonly seed?: number;
  /** How many module-level variable names the program uses (default 32). */
  readonly variables?: number;
  /** Rows the long-lived `table` list grows to (default 2,000). */
  readonly tableRows?: number;
}

export interface SyntheticRun {
  readonly events: MemEvent[];
  /** The runtime's working state at the end, i.e. `foldPlain(emptyHeap(), events)`. */
  readonly state: HeapState;
  readonly statements: number;
}

export const DEFAULT_SEED = 0x5eed;
const MAX_LIST_LENGTH = 48;
/** The "source" has this many lines; statements walk through them in a loop. */
const PROGRAM_LINES = 120;
const LOCAL_NAMES = ['a', 'b', 'c', 'd'] as const;

export function runSyntheticProgram(options: SyntheticProgramOptions): SyntheticRun {
  const program = new SyntheticProgram(
    options.seed ?? DEFAULT_SEED,
    options.variables ?? 32,
    options.tableRows ?? 2_000,
  );
  let statements = 0;
  while (program.events.length < options.events) {
    program.statement();
    statements += 1;
  }
  return { events: program.events, state: program.rt.state, statements };
}

/**
 * The same program, streamed: every `batch` events (and at the end) the events so far
 * are handed to `sink` and dropped, so a run of any length holds at most one batch. The
 * sink must use the events before it returns (the array is reused).
 */
export function streamSyntheticProgram(
  options: SyntheticProgramOptions,
  sink: (events: readonly MemEvent[]) => void,
  batch = 65_536,
): { readonly events: number; readonly state: HeapState; readonly statements: number } {
  const program = new SyntheticProgram(
    options.seed ?? DEFAULT_SEED,
    options.variables ?? 32,
    options.tableRows ?? 2_000,
  );
  let total = 0;
  let statements = 0;
  const drain = (): void => {
    if (program.events.length === 0) return;
    sink(program.events);
    total += program.events.length;
    program.events.length = 0;
  };
  while (total + program.events.length < options.events) {
    program.statement();
    statements += 1;
    if (program.events.length >= batch) drain();
  }
  drain();
  return { events: total, state: program.rt.state, statements };
}

const stackOf = (frame: FrameId): Holder => ({ kind: 'stack', frame });
const slotOf = (frame: FrameId, name: string): Holder => ({ kind: 'frame', frame, name });
const itemOf = (owner: ObjectId, at?: number): Holder =>
  at === undefined ? { kind: 'object', owner, slot: 'item' } : { kind: 'object', owner, slot: 'item', at };

class SyntheticProgram {
  readonly rt = new Runtime({ record: true });
  readonly events: MemEvent[];
  private readonly statics: Statics;
  private readonly module: FrameId;
  private readonly rnd: Random;
  private readonly names: readonly string[];
  /** The long-lived `table` list of rows. */
  private readonly table: ObjectId;
  private readonly tableRows: number;
  private line = 0;
  private calls = 0;

  constructor(seed: number, variables: number, tableRows: number) {
    if (this.rt.log === undefined) throw new Defect('a recording runtime has no log');
    this.events = this.rt.log;
    this.rnd = new Random(seed);
    this.names = Array.from({ length: variables }, (_, i) => `v${i}`);
    this.statics = bootstrapStatics(this.rt);
    this.module = this.rt.enterFrame('<module>');
    this.tableRows = tableRows;
    this.table = this.newList(this.module);
    this.rt.move(this.table, stackOf(this.module), slotOf(this.module, 'table'));
  }

  statement(): void {
    this.line = (this.line % PROGRAM_LINES) + 1;
    this.rt.line(this.line);
    const frame = this.module;
    const r = this.rnd.next();
    if (r < 0.2) this.store(frame, this.rnd.pick(this.names), this.newValue(frame));
    else if (r < 0.3) this.alias(frame, this.names);
    else if (r < 0.5) this.append(frame);
    else if (r < 0.58) this.pop(frame);
    else if (r < 0.63) this.del(frame);
    else if (r < 0.72) this.call();
    else if (r < 0.8) this.cycle(frame);
    else if (r < 0.95) this.tableRow(frame);
    else if (r < 0.955) this.rt.collect(this.rnd.pick([0, 0, 1, 2] as const));
    else this.rt.output(`line ${this.line}\n`);
  }

  // ---------------------------------------------------------------------------------
  // Values on the evaluation stack.

  /** A new value, or a cached small int, with one reference on `frame`'s stack. */
  private newValue(frame: FrameId): ObjectId {
    const stack = stackOf(frame);
    const r = this.rnd.next();
    if (r < 0.4) return this.newList(frame);
    if (r < 0.5) return this.newTuple(frame);
    if (r < 0.8) {
      const v = this.rnd.chance(0.3) ? this.rnd.int(-5, 256) : this.rnd.int(257, 10_000_000);
      const cached = this.statics.smallInt(v);
      if (cached !== undefined) {
        this.rt.incref(cached, stack);
        return cached;
      }
      return this.rt.allocate({ pyType: 'int', kind: 'int', size: intSize(BigInt(v)), repr: String(v) }, stack);
    }
    const s = 's'.repeat(this.rnd.int(1, 40));
    return this.rt.allocate({ pyType: 'str', kind: 'str', size: strSize(s), repr: `'${s}'` }, stack);
  }

  /** `[]` */
  private newList(frame: FrameId): ObjectId {
    const spec = { pyType: 'list', kind: 'list', size: listSize(0), alloc: LIST_OBJECT_SIZE, repr: '[]' };
    return this.rt.allocate(spec, stackOf(frame));
  }

  /** `(x, 7)`: the items are pushed, the tuple is allocated, BUILD_TUPLE moves them in. */
  private newTuple(frame: FrameId): ObjectId {
    const stack = stackOf(frame);
    const n = this.rnd.int(1, 3);
    const items: ObjectId[] = [];
    for (let i = 0; i < n; i++) {
      const loaded = this.rnd.chance(0.5) ? this.load(frame, this.names) : undefined;
      items.push(loaded ?? this.smallInt(frame));
    }
    const t = this.rt.allocate({ pyType: 'tuple', kind: 'tuple', size: tupleSize(n), repr: 'tuple' }, stack);
    for (const item of items) this.rt.move(item, stack, itemOf(t));
    return t;
  }

  private smallInt(frame: FrameId): ObjectId {
    const id = this.statics.smallInt(this.rnd.int(0, 100));
    if (id === undefined) throw new Defect('0..100 are cached small ints');
    this.rt.incref(id, stackOf(frame));
    return id;
  }

  /** LOAD_FAST of a random name, if it is bound. */
  private load(frame: FrameId, names: readonly string[]): ObjectId | undefined {
    const id = this.rt.state.frames[frame]?.vars[this.rnd.pick(names)];
    if (id !== undefined) this.rt.incref(id, stackOf(frame));
    return id;
  }

  /** STORE_FAST: the slot takes the stack's reference, then the old value is dropped. */
  private store(frame: FrameId, name: string, id: ObjectId): void {
    const slot = slotOf(frame, name);
    const old = this.rt.state.frames[frame]?.vars[name];
    if (old === id) {
      // `x = x`: the slot already holds this object; only the loaded reference goes.
      this.rt.decref(id, stackOf(frame));
      return;
    }
    this.rt.move(id, stackOf(frame), slot);
    if (old !== undefined) this.rt.decref(old, slot);
  }

  // ---------------------------------------------------------------------------------
  // Statements.

  /** `x = y` */
  private alias(frame: FrameId, names: readonly string[]): void {
    const id = this.load(frame, names);
    if (id !== undefined) this.store(frame, this.rnd.pick(names), id);
  }

  /** `del x` */
  private del(frame: FrameId): void {
    const name = this.rnd.pick(this.names);
    const id = this.rt.state.frames[frame]?.vars[name];
    if (id !== undefined) this.rt.decref(id, slotOf(frame, name));
  }

  /** A list bound to a random variable, if that variable holds one. */
  private boundList(frame: FrameId): ObjectId | undefined {
    const id = this.rt.state.frames[frame]?.vars[this.rnd.pick(this.names)];
    return id !== undefined && this.rt.object(id).kind === 'list' ? id : undefined;
  }

  /** `l.append(y)` with y a variable or a new value; a long list is popped instead. */
  private append(frame: FrameId): void {
    const l = this.boundList(frame);
    if (l === undefined) {
      this.store(frame, this.rnd.pick(this.names), this.newValue(frame));
      return;
    }
    if (refCount(this.rt.object(l).refs) >= MAX_LIST_LENGTH) {
      this.popFrom(frame, l);
      return;
    }
    const v = (this.rnd.chance(0.5) ? this.load(frame, this.names) : undefined) ?? this.newValue(frame);
    this.resizeList(l, refCount(this.rt.object(l).refs) + 1);
    this.rt.move(v, stackOf(frame), itemOf(l));
  }

  /**
   * `table.append([v, ...])` while the table is short of `tableRows` rows, afterwards as
   * often as `del table[i]`: the long-lived part of the heap.
   */
  private tableRow(frame: FrameId): void {
    const rows = refCount(this.rt.object(this.table).refs);
    if (rows >= this.tableRows && this.rnd.chance(0.5)) {
      this.popFrom(frame, this.table);
      return;
    }
    const row = this.newList(frame);
    const n = this.rnd.int(1, 4);
    for (let i = 0; i < n; i++) {
      const v = this.newValue(frame);
      this.resizeList(row, i + 1);
      this.rt.move(v, stackOf(frame), itemOf(row));
    }
    this.resizeList(this.table, rows + 1);
    this.rt.move(row, stackOf(frame), itemOf(this.table));
  }

  /** `l.pop(i)` with the result discarded. */
  private pop(frame: FrameId): void {
    const l = this.boundList(frame);
    if (l !== undefined) this.popFrom(frame, l);
  }

  private popFrom(frame: FrameId, l: ObjectId): void {
    const refs = this.rt.object(l).refs;
    // A long list leaves removed slots empty (refList.ts): positions count references.
    const n = refCount(refs);
    if (n === 0) return;
    const at = this.rnd.int(0, n - 1);
    const item = refAtPosition(refs, at)?.to;
    if (item === undefined) throw new Defect(`list #${l} has no item ${at}`);
    this.rt.move(item, itemOf(l, at), stackOf(frame));
    this.resizeList(l, refCount(refs));
    this.rt.decref(item, stackOf(frame)); // POP_TOP
  }

  /** `list_resize` to length `n` (before an append, after a removal). */
  private resizeList(l: ObjectId, n: number): void {
    const obj = this.rt.object(l);
    const allocated = (obj.size - LIST_OBJECT_SIZE) / 8;
    this.rt.resize(l, listSize(listResize(allocated, refCount(obj.refs), n)));
  }

  /** `x = f()`: a frame binds a few locals, returns one of them or None, and exits. */
  private call(): void {
    this.calls += 1;
    const f = this.rt.enterFrame(`f${this.calls % 8}`);
    const locals = LOCAL_NAMES.slice(0, this.rnd.int(1, LOCAL_NAMES.length));
    for (const name of locals) this.store(f, name, this.newValue(f));
    if (this.rnd.chance(0.3)) this.alias(f, locals);
    let result = this.rnd.chance(0.7) ? this.load(f, locals) : undefined;
    if (result === undefined) {
      result = this.statics.none; // LOAD_CONST None
      this.rt.incref(result, stackOf(f));
    }
    // RETURN_VALUE: the result moves to the caller's stack; _PyFrame_Clear drops the locals.
    this.rt.move(result, stackOf(f), stackOf(this.module));
    this.rt.exitFrame(f);
    this.store(this.module, this.rnd.pick(this.names), result);
  }

  /** A ring of 1..4 lists, each holding the next (and maybe an int); usually dropped at once. */
  private cycle(frame: FrameId): void {
    const stack = stackOf(frame);
    const n = this.rnd.int(1, 4);
    const ring: ObjectId[] = [];
    for (let i = 0; i < n; i++) ring.push(this.newList(frame));
    ring.forEach((l, i) => {
      const next = ring[(i + 1) % n] as ObjectId;
      this.resizeList(l, 1);
      this.rt.incref(next, itemOf(l));
      if (this.rnd.chance(0.5)) {
        const v = this.newValue(frame);
        this.resizeList(l, 2);
        this.rt.move(v, stack, itemOf(l));
      }
    });
    // Keep one ring alive in a variable now and then; drop the others' stack references.
    const keep = this.rnd.chance(0.2) ? ring[0] : undefined;
    for (const l of ring.slice().reverse()) {
      if (l === keep) this.store(frame, this.rnd.pick(this.names), l);
      else this.rt.decref(l, stack);
    }
  }
}
