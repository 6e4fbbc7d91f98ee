import { AggregateRoot, DomainError, ensure, invalidInput } from '@supergraph/kernel/domain';
import type { TicketDeleted, TicketRegistered } from '@supergraph/contracts';

export type TicketStatus = 'ON_SALE' | 'DELETED';

/** What an organizer gives to register a ticket (CONTRACT.md `RegisterTicketInput`). */
export interface RegisterTicket {
  title: string;
  venue: string;
  /** Whole KRW per seat, > 0. */
  price: number;
  /** 1..100000. */
  seats: number;
  organizerId: string;
  saleStartsAt?: Date | null;
  saleEndsAt?: Date | null;
}

/**
 * Largest price accepted, whole KRW: the largest GraphQL `Int` (2^31 - 1), since `price` is one
 * (CONTRACT.md only asks `price` > 0).
 */
export const MAX_PRICE_KRW = 2_147_483_647;

/**
 * Ticket aggregate (SPEC.md 1.1, 1.2, 1.11). Registration validates the CONTRACT.md rules
 * (`price` > 0, `seats` 1..100000, `title`/`venue` 1..200 chars) and raises `TicketRegistered`;
 * deletion raises `TicketDeleted` once (a second deletion is `CONFLICT`).
 */
export class Ticket extends AggregateRoot {
  status: TicketStatus = 'ON_SALE';
  deletedAt: Date | null = null;
  /**
   * Lower-cased `title venue`, for portable case-insensitive search. It may be longer than
   * title and venue together: lower-casing can lengthen a string ('İ' becomes 'i̇', two characters).
   */
  searchText!: string;

  private constructor(
    readonly id: string,
    readonly title: string,
    readonly venue: string,
    readonly price: number,
    readonly seats: number,
    readonly organizerId: string,
    readonly saleStartsAt: Date | null,
    readonly saleEndsAt: Date | null,
    readonly createdAt: Date,
  ) {
    super();
    // Built from the arguments only when there are some: the ORM instantiates entities without
    // arguments to read column defaults, and must not find 'undefined undefined' there.
    if (title !== undefined) this.searchText = `${title} ${venue}`.toLowerCase();
  }

  protected get aggregateType(): string {
    return 'Ticket';
  }

  /** Registers a ticket; raises `TicketRegistered`. Throws `BAD_USER_INPUT` naming the field. */
  static register(id: string, input: RegisterTicket, now: Date = new Date()): Ticket {
    const title = ensure.text('input.title', input.title, 200);
    const venue = ensure.text('input.venue', input.venue, 200);
    const price = ensure.intInRange('input.price', input.price, 1, MAX_PRICE_KRW);
    const seats = ensure.intInRange('input.seats', input.seats, 1, 100_000);
    const organizerId = ensure.id('input.organizerId', input.organizerId);
    const starts = input.saleStartsAt ?? null;
    const ends = input.saleEndsAt ?? null;
    if (starts && ends && ends <= starts) throw invalidInput('input.saleEndsAt', 'must be after saleStartsAt');
    const ticket = new Ticket(id, title, venue, price, seats, organizerId, starts, ends, now);
    ticket.raise<TicketRegistered>('TicketRegistered', {
      ticketId: id,
      title,
      venue,
      price,
      seats,
      organizerId,
      saleStartsAt: starts?.toISOString() ?? null,
      saleEndsAt: ends?.toISOString() ?? null,
      registeredAt: now.toISOString(),
    });
    return ticket;
  }

  /** True when it can be bought at `now`: not deleted and inside its sale window. */
  isOnSale(now: Date = new Date()): boolean {
    return this.status === 'ON_SALE' && (!this.saleStartsAt || this.saleStartsAt <= now) && (!this.saleEndsAt || now < this.saleEndsAt);
  }

  /** Deletes the ticket; raises `TicketDeleted`. Throws `CONFLICT` if already deleted. */
  delete(now: Date = new Date()): void {
    if (this.status === 'DELETED') throw new DomainError('CONFLICT', `ticket ${this.id} is already deleted`);
    this.status = 'DELETED';
    this.deletedAt = now;
    this.raise<TicketDeleted>('TicketDeleted', { ticketId: this.id, title: this.title, organizerId: this.organizerId, deletedAt: now.toISOString() });
  }
}
