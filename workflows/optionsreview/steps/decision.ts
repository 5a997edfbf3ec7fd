import { calendarDateOf, dateInWords, inPounds } from '../../common/format';
import { type CompleteTaskInput, type DecisionRecord } from '../../common/tasks';
import { OPTIONS_REVIEW_STAGES, REVIEW_OPTION_NAMES, REVIEW_OPTIONS, type ReviewOption } from '../messages';
import { r2DecisionRefusal } from '../rules';
import { type Consultation, notBefore, onDate, type Review } from './context';

/**
 * §3.7: the council's decision, published with reasons as a public notice. Any option but in-house ends
 * the review here (undefined); in-house answers the decision, for the handover.
 */
export async function decideTheFuture(r: Review, consultation: Consultation): Promise<DecisionRecord | undefined> {
  const { details, finish } = r;
  const decision = await councilDecision(r, consultation);
  const chosen = decision.outcome as ReviewOption;
  const notice = await decisionNotice(r, consultation, decision);
  if (details.decision) details.decision.documentId = notice.documentId;
  if (chosen !== 'in_house') {
    await finish(
      chosen === 'keep_almo' ? OPTIONS_REVIEW_STAGES.almoKept : OPTIONS_REVIEW_STAGES.otherOption,
      'completed',
      `The council decided to ${REVIEW_OPTION_NAMES[chosen]}: ${decision.reasons ?? ''}`,
      decision.actor,
    );
    return undefined;
  }
  return decision;
}

/** The cabinet records its decision: the option, its minute and the meeting, and (in-house) the transfer date. */
function councilDecision(r: Review, consultation: Consultation) {
  const { input, details, tasks, step } = r;
  return tasks.decide(
    {
      taskId: 'council-decision',
      kind: 'record_council_decision',
      title: `Record the council decision on the future of ${input.almo}`,
      role: 'cabinet',
      outcomes: [...REVIEW_OPTIONS],
      reasonsRequiredFor: [...REVIEW_OPTIONS],
      data: { recommended: details.shortlist?.recommended, consultation: consultation.result },
      dueInWorkingDays: step,
    },
    async (d) => {
      details.decision = {
        option: d.outcome as ReviewOption,
        minuteReference: d.form.minuteReference,
        // Optional here: decisions recorded before the meeting date was asked for have none.
        ...(d.form.meetingDate ? { meetingDate: d.form.meetingDate } : {}),
        reasons: d.reasons ?? '',
        decidedBy: d.actor,
        decidedAt: d.decidedAt,
        ...(d.form.transferDate ? { transferDate: d.form.transferDate } : {}),
      };
    },
    (attempt) => councilDecisionRefusal(details, consultation, attempt),
  );
}

/** R2, §3.8 and the dates people enter: what refuses a council decision. */
function councilDecisionRefusal(details: Review['details'], consultation: Consultation, attempt: CompleteTaskInput): string | undefined {
  const r2 = r2DecisionRefusal(details, attempt.outcome);
  if (r2) return r2;
  if (attempt.outcome === 'in_house' && !(typeof attempt.form?.transferDate === 'string' && attempt.form.transferDate))
    return '§3.8: bringing the service in-house sets the transfer date';
  const closed = calendarDateOf(consultation.closesAt);
  return (
    notBefore(
      attempt.form?.meetingDate,
      closed,
      `the council decides after the consultation, which closed on ${onDate(closed)}: its meeting cannot be before that`,
    ) ??
    notBefore(
      attempt.form?.transferDate,
      String(attempt.form?.meetingDate),
      "the service cannot come in-house before the council's decision to bring it in-house (meetingDate)",
    )
  );
}

/** The public decision notice: the decision, its reasons, the consultation and (keeping the ALMO) its funding. */
function decisionNotice(r: Review, consultation: Consultation, decision: DecisionRecord) {
  const { input, frame, details, parties } = r;
  const chosen = decision.outcome as ReviewOption;
  const result = consultation.result;
  return frame.document(
    'decision-notice',
    'council_decision',
    'decision_notice',
    `The future of ${input.almo}: the council's decision`,
    [
      parties,
      {
        heading: 'Decision',
        lines: [
          `The council decided to ${REVIEW_OPTION_NAMES[chosen]}.`,
          details.decision?.meetingDate
            ? `Decided at the meeting of ${onDate(details.decision.meetingDate)}, minute ${details.decision.minuteReference}`
            : `Minute: ${details.decision?.minuteReference}, recorded on ${dateInWords(decision.decidedAt)}`,
          ...(details.decision?.transferDate ? [`The service comes in-house on ${onDate(details.decision.transferDate)}.`] : []),
        ],
      },
      { heading: 'Reasons', lines: [decision.reasons ?? ''] },
      {
        heading: 'The consultation',
        lines: [
          `${consultation.method.replace(/_/g, ' ')}, overseen by ${details.overseer?.organisation}: ${result?.forRecommended} for the recommended option (${REVIEW_OPTION_NAMES[details.shortlist?.recommended ?? 'other']}), ${result?.against} against, of ${result?.responses} responses from ${result?.eligible} tenants`,
        ],
      },
      ...(chosen === 'keep_almo' && details.funding
        ? [
            {
              heading: 'Funding for the ALMO',
              lines: [
                ...details.funding.streams.map((s) => `${s.source}: ${inPounds(s.amountPence)}`),
                `Ratified by the council, minute ${details.funding.minuteReference}.`,
              ],
            },
          ]
        : []),
      { heading: 'This is a public document', lines: [`Published on ${dateInWords(decision.decidedAt)}.`] },
    ],
    { public: true },
  );
}
