import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import { openContext, runMain, serveSubgraph, uniqueLoader } from '@supergraph/kernel';
import { DeleteTicketHandler } from './application/commands/delete-ticket/delete-ticket.handler';
import { RegisterTicketHandler } from './application/commands/register-ticket/register-ticket.handler';
import { Ticket } from './domain/ticket';
import type { TicketContext } from './graphql/context';
import { resolvers } from './graphql/resolvers';
import { ticketEntities } from './infrastructure/ticket.schema';

/** The ticket subgraph's SDL (src/schema.graphql). */
export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

/**
 * Starts the ticket context: store `TICKET_DB_URL` (see README "Configuration"), port
 * `TICKET_PORT` (4001), publishes to `ticket.events`. Consumes nothing.
 */
export async function main(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}) {
  const runtime = await openContext('ticket', { entities: ticketEntities, env });
  const registerTicket = new RegisterTicketHandler(runtime.uow);
  const deleteTicket = new DeleteTicketHandler(runtime.uow);
  return serveSubgraph<TicketContext>(runtime, {
    typeDefs,
    resolvers,
    ...options,
    context: (base) => ({ ...base, registerTicket, deleteTicket, tickets: uniqueLoader(base.em, Ticket) }),
  });
}

if (require.main === module) void runMain(() => main(), 'ticket');
