import { AggregateRoot, DomainError, invalidInput } from '@supergraph/kernel/domain';
import type { TicketDeleted, TicketDeletionContinued, TicketRegistered } from '@supergraph/contracts';

/** The replica's view of the ticket: `DELETED` once `TicketDeleted` arrived (nothing more can be sold). */
export type TicketStatus = 'ON_SALE' | 'DELETED';

/** Largest amount a booking can carry, whole KRW (a GraphQL `Int`). */
export const MAX_AMOUNT_KRW = 2_147_483_647;

/**
 * Booking's own replica of a ticket (SPEC.md 1.13), built only from the ticket context's
 * events (`TicketRegistered`, `TicketDeleted`): what booking needs to sell seats (price, seats,
 * sale window, organizer, title for event payloads) and the seats still left. Seats are taken
 * by a `SeatHold` (booking reserves before it asks payment) and given back by its release or by
 * `Booking.cancel`, under a row lock (one writer per ticket). An aggregate for one event only:
 * `TicketDeletionContinued`, the deletion saga's step to its next batch (SPEC.md 1.10).
 */
export class TicketInventory extends AggregateRoot {
  status: TicketStatus = 'ON_SALE';
  deletedAt: Date | null = null;

  private constructor(
    /** The ticket's id (same as in the ticket context). */
    readonly id: string,
    readonly title: string,
    /** Whole KRW per seat. */
    readonly price: number,
    readonly seats: number,
    /** Seats neither booked (BOOKED booking) nor held (`SeatHold`), 0..seats. */
    public seatsLeft: number,
    readonly organizerId: string,
    readonly saleStartsAt: Date | null,
    readonly saleEndsAt: Date | null,
    readonly registeredAt: Date,
  ) {
    super();
  }

  protected get aggregateType(): string {
    return 'TicketInventory';
  }

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
   * The replica of a ticket whose `TicketDeleted` reached booking before its `TicketRegistered`
   * (two booking replicas, or a retried entry; SPEC.md 1.2, 1.10): a `DELETED` placeholder with
   * no seats, stored so that the late registration finds the ticket recorded and leaves it
   * deleted. `registeredAt` is the epoch: booking never saw the registration.
   */
  static deletedBeforeRegistered(event: TicketDeleted): TicketInventory {
    const placeholder = new TicketInventory(event.ticketId, event.title, 0, 0, 0, event.organizerId, null, null, new Date(0));
    placeholder.markDeleted(new Date(event.deletedAt));
    return placeholder;
  }

  /**
   * Stand-in for a ticket whose `TicketRegistered` has not reached booking yet (never stored):
   * booking cannot sell any of its seats yet, so `seatsLeft` is 0, and it has no bookings.
   */
  static notYetRecorded(id: string): TicketInventory {
    return new TicketInventory(id, '', 0, 0, 0, '', null, null, new Date(0));
  }

  /** True when seats can be sold at `now`: not deleted and inside the sale window. */
  isOnSale(now: Date = new Date()): boolean {
    return this.status === 'ON_SALE' && (!this.saleStartsAt || this.saleStartsAt <= now) && (!this.saleEndsAt || now < this.saleEndsAt);
  }

  /**
   * Seats a customer can book at `now` (`Ticket.seatsLeft`): those neither booked nor held while
   * the ticket is on sale, else 0 (deleted, outside its sale window). So `seatsLeft > 0` tells a
   * client that the ticket is bookable.
   */
  bookableSeats(now: Date = new Date()): number {
    return this.isOnSale(now) ? this.seatsLeft : 0;
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

  /** Gives `quantity` seats back after a cancellation or a released hold (SPEC.md 1.13), never above `seats`. */
  release(quantity: number): void {
    this.seatsLeft = Math.min(this.seats, this.seatsLeft + quantity);
  }

  /** Records that the ticket was deleted (SPEC.md 1.2): nothing more can be sold. Repeating it changes nothing. */
  markDeleted(at: Date): void {
    if (this.status === 'DELETED') return;
    this.status = 'DELETED';
    this.deletedAt = at;
  }

  /**
   * The deletion saga canceled a batch of this deleted ticket's bookings and more remain
   * (SPEC.md 1.10): raises `TicketDeletionContinued`, on which booking cancels the next batch.
   */
  continueDeletion(): void {
    if (this.status !== 'DELETED' || !this.deletedAt) throw new Error(`ticket ${this.id} is not deleted`);
    this.raise<TicketDeletionContinued>('TicketDeletionContinued', { ticketId: this.id, deletedAt: this.deletedAt.toISOString() });
  }
}
