import { sleepUntil, workflowNow } from '../../common/clock';
import { dateInWords } from '../../common/format';
import { calendarDaysMs } from '../../common/policy';
import type { Actor } from '../../common/roles';
import { Endable } from '../../common/endable';
import { type Decision } from '../../common/tasks';
import { type AgreementTerms, LMA_STAGES, type LmaForms, type ServiceTerms } from '../messages';
import { consultationSupports, outsideScope, withoutQuotes } from '../rules';
import { draftAndSign } from './agreement';
import { type Agreement, later } from './context';

/** Steps 3-9: from the outline plan to the signed agreement. Returns undefined if the process ended. */
export async function setUp(ctx: Agreement): Promise<{ terms: AgreementTerms; signedBy: Actor[] } | undefined> {
  const { input, frame, details, tasks, moveTo, finish, policy, groupStep, councilStep } = ctx;
  // §1.3 outline plan and the council's reply with indicative payments, changes requested any number of times.
  let notProvided: string[] = [];
  for (let round = 1; ; round += 1) {
    await tasks.decide({
      taskId: `outline-plan-${round}`,
      kind: 'submit_outline_plan',
      title: 'Submit the outline plan',
      role: 'resident_rep',
      outcomes: ['submit'],
      data: { services: details.services },
      dueInWorkingDays: groupStep,
    });
    const reply = await tasks.decide(
      {
        taskId: `outline-reply-${round}`,
        kind: 'reply_to_outline_plan',
        title: 'Reply to the outline plan with comments and indicative payments',
        role: 'housing_manager',
        outcomes: ['accept', 'request_changes'],
        data: { services: details.services },
        dueInWorkingDays: councilStep,
      },
      undefined,
      (attempt) =>
        attempt.outcome === 'accept' && typeof attempt.form?.indicativePayments !== 'object'
          ? 'LMA-R5: accepting an outline plan gives an indicative payment for each service (PROCESSES.md §1.3)'
          : undefined,
    );
    if (reply.outcome === 'accept') {
      details.indicativePayments = reply.form.indicativePayments ?? {};
      notProvided = reply.form.notProvidedToday ?? [];
      break;
    }
  }
  // §1.3: a service the council does not provide today needs a budget availability decision.
  if (notProvided.length > 0) {
    await moveTo(LMA_STAGES.budgetDecision, `Budget decision needed for: ${notProvided.join(', ')}`);
    const budget = await tasks.decide({
      taskId: 'budget-availability',
      kind: 'budget_availability',
      title: `Decide whether a budget is available for ${notProvided.join(', ')}`,
      role: 'finance',
      outcomes: ['available', 'not_available'],
      reasonsRequiredFor: ['not_available'],
      data: { services: notProvided, indicativePayments: details.indicativePayments },
      dueInWorkingDays: councilStep,
    });
    if (budget.outcome === 'not_available') details.services = details.services.filter((s) => !notProvided.includes(s.service));
    if (details.services.length === 0) {
      await finish(LMA_STAGES.noServices, 'completed', 'No budget for any of the services asked for', budget.actor);
      return undefined;
    }
  }
  // §1.4 test of local support.
  await moveTo(LMA_STAGES.testOfSupport, 'Outline plan agreed');
  await tasks.decide({
    taskId: 'test-of-support',
    kind: 'report_test_of_support',
    title: 'Report the test of local support',
    role: 'resident_rep',
    outcomes: ['submit'],
    dueInWorkingDays: groupStep,
  });
  // §1.5 detailed plan and specification, within the agreed scope.
  await moveTo(LMA_STAGES.detailedPlan, 'Test of support reported');
  let plan: ServiceTerms[] | undefined;
  for (let round = 1; !plan; round += 1) {
    const submitted = await tasks.decide(
      {
        taskId: `detailed-plan-${round}`,
        kind: 'submit_detailed_plan',
        title: 'Submit the detailed plan and specification',
        role: 'resident_rep',
        outcomes: ['submit'],
        data: { agreedScope: details.services },
        dueInWorkingDays: groupStep,
      },
      undefined,
      (attempt) => {
        const services = (attempt.form?.services as ServiceTerms[] | undefined) ?? [];
        const outside = outsideScope(services, details.services);
        if (outside.length)
          return `LMA-R4: the plan covers services outside the agreed scope: ${outside.join('; ')} (PROCESSES.md §1.2, partial scope)`;
        const unquoted = withoutQuotes(services);
        return unquoted.length
          ? `LMA-R6: a service a contractor delivers needs its contractor quotes: ${unquoted.join(', ')} (PROCESSES.md §1.5)`
          : undefined;
      },
    );
    const review = await tasks.decide({
      taskId: `detailed-plan-review-${round}`,
      kind: 'approve_detailed_plan',
      title: 'Approve the detailed plan and specification',
      role: 'housing_manager',
      outcomes: ['approve', 'request_changes'],
      data: { plan: submitted.form.services },
      dueInWorkingDays: councilStep,
    });
    if (review.outcome === 'approve') {
      plan = submitted.form.services;
      details.training = submitted.form.training;
    }
  }
  details.detailedPlan = plan;
  await moveTo(LMA_STAGES.preparingAgreement, 'Detailed plan approved');

  // §1.6-9 in parallel: insurance, consultation, formal body, the agreement. Signing waits for the rest.
  let insured = false;
  // A consultation without enough support ends the preparations, and the process.
  const preparing = new Endable<Decision<LmaForms['record_consultation_result']>>();
  const insurance = () =>
    tasks.decide(
      {
        taskId: 'insurance-and-safety',
        kind: 'confirm_insurance_and_safety',
        title: 'Confirm insurance and health & safety',
        role: 'housing_manager',
        outcomes: ['confirm'],
        dueInWorkingDays: councilStep,
      },
      async (decision) => {
        details.insurance = { insuredBy: decision.form.insuredBy, cover: decision.form.cover };
        insured = true;
      },
    );
  const consultation = async () => {
    const opened = workflowNow();
    const closes = later(opened, calendarDaysMs(policy.calendar, policy.lma.consultationDays));
    await frame.document('consultation-notice', 'consultation', 'consultation_notice', 'Consultation of affected residents', [
      {
        heading: 'What is proposed',
        lines: [
          `${input.group.name} proposes to run these services under a Local Management Agreement:`,
          ...(plan ?? []).map((s) => `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')}`),
        ],
      },
      { heading: 'How to respond', lines: [`The consultation is open from ${dateInWords(opened)} until ${dateInWords(closes)}.`] },
    ]);
    await sleepUntil(closes);
    await tasks.decide(
      {
        taskId: 'consultation-result',
        kind: 'record_consultation_result',
        title: 'Record the result of the consultation of affected residents',
        role: 'housing_manager',
        outcomes: ['record'],
        dueInWorkingDays: councilStep,
      },
      async (decision) => {
        const votesFor = Number(decision.form.for);
        const against = Number(decision.form.against);
        const supported = consultationSupports(votesFor, against, policy.lma.supportThreshold);
        details.consultation = { for: votesFor, against, supported };
        if (!supported) preparing.end(decision);
      },
    );
  };
  const formalBody = async () => {
    if (details.group.legalForm !== 'none') return;
    await tasks.decide(
      {
        taskId: 'formal-body',
        kind: 'register_formal_body',
        title: 'Constitute a formal body to run the service',
        role: 'resident_rep',
        outcomes: ['registered'],
        dueInWorkingDays: groupStep,
      },
      async (decision) => {
        details.group = {
          ...details.group,
          legalForm: decision.form.legalForm,
          registration: decision.form.reference,
        };
      },
    );
  };
  const prepared = await preparing.run(() =>
    Promise.all([
      insurance(),
      consultation(),
      formalBody(),
      draftAndSign(
        ctx,
        '',
        () => ({ services: plan ?? [] }),
        () => plan,
        () => insured,
      ),
    ]),
  );
  if (!prepared.ended) return prepared.result[3];
  const [result] = prepared.because;
  await finish(
    LMA_STAGES.notSupported,
    'completed',
    `The consultation did not show enough support (${String(result.form.for)} for, ${String(result.form.against)} against)`,
    result.actor,
  );
  return undefined;
}
