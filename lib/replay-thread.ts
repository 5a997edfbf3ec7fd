import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker as Thread, isMainThread, parentPort, threadId, workerData } from 'node:worker_threads';
import { historyFromJSON, type History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { isReplayDivergenceLog, replayStream, type ReplayInput, type RunReplay } from './replay';
import { FORWARD_CORE_LOGS } from './temporal-log';

type WorkflowBundle = Parameters<typeof replayStream>[0];
type ReplayResult = RunReplay & { processId: string; workflowId: string };

/** What the main thread sends: a run to replay (its history as protobuf bytes, handed over, not copied), or the end. */
type ToThread = { run: Omit<ReplayInput, 'history'> & { history: Uint8Array } } | { end: true };

const HistoryMessage = temporal.api.history.v1.History;

/** A history as protobuf bytes, in a buffer of its own (so it can be transferred): far cheaper to make and read than its JSON. */
function historyBytes(history: History | unknown): Uint8Array {
  const message = typeof (history as History).events?.[0]?.eventType === 'number' ? (history as History) : historyFromJSON(history);
  // Copied out of the encoder's buffer (Node's shared pool, which cannot be transferred).
  return new Uint8Array(HistoryMessage.encode(message).finish());
}
/** What the thread answers: a run's result (with the thread it ran on), or why it stopped. */
type FromThread = { result: ReplayResult; threadId: number } | { error: string };

/** One replay thread: replays the runs it is given in order, and answers each result in that order. */
class ReplayThread {
  private readonly thread: Thread;
  private readonly waiting: { resolve: (answer: ReplayResult & { threadId: number }) => void; reject: (err: Error) => void }[] = [];
  private exited: Error | undefined;

  constructor(bundle: WorkflowBundle) {
    this.thread = startThread(bundle);
    this.thread.on('message', (message: FromThread) => {
      const waiting = this.waiting.shift();
      if ('error' in message) waiting?.reject(new Error(`replay failed: ${message.error}`));
      else waiting?.resolve({ ...message.result, threadId: message.threadId });
    });
    const stopped = (err: Error) => {
      this.exited ??= err;
      for (const waiting of this.waiting.splice(0)) waiting.reject(this.exited);
    };
    this.thread.on('error', stopped);
    this.thread.on('exit', (code) => stopped(new Error(`the replay thread stopped (exit ${code})`)));
  }

  replay(input: ReplayInput): Promise<ReplayResult & { threadId: number }> {
    if (this.exited) return Promise.reject(this.exited);
    const history = historyBytes(input.history);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.thread.postMessage({ run: { ...input, history } } satisfies ToThread, [history.buffer as ArrayBuffer]);
    });
  }

  end(): Promise<void> {
    return endThread(this.thread);
  }
}

/** Replay threads for this machine: one per core. */
export const replayThreadsHere = (): number => availableParallelism();

/**
 * Replays runs in threads of their own (`threads`, one per core unless told), so a long history
 * (thousands of events) never holds the API's event loop and a council's histories replay on every
 * core: the main thread only fetches histories and hands them over, two runs to a thread at a time,
 * so a council's thousands of histories are never all in memory. Yields the results in the order of the
 * runs, each with the id of the thread that replayed it, as they come. A consumer that stops early
 * (a client gone) ends the threads, each once its run is done.
 */
export async function* replayOffThread(
  bundle: WorkflowBundle,
  inputs: AsyncIterable<ReplayInput> | Iterable<ReplayInput>,
  threads = replayThreadsHere(),
): AsyncGenerator<ReplayResult & { threadId: number }> {
  const pool = Array.from({ length: Math.max(1, threads) }, () => new ReplayThread(bundle));
  // Two runs given to each thread at a time: the next is there when it finishes one, so it never waits on this thread.
  const idle = pool.flatMap((thread) => [thread, thread]);
  const running = new Set<Promise<void>>();
  const done = new Map<number, ReplayResult & { threadId: number }>();
  let sent = 0;
  let yielded = 0;
  async function* inOrder() {
    while (done.has(yielded)) {
      const result = done.get(yielded) as ReplayResult & { threadId: number };
      done.delete(yielded);
      yielded += 1;
      yield result;
    }
  }
  const hand = (input: ReplayInput) => {
    const thread = idle.pop() as ReplayThread;
    const seq = sent;
    sent += 1;
    const replayed: Promise<void> = thread.replay(input).then((result) => {
      done.set(seq, result);
      idle.push(thread);
      running.delete(replayed);
    });
    // Its failure is heard by the race below; marked handled so that it does not end the process meanwhile.
    replayed.catch(() => undefined);
    running.add(replayed);
  };
  try {
    for await (const input of inputs) {
      while (idle.length === 0) {
        await Promise.race(running);
        yield* inOrder();
      }
      hand(input);
    }
    while (running.size > 0) {
      await Promise.race(running);
      yield* inOrder();
    }
  } finally {
    await Promise.allSettled(running);
    await Promise.all(pool.map((thread) => thread.end()));
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
      yield { ...message.run, history: HistoryMessage.decode(message.run.history) };
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
