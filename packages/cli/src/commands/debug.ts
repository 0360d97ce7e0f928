/*
 * `pymemsim debug T`: a time-travel debugger over a trace
 * =======================================================
 * A cursor on the trace's events, moved forward and backward; at every stop, the event
 * and the source line it came from. Watches stop `continue` (forward) and
 * `reverse-continue` (backward) where a watched object's reference count changes (or it
 * is born or freed) or where a watched variable is bound to another object.
 *
 * Read first: Debugger.execute(), then Debugger.findWatchHit().
 *
 * Commands (any unambiguous abbreviation from the table; an empty line repeats the
 * last command on a terminal):
 *
 *   step [n]            s    n events forward (default 1)
 *   back [n]            b    n events back
 *   goto N              g    to event N
 *   next-line           n    forward to the next LineExecuted
 *   prev-line           p    back to the LineExecuted that started the line before this one
 *   watch obj ID        w    stop where #ID's refcount changes (or it appears or goes)
 *   watch var NAME           stop where NAME is bound to another object (or unbound)
 *   unwatch [WHAT]           drop a watch (all without an argument)
 *   continue            c    forward to the next watch hit
 *   reverse-continue    rc   back to the previous watch hit
 *   print ID                 one object: type, repr, refcount, generation, references
 *   heap                     the objects of the program (as `inspect`)
 *   gc                       the collector: counts, thresholds, gc.get_stats()
 *   where                    the event, the line and the frames with their variables
 *   help                h    this list
 *   quit                q    leave (end of input too)
 *
 * Input is read line by line as it is needed (io.stdinLines: synchronous reads of stdin),
 * from a terminal with a prompt, or from a pipe or a file without one (scripts); every
 * answer goes to stdout and is flushed before the next line is read. Ctrl-C stops the
 * command running (a long `continue`) and the debugger waits for the next one; at the
 * prompt it ends the debugger. The end of input ends it too, with status 0.
 *
 * A hit is an event s after which a watched value differs from its value before s.
 * `continue` goes to the first hit after the cursor; `reverse-continue` to the last hit
 * before it, folding the events before the cursor in windows of K events (the
 * timeline's checkpoint interval), nearest window first.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { UserError, formatHolder, type HeapState } from '@pymemsim/core';
import {
  dumpLine,
  frameViews,
  generationOf,
  linksOf,
  lookupVariable,
  mainGlobals,
  objectView,
  referrers,
  shortRepr,
  objectLabel,
  formatRoot,
  type Timeline,
} from '@pymemsim/replay';
import { fdLines, type Io } from '../io.js';
import { describeLine, openTimeline } from './common.js';
import { formatGcStats, heapReport, renderHeapReport } from './inspect.js';

/** An Io that can also be read from (tests give one; the process's stdin otherwise). */
export interface InteractiveIo extends Io {
  readonly input?: Readable;
  readonly inIsTty?: boolean;
}

export async function debugCommand(path: string, io: InteractiveIo, options: { json?: boolean } = {}): Promise<number> {
  const timeline = openTimeline(path, io);
  const json = options.json === true;
  const tty = !json && io.inIsTty === true;
  const dbg = new Debugger(timeline);
  io.out(json ? `${JSON.stringify(dbg.status('', dbg.banner(), false))}\n` : `${dbg.banner()}\n`);
  const rl =
    io.input !== undefined ? createInterface({ input: io.input, terminal: false, crlfDelay: Infinity }) : undefined;
  const lines: AsyncIterable<string> | Iterable<string> = rl ?? io.stdinLines?.() ?? fdLines(0);
  const prompt = (): void => {
    if (tty) io.out('(pymemsim) ');
  };
  let last = '';
  prompt();
  for await (const raw of lines) {
    let line = raw.trim();
    if (line === '' && tty) line = last;
    if (line === '') {
      prompt();
      continue;
    }
    last = line;
    const { output, quit, error } = dbg.run(line);
    io.clearInterrupt?.(); // a Ctrl-C stopped this command, not the debugger
    if (json) io.out(`${JSON.stringify(dbg.status(line, output, error))}\n`);
    else if (output !== '') io.out(output.endsWith('\n') ? output : `${output}\n`);
    if (quit) break;
    prompt();
  }
  rl?.close();
  timeline.close();
  return 0;
}

type Watch = { readonly kind: 'obj'; readonly id: number } | { readonly kind: 'var'; readonly name: string };

const watchName = (w: Watch): string => (w.kind === 'obj' ? `obj #${w.id}` : `var ${w.name}`);

