import { AggregateRoot } from '@supergraph/kernel/domain';
import type { AbandonReason, BookingAbandoned } from '@supergraph/contracts';
import { bookingFacts, BookingRequest } from './booking';
import type { SeatHold } from './seat-hold';
import type { TicketInventory } from './ticket-inventory';

/**
 * A booking that booking gave up on after payment may have approved it (SPEC.md 1.4, 1.5,
 * 1.13): its id was sent to payment as the idempotency key (or was about to be), but no
 * `Booking` with that id was written and none ever will be: its `SeatHold` was released instead.
 * Recording it raises `BookingAbandoned`, on which payment voids the approval (cancels it, or
 * refuses it if it comes late), so no customer is charged for a booking that does not exist.
 * The rows double as an audit log of abandoned bookings; one per booking id (the id is the
 * booking's).
 */
export class AbandonedBooking extends AggregateRoot {
  readonly ticketId: string;
  readonly customerId: string;
  /** Seats, 1..10. */
  readonly quantity: number;

  private constructor(
    /** The id the booking would have had (payment's idempotency key). */
    readonly id: string,
    /** What the customer asked to book. */
    request: BookingRequest,
    /** price × quantity, whole KRW: what payment was asked to approve. */
    readonly amount: number,
    readonly reason: AbandonReason,
    readonly abandonedAt: Date,
  ) {
    super();
    this.ticketId = request.ticketId;
    this.customerId = request.customerId;
    this.quantity = request.quantity;
  }

  protected get aggregateType(): string {
    return 'AbandonedBooking';
  }

  /**
   * Records that the booking `hold` was taken for (whose amount, whole KRW, payment was asked to
   * approve) will not exist, because of `reason`; raises `BookingAbandoned`. Called by
   * `SeatHold.release`, which gives the seats of `ticket` back.
   */
  static record(hold: SeatHold, ticket: TicketInventory, reason: AbandonReason, now: Date = new Date()): AbandonedBooking {
    if (ticket.id !== hold.ticketId) throw new Error(`inventory ${ticket.id} is not ticket ${hold.ticketId}`);
    const abandoned = new AbandonedBooking(hold.id, hold, hold.amount, reason, now);
    abandoned.raise<BookingAbandoned>('BookingAbandoned', { ...bookingFacts(abandoned, ticket), reason, abandonedAt: now.toISOString() });
    return abandoned;
  }
}
