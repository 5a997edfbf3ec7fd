import { workflowNow } from '../../common/clock';
import type { DocumentSection } from '../../common/engine-types';
import { calendarDateInWords, dateInWords, inPounds, inWords } from '../../common/format';
import { monthsLater } from '../../common/policy';
import {
  CONTRACT_STAGES,
  PRIORITY_NAMES,
  priorityKeyOf,
  standardKeyOf,
  type Priority,
  type Standard,
  type StandardTerms,
} from '../messages';
import { CONTRACT_RULES, goOnWithoutRefusal, standardsRefusal } from '../rules';
import { partnersInContract, standardInWords, yearTask, type Contract } from './context';

// Agreeing a community contract: what residents said, the priorities agreed with the partners, a
// standard for each priority and partner, everyone's signature, and the contract published.

/** What residents said matters, and how many took part, as their group reports it. */
async function residentsSay(ctx: Contract, round: number) {
  const { input, details, tasks, moveTo, p } = ctx;
  const said = await tasks.decide({
    taskId: yearTask(ctx, `priorities-${round}`),
    kind: 'report_residents_priorities',
    title: `Tell the council what residents of ${input.neighbourhood} said matters most`,
    role: 'resident_rep',
    outcomes: ['report'],
    data: {
      asks: 'each meeting, survey or walkabout (what was heard, how many took part), and the priorities, most important first',
      partners: details.partners.map((x) => x.organisation),
    },
    dueInWorkingDays: p.groupStepWorkingDays,
  });
  details.engagement = said.form.engagement;
  details.proposed = said.form.priorities;
  const tookPart = said.form.engagement.reduce((n, e) => n + e.tookPart, 0);
  await moveTo(
    CONTRACT_STAGES.agreeingPriorities,
    `Residents' priorities reported: ${said.form.priorities.map((x) => x.name ?? PRIORITY_NAMES[x.topic]).join(', ')}, from ${tookPart} taking part`,
    said.actor,
  );
}

/** The council agrees the ranked priorities with the partners, and the measures at the start; or asks the group again. */
async function agreeWithPartners(ctx: Contract, round: number): Promise<boolean> {
  const { input, details, tasks, moveTo, p } = ctx;
  const agreed = await tasks.decide(
    {
      taskId: yearTask(ctx, `agree-priorities-${round}`),
      kind: 'agree_priorities',
      title: `Agree the priorities for ${input.neighbourhood} with the partners`,
      role: 'programme_manager',
      outcomes: ['agree', 'request_changes'],
      data: { proposed: details.proposed, partners: details.partners.map((x) => x.organisation) },
      dueInWorkingDays: p.councilStepWorkingDays,
    },
    undefined,
    (attempt) =>
      attempt.outcome === 'agree' && !(attempt.form?.priorities && attempt.form.baseline)
        ? 'agreeing names the priorities, most important first, and the measures at the start'
        : undefined,
  );
  const { priorities, baseline, agreedWith, agreedOn } = agreed.form;
  if (agreed.outcome !== 'agree' || !priorities || !baseline) {
    await moveTo(CONTRACT_STAGES.gatheringPriorities, `The council asks the residents' group again: ${agreed.reasons ?? ''}`, agreed.actor);
    return false;
  }
  details.priorities = priorities.map((x, i): Priority => ({
    key: priorityKeyOf(x.topic, x.name),
    topic: x.topic,
    name: x.topic === 'other' ? (x.name ?? 'Other') : PRIORITY_NAMES[x.topic],
    rank: i + 1,
  }));
  details.baseline = baseline;
  const when = agreedOn ? ` on ${calendarDateInWords(agreedOn)}` : '';
  await moveTo(
    CONTRACT_STAGES.settingStandards,
    `Priorities agreed${agreedWith ? ` with ${agreedWith}` : ''}${when}: ${details.priorities.map((x) => `${x.rank}. ${x.name}`).join(', ')}`,
    agreed.actor,
  );
  return true;
}

/** The residents' priorities, gathered by their group and agreed with the partners (asked again until agreed). */
export async function gatherPriorities(ctx: Contract): Promise<void> {
  const { input, frame } = ctx;
  await frame.record(
    'process_started',
    `Community contract for ${input.neighbourhood} (${input.area}) with ${input.group}`,
    input.startedBy,
  );
  for (let round = 1; ; round += 1) {
    await residentsSay(ctx, round);
    if (await agreeWithPartners(ctx, round)) return;
  }
}

