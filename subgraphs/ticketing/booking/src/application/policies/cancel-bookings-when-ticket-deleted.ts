import { EntityManager, LockMode } from '@mikro-orm/core';
import type { TicketDeleted } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import { Booking } from '../../domain/booking';
import { TicketInventory } from '../../domain/ticket-inventory';

/**
 * Saga step (SPEC.md 1.10): on `TicketDeleted` mark the ticket's replica deleted (nothing more
 * can be booked) and cancel every BOOKED booking of it with reason `TICKET_DELETED`, each
 * raising `BookingCanceled` (payment then cancels each payment). All in the consumer's one
 * transaction, inventory row locked first. A ticket booking never recorded has no bookings: no-op.
 * Consumer group `booking` on `ticket.events`.
 */
export async function cancelBookingsWhenTicketDeleted(event: EventEnvelope<TicketDeleted>, tx: EntityManager): Promise<void> {
  const ticket = await tx.findOne(TicketInventory, { id: event.payload.ticketId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!ticket) return;
  const now = new Date();
  ticket.markDeleted(new Date(event.payload.deletedAt));
  const booked = await tx.find(Booking, { ticketId: ticket.id, status: 'BOOKED' }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
  for (const booking of booked) booking.cancel(ticket, 'TICKET_DELETED', now);
}
