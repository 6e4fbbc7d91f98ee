/**
 * Ticketing events (SPEC.md "1. Ticketing"): the payloads each producing context promises its
 * consumers. Money is whole KRW; instants are ISO-8601 UTC strings. Adding a field is safe;
 * renaming or removing one needs a new event `version`.
 */

/** Stream producers (one stream per producing context: `<context>.events`). */
export const TICKETING_PRODUCERS = { ticket: 'ticket', booking: 'booking', payment: 'payment', mypage: 'mypage' } as const;

/** `ticket` → an organizer registered a ticket (rule 1). */
export interface TicketRegistered {
  ticketId: string;
  title: string;
  venue: string;
  /** Whole KRW per seat. */
  price: number;
  seats: number;
  organizerId: string;
  saleStartsAt: string | null;
  saleEndsAt: string | null;
  registeredAt: string;
}

/** `ticket` → an organizer deleted a ticket (rule 2); booking cancels its bookings (rule 10). */
export interface TicketDeleted {
  ticketId: string;
  title: string;
  organizerId: string;
  deletedAt: string;
}

/**
 * What every `booking` event states about the booking it is about: who booked how many seats of
 * which ticket (and whose ticket), for how much. Not an event of its own.
 */
export interface BookingFacts {
  bookingId: string;
  ticketId: string;
  ticketTitle: string;
  customerId: string;
  organizerId: string;
  quantity: number;
  /** price × quantity, whole KRW. */
  amount: number;
}

/** `booking` → a customer booked after payment was approved (rule 4). */
export interface TicketBooked extends BookingFacts {
  bookedAt: string;
}

/** Why a booking was canceled. */
export type CancellationReason = 'CUSTOMER' | 'TICKET_DELETED';

/** `booking` → a booking was canceled by its customer (rule 9) or by the ticket-deletion saga (rule 10). */
export interface BookingCanceled extends BookingFacts {
  reason: CancellationReason;
  canceledAt: string;
}

/**
 * Why booking gave up on a booking after payment may have approved it:
 * - `SOLD_OUT`: the last seats went to another booking while payment was approving (rule 13).
 *   No longer raised: booking holds the seats before it calls payment; kept for earlier events;
 * - `NOT_BOOKABLE`: the ticket stopped being on sale, or was deleted, meanwhile (rules 2, 10);
 * - `PAYMENT_UNAVAILABLE`: the approval call timed out or failed after it may have reached
 *   payment (rule 5): its outcome is unknown, a late approval may still commit;
 * - `WRITE_FAILED`: booking's own transaction failed for any other reason (store error);
 * - `HOLD_EXPIRED`: the seats held for the booking while payment was approving were released
 *   because the hold outlived its time (booking stopped or stalled between holding and booking).
 */
export type AbandonReason = 'SOLD_OUT' | 'NOT_BOOKABLE' | 'PAYMENT_UNAVAILABLE' | 'WRITE_FAILED' | 'HOLD_EXPIRED';

/**
 * `booking` → a booking was abandoned: payment may have approved it (or may still), but the
 * booking was never written and never will be (rule 4: no booking without an approved payment,
 * so no charge without a booking either). It exists so that payment can void an approval whose
 * booking was never written: payment cancels that booking's approved payment (`PaymentCanceled`,
 * as in rule 9) or, when none exists yet, refuses any later approval of it (`PAYMENT_DECLINED`).
 * Published through booking's outbox, so it reaches payment even if payment was down when
 * booking gave up. `aggregateType` `AbandonedBooking`, `aggregateId` the booking's id.
 */
export interface BookingAbandoned extends BookingFacts {
  reason: AbandonReason;
  abandonedAt: string;
}

/**
 * `booking` → booking's own step of the ticket-deletion saga (rule 10): it canceled one batch of
 * the deleted ticket's bookings and more remain; booking itself reacts by canceling the next batch,
 * each batch in a transaction of its own. Internal to booking (other contexts ignore it).
 * `aggregateType` `TicketInventory`, `aggregateId` the ticket's id.
 */
export interface TicketDeletionContinued {
  ticketId: string;
  deletedAt: string;
}

/** `payment` → a booking's payment was approved (rule 4). */
export interface PaymentApproved {
  paymentId: string;
  bookingId: string;
  customerId: string;
  amount: number;
  approvedAt: string;
}

/** `payment` → a booking's payment was canceled after `BookingCanceled` (rule 9) or `BookingAbandoned` (rule 4). */
export interface PaymentCanceled {
  paymentId: string;
  bookingId: string;
  customerId: string;
  amount: number;
  canceledAt: string;
}

/** CONTRACT.md `BookingStatus`. */
export type BookingStatus = 'BOOKED' | 'CANCELED';

/** CONTRACT.md `PaymentStatus`. */
export type PaymentStatus = 'APPROVED' | 'CANCELED';

/**
 * `mypage` → a my-page row that customers and organizers can see changed (SPEC.md 1.8): its state
 * after the change, as `MyBooking` answers it. Published through the mypage outbox in the
 * transaction that changed the row, once per change of a visible row (a row becomes visible with
 * its first booking event; rows of abandoned bookings never do). Feeds `myPageUpdated` on every
 * replica. `aggregateType` `MyBooking`, `aggregateId` the booking's id, `aggregateVersion` counts
 * the row's updates (per-booking order).
 */
export interface MyBookingUpdated extends BookingFacts {
  bookingStatus: BookingStatus;
  /** Null until the payment's event has arrived. */
  paymentStatus: PaymentStatus | null;
  /** When the newest event applied to this booking occurred. */
  updatedAt: string;
}

/** Event type name → payload, for typed handlers. */
export interface TicketingEvents {
  TicketRegistered: TicketRegistered;
  TicketDeleted: TicketDeleted;
  TicketBooked: TicketBooked;
  BookingCanceled: BookingCanceled;
  BookingAbandoned: BookingAbandoned;
  TicketDeletionContinued: TicketDeletionContinued;
  PaymentApproved: PaymentApproved;
  PaymentCanceled: PaymentCanceled;
  MyBookingUpdated: MyBookingUpdated;
}
