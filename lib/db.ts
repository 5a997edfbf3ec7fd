import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../prisma/generated/client';

export type { PrismaClient };

/** A connection attempt that gets no answer fails after this, so a hung database answers 503 rather than hanging a request. */
const CONNECT_TIMEOUT_MS = 5_000;

const drivers = new WeakMap<PrismaClient, Pool>();

/** Prisma over a node-postgres pool of its own, which `driverOf` hands to the hot writes; `$disconnect` ends it. */
export function createPrisma(databaseUrl: string): PrismaClient {
  const pool = new Pool({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle connection lost (PostgreSQL restarted) is replaced on the next query, which reports any outage itself.
  pool.on('error', () => undefined);
  // One pg package: only its type declarations differ between ours and the adapter's.
  const shared = pool as unknown as ConstructorParameters<typeof PrismaPg>[0];
  const prisma = new PrismaClient({ adapter: new PrismaPg(shared, { disposeExternalPool: true }) });
  drivers.set(prisma, pool);
  return prisma;
}

/**
 * The node-postgres pool beneath a Prisma client, for the statements run on every decision (the
 * engine's writes, the document renderer, the outbox): a raw statement through Prisma costs about
 * four times the CPU of the same statement through the driver (docs/performance.md).
 */
export function driverOf(prisma: PrismaClient): Pool {
  const pool = drivers.get(prisma);
  if (!pool) throw new Error('this Prisma client was not made by createPrisma: it has no driver to hand over');
  return pool;
}

// PostgreSQL down, restarting or unreachable (Prisma codes, driver errors, SQLSTATE class 57P), as
// opposed to a query it refused: the first is for a caller to retry, the second is not.
const UNAVAILABLE =
  /\b(P1001|P1002|P1017|P2024|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|57P01|57P02|57P03|DatabaseNotReachable)\b|Connection terminated|timeout exceeded when trying to connect|Can't reach database|the database system is (starting up|shutting down)/i;

/** True when an error says the database could not be reached (try again later), not that it refused the request. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let cause: unknown = err; cause && !seen.has(cause); cause = (cause as { cause?: unknown }).cause) {
    seen.add(cause);
    const { code, message, kind } = cause as { code?: unknown; message?: unknown; kind?: unknown };
    if (UNAVAILABLE.test(`${String(code ?? '')} ${String(kind ?? '')} ${String(message ?? '')}`)) return true;
  }
  return false;
}
