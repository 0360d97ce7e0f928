/*
 * The panels around the heap: the program's source with the current line, the
 * timeline of live objects, pymalloc blocks and GC passes, and the arena map.
 */
import { memo } from 'preact/compat';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ArenaView, StateView, SummaryView } from '../src/protocol.js';

/*
 * Each panel is drawn again only when what it shows changed: a seek changes the event
 * at once (the slider, the timeline's cursor) and the state when it arrives; redrawing
 * the source, the heap or the arena map for the event alone took 30 ms of a seek's main
 * thread on a 60-object heap, while the server was folding the state asked for.
 */

export const SourceView = memo(function SourceView({ source, line }: { source: string; line: number }) {
  const current = useRef<HTMLDivElement>(null);
  useEffect(() => {
    current.current?.scrollIntoView({ block: 'nearest' });
  }, [line]);
  const lines = source.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return (
    <div class="source" data-line={line}>
      {lines.map((text, i) => (
        <div
          key={i}
          class={i + 1 === line ? 'line current' : 'line'}
          {...(i + 1 === line ? { ref: current } : {})}
          data-n={i + 1}
        >
          <span class="n">{i + 1}</span>
          <span class="arrow">{i + 1 === line ? '➜' : ''}</span>
          <code>{text}</code>
        </div>
      ))}
    </div>
  );
});

const GEN_CLASS = ['gen0', 'gen1', 'gen2'];

/** Live objects and pymalloc blocks in use over the events; GC passes as marks, clickable. */
export function TimelineView({
  summary,
  at,
  events,
  onSeek,
}: {
  summary: SummaryView | null;
  at: number;
  events: number;
  onSeek: (n: number) => void;
}) {
  const x = (seq: number): number => xOf(seq, events);
  // The series and the passes change with the summary only; the cursor with every event.
  const { maxLive, maxBlocks, chart } = useMemo(() => {
    const samples = summary?.samples ?? [];
    const live = Math.max(1, ...samples.map((s) => s.live));
    const blocks = Math.max(1, ...samples.map((s) => s.blocks));
    return {
      maxLive: live,
      maxBlocks: blocks,
      chart: <Chart summary={summary} events={events} maxLive={live} maxBlocks={blocks} onSeek={onSeek} />,
    };
  }, [summary, events, onSeek]);
  const passes = summary?.passes ?? [];
  const click = (e: MouseEvent): void => {
    const svg = e.currentTarget as SVGSVGElement;
    const r = svg.getBoundingClientRect();
    onSeek(Math.round(((e.clientX - r.left) / r.width) * Math.max(0, events - 1)));
  };
  return (
    <div class="timeline">
      <div class="legend">
        <span class="key live">live objects (max {maxLive.toLocaleString()})</span>
        <span class="key blocks">pymalloc blocks in use (max {maxBlocks.toLocaleString()})</span>
        <span class="key gen0">gen 0 pass</span>
        <span class="key gen1">gen 1 pass</span>
        <span class="key gen2">gen 2 pass</span>
        <span class="muted">
          {summary === null || summary.complete
            ? `${passes.length} GC pass${passes.length === 1 ? '' : 'es'}`
            : `reading the trace… ${Math.floor((summary.done / Math.max(1, summary.events)) * 100)}%`}
        </span>
      </div>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" class="chart" onClick={click}>
        {chart}
        <line
          x1={x(Math.max(0, at))}
          x2={x(Math.max(0, at))}
          y1="0"
          y2={H}
          class="cursor"
          vector-effect="non-scaling-stroke"
        />
      </svg>
    </div>
  );
}

const W = 1000;
const H = 110;
/** Where event `seq` of `events` stands on the timeline's width. */
const xOf = (seq: number, events: number): number => (events <= 1 ? 0 : (seq / (events - 1)) * W);

