import type { RuleOutcome } from '../common/rules';
import type { ConsultationMethod, OptionsReviewDetails, ServiceMeasures } from './messages';

// The rules of PROCESSES.md §3, from the DCLG guidance of December 2011 (source 002, paragraph numbers
// in brackets), enforced by the process itself: each refusal names the rule and its paragraph, and the
// rules report explains them before anyone hits one.

const GUIDANCE = 'DCLG guidance on the future of ALMOs, December 2011';
export const OPTIONS_REVIEW_RULES = {
  R1: {
    rule: 'R1 a test of opinion at least as comprehensive as before the original transfer',
    source: `${GUIDANCE}, paragraphs 12-14`,
    checkedBy: 'r1Refusal (workflows/optionsreview/rules.ts), the consultation guard',
  },
  R2: {
    rule: 'R2 funding for keeping the ALMO identified and ratified before consultation material goes out',
    source: `${GUIDANCE}, paragraph 27`,
    checkedBy: 'r2Refusal and r2DecisionRefusal (workflows/optionsreview/rules.ts), the material, consultation and decision guards',
  },
  R3: {
    rule: 'R3 the Department notified before anything is published',
    source: `${GUIDANCE}, paragraph 15`,
    checkedBy: 'r3Refusal (workflows/optionsreview/rules.ts), the terms of reference and consultation guards',
  },
  R4: {
    rule: 'R4 accurate and impartial information, and an external overseer, before the consultation opens',
    source: `${GUIDANCE}, paragraphs 17-18`,
    checkedBy: 'r4Refusal (workflows/optionsreview/rules.ts), the consultation guard',
  },
} as const;

/** R1 [12-14]: why `method` may not test tenants' opinion now, or nothing if it may. */
export function r1Refusal(details: OptionsReviewDetails, method?: string, description?: unknown): string | undefined {
  const original = details.original;
  if (!original) return 'R1 [12-14]: how tenants were asked before the original transfer is not recorded yet';
  if (original.method === 'ballot' && method !== undefined && method !== 'ballot') {
    return `R1 [12]: tenants were balloted before the original transfer to the ALMO, so the test of opinion now must be a ballot (evidence: ${original.evidence})`;
  }
  if (method === 'other' && !(typeof description === 'string' && description.trim()))
    return 'R1 [14]: another method is described, to show it is as comprehensive as the one before the original transfer';
  return undefined;
}

/** R2 [27]: whether the council intends to keep supporting the ALMO (its recommended option). */
export const intendsToKeepAlmo = (details: OptionsReviewDetails): boolean => details.shortlist?.recommended === 'keep_almo';
export function r2Refusal(details: OptionsReviewDetails): string | undefined {
  return intendsToKeepAlmo(details) && !details.funding
    ? 'R2 [27]: the council intends to keep supporting the ALMO, so the funding streams and a council decision ratifying that spending must exist before consultation material goes out'
    : undefined;
}

/** R2 [27] at the council's decision: keeping the ALMO needs its funding streams and the decision ratifying them. */
export const r2DecisionRefusal = (details: OptionsReviewDetails, option: string): string | undefined =>
  option === 'keep_almo' && !details.funding
    ? 'R2 [27]: keeping the ALMO needs its funding streams and the council decision ratifying them'
    : undefined;

/**
 * R2 [27] guards the material itself: it goes out only once the shortlist says whether the council
 * intends to keep supporting the ALMO, and then only with that funding ratified.
 */
export function materialRefusal(details: OptionsReviewDetails): string | undefined {
  if (!details.shortlist)
    return 'R2 [27]: the consultation material is approved once the shortlist says whether the council intends to keep supporting the ALMO (and so whether its funding must be ratified first)';
  return r2Refusal(details);
}

/** R3 [15]: nothing is published before the Department is notified. */
export const r3Refusal = (details: OptionsReviewDetails): string | undefined =>
  details.department ? undefined : 'R3 [15]: the Department is notified of the review before anything is published';

/** R4 [17-18]: the information marked accurate and impartial, and an external overseer, before the consultation opens. */
export function r4Refusal(details: OptionsReviewDetails): string | undefined {
  const missing = [
    ...(details.material?.accurateAndImpartial ? [] : ['the information to tenants is marked accurate and impartial']),
    ...(details.overseer ? [] : ['an external organisation oversees the consultation']),
  ];
  return missing.length ? `R4 [17-18]: before the consultation opens, ${missing.join(' and ')}` : undefined;
}

