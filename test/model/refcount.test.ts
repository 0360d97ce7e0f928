/*
 * Model-based suite: reference counting of lists bound to names.
 *
 * The model is deliberately simple: names bound to list "tokens", and which tokens each
 * list holds. From it follow the expected count of every list (names + memberships),
 * which lists refcounting must have freed (nothing holds them), and which only a
 * collection frees (held only from inside a cycle). Each command prints as the Python
 * line it stands for, so a shrunk failure reads as a short program.
 *
 * After every step:
 *   - checkInvariants: each object's refcount equals the references held to it, and no
 *     holder refers to a freed object;
 *   - each live model list has the count the model predicts, read with sys.getrefcount;
 *   - a list is alive exactly when the model says something still holds it (freed the
 *     moment its count reaches zero; cycles only by gc.collect());
 *   - every ObjectFreed follows the decrement that took the count to zero.
 * At the end: folding the emitted events from the initial state gives exactly the
 * runtime's state, and the per-event, batched and plain folds agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkInvariants,
  emptyHeap,
  evolve,
  evolveAll,
  foldPlain,
  hashState,
  type MemEvent,
  type ObjectId,
} from '@pymemsim/core';
import { Session } from '@pymemsim/interp';

const NAMES = ['a', 'b', 'c'] as const;
type Name = (typeof NAMES)[number];

type Model = {
  /** name -> token of the list it is bound to */
  bindings: Map<Name, number>;
  /** token -> tokens of the lists it holds (with repetition) */
  holds: Map<number, number[]>;
  /** tokens that only a collection can free (were in a cycle when unbound) */
  next: number;
};

type Real = { session: Session; ids: Map<number, ObjectId>; lastChecked: number };

const expectedCount = (m: Model, token: number): number => {
  let n = 0;
  for (const t of m.bindings.values()) if (t === token) n++;
  for (const held of m.holds.values()) for (const t of held) if (t === token) n++;
  return n;
};

/** Tokens reachable from the names. */
const reachable = (m: Model): Set<number> => {
  const seen = new Set<number>();
  const work = [...m.bindings.values()];
  for (let t = work.pop(); t !== undefined; t = work.pop()) {
    if (seen.has(t)) continue;
    seen.add(t);
    work.push(...(m.holds.get(t) ?? []));
  }
  return seen;
};

/** Refcounting frees what has count zero, cascading; cycles stay. */
const dropUnheld = (m: Model): void => {
  for (let changed = true; changed;) {
    changed = false;
    for (const token of [...m.holds.keys()]) {
      if (expectedCount(m, token) === 0) {
        m.holds.delete(token);
        changed = true;
      }
    }
  }
};

function verify(m: Model, r: Real): void {
  const state = r.session.rt.state;
  checkInvariants(state);
  for (const [token, id] of r.ids) {
    const alive = state.objects[id] !== undefined;
    expect(alive, `list ${token} alive`).toBe(m.holds.has(token));
    if (alive) expect(state.objects[id]?.refcount, `count of list ${token}`).toBe(expectedCount(m, token));
  }
  for (const name of NAMES) {
    const token = m.bindings.get(name);
    if (token === undefined) continue;
    // sys.getrefcount as the program sees it: the binding(s) + memberships + the argument.
    const printed = r.session.exec(`print(sys.getrefcount(${name}))`);
    expect(Number(printed), `sys.getrefcount(${name})`).toBe(expectedCount(m, token) + 1);
  }
  checkFreedAtZero(r.session.rt.log ?? [], r.lastChecked);
  r.lastChecked = r.session.rt.log?.length ?? 0;
}

/** Every ObjectFreed is preceded by the decrement that took that object's count to zero. */
function checkFreedAtZero(log: readonly MemEvent[], from: number): void {
  const state = foldPlain(emptyHeap(), log.slice(0, from));
  for (const event of log.slice(from)) {
    if (event.type === 'ObjectFreed') {
      const obj = state.objects[event.id];
      expect(obj?.refcount, `#${event.id} freed with a count`).toBe(0);
    }
    foldPlain(state, [event]);
  }
}

abstract class Cmd implements fc.Command<Model, Real> {
  abstract check(m: Readonly<Model>): boolean;
  abstract line(): string;
  abstract apply(m: Model): void;
  run(m: Model, r: Real): void {
    const before = r.session.rt.state.allocated;
    r.session.exec(this.line());
    this.apply(m);
    this.afterRun(m, r, before);
    verify(m, r);
  }
  afterRun(_m: Model, _r: Real, _before: number): void {}
  toString = (): string => this.line();
}

