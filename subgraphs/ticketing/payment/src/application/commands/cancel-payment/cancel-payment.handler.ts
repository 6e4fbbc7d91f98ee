import type { EntityManager } from '@mikro-orm/core';
import { EventMeta, UnitOfWork } from '@supergraph/kernel';
import { Payment } from '../../../domain/payment';

/**
 * Cancels the payment of `bookingId` inside the transaction `tx` (SPEC.md 1.9, 1.10); the
 * aggregate raises `PaymentCanceled` the first time. Returns null when the booking has no
 * payment (nothing to cancel). Shared by the command and the `BookingCanceled` policy.
 */
export async function cancelPaymentOfBooking(tx: EntityManager, bookingId: string, now: Date = new Date()): Promise<Payment | null> {
  const payment = await tx.findOne(Payment, { bookingId });
  payment?.cancel(now);
  return payment;
}

/**
 * `cancelPayment(bookingId)`: the booking context's compensation when a booking could not be
 * written after its payment was approved. Idempotent; null when the booking has no payment.
 */
export class CancelPaymentHandler {
  constructor(private readonly uow: UnitOfWork) {}

  execute(em: EntityManager, meta: EventMeta, bookingId: string): Promise<Payment | null> {
    return this.uow.run(em, meta, (tx) => cancelPaymentOfBooking(tx, bookingId));
  }
}