/** Why the consultation may not open with `method` now: every rule it breaks, then the steps still to come first. */
export function consultationRefusal(details: OptionsReviewDetails, method?: string, description?: unknown): string | undefined {
  const rules = [r1Refusal(details, method, description), r2Refusal(details), r3Refusal(details), r4Refusal(details)].filter(
    (r): r is string => r !== undefined,
  );
  const steps = [
    ...(details.termsOfReference ? [] : ['the terms of reference published [20]']),
    ...(details.engagement ? [] : ['tenants, the ALMO board and employees invited to take part [19, 23-24]']),
    ...(details.shortlist ? [] : ['the shortlist with its recommended option [22]']),
  ];
  const parts = [...rules, ...(steps.length ? [`first: ${steps.join('; ')}`] : [])];
  return parts.length ? parts.join('; ') : undefined;
}

/** The change of a measure as the closing report states it, e.g. "down 35%". */
export function changeInWords(before: number, after: number): string {
  if (before === 0) return after === 0 ? 'no change' : `from none to ${after}`;
  const percent = Math.round((100 * (after - before)) / before);
  return percent === 0 ? 'no change' : `${percent > 0 ? 'up' : 'down'} ${Math.abs(percent)}%`;
}
export const measuresInWords = (before: ServiceMeasures, after: ServiceMeasures): string[] => [
  `Complaints a month: ${before.complaintsPerMonth} before, ${after.complaintsPerMonth} after (${changeInWords(before.complaintsPerMonth, after.complaintsPerMonth)})`,
  `Satisfaction with repairs: ${before.repairSatisfactionPercent}% before, ${after.repairSatisfactionPercent}% after`,
];

/** How each rule stands, which block the next step and why: `GET /processes/:id/rules` and the evidence pack. */
export function optionsReviewRulesReport(details: OptionsReviewDetails): RuleOutcome[] {
  const opened = details.consultation !== undefined;
  const consultationBlock = opened ? undefined : 'opening the consultation';
  const state = (refusal: string | undefined, reached: boolean): RuleOutcome['outcome'] =>
    refusal ? (reached ? 'not met' : 'not reached') : 'met';
  const original = details.original;
  const r1 = r1Refusal(details, details.consultation?.method as ConsultationMethod | undefined, details.consultation?.description);
  const r2 = r2Refusal(details);
  const r3 = r3Refusal(details);
  const r4 = r4Refusal(details);
  return [
    {
      ...OPTIONS_REVIEW_RULES.R1,
      outcome: original ? (opened ? (r1 ? 'not met' : 'met') : 'not reached') : 'not reached',
      detail: original
        ? `before the original transfer: ${original.method} (${original.from === 'almo_establishment' ? 'from the ALMO establishment recorded here' : 'entered with its evidence'}: ${original.evidence}); ${original.method === 'ballot' ? 'so the test now must be a ballot' : 'so a ballot, a full survey or another comprehensive method'}${opened ? `; now: ${details.consultation?.method}` : ''}`
        : 'how tenants were asked before the original transfer is not recorded yet',
      ...(consultationBlock && (!original || original.method === 'ballot')
        ? { blocks: `${consultationBlock}${original ? ' with anything but a ballot' : ''}` }
        : {}),
    },
    {
      ...OPTIONS_REVIEW_RULES.R2,
      outcome: details.shortlist ? state(r2, opened) : 'not reached',
      detail: !details.shortlist
        ? 'the council has not said yet whether it intends to keep supporting the ALMO'
        : intendsToKeepAlmo(details)
          ? details.funding
            ? `ratified by minute ${details.funding.minuteReference}`
            : (r2 ?? '')
          : 'the council does not intend to keep supporting the ALMO',
      ...(r2 && consultationBlock
        ? { blocks: details.material ? consultationBlock : `approving the consultation material and ${consultationBlock}` }
        : {}),
    },
    {
      ...OPTIONS_REVIEW_RULES.R3,
      outcome: state(r3, false),
      detail: details.department ? `notified on ${details.department.notifiedOn} (${details.department.reference})` : (r3 ?? ''),
      ...(r3 ? { blocks: 'publishing the terms of reference and opening the consultation' } : {}),
    },
    {
      ...OPTIONS_REVIEW_RULES.R4,
      outcome: state(r4, opened),
      detail: r4 ?? `material ${details.material?.reference} marked accurate and impartial; overseen by ${details.overseer?.organisation}`,
      ...(r4 && consultationBlock ? { blocks: consultationBlock } : {}),
    },
  ];
}
