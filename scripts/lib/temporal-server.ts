import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { Client } from 'pg';
import { PROJECT_ROOT, TOOLS_DIR, isExecutable } from './paths';
import { stopChild } from './processes';

// The full Temporal server on PostgreSQL (what a council's operations team runs), for `npm run
// cluster` and its tests: built once from the Go module proxy like the CLI, its schemas created with
// its own SQL tool from the module's schema files, started from temporal/config/cluster.yaml.

/** The server release the cluster runs (docker-compose.yml's `temporal` image is the same release). */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';
const SQL_PLUGIN = 'postgres12';
/** The databases of temporal/config/cluster.yaml's stores: history and SQL visibility. */
export const TEMPORAL_DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;

export interface TemporalServerTools {
  server: string;
  sqlTool: string;
  /** The module's schema files: `<dir>/postgresql/v12/{temporal,visibility}/versioned`. */
  schemaDir: string;
}

const succeeds = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } }).status === 0;

/** Where the Go module cache holds the server's module (downloading it if it is not there yet). */
function moduleDir(): string {
  const result = spawnSync('go', ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], { encoding: 'utf8' });
  const dir = result.status === 0 ? (JSON.parse(result.stdout) as { Dir?: string }).Dir : undefined;
  if (!dir) throw new Error(`could not download ${MODULE}@v${TEMPORAL_SERVER_VERSION} (is Go installed?): ${result.stderr}`);
  return dir;
}

/**
 * The server and its SQL tool under .data/tools (built once with `go install`, a few minutes on two
 * cores), and the schema files of the same release.
 */
export function ensureTemporalServer(): TemporalServerTools {
  const bin = path.join(TOOLS_DIR, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const tools = { server: path.join(bin, 'server'), sqlTool: path.join(bin, 'sql') };
  for (const [name, pkg] of [
    ['server', 'cmd/server'],
    ['sql', 'cmd/tools/sql'],
  ] as const) {
    if (isExecutable(path.join(bin, name))) continue;
    mkdirSync(bin, { recursive: true });
    console.log(`[cluster] building the Temporal server's ${name} (go install ${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION})`);
    if (!succeeds('go', ['install', `${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION}`], { GOBIN: bin }))
      throw new Error(`go install ${MODULE}/${pkg}@v${TEMPORAL_SERVER_VERSION} failed; Go 1.24 or later is needed`);
  }
  return { ...tools, schemaDir: path.join(moduleDir(), 'schema') };
}

export interface TemporalDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Creates the server's two databases and brings their schemas to this release (each step only when needed). */
export async function setUpTemporalSchemas(tools: TemporalServerTools, db: TemporalDatabase): Promise<void> {
  const admin = new Client({ host: db.host, port: db.port, user: db.user, password: db.password, database: 'postgres' });
  await admin.connect();
  try {
    for (const [store, database] of Object.entries(TEMPORAL_DATABASES)) {
      const sql = (...args: string[]) => {
        const common = [
          '--plugin',
          SQL_PLUGIN,
          '--ep',
          db.host,
          '-p',
          String(db.port),
          '-u',
          db.user,
          '--pw',
          db.password,
          '--db',
          database,
        ];
        // Its step-by-step log is shown only when it fails.
        const run = spawnSync(tools.sqlTool, [...common, ...args], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`temporal-sql-tool ${args.join(' ')} on ${database} failed:\n${run.stdout}${run.stderr}`);
      };
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) sql('create-database');
      const client = new Client({ host: db.host, port: db.port, user: db.user, password: db.password, database });
      await client.connect();
      const versioned = await client.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'");
      await client.end();
      if (versioned.rowCount === 0) sql('setup-schema', '-v', '0.0');
      sql('update-schema', '-d', path.join(tools.schemaDir, 'postgresql', 'v12', store, 'versioned'));
    }
  } finally {
    await admin.end();
  }
}

export interface TemporalServer {
  address: string;
  stop(): Promise<void>;
  child: ChildProcess;
}

/** The frontend's port for a port base (temporal/config/cluster.yaml: base + 33). */
export const frontendPort = (portBase: number): number => portBase + 33;

/**
 * Starts the server from temporal/config/cluster.yaml, waits for its frontend, and registers the
 * namespace (a dev server has `default` already; a real one starts with none).
 */
export async function startTemporalServer(options: {
  tools: TemporalServerTools;
  db: TemporalDatabase;
  portBase: number;
  namespace: string;
  logFile: string;
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}): Promise<TemporalServer> {
  const { tools, db, portBase, namespace } = options;
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(
    tools.server,
    ['--root', path.join(PROJECT_ROOT, 'temporal'), '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
    {
      env: {
        ...process.env,
        TEMPORAL_DB_HOST: db.host,
        TEMPORAL_DB_PORT: String(db.port),
        TEMPORAL_DB_USER: db.user,
        TEMPORAL_DB_PASSWORD: db.password,
        TEMPORAL_PORT_BASE: String(portBase),
      },
      // Its dynamic configuration's path is relative to the working directory.
      cwd: path.join(PROJECT_ROOT, 'temporal'),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) options.onUnexpectedExit?.(code, signal);
  });
  const address = `127.0.0.1:${frontendPort(portBase)}`;
  const stop = async () => {
    stopping = true;
    await stopChild(child);
    log.end();
  };
  try {
    await registerNamespace(address, namespace, () => child.exitCode !== null);
  } catch (err) {
    await stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)} (the server's log: ${options.logFile})`);
  }
  return { address, child, stop };
}

/** Waits for the frontend to answer, then registers the namespace unless it exists (3 days' retention of closed runs). */
async function registerNamespace(address: string, namespace: string, exited: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error('the Temporal server stopped while starting');
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace }).catch(async (err: unknown) => {
          if (!/not found/i.test(String(err))) throw err;
          await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('3 days') });
        });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`the Temporal server did not serve ${namespace} within ${timeoutMs / 1000} s: ${String(err)}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
