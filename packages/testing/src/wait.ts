/**
 * Polls `probe` until it returns a value other than `undefined`/`false`, or fails after `timeoutMs`
 * with `what` in the message. For eventual consistency (events reaching a view), never a fixed sleep.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Runs `work(0)` … `work(count - 1)` with at most `limit` in flight (a fixed set of workers, each
 * taking the next index when it is done) and returns the results by index; `onDone(done)` after
 * each one (progress). Rejects with the first failure.
 */
export async function pool<R>(count: number, limit: number, work: (index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const results: R[] = new Array(count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
      onDone?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
  return results;
}
