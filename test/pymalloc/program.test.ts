/*
 * pymalloc end to end: a Python program run by the interpreter, its two
 * `sys._debugmallocstats()` reports compared with real CPython 3.11's: the change in
 * blocks in use per size class must agree within 2% (and a few blocks for tiny changes:
 * CPython's own module dicts resize at slightly different moments).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runProgram } from '@pymemsim/interp';

const python311 = (): boolean => {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.version_info[:2] == (3, 11))'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'True';
};

const PROGRAMS: Record<string, string> = {
  'keeping 10,000 small lists': 'keep = []\ni = 0\nwhile i < 10000:\n    keep.append([i])\n    i += 1\n',
  'a dict growing past several resizes': 'd = {}\ni = 0\nwhile i < 5000:\n    d[i] = str(i)\n    i += 1\n',
  'floats freed and reallocated':
    'xs = [float(i) for i in range(10000)]\ndel xs\nys = [float(i) * 2 for i in range(10000)]\n',
};

const wrap = (body: string): string =>
  `import sys, gc\ngc.collect()\nsys._debugmallocstats()\n${body}sys._debugmallocstats()\n`;

/** Blocks in use per size class, for each report in the text. */
function reports(text: string): Map<number, number>[] {
  return text
    .split('Small block threshold')
    .slice(1)
    .map((block) => {
      const t = new Map<number, number>();
      for (const line of block.split('\n')) {
        const m = /^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
        if (m !== null) t.set(Number(m[1]), Number(m[4]));
      }
      return t;
    });
}

const deltas = (text: string): Map<number, number> => {
  const [a, b] = reports(text);
  const out = new Map<number, number>();
  if (a === undefined || b === undefined) return out;
  for (const k of new Set([...a.keys(), ...b.keys()])) out.set(k, (b.get(k) ?? 0) - (a.get(k) ?? 0));
  return out;
};

describe.runIf(python311())('sys._debugmallocstats() deltas of programs against CPython 3.11', () => {
  for (const [name, body] of Object.entries(PROGRAMS)) {
    it(name, () => {
      const source = wrap(body);
      const real = spawnSync('python3', ['-I', '-c', source], { encoding: 'utf8' });
      expect(real.status).toBe(0);
      const sim = runProgram(source, 'prog.py');
      expect(sim.exitCode).toBe(0);
      const want = deltas(real.stderr);
      const got = deltas(sim.stderr);
      for (const k of new Set([...want.keys(), ...got.keys()])) {
        const w = want.get(k) ?? 0;
        const g = got.get(k) ?? 0;
        expect(Math.abs(g - w), `size class ${k}: CPython ${w}, pymemsim ${g}`).toBeLessThanOrEqual(
          Math.max(3, Math.abs(w) * 0.02),
        );
      }
    });
  }
});

it.runIf(!python311())('skipped: python3 is not CPython 3.11', () => {
  expect(python311()).toBe(false);
});
