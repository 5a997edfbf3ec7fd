import cluster from 'node:cluster';
import { Client, Connection } from '@temporalio/client';
import { appConfigSchema, parseConfig } from '../lib/config';
import { createPrisma } from '../lib/db';
import { createLogger } from '../lib/logger';
import { createMailer } from '../lib/mailer';
import { Runtime } from '@temporalio/worker';
import { FORWARD_CORE_LOGS, temporalLoggerFrom } from '../lib/temporal-log';
import { createApp } from './app';
import { principalCache } from './principal-cache';
import { tokenHolder } from '../lib/identity';
import { answerClientErrorsAsProblems } from './problem';
import { answerClusterMetrics, clusterMetricsText, serviceRegistry } from '../lib/metrics';

/** How long a stopping API process waits for requests in flight. */
const API_STOP_DEADLINE_MS = 4_000;

async function main(): Promise<void> {
  const config = parseConfig(appConfigSchema);
  const logger = createLogger('api', config.LOG_LEVEL);
  // The replays auditors ask for run SDK workers here: their log lines go into the JSON log too.
  Runtime.install({ logger: temporalLoggerFrom(logger), telemetryOptions: FORWARD_CORE_LOGS });
  const prisma = createPrisma(config.DATABASE_URL);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const loopback = config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST;
  // Who tokens are, kept until PostgreSQL announces a change to access (then read afresh).
  const principals = principalCache({ databaseUrl: config.DATABASE_URL, logger, lookup: (token) => tokenHolder(prisma, token) });
  const metrics = serviceRegistry('api');
  const app = createApp({
    metrics,
    ...(cluster.isWorker ? { metricsText: clusterMetricsText(metrics) } : {}),
    principals,
    client,
    prisma,
    logger,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    rateLimit: { perSecond: config.API_RATE_LIMIT_PER_SECOND, burst: config.API_RATE_LIMIT_BURST },
    queryLimit: { concurrent: config.API_QUERY_CONCURRENCY, queued: config.API_QUERY_QUEUE },
    ...(config.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: config.WORKFLOW_BUNDLE_PATH } : {}),
    ...(config.WEB_SESSION_SECRET
      ? {
          web: {
            databaseUrl: config.DATABASE_URL,
            sessionSecret: config.WEB_SESSION_SECRET,
            secureCookies: config.WEB_SECURE_COOKIES === 'true',
            idleMinutes: config.WEB_SESSION_IDLE_MINUTES,
            absoluteHours: config.WEB_SESSION_HOURS,
            // The pages call this process's own API, over loopback.
            apiUrl: () => `http://${loopback}:${config.API_PORT}`,
            emailLinks: {
              // Without SMTP_URL the link is written to the log (as `npm start` does with every email).
              mailer: createMailer({
                smtpUrl: config.SMTP_URL,
                from: config.MAIL_FROM,
                log: (message) => logger.info(message, 'email not sent: no SMTP_URL'),
              }),
              publicUrl: () => config.WEB_PUBLIC_URL ?? `http://${loopback}:${config.API_PORT}`,
            },
            ...(config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET && config.OIDC_REDIRECT_URI
              ? {
                  oidc: {
                    issuer: config.OIDC_ISSUER,
                    clientId: config.OIDC_CLIENT_ID,
                    clientSecret: config.OIDC_CLIENT_SECRET,
                    redirectUri: config.OIDC_REDIRECT_URI,
                    subjectClaim: config.OIDC_SUBJECT_CLAIM,
                  },
                }
              : {}),
          },
        }
      : {}),
  });
  const server = app.listen(config.API_PORT, config.API_HOST, () => {
    logger.info(
      {
        url: `http://${config.API_HOST}:${config.API_PORT}`,
        web: config.WEB_SESSION_SECRET
          ? `on, sign-in ${config.OIDC_ISSUER ? `at ${config.OIDC_ISSUER}` : 'with API tokens'}`
          : 'off (no WEB_SESSION_SECRET)',
      },
      'API listening',
    );
  });
  answerClientErrorsAsProblems(server);

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'API shutting down');
    server.close(() => {
      void Promise.allSettled([connection.close(), principals.stop(), prisma.$disconnect()]).then(() => process.exit(0));
    });
    server.closeIdleConnections();
    // Requests still waiting (on a Temporal that is down, say) do not hold the stop up: their callers retry.
    setTimeout(() => process.exit(0), API_STOP_DEADLINE_MS).unref();
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/** With API_PROCESSES above 1, this process forks that many API processes on the same port and stops them with itself. */
function supervise(processes: number): void {
  const logger = createLogger('api', parseConfig(appConfigSchema).LOG_LEVEL);
  let stopping = false;
  const fork = () =>
    cluster.fork().on('exit', (code, signal) => {
      if (stopping) return;
      logger.error({ code, signal }, 'an API process stopped; starting another');
      fork();
    });
  for (let k = 0; k < processes; k += 1) fork();
  answerClusterMetrics();
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    const exited = () => Object.values(cluster.workers ?? {}).every((worker) => !worker || worker.isDead());
    const timer = setInterval(() => exited() && process.exit(0), 100);
    timer.unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

const processes = parseConfig(appConfigSchema).API_PROCESSES;
if (cluster.isPrimary && processes > 1) supervise(processes);
else
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
