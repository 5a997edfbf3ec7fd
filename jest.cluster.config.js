/**
 * The topology tests (`npm run test:cluster`, CI's second step): each file starts the production shape
 * itself (`npm run cluster`'s script), so there is no shared global set-up, and one file runs at a time.
 * @type {import('jest').Config}
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS config file, as jest.config.js is
const main = require('./jest.config');
module.exports = {
  ...main,
  roots: ['<rootDir>/test/cluster'],
  testPathIgnorePatterns: [],
  globalSetup: undefined,
  globalTeardown: undefined,
  maxWorkers: 1,
  testTimeout: 600_000,
};
