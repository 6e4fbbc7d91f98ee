import { createServer as createHttpServer } from 'node:http';
import { AddressInfo, createServer, Socket } from 'node:net';
import type { MikroORM } from '@mikro-orm/core';
import type { TicketDeleted, TicketRegistered } from '@supergraph/contracts';
import {
  CALLER_HEADER, Caller, ConfigError, ContextRuntime, createLogger, DomainError, envelope, EventEnvelope, EventMeta, Identity, Logger,
  newId, openContext,
  openStore, OutboxMessage, ServiceUnavailableError, StoreKind, UnitOfWork,
} from '@supergraph/kernel';
import {
  admin, asRouter, asService, ContextHarness, contextHarness, customer, errorCode, freshStore, FreshStore, gql, gqlData, GraphQLResult, organizer, refusedCallerHeaders, statusAndCode, waitFor,
} from '@supergraph/testing';
import { main as startPaymentSubgraph } from '../../payment/src/main';
import { BookTicketHandler, PaymentPort, PaymentRequest } from '../src/application/commands/book-ticket/book-ticket.handler';
import { ReleaseExpiredHoldsHandler } from '../src/application/commands/release-expired-holds/release-expired-holds.handler';
import { cancelBookingsWhenTicketDeleted } from '../src/application/policies/cancel-bookings-when-ticket-deleted';
import { AbandonedBooking } from '../src/domain/abandoned-booking';
import { Booking } from '../src/domain/booking';
import { SeatHold } from '../src/domain/seat-hold';
import { TicketInventory } from '../src/domain/ticket-inventory';
import { bookingEntities } from '../src/infrastructure/booking.schema';
import { main as startBookingSubgraph } from '../src/main';

const BOOKING_FIELDS = 'id customerId quantity amount status bookedAt canceledAt ticket { id seatsLeft }';
const BOOK = `mutation($input: BookTicketInput!) { bookTicket(input: $input) { ${BOOKING_FIELDS} } }`;
const BOOKINGS = `query($c: ID, $t: ID) { bookings(customerId: $c, ticketId: $t) { ${BOOKING_FIELDS} } }`;
const APPROVE = 'mutation($input: ApprovePaymentInput!) { approvePayment(input: $input) { id } }';
const TICKET_REFERENCE = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id seatsLeft bookings { id status } } } }';
const BOOKING_REFERENCE = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Booking { id customerId } } }';

/** The caller a handler sees for a request of customer `subject` forwarded by the router. */
const customerCaller = (subject: string): Caller => ({ kind: 'router', identity: customer(subject) });

/** A `TicketRegistered` payload of a new ticket (10 seats at 50,000 KRW, always on sale) with `overrides`. */
function ticketRegistered(overrides: Partial<TicketRegistered> = {}): TicketRegistered {
  return {
    ticketId: newId(),
    title: 'Swan Lake',
    venue: 'Seoul Arts Center',
    price: 50_000,
    seats: 10,
    organizerId: 'org-1',
    saleStartsAt: null,
    saleEndsAt: null,
    registeredAt: new Date().toISOString(),
    ...overrides,
  };
}

/** The `TicketDeleted` of `ticket`, now. */
function ticketDeleted(ticket: TicketRegistered): TicketDeleted {
  return { ticketId: ticket.ticketId, title: ticket.title, organizerId: ticket.organizerId, deletedAt: new Date().toISOString() };
}

/**
 * Drives a booking subgraph and the real payment subgraph it calls, sharing one events
 * namespace: ticket events are put on `<ns>ticket.events` exactly as the ticket context's relay
 * writes them (XADD `type`, `envelope`).
 */
class Harness {
  constructor(
    readonly booking: ContextHarness,
    readonly payment: ContextHarness,
  ) {}

  publishTicketEvent(type: 'TicketRegistered' | 'TicketDeleted', payload: TicketRegistered | TicketDeleted, version: number): Promise<EventEnvelope> {
    return this.booking.publishEvent('ticket', { type, aggregateType: 'Ticket', aggregateId: payload.ticketId, aggregateVersion: version, payload });
  }

  /** Registers a ticket (publishes TicketRegistered) and waits until booking can sell its seats. */
  async registerTicket(overrides: Partial<TicketRegistered> = {}): Promise<TicketRegistered> {
    const ticket = ticketRegistered(overrides);
    await this.publishTicketEvent('TicketRegistered', ticket, 1);
    await waitFor('the ticket recorded by booking', async () => (await this.ticket(ticket.ticketId)).seatsLeft === ticket.seats);
    return ticket;
  }

  /** Publishes the TicketDeleted of `ticket`; returns its envelope. */
  deleteTicket(ticket: TicketRegistered): Promise<EventEnvelope> {
    return this.publishTicketEvent('TicketDeleted', ticketDeleted(ticket), 2);
  }

  /** Booking's view of a ticket, as the router resolves it for `as` (default: admin, who sees every booking). */
  async ticket(ticketId: string, as: Identity | null = admin()): Promise<{ id: string; seatsLeft: number; bookings: { id: string; status: string }[] }> {
    const data = await gqlData(this.booking.url, TICKET_REFERENCE, { r: [{ __typename: 'Ticket', id: ticketId }] }, await asRouter(as));
    return data._entities[0];
  }

  /** `bookTicket` as the router forwards it for `as` (default: the customer `input.customerId`), with extra `headers`. */
  async book(input: Record<string, unknown>, as: Identity | null = customer(String(input.customerId)), headers: Record<string, string> = {}): Promise<GraphQLResult> {
    return gql(this.booking.url, BOOK, { input }, { ...(await asRouter(as)), ...headers });
  }

  /** `book` that must succeed: the booking. */
  async bookOk(input: Record<string, unknown>, as: Identity | null = customer(String(input.customerId)), headers: Record<string, string> = {}): Promise<any> {
    return (await gqlData(this.booking.url, BOOK, { input }, { ...(await asRouter(as)), ...headers })).bookTicket;
  }

  /** `cancelBooking` as the router forwards it for `as`. */
  async cancel(id: string, as: Identity | null): Promise<GraphQLResult> {
    return gql(this.booking.url, `mutation($id: ID!) { cancelBooking(id: $id) { ${BOOKING_FIELDS} } }`, { id }, await asRouter(as));
  }

  /** `bookings(customerId, ticketId)` for `as` (default: admin, who may filter by anything). */
  async bookingsOf(filter: { customerId?: string; ticketId?: string }, as: Identity | null = admin()): Promise<any[]> {
    return (await gqlData(this.booking.url, BOOKINGS, { c: filter.customerId, t: filter.ticketId }, await asRouter(as))).bookings;
  }

  /** The payment of a booking, as payment resolves `Booking.payment` for the router (for admin, who sees every payment). */
  async paymentOf(bookingId: string): Promise<{ id: string; status: string; amount: number } | null> {
    const data = await gqlData(this.payment.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Booking { payment { id status amount } } } }', {
      r: [{ __typename: 'Booking', id: bookingId }],
    }, await asRouter(admin()));
    return data._entities[0].payment;
  }

  envelopes(context: 'booking' | 'payment', type: string): Promise<EventEnvelope<any>[]> {
    return this.booking.envelopes(context, type);
  }

  /**
   * Waits until payment has published everything it committed so far: approves a marker payment
   * and waits for its event (the relay publishes in commit order). Makes "no such event" checks exact.
   */
  async paymentEventsSettled(): Promise<void> {
    const bookingId = newId();
    await gqlData(this.payment.url, APPROVE, { input: { bookingId, customerId: 'marker', amount: 1 } }, await asService('booking'));
    await waitFor('the marker PaymentApproved', async () => (await this.envelopes('payment', 'PaymentApproved')).some((e) => e.payload.bookingId === bookingId));
  }

  /**
   * Waits until booking has published everything it committed so far: books a marker seat and
   * waits for its TicketBooked (the relay publishes in commit order). Makes "no such event" checks exact.
   */
  async bookingEventsSettled(): Promise<void> {
    const marker = await this.registerTicket({ seats: 1 });
    const { id } = await this.bookOk({ ticketId: marker.ticketId, customerId: 'marker' });
    await waitFor('the marker TicketBooked', async () => (await this.envelopes('booking', 'TicketBooked')).some((e) => e.aggregateId === id));
  }
}

