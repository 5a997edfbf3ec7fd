import type { ProcessView } from '../../workflows/common/process';
import { eventually } from './eventually';
import { callApi, uniqueCouncil, type TestStack, type TestUser } from './stack';

export const GROUP_KEY = 'churchill-gardens-residents-association';

export const expressionOfInterest = (council: string) => ({
  kind: 'lma',
  council,
  estate: 'Churchill Gardens',
  group: { name: 'Churchill Gardens Residents Association', legalForm: 'residents_association' },
  services: [
    { service: 'gardening', scope: ['flowerbeds by Elm House'] },
    { service: 'window_cleaning', scope: ['Elm House', 'Oak House'] },
  ],
});
export const appointment = { outcome: 'appoint', form: { adviserUserId: 'hm-dee', adviserName: 'Dee Adviser' } };

/** A council of its own, with the people an LMA needs, each with a token. */
export interface LmaCast {
  council: string;
  rep: TestUser;
  housingManager: TestUser;
  secondHousingManager: TestUser;
  finance: TestUser;
  programmeManager: TestUser;
  auditor: TestUser;
}

export async function lmaCast(stack: TestStack): Promise<LmaCast> {
  const council = uniqueCouncil();
  return {
    council,
    rep: await stack.user({ council, role: 'resident_rep', groupKey: GROUP_KEY }),
    housingManager: await stack.user({ council, role: 'housing_manager' }),
    secondHousingManager: await stack.user({ council, role: 'housing_manager' }),
    finance: await stack.user({ council, role: 'finance' }),
    programmeManager: await stack.user({ council, role: 'programme_manager' }),
    auditor: await stack.user({ council: '*', role: 'auditor' }),
  };
}

export async function startLma(stack: TestStack, cast: LmaCast): Promise<string> {
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', { as: cast.rep, body: expressionOfInterest(cast.council) });
  if (started.status !== 201) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body.processId;
}

export const viewOf = async (stack: TestStack, processId: string, as: TestUser) =>
  (await callApi<ProcessView>(stack.baseUrl, 'GET', `/processes/${processId}`, { as })).body;

/** The inbox id of the adviser appointment, once the task is in the inbox. */
export async function adviserTask(stack: TestStack, processId: string, as: TestUser): Promise<string> {
  return eventually(async () => {
    const inbox = await callApi<{ items: { id: string; processId: string }[] }>(stack.baseUrl, 'GET', '/tasks?role=housing_manager', { as });
    const task = inbox.body.items.find((item) => item.processId === processId);
    if (!task) throw new Error(`task of ${processId} not in the inbox yet`);
    return task.id;
  });
}

export const completeTask = (stack: TestStack, taskId: string, as: TestUser, body: unknown) =>
  callApi<Record<string, unknown>>(stack.baseUrl, 'POST', `/tasks/${taskId}/complete`, { as, body });

/** Waits until the workflow has nothing in flight (no activity, no workflow task): its history is still. */
export async function settled(stack: TestStack, processId: string): Promise<number> {
  return eventually(async () => {
    const { raw } = await stack.client.workflow.getHandle(processId).describe();
    if ((raw.pendingActivities ?? []).length > 0 || raw.pendingWorkflowTask) throw new Error(`${processId} is still busy`);
    return Number(raw.workflowExecutionInfo?.historyLength ?? 0);
  });
}
