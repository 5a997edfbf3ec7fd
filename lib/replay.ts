import type { Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Worker, bundleWorkflowCode, type ReplayWorkerOptions } from '@temporalio/worker';
import * as vmShared from '@temporalio/worker/lib/workflow/vm-shared';

type WorkflowBundle = NonNullable<ReplayWorkerOptions['workflowBundle']>;

/** When replays ran (epoch milliseconds; `to` unset while one runs), the latest few. */
const replayPeriods: { from: number; to?: number }[] = [];

/** Notes the time `results` runs as a replay period (see isReplayDivergenceLog). */
async function* whileReplaying<T>(results: AsyncIterable<T>): AsyncGenerator<T> {
  const period: { from: number; to?: number } = { from: Date.now() };
  replayPeriods.push(period);
  if (replayPeriods.length > 32) replayPeriods.shift();
  try {
    yield* results;
  } finally {
    period.to = Date.now();
  }
}

/**
 * Whether an SDK log line is a replay worker failing a history on nondeterminism: the replay's result,
 * reported by it (`divergence`), not a worker fault. The core's lines reach JavaScript a little after
 * they are written, so the line's own time is matched against the replays' times. The API, which
 * replays for auditors, runs no other worker; a worker process never replays.
 */
export function isReplayDivergenceLog(
  message: string,
  meta: Record<string | symbol, unknown> | undefined,
  timestampNanos?: bigint,
): boolean {
  if (message !== 'Failing workflow task' || !/Nondetermin/i.test(String(meta?.failure ?? ''))) return false;
  const at = Number(
    (timestampNanos ?? (meta?.[Symbol.for('log_timestamp')] as bigint | undefined) ?? BigInt(Date.now()) * 1_000_000n) / 1_000_000n,
  );
  // A millisecond either side for the clocks' granularity.
  return replayPeriods.some((period) => at >= period.from - 1 && at <= (period.to ?? Infinity) + 1);
}

/** One run of a process (a process continues as new each term; a child workflow has its own), with its full event history. */
export interface ProcessRun {
  workflowId: string;
  runId: string;
  status: string;
  startTime: string;
  history: History;
}

export interface RunReplay {
  runId: string;
  deterministic: boolean;
  /** Where the current code first does something else than the history records. */
  divergence?: { eventId?: number; message: string };
}

export interface ReplayReport {
  processId: string;
  deterministic: boolean;
  runs: RunReplay[];
}

/** Every run of a process and of its child workflows (which carry its id as business key), oldest first, each with its history. */
export async function processRuns(client: Client, processId: string): Promise<ProcessRun[]> {
  const runs: ProcessRun[] = [];
  const id = processId.replace(/'/g, "\\'");
  for await (const run of client.workflow.list({ query: `WorkflowId = '${id}' OR BusinessKey = '${id}'` })) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    runs.push({ workflowId: run.workflowId, runId: run.runId, status: run.status.name, startTime: run.startTime.toISOString(), history });
  }
  return runs.sort((a, b) => a.startTime.localeCompare(b.startTime));
}

/** A run's history as the JSON the Temporal CLI and UI read and write. */
export const historyJson = (history: History): unknown => JSON.parse(historyToJSON(history));

const quiet = new DefaultLogger('ERROR');

/**
 * Replay never answers the `__stack_trace` query, yet the SDK captures a stack trace for every promise
 * workflow code creates, which is half of a replay's time. Replay workers run in this thread (a live
 * worker runs its workflows in threads of their own), so the capture is switched off here before the
 * first replay installs it. On an SDK laid out otherwise this does nothing and replay is just slower.
 */
function skipPromiseStackTraces(): void {
  const handlers = (vmShared as unknown as { globalHandlers?: { installed?: boolean; setPromiseHook?: () => void } }).globalHandlers;
  if (handlers && !handlers.installed && typeof handlers.setPromiseHook === 'function') handlers.setPromiseHook = () => undefined;
}

/** The workflow code to replay against: a prebuilt bundle, or the project's workflows bundled once. */
export function workflowCode(bundlePath?: string, workflowsPath?: string): () => Promise<WorkflowBundle> {
  let bundled: Promise<WorkflowBundle> | undefined;
  return () => {
    if (bundlePath) return Promise.resolve({ codePath: bundlePath });
    bundled ??= bundleWorkflowCode({ workflowsPath: workflowsPath ?? require.resolve('../workflows'), logger: quiet });
    return bundled;
  };
}

const EventType = temporal.api.enums.v1.EventType;
/** The events a workflow task's commands write, recorded with it after its WorkflowTaskCompleted. */
const COMMAND_EVENTS = new Set<number>(
  [
    EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
    EventType.EVENT_TYPE_TIMER_STARTED,
    EventType.EVENT_TYPE_TIMER_CANCELED,
    EventType.EVENT_TYPE_MARKER_RECORDED,
    EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
    EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
    EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_REJECTED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  ].map(Number),
);
const asHistory = (history: History | unknown): History =>
  replayablePart(typeof (history as History).events?.[0]?.eventType === 'number' ? (history as History) : historyFromJSON(history));

/** One run to replay: its process, its workflow (a child's own id; ids of children derive from it) and its history. */
export interface ReplayInput {
  processId: string;
  workflowId: string;
  runId: string;
  history: History | unknown;
}

