import { person } from '../../common/roles';
import { TASK_REFUSALS } from '../../common/tasks';
import { LMA_STAGES, requestVariationUpdate } from '../messages';
import type { Agreement } from './context';

/**
 * §1.10: the group or its housing manager asks for a variation while the agreement operates; the
 * request is queued on the context and taken up by the term's variation loop, one at a time.
 */
export function takeVariationRequests(ctx: Agreement): void {
  const { frame, details } = ctx;
  frame.command(requestVariationUpdate, {
    roles: ['resident_rep', 'housing_manager'],
    whoMay: 'the group or its housing manager asks for a variation',
    notNow: (stage) =>
      stage !== LMA_STAGES.operating && stage !== LMA_STAGES.annualReview
        ? {
            type: TASK_REFUSALS.notNow,
            message: `an agreement can be varied only while it is in operation (the process is at ${stage.replace(/_/g, ' ')})`,
          }
        : undefined,
    refuseWhen: () =>
      details.variationInProgress ? `variation ${details.variationInProgress.number} is still being drafted and signed` : undefined,
    reasonsRequired: true,
    handle: async (request) => {
      ctx.variationRequest = request;
      ctx.variations += 1;
      details.variationInProgress = {
        number: ctx.variations,
        requestedBy: { ...person(request.actor), ...(request.actor.name ? { name: request.actor.name } : {}) },
        reasons: request.reasons,
      };
      await frame.engine?.event('variation_requested', `Variation ${ctx.variations} requested: ${request.reasons}`, {
        actor: request.actor,
        command: { action: 'process.request_variation', details: { reasons: request.reasons, variation: ctx.variations } },
      });
      return { stage: frame.stage(), variation: ctx.variations };
    },
  });
}
