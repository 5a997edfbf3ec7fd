// `npm start`: runs the whole service on this machine. Starts what is not configured to exist already
// (embedded PostgreSQL, the Temporal dev server with its SQLite file and Web UI), prepares them
// (search attributes, migrations), then runs the worker and the API as child processes. It supervises
// what it started: a part that stops on its own (crashed, killed) is restarted, with growing pauses.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import { ConfigError, launcherConfigSchema, parseConfig } from '../lib/config';
import { startEmbeddedPostgres, type RunningPostgres } from './lib/embedded-postgres';
import { PROJECT_ROOT, RUNNING_DATABASE_FILE } from './lib/paths';
import { prepareBackends } from './lib/prepare';
import { stopChild } from './lib/processes';
import { restarter, type Restarter } from './lib/supervisor';
import { ensureTemporalCli } from './lib/temporal-cli';
import { startTemporalDevServer, type DevServer } from './lib/temporal-dev-server';
import { webSessionSecret } from './lib/web-secret';
import { nodeFlagsFor } from '../worker/node-flags';

const say = (message: string) => console.log(`[start] ${message}`);
/** How long the worker and the API get to stop on SIGTERM before they are killed. */
const CHILD_STOP_GRACE_MS = 5_000;

async function main(): Promise<void> {
  const config = parseConfig(launcherConfigSchema);
  const dataDir = path.resolve(PROJECT_ROOT, config.HG_DATA_DIR);
  const stack: { postgres?: RunningPostgres; temporal?: DevServer; children: Map<string, ChildProcess>; restarters: Restarter[] } = {
    children: new Map(),
    restarters: [],
  };

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      say('stopping');
      for (const restarts of stack.restarters) restarts.stopRestarting();
      // A child that has not stopped within a few seconds (e.g. a worker waiting on a Temporal that is down) is killed.
      await Promise.all([...stack.children.values()].map((child) => stopChild(child, 'SIGTERM', CHILD_STOP_GRACE_MS)));
      await stack.temporal?.stop();
      await stack.postgres?.stop();
      say('stopped');
    })();
    return stopping;
  };
  // embedded-postgres stops its server through async-exit-hook on SIGINT/SIGTERM and then exits the
  // process; joining the same hook makes that exit wait until the worker and API have stopped too.
  exitHook.forceExitTimeout(20_000);
  exitHook((done) => void shutdown().then(done));

  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      say(`starting embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_PG_PORT} (data in ${path.join(dataDir, 'postgres')})`);
      const startPostgres = async () => {
        stack.postgres = await startEmbeddedPostgres({
          dataDir: path.join(dataDir, 'postgres'),
          port: config.EMBEDDED_PG_PORT,
          databases: ['housing_governance'],
          onLog: (line) => line.startsWith('stopped PostgreSQL') && say(line),
          onUnexpectedExit: (code, signal) => postgresRestarts.stopped(`exit ${code ?? signal}`),
        });
      };
      const postgresRestarts = restarter('PostgreSQL', startPostgres, say);
      stack.restarters.push(postgresRestarts);
      await startPostgres();
      databaseUrl = (stack.postgres as RunningPostgres | undefined)?.urlFor('housing_governance');
      // `npm run admin` finds this database here, whatever port it runs on.
      mkdirSync(path.dirname(RUNNING_DATABASE_FILE), { recursive: true });
      writeFileSync(
        RUNNING_DATABASE_FILE,
        JSON.stringify({ url: databaseUrl, port: config.EMBEDDED_PG_PORT, startedAt: new Date().toISOString() }),
      );
    }

    let temporalAddress = config.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const cliPath = ensureTemporalCli(config.TEMPORAL_CLI_PATH);
      say(`starting the Temporal dev server on 127.0.0.1:${config.TEMPORAL_DEV_PORT} (state in ${path.join(dataDir, 'temporal')})`);
      const startTemporal = async () => {
        stack.temporal = await startTemporalDevServer({
          cliPath,
          port: config.TEMPORAL_DEV_PORT,
          uiPort: config.TEMPORAL_UI_PORT,
          dbFile: path.join(dataDir, 'temporal', 'temporal.db'),
          logFile: path.join(dataDir, 'temporal', 'server.log'),
          onUnexpectedExit: (code, signal) => temporalRestarts.stopped(`exit ${code ?? signal}`),
        });
      };
      const temporalRestarts = restarter('the Temporal dev server', startTemporal, say);
      stack.restarters.push(temporalRestarts);
      await startTemporal();
      temporalAddress = (stack.temporal as DevServer | undefined)?.address;
    }
    if (!databaseUrl || !temporalAddress) throw new Error('PostgreSQL or Temporal did not start');

    const applied = await prepareBackends({ temporalAddress, namespace: config.TEMPORAL_NAMESPACE, databaseUrl });
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');

    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      // The web pages' session secret, kept in the data folder so sessions outlive a restart; plain HTTP here.
      WEB_SESSION_SECRET: process.env.WEB_SESSION_SECRET ?? webSessionSecret(dataDir),
      WEB_SECURE_COOKIES: process.env.WEB_SECURE_COOKIES ?? 'false',
    };
    for (const part of ['worker/main.ts', 'api/main.ts']) {
      const run = async () => {
        const child = spawn(process.execPath, [...nodeFlagsFor(part), '--import', 'tsx', part], {
          cwd: PROJECT_ROOT,
          env,
          stdio: 'inherit',
        });
        stack.children.set(part, child);
        say(`${part} started (pid ${child.pid})`);
        child.once('exit', (code, signal) => {
          if (!stopping) restarts.stopped(`exit ${code ?? signal}`);
        });
      };
      const restarts = restarter(part, run, say);
      stack.restarters.push(restarts);
      await run();
    }

    say(`API:          http://${config.API_HOST}:${config.API_PORT}`);
    say(`Web:          http://${config.API_HOST}:${config.API_PORT}/app/ (sign in with a token from \`npm run admin\`)`);
    if (stack.temporal?.uiUrl) say(`Temporal UI:  ${stack.temporal.uiUrl}`);
    say(`Temporal:     ${temporalAddress}`);
    say('press Ctrl-C to stop');
  } catch (err) {
    console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
    await shutdown();
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `[start] ${err.message}` : err);
  process.exit(1);
});
