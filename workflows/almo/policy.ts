import type { SupportRule } from './messages';

// The ALMO establishment's section of a council's policy (PROCESSES.md §2), defaults here. Safe to
// load inside workflows; almo/definition.ts holds its zod schema.

export interface AlmoPolicy {
  /** Time a council officer or the cabinet has for each step. */
  councilStepWorkingDays: number;
  /** §2.2: the rule a test of opinion's result is judged by (default: a majority of votes cast). */
  supportRule: SupportRule;
  /** §2.2: the turnout below which a result does not count (0: none). */
  minimumTurnoutPercent: number;
  /** §2.4c: the Management Agreement's term. */
  managementAgreementTermYears: number;
  /** §2.5 [7.1]: the Secretary of State's decision on Section 27 consent is chased, then escalated, after this. */
  section27DecisionWeeks: number;
  /** §2.9: the Management Agreement's review opens this many months before its term ends. */
  reviewNoticeMonths: number;
  /** §2.7: when the inspection is expected, in months after launch. */
  inspectionEarliestMonths: number;
  inspectionLatestMonths: number;
  /** §2.8: a re-inspection is expected this many months after an inspection below the passing stars. */
  reinspectionMonths: number;
  /** §2.7 [9.1]: other audits and inspections this many days or fewer from the inspection are flagged. */
  inspectionFatigueDays: number;
  /** §2.3, §2.8: the stars that release the Decent Homes funding. */
  passingStars: number;
  /** §2.3: a Building Costs Model is required from this bid round on. */
  buildingCostsModelFromRound: number;
}

export const ALMO_POLICY_DEFAULTS: AlmoPolicy = {
  councilStepWorkingDays: 10,
  supportRule: 'majority_of_votes_cast',
  minimumTurnoutPercent: 0,
  managementAgreementTermYears: 5,
  section27DecisionWeeks: 12,
  reviewNoticeMonths: 6,
  inspectionEarliestMonths: 12,
  inspectionLatestMonths: 18,
  reinspectionMonths: 12,
  inspectionFatigueDays: 30,
  passingStars: 2,
  buildingCostsModelFromRound: 3,
};
