import { recording, writeHistory } from './support/histories';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { testEnv } from './support/env';
import { eventually } from './support/eventually';
import {
  compressedLmaPolicy,
  detailedPlan,
  driveToDetailedPlan,
  driveToPreparingAgreement,
  lmaCast,
  prepareAndSign as prepareAndSignOf,
  responsibilities,
  runTerm as runTermOf,
  signBoth as signBothOf,
  councilName,
  REP_NAME,
  TRAINING,
  SIGNATORY_NAME,
  type LmaCast,
} from './support/lma';
import { decideNext, nextTask, timelineOf as timelineOfProcess, viewOf, completeTask, endedView } from './support/tasks';
import { recordsRendered } from './support/documents';
import { pdfText } from './support/pdf';
import { completeTaskUpdate } from '../workflows/common/tasks';
import { callApi, startTestStack, type TestStack } from './support/stack';

// The LMA workflow version whose runs `RECORD_HISTORIES=lma npm test` records under test/histories/.
// A change to the workflow that needs patched() bumps this, so earlier versions' files stay.
const CURRENT_LMA_VERSION = 'lma-v9-writes-together';

let stack: TestStack;
let cast: LmaCast;
beforeAll(async () => {
  stack = await startTestStack();
});
beforeEach(async () => {
  cast = await lmaCast(stack);
  const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, {
    as: cast.programmeManager,
    body: compressedLmaPolicy,
  });
  expect(policy.status).toBe(200);
});
afterAll(async () => {
  await stack.stop();
});

interface DocumentRow {
  id: string;
  kind: string;
  version: number;
  sha256: string;
}
const documentsOf = async (processId: string) => {
  await recordsRendered(stack, processId);
  return (await callApi<{ items: DocumentRow[] }>(stack.baseUrl, 'GET', `/processes/${processId}/documents`, { as: cast.auditor })).body
    .items;
};
const documentText = async (id: string) => {
  const response = await fetch(`${stack.baseUrl}/documents/${id}`, { headers: { authorization: `Bearer ${cast.auditor.token}` } });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) throw new Error(`document ${id}: ${response.status} ${bytes.toString()}`);
  const text = pdfText(bytes);
  if (!text)
    throw new Error(
      `document ${id}: no text found in ${bytes.length} bytes starting ${JSON.stringify(bytes.subarray(0, 200).toString('latin1'))}`,
    );
  return text;
};
const timelineOf = (processId: string) => timelineOfProcess(stack, processId, cast.auditor);
const signBoth = (processId: string) => signBothOf(stack, cast, processId);
const prepareAndSign = (processId: string) => prepareAndSignOf(stack, cast, processId);
const runTerm = (processId: string, term: number, outcome: 'renew' | 'vary' | 'terminate', reasons?: string) =>
  runTermOf(stack, cast, processId, term, outcome, reasons);

