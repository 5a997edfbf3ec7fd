import { inWords } from '../workflows/common/format';
import type { Prisma } from '../prisma/generated/client';
import { appendAudit } from '../lib/audit';
import type { PrismaClient } from '../lib/db';
import { workerCounters } from '../lib/metrics';
import { deadlineFor, type Deadline } from '../lib/working-days';
import {
  inboxTaskId,
  taskOwner,
  type GenerateDocumentInput,
  type GeneratedDocument,
  type ProcessEventInput,
  type ProcessRef,
  type TaskAssignedInput,
  type TaskDecidedInput,
  type TaskLateInput,
  type TaskOpenedInput,
} from '../workflows/common/engine-types';
import type { WorkingCalendar } from '../workflows/common/policy';
import type { Actor, Role } from '../workflows/common/roles';
import { OUTCOMES_NEEDING_REASONS, type TaskView } from '../workflows/common/tasks';
import { generateDocument } from './documents';
import { notificationRow, type NotificationInput } from './notifications';
import { registryRow } from './registry';

interface TimelineWrite {
  process: Pick<ProcessRef, 'processId'>;
  key: string;
  at: string;
  kind: string;
  summary: string;
  actor?: Actor;
  taskId?: string;
  outcome?: string;
  reasons?: string;
  documentIds?: string[];
  data?: Prisma.InputJsonValue;
}

/** Keyed by process and key, so a retried activity writes each entry once. Not awaited here: batched with the change it records. */
export function appendTimeline(prisma: PrismaClient, entry: TimelineWrite) {
  return prisma.timelineEntry.createMany({
    data: [
      {
        id: `${entry.process.processId}:${entry.key}`,
        processId: entry.process.processId,
        at: new Date(entry.at),
        kind: entry.kind,
        summary: entry.summary,
        actorUserId: entry.actor?.userId ?? null,
        actorRole: entry.actor?.role ?? null,
        taskId: entry.taskId ?? null,
        outcome: entry.outcome ?? null,
        reasons: entry.reasons ?? null,
        documentIds: entry.documentIds ?? [],
        ...(entry.data === undefined ? {} : { data: entry.data }),
      },
    ],
    skipDuplicates: true,
  });
}

/**
 * The audit entry of the command a timeline entry records, keyed by that entry: written in the same
 * transaction, so a command Temporal accepted is audited once, whatever crashes after (the API included).
 */
export function auditWith(
  prisma: PrismaClient,
  process: Pick<ProcessRef, 'processId'>,
  key: string,
  actor: Actor,
  at: string,
  action: string,
  details: Record<string, unknown>,
) {
  return appendAudit(
    prisma,
    {
      actorUserId: actor.userId,
      actorRole: actor.role,
      ...(actor.tokenId ? { tokenId: actor.tokenId } : {}),
      action,
      processId: process.processId,
      details,
      commandKey: `${process.processId}:${key}`,
    },
    new Date(at),
  );
}

/** Who is told that a task waits: its assignee, or everyone holding its role. */
const whoActsOn = (task: TaskView) =>
  task.assignee ? { toUsers: [task.assignee] } : { toRoles: [task.role], ...(task.scope ? { scope: task.scope } : {}) };
/** Who hears of decisions and endings: the programme managers, the residents' group if there is one, and the process's other parties. */
const partiesOf = (process: ProcessRef): Role[] => [
  ...new Set<Role>(['programme_manager', ...(process.groupKey ? (['resident_rep'] as const) : []), ...(process.parties ?? [])]),
];
const dueFacts = (task: TaskView) => ({ taskTitle: task.title, ...(task.dueAt ? { dueAt: task.dueAt } : {}) });

/**
 * The parts every process shares: inbox, timeline, deadlines, notifications, documents. Each activity
 * is one transaction (a batch: one round trip) holding its change, its timeline entry and its email,
 * each keyed, so a retry after a crash writes nothing twice.
 */
