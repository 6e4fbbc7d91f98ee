import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { ensure, invalidInput } from '@supergraph/kernel/domain';
import { Booking } from '../../domain/booking';

/** `bookings(...)` arguments (CONTRACT.md); at least one is required until edge auth defaults `customerId`. */
export interface FindBookings {
  customerId?: string | null;
  ticketId?: string | null;
}

/**
 * Bookings of a customer and/or of a ticket, newest first (ids are uuid v7). Throws
 * `BAD_USER_INPUT` (`customerId`) when neither filter is given.
 */
export function findBookings(em: EntityManager, args: FindBookings): Promise<Booking[]> {
  const where: FilterQuery<Booking>[] = [];
  if (args.customerId != null) where.push({ customerId: ensure.id('customerId', args.customerId) });
  if (args.ticketId != null) where.push({ ticketId: ensure.id('ticketId', args.ticketId) });
  if (where.length === 0) throw invalidInput('customerId', 'customerId or ticketId is required');
  return em.find(Booking, { $and: where }, { orderBy: { id: 'desc' } });
}
