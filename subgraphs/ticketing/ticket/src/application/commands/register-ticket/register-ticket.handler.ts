import type { EntityManager } from '@mikro-orm/core';
import { Caller, EventMeta, newId, UnitOfWork } from '@supergraph/kernel';
import { RegisterTicket, Ticket } from '../../../domain/ticket';
import { organizerOfNewTicket } from '../../ticket-access';

/** `registerTicket` input as it arrives: `organizerId` is optional and defaults to the caller. */
export type RegisterTicketCommand = Omit<RegisterTicket, 'organizerId'> & { organizerId?: string | null };

/**
 * Registers a ticket and stages `TicketRegistered` in the same transaction (SPEC.md 1.1), for the
 * organizer `organizerOfNewTicket` names (the caller, or anyone when admin). Throws
 * `UNAUTHENTICATED`, `FORBIDDEN` (a customer, or another organizer's `input.organizerId`) before
 * anything else, or `BAD_USER_INPUT` naming the field.
 */
export class RegisterTicketHandler {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(em: EntityManager, meta: EventMeta, caller: Caller, command: RegisterTicketCommand): Promise<Ticket> {
    const organizerId = organizerOfNewTicket(caller, command.organizerId);
    const ticket = Ticket.register(newId(), { ...command, organizerId });
    return this.uow.run(em, meta, async (tx) => {
      tx.persist(ticket);
      return ticket;
    });
  }
}
