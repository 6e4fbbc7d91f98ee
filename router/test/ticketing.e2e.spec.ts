import { join } from 'node:path';
import type { StackHandle } from '@supergraph/stack';
import Redis from 'ioredis';
import { SignJWT } from 'jose';
import { DEV_JWT_SECRET, eventStream, signUserToken } from '@supergraph/kernel';
import { bearer, errorCode, gql, gqlData, GraphQLResult, PolyglotStack, readEnvelopes, REDIS_URL, startPolyglotStack, subscriptionClient, tableNames, waitFor } from '@supergraph/testing';

jest.setTimeout(120_000);

/**
 * The flagship story (SPEC.md "1. Ticketing", rules 1-13 but live pushes) end to end: every
 * subgraph and the router as real processes on the polyglot profile (ticket + payment on
 * PostgreSQL, booking on MariaDB, notification + mypage on SQLite) and real Redis Streams,
 * driven only through the router like a client, each step with the bearer token of the person
 * taking it (the organizer registers and deletes, each customer books, cancels and reads their
 * own pages and notifications).
 */
describe('ticketing through the router (STORES=polyglot, real processes)', () => {
  let live: PolyglotStack;
  let stack: StackHandle;
  let url: string;
  const organizer = 'org-e2e';

  beforeAll(async () => {
    live = await startPolyglotStack('ticketing');
    ({ stack, url } = live);
  });

  afterAll(() => live?.stop());

  const REGISTER = 'mutation($input: RegisterTicketInput!) { registerTicket(input: $input) { id title status } }';
  const BOOK = 'mutation($input: BookTicketInput!) { bookTicket(input: $input) { id amount quantity status customerId ticket { id title seatsLeft } payment { status amount } } }';
  const CANCEL = 'mutation($id: ID!) { cancelBooking(id: $id) { id status canceledAt } }';
  const SEATS = 'query($id: ID!) { ticket(id: $id) { seatsLeft } }';
  const TICKET_BOOKINGS = 'query($id: ID!) { ticket(id: $id) { bookings { id status payment { status } } } }';
  /** The organizer's token, and an admin's for reading payments of other people's bookings. */
  const asOrganizer = () => bearer(organizer, 'organizer');
  const asAdmin = () => bearer('admin-e2e', 'admin');

  async function registerTicket(title: string, price: number, seats: number): Promise<string> {
    const ticket = (await gqlData(url, REGISTER, { input: { title, venue: 'Seoul Arts Center', price, seats } }, await asOrganizer())).registerTicket;
    // Booking learns of the ticket from TicketRegistered; CONTRACT.md allows under 1 s.
    await waitFor(`ticket ${title} to be bookable`, async () => (await gqlData(url, SEATS, { id: ticket.id })).ticket.seatsLeft === seats, 1000);
    return ticket.id;
  }

  const book = async (ticketId: string, customerId: string, quantity = 1) => gql(url, BOOK, { input: { ticketId, quantity } }, await bearer(customerId));
  const seatsLeft = async (ticketId: string): Promise<number> => (await gqlData(url, SEATS, { id: ticketId })).ticket.seatsLeft;
  const notifications = async (recipientId: string, role: 'customer' | 'organizer' = 'customer') =>
    (await gqlData(url, '{ notifications(first: 200) { id kind message correlationId } }', {}, await bearer(recipientId, role))).notifications as { id: string; kind: string; correlationId: string }[];

  function booked(result: GraphQLResult) {
    if (result.errors?.length) throw new Error(`bookTicket failed: ${JSON.stringify(result.errors)}`);
    return result.data!.bookTicket;
  }

  it('serves Apollo Sandbox to browsers and is ready only with every subgraph', async () => {
    const page = await fetch(url.replace(/graphql$/, ''), { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/sandbox/i);
    expect((await fetch(stack.healthUrl('router'))).status).toBe(200);
  });

  it('answers queries over GET too (with Apollo’s CSRF preflight header), and refuses mutations over GET', async () => {
    const get = (query: string) => fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: { 'apollo-require-preflight': 'true' } });
    const query = await get('{ tickets(first: 1) { totalCount } }');
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ data: { tickets: { totalCount: expect.any(Number) } } });
    const mutation = await get('mutation { deleteTicket(id: "x") { id } }');
    expect(mutation.status).toBe(405);
  });

  it('rejects invalid input with BAD_USER_INPUT naming the field, writing nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ title: 'T', venue: 'V', price: 0, seats: 1, organizerId: organizer }, 'input.price'],
      [{ title: 'T', venue: 'V', price: 1, seats: 100_001, organizerId: organizer }, 'input.seats'],
      [{ title: ' ', venue: 'V', price: 1, seats: 1, organizerId: organizer }, 'input.title'],
      [{ title: 'T', venue: 'x'.repeat(201), price: 1, seats: 1, organizerId: organizer }, 'input.venue'],
    ];
    for (const [input, field] of cases) {
      const result = await gql(url, REGISTER, { input }, await asOrganizer());
      expect([errorCode(result), result.errors?.[0].message]).toEqual(['BAD_USER_INPUT', expect.stringContaining(field)]);
    }
    expect((await gqlData(url, '{ tickets(organizerId: "org-e2e") { totalCount } }')).tickets.totalCount).toBe(0);

    const ticketId = await registerTicket('Validation', 1000, 5);
    const tooMany = await book(ticketId, 'cust-v', 11);
    expect([errorCode(tooMany), tooMany.errors?.[0].message]).toEqual(['BAD_USER_INPUT', expect.stringContaining('input.quantity')]);
    expect(await seatsLeft(ticketId)).toBe(5);
  });

  it('passes a subgraph’s rejection of a malformed variable (HTTP 400 from it) on as BAD_USER_INPUT naming the field, without internals', async () => {
    const input = { title: 'T', venue: 'V', price: 1000, seats: 10, organizerId: organizer, saleStartsAt: 'tomorrow' };
    const result = await gql(url, REGISTER, { input }, await asOrganizer());
    expect(result.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('input.saleStartsAt'), extensions: { code: 'BAD_USER_INPUT' } })]);
    expect(JSON.stringify(result)).not.toMatch(/serviceName|stacktrace|"response"|127\.0\.0\.1/);
    expect((await gqlData(url, '{ tickets(organizerId: "org-e2e") { edges { node { title } } } }')).tickets.edges).not.toContainEqual({ node: { title: 'T' } });
  });

  it('books with a synchronous payment; the booking carries fields of ticket and payment', async () => {
    const ticketId = await registerTicket('Swan Lake', 50_000, 10);
    const booking = booked(await book(ticketId, 'alice', 2));
    expect(booking).toMatchObject({ amount: 100_000, quantity: 2, status: 'BOOKED', customerId: 'alice', ticket: { id: ticketId, title: 'Swan Lake', seatsLeft: 8 }, payment: { status: 'APPROVED', amount: 100_000 } });

    const page = await waitFor('alice’s my-page row with its payment', async () => {
      const rows = (await gqlData(url, '{ myPage { bookingId ticketTitle amount bookingStatus paymentStatus booking { ticket { venue } } } }', {}, await bearer('alice'))).myPage;
      return rows.find((r: any) => r.bookingId === booking.id && r.paymentStatus === 'APPROVED');
    });
    expect(page).toEqual({ bookingId: booking.id, ticketTitle: 'Swan Lake', amount: 100_000, bookingStatus: 'BOOKED', paymentStatus: 'APPROVED', booking: { ticket: { venue: 'Seoul Arts Center' } } });

    const organizerRows = (await gqlData(url, '{ organizerPage { bookingId } }', {}, await asOrganizer())).organizerPage;
    expect(organizerRows.map((r: any) => r.bookingId)).toContain(booking.id);

    const alice = await waitFor('alice’s booking and payment notifications', async () => {
      const list = await notifications('alice');
      return list.filter((n) => n.correlationId === booking.id).length >= 2 ? list : undefined;
    });
    expect(alice.filter((n) => n.correlationId === booking.id).map((n) => n.kind).sort()).toEqual(['PaymentApproved', 'TicketBooked']);
    await waitFor('the organizer’s notice of the booking', async () => (await notifications(organizer, 'organizer')).some((n) => n.kind === 'TicketBooked' && n.correlationId === booking.id));
    expect((await notifications(organizer, 'organizer')).some((n) => n.kind === 'TicketRegistered' && n.correlationId === ticketId)).toBe(true);
  });

  it('leaves no booking and the seats unchanged when payment declines', async () => {
    const ticketId = await registerTicket('Gala', 6_000_000, 10);
    const declined = await book(ticketId, 'bob', 2); // 12,000,000 KRW > PAYMENT_LIMIT_KRW
    expect(errorCode(declined)).toBe('PAYMENT_DECLINED');
    expect(await seatsLeft(ticketId)).toBe(10);
    expect((await gqlData(url, 'query($t: ID!) { bookings(ticketId: $t) { id } }', { t: ticketId }, await asOrganizer())).bookings).toEqual([]);
  });

  it('enforces seats: SOLD_OUT beyond them, and a cancellation frees the seat and cancels the payment', async () => {
    const ticketId = await registerTicket('Small Hall', 10_000, 2);
    const first = booked(await book(ticketId, 'carol', 2));
    expect(errorCode(await book(ticketId, 'dave', 1))).toBe('SOLD_OUT');

    expect((await gqlData(url, CANCEL, { id: first.id }, await bearer('carol'))).cancelBooking).toMatchObject({ id: first.id, status: 'CANCELED' });
    expect(await seatsLeft(ticketId)).toBe(2);
    expect(errorCode(await gql(url, CANCEL, { id: first.id }, await bearer('carol')))).toBe('CONFLICT');
    await waitFor('the payment to be canceled', async () => (await gqlData(url, 'query($id: ID!) { booking(id: $id) { payment { status canceledAt } } }', { id: first.id }, await bearer('carol'))).booking.payment.status === 'CANCELED');
    const carol = await waitFor('carol’s cancellation notices', async () => {
      const kinds = (await notifications('carol')).map((n) => n.kind);
      return kinds.includes('BookingCanceled') && kinds.includes('PaymentCanceled') ? kinds : undefined;
    });
    expect(carol.sort()).toEqual(['BookingCanceled', 'PaymentApproved', 'PaymentCanceled', 'TicketBooked']);
    const row = await waitFor('carol’s my-page row to show the cancellation', async () => {
      const rows = (await gqlData(url, '{ myPage { bookingStatus paymentStatus } }', {}, await bearer('carol'))).myPage;
      return rows[0]?.paymentStatus === 'CANCELED' ? rows[0] : undefined;
    });
    expect(row).toEqual({ bookingStatus: 'CANCELED', paymentStatus: 'CANCELED' });
  });

  it('fails fast with PAYMENT_UNAVAILABLE while payment is stopped, writing nothing, and heals by itself', async () => {
    const ticketId = await registerTicket('Outage', 10_000, 5);
    await stack.stop('payment');
    // Payment's outage is not the router's: it stays ready (and in its load balancer) and shows payment down.
    const health = await fetch(stack.healthUrl('router'));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ready', dependencies: { payment: false, booking: true, ticket: true } });
    const started = Date.now();
    const result = await book(ticketId, 'erin', 1);
    expect(errorCode(result)).toBe('PAYMENT_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await seatsLeft(ticketId)).toBe(5);
    expect((await gqlData(url, 'query($t: ID!) { bookings(ticketId: $t) { id } }', { t: ticketId }, await asOrganizer())).bookings).toEqual([]);

    await stack.start('payment');
    const healed = await waitFor('booking to work again after payment returns', async () => {
      const attempt = await book(ticketId, 'erin', 1);
      if (errorCode(attempt) === 'PAYMENT_UNAVAILABLE') return undefined;
      return booked(attempt);
    }, 15_000, 250);
    expect(healed).toMatchObject({ status: 'BOOKED', payment: { status: 'APPROVED' } });
  });

  it('keeps booking while notification is down and notifies each of five bookings exactly once after it returns', async () => {
    const ticketId = await registerTicket('Quiet Night', 10_000, 20);
    await stack.stop('notification');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(booked(await book(ticketId, 'frank', 1)).id);
    await stack.start('notification');
    const booked5 = await waitFor('five TicketBooked notices for frank', async () => {
      const list = (await notifications('frank')).filter((n) => n.kind === 'TicketBooked');
      return list.length >= 5 ? list : undefined;
    }, 10_000);
    // Let anything duplicated arrive: the payment notices are published after the booking notices.
    await waitFor('frank’s payment notices', async () => (await notifications('frank')).filter((n) => n.kind === 'PaymentApproved').length >= 5, 10_000);
    const all = await notifications('frank');
    expect(booked5.map((n) => n.correlationId).sort()).toEqual([...ids].sort());
    expect(all.filter((n) => n.kind === 'TicketBooked')).toHaveLength(5);
    expect(all.filter((n) => n.kind === 'PaymentApproved')).toHaveLength(5);
    expect(new Set(all.map((n) => n.id)).size).toBe(all.length);
  });

  it('cancels every booking and payment of a deleted ticket (saga) and tells the organizer', async () => {
    const ticketId = await registerTicket('Canceled Show', 10_000, 10);
    const ids = [booked(await book(ticketId, 'gina', 1)).id, booked(await book(ticketId, 'hank', 2)).id];
    expect((await gqlData(url, 'mutation($id: ID!) { deleteTicket(id: $id) { status } }', { id: ticketId }, await asOrganizer())).deleteTicket.status).toBe('DELETED');
    const bookings = await waitFor('every booking and payment of the ticket canceled', async () => {
      const list = (await gqlData(url, TICKET_BOOKINGS, { id: ticketId }, await asAdmin())).ticket.bookings;
      return list.every((b: any) => b.status === 'CANCELED' && b.payment?.status === 'CANCELED') ? list : undefined;
    }, 10_000);
    expect(bookings.map((b: any) => b.id).sort()).toEqual([...ids].sort());
    await waitFor('the organizer’s deletion notice', async () => (await notifications(organizer, 'organizer')).some((n) => n.kind === 'TicketDeleted' && n.correlationId === ticketId));
    await waitFor('hank’s cancellation notice', async () => (await notifications('hank')).some((n) => n.kind === 'BookingCanceled'));
    expect(errorCode(await book(ticketId, 'ivan', 1))).toBe('CONFLICT');
  });

  it('carries the client’s correlation id from the router into every event of the flow, each caused by the one before', async () => {
    const ticketId = await registerTicket('Traced', 10_000, 5);
    const bookingId = booked(await book(ticketId, 'judy', 1)).id;
    const correlationId = 'e2e-correlation-1';
    const deleted = await gql(url, 'mutation($id: ID!) { deleteTicket(id: $id) { status } }', { id: ticketId }, { 'x-correlation-id': correlationId, ...(await asOrganizer()) });
    expect(deleted.data?.deleteTicket.status).toBe('DELETED');

    const redis = new Redis(REDIS_URL);
    try {
      const stream = (context: string) => eventStream(live.namespace, context);
      // The relay publishes right after the commit, not before the mutation answers.
      const ticketDeleted = await waitFor('TicketDeleted on the ticket stream', async () =>
        (await readEnvelopes(redis, stream('ticket'), 'TicketDeleted')).find((e) => e.aggregateId === ticketId),
      );
      expect(ticketDeleted).toMatchObject({ correlationId, causationId: null, producer: 'ticket' });
      const bookingCanceled = await waitFor('BookingCanceled caused by TicketDeleted', async () =>
        (await readEnvelopes(redis, stream('booking'), 'BookingCanceled')).find((e) => e.aggregateId === bookingId),
      );
      expect(bookingCanceled).toMatchObject({ correlationId, causationId: ticketDeleted.id, producer: 'booking' });
      const paymentCanceled = await waitFor('PaymentCanceled caused by BookingCanceled', async () =>
        (await readEnvelopes(redis, stream('payment'), 'PaymentCanceled')).find((e) => e.payload.bookingId === bookingId),
      );
      expect(paymentCanceled).toMatchObject({ correlationId, causationId: bookingCanceled.id, producer: 'payment' });
    } finally {
      redis.disconnect();
    }
  });

  describe('edge security (issue "Edge security"): the router verifies tokens, the contexts authorize', () => {
    const MY_PAGE = 'query($c: ID) { myPage(customerId: $c) { bookingId customerId } }';
    const post = (headers: Record<string, string>, query = '{ tickets(first: 1) { totalCount } }') =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...headers }, body: JSON.stringify({ query }) });

    it('lets anyone search tickets, and answers everything else UNAUTHENTICATED without a token', async () => {
      const ticketId = await registerTicket('Public', 10_000, 3);
      expect((await gqlData(url, 'query($id: ID!) { ticket(id: $id) { title seatsLeft } }', { id: ticketId })).ticket).toEqual({ title: 'Public', seatsLeft: 3 });
      expect(errorCode(await gql(url, BOOK, { input: { ticketId, customerId: 'anon' } }))).toBe('UNAUTHENTICATED');
      expect(errorCode(await gql(url, MY_PAGE, { c: 'alice' }))).toBe('UNAUTHENTICATED');
      expect(errorCode(await gql(url, '{ notifications { id } }'))).toBe('UNAUTHENTICATED');
      expect(await seatsLeft(ticketId)).toBe(3);
    });

    it('refuses expired, forged, unsigned and malformed tokens with 401 UNAUTHENTICATED, even for ticket search', async () => {
      const [header, payload] = (await signUserToken({ subject: 'mallory', role: 'admin' })).split('.');
      const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
      const refused = {
        expired: `Bearer ${await signUserToken({ subject: 'alice', role: 'customer', expiresInS: -60 })}`,
        forged: `Bearer ${await signUserToken({ subject: 'mallory', role: 'admin', secret: 'not-the-routers-secret-but-long-enough-for-hs256' })}`,
        unsigned: `Bearer ${unsigned}`,
        truncated: `Bearer ${header}.${payload}`,
        wrongScheme: 'Basic YWxpY2U6cGFzcw==',
        badRole: `Bearer ${await new SignJWT({ role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setExpirationTime('1h').sign(new TextEncoder().encode(DEV_JWT_SECRET))}`,
      };
      for (const [kind, authorization] of Object.entries(refused)) {
        const response = await post({ authorization });
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        expect([kind, response.status, body.errors?.[0]?.extensions?.code]).toEqual([kind, 401, 'UNAUTHENTICATED']);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(JSON.stringify(body)).not.toMatch(/stacktrace|eyJ/);
      }
    });

    it('defaults identity arguments to the token subject and refuses another subject’s id without admin (FORBIDDEN, nothing written)', async () => {
      const ticketId = await registerTicket('Mine Only', 10_000, 5);
      const own = booked(await gql(url, BOOK, { input: { ticketId } }, await bearer('kim')));
      expect(own.customerId).toBe('kim');

      const forAnother = await gql(url, BOOK, { input: { ticketId, customerId: 'lee' } }, await bearer('kim'));
      expect(errorCode(forAnother)).toBe('FORBIDDEN');
      expect(await seatsLeft(ticketId)).toBe(4);
      expect(errorCode(await gql(url, CANCEL, { id: own.id }, await bearer('lee')))).toBe('FORBIDDEN');
      expect(errorCode(await gql(url, MY_PAGE, { c: 'kim' }, await bearer('lee')))).toBe('FORBIDDEN');
      const kimsPage = await waitFor('kim’s my-page row', async () => {
        const rows = (await gqlData(url, MY_PAGE, {}, await bearer('kim'))).myPage;
        return rows.length > 0 ? rows : undefined;
      });
      expect(kimsPage).toEqual([{ bookingId: own.id, customerId: 'kim' }]);
      expect((await gqlData(url, MY_PAGE, { c: 'kim' }, await asAdmin())).myPage).toEqual(kimsPage);

      expect(errorCode(await gql(url, REGISTER, { input: { title: 'Sneaky', venue: 'V', price: 1, seats: 1 } }, await bearer('kim')))).toBe('FORBIDDEN');
      expect(errorCode(await gql(url, 'mutation($id: ID!) { deleteTicket(id: $id) { status } }', { id: ticketId }, await bearer('other-org', 'organizer')))).toBe('FORBIDDEN');
      expect((await gqlData(url, 'query($id: ID!) { ticket(id: $id) { status } }', { id: ticketId })).ticket.status).toBe('ON_SALE');
      expect((await gqlData(url, CANCEL, { id: own.id }, await asAdmin())).cancelBooking.status).toBe('CANCELED');
    });

    it('answers nothing on a subgraph port called directly, whatever token the caller holds', async () => {
      for (const service of ['ticket', 'booking', 'payment', 'mypage', 'notification']) {
        const response = await fetch(stack.url(service), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await asAdmin()) },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        expect([service, response.status, body.errors?.[0]?.extensions?.code]).toEqual([service, 401, 'UNAUTHENTICATED']);
      }
    });

    it('takes the token in connection_init: another customer’s stream is FORBIDDEN, a bad token closes 4401, and so does expiry', async () => {
      const forged = subscriptionClient(url, { authorization: `Bearer ${await signUserToken({ subject: 'kim', role: 'customer', secret: 'x'.repeat(40) })}` });
      const refused = forged.subscribe('subscription { myPageUpdated { bookingId } }');
      await refused.untilEnded();
      expect(refused.error).toMatchObject({ code: 4401 });
      await forged.close();

      const lee = subscriptionClient(url, await bearer('lee'));
      try {
        const others = lee.subscribe('subscription { myPageUpdated(customerId: "kim") { bookingId } }');
        await others.untilEnded();
        // The subgraph refuses when the subscription starts: one result carrying the error, then the end.
        expect(others.error).toBeUndefined();
        expect(others.results).toEqual([expect.objectContaining({ errors: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'FORBIDDEN' }) })] })]);
      } finally {
        await lee.close();
      }

      const shortLived = subscriptionClient(url, await bearer('kim', 'customer', 3));
      const expiring = shortLived.subscribe('subscription { myPageUpdated { bookingId } }');
      await shortLived.connected();
      await expiring.untilEnded(15_000);
      expect(expiring.error).toMatchObject({ code: 4401, reason: 'token expired' });
      await shortLived.close();
    });
  });

  it('left the contexts’ tables in PostgreSQL, MariaDB and SQLite', async () => {
    expect(await tableNames('postgresql', live.stores.ticket.url)).toEqual(expect.arrayContaining(['ticket', 'outbox_message']));
    expect(await tableNames('postgresql', live.stores.payment.url)).toEqual(expect.arrayContaining(['payment', 'processed_event']));
    expect(await tableNames('mysql', live.stores.booking.url)).toEqual(expect.arrayContaining(['booking', 'processed_event']));
    expect(await tableNames('sqlite', join(live.dataDir, 'notification.sqlite'))).toEqual(expect.arrayContaining(['notification', 'processed_event']));
    expect(await tableNames('sqlite', join(live.dataDir, 'mypage.sqlite'))).toEqual(expect.arrayContaining(['processed_event']));
  });
});
