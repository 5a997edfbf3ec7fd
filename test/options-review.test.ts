import type { ProcessView } from '../workflows/common/process';
import type { AlmoDetails } from '../workflows/almo/messages';
import type { OptionsReviewDetails } from '../workflows/optionsreview/messages';
import {
  ALMO,
  almoCast,
  compressedAlmoPolicy,
  daysAfter,
  driveToLaunch,
  driveToTestResult,
  monthsAfter,
  startAlmo,
  today,
  type AlmoCast,
} from './support/almo';
import { eventually } from './support/eventually';
import { documentText as documentTextOf, documentsOf as documentsOfProcess } from './support/documents';
import { callApi, startTestStack, type TestStack, type TestUser } from './support/stack';
import { recordRuns } from './support/histories';
import { attempt as attemptTask, decide as decideTask, timelineOf } from './support/tasks';

// The options review's version whose runs `RECORD_HISTORIES=optionsreview npm test` records under test/histories/.
const CURRENT_OPTIONS_REVIEW_VERSION = 'optionsreview-v4-writes-together';
/** The ALMO's policy, and a consultation of two days (0.2 s) and a listening programme of two months (6 s). */
const policy = { ...compressedAlmoPolicy, optionsreview: { councilStepWorkingDays: 15, consultationDays: 2, listeningMonths: 2 } };

let stack: TestStack;
let cast: AlmoCast;
beforeAll(async () => {
  stack = await startTestStack();
});
beforeEach(async () => {
  cast = await almoCast(stack, policy);
});
afterAll(async () => {
  await stack.stop();
});

const decide = (processId: string, taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) =>
  decideTask(stack, processId, taskId, as, outcome, form, reasons);
const attempt = (processId: string, taskId: string, as: TestUser, outcome: string, form: Record<string, unknown> = {}, reasons?: string) =>
  attemptTask(stack, processId, taskId, as, outcome, form, reasons);
const viewOf = async <D extends object>(processId: string) =>
  (await callApi<ProcessView<D>>(stack.baseUrl, 'GET', `/processes/${processId}`, { as: cast.auditor })).body;
const stageIs = <D extends object>(processId: string, stage: string) =>
  eventually(async () => {
    const view = await viewOf<D>(processId);
    expect(view.stage).toBe(stage);
    return view;
  }, 30_000);
interface RulesAnswer {
  rules: { rule: string; source: string; outcome: string; detail: string; blocks?: string }[];
  blocking: string[];
}
const rulesOf = async (processId: string) =>
  (await callApi<RulesAnswer>(stack.baseUrl, 'GET', `/processes/${processId}/rules`, { as: cast.programmeManager })).body;

async function startReview(originalTestOfOpinion?: { method: string; evidence: string }): Promise<string> {
  const started = await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
    as: cast.programmeManager,
    body: { kind: 'optionsreview', council: cast.council, almo: ALMO, ...(originalTestOfOpinion ? { originalTestOfOpinion } : {}) },
  });
  if (started.status !== 201) throw new Error(`start failed: ${started.status} ${JSON.stringify(started.body)}`);
  return started.body.processId;
}

const risks = {
  lossOfKeyStaff: 'Repairs surveyors may leave',
  selfFinancing: 'HRA business plan holds',
  capitalProgramme: 'Window programme continues',
  decentHomes: 'Compliance kept at 100%',
};
/** The steps before the consultation that no rule guards: engagement, the appraisal and the shortlist recommending `recommended`. */
async function prepare(processId: string, recommended: 'keep_almo' | 'in_house'): Promise<void> {
  await decide(processId, 'tenant-engagement', cast.programmeManager, 'done', {
    tenantsInvited: 'Two tenants on the project group from the first meeting',
    adviserOffered: 'An Independent Tenants Adviser, paid by the council',
    almoInvited: 'The ALMO board and staff forum asked for their views',
  });
  await decide(processId, 'options-appraisal', cast.finance, 'assessed', {
    costBenefit: 'In-house saves £1.2m a year in overheads',
    risks,
    externalValidation: 'Validated by Savills, report 2018/44',
  });
  await decide(processId, 'shortlist', cast.programmeManager, 'submit', {
    options: [
      {
        option: 'keep_almo',
        name: 'Keep Riverside Homes',
        pros: 'Continuity',
        cons: 'Service failing residents',
        impactOnResidents: 'No change of landlord contact',
      },
      {
        option: 'in_house',
        name: 'Bring the service in-house',
        pros: 'Closer to democracy',
        cons: 'Transition risk',
        impactOnResidents: 'One council contact centre',
      },
    ],
    recommended,
    reasons:
      recommended === 'in_house' ? 'Residents’ complaints are not being dealt with' : 'The ALMO is improving with the council’s support',
  });
}
const notify = (processId: string) =>
  decide(processId, 'notify-department', cast.programmeManager, 'notified', { notifiedOn: today(), reference: 'DLUHC/ALMO/2026/118' });
