/*
 * Hashes, float arithmetic and set order against CPython 3.11
 * ============================================================
 * cases/objects.json (written once by objectcases.py under PYTHONHASHSEED=0) holds
 * CPython's hash() of many ints, floats, complex numbers, strs, bytes, tuples,
 * frozensets and ranges; the results of %, //, divmod, **, round and int / int on
 * random operands; and random sequences of set adds and discards with the set's order
 * afterwards, its getsizeof and its pop() order. packages/interp's objects/hash.ts,
 * objects/floatOps.ts and objects/setTable.ts must reproduce every one.
 *
 * Fast-check properties then drive SetTable, and whole Python programs run by the
 * interpreter, with random adds and discards of ints and strs, against an independent
 * transliteration of setobject.c (setModel.ts): the iteration order, getsizeof and
 * pop() order always agree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { objects, pyStrRepr, runProgram } from '@pymemsim/interp';
import { parseFloat, type Outcome } from './pyvalues.js';
import { ModelSet } from './setModel.js';

type Typed = ['int' | 'str', string];
interface HashCase {
  kind: 'int' | 'float' | 'complex' | 'str' | 'bytes' | 'tuple' | 'frozenset' | 'range';
  v?: string;
  re?: string;
  im?: string;
  items?: Typed[];
  start?: number;
  stop?: number;
  step?: number;
  hash: string;
}
interface FloatCase {
  a?: string;
  b?: string;
  n?: number;
  ia?: string;
  ib?: string;
  mod?: Outcome;
  floordiv?: Outcome;
  divmod?: { ok: string[] } | { err: string; msg: string };
  pow?: Outcome;
  round?: Outcome;
  round0?: Outcome;
  repr?: string;
  truediv?: Outcome;
}
interface SetCase {
  ops: ['add' | 'discard', 'int' | 'str', string][];
  order: Typed[];
  getsizeof: number;
  pops: Typed[];
}
const table = JSON.parse(readFileSync(join(import.meta.dirname, 'cases', 'objects.json'), 'utf8')) as {
  python: string;
  hash: HashCase[];
  float: FloatCase[];
  sets: SetCase[];
};

const hashOf = ([t, v]: Typed): bigint => (t === 'int' ? objects.hashInt(BigInt(v)) : objects.hashStr(v));
const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

function hashCase(c: HashCase): bigint {
  switch (c.kind) {
    case 'int':
      return objects.hashInt(BigInt(c.v ?? '0'));
    case 'float':
      return objects.hashFloat(parseFloat(c.v ?? '0'));
    case 'complex':
      return objects.hashComplex(parseFloat(c.re ?? '0'), parseFloat(c.im ?? '0'));
    case 'str':
      return objects.hashStr(c.v ?? '');
    case 'bytes':
      return objects.hashBytes(latin1(c.v ?? ''));
    case 'tuple':
      return objects.hashTuple((c.items ?? []).map(hashOf));
    case 'frozenset':
      return objects.hashFrozenset((c.items ?? []).map(hashOf));
    case 'range': {
      const { start = 0, stop = 0, step = 1 } = c;
      const len = BigInt(Math.max(0, Math.ceil((stop - start) / step)));
      return objects.hashRange(len, BigInt(start), BigInt(step), 0n);
    }
  }
}

/** What CPython's repr shows for a float result. */
const outcome = (f: () => string): Outcome => {
  try {
    return { ok: f() };
  } catch (e) {
    if (e instanceof objects.PyError) return { err: e.pyType, msg: e.message };
    throw e;
  }
};

