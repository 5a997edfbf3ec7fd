import { Prisma } from '../prisma/generated/client';
import { z } from 'zod';
import type { PrismaClient } from '../lib/db';
import { councilSlug, isoDateTime } from '../lib/field-schemas';
import type { ProcessRegistry } from '../lib/process-registry';
import type { Incident } from '../workflows/common/process';
import { actingAs, forbid } from './access';
import { route, type AnyRoute } from './route-spec';

/** A process with no change for this many days is "quiet" unless the caller asks for another span. */
export const QUIET_DAYS = 28;

const overviewResponse = z.object({
  council: z.string(),
  kinds: z.array(
    z.object({
      kind: z.string(),
      name: z.string(),
      stages: z.array(z.object({ stage: z.string(), active: z.number().int(), ended: z.number().int() })),
    }),
  ),
  overdueByRole: z.array(z.object({ role: z.string(), tasks: z.number().int() })),
  incidents: z.array(
    z.object({ processId: z.string(), title: z.string(), kind: z.string(), activity: z.string(), message: z.string(), since: z.string() }),
  ),
  quiet: z.object({
    days: z.number().int(),
    processes: z.array(z.object({ processId: z.string(), title: z.string(), kind: z.string(), stage: z.string(), updatedAt: isoDateTime })),
  }),
});

/**
 * A council's programme at a glance, for its programme managers (and auditors, who read everything):
 * per process kind, how many processes stand at each stage of its definition; overdue tasks by role;
 * the processes stopped by an incident, with what failed and since when; and those with no change for
 * a long time.
 */
export function overviewRoutes({ prisma, registry }: { prisma: PrismaClient; registry: ProcessRegistry }): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/councils/:council/overview',
      tag: 'processes',
      summary: 'A council’s programme: processes per kind and stage, overdue tasks by role, incidents, and processes quiet for a long time',
      params: z.object({ council: councilSlug }),
      query: z.object({ quiet_days: z.coerce.number().int().min(1).max(3_650).default(QUIET_DAYS) }),
      responses: {
        200: { description: 'the overview', schema: overviewResponse },
        403: { description: 'programme managers and auditors only' },
      },
      async handler({ req, res, params, query, principal }) {
        const scope = { council: params.council, groupKey: '' };
        if (!actingAs(principal, scope, 'programme_manager') && !actingAs(principal, scope, 'auditor'))
          throw forbid(req, `read the overview of ${params.council}`, `needs the programme_manager or auditor role in ${params.council}`);
        const quietSince = new Date(Date.now() - query.quiet_days * 86_400_000);
        const [byStage, overdue, incidents, quiet] = await Promise.all([
          prisma.processRecord.groupBy({ by: ['kind', 'stage', 'status'], where: { council: params.council }, _count: { _all: true } }),
          prisma.task.groupBy({
            by: ['role'],
            where: { council: params.council, status: 'open', dueAt: { lt: new Date() } },
            _count: { _all: true },
            orderBy: { role: 'asc' },
          }),
          prisma.processRecord.findMany({
            where: { council: params.council, incident: { not: Prisma.DbNull } },
            select: { id: true, title: true, kind: true, incident: true },
            orderBy: { updatedAt: 'asc' },
          }),
          prisma.processRecord.findMany({
            where: { council: params.council, status: 'active', updatedAt: { lt: quietSince } },
            select: { id: true, title: true, kind: true, stage: true, updatedAt: true },
            orderBy: { updatedAt: 'asc' },
            take: 100,
          }),
        ]);
        const count = (kind: string, stage: string, active: boolean) =>
          byStage
            .filter((row) => row.kind === kind && row.stage === stage && (row.status === 'active') === active)
            .reduce((sum, row) => sum + row._count._all, 0);
        res.json({
          council: params.council,
          // Every kind the service runs, its stages in the order its definition gives them.
          kinds: registry.kinds.map((kind) => ({
            kind,
            name: registry.get(kind)?.name ?? kind,
            stages: (registry.get(kind)?.stages ?? []).map((stage) => ({
              stage,
              active: count(kind, stage, true),
              ended: count(kind, stage, false),
            })),
          })),
          overdueByRole: overdue.map((row) => ({ role: row.role, tasks: row._count._all })),
          incidents: incidents.map((p) => {
            const incident = p.incident as unknown as Incident;
            return {
              processId: p.id,
              title: p.title,
              kind: p.kind,
              activity: incident.activity,
              message: incident.message,
              since: incident.since,
            };
          }),
          quiet: {
            days: query.quiet_days,
            processes: quiet.map((p) => ({
              processId: p.id,
              title: p.title,
              kind: p.kind,
              stage: p.stage,
              updatedAt: p.updatedAt.toISOString(),
            })),
          },
        });
      },
    }),
  ];
}
