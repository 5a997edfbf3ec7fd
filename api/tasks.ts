import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Request } from 'express';
import { z } from 'zod';
import { auditWith, timelineEntry } from '../activities/engine';
import { writeAtOnce } from '../lib/statement';
import { coveredBy } from '../lib/absences';
import type { PrismaClient } from '../lib/db';
import type { ProcessRegistry } from '../lib/process-registry';
import { ANY_COUNCIL, displayNamesOf, usersWithRole, type Principal } from '../lib/identity';
import type { Prisma } from '../prisma/generated/client';
import { assignTaskUpdate, completeTaskUpdate, publicDecision, type AssignTaskInput, type DecisionRecord } from '../workflows/common/tasks';
import { isScoped, type Role } from '../workflows/common/roles';
import { actingAs, forbid, hidden, mayRead, visibleTo } from './access';
import { fieldProblem, HttpProblem, validationProblem } from './problem';
import { notFound, route, type AnyRoute } from './route-spec';
import {
  completeTaskBody,
  completeTaskResponse,
  delegateTaskBody,
  handOverBody,
  taskNoteBody,
  handOverResponse,
  HAND_OVER_MAX,
  councilParams,
  listTasksQuery,
  taskCandidatesResponse,
  taskDetailResponse,
  page,
  pageOf,
  pageWindow,
  releaseTaskBody,
  taskIdParams,
  taskResponse,
} from './schemas';
import { canonicalJson } from '../lib/audit';
import { updateProcess } from './temporal-errors';
import { namedPeopleWithoutTheirRole, notAUserWithRole, waitingFor } from './processes';

type TaskRow = NonNullable<Awaited<ReturnType<PrismaClient['task']['findUnique']>>>;

/** Whether a repeated completion asks for what was decided (then it gets the same answer) or for something else. */
const sameDecision = (
  recorded: DecisionRecord,
  asked: Pick<DecisionRecord, 'outcome' | 'reasons' | 'attachments' | 'form' | 'actor'>,
): boolean =>
  canonicalJson([recorded.outcome, recorded.reasons, recorded.attachments, recorded.form, recorded.actor.userId, recorded.actor.role]) ===
  canonicalJson([asked.outcome, asked.reasons, asked.attachments, asked.form, asked.actor.userId, asked.actor.role]);

/** The inbox's orders; ties broken by id so pages never overlap. */
const TASK_ORDER: Record<'due' | 'opened' | 'closed', Prisma.TaskOrderByWithRelationInput[]> = {
  due: [{ dueAt: { sort: 'asc', nulls: 'last' } }, { openedAt: 'asc' }, { id: 'asc' }],
  opened: [{ openedAt: 'desc' }, { id: 'asc' }],
  closed: [{ closedAt: { sort: 'desc', nulls: 'last' } }, { id: 'asc' }],
};

/** Tasks by whose they are, from the caller's grants (a scoped role's only for what its grant names). */
/** `covering`: the people the principal covers for today (out-of-office delegation): their tasks count as the principal's. */
function ownedBy(
  principal: Principal,
  owner: 'me_or_my_roles' | 'me' | 'unassigned' | 'my_roles',
  covering: string[] = [],
): Prisma.TaskWhereInput {
  const inMyRoles: Prisma.TaskWhereInput = {
    OR: principal.grants.map((grant) => ({
      role: grant.role,
      ...(grant.council === ANY_COUNCIL ? {} : { council: grant.council }),
      ...(isScoped(grant.role) ? { groupKey: grant.groupKey } : {}),
    })),
  };
  const mine = covering.length ? { assignee: { in: [principal.userId, ...covering] } } : { assignee: principal.userId };
  const unassignedInMyRoles = { AND: [{ assignee: null }, inMyRoles] };
  return { me_or_my_roles: { OR: [mine, unassignedInMyRoles] }, me: mine, unassigned: unassignedInMyRoles, my_roles: inMyRoles }[owner];
}

