import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import type { ProcessView } from '../workflows/common/process';
import type { Actor } from '../workflows/common/roles';
import { testEnv } from './support/env';
import { eventually } from './support/eventually';
import { callApi, startTestStack, uniqueCouncil, type TestStack } from './support/stack';

const EventType = temporal.api.enums.v1.EventType;
const residentRep: Actor = { userId: 'rep-ann', role: 'resident_rep' };
const housingManager: Actor = { userId: 'hm-bola', role: 'housing_manager' };
const financeOfficer: Actor = { userId: 'fin-carl', role: 'finance' };

const expressionOfInterest = (council: string) => ({
  kind: 'lma',
  council,
  estate: 'Churchill Gardens',
  group: { name: 'Churchill Gardens Residents Association', legalForm: 'residents_association' },
  services: [
    { service: 'gardening', scope: ['flowerbeds by Elm House'] },
    { service: 'window_cleaning', scope: ['Elm House', 'Oak House'] },
  ],
});
const appointment = { outcome: 'appoint', form: { adviserUserId: 'hm-dee', adviserName: 'Dee Adviser' } };

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

async function startLma(): Promise<string> {
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
    actor: residentRep,
    body: expressionOfInterest(uniqueCouncil()),
  });
  expect(started.status).toBe(201);
  return started.body.processId;
}

const viewOf = async (processId: string) => (await callApi<ProcessView>(stack.baseUrl, 'GET', `/processes/${processId}`)).body;
const waitForOpenTask = (processId: string) =>
  eventually(async () => {
    const view = await viewOf(processId);
    expect(view.openTasks.map((task) => task.taskId)).toContain('appoint-adviser');
    return view;
  });
const historyLength = async (processId: string) => (await stack.client.workflow.getHandle(processId).fetchHistory()).events?.length ?? 0;
const complete = (processId: string, actor: Actor, body: unknown) =>
  callApi(stack.baseUrl, 'POST', `/processes/${processId}/tasks/appoint-adviser/complete`, { actor, body });

describe('an LMA expression of interest', () => {
  it('starts a process keyed by council, estate and group, and writes it to the process registry', async () => {
    const council = uniqueCouncil();
    const response = await callApi<{ processId: string; created: boolean }>(stack.baseUrl, 'POST', '/processes', {
      actor: residentRep,
      body: expressionOfInterest(council),
    });

    expect(response.status).toBe(201);
    expect(response.body.processId).toBe(`lma:${council}:churchill-gardens:churchill-gardens-residents-association`);
    const row = await eventually(() => stack.prisma.processRecord.findUniqueOrThrow({ where: { id: response.body.processId } }));
    expect(row).toMatchObject({ kind: 'lma', council, stage: 'adviser_appointment', status: 'active', startedBy: 'rep-ann' });
  });

  it('returns the existing process, not a duplicate, when the same group applies again', async () => {
    const council = uniqueCouncil();
    const first = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', { actor: residentRep, body: expressionOfInterest(council) });
    const again = await callApi<{ processId: string; created: boolean }>(stack.baseUrl, 'POST', '/processes', {
      actor: residentRep,
      body: expressionOfInterest(council),
    });

    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ processId: first.body.processId, created: false });
    const runs = await eventually(async () => {
      const found = [];
      for await (const run of stack.client.workflow.list({ query: `Council = '${council}'` })) found.push(run);
      expect(found.length).toBeGreaterThan(0);
      return found;
    });
    expect(runs.map((run) => run.workflowId)).toEqual([first.body.processId]);
  });

  it('puts an adviser appointment in front of a housing manager', async () => {
    const processId = await startLma();

    const view = await waitForOpenTask(processId);

    expect(view.stage).toBe('adviser_appointment');
    expect(view.openTasks).toEqual([
      expect.objectContaining({ taskId: 'appoint-adviser', role: 'housing_manager', outcomes: ['appoint'] }),
    ]);
    expect(view.startedBy).toEqual(residentRep);
  });
});

