import type { BookingCanceled } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import type { EntityManager } from '@mikro-orm/core';
import { stampOf, updateMyBooking } from './update-my-booking';

/** SPEC.md 1.8, 1.9, 1.10: a canceled booking shows CANCELED, for good. */
export async function recordCancellationWhenBookingCanceled(event: EventEnvelope<BookingCanceled>, tx: EntityManager): Promise<void> {
  const stamp = stampOf(event);
  await updateMyBooking(tx, event.payload.bookingId, stamp.occurredAt, (row) => row.recordCanceled(event.payload, stamp));
}
