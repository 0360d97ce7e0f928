/*
 * `pymemsim view TRACE --html out.html`: one self-contained file that works offline.
 * The built page's script and style are inlined, and so are the answers the page would
 * ask the server for: the state after every event, the history of every object, "why
 * alive" for every object drawn at every event, and the line steps. Answers repeated
 * from one event to the next are kept once (a table of JSON texts, referred to by
 * index). Only short traces fit: MAX_HTML_EVENTS at most.
 */
import { closeSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@pymemsim/core';
import { dumpLine, eventObjectIds } from '@pymemsim/replay';
import { pageDirectory, type InlineData, type MoveKind, type MoveResult } from '@pymemsim/viewer';
import { NO_LINE, stayingHere } from '../commands/debug.js';
import { requirePage } from './server.js';
import type { ViewModel } from './model.js';

/** The longest trace whose states are inlined. */
export const MAX_HTML_EVENTS = 20_000;

/** Objects drawn at each event in the file (all of the program's up to this many). */
const HTML_OBJECT_LIMIT = 400;

/** A UserError when the trace is too long to inline. */
function checkLength(model: ViewModel): void {
  const t = model.timeline;
  if (t.length > MAX_HTML_EVENTS) {
    throw new UserError(
      'CLI_USAGE',
      `${t.name} has ${t.length} events: --html inlines every state, so it takes traces of at most ${MAX_HTML_EVENTS} events; open this one with \`pymemsim view\``,
    );
  }
}

export function inlineData(model: ViewModel): InlineData {
  checkLength(model);
  const t = model.timeline;
  const table: string[] = [];
  const indexes = new Map<string, number>();
  const keep = (value: unknown): number => {
    const text = JSON.stringify(value);
    let i = indexes.get(text);
    if (i === undefined) {
      i = table.length;
      table.push(text);
      indexes.set(text, i);
    }
    return i;
  };
  const summary = model.completeSummary();
  // Every object's history and "why" is asked for below: their events are found in one pass.
  t.keepOccurrences(t.objectIds());
  const states: number[] = [];
  const whys: Record<string, number> = {};
  const moves: Record<string, number> = {};
  const named = new Set<number>();
  // The refcount of each object after each event naming it, for the histories: read on
  // the way through the events rather than by a seek per entry.
  const refcounts = new Map<number, Map<number, number | null>>();
  for (let at = -1; at <= t.last; at++) {
    const drawn = model.state(at, HTML_OBJECT_LIMIT);
    // A file has no server to ask the counts of a large heap later: they are inlined.
    const counts = drawn.folded === null ? model.counts(at, HTML_OBJECT_LIMIT) : undefined;
    const state =
      counts === undefined
        ? drawn
        : { ...drawn, folded: counts.folded, hidden: counts.hidden, interpreter: counts.interpreter };
    states.push(keep(state));
    if (at >= 0) {
      const heap = t.stateAt(at);
      eventObjectIds(t.event(at), (id) => {
        let known = refcounts.get(id);
        if (known === undefined) refcounts.set(id, (known = new Map<number, number | null>()));
        known.set(at, heap.objects[id]?.refcount ?? null);
      });
    }
    const ids = new Set(state.objects.map((o) => o.id));
    for (const f of state.frames) for (const v of f.vars) ids.add(v.id);
    for (const g of state.globals) ids.add(g.id);
    for (const id of ids) {
      named.add(id);
      if (at < 0) continue;
      const { at: _at, ...why } = model.why(id, at);
      whys[`${id}@${at}`] = keep(why);
    }
  }
  for (const [key, move] of lineMoves(model)) moves[key] = keep(move);
  const histories: Record<string, number> = {};
  for (const id of t.objectIds()) {
    if (!named.has(id)) continue;
    histories[String(id)] = keep(model.history(id, Number.POSITIVE_INFINITY, refcounts.get(id)));
    if (t.length > 0) {
      const { at: _at, ...why } = model.why(id, t.last);
      if (!why.alive) whys[`${id}@last`] = keep(why);
    }
  }
  return { trace: model.info(), summary, table, states, histories, whys, moves };
}

/**
 * The line steps from every event (and -1), by `${how}@${at}`: where the debugger's
 * next-line and prev-line land, found from the line starts (asking the debugger at each
 * event would fold back and forth); where it finds no line, it stays, in its words.
 */
export function lineMoves(model: ViewModel): Map<string, MoveResult> {
  const t = model.timeline;
  const moves = new Map<string, MoveResult>();
  for (const [at, step] of lineSteps(model)) {
    for (const how of ['next-line', 'prev-line'] as const satisfies readonly MoveKind[]) {
      const seq = step[how];
      moves.set(
        `${how}@${at}`,
        seq === null
          ? { seq: null, message: stayingHere(NO_LINE[how], at) }
          : { seq, message: dumpLine(seq, t.event(seq)) },
      );
    }
  }
  return moves;
}

/**
 * For every event (and -1), where `debug`'s next-line (the next LineExecuted after it) and
 * prev-line (the LineExecuted before the one that started its line) land; null where
 * the debugger finds none.
 */
export function lineSteps(model: ViewModel): Map<number, Record<'next-line' | 'prev-line', number | null>> {
  const t = model.timeline;
  const starts: number[] = [];
  for (const [seq, event] of t.events()) if (event.type === 'LineExecuted') starts.push(seq);
  const out = new Map<number, Record<'next-line' | 'prev-line', number | null>>();
  let k = 0; // starts[k - 1] <= at < starts[k]
  for (let at = -1; at <= t.last; at++) {
    while (k < starts.length && (starts[k] as number) <= at) k++;
    const next = starts[k] ?? null;
    // The start of this line is starts[k - 1]; the line before it starts at starts[k - 2].
    const prev = at < 0 || k < 2 ? null : (starts[k - 2] as number);
    out.set(at, { 'next-line': next, 'prev-line': prev });
  }
  return out;
}

/** The page with its script, style and the trace's answers inlined. */
export function renderHtml(model: ViewModel): string {
  const index = requirePage();
  const dir = pageDirectory();
  let html = readFileSync(index, 'utf8');
  const assets = join(dir, 'assets');
  const files = readdirSync(assets);
  const read = (name: string): string => readFileSync(join(assets, name), 'utf8');
  // <script type="module" crossorigin src="./assets/index-X.js"></script>
  html = html.replace(
    /<script([^>]*?) src="[^"]*assets\/([^"]+\.js)"><\/script>/g,
    (_m, attrs: string, name: string) => {
      if (!files.includes(name))
        throw new UserError('FILE_NOT_FOUND', `the viewer's page is incomplete: ${name} is missing`);
      const code = read(name).replace(/<\/(script)/gi, '<\\/$1');
      return `<script${attrs.replace(/\s*crossorigin/, '')}>${code}</script>`;
    },
  );
  html = html.replace(/<link([^>]*?) href="[^"]*assets\/([^"]+\.css)">/g, (_m, _attrs: string, name: string) => {
    if (!files.includes(name))
      throw new UserError('FILE_NOT_FOUND', `the viewer's page is incomplete: ${name} is missing`);
    return `<style>${read(name).replace(/<\/(style)/gi, '<\\/$1')}</style>`;
  });
  const data = JSON.stringify(inlineData(model)).replace(/</g, '\\u003c');
  return html.replace('</head>', `<script id="pymemsim-data" type="application/json">${data}</script>\n</head>`);
}

export function writeHtml(model: ViewModel, path: string): number {
  // The file is opened first: a path that cannot be written fails before the work.
  checkLength(model);
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (cause) {
    throw new UserError(
      'FILE_WRITE',
      `${path}: cannot write (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      {
        cause,
      },
    );
  }
  try {
    const html = renderHtml(model);
    writeFileSync(fd, html);
    return html.length;
  } catch (error) {
    rmSync(path, { force: true });
    throw error;
  } finally {
    closeSync(fd);
  }
}
