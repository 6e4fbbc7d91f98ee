import type { EntityManager } from '@mikro-orm/core';
import type { TicketRegistered } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import { TicketInventory } from '../../domain/ticket-inventory';

/**
 * Policy (SPEC.md 1.1, 1.4): on `TicketRegistered` record booking's replica of the ticket with
 * every seat left; from then on it is bookable. A ticket already recorded is left as it is: in
 * particular the `DELETED` placeholder of a ticket whose `TicketDeleted` was applied first
 * (`cancelBookingsWhenTicketDeleted`), so a late registration never makes a deleted ticket
 * bookable again. Should that placeholder be inserted concurrently, this insert fails on the
 * primary key and the consumer retries the entry, which then finds it. Runs in the consumer's
 * transaction; consumer group `booking` on `ticket.events`.
 */
export async function recordTicketWhenTicketRegistered(event: EventEnvelope<TicketRegistered>, tx: EntityManager): Promise<void> {
  if (await tx.findOne(TicketInventory, { id: event.payload.ticketId })) return;
  tx.persist(TicketInventory.record(event.payload));
}
