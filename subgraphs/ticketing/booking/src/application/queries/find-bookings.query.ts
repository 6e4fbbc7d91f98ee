import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import type DataLoader from 'dataloader';
import { Caller, requireUser } from '@supergraph/kernel';
import { ensure } from '@supergraph/kernel/domain';
import { Booking } from '../../domain/booking';
import { TicketInventory } from '../../domain/ticket-inventory';
import { bookingsFilter, visibleBookings } from '../booking-access';

/** `bookings(...)` arguments (CONTRACT.md); both optional: without either, the caller's own bookings. */
export interface FindBookings {
  customerId?: string | null;
  ticketId?: string | null;
}

/**
 * `bookings(customerId, ticketId)`: bookings of a customer and/or of a ticket, newest first (ids
 * are uuid v7), as far as the caller may see them (`bookingsFilter`: `customerId` defaults to the
 * caller; a ticket's organizer and admin see all its bookings, anyone else only their own).
 * Throws `UNAUTHENTICATED`, `FORBIDDEN` (someone else's `customerId`) or `BAD_USER_INPUT`
 * (`customerId`, `ticketId` blank).
 */
export async function findBookings(em: EntityManager, caller: Caller, args: FindBookings): Promise<Booking[]> {
  requireUser(caller);
  const ticketId = args.ticketId != null ? ensure.id('ticketId', args.ticketId) : null;
  const organizerId = ticketId ? ((await em.findOne(TicketInventory, { id: ticketId }))?.organizerId ?? null) : null;
  const filter = bookingsFilter(caller, { customerId: args.customerId, ticketId }, organizerId);
  const where: FilterQuery<Booking>[] = [];
  if (filter.customerId !== undefined) where.push({ customerId: filter.customerId });
  if (filter.ticketId !== undefined) where.push({ ticketId: filter.ticketId });
  return em.find(Booking, { $and: where }, { orderBy: { id: 'desc' } });
}

/**
 * `Ticket.bookings` of `ticket`, newest first, from `bookingsByTicket` (batched per request): all
 * of them for the ticket's organizer and admin, only their own for anyone else (`visibleBookings`).
 * Throws `UNAUTHENTICATED` for an anonymous client.
 */
export async function bookingsOfTicket(caller: Caller, ticket: TicketInventory, bookingsByTicket: Pick<DataLoader<string, Booking[]>, 'load'>): Promise<Booking[]> {
  requireUser(caller);
  return visibleBookings(caller, ticket.organizerId, await bookingsByTicket.load(ticket.id));
}
