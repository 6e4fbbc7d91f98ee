import type { AddressInfo } from 'node:net';
import express from 'express';
import { parse } from 'graphql';
import type { Redis } from 'ioredis';
import { errorCode, freshStore, FreshStore, gql, gqlData, redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { ContextRuntime, createConsumer, openContext, RunningService, serveSubgraph } from '../src/context';
import { DomainError } from '../src/domain';
import { newId } from '../src/events/envelope';
import { UnitOfWork } from '../src/events/unit-of-work';
import { createRedis } from '../src/redis';
import { mountHealth } from '../src/server/health';
import { storeReachable } from '../src/store/orm';
import type { RequestContext } from '../src/context';
import { Counter, CounterSchema, findCounter, publish, redisReady, sourceEvent, streamEntries } from './fixtures';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Counter @key(fields: "id") { id: ID! label: String! value: Int! }
  type Query { counter(id: ID!): Counter  boom: Int  declined: Int }
  type Mutation { openCounter(label: String!): Counter! }
`);

/** A tiny context served by the kernel: the catalog's `ticket` entry with test-only entities. */
describe('serveSubgraph + health (SQLite + Redis)', () => {
  const ns = redisNamespace();
  let store: FreshStore;
  let runtime: ContextRuntime;
  let service: RunningService;
  let redis: Redis;
  let base: string;
  const counted: string[] = [];

  beforeAll(async () => {
    store = await freshStore('sqlite', 'serve');
    runtime = await openContext('ticket', { entities: [CounterSchema], env: { TICKET_DB_URL: store.url, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent' } });
    const consumer = createConsumer(runtime, {
      blockMs: 100,
      subscriptions: { [runtime.stream('source')]: { Counted: async (event) => void counted.push(event.id) } },
    });
    service = await serveSubgraph<RequestContext>(runtime, {
      typeDefs,
      resolvers: {
        Query: {
          counter: (_: unknown, { id }: { id: string }, ctx: RequestContext) => ctx.em.findOne(Counter, id),
          boom: () => {
            throw new Error('connect ECONNREFUSED password=hunter2');
          },
          declined: () => {
            throw new DomainError('PAYMENT_DECLINED', 'card declined', 'input.card');
          },
        },
        Mutation: {
          openCounter: (_: unknown, { label }: { label: string }, ctx: RequestContext) =>
            runtime.uow.run(ctx.em, ctx.meta, async (tx) => {
              const counter = Counter.open(newId(), label);
              tx.persist(counter);
              return counter;
            }),
        },
      },
      consumers: [consumer],
      port: 0,
      handleSignals: false,
      drainDelayMs: 400,
    });
    base = service.url.replace(/\/graphql$/, '');
    redis = createRedis(REDIS_URL);
    await redisReady(redis);
  });

  afterAll(async () => {
    await service?.stop();
    redis?.disconnect();
    await ns.clear();
    await store?.drop();
  });

  it('opens the context from its env: config, port override, store URL, stream names', () => {
    expect(runtime.name).toBe('ticket');
    expect(runtime.config).toMatchObject({ EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent', storeUrl: store.url, port: 4001 });
    expect(runtime.uow.stream).toBe(`${ns.namespace}ticket.events`);
    expect(runtime.stream('booking')).toBe(`${ns.namespace}booking.events`);
    expect(service.port).toBeGreaterThan(0);
    expect(service.url).toBe(`http://127.0.0.1:${service.port}/graphql`);
  });

  it('/health/live is 200; /health/ready is 200 once store and Redis are up', async () => {
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'live' });
    const body = await waitFor('readiness', async () => {
      const res = await fetch(`${base}/health/ready`);
      return res.status === 200 ? res.json() : undefined;
    });
    expect(body).toEqual({ status: 'ready', checks: { store: true, redis: true } });
  });

  it('a mutation commits the aggregate and the relay publishes its event with the request’s correlation id', async () => {
    const correlationId = `req-${newId()}`;
    const data = await gqlData(service.url, 'mutation { openCounter(label: "served") { id label value } }', {}, { 'x-correlation-id': correlationId });
    const id = data.openCounter.id;
    expect(await findCounter(runtime.orm, id)).toMatchObject({ label: 'served' });
    const envelope = await waitFor('the event on ticket.events', async () => {
      const found = (await streamEntries(redis, runtime.uow.stream)).map((e) => JSON.parse(e.fields.envelope)).find((env) => env.aggregateId === id);
      return found ?? undefined;
    });
    expect(envelope).toMatchObject({ type: 'CounterOpened', producer: 'ticket', correlationId, causationId: null });
    expect((await gqlData(service.url, 'query($id: ID!) { counter(id: $id) { value } }', { id })).counter).toEqual({ value: 0 });
  });

  it('runs the consumers it was given', async () => {
    const event = sourceEvent('Counted', { counterId: newId() });
    await publish(redis, runtime.stream('source'), event);
    await waitFor('the consumer to apply it', () => counted.includes(event.id));
  });

  it('maps errors: DomainError → code and field; anything else → INTERNAL_SERVER_ERROR without details', async () => {
    const declined = await gql(service.url, '{ declined }');
    expect(declined.errors).toEqual([{ message: 'card declined', path: ['declined'], locations: [{ line: 1, column: 3 }], extensions: { code: 'PAYMENT_DECLINED', field: 'input.card' } }]);

    const boom = await gql(service.url, '{ boom }');
    expect(errorCode(boom)).toBe('INTERNAL_SERVER_ERROR');
    expect(boom.errors![0].message).toBe('Internal server error');
    expect(JSON.stringify(boom)).not.toMatch(/hunter2|stacktrace|ECONNREFUSED/);

    const invalid = await gql(service.url, '{ nope }');
    expect(errorCode(invalid)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(invalid)).not.toMatch(/stacktrace/);
  });

  it('stop(): readiness turns 503 (draining) while still serving, then everything is closed and nothing committed is left unpublished', async () => {
    // Committed without waking the relay (as another replica would): stop must still publish it.
    const late = newId();
    await new UnitOfWork('ticket', runtime.uow.stream).run(runtime.orm.em, { correlationId: newId(), causationId: null }, async (tx) => tx.persist(Counter.open(late, 'late')));

    const stopping = service.stop();
    expect(service.stop()).toBe(stopping); // idempotent
    const draining = await waitFor('readiness 503 while draining', async () => {
      const res = await fetch(`${base}/health/ready`);
      return res.status === 503 ? res.json() : undefined;
    }, 1000, 10);
    expect(draining).toMatchObject({ status: 'draining' });
    await stopping;

    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    expect(await storeReachable(runtime.orm)).toBe(false);
    await waitFor('the Redis connection to close', () => runtime.redis.status === 'end');
    const published = (await streamEntries(redis, runtime.uow.stream)).map((e) => JSON.parse(e.fields.envelope).aggregateId);
    expect(published).toContain(late);
  });
});

