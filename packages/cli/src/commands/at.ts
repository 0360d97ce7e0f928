/*
 * `--at` and `--obj`: which moment of a trace, and which object, a command looks at.
 *
 *   --at N          after event N (0 to the last)
 *   --at end        the end of the user's code: where the main module's frame exits,
 *                   before interpreter shutdown (the default of the views of a heap)
 *   --at last       after the trace's last event (after shutdown)
 *   --at line:N     where line N starts (its LineExecuted event, where a breakpoint on
 *                   the line stops): the first time it runs, or the last with --last
 *   --at gc:N       just after the Nth garbage collection finishes (its GcFinished),
 *                   counting every generation's passes from 1
 *
 *   --obj 12, #12   object #12
 *   --obj NAME      the object variable NAME is bound to at --at: the innermost frame
 *                   that binds it, else the globals of __main__
 *
 * Where the end of the user's code is: replay's userCode.ts (the trace's footer says, or
 * one pass over an older trace finds it). A run stopped before its main module finished
 * has none: `end` is then its last event.
 */
import { InvalidArgumentError } from 'commander';
import { UserError, type HeapState, type MemEvent } from '@pymemsim/core';
import { resolveExpression, type Progress, type Timeline } from '@pymemsim/replay';

export type AtSpec =
  | { readonly kind: 'event'; readonly seq: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'last' }
  | { readonly kind: 'line'; readonly line: number }
  | { readonly kind: 'gc'; readonly pass: number };

export const AT_HELP =
  'when to look: N (after event N), end (the end of the program, before interpreter shutdown), ' +
  'last (after the last event), line:N (where line N starts; the first time, --last for the last), ' +
  'gc:N (after the Nth GC pass)';

const positive = (text: string): number | undefined => {
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(n) && n > 0 ? n : undefined;
};

/** Parse `--at`. */
export function atArg(value: string): AtSpec {
  const text = value.trim();
  if (text === 'end') return { kind: 'end' };
  if (text === 'last') return { kind: 'last' };
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return { kind: 'event', seq: n };
  }
  const m = /^(line|gc):(.*)$/.exec(text);
  if (m !== null) {
    const n = positive(m[2] ?? '');
    if (n === undefined) throw new InvalidArgumentError(`${m[1]}:N needs a positive number, as in ${m[1]}:3`);
    return m[1] === 'line' ? { kind: 'line', line: n } : { kind: 'gc', pass: n };
  }
  throw new InvalidArgumentError(
    'expected an event number, end (the end of the program), last (the last event), line:N or gc:N',
  );
}

/** Where `--at` landed: the event, and words for it. */
export interface ResolvedAt {
  readonly seq: number;
  /** `at the end of the program`, `where line 19 starts (its first run)`, ... */
  readonly what: string;
  /** Said on stderr when the moment asked for could not be had exactly (`end` of a run stopped early). */
  readonly note?: string;
}

export interface ResolveOptions {
  /** `line:N`: the last time the line ran, not the first. */
  readonly last?: boolean;
  /** A pass over the trace (finding a line, a GC pass, the end of an old trace) reports here. */
  readonly progress?: Progress;
}

/** The event `spec` names in `timeline` (default: `end`). A UserError when there is none. */
export function resolveAtSpec(timeline: Timeline, spec: AtSpec | undefined, options: ResolveOptions = {}): ResolvedAt {
  if (timeline.length === 0) {
    throw new UserError('CLI_USAGE', `${timeline.name} holds no events: there is nothing to inspect`);
  }
  const s = spec ?? { kind: 'end' };
  switch (s.kind) {
    case 'event':
      if (s.seq > timeline.last) {
        throw new UserError(
          'CLI_USAGE',
          `--at ${s.seq}: ${timeline.name} has ${timeline.length} events, numbered 0 to ${timeline.last}`,
        );
      }
      return { seq: s.seq, what: `after event ${s.seq}` };
    case 'last':
      return { seq: timeline.last, what: `after the last event (${timeline.last}), after interpreter shutdown` };
    case 'end': {
      const end = timeline.userCodeEnd(options.progress);
      if (end === undefined) {
        return {
          seq: timeline.last,
          what: `after the last event (${timeline.last})`,
          note: `${timeline.name}: the program's main module never finished (the run was stopped): showing its last event`,
        };
      }
      return { seq: end, what: `at the end of the program (event ${end}, before interpreter shutdown)` };
    }
    case 'line': {
      const hits = findEvents(timeline, (e) => e.type === 'LineExecuted' && e.line === s.line, options);
      const seq = options.last === true ? hits.last : hits.first;
      if (seq === undefined) {
        throw new UserError('CLI_USAGE', `--at line:${s.line}: line ${s.line} never runs in ${timeline.name}`);
      }
      const which = options.last === true ? 'the last time it runs' : 'the first time it runs';
      return { seq, what: `where line ${s.line} starts (event ${seq}, ${which})` };
    }
    case 'gc': {
      let pass = 0;
      const hit = findEvents(timeline, (e) => e.type === 'GcFinished' && ++pass === s.pass, {
        ...options,
        last: false,
      });
      if (hit.first === undefined) {
        throw new UserError(
          'CLI_USAGE',
          `--at gc:${s.pass}: ${timeline.name} has ${pass} GC pass${pass === 1 ? '' : 'es'}`,
        );
      }
      return { seq: hit.first, what: `after GC pass ${s.pass} (event ${hit.first})` };
    }
  }
}

/** The first and last events where `test` holds (stops at the first unless `last`). */
function findEvents(
  timeline: Timeline,
  test: (e: MemEvent) => boolean,
  options: ResolveOptions,
): { first: number | undefined; last: number | undefined } {
  let first: number | undefined;
  let last: number | undefined;
  let next = 0;
  for (const [seq, event] of timeline.events()) {
    if (options.progress !== undefined && seq >= next) {
      options.progress(seq, timeline.length);
      next = seq + 65536;
    }
    if (!test(event)) continue;
    first ??= seq;
    last = seq;
    if (options.last !== true) break;
  }
  return { first, last };
}

/** `--obj`: an object id (`12`, `#12`), or a variable name and links from it (`head`, `head.next`, `items[2]`). */
export type ObjSpec = number | string;

export function objArg(value: string): ObjSpec {
  const text = value.trim();
  const id = text.startsWith('#') ? text.slice(1) : text;
  if (/^\d+$/.test(id)) {
    const n = Number(id);
    if (Number.isSafeInteger(n) && n > 0) return n;
  }
  if (/^[A-Za-z_]\w*([.[].*)?$/s.test(text)) return text;
  throw new InvalidArgumentError(
    'expected an object id (12 or #12) or a variable name, with attributes or items (head, head.next, items[2])',
  );
}

/** The object `spec` names in `state` (`where`: words for the moment, for the error). */
export function resolveObj(spec: ObjSpec, state: HeapState, where: string): number {
  if (typeof spec === 'number') return spec;
  const found = resolveExpression(state, spec);
  if ('error' in found) throw new UserError('CLI_USAGE', `--obj ${spec}: ${found.error} ${where}`);
  return found.id;
}
