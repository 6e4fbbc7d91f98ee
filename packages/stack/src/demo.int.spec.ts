import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildSchema, graphql, GraphQLError } from 'graphql';
import { actingFor, BearerAuth, Caller, DEV_JWT_SECRET, DomainError, mayActFor, REPO_ROOT, requireOwner, requireRole, requireUser } from '@supergraph/kernel';
import { DemoError, main, runDemo } from './demo';
import { freePort } from './net';

type Row = { bookingId: string; ticketId: string; ticketTitle: string; customerId: string; organizerId: string; amount: number; bookingStatus: string; paymentStatus: string | null; updatedAt: string };

/**
 * Who sent a request, as the router decides it (the kernel's `BearerAuth`, HS256 with `secret`):
 * no `Authorization` header is an anonymous client; a refused token is null.
 */
async function callerOf(authorization: string | undefined, secret: string): Promise<Caller | null> {
  try {
    return { kind: 'router', identity: (await new BearerAuth({ secret }).identify(authorization))?.identity ?? null };
  } catch {
    return null;
  }
}

/**
 * A stand-in router serving the public contract schema (schema/contract/ticketing.graphql) from
 * memory, with the asynchronous effects of SPEC.md "1. Ticketing" arriving a little later like
 * events do: a new ticket is bookable only ~150 ms after the first attempt to book it (so that
 * attempt is always refused, however slowly the test runs), cancellations reach payment, views and
 * notifications after ~50-100 ms. `declines` and `notifies` switch behaviours off to see the demo fail.
 * It authenticates and authorizes like the real stack (kernel `actingFor`, `requireOwner`, …):
 * a token not signed with `secret` [DEV_JWT_SECRET] is `UNAUTHENTICATED` (401); only ticket search
 * answers an anonymous client; identity arguments default to the token's subject; organizers
 * register and delete their own tickets and see their tickets' bookings and their page; customers
 * book, cancel and read their own bookings, payments and page; everyone reads their own notifications.
 */
