import { eventually } from './eventually';
import { completeTask } from './lma';
import { callApi, type TestStack, type TestUser } from './stack';

// Tasks found by their id within a process: for processes with several open tasks of one kind at once.

/** Waits for the task with this id to be open in the process's inbox for `as`, and returns its inbox row. */
export async function openTask(stack: TestStack, processId: string, taskId: string, as: TestUser): Promise<{ id: string; taskId: string; title: string }> {
  return eventually(async () => {
    const inbox = await callApi<{ items: { id: string; taskId: string; title: string }[] }>(stack.baseUrl, 'GET', `/tasks?process=${encodeURIComponent(processId)}&status=open&page_size=100`, { as });
    const task = inbox.body.items.find((item) => item.taskId === taskId);
    if (!task) throw new Error(`${taskId} not open yet (open: ${inbox.body.items.map((i) => i.taskId).join(', ')})`);
    return task;
  }, 30_000);
}

/** Sends a decision on the task with this id, once it is open, and answers the API's response whatever it is. */
export async function attempt(stack: TestStack, processId: string, taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) {
  return completeTask(stack, (await openTask(stack, processId, taskId, as)).id, as, { outcome, form, ...(reasons ? { reasons } : {}) });
}

/** Decides the task with this id; fails unless the API accepts the decision. */
export async function decide(stack: TestStack, processId: string, taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) {
  const response = await attempt(stack, processId, taskId, as, outcome, form, reasons);
  if (response.status !== 200) throw new Error(`${taskId} ${outcome}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

