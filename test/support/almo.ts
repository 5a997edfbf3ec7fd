import { calendarDateOf } from '../../workflows/common/format';
import { councilName } from './lma';
import { callApi, uniqueCouncil, type TestStack, type TestUser } from './stack';
import { decide } from './tasks';

// An ALMO establishment driven through its steps, for its own tests and for the options review's.

/**
 * A day of 100 ms; Section 27 chased and escalated after a week (0.5 s); other steps due in 1.5 s; the
 * Management Agreement's review opens 59 months before the end of its 5-year term, a compressed month
 * (3 s) after launch, whatever the time of day.
 */
export const compressedAlmoPolicy = {
  calendar: { kind: 'compressed', workingDayMs: 100 },
  reminderWorkingDaysBefore: 1,
  almo: { councilStepWorkingDays: 15, section27DecisionWeeks: 1, reviewNoticeMonths: 59 },
  sla: { benchmarkWorkingDays: 15, responseWorkingDays: 15 },
};

export interface AlmoCast {
  council: string;
  programmeManager: TestUser;
  cabinet: TestUser;
  scrutineer: TestUser;
  finance: TestUser;
  almoBoard: TestUser;
  legal: TestUser;
  housingManager: TestUser;
  liaison: TestUser;
  legalLead: TestUser;
  auditor: TestUser;
}

/** A council of its own, named, with everyone an ALMO's set-up needs, and `policy` as its policy. */
export async function almoCast(stack: TestStack, policy: object = compressedAlmoPolicy): Promise<AlmoCast> {
  const council = uniqueCouncil();
  await stack.prisma.council.create({ data: { slug: council, name: councilName(council), updatedAt: new Date() } });
  const user = (role: Parameters<TestStack['user']>[0]['role'], name?: string) => stack.user({ council, role, ...(name ? { name } : {}) });
  const cast: AlmoCast = {
    council,
    programmeManager: await user('programme_manager', 'Sam Patel'),
    cabinet: await user('cabinet', 'Democratic Services'),
    scrutineer: await user('scrutineer', 'Electoral Reform Services'),
    finance: await user('finance'),
    almoBoard: await user('almo_board', 'Ann Lee'),
    legal: await user('legal_services'),
    housingManager: await user('housing_manager'),
    liaison: await user('liaison'),
    legalLead: await user('service_lead', 'Head of Legal'),
    auditor: await stack.user({ council: '*', role: 'auditor' }),
  };
  const set = await callApi(stack.baseUrl, 'PUT', `/councils/${council}/policy`, { as: cast.programmeManager, body: policy });
  if (set.status !== 200) throw new Error(`policy: ${set.status} ${JSON.stringify(set.body)}`);
  return cast;
}

export const ALMO = 'Riverside Homes';
/** Today's date in London: what the service counts dates people enter against, whatever the hour. */
export const today = () => calendarDateOf(new Date().toISOString());
export const monthsAfter = (date: string, months: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.toISOString().slice(0, 10);
};
export const daysAfter = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export async function startAlmo(stack: TestStack, cast: AlmoCast, almo = ALMO): Promise<string> {
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
    as: cast.programmeManager,
    body: { kind: 'almo', council: cast.council, almo, stock: { dwellings: 9_000, leaseholders: 1_200 } },
  });
  if (started.status !== 201) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body.processId;
}

/** The appraisal, the adviser and the method (a ballot), up to the test of opinion's result. */
export async function driveToTestResult(stack: TestStack, cast: AlmoCast, processId: string): Promise<void> {
  await decide(
    stack,
    processId,
    'options-appraisal',
    cast.cabinet,
    'almo',
    { minuteReference: 'CAB/2026/41' },
    'Only an ALMO closes the Decent Homes funding gap with local support',
  );
  await decide(stack, processId, 'tenants-adviser', cast.programmeManager, 'appoint', {
    adviser: 'Jo Fairweather',
    organisation: 'Tenants First Advice',
  });
  await decide(stack, processId, 'test-of-opinion-method', cast.programmeManager, 'ballot');
}

export const SUPPORTED_BALLOT = { eligible: 9_000, votesCast: 5_400, for: 3_900, against: 1_500 };
export const ROUND_3_BID = {
  round: 3,
  dwellings: 9_000,
  borrowingApprovalPence: 12_000_000_00,
  hraAllowancePence: 3_500_000_00,
  buildingCostsModel: 'BCM-2026-07',
};

