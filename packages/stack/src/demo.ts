#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Role, signUserToken } from '@supergraph/kernel';
import { krw } from '@supergraph/kernel/domain';
import { BookingView, MyBookingView, NotificationView, OPERATIONS, TicketView } from './demo-operations';

/** The router the demo talks to unless `ROUTER_URL` says otherwise. */
export const DEFAULT_ROUTER_URL = 'http://localhost:4000/graphql';

/** The demo cannot go on (router unreachable, an unexpected GraphQL error); the message says why. */
export class DemoError extends Error {
  override readonly name = 'DemoError';
}

/** A GraphQL response as it comes over HTTP. */
export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/**
 * POSTs GraphQL operations to the router, as an anonymous client or, with `token`, as the end user
 * of that bearer token (`Authorization: Bearer <token>`); turns transport problems into a
 * `DemoError` saying to run `npm start`.
 */
export class RouterClient {
  constructor(
    readonly url: string,
    private readonly timeoutMs = 10_000,
    /** A bearer token the router accepts (`signUserToken`); none: an anonymous client, answered only by public ticket search. */
    private readonly token?: string,
  ) {}

  /** A client of the same router sending `token` with every request. */
  withToken(token: string): RouterClient {
    return new RouterClient(this.url, this.timeoutMs, token);
  }

  /** Sends one operation; resolves with the whole response (errors included, an `UNAUTHENTICATED` 401 too). */
  async send<T>(query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new DemoError(`The router is not reachable at ${this.url} (${transportProblem(error)}): start it with npm start`);
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as GraphQLResponse<T>;
    } catch {
      throw new DemoError(`${this.url} answered HTTP ${response.status} without a GraphQL response: is ROUTER_URL right? (start the stack with npm start)`);
    }
  }

  /**
   * Sends one operation and returns its data; a GraphQL error becomes a `DemoError` naming `what`
   * (a refused token, `UNAUTHENTICATED`, also says that tokens are signed with `JWT_SECRET`).
   */
  async data<T>(what: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await this.send<T>(query, variables);
    if (result.errors?.length || !result.data) {
      const refused = this.token !== undefined && result.errors?.some((error) => error.extensions?.code === 'UNAUTHENTICATED');
      throw new DemoError(`${what} failed: ${describeErrors(result)}${refused ? ' (tokens are signed with JWT_SECRET, or the development key when it is unset: it must be the router\'s)' : ''}`);
    }
    return result.data;
  }
}

