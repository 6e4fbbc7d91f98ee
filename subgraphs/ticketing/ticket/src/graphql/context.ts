import type DataLoader from 'dataloader';
import type { RequestContext } from '@supergraph/kernel';
import type { DeleteTicketHandler } from '../application/commands/delete-ticket/delete-ticket.handler';
import type { RegisterTicketHandler } from '../application/commands/register-ticket/register-ticket.handler';
import type { Ticket } from '../domain/ticket';

/** Per-request context of the ticket subgraph: the kernel's base, command handlers and loaders. */
export interface TicketContext extends RequestContext {
  registerTicket: RegisterTicketHandler;
  deleteTicket: DeleteTicketHandler;
  /** Tickets by id, batched for `_entities`. */
  tickets: DataLoader<string, Ticket | null>;
}
