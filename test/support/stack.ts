import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createApp } from '../../api/app';
import { createPrisma, type PrismaClient } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { createWorker } from '../../worker/worker';
import type { Actor } from '../../workflows/common/roles';
import { testEnv } from './env';

/** The real thing for one test file: a worker on its own task queue, the API on a random port. */
export interface TestStack {
  baseUrl: string;
  client: Client;
  prisma: PrismaClient;
  taskQueue: string;
  /** Shuts the worker down and starts a new one on the same task queue, as after a crash or deploy. */
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** Keeps the SDK's own logging to warnings; the runtime is one per process, shared by the files it runs. */
export function quietTemporalRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier test file in this jest worker process.
  }
}

export async function startTestStack(): Promise<TestStack> {
  quietTemporalRuntime();
  const taskQueue = `test-${randomUUID()}`;
  const address = testEnv('temporalAddress');
  const prisma = createPrisma(testEnv('databaseUrl'));
  const workerConnection = await NativeConnection.connect({ address });
  const runWorker = async (): Promise<{ worker: Worker; running: Promise<void> }> => {
    const worker = await createWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      workflowBundlePath: testEnv('workflowBundle'),
      prisma,
    });
    return { worker, running: worker.run() };
  };
  let current = await runWorker();
  const stopWorker = async () => {
    current.worker.shutdown();
    await current.running;
  };
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const app = createApp({ client, prisma, logger: createLogger('api-test', 'silent'), taskQueue });
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    client,
    prisma,
    taskQueue,
    restartWorker: async () => {
      await stopWorker();
      current = await runWorker();
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await stopWorker();
      await Promise.all([workerConnection.close(), connection.close(), prisma.$disconnect()]);
    },
  };
}

/** A council id no other test uses, so business keys never collide across tests and runs. */
export const uniqueCouncil = (): string => `council-${randomUUID().slice(0, 8)}`;

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  body: T;
}

/** Calls the API over HTTP as `actor` (when given), with a JSON body (when given). */
export async function callApi<T = Record<string, unknown>>(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { actor?: Actor; body?: unknown; rawBody?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = {};
  if (options.actor) Object.assign(headers, { 'x-actor-id': options.actor.userId, 'x-actor-role': options.actor.role });
  const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : {}) as T };
}
