// `npm start`: runs the whole service on this machine. Starts what is not configured to exist already
// (embedded PostgreSQL, the Temporal dev server with its SQLite file and Web UI), prepares them
// (search attributes, migrations), then runs the worker and the API as child processes.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import { ConfigError, launcherConfigSchema, parseConfig } from '../lib/config';
import { startEmbeddedPostgres, type RunningPostgres } from './lib/embedded-postgres';
import { PROJECT_ROOT } from './lib/paths';
import { prepareBackends } from './lib/prepare';
import { stopChild } from './lib/processes';
import { ensureTemporalCli } from './lib/temporal-cli';
import { startTemporalDevServer, type DevServer } from './lib/temporal-dev-server';

const say = (message: string) => console.log(`[start] ${message}`);

async function main(): Promise<void> {
  const config = parseConfig(launcherConfigSchema);
  const dataDir = path.resolve(PROJECT_ROOT, config.HG_DATA_DIR);
  const stack: { postgres?: RunningPostgres; temporal?: DevServer; children: ChildProcess[] } = { children: [] };

  let stopping: Promise<void> | undefined;
  const shutdown = () => {
    stopping ??= (async () => {
      say('stopping');
      await Promise.all(stack.children.map((child) => stopChild(child)));
      await stack.temporal?.stop();
      await stack.postgres?.stop();
      say('stopped');
    })();
    return stopping;
  };
  // embedded-postgres stops its server through async-exit-hook on SIGINT/SIGTERM and then exits the
  // process; joining the same hook makes that exit wait until the worker and API have stopped too.
  exitHook.forceExitTimeout(60_000);
  exitHook((done) => void shutdown().then(done));

  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      say(`starting embedded PostgreSQL on 127.0.0.1:${config.EMBEDDED_PG_PORT} (data in ${path.join(dataDir, 'postgres')})`);
      stack.postgres = await startEmbeddedPostgres({
        dataDir: path.join(dataDir, 'postgres'),
        port: config.EMBEDDED_PG_PORT,
        databases: ['housing_governance'],
      });
      databaseUrl = stack.postgres.urlFor('housing_governance');
    }

    let temporalAddress = config.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      const cliPath = ensureTemporalCli(config.TEMPORAL_CLI_PATH);
      say(`starting the Temporal dev server on 127.0.0.1:${config.TEMPORAL_DEV_PORT} (state in ${path.join(dataDir, 'temporal')})`);
      stack.temporal = await startTemporalDevServer({
        cliPath,
        port: config.TEMPORAL_DEV_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFile: path.join(dataDir, 'temporal', 'temporal.db'),
        logFile: path.join(dataDir, 'temporal', 'server.log'),
      });
      temporalAddress = stack.temporal.address;
    }

    const applied = await prepareBackends({ temporalAddress, namespace: config.TEMPORAL_NAMESPACE, databaseUrl });
    say(applied.length ? `migrations applied: ${applied.join(', ')}` : 'database schema is up to date');

    const env = { ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalAddress };
    for (const part of ['worker/main.ts', 'api/main.ts']) {
      const child = spawn(process.execPath, ['--import', 'tsx', part], { cwd: PROJECT_ROOT, env, stdio: 'inherit' });
      child.once('exit', (code, signal) => {
        if (stopping) return;
        say(`${part} exited (${code ?? signal}); stopping everything`);
        void shutdown().then(() => process.exit(1));
      });
      stack.children.push(child);
    }

    say(`API:          http://${config.API_HOST}:${config.API_PORT}`);
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
