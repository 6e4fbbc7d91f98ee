import { createServer as createHttpServer } from 'node:http';
import { AddressInfo, createServer, Socket } from 'node:net';
import type { TicketDeleted, TicketRegistered } from '@supergraph/contracts';
import { ContextRuntime, createLogger, DomainError, EventEnvelope, Logger, newId, openContext, OutboxMessage, StoreKind } from '@supergraph/kernel';
import { ContextHarness, contextHarness, errorCode, freshStore, FreshStore, gql, gqlData, GraphQLResult, waitFor } from '@supergraph/testing';
import { main as startPaymentSubgraph } from '../../payment/src/main';
import { BookTicketHandler, PaymentPort, PaymentRequest } from '../src/application/commands/book-ticket/book-ticket.handler';
import { AbandonedBooking } from '../src/domain/abandoned-booking';
import { Booking } from '../src/domain/booking';
import { TicketInventory } from '../src/domain/ticket-inventory';
import { bookingEntities } from '../src/infrastructure/booking.schema';
import { main as startBookingSubgraph } from '../src/main';

const BOOKING_FIELDS = 'id customerId quantity amount status bookedAt canceledAt ticket { id seatsLeft }';

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

  async publishTicketEvent(type: 'TicketRegistered' | 'TicketDeleted', payload: TicketRegistered | TicketDeleted, version: number): Promise<void> {
    await this.booking.publishEvent('ticket', { type, aggregateType: 'Ticket', aggregateId: payload.ticketId, aggregateVersion: version, payload });
  }

  /** Registers a ticket (publishes TicketRegistered) and waits until booking can sell its seats. */
  async registerTicket(overrides: Partial<TicketRegistered> = {}): Promise<TicketRegistered> {
    const ticket: TicketRegistered = {
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
    await this.publishTicketEvent('TicketRegistered', ticket, 1);
    await waitFor('the ticket recorded by booking', async () => (await this.ticket(ticket.ticketId)).seatsLeft === ticket.seats);
    return ticket;
  }

  async deleteTicket(ticket: TicketRegistered): Promise<void> {
    await this.publishTicketEvent('TicketDeleted', { ticketId: ticket.ticketId, title: ticket.title, organizerId: ticket.organizerId, deletedAt: new Date().toISOString() }, 2);
  }

  /** Booking's view of a ticket, as the router resolves it. */
  async ticket(ticketId: string): Promise<{ id: string; seatsLeft: number; bookings: { id: string; status: string }[] }> {
    const data = await gqlData(this.booking.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { id seatsLeft bookings { id status } } } }', {
      r: [{ __typename: 'Ticket', id: ticketId }],
    });
    return data._entities[0];
  }

  book(input: Record<string, unknown>): Promise<GraphQLResult> {
    return gql(this.booking.url, `mutation($input: BookTicketInput!) { bookTicket(input: $input) { ${BOOKING_FIELDS} } }`, { input });
  }

  async bookOk(input: Record<string, unknown>): Promise<any> {
    return (await gqlData(this.booking.url, `mutation($input: BookTicketInput!) { bookTicket(input: $input) { ${BOOKING_FIELDS} } }`, { input })).bookTicket;
  }

  cancel(id: string): Promise<GraphQLResult> {
    return gql(this.booking.url, `mutation($id: ID!) { cancelBooking(id: $id) { ${BOOKING_FIELDS} } }`, { id });
  }

  async bookingsOf(filter: { customerId?: string; ticketId?: string }): Promise<any[]> {
    return (await gqlData(this.booking.url, `query($c: ID, $t: ID) { bookings(customerId: $c, ticketId: $t) { ${BOOKING_FIELDS} } }`, { c: filter.customerId, t: filter.ticketId })).bookings;
  }

  /** The payment of a booking, as payment resolves `Booking.payment` for the router. */
  async paymentOf(bookingId: string): Promise<{ id: string; status: string; amount: number } | null> {
    const data = await gqlData(this.payment.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Booking { payment { id status amount } } } }', {
      r: [{ __typename: 'Booking', id: bookingId }],
    });
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
    await gqlData(this.payment.url, 'mutation($input: ApprovePaymentInput!) { approvePayment(input: $input) { id } }', { input: { bookingId, customerId: 'marker', amount: 1 } });
    await waitFor('the marker PaymentApproved', async () => (await this.envelopes('payment', 'PaymentApproved')).some((e) => e.payload.bookingId === bookingId));
  }
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
      const answer = await fetch(target(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
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
  const h = bookingWithPayment('mysql', 'postgresql');
  const { booking, payment } = h;

  it('makes a ticket bookable once its TicketRegistered arrives (before: seatsLeft 0, NOT_FOUND)', async () => {
    const ticketId = newId();
    expect(await h.ticket(ticketId)).toEqual({ id: ticketId, seatsLeft: 0, bookings: [] });
    expect(errorCode(await h.book({ ticketId, customerId: 'cust-early' }))).toBe('NOT_FOUND');
    await h.registerTicket({ ticketId, seats: 7 });
    expect(await h.ticket(ticketId)).toEqual({ id: ticketId, seatsLeft: 7, bookings: [] });
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
    expect((await gqlData(booking.url, 'query($id: ID!) { booking(id: $id) { id amount } }', { id: booked.id })).booking).toEqual({ id: booked.id, amount: 90_000 });
  });

  it('validates the input and the ticket before calling payment', async () => {
    const ticket = await h.registerTicket({ seats: 5 });
    const cases: [Record<string, unknown>, string, string | undefined][] = [
      [{ ticketId: ticket.ticketId, customerId: 'cust-v', quantity: 0 }, 'BAD_USER_INPUT', 'input.quantity'],
      [{ ticketId: ticket.ticketId, customerId: 'cust-v', quantity: 11 }, 'BAD_USER_INPUT', 'input.quantity'],
      [{ ticketId: ticket.ticketId }, 'BAD_USER_INPUT', 'input.customerId'],
      [{ ticketId: 'no-such-ticket', customerId: 'cust-v' }, 'NOT_FOUND', undefined],
    ];
    for (const [input, code, field] of cases) {
      const result = await h.book(input);
      expect([errorCode(result), result.errors?.[0].extensions?.field]).toEqual([code, field]);
      if (field) expect(result.errors![0].message).toMatch(new RegExp(`^${field}: `));
    }
    expect(errorCode(await gql(booking.url, '{ bookings { id } }'))).toBe('BAD_USER_INPUT');
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

  it('never books beyond the seats: SOLD_OUT, and losers of a race for the last seat are abandoned and get their payment canceled', async () => {
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

    await h.paymentEventsSettled();
    const approved = (await h.envelopes('payment', 'PaymentApproved')).filter((e) => customers.includes(e.payload.customerId)).map((e) => e.payload.bookingId);
    expect(approved).toContain(winnerId);
    // The racers pass the seat check before any booking commits, so losers get approved too; each is
    // then abandoned (BookingAbandoned, SOLD_OUT) and payment cancels its payment.
    const losers = approved.filter((id) => id !== winnerId);
    expect(losers.length).toBeGreaterThan(0);
    const abandoned = await waitFor('BookingAbandoned of every approved loser', async () => {
      const found = (await h.envelopes('booking', 'BookingAbandoned')).filter((e) => customers.includes(e.payload.customerId));
      return found.length === losers.length ? found : undefined;
    });
    expect(abandoned.map((e) => e.aggregateId).sort()).toEqual([...losers].sort());
    for (const event of abandoned) {
      expect(event).toMatchObject({ aggregateType: 'AbandonedBooking', aggregateVersion: 1, producer: 'booking' });
      expect(event.payload).toMatchObject({ bookingId: event.aggregateId, ticketId: last.ticketId, amount: 50_000, quantity: 1, reason: 'SOLD_OUT' });
    }
    for (const id of losers) await waitFor(`payment of loser ${id} CANCELED`, async () => (await h.paymentOf(id))?.status === 'CANCELED');
    await h.paymentEventsSettled();
    const canceled = new Set((await h.envelopes('payment', 'PaymentCanceled')).map((e) => e.payload.bookingId));
    expect(losers.every((id) => canceled.has(id))).toBe(true);
    expect(canceled.has(winnerId)).toBe(false);
    expect((await h.paymentOf(winnerId))?.status).toBe('APPROVED');
  });

  it('cancels once: seat freed, BookingCanceled published, payment canceled eventually; CONFLICT twice, NOT_FOUND unknown', async () => {
    const ticket = await h.registerTicket({ seats: 3, title: 'Opera', organizerId: 'org-op' });
    const booked = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-c', quantity: 2 });
    expect(booked.ticket.seatsLeft).toBe(1);
    const canceled = (await h.cancel(booked.id)).data!.cancelBooking;
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

    const again = await h.cancel(booked.id);
    expect(errorCode(again)).toBe('CONFLICT');
    expect(errorCode(await h.cancel(newId()))).toBe('NOT_FOUND');
    const second = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'cust-c2' });
    const concurrent = await Promise.all([h.cancel(second.id), h.cancel(second.id), h.cancel(second.id)]);
    expect(concurrent.map(errorCode).sort()).toEqual(['CONFLICT', 'CONFLICT', undefined]);
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(3);
  });

  it('cancels every BOOKED booking of a deleted ticket (saga), each payment then canceled; the ticket is no longer on sale', async () => {
    const ticket = await h.registerTicket({ seats: 10 });
    const kept = await Promise.all(['del-1', 'del-2', 'del-3'].map((customerId) => h.bookOk({ ticketId: ticket.ticketId, customerId })));
    const early = await h.bookOk({ ticketId: ticket.ticketId, customerId: 'del-4' });
    expect((await h.cancel(early.id)).data?.cancelBooking.status).toBe('CANCELED');

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
    });
    expect(data._entities).toEqual([
      { id: booked.id, status: 'BOOKED', ticket: { id: ticket.ticketId, seatsLeft: 1 } },
      null,
      { id: ticket.ticketId, seatsLeft: 1, bookings: [{ id: booked.id }] },
    ]);
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
    const attempts: { code?: string; ms: number; reached: number }[] = [];
    try {
      await waitFor(
        'the breaker to open',
        async () => {
          const before = hole.connections();
          const result = await attempt();
          attempts.push({ code: result.code, ms: result.ms, reached: hole.connections() - before });
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
    expect(attempts.at(-1)!.reached).toBe(0);
    expect(await h.bookingsOf({ customerId: 'cust-outage' })).toEqual([]);
    expect((await h.ticket(ticket.ticketId)).seatsLeft).toBe(5);
    // Every failed attempt may have been approved (or may still be): each is recorded as abandoned, durable while payment is down.
    const abandoned = await waitFor('BookingAbandoned of every failed attempt', async () => {
      const found = (await h.envelopes('booking', 'BookingAbandoned')).filter((e) => e.payload.customerId === 'cust-outage');
      return found.length === 1 + attempts.length ? found : undefined;
    });
    expect(abandoned.map((e) => e.payload)).toEqual(abandoned.map(() => expect.objectContaining({ ticketId: ticket.ticketId, amount: 50_000, reason: 'PAYMENT_UNAVAILABLE' })));

    await payment.start(port);
    const recovered = await waitFor(
      'booking to work again',
      async () => (await h.book({ ticketId: ticket.ticketId, customerId: 'cust-outage' })).data?.bookTicket,
      15_000,
      100,
    );
    expect(recovered).toMatchObject({ status: 'BOOKED', ticket: { seatsLeft: 4 } });
    expect(await h.bookingsOf({ customerId: 'cust-outage' })).toHaveLength(1);
  }, 60_000);
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

    expect((await h.cancel(booked.id)).data?.cancelBooking).toMatchObject({ status: 'CANCELED', ticket: { seatsLeft: 1 } });
    expect(errorCode(await h.cancel(booked.id))).toBe('CONFLICT');
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

describe('bookTicket compensation (handler on SQLite, payment stubbed)', () => {
  let store: FreshStore;
  let runtime: ContextRuntime;
  const meta = { correlationId: 'test', causationId: null };
  const silent = createLogger('booking', 'silent');
  const ticketOf = (ticketId: string) =>
    TicketInventory.record({ ticketId, title: 'Last', venue: 'Hall', price: 1_000, seats: 1, organizerId: 'org-1', saleStartsAt: null, saleEndsAt: null, registeredAt: new Date().toISOString() });
  const unavailable = () => new DomainError('PAYMENT_UNAVAILABLE', 'payment is unavailable, try again later');

  /** The staged (not yet published: no relay runs here) events about `bookingId`. */
  const outboxOf = async (bookingId: string): Promise<EventEnvelope<any>[]> =>
    (await runtime.orm.em.fork().find(OutboxMessage, {}))
      .map((row) => JSON.parse(row.envelope) as EventEnvelope<any>)
      .filter((e) => e.aggregateId === bookingId);

  beforeAll(async () => {
    store = await freshStore('sqlite', 'booking_handler');
    runtime = await openContext('booking', { entities: bookingEntities, env: { ...process.env, BOOKING_DB_URL: store.url, LOG_LEVEL: 'silent' } });
    await runtime.orm.em.fork().persistAndFlush(['last-seat', 'free', 'slow', 'down'].map(ticketOf));
  });

  afterAll(async () => {
    await runtime?.orm.close();
    runtime?.redis.disconnect();
    await store?.drop();
  });

  it('records the booking as abandoned (BookingAbandoned, SOLD_OUT) and writes no booking when the last seat went while payment was approving', async () => {
    const rival = new BookTicketHandler(runtime.uow, { approve: jest.fn(async () => undefined) }, silent);
    const racing: PaymentPort = {
      approve: jest.fn(async () => {
        await rival.execute(runtime.orm.em, meta, { ticketId: 'last-seat', customerId: 'rival' });
      }),
    };
    const handler = new BookTicketHandler(runtime.uow, racing, silent);

    await expect(handler.execute(runtime.orm.em, meta, { ticketId: 'last-seat', customerId: 'loser' })).rejects.toMatchObject({ code: 'SOLD_OUT' });
    const [request] = (racing.approve as jest.Mock).mock.calls[0] as [PaymentRequest];
    expect(request).toMatchObject({ customerId: 'loser', amount: 1_000 });
    const em = runtime.orm.em.fork();
    expect(await em.findOne(Booking, { id: request.bookingId })).toBeNull();
    expect(await em.findOne(AbandonedBooking, { id: request.bookingId })).toMatchObject({ ticketId: 'last-seat', customerId: 'loser', quantity: 1, amount: 1_000, reason: 'SOLD_OUT' });
    const [event] = await outboxOf(request.bookingId);
    expect(event).toMatchObject({ type: 'BookingAbandoned', aggregateType: 'AbandonedBooking', producer: 'booking', correlationId: 'test' });
    expect(event.payload).toMatchObject({ bookingId: request.bookingId, ticketId: 'last-seat', ticketTitle: 'Last', customerId: 'loser', organizerId: 'org-1', quantity: 1, amount: 1_000, reason: 'SOLD_OUT' });
    expect(await em.findOne(TicketInventory, { id: 'last-seat' })).toMatchObject({ seatsLeft: 0 });
  });

  it('writes nothing and abandons nothing when payment declines', async () => {
    const declining: PaymentPort = {
      approve: jest.fn(async () => {
        throw new DomainError('PAYMENT_DECLINED', 'declined');
      }),
    };
    await expect(new BookTicketHandler(runtime.uow, declining, silent).execute(runtime.orm.em, meta, { ticketId: 'free', customerId: 'c' })).rejects.toMatchObject({ code: 'PAYMENT_DECLINED' });
    const [request] = (declining.approve as jest.Mock).mock.calls[0] as [PaymentRequest];
    expect(await runtime.orm.em.fork().findOne(AbandonedBooking, { id: request.bookingId })).toBeNull();
    expect(await outboxOf(request.bookingId)).toEqual([]);
    expect(await runtime.orm.em.fork().findOne(TicketInventory, { id: 'free' })).toMatchObject({ seatsLeft: 1 });
  });

  it('records the booking as abandoned (PAYMENT_UNAVAILABLE) when the approval call failed: its outcome is unknown', async () => {
    const slow: PaymentPort = { approve: jest.fn(async () => Promise.reject(unavailable())) };
    await expect(new BookTicketHandler(runtime.uow, slow, silent).execute(runtime.orm.em, meta, { ticketId: 'slow', customerId: 'c-slow', quantity: 1 })).rejects.toMatchObject({
      code: 'PAYMENT_UNAVAILABLE',
    });
    const [request] = (slow.approve as jest.Mock).mock.calls[0] as [PaymentRequest];
    expect(await runtime.orm.em.fork().findOne(AbandonedBooking, { id: request.bookingId })).toMatchObject({ customerId: 'c-slow', reason: 'PAYMENT_UNAVAILABLE' });
    expect((await outboxOf(request.bookingId)).map((e) => [e.type, e.payload.reason])).toEqual([['BookingAbandoned', 'PAYMENT_UNAVAILABLE']]);
    expect(await runtime.orm.em.fork().findOne(TicketInventory, { id: 'slow' })).toMatchObject({ seatsLeft: 1 });
  });

  it('logs an error with the booking id and rethrows the original error when the abandonment cannot be recorded either', async () => {
    const logger = { error: jest.fn() } as unknown as Logger;
    const down: PaymentPort = { approve: jest.fn(async () => Promise.reject(unavailable())) };
    const run = jest.spyOn(runtime.uow, 'run').mockRejectedValueOnce(new Error('booking store down'));
    try {
      await expect(new BookTicketHandler(runtime.uow, down, logger).execute(runtime.orm.em, meta, { ticketId: 'down', customerId: 'c-down' })).rejects.toMatchObject({ code: 'PAYMENT_UNAVAILABLE' });
    } finally {
      run.mockRestore();
    }
    const [request] = (down.approve as jest.Mock).mock.calls[0] as [PaymentRequest];
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ bookingId: request.bookingId, reason: 'PAYMENT_UNAVAILABLE', err: expect.objectContaining({ message: 'booking store down' }) }), expect.stringContaining('abandoned booking'));
    expect(await runtime.orm.em.fork().findOne(AbandonedBooking, { id: request.bookingId })).toBeNull();
  });
});
