import type { EntityManager } from '@mikro-orm/core';
import type { BookingCanceled } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import { Payment } from '../../domain/payment';

/**
 * Policy (SPEC.md 1.9, 1.10): on `BookingCanceled` (customer cancellation or the
 * ticket-deletion saga) cancel that booking's payment, raising `PaymentCanceled`. A booking
 * without payment, or whose payment is already canceled, is a no-op. Runs in the consumer's
 * transaction (inbox dedup + effects + outbox together); consumer group `payment`.
 */
export async function cancelPaymentWhenBookingCanceled(event: EventEnvelope<BookingCanceled>, tx: EntityManager): Promise<void> {
  const payment = await tx.findOne(Payment, { bookingId: event.payload.bookingId });
  payment?.cancel(new Date());
}
