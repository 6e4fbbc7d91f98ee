import { DateTimeScalar } from '@supergraph/kernel';
import type { Resolvers } from './__generated__/resolvers';

/** Thin resolvers: arguments → command/query → the aggregate (GraphQL types mapped by codegen). */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    payment: (_parent, { id }, ctx) => ctx.payments.load(id),
  },
  Mutation: {
    approvePayment: (_parent, { input }, ctx) => ctx.approvePayment.execute(ctx.em, ctx.meta, input),
  },
  Payment: {
    __resolveReference: (reference, ctx) => ctx.payments.load(reference.id),
  },
  Booking: {
    __resolveReference: (reference) => ({ id: reference.id }),
    payment: (booking, _args, ctx) => ctx.paymentsByBooking.load(booking.id),
  },
};
