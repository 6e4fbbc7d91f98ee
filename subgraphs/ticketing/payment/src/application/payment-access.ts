import { Caller, requireOwner, requireService } from '@supergraph/kernel';
import type { Payment } from '../domain/payment';

/**
 * Who may approve and see payments (issue "Edge security"; CONTRACT.md "Identity"): approving is
 * the booking context's internal sync call; a payment is seen only by its payer and admin.
 */

/** The call is the booking context's own (its service credential); else `FORBIDDEN`, a client's request included. */
export function requireBookingContext(caller: Caller): void {
  requireService(caller, 'booking');
}

/**
 * The caller may see `payment` (`payment(id)`, `Booking.payment`, `Payment` references): its
 * payer (`customerId`) or admin. Throws `UNAUTHENTICATED` (anonymous, or not an end user) or
 * `FORBIDDEN`.
 */
export function requirePayer(caller: Caller, payment: Pick<Payment, 'id' | 'customerId'>): void {
  requireOwner(caller, payment.customerId, `payment ${payment.id}`);
}