describe('a Local Management Agreement over its life', () => {
  it('goes from expression of interest to a signed agreement, two renewals (one varied) and a termination', async () => {
    const processId = await driveToPreparingAgreement(stack, cast);
    await prepareAndSign(processId);
    expect((await viewOf(stack, processId, cast.auditor)).details).toMatchObject({
      agreement: { services: detailedPlan, ...responsibilities },
    });

    // Term 1: renewed as it is.
    await runTerm(processId, 1, 'renew');
    // Term 2: varied, back through legal services and both signatures, with a higher price for gardening.
    await runTerm(processId, 2, 'vary', 'The group takes on the grass by Oak House too; gardening costs more');
    const varied = [{ ...detailedPlan[0], annualPayment: 150_000 }, detailedPlan[1]];
    // The variation starts from the agreement in force: only the service that changes is sent.
    await decideNext(stack, processId, 'draft_agreement', cast.legal, 'approve', { services: [varied[0]] });
    await signBoth(processId);
    await eventually(
      async () =>
        expect((await viewOf(stack, processId, cast.auditor)).details).toMatchObject({
          agreement: { services: varied, ...responsibilities },
        }),
      30_000,
    );
    // Term 3: terminated, with a notice to residents.
    await runTerm(processId, 3, 'terminate', 'The group is winding up');

    const ended = await endedView(stack, processId, cast.auditor, 30_000);
    expect(ended.stage).toBe('terminated');

    // Three runs of one process: each term after the first continued as new. Each replays cleanly.
    const runs = await eventually(async () => {
      const found: { runId: string; status: string; startTime: Date }[] = [];
      for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${processId}'` }))
        found.push({ runId: run.runId, status: run.status.name, startTime: run.startTime });
      found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
      expect(found.map((r) => r.status)).toEqual(['CONTINUED_AS_NEW', 'CONTINUED_AS_NEW', 'COMPLETED']);
      return found;
    });
    for (const [index, run] of runs.entries()) {
      const history = await stack.client.workflow.getHandle(processId, run.runId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: testEnv('workflowBundle') } }, history, `${processId}/${run.runId}`);
      // `RECORD_HISTORIES=lma npm test` records this version's runs for the replay suite to guard.
      if (recording('lma')) writeHistory(`${CURRENT_LMA_VERSION}-run${index + 1}`, historyToJSON(history));
    }

    // Payments: two instalments a term, on the agreed dates, the varied price in term 3.
    const payments = (
      await callApi<{ items: { term: number; instalment: number; amountPence: number }[] }>(
        stack.baseUrl,
        'GET',
        `/processes/${processId}/payments`,
        { as: cast.auditor },
      )
    ).body.items;
    expect(payments.map((p) => [p.term, p.instalment, p.amountPence])).toEqual([
      [1, 1, 100_000],
      [1, 2, 100_000],
      [2, 1, 100_000],
      [2, 2, 100_000],
      [3, 1, 115_000],
      [3, 2, 115_000],
    ]);

    // Documents: an agreement for each term, the consultation notice, the termination notice.
    const documents = await documentsOf(processId);
    const agreements = documents.filter((d) => d.kind === 'community_cashback_agreement');
    expect(agreements.map((d) => d.version)).toEqual([1, 2, 3]);
    expect(documents.filter((d) => d.kind === 'consultation_notice')).toHaveLength(1);
    expect(documents.filter((d) => d.kind === 'termination_notice')).toHaveLength(1);
    const third = await documentText(agreements[2]!.id);
    expect(third).toContain('£2,300.00 a year');
    // Three runs on, the process still states what the set-up recorded, and the evidence pack says it.
    const lastView = await viewOf(stack, processId, cast.auditor);
    expect(lastView.details).toMatchObject({
      training: TRAINING,
      consultation: { for: 64, against: 12, supported: true },
      insurance: { insuredBy: 'group', cover: ['public_liability', 'theft', 'damage', 'injury'] },
    });
    const pack = await fetch(`${stack.baseUrl}/processes/${encodeURIComponent(processId)}/evidence-pack`, {
      headers: { authorization: `Bearer ${cast.auditor.token}` },
    });
    const packText = pdfText(Buffer.from(await pack.arrayBuffer())).replace(/\s+/g, ' ');
    expect(packText).toContain('64 for, 12 against');
    expect(packText).not.toContain('0 for, 0 against');
    expect(packText).toContain('cover: public liability, theft, damage, injury');
    expect(await documentText(documents.find((d) => d.kind === 'termination_notice')!.id)).toContain('The group is winding up');

    // The timeline runs on across the terms, and says how it ended.
    const timeline = await timelineOf(processId);
    const reviews = timeline.filter((e) => e.kind === 'decision' && e.taskId?.startsWith('annual-review'));
    expect(reviews.map((e) => [e.taskId, e.outcome])).toEqual([
      ['annual-review-t1', 'renew'],
      ['annual-review-t2', 'vary'],
      ['annual-review-t3', 'terminate'],
    ]);
    expect(timeline.at(-1)).toMatchObject({ kind: 'process_finished' });

    // Each payment instruction is on the timeline on its date, and finance and the group are told.
    const instructed = timeline.filter((e) => e.kind === 'payment_instructed');
    expect(instructed).toHaveLength(6);
    expect(instructed[4]!.summary).toMatch(
      /^Payment instruction: £1,150\.00 to Churchill Gardens Residents Association on \d{1,2} [A-Z][a-z]+ \d{4} \(instalment 1 of 2, term 3\)$/,
    );
    const paymentEmail = await stack.mailbox.waitFor(
      (m) => m.subject.startsWith('Payment instruction: £1,150.00') && m.text.includes(processId),
    );
    expect(paymentEmail.to).toEqual([cast.finance.email, cast.rep.email].sort());

    // The programme manager and the group hear that it has finished.
    const finished = await stack.mailbox.waitFor((m) => m.subject.startsWith('Process finished') && m.text.includes(processId));
    expect(finished.to).toEqual([cast.programmeManager.email, cast.rep.email].sort());
  }, 180_000);

  it('signs an agreement that states everything §1.9 asks for, as a council would send it', async () => {
    const processId = await driveToPreparingAgreement(stack, cast);
    await prepareAndSign(processId);
    const agreement = await eventually(async () => {
      const found = (await documentsOf(processId)).find((d) => d.kind === 'community_cashback_agreement');
      expect(found).toBeDefined();
      return found!;
    });
    const first = await documentText(agreement.id);
    for (const part of [
      'Parties',
      'Type, scope and duration of the work',
      'Payment amount and payment dates',
      'Specification',
      'Responsibilities of the group',
      'Responsibilities of the council',
      'Insurance and public liability',
      'Keeping receipts',
    ]) {
      expect(first).toContain(part);
    }
    expect(first).toContain('Churchill Gardens Residents Association');
    expect(first).toContain('flowerbeds by Elm House');
    expect(first).toContain('Beds weeded weekly from March to October');
    // As a council would send it: its name, money with thousands, dates in words, signatories by name.
    expect(first).toContain(`The council: ${councilName(cast.council)}`);
    expect(first).toContain('£2,000.00 a year');
    expect(first).toMatch(
      /Duration: from \d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4} to \d{1,2} [A-Z][a-z]+ \d{4}/,
    );
    expect(first).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
    expect(first).toContain(`${REP_NAME}, for the residents' group`);
    expect(first).toContain(`${SIGNATORY_NAME}, for the council`);
    expect(first).toContain('Cover held: public liability, theft, damage, injury');
    // §1.5: the contractor quotes and the training the group needs, from the detailed plan.
    expect(first).toContain('quote: Shine Windows Ltd, £780.00, 1 March 2027');
    expect(first).toContain('quote: Clearview Cleaning, £915.00, 4 March 2027');
    expect(first.replace(/·?\s+/g, ' ')).toContain(`Training and help for the group ${TRAINING}`);

    // Published for anyone: a summary of it (who, what, where, for how much, until when, signed by whom),
    // never the agreement itself, which stays with the council and the group.
    const published = await callApi<{ items: { id: string; kind: string; sha256: string }[] }>(
      stack.baseUrl,
      'GET',
      `/published/${cast.council}`,
    );
    expect(published.body.items.map((d) => d.kind)).toEqual(['community_cashback_agreement_summary']);
    expect(published.body.items.map((d) => d.id)).not.toContain(agreement.id);
    const summary = await documentText(published.body.items[0]!.id);
    expect(summary).toContain("Churchill Gardens Residents Association, the residents' group of Churchill Gardens");
    expect(summary).toContain('£2,000.00 a year, in 2 instalments');
    expect(summary).toContain(`${REP_NAME}, for the residents' group`);
    expect(summary).not.toContain('Beds weeded weekly');
    expect(summary).not.toContain('Shine Windows');
    const withoutToken = await fetch(`${stack.baseUrl}/documents/${agreement.id}`);
    expect(withoutToken.status).toBe(401);
  }, 90_000);

  it('loops back to the group when the council asks for changes to the outline plan, with the reasons on the timeline', async () => {
    const rep = await stack.user({ council: cast.council, role: 'resident_rep', groupKey: 'lisson-green-tra' });
    const processId = (
      await callApi<{ processId: string }>(stack.baseUrl, 'POST', '/processes', {
        as: rep,
        body: {
          kind: 'lma',
          council: cast.council,
          estate: 'Lisson Green',
          group: { name: 'Lisson Green TRA', legalForm: 'residents_association' },
          services: [{ service: 'estate_cleaning', scope: ['Block A'] }],
        },
      })
    ).body.processId;
    await decideNext(stack, processId, 'appoint_adviser', cast.housingManager, 'appoint', {
      adviserUserId: 'hm-dee',
      adviserName: 'Dee Adviser',
    });
    await decideNext(stack, processId, 'submit_outline_plan', rep, 'submit', { summary: 'Clean Block A' });
    await decideNext(
      stack,
      processId,
      'reply_to_outline_plan',
      cast.housingManager,
      'request_changes',
      {},
      'Say how often, and who does it',
    );
    await decideNext(stack, processId, 'submit_outline_plan', rep, 'submit', { summary: 'Clean Block A twice a week, two residents' });
    await decideNext(stack, processId, 'reply_to_outline_plan', cast.housingManager, 'request_changes', {}, 'Include the bin store');
    await decideNext(stack, processId, 'submit_outline_plan', rep, 'submit', { summary: 'Block A and its bin store, twice a week' });

    const round = await nextTask(stack, processId, 'reply_to_outline_plan', cast.housingManager);
    const timeline = await timelineOf(processId);

    expect(round.taskId).toBe('outline-reply-3');
    expect(timeline.filter((e) => e.outcome === 'request_changes').map((e) => e.reasons)).toEqual([
      'Say how often, and who does it',
      'Include the bin store',
    ]);
  }, 60_000);
});

