import { configDefaults, defineConfig } from 'vitest/config';

// One root config; each package and the cross-package suites in test/ are projects.
// The `source` condition resolves workspace packages to their TypeScript sources,
// so tests need no build.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    // Workspace packages are transformed by vite (not loaded by Node from dist/), so the
    // `source` condition applies to them too: every suite tests the sources.
    server: { deps: { inline: [/@pymemsim\//] } },
    // Timing is measured by the benchmarks, not by tests: a limit only catches a test that
    // never ends, and must not fail a property run on a busy two-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'core', include: ['packages/core/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'interp', include: ['packages/interp/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'replay', include: ['packages/replay/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'cli', include: ['packages/cli/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'bench', include: ['packages/bench/src/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'test',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/viewer/**'],
          testTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'viewer',
          include: ['test/viewer/**/*.test.ts', 'packages/viewer/page/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
    ],
  },
});