function fakeRouter(options: { declines: boolean; notifies: boolean; secret?: string }) {
  const schema = buildSchema(readFileSync(join(REPO_ROOT, 'schema', 'contract', 'ticketing.graphql'), 'utf8'));
  let seq = 0;
  const id = () => `00000000-0000-7000-8000-${String(++seq).padStart(12, '0')}`;
  const now = () => new Date().toISOString();
  const later = (ms: number, effect: () => void) => void setTimeout(effect, ms);
  const fail = (code: string, message: string) => new GraphQLError(message, { extensions: { code } });
  const tickets = new Map<string, any>();
  const bookable = new Set<string>();
  /** Tickets whose first booking attempt was refused: bookable ~150 ms later. */
  const announced = new Set<string>();
  const bookings = new Map<string, any>();
  const views = new Map<string, Row>();
  const notifications: any[] = [];
  const notify = (recipientId: string, kind: string, message: string, correlationId: string) => {
    if (options.notifies) later(50, () => notifications.push({ id: id(), recipientId, kind, message, correlationId, createdAt: now() }));
  };
  /** A booking as the schema shows it: with its ticket, and its payment for its payer only (like the payment context). */
  const withTicket = (booking: any) => ({
    ...booking,
    ticket: tickets.get(booking.ticketId),
    payment: (_args: unknown, caller: Caller) => {
      requireOwner(caller, booking.customerId, `payment ${booking.payment.id}`);
      return booking.payment;
    },
  });
  const cancelPayment = (booking: any) =>
    later(50, () => {
      booking.payment.status = 'CANCELED';
      booking.payment.canceledAt = now();
      views.get(booking.id)!.paymentStatus = 'CANCELED';
      notify(booking.customerId, 'PaymentCanceled', `Payment of ${booking.amount} KRW canceled`, booking.id);
    });
  const cancel = (booking: any) => {
    booking.status = 'CANCELED';
    booking.canceledAt = now();
    tickets.get(booking.ticketId).seatsLeft += booking.quantity;
    later(30, () => (views.get(booking.id)!.bookingStatus = 'CANCELED'));
    cancelPayment(booking);
  };
  const rootValue = {
    registerTicket: ({ input }: any, caller: Caller) => {
      const organizerId = actingFor(caller, input.organizerId, 'input.organizerId', ['organizer']);
      const ticket = { ...input, organizerId, id: id(), status: 'ON_SALE', createdAt: now(), seatsLeft: input.seats, bookings: [] };
      tickets.set(ticket.id, ticket);
      notify(ticket.organizerId, 'TicketRegistered', `Ticket "${ticket.title}" registered`, ticket.id);
      return ticket;
    },
    tickets: ({ search, organizerId, onSaleOnly }: any) => {
      const found = [...tickets.values()]
        .filter((t) => !search || t.title.toLowerCase().includes(search.toLowerCase()))
        .filter((t) => !organizerId || t.organizerId === organizerId)
        .filter((t) => !onSaleOnly || t.status === 'ON_SALE')
        .reverse();
      return { totalCount: found.length, edges: found.map((node) => ({ cursor: node.id, node })), pageInfo: { hasNextPage: false, endCursor: null } };
    },
    ticket: ({ id: ticketId }: any) => tickets.get(ticketId),
    bookTicket: ({ input }: any, caller: Caller) => {
      const customerId = actingFor(caller, input.customerId, 'input.customerId', ['customer']);
      const ticket = tickets.get(input.ticketId);
      if (ticket && !announced.has(ticket.id)) {
        announced.add(ticket.id);
        later(150, () => bookable.add(ticket.id));
      }
      if (!ticket || !bookable.has(ticket.id)) throw fail('NOT_FOUND', `ticket ${input.ticketId} not found`);
      const amount = ticket.price * input.quantity;
      if (options.declines && amount > 10_000_000) throw fail('PAYMENT_DECLINED', `payment declined: ${amount} KRW is over the limit`);
      ticket.seatsLeft -= input.quantity;
      const bookingId = id();
      const booking = { id: bookingId, ticketId: ticket.id, customerId, quantity: input.quantity, amount, status: 'BOOKED', bookedAt: now(), canceledAt: null, payment: { id: id(), bookingId, amount, status: 'APPROVED', approvedAt: now(), canceledAt: null } };
      bookings.set(bookingId, booking);
      later(40, () => views.set(bookingId, { bookingId, ticketId: ticket.id, ticketTitle: ticket.title, customerId: booking.customerId, organizerId: ticket.organizerId, amount, bookingStatus: 'BOOKED', paymentStatus: 'APPROVED', updatedAt: now() }));
      notify(booking.customerId, 'TicketBooked', `Booked ${input.quantity} × ${ticket.title}`, bookingId);
      notify(ticket.organizerId, 'TicketBooked', `${booking.customerId} booked ${ticket.title}`, bookingId);
      return withTicket(booking);
    },
    cancelBooking: ({ id: bookingId }: any, caller: Caller) => {
      requireRole(caller, ['customer'], 'cancelBooking');
      const booking = bookings.get(bookingId);
      if (!booking) throw fail('NOT_FOUND', 'no such booking');
      requireOwner(caller, booking.customerId, `booking ${bookingId}`);
      cancel(booking);
      return withTicket(booking);
    },
    deleteTicket: ({ id: ticketId }: any, caller: Caller) => {
      requireRole(caller, ['organizer'], 'deleteTicket');
      const ticket = tickets.get(ticketId);
      requireOwner(caller, ticket.organizerId, `ticket ${ticketId}`);
      ticket.status = 'DELETED';
      notify(ticket.organizerId, 'TicketDeleted', `Ticket "${ticket.title}" deleted`, ticket.id);
      later(60, () => [...bookings.values()].filter((b) => b.ticketId === ticketId && b.status === 'BOOKED').forEach(cancel));
      return ticket;
    },
    booking: ({ id: bookingId }: any, caller: Caller) => {
      requireUser(caller);
      const booking = bookings.get(bookingId);
      if (booking && !readsBooking(caller, booking)) throw fail('FORBIDDEN', `booking ${bookingId} is neither yours nor of a ticket you organize`);
      return booking && withTicket(booking);
    },
    bookings: ({ ticketId }: any, caller: Caller) => {
      requireUser(caller);
      return [...bookings.values()].filter((b) => b.ticketId === ticketId && readsBooking(caller, b)).map(withTicket);
    },
    myPage: ({ customerId }: any, caller: Caller) => {
      const customer = actingFor(caller, customerId, 'customerId', ['customer']);
      return [...views.values()].filter((row) => row.customerId === customer);
    },
    organizerPage: ({ organizerId }: any, caller: Caller) => {
      const organizer = actingFor(caller, organizerId, 'organizerId', ['organizer']);
      return [...views.values()].filter((row) => row.organizerId === organizer);
    },
    notifications: ({ recipientId }: any, caller: Caller) => {
      const recipient = actingFor(caller, recipientId, 'recipientId');
      return notifications.filter((n) => n.recipientId === recipient);
    },
  };
  /** Its customer, the organizer of its ticket and admin read a booking. */
  const readsBooking = (caller: Caller, booking: any) => mayActFor(caller, booking.customerId) || mayActFor(caller, tickets.get(booking.ticketId).organizerId);
  return createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', async () => {
      response.setHeader('content-type', 'application/json');
      const caller = await callerOf(request.headers.authorization, options.secret ?? DEV_JWT_SECRET);
      if (!caller) {
        response.writeHead(401).end(JSON.stringify({ errors: [{ message: 'token signature invalid', extensions: { code: 'UNAUTHENTICATED' } }] }));
        return;
      }
      const { query, variables } = JSON.parse(body);
      const result = await graphql({ schema, source: query, rootValue, contextValue: caller, variableValues: variables });
      const errors = result.errors?.map((error) => (error.originalError instanceof DomainError ? fail(error.originalError.code, error.message) : error));
      response.end(JSON.stringify({ ...result, errors }));
    });
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

