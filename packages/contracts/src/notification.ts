/**
 * Notification events (SPEC.md 1.6, 1.7, 1.9, 1.11): what the notification context publishes on
 * `notification.events`. Instants are ISO-8601 UTC strings. Adding a field is safe; renaming or
 * removing one needs a new event `version`.
 */

/**
 * `notification` → a notification was stored for one recipient (published through the notification
 * outbox in the transaction that stored it). Feeds `notificationAdded` on every replica.
 * `aggregateType` `Notification`, `aggregateId` the notification's id.
 */
export interface NotificationAdded {
  /** The notification's id: its 20-digit, zero-padded sequence number (commit order). */
  notificationId: string;
  recipientId: string;
  /** The event type it tells about, e.g. `TicketBooked`. */
  kind: string;
}
