/*
 * The page's layout of a large heap gives dagre its own initial order as a custom order
 * (layout.ts, initialOrder): the boxes must land exactly where dagre puts them with its
 * crossing-reduction sweeps turned off, on any forest of holders (the graphs layoutHeap
 * gives it) and with edges that skip ranks (dummy nodes).
 */
import dagre from '@dagrejs/dagre';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { initialOrder } from './layout.js';

type Graph = InstanceType<typeof dagre.graphlib.Graph>;

function graph(parents: readonly number[], extra: readonly [number, number][]): Graph {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 60, ranker: 'tight-tree' });
  g.setDefaultEdgeLabel(() => ({}));
  parents.forEach((_, i) => g.setNode(`n${i}`, { width: 40 + (i % 3) * 10, height: 20 + (i % 4) * 8 }));
  // Node i's holder is an earlier node (a forest: the first holders), or none (a root).
  parents.forEach((p, i) => {
    if (p < i) g.setEdge(`n${p}`, `n${i}`);
  });
  for (const [a, b] of extra) {
    if (a < b && b < parents.length && !g.hasEdge(`n${a}`, `n${b}`)) g.setEdge(`n${a}`, `n${b}`, { minlen: 2 });
  }
  return g;
}

const positions = (g: Graph): string[] =>
  g.nodes().map((v) => {
    const n = g.node(v) as { x: number; y: number };
    return `${v}:${n.x.toFixed(3)},${n.y.toFixed(3)}`;
  });

describe('layout of a large heap', () => {
  it("initialOrder places the boxes where dagre's own order does with the sweeps off", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(60), { minLength: 1, maxLength: 70 }),
        fc.array(fc.tuple(fc.nat(69), fc.nat(69)), { maxLength: 6 }),
        (parents, extra) => {
          const a = graph(parents, extra);
          const b = graph(parents, extra);
          dagre.layout(a, { disableOptimalOrderHeuristic: true });
          dagre.layout(b, { customOrder: initialOrder });
          expect(positions(b)).toEqual(positions(a));
        },
      ),
      { numRuns: 60 },
    );
  });
});
