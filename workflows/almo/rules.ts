import { calendarDateInWords, calendarDateOf } from '../common/format';
import type { RuleOutcome } from '../common/rules';
import { WORKSTREAMS, type AlmoDetails, type BoardPlace, type OtherEvent, type SupportRule, type Workstream } from './messages';
import type { AlmoPolicy } from './policy';

// The rules of PROCESSES.md §2 (source 004), each named with its source, so a refusal tells the
// officer which rule and why. Dates people enter (go-live, inspections, audits) are calendar dates and
// are compared as such, whatever calendar the process's periods run on.

const DAY_MS = 86_400_000;
const dayOf = (date: string): number => Math.floor(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / DAY_MS);
/** Whole days between two calendar dates. */
export const daysApart = (a: string, b: string): number => Math.abs(dayOf(a) - dayOf(b));

/** §2.2: whether a test of opinion supports the ALMO under the council's rule, and its turnout. */
export function testOfOpinionSupports(
  result: { eligible: number; votesCast: number; for: number },
  rule: SupportRule,
  minimumTurnoutPercent: number,
): { supported: boolean; turnoutPercent: number } {
  const turnoutPercent = result.eligible === 0 ? 0 : Math.round((1000 * result.votesCast) / result.eligible) / 10;
  const base = rule === 'majority_of_votes_cast' ? result.votesCast : result.eligible;
  return { supported: turnoutPercent >= minimumTurnoutPercent && result.for * 2 > base, turnoutPercent };
}

/** The result's figures as the workflow checks a form: for and against within the votes cast, within those eligible. */
export function resultProblem(form: Record<string, unknown> | undefined): string | undefined {
  const n = (key: string) => form?.[key];
  const ok = ['eligible', 'votesCast', 'for', 'against'].every((k) => Number.isInteger(n(k)) && (n(k) as number) >= 0);
  if (!ok) return 'ALMO-R1: a result states those eligible, the votes cast, for and against (PROCESSES.md §2.2)';
  if (
    (n('for') as number) + (n('against') as number) > (n('votesCast') as number) ||
    (n('votesCast') as number) > (n('eligible') as number)
  ) {
    return 'ALMO-R1: for and against cannot exceed the votes cast, nor the votes cast those eligible (PROCESSES.md §2.2)';
  }
  return undefined;
}

/** §2.3: from the policy's round on (default 3) a bid needs its Building Costs Model. */
export function bidProblem(form: Record<string, unknown> | undefined, policy: AlmoPolicy): string | undefined {
  const round = Number(form?.round);
  if (round >= policy.buildingCostsModelFromRound && !(typeof form?.buildingCostsModel === 'string' && form.buildingCostsModel.trim())) {
    return `ALMO-R2: a Decent Homes bid from round ${policy.buildingCostsModelFromRound} on needs a Building Costs Model (a document reference) (PROCESSES.md §2.3)`;
  }
  return undefined;
}

/** §2.4d: a shadow board has tenant, council and independent members, and a leaseholder place where there are leaseholders. */
export function shadowBoardProblem(members: { place?: unknown }[] | undefined, leaseholders: number): string | undefined {
  const places = new Set((members ?? []).map((m) => m?.place as BoardPlace));
  const missing = (['tenant', 'council', 'independent'] as BoardPlace[]).filter((p) => !places.has(p));
  if (missing.length)
    return `ALMO-R3: a shadow board has tenant, council and independent members; it has no ${missing.join(', ')} member (PROCESSES.md §2.4d)`;
  if (leaseholders > 0 && !places.has('leaseholder'))
    return `ALMO-R3: the stock has ${leaseholders} leaseholders, so the shadow board has at least one leaseholder place (PROCESSES.md §2.4d)`;
  return undefined;
}

/** The set-up workstreams not done yet, by name. */
export const openWorkstreams = (details: AlmoDetails): string[] =>
  (Object.keys(WORKSTREAMS) as Workstream[]).filter((w) => !details.workstreams[w].done).map((w) => details.workstreams[w].name);

