/*
 * The viewer: source and controls on the left, the heap graph in the middle, the
 * selected object (history, why alive) and the watches on the right, the timeline and
 * the arena map below. Every state comes from the DataSource; at most one state request
 * is in flight, and a newer target (a dragged slider) replaces the one waiting.
 *
 * The root element carries `data-at` (the event asked for) and `data-drawn-at` (the
 * event whose state is drawn), which tests and the benchmark wait on.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { CountsView, HistoryView, StateView, SummaryView, TraceInfo, WhyView } from '../src/protocol.js';
import type { DataSource, Watch } from './data.js';
import { HeapGraph, highlightOf } from './heap.js';
import { ArenaMap, SourceView, TimelineView } from './panels.js';

const DEFAULT_LIMIT = 60;
const PLAY_MS = 150;
/** How long the page stays on a state of a large heap before it asks for the counts the state left out. */
const COUNTS_DELAY_MS = 300;

const SHORTCUTS: readonly [string, string][] = [
  ['→', 'step'],
  ['←', 'back'],
  ['↓ / n', 'next line'],
  ['↑ / p', 'previous line'],
  ['space', 'play / pause'],
  ['Home / End', 'first / last event'],
  ['] / [', 'next / previous change of a watch'],
];

export function App({ source }: { source: DataSource }) {
  const [info, setInfo] = useState<TraceInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [at, setAt] = useState(-1);
  const [view, setView] = useState<StateView | null>(null);
  const [previous, setPrevious] = useState<StateView | null>(null);
  const [limit, setLimit] = useState(DEFAULT_LIMIT);
  // Draw what the program reaches only through the interpreter's references (code
  // objects, name strings ...) too; Python Tutor never does.
  const [interpreter, setInterpreter] = useState(false);
  const [summary, setSummary] = useState<SummaryView | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [history, setHistory] = useState<HistoryView | null>(null);
  const [why, setWhy] = useState<WhyView | null>(null);
  const [watches, setWatches] = useState<Watch[]>([]);
  // The watches as the keyboard handler sees them (it may run before an effect re-registers it).
  const watching = useRef<Watch[]>([]);
  watching.current = watches;
  const [playing, setPlaying] = useState(false);
  const [message, setMessage] = useState('');
  const target = useRef({ at: -1, limit: DEFAULT_LIMIT });
  const inflight = useRef(false);
  const shown = useRef<StateView | null>(null);
  const fetchMs = useRef(0);
  const [counts, setCounts] = useState<(CountsView & { limit: number }) | null>(null);
  const last = info === null ? -1 : info.events - 1;

  const fail = (e: unknown): void => setError(e instanceof Error ? e.message : String(e));

  const pump = useCallback(async () => {
    if (inflight.current) return;
    inflight.current = true;
    try {
      for (;;) {
        const want = { ...target.current };
        const asked = performance.now();
        const v = await source.state(want.at, want.limit);
        fetchMs.current = performance.now() - asked;
        if (target.current.at === want.at && target.current.limit === want.limit) {
          setPrevious(shown.current);
          shown.current = v;
          setView(v);
          // A large heap's counts come after the drawing, once the page stays on it for a
          // moment (the server walks the whole heap for them: while the slider moves, that
          // walk would hold up the next state).
          if (v.folded === null || v.hidden === null) {
            setTimeout(() => {
              if (shown.current !== v || inflight.current) return;
              source
                .counts(want.at, want.limit)
                .then((c) => {
                  if (shown.current === v) setCounts({ ...c, limit: want.limit });
                })
                .catch(fail);
            }, COUNTS_DELAY_MS);
          }
          break;
        }
      }
    } catch (e) {
      fail(e);
    } finally {
      inflight.current = false;
    }
  }, [source]);

  const seek = useCallback(
    (n: number) => {
      const clamped = Math.max(-1, Math.min(last, Math.round(n)));
      setAt(clamped);
      target.current = { ...target.current, at: clamped };
      void pump();
    },
    [last, pump],
  );

  // Start: the trace, the state where the first line starts, then the summary until complete.
  useEffect(() => {
    // Start where the program's first line starts (the interpreter's setup comes before),
    // asked with the trace rather than after it.
    Promise.all([source.trace(), source.move(-1, 'next-line')])
      .then(([t, r]) => {
        setInfo(t);
        const first = r.seq ?? -1;
        setAt(first);
        target.current = { at: first, limit: DEFAULT_LIMIT };
        void pump();
      })
      .catch(fail);
  }, [source, pump]);
  useEffect(() => {
    let stop = false;
    let timer: number | undefined;
    const poll = (): void => {
      source
        .summary()
        .then((s) => {
          if (stop) return;
          setSummary(s);
          if (!s.complete) timer = window.setTimeout(poll, 400);
        })
        .catch(fail);
    };
    poll();
    return () => {
      stop = true;
      window.clearTimeout(timer);
    };
  }, [source]);

  // More objects unfolded: the same event again with the new limit.
  useEffect(() => {
    if (target.current.limit === limit) return;
    target.current = { ...target.current, limit };
    void pump();
  }, [limit, pump]);

  // The selected object: its history once, why alive at every event.
  useEffect(() => {
    if (selected === null) return;
    setHistory(null);
    source.history(selected).then(setHistory).catch(fail);
  }, [selected, source]);
  useEffect(() => {
    if (selected === null || view === null) {
      setWhy(null);
      return;
    }
    let current = true;
    source
      .why(selected, view.at)
      .then((w) => {
        if (current) setWhy(w);
      })
      .catch((e: unknown) => {
        if (current) setWhy(null);
        fail(e);
      });
    return () => {
      current = false;
    };
  }, [selected, view, source]);

  const move = useCallback(
    async (how: 'next-line' | 'prev-line') => {
      try {
        const r = await source.move(target.current.at, how);
        if (r.seq === null) setMessage(r.message);
        else seek(r.seq);
      } catch (e) {
        fail(e);
      }
    },
    [source, seek],
  );

  const runWatches = useCallback(
    async (dir: 1 | -1, only?: Watch) => {
      const list = only === undefined ? watching.current : [only];
      if (list.length === 0) {
        setMessage('nothing watched: click an object and "watch", or a variable name');
        return;
      }
      try {
        const from = target.current.at;
        const results = await Promise.all(
          list.map((w) => source.move(from, dir > 0 ? 'next-change' : 'prev-change', w)),
        );
        const hits = results.filter((r) => r.seq !== null);
        if (hits.length === 0) {
          setMessage(results[0]?.message ?? 'no change');
          return;
        }
        const best = hits.reduce((a, b) =>
          (dir > 0 ? (b.seq ?? 0) < (a.seq ?? 0) : (b.seq ?? 0) > (a.seq ?? 0)) ? b : a,
        );
        setMessage(best.message);
        seek(best.seq ?? from);
      } catch (e) {
        fail(e);
      }
    },
    [source, seek],
  );

  // Play: one event at a time until the end.
  useEffect(() => {
    if (!playing) return;
    const timer = window.setInterval(() => {
      if (target.current.at >= last) setPlaying(false);
      else seek(target.current.at + 1);
    }, PLAY_MS);
    return () => window.clearInterval(timer);
  }, [playing, last, seek]);

  // Keyboard shortcuts.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.target instanceof HTMLInputElement && e.target.type === 'text') return;
      const keys: Record<string, () => void> = {
        ArrowRight: () => seek(target.current.at + 1),
        ArrowLeft: () => seek(target.current.at - 1),
        ArrowDown: () => void move('next-line'),
        n: () => void move('next-line'),
        ArrowUp: () => void move('prev-line'),
        p: () => void move('prev-line'),
        ' ': () => setPlaying((x) => !x),
        Home: () => seek(-1),
        End: () => seek(last),
        ']': () => void runWatches(1),
        '[': () => void runWatches(-1),
      };
      const action = keys[e.key];
      if (action !== undefined && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        action();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [seek, move, runWatches, last]);

  const drawnView = useMemo(
    () => (view === null || interpreter ? view : withoutInterpreter(view)),
    [view, interpreter],
  );
  const drawnPrevious = useMemo(
    () => (previous === null || interpreter ? previous : withoutInterpreter(previous)),
    [previous, interpreter],
  );
  const highlight = useMemo(
    () => (view === null ? { arrows: new Set<string>(), objects: new Set<number>() } : highlightOf(why, view)),
    [why, view],
  );

  // Stable callbacks: the heap graph is drawn again only when what it is given changes.
  const addWatch = useCallback((w: Watch): void => {
    if (watching.current.some((x) => x.obj === w.obj && x.var === w.var)) return;
    watching.current = [...watching.current, w];
    setWatches(watching.current);
  }, []);
  const watchVar = useCallback((name: string) => addWatch({ var: name }), [addWatch]);

  if (info === null) {
    return <div class="loading">{error ?? 'opening the trace…'}</div>;
  }
  // The counts of a large heap, once the server walked it (they come after the drawing).
  const counted = view !== null && counts !== null && counts.at === view.at && counts.limit === limit ? counts : null;
  const foldedAll = view?.folded ?? counted?.folded ?? null;
  const hiddenAll = view?.hidden ?? counted?.hidden ?? null;
  const kept = view?.interpreter ?? counted?.interpreter ?? null;
  // Without the interpreter's objects: those are counted with what only the interpreter
  // holds, not with the program's objects over the limit.
  const keptDrawn = view === null ? 0 : view.objects.filter((o) => o.interpreter === true).length;
  const folded = interpreter || foldedAll === null || kept === null ? foldedAll : foldedAll - (kept - keptDrawn);
  const hidden = interpreter || hiddenAll === null || kept === null ? hiddenAll : hiddenAll + kept;

  return (
    <div
      class="app"
      data-at={at}
      data-drawn-at={view?.at ?? ''}
      data-events={info.events}
      data-fetch-ms={fetchMs.current.toFixed(1)}
    >
      <header>
        <strong>pymemsim view</strong> <span class="muted">{info.program}</span>{' '}
        <span class="muted">
          · {info.events.toLocaleString()} events{info.recovered !== null ? ` · ${info.recovered}` : ''}
          {source.offline ? ' · offline copy' : ''}
        </span>
        {error !== null && (
          <span class="error" onClick={() => setError(null)}>
            {error} ✕
          </span>
        )}
      </header>
      <div class="controls">
        <button title="before the first event (Home)" onClick={() => seek(-1)}>
          first
        </button>
        <button title="previous line (↑ or p)" data-action="prev-line" onClick={() => void move('prev-line')}>
          ⇡ line
        </button>
        <button title="back one event (←)" data-action="back" onClick={() => seek(at - 1)}>
          ◀ back
        </button>
        <button title="play / pause (space)" data-action="play" onClick={() => setPlaying((x) => !x)}>
          {playing ? '⏸ pause' : '▶ play'}
        </button>
        <button title="step one event (→)" data-action="step" onClick={() => seek(at + 1)}>
          step ▶
        </button>
        <button title="next line (↓ or n)" data-action="next-line" onClick={() => void move('next-line')}>
          line ⇣
        </button>
        <button title="last event (End)" onClick={() => seek(last)}>
          last
        </button>
        <input
          class="slider"
          type="range"
          min={-1}
          max={last}
          value={at}
          aria-label="event"
          onInput={(e) => seek(Number(e.currentTarget.value))}
        />
        <span class="position">
          event <b>{at}</b> / {last}
        </span>
      </div>
      <div class="event-line">
        <code>{view?.event?.text ?? 'before the first event'}</code>
        {message !== '' && <span class="message"> — {message}</span>}
      </div>
      <main>
        <section class="left">
          <SourceView source={info.source} line={view?.line ?? 0} />
          <div class="shortcuts">
            <b>keys</b>
            {SHORTCUTS.map(([k, what]) => (
              <div key={k}>
                <kbd>{k}</kbd> {what}
              </div>
            ))}
          </div>
        </section>
        <section class="graph">
          {view !== null && drawnView !== null && (
            <>
              <HeapGraph
                state={drawnView}
                previous={drawnPrevious}
                selected={selected}
                highlight={highlight}
                onSelect={setSelected}
                onWatchVar={watchVar}
              />
              <div class="folded muted">
                {view.live.toLocaleString()} live objects;{' '}
                {hidden === null ? 'counting those' : hidden.toLocaleString()}{' '}
                {interpreter ? 'held only by the interpreter' : 'kept by the interpreter'} not drawn
                {(interpreter || kept !== 0) && (
                  <>
                    {' ('}
                    <button class="more" data-action="interpreter" onClick={() => setInterpreter((x) => !x)}>
                      {interpreter
                        ? "hide the program's code objects, names, keys"
                        : "also draw the program's code objects, names, keys"}
                    </button>
                    {')'}
                  </>
                )}
                {folded !== 0 && (
                  <>
                    {'; '}
                    <button class="more" data-action="unfold" onClick={() => setLimit((l) => l + 500)}>
                      {folded === null
                        ? 'more objects of the program (counting)'
                        : `${folded.toLocaleString()} more objects of the program`}
                      : show
                    </button>
                  </>
                )}
              </div>
            </>
          )}
        </section>
        <section class="right">
          <ObjectPanel
            selected={selected}
            history={history}
            why={why}
            onSeek={seek}
            onWatch={(id) => addWatch({ obj: id })}
            onClose={() => setSelected(null)}
          />
          <WatchPanel watches={watches} setWatches={setWatches} onRun={runWatches} onAdd={addWatch} />
          {view !== null && (
            <div class="gc muted">
              gc {view.gc.enabled ? 'enabled' : 'disabled'} · counts {view.gc.counts.join(', ')} · thresholds{' '}
              {view.gc.thresholds.join(', ')} · generations {view.gc.generations.join(', ')}
              {view.gc.collecting >= 0 ? ` · collecting generation ${view.gc.collecting}` : ''}
            </div>
          )}
        </section>
      </main>
      <TimelineView summary={summary} at={at} events={info.events} onSeek={seek} />
      {view !== null && <ArenaMap state={view} />}
    </div>
  );
}

