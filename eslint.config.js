// One linter: ESLint with type-checked typescript-eslint. The layering rules keep
// imports pointing one way: cli -> interp -> core, cli -> replay -> core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layering = (forbidden) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: forbidden.map((group) => ({ group: [group], message: 'breaks the package layering (see DESIGN.md)' })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'packages/cli/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // A switch over a union is exhaustive, or says what it does with the rest in a `default`.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['packages/core/src/**'], rules: layering(['@pymemsim/*', 'node:*', 'msgpackr', 'fs', 'path']) },
  { files: ['packages/interp/src/**'], rules: layering(['@pymemsim/replay', '@pymemsim/cli', '@pymemsim/bench']) },
  // A simulated Python exception is thrown as PyRaise, which is not an Error: no JavaScript
  // stack is captured for each `raise` the program makes.
  {
    files: ['packages/interp/src/**'],
    rules: {
      '@typescript-eslint/only-throw-error': [
        'error',
        { allow: [{ from: 'file', name: 'PyRaise', path: 'src/vm/vm.ts' }] },
      ],
    },
  },
  { files: ['packages/replay/src/**'], rules: layering(['@pymemsim/interp', '@pymemsim/cli', '@pymemsim/bench']) },
  // The page runs in the browser: it speaks to the server through the protocol only.
  { files: ['packages/viewer/**'], rules: layering(['@pymemsim/*']) },
  // Tests sit outside the package tsconfigs, so they are linted without type information.
  {
    files: ['**/*.js', '**/*.test.ts', 'test/**/*.ts', 'vitest.config.ts', 'packages/viewer/vite.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
