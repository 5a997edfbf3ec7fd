import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../lib/db';
import { usersWithRole } from '../lib/identity';
import type { NotificationEvent, ProcessRef } from '../workflows/common/engine-types';
import type { Actor, Role } from '../workflows/common/roles';

/** What an email says, from the workflow's own data. */
export interface NotificationFacts {
  taskTitle?: string;
  dueAt?: string;
  outcome?: string;
  actor?: Actor;
  reasons?: string;
  escalatedTo?: Role;
  stage?: string;
}

const when = (iso?: string) =>
  iso ? new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'Europe/London' }).format(new Date(iso)) : 'no date set';

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
    subject: `Decision recorded: ${facts.taskTitle} — ${facts.outcome}`,
    body: [
      `${facts.actor?.userId} (${facts.actor?.role}) recorded "${facts.outcome}" on: ${facts.taskTitle}.`,
      ...(facts.reasons ? [`Reasons: ${facts.reasons}`] : []),
      `The process is now at: ${facts.stage}.`,
    ],
  }),
  process_finished: (process, facts) => ({
    subject: `Process finished: ${process.title}`,
    body: [`The process has finished at stage ${facts.stage}.`],
  }),
};

/** The email addresses of everyone holding one of `roles` for this process (a resident_rep: its own group only). */
async function recipientsFor(prisma: PrismaClient, process: ProcessRef, roles: Role[], userIds: string[]): Promise<string[]> {
  const emails = new Set<string>();
  for (const role of roles) {
    const users = await usersWithRole(prisma, process.council, role, role === 'resident_rep' ? process.groupKey : undefined);
    for (const user of users) if (user.email) emails.add(user.email);
  }
  if (userIds.length > 0) {
    const users = await prisma.appUser.findMany({ where: { id: { in: userIds } }, select: { email: true } });
    for (const user of users) if (user.email) emails.add(user.email);
  }
  return [...emails].sort();
}

/**
 * Puts an email in the outbox, once per dedupe key; the worker's dispatcher sends it. A retried
 * activity finds the row already there and adds nothing, so each event is mailed once.
 */
export async function queueNotification(
  prisma: PrismaClient,
  input: { process: ProcessRef; event: NotificationEvent; dedupeKey: string; toRoles?: Role[]; toUsers?: string[]; facts: NotificationFacts },
): Promise<void> {
  const recipients = await recipientsFor(prisma, input.process, input.toRoles ?? [], input.toUsers ?? []);
  const { subject, body } = TEMPLATES[input.event](input.process, input.facts);
  const text = [...body, '', `Process: ${input.process.title}`, `Reference: ${input.process.processId}`].join('\n');
  await prisma.notification.createMany({
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
  });
}
