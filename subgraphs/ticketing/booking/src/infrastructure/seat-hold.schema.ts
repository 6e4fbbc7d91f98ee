import { EntitySchema } from '@mikro-orm/core';
import { SeatHold } from '../domain/seat-hold';
import { bookingFactColumns } from './booking-facts.columns';

/**
 * MikroORM mapping of seat holds (data mapper: the domain class is the entity): one row per
 * booking whose payment is being asked, deleted when the booking is written or the hold released.
 * Indexed by ticket (the deletion saga releases a ticket's holds) and by expiry (the sweeper).
 */
export const SeatHoldSchema = new EntitySchema<SeatHold>({
  class: SeatHold,
  tableName: 'seat_hold',
  indexes: [{ properties: ['ticketId'] }, { properties: ['expiresAt'] }],
  properties: {
    ...bookingFactColumns,
    correlationId: { type: 'string', length: 100 },
    heldAt: { type: 'datetime', length: 3 },
    expiresAt: { type: 'datetime', length: 3 },
  },
});
