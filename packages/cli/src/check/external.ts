/*
 * The external event schema `pymemsim-external/1` and its validator
 * =================================================================
 * Memory traces produced elsewhere (another simulator, an instrumented interpreter) are
 * JSON Lines: a header `{"schema":"pymemsim-external/1"}`, then one record per line, a
 * small subset of core's vocabulary (packages/replay/README.md, "External traces"):
 *
 *   alloc    {id, pyType, size, gc, holder, base?}   a new object, one reference held by holder
 *   incref   {id, holder}    decref {id, holder}     a reference taken / dropped by holder
 *   free     {id}                                    the object's memory released
 *   track    {id}            untrack {id}            the collector starts / stops tracking it
 *   gc       {generation, collected}                 a GC pass found `collected` unreachable
 *   freeze   {}              unfreeze {}             gc.freeze(): every tracked object leaves
 *                                                    the collector's view / comes back to it
 *
 * `validate` also reads the JSON Lines export of a pymemsim trace (`pymemsim export
 * --format jsonl`: core's events, each with its seq), turned into these records as it is
 * read (ExternalReader; ExternalConverter does the same for events in memory).
 *
 * Holders: {"object": id, "slot": s}, {"frame": f, "name": n}, {"stack": f}, {"root": n}.
 *
 * Read first: `validateExternal`. It replays the records against the model's rules and
 * reports the first one that cannot happen: a use after free, a decref below zero or by a
 * holder that holds no reference, a free of an object with references held or that still
 * holds references, a GC that collected a reachable object or (a full collection) left an
 * unreachable tracked one, and at the end an object left alive that no root reaches (every
 * frame has exited when a program ends, so only `root` holders keep objects at the end).
 *
 * Simplifications: no generations (a partial collection is only checked to collect nothing
 * reachable; frozen objects are left out of a full one), no weak references; `base` counts
 * references nobody modelled holds (static objects).
 */
import type { Holder, MemEvent } from '@pymemsim/core';
import { Malformed, toMemEvent } from '@pymemsim/replay';

export const EXTERNAL_SCHEMA = 'pymemsim-external/1';

export type ExternalHolder =
  | { readonly object: number; readonly slot: string }
  | { readonly frame: number; readonly name: string }
  | { readonly stack: number }
  | { readonly root: string };

export type ExternalRecord =
  | {
      readonly type: 'alloc';
      readonly id: number;
      readonly pyType: string;
      readonly size: number;
      readonly gc: boolean;
      readonly holder: ExternalHolder;
      readonly base?: number;
    }
  | { readonly type: 'incref' | 'decref'; readonly id: number; readonly holder: ExternalHolder }
  | { readonly type: 'free' | 'track' | 'untrack'; readonly id: number }
  | { readonly type: 'freeze' | 'unfreeze' }
  | { readonly type: 'gc'; readonly generation: 0 | 1 | 2; readonly collected: readonly number[] };

// ---------------------------------------------------------------------------------
// From core's events.

export function toExternalHolder(h: Holder): ExternalHolder {
  switch (h.kind) {
    case 'object':
      return { object: h.owner, slot: h.slot };
    case 'frame':
      return { frame: h.frame, name: h.name };
    case 'stack':
      return { stack: h.frame };
    case 'root':
      return { root: h.name };
    default:
      return h satisfies never;
  }
}

/**
 * Core's events as external records, one event at a time: a move becomes an incref by
 * the new holder then a decref by the old one; a collection is its unreachable set (with
 * the generation of its GcStarted); the rest is dropped.
 */
export class ExternalConverter {
  private generation: 0 | 1 | 2 = 2;

  /** The records of one event (none for most kinds of event). */
  convert(e: MemEvent): ExternalRecord[] {
    switch (e.type) {
      case 'ObjectAllocated':
        return [
          {
            type: 'alloc',
            id: e.id,
            pyType: e.pyType,
            size: e.size,
            gc: e.gc,
            holder: toExternalHolder(e.holder),
            ...(e.base !== undefined && e.base !== 0 ? { base: e.base } : {}),
          },
        ];
      case 'RefIncremented':
        return [{ type: 'incref', id: e.id, holder: toExternalHolder(e.holder) }];
      case 'RefDecremented':
        return [{ type: 'decref', id: e.id, holder: toExternalHolder(e.holder) }];
      case 'RefMoved':
        return [
          { type: 'incref', id: e.id, holder: toExternalHolder(e.to) },
          { type: 'decref', id: e.id, holder: toExternalHolder(e.from) },
        ];
      case 'ObjectFreed':
        return [{ type: 'free', id: e.id }];
      case 'ObjectTracked':
        return [{ type: 'track', id: e.id }];
      case 'ObjectUntracked':
        return [{ type: 'untrack', id: e.id }];
      case 'GcFrozen':
        return [{ type: 'freeze' }];
      case 'GcUnfrozen':
        return [{ type: 'unfreeze' }];
      case 'GcStarted':
        this.generation = e.generation;
        return [];
      case 'GcUnreachableFound':
        return [{ type: 'gc', generation: this.generation, collected: [...e.ids] }];
      default:
        return [];
    }
  }
}

