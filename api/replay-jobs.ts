import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import type { RunReplay } from '../lib/replay';
import { isoDateTime } from '../lib/field-schemas';

/** A replay still `running` whose progress has not moved for this long died with the API process running it. */
const ABANDONED_AFTER_MS = 5 * 60_000;

export const replayJobResponse = z.object({
  replayId: z.string(),
  council: z.string(),
  processId: z.string().nullable(),
  status: z.enum(['running', 'done', 'failed', 'abandoned']),
  runsReplayed: z.number().int(),
  runsDiverged: z.number().int(),
  startedAt: isoDateTime,
  updatedAt: isoDateTime,
  finishedAt: isoDateTime.nullable(),
  report: z.unknown().optional(),
  error: z.string().optional(),
});
export type ReplayJobView = z.infer<typeof replayJobResponse>;

/**
 * Replays an auditor asked for, each a row that says how far it has got: the work runs in this API
 * process (its replays in a thread), the row lets any API process answer where it stands.
 */
export function replayJobs(prisma: PrismaClient) {
  const read = async (id: string): Promise<ReplayJobView | undefined> => {
    const job = await prisma.replayJob.findUnique({ where: { id } });
    if (!job) return undefined;
    const abandoned = job.status === 'running' && Date.now() - job.updatedAt.getTime() > ABANDONED_AFTER_MS;
    return {
      replayId: job.id,
      council: job.council,
      processId: job.processId,
      status: abandoned ? 'abandoned' : (job.status as ReplayJobView['status']),
      runsReplayed: job.runsReplayed,
      runsDiverged: job.runsDiverged,
      startedAt: job.startedAt.toISOString(),
      updatedAt: job.updatedAt.toISOString(),
      finishedAt: job.finishedAt?.toISOString() ?? null,
      ...(job.report === null ? {} : { report: job.report }),
      ...(job.error === null ? {} : { error: abandoned ? 'the API process running it stopped; ask for the replay again' : job.error }),
    };
  };

  /**
   * Starts a replay: `replay` does the work, telling each run as it is replayed. Answers the job's id at
   * once and `finished`, the report (or the failure) when it is done.
   */
  const start = async <Report>(
    scope: { council: string; processId?: string; requestedBy: string },
    replay: (progress: (run: RunReplay) => Promise<void>) => Promise<Report>,
  ): Promise<{ id: string; finished: Promise<Report> }> => {
    const id = randomUUID();
    const now = new Date();
    await prisma.replayJob.create({
      data: {
        id,
        council: scope.council,
        processId: scope.processId ?? null,
        requestedBy: scope.requestedBy,
        status: 'running',
        startedAt: now,
        updatedAt: now,
      },
    });
    const progress = async (run: RunReplay) => {
      await prisma.replayJob.update({
        where: { id },
        data: { runsReplayed: { increment: 1 }, runsDiverged: { increment: run.deterministic ? 0 : 1 }, updatedAt: new Date() },
      });
    };
    const finished = replay(progress).then(
      async (report) => {
        await prisma.replayJob.update({
          where: { id },
          data: { status: 'done', report: report as object, updatedAt: new Date(), finishedAt: new Date() },
        });
        return report;
      },
      async (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        await prisma.replayJob
          .update({
            where: { id },
            data: { status: 'failed', error: message.slice(0, 2_000), updatedAt: new Date(), finishedAt: new Date() },
          })
          .catch(() => undefined);
        throw err;
      },
    );
    // Whoever waits on it hears of a failure; nobody may be waiting any more.
    finished.catch(() => undefined);
    return { id, finished };
  };

  return { start, read };
}

export type ReplayJobs = ReturnType<typeof replayJobs>;
