import type { EntityManager } from '@mikro-orm/core';
import type { TicketDeletionContinued } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import { lockInventory } from '../seat-holds';
import { cancelBookingBatch } from './cancel-bookings-when-ticket-deleted';

/**
 * Saga step (SPEC.md 1.10) on booking's own `TicketDeletionContinued`: cancels the next
 * `batchSize` BOOKED bookings of the deleted ticket in the consumer's transaction (its own inbox
 * row, so a redelivered continuation changes nothing), continuing again while more remain.
 * Consumer group `booking` on `booking.events`.
 */
export function cancelMoreBookingsWhenTicketDeletionContinued(batchSize: number) {
  return async (event: EventEnvelope<TicketDeletionContinued>, tx: EntityManager): Promise<void> => {
    await cancelBookingBatch(tx, await lockInventory(tx, event.payload.ticketId), batchSize);
  };
}
