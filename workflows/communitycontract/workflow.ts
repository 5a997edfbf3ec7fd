import type { CommunityContractStartInput } from './messages';
import { agreeTheContract, gatherPriorities } from './steps/agreeing';
import { contractFrame, contractOf } from './steps/context';
import { keepInForce } from './steps/in-force';
import { endTheContract, nextYear, reviewTheYear } from './steps/review';

/**
 * PROCESSES.md §5, a community contract (neighbourhood charter; source 001): residents' priorities
 * agreed with the services that serve the neighbourhood, a standard for each with what residents do and
 * the redress when it is missed, signed by every party; then a year in force (champions' reports,
 * redress cases) and its review, each year a run of its own.
 */
export async function communityContract(input: CommunityContractStartInput): Promise<void> {
  const frame = contractFrame(input);
  const ctx = contractOf(input, frame);
  await frame.run(async () => {
    if (!input.carry) {
      await gatherPriorities(ctx);
      if (!(await agreeTheContract(ctx, 'first'))) return;
    }
    await keepInForce(ctx);
    const outcome = await reviewTheYear(ctx);
    if (outcome === 'end') return endTheContract(ctx);
    if (outcome === 'revise' && !(await agreeTheContract(ctx, 'revision'))) return;
    await nextYear(ctx);
  });
}
