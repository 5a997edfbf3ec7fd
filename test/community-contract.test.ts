import { inboxTaskId } from '../workflows/common/engine-types';
import { organisationKeyOf } from '../workflows/common/process';
import type { ProcessView } from '../workflows/common/process';
import type { CommunityContractDetails } from '../workflows/communitycontract/messages';
import { documentText, documentsOf } from './support/documents';
import { eventually } from './support/eventually';
import { recordRuns } from './support/histories';
import { councilName } from './support/lma';
import { callApi, startTestStack, uniqueCouncil, type TestStack, type TestUser } from './support/stack';
import { attempt, completeTask, decide as decideTask, openTask, timelineOf } from './support/tasks';

// The community contract (PROCESSES.md §5) on the real server with a compressed policy: a day of
// 100 ms, so a month is 3 s; the champions report monthly and the standards are reviewed every two
// months (a year of the contract is two periods here).

// The version whose runs `RECORD_HISTORIES=communitycontract npm test` records under test/histories/.
const CURRENT_CONTRACT_VERSION = 'communitycontract-v1';
const compressedContractPolicy = {
  calendar: { kind: 'compressed', workingDayMs: 100 },
  reminderWorkingDaysBefore: 1,
  communitycontract: {
    groupStepWorkingDays: 20,
    councilStepWorkingDays: 20,
    signingWorkingDays: 20,
    reportEveryMonths: 1,
    reportWorkingDays: 20,
    reviewEveryMonths: 2,
    stage1AcknowledgeWorkingDays: 5,
    stage1AnswerWorkingDays: 10,
    stage2AcknowledgeWorkingDays: 5,
    stage2AnswerWorkingDays: 20,
  },
};

const GROUP = 'Plains Farm Residents Association';
const PARTNERS = {
  streets: { organisation: 'Street Services', kind: 'council_service', actsForIt: 'Pat Okafor' },
  police: { organisation: 'Northumbria Police', kind: 'police', actsForIt: 'Sergeant Lee' },
  landlord: { organisation: 'Home Group', kind: 'landlord', actsForIt: 'Jo Grant' },
} as const;
type PartnerName = keyof typeof PARTNERS;

interface Cast {
  council: string;
  programmeManager: TestUser;
  housingManager: TestUser;
  residents: TestUser;
  auditor: TestUser;
  partners: Record<PartnerName, TestUser>;
}

