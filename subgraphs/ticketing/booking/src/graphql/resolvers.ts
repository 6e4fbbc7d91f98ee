import { DateTimeScalar } from '@supergraph/kernel';
import { findBookings } from '../application/queries/find-bookings.query';
import { TicketInventory } from '../domain/ticket-inventory';
import type { BookingContext } from './context';
import type { Resolvers } from './__generated__/resolvers';

/** The replica of ticket `id`, or the not-yet-recorded stand-in (`seatsLeft` 0, no bookings). */
const inventory = async (id: string, ctx: BookingContext) => (await ctx.inventories.load(id)) ?? TicketInventory.notYetRecorded(id);

/** Thin resolvers: arguments → command/query → the aggregate (GraphQL types mapped by codegen). */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    booking: (_parent, { id }, ctx) => ctx.bookings.load(id),
    bookings: (_parent, args, { em }) => findBookings(em, args),
  },
  Mutation: {
    bookTicket: (_parent, { input }, ctx) => ctx.bookTicket.execute(ctx.em, ctx.meta, input),
    cancelBooking: (_parent, { id }, ctx) => ctx.cancelBooking.execute(ctx.em, ctx.meta, id),
  },
  Booking: {
    __resolveReference: (reference, ctx) => ctx.bookings.load(reference.id),
    ticket: (booking, _args, ctx) => inventory(booking.ticketId, ctx),
  },
  Ticket: {
    __resolveReference: (reference, ctx) => inventory(reference.id, ctx),
    seatsLeft: (ticket) => ticket.bookableSeats(),
    bookings: (ticket, _args, ctx) => ctx.bookingsByTicket.load(ticket.id),
  },
};
