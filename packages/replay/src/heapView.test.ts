/*
 * programObjects and mainGlobals take shortcuts (the modules in sys.modules first;
 * garbage found from the collector's lists first): on every event of every golden
 * trace they answer what the plain definitions answer.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { liveIds, type HeapState } from '@pymemsim/core';
import { describe, expect, it } from 'vitest';
import { framesOf, interpreterRef, mainGlobals, programObjects, referrers } from './heapView.js';
import { Timeline } from './timeline.js';

const TRACES = join(import.meta.dirname, '..', '..', '..', 'traces');

/** The definition: reachable from the frames and __main__'s globals, then every live object no root reaches. */
function plainProgramObjects(state: HeapState): Set<number> {
  const shown = new Set<number>();
  const visit = (start: number[]): void => {
    const stack = [...start];
    while (stack.length > 0) {
      const id = stack.pop() as number;
      const obj = state.objects[id];
      if (shown.has(id) || obj === undefined) continue;
      shown.add(id);
      if (obj.kind === 'module') continue;
      for (const r of obj.refs) if (r.slot !== '__globals__' && r.slot !== '__builtins__') stack.push(r.to);
    }
  };
  const start: number[] = [];
  for (const f of framesOf(state)) {
    for (const name of f.varOrder) if (f.vars[name] !== undefined) start.push(f.vars[name]);
    start.push(...f.stack, ...f.displaced.map((d) => d.id));
  }
  for (const e of mainGlobals(state)?.entries ?? []) if (!e.name.startsWith('__')) start.push(e.id);
  visit(start);
  const reachable = new Set<number>();
  const stack = [...referrers(state).roots.keys()];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const r of state.objects[id]?.refs ?? []) stack.push(r.to);
  }
  visit(liveIds(state).filter((id) => !reachable.has(id)));
  return shown;
}

