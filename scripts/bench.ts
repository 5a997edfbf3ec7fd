// `npm run bench`: what a decision costs in this service against a bare Temporal workflow (an update
// running one activity that does one INSERT), on the same dev server and machine, in interleaved
// blocks. Starts its own PostgreSQL, Temporal dev server, service worker and API, and bare worker;
// writes bench/results/<time>.json, bench/results/latest.md and bench/results/latest.svg.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { Pool } from 'pg';
import { createPrisma, type PrismaClient } from '../lib/db';
import { createUser, grantRole, issueToken } from '../lib/identity';
import { policyModel } from '../lib/policy';
import { PROCESSES } from '../lib/process-registry';
import { processRuns, workflowCode, type ReplayInput } from '../lib/replay';
import { replayOffThread, replayThreadsHere } from '../lib/replay-thread';
import { driveLmaThroughTerms, termsPolicy } from '../bench/lma-terms';
import { renderMarkdown, renderSvg, type BenchReport, type Figure, type LatencyStats } from '../bench/report';
import { writeWorkflowBundle } from './bundle-workflows';
import { startEmbeddedPostgres } from './lib/embedded-postgres';
import { nodeFlagsFor } from '../worker/node-flags';
import { PROJECT_ROOT } from './lib/paths';
import { freePort } from './lib/ports';
import { prepareBackends } from './lib/prepare';
import { stopChild, waitFor } from './lib/processes';
import { ensureTemporalCli } from './lib/temporal-cli';
import { startTemporalDevServer } from './lib/temporal-dev-server';

const SECONDS = Number(process.env.BENCH_BLOCK_SECONDS ?? 10);
const CLOSED_LOOP_CLIENTS = 8;
const OPEN_PROCESSES = (process.env.BENCH_OPEN_PROCESSES ?? '1000,5000').split(',').map(Number);
const REPLAY_HISTORIES = Number(process.env.BENCH_REPLAY_HISTORIES ?? 2000);
const REQUEST_TIMEOUT_MS = 30_000;
/** One LMA driven through this many terms, its first terms' costs against its last ones'. */
const LONG_TERMS = Math.max(4, Number(process.env.BENCH_LONG_TERMS ?? 10));
/** The council whose LMA runs its terms on a compressed calendar (bench/lma-terms.ts). */
const TERMS_COUNCIL = 'bench-terms';
/** Temporal's per-run limits (self-hosted defaults): the run fails past them. */
const TEMPORAL_LIMITS = { events: 51_200, bytes: 50 * 2 ** 20, updates: 2_000 };
/** BENCH_PHASES=loop,rates,start,reads,pages,long,memory,replay runs only those (e.g. to profile one); all by default. */
const ALL_PHASES = 'loop,rates,start,reads,pages,long,memory,replay';
const PHASES = new Set((process.env.BENCH_PHASES ?? ALL_PHASES).split(','));
/** The API as docs/running.md recommends it on this machine: a process per core. */
const API_PROCESSES = Number(process.env.BENCH_API_PROCESSES ?? os.availableParallelism());
const COUNCIL = 'bench';
const GROUP = 'Bench Residents Association';
const RESULTS = path.join(PROJECT_ROOT, 'bench', 'results');

Runtime.install({ logger: new DefaultLogger('ERROR') });

// ---------------------------------------------------------------------------------------------
// Measuring

interface Sample {
  ms: number;
  ok: boolean;
  timedOut?: boolean;
}

function latency(samples: Sample[]): LatencyStats {
  const ok = samples
    .filter((s) => s.ok)
    .map((s) => s.ms)
    .sort((a, b) => a - b);
  const at = (q: number) => (ok.length ? (ok[Math.min(ok.length - 1, Math.floor(q * ok.length))] as number) : NaN);
  return {
    count: samples.length,
    ok: ok.length,
    errors: samples.filter((s) => !s.ok && !s.timedOut).length,
    timeouts: samples.filter((s) => s.timedOut).length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: ok.at(-1) ?? NaN,
  };
}

async function timed(work: () => Promise<unknown>): Promise<Sample> {
  const started = performance.now();
  try {
    await work();
    return { ms: performance.now() - started, ok: true };
  } catch (err) {
    return {
      ms: performance.now() - started,
      ok: false,
      timedOut: err instanceof Error && /timed out|timeout|deadline/i.test(err.message),
    };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `clients` loops of `step` for `seconds`: a closed loop, each client waits for its answer. */
async function closedLoop(
  clients: number,
  seconds: number,
  step: (client: number) => Promise<void>,
): Promise<{ samples: Sample[]; perSecond: number }> {
  const until = Date.now() + seconds * 1000;
  const samples: Sample[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (Date.now() < until) samples.push(await timed(() => step(client)));
    }),
  );
  return { samples, perSecond: samples.filter((s) => s.ok).length / seconds };
}

