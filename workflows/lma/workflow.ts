import { condition, patched } from '@temporalio/workflow';
import { processFrame } from '../common/frame';
import { DEFAULT_COMMON_POLICY } from '../common/policy';
import {
  LMA_FORMS,
  LMA_KIND,
  LMA_STAGES,
  LMA_WITHDRAWN_BY,
  lmaBusinessKey,
  lmaGroupKey,
  type LmaDetails,
  type LmaStartInput,
  type LmaForms,
} from './messages';
import { LMA_POLICY_DEFAULTS } from './policy';
import { appointAdviser } from './steps/adviser';
import { agreementOf } from './steps/context';
import { setUp } from './steps/set-up';
import { takeVariationRequests } from './steps/variation';
import { firstTerm, runTerm } from './steps/term';

/** PROCESSES.md §1, Local Management Agreement: expression of interest to signed agreement, then a run per term. */
export async function localManagementAgreement(input: LmaStartInput): Promise<void> {
  // Processes started before the engine core (inbox, timeline, deadlines, notifications, documents)
  // replay without it; see test/histories/lma-v1-adviser-appointed.json.
  const withEngine = patched('engine-core');
  const policy = input.policy ?? { ...DEFAULT_COMMON_POLICY, lma: LMA_POLICY_DEFAULTS };
  const carry = input.carry;
  const frame = processFrame<LmaDetails, LmaForms>({
    kind: LMA_KIND,
    forms: LMA_FORMS,
    council: input.council,
    groupKey: lmaGroupKey(input.group.name),
    title: `Local Management Agreement: ${input.group.name}, ${input.estate}`,
    businessKey: lmaBusinessKey(input),
    startedBy: input.startedBy,
    ...(carry ? { startedAt: carry.startedAt, keyPrefix: `t${carry.term}:` } : {}),
    stage: carry ? LMA_STAGES.operating : LMA_STAGES.adviserAppointment,
    policy,
    details: {
      estate: input.estate,
      group: {
        name: input.group.name,
        legalForm: carry?.legalForm ?? input.group.legalForm,
        ...(carry?.registration ? { registration: carry.registration } : {}),
      },
      services: input.services,
      // What the set-up recorded, as it recorded it; a carry from before the figures were carried says
      // only what its signed agreement proves (support was shown), never figures it does not have.
      ...(carry
        ? {
            adviser: carry.adviser,
            consultation: carry.consultation ?? { supported: true },
            insurance: carry.insurance ?? { insuredBy: carry.insuredBy },
          }
        : {}),
      ...(carry?.training ? { training: carry.training } : {}),
    },
    withdrawnBy: LMA_WITHDRAWN_BY,
    withoutEngine: !withEngine,
  });
  const ctx = agreementOf(input, frame, policy, withEngine);

  // Variation requests during a term are queued on the context and taken up by the term's variation loop.
  takeVariationRequests(ctx);

  await frame.run(async () => {
    if (!carry) {
      await appointAdviser(ctx);
      // Processes that reached the outline plan before the rest of the process was built wait there,
      // as do processes started before the engine core, which the rest of the process needs.
      if (!withEngine || !patched('lma-full-process')) {
        await condition(() => false);
        return;
      }
      const signed = await setUp(ctx);
      if (!signed) return;
      return firstTerm(ctx, signed);
    }
    return runTerm(ctx, carry.term, carry.termStart, carry.agreement, carry.agreementDocumentId);
  });
}
