import type { PaymentApproved } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import type { EntityManager } from '@mikro-orm/core';
import { updateMyBooking } from './update-my-booking';

/** SPEC.md 1.8: the booking's payment shows APPROVED (usually recorded before the booking itself arrives). */
export async function recordPaymentWhenPaymentApproved(event: EventEnvelope<PaymentApproved>, tx: EntityManager): Promise<void> {
  const occurredAt = new Date(event.occurredAt);
  await updateMyBooking(tx, event.payload.bookingId, occurredAt, (row) => row.recordPaymentApproved(event.payload, occurredAt));
}
