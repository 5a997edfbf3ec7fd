import { dateInWords, inPounds } from '../../common/format';
import { DEADLOCK_FORUM_NAMES, type ServiceOutcome, type SlaTerms } from '../messages';
import { impactOf, roundsInWords } from '../rules';
import { change, kpiLines, monthsInWords, outcomeInWords, perUnit, signatureLine } from '../words';
import type { SlaSet } from './context';

type Service = SlaSet['services'][number];

/** The documents of a signed-off set: an SLA (or a retraction notice) per service, the summary, the impact report. */
export async function signedOffDocuments(ctx: SlaSet, effectiveFrom: string, expiresOn: string): Promise<string[]> {
  const { input, details, services, council } = ctx;
  const ids: string[] = [];
  const signatures = [
    signatureLine(details.signOff.almo, `for the ALMO board of ${input.almo}`),
    signatureLine(details.signOff.council, `for ${council}`),
  ];
  for (const s of services) {
    const outcome = s.outcome as ServiceOutcome;
    const doc =
      outcome.kind === 'retracted'
        ? await retractionNotice(ctx, s, outcome, signatures)
        : await serviceLevelAgreement(ctx, s, outcome, signatures, effectiveFrom, expiresOn);
    ids.push(doc.documentId);
  }
  const impact = impactOf(services, effectiveFrom);
  details.impact = impact;
  const summary = await summaryDocument(ctx, impact, signatures, effectiveFrom, expiresOn);
  const report = await impactReport(ctx, impact);
  details.impactReportId = report.documentId;
  return [...ids, summary.documentId, report.documentId];
}

/** How a service's outcome was reached, in words: by a deadlock's forum, or after its rounds. */
function agreedByLines(outcome: ServiceOutcome): string[] {
  return outcome.deadlock
    ? [
        `Decided on a deadlock by ${DEADLOCK_FORUM_NAMES[outcome.deadlock.forum]} (${outcome.deadlock.forumMembers})${outcome.deadlock.minuteReference ? `, minute ${outcome.deadlock.minuteReference}` : ''}; the decision binds.`,
        `Why: ${outcome.deadlock.reasons}`,
      ]
    : [
        `${outcome.kind === 'renewed' ? 'Renewed as it is' : outcome.kind === 'revised' ? 'Revised terms agreed' : 'Retracted by the ALMO'} after ${roundsInWords(outcome.rounds)}.`,
      ];
}

/** A retracted service's notice: who the ALMO buys it from now, the notice, and the SLA in force until then. */
function retractionNotice(ctx: SlaSet, s: Service, outcome: ServiceOutcome, signatures: string[]) {
  const { input, frame, council, cycle } = ctx;
  const agreedBy = agreedByLines(outcome);
  const r = outcome.retraction;
  return frame.document(`c${cycle}:retraction:${s.key}`, 'sign_off', 'sla_retraction_notice', `Notice of retraction: ${s.name}`, [
    { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] },
    { heading: 'Service', lines: [s.name, `Council service lead: ${s.serviceLead.name}`] },
    {
      heading: 'Notice',
      lines: [
        `The ALMO stops buying ${s.name} from the council${r?.buyingFrom ? ` and buys it from ${r.buyingFrom}` : ''}.`,
        `Notice of ${monthsInWords(r?.noticeMonths ?? 0)}, given ${dateInWords(outcome.decidedAt)}, ends on ${dateInWords(r?.noticeEndsAt ?? '')}.`,
        `Until then the SLA in force continues: ${inPounds(s.terms.annualChargePence)} a year at ${perUnit(s.terms)}.`,
      ],
    },
    { heading: 'Reasons', lines: [r?.reasons ?? ''] },
    { heading: 'How it was decided', lines: agreedBy },
    { heading: 'Signed', lines: signatures },
  ]);
}

