import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'graphql';
import type { MyBookingUpdated } from '@supergraph/contracts';
import { createConsumer, createLiveFeed, openContext, runMain, serveSubgraph } from '@supergraph/kernel';
import { forgetBookingWhenBookingAbandoned } from './application/policies/forget-booking-when-booking-abandoned';
import { recordBookingWhenTicketBooked } from './application/policies/record-booking-when-ticket-booked';
import { recordCancellationWhenBookingCanceled } from './application/policies/record-cancellation-when-booking-canceled';
import { recordPaymentCancellationWhenPaymentCanceled } from './application/policies/record-payment-cancellation-when-payment-canceled';
import { recordPaymentWhenPaymentApproved } from './application/policies/record-payment-when-payment-approved';
import type { MyPageContext } from './graphql/context';
import { resolvers } from './graphql/resolvers';
import { myPageEntities } from './infrastructure/my-booking.schema';

/** The mypage subgraph's SDL (src/schema.graphql). */
export const typeDefs = parse(readFileSync(join(__dirname, '..', 'src', 'schema.graphql'), 'utf8'));

/**
 * Starts the mypage view (SPEC.md 1.8): store `MYPAGE_DB_URL` (SQLite by default, see README
 * "Configuration"), port `MYPAGE_PORT` (4005). Consumer group `mypage` on `booking.events` and
 * `payment.events`; built from those events only, it never calls another context. Publishes
 * `MyBookingUpdated` on `mypage.events` for each change of a visible row; a live feed of that stream
 * serves `myPageUpdated` over WebSocket, so any replica serves any customer.
 */
export async function main(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}) {
  const runtime = await openContext('mypage', { entities: myPageEntities, env });
  const consumer = createConsumer(runtime, {
    subscriptions: {
      [runtime.stream('booking')]: {
        TicketBooked: recordBookingWhenTicketBooked,
        BookingCanceled: recordCancellationWhenBookingCanceled,
        BookingAbandoned: forgetBookingWhenBookingAbandoned,
      },
      [runtime.stream('payment')]: { PaymentApproved: recordPaymentWhenPaymentApproved, PaymentCanceled: recordPaymentCancellationWhenPaymentCanceled },
    },
  });
  const updates = createLiveFeed<MyBookingUpdated>(runtime, { types: ['MyBookingUpdated'], key: (event) => event.payload.customerId });
  return serveSubgraph<MyPageContext>(runtime, {
    typeDefs,
    resolvers,
    context: (base) => ({ ...base, updates }),
    consumers: [consumer],
    feeds: [updates],
    ...options,
  });
}

if (require.main === module) void runMain(() => main(), 'mypage');
