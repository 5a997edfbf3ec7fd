import { Client, Connection } from '@temporalio/client';
import { appConfigSchema, parseConfig } from '../lib/config';
import { createPrisma } from '../lib/db';
import { createLogger } from '../lib/logger';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = parseConfig(appConfigSchema);
  const logger = createLogger('api', config.LOG_LEVEL);
  const prisma = createPrisma(config.DATABASE_URL);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const app = createApp({ client, prisma, logger, taskQueue: config.TEMPORAL_TASK_QUEUE, ...(config.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: config.WORKFLOW_BUNDLE_PATH } : {}) });
  const server = app.listen(config.API_PORT, config.API_HOST, () => {
    logger.info({ url: `http://${config.API_HOST}:${config.API_PORT}` }, 'API listening');
  });

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'API shutting down');
    server.close(() => {
      void Promise.allSettled([connection.close(), prisma.$disconnect()]).then(() => process.exit(0));
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
