/**
 * Ticketing events (SPEC.md "1. Ticketing"): the payloads each producing context promises its
 * consumers. Money is whole KRW; instants are ISO-8601 UTC strings. Adding a field is safe;
 * renaming or removing one needs a new event `version`.
 */

/** Stream producers (one stream per producing context: `<context>.events`). */
export const TICKETING_PRODUCERS = { ticket: 'ticket', booking: 'booking', payment: 'payment' } as const;

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

/** `payment` → a booking's payment was approved (rule 4). */
export interface PaymentApproved {
  paymentId: string;
  bookingId: string;
  customerId: string;
  amount: number;
  approvedAt: string;
}

/** `payment` → a booking's payment was canceled after `BookingCanceled` (rule 9). */
export interface PaymentCanceled {
  paymentId: string;
  bookingId: string;
  customerId: string;
  amount: number;
  canceledAt: string;
}

/** Event type name → payload, for typed handlers. */
export interface TicketingEvents {
  TicketRegistered: TicketRegistered;
  TicketDeleted: TicketDeleted;
  TicketBooked: TicketBooked;
  BookingCanceled: BookingCanceled;
  PaymentApproved: PaymentApproved;
  PaymentCanceled: PaymentCanceled;
}
