import type { Client } from '@temporalio/client';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { renderPdf, sha256 } from '../activities/documents';
import { verifyAuditLog } from '../lib/audit';
import type { PrismaClient } from '../lib/db';
import type { Principal } from '../lib/identity';
import {
  historyJson,
  inputsOf,
  processRuns,
  reportsOf,
  runsOfProcesses,
  type ReplayReport,
  type RunReplay,
  type replayStream,
} from '../lib/replay';
import { replayOffThread } from '../lib/replay-thread';
import type { DocumentSection } from '../workflows/common/engine-types';
import type { ProcessRegistry } from '../lib/process-registry';
import { actingAs, forbid, hidden, mayRead } from './access';
import { processScope } from './processes';
import { route, type AnyRoute } from './route-spec';
import { councilParams, processIdParams } from './schemas';
import { replayJobResponse, replayJobs } from './replay-jobs';
import type { Bulkhead } from './limits';
import { problemFromTemporal, processView } from './temporal-errors';

type WorkflowCode = () => Promise<Parameters<typeof replayStream>[0]>;

export interface AuditorRouteDeps {
  client: Client;
  prisma: PrismaClient;
  taskQueue: string;
  registry: ProcessRegistry;
  workflowCode: WorkflowCode;
  queries: Bulkhead;
  /** How long a replay's request waits for it before answering 202 with where to follow it (default 10 s). */
  replayAnswerWaitMs?: number;
}

export const REPLAY_ANSWER_WAIT_MS = 10_000;

const replayIdParams = z.object({ id: z.uuid() });

const replayReport = z.object({
  processId: z.string(),
  deterministic: z.boolean(),
  runs: z.array(
    z.object({
      runId: z.string(),
      deterministic: z.boolean(),
      divergence: z.object({ eventId: z.number().optional(), message: z.string() }).optional(),
    }),
  ),
});

