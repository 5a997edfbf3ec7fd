// `npm run cluster`: the production shape on one machine (scripts/lib/cluster.ts): the Temporal
// server on PostgreSQL, two workers and two API processes against one application database, until
// Ctrl-C. `npm start` keeps the single-process dev server.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseConfig } from '../lib/config';
import { startCluster } from './lib/cluster';
import { DATA_DIR } from './lib/paths';
import { webSessionSecret } from './lib/web-secret';

const port = z.coerce.number().int().min(1).max(65535);
const config = parseConfig(
  z.object({
    /** Where the cluster keeps its PostgreSQL, logs and `cluster.json` (what runs where, for scripts and the topology tests). */
    CLUSTER_DATA_DIR: z.string().min(1).default(path.join(DATA_DIR, 'cluster')),
    CLUSTER_POSTGRES_PORT: port.default(54339),
    CLUSTER_TEMPORAL_PORT_BASE: port.default(7400),
    CLUSTER_API_PORTS: z
      .string()
      .regex(/^\d+(,\d+)*$/)
      .default('3001,3002'),
    CLUSTER_WORKER_METRICS_PORTS: z
      .string()
      .regex(/^\d+(,\d+)*$/)
      .default('9464,9466'),
  }),
);
const say = (message: string) => console.log(`[cluster] ${message}`);
const ports = (list: string) => list.split(',').map(Number);

async function main(): Promise<void> {
  const dataDir = path.resolve(config.CLUSTER_DATA_DIR);
  const cluster = await startCluster({
    dataDir,
    postgresPort: config.CLUSTER_POSTGRES_PORT,
    temporalPortBase: config.CLUSTER_TEMPORAL_PORT_BASE,
    apiPorts: ports(config.CLUSTER_API_PORTS),
    workerMetricsPorts: ports(config.CLUSTER_WORKER_METRICS_PORTS),
    env: { WEB_SESSION_SECRET: process.env.WEB_SESSION_SECRET ?? webSessionSecret(dataDir) },
    say,
  });
  say(`Temporal (on PostgreSQL): ${cluster.temporalAddress}`);
  say(`APIs: ${cluster.apiUrls.join(', ')} (web pages at /app/ on each; one database, so either serves any request)`);
  say(`worker metrics: ${cluster.workerMetricsUrls.join(', ')}`);
  say(`logs: ${path.join(dataDir, 'logs')}; DATABASE_URL=${cluster.databaseUrl} for \`npm run admin\``);
  const processes = (list: { name: string; child: { pid?: number } }[]) => list.map((p) => ({ name: p.name, pid: p.child.pid }));
  writeFileSync(
    path.join(dataDir, 'cluster.json'),
    JSON.stringify({
      databaseUrl: cluster.databaseUrl,
      temporalAddress: cluster.temporalAddress,
      namespace: cluster.namespace,
      taskQueue: cluster.taskQueue,
      apiUrls: cluster.apiUrls,
      workerMetricsUrls: cluster.workerMetricsUrls,
      workers: processes(cluster.workers),
      apis: processes(cluster.apis),
    }),
  );
  say('press Ctrl-C to stop');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    void cluster.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A closed terminal stops it the same way, rather than leaving its workers polling on their own.
  process.once('SIGHUP', stop);
}

main().catch((err: unknown) => {
  console.error(`[cluster] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