/** The envelope of `payload` as `producer` would publish it in a new flow (for calling a policy directly). */
function envelopeOf<P extends object>(producer: string, type: string, aggregateId: string, payload: P): EventEnvelope<P> {
  return envelope({ type, aggregateType: 'Ticket', aggregateId, aggregateVersion: 2, payload: payload as Record<string, unknown> }, producer, { correlationId: newId(), causationId: null }) as EventEnvelope<P>;
}

/** A TCP server on `port` that accepts connections and never answers: payment hung instead of down. */
async function blackHole(port: number): Promise<{ connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An HTTP proxy in front of `target()` that forwards each request at once (payment does the work)
 * but holds every answer back until `release()`: payment answering after booking gave up on it.
 */
async function lateAnswers(target: () => string): Promise<{ url: string; /** Answers payment gave so far. */ forwarded: () => number; release: () => void; close: () => Promise<void> }> {
  const held: (() => void)[] = [];
  let forwarded = 0;
  const server = createHttpServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const answer = await fetch(target(), { method: 'POST', headers: { 'content-type': 'application/json', [CALLER_HEADER]: String(req.headers[CALLER_HEADER]) }, body: Buffer.concat(chunks) });
      const body = await answer.text();
      forwarded += 1;
      await new Promise<void>((resolve) => held.push(resolve));
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    forwarded: () => forwarded,
    release: () => held.splice(0).forEach((resolve) => resolve()),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Booking on a store of `kind` calling the real payment subgraph on one of `paymentKind`, both in
 * one events namespace: started before the tests of the calling `describe`, disposed after them.
 * `bookingEnv` gives booking's extra variables (default: `PAYMENT_URL` of that payment).
 */
function bookingWithPayment(kind: StoreKind, paymentKind: StoreKind, bookingEnv: (payment: ContextHarness) => NodeJS.ProcessEnv = (payment) => ({ PAYMENT_URL: payment.url })): Harness {
  const payment = contextHarness({ context: 'payment', kind: paymentKind, main: startPaymentSubgraph, label: 'booking_payment' });
  const booking = contextHarness({ context: 'booking', kind, main: startBookingSubgraph, namespace: payment.ns, env: () => bookingEnv(payment) });
  beforeAll(async () => {
    await payment.start();
    await booking.start();
  });
  afterAll(async () => {
    await booking.dispose();
    await payment.dispose();
  });
  return new Harness(booking, payment);
}

describe('booking subgraph (MariaDB + Redis) calling the real payment subgraph (PostgreSQL)', () => {
  // Small deletion batches, so that the saga's batching shows with a few bookings; a quick sweeper.
  const h = bookingWithPayment('mysql', 'postgresql', (payment) => ({ PAYMENT_URL: payment.url, TICKET_DELETION_BATCH_SIZE: '2', SEAT_HOLD_SWEEP_INTERVAL_MS: '100' }));
  const { booking, payment } = h;

  /** A second process on booking's store (another replica, or one about to crash), with its own unit of work. */
  const replica = () => openStore({ context: 'booking_replica', url: booking.store.url, entities: bookingEntities });

  /**
   * True while an insert into `ticket_inventory` is executing on booking's MariaDB database: with
   * the same key inserted by an uncommitted transaction it can only be waiting for that one
   * (MariaDB ≥ 10.6 lists no lock waits in information_schema and shows such a transaction RUNNING).
   */
  const inventoryInsertBlocked = async (orm: MikroORM) => {
    const [{ n }] = await orm.em.fork().getConnection().execute(
      "SELECT count(*) AS n FROM information_schema.processlist WHERE db = DATABASE() AND command = 'Query' AND info LIKE 'insert into `ticket_inventory`%'",
    );
    return Number(n) > 0;
  };

  it('makes a ticket bookable once its TicketRegistered arrives (before: seatsLeft 0, NOT_FOUND)', async () => {
    const ticketId = newId();
    expect(await h.ticket(ticketId)).toEqual({ id: ticketId, seatsLeft: 0, bookings: [] });
    expect(errorCode(await h.book({ ticketId, customerId: 'cust-early' }))).toBe('NOT_FOUND');
    await h.registerTicket({ ticketId, seats: 7 });
    expect(await h.ticket(ticketId)).toEqual({ id: ticketId, seatsLeft: 7, bookings: [] });
  });

  it('keeps a ticket deleted when its TicketDeleted is applied before its TicketRegistered: not bookable (CONFLICT), seatsLeft 0', async () => {
    const ticket = ticketRegistered({ seats: 4 });
    await h.publishTicketEvent('TicketDeleted', ticketDeleted(ticket), 2);
    await h.publishTicketEvent('TicketRegistered', ticket, 1);
    await h.registerTicket(); // booking applies ticket.events in order: once this one is bookable, both above were applied

    expect(await h.ticket(ticket.ticketId)).toEqual({ id: ticket.ticketId, seatsLeft: 0, bookings: [] });
    const result = await h.book({ ticketId: ticket.ticketId, customerId: 'cust-undead' });
    expect(errorCode(result)).toBe('CONFLICT');
    expect(result.errors![0].message).toContain('not on sale');
  });

  it('retries a TicketRegistered whose insert collides with the DELETED placeholder another replica is inserting: the ticket stays deleted', async () => {
    const orm = await replica();
    const ticket = ticketRegistered({ seats: 3 });
    let inserted!: () => void;
    let commit!: () => void;
    const written = new Promise<void>((resolve) => (inserted = resolve));
    const gate = new Promise<void>((resolve) => (commit = resolve));
    // The other replica applies TicketDeleted first: it inserts the placeholder and has not committed yet.
    const other = new UnitOfWork('booking', booking.stream('booking')).run(orm.em, { correlationId: newId(), causationId: null }, async (tx) => {
      await cancelBookingsWhenTicketDeleted(2)(envelopeOf('ticket', 'TicketDeleted', ticket.ticketId, ticketDeleted(ticket)), tx);
      await tx.flush();
      inserted();
      await gate;
    });
    try {
      await written;
      await h.publishTicketEvent('TicketRegistered', ticket, 1);
      await waitFor('the registration to wait for the uncommitted placeholder', () => inventoryInsertBlocked(orm));
    } finally {
      commit();
      await other;
      await orm.close();
    }

    await waitFor('the registration applied (retried after the duplicate key)', async () => (await booking.redis.xpending(booking.stream('ticket'), 'booking'))[0] === 0);
    expect(await booking.redis.xlen(`${booking.stream('ticket')}.dlq`)).toBe(0);
    expect(await h.ticket(ticket.ticketId)).toEqual({ id: ticket.ticketId, seatsLeft: 0, bookings: [] });
    expect(errorCode(await h.book({ ticketId: ticket.ticketId, customerId: 'cust-race' }))).toBe('CONFLICT');
  });

  it('books after payment approved: booking written, seats taken, PaymentApproved and TicketBooked published', async () => {
    const ticket = await h.registerTicket({ price: 30_000, seats: 10, title: 'Jazz Night', organizerId: 'org-jazz' });
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-1', quantity: 3 });
    expect(booked).toMatchObject({ customerId: 'cust-1', quantity: 3, amount: 90_000, status: 'BOOKED', canceledAt: null, ticket: { id: ticket.ticketId, seatsLeft: 7 } });

    expect(await h.paymentOf(booked.id)).toMatchObject({ status: 'APPROVED', amount: 90_000 });
    const [approved] = await waitFor('PaymentApproved', async () => {
      const found = (await h.envelopes('payment', 'PaymentApproved')).filter((e) => e.payload.bookingId === booked.id);
      return found.length ? found : undefined;
    });
    expect(approved.payload).toMatchObject({ bookingId: booked.id, customerId: 'cust-1', amount: 90_000 });
    const [ticketBooked] = await waitFor('TicketBooked', async () => {
      const found = (await h.envelopes('booking', 'TicketBooked')).filter((e) => e.aggregateId === booked.id);
      return found.length ? found : undefined;
    });
    expect(ticketBooked).toMatchObject({ aggregateType: 'Booking', aggregateVersion: 1, producer: 'booking' });
    expect(approved.correlationId).toBe(ticketBooked.correlationId);
    expect(ticketBooked.payload).toEqual({
      bookingId: booked.id,
      ticketId: ticket.ticketId,
      ticketTitle: 'Jazz Night',
      customerId: 'cust-1',
      organizerId: 'org-jazz',
      quantity: 3,
      amount: 90_000,
      bookedAt: booked.bookedAt,
    });

    const other = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-1b' });
    expect(other).toMatchObject({ quantity: 1, amount: 30_000, ticket: { seatsLeft: 6 } });
    expect((await h.bookingsOf({ customerId: 'cust-1' })).map((b) => b.id)).toEqual([booked.id]);
    expect((await h.bookingsOf({ ticketId: ticket.ticketId })).map((b) => b.id)).toEqual([other.id, booked.id]);
    expect((await h.bookingsOf({ ticketId: ticket.ticketId, customerId: 'cust-1b' })).map((b) => b.id)).toEqual([other.id]);
    expect(await h.ticket(ticket.ticketId)).toEqual({ id: ticket.ticketId, seatsLeft: 6, bookings: [{ id: other.id, status: 'BOOKED' }, { id: booked.id, status: 'BOOKED' }] });
    expect((await gqlData(booking.url, 'query($id: ID!) { booking(id: $id) { id amount } }', { id: booked.id }, await asRouter(customer('cust-1')))).booking).toEqual({ id: booked.id, amount: 90_000 });
  });

  it('books in the flow of the request: the client’s x-correlation-id reaches payment, so PaymentApproved shares TicketBooked’s correlation id', async () => {
    const ticket = await h.registerTicket({ seats: 2 });
    const correlationId = `flow-${newId()}`;
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-flow' }, customer('cust-flow'), { 'x-correlation-id': correlationId });
    const ticketBooked = await waitFor('TicketBooked', async () => (await h.envelopes('booking', 'TicketBooked')).find((e) => e.aggregateId === booked.id));
    const approved = await waitFor('PaymentApproved', async () => (await h.envelopes('payment', 'PaymentApproved')).find((e) => e.payload.bookingId === booked.id));
    expect(ticketBooked.correlationId).toBe(correlationId);
    expect(approved).toMatchObject({ correlationId, causationId: null });
  });

  it('validates the input and the ticket before calling payment', async () => {
    const ticket = await h.registerTicket({ seats: 5 });
    const cases: [Record<string, unknown>, Identity, string, string | undefined][] = [
      [{ ticketId: ticket.ticketId, quantity: 0 }, customer('cust-v'), 'BAD_USER_INPUT', 'input.quantity'],
      [{ ticketId: ticket.ticketId, customerId: 'cust-v', quantity: 11 }, customer('cust-v'), 'BAD_USER_INPUT', 'input.quantity'],
      [{ ticketId: ticket.ticketId, customerId: '  ' }, admin(), 'BAD_USER_INPUT', 'input.customerId'],
      [{ ticketId: 'no-such-ticket', customerId: 'cust-v' }, customer('cust-v'), 'NOT_FOUND', undefined],
    ];
    for (const [input, as, code, field] of cases) {
      const result = await h.book(input, as);
      expect([errorCode(result), result.errors?.[0].extensions?.field]).toEqual([code, field]);
      if (field) expect(result.errors![0].message).toMatch(new RegExp(`^${field}: `));
    }
    expect(errorCode(await gql(booking.url, '{ bookings(customerId: " ") { id } }', {}, await asRouter(admin())))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(booking.url, '{ bookings(ticketId: "") { id } }', {}, await asRouter(admin())))).toBe('BAD_USER_INPUT');
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(5);
  });

  it('refuses a ticket outside its sale window with CONFLICT (not on sale)', async () => {
    const ticketId = newId();
    await h.publishTicketEvent('TicketRegistered', {
      ticketId, title: 'Later', venue: 'Hall', price: 1_000, seats: 5, organizerId: 'org-1',
      saleStartsAt: new Date(Date.now() + 86_400_000).toISOString(), saleEndsAt: null, registeredAt: new Date().toISOString(),
    }, 1);
    const result = await waitFor('the ticket recorded', async () => {
      const attempt = await h.book({ ticketId, customerId: 'cust-w' });
      return errorCode(attempt) === 'NOT_FOUND' ? undefined : attempt;
    });
    expect(errorCode(result)).toBe('CONFLICT');
    expect(result.errors![0].message).toContain('not on sale');
    expect((await h.ticket(ticketId)).seatsLeft).toBe(0);
  });

  it('declines an amount above the payment limit with PAYMENT_DECLINED: no booking, no payment, seats unchanged', async () => {
    const ticket = await h.registerTicket({ price: 6_000_000, seats: 4 });
    const result = await h.book({ ticketId: ticket.ticketId, customerId: 'cust-rich', quantity: 2 });
    expect(errorCode(result)).toBe('PAYMENT_DECLINED');
    expect(result.data).toBeNull();
    expect(await h.bookingsOf({ customerId: 'cust-rich' })).toEqual([]);
    expect(await h.ticket(ticket.ticketId)).toEqual({ id: ticket.ticketId, seatsLeft: 4, bookings: [] });
    await h.paymentEventsSettled();
    expect((await h.envelopes('payment', 'PaymentApproved')).filter((e) => e.payload.customerId === 'cust-rich')).toEqual([]);
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-rich', quantity: 1 });
    expect(booked.amount).toBe(6_000_000);
    // booking publishes in commit order: once this TicketBooked is out, a BookingAbandoned of the decline would be too.
    await waitFor('TicketBooked', async () => (await h.envelopes('booking', 'TicketBooked')).some((e) => e.aggregateId === booked.id));
    expect((await h.envelopes('booking', 'BookingAbandoned')).filter((e) => e.payload.customerId === 'cust-rich')).toEqual([]);
  });

  it('never books beyond the seats: SOLD_OUT before any payment call, so the losers of a race for the last seat are never charged', async () => {
    const ticket = await h.registerTicket({ seats: 2 });
    await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-s', quantity: 2 });
    const soldOut = await h.book({ ticketId: ticket.ticketId, customerId: 'cust-s' });
    expect(errorCode(soldOut)).toBe('SOLD_OUT');

    const last = await h.registerTicket({ seats: 1 });
    const customers = ['race-1', 'race-2', 'race-3', 'race-4', 'race-5'];
    const results = await Promise.all(customers.map((customerId) => h.book({ ticketId: last.ticketId, customerId })));
    const winners = results.filter((r) => r.data?.bookTicket);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r !== winners[0]).map(errorCode)).toEqual(['SOLD_OUT', 'SOLD_OUT', 'SOLD_OUT', 'SOLD_OUT']);
    const winnerId = winners[0].data!.bookTicket.id;
    expect(await h.ticket(last.ticketId)).toEqual({ id: last.ticketId, seatsLeft: 0, bookings: [{ id: winnerId, status: 'BOOKED' }] });

    // The seats are held before payment is called: only the winner's payment was ever asked for.
    await h.paymentEventsSettled();
    const approved = (await h.envelopes('payment', 'PaymentApproved')).filter((e) => customers.includes(e.payload.customerId)).map((e) => e.payload.bookingId);
    expect(approved).toEqual([winnerId]);
    await h.bookingEventsSettled();
    expect((await h.envelopes('booking', 'BookingAbandoned')).filter((e) => customers.includes(e.payload.customerId))).toEqual([]);
    expect((await h.paymentOf(winnerId))?.status).toBe('APPROVED');
  });

  it('cancels once: seat freed, BookingCanceled published, payment canceled eventually; CONFLICT twice, NOT_FOUND unknown', async () => {
    const ticket = await h.registerTicket({ seats: 3, title: 'Opera', organizerId: 'org-op' });
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-c', quantity: 2 });
    expect(booked.ticket.seatsLeft).toBe(1);
    const canceled = (await h.cancel(booked.id, customer('cust-c'))).data!.cancelBooking;
    expect(canceled).toMatchObject({ id: booked.id, status: 'CANCELED', ticket: { seatsLeft: 3 } });
    expect(canceled.canceledAt).toEqual(expect.any(String));

    const [event] = await waitFor('BookingCanceled', async () => {
      const found = (await h.envelopes('booking', 'BookingCanceled')).filter((e) => e.aggregateId === booked.id);
      return found.length ? found : undefined;
    });
    expect(event.payload).toEqual({
      bookingId: booked.id,
      ticketId: ticket.ticketId,
      ticketTitle: 'Opera',
      customerId: 'cust-c',
      organizerId: 'org-op',
      quantity: 2,
      amount: 100_000,
      reason: 'CUSTOMER',
      canceledAt: canceled.canceledAt,
    });
    await waitFor('payment CANCELED', async () => (await h.paymentOf(booked.id))?.status === 'CANCELED');

    const again = await h.cancel(booked.id, customer('cust-c'));
    expect(errorCode(again)).toBe('CONFLICT');
    expect(errorCode(await h.cancel(newId(), customer('cust-c')))).toBe('NOT_FOUND');
    const second = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-c2' });
    const concurrent = await Promise.all([h.cancel(second.id, customer('cust-c2')), h.cancel(second.id, customer('cust-c2')), h.cancel(second.id, admin())]);
    expect(concurrent.map(errorCode).sort()).toEqual(['CONFLICT', 'CONFLICT', undefined]);
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(3);
  });

  it('cancels every BOOKED booking of a deleted ticket (saga), each payment then canceled; the ticket is no longer on sale', async () => {
    const ticket = await h.registerTicket({ seats: 10 });
    const kept = await Promise.all(['del-1', 'del-2', 'del-3'].map((customerId) => h.bookOk({ ticketId: ticket.ticketId, customerId })));
    const early = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'del-4' });
    expect((await h.cancel(early.id, customer('del-4'))).data?.cancelBooking.status).toBe('CANCELED');

    await h.deleteTicket(ticket);
    const bookings = await waitFor('every booking CANCELED', async () => {
      const found = await h.bookingsOf({ ticketId: ticket.ticketId });
      return found.every((b) => b.status === 'CANCELED') ? found : undefined;
    });
    expect(bookings).toHaveLength(4);
    const sagaCanceled = await waitFor('BookingCanceled of the saga', async () => {
      const found = (await h.envelopes('booking', 'BookingCanceled')).filter((e) => e.payload.ticketId === ticket.ticketId && e.payload.reason === 'TICKET_DELETED');
      return found.length === kept.length ? found : undefined;
    });
    expect(sagaCanceled.map((e) => e.aggregateId).sort()).toEqual(kept.map((b) => b.id).sort());
    for (const b of [...kept, early]) await waitFor(`payment of ${b.id} CANCELED`, async () => (await h.paymentOf(b.id))?.status === 'CANCELED');
    expect(errorCode(await h.book({ ticketId: ticket.ticketId, customerId: 'del-5' }))).toBe('CONFLICT');
    // Every seat is free again, but none can be booked: seatsLeft 0 (seatsLeft > 0 means bookable).
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(0);
  });

  it('cancels the bookings of a deleted ticket in batches, each in a transaction of its own (TicketDeletionContinued), all in the deletion’s flow', async () => {
    const ticket = await h.registerTicket({ seats: 10 });
    const ids: string[] = [];
    for (const customerId of ['batch-1', 'batch-2', 'batch-3', 'batch-4', 'batch-5']) ids.push((await h.bookOk({ ticketId: ticket.ticketId, customerId })).id);

    const deleted = await h.deleteTicket(ticket);
    await waitFor('every booking CANCELED', async () => (await h.bookingsOf({ ticketId: ticket.ticketId })).every((b) => b.status === 'CANCELED'));
    const canceled = await waitFor('BookingCanceled of every booking', async () => {
      const found = (await h.envelopes('booking', 'BookingCanceled')).filter((e) => e.payload.ticketId === ticket.ticketId);
      return found.length === ids.length ? found : undefined;
    });
    // Batches of 2 (TICKET_DELETION_BATCH_SIZE): 2 + 2 + 1, each batch but the last continued by an event of its own.
    const continued = (await h.envelopes('booking', 'TicketDeletionContinued')).filter((e) => e.aggregateId === ticket.ticketId);
    expect(continued).toHaveLength(2);
    expect(continued[0]).toMatchObject({ aggregateType: 'TicketInventory', correlationId: deleted.correlationId, causationId: deleted.id, payload: { ticketId: ticket.ticketId } });
    expect(continued[1]).toMatchObject({ correlationId: deleted.correlationId, causationId: continued[0].id });
    const causes = canceled.map((e) => e.causationId);
    expect([deleted.id, continued[0].id, continued[1].id].map((cause) => causes.filter((c) => c === cause).length)).toEqual([2, 2, 1]);
    expect(canceled.every((e) => e.correlationId === deleted.correlationId)).toBe(true);
    expect(canceled.map((e) => e.aggregateId).sort()).toEqual([...ids].sort());
    for (const id of ids) await waitFor(`payment of ${id} CANCELED`, async () => (await h.paymentOf(id))?.status === 'CANCELED');
    expect(await booking.redis.xlen(`${booking.stream('booking')}.dlq`)).toBe(0);
  });

  it('releases the seats a crashed replica held (sweeper): BookingAbandoned (HOLD_EXPIRED) voids its payment, the late approval books nothing', async () => {
    const ticket = await h.registerTicket({ seats: 3, price: 8_000 });
    const orm = await replica();
    try {
      // The replica holds 2 seats (for 1 ms) and calls payment, then hangs until `answer()`, as if it had crashed.
      let called!: (request: PaymentRequest) => void;
      let answer!: () => void;
      const calledWith = new Promise<PaymentRequest>((resolve) => (called = resolve));
      const stalled: PaymentPort = {
        approve: (request) => {
          called(request);
          return new Promise<void>((resolve) => (answer = resolve));
        },
      };
      const handler = new BookTicketHandler(new UnitOfWork('booking', booking.stream('booking')), stalled, createLogger('booking', 'silent'), { holdTtlMs: 1 });
      const attempt = handler
        .execute(orm.em, { correlationId: 'crashed-flow', causationId: null }, customerCaller('cust-crash'), { ticketId: ticket.ticketId, quantity: 2 })
        .catch((error: unknown) => error);
      const request = await calledWith;

      // The running booking's sweeper gives the seats back and records the abandonment, in the flow of the booking attempt.
      await waitFor('the sweeper to release the held seats', async () => (await h.ticket(ticket.ticketId)).seatsLeft === 3);
      const abandoned = await waitFor('BookingAbandoned', async () => (await h.envelopes('booking', 'BookingAbandoned')).find((e) => e.aggregateId === request.bookingId));
      expect(abandoned).toMatchObject({ correlationId: 'crashed-flow', causationId: null });
      expect(abandoned.payload).toMatchObject({ ticketId: ticket.ticketId, customerId: 'cust-crash', quantity: 2, amount: 16_000, reason: 'HOLD_EXPIRED' });
      await h.paymentEventsSettled();
      const late = await gql(payment.url, APPROVE, { input: { bookingId: request.bookingId, customerId: 'cust-crash', amount: 16_000 } }, await asService('booking'));
      expect(errorCode(late)).toBe('PAYMENT_DECLINED');

      answer();
      expect(await attempt).toMatchObject({ code: 'PAYMENT_UNAVAILABLE' });
      expect(await h.bookingsOf({ customerId: 'cust-crash' })).toEqual([]);
      expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(3);
      await h.bookingEventsSettled();
      expect((await h.envelopes('booking', 'BookingAbandoned')).filter((e) => e.aggregateId === request.bookingId)).toHaveLength(1);
    } finally {
      await orm.close();
    }
  });

  it('resolves Booking and Ticket references for the router in one batch', async () => {
    const ticket = await h.registerTicket({ seats: 2 });
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-ref' });
    const data = await gqlData(booking.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Booking { id status ticket { id seatsLeft } } ... on Ticket { id seatsLeft bookings { id } } } }', {
      r: [
        { __typename: 'Booking', id: booked.id },
        { __typename: 'Booking', id: 'missing' },
        { __typename: 'Ticket', id: ticket.ticketId },
      ],
    }, await asRouter(customer('cust-ref')));
    expect(data._entities).toEqual([
      { id: booked.id, status: 'BOOKED', ticket: { id: ticket.ticketId, seatsLeft: 1 } },
      null,
      { id: ticket.ticketId, seatsLeft: 1, bookings: [{ id: booked.id }] },
    ]);
  });

  /** How many rows booking's store holds of what a booking attempt writes: bookings, seat holds, abandoned bookings, outbox messages. */
  const rowCounts = async () => {
    const orm = await replica();
    try {
      const em = orm.em.fork();
      return { bookings: await em.count(Booking), holds: await em.count(SeatHold), abandoned: await em.count(AbandonedBooking), outbox: await em.count(OutboxMessage) };
    } finally {
      await orm.close();
    }
  };

  it('answers only the router and the contexts: 401 UNAUTHENTICATED without a valid internal credential', async () => {
    const status = (headers: Record<string, string>) => statusAndCode(booking.url, '{ bookings { id } }', headers);
    for (const headers of await refusedCallerHeaders(customer('alice'))) expect(await status(headers)).toEqual([401, 'UNAUTHENTICATED']);
    expect(await status(await asRouter(customer('alice')))).toEqual([200, undefined]);
  });

  it('lets anonymous clients read seatsLeft only: bookTicket, cancelBooking, booking, bookings and Ticket.bookings are UNAUTHENTICATED, nothing written', async () => {
    const ticket = await h.registerTicket({ seats: 4, organizerId: 'org-anon' });
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-anon' });
    const before = await rowCounts();
    const anonymous = await asRouter(null);
    const seatsLeft = await gqlData(booking.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id seatsLeft } } }', { r: [{ __typename: 'Ticket', id: ticket.ticketId }] }, anonymous);
    expect(seatsLeft._entities).toEqual([{ id: ticket.ticketId, seatsLeft: 3 }]);

    const refused = [
      await h.book({ ticketId: ticket.ticketId, customerId: 'cust-anon' }, null),
      await h.book({ ticketId: ticket.ticketId }, null),
      await h.cancel(booked.id, null),
      await gql(booking.url, 'query($id: ID!) { booking(id: $id) { id } }', { id: booked.id }, anonymous),
      await gql(booking.url, BOOKING_REFERENCE, { r: [{ __typename: 'Booking', id: booked.id }] }, anonymous),
      await gql(booking.url, BOOKINGS, {}, anonymous),
      await gql(booking.url, BOOKINGS, { t: ticket.ticketId }, anonymous),
      await gql(booking.url, TICKET_REFERENCE, { r: [{ __typename: 'Ticket', id: ticket.ticketId }] }, anonymous),
      // Another context's call carries no end user either.
      await gql(booking.url, BOOK, { input: { ticketId: ticket.ticketId, customerId: 'cust-anon' } }, await asService('payment')),
    ];
    expect(refused.map(errorCode)).toEqual(refused.map(() => 'UNAUTHENTICATED'));
    expect(await rowCounts()).toEqual(before);
    expect(await h.bookingsOf({ ticketId: ticket.ticketId })).toEqual([expect.objectContaining({ id: booked.id, status: 'BOOKED', ticket: { id: ticket.ticketId, seatsLeft: 3 } })]);
  });

  it('books only for oneself (customerId defaults to the caller): someone else’s id or an organizer is FORBIDDEN before any seat is held or payment asked; admin books for anyone', async () => {
    const ticket = await h.registerTicket({ seats: 5 });
    const own = await h.bookOk({ ticketId: ticket.ticketId }, customer('cust-self'));
    expect(own).toMatchObject({ customerId: 'cust-self', status: 'BOOKED', ticket: { seatsLeft: 4 } });

    const before = await rowCounts();
    const forOther = await h.book({ ticketId: ticket.ticketId, customerId: 'cust-victim', quantity: 2 }, customer('cust-self'));
    expect([errorCode(forOther), forOther.errors![0].extensions?.field, forOther.data]).toEqual(['FORBIDDEN', 'input.customerId', null]);
    expect(errorCode(await h.book({ ticketId: ticket.ticketId }, organizer('org-1')))).toBe('FORBIDDEN');
    expect(errorCode(await h.book({ ticketId: ticket.ticketId, customerId: 'cust-victim' }, organizer('org-1')))).toBe('FORBIDDEN');
    expect(await rowCounts()).toEqual(before);
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(4);
    await h.paymentEventsSettled();
    expect((await h.envelopes('payment', 'PaymentApproved')).filter((e) => e.payload.customerId === 'cust-victim')).toEqual([]);

    const onBehalf = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-victim' }, admin());
    expect(onBehalf).toMatchObject({ customerId: 'cust-victim', status: 'BOOKED', ticket: { seatsLeft: 3 } });
    expect(await h.paymentOf(onBehalf.id)).toMatchObject({ status: 'APPROVED', amount: 50_000 });
    expect((await h.bookingsOf({}, customer('cust-victim'))).map((b) => b.id)).toEqual([onBehalf.id]);
  });

  it('cancels only for the booking’s customer or admin: NOT_FOUND first, anyone else FORBIDDEN and the booking stays BOOKED with its seats', async () => {
    const ticket = await h.registerTicket({ seats: 3, organizerId: 'org-cx' });
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-owner' });
    expect(errorCode(await h.cancel(newId(), customer('cust-intruder')))).toBe('NOT_FOUND');
    const before = await rowCounts();
    for (const intruder of [customer('cust-intruder'), organizer('org-cx'), organizer('org-other')]) expect(errorCode(await h.cancel(booked.id, intruder))).toBe('FORBIDDEN');
    expect(await rowCounts()).toEqual(before);
    expect(await h.bookingsOf({ customerId: 'cust-owner' })).toEqual([expect.objectContaining({ id: booked.id, status: 'BOOKED', canceledAt: null, ticket: { id: ticket.ticketId, seatsLeft: 2 } })]);

    expect((await h.cancel(booked.id, admin())).data?.cancelBooking).toMatchObject({ id: booked.id, status: 'CANCELED', ticket: { seatsLeft: 3 } });
    await waitFor('payment CANCELED', async () => (await h.paymentOf(booked.id))?.status === 'CANCELED');
    const other = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-owner' });
    expect((await h.cancel(other.id, customer('cust-owner'))).data?.cancelBooking.status).toBe('CANCELED');
  });

  it('shows a booking (booking(id), Booking references) to its customer, its ticket’s organizer and admin only', async () => {
    const ticket = await h.registerTicket({ seats: 3, organizerId: 'org-view' });
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-view' });
    const byId = async (as: Identity | null, id = booked.id) => gql(booking.url, 'query($id: ID!) { booking(id: $id) { id customerId } }', { id }, await asRouter(as));
    const byReference = async (as: Identity | null) => gql(booking.url, BOOKING_REFERENCE, { r: [{ __typename: 'Booking', id: booked.id }] }, await asRouter(as));

    for (const reader of [customer('cust-view'), organizer('org-view'), admin()]) {
      expect((await byId(reader)).data?.booking).toEqual({ id: booked.id, customerId: 'cust-view' });
      expect((await byReference(reader)).data?._entities).toEqual([{ id: booked.id, customerId: 'cust-view' }]);
    }
    for (const [as, code] of [[customer('cust-other'), 'FORBIDDEN'], [organizer('org-other'), 'FORBIDDEN'], [null, 'UNAUTHENTICATED']] as const) {
      const results = [await byId(as), await byReference(as)];
      expect(results.map(errorCode)).toEqual([code, code]);
      expect(results[0].data?.booking).toBeNull();
    }
    const unknown = await byId(customer('cust-other'), newId());
    expect([errorCode(unknown), unknown.data?.booking]).toEqual([undefined, null]);
  });

  it('lists bookings as far as the caller may see them: own by default, all of a ticket for its organizer and admin, someone else’s customerId FORBIDDEN', async () => {
    const ticket = await h.registerTicket({ seats: 5, organizerId: 'org-list' });
    const ticketId = ticket.ticketId;
    const first = await h.bookOk({ ticketId, customerId: 'cust-list-1' });
    const second = await h.bookOk({ ticketId, customerId: 'cust-list-2' });
    const ids = async (filter: { customerId?: string; ticketId?: string }, as: Identity) => (await h.bookingsOf(filter, as)).map((b) => b.id);

    expect(await ids({}, customer('cust-list-1'))).toEqual([first.id]);
    expect(await ids({ ticketId }, customer('cust-list-1'))).toEqual([first.id]);
    expect(await ids({ ticketId }, organizer('org-list'))).toEqual([second.id, first.id]);
    expect(await ids({ ticketId, customerId: 'cust-list-2' }, organizer('org-list'))).toEqual([second.id]);
    expect(await ids({ ticketId }, organizer('org-other'))).toEqual([]);
    expect(await ids({ ticketId }, admin())).toEqual([second.id, first.id]);
    expect(await ids({ customerId: 'cust-list-2' }, admin())).toEqual([second.id]);

    const refused: [{ c?: string; t?: string }, Identity][] = [
      [{ c: 'cust-list-2' }, customer('cust-list-1')],
      [{ c: 'cust-list-2', t: ticketId }, customer('cust-list-1')],
      [{ c: 'cust-list-1' }, organizer('org-list')],
      [{ c: 'cust-list-1', t: ticketId }, organizer('org-other')],
    ];
    for (const [variables, as] of refused) {
      const result = await gql(booking.url, BOOKINGS, variables, await asRouter(as));
      expect([errorCode(result), result.errors![0].extensions?.field, result.data]).toEqual(['FORBIDDEN', 'customerId', null]);
    }
  });

  it('shows a ticket’s bookings (Ticket.bookings) in full to its organizer and admin and only their own to others; seatsLeft stays public', async () => {
    const ticket = await h.registerTicket({ seats: 5, organizerId: 'org-tb' });
    const a = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-tb-1' });
    const b = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-tb-2' });
    const all = [{ id: b.id, status: 'BOOKED' }, { id: a.id, status: 'BOOKED' }];
    expect(await h.ticket(ticket.ticketId, organizer('org-tb'))).toEqual({ id: ticket.ticketId, seatsLeft: 3, bookings: all });
    expect(await h.ticket(ticket.ticketId, admin())).toEqual({ id: ticket.ticketId, seatsLeft: 3, bookings: all });
    expect(await h.ticket(ticket.ticketId, customer('cust-tb-1'))).toEqual({ id: ticket.ticketId, seatsLeft: 3, bookings: [{ id: a.id, status: 'BOOKED' }] });
    expect(await h.ticket(ticket.ticketId, organizer('org-other'))).toEqual({ id: ticket.ticketId, seatsLeft: 3, bookings: [] });
    expect(errorCode(await gql(booking.url, TICKET_REFERENCE, { r: [{ __typename: 'Ticket', id: ticket.ticketId }] }, await asRouter(null)))).toBe('UNAUTHENTICATED');
  });

  it('fails with PAYMENT_UNAVAILABLE while payment is down (within 3 s), fast once the breaker is open, and recovers by itself', async () => {
    const ticket = await h.registerTicket({ seats: 5 });
    // A freshly started booking: its breaker's rolling window (10 s) holds none of the successful
    // calls above, so a few failures open it.
    await booking.stop();
    await booking.start();
    const port = payment.service.port;
    await payment.stop();

    const attempt = async () => {
      const started = Date.now();
      const result = await h.book({ ticketId: ticket.ticketId, customerId: 'cust-outage' });
      return { code: errorCode(result), message: result.errors?.[0]?.message, ms: Date.now() - started };
    };
    const down = await attempt();
    expect(down.code).toBe('PAYMENT_UNAVAILABLE');
    expect(down.message).toContain('try again later');
    expect(down.ms).toBeLessThan(3000);

    // Payment hung instead of down: while the breaker is closed, calls reach it and time out;
    // once it is open, calls fail at once without reaching it.
    const hole = await blackHole(port);
    const attempts: { code?: string; ms: number }[] = [];
    try {
      await waitFor(
        'the breaker to open',
        async () => {
          const result = await attempt();
          attempts.push({ code: result.code, ms: result.ms });
          return result.ms < 100;
        },
        20_000,
        0,
      );
    } finally {
      await hole.close();
    }
    expect(attempts.every((a) => a.code === 'PAYMENT_UNAVAILABLE' && a.ms < 3000)).toBe(true);
    expect(attempts.some((a) => a.ms >= 1000)).toBe(true);
    expect(hole.connections()).toBeGreaterThan(0);
    expect(await h.bookingsOf({ customerId: 'cust-outage' })).toEqual([]);
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(5);

    await payment.start(port);
    const recovered = await waitFor(
      'booking to work again',
      async () => (await h.book({ ticketId: ticket.ticketId, customerId: 'cust-outage' })).data?.bookTicket,
      15_000,
      100,
    );
    expect(recovered).toMatchObject({ status: 'BOOKED', ticket: { seatsLeft: 4 } });
    expect(await h.bookingsOf({ customerId: 'cust-outage' })).toHaveLength(1);

    // Only the attempts that reached payment and timed out there (PAYMENT_TIMEOUT_MS, 2 s) may have
    // been approved: each of those, and only those, is recorded as abandoned. A refused connection
    // (payment down) or an open breaker (a fast failure) never sent anything: the seats go back,
    // nothing is abandoned. (Counting connections per attempt would be racy: a socket may close late.)
    const reached = attempts.filter((a) => a.ms >= 1000).length;
    expect(reached).toBeGreaterThan(0);
    await waitFor('the recovered TicketBooked', async () => (await h.envelopes('booking', 'TicketBooked')).some((e) => e.aggregateId === recovered.id));
    const abandoned = (await h.envelopes('booking', 'BookingAbandoned')).filter((e) => e.payload.customerId === 'cust-outage');
    expect(abandoned).toHaveLength(reached);
    expect(abandoned.map((e) => e.payload)).toEqual(abandoned.map(() => expect.objectContaining({ ticketId: ticket.ticketId, amount: 50_000, reason: 'PAYMENT_UNAVAILABLE' })));
  }, 60_000);

  it('refuses to start with seat holds that would not outlast a payment call (SEAT_HOLD_TTL_MS ≤ PAYMENT_TIMEOUT_MS)', async () => {
    const env = { ...process.env, BOOKING_DB_URL: ':memory:', LOG_LEVEL: 'silent', SEAT_HOLD_TTL_MS: '2000', PAYMENT_TIMEOUT_MS: '2000' };
    const failure = await startBookingSubgraph(env, { port: 0, handleSignals: false }).then(
      (started) => started.stop(),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect(String(failure)).toContain('SEAT_HOLD_TTL_MS: must exceed PAYMENT_TIMEOUT_MS');
  });
});

