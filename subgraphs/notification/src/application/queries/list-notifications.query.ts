import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { ensure } from '@supergraph/kernel/domain';
import { Notification } from '../../domain/notification';

/** `notifications(...)` arguments (CONTRACT.md). */
export interface ListNotifications {
  recipientId: string;
  /** Only notifications with ids greater than this one (the last id the client has). */
  after?: string | null;
  /** Page size 1..200 (default 50). */
  first?: number | null;
}

/** Largest `first` accepted. */
export const MAX_NOTIFICATIONS_PAGE = 200;

/**
 * A recipient's notifications, oldest first (ids are uuid v7, so id order is creation order),
 * those after `after`, at most `first`. Throws `BAD_USER_INPUT` naming `first` outside 1..200,
 * or `recipientId` when empty.
 */
export function listNotifications(em: EntityManager, args: ListNotifications): Promise<Notification[]> {
  const recipientId = ensure.id('recipientId', args.recipientId);
  const first = ensure.intInRange('first', args.first ?? 50, 1, MAX_NOTIFICATIONS_PAGE);
  const where: FilterQuery<Notification> = args.after ? { recipientId, id: { $gt: args.after } } : { recipientId };
  return em.find(Notification, where, { orderBy: { id: 'asc' }, limit: first });
}