/** Core's events as external records (ExternalConverter over all of them). */
export function toExternal(events: Iterable<MemEvent>): ExternalRecord[] {
  const converter = new ExternalConverter();
  const out: ExternalRecord[] = [];
  for (const e of events) for (const r of converter.convert(e)) out.push(r);
  return out;
}

/** The JSON Lines text of a trace: the header, then one record per line. */
export function toJsonLines(records: readonly ExternalRecord[]): string {
  return [{ schema: EXTERNAL_SCHEMA }, ...records].map((r) => JSON.stringify(r)).join('\n') + '\n';
}

// ---------------------------------------------------------------------------------
// Reading.

/** The input cannot be read: bad JSON (with its column) or a record outside the schema. */
export class ExternalFormatError extends Error {
  override readonly name = 'ExternalFormatError';
  constructor(
    readonly line: number,
    readonly column: number,
    message: string,
  ) {
    super(message);
  }
}

/** Characters of input an error message quotes at most (a 10 MB value is not echoed back). */
export const MAX_QUOTE = 200;

/** `value` as JSON, cut to `max` characters with how long it was: what messages quote of the input. */
export function quote(value: unknown, max = MAX_QUOTE): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return cut(text, max);
}

/** A text cut to `max` characters, saying how long it was. */
export function cut(text: string, max = MAX_QUOTE): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function parseHolder(v: unknown, line: number): ExternalHolder {
  const bad = (): never => {
    throw new ExternalFormatError(
      line,
      1,
      `holder ${quote(v)} is not one of {object, slot}, {frame, name}, {stack}, {root}`,
    );
  };
  if (!isObj(v)) return bad();
  if (isId(v['object']) && typeof v['slot'] === 'string') return { object: v['object'], slot: v['slot'] };
  if (typeof v['frame'] === 'number' && typeof v['name'] === 'string') return { frame: v['frame'], name: v['name'] };
  if (typeof v['stack'] === 'number') return { stack: v['stack'] };
  if (typeof v['root'] === 'string') return { root: v['root'] };
  return bad();
}

function parseRecord(v: unknown, line: number): ExternalRecord {
  const bad = (what: string): never => {
    throw new ExternalFormatError(line, 1, what);
  };
  if (!isObj(v)) return bad('a record is a JSON object');
  const id = (): number => (isId(v['id']) ? v['id'] : bad(`"id" must be a positive integer`));
  switch (v['type']) {
    case 'alloc': {
      const base = v['base'];
      if (base !== undefined && !(typeof base === 'number' && Number.isSafeInteger(base) && base >= 0)) {
        return bad(`"base" must be a non-negative integer`);
      }
      if (typeof v['pyType'] !== 'string') return bad(`"pyType" must be a string`);
      if (typeof v['size'] !== 'number') return bad(`"size" must be a number`);
      if (typeof v['gc'] !== 'boolean') return bad(`"gc" must be true or false`);
      return {
        type: 'alloc',
        id: id(),
        pyType: v['pyType'],
        size: v['size'],
        gc: v['gc'],
        holder: parseHolder(v['holder'], line),
        ...(typeof base === 'number' ? { base } : {}),
      };
    }
    case 'incref':
    case 'decref':
      return { type: v['type'], id: id(), holder: parseHolder(v['holder'], line) };
    case 'free':
    case 'track':
    case 'untrack':
      return { type: v['type'], id: id() };
    case 'freeze':
    case 'unfreeze':
      return { type: v['type'] };
    case 'gc': {
      const g = v['generation'];
      const collected = v['collected'];
      if (g !== 0 && g !== 1 && g !== 2) return bad(`"generation" must be 0, 1 or 2`);
      if (!Array.isArray(collected) || !collected.every(isId)) return bad(`"collected" must be an array of ids`);
      return { type: 'gc', generation: g, collected: collected };
    }
    default:
      return bad(
        `unknown record type ${quote(v['type'])} (expected alloc, incref, decref, free, track, untrack, gc, freeze or unfreeze)`,
      );
  }
}

