// The community contract's section of a council's policy (PROCESSES.md §5), defaults here. Safe to
// load inside workflows; communitycontract/definition.ts holds its zod schema.

export interface CommunityContractPolicy {
  /** Time the residents' group has for each of its steps (their priorities, a report, saying whether redress satisfies them). */
  groupStepWorkingDays: number;
  /** Time a council officer has to agree, set out or decide a step. */
  councilStepWorkingDays: number;
  /** Time each party has to sign the contract. */
  signingWorkingDays: number;
  /** Community champions report on each standard this often (default monthly). */
  reportEveryMonths: number;
  /** Time the champions have for a period's report. */
  reportWorkingDays: number;
  /** Standards are reviewed this often (default yearly): a run of the process each. */
  reviewEveryMonths: number;
  /**
   * The stages of a redress case: the Housing Ombudsman's Complaint Handling Code, which councils and
   * landlords already work to, as the defaults (stage 1: acknowledged in 5 working days, answered in 10;
   * stage 2: acknowledged in 5, answered in 20).
   */
  stage1AcknowledgeWorkingDays: number;
  stage1AnswerWorkingDays: number;
  stage2AcknowledgeWorkingDays: number;
  stage2AnswerWorkingDays: number;
}

export const COMMUNITY_CONTRACT_POLICY_DEFAULTS: CommunityContractPolicy = {
  groupStepWorkingDays: 20,
  councilStepWorkingDays: 10,
  signingWorkingDays: 20,
  reportEveryMonths: 1,
  reportWorkingDays: 10,
  reviewEveryMonths: 12,
  stage1AcknowledgeWorkingDays: 5,
  stage1AnswerWorkingDays: 10,
  stage2AcknowledgeWorkingDays: 5,
  stage2AnswerWorkingDays: 20,
};
