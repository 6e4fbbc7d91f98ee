import type { MikroORM } from '@mikro-orm/core';
import { DomainEvent, EventEnvelope, Identity, newId, openStore } from '@supergraph/kernel';
import type { BookingAbandoned, BookingCanceled, PaymentApproved, PaymentCanceled, TicketBooked } from '@supergraph/contracts';
import { admin, asRouter, contextHarness, customer as customerOf, errorCode, gql, gqlData, organizer as organizerOf, subscriptionClient, TestSubscription, waitFor } from '@supergraph/testing';
import { MyBooking } from '../src/domain/my-booking';
import { myPageEntities } from '../src/infrastructure/my-booking.schema';
import { main } from '../src/main';

type Producer = 'booking' | 'payment';

/** One booking's events as booking and payment raise them (payloads of packages/contracts). */
function lifeOf(bookingId: string, customerId: string, organizerId: string) {
  const paymentId = newId();
  const facts = { bookingId, ticketId: 't1', ticketTitle: 'Swan Lake', customerId, organizerId, quantity: 2, amount: 100_000 };
  const money = { paymentId, bookingId, customerId, amount: 100_000 };
  const now = new Date().toISOString();
  return {
    booked: { type: 'TicketBooked', aggregateType: 'Booking', aggregateId: bookingId, aggregateVersion: 1, payload: { ...facts, bookedAt: now } } satisfies DomainEvent<TicketBooked>,
    canceled: { type: 'BookingCanceled', aggregateType: 'Booking', aggregateId: bookingId, aggregateVersion: 2, payload: { ...facts, reason: 'CUSTOMER', canceledAt: now } } satisfies DomainEvent<BookingCanceled>,
    approved: { type: 'PaymentApproved', aggregateType: 'Payment', aggregateId: paymentId, aggregateVersion: 1, payload: { ...money, approvedAt: now } } satisfies DomainEvent<PaymentApproved>,
    refunded: { type: 'PaymentCanceled', aggregateType: 'Payment', aggregateId: paymentId, aggregateVersion: 2, payload: { ...money, canceledAt: now } } satisfies DomainEvent<PaymentCanceled>,
    abandoned: {
      type: 'BookingAbandoned', aggregateType: 'AbandonedBooking', aggregateId: bookingId, aggregateVersion: 1, payload: { ...facts, reason: 'PAYMENT_UNAVAILABLE', abandonedAt: now },
    } satisfies DomainEvent<BookingAbandoned>,
  };
}

const PAGE = 'bookingId ticketId ticketTitle customerId organizerId quantity amount bookingStatus paymentStatus updatedAt booking { id }';

