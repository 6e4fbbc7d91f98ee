import type { TicketRegistered } from '@supergraph/contracts';
import { count, krw, quoted } from '../../../domain/wording';
import type { NotificationPolicy } from '../notification-policy';

/**
 * SPEC.md 1.11: the organizer learns their ticket is registered, e.g.
 * "Ticket registered: 'Swan Lake' at Seoul Arts Center, 100 seats at 50,000 KRW each".
 */
export const notifyOrganizerWhenTicketRegistered: NotificationPolicy<TicketRegistered> = (ticket) => [
  { recipientId: ticket.organizerId, message: `Ticket registered: ${quoted(ticket.title)} at ${ticket.venue}, ${count(ticket.seats, 'seat')} at ${krw(ticket.price)} each` },
];