/** What a watch sees in one state; a hit is where this changes. */
function watchValue(state: HeapState, w: Watch): string {
  if (w.kind === 'obj') {
    const obj = state.objects[w.id];
    return obj === undefined ? 'absent' : `refcount ${obj.refcount}`;
  }
  const bound = lookupVariable(state, w.name);
  if (bound === undefined) return 'unbound';
  return bound.frame === 0 ? `#${bound.id} (global)` : `#${bound.id} in frame ${bound.frame}`;
}

const COMMANDS: readonly { readonly name: string; readonly alias?: string }[] = [
  { name: 'step', alias: 's' },
  { name: 'back', alias: 'b' },
  { name: 'goto', alias: 'g' },
  { name: 'next-line', alias: 'n' },
  { name: 'prev-line', alias: 'p' },
  { name: 'watch', alias: 'w' },
  { name: 'unwatch' },
  { name: 'continue', alias: 'c' },
  { name: 'reverse-continue', alias: 'rc' },
  { name: 'print' },
  { name: 'heap' },
  { name: 'gc' },
  { name: 'where' },
  { name: 'help', alias: 'h' },
  { name: 'quit', alias: 'q' },
];

export const HELP = `commands:
  step [n]             s   n events forward (default 1)
  back [n]             b   n events back (default 1)
  goto N               g   to event N
  next-line            n   forward to where the next source line starts
  prev-line            p   back to where the previous source line started
  watch obj ID         w   stop where object #ID's refcount changes, or it appears or is freed
  watch var NAME           stop where variable NAME is bound to another object
  watch                    list the watches
  unwatch [obj ID | var NAME]   drop one watch, or all
  continue             c   forward to the next watch hit
  reverse-continue     rc  back to the previous watch hit
  print ID                 one object: type, repr, refcount, generation, references
  heap                     the program's objects (as pymemsim inspect)
  gc                       the collector's counts, thresholds and gc.get_stats()
  where                    the current event, its source line, the frames and variables
  help                 h   this list
  quit                 q   leave`;

/** The debugger's state and commands, without any I/O: each command returns its answer. */
export class Debugger {
  private readonly watches: Watch[] = [];

  constructor(private readonly timeline: Timeline) {
    timeline.position = -1;
  }

  /** The state after the cursor's event (the timeline's working state: read it before moving again). */
  private get current(): HeapState {
    return this.timeline.stateAt(this.position);
  }

  get position(): number {
    return this.timeline.position;
  }

  banner(): string {
    const t = this.timeline;
    return (
      `pymemsim debug: ${t.name}, ${t.length} events (0 to ${t.last}) of ${t.header.program.path}; ` +
      `before the first event. Type "help" for the commands.`
    );
  }

  /** Run one command line; user mistakes are answered, not thrown. */
  run(line: string): { output: string; quit: boolean; error: boolean } {
    try {
      return { ...this.execute(line), error: false };
    } catch (error) {
      if (error instanceof UserError) return { output: `error: ${error.message}`, quit: false, error: true };
      throw error;
    }
  }

  /** One answer as data (--json): the command, the answer's text, and where the cursor stands. */
  status(command: string, output: string, error: boolean): Record<string, unknown> {
    const t = this.timeline;
    const n = this.position;
    return {
      command,
      ok: !error,
      output,
      position: n,
      event: n >= 0 ? { seq: n, ...t.event(n) } : null,
      line: n >= 0 ? t.lineAt(n) : 0,
      watches: this.watches.map(watchName),
    };
  }

  execute(line: string): { output: string; quit: boolean } {
    const [word = '', ...args] = line.trim().split(/\s+/);
    const command = COMMANDS.find((c) => c.name === word || c.alias === word)?.name;
    const t = this.timeline;
    const done = (output: string): { output: string; quit: boolean } => ({ output, quit: false });
    switch (command) {
      case 'step':
        return done(this.moveTo(Math.min(t.last, this.position + count(args[0]))));
      case 'back':
        return done(this.moveTo(Math.max(-1, this.position - count(args[0]))));
      case 'goto': {
        const n = Number(args[0]);
        if (args[0] === undefined || !Number.isSafeInteger(n)) throw usage('goto needs an event number');
        if (n < -1 || n > t.last) throw usage(`there is no event ${n}: events are numbered 0 to ${t.last}`);
        return done(this.moveTo(n));
      }
      case 'next-line': {
        const next = this.findEvent(this.position + 1, t.last, 1, (seq) => t.event(seq).type === 'LineExecuted');
        return done(next === undefined ? `no line starts after event ${this.position}` : this.moveTo(next));
      }
      case 'prev-line': {
        const isLine = (seq: number): boolean => t.event(seq).type === 'LineExecuted';
        const start = this.position < 0 ? undefined : this.findEvent(this.position, 0, -1, isLine);
        const prev = start === undefined || start === 0 ? undefined : this.findEvent(start - 1, 0, -1, isLine);
        return done(prev === undefined ? 'no line starts before this one' : this.moveTo(prev));
      }
      case 'watch':
        return done(this.watch(args));
      case 'unwatch':
        return done(this.unwatch(args));
      case 'continue': {
        if (this.watches.length === 0) throw usage('no watches: add one with "watch obj ID" or "watch var NAME"');
        const hit = this.findWatchHit(1);
        return done(hit === undefined ? `no watch hit after event ${this.position}; staying here` : this.hit(hit));
      }
      case 'reverse-continue': {
        if (this.watches.length === 0) throw usage('no watches: add one with "watch obj ID" or "watch var NAME"');
        const hit = this.findWatchHit(-1);
        return done(hit === undefined ? `no watch hit before event ${this.position}; staying here` : this.hit(hit));
      }
      case 'print':
        return done(this.print(args[0]));
      case 'heap':
        return done(renderHeapReport(heapReport(t, this.position, this.current, false)).trimEnd());
      case 'gc':
        return done(this.gc());
      case 'where':
        return done(this.where());
      case 'help':
        return done(HELP);
      case 'quit':
        return { output: '', quit: true };
      case undefined:
      default:
        throw usage(`unknown command ${JSON.stringify(word)}; type "help" for the commands`);
    }
  }

