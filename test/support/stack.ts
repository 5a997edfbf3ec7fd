import { randomBytes } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker, type WorkerOptions } from '@temporalio/worker';
import { createApp, type AppDependencies } from '../../api/app';
import type { WebDependencies } from '../../web/app';
import { createPrisma, type PrismaClient } from '../../lib/db';
import { createUser, grantRole, issueToken, tokenHolder } from '../../lib/identity';
import { createLogger } from '../../lib/logger';
import { createMailer } from '../../lib/mailer';
import { startOutboxDispatcher } from '../../worker/outbox-dispatcher';
import { startDocumentRenderer } from '../../worker/document-renderer';
import { createWorker } from '../../worker/worker';
import { runWithHeartbeat } from '../../worker/heartbeat';
import type { Role } from '../../workflows/common/roles';
import { freshDatabase } from './database';
import { TEST_PROCESSES } from './registry';
import { testEnv } from './env';
import { Mailbox } from './mailbox';
import { principalCache } from '../../api/principal-cache';
import { answerClientErrorsAsProblems } from '../../api/problem';
import { historyJson, isReplayDivergenceLog, replayStream, type ReplayInput } from '../../lib/replay';
import type { History } from '@temporalio/common/lib/proto-utils';
import { PROJECT_ROOT } from '../../scripts/lib/paths';
import { FORWARD_CORE_LOGS } from '../../lib/temporal-log';

/** The real thing for one test file: a worker and outbox dispatcher on their own task queue, a real
 * SMTP server, and the API on a random port. */
export interface TestStack {
  baseUrl: string;
  /** This stack's own database (see freshDatabase). */
  databaseUrl: string;
  client: Client;
  prisma: PrismaClient;
  taskQueue: string;
  mailbox: Mailbox;
  /** Creates a user holding `role` (in `council`, for `groupKey`), with an email and an API token. */
  user(grant: { council: string; role: Role; groupKey?: string; name?: string }): Promise<TestUser>;
  /** Shuts the worker down and starts a new one on the same task queue, as after a crash or deploy. */
  restartWorker(): Promise<void>;
  /** Shuts the worker down (restartWorker brings one back). */
  stopWorker(): Promise<void>;
  /** What a worker process of its own (`worker/main.ts`) needs to serve this stack. */
  workerEnvironment(): NodeJS.ProcessEnv;
  /** Another API on this stack's worker and database, with settings of its own (no rate limit, a replay answered at once). */
  api(settings: ApiSettings): Promise<{ baseUrl: string; close(): void }>;
  /** The runs on this stack's task queue that do not replay against the code they ran on (none, or a race). */
  runsThatDoNotReplay(): Promise<string[]>;
  /** Stops everything, after replaying every run the stack's processes produced: a run that cannot replay fails the file. */
  stop(): Promise<void>;
}

/** A user holding `role` (in `council`, for `groupKey`), with an email at the council's test domain and an API token. */
export async function testUser(
  prisma: PrismaClient,
  { council, role, groupKey = '', name }: { council: string; role: Role; groupKey?: string; name?: string },
): Promise<TestUser> {
  const userId = `${role}-${randomUUID().slice(0, 8)}`;
  const email = `${userId}@${council}.test`;
  await createUser(prisma, { id: userId, displayName: name ?? userId, email });
  await grantRole(prisma, userId, { council, role, groupKey });
  const { token } = await issueToken(prisma, userId, 'test');
  return { userId, role, email, token };
}

/** Another API's settings: its own limits, web settings over the stack's (the web pages call it), a port of its own. */
export type ApiSettings = Partial<Pick<AppDependencies, 'rateLimit' | 'replayAnswerWaitMs' | 'queryLimit'>> & {
  web?: Partial<WebDependencies>;
  port?: number;
};

export interface TestUser {
  userId: string;
  role?: Role;
  email: string;
  token: string;
}

/** Keeps the SDK's own logging to warnings; the runtime is one per process, shared by the files it runs. */
export function quietTemporalRuntime(): void {
  try {
    // The core's lines come through this logger, so a replay's expected divergence is not printed as a warning.
    const print = new DefaultLogger('WARN');
    const logger = new DefaultLogger('WARN', (entry) => {
      // Never throws back into the SDK's native code: a line that arrives once jest has torn down this
      // file's console would leave an exception pending there, and the SDK aborts the process on it.
      try {
        if (!isReplayDivergenceLog(entry.message, entry.meta, entry.timestampNanos)) print.log(entry.level, entry.message, entry.meta);
      } catch {
        // The line is lost; the test's outcome is not.
      }
    });
    Runtime.install({ logger, telemetryOptions: FORWARD_CORE_LOGS });
  } catch {
    // Already installed by an earlier test file in this jest worker process.
  }
}

export interface TestStackOptions {
  /** False: no worker or outbox dispatcher runs here; the test runs `worker/main.ts`. */
  inProcessWorker?: boolean;
  /** The in-process worker's interceptors (e.g. local activities made to finish out of order). */
  interceptors?: WorkerOptions['interceptors'];
}

