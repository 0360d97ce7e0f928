/*
 * `pymemsim why T --obj ID [--at N]`: why an object is alive after event N (default:
 * the last), or why it is not.
 *
 * Alive: the shortest chains of references from the roots (frame variables, stack
 * temporaries, interpreter roots) to the object, each link labelled with its slot
 * (`[2]`, `.x`, `["k"]`), then every reference held to it directly. No chain means only
 * unreachable objects keep it: a garbage cycle waiting for the collector.
 *
 * Freed: the event that freed it, the decref that brought its count to zero (with its
 * holder and source line), why that holder let go (its own deallocation, or the
 * collector clearing it), and the collection it happened in, if any.
 */
import { UserError, type HeapState, type MemEvent } from '@pymemsim/core';
import {
  holderWords,
  linkExpression,
  objectNames,
  objectWords,
  referrerChains,
  referrers,
  shortRepr,
  stateContext,
  type Chain,
  type HolderContext,
  type RootHolder,
  type Timeline,
} from '@pymemsim/replay';
import type { Io } from '../io.js';
import { resolveObj, type AtSpec, type ObjSpec } from './at.js';
import { describeLine, moment, openTimeline, printJson, withProgress } from './common.js';
import { stateWithProgress } from './inspect.js';
import { timelineContext } from './words.js';

export interface WhyOptions {
  /** An object id, or a variable name resolved at --at. */
  readonly obj: ObjSpec;
  readonly at?: AtSpec | number;
  readonly last?: boolean;
  readonly json?: boolean;
  /** Chains to show at most (default 8). */
  readonly max?: number;
}

interface Step {
  readonly seq: number;
  readonly line: string;
  readonly what: string;
}

export function whyCommand(path: string, options: WhyOptions, io: Io): number {
  return whyOnTimeline(openTimeline(path, io), options, io);
}

/**
 * What the answer for a live object derives from the whole state at one event (who refers
 * to whom, the names code reaches objects by), kept for the next object asked about at
 * the same event: the viewer asks about many objects at one event.
 */
export interface WhyMemo {
  state?: HeapState;
  at?: number;
  refs?: ReturnType<typeof referrers>;
  names?: ReturnType<typeof objectNames>;
  ctx?: HolderContext;
}

/**
 * The `why --json` answer for a trace already open (the viewer's server asks it); `memo`
 * keeps the work shared by the objects of one event between calls.
 */
export function whyAnswer(timeline: Timeline, options: Omit<WhyOptions, 'json'>, memo?: WhyMemo): unknown {
  let answer: unknown;
  const io: Io = {
    out: () => undefined,
    err: () => undefined,
    json: (value) => {
      answer = value;
    },
    readText: () => '',
    errIsTty: false,
  };
  whyOnTimeline(timeline, { ...options, json: true }, io, memo);
  return answer;
}

function whyOnTimeline(timeline: Timeline, options: WhyOptions, io: Io, memo: WhyMemo = {}): number {
  const path = timeline.name;
  const when = moment(timeline, options.at, options.last, io);
  const at = when.seq;
  const id =
    typeof options.obj === 'number'
      ? options.obj
      : resolveObj(options.obj, stateWithProgress(timeline, at, io), when.what);
  const occurrences = withProgress(io, 'indexing', timeline.length, (p) => timeline.occurrences(id, p));
  const firstSeq = occurrences[0]?.seq;
  if (firstSeq === undefined) {
    throw new UserError('CLI_USAGE', `no event of ${path} names object #${id}`);
  }
  withProgress(io, 'reading lines', timeline.length, (progress) => timeline.lineIndex(progress));
  const step = (seq: number, what: string): Step => ({
    seq,
    line: describeLine(timeline, timeline.lineAt(seq)),
    what,
  });
  if (at < firstSeq) {
    const result = { trace: path, object: id, at, alive: false, allocated: step(firstSeq, 'allocated') };
    if (options.json === true) printJson(io, result);
    else
      io.out(
        `${path}: object #${id} does not exist yet ${when.what}: it is allocated at event ${firstSeq} (${result.allocated.line})\n`,
      );
    return 0;
  }
  const state = stateWithProgress(timeline, at, io);
  if (state.objects[id] !== undefined)
    return explainAlive(timeline, state, at, when.what, { ...options, obj: id }, io, memo);
  return explainFreed(timeline, at, when.what, id, options, io, step);
}

/** A root holder in words. */
export function rootWords(r: RootHolder): string {
  switch (r.kind) {
    case 'frame':
      return `variable ${r.name} of frame ${r.frame} (${r.frameName})`;
    case 'stack':
      return `a temporary on the stack of frame ${r.frame} (${r.frameName})`;
    case 'root':
      return `the interpreter (${r.name})`;
  }
}

