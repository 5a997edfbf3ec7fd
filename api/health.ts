import type { Client } from '@temporalio/client';
import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import { route, type AnyRoute } from './route-spec';

const READINESS_TIMEOUT_MS = 2_000;

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

export function healthRoutes({ client, prisma }: { client: Client; prisma: PrismaClient }): AnyRoute[] {
  const readiness = z.object({ status: z.enum(['ready', 'not ready']), checks: z.object({ temporal: z.string(), database: z.string() }) });
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
      summary: 'Ready only when both the workflow service and the read-model database answer',
      public: true,
      responses: { 200: { description: 'ready', schema: readiness }, 503: { description: 'not ready', schema: readiness } },
      async handler({ res }) {
        const [temporal, database] = await Promise.all([
          check(() => client.connection.workflowService.getSystemInfo({})),
          check(() => prisma.$queryRaw`SELECT 1`),
        ]);
        const ready = temporal === 'ok' && database === 'ok';
        res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: { temporal, database } });
      },
    }),
  ];
}