/** A holder of core's events (`{kind, ...}`) in the external schema; anything else as it is (parseHolder says why). */
function coreHolder(v: unknown): unknown {
  if (!isObj(v)) return v;
  switch (v['kind']) {
    case 'object':
      return { object: v['owner'], slot: v['slot'] };
    case 'frame':
      return { frame: v['frame'], name: v['name'] };
    case 'stack':
      return { stack: v['frame'] };
    case 'root':
      return { root: v['name'] };
    default:
      return v;
  }
}

/** 1-based column of a JSON.parse error in `text` (from "position N" or "column N"). */
function errorColumn(message: string): number {
  const col = /column (\d+)/.exec(message);
  if (col !== null) return Number(col[1]);
  const pos = /position (\d+)/.exec(message);
  return pos !== null ? Number(pos[1]) + 1 : 1;
}

/**
 * What `validate` reads, line by line: the external schema (its header first), or the
 * JSON Lines export of a pymemsim trace (`pymemsim export --format jsonl`: core's events,
 * each with its `seq`), whose events are turned into external records as they come
 * (ExternalConverter). `push` takes one line and returns the records it holds; it throws
 * ExternalFormatError (line, column) for what cannot be read.
 */
export class ExternalReader {
  /** Which kind of input this is, once its first line was read. */
  kind: 'external' | 'pymemsim-export' | undefined;
  private readonly converter = new ExternalConverter();
  private nextSeq = 0;

  push(row: string, line: number): ExternalRecord[] {
    if (row.trim() === '') return [];
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ExternalFormatError(line, errorColumn(message), `bad JSON: ${cut(message)}`);
    }
    if (this.kind === undefined) {
      if (isObj(value) && value['schema'] === EXTERNAL_SCHEMA) {
        this.kind = 'external';
        return [];
      }
      if (isObj(value) && value['seq'] === 0 && typeof value['type'] === 'string') this.kind = 'pymemsim-export';
      else {
        throw new ExternalFormatError(
          line,
          1,
          `the first line must be the header {"schema":"${EXTERNAL_SCHEMA}"} ` +
            `(or the first event, seq 0, of \`pymemsim export --format jsonl\`)`,
        );
      }
    }
    if (this.kind === 'external') return [parseRecord(value, line)];
    return this.fromExport(value, line);
  }

  /** The end of the input: an input with no header at all cannot be read. */
  end(): void {
    if (this.kind === undefined) {
      throw new ExternalFormatError(1, 1, `empty input: expected the header {"schema":"${EXTERNAL_SCHEMA}"}`);
    }
  }

  /** One event of a pymemsim export: its seq in order, then as external records (checked as parseRecord checks). */
  private fromExport(value: unknown, line: number): ExternalRecord[] {
    if (!isObj(value) || typeof value['type'] !== 'string') {
      throw new ExternalFormatError(line, 1, 'an event of a pymemsim export is a JSON object with a "type"');
    }
    if (value['seq'] !== this.nextSeq) {
      throw new ExternalFormatError(
        line,
        1,
        `expected the event of seq ${this.nextSeq}, found seq ${quote(value['seq'])}`,
      );
    }
    this.nextSeq += 1;
    // The event itself, as the trace reader checks it: its type and fields.
    const { seq: _seq, ...event } = value;
    try {
      toMemEvent(event as Parameters<typeof toMemEvent>[0], `event ${this.nextSeq - 1}`);
    } catch (error) {
      if (error instanceof Malformed) throw new ExternalFormatError(line, 1, error.message);
      throw error;
    }
    const e = value;
    const id = (): number => {
      const v = e['id'];
      if (isId(v)) return v;
      throw new ExternalFormatError(line, 1, `"id" must be a positive integer`);
    };
    switch (e['type']) {
      case 'RefIncremented':
        return [{ type: 'incref', id: id(), holder: exportHolder(e['holder'], line) }];
      case 'RefDecremented':
        return [{ type: 'decref', id: id(), holder: exportHolder(e['holder'], line) }];
      case 'RefMoved': {
        const n = id();
        return [
          { type: 'incref', id: n, holder: exportHolder(e['to'], line) },
          { type: 'decref', id: n, holder: exportHolder(e['from'], line) },
        ];
      }
      case 'ObjectAllocated':
        return [
          parseRecord(
            {
              type: 'alloc',
              id: e['id'],
              pyType: e['pyType'],
              size: e['size'],
              gc: e['gc'],
              holder: coreHolder(e['holder']),
              ...(e['base'] !== undefined && e['base'] !== 0 ? { base: e['base'] } : {}),
            },
            line,
          ),
        ];
      case 'ObjectFreed':
        return [{ type: 'free', id: id() }];
      case 'ObjectTracked':
        return [{ type: 'track', id: id() }];
      case 'ObjectUntracked':
        return [{ type: 'untrack', id: id() }];
      case 'GcFrozen':
        return [{ type: 'freeze' }];
      case 'GcUnfrozen':
        return [{ type: 'unfreeze' }];
      case 'GcStarted': {
        const g = e['generation'];
        if (g !== 0 && g !== 1 && g !== 2) throw new ExternalFormatError(line, 1, `"generation" must be 0, 1 or 2`);
        this.converter.convert({ type: 'GcStarted', generation: g, reason: 'automatic' });
        return [];
      }
      case 'GcUnreachableFound': {
        const ids = e['ids'];
        if (!Array.isArray(ids) || !ids.every(isId))
          throw new ExternalFormatError(line, 1, `"ids" must be an array of ids`);
        return this.converter.convert({ type: 'GcUnreachableFound', generation: 2, ids } as unknown as MemEvent);
      }
      default:
        return [];
    }
  }
}

