import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, isCancellation, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { millisUntil, workflowNow } from '../common/clock';
import { processFrame } from '../common/frame';
import { dateInWords, inPounds, startOfDate } from '../common/format';
import { monthsLater } from '../common/policy';
import { person } from '../common/roles';
import { TASK_REFUSALS, formField, refuse, type DecisionRecord } from '../common/tasks';
import {
  DEADLOCK_FORUM_NAMES,
  DEADLOCK_RECORDED_BY,
  SLA_KIND,
  SLA_STAGES,
  negotiationProgressSignal,
  requestRenegotiationUpdate,
  slasSignedOffSignal,
  slaBusinessKey,
  type DeadlockDecision,
  type NegotiationProgress,
  type ServiceBenchmark,
  type ServiceNegotiationInput,
  type ServiceOutcome,
  type SlaCycleCarry,
  type SlaDetails,
  type SlaService,
  type SlaServiceState,
  type SlaStartInput,
  type SlaTerms,
  type SignedOffSlas,
  type SlaTaskKind,
} from './messages';
import { comparatorUnitCost, impactOf, roundsInWords, signOffRefusal, termsProblem, valueForMoneyGap } from './rules';

/** Money as a change, in words the PDF fonts can draw: "up £1,000.00", "down £1,000.00", "no change". */
const change = (pence: number): string => (pence === 0 ? 'no change' : `${pence > 0 ? 'up' : 'down'} ${inPounds(Math.abs(pence))}`);
const perUnit = (terms: SlaTerms) => `${inPounds(terms.unitCostPence)} per ${terms.unit}`;
const kpiLines = (terms: SlaTerms) => (terms.kpis.length ? terms.kpis.map((k) => `${k.measure}: ${k.target}`) : ['none set']);
const signedBy = (a?: { signatory: string; post: string }) => (a ? `${a.signatory}, ${a.post}` : 'not signed');
/** A signature as a document states it: who, for whom, and the day they signed. */
const signatureLine = (a: { signatory: string; post: string; signedAt: string } | undefined, forWhom: string) => (a ? `${signedBy(a)}, ${forWhom}, signed on ${dateInWords(a.signedAt)}` : `${forWhom}: not signed`);
const monthsInWords = (n: number) => (n === 1 ? '1 month' : `${n} months`);

/** How a service's outcome reads in documents and on the timeline. */
function outcomeInWords(service: Pick<SlaService, 'name'>, outcome: ServiceOutcome): string {
  const how = outcome.deadlock ? `, decided on a deadlock by ${DEADLOCK_FORUM_NAMES[outcome.deadlock.forum]}` : '';
  if (outcome.kind === 'retracted') return `${service.name}: retracted${how}; the ALMO buys it elsewhere${outcome.retraction?.buyingFrom ? ` (${outcome.retraction.buyingFrom})` : ''} after ${monthsInWords(outcome.retraction?.noticeMonths ?? 0)}' notice, ending ${dateInWords(outcome.retraction?.noticeEndsAt ?? '')}`;
  const terms = outcome.terms as SlaTerms;
  const what = outcome.kind === 'renewed' ? 'renewed as it is' : 'renewed on revised terms';
  return `${service.name}: ${what}${how} after ${roundsInWords(outcome.rounds)}, ${inPounds(terms.annualChargePence)} a year at ${perUnit(terms)}`;
}

/**
 * PROCESSES.md §4, SLA renegotiation between a council and its ALMO (source 004 5.2, 7.7, 8.3): each
 * service benchmarked, negotiated in parallel (a child workflow each), deadlocks escalated, the set
 * signed off, the impact on the council's central services reported; then a run per cycle, the next
 * one opening the policy's months before the new SLAs expire. Serves a first agreement too.
 */
