import { recording, writeHistory } from './support/histories';
import { temporal } from '@temporalio/proto';
import { eventually } from './support/eventually';
import { settled, timelineOf, viewOf as viewAs } from './support/tasks';
import { callApi, startTestStack, uniqueCouncil, type TestStack, type TestUser } from './support/stack';

// The engine on its own, through the fixture process (test/fixtures/processes/permit), which only the
// tests' registry knows: the shared frame, child workflows and every refusal of the task book.

const EventType = temporal.api.enums.v1.EventType;
// The version of the shared frame whose runs `RECORD_HISTORIES=frame npm test` records under test/histories/.
const FRAME_VERSION = 'frame-v6-writes-together';
const GROUP = 'The Elms Tenants';
const GROUP_KEY = 'the-elms-tenants';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

interface Cast {
  council: string;
  rep: TestUser;
  housingManager: TestUser;
  otherHousingManager: TestUser;
  legal: TestUser;
  finance: TestUser;
  programmeManager: TestUser;
  auditor: TestUser;
}
let cast: Cast;
beforeEach(async () => {
  const council = uniqueCouncil();
  cast = {
    council,
    rep: await stack.user({ council, role: 'resident_rep', groupKey: GROUP_KEY }),
    housingManager: await stack.user({ council, role: 'housing_manager' }),
    otherHousingManager: await stack.user({ council, role: 'housing_manager' }),
    legal: await stack.user({ council, role: 'legal_services' }),
    finance: await stack.user({ council, role: 'finance' }),
    programmeManager: await stack.user({ council, role: 'programme_manager' }),
    auditor: await stack.user({ council: '*', role: 'auditor' }),
  };
});

interface Opened {
  id: string;
  taskId: string;
  kind: string;
  role: string;
}
interface Problem {
  type: string;
  title: string;
  detail: string;
}

const start = async () => {
  const response = await callApi<{ processId: string; stage: string; opened: Opened[] }>(stack.baseUrl, 'POST', '/processes', {
    as: cast.rep,
    body: { kind: 'permit', council: cast.council, group: { name: GROUP }, request: 'A new front door' },
  });
  expect(response.status).toBe(201);
  return response.body;
};
const complete = (taskId: string, as: TestUser, body: unknown) =>
  callApi<Problem & { stage: string; opened: Opened[] }>(stack.baseUrl, 'POST', `/tasks/${taskId}/complete`, { as, body });
const inboxOf = async (processId: string, status = 'open') =>
  (
    await callApi<{ items: { id: string; kind: string; status: string }[] }>(
      stack.baseUrl,
      'GET',
      `/tasks?process=${processId}&status=${status}`,
      { as: cast.auditor },
    )
  ).body.items;
const viewOf = (processId: string) => viewAs(stack, processId, cast.auditor);
const decisionsInHistory = async (processId: string) =>
  ((await stack.client.workflow.getHandle(processId).fetchHistory()).events ?? []).filter(
    (event) =>
      event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED &&
      event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'completeTask',
  ).length;