/** From the start to the set-up workstreams, with a supported ballot and a round 3 bid. */
export async function driveToSetUp(stack: TestStack, cast: AlmoCast, processId: string): Promise<void> {
  await driveToTestResult(stack, cast, processId);
  await decide(stack, processId, 'test-of-opinion-result', cast.scrutineer, 'record', SUPPORTED_BALLOT);
  await decide(stack, processId, 'decent-homes-bid', cast.finance, 'record', ROUND_3_BID);
}

export const BOARD = [
  { name: 'Grace Obi', place: 'tenant' },
  { name: 'Tom Reid', place: 'leaseholder' },
  { name: 'Cllr Maya Singh', place: 'council' },
  { name: 'Dr Ruth Hale', place: 'independent' },
];
const services = (cast: AlmoCast) => [
  {
    service: 'legal',
    serviceLead: { userId: cast.legalLead.userId, name: 'Head of Legal' },
    terms: {
      annualChargePence: 12_000_000,
      unitCostPence: 6_000,
      unit: 'hour of legal advice',
      kpis: [{ measure: 'advice within 5 working days', target: '95%' }],
    },
  },
  {
    service: 'it',
    serviceLead: { userId: cast.legalLead.userId, name: 'Head of Legal' },
    terms: { annualChargePence: 20_000_000, unitCostPence: 40_000, unit: 'user a year', kpis: [] },
  },
];

/** Every workstream but operational readiness's branding, with SLAs for legal and IT as first agreements. */
export async function driveWorkstreams(stack: TestStack, cast: AlmoCast, processId: string): Promise<void> {
  const d = (taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}) =>
    decide(stack, processId, taskId, as, outcome, form);
  await d('hra-finance', cast.finance, 'agree', { summary: 'Ring-fenced HRA; management fee set in the business plan' });
  await d('hra-almo-board', cast.almoBoard, 'agree', { summary: 'Agreed by the board on 3 March' });
  await d('central-services', cast.programmeManager, 'submit', { services: services(cast) });
  // The SLA process runs as a child: its tasks are this process's.
  for (const key of ['legal', 'it']) {
    await d(`sla-c1-benchmark-${key}`, cast.almoBoard, 'benchmark', {
      quartile: 2,
      comparatorUnitCostPence: key === 'legal' ? 5_500 : 38_000,
      qualityMeasures: [{ measure: 'satisfaction', value: '80%', benchmark: '78%' }],
    });
  }
  for (const key of ['legal', 'it']) {
    await d(`sla-c1-${key}-r1-almo`, cast.almoBoard, 'renew_as_is');
    await d(`sla-c1-${key}-r1-council`, cast.legalLead, 'accept');
  }
  await d('sla-c1-sign-off-almo', cast.almoBoard, 'sign', { signatory: 'Ann Lee', post: 'Chair of the shadow board' });
  await d('sla-c1-sign-off-council', cast.programmeManager, 'sign', { signatory: 'Priya Shah', post: 'Director of Resources' });
  await d('management-agreement', cast.legal, 'approve', { reference: 'MA-2027-01' });
  await d('shadow-board', cast.programmeManager, 'constitute', { members: BOARD });
  await d('board-training', cast.almoBoard, 'done', { summary: 'Two-day induction by the NFA' });
  for (const item of ['staff-transfer', 'it', 'offices'])
    await d(`readiness-${item}`, cast.housingManager, 'ready', { summary: `${item} ready` });
}

/** An ALMO set up, consented and launched today. */
export async function driveToLaunch(stack: TestStack, cast: AlmoCast, processId: string): Promise<void> {
  await driveToSetUp(stack, cast, processId);
  await driveWorkstreams(stack, cast, processId);
  await decide(stack, processId, 'readiness-branding', cast.housingManager, 'ready', { summary: 'New name and livery' });
  await decide(stack, processId, 'section-27-application-1', cast.programmeManager, 'submit', { summary: 'Application for consent' });
  await decide(stack, processId, 'section-27-decision-1', cast.liaison, 'granted');
  await decide(stack, processId, 'launch', cast.programmeManager, 'launch', { goLiveDate: today() });
}
