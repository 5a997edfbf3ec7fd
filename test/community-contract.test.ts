import { inboxTaskId } from '../workflows/common/engine-types';
import type { ProcessView } from '../workflows/common/process';
import type { CommunityContractDetails } from '../workflows/communitycontract/messages';
import { documentText, documentsOf } from './support/documents';
import { eventually } from './support/eventually';
import { recordRuns } from './support/histories';
import { contractCast, KEYS, report, STANDARDS, startAndAgreePriorities, type ContractCast } from './support/communitycontract';
import { callApi, startTestStack, type TestStack, type TestUser } from './support/stack';
import { attempt, completeTask, decide as decideTask, openTask, timelineOf } from './support/tasks';

// The community contract (PROCESSES.md §5) through the API on the real server, with a compressed
// policy (test/support/communitycontract.ts): a year of the contract is two monthly periods of 3 s.

// The version whose runs `RECORD_HISTORIES=communitycontract npm test` records under test/histories/.
const CURRENT_CONTRACT_VERSION = 'communitycontract-v2-writes-together';

let stack: TestStack;
let cast: ContractCast;
beforeAll(async () => {
  stack = await startTestStack();
});
beforeEach(async () => {
  cast = await contractCast(stack);
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

/** Waits for an email of this test's council whose subject starts so, and answers to whom it went. */
const mailTo = async (subject: string) =>
  (await stack.mailbox.waitFor((m) => m.subject.startsWith(subject) && m.to.every((to) => to.endsWith(`@${cast.council}.test`)))).to;

describe('a community contract', () => {
  it('is agreed and signed by every partner, keeps two redress cases apart (one escalated, one disputed at stage 2), and is revised and renewed at its review', async () => {
    const processId = await startAndAgreePriorities(stack, cast);

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
    // Each partner's officers are told of their own case only.
    expect(await mailTo('Action needed: Acknowledge redress case 2')).toEqual([cast.partners.landlord.email]);
    expect(await mailTo('Action needed: Acknowledge redress case 1')).toEqual([cast.partners.streets.email]);

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
    // Each case kept its own redress, though both were open at once.
    const given = (n: number) => cases[n]?.redressGiven.map((r) => ({ stage: r.stage, compensationPaidPence: r.compensationPaidPence }));
    expect(given(0)).toEqual([{ stage: 1, compensationPaidPence: 3_000 }]);
    expect(given(1)).toEqual([
      { stage: 1, compensationPaidPence: undefined },
      { stage: 2, compensationPaidPence: 2_000 },
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
      casesReferred: 0,
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
    const processId = await startAndAgreePriorities(stack, cast);
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

  it('closes a case whose dispute the council accepts without redress, refers one residents are still not satisfied with to the Housing Ombudsman, and ends at its review', async () => {
    const processId = await startAndAgreePriorities(stack, cast);
    await decide(processId, 'y1-standards-1', cast.programmeManager, 'set', { standards: STANDARDS });
    const sign = { signatory: 'A Signatory', post: 'Director' };
    await decide(processId, 'y1-sign-1-residents', cast.residents, 'sign', sign);
    await decide(processId, 'y1-sign-1-northumbria-police', cast.partners.police, 'sign', sign);
    await decide(processId, 'y1-sign-1-home-group', cast.partners.landlord, 'sign', sign);
    await decide(processId, 'y1-sign-1-street-services', cast.partners.streets, 'sign', sign);
    await decide(
      processId,
      'y1-report-1',
      cast.residents,
      'report',
      report({ police: 'No patrol for three weeks', litter: 'Bins not emptied' }),
    );

    // The police dispute theirs; the council accepts the dispute: closed, no redress.
    await decide(processId, 'y1-case1-s1-acknowledge', cast.partners.police, 'acknowledge');
    await decide(
      processId,
      'y1-case1-s1-answer',
      cast.partners.police,
      'dispute',
      {},
      'Patrols were moved to the town centre by the chief',
    );
    await decide(processId, 'y1-case1-s1-dispute', cast.programmeManager, 'accept_dispute', {}, 'An operational decision of the force');
    // Street services put it right; residents are not satisfied at either stage.
    await decide(processId, 'y1-case2-s1-acknowledge', cast.partners.streets, 'acknowledge');
    await decide(processId, 'y1-case2-s1-answer', cast.partners.streets, 'redress', { putRightOn: '2026-12-02' });
    await decide(processId, 'y1-case2-s1-residents', cast.residents, 'not_satisfied', {}, 'They were missed again the week after');
    await decide(processId, 'y1-case2-s2-acknowledge', cast.partners.streets, 'acknowledge');
    await decide(processId, 'y1-case2-s2-answer', cast.partners.streets, 'redress', { apology: 'Sorry', compensationPaidPence: 1_000 });
    await decide(processId, 'y1-case2-s2-residents', cast.residents, 'not_satisfied', {}, 'Still missed');
    await decide(processId, 'y1-report-2', cast.residents, 'report', report({}));

    const reviewing = await stageIs(processId, 'reviewing');
    expect(reviewing.details.cases.map((c) => ({ standard: c.standard, closing: c.closing, paid: c.redressGiven.length }))).toEqual([
      { standard: KEYS.police, closing: 'dispute_accepted', paid: 0 },
      { standard: KEYS.litter, closing: 'referred_to_ombudsman', paid: 2 },
    ]);
    expect(await mailTo('Redress case 1 closed')).toEqual([cast.partners.police.email]);
    // Ending needs reasons.
    const review = { complaintsThisYear: 140, satisfactionPercent: 35, awarenessPercent: 20, howResidentsWereTold: 'the newsletter' };
    const unreasoned = await attempt(stack, processId, 'y1-review', cast.programmeManager, 'end', review);
    expect(unreasoned.status).toBe(400);
    await decide(processId, 'y1-review', cast.programmeManager, 'end', review, 'The partners have not kept to it');
    const ended = await stageIs(processId, 'ended');
    expect(ended.status).toBe('completed');
    expect(ended.details.pastYears[0]?.figures.totals).toMatchObject({
      reports: 8,
      met: 6,
      missed: 2,
      casesOpened: 2,
      // The police's dispute accepted resolves it; the litter case was referred, not resolved.
      casesResolved: 1,
      casesReferred: 1,
      compensationPaidPence: 1_000,
    });
  }, 120_000);
});