  /** Move the cursor and describe where it stands. */
  private moveTo(n: number): string {
    this.timeline.goto(n);
    return this.here();
  }

  private here(): string {
    const t = this.timeline;
    const n = this.position;
    if (n < 0) return 'before the first event';
    return `${dumpLine(n, t.event(n))}\n  at ${describeLine(t, this.current.line)}`;
  }

  private hit(h: { seq: number; changes: string[] }): string {
    const head = this.moveTo(h.seq);
    return `${h.changes.map((c) => `watch ${c}`).join('\n')}\n${head}`;
  }

  /** The first (dir 1) or last (dir -1) seq from `from` toward `to` where `test` holds. */
  private findEvent(from: number, to: number, dir: 1 | -1, test: (seq: number) => boolean): number | undefined {
    for (let n = from; dir > 0 ? n <= to : n >= to; n += dir)
      if (n >= 0 && n <= this.timeline.last && test(n)) return n;
    return undefined;
  }

  /**
   * The next (dir 1) or previous (dir -1) event where a watched value changes from the
   * state before the event to the state after it, with what changed.
   */
  private findWatchHit(dir: 1 | -1): { seq: number; changes: string[] } | undefined {
    const t = this.timeline;
    const values = (s: HeapState): string[] => this.watches.map((w) => watchValue(s, w));
    if (dir > 0) {
      if (this.position >= t.last) return undefined;
      let before = values(this.current);
      let changes: string[] = [];
      const seq = t.scan(this.position, t.last, (state) => {
        const after = values(state);
        changes = this.describeChanges(before, after);
        before = after;
        return changes.length > 0;
      });
      return seq === undefined ? undefined : { seq, changes };
    }
    // Backward: the last hit before the cursor, in windows of K events, nearest first.
    const K = t.checkpointEvery;
    for (let end = this.position - 1; end >= 0;) {
      const start = Math.max(-1, end - K);
      let before = values(t.stateAt(start));
      let found: { seq: number; changes: string[] } | undefined;
      t.scan(start, end, (state, seq) => {
        const after = values(state);
        const changes = this.describeChanges(before, after);
        if (changes.length > 0) found = { seq, changes };
        before = after;
        return false;
      });
      if (found !== undefined) return found;
      end = start;
    }
    return undefined;
  }

  private describeChanges(before: readonly string[], after: readonly string[]): string[] {
    const out: string[] = [];
    this.watches.forEach((w, i) => {
      if (before[i] !== after[i]) out.push(`${watchName(w)}: ${before[i] ?? '?'} -> ${after[i] ?? '?'}`);
    });
    return out;
  }

  private watch(args: readonly string[]): string {
    if (args.length === 0) {
      return this.watches.length === 0
        ? 'no watches'
        : this.watches.map((w, i) => `${i + 1}. ${watchName(w)} (now ${watchValue(this.current, w)})`).join('\n');
    }
    const w = parseWatch(args);
    if (this.watches.some((x) => watchName(x) === watchName(w))) return `already watching ${watchName(w)}`;
    this.watches.push(w);
    return `watching ${watchName(w)} (now ${watchValue(this.current, w)})`;
  }

  private unwatch(args: readonly string[]): string {
    if (args.length === 0) {
      const n = this.watches.length;
      this.watches.length = 0;
      return `removed ${n} watch${n === 1 ? '' : 'es'}`;
    }
    const name = watchName(parseWatch(args));
    const i = this.watches.findIndex((w) => watchName(w) === name);
    if (i < 0) return `not watching ${name}`;
    this.watches.splice(i, 1);
    return `no longer watching ${name}`;
  }

