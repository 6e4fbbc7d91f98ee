import { EntitySchema } from '@mikro-orm/core';

/**
 * Inbox row: `consumer` (the consumer group, i.e. the reacting context or view) has applied
 * event `eventId`. Written in the same transaction as the handler's effects, so an event
 * delivered twice has its effects once. Rows older than `INBOX_RETENTION_MS` are deleted by
 * `Housekeeping`; dedup therefore covers redeliveries within that window only.
 */
export class ProcessedEvent {
  constructor(
    readonly consumer: string,
    readonly eventId: string,
    readonly processedAt: Date = new Date(),
  ) {}
}

export const ProcessedEventSchema = new EntitySchema<ProcessedEvent>({
  class: ProcessedEvent,
  tableName: 'processed_event',
  /** For the retention purge (`Housekeeping`, `INBOX_RETENTION_MS`), which deletes by age. */
  indexes: [{ properties: ['processedAt'] }],
  properties: {
    consumer: { type: 'string', length: 100, primary: true },
    eventId: { type: 'string', length: 36, primary: true },
    processedAt: { type: 'datetime', length: 3 },
  },
});
