import { createHash } from 'node:crypto';
import { delegatesOfAddresses } from '../lib/absences';
import type { PrismaClient } from '../lib/db';
import { inTransaction, runStatement } from '../lib/statement';
import { Prisma } from '../prisma/generated/client';
import type { Logger } from '../lib/logger';
import { pollUntilStopped } from './poller';
import type { Mailer } from '../lib/mailer';
import { workerCounters } from '../lib/metrics';

/**
 * Emails sent in one transaction: one, so a dispatcher that dies (a worker killed) leaves at most the
 * message it was sending to go again, not those it had sent earlier in a batch still uncommitted.
 */
const BATCH = 1;
const MAX_ATTEMPTS = 10;

interface PendingRow {
  id: string;
  dedupe_key: string;
  recipients: string[];
  subject: string;
  body: string;
  attempts: number;
}

/**
 * An email's Message-ID, from its outbox key: a message sent again (delivery is at least once) is
 * recognisably the same one, to a mail client and to whoever reads the outbox.
 */
export const messageIdOf = (dedupeKey: string): string =>
  `<${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 40)}@housing-governance>`;

/**
 * Sends the notification outbox. Each row is locked while it is sent and marked sent in the same
 * transaction, committed before the next, so two dispatchers never send one row twice. The one window
 * left is a crash between the SMTP server accepting a message and that commit: that message goes
 * again, with the same Message-ID (at least once).
 */
export async function dispatchOutbox(prisma: PrismaClient, mailer: Mailer, logger: Logger): Promise<number> {
  let sent = 0;
  for (let more = true; more;) {
    more = await inTransaction(prisma, async (db) => {
      const rows = await runStatement<PendingRow>(
        db,
        Prisma.sql`
        SELECT id, dedupe_key, recipients, subject, body, attempts FROM notification
        WHERE status = 'pending' ORDER BY created_at, id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      for (const row of rows) {
        try {
          // Whoever covers for an absent recipient today receives it too (not passed on further).
          const covering = (await delegatesOfAddresses(prisma, row.recipients)).filter(
            (address) => !row.recipients.some((r) => r.toLowerCase() === address.toLowerCase()),
          );
          const to = [...row.recipients, ...covering];
          await mailer.send({ to, subject: row.subject, text: row.body, messageId: messageIdOf(row.dedupe_key) });
          await runStatement(
            db,
            Prisma.sql`UPDATE notification SET status = 'sent', sent_at = now(), attempts = ${row.attempts + 1} WHERE id = ${row.id}`,
          );
          sent += 1;
          workerCounters.emailsSent.inc();
        } catch (err) {
          workerCounters.emailsFailed.inc();
          const attempts = row.attempts + 1;
          const lastError = err instanceof Error ? err.message : String(err);
          logger.warn({ notificationId: row.id, attempts, err: lastError }, 'email not sent');
          await runStatement(
            db,
            Prisma.sql`
            UPDATE notification SET attempts = ${attempts}, last_error = ${lastError}, status = ${attempts >= MAX_ATTEMPTS ? 'failed' : 'pending'}
            WHERE id = ${row.id}`,
          );
        }
      }
      return rows.length === BATCH;
    });
  }
  return sent;
}

/** Polls the outbox until stopped; returns the function that stops it (and waits for a round in flight). */
export function startOutboxDispatcher(prisma: PrismaClient, mailer: Mailer, logger: Logger, intervalMs = 500): () => Promise<void> {
  return pollUntilStopped(() => dispatchOutbox(prisma, mailer, logger), logger, 'outbox dispatch', intervalMs);
}
