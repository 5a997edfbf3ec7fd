import { patched } from '@temporalio/workflow';
import { Endable } from '../../common/endable';
import { dateInWords, inPounds } from '../../common/format';
import { calendarDaysMs } from '../../common/policy';
import type { Actor } from '../../common/roles';
import type { AgreementTerms, LmaForms, ServiceTerms } from '../messages';
import { draftedServices, signingRefusal } from '../rules';
import { type Agreement, later, SIGNING_AS, type Variation } from './context';

/**
 * §1.9: legal services drafts the agreement; the group and a council signatory sign it. Redrafted on
 * request. A variation is named in its tasks (title and data), and so in their emails and timeline.
 */
export async function draftAndSign(
  ctx: Agreement,
  round0: string,
  /** What the draft starts from: the approved detailed plan, or the agreement in force for a variation. */
  startFrom: () => Partial<AgreementTerms> & { services: ServiceTerms[] },
  agreedScope: () => ServiceTerms[] | undefined,
  insured: () => boolean,
  variation?: Variation,
): Promise<{ terms: AgreementTerms; signedBy: Actor[] }> {
  const { details } = ctx;
  const drafting: Drafting = {
    what: variation ? `${variation.name} of the Community Cashback Agreement` : 'the Community Cashback Agreement',
    why: variation ? { variation } : {},
    agreedScope,
    ...(variation ? { variation } : {}),
  };
  // A redraft starts from the draft the signatories asked to change.
  let previous: (Partial<AgreementTerms> & { services: ServiceTerms[] }) | undefined;
  for (let round = 1; ; round += 1) {
    const terms = await draft(ctx, `${round0}${round}`, previous ?? startFrom(), drafting);
    previous = terms;
    if (await sign(ctx, `${round0}${round}`, terms, drafting, insured)) return { terms, signedBy: details.agreement?.signedBy ?? [] };
  }
}

/** What every draft and signature of one agreement (or variation) names. */
interface Drafting {
  what: string;
  why: { variation?: Variation };
  agreedScope: () => ServiceTerms[] | undefined;
  variation?: Variation;
}

/** Legal services drafts the agreement from `base`: the services that differ, and the responsibilities. */
function draft(ctx: Agreement, roundId: string, base: Partial<AgreementTerms> & { services: ServiceTerms[] }, drafting: Drafting) {
  const { details, tasks, councilStep } = ctx;
  const { what, why, agreedScope, variation } = drafting;
  const drafted = (form: Partial<LmaForms['draft_agreement']>): AgreementTerms => ({
    services: draftedServices(base.services, form.services, form.removeServices),
    groupResponsibilities: form.groupResponsibilities ?? (base.groupResponsibilities as string),
    councilResponsibilities: form.councilResponsibilities ?? (base.councilResponsibilities as string),
  });
  return tasks.decide(
    {
      taskId: `draft-agreement-${roundId}`,
      kind: 'draft_agreement',
      title: variation ? `Draft ${what}: ${variation.reasons}` : `Draft ${what}`,
      role: 'legal_services',
      outcomes: ['approve'],
      // Only what the process does not know yet: the responsibilities of a first draft.
      requiredFormFields: (['groupResponsibilities', 'councilResponsibilities'] as const).filter((field) => base[field] === undefined),
      data: { agreedScope: agreedScope() ?? details.services, startsFrom: base, ...why },
      dueInWorkingDays: councilStep,
    },
    async (decision) => {
      const draft = drafted(decision.form);
      details.agreement = { ...draft, signedBy: [] };
      return draft;
    },
    (attempt) =>
      drafted(attempt.form ?? {}).services.length === 0
        ? 'the agreement covers at least one service: list the services (there is no approved plan to start from), or remove fewer'
        : undefined,
  );
}

/** The group and a council signatory sign; true when both have, false when one asked for changes (a redraft). */
async function sign(ctx: Agreement, roundId: string, terms: AgreementTerms, drafting: Drafting, insured: () => boolean): Promise<boolean> {
  const { details, tasks, groupStep } = ctx;
  const { what, why, agreedScope } = drafting;
  const signers: { id: string; role: Actor['role']; title: string }[] = [
    { id: 'group', role: 'resident_rep', title: `Sign ${what} for the group` },
    { id: 'council', role: 'programme_manager', title: `Sign ${what} for the council` },
  ];
  // A signatory asking for changes ends this round of signing: the agreement is redrafted.
  const signing = new Endable<'redraft'>();
  const signed = await signing.run(() =>
    Promise.all(
      signers.map((signer) =>
        tasks.decide(
          {
            taskId: `sign-${signer.id}-${roundId}`,
            kind: 'sign_agreement',
            title: signer.title,
            role: signer.role,
            outcomes: ['sign', 'request_changes'],
            data: { agreement: terms, ...why },
            dueInWorkingDays: groupStep,
          },
          async (decision) => {
            if (decision.outcome === 'request_changes') signing.end('redraft');
            else details.agreement?.signedBy.push({ ...decision.actor, ...(decision.actorName ? { name: decision.actorName } : {}) });
          },
          (attempt) => (attempt.outcome === 'sign' ? signingRefusal(details, agreedScope(), insured()) : undefined),
        ),
      ),
    ),
  );
  return !signed.ended;
}

/**
 * The signed agreement as a document: everything §1.9 and the source list, as a council would send it;
 * and, for runs from when the public pages came, its summary for anyone to read (who, what, where, for
 * how much, until when, signed by whom), published beside it.
 */
