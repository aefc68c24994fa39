// Lint: type-aware typescript-eslint, the import rules of Temporal's samples for workflow code, and
// pepr's budget for function size. Formatting is Prettier's job (eslint-config-prettier).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/** Workflow code is replayed in Temporal's sandbox: no Node built-ins and no module that does I/O. */
const workflowForbiddenImports = [
  ...builtinModules.flatMap((name) => [name, `node:${name}`]),
  '@kubernetes/client-node',
  '@temporalio/activity',
  '@temporalio/client',
  '@temporalio/worker',
  'yaml',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', 'lab/go/', 'bin/', 'eslint.config.js'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      complexity: ['warn', 10],
      'max-depth': ['warn', 3],
      'max-params': ['warn', 4],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: workflowForbiddenImports.map((name) => ({
            name,
            message: 'Workflow code must be deterministic: no Node built-ins or I/O modules (call an activity).',
          })),
          patterns: [{ group: ['../activities/*', '../kube/*', '../lab/*', '../client/*'], allowTypeImports: true }],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // Tests match ANSI colour codes.
      'no-control-regex': 'off',
    },
  },
  prettier,
  // After eslint-config-prettier, which turns max-len off: Prettier cannot break long strings.
  { rules: { 'max-len': ['warn', { code: 120, ignoreUrls: true }] } },
);