describe('monitoring during a term', () => {
  it("reminds the group of a late monitoring report, then escalates it past the adviser to the adviser's manager", async () => {
    const processId = await driveToPreparingAgreement(stack, cast);
    await prepareAndSign(processId);
    const report = await nextTask(stack, processId, 'submit_monitoring_report', cast.rep);

    const reminder = await stack.mailbox.waitFor(
      (m) => m.subject.startsWith('Reminder: Monitoring report 1 of term 1') && m.text.includes(processId),
    );
    const escalation = await stack.mailbox.waitFor(
      (m) => m.subject.startsWith('Overdue: Monitoring report 1 of term 1') && m.text.includes(processId),
    );

    expect(reminder.to).toEqual([cast.rep.email]);
    expect(escalation.to).toEqual([cast.programmeManager.email]);
    expect((await completeTask(stack, report.id, cast.rep, { outcome: 'submit', form: { summary: 'Late, sorry' } })).status).toBe(200);
  }, 60_000);
});

describe('a variation during a term', () => {
  it('is drafted and signed again while the agreement runs, and the new terms are in force from then', async () => {
    // Days of a second: the term (100 days) outlasts the test.
    const slow = await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, {
      as: cast.programmeManager,
      body: {
        ...compressedLmaPolicy,
        calendar: { kind: 'compressed', workingDayMs: 1_000 },
        lma: { ...compressedLmaPolicy.lma, consultationDays: 1, termDays: 100, annualReviewDaysBeforeEnd: 10 },
      },
    });
    expect(slow.status).toBe(200);
    const processId = await driveToPreparingAgreement(stack, cast);
    await prepareAndSign(processId);
    await eventually(async () => expect((await viewOf(stack, processId, cast.auditor)).stage).toBe('operating'), 30_000);

    const byFinance = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/variation-requests`, {
      as: cast.finance,
      body: { reasons: 'cheaper' },
    });
    const askedAt = Date.now();
    const requested = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/variation-requests`, {
      as: cast.rep,
      body: { reasons: 'Add the grass by Oak House' },
    });
    const answeredAt = Date.now();
    // The redraft names the variation, and so does the email that asks legal services for it.
    const redraft = await nextTask(stack, processId, 'draft_agreement', cast.legal);
    expect(redraft).toMatchObject({ title: 'Draft Variation 1 of the Community Cashback Agreement: Add the grass by Oak House' });
    const asked = await stack.mailbox.waitFor(
      (m) => m.subject.includes('Draft Variation 1 of the Community Cashback Agreement') && m.text.includes(processId),
    );
    expect(asked.to).toEqual([cast.legal.email]);
    const twice = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/variation-requests`, {
      as: cast.housingManager,
      body: { reasons: 'and the bins' },
    });
    const varied = [{ ...detailedPlan[0], annualPayment: 160_000 }, detailedPlan[1]];
    await decideNext(stack, processId, 'draft_agreement', cast.legal, 'approve', { services: varied, ...responsibilities });
    await signBoth(processId);

    expect(byFinance.status).toBe(403);
    expect(requested).toMatchObject({ status: 200, body: { variation: 1 } });
    expect(twice).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:rule-violation' } });
    const view = await eventually(async () => {
      const found = await viewOf(stack, processId, cast.auditor);
      expect(found.details).not.toHaveProperty('variationInProgress');
      return found;
    });
    expect(view.details).toMatchObject({
      agreement: { services: [expect.objectContaining({ service: 'gardening', annualPayment: 160_000 }), expect.anything()] },
    });
    const agreements = (await documentsOf(processId)).filter((d) => d.kind === 'community_cashback_agreement');
    expect(agreements.map((d) => d.version)).toEqual([1, 2]);
    const variedText = await documentText(agreements[1]!.id);
    expect(variedText).toContain('£2,400.00 a year');
    expect(variedText).toContain(`Variation 1, asked for by ${REP_NAME}, for the residents' group.`);
    expect(variedText).toContain('Why: Add the grass by Oak House');
    // Dated when it was asked for, not at the stage change before it.
    const request = (await timelineOf(processId)).find((e) => e.kind === 'variation_requested');
    expect(Date.parse(request!.at)).toBeGreaterThanOrEqual(askedAt - 1_000);
    expect(Date.parse(request!.at)).toBeLessThanOrEqual(answeredAt + 1_000);
  }, 90_000);
});