/** §2.4-2.6: why the ALMO may not launch yet, or nothing if it may. */
export function launchRefusal(details: AlmoDetails, goLiveDate?: unknown): string | undefined {
  const open = openWorkstreams(details);
  const consent = details.section27?.decision === 'granted';
  if (!open.length && consent) {
    // An ALMO cannot have gone live before the consent that lets it.
    const consentedOn = calendarDateOf(details.section27?.decidedAt ?? '');
    return typeof goLiveDate === 'string' && goLiveDate < consentedOn
      ? `ALMO-R4: the go-live date cannot be before Section 27 consent, granted on ${calendarDateInWords(consentedOn)} (PROCESSES.md §2.5-2.6)`
      : undefined;
  }
  const waiting = [...open, ...(consent ? [] : ['Section 27 consent'])];
  return `ALMO-R4: launch needs every set-up workstream done and Section 27 consent; still open: ${waiting.join(', ')} (PROCESSES.md §2.4-2.6)`;
}

/** §2.7 [9.1]: the other audits and inspections within the policy's days of the inspection. */
export const clashesWith = (inspectionDate: string, events: OtherEvent[], withinDays: number) =>
  events.map((e) => ({ ...e, daysApart: daysApart(e.date, inspectionDate) })).filter((e) => e.daysApart <= withinDays);

/** Each rule of the process and how it stands: for the evidence pack and the rules report. */
export function almoRulesReport(details: AlmoDetails, policy?: AlmoPolicy): RuleOutcome[] {
  const supportRule = policy
    ? `supported by a majority of ${policy.supportRule === 'majority_of_votes_cast' ? 'the votes cast' : 'those eligible'}${policy.minimumTurnoutPercent > 0 ? ` on a turnout of at least ${policy.minimumTurnoutPercent}%` : ''}`
    : undefined;
  const test = details.testOfOpinion;
  const bid = details.decentHomes;
  const open = openWorkstreams(details);
  const last = details.inspections.at(-1);
  return [
    {
      rule: `ALMO-R1 tenants’ test of opinion, with an Independent Tenants Adviser${supportRule ? `, ${supportRule}` : ''}`,
      source: 'PROCESSES.md §2.2',
      checkedBy: "resultProblem and testOfOpinionSupports (workflows/almo/rules.ts), the result task's guard and its outcome",
      outcome: test?.result ? (test.result.supported ? 'met' : 'not met') : 'not reached',
      detail: test?.result
        ? `${test.method}: ${test.result.for} for, ${test.result.against} against, turnout ${test.result.turnoutPercent}% (${test.result.rule.replace(/_/g, ' ')}); adviser ${test.adviser?.name ?? 'not appointed'}`
        : 'no result yet',
    },
    {
      rule: `ALMO-R2 a Building Costs Model from ${policy ? `bid round ${policy.buildingCostsModelFromRound}` : 'the policy’s bid round'} on`,
      source: 'PROCESSES.md §2.3',
      checkedBy: "bidProblem (workflows/almo/rules.ts), the bid task's guard",
      outcome: bid ? 'met' : 'not reached',
      detail: bid ? `round ${bid.round}${bid.buildingCostsModel ? `, Building Costs Model ${bid.buildingCostsModel}` : ''}` : 'no bid yet',
    },
    {
      rule: 'ALMO-R3 shadow board with tenant, council and independent members (and a leaseholder place where there are leaseholders)',
      source: 'PROCESSES.md §2.4d',
      checkedBy: "shadowBoardProblem (workflows/almo/rules.ts), the shadow board task's guard",
      outcome: details.shadowBoard ? 'met' : 'not reached',
      detail: details.shadowBoard ? details.shadowBoard.members.map((m) => `${m.name} (${m.place})`).join(', ') : 'not constituted yet',
    },
    {
      rule: 'ALMO-R4 launch only with every workstream done and Section 27 consent',
      source: 'PROCESSES.md §2.4-2.6',
      checkedBy: "launchRefusal (workflows/almo/rules.ts), the launch task's guard",
      outcome: details.launch ? 'met' : 'not reached',
      detail: details.launch
        ? `launched on ${details.launch.goLiveDate}`
        : `still open: ${[...open, ...(details.section27?.decision === 'granted' ? [] : ['Section 27 consent'])].join(', ') || 'nothing'}`,
    },
    {
      rule: `ALMO-R5 Decent Homes funding released only after Section 27 consent and at least ${policy ? `${policy.passingStars} stars at inspection` : 'the passing stars'}`,
      source: 'PROCESSES.md §2.3, §2.8',
      checkedBy: 'inspections (workflows/almo/steps/inspection.ts): funding released only on a passing result',
      outcome: bid?.released ? 'met' : last?.result ? 'not met' : 'not reached',
      detail: bid?.released
        ? `released after ${last?.result?.stars} stars`
        : last?.result
          ? `${last.result.stars} stars at inspection ${last.round}`
          : 'no inspection yet',
    },
  ];
}
