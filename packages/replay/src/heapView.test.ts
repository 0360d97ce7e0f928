/*
 * programObjects and mainGlobals take shortcuts (the modules in sys.modules first;
 * garbage found from the collector's lists first): on every event of every golden
 * trace they answer what the plain definitions answer.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { liveIds, type HeapState } from '@pymemsim/core';
import { describe, expect, it } from 'vitest';
import { framesOf, mainGlobals, programObjects, referrers } from './heapView.js';
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
});

/** Some live object no root reaches. */
function hasGarbage(state: HeapState): boolean {
  const reachable = new Set<number>();
  const stack = [...referrers(state).roots.keys()];
  while (stack.length > 0) {
    const id = stack.pop() as number;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const r of state.objects[id]?.refs ?? []) stack.push(r.to);
  }
  return liveIds(state).some((id) => !reachable.has(id));
}