describe('programObjects', () => {
  it.each(readdirSync(TRACES).sort())(
    '%s: the same objects as the plain definition, at every event',
    (name) => {
      const path = join(TRACES, name, 'trace.pmt');
      const timeline = Timeline.open(readFileSync(path), path);
      let unreachable = 0;
      for (let at = -1; at <= timeline.last; at++) {
        const state = timeline.stateAt(at);
        const fast = programObjects(state);
        expect(fast).toEqual(plainProgramObjects(state));
        if (plainProgramObjects(state).size > 0 && state.gc.collecting < 0 && hasGarbage(state)) unreachable += 1;
        const main = mainGlobals(state);
        if (main !== undefined) expect(state.objects[main.module]?.kind).toBe('module');
      }
      // The cycle traces reach states with garbage waiting for the collector (the shortcut's case).
      if (name === 'cycle' || name === 'demo') expect(unreachable).toBeGreaterThan(0);
    },
    60_000,
  );

  it.each(readdirSync(TRACES).sort())(
    "%s: with a limit, the objects the program's names hold come first, then the nearest ones",
    (name) => {
      const path = join(TRACES, name, 'trace.pmt');
      const timeline = Timeline.open(readFileSync(path), path);
      let checked = 0;
      let internals = 0;
      for (let at = -1; at <= timeline.last; at += 7) {
        const state = timeline.stateAt(at);
        // The objects the variables of every frame and __main__'s globals are bound to
        // (not what a frame holds for the interpreter: its function, code, locals).
        const named = new Set<number>();
        for (const f of framesOf(state)) {
          for (const v of f.varOrder) {
            const id = f.vars[v];
            if (!v.startsWith('(') && id !== undefined && state.objects[id] !== undefined) named.add(id);
          }
        }
        for (const e of mainGlobals(state)?.entries ?? []) if (!e.name.startsWith('__')) named.add(e.id);
        if (named.size === 0) continue;
        expect(programObjects(state, undefined, named.size)).toEqual(named);
        // Then breadth first through the program's own references, from the names and the
        // frames' evaluation-stack temporaries: the distance from them never decreases
        // along the walk, and every object at a distance comes first. Then garbage (no root
        // reaches it), then the interpreter's part from walk.interpreterFrom: what the
        // program reaches only through the interpreter's references (code objects, name
        // strings) and what frames hold for the interpreter.
        const distance = new Map<number, number>();
        const queue = [...named];
        for (const f of framesOf(state)) queue.push(...f.stack, ...f.displaced.map((d) => d.id));
        for (const id of queue) distance.set(id, 0);
        for (let head = 0; head < queue.length; head++) {
          const obj = state.objects[queue[head] as number];
          if (obj === undefined || obj.kind === 'module') continue;
          for (const r of obj.refs) {
            if (r === undefined || r.slot === '__globals__' || r.slot === '__builtins__') continue;
            if (interpreterRef(state, obj, r)) continue;
            if (distance.has(r.to) || state.objects[r.to] === undefined) continue;
            distance.set(r.to, (distance.get(queue[head] as number) as number) + 1);
            queue.push(r.to);
          }
        }
        const walk = { complete: true, interpreterFrom: 0 };
        const all = [...programObjects(state, undefined, Infinity, walk)];
        const order = all.map((id) => distance.get(id));
        const near = order.findIndex((d) => d === undefined);
        const prefix = near < 0 ? order : order.slice(0, near);
        expect(prefix.length).toBe([...distance.keys()].filter((id) => state.objects[id] !== undefined).length);
        for (let i = 1; i < prefix.length; i++)
          expect(prefix[i] as number).toBeGreaterThanOrEqual(prefix[i - 1] as number);
        expect(walk.interpreterFrom).toBeGreaterThanOrEqual(prefix.length);
        expect(walk.interpreterFrom).toBeLessThanOrEqual(all.length);
        const reachable = reachableIds(state);
        // Garbage: it starts at an object no root reaches (what it then holds may be reachable).
        const garbage = all.slice(prefix.length, walk.interpreterFrom);
        if (garbage.length > 0) expect(reachable.has(garbage[0] as number)).toBe(false);
        if (walk.interpreterFrom < all.length) internals += 1;
        checked += 1;
      }
      expect(checked).toBeGreaterThan(0);
      // Every golden program defines a function or holds a code object in its frames.
      expect(internals).toBeGreaterThan(0);
    },
    60_000,
  );

  it.each(readdirSync(TRACES).sort())(
    '%s: a walk with a limit is the start of the whole walk, garbage included',
    (name) => {
      const path = join(TRACES, name, 'trace.pmt');
      const timeline = Timeline.open(readFileSync(path), path);
      let withGarbage = 0;
      for (let at = -1; at <= timeline.last; at += 11) {
        const state = timeline.stateAt(at);
        const whole = { complete: true, interpreterFrom: 0 };
        const all = [...programObjects(state, undefined, Infinity, whole)];
        if (reachableIds(state).size < state.live) withGarbage += 1;
        for (const limit of [0, 1, 7, 30, 60, all.length - 1, all.length]) {
          if (limit < 0) continue;
          const walk = { complete: true, interpreterFrom: 0 };
          expect([...programObjects(state, undefined, limit, walk)]).toEqual(all.slice(0, limit));
          expect(walk.complete).toBe(limit >= all.length);
        }
      }
      if (name === 'cycle' || name === 'demo') expect(withGarbage).toBeGreaterThan(0);
    },
    60_000,
  );

  it("the interpreter's references are a code object's, a function's name and code, a class's bases, str keys", () => {
    const path = join(TRACES, 'demo', 'trace.pmt');
    const timeline = Timeline.open(readFileSync(path), path);
    const kinds = new Map<string, Set<string>>();
    for (let at = 0; at <= timeline.last; at += 97) {
      const state = timeline.stateAt(at);
      for (const id of liveIds(state)) {
        const obj = state.objects[id];
        if (obj === undefined) continue;
        for (const r of obj.refs) {
          if (r === undefined) continue;
          const key = `${obj.kind} ${interpreterRef(state, obj, r) ? 'interpreter' : 'program'}`;
          const slots = kinds.get(key) ?? new Set<string>();
          slots.add(r.slot === 'key' ? `key:${state.objects[r.to]?.pyType}` : r.slot.replace(/\[.*\]/, '[]'));
          kinds.set(key, slots);
        }
      }
    }
    expect(kinds.get('code program')).toBeUndefined();
    expect([...(kinds.get('function interpreter') ?? [])].sort()).toEqual(
      expect.arrayContaining(['__code__', '__name__', '__qualname__']),
    );
    expect(kinds.get('function program') ?? new Set()).not.toContain('__code__');
    expect(kinds.get('dict interpreter')).toContain('key:str');
    expect(kinds.get('dict program') ?? new Set()).not.toContain('key:str');
  });
});

/** The objects a root reaches. */
function reachableIds(state: HeapState): Set<number> {
  const reachable = new Set<number>();
  const stack = [...referrers(state).roots.keys()];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const r of state.objects[id]?.refs ?? []) stack.push(r.to);
  }
  return reachable;
}

/** Some live object no root reaches. */
function hasGarbage(state: HeapState): boolean {
  const reachable = reachableIds(state);
  return liveIds(state).some((id) => !reachable.has(id));
}
