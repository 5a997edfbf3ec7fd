import { randomUUID } from 'node:crypto';
import { Prisma } from '../prisma/generated/client';
import { ANY_COUNCIL } from '../lib/identity';
import type { NotificationEvent, ProcessRef } from '../workflows/common/engine-types';
import { dateTimeInWords, inWords } from '../workflows/common/format';
import { isScoped, type Actor, type Role } from '../workflows/common/roles';
import type { EmailTemplate } from '../lib/process-definition';

/** What an email says, from the workflow's own data. */
export interface NotificationFacts {
  taskTitle?: string;
  dueAt?: string;
  outcome?: string;
  actor?: Actor;
  reasons?: string;
  escalatedTo?: Role;
  stage?: string;
  /** A notice of a step (the timeline entry's summary). */
  notice?: string;
  /** An incident: what stopped the process (the timeline entry's summary). */
  incident?: string;
}

const when = (iso?: string) => (iso ? dateTimeInWords(iso) : 'no date set');

const TEMPLATES: Record<NotificationEvent, (process: ProcessRef, facts: NotificationFacts) => { subject: string; body: string[] }> = {
  task_opened: (process, facts) => ({
    subject: `Action needed: ${facts.taskTitle} (${process.title})`,
    body: [`A task is waiting for you: ${facts.taskTitle}.`, `Due: ${when(facts.dueAt)}.`],
  }),
  reminder: (process, facts) => ({
    subject: `Reminder: ${facts.taskTitle} is due ${when(facts.dueAt)}`,
    body: [`This task is still open: ${facts.taskTitle}.`, `It is due ${when(facts.dueAt)}.`],
  }),
  escalation: (process, facts) => ({
    subject: `Overdue: ${facts.taskTitle} (${process.title})`,
    body: [
      `This task passed its due date (${when(facts.dueAt)}) without a decision: ${facts.taskTitle}.`,
      `It is escalated to you as ${facts.escalatedTo ?? 'manager'}.`,
    ],
  }),
  decision_made: (process, facts) => ({
    subject: `Decision recorded: ${facts.taskTitle} — ${inWords(facts.outcome ?? '')}`,
    body: [
      `${facts.actor?.userId} (${facts.actor?.role}) recorded "${inWords(facts.outcome ?? '')}" on: ${facts.taskTitle}.`,
      ...(facts.reasons ? [`Reasons: ${facts.reasons}`] : []),
      // The stage it was decided at: what the decision moves the process to is told by what opens next.
      ...(facts.stage ? [`Decided at the ${inWords(facts.stage)} stage.`] : []),
    ],
  }),
  process_finished: (process, facts) => ({
    subject: `Process finished: ${process.title}`,
    body: [`The process has ended: ${inWords(facts.stage ?? '')}.`],
  }),
  incident_opened: (process, { incident }) => ({
    subject: `Process stopped: ${process.title}`,
    body: [`${incident}.`, 'Retry it once the cause is put right (POST /processes/:id/incident/retry), or cancel the process.'],
  }),
  process_notice: (process, { notice }) => ({
    subject: `${notice} (${process.title})`,
    body: [`${notice}.`],
  }),
};

/**
 * The email addresses of everyone holding one of `roles` for this process (a scoped role: for `scope`,
 * else the process's group), and of `userIds`, in code-point order: a subquery of the email's insert,
 * so the recipients are read in the statement that writes it.
 */
function recipientsFor(process: ProcessRef, roles: Role[], userIds: string[], scope?: string): Prisma.Sql {
  const groupKey = scope ?? process.groupKey ?? null;
  return Prisma.sql`
    SELECT COALESCE(array_agg(DISTINCT u.email COLLATE "C" ORDER BY u.email COLLATE "C"), '{}') AS emails
    FROM app_user u
    WHERE u.email IS NOT NULL AND (
      u.id = ANY(${userIds}::text[])
      OR EXISTS (
        SELECT 1 FROM role_grant g
        WHERE g.user_id = u.id AND g.council IN (${process.council}, ${ANY_COUNCIL})
          AND (g.role = ANY(${roles.filter((role) => !isScoped(role))}::text[])
            OR (g.role = ANY(${roles.filter(isScoped)}::text[]) AND (${groupKey}::text IS NULL OR g.group_key = ${groupKey}::text)))))`;
}

export interface NotificationInput {
  process: ProcessRef;
  /** One of the engine's events, or one of the process's own (its definition's `emails`). */
  event: string;
  dedupeKey: string;
  toRoles?: Role[];
  toUsers?: string[];
  /** What a scoped role among `toRoles` must hold a grant for (a partner's organisation); else the process's group. */
  scope?: string;
  facts: NotificationFacts & Record<string, unknown>;
}

/** A process's own email template, by its kind and the event's name (from the registry's definitions). */
export type ProcessEmails = (kind: string, event: string) => EmailTemplate | undefined;

/**
 * An email for the outbox, addressed: a part of the write of the change it tells of (see
 * `oneStatement`), written once per dedupe key, sent by the worker's dispatcher. A retried activity adds nothing.
 */
export function notificationRow(input: NotificationInput, processEmails: ProcessEmails = () => undefined): Prisma.Sql {
  const template =
    (TEMPLATES as Record<string, (process: ProcessRef, facts: NotificationInput['facts']) => { subject: string; body: string[] }>)[
      input.event
    ] ?? processEmails(input.process.kind, input.event);
  if (!template)
    throw new Error(`no email template for ${input.event} (a ${input.process.kind} process): its definition's emails name none`);
  const { subject, body } = template(input.process, input.facts);
  const text = [...body, '', `Process: ${input.process.title}`, `Reference: ${input.process.processId}`].join('\n');
  // Recorded even with nobody to tell, so an auditor can see who should have been told.
  return Prisma.sql`
    INSERT INTO notification (id, dedupe_key, process_id, event, recipients, subject, body, status)
    SELECT ${randomUUID()}, ${input.dedupeKey}, ${input.process.processId}, ${input.event}, r.emails, ${subject}, ${text},
           CASE WHEN cardinality(r.emails) > 0 THEN 'pending' ELSE 'no_recipients' END
    FROM (${recipientsFor(input.process, input.toRoles ?? [], input.toUsers ?? [], input.scope)}) r
    ON CONFLICT (dedupe_key) DO NOTHING`;
}
