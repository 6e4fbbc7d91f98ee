import { EntitySchema } from '@mikro-orm/core';
import { MyBooking } from '../domain/my-booking';

/**
 * MikroORM mapping of the `MyBooking` view row (data mapper: the domain class is the entity).
 * `revision` is the optimistic lock between consumer replicas (so the unit of work does not claim
 * `version` itself); `version` counts the row's `MyBookingUpdated` events; `id` is the aggregate's
 * read-only alias of `bookingId` (a virtual getter, not stored); the indexes serve
 * `myPage` and `organizerPage`. `abandoned` and `version` default for rows stored before they existed.
 */
export const MyBookingSchema = new EntitySchema<MyBooking>({
  class: MyBooking,
  tableName: 'my_booking',
  indexes: [
    { name: 'my_booking_customer_index', properties: ['customerId', 'bookingId'] },
    { name: 'my_booking_organizer_index', properties: ['organizerId', 'bookingId'] },
  ],
  properties: {
    bookingId: { type: 'string', length: 100, primary: true },
    id: { type: 'string', persist: false, getter: true },
    revision: { type: 'integer', version: true },
    version: { type: 'integer', default: 0 },
    ticketId: { type: 'string', length: 100, nullable: true },
    ticketTitle: { type: 'string', length: 200, nullable: true },
    customerId: { type: 'string', length: 100, nullable: true },
    organizerId: { type: 'string', length: 100, nullable: true },
    quantity: { type: 'integer', nullable: true },
    amount: { type: 'integer', nullable: true },
    bookingStatus: { type: 'string', length: 16, nullable: true },
    bookingVersion: { type: 'integer' },
    paymentStatus: { type: 'string', length: 16, nullable: true },
    abandoned: { type: 'boolean', default: false },
    updatedAt: { type: 'datetime', length: 3 },
  },
});

/** Every entity of the mypage context's store. */
export const myPageEntities = [MyBookingSchema];
