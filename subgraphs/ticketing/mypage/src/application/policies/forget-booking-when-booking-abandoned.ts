import type { BookingAbandoned } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import type { EntityManager } from '@mikro-orm/core';
import { updateMyBooking } from './update-my-booking';

/**
 * SPEC.md 1.4, 1.8: a booking that booking abandoned never exists, so its row, hidden as long as
 * no booking event was applied, forgets the customer and amount its payment's events brought.
 * The row stays as a tombstone (started here when no payment event came first): payment events
 * still to come for that booking (payment cancels an abandoned booking's approval) find it and
 * leave those facts out instead of starting a new row with them.
 */
export async function forgetBookingWhenBookingAbandoned(event: EventEnvelope<BookingAbandoned>, tx: EntityManager): Promise<void> {
  const occurredAt = new Date(event.occurredAt);
  await updateMyBooking(tx, event.payload.bookingId, occurredAt, (row) => row.recordAbandoned(occurredAt));
}