const presenter = (registry: ProcessRegistry) => (row: TaskRow) => ({
  id: row.id,
  processId: row.processId,
  taskId: row.taskKey,
  council: row.council,
  processKind: row.processKind,
  kind: row.kind,
  title: row.title,
  role: row.role,
  assignee: row.assignee,
  status: row.status,
  outcomes: row.outcomes,
  requiredFormFields: row.requiredFormFields,
  reasonsRequiredFor: row.reasonsRequiredFor,
  forms: registry.formRefs(row.workflowKind, row.kind),
  data: row.data,
  openedAt: row.openedAt.toISOString(),
  dueAt: row.dueAt?.toISOString() ?? null,
  outcome: row.outcome,
  closedBy: row.closedBy,
  closedAt: row.closedAt?.toISOString() ?? null,
});

export function taskRoutes({
  client,
  prisma,
  registry,
  updateDeadlineMs,
}: {
  client: Client;
  prisma: PrismaClient;
  registry: ProcessRegistry;
  updateDeadlineMs?: number;
}): AnyRoute[] {
  const present = presenter(registry);
  // The API description shows every task kind's form; which one applies depends on the task.
  const formRefs = Object.keys(registry.formSchemas()).map((id) => ({ $ref: `#/components/schemas/${id}` }));
  const documentedCompletion = completeTaskBody.extend({
    form: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "The task's form: the schema its `forms` names for the outcome (the inbox row lists them)", anyOf: formRefs }),
  });
  /** The task, and the principal acting in its role: refused (403, logged) when they do not hold it. */
  const taskAndActor = async (req: Request, principal: Principal, id: string, action: string) => {
    const task = await prisma.task.findUnique({ where: { id } });
    if (!task) throw await notOpenYet(principal, id);
    if (!mayRead(principal, task)) throw hidden(req, 'task', id, `${action} task`);
    const actor = actingAs(principal, task, task.role as Role);
    if (!actor)
      throw forbid(
        req,
        `${action} task ${id}`,
        `needs the ${task.role} role in ${task.council}${isScoped(task.role) ? ` for ${task.groupKey}` : ''}`,
      );
    return { task, actor };
  };
  /**
   * A task id the inbox does not have, in a process the caller may see: a step not open yet (or of a
   * process that has ended), answered 409 with what the process waits for. Otherwise 404, as for any
   * id nobody may learn of.
   */
  const notOpenYet = async (principal: Principal, id: string): Promise<HttpProblem> => {
    const processId = id.slice(0, id.indexOf('~'));
    const process = await prisma.processRecord.findUnique({
      where: { id: processId },
      select: { council: true, groupKey: true, status: true },
    });
    if (!process || !mayRead(principal, process)) return notFound('task', id);
    if (process.status !== 'active')
      return new HttpProblem(
        409,
        'process-ended',
        'The process has ended',
        `process ${processId} has ended (${process.status}); ${id} was never opened`,
      );
    const waiting = await waitingFor(prisma, processId);
    const waitsFor = waiting.length ? waiting.map((t) => `${t.title} (${t.role})`).join('; ') : 'nothing from anyone at the moment';
    return new HttpProblem(
      409,
      'task-not-open-yet',
      'This step is not open yet',
      `${id} is not open in process ${processId}; it waits for: ${waitsFor}`,
      { waitingFor: waiting },
    );
  };
  /** Deciding a task assigned to someone the principal covers for today: said to the process, which checks the assignee. */
  const coverFor = async (task: TaskRow, principalId: string) =>
    task.assignee && task.assignee !== principalId && (await coveredBy(prisma, principalId, task.council)).includes(task.assignee)
      ? { onBehalfOf: task.assignee }
      : {};
  const assign = async (principal: Principal, task: TaskRow, input: AssignTaskInput) => {
    // Audited by the process, with the assignment's timeline entry.
    return updateProcess(client, task.workflowId, assignTaskUpdate, input, { deadlineMs: updateDeadlineMs });
  };
  const assignmentResponses = {
    200: { description: 'the task as it now stands' },
    403: { description: 'not allowed' },
    404: { description: 'no such task' },
    409: { description: 'task not open' },
  };

  /** A task the principal may see (open or closed); otherwise 404, as for one that does not exist. */
  const readableTask = async (req: Request, principal: Principal, id: string) => {
    const task = await prisma.task.findUnique({ where: { id } });
    if (!task || !mayRead(principal, task)) throw task ? hidden(req, 'task', id, 'read task') : notFound('task', id);
    return task;
  };
  /** Everyone holding the task's role where it is (in its group, for a resident_rep's). */
  const whoMayTake = (task: TaskRow) =>
    usersWithRole(prisma, task.council, task.role as Role, isScoped(task.role) ? task.groupKey : undefined);

  return [
    route({
      method: 'get',
      path: '/tasks',
      tag: 'tasks',
      summary: 'The inbox: tasks you may see, filtered by council, process, role, assignee, status and due date',
      query: listTasksQuery(registry.kinds),
      responses: { 200: { description: 'a page of tasks, in the order asked for', schema: page(taskResponse) } },
      async handler({ res, query, principal }) {
        const where = {
          AND: [
            {
              status: query.status,
              ...(query.council ? { council: query.council } : {}),
              ...(query.kind ? { processKind: query.kind } : {}),
              ...(query.process ? { processId: query.process } : {}),
              ...(query.role ? { role: query.role } : {}),
              ...(query.assignee ? { assignee: query.assignee } : {}),
              ...(query.closed_by ? { closedBy: query.closed_by } : {}),
              ...(query.due_before || query.overdue
                ? { dueAt: { lt: query.overdue ? new Date() : new Date(query.due_before as string) } }
                : {}),
            },
            visibleTo(principal),
            query.owner ? ownedBy(principal, query.owner, await coveredBy(prisma, principal.userId, query.council)) : {},
          ],
        };
        const [rows, total] = await Promise.all([
          prisma.task.findMany({ where, orderBy: TASK_ORDER[query.sort], ...pageWindow(query) }),
          prisma.task.count({ where }),
        ]);
        res.json(pageOf(query, rows.map(present), total));
      },
    }),

    route({
      method: 'get',
      path: '/tasks/:id',
      tag: 'tasks',
      summary: 'One task, as the inbox lists it (open or closed): what it asks, of whom, by when',
      params: taskIdParams,
      responses: { 200: { description: 'the task', schema: taskDetailResponse }, 404: { description: 'no such task' } },
      async handler({ req, res, params, principal }) {
        const task = await readableTask(req, principal, params.id);
        res.json({ ...present(task), formStarts: registry.formStarts(task.workflowKind, task.kind, task.outcomes, task.data) });
      },
    }),

    route({
      method: 'get',
      path: '/tasks/:id/candidates',
      tag: 'tasks',
      summary: 'Who could take a task: everyone holding its role where it is (to claim it, or to have it delegated to them)',
      params: taskIdParams,
      responses: { 200: { description: 'the people, by user id', schema: taskCandidatesResponse }, 404: { description: 'no such task' } },
      async handler({ req, res, params, principal }) {
        const task = await readableTask(req, principal, params.id);
        const people = await whoMayTake(task);
        res.json({ taskId: task.id, role: task.role, items: people.map((p) => ({ userId: p.id, name: p.displayName })) });
      },
    }),

    route({
      method: 'post',
      path: '/tasks/:id/complete',
      tag: 'tasks',
      summary: 'Record the decision on a task; sending it again returns the same answer',
      params: taskIdParams,
      body: completeTaskBody,
      documentedBody: documentedCompletion,
      responses: {
        200: {
          description: 'accepted; the process stage after it and the tasks it opened, already in the inbox',
          schema: completeTaskResponse,
        },
        400: { description: 'wrong outcome, missing reasons or form fields' },
        403: { description: 'you do not hold the role, or the task is assigned to someone else' },
        404: { description: 'no such task' },
        409: { description: 'task no longer open' },
      },
      async handler({ req, res, params, body, principal }) {
        const { task, actor } = await taskAndActor(req, principal, params.id, 'complete');
        const schema = registry.taskForm(task.workflowKind, task.kind, body.outcome);
        // The registry refuses at start-up a task kind without a form; one here was opened by other code.
        if (!schema)
          throw new HttpProblem(
            500,
            'task-form-unknown',
            'This task cannot be checked',
            `no ${task.workflowKind} process declares the task kind ${task.kind}`,
          );
        const form = schema.safeParse(body.form ?? {});
        if (!form.success) {
          form.error.issues.forEach((issue) => issue.path.unshift('form'));
          throw validationProblem('body', form.error, `The form for "${task.title}" (${body.outcome}) is not valid`);
        }
        const [unable] = await namedPeopleWithoutTheirRole(
          prisma,
          registry.namedInForm(task.workflowKind, task.kind, form.data),
          task.council,
        );
        if (unable) throw notAUserWithRole({ ...unable, path: ['form', ...unable.path] }, task.council);
        // An attachment is one of this process's own documents: another's would show on this timeline.
        const attachments = body.attachments ?? [];
        if (attachments.length) {
          const own = new Set(
            (await prisma.document.findMany({ where: { id: { in: attachments }, processId: task.processId }, select: { id: true } })).map(
              (d) => d.id,
            ),
          );
          const foreign = attachments.findIndex((id) => !own.has(id));
          if (foreign >= 0)
            throw fieldProblem(
              'body',
              ['attachments', foreign],
              'not_a_document_of_this_process',
              `no document of process ${task.processId} has the id ${attachments[foreign]}`,
            );
        }
        // Keyed by task, so a repeated completion gets the first one's answer and one history entry.
        // A child workflow's task is decided by the child (its workflow id), in its parent's process.
        // Audited by the process, in the transaction that records the decision: once, whatever crashes here.
        const result = await updateProcess(
          client,
          task.workflowId,
          completeTaskUpdate,
          { taskId: task.taskKey, actor, ...body, ...(await coverFor(task, principal.userId)) },
          { updateId: `complete-task:${task.taskKey}`, deadlineMs: updateDeadlineMs },
        );
        if (
          result.decision &&
          !sameDecision(result.decision, {
            outcome: body.outcome,
            reasons: body.reasons,
            attachments: body.attachments ?? [],
            form: body.form ?? {},
            actor,
          })
        ) {
          throw new HttpProblem(
            409,
            'task-already-decided',
            'This task was already decided otherwise',
            `${result.decision.actor.userId} decided ${result.decision.outcome} at ${result.decision.decidedAt}`,
            { decision: publicDecision(result.decision) },
          );
        }
        req.log.info({ processId: task.processId, taskId: task.taskKey, outcome: result.outcome, actor }, 'task completed');
        res.json({ ...result, ...(result.decision ? { decision: publicDecision(result.decision) } : {}) });
      },
    }),

    route({
      method: 'post',
      path: '/tasks/:id/claim',
      tag: 'tasks',
      summary: 'Take a task: only you can then complete it',
      params: taskIdParams,
      responses: assignmentResponses,
      async handler({ req, res, params, principal }) {
        const { task, actor } = await taskAndActor(req, principal, params.id, 'claim');
        res.json(await assign(principal, task, { taskId: task.taskKey, actor, assignee: actor.userId }));
      },
    }),

    route({
      method: 'post',
      path: '/tasks/:id/release',
      tag: 'tasks',
      summary: 'Give a claimed task back to everyone with its role',
      params: taskIdParams,
      body: releaseTaskBody,
      responses: assignmentResponses,
      async handler({ req, res, params, body, principal }) {
        const { task, actor } = await taskAndActor(req, principal, params.id, 'release');
        res.json(
          await assign(principal, task, { taskId: task.taskKey, actor, assignee: null, ...(body?.reason ? { reason: body.reason } : {}) }),
        );
      },
    }),

    route({
      method: 'post',
      path: '/tasks/:id/notes',
      tag: 'tasks',
      summary: 'Add a note to a task (what the next person should know): on the process timeline, audited',
      params: taskIdParams,
      body: taskNoteBody,
      responses: {
        201: {
          description: 'the note, as the timeline has it',
          schema: z.object({ taskId: z.string(), at: z.string(), summary: z.string() }),
        },
        403: { description: 'needs the task’s role, or programme_manager' },
        404: { description: 'no such task' },
      },
      async handler({ req, res, params, body, principal }) {
        const task = await readableTask(req, principal, params.id);
        // Whoever could act on it, or a programme manager of its council; an auditor only reads.
        const actor =
          actingAs(principal, task, task.role as Role) ?? actingAs(principal, { council: task.council, groupKey: '' }, 'programme_manager');
        if (!actor)
          throw forbid(req, `add a note to task ${params.id}`, `needs the ${task.role} role, or programme_manager, in ${task.council}`);
        const at = new Date().toISOString();
        const process = { processId: task.processId };
        const key = `note:${task.taskKey}:${randomUUID()}`;
        const summary = `Note on ${task.title}: ${body.note}`;
        // A note changes no process state: the API writes it beside the process's own entries, audited with it.
        await writeAtOnce(prisma, [
          timelineEntry({ process, key, at, kind: 'task_note', summary, actor, taskId: task.taskKey }),
          ...auditWith(process, key, actor, at, 'task.note', { taskId: task.taskKey, note: body.note }),
        ]);
        res.status(201).json({ taskId: task.id, at, summary });
      },
    }),

    route({
      method: 'get',
      path: '/tasks/:id/notes',
      tag: 'tasks',
      summary: 'The notes on a task, oldest first, with who wrote each: for whoever may see the task',
      params: taskIdParams,
      responses: {
        200: {
          description: 'the notes',
          schema: z.object({
            items: z.array(
              z.object({
                at: z.string(),
                summary: z.string(),
                by: z.object({ userId: z.string(), name: z.string().nullable() }).nullable(),
              }),
            ),
          }),
        },
        404: { description: 'no such task' },
      },
      async handler({ req, res, params, principal }) {
        const task = await readableTask(req, principal, params.id);
        // The task's own entries only: someone who may see a task (a partner) need not see its process.
        const notes = await prisma.timelineEntry.findMany({
          where: { processId: task.processId, kind: 'task_note', taskId: task.taskKey },
          orderBy: [{ at: 'asc' }, { seq: 'asc' }],
          select: { at: true, summary: true, actorUserId: true },
        });
        const names = await displayNamesOf(
          prisma,
          notes.map((n) => n.actorUserId),
        );
        res.json({
          items: notes.map((n) => ({
            at: n.at.toISOString(),
            summary: n.summary,
            by: n.actorUserId ? { userId: n.actorUserId, name: names.get(n.actorUserId) ?? null } : null,
          })),
        });
      },
    }),

    route({
      method: 'get',
      path: '/councils/:council/assignees',
      tag: 'tasks',
      summary: 'Who has open tasks assigned to them in a council, and how many: whose work a programme manager may hand over',
      params: councilParams,
      responses: {
        200: {
          description: 'people, by name',
          schema: z.object({ items: z.array(z.object({ userId: z.string(), name: z.string(), openTasks: z.number().int() })) }),
        },
        403: { description: 'programme managers only' },
      },
      async handler({ req, res, params, principal }) {
        if (!actingAs(principal, { council: params.council, groupKey: '' }, 'programme_manager'))
          throw forbid(req, `list who has tasks in ${params.council}`, `needs the programme_manager role in ${params.council}`);
        const counts = await prisma.task.groupBy({
          by: ['assignee'],
          where: { council: params.council, status: 'open', assignee: { not: null } },
          _count: { _all: true },
        });
        const users = await prisma.appUser.findMany({
          where: { id: { in: counts.map((c) => c.assignee as string) } },
          select: { id: true, displayName: true },
        });
        const names = new Map(users.map((u) => [u.id, u.displayName]));
        const items = counts
          .map((c) => ({
            userId: c.assignee as string,
            name: names.get(c.assignee as string) ?? (c.assignee as string),
            openTasks: c._count._all,
          }))
          .sort((a, b) => a.name.localeCompare(b.name));
        res.json({ items });
      },
    }),

    route({
      method: 'post',
      path: '/councils/:council/hand-over',
      tag: 'tasks',
      summary: "Hand a person's open tasks in a council (all, or those named) to a colleague: a result per task, moved or why not",
      params: councilParams,
      body: handOverBody,
      responses: { 200: { description: 'what happened to each task', schema: handOverResponse }, 403: { description: 'not allowed' } },
      async handler({ req, res, params, body, principal }) {
        // A programme manager hands over anyone's work; anyone else, only their own.
        const manager = actingAs(principal, { council: params.council, groupKey: '' }, 'programme_manager');
        if (!manager && body.from !== principal.userId)
          throw forbid(
            req,
            `hand over the tasks of ${body.from}`,
            `needs the programme_manager role in ${params.council}, or to be ${body.from}`,
          );
        const where = {
          council: params.council,
          status: 'open',
          assignee: body.from,
          ...(body.taskIds ? { id: { in: body.taskIds } } : {}),
        };
        const [tasks, total] = await Promise.all([
          prisma.task.findMany({ where, orderBy: [{ dueAt: 'asc' }, { openedAt: 'asc' }], take: HAND_OVER_MAX }),
          prisma.task.count({ where }),
        ]);
        const results = [];
        for (const task of tasks) {
          const outcome = { taskId: task.id, title: task.title, processId: task.processId };
          const actor = manager ?? actingAs(principal, task, task.role as Role);
          if (!actor) {
            results.push({ ...outcome, moved: false, why: `you no longer hold the ${task.role} role` });
            continue;
          }
          if (!(await whoMayTake(task)).some((user) => user.id === body.to)) {
            results.push({ ...outcome, moved: false, why: `${body.to} does not hold the ${task.role.replace(/_/g, ' ')} role here` });
            continue;
          }
          try {
            await assign(principal, task, {
              taskId: task.taskKey,
              actor,
              assignee: body.to,
              handOver: { from: body.from },
              ...(body.reason ? { reason: body.reason } : {}),
            });
            results.push({ ...outcome, moved: true });
          } catch (err) {
            // Decided, cancelled or taken meanwhile: said for this task, the others go on.
            if (!(err instanceof HttpProblem) || err.status >= 500) throw err;
            results.push({ ...outcome, moved: false, why: err.detail ?? err.title });
          }
        }
        const named = body.taskIds?.filter((id) => !tasks.some((t) => t.id === id)) ?? [];
        for (const taskId of named)
          results.push({ taskId, title: '', processId: '', moved: false, why: `not an open task of ${body.from} here` });
        req.log.info({ from: body.from, to: body.to, moved: results.filter((r) => r.moved).length }, 'tasks handed over');
        res.json({ from: body.from, to: body.to, results, remaining: total - tasks.length });
      },
    }),

    route({
      method: 'post',
      path: '/tasks/:id/delegate',
      tag: 'tasks',
      summary: 'Hand a task to another user who holds its role',
      params: taskIdParams,
      body: delegateTaskBody,
      responses: { ...assignmentResponses, 422: { description: 'the delegate does not hold the role' } },
      async handler({ req, res, params, body, principal }) {
        const { task, actor } = await taskAndActor(req, principal, params.id, 'delegate');
        const eligible = await whoMayTake(task);
        if (!eligible.some((user) => user.id === body.to)) {
          throw new HttpProblem(
            422,
            'delegate-lacks-role',
            'Cannot delegate to that user',
            `${body.to} does not hold the ${task.role} role in ${task.council}`,
          );
        }
        res.json(
          await assign(principal, task, {
            taskId: task.taskKey,
            actor,
            assignee: body.to,
            ...(body.reason ? { reason: body.reason } : {}),
          }),
        );
      },
    }),
  ];
}
