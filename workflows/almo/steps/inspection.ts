import { workflowNow } from '../../common/clock';
import { calendarDateOf, dateInWords, inPounds } from '../../common/format';
import { dateMonthsLater } from '../../common/policy';
import { type Decision } from '../../common/tasks';
import { ALMO_STAGES, type AlmoForms, type AlmoDetails, type Inspection } from '../messages';
import { clashesWith } from '../rules';
import { type Establishment, onDate } from './context';

type Window = Inspection['expected'];
type Recorded = Decision<AlmoForms['record_inspection_result']>;

/** §2.7-2.8: the inspection (and any re-inspection) until the funding is released or the council withdraws. */
export async function inspections(ctx: Establishment, goLiveDate: string): Promise<void> {
  const { details, moveTo, p } = ctx;
  let expected = {
    from: dateMonthsLater(goLiveDate, p.inspectionEarliestMonths),
    to: dateMonthsLater(goLiveDate, p.inspectionLatestMonths),
  };
  for (let round = 1; ; round += 1) {
    await moveTo(ALMO_STAGES.inspection, round === 1 ? 'Inspection preparation' : `Re-inspection ${round - 1} preparation`);
    const current = await scheduleInspection(ctx, round, expected, goLiveDate);
    if (current.clashes.length) await flagInspectionFatigue(ctx, round, current);
    const result = await recordResult(ctx, round, current);
    const stars = current.result?.stars ?? 0;
    const passed = stars >= p.passingStars;
    await outcomeDocument(ctx, round, current, expected, result);
    const bidNow = details.decentHomes;
    if (passed && bidNow) {
      await releaseFunding(ctx, bidNow, current, result);
      return;
    }
    const next = await decideAfterInspection(ctx, round, current, stars);
    if (next.outcome === 'withdraw_from_programme') {
      if (details.decentHomes) details.decentHomes.conditions.twoStarInspection = 'withdrawn';
      await moveTo(ALMO_STAGES.operating, `The council withdrew from the Decent Homes programme: ${next.reasons ?? ''}`, next.actor);
      return;
    }
    details.improvementPlans.push({
      afterRound: round,
      plan: next.form.plan ?? '' /* the guard requires it for a plan */,
      decidedBy: next.actor,
    });
    const reinspection = dateMonthsLater(current.date, p.reinspectionMonths);
    expected = { from: reinspection, to: reinspection };
    await moveTo(
      ALMO_STAGES.improvement,
      `Improvement plan agreed; a re-inspection is expected around ${onDate(reinspection)}`,
      next.actor,
    );
  }
}

/** §2.7: the liaison officer records the inspection's date and the other audits and inspections near it. */
function scheduleInspection(ctx: Establishment, round: number, expected: Window, goLiveDate: string): Promise<Inspection> {
  const { input, details, tasks, p, step } = ctx;
  return tasks.decide(
    {
      taskId: `inspection-${round}-date`,
      kind: 'schedule_inspection',
      title: `${round === 1 ? 'Record the inspection date' : 'Record the re-inspection date'} and the other audits and inspections of ${input.almo}`,
      role: 'liaison',
      outcomes: ['schedule'],
      data: { expected, fatigueWindowDays: p.inspectionFatigueDays },
      dueInWorkingDays: step,
    },
    async (d) => {
      const date = d.form.inspectionDate;
      const otherEvents = d.form.otherEvents ?? [];
      const inspection: Inspection = {
        round,
        date,
        expected,
        outsideExpectedWindow: date < expected.from || date > expected.to,
        otherEvents,
        clashes: clashesWith(date, otherEvents, p.inspectionFatigueDays),
      };
      details.inspections.push(inspection);
      return inspection;
    },
    (attempt) => {
      // An inspection of the ALMO follows its launch, and a re-inspection the inspection before it.
      const after = details.inspections.at(-1)?.date ?? goLiveDate;
      const date = attempt.form?.inspectionDate;
      return typeof date === 'string' && date < after
        ? `the ${round === 1 ? 'inspection' : 're-inspection'} cannot be before ${round === 1 ? `the launch on ${onDate(goLiveDate)}` : `the inspection on ${onDate(after)}`}`
        : undefined;
    },
  );
}

/** §2.7 [9.1] "inspection fatigue": flagged to the programme manager, beside the inspection. */
async function flagInspectionFatigue(ctx: Establishment, round: number, current: Inspection): Promise<void> {
  const { frame, tasks, p, step, beside } = ctx;
  const clashes = current.clashes
    .map((c) => `${c.name} (${c.kind.replace(/_/g, ' ')}) on ${onDate(c.date)}, ${c.daysApart} days apart`)
    .join('; ');
  await frame.note(`Inspection fatigue: the inspection on ${onDate(current.date)} is within ${p.inspectionFatigueDays} days of ${clashes}`);
  const flagged = tasks.decide({
    taskId: `inspection-${round}-clash`,
    kind: 'review_inspection_clash',
    title: `Inspection fatigue: the inspection on ${onDate(current.date)} clashes with ${current.clashes.map((c) => c.name).join(', ')}`,
    role: 'programme_manager',
    outcomes: ['noted', 'dates_moved'],
    data: { inspectionDate: current.date, clashes: current.clashes },
    dueInWorkingDays: step,
  });
  beside.push(flagged);
  void flagged.catch(() => undefined);
}