/** Offers `rate` operations a second for `seconds`, whether or not earlier ones have answered (an open loop). */
async function openLoop(
  rate: number,
  seconds: number,
  operation: () => Promise<void> | undefined,
): Promise<{ samples: Sample[]; perSecond: number; skipped: number }> {
  const samples: Sample[] = [];
  const running: Promise<void>[] = [];
  let skipped = 0;
  const started = performance.now();
  for (let k = 0; k < rate * seconds; k += 1) {
    const due = started + (k * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const begun = performance.now();
    const op = operation();
    if (!op) {
      skipped += 1;
      continue;
    }
    running.push(
      op.then(
        () => void samples.push({ ms: performance.now() - begun, ok: true }),
        (err: unknown) =>
          void samples.push({
            ms: performance.now() - begun,
            ok: false,
            timedOut: err instanceof Error && /timed out|timeout|aborted/i.test(err.message),
          }),
      ),
    );
  }
  await Promise.all(running);
  const elapsed = (performance.now() - started) / 1000;
  return { samples, perSecond: samples.filter((s) => s.ok).length / elapsed, skipped };
}

// ---------------------------------------------------------------------------------------------
// The two systems under test

interface Api {
  baseUrl: string;
  tokens: { manager: string; officer: string; rep: string; legal: string; reader: string; readsOfficer: string };
}

async function call<T>(api: Api, method: string, route: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${api.baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${route}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface OpenedTask {
  id: string;
  kind: string;
}

/** One LMA driven through the API: its next task is the one the last answer opened (read your own writes). */
class ServiceProcess {
  busy = false;
  private next: OpenedTask | undefined;
  constructor(
    readonly api: Api,
    readonly processId: string,
    first: OpenedTask | undefined,
  ) {
    this.next = first;
  }

  static async start(api: Api, estate: string): Promise<ServiceProcess> {
    const body = {
      kind: 'lma',
      council: COUNCIL,
      estate,
      group: { name: GROUP, legalForm: 'residents_association' },
      services: [{ service: 'gardening', scope: ['the green'] }],
    };
    const started = await call<{ processId: string; opened?: OpenedTask[] }>(api, 'POST', '/processes', api.tokens.manager, body);
    return new ServiceProcess(api, started.processId, started.opened?.[0]);
  }

  /** The next decision: appoint the adviser, then round after round of outline plan and "please change it". */
  async decide(): Promise<void> {
    const task =
      this.next ??
      (await call<{ items: OpenedTask[] }>(this.api, 'GET', `/tasks?process=${encodeURIComponent(this.processId)}`, this.api.tokens.reader))
        .items[0];
    if (!task) throw new Error(`${this.processId} has no open task`);
    const decision =
      task.kind === 'appoint_adviser'
        ? {
            token: this.api.tokens.officer,
            body: { outcome: 'appoint', form: { adviserUserId: 'bench-officer', adviserName: 'Bench Officer' } },
          }
        : task.kind === 'submit_outline_plan'
          ? { token: this.api.tokens.rep, body: { outcome: 'submit', form: { summary: 'We look after the green' } } }
          : { token: this.api.tokens.officer, body: { outcome: 'request_changes', reasons: 'Say more about the mowing' } };
    this.next = undefined;
    const answer = await call<{ opened?: OpenedTask[] }>(
      this.api,
      'POST',
      `/tasks/${encodeURIComponent(task.id)}/complete`,
      decision.token,
      decision.body,
    );
    this.next = answer.opened?.[0];
  }
}

class BareProcess {
  busy = false;
  private decisions = 0;
  constructor(readonly handle: WorkflowHandle) {}

  static async start(client: Client, taskQueue: string, id: string): Promise<BareProcess> {
    // By name: the bench does not load workflow code outside a worker.
    return new BareProcess(await client.workflow.start('bareProcess', { taskQueue, workflowId: id }));
  }

  async decide(): Promise<void> {
    this.decisions += 1;
    await this.handle.executeUpdate<number, [{ decision: number }]>('decide', { args: [{ decision: this.decisions }] });
  }
}

type AnyProcess = ServiceProcess | BareProcess;

/** A decision on the next idle process of a pool, or nothing when every process is busy. */
function onIdle(pool: AnyProcess[]): () => Promise<void> | undefined {
  let cursor = 0;
  return () => {
    for (let tried = 0; tried < pool.length; tried += 1) {
      const process = pool[(cursor += 1) % pool.length] as AnyProcess;
      if (process.busy) continue;
      process.busy = true;
      return process.decide().finally(() => {
        process.busy = false;
      });
    }
    return undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// The servers

function spawnNode(script: string, env: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  // BENCH_PROFILE=1: each server writes a CPU profile (.cpuprofile) under .data/bench/profiles when it stops.
  const profile =
    process.env.BENCH_PROFILE === '1'
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(path.dirname(logFile), 'profiles', path.basename(logFile, '.log'))}`]
      : [];
  const child = spawn(process.execPath, [...nodeFlagsFor(script), ...profile, '--import', 'tsx', script], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk));
  child.on('exit', () => writeFileSync(logFile, Buffer.concat(log)));
  return child;
}

/** CPU seconds used so far by each part of the system: our processes by pid, the servers by command name. */
function cpuSeconds(named: Record<string, number | undefined>): Record<string, number> {
  const ticks = 100; // USER_HZ on Linux
  const totals: Record<string, number> = {};
  const byPid = new Map(Object.entries(named).flatMap(([name, pid]) => (pid ? [[pid, name] as const] : [])));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const used = (Number(fields[11]) + Number(fields[12])) / ticks;
    const name = byPid.get(Number(entry)) ?? (comm === 'temporal' ? 'temporal server' : comm === 'postgres' ? 'postgresql' : undefined);
    if (name) totals[name] = (totals[name] ?? 0) + used;
  }
  return totals;
}

/** CPU seconds of each thread of a process, by thread name (the SDK's Rust runtime, Node's main and worker threads). */
function threadCpuSeconds(pid: number | undefined): Record<string, number> {
  const totals: Record<string, number> = {};
  if (!pid) return totals;
  let threads: string[] = [];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return totals;
  }
  for (const tid of threads) {
    const stat = readFileSafe(`/proc/${pid}/task/${tid}/stat`);
    if (!stat) continue;
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[-\d]+$/, '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    totals[comm] = (totals[comm] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return totals;
}

/** CPU milliseconds each part of the system spent per operation over `work`. */
async function cpuPerOperation<T extends { samples: Sample[] }>(
  named: Record<string, number | undefined>,
  work: () => Promise<T>,
): Promise<T & { cpuMsPerOp: Record<string, number> }> {
  const before = cpuSeconds(named);
  const result = await work();
  const after = cpuSeconds(named);
  const done = Math.max(1, result.samples.filter((s) => s.ok).length);
  return {
    ...result,
    cpuMsPerOp: Object.fromEntries(
      Object.entries(after).map(([name, used]) => [name, +(((used - (before[name] ?? 0)) * 1000) / done).toFixed(2)]),
    ),
  };
}

/**
 * Waits (up to a minute) until the system is quiet: under 0.15 CPU seconds a second across the
 * servers, so a phase does not pay for the backlog the one before it left (documents, emails).
 */
async function settle(named: Record<string, number | undefined>): Promise<number> {
  const started = Date.now();
  const busy = (sample: Record<string, number>) =>
    Object.entries(sample)
      .filter(([name]) => name !== 'bench client')
      .reduce((sum, [, used]) => sum + used, 0);
  while (Date.now() - started < 60_000) {
    const before = busy(cpuSeconds(named));
    await sleep(1000);
    if (busy(cpuSeconds(named)) - before < 0.15) break;
  }
  return Date.now() - started;
}

/** CPU milliseconds by part, the noticeable ones. */
const cpuParts = (msByPart: Record<string, number>): string =>
  Object.entries(msByPart)
    .filter(([, ms]) => ms > 0.05)
    .map(([name, ms]) => `${name} ${ms} ms`)
    .join(', ');

/** The API's forked processes (API_PROCESSES > 1), named for the CPU accounting. */
function apiWorkerPids(parent: number | undefined): Record<string, number> {
  if (!parent) return {};
  const children = readdirSync('/proc').filter(
    (entry) => /^\d+$/.test(entry) && readFileSafe(`/proc/${entry}/stat`).split(') ')[1]?.split(' ')[1] === String(parent),
  );
  return Object.fromEntries(children.map((pid, k) => [`service API ${k + 1}`, Number(pid)]));
}
const readFileSafe = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

const rssKiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

function versions(cliPath: string): Record<string, string> {
  const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  const temporalCli = spawnSyncText(cliPath, ['--version']);
  return {
    node: process.version,
    temporalSdk: pkg.dependencies['@temporalio/worker'] ?? '?',
    temporalCli,
    prisma: pkg.dependencies['@prisma/client'] ?? '?',
    postgres: pkg.dependencies['embedded-postgres'] ?? '?',
  };
}

const spawnSyncText = (command: string, args: string[]): string => spawnSync(command, args, { encoding: 'utf8' }).stdout.trim();

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const benchStarted = Date.now();
  const work = path.join(PROJECT_ROOT, '.data', 'bench');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const cliPath = ensureTemporalCli();
  const pgDir = mkdtempSync(path.join(os.tmpdir(), 'hg-bench-pg-'));
  chmodSync(pgDir, 0o755);
  const serviceBundle = path.join(work, 'workflow-bundle.js');
  const bareBundle = path.join(work, 'bare-bundle.js');
  console.log('[bench] starting PostgreSQL and the Temporal dev server, bundling workflows');
  const [postgres, temporal] = await Promise.all([
    freePort().then((port) => startEmbeddedPostgres({ dataDir: path.join(pgDir, 'data'), port, databases: ['bench'] })),
    freePort().then((port) => startTemporalDevServer({ cliPath, port, logFile: path.join(work, 'temporal.log') })),
    writeWorkflowBundle(serviceBundle),
    writeWorkflowBundle(bareBundle, require.resolve('../bench/bare/workflows')),
  ]);
  const children: ChildProcess[] = [];
  const databaseUrl = postgres.urlFor('bench');
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });
  const prisma = createPrisma(databaseUrl);
  try {
    await prepareBackends({ temporalAddress: temporal.address, namespace: 'default', databaseUrl });
    const pool = new Pool({ connectionString: databaseUrl, max: 4 });
    await pool.query(
      'CREATE TABLE bench_decision (process_id TEXT NOT NULL, decision INT NOT NULL, at TIMESTAMPTZ NOT NULL, PRIMARY KEY (process_id, decision))',
    );
    await pool.end();

    const apiPort = await freePort();
    const common = { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address, LOG_LEVEL: 'warn' };
    const worker = spawnNode(
      'worker/main.ts',
      { ...common, TEMPORAL_TASK_QUEUE: 'bench-service', WORKFLOW_BUNDLE_PATH: serviceBundle },
      path.join(work, 'worker.log'),
    );
    // The bench drives each figure with one or a few tokens: the per-token rate limit is not what it measures.
    const apiProcess = spawnNode(
      'api/main.ts',
      {
        ...common,
        TEMPORAL_TASK_QUEUE: 'bench-service',
        API_PORT: String(apiPort),
        API_PROCESSES: String(API_PROCESSES),
        API_RATE_LIMIT_PER_SECOND: '1000000',
        API_RATE_LIMIT_BURST: '1000000',
        // The web pages, signed in with an API token over plain HTTP on this machine.
        WEB_SESSION_SECRET: 'bench-'.repeat(8),
        WEB_SECURE_COOKIES: 'false',
      },
      path.join(work, 'api.log'),
    );
    const bareWorker = spawnNode(
      'bench/bare/worker.ts',
      { ...common, TEMPORAL_TASK_QUEUE: 'bench-bare', WORKFLOW_BUNDLE_PATH: bareBundle },
      path.join(work, 'bare-worker.log'),
    );
    children.push(worker, apiProcess, bareWorker);
    const api: Api = { baseUrl: `http://127.0.0.1:${apiPort}`, tokens: await people(prisma) };
    await waitFor('the API', () => call(api, 'GET', '/processes?page_size=1', api.tokens.reader), 60_000);

    // Warm both systems up (bundles loaded, connections open), unmeasured.
    console.log('[bench] warming up');
    const warmService = await Promise.all(Array.from({ length: 4 }, (_, k) => ServiceProcess.start(api, `Warm ${k}`)));
    const warmBare = await Promise.all(Array.from({ length: 4 }, (_, k) => BareProcess.start(client, 'bench-bare', `bare-warm-${k}`)));
    for (let k = 0; k < 5; k += 1) await Promise.all([...warmService, ...warmBare].map((p) => p.decide()));

    const figures: Figure[] = [];
    const parts = {
      'bench client': process.pid,
      'service worker': worker.pid,
      'service API': apiProcess.pid,
      ...apiWorkerPids(apiProcess.pid),
      'bare worker': bareWorker.pid,
    };
    const interleaved = async (run: (system: 'bare' | 'service', block: number) => Promise<{ samples: Sample[]; perSecond: number }>) => {
      const results = { bare: [] as { samples: Sample[]; perSecond: number }[], service: [] as { samples: Sample[]; perSecond: number }[] };
      for (let block = 0; block < 2; block += 1) {
        for (const system of ['bare', 'service'] as const) {
          await settle(parts);
          results[system].push(await run(system, block));
        }
      }
      const merge = (list: { samples: Sample[]; perSecond: number }[]) => ({
        samples: list.flatMap((r) => r.samples),
        perSecond: list.reduce((sum, r) => sum + r.perSecond, 0) / list.length,
      });
      return { bare: merge(results.bare), service: merge(results.service) };
    };

    // 1. Decisions a second, closed loop, 8 clients each with a process of its own.
    const loopService = await Promise.all(Array.from({ length: CLOSED_LOOP_CLIENTS }, (_, k) => ServiceProcess.start(api, `Loop ${k}`)));
    const loopBare = await Promise.all(
      Array.from({ length: CLOSED_LOOP_CLIENTS }, (_, k) => BareProcess.start(client, 'bench-bare', `bare-loop-${k}`)),
    );
    if (PHASES.has('loop')) {
      console.log('[bench] decisions/s, closed loop');
      const cpu: { bare: Record<string, number>[]; service: Record<string, number>[] } = { bare: [], service: [] };
      let workerThreads = '';
      const loop = await interleaved(async (system) => {
        const threadsBefore = threadCpuSeconds(worker.pid);
        const result = await cpuPerOperation(parts, () =>
          closedLoop(CLOSED_LOOP_CLIENTS, SECONDS / 2, (k) => (system === 'bare' ? loopBare : loopService)[k]!.decide()),
        );
        cpu[system].push(result.cpuMsPerOp);
        if (system === 'service') {
          const done = Math.max(1, result.samples.filter((s) => s.ok).length);
          workerThreads = Object.entries(threadCpuSeconds(worker.pid))
            .map(([name, used]) => [name, ((used - (threadsBefore[name] ?? 0)) * 1000) / done] as const)
            .filter(([, ms]) => ms > 0.5)
            .map(([name, ms]) => `${name} ${ms.toFixed(1)} ms`)
            .join(', ');
        }
        return result;
      });
      const cpuNote = (['service', 'bare'] as const).map((system) => `${system}: ${cpuParts(cpu[system].at(-1) ?? {})}`).join('; ');
      figures.push({
        name: `decisions/s, closed loop, ${CLOSED_LOOP_CLIENTS} clients`,
        unit: '/s',
        service: loop.service.perSecond,
        bare: loop.bare.perSecond,
        target: { ratioAtLeast: 0.8 },
        latency: { service: latency(loop.service.samples), bare: latency(loop.bare.samples) },
        note: `CPU per decision (last block): ${cpuNote}. The service worker's threads: ${workerThreads}`,
      });
    }

    // 2. Latency at fixed offered rates, over pools of processes (one decision at a time each).
    const poolService = await Promise.all(Array.from({ length: 60 }, (_, k) => ServiceProcess.start(api, `Pool ${k}`)));
    const poolBare = await Promise.all(Array.from({ length: 60 }, (_, k) => BareProcess.start(client, 'bench-bare', `bare-pool-${k}`)));
    if (PHASES.has('rates')) {
      for (const rate of [5, 20]) {
        console.log(`[bench] decision latency at ${rate}/s offered`);
        const fixed = await interleaved((system) => openLoop(rate, SECONDS / 2, onIdle(system === 'bare' ? poolBare : poolService)));
        const service = latency(fixed.service.samples);
        const bare = latency(fixed.bare.samples);
        figures.push({
          name: `decision latency p99 at ${rate}/s offered`,
          unit: 'ms',
          service: service.p99,
          bare: bare.p99,
          target: { ratioAtMost: 1.5 },
          latency: { service, bare },
          achieved: { service: fixed.service.perSecond, bare: fixed.bare.perSecond },
        });
      }
    }

    // 3. A process started and taken through three decisions, a second.
    if (PHASES.has('start')) {
      console.log('[bench] start + 3 decisions');
      let started = 0;
      const startAnd3 = await interleaved((system, block) =>
        closedLoop(CLOSED_LOOP_CLIENTS, SECONDS / 2, async (k) => {
          started += 1;
          const process =
            system === 'bare'
              ? await BareProcess.start(client, 'bench-bare', `bare-s3-${block}-${k}-${started}`)
              : await ServiceProcess.start(api, `Start ${block} ${k} ${started}`);
          for (let d = 0; d < 3; d += 1) await process.decide();
        }),
      );
      figures.push({
        name: 'start + 3 decisions, processes/s',
        unit: '/s',
        service: startAnd3.service.perSecond,
        bare: startAnd3.bare.perSecond,
        target: { ratioAtLeast: 0.7 },
      });
    }

    // 4. Reads at 200/s with 2,000 open tasks in one council.
    if (PHASES.has('reads')) {
      console.log('[bench] inbox and timeline reads');
      const readIds = await seedReads(prisma, 2000);
      await prisma.$executeRawUnsafe('ANALYZE task, timeline_entry, process_record');
      // A second at the rate, unmeasured, so the figure is the steady state rather than the first plans and JIT.
      await openLoop(200, 1, () => call(api, 'GET', `/tasks?council=${COUNCIL}-reads`, api.tokens.reader).then(() => undefined));
      await settle(parts);
      const inbox = await cpuPerOperation(parts, () =>
        openLoop(200, SECONDS, () => call(api, 'GET', `/tasks?council=${COUNCIL}-reads`, api.tokens.reader).then(() => undefined)),
      );
      let next = 0;
      const timeline = await cpuPerOperation(parts, () =>
        openLoop(200, SECONDS, () =>
          call(
            api,
            'GET',
            `/processes/${encodeURIComponent(readIds[(next += 1) % readIds.length] as string)}/timeline`,
            api.tokens.reader,
          ).then(() => undefined),
        ),
      );
      figures.push(
        latencyFigure('GET /tasks?council= p99, 200/s, 2,000 open tasks', inbox, 50, 'read'),
        latencyFigure('GET /processes/:id/timeline p99, 200/s', timeline, 50, 'read'),
      );
    }

    // 4b. The web pages beside the JSON reads: an officer's inbox of 2,000 open tasks, and a process's page.
    if (PHASES.has('pages')) {
      console.log('[bench] web pages');
      if (!PHASES.has('reads')) await seedReads(prisma, 2000);
      const inboxCookie = await webSignIn(api, api.tokens.readsOfficer);
      const readerCookie = await webSignIn(api, api.tokens.reader);
      const page = (route: string, cookie: string) => async () => {
        const response = await fetch(`${api.baseUrl}${route}`, {
          headers: { cookie },
          redirect: 'manual',
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const html = await response.text();
        if (response.status !== 200) throw new Error(`GET ${route}: ${response.status} ${html.slice(0, 200)}`);
      };
      const inboxPage = page('/app/', inboxCookie);
      let next = 0;
      const processPage = () =>
        page(`/app/processes/${encodeURIComponent(warmService[(next += 1) % warmService.length]!.processId)}`, readerCookie)();
      await openLoop(50, 1, inboxPage);
      await openLoop(50, 1, processPage);
      await settle(parts);
      const inbox = await cpuPerOperation(parts, () => openLoop(50, SECONDS, inboxPage));
      await settle(parts);
      const processView = await cpuPerOperation(parts, () => openLoop(50, SECONDS, processPage));
      figures.push(
        latencyFigure('inbox page (/app/) p99, 50/s, 2,000 open tasks', inbox, 100, 'page'),
        latencyFigure('process page (/app/processes/:id) p99, 50/s', processView, 100, 'page'),
      );
    }

    // 5. Costs as a process grows old: one LMA through LONG_TERMS terms (a term in three seconds), its
    // first terms' decisions against its last ones', and each run's distance to Temporal's limits.
    if (PHASES.has('long')) {
      console.log(`[bench] one LMA through ${LONG_TERMS} terms`);
      await call(api, 'PUT', `/councils/${TERMS_COUNCIL}/policy`, api.tokens.manager, termsPolicy);
      await settle(parts);
      const cpuAt = new Map<number, Record<string, number>>();
      const { processId, decisions } = await driveLmaThroughTerms(
        { baseUrl: api.baseUrl, council: TERMS_COUNCIL, group: GROUP, tokens: api.tokens },
        LONG_TERMS,
        (term) => cpuAt.set(term, cpuSeconds(parts)),
      );
      const window = (from: number, to: number) => {
        const taken = decisions.filter((d) => d.term >= from && d.term <= to);
        const [before, after] = [cpuAt.get(from) ?? {}, cpuAt.get(to + 1) ?? {}];
        const cpuMsPerOp = Object.fromEntries(
          Object.entries(after).map(([name, used]) => [name, +(((used - (before[name] ?? 0)) * 1000) / taken.length).toFixed(2)]),
        );
        return { samples: taken.map((d) => ({ ms: d.ms, ok: true })), cpuMsPerOp };
      };
      // Renewed terms only: the first holds the agreement's start, the last its termination and end.
      const width = Math.min(3, Math.floor((LONG_TERMS - 2) / 2));
      const first = window(2, 1 + width);
      const last = window(LONG_TERMS - width, LONG_TERMS - 1);
      const termsOf = (from: number, to: number) => (from === to ? `term ${from}` : `terms ${from}-${to}`);
      const [earlyTerms, lateTerms] = [termsOf(2, 1 + width), termsOf(LONG_TERMS - width, LONG_TERMS - 1)];
      const runs = await processRuns(client, processId);
      const measured = runs.map((run) => ({
        events: run.history.events?.length ?? 0,
        bytes: proto.api.history.v1.History.encode(run.history).finish().length,
        updates: (run.history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length,
      }));
      const most = (key: 'events' | 'bytes' | 'updates') => Math.max(...measured.map((m) => m[key]));
      const termRuns = measured.slice(1);
      const perTerm = (key: 'events' | 'updates') => termRuns.reduce((sum, m) => sum + m[key], 0) / Math.max(1, termRuns.length);
      const share = (used: number, limit: number) => `${((100 * used) / limit).toFixed(2)} %`;
      const history = `${runs.length} runs (each term after the first continues as new); a term's run ${perTerm('events').toFixed(0)} events and ${perTerm('updates').toFixed(1)} updates on average, the first (establishment and term 1) ${measured[0]?.events} events; the largest run ${most('events')} events (${share(most('events'), TEMPORAL_LIMITS.events)} of Temporal's 51,200), ${(most('bytes') / 1024).toFixed(0)} KiB (${share(most('bytes'), TEMPORAL_LIMITS.bytes)} of 50 MiB), ${most('updates')} updates (${share(most('updates'), TEMPORAL_LIMITS.updates)} of 2,000)`;
      const [firstLatency, lastLatency] = [latency(first.samples), latency(last.samples)];
      const terms = `${lateTerms} of one LMA through ${LONG_TERMS}`;
      figures.push({
        name: `decision latency p50, ${terms}`,
        unit: 'ms',
        service: lastLatency.p50,
        bare: firstLatency.p50,
        against: earlyTerms,
        target: { ratioAtMost: 1.2 },
        latency: { service: lastLatency, bare: firstLatency },
        note: history,
      });
      figures.push({
        name: `service worker CPU per decision, ${terms}`,
        unit: 'ms',
        service: last.cpuMsPerOp['service worker'] ?? NaN,
        bare: first.cpuMsPerOp['service worker'] ?? NaN,
        against: earlyTerms,
        target: { ratioAtMost: 1.2 },
        note: `CPU per decision (with the terms' own work: payments, documents, and the bench's polling for each term's tasks) in ${earlyTerms}: ${cpuParts(first.cpuMsPerOp)}; in ${lateTerms}: ${cpuParts(last.cpuMsPerOp)}`,
      });
    }

    // 6. Worker memory per open process: a fresh worker (nothing cached), then processes opened.
    const memory: { open: number; rssKiB: number }[] = [];
    if (PHASES.has('memory')) {
      await stopChild(worker, 'SIGTERM', 10_000);
      const freshWorker = spawnNode(
        'worker/main.ts',
        { ...common, TEMPORAL_TASK_QUEUE: 'bench-service', WORKFLOW_BUNDLE_PATH: serviceBundle },
        path.join(work, 'worker-memory.log'),
      );
      children.push(freshWorker);
      const workerPid = freshWorker.pid as number;
      await sleep(8000);
      const baseline = rssKiB(workerPid);
      memory.push({ open: 0, rssKiB: baseline });
      let opened = 0;
      for (const target of OPEN_PROCESSES) {
        console.log(`[bench] opening processes up to ${target} for the worker's memory`);
        opened = await openProcesses(client, prisma, opened, target);
        await sleep(5000);
        const rss = rssKiB(workerPid);
        memory.push({ open: target, rssKiB: rss });
        figures.push({
          name: `worker memory per open process, ${target} open`,
          unit: 'KiB',
          service: (rss - baseline) / target,
          target: { atMost: 100 },
          note: `worker RSS ${(rss / 1024).toFixed(0)} MiB (${(baseline / 1024).toFixed(0)} MiB with none open)`,
        });
      }
    }

    // 7. Replay throughput: the bench's own processes' histories, on one thread and on one per core.
    if (PHASES.has('replay')) {
      console.log('[bench] replay');
      const sources = [...loopService, ...poolService, ...warmService].map((p) => p.processId);
      const histories: ReplayInput[] = [];
      for (const processId of sources)
        for (const run of await processRuns(client, processId))
          histories.push({ processId, workflowId: run.workflowId, runId: run.runId, history: run.history });
      const code = await workflowCode(serviceBundle)();
      const inputs = Array.from({ length: REPLAY_HISTORIES }, (_, k) => histories[k % histories.length] as ReplayInput);
      const events = inputs.reduce((sum, input) => sum + ((input.history as { events?: unknown[] }).events?.length ?? 0), 0);
      /** Histories a second replayed (as the API does: off its thread) over `threads` threads. */
      const replayRate = async (threads: number) => {
        const started = performance.now();
        let replayed = 0;
        let divergent = 0;
        for await (const result of replayOffThread(code, inputs, threads)) {
          replayed += 1;
          if (!result.deterministic) divergent += 1;
        }
        const seconds = (performance.now() - started) / 1000;
        return { perSecond: replayed / seconds, eventsPerSecond: events / seconds, divergent };
      };
      const threads = replayThreadsHere();
      const single = await replayRate(1);
      const spread = await replayRate(threads);
      figures.push({
        name: `replay, histories/s (${inputs.length} histories, ${threads} threads)`,
        unit: '/s',
        service: spread.perSecond,
        bare: single.perSecond,
        against: 'one thread',
        target: { ratioAtLeast: 1.8 },
        note: `${spread.eventsPerSecond.toFixed(0)} events/s (one thread: ${single.eventsPerSecond.toFixed(0)}), ${spread.divergent + single.divergent} divergent, from ${histories.length} distinct histories of ${sources.length} processes`,
      });
    }

    const report: BenchReport = {
      at: new Date().toISOString(),
      durationSeconds: (Date.now() - benchStarted) / 1000,
      machine: {
        cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
        memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
        platform: `${os.platform()} ${os.release()}`,
      },
      versions: versions(cliPath),
      parameters: {
        blockSeconds: SECONDS,
        closedLoopClients: CLOSED_LOOP_CLIENTS,
        openProcesses: OPEN_PROCESSES,
        replayHistories: REPLAY_HISTORIES,
        longTerms: LONG_TERMS,
        workerMaxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 100),
        apiProcesses: API_PROCESSES,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
      },
      figures,
      memory,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(path.join(RESULTS, `${report.at.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(report, null, 2)}\n`);
    // Only a whole run is the latest (the table in the README and docs/performance.md); a run of some phases keeps its own file only.
    if (ALL_PHASES.split(',').every((phase) => PHASES.has(phase))) {
      writeFileSync(path.join(RESULTS, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(path.join(RESULTS, 'latest.md'), renderMarkdown(report));
      writeFileSync(path.join(RESULTS, 'latest.svg'), renderSvg(report));
    }
    console.log(renderMarkdown(report));
  } finally {
    await Promise.allSettled(children.map((child) => stopChild(child, 'SIGTERM', 10_000)));
    await prisma.$disconnect();
    await connection.close();
    await temporal.stop();
    await postgres.stop();
    rmSync(pgDir, { recursive: true, force: true });
  }
}

/** A read's figure: its p99 against a ceiling in ms, with the rate achieved and the CPU each one cost. */
function latencyFigure(
  name: string,
  result: { samples: Sample[]; perSecond: number; cpuMsPerOp: Record<string, number> },
  atMost: number,
  what: 'read' | 'page',
): Figure {
  const stats = latency(result.samples);
  return {
    name,
    unit: 'ms',
    service: stats.p99,
    target: { atMost },
    latency: { service: stats },
    achieved: { service: result.perSecond },
    note: `CPU per ${what}: ${cpuParts(result.cpuMsPerOp)}`,
  };
}

/** A web session for a token (the sign-in form, with its CSRF token): the cookie that carries it. */
async function webSignIn(api: Api, token: string): Promise<string> {
  const form = await fetch(`${api.baseUrl}/app/sign-in`);
  const cookieOf = (response: Response) => (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!csrf) throw new Error('the sign-in page has no CSRF token');
  const signedIn = await fetch(`${api.baseUrl}/app/sign-in`, {
    method: 'POST',
    headers: { cookie: cookieOf(form), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, token }).toString(),
    redirect: 'manual',
  });
  if (signedIn.status !== 302) throw new Error(`signing in to the web pages: ${signedIn.status}`);
  return cookieOf(signedIn);
}

/** The bench's people: a programme manager, a housing officer, the group's rep, and a reader (auditor). */
async function people(prisma: PrismaClient): Promise<Api['tokens']> {
  const person = async (id: string, grants: { council: string; role: Parameters<typeof grantRole>[2]['role']; groupKey?: string }[]) => {
    await createUser(prisma, { id, displayName: id, email: `${id}@bench.test` });
    for (const grant of grants) await grantRole(prisma, id, { groupKey: '', ...grant });
    return (await issueToken(prisma, id, 'bench')).token;
  };
  return {
    manager: await person('bench-manager', [
      { council: COUNCIL, role: 'programme_manager' },
      { council: TERMS_COUNCIL, role: 'programme_manager' },
    ]),
    officer: await person('bench-officer', [
      { council: COUNCIL, role: 'housing_manager' },
      { council: TERMS_COUNCIL, role: 'housing_manager' },
    ]),
    rep: await person('bench-rep', [
      { council: COUNCIL, role: 'resident_rep', groupKey: 'bench-residents-association' },
      { council: TERMS_COUNCIL, role: 'resident_rep', groupKey: 'bench-residents-association' },
    ]),
    legal: await person('bench-legal', [{ council: TERMS_COUNCIL, role: 'legal_services' }]),
    reader: await person('bench-reader', [{ council: '*', role: 'auditor' }]),
    // The officer whose web inbox holds the 2,000 seeded tasks.
    readsOfficer: await person('bench-reads-officer', [{ council: `${COUNCIL}-reads`, role: 'housing_manager' }]),
  };
}

/** 2,000 open tasks over 200 processes of one council, with 20 timeline entries each, written directly: this measures reads. */
async function seedReads(prisma: PrismaClient, tasks: number): Promise<string[]> {
  const council = `${COUNCIL}-reads`;
  const processes = tasks / 10;
  const now = Date.now();
  const ids = Array.from({ length: processes }, (_, p) => `lma:${council}:estate-${p}:group-${p}`);
  await prisma.processRecord.createMany({
    data: ids.map((id, p) => ({
      id,
      kind: 'lma',
      council,
      businessKey: id,
      groupKey: `group-${p}`,
      stage: 'outline_plan',
      status: 'active',
      title: `LMA ${p}`,
      startedBy: 'bench',
      startedAt: new Date(now - p * 1000),
      updatedAt: new Date(now),
    })),
  });
  await prisma.task.createMany({
    data: ids.flatMap((processId, p) =>
      Array.from({ length: 10 }, (_, t) => ({
        id: `${processId}~task-${t}`,
        processId,
        workflowId: processId,
        workflowKind: 'lma',
        taskKey: `task-${t}`,
        council,
        processKind: 'lma',
        groupKey: `group-${p}`,
        kind: 'submit_monitoring_report',
        title: `Monitoring report ${t}`,
        // A role the reads officer holds, so their web inbox is these tasks (the JSON reads are an auditor's).
        role: 'housing_manager',
        status: 'open',
        outcomes: ['submit'],
        requiredFormFields: ['summary'],
        data: {},
        openedAt: new Date(now),
        dueAt: new Date(now + (p * 10 + t) * 60_000),
      })),
    ),
  });
  await prisma.timelineEntry.createMany({
    data: ids.flatMap((processId) =>
      Array.from({ length: 20 }, (_, e) => ({
        id: `${processId}:e${e}`,
        processId,
        at: new Date(now + e),
        kind: 'stage_changed',
        summary: `Step ${e}`,
        documentIds: [],
      })),
    ),
  });
  return ids;
}

/** Starts LMAs (as the API would) until `target` are open, and waits for each one's first task in the inbox. */
async function openProcesses(client: Client, prisma: PrismaClient, from: number, target: number): Promise<number> {
  const definition = PROCESSES.get('lma');
  if (!definition?.start) throw new Error('no lma definition');
  const start = definition.start;
  const policy = policyModel(PROCESSES).defaults;
  const council = `${COUNCIL}-open`;
  let nextIndex = from;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (;;) {
        const k = nextIndex;
        nextIndex += 1;
        if (k >= target) return;
        const body = {
          kind: 'lma',
          council,
          estate: `Estate ${k}`,
          group: { name: GROUP, legalForm: 'residents_association' },
          services: [{ service: 'gardening', scope: ['the green'] }],
        };
        await client.workflow.start(definition.workflowType, {
          taskQueue: 'bench-service',
          workflowId: start.businessKey(body),
          args: [start.input(body, { startedBy: { userId: 'bench-manager', role: 'programme_manager' }, policy })],
        });
      }
    }),
  );
  await waitFor(
    `${target} processes with their first task`,
    async () => {
      const open = await prisma.task.count({ where: { council } });
      if (open < target) throw new Error(`${open} so far`);
    },
    30 * 60_000,
  );
  return target;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