/** The timeline's series and GC passes (the SVG's content under the cursor). */
function Chart({
  summary,
  events,
  maxLive,
  maxBlocks,
  onSeek,
}: {
  summary: SummaryView | null;
  events: number;
  maxLive: number;
  maxBlocks: number;
  onSeek: (n: number) => void;
}) {
  const top = 8;
  const plotH = H - 26;
  const x = (seq: number): number => xOf(seq, events);
  const samples = summary?.samples ?? [];
  const line = (value: (s: (typeof samples)[number]) => number, max: number): string =>
    samples
      .map(
        (s, i) => `${i === 0 ? 'M' : 'L'}${x(s.seq).toFixed(1)},${(top + plotH - (value(s) / max) * plotH).toFixed(1)}`,
      )
      .join(' ');
  const passes = summary?.passes ?? [];
  return (
    <>
      <rect x="0" y="0" width={W} height={H} class="bg" />
      <path d={line((s) => s.blocks, maxBlocks)} class="series blocks" vector-effect="non-scaling-stroke" />
      <path d={line((s) => s.live, maxLive)} class="series live" vector-effect="non-scaling-stroke" />
      {passes.map((p) => (
        <rect
          key={p.start}
          class={`pass ${GEN_CLASS[p.generation] ?? ''}`}
          data-start={p.start}
          data-generation={p.generation}
          x={x(p.start) - 2}
          y={H - 16}
          width={Math.max(4, x(p.end) - x(p.start))}
          height="14"
          onClick={(e) => {
            e.stopPropagation();
            onSeek(p.start);
          }}
        >
          <title>
            generation {p.generation} collection ({p.reason}) at event {p.start}: {p.collected} collected
            {p.uncollectable > 0 ? `, ${p.uncollectable} uncollectable` : ''} — click to jump there
          </title>
        </rect>
      ))}
    </>
  );
}

/** The arena map's grid: pools per row, a cell's height and the gap between cells (CSS pixels). */
const POOL_COLUMNS = 32;
const CELL_HEIGHT = 22;
const CELL_GAP = 2;
/** From one row of cells to the next. */
const ROW_PITCH = CELL_HEIGHT + CELL_GAP;

/** The value of `key` in `cache`, made by `make` the first time. */
function cached<K, V>(cache: Map<K, V>, key: K, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) cache.set(key, (v = make()));
  return v;
}

/**
 * The arenas at the current event: one cell per pool, filled as its blocks are used.
 * Each arena is one canvas: a seek changes most of the map's thousand-odd cells, and as
 * elements (a cell, its fill, its label) laying them out and painting them took more of a
 * seek than anything else on the page.
 */
