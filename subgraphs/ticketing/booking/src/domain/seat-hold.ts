import { DomainError } from '@supergraph/kernel/domain';
import type { AbandonReason } from '@supergraph/contracts';
import { AbandonedBooking } from './abandoned-booking';
import type { BookingRequest } from './booking';
import type { TicketInventory } from './ticket-inventory';

/**
 * Seats taken for a booking while payment is asked to approve it (SPEC.md 1.4, 1.5, 1.13):
 * booking reserves first, then pays, so a customer is charged only for seats that are theirs and
 * `SOLD_OUT` comes before any payment call. Internal to booking: clients never see a hold, only
 * that `Ticket.seatsLeft` counts its seats as taken while it lasts. Its id is the id the booking
 * will have (payment's idempotency key). A hold ends one of two ways:
 * - `Booking.confirm` turns it into the booking (payment approved);
 * - `release` gives its seats back (payment declined or unreachable, the ticket deleted, or the
 *   hold expired because booking stopped between holding and booking: the sweeper,
 *   `ReleaseExpiredHoldsHandler`, releases it at most one sweep after `expiresAt`), recording an
 *   `AbandonedBooking` whenever payment may have approved it.
 */
export class SeatHold implements BookingRequest {
  readonly ticketId: string;
  readonly customerId: string;
  /** Seats, 1..10. */
  readonly quantity: number;
  /** When a sweep may release it, booking or not (after any payment call has ended). */
  readonly expiresAt: Date;

  private constructor(
    /** The id of the booking it is for (payment's idempotency key). */
    readonly id: string,
    request: BookingRequest,
    /** price × quantity, whole KRW: what payment is asked to approve. */
    readonly amount: number,
    /** The flow (request) that took it: releasing it later belongs to the same flow. */
    readonly correlationId: string,
    readonly heldAt: Date,
    ttlMs: number,
  ) {
    ({ ticketId: this.ticketId, customerId: this.customerId, quantity: this.quantity } = request);
    this.expiresAt = new Date(heldAt.getTime() + ttlMs);
  }

  /**
   * Takes `request.quantity` seats of `ticket` for booking `id` for `ttlMs` ms (SPEC.md 1.13).
   * Throws `BAD_USER_INPUT` (`input.quantity`: amount above a GraphQL Int), `CONFLICT` (not on
   * sale) or `SOLD_OUT`, and nothing changes then.
   */
  static take(id: string, ticket: TicketInventory, request: BookingRequest, hold: { ttlMs: number; correlationId: string }, now: Date = new Date()): SeatHold {
    if (ticket.id !== request.ticketId) throw new Error(`inventory ${ticket.id} is not ticket ${request.ticketId}`);
    const amount = ticket.amountFor(request.quantity);
    ticket.reserve(request.quantity, now);
    return new SeatHold(id, request, amount, hold.correlationId, now, hold.ttlMs);
  }

  /**
   * Why the hold of booking `id` is gone when payment has approved it: the deletion saga released
   * it (`CONFLICT`: the ticket is not on sale), or it expired and a sweep released it
   * (`PAYMENT_UNAVAILABLE`: payment answered too late). Either way its approval is being voided.
   */
  static released(id: string, ticket: TicketInventory): DomainError {
    if (ticket.status === 'DELETED') return new DomainError('CONFLICT', `ticket ${ticket.id} is not on sale`);
    return new DomainError('PAYMENT_UNAVAILABLE', `payment answered after the seats of booking ${id} were released, try again later`);
  }

  /**
   * Gives the held seats back to `ticket`. When payment may have approved the booking (`reason`
   * given), returns the `AbandonedBooking` to record (it raises `BookingAbandoned`, on which
   * payment voids the approval); null when payment certainly did not approve.
   */
  release(ticket: TicketInventory, reason: AbandonReason | null, now: Date = new Date()): AbandonedBooking | null {
    if (ticket.id !== this.ticketId) throw new Error(`inventory ${ticket.id} is not ticket ${this.ticketId}`);
    ticket.release(this.quantity);
    return reason ? AbandonedBooking.record(this, ticket, reason, now) : null;
  }
}
