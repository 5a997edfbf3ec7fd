import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import { sleepUntil } from '../../common/clock';
import { dateInWords } from '../../common/format';
import { calendarDaysMs } from '../../common/policy';
import type { LmaActivities } from '../activities';
import { type AgreementTerms, LMA_STAGES, type LmaTermCarry } from '../messages';
import type { localManagementAgreement } from '../workflow';
import { agreementDocument, draftAndSign } from './agreement';
import { type Agreement, later } from './context';

/** §1.10-11: one term of operation, then the annual review's outcome. */
export async function runTerm(
  ctx: Agreement,
  term: number,
  termStart: string,
  terms: AgreementTerms,
  agreementDocumentId: string,
): Promise<void> {
  const { input, frame, details, tasks, moveTo, finish, processId, startedAt, policy, carry, groupStep, councilStep } = ctx;
  const termMs = calendarDaysMs(policy.calendar, policy.lma.termDays);
  const termEnd = later(termStart, termMs);
  details.term = { number: term, start: termStart, end: termEnd };
  details.agreement = { ...terms, documentId: agreementDocumentId, signedBy: details.agreement?.signedBy ?? [] };
  await moveTo(LMA_STAGES.operating, `Term ${term} runs from ${termStart} to ${termEnd}`);

  // The terms in force: a variation signed during the term applies to the instalments after it.
  let current = terms;
  const instalments = policy.lma.paymentsPerTerm;
  const payments = async () => {
    for (let k = 0; k < instalments; k += 1) {
      const dueOn = later(termStart, Math.floor((k * termMs) / instalments));
      await sleepUntil(dueOn);
      const total = current.services.reduce((sum, s) => sum + s.annualPayment, 0);
      // The last instalment takes the pennies that do not divide evenly.
      const amount = k < instalments - 1 ? Math.floor(total / instalments) : total - Math.floor(total / instalments) * (instalments - 1);
      await frame.ownActivities<LmaActivities>().recordPaymentInstruction({
        processId,
        council: input.council,
        term,
        instalment: k + 1,
        of: instalments,
        amountPence: amount,
        dueOn,
        payee: input.group.name,
      });
    }
  };
  const reports = async () => {
    const periods = policy.lma.reportingPeriodsPerTerm;
    await Promise.all(
      Array.from({ length: periods - 1 }, async (_, i) => {
        await sleepUntil(later(termStart, Math.floor(((i + 1) * termMs) / periods)));
        await tasks.decide({
          taskId: `report-t${term}-${i + 1}`,
          kind: 'submit_monitoring_report',
          title: `Monitoring report ${i + 1} of term ${term}, with receipts`,
          role: 'resident_rep',
          outcomes: ['submit'],
          dueInWorkingDays: groupStep,
          // §1.10: a late report escalates past the adviser (a housing manager) to the adviser's manager.
          escalateTo: 'programme_manager',
        });
      }),
    );
  };
  let outcome = 'renew' as 'renew' | 'vary' | 'terminate';
  let termWorkDone = false;
  let reviewedTerms: AgreementTerms | undefined;
  const variationsDuringTerm = async () => {
    for (;;) {
      await condition(() => ctx.variationRequest !== undefined || termWorkDone);
      if (!ctx.variationRequest) return;
      const number = ctx.variations;
      ctx.variationRequest = undefined;
      const requested = details.variationInProgress;
      const varied = await draftAndSign(
        ctx,
        `t${term}-v${number}-`,
        () => current,
        () => details.detailedPlan ?? terms.services,
        () => true,
        {
          name: `Variation ${number}`,
          reasons: requested?.reasons ?? '',
          ...(requested ? { requestedBy: requested.requestedBy } : {}),
        },
      );
      current = varied.terms;
      const document = await agreementDocument(ctx, term, current, termStart, [], varied.signedBy, {
        number,
        name: `Variation ${number}`,
        reasons: requested?.reasons ?? '',
        ...(requested ? { requestedBy: requested.requestedBy } : {}),
      });
      details.agreement = { ...current, documentId: document.documentId, signedBy: varied.signedBy };
      delete details.variationInProgress;
      await moveTo(frame.stage(), `Variation ${number} signed; it applies from now`);
    }
  };
  const review = async () => {
    await sleepUntil(later(termEnd, -calendarDaysMs(policy.calendar, policy.lma.annualReviewDaysBeforeEnd)));
    await moveTo(LMA_STAGES.annualReview, `Annual review of term ${term}`);
    const decision = await tasks.decide({
      taskId: `annual-review-t${term}`,
      kind: 'annual_review',
      title: `Annual review of term ${term}: renew, vary or terminate`,
      role: 'housing_manager',
      outcomes: ['renew', 'vary', 'terminate'],
      reasonsRequiredFor: ['vary', 'terminate'],
      data: { agreement: terms, termEnd },
      dueInWorkingDays: councilStep,
    });
    outcome = decision.outcome as typeof outcome;
    if (outcome === 'vary') {
      const varied = await draftAndSign(
        ctx,
        `t${term + 1}-`,
        () => current,
        () => details.detailedPlan ?? terms.services,
        () => true,
        {
          name: `Variation for term ${term + 1}`,
          reasons: decision.reasons ?? '',
          requestedBy: decision.actor,
        },
      );
      reviewedTerms = varied.terms;
    }
    if (outcome === 'terminate') {
      await frame.document(
        `termination-notice:t${term}`,
        'annual_review',
        'termination_notice',
        'Notice to residents: the Local Management Agreement ends',
        [
          {
            heading: 'Notice',
            lines: [
              `The agreement with ${input.group.name} for ${input.estate} ends on ${dateInWords(termEnd)}.`,
              'From then the council provides these services again:',
              ...terms.services.map((s) => `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')}`),
            ],
          },
          { heading: 'Reasons', lines: [decision.reasons ?? ''] },
        ],
      );
    }
    await moveTo(LMA_STAGES.operating, `Annual review: ${outcome}`, decision.actor);
  };
  const variationsInFlight = variationsDuringTerm();
  await Promise.all([payments(), reports(), review()]);
  await sleepUntil(termEnd);
  termWorkDone = true;
  await variationsInFlight;
  const nextTerms = reviewedTerms ?? current;
  if (outcome === 'terminate') {
    await finish(LMA_STAGES.terminated, 'completed', `Agreement terminated at the end of term ${term}; the services return to the council`);
    return;
  }
  const paymentDates = Array.from({ length: instalments }, (_, k) => later(termEnd, Math.floor((k * termMs) / instalments)));
  // Each term has its agreement document: the same terms renewed, or the varied ones, with its dates.
  const document = await agreementDocument(ctx, term + 1, nextTerms, termEnd, paymentDates, details.agreement?.signedBy ?? []);
  await condition(allHandlersFinished);
  const next: LmaTermCarry = {
    term: term + 1,
    termStart: termEnd,
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
    previousTerms: [...(carry?.previousTerms ?? []), { term, termStart, outcome }],
  };
  // A new run for the new term keeps the history bounded; the process id and timeline carry on.
  await continueAsNew<typeof localManagementAgreement>({ ...input, carry: next });
}