class BindNewList extends Cmd {
  constructor(readonly name: Name) {
    super();
  }
  check = (): boolean => true;
  line = (): string => `${this.name} = []`;
  private token = -1;
  apply(m: Model): void {
    this.token = m.next++;
    m.holds.set(this.token, []);
    m.bindings.set(this.name, this.token);
    dropUnheld(m);
  }
  override afterRun(_m: Model, r: Real): void {
    const id = r.session.global(this.name);
    if (id !== undefined) r.ids.set(this.token, id);
  }
}

class Alias extends Cmd {
  constructor(
    readonly to: Name,
    readonly from: Name,
  ) {
    super();
  }
  check = (m: Readonly<Model>): boolean => m.bindings.has(this.from);
  line = (): string => `${this.to} = ${this.from}`;
  apply(m: Model): void {
    m.bindings.set(this.to, m.bindings.get(this.from) as number);
    dropUnheld(m);
  }
}

class Append extends Cmd {
  constructor(
    readonly target: Name,
    readonly item: Name,
  ) {
    super();
  }
  check = (m: Readonly<Model>): boolean => m.bindings.has(this.target) && m.bindings.has(this.item);
  line = (): string => `${this.target}.append(${this.item})`;
  apply(m: Model): void {
    m.holds.get(m.bindings.get(this.target) as number)?.push(m.bindings.get(this.item) as number);
  }
}

class Delete extends Cmd {
  constructor(readonly name: Name) {
    super();
  }
  check = (m: Readonly<Model>): boolean => m.bindings.has(this.name);
  line = (): string => `del ${this.name}`;
  apply(m: Model): void {
    m.bindings.delete(this.name);
    dropUnheld(m);
  }
}

class BindNone extends Cmd {
  constructor(readonly name: Name) {
    super();
  }
  check = (m: Readonly<Model>): boolean => m.bindings.has(this.name);
  line = (): string => `${this.name} = None`;
  apply(m: Model): void {
    m.bindings.delete(this.name);
    dropUnheld(m);
  }
  override run(m: Model, r: Real): void {
    super.run(m, r);
    r.session.exec(`del ${this.name}`); // keep the model's namespace to lists only
  }
}

class Collect extends Cmd {
  check = (): boolean => true;
  line = (): string => 'gc.collect()';
  apply(m: Model): void {
    const live = reachable(m);
    for (const token of [...m.holds.keys()]) if (!live.has(token)) m.holds.delete(token);
  }
}

const names = fc.constantFrom(...NAMES);
const commands = fc.commands(
  [
    names.map((n) => new BindNewList(n)),
    fc.tuple(names, names).map(([to, from]) => new Alias(to, from)),
    fc.tuple(names, names).map(([t, i]) => new Append(t, i)),
    names.map((n) => new Delete(n)),
    names.map((n) => new BindNone(n)),
    fc.constant(new Collect()),
  ],
  { maxCommands: 30 },
);

const newReal = (): Real => {
  const session = new Session({ record: true });
  session.exec('import gc, sys');
  session.exec('gc.disable()');
  return { session, ids: new Map(), lastChecked: session.rt.log?.length ?? 0 };
};

describe('reference counting, model-based', () => {
  it('counts follow bindings and memberships; frees happen exactly at zero or in a collection', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        fc.modelRun(() => ({ model: { bindings: new Map(), holds: new Map(), next: 0 }, real: newReal() }), cmds);
      }),
      { numRuns: 150 },
    );
  });

  it('folding the emitted events gives the runtime state; all three folds agree', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const setup = () => ({ model: { bindings: new Map(), holds: new Map(), next: 0 }, real: newReal() });
        let real: Real | undefined;
        fc.modelRun(() => {
          const s = setup();
          real = s.real;
          return s;
        }, cmds);
        if (real === undefined) return;
        const log = real.session.rt.log ?? [];
        const plain = foldPlain(emptyHeap(), log);
        expect(hashState(plain)).toBe(hashState(real.session.rt.state));
        expect(plain).toEqual(JSON.parse(JSON.stringify(real.session.rt.state)));
        const batched = evolveAll(emptyHeap(), log);
        let perEvent = emptyHeap();
        for (const e of log) perEvent = evolve(perEvent, e);
        expect(hashState(batched)).toBe(hashState(plain));
        expect(hashState(perEvent)).toBe(hashState(plain));
      }),
      { numRuns: 40 },
    );
  });
});
