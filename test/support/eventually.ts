/**
 * Polls until `check` passes (returns without throwing), for work that completes asynchronously
 * (an activity writing a read model, visibility indexing). Fails with the last error at the deadline.
 */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