/** §2.8 ALMO-R5: the Housing Inspectorate's result, from the day of the inspection. */
function recordResult(ctx: Establishment, round: number, current: Inspection): Promise<Recorded> {
  const { tasks, p } = ctx;
  return tasks.decide(
    {
      taskId: `inspection-${round}-result`,
      kind: 'record_inspection_result',
      title: `Record the Housing Inspectorate's result of the inspection on ${onDate(current.date)}`,
      role: 'liaison',
      outcomes: ['record'],
      data: { inspectionDate: current.date, passingStars: p.passingStars },
    },
    async (d) => {
      current.result = {
        stars: Number(d.form.stars),
        prospects: d.form.prospects,
        reportReference: d.form.reportReference,
        recordedBy: d.actor,
        recordedAt: d.decidedAt,
      };
    },
    (attempt) => {
      // A result cannot be recorded (nor its outcome dated) before the inspection took place.
      if (calendarDateOf(workflowNow()) < current.date)
        return `the inspection is on ${onDate(current.date)}: its result can be recorded from that day`;
      return Number.isInteger(attempt.form?.stars) && (attempt.form?.stars as number) >= 0 && (attempt.form?.stars as number) <= 3
        ? undefined
        : 'ALMO-R5: an inspection result is a star rating from 0 to 3 (PROCESSES.md §2.8)';
    },
  );
}

/** The inspection's outcome as a document: the date, the report, the stars and what follows. */
async function outcomeDocument(ctx: Establishment, round: number, current: Inspection, expected: Window, result: Recorded) {
  const { input, frame, p, parties } = ctx;
  const stars = current.result?.stars ?? 0;
  const passed = stars >= p.passingStars;
  await frame.document(
    `inspection-outcome-${round}`,
    'inspection',
    'inspection_outcome',
    `Housing Inspectorate inspection of ${input.almo}${round > 1 ? ` (re-inspection ${round - 1})` : ''}`,
    [
      parties,
      {
        heading: 'Inspection',
        lines: [
          `Date: ${onDate(current.date)}`,
          `Report: ${current.result?.reportReference}`,
          ...(current.outsideExpectedWindow && round === 1
            ? [`Outside the expected window of ${onDate(expected.from)} to ${onDate(expected.to)}`]
            : []),
        ],
      },
      {
        heading: 'Result',
        lines: [
          `${stars} star${stars === 1 ? '' : 's'}; prospects for improvement: ${current.result?.prospects}`,
          passed
            ? 'The Decent Homes funding is released.'
            : `Below ${p.passingStars} stars: an improvement plan and a re-inspection, or the council withdraws from the programme.`,
        ],
      },
      { heading: 'Recorded', lines: [`by ${result.actorName ?? result.actor.userId} on ${dateInWords(result.decidedAt)}`] },
    ],
  );
}

/** §2.8: the funding released, the letter written, and those who act on the money told. */
async function releaseFunding(
  ctx: Establishment,
  bidNow: NonNullable<AlmoDetails['decentHomes']>,
  current: Inspection,
  result: Recorded,
): Promise<void> {
  const { input, frame, details, moveTo, parties } = ctx;
  const stars = current.result?.stars ?? 0;
  const total = bidNow.borrowingApprovalPence + bidNow.hraAllowancePence;
  bidNow.conditions.twoStarInspection = 'met';
  bidNow.released = { at: workflowNow(), totalPence: total };
  await frame.document('funding-release-letter', 'inspection', 'funding_release_letter', `Decent Homes funding released: ${input.almo}`, [
    parties,
    {
      heading: 'Funding released',
      lines: [
        `The Decent Homes funding of round ${bidNow.round} is released: ${inPounds(total)} in all.`,
        `Borrowing approval: ${inPounds(bidNow.borrowingApprovalPence)}`,
        `HRA allowance: ${inPounds(bidNow.hraAllowancePence)}`,
        `For ${bidNow.dwellings} dwellings.`,
      ],
    },
    {
      heading: 'Conditions met',
      lines: [
        `Section 27 consent granted on ${dateInWords(details.section27?.decidedAt ?? '')}`,
        `Housing Inspectorate: ${stars} stars (inspection of ${onDate(current.date)})`,
      ],
    },
  ]);
  // §2.8: released, the letter written, and those who act on the money told.
  await moveTo(ALMO_STAGES.operating, `${stars} stars: the Decent Homes funding of ${inPounds(total)} is released`, result.actor, [
    'finance',
    'almo_board',
    'programme_manager',
  ]);
}

/** §2.8: below the passing stars, the cabinet sets out an improvement plan or withdraws from the programme. */
function decideAfterInspection(ctx: Establishment, round: number, current: Inspection, stars: number) {
  const { tasks, p, step } = ctx;
  return tasks.decide(
    {
      taskId: `inspection-${round}-decision`,
      kind: 'decide_after_inspection',
      title: `${stars} star${stars === 1 ? '' : 's'}: an improvement plan and a re-inspection, or withdraw from the programme`,
      role: 'cabinet',
      outcomes: ['improvement_plan', 'withdraw_from_programme'],
      reasonsRequiredFor: ['withdraw_from_programme'],
      data: { stars, reinspectionExpected: dateMonthsLater(current.date, p.reinspectionMonths) },
      dueInWorkingDays: step,
    },
    undefined,
    (attempt) =>
      attempt.outcome === 'improvement_plan' && !(typeof attempt.form?.plan === 'string' && attempt.form.plan.trim())
        ? 'ALMO-R5: an improvement plan is set out (PROCESSES.md §2.8)'
        : undefined,
  );
}
