import { AggregateRoot, DomainError, ensure } from '@supergraph/kernel/domain';
import type { BookingCanceled, BookingFacts, CancellationReason, TicketBooked } from '@supergraph/contracts';
import type { SeatHold } from './seat-hold';
import type { TicketInventory } from './ticket-inventory';

/** `BOOKED` until canceled by its customer or the ticket-deletion saga; `CANCELED` is final. */
export type BookingStatus = 'BOOKED' | 'CANCELED';

/** Most seats one booking may take (CONTRACT.md: `quantity` 1..10). */
export const MAX_QUANTITY = 10;

/** A `bookTicket` input (CONTRACT.md `BookTicketInput`) with the customer it books for settled (the application layer defaults it to the caller). */
export interface BookTicket {
  ticketId: string;
  customerId: string;
  /** Seats, 1..10; absent or null means 1. */
  quantity?: number | null;
}

/** A validated booking request. */
export interface BookingRequest {
  ticketId: string;
  customerId: string;
  /** Seats, 1..10. */
  quantity: number;
}

/**
 * The `BookingFacts` every booking event states (contracts): who booked (`booking`, written or
 * abandoned) how many seats for how much (whole KRW), and its `ticket`'s title and organizer.
 */
export function bookingFacts(booking: Pick<Booking, 'id' | 'customerId' | 'quantity' | 'amount'>, ticket: TicketInventory): BookingFacts {
  const { id, customerId, quantity, amount } = booking;
  return { bookingId: id, ticketId: ticket.id, ticketTitle: ticket.title, customerId, organizerId: ticket.organizerId, quantity, amount };
}

/**
 * Booking aggregate (SPEC.md 1.4, 1.9, 1.10, 1.13). A booking exists only once its payment was
 * approved: it is confirmed from the `SeatHold` that took its seats before payment was called,
 * keeps those seats and raises `TicketBooked`; canceling gives them back and raises
 * `BookingCanceled` once (a second cancellation is `CONFLICT`).
 */
export class Booking extends AggregateRoot {
  status: BookingStatus = 'BOOKED';
  canceledAt: Date | null = null;
  cancellationReason: CancellationReason | null = null;

  private constructor(
    readonly id: string,
    readonly ticketId: string,
    readonly customerId: string,
    /** Seats, 1..10. */
    readonly quantity: number,
    /** price × quantity, whole KRW. */
    readonly amount: number,
    readonly bookedAt: Date,
  ) {
    super();
  }

  protected get aggregateType(): string {
    return 'Booking';
  }

  /**
   * Validates a `bookTicket` input (CONTRACT.md rules). Throws `BAD_USER_INPUT` naming the field:
   * `input.ticketId`, `input.customerId` (blank), `input.quantity` (1..10).
   */
  static request(input: BookTicket): BookingRequest {
    const ticketId = ensure.id('input.ticketId', input.ticketId);
    const customerId = ensure.id('input.customerId', input.customerId);
    const quantity = ensure.intInRange('input.quantity', input.quantity ?? 1, 1, MAX_QUANTITY);
    return { ticketId, customerId, quantity };
  }

  /**
   * Books the seats `hold` took of `ticket`, now that payment approved `hold.amount` KRW for
   * booking `hold.id` (SPEC.md 1.4): the seats stay taken; raises `TicketBooked`. The caller
   * removes the hold in the same transaction.
   */
  static confirm(hold: SeatHold, ticket: TicketInventory, now: Date = new Date()): Booking {
    if (ticket.id !== hold.ticketId) throw new Error(`inventory ${ticket.id} is not ticket ${hold.ticketId}`);
    const booking = new Booking(hold.id, ticket.id, hold.customerId, hold.quantity, hold.amount, now);
    booking.raise<TicketBooked>('TicketBooked', { ...bookingFacts(booking, ticket), bookedAt: now.toISOString() });
    return booking;
  }

  /**
   * Cancels the booking (SPEC.md 1.9 by its customer, 1.10 by the ticket-deletion saga): gives
   * its seats back to `ticket` and raises `BookingCanceled` with `reason`. Throws `CONFLICT`
   * when it is already canceled.
   */
  cancel(ticket: TicketInventory, reason: CancellationReason, now: Date = new Date()): void {
    if (ticket.id !== this.ticketId) throw new Error(`inventory ${ticket.id} is not ticket ${this.ticketId}`);
    if (this.status === 'CANCELED') throw new DomainError('CONFLICT', `booking ${this.id} is already canceled`);
    this.status = 'CANCELED';
    this.canceledAt = now;
    this.cancellationReason = reason;
    ticket.release(this.quantity);
    this.raise<BookingCanceled>('BookingCanceled', { ...bookingFacts(this, ticket), reason, canceledAt: now.toISOString() });
  }
}
