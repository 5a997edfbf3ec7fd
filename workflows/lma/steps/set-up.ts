import type { Actor } from '../../common/roles';
import { type AgreementTerms, LMA_STAGES, type ServiceTerms } from '../messages';
import { outsideScope, withoutQuotes } from '../rules';
import type { Agreement } from './context';
import { prepareAgreement } from './preparations';

/** Steps 3-9: from the outline plan to the signed agreement. Returns undefined if the process ended. */
export async function setUp(ctx: Agreement): Promise<{ terms: AgreementTerms; signedBy: Actor[] } | undefined> {
  const { details, moveTo } = ctx;
  const notProvided = await outlinePlan(ctx);
  // §1.3: a service the council does not provide today needs a budget availability decision.
  if (notProvided.length > 0 && !(await budgetDecision(ctx, notProvided))) return undefined;
  // §1.4 test of local support.
  await moveTo(LMA_STAGES.testOfSupport, 'Outline plan agreed');
  await testOfSupport(ctx);
  // §1.5 detailed plan and specification, within the agreed scope.
  await moveTo(LMA_STAGES.detailedPlan, 'Test of support reported');
  const plan = await detailedPlan(ctx);
  details.detailedPlan = plan;
  await moveTo(LMA_STAGES.preparingAgreement, 'Detailed plan approved');
  return prepareAgreement(ctx, plan);
}

/**
 * §1.3: the outline plan and the council's reply with indicative payments, changes asked for any
 * number of times. Returns the services the council does not provide today.
 */
async function outlinePlan(ctx: Agreement): Promise<string[]> {
  const { details, tasks, groupStep, councilStep } = ctx;
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
      return reply.form.notProvidedToday ?? [];
    }
  }
}

/** §1.3: finance decides whether a budget is available; false if no service is left (the process ended). */
async function budgetDecision(ctx: Agreement, notProvided: string[]): Promise<boolean> {
  const { details, tasks, moveTo, finish, councilStep } = ctx;
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
    return false;
  }
  return true;
}

/** §1.4: the group reports its test of local support. */
async function testOfSupport(ctx: Agreement): Promise<void> {
  const { tasks, groupStep } = ctx;
  await tasks.decide({
    taskId: 'test-of-support',
    kind: 'report_test_of_support',
    title: 'Report the test of local support',
    role: 'resident_rep',
    outcomes: ['submit'],
    dueInWorkingDays: groupStep,
  });
}

/** §1.5: the detailed plan and specification, within the agreed scope, until the council approves it. */
async function detailedPlan(ctx: Agreement): Promise<ServiceTerms[]> {
  const { details, tasks, groupStep, councilStep } = ctx;
  for (let round = 1; ; round += 1) {
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
      details.training = submitted.form.training;
      return submitted.form.services;
    }
  }
}
