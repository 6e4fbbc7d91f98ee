import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import { createConsumer, intVar, openContext, runMain, serveSubgraph } from '@supergraph/kernel';
import { ApprovePaymentHandler } from './application/commands/approve-payment/approve-payment.handler';
import { cancelPaymentWhenBookingCanceled } from './application/policies/cancel-payment-when-booking-canceled';
import { voidPaymentWhenBookingAbandoned } from './application/policies/void-payment-when-booking-abandoned';
import { paymentLoader } from './application/queries/find-payments.query';
import { DEFAULT_PAYMENT_LIMIT_KRW } from './domain/payment';
import type { PaymentContext } from './graphql/context';
import { resolvers } from './graphql/resolvers';
import { paymentEntities } from './infrastructure/payment.schema';

/** The payment subgraph's SDL (src/schema.graphql). */
export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

/** Payment's own variables: `PAYMENT_LIMIT_KRW`, the per-payment limit in whole KRW (default 10,000,000). */
export const paymentConfig = { PAYMENT_LIMIT_KRW: intVar(DEFAULT_PAYMENT_LIMIT_KRW) };

/**
 * Starts the payment context: store `PAYMENT_DB_URL` (see README "Configuration"), port
 * `PAYMENT_PORT` (4003), publishes to `payment.events`; consumer group `payment` on
 * `booking.events` (`BookingCanceled` → cancel the payment; `BookingAbandoned` → cancel it, or
 * void the booking so that a late approval is refused).
 */
export async function main(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}) {
  const runtime = await openContext('payment', { entities: paymentEntities, configShape: paymentConfig, env });
  const approvePayment = new ApprovePaymentHandler(runtime.uow, runtime.config.PAYMENT_LIMIT_KRW);
  const consumer = createConsumer(runtime, {
    subscriptions: {
      [runtime.stream('booking')]: { BookingCanceled: cancelPaymentWhenBookingCanceled, BookingAbandoned: voidPaymentWhenBookingAbandoned },
    },
  });
  return serveSubgraph<PaymentContext>(runtime, {
    typeDefs,
    resolvers,
    consumers: [consumer],
    ...options,
    context: (base) => ({
      ...base,
      approvePayment,
      payments: paymentLoader(base.em, 'id'),
      paymentsByBooking: paymentLoader(base.em, 'bookingId'),
    }),
  });
}

if (require.main === module) void runMain(() => main(), 'payment');
