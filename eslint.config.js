// @ts-check
// Lint for `npm test` (run after the build: bench/ imports types from dist/). TypeScript files get
// typescript-eslint's type-aware recommended rules; bench/ is JavaScript type-checked through
// bench/tsconfig.json, so it gets the same rules less the ones about `any`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // Each file is checked against the nearest tsconfig.json: the root one, or bench/tsconfig.json.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_name` marks a binding kept on purpose (a destructured-away field, a callback's unused argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `let x; … x = …` stays `let` where closures read x before its one assignment (a logger filled in
      // once the server exists): as a `const` declared later they would hit the temporal dead zone.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Passing on a caught error (`catch (error) { return Promise.reject(error) }`) keeps it unchanged.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // An async function that does not await still returns a promise, which is what the interfaces it
      // implements (storage fakes, loaders) ask for; the promise rules that catch real bugs
      // (no-floating-promises, no-misused-promises, await-thenable) stay on.
      '@typescript-eslint/require-await': 'off',
      // Objects here are closures built by factory functions, and their method-syntax members do not use
      // `this`: detaching them (`const { sandbox } = helpers()`) is safe, which this rule cannot tell.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['test/**/*.ts', 'templates/**/*.test.ts'],
    rules: {
      // vitest types its asymmetric matchers (`expect.stringContaining(…)` inside `toEqual({ … })`) as any;
      // reading, calling or returning an any value stays an error.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    files: ['bench/**/*.mjs'],
    rules: {
      // Plain JavaScript has no annotations on most values, so everything would be `any`: the
      // type-check (bench/tsconfig.json) is what catches misuse there.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // TypeScript reports undefined names itself (and knows Node's globals).
      'no-undef': 'off',
    },
  },
  {
    // Files outside every tsconfig.json: this config and the CommonJS app of the platform test fixture.
    files: ['eslint.config.js', 'test/fixtures/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/fixtures/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', process: 'readonly', console: 'readonly', setTimeout: 'readonly' },
    },
    // The fixture is a CommonJS app run by plain `node` inside a test slug.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
