import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../prisma/generated/client';

export type { PrismaClient };

/** A connection attempt that gets no answer fails after this, so a hung database answers 503 rather than hanging a request. */
const CONNECT_TIMEOUT_MS = 5_000;

export function createPrisma(databaseUrl: string): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }) });
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
