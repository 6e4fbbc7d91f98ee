import type { EntityManager } from '@mikro-orm/core';
import { EventMeta, UnitOfWork } from '@supergraph/kernel';
import { notFound } from '@supergraph/kernel/domain';
import { Ticket } from '../../../domain/ticket';

/**
 * Deletes a ticket and stages `TicketDeleted` (SPEC.md 1.2); the booking context reacts by
 * canceling its bookings (rule 10). Throws `NOT_FOUND`, or `CONFLICT` when already deleted.
 */
export class DeleteTicketHandler {
  constructor(private readonly uow: UnitOfWork) {}

  execute(em: EntityManager, meta: EventMeta, id: string): Promise<Ticket> {
    return this.uow.run(em, meta, async (tx) => {
      const ticket = await tx.findOne(Ticket, { id });
      if (!ticket) throw notFound('ticket', id);
      ticket.delete();
      return ticket;
    });
  }
}
