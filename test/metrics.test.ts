import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../scripts/lib/ports';
import { stopChild } from '../scripts/lib/processes';
import { eventually } from './support/eventually';
import { appointment, lmaCast, startLma } from './support/lma';
import { startTestStack, type TestStack } from './support/stack';
import { decideNext } from './support/tasks';

// What operators scrape: /metrics on the API and on a worker of its own process (worker/main.ts),
// each in the Prometheus text format, moving when a decision is made.

let stack: TestStack;
let worker: ChildProcess | undefined;
let workerMetricsUrl: string;
beforeAll(async () => {
  stack = await startTestStack({ inProcessWorker: false });
  const [port, sdkPort] = [await freePort(), await freePort()];
  workerMetricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'worker', 'main.ts')], {
    env: { ...stack.workerEnvironment(), WORKER_METRICS_PORT: String(port), WORKER_SDK_METRICS_PORT: String(sdkPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    worker?.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"worker running"')) resolve();
    });
    worker?.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker?.once('exit', (code) => reject(new Error(`worker exited (${code}) before it ran:\n${output}`)));
  });
});
afterAll(async () => {
  if (worker) await stopChild(worker);
  await stack.stop();
});

/** A metric's samples from Prometheus text: each sample's labels and value. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .map((line) => {
      const match = /^[^{\s]+(?:\{(.*)\})? (\S+)$/.exec(line);
      const labels = Object.fromEntries([...(match?.[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { labels, value: Number(match?.[2]) };
    });
}
/** The value of the sample whose labels include these (0 when there is none yet). */
const valueOf = (text: string, name: string, labels: Record<string, string> = {}) =>
  samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/plain');
  return response.text();
}

describe('the metrics operators scrape', () => {
  it('counts a decision on the API (the request, by route and status) and on the worker (the task decided), beside the SDK’s own', async () => {
    const cast = await lmaCast(stack);
    const processId = await startLma(stack, cast);
    const complete = { method: 'POST', route: '/tasks/:id/complete', status: '200' };
    const [apiBefore, workerBefore] = await Promise.all([scrape(`${stack.baseUrl}/metrics`), scrape(workerMetricsUrl)]);
    expect(valueOf(apiBefore, 'housing_tasks_open', { process_kind: 'lma' })).toBeGreaterThanOrEqual(1);

    await decideNext(stack, processId, 'appoint_adviser', cast.housingManager, appointment.outcome, appointment.form);

    const apiAfter = await scrape(`${stack.baseUrl}/metrics`);
    expect(valueOf(apiAfter, 'http_requests_total', complete) - valueOf(apiBefore, 'http_requests_total', complete)).toBe(1);
    expect(valueOf(apiAfter, 'http_request_duration_seconds_count', complete)).toBeGreaterThanOrEqual(1);
    // Ids never become labels: a task's route is its pattern.
    expect(apiAfter).not.toContain(processId);
    await eventually(async () => {
      const workerAfter = await scrape(workerMetricsUrl);
      const decided = (text: string) => valueOf(text, 'housing_tasks_decided_total', { process_kind: 'lma', service: 'worker' });
      expect(decided(workerAfter) - decided(workerBefore)).toBe(1);
      // The SDK's own worker metrics, through its runtime telemetry, on the same page.
      expect(samples(workerAfter, 'temporal_workflow_task_execution_latency_count').length).toBeGreaterThan(0);
    });
    // The outbox: the decision's emails are counted out as the dispatcher sends them.
    await eventually(async () => expect(valueOf(await scrape(workerMetricsUrl), 'housing_emails_sent_total')).toBeGreaterThan(0));
    // The decision's record, rendered after it by the worker's document renderer.
    await eventually(async () => expect(valueOf(await scrape(workerMetricsUrl), 'housing_documents_rendered_total')).toBeGreaterThan(0));
    const outbox = await scrape(`${stack.baseUrl}/metrics`);
    expect(samples(outbox, 'housing_outbox_backlog')).toHaveLength(1);
    expect(samples(outbox, 'housing_documents_pending')).toEqual([expect.objectContaining({ value: 0 })]);
    expect(samples(outbox, 'housing_documents_failed')).toEqual([expect.objectContaining({ value: 0 })]);
    expect(samples(outbox, 'housing_incidents_open')).toHaveLength(1);
  }, 60_000);
});