describe('mountHealth', () => {
  const serve = async (checks: Parameters<typeof mountHealth>[1], draining = () => false, options?: Parameters<typeof mountHealth>[3]) => {
    const app = express();
    mountHealth(app, checks, draining, options);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, close: () => new Promise((resolve) => server.close(resolve)) };
  };

  it('answers 503 naming each check when one is down, throws, rejects or hangs; 200 when all pass', async () => {
    let hang: NodeJS.Timeout | undefined;
    const { url, close } = await serve(
      {
        ok: async () => true,
        down: async () => false,
        rejects: async () => {
          throw new Error('no');
        },
        throws: (() => {
          throw new Error('sync');
        }) as unknown as () => Promise<boolean>,
        hangs: () => new Promise<boolean>((resolve) => (hang = setTimeout(() => resolve(true), 10_000))),
      },
      () => false,
      { checkTimeoutMs: 200 },
    );
    try {
      const started = Date.now();
      const res = await fetch(`${url}/health/ready`);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', checks: { ok: true, down: false, rejects: false, throws: false, hangs: false } });
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
    } finally {
      clearTimeout(hang);
      await close();
    }
  });

  it('answers 503 draining even when every check passes', async () => {
    let draining = false;
    const { url, close } = await serve({ store: async () => true }, () => draining);
    try {
      expect((await fetch(`${url}/health/ready`)).status).toBe(200);
      draining = true;
      const res = await fetch(`${url}/health/ready`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'draining', checks: { store: true } });
    } finally {
      await close();
    }
  });
});
