import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { freshStore, FreshStore, redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { newId } from '../src/events/envelope';
import { OutboxMessage } from '../src/events/outbox-message';
import { OutboxRelay } from '../src/events/outbox-relay';
import { UnitOfWork } from '../src/events/unit-of-work';
import { createRedis } from '../src/redis';
import { openStore } from '../src/store/orm';
import { commandMeta, Counter, CounterSchema, freePort, openCounter, OwnRedis, redisReady, silentLogger, startOwnRedis, streamEntries } from './fixtures';

/** The relay publishes committed outbox rows to Redis Streams, in order, and never loses one. */
describe('OutboxRelay (PostgreSQL + Redis)', () => {
  const ns = redisNamespace();
  let store: FreshStore;
  let orm: MikroORM;
  let redis: Redis;
  const relays: OutboxRelay[] = [];
  const streamOf = (name: string) => `${ns.namespace}${name}-${newId().slice(-8)}.events`;

  /** A relay on `connection` (default: the shared Redis), stopped after the test. */
  const relayOn = (connection: Redis, options: ConstructorParameters<typeof OutboxRelay>[3] = {}) => {
    const relay = new OutboxRelay(orm, connection, silentLogger, options);
    relays.push(relay);
    return relay;
  };
  const unpublished = () => orm.em.fork().count(OutboxMessage, { publishedAt: null });

  beforeAll(async () => {
    store = await freshStore('postgresql', 'relay');
    orm = await openStore({ context: 'relay', url: store.url, entities: [CounterSchema] });
    redis = createRedis(REDIS_URL);
    await redisReady(redis);
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    // Leave no row behind for the next test's relay.
    await orm.em.fork().nativeUpdate(OutboxMessage, { publishedAt: null }, { publishedAt: new Date() });
  });
  afterAll(async () => {
    redis?.disconnect();
    await orm?.close(true);
    await ns.clear();
    await store?.drop();
  });

  it('drainOnce publishes committed rows in commit order with fields type and envelope, and marks them published', async () => {
    const stream = streamOf('order');
    const uow = new UnitOfWork('counting', stream); // nobody wakes a relay
    const id = await openCounter(uow, orm);
    for (const by of [1, 2, 3, 4]) {
      await uow.run(orm.em, commandMeta(), async (tx) => (await tx.findOneOrFail(Counter, id)).increment(by));
    }
    const rows = await orm.em.fork().find(OutboxMessage, { stream }, { orderBy: { seq: 'asc' } });
    expect(rows).toHaveLength(5);

    const relay = relayOn(redis, { batchSize: 2 }); // several batches
    expect(await relay.drainOnce()).toBe(5);
    expect(await relay.drainOnce()).toBe(0);

    const entries = await streamEntries(redis, stream);
    expect(entries.map((e) => Object.keys(e.fields))).toEqual(Array(5).fill(['type', 'envelope']));
    expect(entries.map((e) => e.fields.type)).toEqual(rows.map((r) => r.type));
    expect(entries.map((e) => e.fields.envelope)).toEqual(rows.map((r) => r.envelope));
    expect(entries.map((e) => JSON.parse(e.fields.envelope).aggregateVersion)).toEqual([1, 2, 3, 4, 5]);
    const marked = await orm.em.fork().find(OutboxMessage, { stream });
    expect(marked.every((r) => r.publishedAt instanceof Date)).toBe(true);
  });

  it('wake() after a commit publishes at once, long before the next poll', async () => {
    const stream = streamOf('wake');
    const relay = relayOn(redis, { pollIntervalMs: 60_000 });
    const uow = new UnitOfWork('counting', stream, relay);
    relay.start();
    await waitFor('the start-up drain to finish', async () => (await unpublished()) === 0);
    const started = Date.now();
    const id = await openCounter(uow, orm);
    const [entry] = await waitFor('the event on the stream', async () => {
      const entries = await streamEntries(redis, stream);
      return entries.length > 0 ? entries : undefined;
    }, 2000, 5);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(JSON.parse(entry.fields.envelope)).toMatchObject({ type: 'CounterOpened', aggregateId: id });
  });

  it('keeps up with concurrent commits (wakes during a drain) and keeps per-aggregate order', async () => {
    const stream = streamOf('burst');
    const relay = relayOn(redis, { pollIntervalMs: 60_000, batchSize: 3 });
    const uow = new UnitOfWork('counting', stream, relay);
    relay.start();
    const ids = await Promise.all(Array.from({ length: 12 }, () => openCounter(uow, orm)));
    for (const by of [1, 2, 3]) {
      await Promise.all(ids.map((id) => uow.run(orm.em, commandMeta(), async (tx) => (await tx.findOneOrFail(Counter, id)).increment(by))));
    }
    const entries = await waitFor('all 48 events on the stream', async () => {
      const found = await streamEntries(redis, stream);
      return found.length >= 48 ? found : undefined;
    }, 5000);
    expect(entries).toHaveLength(48);
    for (const id of ids) {
      const versions = entries.map((e) => JSON.parse(e.fields.envelope)).filter((env) => env.aggregateId === id).map((env) => env.aggregateVersion);
      expect(versions).toEqual([1, 2, 3, 4]);
    }
    // A batch is marked published right after its XADDs: the last mark may trail its entries.
    await waitFor('every row marked published', async () => (await unpublished()) === 0);
    expect(await streamEntries(redis, stream)).toHaveLength(48);
  });

  it('polling publishes rows committed without a wake (e.g. by another replica)', async () => {
    const stream = streamOf('poll');
    const relay = relayOn(redis, { pollIntervalMs: 100 });
    relay.start();
    const id = await openCounter(new UnitOfWork('counting', stream), orm); // no afterCommit
    const entries = await waitFor('the polled event', async () => {
      const found = await streamEntries(redis, stream);
      return found.length > 0 ? found : undefined;
    }, 2000);
    expect(JSON.parse(entries[0].fields.envelope).aggregateId).toBe(id);
  });

  it('never publishes rows of a transaction that has not committed', async () => {
    const stream = streamOf('uncommitted');
    const relay = relayOn(redis);
    const uow = new UnitOfWork('counting', stream);
    const id = newId();
    await uow.run(orm.em, commandMeta(), async (tx) => {
      tx.persist(Counter.open(id, 'in flight'));
      await uow.stage(tx, commandMeta()); // the outbox row exists inside this transaction
      expect(await relay.drainOnce()).toBe(0); // another connection cannot see it yet
    });
    expect(await streamEntries(redis, stream)).toHaveLength(0);
    expect(await relay.drainOnce()).toBe(1);
    expect(await streamEntries(redis, stream)).toHaveLength(1);
  });

  it('when an XADD of a batch fails, marks the rows before it published first: only the failed row and those after it go out again', async () => {
    const good = streamOf('partial');
    const bad = streamOf('wrongtype');
    await redis.set(bad, 'not a stream'); // XADD to it fails with WRONGTYPE, the others of the pipeline succeed
    const relay = relayOn(redis);
    const first = await openCounter(new UnitOfWork('counting', good), orm);
    const second = await openCounter(new UnitOfWork('counting', good), orm);
    const blocked = await openCounter(new UnitOfWork('counting', bad), orm);
    const after = await openCounter(new UnitOfWork('counting', good), orm);

    await expect(relay.drainOnce()).rejects.toThrow(/WRONGTYPE/);
    expect(await unpublished()).toBe(2);
    await redis.del(bad);
    expect(await relay.drainOnce()).toBe(2);

    const aggregateIds = async (stream: string) => (await streamEntries(redis, stream)).map((e) => JSON.parse(e.fields.envelope).aggregateId);
    // `after` went out with the failed batch and again after it: consumers drop the copy by event id.
    expect(await aggregateIds(good)).toEqual([first, second, after, after]);
    expect(await aggregateIds(bad)).toEqual([blocked]);
  });

  describe('while Redis is unreachable', () => {
    let own: OwnRedis | undefined;
    let connection: Redis | undefined;
    afterEach(async () => {
      await Promise.all(relays.splice(0).map((r) => r.stop()));
      connection?.disconnect();
      await own?.stop();
    });

    it('wake() (a commit) does not cut the backoff short while publishing fails', async () => {
      connection = createRedis(`redis://127.0.0.1:${await freePort()}`, { logger: silentLogger });
      const attempts: number[] = [];
      const pipeline = connection.pipeline.bind(connection);
      jest.spyOn(connection, 'pipeline').mockImplementation(((...args: Parameters<Redis['pipeline']>) => {
        attempts.push(Date.now());
        return pipeline(...args);
      }) as Redis['pipeline']);
      const relay = relayOn(connection, { pollIntervalMs: 60_000, maxBackoffMs: 60_000 });
      relay.start();
      await openCounter(new UnitOfWork('counting', streamOf('backoff'), relay), orm);
      const commits = setInterval(() => relay.wake(), 5); // commits keep arriving during the outage
      try {
        await waitFor('four publication attempts', () => attempts.length >= 4, 10_000);
      } finally {
        clearInterval(commits);
      }
      const gaps = attempts.slice(1, 4).map((at, i) => at - attempts[i]);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(150); // backoff: 200, 400, 800 ms
    });

    it('rows wait in the outbox and are all published, in order, once Redis is back (twice)', async () => {
      const port = await freePort(); // nothing listens here yet
      connection = createRedis(`redis://127.0.0.1:${port}`);
      connection.on('error', () => undefined);
      const stream = streamOf('outage');
      const relay = relayOn(connection, { pollIntervalMs: 100, maxBackoffMs: 200 });
      const warn = jest.spyOn(silentLogger, 'warn');
      const uow = new UnitOfWork('counting', stream, relay);
      relay.start();

      const first = [await openCounter(uow, orm), await openCounter(uow, orm), await openCounter(uow, orm)];
      await waitFor('a failed publication attempt', () => warn.mock.calls.some(([, msg]) => String(msg).includes('cannot publish yet')));
      expect(await unpublished()).toBe(3);

      own = await startOwnRedis(port);
      const probe = createRedis(own.url);
      try {
        await waitFor('the waiting rows to be published', async () => (await unpublished()) === 0, 8000);
        const entries = await streamEntries(probe, stream);
        expect(entries.map((e) => JSON.parse(e.fields.envelope).aggregateId)).toEqual(first);
      } finally {
        probe.disconnect();
      }

      // Redis dies while the relay runs: new rows wait again, nothing is lost.
      await own.stop();
      warn.mockClear();
      const second = [await openCounter(uow, orm), await openCounter(uow, orm)];
      await waitFor('a failed attempt after the crash', () => warn.mock.calls.length > 0);
      expect(await unpublished()).toBe(2);
      own = await startOwnRedis(port); // empty: --save ''
      const probe2 = createRedis(own.url);
      try {
        await waitFor('the rows of the second outage to be published', async () => (await unpublished()) === 0, 8000);
        const entries = await streamEntries(probe2, stream);
        expect(entries.map((e) => JSON.parse(e.fields.envelope).aggregateId)).toEqual(second);
      } finally {
        probe2.disconnect();
      }
      warn.mockRestore();
    }, 30_000);
  });
});
