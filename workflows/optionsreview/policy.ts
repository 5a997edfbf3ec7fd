// The options review's section of a council's policy (PROCESSES.md §3), defaults here. Safe to load
// inside workflows; optionsreview/definition.ts holds its zod schema.

export interface OptionsReviewPolicy {
  /** §3.1 [15]: notify the Department as soon as possible, by default within 10 working days. */
  notifyDepartmentWorkingDays: number;
  /** Time a council officer or the cabinet has for each step. */
  councilStepWorkingDays: number;
  /** §3.6: how long the consultation stays open. */
  consultationDays: number;
  /** §3.8: the listening programme after the service comes in-house (Westminster: six months). */
  listeningMonths: number;
}

export const OPTIONS_REVIEW_POLICY_DEFAULTS: OptionsReviewPolicy = {
  notifyDepartmentWorkingDays: 10,
  councilStepWorkingDays: 10,
  consultationDays: 28,
  listeningMonths: 6,
};
