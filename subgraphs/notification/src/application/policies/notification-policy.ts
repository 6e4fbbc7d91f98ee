import type { EntityManager } from '@mikro-orm/core';
import { EventEnvelope, EventHandler, Subscriptions } from '@supergraph/kernel';
import { Notice, Notification } from '../../domain/notification';

/**
 * Port: `count` (≥ 1) new notification ids, ascending, allocated inside the transaction `tx` in
 * commit order (a notification with a smaller id never commits after one with a greater id), e.g.
 * `allocateNotificationIds` of the infrastructure (the store's `notification_sequence`).
 */
export type AllocateNotificationIds = (tx: EntityManager, count: number) => Promise<string[]>;

/**
 * Who is told what about one event: a pure function of the event's payload (the published
 * language of `packages/contracts`). Returns one notice per recipient; an empty list tells no one.
 */
export type NotificationPolicy<P extends object> = (payload: P) => Notice[];

/**
 * The policies of one system (ticketing, membership, ...): by producing context (`ticket`,
 * `booking`, read from `<context>.events`), then by event type. `E` maps event types to
 * payloads (e.g. `TicketingEvents`) so each policy gets its event's payload type.
 */
export type SystemPolicies<E extends object = Record<string, object>> = Record<string, { [K in keyof E]?: NotificationPolicy<Extract<E[K], object>> }>;

/**
 * Stores the notifications `notices` ask for about `event` in the consumer's transaction `tx`:
 * one per recipient (when a recipient appears twice, e.g. an organizer booking their own
 * ticket, the first notice wins), skipping recipients already notified of this event id (the
 * unique (eventId, recipientId) makes that hold even if the inbox forgot the event). Their ids come
 * from `allocateIds`, the transaction's first write, so ids follow commit order; each one raises
 * `NotificationAdded`, staged in the outbox by the unit of work. Resolves with the notifications
 * written now (none, and no id allocated, when every recipient was notified already).
 */
export async function notify(tx: EntityManager, event: EventEnvelope, notices: Notice[], allocateIds: AllocateNotificationIds, now: Date = new Date()): Promise<Notification[]> {
  const byRecipient = new Map<string, Notice>();
  for (const notice of notices) if (!byRecipient.has(notice.recipientId)) byRecipient.set(notice.recipientId, notice);
  if (byRecipient.size === 0) return [];
  const already = await tx.find(Notification, { eventId: event.id, recipientId: { $in: [...byRecipient.keys()] } });
  const notified = new Set(already.map((n) => n.recipientId));
  const fresh = [...byRecipient.values()].filter((notice) => !notified.has(notice.recipientId));
  if (fresh.length === 0) return [];
  const ids = await allocateIds(tx, fresh.length);
  const source = { eventId: event.id, kind: event.type, correlationId: event.aggregateId };
  const written = fresh.map((notice, i) => Notification.about(ids[i], source, notice, now));
  tx.persist(written);
  return written;
}

/** Runs `policy` on each event and stores its notices (see `notify`). */
export function notifyBy<P extends object>(policy: NotificationPolicy<P>, allocateIds: AllocateNotificationIds): EventHandler {
  return async (event: EventEnvelope<P>, tx) => {
    await notify(tx, event as EventEnvelope, policy(event.payload), allocateIds);
  };
}

/**
 * The consumer's subscriptions for the given systems' policies: the stream of each producing
 * context (`stream('booking')` → `<namespace>booking.events`) → event type → handler storing the
 * notices with ids from `allocateIds`. Two systems naming the same producer have their event types merged.
 */
export function notificationSubscriptions(stream: (context: string) => string, systems: SystemPolicies<any>[], allocateIds: AllocateNotificationIds): Subscriptions {
  const subscriptions: Subscriptions = {};
  for (const system of systems) {
    for (const [producer, policies] of Object.entries(system)) {
      const handlers = (subscriptions[stream(producer)] ??= {});
      for (const [type, policy] of Object.entries(policies)) if (policy) handlers[type] = notifyBy(policy, allocateIds);
    }
  }
  return subscriptions;
}
