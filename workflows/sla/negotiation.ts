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

  const n: Negotiation = { frame, tasks, service, sla, max, context, progress, termsOf, retraction, checkTerms };
  await frame.run(async () => {
    const settled = await rounds(n);
    const outcome = 'outcome' in settled ? settled.outcome : await deadlockDecision(n, settled);
    // The set learns the outcome by this signal alone, before the decision that settled it answers
    // (its sign-off may follow at once).
    const told = progress({ round: settled.rounds, awaiting: 'council', outcome });
    await (progressTracked ? told : frame.track(told));
    await frame.note(`Outcome: ${outcomeInWords(service, outcome)}`, outcome.decidedBy);
  });
  await condition(allHandlersFinished);
}

/** What the negotiation's steps share: its frame, the service and its policy, and how it tells the set. */
interface Negotiation {
  frame: ReturnType<typeof childFrame<{ serviceKey: string }, SlaForms>>;
  tasks: ReturnType<typeof childFrame<{ serviceKey: string }, SlaForms>>['tasks'];
  service: ServiceNegotiationInput['service'];
  sla: ServiceNegotiationInput['policy']['sla'];
  max: number;
  /** What every task of the negotiation shows. */
  context: Record<string, unknown>;
  progress(update: Omit<NegotiationProgress, 'serviceKey'>): Promise<void>;
  termsOf(decision: DecisionRecord): SlaTerms;
  retraction(decision: DecisionRecord, rounds: number, deadlock?: DeadlockDecision): ServiceOutcome;
  checkTerms(termsOutcome: string): (attempt: { outcome: string; form?: Record<string, unknown> }) => string | undefined;
}

type Deadlock = { declaredBy: DeadlockDecision['declaredBy']; reasons: string };
/** How the rounds ended: with an outcome, or deadlocked (with the council's last counter-proposal). */
type RoundsEnded = { outcome: ServiceOutcome; rounds: number } | { deadlock: Deadlock; counter?: SlaTerms; rounds: number };

/** §4.3: the ALMO proposes (or renews as is, retracts, declares deadlock); the service lead accepts, counters or declares deadlock. */
async function rounds(n: Negotiation): Promise<RoundsEnded> {
  let counter: SlaTerms | undefined;
  for (let round = 1; ; round += 1) {
    await n.progress({ round, awaiting: 'almo', ...(counter ? { lastProposal: { by: 'council', terms: counter } } : {}) });
    const almo = await almoTurn(n, round, counter);
    const settledBy = { rounds: round, decidedBy: almo.actor, decidedAt: almo.decidedAt };
    if (almo.outcome === 'accept_counter') return { outcome: { kind: 'revised', terms: counter as SlaTerms, ...settledBy }, rounds: round };
    if (almo.outcome === 'retract') return { outcome: n.retraction(almo, round), rounds: round };
    if (almo.outcome === 'declare_deadlock')
      return { deadlock: { declaredBy: 'almo', reasons: almo.reasons ?? '' }, ...withCounter(counter), rounds: round };

    const asIs = almo.outcome === 'renew_as_is';
    const proposal = asIs ? n.service.terms : n.termsOf(almo);
    await n.progress({ round, awaiting: 'council', lastProposal: { by: 'almo', terms: proposal } });
    const lead = await leadTurn(n, round, proposal, asIs);
    if (lead.outcome === 'accept')
      return {
        outcome: { kind: asIs ? 'renewed' : 'revised', terms: proposal, rounds: round, decidedBy: lead.actor, decidedAt: lead.decidedAt },
        rounds: round,
      };
    if (lead.outcome === 'declare_deadlock')
      return { deadlock: { declaredBy: 'council', reasons: lead.reasons ?? '' }, ...withCounter(counter), rounds: round };
    counter = n.termsOf(lead);
    // §4.3: the rounds run out without agreement.
    if (round === n.max)
      return { deadlock: { declaredBy: 'rounds_ran_out', reasons: `No agreement after ${n.max} rounds` }, counter, rounds: round };
  }
}

const withCounter = (counter: SlaTerms | undefined) => (counter ? { counter } : {});

