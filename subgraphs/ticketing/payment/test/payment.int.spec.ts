import type { BookingCanceled } from '@supergraph/contracts';
import { EventEnvelope, newId } from '@supergraph/kernel';
import { contextHarness, errorCode, gql, gqlData, waitFor } from '@supergraph/testing';
import { main } from '../src/main';

/** The payment subgraph on its polyglot store (PostgreSQL) and real Redis. */
describe('payment subgraph (PostgreSQL + Redis)', () => {
  const subgraph = contextHarness({ context: 'payment', kind: 'postgresql', main, env: { PAYMENT_LIMIT_KRW: '5000000' } });
  beforeAll(() => subgraph.start());
  afterAll(() => subgraph.dispose());

  const approve = (input: { bookingId: string; customerId: string; amount: number }) =>
    gql(subgraph.url, 'mutation($input: ApprovePaymentInput!) { approvePayment(input: $input) { id bookingId amount status approvedAt canceledAt } }', { input });

  const paymentOfBooking = async (bookingId: string) =>
    (await gqlData(subgraph.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Booking { id payment { id status amount canceledAt } } } }', {
      r: [{ __typename: 'Booking', id: bookingId }],
    }))._entities[0].payment;

  /** Puts an event on the booking stream exactly as the booking context's relay would (XADD type, envelope). */
  const publishBookingCanceled = (payload: BookingCanceled): Promise<EventEnvelope> =>
    subgraph.publishEvent('booking', { type: 'BookingCanceled', aggregateType: 'Booking', aggregateId: payload.bookingId, aggregateVersion: 2, payload });

  const canceled = (bookingId: string, customerId: string, amount: number): BookingCanceled => ({
    bookingId,
    ticketId: 'ticket-1',
    ticketTitle: 'Swan Lake',
    customerId,
    organizerId: 'org-1',
    quantity: 1,
    amount,
    reason: 'CUSTOMER',
    canceledAt: new Date().toISOString(),
  });

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

  it('cancels by the internal cancelPayment mutation idempotently; null for a booking without payment', async () => {
    const bookingId = newId();
    const payment = (await approve({ bookingId, customerId: 'cust-4', amount: 2_000 })).data!.approvePayment;
    const cancel = 'mutation($b: ID!) { cancelPayment(bookingId: $b) { id status canceledAt } }';
    const first = (await gqlData(subgraph.url, cancel, { b: bookingId })).cancelPayment;
    expect(first).toMatchObject({ id: payment.id, status: 'CANCELED' });
    expect((await gqlData(subgraph.url, cancel, { b: bookingId })).cancelPayment).toEqual(first);
    expect((await gqlData(subgraph.url, cancel, { b: newId() })).cancelPayment).toBeNull();
  });

  it('resolves Payment and Booking { payment } references for the router in one batch', async () => {
    const bookingId = newId();
    const payment = (await approve({ bookingId, customerId: 'cust-5', amount: 7_000 })).data!.approvePayment;
    const data = await gqlData(subgraph.url, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id amount status } ... on Booking { id payment { id bookingId } } } }', {
      r: [
        { __typename: 'Payment', id: payment.id },
        { __typename: 'Payment', id: 'missing' },
        { __typename: 'Booking', id: bookingId },
        { __typename: 'Booking', id: 'no-payment' },
      ],
    });
    expect(data._entities).toEqual([
      { id: payment.id, amount: 7_000, status: 'APPROVED' },
      null,
      { id: bookingId, payment: { id: payment.id, bookingId } },
      { id: 'no-payment', payment: null },
    ]);
    expect((await gqlData(subgraph.url, 'query($id: ID!) { payment(id: $id) { id bookingId } }', { id: payment.id })).payment).toEqual({ id: payment.id, bookingId });
  });
});
