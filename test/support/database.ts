import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { testEnv } from './env';

const onDatabase = (url: string, database: string): string => {
  const next = new URL(url);
  next.pathname = `/${database}`;
  return next.toString();
};

async function asAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
  const admin = new Client({ connectionString: onDatabase(testEnv('databaseUrl'), 'postgres') });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/**
 * A database of its own for one test file, copied from the migrated template the global set-up made,
 * so test files running side by side never see each other's rows (or send each other's emails).
 */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const template = new URL(testEnv('databaseUrl')).pathname.slice(1);
  const name = `hg_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await asAdmin(async (admin) => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
        return;
      } catch (err) {
        // Two copies of one template cannot start at the same instant; the other finishes quickly.
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  });
  return {
    url: onDatabase(testEnv('databaseUrl'), name),
    drop: () => asAdmin(async (admin) => void (await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  };
}
