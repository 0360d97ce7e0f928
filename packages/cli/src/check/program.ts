/*
 * Program-level generators
 * ========================
 * fast-check arbitraries that produce valid programs of the supported Python subset:
 * name bindings, lists, attributes on instances of a class, cycles, deletions, function
 * calls, `__del__` finalizers (one of them resurrecting), weak references with callbacks,
 * `gc.collect(g)` and `gc.set_threshold`. Every program starts with the same prelude
 * (PRELUDE: the imports, the classes and the functions the statements use), then one
 * statement per line.
 *
 * `weakref` is the C module `_weakref` (whose `ref` Lib/weakref.py re-exports): importing
 * Lib/weakref.py would run tens of thousands of events of the import system in every
 * program's prelude, none of them about the statements under test.
 *
 * Read first: `programArbitrary`, then `compileSteps`.
 *
 * How validity is kept under shrinking: the arbitrary draws raw steps (any statement
 * over any names), and `compileSteps` walks them with a small symbolic model (which
 * name is bound to what kind of object, which lists hold items, which attributes are
 * set) and drops every step that would not run (`a.append(b)` with `a` unbound or not
 * a list). fast-check shrinks the raw steps; the compiled program of a shrunk list of
 * steps is still valid, so a shrunk failure reads as a short, runnable program.
 *
 * Vocabulary of statements (N, M names among a, b, c, d; F a field p or q):
 *   N = []  /  N = C()  /  N = D()  /  N = L()   a list, a plain instance, an instance
 *                                                with `__del__`, one whose first `__del__`
 *                                                does `saved.append(self)`
 *   N = make()                                   a new list returned by a call
 *   N = M  /  N = ident(M)                       aliasing, directly or through a call
 *   N.append(M)  /  link(N, M)  /  N.pop()       list membership (a.append(a): a cycle)
 *   N.F = M  /  del N.F                          attributes of instances
 *   del N                                        unbinding
 *   N = weakref.ref(M, cb)                       a weak reference with a callback
 *   N = gen(M)  /  N = (i for i in M)            a generator (its frame holds M, then also
 *                                                a list of its own holding M) / a generator
 *                                                expression over the list M
 *   next(N, None)  /  N.close()                  resume a generator (to its end: the frame
 *                                                is cleared) / close it
 *   N = closure(M)  /  N = M()                   a lambda whose cell holds M / call it
 *   with Hold(M) as N: pass                      a context manager holding M, released at
 *                                                the block's end (`__enter__` returns M)
 *   saved.clear()                                let resurrected objects go
 *   gc.collect(g)  /  gc.set_threshold(t0, t1, t2)
 */
import fc from 'fast-check';

export const NAMES = ['a', 'b', 'c', 'd'] as const;
export type Name = (typeof NAMES)[number];
export const FIELDS = ['p', 'q'] as const;
export type Field = (typeof FIELDS)[number];
/** The classes of the prelude: C plain, D with a `__del__`, L whose first `__del__` resurrects. */
export type ClassName = 'C' | 'D' | 'L';
export type NewWhat = 'list' | ClassName;

/** One statement, before validation. */
export type Step =
  | { readonly t: 'new'; readonly name: Name; readonly what: NewWhat }
  | { readonly t: 'make'; readonly name: Name }
  | { readonly t: 'alias'; readonly to: Name; readonly from: Name; readonly viaCall: boolean }
  | { readonly t: 'append'; readonly owner: Name; readonly value: Name; readonly viaCall: boolean }
  | { readonly t: 'pop'; readonly owner: Name }
  | { readonly t: 'setattr'; readonly owner: Name; readonly field: Field; readonly value: Name }
  | { readonly t: 'delattr'; readonly owner: Name; readonly field: Field }
  | { readonly t: 'del'; readonly name: Name }
  | { readonly t: 'weakref'; readonly name: Name; readonly target: Name }
  | { readonly t: 'gen'; readonly name: Name; readonly arg: Name }
  | { readonly t: 'genexpr'; readonly name: Name; readonly list: Name }
  | { readonly t: 'next'; readonly gen: Name }
  | { readonly t: 'close'; readonly gen: Name }
  | { readonly t: 'closure'; readonly name: Name; readonly arg: Name }
  | { readonly t: 'call'; readonly name: Name; readonly fn: Name }
  | { readonly t: 'with'; readonly name: Name; readonly arg: Name }
  | { readonly t: 'clearSaved' }
  | { readonly t: 'collect'; readonly generation: 0 | 1 | 2 }
  | { readonly t: 'threshold'; readonly thresholds: readonly [number, number, number] };

