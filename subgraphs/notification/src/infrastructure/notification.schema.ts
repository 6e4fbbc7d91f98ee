import { EntitySchema } from '@mikro-orm/core';
import { Notification } from '../domain/notification';
import { NotificationSequenceSchema } from './notification-sequence.schema';

/**
 * MikroORM mapping of `Notification` (data mapper: the domain class is the entity). The unique
 * (eventId, recipientId) is the last guard against notifying twice; (recipientId, id) serves
 * `notifications(recipientId, after, first)` and `notificationAdded`. `id` holds the 20-digit
 * sequence number (`allocateNotificationIds`). The aggregate's `version` is not stored
 * (`persist: false`): a notification is immutable and raises only its creating event.
 */
export const NotificationSchema = new EntitySchema<Notification>({
  class: Notification,
  tableName: 'notification',
  uniques: [{ name: 'notification_event_recipient_unique', properties: ['eventId', 'recipientId'] }],
  indexes: [{ name: 'notification_recipient_id_index', properties: ['recipientId', 'id'] }],
  properties: {
    id: { type: 'string', length: 36, primary: true },
    version: { type: 'integer', persist: false },
    recipientId: { type: 'string', length: 100 },
    kind: { type: 'string', length: 100 },
    message: { type: 'text' },
    correlationId: { type: 'string', length: 100 },
    eventId: { type: 'string', length: 36 },
    createdAt: { type: 'datetime', length: 3 },
  },
});

/** Every entity of the notification context's store. */
export const notificationEntities = [NotificationSchema, NotificationSequenceSchema];