describe('mypage subgraph (SQLite + Redis)', () => {
  const subgraph = contextHarness({ context: 'mypage', kind: 'sqlite', main });
  beforeAll(() => subgraph.start());
  afterAll(() => subgraph.dispose());

  /** Wraps the event in a new flow's envelope and XADDs it exactly as the kernel's outbox relay does (fields `type`, `envelope`). */
  const publish = (producer: Producer, event: DomainEvent<object>): Promise<EventEnvelope> => subgraph.publishEvent(producer, event);
  /** `customerId`'s page, read by that customer (through the router's credential). */
  const myPage = async (customerId: string) => (await gqlData(subgraph.url, `query($id: ID) { myPage(customerId: $id) { ${PAGE} } }`, { id: customerId }, await asRouter(customerOf(customerId)))).myPage as any[];
  /** `organizerId`'s page, read by that organizer. */
  const organizerPage = async (organizerId: string) =>
    (await gqlData(subgraph.url, `query($id: ID) { organizerPage(organizerId: $id) { ${PAGE} } }`, { id: organizerId }, await asRouter(organizerOf(organizerId)))).organizerPage as any[];
  /** Waits until `customerId`'s page shows `bookingId` with `expected` fields; returns the page. */
  const waitForRow = (customerId: string, bookingId: string, expected: Record<string, unknown>) =>
    waitFor(`${bookingId} showing ${JSON.stringify(expected)}`, async () => {
      const page = await myPage(customerId);
      const row = page.find((r) => r.bookingId === bookingId);
      return row && Object.entries(expected).every(([k, v]) => row[k] === v) ? page : undefined;
    });

  it('holds a payment approved before its booking, then shows the booking on both pages', async () => {
    const customer = `cust-${newId()}`;
    const org = `org-${newId()}`;
    const marker = lifeOf(newId(), customer, org);
    await publish('booking', marker.booked);
    await waitForRow(customer, marker.booked.aggregateId, { bookingStatus: 'BOOKED' });

    const bookingId = newId();
    const life = lifeOf(bookingId, customer, org);
    const approved = await publish('payment', life.approved);
    await publish('payment', marker.approved);
    const before = await waitForRow(customer, marker.booked.aggregateId, { paymentStatus: 'APPROVED' });
    expect(before.map((r) => r.bookingId)).toEqual([marker.booked.aggregateId]);

    const booked = await publish('booking', life.booked);
    const page = await waitForRow(customer, bookingId, { bookingStatus: 'BOOKED' });
    const expected = {
      bookingId, ticketId: 't1', ticketTitle: 'Swan Lake', customerId: customer, organizerId: org, quantity: 2, amount: 100_000,
      bookingStatus: 'BOOKED', paymentStatus: 'APPROVED', updatedAt: [approved.occurredAt, booked.occurredAt].sort().at(-1), booking: { id: bookingId },
    };
    expect(page).toEqual([expected, expect.objectContaining({ bookingId: marker.booked.aggregateId })]);
    expect(await organizerPage(org)).toEqual(page);
    expect(await organizerPage(customer)).toEqual([]);
  });

  it('converges when every event of a booking arrives in reverse order', async () => {
    const customer = `cust-${newId()}`;
    const org = `org-${newId()}`;
    const bookingId = newId();
    const life = lifeOf(bookingId, customer, org);
    const marker = lifeOf(newId(), customer, org);
    await publish('payment', life.refunded);
    await publish('payment', life.approved);
    await publish('payment', marker.approved);
    await publish('booking', life.canceled);
    await publish('booking', life.booked);
    await publish('booking', marker.booked);

    const page = await waitForRow(customer, marker.booked.aggregateId, { bookingStatus: 'BOOKED', paymentStatus: 'APPROVED' });
    expect(page.find((r) => r.bookingId === bookingId)).toMatchObject({
      bookingStatus: 'CANCELED', paymentStatus: 'CANCELED', ticketTitle: 'Swan Lake', customerId: customer, organizerId: org, quantity: 2, amount: 100_000,
    });
  });

  it('catches up with what was published while it was stopped, duplicates included', async () => {
    const customer = `cust-${newId()}`;
    const org = `org-${newId()}`;
    await subgraph.stop();
    const first = lifeOf(newId(), customer, org);
    const second = lifeOf(newId(), customer, org);
    for (const [producer, event] of [['payment', first.approved], ['booking', first.booked], ['payment', second.approved], ['booking', second.booked], ['booking', second.canceled], ['payment', second.refunded]] as const) {
      await publish(producer, event);
    }
    const duplicate = await publish('booking', first.booked);
    await subgraph.publish('booking', duplicate);
    await subgraph.start();

    await waitForRow(customer, second.booked.aggregateId, { bookingStatus: 'CANCELED', paymentStatus: 'CANCELED' });
    const page = await waitForRow(customer, first.booked.aggregateId, { bookingStatus: 'BOOKED', paymentStatus: 'APPROVED' });
    expect(page.map((r) => [r.bookingId, r.bookingStatus, r.paymentStatus])).toEqual([
      [second.booked.aggregateId, 'CANCELED', 'CANCELED'],
      [first.booked.aggregateId, 'BOOKED', 'APPROVED'],
    ]);
  });

  describe('a booking abandoned by booking', () => {
    let orm: MikroORM;
    beforeAll(async () => {
      orm = await openStore({ context: 'mypage-rows', url: subgraph.store.url, entities: myPageEntities });
    });
    afterAll(() => orm.close());

    /** Waits until the stored row of `bookingId` exists and satisfies `done`; returns it. */
    const waitForStored = (bookingId: string, what: string, done: (row: MyBooking) => boolean) =>
      waitFor(`${bookingId} ${what}`, async () => {
        const row = await orm.em.fork().findOne(MyBooking, { bookingId });
        return row && done(row) ? row : undefined;
      });

    it('forgets the customer and amount its payment brought, and payment events after do not bring them back', async () => {
      const customer = `cust-${newId()}`;
      const life = lifeOf(newId(), customer, `org-${newId()}`);
      const bookingId = life.abandoned.aggregateId;
      await publish('payment', life.approved);
      await waitForStored(bookingId, 'holding the approved payment', (row) => row.customerId === customer && row.amount === 100_000);

      await publish('booking', life.abandoned);
      await waitForStored(bookingId, 'forgetting the payment facts', (row) => row.abandoned && row.customerId === null && row.amount === null);

      await publish('payment', life.refunded);
      const row = await waitForStored(bookingId, 'showing the payment canceled', (r) => r.paymentStatus === 'CANCELED');
      expect(row).toMatchObject({ abandoned: true, customerId: null, amount: null, bookingVersion: 0 });
      expect((await myPage(customer)).map((r) => r.bookingId)).not.toContain(bookingId);
    });

    it('leaves a tombstone when it comes first, so the payment events that follow start no row with their facts', async () => {
      const customer = `cust-${newId()}`;
      const life = lifeOf(newId(), customer, `org-${newId()}`);
      const bookingId = life.abandoned.aggregateId;
      await publish('booking', life.abandoned);
      await waitForStored(bookingId, 'stored as a tombstone', (row) => row.abandoned);

      await publish('payment', life.approved);
      await publish('payment', life.refunded);
      const row = await waitForStored(bookingId, 'showing the payment canceled', (r) => r.paymentStatus === 'CANCELED');
      expect(row).toMatchObject({ abandoned: true, customerId: null, amount: null, bookingVersion: 0 });
    });
  });

  describe('myPageUpdated over WebSocket', () => {
    type Update = { myPageUpdated: Record<string, unknown> & { bookingId: string } };
    const clients: ReturnType<typeof subscriptionClient>[] = [];
    afterAll(() => Promise.all(clients.map((c) => c.close())));

    /** A graphql-ws client connected as the router does for `identity` (null: an anonymous client). */
    const connect = async (identity: Identity | null) => {
      const client = subscriptionClient(subgraph.url, await asRouter(identity));
      clients.push(client);
      return client;
    };
    /** Resolves once `sub` of `customerId`'s updates is live: live only, and when it started is unknown to the client, so book until one update arrives. */
    const untilLive = (sub: TestSubscription<Update>, customerId: string) =>
      waitFor('the subscription to deliver', async () => {
        await publish('booking', lifeOf(`probe-${newId()}`, customerId, 'org-probe').booked);
        return sub.results.length > 0;
      }, 10_000, 50);
    /** Subscribes to `customerId`'s updates as `identity` (by default the customer); resolves once it is live. */
    const subscribeLive = async (customerId: string, identity: Identity = customerOf(customerId)): Promise<TestSubscription<Update>> => {
      const sub = (await connect(identity)).subscribe<Update>(`subscription($id: ID) { myPageUpdated(customerId: $id) { ${PAGE} } }`, { id: customerId });
      await untilLive(sub, customerId);
      return sub;
    };
    /** The updates of `bookingId` received so far. */
    const of = (sub: TestSubscription<Update>, bookingId: string) => sub.data.map((d) => d.myPageUpdated).filter((row) => row.bookingId === bookingId);

    it('streams the customer’s row each time an event changed it, with the statuses and the booking reference', async () => {
      const customer = `cust-${newId()}`;
      const org = `org-${newId()}`;
      const sub = await subscribeLive(customer);
      const bookingId = newId();
      const life = lifeOf(bookingId, customer, org);
      const booked = await publish('booking', life.booked);
      await waitFor('BOOKED', () => of(sub, bookingId).length === 1);
      const approved = await publish('payment', life.approved);
      await waitFor('APPROVED', () => of(sub, bookingId).length === 2);
      const canceled = await publish('booking', life.canceled);
      await waitFor('CANCELED', () => of(sub, bookingId).length === 3);

      const facts = { bookingId, ticketId: 't1', ticketTitle: 'Swan Lake', customerId: customer, organizerId: org, quantity: 2, amount: 100_000, booking: { id: bookingId } };
      const latest = (...events: EventEnvelope[]) => events.map((e) => e.occurredAt).sort().at(-1);
      expect(of(sub, bookingId)).toEqual([
        { ...facts, bookingStatus: 'BOOKED', paymentStatus: null, updatedAt: booked.occurredAt },
        { ...facts, bookingStatus: 'BOOKED', paymentStatus: 'APPROVED', updatedAt: latest(booked, approved) },
        { ...facts, bookingStatus: 'CANCELED', paymentStatus: 'APPROVED', updatedAt: latest(booked, approved, canceled) },
      ]);
      const [stored] = (await myPage(customer)).filter((row) => row.bookingId === bookingId);
      expect(of(sub, bookingId).at(-1)).toEqual(stored);
      const published = (await subgraph.envelopes('mypage', 'MyBookingUpdated')).filter((e) => e.aggregateId === bookingId);
      expect(published.map((e) => [e.aggregateType, e.aggregateVersion, e.causationId, e.payload.bookingStatus, e.payload.paymentStatus])).toEqual([
        ['MyBooking', 1, booked.id, 'BOOKED', null],
        ['MyBooking', 2, approved.id, 'BOOKED', 'APPROVED'],
        ['MyBooking', 3, canceled.id, 'CANCELED', 'APPROVED'],
      ]);
    });

    it('delivers nothing of another customer’s bookings, nor of rows nobody sees (payment alone, abandoned booking)', async () => {
      const customer = `cust-${newId()}`;
      const sub = await subscribeLive(customer);
      const theirs = lifeOf(newId(), `cust-${newId()}`, 'org-x');
      await publish('booking', theirs.booked);
      const hidden = lifeOf(newId(), customer, 'org-x');
      await publish('payment', hidden.approved);
      await publish('booking', hidden.abandoned);
      await publish('payment', hidden.refunded);
      const marker = lifeOf(newId(), customer, 'org-x');
      await publish('booking', marker.booked);
      await waitFor('the marker', () => of(sub, marker.booked.aggregateId).length === 1);

      const received = sub.data.map((d) => d.myPageUpdated.bookingId);
      expect(received).not.toContain(theirs.booked.aggregateId);
      expect(received).not.toContain(hidden.booked.aggregateId);
      expect(received.every((id) => id.startsWith('probe-') || id === marker.booked.aggregateId)).toBe(true);
      expect((await subgraph.envelopes('mypage', 'MyBookingUpdated')).filter((e) => e.aggregateId === hidden.booked.aggregateId)).toEqual([]);
    });

    it('refuses an empty customer id with BAD_USER_INPUT naming customerId', async () => {
      const refused = (await connect(admin())).subscribe('subscription { myPageUpdated(customerId: " ") { bookingId } }');
      await refused.untilEnded();
      expect(refused.results).toEqual([{ errors: [expect.objectContaining({ path: ['myPageUpdated'], extensions: { code: 'BAD_USER_INPUT', field: 'customerId' } })] }]);
    });

    it('streams the caller’s own rows without a customerId, and another customer’s to an admin', async () => {
      const customer = `cust-${newId()}`;
      const own = (await connect(customerOf(customer))).subscribe<Update>(`subscription { myPageUpdated { ${PAGE} } }`);
      await untilLive(own, customer);
      const watched = await subscribeLive(customer, admin());
      const life = lifeOf(newId(), customer, 'org-x');
      await publish('booking', life.booked);
      await waitFor('both to deliver the booking', () => of(own, life.booked.aggregateId).length === 1 && of(watched, life.booked.aggregateId).length === 1);
      expect(of(own, life.booked.aggregateId)).toEqual(of(watched, life.booked.aggregateId));
      expect(own.data.every((d) => d.myPageUpdated.customerId === customer)).toBe(true);
    });

    it.each<[string, () => Identity | null, Record<string, string>]>([
      ['another customer’s page to a customer', () => customerOf(`cust-${newId()}`), { code: 'FORBIDDEN', field: 'customerId' }],
      ['a customer’s page to an organizer', () => organizerOf(`org-${newId()}`), { code: 'FORBIDDEN' }],
      ['anything to an anonymous client', () => null, { code: 'UNAUTHENTICATED' }],
    ])('refuses %s when it starts, delivering nothing', async (_what, identity, extensions) => {
      const customer = `cust-${newId()}`;
      const refused = (await connect(identity())).subscribe<Update>('subscription($id: ID) { myPageUpdated(customerId: $id) { bookingId } }', { id: customer });
      await refused.untilEnded();
      expect(refused.results).toEqual([{ errors: [expect.objectContaining({ message: expect.any(String), path: ['myPageUpdated'], extensions })] }]);
    });
  });

  it('rejects an empty customer or organizer id with BAD_USER_INPUT naming it', async () => {
    const mine = await gql(subgraph.url, '{ myPage(customerId: " ") { bookingId } }', {}, await asRouter(admin()));
    expect(errorCode(mine)).toBe('BAD_USER_INPUT');
    expect(mine.errors![0].extensions?.field).toBe('customerId');
    const theirs = await gql(subgraph.url, '{ organizerPage(organizerId: " ") { bookingId } }', {}, await asRouter(admin()));
    expect(errorCode(theirs)).toBe('BAD_USER_INPUT');
    expect(theirs.errors![0].extensions?.field).toBe('organizerId');
  });

  describe('authorization (CONTRACT.md "Identity")', () => {
    let customer: string;
    let org: string;
    let bookingId: string;
    beforeAll(async () => {
      customer = `cust-${newId()}`;
      org = `org-${newId()}`;
      const life = lifeOf(newId(), customer, org);
      bookingId = life.booked.aggregateId;
      await publish('booking', life.booked);
      await waitForRow(customer, bookingId, { bookingStatus: 'BOOKED' });
    });
    const read = async (query: string, identity: Identity | null, variables: Record<string, unknown> = {}) => gql(subgraph.url, query, variables, await asRouter(identity));
    const ids = (rows: { bookingId: string }[] | undefined) => rows?.map((r) => r.bookingId);

    it('reads the caller’s own pages without an id argument', async () => {
      expect(ids((await read('{ myPage { bookingId } }', customerOf(customer))).data?.myPage)).toEqual([bookingId]);
      expect(ids((await read('{ organizerPage { bookingId } }', organizerOf(org))).data?.organizerPage)).toEqual([bookingId]);
    });

    it('lets an admin read anyone’s pages', async () => {
      expect(ids((await read('query($id: ID) { myPage(customerId: $id) { bookingId } }', admin(), { id: customer })).data?.myPage)).toEqual([bookingId]);
      expect(ids((await read('query($id: ID) { organizerPage(organizerId: $id) { bookingId } }', admin(), { id: org })).data?.organizerPage)).toEqual([bookingId]);
    });

    it.each([
      ['another customer’s my-page to a customer', 'query($id: ID) { myPage(customerId: $id) { bookingId } }', () => customerOf(`cust-${newId()}`), 'customerId'],
      ['a customer’s my-page to an organizer', 'query($id: ID) { myPage(customerId: $id) { bookingId } }', () => organizerOf(org), 'customerId'],
      ['an organizer page to a customer', 'query($id: ID) { organizerPage(organizerId: $id) { bookingId } }', () => customerOf(customer), 'organizerId'],
      ['another organizer’s page to an organizer', 'query($id: ID) { organizerPage(organizerId: $id) { bookingId } }', () => organizerOf(`org-${newId()}`), 'organizerId'],
    ] as const)('refuses %s with FORBIDDEN, showing no row', async (_what, query, identity, argument) => {
      const caller = identity();
      const result = await read(query, caller, { id: argument === 'customerId' ? customer : org });
      expect(result.data).toBeNull();
      // Someone else's id names the argument; the wrong role does not.
      const extensions = caller.role === (argument === 'customerId' ? 'customer' : 'organizer') ? { code: 'FORBIDDEN', field: argument } : { code: 'FORBIDDEN' };
      expect(result.errors).toEqual([expect.objectContaining({ message: expect.any(String), extensions })]);
      expect(JSON.stringify(result)).not.toContain(bookingId);
    });

    it('answers an anonymous client UNAUTHENTICATED, with or without an id', async () => {
      for (const query of ['{ myPage { bookingId } }', `{ myPage(customerId: "${customer}") { bookingId } }`, '{ organizerPage { bookingId } }', `{ organizerPage(organizerId: "${org}") { bookingId } }`]) {
        const result = await read(query, null);
        expect([errorCode(result), result.data]).toEqual(['UNAUTHENTICATED', null]);
      }
    });

    it('answers a request without the router’s credential 401 UNAUTHENTICATED, running nothing', async () => {
      const response = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ myPage(customerId: "${customer}") { bookingId } }` }) });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    });
  });
});
