import { HttpProblem, unavailable } from './problem';

/**
 * Requests a second per API token, with a burst: a token bucket per token, in this API process. A
 * caller over it gets 429 with `Retry-After` (when its next request will be taken).
 */
export function tokenRateLimiter({ perSecond, burst }: { perSecond: number; burst: number }, now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (tokenId: string): void => {
    const time = now();
    const bucket = buckets.get(tokenId) ?? { tokens: burst, at: time };
    bucket.tokens = Math.min(burst, bucket.tokens + ((time - bucket.at) / 1000) * perSecond);
    bucket.at = time;
    if (bucket.tokens < 1) {
      buckets.set(tokenId, bucket);
      throw new HttpProblem(
        429,
        'rate-limited',
        'Too many requests for this token',
        `at most ${perSecond} a second (bursts of ${burst})`,
        {},
        Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)),
      );
    }
    bucket.tokens -= 1;
    // Least recently used first out, so the map stays bounded by the tokens in use.
    buckets.delete(tokenId);
    buckets.set(tokenId, bucket);
    if (buckets.size > 100_000) buckets.delete(buckets.keys().next().value as string);
  };
}

/**
 * At most `concurrent` calls at once, and `queued` more waiting; beyond that a call is refused at once
 * with 503 and `Retry-After`, so a burst degrades into quick refusals instead of client time-outs.
 */
export function bulkhead({ concurrent, queued }: { concurrent: number; queued: number }) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(call: () => Promise<T>): Promise<T> => {
    if (running >= concurrent) {
      if (waiting.length >= queued)
        throw unavailable('too-busy', 'The service is answering too many requests like this one; try again shortly', undefined, 1);
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    running += 1;
    try {
      return await call();
    } finally {
      running -= 1;
      waiting.shift()?.();
    }
  };
}
export type Bulkhead = ReturnType<typeof bulkhead>;

/**
 * Runs a call that needs a worker (a process's query) through `queries`, but answers 503 `no-worker`
 * with Retry-After at once when no worker runs: the query would only wait out its deadline.
 */
export function whileAWorkerRuns(queries: Bulkhead, workerRuns: () => Promise<boolean>): Bulkhead {
  return async <T>(call: () => Promise<T>): Promise<T> => {
    if (!(await workerRuns())) throw unavailable('no-worker', 'No worker is running the processes; try again shortly');
    return queries(call);
  };
}
