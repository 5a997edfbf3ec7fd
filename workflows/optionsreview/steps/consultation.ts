import { sleepUntil } from '../../common/clock';
import { dateInWords } from '../../common/format';
import { OPTIONS_REVIEW_STAGES, type OptionsReviewDetails } from '../messages';
import type { Consultation, Review } from './context';

/** §3.6: the consultation runs its days, the external overseer certifies its result, then the council decides. */
export async function consultTenants(r: Review): Promise<Consultation> {
  const { details, tasks, step, moveTo } = r;
  const consultation = details.consultation as NonNullable<OptionsReviewDetails['consultation']>;
  await moveTo(
    OPTIONS_REVIEW_STAGES.consultation,
    `The consultation opens (${consultation.method.replace(/_/g, ' ')}), overseen by ${details.overseer?.organisation}, until ${dateInWords(consultation.closesAt)}`,
  );
  await sleepUntil(consultation.closesAt);
  await tasks.decide(
    {
      taskId: 'consultation-result',
      kind: 'record_consultation_result',
      title: 'Certify the result of the consultation of tenants',
      role: 'scrutineer',
      outcomes: ['record'],
      data: { method: consultation.method, recommended: details.shortlist?.recommended },
      dueInWorkingDays: step,
    },
    async (d) => {
      consultation.result = {
        eligible: Number(d.form.eligible),
        responses: Number(d.form.responses),
        forRecommended: Number(d.form.forRecommended),
        against: Number(d.form.against),
      };
    },
  );
  await r.acknowledgement;
  await moveTo(OPTIONS_REVIEW_STAGES.councilDecision, 'The consultation result is certified; the council decides');
  return consultation;
}
