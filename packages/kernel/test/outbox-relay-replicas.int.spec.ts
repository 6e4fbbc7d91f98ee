import { LockMode, MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { freshStore, FreshStore, redisNamespace, REDIS_URL } from '@supergraph/testing';
import { envelope, newId } from '../src/events/envelope';
import { OutboxMessage } from '../src/events/outbox-message';
import { OutboxRelay } from '../src/events/outbox-relay';
import { createRedis } from '../src/redis';
import { openStore, StoreKind } from '../src/store/orm';
import { commandMeta, redisReady, silentLogger, streamEntries } from './fixtures';

/**
 * Replicas' relays share one outbox: on PostgreSQL and MariaDB each batch is selected
 * `FOR UPDATE SKIP LOCKED`, so concurrent relays neither publish a row twice nor wait for
 * each other, and an aggregate's events still go out in order.
 */
describe.each<StoreKind>(['postgresql', 'mysql'])('OutboxRelay replicas on one outbox (%s + Redis)', (kind) => {
  const ns = redisNamespace();
  let store: FreshStore;
  /** One ORM per replica, as separate processes would have. */
  let orms: MikroORM[];
  let redis: Redis;
  const streamOf = (name: string) => `${ns.namespace}${name}-${newId().slice(-8)}.events`;
  const unpublished = () => orms[0].em.fork().count(OutboxMessage, { publishedAt: null });

  /**
   * Commits `perAggregate` events for each of `aggregates` new aggregates to `stream`, interleaved
   * (version 1 of every aggregate, then version 2, …); returns the aggregate ids.
   */
  async function stage(stream: string, aggregates: number, perAggregate: number): Promise<string[]> {
    const ids = Array.from({ length: aggregates }, () => newId());
    const em = orms[0].em.fork();
    for (let version = 1; version <= perAggregate; version += 1) {
      for (const id of ids) {
        const env = envelope({ type: 'CounterIncremented', aggregateType: 'Counter', aggregateId: id, aggregateVersion: version, payload: { counterId: id } }, 'counting', commandMeta());
        em.persist(new OutboxMessage(env.id, stream, env.type, JSON.stringify(env)));
      }
    }
    await em.flush();
    return ids;
  }

  /** Drains with `relay` until nothing is left unpublished (a drain ends early when it held rows back for another relay). */
  async function drainAll(relay: OutboxRelay): Promise<number> {
    let published = 0;
    while ((await unpublished()) > 0) published += await relay.drainOnce();
    return published;
  }

  beforeAll(async () => {
    store = await freshStore(kind, 'relay_replicas');
    orms = [];
    for (let i = 0; i < 3; i += 1) orms.push(await openStore({ context: `relay-${i}`, url: store.url, entities: [] }));
    redis = createRedis(REDIS_URL);
    await redisReady(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await Promise.all((orms ?? []).map((orm) => orm.close(true)));
    await ns.clear();
    await store?.drop();
  });

  it('two relays draining at once XADD every row exactly once, each aggregate in version order', async () => {
    const stream = streamOf('twice');
    const ids = await stage(stream, 20, 10);
    const [a, b] = [orms[1], orms[2]].map((orm) => new OutboxRelay(orm, redis, silentLogger, { batchSize: 15 }));

    const [byA, byB] = await Promise.all([drainAll(a), drainAll(b)]);

    const envelopes = (await streamEntries(redis, stream)).map((entry) => JSON.parse(entry.fields.envelope));
    expect(envelopes.length).toBe(200);
    expect(new Set(envelopes.map((env) => env.id)).size).toBe(200);
    expect(byA + byB).toBe(200);
    for (const id of ids) {
      expect(envelopes.filter((env) => env.aggregateId === id).map((env) => env.aggregateVersion)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    }
  });

  it('a relay skips rows another holds instead of waiting, and holds back later events of their aggregates', async () => {
    const stream = streamOf('skip');
    const [held, free] = await stage(stream, 2, 3); // seq order: held v1, free v1, held v2, free v2, held v3, free v3
    const heldRows = await orms[0].em.fork().find(OutboxMessage, { stream }, { orderBy: { seq: 'asc' }, limit: 2 });
    expect(heldRows.map((row) => JSON.parse(row.envelope).aggregateId)).toEqual([held, free]);

    // Another replica's relay mid-batch: it holds the first two rows (held v1, free v1) locked.
    let release!: () => void;
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const heldSeqs = heldRows.map((row) => row.seq);
    const holder = orms[1].em.fork().transactional(async (tx) => {
      await tx.find(OutboxMessage, { seq: { $in: heldSeqs } }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      locked();
      await new Promise<void>((resolve) => (release = resolve));
      // Marks them as the holder's relay would after its XADDs (left out here: only what follows matters).
      await tx.nativeUpdate(OutboxMessage, { seq: { $in: heldSeqs } }, { publishedAt: new Date() });
    });
    await holding;

    const relay = new OutboxRelay(orms[2], redis, silentLogger);
    const started = Date.now();
    // `free` v2 and v3 would overtake v1, `held` v2 and v3 too: everything waits for the holder.
    expect(await relay.drainOnce()).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000); // no lock wait (InnoDB's would last 50 s)
    expect(await streamEntries(redis, stream)).toHaveLength(0);

    release();
    await holder;

    expect(await relay.drainOnce()).toBe(4);
    const versions = (await streamEntries(redis, stream)).map((entry) => JSON.parse(entry.fields.envelope)).map((env) => `${env.aggregateId === held ? 'held' : 'free'} v${env.aggregateVersion}`);
    expect(versions).toEqual(['held v2', 'free v2', 'held v3', 'free v3']);
  });

  it('with only some aggregates blocked, the others go out at once', async () => {
    const stream = streamOf('partial');
    const [held, other] = await stage(stream, 2, 2); // held v1, other v1, held v2, other v2
    const [first] = await orms[0].em.fork().find(OutboxMessage, { stream }, { orderBy: { seq: 'asc' }, limit: 1 });
    let release!: () => void;
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const holder = orms[1].em.fork().transactional(async (tx) => {
      await tx.find(OutboxMessage, { seq: first.seq }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await holding;

    const relay = new OutboxRelay(orms[2], redis, silentLogger);
    expect(await relay.drainOnce()).toBe(2);
    const published = (await streamEntries(redis, stream)).map((entry) => JSON.parse(entry.fields.envelope));
    expect(published.map((env) => [env.aggregateId, env.aggregateVersion])).toEqual([[other, 1], [other, 2]]);

    release();
    await holder;
    expect(await relay.drainOnce()).toBe(2);
    const all = (await streamEntries(redis, stream)).map((entry) => JSON.parse(entry.fields.envelope));
    expect(all.filter((env) => env.aggregateId === held).map((env) => env.aggregateVersion)).toEqual([1, 2]);
  });
});