export type StepKind = Step['t'];
export const STEP_KINDS: readonly StepKind[] = [
  'new',
  'make',
  'alias',
  'append',
  'pop',
  'setattr',
  'delattr',
  'del',
  'weakref',
  'gen',
  'genexpr',
  'next',
  'close',
  'closure',
  'call',
  'with',
  'clearSaved',
  'collect',
  'threshold',
];

/** The statement kinds that bring frames in: generators, closures, `with`. */
export const FRAME_KINDS: readonly StepKind[] = ['gen', 'genexpr', 'next', 'close', 'closure', 'call', 'with'];

/** The prelude every generated program starts with (PRELUDE_LINES lines). */
export const PRELUDE = `import gc, sys, _weakref as weakref
saved = []
class C:
    pass
class D:
    def __del__(self):
        pass
class L:
    def __del__(self):
        saved.append(self)
def cb(wr):
    pass
def ident(x):
    return x
def make():
    return []
def link(x, y):
    x.append(y)
def gen(x):
    y = [x]
    yield y
    yield x
def closure(x):
    return lambda: x
class Hold:
    def __init__(self, x):
        self.x = x
    def __enter__(self):
        return self.x
    def __exit__(self, *exc):
        pass
`;
export const PRELUDE_LINES = PRELUDE.split('\n').length - 1;

/** A generated program: the prelude, then `lines` (one statement each, `steps[i]` is `lines[i]`). */
export interface GeneratedProgram {
  readonly prelude: string;
  readonly lines: readonly string[];
  readonly steps: readonly Step[];
  /** The whole program text: the prelude, then the lines. */
  readonly source: string;
}

export function stepLine(step: Step): string {
  switch (step.t) {
    case 'new':
      return `${step.name} = ${step.what === 'list' ? '[]' : `${step.what}()`}`;
    case 'make':
      return `${step.name} = make()`;
    case 'alias':
      return step.viaCall ? `${step.to} = ident(${step.from})` : `${step.to} = ${step.from}`;
    case 'append':
      return step.viaCall ? `link(${step.owner}, ${step.value})` : `${step.owner}.append(${step.value})`;
    case 'pop':
      return `${step.owner}.pop()`;
    case 'setattr':
      return `${step.owner}.${step.field} = ${step.value}`;
    case 'delattr':
      return `del ${step.owner}.${step.field}`;
    case 'del':
      return `del ${step.name}`;
    case 'weakref':
      return `${step.name} = weakref.ref(${step.target}, cb)`;
    case 'gen':
      return `${step.name} = gen(${step.arg})`;
    case 'genexpr':
      return `${step.name} = (i for i in ${step.list})`;
    case 'next':
      return `next(${step.gen}, None)`;
    case 'close':
      return `${step.gen}.close()`;
    case 'closure':
      return `${step.name} = closure(${step.arg})`;
    case 'call':
      return `${step.name} = ${step.fn}()`;
    case 'with':
      return `with Hold(${step.arg}) as ${step.name}: pass`;
    case 'clearSaved':
      return 'saved.clear()';
    case 'collect':
      return step.generation === 2 ? 'gc.collect()' : `gc.collect(${step.generation})`;
    case 'threshold':
      return `gc.set_threshold(${step.thresholds.join(', ')})`;
    default:
      return step satisfies never;
  }
}

type SymKind = 'list' | 'instance' | 'weakref' | 'generator' | 'function';
interface Sym {
  readonly kind: SymKind;
  items: number;
  readonly attrs: Set<Field>;
  /** A closure's captured object. */
  readonly captured?: Sym;
}

/** Objects a weak reference may refer to here (lists do not support them). */
const WEAKREFABLE: readonly SymKind[] = ['instance', 'generator', 'function'];

