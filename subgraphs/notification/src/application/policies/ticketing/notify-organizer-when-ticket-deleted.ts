import type { TicketDeleted } from '@supergraph/contracts';
import { quoted } from '../../../domain/wording';
import type { NotificationPolicy } from '../notification-policy';

/**
 * SPEC.md 1.11 (and 1.10, the saga it starts): the organizer learns their ticket is deleted, e.g.
 * "Ticket deleted: 'Swan Lake'; its bookings are being canceled".
 */
export const notifyOrganizerWhenTicketDeleted: NotificationPolicy<TicketDeleted> = (ticket) => [
  { recipientId: ticket.organizerId, message: `Ticket deleted: ${quoted(ticket.title)}; its bookings are being canceled` },
];
