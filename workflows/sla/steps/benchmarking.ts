import { inPounds } from '../../common/format';
import type { ServiceBenchmark, SlaServiceState } from '../messages';
import { comparatorUnitCost, valueForMoneyGap } from '../rules';
import { perUnit } from '../words';
import type { SlaSet } from './context';

/** §4.2: each service benchmarked against a quartile or market tested, in parallel, by the ALMO. */
export function benchmark(ctx: SlaSet, service: SlaServiceState) {
  const { tasks, taskId, sla, cycle } = ctx;
  return tasks.decide(
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
      const qualityMeasures = decision.form.qualityMeasures ?? [];
      const recorded = { qualityMeasures, recordedBy: decision.actor, recordedAt: decision.decidedAt };
      service.benchmark =
        decision.outcome === 'benchmark'
          ? {
              method: 'benchmark',
              quartile: Number(decision.form.quartile),
              comparatorUnitCostPence: Number(decision.form.comparatorUnitCostPence),
              ...recorded,
            }
          : {
              method: 'market_test',
              quotes: decision.form.quotes ?? [],
              ...recorded,
            };
      service.gap = valueForMoneyGap(service.terms, comparatorUnitCost(service.benchmark));
    },
    (attempt) => {
      const form = attempt.form ?? {};
      const ok =
        attempt.outcome === 'benchmark'
          ? Number.isInteger(form.quartile) &&
            Number.isInteger(form.comparatorUnitCostPence) &&
            (form.comparatorUnitCostPence as number) > 0
          : Array.isArray(form.quotes) &&
            form.quotes.length > 0 &&
            (form.quotes as { unitCostPence?: unknown }[]).every(
              (q) => Number.isInteger(q?.unitCostPence) && (q.unitCostPence as number) > 0,
            );
      return ok
        ? undefined
        : 'SLA-R1: a benchmark states the quartile and its unit cost; a market test lists at least one quote with its unit cost (PROCESSES.md §4.2)';
    },
  );
}

export function negotiationBrief(ctx: SlaSet) {
  const { input, frame, services, council, cycle } = ctx;
  return frame.document(
    `c${cycle}:negotiation-brief`,
    'benchmarking',
    'sla_negotiation_brief',
    `Negotiation brief: ${input.almo} and ${council}, cycle ${cycle}`,
    [
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
    ],
  );
}
