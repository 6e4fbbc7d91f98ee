import type { EntityManager } from '@mikro-orm/core';
import type { Caller } from '@supergraph/kernel';
import { ensure } from '@supergraph/kernel/domain';
import { BEFORE_FIRST_NOTIFICATION, Notification, notificationCursor } from '../../domain/notification';
import { notificationRecipient } from '../notification-access';

/** `notifications(...)` arguments (CONTRACT.md). */
export interface ListNotifications {
  /** Whose notifications; absent: the caller's own. */
  recipientId?: string | null;
  /** Only notifications with ids greater than this one (the last id the client has): 1 to 20 digits. */
  after?: string | null;
  /** Page size 1..200 (default 50). */
  first?: number | null;
}

/** Largest `first` accepted. */
export const MAX_NOTIFICATIONS_PAGE = 200;

/**
 * `notifications(recipientId, after, first)`: a recipient's notifications, oldest first (ids are
 * commit-ordered sequence numbers, so id order is the order they were stored in), those after
 * `after`, at most `first`. The recipient defaults to the caller and is authorized first
 * (`notificationRecipient`: `UNAUTHENTICATED`, `FORBIDDEN`); then throws `BAD_USER_INPUT` naming
 * `recipientId` when blank, `first` outside 1..200, or `after` when it is not a notification id
 * (1 to 20 digits).
 */
export function listNotifications(em: EntityManager, caller: Caller, args: ListNotifications): Promise<Notification[]> {
  const recipientId = notificationRecipient(caller, args.recipientId);
  const first = ensure.intInRange('first', args.first ?? 50, 1, MAX_NOTIFICATIONS_PAGE);
  const after = args.after == null ? BEFORE_FIRST_NOTIFICATION : notificationCursor('after', args.after);
  return notificationsAfter(em, recipientId, after, first);
}

/**
 * At most `first` of `recipientId`'s notifications with ids greater than `after` (a 20-digit id),
 * oldest first. No authorization: for callers that already authorized the recipient.
 */
export function notificationsAfter(em: EntityManager, recipientId: string, after: string, first: number): Promise<Notification[]> {
  return em.find(Notification, { recipientId, id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: first });
}

/** The greatest id among `recipientId`'s notifications stored now, or `BEFORE_FIRST_NOTIFICATION` when there is none. */
export async function latestNotificationId(em: EntityManager, recipientId: string): Promise<string> {
  const latest = await em.findOne(Notification, { recipientId }, { orderBy: { id: 'desc' }, fields: ['id'] });
  return latest?.id ?? BEFORE_FIRST_NOTIFICATION;
}
