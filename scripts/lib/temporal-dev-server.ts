import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { stopChild, waitFor } from './processes';

export interface DevServerOptions {
  cliPath: string;
  port: number;
  /** Web UI port; omitted means headless. */
  uiPort?: number;
  /** SQLite file that keeps processes across restarts; omitted means in memory. */
  dbFile?: string;
  /** Where the server's own output goes. */
  logFile: string;
  /** Called when the server stops without being asked to: the launcher restarts it. */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` and waits until its front end answers. */
export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${options.port}`;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  args.push(...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]));
  if (options.dbFile) {
    mkdirSync(path.dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(options.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited: string | undefined;
  let stopping = false;
  let ready = false;
  child.once('exit', (code, signal) => {
    exited = `the Temporal dev server exited (${code ?? signal}); see ${options.logFile}`;
    if (!stopping && ready) options.onUnexpectedExit?.(code, signal);
  });

  await waitFor(
    `Temporal dev server on ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
      } finally {
        await connection.close();
      }
    },
    60_000,
    () => exited,
  ).catch(async (err: unknown) => {
    await stopChild(child);
    throw err;
  });
  ready = true;

  return {
    address,
    uiUrl: options.uiPort === undefined ? undefined : `http://127.0.0.1:${options.uiPort}`,
    stop: async () => {
      stopping = true;
      await stopChild(child, 'SIGTERM', 5_000);
      log.end();
    },
  };
}
