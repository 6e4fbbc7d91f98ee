import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { freshStore, FreshStore, redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { EventEnvelope, newId } from '../src/events/envelope';
import { OutboxMessage } from '../src/events/outbox-message';
import { EventHandler, StreamConsumer, StreamConsumerOptions } from '../src/events/stream-consumer';
import { UnitOfWork } from '../src/events/unit-of-work';
import { createRedis, deadLetterStream } from '../src/redis';
import { openStore } from '../src/store/orm';
import { Counter, CounterSchema, findCounter, inboxRows, pendingCount, publish, redisReady, silentLogger, sourceEvent, STORE_KINDS, streamEntries } from './fixtures';

/** Applies `Increment { counterId, by }`: opens the counter if needed and adds `by` (not idempotent on purpose). */
const increment: EventHandler = async (event, tx: EntityManager) => {
  const { counterId, by } = event.payload as { counterId: string; by: number };
  let counter = await tx.findOne(Counter, counterId);
  if (!counter) {
    counter = Counter.open(counterId, 'from events');
    tx.persist(counter);
  }
  counter.increment(by);
};

const incrementEvent = (counterId: string, by: number) => sourceEvent('Increment', { counterId, by });

/** Consumer-group members over one store and Redis; every test has its own stream and group. */
function consumerHarness(kind: 'postgresql' | 'mysql' | 'sqlite') {
  const ns = redisNamespace();
  const h = {
    ns,
    store: undefined as unknown as FreshStore,
    orm: undefined as unknown as MikroORM,
    redis: undefined as unknown as Redis,
    uow: undefined as unknown as UnitOfWork,
    consumers: [] as StreamConsumer[],
    /** A fresh stream name and group name for one test. */
    names(label: string) {
      const suffix = newId().slice(-8);
      return { stream: `${ns.namespace}${label}-${suffix}.events`, group: `${label}-${suffix}` };
    },
    /** A consumer with test-friendly timings (short BLOCK so stop() is quick). */
    consumer(options: Partial<StreamConsumerOptions> & Pick<StreamConsumerOptions, 'group' | 'subscriptions'>): StreamConsumer {
      const consumer = new StreamConsumer(h.orm, h.redis, h.uow, silentLogger, { blockMs: 100, retryDelayMs: 50, claimIdleMs: 60_000, ...options });
      h.consumers.push(consumer);
      return consumer;
    },
  };
  beforeAll(async () => {
    h.store = await freshStore(kind, `consumer_${kind}`);
    h.orm = await openStore({ context: `consumer-${kind}`, url: h.store.url, entities: [CounterSchema] });
    h.redis = createRedis(REDIS_URL);
    await redisReady(h.redis);
    h.uow = new UnitOfWork('consuming', `${ns.namespace}consuming.events`);
  });
  afterEach(async () => {
    await Promise.all(h.consumers.splice(0).map((c) => c.stop()));
  });
  afterAll(async () => {
    h.redis?.disconnect();
    await h.orm?.close(true);
    await ns.clear();
    await h.store?.drop();
  });
  return h;
}

const valueOf = async (orm: MikroORM, id: string) => (await findCounter(orm, id))?.value;

describe('StreamConsumer (PostgreSQL + Redis)', () => {
  const h = consumerHarness('postgresql');

  it('applies new events: effect, inbox row and events it raises in one commit, XACK after it', async () => {
    const { stream, group } = h.names('apply');
    const other = h.names('other').stream;
    const pendingDuringHandler: string[][] = [];
    const handler: EventHandler = async (event, tx) => {
      const pending = (await h.redis.xpending(stream, group, '-', '+', 10)) as [string][];
      pendingDuringHandler.push(pending.map(([id]) => id)); // not acknowledged yet
      expect(await inboxRows(h.orm, group)).toHaveLength(0); // inbox row not committed yet either
      await increment(event, tx);
    };
    const seen: string[] = [];
    h.consumer({ group, subscriptions: { [stream]: { Increment: handler }, [other]: { Increment: async (e) => void seen.push(e.id) } } }).start();

    const counterId = newId();
    const event = incrementEvent(counterId, 3);
    const entryId = await publish(h.redis, stream, event);
    const ignored = await publish(h.redis, stream, sourceEvent('SomethingElse', { counterId }));
    const onOther = incrementEvent(newId(), 1);
    await publish(h.redis, other, onOther);

    await waitFor('the effect', async () => (await valueOf(h.orm, counterId)) === 3);
    await waitFor('both entries acknowledged', async () => (await pendingCount(h.redis, stream, group)) === 0);
    expect(pendingDuringHandler).toHaveLength(1);
    expect(pendingDuringHandler[0]).toContain(entryId);
    await waitFor('the second stream', () => seen.length === 1);
    expect(seen).toEqual([onOther.id]);
    // One inbox row per applied event; the event type without a handler was acknowledged without one.
    expect((await inboxRows(h.orm, group)).map((r) => r.eventId).sort()).toEqual([event.id, onOther.id].sort());
    expect((await h.redis.xpending(stream, group, ignored, ignored, 1)) as unknown[]).toEqual([]);

    // Events raised by the handler's aggregates go to the consumer's outbox, caused by the event.
    const raised = (await h.orm.em.fork().find(OutboxMessage, { stream: h.uow.stream })).map((r) => JSON.parse(r.envelope) as EventEnvelope).filter((e) => e.aggregateId === counterId);
    expect(raised.map((e) => e.type)).toEqual(['CounterOpened', 'CounterIncremented']);
    for (const e of raised) expect(e).toMatchObject({ producer: 'consuming', correlationId: event.correlationId, causationId: event.id });
  });

  it('a failing handler rolls back its effects and inbox row; the entry stays pending and is retried once more', async () => {
    const { stream, group } = h.names('retry');
    const attempts: { deliveries: number; inbox: number }[] = [];
    const flaky: EventHandler = async (event, tx) => {
      const [[, , , deliveries]] = (await h.redis.xpending(stream, group, '-', '+', 10)) as [string, string, number, number][];
      attempts.push({ deliveries, inbox: (await inboxRows(h.orm, group)).length });
      await increment(event, tx);
      await tx.flush(); // the effect reaches the database inside the transaction...
      if (attempts.length === 1) throw new Error('deadlock detected'); // ...and is rolled back
    };
    h.consumer({ group, subscriptions: { [stream]: { Increment: flaky } } }).start();
    const counterId = newId();
    await publish(h.redis, stream, incrementEvent(counterId, 5));

    await waitFor('the retried effect', async () => (await valueOf(h.orm, counterId)) === 5);
    await waitFor('acknowledged', async () => (await pendingCount(h.redis, stream, group)) === 0);
    expect(attempts).toEqual([{ deliveries: 1, inbox: 0 }, { deliveries: 2, inbox: 0 }]);
    expect(await inboxRows(h.orm, group)).toHaveLength(1);
  });

  it('the same event (same envelope id) delivered twice has its effect once; both entries are acknowledged', async () => {
    const { stream, group } = h.names('dup');
    const calls = jest.fn(increment);
    h.consumer({ group, subscriptions: { [stream]: { Increment: calls } } }).start();
    const counterId = newId();
    const event = incrementEvent(counterId, 4);
    await publish(h.redis, stream, event);
    await publish(h.redis, stream, event);
    const last = incrementEvent(counterId, 1);
    await publish(h.redis, stream, last);

    await waitFor('both events applied', async () => (await valueOf(h.orm, counterId)) === 5);
    await waitFor('all acknowledged', async () => (await pendingCount(h.redis, stream, group)) === 0);
    expect(calls).toHaveBeenCalledTimes(2);
    expect((await inboxRows(h.orm, group)).map((r) => r.eventId).sort()).toEqual([event.id, last.id].sort());
  });

  it('a new group starts at 0: events published before the consumer ever ran are processed, in order', async () => {
    const { stream, group } = h.names('history');
    const counterId = newId();
    for (const by of [1, 2, 3]) await publish(h.redis, stream, incrementEvent(counterId, by));
    const order: number[] = [];
    h.consumer({ group, subscriptions: { [stream]: { Increment: async (e, tx) => (order.push(e.payload.by), increment(e, tx)) } } }).start();
    await waitFor('the history', async () => (await valueOf(h.orm, counterId)) === 6);
    expect(order).toEqual([1, 2, 3]);
  });

  it('a consumer that was stopped catches up with what it missed (restarted process or same instance)', async () => {
    const { stream, group } = h.names('catchup');
    const counterId = newId();
    const first = h.consumer({ group, consumer: 'replica-1', subscriptions: { [stream]: { Increment: increment } } });
    first.start();
    await publish(h.redis, stream, incrementEvent(counterId, 1));
    await waitFor('first event', async () => (await valueOf(h.orm, counterId)) === 1);
    await first.stop();

    await publish(h.redis, stream, incrementEvent(counterId, 10));
    await publish(h.redis, stream, incrementEvent(counterId, 100));
    expect(await valueOf(h.orm, counterId)).toBe(1);
    const restarted = h.consumer({ group, consumer: 'replica-1', subscriptions: { [stream]: { Increment: increment } } });
    restarted.start();
    await waitFor('missed events', async () => (await valueOf(h.orm, counterId)) === 111);
    await restarted.stop();

    // The same instance can be started again after stop().
    await publish(h.redis, stream, incrementEvent(counterId, 1000));
    restarted.start();
    await waitFor('event after restarting the same instance', async () => (await valueOf(h.orm, counterId)) === 1111);
    await waitFor('acknowledged', async () => (await pendingCount(h.redis, stream, group)) === 0);
  });

  it('re-reads its own pending entries on start (delivered before a crash, never acknowledged)', async () => {
    const { stream, group } = h.names('own');
    await h.redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    const counterId = newId();
    await publish(h.redis, stream, incrementEvent(counterId, 7));
    // "replica-1" read it and crashed before XACK.
    await h.redis.xreadgroup('GROUP', group, 'replica-1', 'COUNT', 10, 'STREAMS', stream, '>');
    expect(await pendingCount(h.redis, stream, group)).toBe(1);

    // claimIdleMs 60 s: XAUTOCLAIM cannot be what picks it up, and `>` never re-delivers it.
    h.consumer({ group, consumer: 'replica-1', subscriptions: { [stream]: { Increment: increment } } }).start();
    await waitFor('own pending entry applied', async () => (await valueOf(h.orm, counterId)) === 7);
    await waitFor('acknowledged', async () => (await pendingCount(h.redis, stream, group)) === 0);
  });

  it('takes over (XAUTOCLAIM) entries idle too long in a dead consumer’s pending list', async () => {
    const { stream, group } = h.names('claim');
    await h.redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    const counterId = newId();
    await publish(h.redis, stream, incrementEvent(counterId, 2));
    await publish(h.redis, stream, incrementEvent(counterId, 3));
    await h.redis.xreadgroup('GROUP', group, 'dead-replica', 'COUNT', 10, 'STREAMS', stream, '>');
    const started = Date.now();

    h.consumer({ group, consumer: 'replica-2', claimIdleMs: 300, subscriptions: { [stream]: { Increment: increment } } }).start();
    await waitFor('claimed entries applied', async () => (await valueOf(h.orm, counterId)) === 5, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // not before they were idle long enough
    await waitFor('acknowledged', async () => (await pendingCount(h.redis, stream, group)) === 0);
    const consumers = (await h.redis.xinfo('CONSUMERS', stream, group)) as unknown[][];
    const pendingOf = Object.fromEntries(consumers.map((c) => [c[1], c[3]]));
    expect(pendingOf['dead-replica']).toBe(0);
  });

  it('moves a poison event to <stream>.dlq after maxDeliveries with the error, and goes on with the events behind it', async () => {
    const { stream, group } = h.names('poison');
    const attempts = jest.fn();
    const handlers: Record<string, EventHandler> = {
      Increment: increment,
      Poison: async () => {
        attempts();
        throw new Error('poison: cannot apply');
      },
    };
    h.consumer({ group, maxDeliveries: 3, subscriptions: { [stream]: handlers } }).start();
    const counterId = newId();
    const poison = sourceEvent('Poison', { counterId });
    const poisonEntry = await publish(h.redis, stream, poison);
    await publish(h.redis, stream, incrementEvent(counterId, 1));
    await publish(h.redis, stream, incrementEvent(counterId, 2));

    await waitFor('the events behind the poison', async () => (await valueOf(h.orm, counterId)) === 3);
    const [dead] = await waitFor('the dead letter', async () => {
      const entries = await streamEntries(h.redis, deadLetterStream(stream));
      return entries.length > 0 ? entries : undefined;
    }, 5000);
    expect(dead.fields).toEqual({ envelope: JSON.stringify(poison), error: 'poison: cannot apply', group, entry: poisonEntry, deliveries: '3' });
    expect(attempts).toHaveBeenCalledTimes(3);
    await waitFor('nothing left pending', async () => (await pendingCount(h.redis, stream, group)) === 0);
    expect((await inboxRows(h.orm, group)).map((r) => r.eventId)).not.toContain(poison.id);
    expect(await streamEntries(h.redis, deadLetterStream(stream))).toHaveLength(1);
  });

  it('pauses while its own store is down without re-reading (delivery counts stay small), and applies the events when it is back', async () => {
    const { stream, group } = h.names('outage');
    const orm = await openStore({ context: 'consumer-outage', url: h.store.url, entities: [CounterSchema] });
    try {
      const deliveries: number[] = [];
      const counting: EventHandler = async (event, tx) => {
        const [[, , , count]] = (await h.redis.xpending(stream, group, '-', '+', 1)) as [string, string, number, number][];
        deliveries.push(count);
        await increment(event, tx);
      };
      const consumer = new StreamConsumer(orm, h.redis, h.uow, silentLogger, { group, maxDeliveries: 3, blockMs: 100, retryDelayMs: 50, subscriptions: { [stream]: { Increment: counting } } });
      h.consumers.push(consumer);
      const probes = jest.spyOn(orm, 'isConnected');
      await orm.close(true);
      consumer.start();
      const counterId = newId();
      await publish(h.redis, stream, incrementEvent(counterId, 5));
      await waitFor('the entry to be delivered', async () => (await pendingCount(h.redis, stream, group)) === 1);
      // A longer outage: the consumer keeps probing its store, and reads nothing meanwhile.
      await waitFor('five probes of the store', () => probes.mock.calls.length >= 5, 10_000);
      const [[, , , whileDown]] = (await h.redis.xpending(stream, group, '-', '+', 1)) as [string, string, number, number][];
      expect(whileDown).toBe(1);
      expect(await streamEntries(h.redis, deadLetterStream(stream))).toEqual([]);

      await orm.connect();
      await waitFor('the event applied once the store is back', async () => (await valueOf(h.orm, counterId)) === 5, 10_000);
      await waitFor('nothing left pending', async () => (await pendingCount(h.redis, stream, group)) === 0);
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toBeLessThanOrEqual(3);
      expect(await streamEntries(h.redis, deadLetterStream(stream))).toEqual([]);
    } finally {
      await orm.close(true);
    }
  }, 20_000);

  it('dead-letters entries that are not event envelopes at once, and goes on', async () => {
    const { stream, group } = h.names('garbage');
    h.consumer({ group, subscriptions: { [stream]: { Increment: increment } } }).start();
    const counterId = newId();
    const notJson = await h.redis.xadd(stream, '*', 'type', 'Increment', 'envelope', '{not json');
    const noEnvelope = await h.redis.xadd(stream, '*', 'type', 'Increment', 'payload', '{}');
    const noPayload = await h.redis.xadd(stream, '*', 'type', 'Increment', 'envelope', JSON.stringify({ ...incrementEvent(counterId, 1), payload: undefined }));
    await publish(h.redis, stream, incrementEvent(counterId, 9));

    await waitFor('the good event', async () => (await valueOf(h.orm, counterId)) === 9);
    const dead = await waitFor('three dead letters', async () => {
      const entries = await streamEntries(h.redis, deadLetterStream(stream));
      return entries.length >= 3 ? entries : undefined;
    });
    expect(dead.map((d) => [d.fields.entry, d.fields.deliveries, d.fields.group])).toEqual([
      [notJson, '1', group],
      [noEnvelope, '1', group],
      [noPayload, '1', group],
    ]);
    expect(dead[0].fields.envelope).toBe('{not json');
    expect(dead[1].fields.envelope).toBe(JSON.stringify(['type', 'Increment', 'payload', '{}']));
    expect(dead[2].fields.error).toBe('event envelope without payload');
    await waitFor('nothing left pending', async () => (await pendingCount(h.redis, stream, group)) === 0);
  });

  it('stop() lets the event being applied commit and be acknowledged first', async () => {
    const { stream, group } = h.names('stop');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered = false;
    const consumer = h.consumer({
      group,
      subscriptions: { [stream]: { Increment: async (e, tx) => ((entered = true), await gate, increment(e, tx)) } },
    });
    consumer.start();
    const counterId = newId();
    await publish(h.redis, stream, incrementEvent(counterId, 1));
    await waitFor('the handler to start', () => entered);
    let stopped = false;
    const stopping = consumer.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(await valueOf(h.orm, counterId)).toBe(1);
    expect(await pendingCount(h.redis, stream, group)).toBe(0);
  });

  it('stop() stops after the entry being applied, not after its whole batch: the rest stay pending and are applied on restart', async () => {
    const { stream, group } = h.names('stopbatch');
    const counterId = newId();
    for (const by of [1, 10, 100]) await publish(h.redis, stream, incrementEvent(counterId, by)); // one XREADGROUP batch
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const applied: number[] = [];
    const gated: EventHandler = async (event, tx) => {
      if (applied.length === 0) await gate;
      applied.push(event.payload.by);
      await increment(event, tx);
    };
    const consumer = h.consumer({ group, consumer: 'replica-1', subscriptions: { [stream]: { Increment: gated } } });
    consumer.start();
    await waitFor('all three delivered', async () => (await pendingCount(h.redis, stream, group)) === 3);
    const stopping = consumer.stop();
    release();
    await stopping;
    expect(applied).toEqual([1]);
    expect(await valueOf(h.orm, counterId)).toBe(1);
    expect(await pendingCount(h.redis, stream, group)).toBe(2);

    h.consumer({ group, consumer: 'replica-1', subscriptions: { [stream]: { Increment: gated } } }).start();
    await waitFor('the rest applied after the restart', async () => (await valueOf(h.orm, counterId)) === 111);
    expect(applied).toEqual([1, 10, 100]);
    await waitFor('acknowledged', async () => (await pendingCount(h.redis, stream, group)) === 0);
  });

  it('stop() ends a pause at once instead of waiting out its backoff', async () => {
    const { stream, group } = h.names('stoppause');
    const orm = await openStore({ context: 'consumer-stoppause', url: h.store.url, entities: [CounterSchema] });
    try {
      const consumer = new StreamConsumer(orm, h.redis, h.uow, silentLogger, { group, blockMs: 100, subscriptions: { [stream]: { Increment: increment } } });
      const probes = jest.spyOn(orm, 'isConnected');
      await orm.close(true);
      consumer.start();
      await publish(h.redis, stream, incrementEvent(newId(), 1));
      await waitFor('the consumer paused, probing its store', () => probes.mock.calls.length >= 5, 10_000); // next probe in 1.6 s
      const started = Date.now();
      await consumer.stop();
      expect(Date.now() - started).toBeLessThan(500);
    } finally {
      await orm.close(true);
    }
  }, 20_000);
});

/** Exactly-once effects rest on the inbox table: checked on every store kind, with two replicas racing. */
describe.each(STORE_KINDS)('StreamConsumer inbox on %s', (kind) => {
  const h = consumerHarness(kind);

  it('two replicas given copies of one event apply it once', async () => {
    const { stream, group } = h.names('race');
    const counterId = newId();
    const em = h.orm.em.fork();
    em.persist(Counter.open(counterId, 'race'));
    await em.flush();

    const event = incrementEvent(counterId, 5);
    for (let i = 0; i < 3; i += 1) await publish(h.redis, stream, event);
    const next = incrementEvent(counterId, 1);
    await publish(h.redis, stream, next);
    for (const name of ['replica-a', 'replica-b']) {
      h.consumer({ group, consumer: name, batchSize: 1, subscriptions: { [stream]: { Increment: increment } } }).start();
    }
    await waitFor('all entries acknowledged', async () => (await pendingCount(h.redis, stream, group).catch(() => 1)) === 0 && (await valueOf(h.orm, counterId)) === 6, 8000);
    expect(await valueOf(h.orm, counterId)).toBe(6);
    expect((await inboxRows(h.orm, group)).map((r) => r.eventId).sort()).toEqual([event.id, next.id].sort());
    expect(await streamEntries(h.redis, deadLetterStream(stream))).toHaveLength(0);
  });
});