export async function slaRenegotiation(input: SlaStartInput): Promise<SignedOffSlas | undefined> {
  const { policy, carry } = input;
  const sla = policy.sla;
  const cycle = carry?.cycle ?? 1;
  const expiry = carry?.expiresOn ?? (input.currentExpiry ? startOfDate(input.currentExpiry) : undefined);
  const parent = input.parent;
  const frame = processFrame<SlaDetails, SlaTaskKind>({
    kind: SLA_KIND,
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
      ...(carry?.requestedBy ? { renegotiationRequested: { by: carry.requestedBy.actor, reasons: carry.requestedBy.reasons, at: workflowNow() } } : {}),
    },
  });
  const { details, tasks, moveTo, processId, taskId } = frame;
  const services = details.services;
  const council = input.councilName ?? input.council;

  // §4.1 "or a party asks": before negotiation opens, or while the SLAs are in force.
  setHandler(
    requestRenegotiationUpdate,
    async (request) => {
      details.renegotiationRequested = { by: person(request.actor), reasons: request.reasons, at: workflowNow() };
      await frame.engine?.event('renegotiation_requested', `Renegotiation asked for by the ${request.actor.role === 'almo_board' ? 'ALMO board' : 'council'}: ${request.reasons}`, request.actor, {
        action: 'process.request_renegotiation',
        details: { reasons: request.reasons, cycle },
      });
      return { stage: frame.stage(), cycle };
    },
    {
      validator: (request) => {
        const stage = frame.stage();
        if (stage !== SLA_STAGES.awaitingNegotiation && stage !== SLA_STAGES.inForce) refuse(TASK_REFUSALS.ruleViolation, `the SLAs are being negotiated now (stage ${stage})`);
        if (details.renegotiationRequested && stage === SLA_STAGES.awaitingNegotiation) refuse(TASK_REFUSALS.ruleViolation, 'a renegotiation has already been asked for');
        if (request?.actor?.role !== 'programme_manager' && request?.actor?.role !== 'almo_board') refuse(TASK_REFUSALS.actorNotAllowed, 'the council (programme_manager) or the ALMO board asks for a renegotiation');
        if (typeof request.reasons !== 'string' || request.reasons.trim() === '') refuse(TASK_REFUSALS.reasonRequired, 'reasons are required');
      },
    },
  );
  // Each negotiation tells the set where it stands, so the process view shows every service's round.
  setHandler(negotiationProgressSignal, ({ serviceKey, outcome, ...progress }) => {
    const service = services.find((s) => s.key === serviceKey);
    if (!service || service.outcome) return;
    if (outcome) {
      service.outcome = outcome;
      delete service.negotiation;
    } else service.negotiation = progress;
  });

  /** Waits until `at`, or until a party asks to renegotiate now. */
  const opensAt = async (at: string): Promise<void> => {
    details.nextRenegotiationOpensAt = at;
    await condition(() => details.renegotiationRequested !== undefined, millisUntil(at));
    delete details.nextRenegotiationOpensAt;
  };

  /** §4.2: each service benchmarked against a quartile or market tested, in parallel, by the ALMO. */
  const benchmark = (service: SlaServiceState) =>
    tasks.decide(
      {
        taskId: taskId(`c${cycle}-benchmark-${service.key}`),
        kind: 'benchmark_service',
        title: `Benchmark or market test ${service.name}`,
        role: 'almo_board',
        outcomes: ['benchmark', 'market_test'],
        data: { service: service.name, terms: service.terms },
        dueInWorkingDays: sla.benchmarkWorkingDays,
        tell: [service.serviceLead.userId],
      },
      async (decision) => {
        const qualityMeasures = (decision.form.qualityMeasures as ServiceBenchmark['qualityMeasures'] | undefined) ?? [];
        const recorded = { qualityMeasures, recordedBy: decision.actor, recordedAt: decision.decidedAt };
        service.benchmark =
          decision.outcome === 'benchmark'
            ? { method: 'benchmark', quartile: Number(decision.form.quartile), comparatorUnitCostPence: Number(decision.form.comparatorUnitCostPence), ...recorded }
            : { method: 'market_test', quotes: decision.form.quotes as Extract<ServiceBenchmark, { method: 'market_test' }>['quotes'], ...recorded };
        service.gap = valueForMoneyGap(service.terms, comparatorUnitCost(service.benchmark));
      },
      (attempt) => {
        const form = attempt.form ?? {};
        const ok =
          attempt.outcome === 'benchmark'
            ? Number.isInteger(form.quartile) && Number.isInteger(form.comparatorUnitCostPence) && (form.comparatorUnitCostPence as number) > 0
            : Array.isArray(form.quotes) && form.quotes.length > 0 && (form.quotes as { unitCostPence?: unknown }[]).every((q) => Number.isInteger(q?.unitCostPence) && (q.unitCostPence as number) > 0);
        return ok ? undefined : 'SLA-R1: a benchmark states the quartile and its unit cost; a market test lists at least one quote with its unit cost (PROCESSES.md §4.2)';
      },
    );

  const negotiationBrief = () =>
    frame.document(`c${cycle}:negotiation-brief`, 'benchmarking', 'sla_negotiation_brief', `Negotiation brief: ${input.almo} and ${council}, cycle ${cycle}`, [
      { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] },
      ...services.map((s) => {
        const b = s.benchmark as ServiceBenchmark;
        const gap = s.gap;
        return {
          heading: s.name,
          lines: [
            `Now: ${inPounds(s.terms.annualChargePence)} a year at ${perUnit(s.terms)}`,
            b.method === 'benchmark'
              ? `Benchmarked: in quartile ${b.quartile}; the comparator unit cost is ${inPounds(b.comparatorUnitCostPence)}`
              : `Market tested: ${b.quotes.map((q) => `${q.supplier} ${inPounds(q.annualChargePence)} a year at ${inPounds(q.unitCostPence)} per ${s.terms.unit}`).join('; ')}`,
            ...b.qualityMeasures.map((q) => `Quality: ${q.measure}: ${q.value} (benchmark ${q.benchmark})`),
            gap
              ? `Value-for-money gap: ${inPounds(gap.unitCostGapPence)} per ${s.terms.unit} (${gap.percent}% of the unit cost), ${inPounds(gap.annualGapPence)} a year`
              : 'Value-for-money gap: not worked out',
          ],
        };
      }),
    ]);

  /**
   * §4.5: the ALMO board and a council director sign off the set; refused while a service has no outcome.
   * `dueAndChanges` (runs from the version that opens sign-off once every service has an outcome): due
   * in the policy's response days, and a signatory may ask for a service's terms to be negotiated again.
   * `round` counts the sign-offs of this cycle: a later one has task ids of its own.
   */
  const signOff = (side: 'almo' | 'council', { dueAndChanges = false, round = 1 }: { dueAndChanges?: boolean; round?: number } = {}) =>
    tasks.decide(
      {
        taskId: taskId(`c${cycle}-sign-off-${side}${round > 1 ? `-${round}` : ''}`),
        kind: 'sign_off_slas',
        title: side === 'almo' ? `Sign off the SLAs with ${council} for the ALMO board` : `Sign off the SLAs with ${input.almo} for the council (a director)`,
        role: side === 'almo' ? 'almo_board' : 'programme_manager',
        outcomes: dueAndChanges ? ['sign', 'request_changes'] : ['sign'],
        requiredFormFields: ['signatory', 'post'],
        data: {
          services: services.map((s) => s.name),
          rule: 'SLA-R4: sign-off needs an outcome for every service (PROCESSES.md §4.5)',
          ...(dueAndChanges ? { requestChanges: `request_changes names the service to negotiate again (${services.map((s) => s.key).join(', ')}), with reasons` } : {}),
        },
        ...(dueAndChanges ? { dueInWorkingDays: sla.responseWorkingDays } : {}),
        // Each service's lead hears that the set, their service's SLA in it, is signed.
        tell: [...new Set(services.map((s) => s.serviceLead.userId))],
      },
      async (decision) => {
        if (decision.outcome === 'sign') {
          details.signOff[side] = { signatory: formField(decision, 'signatory'), post: formField(decision, 'post'), actor: decision.actor, signedAt: decision.decidedAt };
          return;
        }
        // Asking for changes voids the signatures given: the set they signed is not the one that will be.
        details.signOff = {};
        details.changesRequested = [...(details.changesRequested ?? []), { side, serviceKey: formField(decision, 'service'), reasons: decision.reasons ?? '', by: decision.actor, at: decision.decidedAt }];
      },
      (attempt) =>
        attempt.outcome === 'request_changes'
          ? services.some((s) => s.key === attempt.form?.service)
            ? undefined
            : `request_changes names one of the set's services: ${services.map((s) => s.key).join(', ')}`
          : signOffRefusal(services),
    );

  /**
   * §4.5 from this version: both sides sign, or one asks for changes to a service, which is negotiated
   * again (a new negotiation from the terms in force) before both sign anew.
   */
  const signTheSet = async (): Promise<void> => {
    for (let round = 1; ; round += 1) {
      // Both sides may ask at once: each service asked for is negotiated again.
      const asked: DecisionRecord[] = [];
      const signing = frame.stepScope();
      try {
        await signing.run(() =>
          Promise.all(
            (['almo', 'council'] as const).map(async (side) => {
              const decision = await signOff(side, { dueAndChanges: true, round });
              if (decision.outcome !== 'request_changes') return;
              asked.push(decision);
              // The other side's sign-off is withdrawn: it would sign a set about to change.
              signing.cancel();
            }),
          ),
        );
      } catch (err) {
        if (!(isCancellation(err) && asked.length)) throw err;
      }
      if (!asked.length) return;
      const again = services.filter((s) => asked.some((d) => d.form.service === s.key));
      for (const service of again) delete service.outcome;
      const who = (d: DecisionRecord) => (d.actor.role === 'almo_board' ? 'The ALMO board' : 'The council');
      await moveTo(SLA_STAGES.negotiating, asked.map((d) => `${who(d)} asked for changes to ${again.find((s) => s.key === d.form.service)?.name} instead of signing (${d.reasons ?? ''})`).join('; ') + '; negotiated again', asked[0]?.actor);
      await Promise.all(again.map((service) => negotiate(service, round + 1)));
    }
  };

  /** A service's negotiation; `attempt` > 1 when sign-off asked for it again (its own workflow and task ids). */
  const negotiate = async (service: SlaServiceState, attempt = 1): Promise<void> => {
    const again = attempt > 1 ? `-n${attempt}` : '';
    const negotiation = await frame.startChild(slaServiceNegotiation, `${processId}:c${cycle}:${service.key}${attempt > 1 ? `:${attempt}` : ''}`, {
      parent: frame.ref,
      policy,
      cycle,
      almo: input.almo,
      service: { key: service.key, service: service.service, name: service.name, serviceLead: service.serviceLead, terms: service.terms },
      ...(service.gap ? { gap: service.gap } : {}),
      ...(parent || attempt > 1 ? { keyPrefix: taskId(`c${cycle}-${service.key}${again}-`) } : {}),
    });
    service.outcome = await negotiation.result();
    delete service.negotiation;
    if (services.every((s) => s.outcome)) await moveTo(SLA_STAGES.signOff, 'Every service has an outcome; the SLAs wait for sign-off');
  };

  /** The documents of a signed-off set: an SLA (or a retraction notice) per service, the summary, the impact report. */
  const signedOffDocuments = async (effectiveFrom: string, expiresOn: string): Promise<string[]> => {
    const ids: string[] = [];
    const signatures = [signatureLine(details.signOff.almo, `for the ALMO board of ${input.almo}`), signatureLine(details.signOff.council, `for ${council}`)];
    for (const s of services) {
      const outcome = s.outcome as ServiceOutcome;
      const agreedBy = outcome.deadlock
        ? [
            `Decided on a deadlock by ${DEADLOCK_FORUM_NAMES[outcome.deadlock.forum]} (${outcome.deadlock.forumMembers})${outcome.deadlock.minuteReference ? `, minute ${outcome.deadlock.minuteReference}` : ''}; the decision binds.`,
            `Why: ${outcome.deadlock.reasons}`,
          ]
        : [`${outcome.kind === 'renewed' ? 'Renewed as it is' : outcome.kind === 'revised' ? 'Revised terms agreed' : 'Retracted by the ALMO'} after ${roundsInWords(outcome.rounds)}.`];
      if (outcome.kind === 'retracted') {
        const r = outcome.retraction;
        const doc = await frame.document(`c${cycle}:retraction:${s.key}`, 'sign_off', 'sla_retraction_notice', `Notice of retraction: ${s.name}`, [
          { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] },
          { heading: 'Service', lines: [s.name, `Council service lead: ${s.serviceLead.name}`] },
          {
            heading: 'Notice',
            lines: [
              `The ALMO stops buying ${s.name} from the council${r?.buyingFrom ? ` and buys it from ${r.buyingFrom}` : ''}.`,
              `Notice of ${monthsInWords(r?.noticeMonths ?? 0)}, given ${dateInWords(outcome.decidedAt)}, ends on ${dateInWords(r?.noticeEndsAt ?? '')}.`,
              `Until then the SLA in force continues: ${inPounds(s.terms.annualChargePence)} a year at ${perUnit(s.terms)}.`,
            ],
          },
          { heading: 'Reasons', lines: [r?.reasons ?? ''] },
          { heading: 'How it was decided', lines: agreedBy },
          { heading: 'Signed', lines: signatures },
        ]);
        ids.push(doc.documentId);
        continue;
      }
      const terms = outcome.terms as SlaTerms;
      const doc = await frame.document(`c${cycle}:sla:${s.key}`, 'sign_off', 'service_level_agreement', `Service Level Agreement: ${s.name}`, [
        { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] },
        { heading: 'Service', lines: [s.name, `Council service lead: ${s.serviceLead.name}`] },
        { heading: 'Charge', lines: [`${inPounds(terms.annualChargePence)} a year`, `Unit cost: ${perUnit(terms)}`] },
        { heading: 'Key performance indicators', lines: kpiLines(terms) },
        { heading: 'Term', lines: [`From ${dateInWords(effectiveFrom)} to ${dateInWords(expiresOn)} (${sla.termMonths} months)`, `Effective date: ${dateInWords(effectiveFrom)}`] },
        { heading: 'How it was agreed', lines: agreedBy },
        { heading: 'Signed', lines: signatures },
      ]);
      ids.push(doc.documentId);
    }
    const impact = impactOf(services, effectiveFrom);
    details.impact = impact;
    const summary = await frame.document(`c${cycle}:summary`, 'sign_off', 'sla_summary', `SLAs signed off: ${input.almo} and ${council}, cycle ${cycle}`, [
      { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] },
      { heading: 'Outcomes', lines: services.map((s) => outcomeInWords(s, s.outcome as ServiceOutcome)) },
      { heading: 'Term', lines: [`The new SLAs take effect on ${dateInWords(effectiveFrom)} and expire on ${dateInWords(expiresOn)}.`] },
      { heading: 'Charges a year', lines: [`Before: ${inPounds(impact.totalBeforePence)}`, `After: ${inPounds(impact.totalAfterPence)} (${change(impact.totalChangePence)})`] },
      { heading: 'Signed', lines: signatures },
    ]);
    const report = await frame.document(`c${cycle}:impact-report`, 'sign_off', 'sla_impact_report', `Impact on the council's central services: ${input.almo}, cycle ${cycle}`, [
      {
        heading: 'Income from the ALMO to each central service, a year',
        lines: impact.services.map((r) => `${r.name}: ${inPounds(r.beforePence)} to ${inPounds(r.afterPence)} (${change(r.changePence)}), ${r.outcome}, from ${dateInWords(r.from)}`),
      },
      { heading: 'In total', lines: [`${inPounds(impact.totalBeforePence)} to ${inPounds(impact.totalAfterPence)} (${change(impact.totalChangePence)}, ${Math.abs(impact.totalChangePercent)}%)`] },
      {
        heading: 'Services the ALMO now buys elsewhere',
        lines: impact.boughtElsewhere.length ? impact.boughtElsewhere.map((b) => `${b.name}${b.buyingFrom ? ` (from ${b.buyingFrom})` : ''}, from ${dateInWords(b.noticeEndsAt)}`) : ['none'],
      },
      {
        heading: 'Why this matters',
        lines: ['As SLAs are renegotiated the ALMO drives a harder bargain, and the council has to reflect on the efficiency of its remaining central services ("hollowing out", Learning from ALMOs 8.3).'],
      },
    ]);
    details.impactReportId = report.documentId;
    return [...ids, summary.documentId, report.documentId];
  };

  let signedOff: SignedOffSlas | undefined;
  await frame.run(async () => {
    await frame.record(
      carry || parent ? 'stage_changed' : 'process_started',
      carry ? `Cycle ${cycle} of the SLAs with ${input.almo}` : `SLA set of ${input.almo} with ${council}: ${services.map((s) => s.name).join(', ')}`,
      carry ? undefined : input.startedBy,
    );
    // §4.1: negotiation opens on demand, or the policy's months before the SLAs in force expire.
    if (!carry && input.opens === 'ahead_of_expiry' && expiry) await opensAt(monthsLater(policy.calendar, expiry, -sla.renegotiationMonthsBeforeExpiry));
    const requested = details.renegotiationRequested;
    const why = requested ? `asked for by ${requested.by.role}: ${requested.reasons}` : carry || input.opens === 'ahead_of_expiry' ? `${monthsInWords(sla.renegotiationMonthsBeforeExpiry)} before the SLAs expire` : `started by ${input.startedBy.role}`;
    await moveTo(SLA_STAGES.benchmarking, `Negotiation opens (${why}); each service is benchmarked or market tested`);

    await Promise.all(services.map(benchmark));
    details.negotiationBriefId = (await negotiationBrief()).documentId;
    await moveTo(SLA_STAGES.negotiating, `Every service benchmarked; ${services.length} negotiations open, one per service`);
    // From this version sign-off opens once every service has an outcome, so its due date means something
    // and it can ask for changes; runs from before opened it beside the negotiations.
    if (patched('sign-off-after-outcomes')) {
      await Promise.all(services.map((s) => negotiate(s)));
      await signTheSet();
    } else await Promise.all([...services.map((s) => negotiate(s)), signOff('almo'), signOff('council')]);

    const signedOffAt = workflowNow();
    // New SLAs take effect when the ones in force expire, or at sign-off when none are in force.
    const effectiveFrom = expiry && Date.parse(expiry) > Date.parse(signedOffAt) ? expiry : signedOffAt;
    const expiresOn = monthsLater(policy.calendar, effectiveFrom, sla.termMonths);
    const documentIds = await signedOffDocuments(effectiveFrom, expiresOn);
    details.agreement = { signedOffAt, effectiveFrom, expiresOn, documentIds };
    delete details.renegotiationRequested;
    if (parent) {
      // A first agreement run for another process ends here: that process records the SLAs.
      signedOff = {
        effectiveFrom,
        expiresOn,
        services: services.map((s) => ({ key: s.key, name: s.name, outcome: (s.outcome as ServiceOutcome).kind, ...(s.outcome?.terms ? { annualChargePence: s.outcome.terms.annualChargePence } : {}) })),
        documentIds,
        totalAfterPence: details.impact?.totalAfterPence ?? 0,
      };
      const parentId = workflowInfo().parent?.workflowId;
      if (parentId) await frame.signal(parentId, slasSignedOffSignal, signedOff);
      await moveTo(SLA_STAGES.inForce, `SLAs signed off: in force from ${dateInWords(effectiveFrom)} to ${dateInWords(expiresOn)}`);
      await condition(allHandlersFinished);
      return;
    }
    const remaining: SlaService[] = services
      .filter((s) => s.outcome?.kind !== 'retracted')
      .map((s) => ({ key: s.key, service: s.service, name: s.name, serviceLead: s.serviceLead, terms: s.outcome?.terms ?? s.terms }));
    if (remaining.length === 0) {
      await frame.finish(SLA_STAGES.noServices, 'completed', 'Every service was retracted: the ALMO buys them all elsewhere');
      await condition(allHandlersFinished);
      return;
    }
    const nextOpens = monthsLater(policy.calendar, expiresOn, -sla.renegotiationMonthsBeforeExpiry);
    await moveTo(SLA_STAGES.inForce, `SLAs signed off: in force from ${dateInWords(effectiveFrom)} to ${dateInWords(expiresOn)}; the next renegotiation opens on ${dateInWords(nextOpens)}`);

    // A durable timer per SLA set: the next cycle opens ahead of the new expiry, or when a party asks.
    await opensAt(nextOpens);
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
        { cycle, signedOffAt, effectiveFrom, expiresOn, outcomes: services.map((s) => ({ key: s.key, kind: (s.outcome as ServiceOutcome).kind })), totalChangePence: details.impact?.totalChangePence ?? 0 },
      ],
      ...(asked ? { requestedBy: { actor: asked.by, reasons: asked.reasons } } : {}),
    };
    // A new run per cycle keeps the history bounded; the process id and timeline carry on.
    await continueAsNew<typeof slaRenegotiation>({ ...input, carry: next });
  });
  return signedOff;
}

