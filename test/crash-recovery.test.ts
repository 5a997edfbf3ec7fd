import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';
import { stopChild } from '../scripts/lib/processes';
import { messageIdOf } from '../worker/outbox-dispatcher';
import { eventually } from './support/eventually';
import { adviserTask, appointment, lmaCast, startLma, type LmaCast } from './support/lma';
import { completeTask, settled } from './support/tasks';
import { callApi, startTestStack, type TestStack } from './support/stack';

// The worker runs as its own process (worker/main.ts) so it can be killed outright, as a crash would.
// A table lock held by the test stops an activity half-way, at a known point, while the kill happens.

let stack: TestStack;
let cast: LmaCast;
let worker: ChildProcess | undefined;
beforeAll(async () => {
  stack = await startTestStack({ inProcessWorker: false });
});
beforeEach(async () => {
  worker = await startWorkerProcess();
  cast = await lmaCast(stack);
});
afterEach(async () => {
  if (worker) await stopChild(worker);
});
afterAll(async () => {
  await stack.stop();
});

async function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'worker', 'main.ts')], {
    env: stack.workerEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"msg":"worker running"')) resolve();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it ran:\n${output}`)));
  });
  return child;
}

/**
 * Holds an exclusive lock on a table until released, so statements on it wait. A waiter is recognised
 * by the lock mode it asks for (pg_stat_activity may still show a session's previous statement).
 */
async function lockTable(
  table: string,
): Promise<{ waitFor(mode: 'AccessShareLock' | 'RowExclusiveLock'): Promise<void>; release(): Promise<void> }> {
  const client = new Client({ connectionString: stack.databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    waitFor: (mode) =>
      eventually(async () => {
        const waiting = await client.query('SELECT 1 FROM pg_locks WHERE NOT granted AND relation = $1::regclass AND mode = $2', [
          table,
          mode,
        ]);
        if (waiting.rowCount === 0) throw new Error(`nothing waits for ${mode} on ${table} yet`);
      }),
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

async function killWorker(): Promise<void> {
  await stopChild(worker as ChildProcess, 'SIGKILL');
  worker = undefined;
}

describe('a worker killed in the middle of its work', () => {
  it('produces the decision record once after it is restarted, killed while storing it', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);
    await settled(stack, processId);
    const lock = await lockTable('document');

    const decision = completeTask(stack, taskId, cast.housingManager, appointment);
    await lock.waitFor('RowExclusiveLock'); // the document renderer, storing the decision record
    await killWorker();
    await lock.release();
    worker = await startWorkerProcess();

    expect((await decision).body).toMatchObject({ stage: 'outline_plan' });
    // The restarted worker renders it again (the killed one's transaction never committed), once.
    await eventually(async () => expect(await stack.prisma.auditLog.count({ where: { processId, action: 'document.stored' } })).toBe(1));
    expect(await stack.prisma.document.count({ where: { processId } })).toBe(1);
  }, 90_000);

  it('sends the decision email exactly once after it is restarted, killed with the decision half written', async () => {
    const processId = await startLma(stack, cast);
    const taskId = await adviserTask(stack, processId, cast.housingManager);
    await settled(stack, processId);
    await stack.mailbox.waitFor((m) => m.subject.startsWith('Action needed') && m.text.includes(processId));
    const lock = await lockTable('notification');

    const decision = completeTask(stack, taskId, cast.housingManager, appointment);
    // The decision's writes (task closed, timeline entry, email) are one transaction, stopped at the
    // email: nothing of it is visible, and after the kill its retry writes each once.
    await lock.waitFor('RowExclusiveLock');
    expect(await stack.prisma.timelineEntry.count({ where: { processId, kind: 'decision' } })).toBe(0);
    await killWorker();
    await lock.release();
    worker = await startWorkerProcess();

    expect((await decision).body).toMatchObject({ stage: 'outline_plan' });
    const row = await eventually(async () => {
      const found = await stack.prisma.notification.findUniqueOrThrow({ where: { dedupeKey: `${taskId}:decided` } });
      expect(found.status).toBe('sent');
      return found;
    });
    const sent = stack.mailbox.received.filter((m) => m.subject.startsWith('Decision recorded') && m.text.includes(processId));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.messageId).toBe(messageIdOf(row.dedupeKey));
  }, 90_000);
});

describe('readiness while the worker is dead', () => {
  const readiness = () => callApi<{ status: string; checks: { worker: string } }>(stack.baseUrl, 'GET', '/readyz');

  it('is not ready within seconds of the worker being killed, and ready again once a new worker runs', async () => {
    await eventually(async () => expect((await readiness()).status).toBe(200));
    // Temporal's own poller list goes on showing the dead worker for up to a minute.
    await killWorker();

    const down = await eventually(async () => {
      const answer = await readiness();
      expect(answer.status).toBe(503);
      return answer;
    }, 20_000);
    expect(down.body.checks.worker).toBe('no worker polling');
    expect(down.headers.get('retry-after')).toBe('5');

    worker = await startWorkerProcess();
    await eventually(async () => expect((await readiness()).body).toMatchObject({ status: 'ready', checks: { worker: 'polling' } }));
  }, 90_000);
});
