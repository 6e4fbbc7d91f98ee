import { DateTimeScalar } from '@supergraph/kernel';
import { findBooking } from '../application/queries/find-booking.query';
import { bookingsOfTicket, findBookings } from '../application/queries/find-bookings.query';
import { TicketInventory } from '../domain/ticket-inventory';
import type { BookingContext } from './context';
import type { Resolvers } from './__generated__/resolvers';

/** The replica of ticket `id`, or the not-yet-recorded stand-in (`seatsLeft` 0, no bookings). */
const inventory = async (id: string, ctx: BookingContext) => (await ctx.inventories.load(id)) ?? TicketInventory.notYetRecorded(id);

/**
 * Thin resolvers: arguments → command/query → the aggregate (GraphQL types mapped by codegen).
 * Commands and queries authorize `ctx.caller` (application/booking-access.ts); `Ticket`
 * references and `seatsLeft` are public.
 */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    booking: (_parent, { id }, ctx) => findBooking(ctx.caller, ctx, id),
    bookings: (_parent, args, ctx) => findBookings(ctx.em, ctx.caller, args),
  },
  Mutation: {
    bookTicket: (_parent, { input }, ctx) => ctx.bookTicket.execute(ctx.em, ctx.meta, ctx.caller, input),
    cancelBooking: (_parent, { id }, ctx) => ctx.cancelBooking.execute(ctx.em, ctx.meta, ctx.caller, id),
  },
  Booking: {
    __resolveReference: (reference, ctx) => findBooking(ctx.caller, ctx, reference.id),
    ticket: (booking, _args, ctx) => inventory(booking.ticketId, ctx),
  },
  Ticket: {
    __resolveReference: (reference, ctx) => inventory(reference.id, ctx),
    seatsLeft: (ticket) => ticket.bookableSeats(),
    bookings: (ticket, _args, ctx) => bookingsOfTicket(ctx.caller, ticket, ctx.bookingsByTicket),
  },
};