/** The ALMO's turn: its proposal, or its reply to the council's counter-proposal. */
function almoTurn(n: Negotiation, round: number, counter: SlaTerms | undefined) {
  return n.tasks.decide(
    {
      taskId: n.frame.taskId(`r${round}-almo`),
      kind: 'propose_sla_terms',
      title: `${n.service.name}: the ALMO's ${round === 1 ? 'proposal' : 'reply to the counter-proposal'} (round ${round} of ${n.max})`,
      role: 'almo_board',
      outcomes: [round === 1 ? 'renew_as_is' : 'accept_counter', 'propose', 'retract', 'declare_deadlock'],
      reasonsRequiredFor: ['retract', 'declare_deadlock'],
      data: { ...n.context, round, ...(counter ? { counterProposal: counter } : {}) },
      dueInWorkingDays: n.sla.responseWorkingDays,
      // The lead hears what the ALMO did with their service, a retraction included.
      tell: [n.service.serviceLead.userId],
    },
    undefined,
    n.checkTerms('propose'),
  );
}

/** The service lead's turn: the response to the ALMO's proposal (or its offer to renew as it is). */
function leadTurn(n: Negotiation, round: number, proposal: SlaTerms, asIs: boolean) {
  return n.tasks.decide(
    {
      taskId: n.frame.taskId(`r${round}-council`),
      kind: 'respond_to_sla_proposal',
      title: `${n.service.name}: respond to the ALMO's ${asIs ? 'offer to renew as it is' : 'proposal'} (round ${round} of ${n.max}${round === n.max ? ': a counter-proposal now deadlocks it' : ''})`,
      role: 'service_lead',
      assignee: n.service.serviceLead.userId,
      outcomes: ['accept', 'counter', 'declare_deadlock'],
      reasonsRequiredFor: ['declare_deadlock'],
      data: { ...n.context, round, proposal, renewAsIs: asIs },
      dueInWorkingDays: n.sla.responseWorkingDays,
    },
    undefined,
    n.checkTerms('counter'),
  );
}

/** §4.4: the forum the policy names decides the deadlock, and its decision binds. */
async function deadlockDecision(
  n: Negotiation,
  { deadlock, counter, rounds }: Extract<RoundsEnded, { deadlock: Deadlock }>,
): Promise<ServiceOutcome> {
  const forum = n.sla.deadlockForum;
  const declared = deadlock;
  const by =
    declared.declaredBy === 'rounds_ran_out'
      ? 'the rounds ran out'
      : `declared by the ${declared.declaredBy === 'almo' ? 'ALMO' : 'council'}`;
  await n.frame.note(`${n.service.name}: deadlock (${by}: ${declared.reasons}); escalated to ${DEADLOCK_FORUM_NAMES[forum]}`);
  await n.progress({
    round: rounds,
    awaiting: 'deadlock_decision',
    ...(counter ? { lastProposal: { by: 'council', terms: counter } } : {}),
  });
  const decision = await n.tasks.decide(
    {
      taskId: n.frame.taskId('deadlock'),
      kind: 'decide_sla_deadlock',
      title: `${n.service.name}: record the binding decision of ${DEADLOCK_FORUM_NAMES[forum]} on the deadlock`,
      role: DEADLOCK_RECORDED_BY[forum],
      outcomes: ['renew_as_is', 'revise', 'retract'],
      reasonsRequiredFor: ['renew_as_is', 'revise', 'retract'],
      data: { ...n.context, deadlock: declared, ...(counter ? { lastCounterProposal: counter } : {}) },
      dueInWorkingDays: n.sla.deadlockDecisionWorkingDays,
      tell: [n.service.serviceLead.userId],
    },
    undefined,
    n.checkTerms('revise'),
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
  return decision.outcome === 'retract'
    ? n.retraction(decision, rounds, decided)
    : {
        kind: decision.outcome === 'revise' ? 'revised' : 'renewed',
        terms: decision.outcome === 'revise' ? n.termsOf(decision) : n.service.terms,
        rounds,
        deadlock: decided,
        decidedBy: decision.actor,
        decidedAt: decision.decidedAt,
      };
}
