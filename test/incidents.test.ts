import { WorkflowUpdateStage } from '@temporalio/client';
import { completeTaskUpdate } from '../workflows/common/tasks';
import { eventually } from './support/eventually';
import { adviserTask, appointment, lmaCast, startLma, type LmaCast } from './support/lma';
import { timelineOf, viewOf } from './support/tasks';
import { callApi, startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

type Incident = { activity: string; message: string; since: string; attempts: number };

/** A decision whose reasons PostgreSQL cannot store, sent past the API (which refuses it) as other code might. */
async function decisionThatCannotBeStored(cast: LmaCast): Promise<string> {
  const processId = await startLma(stack, cast);
  const taskId = await adviserTask(stack, processId, cast.housingManager);
  await stack.client.workflow.getHandle(processId).startUpdate(completeTaskUpdate, {
    args: [
      {
        taskId: taskId.split('~')[1]!,
        actor: { userId: cast.housingManager.userId, role: 'housing_manager' },
        ...appointment,
        reasons: 'bad\u0000reasons',
      },
    ],
    waitForStage: WorkflowUpdateStage.ACCEPTED,
  });
  return processId;
}

const incidentOf = async (processId: string, cast: LmaCast, attempts: number): Promise<Incident> =>
  eventually(async () => {
    const view = (await viewOf(stack, processId, cast.programmeManager)) as { incident?: Incident };
    if (view.incident?.attempts !== attempts)
      throw new Error(`no incident with ${attempts} attempts yet: ${JSON.stringify(view.incident)}`);
    return view.incident;
  });

describe('a write that cannot succeed', () => {
  it('stops the process with an incident its programme managers see, instead of retrying for ever', async () => {
    const cast = await lmaCast(stack);
    const processId = await decisionThatCannotBeStored(cast);

    const incident = await incidentOf(processId, cast, 1);

    expect(incident).toMatchObject({ activity: 'recordDecision', since: expect.any(String) });
    expect(incident.message).toMatch(/^recordDecision: the data cannot be stored: PostgreSQL refused it \(22021: invalid byte sequence/);
    const listed = await callApi<{ items: { processId: string; incident: Incident | null }[] }>(
      stack.baseUrl,
      'GET',
      `/processes?council=${cast.council}&incident=open`,
      { as: cast.programmeManager },
    );
    expect(listed.body.items).toEqual([
      expect.objectContaining({ processId, incident: expect.objectContaining({ activity: 'recordDecision' }) }),
    ]);
    const timeline = await timelineOf(stack, processId, cast.programmeManager);
    expect(timeline.map((entry) => entry.kind)).toContain('incident_opened');
    // The programme managers are told, once.
    const told = await stack.mailbox.waitFor(
      (m) =>
        m.subject === `Process stopped: Local Management Agreement: Churchill Gardens Residents Association, Churchill Gardens` &&
        m.text.includes(processId),
    );
    expect(told.to).toEqual([cast.programmeManager.email]);
    expect(told.text).toContain('Stopped: recordDecision failed');
    // Nothing of the decision was half-written: the task is still open in the inbox.
    expect((await stack.prisma.task.findFirstOrThrow({ where: { processId, taskKey: 'appoint-adviser' } })).status).toBe('open');
  });

  it('is tried again by a programme manager (only), audited, and the process can then be cancelled', async () => {
    const cast = await lmaCast(stack);
    const processId = await decisionThatCannotBeStored(cast);
    await incidentOf(processId, cast, 1);

    const byOfficer = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/incident/retry`, { as: cast.housingManager });
    const retried = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/incident/retry`, { as: cast.programmeManager });

    expect(byOfficer.status).toBe(403);
    expect(retried.status).toBe(200);
    await incidentOf(processId, cast, 2);
    expect(
      await stack.prisma.auditLog.count({
        where: { processId, action: 'process.retry_incident', actorUserId: cast.programmeManager.userId },
      }),
    ).toBe(1);

    const cancelled = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'The decision cannot be recorded' },
    });

    expect(cancelled.status).toBe(200);
    const row = await eventually(async () => {
      const found = await stack.prisma.processRecord.findUniqueOrThrow({ where: { id: processId } });
      if (found.status !== 'cancelled') throw new Error(`still ${found.status}`);
      return found;
    });
    expect(row.incident).toBeNull();
  });

  it('cannot be retried when there is none (409)', async () => {
    const cast = await lmaCast(stack);
    const processId = await startLma(stack, cast);

    const retried = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/incident/retry`, { as: cast.programmeManager });

    expect(retried.status).toBe(409);
  });
});
