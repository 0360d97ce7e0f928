/*
 * Where the page's answers come from: the server of `pymemsim view` (fetch), or the
 * answers inlined in a file written with `--html` (InlineData). The page asks both the
 * same questions (protocol.ts).
 */
import type {
  CountsView,
  HistoryView,
  InlineData,
  MoveKind,
  MoveResult,
  StateView,
  SummaryView,
  TraceInfo,
  WhyView,
} from '../src/protocol.js';

export interface Watch {
  readonly obj?: number;
  readonly var?: string;
}

export interface DataSource {
  /** True for a file written with --html (everything is already here). */
  readonly offline: boolean;
  trace(): Promise<TraceInfo>;
  state(at: number, limit: number): Promise<StateView>;
  /** The counts a state of a large heap leaves out (null there); a file has them inlined. */
  counts(at: number, limit: number): Promise<CountsView>;
  summary(): Promise<SummaryView>;
  history(id: number): Promise<HistoryView>;
  why(id: number, at: number): Promise<WhyView>;
  move(from: number, how: MoveKind, watch?: Watch): Promise<MoveResult>;
}

async function fetchAnswer<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const body = (await res.json()) as T | { error: string };
  if (!res.ok) throw new Error((body as { error: string }).error);
  return body as T;
}

/**
 * The server's answers over one WebSocket (the server's SOCKET_PATH): a question is
 * `{"id", "url"}`, its answer `{"id", "status", "body"}`. A fetch per question cost a
 * seek 7 ms more in Chromium. When the socket cannot open (a proxy that drops it, a page
 * opened under another host name), the questions go over HTTP as before.
 */
function socketAnswers(): <T>(path: string) => Promise<T> {
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  let socket: WebSocket | null = null;
  const open = new Promise<void>((resolve) => {
    try {
      const ws = new WebSocket(new URL('api/socket', location.href.replace(/^http/, 'ws')));
      ws.onopen = () => {
        socket = ws;
        resolve();
      };
      ws.onmessage = (m: MessageEvent<string>) => {
        const answer = JSON.parse(m.data) as { id: number | null; status: number; body: unknown };
        const w = answer.id === null ? undefined : waiting.get(answer.id);
        if (w === undefined) return;
        waiting.delete(answer.id as number);
        if (answer.status === 200) w.resolve(answer.body);
        else w.reject(new Error((answer.body as { error?: string }).error ?? `status ${answer.status}`));
      };
      ws.onclose = () => {
        socket = null;
        resolve();
        for (const w of waiting.values())
          w.reject(new Error('the connection to the server closed (is `pymemsim view` still running?)'));
        waiting.clear();
      };
    } catch {
      resolve();
    }
  });
  return async <T>(path: string): Promise<T> => {
    await open;
    const ws = socket;
    if (ws === null) return fetchAnswer<T>(path);
    const id = next++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      ws.send(JSON.stringify({ id, url: path }));
    });
  };
}

export function serverSource(): DataSource {
  const get = socketAnswers();
  const watchQuery = (w?: Watch): string =>
    w === undefined
      ? ''
      : w.obj !== undefined
        ? `&obj=${w.obj}`
        : w.var !== undefined
          ? `&var=${encodeURIComponent(w.var)}`
          : '';
  return {
    offline: false,
    trace: () => get('api/trace'),
    state: (at, limit) => get(`api/state?at=${at}&limit=${limit}`),
    counts: (at, limit) => get(`api/counts?at=${at}&limit=${limit}`),
    summary: () => get('api/summary'),
    history: (id) => get(`api/history?obj=${id}`),
    why: (id, at) => get(`api/why?obj=${id}&at=${at}`),
    move: (from, how, watch) => get(`api/move?from=${from}&how=${how}${watchQuery(watch)}`),
  };
}

/** The answers of a file written with --html. Watches are run over its inlined states. */
export function inlineSource(data: InlineData): DataSource {
  const parsed = new Map<number, unknown>();
  const value = <T>(index: number | undefined, what: string): T => {
    if (index === undefined) throw new Error(`${what} is not in this file`);
    let v = parsed.get(index);
    if (v === undefined) {
      v = JSON.parse(data.table[index] ?? 'null') as unknown;
      parsed.set(index, v);
    }
    return v as T;
  };
  const stateAt = (at: number): StateView => value<StateView>(data.states[at + 1], `the state after event ${at}`);
  const watchValue = (s: StateView, w: Watch): string => {
    if (w.obj !== undefined) {
      const o = s.objects.find((x) => x.id === w.obj);
      return o === undefined ? 'absent' : `refcount ${o.refcount}`;
    }
    for (const f of s.frames) {
      const v = f.vars.find((x) => x.name === w.var);
      if (v !== undefined) return `#${v.id} in frame ${f.id}`;
    }
    const g = s.globals.find((x) => x.name === w.var);
    return g === undefined ? 'unbound' : `#${g.id} (global)`;
  };
  const last = data.trace.events - 1;
  return {
    offline: true,
    trace: () => Promise.resolve(data.trace),
    state: (at) => Promise.resolve(stateAt(at)),
    counts: (at) => {
      const s = stateAt(at);
      return Promise.resolve({ at, folded: s.folded ?? 0, hidden: s.hidden ?? 0, interpreter: s.interpreter ?? 0 });
    },
    summary: () => Promise.resolve(data.summary),
    history: (id) => Promise.resolve(value<HistoryView>(data.histories[String(id)], `the history of #${id}`)),
    why: (id, at) => {
      const v = value<Omit<WhyView, 'at'>>(
        data.whys[`${id}@${at}`] ?? data.whys[`${id}@last`],
        `why #${id} is alive after event ${at}`,
      );
      return Promise.resolve({ ...v, at } as WhyView);
    },
    move: (from, how, watch) => {
      if (how === 'next-line' || how === 'prev-line') {
        return Promise.resolve(value<MoveResult>(data.moves[`${how}@${from}`], `the line step from event ${from}`));
      }
      if (watch === undefined) return Promise.reject(new Error('nothing watched'));
      const dir = how === 'next-change' ? 1 : -1;
      if (dir > 0) {
        let before = watchValue(stateAt(from), watch);
        for (let n = from + 1; n <= last; n++) {
          const after = watchValue(stateAt(n), watch);
          if (after !== before) return Promise.resolve({ seq: n, message: `${before} -> ${after}` });
          before = after;
        }
      } else {
        let after = from > 0 ? watchValue(stateAt(from - 1), watch) : '';
        for (let n = from - 1; n >= 0; n--) {
          const prior = watchValue(stateAt(n - 1), watch);
          if (prior !== after) return Promise.resolve({ seq: n, message: `${prior} -> ${after}` });
          after = prior;
        }
      }
      return Promise.resolve({ seq: null, message: `no change ${dir > 0 ? 'after' : 'before'} event ${from}` });
    },
  };
}

/** The inlined answers when this page is a file written with --html, else the server. */
export function dataSource(): DataSource {
  const inline = document.getElementById('pymemsim-data');
  if (inline?.textContent) return inlineSource(JSON.parse(inline.textContent) as InlineData);
  return serverSource();
}
