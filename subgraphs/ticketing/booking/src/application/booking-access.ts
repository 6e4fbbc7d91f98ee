import { actingFor, Caller, mayActFor, requireOwner, requireUser } from '@supergraph/kernel';
import { DomainError } from '@supergraph/kernel/domain';
import type { Booking } from '../domain/booking';

/**
 * Who may book, cancel and see bookings (issue "Edge security"; CONTRACT.md "Identity"): a
 * customer books, cancels and sees their own bookings; the organizer of a ticket sees every
 * booking of it; admin may do anything for anyone. Every rule needs an end user
 * (`UNAUTHENTICATED` for an anonymous client or a service call); only `Ticket.seatsLeft` is public.
 */

/** The filters of `bookings(customerId, ticketId)` once the caller's rights are applied. */
export interface BookingsFilter {
  customerId?: string;
  ticketId?: string;
}

/**
 * The customer a new booking is for (`bookTicket`): `input.customerId` when given, else the
 * caller's own subject. The caller must be a customer or admin, and only admin may book for
 * someone else. Throws `UNAUTHENTICATED` or `FORBIDDEN` (an organizer; someone else's
 * `input.customerId`, naming that field).
 */
export function customerOfNewBooking(caller: Caller, requested: string | null | undefined): string {
  return actingFor(caller, requested, 'input.customerId', ['customer']);
}

/** The caller may cancel `booking`: its customer or admin. Throws `UNAUTHENTICATED` or `FORBIDDEN`. */
export function requireCanceller(caller: Caller, booking: Pick<Booking, 'id' | 'customerId'>): void {
  requireOwner(caller, booking.customerId, `booking ${booking.id}`);
}

/**
 * True when the caller sees every booking of a ticket organized by `organizerId` (null: booking
 * does not know the ticket): that organizer or admin.
 */
export function seesAllBookingsOf(caller: Caller, organizerId: string | null): boolean {
  return mayActFor(caller, organizerId ?? '');
}

/**
 * The caller may read `booking` (`booking(id)`, `Booking` references), whose ticket is organized
 * by `organizerId` (null: unknown): its customer, that organizer or admin. Throws
 * `UNAUTHENTICATED` or `FORBIDDEN`.
 */
export function requireBookingReader(caller: Caller, booking: Pick<Booking, 'id' | 'customerId'>, organizerId: string | null): void {
  requireUser(caller);
  if (!mayActFor(caller, booking.customerId) && !seesAllBookingsOf(caller, organizerId)) {
    throw new DomainError('FORBIDDEN', `booking ${booking.id} is neither yours nor of a ticket you organize`);
  }
}

/**
 * What `bookings(customerId, ticketId)` may list for the caller, given the organizer of
 * `ticketId`'s ticket (`organizerId`; null when no `ticketId` or an unknown ticket):
 * - with `ticketId`, its organizer and admin get the bookings asked for (all of the ticket, or
 *   those of `customerId` among them);
 * - otherwise the list is one customer's: `customerId` when given, else the caller's own
 *   subject, so a customer passing only `ticketId` gets their own bookings of it.
 * Throws `UNAUTHENTICATED`, or `FORBIDDEN` (naming `customerId`) for someone else's `customerId`
 * without the right to see the ticket's bookings.
 */
export function bookingsFilter(caller: Caller, args: { customerId?: string | null; ticketId?: string | null }, organizerId: string | null): BookingsFilter {
  requireUser(caller);
  const ticket = args.ticketId != null ? { ticketId: args.ticketId } : {};
  if (args.ticketId != null && seesAllBookingsOf(caller, organizerId)) return args.customerId != null ? { ...ticket, customerId: args.customerId } : ticket;
  return { ...ticket, customerId: actingFor(caller, args.customerId, 'customerId') };
}

/**
 * The bookings of a ticket organized by `organizerId` the caller may see (`Ticket.bookings`):
 * all of them for that organizer and admin, else only the caller's own. Throws `UNAUTHENTICATED`.
 */
export function visibleBookings(caller: Caller, organizerId: string, bookings: readonly Booking[]): Booking[] {
  requireUser(caller);
  return seesAllBookingsOf(caller, organizerId) ? [...bookings] : bookings.filter((booking) => mayActFor(caller, booking.customerId));
}
