import { DomainError } from '../domain/errors';

/**
 * Async iterators for GraphQL subscription resolvers (`subscribe` returns one; graphql-js maps each
 * item through the field's `resolve`). Unlike an `async function*`, their `return()` ends them at
 * once, even while a `next()` is pending: graphql-js calls `return()` when the client unsubscribes or
 * its socket closes, and a generator's `return()` would wait behind the pending `next()` until the
 * next event (notes/federated-subscriptions.md, pitfall 2). Ending unregisters the listener, and the
 * pending `next()` resolves `{ done: true }`. `next()` calls must not overlap (`for await` does not).
 */

/** How many items a `liveQueue` holds for a subscriber that does not keep up [100]. */
export const DEFAULT_MAX_BACKLOG = 100;

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/** A wake-up that coalesces: `notify()` any number of times, the next `wait()` returns once. */
class Signal {
  private notified = false;
  private wake?: () => void;

  notify(): void {
    this.notified = true;
    this.wake?.();
    this.wake = undefined;
  }

  async wait(): Promise<void> {
    if (!this.notified) await new Promise<void>((resolve) => (this.wake = resolve));
    this.notified = false;
  }
}

/** The part both iterators share: ending at once, unregistering, waking a pending `next()`. */
abstract class LiveIterator<T> implements AsyncIterableIterator<T> {
  protected readonly signal = new Signal();
  protected ended = false;
  private unlisten: () => void = () => undefined;

  abstract next(): Promise<IteratorResult<T, undefined>>;

  /** Ends now: unregisters the listener and resolves a pending `next()` with `{ done: true }`. */
  async return(): Promise<IteratorResult<T, undefined>> {
    this.end();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Keeps the function that unregisters this iterator's listener (called once, when it ends). */
  protected listening(unlisten: () => void): void {
    if (this.ended) unlisten();
    else this.unlisten = unlisten;
  }

  protected end(): void {
    if (this.ended) return;
    this.ended = true;
    this.unlisten();
    this.signal.notify();
  }
}

/** What `liveQueue` may be given; defaults in brackets. */
export interface LiveQueueOptions {
  /** Items held for a subscriber that does not keep up; one more ends it with `RATE_LIMITED` [`DEFAULT_MAX_BACKLOG`]. */
  maxBacklog?: number;
}

class BoundedLiveQueue<T> extends LiveIterator<T> {
  private readonly items: T[] = [];
  private failure?: DomainError;

  constructor(listen: (push: (item: T) => void) => () => void, private readonly maxBacklog: number) {
    super();
    this.listening(listen((item) => this.push(item)));
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.items.length > 0) return { value: this.items.shift()!, done: false };
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        throw failure;
      }
      if (this.ended) return DONE;
      await this.signal.wait();
    }
  }

  override async return(): Promise<IteratorResult<T, undefined>> {
    this.items.length = 0;
    return super.return();
  }

  private push(item: T): void {
    if (this.ended) return;
    if (this.items.length >= this.maxBacklog) {
      this.items.length = 0;
      this.failure = new DomainError('RATE_LIMITED', `subscription ended: more than ${this.maxBacklog} updates were waiting for this subscriber; subscribe again`);
      this.end();
      return;
    }
    this.items.push(item);
    this.signal.notify();
  }
}

/**
 * A live-only subscription: `listen(push)` registers a listener that calls `push(item)` (e.g.
 * `push => feed.listen(customerId, (event) => push(event.payload))`) and returns its unregistration.
 * Items are yielded in push order. When more than `maxBacklog` items wait for a subscriber that does
 * not keep up, the subscription ends instead of growing memory: the waiting items are dropped, the
 * listener unregistered, and the next `next()` throws `DomainError('RATE_LIMITED')` (the client
 * gets `extensions.code` `RATE_LIMITED` and may subscribe again).
 */
export function liveQueue<T>(listen: (push: (item: T) => void) => () => void, options: LiveQueueOptions = {}): AsyncIterableIterator<T> {
  return new BoundedLiveQueue(listen, options.maxBacklog ?? DEFAULT_MAX_BACKLOG);
}

