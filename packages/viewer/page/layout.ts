/*
 * The heap drawn as Python Tutor draws it: frames (and the globals of __main__) on the
 * left, objects on the right, one arrow per reference from the row that holds it.
 * d3-hierarchy's tidy tree places the boxes: the frames stacked in the first column, each
 * object one column right of its first holder (the tree's edges), a holder's objects in
 * the order of its rows. Arrows start at the row of their variable or slot, so they are
 * drawn here, for every reference, not only the tree's.
 */
import { hierarchy, tree, type HierarchyPointNode } from 'd3-hierarchy';
import type { ObjectNode, StateView } from '../src/protocol.js';

export const ROW = 18;
const HEAD = 22;
const FRAME_WIDTH = 170;
const OBJECT_WIDTH = 210;
/** Reference rows drawn in an object box at most; the rest are counted. */
export const MAX_ROWS = 12;
/** Space between boxes of a column, between columns, and around the drawing. */
const NODE_GAP = 14;
const RANK_GAP = 60;
const MARGIN = 10;

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
  /** The curve (SVG path data), and its arrowhead: two strokes meeting at the curve's end. */
  readonly path: string;
  readonly head: string;
}

/** The arrowhead's length and half-width. */
const HEAD_LENGTH = 8;
const HEAD_HALF = 3.5;
const round = (n: number): number => Math.round(n * 10) / 10;

/** An arrowhead (a chevron, stroked) with its tip at (x, y), pointing away from (fromX, fromY): the curve's last control point. */
function arrowhead(fromX: number, fromY: number, x: number, y: number): string {
  const length = Math.hypot(x - fromX, y - fromY) || 1;
  const ux = (x - fromX) / length;
  const uy = (y - fromY) / length;
  const bx = x - HEAD_LENGTH * ux;
  const by = y - HEAD_LENGTH * uy;
  return `M${round(bx - HEAD_HALF * uy)},${round(by + HEAD_HALF * ux)}L${round(x)},${round(y)}L${round(bx + HEAD_HALF * uy)},${round(by - HEAD_HALF * ux)}`;
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
  // Each object is placed one column right of its first holder: those references (a
  // forest) make the tree d3-hierarchy lays out, not every reference. Every reference
  // would not make a tree (a type held by every instance, a parent pointer back up a
  // tree). All the arrows are drawn below, from their rows.
  const order = new Map(pending.map((b, i) => [b.key, i]));
  const children = new Map<string, Pending[]>();
  const claimed = new Set<string>();
  for (const [i, b] of pending.entries()) {
    for (const r of b.rows) {
      if (r.to === undefined || !drawn.has(r.to)) continue;
      const key = objectKey(r.to);
      // A holder earlier in the order than what it holds (frames first, then objects as
      // the walk from them met them): the holders form no cycle.
      if (claimed.has(key) || (order.get(key) as number) <= i) continue;
      claimed.add(key);
      const list = children.get(b.key) ?? [];
      list.push(pending[order.get(key) as number] as Pending);
      children.set(b.key, list);
    }
  }
  // The first column, as Python Tutor stacks it: the globals on top, then every frame from
  // the outermost call to the innermost, then what no earlier box holds (garbage no frame
  // reaches).
  const unheld = pending.filter((b) => !claimed.has(b.key));
  const top: Pending[] = [
    ...unheld.filter((b) => b.key === 'globals'),
    ...unheld.filter((b) => b.kind === 'frame' && b.key !== 'globals').reverse(),
    ...unheld.filter((b) => b.kind !== 'frame'),
  ];
  type Node = Pending | { readonly key: '' };
  const root = hierarchy<Node>({ key: '' }, (n) => (n.key === '' ? top : children.get(n.key)));
  const breadth = (n: HierarchyPointNode<Node>): number => ('height' in n.data ? n.data.height : 0);
  // A tidy tree (Reingold-Tilford) laid on its side: depth is the column, and boxes of a
  // column keep NODE_GAP apart (twice that between different holders' boxes).
  tree<Node>()
    .nodeSize([1, 1])
    .separation((a, b) => (breadth(a) + breadth(b)) / 2 + (a.parent === b.parent ? NODE_GAP : 2 * NODE_GAP))(root);
  const placed = root.descendants() as HierarchyPointNode<Node>[];
  let minY = Infinity;
  for (const n of placed) if (n.depth > 1) minY = Math.min(minY, n.x - breadth(n) / 2);
  const position = new Map<string, { x: number; y: number }>();
  // The first column is stacked from the top, left-aligned.
  let y = MARGIN;
  for (const b of top) {
    position.set(b.key, { x: MARGIN, y });
    y += b.height + NODE_GAP;
  }
  for (const n of placed) {
    if (n.depth < 2 || !('width' in n.data)) continue;
    // Column d's left edge: one object column per depth after the first.
    const left = MARGIN + FRAME_WIDTH + RANK_GAP + (n.depth - 2) * (OBJECT_WIDTH + RANK_GAP);
    position.set(n.data.key, { x: left, y: MARGIN + n.x - breadth(n) / 2 - minY });
  }
  const boxes: Box[] = pending.map((b) => ({ ...b, ...(position.get(b.key) as { x: number; y: number }) }));
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
      let head: string;
      if (target === b) {
        // A reference to itself: a loop on the right edge.
        const [cx, cy, x2, y2] = [x1 + 40, b.y + 8, b.x + b.width - 20, b.y];
        path = `M${x1},${y1} C${x1 + 40},${y1} ${cx},${cy} ${x2},${y2}`;
        head = arrowhead(cx, cy, x2, y2);
      } else {
        const x2 = target.x < x1 ? target.x + 8 : target.x;
        const y2 = target.y + HEAD / 2;
        const dx = Math.max(30, Math.abs(x2 - x1) / 2);
        path = `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
        head = arrowhead(x2 - dx, y2, x2, y2);
      }
      arrows.push({ from: b.key, row: i, to: r.to, label: r.label, path, head });
    });
  }
  // An empty graph has no extent.
  const width = Math.max(0, ...boxes.map((b) => b.x + b.width)) + 60;
  const height = Math.max(0, ...boxes.map((b) => b.y + b.height)) + 20;
  return { boxes, arrows, width, height };
}