/** A standard as the contract keeps it: keyed by priority and partner. */
const standardOf = (ctx: Contract, terms: StandardTerms): Standard => {
  const { partner, ...rest } = terms;
  return {
    ...rest,
    key: standardKeyOf(terms.priority, partner),
    partner: ctx.details.partners.find((x) => x.organisation === partner)?.key ?? partner,
  };
};

/** The standards as the form shows them again: the partner by name. */
const termsOf = (ctx: Contract, s: Standard): StandardTerms => {
  const { key, partner, ...rest } = s;
  void key;
  return { ...rest, partner: ctx.details.partners.find((x) => x.key === partner)?.organisation ?? partner };
};

/** CC-R2: a standard for each priority and partner, with what residents do and the redress ladder. */
async function setStandards(ctx: Contract, round: string): Promise<Standard[]> {
  const { input, details, tasks, p } = ctx;
  const decision = await tasks.decide(
    {
      taskId: yearTask(ctx, `standards-${round}`),
      kind: 'set_standards',
      title: `Set out the standards of service for ${input.neighbourhood}`,
      role: 'programme_manager',
      outcomes: ['set'],
      data: {
        priorities: details.priorities.map((x) => ({ key: x.key, name: x.name, rank: x.rank })),
        partners: partnersInContract(ctx).map((x) => x.organisation),
        rule: `${CONTRACT_RULES.R2.rule} (${CONTRACT_RULES.R2.source})`,
        ...(details.standards.length ? { current: details.standards.map((s) => termsOf(ctx, s)) } : {}),
      },
      dueInWorkingDays: p.councilStepWorkingDays,
    },
    undefined,
    (attempt) => standardsRefusal((attempt.form?.standards ?? []) as StandardTerms[], details.priorities, partnersInContract(ctx)),
  );
  return decision.form.standards.map((terms) => standardOf(ctx, terms));
}

/** One party's signature: a partner's officers (its organisation's grant), or the residents' group. */
function sign(ctx: Contract, party: { key: string; name: string; role: 'partner' | 'resident_rep' }, round: string) {
  const { input, details, tasks, p } = ctx;
  return tasks.decide(
    {
      taskId: yearTask(ctx, `sign-${round}-${party.key.replace(/^org:/, '')}`),
      kind: 'sign_contract',
      title: `Sign the community contract for ${input.neighbourhood}${party.role === 'partner' ? ` for ${party.name}` : " for the residents' group"}`,
      role: party.role,
      ...(party.role === 'partner' ? { scope: party.key } : {}),
      outcomes: ['sign', 'decline'],
      requiredFormFields: [],
      reasonsRequiredFor: ['decline'],
      data: {
        standards: details.standards
          .filter((s) => party.role === 'resident_rep' || s.partner === party.key)
          .map((s) => `${details.priorities.find((x) => x.key === s.priority)?.name ?? s.priority}: ${standardInWords(ctx, s)}`),
        signing: 'sign with the name and post of who signs; decline with reasons',
      },
      dueInWorkingDays: p.signingWorkingDays,
    },
    undefined,
    (attempt) =>
      attempt.outcome === 'sign' && !(attempt.form?.signatory && attempt.form?.post)
        ? 'signing states who signs (signatory) and their post'
        : undefined,
  );
}

/**
 * Everyone signs: the residents' group and each partner whose standards are new or changed. A refusal
 * is named; the programme manager decides (CC-R1) to go on without the partners that refused, to set
 * the standards again, or to end.
 */
