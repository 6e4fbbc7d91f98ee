import type { ExecutionResult } from 'graphql';

/**
 * One client's subscription as graphql-ws consumes it: an async iterator over the results the
 * router computed for it, with a bounded queue. graphql-ws pulls the next result only after the
 * previous one was written to the client's socket, so a slow client makes the queue grow; past
 * `maxQueued` results the stream calls `onOverflow` (the server closes that client's socket with
 * a clear close code) and ends, instead of holding more memory. `return()` (client sent
 * `complete` or went away) ends it at once and runs `onReturn` (unsubscribes upstream), without
 * waiting for another event — unlike an `async function*`, whose `return()` waits behind a
 * pending `next()` (notes/federated-subscriptions.md, pitfall 2).
 */
export class ClientStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiting?: (result: IteratorResult<ExecutionResult>) => void;
  private ended = false;
  private released = false;

  constructor(
    private readonly maxQueued: number,
    private readonly onOverflow: () => void,
    private readonly onReturn: () => void,
  ) {}

  /** Queues a result for the client; over `maxQueued` undelivered results it overflows instead. */
  push(result: ExecutionResult): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: result, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.finish();
      this.onOverflow();
      return;
    }
    this.queue.push(result);
  }

  /** Ends the stream after the results already queued (upstream completed or failed). */
  end(last?: ExecutionResult): void {
    if (this.ended) return;
    if (last) this.push(last);
    this.ended = true;
    if (this.waiting && this.queue.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  /** Results queued and not yet taken by the socket writer. */
  get queued(): number {
    return this.queue.length;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.queue.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Drops what is queued, releases a pending `next()` and unsubscribes upstream (once). */
  private finish(): void {
    this.ended = true;
    this.queue.length = 0;
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
    if (this.released) return;
    this.released = true;
    this.onReturn();
  }
}
