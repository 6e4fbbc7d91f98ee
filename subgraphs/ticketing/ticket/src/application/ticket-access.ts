import { actingFor, Caller, requireOwner, requireRole } from '@supergraph/kernel';
import type { Ticket } from '../domain/ticket';

/**
 * Who may change tickets (issue "Edge security"; CONTRACT.md "Identity"). Searching and reading
 * tickets (`ticket`, `tickets`, `Ticket` references) is public and checks nothing.
 */

/**
 * The organizer a new ticket is registered for (`registerTicket`): `input.organizerId` when given,
 * else the caller's own subject. The caller must be an organizer or admin, and only admin may
 * register for another organizer. Throws `UNAUTHENTICATED` (anonymous, or not an end user) or
 * `FORBIDDEN` (a customer; someone else's `input.organizerId`).
 */
export function organizerOfNewTicket(caller: Caller, requested: string | null | undefined): string {
  return actingFor(caller, requested, 'input.organizerId', ['organizer']);
}

/**
 * The caller may try to delete a ticket (`deleteTicket`), before it is looked up: an organizer or
 * admin. Throws `UNAUTHENTICATED` or `FORBIDDEN` (a customer).
 */
export function requireTicketManager(caller: Caller): void {
  requireRole(caller, ['organizer'], 'deleteTicket');
}

/** The caller may delete `ticket`: its organizer or admin. Throws `UNAUTHENTICATED` or `FORBIDDEN` (another organizer). */
export function requireOrganizerOf(caller: Caller, ticket: Pick<Ticket, 'id' | 'organizerId'>): void {
  requireOwner(caller, ticket.organizerId, `ticket ${ticket.id}`);
}
