import type { Client } from '@temporalio/client';
import type { Request } from 'express';
import { z } from 'zod';
import { renderPdf, sha256 } from '../activities/documents';
import { verifyAuditLog } from '../lib/audit';
import type { PrismaClient } from '../lib/db';
import type { Principal } from '../lib/identity';
import { historyJson, processRuns, replayRuns, replayStream, runsOfProcesses, type ReplayReport } from '../lib/replay';
import type { DocumentSection } from '../workflows/common/engine-types';
import type { ProcessRegistry } from '../lib/process-registry';
import { actingAs, forbid, hidden, mayRead } from './access';
import { processScope } from './processes';
import { route, type AnyRoute } from './route-spec';
import { councilParams, processIdParams } from './schemas';
import type { Bulkhead } from './limits';
import { problemFromTemporal, processView } from './temporal-errors';

type WorkflowCode = () => Promise<Parameters<typeof replayRuns>[0]>;

export interface AuditorRouteDeps {
  client: Client;
  prisma: PrismaClient;
  taskQueue: string;
  registry: ProcessRegistry;
  workflowCode: WorkflowCode;
  queries: Bulkhead;
}

const replayReport = z.object({
  processId: z.string(),
  deterministic: z.boolean(),
  runs: z.array(z.object({ runId: z.string(), deterministic: z.boolean(), divergence: z.object({ eventId: z.number().optional(), message: z.string() }).optional() })),
});