function ObjectPanel({
  selected,
  history,
  why,
  onSeek,
  onWatch,
  onClose,
}: {
  selected: number | null;
  history: HistoryView | null;
  why: WhyView | null;
  onSeek: (n: number) => void;
  onWatch: (id: number) => void;
  onClose: () => void;
}) {
  if (selected === null) return <div class="panel muted">Click an object to see its history and why it is alive.</div>;
  return (
    <div class="panel object-panel" data-object={selected}>
      <div class="panel-head">
        <b>
          #{selected} {history?.type ?? ''}
        </b>
        <button data-action="watch" onClick={() => onWatch(selected)}>
          watch
        </button>
        <button onClick={onClose}>✕</button>
      </div>
      <WhyPanel why={why} onSeek={onSeek} />
      <div class="history">
        <b>refcount history</b>{' '}
        {history !== null && (
          <span class="muted">
            ({history.total} event{history.total === 1 ? '' : 's'}
            {history.total > history.entries.length ? `, first ${history.entries.length} shown` : ''})
          </span>
        )}
        <table>
          <tbody>
            {history?.entries.map((e) => (
              <tr key={`${e.seq}-${e.role}`} data-seq={e.seq} onClick={() => onSeek(e.seq)} class={e.role}>
                <td class="seq">{e.seq}</td>
                <td class="rc">{e.refcount ?? '–'}</td>
                <td>
                  {e.what}
                  <div class="muted">{e.line > 0 ? `line ${e.line}: ${e.source}` : 'before the first line'}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function WhyPanel({ why, onSeek }: { why: WhyView | null; onSeek: (n: number) => void }) {
  if (why === null) return <div class="why muted">…</div>;
  if (why.alive) {
    return (
      <div class="why" data-alive="true">
        <b>why alive</b> <span class="muted">refcount {why.refcount}</span>
        {why.chains.length === 0 ? (
          <div class="muted">
            no chain from a root reaches it: only a garbage cycle keeps it (the collector will free it)
          </div>
        ) : (
          <ol>
            {why.chains.map((c, i) => (
              <li key={i} class="chain" data-first={c.first}>
                {c.text}
              </li>
            ))}
          </ol>
        )}
        {why.referrers.length > 0 && (
          <details>
            <summary>{why.referrers.length} references to it</summary>
            {why.referrers.map((r, i) => (
              <div key={i} class="muted">
                {r}
              </div>
            ))}
          </details>
        )}
      </div>
    );
  }
  if (why.allocated !== undefined) {
    return (
      <div class="why" data-alive="false">
        not allocated yet: allocated at event {why.allocated.seq}{' '}
        <button onClick={() => onSeek(why.allocated?.seq ?? 0)}>jump</button>
      </div>
    );
  }
  return (
    <div class="why" data-alive="false">
      <b>freed</b> at event {why.freedAt}{' '}
      <button data-action="jump-freed" onClick={() => onSeek(why.freedAt ?? 0)}>
        jump there
      </button>
      <ul>
        {why.steps?.map((s) => (
          <li key={`${s.seq}-${s.what}`}>
            <a
              href="#"
              onClick={(e) => {
                e.preventDefault();
                onSeek(s.seq);
              }}
            >
              {s.seq}
            </a>{' '}
            {s.what} <span class="muted">({s.line})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function WatchPanel({
  watches,
  setWatches,
  onRun,
  onAdd,
}: {
  watches: Watch[];
  setWatches: (f: (w: Watch[]) => Watch[]) => void;
  onRun: (dir: 1 | -1, only?: Watch) => Promise<void>;
  onAdd: (w: Watch) => void;
}) {
  const [name, setName] = useState('');
  return (
    <div class="panel watches">
      <b>watches</b> <span class="muted">run to the next change: ] / [</span>
      {watches.map((w) => {
        const label = w.obj !== undefined ? `#${w.obj}` : `variable ${w.var ?? ''}`;
        return (
          <div key={label} class="watch" data-watch={label}>
            <button title="previous change" data-action="prev-change" onClick={() => void onRun(-1, w)}>
              ◀
            </button>
            <button title="next change" data-action="next-change" onClick={() => void onRun(1, w)}>
              ▶
            </button>{' '}
            {label}{' '}
            <button class="link" onClick={() => setWatches((ws) => ws.filter((x) => x !== w))}>
              ✕
            </button>
          </div>
        );
      })}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim() !== '') onAdd({ var: name.trim() });
          setName('');
        }}
      >
        <input
          type="text"
          placeholder="watch a variable"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </form>
    </div>
  );
}

/**
 * The state without the objects the program reaches only through the interpreter's
 * references (marked `interpreter` by the server): their references are counted in their
 * holders' "more" rows, and the frames' rows that hold them show their ids.
 */
function withoutInterpreter(view: StateView): StateView {
  if (!view.objects.some((o) => o.interpreter === true)) return view;
  const kept = new Set(view.objects.filter((o) => o.interpreter !== true).map((o) => o.id));
  return {
    ...view,
    objects: view.objects
      .filter((o) => kept.has(o.id))
      .map((o) => {
        const refs = o.refs.filter((r) => kept.has(r.to));
        return refs.length === o.refs.length ? o : { ...o, refs, moreRefs: o.moreRefs + o.refs.length - refs.length };
      }),
  };
}
