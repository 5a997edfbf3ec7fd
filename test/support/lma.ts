import { eventually } from './eventually';
import { callApi, uniqueCouncil, type TestStack, type TestUser } from './stack';
import { completeTask, decideNext, nextTask } from './tasks';

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

/** Starts an LMA for the cast's group, or (`groupName`) another group of the council, which a programme manager starts. */
export async function startLma(stack: TestStack, cast: LmaCast, legalForm = 'residents_association', groupName?: string): Promise<string> {
  const body = expressionOfInterest(cast.council);
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
    as: groupName ? cast.programmeManager : cast.rep,
    body: { ...body, group: { ...body.group, legalForm, ...(groupName ? { name: groupName } : {}) } },
  });
  if (started.status !== 201) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body.processId;
}

/** The inbox id of the adviser appointment, once the task is in the inbox. */
export async function adviserTask(stack: TestStack, processId: string, as: TestUser): Promise<string> {
  return eventually(async () => {
    const inbox = await callApi<{ items: { id: string; processId: string }[] }>(stack.baseUrl, 'GET', '/tasks?role=housing_manager', {
      as,
    });
    const task = inbox.body.items.find((item) => item.processId === processId);
    if (!task) throw new Error(`task of ${processId} not in the inbox yet`);
    return task.id;
  });
}

export const detailedPlan = [
  {
    service: 'gardening',
    scope: ['flowerbeds by Elm House'],
    standards: 'Beds weeded weekly from March to October',
    annualPayment: 120_000,
    deliveryMode: 'residents',
  },
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
  await decideNext(stack, processId, 'submit_outline_plan', cast.rep, 'submit', {
    summary: 'We will look after the flowerbeds and the windows',
  });
  await decideNext(stack, processId, 'reply_to_outline_plan', cast.housingManager, 'accept', {
    indicativePayments: { gardening: 120_000, window_cleaning: 80_000 },
  });
  await decideNext(stack, processId, 'report_test_of_support', cast.rep, 'submit', {
    meetingsHeld: 2,
    householdsContacted: 120,
    skillsAssessment: 'Two gardeners, one bookkeeper',
  });
  return processId;
}

export async function signBoth(stack: TestStack, cast: LmaCast, processId: string): Promise<void> {
  await decideNext(stack, processId, 'sign_agreement', cast.rep, 'sign');
  await decideNext(stack, processId, 'sign_agreement', cast.programmeManager, 'sign');
}

/** Everything between the detailed plan and the signed agreement, done as the rules want it. */
export async function prepareAndSign(stack: TestStack, cast: LmaCast, processId: string): Promise<void> {
  // The draft starts from the approved detailed plan: legal services send only what it adds.
  await decideNext(stack, processId, 'draft_agreement', cast.legal, 'approve', { ...responsibilities });
  await decideNext(stack, processId, 'confirm_insurance_and_safety', cast.housingManager, 'confirm', {
    insuredBy: 'group',
    cover: ['public_liability', 'theft', 'damage', 'injury'],
    healthAndSafety: 'Gloves and kneeling mats; no ladders above 2 m',
  });
  await decideNext(stack, processId, 'record_consultation_result', cast.housingManager, 'record', { for: 64, against: 12 });
  await signBoth(stack, cast, processId);
}

/** A term's work: its monitoring report, then its annual review with `outcome`. */
export async function runTerm(
  stack: TestStack,
  cast: LmaCast,
  processId: string,
  term: number,
  outcome: 'renew' | 'vary' | 'terminate',
  reasons?: string,
): Promise<void> {
  const report = await nextTask(stack, processId, 'submit_monitoring_report', cast.rep);
  if (report.taskId !== `report-t${term}-1`) throw new Error(`expected term ${term}'s report, found ${report.taskId}`);
  await completeTask(stack, report.id, cast.rep, {
    outcome: 'submit',
    form: { summary: `Term ${term}: all beds weeded, windows cleaned monthly` },
  });
  const review = await nextTask(stack, processId, 'annual_review', cast.housingManager);
  if (review.taskId !== `annual-review-t${term}`) throw new Error(`expected term ${term}'s review, found ${review.taskId}`);
  const decided = await completeTask(stack, review.id, cast.housingManager, {
    outcome,
    form: { performance: 'Met the specification', satisfaction: '87% satisfied' },
    ...(reasons ? { reasons } : {}),
  });
  if (decided.status !== 200) throw new Error(`annual review ${outcome}: ${decided.status} ${JSON.stringify(decided.body)}`);
}
