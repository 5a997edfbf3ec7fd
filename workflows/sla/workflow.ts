import { slaSetOf } from './steps/context';
import {
  followTheNegotiations,
  negotiateAndSignOff,
  nextCycle,
  openNegotiation,
  signedOffSet,
  slaSetFrame,
  takeRenegotiationRequests,
  tellTheParent,
} from './steps/cycle';
import type { SlaStartInput } from './messages';

/**
 * PROCESSES.md §4, SLA renegotiation between a council and its ALMO (source 004 5.2, 7.7, 8.3): each
 * service benchmarked, negotiated in parallel (a child workflow each), deadlocks escalated, the set
 * signed off, the impact on the council's central services reported; then a run per cycle, the next
 * one opening the policy's months before the new SLAs expire. Serves a first agreement too.
 */
export async function slaRenegotiation(input: SlaStartInput): Promise<void> {
  const frame = slaSetFrame(input);
  const ctx = slaSetOf(input, frame);
  takeRenegotiationRequests(ctx);
  followTheNegotiations(ctx);
  await frame.run(async () => {
    await openNegotiation(ctx);
    await negotiateAndSignOff(ctx);
    const signed = await signedOffSet(ctx);
    delete ctx.details.renegotiationRequested;
    if (ctx.parent) await tellTheParent(ctx, signed);
    else await nextCycle(ctx, signed);
  });
}

export { slaServiceNegotiation } from './negotiation';