function transportProblem(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if ((error as Error).name === 'TimeoutError') return 'no answer in time';
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** `CODE: message` of each error of a response. */
export function describeErrors(result: GraphQLResponse<unknown>): string {
  if (!result.errors?.length) return 'no data';
  return result.errors.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('; ');
}

/** The last 8 characters of an id (the random part of a uuid v7), for tables. */
export function shortId(id: string): string {
  return id.length > 8 ? `…${id.slice(-8)}` : id;
}

/** What a booking should look like in a view once the events have arrived. */
export interface ExpectedRow {
  bookingId: string;
  bookingStatus: MyBookingView['bookingStatus'];
  paymentStatus: MyBookingView['paymentStatus'];
}

/** True when every expected booking is in the view with the expected booking and payment status. */
export function viewMatches(rows: readonly MyBookingView[], expected: readonly ExpectedRow[]): boolean {
  return expected.every((want) =>
    rows.some((row) => row.bookingId === want.bookingId && row.bookingStatus === want.bookingStatus && row.paymentStatus === want.paymentStatus),
  );
}

/** Table lines of a view: title, amount, statuses, (customer,) booking id. */
export function bookingRows(rows: readonly MyBookingView[], withCustomer: boolean): string[] {
  if (rows.length === 0) return ['(no bookings)'];
  const title = Math.max(...rows.map((row) => row.ticketTitle.length));
  const customer = Math.max(...rows.map((row) => row.customerId.length));
  return rows.map((row) =>
    [
      row.ticketTitle.padEnd(title),
      krw(row.amount).padStart(14),
      `booking ${row.bookingStatus.padEnd(8)}`,
      `payment ${(row.paymentStatus ?? '-').padEnd(8)}`,
      ...(withCustomer ? [row.customerId.padEnd(customer)] : []),
      shortId(row.bookingId),
    ].join('  '),
  );
}

/** Lines of a notification list: local time (HH:MM:SS), kind, message. */
export function notificationRows(rows: readonly NotificationView[]): string[] {
  if (rows.length === 0) return ['(none)'];
  const kind = Math.max(...rows.map((row) => row.kind.length));
  return rows.map((row) => `${new Date(row.createdAt).toTimeString().slice(0, 8)}  ${row.kind.padEnd(kind)}  ${row.message}`);
}

/** The result of a bounded poll: the last value read, whether it met the condition, reads and time taken. */
interface Polled<T> {
  value: T;
  ok: boolean;
  attempts: number;
  waitedMs: number;
}

/** Reads until `done(value)` holds or `timeoutMs` passes (every 100 ms): events are asynchronous. */
async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<Polled<T>> {
  const started = Date.now();
  for (let attempts = 1; ; attempts += 1) {
    const value = await read();
    if (done(value)) return { value, ok: true, attempts, waitedMs: Date.now() - started };
    if (Date.now() - started >= timeoutMs) return { value, ok: false, attempts, waitedMs: Date.now() - started };
    await delay(100);
  }
}

/** How `runDemo` runs. */
export interface DemoOptions {
  /** The router's GraphQL URL. */
  routerUrl: string;
  /** Receives every output line. */
  print: (line: string) => void;
  /** Bound of each wait for asynchronous effects (events reaching views, the saga), ms (default 10 s). */
  waitMs?: number;
  /** Suffix of this run's people and titles (default random), so runs never mix. */
  run?: string;
  /** HS256 key of the tokens the demo signs for its people: the router's `JWT_SECRET` (default the development key `DEV_JWT_SECRET`). */
  jwtSecret?: string;
}

/** What the demo saw: the expectations that did not hold (empty when the whole story worked). */
export interface DemoResult {
  run: string;
  failures: string[];
}

type Connection = { totalCount: number; edges: { node: TicketView }[] };

/** One of the demo's people: who they are and a client sending their own bearer token. */
interface Person {
  id: string;
  role: Role;
  client: RouterClient;
}

/**
 * The seed-001 story through the router (SPEC.md "1. Ticketing"): an organizer registers two
 * tickets; customers search and book them (payment approved synchronously); a payment over the
 * 10,000,000 KRW limit is declined (PAYMENT_DECLINED, nothing written); a customer cancels (the
 * payment is canceled asynchronously); the organizer deletes a ticket with a booking on it (the
 * saga cancels the booking and its payment); then each customer's myPage, the organizerPage and
 * everyone's notifications, each awaited by bounded polling.
 * Each person signs in with a bearer token of their own (`signUserToken`, HS256 with
 * `jwtSecret`): the organizer's registers, deletes and reads the organizer's page and the
 * deleted ticket's bookings; each customer's books, cancels and reads their own bookings (with
 * their payments: only the payer sees a payment), page and notifications; ticket search and seats
 * left are asked anonymously (they are public). No
 * operation passes an identity argument: the router's token subject is who acts, and the demo
 * checks that tickets and bookings came out as that person's. Each step prints who it runs as.
 * Throws `DemoError` when the router is unreachable, refuses a token (`UNAUTHENTICATED`) or a
 * step cannot go on; unmet expectations are printed and returned.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { print } = options;
  const anonymous = new RouterClient(options.routerUrl);
  const waitMs = options.waitMs ?? 10_000;
  const run = options.run ?? randomBytes(2).toString('hex');
  const failures: string[] = [];
  const started = Date.now();
  const signIn = async (id: string, role: Role): Promise<Person> => ({
    id,
    role,
    client: anonymous.withToken(await signUserToken({ subject: id, role, secret: options.jwtSecret })),
  });
  const organizer = await signIn(`organizer-${run}`, 'organizer');
  const alice = await signIn(`alice-${run}`, 'customer');
  const bob = await signIn(`bob-${run}`, 'customer');

  const step = (n: number, title: string, as: string) => print(`\n${n}. ${title}\n   as ${as}`);
  const ok = (text: string) => print(`   ✓ ${text}`);
  const info = (text: string) => print(`     ${text}`);
  const fail = (text: string) => {
    failures.push(text);
    print(`   ✗ ${text}`);
  };
  const who = (person: Person) => `${person.id} (${person.role})`;
  const after = (ms: number) => (ms >= 100 ? ` (after ${ms} ms)` : '');
  const seatsLeft = async (ticket: TicketView) =>
    (await anonymous.data<{ ticket: TicketView | null }>('ticket.seatsLeft', OPERATIONS.seatsLeft, { id: ticket.id })).ticket?.seatsLeft;

  await anonymous.data('the router', '{ __typename }');
  print(`Seed 001 ticketing story, through the router at ${options.routerUrl}`);
  print(`People of this run: ${organizer.id} (organizer), ${alice.id} and ${bob.id} (customers)`);
  print(`Each signs in with a bearer token of their own (HS256, ${options.jwtSecret ? 'JWT_SECRET' : 'the development key'}); ticket search is public and runs anonymous`);

  step(1, 'The organizer registers two tickets  (registerTicket → TicketRegistered)', who(organizer));
  const register = async (input: { title: string; venue: string; price: number; seats: number }) => {
    const { registerTicket: ticket } = await organizer.client.data<{ registerTicket: TicketView }>('registerTicket', OPERATIONS.registerTicket, { input });
    ok(`"${ticket.title}" at ${ticket.venue}, ${krw(ticket.price)} × ${ticket.seats} seats → ${ticket.status}   id ${ticket.id}`);
    if (ticket.organizerId !== organizer.id) fail(`"${ticket.title}" was registered for ${ticket.organizerId}, not for the token's subject ${organizer.id}`);
    return ticket;
  };
  const swan = await register({ title: `Swan Lake (demo ${run})`, venue: 'Seoul Arts Center', price: 120_000, seats: 100 });
  const vip = await register({ title: `K-Pop Finale VIP Box (demo ${run})`, venue: 'Gocheok Sky Dome', price: 1_500_000, seats: 20 });

  step(2, 'Customers search  (tickets)', 'an anonymous client (no token)');
  const search = async (label: string, variables: Record<string, unknown>) => {
    const { tickets } = await anonymous.data<{ tickets: Connection }>('tickets', OPERATIONS.searchTickets, variables);
    const titles = tickets.edges.slice(0, 3).map(({ node }) => `"${node.title}" ${krw(node.price)}`);
    ok(`tickets(${label}) → ${tickets.totalCount} found${titles.length ? `; newest: ${titles.join(', ')}` : ''}`);
    return tickets;
  };
  const byText = await search('search: "swan lake", onSaleOnly: true, first: 5', { search: 'swan lake', onSaleOnly: true, first: 5 });
  if (!byText.edges.some(({ node }) => node.id === swan.id)) fail(`"${swan.title}" is not among the results of the text search`);
  const byOrganizer = await search(`organizerId: "${organizer.id}"`, { organizerId: organizer.id });
  if (byOrganizer.totalCount !== 2) fail(`the organizer's search found ${byOrganizer.totalCount} tickets, expected 2`);

  step(3, 'Customers book  (bookTicket: payment approves synchronously → PaymentApproved, TicketBooked)', `${alice.id}, then ${bob.id} (customers, each with their own token)`);
  const book = async (customer: Person, ticket: TicketView, quantity: number) => {
    const input = { ticketId: ticket.id, quantity };
    const attempt = await poll(
      () => customer.client.send<{ bookTicket: BookingView }>(OPERATIONS.bookTicket, { input }),
      (result) => result.errors?.[0]?.extensions?.code !== 'NOT_FOUND',
      waitMs,
    );
    const booking = attempt.value.data?.bookTicket;
    if (!booking) throw new DemoError(`bookTicket for ${customer.id} failed: ${describeErrors(attempt.value)}`);
    const waited = attempt.attempts > 1 ? `   (waited ${attempt.waitedMs} ms for the ticket's event to reach booking)` : '';
    ok(`${customer.id} books ${quantity} × "${ticket.title}" → ${booking.status}, ${booking.amount === undefined ? '-' : krw(booking.amount)}, payment ${booking.payment?.status ?? '-'}   booking ${booking.id}${waited}`);
    if (booking.customerId !== customer.id) fail(`booking ${booking.id} was made for ${booking.customerId}, not for the token's subject ${customer.id}`);
    return booking;
  };
  const aliceSwan = await book(alice, swan, 2);
  const bobSwan = await book(bob, swan, 1);
  const bobVip = await book(bob, vip, 3);
  info(`seats left: "${swan.title}" ${await seatsLeft(swan)}/${swan.seats}, "${vip.title}" ${await seatsLeft(vip)}/${vip.seats}`);

  step(4, 'A payment over the limit is declined  (10,000,000 KRW per payment → PAYMENT_DECLINED, nothing written)', who(alice));
  const vipSeatsBefore = await seatsLeft(vip);
  const declined = await alice.client.send<{ bookTicket: BookingView }>(OPERATIONS.bookTicket, { input: { ticketId: vip.id, quantity: 8 } });
  const declinedCode = declined.errors?.[0]?.extensions?.code;
  if (declinedCode === 'PAYMENT_DECLINED') ok(`${alice.id} books 8 × "${vip.title}" = ${krw(8 * vip.price)} → PAYMENT_DECLINED: ${declined.errors![0].message}`);
  else fail(`booking ${krw(8 * vip.price)} should be PAYMENT_DECLINED, got ${declined.data?.bookTicket ? `booking ${declined.data.bookTicket.id}` : describeErrors(declined)}`);
  const vipSeatsAfter = await seatsLeft(vip);
  if (vipSeatsAfter === vipSeatsBefore) info(`seats left on "${vip.title}": ${vipSeatsAfter}/${vip.seats}, unchanged`);
  else fail(`seats left on "${vip.title}" changed from ${vipSeatsBefore} to ${vipSeatsAfter} after a declined payment`);

  step(5, `${alice.id} cancels a booking  (cancelBooking → BookingCanceled → payment cancels → PaymentCanceled)`, who(alice));
  const { cancelBooking: canceled } = await alice.client.data<{ cancelBooking: BookingView }>('cancelBooking', OPERATIONS.cancelBooking, { id: aliceSwan.id });
  ok(`booking ${aliceSwan.id} → ${canceled.status}`);
  const paymentCanceled = await poll(
    async () => (await alice.client.data<{ booking: BookingView | null }>('booking', OPERATIONS.booking, { id: aliceSwan.id })).booking,
    (booking) => booking?.payment?.status === 'CANCELED',
    waitMs,
  );
  if (paymentCanceled.ok) ok(`its payment → CANCELED${after(paymentCanceled.waitedMs)}, asynchronously`);
  else fail(`the payment of booking ${aliceSwan.id} is still ${paymentCanceled.value?.payment?.status ?? 'missing'} after ${waitMs} ms`);
  const swanSeats = await poll(() => seatsLeft(swan), (left) => left === swan.seats - 1, waitMs);
  if (swanSeats.ok) info(`seats left on "${swan.title}": ${swanSeats.value}/${swan.seats} (the 2 seats are free again)`);
  else fail(`seats left on "${swan.title}" are ${swanSeats.value}, expected ${swan.seats - 1} after the cancellation`);

  step(
    6,
    `The organizer deletes "${vip.title}", which has a booking  (deleteTicket → TicketDeleted → saga cancels bookings and payments)`,
    `${who(organizer)}; each payment is read as its customer (only the payer sees it)`,
  );
  const { deleteTicket: deleted } = await organizer.client.data<{ deleteTicket: TicketView }>('deleteTicket', OPERATIONS.deleteTicket, { id: vip.id });
  ok(`"${deleted.title}" → ${deleted.status}`);
  const customers = new Map([alice, bob].map((customer) => [customer.id, customer]));
  /** The deleted ticket's bookings as its organizer lists them, each with its payment as its customer sees it (none for a customer not of this run). */
  const ticketBookings = async () =>
    Promise.all(
      (await organizer.client.data<{ bookings: BookingView[] }>('bookings', OPERATIONS.ticketBookings, { ticketId: vip.id })).bookings.map(async (booking) => {
        const payer = customers.get(booking.customerId ?? '');
        const seen = payer && (await payer.client.data<{ booking: BookingView | null }>('booking', OPERATIONS.booking, { id: booking.id })).booking;
        return { ...booking, payment: seen ? seen.payment : null };
      }),
    );
  const saga = await poll(
    ticketBookings,
    (bookings) => bookings.length > 0 && bookings.every((booking) => booking.status === 'CANCELED' && booking.payment?.status === 'CANCELED'),
    waitMs,
  );
  for (const booking of saga.value) info(`booking ${booking.id} of ${booking.customerId}: ${booking.status}, payment ${booking.payment?.status ?? '-'}`);
  if (saga.ok) ok(`all ${saga.value.length} booking(s) and payment(s) canceled${after(saga.waitedMs)}`);
  else fail(`the saga did not cancel every booking and payment of the deleted ticket within ${waitMs} ms`);

  const showView = async (label: string, read: () => Promise<MyBookingView[]>, expected: ExpectedRow[], withCustomer: boolean) => {
    const view = await poll(read, (rows) => viewMatches(rows, expected), waitMs);
    print(`   ${label}${after(view.waitedMs)}`);
    for (const line of bookingRows(view.value, withCustomer)) info(line);
    if (!view.ok) fail(`${label} does not show the final state of its ${expected.length} booking(s) after ${waitMs} ms`);
  };
  step(7, 'Each customer\'s page  (myPage: a view built from events only)', `${alice.id}, then ${bob.id} (customers): each reads their own`);
  const myPage = (customer: Person) => async () => (await customer.client.data<{ myPage: MyBookingView[] }>('myPage', OPERATIONS.myPage)).myPage;
  await showView(`myPage of ${alice.id}`, myPage(alice), [{ bookingId: aliceSwan.id, bookingStatus: 'CANCELED', paymentStatus: 'CANCELED' }], false);
  await showView(
    `myPage of ${bob.id}`,
    myPage(bob),
    [
      { bookingId: bobSwan.id, bookingStatus: 'BOOKED', paymentStatus: 'APPROVED' },
      { bookingId: bobVip.id, bookingStatus: 'CANCELED', paymentStatus: 'CANCELED' },
    ],
    false,
  );

  step(8, 'The organizer\'s page  (organizerPage)', who(organizer));
  await showView(
    `organizerPage of ${organizer.id}`,
    async () => (await organizer.client.data<{ organizerPage: MyBookingView[] }>('organizerPage', OPERATIONS.organizerPage)).organizerPage,
    [
      { bookingId: aliceSwan.id, bookingStatus: 'CANCELED', paymentStatus: 'CANCELED' },
      { bookingId: bobSwan.id, bookingStatus: 'BOOKED', paymentStatus: 'APPROVED' },
      { bookingId: bobVip.id, bookingStatus: 'CANCELED', paymentStatus: 'CANCELED' },
    ],
    true,
  );

  step(9, 'Everyone\'s notifications  (notifications)', `${organizer.id}, ${alice.id}, ${bob.id}: each reads their own`);
  for (const [person, lastKind] of [
    [organizer, 'TicketDeleted'],
    [alice, 'PaymentCanceled'],
    [bob, 'PaymentCanceled'],
  ] as const) {
    const list = await poll(
      async () => (await person.client.data<{ notifications: NotificationView[] }>('notifications', OPERATIONS.notifications)).notifications,
      (rows) => rows.some((row) => row.kind === lastKind),
      waitMs,
    );
    print(`   ${person.id} (${list.value.length})${after(list.waitedMs)}`);
    for (const line of notificationRows(list.value)) info(line);
    if (!list.ok) fail(`${person.id} has no ${lastKind} notification after ${waitMs} ms`);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  print(failures.length === 0 ? `\nThe whole story worked, in ${seconds} s.` : `\n${failures.length} expectation(s) not met, in ${seconds} s:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
  return { run, failures };
}

/**
 * `npm run demo`: runs the story against `ROUTER_URL` (default http://localhost:4000/graphql),
 * signing its tokens with `JWT_SECRET` (the router's; unset: the development key, as the router's
 * default); exit status 1 on any failure.
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    const result = await runDemo({ routerUrl: env.ROUTER_URL || DEFAULT_ROUTER_URL, jwtSecret: env.JWT_SECRET || undefined, print: (line) => process.stdout.write(`${line}\n`) });
    return result.failures.length === 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof DemoError)) throw error;
    process.stderr.write(`demo: ${error.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then(
    (status) => process.exit(status),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