/** `emailRow`: an email for the outbox, from the engine's templates or the process's own (its definition's `emails`). */
export function createEngineActivities(
  prisma: PrismaClient,
  emailRow: (input: NotificationInput) => ReturnType<typeof notificationRow> = (input) => notificationRow(prisma, input),
) {
  const taskOpened = async ({ process, task }: TaskOpenedInput): Promise<void> => {
    const owner = taskOwner(process);
    const row = {
      processId: process.processId,
      workflowId: owner.workflowId,
      workflowKind: owner.kind,
      taskKey: task.taskId,
      council: process.council,
      processKind: process.kind,
      groupKey: task.scope ?? process.groupKey,
      kind: task.kind,
      title: task.title,
      role: task.role,
      assignee: task.assignee ?? null,
      status: 'open',
      outcomes: task.outcomes,
      requiredFormFields: task.requiredFormFields ?? [],
      reasonsRequiredFor: task.outcomes.filter((o) => OUTCOMES_NEEDING_REASONS.includes(o) || (task.reasonsRequiredFor ?? []).includes(o)),
      data: (task.data ?? {}) as Prisma.InputJsonValue,
      openedAt: new Date(task.openedAt),
      dueAt: task.dueAt ? new Date(task.dueAt) : null,
    };
    const id = inboxTaskId(process.processId, task.taskId);
    const email = await emailRow({ process, event: 'task_opened', dedupeKey: `${id}:opened`, ...whoActsOn(task), facts: dueFacts(task) });
    await prisma.$transaction([
      prisma.task.upsert({ where: { id }, create: { id, ...row }, update: {} }),
      appendTimeline(prisma, {
        process,
        key: `task-opened:${task.taskId}`,
        at: task.openedAt,
        kind: 'task_opened',
        summary: `Task opened for ${task.role}: ${task.title}`,
        taskId: task.taskId,
      }),
      prisma.notification.createMany(email),
    ]);
    workerCounters.tasksOpened.inc({ process_kind: process.kind });
  };

  const taskDecided = async ({ process, task, decision, documentIds, stage }: TaskDecidedInput): Promise<void> => {
    const id = inboxTaskId(process.processId, task.taskId);
    const email = await emailRow({
      process,
      event: 'decision_made',
      dedupeKey: `${id}:decided`,
      toRoles: partiesOf(process),
      ...(task.tell?.length ? { toUsers: task.tell } : {}),
      facts: {
        taskTitle: task.title,
        outcome: decision.outcome,
        actor: decision.actor,
        ...(decision.reasons ? { reasons: decision.reasons } : {}),
        ...(stage ? { stage } : {}),
      },
    });
    await prisma.$transaction([
      prisma.task.updateMany({
        where: { id },
        data: { status: 'completed', closedAt: new Date(decision.decidedAt), outcome: decision.outcome, closedBy: decision.actor.userId },
      }),
      appendTimeline(prisma, {
        process,
        key: `decision:${task.taskId}`,
        at: decision.decidedAt,
        kind: 'decision',
        summary: `${task.title}: ${inWords(decision.outcome)}`,
        actor: decision.actor,
        taskId: task.taskId,
        outcome: decision.outcome,
        ...(decision.reasons ? { reasons: decision.reasons } : {}),
        documentIds: [...decision.attachments, ...documentIds],
        data: { form: decision.form } as Prisma.InputJsonValue,
      }),
      auditWith(
        prisma,
        process,
        `decision:${task.taskId}`,
        { ...decision.actor, ...(decision.tokenId ? { tokenId: decision.tokenId } : {}) },
        decision.decidedAt,
        'task.complete',
        {
          taskId: task.taskId,
          outcome: decision.outcome,
          reasons: decision.reasons,
          attachments: decision.attachments,
          form: decision.form,
        },
      ),
      prisma.notification.createMany(email),
    ]);
    workerCounters.tasksDecided.inc({ process_kind: process.kind });
  };

  return {
    async deadlineFor(input: {
      openedAt: string;
      workingDays: number;
      reminderWorkingDaysBefore: number;
      calendar: WorkingCalendar;
    }): Promise<Deadline> {
      return deadlineFor(input.openedAt, input.workingDays, input.reminderWorkingDaysBefore, input.calendar);
    },

    async processEvent(input: ProcessEventInput): Promise<void> {
      const { entry } = input;
      const email =
        input.kind === 'process_finished'
          ? await emailRow({
              process: input.process,
              event: 'process_finished',
              dedupeKey: `${input.process.processId}:${input.key}`,
              toRoles: partiesOf(input.process),
              facts: { stage: input.stage },
            })
          : input.kind === 'incident_opened'
            ? // The programme managers are the ones who can retry or cancel.
              await emailRow({
                process: input.process,
                event: 'incident_opened',
                dedupeKey: `${input.process.processId}:${input.key}`,
                toRoles: ['programme_manager'],
                facts: { incident: input.summary },
              })
            : input.notify?.length
              ? await emailRow({
                  process: input.process,
                  event: 'process_notice',
                  dedupeKey: `${input.process.processId}:${input.key}`,
                  toRoles: input.notify,
                  facts: { notice: input.summary },
                })
              : undefined;
      // The process's own email of the event (e.g. a payment instruction), beside the engine's.
      const ownEmail = input.email
        ? await emailRow({
            process: input.process,
            event: input.email.event,
            dedupeKey: `${input.process.processId}:${input.key}:${input.email.event}`,
            toRoles: input.email.to,
            ...(input.email.scope ? { scope: input.email.scope } : {}),
            facts: input.email.facts,
          })
        : undefined;
      const row = entry ? registryRow(entry) : undefined;
      await prisma.$transaction([
        ...(entry && row
          ? [prisma.processRecord.upsert({ where: { id: entry.processId }, create: { id: entry.processId, ...row }, update: row })]
          : []),
        appendTimeline(prisma, { ...input, data: { stage: input.stage } }),
        ...(input.command && input.actor
          ? [auditWith(prisma, input.process, input.key, input.actor, input.at, input.command.action, input.command.details)]
          : []),
        ...(email ? [prisma.notification.createMany(email)] : []),
        ...(ownEmail ? [prisma.notification.createMany(ownEmail)] : []),
      ]);
    },

    taskOpened,

    /** Opens a task: works out its due date and reminder from the process's calendar, then puts it in the inbox. */
    async openTask({
      process,
      task,
      reminderWorkingDaysBefore,
      calendar,
    }: TaskOpenedInput & { reminderWorkingDaysBefore: number; calendar: WorkingCalendar }): Promise<Partial<Deadline>> {
      const deadline =
        task.dueInWorkingDays === undefined ? {} : deadlineFor(task.openedAt, task.dueInWorkingDays, reminderWorkingDaysBefore, calendar);
      await taskOpened({ process, task: { ...task, ...deadline } });
      return deadline;
    },

    taskDecided,

    /** Records a decision: its decision-record document, the task closed, the timeline entry and the email. */
    async recordDecision(
      input: Omit<TaskDecidedInput, 'documentIds'> & { document: Omit<GenerateDocumentInput, 'process'> },
    ): Promise<GeneratedDocument> {
      const record = await generateDocument(prisma, { process: input.process, ...input.document });
      await taskDecided({
        process: input.process,
        task: input.task,
        decision: input.decision,
        documentIds: [record.documentId],
        ...(input.stage ? { stage: input.stage } : {}),
      });
      return record;
    },

    async taskReminded({ process, task, at }: TaskLateInput): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      const email = await emailRow({ process, event: 'reminder', dedupeKey: `${id}:reminder`, ...whoActsOn(task), facts: dueFacts(task) });
      await prisma.$transaction([
        prisma.task.updateMany({ where: { id }, data: { remindedAt: new Date(at) } }),
        appendTimeline(prisma, {
          process,
          key: `reminder:${task.taskId}`,
          at,
          kind: 'reminder',
          summary: `Reminder sent: ${task.title}`,
          taskId: task.taskId,
        }),
        prisma.notification.createMany(email),
      ]);
    },

    async taskEscalated({ process, task, escalatedTo, at }: TaskLateInput): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      const email = escalatedTo
        ? await emailRow({
            process,
            event: 'escalation',
            dedupeKey: `${id}:escalation`,
            toRoles: [escalatedTo],
            facts: { ...dueFacts(task), escalatedTo },
          })
        : undefined;
      await prisma.$transaction([
        prisma.task.updateMany({ where: { id }, data: { escalatedAt: new Date(at) } }),
        appendTimeline(prisma, {
          process,
          key: `escalation:${task.taskId}`,
          at,
          kind: 'escalation',
          summary: `Overdue, escalated to ${escalatedTo ?? 'nobody (no escalation path set)'}: ${task.title}`,
          taskId: task.taskId,
        }),
        ...(email ? [prisma.notification.createMany(email)] : []),
      ]);
      workerCounters.tasksEscalated.inc({ process_kind: process.kind });
    },

    async taskAssigned({ process, task, actor, assignee, reason, at, sequence }: TaskAssignedInput): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      const summary =
        assignee === null
          ? `${actor.userId} released ${task.title}`
          : assignee === actor.userId
            ? `${actor.userId} claimed ${task.title}`
            : `${actor.userId} delegated ${task.title} to ${assignee}`;
      await prisma.$transaction([
        prisma.task.updateMany({ where: { id }, data: { assignee } }),
        appendTimeline(prisma, {
          process,
          key: `assignment:${task.taskId}:${sequence}`,
          at,
          kind: 'assignment',
          summary,
          actor,
          taskId: task.taskId,
          ...(reason ? { reasons: reason } : {}),
        }),
        auditWith(prisma, process, `assignment:${task.taskId}:${sequence}`, actor, at, 'task.assign', {
          taskId: task.taskId,
          assignee,
          reason,
        }),
      ]);
    },

    async taskCancelled({ process, task, at, why }: TaskLateInput & { why: string }): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      await prisma.$transaction([
        prisma.task.updateMany({ where: { id, status: 'open' }, data: { status: 'cancelled', closedAt: new Date(at) } }),
        appendTimeline(prisma, {
          process,
          key: `task-cancelled:${task.taskId}`,
          at,
          kind: 'task_cancelled',
          summary: `No longer needed (${why}): ${task.title}`,
          taskId: task.taskId,
        }),
      ]);
    },

    async generateDocument(input: GenerateDocumentInput): Promise<GeneratedDocument> {
      return generateDocument(prisma, input);
    },
  };
}
