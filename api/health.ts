import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../lib/db';

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

export function createHealthRouter({ client, prisma }: { client: Client; prisma: PrismaClient }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'alive' });
  });
  // Ready only when both the workflow service and the read-model database answer.
  router.get('/readyz', async (_req, res) => {
    const [temporal, database] = await Promise.all([
      check(() => client.connection.workflowService.getSystemInfo({})),
      check(() => prisma.$queryRaw`SELECT 1`),
    ]);
    const ready = temporal === 'ok' && database === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: { temporal, database } });
  });
  return router;
}
