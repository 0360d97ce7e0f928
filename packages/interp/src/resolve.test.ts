// resolve.ts: co_varnames, co_cellvars, co_freevars and the load/store opcode family of
// every name match CPython 3.11 (cross-checked against a real python3.11 when one is
// installed), and the symbol-table errors carry CPython's messages.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Module, Stmt } from './ast.js';
import { parseModule } from './parse.js';
import { resolveModule, type Resolution, type ScopeInfo } from './resolve.js';

const CORPUS =
  process.env['PYMEMSIM_CONFORMANCE'] ?? fileURLToPath(new URL('../../../../shared/conformance', import.meta.url));
const corpusFiles = existsSync(CORPUS)
  ? readdirSync(CORPUS)
      .filter((f) => f.endsWith('.py'))
      .sort()
  : [];

function findPython311(): string | undefined {
  for (const exe of ['python3.11', 'python3']) {
    try {
      const out = execFileSync(exe, ['-c', 'import sys; print(sys.version_info[:2] == (3, 11))'], { encoding: 'utf8' });
      if (out.trim() === 'True') return exe;
    } catch {
      // not installed
    }
  }
  return undefined;
}
const PYTHON = findPython311();
if (PYTHON === undefined) console.warn('resolve.test.ts: no python3.11 on PATH; the CPython cross-checks are skipped');

function python(script: string, input: unknown): unknown {
  const out = execFileSync(PYTHON as string, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  return JSON.parse(out);
}

function parsed(src: string): Module {
  const r = parseModule(src);
  expect(r.diagnostics, src).toEqual([]);
  return r.module;
}

const SCOPE_KINDS = new Set(['FunctionDef', 'ClassDef', 'Lambda', 'ListComp', 'SetComp', 'DictComp', 'GeneratorExp']);

/** Every scope node of a module with the 1-based line CPython gives its code object. */
function scopeNodes(module: Module, src: string): { node: object; line: number }[] {
  const out: { node: object; line: number }[] = [];
  const lineOf = (pos: number): number => src.slice(0, pos).split('\n').length;
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) visit(y);
      return;
    }
    const o = x as { k?: string; span?: { start: number }; decorators?: { span: { start: number } }[] };
    if (o.k !== undefined && SCOPE_KINDS.has(o.k) && o.span !== undefined) {
      // co_firstlineno of a decorated def or class is the line of its first decorator.
      const start = Math.min(o.span.start, ...(o.decorators ?? []).map((d) => d.span.start));
      out.push({ node: o, line: lineOf(start) });
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'span') visit(v);
  };
  visit(module.body);
  return out;
}

/** Find the scope of the first def/class named `name` (depth first). */
function scopeNamed(r: Resolution, module: Module, name: string): ScopeInfo {
  const find = (stmts: readonly Stmt[]): Stmt | undefined => {
    for (const s of stmts) {
      if ((s.k === 'FunctionDef' || s.k === 'ClassDef') && s.name === name) return s;
      const inner =
        s.k === 'FunctionDef' || s.k === 'ClassDef' || s.k === 'While' || s.k === 'For' || s.k === 'If'
          ? find(s.body)
          : undefined;
      if (inner !== undefined) return inner;
    }
    return undefined;
  };
  const s = find(module.body);
  if (s === undefined) throw new Error(`no def or class ${name}`);
  return r.scopeOf(s);
}

function codeInfo(src: string, name: string): { varnames: string[]; cellvars: string[]; freevars: string[] } {
  const module = parsed(src);
  const s = scopeNamed(resolveModule(module), module, name);
  return { varnames: [...s.varnames], cellvars: [...s.cellvars], freevars: [...s.freevars] };
}

