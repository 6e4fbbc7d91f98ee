import { connect, Socket } from 'node:net';
import { parse } from 'graphql';
import { admin, asRouter, asService, customer, freshStore, FreshStore, redisNamespace, subscriptionClient, TestSubscriptionClient, waitFor } from '@supergraph/testing';
import { CALLER_HEADER, Identity, InternalCredentials } from '../src/auth';
import { ContextRuntime, createLiveFeed, openContext, RequestContext, RunningService, serveSubgraph, WS_CLOSE_GRACE_MS } from '../src/context';
import { DomainError } from '../src/domain';
import { commandMeta, Counter, CounterSchema, openCounter, UUID_V7 } from './fixtures';
import { liveQueue } from '../src/live/live-iterator';
import type { LiveFeed } from '../src/live/live-feed';

const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Query { ping: Int }
  type Tick { counterId: ID! value: Int! }
  type Caller { correlationId: String! user: String kind: String! subject: String role: String }
  type Subscription {
    ticks(counterId: ID!): Tick!
    whoAmI: Caller!
    refused(why: String!): Int
    broken: Int
    overflowing: Int
  }
`);

type Incremented = { counterId: string; by: number; value: number };

/** A raw socket upgraded to WebSocket on `/graphql` that never reads a frame nor answers a close. */
function muteWebSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        'GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
      );
    });
    socket.once('data', (chunk) => {
      socket.pause(); // reads nothing more: the close frame is never answered
      if (String(chunk).startsWith('HTTP/1.1 101')) resolve(socket);
      else reject(new Error(String(chunk)));
    });
    socket.once('error', reject);
  });
}

/** What the counter subscriptions' context carries beside the base: the live feed of the context's own stream. */
interface LiveContext extends RequestContext {
  increments: LiveFeed<Incremented>;
}

/**
 * The kernel's WebSocket side of `serveSubgraph`: a subgraph whose schema has a Subscription type,
 * fed by a live feed of its own stream (the `ticket` catalog entry with the test-only Counter).
 */
describe('serveSubgraph over WebSocket (graphql-ws, SQLite + Redis)', () => {
  const ns = redisNamespace();
  let store: FreshStore;
  let runtime: ContextRuntime;
  let service: RunningService;
  let feed: LiveFeed<Incremented>;
  const clients: TestSubscriptionClient[] = [];
  /** A client whose `connection_init` carries `connectionParams` beside no internal credential. */
  const rawClient = (connectionParams: Record<string, unknown>) => {
    const opened = subscriptionClient(service.url, connectionParams);
    clients.push(opened);
    return opened;
  };
  /** A client connected as the router does for `identity` (customer `c-1` unless told; null: anonymous), with more `connectionParams`. */
  const client = async (connectionParams: Record<string, unknown> = {}, identity: Identity | null = customer('c-1')) => rawClient({ ...(await asRouter(identity)), ...connectionParams });
  const increment = (id: string, by: number) => runtime.uow.run(runtime.orm.em, commandMeta(), async (tx) => (await tx.findOneOrFail(Counter, id)).increment(by));

  beforeAll(async () => {
    store = await freshStore('sqlite', 'serve_ws');
    runtime = await openContext('ticket', { entities: [CounterSchema], env: { TICKET_DB_URL: store.url, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent' } });
    feed = createLiveFeed<Incremented>(runtime, { types: ['CounterIncremented'], key: (e) => e.payload.counterId, blockMs: 200 });
    service = await serveSubgraph<LiveContext>(runtime, {
      typeDefs,
      resolvers: {
        Query: { ping: () => 1 },
        Subscription: {
          ticks: {
            subscribe: (_: unknown, { counterId }: { counterId: string }, ctx: LiveContext) => liveQueue<Incremented>((push) => ctx.increments.listen(counterId, (e) => push(e.payload))),
            resolve: (tick: Incremented) => tick,
          },
          whoAmI: {
            subscribe: async function* (_: unknown, __: unknown, ctx: LiveContext) {
              const { caller } = ctx;
              const identity = caller.kind === 'router' ? { subject: caller.identity?.subject, role: caller.identity?.role } : {};
              yield { correlationId: ctx.correlationId, user: ctx.connectionParams?.user ?? null, kind: caller.kind, ...identity };
            },
            resolve: (caller: unknown) => caller,
          },
          refused: {
            subscribe: (_: unknown, { why }: { why: string }) => {
              throw new DomainError('BAD_USER_INPUT', `why: ${why}`, 'why');
            },
          },
          broken: {
            subscribe: () => ({
              [Symbol.asyncIterator]: () => ({ next: async () => Promise.reject(new Error('ECONNREFUSED 10.0.0.7 password=hunter2')) }),
            }),
          },
          overflowing: {
            subscribe: () =>
              liveQueue<number>(
                (push) => {
                  push(1);
                  push(2);
                  return () => undefined;
                },
                { maxBacklog: 1 },
              ),
            resolve: (n: number) => n,
          },
        },
      },
      context: (base) => ({ ...base, increments: feed }),
      feeds: [feed],
      port: 0,
      handleSignals: false,
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await service?.stop();
    await ns.clear();
    await store?.drop();
  });

  it('streams a subscription fed by the live feed, and unsubscribing unregisters its listener at once', async () => {
    const id = await openCounter(runtime.uow, runtime.orm);
    const ticks = (await client()).subscribe<{ ticks: Incremented }>('subscription($id: ID!) { ticks(counterId: $id) { counterId value } }', { id });
    await waitFor('the subscription to listen', () => feed.listenerCount(id) === 1);
    await increment(id, 2);
    await increment(id, 3);
    await ticks.untilCount(2);
    expect(ticks.data).toEqual([{ ticks: { counterId: id, value: 2 } }, { ticks: { counterId: id, value: 5 } }]);
    ticks.unsubscribe();
    await waitFor('the listener to be gone', () => feed.listenerCount(id) === 0);
  });

  it('gives subscriptions the request context: the correlation id of the connection params (when acceptable) and the params', async () => {
    const named = (await client({ 'x-correlation-id': 'ws-corr-1', user: 'u-1' })).subscribe('subscription { whoAmI { correlationId user } }');
    await named.untilEnded();
    expect(named.data).toEqual([{ whoAmI: { correlationId: 'ws-corr-1', user: 'u-1' } }]);

    const unnamed = (await client({ 'x-correlation-id': 'evil <b>id</b>' })).subscribe('subscription { whoAmI { correlationId user } }');
    await unnamed.untilEnded();
    expect(unnamed.data[0].whoAmI).toEqual({ correlationId: expect.stringMatching(UUID_V7), user: null });
  });

  it('gives subscriptions the caller the connection’s credential proved: the router’s end user, an anonymous client, another context', async () => {
    const whoAmI = async (socket: TestSubscriptionClient) => {
      const sub = socket.subscribe<{ whoAmI: Record<string, unknown> }>('subscription { whoAmI { kind subject role } }');
      await sub.untilEnded();
      return sub.data[0]?.whoAmI;
    };
    expect(await whoAmI(await client())).toEqual({ kind: 'router', subject: 'c-1', role: 'customer' });
    expect(await whoAmI(await client({}, admin()))).toEqual({ kind: 'router', subject: 'admin', role: 'admin' });
    expect(await whoAmI(await client({}, null))).toEqual({ kind: 'router', subject: null, role: null });
    expect(await whoAmI(rawClient(await asService('booking')))).toEqual({ kind: 'service', subject: null, role: null });
  });

  it.each([
    ['without a credential', async (): Promise<Record<string, unknown>> => ({ user: 'u-1' })],
    ['with a forged one (another router key)', async () => ({ [CALLER_HEADER]: await new InternalCredentials({ routerSecret: 'not-the-router-key-of-this-deployment' }).forRouter(customer('c-1')) })],
    ['with one that is not a string', async () => ({ [CALLER_HEADER]: { sub: 'c-1', role: 'admin' } })],
  ])('closes a connection %s with 4403 Forbidden before acknowledging it, running nothing', async (_what, connectionParams) => {
    const id = await openCounter(runtime.uow, runtime.orm);
    const socket = rawClient(await connectionParams());
    const ticks = socket.subscribe('subscription($id: ID!) { ticks(counterId: $id) { value } }', { id });
    await ticks.untilEnded();
    expect(ticks.error).toMatchObject({ code: 4403 });
    expect(ticks.results).toEqual([]);
    expect(feed.listenerCount(id)).toBe(0);
  });

  it('shapes errors as over HTTP: DomainError → code and field; the unexpected → INTERNAL_SERVER_ERROR without details', async () => {
    const socket = await client();
    const refused = socket.subscribe('subscription { refused(why: "because") }');
    await refused.untilEnded();
    expect(refused.results).toEqual([
      { errors: [{ message: 'why: because', locations: [{ line: 1, column: 16 }], path: ['refused'], extensions: { code: 'BAD_USER_INPUT', field: 'why' } }] },
    ]);

    const broken = socket.subscribe('subscription { broken }');
    await broken.untilEnded();
    expect(broken.error).toEqual([{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(JSON.stringify(broken.error)).not.toMatch(/hunter2|ECONNREFUSED|stack/);

    const overflowing = socket.subscribe('subscription { overflowing }');
    await overflowing.untilEnded();
    expect(overflowing.error).toEqual([{ message: expect.stringMatching(/^subscription ended: more than 1 updates/), extensions: { code: 'RATE_LIMITED' } }]);
  });

  it.each([
    ['a syntax error', 'subscription {', {}, 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', 'subscription { nope }', {}, 'GRAPHQL_VALIDATION_FAILED'],
    ['a missing variable', 'subscription($id: ID!) { ticks(counterId: $id) { value } }', {}, 'BAD_USER_INPUT'],
    ['two operations without a name', 'subscription a { broken } subscription b { broken }', {}, 'BAD_REQUEST'],
  ])('codes %s as Apollo Server does over HTTP (%s)', async (_what, query, variables, code) => {
    const sub = (await client()).subscribe(query, variables);
    await sub.untilEnded();
    expect(sub.error).toEqual([expect.objectContaining({ message: expect.any(String), extensions: { code } })]);
  });

  it('stop(): closes the sockets with 1001, ending their subscriptions and unregistering their listeners; a client that never answers is cut', async () => {
    const id = await openCounter(runtime.uow, runtime.orm);
    const ticks = (await client()).subscribe('subscription($id: ID!) { ticks(counterId: $id) { value } }', { id });
    await waitFor('the subscription to listen', () => feed.listenerCount(id) === 1);
    const mute = await muteWebSocket(service.port);

    const started = Date.now();
    await service.stop();
    expect(Date.now() - started).toBeLessThan(WS_CLOSE_GRACE_MS + 2000);
    await ticks.untilEnded();
    expect(ticks.error).toMatchObject({ code: 1001 });
    expect(feed.listenerCount()).toBe(0);
    mute.resume();
    await waitFor('the mute socket to be closed by the server', () => mute.destroyed);
  });
});
