import { DomainError } from '../domain/errors';
import { liveQueue, replayThenLive } from './live-iterator';

/** A stand-in for `LiveFeed.listen`: one key, listeners called synchronously by `emit`. */
function fakeFeed<T>() {
  const listeners = new Set<(item: T) => void>();
  return {
    listen(listener: (item: T) => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit: (item: T) => listeners.forEach((listener) => listener(item)),
    get listeners() {
      return listeners.size;
    },
  };
}

/** Resolves after pending promise callbacks ran (no timers involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('liveQueue', () => {
  it('yields pushed items in order, waiting for the next one', async () => {
    const feed = fakeFeed<number>();
    const queue = liveQueue<number>((push) => feed.listen(push));
    feed.emit(1);
    feed.emit(2);
    expect(await queue.next()).toEqual({ value: 1, done: false });
    expect(await queue.next()).toEqual({ value: 2, done: false });
    const pending = queue.next();
    feed.emit(3);
    expect(await pending).toEqual({ value: 3, done: false });
  });

  it('return() ends at once while next() is pending: the pending next() is done and the listener gone', async () => {
    const feed = fakeFeed<number>();
    const queue = liveQueue<number>((push) => feed.listen(push));
    const pending = queue.next();
    expect(feed.listeners).toBe(1);
    expect(await queue.return!()).toEqual({ value: undefined, done: true });
    expect(feed.listeners).toBe(0);
    expect(await pending).toEqual({ value: undefined, done: true });
    feed.emit(1);
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('ends a subscriber that falls more than maxBacklog behind with RATE_LIMITED instead of growing', async () => {
    const feed = fakeFeed<number>();
    const queue = liveQueue<number>((push) => feed.listen(push), { maxBacklog: 3 });
    for (let i = 1; i <= 3; i += 1) feed.emit(i);
    expect(feed.listeners).toBe(1);
    feed.emit(4);
    expect(feed.listeners).toBe(0);
    const failure = await queue.next().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DomainError);
    expect(failure).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/more than 3 updates/) });
    expect(await queue.next()).toEqual({ value: undefined, done: true });
  });

  it('is its own async iterable (for await)', async () => {
    const feed = fakeFeed<string>();
    const queue = liveQueue<string>((push) => feed.listen(push));
    feed.emit('a');
    feed.emit('b');
    const seen: string[] = [];
    for await (const item of queue) {
      seen.push(item);
      if (seen.length === 2) break; // calls return()
    }
    expect(seen).toEqual(['a', 'b']);
    expect(feed.listeners).toBe(0);
  });
});

describe('replayThenLive', () => {
  /** An in-memory store of ids 1, 2, 3, … ; `fetch` records each cursor it was asked for. */
  function store(initial: number) {
    const ids = Array.from({ length: initial }, (_, i) => i + 1);
    const fetches: number[] = [];
    let gate: Promise<void> | undefined;
    return {
      ids,
      fetches,
      add: () => ids.push(ids.length + 1),
      /** Holds the next fetches until the returned function is called. */
      hold(): () => void {
        let release!: () => void;
        gate = new Promise((resolve) => (release = resolve));
        return () => {
          gate = undefined;
          release();
        };
      },
      fetch: async (after: number, pageSize: number) => {
        fetches.push(after);
        const snapshot = ids.filter((id) => id > after).slice(0, pageSize);
        await gate;
        return snapshot;
      },
    };
  }

  const open = (feed: ReturnType<typeof fakeFeed<void>>, db: ReturnType<typeof store>, start: () => Promise<number>, pageSize = 2) =>
    replayThenLive<number, number>({ listen: (wake) => feed.listen(wake), start, fetch: db.fetch, cursorOf: (id) => id, pageSize });

  const take = async (iterator: AsyncIterator<number>, n: number) => {
    const values: number[] = [];
    for (let i = 0; i < n; i += 1) values.push((await iterator.next()).value as number);
    return values;
  };

  it('replays what is stored after the start cursor page by page, then waits and yields new items on wake-ups', async () => {
    const feed = fakeFeed<void>();
    const db = store(5);
    const iterator = await open(feed, db, async () => 1);
    expect(await take(iterator, 4)).toEqual([2, 3, 4, 5]);
    const pending = iterator.next();
    await settle();
    db.add();
    feed.emit();
    expect(await pending).toEqual({ value: 6, done: false });
    expect(db.fetches).toEqual([1, 3, 5, 5]); // full pages follow at once; the short one waited for a wake-up
  });

  it('registers the listener before reading the start cursor, and unregisters when start fails', async () => {
    const feed = fakeFeed<void>();
    const db = store(0);
    let listenersAtStart = -1;
    const iterator = await open(feed, db, async () => {
      listenersAtStart = feed.listeners;
      return 0;
    });
    expect(listenersAtStart).toBe(1);
    await iterator.return!();
    expect(feed.listeners).toBe(0);

    const failure = new Error('store down');
    await expect(open(feed, db, async () => Promise.reject(failure))).rejects.toBe(failure);
    expect(feed.listeners).toBe(0);
  });

  it('coalesces wake-ups into one fetch, and a wake-up during a fetch makes it fetch again (nothing missed)', async () => {
    const feed = fakeFeed<void>();
    const db = store(0);
    const iterator = await open(feed, db, async () => 0, 10);
    const first = iterator.next();
    await settle();
    expect(db.fetches).toEqual([0]);
    db.add();
    for (let i = 0; i < 50; i += 1) feed.emit();
    expect(await first).toEqual({ value: 1, done: false });
    expect(db.fetches).toEqual([0, 0]);

    const release = db.hold();
    const second = iterator.next();
    await settle();
    expect(db.fetches).toEqual([0, 0]); // the last page was short: it waits for a wake-up
    feed.emit();
    await settle();
    expect(db.fetches).toEqual([0, 0, 1]); // woken: a fetch runs and sees nothing new yet
    db.add(); // stored while that fetch runs: its snapshot missed it
    feed.emit();
    release();
    expect(await second).toEqual({ value: 2, done: false });
    expect(db.fetches).toEqual([0, 0, 1, 1]);
  });

  it('return() ends at once while waiting for a wake-up, unregistering', async () => {
    const feed = fakeFeed<void>();
    const iterator = await open(feed, store(0), async () => 0);
    const pending = iterator.next();
    await settle();
    expect(await iterator.return!()).toEqual({ value: undefined, done: true });
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(feed.listeners).toBe(0);
  });

  it('return() while a fetch runs: the pending next() is done once it returns, nothing yielded', async () => {
    const feed = fakeFeed<void>();
    const db = store(3);
    const release = db.hold();
    const iterator = await open(feed, db, async () => 0);
    const pending = iterator.next();
    await settle();
    await iterator.return!();
    expect(feed.listeners).toBe(0);
    release();
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('a failing fetch ends it: next() rejects with the error, the listener is gone', async () => {
    const feed = fakeFeed<void>();
    const failure = new Error('connection lost');
    const iterator = await replayThenLive<number, number>({
      listen: (wake) => feed.listen(wake),
      start: async () => 0,
      fetch: async () => Promise.reject(failure),
      cursorOf: (id) => id,
      pageSize: 10,
    });
    await expect(iterator.next()).rejects.toBe(failure);
    expect(feed.listeners).toBe(0);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });
});
