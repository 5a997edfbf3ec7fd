import { createHash } from 'node:crypto';
import { deadlineFor } from '../lib/working-days';
import { temporal } from '@temporalio/proto';
import { eventually } from './support/eventually';
import { adviserTask, appointment, expressionOfInterest, lmaCast, REP_NAME, startLma, type LmaCast } from './support/lma';
import { timelineOf as timelineOfProcess, completeTask, settled, viewOf } from './support/tasks';
import { callApi, startTestStack, type TestStack } from './support/stack';

const EventType = temporal.api.enums.v1.EventType;

let stack: TestStack;
let cast: LmaCast;
beforeAll(async () => {
  stack = await startTestStack();
});
beforeEach(async () => {
  cast = await lmaCast(stack);
});
afterAll(async () => {
  await stack.stop();
});

interface InboxTask {
  id: string;
  processId: string;
  role: string;
  assignee: string | null;
  openedAt: string;
  dueAt: string | null;
}
const timelineOf = (processId: string) => timelineOfProcess(stack, processId, cast.auditor);
const inbox = async (query: string, as = cast.housingManager) =>
  (await callApi<{ items: InboxTask[]; total: number }>(stack.baseUrl, 'GET', `/tasks?${query}`, { as })).body;
/** A compressed policy: the adviser due in 4 working days of `workingDayMs`, a reminder 2 before. */
const compressDeadlines = (workingDayMs: number) =>
  callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, {
    as: cast.programmeManager,
    body: { calendar: { kind: 'compressed', workingDayMs }, reminderWorkingDaysBefore: 2, lma: { adviserAppointmentWorkingDays: 4 } },
  });

describe('the task inbox', () => {
  it('shows a task the workflow opened to housing managers, due in 10 working days by the England and Wales calendar', async () => {
    const processId = await startLma(stack, cast);

    const task = await eventually(async () => {
      const found = (await inbox('role=housing_manager')).items.find((item) => item.processId === processId);
      if (!found) throw new Error('not in the inbox yet');
      return found;
    });

    expect(task).toMatchObject({ id: `${processId}~appoint-adviser`, role: 'housing_manager', assignee: null });
    expect(task.dueAt).toBe(deadlineFor(task.openedAt, 10, 2, { kind: 'england-and-wales' }).dueAt);
  });

  it('tells every housing manager of the council by email that the task is waiting', async () => {
    await startLma(stack, cast);

    const mail = await stack.mailbox.waitFor((m) => m.to.includes(cast.housingManager.email) && m.subject.startsWith('Action needed'));

    expect(mail.to).toEqual([cast.housingManager.email, cast.secondHousingManager.email].sort());
    expect(mail.text).toContain("Appoint an adviser to the residents' group");
  });

  it("shows nothing of a council to an officer of another council, and a resident rep only its own group's processes", async () => {
    const processId = await startLma(stack, cast);
    await adviserTask(stack, processId, cast.housingManager);
    const elsewhere = await stack.user({ council: 'another-council', role: 'housing_manager' });
    const otherRep = await stack.user({ council: cast.council, role: 'resident_rep', groupKey: 'another-group' });

    expect((await inbox(`council=${cast.council}`, elsewhere)).total).toBe(0);
    // Not even that it exists: the answer is the one for an unknown id.
    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}`, { as: elsewhere })).status).toBe(404);
    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}`, { as: otherRep })).status).toBe(404);
    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}/timeline`, { as: otherRep })).status).toBe(404);
    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.rep })).status).toBe(200);
  });

  it('lets an auditor read everything and change nothing', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.auditor);

    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}/timeline`, { as: cast.auditor })).status).toBe(200);
    expect((await completeTask(stack, taskId, cast.auditor, appointment)).status).toBe(403);
    expect((await callApi(stack.baseUrl, 'POST', `/tasks/${taskId}/claim`, { as: cast.auditor })).status).toBe(403);
    expect(
      (await callApi(stack.baseUrl, 'POST', '/processes', { as: cast.auditor, body: expressionOfInterest(`${cast.council}-x`) })).status,
    ).toBe(403);
    expect((await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, { as: cast.auditor, body: {} })).status).toBe(403);
    expect((await viewOf(stack, processId, cast.auditor)).decisions).toEqual([]);
  });
});