const publish = (processId: string) =>
  decide(processId, 'terms-of-reference', cast.programmeManager, 'publish', {
    aims: 'The best housing service for residents',
    timescales: 'Decision in October, in-house on 1 April',
    process: 'Options appraisal, shortlist, consultation, decision',
    shortlistingCriteria: 'Cost, service, deliverability',
    decisionCriteria: 'Resident view and value for money',
  });
const externalChecks = async (processId: string) => {
  await decide(processId, 'consultation-material', cast.programmeManager, 'approve', {
    reference: 'Consultation booklet v3',
    accurateAndImpartial: true,
  });
  await decide(processId, 'consultation-overseer', cast.programmeManager, 'appoint', { organisation: 'Civica Election Services' });
};

const documentsOf = (processId: string) => documentsOfProcess(stack, processId, cast.auditor);
const documentText = (id: string) => documentTextOf(stack, id, cast.auditor);

describe('an options review of an ALMO', () => {
  it('requires a ballot because the ALMO establishment run here was balloted, then brings the service in-house, ends the Management Agreement and reports the listening programme', async () => {
    // The ALMO this service set up, with a ballot, and launched.
    const establishment = await startAlmo(stack, cast);
    await driveToLaunch(stack, cast, establishment);
    await stageIs<AlmoDetails>(establishment, 'inspection');

    const processId = await startReview();
    expect(processId).toBe(`optionsreview:${cast.council}:riverside-homes`);
    const before = await eventually(async () => {
      const rules = await rulesOf(processId);
      expect(rules.rules[0]?.detail).toContain('before the original transfer: ballot (from the ALMO establishment recorded here');
      return rules;
    });
    // Explained before anyone hits it: R1 will stop anything but a ballot; R3 stops publishing.
    expect(before.rules.find((r) => r.rule.startsWith('R1'))).toMatchObject({
      source: 'DCLG guidance on the future of ALMOs, December 2011, paragraphs 12-14',
      blocks: 'opening the consultation with anything but a ballot',
    });
    expect(before.blocking).toEqual(
      expect.arrayContaining([expect.stringMatching(/^R1 /), expect.stringMatching(/^R3 /), expect.stringMatching(/^R4 /)]),
    );
    // The process view says the same.
    expect(((await viewOf<OptionsReviewDetails>(processId)) as unknown as { rules: RulesAnswer['rules'] }).rules).toEqual(before.rules);

    await notify(processId);
    await publish(processId);
    await prepare(processId, 'in_house');
    await externalChecks(processId);
    const survey = await attempt(processId, 'open-consultation', cast.programmeManager, 'full_survey');
    expect(survey).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:rule-violation' } });
    expect(survey.body.detail).toMatch(
      /^R1 \[12\]: tenants were balloted before the original transfer to the ALMO, so the test of opinion now must be a ballot \(evidence: the ALMO establishment almo:/,
    );
    // Opening the consultation is a wait for a person like any other: it has a due date.
    expect((await stack.prisma.task.findFirstOrThrow({ where: { processId, taskKey: 'open-consultation' } })).dueAt).not.toBeNull();
    await decide(processId, 'open-consultation', cast.programmeManager, 'ballot');
    const moreResponses = await attempt(processId, 'consultation-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      responses: 9_100,
      forRecommended: 3_800,
      against: 1_300,
    });
    expect([moreResponses.status, JSON.stringify(moreResponses.body)]).toEqual([400, expect.stringContaining('"path":"form.responses"')]);
    await decide(processId, 'consultation-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      responses: 5_100,
      forRecommended: 3_800,
      against: 1_300,
    });
    await decide(processId, 'department-acknowledgement', cast.liaison, 'acknowledged', { reference: 'DLUHC ack 2026/118' });
    // In-house from today, so the listening programme begins as soon as the handover is done.
    const transferDate = today();
    // The cabinet's meeting is recorded as such; the service cannot come in-house before the decision to bring it.
    const meetingDate = today();
    const transferFirst = await attempt(
      processId,
      'council-decision',
      cast.cabinet,
      'in_house',
      { minuteReference: 'CAB/2026/77', meetingDate, transferDate: daysAfter(meetingDate, -1) },
      'Residents want the council to run the service again',
    );
    expect([transferFirst.status, JSON.stringify(transferFirst.body)]).toEqual([
      400,
      expect.stringContaining('"path":"form.transferDate"'),
    ]);
    await decide(
      processId,
      'council-decision',
      cast.cabinet,
      'in_house',
      { minuteReference: 'CAB/2026/77', meetingDate, transferDate },
      'Residents want the council to run the service again',
    );

    // The handover; ending the Management Agreement ends the establishment's.
    for (const [item, as] of [
      ['staff', cast.programmeManager],
      ['contracts', cast.legal],
      ['it', cast.housingManager],
      ['management-agreement', cast.legal],
    ] as const) {
      await decide(processId, `handover-${item}`, as, 'done', { summary: `${item} handed over` });
    }
    // The ALMO board hears of the decision on its company's future and of the end of its Management Agreement.
    const boardTold = (subject: string) =>
      stack.mailbox.waitFor(
        (m) => m.subject === `Decision recorded: ${subject}` && m.text.includes(processId) && m.to.includes(cast.almoBoard.email),
      );
    await boardTold(`Record the council decision on the future of ${ALMO} — in house`);
    await boardTold('Handover to the council: ending the Management Agreement — done');
    const ended = await stageIs<AlmoDetails>(establishment, 'agreement_ended');
    expect(ended.status).toBe('completed');
    expect(ended.details.managementAgreement?.endedBy).toMatchObject({ reviewProcessId: processId, endsOn: transferDate });
    expect((await timelineOf(stack, establishment, cast.auditor)).at(-1)?.summary).toContain(`Management Agreement ended on`);

    // The listening programme: residents heard, measures before and after, the closing report.
    await decide(processId, 'baseline-measures', cast.housingManager, 'record', { complaintsPerMonth: 200, repairSatisfactionPercent: 73 });
    const contact = (body: object) =>
      callApi(stack.baseUrl, 'POST', `/processes/${processId}/resident-contacts`, { as: cast.housingManager, body });
    for (const summary of ['Repairs take too long on the Elm estate', 'The new contact centre answered first time']) {
      expect((await contact({ channel: 'drop-in', summary })).status).toBe(201);
    }
    expect(
      (await contact({ channel: 'estate walkabout', summary: 'Residents of Oak House want the lifts fixed', people: 40 })).status,
    ).toBe(201);
    // More contacts than Temporal takes updates in one execution (2,000): each is a note, not an update.
    // Six officers record them, each within the API's rate limit per token.
    const officers = await Promise.all(Array.from({ length: 6 }, () => stack.user({ council: cast.council, role: 'housing_manager' })));
    for (let batch = 0; batch < 21; batch += 1) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, k) =>
          callApi(stack.baseUrl, 'POST', `/processes/${processId}/resident-contacts`, {
            as: officers[k % officers.length],
            body: { channel: 'phone', summary: `Call ${batch * 100 + k + 1} about repairs` },
          }),
        ),
      );
      expect(answers.filter((a) => a.status !== 201).map((a) => ({ status: a.status, body: a.body }))).toEqual([]);
    }
    const byFinance = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/resident-contacts`, {
      as: cast.finance,
      body: { channel: 'phone', summary: 'x' },
    });
    expect(byFinance.status).toBe(403);
    expect(await stack.prisma.auditLog.count({ where: { processId, action: 'process.resident_contact' } })).toBe(2_103);
    await decide(processId, 'closing-measures', cast.housingManager, 'record', { complaintsPerMonth: 130, repairSatisfactionPercent: 85 });
    const done = await stageIs<OptionsReviewDetails>(processId, 'in_house');
    expect(done.status).toBe('completed');
    expect(done.details.listening).toMatchObject({
      before: { complaintsPerMonth: 200 },
      after: { complaintsPerMonth: 130 },
      heard: {
        entries: 2_103,
        total: 2_142,
        groups: [
          { key: 'phone', entries: 2_100, total: 2_100 },
          { key: 'estate walkabout', entries: 1, total: 40 },
          { key: 'drop-in', entries: 2, total: 2 },
        ],
      },
    });
    // Once the programme is over, a contact is refused, saying why.
    const late = await contact({ channel: 'phone', summary: 'Too late' });
    expect(late).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:not-allowed-now' } });
    const report = await documentText((await documentsOf(processId)).find((d) => d.kind === 'listening_programme_report')!.id);
    expect(report).toContain('Complaints a month: 200 before, 130 after (down 35%)');
    expect(report).toContain('Satisfaction with repairs: 73% before, 85% after');
    expect(report).toContain('2142 residents heard in 2103 contacts.');
    expect(report).toContain('estate walkabout: 40 residents in 1 contacts');
    const notice = await documentText((await documentsOf(processId)).find((d) => d.kind === 'decision_notice')!.id);
    expect(notice).toContain('The council decided to bring the service in-house.');
    expect(notice).toContain(
      `Decided at the meeting of ${new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${meetingDate}T00:00:00Z`))}, minute CAB/2026/77`,
    );

    // Every run replays; `RECORD_HISTORIES=optionsreview npm test` records this one for the replay suite.
    const replay = await callApi<{ runs: { deterministic: boolean }[] }>(stack.baseUrl, 'POST', `/processes/${processId}/replay`, {
      as: cast.auditor,
    });
    expect(replay.body.runs.every((r) => r.deterministic)).toBe(true);
    await recordRuns(stack, 'optionsreview', processId, cast.auditor, () => `${CURRENT_OPTIONS_REVIEW_VERSION}-in-house`);
    await recordRuns(stack, 'optionsreview', establishment, cast.auditor, (workflowId) =>
      workflowId === establishment ? `${CURRENT_OPTIONS_REVIEW_VERSION}-almo-agreement-ended` : undefined,
    );
  }, 180_000);

  it('refuses a notification of the Department dated on a day still to come, or before the review began', async () => {
    const processId = await startReview({ method: 'survey', evidence: 'Survey report 2004/7' });
    // The Department cannot have been notified on a day still to come.
    const tomorrow = new Date(Date.now() + 36 * 3_600_000).toISOString().slice(0, 10);
    const ahead = await attempt(processId, 'notify-department', cast.programmeManager, 'notified', {
      notifiedOn: tomorrow,
      reference: 'DLUHC/ALMO/2026/118',
    });
    expect([ahead.status, JSON.stringify(ahead.body)]).toEqual([400, expect.stringContaining('"path":"form.notifiedOn"')]);
    // Nor before the review it tells of began.
    const beforeReview = await attempt(processId, 'notify-department', cast.programmeManager, 'notified', {
      notifiedOn: daysAfter(today(), -1),
      reference: 'DLUHC/ALMO/2026/118',
    });
    expect(beforeReview).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:rule-violation' } });
    expect(beforeReview.body.detail).toMatch(/^the Department cannot have been notified of the review before it began on /);
  }, 60_000);

  it('refuses to open the consultation before R2, R3 and R4 hold, naming each, and carries the ratified funding into a decision to keep the ALMO', async () => {
    const processId = await startReview({ method: 'survey', evidence: 'Cabinet report 2002/14, tenant survey results' });
    // R2 [27] guards the material too: not before the shortlist says whether the ALMO is to be kept.
    const materialFirst = await attempt(processId, 'consultation-material', cast.programmeManager, 'approve', {
      reference: 'Consultation booklet v1',
      accurateAndImpartial: true,
    });
    expect(materialFirst).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:rule-violation' } });
    expect(materialFirst.body.detail).toMatch(/^R2 \[27\]: the consultation material is approved once the shortlist says/);
    // A tenants' representative granted resident_rep for the review's project group, as named in its view.
    const projectGroup = (await viewOf<OptionsReviewDetails>(processId)).details.projectGroup!;
    const tenant = await stack.user({ council: cast.council, role: 'resident_rep', groupKey: projectGroup.key });
    await prepare(processId, 'keep_almo');
    // R3 stops publishing the terms of reference too.
    const unpublished = await attempt(processId, 'terms-of-reference', cast.programmeManager, 'publish', {
      aims: 'a',
      timescales: 'b',
      process: 'c',
      shortlistingCriteria: 'd',
      decisionCriteria: 'e',
    });
    expect(unpublished.status).toBe(409);
    expect(unpublished.body.detail).toMatch(/^R3 \[15\]/);

    const early = await attempt(processId, 'open-consultation', cast.programmeManager, 'full_survey');
    expect(early.status).toBe(409);
    const refusal = early.body.detail as string;
    expect(refusal).toContain('R2 [27]: the council intends to keep supporting the ALMO');
    expect(refusal).toContain('R3 [15]: the Department is notified');
    expect(refusal).toContain(
      'R4 [17-18]: before the consultation opens, the information to tenants is marked accurate and impartial and an external organisation oversees the consultation',
    );
    expect(refusal).not.toContain('R1');
    const rules = await rulesOf(processId);
    expect(rules.blocking.map((r) => r.slice(0, 2))).toEqual(['R2', 'R3', 'R4']);
    expect(rules.rules.find((r) => r.rule.startsWith('R2'))).toMatchObject({
      source: 'DCLG guidance on the future of ALMOs, December 2011, paragraph 27',
      blocks: 'approving the consultation material and opening the consultation',
    });
    // Keeping the ALMO is recommended and its funding not yet ratified: the material cannot go out.
    const unfunded = await attempt(processId, 'consultation-material', cast.programmeManager, 'approve', {
      reference: 'Consultation booklet v2',
      accurateAndImpartial: true,
    });
    expect(unfunded.body.detail).toMatch(/^R2 \[27\]: the council intends to keep supporting the ALMO/);

    // One rule at a time: each refusal names only what still fails.
    await notify(processId);
    await publish(processId);
    const afterR3 = await attempt(processId, 'open-consultation', cast.programmeManager, 'full_survey');
    expect(afterR3.body.detail).not.toContain('R3');
    expect(afterR3.body.detail).toContain('R2 [27]');
    await decide(processId, 'continued-funding', cast.cabinet, 'ratified', {
      minuteReference: 'CAB/2026/80',
      fundingStreams: [
        { source: 'HRA management fee', amountPence: 2_450_000_000 },
        { source: 'Major works capital', amountPence: 900_000_000 },
      ],
    });
    await externalChecks(processId);
    // A survey as comprehensive as the original one is allowed (R1 [13-14]).
    await decide(processId, 'open-consultation', cast.programmeManager, 'full_survey');
    expect((await rulesOf(processId)).rules.map((r) => r.outcome)).toEqual(['met', 'met', 'met', 'met']);
    await decide(processId, 'consultation-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      responses: 4_000,
      forRecommended: 2_600,
      against: 1_400,
    });
    await decide(processId, 'department-acknowledgement', cast.liaison, 'acknowledged', { reference: 'DLUHC ack 2026/121' });
    await decide(
      processId,
      'council-decision',
      cast.cabinet,
      'keep_almo',
      { minuteReference: 'CAB/2026/91', meetingDate: today() },
      'Tenants back the improvement plan',
    );
    const kept = await stageIs<OptionsReviewDetails>(processId, 'almo_kept');
    expect(kept.status).toBe('completed');
    const notice = await documentText((await documentsOf(processId)).find((d) => d.kind === 'decision_notice')!.id);
    expect(notice).toContain('The council decided to keep the ALMO.');
    expect(notice).toContain(
      'Funding for the ALMO HRA management fee: £24,500,000.00 Major works capital: £9,000,000.00 Ratified by the council, minute CAB/2026/80.',
    );
    const documents = await documentsOf(processId);
    // The shortlist's decision record states its options in words, not JSON or codes.
    const shortlistRecord = await documentText(
      documents.find((d) => d.kind === 'decision_record' && d.title.startsWith('Decision record: Shortlist the options'))!.id,
    );
    expect(shortlistRecord).toContain('Outcome: submit');
    expect(shortlistRecord).toMatch(/Options: option keep almo, name Keep Riverside Homes, pros Continuity/);
    expect(shortlistRecord).toContain('Recommended: keep almo');
    expect(shortlistRecord).toContain('Step: shortlist options');
    expect(shortlistRecord).toMatch(/Decided at: [A-Z][a-z]+day, \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}/);
    expect(shortlistRecord).not.toMatch(/[{}"]|\d{4}-\d{2}-\d{2}T/);
    const termsOfReference = documents.find((d) => d.kind === 'terms_of_reference')!;
    const terms = await documentText(termsOfReference.id);
    expect(terms).toContain('This is a public document');
    // [19-20]: the terms of reference are public, readable at their link without signing in; the rest is not.
    expect(termsOfReference).toMatchObject({ public: true });
    const withoutToken = await fetch(`${stack.baseUrl}/documents/${termsOfReference.id}`);
    expect([withoutToken.status, withoutToken.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    expect(withoutToken.headers.get('x-content-sha256')).toBe(termsOfReference.sha256);
    // The decision notice says it is public, so it is; a decision record is not.
    const decisionNotice = documents.find((d) => d.kind === 'decision_notice')!;
    expect(decisionNotice).toMatchObject({ public: true });
    expect((await fetch(`${stack.baseUrl}/documents/${decisionNotice.id}`)).status).toBe(200);
    const record = documents.find((d) => d.kind === 'decision_record')!;
    expect(record).toMatchObject({ public: false });
    expect((await fetch(`${stack.baseUrl}/documents/${record.id}`)).status).toBe(401);

    // [19-20]: tenants' representatives in the project group read the review and its documents, and
    // hear its decisions; a residents' group of another process does not see it.
    expect(kept.details.projectGroup).toEqual({
      name: `${ALMO} options review project group`,
      key: 'riverside-homes-options-review-project-group',
    });
    const outsider = await stack.user({ council: cast.council, role: 'resident_rep', groupKey: 'elm-estate-tmo' });
    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}`, { as: tenant })).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/documents/${record.id}`, { headers: { authorization: `Bearer ${tenant.token}` } })).status).toBe(
      200,
    );
    expect((await callApi(stack.baseUrl, 'GET', `/processes/${processId}`, { as: outsider })).status).toBe(404);
    const listed = await callApi<{ items: { processId: string }[] }>(
      stack.baseUrl,
      'GET',
      `/processes?council=${cast.council}&kind=optionsreview`,
      { as: tenant },
    );
    expect(listed.body.items.map((p) => p.processId)).toEqual([processId]);
    const told = await stack.mailbox.waitFor(
      (m) =>
        m.subject === 'Decision recorded: Record the council decision on the future of Riverside Homes — keep almo' &&
        m.text.includes(processId),
    );
    expect(told.to).toContain(tenant.email);
  }, 90_000);
  it('waits for the transfer date before the listening programme begins: nothing is asked of anyone before the service is in-house', async () => {
    const processId = await startReview({ method: 'survey', evidence: 'Cabinet report 2002/14, tenant survey results' });
    await notify(processId);
    await publish(processId);
    await prepare(processId, 'in_house');
    await externalChecks(processId);
    await decide(processId, 'open-consultation', cast.programmeManager, 'full_survey');
    await decide(processId, 'consultation-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      responses: 4_000,
      forRecommended: 2_600,
      against: 1_400,
    });
    await decide(processId, 'department-acknowledgement', cast.liaison, 'acknowledged', { reference: 'DLUHC ack 2026/130' });
    // Decided today; the service comes in-house four months on.
    const transferDate = monthsAfter(today(), 4);
    await decide(
      processId,
      'council-decision',
      cast.cabinet,
      'in_house',
      { minuteReference: 'CAB/2026/95', meetingDate: today(), transferDate },
      'Residents want the council to run the service again',
    );
    for (const [item, as] of [
      ['staff', cast.programmeManager],
      ['contracts', cast.legal],
      ['it', cast.housingManager],
      ['management-agreement', cast.legal],
    ] as const) {
      await decide(processId, `handover-${item}`, as, 'done', { summary: `${item} handed over` });
    }
    const waiting = await viewOf<OptionsReviewDetails>(processId);
    expect(waiting).toMatchObject({ stage: 'handover', status: 'active', openTasks: [] });
    expect(waiting.details.listening).toBeUndefined();
    expect(await stack.prisma.task.count({ where: { processId, status: 'open' } })).toBe(0);
    expect((await timelineOf(stack, processId, cast.auditor)).at(-1)?.summary).toMatch(
      /^Handover done: the service is in-house from \d{1,2} [A-Z][a-z]+ \d{4}, when the listening programme begins$/,
    );
  }, 90_000);
  it("reads the ALMO's test of opinion through what the establishment exports, and says on its timeline when the establishment cannot be told its agreement ends", async () => {
    // An establishment that balloted its tenants, then was cancelled: it has ended before the review ends its agreement.
    const establishment = await startAlmo(stack, cast);
    await driveToTestResult(stack, cast, establishment);
    expect(
      (
        await callApi(stack.baseUrl, 'POST', `/processes/${establishment}/cancel`, {
          as: cast.programmeManager,
          body: { reasons: 'Stock transfer chosen instead' },
        })
      ).status,
    ).toBe(200);

    const processId = await startReview();
    await notify(processId);
    await publish(processId);
    await prepare(processId, 'in_house');
    await externalChecks(processId);
    // R1 from the establishment's export: it balloted, so a survey is refused.
    expect((await attempt(processId, 'open-consultation', cast.programmeManager, 'full_survey')).body.detail).toMatch(
      /^R1 \[12\]: tenants were balloted/,
    );
    await decide(processId, 'open-consultation', cast.programmeManager, 'ballot');
    await decide(processId, 'consultation-result', cast.scrutineer, 'record', {
      eligible: 9_000,
      responses: 4_000,
      forRecommended: 2_600,
      against: 1_400,
    });
    await decide(processId, 'department-acknowledgement', cast.liaison, 'acknowledged', { reference: 'DLUHC ack 2026/131' });
    await decide(
      processId,
      'council-decision',
      cast.cabinet,
      'in_house',
      { minuteReference: 'CAB/2026/96', meetingDate: today(), transferDate: today() },
      'Residents want the council to run the service again',
    );
    for (const [item, as] of [
      ['staff', cast.programmeManager],
      ['contracts', cast.legal],
      ['it', cast.housingManager],
      ['management-agreement', cast.legal],
    ] as const) {
      await decide(processId, `handover-${item}`, as, 'done', { summary: `${item} handed over` });
    }
    const view = await viewOf<OptionsReviewDetails>(processId);
    expect(view.details.original).toMatchObject({ method: 'ballot', from: 'almo_establishment' });
    expect(view.details.agreementEnded).toMatchObject({
      establishmentProcessId: establishment,
      signalled: false,
      notTold: expect.any(String),
    });
    const notTold = (await timelineOf(stack, processId, cast.auditor)).find((e) => e.kind === 'agreement_end_not_told');
    expect(notTold?.summary).toMatch(
      new RegExp(
        `^The ALMO establishment ${establishment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} could not be told that its Management Agreement ends: `,
      ),
    );
  }, 90_000);
});
