import type { RuleOutcome } from '../common/rules';
import type { SlaPolicy } from './policy';
import {
  DEADLOCK_FORUM_NAMES,
  type ImpactReport,
  type ServiceBenchmark,
  type SlaDetails,
  type SlaServiceState,
  type SlaTerms,
  type ValueForMoneyGap,
} from './messages';

// The rules and sums of PROCESSES.md §4 (source 004: 5.2, 7.7, 8.3), each named with its source, so a
// refusal tells the officer which rule and why, and every figure a document states is worked out once.

/** "1 round", "2 rounds". */
export const roundsInWords = (n: number): string => (n === 1 ? '1 round' : `${n} rounds`);

/** To one decimal place, as a percentage of `of` (0 when there is nothing to compare with). */
const percentOf = (part: number, of: number): number => (of === 0 ? 0 : Math.round((1000 * part) / of) / 10);

/** §4.2: the unit cost a service is measured against: the benchmark quartile's, or the cheapest market quote's. */
export function comparatorUnitCost(
  benchmark: Pick<ServiceBenchmark, 'method'> & Partial<{ comparatorUnitCostPence: number; quotes: { unitCostPence: number }[] }>,
): number {
  return benchmark.method === 'benchmark'
    ? (benchmark.comparatorUnitCostPence ?? 0)
    : Math.min(...(benchmark.quotes ?? []).map((q) => q.unitCostPence));
}

/**
 * §4.2: the value-for-money gap: the current unit cost over the comparator's, a unit and a year (the
 * year's volume being the annual charge over the unit cost), and as a share of the current unit cost.
 */
export function valueForMoneyGap(current: SlaTerms, comparatorUnitCostPence: number): ValueForMoneyGap {
  const unitCostGapPence = current.unitCostPence - comparatorUnitCostPence;
  return {
    comparatorUnitCostPence,
    unitCostGapPence,
    annualGapPence: current.unitCostPence === 0 ? 0 : Math.round((current.annualChargePence * unitCostGapPence) / current.unitCostPence),
    percent: percentOf(unitCostGapPence, current.unitCostPence),
  };
}

/** SLA-R4 (§4.5): the services without an outcome yet, by name. */
export const servicesWithoutOutcome = (services: SlaServiceState[]): string[] => services.filter((s) => !s.outcome).map((s) => s.name);

/** Why the SLAs may not be signed off yet, or nothing if they may. */
export function signOffRefusal(services: SlaServiceState[]): string | undefined {
  const open = servicesWithoutOutcome(services);
  return open.length
    ? `SLA-R4: sign-off needs an outcome for every service; still without one: ${open.join(', ')} (PROCESSES.md §4.5)`
    : undefined;
}

/** Terms as the workflow checks a form (the API checks it field by field): a charge, a unit cost, a unit and KPIs. */
export function termsProblem(terms: unknown): string | undefined {
  const t = terms as Partial<SlaTerms> | undefined;
  const ok =
    typeof t === 'object' &&
    t !== null &&
    Number.isInteger(t.annualChargePence) &&
    Number.isInteger(t.unitCostPence) &&
    (t.unitCostPence ?? 0) > 0 &&
    typeof t.unit === 'string' &&
    Array.isArray(t.kpis) &&
    t.kpis.length > 0;
  return ok
    ? undefined
    : 'SLA-R2: proposed terms state the annual charge and unit cost in pence, the unit and at least one KPI (PROCESSES.md §4.4)';
}

/**
 * §4.6, "hollowing out" (source 8.3): each central service's income from the ALMO before and after the
 * outcomes, the totals, and the services the ALMO now buys elsewhere (from the end of their notice).
 */
