import { AggregateRoot, DomainError } from '@supergraph/kernel/domain';
import type { AbandonReason, BookingAbandoned } from '@supergraph/contracts';
import { bookingFacts, BookingRequest } from './booking';
import type { TicketInventory } from './ticket-inventory';

/**
 * A booking that booking gave up on after payment may have approved it (SPEC.md 1.4, 1.5,
 * 1.13): its id was sent to payment as the idempotency key, but no `Booking` with that id was
 * written and none ever will be. Recording it raises `BookingAbandoned`, on which payment voids
 * the approval (cancels it, or refuses it if it comes late), so no customer is charged for a
 * booking that does not exist. The rows double as an audit log of abandoned bookings; one per
 * booking id (the id is the booking's).
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
   * Why a booking is abandoned after `error` (see `AbandonReason`): `PAYMENT_UNAVAILABLE` when
   * the approval call failed that way, `SOLD_OUT`, `NOT_BOOKABLE` (`CONFLICT`: not on sale;
   * `NOT_FOUND`), else `WRITE_FAILED`.
   */
  static reasonFor(error: unknown): AbandonReason {
    if (!(error instanceof DomainError)) return 'WRITE_FAILED';
    switch (error.code) {
      case 'PAYMENT_UNAVAILABLE':
      case 'SOLD_OUT':
        return error.code;
      case 'CONFLICT':
      case 'NOT_FOUND':
        return 'NOT_BOOKABLE';
      default:
        return 'WRITE_FAILED';
    }
  }

  /**
   * Records that booking `id` of `request` for seats of `ticket` (whose price × quantity KRW
   * payment was asked to approve) will not exist, because of `reason`; raises `BookingAbandoned`.
   */
  static record(id: string, ticket: TicketInventory, request: BookingRequest, reason: AbandonReason, now: Date = new Date()): AbandonedBooking {
    if (ticket.id !== request.ticketId) throw new Error(`inventory ${ticket.id} is not ticket ${request.ticketId}`);
    const amount = ticket.amountFor(request.quantity);
    const abandoned = new AbandonedBooking(id, request, amount, reason, now);
    abandoned.raise<BookingAbandoned>('BookingAbandoned', { ...bookingFacts(abandoned, ticket), reason, abandonedAt: now.toISOString() });
    return abandoned;
  }
}
