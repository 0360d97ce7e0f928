/*
 * The heap drawn as Python Tutor draws it: frames (and the globals of __main__) on the
 * left, objects on the right, one arrow per reference from the row that holds it.
 * dagre (a layered graph layout) places the boxes: frames in the first layer, each
 * object one layer right of its first holder (the only edges dagre is given), crossings
 * reduced. Arrows start at the
 * row of their variable or slot, so they are drawn here, not by dagre.
 */
import dagre from '@dagrejs/dagre';
import type { ObjectNode, StateView } from '../src/protocol.js';

export const ROW = 18;
const HEAD = 22;
const FRAME_WIDTH = 170;
const OBJECT_WIDTH = 210;
/** Reference rows drawn in an object box at most; the rest are counted. */
export const MAX_ROWS = 12;
/** Boxes above which dagre's crossing-reduction sweeps are skipped (they grow fast with the graph). */
const SWEEP_LIMIT = 40;

export interface Row {
  readonly label: string;
  readonly text: string;
  /** The object this row points to (an arrow when that object is drawn). */
  readonly to?: number;
}

export interface Box {
  readonly key: string;
  readonly kind: 'frame' | 'object';
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly title: string;
  readonly rows: readonly Row[];
  readonly object?: ObjectNode;
  readonly frame?: number;
  readonly current?: boolean;
}

export interface Arrow {
  /** `${from box key}:${row}` and the object it points to. */
  readonly from: string;
  readonly row: number;
  readonly to: number;
  readonly label: string;
  readonly path: string;
}

export interface Layout {
  readonly boxes: readonly Box[];
  readonly arrows: readonly Arrow[];
  readonly width: number;
  readonly height: number;
}

const objectKey = (id: number): string => `o${id}`;

