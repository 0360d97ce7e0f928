/*
 * The viewer's protocol: what the page asks `pymemsim view`'s server, and the shape of
 * each answer. The server (packages/cli/src/view) computes every answer from the trace
 * with the replay package's timeline and heap views; the page only draws them. A file
 * written with `--html` holds the same answers inlined (`InlineData`).
 *
 * Requests (GET, JSON answers; an error is `{ "error": message }` with status 400/404):
 *   /api/trace                      TraceInfo
 *   /api/state?at=N[&limit=L]       StateView: the heap after event N (-1: before the first)
 *   /api/summary                    SummaryView: the timeline series (filled in the background)
 *   /api/history?obj=ID             HistoryView: every event that touched object #ID
 *   /api/why?obj=ID&at=N            WhyView: why #ID is alive after event N, or what freed it
 *   /api/move?from=N&how=H[&obj=ID|&var=NAME]   MoveResult: where a step of kind H lands
 *        H: next-line, prev-line, next-change, prev-change (a watched object or variable)
 *   /api/counts?at=N[&limit=L]      CountsView: what a state of a large heap leaves out
 *
 * The page asks the same questions over one WebSocket at /api/socket: it sends
 * `{"id": N, "url": "api/state?at=5"}` (text) and gets `{"id": N, "status": S, "body": B}`,
 * B being what the GET answers with status S. Only the server's own page may connect.
 */

export interface TraceInfo {
  /** The trace's name as it was opened (its path). */
  readonly name: string;
  /** The program's path and source as the trace recorded them. */
  readonly program: string;
  readonly source: string;
  readonly events: number;
  /** Set when the trace was cut short and opened with what it holds. */
  readonly recovered: string | null;
}

/** One reference an object holds: its slot's label (`[0]`, `.x`, `["k"]`, `<key>`) and the object it points to. */
export interface RefView {
  readonly label: string;
  readonly to: number;
}

export interface ObjectNode {
  readonly id: number;
  readonly type: string;
  readonly repr: string;
  readonly refcount: number;
  /** `gen 0`, `gen 1`, `gen 2`, `untracked`, `not GC`, `permanent`, `unreachable`. */
  readonly generation: string;
  readonly size: number;
  readonly address: string;
  /** Its count reached zero: deallocation has started. */
  readonly dying: boolean;
  /**
   * The program reaches it only through the interpreter's own references (a code object,
   * a function's name string, a dict's str key) or through what a frame holds for the
   * interpreter (its function, code, locals). The page draws these only when asked.
   */
  readonly interpreter?: true;
  /** The references it holds to objects that are drawn (the first 50). */
  readonly refs: readonly RefView[];
  /** The other references it holds: to objects not drawn, or past the first 50. */
  readonly moreRefs: number;
}

export interface VariableView {
  readonly name: string;
  readonly id: number;
}

export interface FrameNode {
  readonly id: number;
  readonly name: string;
  readonly current: boolean;
  readonly vars: readonly VariableView[];
  /** Evaluation-stack temporaries, bottom first. */
  readonly stack: readonly number[];
}

export interface EventView {
  readonly seq: number;
  readonly type: string;
  /** The event as one dump line (`000012 RefIncremented id=4 holder=(...)`). */
  readonly text: string;
  /** The objects the event is about (whatever its kind). */
  readonly subjects: readonly number[];
}

export interface PoolView {
  /** The pool's index in its arena. */
  readonly index: number;
  readonly sizeClass: number;
  readonly blockSize: number;
  /** Blocks handed out, and the blocks the pool holds. */
  readonly used: number;
  readonly capacity: number;
}

export interface ArenaView {
  readonly index: number;
  readonly address: string;
  readonly totalPools: number;
  readonly freePools: number;
  /** The pools carved so far (the others are not yet touched). */
  readonly pools: readonly PoolView[];
}

/** The counts a StateView of a large heap leaves out (`/api/counts?at=N&limit=L`). */
export interface CountsView {
  readonly at: number;
  readonly folded: number;
  readonly hidden: number;
  /** Objects of the program marked `interpreter` (drawn or folded). */
  readonly interpreter: number;
}

