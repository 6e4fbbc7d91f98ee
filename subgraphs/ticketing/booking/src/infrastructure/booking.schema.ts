import { EntitySchema } from '@mikro-orm/core';
import { Booking } from '../domain/booking';
import { TicketInventorySchema } from './ticket-inventory.schema';

/** MikroORM mapping of the Booking aggregate (data mapper: the aggregate is the entity). */
export const BookingSchema = new EntitySchema<Booking>({
  class: Booking,
  tableName: 'booking',
  indexes: [{ properties: ['ticketId', 'status'] }, { properties: ['customerId'] }],
  properties: {
    id: { type: 'string', length: 36, primary: true },
    version: { type: 'integer' },
    ticketId: { type: 'string', length: 100 },
    customerId: { type: 'string', length: 100 },
    quantity: { type: 'integer' },
    amount: { type: 'integer' },
    status: { type: 'string', length: 16 },
    bookedAt: { type: 'datetime', length: 3 },
    canceledAt: { type: 'datetime', length: 3, nullable: true },
    cancellationReason: { type: 'string', length: 32, nullable: true },
  },
});

/** Every entity of the booking context's store: bookings and the ticket replicas. */
export const bookingEntities = [BookingSchema, TicketInventorySchema];
