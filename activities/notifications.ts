import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../lib/db';
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
 * else the process's group), and of `userIds`: one query.
 */
async function recipientsFor(
  prisma: PrismaClient,
  process: ProcessRef,
  roles: Role[],
  userIds: string[],
  scope?: string,
): Promise<string[]> {
  if (roles.length === 0 && userIds.length === 0) return [];
  const users = await prisma.appUser.findMany({
    where: {
      email: { not: null },
      OR: [
        ...(roles.length
          ? [
              {
                grants: {
                  some: {
                    council: { in: [process.council, ANY_COUNCIL] },
                    OR: roles.map((role) => (isScoped(role) ? { role, groupKey: scope ?? process.groupKey } : { role })),
                  },
                },
              },
            ]
          : []),
        ...(userIds.length ? [{ id: { in: userIds } }] : []),
      ],
    },
    select: { email: true },
  });
  return [...new Set(users.map((user) => user.email as string))].sort();
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
 * An email for the outbox, addressed: written once per dedupe key (in the caller's transaction, with
 * the change it tells of), sent by the worker's dispatcher. A retried activity adds nothing.
 */
export async function notificationRow(prisma: PrismaClient, input: NotificationInput, processEmails: ProcessEmails = () => undefined) {
  const template =
    (TEMPLATES as Record<string, (process: ProcessRef, facts: NotificationInput['facts']) => { subject: string; body: string[] }>)[
      input.event
    ] ?? processEmails(input.process.kind, input.event);
  if (!template)
    throw new Error(`no email template for ${input.event} (a ${input.process.kind} process): its definition's emails name none`);
  const recipients = await recipientsFor(prisma, input.process, input.toRoles ?? [], input.toUsers ?? [], input.scope);
  const { subject, body } = template(input.process, input.facts);
  const text = [...body, '', `Process: ${input.process.title}`, `Reference: ${input.process.processId}`].join('\n');
  return {
    data: [
      {
        id: randomUUID(),
        dedupeKey: input.dedupeKey,
        processId: input.process.processId,
        event: input.event,
        recipients,
        subject,
        body: text,
        // Recorded even with nobody to tell, so an auditor can see who should have been told.
        status: recipients.length > 0 ? 'pending' : 'no_recipients',
      },
    ],
    skipDuplicates: true,
  };
}
