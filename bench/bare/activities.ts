import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';

export function createBareActivities(pool: Pool) {
  return {
    async recordDecision({ decision }: { decision: number }): Promise<void> {
      const processId = Context.current().info.workflowExecution?.workflowId ?? 'unknown';
      await pool.query('INSERT INTO bench_decision (process_id, decision, at) VALUES ($1, $2, now()) ON CONFLICT DO NOTHING', [
        processId,
        decision,
      ]);
    },
  };
}
