import type { MyBookingUpdated } from '@supergraph/contracts';
import { DateTimeScalar } from '@supergraph/kernel';
import { myPage, organizerPage } from '../application/queries/my-page.query';
import { watchMyPage } from '../application/queries/watch-my-page.query';
import type { Resolvers } from './__generated__/resolvers';

/** Thin resolvers: arguments and the proven caller → query (which authorizes) → view rows or update snapshots (GraphQL types mapped by codegen). */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    myPage: (_parent, { customerId }, { em, caller }) => myPage(em, caller, customerId),
    organizerPage: (_parent, { organizerId }, { em, caller }) => organizerPage(em, caller, organizerId),
  },
  Subscription: {
    myPageUpdated: {
      subscribe: (_parent, { customerId }, { updates, caller }) => watchMyPage(updates, caller, customerId),
      resolve: (row: MyBookingUpdated) => row,
    },
  },
  MyBooking: {
    booking: (row) => ({ id: row.bookingId }),
  },
};
