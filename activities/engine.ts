import type { Prisma } from '../prisma/generated/client';
import type { PrismaClient } from '../lib/db';
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
import type { TaskView } from '../workflows/common/tasks';
import { generateDocument } from './documents';
import { queueNotification } from './notifications';
import { registryRow } from './registry';

interface TimelineWrite {
  process: ProcessRef;
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

/** Keyed by process and key, so a retried activity writes each entry once. */
async function appendTimeline(prisma: PrismaClient | Prisma.TransactionClient, entry: TimelineWrite): Promise<void> {
  await prisma.timelineEntry.createMany({
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

/** Who is told that a task waits: its assignee, or everyone holding its role. */
const whoActsOn = (task: TaskView) => (task.assignee ? { toUsers: [task.assignee] } : { toRoles: [task.role] });
/** Who hears of decisions and endings: the programme managers, and the residents' group if there is one. */
const councilAndGroup = (process: ProcessRef): Role[] => ['programme_manager', ...(process.groupKey ? (['resident_rep'] as const) : [])];
const dueFacts = (task: TaskView) => ({ taskTitle: task.title, ...(task.dueAt ? { dueAt: task.dueAt } : {}) });

/** The parts every process shares: inbox, timeline, deadlines, notifications, documents. */
export function createEngineActivities(prisma: PrismaClient) {
  return {
    async deadlineFor(input: { openedAt: string; workingDays: number; reminderWorkingDaysBefore: number; calendar: WorkingCalendar }): Promise<Deadline> {
      return deadlineFor(input.openedAt, input.workingDays, input.reminderWorkingDaysBefore, input.calendar);
    },

    async processEvent(input: ProcessEventInput): Promise<void> {
      const { entry } = input;
      await prisma.$transaction(async (tx) => {
        if (entry) {
          const row = registryRow(entry);
          await tx.processRecord.upsert({ where: { id: entry.processId }, create: { id: entry.processId, ...row }, update: row });
        }
        await appendTimeline(tx, { ...input, data: { stage: input.stage } });
      });
      if (input.kind === 'process_finished') {
        await queueNotification(prisma, {
          process: input.process,
          event: 'process_finished',
          dedupeKey: `${input.process.processId}:${input.key}`,
          toRoles: councilAndGroup(input.process),
          facts: { stage: input.stage },
        });
      }
    },

    async taskOpened({ process, task }: TaskOpenedInput): Promise<void> {
      const owner = taskOwner(process);
      const row = {
        processId: process.processId,
        workflowId: owner.workflowId,
        workflowKind: owner.kind,
        taskKey: task.taskId,
        council: process.council,
        processKind: process.kind,
        groupKey: process.groupKey,
        kind: task.kind,
        title: task.title,
        role: task.role,
        assignee: task.assignee ?? null,
        status: 'open',
        outcomes: task.outcomes,
        requiredFormFields: task.requiredFormFields ?? [],
        data: (task.data ?? {}) as Prisma.InputJsonValue,
        openedAt: new Date(task.openedAt),
        dueAt: task.dueAt ? new Date(task.dueAt) : null,
      };
      const id = inboxTaskId(process.processId, task.taskId);
      await prisma.$transaction(async (tx) => {
        await tx.task.upsert({ where: { id }, create: { id, ...row }, update: {} });
        await appendTimeline(tx, { process, key: `task-opened:${task.taskId}`, at: task.openedAt, kind: 'task_opened', summary: `Task opened for ${task.role}: ${task.title}`, taskId: task.taskId });
      });
      await queueNotification(prisma, {
        process,
        event: 'task_opened',
        dedupeKey: `${id}:opened`,
        ...whoActsOn(task),
        facts: dueFacts(task),
      });
    },

    async taskDecided({ process, task, decision, documentIds }: TaskDecidedInput): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      // The email first: if this activity dies after queueing it, the retry finds it queued already.
      await queueNotification(prisma, {
        process,
        event: 'decision_made',
        dedupeKey: `${id}:decided`,
        toRoles: councilAndGroup(process),
        facts: { taskTitle: task.title, outcome: decision.outcome, actor: decision.actor, ...(decision.reasons ? { reasons: decision.reasons } : {}) },
      });
      await prisma.$transaction(async (tx) => {
        await tx.task.update({
          where: { id },
          data: { status: 'completed', closedAt: new Date(decision.decidedAt), outcome: decision.outcome, closedBy: decision.actor.userId },
        });
        await appendTimeline(tx, {
          process,
          key: `decision:${task.taskId}`,
          at: decision.decidedAt,
          kind: 'decision',
          summary: `${task.title}: ${decision.outcome}`,
          actor: decision.actor,
          taskId: task.taskId,
          outcome: decision.outcome,
          ...(decision.reasons ? { reasons: decision.reasons } : {}),
          documentIds: [...decision.attachments, ...documentIds],
          data: { form: decision.form } as Prisma.InputJsonValue,
        });
      });
    },

    async taskReminded({ process, task, at }: TaskLateInput): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      await prisma.$transaction(async (tx) => {
        await tx.task.update({ where: { id }, data: { remindedAt: new Date(at) } });
        await appendTimeline(tx, { process, key: `reminder:${task.taskId}`, at, kind: 'reminder', summary: `Reminder sent: ${task.title}`, taskId: task.taskId });
      });
      await queueNotification(prisma, {
        process,
        event: 'reminder',
        dedupeKey: `${id}:reminder`,
        ...whoActsOn(task),
        facts: dueFacts(task),
      });
    },

    async taskEscalated({ process, task, escalatedTo, at }: TaskLateInput): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      await prisma.$transaction(async (tx) => {
        await tx.task.update({ where: { id }, data: { escalatedAt: new Date(at) } });
        await appendTimeline(tx, {
          process,
          key: `escalation:${task.taskId}`,
          at,
          kind: 'escalation',
          summary: `Overdue, escalated to ${escalatedTo ?? 'nobody (no escalation path set)'}: ${task.title}`,
          taskId: task.taskId,
        });
      });
      if (escalatedTo) {
        await queueNotification(prisma, {
          process,
          event: 'escalation',
          dedupeKey: `${id}:escalation`,
          toRoles: [escalatedTo],
          facts: { ...dueFacts(task), escalatedTo },
        });
      }
    },

    async taskAssigned({ process, task, actor, assignee, reason, at, sequence }: TaskAssignedInput): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      const summary =
        assignee === null ? `${actor.userId} released ${task.title}` : assignee === actor.userId ? `${actor.userId} claimed ${task.title}` : `${actor.userId} delegated ${task.title} to ${assignee}`;
      await prisma.$transaction(async (tx) => {
        await tx.task.update({ where: { id }, data: { assignee } });
        await appendTimeline(tx, { process, key: `assignment:${task.taskId}:${sequence}`, at, kind: 'assignment', summary, actor, taskId: task.taskId, ...(reason ? { reasons: reason } : {}) });
      });
    },

    async taskCancelled({ process, task, at, why }: TaskLateInput & { why: string }): Promise<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      await prisma.$transaction(async (tx) => {
        await tx.task.updateMany({ where: { id, status: 'open' }, data: { status: 'cancelled', closedAt: new Date(at) } });
        await appendTimeline(tx, { process, key: `task-cancelled:${task.taskId}`, at, kind: 'task_cancelled', summary: `No longer needed (${why}): ${task.title}`, taskId: task.taskId });
      });
    },

    async generateDocument(input: GenerateDocumentInput): Promise<GeneratedDocument> {
      return generateDocument(prisma, input);
    },
  };
}
