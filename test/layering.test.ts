/*
 * The package layering of DESIGN.md: imports point one way, cli -> interp -> core and
 * cli -> replay -> core; core depends on immer and rxjs only and does no I/O.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const sources = (pkg: string): { file: string; text: string }[] => {
  const out: { file: string; text: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        out.push({ file: p, text: readFileSync(p, 'utf8') });
    }
  };
  walk(join(root, 'packages', pkg, 'src'));
  return out;
};
const imports = (text: string): string[] => [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1] ?? '');

describe('package layering', () => {
  it('core depends on immer and rxjs only', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['immer', 'rxjs']);
  });

  it.each([
    ['core', /^(@pymemsim\/|node:|msgpackr)/],
    ['interp', /^@pymemsim\/(replay|cli|bench)/],
    ['replay', /^@pymemsim\/(interp|cli|bench)/],
  ])('%s imports nothing it must not', (pkg, forbidden) => {
    for (const { file, text } of sources(pkg)) {
      for (const spec of imports(text)) expect(spec, file).not.toMatch(forbidden);
    }
  });
});
