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
  /** The environment every worker and API of the cluster runs with. */
  env: NodeJS.ProcessEnv;
  /** Starts another worker (e.g. of a new release, with its own bundle), `extraEnv` over the cluster's. */
  startWorker(name: string, metricsPort: number, extraEnv?: NodeJS.ProcessEnv): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const say = options.say ?? (() => undefined);
  const namespace = options.namespace ?? 'default';
  const taskQueue = options.taskQueue ?? 'housing-governance';
  const logDir = path.join(options.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const tools = ensureTemporalServer();
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => undefined);
  };
  try {
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
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      WEB_SECURE_COOKIES: 'false',
      ...options.env,
    };
    const workers: ServiceProcess[] = [];
    const startWorker = async (name: string, metricsPort: number, extraEnv: NodeJS.ProcessEnv = {}) => {
      const worker = await startService(
        name,
        'worker/main.ts',
        { ...env, WORKER_METRICS_PORT: String(metricsPort), ...extraEnv },
        logDir,
        '"msg":"worker running"',
      );
      workers.push(worker);
      stops.push(() => stopChild(worker.child));
      say(`${name} running (pid ${worker.child.pid}), metrics on :${metricsPort}`);
      return worker;
    };
    for (const [k, port] of options.workerMetricsPorts.entries()) await startWorker(`worker-${k + 1}`, port);
    const apis: ServiceProcess[] = [];
    for (const [k, port] of options.apiPorts.entries()) {
      const api = await startService(`api-${k + 1}`, 'api/main.ts', { ...env, API_PORT: String(port) }, logDir, '"msg":"API listening"');
      apis.push(api);
      stops.push(() => stopChild(api.child));
      say(`api-${k + 1} on http://127.0.0.1:${port}`);
    }
    return {
      databaseUrl,
      temporalAddress: temporal.address,
      namespace,
      taskQueue,
      apiUrls: options.apiPorts.map((port) => `http://127.0.0.1:${port}`),
      workerMetricsUrls: options.workerMetricsPorts.map((port) => `http://127.0.0.1:${port}/metrics`),
      workers,
      apis,
      env,
      startWorker,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
