import type { EntityManager } from '@mikro-orm/core';
import { ensure } from '@supergraph/kernel/domain';
import { BEFORE_FIRST_NOTIFICATION, Notification, notificationCursor } from '../../domain/notification';

/** `notifications(...)` arguments (CONTRACT.md). */
export interface ListNotifications {
  recipientId: string;
  /** Only notifications with ids greater than this one (the last id the client has): 1 to 20 digits. */
  after?: string | null;
  /** Page size 1..200 (default 50). */
  first?: number | null;
}

/** Largest `first` accepted. */
export const MAX_NOTIFICATIONS_PAGE = 200;

/**
 * A recipient's notifications, oldest first (ids are commit-ordered sequence numbers, so id order
 * is the order they were stored in), those after `after`, at most `first`. Throws `BAD_USER_INPUT`
 * naming `first` outside 1..200, `after` when it is not a notification id (1 to 20 digits), or
 * `recipientId` when empty.
 */
export function listNotifications(em: EntityManager, args: ListNotifications): Promise<Notification[]> {
  const recipientId = ensure.id('recipientId', args.recipientId);
  const first = ensure.intInRange('first', args.first ?? 50, 1, MAX_NOTIFICATIONS_PAGE);
  const after = args.after == null ? BEFORE_FIRST_NOTIFICATION : notificationCursor('after', args.after);
  return em.find(Notification, { recipientId, id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: first });
}

/** The greatest id among `recipientId`'s notifications stored now, or `BEFORE_FIRST_NOTIFICATION` when there is none. */
export async function latestNotificationId(em: EntityManager, recipientId: string): Promise<string> {
  const latest = await em.findOne(Notification, { recipientId }, { orderBy: { id: 'desc' }, fields: ['id'] });
  return latest?.id ?? BEFORE_FIRST_NOTIFICATION;
}
