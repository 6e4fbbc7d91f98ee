import type { EntityManager } from '@mikro-orm/core';
import type { TicketRegistered } from '@supergraph/contracts';
import type { EventEnvelope } from '@supergraph/kernel';
import { TicketInventory } from '../../domain/ticket-inventory';

/**
 * Policy (SPEC.md 1.1, 1.4): on `TicketRegistered` record booking's replica of the ticket with
 * every seat left; from then on it is bookable. A ticket already recorded is left as it is.
 * Runs in the consumer's transaction; consumer group `booking` on `ticket.events`.
 */
export async function recordTicketWhenTicketRegistered(event: EventEnvelope<TicketRegistered>, tx: EntityManager): Promise<void> {
  if (await tx.findOne(TicketInventory, { id: event.payload.ticketId })) return;
  tx.persist(TicketInventory.record(event.payload));
}