export interface StateView {
  readonly at: number;
  readonly events: number;
  /** The source line being executed (0 before the first). */
  readonly line: number;
  readonly event: EventView | null;
  /** Innermost first. */
  readonly frames: readonly FrameNode[];
  /** The globals of `__main__` (not the dunder names). */
  readonly globals: readonly VariableView[];
  /** The objects drawn: reachable from the frames and globals first (breadth first), then garbage. */
  readonly objects: readonly ObjectNode[];
  /**
   * Objects of the program not drawn (over the limit): the page can ask for them. Null
   * when the heap was walked only as far as the drawing needed: `CountsView` has it.
   */
  readonly folded: number | null;
  /** Live objects only the interpreter holds (static ints, interned strings, modules' contents); null like `folded`. */
  readonly hidden: number | null;
  /** The objects of the program marked `interpreter`, drawn or not; null like `folded`. */
  readonly interpreter: number | null;
  readonly live: number;
  readonly gc: {
    readonly counts: readonly number[];
    readonly thresholds: readonly number[];
    readonly enabled: boolean;
    /** The generation being collected, or -1. */
    readonly collecting: number;
    readonly generations: readonly number[];
  };
  readonly memory: {
    readonly arenas: number;
    readonly pools: number;
    readonly blocks: number;
    readonly liveBytes: number;
  };
  readonly arenas: readonly ArenaView[];
}

export interface SamplePoint {
  readonly seq: number;
  readonly live: number;
  readonly blocks: number;
}

export interface GcPass {
  /** The GcStarted and GcFinished events. */
  readonly start: number;
  readonly end: number;
  readonly generation: number;
  readonly reason: string;
  readonly collected: number;
  readonly uncollectable: number;
}

export interface SummaryView {
  readonly events: number;
  /** Events folded so far by the background pass; `complete` once it reached the end. */
  readonly done: number;
  readonly complete: boolean;
  readonly samples: readonly SamplePoint[];
  readonly passes: readonly GcPass[];
}

export interface HistoryEntryView {
  readonly seq: number;
  readonly line: number;
  readonly source: string;
  readonly role: 'subject' | 'holder';
  readonly what: string;
  /** The refcount after this event, while the object was alive. */
  readonly refcount: number | null;
}

export interface HistoryView {
  readonly object: number;
  readonly type: string;
  readonly total: number;
  /** The first entries (at most the server's limit). */
  readonly entries: readonly HistoryEntryView[];
}

export interface ChainLinkView {
  readonly owner: number;
  readonly label: string;
  readonly to: number;
}

export interface ChainView {
  readonly root: {
    readonly kind: string;
    readonly frame?: number;
    readonly frameName?: string;
    readonly name?: string;
  };
  readonly first: number;
  readonly links: readonly ChainLinkView[];
  readonly text: string;
}

export interface WhyStep {
  readonly seq: number;
  readonly line: string;
  readonly what: string;
}

export type WhyView =
  | {
      readonly alive: true;
      readonly object: number;
      readonly at: number;
      readonly type: string;
      readonly repr: string;
      readonly refcount: number;
      readonly chains: readonly ChainView[];
      readonly referrers: readonly string[];
    }
  | {
      readonly alive: false;
      readonly object: number;
      readonly at: number;
      /** Set when the object is not allocated yet at `at`. */
      readonly allocated?: WhyStep;
      readonly freedAt?: number;
      readonly steps?: readonly WhyStep[];
    };

export type MoveKind = 'next-line' | 'prev-line' | 'next-change' | 'prev-change';

export interface MoveResult {
  /** Where the move lands, or null when there is nowhere to go. */
  readonly seq: number | null;
  readonly message: string;
}

/**
 * What a file written by `pymemsim view --html` carries instead of a server: the answers
 * the page would ask for, each a JSON text in `table` (kept once however often it
 * recurs), referred to by index.
 */
export interface InlineData {
  readonly trace: TraceInfo;
  readonly summary: SummaryView;
  readonly table: readonly string[];
  /** The StateView after event i - 1 at index i (index 0: before the first event). */
  readonly states: readonly number[];
  /** HistoryView by object id, for every object the file draws. */
  readonly histories: Readonly<Record<string, number>>;
  /**
   * WhyView without its `at`, by `${id}@${at}` for every object drawn (or bound to a
   * variable) after event `at`, and by `${id}@last` for every object freed by the end.
   */
  readonly whys: Readonly<Record<string, number>>;
  /** MoveResult by `${how}@${from}` for the line steps. */
  readonly moves: Readonly<Record<string, number>>;
}
