import { EntitySchema } from '@mikro-orm/core';
import { Notification } from '../domain/notification';

/**
 * MikroORM mapping of `Notification` (data mapper: the domain class is the entity). The unique
 * (eventId, recipientId) is the last guard against notifying twice; (recipientId, id) serves
 * `notifications(recipientId, after, first)`.
 */
export const NotificationSchema = new EntitySchema<Notification>({
  class: Notification,
  tableName: 'notification',
  uniques: [{ name: 'notification_event_recipient_unique', properties: ['eventId', 'recipientId'] }],
  indexes: [{ name: 'notification_recipient_id_index', properties: ['recipientId', 'id'] }],
  properties: {
    id: { type: 'string', length: 36, primary: true },
    recipientId: { type: 'string', length: 100 },
    kind: { type: 'string', length: 100 },
    message: { type: 'text' },
    correlationId: { type: 'string', length: 100 },
    eventId: { type: 'string', length: 36 },
    createdAt: { type: 'datetime', length: 3 },
  },
});

/** Every entity of the notification context's store. */
export const notificationEntities = [NotificationSchema];
