import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import { sleepUntil, workflowNow } from '../../common/clock';
import type { Actor } from '../../common/roles';
import { dateInWords } from '../../common/format';
import { calendarDaysMs } from '../../common/policy';
import type { LmaActivities } from '../activities';
import { type AgreementTerms, LMA_STAGES, type LmaTermCarry } from '../messages';
import type { localManagementAgreement } from '../workflow';
import { agreementDocument, draftAndSign } from './agreement';
import { type Agreement, later } from './context';

/** One term of an agreement in operation, as its steps share it. */
interface Term {
  number: number;
  start: string;
  end: string;
  ms: number;
  /** The terms signed for this term. */
  signed: AgreementTerms;
  /** The terms in force: a variation signed during the term applies to the instalments after it. */
  inForce: AgreementTerms;
  /** The term's payments, reports and review are done: no variation is taken up after it. */
  workDone: boolean;
}

/** The annual review's outcome, and the varied terms the next term runs on when it varied them. */
type Review = { outcome: 'terminate' } | Continued;
type Continued = { outcome: 'renew' | 'vary'; reviewedTerms?: AgreementTerms };

/** §1.10-11: one term of operation, then the annual review's outcome. */
export async function runTerm(
  ctx: Agreement,
  number: number,
  termStart: string,
  terms: AgreementTerms,
  agreementDocumentId: string,
): Promise<void> {
  const { details, moveTo, finish, policy } = ctx;
  const ms = calendarDaysMs(policy.calendar, policy.lma.termDays);
  const term: Term = { number, start: termStart, end: later(termStart, ms), ms, signed: terms, inForce: terms, workDone: false };
  details.term = { number, start: term.start, end: term.end };
  details.agreement = { ...terms, documentId: agreementDocumentId, signedBy: details.agreement?.signedBy ?? [] };
  await moveTo(LMA_STAGES.operating, `Term ${number} runs from ${term.start} to ${term.end}`);

  const variationsInFlight = variationsDuringTerm(ctx, term);
  const [, , review] = await Promise.all([payments(ctx, term), monitoringReports(ctx, term), annualReview(ctx, term)]);
  await sleepUntil(term.end);
  term.workDone = true;
  await variationsInFlight;
  if (review.outcome === 'terminate') {
    await finish(
      LMA_STAGES.terminated,
      'completed',
      `Agreement terminated at the end of term ${number}; the services return to the council`,
    );
    return;
  }
  await nextTerm(ctx, term, review);
}

/** The first term, from the agreement's signing: its agreement document with the term's payment dates. */
export async function firstTerm(ctx: Agreement, signed: { terms: AgreementTerms; signedBy: Actor[] }): Promise<void> {
  const { policy } = ctx;
  const termStart = workflowNow();
  const termMs = calendarDaysMs(policy.calendar, policy.lma.termDays);
  const paymentDates = Array.from({ length: policy.lma.paymentsPerTerm }, (_, k) =>
    later(termStart, Math.floor((k * termMs) / policy.lma.paymentsPerTerm)),
  );
  const document = await agreementDocument(ctx, 1, signed.terms, termStart, paymentDates, signed.signedBy);
  return runTerm(ctx, 1, termStart, signed.terms, document.documentId);
}

/** §1.10: the instalments of the term, each on its day, on the terms in force then. */
async function payments(ctx: Agreement, term: Term): Promise<void> {
  const { input, frame, processId, policy } = ctx;
  const instalments = policy.lma.paymentsPerTerm;
  for (let k = 0; k < instalments; k += 1) {
    const dueOn = later(term.start, Math.floor((k * term.ms) / instalments));
    await sleepUntil(dueOn);
    const total = term.inForce.services.reduce((sum, s) => sum + s.annualPayment, 0);
    // The last instalment takes the pennies that do not divide evenly.
    const amount = k < instalments - 1 ? Math.floor(total / instalments) : total - Math.floor(total / instalments) * (instalments - 1);
    await frame.ownActivities<LmaActivities>().recordPaymentInstruction({
      processId,
      council: input.council,
      term: term.number,
      instalment: k + 1,
      of: instalments,
      amountPence: amount,
      dueOn,
      payee: input.group.name,
    });
  }
}

/** §1.10: the group's monitoring reports, with receipts, through the term. */
async function monitoringReports(ctx: Agreement, term: Term): Promise<void> {
  const { tasks, policy, groupStep } = ctx;
  const periods = policy.lma.reportingPeriodsPerTerm;
  await Promise.all(
    Array.from({ length: periods - 1 }, async (_, i) => {
      await sleepUntil(later(term.start, Math.floor(((i + 1) * term.ms) / periods)));
      await tasks.decide({
        taskId: `report-t${term.number}-${i + 1}`,
        kind: 'submit_monitoring_report',
        title: `Monitoring report ${i + 1} of term ${term.number}, with receipts`,
        role: 'resident_rep',
        outcomes: ['submit'],
        dueInWorkingDays: groupStep,
        // §1.10: a late report escalates past the adviser (a housing manager) to the adviser's manager.
        escalateTo: 'programme_manager',
      });
    }),
  );
}

