import { DateTimeScalar } from '@supergraph/kernel';
import { findPayment } from '../application/queries/find-payments.query';
import type { Resolvers } from './__generated__/resolvers';

/**
 * Thin resolvers: arguments → command/query → the aggregate (GraphQL types mapped by codegen).
 * Commands and queries authorize `ctx.caller` (application/payment-access.ts).
 */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    payment: (_parent, { id }, ctx) => findPayment(ctx.caller, ctx.payments, id),
  },
  Mutation: {
    approvePayment: (_parent, { input }, ctx) => ctx.approvePayment.execute(ctx.em, ctx.meta, ctx.caller, input),
  },
  Payment: {
    __resolveReference: (reference, ctx) => findPayment(ctx.caller, ctx.payments, reference.id),
  },
  Booking: {
    __resolveReference: (reference) => ({ id: reference.id }),
    payment: (booking, _args, ctx) => findPayment(ctx.caller, ctx.paymentsByBooking, booking.id),
  },
};
