import type { ChildProcess } from 'node:child_process';

/** Asks a child to stop, and kills it if it has not gone within `graceMs`. Safe to call twice. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Polls `probe` until it resolves, or fails with the last error after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<unknown>,
  timeoutMs: number,
  gaveUp?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const fatal = gaveUp?.();
    if (fatal) throw new Error(`${what}: ${fatal}`);
    try {
      await probe();
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(
    `${what} was not ready within ${timeoutMs / 1000}s: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}
