import type { ProcessView } from '../workflows/common/process';
import { almoCast, driveToLaunch, startAlmo, type AlmoCast } from './support/almo';
import { callApi, startTestStack, type TestStack } from './support/stack';
import { openTask, completeTask, timelineOf } from './support/tasks';

// A process the council cancels ends at once from any stage; once ended it is read without its workflow.

let stack: TestStack;
let cast: AlmoCast;
beforeAll(async () => {
  stack = await startTestStack();
});
beforeEach(async () => {
  cast = await almoCast(stack);
});
afterAll(async () => {
  await stack.stop();
});

const viewOf = async (processId: string) => callApi<ProcessView>(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor });
const cancel = (processId: string) =>
  callApi<{ stage: string }>(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
    as: cast.programmeManager,
    body: { reasons: 'The council has chosen a stock transfer instead' },
  });

/** An ALMO launched and waiting for its inspection date. */
async function launchedAlmo(): Promise<{ processId: string; inspectionTask: string }> {
  const processId = await startAlmo(stack, cast);
  await driveToLaunch(stack, cast, processId);
  const inspectionTask = (await openTask(stack, processId, 'inspection-1-date', cast.liaison)).id;
  return { processId, inspectionTask };
}

describe('a process the council cancels', () => {
  it('ends an ALMO after its launch at once: every task withdrawn, the end on its timeline, a later decision refused', async () => {
    const { processId, inspectionTask } = await launchedAlmo();

    const cancelled = await cancel(processId);

    expect(cancelled).toMatchObject({ status: 200, body: { stage: 'cancelled' } });
    expect((await viewOf(processId)).body).toMatchObject({ status: 'cancelled', stage: 'cancelled', openTasks: [] });
    expect(await stack.prisma.task.count({ where: { processId, status: 'open' } })).toBe(0);
    expect((await timelineOf(stack, processId, cast.auditor)).at(-1)).toMatchObject({
      kind: 'process_finished',
      summary: 'Cancelled by the council: The council has chosen a stock transfer instead',
    });
    const late = await completeTask(stack, inspectionTask, cast.liaison, { outcome: 'schedule', form: { inspectionDate: '2027-06-01' } });
    expect(late.status).toBe(409);
    const replay = await callApi<{ deterministic: boolean }>(stack.baseUrl, 'POST', `/processes/${processId}/replay`, { as: cast.auditor });
    expect(replay.body.deterministic).toBe(true);
  }, 120_000);

  it('is read once ended from what it wrote as it ended, with no worker running, and shows no API token', async () => {
    const { processId } = await launchedAlmo();
    await cancel(processId);
    const row = await stack.prisma.processRecord.findUniqueOrThrow({ where: { id: processId } });
    expect(row.finalView).toMatchObject({ processId, status: 'cancelled' });

    await stack.stopWorker();
    try {
      const view = await viewOf(processId);
      expect(view).toMatchObject({ status: 200, body: { processId, status: 'cancelled' } });
      expect(view.body.decisions.length).toBeGreaterThan(10);
      // Token ids are for the audit log and its readers only.
      expect(view.body.decisions.filter((d) => 'tokenId' in d)).toEqual([]);
      expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}/rules`, { as: cast.auditor })).status).toBe(200);
    } finally {
      await stack.restartWorker();
    }
    // Someone with no role for it learns nothing of it, not even that it exists.
    const stranger = await stack.user({ council: 'another-council', role: 'programme_manager' });
    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}`, { as: stranger })).status).toBe(404);
    expect(
      (await callApi(stack.baseUrl, 'POST', `/processes/${processId}/withdraw`, { as: stranger, body: { reasons: 'probing' } })).status,
    ).toBe(404);
    expect(await stack.prisma.auditLog.count({ where: { processId, action: 'process.cancel' } })).toBe(1);
  }, 120_000);
});