/** §1.10: variations asked for during the term, drafted and signed one at a time until its work is done. */
async function variationsDuringTerm(ctx: Agreement, term: Term): Promise<void> {
  const { details, frame, moveTo } = ctx;
  for (;;) {
    await condition(() => ctx.variationRequest !== undefined || term.workDone);
    if (!ctx.variationRequest) return;
    const number = ctx.variations;
    ctx.variationRequest = undefined;
    const requested = details.variationInProgress;
    const varied = await draftAndSign(
      ctx,
      `t${term.number}-v${number}-`,
      () => term.inForce,
      () => details.detailedPlan ?? term.signed.services,
      () => true,
      {
        name: `Variation ${number}`,
        reasons: requested?.reasons ?? '',
        ...(requested ? { requestedBy: requested.requestedBy } : {}),
      },
    );
    term.inForce = varied.terms;
    const document = await agreementDocument(ctx, term.number, term.inForce, term.start, [], varied.signedBy, {
      number,
      name: `Variation ${number}`,
      reasons: requested?.reasons ?? '',
      ...(requested ? { requestedBy: requested.requestedBy } : {}),
    });
    details.agreement = { ...term.inForce, documentId: document.documentId, signedBy: varied.signedBy };
    delete details.variationInProgress;
    await moveTo(frame.stage(), `Variation ${number} signed; it applies from now`);
  }
}

/** §1.11: the annual review before the term ends: renew, vary (drafted and signed for the next term) or terminate. */
async function annualReview(ctx: Agreement, term: Term): Promise<Review> {
  const { input, frame, details, tasks, moveTo, policy, councilStep } = ctx;
  await sleepUntil(later(term.end, -calendarDaysMs(policy.calendar, policy.lma.annualReviewDaysBeforeEnd)));
  await moveTo(LMA_STAGES.annualReview, `Annual review of term ${term.number}`);
  const decision = await tasks.decide({
    taskId: `annual-review-t${term.number}`,
    kind: 'annual_review',
    title: `Annual review of term ${term.number}: renew, vary or terminate`,
    role: 'housing_manager',
    outcomes: ['renew', 'vary', 'terminate'],
    reasonsRequiredFor: ['vary', 'terminate'],
    data: { agreement: term.signed, termEnd: term.end },
    dueInWorkingDays: councilStep,
  });
  const outcome = decision.outcome as Review['outcome'];
  let reviewedTerms: AgreementTerms | undefined;
  if (outcome === 'vary') {
    const varied = await draftAndSign(
      ctx,
      `t${term.number + 1}-`,
      () => term.inForce,
      () => details.detailedPlan ?? term.signed.services,
      () => true,
      {
        name: `Variation for term ${term.number + 1}`,
        reasons: decision.reasons ?? '',
        requestedBy: decision.actor,
      },
    );
    reviewedTerms = varied.terms;
  }
  if (outcome === 'terminate') {
    await frame.document(
      `termination-notice:t${term.number}`,
      'annual_review',
      'termination_notice',
      'Notice to residents: the Local Management Agreement ends',
      [
        {
          heading: 'Notice',
          lines: [
            `The agreement with ${input.group.name} for ${input.estate} ends on ${dateInWords(term.end)}.`,
            'From then the council provides these services again:',
            ...term.signed.services.map((s) => `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')}`),
          ],
        },
        { heading: 'Reasons', lines: [decision.reasons ?? ''] },
      ],
    );
  }
  await moveTo(LMA_STAGES.operating, `Annual review: ${outcome}`, decision.actor);
  return outcome === 'terminate' ? { outcome } : { outcome, ...(reviewedTerms ? { reviewedTerms } : {}) };
}

/** The next term as a new run: its agreement document (renewed or varied terms, with its dates) and what it carries. */
async function nextTerm(ctx: Agreement, term: Term, review: Continued): Promise<void> {
  const { input, details, tasks, startedAt, policy, carry } = ctx;
  const nextTerms = review.reviewedTerms ?? term.inForce;
  const paymentDates = Array.from({ length: policy.lma.paymentsPerTerm }, (_, k) =>
    later(term.end, Math.floor((k * term.ms) / policy.lma.paymentsPerTerm)),
  );
  // Each term has its agreement document: the same terms renewed, or the varied ones, with its dates.
  const document = await agreementDocument(ctx, term.number + 1, nextTerms, term.end, paymentDates, details.agreement?.signedBy ?? []);
  await condition(allHandlersFinished);
  const next: LmaTermCarry = {
    term: term.number + 1,
    termStart: term.end,
    agreement: nextTerms,
    agreementDocumentId: document.documentId,
    startedAt,
    adviser: details.adviser,
    legalForm: details.group.legalForm,
    insuredBy: details.insurance?.insuredBy ?? '',
    ...(details.consultation ? { consultation: details.consultation } : {}),
    ...(details.insurance ? { insurance: details.insurance } : {}),
    ...(details.group.registration ? { registration: details.group.registration } : {}),
    ...(details.training ? { training: details.training } : {}),
    decisionsBefore: (carry?.decisionsBefore ?? 0) + tasks.decisions.length,
    previousTerms: [...(carry?.previousTerms ?? []), { term: term.number, termStart: term.start, outcome: review.outcome }],
  };
  // A new run for the new term keeps the history bounded; the process id and timeline carry on.
  await continueAsNew<typeof localManagementAgreement>({ ...input, carry: next });
}
