import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createPrisma } from '../lib/db';
import { Prisma } from '../prisma/generated/client';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../scripts/lib/migrate';
import { testEnv } from './support/env';

// Each test gets a database of its own on the test server, so migrations start from nothing.
let admin: Client;
const created: string[] = [];
beforeAll(async () => {
  // On the server's own `postgres` database: the test template must stay free of connections.
  const url = new URL(testEnv('databaseUrl'));
  url.pathname = '/postgres';
  admin = new Client({ connectionString: url.toString() });
  await admin.connect();
});
afterAll(async () => {
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

async function emptyDatabase(): Promise<string> {
  const name = `migrate_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin.query(`CREATE DATABASE ${name}`);
  created.push(name);
  const url = new URL(testEnv('databaseUrl'));
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<T extends Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the migration runner', () => {
  it('applies every committed migration and records it the way Prisma Migrate does', async () => {
    const url = await emptyDatabase();

    const applied = await migrate(url);

    const committed = readMigrations();
    expect(applied).toEqual(committed.map((m) => m.name));
    const rows = await query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      url,
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" ORDER BY migration_name',
    );
    expect(rows.map((row) => [row.migration_name, row.checksum])).toEqual(committed.map((m) => [m.name, m.checksum]));
    expect(rows.every((row) => row.finished_at !== null)).toBe(true);
    expect(await query(url, 'SELECT id FROM process_record')).toEqual([]);
  });

  // The migrations are written by hand (see docs/running.md), so this is what keeps them and the schema in step.
  it('gives the Prisma schema every table and column it reads', async () => {
    const url = await emptyDatabase();
    await migrate(url);
    const prisma = createPrisma(url);
    try {
      for (const model of Object.values(Prisma.ModelName)) {
        const delegate = prisma[(model.charAt(0).toLowerCase() + model.slice(1)) as Uncapitalize<typeof model>] as unknown as {
          findMany(args: { take: number }): Promise<unknown[]>;
        };
        // Every table starts empty but the audit log's head, which starts at the chain's genesis.
        await expect(delegate.findMany({ take: 1 })).resolves.toEqual(
          model === 'AuditHead' ? [{ id: 1, seq: 0n, hash: '0'.repeat(64), prevHash: '0'.repeat(64) }] : [],
        );
      }
    } finally {
      await prisma.$disconnect();
    }
  });

  it('applies nothing the second time', async () => {
    const url = await emptyDatabase();
    await migrate(url);

    expect(await migrate(url)).toEqual([]);
  });

  it('refuses to go on when an applied migration has since been edited', async () => {
    const url = await emptyDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hg-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      await migrate(url, dir);
      const first = readMigrations(dir)[0];
      appendFileSync(path.join(dir, first!.name, 'migration.sql'), '\n-- edited afterwards\n');

      await expect(migrate(url, dir)).rejects.toThrow(`migration ${first!.name} was changed after it was applied`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves no trace of a migration that fails part-way', async () => {
    const url = await emptyDatabase();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hg-migrations-'));
    try {
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const broken = path.join(dir, '99999999999999_broken');
      cpSync(path.join(dir, readMigrations(dir)[0]!.name), broken, { recursive: true });
      // The copy re-creates an existing table after creating a new one: the whole migration must roll back.
      const sql = 'CREATE TABLE half_done (id int);\nCREATE TABLE process_record (id int);\n';
      writeFileSync(path.join(broken, 'migration.sql'), sql);

      await expect(migrate(url, dir)).rejects.toThrow(/99999999999999_broken failed and was rolled back/);
      expect(await query(url, "SELECT to_regclass('half_done') AS t")).toEqual([{ t: null }]);
      expect(await query(url, `SELECT 1 FROM "_prisma_migrations" WHERE migration_name = '99999999999999_broken'`)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
