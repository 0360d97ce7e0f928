/*
 * SyntaxErrors as CPython 3.11 raises them: for each bad program of the table, our parser
 * reports the same exception class (SyntaxError, IndentationError, TabError), message,
 * line and column (1-based, in characters, as SyntaxError.offset) as `ast.parse` does
 * under python3.11. Needs python3 to be CPython 3.11.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from '@pymemsim/interp/parse';
import { findPython311 } from './cpython.js';

const BAD_PROGRAMS: readonly string[] = [
  // tokenizer
  "x = 'abc",
  'x = """abc',
  'x = """abc\n\n',
  'x = "a\nb"',
  'x = 1_',
  'x = 0x',
  'x = 1__0',
  'x = 09',
  'x = 0777',
  'x = 0o8',
  'x = 0b2',
  'x = 1e',
  'x = 1.__class__',
  'x = 5abc',
  'x = 0xg',
  'x = 1.e',
  'x = 1j2',
  'x = 1if 1else 0\ny = 1.x',
  'x = (1]',
  'x = 1)',
  'x = }',
  'x = [1, (2]',
  'x = (1,\n  2]',
  'x = $',
  'x = \u20ac',
  'x = \u00a0 1',
  'x = \x01',
  'x = 1 \\ 2',
  'x = \\',
  'x = (1',
  'x = [1, 2',
  'x = {1',
  'x = [1,\n2',
  'x = [\n1,\n2\n',
  'foo(\n  a,\n  b\nbar = 1',
  'from x import (a, b',
  'f(',
  // indentation
  'if x:\npass',
  '  x = 1',
  'x = 1\n y = 2',
  'if x:\n    a\n  b',
  'if 1:\n  pass\n pass',
  'def f():\n  x\n y',
  'if True:\n\tx\n        y',
  'if x:\n  a\n\tb',
  'def f():\nreturn',
  'class C:\nx',
  'try:\nz',
  '@d\ndef f():\nz',
  'def f():\n  x\n    y',
  'if x:',
  'for x in y:\n  pass\nelse:\n',
  // invalid_* rules
  'print x',
  'print "hello"',
  'exec "code"',
  'f(x for x in y, 1)',
  'f(a=1, b)',
  'f(**k, a)',
  'f(**k, *a)',
  'def f(a=1, b): pass',
  'def f(*): pass',
  'def f(a, *, **k): pass',
  'def f(**k, a): pass',
  'def f(*a, *b): pass',
  'def f[T](): pass',
  'if x\n  pass',
  'def f()\n  pass',
  'while x\n  pass',
  'for x in y\n  pass',
  'class C\n  pass',
  'with a\n  pass',
  'try\n  pass\nexcept:\n  pass',
  'for x in y:\n  pass\nelse\n  pass',
  'x = 1 2',
  'f(a b)',
  '[1 2]',
  '(a b)',
  '{a b}',
  'f(a, b c)',
  'f(a.b c)',
  'f(-a b)',
  'f(a+b c)',
  "f('a' 'b' c)",
  '[a not b]',
  'x = [a b c]',
  'print(a b)',
  '1 = x',
  'f() = 1',
  'f() = x = 1',
  'a + b = 1',
  'a < b = 1',
  'a and b = 1',
  'not a = 1',
  'x if y else z = 1',
  'lambda: 1 = 1',
  '(a for a in b) = 1',
  '[a, 1] = x',
  'True = 1',
  'x = yield = 1',
  'del f()',
  'del a + b',
  'del *a',
  'for a, 1 in x: pass',
  'with a as 1: pass',
  'a, b += 1',
  '[a] += 1',
  '(a, b): int = 1',
  '[a]: int',
  'f(): int = 1',
  'f(True=1)',
  'f(a.b=1)',
  'try:\n pass\nexcept A, e:\n pass',
  'x <> y',
  'a = 1 if b',
  'x = (1 if 2)',
  'x = {**a for a in b}',
  'x = [*a for a in b]',
  '(*a)',
  'a is not not b',
  'a < not b',
  'class C(x for x in y): pass',
  'match x:\n    case a as _: pass',
  // strings
  "x = b'\u00e9'",
  "x = 'a' b'b'",
  "x = '\\x4'",
  "x = '\\u12'",
  "x = '\\N{DASH'",
  "x = '\\N{NO SUCH NAME}'",
  "x = b'\\x4'",
  "f'{}'",
  "f'{ }'",
  "f'{!r}'",
  "f'{x!z}'",
  "f'{x!}'",
  "f'{x'",
  "f'}'",
  "f'{a b}'",
  "x = f'{x#}'",
  "x = f'{x:{y:{z}}}'",
  "x = f'{\\n}'",
  "x = f'{)}'",
];

/** Cases where we knowingly report another error than CPython, and why. */
const KNOWN_DIFFERENCES: Record<string, string> = {};

const SCRIPT = `
import ast, json, sys, warnings
warnings.simplefilter('ignore')
out = []
for src in json.load(sys.stdin):
    try:
        ast.parse(src)
        out.append(None)
    except SyntaxError as e:
        out.append([type(e).__name__, e.msg, e.lineno, e.offset])
json.dump(out, sys.stdout)
`;

/** Our first diagnostic in CPython's terms: class, message, line, 1-based character column. */
function ours(src: string): [string, string, number, number] | null {
  const r = parse(src, 'x.py');
  const d = r.diagnostics[0];
  if (d === undefined) return null;
  const lines = src.slice(0, d.span.start).split(/\r\n|\r|\n/);
  const col = [...(lines[lines.length - 1] ?? '')].length + 1;
  return [d.exception ?? 'SyntaxError', d.message, lines.length, col];
}

const { python, why } = findPython311();

describe.skipIf(python === undefined)(
  `SyntaxErrors equal CPython 3.11's${why === undefined ? '' : ` (skipped: ${why})`}`,
  () => {
    const expected =
      python === undefined
        ? []
        : (JSON.parse(
            execFileSync('python3', ['-c', SCRIPT], { input: JSON.stringify(BAD_PROGRAMS), encoding: 'utf8' }),
          ) as unknown[]);
    it.each(BAD_PROGRAMS.map((src, i) => ({ src, i })))('$src', ({ src, i }) => {
      const reason = KNOWN_DIFFERENCES[src];
      if (reason !== undefined) {
        expect(ours(src)).not.toEqual(expected[i]);
        return;
      }
      expect(expected[i], 'CPython rejects it').not.toBeNull();
      expect(ours(src)).toEqual(expected[i]);
    });
  },
);

it.runIf(python === undefined)(`the SyntaxError comparisons are skipped: ${why ?? ''}`, () => {
  expect(why).toBeDefined();
});