describe('the detailed plan (§1.5)', () => {
  it('is refused without contractor quotes for a service a contractor delivers, or without the training the group needs', async () => {
    const processId = await driveToDetailedPlan(stack, cast);
    const task = await nextTask(stack, processId, 'submit_detailed_plan', cast.rep);
    const unquoted = detailedPlan.map((s) => (s.deliveryMode === 'contractor' ? { ...s, quotes: undefined } : s));

    const noQuotes = await completeTask(stack, task.id, cast.rep, { outcome: 'submit', form: { services: unquoted, training: TRAINING } });
    const noTraining = await completeTask(stack, task.id, cast.rep, { outcome: 'submit', form: { services: detailedPlan } });

    expect(noQuotes.status).toBe(400);
    expect(JSON.stringify(noQuotes.body)).toContain('form.services.1.quotes');
    expect(noTraining.status).toBe(400);
    expect(JSON.stringify(noTraining.body)).toContain('form.training');
    // The workflow holds the task kind's same declaration: a decision sent past the API is refused too.
    const pastTheApi = stack.client.workflow.getHandle(processId).executeUpdate(completeTaskUpdate, {
      args: [
        {
          taskId: task.taskId,
          outcome: 'submit',
          actor: { userId: cast.rep.userId, role: 'resident_rep' },
          form: { services: detailedPlan },
        },
      ],
    });
    await expect(pastTheApi).rejects.toMatchObject({ cause: { type: 'InvalidForm', message: 'the form needs: training' } });
    expect(
      (await completeTask(stack, task.id, cast.rep, { outcome: 'submit', form: { services: detailedPlan, training: TRAINING } })).status,
    ).toBe(200);
  }, 60_000);
});

