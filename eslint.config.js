// ESLint for the TypeScript sources and tests; formatting is Prettier's (npm run format).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'node_modules/', '.venv/', '.cache/', 'test/fixtures/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Node scripts in plain JavaScript; TypeScript knows Node's globals from @types/node.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Routes are leaves: the app mounts them, and nothing else may use one as a library.
    files: ['src/**/*.ts'],
    ignores: ['src/http/app.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/routes/*'], message: 'Route modules are mounted by src/http/app.ts only; move what you need into a module both can use.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/http/routes/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['./*'], message: 'Route modules do not import each other; move what you need into a module both can use.' }] },
      ],
    },
  },
);
