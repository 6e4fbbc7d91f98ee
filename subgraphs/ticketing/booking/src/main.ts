import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import { createConsumer, groupLoader, intVar, openContext, serveSubgraph, serviceUrl, subgraph, uniqueLoader } from '@supergraph/kernel';
import { BookTicketHandler } from './application/commands/book-ticket/book-ticket.handler';
import { CancelBookingHandler } from './application/commands/cancel-booking/cancel-booking.handler';
import { cancelBookingsWhenTicketDeleted } from './application/policies/cancel-bookings-when-ticket-deleted';
import { recordTicketWhenTicketRegistered } from './application/policies/record-ticket-when-ticket-registered';
import { Booking } from './domain/booking';
import { TicketInventory } from './domain/ticket-inventory';
import type { BookingContext } from './graphql/context';
import { resolvers } from './graphql/resolvers';
import { bookingEntities } from './infrastructure/booking.schema';
import { PaymentClient } from './infrastructure/clients/payment.client';

/** The booking subgraph's SDL (src/schema.graphql). */
export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

/** Booking's own variables: `PAYMENT_TIMEOUT_MS`, the timeout of each payment call in ms (default 2000). */
export const bookingConfig = { PAYMENT_TIMEOUT_MS: intVar(2000) };

/**
 * Starts the booking context: store `BOOKING_DB_URL` (see README "Configuration"), port
 * `BOOKING_PORT` (4002), publishes to `booking.events` (`TicketBooked`, `BookingCanceled`,
 * `BookingAbandoned`); calls payment at `PAYMENT_URL` (else `PAYMENT_PORT`, 4003)
 * synchronously; consumer group `booking` on `ticket.events` (`TicketRegistered` → record the
 * ticket, `TicketDeleted` → cancel its bookings).
 */
export async function main(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}) {
  const runtime = await openContext('booking', { entities: bookingEntities, configShape: bookingConfig, env });
  const payments = new PaymentClient({ url: serviceUrl(subgraph('payment'), env), timeoutMs: runtime.config.PAYMENT_TIMEOUT_MS });
  const bookTicket = new BookTicketHandler(runtime.uow, payments, runtime.logger.child({ component: 'book-ticket' }));
  const cancelBooking = new CancelBookingHandler(runtime.uow);
  const consumer = createConsumer(runtime, {
    subscriptions: {
      [runtime.stream('ticket')]: { TicketRegistered: recordTicketWhenTicketRegistered, TicketDeleted: cancelBookingsWhenTicketDeleted },
    },
  });
  return serveSubgraph<BookingContext>(runtime, {
    typeDefs,
    resolvers,
    consumers: [consumer],
    onStop: () => payments.shutdown(),
    ...options,
    context: (base) => ({
      ...base,
      bookTicket,
      cancelBooking,
      bookings: uniqueLoader(base.em, Booking),
      bookingsByTicket: groupLoader(base.em, Booking, 'ticketId', { id: 'desc' }),
      inventories: uniqueLoader(base.em, TicketInventory),
    }),
  });
}

if (require.main === module) void main();
