import { DateTimeScalar } from '@supergraph/kernel';
import { myPage, organizerPage } from '../application/queries/my-page.query';
import type { Resolvers } from './__generated__/resolvers';

/** Thin resolvers: arguments → query → view rows (GraphQL types mapped by codegen). */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    myPage: (_parent, { customerId }, { em }) => myPage(em, customerId),
    organizerPage: (_parent, { organizerId }, { em }) => organizerPage(em, organizerId),
  },
  MyBooking: {
    booking: (row) => ({ id: row.bookingId }),
  },
};