describe('the adviser appointment decision', () => {
  it('moves the process to the outline plan stage and records who appointed whom', async () => {
    const processId = await startLma();
    await waitForOpenTask(processId);

    const decided = await complete(processId, housingManager, appointment);

    expect(decided.status).toBe(200);
    expect(decided.body).toEqual({ taskId: 'appoint-adviser', outcome: 'appoint', stage: 'outline_plan' });
    const view = await viewOf(processId);
    expect(view.stage).toBe('outline_plan');
    expect(view.openTasks).toEqual([]);
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
    const processId = await startLma();
    await waitForOpenTask(processId);
    const before = await historyLength(processId);

    const refused = await complete(processId, financeOfficer, appointment);

    expect(refused.status).toBe(403);
    expect(refused.contentType).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ type: 'urn:housing-governance:problem:actor-not-allowed' });
    expect(await historyLength(processId)).toBe(before);
    expect((await viewOf(processId)).stage).toBe('adviser_appointment');
  });

  it('is refused when the adviser is not named', async () => {
    const processId = await startLma();
    await waitForOpenTask(processId);

    const refused = await complete(processId, housingManager, { outcome: 'appoint', form: { adviserName: 'Dee Adviser' } });

    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ type: 'urn:housing-governance:problem:invalid-form', detail: 'the form needs: adviserUserId' });
  });

  it('is taken once when sent twice: the same answer, one decision in the history', async () => {
    const processId = await startLma();
    await waitForOpenTask(processId);

    const first = await complete(processId, housingManager, appointment);
    const second = await complete(processId, housingManager, appointment);

    expect(second).toEqual(first);
    const history = await stack.client.workflow.getHandle(processId).fetchHistory();
    const accepted = (history.events ?? []).filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
    expect(accepted).toHaveLength(1);
    expect((await viewOf(processId)).decisions).toHaveLength(1);
  });

  it('is taken after the worker was restarted: the process waited in Temporal, not in worker memory', async () => {
    const processId = await startLma();
    await waitForOpenTask(processId);

    await stack.restartWorker();
    const decided = await complete(processId, housingManager, appointment);

    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ stage: 'outline_plan' });
    expect((await viewOf(processId)).details).toMatchObject({ estate: 'Churchill Gardens', adviser: { name: 'Dee Adviser' } });
  });

  it('leaves a history that replays deterministically against the current workflow code', async () => {
    const processId = await startLma();
    await waitForOpenTask(processId);
    await complete(processId, housingManager, appointment);
    const history = await stack.client.workflow.getHandle(processId).fetchHistory();

    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: testEnv('workflowBundle') } }, history, processId)).resolves.toBeUndefined();
    // `RECORD_HISTORIES=1 npm test` refreshes the committed history that the replay suite guards.
    if (process.env.RECORD_HISTORIES === '1') {
      writeFileSync(path.join(__dirname, 'histories', 'lma-adviser-appointed.json'), historyToJSON(history));
    }
  });
});

describe('requests the API refuses', () => {
  it('answers a bad expression of interest with 400 and the field errors', async () => {
    const response = await callApi<{ issues: { path: string }[] }>(stack.baseUrl, 'POST', '/processes', {
      actor: residentRep,
      body: { ...expressionOfInterest('Not A Slug'), services: [{ service: 'roof_replacement', scope: [] }] },
    });

    expect(response.status).toBe(400);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body.issues.map((issue) => issue.path).sort()).toEqual(['council', 'services.0.scope', 'services.0.service']);
  });

  it('answers malformed JSON with 400', async () => {
    const response = await callApi(stack.baseUrl, 'POST', '/processes', { actor: residentRep, rawBody: '{"kind": "lma",' });

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ type: 'urn:housing-governance:problem:malformed-json' });
  });

  it('answers 401 when the caller does not say who is acting', async () => {
    const response = await callApi(stack.baseUrl, 'POST', '/processes', { body: expressionOfInterest(uniqueCouncil()) });

    expect(response.status).toBe(401);
  });

  it('answers 404 for a process that does not exist, on reading and on deciding', async () => {
    const read = await callApi(stack.baseUrl, 'GET', '/processes/lma:nowhere:no-estate:no-group');
    const decide = await complete('lma:nowhere:no-estate:no-group', housingManager, appointment);

    expect(read.status).toBe(404);
    expect(read.body).toMatchObject({ type: 'urn:housing-governance:problem:process-not-found' });
    expect(decide.status).toBe(404);
  });
});
