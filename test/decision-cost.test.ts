import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { compressedLmaPolicy, driveToPreparingAgreement, lmaCast, responsibilities } from './support/lma';
import { decideNext } from './support/tasks';
import { callApi, startTestStack, type TestStack } from './support/stack';

// What one decision costs in Temporal, read from the history of an LMA this run drives with the code
// under test (set-up to a signed agreement): docs/architecture.md states these figures. A change that makes
// decisions dearer fails here.
const LIMITS = { workflowTasks: 1, events: 11, remoteActivities: 0, localActivities: 2 };

interface HistoryEvent {
  eventId: string;
  eventType: string;
  workflowExecutionUpdateAcceptedEventAttributes?: { protocolInstanceId: string; acceptedRequest: { input: { name: string } } };
  workflowExecutionUpdateCompletedEventAttributes?: { meta: { updateId: string } };
  markerRecordedEventAttributes?: { markerName: string };
}

/** Each decision's events: from the workflow task that took the update to the update's completion. */
function decisionCosts(events: HistoryEvent[]) {
  const is = (event: HistoryEvent | undefined, type: string) => event?.eventType === `EVENT_TYPE_${type}`;
  return events.flatMap((event, index) => {
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    if (!accepted || accepted.acceptedRequest.input.name !== 'completeTask') return [];
    let start = index;
    while (start > 0 && !is(events[start], 'WORKFLOW_TASK_SCHEDULED')) start -= 1;
    let end = index;
    while (
      end < events.length &&
      events[end]?.workflowExecutionUpdateCompletedEventAttributes?.meta.updateId !== accepted.protocolInstanceId
    )
      end += 1;
    const span = events.slice(start, end + 1);
    return [
      {
        events: span.length,
        workflowTasks: span.filter((e) => is(e, 'WORKFLOW_TASK_COMPLETED')).length,
        remoteActivities: span.filter((e) => is(e, 'ACTIVITY_TASK_SCHEDULED')).length,
        localActivities: span.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').length,
      },
    ];
  });
}

/** The first workflow task's events, and whether the start's update (its answer of first tasks) was accepted in it. */
function startAnsweredInFirstTask(events: HistoryEvent[]) {
  const firstTaskEnd = events.findIndex((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED');
  const accepted = events.findIndex(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest.input.name === 'processStarted',
  );
  const tasksBefore = events.slice(0, accepted).filter((e) => e.eventType === 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED').length;
  return { accepted: accepted > firstTaskEnd, tasksBefore };
}

let stack: TestStack;
let costs: ReturnType<typeof decisionCosts> = [];
let start: ReturnType<typeof startAnsweredInFirstTask>;
beforeAll(async () => {
  stack = await startTestStack();
  const cast = await lmaCast(stack);
  expect(
    (await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, { as: cast.programmeManager, body: compressedLmaPolicy }))
      .status,
  ).toBe(200);
  const processId = await driveToPreparingAgreement(stack, cast);
  await decideNext(stack, processId, 'draft_agreement', cast.legal, 'approve', { ...responsibilities });
  await decideNext(stack, processId, 'confirm_insurance_and_safety', cast.housingManager, 'confirm', {
    insuredBy: 'group',
    cover: ['public_liability'],
    healthAndSafety: 'Gloves and kneeling mats',
  });
  await decideNext(stack, processId, 'record_consultation_result', cast.housingManager, 'record', { for: 64, against: 12 });
  await decideNext(stack, processId, 'sign_agreement', cast.rep, 'sign');
  await decideNext(stack, processId, 'sign_agreement', cast.programmeManager, 'sign');
  const history = JSON.parse(historyToJSON(await stack.client.workflow.getHandle(processId).fetchHistory())) as { events: HistoryEvent[] };
  costs = decisionCosts(history.events);
  start = startAnsweredInFirstTask(history.events);
}, 120_000);
afterAll(async () => {
  await stack.stop();
});

describe('what a start costs in Temporal', () => {
  it('is one round trip: the update answering with the first tasks comes with the start, taken in its first workflow task', () => {
    // Sent after the start, the update waits for a workflow task of its own (or the second, if the first was already running).
    expect(start).toEqual({ accepted: true, tasksBefore: 1 });
  });
});

describe('what a decision costs in Temporal', () => {
  const mean = (key: keyof (typeof costs)[number]) => costs.reduce((sum, cost) => sum + cost[key], 0) / costs.length;

  it('is measured over every decision of an agreement, from its start to its signing', () => {
    expect(costs.length).toBeGreaterThanOrEqual(10);
  });

  it('is one workflow task, its writes done by local activities within it, in a dozen history events', () => {
    expect(Math.max(...costs.map((c) => c.workflowTasks))).toBeLessThanOrEqual(LIMITS.workflowTasks);
    expect(Math.max(...costs.map((c) => c.remoteActivities))).toBeLessThanOrEqual(LIMITS.remoteActivities);
    expect(mean('localActivities')).toBeLessThanOrEqual(LIMITS.localActivities);
    expect(mean('events')).toBeLessThanOrEqual(LIMITS.events);
    // The figures docs/architecture.md states, printed for whoever updates them.
    console.log(
      `per decision: ${mean('workflowTasks').toFixed(1)} workflow tasks, ${mean('events').toFixed(1)} events, ${mean('localActivities').toFixed(1)} local activities, ${mean('remoteActivities')} activities`,
    );
  });
});
