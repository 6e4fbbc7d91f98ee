import { EntitySchema } from '@mikro-orm/core';

/**
 * A row of the transactional outbox: an event committed with the aggregate that raised it,
 * waiting for the relay to XADD it to `stream`. `seq` orders publication. Once published
 * (`publishedAt` set), it is deleted by `Housekeeping` after `OUTBOX_RETENTION_MS`.
 */
export class OutboxMessage {
  seq!: number;
  constructor(
    readonly eventId: string,
    readonly stream: string,
    readonly type: string,
    /** The `EventEnvelope` as JSON. */
    readonly envelope: string,
    readonly createdAt: Date = new Date(),
    public publishedAt: Date | null = null,
  ) {}
}

export const OutboxMessageSchema = new EntitySchema<OutboxMessage>({
  class: OutboxMessage,
  tableName: 'outbox_message',
  indexes: [{ properties: ['publishedAt', 'seq'] }],
  properties: {
    seq: { type: 'integer', primary: true, autoincrement: true },
    eventId: { type: 'string', length: 36, unique: true },
    stream: { type: 'string', length: 200 },
    type: { type: 'string', length: 100 },
    envelope: { type: 'text' },
    createdAt: { type: 'datetime', length: 3 },
    publishedAt: { type: 'datetime', length: 3, nullable: true },
  },
});
