/*
 * Naming objects as a Python programmer would
 * ===========================================
 * Views for people over a HeapState: the name of an object as an expression the running
 * code could evaluate (`head.next`, `items[2]`, `d['first']`), found from the variables;
 * the reverse (an expression to the object it reaches); and the holder of a reference
 * in words (`the global head`, `.next of Node #512 (head)`). Reprs: reprs.ts.
 *
 * Read first: objectNames(), a breadth-first walk from the variables.
 *
 * Vocabulary:
 * - variables: the current frame's, then the enclosing frames', then the globals of
 *   `__main__` (without the dunder names the interpreter sets): the names code can use.
 * - link expression: a reference's slot as Python would reach it: `.x` (an attribute),
 *   `[2]` (the third item), `['k']` (a dict value); other slots keep their names
 *   (`.__class__`, `.__dict__`).
 *
 * Invariants (names.test.ts): a name resolves back to the object it names
 * (resolveExpression(objectNames(s).get(id)) === id); names are shortest (fewest links).
 */
import type { Holder, HeapState } from '@pymemsim/core';
import { dictKeyOf, framesOf, mainGlobals, refLabels } from './heapView.js';
import { pyStr } from './reprs.js';

/** A reference's label (refLabels) as Python reaches it: `.x`, `[2]`, `['k']`; undefined for a dict key. */
export function linkExpression(label: string): string | undefined {
  if (label === '<key>') return undefined;
  if (label.startsWith('[')) {
    const key = dictKeyOf(label);
    if (key === undefined) return label;
    const inner = label.slice(1, -1);
    return /^"/.test(inner) ? `[${pyStr(key)}]` : label;
  }
  return label;
}

/** The names code can use at this state, innermost first: [name, object]. */
export function variables(state: HeapState): { name: string; id: number; frame: number }[] {
  const out: { name: string; id: number; frame: number }[] = [];
  const seen = new Set<string>();
  const add = (name: string, id: number, frame: number): void => {
    if (seen.has(name) || name.startsWith('(')) return;
    seen.add(name);
    out.push({ name, id, frame });
  };
  for (const f of framesOf(state)) {
    for (const name of f.varOrder) {
      const id = Object.hasOwn(f.vars, name) ? f.vars[name] : undefined;
      if (id !== undefined) add(name, id, f.id);
    }
  }
  for (const e of mainGlobals(state)?.entries ?? []) if (!e.name.startsWith('__')) add(e.name, e.id, 0);
  return out;
}

const MAX_DEPTH = 8;
const MAX_NAME = 80;

/** Slots a name does not go through: a function's globals and builtins (the module's, named already), dict keys. */
const UNNAMED_SLOTS = new Set(['__globals__', '__builtins__', 'key']);

/**
 * The shortest expression from a variable to each object reachable from one (at most 8
 * links): `head`, `head.next`, `items[2]`, `d['first']`. Objects no variable reaches
 * have no name. Modules are named but not entered (`gc`, not `gc.garbage`).
 */
