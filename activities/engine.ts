import { inWords } from '../workflows/common/format';
import { Prisma } from '../prisma/generated/client';
import { auditEntry } from '../lib/audit';
import { jsonb, oneStatement, runStatement, writeAtOnce, type MaybePart, type WritePart } from '../lib/statement';
import { driverOf, type PrismaClient } from '../lib/db';
import { workerCounters } from '../lib/metrics';
import { deadlineFor, type Deadline } from '../lib/working-days';
import {
  inboxTaskId,
  taskOwner,
  type EngineWrite,
  type EngineWriteInputs,
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
import { documentToRender, generateDocument } from './documents';
import { dataErrorFailure, isDataError } from './errors';
import { notificationRow, type NotificationInput } from './notifications';
import { registryUpsert } from './registry';

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

/** A timeline entry, as a part of the write of the change it records. Keyed by process and key, so a retried activity writes each entry once. */
export function timelineEntry(entry: TimelineWrite): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO timeline_entry (id, process_id, at, kind, summary, actor_user_id, actor_role, task_id, outcome, reasons, document_ids, data)
    VALUES (${`${entry.process.processId}:${entry.key}`}, ${entry.process.processId}, ${new Date(entry.at)}, ${entry.kind}, ${entry.summary},
            ${entry.actor?.userId ?? null}::text, ${entry.actor?.role ?? null}::text, ${entry.taskId ?? null}::text, ${entry.outcome ?? null}::text,
            ${entry.reasons ?? null}::text, ${entry.documentIds ?? []}::text[], ${jsonb(entry.data)})
    ON CONFLICT DO NOTHING`;
}

/**
 * The audit entry of the command a timeline entry records, keyed by that entry: parts of the same
 * write, so a command Temporal accepted is audited once, whatever crashes after (the API included).
 */
export function auditWith(
  process: Pick<ProcessRef, 'processId'>,
  key: string,
  actor: Actor,
  at: string,
  action: string,
  details: Record<string, unknown>,
): WritePart[] {
  return auditEntry(
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

/** One engine write: its parts (one statement), what it answers, and what it counts once written. */
interface EngineWriteOf<Result> {
  parts: MaybePart[];
  result: Result;
  written?: () => void;
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
 * The engine's writes: inbox, timeline, deadlines, notifications. Each is one SQL statement holding its
 * change, its timeline entry, its audit entry and its email, each keyed, so a retry after a crash writes
 * nothing twice. `emailRow`: an email for the outbox, from the engine's templates or the process's own.
 */
function engineWrites(emailRow: (input: NotificationInput) => Prisma.Sql) {
  const taskOpened = ({ process, task }: TaskOpenedInput): EngineWriteOf<void> => {
    const owner = taskOwner(process);
    const id = inboxTaskId(process.processId, task.taskId);
    const reasonsRequiredFor = task.outcomes.filter(
      (o) => OUTCOMES_NEEDING_REASONS.includes(o) || (task.reasonsRequiredFor ?? []).includes(o),
    );
    const parts = [
      Prisma.sql`
      INSERT INTO task (id, process_id, workflow_id, workflow_kind, task_key, council, process_kind, group_key, kind, title, role, assignee,
                        status, outcomes, required_form_fields, reasons_required_for, data, opened_at, due_at)
      VALUES (${id}, ${process.processId}, ${owner.workflowId}, ${owner.kind}, ${task.taskId}, ${process.council}, ${process.kind},
              ${task.scope ?? process.groupKey ?? ''}, ${task.kind}, ${task.title}, ${task.role}, ${task.assignee ?? null}::text, 'open',
              ${task.outcomes}::text[], ${task.requiredFormFields ?? []}::text[], ${reasonsRequiredFor}::text[], ${jsonb(task.data ?? {})},
              ${new Date(task.openedAt)}, ${task.dueAt ? new Date(task.dueAt) : null}::timestamptz)
      ON CONFLICT (id) DO NOTHING`,
      timelineEntry({
        process,
        key: `task-opened:${task.taskId}`,
        at: task.openedAt,
        kind: 'task_opened',
        summary: `Task opened for ${task.role}: ${task.title}`,
        taskId: task.taskId,
      }),
      emailRow({ process, event: 'task_opened', dedupeKey: `${id}:opened`, ...whoActsOn(task), facts: dueFacts(task) }),
    ];
    return { parts, result: undefined, written: () => workerCounters.tasksOpened.inc({ process_kind: process.kind }) };
  };

  /** `record`: the decision-record document, rendered after the decision's write (`worker/document-renderer.ts`). */
  const taskDecided = ({
    process,
    task,
    decision,
    documentIds,
    stage,
    record,
  }: TaskDecidedInput & { record?: Omit<GenerateDocumentInput, 'process'> }): EngineWriteOf<void> => {
    const id = inboxTaskId(process.processId, task.taskId);
    const key = `decision:${task.taskId}`;
    const actor = { ...decision.actor, ...(decision.tokenId ? { tokenId: decision.tokenId } : {}) };
    const parts = [
      Prisma.sql`
      UPDATE task SET status = 'completed', closed_at = ${new Date(decision.decidedAt)}, outcome = ${decision.outcome}, closed_by = ${decision.actor.userId}
      WHERE id = ${id}`,
      timelineEntry({
        process,
        key,
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
      ...auditWith(process, key, actor, decision.decidedAt, 'task.complete', {
        taskId: task.taskId,
        outcome: decision.outcome,
        reasons: decision.reasons,
        attachments: decision.attachments,
        form: decision.form,
      }),
      emailRow({
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
      }),
      record && documentToRender({ process, ...record }, { timelineEntryId: `${process.processId}:${key}`, actor }),
    ];
    return { parts, result: undefined, written: () => workerCounters.tasksDecided.inc({ process_kind: process.kind }) };
  };

  const writes = {
    processEvent(input: ProcessEventInput): EngineWriteOf<void> {
      const { entry, process } = input;
      const dedupeKey = `${process.processId}:${input.key}`;
      const email =
        input.kind === 'process_finished'
          ? emailRow({ process, event: 'process_finished', dedupeKey, toRoles: partiesOf(process), facts: { stage: input.stage } })
          : input.kind === 'incident_opened'
            ? // The programme managers are the ones who can retry or cancel.
              emailRow({ process, event: 'incident_opened', dedupeKey, toRoles: ['programme_manager'], facts: { incident: input.summary } })
            : input.notify?.length
              ? emailRow({ process, event: 'process_notice', dedupeKey, toRoles: input.notify, facts: { notice: input.summary } })
              : undefined;
      const parts = [
        entry && registryUpsert(entry),
        timelineEntry({ ...input, data: { stage: input.stage } }),
        ...(input.command && input.actor
          ? auditWith(process, input.key, input.actor, input.at, input.command.action, input.command.details)
          : []),
        email,
        // The process's own email of the event (e.g. a payment instruction), beside the engine's.
        input.email &&
          emailRow({
            process,
            event: input.email.event,
            dedupeKey: `${dedupeKey}:${input.email.event}`,
            toRoles: input.email.to,
            ...(input.email.scope ? { scope: input.email.scope } : {}),
            facts: input.email.facts,
          }),
      ];
      return { parts, result: undefined };
    },

    taskOpened,

    /** Opens a task: works out its due date and reminder from the process's calendar, then puts it in the inbox. */
    openTask({
      process,
      task,
      reminderWorkingDaysBefore,
      calendar,
    }: TaskOpenedInput & { reminderWorkingDaysBefore: number; calendar: WorkingCalendar }): EngineWriteOf<Partial<Deadline>> {
      const deadline =
        task.dueInWorkingDays === undefined ? {} : deadlineFor(task.openedAt, task.dueInWorkingDays, reminderWorkingDaysBefore, calendar);
      return { ...taskOpened({ process, task: { ...task, ...deadline } }), result: deadline };
    },

    taskDecided,

    /**
     * Records a decision: the task closed, the timeline entry, the audit entry, the email, and its
     * decision-record document to render, in one statement. The document is rendered after it, off the
     * decision's path, and added to the decision's timeline entry with its hash audited.
     */
    recordDecision(
      input: Omit<TaskDecidedInput, 'documentIds'> & { document: Omit<GenerateDocumentInput, 'process'> },
    ): EngineWriteOf<void> {
      return taskDecided({
        process: input.process,
        task: input.task,
        decision: input.decision,
        documentIds: [],
        record: input.document,
        ...(input.stage ? { stage: input.stage } : {}),
      });
    },

    taskReminded({ process, task, at }: TaskLateInput): EngineWriteOf<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      const parts = [
        Prisma.sql`UPDATE task SET reminded_at = ${new Date(at)} WHERE id = ${id}`,
        timelineEntry({
          process,
          key: `reminder:${task.taskId}`,
          at,
          kind: 'reminder',
          summary: `Reminder sent: ${task.title}`,
          taskId: task.taskId,
        }),
        emailRow({ process, event: 'reminder', dedupeKey: `${id}:reminder`, ...whoActsOn(task), facts: dueFacts(task) }),
      ];
      return { parts, result: undefined };
    },

    taskEscalated({ process, task, escalatedTo, at }: TaskLateInput): EngineWriteOf<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      const parts = [
        Prisma.sql`UPDATE task SET escalated_at = ${new Date(at)} WHERE id = ${id}`,
        timelineEntry({
          process,
          key: `escalation:${task.taskId}`,
          at,
          kind: 'escalation',
          summary: `Overdue, escalated to ${escalatedTo ?? 'nobody (no escalation path set)'}: ${task.title}`,
          taskId: task.taskId,
        }),
        escalatedTo &&
          emailRow({
            process,
            event: 'escalation',
            dedupeKey: `${id}:escalation`,
            toRoles: [escalatedTo],
            facts: { ...dueFacts(task), escalatedTo },
          }),
      ];
      return { parts, result: undefined, written: () => workerCounters.tasksEscalated.inc({ process_kind: process.kind }) };
    },

    taskAssigned({ process, task, actor, assignee, reason, at, sequence }: TaskAssignedInput): EngineWriteOf<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      const summary =
        assignee === null
          ? `${actor.userId} released ${task.title}`
          : assignee === actor.userId
            ? `${actor.userId} claimed ${task.title}`
            : `${actor.userId} delegated ${task.title} to ${assignee}`;
      const key = `assignment:${task.taskId}:${sequence}`;
      const parts = [
        Prisma.sql`UPDATE task SET assignee = ${assignee}::text WHERE id = ${id}`,
        timelineEntry({
          process,
          key,
          at,
          kind: 'assignment',
          summary,
          actor,
          taskId: task.taskId,
          ...(reason ? { reasons: reason } : {}),
        }),
        ...auditWith(process, key, actor, at, 'task.assign', { taskId: task.taskId, assignee, reason }),
      ];
      return { parts, result: undefined };
    },

    taskCancelled({ process, task, at, why }: TaskLateInput & { why: string }): EngineWriteOf<void> {
      const id = inboxTaskId(process.processId, task.taskId);
      const parts = [
        Prisma.sql`UPDATE task SET status = 'cancelled', closed_at = ${new Date(at)} WHERE id = ${id} AND status = 'open'`,
        timelineEntry({
          process,
          key: `task-cancelled:${task.taskId}`,
          at,
          kind: 'task_cancelled',
          summary: `No longer needed (${why}): ${task.title}`,
          taskId: task.taskId,
        }),
      ];
      return { parts, result: undefined };
    },
  } satisfies { [Write in keyof EngineWriteInputs]: (input: EngineWriteInputs[Write]) => EngineWriteOf<unknown> } & Record<string, unknown>;
  return writes;
}

/**
 * The parts every process shares: inbox, timeline, deadlines, notifications, documents. Each write is
 * its own activity (`writeAtOnce`: one round trip, atomic), or one of a batch (`writeTogether`).
 * `emailRow`: an email for the outbox, from the engine's templates or the process's own (its definition's `emails`).
 */
export function createEngineActivities(
  prisma: PrismaClient,
  emailRow: (input: NotificationInput) => Prisma.Sql = (input) => notificationRow(input),
) {
  const writes = engineWrites(emailRow);

  /** One write as its own activity: one statement, atomic. */
  const alone =
    <Input, Result>(write: (input: Input) => EngineWriteOf<Result>) =>
    async (input: Input): Promise<Result> => {
      const { parts, result, written } = write(input);
      await writeAtOnce(prisma, parts);
      written?.();
      return result;
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

    processEvent: alone(writes.processEvent),
    taskOpened: alone(writes.taskOpened),
    openTask: alone(writes.openTask),
    taskDecided: alone(writes.taskDecided),
    recordDecision: alone(writes.recordDecision),
    taskReminded: alone(writes.taskReminded),
    taskEscalated: alone(writes.taskEscalated),
    taskAssigned: alone(writes.taskAssigned),
    taskCancelled: alone(writes.taskCancelled),

    /**
     * The writes a workflow asked for since it last waited, in order: a decision, the stage it moved to
     * and the task it opened cost one local activity, not three. Each write is its own statement, as
     * when it was an activity of its own (one statement cannot order two timeline entries of the same
     * moment); no transaction around them, as each is atomic and keyed, so a batch tried again after
     * a failure part-way writes nothing twice. Answers each write's result, in order; a write the data
     * makes impossible fails the batch, named.
     */
    async writeTogether(together: EngineWrite[]): Promise<unknown[]> {
      const built = together.map(({ write, input }) => ({
        write,
        ...(writes[write] as (input: unknown) => EngineWriteOf<unknown>)(input),
      }));
      const db = await driverOf(prisma).connect();
      try {
        for (const { write, parts, written } of built) {
          await runStatement(db, oneStatement(parts)).catch((err: unknown) => {
            throw isDataError(err) ? dataErrorFailure(write, err) : err;
          });
          written?.();
        }
      } finally {
        db.release();
      }
      return built.map(({ result }) => result);
    },

    async generateDocument(input: GenerateDocumentInput): Promise<GeneratedDocument> {
      return generateDocument(prisma, input);
    },
  };
}
