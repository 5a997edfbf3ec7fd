import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createPrisma, type PrismaClient } from '../../lib/db';
import { writeWorkflowBundle } from '../../scripts/bundle-workflows';
import { startService, type ServiceProcess } from '../../scripts/lib/service-process';
import { PROJECT_ROOT } from '../../scripts/lib/paths';
import { freePort } from '../../scripts/lib/ports';
import { stopChild } from '../../scripts/lib/processes';
import { messageIdOf } from '../../worker/outbox-dispatcher';
import { eventually } from '../support/eventually';
import {
  compressedLmaPolicy,
  driveToPreparingAgreement,
  lmaCast,
  prepareAndSign,
  runTerm,
  startLma,
  appointment,
  type LmaCast,
} from '../support/lma';
import { Mailbox } from '../support/mailbox';
import { callApi, testUser, type TestStack } from '../support/stack';
import { decideNext, endedView, timelineOf, viewOf } from '../support/tasks';

// The production shape on this machine, started by `npm run cluster`'s own script: the Temporal
// server on PostgreSQL, two workers and two API processes, one application database, real SMTP.
// `npm run test:cluster`, the second step of CI (.ci/run).

/** What `npm run cluster` writes to its data folder's cluster.json once everything runs. */
interface ClusterDescription {
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  apiUrls: string[];
  workers: { name: string; pid: number }[];
}
interface RunningWorker {
  name: string;
  pid: number;
}

let mailbox: Mailbox;
let launcher: ChildProcess;
let cluster: ClusterDescription;
let workers: RunningWorker[];
const started: ServiceProcess[] = [];
let prisma: PrismaClient;
let client: Client;
let dataDir: string;
/** The workflow code the cluster's workers run, bundled from this checkout. */
let bundle: string;
const metricsPort = (() => {
  let next = 9600;
  return () => (next += 2);
})();

/** The stack the API drivers of test/support take: each request goes to the next API process in turn. */
function alternatingStack(): TestStack {
  let calls = 0;
  const stack = {
    get baseUrl() {
      calls += 1;
      return cluster.apiUrls[calls % cluster.apiUrls.length] as string;
    },
    prisma,
    client,
    mailbox,
    user: (grant: Parameters<TestStack['user']>[0]) => testUser(prisma, grant),
  };
  return stack as unknown as TestStack;
}

