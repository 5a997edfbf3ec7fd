import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Debian's Chromium package puts the browser; CHROMIUM_PATH names another. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium the browser tests drive: the Debian package (Playwright's own download cannot reach
 * its host here), installed with apt-get where it is missing and the tests run as root. A browser
 * that cannot be had fails the run, saying what to install; the browser tests never skip.
 */
export function ensureChromium(): string {
  const wanted = process.env.CHROMIUM_PATH ?? DEBIAN_CHROMIUM;
  if (existsSync(wanted)) return wanted;
  if (!process.env.CHROMIUM_PATH && process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0) {
    console.log('[setup] installing Chromium with apt-get');
    const apt = (args: string[]) =>
      spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
        .status === 0;
    if (apt(['update', '-qq']) && apt(['install', '-y', '-qq', 'chromium']) && existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  }
  throw new Error(`no Chromium at ${wanted}: install the Debian package (apt-get install -y chromium) or set CHROMIUM_PATH`);
}
