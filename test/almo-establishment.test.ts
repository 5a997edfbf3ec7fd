import type { ProcessView } from '../workflows/common/process';
import type { AlmoDetails } from '../workflows/almo/messages';
import { eventually } from './support/eventually';
import {
  BOARD,
  almoCast,
  daysAfter,
  driveToSetUp as driveToSetUpOf,
  driveToLaunch,
  driveToTestResult as driveToTestResultOf,
  driveWorkstreams as driveWorkstreamsOf,
  monthsAfter,
  startAlmo,
  SUPPORTED_BALLOT,
  today,
  type AlmoCast,
} from './support/almo';
import { documentText as documentTextOf, documentsOf as documentsOfProcess } from './support/documents';
import { callApi, startTestStack, type TestStack, type TestUser } from './support/stack';
import { recordRuns, runName } from './support/histories';
import { attempt as attemptTask, decide as decideTask, timelineOf, endedView } from './support/tasks';

// The ALMO establishment's version whose runs `RECORD_HISTORIES=almo npm test` records under test/histories/.
const CURRENT_ALMO_VERSION = 'almo-v2-writes-together';
let stack: TestStack;
let cast: AlmoCast;
beforeAll(async () => {
  stack = await startTestStack();
});
beforeEach(async () => {
  cast = await almoCast(stack);
});
afterAll(async () => {
  await stack.stop();
});

const decide = (processId: string, taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) =>
  decideTask(stack, processId, taskId, as, outcome, form, reasons);
const attempt = (processId: string, taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) =>
  attemptTask(stack, processId, taskId, as, outcome, form, reasons);
const viewOf = async (processId: string) =>
  (await callApi<ProcessView<AlmoDetails>>(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor })).body;
const stageIs = (processId: string, stage: string) =>
  eventually(async () => {
    const view = await viewOf(processId);
    expect(view.stage).toBe(stage);
    return view;
  });
const start = () => startAlmo(stack, cast);
const driveToTestResult = (processId: string) => driveToTestResultOf(stack, cast, processId);
const driveToSetUp = (processId: string) => driveToSetUpOf(stack, cast, processId);
const driveWorkstreams = (processId: string) => driveWorkstreamsOf(stack, cast, processId);
const board = BOARD;

const documentsOf = (processId: string) => documentsOfProcess(stack, processId, cast.auditor);
const documentText = (id: string) => documentTextOf(stack, id, cast.auditor);

