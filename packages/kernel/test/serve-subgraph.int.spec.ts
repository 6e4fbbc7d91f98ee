import type { AddressInfo } from 'node:net';
import express from 'express';
import { parse } from 'graphql';
import type { Redis } from 'ioredis';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { asRouter, asService, bearer, customer, errorCode, freshStore, FreshStore, gql, gqlData, postBadBodies, redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { CALLER_HEADER, DEV_ROUTER_CREDENTIAL_SECRET, InternalCredentials } from '../src/auth';
import { ContextRuntime, createConsumer, HTTP_STOP_GRACE_MS, openContext, RunningService, serveSubgraph } from '../src/context';
import { DomainError } from '../src/domain';
import { newId } from '../src/events/envelope';
import { UnitOfWork } from '../src/events/unit-of-work';
import { createRedis } from '../src/redis';
import { mountHealth } from '../src/server/health';
import { httpErrorHandler } from '../src/server/http-errors';
import { storeReachable } from '../src/store/orm';
import { ServiceClient } from '../src/sync/service-client';
import type { RequestContext } from '../src/context';
import { Counter, CounterSchema, findCounter, openCounterMutation, publish, redisReady, sourceEvent, streamEntries, UUID_V7 } from './fixtures';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Counter @key(fields: "id") { id: ID! label: String! value: Int! }
  type Caller { kind: String! subject: String role: String service: String }
  type Query { counter(id: ID!): Counter  boom: Int  declined: Int  hang: Int  whoAmI: Caller! }
  type Mutation { openCounter(label: String!): Counter! }
`);

/** A router credential for `c-1` signed with the development key, but issued 2 minutes ago and expired 1 minute ago. */
async function expiredCredential(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: 'c-1', role: 'customer' })
    .setProtectedHeader({ alg: 'HS256', kid: 'router' })
    .setAudience('supergraph-subgraphs')
    .setIssuedAt(now - 120)
    .setExpirationTime(now - 60)
    .sign(new TextEncoder().encode(DEV_ROUTER_CREDENTIAL_SECRET));
}

/** The body `httpErrorHandler` answers a client error with. */
const badRequest = (message: string) => ({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });

/** A tiny context served by the kernel: the catalog's `ticket` entry with test-only entities. */
describe('serveSubgraph + health (SQLite + Redis)', () => {
  const ns = redisNamespace();
  let store: FreshStore;
  let runtime: ContextRuntime;
  let service: RunningService;
  let redis: Redis;
  let base: string;
  /** The router's credential for customer `c-1`: what every request below carries unless it tests credentials. */
  let asC1: Record<string, string>;
  const counted: string[] = [];

  beforeAll(async () => {
    store = await freshStore('sqlite', 'serve');
    runtime = await openContext('ticket', {
      entities: [CounterSchema],
      env: { TICKET_DB_URL: store.url, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: '400' },
    });
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
          hang: () => new Promise(() => undefined),
          whoAmI: (_: unknown, __: unknown, { caller }: RequestContext) =>
            caller.kind === 'router' ? { kind: caller.kind, subject: caller.identity?.subject, role: caller.identity?.role } : { kind: caller.kind, service: caller.service },
        },
        Mutation: {
          openCounter: openCounterMutation(runtime.uow),
        },
      },
      consumers: [consumer],
      port: 0,
      handleSignals: false,
    });
    base = service.url.replace(/\/graphql$/, '');
    redis = createRedis(REDIS_URL);
    await redisReady(redis);
    asC1 = await asRouter(customer('c-1'));
  });

  afterAll(async () => {
    await service?.stop();
    redis?.disconnect();
    await ns.clear();
    await store?.drop();
  });

  it('opens the context from its env: config, port override, store URL, stream names', () => {
    expect(runtime.name).toBe('ticket');
    expect(runtime.config).toMatchObject({ EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent', SHUTDOWN_DELAY_MS: 400, storeUrl: store.url, port: 4001 });
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
    const data = await gqlData(service.url, 'mutation { openCounter(label: "served") { id label value } }', {}, { ...asC1, 'x-correlation-id': correlationId });
    const id = data.openCounter.id;
    expect(await findCounter(runtime.orm, id)).toMatchObject({ label: 'served' });
    const envelope = await waitFor('the event on ticket.events', async () => {
      const found = (await streamEntries(redis, runtime.uow.stream)).map((e) => JSON.parse(e.fields.envelope)).find((env) => env.aggregateId === id);
      return found ?? undefined;
    });
    expect(envelope).toMatchObject({ type: 'CounterOpened', producer: 'ticket', correlationId, causationId: null });
    expect((await gqlData(service.url, 'query($id: ID!) { counter(id: $id) { value } }', { id }, asC1)).counter).toEqual({ value: 0 });
  });

  it('replaces a client correlation id that is not 1-100 of [A-Za-z0-9._:-] with a new one in the events', async () => {
    const data = await gqlData(service.url, 'mutation { openCounter(label: "traced") { id } }', {}, { ...asC1, 'x-correlation-id': 'evil <b>id</b>' });
    const envelope = await waitFor('the event on ticket.events', async () =>
      (await streamEntries(redis, runtime.uow.stream)).map((e) => JSON.parse(e.fields.envelope)).find((env) => env.aggregateId === data.openCounter.id),
    );
    expect(envelope.correlationId).toMatch(UUID_V7);
  });

  it('refuses the NUL character in variables, keys or the document with 400 BAD_USER_INPUT, running nothing (no store keeps it)', async () => {
    const counters = () => runtime.orm.em.fork().count(CounterSchema, {});
    const before = await counters();
    const bodies = [
      { query: 'mutation($l: String!) { openCounter(label: $l) { id } }', variables: { l: 'a\u0000b' } },
      { query: 'mutation($l: String!) { openCounter(label: $l) { id } }', variables: { l: 'ok', ['k\u0000']: 1 } },
      { query: 'mutation { openCounter(label: "a\\u0000b") { id } }' },
    ];
    for (const body of bodies) {
      const response = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', ...asC1 }, body: JSON.stringify(body) });
      expect([response.status, await response.json()]).toEqual([400, { errors: [{ message: expect.stringContaining('NUL'), extensions: { code: 'BAD_USER_INPUT' } }] }]);
    }
    expect(await counters()).toBe(before);
  });

  it('answers a malformed JSON body (400) and one over 1 MB (413) with a GraphQL-shaped BAD_REQUEST and no stack', async () => {
    const { malformed, oversized } = await postBadBodies(service.url, asC1);
    expect([malformed.status, malformed.contentType, JSON.parse(malformed.text)]).toEqual([400, expect.stringMatching(/^application\/json/), badRequest('The request body is not valid JSON')]);
    expect([oversized.status, JSON.parse(oversized.text)]).toEqual([413, badRequest('The request body is larger than the limit of 1048576 bytes')]);
  });

  it('puts the caller its internal credential proves in the request context: the router’s end user, an anonymous client, another context', async () => {
    const whoAmI = async (headers: Record<string, string>) => (await gqlData(service.url, '{ whoAmI { kind subject role service } }', {}, headers)).whoAmI;
    expect(await whoAmI(asC1)).toEqual({ kind: 'router', subject: 'c-1', role: 'customer', service: null });
    expect(await whoAmI(await asRouter(null))).toEqual({ kind: 'router', subject: null, role: null, service: null });
    expect(await whoAmI(await asService('booking'))).toEqual({ kind: 'service', subject: null, role: null, service: 'booking' });
  });

  it.each([
    ['without a credential', async (): Promise<Record<string, string>> => ({})],
    ['with a forged one (another router key)', async () => ({ [CALLER_HEADER]: await new InternalCredentials({ routerSecret: 'not-the-router-key-of-this-deployment' }).forRouter(customer('c-1')) })],
    ['with an expired one', async () => ({ [CALLER_HEADER]: await expiredCredential() })],
    ['with one that is not a JWT', async () => ({ [CALLER_HEADER]: 'c-1' })],
    ['with only the client’s valid bearer token', () => bearer('c-1')],
  ])('answers a request %s 401 UNAUTHENTICATED (a GraphQL-shaped JSON error) and runs nothing', async (_what, headers) => {
    const label = `refused-${newId()}`;
    const response = await fetch(service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await headers()) },
      body: JSON.stringify({ query: 'mutation($label: String!) { openCounter(label: $label) { id } }', variables: { label } }),
    });
    expect([response.status, response.headers.get('content-type')]).toEqual([401, expect.stringMatching(/^application\/json/)]);
    expect(await response.json()).toEqual({ errors: [{ message: expect.stringMatching(/x-supergraph-caller/), extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(await runtime.orm.em.fork().count(Counter, { label })).toBe(0);
  });

  it('answers a ServiceClient signing with the context’s service credential as that context; one without a credential is refused', async () => {
    const as = (credential?: () => Promise<string>) => new ServiceClient({ service: 'ticket', url: service.url, unavailableCode: 'PAYMENT_UNAVAILABLE', credential });
    const signed = as(() => runtime.credentials.forService('booking'));
    const unsigned = as();
    try {
      expect(await signed.request('{ whoAmI { kind service } }', {})).toEqual({ whoAmI: { kind: 'service', service: 'booking' } });
      await expect(unsigned.request('{ whoAmI { kind service } }', {})).rejects.toMatchObject({ code: 'PAYMENT_UNAVAILABLE' });
    } finally {
      signed.shutdown();
      unsigned.shutdown();
    }
  });

  it('checks the credential before reading the body: a malformed body without one is 401, not 400', async () => {
    const { malformed } = await postBadBodies(service.url);
    expect([malformed.status, JSON.parse(malformed.text).errors[0].extensions]).toEqual([401, { code: 'UNAUTHENTICATED' }]);
  });

  it('serves no WebSocket when the schema has no Subscription type', async () => {
    const socket = new WebSocket(service.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const outcome = await new Promise<string>((resolve) => {
      socket.once('open', () => resolve('open'));
      socket.once('error', () => resolve('refused'));
    });
    socket.terminate();
    expect(outcome).toBe('refused');
  });

  it('runs the consumers it was given', async () => {
    const event = sourceEvent('Counted', { counterId: newId() });
    await publish(redis, runtime.stream('source'), event);
    await waitFor('the consumer to apply it', () => counted.includes(event.id));
  });

  it('maps errors: DomainError → code and field; anything else → INTERNAL_SERVER_ERROR without details', async () => {
    const declined = await gql(service.url, '{ declined }', {}, asC1);
    expect(declined.errors).toEqual([{ message: 'card declined', path: ['declined'], locations: [{ line: 1, column: 3 }], extensions: { code: 'PAYMENT_DECLINED', field: 'input.card' } }]);

    const boom = await gql(service.url, '{ boom }', {}, asC1);
    expect(errorCode(boom)).toBe('INTERNAL_SERVER_ERROR');
    expect(boom.errors![0].message).toBe('Internal server error');
    expect(JSON.stringify(boom)).not.toMatch(/hunter2|stacktrace|ECONNREFUSED/);

    const invalid = await gql(service.url, '{ nope }', {}, asC1);
    expect(errorCode(invalid)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(invalid)).not.toMatch(/stacktrace/);
  });

  it('stop(): readiness 503 (draining) for SHUTDOWN_DELAY_MS while still serving, in-flight requests get at most HTTP_STOP_GRACE_MS, then everything is closed and nothing committed is left unpublished', async () => {
    // Committed without waking the relay (as another replica would): stop must still publish it.
    const late = newId();
    await new UnitOfWork('ticket', runtime.uow.stream).run(runtime.orm.em, { correlationId: newId(), causationId: null }, async (tx) => tx.persist(Counter.open(late, 'late')));
    // A request that never finishes must not eat the time the consumers and the relay need.
    const hanging = gql(service.url, '{ hang }', {}, asC1).catch((error: unknown) => error);

    const started = Date.now();
    const stopping = service.stop();
    expect(service.stop()).toBe(stopping); // idempotent
    const draining = await waitFor('readiness 503 while draining', async () => {
      const res = await fetch(`${base}/health/ready`);
      return res.status === 503 ? res.json() : undefined;
    }, 1000, 10);
    expect(draining).toMatchObject({ status: 'draining' });
    await stopping;
    expect(Date.now() - started).toBeLessThan(400 + HTTP_STOP_GRACE_MS + 2000);
    expect(String(await hanging)).toMatch(/fetch failed/);

    await expect(fetch(`${base}/health/live`)).rejects.toThrow();
    expect(await storeReachable(runtime.orm)).toBe(false);
    await waitFor('the Redis connection to close', () => runtime.redis.status === 'end');
    const published = (await streamEntries(redis, runtime.uow.stream)).map((e) => JSON.parse(e.fields.envelope).aggregateId);
    expect(published).toContain(late);
  }, 15_000);
});

describe('openContext configuration errors', () => {
  let exit: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  beforeEach(() => {
    exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    exit.mockRestore();
    stderr.mockRestore();
  });

  it.each([
    [{ TICKET_PORT: 'abc' }, 'Invalid configuration: TICKET_PORT: expected a port number 0-65535, received "abc"'],
    [{ STORES: 'mongo' }, 'Invalid configuration: STORES: expected sqlite or polyglot, received "mongo"'],
    [{ LOG_LEVEL: 'loud' }, expect.stringMatching(/^Invalid configuration: LOG_LEVEL: /)],
  ])('exits with status 1 after one line naming the bad variable (%o), before opening anything', async (env, line) => {
    await expect(openContext('ticket', { entities: [CounterSchema], env })).rejects.toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(stderr.mock.calls.map(([chunk]) => String(chunk).replace(/\n$/, ''))).toEqual([line]);
  });
});

describe('httpErrorHandler', () => {
  const logger = { warn: jest.fn(), error: jest.fn() };
  const serve = async (mount: (app: express.Express) => void) => {
    const app = express();
    mount(app);
    app.use(httpErrorHandler(logger as never));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
  };
  beforeEach(() => {
    logger.warn.mockClear();
    logger.error.mockClear();
  });

  it('answers client errors of the body parser with their status and BAD_REQUEST, logging them at warn without a stack', async () => {
    const { url, close } = await serve((app) => app.post('/graphql', express.json({ limit: '1kb' }), (_req, res) => void res.json({ ok: true })));
    try {
      const post = (body: string, type = 'application/json') => fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': type }, body });
      const cases: [Response, number, string][] = [
        [await post('{'), 400, 'The request body is not valid JSON'],
        [await post(JSON.stringify({ pad: 'x'.repeat(2000) })), 413, 'The request body is larger than the limit of 1024 bytes'],
        [await post('{}', 'application/json; charset=latin1'), 415, 'unsupported charset "LATIN1"'],
      ];
      for (const [res, status, message] of cases) {
        expect([res.status, await res.json()]).toEqual([status, badRequest(message)]);
      }
      expect(logger.warn).toHaveBeenCalledTimes(3);
      expect(logger.warn.mock.calls[0]).toEqual([{ method: 'POST', path: '/graphql', status: 400, type: 'entity.parse.failed', reason: expect.any(String) }, 'bad request']);
      for (const [fields] of logger.warn.mock.calls) expect(Object.keys(fields).sort()).toEqual(['method', 'path', 'reason', 'status', 'type']); // no err, no stack
      expect(logger.error).not.toHaveBeenCalled();
    } finally {
      await close();
    }
  });

  it('answers any other error as INTERNAL_SERVER_ERROR with a generic message, logging it at error', async () => {
    const failure = new Error('ECONNREFUSED /srv/app/secret.ts');
    const { url, close } = await serve((app) =>
      app.get('/boom', () => {
        throw failure;
      }),
    );
    try {
      const res = await fetch(`${url}/boom`);
      expect([res.status, await res.json()]).toEqual([500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }]);
      expect(logger.error).toHaveBeenCalledWith({ method: 'GET', path: '/boom', status: 500, err: failure }, 'request failed');
    } finally {
      await close();
    }
  });

  it('closes the connection when the response had already begun', async () => {
    const { url, close } = await serve((app) =>
      app.get('/partial', (_req, res, next) => {
        res.writeHead(200, { 'content-type': 'text/plain' }).write('half');
        next(new Error('failed midway'));
      }),
    );
    try {
      await expect(fetch(`${url}/partial`).then((res) => res.text())).rejects.toThrow();
      expect(logger.error).toHaveBeenCalledTimes(1);
    } finally {
      await close();
    }
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

  it('reports dependencies in the body without letting them decide readiness', async () => {
    const { url, close } = await serve({ redis: async () => true }, () => false, { dependencies: { payment: async () => false, ticket: async () => true } });
    try {
      const res = await fetch(`${url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ready', checks: { redis: true }, dependencies: { payment: false, ticket: true } });
    } finally {
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
