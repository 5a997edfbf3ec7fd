import { workflowNow } from '../../common/clock';
import { calendarDateInWords, inPounds } from '../../common/format';
import { person } from '../../common/roles';
import type { CaseClosing, MissedReport, RedressCase, RedressGiven, Standard } from '../messages';
import { CONTRACT_RULES, compensationPaid, redressRefusal } from '../rules';
import { standardInWords, yearTask, type Contract } from './context';

// A redress case (PROCESSES.md §5): a standard reported missed opens one for the partner responsible,
// through the stages of the Housing Ombudsman's Complaint Handling Code the policy sets: acknowledged,
// then answered with the redress given or a dispute, which the programme manager decides; residents
// say whether it satisfies them, and if not at stage 1 it goes to stage 2. Several run at once.

/** What every task of a case shows: the standard, what was reported, the ladder and the stage. */
function caseData(ctx: Contract, c: RedressCase, standard: Standard) {
  const ladder = standard.redress;
  return {
    case: c.number,
    stage: c.stage,
    standard: standardInWords(ctx, standard),
    reported: `${c.report.whatHappened}${c.report.seenOn ? ` (seen on ${calendarDateInWords(c.report.seenOn)})` : ''}`,
    redressAgreed: [
      `put right within ${ladder.putRightWithinWorkingDays} working days`,
      ...(ladder.apology ? ['an explanation and apology'] : []),
      ...(ladder.compensationUpToPence ? [`compensation of up to ${inPounds(ladder.compensationUpToPence)}`] : []),
    ].join('; '),
    ...(c.redressGiven.length ? { givenSoFar: c.redressGiven.map((r) => `stage ${r.stage}: ${redressInWords(r)}`).join('; ') } : {}),
  };
}

export const redressInWords = (r: RedressGiven): string =>
  [
    ...(r.putRightOn ? [`put right on ${calendarDateInWords(r.putRightOn)}`] : []),
    ...(r.apology ? [`apology: ${r.apology}`] : []),
    ...(r.compensationPaidPence !== undefined ? [`compensation paid: ${inPounds(r.compensationPaidPence)}`] : []),
  ].join('; ');

/** The partner answers: redress, or a dispute the programme manager decides (upheld: the partner answers again, with redress). */
async function answerTheCase(ctx: Contract, c: RedressCase, standard: Standard, days: number): Promise<'redress' | 'dispute_accepted'> {
  const { tasks, p } = ctx;
  const partnerKey = standard.partner;
  const prefix = `case${c.number}-s${c.stage}`;
  for (let attempt = 1; ; attempt += 1) {
    const upheld = attempt > 1;
    const answer = await tasks.decide(
      {
        taskId: yearTask(ctx, `${prefix}-answer${upheld ? `-${attempt}` : ''}`),
        kind: 'answer_redress_case',
        title: `Answer redress case ${c.number} (stage ${c.stage}) with the redress given${upheld ? ': the council upheld it' : ''}`,
        role: 'partner',
        scope: partnerKey,
        outcomes: upheld ? ['redress'] : ['redress', 'dispute'],
        reasonsRequiredFor: ['dispute'],
        data: { ...caseData(ctx, c, standard), rule: `${CONTRACT_RULES.R3.rule}` },
        dueInWorkingDays: days,
      },
      undefined,
      (tried) => (tried.outcome === 'redress' ? redressRefusal(tried.form ?? {}, standard.redress, compensationPaid(c)) : undefined),
    );
    if (answer.outcome === 'redress') {
      const { putRightOn, apology, compensationPaidPence } = answer.form;
      c.redressGiven.push({
        ...(putRightOn ? { putRightOn } : {}),
        ...(apology ? { apology } : {}),
        ...(compensationPaidPence !== undefined ? { compensationPaidPence } : {}),
        stage: c.stage,
        by: person(answer.actor),
        at: answer.decidedAt,
      });
      return 'redress';
    }
    c.dispute = { reasons: answer.reasons ?? '', by: person(answer.actor), at: answer.decidedAt };
    const decision = await tasks.decide({
      taskId: yearTask(ctx, `${prefix}-dispute`),
      kind: 'decide_redress_dispute',
      title: `Decide the dispute of redress case ${c.number}`,
      role: 'programme_manager',
      outcomes: ['uphold_case', 'accept_dispute'],
      reasonsRequiredFor: ['uphold_case', 'accept_dispute'],
      data: {
        ...caseData(ctx, c, standard),
        disputed: answer.reasons ?? '',
        rule: `${CONTRACT_RULES.R4.rule} (${CONTRACT_RULES.R4.source})`,
      },
      dueInWorkingDays: p.councilStepWorkingDays,
    });
    c.dispute.decision = {
      outcome: decision.outcome === 'uphold_case' ? 'uphold_case' : 'accept_dispute',
      reasons: decision.reasons ?? '',
      by: person(decision.actor),
    };
    if (decision.outcome === 'accept_dispute') return 'dispute_accepted';
  }
}

