import type { Client } from '@temporalio/client';
import { historyFromJSON, historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Worker, bundleWorkflowCode, type ReplayWorkerOptions } from '@temporalio/worker';

type WorkflowBundle = NonNullable<ReplayWorkerOptions['workflowBundle']>;

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
const asHistory = (history: History | unknown): History =>
  typeof (history as History).events?.[0]?.eventType === 'number' ? (history as History) : historyFromJSON(history);

/**
 * The first event at which the code parts from the history. The replayer says that it diverged, not
 * where, so this replays the history cut after each workflow task, in one batch, and finds the first
 * cut that fails: the divergence is among the commands of that task, reported as its first event.
 */
async function firstDivergentEvent(bundle: WorkflowBundle, history: History): Promise<number | undefined> {
  const events = history.events ?? [];
  const completed = events.flatMap((event, index) => (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED ? [index] : []));
  const cuts = completed.map((index) => {
    let end = index + 1;
    while (end < events.length && events[end]?.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) end += 1;
    return end;
  });
  const prefixes = cuts.map((end, k) => ({ workflowId: `cut-${k}`, history: { events: events.slice(0, end) } }));
  let first: number | undefined;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, prefixes)) {
    const k = Number(result.workflowId.slice('cut-'.length));
    if (result.error && (first === undefined || k < first)) first = k;
  }
  if (first === undefined) return undefined;
  const index = completed[first] as number;
  const event = events[index + 1] ?? events[index];
  return Number(String(event?.eventId));
}

/** Replays histories against workflow code with the SDK's replayer; a divergence names its event. */
export async function replayRuns(bundle: WorkflowBundle, processId: string, runs: { runId: string; history: History | unknown }[]): Promise<ReplayReport> {
  const results: RunReplay[] = [];
  for (const run of runs) {
    const history = asHistory(run.history);
    try {
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, `${processId}/${run.runId}`);
      results.push({ runId: run.runId, deterministic: true });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const eventId = await firstDivergentEvent(bundle, history);
      results.push({ runId: run.runId, deterministic: false, divergence: { message, ...(eventId === undefined ? {} : { eventId }) } });
    }
  }
  return { processId, deterministic: results.every((r) => r.deterministic), runs: results };
}
