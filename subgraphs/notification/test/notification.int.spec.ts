import { DomainEvent, EventEnvelope, newId, openStore, StoreKind, UnitOfWork } from '@supergraph/kernel';
import { admin, asRouter, asService, contextHarness, customer as customerOf, errorCode, freshStore, gql, gqlData, organizer as organizerOf, waitFor } from '@supergraph/testing';
import { notificationSubscriptions } from '../src/application/policies/notification-policy';
import { ticketingPolicies } from '../src/application/policies/ticketing';
import { Notification } from '../src/domain/notification';
import { allocateNotificationIds } from '../src/infrastructure/notification-sequence.schema';
import { notificationEntities } from '../src/infrastructure/notification.schema';
import { main } from '../src/main';
import { asRecipient, events, LIST, Producer, wrap } from './ticketing-events';

describe.each<StoreKind>(['sqlite', 'mysql'])('notification subgraph (%s + Redis)', (kind) => {
  const subgraph = contextHarness({ context: 'notification', kind, main });
  beforeAll(() => subgraph.start());
  afterAll(() => subgraph.dispose());

  /** XADDs an envelope exactly as the kernel's outbox relay does (fields `type`, `envelope`). */
  const deliver = (env: EventEnvelope, producer: Producer) => subgraph.publish(producer, env);
  const publish = (event: DomainEvent<object>, producer: Producer) => deliver(wrap(event, producer), producer);
  /** `recipientId`'s notifications, read by that recipient. */
  const list = async (recipientId: string, args: { after?: string; first?: number } = {}) => (await gqlData(subgraph.url, LIST, { r: recipientId, ...args }, await asRecipient(recipientId))).notifications as any[];
  const waitForCount = (recipientId: string, n: number) =>
    waitFor(`${n} notifications for ${recipientId}`, async () => {
      const found = await list(recipientId, { first: 200 });
      return found.length >= n ? found : undefined;
    });

  it('notifies the organizer of TicketRegistered and TicketDeleted', async () => {
    const org = `org-${newId()}`;
    const ticketId = newId();
    await publish(events.ticketRegistered(ticketId, org), 'ticket');
    await publish(events.ticketDeleted(ticketId, org), 'ticket');
    const found = await waitForCount(org, 2);
    expect(found).toEqual([
      expect.objectContaining({ recipientId: org, kind: 'TicketRegistered', correlationId: ticketId, message: "Ticket registered: 'Swan Lake' at Seoul Arts Center, 100 seats at 50,000 KRW each" }),
      expect.objectContaining({ recipientId: org, kind: 'TicketDeleted', correlationId: ticketId, message: "Ticket deleted: 'Swan Lake'; its bookings are being canceled" }),
    ]);
    expect(found[0].id < found[1].id).toBe(true);
    expect(new Date(found[0].createdAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('notifies customer and organizer of a booking, the customer of payment and cancellation', async () => {
    const customer = `cust-${newId()}`;
    const org = `org-${newId()}`;
    const bookingId = newId();
    const paymentId = newId();
    await publish(events.paymentApproved(paymentId, bookingId, customer), 'payment');
    await publish(events.ticketBooked(bookingId, customer, org), 'booking');
    await publish(events.bookingCanceled(bookingId, customer, 'CUSTOMER'), 'booking');
    await publish(events.paymentCanceled(paymentId, bookingId, customer), 'payment');
    const forCustomer = await waitForCount(customer, 4);
    expect(forCustomer.map((n) => [n.kind, n.correlationId, n.message]).sort()).toEqual([
      ['BookingCanceled', bookingId, "Booking canceled at your request: 2 seats for 'Swan Lake' (100,000 KRW)"],
      ['PaymentApproved', bookingId, `Payment approved: 100,000 KRW for booking ${bookingId}`],
      ['PaymentCanceled', bookingId, `Payment canceled: 100,000 KRW for booking ${bookingId}`],
      ['TicketBooked', bookingId, "Booking confirmed: 2 seats for 'Swan Lake' (100,000 KRW)"],
    ]);
    const forOrganizer = await waitForCount(org, 1);
    expect(forOrganizer).toEqual([
      expect.objectContaining({ kind: 'TicketBooked', correlationId: bookingId, message: `New booking: 2 seats for 'Swan Lake' (100,000 KRW) by customer ${customer}` }),
    ]);
  });

  it('publishes NotificationAdded on notification.events for each notification stored, caused by the event', async () => {
    const customer = `cust-${newId()}`;
    const org = `org-${newId()}`;
    const booked = await publish(events.ticketBooked(newId(), customer, org), 'booking');
    const stored = [...(await waitForCount(customer, 1)), ...(await waitForCount(org, 1))];
    const published = await waitFor('both NotificationAdded', async () => {
      const found = (await subgraph.envelopes('notification', 'NotificationAdded')).filter((e) => e.causationId === booked.id);
      return found.length === 2 ? found : undefined;
    });
    expect(published.map((e) => [e.aggregateType, e.aggregateId, e.aggregateVersion, e.producer, e.correlationId, e.payload]).sort()).toEqual(
      stored.map((n) => ['Notification', n.id, 1, 'notification', booked.correlationId, { notificationId: n.id, recipientId: n.recipientId, kind: 'TicketBooked' }]).sort(),
    );
  });

  it('says so when a ticket deletion canceled the booking', async () => {
    const customer = `cust-${newId()}`;
    const bookingId = newId();
    await publish(events.bookingCanceled(bookingId, customer, 'TICKET_DELETED'), 'booking');
    const [found] = await waitForCount(customer, 1);
    expect(found).toMatchObject({ kind: 'BookingCanceled', correlationId: bookingId, message: "Booking canceled because the organizer deleted the ticket: 2 seats for 'Swan Lake' (100,000 KRW)" });
  });

  it('notifies once when the same event is delivered twice', async () => {
    const customer = `cust-${newId()}`;
    const env = wrap(events.paymentApproved(newId(), newId(), customer), 'payment');
    await deliver(env, 'payment');
    await deliver(env, 'payment');
    const markerBooking = newId();
    await publish(events.paymentCanceled(newId(), markerBooking, customer), 'payment');
    const found = await waitFor('the marker after the duplicate', async () => {
      const all = await list(customer);
      return all.some((n) => n.correlationId === markerBooking) ? all : undefined;
    });
    expect(found.map((n) => n.kind)).toEqual(['PaymentApproved', 'PaymentCanceled']);
  });

  it('pages with after and first (1..200, else BAD_USER_INPUT naming first)', async () => {
    const org = `org-${newId()}`;
    for (let i = 0; i < 3; i += 1) await publish(events.ticketRegistered(newId(), org), 'ticket');
    const all = await waitForCount(org, 3);
    expect(await list(org, { first: 2 })).toEqual(all.slice(0, 2));
    expect(await list(org, { after: all[1].id })).toEqual(all.slice(2));
    expect(await list(org, { after: all[2].id })).toEqual([]);
    for (const first of [0, 201]) {
      const result = await gql(subgraph.url, LIST, { r: org, first }, await asRecipient(org));
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].message).toMatch(/^first: /);
      expect(result.errors![0].extensions?.field).toBe('first');
    }
  });

  it('takes ids as after cursors with or without leading zeros; anything else is BAD_USER_INPUT naming after', async () => {
    const org = `org-${newId()}`;
    for (let i = 0; i < 2; i += 1) await publish(events.ticketRegistered(newId(), org), 'ticket');
    const all = await waitForCount(org, 2);
    expect(all.map((n) => n.id)).toEqual([expect.stringMatching(/^\d{20}$/), expect.stringMatching(/^\d{20}$/)]);
    expect(await list(org, { after: String(BigInt(all[0].id)) })).toEqual(all.slice(1));
    for (const after of ['abc', newId(), '1'.repeat(21)]) {
      const result = await gql(subgraph.url, LIST, { r: org, after }, await asRecipient(org));
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0]).toMatchObject({ message: expect.stringMatching(/^after: /), extensions: { field: 'after' } });
    }
  });

  it('catches up exactly once with what was published while it was stopped', async () => {
    const customer = `cust-${newId()}`;
    const org = `org-${newId()}`;
    const before = newId();
    await publish(events.ticketBooked(before, customer, org), 'booking');
    await waitForCount(customer, 1);
    await subgraph.stop();

    const missed = [newId(), newId(), newId()];
    for (const bookingId of missed) await publish(events.ticketBooked(bookingId, customer, org), 'booking');
    await publish(events.ticketRegistered(newId(), org), 'ticket');
    await subgraph.start();

    const forCustomer = await waitForCount(customer, 4);
    const forOrganizer = await waitForCount(org, 5);
    expect(forCustomer.map((n) => n.correlationId)).toEqual([before, ...missed]);
    expect(forOrganizer.map((n) => n.kind).sort()).toEqual(['TicketBooked', 'TicketBooked', 'TicketBooked', 'TicketBooked', 'TicketRegistered']);
    const marker = await publish(events.ticketRegistered(newId(), org), 'ticket');
    await waitFor('the marker after the restart', async () => (await list(org)).some((n) => n.correlationId === marker.aggregateId));
    expect(await list(customer)).toHaveLength(4);
    expect(await list(org)).toHaveLength(6);
  });

  describe('authorization (CONTRACT.md "Identity")', () => {
    let customer: string;
    let org: string;
    beforeAll(async () => {
      customer = `cust-${newId()}`;
      org = `org-${newId()}`;
      await publish(events.ticketBooked(newId(), customer, org), 'booking');
      await waitForCount(customer, 1);
      await waitForCount(org, 1);
    });
    const read = async (headers: Record<string, string>, recipientId?: string) => gql(subgraph.url, LIST, recipientId === undefined ? {} : { r: recipientId }, headers);
    const recipients = (result: Awaited<ReturnType<typeof read>>) => result.data?.notifications.map((n: { recipientId: string }) => n.recipientId);

    it('reads the caller’s own notifications without a recipientId, whatever the role', async () => {
      expect(recipients(await read(await asRouter(customerOf(customer))))).toEqual([customer]);
      expect(recipients(await read(await asRouter(organizerOf(org))))).toEqual([org]);
    });

    it('lets an admin read anyone’s', async () => {
      expect(recipients(await read(await asRouter(admin()), customer))).toEqual([customer]);
      expect(recipients(await read(await asRouter(admin()), org))).toEqual([org]);
    });

    it('refuses someone else’s notifications with FORBIDDEN naming recipientId, showing none', async () => {
      for (const [caller, theirs] of [[customerOf(`cust-${newId()}`), customer], [organizerOf(`org-${newId()}`), org], [customerOf(customer), org], [organizerOf(org), customer]] as const) {
        const result = await read(await asRouter(caller), theirs);
        expect(result.data).toBeNull();
        expect(result.errors).toEqual([expect.objectContaining({ message: expect.any(String), path: ['notifications'], extensions: { code: 'FORBIDDEN', field: 'recipientId' } })]);
      }
    });

    it('answers an anonymous client, or a service call with no end user, UNAUTHENTICATED', async () => {
      for (const headers of [await asRouter(null), await asService('booking')]) {
        for (const recipientId of [undefined, customer]) {
          const result = await read(headers, recipientId);
          expect([errorCode(result), result.data]).toEqual(['UNAUTHENTICATED', null]);
        }
      }
    });

    it('answers a request without the router’s credential 401 UNAUTHENTICATED', async () => {
      const response = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: LIST, variables: { r: customer } }) });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    });
  });
});

