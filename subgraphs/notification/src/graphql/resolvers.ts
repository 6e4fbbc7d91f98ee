import { DateTimeScalar } from '@supergraph/kernel';
import { listNotifications } from '../application/queries/list-notifications.query';
import { watchNotifications } from '../application/queries/watch-notifications.query';
import type { Notification } from '../domain/notification';
import type { Resolvers } from './__generated__/resolvers';

/** Thin resolvers: arguments → query → notifications (GraphQL types mapped by codegen). */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    notifications: (_parent, args, { em }) => listNotifications(em, args),
  },
  Subscription: {
    notificationAdded: {
      subscribe: (_parent, args, { em, added }) => watchNotifications(em, added, args),
      resolve: (notification: Notification) => notification,
    },
  },
};