/** Starts another worker beside the cluster's (another release's, with `bundlePath`). */
async function startWorker(name: string, bundlePath = bundle): Promise<RunningWorker> {
  const worker = await startService(
    name,
    'worker/main.ts',
    {
      ...process.env,
      DATABASE_URL: cluster.databaseUrl,
      TEMPORAL_ADDRESS: cluster.temporalAddress,
      TEMPORAL_NAMESPACE: cluster.namespace,
      TEMPORAL_TASK_QUEUE: cluster.taskQueue,
      SMTP_URL: mailbox.url,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      WORKER_METRICS_PORT: String(metricsPort()),
    },
    path.join(dataDir, 'logs'),
    '"msg":"worker running"',
  );
  started.push(worker);
  const running = { name, pid: worker.child.pid as number };
  workers.push(running);
  return running;
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const alive = () => workers.filter((w) => isRunning(w.pid));
/** Stops a worker as a deployment does (SIGTERM: in-flight tasks finish) and waits for it to go. */
async function stopWorker(worker: RunningWorker): Promise<void> {
  process.kill(worker.pid, 'SIGTERM');
  await eventually(async () => expect(isRunning(worker.pid)).toBe(false), 30_000);
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(PROJECT_ROOT, '.data', 'cluster-test-'));
  // Run as root, PostgreSQL runs as the `postgres` user, which must reach its data folder.
  chmodSync(dataDir, 0o755);
  bundle = path.join(dataDir, 'workflow-bundle.js');
  mailbox = await Mailbox.start();
  await writeWorkflowBundle(bundle);
  // The cluster exactly as `npm run cluster` starts it, on ports of its own, its email to the test's SMTP server.
  launcher = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'scripts', 'cluster.ts')], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      CLUSTER_DATA_DIR: dataDir,
      CLUSTER_POSTGRES_PORT: String(await freePort()),
      CLUSTER_TEMPORAL_PORT_BASE: '7500',
      CLUSTER_API_PORTS: `${await freePort()},${await freePort()}`,
      CLUSTER_WORKER_METRICS_PORTS: `${metricsPort()},${metricsPort()}`,
      SMTP_URL: mailbox.url,
      WORKFLOW_BUNDLE_PATH: bundle,
      WEB_SESSION_SECRET: 'a session secret of the topology tests, 32+ characters',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('press Ctrl-C to stop')) resolve();
    };
    launcher.stdout?.on('data', onData);
    launcher.stderr?.on('data', onData);
    launcher.once('exit', (code) => reject(new Error(`npm run cluster stopped (${code}):\n${output}`)));
  });
  cluster = JSON.parse(readFileSync(path.join(dataDir, 'cluster.json'), 'utf8')) as ClusterDescription;
  workers = [...cluster.workers];
  prisma = createPrisma(cluster.databaseUrl);
  client = new Client({ connection: await Connection.connect({ address: cluster.temporalAddress }), namespace: cluster.namespace });
}, 900_000);
afterAll(async () => {
  await client?.connection.close();
  await prisma?.$disconnect();
  for (const worker of started) await stopChild(worker.child);
  if (launcher) await stopChild(launcher, 'SIGINT', 60_000);
  await mailbox?.close();
  if (!process.env.KEEP_CLUSTER_DATA) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

async function councilWithPolicy(stack: TestStack): Promise<LmaCast> {
  const cast = await lmaCast(stack);
  const policy = await callApi(stack.baseUrl, 'PUT', `/councils/${cast.council}/policy`, {
    as: cast.programmeManager,
    body: compressedLmaPolicy,
  });
  expect(policy.status).toBe(200);
  return cast;
}

/** Every event of a run's history but workflow task failures (what a nondeterministic replay records). */
async function workflowTaskFailures(workflowId: string): Promise<number> {
  const { events } = await client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).filter((e) => Number(e.eventType) === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).length;
}

describe('the production shape: Temporal on PostgreSQL, two workers, two APIs', () => {
  it('runs a whole LMA through both APIs in turn; a worker killed mid-run loses nothing; every email and document exactly once', async () => {
    const stack = alternatingStack();
    // Two workers at least, so one can be killed while the other carries on.
    while (alive().length < 2) await startWorker(`worker-extra-${Date.now()}`);
    const cast = await councilWithPolicy(stack);
    const processId = await driveToPreparingAgreement(stack, cast);

    // Killed outright mid-run, the other worker takes its tasks. (Killed while no email is on its way:
    // one cut short between the SMTP server's acceptance and the outbox's commit would go again, the
    // outbox's one at-least-once window, worker/outbox-dispatcher.ts.)
    await eventually(async () => expect(await prisma.notification.count({ where: { processId, status: 'pending' } })).toBe(0));
    const victim = alive()[0] as RunningWorker;
    process.kill(victim.pid, 'SIGKILL');
    await prepareAndSign(stack, cast, processId);
    await runTerm(stack, cast, processId, 1, 'renew');
    await runTerm(stack, cast, processId, 2, 'terminate', 'The group is winding up');
    const ended = await endedView(stack, processId, cast.auditor, 60_000);
    expect(ended.stage).toBe('terminated');

    // Both API processes served it.
    for (const url of cluster.apiUrls) {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toMatch(/http_requests_total\{method="POST",route="\/tasks\/:id\/complete",status="200",service="api"\} [1-9]/);
    }
    // Every email written once, sent once: each outbox row's Message-ID arrives exactly once, with both dispatchers running.
    const emails = await eventually(async () => {
      const rows = await prisma.notification.findMany({ where: { processId }, select: { dedupeKey: true, status: true } });
      expect(rows.filter((r) => r.status === 'pending')).toEqual([]);
      return rows.filter((r) => r.status === 'sent');
    }, 60_000);
    expect(emails.length).toBeGreaterThan(10);
    await eventually(async () => {
      for (const email of emails) expect(mailbox.received.filter((m) => m.messageId === messageIdOf(email.dedupeKey))).toHaveLength(1);
    });
    // Every document once: one row per kind and version.
    const documents = await prisma.document.findMany({ where: { processId }, select: { kind: true, version: true } });
    expect(new Set(documents.map((d) => `${d.kind}:${d.version}`)).size).toBe(documents.length);
    expect(documents.filter((d) => d.kind === 'community_cashback_agreement').map((d) => d.version)).toEqual([1, 2]);
    expect(await workflowTaskFailures(processId)).toBe(0);
  }, 600_000);

  it('finds processes by council, kind and stage through SQL visibility', async () => {
    const stack = alternatingStack();
    const cast = await councilWithPolicy(stack);
    const appointed = await startLma(stack, cast);
    await decideNext(stack, appointed, 'appoint_adviser', cast.housingManager, appointment.outcome, appointment.form);
    // A second group of the same council (its business key names the group).
    const waiting = await startLma(stack, cast, 'community_interest_company', 'Churchill Gardens Gardeners');
    const found = async (query: string) => {
      const ids: string[] = [];
      for await (const run of client.workflow.list({ query })) ids.push(run.workflowId);
      return ids.sort();
    };
    await eventually(async () => {
      expect(await found(`Council = '${cast.council}' AND ProcessKind = 'lma'`)).toEqual([appointed, waiting].sort());
      expect(await found(`Council = '${cast.council}' AND ProcessKind = 'lma' AND ProcessStage = 'adviser_appointment'`)).toEqual([
        waiting,
      ]);
      expect(await found(`Council = '${cast.council}' AND ProcessKind = 'sla'`)).toEqual([]);
    }, 30_000);
  }, 120_000);

  it('upgrades the workers while processes run: a changed workflow behind patched(), old and new processes both go on and end, no nondeterminism', async () => {
    const stack = alternatingStack();
    const cast = await councilWithPolicy(stack);
    while (alive().length < 1) await startWorker(`worker-old-${Date.now()}`);
    // Old: one past the changed step already, one not yet there.
    const pastIt = await startLma(stack, cast);
    await decideNext(stack, pastIt, 'appoint_adviser', cast.housingManager, appointment.outcome, appointment.form);
    const notYet = await startLma(stack, cast, 'residents_association', 'Churchill Gardens Window Group');

    // The new release: the LMA notes a check after the adviser's appointment, behind patched().
    const source = path.join(dataDir, 'workflows-upgraded');
    cpSync(path.join(PROJECT_ROOT, 'workflows'), source, { recursive: true });
    const workflowFile = path.join(source, 'lma', 'workflow.ts');
    const original = readFileSync(workflowFile, 'utf8');
    const changed = original.replace(
      '      await appointAdviser(ctx);\n',
      "      await appointAdviser(ctx);\n      if (patched('cluster-rolling-upgrade')) await frame.note('Checked by the upgraded release');\n",
    );
    expect(changed).not.toBe(original);
    writeFileSync(workflowFile, changed);
    const upgradedBundle = path.join(dataDir, 'workflow-bundle-upgraded.js');
    await writeWorkflowBundle(upgradedBundle, path.join(source, 'index.ts'));

    // Rolling: the new worker starts, then every old one stops (gracefully, as a deployment does).
    const old = alive().filter((w) => !w.name.startsWith('worker-upgraded'));
    await startWorker(`worker-upgraded-${Date.now()}`, upgradedBundle);
    for (const worker of old) await stopWorker(worker);

    const started = await startLma(stack, cast, 'residents_association', 'Churchill Gardens Tenants');
    await decideNext(stack, notYet, 'appoint_adviser', cast.housingManager, appointment.outcome, appointment.form);
    await decideNext(stack, started, 'appoint_adviser', cast.housingManager, appointment.outcome, appointment.form);
    // The one past the change goes on by the old path, replayed on the new worker.
    await decideNext(stack, pastIt, 'submit_outline_plan', cast.rep, 'submit', { summary: 'The flowerbeds' });
    const checked = async (processId: string) =>
      (await timelineOf(stack, processId, cast.auditor)).some((e) => e.summary.includes('Checked by the upgraded release'));
    await eventually(async () => {
      expect(await checked(pastIt)).toBe(false);
      expect(await checked(notYet)).toBe(true);
      expect(await checked(started)).toBe(true);
    }, 30_000);

    // All three end.
    for (const processId of [pastIt, notYet, started]) {
      const cancelled = await callApi(stack.baseUrl, 'POST', `/processes/${processId}/cancel`, {
        as: cast.programmeManager,
        body: { reasons: 'end of the upgrade test' },
      });
      expect(cancelled.status).toBe(200);
      expect((await viewOf(stack, processId, cast.auditor)).status).toBe('cancelled');
      expect(await workflowTaskFailures(processId)).toBe(0);
      // Each whole history replays on the new release.
      const history = await client.workflow.getHandle(processId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: upgradedBundle } }, history, processId);
    }
  }, 600_000);
});
