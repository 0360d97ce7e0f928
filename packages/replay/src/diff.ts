/*
 * Comparing two traces
 * ====================
 * Two runs that should behave the same (the same program on two engine versions, a
 * program before and after an edit) are compared event by event: the first event where
 * they diverge is where their behaviour differs, and the difference between the two
 * heaps just after it says how.
 *
 * Read first: firstDivergence(), then stateDifferences().
 *
 * Vocabulary:
 * - ignored fields: field names (at any depth, in events and in states) left out of
 *   every comparison, e.g. `addr` to compare runs whose addresses differ (another
 *   allocator policy) but whose reference counting should not.
 * - divergence: the smallest seq d where the events differ, or where one trace has an
 *   event and the other has ended. Two traces with equal events and equal lengths do
 *   not diverge.
 *
 * Invariants (diff.test.ts): a trace does not diverge from itself; changing one event
 * of a trace makes the divergence exactly that event; the states after the events
 * before the divergence are equal (they are folds of equal events), up to the ignored
 * fields.
 */
import { checkInterrupt, type MemEvent } from '@pymemsim/core';
import type { Timeline } from './timeline.js';

/** Deep equality of plain data, leaving out the keys in `ignore` at every depth. */
export function equalIgnoring(a: unknown, b: unknown, ignore: ReadonlySet<string>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalIgnoring(a[i], bb[i], ignore)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x).filter((k) => !ignore.has(k) && x[k] !== undefined);
  const ky = Object.keys(y).filter((k) => !ignore.has(k) && y[k] !== undefined);
  if (kx.length !== ky.length) return false;
  for (const k of kx) {
    if (!Object.hasOwn(y, k)) return false;
    if (!equalIgnoring(x[k], y[k], ignore)) return false;
  }
  return true;
}

/** The first seq where the traces' events differ (or one ends first), or undefined if they do not. */
export function firstDivergence(
  a: Timeline,
  b: Timeline,
  ignore: ReadonlySet<string> = new Set(),
  progress?: (done: number, total: number) => void,
): number | undefined {
  const common = Math.min(a.length, b.length);
  const start = ignore.size === 0 ? sameChunks(a, b, common, progress) : 0;
  if (start < common) {
    const ia = a.events(start, common - 1);
    const ib = b.events(start, common - 1);
    const step = Math.max(1, Math.floor(common / 200));
    for (let n = start; n < common; n++) {
      const ea = ia.next();
      const eb = ib.next();
      if (ea.done === true || eb.done === true) return n;
      if (!equalIgnoring(ea.value[1], eb.value[1], ignore)) return n;
      if (progress !== undefined && n % step === 0) progress(n, common);
    }
  }
  progress?.(common, common);
  return a.length === b.length ? undefined : common;
}

/**
 * The events before the first pair of chunks whose bytes differ: chunks with the same
 * bytes hold the same events, so two runs that agree are compared without decoding
 * (a chunk pair that differs in bytes may still hold equal events: compared one by one).
 */
function sameChunks(
  a: Timeline,
  b: Timeline,
  common: number,
  progress?: (done: number, total: number) => void,
): number {
  const ca = a.chunks;
  const cb = b.chunks;
  let done = 0;
  for (let i = 0; i < ca.length && i < cb.length; i++) {
    const x = ca[i];
    const y = cb[i];
    if (x === undefined || y === undefined || x.first !== done || y.first !== done) break;
    if (x.count !== y.count || done + x.count > common) break;
    checkInterrupt();
    const px = x.payload;
    const py = y.payload;
    if (!Buffer.from(px.buffer, px.byteOffset, px.byteLength).equals(py)) break;
    done += x.count;
    progress?.(done, common);
  }
  return done;
}

/** One difference between two states: a path (`objects.12.refcount`) and the two values. */
export interface Difference {
  readonly path: string;
  /** Undefined where the path does not exist on that side. */
  readonly a: unknown;
  readonly b: unknown;
}

/**
 * The differences between two states (or any plain data), leaves first found first,
 * at most `max` (the walk stops there), leaving out `ignore`d keys.
 */
export function stateDifferences(
  a: unknown,
  b: unknown,
  ignore: ReadonlySet<string> = new Set(),
  max = 50,
): Difference[] {
  const out: Difference[] = [];
  const walk = (x: unknown, y: unknown, path: string, depth: number): void => {
    if (out.length >= max || equalIgnoring(x, y, ignore)) return;
    const bothMaps =
      typeof x === 'object' &&
      typeof y === 'object' &&
      x !== null &&
      y !== null &&
      Array.isArray(x) === Array.isArray(y);
    if (!bothMaps || depth > 32) {
      out.push({ path, a: x, b: y });
      return;
    }
    if (Array.isArray(x)) {
      const yy = y as unknown[];
      // Arrays of numbers (generation lists, a frame's stack) read better whole.
      if (x.every((v) => typeof v !== 'object') && yy.every((v) => typeof v !== 'object')) {
        out.push({ path, a: x, b: y });
        return;
      }
      for (let i = 0; i < Math.max(x.length, yy.length); i++) walk(x[i], yy[i], `${path}[${i}]`, depth + 1);
      return;
    }
    const xo = x as Record<string, unknown>;
    const yo = y as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(xo), ...Object.keys(yo)])].filter((k) => !ignore.has(k));
    for (const k of keys) {
      const vx = Object.hasOwn(xo, k) ? xo[k] : undefined;
      const vy = Object.hasOwn(yo, k) ? yo[k] : undefined;
      walk(vx, vy, path === '' ? k : `${path}.${k}`, depth + 1);
    }
  };
  walk(a, b, '', 0);
  return out;
}

/** The events a and b at seq n (undefined past a trace's end). */
export function eventPair(a: Timeline, b: Timeline, n: number): [MemEvent | undefined, MemEvent | undefined] {
  return [n < a.length ? a.event(n) : undefined, n < b.length ? b.event(n) : undefined];
}