let stack: TestStack;
let cast: Cast;
beforeAll(async () => {
  stack = await startTestStack();
});
beforeEach(async () => {
  const council = uniqueCouncil();
  await stack.prisma.council.create({ data: { slug: council, name: councilName(council), updatedAt: new Date() } });
  const partner = (name: PartnerName) =>
    stack.user({ council, role: 'partner', groupKey: organisationKeyOf(PARTNERS[name].organisation), name: PARTNERS[name].actsForIt });
  cast = {
    council,
    programmeManager: await stack.user({ council, role: 'programme_manager', name: 'Sam Patel' }),
    housingManager: await stack.user({ council, role: 'housing_manager' }),
    residents: await stack.user({ council, role: 'resident_rep', groupKey: 'plains-farm-residents-association', name: 'Ann Reid' }),
    auditor: await stack.user({ council: '*', role: 'auditor' }),
    partners: { streets: await partner('streets'), police: await partner('police'), landlord: await partner('landlord') },
  };
  const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${council}/policy`, {
    as: cast.programmeManager,
    body: compressedContractPolicy,
  });
  expect(policy.status).toBe(200);
});
afterAll(async () => {
  await stack.stop();
});

const decide = (processId: string, taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) =>
  decideTask(stack, processId, taskId, as, outcome, form, reasons);
const viewOf = async (processId: string) =>
  (await callApi<ProcessView<CommunityContractDetails>>(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor })).body;
const stageIs = (processId: string, stage: string) =>
  eventually(async () => {
    const view = await viewOf(processId);
    expect(view.stage).toBe(stage);
    return view;
  }, 30_000);

const ladder = (putRightWithinWorkingDays: number, compensationUpToPence?: number) => ({
  putRightWithinWorkingDays,
  apology: true,
  ...(compensationUpToPence ? { compensationUpToPence } : {}),
});
/** A standard for each of the three priorities, street lighting and litter by the council's street services. */
const STANDARDS = [
  {
    priority: 'street_lighting',
    partner: 'Street Services',
    whatIsDone: 'a broken street light repaired',
    withinWorkingDays: 5,
    residentsCommit: ['reporting'],
    whatResidentsDo: 'report every light out on the council’s form',
    redress: ladder(5, 5_000),
  },
  {
    priority: 'anti_social_behaviour',
    partner: 'Northumbria Police',
    whatIsDone: 'a foot patrol of the estate',
    howOften: 'every week',
    residentsCommit: ['reporting', 'community_champions'],
    whatResidentsDo: 'report incidents, and champions meet the neighbourhood team monthly',
    redress: ladder(10),
  },
  {
    priority: 'anti_social_behaviour',
    partner: 'Home Group',
    whatIsDone: 'a report of nuisance from a tenancy answered',
    withinWorkingDays: 10,
    residentsCommit: ['reporting'],
    whatResidentsDo: 'report nuisance to Home Group',
    redress: ladder(10, 2_500),
  },
  {
    priority: 'litter',
    partner: 'Street Services',
    whatIsDone: 'streets swept and bins emptied',
    howOften: 'every week',
    residentsCommit: ['litter_picks', 'young_people_included'],
    whatResidentsDo: 'a litter pick each month, with the youth club',
    redress: ladder(3, 2_000),
  },
];
const KEYS = {
  lighting: 'street_lighting/street-services',
  police: 'anti_social_behaviour/northumbria-police',
  landlord: 'anti_social_behaviour/home-group',
  litter: 'litter/street-services',
};
const report = (missed: Partial<Record<keyof typeof KEYS, string>>) => ({
  reports: Object.entries(KEYS).map(([name, standard]) => {
    const what = missed[name as keyof typeof KEYS];
    return what ? { standard, outcome: 'missed', whatHappened: what, seenOn: '2026-11-20' } : { standard, outcome: 'met' };
  }),
});

/** Starts a contract for Plains Farm as its residents' group, and agrees its three priorities. */
async function startAndAgreePriorities(): Promise<string> {
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
    as: cast.residents,
    body: {
      kind: 'communitycontract',
      council: cast.council,
      neighbourhood: 'Plains Farm',
      area: 'the Plains Farm estate: Plains Road to Durham Road',
      group: GROUP,
      partners: [PARTNERS.landlord, PARTNERS.police, PARTNERS.streets],
    },
  });
  expect(started.status).toBe(201);
  const processId = started.body.processId;
  await decide(processId, 'y1-priorities-1', cast.residents, 'report', {
    engagement: [
      { method: 'meeting', heldOn: '2026-10-05', tookPart: 42, heard: 'Dark streets and gangs at the shops after school' },
      { method: 'walkabout', heldOn: '2026-10-12', tookPart: 11, heard: 'Litter behind the shops; six lights out' },
    ],
    priorities: [
      { topic: 'street_lighting', why: 'people do not walk home after dark' },
      { topic: 'anti_social_behaviour', why: 'gangs at the shops' },
      { topic: 'litter', why: 'behind the shops' },
    ],
  });
  await decide(processId, 'y1-agree-priorities-1', cast.programmeManager, 'agree', {
    agreedOn: '2026-10-20',
    agreedWith: 'Northumbria Police, Home Group and Street Services',
    priorities: [{ topic: 'street_lighting' }, { topic: 'anti_social_behaviour' }, { topic: 'litter' }],
    baseline: { complaintsLastYear: 120, satisfactionPercent: 41 },
  });
  return processId;
}

/** Waits for an email whose subject starts so, and answers to whom it went. */
const mailTo = async (subject: string) => (await stack.mailbox.waitFor((m) => m.subject.startsWith(subject))).to;

describe('a community contract', () => {
  it('is agreed and signed by every partner, keeps two redress cases apart (one escalated, one disputed at stage 2), and is revised and renewed at its review', async () => {
    const processId = await startAndAgreePriorities();

    // CC-R2: every agreed priority has a standard.
    const withoutLitter = await attempt(stack, processId, 'y1-standards-1', cast.programmeManager, 'set', {
      standards: STANDARDS.slice(0, 3),
    });
    expect(withoutLitter.status).toBe(409);
    expect(JSON.stringify(withoutLitter.body)).toContain('CC-R2: every agreed priority has a standard; without one: Litter');
    await decide(processId, 'y1-standards-1', cast.programmeManager, 'set', { standards: STANDARDS });

    // Each partner signs for its own organisation only, and sees only its own tasks.
    const policeInbox = await eventually(async () => {
      const inbox = await callApi<{ items: { taskId: string }[] }>(stack.baseUrl, 'GET', `/tasks?status=open&page_size=100`, {
        as: cast.partners.police,
      });
      expect(inbox.body.items.length).toBeGreaterThan(0);
      return inbox.body.items.map((t) => t.taskId);
    });
    expect(policeInbox).toEqual(['y1-sign-1-northumbria-police']);
    const notTheirs = await completeTask(stack, inboxTaskId(processId, 'y1-sign-1-home-group'), cast.partners.police, {
      outcome: 'sign',
      form: { signatory: 'Sergeant Lee', post: 'Neighbourhood sergeant' },
    });
    expect(notTheirs.status).toBe(404);
    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.partners.police })).status).toBe(404);

    const signature = (signatory: string, post: string) => ({ signatory, post });
    await decide(processId, 'y1-sign-1-residents', cast.residents, 'sign', signature('Ann Reid', 'Chair'));
    await decide(
      processId,
      'y1-sign-1-northumbria-police',
      cast.partners.police,
      'sign',
      signature('Sergeant Lee', 'Neighbourhood sergeant'),
    );
    await decide(processId, 'y1-sign-1-home-group', cast.partners.landlord, 'sign', signature('Jo Grant', 'Housing manager'));
    await decide(processId, 'y1-sign-1-street-services', cast.partners.streets, 'sign', signature('Pat Okafor', 'Head of street services'));
    await stageIs(processId, 'in_force');

    // The contract is published: anyone can read it on the council's public page.
    const published = await callApi<{ items: { title: string; kind: string }[] }>(stack.baseUrl, 'GET', `/published/${cast.council}`);
    expect(published.body.items.map((d) => d.kind)).toEqual(['community_contract']);
    const contract = (await documentsOf(stack, processId, cast.auditor)).find((d) => d.kind === 'community_contract');
    const contractText = await documentText(stack, contract!.id, cast.auditor);
    expect(contractText).toContain('Priority 1: Street lighting');
    expect(contractText).toContain('Street Services: a broken street light repaired (within 5 working days of a report)');
    expect(contractText).toContain(
      'If it is missed: put right within 5 working days; an explanation and apology; compensation of up to £50.00',
    );

    // Period 1: street lighting missed, which opens case 1 for Street Services.
    await decide(
      processId,
      'y1-report-1',
      cast.residents,
      'report',
      report({ lighting: 'Three lights out on Plains Road for a fortnight' }),
    );
    // Late: its acknowledgement escalates to the programme manager.
    await eventually(async () => {
      const timeline = await timelineOf(stack, processId, cast.auditor);
      expect(timeline.some((e) => e.kind === 'escalation' && e.taskId === 'y1-case1-s1-acknowledge')).toBe(true);
    }, 30_000);
    await decide(processId, 'y1-case1-s1-acknowledge', cast.partners.streets, 'acknowledge');

    // Period 2: Home Group's standard missed, case 2, open beside case 1.
    await decide(
      processId,
      'y1-report-2',
      cast.residents,
      'report',
      report({ landlord: 'Nuisance from 14 Plains Road reported twice, no answer' }),
    );
    await openTask(stack, processId, 'y1-case2-s1-acknowledge', cast.partners.landlord);
    // A partner cannot act on another partner's case.
    const street = await completeTask(stack, inboxTaskId(processId, 'y1-case2-s1-acknowledge'), cast.partners.streets, {
      outcome: 'acknowledge',
      form: {},
    });
    expect(street.status).toBe(404);
    await decide(processId, 'y1-case2-s1-acknowledge', cast.partners.landlord, 'acknowledge');

    // CC-R3: redress within the standard's ladder (£50 for street lighting).
    const tooMuch = await attempt(stack, processId, 'y1-case1-s1-answer', cast.partners.streets, 'redress', {
      compensationPaidPence: 6_000,
    });
    expect(tooMuch.status).toBe(409);
    expect(JSON.stringify(tooMuch.body)).toContain('CC-R3: compensation for this standard is up to £50.00 a case');
    await decide(processId, 'y1-case1-s1-answer', cast.partners.streets, 'redress', {
      putRightOn: '2026-12-01',
      apology: 'We are sorry the lights were out so long',
      compensationPaidPence: 3_000,
    });
    await decide(processId, 'y1-case2-s1-answer', cast.partners.landlord, 'redress', { apology: 'We will answer within ten days' });
    await decide(processId, 'y1-case1-s1-residents', cast.residents, 'satisfied');
    expect(await mailTo('Redress case 1 closed')).toEqual([cast.partners.streets.email]);

    // Case 2: residents are not satisfied, so stage 2; Home Group disputes it and the programme manager decides.
    await decide(processId, 'y1-case2-s1-residents', cast.residents, 'not_satisfied', {}, 'An apology does not stop the nuisance');
    await decide(processId, 'y1-case2-s2-acknowledge', cast.partners.landlord, 'acknowledge');
    await decide(
      processId,
      'y1-case2-s2-answer',
      cast.partners.landlord,
      'dispute',
      {},
      'The nuisance was reported to the police, not to us',
    );
    await decide(processId, 'y1-case2-s2-dispute', cast.programmeManager, 'uphold_case', {}, 'Both reports went to Home Group’s own line');
    const upheldAnswer = await openTask(stack, processId, 'y1-case2-s2-answer-2', cast.partners.landlord);
    // Upheld: the partner answers with redress; it cannot dispute the same case again.
    const again = await completeTask(stack, upheldAnswer.id, cast.partners.landlord, { outcome: 'dispute', reasons: 'again' });
    expect(again.status).toBe(400);
    expect(JSON.stringify(again.body)).toContain("outcome 'dispute' is not one of: redress");
    await decide(processId, 'y1-case2-s2-answer-2', cast.partners.landlord, 'redress', {
      putRightOn: '2026-12-03',
      compensationPaidPence: 2_000,
    });
    await decide(processId, 'y1-case2-s2-residents', cast.residents, 'satisfied');

    // The review: the year's figures, and a revision of one standard that goes back through sign-off.
    const reviewing = await stageIs(processId, 'reviewing');
    const cases = reviewing.details.cases;
    expect(cases.map((c) => ({ number: c.number, standard: c.standard, stage: c.stage, closing: c.closing }))).toEqual([
      { number: 1, standard: KEYS.lighting, stage: 1, closing: 'redress_accepted' },
      { number: 2, standard: KEYS.landlord, stage: 2, closing: 'redress_accepted' },
    ]);
    expect(cases[1]?.dispute?.decision).toMatchObject({ outcome: 'uphold_case', by: { userId: cast.programmeManager.userId } });
    // The rules report of the year: every party signed, standards for every priority, redress within the ladders, the dispute decided.
    const rules = await callApi<{ rules: { rule: string; outcome: string }[] }>(stack.baseUrl, 'GET', `/processes/${processId}/rules`, {
      as: cast.auditor,
    });
    expect(rules.body.rules.map((r) => r.outcome)).toEqual(['met', 'met', 'met', 'met']);
    await decide(
      processId,
      'y1-review',
      cast.programmeManager,
      'revise',
      {
        complaintsThisYear: 85,
        satisfactionPercent: 58,
        awarenessPercent: 64,
        howResidentsWereTold: 'a leaflet to every door and the newsletter',
      },
      'Litter needs sweeping twice a week',
    );
    const revised = STANDARDS.map((s) => (s.priority === 'litter' ? { ...s, howOften: 'twice a week' } : s));
    await decide(processId, 'y1-standards-revision-1', cast.programmeManager, 'set', { standards: revised });
    // Only the residents and the partner whose standard changed sign again.
    await decide(processId, 'y1-sign-revision-1-residents', cast.residents, 'sign', signature('Ann Reid', 'Chair'));
    await decide(
      processId,
      'y1-sign-revision-1-street-services',
      cast.partners.streets,
      'sign',
      signature('Pat Okafor', 'Head of street services'),
    );
    const timeline = await timelineOf(stack, processId, cast.auditor);
    expect(timeline.filter((e) => e.kind === 'task_opened' && e.taskId?.startsWith('y1-sign-revision-')).map((e) => e.taskId)).toEqual([
      'y1-sign-revision-1-residents',
      'y1-sign-revision-1-street-services',
    ]);

    // Renewed: year 2 is a run of its own, with year 1's figures as they happened.
    const year2 = await eventually(async () => {
      const view = await viewOf(processId);
      expect(view.details.year).toBe(2);
      expect(view.stage).toBe('in_force');
      return view;
    }, 30_000);
    expect(year2.details.standards.find((s) => s.key === KEYS.litter)?.howOften).toBe('twice a week');
    const [year1] = year2.details.pastYears;
    expect(year1?.outcome).toBe('revise');
    const figure = (key: string) => year1?.figures.standards.find((f) => f.standard === key);
    expect(figure(KEYS.lighting)).toMatchObject({
      reports: 2,
      met: 1,
      missed: 1,
      casesOpened: 1,
      casesResolved: 1,
      compensationPaidPence: 3_000,
    });
    expect(figure(KEYS.landlord)).toMatchObject({
      reports: 2,
      met: 1,
      missed: 1,
      casesOpened: 1,
      casesResolved: 1,
      compensationPaidPence: 2_000,
    });
    expect(figure(KEYS.police)).toMatchObject({ reports: 2, met: 2, missed: 0, casesOpened: 0, compensationPaidPence: 0 });
    expect(year1?.figures.totals).toMatchObject({
      reports: 8,
      met: 6,
      missed: 2,
      casesOpened: 2,
      casesResolved: 2,
      compensationPaidPence: 5_000,
    });
    // Each case's days to resolve, as recorded; the median of two is their mean.
    const days = cases.map((c) => (Date.parse(c.closedAt!) - Date.parse(c.openedAt)) / 100);
    expect(year1?.figures.totals.medianDaysToResolve).toBeCloseTo((days[0]! + days[1]!) / 2, 0);

    const reviewReport = await documentText(stack, year1!.reportId, cast.auditor);
    expect(reviewReport).toContain('In total 8 reports: 6 met, 2 missed; 2 redress cases opened, 2 resolved');
    expect(reviewReport).toContain('compensation paid £50.00');
    expect(reviewReport).toContain('Complaints: 85 this year, against 120 the year before the contract');

    await recordRuns(stack, 'communitycontract', processId, cast.auditor, () => `${CURRENT_CONTRACT_VERSION}-first-year`);
    // Year 2 runs on its own timers; the council ends it here.
    const cancelled = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'end of the test' },
    });
    expect(cancelled.status).toBe(200);
  }, 180_000);

  it('goes on without a partner that will not sign only by the programme manager’s decision, with reasons', async () => {
    const processId = await startAndAgreePriorities();
    await decide(processId, 'y1-standards-1', cast.programmeManager, 'set', { standards: STANDARDS });
    await decide(processId, 'y1-sign-1-residents', cast.residents, 'sign', { signatory: 'Ann Reid', post: 'Chair' });
    await decide(
      processId,
      'y1-sign-1-northumbria-police',
      cast.partners.police,
      'decline',
      {},
      'Patrols are set by the force, not by contract',
    );
    await decide(processId, 'y1-sign-1-home-group', cast.partners.landlord, 'sign', { signatory: 'Jo Grant', post: 'Housing manager' });
    await decide(processId, 'y1-sign-1-street-services', cast.partners.streets, 'sign', { signatory: 'Pat Okafor', post: 'Head' });
    const refused = await openTask(stack, processId, 'y1-refused-1', cast.programmeManager);
    expect(refused.title).toContain('Northumbria Police will not sign');
    // Reasons are required to go on without it.
    expect((await completeTask(stack, refused.id, cast.programmeManager, { outcome: 'go_on_without' })).status).toBe(400);
    await decide(processId, 'y1-refused-1', cast.programmeManager, 'go_on_without', {}, 'Home Group covers anti-social behaviour');
    const inForce = await stageIs(processId, 'in_force');
    expect(inForce.details.standards.map((s) => s.key)).toEqual([KEYS.lighting, KEYS.landlord, KEYS.litter]);
    expect(inForce.details.partners.find((p) => p.organisation === 'Northumbria Police')?.leftOut).toMatchObject({
      reasons: 'Home Group covers anti-social behaviour',
      by: { userId: cast.programmeManager.userId },
    });
    const contract = (await documentsOf(stack, processId, cast.auditor)).find((d) => d.kind === 'community_contract');
    expect(await documentText(stack, contract!.id, cast.auditor)).not.toContain('Northumbria Police');
    await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'end of the test' },
    });
  }, 120_000);
});
