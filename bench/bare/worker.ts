// The bare baseline's worker, run as a process of its own like the service's worker.
import { NativeConnection, Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { createBareActivities } from './activities';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS as string });
  try {
    const worker = await Worker.create({
      connection,
      taskQueue: process.env.TEMPORAL_TASK_QUEUE as string,
      workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH as string },
      activities: createBareActivities(pool),
    });
    await worker.run();
  } finally {
    await connection.close();
    await pool.end();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
