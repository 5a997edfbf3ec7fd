import { sleepUntil } from '../../common/clock';
import { dateInWords } from '../../common/format';
import { monthsLater } from '../../common/policy';
import type { ReportOutcome } from '../messages';
import { reportRefusal } from '../rules';
import { standardInWords, yearTask, type Contract } from './context';
import { followTheCase } from './redress';

// The contract in force for a year (PROCESSES.md §5): at the end of each period the policy sets, the
// community champions report on every standard; each standard reported missed opens a redress case
// for the partner responsible. Periods and cases run side by side; the year ends when all are done.

/** One period's report, and the redress cases it opens. */
async function reportPeriod(ctx: Contract, period: number, endsAt: string): Promise<void> {
  const { input, details, tasks, p } = ctx;
  await sleepUntil(endsAt);
  const report = await tasks.decide(
    {
      taskId: yearTask(ctx, `report-${period}`),
      kind: 'report_on_standards',
      title: `Community champions' report for ${input.neighbourhood}: period ${period}, to ${dateInWords(endsAt)}`,
      role: 'resident_rep',
      outcomes: ['report'],
      data: {
        period,
        standards: details.standards.map((s) => ({ standard: s.key, is: standardInWords(ctx, s) })),
        asks: 'for each standard: met, missed (what happened, and when it was seen) or not checked; a missed one opens a redress case',
      },
      dueInWorkingDays: p.reportWorkingDays,
    },
    undefined,
    (attempt) => reportRefusal((attempt.form?.reports ?? []) as Parameters<typeof reportRefusal>[0], details.standards),
  );
  details.reports.push({
    period,
    at: report.decidedAt,
    outcomes: Object.fromEntries(report.form.reports.map((r): [string, ReportOutcome] => [r.standard, r.outcome])),
  });
  const missed = report.form.reports.filter((r) => r.outcome === 'missed');
  await Promise.all(
    missed.map((r) =>
      followTheCase(ctx, details.standards.find((s) => s.key === r.standard) as (typeof details.standards)[number], {
        period,
        whatHappened: r.whatHappened ?? '',
        ...(r.seenOn ? { seenOn: r.seenOn } : {}),
      }),
    ),
  );
}

/** The year in force: each period reported on, every case followed to its close. */
export async function keepInForce(ctx: Contract): Promise<void> {
  const { details, policy, p } = ctx;
  const from = details.inForceFrom as string;
  const periods = Math.max(1, Math.floor(p.reviewEveryMonths / p.reportEveryMonths));
  details.reviewDueAt = monthsLater(policy.calendar, from, p.reviewEveryMonths);
  await Promise.all(
    Array.from({ length: periods }, (_, i) => reportPeriod(ctx, i + 1, monthsLater(policy.calendar, from, (i + 1) * p.reportEveryMonths))),
  );
}
