import type { BookingAbandoned, BookingCanceled, BookingFacts } from '@supergraph/contracts';
import type { MikroORM } from '@mikro-orm/core';
import { CALLER_HEADER, EventEnvelope, Identity, InternalCredentials, newId, openStore, UnitOfWork } from '@supergraph/kernel';
import { admin, asRouter, asService, contextHarness, customer, errorCode, gql, gqlData, GraphQLResult, organizer, waitFor } from '@supergraph/testing';
import { Payment } from '../src/domain/payment';
import { paymentEntities } from '../src/infrastructure/payment.schema';
import { main } from '../src/main';

/** The payment subgraph on its polyglot store (PostgreSQL) and real Redis. */
describe('payment subgraph (PostgreSQL + Redis)', () => {
  const subgraph = contextHarness({ context: 'payment', kind: 'postgresql', main, env: { PAYMENT_LIMIT_KRW: '5000000' } });
  beforeAll(() => subgraph.start());
  afterAll(() => subgraph.dispose());

  const APPROVE = 'mutation($input: ApprovePaymentInput!) { approvePayment(input: $input) { id bookingId amount status approvedAt canceledAt } }';
  /** `approvePayment` as the booking context calls it (its service credential), or with the credential `headers`. */
  const approve = async (input: { bookingId: string; customerId: string; amount: number }, headers?: Record<string, string>) =>
    gql(subgraph.url, APPROVE, { input }, headers ?? (await asService('booking')));

  const BOOKING_PAYMENT = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Booking { id payment { id status amount canceledAt } } } }';
  /** `Booking.payment` as the router resolves it for `as` (default: admin, who sees every payment). */
  const bookingPayment = async (bookingId: string, as: Identity | null = admin()) => gql(subgraph.url, BOOKING_PAYMENT, { r: [{ __typename: 'Booking', id: bookingId }] }, await asRouter(as));
  const paymentOfBooking = async (bookingId: string) => {
    const result = await bookingPayment(bookingId);
    if (result.errors) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
    return result.data._entities[0].payment;
  };

  /** Puts an event on the booking stream exactly as the booking context's relay would (XADD type, envelope). */
  const publishBookingCanceled = (payload: BookingCanceled): Promise<EventEnvelope> =>
    subgraph.publishEvent('booking', { type: 'BookingCanceled', aggregateType: 'Booking', aggregateId: payload.bookingId, aggregateVersion: 2, payload });

  /** Puts `BookingAbandoned` on the booking stream as booking's relay would. */
  const publishBookingAbandoned = (payload: BookingAbandoned): Promise<EventEnvelope> =>
    subgraph.publishEvent('booking', { type: 'BookingAbandoned', aggregateType: 'AbandonedBooking', aggregateId: payload.bookingId, aggregateVersion: 1, payload });

  /** What every booking event states, for one seat of a test ticket. */
  const facts = (bookingId: string, customerId: string, amount: number): BookingFacts => ({
    bookingId,
    ticketId: 'ticket-1',
    ticketTitle: 'Swan Lake',
    customerId,
    organizerId: 'org-1',
    quantity: 1,
    amount,
  });
  const canceled = (bookingId: string, customerId: string, amount: number): BookingCanceled => ({ ...facts(bookingId, customerId, amount), reason: 'CUSTOMER', canceledAt: new Date().toISOString() });
  const abandoned = (bookingId: string, customerId: string, amount: number): BookingAbandoned => ({
    ...facts(bookingId, customerId, amount),
    reason: 'PAYMENT_UNAVAILABLE',
    abandonedAt: new Date().toISOString(),
  });

  /** Waits until payment has applied every booking event published so far (the consumer applies them in stream order). */
  const bookingEventsApplied = async () => {
    const marker = newId();
    await approve({ bookingId: marker, customerId: 'marker', amount: 1 });
    await publishBookingCanceled(canceled(marker, 'marker', 1));
    await waitFor('the marker payment canceled', async () => (await paymentOfBooking(marker))?.status === 'CANCELED');
  };

  it('approves a payment and publishes PaymentApproved on payment.events after commit', async () => {
    const bookingId = newId();
    const result = await approve({ bookingId, customerId: 'cust-1', amount: 50_000 });
    const payment = result.data!.approvePayment;
    expect(payment).toMatchObject({ bookingId, amount: 50_000, status: 'APPROVED', canceledAt: null });
    const [event] = await waitFor('PaymentApproved on the stream', async () => {
      const found = (await subgraph.envelopes('payment', 'PaymentApproved')).filter((e) => e.payload.bookingId === bookingId);
      return found.length > 0 ? found : undefined;
    });
    expect(event).toMatchObject({ aggregateType: 'Payment', aggregateId: payment.id, aggregateVersion: 1, producer: 'payment', causationId: null });
    expect(event.payload).toEqual({ paymentId: payment.id, bookingId, customerId: 'cust-1', amount: 50_000, approvedAt: payment.approvedAt });
  });

  it('is idempotent by bookingId: a repeated approval returns the same payment and charges once', async () => {
    const bookingId = newId();
    const first = (await approve({ bookingId, customerId: 'cust-1', amount: 30_000 })).data!.approvePayment;
    const again = await Promise.all([1, 2, 3, 4].map(() => approve({ bookingId, customerId: 'cust-1', amount: 30_000 })));
    expect(again.map((r) => r.data?.approvePayment.id)).toEqual([first.id, first.id, first.id, first.id]);
    expect(errorCode(await approve({ bookingId, customerId: 'cust-1', amount: 31_000 }))).toBe('CONFLICT');
    await waitFor('PaymentApproved published', async () => (await subgraph.envelopes('payment', 'PaymentApproved')).some((e) => e.payload.bookingId === bookingId));
    expect((await subgraph.envelopes('payment', 'PaymentApproved')).filter((e) => e.payload.bookingId === bookingId)).toHaveLength(1);
  });

  it('lets exactly one of racing first approvals of a booking insert; all get that payment', async () => {
    const bookingId = newId();
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => approve({ bookingId, customerId: 'cust-1', amount: 20_000 })));
    const ids = new Set(results.map((r) => r.data?.approvePayment.id));
    expect(results.map(errorCode)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(ids.size).toBe(1);
  });

  it('declines an amount above PAYMENT_LIMIT_KRW with PAYMENT_DECLINED and writes nothing', async () => {
    const bookingId = newId();
    const result = await approve({ bookingId, customerId: 'cust-1', amount: 5_000_001 });
    expect(errorCode(result)).toBe('PAYMENT_DECLINED');
    expect(result.data).toBeNull();
    expect(await paymentOfBooking(bookingId)).toBeNull();
    expect(errorCode(await approve({ bookingId: newId(), customerId: 'cust-1', amount: 0 }))).toBe('BAD_USER_INPUT');
    expect((await subgraph.envelopes('payment')).filter((e) => e.payload.bookingId === bookingId)).toEqual([]);
  });

  it('cancels the payment on BookingCanceled from booking.events (once, even if delivered twice) and publishes PaymentCanceled', async () => {
    const bookingId = newId();
    const payment = (await approve({ bookingId, customerId: 'cust-2', amount: 40_000 })).data!.approvePayment;
    const cause = await publishBookingCanceled(canceled(bookingId, 'cust-2', 40_000));
    await subgraph.publish('booking', cause);
    const paid = await waitFor('payment CANCELED', async () => {
      const found = await paymentOfBooking(bookingId);
      return found?.status === 'CANCELED' ? found : undefined;
    });
    expect(paid).toMatchObject({ id: payment.id, amount: 40_000 });
    expect(paid.canceledAt).toEqual(expect.any(String));
    const [event] = await waitFor('PaymentCanceled on the stream', async () => {
      const found = (await subgraph.envelopes('payment', 'PaymentCanceled')).filter((e) => e.payload.bookingId === bookingId);
      return found.length > 0 ? found : undefined;
    });
    expect(event).toMatchObject({ aggregateId: payment.id, aggregateVersion: 2, correlationId: cause.correlationId, causationId: cause.id });
    expect(event.payload).toEqual({ paymentId: payment.id, bookingId, customerId: 'cust-2', amount: 40_000, canceledAt: paid.canceledAt });

    // A later event is applied only after both deliveries above, so by then the duplicate was dropped.
    const marker = newId();
    await approve({ bookingId: marker, customerId: 'cust-2', amount: 1_000 });
    await publishBookingCanceled(canceled(marker, 'cust-2', 1_000));
    await waitFor('the marker payment canceled', async () => (await paymentOfBooking(marker))?.status === 'CANCELED');
    expect((await subgraph.envelopes('payment', 'PaymentCanceled')).filter((e) => e.payload.bookingId === bookingId)).toHaveLength(1);
  });

  it('ignores BookingCanceled of a booking that has no payment and goes on with the stream', async () => {
    await publishBookingCanceled(canceled(newId(), 'cust-3', 1_000));
    const bookingId = newId();
    await approve({ bookingId, customerId: 'cust-3', amount: 1_000 });
    await publishBookingCanceled(canceled(bookingId, 'cust-3', 1_000));
    await waitFor('the later payment canceled', async () => (await paymentOfBooking(bookingId))?.status === 'CANCELED');
    expect(await subgraph.redis.xlen(`${subgraph.stream('booking')}.dlq`)).toBe(0);
  });

  it('cancels an approved payment on BookingAbandoned (once, even if delivered twice) and publishes PaymentCanceled', async () => {
    const bookingId = newId();
    const payment = (await approve({ bookingId, customerId: 'cust-4', amount: 2_000 })).data!.approvePayment;
    const cause = await publishBookingAbandoned(abandoned(bookingId, 'cust-4', 2_000));
    await subgraph.publish('booking', cause);
    const [event] = await waitFor('PaymentCanceled on the stream', async () => {
      const found = (await subgraph.envelopes('payment', 'PaymentCanceled')).filter((e) => e.payload.bookingId === bookingId);
      return found.length > 0 ? found : undefined;
    });
    expect(event).toMatchObject({ aggregateId: payment.id, aggregateVersion: 2, correlationId: cause.correlationId, causationId: cause.id });
    expect(event.payload).toMatchObject({ paymentId: payment.id, bookingId, customerId: 'cust-4', amount: 2_000 });
    expect(await paymentOfBooking(bookingId)).toMatchObject({ id: payment.id, status: 'CANCELED', canceledAt: event.payload.canceledAt });

    await bookingEventsApplied();
    expect((await subgraph.envelopes('payment', 'PaymentCanceled')).filter((e) => e.payload.bookingId === bookingId)).toHaveLength(1);
    expect(errorCode(await approve({ bookingId, customerId: 'cust-4', amount: 2_000 }))).toBeUndefined();
    expect((await paymentOfBooking(bookingId))?.status).toBe('CANCELED');
  });

  it('refuses a late approval of a booking abandoned before any approval: PAYMENT_DECLINED, no payment, no event', async () => {
    const bookingId = newId();
    const cause = await publishBookingAbandoned(abandoned(bookingId, 'cust-6', 3_000));
    await subgraph.publish('booking', cause);
    await bookingEventsApplied();

    const late = await approve({ bookingId, customerId: 'cust-6', amount: 3_000 });
    expect(errorCode(late)).toBe('PAYMENT_DECLINED');
    expect(late.errors![0].message).toContain(`booking ${bookingId} was abandoned`);
    expect(late.data).toBeNull();
    expect(await paymentOfBooking(bookingId)).toBeNull();
    expect(errorCode(await approve({ bookingId, customerId: 'cust-6', amount: 3_000 }))).toBe('PAYMENT_DECLINED');
    await bookingEventsApplied();
    expect((await subgraph.envelopes('payment')).filter((e) => e.payload.bookingId === bookingId)).toEqual([]);
    expect(await subgraph.redis.xlen(`${subgraph.stream('booking')}.dlq`)).toBe(0);
  });

  describe('an approval racing the BookingAbandoned of its booking (both insert the unique bookingId; the first commit decides)', () => {
    let orm: MikroORM;
    beforeAll(async () => {
      orm = await openStore({ context: 'payment_race', url: subgraph.store.url, entities: paymentEntities });
    });
    afterAll(() => orm?.close());

    /**
     * Inserts what `row` returns in a transaction on payment's store and keeps it open,
     * uncommitted, until `commit()`: another writer of the same booking id blocks on the unique
     * `bookingId` meanwhile. `inserted` resolves once the row is written.
     */
    const holdOpen = (row: () => Payment) => {
      let inserted!: () => void;
      let commit!: () => void;
      const written = new Promise<void>((resolve) => (inserted = resolve));
      const gate = new Promise<void>((resolve) => (commit = resolve));
      const uow = new UnitOfWork('payment', subgraph.stream('payment'));
      const done = uow.run(orm.em, { correlationId: newId(), causationId: null }, async (tx) => {
        await tx.persistAndFlush(row());
        inserted();
        await gate;
      });
      return { inserted: written, commit, done };
    };

    /** True once a transaction on payment's store waits for a lock (PostgreSQL). */
    const someoneBlocked = async () => {
      const [{ n }] = await orm.em.fork().getConnection().execute("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
      return n > 0;
    };

    it('cancels an approval that commits while BookingAbandoned is being applied (the void fails, is retried, finds it)', async () => {
      const bookingId = newId();
      const late = holdOpen(() => Payment.approve(newId(), { bookingId, customerId: 'cust-7', amount: 4_000 }));
      await late.inserted;
      await publishBookingAbandoned(abandoned(bookingId, 'cust-7', 4_000));
      await waitFor('the void to wait for the uncommitted approval', someoneBlocked);
      late.commit();
      await late.done;
      await waitFor('the late approval canceled', async () => (await paymentOfBooking(bookingId))?.status === 'CANCELED');
      await waitFor('PaymentCanceled published', async () => (await subgraph.envelopes('payment', 'PaymentCanceled')).some((e) => e.payload.bookingId === bookingId));
      expect(await subgraph.redis.xlen(`${subgraph.stream('booking')}.dlq`)).toBe(0);
    });

    it('declines an approval that comes while the void of its booking is being committed', async () => {
      const bookingId = newId();
      const voiding = holdOpen(() => Payment.voidAbandoned(newId(), abandoned(bookingId, 'cust-8', 5_000)));
      await voiding.inserted;
      const late = approve({ bookingId, customerId: 'cust-8', amount: 5_000 });
      await waitFor('the approval to wait for the uncommitted void', someoneBlocked);
      voiding.commit();
      await voiding.done;
      expect(errorCode(await late)).toBe('PAYMENT_DECLINED');
      expect(await paymentOfBooking(bookingId)).toBeNull();
    });
  });

  it('resolves Payment and Booking { payment } references for the router in one batch (for the payer)', async () => {
    const bookingId = newId();
    const payment = (await approve({ bookingId, customerId: 'cust-5', amount: 7_000 })).data!.approvePayment;
    const data = await gqlData(subgraph.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id amount status } ... on Booking { id payment { id bookingId } } } }', {
      r: [
        { __typename: 'Payment', id: payment.id },
        { __typename: 'Payment', id: 'missing' },
        { __typename: 'Booking', id: bookingId },
        { __typename: 'Booking', id: 'no-payment' },
      ],
    }, await asRouter(customer('cust-5')));
    expect(data._entities).toEqual([
      { id: payment.id, amount: 7_000, status: 'APPROVED' },
      null,
      { id: bookingId, payment: { id: payment.id, bookingId } },
      { id: 'no-payment', payment: null },
    ]);
    expect((await gqlData(subgraph.url, 'query($id: ID!) { payment(id: $id) { id bookingId } }', { id: payment.id }, await asRouter(customer('cust-5')))).payment).toEqual({ id: payment.id, bookingId });
  });

  it('answers only the router and the contexts: 401 UNAUTHENTICATED without a valid internal credential', async () => {
    const status = async (headers: Record<string, string>) => {
      const response = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ __typename }' }) });
      return [response.status, errorCode((await response.json()) as GraphQLResult)];
    };
    const forged = new InternalCredentials({ routerSecret: 'not-the-secret-the-subgraphs-hold-0123456789', serviceSecret: 'not-the-secret-the-contexts-hold-0123456789' });
    expect(await status({})).toEqual([401, 'UNAUTHENTICATED']);
    expect(await status({ [CALLER_HEADER]: await forged.forRouter(admin()) })).toEqual([401, 'UNAUTHENTICATED']);
    expect(await status({ [CALLER_HEADER]: await forged.forService('booking') })).toEqual([401, 'UNAUTHENTICATED']);
    const bookingId = newId();
    expect(errorCode(await gql(subgraph.url, APPROVE, { input: { bookingId, customerId: 'cust-9', amount: 1_000 } }))).toBe('UNAUTHENTICATED');
    expect(await paymentOfBooking(bookingId)).toBeNull();
  });

  it('approves only for the booking context: a client’s request (admin’s included) or another context is FORBIDDEN and writes nothing', async () => {
    const bookingId = newId();
    const input = { bookingId, customerId: 'cust-9', amount: 1_000 };
    for (const headers of [await asRouter(admin()), await asRouter(customer('cust-9')), await asRouter(null), await asService('ticket')]) {
      const refused = await approve(input, headers);
      expect([errorCode(refused), refused.data]).toEqual(['FORBIDDEN', null]);
    }
    expect(await paymentOfBooking(bookingId)).toBeNull();
    expect((await approve(input)).data?.approvePayment).toMatchObject({ bookingId, amount: 1_000, status: 'APPROVED' });
    await waitFor('PaymentApproved published', async () => (await subgraph.envelopes('payment', 'PaymentApproved')).some((e) => e.payload.bookingId === bookingId));
    expect((await subgraph.envelopes('payment', 'PaymentApproved')).filter((e) => e.payload.bookingId === bookingId)).toHaveLength(1);
  });

  it('shows a payment (payment, Payment and Booking.payment references) to its payer and admin only', async () => {
    const bookingId = newId();
    const payment = (await approve({ bookingId, customerId: 'payer', amount: 9_000 })).data!.approvePayment;
    const byId = async (as: Identity | null) => gql(subgraph.url, 'query($id: ID!) { payment(id: $id) { id amount } }', { id: payment.id }, await asRouter(as));
    const asReference = async (as: Identity | null) =>
      gql(subgraph.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id amount } } }', { r: [{ __typename: 'Payment', id: payment.id }] }, await asRouter(as));

    for (const reader of [customer('payer'), admin()]) {
      expect((await byId(reader)).data?.payment).toEqual({ id: payment.id, amount: 9_000 });
      expect((await asReference(reader)).data?._entities).toEqual([{ id: payment.id, amount: 9_000 }]);
      expect((await bookingPayment(bookingId, reader)).data?._entities).toEqual([{ id: bookingId, payment: expect.objectContaining({ id: payment.id, amount: 9_000 }) }]);
    }
    for (const [as, code] of [[customer('someone-else'), 'FORBIDDEN'], [organizer('org-1'), 'FORBIDDEN'], [null, 'UNAUTHENTICATED']] as const) {
      const results = [await byId(as), await asReference(as), await bookingPayment(bookingId, as)];
      expect(results.map(errorCode)).toEqual([code, code, code]);
      expect(results[0].data?.payment).toBeNull();
    }
    const viaService = await gql(subgraph.url, 'query($id: ID!) { payment(id: $id) { id } }', { id: payment.id }, await asService('booking'));
    expect(errorCode(viaService)).toBe('UNAUTHENTICATED');
    // No payment: null for anyone signed in, UNAUTHENTICATED still for anonymous clients.
    expect((await bookingPayment('no-payment', customer('someone-else'))).data?._entities).toEqual([{ id: 'no-payment', payment: null }]);
    expect(errorCode(await bookingPayment('no-payment', null))).toBe('UNAUTHENTICATED');
  });
});
