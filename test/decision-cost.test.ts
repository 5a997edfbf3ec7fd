import { readFileSync } from 'node:fs';
import path from 'node:path';

// What one decision costs in Temporal, read from a recorded history of a whole LMA (set-up, a term,
// its review): the README states these figures. A change that makes decisions dearer fails here.
const HISTORY = path.join(__dirname, 'histories', 'lma-v7-true-records-run1.json');
const LIMITS = { workflowTasks: 1, events: 12, remoteActivities: 0, localActivities: 6 };

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
    while (end < events.length && events[end]?.workflowExecutionUpdateCompletedEventAttributes?.meta.updateId !== accepted.protocolInstanceId) end += 1;
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

describe('what a decision costs in Temporal', () => {
  const costs = decisionCosts((JSON.parse(readFileSync(HISTORY, 'utf8')) as { events: HistoryEvent[] }).events);
  const mean = (key: keyof (typeof costs)[number]) => costs.reduce((sum, cost) => sum + cost[key], 0) / costs.length;

  it('is measured over every decision of a whole agreement', () => {
    expect(costs.length).toBeGreaterThanOrEqual(10);
  });

  it('is one workflow task, its writes done by local activities within it, in a dozen history events', () => {
    expect(Math.max(...costs.map((c) => c.workflowTasks))).toBeLessThanOrEqual(LIMITS.workflowTasks);
    expect(Math.max(...costs.map((c) => c.remoteActivities))).toBeLessThanOrEqual(LIMITS.remoteActivities);
    expect(mean('localActivities')).toBeLessThanOrEqual(LIMITS.localActivities);
    expect(mean('events')).toBeLessThanOrEqual(LIMITS.events);
    // The README's figures, printed for whoever updates them.
    console.log(`per decision: ${mean('workflowTasks').toFixed(1)} workflow tasks, ${mean('events').toFixed(1)} events, ${mean('localActivities').toFixed(1)} local activities, ${mean('remoteActivities')} activities`);
  });
});
