/*
 * `pymemsim debug T`: a time-travel debugger over a trace, with gdb's and rr's verbs
 * ==================================================================================
 * A cursor on the trace's events, moved forward and backward; at every stop, the event
 * (with what it means) and the source line it came from. Breakpoints on source lines
 * and watches on objects and variables stop `continue` (forward) and `reverse-continue`
 * (backward): a breakpoint where its line starts (the line's LineExecuted event, before
 * the line runs, where gdb stops), a watch where a watched object's reference count
 * changes (or it is born or freed) or where a watched variable is bound to another object.
 *
 * Read first: Debugger.execute(), then Debugger.findHit().
 *
 * The verbs (gdb's, with rr's reverse ones; `step` and `back` move by events, `stepi`
 * and `nexti` by the interpreter's instructions):
 *
 *   break LINE          b     stop where line LINE starts          delete [N]   d
 *   continue            c     forward to the next breakpoint or watch hit
 *   reverse-continue    rc    back to the previous one
 *   next [n]            n     to where the next line starts in this frame (over calls)
 *   reverse-next [n]    rn    back to where the previous line of this frame started
 *   next-line [n]             to where the next line starts, in any frame (gdb's step)
 *   reverse-step [n]    rs    back to where the previous line started, in any frame
 *                             (also prev-line)
 *   finish                    forward until this frame returns (after its FrameExited)
 *   reverse-finish            back to the call that entered this frame
 *   step [n]            s     n events forward
 *   back [n]                  n events back
 *   stepi [n]           si    to the first event of the next instruction, in any
 *                             frame (into calls)
 *   nexti [n]           ni    the same in this frame or a caller (over calls)
 *   reverse-stepi [n]   rsi   back to the first event of the previous instruction
 *   reverse-nexti [n]   rni   the same in this frame or a caller
 *   stack                     the current frame's value stack, top first
 *   disassemble         disas the instructions around the current one (compiled
 *                             again from the trace's source, as `pymemsim dis`)
 *   goto N              g     to event N
 *   watch EXPR          w     watch an object (`watch 12`, `watch obj 12`) or a
 *                             variable (`watch head`, `watch var head`)
 *   unwatch [WHAT]            drop a watch (all without an argument)
 *   print EXPR          p     one object: `p 512`, `p #512`, `p head`, `p head.next`,
 *                             `p items[2]`: type, repr, refcount, generation, references
 *   backtrace           bt    the frames, innermost first, with their lines (also where)
 *   list [LINE]         l     the source around the current line (or LINE)
 *   info WHAT           i     breakpoints, watch, frame, locals, globals, gc, heap, memory
 *   heap, gc, where           the program's objects; the collector; the event, frames
 *                             and variables
 *   help                h     this list
 *   quit                q     leave (end of input too)
 *
 * A unique prefix of a verb works too (`cont`, `fin`); an empty line repeats the last
 * command on a terminal. Input: on a terminal, node:readline edits the line (arrows,
 * history, Ctrl-R) and draws the prompt (the command then runs on the main thread:
 * bin/pymemsim.js); from a pipe or a file, lines are read as they are needed
 * (io.stdinLines: synchronous reads of stdin), without a prompt (scripts), and every
 * answer is flushed before the next line is read. Ctrl-C stops the command running (a
 * long `continue`) and the debugger waits for the next one; while it waits for a line
 * it ends the debugger (exit 130). The end of input ends it too, with status 0.
 *
 * Instructions: every event of a trace of event schema 2 or later carries the byte
 * offset of the instruction that caused it (EventPosition in core's events.ts), in the
 * frame running before the event. An event's instruction is that frame and offset; the
 * frame is followed through the events (FrameEntered: the caller ran it, the callee runs
 * after it; FrameExited: the exiting frame ran it). `stepi` stops at the first event of
 * another instruction; events without an offset (a callee's arguments moved in) are
 * passed over. Two runs of one instruction with no other instruction's event between
 * them read as one.
 *
 * A watch hit is an event s after which a watched value differs from its value before
 * s. `continue` goes to the first hit after the cursor; `reverse-continue` to the last
 * hit before it, folding the events before the cursor in windows of K events (the
 * timeline's checkpoint interval), nearest window first. Breakpoints alone need no fold:
 * the events are read, not applied.
 */
import { createInterface } from 'node:readline';
import { compileSource, disassemble } from '@pymemsim/interp';
import type { Readable, Writable } from 'node:stream';
import { UserError, formatHolder, type HeapState, type Holder, type MemEvent } from '@pymemsim/core';
import {
  dumpLine,
  framesOf,
  frameViews,
  generationOf,
  linksOf,
  linkExpression,
  lookupVariable,
  mainGlobals,
  objectNames,
  objectView,
  objectWords,
  referrers,
  resolveExpression,
  shortRepr,
  stateContext,
  type HolderContext,
  type Timeline,
} from '@pymemsim/replay';
import { fdLines, type Io } from '../io.js';
import { describeLine, openTimeline, sourceLine } from './common.js';
import { eventWords } from './history.js';
import { formatGcStats, heapReport, memorySummary, renderHeapReport, renderMemory } from './inspect.js';
import { rootWords } from './why.js';

/** An Io that can also be read from (tests give one; the process's stdin otherwise). */
export interface InteractiveIo extends Io {
  readonly input?: Readable;
  readonly inIsTty?: boolean;
  /** Where a terminal's prompt and line editing write (the process's stdout otherwise). */
  readonly output?: Writable;
}