/**
 * §4.3-4: one service's negotiation, a child of the SLA set's process. Rounds of the ALMO's proposal
 * and the service lead's response, each due in the policy's working days (reminded, escalated); the
 * ALMO may retract; a deadlock (declared, or the rounds run out) goes to the policy's forum, whose
 * decision binds. Its tasks and timeline are the SLA set's.
 */
export async function slaServiceNegotiation(input: ServiceNegotiationInput): Promise<ServiceOutcome> {
  const { service, policy, cycle } = input;
  const sla = policy.sla;
  const frame = processFrame<{ serviceKey: string }, SlaTaskKind>({
    kind: SLA_KIND,
    council: input.parent.council,
    groupKey: input.parent.groupKey,
    title: input.parent.title,
    businessKey: input.parent.processId,
    startedBy: { userId: 'system', role: 'programme_manager' },
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
    await (progressTracked ? frame.signal(parentId, negotiationProgressSignal, payload) : getExternalWorkflowHandle(parentId).signal(negotiationProgressSignal, payload));
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
  const checkTerms = (termsOutcome: string) => (attempt: { outcome: string; form?: Record<string, unknown> }) => (attempt.outcome === termsOutcome ? termsProblem(attempt.form?.terms) : undefined);
  const context = { service: service.name, almo: input.almo, current: service.terms, ...(input.gap ? { valueForMoneyGap: input.gap } : {}), maxRounds: max };

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
      if (almo.outcome === 'accept_counter') outcome = { kind: 'revised', terms: counter as SlaTerms, rounds: round, decidedBy: almo.actor, decidedAt: almo.decidedAt };
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
      if (lead.outcome === 'accept') outcome = { kind: asIs ? 'renewed' : 'revised', terms: proposal, rounds: round, decidedBy: lead.actor, decidedAt: lead.decidedAt };
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
      const by = declared.declaredBy === 'rounds_ran_out' ? 'the rounds ran out' : `declared by the ${declared.declaredBy === 'almo' ? 'ALMO' : 'council'}`;
      await frame.note(`${service.name}: deadlock (${by}: ${declared.reasons}); escalated to ${DEADLOCK_FORUM_NAMES[forum]}`);
      await progress({ round: rounds, awaiting: 'deadlock_decision', ...(counter ? { lastProposal: { by: 'council', terms: counter } } : {}) });
      const decision = await tasks.decide(
        {
          taskId: frame.taskId('deadlock'),
          kind: 'decide_sla_deadlock',
          title: `${service.name}: record the binding decision of ${DEADLOCK_FORUM_NAMES[forum]} on the deadlock`,
          role: DEADLOCK_RECORDED_BY[forum],
          outcomes: ['renew_as_is', 'revise', 'retract'],
          reasonsRequiredFor: ['renew_as_is', 'revise', 'retract'],
          requiredFormFields: ['forumMembers'],
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
        forumMembers: formField(decision, 'forumMembers'),
        ...(typeof decision.form.minuteReference === 'string' ? { minuteReference: decision.form.minuteReference } : {}),
        reasons: decision.reasons ?? '',
        recordedBy: decision.actor,
        decidedAt: decision.decidedAt,
      };
      outcome =
        decision.outcome === 'retract'
          ? retraction(decision, rounds, decided)
          : { kind: decision.outcome === 'revise' ? 'revised' : 'renewed', terms: decision.outcome === 'revise' ? termsOf(decision) : service.terms, rounds, deadlock: decided, decidedBy: decision.actor, decidedAt: decision.decidedAt };
    }
    const ended = outcome as ServiceOutcome;
    // The set has the outcome before the decision that settled it answers (its sign-off may follow at once).
    const told = progress({ round: rounds, awaiting: 'council', outcome: ended });
    await (progressTracked ? told : frame.track(told));
    await frame.note(`Outcome: ${outcomeInWords(service, ended)}`, ended.decidedBy);
  });
  await condition(allHandlersFinished);
  return outcome as ServiceOutcome;
}
