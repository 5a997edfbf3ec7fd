import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../activities';
import { WORKFLOWS_PATH } from './workflows-path';

export interface WorkerSetup extends ActivityDependencies {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A prebuilt bundle (production, tests); without it the workflows are bundled from source. */
  workflowBundlePath?: string;
  /** Processes kept in memory (WORKER_MAX_CACHED_WORKFLOWS); the SDK's default when unset. */
  maxCachedWorkflows?: number;
  /** Activity interceptors (tests make local activities finish out of order with one). */
  interceptors?: WorkerOptions['interceptors'];
}

export async function createWorker({
  connection,
  namespace,
  taskQueue,
  workflowBundlePath,
  maxCachedWorkflows,
  interceptors,
  ...deps
}: WorkerSetup): Promise<Worker> {
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = workflowBundlePath
    ? { workflowBundle: { codePath: workflowBundlePath } }
    : { workflowsPath: WORKFLOWS_PATH };
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...workflows,
    activities: createActivities(deps),
    ...(maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows }),
    ...(interceptors ? { interceptors } : {}),
    // A stop (SIGTERM) gives in-flight writes a moment, then ends even if Temporal is down: every write
    // is keyed, so one cut short is retried by its process, not lost.
    shutdownGraceTime: '2s',
    shutdownForceTime: '4s',
  });
}
