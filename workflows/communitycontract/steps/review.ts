import { allHandlersFinished, condition, continueAsNew } from '@temporalio/workflow';
import { workflowNow } from '../../common/clock';
import { dateInWords, inPounds } from '../../common/format';
import type { DocumentSection } from '../../common/engine-types';
import { CONTRACT_STAGES, type ContractCarry, type PastYear, type StandardFigures, type YearFigures, type YearMeasures } from '../messages';
import { yearFigures } from '../rules';
import type { communityContract } from '../workflow';
import { standardInWords, yearTask, type Contract } from './context';

// The yearly review (PROCESSES.md §5: standards are reviewed yearly): the year in figures, the measures
// residents care about against the start, and the outcome: renew, revise (back through sign-off) or
// end. A contract lives for years: each year is a run of its own (continue-as-new), nothing lost.

const figuresInWords = (f: Omit<StandardFigures, 'standard'>): string =>
  `${f.reports} reports: ${f.met} met, ${f.missed} missed; ${f.casesOpened} redress cases opened, ${f.casesResolved} resolved` +
  `${f.casesReferred ? `, ${f.casesReferred} referred to the Housing Ombudsman` : ''}` +
  `${f.medianDaysToResolve !== undefined ? ` in a median of ${f.medianDaysToResolve} days` : ''}; compensation paid ${inPounds(f.compensationPaidPence)}`;

/** The review report's sections: each standard's year, the totals, the measures against the start, the outcome. */
function reviewSections(
  ctx: Contract,
  figures: YearFigures,
  review: { outcome: string; reasons?: string; form: YearMeasures },
): DocumentSection[] {
  const { details } = ctx;
  const { form: measures } = review;
  const baseline = details.baseline;
  return [
    { heading: 'The year', lines: [`From ${dateInWords(details.inForceFrom as string)} to ${dateInWords(workflowNow())}.`] },
    ...details.standards.map((s) => ({
      heading: standardInWords(ctx, s),
      lines: [figuresInWords(figures.standards.find((f) => f.standard === s.key) as StandardFigures)],
    })),
    { heading: 'In total', lines: [figuresInWords(figures.totals)] },
    {
      heading: 'What residents care about, against the start',
      lines: [
        `Complaints: ${measures.complaintsThisYear} this year${baseline ? `, against ${baseline.complaintsLastYear} the year before the contract` : ''}.`,
        `Satisfied with local services: ${measures.satisfactionPercent}%${baseline ? `, against ${baseline.satisfactionPercent}% at the start` : ''}.`,
        `Knew the contract exists: ${measures.awarenessPercent}% of residents asked. How they were told: ${measures.howResidentsWereTold}.`,
      ],
    },
    {
      heading: 'Outcome',
      lines: [
        review.outcome === 'renew'
          ? 'Renewed as it is for another year.'
          : review.outcome === 'revise'
            ? `Revised: the standards are set out again and signed, then renewed. Why: ${review.reasons ?? ''}`
            : `Ended. Why: ${review.reasons ?? ''}`,
      ],
    },
  ];
}

const OUTCOMES: PastYear['outcome'][] = ['renew', 'revise', 'end'];

/** The review of the year: its figures for the programme manager, the measures and outcome they record, and the report (public). */
export async function reviewTheYear(ctx: Contract): Promise<PastYear['outcome']> {
  const { input, frame, details, tasks, moveTo, p, policy, year } = ctx;
  const figures = yearFigures(year, details.standards, details.reports, details.cases, policy.calendar);
  await moveTo(CONTRACT_STAGES.reviewing, `Year ${year} of the contract is reviewed: ${figuresInWords(figures.totals)}`);
  const review = await tasks.decide({
    taskId: yearTask(ctx, 'review'),
    kind: 'review_contract',
    title: `Review year ${year} of the community contract for ${input.neighbourhood}`,
    role: 'programme_manager',
    outcomes: OUTCOMES,
    reasonsRequiredFor: ['revise', 'end'],
    data: {
      year,
      figures: figures.standards.map((f) => `${f.standard}: ${figuresInWords(f)}`),
      atTheStart: details.baseline,
      asks: 'complaints this year, satisfaction and awareness (per cent of residents asked), and how residents were told the contract exists',
    },
    dueInWorkingDays: p.councilStepWorkingDays,
  });
  const report = await frame.document(
    `review-y${year}`,
    CONTRACT_STAGES.reviewing,
    'contract_review_report',
    `Community contract for ${input.neighbourhood}: review of year ${year}`,
    reviewSections(ctx, figures, review),
    { public: true },
  );
  const outcome = OUTCOMES.find((o) => o === review.outcome) ?? 'renew';
  const past: PastYear = {
    year,
    inForceFrom: details.inForceFrom as string,
    reviewedAt: review.decidedAt,
    figures,
    measures: review.form,
    outcome,
    reportId: report.documentId,
  };
  details.pastYears = [...details.pastYears, past];
  return outcome;
}

/** The contract ends at its review. */
export async function endTheContract(ctx: Contract): Promise<void> {
  await ctx.finish(CONTRACT_STAGES.ended, 'completed', `Ended at the review of year ${ctx.year}`);
}

/** The next year, as a new run: the contract as it now stands, its past years, and its cases' numbering. */
export async function nextYear(ctx: Contract): Promise<void> {
  const { input, frame, details, year } = ctx;
  await condition(allHandlersFinished);
  const signatures = Object.fromEntries([
    ...details.partners.flatMap((x) => (x.signed && !x.leftOut ? [[x.key, x.signed]] : [])),
    ...(details.residentsSigned ? [['residents', details.residentsSigned]] : []),
  ]) as ContractCarry['signatures'];
  const carry: ContractCarry = {
    year: year + 1,
    startedAt: frame.startedAt,
    // The next year runs from this one's review date, so its periods do not drift with the review's length.
    inForceFrom: details.reviewDueAt as string,
    partners: details.partners
      .filter((x) => !x.leftOut)
      .map(({ key, organisation, kind, actsForIt }) => ({ key, organisation, kind, actsForIt })),
    priorities: details.priorities,
    standards: details.standards,
    baseline: details.baseline ?? { complaintsLastYear: 0, satisfactionPercent: 0 },
    engagement: details.engagement ?? [],
    signatures,
    contractDocumentId: details.contractDocumentId as string,
    casesSoFar: ctx.casesSoFar,
    pastYears: details.pastYears,
  };
  await continueAsNew<typeof communityContract>({ ...input, carry });
}
