import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import { workerAlive } from '../worker/heartbeat';
import { route, type AnyRoute } from './route-spec';

const READINESS_TIMEOUT_MS = 2_000;

/** A poller seen this recently means a worker is serving the task queue (a long poll lasts up to a minute). */
const POLLER_FRESH_MS = 75_000;

async function check(probe: () => Promise<unknown>): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a worker has polled the task queue for workflow tasks lately. */
async function workerPolling(client: Client, taskQueue: string): Promise<boolean> {
  const { pollers } = await client.connection.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  const freshSince = Date.now() - POLLER_FRESH_MS;
  return (pollers ?? []).some((poller) => Number(poller.lastAccessTime?.seconds ?? 0) * 1000 >= freshSince);
}

export function healthRoutes({ client, prisma, taskQueue }: { client: Client; prisma: PrismaClient; taskQueue: string }): AnyRoute[] {
  const readiness = z.object({
    status: z.enum(['ready', 'not ready']),
    checks: z.object({
      temporal: z.enum(['ok', 'unreachable']),
      database: z.enum(['ok', 'unreachable']),
      worker: z.enum(['polling', 'no worker polling', 'unknown']),
    }),
  });
  return [
    route({
      method: 'get',
      path: '/healthz',
      tag: 'operations',
      summary: 'The API process is alive',
      public: true,
      responses: { 200: { description: 'alive', schema: z.object({ status: z.literal('alive') }) } },
      handler({ res }) {
        res.json({ status: 'alive' });
      },
    }),
    route({
      method: 'get',
      path: '/readyz',
      tag: 'operations',
      summary: 'Ready only when the workflow service and the read-model database answer and a worker polls the task queue',
      public: true,
      responses: { 200: { description: 'ready', schema: readiness }, 503: { description: 'not ready', schema: readiness } },
      async handler({ req, res }) {
        let polling = false;
        let alive = false;
        const [temporal, database] = await Promise.all([
          check(async () => {
            polling = await workerPolling(client, taskQueue);
          }),
          check(async () => {
            alive = await workerAlive(prisma, taskQueue);
          }),
        ]);
        // What failed goes to the log; the answer says only what is down.
        if (temporal !== 'ok' || database !== 'ok') req.log.warn({ temporal, database }, 'not ready');
        const checks = {
          temporal: temporal === 'ok' ? ('ok' as const) : ('unreachable' as const),
          database: database === 'ok' ? ('ok' as const) : ('unreachable' as const),
          // A worker polls Temporal and has said within seconds that it runs (Temporal's poller list alone
          // lags a dead worker by a minute); with the database down, its heartbeat cannot be read.
          worker:
            temporal !== 'ok'
              ? ('unknown' as const)
              : polling && (alive || database !== 'ok')
                ? ('polling' as const)
                : ('no worker polling' as const),
        };
        const ready = checks.temporal === 'ok' && checks.database === 'ok' && checks.worker === 'polling';
        if (!ready) res.setHeader('Retry-After', '5');
        res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
      },
    }),
  ];
}