/**
 * Keep the steps that run, in order: a step naming an unbound name, appending to a
 * non-list, popping an empty list, setting an attribute of a non-instance, deleting
 * an unset attribute, making a weak reference to a list (lists do not support
 * them), resuming or closing a non-generator, iterating a non-list or calling a
 * non-closure is dropped. Objects reachable from a name stay alive, so the symbolic model
 * needs no reference counting.
 */
export function compileSteps(raw: readonly Step[], prelude: string = PRELUDE): GeneratedProgram {
  const vars = new Map<Name, Sym>();
  const steps: Step[] = [];
  const kindOf = (n: Name): SymKind | undefined => vars.get(n)?.kind;
  for (const step of raw) {
    let ok = true;
    switch (step.t) {
      case 'new':
        vars.set(step.name, { kind: step.what === 'list' ? 'list' : 'instance', items: 0, attrs: new Set() });
        break;
      case 'make':
        vars.set(step.name, { kind: 'list', items: 0, attrs: new Set() });
        break;
      case 'alias': {
        const sym = vars.get(step.from);
        if (sym === undefined) ok = false;
        else vars.set(step.to, sym);
        break;
      }
      case 'append': {
        const owner = vars.get(step.owner);
        ok = owner?.kind === 'list' && vars.has(step.value);
        if (ok && owner !== undefined) owner.items += 1;
        break;
      }
      case 'pop': {
        const owner = vars.get(step.owner);
        ok = owner?.kind === 'list' && owner.items > 0;
        if (ok && owner !== undefined) owner.items -= 1;
        break;
      }
      case 'setattr': {
        const owner = vars.get(step.owner);
        ok = owner?.kind === 'instance' && vars.has(step.value);
        if (ok) owner?.attrs.add(step.field);
        break;
      }
      case 'delattr': {
        const owner = vars.get(step.owner);
        ok = owner?.kind === 'instance' && owner.attrs.has(step.field);
        if (ok) owner?.attrs.delete(step.field);
        break;
      }
      case 'del':
        ok = vars.delete(step.name);
        break;
      case 'weakref': {
        const target = kindOf(step.target);
        ok = target !== undefined && WEAKREFABLE.includes(target);
        if (ok) vars.set(step.name, { kind: 'weakref', items: 0, attrs: new Set() });
        break;
      }
      case 'gen':
        ok = vars.has(step.arg);
        if (ok) vars.set(step.name, { kind: 'generator', items: 0, attrs: new Set() });
        break;
      case 'genexpr':
        ok = kindOf(step.list) === 'list';
        if (ok) vars.set(step.name, { kind: 'generator', items: 0, attrs: new Set() });
        break;
      case 'next':
      case 'close':
        ok = kindOf(step.gen) === 'generator';
        break;
      case 'closure': {
        const captured = vars.get(step.arg);
        ok = captured !== undefined;
        if (captured !== undefined) vars.set(step.name, { kind: 'function', items: 0, attrs: new Set(), captured });
        break;
      }
      case 'call': {
        const captured = vars.get(step.fn)?.captured;
        ok = captured !== undefined;
        if (captured !== undefined) vars.set(step.name, captured);
        break;
      }
      case 'with': {
        const sym = vars.get(step.arg);
        ok = sym !== undefined;
        if (sym !== undefined) vars.set(step.name, sym);
        break;
      }
      case 'clearSaved':
      case 'collect':
      case 'threshold':
        break;
      default:
        step satisfies never;
    }
    if (ok) steps.push(step);
  }
  return programOf(steps, prelude);
}

export function programOf(steps: readonly Step[], prelude: string = PRELUDE): GeneratedProgram {
  const lines = steps.map(stepLine);
  return { prelude, lines, steps, source: prelude + lines.map((l) => `${l}\n`).join('') };
}

/** The program as fast-check prints a counterexample: one Python line per statement. */
export function formatProgram(program: GeneratedProgram, options: { prelude?: boolean } = {}): string {
  const body = program.lines.join('\n');
  return options.prelude === true ? program.prelude + body : body;
}

export interface ProgramOptions {
  /** Statement kinds to draw from (default: all of STEP_KINDS). */
  readonly kinds?: readonly StepKind[];
  /** Most raw steps drawn (default 30); fewer lines remain after validation. */
  readonly maxSteps?: number;
}