describe('a process on the shared frame', () => {
  it('can be withdrawn by the group at its first stage: it ends and its task leaves the inbox', async () => {
    const { processId, opened } = await start();

    const withdrawn = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/withdraw`, {
      as: cast.rep,
      body: { reasons: 'We found another way' },
    });

    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toEqual({ stage: 'withdrawn' });
    expect(await viewOf(processId)).toMatchObject({
      stage: 'withdrawn',
      status: 'withdrawn',
      details: { endedBecause: 'Withdrawn by the group: We found another way' },
    });
    expect(await inboxOf(processId)).toEqual([]);
    expect((await inboxOf(processId, 'cancelled')).map((task) => task.id)).toEqual([opened[0]?.id]);
    // The task is closed for good: deciding it now is refused.
    const late = await complete(opened[0]?.id ?? '', cast.housingManager, { outcome: 'approve', form: { reference: 'P-1' } });
    expect(late.status).toBe(409);
  });

  it('can be cancelled by the council at its first stage, and not by the group', async () => {
    const { processId } = await start();

    const byGroup = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, { as: cast.rep, body: { reasons: 'no' } });
    const byCouncil = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'The block is to be demolished' },
    });

    expect(byGroup.status).toBe(403);
    expect(byCouncil.status).toBe(200);
    expect(await viewOf(processId)).toMatchObject({ stage: 'cancelled', status: 'cancelled' });
    const again = await callApi<Problem>(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'twice' },
    });
    expect(again.status).toBe(409);
  });
});

describe("the task book's refusals, through the API", () => {
  it('answers a step that is not open yet with 409 and what the process waits for, not 404; a stranger still learns nothing', async () => {
    const { processId } = await start();

    const early = await complete(`${processId}~inspection-inspect`, cast.housingManager, {
      outcome: 'satisfactory',
      form: { finding: 'Sound' },
    });
    const stranger = await stack.user({ council: 'another-council', role: 'housing_manager' });
    const probing = await complete(`${processId}~inspection-inspect`, stranger, { outcome: 'satisfactory', form: { finding: 'Sound' } });

    expect([early.status, early.body.type, early.body.title]).toEqual([
      409,
      expect.stringMatching(/:task-not-open-yet$/),
      'This step is not open yet',
    ]);
    expect(early.body.detail).toContain('it waits for: Review the alteration request (housing_manager)');
    expect(probing.status).toBe(404);
  });

  it('refuses a wrong outcome, missing reasons, a missing form field, the wrong role and a task claimed by another, and records none of them', async () => {
    const { processId, opened } = await start();
    const taskId = opened[0]?.id ?? '';
    const before = await settled(stack, processId);

    const wrongOutcome = await complete(taskId, cast.housingManager, { outcome: 'maybe', form: { reference: 'P-1' } });
    const noReasons = await complete(taskId, cast.housingManager, { outcome: 'reject', form: { reference: 'P-1' } });
    const noForm = await complete(taskId, cast.housingManager, { outcome: 'approve', form: {} });
    const wrongRole = await complete(taskId, cast.finance, { outcome: 'approve', form: { reference: 'P-1' } });

    expect([wrongOutcome.status, wrongOutcome.body.type]).toEqual([400, expect.stringMatching(/outcome-not-allowed$/)]);
    expect([noReasons.status, noReasons.body.type]).toEqual([400, expect.stringMatching(/reason-required$/)]);
    expect(noForm.status).toBe(400);
    expect(JSON.stringify(noForm.body)).toContain('reference');
    // The title says which form failed; the issues name its fields.
    expect(noForm.body.title).toBe('The form for "Review the alteration request" (approve) is not valid');
    expect(wrongRole.status).toBe(403);
    expect(await settled(stack, processId)).toBe(before);

    const claimed = await callApi(stack.baseUrl, 'POST', `/tasks/${taskId}/claim`, { as: cast.housingManager });
    expect(claimed.status).toBe(200);
    const byOther = await complete(taskId, cast.otherHousingManager, { outcome: 'approve', form: { reference: 'P-1' } });
    expect([byOther.status, byOther.body.detail]).toEqual([403, expect.stringContaining('assigned to another user')]);

    const decided = await complete(taskId, cast.housingManager, { outcome: 'approve', form: { reference: 'P-1' } });
    expect(decided.status).toBe(200);
    // The process goes on (the inspection), but this task is closed.
    const afterClose = await callApi<Problem>(stack.baseUrl, 'POST', `/tasks/${taskId}/claim`, { as: cast.housingManager });
    expect([afterClose.status, afterClose.body.type]).toEqual([409, expect.stringMatching(/task-not-open$/)]);
    expect(await decisionsInHistory(processId)).toBe(1);
    expect(await viewOf(processId)).toMatchObject({ stage: 'inspection', status: 'active', details: { reference: 'P-1' } });
  });

  it('ends the process when the request is rejected with reasons', async () => {
    const { processId, opened } = await start();

    const rejected = await complete(opened[0]?.id ?? '', cast.housingManager, {
      outcome: 'reject',
      reasons: 'Listed building',
      form: { reference: 'P-2' },
    });

    expect(rejected.status).toBe(200);
    expect(await viewOf(processId)).toMatchObject({
      stage: 'refused',
      status: 'completed',
      details: { endedBecause: 'Refused: Listed building' },
    });
  });
});

describe('a child workflow of a process', () => {
  it("puts its task in the parent's inbox; decided through the API, it is on the parent's timeline", async () => {
    const { processId, opened } = await start();

    const approved = await complete(opened[0]?.id ?? '', cast.housingManager, { outcome: 'approve', form: { reference: 'P-7' } });

    // The parent's decision started the child; its answer lists the child's task, already in the inbox.
    expect(approved.status).toBe(200);
    expect(approved.body.opened).toEqual([
      expect.objectContaining({ id: `${processId}~inspection-inspect`, kind: 'inspect_works', role: 'legal_services' }),
    ]);
    expect((await inboxOf(processId)).map((task) => task.id)).toEqual([`${processId}~inspection-inspect`]);

    const inspected = await complete(`${processId}~inspection-inspect`, cast.legal, {
      outcome: 'satisfactory',
      form: { finding: 'Door fitted to standard' },
    });
    expect(inspected.status).toBe(200);

    const timeline = await timelineOf(stack, processId, cast.auditor);
    // The fixture's own event kind and email, which only its folder declares, reach the timeline and the group.
    const told = await stack.mailbox.waitFor((m) => m.subject.startsWith('Works approved: ') && m.text.includes(processId));
    expect(told.to).toEqual([cast.rep.email]);
    expect(told.text).toContain('The works are approved under permit P-7');
    expect(timeline).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'works_approved', summary: 'Works approved under permit P-7' }),
        expect.objectContaining({ kind: 'task_opened', taskId: 'inspection-inspect' }),
        expect.objectContaining({
          kind: 'decision',
          taskId: 'inspection-inspect',
          actor: expect.objectContaining({ userId: cast.legal.userId }),
        }),
        expect.objectContaining({ kind: 'note', summary: 'Inspection done: Door fitted to standard' }),
      ]),
    );
    const audited = await stack.prisma.auditLog.findMany({ where: { processId, action: 'task.complete' } });
    expect(audited.map((entry) => (entry.details as { taskId: string }).taskId).sort()).toEqual(['inspection-inspect', 'review']);
    // An auditor's history export holds the child's run with the parent's.
    await eventually(async () =>
      expect(await viewOf(processId)).toMatchObject({
        stage: 'granted',
        status: 'completed',
        details: { inspection: 'Door fitted to standard' },
      }),
    );
    const history = await callApi<{ runs: { workflowId: string; history: unknown }[] }>(
      stack.baseUrl,
      'GET',
      `/processes/${processId}/history`,
      { as: cast.auditor },
    );
    expect(history.body.runs.map((run) => run.workflowId).sort()).toEqual([processId, `${processId}:inspection`]);
    // `RECORD_HISTORIES=frame npm test` records the frame's runs, parent and child, for the replay suite.
    if (recording('frame')) {
      for (const run of history.body.runs) {
        const name = run.workflowId === processId ? 'parent' : 'child';
        // As the auditors' export gives a run: the workflow id with it, as the child's id derives from it.
        writeHistory(`${FRAME_VERSION}-${name}`, JSON.stringify({ workflowId: run.workflowId, history: run.history }));
      }
    }
  });
});
