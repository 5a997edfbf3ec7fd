import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { nodeFlagsFor } from '../../worker/node-flags';
import { PROJECT_ROOT } from './paths';

// A worker or API process of the cluster (scripts/lib/cluster.ts), and of the topology tests, which
// start more of them (a worker of a new release) beside what `npm run cluster` started.

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
}

/** Runs `node --import tsx <entry>` with `env`, its output to `<logDir>/<name>.log`, and waits until it prints `ready`. */
export async function startService(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  logDir: string,
  ready: string,
): Promise<ServiceProcess> {
  const log = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [...nodeFlagsFor(entry), '--import', 'tsx', path.join(PROJECT_ROOT, entry)], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever way the launcher ends, its services end with it (a worker left polling on its own would take tasks).
  const orphaned = () => child.kill('SIGKILL');
  process.once('exit', orphaned);
  child.once('exit', () => process.off('exit', orphaned));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      if (output.length < 20_000) output += chunk.toString();
      if (output.includes(ready)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`${name} stopped (${code ?? signal}) before it was ready:\n${output}`)));
  });
  return { name, child };
}