export const ArenaMap = memo(function ArenaMap({ state }: { state: StateView }) {
  const shown = state.arenas.slice(0, 16);
  // The canvases are as wide as the panel: its width is watched, not read while drawing.
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = box.current;
    if (element === null) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(([entry]) => {
      if (entry !== undefined) setWidth(Math.floor(entry.contentRect.width));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return (
    <div class="arenas">
      <div class="muted">
        {state.memory.arenas} arena{state.memory.arenas === 1 ? '' : 's'}, {state.memory.pools} pools in use,{' '}
        {state.memory.blocks.toLocaleString()} blocks in use, {state.memory.liveBytes.toLocaleString()} bytes live
      </div>
      <div ref={box}>{width > 0 && shown.map((a) => <Arena key={a.index} arena={a} width={width} />)}</div>
      {state.arenas.length > shown.length && (
        <div class="muted">… {state.arenas.length - shown.length} more arenas</div>
      )}
    </div>
  );
});

/** The same arena drawn: its pools in the same places with the same blocks used. */
function sameArena(a: ArenaView, b: ArenaView): boolean {
  if (a.index !== b.index || a.address !== b.address || a.totalPools !== b.totalPools) return false;
  if (a.pools.length !== b.pools.length) return false;
  return a.pools.every((p, i) => {
    const q = b.pools[i];
    return (
      q !== undefined &&
      p.index === q.index &&
      p.used === q.used &&
      p.capacity === q.capacity &&
      p.sizeClass === q.sizeClass &&
      p.blockSize === q.blockSize
    );
  });
}

/** What a pool's cell says when the pointer is on it. */
function poolText(arena: ArenaView, k: number): string {
  const p = arena.pools.find((q) => q.index === k);
  if (p === undefined) return `arena ${arena.index}, pool ${k}: not carved yet`;
  return `arena ${arena.index}, pool ${k}: size class ${p.sizeClass} (${p.blockSize}-byte blocks), ${p.used} used, ${p.capacity - p.used} free`;
}

const Arena = memo(
  function Arena({ arena, width }: { arena: ArenaView; width: number }) {
    const canvas = useRef<HTMLCanvasElement>(null);
    const rows = Math.max(1, Math.ceil(arena.totalPools / POOL_COLUMNS));
    const height = rows * ROW_PITCH;
    const cell = (width + CELL_GAP) / POOL_COLUMNS;
    // Drawn when in view (or about to be): below the fold, an arena is drawn when the page
    // scrolls to it, with the state of that moment.
    const draw = useRef<() => void>(() => undefined);
    draw.current = () => {
      const c = canvas.current;
      const g = c?.getContext('2d');
      if (c === null || g === null || g === undefined) return;
      // A canvas's bitmap is made again whenever its size is set, even to the same size.
      const ratio = window.devicePixelRatio || 1;
      const [pw, ph] = [Math.round(width * ratio), Math.round(height * ratio)];
      if (c.width !== pw) c.width = pw;
      if (c.height !== ph) c.height = ph;
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      drawPools(g, arena, cell, width, height);
    };
    useLayoutEffect(() => {
      const c = canvas.current;
      if (c === null) return;
      return whenInView(c, () => draw.current());
    }, []);
    useLayoutEffect(() => {
      const c = canvas.current;
      if (c !== null) redraw(c);
    }, [arena, width, height, cell]);
    // The pool under the pointer, as the canvas's tooltip.
    const hover = (e: MouseEvent): void => {
      const c = e.currentTarget as HTMLCanvasElement;
      const r = c.getBoundingClientRect();
      const k = Math.floor((e.clientY - r.top) / ROW_PITCH) * POOL_COLUMNS + Math.floor((e.clientX - r.left) / cell);
      c.title = k >= 0 && k < arena.totalPools ? poolText(arena, k) : '';
    };
    const inUse = arena.pools.filter((p) => p.used > 0).length;
    return (
      <div class="arena" data-arena={arena.index}>
        <div class="arena-head">
          arena {arena.index} at {arena.address}: {inUse} of {arena.totalPools} pools in use
        </div>
        <canvas
          ref={canvas}
          class="pools"
          style={{ width: `${width}px`, height: `${height}px` }}
          data-pools-in-use={inUse}
          aria-label={`arena ${arena.index}: ${inUse} of ${arena.totalPools} pools in use`}
          onMouseMove={hover}
        />
      </div>
    );
  },
  (a, b) => a.width === b.width && sameArena(a.arena, b.arena),
);

/** A size class's colours: a pool's fill and outline take its hue. */
const hues = new Map<number, { fill: string; line: string }>();
const colours = (sizeClass: number): { fill: string; line: string } =>
  cached(hues, sizeClass, () => {
    const hue = (sizeClass * 37) % 360;
    return { fill: `hsl(${hue} 55% 72%)`, line: `hsl(${hue} 40% 60%)` };
  });

/** The canvases in view (or near it), each with its drawing; one observer for all. */
const inView = new Map<Element, { visible: boolean; stale: boolean; draw: () => void }>();
let observer: IntersectionObserver | undefined;

/** Draw `c` when it comes into view, and again whenever it is in view after `redraw`; the returned function stops it. */
function whenInView(c: Element, draw: () => void): () => void {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const v = inView.get(e.target);
        if (v === undefined) continue;
        v.visible = e.isIntersecting;
        if (v.visible && v.stale) {
          v.stale = false;
          v.draw();
        }
      }
    },
    { rootMargin: '200px' },
  );
  // Drawn when the observer first reports (for every canvas, in view or not: the next frame).
  inView.set(c, { visible: false, stale: true, draw });
  observer.observe(c);
  return () => {
    observer?.unobserve(c);
    inView.delete(c);
  };
}

