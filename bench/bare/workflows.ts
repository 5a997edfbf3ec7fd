import { condition, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createBareActivities } from './activities';

// The baseline the benchmark compares the service with: a bare Temporal workflow whose update runs
// one activity doing one INSERT, on the same server and machine.

const { recordDecision } = proxyActivities<ReturnType<typeof createBareActivities>>({ startToCloseTimeout: '10 seconds' });

export const decideUpdate = defineUpdate<number, [{ decision: number }]>('decide');

export async function bareProcess(): Promise<void> {
  let decisions = 0;
  setHandler(decideUpdate, async ({ decision }) => {
    await recordDecision({ decision });
    decisions += 1;
    return decisions;
  });
  await condition(() => false);
}
