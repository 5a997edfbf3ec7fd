import { randomUUID } from 'node:crypto';
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { auditWith, timelineEntry } from '../activities/engine';
import { writeAtOnce } from '../lib/statement';
import type { Request } from 'express';
import { z } from 'zod';
import { ANY_COUNCIL, displayNamesOf, type Principal } from '../lib/identity';
import type { PrismaClient } from '../lib/db';
import { Prisma } from '../prisma/generated/client';
import type { PolicyModel } from '../lib/policy';
import type { NamedPerson, ProcessCommand, ProcessDefinition, ProcessNote, ProcessRead } from '../lib/process-definition';
import type { ProcessRegistry } from '../lib/process-registry';
import {
  cancelUpdate,
  processStartedUpdate,
  retryIncidentUpdate,
  withdrawUpdate,
  type ProcessStartedResult,
} from '../workflows/common/process';
import type { Role } from '../workflows/common/roles';
import { businessKeyKey, councilKey, processKindKey, processStageKey } from '../workflows/common/search-attributes';
import { actingAs, forbid, hidden, mayRead, visibleTo, type Scope } from './access';
import { fieldProblem, HttpProblem, validationProblem } from './problem';
import { route, type AnyRoute } from './route-spec';
import {
  endProcessBody,
  listProcessesQuery,
  noteRecordedResponse,
  page,
  pageOf,
  pageWindow,
  processIdParams,
  processSummary,
  processViewResponse,
  rulesResponse,
  startedResponse,
  timelineResponse,
} from './schemas';
import type { Bulkhead } from './limits';
import { processView, temporalCall, UPDATE_DEADLINE_MS, updateProcess } from './temporal-errors';

export interface ProcessRouteDeps {
  client: Client;
  prisma: PrismaClient;
  taskQueue: string;
  registry: ProcessRegistry;
  policies: PolicyModel;
  /** How long a command waits for its process before answering 503 (default 30 s). */
  updateDeadlineMs?: number;
  /** The bound on process-view queries at once. */
  queries: Bulkhead;
}

/** How long a start waits for the new process's first tasks before answering without them. */
const FIRST_STEPS_WAIT_MS = 10_000;

/**
 * Starts a process and has its first steps in one round trip (update-with-start): the update is
 * delivered with the start and answers once the first tasks are in the inbox. The process's id is its
 * business key, so a repeated start reaches the existing process (running: the same deduplicated
 * update; ended: refused as a duplicate). The request's own id, in the start's memo and echoed by the
 * update, tells the request that started it from a repeat. With no worker to take the first steps in
 * time it answers without them, and the memo says whose start it was.
 */
