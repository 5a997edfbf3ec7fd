import { sleepUntil } from '../../common/clock';
import { dateInWords, inPounds, startOfDate } from '../../common/format';
import { monthsLater } from '../../common/policy';
import { ALMO_STAGES, type AlmoDetails } from '../messages';
import { onDate, type Establishment } from './context';

type Agreement = NonNullable<AlmoDetails['managementAgreement']>;

/** §2.6: the launch starts the Management Agreement's term; its review opens the policy's months before the end. */
export async function launched(ctx: Establishment): Promise<Agreement & { end: string; reviewOpensAt: string }> {
  const { input, frame, details, moveTo, policy, p, parties } = ctx;
  const launch = details.launch as NonNullable<AlmoDetails['launch']>;
  const agreement = details.managementAgreement as Agreement;
  // The term runs in the process's calendar: from the go-live date, or in a compressed calendar (where
  // a date people enter has no compressed meaning) from the launch itself, so its end does not hang
  // on the hour of the day the launch was recorded.
  const start = policy.calendar.kind === 'compressed' && launch.launchedAt ? launch.launchedAt : startOfDate(launch.goLiveDate);
  const end = monthsLater(policy.calendar, start, agreement.termYears * 12);
  const reviewOpensAt = monthsLater(policy.calendar, end, -p.reviewNoticeMonths);
  Object.assign(agreement, { start, end, reviewOpensAt });
  const notice = await frame.document('launch-notice', 'launch', 'launch_notice', `${input.almo} is launched`, [
    parties,
    { heading: 'Launch', lines: [`${input.almo} manages the council's homes from ${onDate(launch.goLiveDate)}.`] },
    {
      heading: 'Management Agreement',
      lines: [
        `${agreement.reference}: a ${agreement.termYears}-year term from ${dateInWords(start)} to ${dateInWords(end)}; its review opens on ${dateInWords(reviewOpensAt)}.`,
      ],
    },
    { heading: 'Shadow board', lines: (details.shadowBoard?.members ?? []).map((m) => `${m.name} (${m.place})`) },
    {
      heading: 'SLAs',
      lines: (details.slas?.services ?? []).map(
        (s) => `${s.name}: ${s.outcome}${s.annualChargePence === undefined ? '' : `, ${inPounds(s.annualChargePence)} a year`}`,
      ),
    },
  ]);
  launch.documentId = notice.documentId;
  await moveTo(
    ALMO_STAGES.launched,
    `Launched on ${onDate(launch.goLiveDate)}; the Management Agreement runs to ${dateInWords(end)}`,
    launch.launchedBy,
  );
  return { ...agreement, end, reviewOpensAt };
}

/** §2.9 [8.4, 9.2]: the Management Agreement's review falls due before the term ends, whatever the inspections bring. */
export async function agreementReview(ctx: Establishment, agreement: Agreement & { end: string; reviewOpensAt: string }) {
  const { input, details, tasks, step } = ctx;
  await sleepUntil(agreement.reviewOpensAt);
  return tasks.decide({
    taskId: 'management-agreement-review',
    kind: 'review_management_agreement',
    title: `Review the Management Agreement with ${input.almo} before it ends on ${dateInWords(agreement.end)}`,
    role: 'programme_manager',
    outcomes: ['renew', 'options_review'],
    reasonsRequiredFor: ['renew', 'options_review'],
    data: { agreement: details.managementAgreement },
    dueInWorkingDays: step,
  });
}