describe('claiming and delegating a task', () => {
  it('keeps a claimed task for its claimant until delegated, and puts each hand-over on the timeline', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);

    const claimed = await callApi(stack.baseUrl, 'POST', `/tasks/${taskId}/claim`, { as: cast.housingManager });
    const before = await settled(stack, processId);
    const byOther = await completeTask(stack, taskId, cast.secondHousingManager, appointment);
    const afterRefusal = await settled(stack, processId);
    const toFinance = await callApi(stack.baseUrl, 'POST', `/tasks/${taskId}/delegate`, {
      as: cast.housingManager,
      body: { to: cast.finance.userId },
    });
    const delegated = await callApi(stack.baseUrl, 'POST', `/tasks/${taskId}/delegate`, {
      as: cast.housingManager,
      body: { to: cast.secondHousingManager.userId, reason: 'on leave' },
    });
    const done = await completeTask(stack, taskId, cast.secondHousingManager, appointment);

    expect(claimed).toMatchObject({ status: 200, body: { assignee: cast.housingManager.userId } });
    expect(byOther).toMatchObject({ status: 403, body: { type: 'urn:housing-governance:problem:actor-not-allowed' } });
    expect(afterRefusal).toBe(before);
    expect(toFinance).toMatchObject({ status: 422, body: { type: 'urn:housing-governance:problem:delegate-lacks-role' } });
    expect(delegated).toMatchObject({ status: 200, body: { assignee: cast.secondHousingManager.userId } });
    expect(done.status).toBe(200);
    const handovers = (await timelineOf(processId)).filter((entry) => entry.kind === 'assignment');
    expect(handovers.map((entry) => entry.summary)).toEqual([
      `${cast.housingManager.userId} claimed Appoint an adviser to the residents' group`,
      `${cast.housingManager.userId} delegated Appoint an adviser to the residents' group to ${cast.secondHousingManager.userId}`,
    ]);
  });
});

describe('deadlines', () => {
  it('reminds the housing managers before the due date, then escalates to the programme manager, by email and on the timeline', async () => {
    expect((await compressDeadlines(300)).status).toBe(200);
    const processId = await startLma(stack, cast);

    const reminder = await stack.mailbox.waitFor((m) => m.subject.startsWith('Reminder:') && m.text.includes(processId));
    const escalation = await stack.mailbox.waitFor((m) => m.subject.startsWith('Overdue:') && m.text.includes(processId));

    expect(reminder.to).toEqual([cast.housingManager.email, cast.secondHousingManager.email].sort());
    expect(escalation.to).toEqual([cast.programmeManager.email]);
    const entries = await eventually(async () => {
      const found = await timelineOf(processId);
      expect(found.map((e) => e.kind)).toEqual(expect.arrayContaining(['reminder', 'escalation']));
      return found;
    });
    expect(entries.findIndex((e) => e.kind === 'reminder')).toBeLessThan(entries.findIndex((e) => e.kind === 'escalation'));
    const task = await stack.prisma.task.findUniqueOrThrow({ where: { id: `${processId}~appoint-adviser` } });
    expect(task.remindedAt).not.toBeNull();
    expect(task.escalatedAt).not.toBeNull();
  });

  it('sends neither reminder nor escalation when the decision comes in time', async () => {
    // Working days of a minute: the decision below comes well within the first two.
    expect((await compressDeadlines(60_000)).status).toBe(200);
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);

    await completeTask(stack, taskId, cast.housingManager, appointment);
    await settled(stack, processId);

    // The decision cancelled the adviser task's reminder timer before it fired (the next task has its own).
    const events = (await stack.client.workflow.getHandle(processId).fetchHistory()).events ?? [];
    const scheduled = events.flatMap((e) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name ? [e.activityTaskScheduledEventAttributes.activityType.name] : [],
    );
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_CANCELED)).toHaveLength(1);
    expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED)).toHaveLength(0);
    expect(scheduled).not.toContain('taskReminded');
    expect(scheduled).not.toContain('taskEscalated');
    expect((await timelineOf(processId)).map((e) => e.kind)).not.toEqual(expect.arrayContaining(['reminder']));
  });

  it('refuses a policy that is not valid, and a policy change by anyone but a programme manager', async () => {
    const invalid = await callApi<{ issues: { path: string }[] }>(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, {
      as: cast.programmeManager,
      body: { reminderWorkingDaysBefore: -1, lma: { adviserAppointmentWorkingDays: 'ten' } },
    });
    const byHousingManager = await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, { as: cast.housingManager, body: {} });
    const current = await callApi(stack.baseUrl, 'GET', `/councils/${cast.council}/policy`, { as: cast.housingManager });

    expect(invalid.status).toBe(400);
    expect(invalid.body.issues.map((i) => i.path).sort()).toEqual(['lma.adviserAppointmentWorkingDays', 'reminderWorkingDaysBefore']);
    expect(byHousingManager.status).toBe(403);
    expect(current.body).toMatchObject({ calendar: { kind: 'england-and-wales' }, lma: { adviserAppointmentWorkingDays: 10 } });
  });
});

