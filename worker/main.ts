import { NativeConnection, Runtime } from '@temporalio/worker';
import { appConfigSchema, parseConfig } from '../lib/config';
import { createPrisma } from '../lib/db';
import { createLogger } from '../lib/logger';
import { createMailer } from '../lib/mailer';
import { startOutboxDispatcher } from './outbox-dispatcher';
import { startDocumentRenderer } from './document-renderer';
import { FORWARD_CORE_LOGS, temporalLoggerFrom } from '../lib/temporal-log';
import { createWorker } from './worker';
import { runWithHeartbeat } from './heartbeat';
import { sdkMetricsAddress, serveWorkerMetrics } from './metrics';

async function main(): Promise<void> {
  const config = parseConfig(appConfigSchema);
  const logger = createLogger('worker', config.LOG_LEVEL);
  const sdkMetricsPort = config.WORKER_METRICS_PORT ? (config.WORKER_SDK_METRICS_PORT ?? config.WORKER_METRICS_PORT + 1) : undefined;
  Runtime.install({
    logger: temporalLoggerFrom(logger),
    telemetryOptions: {
      ...FORWARD_CORE_LOGS,
      ...(sdkMetricsPort ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress(sdkMetricsPort) } } } : {}),
    },
  });
  const stopMetrics =
    config.WORKER_METRICS_PORT && sdkMetricsPort
      ? await serveWorkerMetrics({
          host: config.WORKER_METRICS_HOST,
          port: config.WORKER_METRICS_PORT,
          sdkAddress: sdkMetricsAddress(sdkMetricsPort),
          logger,
        })
      : async () => undefined;
  const prisma = createPrisma(config.DATABASE_URL);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const mailer = createMailer({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    log: (message) => logger.info(message, 'email (no SMTP_URL set, not sent)'),
  });
  const stopDispatcher = startOutboxDispatcher(prisma, mailer, logger);
  const stopRenderer = startDocumentRenderer(prisma, logger);
  try {
    const worker = await createWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundlePath: config.WORKFLOW_BUNDLE_PATH,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      prisma,
    });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker running');
    // The SDK stops polling on SIGINT/SIGTERM and lets running tasks finish before run() resolves.
    await runWithHeartbeat(worker, prisma, logger);
    logger.info('worker stopped');
  } finally {
    await stopDispatcher();
    await stopRenderer();
    await stopMetrics();
    mailer.close();
    await connection.close();
    await prisma.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
