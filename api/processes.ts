import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Request } from 'express';
import type { Principal } from '../lib/identity';
import type { PrismaClient } from '../lib/db';
import { policyFor } from '../lib/policy';
import { processViewQuery } from '../workflows/common/process';
import { businessKeyKey, councilKey, processKindKey, processStageKey } from '../workflows/common/search-attributes';
import { LMA_STAGES, cancelUpdate, lmaBusinessKey, lmaGroupKey, requestVariationUpdate, withdrawUpdate } from '../workflows/lma/messages';
import type { localManagementAgreement } from '../workflows/lma/workflow';
import { actingAs, forbid, mayRead, visibleTo, type Scope } from './access';
import { route, type AnyRoute } from './route-spec';
import { endProcessBody, listProcessesQuery, page, pageOf, pageWindow, paymentsResponse, processIdParams, processSummary, processViewResponse, startedResponse, startProcessBody, timelineResponse } from './schemas';
import { auditCommand } from './audit';
import { problemFromTemporal, updateProcess } from './temporal-errors';

export interface ProcessRouteDeps {
  client: Client;
  prisma: PrismaClient;
  taskQueue: string;
}

/** Where a process belongs: from the registry, or (just started, row not yet written) from the workflow. */
export async function processScope({ client, prisma }: ProcessRouteDeps, processId: string): Promise<Scope> {
  const row = await prisma.processRecord.findUnique({ where: { id: processId }, select: { council: true, groupKey: true } });
  if (row) return row;
  try {
    const view = await client.workflow.getHandle(processId).query(processViewQuery);
    return { council: view.council, groupKey: view.groupKey };
  } catch (err) {
    throw problemFromTemporal(err, processId);
  }
}

/** Refuses (403, logged) a principal who holds no role for the process; answers 404 for no process. */
export async function assertMayRead(deps: ProcessRouteDeps, req: Request, principal: Principal, processId: string, what = `process ${processId}`): Promise<void> {
  const scope = await processScope(deps, processId);
  if (!mayRead(principal, scope)) throw forbid(req, `read ${what}`, 'you hold no role for this process');
}

