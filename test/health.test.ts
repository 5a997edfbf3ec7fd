import { connect, type AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { createPrisma } from '../lib/db';
import { createLogger } from '../lib/logger';
import { freePort } from '../scripts/lib/ports';
import { eventually } from './support/eventually';
import { TEST_PROCESSES } from './support/registry';
import { callApi, startTestStack, uniqueCouncil, type TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack.stop();
});

describe('health endpoints', () => {
  it('reports alive, and ready when Temporal and the database both answer', async () => {
    const alive = await callApi(stack.baseUrl, 'GET', '/healthz');
    // A worker that has just started is ready once Temporal lists it polling and its heartbeat is written.
    const ready = await eventually(async () => {
      const answer = await callApi(stack.baseUrl, 'GET', '/readyz');
      expect(answer.status).toBe(200);
      return answer;
    });

    expect(alive).toMatchObject({ status: 200, body: { status: 'alive' } });
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', checks: { temporal: 'ok', database: 'ok', worker: 'polling' } } });
  });

  it('reports not ready (503), naming the database, when the database cannot be reached', async () => {
    const nobodyListens = await freePort();
    const unreachable = createPrisma(`postgresql://nobody:nothing@127.0.0.1:${nobodyListens}/none`);
    const app = createApp({
      client: stack.client,
      prisma: unreachable,
      logger: createLogger('test', 'silent'),
      taskQueue: stack.taskQueue,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const ready = await callApi<{ checks: { temporal: string; database: string } }>(`http://127.0.0.1:${port}`, 'GET', '/readyz');

      expect(ready.status).toBe(503);
      expect(ready.headers.get('retry-after')).toBe('5');
      // What is down, and nothing of the driver's own error text.
      expect(ready.body.checks).toEqual({ temporal: 'ok', database: 'unreachable', worker: 'polling' });

      const user = await stack.user({ council: uniqueCouncil(), role: 'programme_manager' });
      const inbox = await callApi<{ type: string }>(`http://127.0.0.1:${port}`, 'GET', '/tasks', { as: user });
      expect(inbox.status).toBe(503);
      expect(inbox.headers.get('retry-after')).toBe('5');
      expect(inbox.body.type).toMatch(/database-unavailable$/);
    } finally {
      server.close();
      await unreachable.$disconnect();
    }
  });

  it('reports not ready while no worker polls its task queue', async () => {
    const app = createApp({
      client: stack.client,
      prisma: stack.prisma,
      logger: createLogger('test', 'silent'),
      taskQueue: `nobody-polls-${uniqueCouncil()}`,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const ready = await callApi<{ checks: Record<string, string> }>(`http://127.0.0.1:${port}`, 'GET', '/readyz');

      expect(ready.status).toBe(503);
      expect(ready.body.checks).toEqual({ temporal: 'ok', database: 'ok', worker: 'no worker polling' });
    } finally {
      server.close();
    }
  });

  it('answers 503 with Retry-After within 5 seconds when Temporal cannot be reached', async () => {
    const council = uniqueCouncil();
    const manager = await stack.user({ council, role: 'programme_manager' });
    const processId = `permit:${council}:temporal-down`;
    const now = new Date();
    await stack.prisma.processRecord.create({
      data: {
        id: processId,
        kind: 'permit',
        council,
        businessKey: processId,
        groupKey: '',
        stage: 'review',
        status: 'active',
        title: 'Temporal down',
        startedBy: manager.userId,
        startedAt: now,
        updatedAt: now,
      },
    });
    // Nothing listens at this address: Temporal as it is while it is down.
    const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const downClient = new Client({ connection });
    const app = createApp({
      client: downClient,
      prisma: stack.prisma,
      logger: createLogger('test', 'silent'),
      taskQueue: stack.taskQueue,
      registry: TEST_PROCESSES,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const [method, path, body] of [
        ['GET', `/processes/${processId}`, undefined],
        ['POST', `/processes/${processId}/cancel`, { reasons: 'Temporal is down' }],
      ] as const) {
        const started = Date.now();
        const answer = await callApi<{ type: string }>(`http://127.0.0.1:${port}`, method, path, {
          as: manager,
          ...(body ? { body } : {}),
        });

        expect({ path, status: answer.status, type: answer.body.type, retryAfter: answer.headers.get('retry-after') }).toEqual({
          path,
          status: 503,
          type: expect.stringMatching(/temporal-unavailable$/),
          retryAfter: '5',
        });
        expect(Date.now() - started).toBeLessThan(5_000);
      }
    } finally {
      // The connection stays open: the client's own retries of the abandoned calls run on to their
      // deadlines and would throw on a closed channel.
      server.close();
    }
  });

  it('answers 503 with Retry-After, not 500, when a process does not answer a command in time', async () => {
    const council = uniqueCouncil();
    const manager = await stack.user({ council, role: 'programme_manager' });
    // A process whose task queue no worker polls: its commands can be accepted by nobody.
    const processId = `permit:${council}:stalled`;
    await stack.client.workflow.start('permitApplication', { taskQueue: `nobody-${council}`, workflowId: processId, args: [{}] });
    const now = new Date();
    await stack.prisma.processRecord.create({
      data: {
        id: processId,
        kind: 'permit',
        council,
        businessKey: processId,
        groupKey: '',
        stage: 'review',
        status: 'active',
        title: 'Stalled',
        startedBy: manager.userId,
        startedAt: now,
        updatedAt: now,
      },
    });
    const app = createApp({
      client: stack.client,
      prisma: stack.prisma,
      logger: createLogger('test', 'silent'),
      taskQueue: stack.taskQueue,
      registry: TEST_PROCESSES,
      updateDeadlineMs: 1_000,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const cancelled = await callApi<{ type: string }>(`http://127.0.0.1:${port}`, 'POST', `/processes/${processId}/cancel`, {
        as: manager,
        body: { reasons: 'Nobody answers' },
      });

      expect(cancelled.status).toBe(503);
      expect(cancelled.contentType).toContain('application/problem+json');
      expect(cancelled.headers.get('retry-after')).toBe('5');
      expect(cancelled.body.type).toMatch(/process-busy$|temporal-unavailable$/);
    } finally {
      server.close();
      await stack.client.workflow.getHandle(processId).terminate('test over');
    }
  });

  it('answers requests Node refuses itself (a 20,000-character URL, a CR inside a header) as problem+json', async () => {
    const { port } = new URL(stack.baseUrl);
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(request));
        const chunks: Buffer[] = [];
        socket.on('data', (chunk: Buffer) => chunks.push(chunk));
        socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        socket.on('error', reject);
      });

    const longUrl = await raw(`GET /processes/${'x'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    const badHeader = await raw('GET /tasks HTTP/1.1\r\nHost: localhost\r\nX-Note: a\rb\r\n\r\n');

    expect(longUrl).toMatch(/^HTTP\/1\.1 431 /);
    expect(longUrl).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(longUrl.slice(longUrl.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 431,
      type: expect.stringMatching(/headers-too-large$/),
    });
    expect(badHeader).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(badHeader.slice(badHeader.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 400,
      type: expect.stringMatching(/malformed-request$/),
    });
  });

  it('answers unknown routes with a 404 problem, and every response carries a request id', async () => {
    const response = await fetch(`${stack.baseUrl}/no-such-thing`, { headers: { 'x-request-id': 'trace-123' } });

    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    expect(await response.json()).toMatchObject({ requestId: 'trace-123', type: 'urn:housing-governance:problem:not-found' });
  });
});
