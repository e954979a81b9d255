// Lint: typescript-eslint's type-checked rules, lines of at most 120 columns, complexity limits
// that only go down, no import cycles, and a pure core that cannot import I/O. Formatting itself is
// prettier's (`npm run format:check`); eslint-config-prettier turns off the rules the two share.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import prettier from 'eslint-config-prettier';

/** What the pure parts may not import: Node's I/O, the Kubernetes client, and the adapters. */
const IO_IMPORTS = {
  patterns: [
    {
      group: ['node:*', 'fs', 'fs/*', 'net', 'http', 'https', 'child_process', 'os'],
      message: 'The pure core does no I/O.',
    },
    { group: ['@kubernetes/client-node', 'mysql2', 'mysql2/*', 'ssh2', 'pino'], message: 'The pure core does no I/O.' },
    {
      group: ['**/kube/*', '**/kubevirt/*', '**/health/*', '**/reconcile/*', '**/cli/*', '**/log.js', '**/metrics.js'],
      message: 'The pure core depends on src/api and src/plan only; adapters depend on it, not the other way.',
    },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**', '.scratch/**', '.testbed/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      // The TypeScript parser for the files no-cycle follows (the default parser cannot read them,
      // and a file it cannot read has no imports, so no cycle), and `.js` specifiers resolved to `.ts`.
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      'import-x/no-cycle': 'error',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    // Tests and the bench read kubectl's JSON (any) and pass async callbacks to interfaces that
    // want promises; the strict any rules stay on for src.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  prettier,
  // After prettier's config, which turns max-len off: prettier does not break strings or comments.
  {
    rules: {
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      complexity: ['warn', 12],
      'max-params': ['warn', 5],
      'max-depth': ['warn', 3],
    },
  },
  {
    files: [
      'src/plan/**/*.ts',
      'src/decision/**/*.ts',
      'src/schedule/**/*.ts',
      'src/api/domain.ts',
      'src/api/reasons.ts',
    ],
    rules: { 'no-restricted-imports': ['error', IO_IMPORTS] },
  },
);
