import type { EntityManager } from '@mikro-orm/core';
import type { EventEnvelope } from '@supergraph/kernel';
import { EventStamp, MyBooking } from '../../domain/my-booking';

/** The envelope facts the merge rules order by: `aggregateVersion` and `occurredAt`. */
export function stampOf(event: EventEnvelope<object>): EventStamp {
  return { version: event.aggregateVersion, occurredAt: new Date(event.occurredAt) };
}

/**
 * Loads the view row of `bookingId` in the consumer's transaction `tx`, or starts one when this is
 * the booking's first event (`occurredAt` of that event), applies `change` and stages the row.
 * Two replicas racing on one booking conflict (primary key or row revision); the loser's
 * transaction rolls back and its event is retried by the consumer.
 */
export async function updateMyBooking(tx: EntityManager, bookingId: string, occurredAt: Date, change: (row: MyBooking) => void): Promise<MyBooking> {
  const row = (await tx.findOne(MyBooking, { bookingId })) ?? MyBooking.start(bookingId, occurredAt);
  change(row);
  tx.persist(row);
  return row;
}