/** Draw `c` again: now if it is in view, else when it comes into view. */
function redraw(c: Element): void {
  const v = inView.get(c);
  if (v === undefined) return;
  if (v.visible) v.draw();
  else v.stale = true;
}

/**
 * The cells of one arena. Drawn a colour at a time (one path of rectangles per colour,
 * one run of labels): a seek redraws about a thousand cells.
 */
function drawPools(g: CanvasRenderingContext2D, arena: ArenaView, cell: number, width: number, height: number): void {
  const w = cell - CELL_GAP;
  g.clearRect(0, 0, width, height);
  const at = (k: number): [number, number] => [(k % POOL_COLUMNS) * cell, Math.floor(k / POOL_COLUMNS) * ROW_PITCH];
  const fills = new Map<string, Path2D>();
  const lines = new Map<string, Path2D>();
  const add = (paths: Map<string, Path2D>, colour: string, x: number, y: number, rw: number, rh: number): void =>
    cached(paths, colour, () => new Path2D()).rect(x, y, rw, rh);
  const carved = new Set<number>();
  for (const p of arena.pools) {
    carved.add(p.index);
    const [x, y] = at(p.index);
    const c = colours(p.sizeClass);
    add(fills, '#fff', x, y, w, CELL_HEIGHT);
    const h = p.capacity === 0 ? 0 : Math.round((p.used / p.capacity) * CELL_HEIGHT);
    if (h > 0) add(fills, c.fill, x, y + CELL_HEIGHT - h, w, h);
    add(lines, p.used === 0 ? '#c9d1da' : c.line, x + 0.5, y + 0.5, w - 1, CELL_HEIGHT - 1);
  }
  const untouched = new Path2D();
  for (let k = 0; k < arena.totalPools; k++) {
    if (carved.has(k)) continue;
    const [x, y] = at(k);
    untouched.rect(x + 0.5, y + 0.5, w - 1, CELL_HEIGHT - 1);
  }
  for (const [colour, p] of fills) {
    g.fillStyle = colour;
    g.fill(p);
  }
  g.lineWidth = 1;
  for (const [colour, p] of lines) {
    g.strokeStyle = colour;
    g.stroke(p);
  }
  g.setLineDash([3, 2]);
  g.strokeStyle = '#d6dbe1';
  g.stroke(untouched);
  g.setLineDash([]);
  for (const p of arena.pools) {
    const [x, y] = at(p.index);
    g.drawImage(label(p.blockSize), x + 2, y + 1, 24, 12);
  }
}

/**
 * A cell's label (its block size), drawn once into a canvas of its own and then copied:
 * setting a font on a canvas of the page makes the browser compute the page's styles
 * first, in the middle of drawing a new state.
 */
const labels = new Map<number, HTMLCanvasElement>();
function label(size: number): HTMLCanvasElement {
  return cached(labels, size, () => {
    const ratio = window.devicePixelRatio || 1;
    const c = document.createElement('canvas');
    c.width = Math.ceil(24 * ratio);
    c.height = Math.ceil(12 * ratio);
    const g = c.getContext('2d');
    if (g !== null) {
      g.scale(ratio, ratio);
      g.font = '9px system-ui, sans-serif';
      g.textBaseline = 'top';
      g.fillStyle = '#1d232a';
      g.fillText(String(size), 1, 1);
    }
    return c;
  });
}
