import type { RuleOutcome } from '../common/rules';
import type { LmaDetails, ServiceScope, ServiceTerms } from './messages';
import type { LmaPolicy } from './policy';

// The rules of PROCESSES.md §1 that a decision can break, each named with its source, so a refusal
// tells the officer which rule and why.

/** §1.7: the formal consultation found enough support (default: more for than against). */
export function consultationSupports(votesFor: number, against: number, threshold: number): boolean {
  return votesFor + against > 0 && votesFor / (votesFor + against) > threshold;
}

/** §2 (partial scope): every service and area in `terms` was in the agreed scope. */
export function outsideScope(terms: ServiceScope[], agreed: ServiceScope[]): string[] {
  return terms.flatMap((item) => {
    const match = agreed.find((a) => a.service === item.service);
    if (!match) return [item.service];
    return item.scope.filter((area) => !match.scope.includes(area)).map((area) => `${item.service} at ${area}`);
  });
}

/** §1.5: the services a contractor delivers that list no contractor quote. */
export function withoutQuotes(services: ServiceTerms[]): string[] {
  return services.filter((s) => s.deliveryMode === 'contractor' && !s.quotes?.length).map((s) => s.service);
}

/** Why the Community Cashback Agreement may not be signed yet, or nothing if it may. */
export function signingRefusal(
  details: LmaDetails,
  agreedScope: ServiceTerms[] | undefined,
  insuranceConfirmed: boolean,
): string | undefined {
  if (!details.consultation?.supported) {
    return 'LMA-R1: the formal consultation of affected residents has not yet shown enough support (PROCESSES.md §1.7)';
  }
  if (details.group.legalForm === 'none') {
    return 'LMA-R2: the group must constitute a formal body (residents association or community interest company) before signing (PROCESSES.md §1.8)';
  }
  if (!insuranceConfirmed) {
    return 'LMA-R3: insurance and health & safety conditions are not yet confirmed (PROCESSES.md §1.6)';
  }
  const outside = outsideScope(details.agreement?.services ?? [], agreedScope ?? []);
  if (outside.length > 0) {
    return `LMA-R4: the agreement covers services outside the agreed scope: ${outside.join('; ')} (PROCESSES.md §1.2, partial scope)`;
  }
  return undefined;
}

/**
 * §1.9: the services of a draft: those it starts from (the approved detailed plan, or the agreement in
 * force), each one `changed` lists in its place (or added), less those `removed`.
 */
export function draftedServices(startFrom: ServiceTerms[], changed: ServiceTerms[] = [], removed: string[] = []): ServiceTerms[] {
  const byService = new Map(startFrom.map((s) => [s.service as string, s]));
  for (const service of changed) byService.set(service.service, service);
  for (const service of removed) byService.delete(service);
  return [...byService.values()];
}

/** Each rule of the process and how it stands for this agreement: for the evidence pack. */
export function lmaRulesReport(details: LmaDetails, policy?: LmaPolicy): RuleOutcome[] {
  const consultation = details.consultation;
  const outside = details.agreement ? outsideScope(details.agreement.services, details.detailedPlan ?? details.services) : [];
  return [
    {
      rule: policy
        ? `LMA-R1 consultation support: more than ${Math.round(policy.supportThreshold * 1000) / 10}% of those who answer in favour, after ${policy.consultationDays} days' consultation`
        : 'LMA-R1 consultation support',
      source: 'PROCESSES.md §1.7',
      checkedBy: "signingRefusal (workflows/lma/rules.ts), the signing tasks' guard; consultationSupports decides support",
      outcome: consultation ? (consultation.supported ? 'met' : 'not met') : 'not reached',
      detail: !consultation
        ? 'no consultation result yet'
        : consultation.for === undefined
          ? 'support shown before an earlier term (the figures are on the timeline)'
          : `${consultation.for} for, ${consultation.against} against`,
    },
    {
      rule: 'LMA-R2 formal body before signing',
      source: 'PROCESSES.md §1.8',
      checkedBy: "signingRefusal (workflows/lma/rules.ts), the signing tasks' guard",
      outcome: details.group.legalForm === 'none' ? (details.agreement?.signedBy.length ? 'not met' : 'not reached') : 'met',
      detail: `legal form: ${details.group.legalForm.replace(/_/g, ' ')}${details.group.registration ? `, registered as ${details.group.registration}` : ''}`,
    },
    {
      rule: 'LMA-R3 insurance and health & safety',
      source: 'PROCESSES.md §1.6',
      checkedBy: "signingRefusal (workflows/lma/rules.ts), the signing tasks' guard",
      outcome: details.insurance ? 'met' : 'not reached',
      detail: details.insurance
        ? `insured by ${details.insurance.insuredBy}${details.insurance.cover ? `; cover: ${details.insurance.cover.map((c) => c.replace(/_/g, ' ')).join(', ')}` : ''}`
        : 'not yet confirmed',
    },
    {
      rule: 'LMA-R4 agreement within the agreed scope',
      source: 'PROCESSES.md §1.2 (partial scope)',
      checkedBy: "outsideScope (workflows/lma/rules.ts), in the detailed plan's and the signing tasks' guards",
      outcome: details.agreement ? (outside.length ? 'not met' : 'met') : 'not reached',
      detail: details.agreement
        ? outside.length
          ? `outside: ${outside.join('; ')}`
          : 'every service and area agreed'
        : 'no agreement drafted yet',
    },
  ];
}
