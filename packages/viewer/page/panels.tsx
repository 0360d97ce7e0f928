/*
 * The panels around the heap: the program's source with the current line, the
 * timeline of live objects, pymalloc blocks and GC passes, and the arena map.
 */
import { memo } from 'preact/compat';
import { useEffect, useMemo, useRef } from 'preact/hooks';
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

/** The arenas at the current event: one cell per pool, filled as its blocks are used. */
export const ArenaMap = memo(function ArenaMap({ state }: { state: StateView }) {
  const shown = state.arenas.slice(0, 16);
  return (
    <div class="arenas">
      <div class="muted">
        {state.memory.arenas} arena{state.memory.arenas === 1 ? '' : 's'}, {state.memory.pools} pools in use,{' '}
        {state.memory.blocks.toLocaleString()} blocks in use, {state.memory.liveBytes.toLocaleString()} bytes live
      </div>
      {shown.map((a) => (
        <Arena key={a.index} arena={a} />
      ))}
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

const Arena = memo(
  function Arena({ arena }: { arena: ArenaView }) {
    const byIndex = new Map(arena.pools.map((q) => [q.index, q]));
    const cells = [];
    for (let k = 0; k < arena.totalPools; k++) {
      const p = byIndex.get(k);
      if (p === undefined) {
        cells.push(<div key={k} class="pool untouched" title={`pool ${k}: not carved yet`} />);
        continue;
      }
      const fill = p.capacity === 0 ? 0 : p.used / p.capacity;
      cells.push(
        <div
          key={k}
          class={p.used === 0 ? 'pool empty' : 'pool'}
          data-size-class={p.sizeClass}
          data-used={p.used}
          title={`pool ${k}: size class ${p.sizeClass} (${p.blockSize}-byte blocks), ${p.used} used, ${p.capacity - p.used} free`}
          style={{ '--hue': String((p.sizeClass * 37) % 360) }}
        >
          <div class="fill" style={{ height: `${Math.round(fill * 100)}%` }} />
          <span>{p.blockSize}</span>
        </div>,
      );
    }
    return (
      <div class="arena" data-arena={arena.index}>
        <div class="arena-head">
          arena {arena.index} at {arena.address}: {arena.pools.filter((p) => p.used > 0).length} of {arena.totalPools}{' '}
          pools in use
        </div>
        <div class="pools">{cells}</div>
      </div>
    );
  },
  (a, b) => sameArena(a.arena, b.arena),
);