describe('a decision', () => {
  it('produces a decision record PDF, stored with a SHA-256 that the served file matches', async () => {
    const processId = await startLma(stack, cast);
    await completeTask(stack, await adviserTask(stack, processId, cast.housingManager), cast.housingManager, appointment);

    const listed = await eventually(async () => {
      const found = await callApi<{ items: { id: string; sha256: string; kind: string; version: number; step: string }[] }>(
        stack.baseUrl,
        'GET',
        `/processes/${processId}/documents`,
        { as: cast.rep },
      );
      expect(found.body.items).toHaveLength(1);
      return found.body.items[0]!;
    });
    const file = await fetch(`${stack.baseUrl}/documents/${listed.id}`, { headers: { authorization: `Bearer ${cast.rep.token}` } });
    const bytes = Buffer.from(await file.arrayBuffer());

    expect(listed).toMatchObject({ kind: 'decision_record', version: 1, step: 'appoint_adviser' });
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(listed.sha256);
    expect(file.headers.get('x-content-sha256')).toBe(listed.sha256);
  });

  it('is on the timeline with its actor and its document, in step with the workflow query', async () => {
    const processId = await startLma(stack, cast);
    await completeTask(stack, await adviserTask(stack, processId, cast.housingManager), cast.housingManager, appointment);

    // The decision's answer comes once the next task is in the inbox, so the timeline holds it too.
    const answered = await timelineOf(processId);
    expect(answered.map((e) => e.kind)).toEqual(['process_started', 'task_opened', 'decision', 'stage_changed', 'task_opened']);
    // Its decision record is rendered after it (off the decision's path) and joins its entry.
    const entries = await eventually(async () => {
      const now = await timelineOf(processId);
      expect(now.find((e) => e.kind === 'decision')!.documentIds).toHaveLength(1);
      return now;
    });
    const view = await viewOf(stack, processId, cast.auditor);
    const decisions = entries.filter((e) => e.kind === 'decision');

    // Who acted, with their name as the service records it.
    expect(entries[0]!.actor).toEqual({ userId: cast.rep.userId, role: 'resident_rep', name: REP_NAME });
    expect(decisions.map((e) => ({ taskId: e.taskId, outcome: e.outcome, actor: e.actor }))).toEqual(
      view.decisions.map((d) => ({ taskId: d.taskId, outcome: d.outcome, actor: { ...d.actor, name: cast.housingManager.userId } })),
    );
    const [record] = await stack.prisma.document.findMany({ where: { id: { in: decisions[0]!.documentIds } } });
    expect(record).toMatchObject({ kind: 'decision_record', step: 'appoint_adviser', version: 1 });
    // Its hash is in the audit log, once, in the entry of its storing.
    const stored = await stack.prisma.auditLog.findMany({ where: { processId, action: 'document.stored' } });
    expect(stored.map((e) => e.details)).toEqual([
      expect.objectContaining({ documentId: record!.id, sha256: record!.sha256, recordOf: `${processId}:decision:appoint-adviser` }),
    ]);
  });

  it('tells the programme manager and the residents group by email', async () => {
    const processId = await startLma(stack, cast);
    await completeTask(stack, await adviserTask(stack, processId, cast.housingManager), cast.housingManager, appointment);

    const mail = await stack.mailbox.waitFor((m) => m.subject.startsWith('Decision recorded') && m.text.includes(processId));

    expect(mail.to).toEqual([cast.programmeManager.email, cast.rep.email].sort());
    expect(mail.text).toContain(`${cast.housingManager.userId} (housing_manager) recorded "appoint"`);
    // The stage in words, and only what is known when it is written (it said "now at: undefined").
    expect(mail.text).toContain('Decided at the adviser appointment stage.');
    expect(mail.text).not.toContain('undefined');
  });
});

describe('finding processes', () => {
  it('finds processes by council, kind and stage, in the API and through Temporal search attributes', async () => {
    const processId = await startLma(stack, cast);
    await completeTask(stack, await adviserTask(stack, processId, cast.housingManager), cast.housingManager, appointment);
    await eventually(async () =>
      expect((await stack.prisma.processRecord.findUniqueOrThrow({ where: { id: processId } })).stage).toBe('outline_plan'),
    );

    const atOutline = await callApi<{ items: { processId: string }[] }>(
      stack.baseUrl,
      'GET',
      `/processes?council=${cast.council}&kind=lma&stage=outline_plan`,
      { as: cast.programmeManager },
    );
    const atAdviser = await callApi<{ items: unknown[] }>(
      stack.baseUrl,
      'GET',
      `/processes?council=${cast.council}&stage=adviser_appointment`,
      { as: cast.programmeManager },
    );
    const viaTemporal = await eventually(async () => {
      const found: string[] = [];
      for await (const run of stack.client.workflow.list({
        query: `Council = '${cast.council}' AND ProcessKind = 'lma' AND ProcessStage = 'outline_plan'`,
      }))
        found.push(run.workflowId);
      expect(found).toHaveLength(1);
      return found;
    });

    expect(atOutline.body.items.map((p) => p.processId)).toEqual([processId]);
    expect(atAdviser.body.items).toEqual([]);
    expect(viaTemporal).toEqual([processId]);
  });

  it('shows a resident rep only its own group', async () => {
    const processId = await startLma(stack, cast);
    await eventually(() => stack.prisma.processRecord.findUniqueOrThrow({ where: { id: processId } }));
    const otherRep = await stack.user({ council: cast.council, role: 'resident_rep', groupKey: 'another-group' });

    const own = await callApi<{ total: number }>(stack.baseUrl, 'GET', `/processes?council=${cast.council}`, { as: cast.rep });
    const other = await callApi<{ total: number }>(stack.baseUrl, 'GET', `/processes?council=${cast.council}`, { as: otherRep });

    expect(own.body.total).toBe(1);
    expect(other.body.total).toBe(0);
  });
});
