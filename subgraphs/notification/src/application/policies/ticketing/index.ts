import type { TicketingEvents } from '@supergraph/contracts';
import type { SystemPolicies } from '../notification-policy';
import { notifyCustomerAndOrganizerWhenTicketBooked } from './notify-customer-and-organizer-when-ticket-booked';
import { notifyCustomerWhenBookingCanceled } from './notify-customer-when-booking-canceled';
import { notifyCustomerWhenPaymentApproved } from './notify-customer-when-payment-approved';
import { notifyCustomerWhenPaymentCanceled } from './notify-customer-when-payment-canceled';
import { notifyOrganizerWhenTicketDeleted } from './notify-organizer-when-ticket-deleted';
import { notifyOrganizerWhenTicketRegistered } from './notify-organizer-when-ticket-registered';

/**
 * Ticketing's notifications (SPEC.md 1.6, 1.7, 1.9, 1.11), by producing context and event:
 * customers hear of TicketBooked, PaymentApproved, PaymentCanceled and BookingCanceled;
 * organizers of TicketRegistered, TicketDeleted and each TicketBooked of their tickets.
 */
export const ticketingPolicies = {
  ticket: { TicketRegistered: notifyOrganizerWhenTicketRegistered, TicketDeleted: notifyOrganizerWhenTicketDeleted },
  booking: { TicketBooked: notifyCustomerAndOrganizerWhenTicketBooked, BookingCanceled: notifyCustomerWhenBookingCanceled },
  payment: { PaymentApproved: notifyCustomerWhenPaymentApproved, PaymentCanceled: notifyCustomerWhenPaymentCanceled },
} satisfies SystemPolicies<TicketingEvents>;
