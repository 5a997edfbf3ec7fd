import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { status as grpcStatus } from '@grpc/grpc-js';
import { processViewQuery, type ProcessView } from '../workflows/common/process';
import { TASK_REFUSALS } from '../workflows/common/tasks';
import type { PrismaClient } from '../lib/db';
import type { Bulkhead } from './limits';
import { HttpProblem, unavailable } from './problem';

/** Each refusal's status, and what it says was wrong (after what was refused). */
const REFUSALS: Record<string, { status: number; because: string }> = {
  [TASK_REFUSALS.taskNotOpen]: { status: 409, because: 'the task is not open' },
  [TASK_REFUSALS.actorNotAllowed]: { status: 403, because: 'not yours to do' },
  [TASK_REFUSALS.outcomeNotAllowed]: { status: 400, because: 'that outcome is not one of the task’s' },
  [TASK_REFUSALS.reasonRequired]: { status: 400, because: 'reasons are required' },
  [TASK_REFUSALS.invalidForm]: { status: 400, because: 'the form is not complete' },
  [TASK_REFUSALS.malformed]: { status: 400, because: 'the request is not complete' },
  [TASK_REFUSALS.ruleViolation]: { status: 409, because: 'a rule of the process forbids it now' },
  [TASK_REFUSALS.notNow]: { status: 409, because: 'the process is not at a stage that takes it' },
  [TASK_REFUSALS.processEnded]: { status: 409, because: 'the process has ended' },
};

const slugOf = (type: string): string => type.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();

function isWorkflowNotFound(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const cause = (err as { cause?: unknown }).cause;
  return isGrpcServiceError(err) ? err.code === grpcStatus.NOT_FOUND : cause !== undefined && isWorkflowNotFound(cause);
}

/** The gRPC status Temporal answered with, where the client wrapped it (a query's or an update's ServiceError). */
function grpcErrorIn(err: unknown): { code: number; details: string } | undefined {
  for (let at = err, depth = 0; at !== undefined && at !== null && depth < 5; at = (at as { cause?: unknown }).cause, depth += 1) {
    if (isGrpcServiceError(at)) return { code: at.code, details: at.details };
  }
  return undefined;
}

/** Turns what the Temporal client throws into the HTTP problem a caller can act on; others pass through. */
const messagesOf = (err: unknown): string =>
  err instanceof Error
    ? `${err.message} ${(err as { details?: string }).details ?? ''} ${messagesOf((err as { cause?: unknown }).cause)}`
    : '';

export function problemFromTemporal(err: unknown, processId: string, refused = 'The decision'): unknown {
  // Temporal answers NOT_FOUND to an update of a run that has completed: the process exists, but has ended.
  if (/already completed/i.test(messagesOf(err))) {
    return new HttpProblem(409, 'process-closed', 'The process has ended', `process ${processId} has ended`);
  }
  if (isWorkflowNotFound(err)) {
    return new HttpProblem(404, 'process-not-found', 'No such process', `no process has the id ${processId}`);
  }
  if (isUnprocessedUpdate(err)) {
    return unavailable(
      'process-busy',
      'The process did not take the request this time; send the same request again shortly',
      `process ${processId}`,
    );
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const type = err.cause.type ?? '';
    const refusal = REFUSALS[type];
    if (refusal) return new HttpProblem(refusal.status, slugOf(type), `${refused} was refused: ${refusal.because}`, err.cause.message);
  }
  const grpc = grpcErrorIn(err);
  if (grpc?.code === grpcStatus.FAILED_PRECONDITION && /completed|closed/i.test(grpc.details)) {
    return new HttpProblem(409, 'process-closed', 'The process has ended', grpc.details);
  }
  if (grpc?.code === grpcStatus.UNAVAILABLE) {
    return unavailable('temporal-unavailable', 'The workflow service is not reachable; try again shortly');
  }
  // The process did not answer in time (busy, no worker running, or its workflow task failing while a
  // worker restarts): nothing is lost, the same request can be sent again (a decision's update id makes it count once).
  if (
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    grpc?.code === grpcStatus.CANCELLED ||
    grpc?.code === grpcStatus.DEADLINE_EXCEEDED ||
    grpc?.code === grpcStatus.FAILED_PRECONDITION
  ) {
    return unavailable('process-busy', 'The process did not answer in time; send the same request again shortly', `process ${processId}`);
  }
  return err;
}