/** A holder of core's events in the external schema, checked as parseHolder checks. */
function exportHolder(v: unknown, line: number): ExternalHolder {
  if (isObj(v)) {
    const kind = v['kind'];
    if (kind === 'stack' && typeof v['frame'] === 'number') return { stack: v['frame'] };
    if (kind === 'object' && isId(v['owner']) && typeof v['slot'] === 'string')
      return { object: v['owner'], slot: v['slot'] };
    if (kind === 'frame' && typeof v['frame'] === 'number' && typeof v['name'] === 'string') {
      return { frame: v['frame'], name: v['name'] };
    }
    if (kind === 'root' && typeof v['name'] === 'string') return { root: v['name'] };
  }
  return parseHolder(coreHolder(v), line);
}

/** Parse the JSON Lines text; throws ExternalFormatError (line, column) on what cannot be read. */
export function parseExternal(text: string): { records: ExternalRecord[]; lines: number[] } {
  const reader = new ExternalReader();
  const records: ExternalRecord[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((row, i) => {
    for (const r of reader.push(row, i + 1)) {
      records.push(r);
      lines.push(i + 1);
    }
  });
  reader.end();
  return { records, lines };
}

// ---------------------------------------------------------------------------------
// Validation.

/** The model's view of one object beside the record it refused. */
export interface ModelObject {
  readonly id: number;
  readonly pyType: string;
  readonly refcount: number;
  /** The holders of its references (the first MAX_HOLDERS_SHOWN of them, one entry per reference). */
  readonly holders: readonly string[];
  /** References not listed in `holders` (there were too many to show). */
  readonly moreHolders?: number;
  readonly alive: boolean;
}

/** Holders a model view lists at most. */
export const MAX_HOLDERS_SHOWN = 20;

export interface Violation {
  /** The line of the input (1-based; the line after the last for a leak at the end). */
  readonly line: number;
  readonly rule:
    | 'use-after-free'
    | 'below-zero'
    | 'not-held'
    | 'free-while-held'
    | 'free-holding'
    | 'gc-reachable'
    | 'gc-missed'
    | 'leak'
    | 'id-reused';
  readonly message: string;
  readonly record?: ExternalRecord;
  readonly model?: ModelObject;
}

export interface ValidationResult {
  readonly ok: boolean;
  readonly records: number;
  readonly violation?: Violation;
  readonly stats: {
    readonly allocs: number;
    readonly frees: number;
    readonly gcPasses: number;
    readonly aliveAtEnd: number;
  };
}

interface Obj {
  readonly id: number;
  readonly pyType: string;
  readonly base: number;
  /** Holder key -> references it holds. */
  heldBy: Counts<HolderKey>;
  /** Objects this one holds references to (by the object holder's owner), with counts. */
  holds: Counts<number>;
  tracked: boolean;
  /** Tracked, but in the permanent generation (gc.freeze): no collection looks at it. */
  frozen: boolean;
  count: number;
  /** References held by holders that are not objects (frames, stacks, roots): a root of reachability. */
  outside: number;
  /** References held by `root` holders (what still holds objects at the end). */
  byRoots: number;
}

export const holderKey = (h: ExternalHolder): string =>
  'object' in h
    ? `#${h.object}.${h.slot}`
    : 'frame' in h
      ? `frame ${h.frame} var ${h.name}`
      : 'stack' in h
        ? `frame ${h.stack} stack`
        : `root ${h.root}`;

const ownerOf = (h: ExternalHolder): number | undefined => ('object' in h ? h.object : undefined);

/** A holder as a number (HolderKeys), or as its text when it does not fit one. */
type HolderKey = number | string;

/** Names (slots, variable and root names) numbered below this; owners and frames below 2^53 / NAMES. */
const NAMES = 2 ** 24;
const MAX_NUMBERED = Math.floor(Number.MAX_SAFE_INTEGER / NAMES / 4);

/**
 * Holders as numbers: `owner * NAMES + slot` for an object's slot, negative numbers for
 * the others, each name numbered once. A number costs a live object's table less than the
 * text of the holder (`#12.left`), and the validator holds one per reference held.
 */
class HolderKeys {
  private readonly numbers = new Map<string, number>();
  private readonly names: string[] = [];

  key(h: ExternalHolder): HolderKey {
    if ('object' in h) return this.pair(h.object, h.slot, 0, h);
    if ('frame' in h) return this.pair(h.frame, h.name, 1, h);
    if ('stack' in h) return this.pair(h.stack, '', 2, h);
    return this.pair(0, h.root, 3, h);
  }

  /** The holder's text, as messages and the model view show it. */
  text(key: HolderKey): string {
    if (typeof key === 'string') return key;
    const kind = key >= 0 ? 0 : -key % 4;
    const code = key >= 0 ? key : Math.floor(-key / 4);
    const n = Math.floor(code / NAMES);
    const name = this.names[code % NAMES] ?? '';
    return kind === 0
      ? `#${n}.${name}`
      : kind === 1
        ? `frame ${n} var ${name}`
        : kind === 2
          ? `frame ${n} stack`
          : `root ${name}`;
  }

  private pair(n: number, name: string, kind: number, h: ExternalHolder): HolderKey {
    let i = this.numbers.get(name);
    if (i === undefined) {
      if (this.names.length >= NAMES) return holderKey(h);
      i = this.names.length;
      this.names.push(name);
      this.numbers.set(name, i);
    }
    if (!Number.isSafeInteger(n) || n < 0 || n >= MAX_NUMBERED) return holderKey(h);
    const code = n * NAMES + i;
    return kind === 0 ? code : -(code * 4 + kind);
  }
}

/** Ids below this are remembered as freed in a table of 2 bytes each; larger ones in a map. */
const DENSE_IDS = 1 << 27;

/**
 * What is remembered of a freed object (for "was already freed" and its type): its type
 * as an index into a table of type names, 2 bytes per id for the usual dense ids, so that
 * a trace of millions of allocations is validated in the memory of what is alive.
 */
class FreedObjects {
  private types: Uint16Array = new Uint16Array(1024);
  private readonly sparse = new Map<number, number>();
  private readonly names: string[] = [''];
  private readonly numbers = new Map<string, number>();
  /** Freed objects with a base (static objects): their base, for the model view. */
  readonly bases = new Map<number, number>();

  add(id: number, pyType: string, base: number): void {
    let n = this.numbers.get(pyType);
    if (n === undefined) {
      n = this.names.length < 0xffff ? this.names.length : 0xffff;
      if (n < 0xffff) {
        this.names.push(pyType);
        this.numbers.set(pyType, n);
      }
    }
    if (base > 0) this.bases.set(id, base);
    if (id >= DENSE_IDS) {
      this.sparse.set(id, n);
      return;
    }
    if (id >= this.types.length) {
      let size = this.types.length;
      while (size <= id) size *= 2;
      const grown = new Uint16Array(size);
      grown.set(this.types);
      this.types = grown;
    }
    this.types[id] = n;
  }

  delete(id: number): void {
    if (id >= DENSE_IDS) this.sparse.delete(id);
    else if (id < this.types.length) this.types[id] = 0;
    this.bases.delete(id);
  }

  /** The type of a freed object, or undefined if `id` was never freed. */
  get(id: number): string | undefined {
    const n = id >= DENSE_IDS ? (this.sparse.get(id) ?? 0) : id < this.types.length ? (this.types[id] ?? 0) : 0;
    if (n === 0) return undefined;
    return n === 0xffff ? '(a type)' : this.names[n];
  }
}

/**
 * The validator, one record at a time: `feed` returns the first violation (and the
 * validator stops there), `finish` checks the end (leaks) and gives the result. Memory:
 * the objects alive, and 2 bytes per freed id.
 */
export class ExternalValidator {
  readonly live = new Map<number, Obj>();
  private readonly freed = new FreedObjects();
  private readonly keys = new HolderKeys();
  private readonly stats = { allocs: 0, frees: 0, gcPasses: 0, aliveAtEnd: 0 };
  private violation: Violation | undefined;
  private count = 0;
  private lastLine = 0;

  /** Records fed so far. */
  get records(): number {
    return this.count;
  }

  /** Check one record (read at `line`); the first that cannot happen is returned, and kept. */
  feed(r: ExternalRecord, line: number): Violation | undefined {
    if (this.violation !== undefined) return this.violation;
    this.count += 1;
    this.lastLine = line;
    const found = this.check(r, line);
    if (found !== undefined) this.violation = found;
    return found;
  }

  /** The result: the violation found, or the end checked (an object alive that no root reaches is a leak). */
  finish(): ValidationResult {
    const stats = { ...this.stats, aliveAtEnd: this.live.size };
    if (this.violation !== undefined) {
      return { ok: false, records: this.count, violation: this.violation, stats };
    }
    const rooted = this.reachable(true);
    let leaked: Obj | undefined;
    for (const o of this.live.values()) if (!rooted.has(o.id) && (leaked === undefined || o.id < leaked.id)) leaked = o;
    if (leaked !== undefined) {
      return {
        ok: false,
        records: this.count,
        violation: {
          line: this.lastLine + 1,
          rule: 'leak',
          message: `at the end #${leaked.id} (${leaked.pyType}) is alive, but no root holds it${leaked.count === 0 ? ' (its count is zero and it was never freed)' : ''}`,
          model: this.view(leaked, true),
        },
        stats,
      };
    }
    return { ok: true, records: this.count, stats };
  }

  private view(o: Obj, alive: boolean): ModelObject {
    const holders: string[] = [];
    let more = 0;
    for (const [key, n] of countEntries(o.heldBy)) {
      const k = this.keys.text(key);
      for (let i = 0; i < n; i++) {
        if (holders.length < MAX_HOLDERS_SHOWN) holders.push(k);
        else more += 1;
      }
    }
    return {
      id: o.id,
      pyType: o.pyType,
      refcount: o.base + o.count,
      holders,
      ...(more > 0 ? { moreHolders: more } : {}),
      alive,
    };
  }

  private freedView(id: number, pyType: string): ModelObject {
    return { id, pyType, refcount: this.freed.bases.get(id) ?? 0, holders: [], alive: false };
  }

  /** Objects reachable from the roots: non-object holders (or only `root` holders at the end). */
  /**
   * The objects `start` (collected garbage) reaches only through an object the collector
   * does not track (a code object, say): the collector cannot see those references, so
   * it counts such an object as held from outside; it goes when the garbage is cleared.
   */
  private hiddenFromCollector(start: readonly number[]): Set<number> {
    const behind = new Set<number>();
    const seen = new Set<number>();
    const work: [number, boolean][] = start.map((id) => [id, false]);
    for (let item = work.pop(); item !== undefined; item = work.pop()) {
      const [id, hidden] = item;
      const key = hidden ? -id : id;
      if (seen.has(key)) continue;
      seen.add(key);
      if (hidden) behind.add(id);
      const o = this.live.get(id);
      const held = o?.holds;
      const next = hidden || o?.tracked !== true;
      if (held !== undefined) for (const [child] of countEntries(held)) work.push([child, next]);
    }
    return behind;
  }

  private reachable(rootsOnly: boolean): Set<number> {
    const seen = new Set<number>();
    const work: number[] = [];
    for (const o of this.live.values()) {
      if (o.base > 0 || (rootsOnly ? o.byRoots : o.outside) > 0) work.push(o.id);
    }
    for (let id = work.pop(); id !== undefined; id = work.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      const held = this.live.get(id)?.holds;
      if (held !== undefined) for (const [child] of countEntries(held)) work.push(child);
    }
    return seen;
  }

  private check(r: ExternalRecord, line: number): Violation | undefined {
    const live = this.live;
    const usedAfterFree = (id: number, role: string): Violation | undefined => {
      if (live.has(id)) return undefined;
      const deadType = this.freed.get(id);
      return {
        line,
        rule: 'use-after-free',
        message:
          deadType !== undefined
            ? `${role} #${id} (${deadType}) was already freed`
            : `${role} #${id} was never allocated`,
        record: r,
        ...(deadType !== undefined ? { model: this.freedView(id, deadType) } : {}),
      };
    };
    switch (r.type) {
      case 'alloc': {
        const old = live.get(r.id);
        if (old !== undefined) {
          return {
            line,
            rule: 'id-reused',
            message: `#${r.id} is allocated again while alive`,
            record: r,
            model: this.view(old, true),
          };
        }
        const owner = ownerOf(r.holder);
        if (owner !== undefined) {
          const bad = usedAfterFree(owner, 'the holder');
          if (bad !== undefined) return bad;
        }
        const o: Obj = {
          id: r.id,
          pyType: r.pyType,
          base: r.base ?? 0,
          heldBy: NO_COUNTS,
          holds: NO_COUNTS,
          tracked: false,
          frozen: false,
          count: 0,
          outside: 0,
          byRoots: 0,
        };
        live.set(r.id, o);
        this.freed.delete(r.id);
        hold(live, o, r.holder, this.keys.key(r.holder));
        this.stats.allocs += 1;
        return undefined;
      }
      case 'incref': {
        const owner = ownerOf(r.holder);
        const bad =
          usedAfterFree(r.id, 'incref of') ?? (owner !== undefined ? usedAfterFree(owner, 'the holder') : undefined);
        if (bad !== undefined) return bad;
        hold(live, live.get(r.id) as Obj, r.holder, this.keys.key(r.holder));
        return undefined;
      }
      case 'decref': {
        const bad = usedAfterFree(r.id, 'decref of');
        if (bad !== undefined) return bad;
        const o = live.get(r.id) as Obj;
        if (o.count === 0) {
          return {
            line,
            rule: 'below-zero',
            message: `decref of #${r.id} (${o.pyType}) below zero: no reference is held`,
            record: r,
            model: this.view(o, true),
          };
        }
        const key = this.keys.key(r.holder);
        if (countOf(o.heldBy, key) === 0) {
          return {
            line,
            rule: 'not-held',
            message: `decref of #${r.id} (${o.pyType}) by ${cut(this.keys.text(key))}, which holds no reference to it`,
            record: r,
            model: this.view(o, true),
          };
        }
        release(live, o, r.holder, key);
        return undefined;
      }
      case 'free': {
        const bad = usedAfterFree(r.id, 'free of');
        if (bad !== undefined) return bad;
        const o = live.get(r.id) as Obj;
        if (o.count > 0) {
          return {
            line,
            rule: 'free-while-held',
            message: `free of #${r.id} (${o.pyType}) while ${o.count} reference${o.count === 1 ? ' is' : 's are'} held`,
            record: r,
            model: this.view(o, true),
          };
        }
        const first: IteratorResult<[number, number]> = countEntries(o.holds).next();
        const child = first.done === true ? undefined : first.value[0];
        if (child !== undefined) {
          return {
            line,
            rule: 'free-holding',
            message: `free of #${r.id} (${o.pyType}) while it still holds a reference to #${child}`,
            record: r,
            model: this.view(o, true),
          };
        }
        live.delete(r.id);
        this.freed.add(r.id, o.pyType, o.base);
        this.stats.frees += 1;
        return undefined;
      }
      case 'track':
      case 'untrack': {
        const bad = usedAfterFree(r.id, `${r.type} of`);
        if (bad !== undefined) return bad;
        const o = live.get(r.id) as Obj;
        o.tracked = r.type === 'track';
        o.frozen = false;
        return undefined;
      }
      case 'freeze':
      case 'unfreeze':
        for (const o of live.values()) if (o.tracked) o.frozen = r.type === 'freeze';
        return undefined;
      case 'gc': {
        this.stats.gcPasses += 1;
        const reach = this.reachable(false);
        for (const id of r.collected) {
          const bad = usedAfterFree(id, 'collected object');
          if (bad !== undefined) return bad;
          if (reach.has(id)) {
            const o = live.get(id) as Obj;
            return {
              line,
              rule: 'gc-reachable',
              message: `the collector found #${id} (${o.pyType}) unreachable, but it is reachable`,
              record: r,
              model: this.view(o, true),
            };
          }
        }
        if (r.generation === 2) {
          // What the garbage holds goes with it when the collector clears it (a tuple held
          // by a code object of a collected function: the collector never sees through the
          // code object, which it does not track): not missed.
          const collected = new Set(r.collected);
          const heldByGarbage = this.hiddenFromCollector(r.collected);
          for (const o of live.values()) {
            if (o.tracked && !o.frozen && !reach.has(o.id) && !collected.has(o.id) && !heldByGarbage.has(o.id)) {
              return {
                line,
                rule: 'gc-missed',
                message: `a full collection left #${o.id} (${o.pyType}) alive, but it is unreachable (a cycle the collector should have found)`,
                record: r,
                model: this.view(o, true),
              };
            }
          }
        }
        return undefined;
      }
      default:
        return r satisfies never;
    }
  }
}

/** Replay external records against the model's rules; the first record that cannot happen is the violation. */
export function validateExternal(records: readonly ExternalRecord[], lines: readonly number[] = []): ValidationResult {
  const validator = new ExternalValidator();
  for (let i = 0; i < records.length; i++) {
    if (validator.feed(records[i] as ExternalRecord, lines[i] ?? i + 2) !== undefined) break;
  }
  const result = validator.finish();
  // The number of records of the input, whether or not all were checked.
  return { ...result, records: records.length };
}

function hold(live: Map<number, Obj>, o: Obj, h: ExternalHolder, key: HolderKey): void {
  o.heldBy = addCount(o.heldBy, key, 1);
  o.count += 1;
  countOutside(o, h, 1);
  const owner = ownerOf(h);
  const ownerObj = owner === undefined ? undefined : live.get(owner);
  if (ownerObj !== undefined) ownerObj.holds = addCount(ownerObj.holds, o.id, 1);
}

function release(live: Map<number, Obj>, o: Obj, h: ExternalHolder, key: HolderKey): void {
  o.heldBy = addCount(o.heldBy, key, -1);
  o.count -= 1;
  countOutside(o, h, -1);
  const owner = ownerOf(h);
  const ownerObj = owner === undefined ? undefined : live.get(owner);
  if (ownerObj !== undefined) ownerObj.holds = addCount(ownerObj.holds, o.id, -1);
}

/**
 * Counts by key: most objects have one to a few holders and hold a few references, so a
 * flat array [key, count, key, count, ...] (a Map costs a few hundred bytes per object);
 * past SMALL_COUNTS keys, a map (an object held from thousands of places, a big dict).
 *
 * In both forms a count that reaches 0 stays, as a free pair (array) or a zero (map):
 * a stack slot takes and drops a reference to `None` all the time, and deleting then
 * setting the same key of a large Map makes V8 rebuild its table again and again (tens
 * of microseconds each time for a Map of 30,000 keys). A map's zeros are swept when they
 * outnumber its other keys.
 */
type Counts<K> = (K | number)[] | BigCounts<K>;
const SMALL_COUNTS = 8;
/** No counts yet (shared: addCount never writes into an array it grows, it makes a new one). */
const NO_COUNTS: never[] = [];

class BigCounts<K> {
  map = new Map<K, number>();
  zeros = 0;
}

/** `counts` with `delta` added to `key`; may return a new container. */
function addCount<K>(counts: Counts<K>, key: K, delta: number): Counts<K> {
  if (counts instanceof BigCounts) {
    const map = counts.map;
    const old = map.get(key);
    const n = Math.max(0, (old ?? 0) + delta);
    if (old === undefined && n === 0) return counts;
    map.set(key, n);
    if (old === 0 && n > 0) counts.zeros -= 1;
    else if (old !== undefined && old > 0 && n === 0) {
      counts.zeros += 1;
      if (counts.zeros > map.size / 2 && counts.zeros > SMALL_COUNTS) {
        const kept = new Map<K, number>();
        for (const [k, c] of map) if (c > 0) kept.set(k, c);
        counts.map = kept;
        counts.zeros = 0;
      }
    }
    return counts;
  }
  let free = -1;
  for (let i = 0; i < counts.length; i += 2) {
    if (counts[i] === key) {
      counts[i + 1] = Math.max(0, (counts[i + 1] as number) + delta);
      return counts;
    }
    if (free < 0 && counts[i + 1] === 0) free = i;
  }
  if (delta <= 0) return counts;
  if (free >= 0) {
    counts[free] = key;
    counts[free + 1] = delta;
    return counts;
  }
  // A new array of exactly the size needed (a push would reserve sixteen more slots).
  if (counts.length < 2 * SMALL_COUNTS) return counts.concat(key, delta);
  const big = new BigCounts<K>();
  for (const [k, n] of countEntries(counts)) big.map.set(k, n);
  big.map.set(key, delta);
  return big;
}

function countOf<K>(counts: Counts<K>, key: K): number {
  if (counts instanceof BigCounts) return counts.map.get(key) ?? 0;
  for (let i = 0; i < counts.length; i += 2) if (counts[i] === key) return counts[i + 1] as number;
  return 0;
}

function* countEntries<K>(counts: Counts<K>): Generator<[K, number]> {
  if (counts instanceof BigCounts) {
    for (const entry of counts.map) if (entry[1] > 0) yield entry;
    return;
  }
  for (let i = 0; i < counts.length; i += 2) if (counts[i + 1] !== 0) yield [counts[i] as K, counts[i + 1] as number];
}

function countOutside(o: Obj, h: ExternalHolder, delta: number): void {
  if ('object' in h) return;
  o.outside += delta;
  if ('root' in h) o.byRoots += delta;
}