/** How `replayThenLive` reads and waits. `C` is the cursor (e.g. the last id yielded). */
export interface ReplayThenLiveOptions<T, C> {
  /** Registers `wake` to be called whenever new items may exist (e.g. `wake => feed.listen(key, wake)`); returns its unregistration. Called first. */
  listen(wake: () => void): () => void;
  /** The cursor to start after, computed once `listen` is in place (e.g. the client's `after`, or the greatest id stored now). */
  start(): Promise<C>;
  /** Items after `cursor`, oldest first, at most `pageSize` of them, read from the source of truth. */
  fetch(cursor: C, pageSize: number): Promise<T[]>;
  /** The cursor just after `item` (e.g. its id). */
  cursorOf(item: T): C;
  /** Items per fetch; a full page is followed by the next fetch at once, a short one waits for a wake-up. */
  pageSize: number;
}

class ReplayThenLiveIterator<T, C> extends LiveIterator<T> {
  private readonly page: T[] = [];
  /** True while the last page was full: more items may wait without any wake-up. */
  private more = true;

  constructor(
    private readonly options: ReplayThenLiveOptions<T, C>,
    private cursor: C,
  ) {
    super();
  }

  /** Registers the wake-up first, then reads the start cursor (unregistering again if that fails). */
  static async open<T, C>(options: ReplayThenLiveOptions<T, C>): Promise<ReplayThenLiveIterator<T, C>> {
    // A wake-up before the iterator exists needs no flag: its first `next()` fetches anyway.
    let iterator: ReplayThenLiveIterator<T, C> | undefined;
    const unlisten = options.listen(() => iterator?.signal.notify());
    let cursor: C;
    try {
      cursor = await options.start();
    } catch (error) {
      unlisten();
      throw error;
    }
    iterator = new ReplayThenLiveIterator(options, cursor);
    iterator.listening(unlisten);
    return iterator;
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    try {
      for (;;) {
        if (this.ended) return DONE;
        if (this.page.length > 0) return { value: this.page.shift()!, done: false };
        if (!this.more) await this.signal.wait();
        if (this.ended) return DONE;
        await this.fetchPage();
      }
    } catch (error) {
      this.end();
      throw error;
    }
  }

  /** Reads the items after the cursor; a wake-up arriving while it runs makes the next `next()` read again. */
  private async fetchPage(): Promise<void> {
    const { fetch, cursorOf, pageSize } = this.options;
    const items = await fetch(this.cursor, pageSize);
    if (this.ended) return;
    this.more = items.length >= pageSize;
    if (items.length > 0) this.cursor = cursorOf(items[items.length - 1]);
    this.page.push(...items);
  }
}

/**
 * A resumable subscription without gap or duplicate at the seam between replay and live, whoever
 * wrote the items (notify-then-fetch: the store is the only source of truth, the live feed only says
 * when to read it again). In order: (1) `listen(wake)` registers the wake-up, (2) `start()` gives the
 * cursor, (3) the iterator yields `fetch(cursor)` page by page, oldest first, advancing the cursor
 * past each item, and when a page comes back short it waits for a wake-up, then fetches again.
 * Wake-ups coalesce into one flag (no queue grows however many arrive), and one arriving while a
 * fetch runs makes the iterator fetch again. Nothing is missed as long as an item with a cursor
 * greater than one already yielded is never stored after it (cursors in commit order), and every
 * item stored after `listen` leads to a wake-up.
 *
 * Resolves once the listener is registered and the start cursor is known (from then on nothing
 * stored is missed); rejects with `start()`'s error, unregistering. A failing `fetch` ends the
 * iterator (unregistering) and its `next()` rejects with that error.
 */
export function replayThenLive<T, C>(options: ReplayThenLiveOptions<T, C>): Promise<AsyncIterableIterator<T>> {
  return ReplayThenLiveIterator.open(options);
}
