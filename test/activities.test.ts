import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../activities';
import { createPrisma } from '../lib/db';
import type { GenerateDocumentInput, ProcessRef } from '../workflows/common/engine-types';
import { freshDatabase } from './support/database';
import { uniqueCouncil } from './support/stack';
import { Mailbox } from './support/mailbox';
import { createLogger } from '../lib/logger';
import { createMailer, type Mailer } from '../lib/mailer';
import { dispatchOutbox, messageIdOf } from '../worker/outbox-dispatcher';
import { randomUUID } from 'node:crypto';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let prisma: ReturnType<typeof createPrisma>;
let activities: ReturnType<typeof createActivities>;
beforeAll(async () => {
  database = await freshDatabase();
  prisma = createPrisma(database.url);
  activities = createActivities({ prisma });
});
afterAll(async () => {
  await prisma.$disconnect();
  await database.drop();
});

const processRef = (): ProcessRef => {
  const council = uniqueCouncil();
  return { processId: `lma:${council}:estate:group`, kind: 'lma', council, groupKey: 'group', title: 'LMA: Group, Estate' };
};
const documentInput = (process: ProcessRef, key: string): GenerateDocumentInput => ({
  process,
  key,
  step: 'appoint_adviser',
  kind: 'decision_record',
  title: 'Decision record',
  at: '2026-11-23T10:00:00.000Z',
  sections: [{ heading: 'Decision', lines: ['Outcome: appoint'] }],
});

describe('engine activities, retried as Temporal would after a crash', () => {
  it('makes a document once per key, and numbers a second document of the same kind as version 2', async () => {
    const process = processRef();
    const env = new MockActivityEnvironment();

    const first = await env.run(activities.generateDocument, documentInput(process, 'decision-record:appoint-adviser'));
    const retried = await env.run(activities.generateDocument, documentInput(process, 'decision-record:appoint-adviser'));
    const another: { version: number } = await env.run(activities.generateDocument, documentInput(process, 'decision-record:outline-plan'));

    expect(retried).toEqual(first);
    expect(another.version).toBe(2);
    expect(await prisma.document.count({ where: { processId: process.processId } })).toBe(2);
  });

  it("numbers documents of one kind made at the same moment (an SLA set's negotiations deciding at once) 1 to N, each once", async () => {
    const process = processRef();
    const env = new MockActivityEnvironment();

    const made = (await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        env.run(activities.generateDocument, documentInput(process, `decision-record:negotiation-${i}`)),
      ),
    )) as { version: number }[];

    expect(made.map((document) => document.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
  });

  it('puts a task in the inbox, on the timeline and in the outbox once, however often it is retried', async () => {
    const process = processRef();
    await prisma.appUser.create({
      data: {
        id: `hm-${process.council}`,
        displayName: 'HM',
        email: `hm@${process.council}.test`,
        grants: { create: { council: process.council, role: 'housing_manager' } },
      },
    });
    const task = {
      taskId: 'appoint-adviser',
      kind: 'appoint_adviser',
      title: 'Appoint an adviser',
      role: 'housing_manager' as const,
      outcomes: ['appoint'],
      openedAt: '2026-11-23T10:00:00.000Z',
    };
    const env = new MockActivityEnvironment();

    await env.run(activities.taskOpened, { process, task });
    await env.run(activities.taskOpened, { process, task });

    expect(await prisma.task.count({ where: { processId: process.processId } })).toBe(1);
    expect(await prisma.timelineEntry.count({ where: { processId: process.processId } })).toBe(1);
    const outbox = await prisma.notification.findMany({ where: { processId: process.processId } });
    expect(outbox.map((n) => [n.event, n.recipients, n.status])).toEqual([['task_opened', [`hm@${process.council}.test`], 'pending']]);
  });

  it('records an email nobody can receive, rather than dropping it', async () => {
    const process = processRef();
    const task = {
      taskId: 'sign',
      kind: 'sign',
      title: 'Sign',
      role: 'legal_services' as const,
      outcomes: ['sign'],
      openedAt: '2026-11-23T10:00:00.000Z',
    };

    await new MockActivityEnvironment().run(activities.taskOpened, { process, task });

    expect(
      await prisma.notification.findMany({ where: { processId: process.processId }, select: { status: true, recipients: true } }),
    ).toEqual([{ status: 'no_recipients', recipients: [] }]);
  });
});

describe('the outbox dispatcher', () => {
  it('sends an email whose "sent" mark was lost again as the same message (one Message-ID, from its outbox key)', async () => {
    const mailbox = await Mailbox.start();
    const smtp = createMailer({ smtpUrl: mailbox.url, from: 'housing-governance <no-reply@test.local>', log: () => undefined });
    // The SMTP server takes the first send, then the dispatcher loses its commit (as in a PostgreSQL crash).
    const process = processRef();
    const to = `pat@${process.council}.test`;
    let lost = false;
    const losingFirstCommit: Mailer = {
      async send(message) {
        await smtp.send(message);
        if (message.to.includes(to) && !lost) {
          lost = true;
          throw new Error('connection to the database lost before the commit');
        }
      },
      close: () => smtp.close(),
    };
    const dedupeKey = `${process.processId}~appoint-adviser:decided`;
    await prisma.notification.create({
      data: {
        id: randomUUID(),
        dedupeKey,
        processId: process.processId,
        event: 'decision_made',
        recipients: [to],
        subject: 'Decision recorded',
        body: 'text',
        status: 'pending',
      },
    });
    try {
      await dispatchOutbox(prisma, losingFirstCommit, createLogger('test', 'silent'));
      await dispatchOutbox(prisma, losingFirstCommit, createLogger('test', 'silent'));
      const sent = await mailboxWait(mailbox, (mail) => mail.to.includes(to), 2);

      expect(sent.map((m) => m.messageId)).toEqual([messageIdOf(dedupeKey), messageIdOf(dedupeKey)]);
      expect((await prisma.notification.findUniqueOrThrow({ where: { dedupeKey } })).status).toBe('sent');
    } finally {
      smtp.close();
      await mailbox.close();
    }
  });
});

async function mailboxWait(mailbox: Mailbox, to: (mail: Mailbox['received'][number]) => boolean, count: number) {
  for (let i = 0; i < 100 && mailbox.received.filter(to).length < count; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  return mailbox.received.filter(to);
}
