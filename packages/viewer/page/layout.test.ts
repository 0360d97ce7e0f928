/*
 * The page's layout (layout.ts): on random heaps (frames, globals, objects holding one
 * another, cycles, garbage no frame reaches), the boxes never overlap, the frames stand
 * in the first column as Python Tutor stacks them, every object stands one column right
 * of its first holder, and a holder's objects stand in the order of its rows.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObjectNode, StateView } from '../src/protocol.js';
import { layoutHeap, type Box } from './layout.js';

interface Heap {
  /** Per frame, the objects its variables hold (innermost frame first). */
  readonly frames: readonly (readonly number[])[];
  readonly globals: readonly number[];
  /** Per object, the objects it holds. */
  readonly objects: readonly (readonly number[])[];
}

const heap: fc.Arbitrary<Heap> = fc.nat({ max: 70 }).chain((n) => {
  const id = fc.nat({ max: Math.max(0, n - 1) });
  return fc.record({
    frames: fc.array(fc.array(id, { maxLength: n === 0 ? 0 : 5 }), { maxLength: 6 }),
    globals: fc.array(id, { maxLength: n === 0 ? 0 : 4 }),
    objects: fc.array(fc.array(id, { maxLength: n === 0 ? 0 : 6 }), { minLength: n, maxLength: n }),
  });
});

function stateView(h: Heap): StateView {
  const objects: ObjectNode[] = h.objects.map((refs, i) => ({
    id: i + 1,
    type: 'list',
    repr: '[...]',
    refcount: 1,
    generation: 'gen 0',
    size: 56,
    address: '0x0',
    dying: false,
    refs: refs.map((to, k) => ({ label: `[${k}]`, to: to + 1 })),
    moreRefs: 0,
  }));
  return {
    at: 0,
    events: 1,
    line: 1,
    event: null,
    frames: h.frames.map((vars, i) => ({
      id: i + 1,
      name: `f${i}`,
      current: i === 0,
      vars: vars.map((to, k) => ({ name: `v${k}`, id: to + 1 })),
      stack: [],
    })),
    globals: h.globals.map((to, k) => ({ name: `g${k}`, id: to + 1 })),
    objects,
    folded: 0,
    hidden: 0,
    interpreter: 0,
    live: objects.length,
    gc: { counts: [0, 0, 0], thresholds: [700, 10, 10], enabled: true, collecting: -1, generations: [0, 0, 0] },
    memory: { arenas: 0, pools: 0, blocks: 0, liveBytes: 0 },
    arenas: [],
  } as StateView;
}

const overlap = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('layout of the heap', () => {
  it('boxes apart, frames first, each object one column right of its first holder, in row order', () => {
    fc.assert(
      fc.property(heap, (h) => {
        const view = stateView(h);
        const { boxes, arrows, width, height } = layoutHeap(view);
        expect(boxes.length).toBe(view.frames.length + (view.globals.length > 0 ? 1 : 0) + view.objects.length);
        for (let i = 0; i < boxes.length; i++) {
          const a = boxes[i] as Box;
          expect(a.x).toBeGreaterThanOrEqual(0);
          expect(a.y).toBeGreaterThanOrEqual(0);
          expect(a.x + a.width).toBeLessThanOrEqual(width);
          expect(a.y + a.height).toBeLessThanOrEqual(height);
          for (let j = i + 1; j < boxes.length; j++) expect(overlap(a, boxes[j] as Box)).toBe(false);
        }
        // The frames' column: the globals on top, then the frames from the outermost in.
        const frames = boxes.filter((b) => b.kind === 'frame');
        const left = Math.min(...boxes.map((b) => b.x));
        for (const f of frames) expect(f.x).toBe(left);
        const stacked = [...frames].sort((a, b) => a.y - b.y).map((b) => b.key);
        const expected = [
          ...(view.globals.length > 0 ? ['globals'] : []),
          ...[...view.frames].reverse().map((f) => `f${f.id}`),
        ];
        expect(stacked).toEqual(expected);
        // Each object's first holder, in the order the boxes were given (frames, globals,
        // then the objects): the object is one column right of it.
        const order = [...view.frames.map((f) => `f${f.id}`), ...(view.globals.length > 0 ? ['globals'] : [])];
        const rowsOf = new Map<string, number[]>([
          ...view.frames.map((f) => [`f${f.id}`, f.vars.map((v) => v.id)] as [string, number[]]),
          ['globals', view.globals.map((v) => v.id)],
          ...view.objects.map((o) => [`o${o.id}`, o.refs.map((r) => r.to)] as [string, number[]]),
        ]);
        order.push(...view.objects.map((o) => `o${o.id}`));
        const index = new Map(order.map((k, i) => [k, i]));
        const byKey = new Map(boxes.map((b) => [b.key, b]));
        const holderOf = new Map<string, string>();
        for (const [i, key] of order.entries()) {
          for (const to of rowsOf.get(key) ?? []) {
            const held = `o${to}`;
            if (!holderOf.has(held) && (index.get(held) as number) > i) holderOf.set(held, key);
          }
        }
        const columns = [...new Set(boxes.map((b) => b.x + (b.kind === 'frame' ? 0 : 0)))].sort((a, b) => a - b);
        const columnOf = (b: Box): number => columns.findIndex((x) => Math.abs(x - b.x) < 30);
        for (const [held, holder] of holderOf) {
          const a = byKey.get(holder) as Box;
          const b = byKey.get(held) as Box;
          expect(b.x).toBeGreaterThan(a.x + a.width);
          expect(columnOf(b)).toBe(columnOf(a) + 1);
        }
        // What one holder holds stands in the order of its rows.
        for (const key of order) {
          const held = (rowsOf.get(key) ?? []).map((to) => `o${to}`).filter((k) => holderOf.get(k) === key);
          const ys = [...new Set(held)].map((k) => (byKey.get(k) as Box).y);
          for (let i = 1; i < ys.length; i++) expect(ys[i] as number).toBeGreaterThan(ys[i - 1] as number);
        }
        // One arrow per reference between drawn boxes.
        const refs = [...rowsOf.entries()].reduce(
          (n, [k, tos]) => n + (k === 'globals' && view.globals.length === 0 ? 0 : tos.length),
          0,
        );
        expect(arrows.length).toBe(refs);
      }),
      { numRuns: 200 },
    );
  });
});