/**
 * A chain as a Python programmer reads it: from a variable, the expression that reaches
 * the object and the objects on the way (`head.next  (Node #510 -> Node #512)`); from any
 * other root, the root in words and each link (`the interpreter (sys.modules) -> module
 * #480 .__dict__ -> ...`). A chain through the globals of `__main__` starts at the global.
 */
export function chainWords(state: HeapState, chain: Chain, ctx: HolderContext): string {
  const type = (id: number): string => `${state.objects[id]?.pyType ?? 'object'} #${id}`;
  // Through the globals dict: start at the global it holds.
  let start: string | undefined;
  let first = chain.first;
  let links = chain.links;
  const g = links.findIndex((l) => l.owner === ctx.globals && linkExpression(l.label)?.startsWith('[') === true);
  if (g >= 0) {
    const l = links[g];
    if (l !== undefined) {
      start = (linkExpression(l.label) ?? '').replace(/^\[['"]?|['"]?\]$/g, '');
      first = l.to;
      links = links.slice(g + 1);
    }
  } else if (chain.root.kind === 'frame') {
    start = chain.root.name;
  }
  if (start !== undefined) {
    const expr = start + links.map((l) => linkExpression(l.label) ?? ' (a key)').join('');
    const objects = [first, ...links.map((l) => l.to)].map(type);
    const origin =
      g >= 0 || chain.root.kind !== 'frame'
        ? `the global ${start}`
        : `variable ${start} of frame ${chain.root.frame} (${chain.root.frameName})`;
    return links.length === 0 ? origin : `${expr}  (${origin}: ${objects.join(' -> ')})`;
  }
  let out = `${rootWords(chain.root)} -> ${objectWords(ctx, chain.first)}`;
  for (const link of chain.links) out += ` ${link.label} -> ${objectWords(ctx, link.to)}`;
  return out;
}

function explainAlive(
  timeline: Timeline,
  state: HeapState,
  at: number,
  when: string,
  options: WhyOptions & { obj: number },
  io: Io,
  memo: WhyMemo,
): number {
  const id = options.obj;
  const obj = state.objects[id];
  if (obj === undefined) return 1;
  // The same state object at the same event has the same contents: what was derived from it holds.
  if (memo.state !== state || memo.at !== at || memo.refs === undefined) {
    const names = objectNames(state);
    Object.assign(memo, { state, at, refs: referrers(state), names, ctx: stateContext(state, names) });
  }
  const refs = memo.refs as ReturnType<typeof referrers>;
  const names = memo.names as ReturnType<typeof objectNames>;
  const ctx = memo.ctx as HolderContext;
  // Chains that read the same (through the globals of __main__, which many roots reach:
  // sys.modules, the module's frame, each function's __globals__) are said once.
  const max = options.max ?? 8;
  const said = new Set<string>();
  const chains: { chain: Chain; text: string }[] = [];
  for (const chain of referrerChains(state, id, max * 4, refs)) {
    const text = chainWords(state, chain, ctx);
    if (said.has(text)) continue;
    said.add(text);
    if (chains.length < max) chains.push({ chain, text });
  }
  const direct = [
    ...(refs.roots.get(id) ?? []).map((r) => rootWords(r)),
    ...(refs.links.get(id) ?? []).map((l) =>
      holderWords({ kind: 'object', owner: l.owner as never, slot: /^\[\d+\]$/.test(l.label) ? l.label : l.slot }, ctx),
    ),
  ];
  const where = describeLine(timeline, state.line);
  const name = names.get(id);
  if (options.json === true) {
    printJson(io, {
      trace: timeline.name,
      object: id,
      at,
      when,
      line: state.line,
      alive: true,
      type: obj.pyType,
      name: name ?? null,
      repr: shortRepr(state, id),
      refcount: obj.refcount,
      base: obj.base,
      chains: chains.map(({ chain: c, text }) => ({ root: c.root, first: c.first, links: c.links, text })),
      referrers: direct,
    });
    return 0;
  }
  const out: string[] = [];
  out.push(`${timeline.name}: ${objectWords(ctx, id)} ${shortRepr(state, id)} is alive ${when}`);
  out.push(`  ${where}; refcount ${obj.refcount}`);
  if (chains.length > 0) {
    out.push(
      `kept alive by ${chains.length === 1 ? 'this chain' : `these ${chains.length} chains`} of references from the roots:`,
    );
    chains.forEach((c, i) => out.push(`  ${i + 1}. ${c.text}`));
  } else {
    out.push(
      'no chain of references from a root reaches it: only unreachable objects keep it alive ' +
        '(a reference cycle that the cyclic collector will free)',
    );
  }
  out.push(`references to it (${direct.length}${obj.base > 0 ? ` + ${obj.base} not held by anything modelled` : ''}):`);
  for (const d of direct) out.push(`  ${d}`);
  if (obj.base > 0) {
    out.push(`  (${obj.base} references belong to no modelled holder: a static object's count starts there, RC-8)`);
  }
  io.out(out.join('\n') + '\n');
  return 0;
}

function explainFreed(
  timeline: Timeline,
  at: number,
  when: string,
  id: number,
  options: WhyOptions,
  io: Io,
  step: (seq: number, what: string) => Step,
): number {
  const ctx = timelineContext(timeline);
  const occurrences = timeline.occurrences(id).filter((o) => o.seq <= at);
  const subject = (type: string): number | undefined =>
    occurrences.filter((o) => o.role === 'subject' && timeline.event(o.seq).type === type).at(-1)?.seq;
  const freed = subject('ObjectFreed');
  const steps: Step[] = [];
  const allocation = subject('ObjectAllocated');
  const allocated = allocation === undefined ? undefined : timeline.event(allocation);
  const allocatedAs =
    allocated?.type === 'ObjectAllocated'
      ? `${allocated.pyType} #${id}${allocated.repr === '' ? '' : ` ${allocated.repr}`}`
      : `#${id}`;
  if (freed === undefined) {
    throw new UserError('CLI_USAGE', `object #${id} is not alive ${when}, but no event of ${timeline.name} frees it`);
  }
  const dealloc = subject('DeallocStarted');
  const decref = occurrences
    .filter((o) => o.role === 'subject' && o.seq < (dealloc ?? freed))
    .map((o) => o.seq)
    .reverse()
    .find((seq) => timeline.event(seq).type === 'RefDecremented');
  steps.push(step(freed, `freed (${formatFreed(timeline.event(freed))})`));
  if (decref !== undefined) {
    const e = timeline.event(decref);
    const holder = e.type === 'RefDecremented' ? e.holder : undefined;
    steps.push(
      step(
        decref,
        `its count reached 0: the reference held by ${holder === undefined ? '?' : holderWords(holder, ctx)} was dropped`,
      ),
    );
    if (holder?.kind === 'object') {
      const reason = whyHolderLetGo(timeline, holder.owner, decref);
      if (reason !== undefined) steps.push(reason(step));
    }
    const gc = enclosingCollection(timeline, decref);
    if (gc !== undefined) {
      const g = timeline.event(gc);
      const what =
        g.type === 'GcStarted'
          ? `during the generation ${g.generation} collection (${g.reason})`
          : 'during a collection';
      steps.push(step(gc, what));
    }
  }
  const cleared = subject('GcObjectCleared');
  if (cleared !== undefined)
    steps.push(step(cleared, 'the collector cleared it (tp_clear dropped the references it held)'));
  const unreachable = occurrences.filter((o) => timeline.event(o.seq).type === 'GcUnreachableFound').at(-1);
  if (unreachable !== undefined)
    steps.push(step(unreachable.seq, 'the collector found it unreachable (part of a garbage cycle)'));
  steps.sort((a, b) => b.seq - a.seq);
  if (options.json === true) {
    printJson(io, { trace: timeline.name, object: id, at, alive: false, freedAt: freed, steps });
    return 0;
  }
  const out = [`${timeline.name}: ${allocatedAs} is not alive ${when}: it was freed at event ${freed}`];
  for (const s of steps) out.push(`  ${String(s.seq).padStart(6, '0')} ${s.what}  (${s.line})`);
  io.out(out.join('\n') + '\n');
  return 0;
}

function formatFreed(e: MemEvent): string {
  return e.type === 'ObjectFreed' ? `memory to the ${e.to}` : e.type;
}

/** Why object `owner` dropped a reference at event `seq`: its deallocation, or the collector clearing it. */
function whyHolderLetGo(
  timeline: Timeline,
  owner: number,
  seq: number,
): ((step: (seq: number, what: string) => Step) => Step) | undefined {
  const before = timeline.occurrences(owner).filter((o) => o.seq < seq && o.role === 'subject');
  const what = objectWords(timelineContext(timeline), owner);
  for (let i = before.length - 1; i >= 0; i--) {
    const o = before[i];
    if (o === undefined) continue;
    const e = timeline.event(o.seq);
    if (e.type === 'DeallocStarted')
      return (step) => step(o.seq, `${what} dropped it because it was being deallocated`);
    if (e.type === 'GcObjectCleared')
      return (step) => step(o.seq, `${what} dropped it because the collector cleared it (tp_clear)`);
    if (e.type === 'ObjectAllocated' || e.type === 'RefDecremented' || e.type === 'RefIncremented') break;
  }
  return undefined;
}

/** The GcStarted of the collection running at event `seq`, if one is. */
function enclosingCollection(timeline: Timeline, seq: number): number | undefined {
  if (timeline.stateAt(seq).gc.collecting < 0) return undefined;
  let depth = 0;
  for (let n = seq; n >= 0; n--) {
    const e = timeline.event(n);
    if (e.type === 'GcFinished') depth += 1;
    else if (e.type === 'GcStarted') {
      if (depth === 0) return n;
      depth -= 1;
    }
  }
  return undefined;
}
