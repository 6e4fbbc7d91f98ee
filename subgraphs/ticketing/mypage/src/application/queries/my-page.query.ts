import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { ensure } from '@supergraph/kernel/domain';
import { MyBooking } from '../../domain/my-booking';

/**
 * Visible rows (a booking event was seen) matching `where`, newest booking first: booking ids are
 * uuid v7 (CONVENTIONS.md), so id order is booking order.
 */
function visible(em: EntityManager, where: FilterQuery<MyBooking>): Promise<MyBooking[]> {
  return em.find(MyBooking, { $and: [where, { bookingVersion: { $gt: 0 } }] }, { orderBy: { bookingId: 'desc' } });
}

/** `myPage(customerId)` (SPEC.md 1.8): a customer's bookings with booking and payment status. Throws `BAD_USER_INPUT` naming `customerId` when empty. */
export function myPage(em: EntityManager, customerId: string): Promise<MyBooking[]> {
  return visible(em, { customerId: ensure.id('customerId', customerId) });
}

/** `organizerPage(organizerId)`: the bookings of an organizer's tickets. Throws `BAD_USER_INPUT` naming `organizerId` when empty. */
export function organizerPage(em: EntityManager, organizerId: string): Promise<MyBooking[]> {
  return visible(em, { organizerId: ensure.id('organizerId', organizerId) });
}