describe('booking and payment on SQLite (the default STORES=sqlite profile)', () => {
  const h = bookingWithPayment('sqlite', 'sqlite');

  it('books, declines, sells out, cancels (payment canceled by its policy) and runs the deletion saga', async () => {
    const ticket = await h.registerTicket({ price: 6_000_000, seats: 3 });
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'sq-1' });
    expect(booked).toMatchObject({ amount: 6_000_000, status: 'BOOKED', ticket: { seatsLeft: 2 } });
    expect((await h.paymentOf(booked.id))?.status).toBe('APPROVED');

    expect(errorCode(await h.book({ ticketId: ticket.ticketId, customerId: 'sq-2', quantity: 2 }))).toBe('PAYMENT_DECLINED');
    expect(errorCode(await h.book({ ticketId: ticket.ticketId, customerId: 'sq-2', quantity: 3 }))).toBe('SOLD_OUT');
    expect((await h.bookOk({ ticketId: ticket.ticketId, customerId: 'sq-2' })).ticket.seatsLeft).toBe(1);
    const results = await Promise.all(['sq-3', 'sq-4', 'sq-5'].map((customerId) => h.book({ ticketId: ticket.ticketId, customerId })));
    expect(results.map(errorCode).sort()).toEqual(['SOLD_OUT', 'SOLD_OUT', undefined]);
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(0);

    expect((await h.cancel(booked.id, customer('sq-1'))).data?.cancelBooking).toMatchObject({ status: 'CANCELED', ticket: { seatsLeft: 1 } });
    expect(errorCode(await h.cancel(booked.id, customer('sq-1')))).toBe('CONFLICT');
    await waitFor('payment CANCELED', async () => (await h.paymentOf(booked.id))?.status === 'CANCELED');

    const winner = results.find((r) => r.data?.bookTicket)!.data!.bookTicket;
    await h.deleteTicket(ticket);
    await waitFor('the saga to cancel the rest', async () => (await h.bookingsOf({ ticketId: ticket.ticketId })).every((b) => b.status === 'CANCELED'));
    await waitFor('payment of the saga-canceled booking CANCELED', async () => (await h.paymentOf(winner.id))?.status === 'CANCELED');
  });
});

