/*
 * The heap graph (layout.ts places it): frame and object boxes, an arrow per reference
 * from the row of its slot, the why-alive chain highlighted, dying objects marked and
 * objects freed since the previous view fading out where they were.
 */
import { memo } from 'preact/compat';
import { useCallback, useMemo } from 'preact/hooks';
import type { StateView, WhyView } from '../src/protocol.js';
import { layoutHeap, type Arrow, type Box, type Layout } from './layout.js';

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
 *
 * The boxes are HTML, written as one string of markup that the browser parses in one go;
 * the arrows are an SVG over them, one path each.
 * A random seek draws a heap of new objects: as SVG text, one DOM call per element, its
 * thousand-odd elements took the browser about 25 ms to create and lay out; as HTML
 * markup, about 4 ms.
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
  const boxes = useMemo(
    () =>
      layout.boxes
        .map((b) =>
          boxMarkup(b, b.object !== undefined && b.object.id === selected, highlight.objects.has(b.object?.id ?? NaN)),
        )
        .join(''),
    [layout, selected, highlight],
  );
  const arrows = useMemo(() => arrowsMarkup(layout.arrows, highlight), [layout, highlight]);
  // One listener for every box: a variable's name watches it, an object selects it.
  const onClick = useCallback(
    (e: MouseEvent) => {
      const target = e.target as Element;
      const name = target.closest('.var-name')?.parentElement;
      if (name !== null && name !== undefined) {
        onWatchVar(name.getAttribute('data-name') ?? '');
        return;
      }
      const object = target.closest('.object');
      if (object !== null) onSelect(Number(object.getAttribute('data-id')));
    },
    [onSelect, onWatchVar],
  );
  return (
    <div
      class="heap"
      style={{ width: `${width}px`, height: `${height}px` }}
      data-objects={state.objects.length}
      data-layout-ms={layoutMs.toFixed(1)}
      onClick={onClick}
    >
      {ghosts.map((g) => (
        <div key={`ghost-${g.key}-${state.at}`} class="ghost" data-freed={g.object?.id} style={place(g)}>
          {g.title} freed
        </div>
      ))}
      <div class="boxes" dangerouslySetInnerHTML={{ __html: boxes }} />
      <svg class="arrows" width={width} height={height}>
        <g dangerouslySetInnerHTML={{ __html: arrows }} />
      </svg>
    </div>
  );
});

/**
 * The arrows as markup: one path each, its arrowhead in it (the browser draws only the
 * paths that cross a tile, where one path for all of them was drawn again for every tile).
 */
function arrowsMarkup(arrows: readonly Arrow[], highlight: Highlight): string {
  let out = '';
  for (const a of arrows) {
    const hot = highlight.arrows.has(arrowKey(a.from, a.label, a.to));
    out += `<path class="${hot ? 'ref hot' : 'ref'}" d="${a.path}${a.head}" data-from="${a.from}" data-label="${escape(a.label)}" data-to="${a.to}"/>`;
  }
  return out;
}

/** Text and attribute values escaped for markup. */
const escape = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));

const place = (box: Box): string => `left:${box.x}px;top:${box.y}px;width:${box.width}px;height:${box.height}px`;

/**
 * One box as HTML: a head line, then one line per row (ROW pixels each, so the arrows
 * start at their rows). A frame's rows are its variables (`.var`, with the name and the
 * id it holds; a click on the name watches it); an object's, its repr, its refcount and
 * generation, and its references.
 */
function boxMarkup(box: Box, selected: boolean, hot: boolean): string {
  const o = box.object;
  if (o === undefined) {
    const rows =
      box.rows.length === 0
        ? '<div class="muted">(no variables)</div>'
        : box.rows
            .map(
              (r) =>
                `<div class="var" data-name="${escape(r.label)}" data-id="${r.to ?? ''}">` +
                (r.text === '' ? '' : `<span class="muted">${escape(r.text)}</span>`) +
                `<span class="var-name" title="click to watch">${escape(r.label)}</span></div>`,
            )
            .join('');
    return (
      `<div class="frame${box.current === true ? ' current' : ''}" data-frame="${box.frame ?? ''}" style="${place(box)}">` +
      `<div class="title">${escape(box.title)}</div>${rows}</div>`
    );
  }
  const cls = ['object', selected ? 'selected' : '', hot ? 'hot' : '', o.dying ? 'dying' : '']
    .filter(Boolean)
    .join(' ');
  const rows = box.rows.map((r) => `<div class="slot">${escape(clip(r.label, 20))}</div>`).join('');
  return (
    `<div class="${cls}" data-id="${o.id}" data-refcount="${o.refcount}" data-type="${escape(o.type)}" style="${place(box)}"` +
    ` title="#${o.id} ${escape(o.type)} at ${o.address}, ${o.size} bytes">` +
    `<div class="title">${o.dying ? '<span class="badge">dying</span>' : ''}${escape(box.title)}</div>` +
    `<div class="repr">${escape(clip(o.repr, 30))}</div>` +
    `<div class="meta">refcount ${o.refcount} · ${o.generation}</div>${rows}</div>`
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
