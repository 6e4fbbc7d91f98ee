import type { PaymentCanceled } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import type { EntityManager } from '@mikro-orm/core';
import { updateMyBooking } from './update-my-booking';

/** SPEC.md 1.8, 1.9: the booking's payment shows CANCELED, for good. */
export async function recordPaymentCancellationWhenPaymentCanceled(event: EventEnvelope<PaymentCanceled>, tx: EntityManager): Promise<void> {
  const occurredAt = new Date(event.occurredAt);
  await updateMyBooking(tx, event.payload.bookingId, occurredAt, (row) => row.recordPaymentCanceled(event.payload, occurredAt));
}
