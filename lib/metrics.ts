import type { RequestHandler } from 'express';
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PrismaClient } from './db';

// What operators watch, in the Prometheus format (`/metrics` on the API and the worker): Node's own
// figures, HTTP requests by route and status, the work the worker does, and the state of the read
// models: open and overdue tasks, the email outbox, incidents. Counts only: no personal data.

/** A process's registry: Node's own metrics (CPU, memory, event loop lag, GC), labelled with the service. */
export function serviceRegistry(service: 'api' | 'worker'): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * What the worker's activities and dispatcher count, as they do it (a write retried after it
 * committed counts again: these are rates to watch, the read models are the record).
 */
export const workerCounters = {
  tasksOpened: new Counter({
    name: 'housing_tasks_opened_total',
    help: 'Tasks opened in the inbox, by process kind',
    labelNames: ['process_kind'],
    registers: [],
  }),
  tasksDecided: new Counter({
    name: 'housing_tasks_decided_total',
    help: 'Task decisions recorded, by process kind',
    labelNames: ['process_kind'],
    registers: [],
  }),
  tasksEscalated: new Counter({
    name: 'housing_tasks_escalated_total',
    help: 'Tasks escalated to a manager after their due date, by process kind',
    labelNames: ['process_kind'],
    registers: [],
  }),
  emailsSent: new Counter({ name: 'housing_emails_sent_total', help: 'Emails the outbox dispatcher sent', registers: [] }),
  emailsFailed: new Counter({
    name: 'housing_email_failures_total',
    help: 'Attempts to send an email that failed (each is tried again, up to its limit)',
    registers: [],
  }),
  documentsRendered: new Counter({
    name: 'housing_documents_rendered_total',
    help: 'Documents the document renderer stored after the write that asked for them (decision records)',
    registers: [],
  }),
  documentsFailed: new Counter({
    name: 'housing_document_failures_total',
    help: 'Attempts to render a document that failed (each is tried again, up to its limit)',
    registers: [],
  }),
};

export function registerWorkerCounters(registry: Registry): void {
  for (const counter of Object.values(workerCounters)) registry.registerMetric(counter);
}

/** HTTP requests by method, route (its pattern, never its ids) and status: a count and a latency histogram. */
export function httpMetrics(registry: Registry): RequestHandler {
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'http_requests_total', help: 'HTTP requests answered', labelNames, registers: [registry] });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return (req, res, next) => {
    const stop = duration.startTimer();
    res.on('finish', () => {
      // The matched route's pattern (`/tasks/:id/complete`); a path nothing matched is one label, so ids never become series.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      stop(labels);
    });
    next();
  };
}

interface ReadModelFigures {
  tasks: { process_kind: string; open: number; overdue: number }[];
  outbox: { backlog: number; oldest_seconds: number | null };
  documents: { pending: number; failed: number };
  incidents: number;
}

/** The read models' state, read once per scrape (one round trip): every gauge of the scrape is from it. */
async function readModelFigures(prisma: PrismaClient): Promise<ReadModelFigures> {
  const [row] = await prisma.$queryRaw<{ figures: ReadModelFigures }[]>`
    SELECT json_build_object(
      'tasks', coalesce((
        SELECT json_agg(json_build_object('process_kind', process_kind, 'open', open, 'overdue', overdue))
        FROM (SELECT process_kind, count(*) AS open, count(*) FILTER (WHERE due_at < now()) AS overdue
              FROM task WHERE status = 'open' GROUP BY process_kind) t), '[]'::json),
      'outbox', (SELECT json_build_object('backlog', count(*), 'oldest_seconds', extract(epoch FROM now() - min(created_at)))
                 FROM notification WHERE status = 'pending'),
      'documents', (SELECT json_build_object('pending', count(*) FILTER (WHERE status = 'pending'), 'failed', count(*) FILTER (WHERE status = 'failed'))
                    FROM document_job WHERE status IN ('pending', 'failed')),
      'incidents', (SELECT count(*) FROM process_record WHERE status = 'active' AND incident IS NOT NULL)
    ) AS figures`;
  return row!.figures;
}

