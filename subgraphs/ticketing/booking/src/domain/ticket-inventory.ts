import { DomainError, invalidInput } from '@supergraph/kernel/domain';
import type { TicketRegistered } from '@supergraph/contracts';

/** The replica's view of the ticket: `DELETED` once `TicketDeleted` arrived (nothing more can be sold). */
export type TicketStatus = 'ON_SALE' | 'DELETED';

/** Largest amount a booking can carry, whole KRW (a GraphQL `Int`). */
export const MAX_AMOUNT_KRW = 2_147_483_647;

/**
 * Booking's own replica of a ticket (SPEC.md 1.13), built only from the ticket context's
 * events (`TicketRegistered`, `TicketDeleted`): what booking needs to sell seats (price, seats,
 * sale window, organizer, title for event payloads) and the seats still left. Seats are taken
 * by `Booking.book` and given back by `Booking.cancel`, under a row lock (one writer per ticket).
 */
export class TicketInventory {
  status: TicketStatus = 'ON_SALE';
  deletedAt: Date | null = null;

  private constructor(
    /** The ticket's id (same as in the ticket context). */
    readonly id: string,
    readonly title: string,
    /** Whole KRW per seat. */
    readonly price: number,
    readonly seats: number,
    /** Seats not taken by a BOOKED booking, 0..seats. */
    public seatsLeft: number,
    readonly organizerId: string,
    readonly saleStartsAt: Date | null,
    readonly saleEndsAt: Date | null,
    readonly registeredAt: Date,
  ) {}

  /** The replica of a ticket just registered (SPEC.md 1.1): every seat is left. */
  static record(event: TicketRegistered): TicketInventory {
    const date = (value: string | null) => (value ? new Date(value) : null);
    return new TicketInventory(
      event.ticketId,
      event.title,
      event.price,
      event.seats,
      event.seats,
      event.organizerId,
      date(event.saleStartsAt),
      date(event.saleEndsAt),
      new Date(event.registeredAt),
    );
  }

  /**
   * Stand-in for a ticket whose `TicketRegistered` has not reached booking yet (never stored):
   * booking cannot sell any of its seats yet, so `seatsLeft` is 0, and it has no bookings.
   * `Ticket.seatsLeft > 0` therefore also tells a client the ticket is bookable.
   */
  static notYetRecorded(id: string): TicketInventory {
    return new TicketInventory(id, '', 0, 0, 0, '', null, null, new Date(0));
  }

  /** True when seats can be sold at `now`: not deleted and inside the sale window. */
  isOnSale(now: Date = new Date()): boolean {
    return this.status === 'ON_SALE' && (!this.saleStartsAt || this.saleStartsAt <= now) && (!this.saleEndsAt || now < this.saleEndsAt);
  }

  /**
   * Checks that `quantity` seats can be sold at `now` (SPEC.md 1.4, 1.13).
   * Throws `CONFLICT` (deleted or outside the sale window: not on sale) or `SOLD_OUT`.
   */
  ensureBookable(quantity: number, now: Date = new Date()): void {
    if (!this.isOnSale(now)) throw new DomainError('CONFLICT', `ticket ${this.id} is not on sale`);
    if (this.seatsLeft < quantity) {
      throw new DomainError('SOLD_OUT', this.seatsLeft === 0 ? `ticket ${this.id} is sold out` : `ticket ${this.id} has only ${this.seatsLeft} seats left`);
    }
  }

  /**
   * What `quantity` seats cost: price × quantity, whole KRW. Throws `BAD_USER_INPUT`
   * (`input.quantity`) when that exceeds 2,147,483,647 KRW.
   */
  amountFor(quantity: number): number {
    const amount = this.price * quantity;
    if (amount > MAX_AMOUNT_KRW) throw invalidInput('input.quantity', `price × quantity must not exceed ${MAX_AMOUNT_KRW} KRW`);
    return amount;
  }

  /** Takes `quantity` seats (SPEC.md 1.13). Throws like `ensureBookable`; nothing changes then. */
  reserve(quantity: number, now: Date = new Date()): void {
    this.ensureBookable(quantity, now);
    this.seatsLeft -= quantity;
  }

  /** Gives `quantity` seats back after a cancellation (SPEC.md 1.13), never above `seats`. */
  release(quantity: number): void {
    this.seatsLeft = Math.min(this.seats, this.seatsLeft + quantity);
  }

  /** Records that the ticket was deleted (SPEC.md 1.2): nothing more can be sold. Repeating it changes nothing. */
  markDeleted(at: Date): void {
    if (this.status === 'DELETED') return;
    this.status = 'DELETED';
    this.deletedAt = at;
  }
}
