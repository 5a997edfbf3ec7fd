import { processFrame, stepContextOf, type ProcessFrame, type StepContext } from '../../common/frame';
import { groupKeyOf } from '../../common/process';
import {
  COMMUNITY_CONTRACT_KIND,
  CONTRACT_FORMS,
  CONTRACT_STAGES,
  CONTRACT_WITHDRAWN_BY,
  communityContractBusinessKey,
  type CommunityContractDetails,
  type CommunityContractForms,
  type CommunityContractStartInput,
  type Standard,
} from '../messages';

// What every step of a community contract reads: its input, its frame, and what is worked out once
// from them. Safe in workflows.

export interface Contract extends StepContext<CommunityContractDetails, CommunityContractForms> {
  input: CommunityContractStartInput;
  taskId: ProcessFrame<CommunityContractDetails, CommunityContractForms>['taskId'];
  policy: CommunityContractStartInput['policy'];
  /** The process's section of the council's policy. */
  p: CommunityContractStartInput['policy']['communitycontract'];
  /** The council's name as documents state it. */
  council: string;
  /** Which year of the contract this run is (a run per year). */
  year: number;
  /** Redress cases opened before this year: each case's number is the contract's, not the year's. */
  casesSoFar: number;
}

/** The contract's frame: its first year starts gathering priorities, a later one is in force. */
export function contractFrame(input: CommunityContractStartInput) {
  const { carry } = input;
  return processFrame<CommunityContractDetails, CommunityContractForms>({
    kind: COMMUNITY_CONTRACT_KIND,
    forms: CONTRACT_FORMS,
    council: input.council,
    groupKey: groupKeyOf(input.group),
    title: `Community contract: ${input.neighbourhood}`,
    businessKey: communityContractBusinessKey(input),
    startedBy: input.startedBy,
    ...(carry ? { startedAt: carry.startedAt, keyPrefix: `y${carry.year}:` } : {}),
    stage: carry ? CONTRACT_STAGES.inForce : CONTRACT_STAGES.gatheringPriorities,
    policy: input.policy,
    versions: 'current',
    withdrawnBy: CONTRACT_WITHDRAWN_BY,
    details: {
      neighbourhood: input.neighbourhood,
      area: input.area,
      group: input.group,
      partners: (carry?.partners ?? input.partners).map((p) => ({
        ...p,
        ...(carry?.signatures[p.key] ? { signed: carry.signatures[p.key] } : {}),
      })),
      year: carry?.year ?? 1,
      priorities: carry?.priorities ?? [],
      standards: carry?.standards ?? [],
      reports: [],
      cases: [],
      pastYears: carry?.pastYears ?? [],
      ...(carry
        ? {
            engagement: carry.engagement,
            baseline: carry.baseline,
            contractDocumentId: carry.contractDocumentId,
            inForceFrom: carry.inForceFrom,
            ...(carry.signatures['residents'] ? { residentsSigned: carry.signatures['residents'] } : {}),
          }
        : {}),
    },
  });
}

export function contractOf(input: CommunityContractStartInput, frame: Contract['frame']): Contract {
  return {
    ...stepContextOf(frame),
    input,
    taskId: frame.taskId,
    policy: input.policy,
    p: input.policy.communitycontract,
    council: input.councilName ?? input.council,
    year: input.carry?.year ?? 1,
    casesSoFar: input.carry?.casesSoFar ?? 0,
  };
}

/** The partners the contract is with now: those that signed, or have still to, not those left out. */
export const partnersInContract = (ctx: Contract): CommunityContractDetails['partners'] => ctx.details.partners.filter((p) => !p.leftOut);

/** A standard in words: what is done, by whom, measured how. */
export function standardInWords(ctx: Contract, s: Standard): string {
  const partner = ctx.details.partners.find((p) => p.key === s.partner)?.organisation ?? s.partner;
  const measure = s.withinWorkingDays !== undefined ? `within ${s.withinWorkingDays} working days of a report` : s.howOften;
  return `${partner}: ${s.whatIsDone} (${measure})`;
}

/** Task ids of this year's run: a later year's are its own. */
export const yearTask = (ctx: Contract, local: string): string => ctx.taskId(`y${ctx.year}-${local}`);
