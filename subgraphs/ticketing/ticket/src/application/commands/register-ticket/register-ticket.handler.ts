import type { EntityManager } from '@mikro-orm/core';
import { EventMeta, newId, UnitOfWork } from '@supergraph/kernel';
import { invalidInput } from '@supergraph/kernel/domain';
import { RegisterTicket, Ticket } from '../../../domain/ticket';

/** `registerTicket` input as it arrives; `organizerId` is required until edge auth supplies it. */
export type RegisterTicketCommand = Omit<RegisterTicket, 'organizerId'> & { organizerId?: string | null };

/**
 * Registers a ticket and stages `TicketRegistered` in the same transaction (SPEC.md 1.1).
 * Throws `BAD_USER_INPUT` naming the field.
 */
export class RegisterTicketHandler {
  constructor(private readonly uow: UnitOfWork) {}

  execute(em: EntityManager, meta: EventMeta, command: RegisterTicketCommand): Promise<Ticket> {
    if (!command.organizerId) throw invalidInput('input.organizerId', 'is required');
    const ticket = Ticket.register(newId(), { ...command, organizerId: command.organizerId });
    return this.uow.run(em, meta, async (tx) => {
      tx.persist(ticket);
      return ticket;
    });
  }
}
