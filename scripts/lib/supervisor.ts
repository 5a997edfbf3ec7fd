// Restarts what stops without being asked to, with a growing pause between attempts so a part that
// cannot start (a bad configuration, a port taken) does not spin.

/** Pause before restart attempt `attempt` (1, 2, ...): 1 s, 2 s, 4 s ... at most 30 s. */
export const restartDelayMs = (attempt: number): number => Math.min(30_000, 1_000 * 2 ** (attempt - 1));

/** After running this long, a part counts as healthy again and its next restart starts at the shortest pause. */
const HEALTHY_AFTER_MS = 60_000;

export interface Restarter {
  /** The part stopped on its own: restart it after the pause its recent restarts call for. */
  stopped(why: string): void;
  /** Shutting down: no more restarts. */
  stopRestarting(): void;
}

/** Restarts a part (started once by the caller) each time it reports that it stopped. */
export function restarter(name: string, restart: () => Promise<void>, say: (message: string) => void): Restarter {
  let attempt = 0;
  let runningSince = Date.now();
  let restarting = true;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (why: string, doing: string) => {
    if (!restarting) return;
    attempt += 1;
    const delay = restartDelayMs(attempt);
    say(`${name} ${why}; ${doing} in ${delay / 1000}s`);
    timer = setTimeout(() => {
      if (!restarting) return;
      restart().then(
        () => {
          runningSince = Date.now();
          say(`${name} restarted`);
        },
        (err: unknown) => schedule(`did not start (${err instanceof Error ? err.message : String(err)})`, 'trying again'),
      );
    }, delay);
  };
  return {
    stopped: (why) => {
      if (Date.now() - runningSince > HEALTHY_AFTER_MS) attempt = 0;
      schedule(`stopped (${why})`, 'restarting');
    },
    stopRestarting: () => {
      restarting = false;
      clearTimeout(timer);
    },
  };
}