/** How long a command waits for its process to answer before the caller is told to try again. */
export const UPDATE_DEADLINE_MS = 30_000;
/** How long a query (the process view) waits for its process. */
export const QUERY_DEADLINE_MS = 10_000;
/** A call still unanswered after this has Temporal itself checked, so an outage answers 503 in seconds, not at the deadline. */
const TEMPORAL_WATCHDOG_MS = 1_000;
const TEMPORAL_PROBE_MS = 2_000;

/**
 * Runs a Temporal call with a deadline. While it waits, Temporal is probed: if it does not answer the
 * call is abandoned with 503 `temporal-unavailable` (the client would otherwise retry for the whole
 * deadline). Temporal's refusals become HTTP problems.
 */
export async function temporalCall<T>(
  client: Client,
  processId: string,
  call: () => Promise<T>,
  deadlineMs: number,
  refused?: string,
): Promise<T> {
  const abandon = new AbortController();
  let watchdog: NodeJS.Timeout | undefined;
  // Settles only when Temporal is found unreachable; the call is then aborted (the client's own retries with it).
  const unreachable = new Promise<never>((_, reject) => {
    watchdog = setTimeout(() => {
      const probe = new Promise<never>((__, timedOut) => setTimeout(() => timedOut(new Error('no answer')), TEMPORAL_PROBE_MS).unref());
      Promise.race([client.connection.workflowService.getSystemInfo({}), probe]).catch(() => {
        abandon.abort();
        reject(unavailable('temporal-unavailable', 'The workflow service is not reachable; try again shortly'));
      });
    }, TEMPORAL_WATCHDOG_MS);
  });
  try {
    return await Promise.race([
      client.withAbortSignal(abandon.signal, () => client.withDeadline(Date.now() + deadlineMs, call)),
      unreachable,
    ]);
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    throw problemFromTemporal(err, processId, refused);
  } finally {
    clearTimeout(watchdog);
  }
}

/**
 * Temporal's refusal of an update the worker was sent but did not answer in the workflow task it
 * completed (seen when several decisions reach one process at once): the update was never accepted,
 * is not in the history and is not sent again, so sending it again is safe.
 */
const UNPROCESSED_UPDATE = 'UnprocessedUpdate';
const isUnprocessedUpdate = (err: unknown): boolean =>
  err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === UNPROCESSED_UPDATE;
/** How often an update Temporal refused as unprocessed is sent again before the caller is told to retry. */
const UNPROCESSED_UPDATE_ATTEMPTS = 5;

/** Sends an update to a process and waits for its result; Temporal's refusals become HTTP problems. */
export async function updateProcess<Ret, Arg>(
  client: Client,
  processId: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
  {
    updateId,
    deadlineMs = UPDATE_DEADLINE_MS,
    refused,
  }: {
    updateId?: string;
    deadlineMs?: number;
    /** What a refusal's title says was refused, e.g. "The variation request". */ refused?: string;
  } = {},
): Promise<Ret> {
  const deadline = Date.now() + deadlineMs;
  const send = () => client.workflow.getHandle(processId).executeUpdate(update, { args: [arg], ...(updateId ? { updateId } : {}) });
  const sendUntilProcessed = async (): Promise<Ret> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await send();
      } catch (err) {
        if (!isUnprocessedUpdate(err) || attempt >= UNPROCESSED_UPDATE_ATTEMPTS || Date.now() + 50 * attempt >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  };
  return temporalCall(client, processId, sendUntilProcessed, Math.max(1, deadline - Date.now()), refused);
}

/** The process's own view of itself (its query), through the API's bound on queries at once. */
export function queryProcessView(client: Client, processId: string, queries: Bulkhead): Promise<ProcessView> {
  return queries(() =>
    temporalCall(client, processId, () => client.workflow.getHandle(processId).query(processViewQuery), QUERY_DEADLINE_MS),
  );
}

/**
 * Where a process stands: an ended process's view as it wrote it with its end (reading it replays
 * nothing, however long its history), else its query.
 */
export async function processView(
  { client, prisma, queries }: { client: Client; prisma: PrismaClient; queries: Bulkhead },
  processId: string,
): Promise<ProcessView> {
  const row = await prisma.processRecord.findUnique({ where: { id: processId }, select: { finalView: true } });
  if (row?.finalView) return row.finalView as unknown as ProcessView;
  return queryProcessView(client, processId, queries);
}