/** One stage of a case: acknowledged and answered by the partner in the stage's days, then the residents' view. */
async function caseStage(ctx: Contract, c: RedressCase, standard: Standard): Promise<'satisfied' | 'not_satisfied' | 'dispute_accepted'> {
  const { tasks, p } = ctx;
  const [acknowledgeDays, answerDays] =
    c.stage === 1
      ? [p.stage1AcknowledgeWorkingDays, p.stage1AnswerWorkingDays]
      : [p.stage2AcknowledgeWorkingDays, p.stage2AnswerWorkingDays];
  const prefix = `case${c.number}-s${c.stage}`;
  const acknowledged = await tasks.decide({
    taskId: yearTask(ctx, `${prefix}-acknowledge`),
    kind: 'acknowledge_redress_case',
    title: `Acknowledge redress case ${c.number} (stage ${c.stage}): ${standardInWords(ctx, standard)}`,
    role: 'partner',
    scope: standard.partner,
    outcomes: ['acknowledge'],
    data: caseData(ctx, c, standard),
    dueInWorkingDays: acknowledgeDays,
  });
  c.acknowledgedAt = acknowledged.decidedAt;
  if ((await answerTheCase(ctx, c, standard, answerDays)) === 'dispute_accepted') return 'dispute_accepted';
  const view = await tasks.decide({
    taskId: yearTask(ctx, `${prefix}-residents`),
    kind: 'confirm_redress',
    title: `Say whether residents are satisfied with the redress of case ${c.number}`,
    role: 'resident_rep',
    outcomes: ['satisfied', 'not_satisfied'],
    reasonsRequiredFor: ['not_satisfied'],
    data: {
      ...caseData(ctx, c, standard),
      next: c.stage === 1 ? 'not satisfied: the case goes to stage 2' : 'not satisfied: the residents may take it to the Housing Ombudsman',
    },
    dueInWorkingDays: p.groupStepWorkingDays,
  });
  if (view.outcome === 'not_satisfied') c.notSatisfied = view.reasons ?? '';
  return view.outcome === 'satisfied' ? 'satisfied' : 'not_satisfied';
}

const CLOSINGS: Record<CaseClosing, string> = {
  redress_accepted: 'residents satisfied with the redress',
  dispute_accepted: "the partner's dispute accepted by the council",
  referred_to_ombudsman: 'residents still not satisfied after stage 2: they may take it to the Housing Ombudsman',
};

/** A missed standard's case, from opening to closing. */
export async function followTheCase(ctx: Contract, standard: Standard, report: MissedReport): Promise<void> {
  const { frame, details } = ctx;
  ctx.casesSoFar += 1;
  const c: RedressCase = {
    number: ctx.casesSoFar,
    standard: standard.key,
    partner: standard.partner,
    report,
    openedAt: workflowNow(),
    stage: 1,
    redressGiven: [],
  };
  details.cases.push(c);
  const partner = details.partners.find((x) => x.key === standard.partner)?.organisation ?? standard.partner;
  await frame.engine?.event('redress_case_opened', `Redress case ${c.number} opened for ${partner}: ${report.whatHappened}`, {
    email: {
      event: 'redress_case_opened',
      to: ['programme_manager', 'resident_rep'],
      facts: { case: c.number, partner, reported: report.whatHappened },
    },
  });
  let closing: CaseClosing | undefined;
  while (!closing) {
    const outcome = await caseStage(ctx, c, standard);
    if (outcome === 'satisfied') closing = 'redress_accepted';
    else if (outcome === 'dispute_accepted') closing = 'dispute_accepted';
    else if (c.stage === 2) closing = 'referred_to_ombudsman';
    else {
      c.stage = 2;
      delete c.acknowledgedAt;
      await frame.engine?.event('redress_case_stage_2', `Redress case ${c.number} goes to stage 2: ${c.notSatisfied ?? ''}`);
    }
  }
  c.closedAt = workflowNow();
  c.closing = closing;
  await frame.engine?.event('redress_case_closed', `Redress case ${c.number} closed: ${CLOSINGS[closing]}`, {
    email: {
      event: 'redress_case_closed',
      to: ['partner'],
      scope: standard.partner,
      facts: { case: c.number, closing: CLOSINGS[closing] },
    },
  });
}