export function processRoutes(deps: ProcessRouteDeps): AnyRoute[] {
  const { client, prisma, taskQueue } = deps;

  const ending = (path: 'withdraw' | 'cancel', role: 'resident_rep' | 'programme_manager', summary: string) =>
    route({
      method: 'post',
      path: `/processes/:id/${path}`,
      tag: 'processes',
      summary,
      params: processIdParams,
      body: endProcessBody,
      responses: { 200: { description: 'ended; its final stage' }, 403: { description: `needs ${role} for this process` }, 404: { description: 'no such process' }, 409: { description: 'already ended' } },
      async handler({ req, res, params, body, principal }) {
        const scope = await processScope(deps, params.id);
        const actor = actingAs(principal, scope, role);
        if (!actor) throw forbid(req, `${path} process ${params.id}`, `needs the ${role} role for it`);
        const result = await updateProcess(client, params.id, path === 'withdraw' ? withdrawUpdate : cancelUpdate, { actor, reasons: body.reasons });
        await auditCommand(prisma, principal, actor, `process.${path}`, params.id, { reasons: body.reasons, stage: result.stage });
        req.log.info({ processId: params.id, actor, reasons: body.reasons }, `process ${path === 'withdraw' ? 'withdrawn' : 'cancelled'}`);
        res.json(result);
      },
    });

  return [
    ending('withdraw', 'resident_rep', "The residents' group withdraws from its LMA, with reasons"),
    ending('cancel', 'programme_manager', 'The council cancels a process, with reasons'),
    route({
      method: 'post',
      path: '/processes/:id/variation-requests',
      tag: 'processes',
      summary: 'Ask to vary an LMA during its term; legal services redrafts and both sides sign again',
      params: processIdParams,
      body: endProcessBody,
      responses: { 200: { description: 'the request is taken up' }, 403: { description: 'needs resident_rep of the group or housing_manager' }, 409: { description: 'not in operation, or a variation is already in progress' } },
      async handler({ req, res, params, body, principal }) {
        const scope = await processScope(deps, params.id);
        const actor = actingAs(principal, scope, 'resident_rep') ?? actingAs(principal, scope, 'housing_manager');
        if (!actor) throw forbid(req, `vary process ${params.id}`, 'needs resident_rep of the group or housing_manager');
        const result = await updateProcess(client, params.id, requestVariationUpdate, { actor, reasons: body.reasons });
        await auditCommand(prisma, principal, actor, 'process.request_variation', params.id, { reasons: body.reasons, variation: result.variation });
        res.json(result);
      },
    }),
    route({
      method: 'get',
      path: '/processes/:id/payments',
      tag: 'processes',
      summary: 'Payment instructions of an LMA, by term and instalment',
      params: processIdParams,
      responses: { 200: { description: 'the payment instructions', schema: paymentsResponse } },
      async handler(input) {
        await assertMayRead(deps, input.req, input.principal, input.params.id);
        const rows = await prisma.paymentInstruction.findMany({ where: { processId: input.params.id }, orderBy: [{ term: 'asc' }, { instalment: 'asc' }] });
        input.res.json({ items: rows.map((p) => ({ term: p.term, instalment: p.instalment, of: p.of, amountPence: p.amountPence, dueOn: p.dueOn.toISOString(), payee: p.payee })) });
      },
    }),
    route({
      method: 'post',
      path: '/processes',
      tag: 'processes',
      summary: 'Start a process from its first step; the same business key twice returns the existing process',
      body: startProcessBody,
      responses: { 201: { description: 'started', schema: startedResponse }, 200: { description: 'already exists', schema: startedResponse }, 400: { description: 'invalid body' }, 403: { description: 'not allowed to start it' } },
      async handler({ req, res, body, principal }) {
        const scope = { council: body.council, groupKey: lmaGroupKey(body.group.name) };
        // PROCESSES.md: programme managers start processes; a residents' group expresses its own interest.
        const startedBy = actingAs(principal, scope, 'programme_manager') ?? actingAs(principal, scope, 'resident_rep');
        if (!startedBy) throw forbid(req, 'start an LMA', `needs programme_manager in ${body.council}, or resident_rep of this group`);
        const processId = lmaBusinessKey(body);
        const { policy } = await policyFor(prisma, body.council);
        let created = true;
        try {
          await client.workflow.start<typeof localManagementAgreement>('localManagementAgreement', {
            taskQueue,
            workflowId: processId,
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            args: [{ council: body.council, estate: body.estate, group: body.group, services: body.services, startedBy, policy }],
            typedSearchAttributes: [
              { key: councilKey, value: body.council },
              { key: processKindKey, value: body.kind },
              { key: processStageKey, value: LMA_STAGES.adviserAppointment },
              { key: businessKeyKey, value: processId },
            ],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw problemFromTemporal(err, processId);
          created = false;
        }
        if (created) await auditCommand(prisma, principal, startedBy, 'process.start', processId, { kind: body.kind, council: body.council, businessKey: processId });
        const location = `/processes/${encodeURIComponent(processId)}`;
        req.log.info({ processId, created, actor: startedBy }, created ? 'process started' : 'process already exists');
        res.status(created ? 201 : 200).location(location).json({ processId, kind: body.kind, created, links: { self: location } });
      },
    }),

    route({
      method: 'get',
      path: '/processes',
      tag: 'processes',
      summary: 'Find processes by council, kind and stage (those you may see)',
      query: listProcessesQuery,
      responses: { 200: { description: 'a page of processes', schema: page(processSummary) } },
      async handler({ res, query, principal }) {
        const where = {
          ...(query.council ? { council: query.council } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.stage ? { stage: query.stage } : {}),
          ...visibleTo(principal),
        };
        const [rows, total] = await Promise.all([
          prisma.processRecord.findMany({ where, orderBy: [{ startedAt: 'desc' }, { id: 'asc' }], ...pageWindow(query) }),
          prisma.processRecord.count({ where }),
        ]);
        const items = rows.map(({ id, groupKey, startedAt, updatedAt, ...row }) => {
          void groupKey;
          return { processId: id, ...row, startedAt: startedAt.toISOString(), updatedAt: updatedAt.toISOString() };
        });
        res.json(pageOf(query, items, total));
      },
    }),

    route({
      method: 'get',
      path: '/processes/:id',
      tag: 'processes',
      summary: "Where a process stands, from the workflow's own query",
      params: processIdParams,
      responses: { 200: { description: 'the process view', schema: processViewResponse }, 404: { description: 'no such process' } },
      async handler(input) {
        const { params, res } = input;
        let view;
        try {
          view = await client.workflow.getHandle(params.id).query(processViewQuery);
        } catch (err) {
          throw problemFromTemporal(err, params.id);
        }
        if (!mayRead(input.principal, view)) throw forbid(input.req, `read process ${params.id}`, 'you hold no role for this process');
        res.json(view);
      },
    }),

    route({
      method: 'get',
      path: '/processes/:id/timeline',
      tag: 'processes',
      summary: 'Every step of a process in order: who, when, what, reasons and documents',
      params: processIdParams,
      responses: { 200: { description: 'the timeline', schema: timelineResponse }, 404: { description: 'no such process' } },
      async handler(input) {
        await assertMayRead(deps, input.req, input.principal, input.params.id);
        const entries = await prisma.timelineEntry.findMany({ where: { processId: input.params.id }, orderBy: [{ at: 'asc' }, { seq: 'asc' }] });
        input.res.json({
          processId: input.params.id,
          entries: entries.map((e) => ({
            at: e.at.toISOString(),
            kind: e.kind,
            summary: e.summary,
            actor: e.actorUserId && e.actorRole ? { userId: e.actorUserId, role: e.actorRole } : null,
            taskId: e.taskId,
            outcome: e.outcome,
            reasons: e.reasons,
            documentIds: e.documentIds,
          })),
        });
      },
    }),
  ];
}
