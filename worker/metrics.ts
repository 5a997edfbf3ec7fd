import { createServer } from 'node:http';
import type { Logger } from '../lib/logger';
import { registerWorkerCounters, serviceRegistry } from '../lib/metrics';

// The worker's `/metrics`: Node's own figures and the work it counts (tasks opened, decided and
// escalated; emails sent), followed by the Temporal SDK's own worker metrics (pollers, task slots,
// schedule-to-start latency, workflow task failures), which the SDK's runtime serves on a loopback port.

/** Where the SDK's runtime serves its Prometheus metrics: loopback only, read through this server. */
export const sdkMetricsAddress = (port: number): string => `127.0.0.1:${port}`;

async function sdkMetrics(address: string): Promise<string> {
  const response = await fetch(`http://${address}/metrics`);
  if (!response.ok) throw new Error(`the SDK's metrics answered ${response.status}`);
  return response.text();
}

/** Serves GET /metrics on `host:port`; answers the function that stops it. */
export async function serveWorkerMetrics(options: {
  host: string;
  port: number;
  sdkAddress: string;
  logger: Logger;
}): Promise<() => Promise<void>> {
  const registry = serviceRegistry('worker');
  registerWorkerCounters(registry);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    Promise.all([registry.metrics(), sdkMetrics(options.sdkAddress)])
      .then(([own, sdk]) => res.writeHead(200, { 'content-type': registry.contentType }).end(`${own}\n${sdk}`))
      .catch((err: unknown) => {
        options.logger.warn({ err }, 'metrics not served');
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  options.logger.info({ url: `http://${options.host}:${options.port}/metrics` }, 'worker metrics served');
  return () => new Promise((resolve) => server.close(() => resolve()));
}