const names = fc.constantFrom(...NAMES);
const fields = fc.constantFrom(...FIELDS);

/** One raw step of the given kinds (weighted towards building objects and linking them). */
export function stepArbitrary(kinds: readonly StepKind[] = STEP_KINDS): fc.Arbitrary<Step> {
  const table: Record<StepKind, { weight: number; arbitrary: fc.Arbitrary<Step> }> = {
    new: {
      weight: 4,
      arbitrary: fc
        .tuple(names, fc.constantFrom<NewWhat>('list', 'C', 'D', 'L'))
        .map(([name, what]): Step => ({ t: 'new', name, what })),
    },
    make: { weight: 1, arbitrary: names.map((name): Step => ({ t: 'make', name })) },
    alias: {
      weight: 2,
      arbitrary: fc
        .tuple(names, names, fc.boolean())
        .map(([to, from, viaCall]): Step => ({ t: 'alias', to, from, viaCall })),
    },
    append: {
      weight: 3,
      arbitrary: fc
        .tuple(names, names, fc.boolean())
        .map(([owner, value, viaCall]): Step => ({ t: 'append', owner, value, viaCall })),
    },
    pop: { weight: 1, arbitrary: names.map((owner): Step => ({ t: 'pop', owner })) },
    setattr: {
      weight: 3,
      arbitrary: fc
        .tuple(names, fields, names)
        .map(([owner, field, value]): Step => ({ t: 'setattr', owner, field, value })),
    },
    delattr: {
      weight: 1,
      arbitrary: fc.tuple(names, fields).map(([owner, field]): Step => ({ t: 'delattr', owner, field })),
    },
    del: { weight: 3, arbitrary: names.map((name): Step => ({ t: 'del', name })) },
    weakref: {
      weight: 2,
      arbitrary: fc.tuple(names, names).map(([name, target]): Step => ({ t: 'weakref', name, target })),
    },
    gen: {
      weight: 2,
      arbitrary: fc.tuple(names, names).map(([name, arg]): Step => ({ t: 'gen', name, arg })),
    },
    genexpr: {
      weight: 1,
      arbitrary: fc.tuple(names, names).map(([name, list]): Step => ({ t: 'genexpr', name, list })),
    },
    next: { weight: 3, arbitrary: names.map((gen): Step => ({ t: 'next', gen })) },
    close: { weight: 1, arbitrary: names.map((gen): Step => ({ t: 'close', gen })) },
    closure: {
      weight: 2,
      arbitrary: fc.tuple(names, names).map(([name, arg]): Step => ({ t: 'closure', name, arg })),
    },
    call: {
      weight: 1,
      arbitrary: fc.tuple(names, names).map(([name, fn]): Step => ({ t: 'call', name, fn })),
    },
    with: {
      weight: 1,
      arbitrary: fc.tuple(names, names).map(([name, arg]): Step => ({ t: 'with', name, arg })),
    },
    clearSaved: { weight: 1, arbitrary: fc.constant<Step>({ t: 'clearSaved' }) },
    collect: {
      weight: 2,
      arbitrary: fc.constantFrom<0 | 1 | 2>(0, 1, 2, 2).map((generation): Step => ({ t: 'collect', generation })),
    },
    threshold: {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
        .map((thresholds): Step => ({ t: 'threshold', thresholds })),
    },
  };
  return fc.oneof(...kinds.map((k) => table[k]));
}

/**
 * Valid programs of the supported subset (see the header). Shrinking keeps them valid.
 *
 * ```ts
 * fc.assert(fc.property(programArbitrary(), (program) => runProgram(program.source, 'gen.py').exitCode === 0));
 * ```
 */
export function programArbitrary(options: ProgramOptions = {}): fc.Arbitrary<GeneratedProgram> {
  return fc
    .array(stepArbitrary(options.kinds), { maxLength: options.maxSteps ?? 30 })
    .map((raw) => withToString(compileSteps(raw)));
}

/** fast-check prints a counterexample with its `toString` method: the program's lines. */
function withToString(program: GeneratedProgram): GeneratedProgram {
  return Object.defineProperty(program, fc.toStringMethod, {
    value: () => (program.lines.length === 0 ? '(no statements)' : program.lines.join('\n')),
    enumerable: false,
  });
}
