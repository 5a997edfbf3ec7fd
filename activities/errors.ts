import { ApplicationFailure } from '@temporalio/common';
import { NON_RETRYABLE_ACTIVITY_ERRORS } from '../workflows/common/engine-types';

const [INVALID_PROCESS_DATA] = NON_RETRYABLE_ACTIVITY_ERRORS;

// PostgreSQL refusals that the same data will meet again on every retry (Prisma codes and SQLSTATEs):
// value too long, null or foreign-key constraint, bad text encoding (NUL, lone surrogates), bad value.
const PRISMA_DATA_ERRORS = new Set(['P2000', 'P2003', 'P2006', 'P2007', 'P2011', 'P2012', 'P2019', 'P2020', 'P2023']);
const SQLSTATES = '22001|22021|22P02|22P05|23502|23503|23514|54000';
const SQLSTATE_DATA_ERRORS = new RegExp(`\\b(${SQLSTATES})\\b|invalid byte sequence|unsupported Unicode escape`, 'i');
const SQLSTATE_DATA_CODE = new RegExp(`^(${SQLSTATES})$`);

/** True for an error that retrying the same activity with the same input cannot fix (from Prisma, or from the driver, whose code is the SQLSTATE). */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && (PRISMA_DATA_ERRORS.has(code) || SQLSTATE_DATA_CODE.test(code))) return true;
  const text = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err);
  return SQLSTATE_DATA_ERRORS.test(text);
}

/** What the database said, without the client's call-site dump: what an incident shows a programme manager. */
function databaseRefusal(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const said = /Code: `(\w+)`\. Message: `([^`]*)`/.exec(text);
  if (said) return `PostgreSQL refused it (${said[1]}: ${said[2]})`;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `PostgreSQL refused it (${code}: ${text})`;
  return text.trim().split('\n').at(-1) ?? text;
}

/** The non-retryable failure of `write`, whose data the database refused (`isDataError`). */
export const dataErrorFailure = (write: string, err: unknown): ApplicationFailure =>
  ApplicationFailure.create({
    type: INVALID_PROCESS_DATA,
    message: `${write}: the data cannot be stored: ${databaseRefusal(err)}`,
    // The write that failed, for the incident to name: one of a batch (`writeTogether`), or the activity itself.
    details: [write],
    nonRetryable: true,
    cause: err instanceof Error ? err : undefined,
  });

/**
 * Wraps each activity so an error retrying cannot fix fails it at once, as the non-retryable type the
 * workflows name, instead of retrying for ever; other errors (a database outage) are retried.
 */
export function failFastOnDataErrors<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(
    Object.entries(activities).map(([name, activity]) => [
      name,
      async (...args: never[]) => {
        try {
          return await activity(...args);
        } catch (err) {
          if (err instanceof ApplicationFailure || !isDataError(err)) throw err;
          throw dataErrorFailure(name, err);
        }
      },
    ]),
  ) as T;
}
