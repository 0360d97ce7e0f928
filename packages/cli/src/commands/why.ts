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
import { UserError, formatHolder, type HeapState, type MemEvent } from '@pymemsim/core';
import {
  formatChain,
  formatRoot,
  objectLabel,
  referrerChains,
  referrers,
  shortRepr,
  type Link,
  type Referrers,
  type RootHolder,
  type Timeline,
} from '@pymemsim/replay';
import type { Io } from '../io.js';
import { describeLine, openTimeline, printJson, resolveAt, withProgress } from './common.js';
import { stateWithProgress } from './inspect.js';

export interface WhyOptions {
  readonly obj: number;
  readonly at?: number;
  readonly json?: boolean;
  /** Chains to show at most (default 8). */
  readonly max?: number;
}

export interface Step {
  readonly seq: number;
  readonly line: string;
  readonly what: string;
}

/** Why an object is alive after an event, or what freed it: the answer as data (`why --json`, the viewer). */
export type WhyReport =
  | {
      readonly trace: string;
      readonly object: number;
      readonly at: number;
      readonly alive: false;
      readonly allocated: Step;
    }
  | {
      readonly trace: string;
      readonly object: number;
      readonly at: number;
      readonly line: number;
      readonly alive: true;
      readonly type: string;
      readonly repr: string;
      readonly refcount: number;
      readonly base: number;
      readonly chains: readonly {
        readonly root: RootHolder;
        readonly first: number;
        readonly links: readonly Link[];
        readonly text: string;
      }[];
      readonly referrers: readonly string[];
    }
  | {
      readonly trace: string;
      readonly object: number;
      readonly at: number;
      readonly alive: false;
      readonly freedAt: number;
      readonly steps: readonly Step[];
      /** `#12 list [1, 2]`: the object as it was allocated (for the text). */
      readonly allocatedAs: string;
    };

export function whyCommand(path: string, options: WhyOptions, io: Io): number {
  const timeline = openTimeline(path, io);
  const at = resolveAt(timeline, options.at);
  const id = options.obj;
  withProgress(io, 'indexing', timeline.length, (p) => timeline.occurrences(id, p));
  if (timeline.occurrences(id).length > 0) stateWithProgress(timeline, at, io);
  const report = whyReport(timeline, id, at, options.max);
  if (options.json === true) {
    if ('allocatedAs' in report) {
      const { allocatedAs: _text, ...json } = report;
      printJson(io, json);
    } else printJson(io, report);
  } else io.out(renderWhy(timeline, report));
  return 0;
}

/**
 * Why object `id` is alive after event `at`, or why not; a UserError when no event names
 * it. `given`: the referrers of the state after `at`, when the caller has them already.
 */
export function whyReport(timeline: Timeline, id: number, at: number, max = 8, given?: Referrers): WhyReport {
  const occurrences = timeline.occurrences(id);
  const firstSeq = occurrences[0]?.seq;
  if (firstSeq === undefined) {
    throw new UserError('CLI_USAGE', `no event of ${timeline.name} names object #${id}`);
  }
  const step = (seq: number, what: string): Step => ({
    seq,
    line: describeLine(timeline, timeline.lineAt(seq)),
    what,
  });
  if (at < firstSeq) {
    return { trace: timeline.name, object: id, at, alive: false, allocated: step(firstSeq, 'allocated') };
  }
  const state = timeline.stateAt(at);
  if (state.objects[id] !== undefined) return explainAlive(timeline, state, id, at, max, given);
  return explainFreed(timeline, id, at, step);
}

function renderWhy(timeline: Timeline, report: WhyReport): string {
  const id = report.object;
  if ('allocated' in report) {
    return `${timeline.name}: object #${id} does not exist yet after event ${report.at}: it is allocated at event ${report.allocated.seq} (${report.allocated.line})\n`;
  }
  const out: string[] = [];
  if (report.alive) {
    const where = describeLine(timeline, report.line);
    out.push(
      `${timeline.name}: #${id} ${report.type} ${report.repr} is alive after event ${report.at} (${where}), refcount ${report.refcount}`,
    );
    const chains = report.chains;
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
    const direct = report.referrers;
    out.push(
      `references to it (${direct.length}${report.base > 0 ? ` + ${report.base} not held by anything modelled` : ''}):`,
    );
    for (const d of direct) out.push(`  ${d}`);
    if (report.base > 0) {
      out.push(
        `  (${report.base} references belong to no modelled holder: a static object's count starts there, RC-8)`,
      );
    }
    return out.join('\n') + '\n';
  }
  out.push(
    `${timeline.name}: #${id}${report.allocatedAs} is not alive after event ${report.at}: it was freed at event ${report.freedAt}`,
  );
  for (const s of report.steps) out.push(`  ${String(s.seq).padStart(6, '0')} ${s.what}  (${s.line})`);
  return out.join('\n') + '\n';
}

function explainAlive(
  timeline: Timeline,
  state: HeapState,
  id: number,
  at: number,
  max: number,
  given?: Referrers,
): WhyReport {
  const obj = state.objects[id];
  if (obj === undefined) throw new RangeError(`#${id} is not alive after event ${at}`);
  const refs = given ?? referrers(state);
  const chains = referrerChains(state, id, max, refs);
  const direct = [
    ...(refs.roots.get(id) ?? []).map((r) => formatRoot(r)),
    ...(refs.links.get(id) ?? []).map((l) => `${objectLabel(state, l.owner)} ${l.label}`),
  ];
  return {
    trace: timeline.name,
    object: id,
    at,
    line: state.line,
    alive: true,
    type: obj.pyType,
    repr: shortRepr(state, id),
    refcount: obj.refcount,
    base: obj.base,
    chains: chains.map((c) => ({ root: c.root, first: c.first, links: c.links, text: formatChain(state, c) })),
    referrers: direct,
  };
}

function explainFreed(
  timeline: Timeline,
  id: number,
  at: number,
  step: (seq: number, what: string) => Step,
): WhyReport {
  const occurrences = timeline.occurrences(id).filter((o) => o.seq <= at);
  const subject = (type: string): number | undefined =>
    occurrences.filter((o) => o.role === 'subject' && timeline.event(o.seq).type === type).at(-1)?.seq;
  const freed = subject('ObjectFreed');
  const steps: Step[] = [];
  const allocation = subject('ObjectAllocated');
  const allocated = allocation === undefined ? undefined : timeline.event(allocation);
  const allocatedAs =
    allocated?.type === 'ObjectAllocated'
      ? ` ${allocated.pyType}${allocated.repr === '' ? '' : ` ${allocated.repr}`}`
      : '';
  if (freed === undefined) {
    throw new UserError(
      'CLI_USAGE',
      `object #${id} is not alive after event ${at}, but no event of ${timeline.name} frees it`,
    );
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
    steps.push(step(decref, `its count reached 0: decref by ${holder === undefined ? '?' : formatHolder(holder)}`));
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
  return { trace: timeline.name, object: id, at, alive: false, freedAt: freed, steps, allocatedAs };
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
  for (let i = before.length - 1; i >= 0; i--) {
    const o = before[i];
    if (o === undefined) continue;
    const e = timeline.event(o.seq);
    if (e.type === 'DeallocStarted')
      return (step) => step(o.seq, `#${owner} dropped it because #${owner} was being deallocated`);
    if (e.type === 'GcObjectCleared')
      return (step) => step(o.seq, `#${owner} dropped it because the collector cleared #${owner} (tp_clear)`);
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