async function startProcess(
  client: Client,
  processId: string,
  start: { taskQueue: string; workflowType: string; input: unknown; typedSearchAttributes: SearchAttributePair[] },
): Promise<{ created: boolean; first?: ProcessStartedResult }> {
  const startRequest = randomUUID();
  const startWorkflowOperation = new WithStartWorkflowOperation(start.workflowType, {
    taskQueue: start.taskQueue,
    workflowId: processId,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [start.input],
    memo: { startRequest },
    typedSearchAttributes: start.typedSearchAttributes,
  });
  const answer = await temporalCall(
    client,
    processId,
    async () => {
      try {
        return await client.workflow.executeUpdateWithStart(processStartedUpdate, {
          updateId: 'process-started',
          args: [{ startRequest }],
          startWorkflowOperation,
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'ended' as const;
        if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'no first steps yet' as const;
        throw err;
      }
    },
    FIRST_STEPS_WAIT_MS,
  );
  if (answer === 'ended') return { created: false };
  if (answer === 'no first steps yet') {
    const { memo } = await temporalCall(client, processId, () => client.workflow.getHandle(processId).describe(), UPDATE_DEADLINE_MS);
    return { created: memo?.startRequest === startRequest };
  }
  const created = answer.startRequest === startRequest;
  return created ? { created, first: answer } : { created };
}

/** Where a process belongs and its kind: from the registry row, or (just started, row not yet written) from the workflow. */
export async function processScope(
  { client, prisma, queries }: Pick<ProcessRouteDeps, 'client' | 'prisma' | 'queries'>,
  processId: string,
): Promise<Scope & { kind: string }> {
  const row = await prisma.processRecord.findUnique({ where: { id: processId }, select: { council: true, groupKey: true, kind: true } });
  if (row) return row;
  const view = await processView({ client, prisma, queries }, processId);
  return { council: view.council, groupKey: view.groupKey, kind: view.kind };
}

/** The 400 for a person named to act who does not hold their role in the council. */
export const notAUserWithRole = (person: NamedPerson, council: string) =>
  fieldProblem(
    'body',
    person.path,
    'not_a_user_with_role',
    `${person.userId} is not a user holding the ${person.role} role in ${council}: their tasks would be for nobody`,
  );

/** People a start names to act who do not hold the role they act in, in the council: refused, naming the field. */
export async function namedPeopleWithoutTheirRole(prisma: PrismaClient, named: NamedPerson[], council: string) {
  const grants = await prisma.roleGrant.findMany({
    where: { userId: { in: [...new Set(named.map((person) => person.userId))] }, council: { in: [council, ANY_COUNCIL] } },
    select: { userId: true, role: true },
  });
  return named.filter((person) => !grants.some((grant) => grant.userId === person.userId && grant.role === person.role));
}

/**
 * What a process waits for and from whom, its child workflows' steps included (an ALMO's SLA
 * negotiations): its open tasks in the inbox, each with the workflow it belongs to. The view's own
 * `openTasks` are the process workflow's alone.
 */
export async function waitingFor(prisma: PrismaClient, processId: string) {
  const open = await prisma.task.findMany({ where: { processId, status: 'open' }, orderBy: [{ openedAt: 'asc' }, { id: 'asc' }] });
  return open.map((task) => ({
    id: task.id,
    taskId: task.taskKey,
    title: task.title,
    role: task.role,
    assignee: task.assignee,
    dueAt: task.dueAt?.toISOString() ?? null,
    workflowId: task.workflowId,
    ofChild: task.workflowId !== processId,
  }));
}

/** Refuses (403, logged) a principal who holds no role for the process; answers 404 for no process. */
export async function assertMayRead(
  deps: Pick<ProcessRouteDeps, 'client' | 'prisma' | 'queries'>,
  req: Request,
  principal: Principal,
  processId: string,
  what = `process ${processId}`,
): Promise<void> {
  const scope = await processScope(deps, processId);
  if (!mayRead(principal, scope)) throw hidden(req, 'process', processId, `read ${what}`);
}

/** The actor the principal is in the first of `roles` it holds for the process. */
const actingInOneOf = (principal: Principal, scope: Scope, roles: Role[]) =>
  roles.map((role) => actingAs(principal, scope, role)).find((actor) => actor !== undefined);

/** Each path once, with the definitions that have it: a route serves every process kind that answers there. */
function byPath<T extends { path: string }>(
  definitions: ProcessDefinition[],
  items: (d: ProcessDefinition) => T[] | undefined,
): Map<string, Map<string, T>> {
  const paths = new Map<string, Map<string, T>>();
  for (const definition of definitions) {
    for (const item of items(definition) ?? []) {
      if (!paths.has(item.path)) paths.set(item.path, new Map());
      paths.get(item.path)?.set(definition.kind, item);
    }
  }
  return paths;
}

/** What a command's refusal says was refused: `variation-requests` is "The variation request". */
const commandInWords = (path: string) => `The ${path.replace(/-/g, ' ').replace(/s$/, '')}`;

const notForKind = (what: string, kind: string) =>
  new HttpProblem(404, 'not-for-this-process', `No ${what} for this process`, `a ${kind} process has no ${what}`);

/** The process list's orders; ties broken by id so pages never overlap. */
const PROCESS_ORDER: Record<'started' | 'updated' | 'title', Prisma.ProcessRecordOrderByWithRelationInput[]> = {
  started: [{ startedAt: 'desc' }, { id: 'asc' }],
  updated: [{ updatedAt: 'desc' }, { id: 'asc' }],
  title: [{ title: 'asc' }, { id: 'asc' }],
};

export function processRoutes(deps: ProcessRouteDeps): AnyRoute[] {
  const { client, prisma, taskQueue, registry, policies, updateDeadlineMs } = deps;
  const startable = registry.startable();
  /** The processes (of a council, or all) with an open task past its due date. */
  const processesWithOverdueTasks = async (council?: string) =>
    (
      await prisma.task.findMany({
        where: { status: 'open', dueAt: { lt: new Date() }, ...(council ? { council } : {}) },
        select: { processId: true },
        distinct: ['processId'],
      })
    ).map((t) => t.processId);

  const ending = (path: 'withdraw' | 'cancel', summary: string) =>
    route({
      method: 'post',
      path: `/processes/:id/${path}`,
      tag: 'processes',
      summary,
      params: processIdParams,
      body: endProcessBody,
      responses: {
        200: { description: 'ended; its final stage' },
        403: { description: 'not allowed to end this process' },
        404: { description: 'no such process' },
        409: { description: 'already ended, or it cannot be withdrawn' },
      },
      async handler({ req, res, params, body, principal }) {
        const scope = await processScope(deps, params.id);
        // Access first: someone with no role learns nothing of the process, not even its kind.
        if (!mayRead(principal, scope)) throw hidden(req, 'process', params.id, `${path} process`);
        const role: Role | undefined = path === 'cancel' ? 'programme_manager' : registry.get(scope.kind)?.withdrawnBy;
        if (!role)
          throw new HttpProblem(
            409,
            'not-withdrawable',
            'This process cannot be withdrawn',
            `a ${scope.kind} process is ended early only by the council cancelling it`,
          );
        const actor = actingAs(principal, scope, role);
        if (!actor) throw forbid(req, `${path} process ${params.id}`, `needs the ${role} role for it`);
        const result = await updateProcess(
          client,
          params.id,
          path === 'withdraw' ? withdrawUpdate : cancelUpdate,
          { actor, reasons: body.reasons },
          { deadlineMs: updateDeadlineMs },
        );
        req.log.info({ processId: params.id, actor, reasons: body.reasons }, `process ${path === 'withdraw' ? 'withdrawn' : 'cancelled'}`);
        res.json(result);
      },
    });

  const commandRoute = (path: string, commands: Map<string, ProcessCommand>) => {
    const first = [...commands.values()][0];
    const kinds = [...commands.keys()];
    return route({
      method: 'post',
      path: `/processes/:id/${path}`,
      tag: 'processes',
      summary: `${first?.summary} (${kinds.join(', ')})`,
      params: processIdParams,
      // Checked in the handler with the process kind's own schema; the first kind's is what the description shows.
      documentedBody: first?.body as z.ZodType,
      responses: {
        200: { description: 'accepted', schema: first?.response },
        403: { description: `needs one of: ${[...new Set([...commands.values()].flatMap((c) => c.roles))].join(', ')}` },
        404: { description: 'no such process, or its kind has no such command' },
        409: { description: 'refused by the process now' },
      },
      async handler({ req, res, params, principal }) {
        const scope = await processScope(deps, params.id);
        if (!mayRead(principal, scope)) throw hidden(req, 'process', params.id, `${path} on process`);
        const command = commands.get(scope.kind);
        if (!command) throw notForKind(path, scope.kind);
        const body = command.body.safeParse(req.body ?? {});
        if (!body.success) throw validationProblem('body', body.error);
        const actor = actingInOneOf(principal, scope, command.roles);
        if (!actor) throw forbid(req, `${path} on process ${params.id}`, `needs one of: ${command.roles.join(', ')}`);
        const result = await updateProcess(client, params.id, command.update, command.input(body.data, actor), {
          deadlineMs: updateDeadlineMs,
          refused: commandInWords(path),
        });
        req.log.info({ processId: params.id, actor, command: path }, 'process command accepted');
        res.json(result);
      },
    });
  };

  /** A note (data that is not a decision): written with its audit entry in one transaction, no workflow update. */
  const noteRoute = (path: string, notes: Map<string, ProcessNote>) => {
    const first = [...notes.values()][0];
    return route({
      method: 'post',
      path: `/processes/:id/${path}`,
      tag: 'processes',
      summary: `${first?.summary} (${[...notes.keys()].join(', ')})`,
      params: processIdParams,
      documentedBody: first?.body as z.ZodType,
      responses: {
        201: { description: 'recorded on the timeline', schema: noteRecordedResponse },
        403: { description: `needs one of: ${[...new Set([...notes.values()].flatMap((n) => n.roles))].join(', ')}` },
        404: { description: 'no such process, or its kind takes no such note' },
        409: { description: 'the process is not at a stage that takes it' },
      },
      async handler({ req, res, params, principal }) {
        const row = await prisma.processRecord.findUnique({ where: { id: params.id } });
        if (!row || !mayRead(principal, row)) throw hidden(req, 'process', params.id, `${path} on process`);
        const note = notes.get(row.kind);
        if (!note) throw notForKind(path, row.kind);
        const body = note.body.safeParse(req.body ?? {});
        if (!body.success) throw validationProblem('body', body.error);
        const actor = actingInOneOf(principal, row, note.roles);
        if (!actor) throw forbid(req, `${path} on process ${params.id}`, `needs one of: ${note.roles.join(', ')}`);
        if (row.status !== 'active' || !note.stages.includes(row.stage)) {
          throw new HttpProblem(
            409,
            'not-allowed-now',
            `${commandInWords(path)} was refused: the process is not at a stage that takes it`,
            `taken at: ${note.stages.join(', ').replace(/_/g, ' ')}; the process is at ${row.stage.replace(/_/g, ' ')}`,
          );
        }
        const key = `${note.kind}:${randomUUID()}`;
        const at = new Date();
        const process = { processId: row.id, kind: row.kind, council: row.council, groupKey: row.groupKey, title: row.title };
        await writeAtOnce(prisma, [
          timelineEntry({
            process,
            key,
            at: at.toISOString(),
            kind: note.kind,
            summary: note.inWords(body.data),
            actor,
            data: body.data as Prisma.InputJsonValue,
          }),
          ...auditWith(process, key, actor, at.toISOString(), `process.${note.kind}`, body.data as Record<string, unknown>),
        ]);
        req.log.info({ processId: row.id, actor, note: path }, 'note recorded');
        res.status(201).json({ processId: row.id, stage: row.stage, kind: note.kind, at: at.toISOString() });
      },
    });
  };

  const readRoute = (path: string, reads: Map<string, ProcessRead>) => {
    const first = [...reads.values()][0];
    return route({
      method: 'get',
      path: `/processes/:id/${path}`,
      tag: 'processes',
      summary: `${first?.summary} (${[...reads.keys()].join(', ')})`,
      params: processIdParams,
      responses: {
        200: { description: path, schema: first?.response },
        404: { description: 'no such process, or its kind has nothing there' },
      },
      async handler({ req, res, params, principal }) {
        const scope = await processScope(deps, params.id);
        if (!mayRead(principal, scope)) throw hidden(req, 'process', params.id, `read ${path}`);
        const read = reads.get(scope.kind);
        if (!read) throw notForKind(path, scope.kind);
        res.json(await read.load(prisma, params.id));
      },
    });
  };

  const startBody = z.discriminatedUnion(
    'kind',
    startable.map((d) => d.start.body) as unknown as [
      z.ZodObject<{ kind: z.ZodLiteral<string> }>,
      ...z.ZodObject<{ kind: z.ZodLiteral<string> }>[],
    ],
  );

  const retryIncident = route({
    method: 'post',
    path: '/processes/:id/incident/retry',
    tag: 'processes',
    summary: 'Try again the write a process is waiting on after it failed (its incident), e.g. once the data is corrected',
    params: processIdParams,
    responses: {
      200: { description: 'tried again; the process stage after it' },
      403: { description: 'needs programme_manager' },
      404: { description: 'no such process' },
      409: { description: 'the process has no incident' },
    },
    async handler({ req, res, params, principal }) {
      const scope = await processScope(deps, params.id);
      if (!mayRead(principal, scope)) throw hidden(req, 'process', params.id, 'retry incident of process');
      const actor = actingAs(principal, scope, 'programme_manager');
      if (!actor) throw forbid(req, `retry the incident of process ${params.id}`, 'needs the programme_manager role for it');
      // Audited by the process with the retry's timeline entry.
      res.json(await updateProcess(client, params.id, retryIncidentUpdate, { actor }, { deadlineMs: updateDeadlineMs }));
    },
  });

  return [
    retryIncident,
    ending('withdraw', "Withdraw from a process (e.g. a residents' group from its LMA), with reasons"),
    ending('cancel', 'The council cancels a process, with reasons'),
    ...[...byPath(registry.definitions, (d) => d.commands)].map(([path, commands]) => commandRoute(path, commands)),
    ...[...byPath(registry.definitions, (d) => d.notes)].map(([path, notes]) => noteRoute(path, notes)),
    ...[...byPath(registry.definitions, (d) => d.reads)].map(([path, reads]) => readRoute(path, reads)),
    route({
      method: 'post',
      path: '/processes',
      tag: 'processes',
      summary: `Start a process (${startable.map((d) => `${d.kind}: ${d.name}`).join('; ')}); the same business key twice returns the existing process`,
      body: startBody,
      responses: {
        201: { description: 'started; its first tasks are in the inbox', schema: startedResponse },
        200: { description: 'already exists', schema: startedResponse },
        400: { description: 'invalid body' },
        403: { description: 'not allowed to start it' },
      },
      async handler({ req, res, body: rawBody, principal }) {
        const definition = registry.get((rawBody as { kind: string }).kind) as ProcessDefinition & {
          start: NonNullable<ProcessDefinition['start']>;
        };
        const body = rawBody as Parameters<typeof definition.start.scope>[0];
        const scope = definition.start.scope(body);
        const startedBy = actingInOneOf(principal, scope, definition.start.roles);
        if (!startedBy)
          throw forbid(
            req,
            `start a ${definition.kind} process`,
            `needs one of: ${definition.start.roles.join(', ')} (a resident_rep for its own group) in ${scope.council}`,
          );
        const [unable] = await namedPeopleWithoutTheirRole(prisma, definition.start.namedPeople?.(body) ?? [], scope.council);
        if (unable) throw notAUserWithRole(unable, scope.council);
        const processId = definition.start.businessKey(body);
        const [{ policy }, council] = await Promise.all([
          policies.policyFor(prisma, scope.council),
          prisma.council.findUnique({ where: { slug: scope.council } }),
        ]);
        const { created, first } = await startProcess(client, processId, {
          taskQueue,
          workflowType: definition.workflowType,
          input: definition.start.input(body, { startedBy, policy, ...(council ? { councilName: council.name } : {}) }),
          typedSearchAttributes: [
            { key: councilKey, value: scope.council },
            { key: processKindKey, value: definition.kind },
            { key: processStageKey, value: definition.start.stage },
            { key: businessKeyKey, value: processId },
          ],
        });
        const location = `/processes/${encodeURIComponent(processId)}`;
        req.log.info({ processId, created, actor: startedBy }, created ? 'process started' : 'process already exists');
        res
          .status(created ? 201 : 200)
          .location(location)
          .json({
            processId,
            kind: definition.kind,
            created,
            ...(first ? { stage: first.stage, opened: first.opened } : {}),
            links: { self: location },
          });
      },
    }),

    route({
      method: 'get',
      path: '/processes',
      tag: 'processes',
      summary: 'Find processes by council, kind and stage (those you may see)',
      query: listProcessesQuery(registry.kinds),
      responses: { 200: { description: 'a page of processes', schema: page(processSummary) } },
      async handler({ res, query, principal }) {
        const where: Prisma.ProcessRecordWhereInput = {
          ...(query.council ? { council: query.council } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.stage ? { stage: query.stage } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.incident ? { incident: { not: Prisma.DbNull } } : {}),
          ...(query.overdue ? { id: { in: await processesWithOverdueTasks(query.council) } } : {}),
          ...visibleTo(principal),
        };
        const [rows, total] = await Promise.all([
          prisma.processRecord.findMany({ where, orderBy: PROCESS_ORDER[query.sort], ...pageWindow(query) }),
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
        const view = await processView(deps, params.id);
        if (!mayRead(input.principal, view)) throw hidden(input.req, 'process', params.id, 'read process');
        // How its rules stand, explained before anyone hits one (the same as GET /processes/:id/rules).
        const rules = registry.rulesOf(view);
        res.json({ ...view, ...(rules ? { rules } : {}), waitingFor: await waitingFor(prisma, params.id) });
      },
    }),

    route({
      method: 'get',
      path: '/processes/:id/rules',
      tag: 'processes',
      summary: "How a process's rules stand: which are met, which block the next step and why, with their sources",
      params: processIdParams,
      responses: { 200: { description: 'its rules', schema: rulesResponse }, 404: { description: 'no such process' } },
      async handler(input) {
        const view = await processView(deps, input.params.id);
        if (!mayRead(input.principal, view)) throw hidden(input.req, 'process', input.params.id, 'read rules of process');
        const rules = registry.rulesOf(view) ?? [];
        input.res.json({
          processId: view.processId,
          kind: view.kind,
          stage: view.stage,
          rules,
          blocking: rules.filter((r) => r.blocks).map((r) => r.rule),
        });
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
        const entries = await prisma.timelineEntry.findMany({
          where: { processId: input.params.id },
          orderBy: [{ at: 'asc' }, { seq: 'asc' }],
        });
        // Who acted, by name as well as id: one read of the people the timeline names.
        const names = await displayNamesOf(
          prisma,
          entries.map((e) => e.actorUserId),
        );
        input.res.json({
          processId: input.params.id,
          entries: entries.map((e) => ({
            at: e.at.toISOString(),
            kind: e.kind,
            summary: e.summary,
            actor:
              e.actorUserId && e.actorRole ? { userId: e.actorUserId, role: e.actorRole, name: names.get(e.actorUserId) ?? null } : null,
            taskId: e.taskId,
            outcome: e.outcome,
            reasons: e.reasons,
            documentIds: e.documentIds,
            stage: stageOf(e.data),
          })),
        });
      },
    }),
  ];
}

/** The stage a process event left the process at (its timeline row's data), if it records one. */
const stageOf = (data: unknown): string | null =>
  typeof data === 'object' && data !== null && typeof (data as { stage?: unknown }).stage === 'string'
    ? (data as { stage: string }).stage
    : null;
