import { DateTimeScalar } from '@supergraph/kernel';
import { searchTickets } from '../application/queries/search-tickets.query';
import type { Resolvers } from './__generated__/resolvers';

/** Thin resolvers: arguments → command/query → the aggregate (GraphQL types mapped by codegen). */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    ticket: (_parent, { id }, ctx) => ctx.tickets.load(id),
    tickets: (_parent, args, { em }) => searchTickets(em, args),
  },
  Mutation: {
    registerTicket: (_parent, { input }, ctx) => ctx.registerTicket.execute(ctx.em, ctx.meta, input),
    deleteTicket: (_parent, { id }, ctx) => ctx.deleteTicket.execute(ctx.em, ctx.meta, id),
  },
  Ticket: {
    __resolveReference: (reference, ctx) => ctx.tickets.load(reference.id),
  },
};
