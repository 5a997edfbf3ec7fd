import { eventually } from './eventually';
import { callApi, uniqueCouncil, type TestStack, type TestUser } from './stack';
import { decideNext } from './tasks';

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
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
    as: cast.rep,
    body: { ...body, group: { ...body.group, legalForm } },
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
