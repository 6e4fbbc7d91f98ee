import { DateTimeScalar } from '@supergraph/kernel';
import { listNotifications } from '../application/queries/list-notifications.query';
import { watchNotifications } from '../application/queries/watch-notifications.query';
import type { Notification } from '../domain/notification';
import type { Resolvers } from './__generated__/resolvers';

/** Thin resolvers: arguments and the proven caller → query (which authorizes) → notifications (GraphQL types mapped by codegen). */
export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  Query: {
    notifications: (_parent, args, { em, caller }) => listNotifications(em, caller, args),
  },
  Subscription: {
    notificationAdded: {
      subscribe: (_parent, args, { em, added, caller }) => watchNotifications(em, added, caller, args),
      resolve: (notification: Notification) => notification,
    },
  },
};
