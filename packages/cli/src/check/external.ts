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
 * reachable), no frozen objects, no weak references; `base` counts references nobody
 * modelled holds (static objects).
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
 * the new holder then a decref by the old one; a collection is its unreachable set; the
 * rest is dropped.
 */
export class ExternalConverter {
  private generation: 0 | 1 | 2 = 2;

  push(e: MemEvent): ExternalRecord[] {
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
  for (const e of events) out.push(...converter.push(e));
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

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function parseHolder(v: unknown, line: number): ExternalHolder {
  const bad = (): never => {
    throw new ExternalFormatError(
      line,
      1,
      `holder ${JSON.stringify(v)} is not one of {object, slot}, {frame, name}, {stack}, {root}`,
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
    case 'gc': {
      const g = v['generation'];
      const collected = v['collected'];
      if (g !== 0 && g !== 1 && g !== 2) return bad(`"generation" must be 0, 1 or 2`);
      if (!Array.isArray(collected) || !collected.every(isId)) return bad(`"collected" must be an array of ids`);
      return { type: 'gc', generation: g, collected: collected };
    }
    default:
      return bad(
        `unknown record type ${JSON.stringify(v['type'])} (expected alloc, incref, decref, free, track, untrack or gc)`,
      );
  }
}

/** 1-based column of a JSON.parse error in `text` (from "position N" or "column N"). */
function errorColumn(message: string): number {
  const col = /column (\d+)/.exec(message);
  if (col !== null) return Number(col[1]);
  const pos = /position (\d+)/.exec(message);
  return pos !== null ? Number(pos[1]) + 1 : 1;
}

/** The two inputs `validate` reads: the external schema, or pymemsim's own event log (`export --format jsonl`). */
export type ExternalInput = 'external' | 'events';

/** A line of `pymemsim export --format jsonl`: `{"seq":0,"type":"ObjectAllocated",...}`. */
const isEventLine = (v: unknown): v is Record<string, unknown> =>
  isObj(v) && typeof v['seq'] === 'number' && typeof v['type'] === 'string' && !Object.hasOwn(v, 'schema');

/**
 * Parse the JSON Lines text; throws ExternalFormatError (line, column) on what cannot be
 * read. The input is either the external schema (its header first) or pymemsim's own
 * event log as `pymemsim export --format jsonl` writes it (core's events, each with its
 * seq), whose events are turned into external records (ExternalConverter) on the way.
 */
export function parseExternal(text: string): { records: ExternalRecord[]; lines: number[]; input: ExternalInput } {
  const rows = text.split('\n');
  const records: ExternalRecord[] = [];
  const lines: number[] = [];
  let input: ExternalInput | undefined;
  const converter = new ExternalConverter();
  rows.forEach((row, i) => {
    const line = i + 1;
    if (row.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ExternalFormatError(line, errorColumn(message), `bad JSON: ${message}`);
    }
    if (input === undefined) {
      if (isEventLine(value)) input = 'events';
      else if (isObj(value) && value['schema'] === EXTERNAL_SCHEMA) {
        input = 'external';
        return;
      } else {
        throw new ExternalFormatError(
          line,
          1,
          `the first line must be the header {"schema":"${EXTERNAL_SCHEMA}"}, or an event of pymemsim export --format jsonl`,
        );
      }
    }
    if (input === 'events') {
      if (!isEventLine(value))
        throw new ExternalFormatError(line, 1, 'expected an event with its "seq", as the lines before');
      const { seq: _seq, ...raw } = value;
      let event: MemEvent;
      try {
        event = toMemEvent(raw as Parameters<typeof toMemEvent>[0], `line ${line}`);
      } catch (error) {
        if (error instanceof Malformed) throw new ExternalFormatError(line, 1, error.message);
        throw error;
      }
      for (const r of converter.push(event)) {
        records.push(r);
        lines.push(line);
      }
      return;
    }
    records.push(parseRecord(value, line));
    lines.push(line);
  });
  if (input === undefined) {
    throw new ExternalFormatError(1, 1, `empty input: expected the header {"schema":"${EXTERNAL_SCHEMA}"}`);
  }
  return { records, lines, input };
}

// ---------------------------------------------------------------------------------
// Validation.

/** The model's view of one object beside the record it refused. */
export interface ModelObject {
  readonly id: number;
  readonly pyType: string;
  readonly refcount: number;
  readonly holders: readonly string[];
  readonly alive: boolean;
}

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
  readonly heldBy: Map<string, number>;
  /** Objects this one holds references to (by the object holder's owner), with counts. */
  readonly holds: Map<number, number>;
  tracked: boolean;
  count: number;
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

/** Replay external records against the model's rules; the first record that cannot happen is the violation. */
export function validateExternal(records: readonly ExternalRecord[], lines: readonly number[] = []): ValidationResult {
  const live = new Map<number, Obj>();
  const freed = new Map<number, Obj>();
  const stats = { allocs: 0, frees: 0, gcPasses: 0, aliveAtEnd: 0 };
  const view = (o: Obj, alive: boolean): ModelObject => ({
    id: o.id,
    pyType: o.pyType,
    refcount: o.base + o.count,
    holders: [...o.heldBy].flatMap(([k, n]) => Array<string>(n).fill(k)),
    alive,
  });
  const fail = (i: number, v: Omit<Violation, 'line'>): ValidationResult => ({
    ok: false,
    records: records.length,
    violation: { line: lines[i] ?? i + 2, ...v },
    stats,
  });
  /** Objects reachable from the roots: non-object holders (or only `root` holders at the end). */
  const reachable = (rootsOnly: boolean): Set<number> => {
    const seen = new Set<number>();
    const work: number[] = [];
    for (const o of live.values()) {
      const rooted =
        o.base > 0 || [...o.heldBy.keys()].some((k) => (rootsOnly ? k.startsWith('root ') : !k.startsWith('#')));
      if (rooted) work.push(o.id);
    }
    for (let id = work.pop(); id !== undefined; id = work.pop()) {
      if (seen.has(id)) continue;
      seen.add(id);
      for (const child of live.get(id)?.holds.keys() ?? []) work.push(child);
    }
    return seen;
  };
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as ExternalRecord;
    const usedAfterFree = (id: number, role: string): ValidationResult | undefined => {
      if (live.has(id)) return undefined;
      const dead = freed.get(id);
      return fail(i, {
        rule: 'use-after-free',
        message:
          dead !== undefined
            ? `${role} #${id} (${dead.pyType}) was already freed`
            : `${role} #${id} was never allocated`,
        record: r,
        ...(dead !== undefined ? { model: view(dead, false) } : {}),
      });
    };
    switch (r.type) {
      case 'alloc': {
        const old = live.get(r.id);
        if (old !== undefined) {
          return fail(i, {
            rule: 'id-reused',
            message: `#${r.id} is allocated again while alive`,
            record: r,
            model: view(old, true),
          });
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
          heldBy: new Map(),
          holds: new Map(),
          tracked: false,
          count: 0,
        };
        live.set(r.id, o);
        freed.delete(r.id);
        hold(live, o, r.holder);
        stats.allocs += 1;
        break;
      }
      case 'incref': {
        const bad =
          usedAfterFree(r.id, 'incref of') ??
          (ownerOf(r.holder) !== undefined ? usedAfterFree(ownerOf(r.holder) as number, 'the holder') : undefined);
        if (bad !== undefined) return bad;
        hold(live, live.get(r.id) as Obj, r.holder);
        break;
      }
      case 'decref': {
        const bad = usedAfterFree(r.id, 'decref of');
        if (bad !== undefined) return bad;
        const o = live.get(r.id) as Obj;
        if (o.count === 0) {
          return fail(i, {
            rule: 'below-zero',
            message: `decref of #${r.id} (${o.pyType}) below zero: no reference is held`,
            record: r,
            model: view(o, true),
          });
        }
        const key = holderKey(r.holder);
        if ((o.heldBy.get(key) ?? 0) === 0) {
          return fail(i, {
            rule: 'not-held',
            message: `decref of #${r.id} (${o.pyType}) by ${key}, which holds no reference to it`,
            record: r,
            model: view(o, true),
          });
        }
        release(live, o, r.holder);
        break;
      }
      case 'free': {
        const bad = usedAfterFree(r.id, 'free of');
        if (bad !== undefined) return bad;
        const o = live.get(r.id) as Obj;
        if (o.count > 0) {
          return fail(i, {
            rule: 'free-while-held',
            message: `free of #${r.id} (${o.pyType}) while ${o.count} reference${o.count === 1 ? ' is' : 's are'} held`,
            record: r,
            model: view(o, true),
          });
        }
        const [child] = o.holds.keys();
        if (child !== undefined) {
          return fail(i, {
            rule: 'free-holding',
            message: `free of #${r.id} (${o.pyType}) while it still holds a reference to #${child}`,
            record: r,
            model: view(o, true),
          });
        }
        live.delete(r.id);
        freed.set(r.id, o);
        stats.frees += 1;
        break;
      }
      case 'track':
      case 'untrack': {
        const bad = usedAfterFree(r.id, `${r.type} of`);
        if (bad !== undefined) return bad;
        (live.get(r.id) as Obj).tracked = r.type === 'track';
        break;
      }
      case 'gc': {
        stats.gcPasses += 1;
        const reach = reachable(false);
        const collected = new Set(r.collected);
        for (const id of r.collected) {
          const bad = usedAfterFree(id, 'collected object');
          if (bad !== undefined) return bad;
          if (reach.has(id)) {
            const o = live.get(id) as Obj;
            return fail(i, {
              rule: 'gc-reachable',
              message: `the collector found #${id} (${o.pyType}) unreachable, but it is reachable`,
              record: r,
              model: view(o, true),
            });
          }
        }
        if (r.generation === 2) {
          for (const o of live.values()) {
            if (o.tracked && !reach.has(o.id) && !collected.has(o.id)) {
              return fail(i, {
                rule: 'gc-missed',
                message: `a full collection left #${o.id} (${o.pyType}) alive, but it is unreachable (a cycle the collector should have found)`,
                record: r,
                model: view(o, true),
              });
            }
          }
        }
        break;
      }
      default:
        r satisfies never;
    }
  }
  stats.aliveAtEnd = live.size;
  const rooted = reachable(true);
  const leaked = [...live.values()].filter((o) => !rooted.has(o.id)).sort((a, b) => a.id - b.id)[0];
  if (leaked !== undefined) {
    const line = (lines[lines.length - 1] ?? 1) + 1;
    return {
      ok: false,
      records: records.length,
      violation: {
        line,
        rule: 'leak',
        message: `at the end #${leaked.id} (${leaked.pyType}) is alive, but no root holds it${leaked.count === 0 ? ' (its count is zero and it was never freed)' : ''}`,
        model: view(leaked, true),
      },
      stats,
    };
  }
  return { ok: true, records: records.length, stats };
}

function hold(live: Map<number, Obj>, o: Obj, h: ExternalHolder): void {
  const key = holderKey(h);
  o.heldBy.set(key, (o.heldBy.get(key) ?? 0) + 1);
  o.count += 1;
  const owner = ownerOf(h);
  const ownerObj = owner === undefined ? undefined : live.get(owner);
  if (ownerObj !== undefined) ownerObj.holds.set(o.id, (ownerObj.holds.get(o.id) ?? 0) + 1);
}

function release(live: Map<number, Obj>, o: Obj, h: ExternalHolder): void {
  const key = holderKey(h);
  const n = (o.heldBy.get(key) ?? 0) - 1;
  if (n > 0) o.heldBy.set(key, n);
  else o.heldBy.delete(key);
  o.count -= 1;
  const owner = ownerOf(h);
  const ownerObj = owner === undefined ? undefined : live.get(owner);
  if (ownerObj !== undefined) {
    const m = (ownerObj.holds.get(o.id) ?? 0) - 1;
    if (m > 0) ownerObj.holds.set(o.id, m);
    else ownerObj.holds.delete(o.id);
  }
}
