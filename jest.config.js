/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The topology tests start the production shape themselves: `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  // The generated Prisma client imports its TypeScript siblings as './x.js'.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // openid-client and its libraries are ES modules only; Node loads them with require(), jest needs them as CommonJS.
    '/node_modules/(openid-client|oauth4webapi|jose)/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(openid-client|oauth4webapi|jose)/)'],
  // One PostgreSQL, one Temporal dev server and one workflow bundle for the whole run.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  // A fresh worker process for each test file: the Temporal SDK's native runtime outlives a file's
  // module registry, and once called back into a finished file's context (its log forwarding), which
  // aborted the next file in that worker (a panic in the SDK's bridge, 'PendingException').
  workerIdleMemoryLimit: 0,
  testTimeout: 60_000,
};