describe(`hashes agree with CPython ${table.python} (PYTHONHASHSEED=0)`, () => {
  it(`${table.hash.length} recorded hash() values`, () => {
    const bad = table.hash
      .filter((c) => hashCase(c).toString() !== c.hash)
      .map((c) => `${JSON.stringify(c)} -> ${hashCase(c)}`);
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it('the worked examples of the header', () => {
    expect(objects.hashInt(-1n)).toBe(-2n);
    expect(objects.hashInt(2n ** 61n)).toBe(1n);
    expect(objects.hashFloat(0.5)).toBe(2n ** 60n);
    expect(objects.hashTuple([])).toBe(5740354900026072187n);
  });
});

describe(`float operations agree with CPython ${table.python}`, () => {
  const r = objects.floatRepr;
  it(`${table.float.length} recorded cases of %, //, divmod, **, round, repr and int / int`, () => {
    const bad: string[] = [];
    const check = (what: string, got: unknown, want: unknown): void => {
      if (JSON.stringify(got) !== JSON.stringify(want))
        bad.push(`${what}: got ${JSON.stringify(got)}, CPython ${JSON.stringify(want)}`);
    };
    for (const c of table.float) {
      if (c.ia !== undefined && c.ib !== undefined) {
        const [x, y] = [BigInt(c.ia), BigInt(c.ib)];
        check(
          `${c.ia} / ${c.ib}`,
          outcome(() => r(objects.intTrueDiv(x, y))),
          c.truediv,
        );
        continue;
      }
      const a = parseFloat(c.a ?? '0');
      const b = parseFloat(c.b ?? '0');
      check(`repr(${c.a})`, r(a), c.repr);
      check(
        `${c.a} % ${c.b}`,
        outcome(() => r(objects.floatRem(a, b))),
        c.mod,
      );
      check(
        `${c.a} // ${c.b}`,
        outcome(() => r(objects.floatFloorDiv(a, b))),
        c.floordiv,
      );
      check(
        `divmod(${c.a}, ${c.b})`,
        (() => {
          try {
            return { ok: objects.floatDivmod(a, b).map(r) };
          } catch (e) {
            if (e instanceof objects.PyError) return { err: e.pyType, msg: e.message };
            throw e;
          }
        })(),
        c.divmod,
      );
      if (c.pow !== undefined)
        check(
          `${c.a} ** ${c.b}`,
          outcome(() => r(objects.floatPow(a, b))),
          c.pow,
        );
      check(
        `round(${c.a}, ${c.n})`,
        outcome(() => r(objects.floatRound(a, c.n ?? 0))),
        c.round,
      );
      check(
        `round(${c.a})`,
        outcome(() => objects.floatRoundToInt(a).toString()),
        c.round0,
      );
    }
    expect(bad.slice(0, 20)).toEqual([]);
  });

  it('the issue example: 100 % 6.283185307179586', () => {
    expect(r(objects.floatRem(100, 6.283185307179586))).toBe('5.7522203923062065');
  });
});

/** A SetTable of typed keys, with equality by identity of the key text. */
function runTable(ops: readonly ['add' | 'discard', Typed][]): objects.SetTable<string> {
  const t = new objects.SetTable<string>();
  const eq = (a: string, b: string): boolean => a === b;
  for (const [op, key] of ops) {
    const text = `${key[0]}:${key[1]}`;
    if (op === 'add') t.add(text, hashOf(key), eq);
    else t.discard(text, hashOf(key), eq);
  }
  t.checkTable(eq);
  return t;
}

function runModel(ops: readonly ['add' | 'discard', Typed][]): ModelSet {
  const m = new ModelSet();
  for (const [op, key] of ops) {
    const text = `${key[0]}:${key[1]}`;
    if (op === 'add') m.add(text, hashOf(key));
    else m.discard(text, hashOf(key));
  }
  return m;
}

const popAll = (t: { pop(): unknown }): string[] => {
  const out: string[] = [];
  for (let x = t.pop(); x !== undefined; x = t.pop()) {
    out.push(typeof x === 'string' ? x : (x as { key: string }).key);
  }
  return out;
};

describe(`set order agrees with CPython ${table.python}`, () => {
  it(`${table.sets.length} recorded sequences of adds and discards: order, getsizeof and pop() order`, () => {
    const bad: string[] = [];
    table.sets.forEach((c, n) => {
      const ops = c.ops.map(([op, t, v]) => [op, [t, v]] as ['add' | 'discard', Typed]);
      const t = runTable(ops);
      const want = c.order.map(([ty, v]) => `${ty}:${v}`);
      if (JSON.stringify(t.activeKeys()) !== JSON.stringify(want)) bad.push(`case ${n}: order`);
      if (216 + t.tableBytes() !== c.getsizeof) bad.push(`case ${n}: getsizeof ${216 + t.tableBytes()}`);
      const pops = c.pops.map(([ty, v]) => `${ty}:${v}`);
      if (JSON.stringify(popAll(t)) !== JSON.stringify(pops)) bad.push(`case ${n}: pop order`);
    });
    expect(bad).toEqual([]);
  });

  const key = fc.oneof(
    fc.integer({ min: -50, max: 200 }).map((i): Typed => ['int', String(i)]),
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((i): Typed => ['int', String(i)]),
    fc.string({ maxLength: 6 }).map((s): Typed => ['str', s]),
    fc.constantFrom('a', 'b', 'é', '日本', '😀').map((s): Typed => ['str', s]),
  );
  const ops = fc.array(fc.tuple(fc.constantFrom<'add' | 'discard'>('add', 'add', 'discard'), key), { maxLength: 120 });

  it('property: SetTable orders, sizes and pops as a transliteration of setobject.c', () => {
    fc.assert(
      fc.property(ops, (seq) => {
        const t = runTable(seq);
        const m = runModel(seq);
        expect(t.activeKeys()).toEqual(m.order());
        expect(216 + t.tableBytes()).toBe(m.getsizeof());
        expect(popAll(t)).toEqual(popAll(m));
      }),
      { numRuns: 300 },
    );
  });
});

describe('sets in the interpreter follow the table of setobject.c', () => {
  /** A Python literal for a typed key. */
  const literal = ([t, v]: Typed): string => (t === 'int' ? v : JSON.stringify(v));
  const key = fc.oneof(
    fc.integer({ min: -40, max: 300 }).map((i): Typed => ['int', String(i)]),
    fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((i): Typed => ['int', String(i)]),
    fc.stringMatching(/^[a-z0-9é日]{0,5}$/).map((s): Typed => ['str', s]),
  );
  const ops = fc.array(fc.tuple(fc.constantFrom<'add' | 'discard'>('add', 'add', 'discard'), key), {
    minLength: 1,
    maxLength: 60,
  });

  it(`the ${table.sets.length} recorded CPython sequences, run as programs, print CPython's order, getsizeof and pops`, () => {
    const show = ([t, v]: Typed): string => (t === 'int' ? v : pyStrRepr(v));
    const bad: number[] = [];
    table.sets.forEach((c, n) => {
      const lines = ['import sys', 's = set()'];
      for (const [op, t, v] of c.ops) lines.push(`s.${op}(${literal([t, v])})`);
      lines.push('print(list(s))', 'print(sys.getsizeof(s))', 'print([s.pop() for _ in range(len(s))])');
      const result = runProgram(lines.join('\n') + '\n', 'sets.py');
      const want = `[${c.order.map(show).join(', ')}]\n${c.getsizeof}\n[${c.pops.map(show).join(', ')}]\n`;
      if (result.stdout !== want) bad.push(n);
    });
    expect(bad).toEqual([]);
  });

  it('property: a program of random adds and discards prints the model order, getsizeof and pop() order', () => {
    fc.assert(
      fc.property(ops, (seq) => {
        const lines = ['import sys', 's = set()'];
        for (const [op, k] of seq) lines.push(`s.${op}(${literal(k)})`);
        lines.push('print(list(s))', 'print(sys.getsizeof(s))', 'print([s.pop() for _ in range(len(s))])');
        const result = runProgram(lines.join('\n') + '\n', 'sets.py');
        expect(result.stderr).toBe('');
        const m = runModel(seq);
        const show = (k: string): string => {
          const [t, ...rest] = k.split(':');
          const v = rest.join(':');
          return t === 'int' ? v : pyStrRepr(v);
        };
        const order = `[${m.order().map(show).join(', ')}]`;
        const size = m.getsizeof();
        const pops = `[${popAll(m).map(show).join(', ')}]`;
        expect(result.stdout).toBe(`${order}\n${size}\n${pops}\n`);
      }),
      { numRuns: 60 },
    );
  });
});