describe('npm run demo', () => {
  it('tells to start the stack when the router is not reachable, and exits 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}/graphql`;
    await expect(runDemo({ routerUrl: url, print: () => undefined })).rejects.toThrow(new DemoError(`The router is not reachable at ${url} (connection refused): start it with npm start`));
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main({ ROUTER_URL: url })).toBe(1);
      expect(stderr).toHaveBeenCalledWith(`demo: The router is not reachable at ${url} (connection refused): start it with npm start\n`);
    } finally {
      stderr.mockRestore();
    }
  });

  it('tells when the URL answers but is no GraphQL endpoint', async () => {
    const server = createServer((_request, response) => response.writeHead(404).end('Not Found'));
    const url = await listen(server);
    try {
      await expect(runDemo({ routerUrl: url, print: () => undefined })).rejects.toThrow(`${url} answered HTTP 404 without a GraphQL response: is ROUTER_URL right?`);
    } finally {
      server.close();
    }
  });

  it('plays the whole seed-001 story against a router that keeps the contract', async () => {
    const server = fakeRouter({ declines: true, notifies: true });
    const url = await listen(server);
    const lines: string[] = [];
    try {
      const result = await runDemo({ routerUrl: url, print: (line) => lines.push(line), run: 'r1', waitMs: 3_000 });
      const output = lines.join('\n');
      expect(result).toEqual({ run: 'r1', failures: [] });
      expect(output).toContain('People of this run: organizer-r1 (organizer), alice-r1 and bob-r1 (customers)');
      expect(output).toContain('Each signs in with a bearer token of their own (HS256, the development key)');
      expect(output).toContain('1. The organizer registers two tickets  (registerTicket → TicketRegistered)\n   as organizer-r1 (organizer)');
      expect(output).toContain('2. Customers search  (tickets)\n   as an anonymous client (no token)');
      expect(output).toContain('\n   as alice-r1, then bob-r1 (customers, each with their own token)\n');
      expect(output).toMatch(/5\. alice-r1 cancels a booking .*\n {3}as alice-r1 \(customer\)\n/);
      expect(output).toMatch(/6\. The organizer deletes .*\n {3}as organizer-r1 \(organizer\); each payment is read as its customer \(only the payer sees it\)\n/);
      expect(output).toMatch(/✓ alice-r1 books 2 × "Swan Lake \(demo r1\)" → BOOKED, 240,000 KRW, payment APPROVED .*\(waited \d+ ms for the ticket's event to reach booking\)/);
      expect(output).toContain('✓ alice-r1 books 8 × "K-Pop Finale VIP Box (demo r1)" = 12,000,000 KRW → PAYMENT_DECLINED');
      expect(output).toContain('seats left on "K-Pop Finale VIP Box (demo r1)": 17/20, unchanged');
      expect(output).toContain('seats left on "Swan Lake (demo r1)": 99/100');
      expect(output).toMatch(/✓ all 1 booking\(s\) and payment\(s\) canceled/);
      expect(output).toMatch(/Swan Lake \(demo r1\) +240,000 KRW {2}booking CANCELED {2}payment CANCELED/);
      expect(output).toMatch(/organizer-r1 \(\d+\)/);
      expect(output).toMatch(/ TicketDeleted +Ticket "K-Pop Finale VIP Box \(demo r1\)" deleted/);
      expect(output).toContain('The whole story worked');
    } finally {
      server.close();
    }
  }, 30_000);

  it('signs its tokens with JWT_SECRET: a router with another key refuses them, one with the same key plays the story', async () => {
    const secret = 'a-jwt-secret-of-this-test-only-0123456789';
    const server = fakeRouter({ declines: true, notifies: true, secret });
    const url = await listen(server);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main({ ROUTER_URL: url })).toBe(1);
      expect(stderr).toHaveBeenCalledWith(
        "demo: registerTicket failed: UNAUTHENTICATED: token signature invalid (tokens are signed with JWT_SECRET, or the development key when it is unset: it must be the router's)\n",
      );
      stdout.mockClear();
      expect(await main({ ROUTER_URL: url, JWT_SECRET: secret })).toBe(0);
      const output = stdout.mock.calls.map(([chunk]) => String(chunk)).join('');
      expect(output).toContain('Each signs in with a bearer token of their own (HS256, JWT_SECRET); ticket search is public and runs anonymous');
      expect(output).toContain('The whole story worked');
    } finally {
      stderr.mockRestore();
      stdout.mockRestore();
      server.close();
    }
  }, 60_000);

  it('reports every expectation the stack does not meet', async () => {
    const server = fakeRouter({ declines: false, notifies: false });
    const url = await listen(server);
    const lines: string[] = [];
    try {
      const result = await runDemo({ routerUrl: url, print: (line) => lines.push(line), run: 'r2', waitMs: 300 });
      expect(result.failures).toEqual([
        expect.stringMatching(/^booking 12,000,000 KRW should be PAYMENT_DECLINED, got booking /),
        'seats left on "K-Pop Finale VIP Box (demo r2)" changed from 17 to 9 after a declined payment',
        'organizer-r2 has no TicketDeleted notification after 300 ms',
        'alice-r2 has no PaymentCanceled notification after 300 ms',
        'bob-r2 has no PaymentCanceled notification after 300 ms',
      ]);
      expect(lines.join('\n')).toContain('5 expectation(s) not met');
    } finally {
      server.close();
    }
  }, 30_000);
});