export function auditorRoutes(deps: AuditorRouteDeps): AnyRoute[] {
  const { client, prisma, workflowCode, registry } = deps;
  /** Auditors of the process's council (or of every council) only. */
  const asAuditor = async (req: Request, principal: Principal, processId: string) => {
    const scope = await processScope(deps, processId);
    if (!mayRead(principal, scope)) throw hidden(req, 'process', processId, 'audit process');
    if (!actingAs(principal, scope, 'auditor')) throw forbid(req, `audit process ${processId}`, `needs the auditor role in ${scope.council}`);
  };
  const runsOf = async (processId: string) => {
    try {
      return await processRuns(client, processId);
    } catch (err) {
      throw problemFromTemporal(err, processId);
    }
  };
  const replay = async (processId: string): Promise<ReplayReport> => replayRuns(await workflowCode(), processId, await runsOf(processId));

  return [
    route({
      method: 'get',
      path: '/processes/:id/history',
      tag: 'audit',
      summary: 'The Temporal event history of every run of a process, as the Temporal tools read it',
      params: processIdParams,
      responses: { 200: { description: 'each run, oldest first, with its history' }, 403: { description: 'auditors only' } },
      async handler({ req, res, params, principal }) {
        await asAuditor(req, principal, params.id);
        const runs = await runsOf(params.id);
        res.json({ processId: params.id, runs: runs.map((run) => ({ workflowId: run.workflowId, runId: run.runId, status: run.status, startTime: run.startTime, history: historyJson(run.history) })) });
      },
    }),
    route({
      method: 'post',
      path: '/processes/:id/replay',
      tag: 'audit',
      summary: 'Replay every run of a process against the current workflow code: deterministic, or the first divergence',
      params: processIdParams,
      responses: { 200: { description: 'the replay report', schema: replayReport }, 403: { description: 'auditors only' } },
      async handler({ req, res, params, principal }) {
        await asAuditor(req, principal, params.id);
        res.json(await replay(params.id));
      },
    }),
    route({
      method: 'post',
      path: '/councils/:council/replay',
      tag: 'audit',
      summary: 'Replay every process of a council against the current workflow code',
      params: councilParams,
      responses: { 200: { description: 'a report for each process', schema: z.object({ council: z.string(), deterministic: z.boolean(), processes: z.array(replayReport) }) } },
      async handler({ req, res, params, principal }) {
        if (!actingAs(principal, { council: params.council, groupKey: '' }, 'auditor')) throw forbid(req, `audit ${params.council}`, `needs the auditor role in ${params.council}`);
        const ids = await prisma.processRecord.findMany({ where: { council: params.council }, select: { id: true }, orderBy: { startedAt: 'asc' } });
        // One replay worker for the whole council, fed one process's runs at a time.
        const processes = new Map<string, ReplayReport>(ids.map(({ id }) => [id, { processId: id, deterministic: true, runs: [] }]));
        for await (const { processId, runId, deterministic, divergence } of replayStream(await workflowCode(), runsOfProcesses(client, ids.map(({ id }) => id)))) {
          const report = processes.get(processId) as ReplayReport;
          report.runs.push({ runId, deterministic, ...(divergence ? { divergence } : {}) });
          report.deterministic &&= deterministic;
        }
        const reports = [...processes.values()];
        res.json({ council: params.council, deterministic: reports.every((p) => p.deterministic), processes: reports });
      },
    }),
    route({
      method: 'get',
      path: '/processes/:id/evidence-pack',
      tag: 'audit',
      summary: 'One PDF for scrutiny: timeline, decisions, document hashes, rules and their outcome, replay and audit checks',
      params: processIdParams,
      responses: { 200: { description: 'the evidence pack', contentType: 'application/pdf' }, 403: { description: 'auditors only' } },
      async handler({ req, res, params, principal }) {
        await asAuditor(req, principal, params.id);
        const view = await processView(deps, params.id);
        const [timeline, documents, auditEntries, chain, replayed] = await Promise.all([
          prisma.timelineEntry.findMany({ where: { processId: params.id }, orderBy: [{ at: 'asc' }, { seq: 'asc' }] }),
          prisma.document.findMany({ where: { processId: params.id }, orderBy: [{ createdAt: 'asc' }, { version: 'asc' }] }),
          prisma.auditLog.findMany({ where: { processId: params.id }, orderBy: { seq: 'asc' } }),
          verifyAuditLog(prisma),
          replay(params.id),
        ]);
        const rules = registry.rulesOf(view);
        const actorOf = (userId: string | null, role: string | null) => (userId ? ` by ${userId}${role ? ` (${role})` : ''}` : '');
        const sections: DocumentSection[] = [
          { heading: 'Process', lines: [`${view.title}`, `Reference: ${view.processId}`, `Council: ${view.council}`, `Stage: ${view.stage}; status: ${view.status}`, `Started ${view.startedAt} by ${view.startedBy.userId} (${view.startedBy.role})`] },
          { heading: 'Timeline', lines: timeline.map((e) => `${e.at.toISOString()}  ${e.kind}: ${e.summary}${actorOf(e.actorUserId, e.actorRole)}`) },
          {
            heading: 'Decisions',
            lines: timeline
              .filter((e) => e.kind === 'decision')
              .map((e) => `${e.at.toISOString()}  ${e.taskId}: ${e.outcome}${actorOf(e.actorUserId, e.actorRole)}${e.reasons ? `; reasons: ${e.reasons}` : ''}`),
          },
          {
            heading: 'Documents and their SHA-256',
            lines: documents.map((d) => `${d.kind} v${d.version} (${d.step}): ${d.sha256}: ${sha256(d.content) === d.sha256 ? 'content matches' : 'CONTENT DOES NOT MATCH'}`),
          },
          ...(rules ? [{ heading: 'Rules checked', lines: rules.map((r) => `${r.rule} (${r.source}): ${r.outcome}; ${r.detail}`) }] : []),
          {
            heading: 'Replay verification',
            lines: [
              replayed.deterministic ? `Every run (${replayed.runs.length}) replays deterministically against the current workflow code.` : 'The current workflow code does NOT replay every run:',
              ...replayed.runs.filter((r) => !r.deterministic).map((r) => `run ${r.runId}: diverges at event ${r.divergence?.eventId ?? '?'}`),
            ],
          },
          {
            heading: 'Audit log',
            lines: [
              chain.intact ? `Hash chain intact (${chain.entries} entries).` : `Hash chain BROKEN at entry ${chain.firstBroken?.seq}: ${chain.firstBroken?.problem}`,
              ...auditEntries.map((e) => `#${e.seq} ${e.at.toISOString()} ${e.action}${actorOf(e.actorUserId, e.actorRole)}  hash ${e.hash.slice(0, 16)}`),
            ],
          },
        ];
        const pdf = await renderPdf({
          process: { processId: view.processId, kind: view.kind, council: view.council, groupKey: view.groupKey, title: view.title },
          key: 'evidence-pack',
          step: 'audit',
          kind: 'evidence_pack',
          title: `Evidence pack: ${view.title}`,
          at: new Date().toISOString(),
          sections,
        });
        req.log.info({ processId: params.id }, 'evidence pack produced');
        res.status(200).type('application/pdf').setHeader('X-Content-SHA256', sha256(pdf)).send(pdf);
      },
    }),
  ];
}