describe('the rules of signing a Community Cashback Agreement', () => {
  it('refuses signing before consultation support, before a formal body, and with a service outside the agreed scope, naming each rule', async () => {
    const processId = await driveToPreparingAgreement(stack, cast, 'none');
    const outOfScope = [
      ...detailedPlan,
      {
        service: 'minor_repairs',
        scope: ['Elm House'],
        standards: 'Small repairs within a week',
        annualPayment: 30_000,
        deliveryMode: 'employ',
      },
    ];
    await decideNext(stack, processId, 'draft_agreement', cast.legal, 'approve', { services: outOfScope, ...responsibilities });
    const signing = await nextTask(stack, processId, 'sign_agreement', cast.rep);
    const sign = () => completeTask(stack, signing.id, cast.rep, { outcome: 'sign' });

    // Refused in the update's validator: no update is accepted into the history (timers may still fire).
    const acceptedUpdates = async () =>
      ((await stack.client.workflow.getHandle(processId).fetchHistory()).events ?? []).filter(
        (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
      ).length;
    const before = await acceptedUpdates();
    const noSupportYet = await sign();
    expect(await acceptedUpdates()).toBe(before);

    await decideNext(stack, processId, 'record_consultation_result', cast.housingManager, 'record', { for: 30, against: 10 });
    const noFormalBody = await sign();
    await decideNext(stack, processId, 'register_formal_body', cast.rep, 'registered', {
      legalForm: 'community_interest_company',
      reference: 'CIC 12345678',
    });
    await decideNext(stack, processId, 'confirm_insurance_and_safety', cast.housingManager, 'confirm', {
      insuredBy: 'council',
      cover: ['public_liability'],
      healthAndSafety: 'Site induction',
    });
    const outsideScope = await sign();

    expect(noSupportYet).toMatchObject({ status: 409, body: { type: 'urn:housing-governance:problem:rule-violation' } });
    expect(noSupportYet.body.detail).toMatch(/^LMA-R1: .*consultation.*§1\.7/);
    expect(noFormalBody.status).toBe(409);
    expect(noFormalBody.body.detail).toMatch(/^LMA-R2: .*formal body.*§1\.8/);
    expect(outsideScope.status).toBe(409);
    expect(outsideScope.body.detail).toMatch(/^LMA-R4: .*minor_repairs/);
    // The same rules answer at the process's rules report, with their sources.
    const rules = (
      await callApi<{ rules: { rule: string; source: string; outcome: string }[] }>(stack.baseUrl, 'GET', `/processes/${processId}/rules`, {
        as: cast.housingManager,
      })
    ).body.rules;
    expect(rules.map((r) => [r.rule.slice(0, 6), r.source, r.outcome])).toEqual([
      ['LMA-R1', 'PROCESSES.md §1.7', 'met'],
      ['LMA-R2', 'PROCESSES.md §1.8', 'met'],
      ['LMA-R3', 'PROCESSES.md §1.6', 'met'],
      ['LMA-R4', 'PROCESSES.md §1.2 (partial scope)', 'not met'],
    ]);

    // The group asks for a redraft within scope, and then both sides can sign.
    // The redraft starts from the draft the group asked to change: it sends only the service it takes out.
    await completeTask(stack, signing.id, cast.rep, { outcome: 'request_changes', reasons: 'Minor repairs were never in the plan' });
    await decideNext(stack, processId, 'draft_agreement', cast.legal, 'approve', { removeServices: ['minor_repairs'] });
    await signBoth(processId);
    const operating = await eventually(async () => {
      const view = await viewOf(stack, processId, cast.auditor);
      expect(view.stage).toBe('operating');
      return view;
    });
    expect(operating.details).toMatchObject({
      group: { legalForm: 'community_interest_company', registration: 'CIC 12345678' },
      consultation: { for: 30, against: 10, supported: true },
      agreement: { services: detailedPlan, ...responsibilities },
    });
    // The agreement names the formal body by the registration entered at step 8.
    const agreement = (await documentsOf(processId)).find((d) => d.kind === 'community_cashback_agreement');
    expect((await documentText(agreement!.id)).replace(/·?\s+/g, ' ')).toContain(
      '(community interest company, registered as CIC 12345678)',
    );
  }, 60_000);

  it('ends the process when the consultation does not show enough support, withdrawing the open tasks', async () => {
    const processId = await driveToPreparingAgreement(stack, cast);
    await nextTask(stack, processId, 'draft_agreement', cast.legal);

    await decideNext(stack, processId, 'record_consultation_result', cast.housingManager, 'record', { for: 10, against: 10 });

    const view = await eventually(async () => {
      const found = await viewOf(stack, processId, cast.auditor);
      expect(found.status).toBe('completed');
      return found;
    });
    expect(view.stage).toBe('not_supported');
    const tasks = await stack.prisma.task.findMany({
      where: { processId, kind: { in: ['draft_agreement', 'confirm_insurance_and_safety'] } },
    });
    expect(tasks.map((t) => t.status)).toEqual(['cancelled', 'cancelled']);
  }, 60_000);
});

describe('ending an LMA early', () => {
  it('lets the group withdraw at any step, with reasons, and tells the council', async () => {
    const processId = await driveToPreparingAgreement(stack, cast);
    await nextTask(stack, processId, 'draft_agreement', cast.legal);

    const byAuditor = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/withdraw`, {
      as: cast.auditor,
      body: { reasons: 'no' },
    });
    const withoutReasons = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/withdraw`, { as: cast.rep, body: {} });
    const withdrawn = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/withdraw`, {
      as: cast.rep,
      body: { reasons: 'Not enough volunteers' },
    });
    const again = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'too late' },
    });

    expect(byAuditor.status).toBe(403);
    expect(withoutReasons.status).toBe(400);
    expect(withdrawn).toMatchObject({ status: 200, body: { stage: 'withdrawn' } });
    expect(again.status).toBe(409);
    expect(await stack.prisma.task.count({ where: { processId, status: 'open' } })).toBe(0);
    const mail = await stack.mailbox.waitFor((m) => m.subject.startsWith('Process finished') && m.text.includes(processId));
    expect(mail.to).toContain(cast.programmeManager.email);
  }, 60_000);

  it('lets the council cancel, with reasons on the timeline', async () => {
    const processId = await driveToPreparingAgreement(stack, cast);

    const cancelled = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
      as: cast.programmeManager,
      body: { reasons: 'Estate to be redeveloped' },
    });

    expect(cancelled).toMatchObject({ status: 200, body: { stage: 'cancelled' } });
    const last = (await timelineOf(processId)).at(-1);
    expect(last).toMatchObject({ kind: 'process_finished', summary: 'Cancelled by the council: Estate to be redeveloped' });
  }, 60_000);
});