export async function debugCommand(path: string, io: InteractiveIo, options: { json?: boolean } = {}): Promise<number> {
  const timeline = openTimeline(path, io);
  const json = options.json === true;
  const tty = !json && io.inIsTty === true;
  const dbg = new Debugger(timeline);
  io.out(json ? `${JSON.stringify(dbg.status('', dbg.banner(), false))}\n` : `${dbg.banner()}\n`);
  // On a terminal, readline edits the line (arrows, history, Ctrl-R) and draws the prompt;
  // otherwise lines are read synchronously as they are needed (a test may give a stream).
  const rl = tty
    ? createInterface({
        input: io.input ?? process.stdin,
        output: io.output ?? process.stdout,
        terminal: true,
        historySize: 1000,
        prompt: '(pymemsim) ',
      })
    : io.input !== undefined
      ? createInterface({ input: io.input, terminal: false, crlfDelay: Infinity })
      : undefined;
  if (rl !== undefined && tty) {
    // Ctrl-C at the prompt drops the line being typed, as gdb does; Ctrl-D or quit leaves.
    rl.on('SIGINT', () => {
      rl.write('^C\n');
      rl.prompt();
    });
    rl.prompt();
  }
  const lines: AsyncIterable<string> | Iterable<string> = rl ?? io.stdinLines?.() ?? fdLines(0);
  let last = '';
  for await (const raw of lines) {
    let line = raw.trim();
    if (line === '' && tty) line = last;
    if (line === '') {
      if (tty) rl?.prompt();
      continue;
    }
    last = line;
    const { output, quit, error } = dbg.run(line);
    io.clearInterrupt?.(); // a Ctrl-C stopped this command, not the debugger
    if (json) io.out(`${JSON.stringify(dbg.status(line, output, error))}\n`);
    else if (output !== '') io.out(output.endsWith('\n') ? output : `${output}\n`);
    if (quit) break;
    if (tty) rl?.prompt();
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

/**
 * What the watches see after `event`, given what they saw before it (`before` itself when
 * nothing changed). An object's watch reads one slot of the state: read after every
 * event. A variable's binding changes only through a reference held by a frame slot of
 * its name or by a dict slot of its name (a module's globals), a frame entered or
 * exited, or a change in how __main__'s globals are found (a root, a new module, the
 * slots that lead to its dict): looked up (frames, then __main__'s globals) only after
 * such an event. Looked up after every event, watching a variable took 13 µs an event.
 */
function watchedAfter(
  watches: readonly Watch[],
): (state: HeapState, event: MemEvent, before: readonly string[]) => readonly string[] {
  const names = new Set<string>();
  const slots = new Set<string>();
  for (const w of watches) {
    if (w.kind === 'var') {
      names.add(w.name);
      slots.add(`[${JSON.stringify(w.name)}]`);
    }
  }
  // How __main__'s globals are found (heapView's mainGlobals): a root, sys.modules'
  // "__main__" slot, the module's __dict__, the dict's "__name__".
  for (const slot of ['__dict__', '["__main__"]', '["__name__"]']) slots.add(slot);
  const touches = (h: Holder): boolean =>
    h.kind === 'root' || (h.kind === 'frame' && names.has(h.name)) || (h.kind === 'object' && slots.has(h.slot));
  const bindingMayChange = (e: MemEvent): boolean => {
    switch (e.type) {
      case 'FrameEntered':
      case 'FrameExited':
        return true;
      case 'ObjectAllocated':
        return e.kind === 'module' || touches(e.holder);
      case 'RefIncremented':
      case 'RefDecremented':
        return touches(e.holder);
      case 'RefMoved':
        return touches(e.from) || touches(e.to);
      default:
        return false;
    }
  };
  return (state, event, before) => {
    let after = before;
    const vars = names.size > 0 && bindingMayChange(event);
    for (let i = 0; i < watches.length; i++) {
      const w = watches[i] as Watch;
      if (w.kind === 'var' && !vars) continue;
      const v = watchValue(state, w);
      if (v === before[i]) continue;
      if (after === before) after = before.slice();
      (after as string[])[i] = v;
    }
    return after;
  };
}

interface Breakpoint {
  readonly number: number;
  readonly line: number;
}

/** The verbs, their short forms and other names; order is the order of prefix matching. */
const COMMANDS: readonly { readonly name: string; readonly aliases?: readonly string[] }[] = [
  { name: 'break', aliases: ['b', 'br'] },
  { name: 'delete', aliases: ['d'] },
  { name: 'continue', aliases: ['c'] },
  { name: 'reverse-continue', aliases: ['rc'] },
  { name: 'next', aliases: ['n'] },
  { name: 'reverse-next', aliases: ['rn'] },
  { name: 'next-line' },
  { name: 'reverse-step', aliases: ['rs', 'prev-line'] },
  { name: 'finish', aliases: ['fin'] },
  { name: 'reverse-finish' },
  { name: 'step', aliases: ['s'] },
  { name: 'back' },
  { name: 'stepi', aliases: ['si'] },
  { name: 'nexti', aliases: ['ni'] },
  { name: 'reverse-stepi', aliases: ['rsi'] },
  { name: 'reverse-nexti', aliases: ['rni'] },
  { name: 'stack' },
  { name: 'disassemble', aliases: ['disas'] },
  { name: 'goto', aliases: ['g'] },
  { name: 'watch', aliases: ['w'] },
  { name: 'unwatch' },
  { name: 'print', aliases: ['p', 'inspect'] },
  { name: 'backtrace', aliases: ['bt'] },
  { name: 'list', aliases: ['l'] },
  { name: 'info', aliases: ['i'] },
  { name: 'heap' },
  { name: 'gc' },
  { name: 'where' },
  { name: 'help', aliases: ['h'] },
  { name: 'quit', aliases: ['q', 'exit'] },
];

/** The verb a word names: a name or alias, else a unique prefix of a name. */
export function commandOf(word: string): string | undefined {
  const exact = COMMANDS.find((c) => c.name === word || c.aliases?.includes(word) === true);
  if (exact !== undefined) return exact.name;
  const prefixed = COMMANDS.filter((c) => c.name.startsWith(word));
  return prefixed.length === 1 ? prefixed[0]?.name : undefined;
}

export const HELP = `commands (gdb's and rr's; step and back move by events, stepi and nexti by instructions):
  break LINE           b    stop where line LINE starts (before it runs)
  delete [N]           d    delete breakpoint N, or all
  continue             c    forward to the next breakpoint or watch hit
  reverse-continue     rc   back to the previous breakpoint or watch hit
  next [n]             n    to where the next line starts in this frame (over calls)
  reverse-next [n]     rn   back to where the previous line of this frame started
  next-line [n]             to where the next line starts, in any frame (into calls)
  reverse-step [n]     rs   back to where the previous line started, in any frame
  finish                    forward until this frame returns
  reverse-finish            back to the call that entered this frame
  step [n]             s    n events forward
  back [n]                  n events back
  stepi [n]            si   to the next instruction (its first event), into calls
  nexti [n]            ni   to the next instruction of this frame or a caller (over calls)
  reverse-stepi [n]    rsi  back to the previous instruction, in any frame
  reverse-nexti [n]    rni  back to the previous instruction of this frame or a caller
  stack                     the value stack of the current frame, top first
  disassemble               the instructions around the current one, marked =>, as pymemsim dis
                            prints them (also disas)
  goto N               g    to event N
  watch EXPR           w    stop where an object's refcount changes (watch 12, watch obj 12)
                            or a variable is bound to another object (watch head, watch var head)
  watch                     list the watches
  unwatch [obj ID | var NAME]   drop one watch, or all
  print EXPR           p    one object: p 512, p #512, p head, p head.next, p items[2]
  backtrace            bt   the frames, innermost first, with their lines
  list [LINE]          l    the source around the current line (or LINE)
  info WHAT            i    breakpoints, watch, frame, locals, globals, gc, heap, memory
  heap                      the program's objects (as pymemsim inspect)
  gc                        the collector's counts, thresholds and gc.get_stats()
  where                     the current event, its source line, the frames and variables
  help                 h    this list
  quit                 q    leave
A unique prefix of a command works too (cont, fin); an empty line repeats the last one.`;

/** The debugger's state and commands, without any I/O: each command returns its answer. */
/** What next-line and prev-line say when no line starts after (before) the cursor. */
export const NO_LINE = { 'next-line': 'no line starts after', 'prev-line': 'no line starts before' } as const;

/** A step that found nowhere to go, in words: `no line starts after event 12; staying here`. */
export function stayingHere(none: string, position: number): string {
  return `${none} event ${position}; staying here`;
}

export class Debugger {
  private readonly watches: Watch[] = [];
  private readonly breakpoints: Breakpoint[] = [];
  private nextBreakpoint = 1;
  /** The disassembly of the trace's program, cut by code object, once asked for. */
  private listing: DisSection[] | undefined;

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
      breakpoints: this.breakpoints.map((b) => ({ number: b.number, line: b.line })),
    };
  }

  execute(line: string): { output: string; quit: boolean } {
    const [word = '', ...args] = line.trim().split(/\s+/);
    const command = commandOf(word);
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
      case 'stepi':
      case 'nexti':
      case 'reverse-stepi':
      case 'reverse-nexti': {
        // Forward or back by instruction; the -i of next stays in the current frame.
        const back = command.startsWith('reverse-');
        const sameFrame = command.endsWith('nexti');
        const step = (): number | undefined =>
          back ? this.previousInstruction(sameFrame) : this.nextInstruction(sameFrame);
        const none = `no instruction ${sameFrame ? 'of this frame ' : ''}runs ${back ? 'before' : 'after'}`;
        return done(this.instructions(count(args[0]), step, none));
      }
      case 'stack':
        return done(this.stack());
      case 'disassemble':
        return done(this.disassemble());
      case 'next':
        return done(this.lines(count(args[0]), () => this.nextLine(true), 'no line of this frame starts after'));
      case 'next-line':
        return done(this.lines(count(args[0]), () => this.nextLine(false), NO_LINE['next-line']));
      case 'reverse-next':
        return done(this.lines(count(args[0]), () => this.previousLine(true), 'no line of this frame starts before'));
      case 'reverse-step':
        return done(this.lines(count(args[0]), () => this.previousLine(false), NO_LINE['prev-line']));
      case 'finish':
        return done(this.finish());
      case 'reverse-finish':
        return done(this.reverseFinish());
      case 'break':
        return done(this.addBreakpoint(args[0]));
      case 'delete':
        return done(this.deleteBreakpoint(args[0]));
      case 'watch':
        return done(this.watch(args));
      case 'unwatch':
        return done(this.unwatch(args));
      case 'continue':
      case 'reverse-continue': {
        if (this.watches.length === 0 && this.breakpoints.length === 0) {
          throw usage('no breakpoints or watches: add one with "break LINE", "watch NAME" or "watch obj ID"');
        }
        const dir = command === 'continue' ? 1 : -1;
        const hit = this.findHit(dir);
        if (hit === undefined) {
          return done(
            `no breakpoint or watch hit ${dir > 0 ? 'after' : 'before'} event ${this.position}; staying here`,
          );
        }
        return done(this.hit(hit));
      }
      case 'print':
        return done(this.print(args.join(' ')));
      case 'backtrace':
        return done(this.backtrace());
      case 'list':
        return done(this.list(args[0]));
      case 'info':
        return done(this.info(args[0]));
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
    const event = t.event(n);
    const state = this.current;
    const where =
      state.line > 0 ? `at ${describeLine(t, state.line, event.offset)}` : describeLine(t, state.line, event.offset);
    // A line's start says it all; other events get words.
    if (event.type === 'LineExecuted') return `${dumpLine(n, event)}\n  ${where}`;
    const words = eventWords(event, stateContext(state, objectNames(state)));
    return `${dumpLine(n, event)}\n  ${words}\n  ${where}`;
  }

  private hit(h: { seq: number; changes: string[] }): string {
    const head = this.moveTo(h.seq);
    return `${h.changes.join('\n')}\n${head}`;
  }

  // -------------------------------------------------------------------------------
  // Moving by lines and frames (events read, not folded)

  /** Do `move` n times; the answer of the last, or `none` where none moved. */
  private lines(n: number, move: () => number | undefined, none: string): string {
    let moved: number | undefined;
    for (let i = 0; i < n; i++) {
      const seq = move();
      if (seq === undefined) break;
      this.timeline.goto(seq);
      moved = seq;
    }
    return moved === undefined ? stayingHere(none, this.position) : this.here();
  }

  /**
   * The next LineExecuted after the cursor: in any frame, or (`sameFrame`) in this frame
   * or a caller (calls are stepped over: frames entered after the cursor are skipped).
   */
  private nextLine(sameFrame: boolean): number | undefined {
    const t = this.timeline;
    const current = this.position >= 0 ? this.current.line : 0;
    let depth = 0;
    let called = false;
    for (let n = this.position + 1; n <= t.last; n++) {
      const e = t.event(n);
      if (e.type === 'FrameEntered') {
        depth += 1;
        called = true;
      } else if (e.type === 'FrameExited') depth -= 1;
      else if (e.type === 'LineExecuted' && (!sameFrame || depth <= 0)) {
        // Back from a call, the interpreter may announce the same line again: not a new line.
        if (sameFrame && depth === 0 && called && e.line === current) continue;
        return n;
      }
    }
    return undefined;
  }

  /**
   * Back to where the previous line started: the LineExecuted before the one that
   * started the current line; with `sameFrame`, only lines of this frame or a caller,
   * and a line announced again after a call it made counts from its first announcement.
   */
  private previousLine(sameFrame: boolean): number | undefined {
    const t = this.timeline;
    let depth = 0;
    let crossedCall = false;
    // Line starts found going back (the current line's first), earliest announcement kept.
    const found: { seq: number; line: number }[] = [];
    for (let n = this.position; n >= 0; n--) {
      const e = t.event(n);
      if (e.type === 'LineExecuted' && (!sameFrame || depth <= 0)) {
        const last = found.at(-1);
        if (sameFrame && last !== undefined && last.line === e.line && crossedCall) {
          last.seq = n; // the same line, before the call it made
        } else {
          if (found.length === 2) return found[1]?.seq;
          found.push({ seq: n, line: e.line });
          if (!sameFrame && found.length === 2) return n;
        }
        crossedCall = false;
      }
      // Going back, an exit is a call being re-entered, an entry leaves it (or this frame).
      if (e.type === 'FrameExited') depth += 1;
      else if (e.type === 'FrameEntered') {
        depth -= 1;
        if (depth === 0) crossedCall = true;
      }
    }
    return found[1]?.seq;
  }

  private finish(): string {
    const t = this.timeline;
    const frame = this.current.currentFrame;
    if (this.position < 0 || this.current.frames[frame] === undefined) throw usage('no frame is running here');
    let depth = 0;
    for (let n = this.position + 1; n <= t.last; n++) {
      const e = t.event(n);
      if (e.type === 'FrameEntered') depth += 1;
      else if (e.type === 'FrameExited') {
        if (depth === 0) {
          const here = this.moveTo(n);
          const s = this.current;
          const caller = s.frames[s.currentFrame];
          const to =
            caller === undefined
              ? ''
              : ` to frame ${caller.id} (${caller.name}) at ${describeLine(t, this.frameLines(1)[0] ?? 0)}`;
          return `frame ${frame} returns${to}\n${here}`;
        }
        depth -= 1;
      }
    }
    return `frame ${frame} never returns in this trace; staying here`;
  }

  private reverseFinish(): string {
    const t = this.timeline;
    const frame = this.current.currentFrame;
    if (this.position < 0 || this.current.frames[frame] === undefined) throw usage('no frame is running here');
    let depth = 0;
    for (let n = this.position; n >= 0; n--) {
      const e = t.event(n);
      if (e.type === 'FrameExited') depth += 1;
      else if (e.type === 'FrameEntered') {
        if (depth === 0) return `before frame ${frame} (${e.name}) is entered\n${this.moveTo(n - 1)}`;
        depth -= 1;
      }
    }
    return 'no call enters this frame in the trace; staying here';
  }

  // -------------------------------------------------------------------------------
  // Moving by instructions (events read, not folded; see the header)

  /** Do `move` n times, as `lines` does; a trace without offsets is refused. */
  private instructions(n: number, move: () => number | undefined, none: string): string {
    const schema = this.timeline.header.schema;
    if (schema < FIRST_OFFSET_SCHEMA) {
      throw usage(
        `this trace has no instruction offsets (its events are of schema ${schema}, written by an older ` +
          `pymemsim; record it again to step by instructions); "step" and "back" move by events`,
      );
    }
    return this.lines(n, move, none);
  }

  /** The frames running after the cursor, outermost first (the innermost is the current frame). */
  private frameChain(): number[] {
    const s = this.current;
    const chain: number[] = [];
    const seen = new Set<number>();
    for (let f = s.frames[s.currentFrame]; f !== undefined && !seen.has(f.id); f = s.frames[f.parent]) {
      chain.unshift(f.id);
      seen.add(f.id);
    }
    return chain;
  }

  /**
   * The first event after the cursor of another instruction than the cursor's (frame
   * and offset); with `overCalls`, only in the cursor's frame or a caller (calls made
   * after the cursor are passed over).
   */
  private nextInstruction(overCalls: boolean): number | undefined {
    const t = this.timeline;
    const chain = this.position >= 0 ? this.frameChain() : [];
    let frame0 = 0;
    let offset0: number | undefined;
    let depth0 = chain.length;
    if (this.position >= 0) {
      const e = t.event(this.position);
      offset0 = e.offset;
      frame0 = frameBefore(e, chain.at(-1) ?? 0);
      if (e.type === 'FrameEntered') depth0 -= 1;
      else if (e.type === 'FrameExited') depth0 += 1;
    }
    // No frame running at the cursor: nexti has no frame to stay in, and steps as stepi.
    if (frame0 === 0) depth0 = Infinity;
    for (let n = this.position + 1; n <= t.last; n++) {
      const e = t.event(n);
      const frame = chain.at(-1) ?? 0;
      if (
        e.offset !== undefined &&
        (frame !== frame0 || e.offset !== offset0) &&
        (!overCalls || chain.length <= depth0)
      ) {
        return n;
      }
      if (e.type === 'FrameEntered') chain.push(e.frame);
      else if (e.type === 'FrameExited') {
        const at = chain.lastIndexOf(e.frame);
        if (at >= 0) chain.splice(at, 1);
      }
    }
    return undefined;
  }

  /**
   * Back to the first event of the instruction before the cursor's: going back, past the
   * events of the cursor's instruction, the run of events of the instruction before it
   * (with `overCalls`, of this frame or a caller, calls it made passed over).
   */
  private previousInstruction(overCalls: boolean): number | undefined {
    const t = this.timeline;
    if (this.position < 0) return undefined;
    // Going back: the frame running after event n, and its depth relative to the cursor's.
    let after = this.current.currentFrame;
    let depthAfter = 0;
    const first = t.event(this.position);
    const current = { frame: frameBefore(first, after), offset: first.offset };
    let cursorDepth = 0;
    let previous: { frame: number; offset: number; depth: number; seq: number } | undefined;
    for (let n = this.position; n >= 0; n--) {
      const e = t.event(n);
      const frame = frameBefore(e, after);
      const depth = depthAfter - (e.type === 'FrameEntered' ? 1 : 0) + (e.type === 'FrameExited' ? 1 : 0);
      after = frame;
      depthAfter = depth;
      if (n === this.position) cursorDepth = depth;
      if (n === this.position || e.offset === undefined) continue;
      if (previous === undefined) {
        if (frame === current.frame && e.offset === current.offset) continue; // still the cursor's instruction
        if (overCalls && depth > cursorDepth) continue; // inside a call the cursor's frame made
        previous = { frame, offset: e.offset, depth, seq: n };
        continue;
      }
      if (overCalls && depth > previous.depth) continue;
      if (frame !== previous.frame || e.offset !== previous.offset) break;
      previous.seq = n;
    }
    return previous?.seq;
  }

  /** The current frame's value stack, top first: each reference's object, type and short repr. */
  private stack(): string {
    const s = this.current;
    const f = s.frames[s.currentFrame];
    if (this.position < 0) return 'no frame is running: before the first event';
    if (f === undefined) return `no frame is running after event ${this.position}`;
    const head = `value stack of frame ${f.id} (${f.name}) after event ${this.position}`;
    if (f.stack.length === 0) return `${head}: empty`;
    const ctx = stateContext(s, objectNames(s));
    const lines = [`${head}, ${f.stack.length} reference${f.stack.length === 1 ? '' : 's'}, top first:`];
    for (let i = f.stack.length - 1; i >= 0; i--) {
      const id = f.stack[i] as number;
      const obj = s.objects[id];
      const what = obj === undefined ? `#${id} (freed)` : `${objectWords(ctx, id)} ${shortRepr(s, id, 1)}`;
      lines.push(`  ${String(f.stack.length - 1 - i).padStart(2)}  ${what}`);
    }
    return lines.join('\n');
  }

  /**
   * The instructions around the cursor's, from the disassembly of the trace's program
   * (its source compiled again: the same compiler gives the same code objects): the code
   * object of the frame that ran the cursor's event, found by its name and the line.
   */
  private disassemble(): string {
    const t = this.timeline;
    const n = this.position;
    if (n < 0) return 'no instruction: before the first event';
    const e = t.event(n);
    if (e.offset === undefined) {
      return t.header.schema < FIRST_OFFSET_SCHEMA
        ? `this trace has no instruction offsets (its events are of schema ${t.header.schema})`
        : `event ${n} comes from no instruction of a running frame (start-up, shutdown, or a call being set up)`;
    }
    const line = t.lineAt(n);
    // The frame that ran the event: the one running before it (a FrameExited's is gone after it).
    const frameId = frameBefore(e, this.current.currentFrame);
    const name = (n > 0 ? t.stateAt(n - 1) : this.current).frames[frameId]?.name;
    this.timeline.goto(n);
    if (name === undefined) return `no frame ran event ${n}`;
    const { path, source } = t.header.program;
    if (this.listing === undefined) {
      const compiled = compileSource(source, path, 'exec');
      this.listing = compiled.code === undefined ? [] : disSections(disassemble(compiled.code));
    }
    const sections = this.listing;
    const found = sections.find(
      (c) => c.name === name && c.rows.some((r) => r.offset === e.offset) && c.lines.has(line),
    );
    if (found === undefined) {
      return `the code of frame ${frameId} (${name}) is not in ${path} (a module it imports?)`;
    }
    const at = found.rows.findIndex((r) => r.offset === e.offset);
    const rows = found.rows.slice(Math.max(0, at - 6), at + 7);
    return [`${found.title}:`, ...rows.map((r) => `${r.offset === e.offset ? '=>' : '  '} ${r.text}`)].join('\n');
  }

  // -------------------------------------------------------------------------------
  // Breakpoints and watches

  private addBreakpoint(arg: string | undefined): string {
    const t = this.timeline;
    const text = arg?.includes(':') === true ? arg.slice(arg.lastIndexOf(':') + 1) : arg;
    const line = Number(text);
    const lines = t.header.program.source.split('\n').length;
    if (text === undefined || !Number.isSafeInteger(line) || line < 1) {
      throw usage('break needs a line number, as in "break 21"');
    }
    if (line > lines) throw usage(`${t.header.program.path} has ${lines} lines`);
    const existing = this.breakpoints.find((b) => b.line === line);
    if (existing !== undefined) return `breakpoint ${existing.number} is already at line ${line}`;
    const b = { number: this.nextBreakpoint++, line };
    this.breakpoints.push(b);
    const code = sourceLine(t, line);
    return `breakpoint ${b.number} at line ${line}${code === '' ? '' : `: ${code}`}`;
  }

  private deleteBreakpoint(arg: string | undefined): string {
    if (arg === undefined) {
      const n = this.breakpoints.length;
      this.breakpoints.length = 0;
      return `deleted ${n} breakpoint${n === 1 ? '' : 's'}`;
    }
    const number = Number(arg);
    const i = this.breakpoints.findIndex((b) => b.number === number);
    if (i < 0) throw usage(`no breakpoint number ${arg}`);
    this.breakpoints.splice(i, 1);
    return `deleted breakpoint ${number}`;
  }

  /**
   * The next (dir 1) or previous (dir -1) event where a breakpoint's line starts or a
   * watched value changes from the state before the event to the state after it.
   */
  private findHit(dir: 1 | -1): { seq: number; changes: string[] } | undefined {
    const t = this.timeline;
    const lines = new Map(this.breakpoints.map((b) => [b.line, b]));
    const atBreakpoint = (e: MemEvent): string | undefined => {
      if (e.type !== 'LineExecuted') return undefined;
      const b = lines.get(e.line);
      return b === undefined ? undefined : `breakpoint ${b.number}, line ${b.line}`;
    };
    if (this.watches.length === 0) {
      // Breakpoints only: read the events.
      for (let n = this.position + dir; dir > 0 ? n <= t.last : n >= 0; n += dir) {
        if (dir < 0 && n === this.position) continue;
        const b = atBreakpoint(t.event(n));
        if (b !== undefined) return { seq: n, changes: [b] };
      }
      return undefined;
    }
    const values = (s: HeapState): string[] => this.watches.map((w) => watchValue(s, w));
    const next = watchedAfter(this.watches);
    if (dir > 0) {
      if (this.position >= t.last) return undefined;
      let before: readonly string[] = values(this.current);
      let changes: string[] = [];
      const seq = t.scan(this.position, t.last, (state, _seq, event) => {
        const after = next(state, event, before);
        changes = after === before ? [] : this.describeChanges(before, after);
        const b = atBreakpoint(event);
        if (b !== undefined) changes.unshift(b);
        before = after;
        return changes.length > 0;
      });
      return seq === undefined ? undefined : { seq, changes };
    }
    // Backward: the last hit before the cursor, in windows of K events, nearest first.
    const K = t.checkpointEvery;
    for (let end = this.position - 1; end >= 0;) {
      const start = Math.max(-1, end - K);
      let before: readonly string[] = values(t.stateAt(start));
      let found: { seq: number; changes: string[] } | undefined;
      t.scan(start, end, (state, seq, event) => {
        const after = next(state, event, before);
        const changes = after === before ? [] : this.describeChanges(before, after);
        const b = atBreakpoint(event);
        if (b !== undefined) changes.unshift(b);
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
      if (before[i] !== after[i]) out.push(`watch ${watchName(w)}: ${before[i] ?? '?'} -> ${after[i] ?? '?'}`);
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

  // -------------------------------------------------------------------------------
  // Looking

  private print(expr: string): string {
    if (expr.trim() === '') throw usage('print what? an object id or a name: "print 512", "print head.next"');
    const s = this.current;
    const found = resolveExpression(s, expr);
    if ('error' in found) {
      return `${found.error} after event ${this.position}`;
    }
    const id = found.id;
    const v = objectView(s, id);
    if (v === undefined) return `#${id} is not alive after event ${this.position}`;
    const obj = s.objects[id];
    const names = objectNames(s);
    const ctx = stateContext(s, names);
    const refs = referrers(s);
    // Named as the program would reach it, or as the user wrote it.
    const typed = /^#?\d+$/.test(expr.trim()) ? undefined : expr.trim();
    const name = names.get(id) ?? typed;
    const lines = [
      `${v.type} #${id}${name === undefined ? '' : ` (${name})`} ${v.repr}`,
      `  refcount ${v.refcount}${v.base > 0 ? ` (${v.base} of them static)` : ''}, ${v.generation}, ${v.size} bytes at ${v.address}`,
    ];
    const held = linksOf(s, id);
    if (held.length > 0) {
      lines.push('  holds:');
      for (const l of held) {
        lines.push(`    ${linkExpression(l.label) ?? 'a key'} -> ${objectWords(ctx, l.to)} ${shortRepr(s, l.to, 1)}`);
      }
    }
    const by = [
      ...(refs.roots.get(id) ?? []).map(rootWords),
      ...(refs.links.get(id) ?? []).map((l) => holderText(ctx, l.owner, l.label)),
    ];
    if (by.length > 0) {
      lines.push('  held by:');
      for (const b of by) lines.push(`    ${b}`);
    }
    if (obj !== undefined && obj.dying) lines.push('  (being deallocated)');
    return lines.join('\n');
  }

  /** The frames, innermost first: `#0  f (frame 2) at line 5: y = [x]`. */
  private backtrace(): string {
    const s = this.current;
    const t = this.timeline;
    if (this.position < 0) return 'no frames: before the first event';
    const chain: { id: number; name: string }[] = [];
    const seen = new Set<number>();
    for (let f = s.frames[s.currentFrame]; f !== undefined && !seen.has(f.id); f = s.frames[f.parent]) {
      chain.push({ id: f.id, name: f.name });
      seen.add(f.id);
    }
    if (chain.length === 0) return `no frames after event ${this.position} (${describeLine(t, s.line)})`;
    const lines = this.frameLines(chain.length);
    return chain.map((f, i) => `#${i}  ${f.name} (frame ${f.id}) at ${describeLine(t, lines[i] ?? 0)}`).join('\n');
  }

  /**
   * The line each of the `depth` innermost frames is at: the last line started in it
   * before the cursor (a caller: the line of its call), read backwards through the
   * events, skipping the calls that returned.
   */
  private frameLines(depth: number): number[] {
    const t = this.timeline;
    const lines: number[] = [];
    let nested = 0;
    let line: number | undefined;
    for (let n = this.position; n >= 0 && lines.length < depth; n--) {
      const e = t.event(n);
      if (e.type === 'LineExecuted' && nested === 0) line ??= e.line;
      else if (e.type === 'FrameExited') nested += 1;
      else if (e.type === 'FrameEntered') {
        if (nested > 0) nested -= 1;
        else {
          // The entry of this frame: its caller is next.
          lines.push(line ?? 0);
          line = undefined;
        }
      }
    }
    if (lines.length < depth) lines.push(line ?? 0);
    return lines;
  }

  private list(arg: string | undefined): string {
    const t = this.timeline;
    const source = t.header.program.source.split('\n');
    if (source.at(-1) === '') source.pop();
    const current = this.position >= 0 ? this.current.line : 0;
    let center = current > 0 ? current : 1;
    if (arg !== undefined) {
      const n = Number(arg.includes(':') ? arg.slice(arg.lastIndexOf(':') + 1) : arg);
      if (!Number.isSafeInteger(n) || n < 1) throw usage('list takes a line number, as in "list 21"');
      center = n;
    }
    const first = Math.max(1, center - 5);
    const last = Math.min(source.length, first + 9);
    if (first > source.length) throw usage(`${t.header.program.path} has ${source.length} lines`);
    const breaks = new Set(this.breakpoints.map((b) => b.line));
    const out: string[] = [];
    for (let n = first; n <= last; n++) {
      const mark = `${n === current ? '=>' : '  '}${breaks.has(n) ? 'b' : ' '}`;
      out.push(`${mark} ${String(n).padStart(4)}  ${source[n - 1] ?? ''}`);
    }
    return out.join('\n');
  }

  private info(what: string | undefined): string {
    const topics = ['breakpoints', 'watch', 'frame', 'locals', 'globals', 'gc', 'heap', 'memory'];
    const topic = what === undefined ? undefined : topics.find((x) => x.startsWith(what));
    const s = this.current;
    switch (topic) {
      case 'breakpoints':
        return [
          this.breakpoints.length === 0
            ? 'no breakpoints'
            : this.breakpoints
                .map((b) => `breakpoint ${b.number} at ${describeLine(this.timeline, b.line)}`)
                .join('\n'),
          this.watch([]),
        ].join('\n');
      case 'watch':
        return this.watch([]);
      case 'frame': {
        const f = s.frames[s.currentFrame];
        if (f === undefined) return `no frame is running after event ${this.position}`;
        const offset = this.timeline.event(this.position).offset;
        return `frame ${f.id} (${f.name})${f.parent !== 0 ? `, called from frame ${f.parent}` : ''}, at ${describeLine(this.timeline, s.line, offset)}`;
      }
      case 'locals': {
        const f = frameViews(s).find((v) => v.id === s.currentFrame);
        if (f === undefined) return 'no frame is running here';
        const names = objectNames(s);
        const ctx = stateContext(s, names);
        // `(code)` and the like are the interpreter's, not the program's.
        const vars = f.vars.filter((v) => !v.name.startsWith('('));
        return vars.length === 0
          ? 'no locals'
          : vars.map((v) => `${v.name} = ${objectWords(ctx, v.id)} ${shortRepr(s, v.id, 1)}`).join('\n');
      }
      case 'globals': {
        const ctx = stateContext(s, objectNames(s));
        const globals = (mainGlobals(s)?.entries ?? []).filter((e) => !e.name.startsWith('__'));
        return globals.length === 0
          ? 'no globals'
          : globals.map((g) => `${g.name} = ${objectWords(ctx, g.id)} ${shortRepr(s, g.id, 1)}`).join('\n');
      }
      case 'gc':
        return this.gc();
      case 'heap':
        return renderHeapReport(heapReport(this.timeline, this.position, s, false)).trimEnd();
      case 'memory':
        return ['memory:', ...renderMemory(memorySummary(s))].join('\n');
      default:
        return `info what? ${topics.join(', ')}`;
    }
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
    const names = objectNames(s);
    const ctx = stateContext(s, names);
    const lines = [
      this.position < 0 ? 'before the first event' : `event ${this.position} of 0 to ${this.timeline.last}`,
    ];
    if (this.position >= 0) lines.push(`  ${dumpLine(this.position, this.timeline.event(this.position))}`);
    lines.push(
      `  at ${describeLine(this.timeline, s.line, this.position >= 0 ? this.timeline.event(this.position).offset : undefined)}`,
    );
    for (const f of framesOf(s)) {
      lines.push(`  frame ${f.id} ${f.name}${f.id === s.currentFrame ? ' (running)' : ''}`);
      for (const v of frameViews(s).find((x) => x.id === f.id)?.vars ?? []) {
        const obj = s.objects[v.id];
        lines.push(
          `    ${v.name} = #${v.id} ${obj === undefined ? '(freed)' : `${obj.pyType} ${shortRepr(s, v.id, 1)} (refcount ${obj.refcount}, ${generationOf(obj)})`}`,
        );
      }
      if (f.stack.length > 0) lines.push(`    stack: ${f.stack.map((id) => objectWords(ctx, id)).join(', ')}`);
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

/** `.next of Node #512 (head)`, `the global head`. */
function holderText(ctx: HolderContext, owner: number, label: string): string {
  if (owner === ctx.globals) {
    const expr = linkExpression(label);
    if (expr !== undefined && expr.startsWith('[')) return `the global ${expr.replace(/^\[['"]?|['"]?\]$/g, '')}`;
  }
  return `${linkExpression(label) ?? 'a key'} of ${objectWords(ctx, owner)}`;
}

/** `watch obj 12`, `watch var x`, and gdb's forms: `watch 12`, `watch #12`, `watch x`. */
function parseWatch(args: readonly string[]): Watch {
  const [kind, what] = args;
  if (kind === 'obj' && what !== undefined) {
    const id = Number(what.replace(/^#/, ''));
    if (!Number.isSafeInteger(id) || id <= 0) throw usage(`${JSON.stringify(what)} is not an object id`);
    return { kind: 'obj', id };
  }
  if (kind === 'var' && what !== undefined) return { kind: 'var', name: what };
  if (kind !== undefined && what === undefined) {
    if (/^#?\d+$/.test(kind)) {
      const id = Number(kind.replace(/^#/, ''));
      if (Number.isSafeInteger(id) && id > 0) return { kind: 'obj', id };
    }
    if (/^[A-Za-z_]\w*$/.test(kind)) return { kind: 'var', name: kind };
  }
  throw usage('watch what? "watch NAME" (a variable), "watch 12" (an object), or "watch var NAME", "watch obj ID"');
}

/** The first event schema whose events carry instruction offsets (EventPosition). */
const FIRST_OFFSET_SCHEMA = 2;

/** The frame running before event `e`, given the frame running after it. */
function frameBefore(e: MemEvent, after: number): number {
  if (e.type === 'FrameEntered') return e.parent ?? 0;
  if (e.type === 'FrameExited') return e.frame;
  return after;
}

/** One code object's part of a `dis` listing: its instruction rows (offset and text) and the lines they start. */
interface DisSection {
  readonly title: string;
  readonly name: string;
  readonly rows: readonly { readonly offset: number; readonly text: string }[];
  readonly lines: ReadonlySet<number>;
}

/** A `dis` listing cut into its code objects (the module's first, then `Disassembly of <code object NAME ...>:`). */
function disSections(text: string): DisSection[] {
  const out: { title: string; name: string; rows: { offset: number; text: string }[]; lines: Set<number> }[] = [];
  let current = {
    title: 'the module <module>',
    name: '<module>',
    rows: [] as { offset: number; text: string }[],
    lines: new Set<number>(),
  };
  out.push(current);
  let line = 0;
  for (const row of text.split('\n')) {
    const head = /^Disassembly of <code object (.+) at 0x[0-9a-f]+, file .*, line \d+>:$/.exec(row);
    if (head !== null) {
      current = { title: row.slice(0, -1), name: head[1] ?? '', rows: [], lines: new Set() };
      out.push(current);
      line = 0;
      continue;
    }
    const m = /^\s*(\d+)?\s+(?:>>)?\s*(\d+) [A-Z]/.exec(row);
    if (m === null) continue;
    if (m[1] !== undefined) line = Number(m[1]);
    current.lines.add(line);
    current.rows.push({ offset: Number(m[2]), text: row });
  }
  return out;
}

function count(arg: string | undefined): number {
  if (arg === undefined) return 1;
  const n = Number(arg);
  if (!Number.isSafeInteger(n) || n < 1) throw usage(`${JSON.stringify(arg)} is not a positive number`);
  return n;
}

const usage = (message: string): UserError => new UserError('CLI_USAGE', message);

/** The holder form used in listings (re-exported for tests). */
export { formatHolder };
