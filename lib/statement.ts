import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { Prisma } from '../prisma/generated/client';
import { driverOf, type PrismaClient } from './db';

/**
 * One part of a write: a data-modifying statement (INSERT, UPDATE), run as a CTE of the write's one
 * statement; named (`as`) for a later part to read what it returned (the audit chain's head).
 */
export type WritePart = Prisma.Sql | { sql: Prisma.Sql; as: string };

/** A part, or none where a write has nothing of that kind (`cond && part`). */
export type MaybePart = WritePart | undefined | false;

/**
 * The parts of a write as one SQL statement (data-modifying CTEs): one round trip, atomic without a
 * transaction around it. The parts see one snapshot and must not change the same row twice; each runs
 * to its end whether or not another reads it.
 */
export function oneStatement(parts: MaybePart[]): Prisma.Sql {
  const ctes = parts
    .filter((part): part is WritePart => Boolean(part))
    .map((part, index) => {
      const { sql, as } = part instanceof Prisma.Sql ? { sql: part, as: undefined } : part;
      return Prisma.sql`${Prisma.raw(as ?? `write_${index}`)} AS (${sql})`;
    });
  return Prisma.sql`WITH ${Prisma.join(ctes, ', ')} SELECT 1`;
}

/**
 * Runs a statement through the driver, as a prepared statement named by its text: PostgreSQL parses
 * each kind of write once per connection, not once per decision.
 */
export async function runStatement<Row = unknown>(db: Pool | PoolClient, statement: Prisma.Sql): Promise<Row[]> {
  const name = `hg_${createHash('sha1').update(statement.text).digest('hex').slice(0, 24)}`;
  const result = await db.query({ name, text: statement.text, values: statement.values as unknown[] });
  return result.rows as Row[];
}

/** Runs the parts of a write as one statement (see `oneStatement`), through the driver beneath `prisma`. */
export async function writeAtOnce(prisma: PrismaClient, parts: MaybePart[]): Promise<void> {
  await runStatement(driverOf(prisma), oneStatement(parts));
}

/** Runs `work` in a transaction on one of the driver's connections: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(prisma: PrismaClient, work: (db: PoolClient) => Promise<T>): Promise<T> {
  const db = await driverOf(prisma).connect();
  try {
    await db.query('BEGIN');
    const result = await work(db);
    await db.query('COMMIT');
    return result;
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    db.release();
  }
}

/** A JSON value as a jsonb parameter (NULL for none). */
export const jsonb = (value: unknown) => (value === undefined ? Prisma.sql`NULL::jsonb` : Prisma.sql`${JSON.stringify(value)}::jsonb`);
