// What the global set-up hands to every test file, through environment variables.
export const TEST_ENV = {
  databaseUrl: 'HG_TEST_DATABASE_URL',
  temporalAddress: 'HG_TEST_TEMPORAL_ADDRESS',
  workflowBundle: 'HG_TEST_WORKFLOW_BUNDLE',
  chromium: 'HG_TEST_CHROMIUM',
} as const;

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (!value) throw new Error(`${TEST_ENV[name]} is not set: run the tests with 'npm test'`);
  return value;
}
