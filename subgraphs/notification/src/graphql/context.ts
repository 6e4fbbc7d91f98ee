import type { NotificationAdded } from '@supergraph/contracts';
import type { LiveFeed, RequestContext } from '@supergraph/kernel';

/** Per-request context of the notification subgraph: the kernel's base (read side only, no commands) and the live feed. */
export interface NotificationContext extends RequestContext {
  /** This replica's feed of `NotificationAdded` on `notification.events`, keyed by recipient id (`notificationAdded`). */
  added: LiveFeed<NotificationAdded>;
}
