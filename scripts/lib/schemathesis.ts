import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TOOLS_DIR, isExecutable } from './paths';

// The version the API description is checked with (test/api-description.test.ts); a PyPI package.
export const SCHEMATHESIS_VERSION = '4.32.5';

/**
 * The schemathesis command (`st`), installed into a virtual environment of its own under .data/tools
 * the first time it is needed, from PyPI with the machine's Python. Throws, saying what to install,
 * when it cannot be: a check that cannot run fails, it is never skipped.
 */
export function ensureSchemathesis(): string {
  const target = path.join(TOOLS_DIR, `schemathesis-${SCHEMATHESIS_VERSION}`);
  const binary = path.join(target, 'bin', 'st');
  // A virtual environment names its own path in its scripts, so it is built in place; the mark says it was built whole.
  const installed = path.join(target, '.installed');
  if (existsSync(installed) && isExecutable(binary)) return binary;
  rmSync(target, { recursive: true, force: true });
  mkdirSync(TOOLS_DIR, { recursive: true });
  const python = ['python3', 'python'].find((candidate) => spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0);
  if (!python) throw new Error(`schemathesis ${SCHEMATHESIS_VERSION} needs Python 3 with venv: install python3 and python3-venv`);
  console.log(`[setup] installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI`);
  const run = (command: string, args: string[]) =>
    spawnSync(command, args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore', PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    }).status === 0;
  if (
    !run(python, ['-m', 'venv', target]) ||
    !run(path.join(target, 'bin', 'pip'), ['install', '--quiet', `schemathesis==${SCHEMATHESIS_VERSION}`])
  ) {
    throw new Error(`could not install schemathesis ${SCHEMATHESIS_VERSION} (python3 -m venv, then pip install): see the lines above`);
  }
  writeFileSync(installed, SCHEMATHESIS_VERSION);
  return binary;
}