export async function agreementDocument(
  ctx: Agreement,
  term: number,
  terms: AgreementTerms,
  termStart: string,
  paymentDates: string[],
  signedBy: Actor[],
  variation?: Variation & { number: number },
) {
  const { policy } = ctx;
  const signing: Signing = {
    term,
    terms,
    termStart,
    termEnd: later(termStart, calendarDaysMs(policy.calendar, policy.lma.termDays)),
    total: terms.services.reduce((sum, s) => sum + s.annualPayment, 0),
    paymentDates,
    signedBy,
    ...(variation ? { variation } : {}),
    // Its documents' keys and titles name the term, and the variation if it is one.
    which:
      variation === undefined
        ? { key: `t${term}`, words: `term ${term}` }
        : { key: `t${term}:variation-${variation.number}`, words: `term ${term}, variation ${variation.number}` },
  };
  const signed = await signedAgreement(ctx, signing);
  if (patched('public-agreement-summary')) await agreementSummary(ctx, signing);
  return signed;
}

/** One signing of an agreement (a term's, or a variation's), as its documents state it. */
interface Signing {
  term: number;
  terms: AgreementTerms;
  termStart: string;
  termEnd: string;
  /** A year's payment, in pence. */
  total: number;
  paymentDates: string[];
  signedBy: Actor[];
  variation?: Variation & { number: number };
  which: { key: string; words: string };
}

/** A signatory as the documents name them: by name, in the capacity they signed in. */
const signatory = (actor: Actor) => `${actor.name ?? actor.userId}, ${SIGNING_AS[actor.role] ?? actor.role}`;

/** What anyone may read of a signed agreement: the parties, the work, the money and the dates, and who signed. */
function agreementSummary(ctx: Agreement, { terms, termStart, termEnd, total, paymentDates, signedBy, which }: Signing) {
  const { input, frame, details } = ctx;
  return frame.document(
    `agreement-summary:${which.key}`,
    'agreement_signed',
    'community_cashback_agreement_summary',
    `Community Cashback Agreement with ${details.group.name}, ${input.estate}: summary (${which.words})`,
    [
      {
        heading: 'Parties',
        lines: [`${input.councilName ?? input.council}`, `${details.group.name}, the residents' group of ${input.estate}`],
      },
      { heading: 'The work', lines: terms.services.map((s) => `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')}`) },
      {
        heading: 'Payment and duration',
        lines: [
          paymentDates.length
            ? `${inPounds(total)} a year, in ${paymentDates.length} instalments`
            : `${inPounds(total)} a year, from the instalment after this variation`,
          `From ${dateInWords(termStart)} to ${dateInWords(termEnd)}`,
        ],
      },
      { heading: 'Signed', lines: signedBy.map(signatory) },
      {
        heading: 'This is a public document',
        lines: ['A summary of the signed agreement, published by the council. The agreement itself is held by the council and the group.'],
      },
    ],
    { public: true },
  );
}

function signedAgreement(ctx: Agreement, { term, terms, termStart, termEnd, total, paymentDates, signedBy, variation, which }: Signing) {
  const { input, frame, details } = ctx;
  const group = details.group;
  const title = `Community Cashback Agreement, ${which.words}`;
  return frame.document(`agreement:${which.key}`, 'agreement_signed', 'community_cashback_agreement', title, [
    {
      heading: 'Parties',
      lines: [
        `The council: ${input.councilName ?? input.council}`,
        `The residents' group: ${group.name} (${group.legalForm.replace(/_/g, ' ')}${group.registration ? `, registered as ${group.registration}` : ''}), ${input.estate}`,
      ],
    },
    ...(variation
      ? [
          {
            heading: 'This variation',
            lines: [
              `${variation.name}, asked for by ${variation.requestedBy ? signatory(variation.requestedBy) : 'the parties'}.`,
              `Why: ${variation.reasons}`,
              `It applies from the signing below to the end of term ${term} on ${dateInWords(termEnd)}.`,
            ],
          },
        ]
      : []),
    {
      heading: 'Type, scope and duration of the work',
      lines: [
        ...terms.services.flatMap((s) => [
          `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')} (delivered by ${s.deliveryMode})`,
          ...(s.quotes ?? []).map((q) => `  quote: ${q.supplier}, ${inPounds(q.amountPence)}, ${dateInWords(q.date)}`),
        ]),
        `Duration: from ${dateInWords(termStart)} to ${dateInWords(termEnd)}`,
      ],
    },
    ...(details.training ? [{ heading: 'Training and help for the group', lines: [details.training] }] : []),
    {
      heading: 'Payment amount and payment dates',
      lines: paymentDates.length
        ? [`${inPounds(total)} a year, paid in ${paymentDates.length} instalments on:`, ...paymentDates.map(dateInWords)]
        : [
            `${inPounds(total)} a year, from the instalment after this variation to the end of the term, on the dates of the term's agreement`,
          ],
    },
    { heading: 'Specification', lines: terms.services.map((s) => `${s.service.replace(/_/g, ' ')}: ${s.standards}`) },
    { heading: 'Responsibilities of the group', lines: [terms.groupResponsibilities] },
    { heading: 'Responsibilities of the council', lines: [terms.councilResponsibilities] },
    {
      heading: 'Insurance and public liability',
      lines: [
        `Insured by: ${details.insurance?.insuredBy ?? 'to be confirmed'}`,
        ...(details.insurance?.cover ? [`Cover held: ${details.insurance.cover.map((c) => c.replace(/_/g, ' ')).join(', ')}`] : []),
        'The group must hold insurance and public liability cover for theft, damage and injury.',
      ],
    },
    {
      heading: 'Keeping receipts',
      lines: [
        'The group keeps receipts for everything it buys, and shows them to the council on request, to show the scheme is properly run.',
      ],
    },
    { heading: 'Signed', lines: signedBy.map(signatory) },
  ]);
}
