import { renderPdf, storeDocument } from '../activities/documents';
import { auditEntry } from '../lib/audit';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import { pollUntilStopped } from './poller';
import { workerCounters } from '../lib/metrics';
import { Prisma } from '../prisma/generated/client';
import { inTransaction, oneStatement, runStatement } from '../lib/statement';
import type { GenerateDocumentInput } from '../workflows/common/engine-types';
import type { Actor } from '../workflows/common/roles';

/** Who the audit log names for a document the service stored after the decision it records. */
const DOCUMENT_RENDERER = 'service:document-renderer';

/** A document that fails this often (its text PDFKit cannot set, say) is left failed, its error kept for the engineer. */
const MAX_ATTEMPTS = 5;

interface PendingJob {
  dedupe_key: string;
  input: GenerateDocumentInput;
  timeline_entry_id: string;
  actor: Actor;
  attempts: number;
}

/**
 * Renders one pending document, if there is one: stores it as the next version of its kind, adds it to
 * the timeline entry that asked for it, audits its hash and marks it rendered, in one transaction with
 * the job locked, so two renderers never render one twice and a crash leaves it to render again. True
 * when it took a job.
 */
async function renderNext(prisma: PrismaClient, logger: Logger): Promise<boolean> {
  return inTransaction(prisma, async (db) => {
    const [job] = await runStatement<PendingJob>(
      db,
      Prisma.sql`
      SELECT dedupe_key, input, timeline_entry_id, actor, attempts FROM document_job
      WHERE status = 'pending' ORDER BY created_at, dedupe_key LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    if (!job) return false;
    try {
      await db.query('SAVEPOINT rendering');
      const stored = await storeDocument(db, job.input, await renderPdf(job.input));
      await runStatement(
        db,
        oneStatement([
          Prisma.sql`
          UPDATE timeline_entry SET document_ids = array_append(document_ids, ${stored.documentId})
          WHERE id = ${job.timeline_entry_id} AND NOT (${stored.documentId} = ANY(document_ids))`,
          // The service stored it, for the decision its timeline entry records (audited with its decider).
          ...auditEntry({
            actorUserId: DOCUMENT_RENDERER,
            action: 'document.stored',
            processId: job.input.process.processId,
            details: {
              documentId: stored.documentId,
              kind: job.input.kind,
              title: job.input.title,
              version: stored.version,
              sha256: stored.sha256,
              recordOf: job.timeline_entry_id,
              decidedBy: job.actor.userId,
            },
            commandKey: `${job.dedupe_key}:stored`,
          }),
          Prisma.sql`
          UPDATE document_job SET status = 'rendered', document_id = ${stored.documentId}, rendered_at = now(), attempts = ${job.attempts + 1}
          WHERE dedupe_key = ${job.dedupe_key}`,
        ]),
      );
      workerCounters.documentsRendered.inc();
    } catch (err) {
      await db.query('ROLLBACK TO SAVEPOINT rendering');
      const attempts = job.attempts + 1;
      const lastError = err instanceof Error ? err.message : String(err);
      logger.warn({ document: job.dedupe_key, attempts, err: lastError }, 'document not rendered');
      workerCounters.documentsFailed.inc();
      await runStatement(
        db,
        Prisma.sql`
        UPDATE document_job SET attempts = ${attempts}, last_error = ${lastError}, status = ${attempts >= MAX_ATTEMPTS ? 'failed' : 'pending'}
        WHERE dedupe_key = ${job.dedupe_key}`,
      );
    }
    return true;
  });
}

/** Renders every pending document, one transaction each; returns how many it took. */
async function renderDocuments(prisma: PrismaClient, logger: Logger): Promise<number> {
  let taken = 0;
  while (await renderNext(prisma, logger)) taken += 1;
  return taken;
}

/**
 * Renders the documents writes asked for (decision records), polling until stopped; returns the
 * function that stops it (and waits for a round in flight).
 */
export function startDocumentRenderer(prisma: PrismaClient, logger: Logger, intervalMs = 200): () => Promise<void> {
  return pollUntilStopped(() => renderDocuments(prisma, logger), logger, 'document rendering', intervalMs);
}
