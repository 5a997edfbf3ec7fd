import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';
import { prepareBackends } from './prepare';
import { stopChild } from './processes';
import { startService, type ServiceProcess } from './service-process';
import { ensureTemporalServer, setUpTemporalSchemas, startTemporalServer, type TemporalServer } from './temporal-server';

// The production shape scaled down to one machine (`npm run cluster`, and the topology tests): the
// Temporal server on PostgreSQL, two workers and two API processes, one application database. The
// Temporal server's databases and the application's share one PostgreSQL here; docker-compose.yml
// gives each its own.

export interface ClusterOptions {
  /** Where the cluster keeps its PostgreSQL data and logs. */
  dataDir: string;
  postgresPort: number;
  /** temporal/config/cluster.yaml's ports are this base + 33 (frontend), 34, 35, 39, 43, 53…59, 90. */
  temporalPortBase: number;
  /** The API processes' ports, one each. */
  apiPorts: number[];
  /** The workers' metrics ports, one each (the SDK's own on the next port). */
  workerMetricsPorts: number[];
  namespace?: string;
  taskQueue?: string;
  /** More environment for every worker and API (SMTP_URL, a WORKFLOW_BUNDLE_PATH, …). */
  env?: NodeJS.ProcessEnv;
  say?: (message: string) => void;
}

export interface Cluster {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  apiUrls: string[];
  workerMetricsUrls: string[];
  workers: ServiceProcess[];
  apis: ServiceProcess[];
  stop(): Promise<void>;
}

/** Stops what was started, last first; what fails to stop does not keep the rest running. */
type Stops = (() => Promise<void>)[];

/** PostgreSQL, and the Temporal server on it with its namespace; the application's database migrated. */
async function temporalOnPostgres(options: ClusterOptions, namespace: string, logDir: string, stops: Stops, say: (m: string) => void) {
  const tools = ensureTemporalServer();
  say(`PostgreSQL on 127.0.0.1:${options.postgresPort} (${path.join(options.dataDir, 'postgres')})`);
  const postgres: RunningPostgres = await startEmbeddedPostgres({
    dataDir: path.join(options.dataDir, 'postgres'),
    port: options.postgresPort,
    databases: ['housing_governance'],
  });
  stops.push(() => postgres.stop());
  const url = new URL(postgres.urlFor('postgres'));
  const db = {
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
  say('Temporal schemas (persistence and SQL visibility)');
  await setUpTemporalSchemas(tools, db);
  say('the Temporal server');
  const temporal: TemporalServer = await startTemporalServer({
    tools,
    db,
    portBase: options.temporalPortBase,
    namespace,
    logFile: path.join(logDir, 'temporal-server.log'),
  });
  stops.push(() => temporal.stop());
  const databaseUrl = postgres.urlFor('housing_governance');
  await prepareBackends({ temporalAddress: temporal.address, namespace, databaseUrl });
  return { databaseUrl, temporalAddress: temporal.address };
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const say = options.say ?? (() => undefined);
  const namespace = options.namespace ?? 'default';
  const taskQueue = options.taskQueue ?? 'housing-governance';
  const logDir = path.join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const stops: Stops = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => undefined);
  };
  try {
    const { databaseUrl, temporalAddress } = await temporalOnPostgres(options, namespace, logDir, stops, say);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WEB_SECURE_COOKIES: 'false',
      ...options.env,
    };
    const service = async (name: string, entry: string, own: NodeJS.ProcessEnv, ready: string) => {
      const started = await startService(name, entry, { ...env, ...own }, logDir, ready);
      stops.push(() => stopChild(started.child));
      say(`${name} running (pid ${started.child.pid})`);
      return started;
    };
    const workers: ServiceProcess[] = [];
    for (const [k, port] of options.workerMetricsPorts.entries())
      workers.push(await service(`worker-${k + 1}`, 'worker/main.ts', { WORKER_METRICS_PORT: String(port) }, '"msg":"worker running"'));
    const apis: ServiceProcess[] = [];
    for (const [k, port] of options.apiPorts.entries())
      apis.push(await service(`api-${k + 1}`, 'api/main.ts', { API_PORT: String(port) }, '"msg":"API listening"'));
    return {
      databaseUrl,
      temporalAddress,
      namespace,
      taskQueue,
      apiUrls: options.apiPorts.map((port) => `http://127.0.0.1:${port}`),
      workerMetricsUrls: options.workerMetricsPorts.map((port) => `http://127.0.0.1:${port}/metrics`),
      workers,
      apis,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
