import type { MikroORM } from '@mikro-orm/core';
import { DomainEvent, EventEnvelope, newId, openStore } from '@supergraph/kernel';
import type { BookingAbandoned, BookingCanceled, PaymentApproved, PaymentCanceled, TicketBooked } from '@supergraph/contracts';
import { contextHarness, errorCode, gql, gqlData, subscriptionClient, TestSubscription, waitFor } from '@supergraph/testing';
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
  const myPage = async (customerId: string) => (await gqlData(subgraph.url, `query($id: ID!) { myPage(customerId: $id) { ${PAGE} } }`, { id: customerId })).myPage as any[];
  const organizerPage = async (organizerId: string) => (await gqlData(subgraph.url, `query($id: ID!) { organizerPage(organizerId: $id) { ${PAGE} } }`, { id: organizerId })).organizerPage as any[];
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

    /** Subscribes to `customerId`'s updates; resolves once it is live (a probe booking of the customer arrived). */
    const subscribeLive = async (customerId: string): Promise<TestSubscription<Update>> => {
      const client = subscriptionClient(subgraph.url);
      clients.push(client);
      const sub = client.subscribe<Update>(`subscription($id: ID!) { myPageUpdated(customerId: $id) { ${PAGE} } }`, { id: customerId });
      // Live only, and when the subscription started is unknown to the client: book until one update arrives.
      await waitFor('the subscription to deliver', async () => {
        await publish('booking', lifeOf(`probe-${newId()}`, customerId, 'org-probe').booked);
        return sub.results.length > 0;
      }, 10_000, 50);
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
      const client = subscriptionClient(subgraph.url);
      clients.push(client);
      const refused = client.subscribe('subscription { myPageUpdated(customerId: " ") { bookingId } }');
      await refused.untilEnded();
      expect(refused.results).toEqual([{ errors: [expect.objectContaining({ path: ['myPageUpdated'], extensions: { code: 'BAD_USER_INPUT', field: 'customerId' } })] }]);
    });
  });

  it('rejects an empty customer or organizer id with BAD_USER_INPUT naming it', async () => {
    const mine = await gql(subgraph.url, '{ myPage(customerId: " ") { bookingId } }');
    expect(errorCode(mine)).toBe('BAD_USER_INPUT');
    expect(mine.errors![0].extensions?.field).toBe('customerId');
    const theirs = await gql(subgraph.url, '{ organizerPage(organizerId: "") { bookingId } }');
    expect(errorCode(theirs)).toBe('BAD_USER_INPUT');
    expect(theirs.errors![0].extensions?.field).toBe('organizerId');
  });
});
