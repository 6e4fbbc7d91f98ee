import { DateTimeScalar } from '@supergraph/kernel';
import { searchTickets } from '../application/queries/search-tickets.query';
import type { Resolvers } from './__generated__/resolvers';

/**
 * Thin resolvers: arguments → command/query → the aggregate (GraphQL types mapped by codegen).
 * Reads are public; the command handlers authorize `ctx.caller` (application/ticket-access.ts).
 */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    ticket: (_parent, { id }, ctx) => ctx.tickets.load(id),
    tickets: (_parent, args, { em }) => searchTickets(em, args),
  },
  Mutation: {
    registerTicket: (_parent, { input }, ctx) => ctx.registerTicket.execute(ctx.em, ctx.meta, ctx.caller, input),
    deleteTicket: (_parent, { id }, ctx) => ctx.deleteTicket.execute(ctx.em, ctx.meta, ctx.caller, id),
  },
  Ticket: {
    __resolveReference: (reference, ctx) => ctx.tickets.load(reference.id),
  },
};
