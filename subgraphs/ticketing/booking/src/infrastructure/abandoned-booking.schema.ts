import { EntitySchema } from '@mikro-orm/core';
import { AbandonedBooking } from '../domain/abandoned-booking';
import { bookingFactColumns } from './booking-facts.columns';

/**
 * MikroORM mapping of the AbandonedBooking aggregate (data mapper: the aggregate is the entity).
 * Keyed by the abandoned booking's id: at most one row per booking; the table is also the audit
 * log of abandoned bookings.
 */
export const AbandonedBookingSchema = new EntitySchema<AbandonedBooking>({
  class: AbandonedBooking,
  tableName: 'abandoned_booking',
  properties: {
    ...bookingFactColumns,
    version: { type: 'integer' },
    reason: { type: 'string', length: 32 },
    abandonedAt: { type: 'datetime', length: 3 },
  },
});
