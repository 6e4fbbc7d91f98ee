import type { MikroORM } from '@mikro-orm/core';
import type { NotificationAdded } from '@supergraph/contracts';
import { Caller, createRedis, eventStream, Identity, LiveFeed, newId, openStore, RunningService } from '@supergraph/kernel';
import { admin, asRouter, customer as customerOf, freshStore, FreshStore, gqlData, organizer as organizerOf, redisNamespace, REDIS_URL, subscriptionClient, TestSubscription, TestSubscriptionClient, waitFor, xaddAsRelay } from '@supergraph/testing';
import pino from 'pino';
import { watchNotifications } from '../src/application/queries/watch-notifications.query';
import { notificationEntities } from '../src/infrastructure/notification.schema';
import { main } from '../src/main';
import { asRecipient, events, LIST, NOTIFICATION, Producer, recipient, wrap } from './ticketing-events';

type Received = { notificationAdded: { id: string; recipientId: string; kind: string; correlationId: string } };

const ADDED = `subscription($r: ID, $after: ID) { notificationAdded(recipientId: $r, after: $after) { ${NOTIFICATION} } }`;

/**
 * `notificationAdded` served by two replicas of the notification context sharing one PostgreSQL
 * store and one Redis namespace (SQLite is a file of one process: one replica only), as a client
 * sees it over graphql-ws.
 */
