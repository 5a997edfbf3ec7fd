import { monthsLater } from '../workflows/common/policy';
import type { ProcessView } from '../workflows/common/process';
import type { SlaDetails } from '../workflows/sla/messages';
import { eventually } from './support/eventually';
import { councilName } from './support/lma';
import { pdfText } from './support/pdf';
import { documentText as documentTextOf, documentsOf as documentsOfProcess } from './support/documents';
import { callApi, startTestStack, uniqueCouncil, type TestStack, type TestUser } from './support/stack';
import { recordRuns, runName } from './support/histories';
import { attempt as attemptTask, decide as decideTask, openTask as openTaskOf, completeTask, timelineOf } from './support/tasks';
import { inboxTaskId } from '../workflows/common/engine-types';

// The SLA process's version whose runs `RECORD_HISTORIES=sla npm test` records under test/histories/.
const CURRENT_SLA_VERSION = 'sla-v3-writes-together';
const ALMO = 'Riverside Homes';
const DAY_MS = 100;
/** A day of 100 ms: a response is due in 1.5 s, a month is 3 s, the SLAs run two years (72 s). */
const compressedSlaPolicy = {
  calendar: { kind: 'compressed', workingDayMs: DAY_MS },
  reminderWorkingDaysBefore: 1,
  sla: {
    benchmarkWorkingDays: 15,
    responseWorkingDays: 15,
    maxRounds: 3,
    retractionNoticeMonths: 6,
    termMonths: 24,
    renegotiationMonthsBeforeExpiry: 6,
    deadlockDecisionWorkingDays: 15,
  },
};

interface SlaCast {
  council: string;
  programmeManager: TestUser;
  almoBoard: TestUser;
  cabinet: TestUser;
  auditor: TestUser;
  leads: Record<'legal' | 'it' | 'hr' | 'payroll', TestUser & { name: string }>;
}

