import { allHandlersFinished, condition, continueAsNew, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { millisUntil, workflowNow } from '../../common/clock';
import { processFrame } from '../../common/frame';
import { dateInWords } from '../../common/format';
import { monthsLater } from '../../common/policy';
import { person } from '../../common/roles';
import { TASK_REFUSALS } from '../../common/tasks';
import {
  SLA_FORMS,
  SLA_KIND,
  SLA_STAGES,
  negotiationProgressSignal,
  requestRenegotiationUpdate,
  slasSignedOffSignal,
  slaBusinessKey,
  type ServiceOutcome,
  type SlaCycleCarry,
  type SlaDetails,
  type SlaForms,
  type SlaService,
  type SlaStartInput,
  type SignedOffSlas,
} from '../messages';
import type { slaRenegotiation } from '../workflow';
import { monthsInWords } from '../words';
import { benchmark, negotiationBrief } from './benchmarking';
import { type SlaSet, slaCycleOf } from './context';
import { signedOffDocuments } from './documents';
import { negotiate, signOff, signTheSet } from './negotiating';

// A cycle of an SLA set, step by step: its frame, the commands and signals it takes, negotiation
// opening, the negotiations and sign-off, and what follows (the parent told, or the next cycle).

/** The set's frame: a process of its own, or (a first agreement for an ALMO's establishment) its parent's. */
export function slaSetFrame(input: SlaStartInput) {
  const { policy, carry } = input;
  const { cycle, expiry } = slaCycleOf(input);
  const parent = input.parent;
  return processFrame<SlaDetails, SlaForms>({
    kind: SLA_KIND,
    forms: SLA_FORMS,
    council: input.council,
    groupKey: parent?.groupKey ?? '',
    title: parent?.title ?? `Service Level Agreements: ${input.almo} and ${input.councilName ?? input.council}`,
    businessKey: parent?.processId ?? slaBusinessKey(input),
    startedBy: input.startedBy,
    ...(carry ? { startedAt: carry.startedAt, keyPrefix: `c${cycle}:` } : {}),
    ...(parent ? { parent, keyPrefix: 'sla-' } : {}),
    stage: SLA_STAGES.awaitingNegotiation,
    policy,
    // The ALMO board is the other party to every SLA (run for an ALMO's establishment, that process's are).
    parties: ['almo_board'],
    details: {
      almo: input.almo,
      purpose: cycle === 1 ? input.purpose : 'renegotiation',
      cycle,
      ...(expiry ? { currentExpiry: expiry } : {}),
      services: (carry?.services ?? input.services).map((s) => ({ ...s })),
      signOff: {},
      previousCycles: carry?.previousCycles ?? [],
      ...(carry?.requestedBy
        ? { renegotiationRequested: { by: carry.requestedBy.actor, reasons: carry.requestedBy.reasons, at: workflowNow() } }
        : {}),
    },
  });
}

/** §4.1 "or a party asks": before negotiation opens, or while the SLAs are in force. */
export function takeRenegotiationRequests(ctx: SlaSet): void {
  const { frame, details, cycle } = ctx;
  frame.command(requestRenegotiationUpdate, {
    roles: ['programme_manager', 'almo_board'],
    whoMay: 'the council (programme_manager) or the ALMO board asks for a renegotiation',
    notNow: (stage) =>
      stage !== SLA_STAGES.awaitingNegotiation && stage !== SLA_STAGES.inForce
        ? { type: TASK_REFUSALS.ruleViolation, message: `the SLAs are being negotiated now (stage ${stage})` }
        : undefined,
    refuseWhen: () =>
      details.renegotiationRequested && frame.stage() === SLA_STAGES.awaitingNegotiation
        ? 'a renegotiation has already been asked for'
        : undefined,
    reasonsRequired: true,
    handle: async (request) => {
      details.renegotiationRequested = { by: person(request.actor), reasons: request.reasons, at: workflowNow() };
      await frame.engine?.event(
        'renegotiation_requested',
        `Renegotiation asked for by the ${request.actor.role === 'almo_board' ? 'ALMO board' : 'council'}: ${request.reasons}`,
        {
          actor: request.actor,
          command: { action: 'process.request_renegotiation', details: { reasons: request.reasons, cycle } },
        },
      );
      return { stage: frame.stage(), cycle };
    },
  });
}

/** Each negotiation tells the set where it stands, so the process view shows every service's round. */
export function followTheNegotiations(ctx: SlaSet): void {
  const { services } = ctx;
  setHandler(negotiationProgressSignal, ({ serviceKey, outcome, ...progress }) => {
    const service = services.find((s) => s.key === serviceKey);
    if (!service || service.outcome) return;
    if (outcome) {
      service.outcome = outcome;
      delete service.negotiation;
    } else service.negotiation = progress;
  });
}

/** Waits until `at`, or until a party asks to renegotiate now. */
async function opensAt(ctx: SlaSet, at: string): Promise<void> {
  const { details } = ctx;
  details.nextRenegotiationOpensAt = at;
  await condition(() => details.renegotiationRequested !== undefined, millisUntil(at));
  delete details.nextRenegotiationOpensAt;
}

/** §4.1: negotiation opens on demand, or the policy's months before the SLAs in force expire. */
export async function openNegotiation(ctx: SlaSet): Promise<void> {
  const { input, frame, details, moveTo, services, council, policy, sla, cycle, expiry, parent } = ctx;
  const { carry } = input;
  await frame.record(
    carry || parent ? 'stage_changed' : 'process_started',
    carry
      ? `Cycle ${cycle} of the SLAs with ${input.almo}`
      : `SLA set of ${input.almo} with ${council}: ${services.map((s) => s.name).join(', ')}`,
    carry ? undefined : input.startedBy,
  );
  // §4.1: negotiation opens on demand, or the policy's months before the SLAs in force expire.
  if (!carry && input.opens === 'ahead_of_expiry' && expiry)
    await opensAt(ctx, monthsLater(policy.calendar, expiry, -sla.renegotiationMonthsBeforeExpiry));
  const requested = details.renegotiationRequested;
  const why = requested
    ? `asked for by ${requested.by.role}: ${requested.reasons}`
    : carry || input.opens === 'ahead_of_expiry'
      ? `${monthsInWords(sla.renegotiationMonthsBeforeExpiry)} before the SLAs expire`
      : `started by ${input.startedBy.role}`;
  await moveTo(SLA_STAGES.benchmarking, `Negotiation opens (${why}); each service is benchmarked or market tested`);
}

/** §4.2-4.5: every service benchmarked, negotiated (a child workflow each), and the set signed off. */
export async function negotiateAndSignOff(ctx: SlaSet): Promise<void> {
  const { details, moveTo, services } = ctx;
  await Promise.all(services.map((service) => benchmark(ctx, service)));
  details.negotiationBriefId = (await negotiationBrief(ctx)).documentId;
  await moveTo(SLA_STAGES.negotiating, `Every service benchmarked; ${services.length} negotiations open, one per service`);
  // From this version sign-off opens once every service has an outcome, so its due date means something
  // and it can ask for changes; runs from before opened it beside the negotiations.
  if (patched('sign-off-after-outcomes')) {
    await Promise.all(services.map((s) => negotiate(ctx, s)));
    await signTheSet(ctx);
  } else await Promise.all([...services.map((s) => negotiate(ctx, s)), signOff(ctx, 'almo'), signOff(ctx, 'council')]);
}

/** The signed-off set: when it takes effect and expires, and its documents. */
export async function signedOffSet(ctx: SlaSet) {
  const { details, policy, sla, expiry } = ctx;
  const signedOffAt = workflowNow();
  // New SLAs take effect when the ones in force expire, or at sign-off when none are in force.
  const effectiveFrom = expiry && Date.parse(expiry) > Date.parse(signedOffAt) ? expiry : signedOffAt;
  const expiresOn = monthsLater(policy.calendar, effectiveFrom, sla.termMonths);
  const documentIds = await signedOffDocuments(ctx, effectiveFrom, expiresOn);
  details.agreement = { signedOffAt, effectiveFrom, expiresOn, documentIds };
  return { signedOffAt, effectiveFrom, expiresOn, documentIds };
}
type SignedOff = Awaited<ReturnType<typeof signedOffSet>>;

/** A first agreement run for another process ends here: that process records the SLAs. */
export async function tellTheParent(ctx: SlaSet, { effectiveFrom, expiresOn, documentIds }: SignedOff): Promise<void> {
  const { frame, details, moveTo, services } = ctx;
  // Told by this signal alone (tracked, so the sign-off's answer waits until it is delivered).
  const signedOff: SignedOffSlas = {
    effectiveFrom,
    expiresOn,
    services: services.map((s) => ({
      key: s.key,
      name: s.name,
      outcome: (s.outcome as ServiceOutcome).kind,
      ...(s.outcome?.terms ? { annualChargePence: s.outcome.terms.annualChargePence } : {}),
    })),
    documentIds,
    totalAfterPence: details.impact?.totalAfterPence ?? 0,
  };
  const parentId = workflowInfo().parent?.workflowId;
  if (parentId) await frame.signal(parentId, slasSignedOffSignal, signedOff);
  await moveTo(SLA_STAGES.inForce, `SLAs signed off: in force from ${dateInWords(effectiveFrom)} to ${dateInWords(expiresOn)}`);
  await condition(allHandlersFinished);
}

/** §4.1: the SLAs in force until the next cycle opens (on its timer, or asked for), as a new run. */
export async function nextCycle(ctx: SlaSet, { signedOffAt, effectiveFrom, expiresOn }: SignedOff): Promise<void> {
  const { input, frame, details, moveTo, services, policy, sla, cycle } = ctx;
  const remaining: SlaService[] = services
    .filter((s) => s.outcome?.kind !== 'retracted')
    .map((s) => ({ key: s.key, service: s.service, name: s.name, serviceLead: s.serviceLead, terms: s.outcome?.terms ?? s.terms }));
  if (remaining.length === 0) {
    await frame.finish(SLA_STAGES.noServices, 'completed', 'Every service was retracted: the ALMO buys them all elsewhere');
    await condition(allHandlersFinished);
    return;
  }
  const nextOpens = monthsLater(policy.calendar, expiresOn, -sla.renegotiationMonthsBeforeExpiry);
  await moveTo(
    SLA_STAGES.inForce,
    `SLAs signed off: in force from ${dateInWords(effectiveFrom)} to ${dateInWords(expiresOn)}; the next renegotiation opens on ${dateInWords(nextOpens)}`,
  );

  // A durable timer per SLA set: the next cycle opens ahead of the new expiry, or when a party asks.
  await opensAt(ctx, nextOpens);
  await condition(allHandlersFinished);
  // Set meanwhile by the update handler (the compiler only sees the delete above).
  const asked = details.renegotiationRequested as SlaDetails['renegotiationRequested'];
  const next: SlaCycleCarry = {
    cycle: cycle + 1,
    startedAt: frame.startedAt,
    services: remaining,
    expiresOn,
    previousCycles: [
      ...details.previousCycles,
      {
        cycle,
        signedOffAt,
        effectiveFrom,
        expiresOn,
        outcomes: services.map((s) => ({ key: s.key, kind: (s.outcome as ServiceOutcome).kind })),
        totalChangePence: details.impact?.totalChangePence ?? 0,
      },
    ],
    ...(asked ? { requestedBy: { actor: asked.by, reasons: asked.reasons } } : {}),
  };
  // A new run per cycle keeps the history bounded; the process id and timeline carry on.
  await continueAsNew<typeof slaRenegotiation>({ ...input, carry: next });
}
