import { temporal } from '@temporalio/proto';
import type { ProcessView } from '../../workflows/common/process';
import { eventually } from './eventually';
import { callApi, type TestStack, type TestUser } from './stack';

// Driving any process's tasks through the API, as its people would: found by kind (the next one) or
// by id (where several of a kind are open at once), decided, and what the process then shows.

/** Waits for the task with this id to be open in the process's inbox for `as`, and returns its inbox row. */
export async function openTask(
  stack: TestStack,
  processId: string,
  taskId: string,
  as: TestUser,
): Promise<{ id: string; taskId: string; title: string }> {
  return eventually(async () => {
    const inbox = await callApi<{ items: { id: string; taskId: string; title: string }[] }>(
      stack.baseUrl,
      'GET',
      `/tasks?process=${encodeURIComponent(processId)}&status=open&page_size=100`,
      { as },
    );
    const task = inbox.body.items.find((item) => item.taskId === taskId);
    if (!task) throw new Error(`${taskId} not open yet (open: ${inbox.body.items.map((i) => i.taskId).join(', ')})`);
    return task;
  }, 30_000);
}

/** Sends a decision on the task with this id, once it is open, and answers the API's response whatever it is. */
export async function attempt(
  stack: TestStack,
  processId: string,
  taskId: string,
  as: TestUser,
  outcome: string,
  form: Record<string, unknown> = {},
  reasons?: string,
) {
  return completeTask(stack, (await openTask(stack, processId, taskId, as)).id, as, { outcome, form, ...(reasons ? { reasons } : {}) });
}

/** Decides the task with this id; fails unless the API accepts the decision. */
export async function decide(
  stack: TestStack,
  processId: string,
  taskId: string,
  as: TestUser,
  outcome: string,
  form: Record<string, unknown> = {},
  reasons?: string,
) {
  const response = await attempt(stack, processId, taskId, as, outcome, form, reasons);
  if (response.status !== 200) throw new Error(`${taskId} ${outcome}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export const viewOf = async (stack: TestStack, processId: string, as: TestUser) =>
  (await callApi<ProcessView>(stack.baseUrl, 'GET', `/processes/${processId}`, { as })).body;

/** The process's view once it has ended (completed), waiting up to `timeoutMs` for it to end. */
export const endedView = (stack: TestStack, processId: string, as: TestUser, timeoutMs?: number) =>
  eventually(async () => {
    const view = await viewOf(stack, processId, as);
    expect(view.status).toBe('completed');
    return view;
  }, timeoutMs);

export const completeTask = (stack: TestStack, taskId: string, as: TestUser, body: unknown) =>
  callApi<Record<string, unknown>>(stack.baseUrl, 'POST', `/tasks/${taskId}/complete`, { as, body });

const WORKFLOW_TASK_EVENTS = new Set(
  [
    temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  ].map(Number),
);

/**
 * Waits until the workflow has nothing in flight (no activity, no workflow task), then counts what its
 * history records: every event but the workflow-task bookkeeping, which Temporal may add for an update
 * it refused under load (a speculative task it could not drop).
 */
export async function settled(stack: TestStack, processId: string): Promise<number> {
  const handle = stack.client.workflow.getHandle(processId);
  return eventually(async () => {
    const { raw } = await handle.describe();
    if ((raw.pendingActivities ?? []).length > 0 || raw.pendingWorkflowTask) throw new Error(`${processId} is still busy`);
    const { events } = await handle.fetchHistory();
    return (events ?? []).filter((event) => !WORKFLOW_TASK_EVENTS.has(Number(event.eventType))).length;
  });
}

interface OpenTask {
  id: string;
  processId: string;
  kind: string;
  taskId: string;
  title: string;
}

/** Waits for an open task of `kind` in this process, for `as`'s role, and returns it. */
export async function nextTask(stack: TestStack, processId: string, kind: string, as: TestUser): Promise<OpenTask> {
  return eventually(async () => {
    const inbox = await callApi<{ items: OpenTask[] }>(
      stack.baseUrl,
      'GET',
      `/tasks?status=open&page_size=100${as.role ? `&role=${as.role}` : ''}`,
      { as },
    );
    const task = inbox.body.items.find((item) => item.processId === processId && item.kind === kind);
    if (!task)
      throw new Error(
        `no open ${kind} for ${processId} yet (open: ${inbox.body.items
          .filter((i) => i.processId === processId)
          .map((i) => i.kind)
          .join(', ')})`,
      );
    return task;
  }, 30_000);
}

/** Waits for the next task of `kind` and decides it; fails unless the API accepts the decision. */
export async function decideNext(
  stack: TestStack,
  processId: string,
  kind: string,
  as: TestUser,
  outcome: string,
  form: Record<string, unknown> = {},
  reasons?: string,
) {
  const task = await nextTask(stack, processId, kind, as);
  const response = await completeTask(stack, task.id, as, { outcome, form, ...(reasons ? { reasons } : {}) });
  if (response.status !== 200) throw new Error(`${kind} ${outcome}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export interface TimelineEntry {
  kind: string;
  at: string;
  summary: string;
  actor: { userId: string; role: string } | null;
  taskId: string | null;
  outcome: string | null;
  reasons: string | null;
  documentIds: string[];
}
/** A process's timeline, as an auditor reads it. */
export const timelineOf = async (stack: TestStack, processId: string, as: TestUser) =>
  (await callApi<{ entries: TimelineEntry[] }>(stack.baseUrl, 'GET', `/processes/${processId}/timeline`, { as })).body.entries;