/** Gauges of the read models, read from PostgreSQL when scraped: the same in every API process. */
export function readModelGauges(registry: Registry, prisma: PrismaClient): void {
  // One read per scrape, however many gauges ask (a scrape collects them all at once).
  let current: { at: number; figures: Promise<ReadModelFigures> } | undefined;
  const figures = () => {
    if (!current || Date.now() - current.at > 1_000) current = { at: Date.now(), figures: readModelFigures(prisma) };
    return current.figures;
  };
  const gauge = (name: string, help: string, read: (f: ReadModelFigures, g: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      // Every API process reads the same figures: one of them is the cluster's, not their sum.
      aggregator: 'first',
      async collect() {
        this.reset();
        read(await figures(), this);
      },
    });
  gauge(
    'housing_tasks_open',
    'Open tasks in the inbox, by process kind',
    (f, g) => f.tasks.forEach((t) => g.set({ process_kind: t.process_kind }, Number(t.open))),
    ['process_kind'],
  );
  gauge(
    'housing_tasks_overdue',
    'Open tasks past their due date, by process kind',
    (f, g) => f.tasks.forEach((t) => g.set({ process_kind: t.process_kind }, Number(t.overdue))),
    ['process_kind'],
  );
  gauge('housing_outbox_backlog', 'Emails waiting to be sent', (f, g) => g.set(Number(f.outbox.backlog)));
  gauge('housing_outbox_oldest_unsent_seconds', 'Age of the oldest email waiting to be sent (0 when none waits)', (f, g) =>
    g.set(Number(f.outbox.oldest_seconds ?? 0)),
  );
  gauge('housing_documents_pending', 'Documents (decision records) waiting to be rendered after their decisions', (f, g) =>
    g.set(Number(f.documents.pending)),
  );
  gauge('housing_documents_failed', 'Documents the renderer gave up on (its error is kept in document_job.last_error)', (f, g) =>
    g.set(Number(f.documents.failed)),
  );
  gauge('housing_incidents_open', 'Processes stopped on an incident, waiting for a programme manager', (f, g) =>
    g.set(Number(f.incidents)),
  );
}

/** What `/metrics` answers: the Prometheus text and its content type. */
export type MetricsText = () => Promise<{ contentType: string; text: string }>;

/** `/metrics` of one process: its registry's text. */
export const registryText =
  (registry: Registry): MetricsText =>
  async () => ({ contentType: registry.contentType, text: await registry.metrics() });

const METRICS_MESSAGE = 'housing-governance:metrics';

/**
 * `/metrics` of one API process among several (API_PROCESSES, Node's cluster): asks the primary, which
 * adds up every process's metrics, so a scrape through the shared port sees the service, not whichever
 * process answered.
 */
export function clusterMetricsText(registry: Registry): MetricsText {
  AggregatorRegistry.setRegistries([registry]);
  const waiting = new Map<string, (answer: { text?: string; error?: string }) => void>();
  process.on('message', (message: { type?: string; id?: string; text?: string; error?: string }) => {
    if (message?.type === METRICS_MESSAGE && message.id) waiting.get(message.id)?.(message);
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the API processes did not report their metrics within 5 s'));
      }, 5_000);
      waiting.set(id, ({ text, error }) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (text === undefined) reject(new Error(error ?? 'no metrics'));
        else resolve({ contentType: registry.contentType, text });
      });
      process.send?.({ type: METRICS_MESSAGE, id });
    });
}

/** The primary's half: answers an API process's ask with every process's metrics added up. */
export function answerClusterMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: { type?: string; id?: string }) => {
    if (message?.type !== METRICS_MESSAGE) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_MESSAGE, id: message.id, text }),
      (err: unknown) => worker.send({ type: METRICS_MESSAGE, id: message.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
}