export function layoutHeap(state: StateView): Layout {
  const drawn = new Map(state.objects.map((o) => [o.id, o]));
  const text = (id: number): string => {
    const o = drawn.get(id);
    return o === undefined ? `#${id}` : '';
  };
  type Pending = Omit<Box, 'x' | 'y'>;
  const pending: Pending[] = [];
  for (const f of state.frames) {
    pending.push({
      key: `f${f.id}`,
      kind: 'frame',
      title: `frame ${f.id}: ${f.name}`,
      rows: [
        ...f.vars.map((v) => ({ label: v.name, text: text(v.id), to: v.id })),
        // Evaluation-stack temporaries hold references too.
        ...f.stack.map((id, i) => ({ label: `stack[${i}]`, text: text(id), to: id })),
      ],
      width: FRAME_WIDTH,
      height: HEAD + Math.max(1, f.vars.length + f.stack.length) * ROW + 6,
      frame: f.id,
      current: f.current,
    });
  }
  if (state.globals.length > 0) {
    pending.push({
      key: 'globals',
      kind: 'frame',
      title: 'globals of __main__',
      rows: state.globals.map((v) => ({ label: v.name, text: text(v.id), to: v.id })),
      width: FRAME_WIDTH,
      height: HEAD + state.globals.length * ROW + 6,
      frame: 0,
    });
  }
  for (const o of state.objects) {
    // Rows for the references to drawn objects; the others (to what only the interpreter
    // holds: code objects, a module's dict ...) are counted in one row.
    const rows: Row[] = o.refs.slice(0, MAX_ROWS).map((r) => ({ label: r.label, text: '', to: r.to }));
    const more = o.refs.length + o.moreRefs - rows.length;
    if (more > 0) rows.push({ label: `+${more} more`, text: '' });
    pending.push({
      key: objectKey(o.id),
      kind: 'object',
      title: `#${o.id} ${o.type}`,
      rows,
      width: OBJECT_WIDTH,
      // head, repr line, refcount/generation line, rows
      height: HEAD + 2 * ROW + rows.length * ROW + 6,
      object: o,
    });
  }
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 14, ranksep: 60, marginx: 10, marginy: 10, ranker: 'tight-tree' });
  g.setDefaultEdgeLabel(() => ({}));
  for (const b of pending) g.setNode(b.key, { width: b.width, height: b.height });
  // dagre places each object one layer right of its first holder: the edges it is given
  // are those (a forest), not every reference. Every reference would make dagre thread a
  // chain of dummy nodes through each layer an arrow crosses (a type held by every
  // instance, a parent pointer back up a tree): most of the time of a layout, five times
  // this one's on a tree of 60 objects. All the arrows are drawn below, from their rows.
  const order = new Map(pending.map((b, i) => [b.key, i]));
  const claimed = new Set<string>();
  for (const [i, b] of pending.entries()) {
    for (const r of b.rows) {
      if (r.to === undefined || !drawn.has(r.to)) continue;
      const key = objectKey(r.to);
      // A holder earlier in the order than what it holds (frames first, then objects as
      // the walk from them met them): the edges form no cycle.
      if (claimed.has(key) || (order.get(key) as number) <= i) continue;
      claimed.add(key);
      g.setEdge(b.key, key);
    }
  }
  // Crossing reduction's sweeps cost most of the time for a large heap: only for small
  // ones. A large one keeps dagre's initial order (initialOrder).
  dagre.layout(g, pending.length > SWEEP_LIMIT ? { customOrder: initialOrder } : {});
  let boxes: Box[] = pending.map((b) => {
    const n = g.node(b.key) as { x: number; y: number };
    return { ...b, x: n.x - b.width / 2, y: n.y - b.height / 2 };
  });
  boxes = stackFramesFirst(boxes);
  const byKey = new Map(boxes.map((b) => [b.key, b]));
  const arrows: Arrow[] = [];
  for (const b of boxes) {
    const first = b.kind === 'frame' ? HEAD : HEAD + 2 * ROW;
    b.rows.forEach((r, i) => {
      if (r.to === undefined) return;
      const target = byKey.get(objectKey(r.to));
      if (target === undefined) return;
      const x1 = b.x + b.width - 8;
      const y1 = b.y + first + i * ROW + ROW / 2;
      let path: string;
      if (target === b) {
        // A reference to itself: a loop on the right edge.
        path = `M${x1},${y1} C${x1 + 40},${y1} ${x1 + 40},${b.y + 8} ${b.x + b.width - 20},${b.y}`;
      } else {
        const x2 = target.x < x1 ? target.x + 8 : target.x;
        const y2 = target.y + HEAD / 2;
        const dx = Math.max(30, Math.abs(x2 - x1) / 2);
        path = `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
      }
      arrows.push({ from: b.key, row: i, to: r.to, label: r.label, path });
    });
  }
  // An empty graph has no extent (dagre reports -Infinity).
  const width = Math.max(0, ...boxes.map((b) => b.x + b.width)) + 60;
  const height = Math.max(0, ...boxes.map((b) => b.y + b.height)) + 20;
  return { boxes, arrows, width, height };
}

/**
 * dagre's order phase for a large heap, without its crossing-reduction sweeps: dagre's
 * own initial order (a depth-first walk from the nodes by rank, each rank's nodes in the
 * order first met), the order dagre itself kept with the sweeps turned off. Given as a
 * custom order because dagre, sweeps off, still built two graphs per rank it did not
 * use: half a layout's time.
 */
export function initialOrder(g: InstanceType<typeof dagre.graphlib.Graph>): void {
  type Ranked = { rank?: number; order?: number };
  const rankOf = (v: string): number => (g.node(v) as Ranked).rank ?? 0;
  const nodes = g.nodes().filter((v) => (g.children(v) ?? []).length === 0);
  nodes.sort((a, b) => rankOf(a) - rankOf(b)); // stable: insertion order within a rank
  const next = new Map<number, number>();
  const visited = new Set<string>();
  for (const root of nodes) {
    // A depth-first walk, preorder, successors in their order (a stack, not recursion).
    const stack = [root];
    while (stack.length > 0) {
      const v = stack.pop() as string;
      if (visited.has(v)) continue;
      visited.add(v);
      const n = g.node(v) as Ranked;
      const rank = n.rank ?? 0;
      n.order = next.get(rank) ?? 0;
      next.set(rank, n.order + 1);
      const successors = g.successors(v) ?? [];
      for (let i = successors.length - 1; i >= 0; i--) stack.push(successors[i] as string);
    }
  }
}

/**
 * As Python Tutor stacks them: the globals on top of the first column, then every frame
 * from the outermost call to the innermost, then whatever else dagre put in that column
 * (garbage no frame reaches), left-aligned where dagre centred the column. dagre need not rank
 * every frame first, so frames may start out in different columns: each is moved to the
 * first (its objects stay right of it).
 */
function stackFramesFirst(boxes: Box[]): Box[] {
  const frames = boxes.filter((b) => b.kind === 'frame');
  if (frames.length === 0) return boxes;
  const left = Math.min(...frames.map((b) => b.x + b.width / 2));
  const column = boxes.filter((b) => b.kind === 'frame' || Math.abs(b.x + b.width / 2 - left) < 1);
  const order = [
    ...column.filter((b) => b.key === 'globals'),
    ...column.filter((b) => b.kind === 'frame' && b.key !== 'globals').reverse(),
    ...column.filter((b) => b.kind !== 'frame'),
  ];
  const placed = new Map<string, Box>();
  let y = 10; // dagre's margin
  for (const b of order) {
    // Left-aligned with the frames (an object box is wider: centred, it would stand out to the left).
    placed.set(b.key, { ...b, x: left - FRAME_WIDTH / 2, y });
    y += b.height + 14;
  }
  return boxes.map((b) => placed.get(b.key) ?? b);
}