export function auditorRoutes(deps: AuditorRouteDeps): AnyRoute[] {
  const { client, prisma, workflowCode, registry } = deps;
  /** Auditors of the process's council (or of every council) only. */
  const asAuditor = async (req: Request, principal: Principal, processId: string) => {
    const scope = await processScope(deps, processId);
    if (!mayRead(principal, scope)) throw hidden(req, 'process', processId, 'audit process');
    if (!actingAs(principal, scope, 'auditor'))
      throw forbid(req, `audit process ${processId}`, `needs the auditor role in ${scope.council}`);
    return scope;
  };
  const runsOf = async (processId: string) => {
    try {
      return await processRuns(client, processId);
    } catch (err) {
      throw problemFromTemporal(err, processId);
    }
  };
  const jobs = replayJobs(prisma);
  /** Every run of a process replayed in a thread of its own, never on the API's event loop. */
  const replay = async (processId: string, progress?: (run: RunReplay) => Promise<void>): Promise<ReplayReport> => {
    const [report] = await reportsOf(
      replayOffThread(await workflowCode(), inputsOf(processId, await runsOf(processId))),
      [processId],
      progress,
    );
    return report as ReplayReport;
  };
  const councilReplay = async (council: string, progress: (run: RunReplay) => Promise<void>) => {
    const ids = (await prisma.processRecord.findMany({ where: { council }, select: { id: true }, orderBy: { startedAt: 'asc' } })).map(
      ({ id }) => id,
    );
    // One replay worker for the whole council, fed one process's runs at a time.
    const processes = await reportsOf(replayOffThread(await workflowCode(), runsOfProcesses(client, ids)), ids, progress);
    return { council, deterministic: processes.every((p) => p.deterministic), processes };
  };
  /**
   * Runs a replay as a job and answers with its report when it is done within the wait; a longer one
   * answers 202 with where to follow it (`GET /replays/:id`), and goes on.
   */
  const answerReplay = async <Report>(
    res: Response,
    scope: { council: string; processId?: string; requestedBy: string },
    work: (progress: (run: RunReplay) => Promise<void>) => Promise<Report>,
  ) => {
    const job = await jobs.start(scope, work);
    let waited: NodeJS.Timeout | undefined;
    const timeUp = new Promise<undefined>((resolve) => {
      waited = setTimeout(() => resolve(undefined), deps.replayAnswerWaitMs ?? REPLAY_ANSWER_WAIT_MS);
    });
    const inTime = await Promise.race([job.finished.then((report) => ({ report })), timeUp]).finally(() => clearTimeout(waited));
    if (inTime) return void res.json(inTime.report);
    res
      .status(202)
      .location(`/replays/${job.id}`)
      .json(await jobs.read(job.id));
  };

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
        res.json({
          processId: params.id,
          runs: runs.map((run) => ({
            workflowId: run.workflowId,
            runId: run.runId,
            status: run.status,
            startTime: run.startTime,
            history: historyJson(run.history),
          })),
        });
      },
    }),
    route({
      method: 'post',
      path: '/processes/:id/replay',
      tag: 'audit',
      summary: 'Replay every run of a process against the current workflow code: deterministic, or the first divergence',
      params: processIdParams,
      responses: {
        200: { description: 'the replay report', schema: replayReport },
        202: { description: 'still replaying (a long history): follow it at the Location, GET /replays/:id', schema: replayJobResponse },
        403: { description: 'auditors only' },
      },
      async handler({ req, res, params, principal }) {
        const { council } = await asAuditor(req, principal, params.id);
        await answerReplay(res, { council, processId: params.id, requestedBy: principal.userId }, (progress) =>
          replay(params.id, progress),
        );
      },
    }),
    route({
      method: 'post',
      path: '/councils/:council/replay',
      tag: 'audit',
      summary: 'Replay every process of a council against the current workflow code',
      params: councilParams,
      responses: {
        200: {
          description: 'a report for each process',
          schema: z.object({ council: z.string(), deterministic: z.boolean(), processes: z.array(replayReport) }),
        },
        202: { description: 'still replaying: follow it at the Location, GET /replays/:id', schema: replayJobResponse },
      },
      async handler({ req, res, params, principal }) {
        if (!actingAs(principal, { council: params.council, groupKey: '' }, 'auditor'))
          throw forbid(req, `audit ${params.council}`, `needs the auditor role in ${params.council}`);
        await answerReplay(res, { council: params.council, requestedBy: principal.userId }, (progress) =>
          councilReplay(params.council, progress),
        );
      },
    }),
    route({
      method: 'get',
      path: '/replays/:id',
      tag: 'audit',
      summary: 'A replay asked for: how far it has got (runs replayed, runs that diverge) and, once done, its report',
      params: replayIdParams,
      responses: { 200: { description: 'the replay', schema: replayJobResponse } },
      async handler({ req, res, params, principal }) {
        const job = await jobs.read(params.id);
        // Auditors of its council only; to anyone else it does not exist.
        if (!job || !actingAs(principal, { council: job.council, groupKey: '' }, 'auditor'))
          throw hidden(req, 'replay', params.id, 'read replay');
        res.json(job);
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
          {
            heading: 'Process',
            lines: [
              `${view.title}`,
              `Reference: ${view.processId}`,
              `Council: ${view.council}`,
              `Stage: ${view.stage}; status: ${view.status}`,
              `Started ${view.startedAt} by ${view.startedBy.userId} (${view.startedBy.role})`,
            ],
          },
          {
            heading: 'Timeline',
            lines: timeline.map((e) => `${e.at.toISOString()}  ${e.kind}: ${e.summary}${actorOf(e.actorUserId, e.actorRole)}`),
          },
          {
            heading: 'Decisions',
            lines: timeline
              .filter((e) => e.kind === 'decision')
              .map(
                (e) =>
                  `${e.at.toISOString()}  ${e.taskId}: ${e.outcome}${actorOf(e.actorUserId, e.actorRole)}${e.reasons ? `; reasons: ${e.reasons}` : ''}`,
              ),
          },
          {
            heading: 'Documents and their SHA-256',
            lines: documents.map(
              (d) =>
                `${d.kind} v${d.version} (${d.step}): ${d.sha256}: ${sha256(d.content) === d.sha256 ? 'content matches' : 'CONTENT DOES NOT MATCH'}`,
            ),
          },
          ...(rules ? [{ heading: 'Rules checked', lines: rules.map((r) => `${r.rule} (${r.source}): ${r.outcome}; ${r.detail}`) }] : []),
          {
            heading: 'Replay verification',
            lines: [
              replayed.deterministic
                ? `Every run (${replayed.runs.length}) replays deterministically against the current workflow code.`
                : 'The current workflow code does NOT replay every run:',
              ...replayed.runs
                .filter((r) => !r.deterministic)
                .map((r) => `run ${r.runId}: diverges at event ${r.divergence?.eventId ?? '?'}`),
            ],
          },
          {
            heading: 'Audit log',
            lines: [
              chain.intact
                ? `Hash chain intact (${chain.entries} entries).`
                : `Hash chain BROKEN at entry ${chain.firstBroken?.seq}: ${chain.firstBroken?.problem}`,
              ...auditEntries.map(
                (e) => `#${e.seq} ${e.at.toISOString()} ${e.action}${actorOf(e.actorUserId, e.actorRole)}  hash ${e.hash.slice(0, 16)}`,
              ),
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
