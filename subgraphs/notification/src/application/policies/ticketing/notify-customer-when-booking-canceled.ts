import type { BookingCanceled, CancellationReason } from '@supergraph/contracts';
import { count, krw, quoted } from '../../../domain/wording';
import type { NotificationPolicy } from '../notification-policy';

const because: Record<CancellationReason, string> = {
  CUSTOMER: 'at your request',
  TICKET_DELETED: 'because the organizer deleted the ticket',
};

/**
 * SPEC.md 1.9 and 1.10: the customer learns their booking is canceled and by whom, e.g.
 * "Booking canceled at your request: 2 seats for 'Swan Lake' (100,000 KRW)" or
 * "Booking canceled because the organizer deleted the ticket: 2 seats for 'Swan Lake' (100,000 KRW)".
 * A reason this version does not know yet (contracts may add one) reads "Booking canceled by the system: ...".
 */
export const notifyCustomerWhenBookingCanceled: NotificationPolicy<BookingCanceled> = (booking) => [
  {
    recipientId: booking.customerId,
    message: `Booking canceled ${because[booking.reason] ?? 'by the system'}: ${count(booking.quantity, 'seat')} for ${quoted(booking.ticketTitle)} (${krw(booking.amount)})`,
  },
];
