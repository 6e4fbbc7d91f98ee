import { EntitySchema } from '@mikro-orm/core';
import { Payment } from '../domain/payment';

/**
 * MikroORM mapping of the Payment aggregate (data mapper: the aggregate is the entity).
 * `bookingId` is unique: the store itself guarantees one payment per booking, even when two
 * approvals of the same booking race, or an approval races the void of an abandoned booking
 * (`VOIDED` rows live here for that reason, with no `approvedAt`).
 */
export const PaymentSchema = new EntitySchema<Payment>({
  class: Payment,
  tableName: 'payment',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    version: { type: 'integer' },
    bookingId: { type: 'string', length: 100, unique: true },
    customerId: { type: 'string', length: 100 },
    amount: { type: 'integer' },
    status: { type: 'string', length: 16 },
    approvedAt: { type: 'datetime', length: 3, nullable: true },
    canceledAt: { type: 'datetime', length: 3, nullable: true },
  },
});

/** Every entity of the payment context's store. */
export const paymentEntities = [PaymentSchema];