describe('booking when payment approves but answers after booking gave up (SQLite, proxy holding the answers)', () => {
  let proxy: Awaited<ReturnType<typeof lateAnswers>> | undefined;
  beforeAll(async () => {
    proxy = await lateAnswers(() => h.payment.url);
  });
  const h = bookingWithPayment('sqlite', 'sqlite', () => ({ PAYMENT_URL: proxy!.url, PAYMENT_TIMEOUT_MS: '1000' }));
  afterAll(async () => {
    proxy?.release();
    await proxy?.close();
  });

  it('abandons the booking (BookingAbandoned, PAYMENT_UNAVAILABLE) and payment cancels the approval that came too late', async () => {
    const ticket = await h.registerTicket({ seats: 2, price: 7_000 });
    const result = await h.book({ ticketId: ticket.ticketId, customerId: 'cust-late', quantity: 2 });
    expect(errorCode(result)).toBe('PAYMENT_UNAVAILABLE');
    await waitFor('payment to have answered the proxy', () => proxy!.forwarded() === 1);
    proxy!.release();
    expect(await h.bookingsOf({ customerId: 'cust-late' })).toEqual([]);
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(2);

    const [abandoned] = await waitFor('BookingAbandoned', async () => {
      const found = (await h.envelopes('booking', 'BookingAbandoned')).filter((e) => e.payload.customerId === 'cust-late');
      return found.length ? found : undefined;
    });
    expect(abandoned.payload).toMatchObject({ ticketId: ticket.ticketId, quantity: 2, amount: 14_000, reason: 'PAYMENT_UNAVAILABLE' });
    const bookingId = abandoned.payload.bookingId;
    const approved = await waitFor('the late PaymentApproved', async () => (await h.envelopes('payment', 'PaymentApproved')).find((e) => e.payload.bookingId === bookingId));
    expect(approved.payload).toMatchObject({ customerId: 'cust-late', amount: 14_000 });
    await waitFor('the late approval CANCELED', async () => (await h.paymentOf(bookingId))?.status === 'CANCELED');
    const [canceled] = await waitFor('PaymentCanceled', async () => {
      const found = (await h.envelopes('payment', 'PaymentCanceled')).filter((e) => e.payload.bookingId === bookingId);
      return found.length ? found : undefined;
    });
    expect(canceled).toMatchObject({ causationId: abandoned.id, correlationId: abandoned.correlationId });
  });
});

