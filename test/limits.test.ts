import type { AddressInfo } from 'node:net';
import { createApp, type AppDependencies } from '../api/app';
import { bulkhead, tokenRateLimiter } from '../api/limits';
import { HttpProblem } from '../api/problem';
import { createLogger } from '../lib/logger';
import { lmaCast, startLma } from './support/lma';
import { callApi, startTestStack, type TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

async function withApp<T>(options: Partial<AppDependencies>, use: (baseUrl: string) => Promise<T>): Promise<T> {
  const app = createApp({
    client: stack.client,
    prisma: stack.prisma,
    logger: createLogger('test', 'silent'),
    taskQueue: stack.taskQueue,
    ...options,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.close();
  }
}

describe('the rate limit per token', () => {
  it('takes a burst, then refuses with 429 and when to come back, and refills with time', () => {
    let now = 0;
    const take = tokenRateLimiter({ perSecond: 2, burst: 3 }, () => now);

    for (let k = 0; k < 3; k += 1) take('token-a');
    const refused = (() => {
      try {
        take('token-a');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    take('token-b');
    now += 500;
    take('token-a');

    expect(refused).toBeInstanceOf(HttpProblem);
    expect(refused).toMatchObject({ status: 429, slug: 'rate-limited', retryAfterSeconds: 1 });
  });

  it('answers 429 problem+json with Retry-After through the API, for that token only', async () => {
    const cast = await lmaCast(stack);
    await withApp({ rateLimit: { perSecond: 0.01, burst: 3 } }, async (baseUrl) => {
      const answers = [];
      for (let k = 0; k < 5; k += 1) answers.push(await callApi(baseUrl, 'GET', '/tasks', { as: cast.housingManager }));
      const other = await callApi(baseUrl, 'GET', '/tasks', { as: cast.programmeManager });

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429, 429]);
      expect(answers[3]!.contentType).toContain('application/problem+json');
      expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(other.status).toBe(200);
    });
  });
});

describe('the bound on process-view queries', () => {
  it('runs at most so many at once, queues so many more, and refuses the rest at once with 503', async () => {
    const run = bulkhead({ concurrent: 1, queued: 1 });
    const release: (() => void)[] = [];
    const slow = () => new Promise<string>((resolve) => release.push(() => resolve('done')));

    const first = run(slow);
    const second = run(slow);
    const third = run(slow).catch((err: unknown) => err);

    expect(await third).toMatchObject({ status: 503, slug: 'too-busy', retryAfterSeconds: 1 });
    expect(release).toHaveLength(1);
    release[0]!();
    expect(await first).toBe('done');
    await new Promise((resolve) => setImmediate(resolve));
    release[1]!();
    expect(await second).toBe('done');
  });

  it('turns a burst of process views into answers and quick 503s, never a 500 or a time-out', async () => {
    const cast = await lmaCast(stack);
    const processId = await startLma(stack, cast);
    // One query at a time and none queued: sixty at once cannot all be answered while the first is in
    // Temporal (a round trip and a workflow task), so without the bound this fails.
    await withApp({ queryLimit: { concurrent: 1, queued: 0 } }, async (baseUrl) => {
      const answers = await Promise.all(
        Array.from({ length: 60 }, () =>
          callApi(baseUrl, 'GET', `/processes/${encodeURIComponent(processId)}`, { as: cast.programmeManager }),
        ),
      );

      const statuses = new Set(answers.map((answer) => answer.status));
      expect([...statuses].every((status) => status === 200 || status === 503)).toBe(true);
      expect(statuses.has(200)).toBe(true);
      expect(statuses.has(503)).toBe(true);
      for (const refused of answers.filter((answer) => answer.status === 503)) {
        expect(refused.headers.get('retry-after')).toBe('1');
        expect(refused.body.type).toMatch(/too-busy$/);
      }
    });
  });
});
