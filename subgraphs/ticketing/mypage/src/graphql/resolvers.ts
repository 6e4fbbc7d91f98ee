import type { MyBookingUpdated } from '@supergraph/contracts';
import { DateTimeScalar } from '@supergraph/kernel';
import { myPage, organizerPage } from '../application/queries/my-page.query';
import { watchMyPage } from '../application/queries/watch-my-page.query';
import type { Resolvers } from './__generated__/resolvers';

/** Thin resolvers: arguments → query → view rows or update snapshots (GraphQL types mapped by codegen). */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    myPage: (_parent, { customerId }, { em }) => myPage(em, customerId),
    organizerPage: (_parent, { organizerId }, { em }) => organizerPage(em, organizerId),
  },
  Subscription: {
    myPageUpdated: {
      subscribe: (_parent, { customerId }, { updates }) => watchMyPage(updates, customerId),
      resolve: (row: MyBookingUpdated) => row,
    },
  },
  MyBooking: {
    booking: (row) => ({ id: row.bookingId }),
  },
};