describe('bookTicket: reserve, then pay (handler on SQLite, payment stubbed)', () => {
  let store: FreshStore;
  let runtime: ContextRuntime;
  const meta: EventMeta = { correlationId: 'test', causationId: null };
  const silent = createLogger('booking', 'silent');
  const TTL_MS = 60_000;
  const handler = (payments: PaymentPort, logger: Logger = silent) => new BookTicketHandler(runtime.uow, payments, logger, { holdTtlMs: TTL_MS });
  const sweeper = () => new ReleaseExpiredHoldsHandler(runtime.uow);
  /** One seat at 1,000 KRW, always on sale. */
  const ticketOf = (ticketId: string) => TicketInventory.record(ticketRegistered({ ticketId, title: 'Last', price: 1_000, seats: 1 }));
  const paymentFailing = (error: Error): PaymentPort => ({ approve: jest.fn(async () => Promise.reject(error)) });
  const requestTo = (payments: PaymentPort) => (payments.approve as jest.Mock).mock.calls[0][0] as PaymentRequest;
  const reloaded = () => runtime.orm.em.fork();

  /** The staged (not yet published: no relay runs here) events about `bookingId`. */
  const outboxOf = async (bookingId: string): Promise<EventEnvelope<any>[]> =>
    (await reloaded().find(OutboxMessage, {}))
      .map((row) => JSON.parse(row.envelope) as EventEnvelope<any>)
      .filter((e) => e.aggregateId === bookingId);

  /** What booking's store holds about booking `id` of ticket `ticketId`. */
  const stateOf = async (id: string, ticketId: string) => {
    const em = reloaded();
    return {
      seatsLeft: (await em.findOneOrFail(TicketInventory, { id: ticketId })).seatsLeft,
      hold: await em.findOne(SeatHold, { id }),
      booking: await em.findOne(Booking, { id }),
      abandoned: await em.findOne(AbandonedBooking, { id }),
      events: (await outboxOf(id)).map((e) => [e.type, e.payload.reason]),
    };
  };

  beforeAll(async () => {
    store = await freshStore('sqlite', 'booking_handler');
    runtime = await openContext('booking', { entities: bookingEntities, env: { ...process.env, BOOKING_DB_URL: store.url, LOG_LEVEL: 'silent' } });
    await runtime.orm.em.fork().persistAndFlush(['last-seat', 'declined', 'unknown', 'unsent', 'stuck', 'late', 'deleted', 'guarded'].map(ticketOf));
  });

  afterAll(async () => {
    await runtime?.orm.close();
    runtime?.redis.disconnect();
    await store?.drop();
  });

  it('holds the seats before calling payment (no booking, no event yet), then books them; a rival gets SOLD_OUT without any payment call', async () => {
    const rivalPayments: PaymentPort = { approve: jest.fn(async () => undefined) };
    const during: unknown[] = [];
    const payments: PaymentPort = {
      approve: jest.fn(async (request: PaymentRequest) => {
        during.push(await stateOf(request.bookingId, 'last-seat'));
        await expect(handler(rivalPayments).execute(runtime.orm.em, meta, customerCaller('rival'), { ticketId: 'last-seat' })).rejects.toMatchObject({ code: 'SOLD_OUT' });
      }),
    };

    const booking = await handler(payments).execute(runtime.orm.em, meta, customerCaller('winner'), { ticketId: 'last-seat' });
    expect(payments.approve).toHaveBeenCalledWith({ bookingId: booking.id, customerId: 'winner', amount: 1_000 }, meta);
    expect(during).toEqual([
      { seatsLeft: 0, hold: expect.objectContaining({ id: booking.id, ticketId: 'last-seat', customerId: 'winner', quantity: 1, amount: 1_000, correlationId: 'test' }), booking: null, abandoned: null, events: [] },
    ]);
    expect(rivalPayments.approve).not.toHaveBeenCalled();
    expect(await stateOf(booking.id, 'last-seat')).toEqual({
      seatsLeft: 0,
      hold: null,
      booking: expect.objectContaining({ status: 'BOOKED', customerId: 'winner', quantity: 1, amount: 1_000 }),
      abandoned: null,
      events: [['TicketBooked', undefined]],
    });
    expect((await outboxOf(booking.id))[0]).toMatchObject({ correlationId: 'test', producer: 'booking' });
  });

  it('authorizes before anything else: someone else’s customerId or an organizer is FORBIDDEN, no seat held, payment never asked', async () => {
    const payments: PaymentPort = { approve: jest.fn(async () => undefined) };
    const organizerCaller: Caller = { kind: 'router', identity: organizer('org-1') };
    await expect(handler(payments).execute(runtime.orm.em, meta, customerCaller('c-self'), { ticketId: 'guarded', customerId: 'c-other' })).rejects.toMatchObject({ code: 'FORBIDDEN', field: 'input.customerId' });
    await expect(handler(payments).execute(runtime.orm.em, meta, organizerCaller, { ticketId: 'guarded' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(handler(payments).execute(runtime.orm.em, meta, { kind: 'router', identity: null }, { ticketId: 'guarded' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(payments.approve).not.toHaveBeenCalled();
    expect((await reloaded().findOneOrFail(TicketInventory, { id: 'guarded' })).seatsLeft).toBe(1);
    expect(await reloaded().count(SeatHold, { ticketId: 'guarded' })).toBe(0);
  });

  it('gives the held seats back and leaves nothing when payment declines', async () => {
    const declining = paymentFailing(new DomainError('PAYMENT_DECLINED', 'declined'));
    await expect(handler(declining).execute(runtime.orm.em, meta, customerCaller('c'), { ticketId: 'declined' })).rejects.toMatchObject({ code: 'PAYMENT_DECLINED' });
    expect(await stateOf(requestTo(declining).bookingId, 'declined')).toEqual({ seatsLeft: 1, hold: null, booking: null, abandoned: null, events: [] });
  });

  it('gives the held seats back and records the abandonment (BookingAbandoned, PAYMENT_UNAVAILABLE) when payment may have approved: timed out, outcome unknown', async () => {
    const timedOut = paymentFailing(new ServiceUnavailableError('PAYMENT_UNAVAILABLE', 'payment is unavailable, try again later', true));
    await expect(handler(timedOut).execute(runtime.orm.em, meta, customerCaller('c-slow'), { ticketId: 'unknown' })).rejects.toMatchObject({ code: 'PAYMENT_UNAVAILABLE' });
    const { bookingId } = requestTo(timedOut);
    expect(await stateOf(bookingId, 'unknown')).toEqual({
      seatsLeft: 1,
      hold: null,
      booking: null,
      abandoned: expect.objectContaining({ customerId: 'c-slow', quantity: 1, amount: 1_000, reason: 'PAYMENT_UNAVAILABLE' }),
      events: [['BookingAbandoned', 'PAYMENT_UNAVAILABLE']],
    });
    const [event] = await outboxOf(bookingId);
    expect(event).toMatchObject({ aggregateType: 'AbandonedBooking', producer: 'booking', correlationId: 'test' });
    expect(event.payload).toMatchObject({ bookingId, ticketId: 'unknown', ticketTitle: 'Last', customerId: 'c-slow', organizerId: 'org-1', quantity: 1, amount: 1_000 });
  });

  it('gives the held seats back and abandons nothing when the call never reached payment (breaker open, connection refused)', async () => {
    const unsent = paymentFailing(new ServiceUnavailableError('PAYMENT_UNAVAILABLE', 'payment is unavailable, try again later', false));
    await expect(handler(unsent).execute(runtime.orm.em, meta, customerCaller('c-unsent'), { ticketId: 'unsent' })).rejects.toMatchObject({ code: 'PAYMENT_UNAVAILABLE' });
    expect(await stateOf(requestTo(unsent).bookingId, 'unsent')).toEqual({ seatsLeft: 1, hold: null, booking: null, abandoned: null, events: [] });
  });

  it('logs an error naming the booking when the held seats cannot be given back; the sweeper releases them once the hold expired', async () => {
    const logger = { error: jest.fn() } as unknown as Logger;
    const down: PaymentPort = {
      approve: jest.fn(async () => {
        jest.spyOn(runtime.uow, 'run').mockRejectedValueOnce(new Error('booking store down'));
        throw new ServiceUnavailableError('PAYMENT_UNAVAILABLE', 'payment is unavailable, try again later', true);
      }),
    };
    try {
      await expect(handler(down, logger).execute(runtime.orm.em, meta, customerCaller('c-stuck'), { ticketId: 'stuck' })).rejects.toMatchObject({ code: 'PAYMENT_UNAVAILABLE' });
    } finally {
      jest.restoreAllMocks();
    }
    const { bookingId } = requestTo(down);
    expect(logger.error).toHaveBeenCalledWith(
      expect.objectContaining({ bookingId, reason: 'PAYMENT_UNAVAILABLE', err: expect.objectContaining({ message: 'booking store down' }) }),
      expect.stringContaining('seat hold'),
    );
    const stuck = await stateOf(bookingId, 'stuck');
    expect(stuck).toMatchObject({ seatsLeft: 0, hold: expect.objectContaining({ id: bookingId }), booking: null, abandoned: null });

    expect(await sweeper().execute(runtime.orm.em, new Date(stuck.hold!.expiresAt.getTime() - 1))).toBe(0);
    expect(await sweeper().execute(runtime.orm.em, stuck.hold!.expiresAt)).toBe(1);
    expect(await stateOf(bookingId, 'stuck')).toEqual({ seatsLeft: 1, hold: null, booking: null, abandoned: expect.objectContaining({ reason: 'HOLD_EXPIRED' }), events: [['BookingAbandoned', 'HOLD_EXPIRED']] });
    expect((await outboxOf(bookingId))[0]).toMatchObject({ correlationId: 'test', causationId: null });
  });

  it('books nothing when payment approves after the sweeper released the expired hold (PAYMENT_UNAVAILABLE); the sweeper’s abandonment voids the approval', async () => {
    const late: PaymentPort = {
      approve: jest.fn(async () => {
        expect(await sweeper().execute(runtime.orm.em, new Date(Date.now() + TTL_MS + 1000))).toBe(1);
      }),
    };
    await expect(handler(late).execute(runtime.orm.em, meta, customerCaller('c-late'), { ticketId: 'late' })).rejects.toMatchObject({ code: 'PAYMENT_UNAVAILABLE' });
    expect(await stateOf(requestTo(late).bookingId, 'late')).toEqual({
      seatsLeft: 1,
      hold: null,
      booking: null,
      abandoned: expect.objectContaining({ reason: 'HOLD_EXPIRED' }),
      events: [['BookingAbandoned', 'HOLD_EXPIRED']],
    });
  });

  it('books nothing when the ticket is deleted while payment approves: the saga voids the hold (BookingAbandoned, NOT_BOOKABLE), the booking fails with CONFLICT', async () => {
    const deletion = envelopeOf('ticket', 'TicketDeleted', 'deleted', { ticketId: 'deleted', title: 'Last', organizerId: 'org-1', deletedAt: new Date().toISOString() });
    const approving: PaymentPort = {
      approve: jest.fn(async () => {
        await runtime.uow.run(runtime.orm.em, meta, (tx) => cancelBookingsWhenTicketDeleted(200)(deletion, tx));
      }),
    };
    await expect(handler(approving).execute(runtime.orm.em, meta, customerCaller('c-deleted'), { ticketId: 'deleted' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await stateOf(requestTo(approving).bookingId, 'deleted')).toEqual({
      seatsLeft: 1,
      hold: null,
      booking: null,
      abandoned: expect.objectContaining({ customerId: 'c-deleted', reason: 'NOT_BOOKABLE' }),
      events: [['BookingAbandoned', 'NOT_BOOKABLE']],
    });
  });
});
