import { domainErrorOf } from '@supergraph/testing';
import { ApprovePayment, Payment } from './payment';

const request: ApprovePayment = { bookingId: 'b1', customerId: 'c1', amount: 50_000 };


describe('Payment', () => {
  it('approves and raises PaymentApproved with the contract payload', () => {
    const now = new Date('2026-11-21T00:00:00Z');
    const payment = Payment.approve('p1', request, 10_000_000, now);
    expect(payment).toMatchObject({ id: 'p1', bookingId: 'b1', customerId: 'c1', amount: 50_000, status: 'APPROVED', approvedAt: now, canceledAt: null, version: 1 });
    expect(payment.pullEvents()).toEqual([
      {
        type: 'PaymentApproved',
        aggregateType: 'Payment',
        aggregateId: 'p1',
        aggregateVersion: 1,
        payload: { paymentId: 'p1', bookingId: 'b1', customerId: 'c1', amount: 50_000, approvedAt: '2026-11-21T00:00:00.000Z' },
      },
    ]);
  });

  it('declines an amount above the limit with PAYMENT_DECLINED and accepts the limit itself', () => {
    expect(domainErrorOf(() => Payment.approve('p1', { ...request, amount: 10_000_001 }, 10_000_000))).toEqual(['PAYMENT_DECLINED', undefined]);
    expect(Payment.approve('p1', { ...request, amount: 10_000_000 }, 10_000_000).status).toBe('APPROVED');
    expect(domainErrorOf(() => Payment.approve('p1', { ...request, amount: 5_001 }, 5_000))).toEqual(['PAYMENT_DECLINED', undefined]);
  });

  it.each([
    [{ amount: 0 }, 'input.amount'],
    [{ amount: -1 }, 'input.amount'],
    [{ amount: 1.5 }, 'input.amount'],
    [{ bookingId: ' ' }, 'input.bookingId'],
    [{ customerId: '' }, 'input.customerId'],
  ])('rejects %p as BAD_USER_INPUT naming %s', (override, field) => {
    expect(domainErrorOf(() => Payment.approve('p1', { ...request, ...override }))).toEqual(['BAD_USER_INPUT', field]);
  });

  it('accepts a repeated request for the same booking and rejects a different one with CONFLICT', () => {
    const payment = Payment.approve('p1', request);
    expect(() => payment.assertSameRequest({ ...request })).not.toThrow();
    expect(domainErrorOf(() => payment.assertSameRequest({ ...request, amount: 60_000 }))).toEqual(['CONFLICT', undefined]);
    expect(domainErrorOf(() => payment.assertSameRequest({ ...request, customerId: 'c2' }))).toEqual(['CONFLICT', undefined]);
  });

  it('cancels once, raising PaymentCanceled; canceling again is a no-op', () => {
    const payment = Payment.approve('p1', request);
    payment.pullEvents();
    const now = new Date('2026-11-22T00:00:00Z');
    expect(payment.cancel(now)).toBe(true);
    expect(payment).toMatchObject({ status: 'CANCELED', canceledAt: now, version: 2 });
    expect(payment.pullEvents()).toEqual([
      expect.objectContaining({
        type: 'PaymentCanceled',
        aggregateVersion: 2,
        payload: { paymentId: 'p1', bookingId: 'b1', customerId: 'c1', amount: 50_000, canceledAt: '2026-11-22T00:00:00.000Z' },
      }),
    ]);
    expect(payment.cancel(new Date('2026-11-23T00:00:00Z'))).toBe(false);
    expect(payment.canceledAt).toEqual(now);
    expect(payment.pullEvents()).toEqual([]);
  });

  describe('voiding an abandoned booking (BookingAbandoned)', () => {
    const abandoned = { bookingId: 'b1', customerId: 'c1', amount: 50_000 };

    it('voids a booking that has no payment yet (no event, isVoided) so that a later approval is PAYMENT_DECLINED', () => {
      const now = new Date('2026-11-22T00:00:00Z');
      const voided = Payment.voidAbandoned('p1', abandoned, now);
      expect(voided).toMatchObject({ id: 'p1', bookingId: 'b1', customerId: 'c1', amount: 50_000, status: 'VOIDED', approvedAt: null, canceledAt: now, version: 0 });
      expect(voided.isVoided()).toBe(true);
      expect(Payment.approve('p2', request).isVoided()).toBe(false);
      expect(voided.pullEvents()).toEqual([]);
      expect(domainErrorOf(() => voided.assertSameRequest(request))).toEqual(['PAYMENT_DECLINED', undefined]);
      expect(() => voided.assertSameRequest({ ...request, amount: 1 })).toThrow('booking b1 was abandoned');
    });

    it('leaves a voided booking as it is when canceled', () => {
      const now = new Date('2026-11-22T00:00:00Z');
      const voided = Payment.voidAbandoned('p1', abandoned, now);
      expect(voided.cancel(new Date('2026-11-23T00:00:00Z'))).toBe(false);
      expect(voided).toMatchObject({ status: 'VOIDED', canceledAt: now, version: 0 });
      expect(voided.pullEvents()).toEqual([]);
    });
  });
});
