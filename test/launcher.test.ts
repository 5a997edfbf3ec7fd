import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createPrisma } from '../lib/db';
import { createUser, grantRole, issueToken } from '../lib/identity';
import { freePort } from '../scripts/lib/ports';
import { stopChild } from '../scripts/lib/processes';
import { eventually } from './support/eventually';
import { adviserTask, appointment, expressionOfInterest } from './support/lma';
import { completeTask, nextTask } from './support/tasks';
import { callApi, startTestStack, uniqueCouncil, type TestStack, type TestUser } from './support/stack';

// `npm start` as an operator runs it, with its own PostgreSQL (embedded, in a folder of its own) and
// the test run's Temporal: parts of it are killed as a crash would, and it must bring them back.

let stack: TestStack;
let dataDir: string;
beforeAll(async () => {
  stack = await startTestStack({ inProcessWorker: false });
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'hg-launcher-'));
  // As root, PostgreSQL runs as the postgres user, which must be able to enter the folder.
  chmodSync(dataDir, 0o755);
});
afterAll(async () => {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Launcher {
  process: ChildProcess;
  output(): string;
  /** Waits for a line of the launcher's own output that matches. */
  said(pattern: RegExp): Promise<RegExpMatchArray>;
  baseUrl: string;
}

async function launch(env: NodeJS.ProcessEnv): Promise<Launcher> {
  const apiPort = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'scripts', 'start.ts')], {
    env: { ...stack.workerEnvironment(), ...env, API_PORT: String(apiPort), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const said = (pattern: RegExp) =>
    eventually(() => {
      const found = output.match(pattern);
      if (!found) throw new Error(`the launcher has not said ${pattern} yet:\n${output.slice(-2000)}`);
      return found;
    }, 60_000);
  return { process: child, output: () => output, said, baseUrl: `http://127.0.0.1:${apiPort}` };
}

describe('npm start', () => {
  let launcher: Launcher | undefined;
  afterEach(async () => {
    if (launcher) await stopChild(launcher.process, 'SIGTERM', 30_000);
  });

  it('restarts a worker killed outright and PostgreSQL killed outright; processes carry on; SIGTERM stops it all in seconds', async () => {
    const pgPort = await freePort();
    launcher = await launch({ DATABASE_URL: '', HG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) });
    await launcher.said(/press Ctrl-C to stop/);
    await eventually(() => callApi((launcher as Launcher).baseUrl, 'GET', '/healthz'), 30_000);
    const databaseUrl = `postgresql://postgres:housing-governance-local@127.0.0.1:${pgPort}/housing_governance`;
    const council = uniqueCouncil();
    const prisma = createPrisma(databaseUrl);
    const user = async (role: 'resident_rep' | 'housing_manager', groupKey = ''): Promise<TestUser> => {
      const userId = `${role}-${council}`;
      await createUser(prisma, { id: userId, displayName: userId, email: `${userId}@${council}.test` });
      await grantRole(prisma, userId, { council, role, groupKey });
      return { userId, role, email: `${userId}@${council}.test`, token: (await issueToken(prisma, userId, 'test')).token };
    };
    const rep = await user('resident_rep', 'churchill-gardens-residents-association');
    const housingManager = await user('housing_manager');
    await prisma.$disconnect();
    const started = await callApi<{ processId: string }>(launcher.baseUrl, 'POST', '/processes', {
      as: rep,
      body: expressionOfInterest(council),
    });
    expect(started.status).toBe(201);
    const own = { ...stack, baseUrl: launcher.baseUrl };
    const taskId = await adviserTask(own, started.body.processId, housingManager);

    // The worker, killed as a crash would: the launcher starts another, and the process goes on.
    const [, workerPid] = await launcher.said(/worker\/main\.ts started \(pid (\d+)\)/);
    process.kill(Number(workerPid), 'SIGKILL');
    await launcher.said(/worker\/main\.ts stopped \(exit SIGKILL\); restarting/);
    await launcher.said(/worker\/main\.ts restarted/);
    // PostgreSQL, killed outright: noticed, restarted on its data, and the API answers again.
    const postgresPid = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postgresPid, 'SIGKILL');
    await launcher.said(/PostgreSQL stopped \(exit/);
    await launcher.said(/PostgreSQL restarted/);

    const decided = await eventually(async () => {
      const answer = await completeTask(own, taskId, housingManager, appointment);
      if (answer.status !== 200) throw new Error(`not yet: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer;
    }, 60_000);
    expect(decided.body).toMatchObject({ stage: 'outline_plan' });
    expect((await nextTask(own, started.body.processId, 'submit_outline_plan', rep)).kind).toBe('submit_outline_plan');

    const stopping = Date.now();
    await stopChild(launcher.process, 'SIGTERM', 30_000);
    launcher = undefined;
    expect(Date.now() - stopping).toBeLessThan(10_000);
  });
});

describe('the embedded PostgreSQL', () => {
  /** A process of its own running the embedded PostgreSQL; resolves with it and its URL once ready. */
  const runPostgres = (folder: string, port: number) =>
    new Promise<{ child: ChildProcess; url: string; output: () => string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(__dirname, 'support', 'embedded-postgres-child.ts'), folder, String(port)],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const ready = /^ready (postgresql:\S+)$/m.exec(output);
        if (ready) resolve({ child, url: ready[1] as string, output: () => output });
      });
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`exited (${code}) before it was ready:\n${output}`)));
    });

  it('starts on a data folder where an earlier one was left running, by stopping that one first', async () => {
    const folder = path.join(dataDir, 'left-running');
    const port = await freePort();
    const first = await runPostgres(folder, port);
    // Killed outright, as a launcher can be: its PostgreSQL runs on, holding the port and the folder.
    first.child.kill('SIGKILL');

    const again = await runPostgres(folder, port);
    try {
      const db = new Client({ connectionString: again.url });
      await db.connect();
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await db.end();
      expect(again.output()).toMatch(/stopped PostgreSQL \(pid \d+\) left running/);
    } finally {
      await stopChild(again.child, 'SIGTERM', 30_000);
    }
  });
});
