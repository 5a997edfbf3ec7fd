import { temporal } from '@temporalio/proto';
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
  legal: TestUser;
  rep: TestUser;
  housingManager: TestUser;
  secondHousingManager: TestUser;
  finance: TestUser;
  programmeManager: TestUser;
  auditor: TestUser;
}

/** The display name each test council has on record (what its documents say). */
export const councilName = (council: string) => `${council.replace(/-/g, ' ')} City Council`;
export const REP_NAME = 'Rita Okafor';
export const SIGNATORY_NAME = 'Sam Patel';

export async function lmaCast(stack: TestStack): Promise<LmaCast> {
  const council = uniqueCouncil();
  await stack.prisma.council.create({ data: { slug: council, name: councilName(council), updatedAt: new Date() } });
  return {
    council,
    rep: await stack.user({ council, role: 'resident_rep', groupKey: GROUP_KEY, name: REP_NAME }),
    housingManager: await stack.user({ council, role: 'housing_manager' }),
    secondHousingManager: await stack.user({ council, role: 'housing_manager' }),
    finance: await stack.user({ council, role: 'finance' }),
    legal: await stack.user({ council, role: 'legal_services' }),
    programmeManager: await stack.user({ council, role: 'programme_manager', name: SIGNATORY_NAME }),
    auditor: await stack.user({ council: '*', role: 'auditor' }),
  };
}

export async function startLma(stack: TestStack, cast: LmaCast, legalForm = 'residents_association'): Promise<string> {
  const body = expressionOfInterest(cast.council);
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', { as: cast.rep, body: { ...body, group: { ...body.group, legalForm } } });
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
    const inbox = await callApi<{ items: OpenTask[] }>(stack.baseUrl, 'GET', `/tasks?status=open&page_size=100${as.role ? `&role=${as.role}` : ''}`, { as });
    const task = inbox.body.items.find((item) => item.processId === processId && item.kind === kind);
    if (!task) throw new Error(`no open ${kind} for ${processId} yet (open: ${inbox.body.items.filter((i) => i.processId === processId).map((i) => i.kind).join(', ')})`);
    return task;
  }, 30_000);
}

/** Waits for the next task of `kind` and decides it; fails unless the API accepts the decision. */
export async function decideNext(stack: TestStack, processId: string, kind: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) {
  const task = await nextTask(stack, processId, kind, as);
  const response = await completeTask(stack, task.id, as, { outcome, form, ...(reasons ? { reasons } : {}) });
  if (response.status !== 200) throw new Error(`${kind} ${outcome}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

export const detailedPlan = [
  { service: 'gardening', scope: ['flowerbeds by Elm House'], standards: 'Beds weeded weekly from March to October', annualPayment: 120_000, deliveryMode: 'residents' },
  {
    service: 'window_cleaning',
    scope: ['Elm House', 'Oak House'],
    standards: 'Communal windows cleaned monthly',
    annualPayment: 80_000,
    deliveryMode: 'contractor',
    quotes: [
      { supplier: 'Shine Windows Ltd', amountPence: 78_000, date: '2027-03-01' },
      { supplier: 'Clearview Cleaning', amountPence: 91_500, date: '2027-03-04' },
    ],
  },
];
export const TRAINING = 'Two residents on a first-aid course; the adviser shows the treasurer the council payment forms';
export const responsibilities = {
  groupResponsibilities: 'Deliver the services to the specification, report quarterly, keep receipts',
  councilResponsibilities: 'Pay on the agreed dates, advise through the appointed adviser',
};
/** A policy that runs an LMA in seconds: a day of 100 ms, a term of 40 days with its review 15 days before the end. */
export const compressedLmaPolicy = {
  calendar: { kind: 'compressed', workingDayMs: 100 },
  reminderWorkingDaysBefore: 1,
  lma: { consultationDays: 2, termDays: 40, annualReviewDaysBeforeEnd: 15, paymentsPerTerm: 2, reportingPeriodsPerTerm: 2 },
};

/** Drives an LMA from the expression of interest to the stage where the agreement is prepared. */
export async function driveToPreparingAgreement(stack: TestStack, cast: LmaCast, legalForm = 'residents_association'): Promise<string> {
  const processId = await driveToDetailedPlan(stack, cast, legalForm);
  await decideNext(stack, processId, 'submit_detailed_plan', cast.rep, 'submit', { services: detailedPlan, training: TRAINING });
  await decideNext(stack, processId, 'approve_detailed_plan', cast.housingManager, 'approve');
  return processId;
}

/** Drives an LMA from the expression of interest to the group's detailed plan (§1.5), not yet submitted. */
export async function driveToDetailedPlan(stack: TestStack, cast: LmaCast, legalForm = 'residents_association'): Promise<string> {
  const processId = await startLma(stack, cast, legalForm);
  await decideNext(stack, processId, 'appoint_adviser', cast.housingManager, 'appoint', appointment.form);
  await decideNext(stack, processId, 'submit_outline_plan', cast.rep, 'submit', { summary: 'We will look after the flowerbeds and the windows' });
  await decideNext(stack, processId, 'reply_to_outline_plan', cast.housingManager, 'accept', { indicativePayments: { gardening: 120_000, window_cleaning: 80_000 } });
  await decideNext(stack, processId, 'report_test_of_support', cast.rep, 'submit', { meetingsHeld: 2, householdsContacted: 120, skillsAssessment: 'Two gardeners, one bookkeeper' });
  return processId;
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
