import type { StackHandle } from '@supergraph/stack';
import { asRouter, bearer, customer, errorCode, gql, gqlData, metricSample, PolyglotStack, startPolyglotStack, subscriptionClient, TestSubscriptionClient, waitFor } from '@supergraph/testing';

jest.setTimeout(180_000);

interface Pushed {
  id: string;
  kind: string;
  correlationId: string;
}

/**
 * Live subscriptions through the router (CONTRACT.md `Subscription`), every service a real
 * process on real stores: notification on PostgreSQL with two replicas in its consumer group
 * (SQLite means one replica), the router subscribed to one of them over graphql-ws.
 */
describe('federated subscriptions through the router (real processes, two notification replicas)', () => {
  let live: PolyglotStack;
  /** Every subgraph and the router; its notification replica serves the router's subscriptions. */
  let stack: StackHandle;
  /** The second notification replica: same store, same consumer group, no client of its own. */
  let replica: StackHandle;
  let url: string;
  const clients: TestSubscriptionClient[] = [];
  const organizer = 'org-live';

  beforeAll(async () => {
    live = await startPolyglotStack('subscriptions', { serverStores: ['notification'] });
    ({ stack, url } = live);
    replica = await live.replica(['notification']);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await live?.stop();
  });

  /** A graphql-ws client of the router signed in as customer `subject` (its token in `connection_init`). */
  async function connect(subject: string): Promise<TestSubscriptionClient> {
    const client = subscriptionClient(url, await bearer(subject));
    clients.push(client);
    return client;
  }

  async function registerTicket(title: string, seats = 100): Promise<string> {
    const ticket = (await gqlData(url, 'mutation($i: RegisterTicketInput!) { registerTicket(input: $i) { id } }', { i: { title, venue: 'Lotte Concert Hall', price: 10_000, seats } }, await bearer(organizer, 'organizer'))).registerTicket;
    await waitFor(`${title} to be bookable`, async () => (await gqlData(url, 'query($id: ID!) { ticket(id: $id) { seatsLeft } }', { id: ticket.id })).ticket.seatsLeft === seats, 2000);
    return ticket.id;
  }

  async function book(ticketId: string, customerId: string): Promise<string> {
    const result = await gql(url, 'mutation($i: BookTicketInput!) { bookTicket(input: $i) { id } }', { i: { ticketId, quantity: 1 } }, await bearer(customerId));
    if (result.errors) throw new Error(`bookTicket failed: ${JSON.stringify(result.errors)}`);
    return result.data!.bookTicket.id;
  }

  const NOTIFICATIONS = 'subscription($r: ID!, $after: ID) { notificationAdded(recipientId: $r, after: $after) { id kind correlationId } }';
  /** `recipientId`'s stored notifications, through the router or straight from one replica (`at`, with the router credential the router would send). */
  const stored = async (recipientId: string, at = url): Promise<Pushed[]> =>
    (await gqlData(at, 'query($r: ID!) { notifications(recipientId: $r, first: 200) { id kind correlationId } }', { r: recipientId }, at === url ? await bearer(recipientId) : await asRouter(customer(recipientId)))).notifications;
  const pushed = (data: { notificationAdded: Pushed }[]) => data.map((d) => d.notificationAdded);

  it('pushes my-page updates carrying fields of the booking, ticket and payment subgraphs', async () => {
    const ticketId = await registerTicket('Carmen', 50);
    const client = await connect('mina');
    await client.connected();
    const updates = client.subscribe<{ myPageUpdated: any }>(
      'subscription($c: ID!) { myPageUpdated(customerId: $c) { bookingId bookingStatus paymentStatus booking { id status ticket { title venue seatsLeft } payment { status } } } }',
      { c: 'mina' },
    );
    const other = (await connect('someone-else')).subscribe('subscription { myPageUpdated { bookingId } }');
    const bookedUpdate = (id: string) => updates.data.map((d) => d.myPageUpdated).find((u) => u.bookingId === id && u.bookingStatus === 'BOOKED' && u.paymentStatus === 'APPROVED');
    // my page is live only: a booking committed before the subscription reached the subgraph is
    // not pushed, so book until one is (the first one almost always).
    let seats = 50;
    const bookingId = await waitFor('a booking pushed live', async () => {
      const id = await book(ticketId, 'mina');
      seats -= 1;
      return waitFor('its update', () => bookedUpdate(id) && id, 2000).catch(() => undefined);
    }, 20_000);
    expect(bookedUpdate(bookingId)).toEqual({
      bookingId,
      bookingStatus: 'BOOKED',
      paymentStatus: 'APPROVED',
      booking: { id: bookingId, status: 'BOOKED', ticket: { title: 'Carmen', venue: 'Lotte Concert Hall', seatsLeft: seats }, payment: { status: 'APPROVED' } },
    });
    expect(updates.results.every((r) => !r.errors)).toBe(true);

    await gqlData(url, 'mutation($id: ID!) { cancelBooking(id: $id) { id } }', { id: bookingId }, await bearer('mina'));
    const canceled = await waitFor('the cancellation update', () =>
      updates.data.map((d) => d.myPageUpdated).find((u) => u.bookingStatus === 'CANCELED' && u.paymentStatus === 'CANCELED'),
    );
    expect(canceled.booking).toEqual({ id: bookingId, status: 'CANCELED', ticket: { title: 'Carmen', venue: 'Lotte Concert Hall', seatsLeft: seats + 1 }, payment: { status: 'CANCELED' } });
    expect(other.results).toEqual([]);
    updates.unsubscribe();
    other.unsubscribe();
  });

  it('delivers every notification exactly once and in id order, whichever replica stored it', async () => {
    const ticketId = await registerTicket('Tosca');
    const client = await connect('jun');
    await client.connected();
    const live = client.subscribe<{ notificationAdded: Pushed }>(NOTIFICATIONS, { r: 'jun', after: '0' });
    // Freeze the replica that serves the subscription: the other one stores what follows, and
    // the pushes can only come through Redis and the store.
    const serving = stack.pid('notification')!;
    process.kill(serving, 'SIGSTOP');
    let bookingIds: string[];
    try {
      bookingIds = await Promise.all(Array.from({ length: 5 }, () => book(ticketId, 'jun')));
      // The frozen replica may already be blocked in XREADGROUP: Redis hands it the first entry
      // (pending until it thaws); the other replica stores the rest.
      await waitFor('the other replica to store most of them', async () => (await stored('jun', replica.url('notification'))).length >= 8, 10_000);
    } finally {
      process.kill(serving, 'SIGCONT');
    }
    bookingIds.push(...(await Promise.all(Array.from({ length: 5 }, () => book(ticketId, 'jun')))));
    const expected = await waitFor('20 stored notifications', async () => {
      const list = await stored('jun');
      return list.length >= 20 ? list : undefined;
    }, 10_000);
    await live.untilCount(20);
    await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate would arrive right behind
    const received = pushed(live.data);
    expect(received.map((n) => n.id)).toEqual(expected.map((n) => n.id));
    expect([...received.map((n) => n.id)].sort()).toEqual(received.map((n) => n.id));
    expect(new Set(received.map((n) => n.correlationId))).toEqual(new Set(bookingIds));
    live.unsubscribe();
  });

  it('resumes with `after`: three bookings missed while away arrive exactly once, then live ones', async () => {
    const ticketId = await registerTicket('Aida');
    const first = await connect('yuna');
    const before = first.subscribe<{ notificationAdded: Pushed }>(NOTIFICATIONS, { r: 'yuna', after: '0' });
    await first.connected();
    const seen = await book(ticketId, 'yuna');
    await before.untilCount(2);
    const lastId = pushed(before.data).at(-1)!.id;
    expect(pushed(before.data).map((n) => n.correlationId)).toEqual([seen, seen]);
    await first.close();

    const missed = [await book(ticketId, 'yuna'), await book(ticketId, 'yuna'), await book(ticketId, 'yuna')];
    await waitFor('the missed notifications to be stored', async () => (await stored('yuna')).length >= 8);

    const back = await connect('yuna');
    const resumed = back.subscribe<{ notificationAdded: Pushed }>(NOTIFICATIONS, { r: 'yuna', after: lastId });
    await resumed.untilCount(6);
    const replayed = pushed(resumed.data);
    expect(replayed.map((n) => n.correlationId).sort()).toEqual([...missed, ...missed].sort());
    expect(replayed.every((n) => n.id > lastId)).toBe(true);

    const later = await book(ticketId, 'yuna');
    await resumed.untilCount(8);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const all = pushed(resumed.data);
    expect(all).toHaveLength(8);
    expect(all.slice(6).map((n) => n.correlationId)).toEqual([later, later]);
    expect(new Set(all.map((n) => n.id)).size).toBe(8);
    resumed.unsubscribe();
  });

  it('keeps a subscription across a restart of the notification replica it was served by, missing nothing and repeating nothing', async () => {
    const ticketId = await registerTicket('Nabucco');
    const client = await connect('hana');
    const live = client.subscribe<{ notificationAdded: Pushed }>(NOTIFICATIONS, { r: 'hana', after: '0' });
    await client.connected();
    const firstBooking = await book(ticketId, 'hana');
    await live.untilCount(2);

    await stack.stop('notification'); // the replica the router's upstream socket is on
    const whileDown = [await book(ticketId, 'hana'), await book(ticketId, 'hana')];
    await waitFor('the other replica to store them', async () => (await stored('hana', replica.url('notification'))).length >= 6, 10_000);
    await stack.start('notification');

    await live.untilCount(6, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const received = pushed(live.data);
    expect(live.error).toBeUndefined();
    expect(received.map((n) => n.id)).toEqual((await stored('hana')).map((n) => n.id));
    expect(received.map((n) => n.correlationId)).toEqual(expect.arrayContaining([firstBooking, ...whileDown]));
    live.unsubscribe();
  });

  it('shares one upstream subscription between identical live subscriptions and unsubscribes upstream when the last client leaves', async () => {
    const metrics = async (service: string, kind: string) =>
      metricSample(await (await fetch(stack.metricsUrl(service))).text(), 'supergraph_live_subscriptions', { kind });
    const routerUpstream = () => metrics('router', 'upstream');
    const before = { upstream: (await routerUpstream()) ?? 0, feed: (await metrics('mypage', 'feed')) ?? 0 };
    const query = 'subscription { myPageUpdated(customerId: "shared-watcher") { bookingId } }';
    const watchers = (await Promise.all([connect('shared-watcher'), connect('shared-watcher'), connect('shared-watcher')])).map((client) => client.subscribe(query));
    await waitFor('one upstream subscription for the three identical ones', async () => (await routerUpstream()) === before.upstream + 1 && (await metrics('mypage', 'feed')) === before.feed + 1);
    expect(await metrics('router', 'client')).toBeGreaterThanOrEqual(3);
    for (const watcher of watchers) watcher.unsubscribe();
    await waitFor('the upstream subscription and the subgraph listener to be gone', async () => (await routerUpstream()) === before.upstream && (await metrics('mypage', 'feed')) === before.feed);
  });

  it('answers bad subscriptions with coded errors and refuses subscriptions over HTTP', async () => {
    const client = await connect('x');
    const badCursor = client.subscribe(NOTIFICATIONS, { r: 'x', after: 'not-a-cursor' });
    await badCursor.untilEnded();
    expect(JSON.stringify(badCursor.error ?? badCursor.results)).toMatch(/BAD_USER_INPUT/);
    expect(JSON.stringify(badCursor.error ?? badCursor.results)).toMatch(/after/);

    const invalid = client.subscribe('subscription { notificationAdded { noSuchField } }');
    await invalid.untilEnded();
    expect(invalid.error).toEqual([expect.objectContaining({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);

    const overHttp = await gql(url, 'subscription { myPageUpdated(customerId: "x") { bookingId } }');
    expect(errorCode(overHttp)).toBe('BAD_REQUEST');
    expect(overHttp.errors?.[0].message).toMatch(/WebSocket/);
  });

  it('runs queries sent over the socket through the same pipeline, on `/` too (where the embedded Sandbox connects)', async () => {
    for (const endpoint of [url, url.replace(/graphql$/, '')]) {
      const client = subscriptionClient(endpoint);
      clients.push(client);
      const query = client.subscribe<{ tickets: { totalCount: number } }>('{ tickets(organizerId: "org-live") { totalCount } }');
      await query.untilEnded();
      expect(query.data[0].tickets.totalCount).toBeGreaterThanOrEqual(4);
    }
  });
});