describe('scopes', () => {
  it('the module scope', () => {
    const module = parsed('x = 1\ndef f(): return x\n');
    const r = resolveModule(module);
    expect(r.scopeOf(module)).toBe(r.module);
    expect(r.module).toMatchObject({ kind: 'module', name: '<module>', varnames: [], cellvars: [], freevars: [] });
    expect(r.module.access('x')).toBe('name');
    expect(r.diagnostics).toEqual([]);
  });

  it('parameters first (positional, keyword-only, *args, **kwargs), then locals in first-use order', () => {
    expect(codeInfo('def f(a, *b, c, **d):\n    e = 1\n', 'f').varnames).toEqual(['a', 'c', 'b', 'd', 'e']);
    expect(codeInfo('def f():\n    print(b)\n    a = 1\n    b = 2\n', 'f').varnames).toEqual(['b', 'a']);
    // try: body, else, handlers, finally (compile.c's order)
    const src =
      'def f():\n    try:\n        x = 1\n    except E as e:\n        y = 2\n    else:\n        z = 3\n    finally:\n        w = 4\n';
    expect(codeInfo(src, 'f').varnames).toEqual(['x', 'z', 'e', 'y', 'w']);
    // a return inside try/finally emits the finally body on the spot
    expect(
      codeInfo('def f():\n    try:\n        return a\n    finally:\n        b = 1\n    c = 2\n', 'f').varnames,
    ).toEqual(['b', 'c']);
    // `x: int` alone emits nothing
    expect(codeInfo('def f():\n    x: int\n    y: int = 1\n    return x\n', 'f').varnames).toEqual(['y', 'x']);
  });

  it('closures: a captured parameter is both a varname and a cellvar', () => {
    const src = 'def outer(a):\n    def inner():\n        return [a + b for b in c]\n    return inner\n';
    const module = parsed(src);
    const r = resolveModule(module);
    const outer = scopeNamed(r, module, 'outer');
    const inner = scopeNamed(r, module, 'inner');
    expect(outer).toMatchObject({ kind: 'function', varnames: ['a', 'inner'], cellvars: ['a'], freevars: [] });
    expect(inner).toMatchObject({ varnames: [], cellvars: [], freevars: ['a'] });
    expect(outer.access('a')).toBe('deref');
    expect(outer.access('inner')).toBe('fast');
    expect(inner.access('a')).toBe('deref');
    expect(inner.access('c')).toBe('global');
    const innerDef = (module.body[0] as Stmt & { k: 'FunctionDef' }).body[0] as Stmt & { k: 'FunctionDef' };
    const retStmt = innerDef.body[0];
    if (retStmt?.k !== 'Return' || retStmt.value?.k !== 'ListComp') throw new Error('no list comprehension');
    expect(r.scopeOf(retStmt.value)).toMatchObject({
      kind: 'function',
      name: '<listcomp>',
      varnames: ['.0', 'b'],
      freevars: ['a'],
    });
  });

  it('captured parameters are cells in parameter order, before the other cells', () => {
    const src = 'def f(b, a, c):\n    e = d = 1\n    return lambda: (a, b, d, e)\n';
    expect(codeInfo(src, 'f')).toEqual({ varnames: ['b', 'a', 'c'], cellvars: ['b', 'a', 'd', 'e'], freevars: [] });
  });

  it('cell and free variables are sorted', () => {
    const src = 'def f():\n    z = y = x = 1\n    def g():\n        return z, x, y\n    return g\n';
    expect(codeInfo(src, 'f')).toEqual({ varnames: ['g'], cellvars: ['x', 'y', 'z'], freevars: [] });
    expect(codeInfo(src, 'g')).toEqual({ varnames: [], cellvars: [], freevars: ['x', 'y', 'z'] });
  });

  it('nonlocal and global', () => {
    const src =
      'def f():\n    x = 1\n    def g():\n        nonlocal x\n        x = 2\n        global y\n        y = 3\n    return g\n';
    const module = parsed(src);
    const r = resolveModule(module);
    const g = scopeNamed(r, module, 'g');
    expect(g).toMatchObject({ varnames: [], freevars: ['x'] });
    expect(g.access('x')).toBe('deref');
    expect(g.access('y')).toBe('global');
    expect(r.module.access('y')).toBe('global'); // `global y` anywhere marks the module's y (st_global)
    expect(scopeNamed(r, module, 'f').cellvars).toEqual(['x']);
  });

  it('class bodies: methods do not see class names; super() gets a __class__ cell', () => {
    const src = 'class C:\n    x = 1\n    def m(self):\n        return x, super().m()\n';
    const module = parsed(src);
    const r = resolveModule(module);
    const c = scopeNamed(r, module, 'C');
    const m = scopeNamed(r, module, 'm');
    expect(c).toMatchObject({ kind: 'class', name: 'C', varnames: [], cellvars: ['__class__'], freevars: [] });
    expect(c.access('x')).toBe('name');
    expect(m).toMatchObject({ varnames: ['self'], freevars: ['__class__'] });
    expect(m.access('x')).toBe('global');
    expect(m.access('self')).toBe('fast');
  });

  it('a class binding a name a method takes from the enclosing function lists it as free', () => {
    const src =
      'def f():\n    x = 1\n    class C:\n        x = 2\n        def m(self):\n            return x\n    return C\n';
    const module = parsed(src);
    const r = resolveModule(module);
    expect(scopeNamed(r, module, 'f')).toMatchObject({ varnames: ['C'], cellvars: ['x'] });
    const c = scopeNamed(r, module, 'C');
    expect(c.freevars).toEqual(['x']);
    expect(c.access('x')).toBe('name');
    expect(scopeNamed(r, module, 'm').access('x')).toBe('deref');
  });

  it('comprehensions: their own scope, the first iterable evaluated outside', () => {
    const src = 'class C:\n    n = 3\n    l = [i * n for i in range(n)]\n';
    const module = parsed(src);
    const r = resolveModule(module);
    const cls = module.body[0];
    if (cls?.k !== 'ClassDef') throw new Error('no class');
    const assign = cls.body[1];
    if (assign?.k !== 'Assign' || assign.value.k !== 'ListComp') throw new Error('no list comprehension');
    const comp = r.scopeOf(assign.value);
    expect(comp).toMatchObject({ name: '<listcomp>', varnames: ['.0', 'i'], cellvars: [], freevars: [] });
    expect(comp.access('n')).toBe('global'); // the class's n is invisible inside
    expect(comp.access('.0')).toBe('fast');
  });

  it('private names are mangled inside classes', () => {
    const src = 'class C:\n    __x = 1\n    def __m(self, __a):\n        __b = __a\n        return __x\n';
    const module = parsed(src);
    const r = resolveModule(module);
    const m = scopeNamed(r, module, '__m');
    expect(m.varnames).toEqual(['self', '_C__a', '_C__b']);
    expect(m.mangle('__b')).toBe('_C__b');
    expect(m.mangle('__init__')).toBe('__init__');
    expect(m.access('__b')).toBe('fast');
    expect(m.access('__x')).toBe('global');
    expect(scopeNamed(r, module, 'C').access('__x')).toBe('name');
  });

  it('lambdas', () => {
    const module = parsed('f = lambda a, b=c: a + d\n');
    const s = module.body[0];
    if (s?.k !== 'Assign') throw new Error('no assignment');
    const info = resolveModule(module).scopeOf(s.value);
    expect(info).toMatchObject({ kind: 'function', name: '<lambda>', varnames: ['a', 'b'] });
    expect(info.access('d')).toBe('global');
  });

  it('scopeOf refuses nodes that do not open a scope', () => {
    const module = parsed('x = 1\n');
    const r = resolveModule(module);
    expect(() => r.scopeOf(module.body[0] as object)).toThrow();
  });

  it('symbol-table errors carry CPython messages', () => {
    const cases: [string, string][] = [
      ['def f():\n    nonlocal x\n', "no binding for nonlocal 'x' found"],
      ['nonlocal x\n', 'nonlocal declaration not allowed at module level'],
      ['class C:\n    nonlocal x\n', "no binding for nonlocal 'x' found"],
      ['def f():\n    global x\n    x = 1\n    def g():\n        nonlocal x\n', "no binding for nonlocal 'x' found"],
      ['def f(x):\n    global x\n', "name 'x' is parameter and global"],
      ['def f(x):\n    nonlocal x\n', "name 'x' is parameter and nonlocal"],
      ['def f():\n    x = 1\n    global x\n', "name 'x' is assigned to before global declaration"],
      ['def f():\n    print(x)\n    global x\n', "name 'x' is used prior to global declaration"],
      [
        'def f():\n    x = 1\n    def g():\n        x = 2\n        nonlocal x\n',
        "name 'x' is assigned to before nonlocal declaration",
      ],
      ['def f():\n    global x\n    nonlocal x\n', "name 'x' is nonlocal and global"],
      ['def f():\n    x: int\n    global x\n', "annotated name 'x' can't be global"],
    ];
    for (const [src, message] of cases) {
      const module = parseModule(src).module;
      expect(
        resolveModule(module).diagnostics.map((d) => d.message),
        src,
      ).toEqual([message]);
      expect(
        parseModule(src).diagnostics.map((d) => d.message),
        src,
      ).toEqual([message]);
    }
    expect(
      resolveModule(parseModule('def f():\n    x = 1\n    class C:\n        nonlocal x\n').module).diagnostics,
    ).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------
// Cross-checks against CPython 3.11.

/** For each code object (keyed name@firstlineno): varnames, cellvars, freevars, and the opcode family of each name. */
const CODE_INFO = String.raw`
import dis, json, sys, types
KIND = {'LOAD_FAST': 'fast', 'STORE_FAST': 'fast', 'DELETE_FAST': 'fast',
        'LOAD_DEREF': 'deref', 'STORE_DEREF': 'deref', 'DELETE_DEREF': 'deref', 'LOAD_CLASSDEREF': 'deref',
        'LOAD_GLOBAL': 'global', 'STORE_GLOBAL': 'global', 'DELETE_GLOBAL': 'global',
        'LOAD_NAME': 'name', 'STORE_NAME': 'name', 'DELETE_NAME': 'name'}
out = []
for src in json.load(sys.stdin):
    try:
        co = compile(src, 'x.py', 'exec')
    except SyntaxError as e:
        out.append({'error': e.msg})
        continue
    d = {}
    def walk(c):
        access = {}
        for ins in dis.get_instructions(c):
            k = KIND.get(ins.opname)
            if k is not None:
                access.setdefault(ins.argval, set()).add(k)
        d.setdefault(c.co_name + '@' + str(c.co_firstlineno), []).append(
            {'varnames': list(c.co_varnames), 'cellvars': list(c.co_cellvars), 'freevars': list(c.co_freevars),
             'access': {n: sorted(v) for n, v in access.items()}})
        for k in c.co_consts:
            if isinstance(k, types.CodeType):
                walk(k)
    walk(co)
    out.append(d)
json.dump(out, sys.stdout)
`;

type CodeInfo = { varnames: string[]; cellvars: string[]; freevars: string[]; access: Record<string, string[]> };

const SNIPPETS = [
  'def f(x):\n return lambda: x',
  'def f():\n print(b)\n a = 1\n b = 2',
  'def f():\n if 0:\n  a = 1\n b = 2',
  'def f():\n try:\n  return a\n finally:\n  b = 1\n c = 2',
  'def f():\n try:\n  x = 1\n except E as e:\n  y = 2\n else:\n  z = 3\n finally:\n  w = 4',
  'def f(a, *b, c, **d):\n e = 1',
  'def f():\n x: int\n y: int = 1\n return x',
  'class C:\n def m(self):\n  return super().m()\n def n(self): return __class__',
  'def f():\n x = 1\n class C:\n  y = x\n  def m(self): return x',
  'def f():\n x = 1\n class C:\n  x = 2\n  def m(self): return x',
  'def f():\n z = 1\n return [x + z for x in range(3) for y in x if y]',
  'def f():\n z = 1\n return {k: v for k, v in z}, {a for a in z}, (g for g in z)',
  'def f():\n def g():\n  def h(): return x\n  return h\n x = 1\n return g',
  'def f(k=lambda: y):\n global q\n q = 1\n del r\n import a.b, c.d as e\n from m import n as o, p',
  'def f():\n for i in x:\n  break\n else:\n  j = 1\n while k:\n  l = 1',
  'def f():\n a.b = c\n d[e] = g\n h += 1\n i.j += k',
  'def f():\n x = lambda q=z: q\n y = [w for w in v]',
  'def outer(a):\n def inner():\n  return [a + b for b in c]\n return inner',
  'def f():\n x = 1\n def g():\n  nonlocal x\n  x = 2\n  def h():\n   return x\n  return h\n return g',
  'def f():\n global x\n def g():\n  return x\n return g',
  'def f():\n x = 1\n def g():\n  global x\n  def h():\n   return x\n  return h',
  'x = 1\ndef f():\n return x\nclass C:\n y = x\n def m(self):\n  return y',
  'class C:\n x = 1\n l = [x for _ in range(3)]\n m = [y for y in range(x)]',
  'class C:\n def f(self):\n  def g():\n   return super()\n  return g',
  'class C:\n def f(self):\n  return [super() for i in x]',
  'def f(a, b):\n def g():\n  return a\n return g',
  'def f(*args, **kw):\n return lambda: (args, kw)',
  'def f():\n a, (b, *c) = d\n for e, f in g: pass',
  'def f():\n try:\n  pass\n except E as e:\n  pass\n return e',
  'class C:\n def __m(self, __a):\n  __b = 1\n  return lambda: __b\n __x = 1',
  'def f():\n x = 1\n class C:\n  nonlocal x\n  x = 2',
  'def f():\n for i in range(3):\n  try:\n   break\n  finally:\n   q = 1\n p = 2',
  'def f():\n try:\n  try:\n   return a\n  finally:\n   b = 1\n finally:\n  c = 1',
  'def f():\n @dec\n def g(): pass\n @dec2(h)\n class K(B, metaclass=M): pass',
  'def f(a=b, *, c=d):\n return [[x for x in y] for y in a]',
  'g = lambda a, b=1, *c, d, **e: a',
  'def f():\n x = y = z = 1\n del x',
  'def f():\n print(k=v, *w)',
  'def f():\n assert a, b\n raise c from d',
  'def f():\n s = 1\n return {k: s for k in s}',
  'def f():\n return (x for x in (y for y in z))',
  'def f():\n import os.path\n import os.path as p',
  'def f(x):\n del x\n x = 1',
  'def f():\n v = 1\n def g(v=v):\n  return v\n return g',
  'def f():\n class C:\n  def m(self):\n   return C\n return C',
  'def f():\n x = 1\n return lambda: lambda: x',
  'def f():\n __class__\n return super',
  'class A:\n class B:\n  def m(self): return super()\n def n(self): return super()',
  'def f():\n a = 1\n b = 2\n def g():\n  return b, a\n return g',
  'def f():\n if a:\n  return b\n elif c:\n  d = 1\n else:\n  e = 1',
  'def f(self):\n self.x, self.y = 1, 2\n [self.z] = [3]',
  'def f():\n x[i] += 1\n y.z += 1\n w += 1',
  'global g\ng = 1\ndef f():\n return g',
  "def f():\n n = 1\n return f'{n!r:>4} {m}'",
  'def f():\n x = 1\n def g():\n  return [x for _ in y]\n return g',
  'def f():\n return [lambda: i for i in range(3)]',
  'def f(a):\n try:\n  pass\n finally:\n  return a',
  'class C:\n def m(self):\n  class D:\n   def n(self): return super()\n  return D',
  'def f(b, a, c):\n d = e = 1\n return lambda: (a, b, d, e)',
  'def f(*b, a, **c):\n return lambda: (a, b, c)',
];

describe.skipIf(PYTHON === undefined)('against CPython 3.11', () => {
  function check(sources: readonly string[], labels: readonly string[]): void {
    const expected = python(CODE_INFO, sources) as (Record<string, CodeInfo[]> | { error: string })[];
    sources.forEach((src, i) => {
      const exp = expected[i];
      const label = labels[i] ?? src;
      if (exp === undefined || 'error' in exp) throw new Error(`CPython rejects ${label}`);
      const module = parsed(src);
      const r = resolveModule(module);
      const got: Record<string, ScopeInfo[]> = { '<module>@1': [r.module] };
      for (const { node, line } of scopeNodes(module, src)) {
        const info = r.scopeOf(node);
        (got[`${info.name}@${line}`] ??= []).push(info);
      }
      expect(Object.keys(got).sort(), label).toEqual(Object.keys(exp).sort());
      for (const [key, codes] of Object.entries(exp)) {
        const ours = got[key] ?? [];
        const shape = (c: { varnames: readonly string[]; cellvars: readonly string[]; freevars: readonly string[] }) =>
          JSON.stringify([c.varnames, c.cellvars, c.freevars]);
        expect(ours.map(shape).sort(), `${label}: ${key}`).toEqual(codes.map(shape).sort());
        // The opcode family of every name the code object loads, stores or deletes.
        for (const code of codes) {
          const info = ours.find((o) => shape(o) === shape(code));
          if (info === undefined) continue;
          for (const [name, kinds] of Object.entries(code.access)) {
            expect(kinds, `${label}: ${key}: ${name}`).toContain(info.access(name));
          }
        }
      }
    });
  }

  it('matches co_varnames, co_cellvars, co_freevars and opcodes on tricky snippets', () => {
    check(SNIPPETS, SNIPPETS);
  });

  it.skipIf(corpusFiles.length === 0)('matches them on every program of the corpus', () => {
    check(
      corpusFiles.map((f) => readFileSync(`${CORPUS}/${f}`, 'utf8')),
      corpusFiles,
    );
  });

  it('reports the symbol-table error CPython reports', () => {
    const sources = [
      'def f():\n nonlocal x',
      'nonlocal x',
      'def f(x):\n global x',
      'def f():\n x = 1\n global x',
      'def f():\n print(x)\n global x',
      'def f():\n x=1\n def g():\n  print(x)\n  nonlocal x',
      'def f():\n global x\n nonlocal x',
      'class C:\n x = 1\n def g():\n  nonlocal x',
      'def f():\n nonlocal x\n x = 1',
      'def f():\n x: int\n global x',
    ];
    const COMPILE = String.raw`
import json, sys
out = []
for src in json.load(sys.stdin):
    try:
        compile(src, 'x.py', 'exec'); out.append(None)
    except SyntaxError as e:
        out.append(e.msg)
json.dump(out, sys.stdout)
`;
    const expected = python(COMPILE, sources) as (string | null)[];
    sources.forEach((src, i) => {
      expect(parseModule(src).diagnostics[0]?.message, src).toBe(expected[i] ?? undefined);
    });
  });
});
