import type { BookingCanceled, BookingStatus, MyBookingUpdated, PaymentApproved, PaymentCanceled, PaymentStatus, TicketBooked } from '@supergraph/contracts';
import { AggregateRoot } from '@supergraph/kernel/domain';

/** Where an event sits: its envelope's `aggregateVersion` (order within its aggregate) and `occurredAt`. */
export interface EventStamp {
  version: number;
  occurredAt: Date;
}

/** Statuses only move forward: a lower rank never replaces a higher one. */
const BOOKING_RANK: Record<BookingStatus, number> = { BOOKED: 1, CANCELED: 2 };
const PAYMENT_RANK: Record<PaymentStatus, number> = { APPROVED: 1, CANCELED: 2 };

/**
 * A row of the my-page view (CONTRACT.md `MyBooking`; SPEC.md 1.8), keyed by booking id and built
 * only from events that arrive in any order across the booking and payment streams (a payment is
 * usually approved before its booking is committed). Every `record*` merge is idempotent and
 * commutative, so any order of the same events converges to the same row:
 * - booking facts (ticket, title, customer, organizer, quantity, amount) and `bookingStatus` come
 *   from the newest booking event by `aggregateVersion`; an older one changes nothing but `updatedAt`;
 * - statuses only move forward (BOOKED → CANCELED, APPROVED → CANCELED): a late `TicketBooked`
 *   never resurrects a canceled booking;
 * - payment events fill the customer and amount only while no booking event was seen and the
 *   booking was not abandoned;
 * - `BookingAbandoned` (the booking will never exist) makes a row without booking events forget
 *   the payment facts it held: the row stays as a tombstone (booking id, statuses, times), so the
 *   payment events still to come (payment cancels the approval of an abandoned booking) cannot
 *   fill them again; a row with a booking event keeps its booking facts;
 * - `updatedAt` is the latest `occurredAt` of the events applied.
 * The row is visible (`hasBooking()`) once a booking event was applied; before that it holds
 * payment facts only (none once abandoned) and the facts typed `| null` may be null.
 *
 * Each `record*` that changes what a visible row shows raises `MyBookingUpdated` with the row as
 * `MyBooking` answers it (`myPageUpdated` on every replica); a row becoming visible raises it too,
 * a change of a hidden row (payment facts before the booking, abandoned tombstones) never does.
 * `version` counts those events (per-booking order of the updates); `revision` is the row's
 * optimistic lock, bumped by every write, raising or not.
 */
export class MyBooking extends AggregateRoot {
  ticketId: string | null = null;
  ticketTitle: string | null = null;
  customerId: string | null = null;
  organizerId: string | null = null;
  quantity: number | null = null;
  /** Whole KRW. */
  amount: number | null = null;
  bookingStatus: BookingStatus | null = null;
  /** `aggregateVersion` of the newest booking event applied; 0 while none was. */
  bookingVersion = 0;
  paymentStatus: PaymentStatus | null = null;
  /** True once booking reported that it abandoned this booking (`BookingAbandoned`). */
  abandoned = false;
  /** Revision of the stored row: replicas updating the same booking at once cannot lose a change. */
  revision = 1;

  private constructor(
    readonly bookingId: string,
    public updatedAt: Date,
  ) {
    super();
  }

  /** The aggregate id of its events: the booking id. */
  get id(): string {
    return this.bookingId;
  }

  protected get aggregateType(): string {
    return 'MyBooking';
  }

  /** An empty row for `bookingId`, first touched by an event that occurred at `occurredAt`. */
  static start(bookingId: string, occurredAt: Date): MyBooking {
    return new MyBooking(bookingId, occurredAt);
  }

  /** True once a booking event was applied: only such rows are shown. */
  hasBooking(): boolean {
    return this.bookingVersion > 0;
  }

  /** Applies `TicketBooked` (SPEC.md 1.4). */
  recordBooked(booking: TicketBooked, stamp: EventStamp): void {
    this.change(() => this.applyBookingEvent(booking, 'BOOKED', stamp));
  }

  /** Applies `BookingCanceled` (SPEC.md 1.9, 1.10). */
  recordCanceled(booking: BookingCanceled, stamp: EventStamp): void {
    this.change(() => this.applyBookingEvent(booking, 'CANCELED', stamp));
  }

  /** Applies `PaymentApproved` (SPEC.md 1.4). */
  recordPaymentApproved(payment: PaymentApproved, occurredAt: Date): void {
    this.change(() => this.applyPaymentEvent(payment, 'APPROVED', occurredAt));
  }

  /** Applies `PaymentCanceled` (SPEC.md 1.9). */
  recordPaymentCanceled(payment: PaymentCanceled, occurredAt: Date): void {
    this.change(() => this.applyPaymentEvent(payment, 'CANCELED', occurredAt));
  }

  /**
   * Applies `BookingAbandoned` (SPEC.md 1.4; `BookingAbandoned` in packages/contracts): unless a booking event
   * was applied, forgets the customer and amount that payment events filled in, for good.
   */
  recordAbandoned(occurredAt: Date): void {
    this.change(() => {
      this.abandoned = true;
      if (!this.hasBooking()) {
        this.customerId = null;
        this.amount = null;
      }
      this.touch(occurredAt);
    });
  }

  /** Applies `apply`, then raises `MyBookingUpdated` when the row is visible and shows something new. */
  private change(apply: () => void): void {
    const before = this.shown();
    apply();
    const after = this.shown();
    if (!after) return;
    const changed = !before || (Object.keys(after) as (keyof MyBookingUpdated)[]).some((field) => after[field] !== before[field]);
    if (changed) this.raise<MyBookingUpdated>('MyBookingUpdated', after);
  }

  /** What the row shows as `MyBooking`, or undefined while it is hidden. */
  private shown(): MyBookingUpdated | undefined {
    if (!this.hasBooking()) return undefined;
    // The booking event that made the row visible set every booking fact; none is cleared after.
    return {
      bookingId: this.bookingId,
      ticketId: this.ticketId!,
      ticketTitle: this.ticketTitle!,
      customerId: this.customerId!,
      organizerId: this.organizerId!,
      quantity: this.quantity!,
      amount: this.amount!,
      bookingStatus: this.bookingStatus!,
      paymentStatus: this.paymentStatus,
      updatedAt: this.updatedAt.toISOString(),
    };
  }

  private applyBookingEvent(booking: TicketBooked | BookingCanceled, status: BookingStatus, stamp: EventStamp): void {
    if (stamp.version > this.bookingVersion) {
      this.bookingVersion = stamp.version;
      this.ticketId = booking.ticketId;
      this.ticketTitle = booking.ticketTitle;
      this.customerId = booking.customerId;
      this.organizerId = booking.organizerId;
      this.quantity = booking.quantity;
      this.amount = booking.amount;
      if (!this.bookingStatus || BOOKING_RANK[status] > BOOKING_RANK[this.bookingStatus]) this.bookingStatus = status;
    }
    this.touch(stamp.occurredAt);
  }

  private applyPaymentEvent(payment: PaymentApproved | PaymentCanceled, status: PaymentStatus, occurredAt: Date): void {
    if (!this.paymentStatus || PAYMENT_RANK[status] > PAYMENT_RANK[this.paymentStatus]) this.paymentStatus = status;
    if (!this.hasBooking() && !this.abandoned) {
      this.customerId ??= payment.customerId;
      this.amount ??= payment.amount;
    }
    this.touch(occurredAt);
  }

  private touch(occurredAt: Date): void {
    if (occurredAt > this.updatedAt) this.updatedAt = occurredAt;
  }
}
