import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import { ConfigError, createConsumer, groupLoader, intVar, loadConfig, openContext, runMain, serveSubgraph, serviceUrl, subgraph, uniqueLoader } from '@supergraph/kernel';
import { BookTicketHandler } from './application/commands/book-ticket/book-ticket.handler';
import { CancelBookingHandler } from './application/commands/cancel-booking/cancel-booking.handler';
import { ReleaseExpiredHoldsHandler } from './application/commands/release-expired-holds/release-expired-holds.handler';
import { cancelBookingsWhenTicketDeleted } from './application/policies/cancel-bookings-when-ticket-deleted';
import { cancelMoreBookingsWhenTicketDeletionContinued } from './application/policies/cancel-more-bookings-when-ticket-deletion-continued';
import { recordTicketWhenTicketRegistered } from './application/policies/record-ticket-when-ticket-registered';
import { Booking } from './domain/booking';
import { TicketInventory } from './domain/ticket-inventory';
import type { BookingContext } from './graphql/context';
import { resolvers } from './graphql/resolvers';
import { bookingEntities } from './infrastructure/booking.schema';
import { PaymentClient } from './infrastructure/clients/payment.client';
import { HoldSweeper } from './infrastructure/hold-sweeper';

/** The booking subgraph's SDL (src/schema.graphql). */
export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

/**
 * Booking's own variables (defaults in brackets):
 * - `PAYMENT_TIMEOUT_MS`: timeout of each payment call, ms [2000];
 * - `SEAT_HOLD_TTL_MS`: how long seats stay held for a booking whose payment is being asked, ms
 *   [60000]; must exceed `PAYMENT_TIMEOUT_MS`, else the service refuses to start (`ConfigError`);
 * - `SEAT_HOLD_SWEEP_INTERVAL_MS`: how often expired holds are released, ms [5000];
 * - `TICKET_DELETION_BATCH_SIZE`: bookings the deletion saga cancels per transaction [200].
 */
export const bookingConfig = {
  PAYMENT_TIMEOUT_MS: intVar(2000),
  SEAT_HOLD_TTL_MS: intVar(60_000),
  SEAT_HOLD_SWEEP_INTERVAL_MS: intVar(5000),
  TICKET_DELETION_BATCH_SIZE: intVar(200),
};

/**
 * Starts the booking context: store `BOOKING_DB_URL` (see README "Configuration"), port
 * `BOOKING_PORT` (4002), publishes to `booking.events` (`TicketBooked`, `BookingCanceled`,
 * `BookingAbandoned`, `TicketDeletionContinued`); calls payment at `PAYMENT_URL` (else
 * `PAYMENT_PORT`, 4003) synchronously, with its service credential; consumer group `booking` on
 * `ticket.events` (`TicketRegistered` → record the ticket, `TicketDeleted` → cancel its bookings)
 * and on its own `booking.events` (`TicketDeletionContinued` → cancel the next batch); with the
 * consumers, the sweeper of expired seat holds. Throws `ConfigError` when `SEAT_HOLD_TTL_MS` ≤ `PAYMENT_TIMEOUT_MS`.
 */
export async function main(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}) {
  const { PAYMENT_TIMEOUT_MS, SEAT_HOLD_TTL_MS } = loadConfig(bookingConfig, env);
  if (SEAT_HOLD_TTL_MS <= PAYMENT_TIMEOUT_MS) {
    throw new ConfigError(`Invalid configuration:\n  SEAT_HOLD_TTL_MS: must exceed PAYMENT_TIMEOUT_MS (${PAYMENT_TIMEOUT_MS} ms), got ${SEAT_HOLD_TTL_MS} ms`);
  }
  const runtime = await openContext('booking', { entities: bookingEntities, configShape: bookingConfig, env });
  const { config } = runtime;
  const payments = new PaymentClient({
    url: serviceUrl(subgraph('payment'), env),
    timeoutMs: config.PAYMENT_TIMEOUT_MS,
    metrics: runtime.metrics,
    credential: () => runtime.credentials.forService('booking'),
    logger: runtime.logger.child({ component: 'payment-client' }),
  });
  const bookTicket = new BookTicketHandler(runtime.uow, payments, runtime.logger.child({ component: 'book-ticket' }), { holdTtlMs: config.SEAT_HOLD_TTL_MS });
  const cancelBooking = new CancelBookingHandler(runtime.uow);
  const sweeper = new HoldSweeper(new ReleaseExpiredHoldsHandler(runtime.uow), runtime.orm.em, config.SEAT_HOLD_SWEEP_INTERVAL_MS, runtime.logger.child({ component: 'hold-sweeper' }));
  const consumer = createConsumer(runtime, {
    subscriptions: {
      [runtime.stream('ticket')]: {
        TicketRegistered: recordTicketWhenTicketRegistered,
        TicketDeleted: cancelBookingsWhenTicketDeleted(config.TICKET_DELETION_BATCH_SIZE),
      },
      [runtime.stream('booking')]: { TicketDeletionContinued: cancelMoreBookingsWhenTicketDeletionContinued(config.TICKET_DELETION_BATCH_SIZE) },
    },
  });
  const service = await serveSubgraph<BookingContext>(runtime, {
    typeDefs,
    resolvers,
    consumers: [consumer],
    onStop: async () => {
      await sweeper.stop();
      payments.shutdown();
    },
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
  sweeper.start();
  return service;
}

if (require.main === module) void runMain(() => main(), 'booking');
