import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { testEnv } from './support/env';
import { eventually } from './support/eventually';
import { adviserTask, appointment, expressionOfInterest, lmaCast, startLma, type LmaCast } from './support/lma';
import { completeTask, nextTask, settled, viewOf } from './support/tasks';
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

describe('an LMA expression of interest', () => {
  it('starts a process keyed by council, estate and group, and writes it to the process registry', async () => {
    const response = await callApi<{ processId: string; created: boolean }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.rep,
      body: expressionOfInterest(cast.council),
    });

    expect(response.status).toBe(201);
    expect(response.body.processId).toBe(`lma:${cast.council}:churchill-gardens:churchill-gardens-residents-association`);
    const row = await eventually(() => stack.prisma.processRecord.findUniqueOrThrow({ where: { id: response.body.processId } }));
    expect(row).toMatchObject({
      kind: 'lma',
      council: cast.council,
      stage: 'adviser_appointment',
      status: 'active',
      startedBy: cast.rep.userId,
    });
  });

  it('can be withdrawn by the group before an adviser is appointed', async () => {
    const processId = await startLma(stack, cast);

    const withdrawn = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/withdraw`, {
      as: cast.rep,
      body: { reasons: 'The committee has disbanded' },
    });

    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toEqual({ stage: 'withdrawn' });
    const view = await viewOf(stack, processId, cast.auditor);
    expect(view).toMatchObject({ status: 'withdrawn', openTasks: [] });
    const task = await stack.prisma.task.findUniqueOrThrow({ where: { id: `${processId}~appoint-adviser` } });
    expect(task.status).toBe('cancelled');
  });

  it('refuses a variation request before there is an agreement, saying why', async () => {
    const processId = await startLma(stack, cast);

    const early = await callApi<{ type: string; title: string; detail: string }>(
      stack.baseUrl,
      'POST',
      `/processes/${processId}/variation-requests`,
      { as: cast.rep, body: { reasons: 'More gardening' } },
    );

    // The process is running: the refusal says what was refused and why, not that the process ended.
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      type: 'urn:housing-governance:problem:not-allowed-now',
      title: 'The variation request was refused: the process is not at a stage that takes it',
      detail: 'an agreement can be varied only while it is in operation (the process is at adviser appointment)',
    });
  });

  it('answers with its first task, already in the housing managers inbox', async () => {
    const response = await callApi<{
      processId: string;
      stage: string;
      opened: { id: string; kind: string; role: string; dueAt: string }[];
    }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.rep,
      body: expressionOfInterest(cast.council),
    });

    expect(response.status).toBe(201);
    expect(response.body.stage).toBe('adviser_appointment');
    expect(response.body.opened).toEqual([
      expect.objectContaining({
        id: `${response.body.processId}~appoint-adviser`,
        kind: 'appoint_adviser',
        role: 'housing_manager',
        dueAt: expect.any(String),
      }),
    ]);
    const inbox = await callApi<{ items: { id: string }[] }>(stack.baseUrl, 'GET', '/tasks?role=housing_manager', {
      as: cast.housingManager,
    });
    expect(inbox.body.items.map((task) => task.id)).toContain(`${response.body.processId}~appoint-adviser`);
  });

  it('returns the existing process, not a duplicate, when the same group applies again', async () => {
    const first = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.rep,
      body: expressionOfInterest(cast.council),
    });
    const again = await callApi<{ processId: string; created: boolean }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.programmeManager,
      body: expressionOfInterest(cast.council),
    });

    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ processId: first.body.processId, created: false });
    const runs = await eventually(async () => {
      const found = [];
      for await (const run of stack.client.workflow.list({ query: `Council = '${cast.council}'` })) found.push(run);
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    expect(runs.map((run) => run.workflowId)).toEqual([first.body.processId]);
  });

  it('is refused from a resident rep of another group, and from an officer who may not start processes', async () => {
    const otherRep = await stack.user({ council: cast.council, role: 'resident_rep', groupKey: 'another-group' });

    const fromOtherGroup = await callApi(stack.baseUrl, 'POST', '/processes', { as: otherRep, body: expressionOfInterest(cast.council) });
    const fromFinance = await callApi(stack.baseUrl, 'POST', '/processes', { as: cast.finance, body: expressionOfInterest(cast.council) });

    expect(fromOtherGroup.status).toBe(403);
    expect(fromFinance.status).toBe(403);
    expect(await stack.prisma.processRecord.count({ where: { council: cast.council } })).toBe(0);
  });

  it('puts an adviser appointment in front of a housing manager', async () => {
    const processId = await startLma(stack, cast);
    await adviserTask(stack, processId, cast.housingManager);

    const view = await viewOf(stack, processId, cast.housingManager);

    expect(view.stage).toBe('adviser_appointment');
    expect(view.openTasks).toEqual([
      expect.objectContaining({ taskId: 'appoint-adviser', role: 'housing_manager', outcomes: ['appoint'] }),
    ]);
    expect(view.startedBy).toEqual({ userId: cast.rep.userId, role: 'resident_rep' });
  });
});

describe('the adviser appointment decision', () => {
  it('moves the process to the outline plan stage and records who appointed whom', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);

    const decided = await completeTask(stack, taskId, cast.housingManager, appointment);

    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ taskId: 'appoint-adviser', outcome: 'appoint', stage: 'outline_plan' });
    // The answer lists the task the decision opened, and it is in the inbox already: no polling.
    expect(decided.body.opened).toEqual([
      expect.objectContaining({
        id: `${processId}~outline-plan-1`,
        kind: 'submit_outline_plan',
        role: 'resident_rep',
        dueAt: expect.any(String),
      }),
    ]);
    const inbox = await callApi<{ items: { id: string }[] }>(stack.baseUrl, 'GET', `/tasks?process=${processId}`, { as: cast.auditor });
    expect(inbox.body.items.map((task) => task.id)).toEqual([`${processId}~outline-plan-1`]);
    const view = await viewOf(stack, processId, cast.auditor);
    expect(view.stage).toBe('outline_plan');
    expect(view.openTasks).toEqual([expect.objectContaining({ taskId: 'outline-plan-1', role: 'resident_rep' })]);
    const housingManager = { userId: cast.housingManager.userId, role: 'housing_manager' };
    expect(view.decisions).toEqual([expect.objectContaining({ taskId: 'appoint-adviser', outcome: 'appoint', actor: housingManager })]);
    expect(view.details).toMatchObject({ adviser: { userId: 'hm-dee', name: 'Dee Adviser', appointedBy: housingManager } });
    const row = await eventually(async () => {
      const found = await stack.prisma.processRecord.findUniqueOrThrow({ where: { id: processId } });
      expect(found.stage).toBe('outline_plan');
      return found;
    });
    expect(row.status).toBe('active');
  });

  it('is refused for an officer without the housing manager role, leaving the workflow history unchanged', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);
    const before = await settled(stack, processId);

    const refused = await completeTask(stack, taskId, cast.finance, appointment);

    expect(refused.status).toBe(403);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'urn:housing-governance:problem:forbidden' });
    expect(await settled(stack, processId)).toBe(before);
    expect((await viewOf(stack, processId, cast.auditor)).stage).toBe('adviser_appointment');
  });

  it('is refused when the adviser is not named, leaving the workflow history unchanged', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);
    const before = await settled(stack, processId);

    const refused = await completeTask(stack, taskId, cast.housingManager, { outcome: 'appoint', form: { adviserName: 'Dee Adviser' } });

    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      type: 'urn:housing-governance:problem:validation-error',
      issues: [expect.objectContaining({ path: 'form.adviserUserId' })],
    });
    expect(await settled(stack, processId)).toBe(before);
  });

  it('is taken once when sent twice: the same answer, one decision in the history', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);

    const first = await completeTask(stack, taskId, cast.housingManager, appointment);
    const second = await completeTask(stack, taskId, cast.housingManager, appointment);

    expect(second.body).toEqual(first.body);
    const history = await stack.client.workflow.getHandle(processId).fetchHistory();
    const accepted = (history.events ?? []).filter(
      (event) =>
        event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED &&
        event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'completeTask',
    );
    expect(accepted).toHaveLength(1);
    expect((await viewOf(stack, processId, cast.auditor)).decisions).toHaveLength(1);
  });

  it('is taken after the worker was restarted: the process waited in Temporal, not in worker memory', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);

    await stack.restartWorker();
    const decided = await completeTask(stack, taskId, cast.housingManager, appointment);

    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ stage: 'outline_plan' });
    expect((await viewOf(stack, processId, cast.auditor)).details).toMatchObject({
      estate: 'Churchill Gardens',
      adviser: { name: 'Dee Adviser' },
    });
  });

  it('is read as 503 no-worker with Retry-After while no worker runs, not after waiting out its query, and again once one runs', async () => {
    const processId = await startLma(stack, cast);
    await adviserTask(stack, processId, cast.housingManager);

    await stack.stopWorker();
    try {
      const view = await callApi<{ type: string }>(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor });
      expect(view.status).toBe(503);
      // Not `process-busy`, which a query that waited out its deadline for a worker would answer.
      expect(view.body.type).toMatch(/:no-worker$/);
      expect(view.headers.get('retry-after')).toBe('5');
    } finally {
      await stack.restartWorker();
    }
    await eventually(async () =>
      expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor })).status).toBe(200),
    );
  });

  it('leaves a history that replays deterministically against the current workflow code', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);
    await completeTask(stack, taskId, cast.housingManager, appointment);
    await eventually(async () =>
      expect((await stack.prisma.processRecord.findUniqueOrThrow({ where: { id: processId } })).stage).toBe('outline_plan'),
    );
    const history = await stack.client.workflow.getHandle(processId).fetchHistory();

    // The current version's histories for the replay suite are recorded by test/lma-lifecycle.test.ts.
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: testEnv('workflowBundle') } }, history, processId),
    ).resolves.toBeUndefined();
  });
});

describe('requests the API refuses', () => {
  it('answers a bad expression of interest with 400 and the field errors', async () => {
    const response = await callApi<{ issues: { path: string }[] }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.rep,
      body: { ...expressionOfInterest('Not A Slug'), services: [{ service: 'roof_replacement', scope: [] }] },
    });

    expect(response.status).toBe(400);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body.issues.map((issue) => issue.path).sort()).toEqual(['council', 'services.0.scope', 'services.0.service']);
  });

  it('answers malformed JSON with 400', async () => {
    const response = await callApi(stack.baseUrl, 'POST', '/processes', { as: cast.rep, rawBody: '{"kind": "lma",' });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'urn:housing-governance:problem:malformed-json' });
  });

  it('lists an officer’s inbox by whose the tasks are, what they have completed, and in the order asked for', async () => {
    const startAt = async (estate: string) => {
      const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
        as: cast.rep,
        body: { ...expressionOfInterest(cast.council), estate },
      });
      return (await nextTask(stack, started.body.processId, 'appoint_adviser', cast.housingManager)).id;
    };
    const [claimedByMe, claimedByColleague, unassigned] = [
      await startAt('Elm Estate'),
      await startAt('Oak Estate'),
      await startAt('Ash Estate'),
    ];
    await callApi(stack.baseUrl, 'POST', `/tasks/${claimedByMe}/claim`, { as: cast.housingManager });
    await callApi(stack.baseUrl, 'POST', `/tasks/${claimedByColleague}/claim`, { as: cast.secondHousingManager });
    const ids = async (query: string, as = cast.housingManager) => {
      const listed = await callApi<{ items: { id: string }[] }>(stack.baseUrl, 'GET', `/tasks?council=${cast.council}&kind=lma&${query}`, {
        as,
      });
      expect(listed.status).toBe(200);
      return listed.body.items.map((t) => t.id);
    };

    await expect(ids('owner=me')).resolves.toEqual([claimedByMe]);
    await expect(ids('owner=unassigned')).resolves.toEqual([unassigned]);
    await expect(ids('owner=me_or_my_roles&sort=opened')).resolves.toEqual([unassigned, claimedByMe]);
    await expect(ids('owner=my_roles&sort=opened')).resolves.toEqual([unassigned, claimedByColleague, claimedByMe]);
    // The group's representative holds no housing_manager grant: none of these are theirs.
    await expect(ids('owner=my_roles', cast.rep)).resolves.toEqual([]);

    await completeTask(stack, claimedByMe, cast.housingManager, appointment);
    await expect(ids('status=completed&closed_by=' + cast.housingManager.userId)).resolves.toEqual([claimedByMe]);
    await expect(ids('status=completed&closed_by=' + cast.secondHousingManager.userId)).resolves.toEqual([]);
    const unknownKind = await callApi<{ issues: { path: string }[] }>(stack.baseUrl, 'GET', '/tasks?kind=nope', {
      as: cast.housingManager,
    });
    expect(unknownKind.status).toBe(400);
  });

  it('answers 401 without a token, with a revoked one, and with a web session’s token past its end', async () => {
    const revoked = await stack.user({ council: cast.council, role: 'programme_manager' });
    await stack.prisma.apiToken.updateMany({ where: { userId: revoked.userId }, data: { revokedAt: new Date() } });
    const ended = await stack.user({ council: cast.council, role: 'programme_manager' });
    await stack.prisma.apiToken.updateMany({ where: { userId: ended.userId }, data: { expiresAt: new Date(Date.now() - 1_000) } });

    const anonymous = await callApi(stack.baseUrl, 'POST', '/processes', { body: expressionOfInterest(cast.council) });
    const withRevoked = await callApi(stack.baseUrl, 'GET', '/tasks', { as: revoked });

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(withRevoked.status).toBe(401);
    await expect(callApi(stack.baseUrl, 'GET', '/tasks', { as: ended }).then((r) => r.status)).resolves.toBe(401);
  });

  it('answers 404 for a process or task that does not exist', async () => {
    const read = await callApi(stack.baseUrl, 'GET', '/processes/lma:nowhere:no-estate:no-group', { as: cast.auditor });
    const decide = await completeTask(stack, 'lma:nowhere:no-estate:no-group~appoint-adviser', cast.housingManager, appointment);

    expect(read.status).toBe(404);
    expect(read.body).toMatchObject({ type: 'urn:housing-governance:problem:process-not-found' });
    expect(decide.status).toBe(404);
  });
});