  private print(arg: string | undefined): string {
    if (arg === undefined) throw usage('print needs an object id, as in "print 12" or "print #12"');
    const id = Number(arg.replace(/^#/, ''));
    if (!Number.isSafeInteger(id) || id <= 0) throw usage(`${JSON.stringify(arg)} is not an object id`);
    const s = this.current;
    const v = objectView(s, id);
    if (v === undefined) return `#${id} is not alive after event ${this.position}`;
    const obj = s.objects[id];
    const refs = referrers(s);
    const lines = [
      `#${id} ${v.type} ${v.repr}`,
      `  refcount ${v.refcount}${v.base > 0 ? ` (${v.base} of them static)` : ''}, ${v.generation}, ${v.size} bytes at ${v.address}`,
    ];
    const held = linksOf(s, id);
    if (held.length > 0) {
      lines.push('  holds:');
      for (const l of held) lines.push(`    ${l.label} -> ${objectLabel(s, l.to)} ${shortRepr(s, l.to, 1)}`);
    }
    const by = [
      ...(refs.roots.get(id) ?? []).map(formatRoot),
      ...(refs.links.get(id) ?? []).map((l) => `${objectLabel(s, l.owner)} ${l.label}`),
    ];
    if (by.length > 0) {
      lines.push('  held by:');
      for (const b of by) lines.push(`    ${b}`);
    }
    if (obj !== undefined && obj.dying) lines.push('  (being deallocated)');
    return lines.join('\n');
  }

  private gc(): string {
    const g = this.current.gc;
    return [
      `gc: ${g.enabled ? 'enabled' : 'disabled'}${g.collecting >= 0 ? `, collecting generation ${g.collecting}` : ''}`,
      `  counts ${g.counts.join(', ')}; thresholds ${g.thresholds.join(', ')}`,
      `  generation sizes ${g.lists
        .slice(0, 3)
        .map((l) => l.length)
        .join(', ')}; permanent ${g.lists[3].length}`,
      `  gc.get_stats(): ${formatGcStats(g.stats)}`,
    ].join('\n');
  }

  private where(): string {
    const s = this.current;
    const lines = [this.position < 0 ? 'before the first event' : `event ${this.position} of ${this.timeline.last}`];
    if (this.position >= 0) lines.push(`  ${dumpLine(this.position, this.timeline.event(this.position))}`);
    lines.push(`  at ${describeLine(this.timeline, s.line)}`);
    for (const f of frameViews(s)) {
      lines.push(`  frame ${f.id} ${f.name}${f.id === s.currentFrame ? ' (running)' : ''}`);
      for (const v of f.vars) {
        const obj = s.objects[v.id];
        lines.push(
          `    ${v.name} = #${v.id} ${obj === undefined ? '(freed)' : `${obj.pyType} ${shortRepr(s, v.id, 1)} (refcount ${obj.refcount}, ${generationOf(obj)})`}`,
        );
      }
      if (f.stack.length > 0) lines.push(`    stack: ${f.stack.map((id) => objectLabel(s, id)).join(', ')}`);
    }
    const globals = (mainGlobals(s)?.entries ?? []).filter((e) => !e.name.startsWith('__'));
    if (globals.length > 0) {
      lines.push('  globals of __main__');
      for (const g of globals) {
        const obj = s.objects[g.id];
        lines.push(
          `    ${g.name} = #${g.id} ${obj === undefined ? '(freed)' : `${obj.pyType} ${shortRepr(s, g.id, 1)} (refcount ${obj.refcount})`}`,
        );
      }
    }
    return lines.join('\n');
  }
}

function parseWatch(args: readonly string[]): Watch {
  const [kind, what] = args;
  if (kind === 'obj' && what !== undefined) {
    const id = Number(what.replace(/^#/, ''));
    if (!Number.isSafeInteger(id) || id <= 0) throw usage(`${JSON.stringify(what)} is not an object id`);
    return { kind: 'obj', id };
  }
  if (kind === 'var' && what !== undefined) return { kind: 'var', name: what };
  throw usage('watch what? "watch obj ID" or "watch var NAME"');
}

function count(arg: string | undefined): number {
  if (arg === undefined) return 1;
  const n = Number(arg);
  if (!Number.isSafeInteger(n) || n < 1) throw usage(`${JSON.stringify(arg)} is not a positive number of events`);
  return n;
}

const usage = (message: string): UserError => new UserError('CLI_USAGE', message);

/** The holder form used in listings (re-exported for tests). */
export { formatHolder };
