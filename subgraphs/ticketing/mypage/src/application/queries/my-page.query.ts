import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import type { Caller } from '@supergraph/kernel';
import { MyBooking } from '../../domain/my-booking';
import { myPageCustomer, organizerPageOrganizer } from '../mypage-access';

/**
 * Visible rows (a booking event was seen) matching `where`, newest booking first: booking ids are
 * uuid v7 (CONVENTIONS.md), so id order is booking order.
 */
function visible(em: EntityManager, where: FilterQuery<MyBooking>): Promise<MyBooking[]> {
  return em.find(MyBooking, { $and: [where, { bookingVersion: { $gt: 0 } }] }, { orderBy: { bookingId: 'desc' } });
}

/**
 * `myPage(customerId)` (SPEC.md 1.8): a customer's bookings with booking and payment status;
 * `customerId` defaults to the caller (`myPageCustomer`: `UNAUTHENTICATED`, `FORBIDDEN`, `BAD_USER_INPUT`).
 */
export function myPage(em: EntityManager, caller: Caller, customerId?: string | null): Promise<MyBooking[]> {
  return visible(em, { customerId: myPageCustomer(caller, customerId) });
}

/**
 * `organizerPage(organizerId)`: the bookings of an organizer's tickets. `organizerId` defaults to
 * the caller; only an organizer (their own page) or an admin (anyone's) may read it:
 * `UNAUTHENTICATED` without an end user, `FORBIDDEN` naming `organizerId` for another organizer's
 * id or another role, `BAD_USER_INPUT` naming `organizerId` when it is blank.
 */
export function organizerPage(em: EntityManager, caller: Caller, organizerId?: string | null): Promise<MyBooking[]> {
  return visible(em, { organizerId: organizerPageOrganizer(caller, organizerId) });
}
