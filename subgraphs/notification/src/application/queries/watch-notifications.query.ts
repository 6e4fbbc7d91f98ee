import type { EntityManager } from '@mikro-orm/core';
import type { NotificationAdded } from '@supergraph/contracts';
import { Caller, LiveFeed, replayThenLive } from '@supergraph/kernel';
import { Notification, notificationCursor } from '../../domain/notification';
import { notificationRecipient } from '../notification-access';
import { latestNotificationId, MAX_NOTIFICATIONS_PAGE, notificationsAfter } from './list-notifications.query';

/** `notificationAdded(...)` arguments (CONTRACT.md). */
export interface WatchNotifications {
  /** Whose notifications; absent: the caller's own. */
  recipientId?: string | null;
  /** Replay the stored notifications with ids greater than this one first (1 to 20 digits); null: only those stored from now on. */
  after?: string | null;
}

/**
 * `notificationAdded(recipientId, after)` (CONTRACT.md "Subscription"): the recipient's notifications
 * as they are stored, oldest first. With `after`, first every stored notification with a greater id,
 * then the new ones; without it, only those stored after the subscription started. Notify-then-fetch
 * (`replayThenLive`): the listener on `added` (this replica's feed of `notification.events`) is
 * registered first, then the start cursor is read, then notifications are read from the store page by
 * page (a fresh fork of `em` per read) and again on each wake-up. Ids are commit-ordered, so every
 * notification below one already read is committed: no gap and no duplicate at the seam, whichever
 * replica stored them and in whatever order their events arrive. The recipient defaults to the
 * caller and is authorized as for `notifications` (`notificationRecipient`) when the subscription
 * starts. Throws, before anything is registered, `UNAUTHENTICATED` without an end user, `FORBIDDEN`
 * naming `recipientId` for someone else's id (unless admin), `BAD_USER_INPUT` naming `recipientId`
 * when blank or `after` when not a notification id.
 */
export function watchNotifications(em: EntityManager, added: LiveFeed<NotificationAdded>, caller: Caller, args: WatchNotifications): Promise<AsyncIterableIterator<Notification>> {
  const recipientId = notificationRecipient(caller, args.recipientId);
  const after = args.after == null ? null : notificationCursor('after', args.after);
  return replayThenLive<Notification, string>({
    listen: (wake) => added.listen(recipientId, wake),
    start: async () => {
      await added.ready();
      return after ?? latestNotificationId(em.fork(), recipientId);
    },
    fetch: (cursor, pageSize) => notificationsAfter(em.fork(), recipientId, cursor, pageSize),
    cursorOf: (notification) => notification.id,
    pageSize: MAX_NOTIFICATIONS_PAGE,
  });
}
