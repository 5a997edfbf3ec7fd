import { setTimeout as sleep } from 'node:timers/promises';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Makes a workflow's local activities finish in the reverse of the order they started whenever two
 * are in flight at once: one that starts alone is held a little, so one started after it finishes
 * first. That is how a live run meets a slow write; on replay the SDK resolves them in the order they
 * were started, so a workflow whose next commands depend on which finished first cannot replay.
 */
export function localActivitiesOutOfOrder(holdMs = 40): ActivityInterceptorsFactory {
  const inFlight = new Map<string, number>();
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const run = ctx.info.workflowExecution?.runId;
        if (!ctx.info.isLocal || !run) return next(input);
        const before = inFlight.get(run) ?? 0;
        inFlight.set(run, before + 1);
        try {
          if (before === 0) await sleep(holdMs);
          return await next(input);
        } finally {
          const left = (inFlight.get(run) ?? 1) - 1;
          if (left === 0) inFlight.delete(run);
          else inFlight.set(run, left);
        }
      },
    },
  });
}
