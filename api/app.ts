import express, { type Express, type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../lib/db';
import type { Logger } from '../lib/logger';
import { bearerAuthenticator } from './access';
import type { PrincipalCache } from './principal-cache';
import { peopleRoutes } from './people';
import { publishedRoutes } from './published';
import { overviewRoutes } from './overview';
import { inboxViewRoutes } from './inbox-views';
import { absenceRoutes } from './absences';
import { auditRoutes } from './audit';
import { verifyJsonBody } from './body';
import { auditorRoutes } from './auditors';
import { policyModel } from '../lib/policy';
import { PROCESSES, type ProcessRegistry } from '../lib/process-registry';
import { workflowCode } from '../lib/replay';
import { documentRoutes } from './documents';
import { healthRoutes } from './health';
import { openApiDocument } from './openapi';
import { policyRoutes } from './policies';
import { bulkhead, tokenRateLimiter, whileAWorkerRuns } from './limits';
import { workerLiveness } from '../worker/heartbeat';
import { HttpProblem, problemHandler } from './problem';
import { processRoutes } from './processes';
import { requestContext } from './request-context';
import { mountRoutes, route, type AnyRoute } from './route-spec';
import { taskRoutes } from './tasks';
import { WEB_PATH, webApp, type WebDependencies } from '../web/app';
import { httpMetrics, readModelGauges, registryText, serviceRegistry, type MetricsText } from '../lib/metrics';
import type { Registry } from 'prom-client';

export interface AppDependencies {
  client: Client;
  prisma: PrismaClient;
  logger: Logger;
  taskQueue: string;
  /** The workflow bundle replays run against; without it the workflows are bundled on first use. */
  workflowBundlePath?: string;
  /** The processes the service runs; tests add fixture processes. */
  registry?: ProcessRegistry;
  /** How long a command waits for its process before answering 503 with Retry-After (default 30 s). */
  updateDeadlineMs?: number;
  /** Requests a second per token, and the burst allowed first (API_RATE_LIMIT_*). */
  rateLimit?: { perSecond: number; burst: number };
  /** Process-view queries at once, and how many more may wait (API_QUERY_*). */
  queryLimit?: { concurrent: number; queued: number };
  /** How long a replay's request waits for it before answering 202 with where to follow it (default 10 s). */
  replayAnswerWaitMs?: number;
  /** The web pages (at /app), when a session secret is configured. */
  web?: Omit<WebDependencies, 'prisma' | 'logger' | 'registry'>;
  /** Who tokens are, kept until access changes (api/principal-cache.ts); without it every request reads afresh. */
  principals?: PrincipalCache;
  /** Where this process's metrics are kept (`/metrics`); a registry of its own when not given. */
  metrics?: Registry;
  /** What `/metrics` answers, when not this process's registry alone (several API processes add theirs up). */
  metricsText?: MetricsText;
}

export const DEFAULT_RATE_LIMIT = { perSecond: 100, burst: 400 };
export const DEFAULT_QUERY_LIMIT = { concurrent: 32, queued: 256 };

/** Every route of the API; what is mounted and what /openapi.json describes. */
export function apiRoutes(options: Omit<AppDependencies, 'logger'>): AnyRoute[] {
  const registry = options.registry ?? PROCESSES;
  const queries = whileAWorkerRuns(bulkhead(options.queryLimit ?? DEFAULT_QUERY_LIMIT), workerLiveness(options.prisma, options.taskQueue));
  const deps = { ...options, registry, policies: policyModel(registry), queries };
  const routes = [
    ...healthRoutes(deps),
    ...processRoutes(deps),
    ...taskRoutes(deps),
    ...documentRoutes(deps),
    ...policyRoutes(deps),
    ...auditRoutes(deps),
    ...peopleRoutes(deps),
    ...publishedRoutes(deps),
    ...overviewRoutes(deps),
    ...inboxViewRoutes(deps),
    ...absenceRoutes(deps),
    ...auditorRoutes({ ...deps, workflowCode: workflowCode(deps.workflowBundlePath) }),
    metricsRoute(options.metricsText ?? registryText(options.metrics ?? serviceRegistry('api'))),
  ];
  const description = openApiDocument([...routes, openApiRoute(() => description)], registry.formSchemas());
  return [...routes, openApiRoute(() => description)];
}

const openApiRoute = (document: () => unknown): AnyRoute =>
  route({
    method: 'get',
    path: '/openapi.json',
    tag: 'operations',
    summary: 'This API, described in OpenAPI 3.1',
    public: true,
    responses: { 200: { description: 'the OpenAPI document' } },
    handler({ res }) {
      res.json(document());
    },
  });

/**
 * For the operators' Prometheus: counts by route, status and process kind, no personal data. Kept off
 * the public internet at the load balancer (README, Metrics), as /readyz is.
 */
const metricsRoute = (metricsText: MetricsText): AnyRoute =>
  route({
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    summary: "This process's metrics, in the Prometheus text format (every API process's, added up, when there are several)",
    public: true,
    responses: { 200: { description: 'the metrics, as text/plain; version=0.0.4' } },
    async handler({ res }) {
      const { contentType, text } = await metricsText();
      res.type(contentType).send(text);
    },
  });

/** A path the API has, asked with a method it does not take (TRACE, DELETE): 405 with the methods it does. */
function methodNotAllowed(routes: AnyRoute[]): RequestHandler {
  const paths = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const spec of routes) {
    const entry = paths.get(spec.path) ?? {
      pattern: new RegExp(`^${spec.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]+/g, '[^/]+')}/?$`, 'i'),
      methods: new Set<string>(),
    };
    entry.methods.add(spec.method.toUpperCase());
    if (spec.method === 'get') entry.methods.add('HEAD');
    paths.set(spec.path, entry);
  }
  return (req, res, next) => {
    const allowed = [...paths.values()].filter(({ pattern }) => pattern.test(req.path)).flatMap(({ methods }) => [...methods]);
    if (allowed.length === 0 || allowed.includes(req.method)) return next();
    const methods = [...new Set(allowed)].sort().join(', ');
    res.setHeader('Allow', methods);
    next(new HttpProblem(405, 'method-not-allowed', 'Method not allowed', `${req.method} ${req.path}; this path takes ${methods}`));
  };
}

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  const metrics = deps.metrics ?? serviceRegistry('api');
  readModelGauges(metrics, deps.prisma);
  app.use(httpMetrics(metrics));
  app.use(requestContext(deps.logger));
  if (deps.web) app.use(WEB_PATH, webApp({ ...deps.web, prisma: deps.prisma, logger: deps.logger, registry: deps.registry ?? PROCESSES }));
  app.use(express.json({ limit: '256kb', verify: verifyJsonBody }));
  const authenticate = bearerAuthenticator(deps.prisma, deps.principals);
  const withinRate = tokenRateLimiter(deps.rateLimit ?? DEFAULT_RATE_LIMIT);
  const routes = apiRoutes({ ...deps, metrics });
  app.use(
    mountRoutes(routes, async (req, res) => {
      const principal = await authenticate(req, res);
      withinRate(principal.tokenId);
      return principal;
    }),
  );
  app.use(methodNotAllowed(routes));
  app.use((req, _res, next) => next(new HttpProblem(404, 'not-found', 'No such resource', `${req.method} ${req.path}`)));
  app.use(problemHandler);
  return app;
}
