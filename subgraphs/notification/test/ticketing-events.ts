import { DomainEvent, envelope, Identity, newId } from '@supergraph/kernel';
import { asRouter, customer, organizer } from '@supergraph/testing';
import type { BookingCanceled, PaymentApproved, PaymentCanceled, TicketBooked, TicketDeleted, TicketRegistered } from '@supergraph/contracts';

/** The contexts whose events the notification context reacts to. */
export type Producer = 'ticket' | 'booking' | 'payment';

/** Ticketing events as their producers raise them (payloads of packages/contracts). */
export const events = {
  ticketRegistered: (ticketId: string, organizerId: string): DomainEvent<TicketRegistered> => ({
    type: 'TicketRegistered', aggregateType: 'Ticket', aggregateId: ticketId, aggregateVersion: 1,
    payload: { ticketId, title: 'Swan Lake', venue: 'Seoul Arts Center', price: 50_000, seats: 100, organizerId, saleStartsAt: null, saleEndsAt: null, registeredAt: new Date().toISOString() },
  }),
  ticketDeleted: (ticketId: string, organizerId: string): DomainEvent<TicketDeleted> => ({
    type: 'TicketDeleted', aggregateType: 'Ticket', aggregateId: ticketId, aggregateVersion: 2,
    payload: { ticketId, title: 'Swan Lake', organizerId, deletedAt: new Date().toISOString() },
  }),
  ticketBooked: (bookingId: string, customerId: string, organizerId: string): DomainEvent<TicketBooked> => ({
    type: 'TicketBooked', aggregateType: 'Booking', aggregateId: bookingId, aggregateVersion: 1,
    payload: { bookingId, ticketId: 't1', ticketTitle: 'Swan Lake', customerId, organizerId, quantity: 2, amount: 100_000, bookedAt: new Date().toISOString() },
  }),
  bookingCanceled: (bookingId: string, customerId: string, reason: BookingCanceled['reason']): DomainEvent<BookingCanceled> => ({
    type: 'BookingCanceled', aggregateType: 'Booking', aggregateId: bookingId, aggregateVersion: 2,
    payload: { bookingId, ticketId: 't1', ticketTitle: 'Swan Lake', customerId, organizerId: 'org-x', quantity: 2, amount: 100_000, reason, canceledAt: new Date().toISOString() },
  }),
  paymentApproved: (paymentId: string, bookingId: string, customerId: string): DomainEvent<PaymentApproved> => ({
    type: 'PaymentApproved', aggregateType: 'Payment', aggregateId: paymentId, aggregateVersion: 1,
    payload: { paymentId, bookingId, customerId, amount: 100_000, approvedAt: new Date().toISOString() },
  }),
  paymentCanceled: (paymentId: string, bookingId: string, customerId: string): DomainEvent<PaymentCanceled> => ({
    type: 'PaymentCanceled', aggregateType: 'Payment', aggregateId: paymentId, aggregateVersion: 2,
    payload: { paymentId, bookingId, customerId, amount: 100_000, canceledAt: new Date().toISOString() },
  }),
};

/** `event` in the envelope of a new flow from `producer` (fresh correlation id, no cause). */
export const wrap = (event: DomainEvent<object>, producer: Producer) => envelope(event as DomainEvent, producer, { correlationId: newId(), causationId: null });

/** Notification fields a test reads (GraphQL selection). */
export const NOTIFICATION = 'id recipientId kind message correlationId createdAt';

/** The `notifications` query with all its arguments (`$r` absent: the caller's own). */
export const LIST = `query($r: ID, $after: ID, $first: Int) { notifications(recipientId: $r, after: $after, first: $first) { ${NOTIFICATION} } }`;

/** The identity of recipient `recipientId` as these tests name them: `org-…` an organizer, anyone else a customer. */
export const recipient = (recipientId: string): Identity => (recipientId.startsWith('org-') ? organizer(recipientId) : customer(recipientId));

/** Headers of a request the router forwards for recipient `recipientId` (their own notifications). */
export const asRecipient = (recipientId: string) => asRouter(recipient(recipientId));
