/*
 * The heap graph (layout.ts places it): frame and object boxes, an arrow per reference
 * labelled with its slot, the why-alive chain highlighted, dying objects marked and
 * objects freed since the previous view fading out where they were.
 */
import { memo } from 'preact/compat';
import { useMemo } from 'preact/hooks';
import type { StateView, WhyView } from '../src/protocol.js';
import { ROW, layoutHeap, type Box, type Layout, type Row } from './layout.js';

export interface Highlight {
  /** Arrow keys `${from box}|${label}|${to}` on the chain, and the objects on it. */
  readonly arrows: ReadonlySet<string>;
  readonly objects: ReadonlySet<number>;
}

export const arrowKey = (from: string, label: string, to: number): string => `${from}|${label}|${to}`;

/** The why-alive chains as arrows and objects of the drawing. */
export function highlightOf(why: WhyView | null, state: StateView): Highlight {
  const arrows = new Set<string>();
  const objects = new Set<number>();
  if (why === null || !why.alive) return { arrows, objects };
  for (const chain of why.chains) {
    objects.add(chain.first);
    const root = chain.root;
    if (root.kind === 'frame' && root.frame !== undefined && root.name !== undefined) {
      arrows.add(arrowKey(`f${root.frame}`, root.name, chain.first));
    }
    for (const link of chain.links) {
      objects.add(link.owner);
      objects.add(link.to);
      arrows.add(arrowKey(`o${link.owner}`, link.label, link.to));
      // A global is a slot of __main__'s dict (not drawn): its row in the globals box.
      const global = /^\["(.*)"\]$/.exec(link.label)?.[1];
      if (global !== undefined && state.globals.some((g) => g.name === global && g.id === link.to)) {
        arrows.add(arrowKey('globals', global, link.to));
      }
    }
  }
  return { arrows, objects };
}

/** How long the last layout took (shown as the drawing's data-layout-ms, which the benchmark reads). */
let layoutMs = 0;

interface Props {
  readonly state: StateView;
  readonly previous: StateView | null;
  readonly selected: number | null;
  readonly highlight: Highlight;
  readonly onSelect: (id: number) => void;
  readonly onWatchVar: (name: string) => void;
}

/**
 * Drawn again only for a new state, selection or highlight (not for the event alone,
 * while its state is asked). The callbacks must keep their identity (App's are stable).
 */
export const HeapGraph = memo(function HeapGraph({
  state,
  previous,
  selected,
  highlight,
  onSelect,
  onWatchVar,
}: Props) {
  const layout = useMemo(() => {
    const start = performance.now();
    const l = layoutHeap(state);
    layoutMs = performance.now() - start;
    return l;
  }, [state]);
  const previousLayout = useMemo(
    () => (previous === null || previous.at !== state.at - 1 ? null : layoutHeap(previous)),
    [previous, state.at],
  );
  const ghosts = useMemo(() => freedSince(previousLayout, state), [previousLayout, state]);
  const width = Math.max(layout.width, ...ghosts.map((g) => g.x + g.width + 10));
  const height = Math.max(layout.height, ...ghosts.map((g) => g.y + g.height + 10));
  return (
    <svg
      class="heap"
      width={width}
      height={height}
      data-objects={state.objects.length}
      data-layout-ms={layoutMs.toFixed(1)}
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
        </marker>
        <marker
          id="arrow-hot"
          viewBox="0 0 10 10"
          refX="9"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto-start-reverse"
        >
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead hot" />
        </marker>
      </defs>
      {ghosts.map((g) => (
        <g key={`ghost-${g.key}-${state.at}`} class="ghost" data-freed={g.object?.id}>
          <rect x={g.x} y={g.y} width={g.width} height={g.height} rx="4" />
          <text x={g.x + 8} y={g.y + 15}>
            {g.title} freed
          </text>
        </g>
      ))}
      {layout.boxes.map((b) => (
        <BoxView
          key={b.key}
          box={b}
          selected={b.object !== undefined && b.object.id === selected}
          hot={b.object !== undefined && highlight.objects.has(b.object.id)}
          onSelect={onSelect}
          onWatchVar={onWatchVar}
        />
      ))}
      {layout.arrows.map((a) => {
        const hot = highlight.arrows.has(arrowKey(a.from, a.label, a.to));
        return (
          <path
            key={`${a.from}-${a.row}`}
            d={a.path}
            class={hot ? 'ref hot' : 'ref'}
            marker-end={hot ? 'url(#arrow-hot)' : 'url(#arrow)'}
            data-from={a.from}
            data-label={a.label}
            data-to={a.to}
          />
        );
      })}
    </svg>
  );
});

