import { almoCast, driveToLaunch, startAlmo } from './support/almo';
import { eventually } from './support/eventually';
import { recordRuns, runName } from './support/histories';
import { viewOf } from './support/tasks';
import { localActivitiesOutOfOrder } from './support/out-of-order';
import { callApi, startTestStack, type TestStack } from './support/stack';

// The frame's version whose runs `RECORD_HISTORIES=frame npm test` records under test/histories/.
const CURRENT_FRAME_VERSION = 'frame-v6-writes-together';

// A live run's local activities finish in whatever order the database answers them; a replay resolves
// them in the order they started. A run whose next commands followed the order of finishing could not
// replay (issue 19, item 5: an LMA's reminders and a task opening, an options review's update and timer).
// Here every pair of local activities in flight at once finishes in reverse, as a slow write would.
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ interceptors: { activity: [localActivitiesOutOfOrder(100)] } });
});
afterAll(async () => {
  await stack.stop();
});

describe('a run whose local activities finish in another order than they started', () => {
  it('replays: an ALMO set up through its parallel workstreams and SLA child, reminders firing together, to its launch', async () => {
    const cast = await almoCast(stack);
    const processId = await startAlmo(stack, cast);
    await driveToLaunch(stack, cast, processId);

    // Before the fix, most such runs (3 in 4 here) had two timers fire in one workflow task and could not replay.
    expect(await stack.runsThatDoNotReplay()).toEqual([]);
    const cancelled = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'Replay test done' },
    });
    expect(cancelled.status).toBe(200);
    await eventually(async () => expect((await viewOf(stack, processId, cast.auditor)).status).toBe('cancelled'));
    await recordRuns(
      stack,
      'frame',
      processId,
      cast.auditor,
      (workflowId) => `${CURRENT_FRAME_VERSION}-almo-${runName(processId, workflowId)}`,
    );
  });
});
