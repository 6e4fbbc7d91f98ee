import type { EntityManager } from '@mikro-orm/core';
import type { BookingAbandoned } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import { domainErrorOf } from '@supergraph/testing';
import { Payment } from '../../domain/payment';
import { voidPaymentWhenBookingAbandoned } from './void-payment-when-booking-abandoned';

const abandoned: BookingAbandoned = {
  bookingId: 'b1',
  ticketId: 't1',
  ticketTitle: 'Swan Lake',
  customerId: 'c1',
  organizerId: 'org-1',
  quantity: 1,
  amount: 50_000,
  reason: 'PAYMENT_UNAVAILABLE',
  abandonedAt: '2026-11-22T00:00:00.000Z',
};
const event: EventEnvelope<BookingAbandoned> = {
  id: 'e1',
  type: 'BookingAbandoned',
  version: 1,
  aggregateType: 'AbandonedBooking',
  aggregateId: 'b1',
  aggregateVersion: 1,
  occurredAt: '2026-11-22T00:00:00.000Z',
  producer: 'booking',
  correlationId: 'flow-1',
  causationId: null,
  payload: abandoned,
};

/** The consumer's transaction as the policy uses it: the booking's payment row, if any, and what it persists. */
function transaction(row: Payment | null): { tx: EntityManager; persisted: unknown[] } {
  const persisted: unknown[] = [];
  const tx = { findOne: async () => row, persist: (entity: unknown) => persisted.push(entity) } as unknown as EntityManager;
  return { tx, persisted };
}

describe('voidPaymentWhenBookingAbandoned', () => {
  it('cancels an approved payment (PaymentCanceled); delivered again, changes nothing more', async () => {
    const payment = Payment.approve('p1', { bookingId: 'b1', customerId: 'c1', amount: 50_000 });
    payment.pullEvents();
    const { tx, persisted } = transaction(payment);
    await voidPaymentWhenBookingAbandoned(event, tx);
    expect(payment.status).toBe('CANCELED');
    expect(payment.pullEvents().map((e) => e.type)).toEqual(['PaymentCanceled']);
    const canceledAt = payment.canceledAt;
    await voidPaymentWhenBookingAbandoned(event, tx);
    expect(payment).toMatchObject({ status: 'CANCELED', canceledAt, version: 2 });
    expect(payment.pullEvents()).toEqual([]);
    expect(persisted).toEqual([]);
  });

  it('voids a booking without payment, so that a later approval is refused with PAYMENT_DECLINED', async () => {
    const { tx, persisted } = transaction(null);
    await voidPaymentWhenBookingAbandoned(event, tx);
    expect(persisted).toHaveLength(1);
    const voided = persisted[0] as Payment;
    expect(voided).toMatchObject({ bookingId: 'b1', customerId: 'c1', amount: 50_000, status: 'VOIDED', approvedAt: null });
    expect(voided.pullEvents()).toEqual([]);
    expect(domainErrorOf(() => voided.assertSameRequest({ bookingId: 'b1', customerId: 'c1', amount: 50_000 }))).toEqual(['PAYMENT_DECLINED', undefined]);

    const again = transaction(voided);
    await voidPaymentWhenBookingAbandoned(event, again.tx);
    expect(again.persisted).toEqual([]);
    expect(voided).toMatchObject({ status: 'VOIDED', version: 0 });
  });
});
