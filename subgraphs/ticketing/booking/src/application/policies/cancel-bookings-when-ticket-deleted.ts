import { EntityManager, LockMode } from '@mikro-orm/core';
import type { TicketDeleted } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import { Booking } from '../../domain/booking';
import { SeatHold } from '../../domain/seat-hold';
import { TicketInventory } from '../../domain/ticket-inventory';
import { releaseHold } from '../seat-holds';

/**
 * Cancels, in `tx` and with `ticket`'s inventory row locked, at most `batchSize` of the BOOKED
 * bookings of deleted `ticket` (oldest first, reason `TICKET_DELETED`, each raising
 * `BookingCanceled`); when more remain, the ticket raises `TicketDeletionContinued` so that the
 * next batch runs in a transaction of its own (SPEC.md 1.10). Selecting only BOOKED rows makes a
 * repeated batch harmless.
 */
export async function cancelBookingBatch(tx: EntityManager, ticket: TicketInventory, batchSize: number): Promise<void> {
  const booked = await tx.find(Booking, { ticketId: ticket.id, status: 'BOOKED' }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' }, limit: batchSize + 1 });
  const now = new Date();
  for (const booking of booked.slice(0, batchSize)) booking.cancel(ticket, 'TICKET_DELETED', now);
  if (booked.length > batchSize) ticket.continueDeletion();
}

/**
 * Saga step (SPEC.md 1.2, 1.10) on `TicketDeleted`, in the consumer's transaction (inbox row,
 * effects and outbox together), inventory row locked first:
 * - marks booking's replica of the ticket `DELETED`: nothing more can be held or booked;
 * - releases the ticket's seat holds (bookings whose payment is being asked right now) and
 *   records each abandoned (`NOT_BOOKABLE`), since its payment may be approving: payment voids
 *   it, and the booking attempt fails with `CONFLICT` when payment answers;
 * - cancels the first `batchSize` BOOKED bookings (`cancelBookingBatch`); the rest follow batch
 *   by batch through `TicketDeletionContinued` (`cancelMoreBookingsWhenTicketDeletionContinued`),
 *   so no transaction holds the inventory lock for more than one batch. The first batch stays in
 *   this transaction, so a ticket with few bookings is canceled at once and every
 *   `BookingCanceled` of it is caused by `TicketDeleted` itself.
 * A ticket booking has not recorded yet (its `TicketRegistered` comes later: two replicas, a
 * retried entry) is stored as a `DELETED` placeholder without seats, which the late registration
 * leaves as it is (`recordTicketWhenTicketRegistered`). Should that registration insert the row
 * concurrently, one insert fails on the primary key, its transaction rolls back and the consumer
 * retries the entry, which then finds the row. Consumer group `booking` on `ticket.events`;
 * `batchSize` is `TICKET_DELETION_BATCH_SIZE`.
 */
export function cancelBookingsWhenTicketDeleted(batchSize: number) {
  return async (event: EventEnvelope<TicketDeleted>, tx: EntityManager): Promise<void> => {
    const ticket = await tx.findOne(TicketInventory, { id: event.payload.ticketId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!ticket) {
      tx.persist(TicketInventory.deletedBeforeRegistered(event.payload));
      return;
    }
    ticket.markDeleted(new Date(event.payload.deletedAt));
    const holds = await tx.find(SeatHold, { ticketId: ticket.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } });
    for (const hold of holds) releaseHold(tx, hold, ticket, 'NOT_BOOKABLE');
    await cancelBookingBatch(tx, ticket, batchSize);
  };
}
