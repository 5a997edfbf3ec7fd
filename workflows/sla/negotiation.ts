import { allHandlersFinished, condition, getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import { childFrame } from '../common/frame';
import { monthsLater } from '../common/policy';
import { type DecisionRecord } from '../common/tasks';
import {
  SLA_FORMS,
  DEADLOCK_FORUM_NAMES,
  DEADLOCK_RECORDED_BY,
  type DeadlockDecision,
  type NegotiationProgress,
  negotiationProgressSignal,
  type ServiceNegotiationInput,
  type ServiceOutcome,
  SLA_KIND,
  SLA_STAGES,
  type SlaForms,
  type SlaTerms,
} from './messages';
import { termsProblem } from './rules';
import { outcomeInWords } from './words';

/**
 * §4.3-4: one service's negotiation, a child of the SLA set's process. Rounds of the ALMO's proposal
 * and the service lead's response, each due in the policy's working days (reminded, escalated); the
 * ALMO may retract; a deadlock (declared, or the rounds run out) goes to the policy's forum, whose
 * decision binds. Its tasks and timeline are the SLA set's.
 */
export async function slaServiceNegotiation(input: ServiceNegotiationInput): Promise<void> {
  const { service, policy, cycle } = input;
  const sla = policy.sla;
  const frame = childFrame<{ serviceKey: string }, SlaForms>({
    kind: SLA_KIND,
    forms: SLA_FORMS,
    stage: SLA_STAGES.negotiating,
    policy,
    details: { serviceKey: service.key },
    parent: input.parent,
    keyPrefix: input.keyPrefix ?? `c${cycle}-${service.key}-`,
  });
  const { tasks } = frame;
  const max = sla.maxRounds;
  const parentId = workflowInfo().parent?.workflowId;
  // The set hears of each turn before the decision that made it answers, and that answer lists the task
  // opened after it (runs from before answered as soon as the signal was sent, without that task).
  const progressTracked = patched('negotiation-progress-tracked');
  const progress = async (update: Omit<NegotiationProgress, 'serviceKey'>) => {
    if (!parentId) return;
    const payload = { serviceKey: service.key, ...update };
    await (progressTracked
      ? frame.signal(parentId, negotiationProgressSignal, payload)
      : getExternalWorkflowHandle(parentId).signal(negotiationProgressSignal, payload));
  };
  const termsOf = (decision: DecisionRecord) => decision.form.terms as SlaTerms;
  const retraction = (decision: DecisionRecord, rounds: number, deadlock?: DeadlockDecision): ServiceOutcome => ({
    kind: 'retracted',
    retraction: {
      reasons: decision.reasons ?? '',
      noticeMonths: sla.retractionNoticeMonths,
      noticeEndsAt: monthsLater(policy.calendar, decision.decidedAt, sla.retractionNoticeMonths),
      ...(typeof decision.form.buyingFrom === 'string' ? { buyingFrom: decision.form.buyingFrom } : {}),
    },
    rounds,
    ...(deadlock ? { deadlock } : {}),
    decidedBy: decision.actor,
    decidedAt: decision.decidedAt,
  });
  const checkTerms = (termsOutcome: string) => (attempt: { outcome: string; form?: Record<string, unknown> }) =>
    attempt.outcome === termsOutcome ? termsProblem(attempt.form?.terms) : undefined;
  const context = {
    service: service.name,
    almo: input.almo,
    current: service.terms,
    ...(input.gap ? { valueForMoneyGap: input.gap } : {}),
    maxRounds: max,
  };

  let outcome: ServiceOutcome | undefined;
  let deadlock: { declaredBy: DeadlockDecision['declaredBy']; reasons: string } | undefined;
  let counter: SlaTerms | undefined;
  let rounds = 0;
  await frame.run(async () => {
    for (let round = 1; round <= max && !outcome && !deadlock; round += 1) {
      rounds = round;
      await progress({ round, awaiting: 'almo', ...(counter ? { lastProposal: { by: 'council', terms: counter } } : {}) });
      const almo = await tasks.decide(
        {
          taskId: frame.taskId(`r${round}-almo`),
          kind: 'propose_sla_terms',
          title: `${service.name}: the ALMO's ${round === 1 ? 'proposal' : 'reply to the counter-proposal'} (round ${round} of ${max})`,
          role: 'almo_board',
          outcomes: [round === 1 ? 'renew_as_is' : 'accept_counter', 'propose', 'retract', 'declare_deadlock'],
          reasonsRequiredFor: ['retract', 'declare_deadlock'],
          data: { ...context, round, ...(counter ? { counterProposal: counter } : {}) },
          dueInWorkingDays: sla.responseWorkingDays,
          // The lead hears what the ALMO did with their service, a retraction included.
          tell: [service.serviceLead.userId],
        },
        undefined,
        checkTerms('propose'),
      );
      if (almo.outcome === 'accept_counter')
        outcome = { kind: 'revised', terms: counter as SlaTerms, rounds: round, decidedBy: almo.actor, decidedAt: almo.decidedAt };
      else if (almo.outcome === 'retract') outcome = retraction(almo, round);
      else if (almo.outcome === 'declare_deadlock') deadlock = { declaredBy: 'almo', reasons: almo.reasons ?? '' };
      if (outcome || deadlock) break;

      const asIs = almo.outcome === 'renew_as_is';
      const proposal = asIs ? service.terms : termsOf(almo);
      await progress({ round, awaiting: 'council', lastProposal: { by: 'almo', terms: proposal } });
      const lead = await tasks.decide(
        {
          taskId: frame.taskId(`r${round}-council`),
          kind: 'respond_to_sla_proposal',
          title: `${service.name}: respond to the ALMO's ${asIs ? 'offer to renew as it is' : 'proposal'} (round ${round} of ${max}${round === max ? ': a counter-proposal now deadlocks it' : ''})`,
          role: 'service_lead',
          assignee: service.serviceLead.userId,
          outcomes: ['accept', 'counter', 'declare_deadlock'],
          reasonsRequiredFor: ['declare_deadlock'],
          data: { ...context, round, proposal, renewAsIs: asIs },
          dueInWorkingDays: sla.responseWorkingDays,
        },
        undefined,
        checkTerms('counter'),
      );
      if (lead.outcome === 'accept')
        outcome = { kind: asIs ? 'renewed' : 'revised', terms: proposal, rounds: round, decidedBy: lead.actor, decidedAt: lead.decidedAt };
      else if (lead.outcome === 'declare_deadlock') deadlock = { declaredBy: 'council', reasons: lead.reasons ?? '' };
      else {
        counter = termsOf(lead);
        // §4.3: the rounds run out without agreement.
        if (round === max) deadlock = { declaredBy: 'rounds_ran_out', reasons: `No agreement after ${max} rounds` };
      }
    }

    if (deadlock) {
      // §4.4: the forum the policy names decides, and its decision binds.
      const forum = sla.deadlockForum;
      const declared = deadlock;
      const by =
        declared.declaredBy === 'rounds_ran_out'
          ? 'the rounds ran out'
          : `declared by the ${declared.declaredBy === 'almo' ? 'ALMO' : 'council'}`;
      await frame.note(`${service.name}: deadlock (${by}: ${declared.reasons}); escalated to ${DEADLOCK_FORUM_NAMES[forum]}`);
      await progress({
        round: rounds,
        awaiting: 'deadlock_decision',
        ...(counter ? { lastProposal: { by: 'council', terms: counter } } : {}),
      });
      const decision = await tasks.decide(
        {
          taskId: frame.taskId('deadlock'),
          kind: 'decide_sla_deadlock',
          title: `${service.name}: record the binding decision of ${DEADLOCK_FORUM_NAMES[forum]} on the deadlock`,
          role: DEADLOCK_RECORDED_BY[forum],
          outcomes: ['renew_as_is', 'revise', 'retract'],
          reasonsRequiredFor: ['renew_as_is', 'revise', 'retract'],
          data: { ...context, deadlock: declared, ...(counter ? { lastCounterProposal: counter } : {}) },
          dueInWorkingDays: sla.deadlockDecisionWorkingDays,
          tell: [service.serviceLead.userId],
        },
        undefined,
        checkTerms('revise'),
      );
      const decided: DeadlockDecision = {
        declaredBy: declared.declaredBy,
        declaredReasons: declared.reasons,
        forum,
        forumMembers: decision.form.forumMembers,
        ...(typeof decision.form.minuteReference === 'string' ? { minuteReference: decision.form.minuteReference } : {}),
        reasons: decision.reasons ?? '',
        recordedBy: decision.actor,
        decidedAt: decision.decidedAt,
      };
      outcome =
        decision.outcome === 'retract'
          ? retraction(decision, rounds, decided)
          : {
              kind: decision.outcome === 'revise' ? 'revised' : 'renewed',
              terms: decision.outcome === 'revise' ? termsOf(decision) : service.terms,
              rounds,
              deadlock: decided,
              decidedBy: decision.actor,
              decidedAt: decision.decidedAt,
            };
    }
    const ended = outcome as ServiceOutcome;
    // The set learns the outcome by this signal alone, before the decision that settled it answers
    // (its sign-off may follow at once).
    const told = progress({ round: rounds, awaiting: 'council', outcome: ended });
    await (progressTracked ? told : frame.track(told));
    await frame.note(`Outcome: ${outcomeInWords(service, ended)}`, ended.decidedBy);
  });
  await condition(allHandlersFinished);
}
