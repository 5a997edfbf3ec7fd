import type { Worker } from '@temporalio/worker';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';

/** How often a running worker says so; readiness wants one within WORKER_HEARTBEAT_FRESH_SECONDS. */
export const WORKER_HEARTBEAT_EVERY_MS = 2_000;
export const WORKER_HEARTBEAT_FRESH_SECONDS = 10;

/** Whether a worker serving `taskQueue` has said lately that it runs (the database's clock on both sides). */
export async function workerAlive(prisma: PrismaClient, taskQueue: string): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ alive: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM worker_heartbeat WHERE task_queue = ${taskQueue}
      AND seen_at > now() - make_interval(secs => ${WORKER_HEARTBEAT_FRESH_SECONDS})) AS alive`;
  return rows[0]?.alive === true;
}

/**
 * Whether a worker runs, for reads that need one (a process's query): answered 503 at once when none
 * runs, instead of waiting out their deadline for a worker that is not there. Callers at the same
 * moment share one look at the database.
 */
export function workerLiveness(prisma: PrismaClient, taskQueue: string): () => Promise<boolean> {
  let asking: Promise<boolean> | undefined;
  return () => {
    asking ??= workerAlive(prisma, taskQueue).finally(() => {
      asking = undefined;
    });
    return asking;
  };
}

/**
 * Runs the worker, writing its heartbeat while it is running and removing it when it stops, so a dead
 * worker is seen by readiness within seconds. A heartbeat that cannot be written is logged; the worker goes on.
 */
export async function runWithHeartbeat(worker: Worker, prisma: PrismaClient, logger: Pick<Logger, 'warn'>): Promise<void> {
  const { taskQueue, identity } = worker.options;
  const beat = async () => {
    if (worker.getState() !== 'RUNNING') return;
    await prisma.$executeRaw`
      INSERT INTO worker_heartbeat (task_queue, identity, seen_at) VALUES (${taskQueue}, ${identity}, now())
      ON CONFLICT (task_queue, identity) DO UPDATE SET seen_at = now()`;
  };
  const beatLogged = () => beat().catch((err: unknown) => logger.warn({ err }, 'worker heartbeat not written'));
  const timer = setInterval(() => void beatLogged(), WORKER_HEARTBEAT_EVERY_MS);
  const running = worker.run();
  // The first beat as soon as the worker runs, not a whole interval later.
  const first = setInterval(() => {
    if (worker.getState() === 'INITIALIZED') return;
    clearInterval(first);
    void beatLogged();
  }, 50);
  try {
    await running;
  } finally {
    clearInterval(timer);
    clearInterval(first);
    await prisma.$executeRaw`DELETE FROM worker_heartbeat WHERE task_queue = ${taskQueue} AND identity = ${identity}`.catch(
      () => undefined,
    );
  }
}
