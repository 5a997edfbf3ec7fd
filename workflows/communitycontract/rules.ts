import { inPounds } from '../common/format';
import { calendarDaysMs, type WorkingCalendar } from '../common/policy';
import type { RuleOutcome } from '../common/rules';
import {
  standardKeyOf,
  type CommunityContractDetails,
  type CommunityContractForms,
  type Partner,
  type Priority,
  type RedressCase,
  type RedressLadder,
  type Standard,
  type StandardFigures,
  type YearFigures,
} from './messages';
import type { CommunityContractPolicy } from './policy';

// The rules of PROCESSES.md §5 (source 001, the 2010 announcement of community contracts and their
// pilots), each named with its source, so a refusal tells the officer which rule and why; and the
// figures of a year, worked out once for the review, its report and the process view.

const SOURCE = 'PROCESSES.md §5; source 001 (community contracts, January 2010)';
export const CONTRACT_RULES = {
  R1: {
    rule: 'CC-R1 a voluntary agreement: every party signs, or the programme manager decides with reasons to go on without a partner that will not',
    source: SOURCE,
    checkedBy: 'goOnWithoutRefusal (workflows/communitycontract/rules.ts), the refused-signature guard',
  },
  R2: {
    rule: 'CC-R2 a standard of service for every agreed priority, measurable, with the redress when it is missed',
    source: SOURCE,
    checkedBy: 'standardsRefusal (workflows/communitycontract/rules.ts), the standards guard',
  },
  R3: {
    rule: 'CC-R3 redress given within the ladder agreed for the standard (compensation up to the amount it states)',
    source: SOURCE,
    checkedBy: 'redressRefusal (workflows/communitycontract/rules.ts), the answer guard',
  },
  R4: {
    rule: 'CC-R4 a partner that disputes a case is answered by a decision of the programme manager, with reasons',
    source: `${SOURCE}; the Housing Ombudsman's Complaint Handling Code (the policy's stages)`,
    checkedBy: 'followTheCase (workflows/communitycontract/steps/redress.ts): a dispute opens the decision task',
  },
} as const;

/** Each of `keys` once: the repeated ones. */
const repeated = (keys: string[]): string[] => [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];

/** CC-R2: why these standards may not stand, or nothing if they may. */
export function standardsRefusal(
  standards: CommunityContractForms['set_standards']['standards'],
  priorities: Priority[],
  partners: Partner[],
): string | undefined {
  const unknownPartner = standards.find((s) => !partners.some((p) => p.organisation === s.partner));
  if (unknownPartner)
    return `CC-R2: ${unknownPartner.partner} is not a partner to the contract (partners: ${partners.map((p) => p.organisation).join(', ')})`;
  const unknownPriority = standards.find((s) => !priorities.some((p) => p.key === s.priority));
  if (unknownPriority)
    return `CC-R2: ${unknownPriority.priority} is not an agreed priority (priorities: ${priorities.map((p) => p.key).join(', ')})`;
  const twice = repeated(standards.map((s) => standardKeyOf(s.priority, s.partner)));
  if (twice.length) return `CC-R2: one standard per priority and partner; given twice: ${twice.join(', ')}`;
  const without = priorities.filter((p) => !standards.some((s) => s.priority === p.key));
  if (without.length) return `CC-R2: every agreed priority has a standard; without one: ${without.map((p) => p.name).join(', ')}`;
  const unmeasured = standards.find((s) => s.withinWorkingDays === undefined && !s.howOften);
  if (unmeasured)
    return `CC-R2: a standard is measurable: ${standardKeyOf(unmeasured.priority, unmeasured.partner)} says within how many working days, or how often`;
  return undefined;
}

/** Why a champions' report may not be taken as it is, or nothing. */
export function reportRefusal(
  reports: CommunityContractForms['report_on_standards']['reports'],
  standards: Standard[],
): string | undefined {
  const unknown = reports.find((r) => !standards.some((s) => s.key === r.standard));
  if (unknown) return `${unknown.standard} is not one of the contract's standards (${standards.map((s) => s.key).join(', ')})`;
  const twice = repeated(reports.map((r) => r.standard));
  if (twice.length) return `each standard is reported once; reported twice: ${twice.join(', ')}`;
  const missing = standards.filter((s) => !reports.some((r) => r.standard === s.key));
  if (missing.length) return `the report covers every standard; not reported: ${missing.map((s) => s.key).join(', ')}`;
  const unsaid = reports.find((r) => r.outcome === 'missed' && !r.whatHappened);
  if (unsaid) return `a missed standard says what happened (${unsaid.standard}): it opens a redress case for the partner responsible`;
  return undefined;
}

/** The compensation a case has paid, over its stages. */
export const compensationPaid = (c: RedressCase): number => c.redressGiven.reduce((sum, r) => sum + (r.compensationPaidPence ?? 0), 0);

/** CC-R3: why this redress is not what the standard's ladder allows (with what the case has paid already), or nothing. */
export function redressRefusal(
  form: CommunityContractForms['answer_redress_case'],
  ladder: RedressLadder,
  paidAlready: number,
): string | undefined {
  if (!form.putRightOn && !form.apology && form.compensationPaidPence === undefined)
    return 'CC-R3: the redress says what was given: put right on a date, an explanation and apology, or compensation paid';
  const paid = paidAlready + (form.compensationPaidPence ?? 0);
  if (paid > (ladder.compensationUpToPence ?? 0))
    return ladder.compensationUpToPence
      ? `CC-R3: compensation for this standard is up to ${inPounds(ladder.compensationUpToPence)} a case, as agreed${paidAlready ? ` (${inPounds(paidAlready)} paid already)` : ''}`
      : 'CC-R3: no compensation was agreed for this standard';
  return undefined;
}