async function signTheContract(ctx: Contract, round: string, changedFor: Set<string>): Promise<'signed' | 'revise' | 'end'> {
  const { input, frame, details, tasks, moveTo, p } = ctx;
  const parties = [
    { key: 'residents', name: input.group, role: 'resident_rep' as const },
    ...partnersInContract(ctx)
      .filter((x) => changedFor.has(x.key))
      .map((x) => ({ key: x.key, name: x.organisation, role: 'partner' as const })),
  ];
  await moveTo(CONTRACT_STAGES.signing, `Standards set; for signature by ${parties.map((x) => x.name).join(', ')}`);
  const answers = await Promise.all(
    parties.map(async (party) => {
      const answer = await sign(ctx, party, round);
      const partner = details.partners.find((x) => x.key === party.key);
      if (answer.outcome === 'sign') {
        const signed = { signatory: answer.form.signatory ?? '', post: answer.form.post ?? '', at: answer.decidedAt };
        if (partner) {
          partner.signed = signed;
          delete partner.declined;
        } else details.residentsSigned = signed;
      } else if (partner) partner.declined = answer.reasons ?? '';
      return { party, answer };
    }),
  );
  const refused = answers.filter((a) => a.answer.outcome === 'decline');
  if (refused.length === 0) return 'signed';
  const residentsRefused = refused.some((a) => a.party.role === 'resident_rep');
  const decision = await tasks.decide(
    {
      taskId: yearTask(ctx, `refused-${round}`),
      kind: 'decide_refused_signature',
      title: `Decide how the contract for ${input.neighbourhood} goes on: ${refused.map((a) => a.party.name).join(', ')} will not sign`,
      role: 'programme_manager',
      outcomes: residentsRefused ? ['revise_standards', 'end'] : ['go_on_without', 'revise_standards', 'end'],
      reasonsRequiredFor: ['go_on_without', 'end'],
      data: {
        refused: refused.map((a) => ({ party: a.party.name, reasons: a.answer.reasons ?? '' })),
        rule: `${CONTRACT_RULES.R1.rule} (${CONTRACT_RULES.R1.source})`,
      },
      dueInWorkingDays: p.councilStepWorkingDays,
    },
    undefined,
    (attempt) => (attempt.outcome === 'go_on_without' ? goOnWithoutRefusal(residentsRefused) : undefined),
  );
  if (decision.outcome !== 'go_on_without') return decision.outcome === 'end' ? 'end' : 'revise';
  for (const { party } of refused) {
    const partner = details.partners.find((x) => x.key === party.key);
    if (partner) partner.leftOut = { reasons: decision.reasons ?? '', by: decision.actor };
  }
  // Their standards leave with them; a priority they alone served is named in the contract without one.
  details.standards = details.standards.filter((s) => !refused.some((a) => a.party.key === s.partner));
  await frame.note(
    `The contract goes on without ${refused.map((a) => a.party.name).join(', ')}: ${decision.reasons ?? ''}`,
    decision.actor,
  );
  return 'signed';
}

/** A standard's terms as the contract compares them: a change of any of them needs the partner's signature again. */
const sameTerms = (a: Standard, b: Standard | undefined) =>
  b !== undefined && JSON.stringify(termsOrder(a)) === JSON.stringify(termsOrder(b));
const termsOrder = (s: Standard) => Object.fromEntries(Object.entries(s).sort(([x], [y]) => x.localeCompare(y)));

/**
 * CC-R1, CC-R2: standards set, and signed by every party to them (a revision: by the partners whose
 * standards changed, and the residents' group), then the contract produced and published. Answers
 * whether the contract is in force; `false` once the programme manager ends it.
 */
export async function agreeTheContract(ctx: Contract, purpose: 'first' | 'revision'): Promise<boolean> {
  const { details, moveTo, finish } = ctx;
  const before = purpose === 'revision' ? details.standards : [];
  for (let round = 1; ; round += 1) {
    if (round > 1 || purpose === 'revision') await moveTo(CONTRACT_STAGES.settingStandards, 'The standards are set out again');
    // A revision's tasks have ids of their own: the year's first agreement used the plain ones.
    const label = `${purpose === 'revision' ? 'revision-' : ''}${round}`;
    details.standards = await setStandards(ctx, label);
    // A first contract is signed by every partner; a revision by those whose standards changed.
    const changedFor = new Set(
      purpose === 'first'
        ? partnersInContract(ctx).map((x) => x.key)
        : details.standards
            .filter(
              (s) =>
                !sameTerms(
                  s,
                  before.find((b) => b.key === s.key),
                ),
            )
            .map((s) => s.partner),
    );
    const signed = await signTheContract(ctx, label, changedFor);
    if (signed === 'signed') break;
    if (signed === 'end') {
      await finish(CONTRACT_STAGES.notAgreed, 'completed', 'The programme manager ended the contract: it was not signed');
      return false;
    }
  }
  await publishTheContract(ctx, purpose);
  return true;
}

