import { parse } from 'graphql';
import type { Redis } from 'ioredis';
import { asRouter, customer, freshStore, FreshStore, gql, gqlData, metricSample as sample, redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { ContextRuntime, createConsumer, createLiveFeed, openContext, RunningService, serveSubgraph } from '../src/context';
import type { RequestContext } from '../src/context';
import { newId } from '../src/events/envelope';
import { createRedis } from '../src/redis';
import { Counter, CounterSchema, openCounterMutation, publish, redisReady, sourceEvent } from './fixtures';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Counter @key(fields: "id") { id: ID! label: String! value: Int! }
  type Query { counter(id: ID!): Counter }
  type Mutation { openCounter(label: String!): Counter! }
`);

/** `GET /metrics` of a subgraph served by the kernel: GraphQL operations, outbox, consumer, dead letters, live feeds. */
describe('GET /metrics of a subgraph (SQLite + Redis)', () => {
  const ns = redisNamespace();
  let store: FreshStore;
  let runtime: ContextRuntime;
  let service: RunningService;
  let redis: Redis;
  let metricsUrl: string;
  let source: string;
  /** The router's credential for customer `c-1`, which every GraphQL request to the subgraph needs. */
  let asC1: Record<string, string>;
  const handled: string[] = [];
  const scrape = async () => {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };

  beforeAll(async () => {
    store = await freshStore('sqlite', 'metrics');
    runtime = await openContext('ticket', { entities: [CounterSchema], env: { TICKET_DB_URL: store.url, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent' } });
    source = runtime.stream('source');
    const consumer = createConsumer(runtime, {
      blockMs: 100,
      retryDelayMs: 20,
      maxDeliveries: 2,
      subscriptions: {
        [source]: {
          Counted: async (event) => void handled.push(event.id),
          Poisoned: async () => {
            throw new Error('poison');
          },
        },
      },
    });
    const feed = createLiveFeed<{ counterId: string }>(runtime, { types: ['CounterOpened'], key: (e) => e.payload.counterId, blockMs: 100 });
    feed.listen('someone', () => undefined);
    service = await serveSubgraph<RequestContext>(runtime, {
      typeDefs,
      resolvers: {
        Query: { counter: (_: unknown, { id }: { id: string }, ctx: RequestContext) => ctx.em.findOne(Counter, id) },
        Mutation: {
          openCounter: openCounterMutation(runtime.uow),
        },
      },
      consumers: [consumer],
      feeds: [feed],
      port: 0,
      handleSignals: false,
    });
    metricsUrl = service.url.replace(/\/graphql$/, '/metrics');
    asC1 = await asRouter(customer('c-1'));
    redis = createRedis(REDIS_URL);
    await redisReady(redis);
  });

  afterAll(async () => {
    await service?.stop();
    redis?.disconnect();
    await ns.clear();
    await store?.drop();
  });

  it('serves Node default metrics with the service label', async () => {
    const text = await scrape();
    expect(sample(text, 'process_cpu_user_seconds_total', { service: 'ticket' })).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes', { service: 'ticket' })).toBeGreaterThan(0);
    expect(sample(text, 'supergraph_live_subscriptions', { service: 'ticket', kind: 'feed' })).toBe(1);
  });

  it('counts and times GraphQL operations by name, type and outcome; a request refused for its credential never reaches GraphQL', async () => {
    await gqlData(service.url, 'mutation Open { openCounter(label: "m") { id } }', {}, asC1);
    await gqlData(service.url, 'query Read($id: ID!) { counter(id: $id) { id } }', { id: newId() }, asC1);
    await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...asC1 }, body: JSON.stringify({ query: 'query Bad { nope }' }) });
    expect((await gql(service.url, 'query Refused { counter(id: "x") { id } }')).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const text = await scrape();
    expect(sample(text, 'supergraph_graphql_requests_total', { operation: 'Refused' })).toBeUndefined();
    expect(sample(text, 'supergraph_graphql_requests_total', { operation: 'Open', type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'supergraph_graphql_requests_total', { operation: 'Read', type: 'query', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'supergraph_graphql_requests_total', { operation: 'Bad', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(sample(text, 'supergraph_graphql_request_duration_seconds_count', { operation: 'Open', type: 'mutation' })).toBe(1);
    expect(sample(text, 'supergraph_graphql_request_duration_seconds_bucket', { operation: 'Open', le: '+Inf' })).toBe(1);
  });

  it('reports published events and an outbox backlog of 0 once the relay caught up', async () => {
    await gqlData(service.url, 'mutation { openCounter(label: "published") { id } }', {}, asC1);
    const text = await waitFor('the relay to publish and the backlog to drain', async () => {
      const t = await scrape();
      return (sample(t, 'supergraph_events_published_total', { stream: runtime.uow.stream }) ?? 0) >= 2 && sample(t, 'supergraph_outbox_backlog') === 0 ? t : undefined;
    });
    expect(sample(text, 'supergraph_outbox_backlog', { service: 'ticket' })).toBe(0);
  });

  it('reports handled events, dead letters and the group’s lag and pending entries', async () => {
    const good = sourceEvent('Counted', { counterId: newId() });
    await publish(redis, source, good);
    await publish(redis, source, sourceEvent('Poisoned', { counterId: newId() }));
    const text = await waitFor(
      'the event handled and the poison dead-lettered',
      async () => {
        const t = await scrape();
        return sample(t, 'supergraph_events_dead_lettered_total', { stream: source, group: 'ticket' }) === 1 ? t : undefined;
      },
      10_000,
    );
    expect(handled).toContain(good.id);
    expect(sample(text, 'supergraph_events_handled_total', { stream: source, type: 'Counted', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'supergraph_events_handled_total', { stream: source, type: 'Poisoned', outcome: 'error' })).toBe(2);
    expect(sample(text, 'supergraph_event_handler_duration_seconds_count', { stream: source, type: 'Counted' })).toBe(1);
    expect(sample(text, 'supergraph_consumer_lag', { stream: source, group: 'ticket' })).toBe(0);
    expect(sample(text, 'supergraph_consumer_pending', { stream: source, group: 'ticket' })).toBe(0);
  });

  it('a redelivered event the inbox already holds counts as duplicate', async () => {
    const again = sourceEvent('Counted', { counterId: newId() });
    await publish(redis, source, again);
    await waitFor('first delivery', () => handled.includes(again.id));
    await publish(redis, source, again);
    await waitFor('the copy dropped by the inbox', async () => sample(await scrape(), 'supergraph_events_handled_total', { stream: source, type: 'Counted', outcome: 'duplicate' }) === 1);
  });
});