describe('setting up an ALMO', () => {
  it('goes from the options appraisal through a ballot, set-up with first SLAs, Section 27 consent and launch to a 2-star inspection that releases the funding', async () => {
    const processId = await start();
    expect(processId).toBe(`almo:${cast.council}:riverside-homes`);
    await driveToTestResult(processId);
    await decide(processId, 'test-of-opinion-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      votesCast: 5_400,
      for: 3_900,
      against: 1_500,
    });
    await decide(processId, 'decent-homes-bid', cast.finance, 'record', {
      round: 3,
      dwellings: 9_000,
      borrowingApprovalPence: 12_000_000_00,
      hraAllowancePence: 3_500_000_00,
      buildingCostsModel: 'BCM-2026-07',
    });
    const bidView = await stageIs(processId, 'set_up');
    expect(bidView.details.decentHomes?.conditions).toEqual({ section27Consent: 'outstanding', twoStarInspection: 'outstanding' });
    expect(bidView.details.testOfOpinion).toMatchObject({
      method: 'ballot',
      adviser: { name: 'Jo Fairweather' },
      result: { turnoutPercent: 60, supported: true },
    });

    await driveWorkstreams(processId);
    await decide(processId, 'section-27-application-1', cast.programmeManager, 'submit', {
      summary: 'Application for consent to the Management Agreement',
    });
    await decide(processId, 'section-27-decision-1', cast.liaison, 'granted');

    // Launch is refused while a workstream is open, naming it.
    const early = await attempt(processId, 'launch', cast.programmeManager, 'launch', { goLiveDate: today() });
    expect(early.status).toBe(409);
    expect(early.body.detail).toBe(
      'ALMO-R4: launch needs every set-up workstream done and Section 27 consent; still open: Operational readiness (PROCESSES.md §2.4-2.6)',
    );
    const setUp = await viewOf(processId);
    expect(Object.values(setUp.details.workstreams).map((w) => [w.name, w.done])).toEqual([
      ['HRA arrangements', true],
      ['SLAs for the central services', true],
      ['Management Agreement', true],
      ['Shadow board', true],
      ['Operational readiness', false],
    ]);
    expect(setUp.details.slas?.services).toEqual([
      { key: 'legal', name: 'Legal services', outcome: 'renewed', annualChargePence: 12_000_000 },
      { key: 'it', name: 'IT', outcome: 'renewed', annualChargePence: 20_000_000 },
    ]);
    await decide(processId, 'readiness-branding', cast.housingManager, 'ready', { summary: 'New name and livery' });
    // An ALMO cannot go live before the consent that lets it (granted today).
    const beforeConsent = await attempt(processId, 'launch', cast.programmeManager, 'launch', { goLiveDate: daysAfter(today(), -1) });
    expect(beforeConsent.status).toBe(409);
    expect(beforeConsent.body.detail).toMatch(/^ALMO-R4: the go-live date cannot be before Section 27 consent, granted on /);
    const goLive = today();
    await decide(processId, 'launch', cast.programmeManager, 'launch', { goLiveDate: goLive });

    // §2.7-2.8: the inspection is recorded, and 2 stars release the Decent Homes funding. Not before the
    // launch; held today, so its result can be recorded now, and marked as outside the expected window.
    const beforeLaunch = await attempt(processId, 'inspection-1-date', cast.liaison, 'schedule', { inspectionDate: daysAfter(goLive, -1) });
    expect(beforeLaunch).toMatchObject({
      status: 409,
      body: { detail: expect.stringMatching(/^the inspection cannot be before the launch on /) },
    });
    await decide(processId, 'inspection-1-date', cast.liaison, 'schedule', {
      inspectionDate: goLive,
      otherEvents: [{ kind: 'internal_audit', name: 'Repairs audit', date: monthsAfter(goLive, 6) }],
    });
    await decide(processId, 'inspection-1-result', cast.liaison, 'record', {
      stars: 2,
      prospects: 'promising',
      reportReference: 'HI/2028/117',
    });
    const funded = await stageIs(processId, 'operating');
    expect(funded.details.decentHomes).toMatchObject({
      conditions: { section27Consent: 'met', twoStarInspection: 'met' },
      released: { totalPence: 15_500_000_00 },
    });
    expect(funded.details.inspections).toMatchObject([
      {
        round: 1,
        clashes: [],
        outsideExpectedWindow: true,
        expected: { from: monthsAfter(goLive, 12), to: monthsAfter(goLive, 18) },
        result: { stars: 2 },
      },
    ]);
    // The rules state the figures in force for this process: its support rule, bid round and passing stars.
    const rules = await callApi<{ rules: { rule: string }[] }>(stack.baseUrl, 'GET', `/processes/${processId}/rules`, { as: cast.auditor });
    expect(rules.body.rules.map((r) => r.rule)).toEqual([
      'ALMO-R1 tenants’ test of opinion, with an Independent Tenants Adviser, supported by a majority of the votes cast',
      'ALMO-R2 a Building Costs Model from bid round 3 on',
      expect.stringMatching(/^ALMO-R3 /),
      expect.stringMatching(/^ALMO-R4 /),
      'ALMO-R5 Decent Homes funding released only after Section 27 consent and at least 2 stars at inspection',
    ]);
    const released = await stack.mailbox.waitFor(
      (m) => m.subject.startsWith('2 stars: the Decent Homes funding of £15,500,000.00 is released') && m.text.includes(processId),
    );
    expect(released.to).toEqual([cast.almoBoard.email, cast.finance.email, cast.programmeManager.email].sort());

    const documents = await documentsOf(processId);
    const kinds = new Set(documents.map((d) => d.kind));
    for (const kind of [
      'options_appraisal_decision',
      'test_of_opinion_result_notice',
      'section_27_application_pack',
      'launch_notice',
      'inspection_outcome',
      'funding_release_letter',
      'service_level_agreement',
      'sla_impact_report',
    ])
      expect(kinds).toContain(kind);
    const letter = await documentText(documents.find((d) => d.kind === 'funding_release_letter')!.id);
    expect(letter).toContain('The Decent Homes funding of round 3 is released: £15,500,000.00 in all.');
    expect(letter).toContain('Housing Inspectorate: 2 stars');
    expect(await documentText(documents.find((d) => d.kind === 'test_of_opinion_result_notice')!.id)).toContain(
      '3900 for, 1500 against, of 5400 votes cast by 9000 eligible (turnout 60%)',
    );
    const pack = await documentText(documents.find((d) => d.kind === 'section_27_application_pack')!.id);
    expect(pack).toContain('Round 3, 9000 dwellings');
    expect(pack).toContain('Building Costs Model: BCM-2026-07');
    const launchNotice = await documentText(documents.find((d) => d.kind === 'launch_notice')!.id);
    expect(launchNotice).toContain('MA-2027-01: a 5-year term from');
    expect(launchNotice).toContain('Tom Reid (leaseholder)');

    // §2.9: the Management Agreement's review (open a compressed month after launch here) ends the process.
    await decide(processId, 'management-agreement-review', cast.programmeManager, 'renew', {}, 'Good performance; renew for five years');
    const ended = await endedView(stack, processId, cast.auditor);
    expect(ended.stage).toBe('agreement_reviewed');
    const timeline = await timelineOf(stack, processId, cast.auditor);
    expect(timeline.map((e) => e.summary)).toContain(
      'Workstream done: Operational readiness (staff transfer, IT, offices and branding ready)',
    );
    expect(timeline.at(-1)).toMatchObject({ kind: 'process_finished' });

    // Every run, the SLA child and its negotiations included, replays.
    const replay = await callApi<{ runs: { deterministic: boolean }[] }>(stack.baseUrl, 'POST', `/processes/${processId}/replay`, {
      as: cast.auditor,
    });
    expect(replay.body.runs).toHaveLength(4);
    expect(replay.body.runs.every((r) => r.deterministic)).toBe(true);
    await recordRuns(stack, 'almo', processId, cast.auditor, (workflowId) => `${CURRENT_ALMO_VERSION}-${runName(processId, workflowId)}`);
  }, 180_000);

  it('refuses a test of opinion result that cannot be true, naming the field', async () => {
    const processId = await start();
    await driveToTestResult(processId);
    // Figures that cannot be true are refused, naming the field: more votes than voters, more for and against than votes.
    const moreVotes = await attempt(processId, 'test-of-opinion-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      votesCast: 9_001,
      for: 3_900,
      against: 1_500,
    });
    const moreForAndAgainst = await attempt(processId, 'test-of-opinion-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      votesCast: 5_400,
      for: 3_900,
      against: 1_501,
    });
    expect([moreVotes.status, JSON.stringify(moreVotes.body)]).toEqual([400, expect.stringContaining('"path":"form.votesCast"')]);
    expect([moreForAndAgainst.status, JSON.stringify(moreForAndAgainst.body)]).toEqual([400, expect.stringContaining('"path":"form.for"')]);
  }, 60_000);

  it('refuses a bid from round 3 on without its Building Costs Model, naming ALMO-R2', async () => {
    const processId = await start();
    await driveToTestResult(processId);
    await decide(processId, 'test-of-opinion-result', cast.scrutineer, 'record', SUPPORTED_BALLOT);
    // §2.3: from round 3 a bid needs its Building Costs Model.
    const noModel = await attempt(processId, 'decent-homes-bid', cast.finance, 'record', {
      round: 3,
      dwellings: 9_000,
      borrowingApprovalPence: 12_000_000_00,
      hraAllowancePence: 3_500_000_00,
    });
    expect(noModel).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:rule-violation' } });
    expect(noModel.body.detail).toMatch(/^ALMO-R2: .*Building Costs Model.*§2\.3/);
  }, 60_000);

  it('refuses a shadow board without a leaseholder place where the stock has leaseholders, naming ALMO-R3', async () => {
    const processId = await start();
    await driveToSetUp(processId);
    // §2.4d: where there are leaseholders, the shadow board has a leaseholder place.
    const noLeaseholder = await attempt(processId, 'shadow-board', cast.programmeManager, 'constitute', {
      members: board.filter((m) => m.place !== 'leaseholder'),
    });
    expect(noLeaseholder.status).toBe(409);
    expect(noLeaseholder.body.detail).toMatch(
      /^ALMO-R3: the stock has 1200 leaseholders, so the shadow board has at least one leaseholder place/,
    );
  }, 60_000);

  it('ends with a result notice when the tenants vote no, and when the cabinet chooses another option', async () => {
    const processId = await start();
    await driveToTestResult(processId);
    await decide(processId, 'test-of-opinion-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      votesCast: 4_100,
      for: 1_700,
      against: 2_400,
    });
    const ended = await stageIs(processId, 'not_supported');
    expect(ended.status).toBe('completed');
    const notice = (await documentsOf(processId)).find((d) => d.kind === 'test_of_opinion_result_notice');
    expect(await documentText(notice!.id)).toContain('Tenants do not support the ALMO: the process ends here.');

    const other = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.programmeManager,
      body: { kind: 'almo', council: cast.council, almo: 'Eastside Homes', stock: { dwellings: 4_000, leaseholders: 0 } },
    });
    await decide(
      other.body.processId,
      'options-appraisal',
      cast.cabinet,
      'stock_transfer',
      { minuteReference: 'CAB/2026/42' },
      'A housing association offers more investment',
    );
    const transferred = await stageIs(other.body.processId, 'other_option_chosen');
    expect(transferred.details.appraisal).toMatchObject({ option: 'stock_transfer', minuteReference: 'CAB/2026/42' });
  }, 60_000);

  it('ends the programme on a refused Section 27 consent, withdrawing every open task, the SLA negotiations included', async () => {
    const processId = await start();
    await driveToSetUp(processId);
    // A lead who is no service_lead of the council is refused, naming the field: their SLA's tasks would be for nobody.
    const legal = (userId: string) => ({
      service: 'legal',
      serviceLead: { userId, name: 'Head of Legal' },
      terms: { annualChargePence: 12_000_000, unitCostPence: 6_000, unit: 'hour of legal advice', kpis: [] },
    });
    const nobody = await attempt(processId, 'central-services', cast.programmeManager, 'submit', {
      services: [legal(cast.liaison.userId)],
    });
    expect(nobody.status).toBe(400);
    expect(nobody.body.issues).toEqual([
      {
        path: 'form.services.0.serviceLead.userId',
        code: 'not_a_user_with_role',
        message: expect.stringContaining('is not a user holding the service_lead role'),
      },
    ]);
    await decide(processId, 'central-services', cast.programmeManager, 'submit', { services: [legal(cast.legalLead.userId)] });
    await decide(processId, 'sla-c1-benchmark-legal', cast.almoBoard, 'benchmark', {
      quartile: 2,
      comparatorUnitCostPence: 5_500,
      qualityMeasures: [{ measure: 'satisfaction', value: '80%', benchmark: '78%' }],
    });
    await decide(processId, 'section-27-application-1', cast.programmeManager, 'submit', { summary: 'Application for consent' });
    await decide(
      processId,
      'section-27-decision-1',
      cast.liaison,
      'refused',
      {},
      'The business plan does not show the Decent Homes standard met by 2010',
    );
    const refusalReasons = await attempt(processId, 'section-27-refused-1', cast.cabinet, 'end_programme', {
      minuteReference: 'CAB/2027/03',
    });
    expect(refusalReasons.status).toBe(400);
    await decide(
      processId,
      'section-27-refused-1',
      cast.cabinet,
      'end_programme',
      { minuteReference: 'CAB/2027/03' },
      'No prospect of consent this round',
    );

    const ended = await stageIs(processId, 'section_27_refused');
    expect(ended.status).toBe('completed');
    expect(ended.details.section27).toMatchObject({
      decision: 'refused',
      reasons: 'The business plan does not show the Decent Homes standard met by 2010',
    });
    // Nothing is left in the inbox: the workstreams' tasks, the launch and the SLA negotiation are withdrawn.
    await eventually(async () => expect(await stack.prisma.task.count({ where: { processId, status: 'open' } })).toBe(0));
    const cancelled = await stack.prisma.task.findMany({ where: { processId, status: 'cancelled' }, select: { taskKey: true } });
    // Sign-off was never open: it opens once every service has an outcome.
    expect(cancelled.map((t) => t.taskKey)).toEqual(
      expect.arrayContaining(['launch', 'management-agreement', 'shadow-board', 'sla-c1-legal-r1-almo']),
    );
    expect(cancelled.map((t) => t.taskKey)).not.toContain('sla-c1-sign-off-council');
    expect((await timelineOf(stack, processId, cast.auditor)).at(-1)).toMatchObject({
      kind: 'process_finished',
      summary: 'Section 27 consent refused; the council ended the programme: No prospect of consent this round',
    });
    // The process, its SLA child and that child's negotiation, each ended after withdrawing its tasks, replay.
    const replay = await callApi<{ runs: { deterministic: boolean }[] }>(stack.baseUrl, 'POST', `/processes/${processId}/replay`, {
      as: cast.auditor,
    });
    expect(replay.body.runs).toHaveLength(3);
    expect(replay.body.runs.every((r) => r.deterministic)).toBe(true);
    await recordRuns(
      stack,
      'almo',
      processId,
      cast.auditor,
      (workflowId) => `${CURRENT_ALMO_VERSION}-section-27-refused-${runName(processId, workflowId)}`,
    );
  }, 90_000);

  it('escalates a late Section 27 decision, flags an inspection clashing with an internal audit, and releases the funding at a 2-star re-inspection after 1 star', async () => {
    const processId = await start();
    await driveToSetUp(processId);
    await driveWorkstreams(processId);
    await decide(processId, 'readiness-branding', cast.housingManager, 'ready', { summary: 'New name and livery' });
    await decide(processId, 'section-27-application-1', cast.programmeManager, 'submit', { summary: 'Application for consent' });
    // §2.5 [7.1]: the decision is chased, then escalated to the programme manager.
    const title = "Record the Secretary of State's decision on Section 27 consent";
    const reminder = await stack.mailbox.waitFor((m) => m.subject.startsWith(`Reminder: ${title}`) && m.text.includes(processId));
    const escalation = await stack.mailbox.waitFor((m) => m.subject.startsWith(`Overdue: ${title}`) && m.text.includes(processId));
    expect(reminder.to).toEqual([cast.liaison.email]);
    expect(escalation.to).toEqual([cast.programmeManager.email]);
    await decide(processId, 'section-27-decision-1', cast.liaison, 'granted');
    const goLive = today();
    await decide(processId, 'launch', cast.programmeManager, 'launch', { goLiveDate: goLive });

    // An internal audit ten days after the inspection is flagged to the programme manager. The inspection
    // is held today (its result can be recorded today), as is the re-inspection below.
    const inspectionDate = goLive;
    await decide(processId, 'inspection-1-date', cast.liaison, 'schedule', {
      inspectionDate,
      otherEvents: [
        { kind: 'internal_audit', name: 'Internal audit of rent collection', date: daysAfter(inspectionDate, 10) },
        { kind: 'council_inspection', name: 'Gas safety', date: monthsAfter(inspectionDate, 3) },
      ],
    });
    const flag = await stack.mailbox.waitFor(
      (m) => m.subject.startsWith('Action needed: Inspection fatigue') && m.text.includes(processId),
    );
    expect(flag.to).toEqual([cast.programmeManager.email]);
    expect(flag.subject).toContain('clashes with Internal audit of rent collection');
    const flagged = await viewOf(processId);
    expect(flagged.details.inspections[0]?.clashes).toEqual([
      { kind: 'internal_audit', name: 'Internal audit of rent collection', date: daysAfter(inspectionDate, 10), daysApart: 10 },
    ]);
    await decide(processId, 'inspection-1-clash', cast.programmeManager, 'noted');

    // 1 star: an improvement plan and a re-inspection; 2 stars then release the funding.
    await decide(processId, 'inspection-1-result', cast.liaison, 'record', {
      stars: 1,
      prospects: 'uncertain',
      reportReference: 'HI/2028/031',
    });
    await decide(processId, 'inspection-1-decision', cast.cabinet, 'improvement_plan', {
      minuteReference: 'CAB/2028/12',
      plan: 'Repairs call centre rebuilt; void turnaround to 21 days',
    });
    const improving = await stageIs(processId, 'inspection');
    expect(improving.details.improvementPlans).toMatchObject([
      { afterRound: 1, plan: 'Repairs call centre rebuilt; void turnaround to 21 days' },
    ]);
    expect(improving.details.decentHomes?.released).toBeUndefined();
    await decide(processId, 'inspection-2-date', cast.liaison, 'schedule', { inspectionDate });
    await decide(processId, 'inspection-2-result', cast.liaison, 'record', {
      stars: 2,
      prospects: 'promising',
      reportReference: 'HI/2029/044',
    });
    const funded = await stageIs(processId, 'operating');
    expect(funded.details.inspections.map((i) => i.result?.stars)).toEqual([1, 2]);
    expect(funded.details.decentHomes).toMatchObject({ conditions: { twoStarInspection: 'met' }, released: { totalPence: 15_500_000_00 } });
    const outcomes = (await documentsOf(processId)).filter((d) => d.kind === 'inspection_outcome');
    expect(outcomes).toHaveLength(2);
  }, 120_000);
  it('refuses an inspection result before the day of the inspection, saying when it can be recorded, and dates no outcome', async () => {
    const processId = await startAlmo(stack, cast);
    await driveToLaunch(stack, cast, processId);
    const inspectionDate = monthsAfter(today(), 14);
    await decide(processId, 'inspection-1-date', cast.liaison, 'schedule', { inspectionDate });
    const early = await attempt(processId, 'inspection-1-result', cast.liaison, 'record', {
      stars: 2,
      prospects: 'promising',
      reportReference: 'HI/2028/117',
    });
    expect(early).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:rule-violation' } });
    expect(early.body.detail).toBe(
      `the inspection is on ${new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${inspectionDate}T00:00:00Z`))}: its result can be recorded from that day`,
    );
    expect((await documentsOf(processId)).filter((d) => d.kind === 'inspection_outcome')).toEqual([]);
    expect((await viewOf(processId)).details.decentHomes?.released).toBeUndefined();
  }, 120_000);
});