export function impactOf(services: SlaServiceState[], effectiveFrom: string): ImpactReport {
  const rows = services.map((s) => {
    const outcome = s.outcome;
    const beforePence = s.terms.annualChargePence;
    const afterPence = outcome?.kind === 'retracted' ? 0 : (outcome?.terms?.annualChargePence ?? beforePence);
    const from = outcome?.kind === 'retracted' ? (outcome.retraction?.noticeEndsAt ?? effectiveFrom) : effectiveFrom;
    return {
      key: s.key,
      name: s.name,
      outcome: outcome?.kind ?? 'renewed',
      beforePence,
      afterPence,
      changePence: afterPence - beforePence,
      from,
    };
  });
  const totalBeforePence = rows.reduce((sum, r) => sum + r.beforePence, 0);
  const totalAfterPence = rows.reduce((sum, r) => sum + r.afterPence, 0);
  return {
    services: rows,
    totalBeforePence,
    totalAfterPence,
    totalChangePence: totalAfterPence - totalBeforePence,
    totalChangePercent: percentOf(totalAfterPence - totalBeforePence, totalBeforePence),
    boughtElsewhere: services
      .filter((s) => s.outcome?.kind === 'retracted')
      .map((s) => ({
        key: s.key,
        name: s.name,
        noticeEndsAt: s.outcome?.retraction?.noticeEndsAt ?? '',
        ...(s.outcome?.retraction?.buyingFrom ? { buyingFrom: s.outcome.retraction.buyingFrom } : {}),
      })),
  };
}

/** Each rule of the process and how it stands for this SLA set: for the evidence pack and the rules report. */
export function slaRulesReport(details: SlaDetails, policy?: SlaPolicy): RuleOutcome[] {
  const services = details.services;
  const unbenchmarked = services.filter((s) => !s.benchmark).map((s) => s.name);
  const negotiated = services.filter((s) => s.outcome);
  const deadlocked = services.filter((s) => s.outcome?.deadlock);
  const open = servicesWithoutOutcome(services);
  return [
    {
      rule: 'SLA-R1 every service benchmarked or market tested before negotiation',
      source: 'PROCESSES.md §4.2; source 004 7.7',
      checkedBy: 'negotiateAndSignOff (workflows/sla/steps/cycle.ts): negotiations start once every benchmark is in',
      outcome: unbenchmarked.length === 0 ? 'met' : 'not reached',
      detail:
        unbenchmarked.length === 0
          ? services.map((s) => `${s.name}: gap ${s.gap ? `${s.gap.percent}%` : 'none'}`).join('; ')
          : `not yet: ${unbenchmarked.join(', ')}`,
    },
    {
      rule: policy
        ? `SLA-R2 at most ${roundsInWords(policy.maxRounds)} of proposal and counter-proposal, each due in ${policy.responseWorkingDays} working days, then deadlock`
        : 'SLA-R2 at most the policy’s rounds of proposal and counter-proposal, then deadlock',
      source: 'PROCESSES.md §4.3',
      checkedBy: "rounds (workflows/sla/negotiation.ts): the last round's counter-proposal deadlocks it",
      outcome: negotiated.length ? 'met' : 'not reached',
      detail: negotiated.length
        ? negotiated.map((s) => `${s.name}: ${s.outcome?.kind} after ${roundsInWords(s.outcome?.rounds ?? 0)}`).join('; ')
        : 'no negotiation has ended yet',
    },
    {
      rule: policy
        ? `SLA-R3 a deadlock is decided, bindingly, by ${DEADLOCK_FORUM_NAMES[policy.deadlockForum]}, within ${policy.deadlockDecisionWorkingDays} working days`
        : 'SLA-R3 a deadlock is decided, bindingly, by the chief executives or a joint board–cabinet meeting',
      source: 'PROCESSES.md §4.4',
      checkedBy: 'deadlockDecision (workflows/sla/negotiation.ts)',
      outcome: deadlocked.length ? 'met' : 'not reached',
      detail: deadlocked.length
        ? deadlocked
            .map(
              (s) =>
                `${s.name}: ${s.outcome?.kind} by ${DEADLOCK_FORUM_NAMES[s.outcome?.deadlock?.forum ?? 'chief_executives']} (${s.outcome?.deadlock?.reasons})`,
            )
            .join('; ')
        : 'no deadlock',
    },
    {
      rule: 'SLA-R4 sign-off only once every service has an outcome',
      source: 'PROCESSES.md §4.5',
      checkedBy: "signOffRefusal (workflows/sla/rules.ts), the sign-off tasks' guard; sign-off opens after every outcome",
      outcome: details.agreement ? 'met' : open.length ? 'not reached' : 'met',
      detail: details.agreement
        ? `signed off ${details.agreement.signedOffAt}`
        : open.length
          ? `still without an outcome: ${open.join(', ')}`
          : 'every service has an outcome',
    },
  ];
}
