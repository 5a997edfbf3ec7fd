import { Prisma } from '../prisma/generated/client';
import type { PrismaClient } from './db';

/**
 * One part of a write: a data-modifying statement (INSERT, UPDATE), run as a CTE of the write's one
 * statement; named (`as`) for a later part to read what it returned (the audit chain's head).
 */
export type WritePart = Prisma.Sql | { sql: Prisma.Sql; as: string };

type Part = WritePart | undefined | false;

/**
 * The parts of a write as one SQL statement (data-modifying CTEs): one round trip, atomic without a
 * transaction around it. The parts see one snapshot and must not change the same row twice; each runs
 * to its end whether or not another reads it.
 */
export function oneStatement(parts: Part[]): Prisma.Sql {
  const ctes = parts
    .filter((part): part is WritePart => Boolean(part))
    .map((part, index) => {
      const { sql, as } = part instanceof Prisma.Sql ? { sql: part, as: undefined } : part;
      return Prisma.sql`${Prisma.raw(as ?? `write_${index}`)} AS (${sql})`;
    });
  return Prisma.sql`WITH ${Prisma.join(ctes, ', ')} SELECT 1`;
}

/** Runs the parts of a write as one statement (see `oneStatement`); inside `$transaction([...])` too. */
export const writeAtOnce = (prisma: PrismaClient, parts: Part[]) => prisma.$executeRaw(oneStatement(parts));

/** A JSON value as a jsonb parameter (NULL for none). */
export const jsonb = (value: unknown) => (value === undefined ? Prisma.sql`NULL::jsonb` : Prisma.sql`${JSON.stringify(value)}::jsonb`);
