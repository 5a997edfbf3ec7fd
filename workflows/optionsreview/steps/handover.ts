import { patched } from '@temporalio/workflow';
import { managementAgreementEndedSignal } from '../../almo/messages';
import { type DecisionRecord } from '../../common/tasks';
import { AGREEMENT_END_NOT_TOLD, HANDOVER_ITEMS, type HandoverItem, OPTIONS_REVIEW_STAGES } from '../messages';
import { onDate, type Review } from './context';

/** §3.8: the handover, each part with its owner; ending the Management Agreement ends the establishment's. */
export async function handOver(r: Review, decision: DecisionRecord): Promise<{ transferDate: string; listensFromTransfer: boolean }> {
  const { frame, details, tasks, step, establishmentId, moveTo } = r;
  const transferDate = details.decision?.transferDate ?? '';
  await moveTo(
    OPTIONS_REVIEW_STAGES.handover,
    `The service comes in-house on ${onDate(transferDate)}; the handover begins`,
    decision.actor,
  );
  await Promise.all(
    (Object.entries(HANDOVER_ITEMS) as [HandoverItem, (typeof HANDOVER_ITEMS)[HandoverItem]][]).map(([item, { name, role }]) =>
      tasks.decide(
        {
          taskId: `handover-${item.replace('_', '-')}`,
          kind: 'complete_handover',
          title: `Handover to the council: ${name}`,
          role,
          outcomes: ['done'],
          data: { transferDate },
          dueInWorkingDays: step,
        },
        async (d) => {
          details.handover = { ...details.handover, [item]: d.form.summary };
          if (item !== 'management_agreement' || details.original?.from !== 'almo_establishment') return;
          details.agreementEnded = { establishmentProcessId: establishmentId, signalled: false };
          try {
            await frame.signal(establishmentId, managementAgreementEndedSignal, {
              reviewProcessId: frame.processId,
              endsOn: transferDate,
              by: d.actor,
              reasons: decision.reasons ?? '',
            });
            details.agreementEnded.signalled = true;
          } catch (err) {
            // Seen, not swallowed: the establishment could not be told (it has already ended).
            details.agreementEnded.notTold = err instanceof Error ? err.message : String(err);
            if (patched('agreement-end-failure-recorded')) {
              await frame.engine?.event(
                AGREEMENT_END_NOT_TOLD,
                `The ALMO establishment ${establishmentId} could not be told that its Management Agreement ends: ${details.agreementEnded.notTold}`,
              );
            }
          }
        },
      ),
    ),
  );
  // From this version the listening programme begins on the transfer date (runs from before began it at once).
  const listensFromTransfer = patched('listening-from-transfer');
  await frame.note(
    `Handover done: the service is in-house from ${onDate(transferDate)}${listensFromTransfer ? ', when the listening programme begins' : ''}${details.agreementEnded?.signalled ? `; the Management Agreement of ${establishmentId} is ended` : ''}`,
  );
  return { transferDate, listensFromTransfer };
}
