import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { writeWorkflowBundle } from '../../scripts/bundle-workflows';
import { startEmbeddedPostgres } from '../../scripts/lib/embedded-postgres';
import { PROJECT_ROOT } from '../../scripts/lib/paths';
import { freePort } from '../../scripts/lib/ports';
import { prepareBackends } from '../../scripts/lib/prepare';
import { ensureTemporalCli } from '../../scripts/lib/temporal-cli';
import { ensureChromium } from '../../scripts/lib/chromium';
import { startTemporalDevServer } from '../../scripts/lib/temporal-dev-server';
import { TEST_ENV } from './env';

export const TEST_DATA_DIR = path.join(PROJECT_ROOT, '.data', 'test');
const TEST_DATABASE = 'housing_governance_test';

/** With DATABASE_URL, tests use a fresh database beside it on the same server; never DATABASE_URL's own. */
async function freshDatabaseBeside(databaseUrl: string): Promise<string> {
  const url = new URL(databaseUrl);
  const admin = new PgClient({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEST_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEST_DATABASE}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${TEST_DATABASE}`;
  return url.toString();
}

export default async function globalSetup(): Promise<void> {
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  const cliPath = ensureTemporalCli();
  // The browser tests' Chromium, installed here when missing: a run without one fails, never skips them.
  process.env[TEST_ENV.chromium] = ensureChromium();

  const bundlePath = path.join(TEST_DATA_DIR, 'workflow-bundle.js');
  // Under the system temp folder, which the `postgres` user can reach when tests run as root.
  const pgDir = mkdtempSync(path.join(os.tmpdir(), 'hg-test-pg-'));
  chmodSync(pgDir, 0o755);
  const [postgres, temporal] = await Promise.all([
    process.env.DATABASE_URL
      ? undefined
      : freePort().then((port) => startEmbeddedPostgres({ dataDir: path.join(pgDir, 'data'), port, databases: [TEST_DATABASE] })),
    freePort().then((port) => startTemporalDevServer({ cliPath, port, logFile: path.join(TEST_DATA_DIR, 'temporal.log') })),
    writeWorkflowBundle(bundlePath, require.resolve('./workflows')),
  ]);
  const databaseUrl = postgres ? postgres.urlFor(TEST_DATABASE) : await freshDatabaseBeside(process.env.DATABASE_URL as string);
  await prepareBackends({ temporalAddress: temporal.address, namespace: 'default', databaseUrl });

  process.env[TEST_ENV.databaseUrl] = databaseUrl;
  process.env[TEST_ENV.temporalAddress] = temporal.address;
  process.env[TEST_ENV.workflowBundle] = bundlePath;
  (globalThis as Record<string, unknown>).__HG_TEST_TEARDOWN__ = async () => {
    await temporal.stop();
    await postgres?.stop();
    rmSync(pgDir, { recursive: true, force: true });
  };
}