/**
 * Where a completed workflow task's record ends: after its own commands. An event that came in after
 * them (a timer fired, a signal) would have the replayed code act on it with nothing recorded to
 * answer, e.g. a local activity the replay worker cannot run.
 */
function endOfTask(events: temporal.api.history.v1.IHistoryEvent[], completedIndex: number): number {
  let end = completedIndex + 1;
  while (end < events.length && COMMAND_EVENTS.has(Number(events[end]?.eventType))) end += 1;
  return end;
}

const CLOSED = new Set<number>(
  [
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  ].map(Number),
);

/**
 * What of a run's history there is to replay: all of a closed run's; of a running one, up to its last
 * completed workflow task (a timer fired or a signal since is work its worker has not done yet).
 */
function replayablePart(history: History): History {
  const events = history.events ?? [];
  if (events.length === 0 || CLOSED.has(Number(events.at(-1)?.eventType))) return history;
  const lastCompleted = events.map((event) => Number(event.eventType)).lastIndexOf(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  if (lastCompleted < 0) return history;
  const end = endOfTask(events, lastCompleted);
  return end === events.length ? history : { ...history, events: events.slice(0, end) };
}

/**
 * The first event at which the code parts from the history. The replayer says that it diverged, not
 * where, so this replays the history cut after each workflow task, in one batch, and finds the first
 * cut that fails: the divergence is among the commands of that task, reported as its first event.
 */
async function firstDivergentEvent(bundle: WorkflowBundle, history: History, workflowId: string): Promise<number | undefined> {
  const events = history.events ?? [];
  const completed = events.flatMap((event, index) => (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED ? [index] : []));
  const cuts = completed.map((index) => endOfTask(events, index));
  // The real workflow id for every cut (child workflow ids derive from it); results come in order.
  const prefixes = cuts.map((end) => ({ workflowId, history: { events: events.slice(0, end) } }));
  let k = 0;
  for await (const result of whileReplaying(Worker.runReplayHistories({ workflowBundle: bundle }, prefixes))) {
    if (result.error) {
      const index = completed[k] as number;
      const event = events[index + 1] ?? events[index];
      return Number(String(event?.eventId));
    }
    k += 1;
  }
  return undefined;
}

/**
 * Replays runs against workflow code with one replay worker for all of them (not one per run), and
 * yields each result as it comes, so a council's thousands of histories stream and stay in bounds.
 */
export async function* replayStream(
  bundle: WorkflowBundle,
  inputs: AsyncIterable<ReplayInput> | Iterable<ReplayInput>,
): AsyncGenerator<RunReplay & { processId: string; workflowId: string }> {
  const pending: (ReplayInput & { history: History })[] = [];
  async function* feed() {
    for await (const input of inputs) {
      const history = asHistory(input.history);
      pending.push({ ...input, history });
      yield { workflowId: input.workflowId, history };
    }
  }
  skipPromiseStackTraces();
  for await (const result of whileReplaying(Worker.runReplayHistories({ workflowBundle: bundle }, feed()))) {
    // One history at a time, in order: this result is the oldest one fed.
    const input = pending.shift() as ReplayInput & { history: History };
    const run = { processId: input.processId, workflowId: input.workflowId, runId: input.runId };
    if (!result.error) {
      yield { ...run, deterministic: true };
      continue;
    }
    const eventId = await firstDivergentEvent(bundle, input.history, input.workflowId);
    yield { ...run, deterministic: false, divergence: { message: result.error.message, ...(eventId === undefined ? {} : { eventId }) } };
  }
}

/** The runs of one process as the replay needs them. */
export const inputsOf = (processId: string, runs: { workflowId?: string; runId: string; history: History | unknown }[]): ReplayInput[] =>
  runs.map((run) => ({ processId, workflowId: run.workflowId ?? processId, runId: run.runId, history: run.history }));

/**
 * Gathers replay results into a report for each process, in the order given (`processIds`, or as they
 * come); `progress` hears of each run as it is replayed.
 */
export async function reportsOf(
  results: AsyncIterable<RunReplay & { processId: string }>,
  processIds: string[] = [],
  progress?: (run: RunReplay) => void | Promise<void>,
): Promise<ReplayReport[]> {
  const reports = new Map<string, ReplayReport>(processIds.map((processId) => [processId, { processId, deterministic: true, runs: [] }]));
  for await (const { processId, runId, deterministic, divergence } of results) {
    const run = { runId, deterministic, ...(divergence ? { divergence } : {}) };
    const report = reports.get(processId) ?? { processId, deterministic: true, runs: [] };
    reports.set(processId, report);
    report.runs.push(run);
    report.deterministic &&= deterministic;
    await progress?.(run);
  }
  return [...reports.values()];
}

/** Replays the runs of one process; a divergence names its event. */
export async function replayRuns(
  bundle: WorkflowBundle,
  processId: string,
  runs: { workflowId?: string; runId: string; history: History | unknown }[],
): Promise<ReplayReport> {
  const [report] = await reportsOf(replayStream(bundle, inputsOf(processId, runs)), [processId]);
  return report as ReplayReport;
}

/** Every run of each process in turn, fetched as the replay needs them (for a council's batch). */
export async function* runsOfProcesses(client: Client, processIds: Iterable<string>): AsyncGenerator<ReplayInput> {
  for (const processId of processIds) {
    for (const run of await processRuns(client, processId))
      yield { processId, workflowId: run.workflowId, runId: run.runId, history: run.history };
  }
}
