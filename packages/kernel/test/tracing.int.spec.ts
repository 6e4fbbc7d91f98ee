import { SpanKind } from '@opentelemetry/api';
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import { freshStore, FreshStore, redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { EventEnvelope, newId, parseEnvelope } from '../src/events/envelope';
import { OutboxRelay } from '../src/events/outbox-relay';
import { StreamConsumer } from '../src/events/stream-consumer';
import { UnitOfWork } from '../src/events/unit-of-work';
import { LiveFeed } from '../src/live/live-feed';
import { createRedis } from '../src/redis';
import { openStore } from '../src/store/orm';
import { InMemorySpanExporter, inSpan, ReadableSpan, startTracing, Tracing } from '../src/tracing';
import { Counter, CounterSchema, outboxRows, redisReady, silentLogger } from './fixtures';

jest.setTimeout(30_000);

/**
 * The trace of one business flow across the event hops (in-process, in-memory exporter):
 * a command in a span → its envelope's `traceparent` → `process <type>` (CONSUMER, child) → the
 * event a policy raises there → `process <type>` of the next hop and `push <type>` of the live feed,
 * all in one trace.
 */
describe('tracing across the outbox, the stream and the consumers (SQLite + Redis)', () => {
  const ns = redisNamespace();
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let store: FreshStore;
  let orm: MikroORM;
  let redis: Redis;
  const stopAfter: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    tracing = startTracing('kernel-test', {}, { exporter });
    store = await freshStore('sqlite', 'tracing');
    orm = await openStore({ context: 'tracing', url: store.url, entities: [CounterSchema] });
    redis = createRedis(REDIS_URL);
    await redisReady(redis);
  });
  afterAll(async () => {
    await Promise.all(stopAfter.map((s) => s.stop()));
    await tracing?.shutdown();
    redis?.disconnect();
    await orm?.close(true);
    await ns.clear();
    await store?.drop();
  });

  const ids = (span: ReadableSpan) => ({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, parent: span.parentSpanContext?.spanId });

  it('is on only with an exporter here; without OTEL_EXPORTER_OTLP_ENDPOINT startTracing is a no-op', () => {
    expect(tracing.enabled).toBe(true);
    expect(startTracing('off', {}).enabled).toBe(false);
    expect(startTracing('off', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }).enabled).toBe(false);
  });

  it('command → envelope.traceparent → process (consumer) → policy event → process + push: one trace, parent by parent', async () => {
    const source = `${ns.namespace}source.events`;
    const reacting = `${ns.namespace}reacting.events`;
    const relay = new OutboxRelay(orm, redis, silentLogger);
    const commandUow = new UnitOfWork('source', source, relay);
    const policyUow = new UnitOfWork('reacting', reacting, relay);
    relay.start();
    stopAfter.push(relay);

    // Hop 1: a policy of `reacting` opens a second counter when a counter is opened in `source`.
    const policy = new StreamConsumer(orm, redis, policyUow, silentLogger, {
      group: `policy-${newId().slice(-8)}`,
      blockMs: 100,
      subscriptions: {
        [source]: {
          CounterOpened: async (event, tx) => {
            tx.persist(Counter.open(newId(), `after ${(event.payload as { counterId: string }).counterId}`));
          },
        },
      },
    });
    // Hop 2: a projection of `reacting`'s events, and a live feed pushing them to a subscriber.
    const projected: EventEnvelope[] = [];
    const projection = new StreamConsumer(orm, redis, policyUow, silentLogger, {
      group: `view-${newId().slice(-8)}`,
      blockMs: 100,
      subscriptions: { [reacting]: { CounterOpened: async (event) => void projected.push(event) } },
    });
    const feed = new LiveFeed(redis, silentLogger, { stream: reacting, types: ['CounterOpened'], key: () => 'everyone', blockMs: 100 });
    const pushed: EventEnvelope[] = [];
    feed.listen('everyone', (event) => pushed.push(event));
    feed.start();
    await feed.ready();
    stopAfter.push(feed, policy, projection);
    policy.start();
    projection.start();

    const counterId = newId();
    const command = await inSpan('mutation openCounter', { kind: SpanKind.SERVER }, async (span) => {
      await commandUow.run(orm.em, { correlationId: newId(), causationId: null }, async (tx) => tx.persist(Counter.open(counterId, 'traced')));
      return span.spanContext();
    });

    // The envelope in the outbox carries the command span's context.
    const staged = (await outboxRows(orm)).map((row) => parseEnvelope(row.envelope)).find((e) => e.aggregateId === counterId)!;
    expect(staged.traceparent).toBe(`00-${command.traceId}-${command.spanId}-01`);

    await waitFor('the projection and the push', () => projected.length === 1 && pushed.length === 1);
    const spans = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === command.traceId);
    await waitFor('four spans of the trace', () => spans().length === 4);

    const root = spans().find((s) => s.name === 'mutation openCounter')!;
    const processes = spans().filter((s) => s.name === 'process CounterOpened');
    const first = processes.find((s) => ids(s).parent === command.spanId)!;
    const second = processes.find((s) => s !== first)!;
    const push = spans().find((s) => s.name === 'push CounterOpened')!;

    expect(ids(root).parent).toBeUndefined();
    expect(first).toBeDefined();
    expect(first.kind).toBe(SpanKind.CONSUMER);
    expect(first.attributes['messaging.destination.name']).toBe(source);
    expect(first.attributes['messaging.consumer.group.name']).toBe(policy.group);
    expect(ids(second).parent).toBe(ids(first).spanId); // the policy's event carried the consumer span's context
    expect(second.attributes['messaging.destination.name']).toBe(reacting);
    expect(ids(push).parent).toBe(ids(first).spanId);
    expect(push.kind).toBe(SpanKind.PRODUCER);
    expect(push.attributes['live.listeners']).toBe(1);
    expect(projected[0].traceparent).toBe(`00-${command.traceId}-${ids(first).spanId}-01`);
  });

  it('an envelope without traceparent (older producers) still parses and is processed in a root span of its own', async () => {
    const stream = `${ns.namespace}legacy.events`;
    const legacy = { id: newId(), type: 'Legacy', version: 1, aggregateType: 'Source', aggregateId: newId(), aggregateVersion: 1, occurredAt: new Date().toISOString(), producer: 'old', correlationId: newId(), causationId: null, payload: {} };
    expect(parseEnvelope(JSON.stringify(legacy)).traceparent).toBeUndefined();
    const handled: string[] = [];
    const consumer = new StreamConsumer(orm, redis, new UnitOfWork('legacy', `${ns.namespace}unused.events`), silentLogger, {
      group: `legacy-${newId().slice(-8)}`,
      blockMs: 100,
      subscriptions: { [stream]: { Legacy: async (event) => void handled.push(event.id) } },
    });
    stopAfter.push(consumer);
    await redis.xadd(stream, '*', 'type', 'Legacy', 'envelope', JSON.stringify(legacy));
    consumer.start();
    await waitFor('the legacy event handled', () => handled.length === 1);
    await waitFor('its process span', () => exporter.getFinishedSpans().some((s) => s.attributes['messaging.message.id'] === legacy.id));
    const span = exporter.getFinishedSpans().find((s) => s.attributes['messaging.message.id'] === legacy.id)!;
    expect(span.name).toBe('process Legacy');
    expect(span.parentSpanContext).toBeUndefined();
  });
});
