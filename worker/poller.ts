import type { Logger } from '../lib/logger';

/**
 * Runs `round` now and again `intervalMs` after each ends, until stopped (a failed round is logged and
 * tried again); returns the function that stops it and waits for a round in flight. The outbox
 * dispatcher and the document renderer: work written by one statement, done after it.
 */
export function pollUntilStopped(round: () => Promise<unknown>, logger: Logger, what: string, intervalMs: number): () => Promise<void> {
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    running = round()
      .catch((err: unknown) => logger.error({ err }, `${what} failed; will retry`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  let timer = setTimeout(tick, 0);
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
