import path from 'node:path';
import { Worker as Thread, isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { isReplayDivergenceLog, replayStream, type ReplayInput, type RunReplay } from './replay';
import { FORWARD_CORE_LOGS } from './temporal-log';

type WorkflowBundle = Parameters<typeof replayStream>[0];
type ReplayResult = RunReplay & { processId: string; workflowId: string };

/** What the main thread sends: a run to replay (its history as the Temporal CLI's JSON), or the end. */
type ToThread = { run: Omit<ReplayInput, 'history'> & { history: string } } | { end: true };
/** What the thread answers: a run's result (with the thread it ran on), or why it stopped. */
type FromThread = { result: ReplayResult; threadId: number } | { error: string };

/**
 * Replays runs in a thread of its own, so a long history (thousands of events) never holds the API's
 * event loop: the main thread only fetches histories and hands them over, one at a time, and gets each
 * result back as it comes. Yields the results in order, each with the id of the thread that replayed it.
 */
export async function* replayOffThread(
  bundle: WorkflowBundle,
  inputs: AsyncIterable<ReplayInput> | Iterable<ReplayInput>,
): AsyncGenerator<ReplayResult & { threadId: number }> {
  const thread = startThread(bundle);
  const answers: FromThread[] = [];
  let wake: (() => void) | undefined;
  let exited: Error | undefined;
  thread.on('message', (message: FromThread) => {
    answers.push(message);
    wake?.();
  });
  thread.on('error', (err) => {
    exited = err;
    wake?.();
  });
  thread.on('exit', (code) => {
    exited ??= new Error(`the replay thread stopped (exit ${code})`);
    wake?.();
  });
  const next = async (): Promise<FromThread> => {
    while (answers.length === 0) {
      if (exited) throw exited;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return answers.shift() as FromThread;
  };
  try {
    for await (const input of inputs) {
      // One run in the thread at a time: a council's thousands of histories are never all in memory.
      const history =
        typeof (input.history as History).events?.[0]?.eventType === 'number'
          ? historyToJSON(input.history as History)
          : JSON.stringify(input.history);
      thread.postMessage({ run: { ...input, history } } satisfies ToThread);
      const answer = await next();
      if ('error' in answer) throw new Error(`replay failed: ${answer.error}`);
      yield { ...answer.result, threadId: answer.threadId };
    }
  } finally {
    await endThread(thread);
  }
}

/** How long a replay thread has to finish its run and stop by itself before it is stopped. */
const THREAD_END_MS = 10_000;

/**
 * Ends a replay thread by asking it to (it finishes the run it is on, and its SDK runtime shuts down
 * with its replay worker), and stops it only if it has not ended in time: a thread terminated while
 * the SDK's native code still calls into it (its log forwarding) aborts the whole process.
 */
async function endThread(thread: Thread): Promise<void> {
  const ended = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  if (thread.threadId === -1) return;
  thread.postMessage({ end: true } satisfies ToThread);
  let late: NodeJS.Timeout | undefined;
  const tooLate = new Promise<'late'>((resolve) => {
    late = setTimeout(() => resolve('late'), THREAD_END_MS);
  });
  const how = await Promise.race([ended, tooLate]).finally(() => clearTimeout(late));
  if (how === 'late') await thread.terminate();
}

/** The thread runs this module itself; from source (tsx, jest) it loads it through tsx's require hook. */
function startThread(bundle: WorkflowBundle): Thread {
  const options = { workerData: { bundle } };
  if (__filename.endsWith('.js')) return new Thread(__filename, options);
  return new Thread(`require('tsx/cjs'); require(${JSON.stringify(path.resolve(__filename))});`, { ...options, eval: true });
}

/** In the thread: replays the runs the main thread sends, with one replay worker for all of them. */
async function serveReplays(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const queue: ToThread[] = [];
  let wake: (() => void) | undefined;
  port.on('message', (message: ToThread) => {
    queue.push(message);
    wake?.();
  });
  async function* runs(): AsyncGenerator<ReplayInput> {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const message = queue.shift() as ToThread;
      if ('end' in message) return;
      yield { ...message.run, history: JSON.parse(message.run.history) as unknown };
    }
  }
  // The thread's own SDK runtime: a divergence is this replay's result, reported with it, not a warning.
  const print = new DefaultLogger('WARN');
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      if (!isReplayDivergenceLog(entry.message, entry.meta, entry.timestampNanos)) print.log(entry.level, entry.message, entry.meta);
    }),
    telemetryOptions: FORWARD_CORE_LOGS,
  });
  try {
    for await (const result of replayStream((workerData as { bundle: WorkflowBundle }).bundle, runs()))
      port.postMessage({ result, threadId } satisfies FromThread);
  } catch (err) {
    port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies FromThread);
  }
  port.close();
}

if (!isMainThread && (workerData as { bundle?: unknown } | null)?.bundle) void serveReplays();