/**
 * A box is drawn again only when what it shows changed: a seek's new layout makes new
 * box objects, but most boxes of a heap read the same from one state to the next.
 */
const BoxView = memo(
  function BoxView({
    box,
    selected,
    hot,
    onSelect,
    onWatchVar,
  }: {
    box: Box;
    selected: boolean;
    hot: boolean;
    onSelect: (id: number) => void;
    onWatchVar: (name: string) => void;
  }) {
    const o = box.object;
    if (o === undefined) {
      return (
        <g
          class={`frame${box.current === true ? ' current' : ''}`}
          data-frame={box.frame}
          transform={`translate(${box.x},${box.y})`}
        >
          <rect width={box.width} height={box.height} rx="3" />
          <text class="title" x="8" y="15">
            {box.title}
          </text>
          {box.rows.length === 0 && (
            <text class="muted" x="10" y={22 + 13}>
              (no variables)
            </text>
          )}
          {box.rows.map((r, i) => (
            <g key={r.label} class="var" data-name={r.label} data-id={r.to}>
              <text x="10" y={22 + i * ROW + 13} onClick={() => onWatchVar(r.label)}>
                <title>click to watch {r.label}</title>
                {r.label}
              </text>
              {r.text !== '' && (
                <text class="muted" x={box.width - 14} y={22 + i * ROW + 13} text-anchor="end">
                  {r.text}
                </text>
              )}
            </g>
          ))}
        </g>
      );
    }
    const cls = ['object', selected ? 'selected' : '', hot ? 'hot' : '', o.dying ? 'dying' : '']
      .filter(Boolean)
      .join(' ');
    return (
      <g
        class={cls}
        data-id={o.id}
        data-refcount={o.refcount}
        data-type={o.type}
        transform={`translate(${box.x},${box.y})`}
        onClick={() => onSelect(o.id)}
      >
        <title>
          #{o.id} {o.type} at {o.address}, {o.size} bytes
        </title>
        <rect width={box.width} height={box.height} rx="4" />
        <text class="title" x="8" y="15">
          {box.title}
        </text>
        {o.dying && (
          <text class="badge" x={box.width - 8} y="15" text-anchor="end">
            dying
          </text>
        )}
        <text class="repr" x="8" y={22 + 13}>
          {clip(o.repr, 30)}
        </text>
        <text class="meta" x="8" y={22 + ROW + 13}>
          refcount {o.refcount} · {o.generation}
        </text>
        {box.rows.map((r, i) => (
          <g key={`${r.label}-${i}`} class="slot">
            <text x="14" y={22 + (i + 2) * ROW + 13}>
              {clip(r.label, 20)}
            </text>
            {r.text !== '' && (
              <text class="muted" x={box.width - 14} y={22 + (i + 2) * ROW + 13} text-anchor="end">
                {r.text}
              </text>
            )}
          </g>
        ))}
      </g>
    );
  },
  (a, b) =>
    a.selected === b.selected &&
    a.hot === b.hot &&
    a.onSelect === b.onSelect &&
    a.onWatchVar === b.onWatchVar &&
    sameBox(a.box, b.box),
);

/** Two boxes that draw the same. */
function sameBox(a: Box, b: Box): boolean {
  if (a === b) return true;
  if (
    a.key !== b.key ||
    a.x !== b.x ||
    a.y !== b.y ||
    a.width !== b.width ||
    a.height !== b.height ||
    a.title !== b.title ||
    a.current !== b.current ||
    a.frame !== b.frame ||
    a.rows.length !== b.rows.length
  )
    return false;
  for (let i = 0; i < a.rows.length; i++) {
    const r = a.rows[i] as Row;
    const q = b.rows[i] as Row;
    if (r.label !== q.label || r.text !== q.text || r.to !== q.to) return false;
  }
  const o = a.object;
  const p = b.object;
  if (o === undefined || p === undefined) return o === p;
  return (
    o.id === p.id &&
    o.type === p.type &&
    o.repr === p.repr &&
    o.refcount === p.refcount &&
    o.generation === p.generation &&
    o.dying === p.dying &&
    o.address === p.address &&
    o.size === p.size
  );
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Boxes of the previous drawing (one event back) whose objects this event freed. */
function freedSince(previous: Layout | null, state: StateView): Box[] {
  if (previous === null || state.event === null || state.event.type !== 'ObjectFreed') return [];
  const now = new Set(state.objects.map((o) => o.id));
  const subjects = new Set(state.event.subjects);
  return previous.boxes.filter((b) => b.object !== undefined && subjects.has(b.object.id) && !now.has(b.object.id));
}