/** CC-R1: the contract may go on without the partners that will not sign, never without the residents' group. */
export const goOnWithoutRefusal = (residentsDeclined: boolean): string | undefined =>
  residentsDeclined ? "CC-R1: a community contract is the residents' own: it cannot go on without the residents' group" : undefined;

/** The middle of some numbers (the mean of the two middle ones for an even count); none for none. */
export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Calendar days between two instants, in the policy's calendar, to one decimal place. */
const daysBetween = (calendar: WorkingCalendar, from: string, to: string): number =>
  Math.round((10 * (Date.parse(to) - Date.parse(from))) / calendarDaysMs(calendar, 1)) / 10;

/** A year of the contract in figures, per standard and in total: what its review and report state. */
export function yearFigures(
  year: number,
  standards: Standard[],
  reports: CommunityContractDetails['reports'],
  cases: RedressCase[],
  calendar: WorkingCalendar,
): YearFigures {
  const figuresOf = (standard: string | undefined): Omit<StandardFigures, 'standard'> => {
    const outcomes = reports.flatMap((r) => Object.entries(r.outcomes)).filter(([key]) => standard === undefined || key === standard);
    const its = cases.filter((c) => standard === undefined || c.standard === standard);
    const resolved = its.filter((c) => c.closedAt && c.closing !== 'referred_to_ombudsman');
    const days = median(resolved.map((c) => daysBetween(calendar, c.openedAt, c.closedAt as string)));
    return {
      reports: outcomes.filter(([, o]) => o !== 'not_checked').length,
      met: outcomes.filter(([, o]) => o === 'met').length,
      missed: outcomes.filter(([, o]) => o === 'missed').length,
      casesOpened: its.length,
      casesResolved: resolved.length,
      casesReferred: its.filter((c) => c.closing === 'referred_to_ombudsman').length,
      ...(days === undefined ? {} : { medianDaysToResolve: days }),
      compensationPaidPence: its.reduce((sum, c) => sum + compensationPaid(c), 0),
    };
  };
  return { year, standards: standards.map((s) => ({ standard: s.key, ...figuresOf(s.key) })), totals: figuresOf(undefined) };
}

/** How the contract's rules stand, for the evidence pack and `GET /processes/:id/rules`. */
export function contractRulesReport(details: CommunityContractDetails, policy?: CommunityContractPolicy): RuleOutcome[] {
  const declined = details.partners.filter((p) => p.declined);
  const undecided = declined.filter((p) => !p.leftOut);
  const signedByAll = details.partners.every((p) => p.signed || p.leftOut) && details.residentsSigned;
  const disputes = details.cases.filter((c) => c.dispute);
  const given = details.cases.filter((c) => c.redressGiven.length);
  const overLadder = details.cases.filter((c) => {
    const ladder = details.standards.find((s) => s.key === c.standard)?.redress;
    return ladder && compensationPaid(c) > (ladder.compensationUpToPence ?? 0);
  });
  const stages = policy
    ? `stage 1 acknowledged in ${policy.stage1AcknowledgeWorkingDays} and answered in ${policy.stage1AnswerWorkingDays} working days; stage 2 in ${policy.stage2AcknowledgeWorkingDays} and ${policy.stage2AnswerWorkingDays}`
    : "the policy's stages";
  return [
    {
      ...CONTRACT_RULES.R1,
      outcome: signedByAll ? 'met' : undecided.length ? 'not met' : 'not reached',
      detail: signedByAll
        ? `signed by the residents' group and ${details.partners.filter((p) => p.signed).length} partners${declined.length ? `; gone on without ${declined.map((p) => `${p.organisation} (${p.leftOut?.reasons ?? ''})`).join(', ')}` : ''}`
        : undecided.length
          ? `declined by ${undecided.map((p) => p.organisation).join(', ')}, waiting for the programme manager's decision`
          : 'not signed yet',
      blocks: 'the contract coming into force',
    },
    {
      ...CONTRACT_RULES.R2,
      outcome: details.standards.length === 0 ? 'not reached' : 'met',
      detail: details.standards.length
        ? `${details.standards.length} standards for ${details.priorities.length} priorities, each with its redress`
        : 'no standards set yet',
      blocks: 'signing',
    },
    {
      ...CONTRACT_RULES.R3,
      outcome: given.length ? (overLadder.length ? 'not met' : 'met') : 'not reached',
      detail: given.length
        ? `redress given in ${given.length} cases, ${overLadder.length ? `over the ladder in cases ${overLadder.map((c) => c.number).join(', ')}` : "each within its standard's ladder"} (${stages})`
        : `no redress given yet (${stages})`,
    },
    {
      ...CONTRACT_RULES.R4,
      outcome: disputes.length === 0 ? 'not reached' : disputes.every((c) => c.dispute?.decision) ? 'met' : 'not reached',
      detail: disputes.length
        ? disputes
            .map(
              (c) =>
                `case ${c.number}: ${c.dispute?.decision ? `${c.dispute.decision.outcome.replace(/_/g, ' ')} (${c.dispute.decision.reasons})` : 'waiting for the decision'}`,
            )
            .join('; ')
        : 'no case disputed',
    },
  ];
}
