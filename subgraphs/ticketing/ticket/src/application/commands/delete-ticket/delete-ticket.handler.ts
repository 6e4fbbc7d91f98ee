import type { EntityManager } from '@mikro-orm/core';
import { Caller, EventMeta, UnitOfWork } from '@supergraph/kernel';
import { notFound } from '@supergraph/kernel/domain';
import { Ticket } from '../../../domain/ticket';
import { requireOrganizerOf, requireTicketManager } from '../../ticket-access';

/**
 * Deletes a ticket and stages `TicketDeleted` (SPEC.md 1.2); the booking context reacts by
 * canceling its bookings (rule 10). Only the ticket's organizer or admin may. Throws
 * `UNAUTHENTICATED`, `FORBIDDEN` (a customer; another organizer's ticket), `NOT_FOUND`, or
 * `CONFLICT` when already deleted.
 */
export class DeleteTicketHandler {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(em: EntityManager, meta: EventMeta, caller: Caller, id: string): Promise<Ticket> {
    requireTicketManager(caller);
    return this.uow.run(em, meta, async (tx) => {
      const ticket = await tx.findOne(Ticket, { id });
      if (!ticket) throw notFound('ticket', id);
      requireOrganizerOf(caller, ticket);
      ticket.delete();
      return ticket;
    });
  }
}
