import { sleepUntil, workflowNow } from '../../common/clock';
import { Endable } from '../../common/endable';
import { dateInWords } from '../../common/format';
import { calendarDaysMs } from '../../common/policy';
import type { Actor } from '../../common/roles';
import { type Decision } from '../../common/tasks';
import { type AgreementTerms, LMA_STAGES, type LmaForms, type ServiceTerms } from '../messages';
import { consultationSupports } from '../rules';
import { draftAndSign } from './agreement';
import { type Agreement, later } from './context';

type ConsultationResult = Decision<LmaForms['record_consultation_result']>;

/**
 * §1.6-9 in parallel: insurance, the consultation of affected residents, a formal body, and the
 * agreement drafted and signed (signing waits for the rest). A consultation without enough support
 * ends the preparations, and the process: then it answers undefined.
 */
export async function prepareAgreement(
  ctx: Agreement,
  plan: ServiceTerms[],
): Promise<{ terms: AgreementTerms; signedBy: Actor[] } | undefined> {
  const { details, finish } = ctx;
  const preparing = new Endable<ConsultationResult>();
  const prepared = await preparing.run(() =>
    Promise.all([
      insurance(ctx),
      consultation(ctx, plan, (result) => preparing.end(result)),
      formalBody(ctx),
      draftAndSign(
        ctx,
        '',
        () => ({ services: plan }),
        () => plan,
        () => details.insurance !== undefined,
      ),
    ]),
  );
  if (!prepared.ended) return prepared.result[3];
  const [result] = prepared.because;
  await finish(
    LMA_STAGES.notSupported,
    'completed',
    `The consultation did not show enough support (${String(result.form.for)} for, ${String(result.form.against)} against)`,
    result.actor,
  );
  return undefined;
}

/** §1.6: insurance and health & safety confirmed by the council. */
function insurance(ctx: Agreement) {
  const { details, tasks, councilStep } = ctx;
  return tasks.decide(
    {
      taskId: 'insurance-and-safety',
      kind: 'confirm_insurance_and_safety',
      title: 'Confirm insurance and health & safety',
      role: 'housing_manager',
      outcomes: ['confirm'],
      dueInWorkingDays: councilStep,
    },
    async (decision) => {
      details.insurance = { insuredBy: decision.form.insuredBy, cover: decision.form.cover };
    },
  );
}

/** §1.7: the affected residents consulted for the policy's days; `notSupported` when they do not support it. */
async function consultation(ctx: Agreement, plan: ServiceTerms[], notSupported: (result: ConsultationResult) => void): Promise<void> {
  const { input, frame, details, tasks, policy, councilStep } = ctx;
  const opened = workflowNow();
  const closes = later(opened, calendarDaysMs(policy.calendar, policy.lma.consultationDays));
  await frame.document('consultation-notice', 'consultation', 'consultation_notice', 'Consultation of affected residents', [
    {
      heading: 'What is proposed',
      lines: [
        `${input.group.name} proposes to run these services under a Local Management Agreement:`,
        ...plan.map((s) => `${s.service.replace(/_/g, ' ')}: ${s.scope.join(', ')}`),
      ],
    },
    { heading: 'How to respond', lines: [`The consultation is open from ${dateInWords(opened)} until ${dateInWords(closes)}.`] },
  ]);
  await sleepUntil(closes);
  await tasks.decide(
    {
      taskId: 'consultation-result',
      kind: 'record_consultation_result',
      title: 'Record the result of the consultation of affected residents',
      role: 'housing_manager',
      outcomes: ['record'],
      dueInWorkingDays: councilStep,
    },
    async (decision) => {
      const votesFor = Number(decision.form.for);
      const against = Number(decision.form.against);
      const supported = consultationSupports(votesFor, against, policy.lma.supportThreshold);
      details.consultation = { for: votesFor, against, supported };
      if (!supported) notSupported(decision);
    },
  );
}

/** §1.8: a group without a legal form constitutes a formal body to run the service. */
async function formalBody(ctx: Agreement): Promise<void> {
  const { details, tasks, groupStep } = ctx;
  if (details.group.legalForm !== 'none') return;
  await tasks.decide(
    {
      taskId: 'formal-body',
      kind: 'register_formal_body',
      title: 'Constitute a formal body to run the service',
      role: 'resident_rep',
      outcomes: ['registered'],
      dueInWorkingDays: groupStep,
    },
    async (decision) => {
      details.group = {
        ...details.group,
        legalForm: decision.form.legalForm,
        registration: decision.form.reference,
      };
    },
  );
}