export async function startTestStack({ inProcessWorker = true, interceptors }: TestStackOptions = {}): Promise<TestStack> {
  quietTemporalRuntime();
  const taskQueue = `test-${randomUUID()}`;
  const address = testEnv('temporalAddress');
  const logger = createLogger('test', process.env.HG_TEST_LOG_LEVEL ?? 'silent');
  const database = await freshDatabase();
  const prisma = createPrisma(database.url);
  const mailbox = await Mailbox.start();
  const mailer = createMailer({ smtpUrl: mailbox.url, from: 'housing-governance <no-reply@test.local>', log: () => undefined });
  const stopDispatcher = inProcessWorker ? startOutboxDispatcher(prisma, mailer, logger, 100) : async () => undefined;
  const stopRenderer = inProcessWorker ? startDocumentRenderer(prisma, logger, 50) : async () => undefined;
  const workerConnection = await NativeConnection.connect({ address });
  const runWorker = async (): Promise<{ worker: Worker; running: Promise<void> } | undefined> => {
    if (!inProcessWorker) return undefined;
    const worker = await createWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      workflowBundlePath: testEnv('workflowBundle'),
      prisma,
      registry: TEST_PROCESSES,
      ...(interceptors ? { interceptors } : {}),
    });
    return { worker, running: runWithHeartbeat(worker, prisma, logger) };
  };
  let current = await runWorker();
  const stopWorker = async () => {
    current?.worker.shutdown();
    await current?.running;
  };
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  // Who tokens are, kept until access changes, as the API process keeps them: one per stack, as one per process.
  const principals = principalCache({ databaseUrl: database.url, logger, lookup: (token) => tokenHolder(prisma, token) });
  const serve = async ({ web, port = 0, ...settings }: ApiSettings = {}) => {
    // The web pages call the API they are served beside; its address is known once it listens.
    let selfUrl = '';
    const app = createApp({
      client,
      prisma,
      principals,
      logger,
      taskQueue,
      workflowBundlePath: testEnv('workflowBundle'),
      registry: TEST_PROCESSES,
      web: {
        databaseUrl: database.url,
        sessionSecret: randomBytes(32).toString('hex'),
        secureCookies: false,
        idleMinutes: 30,
        absoluteHours: 10,
        apiUrl: () => selfUrl,
        emailLinks: { mailer, publicUrl: () => selfUrl },
        ...web,
      },
      ...settings,
    });
    const listening = await new Promise<Server>((resolve) => {
      const started = app.listen(port, '127.0.0.1', () => resolve(started));
    });
    answerClientErrorsAsProblems(listening);
    selfUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    return { server: listening, baseUrl: selfUrl };
  };
  const { server, baseUrl } = await serve();
  return {
    baseUrl,
    async api(settings) {
      const other = await serve(settings);
      return { baseUrl: other.baseUrl, close: () => void other.server.close() };
    },
    databaseUrl: database.url,
    client,
    prisma,
    taskQueue,
    mailbox,
    user: (grant) => testUser(prisma, grant),
    workerEnvironment: () => ({
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WORKFLOW_BUNDLE_PATH: testEnv('workflowBundle'),
      SMTP_URL: mailbox.url,
      LOG_LEVEL: 'info',
    }),
    restartWorker: async () => {
      await stopWorker();
      current = await runWorker();
    },
    stopWorker: async () => {
      await stopWorker();
      current = undefined;
    },
    runsThatDoNotReplay: () => runsThatDoNotReplay(client, taskQueue),
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await stopWorker();
      const diverged = await runsThatDoNotReplay(client, taskQueue).finally(async () => {
        await stopDispatcher();
        await stopRenderer();
        mailer.close();
        await mailbox.close();
        await Promise.all([workerConnection.close(), connection.close(), principals.stop(), prisma.$disconnect()]);
        await database.drop();
      });
      if (diverged.length) throw new Error(`runs this file produced do not replay against their own code:\n${diverged.join('\n')}`);
    },
  };
}

/** Where the histories of runs that did not replay are written, to look into or keep as regression cases. */
const DIVERGED_DIR = path.join(PROJECT_ROOT, '.data', 'test', 'diverged');

/**
 * Replays every run on the stack's task queue (processes and their children) against the bundle they
 * ran on. A race between timers, updates and local activities that orders commands one way live and
 * another on replay shows here, in the test that caused it, rather than when a council's worker
 * evicts a process from its cache.
 */
async function runsThatDoNotReplay(client: Client, taskQueue: string): Promise<string[]> {
  // Each history is kept until its run has replayed, to write out one that did not.
  const histories = new Map<string, History>();
  async function* runs(): AsyncGenerator<ReplayInput> {
    for await (const run of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      histories.set(run.runId, history);
      yield { processId: run.workflowId, workflowId: run.workflowId, runId: run.runId, history };
    }
  }
  const diverged: string[] = [];
  for await (const result of replayStream({ codePath: testEnv('workflowBundle') }, runs())) {
    if (result.deterministic) {
      histories.delete(result.runId);
      continue;
    }
    const file = path.join(DIVERGED_DIR, `${result.runId}.json`);
    mkdirSync(DIVERGED_DIR, { recursive: true });
    writeFileSync(file, JSON.stringify({ workflowId: result.workflowId, history: historyJson(histories.get(result.runId) as History) }));
    histories.delete(result.runId);
    diverged.push(
      `${result.workflowId} (${result.runId}) at event ${result.divergence?.eventId ?? '?'}: ${result.divergence?.message ?? ''} [history: ${file}]`,
    );
  }
  return diverged;
}

/** A rate limit no test meets: for an API a generator sends hundreds of requests to. */
export const UNLIMITED = { perSecond: 1e6, burst: 1e6 };

/** A council id no other test uses, so business keys never collide across tests and runs. */
export const uniqueCouncil = (): string => `council-${randomUUID().slice(0, 8)}`;

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  headers: Headers;
  body: T;
}

/** Calls the API over HTTP as `as` (a user's token, when given), with a JSON body (when given). */
export async function callApi<T = Record<string, unknown>>(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: { as?: TestUser; body?: unknown; rawBody?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.as) headers.authorization = `Bearer ${options.as.token}`;
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as T,
  };
}
