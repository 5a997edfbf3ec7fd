import { almoBusinessKey } from '../../almo/messages';
import { calendarDateInWords, calendarDateOf } from '../../common/format';
import { stepContextOf, type ProcessFrame, type StepContext } from '../../common/frame';
import type { OptionsReviewDetails, OptionsReviewStartInput, OptionsReviewForms, ServiceMeasures } from '../messages';
import { OPTIONS_REVIEW_RULES } from '../rules';

// What every step of an options review reads: the review's input, its frame, and what is worked out
// once from them. Safe in workflows.

export interface Review extends StepContext<OptionsReviewDetails, OptionsReviewForms> {
  input: OptionsReviewStartInput;
  activities: ProcessFrame<OptionsReviewDetails, OptionsReviewForms>['activities'];
  policy: OptionsReviewStartInput['policy'];
  /** The review's section of the council's policy. */
  p: OptionsReviewStartInput['policy']['optionsreview'];
  /** The working days each council step is due in. */
  step: number;
  /** The ALMO establishment this service may have run: R1 reads it; the handover ends its agreement. */
  establishmentId: string;
  /** The parties section every document of the review opens with. */
  parties: { heading: string; lines: string[] };
  /** The day the review began, in London: nothing it records can have happened before. */
  reviewBegan: string;
  /** The Department's acknowledgement, awaited before the council decides. */
  acknowledgement?: Promise<unknown>;
}

export function reviewOf(input: OptionsReviewStartInput, frame: Review['frame']): Review {
  const council = input.councilName ?? input.council;
  const { policy } = input;
  return {
    ...stepContextOf(frame),
    input,
    activities: frame.activities,
    policy,
    p: policy.optionsreview,
    step: policy.optionsreview.councilStepWorkingDays,
    establishmentId: almoBusinessKey(input),
    parties: { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] },
    reviewBegan: calendarDateOf(frame.startedAt),
  };
}

/** The consultation as its steps record it. */
export type Consultation = NonNullable<OptionsReviewDetails['consultation']>;

/** A refusal for a date people entered (YYYY-MM-DD) that comes before `earliest`: what it records cannot have happened then. */
export const notBefore = (date: unknown, earliest: string, refusal: string) =>
  typeof date === 'string' && date < earliest ? refusal : undefined;
export const onDate = calendarDateInWords;
export const measures = (form: ServiceMeasures): ServiceMeasures => ({
  complaintsPerMonth: form.complaintsPerMonth,
  repairSatisfactionPercent: form.repairSatisfactionPercent,
});
export const RULES_IN_WORDS = Object.values(OPTIONS_REVIEW_RULES).map((r) => `${r.rule} (${r.source})`);