let stack: TestStack;
let cast: SlaCast;
beforeAll(async () => {
  stack = await startTestStack();
});
beforeEach(async () => {
  const council = uniqueCouncil();
  await stack.prisma.council.create({ data: { slug: council, name: councilName(council), updatedAt: new Date() } });
  const lead = async (name: string) => ({ ...(await stack.user({ council, role: 'service_lead', name })), name });
  cast = {
    council,
    programmeManager: await stack.user({ council, role: 'programme_manager', name: 'Sam Patel' }),
    almoBoard: await stack.user({ council, role: 'almo_board', name: 'Ann Lee' }),
    cabinet: await stack.user({ council, role: 'cabinet' }),
    auditor: await stack.user({ council: '*', role: 'auditor' }),
    leads: {
      legal: await lead('Head of Legal'),
      it: await lead('Head of IT'),
      hr: await lead('Head of HR'),
      payroll: await lead('Payroll Manager'),
    },
  };
  const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${council}/policy`, {
    as: cast.programmeManager,
    body: compressedSlaPolicy,
  });
  expect(policy.status).toBe(200);
});
afterAll(async () => {
  await stack.stop();
});

const kpis = [{ measure: 'advice within 5 working days', target: '95%' }];
const terms = (annualChargePence: number, unitCostPence: number, unit: string, kpiList = kpis) => ({
  annualChargePence,
  unitCostPence,
  unit,
  kpis: kpiList,
});
const slaSet = (opts: { services?: string[]; opens?: string; currentExpiry?: string } = {}) => {
  const all = {
    legal: {
      service: 'legal',
      serviceLead: { userId: cast.leads.legal.userId, name: cast.leads.legal.name },
      terms: terms(12_000_000, 6_000, 'hour of legal advice', []),
    },
    it: {
      service: 'it',
      serviceLead: { userId: cast.leads.it.userId, name: cast.leads.it.name },
      terms: terms(20_000_000, 40_000, 'user a year'),
    },
    hr: {
      service: 'hr',
      serviceLead: { userId: cast.leads.hr.userId, name: cast.leads.hr.name },
      terms: terms(8_000_000, 5_000, 'employee a year'),
    },
    payroll: {
      service: 'payroll',
      serviceLead: { userId: cast.leads.payroll.userId, name: cast.leads.payroll.name },
      terms: terms(3_000_000, 500, 'payslip'),
    },
  } as const;
  return {
    kind: 'sla',
    council: cast.council,
    almo: ALMO,
    purpose: 'renegotiation',
    ...(opts.opens ? { opens: opts.opens } : {}),
    ...(opts.currentExpiry ? { currentExpiry: opts.currentExpiry } : {}),
    services: (opts.services ?? Object.keys(all)).map((key) => all[key as keyof typeof all]),
  };
};

async function startSla(body: ReturnType<typeof slaSet>, as: TestUser = cast.programmeManager): Promise<string> {
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', { as, body });
  if (started.status !== 201) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body.processId;
}

const viewOf = async (processId: string) =>
  (await callApi<ProcessView<SlaDetails>>(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor })).body;

const openTask = async (processId: string, taskId: string, as: TestUser) => (await openTaskOf(stack, processId, taskId, as)).id;
const decide = (processId: string, taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) =>
  decideTask(stack, processId, taskId, as, outcome, form, reasons);

const quality = [{ measure: 'satisfaction with advice', value: '71%', benchmark: '80%' }];
const signOff = {
  almo: { signatory: 'Ann Lee', post: 'Chair of the board' },
  council: { signatory: 'Priya Shah', post: 'Director of Resources' },
};

const documentsOf = (processId: string) => documentsOfProcess(stack, processId, cast.auditor);
const documentText = (id: string) => documentTextOf(stack, id, cast.auditor);

type ServiceKey = 'legal' | 'it' | 'hr' | 'payroll';
/** How each service is benchmarked (§4.2): against a quartile, or (IT) market tested. */
const BENCHMARKS: Record<ServiceKey, { outcome: string; form: Record<string, unknown> }> = {
  legal: { outcome: 'benchmark', form: { quartile: 4, comparatorUnitCostPence: 4_500, qualityMeasures: quality } },
  it: {
    outcome: 'market_test',
    form: {
      quotes: [
        { supplier: 'Shared IT Ltd', annualChargePence: 15_000_000, unitCostPence: 30_000 },
        { supplier: 'Cloudwise', annualChargePence: 17_000_000, unitCostPence: 34_000 },
      ],
    },
  },
  hr: { outcome: 'benchmark', form: { quartile: 2, comparatorUnitCostPence: 5_000, qualityMeasures: quality } },
  payroll: { outcome: 'benchmark', form: { quartile: 3, comparatorUnitCostPence: 400, qualityMeasures: quality } },
};

/** Benchmarks each of the set's services: the set is then negotiating, a negotiation a service. */
async function benchmarkAll(processId: string, services: ServiceKey[]): Promise<ProcessView<SlaDetails>> {
  for (const key of services) await decide(processId, `c1-benchmark-${key}`, cast.almoBoard, BENCHMARKS[key].outcome, BENCHMARKS[key].form);
  return eventually(async () => {
    const view = await viewOf(processId);
    expect(view.stage).toBe('negotiating');
    return view;
  });
}

/** Starts a set of these services and drives it to negotiating (the named stage a negotiation's behaviour starts at). */
const driveToNegotiating = async (services: ServiceKey[]) => {
  const processId = await startSla(slaSet({ services }));
  await benchmarkAll(processId, services);
  return processId;
};

/** The inbox id of a sign-off task of cycle 1. */
const signOffTask = (processId: string, side: 'almo' | 'council') => inboxTaskId(processId, `c1-sign-off-${side}`);

describe('renegotiating the SLAs between a council and its ALMO', () => {
  it('benchmarks four services, negotiates them at once to four outcomes (one by deadlock), signs off and reports the impact', async () => {
    const processId = await startSla(slaSet());
    expect(processId).toBe(`sla:${cast.council}:riverside-homes`);
    const again = await callApi<{ processId: string; created: boolean }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.almoBoard,
      body: slaSet(),
    });
    expect(again).toMatchObject({ status: 200, body: { processId, created: false } });

    // §4.2: each service benchmarked against a quartile, or market tested.
    const negotiating = await benchmarkAll(processId, ['legal', 'it', 'hr', 'payroll']);
    const gaps = Object.fromEntries(negotiating.details.services.map((s) => [s.key, s.gap]));
    expect(gaps).toEqual({
      legal: { comparatorUnitCostPence: 4_500, unitCostGapPence: 1_500, annualGapPence: 3_000_000, percent: 25 },
      it: { comparatorUnitCostPence: 30_000, unitCostGapPence: 10_000, annualGapPence: 5_000_000, percent: 25 },
      hr: { comparatorUnitCostPence: 5_000, unitCostGapPence: 0, annualGapPence: 0, percent: 0 },
      payroll: { comparatorUnitCostPence: 400, unitCostGapPence: 100, annualGapPence: 600_000, percent: 20 },
    });
    const brief = (await documentsOf(processId)).find((d) => d.kind === 'sla_negotiation_brief');
    const briefText = await documentText(brief!.id);
    expect(briefText).toContain('Value-for-money gap: £15.00 per hour of legal advice (25% of the unit cost), £30,000.00 a year');
    expect(briefText).toContain('Market tested: Shared IT Ltd £150,000.00 a year at £300.00 per user a year');

    // HR: renewed as it is.
    await decide(processId, 'c1-hr-r1-almo', cast.almoBoard, 'renew_as_is');
    await decide(processId, 'c1-hr-r1-council', cast.leads.hr, 'accept');
    // IT: retracted; the ALMO buys it elsewhere after six months' notice.
    await decide(
      processId,
      'c1-it-r1-almo',
      cast.almoBoard,
      'retract',
      { buyingFrom: 'Shared IT Ltd' },
      'The market test shows a quarter off the unit cost',
    );
    // Legal: revised after two rounds.
    await decide(processId, 'c1-legal-r1-almo', cast.almoBoard, 'propose', { terms: terms(10_000_000, 5_000, 'hour of legal advice') });
    // The set's view shows where each negotiation stands: legal waits on its service lead.
    await eventually(async () =>
      expect((await viewOf(processId)).details.services.find((s) => s.key === 'legal')?.negotiation).toEqual({
        round: 1,
        awaiting: 'council',
        lastProposal: { by: 'almo', terms: terms(10_000_000, 5_000, 'hour of legal advice') },
      }),
    );
    await decide(processId, 'c1-legal-r1-council', cast.leads.legal, 'counter', {
      terms: terms(11_000_000, 5_500, 'hour of legal advice'),
    });
    await decide(processId, 'c1-legal-r2-almo', cast.almoBoard, 'propose', { terms: terms(10_500_000, 5_250, 'hour of legal advice') });
    await decide(processId, 'c1-legal-r2-council', cast.leads.legal, 'accept');
    // Payroll: deadlocked by the service lead, escalated to the chief executives, whose decision binds.
    await decide(processId, 'c1-payroll-r1-almo', cast.almoBoard, 'propose', { terms: terms(2_400_000, 400, 'payslip') });
    await decide(
      processId,
      'c1-payroll-r1-council',
      cast.leads.payroll,
      'declare_deadlock',
      {},
      'Below cost: payroll cannot run at £4.00 a payslip',
    );

    await decide(
      processId,
      'c1-payroll-deadlock',
      cast.programmeManager,
      'revise',
      {
        forumMembers: 'the chief executives of the council and of Riverside Homes',
        minuteReference: 'CEX/2027/04',
        terms: terms(2_700_000, 450, 'payslip'),
      },
      'Meet in the middle; payroll to be market tested again next cycle',
    );
    // Sign-off opens with every outcome in, due like any wait for a person.
    const signing = await openTaskOf(stack, processId, 'c1-sign-off-almo', cast.almoBoard);
    expect((await stack.prisma.task.findUniqueOrThrow({ where: { id: signing.id } })).dueAt).not.toBeNull();
    await decide(processId, 'c1-sign-off-almo', cast.almoBoard, 'sign', signOff.almo);
    // The council asks for HR to be negotiated again instead of signing: the board's signature is void,
    // HR's negotiation opens anew, and both sign again once it has an outcome.
    const unknownService = await attemptTask(
      stack,
      processId,
      'c1-sign-off-council',
      cast.programmeManager,
      'request_changes',
      { ...signOff.council, service: 'catering' },
      'No such service',
    );
    expect(unknownService).toMatchObject({
      status: 409,
      body: { detail: "request_changes names one of the set's services: legal, it, hr, payroll" },
    });
    await decide(
      processId,
      'c1-sign-off-council',
      cast.programmeManager,
      'request_changes',
      { ...signOff.council, service: 'hr' },
      'HR should carry a KPI on recruitment times',
    );
    const changing = await viewOf(processId);
    expect(changing).toMatchObject({
      stage: 'negotiating',
      details: {
        signOff: {},
        changesRequested: [{ side: 'council', serviceKey: 'hr', reasons: 'HR should carry a KPI on recruitment times' }],
      },
    });
    expect(changing.details.services.find((s) => s.key === 'hr')?.outcome).toBeUndefined();
    await decide(processId, 'c1-hr-n2-r1-almo', cast.almoBoard, 'propose', {
      terms: terms(8_000_000, 5_000, 'employee a year', [{ measure: 'posts filled within 8 weeks', target: '90%' }]),
    });
    await decide(processId, 'c1-hr-n2-r1-council', cast.leads.hr, 'accept');
    await decide(processId, 'c1-sign-off-almo-2', cast.almoBoard, 'sign', signOff.almo);
    await decide(processId, 'c1-sign-off-council-2', cast.programmeManager, 'sign', signOff.council);

    const inForce = await eventually(async () => {
      const view = await viewOf(processId);
      expect(view.stage).toBe('in_force');
      return view;
    });
    // Each party hears of each decision that concerns it: the IT lead of the retraction (they had no
    // task in it); the ALMO board of a lead's acceptance, the forum's decision and the sign-off; every
    // lead that the set is signed.
    const decisionEmail = (subject: string) =>
      stack.mailbox.waitFor((m) => m.subject === `Decision recorded: ${subject}` && m.text.includes(processId));
    expect((await decisionEmail("IT: the ALMO's proposal (round 1 of 3) — retract")).to).toContain(cast.leads.it.email);
    expect((await decisionEmail("Human resources: respond to the ALMO's offer to renew as it is (round 1 of 3) — accept")).to).toContain(
      cast.almoBoard.email,
    );
    const forum = await decisionEmail('Payroll: record the binding decision of the chief executives on the deadlock — revise');
    expect(forum.to).toEqual(expect.arrayContaining([cast.almoBoard.email, cast.leads.payroll.email]));
    const councilSigned = await decisionEmail(`Sign off the SLAs with ${ALMO} for the council (a director) — sign`);
    expect((await decisionEmail(`Sign off the SLAs with ${ALMO} for the council (a director) — request changes`)).to).toEqual(
      expect.arrayContaining([cast.almoBoard.email, cast.leads.hr.email]),
    );
    expect(councilSigned.to).toEqual(expect.arrayContaining([cast.almoBoard.email, ...Object.values(cast.leads).map((l) => l.email)]));

    const outcomes = Object.fromEntries(inForce.details.services.map((s) => [s.key, s.outcome]));
    expect(outcomes.hr).toMatchObject({
      kind: 'revised',
      rounds: 1,
      terms: { annualChargePence: 8_000_000, kpis: [{ measure: 'posts filled within 8 weeks' }] },
    });
    expect(outcomes.legal).toMatchObject({ kind: 'revised', rounds: 2, terms: { annualChargePence: 10_500_000, unitCostPence: 5_250 } });
    expect(outcomes.payroll).toMatchObject({
      kind: 'revised',
      terms: { annualChargePence: 2_700_000 },
      deadlock: { declaredBy: 'council', forum: 'chief_executives', minuteReference: 'CEX/2027/04' },
    });
    expect(outcomes.it).toMatchObject({ kind: 'retracted', retraction: { noticeMonths: 6, buyingFrom: 'Shared IT Ltd' } });
    // Six months' notice from the retraction (a compressed month is 30 days of 100 ms).
    expect(Date.parse(outcomes.it!.retraction!.noticeEndsAt) - Date.parse(outcomes.it!.decidedAt)).toBe(6 * 30 * DAY_MS);

    // §4.6: the impact report's sums are the outcomes' (before £430,000; after £105,000 + £80,000 + £27,000).
    const impact = inForce.details.impact!;
    expect(impact.services.map((s) => [s.key, s.beforePence, s.afterPence, s.changePence])).toEqual([
      ['legal', 12_000_000, 10_500_000, -1_500_000],
      ['it', 20_000_000, 0, -20_000_000],
      ['hr', 8_000_000, 8_000_000, 0],
      ['payroll', 3_000_000, 2_700_000, -300_000],
    ]);
    expect(impact).toMatchObject({
      totalBeforePence: 43_000_000,
      totalAfterPence: 21_200_000,
      totalChangePence: -21_800_000,
      totalChangePercent: -50.7,
    });
    expect(impact.boughtElsewhere).toEqual([
      { key: 'it', name: 'IT', noticeEndsAt: outcomes.it!.retraction!.noticeEndsAt, buyingFrom: 'Shared IT Ltd' },
    ]);
    // The next renegotiation is scheduled six months before the new SLAs expire.
    const agreement = inForce.details.agreement!;
    expect(Date.parse(agreement.expiresOn) - Date.parse(agreement.effectiveFrom)).toBe(24 * 30 * DAY_MS);
    expect(inForce.details.nextRenegotiationOpensAt).toBe(monthsLater(compressedSlaPolicy.calendar as never, agreement.expiresOn, -6));

    // One SLA per service kept, a retraction notice, the summary and the impact report.
    const documents = await documentsOf(processId);
    // A decision record states a proposal's terms as a person reads them: in pounds and words, not JSON in pence.
    const payrollProposal = await documentText(
      documents.find((d) => d.kind === 'decision_record' && d.title.startsWith("Decision record: Payroll: the ALMO's proposal"))!.id,
    );
    expect(payrollProposal).toContain('Terms: annual charge £24,000.00, unit cost £4.00, unit payslip');
    expect(payrollProposal).not.toMatch(/Pence|[{}"]/);
    expect(
      documents
        .filter((d) => d.kind === 'service_level_agreement')
        .map((d) => d.title)
        .sort(),
    ).toEqual(['Service Level Agreement: Human resources', 'Service Level Agreement: Legal services', 'Service Level Agreement: Payroll']);
    const legalSla = await documentText(documents.find((d) => d.title === 'Service Level Agreement: Legal services')!.id);
    for (const part of [
      `The council: ${councilName(cast.council)}`,
      `The ALMO: ${ALMO}`,
      '£105,000.00 a year',
      'Unit cost: £52.50 per hour of legal advice',
      'advice within 5 working days: 95%',
      'Effective date:',
      'Revised terms agreed after 2 rounds.',
      'Council service lead: Head of Legal',
      'Ann Lee, Chair of the board, for the ALMO board of Riverside Homes, signed on ',
      `Priya Shah, Director of Resources, for ${councilName(cast.council)}, signed on `,
    ]) {
      expect(legalSla).toContain(part);
    }
    expect(legalSla).toMatch(/From \d{1,2} [A-Z][a-z]+ \d{4} to \d{1,2} [A-Z][a-z]+ \d{4} \(24 months\)/);
    const payrollSla = await documentText(documents.find((d) => d.title === 'Service Level Agreement: Payroll')!.id);
    expect(payrollSla).toContain(
      'Decided on a deadlock by the chief executives (the chief executives of the council and of Riverside Homes), minute CEX/2027/04; the decision binds.',
    );
    const notice = await documentText(documents.find((d) => d.kind === 'sla_retraction_notice')!.id);
    expect(notice).toContain('The ALMO stops buying IT from the council and buys it from Shared IT Ltd.');
    expect(notice).toContain('The market test shows a quarter off the unit cost');
    const report = await documentText(documents.find((d) => d.kind === 'sla_impact_report')!.id);
    expect(report).toContain('Legal services: £120,000.00 to £105,000.00 (down £15,000.00), revised');
    expect(report).toContain('IT: £200,000.00 to £0.00 (down £200,000.00), retracted');
    expect(report).toContain('Human resources: £80,000.00 to £80,000.00 (no change), revised');
    expect(report).toContain('In total £430,000.00 to £212,000.00 (down £218,000.00, 50.7%)');
    expect(report).toMatch(/Services the ALMO now buys elsewhere IT \(from Shared IT Ltd\), from \d{1,2} [A-Z][a-z]+ \d{4}/);

    // The timeline tells each negotiation's turns and outcomes, the deadlock and its escalation.
    const timeline = await timelineOf(stack, processId, cast.auditor);
    const summaries = timeline.map((e) => e.summary);
    expect(summaries).toContain(
      "Outcome: IT: retracted; the ALMO buys it elsewhere (Shared IT Ltd) after 6 months' notice, ending " +
        new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(
          new Date(outcomes.it!.retraction!.noticeEndsAt),
        ),
    );
    expect(summaries.find((s) => s.startsWith('Payroll: deadlock'))).toBe(
      'Payroll: deadlock (declared by the council: Below cost: payroll cannot run at £4.00 a payslip); escalated to the chief executives',
    );
    expect(timeline.filter((e) => e.kind === 'decision' && e.taskId?.startsWith('c1-legal-')).map((e) => [e.taskId, e.outcome])).toEqual([
      ['c1-legal-r1-almo', 'propose'],
      ['c1-legal-r1-council', 'counter'],
      ['c1-legal-r2-almo', 'propose'],
      ['c1-legal-r2-council', 'accept'],
    ]);
    // The rules state the figures of the policy this process runs with, not "the policy's".
    const rules = await callApi<{ rules: { rule: string }[] }>(stack.baseUrl, 'GET', `/processes/${processId}/rules`, { as: cast.auditor });
    expect(rules.body.rules.map((r) => r.rule)).toEqual(
      expect.arrayContaining([
        'SLA-R2 at most 3 rounds of proposal and counter-proposal, each due in 15 working days, then deadlock',
        'SLA-R3 a deadlock is decided, bindingly, by the chief executives, within 15 working days',
      ]),
    );
    // The evidence pack states how each rule of the process stood.
    const pack = await fetch(`${stack.baseUrl}/processes/${encodeURIComponent(processId)}/evidence-pack`, {
      headers: { authorization: `Bearer ${cast.auditor.token}` },
    });
    const packText = pdfText(Buffer.from(await pack.arrayBuffer())).replace(/·?\s+/g, ' ');
    expect(packText).toContain(
      'Payroll: revised by the chief executives (Meet in the middle; payroll to be market tested again next cycle)',
    );
    expect(packText).toContain('Legal services: revised after 2 rounds');
    // Found by council, kind and stage.
    const found = await callApi<{ items: { processId: string }[] }>(
      stack.baseUrl,
      'GET',
      `/processes?council=${cast.council}&kind=sla&stage=in_force`,
      { as: cast.programmeManager },
    );
    expect(found.body.items.map((p) => p.processId)).toEqual([processId]);

    // §4.1 "or a party asks": the ALMO board asks to renegotiate now; the next cycle opens at once.
    const asked = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/renegotiation-requests`, {
      as: cast.almoBoard,
      body: { reasons: 'Payroll to be market tested again' },
    });
    expect(asked).toMatchObject({ status: 200, body: { stage: 'in_force', cycle: 1 } });
    await openTask(processId, 'c2-benchmark-legal', cast.almoBoard);
    const cycle2 = await viewOf(processId);
    expect(cycle2.details).toMatchObject({ cycle: 2, previousCycles: [{ cycle: 1, totalChangePence: -21_800_000 }] });
    // IT is bought elsewhere now: the next cycle negotiates the other three, on their new terms.
    expect(cycle2.details.services.map((s) => [s.key, s.terms.annualChargePence])).toEqual([
      ['legal', 10_500_000],
      ['hr', 8_000_000],
      ['payroll', 2_700_000],
    ]);

    // Every run replays; `RECORD_HISTORIES=sla npm test` records the finished ones for the replay suite.
    const replay = await callApi<{ runs: { deterministic: boolean }[] }>(stack.baseUrl, 'POST', `/processes/${processId}/replay`, {
      as: cast.auditor,
    });
    expect(replay.body.runs.length).toBe(7);
    expect(replay.body.runs.every((r) => r.deterministic)).toBe(true);
    await recordRuns(stack, 'sla', processId, cast.auditor, (workflowId) => `${CURRENT_SLA_VERSION}-${runName(processId, workflowId)}`);
  }, 180_000);

  it('keeps sign-off closed while a service has no outcome, naming what each still waits for, then opens it with a due date', async () => {
    const processId = await driveToNegotiating(['legal', 'payroll']);
    // SLA-R4 by construction: sign-off is not open while the services have no outcome, and says what it waits for.
    const tooEarly = await completeTask(stack, signOffTask(processId, 'council'), cast.programmeManager, {
      outcome: 'sign',
      form: signOff.council,
    });
    expect(tooEarly).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:task-not-open-yet' } });
    expect(tooEarly.body.detail).toContain("Legal services: the ALMO's proposal (round 1 of 3) (almo_board)");

    await decide(processId, 'c1-legal-r1-almo', cast.almoBoard, 'renew_as_is');
    await decide(processId, 'c1-legal-r1-council', cast.leads.legal, 'accept');
    await decide(processId, 'c1-payroll-r1-almo', cast.almoBoard, 'propose', { terms: terms(2_400_000, 400, 'payslip') });
    await decide(processId, 'c1-payroll-r1-council', cast.leads.payroll, 'declare_deadlock', {}, 'Below cost');
    const withoutPayroll = await completeTask(stack, signOffTask(processId, 'almo'), cast.almoBoard, {
      outcome: 'sign',
      form: signOff.almo,
    });
    expect(withoutPayroll.status).toBe(409);
    expect(withoutPayroll.body.detail).toContain(
      'Payroll: record the binding decision of the chief executives on the deadlock (programme_manager)',
    );

    await decide(
      processId,
      'c1-payroll-deadlock',
      cast.programmeManager,
      'renew_as_is',
      { forumMembers: 'the chief executives' },
      'As it is',
    );
    const signing = await openTaskOf(stack, processId, 'c1-sign-off-almo', cast.almoBoard);
    expect((await stack.prisma.task.findUniqueOrThrow({ where: { id: signing.id } })).dueAt).not.toBeNull();
  }, 90_000);

  it("reminds a service lead whose response is late, then escalates it to the programme manager; only the service's own lead answers", async () => {
    const processId = await driveToNegotiating(['legal', 'hr']);
    await decide(processId, 'c1-legal-r1-almo', cast.almoBoard, 'propose', { terms: terms(10_000_000, 5_000, 'hour of legal advice') });
    const lateTitle = "Legal services: respond to the ALMO's proposal (round 1 of 3)";
    const reminder = await stack.mailbox.waitFor((m) => m.subject.startsWith(`Reminder: ${lateTitle}`) && m.text.includes(processId));
    const overdue = await stack.mailbox.waitFor((m) => m.subject.startsWith(`Overdue: ${lateTitle}`) && m.text.includes(processId));
    expect(reminder.to).toEqual([cast.leads.legal.email]);
    expect(overdue.to).toEqual([cast.programmeManager.email]);
    const byAnotherLead = await completeTask(stack, await openTask(processId, 'c1-legal-r1-council', cast.leads.hr), cast.leads.hr, {
      outcome: 'accept',
    });
    expect(byAnotherLead.status).toBe(403);
    expect(
      (
        await completeTask(stack, await openTask(processId, 'c1-legal-r1-council', cast.leads.legal), cast.leads.legal, {
          outcome: 'accept',
        })
      ).status,
    ).toBe(200);
  }, 90_000);

  it('deadlocks a negotiation whose rounds run out, and a joint board–cabinet meeting decides it', async () => {
    const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, {
      as: cast.programmeManager,
      body: { ...compressedSlaPolicy, sla: { ...compressedSlaPolicy.sla, maxRounds: 2, deadlockForum: 'joint_board_cabinet' } },
    });
    expect(policy.status).toBe(200);
    // Started by the ALMO board, to open six months before the SLAs in force expire, or when a party asks.
    const processId = await startSla(slaSet({ services: ['hr'], opens: 'ahead_of_expiry', currentExpiry: '2030-01-01' }), cast.almoBoard);
    const waiting = await eventually(async () => {
      const view = await viewOf(processId);
      expect(view.details.nextRenegotiationOpensAt).toBeDefined();
      return view;
    });
    expect(waiting.stage).toBe('awaiting_negotiation');
    const byLead = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/renegotiation-requests`, {
      as: cast.leads.hr,
      body: { reasons: 'now' },
    });
    expect(byLead.status).toBe(403);
    expect(
      (
        await callApi(stack.baseUrl, 'POST', `/processes/${processId}/renegotiation-requests`, {
          as: cast.programmeManager,
          body: { reasons: 'HR restructure' },
        })
      ).status,
    ).toBe(200);

    await decide(processId, 'c1-benchmark-hr', cast.almoBoard, 'benchmark', {
      quartile: 2,
      comparatorUnitCostPence: 5_000,
      qualityMeasures: quality,
    });
    await decide(processId, 'c1-hr-r1-almo', cast.almoBoard, 'propose', { terms: terms(7_000_000, 4_400, 'employee a year') });
    await decide(processId, 'c1-hr-r1-council', cast.leads.hr, 'counter', { terms: terms(7_800_000, 4_900, 'employee a year') });
    const noTerms = await completeTask(stack, await openTask(processId, 'c1-hr-r2-almo', cast.almoBoard), cast.almoBoard, {
      outcome: 'propose',
      form: {},
    });
    expect(noTerms.status).toBe(400);
    expect(JSON.stringify(noTerms.body)).toContain('form.terms');
    await decide(processId, 'c1-hr-r2-almo', cast.almoBoard, 'propose', { terms: terms(7_200_000, 4_500, 'employee a year') });
    // The last round's counter-proposal runs the rounds out.
    const lastRound = await openTask(processId, 'c1-hr-r2-council', cast.leads.hr);
    expect(
      (
        await callApi<{ items: { id: string; title: string }[] }>(
          stack.baseUrl,
          'GET',
          `/tasks?process=${encodeURIComponent(processId)}&status=open`,
          { as: cast.leads.hr },
        )
      ).body.items.find((t) => t.id === lastRound)?.title,
    ).toContain('a counter-proposal now deadlocks it');
    await decide(processId, 'c1-hr-r2-council', cast.leads.hr, 'counter', { terms: terms(7_600_000, 4_800, 'employee a year') });

    // Recorded by democratic services, with reasons; the existing terms stand.
    const withoutReasons = await completeTask(stack, await openTask(processId, 'c1-hr-deadlock', cast.cabinet), cast.cabinet, {
      outcome: 'renew_as_is',
      form: { forumMembers: 'Board and cabinet' },
    });
    expect(withoutReasons.status).toBe(400);
    await decide(
      processId,
      'c1-hr-deadlock',
      cast.cabinet,
      'renew_as_is',
      { forumMembers: 'Riverside Homes board and the council cabinet', minuteReference: 'JBC 12' },
      'No case for change made out',
    );
    // The set moves to sign-off once the negotiation, having answered the decision, has ended.
    const view = await eventually(async () => {
      const found = await viewOf(processId);
      expect(found.stage).toBe('sign_off');
      return found;
    });
    expect(view.details.services[0]?.outcome).toMatchObject({
      kind: 'renewed',
      rounds: 2,
      terms: { annualChargePence: 8_000_000 },
      deadlock: { declaredBy: 'rounds_ran_out', forum: 'joint_board_cabinet', reasons: 'No case for change made out' },
    });
  }, 90_000);

  it('opens the next renegotiation by itself, the policy’s months before the new SLAs expire', async () => {
    // A term of two months of 3 s; renegotiation one month before the end.
    const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, {
      as: cast.programmeManager,
      body: { ...compressedSlaPolicy, sla: { ...compressedSlaPolicy.sla, termMonths: 2, renegotiationMonthsBeforeExpiry: 1 } },
    });
    expect(policy.status).toBe(200);
    const processId = await startSla({ ...slaSet({ services: ['payroll'] }), purpose: 'first_agreement' });
    await decide(processId, 'c1-benchmark-payroll', cast.almoBoard, 'benchmark', {
      quartile: 1,
      comparatorUnitCostPence: 600,
      qualityMeasures: quality,
    });
    await decide(processId, 'c1-payroll-r1-almo', cast.almoBoard, 'renew_as_is');
    await decide(processId, 'c1-payroll-r1-council', cast.leads.payroll, 'accept');
    await decide(processId, 'c1-sign-off-almo', cast.almoBoard, 'sign', signOff.almo);
    const signedAt = Date.now();
    await decide(processId, 'c1-sign-off-council', cast.programmeManager, 'sign', signOff.council);

    await openTask(processId, 'c2-benchmark-payroll', cast.almoBoard);
    const view = await viewOf(processId);
    expect(view.details).toMatchObject({
      cycle: 2,
      purpose: 'renegotiation',
      previousCycles: [{ cycle: 1, outcomes: [{ key: 'payroll', kind: 'renewed' }] }],
    });
    // It opened on its timer (a month after sign-off), not at once.
    const opened = (await timelineOf(stack, processId, cast.auditor)).find((e) =>
      e.summary.startsWith('Negotiation opens (1 month before the SLAs expire)'),
    );
    expect(Date.parse(opened!.at) - signedAt).toBeGreaterThanOrEqual(30 * DAY_MS - 500);
  }, 90_000);
});

describe('starting an SLA set', () => {
  it('refuses a service lead who is no service_lead of the council, naming the field: their tasks would be for nobody', async () => {
    const body = slaSet({ services: ['legal', 'hr'] });
    const nobody = {
      ...body,
      services: [body.services[0], { ...body.services[1], serviceLead: { userId: 'nobody-at-all', name: 'Nobody' } }],
    };
    const notALead = {
      ...body,
      services: [{ ...body.services[0], serviceLead: { userId: cast.almoBoard.userId, name: 'Ann Lee' } }, body.services[1]],
    };

    const refused = await callApi<{ issues: { path: string; code: string; message: string }[] }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.programmeManager,
      body: nobody,
    });
    const refusedToo = await callApi<{ issues: { path: string; code: string }[] }>(stack.baseUrl, 'POST', '/processes', {
      as: cast.programmeManager,
      body: notALead,
    });

    expect(refused.status).toBe(400);
    expect(refused.body.issues).toEqual([
      expect.objectContaining({
        path: 'services.1.serviceLead.userId',
        code: 'not_a_user_with_role',
        message: expect.stringContaining('nobody-at-all is not a user holding the service_lead role'),
      }),
    ]);
    expect([refusedToo.status, refusedToo.body.issues[0]?.path]).toEqual([400, 'services.0.serviceLead.userId']);
    expect(await stack.prisma.processRecord.count({ where: { council: cast.council } })).toBe(0);
  });
});

describe("a decision's answer and the ids the service hands out", () => {
  type Answer = { opened: { id: string; taskId: string; role: string }[] };
  const benchmarked = { quartile: 2, comparatorUnitCostPence: 5_000, qualityMeasures: quality };

  it('lists the negotiations’ first tasks when the last benchmark starts them, and the service lead’s task when the ALMO proposes', async () => {
    const processId = await startSla(slaSet({ services: ['legal', 'hr'] }));
    await decide(processId, 'c1-benchmark-legal', cast.almoBoard, 'benchmark', benchmarked);
    const last = (await decide(processId, 'c1-benchmark-hr', cast.almoBoard, 'benchmark', benchmarked)) as unknown as Answer;
    // The negotiations are child workflows: their first tasks are in the answer, and already in the inbox.
    expect(last.opened.map((t) => t.taskId)).toEqual(expect.arrayContaining(['c1-legal-r1-almo', 'c1-hr-r1-almo']));
    // The set's view says what its negotiations wait for, and from whom.
    const view = (
      await callApi<ProcessView<SlaDetails> & { waitingFor: { taskId: string; role: string; ofChild: boolean; workflowId: string }[] }>(
        stack.baseUrl,
        'GET',
        `/processes/${processId}`,
        { as: cast.auditor },
      )
    ).body;
    expect(view.waitingFor).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          taskId: 'c1-legal-r1-almo',
          role: 'almo_board',
          ofChild: true,
          workflowId: expect.stringContaining(processId),
        }),
        expect.objectContaining({ taskId: 'c1-hr-r1-almo', role: 'almo_board', ofChild: true }),
      ]),
    );
    expect(view.openTasks.map((t) => t.taskId)).not.toContain('c1-legal-r1-almo');

    const proposal = (await decide(processId, 'c1-legal-r1-almo', cast.almoBoard, 'renew_as_is')) as unknown as Answer;
    expect(proposal.opened).toEqual([expect.objectContaining({ taskId: 'c1-legal-r1-council', role: 'service_lead' })]);
    // Acting on it at once finds it: read your own writes across the child workflow.
    const accepted = await completeTask(stack, proposal.opened[0]!.id, cast.leads.legal, { outcome: 'accept' });
    expect(accepted.status).toBe(200);
  }, 60_000);

  it('takes back every task id it lists, a call centre’s (call_centre) among them', async () => {
    const lead = {
      ...(await stack.user({ council: cast.council, role: 'service_lead', name: 'Contact Centre Manager' })),
      name: 'Contact Centre Manager',
    };
    const body = {
      ...slaSet({ services: ['legal'] }),
      services: [{ service: 'call_centre', serviceLead: { userId: lead.userId, name: lead.name }, terms: terms(5_000_000, 300, 'call') }],
    };
    const processId = await startSla(body as unknown as ReturnType<typeof slaSet>);
    const inbox = await eventually(async () => {
      const page = await callApi<{ items: { id: string; taskId: string }[] }>(
        stack.baseUrl,
        'GET',
        `/tasks?process=${encodeURIComponent(processId)}`,
        { as: cast.almoBoard },
      );
      expect(page.body.items.length).toBeGreaterThan(0);
      return page.body.items;
    });
    expect(inbox.map((t) => t.taskId)).toContain('c1-benchmark-call_centre');
    for (const task of inbox) {
      const claimed = await callApi(stack.baseUrl, 'POST', `/tasks/${encodeURIComponent(task.id)}/claim`, { as: cast.almoBoard });
      expect({ id: task.id, status: claimed.status }).toEqual({ id: task.id, status: 200 });
    }
    await decide(processId, 'c1-benchmark-call_centre', cast.almoBoard, 'benchmark', benchmarked);
    const proposal = await decide(processId, 'c1-call_centre-r1-almo', cast.almoBoard, 'renew_as_is');
    expect(proposal).toMatchObject({ opened: [{ taskId: 'c1-call_centre-r1-council' }] });
  }, 60_000);
});
