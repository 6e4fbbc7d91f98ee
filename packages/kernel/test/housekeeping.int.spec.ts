import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { freshStore, FreshStore, redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { newId } from '../src/events/envelope';
import { Housekeeping } from '../src/events/housekeeping';
import { OutboxMessage } from '../src/events/outbox-message';
import { ProcessedEvent } from '../src/events/processed-event';
import { createRedis } from '../src/redis';
import { openStore } from '../src/store/orm';
import { redisReady, silentLogger, STORE_KINDS } from './fixtures';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/**
 * Housekeeping deletes published outbox rows and inbox rows past their retention, in batches,
 * never an unpublished outbox row or a newer one, and trims the context's stream.
 */
describe.each(STORE_KINDS)('Housekeeping (%s + Redis)', (kind) => {
  const ns = redisNamespace();
  let store: FreshStore;
  let orm: MikroORM;
  let redis: Redis;
  const now = Date.now();
  const ago = (ms: number) => new Date(now - ms);

  beforeAll(async () => {
    store = await freshStore(kind, 'housekeeping');
    orm = await openStore({ context: 'housekeeping', url: store.url, entities: [] });
    redis = createRedis(REDIS_URL);
    await redisReady(redis);
  });
  afterAll(async () => {
    redis?.disconnect();
    await orm?.close(true);
    await ns.clear();
    await store?.drop();
  });

  it('deletes published outbox rows and inbox rows older than their retention, in batches, and nothing else', async () => {
    const em = orm.em.fork();
    const outbox = (label: string, createdAt: Date, publishedAt: Date | null) => new OutboxMessage(newId(), 's.events', label, '{}', createdAt, publishedAt);
    const oldPublished = Array.from({ length: 5 }, () => outbox('old-published', ago(3 * DAY), ago(2 * DAY)));
    em.persist([
      ...oldPublished,
      outbox('recent-published', ago(3 * DAY), ago(HOUR)),
      outbox('old-unpublished', ago(30 * DAY), null),
      outbox('recent-unpublished', ago(HOUR), null),
    ]);
    em.persist([
      ...Array.from({ length: 3 }, () => new ProcessedEvent('notification', newId(), ago(8 * DAY))),
      new ProcessedEvent('mypage', newId(), ago(8 * DAY)),
      new ProcessedEvent('notification', newId(), ago(6 * DAY)),
    ]);
    await em.flush();

    const stream = `${ns.namespace}housekeeping.events`;
    await redis.xadd(stream, `${now - 2 * DAY}-0`, 'type', 'T', 'envelope', '{}');
    await redis.xadd(stream, `${now - HOUR}-0`, 'type', 'T', 'envelope', '{}');

    const housekeeping = new Housekeeping(orm, redis, silentLogger, {
      streams: [stream],
      outboxRetentionMs: DAY,
      inboxRetentionMs: 7 * DAY,
      streamRetentionMs: DAY,
      batchSize: 2,
    });
    const report = await housekeeping.runOnce(now);

    expect(report).toEqual({ outboxPurged: 5, inboxPurged: 4, trims: [{ stream, minId: `${now - DAY}-0`, trimmed: 1 }] });
    const left = await orm.em.fork().find(OutboxMessage, {}, { orderBy: { seq: 'asc' } });
    expect(left.map((row) => row.type)).toEqual(['recent-published', 'old-unpublished', 'recent-unpublished']);
    const inbox = await orm.em.fork().find(ProcessedEvent, {});
    expect(inbox.map((row) => row.processedAt.getTime())).toEqual([now - 6 * DAY]);
    expect((await redis.xrange(stream, '-', '+')).map(([id]) => id)).toEqual([`${now - HOUR}-0`]);

    expect(await housekeeping.runOnce(now)).toEqual({ outboxPurged: 0, inboxPurged: 0, trims: [{ stream, minId: `${now - DAY}-0`, trimmed: 0 }] });
  });

  it('runs every step even when one fails, then reports the failure', async () => {
    const stream = `${ns.namespace}wrongtype.events`;
    await redis.set(stream, 'not a stream'); // XINFO GROUPS fails with WRONGTYPE
    await orm.em.fork().persist(new ProcessedEvent('notification', newId(), ago(30 * DAY))).flush();
    const housekeeping = new Housekeeping(orm, redis, silentLogger, { streams: [stream], outboxRetentionMs: DAY, inboxRetentionMs: 7 * DAY, streamRetentionMs: DAY });
    await expect(housekeeping.runOnce(now)).rejects.toThrow(AggregateError);
    expect(await orm.em.fork().count(ProcessedEvent, { processedAt: { $lt: ago(7 * DAY) } })).toBe(0);
  });

  it('started, it runs after a jittered interval until stopped', async () => {
    const stream = `${ns.namespace}periodic.events`;
    await orm.em.fork().persist(new OutboxMessage(newId(), stream, 'periodic', '{}', ago(2 * DAY), ago(2 * DAY))).flush();
    const housekeeping = new Housekeeping(orm, redis, silentLogger, { streams: [stream], outboxRetentionMs: DAY, inboxRetentionMs: 7 * DAY, streamRetentionMs: DAY, intervalMs: 50 });
    housekeeping.start();
    try {
      await waitFor('the periodic run to purge the row', async () => (await orm.em.fork().count(OutboxMessage, { type: 'periodic' })) === 0);
    } finally {
      await housekeeping.stop();
    }
  });
});
