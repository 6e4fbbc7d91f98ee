import type { EntityManager } from '@mikro-orm/core';
import type { BookingAbandoned } from '@supergraph/contracts';
import { EventEnvelope, newId } from '@supergraph/kernel';
import { Payment } from '../../domain/payment';

/**
 * Policy (SPEC.md 1.4, 1.5): on `BookingAbandoned` (booking gave up on a booking after payment
 * may have approved it) make sure the customer is not charged for a booking that does not exist:
 * - the booking's payment is `APPROVED` → cancel it, raising `PaymentCanceled` (the customer is
 *   told by notification and mypage as for any cancellation);
 * - it is already canceled (or voided) → no-op;
 * - it has none yet → record it `VOIDED`, so that a late approval is refused (`PAYMENT_DECLINED`)
 *   and writes nothing. Should that approval commit meanwhile, the insert hits the unique
 *   `bookingId`: the transaction fails and the consumer retries, finding the payment to cancel.
 * Idempotent (a second delivery finds the canceled or voided row). Runs in the consumer's
 * transaction; consumer group `payment` on `booking.events`.
 */
export async function voidPaymentWhenBookingAbandoned(event: EventEnvelope<BookingAbandoned>, tx: EntityManager): Promise<void> {
  const now = new Date();
  const payment = await tx.findOne(Payment, { bookingId: event.payload.bookingId });
  if (payment) payment.cancel(now);
  else tx.persist(Payment.voidAbandoned(newId(), event.payload, now));
}
