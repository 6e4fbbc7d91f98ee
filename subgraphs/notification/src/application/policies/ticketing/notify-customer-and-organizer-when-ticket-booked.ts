import type { TicketBooked } from '@supergraph/contracts';
import { count, krw, quoted } from '../../../domain/wording';
import type { NotificationPolicy } from '../notification-policy';

/**
 * SPEC.md 1.6 and 1.7: the customer gets the booking confirmation, e.g.
 * "Booking confirmed: 2 seats for 'Swan Lake' (100,000 KRW)", and the ticket's organizer hears
 * of it, e.g. "New booking: 2 seats for 'Swan Lake' (100,000 KRW) by customer c-1".
 */
export const notifyCustomerAndOrganizerWhenTicketBooked: NotificationPolicy<TicketBooked> = (booking) => {
  const what = `${count(booking.quantity, 'seat')} for ${quoted(booking.ticketTitle)} (${krw(booking.amount)})`;
  return [
    { recipientId: booking.customerId, message: `Booking confirmed: ${what}` },
    { recipientId: booking.organizerId, message: `New booking: ${what} by customer ${booking.customerId}` },
  ];
};