export function objectNames(state: HeapState): Map<number, string> {
  const names = new Map<number, string>();
  let level: number[] = [];
  for (const v of variables(state)) {
    if (names.has(v.id) || state.objects[v.id] === undefined) continue;
    names.set(v.id, v.name);
    level.push(v.id);
  }
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: number[] = [];
    for (const id of level) {
      const obj = state.objects[id];
      if (obj === undefined || obj.pyType === 'module') continue;
      const base = names.get(id) as string;
      const labels = refLabels(obj);
      // A class's or module's namespace: `Node.__dict__['f']` reads `Node.f`.
      const namespace = base.endsWith('.__dict__') && (obj.pyType === 'dict' || obj.pyType === 'mappingproxy');
      obj.refs.forEach((r, i) => {
        if (r === undefined) return;
        const to = state.objects[r.to];
        if (names.has(r.to) || UNNAMED_SLOTS.has(r.slot) || to === undefined) return;
        // A static object (None, small ints, ...) is named only by a variable holding it.
        if (to.base > 0) return;
        let link = linkExpression(labels[i] ?? r.slot);
        if (link === undefined) return;
        let prefix = base;
        const attr = namespace ? /^\[['"]([A-Za-z_]\w*)['"]\]$/.exec(link) : null;
        if (attr !== null) {
          prefix = base.slice(0, -'.__dict__'.length);
          link = `.${attr[1] ?? ''}`;
        }
        const name = `${prefix}${link}`;
        if (name.length > MAX_NAME) return;
        names.set(r.to, name);
        next.push(r.to);
      });
    }
    level = next;
  }
  return names;
}

/**
 * The object an expression reaches at this state: a variable (`head`), then links
 * (`.next`, `[2]`, `['k']`); `#12` or `12` is object #12. Undefined when it reaches
 * nothing alive; the error says where it stopped.
 */
export function resolveExpression(
  state: HeapState,
  expr: string,
): { readonly id: number } | { readonly error: string } {
  const text = expr.trim();
  const idText = text.startsWith('#') ? text.slice(1) : text;
  if (/^\d+$/.test(idText)) {
    const id = Number(idText);
    return state.objects[id] === undefined ? { error: `#${id} is not alive` } : { id };
  }
  const head = /^[A-Za-z_]\w*/.exec(text);
  if (head === null) return { error: `${JSON.stringify(expr)} is not a variable name or an object id` };
  const bound = variables(state).find((v) => v.name === head[0]);
  if (bound === undefined) return { error: `no variable ${head[0]} is bound here` };
  let id = bound.id;
  let rest = text.slice(head[0].length);
  let path = head[0];
  while (rest.length > 0) {
    const m = /^(\.[A-Za-z_]\w*|\[\s*-?\d+\s*\]|\[\s*'(?:[^'\\]|\\.)*'\s*\]|\[\s*"(?:[^"\\]|\\.)*"\s*\])/.exec(rest);
    if (m === null) return { error: `cannot read ${JSON.stringify(rest)} after ${path}: use .name, [i] or ['key']` };
    const step = m[0].replace(/\s+/g, '');
    const obj = state.objects[id];
    if (obj === undefined) return { error: `${path} is not alive` };
    const labels = refLabels(obj);
    let wanted = step;
    if (step.startsWith('["') || step.startsWith("['")) wanted = `[${pyStr(step.slice(2, -2))}]`;
    let found = -1;
    const items = labels.filter((l) => /^\[\d+\]$/.test(l)).length;
    const index = /^\[-\d+\]$/.test(step) ? `[${items + Number(step.slice(1, -1))}]` : undefined;
    labels.forEach((l, i) => {
      if (found >= 0) return;
      if (linkExpression(l) === wanted || (index !== undefined && l === index)) found = i;
    });
    let next = found >= 0 ? obj.refs[found]?.to : undefined;
    if (next === undefined && step.startsWith('.')) {
      // An attribute kept in the object's namespace dict (a class's or a module's).
      const dict = obj.refs.find((r) => r?.slot === '__dict__' || r?.slot === '.__dict__')?.to;
      const slot = `[${JSON.stringify(step.slice(1))}]`;
      next = dict === undefined ? undefined : state.objects[dict]?.refs.find((r) => r?.slot === slot)?.to;
    }
    if (next === undefined) return { error: `${path} (${obj.pyType}) holds no reference ${step}` };
    id = next;
    path += step;
    rest = rest.slice(m[0].length);
  }
  return state.objects[id] === undefined ? { error: `${path} is not alive` } : { id };
}

// ---------------------------------------------------------------------------------
// Holders

/** What a reader needs to name a holder: an object's type, its name, the globals dict of __main__. */
export interface HolderContext {
  readonly typeOf: (id: number) => string | undefined;
  readonly nameOf?: (id: number) => string | undefined;
  /** The globals dict of `__main__`: its values are "the global NAME". */
  readonly globals?: number;
  readonly frameName?: (frame: number) => string | undefined;
}

/** `Node #512`, `list #40 (items)`. */
export function objectWords(ctx: HolderContext, id: number): string {
  const type = ctx.typeOf(id);
  const name = ctx.nameOf?.(id);
  return `${type === undefined ? 'object' : type} #${id}${name === undefined ? '' : ` (${name})`}`;
}

/**
 * A holder in words: `the global head`, `.next of Node #512`, `an item of list #40
 * (items)`, `['k'] of dict #7`, `variable x of frame 2 (f)`, `the stack of frame 1`,
 * `the interpreter (sys.modules)`.
 */
export function holderWords(h: Holder, ctx: HolderContext): string {
  switch (h.kind) {
    case 'object': {
      const key = h.slot.startsWith('[') ? dictKeyOf(h.slot) : undefined;
      if (h.owner === ctx.globals && key !== undefined) return `the global ${key}`;
      if (h.owner === ctx.globals && h.slot === 'key') return 'a key of the globals of __main__';
      const slot =
        h.slot === 'item'
          ? 'an item'
          : h.slot === 'key'
            ? 'a key'
            : key !== undefined
              ? (linkExpression(h.slot) ?? h.slot)
              : h.slot.startsWith('.')
                ? h.slot
                : `.${h.slot}`;
      return `${slot} of ${objectWords(ctx, h.owner)}`;
    }
    case 'frame': {
      const name = ctx.frameName?.(h.frame);
      return `variable ${h.name} of frame ${h.frame}${name === undefined ? '' : ` (${name})`}`;
    }
    case 'stack': {
      const name = ctx.frameName?.(h.frame);
      return `the evaluation stack of frame ${h.frame}${name === undefined ? '' : ` (${name})`}`;
    }
    case 'root':
      return `the interpreter (${h.name})`;
  }
}

/** A HolderContext read from one state (types, names and frames as they are there). */
export function stateContext(state: HeapState, names: Map<number, string> = objectNames(state)): HolderContext {
  const globals = mainGlobals(state)?.dict;
  return {
    typeOf: (id) => state.objects[id]?.pyType,
    nameOf: (id) => names.get(id),
    ...(globals !== undefined ? { globals } : {}),
    frameName: (frame) => state.frames[frame]?.name,
  };
}
