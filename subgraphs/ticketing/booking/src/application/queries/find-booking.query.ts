import type DataLoader from 'dataloader';
import { Caller, requireUser } from '@supergraph/kernel';
import type { Booking } from '../../domain/booking';
import type { TicketInventory } from '../../domain/ticket-inventory';
import { requireBookingReader } from '../booking-access';

/** The per-request loaders `findBooking` reads through (batched, so `_entities` never does N+1). */
export interface BookingReads {
  /** Bookings by id. */
  bookings: Pick<DataLoader<string, Booking | null>, 'load'>;
  /** Ticket replicas by ticket id: who organizes a booking's ticket. */
  inventories: Pick<DataLoader<string, TicketInventory | null>, 'load'>;
}

/**
 * `booking(id)` and `Booking` references (the router's plans, mypage's `MyBooking.booking`): the
 * booking, or null when there is none; only for its customer, the organizer of its ticket or
 * admin (`requireBookingReader`). Throws `UNAUTHENTICATED` (before looking anything up) or
 * `FORBIDDEN`.
 */
export async function findBooking(caller: Caller, reads: BookingReads, id: string): Promise<Booking | null> {
  requireUser(caller);
  const booking = await reads.bookings.load(id);
  if (!booking) return null;
  const ticket = await reads.inventories.load(booking.ticketId);
  requireBookingReader(caller, booking, ticket?.organizerId ?? null);
  return booking;
}
