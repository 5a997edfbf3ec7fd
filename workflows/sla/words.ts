import { dateInWords, inPounds } from '../common/format';
import { DEADLOCK_FORUM_NAMES, type ServiceOutcome, type SlaService, type SlaTerms } from './messages';
import { roundsInWords } from './rules';

// How the SLA process states money, terms, signatures and outcomes in its documents and timeline.
// Safe in workflows.

/** Money as a change, in words the PDF fonts can draw: "up £1,000.00", "down £1,000.00", "no change". */
export const change = (pence: number): string => (pence === 0 ? 'no change' : `${pence > 0 ? 'up' : 'down'} ${inPounds(Math.abs(pence))}`);
export const perUnit = (terms: SlaTerms) => `${inPounds(terms.unitCostPence)} per ${terms.unit}`;
export const kpiLines = (terms: SlaTerms) => (terms.kpis.length ? terms.kpis.map((k) => `${k.measure}: ${k.target}`) : ['none set']);
export const signedBy = (a?: { signatory: string; post: string }) => (a ? `${a.signatory}, ${a.post}` : 'not signed');
/** A signature as a document states it: who, for whom, and the day they signed. */
export const signatureLine = (a: { signatory: string; post: string; signedAt: string } | undefined, forWhom: string) =>
  a ? `${signedBy(a)}, ${forWhom}, signed on ${dateInWords(a.signedAt)}` : `${forWhom}: not signed`;
export const monthsInWords = (n: number) => (n === 1 ? '1 month' : `${n} months`);

/** How a service's outcome reads in documents and on the timeline. */
export function outcomeInWords(service: Pick<SlaService, 'name'>, outcome: ServiceOutcome): string {
  const how = outcome.deadlock ? `, decided on a deadlock by ${DEADLOCK_FORUM_NAMES[outcome.deadlock.forum]}` : '';
  if (outcome.kind === 'retracted')
    return `${service.name}: retracted${how}; the ALMO buys it elsewhere${outcome.retraction?.buyingFrom ? ` (${outcome.retraction.buyingFrom})` : ''} after ${monthsInWords(outcome.retraction?.noticeMonths ?? 0)}' notice, ending ${dateInWords(outcome.retraction?.noticeEndsAt ?? '')}`;
  const terms = outcome.terms as SlaTerms;
  const what = outcome.kind === 'renewed' ? 'renewed as it is' : 'renewed on revised terms';
  return `${service.name}: ${what}${how} after ${roundsInWords(outcome.rounds)}, ${inPounds(terms.annualChargePence)} a year at ${perUnit(terms)}`;
}
