import { EntityManager, LockMode } from '@mikro-orm/core';
import type { AbandonReason } from '@supergraph/contracts';
import { notFound } from '@supergraph/kernel/domain';
import { SeatHold } from '../domain/seat-hold';
import { TicketInventory } from '../domain/ticket-inventory';

/**
 * The inventory row of ticket `ticketId`, locked for writing in `tx`: every change of seats
 * (holds, bookings, cancellations, the deletion saga, the sweeper) locks it first, then the
 * hold or booking rows, so they are serialized per ticket without deadlocks. Throws `NOT_FOUND`
 * when booking has not recorded the ticket.
 */
export function lockInventory(tx: EntityManager, ticketId: string): Promise<TicketInventory> {
  return tx.findOneOrFail(TicketInventory, { id: ticketId }, { lockMode: LockMode.PESSIMISTIC_WRITE, failHandler: () => notFound('ticket', ticketId) });
}

/** Hold `id`, locked in `tx` (after `lockInventory`), or null once it was released or turned into its booking. */
export function lockHold(tx: EntityManager, id: string): Promise<SeatHold | null> {
  return tx.findOne(SeatHold, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
}

/**
 * Releases `hold` in `tx` (SPEC.md 1.4, 1.13): its seats go back to `ticket` (locked), its row is
 * removed and, when payment may have approved it (`reason`), its `AbandonedBooking` is recorded
 * so that `BookingAbandoned` is staged in the same transaction.
 */
export function releaseHold(tx: EntityManager, hold: SeatHold, ticket: TicketInventory, reason: AbandonReason | null): void {
  const abandoned = hold.release(ticket, reason);
  tx.remove(hold);
  if (abandoned) tx.persist(abandoned);
}