/** What a standard commits each side to, and the redress when it is missed, as the contract says it. */
const standardLines = (ctx: Contract, s: Standard): string[] => [
  `Standard: ${standardInWords(ctx, s)}.`,
  `Residents will: ${s.whatResidentsDo} (${s.residentsCommit.map(inWords).join(', ')}).`,
  `If it is missed: ${[
    `put right within ${s.redress.putRightWithinWorkingDays} working days`,
    ...(s.redress.apology ? ['an explanation and apology'] : []),
    ...(s.redress.compensationUpToPence ? [`compensation of up to ${inPounds(s.redress.compensationUpToPence)}`] : []),
  ].join('; ')}.`,
];

/** How the contract is kept: the champions' reports, the redress stages, the review, in the policy's figures. */
const howItIsKept = ({ p }: Contract): string[] => [
  `Community champions report on every standard every ${p.reportEveryMonths === 1 ? 'month' : `${p.reportEveryMonths} months`}.`,
  `A missed standard opens a redress case with the partner responsible: acknowledged within ${p.stage1AcknowledgeWorkingDays} working days and answered within ${p.stage1AnswerWorkingDays}.`,
  `If residents are not satisfied, stage 2: acknowledged within ${p.stage2AcknowledgeWorkingDays} and answered within ${p.stage2AnswerWorkingDays}. A partner that disputes a case is answered by the council's decision.`,
  `The standards are reviewed every ${p.reviewEveryMonths} months.`,
];

const signedBy = (signed?: { signatory: string; post: string }) => (signed ? `: signed by ${signed.signatory}, ${signed.post}` : '');

/** The contract's sections: the neighbourhood, the parties, what residents said, each priority's standards, how it is kept. */
function contractSections(ctx: Contract, inForceFrom: string, reviewBy: string): DocumentSection[] {
  const { input, details, council } = ctx;
  return [
    {
      heading: 'The neighbourhood',
      lines: [`${input.neighbourhood}: ${input.area}`, `In force from ${dateInWords(inForceFrom)}; reviewed by ${dateInWords(reviewBy)}.`],
    },
    {
      heading: 'Parties',
      lines: [
        `The residents of ${input.neighbourhood}, by ${input.group}${signedBy(details.residentsSigned)}`,
        ...partnersInContract(ctx).map((x) => `${x.organisation} (${inWords(x.kind)}), acting for it ${x.actsForIt}${signedBy(x.signed)}`),
        `Brought together by ${council}.`,
      ],
    },
    {
      heading: 'What residents told us',
      lines: (details.engagement ?? []).map(
        (e) => `${inWords(e.method)} on ${calendarDateInWords(e.heldOn)}, ${e.tookPart} taking part: ${e.heard}`,
      ),
    },
    ...details.priorities.map((priority) => {
      const its = details.standards.filter((s) => s.priority === priority.key);
      return {
        heading: `Priority ${priority.rank}: ${priority.name}`,
        lines: its.length ? its.flatMap((s) => standardLines(ctx, s)) : ['No partner has agreed a standard for this priority.'],
      };
    }),
    { heading: 'How it is kept', lines: howItIsKept(ctx) },
  ];
}

/**
 * The contract (PDF), public: the parties, priorities, standards, what residents do, and redress. A
 * first contract is in force from now; a revision from the next year's start (this year's review date).
 */
async function publishTheContract(ctx: Contract, purpose: 'first' | 'revision'): Promise<void> {
  const { input, frame, details, moveTo, p, policy } = ctx;
  const forYear = purpose === 'first' ? ctx.year : ctx.year + 1;
  const inForceFrom = purpose === 'first' ? workflowNow() : (details.reviewDueAt as string);
  const reviewBy = monthsLater(policy.calendar, inForceFrom, p.reviewEveryMonths);
  if (purpose === 'first') details.inForceFrom = inForceFrom;
  const doc = await frame.document(
    `contract-y${forYear}`,
    CONTRACT_STAGES.signing,
    'community_contract',
    `Community contract: ${input.neighbourhood}${forYear > 1 ? ` (year ${forYear})` : ''}`,
    contractSections(ctx, inForceFrom, reviewBy),
    { public: true },
  );
  details.contractDocumentId = doc.documentId;
  await moveTo(
    CONTRACT_STAGES.inForce,
    `${purpose === 'first' ? 'Contract' : 'Revised contract'} signed and published; in force from ${dateInWords(inForceFrom)} until its review on ${dateInWords(reviewBy)}`,
  );
}
