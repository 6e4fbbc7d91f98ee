import type { TicketBooked } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import type { EntityManager } from '@mikro-orm/core';
import { stampOf, updateMyBooking } from './update-my-booking';

/** SPEC.md 1.8: a booking appears on its customer's and organizer's pages as BOOKED. */
export async function recordBookingWhenTicketBooked(event: EventEnvelope<TicketBooked>, tx: EntityManager): Promise<void> {
  const stamp = stampOf(event);
  await updateMyBooking(tx, event.payload.bookingId, stamp.occurredAt, (row) => row.recordBooked(event.payload, stamp));
}