describe('notificationAdded: two replicas on one PostgreSQL store', () => {
  const ns = redisNamespace();
  const redis = createRedis(REDIS_URL, { failFast: false });
  let store: FreshStore;
  const replicas = new Map<string, RunningService>();
  const clients: TestSubscriptionClient[] = [];

  /** Starts replica `name` (its `CONSUMER_NAME`) on the shared store and namespace. */
  const startReplica = async (name: string) => {
    const env = { ...process.env, NOTIFICATION_DB_URL: store.url, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent', CONSUMER_NAME: name };
    const service = await main(env, { port: 0, handleSignals: false });
    replicas.set(name, service);
    return service;
  };
  const url = (name: string) => replicas.get(name)!.url;
  /**
   * Subscribes on `replica` to `recipientId`'s notifications (undefined: the caller's own), over a
   * socket connected as the router does for `identity` (by default the recipient; null: anonymous).
   */
  const subscribe = async (replica: string, recipientId: string | undefined, after: string | null = null, identity: Identity | null = recipient(recipientId!)): Promise<TestSubscription<Received>> => {
    const client = subscriptionClient(url(replica), await asRouter(identity));
    clients.push(client);
    return client.subscribe<Received>(ADDED, { r: recipientId, after });
  };
  const publish = (event: Parameters<typeof wrap>[0], producer: Producer) => xaddAsRelay(redis, eventStream(ns.namespace, producer), wrap(event, producer));
  /** A booking by `customerId`: one notification for the customer (and one for a fresh organizer). */
  const booking = (customerId: string) => publish(events.ticketBooked(newId(), customerId, `org-${newId()}`), 'booking');
  const stored = async (recipientId: string, replica = 'replica-1') => (await gqlData(url(replica), LIST, { r: recipientId, first: 200 }, await asRecipient(recipientId))).notifications as Received['notificationAdded'][];
  const ids = (sub: TestSubscription<Received>) => sub.data.map((d) => d.notificationAdded.id);

  beforeAll(async () => {
    store = await freshStore('postgresql', 'notification_live');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all([...replicas.values()].map((r) => r.stop()));
    redis.disconnect();
    await ns.clear();
    await store?.drop();
  });

  it('delivers every notification exactly once, in id order, whichever replica stored it', async () => {
    const customer = `cust-${newId()}`;
    // Five bookings waiting for replica-2 alone: delivered to it (pending in its name) before it starts.
    const bookingStream = eventStream(ns.namespace, 'booking');
    await redis.xgroup('CREATE', bookingStream, 'notification', '0', 'MKSTREAM');
    for (let i = 0; i < 5; i += 1) await booking(customer);
    const taken = (await redis.xreadgroup('GROUP', 'notification', 'replica-2', 'COUNT', 5, 'STREAMS', bookingStream, '>')) as [string, unknown[]][];
    expect(taken[0][1]).toHaveLength(5);

    await startReplica('replica-1');
    const live = await subscribe('replica-1', customer, '0');
    for (let i = 0; i < 5; i += 1) await booking(customer);
    await live.untilCount(5); // stored by replica-1

    await startReplica('replica-2');
    await live.untilCount(10); // stored by replica-2 while the client is live on replica-1

    for (let i = 0; i < 20; i += 1) await booking(customer); // both replicas compete for these
    await live.untilCount(30);

    const all = await stored(customer, 'replica-2');
    expect(all).toHaveLength(30);
    expect(ids(live)).toEqual(all.map((n) => n.id));
    expect(new Set(all.map((n) => n.correlationId)).size).toBe(30);
    expect(live.data.every((d) => d.notificationAdded.recipientId === customer && d.notificationAdded.kind === 'TicketBooked')).toBe(true);
    const consumers = (await redis.xinfo('CONSUMERS', bookingStream, 'notification')) as string[][];
    expect(consumers.map((fields) => fields[1]).sort()).toEqual(['replica-1', 'replica-2']);
    // Nothing more arrives: one more booking is the only next notification.
    await booking(customer);
    await live.untilCount(31);
    await waitFor('the 31st notification stored', async () => (await stored(customer)).length === 31);
    expect(ids(live)).toEqual((await stored(customer)).map((n) => n.id));
  }, 30_000);

  it('resumes with after: exactly the three bookings missed meanwhile, then the live ones, on any replica', async () => {
    const customer = `cust-${newId()}`;
    const first = await subscribe('replica-1', customer, '0');
    await booking(customer);
    const [seen] = await first.untilCount(1);
    first.unsubscribe();
    const lastSeen = seen.data!.notificationAdded.id;

    for (let i = 0; i < 3; i += 1) await booking(customer);
    await waitFor('the three missed notifications stored', async () => (await stored(customer)).length === 4);
    const resumed = await subscribe('replica-2', customer, lastSeen);
    await resumed.untilCount(3);
    const missed = (await stored(customer)).slice(1);
    expect(ids(resumed)).toEqual(missed.map((n) => n.id));

    await booking(customer);
    await resumed.untilCount(4);
    const all = await stored(customer);
    expect(ids(resumed)).toEqual(all.slice(1).map((n) => n.id));
  }, 20_000);

  it('without after: only notifications stored from when it started, with no gap from the first one on', async () => {
    const organizer = `org-${newId()}`;
    await publish(events.ticketRegistered(newId(), organizer), 'ticket');
    const [before] = await waitFor('an older notification', async () => ((await stored(organizer)).length === 1 ? stored(organizer) : undefined));

    const live = await subscribe('replica-2', organizer);
    // When the subscription started is unknown to the client: register tickets until one arrives.
    await waitFor('the subscription to deliver', async () => {
      await publish(events.ticketRegistered(newId(), organizer), 'ticket');
      return live.results.length > 0;
    }, 10_000, 50);
    const marker = newId();
    await publish(events.ticketRegistered(marker, organizer), 'ticket');
    await waitFor('the marker', () => live.data.some((d) => d.notificationAdded.correlationId === marker));

    const all = await stored(organizer);
    const from = all.findIndex((n) => n.id === ids(live)[0]);
    expect(ids(live)).not.toContain(before.id);
    expect(from).toBeGreaterThan(0);
    // Exactly the stored ones from the first delivered on, in order, up to the marker at least (a probe
    // published before the marker may be stored after it by the other replica, and not be delivered yet).
    expect(ids(live)).toEqual(all.slice(from, from + ids(live).length).map((n) => n.id));
  }, 20_000);

  it('refuses an after that is not a notification id with BAD_USER_INPUT naming after', async () => {
    for (const after of ['abc', newId(), '1'.repeat(21)]) {
      const refused = await subscribe('replica-1', `cust-${newId()}`, after);
      await refused.untilEnded();
      expect(refused.results).toEqual([{ errors: [expect.objectContaining({ message: expect.stringMatching(/^after: /), path: ['notificationAdded'], extensions: { code: 'BAD_USER_INPUT', field: 'after' } })] }]);
    }
  });

  it('replays the caller’s own notifications without a recipientId, and anyone’s to an admin', async () => {
    const customer = `cust-${newId()}`;
    for (let i = 0; i < 2; i += 1) await booking(customer);
    await waitFor('two notifications stored', async () => (await stored(customer)).length === 2);
    const own = await subscribe('replica-1', undefined, '0', customerOf(customer));
    const watched = await subscribe('replica-2', customer, '0', admin());
    await own.untilCount(2);
    await watched.untilCount(2);
    const all = (await stored(customer)).map((n) => n.id);
    expect(ids(own)).toEqual(all);
    expect(ids(watched)).toEqual(all);
    expect(own.data.every((d) => d.notificationAdded.recipientId === customer)).toBe(true);
  });

  it.each<[string, () => Identity | null, Record<string, string>]>([
    ['someone else’s notifications to a customer', () => customerOf(`cust-${newId()}`), { code: 'FORBIDDEN', field: 'recipientId' }],
    ['someone else’s notifications to an organizer', () => organizerOf(`org-${newId()}`), { code: 'FORBIDDEN', field: 'recipientId' }],
    ['anything to an anonymous client', () => null, { code: 'UNAUTHENTICATED' }],
  ])('refuses %s when it starts, replaying nothing', async (_what, identity, extensions) => {
    const customer = `cust-${newId()}`;
    await booking(customer);
    await waitFor('a notification stored', async () => (await stored(customer)).length === 1);
    const refused = await subscribe('replica-1', customer, '0', identity());
    await refused.untilEnded();
    expect(refused.results).toEqual([{ errors: [expect.objectContaining({ message: expect.any(String), path: ['notificationAdded'], extensions })] }]);
  });

  it('closes a socket without the router’s credential with 4403 before any subscription runs', async () => {
    const client = subscriptionClient(url('replica-1'));
    clients.push(client);
    const refused = client.subscribe<Received>(ADDED, { r: `cust-${newId()}`, after: '0' });
    await refused.untilEnded();
    expect(refused.results).toEqual([]);
    expect(refused.error).toMatchObject({ code: 4403 });
  });

  describe('the subscription’s listener on the live feed', () => {
    let orm: MikroORM;
    let feed: LiveFeed<NotificationAdded>;
    /** The caller of a request the router forwards for customer `subject`. */
    const asCustomer = (subject: string): Caller => ({ kind: 'router', identity: customerOf(subject) });
    beforeAll(async () => {
      orm = await openStore({ context: 'notification-live-direct', url: store.url, entities: notificationEntities });
      feed = new LiveFeed<NotificationAdded>(redis, pino({ level: 'silent' }), { stream: eventStream(ns.namespace, 'notification'), types: ['NotificationAdded'], key: (e) => e.payload.recipientId });
      feed.start();
    });
    afterAll(async () => {
      await feed.stop();
      await orm.close();
    });

    it('is registered while it runs and released at once by return(), even with a next() pending', async () => {
      const customer = `cust-${newId()}`;
      const iterator = await watchNotifications(orm.em.fork(), feed, asCustomer(customer), { recipientId: customer, after: null });
      expect(feed.listenerCount(customer)).toBe(1);
      const pending = iterator.next();
      await booking(customer);
      expect(await pending).toMatchObject({ done: false, value: { recipientId: customer, kind: 'TicketBooked' } });
      const waiting = iterator.next();
      await iterator.return!();
      expect(feed.listenerCount(customer)).toBe(0);
      expect(await waiting).toEqual({ value: undefined, done: true });
    });

    it('is never registered for a refused after', () => {
      const customer = `cust-${newId()}`;
      expect(() => watchNotifications(orm.em.fork(), feed, asCustomer(customer), { recipientId: customer, after: 'latest' })).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after' }));
      expect(feed.listenerCount()).toBe(0);
    });

    it('is never registered for a caller who may not read the recipient’s notifications', () => {
      const customer = `cust-${newId()}`;
      expect(() => watchNotifications(orm.em.fork(), feed, asCustomer(`cust-${newId()}`), { recipientId: customer })).toThrow(expect.objectContaining({ code: 'FORBIDDEN', field: 'recipientId' }));
      expect(() => watchNotifications(orm.em.fork(), feed, { kind: 'router', identity: null }, { recipientId: customer })).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
      expect(() => watchNotifications(orm.em.fork(), feed, { kind: 'service', service: 'booking' }, { recipientId: customer })).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
      expect(feed.listenerCount()).toBe(0);
    });
  });
});