/** A service's new Service Level Agreement: its charge, KPIs and term. */
function serviceLevelAgreement(
  ctx: SlaSet,
  s: Service,
  outcome: ServiceOutcome,
  signatures: string[],
  effectiveFrom: string,
  expiresOn: string,
) {
  const { input, frame, council, sla, cycle } = ctx;
  const agreedBy = agreedByLines(outcome);
  const terms = outcome.terms as SlaTerms;
  return frame.document(`c${cycle}:sla:${s.key}`, 'sign_off', 'service_level_agreement', `Service Level Agreement: ${s.name}`, [
    { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] },
    { heading: 'Service', lines: [s.name, `Council service lead: ${s.serviceLead.name}`] },
    { heading: 'Charge', lines: [`${inPounds(terms.annualChargePence)} a year`, `Unit cost: ${perUnit(terms)}`] },
    { heading: 'Key performance indicators', lines: kpiLines(terms) },
    {
      heading: 'Term',
      lines: [
        `From ${dateInWords(effectiveFrom)} to ${dateInWords(expiresOn)} (${sla.termMonths} months)`,
        `Effective date: ${dateInWords(effectiveFrom)}`,
      ],
    },
    { heading: 'How it was agreed', lines: agreedBy },
    { heading: 'Signed', lines: signatures },
  ]);
}

/** The summary of the signed-off set: every outcome, the term and the charges. */
function summaryDocument(ctx: SlaSet, impact: Impact, signatures: string[], effectiveFrom: string, expiresOn: string) {
  const { input, frame, services, council, cycle } = ctx;
  return frame.document(`c${cycle}:summary`, 'sign_off', 'sla_summary', `SLAs signed off: ${input.almo} and ${council}, cycle ${cycle}`, [
    { heading: 'Parties', lines: [`The council: ${council}`, `The ALMO: ${input.almo}`] },
    { heading: 'Outcomes', lines: services.map((s) => outcomeInWords(s, s.outcome as ServiceOutcome)) },
    { heading: 'Term', lines: [`The new SLAs take effect on ${dateInWords(effectiveFrom)} and expire on ${dateInWords(expiresOn)}.`] },
    {
      heading: 'Charges a year',
      lines: [
        `Before: ${inPounds(impact.totalBeforePence)}`,
        `After: ${inPounds(impact.totalAfterPence)} (${change(impact.totalChangePence)})`,
      ],
    },
    { heading: 'Signed', lines: signatures },
  ]);
}

/** §8.3: the impact on the council's central services ("hollowing out"). */
function impactReport(ctx: SlaSet, impact: Impact) {
  const { input, frame, cycle } = ctx;
  return frame.document(
    `c${cycle}:impact-report`,
    'sign_off',
    'sla_impact_report',
    `Impact on the council's central services: ${input.almo}, cycle ${cycle}`,
    [
      {
        heading: 'Income from the ALMO to each central service, a year',
        lines: impact.services.map(
          (r) =>
            `${r.name}: ${inPounds(r.beforePence)} to ${inPounds(r.afterPence)} (${change(r.changePence)}), ${r.outcome}, from ${dateInWords(r.from)}`,
        ),
      },
      {
        heading: 'In total',
        lines: [
          `${inPounds(impact.totalBeforePence)} to ${inPounds(impact.totalAfterPence)} (${change(impact.totalChangePence)}, ${Math.abs(impact.totalChangePercent)}%)`,
        ],
      },
      {
        heading: 'Services the ALMO now buys elsewhere',
        lines: impact.boughtElsewhere.length
          ? impact.boughtElsewhere.map(
              (b) => `${b.name}${b.buyingFrom ? ` (from ${b.buyingFrom})` : ''}, from ${dateInWords(b.noticeEndsAt)}`,
            )
          : ['none'],
      },
      {
        heading: 'Why this matters',
        lines: [
          'As SLAs are renegotiated the ALMO drives a harder bargain, and the council has to reflect on the efficiency of its remaining central services ("hollowing out", Learning from ALMOs 8.3).',
        ],
      },
    ],
  );
}

type Impact = ReturnType<typeof impactOf>;
