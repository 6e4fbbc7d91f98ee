import { EntitySchema } from '@mikro-orm/core';
import { Booking } from '../domain/booking';
import { AbandonedBookingSchema } from './abandoned-booking.schema';
import { bookingFactColumns } from './booking-facts.columns';
import { SeatHoldSchema } from './seat-hold.schema';
import { TicketInventorySchema } from './ticket-inventory.schema';

/** MikroORM mapping of the Booking aggregate (data mapper: the aggregate is the entity). */
export const BookingSchema = new EntitySchema<Booking>({
  class: Booking,
  tableName: 'booking',
  indexes: [{ properties: ['ticketId', 'status'] }, { properties: ['customerId'] }],
  properties: {
    ...bookingFactColumns,
    version: { type: 'integer' },
    status: { type: 'string', length: 16 },
    bookedAt: { type: 'datetime', length: 3 },
    canceledAt: { type: 'datetime', length: 3, nullable: true },
    cancellationReason: { type: 'string', length: 32, nullable: true },
  },
});

/** Every entity of the booking context's store: bookings, the ticket replicas, the seat holds and the abandoned bookings. */
export const bookingEntities = [BookingSchema, TicketInventorySchema, SeatHoldSchema, AbandonedBookingSchema];
