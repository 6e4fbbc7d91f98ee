import { EntitySchema, raw, type EntityManager } from '@mikro-orm/core';
import { notificationId } from '../domain/notification';

/** A named counter of the notification store (`notification_sequence`): the last number handed out. */
export class NotificationSequence {
  constructor(
    readonly name: string,
    readonly value: bigint,
  ) {}
}

/** MikroORM mapping of `NotificationSequence`: one row per sequence, `value` a bigint. */
export const NotificationSequenceSchema = new EntitySchema<NotificationSequence>({
  class: NotificationSequence,
  tableName: 'notification_sequence',
  properties: {
    name: { type: 'string', length: 50, primary: true },
    value: { type: 'bigint' },
  },
});

/** The row numbering notifications. */
const NOTIFICATIONS = 'notification';

/**
 * `count` (≥ 1) new notification ids, ascending, allocated inside the transaction `tx`, in commit
 * order: the sequence row is incremented first (`UPDATE … SET value = value + count`), which locks
 * it until `tx` commits or rolls back, then read back. A concurrent transaction allocating ids waits
 * for that lock, so it gets greater numbers and commits later (PostgreSQL, MariaDB; SQLite runs one
 * write transaction at a time): ids become visible in id order, and a rolled-back allocation is
 * undone with its transaction. The row is inserted on first use; when two transactions insert it at
 * once, the loser fails on the primary key and its event is retried by the consumer.
 * Call it before the transaction's other writes, so the lock is taken first and held briefly.
 */
export async function allocateNotificationIds(tx: EntityManager, count: number): Promise<string[]> {
  const updated = await tx.nativeUpdate(NotificationSequence, { name: NOTIFICATIONS }, { value: raw('value + ?', [count]) });
  if (updated === 0) await tx.insert(NotificationSequence, { name: NOTIFICATIONS, value: BigInt(count) });
  const row = await tx.findOneOrFail(NotificationSequence, { name: NOTIFICATIONS }, { refresh: true });
  const last = BigInt(row.value);
  return Array.from({ length: count }, (_, i) => notificationId(last - BigInt(count - 1 - i)));
}