/** The (eventId, recipientId) guard holds even when the inbox is bypassed. */
describe('notification store without the inbox (sqlite)', () => {
  it('stores one notification per recipient however often an event is handled', async () => {
    const store = await freshStore('sqlite', 'notification_direct');
    const orm = await openStore({ context: 'notification-direct', url: store.url, entities: notificationEntities });
    try {
      const uow = new UnitOfWork('notification', 'unused.events');
      const handle = notificationSubscriptions((c) => `${c}.events`, [ticketingPolicies], allocateNotificationIds)['booking.events'].TicketBooked;
      const event = wrap(events.ticketBooked(newId(), 'cust-d', 'org-d'), 'booking');
      for (let i = 0; i < 3; i += 1) await uow.run(orm.em, { correlationId: event.correlationId, causationId: event.id }, (tx) => handle(event, tx));
      const rows = await orm.em.fork().find(Notification, { eventId: event.id }, { orderBy: { recipientId: 'asc' } });
      expect(rows.map((n) => n.recipientId)).toEqual(['cust-d', 'org-d']);
      const selfBooking = wrap(events.ticketBooked(newId(), 'org-d', 'org-d'), 'booking');
      await uow.run(orm.em, { correlationId: selfBooking.correlationId, causationId: selfBooking.id }, (tx) => handle(selfBooking, tx));
      const own = await orm.em.fork().find(Notification, { eventId: selfBooking.id });
      expect(own.map((n) => n.message)).toEqual(["Booking confirmed: 2 seats for 'Swan Lake' (100,000 KRW)"]);
    } finally {
      await orm.close();
      await store.drop();
    }
  });
});
