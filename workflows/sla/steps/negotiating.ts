import { Endable } from '../../common/endable';
import { type Decision, type DecisionRecord } from '../../common/tasks';
import { SLA_STAGES, type SlaForms, type SlaServiceState } from '../messages';
import { slaServiceNegotiation } from '../negotiation';
import { signOffRefusal } from '../rules';
import type { SlaSet } from './context';

/**
 * §4.5: the ALMO board and a council director sign off the set; refused while a service has no outcome.
 * `dueAndChanges` (runs from the version that opens sign-off once every service has an outcome): due
 * in the policy's response days, and a signatory may ask for a service's terms to be negotiated again.
 * `round` counts the sign-offs of this cycle: a later one has task ids of its own.
 */
export function signOff(
  ctx: SlaSet,
  side: 'almo' | 'council',
  { dueAndChanges = false, round = 1 }: { dueAndChanges?: boolean; round?: number } = {},
) {
  const { input, details, tasks, taskId, services, council, sla, cycle } = ctx;
  return tasks.decide(
    {
      taskId: taskId(`c${cycle}-sign-off-${side}${round > 1 ? `-${round}` : ''}`),
      kind: 'sign_off_slas',
      title:
        side === 'almo'
          ? `Sign off the SLAs with ${council} for the ALMO board`
          : `Sign off the SLAs with ${input.almo} for the council (a director)`,
      role: side === 'almo' ? 'almo_board' : 'programme_manager',
      outcomes: dueAndChanges ? ['sign', 'request_changes'] : ['sign'],
      data: {
        services: services.map((s) => s.name),
        rule: 'SLA-R4: sign-off needs an outcome for every service (PROCESSES.md §4.5)',
        ...(dueAndChanges
          ? {
              requestChanges: `request_changes names the service to negotiate again (${services.map((s) => s.key).join(', ')}), with reasons`,
            }
          : {}),
      },
      ...(dueAndChanges ? { dueInWorkingDays: sla.responseWorkingDays } : {}),
      // Each service's lead hears that the set, their service's SLA in it, is signed.
      tell: [...new Set(services.map((s) => s.serviceLead.userId))],
    },
    async (decision) => {
      if (decision.outcome === 'sign') {
        details.signOff[side] = {
          signatory: decision.form.signatory,
          post: decision.form.post,
          actor: decision.actor,
          signedAt: decision.decidedAt,
        };
        return;
      }
      // Asking for changes voids the signatures given: the set they signed is not the one that will be.
      details.signOff = {};
      details.changesRequested = [
        ...(details.changesRequested ?? []),
        {
          side,
          serviceKey: decision.form.service ?? '' /* the guard requires it */,
          reasons: decision.reasons ?? '',
          by: decision.actor,
          at: decision.decidedAt,
        },
      ];
    },
    (attempt) =>
      attempt.outcome === 'request_changes'
        ? services.some((s) => s.key === attempt.form?.service)
          ? undefined
          : `request_changes names one of the set's services: ${services.map((s) => s.key).join(', ')}`
        : signOffRefusal(services),
  );
}

/**
 * §4.5 from this version: both sides sign, or one asks for changes to a service, which is negotiated
 * again (a new negotiation from the terms in force) before both sign anew.
 */
export async function signTheSet(ctx: SlaSet): Promise<void> {
  const { frame, moveTo, services } = ctx;
  for (let round = 1; ; round += 1) {
    // Either side asking for changes ends this sign-off; both may ask at once.
    const signing = new Endable<Decision<SlaForms['sign_off_slas']>>(frame.stepScope());
    const signed = await signing.run(() =>
      Promise.all(
        (['almo', 'council'] as const).map(async (side) => {
          const decision = await signOff(ctx, side, { dueAndChanges: true, round });
          // The other side's sign-off is withdrawn: it would sign a set about to change.
          if (decision.outcome === 'request_changes') signing.end(decision);
        }),
      ),
    );
    if (!signed.ended) return;
    const asked = signed.because;
    const again = services.filter((s) => asked.some((d) => d.form.service === s.key));
    for (const service of again) delete service.outcome;
    const who = (d: DecisionRecord) => (d.actor.role === 'almo_board' ? 'The ALMO board' : 'The council');
    await moveTo(
      SLA_STAGES.negotiating,
      asked
        .map(
          (d) =>
            `${who(d)} asked for changes to ${again.find((s) => s.key === d.form.service)?.name} instead of signing (${d.reasons ?? ''})`,
        )
        .join('; ') + '; negotiated again',
      asked[0]?.actor,
    );
    await Promise.all(again.map((service) => negotiate(ctx, service, round + 1)));
  }
}

/** A service's negotiation; `attempt` > 1 when sign-off asked for it again (its own workflow and task ids). */
export async function negotiate(ctx: SlaSet, service: SlaServiceState, attempt = 1): Promise<void> {
  const { input, frame, moveTo, processId, taskId, services, policy, cycle, parent } = ctx;
  const again = attempt > 1 ? `-n${attempt}` : '';
  const negotiation = await frame.startChild(
    slaServiceNegotiation,
    `${processId}:c${cycle}:${service.key}${attempt > 1 ? `:${attempt}` : ''}`,
    {
      parent: frame.ref,
      policy,
      cycle,
      almo: input.almo,
      service: { key: service.key, service: service.service, name: service.name, serviceLead: service.serviceLead, terms: service.terms },
      ...(service.gap ? { gap: service.gap } : {}),
      ...(parent || attempt > 1 ? { keyPrefix: taskId(`c${cycle}-${service.key}${again}-`) } : {}),
    },
  );
  // Its outcome came by its progress signal (the set's handler records it); here it has closed.
  await negotiation.result();
  delete service.negotiation;
  if (services.every((s) => s.outcome)) await moveTo(SLA_STAGES.signOff, 'Every service has an outcome; the SLAs wait for sign-off');
}
