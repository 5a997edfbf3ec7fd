// The LMA's section of a council's policy: its periods and thresholds (PROCESSES.md §1), defaults here.
// Safe to load inside workflows; lma/definition.ts holds its zod schema.

export interface LmaPolicy {
  /** PROCESSES.md §1.2: adviser appointed within 10 working days by default. */
  adviserAppointmentWorkingDays: number;
  /** Time the residents' group has for each of its steps (plans, reports of support, signing). */
  groupStepWorkingDays: number;
  /** Time a council officer has to reply to, approve or record a step. */
  councilStepWorkingDays: number;
  /** §1.7: formal consultation of affected residents, 28 calendar days. */
  consultationDays: number;
  /** §1.7: goes on only if for / (for + against) is above this (default: more for than against). */
  supportThreshold: number;
  /** §1.9: duration of a Community Cashback Agreement term, 1 year. */
  termDays: number;
  /** §1.9-10: scheduled payments in a term. */
  paymentsPerTerm: number;
  /** §1.10: monitoring periods in a term (quarterly); the annual review covers the last. */
  reportingPeriodsPerTerm: number;
  /** §1.11: the annual review opens this many days before the term ends. */
  annualReviewDaysBeforeEnd: number;
}

export const LMA_POLICY_DEFAULTS: LmaPolicy = {
  adviserAppointmentWorkingDays: 10,
  groupStepWorkingDays: 20,
  councilStepWorkingDays: 10,
  consultationDays: 28,
  supportThreshold: 0.5,
  termDays: 365,
  paymentsPerTerm: 4,
  reportingPeriodsPerTerm: 4,
  annualReviewDaysBeforeEnd: 60,
};
